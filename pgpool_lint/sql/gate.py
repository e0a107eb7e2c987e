"""The gate: which statements could be a finding, decided without parsing them.

Built from what the enabled checks declare they look at (first words, substrings); only
the statements it lets through are parsed into a tree.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .dispatch import Check
    from .neutralise import NeutralText


#: Statements the engine itself needs parsed: transaction control.
_ENGINE_FIRST_WORDS = frozenset({"begin", "start", "commit", "end", "rollback", "abort", "prepare"})


class Gate:
    """Decides, without parsing, whether a statement could be a finding.

    It must never say no to a statement a check would flag (the gate-equivalence test runs
    the whole benchmark corpus with and without it); saying yes too often only costs time.
    """

    def __init__(self, checks: Iterable[Check], enabled: bool = True) -> None:
        self.enabled = enabled
        self.first_words = set(_ENGINE_FIRST_WORDS)
        subs: set[str] = set()
        plain: set[str] = set()
        refined: dict[Callable[[str], bool], set[str]] = {}
        for check in checks:
            self.first_words |= check.first_words
            subs.update(check.substrings)
            if check.may_flag is None:
                plain.update(check.substrings)
            else:
                refined.setdefault(check.may_flag, set()).update(check.substrings)
        self.substrings = tuple(sorted(subs))

        # a substring of a check that declares ``may_flag`` lets a statement through only when
        # ``may_flag`` says yes to it, unless another check's declarations let it through anyway
        self._needles = needles(plain)
        # needle -> the may_flag of each check with a substring holding it; needles with the same
        # checks are searched for together (``temp``: temp-table and no-effect-outside-transaction)
        by_flags: dict[tuple[Callable[[str], bool], ...], list[str]] = {}
        for needle in needles(set().union(*refined.values()) - plain):
            if not any(p in needle for p in self._needles):  # found by a plain needle anyway
                flags = tuple(f for f, group in refined.items() if any(needle in sub for sub in group))
                by_flags.setdefault(flags, []).append(needle)
        self._refined = tuple((tuple(found), flags) for flags, found in by_flags.items())
        # group 0: the plain needles; group n: those of ``_refined[n - 1]``
        groups = [self._needles, *(found for found, _ in self._refined)]
        self._groups = range(len(groups))
        self._searches = _searches(groups)
        self._all_needles = _AllNeedles(groups)
        # the first word (a run of ASCII letters and ``_``) is one of ``first_words``, case-blind: one
        # match that fails at once on most statements (ASCII case folding, as ``lower`` does on them)
        self._first_word = re.compile(
            "(?:" + "|".join(re.escape(w) for w in sorted(self.first_words)) + ")(?![A-Za-z_])",
            re.IGNORECASE | re.ASCII)
        # the same on the lower-cased text, case-sensitive: a third faster (a case-blind alternation
        # enters every word; a case-sensitive one skips those whose first letter differs)
        self._first_word_lowered = re.compile(
            "(?:" + "|".join(re.escape(w.lower()) for w in sorted(self.first_words)) + ")(?![a-z_])")

    def __call__(self, text: str) -> bool:
        if not self.enabled:
            return True
        if self._first_word.match(text):
            return True
        lowered = text.lower()
        # loops, not any(): thousands of statements (those with a psql variable) are asked one by one
        for needle in self._needles:
            if needle in lowered:
                return True
        for found, flags in self._refined:
            for needle in found:
                if needle in lowered:
                    if _flagged(flags, text):
                        return True
                    break
        return False

    def candidates(self, text: NeutralText, spans: list[tuple[int, int]], lowered: Optional[str] = None,
                   flat: Optional[str] = None) -> Iterator[int]:
        """Indexes of the spans of ``text`` that pass the gate, as ``self(text[start:end])``
        would say, but with one pass over the whole text instead of one per statement.

        The pass reads the text as written (``lowered``: ``lowered(text.text)``, when the caller
        has it); a statement that holds an edit (a psql line, a placeholder) is read as parsed,
        on its own (``flat``: ``str(text)``, when the caller has it)."""
        if not self.enabled:
            yield from range(len(spans))
            return
        written = text.text
        parsed = text if flat is None else flat
        if lowered is None:
            lowered = self.lowered(written)
        if lowered is None:  # İ is the one character whose lower case is longer: offsets would move
            yield from (i for i, (start, end) in enumerate(spans) if self(parsed[start:end]))
            return
        # the text outside the edits (statements with edits in them are read per statement
        # below), searched in stretches that step over large edits only (COPY data is not searched);
        # the hits of each group of needles: the plain ones, then those of each ``_refined``
        by_group: list[list[tuple[int, int]]] = [[] for _ in self._groups]
        stretches = _stretches(text) if text.edits else ((0, len(written)),)
        if _ONE_PASS <= len(lowered) <= _ONE_PASS_MAX and lowered.isascii():
            self._all_needles.hits(lowered, stretches, by_group)
        else:
            for a, b in stretches:
                _hits(self._searches, lowered, a, b, by_group)
        if text.edits:
            edit_over = text.edit_over
            by_group = [[hit for hit in found if edit_over(*hit) is None] for found in by_group]
        if "\u212a" in written:  # the Kelvin sign lower-cases to an ASCII k: read the text as written
            first_word, read = self._first_word.match, written
        else:  # lower() maps no other character to an ASCII letter or `_` (İ: ``lowered`` is None)
            first_word, read = self._first_word_lowered.match, lowered
        passed = bytearray(len(spans))  # 1: the span passes
        for index in [index for index, (start, end) in enumerate(spans) if first_word(read, start, end)]:
            passed[index] = 1
        if any(by_group):
            starts = [start for start, _ in spans]
            for index in _spans_hit(by_group[0], spans, starts):
                passed[index] = 1
            for (_, flags), found in zip(self._refined, by_group[1:]):
                for index in set(_spans_hit(found, spans, starts)):  # a span once, however many hits
                    if not passed[index]:
                        start, end = spans[index]
                        passed[index] = _flagged(flags, parsed[start:end])
        for index in _edited(text, spans):  # read as parsed, on its own
            start, end = spans[index]
            passed[index] = self(parsed[start:end])
        yield from (index for index, value in enumerate(passed) if value)


    def lowered(self, written: str) -> Optional[str]:
        """``lower_case(written)`` for ``candidates``; None when the gate is off or lowering would
        move offsets (``İ``)."""
        if not self.enabled or "\u0130" in written:
            return None
        return lower_case(written)


#: texts at least this long are searched for all needles in one pass (``_AllNeedles``), up to
#: ``_ONE_PASS_MAX``: a longer one is searched needle by needle, without a bytes copy of it (the
#: peak memory of a large file)
_ONE_PASS, _ONE_PASS_MAX = 1 << 12, 1 << 20


class _AllNeedles:
    """Every occurrence of every needle in one pass over a long ASCII text: RE2's automaton for
    their alternation reads the text once, where ``str.find`` reads it once for each needle (a
    third less time on the finding-heavy corpus; RE2 is imported on the first long text).

    RE2 reports occurrences that do not overlap; a needle that can start inside another one's
    occurrence (``lastval`` in ``language sqlastval``, or at its start) is looked for there."""

    def __init__(self, groups: list[tuple[str, ...]]) -> None:
        self._group = {needle.encode(): number for number, group in enumerate(groups) for needle in group}
        self._inside = {a: [(offset, b) for b in self._group for offset in range(len(a))
                            if (offset or b != a) and (a[offset:].startswith(b) or b.startswith(a[offset:]))]
                        for a in self._group}
        self._regex = None

    def hits(self, lowered: str, stretches: Iterable[tuple[int, int]], hits: list[list[tuple[int, int]]]) -> None:
        """(start, end) of each occurrence inside a stretch of ``lowered``, added to ``hits[n]``
        for a needle of ``groups[n]``."""
        if self._regex is None:
            import re2

            self._regex = re2.compile(b"|".join(re.escape(needle) for needle in self._group))
        data = lowered.encode("ascii")
        group, inside, starts_with = self._group, self._inside, data.startswith
        for start, end in stretches:
            for m in self._regex.finditer(data, start, end):
                at, found = m.start(), m.group()
                hits[group[found]].append((at, at + len(found)))
                for offset, other in inside[found]:
                    if starts_with(other, at + offset, end):
                        hits[group[other]].append((at + offset, at + offset + len(other)))


def _flagged(flags: tuple[Callable[[str], bool], ...], statement: str) -> bool:
    """Whether one of the checks' ``may_flag`` says yes to ``statement``."""
    for may_flag in flags:  # a loop, not any(): one or two, asked for thousands of statements
        if may_flag(statement):
            return True
    return False


