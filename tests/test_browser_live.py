"""Browser tests of the live game and the embedding map in a real JupyterLab, through Debian's Chromium.

The fixture trains two tiny runs with the command line (`viewexplore pretrain`), writes a notebook that shows a small
`LiveGame`, an `EmbeddingMap` of those two checkpoints and an `EmbeddingMap` of a short game's snapshots over time,
and serves it from a JupyterLab on 127.0.0.1 with a random token. The tests press the game's buttons and move its
slider while it trains (the kernel keeps answering), play its two players' turns one at a time, click and drag in
the map (the detail panel and the other map follow), and play the map over time (the points move with the time
slider and the play button; hovering a point shows its image). Screenshots go to `$VIEWEXPLORE_SCREENSHOTS`
(default `runs/screenshots`). The tests skip, saying why, only when playwright or a Chromium executable is missing.
"""
import json, re, subprocess, time
from pathlib import Path
import pytest
from conftest import find_chromium, jupyterlab_server, viewexplore_cmd

ROOT = Path(__file__).resolve().parents[1]
playwright = pytest.importorskip('playwright.sync_api', reason="playwright is not installed (pip install playwright; make setup does)")
pytest.importorskip('anywidget', reason="anywidget is not installed (pip install anywidget; make setup does)")
CHROMIUM = find_chromium()
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found: apt-get install -y chromium (or set VIEWEXPLORE_CHROMIUM)")]
from test_browser import _open_and_run, _text

TINY = ['--train-subset', '256', '--test-subset', '100', '--batch-size', '64', '--viewmaker-width', '4',
        '--num-res-blocks', '1', '--epochs', '1', '--probe-epochs', '1', '--no-progress']

CELLS = [
    "import os\nos.environ.setdefault('OMP_NUM_THREADS', '1')\nfrom viewexplore.widgets.live import LiveGame\n"
    "game = LiveGame(train_subset=256, test_subset=100, viewmaker_width=4, num_res_blocks=1, images=4, every=2,\n"
    "                viewmaker_every=1, distortion_budget=0.05, map_points=50, yield_seconds=0.05)\ngame",
    "from viewexplore.widgets.embedding_map import EmbeddingMap\n"
    "emap = EmbeddingMap({'viewmaker': 'runs/viewmaker', 'noise': 'runs/noise'}, n=100, k=5, size=300)\nemap",
    "from viewexplore.widgets.embedding_map import game_trajectory\n"
    "short = LiveGame(train_subset=256, test_subset=100, batch_size=64, viewmaker_width=4, num_res_blocks=1, images=2,\n"
    "                 map_points=80, map_every=2)\nshort.step(6)\n"
    "film = EmbeddingMap({'over time': game_trajectory(short)}, k=5, size=300)\nfilm",
]

@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    "Two command-line runs and a notebook showing both widgets, served by JupyterLab on 127.0.0.1 with a token."
    root = tmp_path_factory.mktemp('livelab')
    for views in ['viewmaker', 'noise']:
        r = subprocess.run(viewexplore_cmd() + ['pretrain', '--views', views, '--out', str(root / 'runs' / views), *TINY],
                           capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-2000:]
    nb = dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3',
                                                                          language='python')),
              cells=[dict(cell_type='code', id=f'c{i}', metadata={}, execution_count=None, outputs=[], source=src)
                     for i, src in enumerate(CELLS)])
    (root / 'nbs').mkdir()
    (root / 'nbs' / 'live.ipynb').write_text(json.dumps(nb))
    (root / 'nbs' / 'runs').symlink_to(root / 'runs')
    with jupyterlab_server(root) as lab:
        yield lab

@pytest.fixture(scope='module')
def page(lab, browser):
    page, errors = _open_and_run(browser, lab, 'live.ipynb')
    yield page
    assert not errors, errors
    page.close()

def _step(page)->int: return int(page.locator('.vx-game-status').first.get_attribute('data-step'))
def _state(page)->str: return page.locator('.vx-game-status').first.get_attribute('data-state')
def _button(page, text:str): return page.locator('.widget-button', has_text=re.compile(rf'^\s*{text}\s*$')).first

