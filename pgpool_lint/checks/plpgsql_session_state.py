"""PGB015 plpgsql-session-state: PL/pgSQL statements that leave session state when they run.

``DO`` blocks run at once; function and procedure bodies run whenever they are called.
PostgreSQL's own PL/pgSQL parser (``pglast.parser.parse_plpgsql_json``) gives every
statement of the body and its line *within the body*; each statement's SQL is parsed again
with ``parse_sql_json``.  Positions: the line is exact (body line + the line the body
literal opens on).  The column comes from scanning the body with PostgreSQL's scanner for
the flagged token (``SET``, ``LISTEN``, ``EXECUTE`` or the function name) from the start of
that line: exact for dollar-quoted and plain '...' bodies; for E'...' bodies (escapes can
move text) the finding is put at the start of the body literal instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from ..core.findings import Finding
from ..core.lazyre import lazy_re
# pgparser's names are read at call time (``pgparser.ParseError`` in an except clause only when
# raised): pglast's parser is loaded when first used, not when this module is imported
from ..sql import nodes, pgparser
from ..sql.dialect import is_parameter
from ..sql.statement import Statement, json_loads
from .session_advisory_lock import SESSION_LOCK_FUNCTIONS
from .session_set import ROLE_PARAMETERS, TRANSACTION_PARAMETERS, is_tracked

CODE = "PGB015"
FIRST_WORDS = ("do",)
#: PL/pgSQL bodies; SQL-language bodies that could hold a hazard (the other checks' words)
SUBSTRINGS = ("plpgsql", "language sql", "language 'sql'", "language \"sql\"")
STATEMENT_KINDS = ("DoStmt", "CreateFunctionStmt")

#: lock-taking session functions (the unlocks in a body usually balance a lock in the same body)
LOCKING_FUNCTIONS = frozenset(name for name, xact in SESSION_LOCK_FUNCTIONS.items() if xact is not None)
_UNLOCK_FUNCTIONS = ("pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all")
#: PL/pgSQL expression parse modes (plpgsql.h RawParseMode): 0 statement, 2 expression, 3-5 assignment
_STATEMENT, _EXPRESSION = 0, 2
_ASSIGNMENTS = (3, 4, 5)


@dataclass(frozen=True)
class Hazard:
    """A session-state hazard a function body can hold: what to point at and what to say."""

    token: str  # what to point at: a keyword token name ("SET") or a function name
    what: str  # shown in the message
    effect: str
    help: str
    #: advisory locks: the unlock call that balances this lock / that this unlock call is
    lock_key: Optional[str] = None
    releases: Optional[str] = None


def check(stmt: Statement) -> Iterator[Finding]:
    found = _plpgsql_body(stmt)
    if found is None:
        return
    body, literal_at, routine, language = found
    if stmt.context.gated and not _may_spell_hazard(body):
        return  # no statement of this body can be a hazard: not parsed (see _may_be_hazard)
    # a DO block in a rolled-back transaction leaves no setting or LISTEN behind, but a
    # session-level advisory lock stays held (verified behind PgBouncer)
    only_locks = routine is None and stmt.rolled_back
    if language == "sql":
        found_hazards = list(_sql_body_hazards(body, stmt))
    else:
        try:
            tree = json_loads(pgparser.parse_plpgsql_json(stmt.text))
        except (pgparser.ParseError, ValueError):
            return  # an invalid body fails at CREATE/DO time: not this rule's business
        except Exception:  # libpg_query's PL/pgSQL parser is less used than its SQL one: never stop the file
            return
        found_hazards = list(_hazards(tree, stmt))
    if not found_hazards:
        return
    locator = _Locator(stmt, body, literal_at)
    # a body that unlocks what it locks leaves no lock behind (unless it fails in between)
    released = {h.releases for _, h in found_hazards if h.releases}
    for lineno, hazard in found_hazards:
        if hazard.releases or (hazard.lock_key is not None and (hazard.lock_key in released or "*" in released)):
            continue
        if only_locks and hazard.lock_key is None:
            continue
        start = locator.find(lineno, hazard.token)
        if routine is None:
            message = (f"{hazard.what} in this DO block runs now and {hazard.effect}: the next transaction may run on "
                       "another server connection without it, and another client may inherit it")
        else:
            message = (f"{hazard.what} in the body of `{routine}` {hazard.effect} each time it is called: it stays on "
                       "whichever server connection ran the call, where other clients inherit it")
        yield Finding(CODE, message, hazard.help, start, locator.token_end(start), None, stmt.start)


def may_flag(text: str) -> bool:
    """The gate's finer look at a statement its SUBSTRINGS let through (a ``CREATE FUNCTION``):
    ``check`` reads nothing of a body that cannot spell a hazard, and the body is part of the
    statement's text (a quote doubled or an escape spells no other word: a backslash passes)."""
    return _may_spell_hazard(text)


