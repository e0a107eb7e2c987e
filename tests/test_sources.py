"""SQL inside application code and migrations (issue 3): Python, JS/TS, Ruby, Go, Java.

Every fixture under tests/fixtures/code/<language>/ is a realistic file; EXPECTED lists
every finding it must produce (rule and host line:column, 1-based, code points) — anything
else in it (comments, docstrings, log messages, exceptions, prose, bind values, markup) must
not be flagged.  SUPPRESSED lists what the suppression comments in the file hide: with the
directives blanked out those findings appear, so the test shows the comments do the work.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pgpool_lint import code as sources
from pgpool_lint.code.fragments import FragmentBuilder, neutralise_placeholders, starts_like_sql
from pgpool_lint.lint.linter import Linter, Settings

from .helpers import REPO, run_cli

FIXTURES = REPO / "tests" / "fixtures" / "code"
#: the rules these fixtures were written for (later rules must not change these expectations)
RULES = frozenset({"PGB000", "PGB001", "PGB002", "PGB003", "PGB004", "PGB005", "PGB006", "PGB007", "PGB008",
                   "PGB100"})

EXPECTED = {
    "python/alembic_versions_3f2a_add_tenant_schema.py": ["PGB001 19:17", "PGB007 20:32", "PGB005 28:9"],
    "python/django_0007_listen_setup.py": ["PGB001 13:18", "PGB001 14:26", "PGB001 16:26", "PGB002 18:28"],
    "python/reporting_db.py": [
        "PGB001 8:20",  # module constant found by the heuristic
        "PGB001 20:19",  # f-string
        "PGB001 21:18",  # %s placeholder
        "PGB002 24:10",  # implicit concatenation, second literal
        "PGB002 26:33",  # non-ASCII earlier on the line, escaped quotes
        "PGB001 27:19",  # a tab before the string, \t inside it
        "PGB007 28:25",  # %(name)s
        "PGB001 33:18",  # "..." + variable
        "PGB001 34:18",  # str.format
        "PGB007 35:25",  # "..." % value
        "PGB000 37:25",  # broken SQL at a known call site
    ],
    "javascript/20240301_knex_add_tenant.js": ["PGB001 5:19", "PGB007 6:33", "PGB005 8:5", "PGB002 9:5"],
    "javascript/sequelize-20240410-reports.cjs": ["PGB001 6:43"],
    "javascript/worker.mjs": ["PGB002 6:64", "PGB001 9:13", "PGB007 10:20", "PGB001 12:21", "PGB001 13:21",
                              "PGB001 15:14"],
    "typescript/1712000000000-AddAudit.ts": ["PGB001 7:34", "PGB003 9:34"],
    "typescript/prisma-service.tsx": ["PGB007 10:35", "PGB001 11:35", "PGB002 12:37"],
    "ruby/20240301120000_add_reporting_schema.rb": ["PGB001 10:7", "PGB005 11:7", "PGB002 16:16",
                                                    "PGB001 24:25", "PGB001 25:27"],
    "ruby/report_job.rb": ["PGB001 6:12", "PGB001 10:16", "PGB002 13:22", "PGB001 14:44", "PGB000 16:23"],
    "go/20240301120000_add_tenant.go": ["PGB001 17:3", "PGB005 18:3"],
    "go/store.go": ["PGB002 11:20", "PGB001 16:50", "PGB001 18:41"],
    "java/V3__Add_audit_schema.java": ["PGB001 15:27", "PGB005 17:17", "PGB002 18:17"],
    "java/ReportRepository.java": ["PGB001 6:48", "PGB007 13:62", "PGB001 15:23"],
}

SUPPRESSED = {
    "python/alembic_versions_3f2a_add_tenant_schema.py": ["PGB001 23:10"],  # comment on the string's line
    "python/reporting_db.py": ["PGB002 42:11"],  # comment on the call's line, SQL two lines below
    "javascript/sequelize-20240410-reports.cjs": ["PGB000 9:17", "PGB001 16:43"],  # own-line comment above
    "javascript/worker.mjs": ["PGB002 24:5"],  # own-line comment above a multi-line call
    "ruby/20240301120000_add_reporting_schema.rb": ["PGB007 14:14"],  # comment on the heredoc's line
    "go/20240301120000_add_tenant.go": ["PGB007 22:40"],
    "java/V3__Add_audit_schema.java": ["PGB001 21:28"],
}

KINDS = {"python": "python", "javascript": "javascript", "typescript": "typescript", "ruby": "ruby",
         "go": "go", "java": "java"}


def linter(**settings) -> Linter:
    return Linter(Settings(enabled=RULES, **settings))


def lint(text: str, name: str, **settings) -> list[str]:
    result = linter(**settings).lint_bytes(text.encode("utf-8"), name)
    return [f"{d.code} {d.location[0]}:{d.location[1]}" for d in result.diagnostics]


def test_every_fixture_has_expectations() -> None:
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*") if p.is_file()}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_findings_at_exact_positions(name: str) -> None:
    path = FIXTURES / name
    result = linter().lint_path(path, str(path))
    assert result.skipped is None
    got = [f"{d.code} {d.location[0]}:{d.location[1]}" for d in result.diagnostics]
    assert got == EXPECTED[name]
    assert {d.source_kind for d in result.diagnostics} <= {KINDS[name.split("/")[0]]}


@pytest.mark.parametrize("name", sorted(SUPPRESSED))
def test_suppression_comments_in_host_language(name: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    blanked = re.sub(r"pgpool-lint: ignore\[[^\]]*\]", lambda m: "x" * len(m.group()), text)
    assert blanked != text
    got = lint(blanked, name)
    assert sorted(got, key=_order) == sorted(EXPECTED[name] + SUPPRESSED[name], key=_order)


def _order(item: str) -> tuple[int, int]:
    line, col = item.split()[1].split(":")
    return int(line), int(col)


def test_positions_point_at_the_sql_keyword() -> None:
    """Each finding's column is where the flagged statement or call is written in the file."""
    words = {"PGB001": ("SET", "RESET", "set_config"), "PGB002": ("LISTEN",), "PGB003": ("DECLARE",),
             "PGB005": ("CREATE",), "PGB007": ("pg_", "SELECT"), "PGB000": ("",)}
    for name, expected in EXPECTED.items():
        lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
        for item in expected:
            code, pos = item.split()
            line, col = map(int, pos.split(":"))
            assert lines[line - 1][col - 1:].startswith(words[code]), (name, item)


