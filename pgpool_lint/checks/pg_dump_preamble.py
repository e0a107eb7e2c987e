"""PGB014 pg-dump-preamble: the run of session SETs pg_dump writes at the top of a dump.

One finding for the whole preamble ("restore over a direct connection") stands for the
session-set findings of its statements (``Finding.absorbs``), and for the dump's later
``SET default_tablespace`` / ``default_table_access_method`` lines.
"""

from __future__ import annotations

from typing import Iterator, Optional

from ..core.findings import Absorption, Finding
from ..sql import nodes
from ..sql.dispatch import may_call
from ..sql.statement import LintContext, Statement

CODE = "PGB014"
FIRST_WORDS = ("set",)  # the SELECT set_config(...) line passes the gate through SUBSTRINGS
SUBSTRINGS = ("set_config",)
#: the findings one preamble finding stands for
ABSORBED = frozenset({"PGB001"})

#: parameters pg_dump / pg_dumpall write in their preamble and before tables (pg_dump.c, all versions)
DUMP_PARAMETERS = frozenset({
    "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", "transaction_timeout",
    "client_encoding", "standard_conforming_strings", "check_function_bodies", "xmloption",
    "client_min_messages", "row_security", "default_tablespace", "default_table_access_method",
    "default_with_oids", "search_path", "escape_string_warning",
    "default_transaction_read_only",  # pg_dumpall's first line
})
#: a run counts as a dump preamble with this many statements, this many of them pg_dump's own
MIN_STATEMENTS = 4
SIGNATURE = frozenset({"statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
                       "check_function_bodies", "xmloption", "client_min_messages", "row_security",
                       "search_path"})
MIN_SIGNATURE = 3


#: the kinds of statement ``_dump_parameter`` reads; the names it looks for among the calls
_DUMP_KINDS = frozenset({"VariableSetStmt", "SelectStmt"})
_SET_CONFIG = ("set_config",)


def _dump_parameter(stmt: Statement) -> Optional[str]:
    """The parameter a pg_dump-style statement sets: ``SET name = value`` or
    ``SELECT pg_catalog.set_config('search_path', '', false)``; None for anything else."""
    if stmt.kind == "VariableSetStmt":
        name = (stmt.body.get("name") or "").lower()
        if not stmt.body.get("is_local") and stmt.body.get("kind") == "VAR_SET_VALUE" and name in DUMP_PARAMETERS:
            return name
        return None
    if stmt.kind == "SelectStmt":
        targets = stmt.body.get("targetList", [])
        if len(targets) != 1 or set(stmt.body) - {"targetList", "limitOption", "op"}:
            return None
        if not may_call(stmt, _SET_CONFIG):  # most one-column SELECTs: the column is not walked
            return None
        calls = list(nodes.func_calls(targets[0]))
        if len(calls) == 1 and calls[0].name == "set_config" and len(calls[0].args) == 3:
            parameter = nodes.const_value(calls[0].args[0])
            if parameter == "search_path" and nodes.as_bool(nodes.const_value(calls[0].args[2])) is False:
                return "search_path"
    return None


def _runs(statements: list[Statement]) -> Iterator[list[tuple[Statement, str]]]:
    """Maximal runs of consecutive pg_dump-style statements (consecutive in the file)."""
    run: list[tuple[Statement, str]] = []
    for stmt in statements:
        parameter = _dump_parameter(stmt) if stmt.kind in _DUMP_KINDS else None
        if parameter is not None and (not run or run[-1][0].index == stmt.index - 1):
            run.append((stmt, parameter))
            continue
        if run:
            yield run
        run = [(stmt, parameter)] if parameter is not None else []
    if run:
        yield run


def check_file(ctx: LintContext) -> Iterator[Finding]:
    preambles = [run for run in _runs(ctx.statements)
                 if len(run) >= MIN_STATEMENTS and len({p for _, p in run} & SIGNATURE) >= MIN_SIGNATURE]
    if not preambles:
        return
    covered = {stmt.index for run in preambles for stmt, _ in run}
    # the dump's later SET default_tablespace / default_table_access_method lines belong to it too
    later = [stmt for stmt in ctx.statements if stmt.index not in covered and _dump_parameter(stmt) is not None
             and stmt.index > preambles[0][0][0].index]
    for number, run in enumerate(preambles):
        first, last = run[0][0], run[-1][0]
        parameters = ", ".join(dict.fromkeys(p for _, p in run))
        absorbs = [Absorption(ABSORBED, first.start, last.end)]
        if number == 0:
            absorbs += [Absorption(ABSORBED, stmt.start, stmt.end) for stmt in later]
        yield Finding(
            CODE,
            f"This looks like a pg_dump preamble ({len(run)} session-level settings: {parameters}): through a "
            "transaction-mode pooler each SET stays on whichever server connection ran it, where other clients "
            "inherit it (e.g. an empty search_path), while the rest of the restore may run on another connection "
            "without it",
            "Restore dumps over a direct (non-pooled) connection, e.g. the endpoint without -pooler / port 5432.",
            first.start, last.end, statement_start=first.start, absorbs=tuple(absorbs),
        )