def _plpgsql_body(stmt: Statement) -> Optional[tuple[str, int, Optional[str], str]]:
    """(body, byte location of the body literal, routine name or None for DO, language) of a
    PL/pgSQL or SQL-language body."""
    if stmt.kind == "DoStmt":
        options, routine = stmt.body.get("args", ()), None
    elif stmt.kind == "CreateFunctionStmt":
        options = stmt.body.get("options", ())
        routine = ".".join(nodes.strings(stmt.body.get("funcname")))
    else:
        return None
    language, body, at = ("plpgsql" if routine is None else None), None, -1
    for option in options:
        elem = option.get("DefElem", {})
        if elem.get("defname") == "language":
            language = str(nodes.const_value(elem.get("arg"), "")).lower()
        elif elem.get("defname") == "as":
            arg = elem.get("arg", {})
            items = arg.get("List", {}).get("items", [arg])
            if len(items) == 1 and "String" in items[0]:
                body, at = items[0]["String"]["sval"], elem.get("arg_location", -1)
    if language not in ("plpgsql", "sql") or body is None:
        return None
    return body, at, routine, language


def _sql_body_hazards(body: str, stmt: Statement) -> Iterator[tuple[int, Hazard]]:
    """(body line, hazard) for the statements of a ``LANGUAGE sql`` body (plain SQL)."""
    try:
        raw = pgparser.parse_sql_json(body)
        if not _may_hold_hazard(raw):
            return
        stmts = json_loads(raw).get("stmts") or []
    except (pgparser.ParseError, ValueError):
        return  # an invalid body fails at CREATE time
    encoded = body.encode("utf-8")
    for raw in stmts:
        node = raw.get("stmt") or {}
        if len(node) != 1:
            continue
        line = encoded.count(b"\n", 0, raw.get("stmt_location", 0)) + 1
        ((kind, tree),) = node.items()
        for hazard in _statement_hazards(kind, tree, stmt, via_execute=False):
            yield line, hazard


def _hazards(tree: Any, stmt: Statement) -> Iterator[tuple[int, Hazard]]:
    """(body line, hazard) for every statement of the PL/pgSQL tree that leaves session state."""
    # only dicts and lists are pushed: a scalar holds no statement (JSON gives exact dicts and lists)
    stack: list[tuple[Any, int]] = [(tree, 1)] if type(tree) in (dict, list) else []
    while stack:
        item, lineno = stack.pop()
        if type(item) is list:
            stack.extend((child, lineno) for child in reversed(item) if type(child) in (dict, list))
            continue
        for key, value in item.items():
            if type(value) is not dict:
                if type(value) is list:
                    stack.append((value, lineno))
                continue
            line = value.get("lineno", lineno)
            if key == "PLpgSQL_stmt_dynexecute":
                for hazard in _dynamic(value.get("query", {}).get("PLpgSQL_expr", {}), stmt):
                    yield line, hazard
                rest = {k: v for k, v in value.items() if k != "query"}
                stack.append((rest, line))
            elif key == "PLpgSQL_expr":
                for hazard in _expression_hazards(value, stmt):
                    yield line, hazard
            else:
                stack.append((value, line))


def _parse_expr(expr: dict, only_hazards: bool = False) -> Optional[dict]:
    """The SQL statement tree of a PL/pgSQL expression, or None; with ``only_hazards``, also None
    when the tree holds nothing ``_statement_hazards`` reports (not decoded then)."""
    query, mode = expr.get("query", ""), expr.get("parseMode", 0)
    if mode == _EXPRESSION:
        query = "SELECT " + query
    elif mode in _ASSIGNMENTS:  # "target := expression"
        try:
            tokens = pgparser.scan(query)
        except pgparser.ParseError:
            return None
        assign = next((t for t in tokens if t.name in ("COLON_EQUALS", "ASCII_61")), None)
        if assign is None:
            return None
        query = "SELECT " + query[assign.end + 1:]
    elif mode != _STATEMENT:
        return None
    try:
        raw = pgparser.parse_sql_json(query)
        if only_hazards and not _may_hold_hazard(raw):
            return None
        stmts = json_loads(raw).get("stmts") or []
    except (pgparser.ParseError, ValueError):
        return None
    return stmts[0].get("stmt") if len(stmts) == 1 else None


#: node types ``_statement_hazards`` reports, as the parser's JSON writes them
_HAZARD_NODES = ('"VariableSetStmt"', '"LoadStmt"', '"ListenStmt"')
#: the functions ``_statement_hazards`` reports (by lower-cased name)
_HAZARD_CALLS = ("set_config", *sorted(LOCKING_FUNCTIONS), *_UNLOCK_FUNCTIONS)


