"""Suppression comments.

- ``-- pgpool-lint: ignore[session-set, PGB007]`` — on the statement's (or finding's) line,
  or alone on a line above it; ``-- pgpool-lint: ignore`` without a list ignores every rule.
- ``-- pgpool-lint: file-ignore[...]`` — anywhere, for the whole file.
- ``-- noqa: PGB001`` (and a bare ``-- noqa``) — the familiar alias of ``ignore``.

The same directives work in ``/* */`` comments and, for SQL in code, in the host language's
comments (``#``, ``//``).  A directive naming an unknown rule is itself reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from ..core.catalogue import Catalogue
from ..core.comments import CommentSpan

ALL = "*"
_DIRECTIVE = re.compile(
    r"pgpool-lint\s*:\s*(?P<kind>file-ignore|ignore)\b(?:\s*\[(?P<codes>[^\]\n]*)\])?"
    r"|\bnoqa\b(?:\s*:\s*(?P<noqa>[A-Za-z0-9_-]+(?:[\s,]+[A-Za-z0-9_-]+)*))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BadDirective:
    start: int
    end: int
    message: str


@dataclass
class Suppressions:
    file_codes: set[str] = field(default_factory=set)  # may contain ALL
    by_line: dict[int, set[str]] = field(default_factory=dict)  # line -> codes (may contain ALL)
    bad: list[BadDirective] = field(default_factory=list)

    def covers(self, code: str, lines: Iterable[int]) -> bool:
        if ALL in self.file_codes or code in self.file_codes:
            return True
        for line in lines:
            codes = self.by_line.get(line)
            if codes and (ALL in codes or code in codes):
                return True
        return False


def parse_suppressions(
    comments: list[CommentSpan], line_of: "callable", next_code_line: "callable", catalogue: Catalogue
) -> Suppressions:
    """Read every directive in ``comments``.

    ``line_of(offset)`` gives an offset's 1-based line; ``next_code_line(line)`` gives the
    first line after ``line`` that holds code (so an own-line directive may sit above a
    block of further comments).
    """
    result = Suppressions()
    for comment in comments:
        for m in _DIRECTIVE.finditer(comment.text):
            raw = m.group("codes") if m.group("kind") else m.group("noqa")
            codes = _resolve(raw, comment, m, catalogue, result)
            if m.group("kind") and m.group("kind").lower() == "file-ignore":
                result.file_codes |= codes
                continue
            line = line_of(comment.start)
            targets = {line}
            if comment.own_line:
                nxt: Optional[int] = next_code_line(line_of(comment.end))
                if nxt is not None:
                    targets.add(nxt)
            for target in targets:
                result.by_line.setdefault(target, set()).update(codes)
    return result


def _resolve(raw: Optional[str], comment: CommentSpan, m: re.Match, catalogue: Catalogue,
             result: Suppressions) -> set[str]:
    if raw is None or not raw.strip():
        return {ALL}
    codes = set()
    for selector in re.split(r"[\s,]+", raw.strip()):
        if not selector:
            continue
        rule = catalogue.find(selector)
        if rule is None:
            start = comment.start + m.start()
            result.bad.append(BadDirective(start, comment.start + m.end(),
                                           f"Suppression names an unknown rule `{selector}`"))
        else:
            codes.add(rule.code)
    return codes
