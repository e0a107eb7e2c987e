"""PGB206 pooler-config: a pgbouncer.ini that breaks the clients this repository runs.

PgBouncer's configuration is linted against what the rest of the repository shows
(``deployment``: dependency manifests and JDBC URLs name the clients):

* ``ignore_startup_parameters`` without ``extra_float_digits`` while JDBC or lib/pq clients
  connect — they send it at startup and get ``unsupported startup parameter: extra_float_digits``
  (PgBouncer FAQ; pgbouncer#482);
* ``max_prepared_statements = 0`` in transaction mode while clients use protocol-level
  prepared statements (asyncpg, psycopg 3, pgx, JDBC, Rails, Prisma, postgres.js, Postgrex);
* ``pool_mode = statement``, where a transaction of more than one statement fails
  (``transaction blocks not allowed in statement pooling mode``) — which every ORM sends.

When the clients are not known (no deployment evidence read, e.g. a file checked alone),
the findings are warnings that name the condition.
"""

from __future__ import annotations

from typing import Iterator, Optional

from ...core.findings import Finding
from ..context import Context
from ..deployment import PREPARES, SENDS_EXTRA_FLOAT_DIGITS
from ..model import Fact, finding

CODE = "PGB206"


def _clients(ctx: Context, families: frozenset[str]) -> Optional[list[str]]:
    """Clients of ``families`` the repository shows (``name at file:line``); None when unknown."""
    if ctx.deployment is None:
        return None
    return [f"{family} ({where})" for family, where in sorted(ctx.deployment.clients.items()) if family in families]


def _mode(fact: Fact) -> str:
    mode = fact.settings.get("pool_mode")
    modes = [m for m in fact.extra.get("database_modes", ()) if "transaction" in m]
    if modes:
        return "transaction"
    return str(mode.value).strip().lower() if mode is not None else "session"


def check(ctx: Context) -> Iterator[Finding]:
    for fact in ctx.facts:
        if fact.kind == "pgbouncer-config":
            yield from _startup_parameters(ctx, fact)
            yield from _prepared_statements(ctx, fact)
            yield from _statement_mode(ctx, fact)


def _startup_parameters(ctx: Context, fact: Fact) -> Iterator[Finding]:
    ignored = fact.settings.get("ignore_startup_parameters")
    names = {p.strip().lower() for p in str(ignored.value).split(",")} if ignored is not None else set()
    if "extra_float_digits" in names:
        return
    clients = _clients(ctx, SENDS_EXTRA_FLOAT_DIGITS)
    if clients == []:
        return
    span = ignored or fact
    said = "lacks" if ignored is not None else "is not set, so it lacks"
    lead = (f"JDBC / lib/pq clients connect here: {', '.join(clients)}" if clients
            else "if JDBC or lib/pq clients connect")
    yield finding(CODE, span, f"`ignore_startup_parameters` {said} `extra_float_digits`: {lead}, they send it at "
                  "startup and PgBouncer refuses them (`unsupported startup parameter: extra_float_digits`)",
                  "Add `extra_float_digits` to `ignore_startup_parameters` in [pgbouncer] (PgBouncer FAQ); on "
                  "PostgreSQL < 12 float rounding may change (pgbouncer#909).", None if clients else "warning")


def _prepared_statements(ctx: Context, fact: Fact) -> Iterator[Finding]:
    value = fact.settings.get("max_prepared_statements")
    if value is None or str(value.value).strip() != "0" or _mode(fact) == "session":
        return
    clients = _clients(ctx, PREPARES)
    if clients == []:
        return
    lead = (f"these clients prepare statements: {', '.join(clients)}" if clients
            else "if clients use protocol-level prepared statements (asyncpg, psycopg 3, pgx, JDBC, Rails, "
                 "Prisma, postgres.js, Ecto)")
    yield finding(CODE, value, f"`max_prepared_statements = 0` turns off PgBouncer's prepared-statement tracking in "
                  f"{_mode(fact)} mode: {lead}, they fail with `prepared statement \"...\" does not exist` / "
                  "`already exists`",
                  "Set `max_prepared_statements` above 0 (PgBouncer ≥ 1.21; 200 is the default from 1.24), or turn "
                  "prepared statements off in every client (PGB201 says how per driver).", None if clients else "warning")


def _statement_mode(ctx: Context, fact: Fact) -> Iterator[Finding]:
    mode = fact.settings.get("pool_mode")
    if mode is None or str(mode.value).strip().lower() != "statement":
        return
    clients = _clients(ctx, frozenset(ctx.deployment.clients) if ctx.deployment is not None else frozenset())
    if clients == []:
        return
    lead = (f"the clients here ({', '.join(clients)}) run transactions" if clients
            else "if any client runs a transaction of more than one statement (every ORM and migration tool does)")
    yield finding(CODE, mode, f"`pool_mode = statement` returns the server connection after every statement: {lead}, "
                  "and PgBouncer refuses them (`transaction blocks not allowed in statement pooling mode`)",
                  "Use `pool_mode = transaction` unless every client runs single-statement autocommit queries "
                  "(PgBouncer docs, \"pool_mode\").", None if clients else "warning")
