"""Lexing that pglast does not do for us: neutralising non-SQL text and a fallback splitter.

Real SQL files carry things that are not SQL — psql meta-commands (``\\set``, ``\\gset``,
``COPY ... FROM stdin`` data up to ``\\.``), psql variables (``:var``, ``:'var'``,
``:"var"``) and template placeholders (``{{ x }}``, ``{% ... %}``, ``@extschema@``, goose ENVSUB
``${VAR}``, ``{name}`` of ``.sql`` templates formatted by code).
``neutralise`` replaces each with text of the same length that PostgreSQL parses, so every
character offset (and so every line and column) stays where it was.

The lexing here knows strings (standard, ``E''``, ``U&''``), quoted identifiers, dollar
quotes and nested comments.  Every pattern is linear: no nested quantifiers that can
backtrack, and template matches are bounded in length.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Iterator, Optional

from ..core.lazyre import lazy_re

# One alternation for everything that can hide or carry a character we care about.
# What hides a ';' or a keyword: comments, strings, quoted identifiers, dollar quotes.
# Used by the fallback splitter below (``_lexer`` spells the same tokens for speed); every
# alternative is linear (no nested quantifiers).
_QUOTES_AND_COMMENTS = r"""
    (?P<line_comment>--[^\n\r]*)
  | (?P<block_comment>/\*)
  | (?P<estring>(?<![\w$])[Ee]'(?:[^'\\]|\\.|'')*(?:'|\Z))
  | (?P<string>'(?:[^']|'')*(?:'|\Z))
  | (?P<quoted_ident>"(?:[^"]|"")*(?:"|\Z))
  | (?P<dollar>(?<![\w$])\$(?:[^\W\d]\w*)?\$)
"""

# The tokens ``_scan`` acts on, each named group spanning its whole token, after a run of
# everything it only steps over (words, strings, quoted identifiers, casts, and line comments
# or semicolons when they need no look), skipped inside the regex engine: one match, so one
# turn of the Python loop, per token that matters (a regression suite has five strings,
# comments and casts for each of those).  Every repetition is possessive (``*+``, ``++``):
# nothing is given back, so a match is linear, and it always succeeds (``end`` at the end of
# the text), so no search restarts at the next character.  A string is a run of ordinary
# characters, then an escape or doubled quote and the next run, and so on (one repetition of a
# character class a run, not an alternation a character: a third faster on regression suites).
_ACTIVE_TOKENS = r"""
    (?P<block_comment>/\*)
  | (?P<dollar>\$(?<![\w$]\$)(?:[^\W\d]\w*+)?\$)
  | (?P<psql_var>:(?:'[A-Za-z_]\w*+'|"[A-Za-z_]\w*+"|[A-Za-z_]\w*+))
  | (?P<backslash>\\)
  | (?P<template>\{(?:\{[^{}\n]{0,500}\}\}|%[^{}\n]{0,500}%\}|\#[^{}\n]{0,500}\#\}))
  | (?P<substitution>\$\{[A-Za-z_]\w{0,100}(?::?[-=?+][^{}\n]{0,200})?\})
  | (?P<substitution_brace>\{[A-Za-z_]\w{0,100}\})
  | (?P<ext_placeholder>@(?:extschema(?::\w++)?@|extowner@))
"""
_SKIPPED_TOKENS = r"""
    '(?<=[Ee]')(?<![\w$][Ee]')[^'\\]*+(?:(?:\\.|'')[^'\\]*+)*+(?:'|\Z)
  | '[^']*+(?:''[^']*+)*+(?:'|\Z)
  | "[^"]*+(?:""[^"]*+)*+(?:"|\Z)
  | ::
"""


@functools.lru_cache(maxsize=None)
def _lexer(semicolons: bool, line_comments: bool) -> re.Pattern:
    """Skip to the next token ``_scan`` acts on: semicolons only where COPY ... FROM stdin
    may be (a third of a regression suite's tokens), line comments only when collected."""
    active = _ACTIVE_TOKENS + (r"| (?P<semicolon>;)" if semicolons else "") + (
        r"| (?P<line_comment>--[^\n\r]*+)" if line_comments else "")
    skipped = _SKIPPED_TOKENS + ("" if line_comments else r"| --[^\n\r]*+")
    starts = "-/'\"$:\\\\{@" + (";" if semicolons else "")  # the characters a token can start with
    unnamed = re.sub(r"\(\?P<\w+>", "(?:", active)  # the same without names, to look ahead with
    # what is stepped over: a run of other characters, then each skipped token (or lone start
    # character) with the run after it, one turn of the loop each ("unrolled": half the turns)
    return re.compile(rf"""
        [^{starts}]*+ (?: (?: {skipped} | (?!{unnamed})[{starts}] ) [^{starts}]*+ )*+
        (?: {active} | (?P<end>\Z) )""", re.VERBOSE | re.DOTALL)


# psql commands that send the query buffer, i.e. end a statement like ';' does.
_EXECUTING_META = lazy_re(r"\\(?:g|gx|gset|gexec|gdesc|crosstabview|watch|;)(?![A-Za-z])")
_COPY_HEAD = lazy_re(r"\\?copy\b", re.IGNORECASE)
_FROM_STDIN = lazy_re(r"\bfrom\s+stdin\b", re.IGNORECASE)
_STDIN = lazy_re(r"stdin", re.IGNORECASE)
_BLANK = lazy_re(r"\s+")
_END_OF_COPY_DATA = lazy_re(r"^\\\.[ \t]*\r?$", re.MULTILINE)
_BLOCK_COMMENT_PART = lazy_re(r"/\*|\*/")

_VARIABLE_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_'\"")


def _last_edit_end(text: str) -> int:
    """An offset after which no edit of ``_scan`` can start (without COPY data or comment
    flattening): past the last backslash, template opener, placeholder and psql variable
    (a ':' followed by a name or quote after an even run of colons: a '::' cast is not one).
    Searched from the end with str.rfind; hits inside strings or comments only make
    ``_scan`` lex further."""
    last = 0
    for literal in ("\\", "{", "@extschema", "@extowner"):
        at = text.rfind(literal)
        if at != -1:
            last = max(last, at + len(literal))
    high = len(text)
    while True:
        colon = text.rfind(":", last, high)
        if colon == -1:
            return last
        if text[colon + 1:colon + 2] in _VARIABLE_START:
            run = colon
            while run > 0 and text[run - 1] == ":":
                run -= 1
            if (colon - run) % 2 == 0:
                return max(last, colon + 2)
        high = colon

# Anything neutralise() could change starts with one of these; most files have none.  Each is
# searched for on its own (``_may_edit``): a search for one literal first character runs at memchr
# speed, one for a set of them (an alternation) checks every character: four times slower.  A
# regex for a literal that starts with a rare character (``@ext...``, ``/*``) is also found in
# half the time ``str.__contains__`` or ``str.count`` take to find it.
_PSQL_VARIABLE = re.compile(r":(?<!::)[A-Za-z_'\"]")
_TEMPLATE_OPENER = re.compile(r"\{[{%#A-Za-z_]")
_EXT_PLACEHOLDER = re.compile(r"@ext(?:schema|owner)")


def _may_edit(text: str) -> bool:
    """Whether ``text`` holds a backslash, a psql variable, a template opener or an extension
    placeholder: where an edit of ``_scan`` can start (inside strings and comments too)."""
    return ("\\" in text or _PSQL_VARIABLE.search(text) is not None or _TEMPLATE_OPENER.search(text) is not None
            or _EXT_PLACEHOLDER.search(text) is not None)


@dataclass(frozen=True, slots=True)
class Comment:
    """A SQL comment: where it is and what it says."""

    start: int
    end: int
    text: str


def _block_comment_end(text: str, start: int) -> int:
    """End offset (exclusive) of a nested /* */ comment opening at ``start``."""
    depth = 0
    pos = start
    for m in _BLOCK_COMMENT_PART.finditer(text, start):
        if m.group() == "/*":
            depth += 1
        else:
            depth -= 1
        pos = m.end()
        if depth == 0:
            return pos
    return len(text)


_NOT_LINE_BREAK = lazy_re(r"[^\r\n]+")


class _Edits:
    """Same-length replacements of a text, collected while lexing.

    Kept as (start, end, replacement) rather than a list of characters: a list costs
    8 bytes per character of the file, a few edits cost nothing.  A blank is kept as
    ``None`` (spaces, line breaks kept) and written out only when that part is read.
    """

    __slots__ = ("text", "parts", "psql_command")

    def __init__(self, text: str) -> None:
        self.text = text
        self.parts: list[tuple[int, int, Optional[str], str]] = []
        self.psql_command: Optional[int] = None  # where the first line starting with a meta-command is

    def put(self, start: int, end: int, replacement: str) -> None:
        self.parts.append((start, end, replacement, ""))

    def blank(self, start: int, end: int, first: str = "") -> None:
        """Spaces over [start, end), keeping line breaks so lines do not move; ``first``
        replaces the first character when given."""
        self.parts.append((start, end, None, first))

    def result(self) -> "NeutralText":
        kept: list[tuple[int, int, Optional[str], str]] = []
        pos = 0
        for part in sorted(self.parts, key=lambda p: p[0]):
            if part[0] < pos:  # nested in an earlier edit (cannot happen with the lexer above)
                continue
            kept.append(part)
            pos = part[1]
        return NeutralText(self.text, kept, self.psql_command)


class NeutralText:
    """The text as parsed: the text as written with same-length edits, written out a slice
    at a time (``text[a:b]``; ``str(text)`` for the whole).

    An edited file is so held once, not twice: the second full copy of an 8 MB extension
    script whose only edit is its ``\\echo ... \\quit`` line was a quarter of the peak
    memory.  Outside the edits both texts are the same characters at the same offsets.
    """

    __slots__ = ("text", "edits", "_ends", "psql_command")

    def __init__(self, text: str, edits: list[tuple[int, int, Optional[str], str]] = (),  # type: ignore[assignment]
                 psql_command: Optional[int] = None) -> None:
        self.text = text
        self.edits = list(edits)  # (start, end, replacement or None for a blank, first), sorted, disjoint
        self._ends = [e[1] for e in self.edits]
        #: offset of the first line that starts with a psql meta-command (``\set``, ``\c``),
        #: outside strings and comments: the text is a psql script, so PostgreSQL's (None: none)
        self.psql_command = psql_command

    def __len__(self) -> int:
        return len(self.text)

    def __str__(self) -> str:
        if not self.edits:
            return self.text
        # the whole text: each edit whole (``__getitem__`` clips every edit to the slice asked for)
        text = self.text
        out: list[str] = []
        pos = 0
        for start, end, replacement, first in self.edits:
            out.append(text[pos:start])
            out.append(replacement if replacement is not None else _blanked(text[start:end], first))
            pos = end
        out.append(text[pos:])
        return "".join(out)

    def edit_over(self, start: int, end: int) -> Optional[tuple[int, int]]:
        """(start, end) of the first edit overlapping [start, end), if any."""
        i = bisect.bisect_right(self._ends, start)
        if i < len(self.edits) and self.edits[i][0] < end:
            return self.edits[i][0], self.edits[i][1]
        return None

    def unedited(self) -> Iterator[tuple[int, int]]:
        """(start, end) of the stretches between edits: there the text as written is the text as parsed."""
        pos = 0
        for start, end, _, _ in self.edits:
            if start > pos:
                yield pos, start
            pos = end
        if pos < len(self.text):
            yield pos, len(self.text)

    def blank_after(self, start: int, end: int, min_size: int) -> Optional[int]:
        """Start of the first blanked stretch of at least ``min_size`` characters in (start, end)."""
        i = bisect.bisect_right(self._ends, start)
        while i < len(self.edits) and self.edits[i][0] < end:
            e_start, e_end, _, _ = edit = self.edits[i]
            if e_start > start and _only_blanks(edit) and e_end - e_start >= min_size:
                return e_start
            i += 1
        return None

    def skip_blank(self, pos: int) -> int:
        """``pos`` moved past white space and blanked stretches (COPY data, psql lines) that follow it."""
        while True:
            i = bisect.bisect_right(self._ends, pos)
            if i == len(self.edits):
                return pos
            start, end, _, _ = edit = self.edits[i]
            if not _only_blanks(edit) or (start > pos and not self.text[pos:start].isspace()):
                return pos
            pos = end

    def __getitem__(self, key: slice) -> str:
        if not self.edits and key.step is None:
            return self.text[key]  # most texts have no edit: the text as written
        start, stop, step = key.indices(len(self.text))
        if step != 1:
            raise ValueError("NeutralText slices have no step")
        i = bisect.bisect_right(self._ends, start)
        edits, text = self.edits, self.text
        if stop <= start or i == len(edits) or edits[i][0] >= stop:
            return text[start:stop]  # untouched: the text as written
        out: list[str] = []
        pos = start
        while i < len(edits) and edits[i][0] < stop:
            e_start, e_end, replacement, first = edits[i]
            if e_start > pos:
                out.append(text[pos:e_start])
            lo, hi = max(e_start, pos), min(e_end, stop)
            if replacement is not None:
                out.append(replacement[lo - e_start:hi - e_start])
            else:
                out.append(_blanked(text[lo:hi], first[lo - e_start:] if lo < e_start + len(first) else ""))
            pos = hi
            i += 1
        if pos < stop:
            out.append(text[pos:stop])
        return "".join(out)


def _blanked(part: str, first: str) -> str:
    """``part`` as spaces, line breaks kept, starting with ``first``."""
    if "\n" in part or "\r" in part:
        # a run per line, not a match per character: 9 MB of COPY data would
        # otherwise build a list of 9 million one-character pieces
        blanked = _NOT_LINE_BREAK.sub(_spaces, part)
    else:  # one line (a psql command): no search
        blanked = " " * len(part)
    if first:
        head = first[:len(part)]
        blanked = head + blanked[len(head):]
    return blanked


def _only_blanks(edit: tuple[int, int, Optional[str], str]) -> bool:
    """A blank with no character of its own (COPY data, a psql line that runs nothing)."""
    return edit[2] is None and not edit[3]


def _spaces(run: re.Match) -> str:
    return " " * (run.end() - run.start())


def _starts_line(text: str, pos: int) -> bool:
    """Only blanks stand between the start of its line and ``pos`` (a backslash token runs to
    its line's end, so each line is walked back at most once)."""
    while pos > 0 and text[pos - 1] in " \t":
        pos -= 1
    return pos == 0 or text[pos - 1] in "\r\n"


def _line_end(text: str, pos: int) -> int:
    newline = text.find("\n", pos)
    limit = len(text) if newline == -1 else newline
    carriage = text.find("\r", pos, limit)  # bounded: no rescan of the rest of the file
    return limit if carriage == -1 else carriage


def lex_comments(text: str) -> list[Comment]:
    """Every comment in ``text`` with its span (strings and dollar quotes skipped)."""
    return _scan(text, want_comments=True)[1]


def neutralise(text: str) -> str:
    """``text`` with psql meta-commands, variables and template placeholders made parseable,
    every character keeping its offset."""
    return str(neutral_text(text))


def neutral_text(text: str) -> NeutralText:
    """``neutralise(text)``, as edits over ``text`` read a slice at a time (``NeutralText``)."""
    # libpg_query's scanner is quadratic in the nesting depth of /* comments: with many
    # openers, comment bodies are blanked (a comment stays a comment, offsets stay put).
    blank_comments = _many_comment_openers(text)
    if not blank_comments and not _may_edit(text):
        return NeutralText(text)
    return _scan(text, want_comments=False, blank_comments=blank_comments)[0]


_MANY_COMMENT_OPENERS = 256
_COMMENT_OPENER = re.compile(r"/\*")  # every text is asked: compiled at import


def _many_comment_openers(text: str) -> bool:
    """More than ``_MANY_COMMENT_OPENERS`` ``/*`` in ``text`` (a search that stops there)."""
    for count, _ in enumerate(_COMMENT_OPENER.finditer(text), 1):
        if count > _MANY_COMMENT_OPENERS:
            return True
    return False


def _scan(text: str, want_comments: bool, blank_comments: bool = False) -> tuple[NeutralText, list[Comment]]:
    edits = _Edits(text)
    stdin_at = _stdin_positions(text)  # where 'stdin' is written: no COPY ... FROM stdin ends elsewhere
    copy_possible = bool(stdin_at)
    comments: list[Comment] = []
    statement_start = 0
    pos = 0
    n = len(text)
    if not (want_comments or blank_comments or copy_possible):
        # only tokens that start before the end of the last place an edit can start change
        # anything: an extension script's one `\echo ... \quit` line is lexed, not the file
        n = _last_edit_end(text)
    lex = _lexer(copy_possible, want_comments).match
    # the first 'stdin' at or after statement_start (len(text): none): a ';' is then asked about
    # COPY ... FROM stdin with two comparisons, not a search (a third of the tokens lexed)
    next_stdin = stdin_at[0] if stdin_at else len(text)
    while pos < n:
        m = lex(text, pos)
        kind = m.lastgroup
        if kind == "semicolon":  # the most frequent token where it is lexed at all (n is the text's end)
            end = m.end()  # the match ends with its token: one character
            if next_stdin + 5 < end and _is_copy_from_stdin(text, statement_start, end - 1):
                end = _skip_copy_data(text, edits, end)
            statement_start = pos = end
            if next_stdin < end:
                next_stdin = _first_at(stdin_at, end, len(text))
            continue
        start = m.start(kind)
        if kind == "end" or start >= n:
            break
        end = m.end(kind)
        if kind == "block_comment":
            end = _block_comment_end(text, start)
            if want_comments:
                comments.append(Comment(start, end, text[start:end]))
            if blank_comments and text.find("/*", start + 2, end) != -1:  # nested: flatten it
                closed = text.endswith("*/", start, end) and end - start >= 4
                edits.blank(start + 2, end - 2 if closed else end)
        elif kind == "line_comment":
            comments.append(Comment(start, end, text[start:end]))
        elif kind == "dollar":
            tag = m.group(kind)
            close = text.find(tag, end)
            end = len(text) if close == -1 else close + len(tag)
        elif kind == "psql_var":
            prev = text[start - 1] if start else " "
            if not (prev.isalnum() or prev in "_])"):
                body = m.group(kind)[1:]
                if body[0] in "'\"":
                    q = body[0]
                    replacement = q + "x" * (len(body) - 1) + q
                else:
                    replacement = "_" + body
                edits.put(start, end, replacement)
        elif kind == "template":
            if text.startswith("{{", start):
                edits.put(start, end, "".join("\n" if c == "\n" else "_" for c in m.group(kind)))
            else:
                edits.blank(start, end)
        elif kind in ("ext_placeholder", "substitution", "substitution_brace"):
            # goose ENVSUB ``${VAR}``, a ``.sql`` template's ``{name}``: a value or name, as an identifier
            edits.put(start, end, "_" * (end - start))
        elif kind == "backslash":
            end = _line_end(text, start)
            command = text[start:end]
            if edits.psql_command is None and command[1:2].isalpha() and _starts_line(text, start):
                edits.psql_command = start
            executes = _EXECUTING_META.match(command) is not None
            edits.blank(start, end, ";" if executes else "")
            if copy_possible and _holds(stdin_at, start, end) and _is_copy_from_stdin(text, start, end):
                end = _skip_copy_data(text, edits, end)
            statement_start = end
            if next_stdin < end:
                next_stdin = _first_at(stdin_at, end, len(text))
        pos = max(end, start + 1)
    return edits.result(), comments


def _stdin_positions(text: str) -> list[int]:
    """Where ``_STDIN`` matches (in order).  A case-blind regex search stops at every
    character; an ASCII text is lowered a piece at a time and searched with str.find."""
    if not text.isascii():
        return [m.start() for m in _STDIN.finditer(text)]
    found: list[int] = []
    step = 1 << 16
    for base in range(0, len(text), step):
        piece = text[base:base + step + 4].lower()  # 4 more: a match that starts in this piece
        at = piece.find("stdin")
        while at != -1 and at < step:
            found.append(base + at)
            at = piece.find("stdin", at + 1)
    return found


def _holds(positions: list[int], start: int, end: int) -> bool:
    """Whether a 'stdin' of ``positions`` lies in text[start:end]: else that text cannot be
    ``COPY ... FROM stdin``, and ``_is_copy_from_stdin`` is not asked."""
    return _first_at(positions, start, end) + 5 <= end


def _first_at(positions: list[int], start: int, none: int) -> int:
    """The first of ``positions`` at or after ``start`` (``none``: there is none)."""
    i = bisect.bisect_left(positions, start)
    return positions[i] if i < len(positions) else none


def _is_copy_from_stdin(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] (comments and blanks first) is ``COPY ... FROM stdin``."""
    pos = start
    while pos < end:
        blank = _BLANK.match(text, pos, end)
        if blank:
            pos = blank.end()
        elif text.startswith("--", pos):
            newline = text.find("\n", pos, end)
            pos = end if newline == -1 else newline + 1
        elif text.startswith("/*", pos):
            pos = _block_comment_end(text, pos)
        else:
            break
    return _COPY_HEAD.match(text, pos, end) is not None and _FROM_STDIN.search(text, pos, end) is not None


def _skip_copy_data(text: str, edits: _Edits, pos: int) -> int:
    """Blank the data lines of ``COPY ... FROM stdin`` (up to and including ``\\.``)."""
    nl = text.find("\n", pos)
    if nl == -1:
        return pos
    m = _END_OF_COPY_DATA.search(text, nl + 1)
    data_end = m.end() if m else len(text)
    edits.blank(nl + 1, data_end)
    return data_end


# --- fallback splitter -------------------------------------------------------------------

_SPLIT = lazy_re(
    r"""
    """ + _QUOTES_AND_COMMENTS + r"""
  | (?P<word>[^\W\d][\w$]*)
  | (?P<open>[(\[])
  | (?P<close>[)\]])
  | (?P<semicolon>;)
    """,
    re.VERBOSE | re.DOTALL,
)


class AtomicBodyDepth:
    """Nesting of SQL-standard function bodies (``BEGIN ATOMIC ... END``), fed one lower-case
    word at a time: a ';' inside such a body does not end the statement."""

    def __init__(self) -> None:
        self.depth = 0
        self._previous = ""

    def word(self, word: str) -> None:
        if word == "atomic" and self._previous == "begin":
            self.depth += 1
        elif self.depth and word == "case":  # CASE ... END inside the body
            self.depth += 1
        elif self.depth and word == "end":
            self.depth -= 1
        self._previous = word

    def statement_ended(self) -> None:
        self._previous = ""


def split_statements(text: str, respect_parens: bool = True) -> list[tuple[int, int]]:
    """Split on top-level semicolons without PostgreSQL's scanner.

    Used when libpg_query's scanner rejects the text (a NUL byte, ``123abc``, an
    unterminated quote).  Respects quotes, dollar quotes, comments, parentheses and
    ``BEGIN ATOMIC ... END`` bodies.  With ``respect_parens`` a ``;`` inside parentheses
    does not split (``CREATE RULE ... DO (a; b)``); without it, it does, which recovers the
    statements after an unbalanced ``(``.  Returns (start, end) spans that begin at the first
    non-blank, non-comment character; empty statements are dropped.
    """
    spans: list[tuple[int, int]] = []
    depth = 0
    body = AtomicBodyDepth()
    start: int | None = None
    pos, n = 0, len(text)
    while pos < n:
        m = _SPLIT.search(text, pos)
        if m is None:
            break
        kind = m.lastgroup
        s, e = m.start(), m.end()
        if kind == "block_comment":
            e = _block_comment_end(text, s)
            if e == n and not text.endswith("*/") and start is None:
                start = s  # unterminated: it must reach the parser, which reports it
        elif kind == "line_comment":
            pass
        elif kind == "semicolon":
            if (depth == 0 or not respect_parens) and body.depth == 0:
                depth = 0
                if start is not None:
                    spans.append((start, s))
                start = None
                body.statement_ended()
        else:
            if start is None:
                start = s
            if kind == "dollar":
                close = text.find(m.group(), e)
                e = n if close == -1 else close + len(m.group())
            elif kind == "open":
                depth += 1
            elif kind == "close":
                depth = max(0, depth - 1)
            elif kind == "word":
                body.word(m.group().lower())
        pos = max(e, s + 1)
    if start is not None:
        end = len(text.rstrip())
        if end > start:
            spans.append((start, end))
    return spans
