"""Every catalogue case with ``fixed`` (and optionally ``unsafe_fixed``) is a fix test.

As ``check --fix`` does (``lint.fixer.fix_text``, the same verified passes): the case's SQL with
the safe fixes applied must equal ``fixed`` (``unsafe_fixed``: safe and unsafe fixes). A text
that changed must then parse (pglast), re-lint clean for the case's rule, and a second
``--fix`` must change nothing (squawk's ``fix_sql`` idea, plus convergence).
"""

from __future__ import annotations

import pytest

from pgpool_lint.core import catalogue
from pgpool_lint.fix.edits import SAFE, UNSAFE
from pgpool_lint.lint.fixer import Fixer

from .helpers import linter_for_case

CAT = catalogue.load()
FIX_CASES = [
    (rule, case, key)
    for rule in CAT.rules
    for case in rule.cases
    for key in ("fixed", "unsafe_fixed")
    if key in case
]


def fixer_for(case: dict, key: str) -> Fixer:
    allowed = {SAFE, UNSAFE} if key == "unsafe_fixed" else {SAFE}
    return Fixer(linter_for_case(case), allowed, write=False, roots=())


@pytest.mark.parametrize("rule,case,key", FIX_CASES,
                         ids=[f"{rule.code}-{case['name']}-{key}" for rule, case, key in FIX_CASES])
def test_fix_case(rule, case, key):
    from pglast.parser import parse_sql

    filename = case.get("filename", "case.sql")
    fixer = fixer_for(case, key)
    result = fixer.fix_text(case["sql"], filename)
    assert result.text == case[key]
    assert not result.refused, [r.reason for r in result.refused]
    assert result.converged
    if result.text != case["sql"]:
        parse_sql(result.text)  # raises on a syntax error
        assert [d for d in result.remaining if d.code == rule.code] == []
        assert rule.code in {d.code for d in result.applied}
    again = fixer.fix_text(result.text, filename)
    assert again.text == result.text and again.applied == []


def test_there_are_safe_unsafe_and_unchanged_fix_cases():
    """The catalogue exercises all three outcomes, for every rule that has fixes."""
    for code in ("PGB001", "PGB003", "PGB005", "PGB007", "PGB008"):
        cases = [c for c in CAT.get(code).cases if "fixed" in c]
        assert any(c["fixed"] != c["sql"] for c in cases), code
        assert any(c["fixed"] == c["sql"] for c in cases) or code == "PGB008", code


@pytest.mark.parametrize("rule", [r for r in CAT.rules if r.kind == "check"], ids=lambda r: r.code)
def test_every_finding_has_a_fix_or_a_concrete_help(rule):
    """Each flagged case's findings carry an edit, or a help text (never empty)."""
    for case in rule.cases:
        if not case.get("expect"):
            continue
        linter = linter_for_case(case)
        for d in linter.lint_text(case["sql"], case.get("filename", "case.sql")):
            if d.code == rule.code:
                assert (d.fix is not None and d.fix.edits) or len(d.help) > 20, (case["name"], d.message)


def test_sql_prepare_help_names_the_query_and_values():
    sql = "PREPARE get_user(int) AS SELECT * FROM users WHERE id = $1;\nEXECUTE get_user(42);"
    helps = [d.help for d in linter_for_case({}).lint_text(sql, "x.sql") if d.code == "PGB004"]
    assert helps[0].startswith("Send the query itself, `SELECT * FROM users WHERE id = $1`, through your driver")
    assert helps[1].startswith("Send the query itself, `SELECT * FROM users WHERE id = $1`, with the values `42` as "
                               "its parameters through your driver")
