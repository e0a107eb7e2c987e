"""Comments that may hold suppression directives, as every file kind hands them over."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommentSpan:
    """A comment of a linted file, for suppression directives."""

    start: int  # character offsets into the file
    end: int
    text: str
    own_line: bool  # nothing but white space before it on its line


def own_line(text: str, start: int) -> bool:
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    return not text[line_start:start].strip()
