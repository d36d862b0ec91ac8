"""Checks of the offline documentation site (docs/site, built by `make docs` = scripts/docs).

The site is rebuilt unless docs/site was built from exactly the current sources (`scripts/docs --if-stale` compares a
hash of them): one command, offline. Then, without a browser, every notebook page's HTML is read: no raw `#|` directive
and no opening imports cell is shown, and every module's notebook page (its API page) has, for each public function
and class, nbdev's `show_doc`: a heading, the signature and the parameter table. The same checks are shown catching a
synthetic bad page, and nbdev's processing is run on a small synthetic notebook. Finally the site is served from
127.0.0.1 and every HTML page is loaded in Debian's Chromium (never a downloaded browser) through playwright: no
console errors, no failed or off-site requests, no broken internal links, every image decoded, math rendered.
Skips, saying why, only when the docs dependencies (or, for the browser tests, playwright or Chromium) are missing.
"""
import dataclasses, functools, http.server, importlib, importlib.util, inspect, json, os, re, subprocess, sys, threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit
import pytest
from conftest import find_chromium

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / 'docs' / 'site'
NBS = ROOT / 'nbs'
DOCS_DEPS = ['mkdocs', 'material', 'mkdocs_jupyter', 'latex2mathml', 'nbdev', 'execnb', 'bs4']

def _missing_docs_deps()->list[str]:
    missing = []
    for m in DOCS_DEPS:
        try:
            if importlib.util.find_spec(m) is None: missing.append(m)
        except ImportError: missing.append(m)
    return missing

MISSING = _missing_docs_deps()
pytestmark = [pytest.mark.skipif(bool(MISSING), reason=f"the docs dependencies are not installed ({', '.join(MISSING)}): "
                                                       "run `make docs`, or .venv/bin/pip install -e '.[docs]'"),
              pytest.mark.skipif(not (ROOT / 'mkdocs.yml').exists(), reason="no mkdocs.yml: not a source checkout of the repository"),
              pytest.mark.slow]  # builds the site (about a minute): `make test` runs these, `make test-fast` does not
needs_browser = [pytest.mark.browser,
                 pytest.mark.skipif(importlib.util.find_spec('playwright') is None,
                                    reason="playwright is not installed (pip install playwright; make setup does)"),
                 pytest.mark.skipif(find_chromium() is None,
                                    reason="no Chromium found: apt-get install -y chromium (or set VIEWEXPLORE_CHROMIUM)")]

def in_browser(test):
    "Mark a test that loads the site in Chromium (skipped, saying why, without playwright or Chromium)."
    for m in needs_browser: test = m(test)
    return test

def page_name(nb:Path)->str: return 'index' if nb.stem == 'index' else re.sub(r'^[\d.]+_', '', nb.stem)

@pytest.fixture(scope='module')
def site():
    "docs/site, built from the current sources by the one command (rebuilt only when stale)."
    r = subprocess.run([sys.executable, str(ROOT / 'scripts' / 'docs'), '--if-stale'], cwd=ROOT, capture_output=True, text=True,
                       env=dict(os.environ, VIEWEXPLORE_DOCS_NO_REEXEC='1'), timeout=600)
    assert r.returncode == 0, f"scripts/docs failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    assert (SITE / 'index.html').exists()
    return SITE

# ---------------------------------------------------------------------------------------------------------------
# the page checks (plain functions, so that a test can show them failing on a bad page)

_DIRECTIVE_LINE = re.compile(r'^\s*#\s*\|', re.M)

def _imports_only(code:str)->bool:
    import ast
    try: body = ast.parse(code).body
    except SyntaxError: return False
    return bool(body) and all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in body)

def _soup(html:str):
    from bs4 import BeautifulSoup
    return BeautifulSoup(html, 'html.parser')

def _code_cells(soup)->list[str]:
    "The code shown in each code cell of a rendered notebook page (cells whose input is hidden show none)."
    return [i.get_text() for c in soup.select('.jp-CodeCell') for i in c.select('.jp-InputArea .jp-Editor, .jp-InputArea pre')[:1]]

