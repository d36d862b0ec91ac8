"""Browser tests: the widget notebooks run in a real JupyterLab, driven through Debian's Chromium with playwright.

JupyterLab is started on 127.0.0.1 with a random token in a temporary folder holding copies of the lesson notebooks
(`runs/` points at the repository's, so the lessons reuse the short runs `nbdev-test` trained). Screenshots are saved
to `$VIEWEXPLORE_SCREENSHOTS` (default `runs/screenshots`). The tests skip, saying why, only when playwright or a
Chromium executable is missing (`make test` installs both when it may).
"""
import os, re, shutil, time
from pathlib import Path
import pytest
from conftest import find_chromium, jupyterlab_server

ROOT = Path(__file__).resolve().parents[1]

playwright = pytest.importorskip('playwright.sync_api', reason="playwright is not installed (pip install playwright; make setup does)")
CHROMIUM = find_chromium()
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found: apt-get install -y chromium (or set VIEWEXPLORE_CHROMIUM)")]

@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    "A JupyterLab server on 127.0.0.1 with a token, serving copies of the widget notebooks."
    root = tmp_path_factory.mktemp('lab')
    (root / 'nbs').mkdir()
    for nb in ['71_explore_views.ipynb', '72_explore_looc.ipynb']: shutil.copy(ROOT / 'nbs' / nb, root / 'nbs' / nb)
    (ROOT / 'runs').mkdir(exist_ok=True)
    (root / 'runs').symlink_to(ROOT / 'runs')
    with jupyterlab_server(root) as lab:
        yield lab

def _open_and_run(browser, lab, notebook:str, timeout_s:int=int(os.environ.get('VIEWEXPLORE_BROWSER_TIMEOUT', 600))):
    "Open `notebook` in JupyterLab, run all cells, and wait until the kernel is idle with every cell executed."
    page = browser.new_page(viewport=dict(width=1500, height=1000))
    errors = []
    page.on('pageerror', lambda e: errors.append(str(e)))
    page.goto(f"{lab['url']}/lab/tree/nbs/{notebook}?reset&token={lab['token']}", timeout=120_000)  # reset: a fresh workspace, this notebook only
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=120_000)
    # a notebook saved without kernel metadata asks which kernel to start: take the default (this Python)
    try:
        page.locator('.jp-Dialog .jp-mod-accept').click(timeout=10_000)
    except playwright.TimeoutError: pass
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
    page.locator('.lm-MenuBar-itemLabel', has_text=re.compile(r'^Run$')).click()
    page.locator('.lm-Menu-itemLabel', has_text=re.compile(r'^Run All Cells$')).click()
    # every code cell gets an execution count, and the kernel goes back to idle
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        prompts = page.locator('.jp-CodeCell .jp-InputPrompt').all_inner_texts()
        if prompts and all(re.search(r'\[\d+\]', p) for p in prompts) and \
           page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count(): break
        time.sleep(1)
    else:
        page.screenshot(path=str(lab['root'] / f'{notebook}-timeout.png'))
        pytest.fail(f"{notebook} did not finish within {timeout_s} s (screenshot in {lab['root']}); prompts: {prompts}")
    tracebacks = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]', has_text='Traceback').count()
    tracebacks += page.locator('.jp-RenderedText', has_text=re.compile(r'Error: |Traceback')).count()
    assert tracebacks == 0, f"{notebook} raised an error in JupyterLab"
    return page, errors

def _text(page, sel:str)->str: return page.locator(sel).first.inner_text()

def _changes(page, sel:str, old:str, timeout:int=20_000):
    "Wait until the first element matching `sel` shows other text than `old` (widgets replace their HTML on every render)."
    page.wait_for_function("([sel, old]) => { const e = document.querySelector(sel); return e && e.innerText !== old; }",
                           arg=[sel, old], timeout=timeout)
    return _text(page, sel)

def _budget(text:str)->float: return float(re.search(r'= ([\d.]+)', text).group(1))

