"""PostgreSQL's ``stderr`` log format: each message starts with ``log_line_prefix``, then
``LEVEL:  text``; a multi-line message continues on lines that start with a tab, and its
``DETAIL:``/``HINT:``/``CONTEXT:``/``STATEMENT:`` parts follow on their own prefixed lines.

``log_line_prefix`` is turned into a regular expression (``prefix_pattern``); when the user
does not give it, the prefix that matches most of the first lines among ``COMMON_PREFIXES``
is used.  Every escape is an atomic group that ends where the text written after it in the
prefix follows (``app=%a,client=%h`` reads ``%a`` up to the first ``,client=``): the match
never backtracks into an earlier field, so a line costs its length whatever the prefix or a
client-chosen ``application_name`` holds (26 adjacent ``%a`` once never finished).  Only English level names are recognised (``lc_messages = 'C'`` or ``en_*``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional

from . import InputError, LoggedStatement
from .messages import parse_parameters, statement_start

#: the default since PostgreSQL 10, Debian/Ubuntu's packaged default, pgBadger's recommended
#: ones, Amazon RDS's, and the empty prefix of PostgreSQL 9.x
COMMON_PREFIXES = (
    "%m [%p] ",
    "%m [%p] %q%u@%d ",
    "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
    "%t [%p]: [%l-1] user=%u,db=%d ",
    "%t:%r:%u@%d:[%p]:",
    "%m [%p] %q[%u@%d] ",
    "",
)
#: lines read to pick a prefix when none is given
SNIFF_LINES = 2000

_LEVEL_NAMES = r"DEBUG[1-5]|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT"
_LEVELS = rf"(?P<level>{_LEVEL_NAMES}):  "
#: the same, as a lookahead after the last field
_ANY_LEVEL = rf"(?:{_LEVEL_NAMES}):  "
#: parts of a message that belong to the message before them
_PARTS = frozenset({"DETAIL", "HINT", "QUERY", "CONTEXT", "LOCATION", "STATEMENT"})
_TIMESTAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
#: free text is bounded (names are at most 63 bytes) so that a line that does not match
#: costs little, however long it is
_ESCAPES = {
    "a": ("application", r".{0,128}?"),
    "u": ("user", r".{0,128}?"),
    "d": ("database", r".{0,128}?"),
    "r": (None, r"\S{0,300}?"),
    "h": (None, r"\S{0,300}?"),
    "L": (None, r"\S{0,300}?"),
    "b": (None, r".{0,64}?"),
    "i": (None, r".{0,64}?"),
    "p": ("pid", r"\d+"),
    "P": (None, r"\d*"),
    "t": ("timestamp", _TIMESTAMP + r" \S+"),
    "m": ("timestamp", _TIMESTAMP + r"\.\d{3} \S+"),
    "s": (None, _TIMESTAMP + r" \S+"),
    "n": ("timestamp", r"\d+\.\d{3}"),
    "e": (None, r"[0-9A-Z]{5}"),
    "c": ("session_id", r"[0-9a-f]+\.[0-9a-f]+"),
    "l": (None, r"\d+"),
    "v": (None, r"[0-9/]*"),
    "x": (None, r"\d+"),
    "Q": (None, r"-?\d+"),
}
_ESCAPE = re.compile(r"%(-?\d+)?(.)")
#: where the prefix and level must end: a longer line is still read, its prefix is not
_PREFIX_WINDOW = 2048


def prefix_pattern(prefix: str) -> re.Pattern[str]:
    """A regular expression matching ``prefix`` (as in ``log_line_prefix``) and the level.

    Raises InputError for an escape PostgreSQL does not know.
    """
    head, _, tail = prefix.partition("%q")  # %q: what follows is left out for non-session processes
    seen: set[str] = set()
    if tail:
        pattern = _translate(head, seen, None) + f"(?:{_translate(tail, seen, _ANY_LEVEL)})?"
    else:
        pattern = _translate(head, seen, _ANY_LEVEL)
    return re.compile(pattern + _LEVELS)


def _tokens(prefix: str) -> list[tuple[str, str, bool]]:
    """("text", literal, False) and ("escape", letter, padded) parts of a prefix; ``%%`` is text."""
    out: list[tuple[str, str, bool]] = []
    pos = 0
    for m in _ESCAPE.finditer(prefix):
        padding, letter = m.groups()
        text = prefix[pos:m.start()] + ("%" if letter == "%" else "")
        pos = m.end()
        if text:
            if out and out[-1][0] == "text":
                text = out.pop()[1] + text
            out.append(("text", text, False))
        if letter == "%":
            continue
        if letter not in _ESCAPES:
            raise InputError(f"log_line_prefix escape `%{letter}` is not one PostgreSQL knows")
        out.append(("escape", letter, padding is not None))
    if prefix[pos:]:
        if out and out[-1][0] == "text":
            out.append(("text", out.pop()[1] + prefix[pos:], False))
        else:
            out.append(("text", prefix[pos:], False))
    return out


def _translate(prefix: str, seen: set[str], after: Optional[str]) -> str:
    """The regex of one part of a prefix; ``after`` is what follows the part (the level), when known."""
    tokens = _tokens(prefix)
    out: list[str] = []
    for i, (kind, value, padded) in enumerate(tokens):
        if kind == "text":
            out.append(re.escape(value))
            continue
        name, regex = _ESCAPES[value]
        if name is not None and name not in seen:
            seen.add(name)
            regex = f"(?P<{name}>{regex})"
        else:
            regex = f"(?:{regex})"
        if padded:
            regex = f" *{regex} *"
        # the field ends where the prefix's next text (and, at the end, the level) follows
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following is None:
            look = after or ""
        elif following[0] == "text":
            look = re.escape(following[1]) + ((after or "") if i + 2 == len(tokens) else "")
        else:
            look = ""
        out.append(f"(?>{regex}(?={look}))" if look else f"(?>{regex})")
    return "".join(out)


def guess_prefix(lines: list[str]) -> Optional[str]:
    """The common prefix matching most of ``lines``; None when none matches any."""
    best, best_count = None, 0
    for prefix in COMMON_PREFIXES:
        pattern = prefix_pattern(prefix)
        count = sum(1 for line in lines if pattern.match(line, 0, _PREFIX_WINDOW))
        if count > best_count:
            best, best_count = prefix, count
    return best


@dataclass
class _Message:
    """A LOG message that logs a statement, while its lines are being read."""

    line: int
    column: int
    source_line: str
    fields: dict[str, Optional[str]]
    parts: list[str]
    size: int
    pid: Optional[str]
    detail: list[str] = field(default_factory=list)


@dataclass
class StderrReader:
    """Statements of a stderr log, from (line number, line) pairs; counts what it skips."""

    pattern: re.Pattern[str]
    max_statement: int
    malformed: int = 0
    too_long: int = 0
    matched: int = 0  # lines the prefix matched: none at all means the prefix is wrong

    def statements(self, lines: Iterable[tuple[int, str]]) -> Iterator[LoggedStatement]:
        current: Optional[_Message] = None
        target: Optional[list[str]] = None  # where a tab-continued line goes; None: not kept
        continuing = False  # the last message (kept or not) may still have continuation lines
        for number, line in lines:
            if line.startswith("\t") and continuing:
                if target is not None and current is not None:
                    current.size += len(line)
                    if current.size <= self.max_statement:
                        target.append(line[1:])
                continue
            m = self.pattern.match(line, 0, _PREFIX_WINDOW)
            if m is None:
                self.malformed += 1
                continuing = False
                continue
            continuing = True
            self.matched += 1
            level = m.group("level")
            text = line[m.end():]
            if level in _PARTS:
                if (level == "DETAIL" and current is not None and not current.detail
                        and current.pid == m.groupdict().get("pid", current.pid)):
                    current.detail.append(text)
                    target = current.detail
                else:
                    target = None
                continue
            if current is not None:
                done = self._finish(current)
                if done is not None:
                    yield done
                current = None
            target = None
            if level != "LOG":
                continue
            start = statement_start(text)
            if start is None:
                continue
            values = m.groupdict()
            current = _Message(number, m.end() + start + 1, line, values, [text[start:]], len(line),
                               values.get("pid"))
            target = current.parts
        if current is not None:
            done = self._finish(current)
            if done is not None:
                yield done

    def _finish(self, message: _Message) -> Optional[LoggedStatement]:
        if message.size > self.max_statement:
            self.too_long += 1
            return None
        values = message.fields
        return LoggedStatement(
            sql="\n".join(message.parts), line=message.line, column=message.column, continuation="tab",
            source_line=message.source_line, timestamp=values.get("timestamp"), user=values.get("user") or None,
            database=values.get("database") or None, application=values.get("application") or None,
            session=values.get("session_id") or values.get("pid"),
            parameters=parse_parameters("\n".join(message.detail)) if message.detail else None,
        )
