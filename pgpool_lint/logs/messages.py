"""What a server log message says about a statement, whatever the log format.

``log_statement`` writes ``statement: SQL`` (simple protocol) and ``execute NAME: SQL``
(extended protocol: NAME is the driver's protocol-level prepared statement, or
``<unnamed>``); ``log_min_duration_statement`` writes the same after
``duration: N ms  `` when ``log_statement`` did not already log the text.  Parse and bind
steps (``parse NAME:``, ``bind NAME:``) and re-fetches from an open portal
(``execute fetch from``) are not new executions and are not returned.  The SQL of a
protocol-level ``execute`` is linted like any other: the prepared statement itself is no
finding, only what its SQL does.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Callable, Optional

_STATEMENT = re.compile(r"(?:duration: \d+(?:\.\d+)? ms  )?(?:statement|execute (?!fetch from )[^\n]*?): ")
_PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')(?:, |$)")
_PARAMETERS_PREFIX = "parameters: "


def statement_start(message: str) -> Optional[int]:
    """Offset of the SQL in a ``LOG`` message that logs an executed statement, else None."""
    m = _STATEMENT.match(message)
    return m.end() if m else None


def parse_parameters(detail: Optional[str]) -> Optional[dict[int, str]]:
    """``parameters: $1 = '42', $2 = NULL`` → {1: "'42'", 2: "NULL"} (values stay SQL literals)."""
    if not detail or not detail.startswith(_PARAMETERS_PREFIX):
        return None
    values: dict[int, str] = {}
    pos = len(_PARAMETERS_PREFIX)
    while pos < len(detail):
        m = _PARAMETER.match(detail, pos)
        if m is None:  # cut short or not what we expect: use what was read so far
            break
        values[int(m.group(1))] = m.group(2)
        pos = m.end()
    return values or None


def substitute_parameters(sql: str, parameters: dict[int, str]) -> tuple[str, Callable[[int], int]]:
    """``sql`` with each ``$n`` replaced by its logged value, and a map back to offsets in ``sql``.

    Checks read constants (``set_config(name, value, $3)`` is a session SET only when $3 is
    false), so they see the statement as it ran.  Offsets inside a replaced value map to the
    ``$n`` it replaced.
    """
    from ..sql.pgparser import ParseError, scan

    try:
        tokens = [t for t in scan(sql) if t.name == "PARAM"]
    except ParseError:
        return sql, _identity
    pieces: list[str] = []
    #: (start in the new text, end in the new text, start in sql, end in sql) of each value
    replaced: list[tuple[int, int, int, int]] = []
    last = 0
    new_length = 0
    for tok in tokens:
        value = parameters.get(int(sql[tok.start + 1:tok.end + 1]))
        if value is None:
            continue
        pieces.append(sql[last:tok.start])
        new_length += tok.start - last
        replaced.append((new_length, new_length + len(value), tok.start, tok.end + 1))
        pieces.append(value)
        new_length += len(value)
        last = tok.end + 1
    if not replaced:
        return sql, _identity
    pieces.append(sql[last:])
    starts = [r[0] for r in replaced]

    def original_offset(offset: int) -> int:
        i = bisect_right(starts, offset) - 1
        if i < 0:
            return offset
        new_start, new_end, old_start, old_end = replaced[i]
        if offset < new_end:
            return old_start
        return offset - new_end + old_end

    return "".join(pieces), original_offset


def _identity(offset: int) -> int:
    return offset
