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


GATE_TEXTS = [
    # a psql line between statements, a psql variable inside one (read as parsed), a word cut at the span end
    "\\set n 1\nSELECT 1;\nSET a = :n;\nselect nextval('s');\n\\echo x\nBEGIN;\nSELECT 2",
    # a needle across a short edit is no hit; ſ (long s) is no ASCII s
    "SELECT 'set_' || :'v' || 'config';\nſet a = 1;\nSeT b = 2;\nselect 1 -- temp\n;",
    # COPY data is blanked: a needle in it is no hit
    "COPY t FROM stdin;\nexecute\ttemp\n\\.\nEXECUTE q;\nSELECT 3;",
    "START TRANSACTION; set_config; RESET ALL; setx = 1; do $$ begin end $$;",
    # needles that start alike are searched for once: each still found, and only whole
    # (with a word PGB015's may_flag looks for: its needles let through nothing else)
    "SELECT 1 AS \"LANGUAGE 'sql'\", 'set';\nSELECT 'language sq', 'set';\nSELECT 2, 'language \"sql\"', 'set';\n"
    "SELECT 'Language SQL', 'set';\nSELECT 'language', 'set'",
    # long enough for one pass over all needles (gate._AllNeedles): needles that overlap, or start
    # alike, are each found (lastval inside "language sqlastval", temp after "execute")
    "SELECT 1;\n" * 400 + "SELECT 'language sqlastval';\nSELECT 'executemp';\nSELECT 'nextvalanguage sql', 'set';\n"
    "SELECT 'tempg_settings';\nSELECT 'dblink_connectemp';\nCREATE TEMP TABLE t (a int);\nSELECT 2",
]


def test_the_gate_reads_first_words_as_written_where_lower_case_adds_a_letter():
    """The Kelvin sign (U+212A) lower-cases to an ASCII ``k``: after ``SET`` it is no letter of the
    word as written (ASCII case folding), so the statement passes, as it does on its own."""
    from pgpool_lint.sql.neutralise import neutral_text

    gate = Gate(load_checks(catalogue.load().expand(["ALL"])))
    parsed = neutral_text("SET\u212a = 1; SELECT 1; reset\u212a")
    spans = [(0, 8), (10, 18), (20, 26)]  # given: neither parses, so no split would give them
    assert [i for i, (start, end) in enumerate(spans) if gate(parsed[start:end])] == [0, 2]
    assert list(gate.candidates(parsed, spans, gate.lowered(parsed.text))) == [0, 2]


@pytest.mark.parametrize("text", GATE_TEXTS)
def test_the_gate_passes_what_it_says_of_each_statement_alone(text):
    """``Gate.candidates`` reads the whole text in one pass (needles found over stretches that
    step over short edits, first words by one regex); it must say what ``Gate(statement)``
    says of each statement on its own, as parsed."""
    from pgpool_lint.sql.neutralise import neutral_text
    from pgpool_lint.sql.split import split_with_recovery

    checks = load_checks(catalogue.load().expand(["ALL"]))
    gate = Gate(checks)
    parsed = neutral_text(text)
    spans, _ = split_with_recovery(parsed)
    expected = [i for i, (start, end) in enumerate(spans) if gate(parsed[start:end])]
    assert list(gate.candidates(parsed, spans)) == expected
    assert list(gate.candidates(parsed, spans, gate.lowered(parsed.text))) == expected
    if text == GATE_TEXTS[-2]:
        assert expected == [0, 2, 3]
    if text == GATE_TEXTS[-1]:
        assert len(text) >= 4096 and expected == [400, 402, 403, 404, 405]
    assert expected  # each text has statements that pass


