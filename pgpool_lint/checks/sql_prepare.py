"""PGB004 sql-prepare: SQL-level PREPARE / EXECUTE / DEALLOCATE."""

from __future__ import annotations

import bisect
import re
from typing import Iterator

from ..core.cache import SHORT_TEXT, ClearingCache
from ..core.findings import Finding
from ..core.lazyre import lazy_re
from ..fix import edits
from ..sql.statement import Statement

CODE = "PGB004"
FIRST_WORDS = ("prepare", "execute", "deallocate")
SUBSTRINGS = ("execute",)  # EXPLAIN EXECUTE p, CREATE TABLE t AS EXECUTE p
STATEMENT_KINDS = ("PrepareStmt", "DeallocateStmt", "ExecuteStmt", "ExplainStmt", "CreateTableAsStmt")


def may_flag(text: str) -> bool:
    """The gate's finer look at a statement only ``execute`` let through: the EXECUTE of a prepared
    statement inside another statement is ``EXPLAIN ... EXECUTE p`` or ``CREATE [TEMP] TABLE t AS
    EXECUTE p`` (not ``CREATE TRIGGER ... EXECUTE FUNCTION``, ``GRANT EXECUTE``, a function body)."""
    return _EXPLAIN_OR_CREATE_TABLE.match(text) is not None


#: how EXPLAIN and CREATE TABLE AS start (keywords fold ASCII case only; a comment between the words: maybe)
_EXPLAIN_OR_CREATE_TABLE = lazy_re(r"explain|create\s*(?:/\*|--)|create\s+(?:table|temp|temporary|local|global|unlogged)"
                                   r"(?![a-z0-9_$])", re.IGNORECASE | re.ASCII)

_HELP = (
    "Use your driver's protocol-level prepared statements (PgBouncer ≥ 1.21 with max_prepared_statements > 0 "
    "tracks them per client), or send the query itself; SQL-level PREPARE only works over a direct connection."
)


def check(stmt: Statement) -> Iterator[Finding]:
    kind, body = stmt.kind, stmt.body
    if kind == "PrepareStmt":
        name = body.get("name", "")
        yield stmt.finding(
            CODE,
            f"`PREPARE {name}` creates the statement on this server connection only: a later `EXECUTE {name}` may "
            f"run on another connection (`prepared statement \"{name}\" does not exist`), and another client may "
            f"collide with it (`prepared statement \"{name}\" already exists`)",
            _concrete_help(prepared_query(stmt)),
        )
    elif kind == "DeallocateStmt":
        target = "ALL" if body.get("isall") else stmt.as_written(body.get("name", ""))
        yield stmt.finding(
            CODE,
            f"`DEALLOCATE {target}` acts on whichever server connection this transaction runs on: it may not "
            "find your statement, and may drop another client's",
            _HELP,
        )
    else:
        executed = _execute_of(kind, body)
        if executed is not None:
            name = executed.get("name", "")
            yield stmt.finding(
                CODE,
                f"`EXECUTE {name}` runs a SQL-level prepared statement, which exists only on the server connection "
                f"where PREPARE ran: here it may fail with `prepared statement \"{name}\" does not exist`",
                _concrete_help(_query_prepared_as(stmt, name), _execute_values(stmt) if executed.get("params") else None),
            )


def _query_prepared_as(stmt: Statement, name: str) -> str | None:
    """The query of the last ``PREPARE name`` before ``stmt`` in the same text."""
    prepares = stmt.context.once("sql_prepare.prepares", lambda: _prepares(stmt.context.statements))
    indexes, statements = prepares.get(name, ((), ()))
    before = bisect.bisect_left(indexes, stmt.index)
    return prepared_query(statements[before - 1]) if before else None


def _prepares(statements: list[Statement]) -> dict[str, tuple[list[int], list[Statement]]]:
    """name -> (indexes, statements) of the PREPAREs of that name, in text order."""
    prepares: dict[str, tuple[list[int], list[Statement]]] = {}
    for other in statements:
        if other.kind == "PrepareStmt":
            indexes, found = prepares.setdefault(other.body.get("name"), ([], []))
            indexes.append(other.index)
            found.append(other)
    return prepares


def _execute_values(stmt: Statement) -> str | None:
    """``1, 'x'`` of ``EXECUTE name(1, 'x')`` as written (asked only when the EXECUTE has
    parameters: PostgreSQL has no ``EXECUTE name()``).  Made of the statement's own text, so
    kept by text: a test suite runs the same EXECUTE again and again (3 in 5 on the corpus)."""
    if len(stmt.text) > SHORT_TEXT:
        return _scanned_execute_values(stmt)
    return _VALUES.get_or_remember((stmt.text, stmt.source), lambda: _scanned_execute_values(stmt))


#: the values of the short EXECUTE statements seen last, by text (see ``_execute_values``)
_VALUES = ClearingCache(256)


def _scanned_execute_values(stmt: Statement) -> str | None:
    if "(" not in stmt.text:
        return None  # no parenthesis token: not scanned
    tokens = edits.statement_tokens(stmt)
    at = next((i for i, tok in enumerate(tokens) if tok.name == "EXECUTE"), None)
    if at is None or at + 2 >= len(tokens) or tokens[at + 2].name != "ASCII_40":
        return None
    depth = 0
    for tok in tokens[at + 2:]:
        depth += {"ASCII_40": 1, "ASCII_41": -1}.get(tok.name, 0)
        if depth == 0:
            return " ".join(stmt.context.text[tokens[at + 2].end:tok.start].split()) or None
    return None


def _execute_of(kind: str, body: dict) -> dict | None:
    if kind == "ExecuteStmt":
        return body
    if kind in ("ExplainStmt", "CreateTableAsStmt"):
        return body.get("query", {}).get("ExecuteStmt")
    return None


def prepared_query(stmt: Statement) -> str | None:
    """The query of ``PREPARE name [(types)] AS <query>`` as written, on one line (read once
    per statement: every ``EXECUTE name`` after it quotes it)."""
    return stmt.context.once_per("sql_prepare.queries", stmt.start, lambda: _prepared_query(stmt))


def _prepared_query(stmt: Statement) -> str | None:
    tokens = edits.statement_tokens(stmt)
    as_index = next((i for i, tok in edits.top_level(tokens) if tok.name == "AS"), None)
    if as_index is None or as_index + 1 >= len(tokens):
        return None
    return " ".join(stmt.context.text[tokens[as_index + 1].start:tokens[-1].end].split())


def _concrete_help(query: str | None, values: str | None = None) -> str:
    if query is None:
        return _HELP
    with_values = f" with the values `{values}` as its parameters" if values else ""
    return (f"Send the query itself, `{query}`,{with_values} through your driver: its protocol-level prepared "
            "statements are tracked per client by PgBouncer ≥ 1.21 (max_prepared_statements > 0); SQL-level "
            "PREPARE only works over a direct connection.")
