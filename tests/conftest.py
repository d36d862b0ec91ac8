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
