"""Java ``.properties`` files (Spring ``application.properties``, ``liquibase.properties``,
``flyway.properties``), read exactly as Java reads them by ``javaproperties``: line
continuations (``\\`` at a line's end), white space as the key/value separator, ``\\uXXXX``
and other escapes.  The facts are those of the ``key = value`` reader (read_ini.py).

Positions: ``javaproperties.parse`` gives each entry's source text, and the sources put end to
end are the file, so every entry's offset is known.  A value written as-is (no escape, no
continuation) maps character by character; otherwise a finding points at the whole value.
"""

from __future__ import annotations

from ..context import Context
from ..model import Value
from .read_ini import Entry, read_entries

_BLANK = " \t\f"


def _value_start(source: str) -> tuple[int, int, int]:
    """(key start, key end, value start) in one entry's source, as Java's ``Properties.load`` splits it."""
    i = 0
    while i < len(source) and source[i] in _BLANK:
        i += 1
    key_start = i
    while i < len(source) and source[i] not in _BLANK + "=:\r\n":
        i += 2 if source[i] == "\\" else 1  # an escaped character belongs to the key
    key_end = min(i, len(source))
    while i < len(source) and source[i] in _BLANK:
        i += 1
    if i < len(source) and source[i] in "=:":
        i += 1
        while i < len(source) and source[i] in _BLANK:
            i += 1
    return key_start, key_end, i


def parse(text: str) -> list[Entry]:
    import javaproperties

    entries: list[Entry] = []
    offset = 0
    try:
        elements = list(javaproperties.parse(text))
    except (ValueError, javaproperties.InvalidUEscapeError):
        return []  # a broken \u escape: Java would refuse the file too
    for element in elements:
        source = element.source
        if isinstance(element, javaproperties.KeyValue):
            key_start, _, value_start = _value_start(source)
            body = source.rstrip("\r\n")
            written = body[value_start:]
            start = offset + value_start
            verbatim = start if written == element.value else None
            value = Value(element.value, start, offset + len(body), verbatim)
            value.written_here = True  # type: ignore[attr-defined]  # a literal, even when decoded
            entries.append(Entry("", element.key, offset + key_start, value))
        offset += len(source)
    return entries


def read(ctx: Context) -> None:
    read_entries(ctx, parse(ctx.text))
