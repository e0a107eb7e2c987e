"""SQL in Python files, found with the standard library's ``ast`` (the code is never run).

String expressions are read back from the source text, literal by literal, so escapes,
implicit concatenation (``"a" "b"``), ``+`` concatenation, ``%`` formatting, f-strings and
``str.format`` map every SQL character to its place in the file.  The result is checked
against the value ``ast`` computed: a string we would misread is skipped, never misplaced.
"""

from __future__ import annotations

import ast
import re
import warnings
from bisect import bisect_left
from functools import lru_cache
from typing import Optional

from ..core.comments import CommentSpan
from ..core.positions import LineIndex, Utf8Offsets
from .callsites import COMPOSED_PIECES, CONNECTION_NAME, CallSites, is_message_call
from .fragments import Fragment, FragmentBuilder, Keywords
from .literals import brace_fields

#: keyword arguments that carry SQL at a known call site (Django RunSQL, SQLAlchemy, ...)
SQL_KEYWORDS = frozenset({"sql", "reverse_sql", "query", "statement", "stmt", "operation"})
#: calls whose second positional argument is SQL too
_TWO_SQL_ARGUMENTS = frozenset({"RunSQL"})

_PREFIX = re.compile(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")
_BETWEEN = re.compile(r"(?:\s|\\\r?\n|\\\r|#[^\r\n]*)*")
_OCTAL = re.compile(r"[0-7]{1,3}")


class HostPositions:
    """Host character offsets of ``ast`` positions (1-based line, UTF-8 byte column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = LineIndex(text)
        self.ascii = text.isascii()
        self.lines: dict[int, Utf8Offsets] = {}  # non-ASCII lines, converted once

    def offset(self, lineno: int, byte_col: int) -> int:
        start = self.index.line_start(lineno)
        if self.ascii:
            return start + byte_col
        columns = self.lines.get(lineno)
        if columns is None:
            end = self.index.line_start(lineno + 1) if lineno < self.index.line_count else len(self.text)
            columns = self.lines[lineno] = Utf8Offsets(self.text[start:end])
        return start + columns.char(byte_col)

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                self.offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]


def scan(text: str, call_sites: CallSites, keywords: Keywords, want_comments: bool,
         filename: str = "") -> tuple[list[Fragment], list[CommentSpan]]:
    """SQL-candidate strings of a Python file (and its comments when ``want_comments``).

    The interpreter's ``ast`` reads the file when it can; Python newer than the interpreter
    (3.12 f-strings nesting quotes, 3.14 t-strings), and code nested deeper than ``ast`` goes (a
    50,000-term ``+`` chain), are read by tree-sitter-python instead (no recursion there), so
    such a file is never skipped.  Raises SyntaxError (RecursionError) when neither reads it.
    """
    try:
        fragments = extract(text, call_sites, keywords)
    except (SyntaxError, RecursionError) as refused:
        found = _scan_with_tree_sitter(text, call_sites, keywords, want_comments)
        if found is None:  # not Python in any version: the caller skips the file, as before
            raise refused
        return found
    return fragments, comments(text) if want_comments else []


def helpers(text: str, call_sites: CallSites, filename: str = "") -> dict[str, int]:
    """The functions of a Python file that hand a parameter on to a SQL call (name -> position)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text)
            return _follow_names(tree, call_sites)[1]
        except (SyntaxError, RecursionError):
            from .treesitter import helpers_with

            return helpers_with(_python_grammar(), text, call_sites)


def _scan_with_tree_sitter(text: str, call_sites: CallSites, keywords: Keywords,
                           want_comments: bool) -> Optional[tuple[list[Fragment], list[CommentSpan]]]:
    """Fragments and comments as tree-sitter-python reads the file; None when it finds errors too."""
    from .treesitter import Extractor, comments as tree_comments, parse

    grammar = _python_grammar()
    tree = parse(grammar, text)
    if tree.root_node.has_error:
        return None
    fragments = Extractor(grammar, text, call_sites, keywords).run(tree)
    return fragments, tree_comments(grammar, text, tree) if want_comments else []


