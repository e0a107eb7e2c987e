"""pg_stat_statements: a live, read-only query of the view (``--dsn``, psycopg), or an export.

An export is CSV with a header (``\\copy (SELECT ...) TO 'f.csv' CSV HEADER``), a JSON array
(``SELECT json_agg(s) ...``) or one JSON object per line (``SELECT row_to_json(s) ...``).
Each row needs ``query`` and ``calls``; the user and database are read from ``rolname`` /
``usename`` / ``user`` and ``datname`` / ``dbname`` / ``database`` when the export joined
them in.  PostgreSQL does not record SQL-level PREPARE/EXECUTE/DEALLOCATE in this view.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional

from . import InputError, LoggedStatement, csv_records

#: the live query: the statements with their role and database names, most called first
LIVE_QUERY = """
SELECT s.query, s.calls, r.rolname, d.datname
FROM pg_stat_statements s
LEFT JOIN pg_roles r ON r.oid = s.userid
LEFT JOIN pg_database d ON d.oid = s.dbid
ORDER BY s.calls DESC, s.query
"""
_USER_KEYS = ("rolname", "usename", "user", "username")
_DATABASE_KEYS = ("datname", "dbname", "database")


@dataclass
class PgssReader:
    max_statement: int
    malformed: int = 0
    too_long: int = 0
    #: rows whose text the connecting role may not see (``<insufficient privilege>``)
    hidden: int = 0

    def _count_malformed(self) -> None:
        self.malformed += 1

    def rows_to_statements(self, rows: Iterable[tuple[int, Any]]) -> Iterator[LoggedStatement]:
        """(line, row mapping) pairs → statements; a row without a usable query/calls is malformed."""
        for line, row in rows:
            stmt = self._statement(line, row)
            if stmt is not None:
                yield stmt

    def _statement(self, line: int, row: Any) -> Optional[LoggedStatement]:
        if not isinstance(row, dict) or not isinstance(row.get("query"), str):
            self.malformed += 1
            return None
        try:
            calls = int(row.get("calls"))  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's Infinity
            self.malformed += 1
            return None
        if row["query"] == "<insufficient privilege>":
            self.hidden += 1
            return None
        if len(row["query"]) > self.max_statement:
            self.too_long += 1
            return None
        if calls <= 0:
            return None
        return LoggedStatement(sql=row["query"], line=line, count=calls, user=_first(row, _USER_KEYS),
                               database=_first(row, _DATABASE_KEYS))

    def export_statements(self, lines: Iterable[tuple[int, str]]) -> Iterator[LoggedStatement]:
        """Statements of an exported file: JSON (array or lines) or CSV with a header."""
        lines = iter(lines)
        head: list[tuple[int, str]] = []
        for number, line in lines:
            head.append((number, line))
            if line.strip():
                break
        if not head or not head[-1][1].strip():
            return
        first = head[-1][1].lstrip()
        rest = _chain(head, lines)
        if first.startswith("["):
            yield from self._json_array(rest)
        elif first.startswith("{"):
            yield from self.rows_to_statements(self._json_lines(rest))
        else:
            yield from self.rows_to_statements(self._csv_rows(rest))

    def _json_array(self, lines: Iterable[tuple[int, str]]) -> Iterator[LoggedStatement]:
        # A JSON array is read whole: pg_stat_statements holds at most pg_stat_statements.max rows.
        text = "".join(line for _, line in lines)
        if len(text) > 64 * self.max_statement:
            raise InputError("JSON array export is too large to read at once; export one object per line")
        try:
            rows = json.loads(text)
        except ValueError as exc:
            raise InputError(f"not a JSON array of pg_stat_statements rows: {exc}") from None
        except RecursionError:
            raise InputError("not a JSON array of pg_stat_statements rows: nested too deeply") from None
        if not isinstance(rows, list):
            raise InputError("not a JSON array of pg_stat_statements rows")
        yield from self.rows_to_statements((1, row) for row in rows)

    def _json_lines(self, lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, Any]]:
        for number, line in lines:
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except (ValueError, RecursionError):
                self.malformed += 1

    def _csv_rows(self, lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, Any]]:
        reader = csv.reader((line for _, line in lines), strict=True)
        try:
            header = next(reader)
        except (StopIteration, csv.Error):
            return
        if "query" not in header or "calls" not in header:
            raise InputError("a pg_stat_statements CSV export needs a header row with `query` and `calls`")
        for start, row in csv_records(reader, self._count_malformed):
            if len(row) != len(header):
                if any(row):
                    self.malformed += 1
                continue
            yield start, dict(zip(header, row))


def live_statements(dsn: str, reader: PgssReader) -> Iterator[LoggedStatement]:
    """Rows of the pg_stat_statements view, read in a read-only transaction."""
    try:
        import psycopg
    except ImportError:
        raise InputError("--dsn needs psycopg: pip install 'pgpool-lint[dsn]'") from None
    try:
        with psycopg.connect(dsn, connect_timeout=10) as conn:
            conn.read_only = True  # BEGIN READ ONLY: this command never writes
            with conn.cursor() as cur:
                cur.execute(LIVE_QUERY)
                names = [c.name for c in cur.description or ()]
                rows = [(n, dict(zip(names, row))) for n, row in enumerate(cur, start=1)]
    except psycopg.errors.UndefinedTable:
        raise InputError("pg_stat_statements is not installed in that database: "
                         "add it to shared_preload_libraries and run CREATE EXTENSION pg_stat_statements") from None
    except psycopg.Error as exc:
        from ..report import dsn_password, redact

        # libpq quotes the whole connection string in some errors: never its password
        raise InputError(f"cannot read pg_stat_statements: {redact(str(exc).strip(), dsn_password(dsn))}") from None
    yield from reader.rows_to_statements(rows)


def _first(row: dict, keys: tuple[str, ...]) -> Optional[str]:
    for key in keys:
        value = row.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _chain(head: list, rest: Iterator) -> Iterator:
    yield from head
    yield from rest
