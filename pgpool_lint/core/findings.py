"""What every stage reports: a finding, with character offsets into the text that was linted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass(slots=True)
class Finding:
    """A check's result, with character offsets into the SQL text that was linted."""

    code: str
    message: str
    help: str
    start: int
    end: int
    fix: Any = None  # a diagnostics.Fix with offsets into the same text, or None
    statement_start: Optional[int] = None  # where the enclosing statement starts (suppressions)
    #: other rules' findings this one stands for (see Absorption); the engine drops them
    absorbs: tuple["Absorption", ...] = ()
    #: another offset whose line a suppression comment may sit on (the call that sends SQL in code)
    anchor: Optional[int] = None
    #: overrides the rule's catalogue severity when a finding is less certain (e.g. a driver
    #: setting on a connection string that may or may not go through the pooler)
    severity: Optional[str] = None


@dataclass(frozen=True, slots=True)
class Absorption:
    """A file-level finding stands for the findings of ``codes`` that start in [start, end).

    E.g. one pg-dump-preamble finding replaces the dozen session-set findings of the
    preamble's SETs: one cause, one message, one fix.
    """

    codes: frozenset[str]
    start: int
    end: int

    def covers(self, finding: "Finding") -> bool:
        return finding.code in self.codes and self.start <= finding.start < self.end
