"""SQL found in application code: the SQL text plus where each character came from.

A host language writes SQL with escapes (``\\n``), across several literals (``"a" "b"``,
``"a" + "b"``) and with interpolated values (``{x}``, ``${x}``, ``#{x}``).  A ``Fragment``
is the SQL as the database would see it, with every interpolated value replaced by a run of
``_`` (an identifier: it parses wherever a value, a name or a word inside quotes may stand),
and for every SQL character the host-file span it was written as.  Positions in the host
file are then exact whatever the escapes, tabs or non-ASCII text around them.

Driver placeholders (``%s``, ``%(name)s``, ``?``) are replaced the same way, in place and
outside SQL quotes and comments only; ``:name`` and ``$1`` are left to the engine (psql
variables are neutralised there, ``$1`` parses as it is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from ..sql.dialect import SQL_FIRST_WORDS

HOLE_CHAR = "_"
_HIGH_SURROGATE = re.compile("[\ud800-\udbff]")
_MAX_HOLE = 32


@dataclass
class Fragment:
    """One SQL string of a host file."""

    sql: str
    starts: list[int]  # host offset where the source of sql[i] starts
    ends: list[int]  # host offset where it ends
    host_start: int  # the whole string expression in the host file
    host_end: int
    anchor: int  # host offset of the call that sends it (suppression comments there count)
    known: bool  # passed to a known SQL call site (else found by the SQL-shape heuristic)
    holes: list[tuple[int, int]] = field(default_factory=list)  # SQL ranges of interpolated values
    partial: bool = False  # a piece of SQL composed into a statement later (psycopg sql.SQL)
    raw: str = ""  # the string's value before bind placeholders were made parseable (same length)
    #: another database this string is for (``dialect.Verdict``: a branch such as ``if is_crdb(conn):``)
    dialect: Any = None

    @property
    def complete(self) -> bool:
        """The whole SQL text is known: nothing was interpolated, nothing is added later."""
        return not self.holes and not self.partial

    def to_host(self, offset: int) -> int:
        """Host offset of the SQL character at ``offset`` (a start position)."""
        if not self.starts:
            return self.host_start
        if offset >= len(self.starts):
            return self.ends[-1]
        return self.starts[max(0, offset)]

    def to_host_end(self, offset: int) -> int:
        """Host offset of an exclusive SQL end position."""
        if offset <= 0 or not self.ends:
            return self.to_host(0)
        return self.ends[min(offset, len(self.ends)) - 1]

    def shown(self, host_text: str) -> str:
        """The SQL as the user wrote it, for messages and help: bind placeholders kept (``%s``),
        each interpolated value shown as its source text, cut or padded to the hole's length
        so every offset stays where the engine found it."""
        chars = list(self.raw or self.sql)
        for start, end in self.holes:
            width = end - start
            source = " ".join(host_text[self.starts[start]:self.ends[end - 1]].split())
            text = source if len(source) <= width else source[: width - 1] + "…"
            chars[start:end] = text.ljust(width)
        return "".join(chars)

    def in_hole(self, offset: int) -> bool:
        return any(start <= offset < end for start, end in self.holes)

    def maps_verbatim(self, start: int, end: int, host_text: str) -> bool:
        """Whether SQL [start, end) is written character for character in the host file
        (no escape, no hole), so an edit of it can be applied to the host file."""
        if start >= end:
            return True
        host_start, host_end = self.to_host(start), self.to_host_end(end)
        return host_end - host_start == end - start and host_text[host_start:host_end] == self.sql[start:end]


class FragmentBuilder:
    """Collects SQL text piece by piece, each piece with its host span."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.holes: list[tuple[int, int]] = []

    def text(self, text: str, host_start: int) -> None:
        """Text written verbatim in the host file from ``host_start`` on."""
        self.chars.append(text)
        self.starts.extend(range(host_start, host_start + len(text)))
        self.ends.extend(range(host_start + 1, host_start + len(text) + 1))

    def char(self, value: str, host_start: int, host_end: int) -> None:
        """Text written as an escape sequence spanning [host_start, host_end)."""
        self.chars.append(value)
        self.starts.extend([host_start] * len(value))
        self.ends.extend([host_end] * len(value))

    def hole(self, host_start: int, host_end: int) -> None:
        """An interpolated value at [host_start, host_end): an identifier of similar length."""
        length = max(1, min(host_end - host_start, _MAX_HOLE))
        at = len(self.starts)
        self.holes.append((at, at + length))
        self.char(HOLE_CHAR * length, host_start, host_end)

    def extend(self, other: "FragmentBuilder") -> None:
        at = len(self.starts)
        self.chars.extend(other.chars)
        self.starts.extend(other.starts)
        self.ends.extend(other.ends)
        self.holes.extend((s + at, e + at) for s, e in other.holes)

    @property
    def value(self) -> str:
        return "".join(self.chars)

    def build(self, host_start: int, host_end: int, anchor: int, known: bool,
              question_marks: bool = True, partial: bool = False, dialect: Any = None) -> Fragment:
        self._join_surrogate_pairs()
        sql = neutralise_placeholders(self.value, question_marks)
        return Fragment(sql, self.starts, self.ends, host_start, host_end, anchor, known, list(self.holes),
                        partial, raw=self.value, dialect=dialect)

    def _join_surrogate_pairs(self) -> None:
        """JavaScript and Java spell a character beyond U+FFFF as two escapes (``\\ud83d\\ude00``):
        one character of the string, whose host span covers both escapes."""
        value = self.value
        if not _HIGH_SURROGATE.search(value):
            return
        chars, starts, ends, new_index = [], [], [], []
        i = 0
        while i < len(value):
            new_index.append(len(chars))
            if (i + 1 < len(value) and "\ud800" <= value[i] <= "\udbff" and "\udc00" <= value[i + 1] <= "\udfff"):
                chars.append((value[i] + value[i + 1]).encode("utf-16", "surrogatepass").decode("utf-16"))
                starts.append(self.starts[i])
                ends.append(self.ends[i + 1])
                new_index.append(len(chars) - 1)
                i += 2
                continue
            chars.append(value[i])
            starts.append(self.starts[i])
            ends.append(self.ends[i])
            i += 1
        new_index.append(len(chars))
        self.chars, self.starts, self.ends = chars, starts, ends
        self.holes = [(new_index[s], new_index[e]) for s, e in self.holes]


