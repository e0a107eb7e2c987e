"""PostgreSQL's ``jsonlog`` format (PostgreSQL 15+): one JSON object per line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Iterator

from . import LoggedStatement
from .messages import parse_parameters, statement_start


@dataclass
class JsonlogReader:
    max_statement: int
    malformed: int = 0
    too_long: int = 0

    def statements(self, lines: Iterable[tuple[int, str]]) -> Iterator[LoggedStatement]:
        for number, line in lines:
            if not line.strip():
                continue
            if len(line) > self.max_statement + 4096:
                self.too_long += 1
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
                self.malformed += 1
                continue
            if not isinstance(record, dict) or not isinstance(record.get("message"), str):
                self.malformed += 1
                continue
            if record.get("error_severity") != "LOG":
                continue
            message = record["message"]
            start = statement_start(message)
            if start is None:
                continue
            detail = record.get("detail")
            yield LoggedStatement(
                sql=message[start:], line=number, timestamp=_text(record.get("timestamp")),
                user=_text(record.get("user")), database=_text(record.get("dbname")),
                application=_text(record.get("application_name")),
                parameters=parse_parameters(detail) if isinstance(detail, str) else None,
                session=_text(record.get("session_id")),
            )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
