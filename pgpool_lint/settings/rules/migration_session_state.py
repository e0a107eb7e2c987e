"""PGB204 migration-session-state: migration tools that need one session, on a pooled URL.

Session advisory locks (Rails ``advisory_locks``, Prisma Migrate's ``pg_advisory_lock(72707369)``,
golang-migrate's ``postgres``/``pgx`` drivers, Flyway with ``postgresql.transactional.lock=false``)
and session ``SET search_path`` in Alembic ``env.py`` break when each transaction may land on
another server connection: the lock is released on the wrong one (or never), the search_path
is gone.  The documented fix is a direct URL for migrations (pooling-semantics.md §3, §4.4).
"""

from __future__ import annotations

from typing import Iterator

from ...core.findings import Finding
from ..context import Context
from ..model import Fact, Value, configured_off, finding, severity, truthy, where

CODE = "PGB204"

_DIRECT = "Run migrations over a direct (non-pooled) connection"


def check(ctx: Context) -> Iterator[Finding]:
    for fact in ctx.facts:
        handler = _HANDLERS.get(fact.kind)
        if handler is not None:
            yield from handler(ctx, fact)


def _rails(ctx: Context, fact: Fact) -> Iterator[Finding]:
    locks = fact.settings.get("advisory_locks")
    explicit = locks is not None and truthy(getattr(locks, "value", None)) is True
    if not isinstance(locks, Value) and locks is not None or configured_off(locks):
        return
    in_url = fact.url.param("advisory_locks") if fact.url else None
    if in_url is not None and truthy(in_url.value) is False:
        return  # Rails reads `?advisory_locks=false` from the URL too
    if fact.extra.get("local") and fact.status == "unknown":
        return
    report, sev = severity(fact.status, explicit)
    if report:
        yield finding(CODE, locks or fact,
                      f"Rails migrations on `{fact.label}` take a session advisory lock (`pg_try_advisory_lock`); "
                      f"through a transaction pooler the unlock can run on another server connection "
                      f"(`ConcurrentMigrationError: Failed to release advisory lock`){where(fact.url)}",
                      f"Set `advisory_locks: false` for this database (Rails ≥ 6), or {_DIRECT[0].lower() + _DIRECT[1:]} "
                      "(a separate `database_tasks` config or DATABASE_URL for `db:migrate`).", sev)


def _drizzle_kit(ctx: Context, fact: Fact) -> Iterator[Finding]:
    report, sev = severity(fact.status, explicit=False)
    if report:
        yield finding(CODE, fact,
                      f"drizzle-kit runs `push`, `pull` and `migrate` over the `dbCredentials` URL: through a "
                      f"transaction pooler their introspection and migrations fail (drizzle-orm#3156){where(fact.url)}",
                      f"{_DIRECT} for drizzle-kit: a separate `DIRECT_URL` (Supabase :5432, Neon without `-pooler`) in "
                      "drizzle.config.*, while the application keeps the pooled URL.", sev)


def _prisma(ctx: Context, fact: Fact) -> Iterator[Finding]:
    if "directUrl" in fact.settings:
        return
    report, sev = severity(fact.status, explicit=False)
    if report:
        yield finding(CODE, fact,
                      f"`{fact.label}` has no `directUrl`, so Prisma Migrate runs over the pooled `url` and takes "
                      f"`pg_advisory_lock(72707369)` there (P1002 timeouts, leaked lock){where(fact.url)}",
                      "Add `directUrl = env(\"DIRECT_URL\")` pointing at the direct (non-pooled) endpoint "
                      "(Prisma docs, \"Configure Prisma Migrate with PgBouncer\").", sev)


def _flyway(ctx: Context, fact: Fact) -> Iterator[Finding]:
    lock = fact.settings.get("postgresql.transactional.lock")
    if lock is None or truthy(lock.value) is not False:
        return
    report, sev = severity(fact.status, explicit=True)
    if report:
        name = fact.extra.get("names", {}).get("postgresql.transactional.lock", "postgresql.transactional.lock")
        yield finding(CODE, lock,
                      f"`{name}=false` makes Flyway take a session `pg_try_advisory_lock` instead of the "
                      f"transaction-scoped lock it uses by default since 9.1.2 (\"enables support for PgBouncer\")"
                      f"{where(fact.url)}",
                      "Remove the setting (default true) on a pooled URL; run migrations that need it "
                      "(CREATE INDEX CONCURRENTLY) over a direct connection.", sev)


