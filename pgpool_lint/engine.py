"""The rule engine: SQL text in, findings (with offsets into that text) out.

1. ``neutralise`` makes psql meta-commands, psql variables and template placeholders
   parseable without moving a character.
2. ``split_with_recovery`` asks libpg_query to split the whole text (a C parse, no Python
   objects).  When that fails, the text is cut on top-level semicolons (pglast's scanner, or
   our own splitter when the scanner rejects the text), every piece is parsed on its own,
   and each piece that still fails becomes one parse-error finding: the statements around
   it are still linted.
3. A cheap gate, built from what the enabled checks declare they can look at, picks the
   statements that could be a finding; only those are parsed into a tree.
4. Transaction blocks (BEGIN ... COMMIT/ROLLBACK) are tracked in file order, then every
   enabled check looks at every parsed statement.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional

from .sqltext import AtomicBodyDepth, NeutralText, neutral_text, split_statements
from .statement import Finding, Statement

PARSE_ERROR = "PGB000"

#: Statements the engine itself needs parsed: transaction control.
_ENGINE_FIRST_WORDS = frozenset({"begin", "start", "commit", "end", "rollback", "abort", "prepare"})
_FIRST_WORD = re.compile(r"[A-Za-z_]+")


@dataclass
class Profile:
    """What the pooler in front of the database does.

    Built from a preset and settings by ``profiles.build_profile``; the defaults here are
    the ``pgbouncer`` preset (latest stable PgBouncer, 1.25.x, in transaction mode).
    """

    pool_mode: str = "transaction"  # transaction | statement | session
    #: parameters PgBouncer re-applies per client, lower-case: SET of these is safe
    tracked_parameters: frozenset[str] = frozenset(
        {"client_encoding", "datestyle", "timezone", "standard_conforming_strings", "application_name", "intervalstyle"}
    )
    max_prepared_statements: int = 200
    preset: str = "pgbouncer"
    pooler: str = "pgbouncer"  # pgbouncer | supavisor
    pgbouncer_version: Optional[str] = "1.25"
    postgres_version: Optional[str] = None  # None: unknown
    track_extra_parameters: tuple[str, ...] = ("IntervalStyle",)
    #: setting name -> where its value came from (preset and its source, config file, command line)
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def applies(self, pool_modes: Iterable[str]) -> bool:
        """Whether a rule that matters in ``pool_modes`` applies under this profile."""
        return self.pool_mode in pool_modes

    def describe(self) -> list[tuple[str, str, str]]:
        """(setting, value, source) rows, for ``--verbose`` and machine-readable output."""
        rows = [
            ("preset", self.preset, self.sources.get("preset", "default preset")),
            ("pooler", self.pooler, ""),
            ("pool-mode", self.pool_mode, self.sources.get("pool-mode", "")),
            ("pgbouncer-version", self.pgbouncer_version or "-", self.sources.get("pgbouncer-version", "")),
            ("postgres-version", self.postgres_version or "unknown", self.sources.get("postgres-version", "")),
            ("track-extra-parameters", ", ".join(self.track_extra_parameters) or "-",
             self.sources.get("track-extra-parameters", "")),
            ("max-prepared-statements", str(self.max_prepared_statements), self.sources.get("max-prepared-statements", "")),
            ("tracked parameters (SET is safe)", ", ".join(sorted(self.tracked_parameters)), "derived"),
        ]
        return rows


@dataclass(frozen=True)
class ConnectionTarget:
    """Who the application connects as (settings ``role`` / ``database``): makes the
    suggested ``ALTER ROLE ... SET`` exact.  None: unknown (``CURRENT_USER``, all databases)."""

    role: Optional[str] = None
    database: Optional[str] = None


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


@dataclass(frozen=True)
class Check:
    code: str
    run: Callable[[Statement], Iterable[Finding]]
    first_words: frozenset[str]
    substrings: tuple[str, ...]
    run_file: Optional[Callable[[LintContext], Iterable[Finding]]] = None


def load_checks(codes: Iterable[str]) -> list[Check]:
    """Import the detection module of each enabled rule (engine-level rules have none)."""
    from . import catalogue

    cat = catalogue.load()
    checks = []
    for code in sorted(codes):
        rule = cat.get(code)
        if rule.kind != "check":
            continue
        module = importlib.import_module(rule.module)
        checks.append(
            Check(
                code=rule.code,
                run=getattr(module, "check", None) or (lambda stmt: ()),
                first_words=frozenset(getattr(module, "FIRST_WORDS", ())),
                substrings=tuple(getattr(module, "SUBSTRINGS", ())),
                run_file=getattr(module, "check_file", None),
            )
        )
    return checks


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


@dataclass(frozen=True)
class ParseProblem:
    start: int
    message: str
    #: the statement that failed, as cut by the splitter (for telling another dialect from a mistake)
    statement: tuple[int, int] = (0, 0)


def _coarse_split(text: str) -> list[tuple[int, int]]:
    """Top-level statements by PostgreSQL's own scanner; our splitter if it rejects the text."""
    from .pgparser import ParseError, scan

    try:
        tokens = scan(text)
    except ParseError:
        return split_statements(text)
    spans: list[tuple[int, int]] = []
    depth = 0
    body = AtomicBodyDepth()
    start: Optional[int] = None
    last_end = 0
    for tok in tokens:
        name = tok.name
        if name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if name == "ASCII_59" and depth == 0 and body.depth == 0:
            if start is not None:
                spans.append((start, tok.start))
            start = None
            body.statement_ended()
            continue
        if start is None:
            start = tok.start
        if name == "ASCII_40":
            depth += 1
        elif name == "ASCII_41":
            depth = max(0, depth - 1)
        else:
            body.word(name.lower().removesuffix("_p"))  # BEGIN_P, END_P are the keywords BEGIN, END
        last_end = tok.end + 1
    if start is not None:
        spans.append((start, last_end))
    return spans


