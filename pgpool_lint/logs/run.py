"""``pgpool-lint logs``: read every source, group the findings, report what was skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Callable, Iterable, Iterator, Optional

from . import InputError, LoggedStatement
from .grouping import StatementGroups
from .source import Progress, numbered_lines, open_source, sniff_format, wants_progress, without_ends
from .stderr import SNIFF_LINES, StderrReader, guess_prefix, prefix_pattern

LIVE_SOURCE = "pg_stat_statements"


@dataclass
class LogsResult:
    diagnostics: list = field(default_factory=list)
    sources_read: int = 0
    errors: int = 0
    statements: int = 0


def lint_logs(paths: Iterable[str], linter, input_format: str = "auto", log_line_prefix: Optional[str] = None,
              dsn: Optional[str] = None, progress: bool = True,
              warn: Callable[[str], None] = print, error: Callable[[str], None] = print) -> LogsResult:
    """Lint log files (``-`` is stdin) and, with ``dsn``, the live pg_stat_statements view."""
    groups = StatementGroups(linter)
    result = LogsResult()
    max_statement = linter.settings.max_file_size
    pattern = prefix_pattern(log_line_prefix) if log_line_prefix is not None else None
    for raw in paths:
        display = raw
        try:
            with open_source(None if raw == "-" else raw) as (stream, size):
                bar = Progress(display, size) if wants_progress(progress) else None
                try:
                    lines = numbered_lines(stream, bar, max_statement + (64 << 10))
                    head = list(islice(lines, SNIFF_LINES))
                    fmt = input_format if input_format != "auto" else sniff_format([t for _, t in head[:50]])
                    reader, statements = _reader(fmt, chain(head, lines), head, pattern, max_statement)
                    kind = "pg_stat_statements" if fmt == "pg-stat-statements" else "log"
                    for stmt in statements:
                        groups.add(stmt, display, kind)
                    if getattr(reader, "matched", None) == 0 and reader.malformed:
                        which = f"--log-line-prefix {log_line_prefix!r}" if log_line_prefix is not None else "guessed"
                        raise InputError(f"{display}: no line matches the {which} log_line_prefix: "
                                         "give the server's setting (SHOW log_line_prefix)")
                finally:
                    if bar is not None:
                        bar.close()
        except InputError as exc:
            error(f"{display}: {exc}" if not str(exc).startswith(f"{display}:") else str(exc))
            result.errors += 1
            continue
        result.sources_read += 1
        _report_skips(display, reader, warn)
    if dsn is not None:
        from .pgss import PgssReader, live_statements

        reader = PgssReader(max_statement)
        try:
            for stmt in live_statements(dsn, reader):
                groups.add(stmt, LIVE_SOURCE, "pg_stat_statements")
        except InputError as exc:
            error(str(exc))
            result.errors += 1
        else:
            result.sources_read += 1
            _report_skips(LIVE_SOURCE, reader, warn)
    if groups.unparsable:
        warn(f"{groups.unparsable} logged statement{'s' if groups.unparsable != 1 else ''} could not be parsed "
             "(syntax newer than pgpool-lint's PostgreSQL parser?) and were not checked")
    if groups.dropped:
        warn(f"more than {len(groups.groups)} distinct statements with findings: "
             f"{groups.dropped} later occurrences of new ones were not reported")
    result.diagnostics = groups.diagnostics()
    result.statements = groups.statements
    return result


def _reader(fmt: str, lines: Iterator[tuple[int, str]], head: list[tuple[int, str]], pattern,
            max_statement: int) -> tuple[object, Iterator[LoggedStatement]]:
    if fmt == "stderr":
        if pattern is None:
            prefix = guess_prefix([t.rstrip("\r\n") for _, t in head])
            if prefix is None:
                if any(t.strip() for _, t in head):
                    raise InputError("no line looks like a PostgreSQL stderr log with a known log_line_prefix: "
                                     "pass the server's setting with --log-line-prefix")
                prefix = ""
            pattern = prefix_pattern(prefix)
        reader = StderrReader(pattern, max_statement)
        return reader, reader.statements(without_ends(lines))
    if fmt == "csvlog":
        from .csvlog import CsvlogReader

        reader = CsvlogReader(max_statement)
        return reader, reader.statements(lines)
    if fmt == "jsonlog":
        from .jsonlog import JsonlogReader

        reader = JsonlogReader(max_statement)
        return reader, reader.statements(without_ends(lines))
    from .pgss import PgssReader

    reader = PgssReader(max_statement)
    return reader, reader.export_statements(lines)


def _report_skips(display: str, reader, warn: Callable[[str], None]) -> None:
    if reader.malformed:
        warn(f"{display}: skipped {reader.malformed} malformed line{'s' if reader.malformed != 1 else ''}")
    if getattr(reader, "hidden", 0):
        warn(f"{display}: {reader.hidden} statements of other roles are hidden (`<insufficient privilege>`): "
             "connect as a role with pg_read_all_stats to check them")
    if reader.too_long:
        warn(f"{display}: skipped {reader.too_long} statement{'s' if reader.too_long != 1 else ''} "
             "longer than max-file-size")
