"""PGB001 session-set: SET/RESET and set_config(..., false) that outlive the transaction."""

from __future__ import annotations

from typing import Iterator

from ..core.cache import SHORT_TEXT, ClearingCache
from ..core.findings import Finding
from ..core.profile import search_path_advice
from ..fix.edits import in_transaction_or_display, moved, set_config_local_fix, set_local_fix
from ..fix.suggest import alter_role, alter_role_prefix, call_source, parameter_name, set_local
from ..sql import nodes
from ..sql.dialect import Verdict, is_parameter
from ..sql.dispatch import may_call
from ..sql.statement import Statement

CODE = "PGB001"
FIRST_WORDS = ("set", "reset")
SUBSTRINGS = ("set_config", "pg_settings")
STATEMENT_KINDS = ("VariableSetStmt", "UpdateStmt")  # SET / RESET; UPDATE pg_settings
FUNCTIONS = ("set_config",)

#: handled by session-role (PGB008)
ROLE_PARAMETERS = frozenset({"role", "session_authorization"})
#: transaction-scoped by definition: SET transaction_isolation acts like SET TRANSACTION
TRANSACTION_PARAMETERS = frozenset({"transaction_isolation", "transaction_read_only", "transaction_deferrable"})

_CONSEQUENCE = {
    "search_path": "later transactions may run on another server connection without it and fail with "
    "`relation ... does not exist`, while another client may inherit it",
    "statement_timeout": "the timeout silently stops applying when the next transaction lands on another "
    "server connection, and it leaks into other clients' transactions",
    "lock_timeout": "the timeout silently stops applying when the next transaction lands on another "
    "server connection, and it leaks into other clients' transactions",
    "role": "",
}
_DEFAULT_CONSEQUENCE = (
    "the next transaction may run on another server connection without it, and another client may inherit it"
)


def consequence(parameter: str) -> str:
    return _CONSEQUENCE.get(parameter.lower(), _DEFAULT_CONSEQUENCE)


def is_tracked(stmt: Statement, parameter: str) -> bool:
    return parameter.lower() in stmt.context.profile.tracked_parameters


def untracked_note(stmt: Statement, parameter: str) -> str:
    """For parameters a newer pooler would track: what would make the SET safe."""
    if parameter.lower() != "search_path":
        return ""
    return f" (safe only with {search_path_advice(stmt.context.profile)})"


def not_a_parameter(stmt: Statement, name: str) -> bool:
    """``SET name`` of a name PostgreSQL does not have (and without a dot) fails on the server and
    leaves nothing behind: another database's SET (MySQL ``sql_mode``, CockroachDB settings).
    Counted as skipped text, never a finding."""
    if is_parameter(name):
        return False
    skipped = stmt.context.skipped
    skipped.append(Verdict("not-postgres", f"`{name[:40]}` is not a PostgreSQL parameter"))
    return True


def check(stmt: Statement) -> Iterator[Finding]:
    if stmt.rolled_back:
        return  # a SET in a block that is rolled back leaves nothing behind
    if stmt.kind == "VariableSetStmt":
        yield from _variable_set(stmt)
        return  # a SET runs no function: its value is a literal or a name
    if stmt.kind == "UpdateStmt":
        rel = stmt.body.get("relation", {})
        if rel.get("relname", "").lower() == "pg_settings" and (rel.get("schemaname") or "pg_catalog").lower() == "pg_catalog":
            yield stmt.finding(
                CODE,
                f"`{stmt.snippet(60)}` is a session-level SET: the changed settings stay on this server "
                "connection after the transaction, where other clients inherit them",
                "Use `SET LOCAL` or `set_config(name, value, true)` inside the transaction, or "
                f"`{alter_role_prefix(stmt)} SET ...` once over a direct (non-pooled) connection.",
            )
    yield from _set_config_calls(stmt)


def _variable_set(stmt: Statement) -> Iterator[Finding]:
    body = stmt.body
    if body.get("is_local"):
        return
    kind = body.get("kind")
    name = (body.get("name") or "").lower()
    if name in ROLE_PARAMETERS or name in TRANSACTION_PARAMETERS or name == "transaction":
        return
    if kind == "VAR_SET_MULTI" and name == "session characteristics":
        yield stmt.finding(
            CODE,
            f"`{stmt.snippet(60)}` changes the defaults of every later transaction on this server "
            "connection, including other clients' transactions, and not necessarily yours",
            "Set it per transaction instead: `BEGIN ISOLATION LEVEL ...` / `SET TRANSACTION ...`, or run "
            f"`{alter_role_prefix(stmt)} SET default_transaction_...` once over a direct (non-pooled) connection.",
        )
        return
    if kind == "VAR_RESET_ALL":
        yield stmt.finding(
            CODE,
            "`RESET ALL` resets whichever server connection this transaction runs on: it can wipe "
            "settings another client relies on and cannot restore yours",
            "Do not rely on session state: use `SET LOCAL` inside transactions so there is nothing to reset.",
        )
        return
    if is_tracked(stmt, name):
        return  # PgBouncer re-applies this parameter for each client
    if not_a_parameter(stmt, name):
        return
    if kind == "VAR_RESET":
        yield stmt.finding(
            CODE,
            f"`{stmt.snippet(60)}` resets `{name}` on whichever server connection this transaction runs on, "
            "which may not be the one where it was set",
            "Use `SET LOCAL` inside transactions so there is nothing to reset, or set the default with "
            f"`{alter_role_prefix(stmt)} RESET {parameter_name(name)}` once over a direct (non-pooled) connection.",
        )
        return
    yield _session_set(stmt, name)


