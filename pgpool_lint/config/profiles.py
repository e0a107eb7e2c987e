"""Pooler presets and the version rules that turn settings into an ``core.profile.Profile``.

Every default here has its source next to it (the facts are collected in
shared/reference/pooling-semantics.md §1 and §5).  Resolution order, later wins:
built-in default preset (``pgbouncer``) → the chosen preset → each explicit setting
(config file, then command line).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from ..core.catalogue import POOL_MODES  # one list of pool modes
from ..core.profile import Profile

DEFAULT_PRESET = "pgbouncer"

#: Always tracked by PgBouncer (hard-coded in src/varcache.c ``init_var_lookup``).
PGBOUNCER_HARD_CODED = ("client_encoding", "DateStyle", "TimeZone", "standard_conforming_strings",
                        "application_name")


class Preset(NamedTuple):  # a NamedTuple: a tenth of what a frozen dataclass costs at import
    """A pooler preset: what a hosted pooler or PgBouncer release does (``--preset``)."""

    name: str
    pooler: str
    pool_mode: str
    pgbouncer_version: Optional[str]
    postgres_version: Optional[str]
    track_extra_parameters: Optional[tuple[str, ...]]  # None: the PgBouncer version's default
    max_prepared_statements: Optional[int]  # None: the PgBouncer version's default
    #: setting -> where its value comes from (shown by --verbose and in the docs)
    sources: dict[str, str]


PRESETS: dict[str, Preset] = {
    "pgbouncer": Preset(
        name="pgbouncer", pooler="pgbouncer", pool_mode="transaction", pgbouncer_version="1.25",
        postgres_version=None, track_extra_parameters=None, max_prepared_statements=None,
        sources={
            "pool-mode": "the mode this linter is for (PgBouncer's own default pool_mode is session, doc/config.md)",
            "pgbouncer-version": "latest stable release line, 1.25.x (NEWS.md; 1.26 changes what is tracked)",
            "postgres-version": "unknown: search_path is assumed not reported (it is only from PostgreSQL 18)",
            "track-extra-parameters": "PgBouncer default IntervalStyle since 1.20 (src/main.c)",
            "max-prepared-statements": "PgBouncer default 200 since 1.24 (doc/config.md)",
        },
    ),
    "neon": Preset(
        name="neon", pooler="pgbouncer", pool_mode="transaction", pgbouncer_version="1.25",
        postgres_version=None, track_extra_parameters=None, max_prepared_statements=1000,
        sources={
            "pool-mode": "Neon's -pooler endpoint runs PgBouncer in transaction mode (neon.tech/docs/connect/connection-pooling)",
            "pgbouncer-version": "not published by Neon: assumed latest stable 1.25.x",
            "postgres-version": "unknown; Neon documents that SET search_path does not survive pooled transactions",
            "track-extra-parameters": "PgBouncer default IntervalStyle (Neon documents no extra tracked parameters)",
            "max-prepared-statements": "1000 on Neon's pooler (neon.tech/docs/connect/connection-pooling)",
        },
    ),
    "supabase": Preset(
        name="supabase", pooler="supavisor", pool_mode="transaction", pgbouncer_version=None,
        postgres_version=None, track_extra_parameters=("IntervalStyle",), max_prepared_statements=0,
        sources={
            "pool-mode": "port 6543 is transaction mode, 5432 session (supabase.com/docs/guides/database/connecting-to-postgres)",
            "pgbouncer-version": "not PgBouncer: the shared pooler is Supavisor (the dedicated pooler is PgBouncer)",
            "postgres-version": "unknown",
            "track-extra-parameters": "assumed PgBouncer's six startup parameters: Supabase does not document which SETs Supavisor re-applies",
            "max-prepared-statements": "0: Supavisor does not support prepared statements in transaction mode "
            "(supabase.com/docs/guides/troubleshooting/disabling-prepared-statements-qL8lEL)",
        },
    ),
    "azure": Preset(
        name="azure", pooler="pgbouncer", pool_mode="transaction", pgbouncer_version="1.25.1",
        postgres_version=None, track_extra_parameters=None, max_prepared_statements=0,
        sources={
            "pool-mode": "pgbouncer.default_pool_mode defaults to transaction on Flexible Server "
            "(learn.microsoft.com/azure/postgresql/flexible-server/concepts-pgbouncer)",
            "pgbouncer-version": "1.25.1 on every supported major version (same page)",
            "postgres-version": "unknown",
            "track-extra-parameters": "PgBouncer default IntervalStyle (not exposed as a server parameter)",
            "max-prepared-statements": "pgbouncer.max_prepared_statements defaults to 0 (same page)",
        },
    ),
}

class MigrationTool(NamedTuple):
    """Whether a migration tool runs each file in a transaction, and where that is documented."""

    in_transaction: bool
    source: str


#: Does the tool run a migration file inside a transaction? (``migration-tool`` setting; the
#: default of ``assume-in-transaction``).  Each answer is the tool's documented default.
MIGRATION_TOOLS: dict[str, MigrationTool] = {
    "flyway": MigrationTool(True, "executeInTransaction defaults to true: each migration runs in a transaction "
                            "(documentation.red-gate.com/fd/flyway-execute-in-transaction-setting-277578997.html)"),
    "golang-migrate": MigrationTool(True, "the postgres driver sends the file as one multi-statement query, which "
                                    "PostgreSQL runs as one implicit transaction; not with x-multi-statement=true "
                                    "(golang-migrate database/postgres/README.md)"),
    "alembic": MigrationTool(True, "PostgreSQL has transactional DDL and the env.py template runs migrations inside "
                             "context.begin_transaction() (alembic.sqlalchemy.org/en/latest/api/runtime.html)"),
    "django": MigrationTool(True, "on PostgreSQL every migration is atomic unless Migration.atomic = False "
                            "(docs.djangoproject.com/en/stable/topics/migrations/#transactions)"),
    "rails": MigrationTool(True, "migrations are wrapped in a transaction when the adapter supports DDL transactions, "
                           "unless disable_ddl_transaction! (api.rubyonrails.org ActiveRecord::Migration)"),
    "prisma": MigrationTool(False, "Prisma Migrate does not wrap migrations in a transaction "
                            "(prisma/prisma discussion #3774); add BEGIN/COMMIT yourself"),
    "dbmate": MigrationTool(True, "each migration runs in a transaction unless `-- migrate:up transaction:false` "
                            "(github.com/amacneil/dbmate README)"),
    "sqitch": MigrationTool(False, "sqitch runs deploy scripts with psql as they are; its templates carry their own "
                            "BEGIN/COMMIT (sqitch-pg tutorial)"),
    "psql": MigrationTool(False, "psql -f runs each statement on its own (autocommit) unless -1/--single-transaction"),
}


class ProfileError(ValueError):
    """A preset or profile setting the user must fix (exit code 2)."""


def version_tuple(key: str, value: Any) -> tuple[int, ...]:
    text = str(value).strip()
    parts = text.split(".")
    # one to three groups of digits (``str.isdecimal``: what ``\d`` matches), without compiling a
    # pattern for the version every run checks
    if isinstance(value, bool) or len(parts) > 3 or not all(part.isdecimal() for part in parts):
        raise ProfileError(f"`{key}` must be a version such as 1.25 or 17 (got {value!r})")
    return tuple(int(part) for part in parts)


def check_setting(key: str, value: Any) -> Any:
    """Validate one profile setting as written in the config file or on the command line."""
    if key == "preset":
        if not isinstance(value, str) or value.lower() not in PRESETS:
            raise ProfileError(f"unknown preset `{value}` (known presets: {', '.join(PRESETS)})")
        return value.lower()
    if key == "pool-mode":
        if not isinstance(value, str) or value.lower() not in POOL_MODES:
            raise ProfileError(f"`pool-mode` must be one of: {', '.join(POOL_MODES)} (got {value!r})")
        return value.lower()
    if key in ("pgbouncer-version", "postgres-version"):
        if isinstance(value, float):  # TOML 1.26 is fine, but 1.20 is the number 1.2: ambiguous
            digits = repr(value).partition(".")[2]
            if len(digits) < 2:
                raise ProfileError(f"`{key}` must be a string such as \"1.20\" (the number {value!r} may have lost "
                                   "a trailing zero)")
            value = repr(value)
        version_tuple(key, value)
        return str(value).strip()
    if key == "track-extra-parameters":
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ProfileError(f"`{key}` must be a list of parameter names")
        return tuple(value)
    if key == "max-prepared-statements":
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProfileError(f"`{key}` must be a whole number ≥ 0 (got {value!r})")
        return value
    if key == "migration-tool":
        if not isinstance(value, str) or value.lower() not in MIGRATION_TOOLS:
            raise ProfileError(f"unknown migration tool `{value}` (known: {', '.join(MIGRATION_TOOLS)})")
        return value.lower()
    raise ProfileError(f"unknown profile setting `{key}`")


def default_track_extra(pgbouncer: Optional[tuple[int, ...]]) -> tuple[str, ...]:
    """PgBouncer's default track_extra_parameters: IntervalStyle from 1.20 (NEWS 1.20.0)."""
    if pgbouncer is not None and pgbouncer < (1, 20):
        return ()
    return ("IntervalStyle",)