def page_problems(html:str)->list[str]:
    "What a notebook page must not show: a raw `#|` directive (code or text), or an imports cell as its first code."
    soup, probs = _soup(html), []
    code = _code_cells(soup)
    for c in code:
        if _DIRECTIVE_LINE.search(c): probs.append(f"shows a raw directive: {_DIRECTIVE_LINE.search(c).string.strip()[:80]!r}")
    if code and _imports_only(code[0]): probs.append(f"opens with the imports cell: {code[0].strip()[:80]!r}")
    art = soup.select_one('article') or soup
    for p in art.select('p, li'):
        if re.match(r'\s*#\s*\|\s*\w', p.get_text()): probs.append(f"shows a raw directive in text: {p.get_text()[:80]!r}")
    return probs

def documented(html:str)->dict[str, dict]:
    "Each `show_doc` block of a page: name -> {'signature': the code shown, 'params': the parameter table's rows}."
    res = {}
    for blk in _soup(html).select('.celltag_vx-doc'):
        h = blk.find(re.compile('^h[1-6]$'))
        if h is None: continue
        name = h.get_text().replace('¶', '').strip()
        pre = blk.find('pre')
        tbl = blk.find('table')
        rows = [tr.find('td').get_text().strip() for tr in tbl.select('tbody tr') if tr.find('td')] if tbl else []
        res[name] = {'signature': pre.get_text() if pre else '', 'params': [r for r in rows if r != 'Returns']}
    return res

def api_problems(html:str, expected:dict[str, list[str]])->list[str]:
    "For each public name (-> its parameters), the page must have its heading, signature and a table of those parameters."
    docs, probs = documented(html), []
    for name, params in expected.items():
        d = docs.get(name)
        if d is None:
            probs.append(f"{name}: no show_doc")
            continue
        short = name.split('.')[-1]
        if not re.match(rf'\s*(class|def|async def)\s+{re.escape(name)}\(|\s*(class|def)\s+\S*{re.escape(short)}\(', d['signature']):
            probs.append(f"{name}: no signature (shown: {d['signature'][:60]!r})")
        if missing := [p for p in params if p not in d['params']]: probs.append(f"{name}: parameter table lacks {missing}")
    return probs

def broken_anchors(site:Path)->list[str]:
    "Links in the pages' text to a `#section` (of the same or another page) whose target id does not exist."
    ids, res = {}, []
    def ids_of(p:Path)->set:
        if p not in ids: ids[p] = {t['id'] for t in _soup(p.read_text(encoding='utf-8')).find_all(id=True)}
        return ids[p]
    for f in sorted(site.glob('*.html')):
        art = _soup(f.read_text(encoding='utf-8')).select_one('article')
        for a in (art.select('a[href]') if art else []):
            m = re.match(r'^([\w.-]+\.html)?#(.+)$', a['href'])
            if m is None: continue
            target = site / (m.group(1) or f.name)
            if not target.exists() or unquote(m.group(2)) not in ids_of(target): res.append(f"{f.name}: {a['href']}")
    return res

def public_api(mod:str)->dict[str, list[str]]:
    "The public functions and classes a module defines (its `__all__`), each with the parameters its table must list."
    m = importlib.import_module(f'viewexplore.{mod}')
    res = {}
    for n in getattr(m, '__all__', []):
        o = getattr(m, n, None)
        if not (inspect.isfunction(o) or inspect.isclass(o)) or getattr(o, '__module__', None) != m.__name__: continue
        try: ps = [p for p in inspect.signature(o).parameters if p != 'self']
        except (TypeError, ValueError): ps = []
        if dataclasses.is_dataclass(o) and not {f.name for f in dataclasses.fields(o)} <= set(ps):
            ps = [f.name for f in dataclasses.fields(o)]   # its own __init__(**options) hides the fields: list those
        res[n] = ps
    return res

def lessons()->dict[str, Path]:
    "Module name -> the notebook it is generated from (its page is the module's API page)."
    res = {}
    for f in (ROOT / 'viewexplore').rglob('*.py'):
        m = re.search(r'File to edit: \.\./(?:\.\./)*nbs/(\S+?\.ipynb)', f.read_text(encoding='utf-8'))
        if m is None or (f.name.startswith('_') and f.name != '__init__.py'): continue
        parts = f.relative_to(ROOT / 'viewexplore').with_suffix('').parts
        res['.'.join(parts[:-1] if parts[-1] == '__init__' else parts)] = NBS / m.group(1)
    return res

