"""Findings of logged statements, grouped by (rule, normalized statement).

Each statement goes through the same engine as ``check`` (``Linter`` settings, checks, gate
and pooler profile), so a log finding is exactly what ``check`` reports for that SQL.  A
group is keyed by libpg_query's fingerprint of the statement (constants and parameter
values do not matter: ``SET search_path TO a`` and ``... TO b`` are one group), and keeps
only its first occurrence, a count, the first and last timestamps and a few distinct
users, databases and applications: memory depends on how many distinct statements have
findings, never on the size of the log.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Optional

from ..core.diagnostics import Diagnostic
from ..core.positions import LineIndex
from ..sql.engine import PARSE_ERROR
from . import LoggedStatement

#: distinct (rule, statement) groups kept; later new ones are only counted
MAX_GROUPS = 10_000
#: distinct users / databases / applications listed per group
MAX_NAMES = 5
#: analysed statement texts remembered (logs repeat the same statements over and over)
CACHE_SIZE = 4096
#: longer statements are analysed each time (they are rarely repeated verbatim)
CACHED_TEXT = 4096
#: sessions remembered as being inside a transaction block
MAX_SESSIONS = 100_000
_OPENS = {"TRANS_STMT_BEGIN": True, "TRANS_STMT_START": True, "TRANS_STMT_COMMIT": False,
          "TRANS_STMT_ROLLBACK": False, "TRANS_STMT_PREPARE": False}


@dataclass
class _Names:
    values: list[str] = field(default_factory=list)
    more: bool = False

    def add(self, value: Optional[str]) -> None:
        if value is None or value in self.values:
            return
        if len(self.values) < MAX_NAMES:
            self.values.append(value)
        else:
            self.more = True

    def json(self) -> list[str]:
        return sorted(self.values)

    def text(self) -> str:
        return ", ".join(sorted(self.values)) + (", ..." if self.more else "")


@dataclass
class _Group:
    first: Diagnostic
    count: int = 0
    first_seen: Optional[str] = None
    last_seen: Optional[str] = None
    users: _Names = field(default_factory=_Names)
    databases: _Names = field(default_factory=_Names)
    applications: _Names = field(default_factory=_Names)

    def add(self, stmt: LoggedStatement) -> None:
        self.count += stmt.count
        if stmt.timestamp is not None:
            # one server writes one timestamp format, so text order is time order
            if self.first_seen is None or stmt.timestamp < self.first_seen:
                self.first_seen = stmt.timestamp
            if self.last_seen is None or stmt.timestamp > self.last_seen:
                self.last_seen = stmt.timestamp
        self.users.add(stmt.user)
        self.databases.add(stmt.database)
        self.applications.add(stmt.application)


@dataclass(frozen=True, slots=True)
class _Hit:
    """One finding of an analysed statement text, with offsets into that text."""

    key: tuple[str, str]
    diagnostic: Diagnostic
    start: int
    end: int


class StatementGroups:
    """Findings of a stream of logged statements, one group per (rule, normalized statement).

    A statement is linted on its own, so whether it ran inside a transaction block comes from
    its session: after a logged ``BEGIN`` and before the ``COMMIT``/``ROLLBACK``, it did.
    Otherwise it is not known (a log need not show every ``BEGIN``: ``log_statement = 'ddl'``,
    ``log_min_duration_statement``, pg_stat_statements), and only findings that hold both
    inside and outside a transaction are reported.
    """

    def __init__(self, linter) -> None:
        self.linter = linter
        self.groups: dict[tuple[str, str], _Group] = {}
        self.statements = 0
        self.dropped = 0  # occurrences of groups past MAX_GROUPS
        #: statements pglast could not parse: the server did (it logs only what it parsed), so
        #: they are newer syntax than our parser knows, counted rather than reported
        self.unparsable = 0
        self._cache: OrderedDict[tuple, tuple[list[_Hit], Optional[bool]]] = OrderedDict()
        #: sessions inside a transaction block (least recently seen first; bounded)
        self._in_block: OrderedDict[str, None] = OrderedDict()

    def add(self, stmt: LoggedStatement, filename: str, source_kind: str) -> None:
        self.statements += 1
        hits, opens_block = self._hits(stmt, filename)
        if stmt.session is not None and opens_block is not None:
            self._in_block.pop(stmt.session, None)
            if opens_block:
                self._in_block[stmt.session] = None
                if len(self._in_block) > MAX_SESSIONS:
                    self._in_block.popitem(last=False)
        for hit in hits:
            if hit.key[0] == PARSE_ERROR:
                self.unparsable += 1
                continue
            group = self.groups.get(hit.key)
            if group is None:
                if len(self.groups) >= MAX_GROUPS:
                    self.dropped += 1
                    continue
                group = self.groups[hit.key] = _Group(self._place(hit, stmt, filename, source_kind))
            group.add(stmt)

    def diagnostics(self) -> list[Diagnostic]:
        out = []
        for group in self.groups.values():
            d = group.first
            occurrences = {
                "count": group.count,
                "first_seen": group.first_seen,
                "last_seen": group.last_seen,
                "users": group.users.json(),
                "databases": group.databases.json(),
                "applications": group.applications.json(),
            }
            out.append(Diagnostic(
                code=d.code, name=d.name, message=f"{d.message} ({_describe(group)})", help=d.help,
                severity=d.severity, filename=d.filename, start=0, end=0, location=d.location,
                end_location=d.end_location, fix=None, source_kind=d.source_kind, source_line=d.source_line,
                occurrences=occurrences,
            ))
        out.sort(key=Diagnostic.sort_key)
        return out

    # --- analysis -------------------------------------------------------------------------

    def _hits(self, stmt: LoggedStatement, filename: str) -> tuple[list[_Hit], Optional[bool]]:
        """The statement's findings, and whether it opens (True) or ends (False) a transaction block."""
        text = stmt.sql
        if not self._may_have_findings(text):
            return [], None
        in_block = stmt.session is not None and stmt.session in self._in_block
        hits, opens_block, values_matter = self._cached((filename, text, in_block),
                                                        lambda: self._analyse(text, None, filename, in_block))
        if values_matter and stmt.parameters:
            key = (filename, text, in_block, tuple(sorted(stmt.parameters.items())))
            hits = self._cached(key, lambda: self._analyse(text, stmt.parameters, filename, in_block))[0]
        return hits, opens_block

    def _cached(self, key: tuple, analyse):
        result = self._cache.get(key)
        if result is not None:
            self._cache.move_to_end(key)
            return result
        result = analyse()
        if len(key[1]) <= CACHED_TEXT:
            self._cache[key] = result
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def _may_have_findings(self, text: str) -> bool:
        """The engine's own gate, applied to the whole text before any parsing."""
        stripped = text.lstrip()
        if not stripped or ";" in stripped or stripped.startswith(("--", "/*")):
            return bool(stripped)
        return self.linter.gate(stripped)

    def _analyse(self, text: str, parameters: Optional[dict[int, str]], filename: str,
                 in_block: bool) -> tuple[list[_Hit], Optional[bool], bool]:
        """(findings, opens a block?, could bind values change the findings?) of one text.

        In a known transaction block it is linted as such; otherwise what is found both inside
        and outside a transaction is kept, worded as outside.
        """
        if in_block:
            return self._analyse_values(text, parameters, filename, True)
        outside, opens_block, values_matter = self._analyse_values(text, parameters, filename, False)
        if outside:
            inside = {(hit.key[0], hit.start) for hit in self._analyse_values(text, parameters, filename, True)[0]}
            outside = [hit for hit in outside if (hit.key[0], hit.start) in inside]
        return outside, opens_block, values_matter

    def _analyse_values(self, text: str, parameters: Optional[dict[int, str]], filename: str,
                        in_transaction: bool) -> tuple[list[_Hit], Optional[bool], bool]:
        """Findings of the statement as logged (``$1`` and all); with bind values, also those
        that only the values reveal (``set_config('x', $1, $2)`` with ``$2 = 'f'``)."""
        from .messages import substitute_parameters

        hits, statements = self._analyse_text(text, filename, None, in_transaction)
        # Checks read constants only as function arguments: elsewhere a value cannot matter.
        values_matter = any(_param_argument(stmt.node) for stmt in statements)
        if parameters and values_matter:
            linted, to_original = substitute_parameters(text, parameters)
            if linted != text:
                seen = {(hit.key[0], hit.start) for hit in hits}
                hits += [hit for hit in self._analyse_text(linted, filename, to_original, in_transaction)[0]
                         if (hit.key[0], hit.start) not in seen]
        return hits, _opens_block(statements), values_matter

    def _analyse_text(self, linted: str, filename: str, to_original, in_transaction: bool) -> tuple[list[_Hit], list]:
        from ..sql.comments import sql_comments
        from ..sql.engine import analyse_sql

        settings = self.linter.settings
        findings, ctx = analyse_sql(linted, self.linter.checks, self.linter.gate, settings.profile,
                                    in_transaction, report_parse_errors="PGB000" in settings.enabled)
        hits = []
        for d in self.linter.finish(findings, linted, filename, sql_comments(linted), "sql"):
            span = next(((s, e) for s, e in ctx.spans if s <= d.start < max(e, s + 1)), (0, len(linted)))
            start, end = d.start, d.end
            if to_original is not None:
                start, end = to_original(start), to_original(end)
            hits.append(_Hit((d.code, _statement_key(linted[span[0]:span[1]])), d, start, end))
        return hits, ctx.statements

    # --- positions ------------------------------------------------------------------------

    def _place(self, hit: _Hit, stmt: LoggedStatement, filename: str, source_kind: str) -> Diagnostic:
        """The finding's diagnostic, positioned in the source where the statement was read."""
        index = LineIndex(stmt.sql)
        location = _source_position(stmt, index, hit.start)
        end_location = _source_position(stmt, index, hit.end)
        d = hit.diagnostic
        source_line = stmt.source_line if location[0] == stmt.line and stmt.column is not None else ""
        return Diagnostic(code=d.code, name=d.name, message=d.message, help=d.help, severity=d.severity,
                          filename=filename, start=0, end=0, location=location, end_location=end_location,
                          source_kind=source_kind, source_line=source_line)