@lru_cache(maxsize=1)
def _python_grammar():
    """tree-sitter-python described for the shared extractor (treesitter.LanguageSpec)."""
    from .treesitter import LanguageSpec

    return LanguageSpec(
        "python", "tree_sitter_python",
        strings=("string",),
        escapes=frozenset({"escape_sequence"}),
        interpolations=frozenset({"interpolation"}),
        delimiters=frozenset({"string_start", "string_end"}),
        contents=frozenset({"string_content"}),
        binaries=frozenset({"binary_operator"}),
        adjacent=frozenset({"concatenated_string"}),
        comparisons=frozenset({"comparison_operator"}),
        formats=frozenset({"%"}),
        calls={"call": ("function", None, "arguments")},
        argument_lists=frozenset({"argument_list"}),
    )



def extract(text: str, call_sites: CallSites, keywords: Optional[Keywords] = None) -> list[Fragment]:
    """SQL-candidate strings of a Python file; with ``keywords``, only strings spelling one."""
    keywords = keywords or Keywords(None)
    with warnings.catch_warnings():  # "invalid escape sequence" is the file's business, not ours
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    pos = HostPositions(text)
    hits = keywords.offsets(text)
    hit_lines = None if hits is None else sorted({pos.index.position(h)[0] for h in hits})
    sql_names, helpers = _follow_names(tree, call_sites)
    known: dict[int, ast.AST] = {}  # id(argument) -> the SQL call it is passed to
    skipped: set[int] = set()  # ids of nodes never to read: messages, docstrings, parts already read
    fragments: list[Fragment] = []
    branch_of: dict[int, object] = {}  # id(node) -> the other database its branch is for
    queue = [tree]
    while queue:
        node = queue.pop()
        nid = id(node)
        if nid in skipped:
            continue
        if hit_lines is not None and hasattr(node, "end_lineno") and not _any_between(
                hit_lines, node.lineno, node.end_lineno):  # type: ignore[attr-defined]
            continue  # no candidate keyword anywhere in this subtree
        if isinstance(node, ast.Expr) and _is_str_expr(node.value):
            continue  # docstrings and other bare strings are never executed
        if isinstance(node, ast.If):  # `if is_crdb(conn):` -- its body is another database's SQL
            verdict = _branch_dialect(node, pos)
            if verdict is not None:
                branch_of.update((id(stmt), verdict) for stmt in node.body)
        if isinstance(node, ast.Dict):  # keys are names and labels (keyword tables), never SQL to run
            skipped.update(id(k) for k in node.keys if k is not None and _is_str_expr(k))
        if isinstance(node, (ast.Compare, ast.Assert)):
            continue  # compared or asserted, never run: `assert out == 'LISTEN "x"'`
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [_name_of(t) for t in targets]
            if any(n in _MOCK_ATTRIBUTES for n in names):
                continue  # mock set-ups: `ops.sequence_reset_sql.return_value = ['RESET SEQUENCE']`
            call = next((sql_names[n] for n in names if n in sql_names), None)
            if call is not None and node.value is not None and _is_str_expr(node.value):
                known.setdefault(id(node.value), call)  # stmt = b"DEALLOCATE " + name ... exec_(stmt)
        if isinstance(node, ast.Call):
            path = callee_path(node.func)
            if path and is_message_call(path[-1]):
                continue  # log messages, exceptions, translations, comparisons, assertions
            if path and (call_sites.matches(path) or path[-1] in helpers):
                sql_args = (sql_arguments(node, path[-1]) if call_sites.matches(path)
                            else _nth_argument(node, helpers[path[-1]]))
                for arg in sql_args:
                    known[id(arg)] = node
                holding_sql = {id(n) for a in sql_args for n in ast.walk(a)}
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    if id(arg) not in holding_sql and not any(id(e) in holding_sql for e in ast.walk(arg)):
                        skipped.update(id(n) for n in ast.walk(arg))  # bind values are data, never SQL
        if _is_str_expr(node):
            call = known.get(nid)
            builder = build(node, pos) if keywords.found_in(_literal_text(node)) else None
            if builder is not None:
                start, end = pos.span(node)
                anchor = pos.offset(call.lineno, call.col_offset) if call is not None else start  # type: ignore[attr-defined]
                piece = call is not None and callee_path(call.func)[-1] in COMPOSED_PIECES  # type: ignore[attr-defined]
                if piece:
                    builder = brace_fields(builder)
                fragments.append(builder.build(start, end, anchor, known=call is not None, partial=piece,
                                               dialect=branch_of.get(nid)))
            for child in ast.walk(node):
                skipped.add(id(child))
            continue
        children = list(ast.iter_child_nodes(node))
        children.reverse()  # visit in source order
        inherited = branch_of.get(nid)
        if inherited is not None:
            for child in children:
                branch_of.setdefault(id(child), inherited)
        queue.extend(children)
    return fragments


