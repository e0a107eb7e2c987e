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
    channel = stmt.body.get("conditionname")
    written = stmt.snippet(60)
    if channel and not channel.strip("_"):  # a placeholder or interpolated name: quote it as written
        channel = None
    if stmt.kind == "ListenStmt":
        yield stmt.finding(
            CODE,
            f"`{f'LISTEN {channel}' if channel else written}` registers the server connection, not your client: after this transaction "
            "the pooler may give you another connection, so notifications never reach you and may reach "
            "another client",
            "Run LISTEN over a direct (non-pooled) or session-mode connection, or poll instead; "
            "NOTIFY and pg_notify() are fine through the pooler.",
        )
    else:
        target = f"UNLISTEN {channel or '*'}" if channel or stmt.body.get("conditionname") is None else written
        yield stmt.finding(
            CODE,
            f"`{target}` acts on whichever server connection this transaction runs on: it cannot "
            "undo your LISTEN, and may stop another client's",
            "Keep LISTEN/UNLISTEN on one direct (non-pooled) or session-mode connection.",
        )