def _wait(page, fn, what:str, timeout:float=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn(): return
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")

def test_live_game_in_jupyterlab(page, lab, shots):
    S = '.vx-game-status'
    page.locator(S).first.scroll_into_view_if_needed()
    assert _state(page) == 'ready' and _step(page) == 0
    _button(page, 'start').click()
    _wait(page, lambda: _step(page) >= 2, 'the game to train in the background')
    assert _state(page) == 'running'
    # the slider answers while it trains: five log-steps of 0.05 up, one key press at a time
    budget = _text(page, '.vx-game-budget')
    handle = page.locator('.widget-hslider').filter(has_text='budget').first.locator('.noUi-handle').first
    for _ in range(5):
        handle.focus(); page.keyboard.press('ArrowRight')
    _wait(page, lambda: _text(page, '.vx-game-budget') != budget, 'the budget to change while training')
    b = float(_text(page, '.vx-game-budget'))
    assert b > 0.05, b
    before = _step(page)
    _wait(page, lambda: _step(page) > before + 1, 'training to go on after the budget change')
    assert _state(page) == 'running'
    page.screenshot(path=str(shots / 'live-game-running.png'))
    _button(page, 'pause').click()
    _wait(page, lambda: _state(page) == 'paused', 'the pause')
    paused = _step(page)
    time.sleep(2)
    assert _step(page) == paused                       # nothing trains while paused
    _button(page, 'resume').click()
    _wait(page, lambda: _step(page) > paused, 'training to resume')
    _button(page, 'pause').click()
    _wait(page, lambda: _state(page) == 'paused', 'the second pause')
    # the two players, one at a time: the encoder's turn, then the viewmaker's, each saying what it changed
    at = _step(page)
    _button(page, "encoder's turn").click()
    page.wait_for_selector('.vx-game-pending', timeout=60_000)
    assert _step(page) == at                           # half a step: the step count waits for the viewmaker
    _button(page, "viewmaker's turn").click()
    page.wait_for_selector(".vx-game-turn[data-player='viewmaker'] .vx-turn-change", timeout=60_000)
    _wait(page, lambda: _step(page) == at + 1, 'the step to end with the viewmaker\'s turn', 60)
    turn = page.locator(".vx-game-turn[data-player='viewmaker']").first
    before, after = float(turn.locator('.vx-turn-before').inner_text()), float(turn.locator('.vx-turn-after').inner_text())
    assert after > before, (before, after)             # the viewmaker's move raised the loss of this batch
    assert turn.locator('.vx-turn-change').count() == 4
    assert page.locator('.vx-game-views .vx-push').count() == 4   # where it will push next, for every watched image
    page.screenshot(path=str(shots / 'live-game-turns.png'))
    # noise instead: the other run, at the same budget
    page.locator('.widget-toggle-button', has_text='noise instead').first.click()
    _wait(page, lambda: 'noise' in _text(page, '.vx-game-run'), 'the noise run')
    _button(page, 'step').click()
    _wait(page, lambda: _step(page) == 1, 'one step of the noise run')
    # save this run, then stop
    folder = page.locator('.widget-text', has_text='save to').first.locator('input')
    folder.fill(str(lab['root'] / 'runs' / 'saved-live')); folder.press('Enter')
    _button(page, 'save this run').click()
    page.wait_for_selector('.vx-game-saved', timeout=60_000)
    assert (lab['root'] / 'runs' / 'saved-live' / 'checkpoint.pt').exists()
    _button(page, 'stop').click()
    _wait(page, lambda: _state(page) == 'stopped', 'the stop')
    assert page.locator('.vx-game-views .vx-view').count() == 4
    page.screenshot(path=str(shots / 'live-game.png'))

def test_embedding_map_in_jupyterlab(page, shots):
    svgs = page.locator('.vx-map-svg')   # the two runs side by side, then the film
    _wait(page, lambda: svgs.count() == 3 and svgs.nth(1).locator('circle.vx-point').count() == 100, 'both maps drawn')
    svgs.first.scroll_into_view_if_needed()
    assert _text(page, '.vx-map-detail').startswith('Click a point')
    # click point 17 of the first map where it is drawn; the point on top there is the one clicked
    box = svgs.first.locator('circle.vx-point[data-index="17"]').bounding_box()
    x, y = box['x'] + box['width'] / 2, box['y'] + box['height'] / 2
    top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).dataset.index", [x, y])
    page.mouse.click(x, y)
    page.wait_for_selector(f".vx-map-detail[data-index='{top}']", timeout=30_000)
    # linked: the other map marks the same test image, and the panel shows each map's neighbours
    second = svgs.nth(1).locator(f'circle.vx-point[data-index="{top}"]')
    _wait(page, lambda: 'vx-selected' in (second.get_attribute('class') or ''), 'the other map to follow', 30)
    assert page.locator('.vx-map-detail .vx-neighbour').count() == 2 * 5
    assert page.locator('.vx-map-detail .vx-view').count() == 2 * 4  # each run's views of the image
    page.screenshot(path=str(shots / 'embedding-map-click.png'))
    # drag a box over the second map: the panel counts the points in it
    b = svgs.nth(1).bounding_box()
    page.mouse.move(b['x'] + 5, b['y'] + 5); page.mouse.down()
    page.mouse.move(b['x'] + b['width'] * 0.6, b['y'] + b['height'] * 0.6, steps=6); page.mouse.up()
    page.wait_for_selector('.vx-map-selection', timeout=30_000)
    assert int(page.locator('.vx-map-selection').first.get_attribute('data-count')) > 0
    page.screenshot(path=str(shots / 'embedding-map-box.png'))

