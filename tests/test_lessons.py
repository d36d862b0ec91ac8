"""Lessons light enough to open and complete to read without a kernel (issue 22, "the course").

Every notebook under nbs/ (lessons, tutorials, the index, primer and glossary):
- is at most 500 KB on disk: figures are drawn at screen resolution (not "retina"), large pictures live in
  nbs/tutorials/results/ and are shown from there;
- has no exported cell longer than 60 lines: a lesson shows its code in pieces a reader can take in, with prose
  between them;
- has the output of every code cell that produces one saved (a number, a table, a figure, a widget's snapshot), so
  the notebook reads on GitHub or in the documentation site as it does after running it; a widget's saved output
  carries an HTML snapshot, never only its text form (`VBox(children=...)`).
And the learning path: README's (the index's) numbered path reaches the live game without a data-plumbing notebook
(00-09), the primer lists the same lessons in the same order, and the glossary's links resolve.

Notebooks owned by other issues that do not pass yet are listed in KNOWN with the issue that fixes them, as strict
xfails: the test fails the day one is fixed and still listed, so the list only shrinks.
"""
import ast, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
NOTEBOOKS = sorted(p for p in NBS.rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
MAX_BYTES = 500_000
MAX_EXPORT_LINES = 60
WIDGET_MIME = 'application/vnd.jupyter.widget-view+json'

# (check, notebook relative to nbs/) -> why it fails today and which issue fixes it
KNOWN = {
}

def rel(nb:Path)->str: return nb.relative_to(NBS).as_posix()

def cells(nb:Path)->list:
    return json.loads(nb.read_text(encoding='utf-8'))['cells']

def source(c)->str: return ''.join(c['source']) if isinstance(c['source'], list) else c['source']

def flags(src:str)->set:
    "The cell's nbdev directives: '#| export', '#| hide', '#| slow' ... -> {'export', 'hide', 'slow'}."
    return {w for l in src.splitlines() if l.startswith('#|') for w in l[2:].replace(':', ' ').split()}

def export_lines(nb:Path)->list:
    "(cell index, lines) of every exported cell longer than MAX_EXPORT_LINES."
    out = []
    for i, c in enumerate(cells(nb)):
        src = source(c)
        if c['cell_type'] == 'code' and flags(src) & {'export', 'exporti', 'exports'}:
            n = len(src.splitlines())
            if n > MAX_EXPORT_LINES: out.append((i, n))
    return out

QUIET_CALLS = {'test_eq', 'test_ne', 'test_close', 'test_fail', 'test_is', 'test_warns', 'test_stdout', 'test_shuffled',
               'close', 'seed', 'manual_seed', 'seed_everything', 'set_matplotlib_formats', 'use_theme', 'sleep',
               'write_text', 'write_bytes', 'mkdir', 'unlink', 'rmtree', 'update', 'append', 'extend', 'setdefault',
               'fit', 'save', 'savefig', 'run', 'refresh', 'resample', 'step', 'pause', 'start', 'add', 'tight_layout',
               'set_title', 'set_xlabel', 'set_ylabel', 'legend', 'axis', 'imshow', 'plot', 'set_rcParams', 'cleanup',
               'stop', 'in_thread'}
CLOSING_CALLS = {'close', 'figure_png', 'save_png'}   # these close the figures a cell drew (nothing is shown)
SHOWING_CALLS = {'print', 'display', 'show_doc', 'Markdown', 'HTML'}

def _top_level(tree):
    "Statements at the cell's top level and inside top-level for/if/with/try blocks (not in defs or classes)."
    todo = list(tree.body)
    while todo:
        n = todo.pop(0)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): continue
        yield n
        for f in ('body', 'orelse', 'finalbody', 'handlers'):
            todo += [x for x in getattr(n, f, []) if isinstance(x, ast.AST)]

def _walk(node):
    "ast.walk that does not enter function bodies or lambdas (their calls run only when called)."
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        todo += [c for c in ast.iter_child_nodes(n)
                 if not isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))]