def _may_hold_hazard(raw: str) -> bool:
    """False when the parser's JSON of a statement (``raw``) cannot hold a hazard: no node type
    ``_statement_hazards`` reports, no call of one of its functions.  Exact, not a guess: JSON
    escapes no character of those names, and a name lower-cases character by character, so
    the lower-cased name of such a call is in ``raw.lower()``."""
    if any(node in raw for node in _HAZARD_NODES):
        return True
    if '"FuncCall"' not in raw:
        return False
    lowered = raw.lower()
    return any(name in lowered for name in _HAZARD_CALLS)


#: an expression can only be a hazard if its text has one of these (SET and set_config,
#: LISTEN, LOAD, advisory locks), or an escape that could spell one in a string (E'\\123', U&'\\0053')
_HAZARD_WORDS = ("set", "listen", "advisory", "load", "\\", "uescape")
_HAZARD_TEXT = lazy_re("|".join(map(re.escape, _HAZARD_WORDS)), re.IGNORECASE)
#: of those, the keywords: a hazard only where they stand as a word (not in ``offset``, ``setof``,
#: ``reset``, ``download``), in the body or in a string an EXECUTE runs
_HAZARD_KEYWORDS = ("set", "listen", "load")
#: what continues a word around a keyword: letters, digits, ``_``.  ``$`` does not: ``$$SET x = 1$$``
#: is a keyword in a string (``a$set``, one name, then passes too, which only costs a parse)
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def _may_spell_hazard(text: str) -> bool:
    """Whether ``text`` may hold a hazard: a keyword of ``_HAZARD_KEYWORDS`` standing as a word,
    or one of the other ``_HAZARD_WORDS`` anywhere.  An ASCII text is lowered and searched with
    ``find`` (a case-blind regex stops at every character); any other text with ``_HAZARD_TEXT``,
    words or not."""
    if not text.isascii():
        return _HAZARD_TEXT.search(text) is not None
    lowered = text.lower()
    if "advisory" in lowered or "\\" in lowered or "uescape" in lowered or "set_config" in lowered:
        return True
    for word in _HAZARD_KEYWORDS:
        if nodes.stands_as_word(lowered, word, _WORD_CHARS, _WORD_CHARS):
            return True
    return False


def _may_be_hazard(expr: dict, stmt: Statement) -> bool:
    """False when the expression cannot be a hazard: it is then not parsed (the gate's job,
    off with ``--no-gate``)."""
    return not stmt.context.gated or _may_spell_hazard(expr.get("query", ""))


def _expression_hazards(expr: dict, stmt: Statement, via_execute: bool = False) -> Iterator[Hazard]:
    if not _may_be_hazard(expr, stmt):
        return
    node = _parse_expr(expr, only_hazards=True)
    if node is None:
        return
    ((kind, body),) = node.items()
    yield from _statement_hazards(kind, body, stmt, via_execute)


def _dynamic(expr: dict, stmt: Statement) -> Iterator[Hazard]:
    """EXECUTE 'literal': the literal is a statement we can read; anything else is unknown."""
    if not _may_be_hazard(expr, stmt):
        return
    node = _parse_expr({"query": expr.get("query", ""), "parseMode": _EXPRESSION})
    if node is None:
        return
    targets = node.get("SelectStmt", {}).get("targetList", [])
    if len(targets) != 1:
        return
    literal = nodes.const_value(targets[0].get("ResTarget", {}).get("val"))
    if not isinstance(literal, str):
        return
    yield from _expression_hazards({"query": literal, "parseMode": _STATEMENT}, stmt, via_execute=True)