def test_pages_show_no_directive_nor_imports_cell(site):
    "No notebook page shows a raw `#|` directive or opens with its imports cell."
    nbs = sorted(NBS.glob('*.ipynb'))
    problems = [f"{page_name(nb)}.html: {p}" for nb in nbs
                for p in page_problems((site / f'{page_name(nb)}.html').read_text(encoding='utf-8'))]
    tuts = sorted(site.glob('tutorial-*.html'))
    problems += [f"{t.name}: {p}" for t in tuts for p in page_problems(t.read_text(encoding='utf-8'))]
    assert len(nbs) >= 15
    assert not problems, '\n'.join(problems)

def test_scoreboard_page_in_the_navigation(site):
    """The scoreboard (docs/pages/scoreboard.md, written by `benchmarks/scoreboard.py table`) is a page of its own, in
    every page's navigation after the course, and its links to notebooks point at their pages."""
    src = ROOT / 'docs' / 'pages' / 'scoreboard.md'
    if not src.exists(): pytest.skip("no docs/pages/scoreboard.md yet: `python benchmarks/scoreboard.py table` writes it")
    assert (site / 'scoreboard.html').exists()
    for page in ('index.html', 'glossary.html'):
        nav = re.findall(r'<a[^>]*href="([^"]+)"[^>]*>\s*(?:<[^>]+>\s*)*([^<]*?)\s*<', (site / page).read_text(encoding='utf-8'))
        assert ('scoreboard.html', 'Scoreboard') in nav, f"{page}: no 'Scoreboard' link in the navigation"
    assert not re.findall(r'href="(?![a-z]+:)[^"]*\.ipynb', (site / 'scoreboard.html').read_text(encoding='utf-8'))

def test_api_pages_document_every_public_name(site):
    "Every module's notebook page has a show_doc (signature and parameter table) for each public function and class."
    mods = lessons()
    assert len(mods) >= 15 and 'viewmaker' in mods
    problems, n = [], 0
    for mod, nb in sorted(mods.items()):
        expected = public_api(mod)
        n += len(expected)
        html = (site / f'{page_name(nb)}.html').read_text(encoding='utf-8')
        problems += [f"viewexplore.{mod} ({page_name(nb)}.html): {p}" for p in api_problems(html, expected)]
    assert n >= 60
    assert not problems, f"{len(problems)} problem(s):\n" + '\n'.join(problems)
    # docments: the comment after a parameter is its description in the table
    vm = (site / 'viewmaker.html').read_text(encoding='utf-8')
    assert "mean |delta| per element (the paper's epsilon)" in _soup(vm).select_one('.celltag_vx-doc table').get_text() \
        or "mean |delta| per element (the paper's epsilon)" in ''.join(t.get_text() for t in _soup(vm).select('.celltag_vx-doc table'))
    # the API index links every module's public names to their show_doc
    api = (site / 'api.html').read_text(encoding='utf-8')
    assert 'viewmaker.html#viewmaker' in api and 'looc.html#looc_loss' in api

def test_links_to_sections_and_show_docs_resolve(site):
    "Every `#anchor` link in the pages' text (`name` linked to its show_doc, the API index, sections) has its target."
    bad = broken_anchors(site)
    assert not bad, f"{len(bad)} broken link(s):\n" + '\n'.join(bad[:40])
    api = _soup((site / 'api.html').read_text(encoding='utf-8'))
    assert len(api.select('article a[href*="#"]')) >= 100   # the API index links the public names to their show_doc
    looc = _soup((site / 'looc.html').read_text(encoding='utf-8'))
    linked = {a['href'] for a in looc.select('article p a[href*="#"]') if a.find('code')}   # `name` in prose
    assert {'looc.html#multiheadencoder', 'augment.html#augmentpipeline'} <= linked, linked

