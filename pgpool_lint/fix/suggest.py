"""Concrete replacement SQL built from the statement the user wrote.

Everything here works on the statement's own tokens (pglast's scanner), so a suggestion
keeps the user's spelling, quoting and values.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple, Optional

from ..core.cache import SHORT_TEXT, ClearingCache
from ..core.lazyre import lazy_re
from ..sql import pgparser
from ..sql.statement import Statement


class SetParts(NamedTuple):
    """``SET [SESSION|LOCAL] <name> {TO|=} <value>`` cut into pieces (offsets in the statement).
    A named tuple, not a frozen dataclass: made for thousands of SETs (``edits.Token`` too)."""

    keyword_end: int  # end of ``SET`` (or of ``SET SESSION``)
    scope_word: Optional[tuple[int, int]]  # span of SESSION/LOCAL, if written
    name: str  # as written
    value: str  # as written, after TO/=, or e.g. "FROM CURRENT"


def set_parts(stmt: Statement) -> Optional[SetParts]:
    """The pieces of a ``SET`` statement, cut once per statement (its finding's message,
    help and fix all ask); None when it is not a plain ``SET``."""
    if len(stmt.text) > SHORT_TEXT:
        return stmt.context.once_per("suggest.set_parts", stmt.start, lambda: _set_parts(stmt))
    # the pieces are offsets into the statement and its words as written: the same for the same text
    return _SET_PARTS.get_or_remember((stmt.text, stmt.source), lambda: _set_parts(stmt))


#: the pieces of the short SET statements seen last, by text: the same SET comes back in file after file
_SET_PARTS = ClearingCache(256)


#: ``SET [SESSION|LOCAL] name[.name...] {=|TO}`` written plainly: ASCII words and blanks (PostgreSQL's
#: blanks but \v), nothing that makes the scanner's tokens differ from these pieces (possessive:
#: ``timezoneto`` is one word, never ``timezone`` + ``to``).  Anything else is scanned.  A character
#: past ASCII is ``[^\x00-\x7f]``, not the range ``\x80-\U0010ffff``: case-blind, that range costs
#: 6 ms to compile (every code point's case is looked up), once per process.
_BLANK = r"[ \t\n\r\f]"
_WORD = r"[a-z_][a-z0-9_$]*+"
_PLAIN_SET = lazy_re(
    rf"(?P<set>set){_BLANK}++(?:(?P<scope>session|local){_BLANK}++)?+"
    rf"(?P<name>{_WORD}(?:{_BLANK}*+\.{_BLANK}*+{_WORD})*+){_BLANK}*+"
    r"(?P<op>=(?![-+*/<>=~!@#%^&|`?])|to(?![a-z0-9_$]|[^\x00-\x7f]))",
    re.IGNORECASE | re.ASCII)
#: words that would end the name in the scanner's tokens, or make SESSION no scope
_NOT_PLAIN = frozenset({"to", "from"})
_SESSION_WORDS = frozenset({"authorization", "characteristics"})


def _set_parts(stmt: Statement) -> Optional[SetParts]:
    """``_scanned_set_parts``, without the scanner for a plainly written SET (most of them: a
    scan costs more than all the rest of a SET's finding)."""
    m = _PLAIN_SET.match(stmt.text)
    if m is not None:
        words = [w.strip(" \t\n\r\f").lower() for w in m.group("name").split(".")]
        if not (_NOT_PLAIN.intersection(words) or (m.group("scope") and words[0] in _SESSION_WORDS)):
            keyword_end = m.end("scope") if m.group("scope") else m.end("set")
            scope = m.span("scope") if m.group("scope") else None
            return SetParts(keyword_end, scope, stmt.source[m.start("name"):m.start("op")].strip(),
                            stmt.source[m.end("op"):].strip())
    return _scanned_set_parts(stmt)


def _scanned_set_parts(stmt: Statement) -> Optional[SetParts]:
    try:
        tokens = pgparser.scan(stmt.text)
    except pgparser.ParseError:  # read only when raised: pglast's parser is loaded when first used
        return None
    tokens = [t for t in tokens if t.name not in ("SQL_COMMENT", "C_COMMENT")]
    if not tokens or tokens[0].name != "SET":
        return None
    i = 1
    scope = None
    keyword_end = tokens[0].end + 1
    if i < len(tokens) and tokens[i].name in ("SESSION", "LOCAL") and not (
        # SESSION AUTHORIZATION / SESSION CHARACTERISTICS name the parameter, not the scope
        i + 1 < len(tokens) and tokens[i].name == "SESSION" and tokens[i + 1].name in ("AUTHORIZATION", "CHARACTERISTICS")
    ):
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
    """``ALTER ROLE <role> [IN DATABASE <db>] SET <name> TO <value>`` for a ``SET`` statement."""
    parts = set_parts(stmt)
    if parts is None or not parts.value:
        return None
    value = parts.value.rstrip().rstrip(";").rstrip()
    if value.upper().startswith("FROM CURRENT"):
        return f"{alter_role_prefix(stmt)} SET {parts.name} {value}"
    return f"{alter_role_prefix(stmt)} SET {parts.name} TO {value}"


def alter_role_prefix(stmt: Statement) -> str:
    """``ALTER ROLE app IN DATABASE shop`` from the ``role`` / ``database`` settings;
    ``ALTER ROLE CURRENT_USER`` when the role is not configured."""
    target = stmt.context.target
    head = f"ALTER ROLE {quote_ident(target.role) if target.role else 'CURRENT_USER'}"
    return f"{head} IN DATABASE {quote_ident(target.database)}" if target.database else head


def parameter_name(name: str) -> str:
    """A parameter name as SQL writes it (``app.tenant_id``, ``"My"."Setting"``)."""
    return ".".join(quote_ident(part) for part in name.split("."))


def quote_ident(name: str) -> str:
    """``name`` as a SQL identifier: bare when PostgreSQL would read it back unchanged."""
    bare = _BARE_NAME.fullmatch(name) is not None and name not in _keywords_to_quote()
    return name if bare else '"' + name.replace('"', '""') + '"'


#: what PostgreSQL reads back unchanged without quotes, keywords aside: lower-case ASCII
#: letters, digits, ``_`` and ``$``, not starting with a digit or ``$`` (a plain SET's word)
_BARE_NAME = lazy_re(_WORD)


@functools.lru_cache(maxsize=1)
def _keywords_to_quote() -> frozenset[str]:
    """The keywords a bare name cannot be (reserved, type/function-name and column-name ones)."""
    kw = pgparser.keywords()
    return frozenset().union(kw.RESERVED_KEYWORDS, kw.TYPE_FUNC_NAME_KEYWORDS, kw.COL_NAME_KEYWORDS)


def call_source(stmt: Statement, start: int, end: int) -> str:
    """The text of a call as written, on one line."""
    return " ".join(stmt.context.text[start:end].split())