#: texts longer than this (characters) are split by libpg_query in pieces of about this
#: size: its parse tree of a whole 8 MB file takes over 60 MB, of a piece next to nothing
SPLIT_PIECE = 256 * 1024


def _split_in_pieces(text: NeutralText, piece: int) -> Optional[list[tuple[int, int]]]:
    """Statement spans of ``text``, libpg_query parsing one piece at a time; None when a
    piece has a syntax error (the caller then splits the whole text and recovers).

    A piece ends right after a ``;`` that ends a line.  When libpg_query parses the piece
    without error, that ``;`` is outside any string, comment, dollar quote, parenthesis or
    BEGIN ATOMIC body (else the piece would end inside one and fail), so it ends a
    statement of the whole text as well: the spans are those of ``split(text)``.  A cut
    that falls inside a body makes the piece fail, and the piece grows to a later ``;``.
    """
    spans: list[tuple[int, int]] = []
    base, n = 0, len(text)
    while base < n:
        base = text.skip_blank(base)  # a piece never starts with megabytes of blanked COPY data
        if base >= n:
            break
        cut, step = _cut_after(text, base + piece), 4096
        # end the piece where blanked COPY data starts (right after its `;`): never parse the blanks
        cut = text.blank_after(base, cut, piece) or cut
        while True:
            found = _split_piece(text, base, cut)
            if found is not None:
                break
            if cut >= n:
                return None
            cut, step = _cut_after(text, cut + step), step * 2
        spans.extend((base + start, base + stop) for start, stop in found)
        base = cut
    return spans


def _split_piece(text: NeutralText, start: int, end: int) -> Optional[list[tuple[int, int]]]:
    """Spans of ``text[start:end]`` (offsets into the piece) by libpg_query, None when it fails."""
    from .pgparser import split_utf8

    # as UTF-8 only, so the piece is not held twice while libpg_query parses it
    return split_utf8(text[start:end].encode("utf-8"))


def _cut_after(text: NeutralText, at: int) -> int:
    """Just after the first ``;`` that ends a line at or after ``at`` (the end: none),
    outside the edits (where the text as written and as parsed are the same)."""
    while True:
        found = text.text.find(";\n", at)
        if found == -1:
            return len(text)
        edit = text.edit_over(found, found + 2)
        if edit is None:
            return found + 1
        at = edit[1]


