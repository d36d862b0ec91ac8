import contextlib, os, secrets, shutil, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get('VIEWEXPLORE_DATA', ROOT.parent / 'shared' / 'data'))


def viewexplore_cmd():
    "The installed console script (next to this Python), so tests run the command line a user runs."
    exe = Path(sys.executable).parent / 'viewexplore'
    if exe.exists(): return [str(exe)]
    found = shutil.which('viewexplore')
    if found: return [found]
    pytest.skip('the viewexplore console script is not installed (run `make setup`)')


@pytest.fixture
def cli():
    return viewexplore_cmd()


# ---- headless Chromium, shared by the JupyterLab and documentation-site browser tests ----------------------------
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync']


def find_chromium():
    "Debian's Chromium (or $VIEWEXPLORE_CHROMIUM); never a browser downloaded by playwright."
    for c in [os.environ.get('VIEWEXPLORE_CHROMIUM'), '/usr/bin/chromium', shutil.which('chromium'), shutil.which('chromium-browser')]:
        if c and Path(c).exists(): return c
    return None


@pytest.fixture(scope='module')
def browser():
    sync_api = pytest.importorskip('playwright.sync_api', reason="playwright is not installed (pip install playwright; make setup does)")
    exe = find_chromium()
    if exe is None: pytest.skip("no Chromium found: apt-get install -y chromium (or set VIEWEXPLORE_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield b
        b.close()


# ---- a JupyterLab server for the widget browser tests --------------------------------------------------------------
def free_port()->int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyterlab_server(root:Path):
    "JupyterLab on 127.0.0.1 with a random token, serving `root`, its settings kept inside `root`; yields url/token/root."
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / '.jupyter'), JUPYTERLAB_SETTINGS_DIR=str(root / '.lab-settings'),
               JUPYTERLAB_WORKSPACES_DIR=str(root / '.lab-workspaces'), JUPYTER_RUNTIME_DIR=str(root / '.runtime'),
               OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '2'))
    # render every cell (JupyterLab 4 otherwise only renders the cells in view) and keep the page quiet
    tracker = root / '.lab-settings' / '@jupyterlab' / 'notebook-extension'
    tracker.mkdir(parents=True)
    (tracker / 'tracker.jupyterlab-settings').write_text('{"windowingMode": "none"}')
    apputils = root / '.lab-settings' / '@jupyterlab' / 'apputils-extension'
    apputils.mkdir(parents=True)
    (apputils / 'notification.jupyterlab-settings').write_text('{"fetchNews": "false", "checkForUpdates": false}')
    log = open(root / 'lab.log', 'w')
    proc = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}', '--LabApp.news_url=',
                             '--LabApp.extension_manager=readonly', *(['--allow-root'] if os.geteuid() == 0 else [])],
                            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            if proc.poll() is not None: pytest.fail(f"JupyterLab exited early:\n{(root / 'lab.log').read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not answer within 60 s:\n{(root / 'lab.log').read_text()[-3000:]}")
        yield dict(url=url, token=token, root=root)
    finally:
        proc.terminate()
        try: proc.wait(20)
        except subprocess.TimeoutExpired: proc.kill()
        log.close()


@pytest.fixture
def shots():
    "Where the browser tests save screenshots: `$VIEWEXPLORE_SCREENSHOTS`, default runs/screenshots."
    d = Path(os.environ.get('VIEWEXPLORE_SCREENSHOTS', ROOT / 'runs' / 'screenshots'))
    d.mkdir(parents=True, exist_ok=True)
    return d
