"""PGB007 session-advisory-lock: pg_advisory_lock and friends hold the lock past COMMIT."""

from __future__ import annotations

from typing import Iterator

from ..statement import Finding, Statement
from ..suggest import call_source

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


def check(stmt: Statement) -> Iterator[Finding]:
    for call in stmt.executed_calls():
        if call.name not in SESSION_LOCK_FUNCTIONS or call.schema not in (None, "pg_catalog"):
            continue
        finding = stmt.call_finding(CODE, call, "", "")
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
        yield finding
