"""PGB004 sql-prepare: SQL-level PREPARE / EXECUTE / DEALLOCATE."""

from __future__ import annotations

from typing import Iterator

from ..statement import Finding, Statement

CODE = "PGB004"
FIRST_WORDS = ("prepare", "execute", "deallocate")
SUBSTRINGS = ("execute",)  # EXPLAIN EXECUTE p, CREATE TABLE t AS EXECUTE p

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
            _HELP,
        )
    elif kind == "DeallocateStmt":
        target = "ALL" if body.get("isall") else body.get("name", "")
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
                _HELP,
            )


def _execute_of(kind: str, body: dict) -> dict | None:
    if kind == "ExecuteStmt":
        return body
    if kind in ("ExplainStmt", "CreateTableAsStmt"):
        return body.get("query", {}).get("ExecuteStmt")
    return None