def _name(call:ast.Call)->str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ''

def expects_output(src:str)->bool:
    "Whether running the cell shows something: a value on its last line, a print/display, or a figure left open."
    code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('#|', '%', '!')))
    try: tree = ast.parse(code)
    except SyntaxError: return False
    if not tree.body: return False
    calls = [n for s in _top_level(tree) for n in _walk(s) if isinstance(n, ast.Call)]
    if any(_name(c) in SHOWING_CALLS for c in calls): return True
    figure = any(_name(c) in ('subplots', 'figure') or re.match(r'(plot_\w+|\w+_figure|figure)$', _name(c)) for c in calls)
    if figure and not any(_name(c) in CLOSING_CALLS for c in calls): return True
    last = tree.body[-1]
    if isinstance(last, ast.Expr) and not code.rstrip().endswith(';'):
        v = last.value
        if isinstance(v, ast.Constant) and isinstance(v.value, str): return False   # a docstring-like string
        if isinstance(v, ast.Call) and (_name(v) in QUIET_CALLS | CLOSING_CALLS or _name(v).startswith('test_')):
            return False
        if isinstance(v, (ast.Await, ast.Yield)): return False
        return True
    return False

def missing_outputs(nb:Path)->list:
    "Indices of code cells that produce output when run but have none saved (cells never run by the tests included)."
    return [i for i, c in enumerate(cells(nb)) if c['cell_type'] == 'code' and not c.get('outputs')
            and 'export' not in flags(source(c)) and expects_output(source(c))]

def bare_widgets(nb:Path)->list:
    "Indices of cells whose saved widget output has no static form (text/html or an image) beside the widget view."
    out = []
    for i, c in enumerate(cells(nb)):
        for o in c.get('outputs', []):
            d = o.get('data', {})
            if WIDGET_MIME in d and not ({'text/html', 'image/png'} & set(d)): out.append(i)
            elif 'text/plain' in d and re.match(r'\s*(VBox|HBox|Box|Output)\(children=', ''.join(d['text/plain'])) \
                 and not ({'text/html', 'image/png'} & set(d)): out.append(i)
    return sorted(set(out))

def _check(kind:str, nb:Path, problems:list, what:str):
    key = (kind, rel(nb))
    if key in KNOWN:
        if not problems: pytest.fail(f"{rel(nb)} passes the {kind} check now: remove it from KNOWN in tests/test_lessons.py")
        pytest.xfail(f"{KNOWN[key]}: {what}")
    assert not problems, f"{rel(nb)}: {what}"

ids = [rel(p) for p in NOTEBOOKS]

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=ids)
def test_notebook_size(nb):
    size = nb.stat().st_size
    _check('size', nb, [size] if size > MAX_BYTES else [],
           f"{size / 1e3:.0f} KB > {MAX_BYTES / 1e3:.0f} KB: draw figures at screen resolution "
           "(set_matplotlib_formats('png')) or save large pictures to a results/ file and show them from there")

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=ids)
def test_exported_cells_are_short(nb):
    long = export_lines(nb)
    _check('export_lines', nb, long, f"exported cells (index, lines) over {MAX_EXPORT_LINES} lines: {long}; split them "
           "(one function per cell, methods with fastcore's @patch)")

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=ids)
def test_outputs_are_saved(nb):
    miss = missing_outputs(nb)
    _check('outputs', nb, miss, f"code cells {miss} show something when run but have no saved output: "
           "run `nbdev-test --save` on the notebook")

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=ids)
def test_widgets_have_a_static_form(nb):
    bare = bare_widgets(nb)
    _check('widgets', nb, bare, f"cells {bare} saved a widget with no HTML snapshot or picture: display it through "
           "viewexplore's Widget (its _repr_mimebundle_ adds one) and save the outputs again")

# ---------------------------------------------------------------------------------------------------------------
# the checks themselves can fail