def test_broken_anchor_check_can_fail(tmp_path):
    "The anchor check flags a link to a missing section, and passes a good one."
    page = '<html><body><article><h2 id="here">Here</h2><a href="#here">ok</a>{}</article></body></html>'
    (tmp_path / 'a.html').write_text(page.format('<a href="a.html#gone">bad</a><a href="b.html#here">bad too</a>'))
    assert broken_anchors(tmp_path) == ['a.html: a.html#gone', 'a.html: b.html#here']
    (tmp_path / 'a.html').write_text(page.format(''))
    assert broken_anchors(tmp_path) == []

BAD_PAGE = """<html><body><article>
<div class="jp-Cell jp-CodeCell"><div class="jp-InputArea"><pre>import torch
from viewexplore.viewmaker import Viewmaker</pre></div></div>
<div class="jp-Cell jp-CodeCell"><div class="jp-InputArea"><pre>#| export
def f(x): return x</pre></div></div>
<p>#| hide</p>
<div class="jp-RenderedMarkdown celltag_vx-doc"><h3>f<a>¶</a></h3><pre>f(x)</pre></div>
<div class="jp-RenderedMarkdown celltag_vx-doc"><h3>g<a>¶</a></h3><pre>def g(a, b)</pre>
<table><tbody><tr><td>a</td><td>int</td></tr></tbody></table></div>
</article></body></html>"""

def test_checks_fail_on_a_bad_page():
    "The page checks catch each fault on a synthetic bad page (and pass a good one): they can fail."
    probs = page_problems(BAD_PAGE)
    assert any('opens with the imports cell' in p for p in probs), probs
    assert any("raw directive: '#| export" in p for p in probs), probs
    assert any('raw directive in text' in p for p in probs), probs
    api = api_problems(BAD_PAGE, {'f': ['x'], 'g': ['a', 'b'], 'h': []})
    assert api == ["f: no signature (shown: 'f(x)')", "f: parameter table lacks ['x']", "g: parameter table lacks ['b']",
                   'h: no show_doc'], api
    good = BAD_PAGE.replace('import torch\nfrom viewexplore.viewmaker import Viewmaker', 'x = 1').replace('#| export\n', '')
    good = good.replace('<p>#| hide</p>', '')
    assert page_problems(good) == []

SYNTHETIC_NB = {'cells': [
    {'cell_type': 'markdown', 'metadata': {}, 'source': '# A lesson\n\n> One line about it.'},
    {'cell_type': 'code', 'metadata': {}, 'outputs': [], 'execution_count': None, 'source': '#| default_exp lesson'},
    {'cell_type': 'code', 'metadata': {}, 'outputs': [], 'execution_count': None, 'source': '#| export\nimport math'},
    {'cell_type': 'code', 'metadata': {}, 'outputs': [], 'execution_count': None, 'source': '#| hide\nSECRET_HIDDEN_LINE = 1'},
    {'cell_type': 'code', 'metadata': {}, 'outputs': [], 'execution_count': None,
     'source': '#| export\ndef scale(x:float, # the number to scale\n          by:float=2., # the factor\n         )->float:\n'
               '    "`x` times `by`."\n    return x * by'},
    {'cell_type': 'code', 'metadata': {}, 'execution_count': 1, 'source': '#| echo: false\nscale(3)',
     'outputs': [{'output_type': 'execute_result', 'execution_count': 1, 'metadata': {}, 'data': {'text/plain': '6.0 (saved)'}}]},
    {'cell_type': 'code', 'metadata': {}, 'execution_count': 2, 'source': 'print("not run again")',
     'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': 'the saved output\n'}]},
], 'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}}, 'nbformat': 4,
   'nbformat_minor': 5}

