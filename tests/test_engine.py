"""The engine through the Linter API: recovery, positions, neutralised psql text."""

from __future__ import annotations

import pytest

from pgpool_lint.lint.linter import Linter, Settings

from .helpers import all_codes


@pytest.fixture(scope="module")
def linter():
    return Linter(Settings(enabled=all_codes()))


def found(linter, sql):
    return [(d.code, d.location[0], d.location[1]) for d in linter.lint_text(sql, "t.sql")]


def test_syntax_error_in_the_middle_keeps_findings_after_it(linter):
    sql = "SET search_path TO app;\nSELECT * FROM WHERE x;\nLISTEN jobs;\nSELECT pg_advisory_lock(1);\n"
    assert found(linter, sql) == [("PGB001", 1, 1), ("PGB000", 2, 15), ("PGB002", 3, 1), ("PGB007", 4, 8)]


def test_several_syntax_errors_each_reported(linter):
    sql = "SELEC 1;\nLISTEN a;\nSELECT (;\nLISTEN b;\nINSERT INTO;\nLISTEN c;"
    got = found(linter, sql)
    assert [g for g in got if g[0] == "PGB002"] == [("PGB002", 2, 1), ("PGB002", 4, 1), ("PGB002", 6, 1)]
    assert [g[1] for g in got if g[0] == "PGB000"] == [1, 3, 5]


@pytest.mark.parametrize(
    "bad",
    [
        "SELECT 123abc;",  # the scanner rejects the whole text
        "SELECT 'unterminated;",
        "SELECT $$unterminated;",
        "SELECT /* unterminated comment;",
    ],
)
def test_scanner_rejecting_text_does_not_hide_earlier_findings(linter, bad):
    sql = f"LISTEN before;\n{bad}\n"
    got = found(linter, sql)
    assert ("PGB002", 1, 1) in got
    assert any(code == "PGB000" and line == 2 for code, line, _ in got)


def test_scanner_rejecting_token_does_not_hide_later_findings(linter):
    sql = "SELECT 123abc;\nLISTEN after;\n"
    assert found(linter, sql) == [("PGB000", 1, 8), ("PGB002", 2, 1)]


def test_unbalanced_parenthesis_does_not_swallow_the_file(linter):
    sql = "SELECT (1;\nSET search_path TO app;\nLISTEN x;"
    got = found(linter, sql)
    assert ("PGB001", 2, 1) in got and ("PGB002", 3, 1) in got
    assert got[0][0] == "PGB000" and got[0][1] == 1


def test_nul_byte_is_reported_and_the_rest_linted(linter):
    got = found(linter, "SELECT 1;\x00\nLISTEN x;")
    assert got == [("PGB000", 1, 10), ("PGB002", 2, 1)]


def test_semicolons_inside_rule_actions_and_atomic_bodies(linter):
    sql = (
        "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;\n"
        "LISTEN x;"
    )
    assert found(linter, sql) == [("PGB002", 3, 1)]


@pytest.mark.parametrize(
    "prefix,line,col",
    [
        ("-- café ☕ ünïcødé 😀\n", 2, 1),
        ("SELECT 'é😀';\t", 1, 14),
        ("SELECT 1;\r\n", 2, 1),
        ("SELECT 1;\r\nSELECT 2;\r\n  ", 3, 3),
        ("SELECT 1;\rSELECT 2;\r", 3, 1),
    ],
)
def test_positions_are_code_points_after_unicode_tabs_and_line_endings(linter, prefix, line, col):
    assert found(linter, prefix + "LISTEN jobs;") == [("PGB002", line, col)]


def test_bom_is_not_a_column(linter):
    result = linter.lint_bytes("\ufeffLISTEN jobs;".encode("utf-8"), "bom.sql")
    assert [(d.location, d.end_location) for d in result.diagnostics] == [((1, 1), (1, 12))]


def test_utf16_with_bom_is_read(linter):
    result = linter.lint_bytes("LISTEN jobs;".encode("utf-16"), "u16.sql")
    assert [(d.code, d.location) for d in result.diagnostics] == [("PGB002", (1, 1))]


def test_invalid_utf8_is_one_clear_finding(linter):
    result = linter.lint_bytes(b"SELECT 'caf\xe9';\nLISTEN x;", "latin1.sql")
    assert [(d.code, d.location) for d in result.diagnostics] == [("PGB900", (1, 1))]
    assert "not valid UTF-8" in result.diagnostics[0].message and "0xe9" in result.diagnostics[0].message


def test_end_location_spans_the_statement_or_call(linter):
    [d] = linter.lint_text("SELECT x FROM t WHERE pg_try_advisory_lock(t.id, (1 + 2));", "t.sql")
    assert (d.location, d.end_location) == ((1, 23), (1, 58))
    [d] = linter.lint_text("SET search_path\n  TO app;", "t.sql")
    assert (d.location, d.end_location) == ((1, 1), (2, 9))