def _searches(groups: list[tuple[str, ...]]) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    """What ``_hits`` searches for: (what to find, (needle, its group) found there).  Needles that
    start alike (``language sql``, ``language 'sql'``) are found with one search for their start,
    each checked where it is found: one pass over the text, not one each."""
    starts: dict[str, list[tuple[str, int]]] = {}
    for number, group in enumerate(groups):
        for needle in group:
            starts.setdefault(needle[:_SHARED_START], []).append((needle, number))
    return tuple((start if len(found) > 1 else found[0][0], tuple(found)) for start, found in starts.items())


def _hits(searches: tuple[tuple[str, tuple[tuple[str, int], ...]], ...], lowered: str, start: int, end: int,
          hits: list[list[tuple[int, int]]]) -> None:
    """(start, end) of every occurrence of a needle of ``searches`` inside ``lowered[start:end]``,
    added to ``hits[its group]`` (in no particular order: each only marks the span it falls in)."""
    find, starts_with = lowered.find, lowered.startswith
    for search, found in searches:
        if len(found) == 1:
            size, add = len(search), hits[found[0][1]].append
            at = find(search, start, end)
            while at != -1:
                add((at, at + size))
                at = find(search, at + 1, end)
            continue
        at = find(search, start, end)
        while at != -1:
            for needle, number in found:
                if starts_with(needle, at, end):
                    hits[number].append((at, at + len(needle)))
            at = find(search, at + 1, end)


