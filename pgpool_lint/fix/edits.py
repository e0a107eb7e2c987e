"""Machine-applicable edits: building them from a statement's tokens, and applying them.

A check builds a ``diagnostics.Fix`` whose edits are character offsets into the linted SQL
text (the same offsets as its finding); the linter turns them into (line, column) pairs
with the same ``LineIndex`` as the finding.  Edits are cut on the statement's own tokens
(pglast's scanner), so everything outside the replaced tokens — spelling, comments,
whitespace, line endings — stays byte for byte.

Applicability (as in ruff): ``safe`` fixes keep a correct program's meaning under
transaction pooling and are applied by ``--fix``; ``unsafe`` ones may change it and need
``--unsafe-fixes``; ``display-only`` ones are shown, never applied.
"""

from __future__ import annotations

import bisect
import functools
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple, Optional, Sequence

from ..core.diagnostics import Edit, Fix
from ..core.lazyre import lazy_re
# pgparser's names are read at call time (``pgparser.ParseError`` in an except clause only when
# raised): pglast's parser is loaded when first used, not when this module is imported
from ..sql import nodes, pgparser
from ..sql.statement import json_loads
from .suggest import set_parts

if TYPE_CHECKING:  # pragma: no cover
    from ..sql.nodes import FuncCall
    from ..sql.statement import LintContext, Statement

SAFE, UNSAFE, DISPLAY_ONLY = "safe", "unsafe", "display-only"
APPLICABILITIES = (SAFE, UNSAFE, DISPLAY_ONLY)


# --- building --------------------------------------------------------------------------

def make_fix(applicability: str, message: str, *edits: Edit) -> Fix:
    assert applicability in APPLICABILITIES, applicability
    if len(edits) > 1:  # most fixes have one edit
        edits = tuple(sorted(edits, key=_edit_order))
    return Fix(applicability, message, edits)


def _edit_order(edit: Edit) -> tuple[int, int]:
    return edit.start, edit.end


def replace(start: int, end: int, content: str) -> Edit:
    return Edit(content, start, end)


def insert(at: int, content: str) -> Edit:
    return Edit(content, at, at)


def delete(start: int, end: int) -> Edit:
    return Edit("", start, end)


def like(sample: str, words: str) -> str:
    """``words`` in the letter case of ``sample`` as written (``set`` → ``local``)."""
    if sample.isascii():  # every ASCII letter has a case: islower/isupper say the same, in C
        return words.lower() if sample.islower() else words.upper() if sample.isupper() else words
    letters = [c for c in sample if c.isalpha()]
    return words.lower() if letters and all(c.islower() for c in letters) else words.upper() if letters and all(
        c.isupper() for c in letters) else words


class Token(NamedTuple):
    """A scanner token with offsets into the linted text (``end`` exclusive).  A named tuple,
    not a frozen dataclass: statements are scanned by the thousand, and a frozen dataclass
    takes three ``object.__setattr__`` calls to make."""

    name: str
    start: int
    end: int


def tokens_between(text: str, start: int, end: int) -> list[Token]:
    """Tokens (comments left out) of ``text[start:end]``, offsets into ``text``."""
    piece = text[start:end]
    try:
        records, to_char, name_of = pgparser.scan_records(piece)
    except pgparser.ParseError:
        return []
    # (kind, keyword) -> token name, None for a comment: the same few pairs in every statement
    names = _TOKEN_NAMES.get(name_of)
    if names is None:
        names = _TOKEN_NAMES[name_of] = {}
    same = piece.isascii()  # offsets are then characters already
    out = []
    for first, stop, kind, keyword in records:
        try:
            name = names[kind, keyword]
        except KeyError:
            name = names[kind, keyword] = name_of(kind, keyword)
            if name in ("SQL_COMMENT", "C_COMMENT"):
                name = names[kind, keyword] = None
        if name is not None:
            out.append(Token(name, start + first, start + stop) if same else
                       Token(name, start + to_char(first), start + to_char(stop - 1) + 1))
    return out


#: per scanner (its ``name_of``): (kind, keyword) -> token name, None for a comment
_TOKEN_NAMES: dict[Any, dict[tuple[Any, Any], Optional[str]]] = {}