# --- tricky literals, one language feature at a time ------------------------------------------

@pytest.mark.parametrize("name,text,expected", [
    ("a.py", 'x = 1\ncur.execute("""\n\tSELECT 1;\n\tLISTEN jobs;\n""")\n', ["PGB002 4:2"]),
    ("a.py", 'cur.execute("SELECT \'é\';\\n LISTEN \\u00e9")\n', ["PGB002 1:28"]),
    ("a.py", 'cur.execute(r"SELECT \'\\d\'; LISTEN x")\n', ["PGB002 1:28"]),
    ("a.py", 'cur.execute(\n    "SET "\n    f"search_path TO {s}"  # tenant\n)\n', ["PGB001 2:6"]),
    ("a.py", 'cur.execute(f"SELECT {{1}}, {a[\'k\']!r:>{w}}; LISTEN x")\n', ["PGB002 1:46"]),
    ("a.py", 'cur.execute(f"{kw} search_path TO app")\n', []),  # the keyword is interpolated
    ("a.py", 'def f():\n    "LISTEN jobs"\n    return 1\n', []),  # a docstring
    ("a.py", 'logger.warning("SET search_path TO x")\nprint("LISTEN y")\n', []),
    ("a.py", 'x = "Reset password"\ny = "set up your password"\n', []),
    ("a.py", 'cur.execute("LISTEN a")\r\ncur.execute("""\r\nLISTEN b""")\r\n', ["PGB002 1:14", "PGB002 3:1"]),
    ("a.py", 'cur.execute("SELECT 1")  # noqa: E501\nx = {"RESET SESSION": 1}\nq = "set prompt=x"\n', []),
    ("a.py", 'q = sql.SQL("SET search_path TO {}").format(a)\np = sql.SQL("DECLARE")\n',
     ["PGB001 1:14"]),  # composed pieces: holes for {}, never a parse error
    ("a.py", 'con.execute("SELECT a FROM t WHERE x = ? LIMIT ?; LISTEN x")\n', ["PGB002 1:51"]),
    ("a.py", 'cur.execute("SELECT data ? \'k\' FROM t; LISTEN y")\n', ["PGB002 1:40"]),  # jsonb ?
    ("a.js", 'db.query("SELECT \'\\u00e9\'; LISTEN x")', ["PGB002 1:28"]),
    ("a.js", "db.query(`SELECT ${a}; LISTEN ${b}`);\nconsole.error('LISTEN z')", ["PGB002 1:24"]),
    ("a.ts", "const x: string = 'é'; await sql`SET search_path TO ${s}`", ["PGB001 1:34"]),
    ("a.js", "await client.query({ name: 'LISTEN a', text: 'LISTEN jobs', values: ['LISTEN b'] })",
     ["PGB002 1:47"]),  # a query config object: only its text is SQL
    ("a.rb", 'execute <<~SQL\n  SELECT 1;\n  LISTEN "#{c}";\nSQL\n', ["PGB002 3:3"]),
    ("a.rb", "execute(\"SELECT '\\t';\" \\\n  \" LISTEN x\")\n", ["PGB002 2:5"]),
    ("a.go", 'package m\nfunc f() { db.Exec("SELECT \'\\t\'; LISTEN x") }\n', ["PGB002 2:34"]),
    ("a.go", 'package m\nfunc f() { db.Exec(`SELECT 1;\n\tLISTEN x`) }\n', ["PGB002 3:2"]),
    ("a.go", 'package m\nfunc f() {\n\tdb.Exec(query, "LISTEN bind")\n\tdb.Get(&u, q, "SET x TO y")\n'
             '\tdb.Get(&u, "LISTEN a")\n\tc.Exec(r.Context(), "LISTEN b")\n}\n', ["PGB002 5:14", "PGB002 6:23"]),
    ("A.java", 'class A { void f() { s.execute("SELECT \'\\t\'; LISTEN x"); } }', ["PGB002 1:46"]),
    ("A.java", 'class A { void f() { s.execute("""\n    SELECT 1;\n    LISTEN x\n    """); } }', ["PGB002 3:5"]),
])
def test_tricky_literals(name: str, text: str, expected: list[str]) -> None:
    assert lint(text, name) == expected