def _spans_hit(hits: list[tuple[int, int]], spans: list[tuple[int, int]], starts: list[int]) -> Iterator[int]:
    """Indexes of the spans (``starts``: their starts) that a hit lies in: the span a hit starts
    in, if the hit ends in it too."""
    for hit_start, hit_end in hits:
        index = bisect.bisect_right(starts, hit_start) - 1
        if index >= 0 and hit_end <= spans[index][1]:
            yield index


#: needles sharing this many first characters are searched for together (``Gate._hits``)
_SHARED_START = 8

#: edits shorter than this are searched over with the text around them (their hits dropped):
#: a regression suite has thousands of psql lines, each a stretch of its own otherwise
_SEARCHED_OVER = 1 << 12


def _stretches(text: NeutralText) -> Iterator[tuple[int, int]]:
    """``text.unedited()`` with the stretches on either side of a short edit joined."""
    joined: Optional[tuple[int, int]] = None
    for start, end in text.unedited():
        if joined is not None and start - joined[1] < _SEARCHED_OVER:
            joined = (joined[0], end)
            continue
        if joined is not None:
            yield joined
        joined = (start, end)
    if joined is not None:
        yield joined


def _edited(text: NeutralText, spans: list[tuple[int, int]]) -> list[int]:
    """Indexes of the spans (sorted, disjoint) that overlap an edit of ``text``."""
    if not text.edits:
        return []
    ends = [end for _, end in spans]
    found: list[int] = []
    for edit_start, edit_end, _, _ in text.edits:
        index = bisect.bisect_right(ends, edit_start)  # the first span ending after the edit starts
        if found and index <= found[-1]:
            index = found[-1] + 1  # an earlier edit already took it
        while index < len(spans) and spans[index][0] < edit_end:
            found.append(index)
            index += 1
    return found


def lower_case(text: str) -> str:
    """``text.lower()``, a piece at a time when the text is not ASCII: CPython lowers a
    non-ASCII text through a buffer of 12 bytes a character (90 MB for an 8 MB file)."""
    if text.isascii():
        return text.lower()
    step = 1 << 16
    return "".join(text[i:i + step].lower() for i in range(0, len(text), step))


def needles(substrings: Iterable[str]) -> tuple[str, ...]:
    """``substrings`` to search for, sorted, without those that contain another one: the shorter
    one is found too (the gate's substrings, ``dispatch.may_call``'s function names)."""
    substrings = set(substrings)
    return tuple(sorted(s for s in substrings if not any(o != s and o in s for o in substrings)))


def occurrences(text: str, needles: Iterable[str], offset: int = 0) -> Iterator[tuple[int, int]]:
    """(start, end) of every occurrence of each needle, plus ``offset`` (str.find runs in C)."""
    for needle in needles:
        find, size = text.find, len(needle)
        at = find(needle)
        while at != -1:
            yield offset + at, offset + at + size
            at = find(needle, at + 1)
