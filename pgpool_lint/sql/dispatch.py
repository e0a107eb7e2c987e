"""Dispatch: each parsed statement goes once to the checks that declared interest in it.

A check module declares what it looks at, as sqlfluff's crawl declarations and pylint's
``visit_*`` methods do, and the engine calls it for nothing else:

- ``STATEMENT_KINDS``: the top-level node types (``"VariableSetStmt"``) ``check(stmt)`` reads;
- ``FUNCTIONS``: function names; a statement that executes a call to one of them (not a
  definition's body: ``Statement.executed_calls``) goes to ``check(stmt)`` whatever its kind;
- ``check_file(ctx)``: one look at the whole text (runs of statements, pairs of calls);
- ``FIRST_WORDS`` / ``SUBSTRINGS``: text that could be a finding, read by the gate
  (``gate.py``) before anything is parsed;
- ``may_flag(text)``: a statement that only its ``SUBSTRINGS`` let through is parsed only
  when ``may_flag`` says yes to its text (as parsed): a finer look than a substring.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Iterable, Optional

from ..core.findings import Finding
from .gate import lower_case, needles
from .nodes import EXECUTING_KINDS
from .statement import LintContext, Statement


@dataclass(frozen=True)
class Check:
    """A check module: what it declares it looks at, and its check functions."""

    code: str
    run: Optional[Callable[[Statement], Iterable[Finding]]]
    first_words: frozenset[str]
    substrings: tuple[str, ...]
    run_file: Optional[Callable[[LintContext], Iterable[Finding]]] = None
    statement_kinds: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()
    may_flag: Optional[Callable[[str], bool]] = None


class DeclarationError(Exception):
    """A check module's ``check`` declares nothing to look at."""


def load_checks(codes: Iterable[str]) -> list[Check]:
    """Import the detection module of each enabled rule (engine-level rules have none)."""
    from ..core import catalogue

    cat = catalogue.load()
    checks = []
    for code in sorted(codes):
        rule = cat.get(code)
        if rule.kind == "check":
            checks.append(check_of(rule.code, importlib.import_module(rule.module)))
    return checks


def check_of(code: str, module: ModuleType) -> Check:
    """What one check module declares.  Raises DeclarationError."""
    run = getattr(module, "check", None)
    kinds = frozenset(getattr(module, "STATEMENT_KINDS", ()))
    functions = frozenset(getattr(module, "FUNCTIONS", ()))
    if run is not None and not (kinds or functions):
        raise DeclarationError(f"{module.__name__}.check declares neither STATEMENT_KINDS nor FUNCTIONS")
    return Check(
        code=code,
        run=run,
        first_words=frozenset(getattr(module, "FIRST_WORDS", ())),
        substrings=tuple(getattr(module, "SUBSTRINGS", ())),
        run_file=getattr(module, "check_file", None),
        statement_kinds=kinds,
        functions=functions,
        may_flag=getattr(module, "may_flag", None),
    )


def dispatch(checks: list[Check], ctx: LintContext) -> list[Finding]:
    """Findings of ``checks`` on the parsed statements of ``ctx``, check by check in order,
    each check's statements in file order."""
    by_kind, by_function, names = _tables(checks)
    wanted: list[list[Statement]] = [[] for _ in checks]
    for stmt in ctx.statements:  # each statement once: its kind, then the calls it executes
        kind = stmt.kind
        interested = by_kind.get(kind, ())
        # the kind first: most statements run nothing (SET, CREATE TABLE), not worth a call
        calls = stmt.executed_calls() if names and kind in EXECUTING_KINDS and may_call(stmt, names) else ()
        if calls:  # a set only then: most statements call nothing a check declared
            by_call = {number for call in calls for number in by_function.get(call.name, ())}
            if by_call:
                by_call.update(interested)
                interested = by_call
        for number in interested:
            wanted[number].append(stmt)
    findings: list[Finding] = []
    extend = findings.extend
    for check, statements in zip(checks, wanted):
        if statements:
            run = check.run
            for stmt in statements:
                extend(run(stmt))
        if check.run_file is not None:
            extend(check.run_file(ctx))
    return findings


def may_call(stmt: Statement, names: Iterable[str]) -> bool:
    """False when ``stmt`` surely runs no function whose lower-cased name contains one of
    ``names`` (lower-case): then ``stmt.executed_calls()``, a walk of its whole tree, need not be
    asked for them.  A statement of a kind that runs nothing (``SET``, ``CREATE TABLE``; its
    ``executed_calls()`` is empty) runs none.  Exact, not a guess, for names no grammar shorthand
    produces (``TRIM`` calls ``btrim``, ``AT TIME ZONE`` ``timezone``): a function's name is in
    the text as parsed, quoted or not, and lower-cases as the call's name does; only a ``U&"..."``
    name can spell it with escapes."""
    if stmt.kind not in EXECUTING_KINDS:
        return False
    text = stmt.text
    lowered = text.lower() if text.isascii() else lower_case(text)
    if "u&" in lowered:
        return True
    for name in names:  # a loop, not any(): a few names, asked for thousands of statements
        if name in lowered:
            return True
    return False


#: the tables of the last list of checks (lists of checks are never changed once loaded): one linter
#: lints thousands of texts, e.g. the SQL strings of code files
_last: tuple = (None, None)


def _tables(checks: list[Check]) -> tuple[dict[str, list[int]], dict[str, list[int]], tuple[str, ...]]:
    """statement kind -> the numbers of the checks that declared it; function name -> the same;
    the function names as ``may_call`` reads them."""
    global _last
    if _last[0] is checks:
        return _last[1]
    by_kind: dict[str, list[int]] = {}
    by_function: dict[str, list[int]] = {}
    for number, check in enumerate(checks):
        if check.run is None:
            continue
        for kind in check.statement_kinds:
            by_kind.setdefault(kind, []).append(number)
        for name in check.functions:
            by_function.setdefault(name, []).append(number)
    names = needles(by_function)
    _last = (checks, (by_kind, by_function, names))
    return by_kind, by_function, names
