"""nbdev's notebook processing for the offline site (used by scripts/docs; no Quarto needed).

`process(path)` runs nbdev's own processors on a notebook (`nbdev.processors.FilterDefaults`: frontmatter, `#| hide`,
`#| export` removal, `hide_line`, magics, the automatic `show_doc` after each exported function or class, and the
execution of exported, import and `show_doc` cells so that `show_doc` renders from the live objects with
`fastcore.docments`), then does in Python the little that Quarto would do with what nbdev leaves for it:
`#| echo: false` hides a cell's input, `#| output: false` its outputs, `#| output: asis` turns a markdown output into
page markdown (that is how `show_doc` output becomes part of the page), `#| include: false` drops the cell.
Nothing else is executed: the other cells keep the outputs saved in the notebook.

`show_doc` renders with `SiteRenderer`: the name as a heading, the signature (one parameter a line when long, so it
never scrolls sideways), the docstring, and fastcore's docments table of the parameters (type, default, details).
"""
from __future__ import annotations
import ast, dataclasses, inspect, re
from fastcore.docments import DocmentTbl, _docstring, _fmt_default, _type_str, empty
from fastcore.nbio import mk_cell, read_nb
import nbdev.showdoc
from nbdev.showdoc import BasicMarkdownRenderer
from nbdev.process import NBProcessor
from nbdev.config import get_config
from nbdev.processors import FilterDefaults, add_links, add_show_docs, cell_lang, exec_show_docs, insert_warning

DOC_TAG = 'vx-doc'          # tag of the markdown cell holding one `show_doc` (CSS class celltag_vx-doc on the page)
HIDE_INPUT_TAG = 'vx-hide-input'
MAXLINE = 100               # a signature longer than this is written one parameter per line

def _param(nm:str, p:inspect.Parameter)->str:
    pre = '*' if p.kind == p.VAR_POSITIONAL else '**' if p.kind == p.VAR_KEYWORD else ''
    anno = f':{_type_str(p.annotation)}' if p.annotation is not empty else ''
    default = f'={_fmt_default(p.default)}' if p.default is not empty else ''
    return pre + nm + anno + default

def signature_str(sym, nm:str)->str:
    "`sym`'s signature as Python (`class X(...)`, `def f(...)->T`), one parameter a line when longer than MAXLINE."
    prefix = 'class' if inspect.isclass(sym) else 'async def' if inspect.iscoroutinefunction(sym) else 'def'
    try: sig = inspect.signature(sym, eval_str=True)
    except (ValueError, TypeError, NameError):
        try: sig = inspect.signature(sym)
        except (ValueError, TypeError): return f'{prefix} {nm}(...)'
    ps, prev, star = [], None, False
    for k, p in sig.parameters.items():
        if k == 'self' and not ps: continue
        if prev == p.POSITIONAL_ONLY and p.kind != prev: ps.append('/')
        if p.kind == p.KEYWORD_ONLY and not star: ps.append('*')
        if p.kind in (p.KEYWORD_ONLY, p.VAR_POSITIONAL): star = True
        ps.append(_param(k, p))
        prev = p.kind
    if prev == inspect.Parameter.POSITIONAL_ONLY: ps.append('/')
    ret = sig.return_annotation
    ret = f'->{_type_str(ret)}' if ret is not empty and not inspect.isclass(sym) else ''
    one = f"{prefix} {nm}({', '.join(ps)}){ret}"
    if len(one) <= MAXLINE or not ps: return one
    return f"{prefix} {nm}(\n" + ''.join(f'    {p},\n' for p in ps) + f"){ret}"

def _fields_signature(cls)->inspect.Signature|None:
    "A dataclass whose own `__init__` hides its fields (`__init__(self, **options)`): a signature of the fields."
    if not dataclasses.is_dataclass(cls) or not inspect.isclass(cls): return None
    names = [f.name for f in dataclasses.fields(cls)]
    if set(names) <= set(inspect.signature(cls).parameters): return None
    def default(f):
        if f.default is not dataclasses.MISSING: return f.default
        return f.default_factory() if f.default_factory is not dataclasses.MISSING else empty
    return inspect.Signature([inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=default(f),
                                                annotation=f.type) for f in dataclasses.fields(cls)])

def _html_safe(md:str)->str:
    "`<` and `>` outside code spans as entities, so that a comment mentioning `<img>` is not taken for HTML."
    parts = re.split(r'(`+[^`]*`+)', md)
    return ''.join(p if i % 2 else p.replace('<', '&lt;').replace('>', '&gt;') for i, p in enumerate(parts))

