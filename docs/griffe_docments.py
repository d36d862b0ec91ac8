"""A Griffe extension that reads nbdev "docments" for the API reference (used by mkdocstrings, see mkdocs.yml).

nbdev documents parameters with a comment after each one, not in the docstring:

    def f(x:int,   # what x is
          y:int=2, # what y is
         )->int:   # what f returns
        "One line about f."

This extension reads those comments from the source (statically: nothing is imported) and appends them to the
docstring as a Google-style `Args:` / `Returns:` section, so mkdocstrings shows a parameter table. A class's
parameters are those of its `__init__` (mkdocstrings' `merge_init_into_class` shows them on the class). It also
turns a trailing comment after a module constant or a (data)class field into that attribute's docstring, and
drops the `Docs: https://...` line nbdev puts in module docstrings (the site links the lesson instead).
The rules follow `fastcore.docments`: a comment on a parameter's line (the last parameter on that line), or the
comment lines just above it; the return comment sits on the line of the return annotation.
"""
from __future__ import annotations
import ast, io, re, tokenize
from functools import lru_cache
from pathlib import Path
from textwrap import dedent, indent
import griffe

@lru_cache(maxsize=None)
def _comments(path:str)->dict[int, tuple[str, bool]]:
    "line -> (comment text, whether the comment is alone on its line) for every comment in the file at `path`."
    res, code_lines = {}, set()
    try: toks = list(tokenize.generate_tokens(io.StringIO(Path(path).read_text(encoding='utf-8')).readline))
    except (OSError, tokenize.TokenError, SyntaxError): return {}
    for t in toks:
        if t.type == tokenize.COMMENT: continue
        if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            code_lines.update(range(t.start[0], t.end[0] + 1))
    for t in toks:
        if t.type == tokenize.COMMENT and not t.string.startswith('#|'):
            res[t.start[0]] = (re.sub(r'^#\s?', '', t.string).strip(), t.start[0] not in code_lines)
    return res

def _filepath(obj)->str|None:
    try: fp = obj.filepath
    except Exception: return None
    return str(fp) if isinstance(fp, (str, Path)) else None

def _get_comment(line:int, comments:dict, param_lines:set, lo:int)->str|None:
    "fastcore.docments' rule: the comment on `line`, else the standalone comment lines right above it (not above `lo`)."
    if line in comments: return comments[line][0] or None
    res, line = [], line - 1
    while line >= lo and line in comments and comments[line][1] and line not in param_lines:
        res.append(comments[line][0]); line -= 1
    return dedent('\n'.join(reversed(res))).strip() or None if res else None

def _docments(node:ast.FunctionDef|ast.AsyncFunctionDef, path:str)->tuple[dict[str, str], str|None]:
    "Parameter name (with * or ** for varargs) -> comment, and the return comment, from the signature of `node`."
    if not node.body: return {}, None
    hi = node.body[0].lineno - 1   # the header ends before the body's first line (a one-line def has no docments)
    if hi < node.lineno: return {}, None
    comments = {l: c for l, c in _comments(path).items() if node.lineno <= l <= hi}
    if not comments: return {}, None
    a = node.args
    params = [(p.arg, p) for p in a.posonlyargs + a.args] + ([('*' + a.vararg.arg, a.vararg)] if a.vararg else []) + \
             [(p.arg, p) for p in a.kwonlyargs] + ([('**' + a.kwarg.arg, a.kwarg)] if a.kwarg else [])
    locs = {}   # line -> name: the last parameter on a line owns its comment (then the return annotation)
    for name, p in params: locs[p.lineno] = name
    if node.returns is not None: locs[node.returns.end_lineno] = 'return'
    docs = {}
    for line, name in locs.items():
        c = _get_comment(line, comments, set(locs), node.lineno)
        if c: docs[name] = c
    ret = docs.pop('return', None)
    return {k: v for k, v in docs.items() if k.lstrip('*') not in ('self', 'cls')}, ret

def _section(title:str, items:list[tuple[str, str]])->str:
    body = '\n'.join(indent(f"{k}: {v}" if k else v, '    ') for k, v in items)
    return f"{title}:\n{body}"

class DocmentsExtension(griffe.Extension):
    "Turn nbdev docments (comments after parameters, constants and fields) into docstrings Griffe can parse."
    def on_function_instance(self, *, node, func:griffe.Function, agent, **kwargs)->None:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)): return
        path = _filepath(func)
        if path is None: return
        params, ret = _docments(node, path)
        if not params and not ret: return
        sections = []
        if params: sections.append(_section('Args', [(k, v.replace('\n', ' ')) for k, v in params.items()]))
        if ret and func.name != '__init__': sections.append(_section('Returns', [('', ret.replace('\n', ' '))]))
        if not sections: return
        extra = '\n\n'.join(sections)
        if func.docstring is None:
            func.docstring = griffe.Docstring('', lineno=node.lineno, endlineno=node.lineno, parent=func,
                                              parser=getattr(agent, 'docstring_parser', None),
                                              parser_options=getattr(agent, 'docstring_options', None))
        # set `value` directly: the constructor's `inspect.cleandoc` would dedent the section's items
        func.docstring.value = (func.docstring.value.rstrip() + '\n\n' + extra).lstrip()

    def on_attribute_instance(self, *, node, attr:griffe.Attribute, agent, **kwargs)->None:
        if attr.docstring is not None or not isinstance(node, (ast.Assign, ast.AnnAssign)): return
        if 'instance-attribute' in attr.labels and 'class-attribute' not in attr.labels: return   # `self.x = ...`
        path = _filepath(attr)
        c = _comments(path).get(node.end_lineno) if path else None
        if c and not c[1] and c[0]:
            attr.docstring = griffe.Docstring(c[0], lineno=node.end_lineno, endlineno=node.end_lineno, parent=attr,
                                              parser=getattr(agent, 'docstring_parser', None),
                                              parser_options=getattr(agent, 'docstring_options', None))

    def on_module_instance(self, *, node, mod:griffe.Module, agent, **kwargs)->None:
        if mod.docstring is not None:
            mod.docstring.value = re.sub(r'\n*^Docs: https?://\S+\s*$', '', mod.docstring.value, flags=re.M).strip()

    def on_class_members(self, *, node, cls:griffe.Class, agent, **kwargs)->None:
        # attributes set on `self` inside methods (submodules, caches, ...) are implementation details unless documented
        for name, m in list(cls.members.items()):
            if not m.is_alias and m.is_attribute and 'instance-attribute' in m.labels and m.docstring is None \
               and 'class-attribute' not in m.labels:
                del cls.members[name]
