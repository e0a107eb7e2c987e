"""PGB207 session-dependency: a dependency manifest names a library that keeps session state,
in a deployment that runs through a transaction pooler.

Job queues that LISTEN or hold session advisory locks, and gems that run ``SET SESSION``, break
when each transaction may get another server connection (ecosystems.md §2, "Job queues using
LISTEN / session locks").  Reported at the manifest line only when the repository shows a
transaction pooler (deployment evidence, ``pooled-hosts``, a provider preset): a library is
not a hazard by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from ...core.findings import Finding
from ..context import Context
from ..model import finding

CODE = "PGB207"


@dataclass(frozen=True)
class Library:
    name: str
    keeps: str  # the session state it keeps, for the message
    way_out: str  # the library's documented way out
    reference: str


LIBRARIES = {
    ("ruby", "statement_timeout"): Library(
        "statement_timeout", "runs `SET SESSION statement_timeout` around the block",
        "Set the timeout on the role (`ALTER ROLE ... SET statement_timeout`) or with `SET LOCAL` inside the "
        "transaction instead of the gem.", "pooling-semantics.md §1"),
    ("ruby", "good_job"): Library(
        "good_job", "LISTENs for new jobs and holds session advisory locks on the jobs it runs",
        "Give GoodJob a direct connection: `GoodJob.active_record_parent_class` set to a model that connects to a "
        "direct (non-pooled) database entry (GoodJob README, \"PgBouncer compatibility\").", "bensheldon/good_job#482"),
    ("ruby", "que"): Library(
        "que", "holds session advisory locks on the jobs it works and LISTENs for new ones",
        "Run Que's workers over a direct (non-pooled) connection (Que README: not compatible with transaction "
        "pooling).", "que-rb/que"),
    ("ruby", "queue_classic"): Library(
        "queue_classic", "LISTENs for new jobs (LISTEN/NOTIFY)",
        "Point `QC_DATABASE_URL` at a direct (non-pooled) connection for queue_classic.",
        "QueueClassic/queue_classic#184"),
    ("elixir", "oban"): Library(
        "oban", "uses the default `Oban.Notifiers.Postgres`, which LISTENs on the repo's connection",
        "Configure `notifier: Oban.Notifiers.PG` (or give the notifier a direct repo) in Oban's config (Oban docs, "
        "\"PgBouncer\").", "oban-bg/oban#642"),
    ("go", "github.com/riverqueue/river"): Library(
        "river", "LISTENs for new jobs and leadership changes",
        "Start the River client with `PollOnly: true` behind a transaction pooler, or give it a direct connection "
        "(River docs, \"PgBouncer\").", "riverqueue/river"),
}


def pooled_deployment(ctx: Context) -> Optional[str]:
    """Why this repository runs through a transaction pooler, or None when nothing says so."""
    if getattr(ctx.profile, "pool_mode", "transaction") == "session":
        return None
    if ctx.deployment is not None and ctx.deployment.transaction_pooler:
        return ctx.deployment.transaction_pooler
    hosts = sorted(h for h in ctx.pooled_hosts if not h.startswith("$"))
    if hosts or any(h.startswith("$") for h in ctx.pooled_hosts):
        return "`pooled-hosts` lists " + ", ".join(f"`{h}`" for h in sorted(ctx.pooled_hosts)[:3])
    preset = getattr(ctx.profile, "preset", "pgbouncer")
    if preset != "pgbouncer" and ctx.profile.sources.get("preset", "default preset") != "default preset":
        return f"the `{preset}` preset is a transaction pooler"
    return None


def check(ctx: Context) -> Iterator[Finding]:
    facts = [f for f in ctx.facts if f.kind == "session-library"]
    reason = pooled_deployment(ctx) if facts else None
    if reason is None:
        return
    handled = ctx.deployment.ways_out if ctx.deployment is not None else set()
    for fact in facts:
        library: Library = fact.extra["library"]
        if library.name in handled:
            continue  # its documented way out is configured somewhere in the repository
        yield finding(CODE, fact, f"`{library.name}` {library.keeps}: behind a transaction pooler that state stays on "
                      f"a server connection the next transaction may not get ({reason}; {library.reference})",
                      library.way_out)