def _session_set(stmt: Statement, name: str) -> Finding:
    """The finding of a session-level ``SET name ...``.  Its message, help and fix are made of the
    statement as written and of where it runs (transaction, pooler profile, role): the same
    ``SET`` comes back file after file, so they are made once and the fix moved to this one."""
    ctx = stmt.context
    key = (stmt.source, stmt.text, stmt.in_explicit_transaction, stmt.in_transaction,
           in_transaction_or_display(stmt), id(ctx.profile), ctx.target)
    known = _SET_FINDINGS.get(key)
    if known is not None and known[0] is ctx.profile:  # the same profile, not one at a reused address
        _, message, help_text, fix, start = known
        return stmt.finding(CODE, message, help_text, fix=moved(fix, stmt.start - start))
    finding = _new_session_set(stmt, name)
    if len(stmt.text) <= SHORT_TEXT:
        _SET_FINDINGS.remember(key, (ctx.profile, finding.message, finding.help, finding.fix, stmt.start))
    return finding


#: the findings of the short SET statements seen last (see ``_session_set``)
_SET_FINDINGS = ClearingCache(256)


def _new_session_set(stmt: Statement, name: str) -> Finding:
    where = "even inside BEGIN ... COMMIT a plain SET outlives the transaction, and " if stmt.in_explicit_transaction else ""
    message = (
        f"`{stmt.snippet(60)}` stays on the server connection after this transaction: {where}{consequence(name)}"
        f"{untracked_note(stmt, name)}"
    )
    local = set_local(stmt)
    role = alter_role(stmt)
    if stmt.in_transaction:
        help_text = f"Use `{local}` so the setting ends with this transaction."
    else:
        help_text = f"Inside a transaction, use `{local}`."
    if role:
        help_text += (f" To make it the default for new sessions, run `{role}` once over a direct (non-pooled) "
                      "connection.")
    if name == "search_path":
        help_text += " Or schema-qualify the names you use."
    return stmt.finding(CODE, message, help_text, fix=set_local_fix(stmt))


def _set_config_calls(stmt: Statement) -> Iterator[Finding]:
    if not may_call(stmt, FUNCTIONS):  # an UPDATE that calls no set_config: its tree is not walked
        return
    for call in stmt.executed_calls():
        if call.name != "set_config" or call.schema not in (None, "pg_catalog") or len(call.args) != 3:
            continue
        if nodes.const_value(call.args[2]) is None or nodes.as_bool(nodes.const_value(call.args[2])) is not False:
            continue  # transaction-local, or not known at lint time
        parameter = nodes.const_value(call.args[0])
        if isinstance(parameter, str) and (is_tracked(stmt, parameter) or parameter.lower() in ROLE_PARAMETERS):
            continue
        finding = stmt.call_finding(CODE, call, "", "")
        written = call_source(stmt, finding.start, finding.end)
        name = stmt.as_written(parameter) if isinstance(parameter, str) else ""
        # a parameter named at run time ($1, a variable) reads as such, not as `the setting`
        shown = f"`{name}`" if name else "a setting named at run time"
        local_call = _with_true(written)
        finding.message = (
            f"`{written}` sets {shown} for the whole server session: {consequence(name)}"
            f"{untracked_note(stmt, name)}"
        )
        finding.help = (
            f"Use `{local_call}` inside the transaction: `is_local = true` ends the setting with the transaction."
        )
        value = nodes.const_value(call.args[1])
        if isinstance(parameter, str) and isinstance(value, str):
            finding.help += (f" To make it the default for new sessions, run `{alter_role_prefix(stmt)} SET "
                             f"{parameter_name(parameter)} TO {sql_string(value)}` once over a direct (non-pooled) "
                             "connection.")
        finding.fix = set_config_local_fix(stmt, call)
        yield finding


def sql_string(value: str) -> str:
    """A SQL string literal for ``value``."""
    return "'" + value.replace("'", "''") + "'"


def _with_true(call_text: str) -> str:
    """``set_config(a, b, false)`` → ``set_config(a, b, true)`` on the text as written."""
    head, sep, last = call_text.rpartition(",")
    if not sep:
        return call_text
    closing = last.rstrip()
    suffix = ")" if closing.endswith(")") else ""
    return f"{head}, true{suffix}"
