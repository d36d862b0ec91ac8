"""Browser test of the offline documentation site (docs/site, built by `make docs` = scripts/docs).

The site is rebuilt unless docs/site was built from exactly the current sources (`scripts/docs --if-stale` compares a
hash of them), served from 127.0.0.1 on a random port, and every HTML page is loaded in Debian's Chromium (never a
downloaded browser) through playwright: no console errors, no failed or off-site requests (the site must work offline),
no broken internal links, every image decoded, math rendered, and the API reference lists the public functions with
their parameter docs. Skips, saying why, only when playwright, Chromium or the docs dependencies are missing.
"""
import functools, http.server, importlib.util, json, os, re, shutil, subprocess, sys, threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit
import pytest
from conftest import find_chromium

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / 'docs' / 'site'
DOCS_DEPS = ['mkdocs', 'material', 'mkdocs_jupyter', 'mkdocstrings', 'mkdocstrings_handlers.python', 'latex2mathml']

def _missing_docs_deps()->list[str]:
    missing = []
    for m in DOCS_DEPS:
        try:
            if importlib.util.find_spec(m) is None: missing.append(m)
        except ImportError: missing.append(m)
    return missing

playwright = pytest.importorskip('playwright.sync_api', reason="playwright is not installed (pip install playwright; make setup does)")
CHROMIUM = find_chromium()
MISSING = _missing_docs_deps()
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found: apt-get install -y chromium (or set VIEWEXPLORE_CHROMIUM)"),
              pytest.mark.skipif(bool(MISSING), reason=f"the docs dependencies are not installed ({', '.join(MISSING)}): "
                                                       "run `make docs`, or .venv/bin/pip install -e '.[docs]'"),
              pytest.mark.skipif(not (ROOT / 'mkdocs.yml').exists(), reason="no mkdocs.yml: not a source checkout of the repository")]

@pytest.fixture(scope='module')
def site():
    "docs/site, built from the current sources (rebuilt only when stale)."
    r = subprocess.run([sys.executable, str(ROOT / 'scripts' / 'docs'), '--if-stale'], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, VIEWEXPLORE_DOCS_NO_REEXEC='1'), timeout=600)
    assert r.returncode == 0, f"scripts/docs failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    assert (SITE / 'index.html').exists()
    return SITE

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

@pytest.fixture(scope='module')
def server(site):
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(site)))
    t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
    try: yield f'http://127.0.0.1:{srv.server_address[1]}'
    finally: srv.shutdown(); srv.server_close()

def _pages(site:Path)->list[str]: return sorted(str(p.relative_to(site)) for p in site.rglob('*.html'))

def _target(site:Path, base:str, url:str)->Path|None:
    "The file an internal URL points at (None for an external one)."
    u = urlsplit(urldefrag(url)[0])
    if f'{u.scheme}://{u.netloc}' != base: return None
    p = site / unquote(u.path).lstrip('/')
    return p / 'index.html' if p.is_dir() else p

