"""PGB202 server-side-cursors: WITH HOLD cursors that drivers open for you.

Django's ``QuerySet.iterator()`` opens a named cursor that is ``WITH HOLD`` in autocommit
(``create_cursor``: ``cursor(name, scrollable=False, withhold=self.connection.autocommit)``);
Django's docs: "Using a connection pooler in transaction pooling mode (e.g. PgBouncer)
requires disabling server-side cursors for that connection."  psycopg2/psycopg
``cursor(name, withhold=True)`` declares ``CURSOR WITH HOLD`` directly.
"""

from __future__ import annotations

from typing import Iterator

from ...core.findings import Finding
from ..context import Context
from ..model import dynamic, finding, severity, truthy, where

CODE = "PGB202"


def check(ctx: Context) -> Iterator[Finding]:
    for fact in ctx.facts:
        if fact.kind == "django-database":
            report, sev = severity(fact.status, explicit=False)
            disabled = fact.setting("DISABLE_SERVER_SIDE_CURSORS")
            if not report or (disabled is not None and (dynamic(disabled) or truthy(disabled.value) is True)):
                continue
            yield finding(
                CODE, disabled or fact,
                f"`{fact.label}` keeps server-side cursors on: `QuerySet.iterator()` declares a `WITH HOLD` cursor "
                f"in autocommit, which the next transaction may not find (`cursor \"_django_curs_...\" does not "
                f"exist`){where(fact.url)}",
                f"Set `\"DISABLE_SERVER_SIDE_CURSORS\": True` in {fact.label} (Django docs, \"Transaction pooling "
                "and server-side cursors\"), or give `.iterator()` users a second alias on a direct connection.",
                sev)
        elif fact.kind == "withhold-cursor":
            report, sev = severity(fact.status, explicit=True)
            if report:
                yield finding(
                    CODE, fact,
                    f"`{fact.label}` with `withhold=True` declares a `CURSOR WITH HOLD`: it stays on the server "
                    f"connection after COMMIT, where your next FETCH may not find it (`cursor ... does not exist`)"
                    f"{where(fact.url)}",
                    "Drop `withhold=True` and fetch and close the named cursor inside one transaction, or use a "
                    "client-side cursor; keep WITH HOLD cursors on a direct connection.",
                    sev)