def _statement_hazards(kind: str, body: dict, stmt: Statement, via_execute: bool) -> Iterator[Hazard]:
    def token(name: str) -> str:
        return "EXECUTE" if via_execute else name

    prefix = "`EXECUTE` of " if via_execute else ""
    if kind == "VariableSetStmt" and not body.get("is_local") and body.get("kind", "").startswith("VAR_SET"):
        name = (body.get("name") or "").lower()
        if (name and name not in TRANSACTION_PARAMETERS and name != "transaction" and not is_tracked(stmt, name)
                and is_parameter(name)):
            scope = "role" if name in ROLE_PARAMETERS else name
            yield Hazard(token("SET"), f"{prefix}`SET {scope}`", "changes the setting for the whole server session",
                         f"Use `SET LOCAL {scope} ...`: it ends with the transaction. A function-level `SET` clause "
                         "scopes SET LOCAL to the call but not a plain SET (PostgreSQL CREATE FUNCTION docs).")
        return
    if kind == "LoadStmt":
        library = body.get("filename", "")
        yield Hazard(token("LOAD"), f"{prefix}`LOAD '{library}'`",
                     "loads the library into the server session (it stays, hooks and settings with it)",
                     f"Preload it: `ALTER ROLE CURRENT_USER SET session_preload_libraries = '{library}'` (once, over a "
                     "direct connection) or `shared_preload_libraries`.")
        return
    if kind == "ListenStmt":
        yield Hazard(token("LISTEN"), f"{prefix}`LISTEN {body.get('conditionname', '')}`",
                     "registers the server connection, not your client, for notifications",
                     "Run LISTEN over a direct (non-pooled) or session-mode connection.")
        return
    part = nodes.executed_part(kind, body)
    if part is None:
        return
    for call in nodes.func_calls(part):
        if call.schema not in (None, "pg_catalog"):
            continue
        if call.name == "set_config" and len(call.args) == 3:
            if nodes.as_bool(nodes.const_value(call.args[2])) is not False:
                continue
            parameter = nodes.const_value(call.args[0])
            if isinstance(parameter, str) and is_tracked(stmt, parameter):
                continue
            shown = parameter if isinstance(parameter, str) else "a setting"
            yield Hazard(token(call.name), f"{prefix}`set_config('{shown}', ..., false)`",
                         "sets it for the whole server session",
                         "Pass `true` as the third argument (is_local): the setting then ends with the transaction.")
        elif call.name in LOCKING_FUNCTIONS:
            unlock = "pg_advisory_unlock_shared" if call.name.endswith("_shared") else "pg_advisory_unlock"
            yield Hazard(token(call.name), f"{prefix}`{call.name}(...)`",
                         "takes a session-level advisory lock held by the server connection past COMMIT",
                         f"Use `{SESSION_LOCK_FUNCTIONS[call.name]}(...)`: it is released at COMMIT or ROLLBACK.",
                         lock_key=_lock_key(unlock, call.args))
        elif call.name in _UNLOCK_FUNCTIONS:
            key = "*" if call.name == "pg_advisory_unlock_all" else _lock_key(call.name, call.args)
            yield Hazard("", "", "", "", releases=key)


def _lock_key(function: str, args: tuple) -> str:
    """The same key for a lock call and the unlock call that releases it (arguments without locations)."""
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "location"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return function + json.dumps(strip(list(args)), sort_keys=True)


class _Locator:
    """Body offsets → offsets in the linted text, and a body line → the flagged token on it."""

    def __init__(self, stmt: Statement, body: str, literal_byte_at: int) -> None:
        self.stmt = stmt
        self.body = body
        text = stmt.context.text
        self.literal_start = stmt.offset(literal_byte_at) if literal_byte_at >= 0 else stmt.start
        self.exact = True
        if text.startswith("$", self.literal_start):
            tag_end = text.find("$", self.literal_start + 1)
            self.content_start = tag_end + 1
            self.doubled_quotes = False
        elif text.startswith("'", self.literal_start):
            self.content_start = self.literal_start + 1
            self.doubled_quotes = True
        else:  # E'...', U&'...': escapes may move text, only the literal's start is sure
            self.content_start = self.literal_start
            self.doubled_quotes = False
            self.exact = False
        self.line_starts = [0] + [i + 1 for i, c in enumerate(body) if c == "\n"]
        try:
            self.tokens = pgparser.scan(body)
        except pgparser.ParseError:
            self.tokens = []
        self.used: set[int] = set()

    def to_text(self, body_offset: int) -> int:
        if not self.exact:
            return self.literal_start
        if not self.doubled_quotes:
            return self.content_start + body_offset
        # in '...' every quote of the body is written twice
        return self.content_start + body_offset + self.body.count("'", 0, body_offset)

    def find(self, lineno: int, target: str) -> int:
        line_start = self.line_starts[min(max(lineno, 1), len(self.line_starts)) - 1]
        for i, tok in enumerate(self.tokens):
            if tok.start < line_start or i in self.used:
                continue
            word = self.body[tok.start:tok.end + 1]
            if tok.name == target or (tok.name == "IDENT" and word.strip('"').lower() == target):
                self.used.add(i)
                start = tok.start
                # point at a qualified name from its schema: pg_catalog.pg_advisory_lock
                if i >= 2 and self.tokens[i - 1].name == "ASCII_46" and self.tokens[i - 2].name == "IDENT":
                    start = self.tokens[i - 2].start
                return self.to_text(start)
        stripped = len(self.body[line_start:]) - len(self.body[line_start:].lstrip(" \t"))
        return self.to_text(line_start + stripped)

    def token_end(self, start: int) -> int:
        text = self.stmt.context.text
        end = start
        while end < self.stmt.end and (text[end].isalnum() or text[end] in "_."):
            end += 1
        return max(end, start + 1)