def statement_tokens(stmt: "Statement") -> list[Token]:
    """The statement's tokens, offsets into the linted text; scanned on the parsed text so
    psql variables and template placeholders count as the identifiers they stand for.
    Scanned once per statement (a PREPARE is read again for each EXECUTE of it); read-only."""
    return stmt.context.once_per("statement_tokens", (stmt.start, stmt.end),
                                 lambda: tokens_between(stmt.context.parsed_text, stmt.start, stmt.end))


def top_level(tokens: Sequence[Token]) -> list[tuple[int, Token]]:
    """(index, token) of the tokens outside any parentheses."""
    out = []
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.name == "ASCII_40":
            depth += 1
        elif tok.name == "ASCII_41":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append((i, tok))
    return out


def call_parts(stmt: "Statement", call: "FuncCall") -> Optional[tuple[Token, list[tuple[int, int]]]]:
    """(function-name token, [(start, end) of each argument]) of a call, offsets into the
    linted text; None when the call's text does not look like ``name(...)``."""
    at = stmt.offset(call.location)
    tokens = tokens_between(stmt.context.parsed_text, at, stmt.end)
    open_index = next((i for i, t in enumerate(tokens) if t.name == "ASCII_40"), None)
    if not open_index:
        return None
    args: list[tuple[int, int]] = []
    depth = 0
    first: Optional[Token] = None
    last: Optional[Token] = None
    for tok in tokens[open_index:]:
        if tok.name == "ASCII_40":
            depth += 1
            if depth == 1:
                continue
        elif tok.name == "ASCII_41":
            depth -= 1
            if depth == 0:
                if first is not None and last is not None:
                    args.append((first.start, last.end))
                return tokens[open_index - 1], args
        if depth == 1 and tok.name == "ASCII_44":
            if first is not None and last is not None:
                args.append((first.start, last.end))
            first = last = None
            continue
        first = first or tok
        last = tok
    return None


def statement_removal(text: str, start: int, end: int) -> Edit:
    """Delete the statement ``text[start:end]`` with its ``;`` — and its whole line when it
    stands alone on it, so no blank line is left behind.  Line endings are kept as written.
    Comments inside the statement are not the statement's to lose: they stay in its place."""
    stop = end
    while stop < len(text) and text[stop] in " \t\r\n":
        stop += 1
    stop = stop + 1 if stop < len(text) and text[stop] == ";" else end
    kept = _comments_between(text, start, stop)
    if kept:
        return replace(start, stop, kept)
    line_start = start
    while line_start > 0 and text[line_start - 1] in " \t":
        line_start -= 1
    after = stop
    while after < len(text) and text[after] in " \t":
        after += 1
    alone_before = line_start == 0 or text[line_start - 1] in "\r\n"
    if alone_before and (after == len(text) or text[after] in "\r\n"):
        if text.startswith("\r\n", after):
            after += 2
        elif after < len(text):
            after += 1
        return delete(line_start, after)
    if after < len(text) and text[after] not in "\r\n":
        return delete(start, after)  # more code follows on the line: take the space after
    return delete(line_start, after)  # code before it on the line: take the space before


def _comments_between(text: str, start: int, stop: int) -> str:
    """The comments in ``text[start:stop]``, joined so that each still ends where it did
    (a ``--`` comment with its line break)."""
    from ..sql.neutralise import lex_comments

    if "--" not in text[start:stop] and "/*" not in text[start:stop]:
        return ""
    out = []
    for comment in lex_comments(text[start:stop]):
        out.append(comment.text.rstrip("\r\n"))
        out.append("\n" if comment.text.startswith("--") else " ")
    kept = "".join(out).rstrip(" ")
    if kept.endswith("\n") and text[stop:stop + 1] in ("\r", "\n"):
        kept = kept[:-1]  # the line break after the statement ends the last -- comment
    return kept


def delete_words(text: str, start: int, end: int) -> Edit:
    """Delete the words ``text[start:end]`` inside a line, with the spaces on one side so
    no double space is left: those after them, or before them at the end of a line."""
    after = end
    while after < len(text) and text[after] in " \t":
        after += 1
    if after < len(text) and text[after] not in "\r\n":
        return delete(start, after)
    before = start
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    return delete(before, after)


# --- what happens after a transaction --------------------------------------------------

_ENDS = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"}


