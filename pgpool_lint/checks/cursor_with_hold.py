"""PGB003 cursor-with-hold: DECLARE ... WITH HOLD cursors outlive the transaction."""

from __future__ import annotations

from typing import Iterator, Optional

from ..core.diagnostics import Fix
from ..core.findings import Finding
from ..fix import edits
from ..sql.statement import Statement

CODE = "PGB003"
FIRST_WORDS = ("declare",)
STATEMENT_KINDS = ("DeclareCursorStmt",)
CURSOR_OPT_HOLD = 0x20  # pglast.enums.parsenodes.CURSOR_OPT_HOLD


def check(stmt: Statement) -> Iterator[Finding]:
    if stmt.rolled_back:
        return
    if not stmt.body.get("options", 0) & CURSOR_OPT_HOLD:
        return
    if edits.ended_by_prepare_transaction(stmt):
        return  # PREPARE TRANSACTION refuses a block that created a WITH HOLD cursor and rolls it back
    name = stmt.body.get("portalname", "")
    help_text = ("Declare the cursor without WITH HOLD inside BEGIN ... COMMIT and fetch and close it in that "
                 "transaction, or run it over a direct (non-pooled) connection.")
    fix = without_hold_fix(stmt, name)
    if (edits.transaction_end_index(stmt) is not None and edits.transaction_is_known(stmt)
            and _closed_in_transaction(stmt, name)):
        # Checked on a real server: closed before COMMIT (or dropped when the block aborts), it
        # leaves nothing behind today; WITH HOLD only waits for the CLOSE to move.
        finding = stmt.finding(
            CODE,
            f"Cursor `{name}` is declared WITH HOLD but closed before COMMIT: WITH HOLD does nothing here except "
            "keep the cursor open on the server connection, where other clients' transactions run, as soon "
            "as the CLOSE moves out of this transaction",
            "Drop WITH HOLD: the cursor is fetched and closed in this transaction.", fix=fix)
        finding.severity = "warning"
        yield finding
        return
    yield stmt.finding(
        CODE,
        f"Cursor `{name}` is declared WITH HOLD: it stays open on this server connection after COMMIT, "
        f"but your next FETCH may run on another connection (`cursor \"{name}\" does not exist`) while the "
        "open cursor holds resources on a connection other clients use",
        help_text,
        fix=fix,
    )


def without_hold_fix(stmt: Statement, name: str) -> Optional[Fix]:
    """Drop ``WITH HOLD``: safe when the transaction also closes the cursor (nothing can
    fetch from it after COMMIT); unsafe when it does not; display only outside a transaction,
    where a cursor without HOLD cannot be declared at all."""
    tokens = edits.statement_tokens(stmt)
    top = [tok for _, tok in edits.top_level(tokens)]
    hold = next((n for n in range(len(top) - 1) if top[n].name == "WITH" and top[n + 1].name == "HOLD"), None)
    if hold is None:
        return None
    edit = edits.delete_words(stmt.context.text, top[hold].start, top[hold + 1].end)
    if not stmt.in_transaction:
        return edits.make_fix(edits.DISPLAY_ONLY, "Inside BEGIN ... COMMIT, drop `WITH HOLD` and close the cursor "
                              "before COMMIT", edit)
    if _closed_in_transaction(stmt, name) and edits.transaction_is_known(stmt):
        return edits.make_fix(edits.SAFE, "Drop `WITH HOLD`: the cursor is closed in this transaction", edit)
    return edits.make_fix(edits.UNSAFE, "Drop `WITH HOLD` (the cursor then closes at COMMIT)", edit)


def _closed_in_transaction(stmt: Statement, name: str) -> bool:
    for parsed in edits.span_statements(stmt.context, edits.spans_later_in_transaction(stmt)):
        if parsed is None:
            continue
        kind, body = parsed
        if kind == "ClosePortalStmt" and body.get("portalname", name) == name:  # CLOSE name / CLOSE ALL
            return True
    return False
