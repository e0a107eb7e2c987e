"""SQL comments of a text, for suppression directives."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..core.comments import own_line
from .gate import lower_case
from .neutralise import lex_comments

if TYPE_CHECKING:  # pragma: no cover
    from ..core.comments import CommentSpan


def sql_comments(text: str, lowered: Optional[str] = None) -> list[CommentSpan]:
    """Comments of a SQL text that could hold a directive (cheap when there are none);
    ``lowered``: ``lower_case(text)``, when the caller has it."""
    if lowered is None:
        lowered = lower_case(text)
    if "pgpool-lint" not in lowered and "noqa" not in lowered:
        return []
    from ..core.comments import CommentSpan

    return [CommentSpan(c.start, c.end, c.text, own_line(text, c.start)) for c in lex_comments(text)]
