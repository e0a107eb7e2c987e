"""PGB201 driver-prepared-statements: a driver that prepares statements, through a pooler that
does not keep them.

Protocol-level prepared statements survive transaction pooling only on PgBouncer ≥ 1.21 with
``max_prepared_statements > 0`` (default 200 from 1.24; Neon 1000); Supabase's Supavisor and
Azure's built-in PgBouncer (default 0) do not keep them.  Which it is comes from the endpoint
when it names its provider, else from the pooler profile (``pgbouncer-version``,
``max-prepared-statements``, ``preset``).  Fixes per driver: pooling-semantics.md §3.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

from ...core.findings import Finding
from ..context import Context
from ..model import (
    UNKNOWN_POOLER,
    Fact,
    Value,
    configured_off,
    configured_on,
    dynamic,
    finding,
    prepared_statements_survive,
    profile_words,
    severity,
    truthy,
    where,
)

CODE = "PGB201"

_SERVER_FIX = ("Or keep prepared statements and run PgBouncer ≥ 1.21 with `max_prepared_statements > 0` "
               "(set `max-prepared-statements` / `pgbouncer-version` in pgpool-lint's config to match).")


def _is(value: Optional[Value], expected: Any) -> bool:
    if value is None:
        return False
    if dynamic(value):
        return True  # set from a variable / the environment: assume it is set right
    if expected is None:
        return value.value is None or (isinstance(value.value, str) and value.value.lower() in ("none", "null", ""))
    if expected == 0:
        return str(value.value).strip() == "0"
    return truthy(value.value) is expected


def _why(fact: Fact, ctx: Context, verdict: Optional[bool]) -> str:
    if fact.url is not None and fact.url.endpoint.prepared_statements is False:
        return where(fact.url)
    if verdict is None:  # nothing says which pooler: name the ones that drop prepared statements
        return f"{where(fact.url)[:-1]}; {UNKNOWN_POOLER})"
    return f"{where(fact.url)[:-1]}; {profile_words(ctx.profile)})"


def check(ctx: Context) -> Iterator[Finding]:
    for fact in ctx.facts:
        report, sev = severity(fact.status, explicit=fact.kind in EXPLICIT)
        if report and fact.kind == "url":
            yield from _binary_parameters(fact, sev)
        verdict = prepared_statements_survive(fact.url, ctx.profile)
        if report and verdict is True and fact.kind == "prisma-datasource":
            yield from _prisma_flag_unneeded(fact, ctx)
        if not report or verdict is True:
            continue
        if verdict is None:
            sev = "warning"
        handler = _HANDLERS.get(fact.kind)
        if handler is None:
            continue
        for span, message, help in handler(fact):
            yield finding(CODE, span, message + _why(fact, ctx, verdict), help + " " + _SERVER_FIX, sev)


def _opaque(fact: Fact, *names: str) -> bool:
    """Options passed in a form we cannot read (``**opts``, ``connect_args=make_args()``):
    assume they hold the fix rather than guess."""
    return any(dynamic(fact.settings.get(n)) or f"{n}.**" in fact.settings for n in names) or "**" in fact.settings


def _sqlalchemy(fact: Fact):
    if _opaque(fact, "connect_args") or "connect_args.connection_class" in fact.settings:
        return
    driver = fact.url.parsed.driver if fact.url and fact.url.parsed else ""
    url_cache = fact.url.param("prepared_statement_cache_size") if fact.url else None
    if fact.extra.get("async") and driver not in ("psycopg", "psycopg_async", "asyncpg"):
        driver = "asyncpg"  # create_async_engine's PostgreSQL driver when the URL is not visible
    if driver == "asyncpg":
        settings = fact.settings
        if (_is(settings.get("connect_args.statement_cache_size"), 0)
                or _is(settings.get("connect_args.prepared_statement_cache_size"), 0)
                or "connect_args.prepared_statement_name_func" in settings
                or (url_cache is not None and url_cache.value.strip() == "0")):
            return
        yield (fact, f"`{fact.label}` with asyncpg prepares every statement as a named prepared statement "
               "(`prepared statement \"__asyncpg_stmt_1__\" already exists` / `does not exist`)",
               "Pass `connect_args={\"statement_cache_size\": 0, \"prepared_statement_cache_size\": 0, "
               "\"prepared_statement_name_func\": lambda: f\"__asyncpg_{uuid4()}__\"}` (SQLAlchemy: "
               "\"Prepared Statement Name with PGBouncer\").")
    elif driver in ("psycopg", "psycopg_async"):
        if _is(fact.settings.get("connect_args.prepare_threshold"), None):
            return
        yield (fact, f"`{fact.label}` with psycopg 3 prepares statements after `prepare_threshold` (5) executions",
               "Pass `connect_args={\"prepare_threshold\": None}`.")


def _asyncpg(fact: Fact):
    cache = fact.settings.get("statement_cache_size")
    if _opaque(fact) or "connection_class" in fact.settings:
        return
    if _is(cache, 0):
        return
    yield (cache or fact, f"`{fact.label}` caches named prepared statements (`statement_cache_size` "
           f"{'=' + str(cache.value) if cache else 'defaults to 100'})",
           "Pass `statement_cache_size=0` (asyncpg FAQ) and avoid `Connection.prepare()`.")


def _psycopg(fact: Fact):
    threshold = fact.settings.get("prepare_threshold") or fact.settings.get("kwargs.prepare_threshold")
    if _opaque(fact, "kwargs"):
        return
    if _is(threshold, None) and threshold is not None:
        return
    yield (threshold or fact, f"`{fact.label}` prepares a statement once it has run `prepare_threshold` "
           f"({threshold.value if threshold else 5}) times",
           "Pass `prepare_threshold=None` (psycopg docs, \"Using prepared statements with PgBouncer\").")


def _django(fact: Fact):
    binding = fact.settings.get("OPTIONS.server_side_binding")
    if binding is None or truthy(binding.value) is not True:
        return
    if _is(fact.settings.get("OPTIONS.prepare_threshold"), None) and "OPTIONS.prepare_threshold" in fact.settings:
        return
    yield (binding, f"`{fact.label}` OPTIONS `server_side_binding: True` makes psycopg 3 prepare statements",
           "Remove `server_side_binding` (Django's default client-side binding prepares nothing), or add "
           "`\"prepare_threshold\": None` to OPTIONS.")


def _rails(fact: Fact):
    setting = fact.settings.get("prepared_statements")
    url_setting = fact.url.param("prepared_statements") if fact.url else None
    if configured_off(setting) or (url_setting and truthy(url_setting.value) is False):
        return
    yield (setting or fact, f"Rails environment `{fact.label}` uses prepared statements "
           f"({'prepared_statements: true' if setting else 'the default'})",
           "Set `prepared_statements: false` for this database in config/database.yml (or `?prepared_statements=false`).")


def _prisma_flag_unneeded(fact: Fact, ctx: Context) -> Iterator[Finding]:
    """On PgBouncer ≥ 1.21 that keeps prepared statements, Prisma's ``pgbouncer=true`` is no longer
    needed and sends ``DEALLOCATE ALL`` before each query (prisma/orm#21635): advice by version."""
    flag = fact.url.param("pgbouncer") if fact.url is not None else None
    if flag is None or truthy(flag.value) is not True or not fact.url.literal:
        return
    yield finding(CODE, fact.url.param_span(flag),
                  f"`pgbouncer=true` makes Prisma run `DEALLOCATE ALL` and give up prepared statements, which "
                  f"this pooler keeps ({profile_words(ctx.profile)}; prisma/orm#21635)",
                  "Drop `pgbouncer=true` from the URL: PgBouncer ≥ 1.21 with `max_prepared_statements > 0` tracks "
                  "Prisma's prepared statements itself.", "warning")


def _prisma(fact: Fact):
    # a URL from the environment may carry `pgbouncer=true` where we cannot see it: not reported
    if fact.url is None or fact.url.parsed is None:
        return
    flag = fact.url.param("pgbouncer")
    if flag is not None and truthy(flag.value) is True:
        return
    span = fact.url.value if fact.url.value is not None else fact
    yield (span, f"Prisma's `{fact.label}` url has no `pgbouncer=true`: Prisma uses named prepared statements "
           "(`prepared statement \"s0\" already exists`)",
           "Add `?pgbouncer=true` to the pooled URL (Prisma docs, \"Configure Prisma Client with PgBouncer\").")


def _url(fact: Fact):
    parsed = fact.url.parsed if fact.url else None
    if parsed is None or not fact.url.literal:
        return
    if parsed.is_jdbc:
        threshold = parsed.get("prepareThreshold")
        if threshold is not None and threshold.value.strip() == "0":
            return
        span = fact.url.param_span(threshold) if threshold else fact
        yield (span, "pgjdbc switches to named server-side prepared statements after `prepareThreshold` "
               f"({threshold.value if threshold else 5}) executions",
               "Add `prepareThreshold=0` to the JDBC URL (PgBouncer FAQ).")
        return
    if parsed.scheme == "npgsql":
        yield from _npgsql(fact, parsed)
        return
    mode = parsed.get("default_query_exec_mode")
    if mode is not None and mode.value.strip().lower() == "cache_statement":
        yield (fact.url.param_span(mode), "pgx `default_query_exec_mode=cache_statement` caches named prepared statements",
               "Use `default_query_exec_mode=exec` (or `simple_protocol`) on the pooled URL (pgx docs).")


def _binary_parameters(fact: Fact, sev: Optional[str]) -> Iterator[Finding]:
    """lib/pq splits Parse and Bind of an unnamed statement over two round trips (two Syncs):
    the pooler may hand the Bind to another server connection.  PgBouncer's prepared-statement
    tracking covers named statements only, so no version keeps this working."""
    parsed = fact.url.parsed if fact.url else None
    binary = parsed.get("binary_parameters") if parsed is not None and fact.url.literal else None
    if binary is not None and truthy(binary.value) is True:
        yield finding(CODE, fact.url.param_span(binary),
                      "lib/pq `binary_parameters=yes` sends the unnamed statement's Parse and Bind in separate "
                      "round trips, which a transaction pooler may route to different server connections "
                      f"(`unnamed prepared statement does not exist`, lib/pq#1195){where(fact.url)}",
                      "Drop `binary_parameters` from the pooled connection string (or use pgx).", sev)


def _npgsql(fact: Fact, parsed: Any):
    """Npgsql prepares automatically once ``Max Auto Prepare`` > 0 (``_auto1`` ... statements)."""
    from ..semicolon_dsn import canonical

    auto = next((p for p in parsed.params if canonical(p.key) == "max_auto_prepare"), None)
    if auto is None or not auto.value.strip().isdigit() or int(auto.value.strip()) == 0:
        return
    yield (fact.url.param_span(auto), f"Npgsql `{auto.key}={auto.value}` prepares frequently used statements "
           "as named statements on the server connection (`prepared statement \"_auto1\" does not exist` / "
           "`already exists`, npgsql#1636)",
           f"Remove `{auto.key}` (or set it to 0) on the pooled connection string.")


def _tool_setting(setting: str, tool: str, fix: str):
    def handler(fact: Fact):
        value = fact.settings.get(setting)
        if configured_off(value):
            return
        name = fact.extra.get("names", {}).get(setting, setting)
        yield (value or fact, f"{tool} uses prepared statements (`{name}` "
               f"{'is ' + str(value.value) if value is not None else 'defaults to true'})", fix.format(name=name))
    return handler


def _postgres_js(fact: Fact):
    prepare = fact.settings.get("prepare")
    if configured_off(prepare):
        return
    yield (prepare or fact, "postgres.js prepares statements by default (`prepare` "
           f"{'is ' + str(prepare.value) if prepare else 'defaults to true'})",
           "Pass `{ prepare: false }` (postgres.js README; Supabase and Drizzle docs for transaction poolers).")


def _pgx(fact: Fact):
    mode = fact.url.param("default_query_exec_mode") if fact.url else None
    if fact.extra.get("safe_mode") or (mode is not None and mode.value.strip().lower() != "cache_statement"):
        return
    if mode is not None and fact.url.literal:
        return  # the connection string itself is reported where it is written
    yield (fact, "pgx caches named prepared statements by default (`QueryExecModeCacheStatement`)",
           "Add `default_query_exec_mode=exec` (or `simple_protocol`) to the DSN, or set "
           "`config.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec` (pgx docs).")


def _named_query(fact: Fact):
    yield (fact, "`query({ name, text })` makes node-postgres create a named prepared statement",
           "Drop `name` so node-postgres sends an unnamed statement.")


def _ecto(fact: Fact):
    prepare = fact.settings.get("prepare")
    if prepare is not None and (dynamic(prepare) and not str(prepare.value).startswith(":")
                                or str(prepare.value) == ":unnamed"):
        return
    yield (prepare or fact, f"Ecto repo `{fact.label}` prepares every query as a named statement (`prepare` "
           f"{'is ' + str(prepare.value) if prepare else 'defaults to :named'}; `prepared statement \"ecto_162\" "
           "does not exist`, postgrex#297)",
           "Add `prepare: :unnamed` to the repo's config (Ecto.Adapters.Postgres docs, \"PgBouncer\").")


def _pdo(fact: Fact):
    emulate = fact.settings.get("ATTR_EMULATE_PREPARES")
    disable = fact.settings.get("PGSQL_ATTR_DISABLE_PREPARES")
    if configured_on(emulate) or configured_on(disable):
        return
    what = f"`PDO::ATTR_EMULATE_PREPARES` is {emulate.value}" if emulate is not None else \
        "`PDO::ATTR_EMULATE_PREPARES` defaults to false"
    yield (emulate or fact, f"{fact.label} prepares statements on the server ({what}; `prepared statement "
           "\"pdo_stmt_00000001\" does not exist`, pgbouncer#1129)",
           "Pass `PDO::ATTR_EMULATE_PREPARES => true` in the options (or `PDO::PGSQL_ATTR_DISABLE_PREPARES => true`).")


def _sqlx(fact: Fact):
    capacity = fact.url.param("statement-cache-capacity") if fact.url else None
    if fact.extra.get("cache_off") or (capacity is not None and capacity.value.strip() == "0"):
        return
    yield (fact, f"sqlx `{fact.label}` caches every query as a named prepared statement (`statement_cache_capacity` "
           "defaults to 100; `prepared statement \"sqlx_s_2\" does not exist`, sqlx#67)",
           "Call `.statement_cache_capacity(0)` on the `PgConnectOptions` (or add `?statement-cache-capacity=0` "
           "to the URL), on a sqlx release with the fix of sqlx#4328 (older ones still name every statement "
           "when the cache is off: there, connect sqlx through a session-mode pool or directly).")


#: fact kinds that use prepared statements explicitly (reported as warnings when the URL is not visible)
EXPLICIT = frozenset({"named-query"})

_HANDLERS = {
    "postgres-js": _postgres_js,
    "named-query": _named_query,
    "pgx": _pgx,
    "sqlalchemy-engine": _sqlalchemy,
    "asyncpg-connect": _asyncpg,
    "psycopg-connect": _psycopg,
    "django-database": _django,
    "rails-database": _rails,
    "prisma-datasource": _prisma,
    "ecto-repo": _ecto,
    "pdo": _pdo,
    "sqlx": _sqlx,
    "url": _url,
    "hasura": _tool_setting("use_prepared_statements", "Hasura",
                            "Set `{name}` to false for this source (hasura/graphql-engine#7741)."),
    "postgrest": _tool_setting("db-prepared-statements", "PostgREST",
                               "Set `{name} = false` (PostgREST docs: \"disabling is only necessary when behind a connection pooler\")."),
}