def split_with_recovery(text: "str | NeutralText", in_pieces: bool = True) -> tuple[list[tuple[int, int]], list[ParseProblem]]:
    """Statement spans of ``text`` and the parse errors between them (``in_pieces``: large
    texts a piece at a time; ``--no-gate`` turns it off, so the gate test covers it too)."""
    from .pgparser import split_utf8

    if in_pieces and len(text) > SPLIT_PIECE:
        spans = _split_in_pieces(text if isinstance(text, NeutralText) else NeutralText(text), SPLIT_PIECE)
        if spans is not None:
            return spans, []
    text = str(text)  # the whole text at once from here
    whole = split_utf8(text.encode("utf-8"))
    if whole is not None:
        return whole, []
    spans: list[tuple[int, int]] = []
    problems: list[ParseProblem] = []
    _recover(text, 0, _coarse_split(text), spans, problems, respect_parens=True)
    return spans, problems


def _recover(text: str, base: int, pieces: list[tuple[int, int]], spans: list, problems: list,
             respect_parens: bool) -> None:
    from .pgparser import ParseError, split_spans

    for start, end in pieces:
        chunk = text[start:end]
        try:
            for s_start, s_stop in split_spans(chunk):
                spans.append((base + start + s_start, base + start + s_stop))
        except ParseError as err:
            if respect_parens:
                finer = split_statements(chunk, respect_parens=False)
                if len(finer) > 1:  # a ';' inside unbalanced parentheses: cut there too
                    _recover(chunk, base + start, finer, spans, problems, respect_parens=False)
                    continue
            message = str(err.args[0]) if err.args else "syntax error"
            at = err.args[1] if len(err.args) > 1 and err.args[1] is not None else len(chunk.rstrip())
            at = min(at, len(chunk))
            problems.append(ParseProblem(base + start + at, message, (base + start, base + end)))
            if message.startswith("unterminated") and len(problems) < _MAX_RESTARTS:
                # An unterminated quote or comment swallows the rest of the file; PostgreSQL
                # would too, but the author meant the next lines as statements: resume there.
                resume = _next_line_start(chunk, at)
                if resume < len(chunk):
                    rest = chunk[resume:]
                    _recover(rest, base + start + resume, split_statements(rest), spans, problems, True)


#: bound on parse problems per text, so recovery stays linear on hostile input
_MAX_RESTARTS = 1000


def _next_line_start(text: str, pos: int) -> int:
    newline = text.find("\n", pos)
    return len(text) if newline == -1 else newline + 1


def analyse_sql(
    text: str,
    checks: list[Check],
    gate: Gate,
    profile: Profile,
    assume_in_transaction: bool = False,
    report_parse_errors: bool = True,
    target: Optional[ConnectionTarget] = None,
    guessed_transaction: bool = False,
    parsed: Optional[str] = None,
    judge_dialect: bool = True,
) -> tuple[list[Finding], LintContext]:
    """Lint one piece of SQL; offsets in the findings are character offsets into ``text``.

    ``judge_dialect``: a statement that does not parse may be another database's SQL
    (``dialect.judge``); the text is then skipped and listed in ``ctx.skipped``.

    ``parsed``, when given, is what to parse instead of ``text`` (same length): SQL from code
    whose placeholders and interpolations were made parseable, while messages quote ``text``.
    """
    if parsed is not None and len(parsed) != len(text):
        parsed = None  # never misplace a finding: parse what messages quote
    source = text if parsed is None else parsed
    parsed_text = neutral_text(source)
    findings: list[Finding] = []
    # lone surrogates and NULs are rare: the text as parsed is then written out whole and repaired
    if "\x00" in source or (not source.isascii() and _SURROGATE.search(source) is not None):
        whole = _SURROGATE.sub("\ufffd", str(parsed_text))  # e.g. from a code string's "\ud83d" escape
        nul = whole.find("\x00")
        if nul != -1:
            # libpg_query reads a C string: everything after a NUL would silently vanish.
            findings.append(Finding(PARSE_ERROR, "NUL byte in SQL text: PostgreSQL rejects it and nothing after it would be read",
                                    "Remove the NUL byte (is this a binary file?).", nul, nul + 1))
            whole = whole.replace("\x00", " ")
        parsed_text = NeutralText(whole)
    ctx = LintContext(text, parsed_text, profile, assume_in_transaction, target=target or ConnectionTarget(),
                      guessed_transaction=guessed_transaction)
    spans, problems = split_with_recovery(parsed_text, in_pieces=gate.enabled)
    ctx.spans = spans
    if problems and judge_dialect:
        problems = _postgres_problems(source, problems, ctx)
        if problems is None:  # another database's SQL: nothing in it is a finding
            return [], ctx
    if report_parse_errors:
        for problem in problems:
            findings.append(Finding(PARSE_ERROR, f"Could not parse this statement: {one_line(problem.message)}",
                                    "Fix the syntax error; the statements around it were still checked.",
                                    problem.start, _token_end(parsed_text[problem.start:problem.start + 4096], problem.start)))
    ctx.gated = gate.enabled
    for index in gate.candidates(parsed_text, spans):
        start, end = spans[index]
        stmt_text = parsed_text[start:end]
        try:
            stmt = Statement.parse(stmt_text, text[start:end], start, index, ctx)
        except Exception:  # split said it parses; a lone parse failure must not stop the file
            continue
        ctx.statements.append(stmt)
    track_transactions(ctx.statements)
    for check in checks:
        for stmt in ctx.statements:
            findings.extend(check.run(stmt))
        if check.run_file is not None:
            findings.extend(check.run_file(ctx))
    return absorb(findings), ctx


