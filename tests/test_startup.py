"""What a pre-commit run on a small clean file loads: the start-up budget, checked by module, not by clock.

A duration would be noise on a shared machine (bench/run.py measures it side by side); which modules
a run executed is exact.  Heavy modules are for the runs that need them: rich for coloured findings,
sqlglot, tree-sitter and YAML for other inputs, pglast's ``enums``/``ast`` (hundreds of classes) for
nobody, since pgpool-lint reads libpg_query's JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

HEAVY = ("rich", "sqlglot", "tree_sitter", "yaml", "psycopg", "pygls", "decimal")
#: modules a clean SQL file does not need: the settings rules' model and URL parser (settings and
#: code files), TOML (no config file to read), difflib (a misspelt rule, text that fails to parse)
NOT_FOR_A_CLEAN_SQL_FILE = ("pgpool_lint.settings.model", "pgpool_lint.settings.urls", "tomllib", "difflib")

PROBE = textwrap.dedent("""
    import dataclasses, gc, json, re, sys, types
    eager = set()  # the modules that compile a pattern at import or in the run
    _compile = re.compile
    def compile(*args, **kwargs):
        eager.add(sys._getframe(1).f_globals.get("__name__", "?"))
        return _compile(*args, **kwargs)
    re.compile = compile
    collections = []  # the garbage collections of the run, as (generation, while importing the CLI)
    importing = True
    gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append((info["generation"], importing)))
    from pgpool_lint.cli import main
    importing = False
    try:
        main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
    executed = lambda name: name in sys.modules and type(sys.modules[name]) is types.ModuleType
    from pgpool_lint.core import catalogue
    from pgpool_lint.core.lazyre import LazyPattern
    ours = sorted(m for m in sys.modules if m.startswith("pgpool_lint"))
    compiled = sorted(f"{m}.{k}" for m in ours for k, v in vars(sys.modules[m]).items()
                      if isinstance(v, LazyPattern) and "_compiled" in vars(v))
    made = sorted(f"{m}.{k}" for m in ours for k, v in vars(sys.modules[m]).items()
                  if isinstance(v, type) and v.__module__ == m and dataclasses.is_dataclass(v))
    print(json.dumps({"exit": code, "heavy": sorted({m.split(".")[0] for m in sys.modules} & set(%r)),
                      "loaded": sorted(set(sys.modules) & set(%r)), "compiled": compiled,
                      "eager": sorted(m for m in eager if m.startswith("pgpool_lint")),
                      "pglast_enums_executed": executed("pglast.enums"),
                      "pglast_ast_executed": executed("pglast.ast"),
                      "parser_loaded": "pglast.parser" in sys.modules,
                      "ours": ours, "dataclasses": made, "collections": collections,
                      "docs_read": catalogue._docs_in.cache_info().currsize > 0,
                      "packages": sorted({m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names))}),
          file=sys.stderr)
