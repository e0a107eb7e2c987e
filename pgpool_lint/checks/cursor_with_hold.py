"""PGB003 cursor-with-hold: DECLARE ... WITH HOLD cursors outlive the transaction."""

from __future__ import annotations

from typing import Iterator

from ..statement import Finding, Statement

CODE = "PGB003"
FIRST_WORDS = ("declare",)
CURSOR_OPT_HOLD = 0x20  # pglast.enums.parsenodes.CURSOR_OPT_HOLD


def check(stmt: Statement) -> Iterator[Finding]:
    if stmt.kind != "DeclareCursorStmt" or stmt.rolled_back:
        return
    if not stmt.body.get("options", 0) & CURSOR_OPT_HOLD:
        return
    name = stmt.body.get("portalname", "")
    yield stmt.finding(
        CODE,
        f"Cursor `{name}` is declared WITH HOLD: it stays open on this server connection after COMMIT, "
        f"but your next FETCH may run on another connection (`cursor \"{name}\" does not exist`) while the "
        "open cursor holds resources on a connection other clients use",
        "Declare the cursor without WITH HOLD inside BEGIN ... COMMIT and fetch and close it in that "
        "transaction, or run it over a direct (non-pooled) connection.",
    )
