"""Pooler profiles through the real CLI: presets, versions, pool modes, config keys, --verbose."""

from __future__ import annotations

import json

import pytest

from pgpool_lint.config.profiles import PRESETS, build_profile
from pgpool_lint.core import catalogue
from pgpool_lint.lint.linter import Linter, Settings

from .helpers import all_codes, linter_for_case, run_cli

TRACKED_SETS = (
    "SET TimeZone = 'UTC';\nSET TIME ZONE 'Europe/Paris';\nSET DateStyle = 'ISO';\nSET client_encoding = 'UTF8';\n"
    "SET IntervalStyle = 'iso_8601';\nSET application_name = 'w';\nSET standard_conforming_strings = on;\n"
)
SEARCH_PATH = "SET search_path TO app;\n"
BLOCK = "BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;\n"


def check_json(tmp_path, sql: str, *args: str) -> tuple[int, list[dict], str]:
    """Run `pgpool-lint check` on one file; (exit code, findings as JSON, stderr)."""
    path = tmp_path / "m.sql"
    path.write_text(sql)
    r = run_cli("check", "--isolated", "--output-format", "json", *args, str(path), cwd=tmp_path)
    findings = json.loads(r.stdout) if r.stdout.strip() else []
    return r.returncode, findings, r.stderr.decode()


def codes_at(findings: list[dict]) -> list[str]:
    return [f"{f['code']}@{f['location']['row']}:{f['location']['column']}" for f in findings]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_no_tracked_parameter_finding_and_search_path_flagged_under_every_preset(tmp_path, preset):
    code, findings, stderr = check_json(tmp_path, TRACKED_SETS + SEARCH_PATH, "--preset", preset)
    assert (code, codes_at(findings), stderr) == (1, ["PGB001@8:1"], "")
    assert "PgBouncer ≥ 1.26 on PostgreSQL ≥ 18" in findings[0]["message"]


@pytest.mark.parametrize("args,flagged", [
    ((), True),  # default preset: PgBouncer 1.25, PostgreSQL unknown
    (("--pgbouncer-version", "1.26", "--postgres-version", "18"), False),
    (("--pgbouncer-version", "1.26", "--postgres-version", "17"), True),  # 17 does not report search_path
    (("--pgbouncer-version", "1.25", "--postgres-version", "18"), True),  # 1.25 does not track it by itself
    (("--pgbouncer-version", "1.26"), True),  # server version unknown: not assumed
    (("--track-extra-parameters", "IntervalStyle,search_path"), False),
])
def test_search_path_only_where_untracked(tmp_path, args, flagged):
    sql = SEARCH_PATH + "SELECT pg_catalog.set_config('search_path', '', false);\n"
    code, findings, _ = check_json(tmp_path, sql, *args)
    assert codes_at(findings) == (["PGB001@1:1", "PGB001@2:8"] if flagged else [])
    assert code == (1 if flagged else 0)


def test_old_pgbouncer_does_not_track_intervalstyle_but_tracks_timezone(tmp_path):
    _, findings, _ = check_json(tmp_path, "SET IntervalStyle = 'iso_8601';\nSET TimeZone = 'UTC';\n",
                                "--pgbouncer-version", "1.19")
    assert codes_at(findings) == ["PGB001@1:1"]


def test_transaction_blocks_flagged_only_in_statement_mode(tmp_path):
    assert codes_at(check_json(tmp_path, BLOCK, "--pool-mode", "statement")[1]) == ["PGB009@1:1"]
    for mode in ("transaction", "session"):
        assert check_json(tmp_path, BLOCK, "--pool-mode", mode)[:2] == (0, [])


def test_session_mode_silences_transaction_only_rules_but_not_the_others(tmp_path):
    sql = SEARCH_PATH + "LISTEN jobs;\nDISCARD ALL;\nSET LOCAL lock_timeout = '1s';\n"
    assert [f["code"] for f in check_json(tmp_path, sql)[1]] == ["PGB001", "PGB002", "PGB013", "PGB011"]
    # SET LOCAL outside a transaction does nothing with or without a pooler
    assert codes_at(check_json(tmp_path, sql, "--pool-mode", "session")[1]) == ["PGB011@4:1"]