def _branch_dialect(node: ast.If, pos: HostPositions):
    """The other database an ``if`` condition selects (``dialect.from_branch``), or None."""
    from ..sql.dialect import from_branch

    start, end = pos.span(node.test)
    return from_branch(pos.text[start:min(end, start + 300)])


def comments(text: str) -> list[CommentSpan]:
    """``#`` comments of the file (only read when one could hold a directive)."""
    import io
    import tokenize

    from ..core.comments import own_line

    index = LineIndex(text)
    out: list[CommentSpan] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                start = index.offset(tok.start[0], tok.start[1] + 1)
                out.append(CommentSpan(start, start + len(tok.string), tok.string, own_line(text, start)))
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def callee_path(func: ast.AST) -> tuple[str, ...]:
    """``op.execute`` -> ("op", "execute"); unknown receivers become "?"."""
    parts: list[str] = []
    while True:
        if isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        elif isinstance(func, ast.Name):
            parts.append(func.id)
            break
        else:
            parts.append("?")
            break
    return tuple(reversed(parts))


_MOCK_ATTRIBUTES = frozenset({"return_value", "side_effect"})


def _name_of(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _nth_argument(call: ast.Call, index: int) -> list[ast.AST]:
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    return [positional[index]] if 0 <= index < len(positional) else []


def _follow_names(tree: ast.AST, call_sites: CallSites) -> tuple[dict[str, ast.Call], dict[str, int]]:
    """Names whose value a SQL call runs (``cur.execute(stmt)``, ``self.sql``), and this file's
    functions that hand a parameter on to one (``run_sql(conn, sql)`` -> its position)."""
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    owner: dict[int, ast.AST] = {}
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            calls.append(node)
    for function in functions:  # breadth first: an inner function claims its calls last
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                owner[id(node)] = function
    sql_names: dict[str, ast.Call] = {}
    helpers: dict[str, int] = dict(getattr(call_sites, "helpers", {}))
    for _ in range(3):  # helpers of helpers
        found_helper = False
        for call in calls:
            path = callee_path(call.func)
            if not path or not (call_sites.matches(path) or path[-1] in helpers):
                continue
            args = sql_arguments(call, path[-1]) if call_sites.matches(path) else _nth_argument(call, helpers[path[-1]])
            for arg in args[:1]:
                name = _name_of(arg)
                if name is None:
                    continue
                sql_names.setdefault(name, call)
                function = owner.get(id(call))
                if function is None or not isinstance(arg, ast.Name):
                    continue
                params = [a.arg for a in function.args.posonlyargs + function.args.args]  # type: ignore[attr-defined]
                if params and params[0] in ("self", "cls"):
                    params = params[1:]
                fname = function.name  # type: ignore[attr-defined]
                if name in params and fname not in helpers and not call_sites.matches((fname,)):
                    helpers[fname] = params.index(name)
                    found_helper = True
        if not found_helper:
            break
    return sql_names, helpers


def sql_arguments(call: ast.Call, name: str) -> list[ast.AST]:
    """The arguments of a SQL call that hold SQL (list and tuple elements included)."""
    args: list[ast.AST] = []
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    while (len(positional) > 1 and isinstance(positional[0], (ast.Name, ast.Attribute))
           and CONNECTION_NAME.fullmatch(_name_of(positional[0]) or "")
           and any(_is_str_expr(a) for a in positional[1:])):  # cur.execute(t, params) keeps `t`
        positional = positional[1:]  # TestUtil.execute(conn, "SET ..."): the SQL comes after the connection
    count = 2 if name in _TWO_SQL_ARGUMENTS else 1
    args.extend(positional[:count])
    args.extend(k.value for k in call.keywords if k.arg in SQL_KEYWORDS)
    out: list[ast.AST] = []
    for arg in args:
        if isinstance(arg, (ast.List, ast.Tuple)):
            out.extend(e for e in arg.elts if _is_str_expr(e) or isinstance(e, (ast.List, ast.Tuple)))
            # RunSQL([("SQL %s", [params])]): the first item of each pair is SQL
            out.extend(e.elts[0] for e in arg.elts if isinstance(e, (ast.List, ast.Tuple)) and e.elts)
        else:
            out.append(arg)
    return out


def _literal_text(node: ast.AST) -> str:
    """The literal parts of a string expression (interpolated values left out)."""
    if isinstance(node, ast.Constant):
        return node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
    # in source order (ast.walk is breadth first): "SET x TO " + v + ", public" must start with SET
    parts = sorted((n for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes))),
                   key=lambda n: (n.lineno, n.col_offset))
    return "\n".join(_literal_text(n) for n in parts)