def default_max_prepared(pgbouncer: Optional[tuple[int, ...]]) -> int:
    """Protocol-level prepared statements: none before 1.21, opt-in until 1.24, 200 since (NEWS)."""
    if pgbouncer is not None and pgbouncer < (1, 24):
        return 0
    return 200


def tracked_parameters(pgbouncer: Optional[tuple[int, ...]], postgres: Optional[tuple[int, ...]],
                       track_extra: tuple[str, ...], pooler: str) -> frozenset[str]:
    """Parameters whose SET the pooler re-applies per client (lower-case).

    A parameter is tracked only if PostgreSQL reports it (GUC_REPORT): what the user lists
    in track-extra-parameters is trusted (their server may be Citus or Neon), what PgBouncer
    1.26 adds by itself needs the PostgreSQL version that reports it.
    """
    tracked = {p.lower() for p in PGBOUNCER_HARD_CODED} | {p.lower() for p in track_extra}
    if pooler == "pgbouncer" and pgbouncer is not None and pgbouncer >= (1, 26):
        if postgres is not None and postgres >= (18,):
            tracked.add("search_path")  # PG 18 reports search_path (release notes), PR #1615
        if postgres is not None and postgres >= (14,):
            tracked.add("default_transaction_read_only")  # reported since PG 14, PR #1573
    return frozenset(tracked)


