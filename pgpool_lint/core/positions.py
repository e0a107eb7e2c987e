"""The one place where offsets become (line, column).

Every position pgpool-lint reports is a 1-based line and a 1-based column counted in
Unicode code points.  Inputs arrive in three units:

- character offsets into the decoded text (pglast's ``split`` / ``scan`` / ``ParseError``);
- UTF-8 byte offsets into one statement (pglast's ``parse_sql_json`` node ``location``);
- UTF-8 byte columns on a line (Python's ``ast.col_offset``, issue 3).

``LineIndex`` turns character offsets into positions; the two byte converters below turn
byte offsets into character offsets first.  Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r``
(as editors and PostgreSQL's lexer see them); a tab is one column.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate

from .lazyre import lazy_re

_NON_ASCII = lazy_re(r"[^\x00-\x7f]+")  # compiled for the first non-ASCII text
_PLUS_ONE = (1).__add__


class LineIndex:
    """Maps character offsets of one text to 1-based (line, column) pairs in O(log n)."""

    __slots__ = ("_starts", "_length", "_texts")

    def __init__(self, text: str) -> None:
        if "\r" in text:
            # same length, same line starts: CRLF ends its line after the LF, a lone CR like an LF
            text = text.replace("\r\n", " \n").replace("\r", "\n")
        # line lengths from one split in C, summed in C: no Python step per line
        lengths = map(_PLUS_ONE, map(len, text.split("\n")))
        starts = list(accumulate(lengths, initial=0))
        starts.pop()  # the start after the last line: not a line
        self._starts = starts
        self._length = len(text)
        self._texts: dict[int, str] = {}

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; offsets are clamped into the text."""
        offset = max(0, min(offset, self._length))
        line = bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def offset(self, line: int, column: int) -> int:
        """Character offset of a 1-based (line, column); the inverse of ``position``."""
        line = max(1, min(line, len(self._starts)))
        return min(self._starts[line - 1] + column - 1, self._length)

    def line_start(self, line: int) -> int:
        return self._starts[max(1, min(line, len(self._starts))) - 1]

    def line_text(self, text: str, line: int) -> str:
        """Line ``line`` of ``text`` (the indexed text) without its line break; kept, so that
        thousands of findings on one long line copy it once."""
        found = self._texts.get(line)
        if found is None:
            end = self.line_start(line + 1) if line < len(self._starts) else self._length
            found = self._texts[line] = text[self.line_start(line):end].rstrip("\r\n")
        return found

    @property
    def line_count(self) -> int:
        return len(self._starts)


def byte_to_char(text: str, byte_offset: int) -> int:
    """Character offset in ``text`` of a UTF-8 byte offset into ``text.encode()``."""
    if byte_offset <= 0:
        return 0
    if text.isascii():
        return min(byte_offset, len(text))
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


class Utf8Offsets:
    """Character offsets of UTF-8 byte offsets into one text in O(log k) each (k: its non-ASCII
    characters), after one pass; for many lookups into one long line or statement, where
    ``byte_to_char`` would re-encode the text each time."""

    __slots__ = ("_starts", "_extra", "_length")

    def __init__(self, text: str) -> None:
        starts: list[int] = []  # byte offset of each non-ASCII character
        extra: list[int] = []  # bytes beyond one per character, up to and including it
        total = 0
        for m in _NON_ASCII.finditer(text):
            at = m.start()
            for ch in m.group():
                starts.append(at + total)
                code = ord(ch)
                total += 1 if code < 0x800 else 2 if code < 0x10000 else 3
                extra.append(total)
                at += 1
        self._starts, self._extra, self._length = starts, extra, len(text)

    def char(self, byte_offset: int) -> int:
        if byte_offset <= 0:
            return 0
        before = bisect_left(self._starts, byte_offset)  # non-ASCII characters starting before it
        if not before:
            return min(byte_offset, self._length)
        previous = self._extra[before - 2] if before > 1 else 0
        start = self._starts[before - 1]
        if byte_offset <= start + self._extra[before - 1] - previous:  # inside that character: its start
            return start - previous
        return min(byte_offset - self._extra[before - 1], self._length)


def byte_col_to_char_col(line_text: str, byte_col: int) -> int:
    """Python ``ast`` columns are UTF-8 byte offsets within a line: convert to code points."""
    return byte_to_char(line_text, byte_col)


# --- LSP -------------------------------------------------------------------------------
# The Language Server Protocol counts 0-based lines and 0-based columns in code units of the
# negotiated position encoding: UTF-16 by default (a character above U+FFFF takes two units),
# or UTF-8 / UTF-32 when client and server agree on it.

def lsp_length(text: str, encoding: str = "utf-16") -> int:
    """Length of ``text`` in code units of ``encoding`` ("utf-16", "utf-8" or "utf-32")."""
    if text.isascii() or encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def offset_to_lsp(text: str, index: LineIndex, offset: int, encoding: str = "utf-16") -> tuple[int, int]:
    """0-based (line, column in ``encoding`` units) of a character offset into ``text``."""
    line, column = index.position(offset)
    start = index.line_start(line)
    return line - 1, lsp_length(text[start : start + column - 1], encoding)


def lsp_to_offset(text: str, index: LineIndex, line: int, column: int, encoding: str = "utf-16") -> int:
    """Character offset into ``text`` of a 0-based (line, column in ``encoding`` units);
    clamped to the text and to the line's end."""
    if line >= index.line_count:
        return len(text)
    start = index.line_start(max(0, line) + 1)
    units = 0
    offset = start
    while offset < len(text) and units < column and text[offset] not in "\r\n":
        units += lsp_length(text[offset], encoding)
        offset += 1
    return offset
