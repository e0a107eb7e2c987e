"""PGB007 session-advisory-lock: pg_advisory_lock and friends hold the lock past COMMIT."""

from __future__ import annotations

import json
from collections import deque
from typing import TYPE_CHECKING, Iterator, Optional

from ..core.diagnostics import Fix
from ..core.findings import Finding
from ..fix import edits
from ..fix.suggest import call_source
from ..sql import nodes
from ..sql.dispatch import may_call
from ..sql.gate import needles
from ..sql.statement import Statement

if TYPE_CHECKING:  # pragma: no cover
    from ..sql.statement import LintContext

CODE = "PGB007"
SUBSTRINGS = ("advisory",)

#: session-level function -> its transaction-level replacement (None: no counterpart)
SESSION_LOCK_FUNCTIONS = {
    "pg_advisory_lock": "pg_advisory_xact_lock",
    "pg_advisory_lock_shared": "pg_advisory_xact_lock_shared",
    "pg_try_advisory_lock": "pg_try_advisory_xact_lock",
    "pg_try_advisory_lock_shared": "pg_try_advisory_xact_lock_shared",
    "pg_advisory_unlock": None,
    "pg_advisory_unlock_shared": None,
    "pg_advisory_unlock_all": None,
}
_LOCK_NEEDLES = needles(SESSION_LOCK_FUNCTIONS)
#: unlock function -> the lock functions whose lock it releases
UNLOCKS = {
    "pg_advisory_unlock": ("pg_advisory_lock", "pg_try_advisory_lock"),
    "pg_advisory_unlock_shared": ("pg_advisory_lock_shared", "pg_try_advisory_lock_shared"),
}
#: node types an argument may consist of for two calls to name the same key for sure
_CONSTANT_NODES = frozenset({"A_Const", "TypeCast", "TypeName", "String", "A_Expr", "Integer", "Float", "FuncCall"})
#: functions whose value may differ between the lock and the unlock
_VOLATILE = frozenset({"random", "nextval", "currval", "lastval", "setval", "clock_timestamp", "timeofday",
                       "statement_timestamp", "now", "transaction_timestamp", "gen_random_uuid", "uuid_generate_v4",
                       "txid_current", "pg_current_xact_id", "current_setting", "pg_backend_pid"})


def check_file(ctx: "LintContext") -> Iterator[Finding]:
    """Every session-level lock call, with a fix that depends on the rest of the file: a lock
    whose unlock runs later in the same transaction can become a transaction-level lock."""
    calls: list[tuple[Statement, nodes.FuncCall]] = [
        (stmt, call)
        for stmt in ctx.statements
        if may_call(stmt, _LOCK_NEEDLES)  # most statements: their trees are not walked
        for call in stmt.executed_calls()
        if call.name in SESSION_LOCK_FUNCTIONS and call.schema in (None, "pg_catalog")
    ]
    unlock_of = _pair_locks(calls)
    lock_of = {u: lock for lock, u in unlock_of.items()}
    fixes: dict[int, Fix] = {}
    for i, (stmt, call) in enumerate(calls):
        replacement = SESSION_LOCK_FUNCTIONS[call.name]
        if replacement is not None:
            fixes[i] = _lock_fix(stmt, call, replacement, calls[unlock_of[i]] if i in unlock_of else None)
    for i, (stmt, call) in enumerate(calls):
        finding = stmt.call_finding(CODE, call, "", "")
        _describe(stmt, call, finding)
        if i in fixes:
            finding.fix = fixes[i]
        elif i in lock_of:  # the unlock goes away with its lock's fix
            finding.fix = fixes.get(lock_of[i])
            finding.help = ("Its lock can be a transaction-level lock released at COMMIT or ROLLBACK: then this "
                            "unlock goes away (the fix does both).")
        yield finding