def test_config_keys_and_command_line_override(tmp_path):
    (tmp_path / ".pgpool-lint.toml").write_text(
        'preset = "neon"\npool-mode = "statement"\npgbouncer-version = "1.26"\npostgres-version = "18"\n'
        'max-prepared-statements = 0\ntrack-extra-parameters = ["IntervalStyle"]\nmigration-tool = "flyway"\n'
    )
    (tmp_path / "m.sql").write_text(SEARCH_PATH + BLOCK + "SET LOCAL work_mem = '1MB';\n")
    r = run_cli("check", "--output-format", "concise", "--verbose", "m.sql", cwd=tmp_path)
    out, err = r.stdout.decode(), r.stderr.decode()
    # search_path tracked (1.26 + 18), BEGIN refused (statement mode), flyway runs files in a transaction
    assert [line.split(" ")[1] for line in out.splitlines()[:-1]] == ["PGB009"], out
    assert "preset                            neon  (config " in err
    assert "pool-mode                         statement  (config " in err
    assert "max-prepared-statements           0  (config " in err
    assert "assume-in-transaction             true  (migration-tool flyway: executeInTransaction" in err
    r = run_cli("check", "--output-format", "concise", "--pool-mode", "transaction", "--pgbouncer-version", "1.25",
                "--no-assume-in-transaction", "m.sql", cwd=tmp_path)
    assert [line.split(" ")[1] for line in r.stdout.decode().splitlines()[:-1]] == ["PGB001", "PGB011"]


def test_verbose_shows_the_default_profile_with_sources_on_stderr_only(tmp_path):
    code, findings, stderr = check_json(tmp_path, "SELECT 1;\n", "-v")
    assert (code, findings) == (0, [])  # stdout is still valid JSON
    lines = stderr.splitlines()
    assert lines[0] == "pgpool-lint: pooler profile"
    rows = {line.split()[0]: line for line in lines[1:]}
    assert "pgbouncer  (default preset)" in rows["preset"]
    assert "transaction  (preset pgbouncer:" in rows["pool-mode"]
    assert "1.25  (preset pgbouncer: latest stable" in rows["pgbouncer-version"]
    assert "200  (preset pgbouncer: PgBouncer default 200 since 1.24" in rows["max-prepared-statements"]
    assert "IntervalStyle  (preset pgbouncer:" in rows["track-extra-parameters"]
    assert rows["tracked"].split()[5:11] == ["application_name,", "client_encoding,", "datestyle,", "intervalstyle,",
                                             "standard_conforming_strings,", "timezone"]


def test_verbose_names_the_rules_a_pool_mode_turns_off(tmp_path):
    _, _, stderr = check_json(tmp_path, "SELECT 1;\n", "-v", "--pool-mode", "session")
    off = next(line for line in stderr.splitlines() if "rules off in this pool mode" in line)
    assert "PGB001" in off and "PGB009" in off and "PGB011" not in off


