"""Lint what the application actually sent: PostgreSQL server logs and pg_stat_statements.

Every source (``stderr``, ``csvlog``, ``jsonlog``, a pg_stat_statements export or a live
view) is read as a stream of ``LoggedStatement``; ``grouping.StatementGroups`` runs the same
engine as ``check`` on each statement and keeps one group per (rule, normalized statement),
so memory does not grow with the size of the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

#: the input formats ``pgpool-lint logs --format`` accepts ("auto" sniffs the file)
INPUT_FORMATS = ("auto", "stderr", "csvlog", "jsonlog", "pg-stat-statements")


@dataclass(slots=True)
class LoggedStatement:
    """One statement the server ran (or one pg_stat_statements row), and where it was read."""

    sql: str
    #: physical line of the source where ``sql`` starts (1-based)
    line: int
    #: column of ``sql``'s first character on that line; None when unknown (quoted fields)
    column: Optional[int] = None
    #: how the statement's own line breaks appear in the source: "tab" (stderr puts a tab
    #: after each newline), "verbatim" (a CSV field) or "none" (escaped: JSON, a live view)
    continuation: str = "none"
    #: the source line the statement starts on, shown by the ``full`` format
    source_line: str = ""
    #: how many executions this stands for (pg_stat_statements ``calls``; 1 for a log line)
    count: int = 1
    timestamp: Optional[str] = None
    user: Optional[str] = None
    database: Optional[str] = None
    application: Optional[str] = None
    #: bind parameters from a ``DETAIL:  parameters: $1 = '...'`` line, by number
    parameters: Optional[dict[int, str]] = None
    #: the server session that ran it (session id or backend PID), when the source tells
    session: Optional[str] = None


class InputError(Exception):
    """A source that cannot be read at all (the command exits 2); bad lines are only counted."""


def csv_records(reader: Any, malformed: Callable[[], None]) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, fields) of each further record of a ``csv.reader``; a record the
    reader rejects calls ``malformed()`` and is skipped (a quoted field may span lines)."""
    import csv

    previous_end = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            malformed()
            previous_end = reader.line_num
            continue
        start, previous_end = previous_end + 1, reader.line_num
        yield start, row
