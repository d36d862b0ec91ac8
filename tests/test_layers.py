"""Layers only look down: every import between viewexplore's modules, read from the code, goes to a lower layer.

The order is the one in DESIGN.md: core < theme < storage < data (splits < images, signals < audio, sensors < the
registry) < views < losses/models < config < methods < train < runs/evaluate < figures/widgets/cli. Imports inside
functions count as much as those at the top of a module (a function-level import is how the old circle between
data, audio and sensors hid). A new module must be placed here; the test says so when one is missing."""
import ast
from pathlib import Path
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'viewexplore'

# (layer, modules): a module may import modules of its own layer or of a layer before it; a name ending in '.*'
# stands for a subpackage and all its modules.
LAYERS = [
    ('core', ['__init__', 'core']),
    ('theme', ['theme']),   # the figures' look: imports nothing of the package; evaluations and figures draw in it
    ('storage', ['storage']),
    ('splits', ['splits']),
    ('dataset types', ['images', 'signals']),
    ('speech and sensors', ['audio', 'sensors']),
    ('data registry', ['data']),
    ('views', ['viewmaker', 'augment', 'views']),
    ('losses and models', ['losses', 'models']),
    ('config', ['config']),
    ('methods', ['methods', 'looc', 'push_apart', 'divmaker', 'hard_views']),
    ('train', ['train']),
    ('runs and evaluation', ['runs', 'evaluate', 'task_probes', 'few_shot', 'retrieval', 'corruptions',
                             'head_contributions', 'evaluations', 'examples']),
    ('figures, widgets and command line', ['figures', 'widgets', 'widgets.*', 'cli', '__main__']),
]
# siblings in a layer that must not import each other either: a SignalDataset belongs to neither speech nor sensors
INDEPENDENT = [('images', 'signals'), ('audio', 'sensors')]
SKIP = {'_modidx'}   # generated index of names, no imports


def module_names(package:Path)->dict[str, Path]:
    "Dotted names (relative to the package) of its modules: 'core', 'widgets', 'widgets.gallery', ..."
    out = {}
    for f in sorted(package.rglob('*.py')):
        parts = list(f.relative_to(package).with_suffix('').parts)
        if parts[-1] == '__init__' and len(parts) > 1: parts = parts[:-1]
        name = '.'.join(parts)
        if name not in SKIP: out[name] = f
    return out


def _is_package(name:str, modules:dict)->bool:
    return name == '__init__' or modules[name].name == '__init__.py'


