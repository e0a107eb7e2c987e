"""The gate: which statements could be a finding, decided without parsing them.

Built from what the enabled checks declare they look at (first words, substrings); only
the statements it lets through are parsed into a tree.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from .dispatch import Check
    from .neutralise import NeutralText


#: Statements the engine itself needs parsed: transaction control.
_ENGINE_FIRST_WORDS = frozenset({"begin", "start", "commit", "end", "rollback", "abort", "prepare"})


_FIRST_WORD = re.compile(r"[A-Za-z_]+")


class Gate:
    """Decides, without parsing, whether a statement could be a finding.

    It must never say no to a statement a check would flag (the gate-equivalence test runs
    the whole benchmark corpus with and without it); saying yes too often only costs time.
    """

    def __init__(self, checks: Iterable[Check], enabled: bool = True) -> None:
        self.enabled = enabled
        self.first_words = set(_ENGINE_FIRST_WORDS)
        subs: set[str] = set()
        for check in checks:
            self.first_words |= check.first_words
            subs.update(check.substrings)
        self.substrings = tuple(sorted(subs))

        # a substring that contains another one adds nothing: the shorter one is found too
        self._needles = tuple(s for s in self.substrings if not any(o != s and o in s for o in self.substrings))

    def __call__(self, text: str) -> bool:
        if not self.enabled:
            return True
        m = _FIRST_WORD.match(text)
        if m is not None and m.group().lower() in self.first_words:
            return True
        lowered = text.lower()
        return any(s in lowered for s in self.substrings)

    def candidates(self, text: NeutralText, spans: list[tuple[int, int]]) -> Iterator[int]:
        """Indexes of the spans of ``text`` that pass the gate, as ``self(text[start:end])``
        would say, but with one pass over the whole text instead of one per statement.

        The pass reads the text as written; a statement that holds an edit (a psql line,
        a placeholder) is read as parsed, on its own."""
        if not self.enabled:
            yield from range(len(spans))
            return
        written = text.text
        if "\u0130" in written:  # İ is the one character whose lower case is longer: offsets would move
            yield from (i for i, (start, end) in enumerate(spans) if self(text[start:end]))
            return
        # stretches with edits in them are read per statement below: COPY data is not searched
        hits = sorted(hit for a, b in text.unedited()
                      for hit in _occurrences(lower_case(written[a:b]), self._needles, a))
        first_words, word = self.first_words, _FIRST_WORD.match
        h, n_hits = 0, len(hits)
        edited = text.edit_over if text.edits else None
        for index, (start, end) in enumerate(spans):
            if edited is not None and edited(start, end) is not None:
                if self(text[start:end]):
                    yield index
                continue
            m = word(written, start, end)
            if m is not None and m.group().lower() in first_words:
                yield index
                continue
            while h < n_hits and hits[h][0] < start:
                h += 1
            k = h
            while k < n_hits and hits[k][0] < end:
                if hits[k][1] <= end:
                    yield index
                    break
                k += 1


def lower_case(text: str) -> str:
    """``text.lower()``, a piece at a time when the text is not ASCII: CPython lowers a
    non-ASCII text through a buffer of 12 bytes a character (90 MB for an 8 MB file)."""
    if text.isascii():
        return text.lower()
    step = 1 << 16
    return "".join(text[i:i + step].lower() for i in range(0, len(text), step))


def _occurrences(text: str, needles: Iterable[str], offset: int = 0) -> Iterator[tuple[int, int]]:
    """(start, end) of every occurrence of each needle, plus ``offset`` (str.find runs in C)."""
    for needle in needles:
        find, size = text.find, len(needle)
        at = find(needle)
        while at != -1:
            yield offset + at, offset + at + size
            at = find(needle, at + 1)