def param_table(sym)->str:
    "fastcore's docments table of `sym`'s parameters (shown even when no parameter has a comment yet)."
    lent = _fields_signature(sym)
    if lent is not None: sym.__signature__ = lent   # docments reads the fields' comments, the names from the signature
    try: tbl = DocmentTbl(sym)
    except Exception: return ''
    finally:
        if lent is not None: del sym.__signature__
    if not tbl.params: return ''
    for k in tbl.params:   # a Details column always, so a parameter without a comment shows as such
        d = tbl.dm[k]
        d['docment'] = '' if d['docment'] is empty else _html_safe(' '.join(d['docment'].split()))
        if lent is not None and d['default'] is not empty and dataclasses.is_dataclass(d['default']):
            d['default'] = f'{type(d["default"]).__name__}()'
    cols = tbl._columns
    if 'docment' not in cols: tbl._map = {**{k: v for k, v in tbl._map.items() if k in cols}, 'docment': 'Details'}
    parts = [tbl.hdr_str, tbl.params_str]
    if tbl.has_return and not inspect.isclass(sym): parts.append(tbl.return_str)
    return '\n'.join(parts)

class SiteRenderer(BasicMarkdownRenderer):
    "`show_doc` for the site: heading, signature, docstring, parameter table."
    def _repr_markdown_(self):
        sym, nm = self.sym, self.nm
        if not callable(sym) and not isinstance(sym, property): return super()._repr_markdown_()
        h = '#' * self.title_level
        doc = _docstring(sym, {})
        res = [f'{h} {nm}', f'```python\n{signature_str(sym, nm)}\n```']
        if doc: res.append(re.sub(r'^(\s*)(.+)', r'\1*\2*', doc, count=1))
        if tbl := param_table(sym): res.append(tbl)
        return '\n\n'.join(res)

# ---------------------------------------------------------------------------------------------------------------
# what Quarto would do with the directives nbdev leaves in the cells (rm_directives='quarto' writes them as
# `#| key: value` lines at the top of each code cell)

_DIR = re.compile(r'^\s*#\s*\|\s*([\w-]+)\s*:?\s*(.*?)\s*$')

def split_directives(src:str)->tuple[dict, str]:
    "The `#| key: value` lines at the top of `src`, and the code after them."
    lines, dirs = src.splitlines(), {}
    while lines and (m := _DIR.match(lines[0])):
        dirs[m.group(1).lower().replace('-', '_')] = m.group(2)
        lines.pop(0)
    return dirs, '\n'.join(lines).strip('\n')

def _text(v)->str: return ''.join(v) if isinstance(v, list) else (v or '')

def quarto_cells(nb)->None:
    "Apply `echo`, `output`, `include` like Quarto, and leave no `#|` line in any code cell."
    cells = []
    for c in nb.cells:
        if c.cell_type != 'code':
            cells.append(c)
            continue
        dirs, src = split_directives(_text(c.source))
        if str(dirs.get('include', '')).lower() == 'false': continue
        c.source = src
        outs = list(c.get('outputs', []))
        if str(dirs.get('output', '')).lower() == 'false': outs = []
        if str(dirs.get('output', '')).lower() == 'asis':
            mds = [_text(o.get('data', {}).get('text/markdown')) for o in outs]
            tag = [DOC_TAG] if getattr(c, 'has_sd', False) or re.match(r'\s*show_doc\(', src) else []
            cells += [mk_cell(m, 'markdown', metadata={'tags': tag}) for m in mds if m.strip()]
            continue
        c.outputs = outs
        if str(dirs.get('echo', '')).lower() == 'false':
            c.setdefault('metadata', {}).setdefault('tags', []).append(HIDE_INPUT_TAG)
        if not src.strip() and not outs: continue
        cells.append(c)
    nb.cells = cells

def _imports_only(src:str)->bool:
    try: tree = ast.parse(src)
    except SyntaxError: return False
    return bool(tree.body) and all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in tree.body)

def hide_setup_imports(nb)->None:
    "A page does not open with the imports cell: a code cell of imports only, before the first other code cell, is left out."
    for i, c in enumerate(nb.cells):
        if c.cell_type != 'code': continue
        if _imports_only(_text(c.source)) and not c.get('outputs'):
            nb.cells.pop(i)
        return

def _description(nb)->str|None:
    "The `> description` of the first markdown cell, continuation lines included (nbdev's frontmatter keeps one line)."
    c = next((c for c in nb.cells if c.cell_type == 'markdown'), None)
    lines = _text(c.source).splitlines() if c is not None else []
    i = next((i for i, l in enumerate(lines) if re.match(r'>\s+\S', l)), None)
    if i is None: return None
    desc = []
    for l in lines[i:]:
        if not l.startswith('>'): break
        desc.append(l.lstrip('>').strip())
    return ' '.join(d for d in desc if d)

