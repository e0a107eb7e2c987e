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
class Directive:
    """One suppression comment, and which of its codes silenced a finding (``unused``)."""

    start: int
    end: int
    codes: set[str]  # may contain ALL
    whole_file: bool
    comment: CommentSpan
    #: a bare ``noqa``: other linters (flake8, ruff, sqlfluff) read it too, so it is never
    #: called unused
    shared: bool = False
    used: set[str] = field(default_factory=set)

    @property
    def whole_comment(self) -> bool:
        """The comment holds this directive and nothing else (it can be deleted as a whole)."""
        text = self.comment.text
        at = self.start - self.comment.start
        return not text[:at].strip("-#/*; \t!") and not text[self.end - self.comment.start:].strip("*/ \t\r\n")


@dataclass
class Suppressions:
    file_codes: set[str] = field(default_factory=set)  # may contain ALL
    by_line: dict[int, set[str]] = field(default_factory=dict)  # line -> codes (may contain ALL)
    bad: list[BadDirective] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    file_directives: list[Directive] = field(default_factory=list)
    line_directives: dict[int, list[Directive]] = field(default_factory=dict)

    def covers(self, code: str, lines: Iterable[int]) -> bool:
        """Whether a directive silences ``code`` on one of ``lines`` (and remember which did)."""
        found = False
        for directive in self.file_directives:
            found |= _use(directive, code)
        for line in lines:
            for directive in self.line_directives.get(line, ()):
                found |= _use(directive, code)
        return found

    def silenced_by_another(self, directive: Directive, code: str, line: int) -> bool:
        """Another directive (not ``directive`` itself) silences ``code`` on ``line``."""
        return any(other is not directive and _use(other, code)
                   for other in [*self.file_directives, *self.line_directives.get(line, ())])

    def unused(self, active: "Iterable[str]") -> list[tuple[Directive, list[str]]]:
        """(directive, codes it names that silenced nothing) — only codes of ``active`` rules:
        a directive for a rule that is off cannot be judged.  ``[]`` in the list: a bare
        directive (every rule) that silenced nothing."""
        active = set(active)
        out = []
        for directive in self.directives:
            if directive.shared:
                continue
            if ALL in directive.codes:
                if not directive.used:
                    out.append((directive, []))
                continue
            idle = sorted(c for c in directive.codes - directive.used if c in active)
            if idle:
                out.append((directive, idle))
        return out


def _use(directive: Directive, code: str) -> bool:
    if ALL in directive.codes or code in directive.codes:
        directive.used.add(code)
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
            whole_file = bool(m.group("kind")) and m.group("kind").lower() == "file-ignore"
            if not codes:
                continue  # only unknown rules: reported by invalid-suppression
            directive = Directive(comment.start + m.start(), comment.start + m.end(), codes, whole_file, comment,
                                  shared=not m.group("kind") and raw is None)
            result.directives.append(directive)
            if whole_file:
                result.file_codes |= codes
                result.file_directives.append(directive)
                continue
            line = line_of(comment.start)
            targets = {line}
            if comment.own_line:
                nxt: Optional[int] = next_code_line(line_of(comment.end))
                if nxt is not None:
                    targets.add(nxt)
            for target in targets:
                result.by_line.setdefault(target, set()).update(codes)
                result.line_directives.setdefault(target, []).append(directive)
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
