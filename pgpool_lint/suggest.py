"""Concrete replacement SQL built from the statement the user wrote.

Everything here works on the statement's own tokens (pglast's scanner), so a suggestion
keeps the user's spelling, quoting and values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .statement import Statement


@dataclass(frozen=True)
class SetParts:
    """``SET [SESSION|LOCAL] <name> {TO|=} <value>`` cut into pieces (offsets in the statement)."""

    keyword_end: int  # end of ``SET`` (or of ``SET SESSION``)
    scope_word: Optional[tuple[int, int]]  # span of SESSION/LOCAL, if written
    name: str  # as written
    value: str  # as written, after TO/=, or e.g. "FROM CURRENT"


def set_parts(stmt: Statement) -> Optional[SetParts]:
    from pglast.parser import ParseError, scan

    try:
        tokens = scan(stmt.text)
    except ParseError:
        return None
    tokens = [t for t in tokens if t.name not in ("SQL_COMMENT", "C_COMMENT")]
    if not tokens or tokens[0].name != "SET":
        return None
    i = 1
    scope = None
    keyword_end = tokens[0].end + 1
    if i < len(tokens) and tokens[i].name in ("SESSION", "LOCAL"):
        scope = (tokens[i].start, tokens[i].end + 1)
        keyword_end = tokens[i].end + 1
        i += 1
    name_start = tokens[i].start if i < len(tokens) else keyword_end
    j = i
    while j < len(tokens) and tokens[j].name not in ("TO", "ASCII_61", "FROM"):
        j += 1
    if j >= len(tokens):
        return SetParts(keyword_end, scope, stmt.source[name_start:].strip(), "")
    name = stmt.source[name_start:tokens[j].start].strip()
    value_from = tokens[j].end + 1 if tokens[j].name in ("TO", "ASCII_61") else tokens[j].start
    value = stmt.source[value_from:].strip()
    return SetParts(keyword_end, scope, name, value)


def set_local(stmt: Statement) -> str:
    """``SET LOCAL ...`` for a ``SET [SESSION] ...`` statement."""
    parts = set_parts(stmt)
    src = stmt.source.rstrip().rstrip(";")
    if parts is None:
        return "SET LOCAL ..."
    if parts.scope_word is not None:
        s, e = parts.scope_word
        return src[:s] + "LOCAL" + src[e:]
    return src[: parts.keyword_end] + " LOCAL" + src[parts.keyword_end:]


def alter_role(stmt: Statement) -> Optional[str]:
    """``ALTER ROLE CURRENT_USER SET <name> TO <value>`` for a ``SET`` statement."""
    parts = set_parts(stmt)
    if parts is None or not parts.value:
        return None
    value = parts.value.rstrip().rstrip(";").rstrip()
    if value.upper().startswith("FROM CURRENT"):
        return f"ALTER ROLE CURRENT_USER SET {parts.name} {value}"
    return f"ALTER ROLE CURRENT_USER SET {parts.name} TO {value}"


def call_source(stmt: Statement, start: int, end: int) -> str:
    """The text of a call as written, on one line."""
    return " ".join(stmt.context.text[start:end].split())
