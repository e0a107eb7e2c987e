"""PGB006 load: LOAD 'library' loads into this server connection only."""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding
from ..sql.statement import Statement

CODE = "PGB006"
FIRST_WORDS = ("load",)
STATEMENT_KINDS = ("LoadStmt",)


def check(stmt: Statement) -> Iterator[Finding]:
    library = stmt.body.get("filename", "")
    yield stmt.finding(
        CODE,
        f"`LOAD '{library}'` loads the library into this server connection only: later transactions may run "
        "on connections without it, and other clients get it (and its hooks) where they did not ask for it",
        f"Preload it instead: `ALTER ROLE CURRENT_USER SET session_preload_libraries = '{library}'` (run once "
        "over a direct connection) or `shared_preload_libraries`; or run this over a direct (non-pooled) connection.",
    )