def test_output_heuristic():
    assert expects_output("x = 1\nx")
    assert expects_output("print('a')")
    assert expects_output("for i in range(2): print(i)")
    assert expects_output("fig = plot_curves(h)")
    assert expects_output("fig, ax = plt.subplots()\nax.plot([1, 2]);")
    assert not expects_output("x = 1")
    assert not expects_output("test_eq(1, 1)")
    assert not expects_output("def f(): print(1)")
    assert not expects_output("fig, ax = plt.subplots()\nplt.close(fig)")
    assert not expects_output("x = 1\nx;")
    assert expects_output("#| hide\nshow_doc(f)")

def test_checks_catch_bad_notebooks(tmp_path):
    long = '#| export\n' + '\n'.join(f'x{i} = {i}' for i in range(61))
    nb = dict(cells=[dict(cell_type='code', source=long, outputs=[], metadata={}),
                     dict(cell_type='code', source='1 + 1', outputs=[], metadata={}),
                     dict(cell_type='code', source='w', metadata={}, outputs=[
                         dict(output_type='execute_result', data={'text/plain': 'VBox(children=(IntSlider(),))'})])],
              metadata={}, nbformat=4, nbformat_minor=5)
    p = tmp_path / 'bad.ipynb'
    p.write_text(json.dumps(nb))
    assert export_lines(p) == [(0, 62)]
    assert missing_outputs(p) == [1]
    assert bare_widgets(p) == [2]

# ---------------------------------------------------------------------------------------------------------------
# the learning path

DATA_PLUMBING = re.compile(r'^0\d_')

def path_links(nb:Path, heading:str)->list[str]:
    "Notebook links of the numbered list under `heading` (a Markdown heading's text), in order."
    for c in cells(nb):
        src = source(c)
        if c['cell_type'] != 'markdown' or not re.search(rf'^#+\s+{re.escape(heading)}\s*$', src, re.M): continue
        part = src[re.search(rf'^#+\s+{re.escape(heading)}\s*$', src, re.M).end():]
        part = re.split(r'^#+\s', part, maxsplit=1, flags=re.M)[0]
        items = re.findall(r'^\d+\.\s.*(?:\n(?!\d+\.\s)\S?.*)*', part, re.M)
        return [t for item in items for t in re.findall(r'\]\(([^)#\s]+\.ipynb)', item)]
    raise AssertionError(f"{rel(nb)} has no heading {heading!r}")

def test_learning_path_reaches_the_live_game_without_data_plumbing():
    links = path_links(NBS / 'index.ipynb', 'Start here: the learning path')
    assert links[0] == 'primer.ipynb', links
    live = links.index('tutorials/live_game.ipynb')
    assert not [l for l in links[:live + 1] if DATA_PLUMBING.match(Path(l).name)], links[:live + 1]
    for l in links: assert (NBS / l).exists(), l
    for must in ('10_viewmaker.ipynb', '11_views.ipynb', '20_losses.ipynb', '31_methods.ipynb', '40_evaluate.ipynb',
                 '71_explore_views.ipynb', '50_augment.ipynb', '55_looc.ipynb', '72_explore_looc.ipynb'):
        assert must in links, must
    assert links.index('31_methods.ipynb') < live < links.index('55_looc.ipynb')

def test_primer_lists_the_same_path():
    index = path_links(NBS / 'index.ipynb', 'Start here: the learning path')
    primer = path_links(NBS / 'primer.ipynb', 'The path through the course')
    assert primer == [l for l in index if l in primer] and len(primer) >= 8, (primer, index)

def test_glossary_links_resolve():
    text = '\n'.join(source(c) for c in cells(NBS / 'glossary.ipynb') if c['cell_type'] == 'markdown')
    anchors = {h.strip().replace(' ', '-') for h in re.findall(r'^###\s+(.+)$', text, re.M)}
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        path, _, frag = target.partition('#')
        if path: assert (NBS / path).exists(), target
        else: assert frag in anchors, target

