"""PGB011 no-effect-outside-transaction: transaction-scoped statements run on their own."""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding
from ..sql import nodes
from ..sql.dispatch import may_call
from ..sql.gate import needles
from ..sql.statement import Statement

CODE = "PGB011"
FIRST_WORDS = ("set",)
SUBSTRINGS = ("set_config", "advisory_xact", "temp")

XACT_LOCK_FUNCTIONS = frozenset({"pg_advisory_xact_lock", "pg_advisory_xact_lock_shared",
                                 "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared"})
#: SET LOCAL; CREATE TEMP TABLE ... ON COMMIT DROP (also AS SELECT); set_config(..., true), xact locks
STATEMENT_KINDS = ("VariableSetStmt", "CreateStmt", "CreateTableAsStmt")
FUNCTIONS = ("set_config", *sorted(XACT_LOCK_FUNCTIONS))
_NEEDLES = needles(FUNCTIONS)
_HELP = ("Put it inside BEGIN ... COMMIT with the statements it is for; if your migration tool runs each file "
         "in a transaction, set `migration-tool` or `assume-in-transaction = true`.")


def may_flag(text: str) -> bool:
    """The gate's finer look at a statement only SUBSTRINGS let through: a transaction-scoped call,
    or a temporary table (``template`` or ``attempt`` creates none)."""
    lowered = text.lower()
    return "set_config" in lowered or "advisory_xact" in lowered or nodes.may_be_temporary(text)


def check(stmt: Statement) -> Iterator[Finding]:
    if stmt.in_transaction:
        return
    kind, body = stmt.kind, stmt.body
    if kind == "VariableSetStmt" and body.get("is_local"):
        yield stmt.finding(
            CODE,
            f"`{stmt.snippet(60)}` outside a transaction block does nothing (PostgreSQL: `SET LOCAL can only be "
            "used in transaction blocks`): the setting ends with this one-statement transaction",
            _HELP,
        )
        return
    if _drops_at_once(stmt):
        name = (body.get("relation") or body.get("into", {}).get("rel") or {}).get("relname", "")
        yield stmt.finding(
            CODE,
            f"The temporary table `{name}` is ON COMMIT DROP but created outside a transaction block: it is "
            "dropped as soon as this statement commits, so later statements cannot use it",
            _HELP,
        )
        return
    if not may_call(stmt, _NEEDLES):  # CREATE TABLE AS that calls none of them: its tree is not walked
        return
    for call in stmt.executed_calls():
        if call.schema not in (None, "pg_catalog"):
            continue
        if call.name == "set_config" and len(call.args) == 3 and nodes.as_bool(nodes.const_value(call.args[2])) is True:
            yield stmt.call_finding(
                CODE, call,
                "`set_config(..., true)` outside a transaction block sets the value only until this statement "
                "ends: later statements do not see it",
                _HELP,
            )
        elif call.name in XACT_LOCK_FUNCTIONS:
            yield stmt.call_finding(
                CODE, call,
                f"`{call.name}` outside a transaction block releases the lock as soon as this statement ends: "
                "it protects nothing after it",
                _HELP,
            )


def _drops_at_once(stmt: Statement) -> bool:
    if stmt.kind == "CreateStmt":
        return nodes.is_temporary(stmt.body.get("relation")) and stmt.body.get("oncommit") == "ONCOMMIT_DROP"
    if stmt.kind == "CreateTableAsStmt":
        into = stmt.body.get("into", {})
        return nodes.is_temporary(into.get("rel")) and into.get("onCommit") == "ONCOMMIT_DROP"
    return False
