"""What a finding is, in the shape every output format and editor reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the characters [start, end) of the file with ``content``.

    ``start``/``end`` are character offsets into the decoded file text; ``location`` and
    ``end_location`` are the same span as 1-based (row, column) pairs.
    """

    content: str
    start: int
    end: int
    location: tuple[int, int] = (0, 0)
    end_location: tuple[int, int] = (0, 0)


@dataclass(frozen=True, slots=True)
class Fix:
    """Edits that resolve a finding, and whether applying them is safe (``--fix``) or not."""

    applicability: str  # "safe" | "unsafe" | "display-only"
    message: str
    edits: tuple[Edit, ...]


@dataclass(slots=True)
class Diagnostic:
    """A finding as reported: rule, message, file and position (what every format prints)."""

    code: str
    name: str
    message: str
    help: str
    severity: str  # "error" | "warning" | "info"
    filename: str
    start: int  # character offsets into the file text
    end: int
    location: tuple[int, int] = (0, 0)  # 1-based (row, column), filled in by the engine
    end_location: tuple[int, int] = (0, 0)
    fix: Optional[Fix] = None
    source_kind: str = "sql"
    # the file's text, kept so that the "full" format can show the source line
    source_line: str = field(default="", repr=False, compare=False)
    #: ``pgpool-lint logs`` only: how often the statement ran, when, by whom (see README, "Logs")
    occurrences: Optional[dict[str, Any]] = None

    def sort_key(self) -> tuple[Any, ...]:
        return (self.filename, self.location, self.code, self.end_location, self.message)

    @property
    def url(self) -> str:
        """The rule's documentation, at the installed version."""
        from .version import code_url

        return code_url(self.code, self.name)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON contract: exactly these keys (see README, "JSON output"), plus
        ``occurrences`` for findings of ``pgpool-lint logs``."""
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "help": self.help,
            "severity": self.severity,
            "filename": self.filename,
            "location": {"row": self.location[0], "column": self.location[1]},
            "end_location": {"row": self.end_location[0], "column": self.end_location[1]},
            "fix": _fix_json(self.fix),
            "source_kind": self.source_kind,
            "url": self.url,
        } | ({"occurrences": self.occurrences} if self.occurrences is not None else {})


def _fix_json(fix: Optional[Fix]) -> Optional[dict[str, Any]]:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [
            {
                "content": e.content,
                "location": {"row": e.location[0], "column": e.location[1]},
                "end_location": {"row": e.end_location[0], "column": e.end_location[1]},
            }
            for e in fix.edits
        ],
    }
