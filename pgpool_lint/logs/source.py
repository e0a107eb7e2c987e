"""Reading a log source as numbered text lines, in constant memory, with a progress bar on a
terminal; and telling which format it is in."""

from __future__ import annotations

import gzip
import json
import os
import sys
from contextlib import contextmanager
from typing import BinaryIO, Iterator, Optional

from . import InputError

#: bytes read between two updates of the progress bar
_PROGRESS_STEP = 1 << 20


@contextmanager
def open_source(path: Optional[str]) -> Iterator[tuple[BinaryIO, Optional[int]]]:
    """(binary stream, size in bytes or None) of a path, a ``.gz`` file or stdin (None)."""
    if path is None:
        yield sys.stdin.buffer, None
        return
    try:
        if os.path.isdir(path):
            raise InputError(f"{path}: is a directory")
        raw = open(path, "rb")
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    try:
        size = os.fstat(raw.fileno()).st_size
        if path.endswith(".gz"):  # the uncompressed size is unknown: the bar has no end
            yield gzip.GzipFile(fileobj=raw, mode="rb"), None
        else:
            yield raw, size
    finally:
        raw.close()


def numbered_lines(stream: BinaryIO, progress: Optional["Progress"] = None,
                   max_line: int = 16 << 20) -> Iterator[tuple[int, str]]:
    """(1-based line number, text with its line break) of every line; lines end only at ``\\n``.

    Bytes that are not UTF-8 become U+FFFD: a log mixes the encodings of its databases.  A
    line longer than ``max_line`` bytes is read in pieces and dropped (it comes out empty, so
    the format's reader counts it as malformed): memory never holds more than one such piece.
    """
    number = 0
    read_since = 0
    try:
        while True:
            raw = stream.readline(max_line)
            if not raw:
                return
            if len(raw) == max_line and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    read_since += len(raw)
                    raw = stream.readline(max_line)
                raw = b"\n"
            number += 1
            if progress is not None:
                read_since += len(raw)
                if read_since >= _PROGRESS_STEP:
                    progress.advance(read_since)
                    read_since = 0
            yield number, raw.decode("utf-8", errors="replace")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"read failed after line {number}: {exc}") from None


class Progress:
    """A transient rich progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, label: str, total: Optional[int]) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task(label, total=total)
        self._done = 0
        self._bar.start()

    def advance(self, count: int) -> None:
        self._done += count
        self._bar.update(self._task, completed=self._done)

    def close(self) -> None:
        self._bar.stop()


def without_ends(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    for number, text in lines:
        yield number, text.rstrip("\r\n")


def wants_progress(enabled: bool) -> bool:
    return enabled and sys.stderr.isatty() and not os.environ.get("CI")


def sniff_format(first_lines: list[str]) -> str:
    """The input format of a file from its first lines (kept with their line breaks)."""
    import csv
    import io

    text = "".join(first_lines).lstrip()
    if not text:
        return "stderr"
    if text.startswith("["):
        return "pg-stat-statements"
    if text.startswith("{"):
        try:
            record = json.loads(text.splitlines()[0])
        except ValueError:
            return "jsonlog"
        if isinstance(record, dict) and "query" in record and "calls" in record:
            return "pg-stat-statements"
        return "jsonlog"
    try:
        row = next(csv.reader(io.StringIO(text)))
    except (csv.Error, StopIteration):
        return "stderr"
    if "query" in row and "calls" in row:
        return "pg-stat-statements"
    if len(row) > 13 and row[11] in _SEVERITIES:
        return "csvlog"
    return "stderr"


_SEVERITIES = frozenset({"DEBUG1", "DEBUG2", "DEBUG3", "DEBUG4", "DEBUG5", "LOG", "INFO", "NOTICE", "WARNING",
                         "ERROR", "FATAL", "PANIC"})
