"""PGB205 listen-on-pooled-url: tools that LISTEN, configured with a pooled URL.

``LISTEN`` registers the server connection, not the client: through a transaction pooler
notifications never arrive (pgbouncer#655).  PostgREST listens on ``pgrst`` for schema-cache
reloads (``db-channel-enabled``, default true); Rails job backends good_job and que LISTEN
and hold session advisory locks (good_job: "not compatible with PgBouncer in transaction mode").
"""

from __future__ import annotations

from typing import Iterator

from ...core.findings import Finding
from ..context import Context
from ..model import configured_off, finding, severity, truthy, where

CODE = "PGB205"


def _has_direct_sibling(ctx: Context, fact) -> bool:
    """Another database of the same Rails environment that is not pooled."""
    return any(other is not fact and other.kind == "rails-database"
               and other.extra.get("environment") == fact.extra.get("environment")
               and other.status not in ("pooled", "maybe") for other in ctx.facts)


def check(ctx: Context) -> Iterator[Finding]:
    for fact in ctx.facts:
        if fact.kind == "postgrest":
            channel = fact.settings.get("db-channel-enabled")
            if configured_off(channel):
                continue
            report, sev = severity(fact.status, explicit=False)
            if report:
                name = fact.extra.get("names", {}).get("db-channel-enabled", "db-channel-enabled")
                yield finding(CODE, channel or fact,
                              f"PostgREST LISTENs on channel `pgrst` for schema-cache reloads (`{name}` "
                              f"{'is ' + str(channel.value) if channel else 'defaults to true'}); through a "
                              f"transaction pooler the notifications never arrive{where(fact.url)}",
                              f"Set `{name} = false` and reload the schema cache with SIGUSR1, or point PostgREST at "
                              "a direct connection.", sev)
        elif fact.kind == "pg-boss":
            listen = fact.settings.get("useListenNotify")
            report, sev = severity(fact.status, explicit=True)
            if listen is not None and truthy(listen.value) is True and report:
                yield finding(CODE, listen,
                              f"pg-boss `useListenNotify: true` LISTENs for new jobs; its docs: it \"requires a "
                              f"session-pinned connection\", not PgBouncer in transaction mode{where(fact.url)}",
                              "Leave `useListenNotify` off (pg-boss polls), or give pg-boss a direct connection string.",
                              sev)
        elif fact.kind == "graphile-worker":
            report, sev = severity(fact.status, explicit=False)
            if report:
                yield finding(CODE, fact,
                              f"graphile-worker LISTENs (`jobs:insert`, `worker:migrate`) on its connection"
                              f"{where(fact.url)}",
                              "Give the worker a direct or session-mode connection string (graphile-worker FAQ).", sev)
        elif fact.kind == "sqlx-listener":
            report, sev = severity(fact.status, explicit=False)
            if report:
                yield finding(CODE, fact,
                              f"sqlx `PgListener` LISTENs on its connection: through a transaction pooler the "
                              f"notifications never arrive{where(fact.url)}",
                              "Connect the listener to a direct (non-pooled) URL: `PgListener::connect(&direct_url)`.",
                              sev)
        elif fact.kind == "oban":
            notifier = fact.settings.get("notifier")
            if notifier is not None and str(notifier.value).rsplit(".", 1)[-1] != "Postgres":
                continue  # Oban.Notifiers.PG (distributed Erlang) or a custom one
            report, sev = severity(fact.status, explicit=False)
            if report:
                yield finding(CODE, notifier or fact,
                              f"Oban's notifier is `Oban.Notifiers.Postgres` "
                              f"({'set here' if notifier else 'the default'}): it LISTENs on the repo's connection, "
                              f"so through a transaction pooler jobs are only picked up by polling and "
                              f"pause/scale/cancel signals are lost (oban#642){where(fact.url)}",
                              "Use `notifier: Oban.Notifiers.PG` (needs clustered nodes), or give Oban a repo on a "
                              "direct connection.", sev)
        elif fact.kind == "rails-database":
            if _has_direct_sibling(ctx, fact):
                continue  # good_job / que documented setup: a second, direct database for the jobs
            for gem in fact.extra.get("listen_gems", ()):
                report, sev = severity(fact.status, explicit=False)
                if report:
                    yield finding(CODE, fact,
                                  f"`{gem}` (in Gemfile.lock) uses LISTEN/NOTIFY and session advisory locks on "
                                  f"`{fact.label}`{where(fact.url)}",
                                  f"Give {gem} its own database config on a direct or session-mode connection "
                                  "(good_job README: not compatible with PgBouncer in transaction mode; que: "
                                  "`--connection-url`).", sev)