# --- escape sequences --------------------------------------------------------------------

_SIMPLE_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v", "a": "\a",
    "e": "\x1b", "s": " ", "\\": "\\", "'": "'", '"': '"', "`": "`", "$": "$", "?": "?",
}
_HEX_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{1,2})|u\{([0-9A-Fa-f]{1,6})\}|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([0-7]{1,3}))")


def decode_escape(seq: str) -> str:
    """Value of one C-family escape sequence (JavaScript, TypeScript, Ruby, Go, Java).

    A line continuation (backslash, newline) is nothing; an unknown escape is the
    character after the backslash, as those languages read it.
    """
    if len(seq) < 2 or seq[0] != "\\":
        return seq
    m = _HEX_ESCAPE.fullmatch(seq)
    if m is not None:
        digits = next(g for g in m.groups() if g is not None)
        base = 8 if m.group(5) is not None else 16
        try:
            return chr(int(digits, base))
        except (ValueError, OverflowError):
            return "?"
    body = seq[1:]
    if body in ("\n", "\r\n", "\r", "\u2028", "\u2029"):
        return ""
    if len(body) == 1:
        return _SIMPLE_ESCAPES.get(body, body)
    return body  # \u{...} variants we do not know: keep the text, positions stay right


# --- placeholders ------------------------------------------------------------------------