def _any_between(sorted_lines: list[int], first: int, last: int) -> bool:
    i = bisect_left(sorted_lines, first)
    return i < len(sorted_lines) and sorted_lines[i] <= last


def _is_str_expr(node: ast.AST) -> bool:
    """A string literal, f-string, or a concatenation / formatting built on one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))  # b"listen foo" reaches pgconn.exec_() as SQL too
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod):
            return _is_str_expr(node.left)
        if isinstance(node.op, ast.Add):
            return _is_str_expr(node.left) or _is_str_expr(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return isinstance(node.func.value, (ast.Constant, ast.JoinedStr)) and _is_str_expr(node.func.value)
    return False


def build(node: ast.AST, pos: HostPositions) -> Optional[FragmentBuilder]:
    """The SQL of a string expression, or None when it cannot be read exactly."""
    if isinstance(node, (ast.Constant, ast.JoinedStr)):
        start, end = pos.span(node)
        builder = read_literals(pos.text, start, end)
        if builder is None or not _agrees(builder, node):
            return None
        return builder
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return build(node.left, pos)  # "... %s" % args: placeholders are neutralised
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        out = FragmentBuilder()
        for side in (node.left, node.right):
            if _is_str_expr(side):
                part = build(side, pos)
                if part is None:
                    return None
                out.extend(part)
            else:
                out.hole(*pos.span(side))
        return out
    if isinstance(node, ast.Call):  # "...{}...".format(...)
        inner = build(node.func.value, pos)  # type: ignore[attr-defined]
        return None if inner is None else brace_fields(inner)
    return None


def _agrees(builder: FragmentBuilder, node: ast.AST) -> bool:
    """Our reading of the literal gives the value Python computed."""
    if isinstance(node, ast.Constant):
        value = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        return builder.value == value
    expected = "".join(v.value for v in node.values if isinstance(v, ast.Constant))  # type: ignore[attr-defined]
    holes = sum(1 for v in node.values if isinstance(v, ast.FormattedValue))  # type: ignore[attr-defined]
    got = "".join(c for i, c in enumerate(builder.value) if not _in_holes(builder.holes, i))
    return got == expected and len(builder.holes) == holes


def _in_holes(holes: list[tuple[int, int]], i: int) -> bool:
    return any(s <= i < e for s, e in holes)


def read_literals(text: str, start: int, end: int) -> Optional[FragmentBuilder]:
    """Read the (implicitly concatenated) string literals written in text[start:end]."""
    out = FragmentBuilder()
    pos = start
    while True:
        pos = _BETWEEN.match(text, pos, end).end()
        if pos >= end:
            return out
        m = _PREFIX.match(text, pos, end)
        if m is None:
            return None
        prefix, quote = m.group(1).lower(), m.group(2)
        pos = _read_body(text, m.end(), end, quote, raw="r" in prefix, fstring="f" in prefix, out=out)
        if pos < 0:
            return None


def _read_body(text: str, pos: int, end: int, quote: str, raw: bool, fstring: bool, out: FragmentBuilder) -> int:
    specials = "\\" + quote[0] + ("{}" if fstring else "") + "\r"
    while pos < end:
        if text.startswith(quote, pos):
            return pos + len(quote)
        ch = text[pos]
        if ch not in specials:
            run_end = _plain_run(specials).match(text, pos, end).end()
            out.text(text[pos:run_end], pos)
            pos = run_end
        elif ch == "\r":  # Python reads \r\n and \r in a literal as \n
            width = 2 if text.startswith("\r\n", pos) else 1
            out.char("\n", pos, pos + width)
            pos += width
        elif ch == "\\":
            if raw:
                width = 2 if pos + 1 < end else 1
                out.text(text[pos:pos + width], pos)
                pos += width
                continue
            value, width = _escape(text, pos)
            out.char(value, pos, pos + width)
            pos += width
        elif ch == quote[0]:  # a lone quote inside a triple-quoted string
            out.text(ch, pos)
            pos += 1
        elif text.startswith(ch * 2, pos):  # {{ or }} in an f-string
            out.char(ch, pos, pos + 2)
            pos += 2
        elif ch == "{":
            close = _replacement_field_end(text, pos, end)
            if close < 0:
                return -1
            out.hole(pos, close)
            pos = close
        else:
            return -1  # a lone } is a syntax error: ast would not have parsed
    return -1


@lru_cache(maxsize=None)
def _plain_run(specials: str) -> "re.Pattern[str]":
    return re.compile("[^" + re.escape(specials) + "]+")


_NAMED = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b",
          "f": "\f", "v": "\v"}


def _escape(text: str, pos: int) -> tuple[str, int]:
    """(value, width) of the Python escape sequence at ``pos``."""
    nxt = text[pos + 1:pos + 2]
    if nxt in _NAMED:
        return _NAMED[nxt], 2
    if nxt == "\n":
        return "", 2
    if nxt == "\r":
        return "", 3 if text.startswith("\n", pos + 2) else 2
    m = _OCTAL.match(text, pos + 1)
    if m:
        return chr(int(m.group(), 8)), 1 + len(m.group())
    for letter, digits in (("x", 2), ("u", 4), ("U", 8)):
        if nxt == letter:
            try:
                return chr(int(text[pos + 2:pos + 2 + digits], 16)), 2 + digits
            except ValueError:
                break
    if nxt == "N" and text.startswith("{", pos + 2):
        import unicodedata

        close = text.find("}", pos + 3)
        try:
            return unicodedata.lookup(text[pos + 3:close]), close + 1 - pos
        except KeyError:
            pass
    return "\\" + nxt, 2  # unknown escapes keep the backslash


def _replacement_field_end(text: str, pos: int, end: int) -> int:
    """End of the f-string replacement field ``{...}`` opening at ``pos``."""
    depth = 0
    i = pos
    while i < end:
        ch = text[i]
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                return i + 1
        elif ch in "'\"":
            close = text.find(ch, i + 1, end)
            if close < 0:
                return -1
            i = close
        i += 1
    return -1
