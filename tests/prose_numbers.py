"""Every number quoted in a lesson's or tutorial's prose must come from somewhere a command wrote: a saved output of
the notebook, a result file the notebook reads, a literal in its code, or a hidden test cell that asserts it.

Checked: numbers with a decimal point (19.6, 0.005) and percentages (65%, 62.4%). Integers without a % (epochs,
steps, counts of images) are settings, not results, and are not checked. A number matches a source value when the
value rounds to it at the prose's precision (a fraction in [0, 1] also as a percentage)."""
import json, math, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NUM = re.compile(r'(?<![\w.$/^_-])(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?(\s*%)?(?![\w/]|\.\d)')
JSON_REF = re.compile(r'[\w./-]*?([\w.-]+/)*[\w.-]+\.json')


def prose(md:str)->str:
    "Markdown without code, math, links' targets, HTML comments and images."
    md = re.sub(r'<!--.*?-->', ' ', md, flags=re.S)
    md = re.sub(r'```.*?```', ' ', md, flags=re.S)
    md = re.sub(r'`[^`]*`', ' ', md)
    md = re.sub(r'\$\$.*?\$\$', ' ', md, flags=re.S)
    md = re.sub(r'\$[^$]*\$', ' ', md)
    md = re.sub(r'!\[[^\]]*\]\([^)]*\)', ' ', md)
    md = re.sub(r'\]\([^)]*\)', ']', md)
    return md


def quoted(md:str)->list[tuple[str, bool]]:
    "(number, is_percentage) for every checked number in the prose of `md`."
    out = []
    for m in NUM.finditer(prose(md)):
        a, b, pct = m.group(1), m.group(2), bool(m.group(3))
        for x in filter(None, (a, b)):
            if '.' in x or pct: out.append((x, pct))
    return out


def _numbers(obj, out:list):
    if isinstance(obj, bool) or obj is None: return
    if isinstance(obj, (int, float)):
        if math.isfinite(obj): out.append(float(obj))
    elif isinstance(obj, dict):
        for v in obj.values(): _numbers(v, out)
    elif isinstance(obj, (list, tuple)):
        for v in obj: _numbers(v, out)
    elif isinstance(obj, str):
        out += [float(x) for x in re.findall(r'-?\d+(?:\.\d+)?(?:e-?\d+)?', obj)]


def sources(nb_path:Path)->tuple[list[float], set[str]]:
    "The values a notebook's prose may quote, and the literal strings of its hidden test cells."
    nb = json.loads(nb_path.read_text())
    vals, literals = [], set()
    for c in nb['cells']:
        if c['cell_type'] != 'code': continue
        src = ''.join(c['source'])
        _numbers(re.findall(r'-?\d+(?:\.\d+)?', src), vals)
        for ref in set(m.group(0) for m in JSON_REF.finditer(src)):
            for base in (nb_path.parent, ROOT, ROOT / 'nbs'):
                p = (base / ref).resolve()
                if p.is_file():
                    _numbers(json.loads(p.read_text()), vals); break
            else:
                for p in ROOT.glob(f'**/{Path(ref).name}'):
                    if 'runs' not in p.parts and '.venv' not in p.parts:
                        try: _numbers(json.loads(p.read_text()), vals)
                        except ValueError: pass
        if re.search(r'^#\|\s*hide', src, re.M) and 'test_' in src:
            literals |= set(re.findall(r'\d+(?:\.\d+)?', src))
        for o in c.get('outputs', []):
            text = ''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')) \
                   + ''.join(o.get('data', {}).get('text/html', '')) + ''.join(o.get('data', {}).get('text/markdown', ''))
            _numbers(text, vals)
    return vals, literals


def matches(x:str, pct:bool, vals:list[float])->bool:
    d = len(x.split('.')[1]) if '.' in x else 0
    v, tol = float(x), 0.5 * 10 ** -d + 1e-9
    for s in vals:
        if abs(s - v) <= tol or abs(-s - v) <= tol: return True
        if abs(s) <= 1 and abs(100 * abs(s) - v) <= tol: return True
    return False


PAPERS = ROOT / 'nbs' / 'tutorials' / 'results' / 'papers.json'   # the papers' own numbers, quotable anywhere


def unsourced(nb_path:Path)->list[str]:
    "The numbers in the notebook's prose that no source of the notebook holds."
    vals, literals = sources(nb_path)
    _numbers(json.loads(PAPERS.read_text()), vals)
    bad = []
    for c in json.loads(nb_path.read_text())['cells']:
        if c['cell_type'] != 'markdown': continue
        for x, pct in quoted(''.join(c['source'])):
            if x in literals or matches(x, pct, vals): continue
            bad.append(x + ('%' if pct else ''))
    return bad