# What a placeholder replacement must skip: SQL strings, quoted names, comments, dollar quotes.
_PLACEHOLDER_LEX = re.compile(
    r"""
    (?P<skip>--[^\n\r]*|/\*.*?(?:\*/|\Z)|(?<![\w$])[Ee]'(?:[^'\\]|\\.|'')*(?:'|\Z)|'(?:[^']|'')*(?:'|\Z)
             |"(?:[^"]|"")*(?:"|\Z)|::)
  | (?P<dollar>(?<![\w$])\$(?:[^\W\d]\w*)?\$)
  | (?P<pyformat>%\([^)\s]{1,64}\)s|%[sdvbtq])
  | (?P<escaped_percent>%%)
  | (?P<qmark>\?)
  | (?P<word>[A-Za-z_][A-Za-z_0-9$]*)
    """,
    re.VERBOSE | re.DOTALL,
)


def neutralise_placeholders(sql: str, question_marks: bool = False) -> str:
    """``sql`` with ``%s``, ``%(name)s`` (and ``?`` when asked) made identifiers, in place."""
    if "%" not in sql and not (question_marks and "?" in sql):
        return sql
    chars: Optional[list[str]] = None
    pos = 0
    previous_word = ""
    while True:
        m = _PLACEHOLDER_LEX.search(sql, pos)
        if m is None:
            break
        kind = m.lastgroup
        end = m.end()
        if kind == "dollar":
            close = sql.find(m.group(), end)
            end = len(sql) if close == -1 else close + len(m.group())
        elif kind == "word":
            previous_word = m.group().lower()
        elif kind in ("pyformat", "escaped_percent") or (kind == "qmark" and question_marks
                                                         and _is_bind_mark(sql, m.start(), previous_word)):
            chars = chars if chars is not None else list(sql)
            if kind == "escaped_percent":  # a driver turns %% into %
                chars[m.start() + 1] = " "
            else:
                chars[m.start():end] = HOLE_CHAR * (end - m.start())
        pos = max(end, m.start() + 1)
    return "".join(chars) if chars is not None else sql


#: words after which ``?`` is a bind placeholder even though a word precedes it
_BIND_AFTER_WORDS = frozenset({
    "limit", "offset", "and", "or", "not", "like", "ilike", "then", "else", "when", "between", "in", "is",
    "by", "select", "values", "set", "to", "return", "returning", "distinct", "case", "from", "fetch",
})


def _is_bind_mark(sql: str, at: int, previous_word: str) -> bool:
    """``?`` is a bind placeholder, not PostgreSQL's jsonb operator (``data ? 'key'``): after an
    operator, a comma or a parenthesis, or after a keyword such as ``LIMIT``."""
    before = sql[:at].rstrip()
    if not before:
        return True
    last = before[-1]
    if last.isalnum() or last in "_)]\"'":
        return before.lower().endswith(previous_word) and previous_word in _BIND_AFTER_WORDS
    return True


# --- could it be a finding? -----------------------------------------------------------------

#: what may stand right before a statement's first word in a host file (past blanks)
_BEFORE_FIRST_WORD = frozenset("'\"`\n\r\x0c;({}[<|!/")
_NOT_AFTER_FIRST_WORD = frozenset("_([.=")