def _alembic(ctx: Context, fact: Fact) -> Iterator[Finding]:
    report, sev = severity(fact.status, explicit=True)
    if not report:
        return  # migrations run over a direct connection
    sql = fact.settings["sql"].value
    yield finding(CODE, fact,
                  f"Alembic env.py runs `{sql}` as a session setting: through a transaction pooler the migrations "
                  f"may run on another server connection without it, and it leaks to other clients"
                  f"{where(fact.url)}",
                  "Use `SET LOCAL search_path ...` inside `context.begin_transaction()`, `version_table_schema=`, "
                  "or a direct (non-pooled) URL for migrations.", sev)


def _golang_migrate(ctx: Context, fact: Fact) -> Iterator[Finding]:
    """A ``pgx://`` migration URL written in a settings file or code."""
    parsed = fact.url.parsed if fact.url else None
    if parsed is None or parsed.scheme not in ("pgx", "pgx4", "pgx5"):
        return
    yield from _golang_migrate_lock(fact, f"golang-migrate's `{parsed.scheme}://` driver")


def _golang_migrate_call(ctx: Context, fact: Fact) -> Iterator[Finding]:
    """``migrate.New(source, url)`` in Go code."""
    parsed = fact.url.parsed if fact.url else None
    if parsed is not None and parsed.scheme in ("pgx", "pgx4", "pgx5") and fact.url.literal:
        return  # the URL itself is reported where it is written
    yield from _golang_migrate_lock(fact, "golang-migrate's postgres/pgx drivers")


def _golang_migrate_lock(fact: Fact, driver: str) -> Iterator[Finding]:
    parsed = fact.url.parsed if fact.url else None
    strategy = parsed.get("x-lock-strategy") if parsed else None
    if strategy is not None and strategy.value.lower() == "table":
        return
    report, sev = severity(fact.status, explicit=False)
    if report:
        verb = "takes" if driver.endswith("driver") else "take"
        yield finding(CODE, fact, f"{driver} {verb} a session `pg_advisory_lock` for the whole run{where(fact.url)}",
                      f"{_DIRECT} (golang-migrate's `pgx` driver also accepts `x-lock-strategy=table`).", sev)


def _liquibase(ctx: Context, fact: Fact) -> Iterator[Finding]:
    schema = fact.settings.get("defaultSchemaName")
    if schema is None:
        return
    report, _ = severity(fact.status, explicit=False)
    if report:
        yield finding(CODE, schema,
                      f"Liquibase runs `SET SEARCH_PATH TO {schema.value}` as a session setting for `defaultSchemaName` "
                      f"(liquibase#7092; `SET LOCAL` only since PR #7488, Dec 2025){where(fact.url)}",
                      "Upgrade Liquibase, schema-qualify changesets, or run Liquibase over a direct connection.",
                      "warning")


def _airflow(ctx: Context, fact: Fact) -> Iterator[Finding]:
    report, sev = severity(fact.status)
    if report:
        yield finding(CODE, fact,
                      f"Airflow's migrations (`{fact.label}`) hold a session advisory lock (`pg_advisory_lock` in "
                      "`create_global_lock`) while they run; through a transaction pooler the lock and its unlock land "
                      f"on different server connections: migrations hang or the lock leaks{where(fact.url)}",
                      f"{_DIRECT}: point `AIRFLOW__DATABASE__SQL_ALCHEMY_CONN` at the database itself, not the "
                      "pooler, for `airflow db migrate`.", sev)


_HANDLERS = {
    "airflow-migrate": _airflow,
    "rails-database": _rails,
    "prisma-datasource": _prisma,
    "flyway": _flyway,
    "alembic-set": _alembic,
    "url": _golang_migrate,
    "liquibase": _liquibase,
    "golang-migrate": _golang_migrate_call,
    "drizzle-kit": _drizzle_kit,
}
