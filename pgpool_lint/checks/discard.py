"""PGB013 discard: DISCARD acts on whichever server connection the pooler picked."""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding
from ..sql.statement import Statement

CODE = "PGB013"
FIRST_WORDS = ("discard",)
STATEMENT_KINDS = ("DiscardStmt",)

_WHAT = {
    "DISCARD_ALL": ("ALL", "resets every piece of session state (settings, prepared statements, temporary tables, "
                    "advisory locks, LISTEN registrations)"),
    "DISCARD_SEQUENCES": ("SEQUENCES", "forgets the sequence state currval()/lastval() read"),
    "DISCARD_TEMP": ("TEMP", "drops the temporary tables"),
}


def check(stmt: Statement) -> Iterator[Finding]:
    target = stmt.body.get("target", "DISCARD_ALL")
    if target not in _WHAT:
        return  # DISCARD PLANS: cached plans are rebuilt on demand; nothing a client can observe is lost
    word, effect = _WHAT[target]
    message = (f"`DISCARD {word}` {effect} of whichever server connection this transaction runs on: not "
               "necessarily the one your earlier transactions used, and possibly state another client relies on")
    if word == "ALL" and stmt.in_transaction:
        message += "; and DISCARD ALL cannot run inside a transaction block (it fails here)"
    yield stmt.finding(
        CODE, message,
        "Leave resetting server connections to the pooler (PgBouncer's server_reset_query); do not rely on "
        "session state you would need to discard.",
    )