def _pair_locks(calls: list[tuple[Statement, nodes.FuncCall]]) -> dict[int, int]:
    """lock index -> index of the unlock that releases it later in the same transaction.

    Only an unlock that is a statement of its own (``SELECT pg_advisory_unlock(k);``) pairs,
    so it can be deleted, and only with a lock of the same kind and the very same constant key.
    """
    unlock_for = {lock: unlock for unlock, locks in UNLOCKS.items() for lock in locks}
    rolled_back_to = _transactions_with_rollback_to(calls[0][0].context) if calls else set()
    waiting: dict[tuple, deque[tuple[int, Statement]]] = {}  # unpaired locks by (transaction, unlock, key)
    pairs: dict[int, int] = {}
    for i, (stmt, call) in enumerate(calls):
        tid = edits.transaction_id(stmt)
        if tid is None or tid in rolled_back_to or not edits.transaction_is_known(stmt) or not _constant(call.args):
            continue
        key = json.dumps(edits.strip_locations(list(call.args)), sort_keys=True)
        if call.name in unlock_for:
            waiting.setdefault((tid, unlock_for[call.name], key), deque()).append((i, stmt))
        elif call.name in UNLOCKS and _standalone(stmt, call):
            queue = waiting.get((tid, call.name, key))
            if queue and queue[0][1] is not stmt:
                pairs[queue.popleft()[0]] = i
    return pairs


def _lock_fix(stmt: Statement, call: nodes.FuncCall, replacement: str,
              unlock: Optional[tuple[Statement, nodes.FuncCall]]) -> Optional[Fix]:
    parts = edits.call_parts(stmt, call)
    if parts is None:
        return None
    written = stmt.context.text[parts[0].start:parts[0].end]
    rename = edits.replace(parts[0].start, parts[0].end, replacement.upper() if written.isupper() else replacement)
    if unlock is not None:
        ustmt = unlock[0]
        removal = edits.statement_removal(stmt.context.text, ustmt.start, ustmt.end)
        return edits.make_fix(edits.SAFE, f"Use `{replacement}` and drop the unlock: the lock is released at "
                              "COMMIT or ROLLBACK", rename, removal)
    if stmt.in_transaction:
        # without a matching unlock in this transaction the lock now ends earlier or later
        return edits.make_fix(edits.UNSAFE, f"Use `{replacement}`: the lock is held until the transaction ends",
                              rename)
    return edits.make_fix(edits.DISPLAY_ONLY, f"Inside BEGIN ... COMMIT, use `{replacement}`", rename)


def _standalone(stmt: Statement, call: nodes.FuncCall) -> bool:
    """``SELECT f(...)`` and nothing else: the statement can be deleted with the call."""
    if stmt.kind != "SelectStmt" or set(stmt.body) - {"targetList", "limitOption", "op"}:
        return False
    targets = stmt.body.get("targetList") or []
    return len(targets) == 1 and targets[0].get("ResTarget", {}).get("val", {}).get("FuncCall") is call.body


def _constant(args) -> bool:
    """The same expression gives the same key at the lock and at the unlock: constants, and
    functions of constants (``hashtext('migrations')``) that are not volatile."""
    return bool(args) and all(
        kind in _CONSTANT_NODES and (kind != "FuncCall" or (nodes.strings(body.get("funcname")) or [""])[-1].lower()
                                     not in _VOLATILE)
        for arg in args for kind, body in nodes.walk(arg))


def _transactions_with_rollback_to(ctx: "LintContext") -> set:
    """Transactions with a ROLLBACK TO SAVEPOINT: it releases transaction-level locks taken
    after the savepoint, but not session-level ones, so the fix is not safe there."""
    return {edits.transaction_id(s) for s in ctx.statements
            if s.kind == "TransactionStmt" and s.body.get("kind") == "TRANS_STMT_ROLLBACK_TO"}


def _describe(stmt: Statement, call: nodes.FuncCall, finding: Finding) -> None:
    """The message and help of one call's finding, quoting the call as written."""
    written = call_source(stmt, finding.start, finding.end)
    replacement = SESSION_LOCK_FUNCTIONS[call.name]
    if replacement is not None:
        args = written[written.find("("):] if "(" in written else "(...)"
        finding.message = (
            f"`{written}` takes a session-level advisory lock: it is held by the server connection after "
            "COMMIT, so your unlock may run on another connection and fail, and the lock blocks everyone "
            "until that connection closes"
        )
        finding.help = (
            f"Use `{replacement}{args}` inside the transaction: it is released at COMMIT or ROLLBACK, "
            "with no unlock; or take the lock over a direct (non-pooled) connection."
        )
    else:
        finding.message = (
            f"`{written}` releases session-level advisory locks of whichever server connection this "
            "transaction runs on: not necessarily the one holding your lock, and possibly another client's"
        )
        finding.help = (
            "Take the lock with `pg_advisory_xact_lock(...)` inside the transaction and drop the unlock: "
            "transaction-level locks are released at COMMIT or ROLLBACK."
        )
