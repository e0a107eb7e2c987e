"""Judge a SQL string a driver setting sends (a SET on connect, an Alembic ``execute``) with the
SQL rules themselves: pglast parses it, the ``session-set`` / ``session-role`` checks decide."""

from __future__ import annotations

import functools
import re
from typing import Any

#: driver placeholders: %s, %(name)s, {name} — replaced by same-length identifiers to parse
_PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)s|%s|\{[^{}]*\}")


@functools.lru_cache(maxsize=1)
def _checks() -> tuple[Any, Any]:
    from ...sql.dispatch import load_checks
    from ...sql.gate import Gate

    checks = load_checks(["PGB001", "PGB008"])
    return checks, Gate(checks)


def session_statements(sql: str, profile: Any) -> list[tuple[int, str]]:
    """(offset in ``sql``, statement text) of each statement that leaves session state."""
    from ...sql.engine import analyse_sql

    prepared = _PLACEHOLDER.sub(lambda m: "_" * len(m.group()), sql)
    checks, gate = _checks()
    try:
        findings, _ = analyse_sql(prepared, checks, gate, profile, report_parse_errors=False)
    except Exception:  # an odd string must not stop the file; the SQL rules report SQL files
        return []
    out = []
    for f in findings:
        out.append((f.start, " ".join(sql[f.start:f.end].split())[:80]))
    return out
