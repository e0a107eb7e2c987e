"""PGB002 listen: LISTEN / UNLISTEN register the server connection, not the client."""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding
from ..fix.edits import ended_by_prepare_transaction
from ..sql.statement import Statement

CODE = "PGB002"
FIRST_WORDS = ("listen", "unlisten")
STATEMENT_KINDS = ("ListenStmt", "UnlistenStmt")


def check(stmt: Statement) -> Iterator[Finding]:
    if stmt.rolled_back:
        return  # LISTEN takes effect at commit: a rolled-back one registers nothing
    if ended_by_prepare_transaction(stmt):
        return  # PREPARE TRANSACTION refuses a block with LISTEN/UNLISTEN and rolls it back
    channel = stmt.as_written(stmt.body.get("conditionname") or "")  # a placeholder: as written
    if stmt.kind == "ListenStmt":
        yield stmt.finding(
            CODE,
            f"`LISTEN {channel}` registers the server connection, not your client: after this transaction "
            "the pooler may give you another connection, so notifications never reach you and may reach "
            "another client",
            "Run LISTEN over a direct (non-pooled) or session-mode connection, or poll instead; "
            "NOTIFY and pg_notify() are fine through the pooler.",
        )
    else:
        yield stmt.finding(
            CODE,
            f"`UNLISTEN {channel or '*'}` acts on whichever server connection this transaction runs on: it cannot "
            "undo your LISTEN, and may stop another client's",
            "Keep LISTEN/UNLISTEN on one direct (non-pooled) or session-mode connection.",
        )
