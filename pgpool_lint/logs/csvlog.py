"""PostgreSQL's ``csvlog`` format: one CSV record per message; a quoted field may span lines.

Columns by position (PostgreSQL 9.0 to 17): 0 log_time, 1 user_name, 2 database_name,
5 session_id, 11 error_severity, 13 message, 14 detail, 22 application_name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Iterable, Iterator

from . import LoggedStatement, csv_records
from .messages import parse_parameters, statement_start

_TIME, _USER, _DATABASE, _SESSION, _SEVERITY, _MESSAGE, _DETAIL, _APPLICATION = 0, 1, 2, 5, 11, 13, 14, 22


@dataclass
class CsvlogReader:
    max_statement: int
    malformed: int = 0
    too_long: int = 0

    def _count_malformed(self) -> None:
        self.malformed += 1

    def statements(self, lines: Iterable[tuple[int, str]]) -> Iterator[LoggedStatement]:
        """``lines`` keep their line breaks: a quoted field's newlines are part of its value."""
        reader = csv.reader((line for _, line in lines), strict=True)
        for start_line, row in csv_records(reader, self._count_malformed):
            if len(row) <= _DETAIL or not row[0]:
                if any(row):
                    self.malformed += 1
                continue
            if row[_SEVERITY] != "LOG":
                continue
            message = row[_MESSAGE]
            start = statement_start(message)
            if start is None:
                continue
            if len(message) - start > self.max_statement:
                self.too_long += 1
                continue
            yield LoggedStatement(
                sql=message[start:], line=start_line, continuation="verbatim", timestamp=row[_TIME] or None,
                user=row[_USER] or None, database=row[_DATABASE] or None,
                application=(row[_APPLICATION] or None) if len(row) > _APPLICATION else None,
                parameters=parse_parameters(row[_DETAIL]), session=row[_SESSION] or None,
            )
