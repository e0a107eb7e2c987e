"""PGB009 statement-mode-transaction: transaction blocks under statement pooling."""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding
from ..sql.statement import Statement

CODE = "PGB009"
FIRST_WORDS = ("begin", "start", "commit", "end")
STATEMENT_KINDS = ("TransactionStmt",)

_OPENS_BLOCK = ("TRANS_STMT_BEGIN", "TRANS_STMT_START")


def check(stmt: Statement) -> Iterator[Finding]:
    # the catalogue's pool_modes = ["statement"] keeps this rule off in the other modes
    kind = stmt.body.get("kind")
    chained = kind == "TRANS_STMT_COMMIT" and stmt.body.get("chain")
    if kind not in _OPENS_BLOCK and not chained:
        return
    opener = "`COMMIT AND CHAIN` opens a new transaction block" if chained else f"`{stmt.snippet(40)}` opens a transaction block"
    yield stmt.finding(
        CODE,
        f"{opener}: PgBouncer in statement pooling mode refuses multi-statement transactions "
        "(`transaction blocks not allowed in statement pooling mode`)",
        "Run each statement on its own (autocommit), move the block into one function or procedure call, "
        "or use a transaction-mode or direct connection for this file.",
    )