@pytest.mark.parametrize("args,message", [
    (("--preset", "bogus"), "unknown preset `bogus` (known presets: pgbouncer, neon, supabase, azure)"),
    (("--pool-mode", "autocommit"), "`pool-mode` must be one of: transaction, statement, session"),
    (("--pgbouncer-version", "1.x"), "`pgbouncer-version` must be a version such as 1.25 or 17"),
    (("--max-prepared-statements", "-1"), "`max-prepared-statements` must be a whole number ≥ 0"),
    (("--migration-tool", "liquibase2"), "unknown migration tool `liquibase2`"),
])
def test_bad_profile_options_exit_2_with_a_clear_message(tmp_path, args, message):
    (tmp_path / "m.sql").write_text(SEARCH_PATH)
    r = run_cli("check", "--isolated", *args, "m.sql", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == b""
    err = r.stderr.decode()
    assert err.startswith("pgpool-lint: error: ") and message in err and "Traceback" not in err


def test_bad_preset_in_config_names_the_file(tmp_path):
    (tmp_path / ".pgpool-lint.toml").write_text('preset = "heroku"\n')
    (tmp_path / "m.sql").write_text(SEARCH_PATH)
    r = run_cli("check", "m.sql", cwd=tmp_path)
    assert r.returncode == 2
    assert ".pgpool-lint.toml: unknown preset `heroku`" in r.stderr.decode()


def test_version_written_as_a_toml_number_is_refused(tmp_path):
    (tmp_path / ".pgpool-lint.toml").write_text("pgbouncer-version = 1.20\n")  # the number 1.2
    (tmp_path / "m.sql").write_text(SEARCH_PATH)
    r = run_cli("check", "m.sql", cwd=tmp_path)
    assert r.returncode == 2 and 'must be a string such as "1.20"' in r.stderr.decode()
    (tmp_path / ".pgpool-lint.toml").write_text("pgbouncer-version = 1.26\npostgres-version = 18\n")  # unambiguous
    r = run_cli("check", "m.sql", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"All checks passed! (1 file checked)\n", b"")


def test_preset_defaults_and_sources():
    assert build_profile({}) == Settings(enabled=frozenset()).profile
    expected = {"pgbouncer": ("transaction", 200), "neon": ("transaction", 1000),
                "supabase": ("transaction", 0), "azure": ("transaction", 0)}
    for name, (mode, prepared) in expected.items():
        profile = build_profile({"preset": name})
        assert (profile.pool_mode, profile.max_prepared_statements) == (mode, prepared), name
        assert "timezone" in profile.tracked_parameters and "search_path" not in profile.tracked_parameters
        for key in ("pool-mode", "pgbouncer-version", "postgres-version", "track-extra-parameters",
                    "max-prepared-statements"):
            assert profile.sources[key].startswith(f"preset {name}: "), (name, key)
    # an explicit PgBouncer version brings that version's own defaults
    assert build_profile({"preset": "azure", "pgbouncer-version": "1.24"}).max_prepared_statements == 200
    assert build_profile({"pgbouncer-version": "1.21"}).max_prepared_statements == 0


def test_preamble_absorbs_session_set_only_while_its_rule_runs(tmp_path):
    preamble = ("SET statement_timeout = 0;\nSET lock_timeout = 0;\nSET client_encoding = 'UTF8';\n"
                "SELECT pg_catalog.set_config('search_path', '', false);\nSET check_function_bodies = false;\n"
                "SET client_min_messages = warning;\nCREATE TABLE t (a int);\nSET default_tablespace = '';\n"
                "SET work_mem = '1GB';\n")
    assert codes_at(check_json(tmp_path, preamble)[1]) == ["PGB014@1:1", "PGB001@9:1"]
    assert codes_at(check_json(tmp_path, preamble, "--ignore", "pg-dump-preamble")[1]) == [
        "PGB001@1:1", "PGB001@2:1", "PGB001@4:8", "PGB001@5:1", "PGB001@6:1", "PGB001@8:1", "PGB001@9:1"]


NEW_RULES = [rule for rule in catalogue.load().rules if "PGB009" <= rule.code <= "PGB015"]


@pytest.mark.parametrize("rule", NEW_RULES, ids=[r.code for r in NEW_RULES])
def test_gate_never_hides_a_finding_of_the_new_rules(rule):
    """Each new module's FIRST_WORDS/SUBSTRINGS let its statements through: same findings without the gate."""
    for case in rule.cases:
        gated = linter_for_case(case)
        ungated = linter_for_case(case)
        ungated.gate.enabled = False
        got = [(d.code, d.location) for d in gated.lint_text(case["sql"], "case.sql")]
        assert got == [(d.code, d.location) for d in ungated.lint_text(case["sql"], "case.sql")], case["name"]


def test_every_rule_declares_valid_pool_modes():
    modes = {r.code: tuple(r.extra.get("pool_modes", catalogue.POOL_MODES)) for r in catalogue.load().rules}
    assert modes["PGB009"] == ("statement",)
    assert "session" in modes["PGB011"] and "session" not in modes["PGB001"]
    linter = Linter(Settings(enabled=all_codes(), profile=build_profile({"pool-mode": "session"})))
    assert "PGB001" not in linter.active and "PGB000" in linter.active