def transaction_id(stmt: "Statement") -> Optional[object]:
    """Which transaction ``stmt`` runs in: the index of its BEGIN, ``"file"`` when the
    whole file runs in one, None when it runs on its own (autocommit)."""
    if stmt.in_explicit_transaction:
        return stmt.block_start
    if stmt.context.assume_in_transaction:
        return "file"
    return None


def transaction_end_index(stmt: "Statement") -> Optional[int]:
    """Span index of the COMMIT/ROLLBACK that ends ``stmt``'s transaction (the span count when
    it runs to the end of the text); None when the end is not in this text or ``stmt`` runs
    on its own."""
    if not stmt.in_transaction or (stmt.in_explicit_transaction and stmt.block_end is None):
        return None
    return _transaction_end(stmt)


def ended_by_prepare_transaction(stmt: "Statement") -> bool:
    """``stmt``'s explicit block ends with PREPARE TRANSACTION.  PostgreSQL refuses to prepare a
    transaction that touched temporary objects, WITH HOLD cursors or LISTEN/UNLISTEN/NOTIFY: the
    PREPARE fails and the whole block is rolled back, so those statements leave nothing behind
    (PREPARE TRANSACTION docs; src/test/regress/sql/temp.sql).  A plain SET, by contrast, survives
    a successful PREPARE TRANSACTION, so this is no general "rolled back"."""
    if not stmt.in_explicit_transaction or stmt.block_end is None:
        return False
    end = _transaction_end(stmt)
    if end >= len(stmt.context.spans):
        return False
    start, stop = stmt.context.spans[end]
    parsed = parse_one(stmt.context.parsed_text[start:stop])
    return parsed is not None and parsed[0] == "TransactionStmt" and parsed[1].get("kind") == "TRANS_STMT_PREPARE"


def spans_later_in_transaction(stmt: "Statement") -> list[tuple[int, int]]:
    """Spans of the statements after ``stmt`` up to the end of its transaction."""
    if not stmt.in_transaction:
        return []
    return stmt.context.spans[stmt.index + 1:_transaction_end(stmt)]


def _transaction_end(stmt: "Statement") -> int:
    ctx = stmt.context
    ends = ctx.once("transaction_ends", lambda: [
        s.index for s in ctx.statements if s.kind == "TransactionStmt" and s.body.get("kind") in _ENDS])
    at = bisect.bisect_right(ends, stmt.index)
    return ends[at] if at < len(ends) else len(ctx.spans)


def span_statements(ctx: "LintContext", spans: Iterable[tuple[int, int]]) -> Iterable[Optional[tuple[str, dict]]]:
    """(kind, body) of each span's statement, None for one that does not parse."""
    for start, end in spans:
        yield parse_one(ctx.parsed_text[start:end])


@functools.lru_cache(maxsize=64)  # the statements of one file: a bigger cache keeps other files' trees alive
def parse_one(text: str) -> Optional[tuple[str, dict]]:
    try:
        tree = json_loads(pgparser.parse_sql_json(text))
    except pgparser.ParseError:
        return None
    stmts = tree.get("stmts") or [{}]
    node = stmts[0].get("stmt") or {"EmptyStmt": {}}
    ((kind, body),) = node.items()
    return kind, body


def used_after(stmt: "Statement", name: str, end: int) -> bool:
    """Whether a statement after span ``end`` may use the relation ``name``: as a table, or
    as a word anywhere inside any name or string (dynamic SQL, ``'name'::regclass``, DO and
    function bodies, the body of a function of this text that it calls), in a psql
    meta-command (``\\copy name ...``), or it does not parse or runs what this text cannot
    show (``EXECUTE``, ``CALL`` of a procedure defined elsewhere).  Errs on the side of "yes"."""
    last, unparseable = _last_mentions(stmt.context)
    lowered = name.lower()
    if unparseable > end or last.get(lowered, -1) > end:
        return True
    after = stmt.context.spans[end][1] if end < len(stmt.context.spans) else len(stmt.context.text)
    if any(at >= after and lowered in line for at, line in _meta_commands(stmt.context)):
        return True
    if _WORD.fullmatch(lowered):
        return False
    return any(lowered in word and index > end for word, index in last.items())  # "odd name": any substring


_WORD = lazy_re(r"[\w$]+")


