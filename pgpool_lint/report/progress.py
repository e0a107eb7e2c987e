"""A progress bar for long ``check`` runs: on stderr, only when stderr is a terminal and not in
CI, and only once the run has taken ``DELAY`` seconds (a quick run, a pipe or a CI log never
sees it).  rich is imported only when the bar is shown."""

from __future__ import annotations

import os
import sys
import time

DELAY = 2.0  # seconds; PGPOOL_LINT_PROGRESS_DELAY overrides it (the tests use 0)


def _wanted(enabled: bool) -> bool:
    return enabled and sys.stderr.isatty() and not os.environ.get("CI")


class RunProgress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.done = 0
        self._bar = None
        self._wanted = _wanted(enabled) and total > 0
        try:
            delay = float(os.environ.get("PGPOOL_LINT_PROGRESS_DELAY", DELAY))
        except ValueError:
            delay = DELAY
        self._show_at = time.monotonic() + delay

    def advance(self) -> None:
        """Called before each file: shows the bar once the run is slow enough, then moves it."""
        if self._wanted and self._bar is None and time.monotonic() >= self._show_at:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
            self._task = self._bar.add_task("check", total=self.total, completed=self.done)
            self._bar.start()
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
        self.done += 1

    def close(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=self.total)
            self._bar.stop()
            self._bar = None