def _docs_script():
    "scripts/docs as a module (its top level needs only the standard library)."
    import importlib.machinery, importlib.util, os
    os.environ.setdefault('VIEWEXPLORE_DOCS_NO_REEXEC', '1')
    loader = importlib.machinery.SourceFileLoader('vx_docs_script', str(ROOT / 'scripts' / 'docs'))
    spec = importlib.util.spec_from_loader('vx_docs_script', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod

def test_site_navigation_is_the_path_then_the_reference():
    d = _docs_script()
    nbs = sorted(NBS.glob('*.ipynb'))
    names = {nb: 'index' if nb.stem == 'index' else d.page_name(nb) for nb in nbs}
    tnames = {nb: 'tutorial-' + d.page_name(nb).replace('_', '-') for nb in sorted((NBS / 'tutorials').glob('*.ipynb'))}
    files = {nb.relative_to(NBS).as_posix(): f'{n}.ipynb' for nb, n in {**names, **tnames}.items()}
    index = json.loads((NBS / 'index.ipynb').read_text(encoding='utf-8'))
    course, used = d.course_nav(index, files)
    flat = lambda nav: [f for e in nav for v in e.values() for f in (flat(v) if isinstance(v, list) else [v])]
    assert flat(course) == [files[l] for l in path_links(NBS / 'index.ipynb', d.PATH_HEADING)]
    assert list(course[0]) == ['1. Primer: views and contrastive learning']
    titles = {n: n for n in {**names, **tnames}.values()}
    reference = flat(d.reference_nav(names, tnames, titles, used))
    every = {f'{n}.ipynb' for n in {**names, **tnames}.values()} - {'index.ipynb', 'glossary.ipynb'}
    assert set(reference) | set(flat(course)) == every and not set(reference) & set(flat(course))
    assert 'storage.ipynb' in reference and 'storage.ipynb' not in flat(course)

def test_links_into_the_glossary_resolve():
    "Every `glossary.ipynb#Term` link in any notebook names a heading of the glossary (Jupyter's and nbconvert's ids)."
    text = '\n'.join(source(c) for c in cells(NBS / 'glossary.ipynb') if c['cell_type'] == 'markdown')
    anchors = {h.strip().replace(' ', '-') for h in re.findall(r'^###\s+(.+)$', text, re.M)}
    bad, n = [], 0
    for nb in NOTEBOOKS:
        for c in cells(nb):
            if c['cell_type'] != 'markdown': continue
            for frag in re.findall(r'glossary\.ipynb#([^)\s]+)\)', source(c)):
                n += 1
                if frag not in anchors: bad.append((rel(nb), frag))
    assert n > 30 and not bad, bad

def stale_widget_state(nb:Path)->bool:
    "Whether the notebook carries saved widget state that none of its widget outputs uses (dead weight)."
    md = json.loads(nb.read_text(encoding='utf-8'))['metadata']
    state = md.get('widgets', {}).get('application/vnd.jupyter.widget-state+json', {}).get('state')
    if not state: return False
    ids = [o['data'][WIDGET_MIME]['model_id'] for c in cells(nb) for o in c.get('outputs', []) if WIDGET_MIME in o.get('data', {})]
    return not any(i in state for i in ids)

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=ids)
def test_no_stale_widget_state(nb):
    assert not stale_widget_state(nb), (f"{rel(nb)} keeps widget state saved by an earlier session that none of its outputs "
                                        "uses: drop the notebook metadata's 'widgets' entry")


def test_library_lines_stay_under_120_characters():
    """What the notebooks export (viewexplore/*.py) stays under 120 characters a line, module docstrings included;
    nbdev's own generated lines (`__all__`, the symbol index, the package docstring's module list) are its format."""
    pkg = ROOT / 'viewexplore'
    long = []
    for p in sorted(pkg.rglob('*.py')):
        if p.name in ('_modidx.py', '__init__.py') and p.parent == pkg: continue
        long += [f'{p.relative_to(ROOT)}:{i}' for i, l in enumerate(p.read_text().splitlines(), 1)
                 if len(l) > 120 and not l.startswith('__all__ = ')]
    assert not long, f'lines over 120 characters (edit the notebook, then nbdev-export): {long}'