def test_fragment_maps_every_character_to_the_host_file() -> None:
    host = 'x("A\\tB" + v + "C")'
    builder = FragmentBuilder()
    builder.text("A", 3)
    builder.char("\t", 4, 6)
    builder.text("B", 6)
    builder.hole(11, 12)
    builder.text("C", 16)
    fragment = builder.build(2, 18, 0, known=True)
    assert fragment.sql == "A\tB_C"
    assert [fragment.to_host(i) for i in range(5)] == [3, 4, 6, 11, 16]
    assert fragment.to_host_end(2) == 6 and fragment.to_host_end(5) == 17
    assert host[fragment.to_host(4)] == "C"
    assert fragment.in_hole(3) and not fragment.in_hole(2)
    assert fragment.maps_verbatim(0, 1, host) and not fragment.maps_verbatim(0, 3, host)


def test_placeholders_become_identifiers_outside_quotes_only() -> None:
    sql = "SELECT %s, %(name)s, '%s', ?, \"?\", 100 %% 7 -- %s\n"
    assert neutralise_placeholders(sql, question_marks=True) == \
        "SELECT __, ________, '%s', _, \"?\", 100 %  7 -- %s\n"
    assert neutralise_placeholders("SELECT ?", question_marks=False) == "SELECT ?"


def test_heuristic_needs_a_statement_keyword_in_one_case() -> None:
    assert starts_like_sql("  -- c\n(SELECT 1)", strict_case=True)
    assert starts_like_sql("RESET search_path", strict_case=True)
    assert not starts_like_sql("Reset password", strict_case=True)
    assert starts_like_sql("Reset role", strict_case=False)
    assert not starts_like_sql("Please SET your password", strict_case=False)


# --- wiring --------------------------------------------------------------------------------------

def test_file_without_candidate_keyword_is_never_parsed(monkeypatch) -> None:
    """No host parse and no SQL parse for a file none of whose text could be a finding."""
    import ast

    from pgpool_lint.code import treesitter

    def boom(*args, **kwargs):
        raise AssertionError("parsed a file that cannot hold a finding")

    monkeypatch.setattr(ast, "parse", boom)
    monkeypatch.setattr(treesitter, "parse", boom)
    monkeypatch.setattr("pgpool_lint.sql.engine.analyse_sql", boom)
    only_listen = linter()
    only_listen.checks = [c for c in only_listen.checks if c.code == "PGB002"]
    for name in ("a.py", "a.js", "a.ts", "a.rb", "a.go", "A.java"):
        result = only_listen.lint_bytes(b"x = 'hello world'  # nothing to see\n", name)
        assert result.diagnostics == [] and result.skipped is None


def test_python_syntax_error_is_a_documented_skip() -> None:
    result = linter().lint_bytes(b"def f(:\n    cur.execute('LISTEN x')\n", "broken.py")
    assert result.diagnostics == []
    assert result.skipped is not None and "not valid python" in result.skipped and "line 1" in result.skipped


def test_configured_call_sites() -> None:
    text = 'run_sql("SELECT 1; SET x = ")\n'
    assert lint(text, "a.py") == []  # not a known call site: the heuristic needs SQL that parses
    assert lint(text, "a.py", extend_sql_call_sites=("run_sql",)) == ["PGB000 1:27"]
    assert lint('cur.execute("SET x = ")\n', "a.py", sql_call_sites=("run_sql",)) == []


def test_directory_extensions_cover_every_source_kind() -> None:
    assert set(sources.DIRECTORY_EXTENSIONS) == set(sources.SOURCE_KINDS)


