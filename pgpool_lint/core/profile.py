"""What the pooler in front of the database does, and who the application connects as.

Built by ``config.profiles.build_profile`` from a preset and settings; read by the engine
and the checks.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple, Optional


# NamedTuples, not dataclasses: both are built on every run, and a dataclass costs ~0.5 ms to create


class Profile(NamedTuple):
    """What the pooler in front of the database does.

    Built from a preset and settings by ``config.profiles.build_profile``; the defaults here are
    the ``pgbouncer`` preset (latest stable PgBouncer, 1.25.x, in transaction mode).
    """

    pool_mode: str = "transaction"  # transaction | statement | session
    #: parameters PgBouncer re-applies per client, lower-case: SET of these is safe
    tracked_parameters: frozenset[str] = frozenset(
        {"client_encoding", "datestyle", "timezone", "standard_conforming_strings", "application_name", "intervalstyle"}
    )
    max_prepared_statements: int = 200
    preset: str = "pgbouncer"
    pooler: str = "pgbouncer"  # pgbouncer | supavisor
    pgbouncer_version: Optional[str] = "1.25"
    postgres_version: Optional[str] = None  # None: unknown
    track_extra_parameters: tuple[str, ...] = ("IntervalStyle",)
    #: setting name -> where its value came from (preset and its source, config file, command line)
    sources: dict[str, str] = {}  # read only

    def applies(self, pool_modes: Iterable[str]) -> bool:
        """Whether a rule that matters in ``pool_modes`` applies under this profile."""
        return self.pool_mode in pool_modes

    def describe(self) -> list[tuple[str, str, str]]:
        """(setting, value, source) rows, for ``--verbose`` and machine-readable output."""
        rows = [
            ("preset", self.preset, self.sources.get("preset", "default preset")),
            ("pooler", self.pooler, ""),
            ("pool-mode", self.pool_mode, self.sources.get("pool-mode", "")),
            ("pgbouncer-version", self.pgbouncer_version or "-", self.sources.get("pgbouncer-version", "")),
            ("postgres-version", self.postgres_version or "unknown", self.sources.get("postgres-version", "")),
            ("track-extra-parameters", ", ".join(self.track_extra_parameters) or "-",
             self.sources.get("track-extra-parameters", "")),
            ("max-prepared-statements", str(self.max_prepared_statements), self.sources.get("max-prepared-statements", "")),
            ("tracked parameters (SET is safe)", ", ".join(sorted(self.tracked_parameters)), "derived"),
        ]
        return rows


class ConnectionTarget(NamedTuple):
    """Who the application connects as (settings ``role`` / ``database``): makes the
    suggested ``ALTER ROLE ... SET`` exact.  None: unknown (``CURRENT_USER``, all databases)."""

    role: Optional[str] = None
    database: Optional[str] = None


def search_path_advice(profile: Profile) -> str:
    """What would make ``SET search_path`` safe, for the session-set message."""
    server = f"PostgreSQL {profile.postgres_version}" if profile.postgres_version else "PostgreSQL version unknown"
    pooler = f"PgBouncer {profile.pgbouncer_version}" if profile.pgbouncer_version else profile.pooler
    return ("PgBouncer ≥ 1.26 on PostgreSQL ≥ 18, or `search_path` in `track-extra-parameters` on a server that "
            f"reports it; profile: {pooler}, {server}")