def test_nbdev_processing_of_a_notebook(tmp_path, monkeypatch):
    "nbdev's processing as the site uses it: hide/export leave, show_doc with docments table, saved outputs kept."
    sys.path.insert(0, str(ROOT / 'docs'))
    from nbdev_site import process, HIDE_INPUT_TAG, DOC_TAG
    monkeypatch.chdir(ROOT)   # nbdev reads pyproject.toml's [tool.nbdev]
    p = tmp_path / '05_lesson.ipynb'
    p.write_text(json.dumps(SYNTHETIC_NB))
    nb = process(p)
    srcs = [(c.cell_type, ''.join(c.source)) for c in nb.cells]
    assert srcs[0] == ('markdown', '# A lesson\n\n> One line about it.')
    assert not any('#|' in s or 'SECRET_HIDDEN_LINE' in s or 'import math' in s or 'return x * by' in s for _, s in srcs), srcs
    doc = [c for c in nb.cells if DOC_TAG in c.get('metadata', {}).get('tags', [])]
    assert len(doc) == 1, srcs
    md = ''.join(doc[0].source)
    assert '### scale' in md and 'def scale(x:float, by:float=2.0)->float' in md
    assert '| x | float |  | the number to scale |' in md and '| by | float | 2.0 | the factor |' in md
    echo = next(c for c in nb.cells if c.cell_type == 'code' and 'scale(3)' in c.source)
    assert HIDE_INPUT_TAG in echo.metadata.tags and echo.outputs[0]['data']['text/plain'] == '6.0 (saved)'
    saved = next(c for c in nb.cells if c.cell_type == 'code' and 'not run again' in c.source)
    assert saved.outputs[0]['text'] == 'the saved output\n'

# ---------------------------------------------------------------------------------------------------------------
# the site in a browser
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
                    widget_shots: n('.vx-widget-shot img'), signatures: n('.celltag_vx-doc pre'),
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

@in_browser
@pytest.mark.usefixtures('site')
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
        (hidden if is_hidden else shown).update(l.strip() for l in (lines[1:] if is_hidden else lines)
                                                if not l.lstrip().startswith('#'))
    return {l for l in hidden - shown if len(l) > 25}

@in_browser
def test_notebook_pages(visited):
    "Notebook pages: saved outputs and figures, no nbdev directives, no `#| hide` cells, math as MathML, widget screenshots."
    vm = visited['viewmaker.html']
    assert vm['figures'] >= 1 and vm['math'] >= 3 and 'class Viewmaker' in vm['code']   # saved figure, $...$ as MathML
    for nb in sorted((ROOT / 'nbs').glob('*.ipynb')):
        name = 'index' if nb.stem == 'index' else re.sub(r'^[\d.]+_', '', nb.stem)
        v = visited[f'{name}.html']
        shown = [c for c in json.loads(nb.read_text(encoding='utf-8'))['cells'] if c['cell_type'] == 'code'
                 and not re.match(r'\s*#\s*\|\s*(hide|export|exporti|default_exp)\b', ''.join(c['source']))]
        assert v['code_cells'] >= min(1, len(shown)), f"{name}: none of its {len(shown)} example cells is shown"
        assert not re.search(r'^\s*#\s*\|', v['code'], re.M), f"{name}: nbdev directives (#| ...) are shown"
        shown = [l for l in _hidden_lines(json.loads(nb.read_text(encoding='utf-8'))) if l in v['code']]
        assert not shown, f"{name}: code of a `#| hide` cell is shown: {shown[:3]}"
        assert v['widget_state'] == 0, f"{name}: embeds widget state (would load the widget manager from a CDN)"
    # the live widgets of the lessons are shown as their screenshots
    assert visited['explore_views.html']['widget_shots'] >= 1 and visited['explore_looc.html']['widget_shots'] >= 1

@in_browser
@pytest.mark.usefixtures('site')
def test_api_reference(visited):
    "In the browser: the module pages show show_doc signatures and the parameters' docments; the API index links them."
    text = {rel: v['text'] for rel, v in visited.items()}
    for name in ['Viewmaker', 'BudgetExplorer', 'looc_loss', 'linear_probe', 'nt_xent', 'Pretrainer', 'PretrainConfig',
                 'ViewGallery', 'RetrievalExplorer', 'load_dataset']:
        assert re.search(rf'\b{name}\b', text['api.html']), f"{name} is missing from the API index"
    # docments: the comment after a parameter is its description
    assert "mean |delta| per element (the paper's epsilon)" in text['viewmaker.html']   # Viewmaker's distortion_budget
    assert "L2-normalised query embeddings" in text['looc.html']                        # looc_loss's q
    assert 'the frozen encoder' in text['evaluate.html']                                # linear_probe's encoder
    assert visited['viewmaker.html']['signatures'] >= 4

@in_browser
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
