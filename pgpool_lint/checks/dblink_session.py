"""PGB012 dblink-session: dblink connections opened with dblink_connect live on the server session."""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding
from ..sql import nodes
from ..sql.statement import Statement

CODE = "PGB012"
SUBSTRINGS = ("dblink_connect",)

CONNECT_FUNCTIONS = ("dblink_connect", "dblink_connect_u")
FUNCTIONS = CONNECT_FUNCTIONS


def check(stmt: Statement) -> Iterator[Finding]:
    if stmt.rolled_back:
        return  # dblink connections survive a rollback, but a rolled-back block is a test or a dry run
    for call in stmt.executed_calls():
        if call.name not in CONNECT_FUNCTIONS or len(call.args) not in (1, 2):
            continue
        if len(call.args) == 2:
            name = nodes.const_value(call.args[0])
            what = f"the dblink connection `{name}`" if isinstance(name, str) else "a named dblink connection"
        else:
            what = "the unnamed dblink connection"
        yield stmt.call_finding(
            CODE, call,
            f"`{call.name}` opens {what} on this server session: under transaction pooling your next "
            "transaction may run on another server connection without it (`could not establish connection` / "
            "`connection ... not available`), and another client may use or close it",
            "Pass the connection string to each call instead (`dblink('host=... dbname=...', 'SELECT ...')`), "
            "open and close the connection inside one transaction, or use postgres_fdw.",
        )