def imports_of(name:str, path:Path, modules:dict, package_name:str='viewexplore')->set[str]:
    "The package's modules that module `name` imports anywhere in its code (top level or inside functions)."
    tree = ast.parse(path.read_text(), str(path))
    pkg = name.split('.') if _is_package(name, modules) and name != '__init__' else name.split('.')[:-1]
    found = set()
    def add(dotted:str, names=()):
        "Record `dotted` (relative to the package; '' is the package itself) or its submodules named in `names`."
        subs = [f'{dotted}.{n}' if dotted else n for n in names]
        hit = [s for s in subs if s in modules]
        if hit: found.update(hit)
        if len(hit) < len(subs) or not names:
            found.add(dotted if dotted in modules else ('__init__' if dotted == '' else dotted))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names]
            if node.level:
                base = pkg[:len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                add('.'.join(base + ([node.module] if node.module else [])), names)
            elif node.module == package_name: add('', names)
            elif node.module and node.module.startswith(package_name + '.'): add(node.module[len(package_name) + 1:], names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == package_name: add('')
                elif a.name.startswith(package_name + '.'): add(a.name[len(package_name) + 1:])
        elif (isinstance(node, ast.Call) and getattr(node.func, 'attr', getattr(node.func, 'id', None)) == 'import_module'
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and node.args[0].value.startswith(package_name + '.')):
            add(node.args[0].value[len(package_name) + 1:])
    found.discard(name)
    return found


def layer_of(name:str, layers=LAYERS)->int|None:
    "Index of the layer of module `name` (None: not placed)."
    for i, (_, mods) in enumerate(layers):
        for m in mods:
            if name == m or (m.endswith('.*') and name.startswith(m[:-1])): return i
    return None


def _cycles(graph:dict)->list[list[str]]:
    "Import cycles of `graph` (module -> modules it imports), each as a path that ends where it starts."
    out, state = [], {}
    def visit(n, path):
        state[n] = 'open'
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 'open': out.append(path[path.index(m):] + [m])
            elif m not in state: visit(m, path + [m])
        state[n] = 'done'
    for n in sorted(graph):
        if n not in state: visit(n, [n])
    return out


def layer_violations(package:Path=PACKAGE, layers=LAYERS, independent=INDEPENDENT)->list[str]:
    "Every import that goes up (or sideways between independent modules), every cycle and every unplaced module."
    modules = module_names(package)
    graph = {n: imports_of(n, p, modules, package.name) for n, p in modules.items()}
    problems = [f"{n} is in no layer: add it to LAYERS in tests/test_layers.py" for n in modules
                if layer_of(n, layers) is None]
    for src, targets in graph.items():
        ls = layer_of(src, layers)
        for t in sorted(targets):
            lt = layer_of(t, layers)
            if t not in modules: problems.append(f"{src} imports {t}, which does not exist")
            elif ls is not None and lt is not None and lt > ls:
                problems.append(f"{src} ({layers[ls][0]}) imports {t} ({layers[lt][0]}), a higher layer")
            elif (src, t) in independent or (t, src) in independent:
                problems.append(f"{src} imports {t}; they are independent siblings in the layer {layers[ls][0]}")
    problems += [f"import cycle: {' -> '.join(c)}" for c in _cycles(graph)]
    return problems


def test_layers_only_look_down():
    problems = layer_violations()
    assert not problems, '\n'.join(problems)


def test_every_module_is_read():
    "The checker sees the data layer's imports: a test that finds nothing could not fail."
    modules = module_names(PACKAGE)
    assert {'core', 'storage', 'images', 'signals', 'audio', 'sensors', 'data', 'train', 'cli'} <= set(modules)
    assert imports_of('audio', modules['audio'], modules) >= {'core', 'storage', 'splits', 'signals'}
    assert imports_of('data', modules['data'], modules) >= {'images', 'audio', 'sensors'}
    assert 'data' in imports_of('train', modules['train'], modules)


def _fake_package(tmp_path:Path, files:dict)->Path:
    pkg = tmp_path / 'viewexplore'
    pkg.mkdir()
    for name, src in {'__init__.py': '', **files}.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(src)
    return pkg


@pytest.mark.parametrize('src', [
    "from .cli import main\n",
    "def f():\n    from viewexplore.cli import main\n    return main\n",   # inside a function counts too
    "import viewexplore.cli\n",
    "from . import cli\n",
    "import importlib\nm = importlib.import_module('viewexplore.cli')\n",
])
def test_checker_flags_an_import_upwards(tmp_path, src):
    pkg = _fake_package(tmp_path, {'core.py': src, 'cli.py': 'from .core import x\n'})
    problems = layer_violations(pkg)
    assert any(p.startswith('core (core) imports cli') for p in problems), problems
    assert any(p.startswith('import cycle: ') for p in problems), problems


def test_checker_flags_siblings_unplaced_modules_and_subpackages(tmp_path):
    pkg = _fake_package(tmp_path, {
        'core.py': '', 'signals.py': 'from .core import x\n',
        'audio.py': 'from .signals import SignalDataset\n',
        'sensors.py': 'def f():\n    from .audio import SpecAugment\n',   # the old circle's half
        'mystery.py': 'from .core import x\n',
        'widgets/__init__.py': 'from .gallery import G\n',
        'widgets/gallery.py': 'from ..core import x\nfrom .base import B\n',
        'widgets/base.py': 'from ..cli import y\n',
        'cli.py': 'from .widgets import G\n',
        'data.py': 'from .widgets.gallery import G\n',
    })
    problems = layer_violations(pkg)
    assert 'sensors imports audio; they are independent siblings in the layer speech and sensors' in problems
    assert 'mystery is in no layer: add it to LAYERS in tests/test_layers.py' in problems
    assert 'data (data registry) imports widgets.gallery (figures, widgets and command line), a higher layer' in problems
    assert any(p.startswith('import cycle: ') and 'widgets.base' in p for p in problems), problems   # cli <-> widgets
    assert not any(p.startswith('audio') or p.startswith('widgets.gallery') for p in problems), problems