def _param_argument(node) -> bool:
    """A ``$n`` among the arguments of a function call in ``node``."""
    from ..sql.nodes import walk

    return any(kind == "FuncCall" and any(inner == "ParamRef" for arg in body.get("args") or ()
                                          for inner, _ in walk(arg))
               for kind, body in walk(node))


def _opens_block(statements) -> Optional[bool]:
    """True when the text leaves its session inside a transaction block, False when it ends one."""
    state = None
    for stmt in statements:
        if stmt.kind == "TransactionStmt" and stmt.body.get("kind") in _OPENS:
            state = _OPENS[stmt.body["kind"]]
            if stmt.body.get("chain"):  # COMMIT AND CHAIN opens the next block at once
                state = True
    return state


def _source_position(stmt: LoggedStatement, index: LineIndex, offset: int) -> tuple[int, int]:
    """Where ``offset`` of the statement is in the source file."""
    line, column = index.position(offset)
    if stmt.continuation == "none":
        return stmt.line, stmt.column or 1
    if line == 1:
        return stmt.line, (stmt.column + column - 1) if stmt.column is not None else 1
    if stmt.continuation == "tab":  # stderr puts a tab before each continuation line
        return stmt.line + line - 1, column + 1
    # a CSV field keeps its line breaks and doubles its quotes
    return stmt.line + line - 1, column + stmt.sql[index.line_start(line):offset].count('"')


def _statement_key(statement: str) -> str:
    """libpg_query's fingerprint; for text it cannot parse, the text with blanks squeezed."""
    from ..sql.pgparser import ParseError, fingerprint

    try:
        return fingerprint(statement)
    except (ParseError, ValueError):
        return "text:" + " ".join(statement.split()).lower()[:1000]


def _describe(group: _Group) -> str:
    parts = [f"{group.count} time{'s' if group.count != 1 else ''}"]
    if group.first_seen is not None:
        parts.append(f"first {group.first_seen}, last {group.last_seen}")
    for label, names in (("user", group.users), ("database", group.databases), ("application", group.applications)):
        if names.values:
            parts.append(f"{label} {names.text()}")
    return "; ".join(parts)