def build_profile(values: dict[str, Any], origins: Optional[dict[str, str]] = None) -> Profile:
    """A Profile from settings named as in the config file (``preset``, ``pool-mode``, ...).

    ``origins`` says where each explicit setting came from (for ``--verbose``).
    """
    origins = origins or {}
    name = values.get("preset") or DEFAULT_PRESET
    preset = PRESETS.get(str(name).lower())
    if preset is None:
        raise ProfileError(f"unknown preset `{name}` (known presets: {', '.join(PRESETS)})")
    sources = {key: f"preset {preset.name}: {text}" for key, text in preset.sources.items()}
    sources["preset"] = origins.get("preset", "setting") if values.get("preset") else "default preset"

    def explicit(key: str) -> bool:
        if values.get(key) is None:
            return False
        sources[key] = origins.get(key, "setting")
        return True

    pool_mode = str(values["pool-mode"] if explicit("pool-mode") else preset.pool_mode).lower()
    if pool_mode not in POOL_MODES:
        raise ProfileError(f"`pool-mode` must be one of: {', '.join(POOL_MODES)} (got {pool_mode!r})")
    own_pgbouncer = explicit("pgbouncer-version")  # the preset's version-derived defaults no longer hold
    pgb_text = values["pgbouncer-version"] if own_pgbouncer else preset.pgbouncer_version
    pg_text = values["postgres-version"] if explicit("postgres-version") else preset.postgres_version
    pgbouncer = version_tuple("pgbouncer-version", pgb_text) if pgb_text is not None else None
    postgres = version_tuple("postgres-version", pg_text) if pg_text is not None else None

    def pgbouncer_setting(key: str, preset_value: Any, version_default: Any) -> Any:
        """An explicit setting, else the preset's value (unless the PgBouncer version was set:
        then the preset's value no longer holds), else that version's default."""
        if explicit(key):
            return values[key]
        if preset_value is not None and not own_pgbouncer:
            return preset_value
        if own_pgbouncer:
            sources[key] = f"PgBouncer {pgb_text} default"
        return version_default

    track_extra = tuple(pgbouncer_setting("track-extra-parameters", preset.track_extra_parameters,
                                          default_track_extra(pgbouncer)))
    max_prepared = pgbouncer_setting("max-prepared-statements", preset.max_prepared_statements,
                                     default_max_prepared(pgbouncer))
    if isinstance(max_prepared, bool) or not isinstance(max_prepared, int) or max_prepared < 0:
        raise ProfileError(f"`max-prepared-statements` must be a whole number ≥ 0 (got {max_prepared!r})")
    pooler = "pgbouncer" if own_pgbouncer else preset.pooler
    return Profile(
        pool_mode=pool_mode,
        tracked_parameters=tracked_parameters(pgbouncer, postgres, track_extra, pooler),
        max_prepared_statements=max_prepared,
        preset=preset.name,
        pooler=pooler,
        pgbouncer_version=None if pgb_text is None else str(pgb_text),
        postgres_version=None if pg_text is None else str(pg_text),
        track_extra_parameters=track_extra,
        sources=sources,
    )
