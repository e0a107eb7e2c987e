"""Checks declare what they look at; the engine hands each parsed statement once to the checks
that declared it (sql/dispatch.py), and to no other."""

from __future__ import annotations

import types

import pytest

from pgpool_lint.core import catalogue
from pgpool_lint.core.profile import Profile
from pgpool_lint.sql.dispatch import DeclarationError, check_of, load_checks
from pgpool_lint.sql.engine import analyse_sql
from pgpool_lint.sql.gate import Gate

SQL = """SET a = 1;
SELECT set_config('a', 'b', false);
SELECT 1;
CREATE FUNCTION f() RETURNS void AS $$ SELECT set_config('x', 'y', false) $$ LANGUAGE sql;
SELECT set_config('a', 'b', false), set_config('c', 'd', false);
RESET a;
"""


def recording(name: str, seen: dict, **declared) -> types.ModuleType:
    module = types.ModuleType(name)
    seen[name] = []

    def check(stmt):
        seen[name].append(stmt.index)
        return ()

    module.check = check
    for key, value in declared.items():
        setattr(module, key, value)
    return module


def test_each_statement_goes_once_to_the_checks_that_declared_it():
    seen: dict = {}
    checks = [
        check_of("K", recording("kinds", seen, STATEMENT_KINDS=("VariableSetStmt",))),
        check_of("F", recording("functions", seen, FUNCTIONS=("set_config",))),
        check_of("B", recording("both", seen, STATEMENT_KINDS=("VariableSetStmt",), FUNCTIONS=("set_config",))),
        check_of("N", recording("nothing-here", seen, STATEMENT_KINDS=("LoadStmt",), FUNCTIONS=("lastval",))),
    ]
    analyse_sql(SQL, checks, Gate(checks, enabled=False), Profile())
    assert seen == {
        "kinds": [0, 5],  # SET and RESET are both VariableSetStmt
        "functions": [1, 4],  # once for two calls; not for a call in a function's body (not executed)
        "both": [0, 1, 4, 5],  # a statement matching both declarations is still seen once
        "nothing-here": [],
    }


def test_a_check_that_declares_nothing_is_refused():
    module = recording("pgpool_lint.checks.vague", {})
    with pytest.raises(DeclarationError, match="vague.check declares neither STATEMENT_KINDS nor FUNCTIONS"):
        check_of("X", module)


def test_a_file_level_check_needs_no_statement_declaration():
    module = types.ModuleType("whole_text")
    module.check_file = lambda ctx: ()
    check = check_of("W", module)
    assert check.run is None and check.run_file is module.check_file


def test_every_shipped_check_declares_real_statement_kinds_and_function_names():
    import pglast.ast

    cat = catalogue.load()
    checks = load_checks(rule.code for rule in cat.rules)
    assert len(checks) == sum(rule.kind == "check" for rule in cat.rules)
    for check in checks:
        assert check.run is not None or check.run_file is not None, check.code
        for kind in check.statement_kinds:
            assert isinstance(getattr(pglast.ast, kind, None), type), f"{check.code}: {kind} is not a parse node"
        for name in check.functions:
            assert name == name.lower() and name.isidentifier(), f"{check.code}: {name}"
