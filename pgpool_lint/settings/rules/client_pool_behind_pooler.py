"""PGB208 client-pool-behind-pooler: a driver's own connection pool in front of a transaction pooler.

Two cases, judged by what each really costs (ecosystems.md §2):

- Npgsql pools connections itself (``Pooling=true``, the default) and resets each one it takes
  back with ``DISCARD ALL`` (``No Reset On Close=false``, the default).  Behind a transaction pooler
  that statement runs on whichever server connection the pooler hands out: it drops the prepared
  statements PgBouncer keeps there for other clients (before 1.22, PgBouncer does not know they are
  gone) and has caused protocol errors (npgsql#1636, #2221).  Npgsql's docs: with its pooling on
  behind PgBouncer in transaction or statement mode, set ``No Reset On Close=true``.  A warning.
- SQLAlchemy's default ``QueuePool`` (``AsyncAdaptedQueuePool`` for ``create_async_engine``) keeps
  up to ``pool_size + max_overflow`` connections per process open to the pooler, which already
  shares server connections: double pooling.  Nothing breaks by itself (SQLAlchemy's maintainer
  runs it that way), and ``pool_pre_ping`` neither causes nor prevents a breakage (the psycopg
  dialects run its ``SELECT 1`` in autocommit).  The seeds' and the providers' advice is ``poolclass=NullPool``; reported as
  ``info`` and only when the URL is known to be pooled.
"""

from __future__ import annotations

from typing import Iterator

from ...core.findings import Finding
from ..context import Context
from ..model import Fact, finding, truthy, where
from ..urls import MAYBE, POOLED

CODE = "PGB208"

#: SQLAlchemy pool classes that keep connections between checkouts (the default ones)
_KEEPING_POOLS = frozenset({"QueuePool", "AsyncAdaptedQueuePool"})


def check(ctx: Context) -> Iterator[Finding]:
    for fact in ctx.facts:
        if fact.kind == "url":
            yield from _npgsql_reset(fact)
        elif fact.kind == "sqlalchemy-engine":
            yield from _sqlalchemy_pool(fact)


def _npgsql_reset(fact: Fact) -> Iterator[Finding]:
    parsed = fact.url.parsed if fact.url is not None else None
    if parsed is None or parsed.scheme != "npgsql" or not fact.url.literal or fact.status not in (POOLED, MAYBE):
        return
    from ..semicolon_dsn import canonical

    params = {canonical(p.key): p for p in parsed.params}
    pooling, reset = params.get("pooling"), params.get("no_reset_on_close")
    if pooling is not None and truthy(pooling.value) is False:
        return  # no client-side pool: nothing is reset on close
    if reset is not None and truthy(reset.value) is not False:
        return  # true, or a value we cannot read
    span = fact.url.param_span(reset) if reset is not None else (fact.start, fact.end)
    written = f"`{reset.key}={reset.value}`" if reset is not None else "`No Reset On Close` defaults to false"
    yield finding(CODE, span,
                  f"Npgsql pools this connection itself and resets it with `DISCARD ALL` when it is closed "
                  f"({written}): through a transaction pooler that reset runs on whichever server connection the "
                  f"pooler picks, wiping what that connection holds for other clients (prepared statements "
                  f"PgBouncer < 1.22 tracks), and it has caused protocol errors (npgsql#1636, #2221)"
                  f"{where(fact.url)}",
                  "Add `No Reset On Close=true` to the pooled connection string (Npgsql docs, \"Compatibility: "
                  "PgBouncer\"), or turn Npgsql's pool off with `Pooling=false`.")


def _sqlalchemy_pool(fact: Fact) -> Iterator[Finding]:
    if fact.status != POOLED or "**" in fact.settings:
        return  # only with evidence the URL is pooled; **options may choose the pool
    driver = fact.url.parsed.driver if fact.url is not None and fact.url.parsed is not None else ""
    if driver.startswith("sqlite"):
        return
    poolclass = fact.extra.get("poolclass")
    if "poolclass" in fact.settings and poolclass not in _KEEPING_POOLS:
        return  # NullPool, StaticPool, a custom or computed pool: the user chose
    default = "AsyncAdaptedQueuePool" if fact.extra.get("async") else "QueuePool"
    chosen = f"`poolclass={poolclass}`" if poolclass else f"the default `{default}`"
    ping = " with `pool_pre_ping`" if truthy(getattr(fact.settings.get("pool_pre_ping"), "value", None)) else ""
    yield finding(CODE, fact,
                  f"`{fact.label}` keeps its own pool ({chosen}{ping}) of connections to a transaction pooler, "
                  f"which already shares server connections: each process holds up to `pool_size + max_overflow` "
                  f"client connections open (double pooling; not a breakage by itself){where(fact.url)}",
                  "Pass `poolclass=NullPool` (`from sqlalchemy.pool import NullPool`) and let the pooler pool; "
                  "keep the QueuePool only if you measured that reconnecting to the pooler costs too much.",
                  "info")