def test_psql_meta_commands_and_copy_data_are_not_sql(linter):
    sql = (
        "\\set ON_ERROR_STOP on\n"
        "\\connect shop\n"
        "COPY public.notes (id, body) FROM stdin;\n"
        "1\tSET search_path TO evil;\n"
        "2\tLISTEN nobody; SELECT pg_advisory_lock(1)\n"
        "\\.\n"
        "SELECT count(*) AS n FROM notes \\gset\n"
        "SELECT :n, :'name', :\"col\" FROM t WHERE id = :id;\n"
        "\\if :is_prod\n"
        "LISTEN prod_only;\n"
        "\\endif\n"
    )
    assert found(linter, sql) == [("PGB002", 10, 1)]


def test_gset_ends_the_statement(linter):
    assert found(linter, "SELECT 1 AS one \\gset\nLISTEN jobs;") == [("PGB002", 2, 1)]


def test_template_placeholders_are_neutralised(linter):
    sql = "SET search_path TO {{ schema }};\nCREATE EXTENSION x SCHEMA @extschema@;\n{% if x %}LISTEN y;{% endif %}"
    assert found(linter, sql) == [("PGB001", 1, 1), ("PGB002", 3, 11)]


def test_forbidden_words_in_comments_strings_and_dollar_quotes(linter):
    sql = (
        "-- SET search_path TO app; LISTEN x; SELECT pg_advisory_lock(1);\n"
        "/* RESET ALL; /* nested */ DECLARE c CURSOR WITH HOLD FOR SELECT 1; */\n"
        "SELECT 'LISTEN x; SET role x', $tag$ SET search_path TO a; $tag$, E'\\' LOAD ''x''';\n"
        "COMMENT ON TABLE t IS 'Please SET your password; then LISTEN';\n"
        "COMMENT ON TABLE t IS $$ SELECT pg_advisory_lock(1) $$;\n"  # (a LANGUAGE sql body runs: PGB015)
    )
    assert found(linter, sql) == []


def test_set_inside_block_suggests_set_local(linter):
    [d] = linter.lint_text("BEGIN;\nSET statement_timeout = '5s';\nCOMMIT;", "t.sql")
    assert "even inside BEGIN ... COMMIT" in d.message
    assert d.help.startswith("Use `SET LOCAL statement_timeout = '5s'` so the setting ends with this transaction.")
    assert "ALTER ROLE CURRENT_USER SET statement_timeout TO '5s'" in d.help


def test_set_session_becomes_set_local_in_help(linter):
    [d] = linter.lint_text("SET SESSION search_path = app, public;", "t.sql")
    assert "`SET LOCAL search_path = app, public`" in d.help
    assert "`ALTER ROLE CURRENT_USER SET search_path TO app, public`" in d.help


def test_advisory_help_names_the_xact_variant_with_the_same_arguments(linter):
    [d] = linter.lint_text("SELECT pg_try_advisory_lock(hashtext('jobs'), 7);", "t.sql")
    assert "`pg_try_advisory_xact_lock(hashtext('jobs'), 7)`" in d.help


def test_assume_in_transaction_changes_help_only():
    lin = Linter(Settings(enabled=all_codes(), assume_in_transaction=True))
    [d] = lin.lint_text("SET lock_timeout = '1s';", "t.sql")
    assert d.code == "PGB001" and d.help.startswith("Use `SET LOCAL lock_timeout = '1s'`")


def test_gate_off_gives_identical_results():
    sql = "CREATE TABLE t (a int);\nSELECT set_config('a.b', 'c', false);\nBEGIN;\nSET x.y = 1;\nCOMMIT;\n"
    on = Linter(Settings(enabled=all_codes())).lint_text(sql, "t.sql")
    off = Linter(Settings(enabled=all_codes(), gate=False)).lint_text(sql, "t.sql")
    assert [d.to_json() for d in on] == [d.to_json() for d in off] and len(on) == 2


def test_unterminated_quote_resumes_on_the_next_line(linter):
    sql = "SELECT 1;\nSELECT 'oops;\nLISTEN after;\nSELECT $$also;\nSET search_path TO x;\n"
    assert found(linter, sql) == [("PGB000", 2, 8), ("PGB002", 3, 1), ("PGB000", 4, 8), ("PGB001", 5, 1)]


@pytest.mark.parametrize("broken", ["SELEC 1;", "SELECT 123abc;"])  # parser recovery, scanner fallback
def test_atomic_bodies_survive_recovery(linter, broken):
    sql = (
        f"{broken}\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;\n"
        "LISTEN x;"
    )
    assert [g for g in found(linter, sql) if g[0] != "PGB000"] == [("PGB002", 3, 1)]
    assert [g[1] for g in found(linter, sql) if g[0] == "PGB000"] == [1]


def test_parse_trees_are_read_as_the_json_module_reads_them():
    """libpg_query's JSON goes through orjson; what orjson refuses (a lone surrogate escape) is
    read by the json module, so no text reads differently."""
    import json

    from pgpool_lint.sql import statement

    for raw in ['{"stmts":[{"stmt":{"SelectStmt":{"limitOption":"LIMIT_OPTION_DEFAULT","op":"SETOP_NONE"}}}]}',
                '{"s": "\\ud83d", "n": [1, -2, "é"]}']:
        # dumped again, an int read as a float or a string read differently would show
        assert json.dumps(statement._json_loads(raw)) == json.dumps(json.loads(raw))