def _last_mentions(ctx: "LintContext") -> tuple[dict[str, int], int]:
    """(word -> index of the last statement that mentions it, index of the last statement that
    does not parse), over every statement of the text, computed once per text."""
    return ctx.once("last_mentions", lambda: _find_last_mentions(ctx))


def _find_last_mentions(ctx: "LintContext") -> tuple[dict[str, int], int]:
    last: dict[str, int] = {}
    unparseable = -1
    parsed_all = _span_trees(ctx)
    bodies = _routine_bodies(parsed_all)
    for index, parsed in enumerate(parsed_all):
        if parsed is None or parsed[0] == "ExecuteStmt":  # EXECUTE: a plan prepared who knows where
            unparseable = index
            continue
        for kind, body in nodes.typed_nodes({parsed[0]: parsed[1]}, _MENTIONING):
            if kind == "RangeVar":
                texts = [str(body.get("relname", ""))]
            elif kind == "String":
                texts = [str(body.get("sval", ""))]
            elif kind == "A_Const":
                texts = [str(body.get("sval", {}).get("sval", ""))]
            elif kind in ("FuncCall", "CallStmt"):
                routine = _routine_name((body.get("funccall") or body).get("funcname"))
                if kind == "CallStmt" and routine not in bodies:
                    unparseable = index  # a procedure of another text: it may use anything
                texts = bodies.get(routine, [])
            for text in texts:
                text = text.lower()
                last[text] = index
                for word in _WORD.findall(text):
                    last[word] = index
    return last, unparseable


#: the nodes a statement mentions names in (``_find_last_mentions``)
_MENTIONING = frozenset({"RangeVar", "String", "A_Const", "FuncCall", "CallStmt"})
_STRING = frozenset({"String"})


def _span_trees(ctx: "LintContext") -> list[Optional[tuple[str, dict]]]:
    """``span_statements`` of every span, the statements the engine parsed taken as they are."""
    parsed: dict[int, tuple[str, dict]] = {stmt.index: (stmt.kind, stmt.body) for stmt in ctx.statements}
    return [parsed[index] if index in parsed else parse_one(ctx.parsed_text[start:end])
            for index, (start, end) in enumerate(ctx.spans)]


def _routine_name(funcname: Any) -> str:
    names = [str(item.get("String", {}).get("sval", "")) for item in funcname or [] if isinstance(item, dict)]
    return names[-1].lower() if names else ""


def _routine_bodies(parsed_all: list) -> dict[str, list[str]]:
    """Function or procedure name -> the strings of its body, for those this text creates
    (a call of one uses what its body names)."""
    bodies: dict[str, list[str]] = {}
    for parsed in parsed_all:
        if parsed is None or parsed[0] != "CreateFunctionStmt":
            continue
        strings = [str(body.get("sval", "")) for _, body in nodes.typed_nodes({parsed[0]: parsed[1]}, _STRING)]
        bodies.setdefault(_routine_name(parsed[1].get("funcname")), []).extend(strings)
    return bodies


def _meta_commands(ctx: "LintContext") -> list[tuple[int, str]]:
    """(offset, lower-cased line) of each line of the text that starts with a backslash
    (a psql meta-command such as ``\\copy``), once per text."""
    return ctx.once("meta_commands", lambda: _find_meta_commands(ctx.text))


def _find_meta_commands(text: str) -> list[tuple[int, str]]:
    found = []
    if "\\" in text:
        at = 0
        for line in text.splitlines(keepends=True):
            if line.lstrip(" \t").startswith("\\"):
                found.append((at, line.lower()))
            at += len(line)
    return found