""" % (HEAVY, NOT_FOR_A_CLEAN_SQL_FILE))


def _probe(tmp_path, sql: str, *args: str) -> dict:
    (tmp_path / "m.sql").write_text(sql)
    command = [sys.executable, "-c", PROBE, "check", *args, "m.sql"]
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    # the first run after an install (a fresh clone in CI) parses the rule files with tomllib and
    # keeps them beside them, as .pyc files are kept: the run measured is a later one
    subprocess.run(command, cwd=tmp_path, capture_output=True, env=env)
    r = subprocess.run(command, cwd=tmp_path, capture_output=True, env=env)
    return {**json.loads(r.stderr.decode().strip().splitlines()[-1]), "stdout": r.stdout.decode()}


def test_clean_file_loads_the_parser_but_none_of_the_heavy_modules(tmp_path):
    got = _probe(tmp_path, "BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;\n")
    assert got["exit"] == 0 and got["stdout"] == "All checks passed! (1 file checked)\n"
    assert got["parser_loaded"]  # the file was really parsed
    assert got["heavy"] == []
    assert not got["pglast_enums_executed"] and not got["pglast_ast_executed"]
    assert got["loaded"] == []
    # the patterns of rare paths (dialect judge, SET rewriting, passwords, COPY, fallback split)
    # are not compiled, nor any other (the default profile's versions are read without a pattern)
    assert got["compiled"] == []
    # compiled at import or in the run: the gate's first words and the neutraliser's test for
    # template syntax, which every file needs; the patterns of other paths wait for them (lazy_re)
    assert got["eager"] == ["pgpool_lint.sql.gate", "pgpool_lint.sql.neutralise"]


def test_a_settings_finding_loads_the_settings_model(tmp_path):
    """The counterpart: what the clean run leaves out is loaded when a run needs it."""
    (tmp_path / ".env").write_text("DATABASE_URL=postgres://app@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech"
                                   "/app?options=-c%20search_path%3Dshop\n")
    r = subprocess.run([sys.executable, "-c", PROBE, "check", "--select", "PGB200", ".env"], cwd=tmp_path,
                       capture_output=True, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    got = json.loads(r.stderr.decode().strip().splitlines()[-1])
    assert got["exit"] == 1, r.stdout
    assert "pgpool_lint.settings.model" in got["loaded"] and "pgpool_lint.settings.urls" in got["loaded"]


def test_a_pyproject_without_our_table_is_not_parsed(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    got = _probe(tmp_path, "SELECT 1;\n")
    assert got["exit"] == 0 and "tomllib" not in got["loaded"]
    (tmp_path / "pyproject.toml").write_text('[tool."pgpool\\u002dlint"]\nselect = ["PGB001"]\n')  # escaped key
    got = _probe(tmp_path, "SET search_path TO app;\nDISCARD ALL;\n", "--output-format", "concise")
    assert got["exit"] == 1 and "tomllib" in got["loaded"]
    assert [line.split()[1] for line in got["stdout"].splitlines() if line.startswith("m.sql")] == ["PGB001"]


def test_findings_without_a_terminal_are_written_without_rich(tmp_path):
    got = _probe(tmp_path, "SET search_path TO app;\n")
    assert got["exit"] == 1 and got["stdout"].startswith("m.sql:1:1: PGB001 [session-set] ")
    assert got["heavy"] == []
    assert "pgpool_lint.fix.suggest._PLAIN_SET" in got["compiled"]  # compiled when a SET needs it


def test_pglast_loaded_lazily_still_builds_its_python_tree():
    """The lazy ``pglast.ast``/``pglast.enums`` execute on first use, as pglast's own import would."""
    code = textwrap.dedent("""
        from pgpool_lint.sql.pgparser import parse_sql, split
        assert split("select 1; select 2") == ("select 1", "select 2")
        import pglast, pglast.enums
        stmt = parse_sql("SET LOCAL search_path TO app")[0].stmt
        assert type(stmt).__name__ == "VariableSetStmt" and stmt.is_local
        assert stmt.kind is pglast.enums.VariableSetKind.VAR_SET_VALUE
        assert pglast.parse_plpgsql("DO $$ BEGIN PERFORM 1; END $$")
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "ok\n", r.stderr


def test_a_lazy_pattern_compiles_on_first_use_and_matches_as_a_compiled_one(monkeypatch):
    """``core.lazyre``: the rare paths' patterns cost nothing at import, then behave as ``re``'s."""
    import re

    from pgpool_lint.core import lazyre

    compiled = []
    real_compile = re.compile
    monkeypatch.setattr(lazyre.re, "compile", lambda *a: compiled.append(a) or real_compile(*a))
    pattern = lazyre.lazy_re(r"set\s+(\w+)", re.IGNORECASE)
    assert compiled == []
    text = "SET search_path; set  role x"
    assert [m.group(1) for m in pattern.finditer(text)] == ["search_path", "role"]
    assert pattern.sub("-", text) == re.sub(r"set\s+(\w+)", "-", text, flags=re.IGNORECASE)
    assert pattern.match(text).span() == (0, 15) and pattern.search("x", 1) is None
    assert (pattern.pattern, pattern.flags & re.IGNORECASE, pattern.groups) == (r"set\s+(\w+)", re.IGNORECASE, 1)
    assert len(compiled) == 1  # once, whatever was used


#: what the benchmark's small file runs through (bench/data/small.sql): a comment, then statements
#: that are parsed and checked
SMALL_MIGRATION = ("-- a typical small migration\nBEGIN;\nALTER TABLE accounts ADD COLUMN last_login timestamptz;\n"
                   "CREATE INDEX accounts_last_login_idx ON accounts (last_login);\nCOMMIT;\n")


def test_what_a_small_clean_file_loads_and_builds(tmp_path):
    """The start-up budget, module by module: a module or a dataclass added to this path (each
    costs 0.2-1 ms on every pre-commit run) shows up here, to be made lazy or listed on purpose."""
    got = _probe(tmp_path, SMALL_MIGRATION)
    assert got["exit"] == 0 and got["stdout"] == "All checks passed! (1 file checked)\n"
    assert got["ours"] == ["pgpool_lint." + m if m else "pgpool_lint" for m in (
        "", "checks", *(f"checks.{name}" for name in (
            "cursor_with_hold", "dblink_session", "discard", "listen", "load", "no_effect_outside_transaction",
            "pg_dump_preamble", "plpgsql_session_state", "sequence_session_state", "session_advisory_lock",
            "session_role", "session_set", "sql_prepare", "temp_table")),
        "cli", "code", "config", "config.ignorefiles", "config.profiles",
        "core", "core.cache", "core.catalogue", "core.collector", "core.comments", "core.diagnostics", "core.findings",
        "core.lazyre", "core.positions", "core.profile", "core.version", "fix", "fix.edits", "fix.suggest",
        "lint", "lint.linter", "lint.options", "report", "report.full", "report.progress", "settings",
        "sql", "sql.comments", "sql.dialect", "sql.dispatch", "sql.engine", "sql.gate", "sql.neutralise", "sql.nodes",
        "sql.pgparser", "sql.split", "sql.statement")]
    # besides the standard library: click, pglast (and the Cython runtime it brings), orjson (the
    # reader of the parse trees of the file's BEGIN and COMMIT, 0.3 ms) and nothing else
    assert [p for p in got["packages"] if not p.startswith("_") and p != "cython_runtime"] == [
        "click", "orjson", "pglast", "pgpool_lint"]
    # each dataclass costs ~0.5 ms to create (its methods are compiled from source at import): the
    # read-only records of start-up (presets, migration tools, the rules, the config file, the
    # pooler profile, the report's context) are NamedTuples or plain classes; these remain
    assert got["dataclasses"] == ["pgpool_lint." + name for name in (
        "checks.plpgsql_session_state.Hazard", "core.comments.CommentSpan", "core.diagnostics.Diagnostic",
        "core.diagnostics.Edit", "core.diagnostics.Fix", "core.findings.Absorption", "core.findings.Finding",
        "lint.linter.FileResult",
        "lint.linter.Settings", "sql.dialect.Verdict", "sql.dispatch.Check", "sql.neutralise.Comment",
        "sql.nodes.FuncCall", "sql.split.ParseProblem", "sql.statement.LintContext", "sql.statement.Statement",
        "sql.statement._Tree")]
    # the rules' docs and cases (120 kB of the catalogue's cache) are not read
    assert not got["docs_read"]
    # no garbage collection while the CLI is imported and the linter built (core.collector.paused_then_frozen):
    # 33 collections before, ~4 ms; one young collection at most once the run is under way
    assert [generation for generation, importing in got["collections"] if importing] == []
    assert len(got["collections"]) <= 1, got["collections"]


def test_the_collector_pause_ends_with_start_up_whatever_the_exit(tmp_path, monkeypatch):
    """``core.collector.paused_then_frozen`` at start-up: after ``check`` (clean, or stopped by a config error inside the
    pause) the collector is on again in a process that had it on, and still off in one that had it off."""
    import gc

    import pytest

    from pgpool_lint.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.sql").write_text("SELECT 1;\n")
    runs = ((["check", "-o", "report.txt", "m.sql"], 0), (["check", "--config", "missing.toml", "m.sql"], 2))
    thresholds = gc.get_threshold()  # a run sets its own (cli._collect_less): this process gets its back
    try:
        for collecting in (True, False):
            (gc.enable if collecting else gc.disable)()
            for args, code in runs:
                with pytest.raises(SystemExit) as stopped:
                    main(args)
                assert stopped.value.code == code
                assert gc.isenabled() is collecting
        assert (tmp_path / "report.txt").read_text() == "All checks passed! (1 file checked)\n"
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        gc.enable()