def title_cell(nb, description:str|None=None)->None:
    "nbdev's frontmatter (title and description, taken from the first markdown cell) shown as the page's heading."
    fm = getattr(nb, 'frontmatter_', {}) or {}
    if description and fm.get('description') and description.startswith(fm['description']): fm['description'] = description
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'raw' and _text(c.source).startswith('---'))]
    head = [f"# {fm['title']}"] if fm.get('title') else []
    if fm.get('description'): head.append(f"> {fm['description']}")
    if head: nb.cells.insert(0, mk_cell('\n\n'.join(head), 'markdown'))

class add_show_docs_in_order(add_show_docs):
    "nbdev's `add_show_docs`, with the `show_doc`s of a cell that defines several names in the order they are defined."
    def begin(self):
        cells = self.nb.cells
        super().begin()
        i = 0
        while i < len(cells):   # each run of inserted cells follows its exported cell, in reverse order: put it right
            j = i
            while j < len(cells) and getattr(cells[j], 'has_sd', False): j += 1
            if j - i > 1: cells[i:j] = cells[i:j][::-1]
            i = max(j, i + 1)

def _default_exp(nb)->str|None:
    "The notebook's `#| default_exp` module (read from the parsed directives: the source lines are rewritten by then)."
    return next((c.directives_['default_exp'] for c in nb.cells
                 if c.cell_type == 'code' and c.get('directives_', {}).get('default_exp')), None)

class exec_show_docs_only(exec_show_docs):
    """nbdev's `exec_show_docs`, executing only what `show_doc` needs, and documenting the library's objects.
    The notebook's module (`#| default_exp`) is imported instead of running its exported cells (the same code, as
    scripts/check-sync guarantees, but objects whose source docments can read, classes included); other cells run
    only their import statements (nbdev runs a whole cell that mixes imports and code); `show_doc` cells run and
    their outputs are replaced. Every other cell keeps the outputs saved in the notebook."""
    def begin(self):
        super().begin()
        if not hasattr(self, 'k') or not (mod := _default_exp(self.nb)): return
        lib = get_config().lib_path.name
        self.k.run(f"import importlib as _il\n_m = _il.import_module('{lib}.{mod}')\n"
                   "globals().update({k: v for k, v in vars(_m).items() if not k.startswith('__')})")
        self.imported = self.k.exc is None   # else (a module not exported yet) run the exported cells, as nbdev does
        self.k.exc = None

    def _run(self, code:str, cell=None):
        outs = self.k.run(code)
        if e := self.k.exc:
            where = f", cell {cell.idx_}" if cell is not None else ''
            raise RuntimeError(f"{getattr(self.nb, 'path_', 'notebook')}{where}:\n{code}\n{type(e).__name__}: {e}") from e
        return outs

    def __call__(self, cell):
        if not self.nb.has_docs_ or not hasattr(self, 'k') or cell.cell_type != 'code' or cell_lang(cell) != 'python': return
        if str(cell.directives_.get('eval', '')).lower() == 'false' or not (trees := cell.parsed_()): return
        if cell.directives_.keys() & {'export', 'exports', 'exporti', 'exec_doc'}:
            if not getattr(self, 'imported', False): self._run(cell.source, cell)
        elif any(isinstance(t, ast.Expr) and isinstance(t.value, ast.Call) and getattr(t.value.func, 'id', '') == 'show_doc'
                 for t in trees):
            self.k.cell(cell)
            if e := self.k.exc: raise RuntimeError(f"{getattr(self.nb, 'path_', 'notebook')}, cell {cell.idx_}: {e!r}") from e
        elif imps := [t for t in trees if isinstance(t, (ast.Import, ast.ImportFrom))]:
            self._run('\n'.join(ast.unparse(t) for t in imps), cell)

class SiteFilter(FilterDefaults):
    "nbdev's documentation processors, less the two that only make sense for a Quarto site."
    def base_procs(self):
        # insert_warning: an HTML comment for Quarto's output files; add_links: links to the Quarto site's URLs
        procs = [p for p in super().base_procs() if p not in (insert_warning, add_links)]
        swap = {exec_show_docs: exec_show_docs_only, add_show_docs: add_show_docs_in_order}
        return [swap.get(p, p) for p in procs]

    def nb_proc(self, nb): return NBProcessor(nb=nb, procs=self.procs(), rm_directives='quarto')

def process(path)->dict:
    "Notebook at `path` as the site shows it (an nbdev-processed notebook; see the module docstring)."
    nbdev.showdoc.BasicMarkdownRenderer = SiteRenderer   # what `show_doc` uses unless told otherwise
    nb = read_nb(path)
    desc = _description(nb)
    SiteFilter()(nb)
    title_cell(nb, desc)
    quarto_cells(nb)
    hide_setup_imports(nb)
    for c in nb.cells:   # execnb times the cells it runs with a float, which nbformat's schema does not allow
        c.get('metadata', {}).pop('execution', None)
    return nb