def strip_locations(node: Any) -> Any:
    """A parse (sub)tree without its ``location`` fields, to compare what two texts mean."""
    if isinstance(node, dict):
        return {k: strip_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [strip_locations(v) for v in node]
    return node


# --- applying --------------------------------------------------------------------------

def _conflicts(a: Edit, b: Edit) -> bool:
    return (a.start < b.end and b.start < a.end) or a.start == b.start


def choose_fixes(fixes: Iterable[Fix]) -> list[Fix]:
    """Distinct fixes whose edits do not touch each other, first come first served (a fix
    shared by two findings — a lock and its unlock — counts once)."""
    chosen: list[Fix] = []
    taken: list[Edit] = []
    seen: set[tuple] = set()
    for fix in fixes:
        key = tuple((e.start, e.end, e.content) for e in fix.edits)
        if not fix.edits or key in seen:
            continue
        if any(_conflicts(e, t) for e in fix.edits for t in taken):
            continue
        seen.add(key)
        chosen.append(fix)
        taken.extend(fix.edits)
    return chosen


def apply_fixes(text: str, fixes: Iterable[Fix]) -> str:
    """``text`` with the edits of non-conflicting ``fixes`` applied (see ``choose_fixes``)."""
    edits = sorted((e for f in fixes for e in f.edits), key=lambda e: (e.start, e.end))
    out = []
    pos = 0
    for e in edits:
        out.append(text[pos:e.start])
        out.append(e.content)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def moved(fix: Optional[Fix], delta: int) -> Optional[Fix]:
    """The fix with every edit ``delta`` characters later (the same fix for the same statement
    elsewhere in a text)."""
    if fix is None or delta == 0:
        return fix
    return Fix(fix.applicability, fix.message, tuple(Edit(e.content, e.start + delta, e.end + delta) for e in fix.edits))


def with_locations(fix: Optional[Fix], position) -> Optional[Fix]:
    """The fix with each edit's 1-based (line, column) filled in by ``position(offset)``."""
    if fix is None:
        return None
    return Fix(fix.applicability, fix.message,
               tuple([Edit(e.content, e.start, e.end, position(e.start), position(e.end)) for e in fix.edits]))


# --- fixes more than one rule builds ---------------------------------------------------

def in_transaction_or_display(stmt: "Statement") -> str:
    """A fix that scopes something to the transaction is safe inside one; outside, the
    statement is its own transaction and the fix would undo it at once: display only.  When
    the transaction is only guessed (SQL in code, ``LintContext.guessed_transaction``), or
    ends with ``COMMIT AND CHAIN`` (the chained transaction, on the same connection, still
    has what a session-level statement set, and would lose it), unsafe."""
    if not stmt.in_transaction:
        return DISPLAY_ONLY
    return SAFE if transaction_is_known(stmt) and not ends_and_chains(stmt) else UNSAFE


def ends_and_chains(stmt: "Statement") -> bool:
    """``stmt``'s transaction ends with ``COMMIT AND CHAIN`` or ``ROLLBACK AND CHAIN``."""
    end = _transaction_end(stmt)
    if end >= len(stmt.context.spans):
        return False
    start, stop = stmt.context.spans[end]
    parsed = parse_one(stmt.context.parsed_text[start:stop])
    return parsed is not None and parsed[0] == "TransactionStmt" and bool(parsed[1].get("chain"))


def transaction_is_known(stmt: "Statement") -> bool:
    """``stmt`` is in a BEGIN block of its text, or in a text configured to run in one."""
    return stmt.in_explicit_transaction or not stmt.context.guessed_transaction


def set_local_fix(stmt: "Statement") -> Optional[Fix]:
    """``SET [SESSION] x ...`` → ``SET LOCAL x ...``, keeping everything else as written."""
    parts = set_parts(stmt)
    if parts is None:
        return None
    if parts.scope_word is not None:
        start, end = stmt.start + parts.scope_word[0], stmt.start + parts.scope_word[1]
        edit = replace(start, end, like(stmt.context.text[start:end], "LOCAL"))
    else:
        edit = insert(stmt.start + parts.keyword_end, " " + like(stmt.source[:3], "LOCAL"))
    return make_fix(in_transaction_or_display(stmt), _inside("Use `SET LOCAL`: the setting ends with the transaction", stmt),
                    edit)


def set_config_local_fix(stmt: "Statement", call: "FuncCall") -> Optional[Fix]:
    """``set_config(name, value, false)`` → ``set_config(name, value, true)``."""
    parts = call_parts(stmt, call)
    if parts is None or len(parts[1]) != 3:
        return None
    start, end = parts[1][2]
    return make_fix(in_transaction_or_display(stmt),
                    _inside("Pass `true` as `is_local`: the setting ends with the transaction", stmt),
                    replace(start, end, like(stmt.context.text[start:end], "true")))


def _inside(message: str, stmt: "Statement") -> str:
    return message if stmt.in_transaction else "Inside BEGIN ... COMMIT: " + message[0].lower() + message[1:]