def test_a_body_that_cannot_spell_a_hazard_is_not_parsed_for_plpgsql_session_state():
    """PGB015's SUBSTRINGS (``plpgsql``, ``language sql``) let a statement through only when its
    ``may_flag`` finds a word a hazard needs; another check's declarations still let it through."""
    from pgpool_lint.sql.neutralise import neutral_text
    from pgpool_lint.sql.split import split_with_recovery

    gate = Gate(load_checks(catalogue.load().expand(["ALL"])))
    sql = ("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ begin return 1; end $$;\n"
           "CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $$ begin SET work_mem = '1MB'; end $$;\n"
           "CREATE FUNCTION h() RETURNS int LANGUAGE sql AS 'select offset_of(setof_x)';\n"
           "CREATE FUNCTION i() RETURNS int LANGUAGE sql AS 'select nextval(''s'')';\n")
    parsed = neutral_text(sql)
    spans, _ = split_with_recovery(parsed)
    assert len(spans) == 4
    expected = [1, 3]  # g sets work_mem; i passes through sequence-session-state's nextval
    assert [i for i, (start, end) in enumerate(spans) if gate(parsed[start:end])] == expected
    assert list(gate.candidates(parsed, spans, gate.lowered(parsed.text))) == expected


@pytest.mark.parametrize("sql, passes", [
    ("SELECT * FROM template_x", False), ("SELECT attempt FROM t", False), ("DROP TABLE temp_id", False),
    ("CREATE TEMPORARY TABLE t (a int)", True), ("CREATE LOCAL TEMP TABLE t (a int)", True),
    ("CREATE TABLE pg_temp.t (a int)", True), ("CREATE TABLE t(a int)", False),
    ("CREATE FUNCTION PG_TEMP.f() RETURNS int LANGUAGE sql AS 'select 1'", True),
])
def test_temp_lets_through_what_can_create_a_temporary_object(sql, passes):
    """temp-table's and no-effect-outside-transaction's ``temp`` lets a statement through when
    ``TEMP``/``TEMPORARY`` stands as a word or ``pg_temp`` is written (``nodes.may_be_temporary``)."""
    assert _gate_passes(Gate(load_checks(["PGB005", "PGB011"])), sql) is passes


@pytest.mark.parametrize("sql, passes", [
    ("EXPLAIN ANALYZE EXECUTE q(1)", True), ("CREATE TEMP TABLE t AS EXECUTE q", True),
    ("CREATE /* c */ TABLE t AS EXECUTE q", True), ("create\n  unlogged table t as execute q", True),
    ("CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()", False),
    ("GRANT EXECUTE ON FUNCTION f() TO app", False),
])
def test_execute_inside_a_statement_lets_through_explain_and_create_table_as(sql, passes):
    """sql-prepare's ``execute`` lets a statement through only where a prepared statement can run
    inside another one: EXPLAIN and CREATE TABLE AS (its ``may_flag``)."""
    assert _gate_passes(Gate(load_checks(["PGB004"])), sql) is passes


def _gate_passes(gate: Gate, sql: str) -> bool:
    """What the gate says of ``sql`` on its own, checked to be what it says of it in a text."""
    from pgpool_lint.sql.neutralise import neutral_text

    parsed = neutral_text(sql + ";\nSELECT 1")
    spans = [(0, len(sql)), (len(sql) + 2, len(sql) + 10)]
    alone = gate(sql)
    assert list(gate.candidates(parsed, spans, gate.lowered(parsed.text))) == ([0] if alone else [])
    return alone


def test_a_call_spelled_with_escapes_or_quotes_is_still_dispatched():
    """Statements whose text names no declared function are not walked for calls (``may_call``);
    a quoted name, a name in capitals or one spelled with ``U&`` escapes still reaches the check."""
    seen: dict = {}
    checks = [check_of("F", recording("functions", seen, FUNCTIONS=("set_config",)))]
    sql = ("SELECT SET_CONFIG('a', 'b', false);\nSELECT \"set_config\"('a', 'b', false);\n"
           "SELECT U&\"\\0073et_config\"('a', 'b', false);\nSELECT lower('set_config');\nSELECT now();\n")
    analyse_sql(sql, checks, Gate(checks, enabled=False), Profile())
    assert seen == {"functions": [0, 1, 2]}  # not the string, not now()


def test_session_advisory_lock_finds_an_escaped_lock_call():
    from pgpool_lint.lint.linter import Linter, Settings

    # parsed because sequence-session-state's gate word is in it; the lock call is found in its tree all the same
    diagnostics = Linter(Settings(enabled=frozenset({"PGB010", "PGB007"}))).lint_text(
        "SELECT nextval('s') WHERE U&\"pg_\\0061dvisory_lock\"(1);\n", "t.sql")
    assert [(d.code, d.location) for d in diagnostics] == [("PGB007", (1, 27))]
