"""PGB008 session-role: SET ROLE / SET SESSION AUTHORIZATION leak privileges to the next client."""

from __future__ import annotations

from typing import Iterator

from ..core.findings import Finding
from ..fix.edits import set_config_local_fix, set_local_fix
from ..fix.suggest import call_source, set_local
from ..sql import nodes
from ..sql.statement import Statement

CODE = "PGB008"
FIRST_WORDS = ("set", "reset")
SUBSTRINGS = ("set_config",)
STATEMENT_KINDS = ("VariableSetStmt",)
FUNCTIONS = ("set_config",)
ROLE_PARAMETERS = {"role": "ROLE", "session_authorization": "SESSION AUTHORIZATION"}


def check(stmt: Statement) -> Iterator[Finding]:
    if stmt.rolled_back:
        return
    if stmt.kind == "VariableSetStmt":
        body = stmt.body
        name = (body.get("name") or "").lower()
        if name not in ROLE_PARAMETERS or body.get("is_local"):
            return
        what = ROLE_PARAMETERS[name]
        fix = None
        if body.get("kind") in ("VAR_RESET", "VAR_SET_DEFAULT") or (
            name == "role" and str(nodes.const_value((body.get("args") or [None])[0], "")).lower() == "none"
        ):
            message = (
                f"`{stmt.snippet(60)}` resets the {what.lower()} of whichever server connection this transaction "
                "runs on: the connection that ran your SET may keep its privileges and serve another client"
            )
        else:
            message = (
                f"`{stmt.snippet(60)}` switches the server connection's identity after this transaction too: "
                "the next client handed this connection runs with these privileges (a security hole), "
                "and your next transaction may not"
            )
            fix = set_local_fix(stmt)
        yield stmt.finding(
            CODE,
            message,
            f"Use `{set_local(stmt) if fix else f'SET LOCAL {what} ...'}` inside BEGIN ... COMMIT so the "
            f"{what.lower()} ends with the transaction, or connect as that role.",
            fix=fix,
        )
        return
    for call in stmt.executed_calls():
        if call.name != "set_config" or call.schema not in (None, "pg_catalog") or len(call.args) != 3:
            continue
        parameter = nodes.const_value(call.args[0])
        if not isinstance(parameter, str) or parameter.lower() not in ROLE_PARAMETERS:
            continue
        if nodes.as_bool(nodes.const_value(call.args[2])) is not False:
            continue
        finding = stmt.call_finding(CODE, call, "", "")
        written = call_source(stmt, finding.start, finding.end)
        finding.message = (
            f"`{written}` switches the server connection's {parameter} for the whole session: the next client "
            "handed this connection inherits it (a security hole)"
        )
        finding.help = f"Pass `true` as the third argument inside a transaction so it ends with the transaction."
        finding.fix = set_config_local_fix(stmt, call)
        yield finding