def test_cli_json_on_a_mixed_directory(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001.sql").write_text("LISTEN a;\n")
    (tmp_path / "app.py").write_text('cur.execute("LISTEN b")\n')
    (tmp_path / "app.ts").write_text("await client.query('LISTEN c');\n")
    (tmp_path / "app.js").write_text("await client.query('LISTEN d');\n")
    (tmp_path / "job.rb").write_text('conn.exec("LISTEN e")\n')
    (tmp_path / "main.go").write_text('package main\nfunc f() { db.Exec("LISTEN f") }\n')
    (tmp_path / "Dao.java").write_text('class Dao { void f() { s.execute("LISTEN g"); } }\n')
    (tmp_path / "README.md").write_text("LISTEN h\n")
    proc = run_cli("check", "--isolated", "--select", "PGB002", "--output-format", "json", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    got = sorted((Path(d["filename"]).as_posix(), d["location"]["row"], d["location"]["column"], d["source_kind"])
                 for d in json.loads(proc.stdout))
    assert got == [
        ("Dao.java", 1, 35, "java"),
        ("app.js", 1, 21, "javascript"),
        ("app.py", 1, 14, "python"),
        ("app.ts", 1, 21, "typescript"),
        ("job.rb", 1, 12, "ruby"),
        ("main.go", 2, 21, "go"),
        ("migrations/001.sql", 1, 1, "sql"),
    ]


def test_cli_stdin_filename_picks_the_language() -> None:
    code = b'cur.execute("LISTEN jobs")  # from stdin\n'
    proc = run_cli("check", "--isolated", "--select", "PGB002", "--output-format", "concise",
                   "--stdin-filename", "app/db.py", "-", stdin=code)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.decode().splitlines()[0].startswith("app/db.py:1:14: PGB002")
    as_sql = run_cli("check", "--isolated", "--verbose", "--select", "PGB000,PGB002", "--output-format", "json",
                     "--stdin-filename", "db.sql", "-", stdin=code)
    # Python read as SQL is not SQL (issue 17): skipped and counted, never a parse error
    assert json.loads(as_sql.stdout) == [] and as_sql.returncode == 0
    assert "skipped text in db.sql: not SQL: does not start with a SQL keyword" in as_sql.stderr.decode()


def test_cli_workers_give_the_same_output_as_one_process(tmp_path: Path) -> None:
    from pgpool_lint.cli import PARALLEL_MIN_FILES

    for n in range(PARALLEL_MIN_FILES + 10):
        body = f'cur.execute("LISTEN c{n}")\n' if n % 3 == 0 else f"x = {n}\n"
        (tmp_path / f"m{n:04d}.py").write_text(body)
    (tmp_path / "broken.py").write_text("def f(:\n    cur.execute('LISTEN x')\n")
    outputs = []
    for jobs in ("1", "2"):
        proc = run_cli("check", "--isolated", "--select", "PGB002", "--output-format", "json", ".",
                       cwd=tmp_path, env={"PGPOOL_LINT_JOBS": jobs})
        assert proc.returncode == 1, proc.stderr
        outputs.append((proc.stdout, proc.stderr))
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0][0])) == len(range(0, PARALLEL_MIN_FILES + 10, 3))
    assert b"skipped broken.py: not valid python (line 1)" in outputs[0][1]


def test_messages_quote_the_code_as_written(tmp_path):
    """Interpolated values and bind placeholders appear in messages as the user wrote them,
    not as the stand-ins the parser saw (offsets are unchanged: same lengths)."""
    (tmp_path / "app.py").write_text(
        "def tenant(cur, schema):\n"
        "    cur.execute(f\"SET search_path TO {schema}\")\n"
        "    cur.execute(\"SELECT pg_advisory_lock(%s)\", (42,))\n"
    )
    result = run_cli("check", "--output-format", "json", "app.py", cwd=tmp_path)
    found = [(d["code"], d["location"]["row"], d["location"]["column"], d["message"].split("`")[1])
             for d in json.loads(result.stdout)]
    assert found == [("PGB001", 2, 19, "SET search_path TO {schema}"), ("PGB007", 3, 25, "pg_advisory_lock(%s)")]


def test_escaped_surrogate_pairs_are_one_character(tmp_path):
    """``\\ud83d\\ude00`` in a JavaScript string is one character (found by tests/test_fuzz.py:
    taken apart, the lone surrogates could not even be handed to the parser)."""
    (tmp_path / "q.js").write_text('await client.query("SELECT \'\\ud83d\\ude00\'; LISTEN jobs");\n')
    result = run_cli("check", "--output-format", "json", "q.js", cwd=tmp_path)
    found = [(d["code"], d["location"]["row"], d["location"]["column"]) for d in json.loads(result.stdout)]
    assert found == [("PGB002", 1, 44)]
