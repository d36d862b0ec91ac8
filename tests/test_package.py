"""Packaging: build the wheel and sdist, check what is inside, install the wheel into a fresh virtual environment
offline and run the command line on the embedded data from there.

The fresh environment gets no network: the wheel is installed with `--no-index --no-deps`, and the dependencies
(torch, ...) are the ones already installed in the running environment, made visible through a `.pth` file rather
than copied. The check that the installed package really comes from the wheel is `viewexplore.__file__`.
"""
import json, os, re, subprocess, sys, sysconfig, tarfile, zipfile
from email.parser import Parser
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    pytest.importorskip('build', reason="python -m build needs the 'build' package (pip install build; make setup installs it)")
    out = tmp_path_factory.mktemp('dist')
    r = subprocess.run([sys.executable, '-m', 'build', '--no-isolation', '--outdir', str(out), str(ROOT)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    wheels, sdists = list(out.glob('*.whl')), list(out.glob('*.tar.gz'))
    assert len(wheels) == 1 and len(sdists) == 1, list(out.iterdir())
    return dict(wheel=wheels[0], sdist=sdists[0], dir=out)

def test_wheel_contents_and_metadata(dist):
    import viewexplore
    z = zipfile.ZipFile(dist['wheel'])
    names = set(z.namelist())
    mods = {p.name for p in (ROOT / 'viewexplore').glob('*.py')}
    assert {f'viewexplore/{m}' for m in mods} <= names, "every generated module is in the wheel"
    assert 'viewexplore/assets/fashion_mnist_mini.npz' in names and 'viewexplore/assets/FASHION_MNIST_LICENSE.txt' in names
    from viewexplore.examples import EXAMPLE_RUNS   # the shipped example runs (nbs/37_examples), and not much more
    assert {f'viewexplore/assets/example-{n}.pt' for n in EXAMPLE_RUNS} <= names
    assert dist['wheel'].stat().st_size < 14e6, f"the wheel is {dist['wheel'].stat().st_size / 1e6:.1f} MB"
    info = next(n for n in names if n.endswith('.dist-info/METADATA'))
    meta = Parser().parsestr(z.read(info).decode())
    assert meta['Name'] == 'viewexplore' and meta['Version'] == viewexplore.__version__
    assert meta['License-Expression'] == 'Apache-2.0'
    assert any(n.endswith('.dist-info/licenses/LICENSE') for n in names)
    assert meta['Summary'] and 'Viewmaker' in meta['Summary']
    assert meta['Description-Content-Type'] == 'text/markdown' and '## Two commands' in meta.get_payload()
    urls = meta.get_all('Project-URL')
    assert any(u.startswith('Documentation') for u in urls) and any(u.startswith('Repository') for u in urls)
    assert len(meta.get_all('Classifier')) >= 5
    extras = set(meta.get_all('Provides-Extra'))
    assert {'dev', 'docs', 'audio', 'widgets', 'distributed'} <= extras, extras
    reqs = meta.get_all('Requires-Dist')
    assert not [r for r in reqs if re.search(r'===?\s*[\d*]', r.split(';')[0])], f"lower bounds, no exact pins: {reqs}"
    ep = z.read(next(n for n in names if n.endswith('entry_points.txt'))).decode()
    assert re.search(r'viewexplore\s*=\s*viewexplore\.cli:main', ep)

def test_sdist_carries_the_sources(dist):
    names = tarfile.open(dist['sdist']).getnames()
    base = names[0].split('/')[0]
    for f in ['LICENSE', 'CHANGELOG.md', 'README.md', 'Makefile', 'mkdocs.yml', 'nbs/10_viewmaker.ipynb', 'tests/test_cli.py',
              'scripts/check-sync', 'scripts/docs', 'docs/hooks.py']:
        assert f'{base}/{f}' in names, f
    shipped = lambda n: '/viewexplore/assets/example-' in n   # the example runs the package ships; no other checkpoint
    assert not [n for n in names if (n.endswith('.pt') and not shipped(n)) or '/runs/' in n]
    assert any(shipped(n) for n in names)

@pytest.mark.slow
def test_wheel_installs_and_runs_offline(dist, tmp_path):
    venv = tmp_path / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    py = venv / 'bin' / 'python'
    # the running environment's packages (torch, ...) become visible to the new one, after its own site-packages
    site_new = Path(subprocess.run([str(py), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                                   capture_output=True, text=True, check=True).stdout.strip())
    (site_new / '_deps_from_parent.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(('PIP_', 'PYTHON'))}
    env.update(PIP_NO_INDEX='1', PIP_DISABLE_PIP_VERSION_CHECK='1', VIEWEXPLORE_CACHE=str(tmp_path / 'cache'))
    r = subprocess.run([str(py), '-m', 'pip', 'install', '--no-index', '--no-deps', '--ignore-installed', str(dist['wheel'])],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    where = subprocess.run([str(py), '-c', 'import viewexplore, viewexplore.widgets; print(viewexplore.__file__, viewexplore.__version__)'],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert where.returncode == 0, where.stderr[-2000:]
    assert str(site_new) in where.stdout, f"imported from the wrong place: {where.stdout}"
    # every declared dependency is satisfied in the new environment
    check = subprocess.run([str(py), '-c', '''
import importlib.metadata as md, re, sys
missing = []
for r in md.requires("viewexplore"):
    if "extra ==" in r: continue
    name = re.split(r"[<>=!~ ;\\[]", r)[0]
    try: md.version(name)
    except md.PackageNotFoundError: missing.append(r)
print(missing); sys.exit(1 if missing else 0)'''], capture_output=True, text=True, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    # the console script, on the embedded data
    exe = venv / 'bin' / 'viewexplore'
    assert exe.exists()
    out = tmp_path / 'run'
    r = subprocess.run([str(exe), 'pretrain', '--data', 'fashion-mnist-mini', '--views', 'viewmaker', '--epochs', '1',
                        '--train-subset', '256', '--test-subset', '200', '--batch-size', '64', '--viewmaker-width', '8',
                        '--probe-epochs', '1', '--no-progress', '--out', str(out)],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    m = json.loads((out / 'metrics.json').read_text())
    assert 0 <= m['linear_accuracy'] <= 100 and (out / 'checkpoint.pt').exists() and (out / 'views.png').exists()
    r = subprocess.run([str(exe), 'evaluate', str(out / 'checkpoint.pt'), '--probe-epochs', '1', '--no-progress'],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
