"""The rule engine: SQL text in, findings (with offsets into that text) out.

``analyse_sql`` runs the stages in order, each in its own module of this folder:

1. ``neutralise``: psql meta-commands, psql variables and template placeholders become
   parseable text of the same length (no character moves).
2. ``split``: statement spans, libpg_query splitting the whole text; when that fails, each
   piece is parsed on its own and each piece that still fails becomes one parse problem
   (``dialect`` tells another database's SQL from PostgreSQL with a mistake): the
   statements around it are still linted.
3. ``gate``: from what the enabled checks declare they could find, the statements worth
   parsing; only those are parsed into a tree (``statement.Statement.parse``).
4. Transaction blocks (BEGIN ... COMMIT/ROLLBACK) are tracked in file order (here), then
   ``dispatch`` hands each parsed statement once to the checks that declared interest.
"""

from __future__ import annotations

from typing import Optional

from ..core.findings import Finding
from ..core.lazyre import lazy_re
from ..core.profile import ConnectionTarget, Profile
from .dispatch import Check, dispatch
from .gate import Gate
from .neutralise import NeutralText, neutral_text
from .split import SPLIT_PIECE, ParseProblem, split_with_recovery
from .statement import LintContext, Statement

PARSE_ERROR = "PGB000"


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
        parsed_text = NeutralText(whole, psql_command=parsed_text.psql_command)
    ctx = LintContext(text, parsed_text, profile, assume_in_transaction, target=target or ConnectionTarget(),
                      guessed_transaction=guessed_transaction)
    # the text as parsed written out once, as a str, when the split reads it whole anyway or it has no
    # edit (its text as written): each statement is then a plain slice of it (None: read a slice at a time)
    whole = len(parsed_text) <= SPLIT_PIECE
    flat = str(parsed_text) if whole or not parsed_text.edits else None
    spans, problems = split_with_recovery(flat if whole else parsed_text, in_pieces=gate.enabled)
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
    lowered = gate.lowered(parsed_text.text)
    if parsed_text.text is text:  # the text as written: the caller's directives and passwords search it too
        ctx.lowered = lowered
    for index in gate.candidates(parsed_text, spans, lowered, flat):
        start, end = spans[index]
        stmt_text = flat[start:end] if flat is not None else parsed_text[start:end]
        try:
            stmt = Statement.parse(stmt_text, text[start:end], start, index, ctx)
        except Exception:  # split said it parses; a lone parse failure must not stop the file
            continue
        ctx.statements.append(stmt)
    track_transactions(ctx.statements)
    findings.extend(dispatch(checks, ctx))
    return absorb(findings), ctx


def _postgres_problems(text: str, problems: list[ParseProblem], ctx: LintContext) -> Optional[list[ParseProblem]]:
    """The parse problems that are PostgreSQL with a mistake; None when a failing statement is
    another database's SQL (the whole text is then that database's, and skipped).  Statements
    that are not SQL at all (``1 up``) are dropped and counted."""
    from .dialect import Budget, judge

    kept = []
    # psql talks to PostgreSQL only: in a psql script (a line starting with `\set`, `\c`, ...)
    # a statement PostgreSQL rejects is a mistake, and sqlglot is not asked which database it
    # reads as (a regression test's deliberate errors read as MySQL or Snowflake SQL)
    budget = Budget(chars=0, statements=0) if ctx.parsed_text.psql_command is not None else Budget()
    for problem in problems:
        start, end = problem.statement
        # an unterminated quote or comment is a mistake in any dialect
        verdict = (judge(text[start:end], budget, problem.start - start)
                   if end > start and not problem.message.startswith("unterminated") else None)
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


_SURROGATE = lazy_re("[\ud800-\udfff]")


def one_line(message: str, limit: int = 200) -> str:
    """A parser message on one line and of bounded length (it may quote the rest of a file)."""
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _token_end(window: str, start: int) -> int:
    """End of the word or symbol that ``window`` (the text from ``start``) starts with, for the
    span of a parse error."""
    m = _TOKEN.match(window)
    return start + (m.end() if m else min(1, len(window)))


_TOKEN = lazy_re(r"\w+|\S")


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