def test_budget_slider_in_jupyterlab(lab, browser, shots):
    page, errors = _open_and_run(browser, lab, '71_explore_views.ipynb')
    B, S = '.vx-budget', '.vx-budget ~ table.vx-stats'
    page.locator(B).first.scroll_into_view_if_needed()
    before, stats_before = _text(page, B), _text(page, S)
    b0 = _budget(before)
    assert abs(b0 - 0.05) < 1e-3, before    # the notebook's 0.05, as snapped to the slider's log-scale steps
    page.screenshot(path=str(shots / 'budget-explorer-before.png'))
    handle = page.locator('.widget-hslider').filter(has_text='budget').first.locator('.noUi-handle').first
    # keyboard: five steps of 0.02 in log10, one at a time (each re-renders in the kernel before the next)
    shown = before
    for _ in range(5):
        handle.focus(); page.keyboard.press('ArrowRight')
        shown = _changes(page, B, shown)
    b_keys = _budget(shown)
    assert abs(b_keys - b0 * 10 ** 0.1) < 2e-3, (b0, b_keys)
    # the statistics follow: mean |delta| equals the new budget before clamping, for every source with a budget
    stats = _text(page, S)
    assert stats != stats_before
    means = [float(t) for t in page.locator(S).first.locator('.vx-mean-delta').all_inner_texts()]
    assert all(abs(m - b_keys) < 2e-3 for m in means), (b_keys, means)
    # mouse: drag the handle past the right end of the track, to the largest budget (2.0)
    track = page.locator('.widget-hslider').filter(has_text='budget').first.locator('.noUi-target').first.bounding_box()
    hb = handle.bounding_box()
    page.mouse.move(hb['x'] + hb['width'] / 2, hb['y'] + hb['height'] / 2)
    page.mouse.down(); page.mouse.move(track['x'] + track['width'] + 50, hb['y'] + hb['height'] / 2, steps=8); page.mouse.up()
    page.wait_for_function("() => document.querySelector('.vx-budget').innerText.includes('2.0000')", timeout=30_000)
    psnr = [float(t) for t in page.locator(S).first.locator('.vx-psnr').all_inner_texts()]
    assert max(psnr) < 15, psnr   # at eps 2 nothing of the original's fidelity is left
    page.locator(B).first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / 'budget-explorer-after.png'))
    # the gallery's resample button draws new views
    page.locator('.vx-gallery').first.scroll_into_view_if_needed()
    head = _text(page, '.vx-gallery-head')
    page.locator('button', has_text='resample').first.click()
    assert 'seed 6' in _changes(page, '.vx-gallery-head', head)
    page.screenshot(path=str(shots / 'view-gallery.png'))
    assert not errors, errors
    page.close()

def test_looc_widgets_in_jupyterlab(lab, browser, shots):
    page, errors = _open_and_run(browser, lab, '72_explore_looc.ipynb')
    L = '.vx-legend'
    page.locator(L).first.scroll_into_view_if_needed()
    legend = _text(page, L)
    assert 'seed 0' in legend
    page.screenshot(path=str(shots / 'leave-one-out-sampler.png'))
    page.locator('button', has_text='resample').first.click()
    assert 'seed 1' in _changes(page, L, legend)
    # head contributions: step the example slider with the keyboard; the example (and its bars) change
    H = '.vx-head-example'
    page.locator(H).first.scroll_into_view_if_needed()
    shown = _text(page, H)
    handle = page.locator('.widget-hslider').filter(has_text='example').first.locator('.noUi-handle').first
    changed = False
    for _ in range(10):   # neighbouring examples can look the same when rounded; step until one differs
        handle.focus(); page.keyboard.press('ArrowRight')
        try: _changes(page, H, shown, timeout=3_000); changed = True; break
        except playwright.TimeoutError: continue
    assert changed, "moving the example slider never changed the head-contribution view"
    assert page.locator(H).first.locator('.vx-bar').count() == 2
    page.screenshot(path=str(shots / 'head-contributions.png'))
    # retrievals: the last query, other neighbours
    R = '.vx-retrieval'
    page.locator(R).first.scroll_into_view_if_needed()
    before = _text(page, R)
    handle = page.locator('.widget-hslider').filter(has_text='query').first.locator('.noUi-handle').first
    handle.focus(); page.keyboard.press('End')
    assert 'query 499' in _changes(page, R, before)
    page.screenshot(path=str(shots / 'retrievals.png'))
    assert not errors, errors
    page.close()