def _postgres_problems(text: str, problems: list[ParseProblem], ctx: LintContext) -> Optional[list[ParseProblem]]:
    """The parse problems that are PostgreSQL with a mistake; None when a failing statement is
    another database's SQL (the whole text is then that database's, and skipped).  Statements
    that are not SQL at all (``1 up``) are dropped and counted."""
    from .dialect import judge

    kept = []
    for problem in problems:
        start, end = problem.statement
        # an unterminated quote or comment is a mistake in any dialect
        verdict = judge(text[start:end]) if end > start and not problem.message.startswith("unterminated") else None
        if verdict is None:
            kept.append(problem)
            continue
        ctx.skipped.append(verdict)
        if verdict.dialect not in ("not-sql", "not-postgres"):  # a dialect named: the text is that database's
            return None
    return kept


def absorb(findings: list[Finding]) -> list[Finding]:
    """Drop the findings that another finding stands for (``Finding.absorbs``)."""
    absorptions = [a for f in findings for a in f.absorbs]
    if not absorptions:
        return findings
    return [f for f in findings if f.absorbs or not any(a.covers(f) for a in absorptions)]


_SURROGATE = re.compile("[\ud800-\udfff]")


def one_line(message: str, limit: int = 200) -> str:
    """A parser message on one line and of bounded length (it may quote the rest of a file)."""
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _token_end(window: str, start: int) -> int:
    """End of the word or symbol that ``window`` (the text from ``start``) starts with, for the
    span of a parse error."""
    m = _TOKEN.match(window)
    return start + (m.end() if m else min(1, len(window)))


_TOKEN = re.compile(r"\w+|\S")


_BEGIN = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_END = {"TRANS_STMT_COMMIT": "commit", "TRANS_STMT_ROLLBACK": "rollback", "TRANS_STMT_PREPARE": "commit"}


def track_transactions(statements: list[Statement]) -> None:
    """Mark the statements inside explicit transaction blocks, and how each block ends."""
    block: list[Statement] = []
    begin_index: Optional[int] = None
    for stmt in statements:
        if stmt.kind == "TransactionStmt":
            kind = stmt.body.get("kind")
            if kind in _BEGIN:
                if begin_index is None:
                    begin_index, block = stmt.index, []
                continue
            if kind in _END:
                if begin_index is not None:
                    for member in block:
                        member.block_end = _END[kind]
                begin_index, block = None, []
                if stmt.body.get("chain"):  # COMMIT AND CHAIN starts the next block at once
                    begin_index = stmt.index
                continue
        if begin_index is not None:
            stmt.in_explicit_transaction = True
            stmt.block_start = begin_index
            block.append(stmt)