@pytest.fixture(scope='module')
def visited(site, server, browser):
    "Load every page once; per page: the problems seen, the links checked, its text, its code cells and a few counts."
    pages = _pages(site)
    ctx = browser.new_context(viewport=dict(width=1280, height=900))
    res = {}
    for rel in pages:
        page = ctx.new_page()
        errors, failed, offsite = [], [], []
        page.on('console', lambda m: errors.append(f'console: {m.text}') if m.type == 'error' else None)
        page.on('pageerror', lambda e: errors.append(f'pageerror: {e}'))
        page.on('requestfailed', lambda r: failed.append(f'{r.url} ({r.failure})'))
        page.on('response', lambda r: failed.append(f'{r.url} (HTTP {r.status})') if r.status >= 400 else None)
        page.on('request', lambda r: offsite.append(r.url) if r.url.split(':')[0] in ('http', 'https', 'ws', 'wss')
                and not r.url.startswith(server + '/') else None)
        page.goto(f'{server}/{rel}', wait_until='load', timeout=60_000)
        # every image decoded (lazy ones too)
        bad_imgs = page.evaluate("""async () => {
            const imgs = [...document.images]; imgs.forEach(i => i.loading = 'eager');
            await Promise.all(imgs.map(i => i.decode().catch(() => null)));
            return imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.currentSrc || i.src).slice(0, 120)); }""")
        hrefs = set(page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"))
        internal = {h: t for h in hrefs if (t := _target(site, server, h)) is not None}
        info = page.evaluate("""() => { const n = s => document.querySelectorAll(s).length;
            return {text: document.querySelector('article')?.textContent || '',
                    code: [...document.querySelectorAll('.jp-InputArea')].map(e => e.textContent).join('\\n'),
                    code_cells: n('.jp-CodeCell'), figures: n('.jp-RenderedImage img'), math: n('math'),
                    widget_shots: n('.vx-widget-shot img'), signatures: n('.doc-signature'),
                    widget_state: n('script[type="application/vnd.jupyter.widget-state+json"]')}; }""")
        info['links'] = len(internal)
        page.wait_for_timeout(100)   # let late requests (the search index) report
        info['problems'] = [f'broken link {h}' for h, t in internal.items() if not t.is_file()] + errors + \
                           [f'request failed: {f}' for f in failed] + [f'off-site request {u}' for u in offsite] + \
                           [f'image not loaded: {s}' for s in bad_imgs]
        res[rel] = info
        page.close()
    ctx.close()
    return res

def test_every_page_loads_offline(visited):
    "Every page: no console errors, no failed, broken or off-site requests, internal links resolve, images decode."
    assert len(visited) >= 30, sorted(visited)
    assert sum(v['links'] for v in visited.values()) > 500
    problems = [f'{rel}: {p}' for rel, v in visited.items() for p in v['problems']]
    assert not problems, '\n'.join(problems[:50])

def _hidden_lines(nb:dict)->set[str]:
    "Distinctive lines of a notebook's `#| hide` cells (long, and in no other code cell)."
    hidden, shown = set(), set()
    for c in nb['cells']:
        if c['cell_type'] != 'code': continue
        lines = ''.join(c['source']).split('\n')
        is_hidden = bool(re.match(r'#\s*\|\s*hide\s*$', lines[0]))
        (hidden if is_hidden else shown).update(l.strip() for l in lines[1:] if not l.lstrip().startswith('#'))
    return {l for l in hidden - shown if len(l) > 25}

def test_notebook_pages(visited):
    "Notebook pages: saved outputs and figures, no nbdev directives, no `#| hide` cells, math as MathML, widget screenshots."
    vm = visited['viewmaker.html']
    assert vm['figures'] >= 1 and vm['math'] >= 3 and 'class Viewmaker' in vm['code']   # saved figure, $...$ as MathML
    for nb in sorted((ROOT / 'nbs').glob('*.ipynb')):
        name = 'index' if nb.stem == 'index' else re.sub(r'^[\d.]+_', '', nb.stem)
        v = visited[f'{name}.html']
        assert v['code_cells'] >= 1, name
        assert not re.search(r'^\s*#\s*\|', v['code'], re.M), f"{name}: nbdev directives (#| ...) are shown"
        shown = [l for l in _hidden_lines(json.loads(nb.read_text(encoding='utf-8'))) if l in v['code']]
        assert not shown, f"{name}: code of a `#| hide` cell is shown: {shown[:3]}"
        assert v['widget_state'] == 0, f"{name}: embeds widget state (would load the widget manager from a CDN)"
    # the live widgets of the lessons are shown as their screenshots
    assert visited['explore_views.html']['widget_shots'] >= 1 and visited['explore_looc.html']['widget_shots'] >= 1

def test_api_reference(visited):
    "The API pages list the public functions and classes, with signatures and the parameters' docments."
    texts = {rel: v['text'] for rel, v in visited.items() if rel.startswith('api/')}
    allapi = '\n'.join(texts.values())
    for name in ['Viewmaker', 'BudgetExplorer', 'looc_loss', 'linear_probe', 'nt_xent', 'Pretrainer', 'PretrainConfig',
                 'ViewGallery', 'RetrievalExplorer', 'load_dataset']:
        assert re.search(rf'\b{name}\b', allapi), f"{name} is missing from the API reference"
    modules = sorted(p.stem for p in (ROOT / 'viewexplore').glob('*.py') if not p.name.startswith('_'))
    assert sorted(Path(r).stem for r in texts if r != 'api/index.html') == modules
    # docments: the comment after a parameter is its description
    assert "mean |delta| per element (the paper's epsilon)" in texts['api/viewmaker.html']   # Viewmaker's distortion_budget
    assert "L2-normalised query embeddings" in texts['api/looc.html']                        # looc_loss's q
    assert 'the frozen encoder' in texts['api/evaluate.html']                                # linear_probe's encoder
    assert visited['api/viewmaker.html']['signatures'] >= 4

def test_widgets_page_and_search(site, server, browser):
    "The Widgets page shows every screenshot; Material's search works offline."
    shots = sorted(p.name for p in (ROOT / 'docs' / 'screenshots').glob('*.png'))
    page = browser.new_page()
    page.goto(f'{server}/widget-screenshots.html')
    srcs = page.evaluate("() => [...document.querySelectorAll('article img')].filter(i => i.naturalWidth > 0).map(i => i.src.split('/').pop())")
    assert sorted(set(srcs)) == shots
    page.goto(f'{server}/index.html')
    page.locator('label.md-search__icon, .md-search__input').first.click()
    page.locator('input.md-search__input').fill('distortion budget')
    page.wait_for_selector('.md-search-result__item', timeout=30_000)
    assert page.locator('.md-search-result__item').count() > 0
    page.close()
