"""PGB010 sequence-session-state: lastval() and currval() read the session's last nextval()."""

from __future__ import annotations

from typing import Iterator, Optional

from ..core.findings import Finding
from ..sql import nodes
from ..sql.statement import Statement

CODE = "PGB010"
SUBSTRINGS = ("currval", "lastval", "nextval")
FUNCTIONS = ("lastval", "currval")


def _sequence(call: nodes.FuncCall) -> Optional[str]:
    """The sequence a currval/nextval call names, normalised, or None when not a constant."""
    if len(call.args) != 1:
        return None
    name = nodes.const_value(call.args[0])
    return name.replace('"', "").lower() if isinstance(name, str) else None


def _sequence_calls(stmt: Statement, name: str) -> list[nodes.FuncCall]:
    return [c for c in stmt.executed_calls() if c.name == name and c.schema in (None, "pg_catalog")]


def _same_transaction(earlier: Statement, stmt: Statement) -> bool:
    """Whether ``earlier`` runs in the same transaction as ``stmt`` (same connection, surely)."""
    if stmt.in_explicit_transaction:
        return earlier.block_start == stmt.block_start and earlier.in_explicit_transaction
    # a file that runs inside one transaction: everything outside explicit blocks shares it
    return stmt.context.assume_in_transaction and not earlier.in_explicit_transaction


def _advanced_before(stmt: Statement, sequence: str, location: int) -> bool:
    """A nextval(sequence) earlier in this statement or earlier in the same transaction."""
    for call in _sequence_calls(stmt, "nextval"):
        if _sequence(call) == sequence and call.location < location:
            return True
    for earlier in stmt.context.statements:
        if earlier.index >= stmt.index:
            break
        if _same_transaction(earlier, stmt) and not earlier.rolled_back:
            if any(_sequence(c) == sequence for c in _sequence_calls(earlier, "nextval")):
                return True
    return False


def check(stmt: Statement) -> Iterator[Finding]:
    for call in stmt.executed_calls():
        if call.schema not in (None, "pg_catalog"):
            continue
        if call.name == "lastval" and not call.args:
            yield stmt.call_finding(
                CODE, call,
                "`lastval()` returns the last nextval() of the server session: under transaction pooling that "
                "may have run on another connection, for another client, or never",
                "Use `INSERT ... RETURNING id` (or `nextval()` and use its result) in the same statement.",
            )
        elif call.name == "currval":
            sequence = _sequence(call)
            if sequence is not None and _advanced_before(stmt, sequence, call.location):
                continue
            shown = f"currval('{sequence}')" if sequence else "currval(...)"
            yield stmt.call_finding(
                CODE, call,
                f"`{shown}` reads the session's last nextval() of the sequence, and no nextval() of it runs "
                "earlier in this transaction: under transaction pooling it may have run on another server "
                "connection (`currval of sequence ... is not yet defined in this session`) or for another client",
                "Use `INSERT ... RETURNING id`, or call nextval() in the same transaction (BEGIN ... COMMIT) "
                "before currval().",
            )