class Keywords:
    """The words the enabled checks look for (the gate's first words and substrings), as one
    regular expression over lower-cased text: a string that spells none of them cannot be a
    finding, so it is neither read nor parsed.

    A first word must be able to start a statement inside a string: it ends there (``set``
    is not ``settings``, nor the call ``set(``), and before it, past blanks, comes the start of
    the text, a quote or other string delimiter, a line break, ``;``, ``(``, the end of a
    comment or interpolation, or a backslash escape such as ``\\n``.  ``x = set()`` and Ruby's
    ``foo do`` are no reason to parse a file.  A substring may be anywhere.  ``None`` for both:
    everything is a candidate.
    """

    def __init__(self, first_words: Optional[Iterable[str]], substrings: Iterable[str] = ()) -> None:
        self.everything = first_words is None
        self.words = tuple(sorted({w.lower() for w in first_words or ()}))
        self.substrings = tuple(sorted({s.lower() for s in substrings}))

    def found_in(self, text: str) -> bool:
        """Whether ``text`` (host source or a string's value) may spell a keyword; in host
        source a keyword may be written with escapes (``"S\\u0045T"`` is ``"SET"``)."""
        if self.everything:
            return True
        if self._found_in(text):
            return True
        return "\\" in text and self._found_in(_HEX_ESCAPE.sub(lambda m: decode_escape(m.group()), text))

    def _found_in(self, text: str) -> bool:
        lowered = text.lower()
        if any(s in lowered for s in self.substrings):
            return True
        return any(self._word_hits(lowered, w) for w in self.words if w in lowered)

    def offsets(self, text: str) -> Optional[list[int]]:
        """Offsets of every hit in ``text`` (None: everything is a candidate)."""
        if self.everything:
            return None
        lowered = text.lower()
        hits: list[int] = []
        for sub in self.substrings:
            at = lowered.find(sub)
            while at != -1:
                hits.append(at)
                at = lowered.find(sub, at + 1)
        for word in self.words:
            if word in lowered:
                hits.extend(self._word_hits(lowered, word))
        return hits

    @staticmethod
    def _word_hits(lowered: str, word: str) -> list[int]:
        """Where ``word`` stands as a whole word (str.find is C-fast; a regex with look-behind
        over many words is not)."""
        hits = []
        at = lowered.find(word)
        while at != -1:
            after = lowered[at + len(word):at + len(word) + 1]
            if not (after.isalnum() or after in _NOT_AFTER_FIRST_WORD):
                before = at - 1
                while before >= 0 and lowered[before] in " \t":
                    before -= 1
                if (before < 0 or lowered[before] in _BEFORE_FIRST_WORD
                        or (lowered[before].isalpha() and lowered[before - 1:before] == "\\")):
                    hits.append(at)
            at = lowered.find(word, at + 1)
        return hits


# --- is it SQL? ----------------------------------------------------------------------------

_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n\r]*|/\*.*?\*/|\()*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_]+")


def first_word(sql: str) -> tuple[str, int]:
    """The first word of ``sql`` after blanks, SQL comments and ``(``, and its offset."""
    at = _LEADING_NOISE.match(sql).end()
    m = _WORD.match(sql, at)
    return (m.group(), at) if m else ("", at)


def starts_like_sql(sql: str, strict_case: bool) -> bool:
    """The text begins with a SQL statement keyword.

    With ``strict_case`` (strings found by the heuristic) the keyword must be upper case, as
    SQL in code is written by convention: ``Reset password`` is prose and ``set prompt=...``
    a shell command, while ``RESET search_path`` is SQL.  (Lower-case SQL is still read
    where it is passed to a known call site.)
    """
    word, _ = first_word(sql)
    if word.lower() not in SQL_FIRST_WORDS:
        return False
    return not strict_case or word.isupper()


def parses_cleanly(sql: str) -> bool:
    """Every statement of ``sql`` parses (the heuristic's second test)."""
    from ..sql.neutralise import neutralise
    from ..sql.split import split_with_recovery

    spans, problems = split_with_recovery(neutralise(sql))
    return bool(spans) and not problems


def remap_fix(fix: Any, fragment: Fragment, host_text: str) -> Any:
    """A fix whose edits are SQL offsets, as host offsets; None when an edit touches an escape
    or an interpolated value (the edit could not be applied to the host file as it is)."""
    if fix is None:
        return None
    from dataclasses import replace

    edits = []
    for edit in fix.edits:
        if not fragment.maps_verbatim(edit.start, edit.end, host_text) or fragment.in_hole(edit.start):
            return None
        if any(c in edit.content for c in "\n\r\\\"'`{}#$%"):
            return None  # would need escaping for the host literal (or be read as interpolation)
        edits.append(replace(edit, start=fragment.to_host(edit.start), end=fragment.to_host_end(edit.end)
                             if edit.end > edit.start else fragment.to_host(edit.start)))
    return replace(fix, edits=tuple(edits))