def _transform(page, svg, i:int)->str:
    return svg.locator(f'circle.vx-point[data-index="{i}"]').evaluate("c => c.style.transform")

def test_map_over_time_in_jupyterlab(page, shots):
    film = page.locator('.vx-map-svg').nth(2)
    _wait(page, lambda: film.locator('circle.vx-point').count() == 80, 'the film drawn')
    film.scroll_into_view_if_needed()
    steps = page.locator('.vx-map-step')
    last = int(steps.first.get_attribute('data-step'))
    assert last == 6 and film.get_attribute('data-frame') == '3'       # snapshots at steps 0, 2, 4, 6: the last shown
    end = [_transform(page, film, i) for i in range(10)]
    # the time slider: Home goes back to the first snapshot, and every point moves there
    handle = page.locator('.widget-hslider').filter(has_text='snapshot').first.locator('.noUi-handle').first
    handle.focus(); page.keyboard.press('Home')
    _wait(page, lambda: film.get_attribute('data-frame') == '0', 'the first frame', 60)
    _wait(page, lambda: steps.first.get_attribute('data-step') == '0', 'the step label', 60)
    time.sleep(0.5)                                                      # the points glide for 0.3 s
    start = [_transform(page, film, i) for i in range(10)]
    assert sum(a != b for a, b in zip(start, end)) >= 5, (start, end)
    page.screenshot(path=str(shots / 'embedding-map-step-0.png'))
    # play: the browser steps through the frames by itself, back to the last
    page.locator('.widget-play button').first.click()
    seen = set()
    def played():
        seen.add(film.get_attribute('data-frame'))
        return {'1', '2', '3'} <= seen
    _wait(page, played, 'play to go through the frames', 60)
    # hovering a point shows its image and its name: the point on top where point 7 is drawn (a ringed point, drawn
    # larger, may cover it)
    time.sleep(0.5)                                                      # the last frame's glide
    box = film.locator('circle.vx-point[data-index="7"]').bounding_box()
    x, y = box['x'] + box['width'] / 2, box['y'] + box['height'] / 2
    top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).dataset.index", [x, y])
    assert top is not None
    page.mouse.move(x, y)
    hover = page.locator('.vx-map-hover').nth(2)
    _wait(page, lambda: hover.is_visible(), 'the hover', 20)
    assert hover.locator('img').count() == 1 and hover.inner_text().startswith(f'{top}:')
    # a click lists the point's neighbours with their distances in the full space
    page.mouse.click(x, y)
    detail = page.locator(f".vx-map-detail[data-index='{top}']")
    detail.wait_for(timeout=60_000)
    distances = [float(t) for t in detail.locator('figcaption').all_inner_texts()]
    assert len(distances) == 5 and all(0 <= d <= 2 for d in distances) and distances == sorted(distances)
    assert 'of the variance' in page.locator('.vx-map-note').nth(1).inner_text()
    page.screenshot(path=str(shots / 'embedding-map-over-time.png'))
