"""One parsed top-level statement, and the SQL text it came from, as the checks see them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Hashable, Optional

from ..core.cache import SHORT_TEXT, ClearingCache
from ..core.findings import Finding
from ..core.positions import Utf8Offsets
from ..core.profile import ConnectionTarget, Profile
from . import nodes, pgparser

if TYPE_CHECKING:  # pragma: no cover
    from .neutralise import NeutralText


@dataclass(slots=True)
class Statement:
    """A parsed statement of a SQL text: its kind, its top-level node and where it is."""

    source: str  # the statement as written (for messages and suggested SQL)
    text: str  # the statement as parsed (placeholders neutralised), same length as source
    start: int  # character offset of the statement in the linted SQL text
    end: int
    kind: str  # top-level node type, e.g. "VariableSetStmt"
    body: dict[str, Any]  # that node's fields
    index: int
    context: "LintContext"
    #: inside an explicit BEGIN ... COMMIT/ROLLBACK block written in the same SQL text
    in_explicit_transaction: bool = False
    #: how that block ends: "commit", "rollback", or None when it never ends in this text
    block_end: Optional[str] = None
    #: index of the BEGIN of the enclosing block, if any
    block_start: Optional[int] = None
    _ascii: Optional[bool] = field(default=None, repr=False)
    _utf8: Optional[Utf8Offsets] = field(default=None, repr=False)  # byte -> character, built once
    _tree: Optional["_Tree"] = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str, source: str, start: int, index: int, context: "LintContext") -> "Statement":
        tree = _PARSED.get(text)
        if tree is None:
            tree = _parse_tree(text)
            if len(text) <= SHORT_TEXT:
                _PARSED.remember(text, tree)
        stmt = cls(source, text, start, start + len(text), tree.kind, tree.body, index, context)
        stmt._tree = tree
        return stmt

    def as_written(self, name: str) -> str:
        """A name from the parse tree as the user wrote it: a placeholder or interpolated value
        is parsed as ``____`` but shown as its source (``table``, ``{channel}``)."""
        if not name or name.strip("_"):
            return name
        at = self.text.find(name)
        written = " ".join(self.source[at:at + len(name)].split()) if at != -1 else ""
        return written or name

    # --- positions --------------------------------------------------------------------

    def offset(self, byte_location: Optional[int]) -> int:
        """Offset in the linted text of a node ``location`` (bytes into this statement)."""
        if byte_location is None or byte_location < 0:
            return self.start
        if self._ascii is None:
            self._ascii = self.text.isascii()
        if self._ascii:
            return self.start + byte_location
        if self._utf8 is None:
            self._utf8 = Utf8Offsets(self.text)
        return self.start + self._utf8.char(byte_location)

    @property
    def in_transaction(self) -> bool:
        """Inside a transaction: an explicit block, or a file that runs inside one."""
        return self.in_explicit_transaction or self.context.assume_in_transaction

    @property
    def rolled_back(self) -> bool:
        return self.block_end == "rollback"

    # --- node helpers -----------------------------------------------------------------

    @property
    def node(self) -> dict[str, Any]:
        return {self.kind: self.body}

    def executed_calls(self) -> list[nodes.FuncCall]:
        """Function calls that run when this statement runs (not in definitions).

        Walked once per statement and shared by every check; a tree without any call
        (known from the parser's JSON text) is not walked at all.
        """
        tree = self._tree
        if tree is None:  # built by hand, not by ``parse``
            tree = self._tree = _Tree(self.kind, self.body, True)
        if tree.executed_calls is None:
            part = nodes.executed_part(self.kind, self.body) if tree.has_calls else None
            tree.executed_calls = [] if part is None else list(nodes.func_calls(part))
        return tree.executed_calls

    def finding(self, code: str, message: str, help: str, start: Optional[int] = None,
                end: Optional[int] = None, fix: Any = None) -> Finding:
        return Finding(code, message, help, self.start if start is None else start,
                       self.end if end is None else end, fix, self.start)

    def call_finding(self, code: str, call: nodes.FuncCall, message: str, help: str, fix: Any = None) -> Finding:
        """A finding spanning one function call, from its name to its closing parenthesis."""
        start = self.offset(call.location)
        return Finding(code, message, help, start, self._call_end(start), fix, self.start)

    def _call_end(self, start: int) -> int:
        """End offset of the call starting at ``start``: its balanced closing parenthesis."""
        text = self.context.text
        open_at = text.find("(", start, self.end)
        if open_at == -1:
            return self.end
        depth = 0
        try:
            tokens = pgparser.scan(text[open_at:self.end])
        except Exception:  # the statement parsed, so this only guards odd encodings
            return self.end
        for tok in tokens:
            if tok.name == "ASCII_40":
                depth += 1
            elif tok.name == "ASCII_41":
                depth -= 1
                if depth == 0:
                    return open_at + tok.end + 1
        return self.end

    def snippet(self, limit: int = 80) -> str:
        """The statement on one line, shortened for a message."""
        one_line = " ".join(self.source.split())
        return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


@dataclass(slots=True)
class _Tree:
    """What a statement's text parses to: the same for every statement of that text, so
    shared between them (nothing changes a parse tree once read)."""

    kind: str
    body: dict[str, Any]
    has_calls: bool  # a FuncCall anywhere in the tree (known from the parser's JSON text)
    executed_calls: Optional[list[nodes.FuncCall]] = None  # filled on first use


def _parse_tree(text: str) -> _Tree:
    raw = pgparser.parse_sql_json(text)
    stmts = _json_loads(raw).get("stmts") or [{}]
    node = stmts[0].get("stmt") or {"EmptyStmt": {}}
    ((kind, body),) = node.items()
    return _Tree(kind, body, '"FuncCall"' in raw)


def _json_loads(raw: str) -> Any:
    """libpg_query's JSON as Python objects: orjson's reader (a third of the time of ``json``'s on
    parse trees, the same dicts, lists, strings and numbers), ``json`` if orjson is missing or
    refuses a text (an integer past 64 bits, a lone surrogate)."""
    global _json_loads
    try:
        from orjson import JSONDecodeError, loads
    except ImportError:  # pragma: no cover - orjson is a dependency; a platform without its wheel
        _json_loads = json.loads
        return json.loads(raw)

    def fast_loads(raw: str) -> Any:
        try:
            return loads(raw)
        except JSONDecodeError:
            return json.loads(raw)

    _json_loads = fast_loads
    return fast_loads(raw)


def json_loads(raw: str) -> Any:
    """``_json_loads`` for the other readers of libpg_query's JSON (PL/pgSQL bodies, the
    statements a fix looks at): the name stays bound while ``_json_loads`` replaces itself."""
    return _json_loads(raw)


#: parse trees by statement text: the same short statements come back again and again
#: (``SET search_path = ...``, ``BEGIN``, ``EXECUTE q``: three in five statements parsed on a
#: corpus of real files); bounded in entries and in the length of a text kept
_PARSED = ClearingCache(128)


@dataclass
class LintContext:
    """Everything a check may read about the SQL text being linted."""

    text: str  # as written
    parsed_text: NeutralText  # as parsed (same length): read it a slice at a time, ``parsed_text[a:b]``
    profile: Profile
    assume_in_transaction: bool = False
    statements: list[Statement] = field(default_factory=list)
    target: ConnectionTarget = field(default_factory=ConnectionTarget)
    #: the transaction of ``assume_in_transaction`` is a guess (SQL in code, whose driver may or
    #: may not open one): fixes that rely on it are then unsafe, not safe
    guessed_transaction: bool = False
    #: scratch space for what checks compute once per text (e.g. edits.last_mentions)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    #: (start, end) of every statement, parsed or not, in file order
    spans: list[tuple[int, int]] = field(default_factory=list)
    #: the gate is on: checks may skip, without parsing, text that cannot be a finding
    #: (``--no-gate`` turns every such shortcut off, so a test can prove they change nothing)
    gated: bool = True
    #: text found not to be PostgreSQL and skipped, each with why (``dialect.Verdict``):
    #: counted under --verbose and --statistics, never a finding
    skipped: list = field(default_factory=list)
    #: ``gate.lower_case(text)`` when the gate computed it (None: it did not)
    lowered: Optional[str] = field(default=None, repr=False)

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per text, kept in ``memo[name]``: what the checks of several
        statements read (the PREPAREs of the text, where its transactions end, ...)."""
        if name not in self.memo:
            self.memo[name] = compute()
        return self.memo[name]

    def once_per(self, name: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per ``key`` of this text (a statement's tokens, a PREPARE's query:
        several findings and checks ask for the same statement's)."""
        cache = self.memo.setdefault(name, {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]
