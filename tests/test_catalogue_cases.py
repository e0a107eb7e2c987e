"""Every [[cases]] entry of every rules/*.toml file is a test: the rule must flag exactly the
positions listed in ``expect`` (line:col, 1-based, code points) — an empty list means the
SQL must not be flagged by that rule.  A case may carry ``config`` (settings for the run)."""

from __future__ import annotations

import pytest

from pgpool_lint.core import catalogue
from pgpool_lint.lint.linter import Linter, Settings

from .helpers import linter_for_case

CAT = catalogue.load()
CASES = [(rule, case) for rule in CAT.rules for case in rule.cases if "sql" in case]


@pytest.mark.parametrize(
    "rule,case", CASES, ids=[f"{rule.code}-{case['name']}" for rule, case in CASES]
)
def test_case(rule, case):
    linter = linter_for_case(case)
    diagnostics = linter.lint_text(case["sql"], case.get("filename", "case.sql"))
    got = [f"{d.location[0]}:{d.location[1]}" for d in diagnostics if d.code == rule.code]
    assert got == case["expect"], [d.message for d in diagnostics]


def test_every_rule_has_passing_and_failing_cases():
    for rule in CAT.rules:
        if rule.kind != "check":
            continue
        expects = [bool(c.get("expect")) for c in rule.cases if "sql" in c]
        assert True in expects, f"{rule.code} has no case that must be flagged"
        assert False in expects, f"{rule.code} has no case that must not be flagged"


def test_codes_names_and_modules_are_consistent():
    import importlib

    for rule in CAT.rules:
        assert rule.code.startswith("PGB") and rule.code[3:].isdigit(), rule.code
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert rule.path.endswith(f"{rule.code}-{rule.name}.toml"), rule.path
        if rule.kind == "check":
            module = importlib.import_module(rule.module)
            assert getattr(module, "CODE", rule.code) == rule.code
            assert callable(getattr(module, "check", None)) or callable(getattr(module, "check_file", None))
        for field in ("summary", "what_it_does", "why", "example", "use_instead", "fix_safety"):
            assert getattr(rule, field).strip(), f"{rule.code} has an empty {field}"


def test_selectors_accept_codes_and_names_case_insensitively():
    assert CAT.get("pgb001") is CAT.get("Session-Set")
    assert CAT.expand(["ALL"]) == {r.code for r in CAT.rules}
    with pytest.raises(catalogue.UnknownRule):
        CAT.get("no-such-rule")
