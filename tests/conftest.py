import os, shutil, sys
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
