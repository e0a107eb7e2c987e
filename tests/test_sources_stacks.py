"""SQL inside Elixir, PHP, C#, Rust and Kotlin code (issue 19), read with tree-sitter the same
way as the first five languages (tests/test_sources.py): every finding at its exact host line
and column, comments, docs, log messages, exceptions, compared strings and bind values never
read, suppression comments in the host language, and fixes applied inside plain literals.

Each fixture under tests/fixtures/code_stacks/<language>/ is a realistic file; EXPECTED lists
every finding it must produce, SUPPRESSED what its suppression comments hide.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pgpool_lint.lint.linter import Linter, Settings

from .helpers import REPO, run_cli

FIXTURES = REPO / "tests" / "fixtures" / "code_stacks"
RULES = frozenset({"PGB000", "PGB001", "PGB002", "PGB003", "PGB004", "PGB005", "PGB006", "PGB007", "PGB008",
                   "PGB100"})

EXPECTED = {
    # EF Core migration: regular and verbatim (@"...", "" as a quote) strings
    "csharp/20240301120000_AddReportingSchema.cs": ["PGB001 11:35", "PGB005 13:17", "PGB002 14:17"],
    "csharp/ReportRepository.cs": [
        "PGB001 13:51",  # new NpgsqlCommand($"... {tenant} ...", conn)
        "PGB002 14:42",  # cmd.CommandText = "...\t...\"...\""
        "PGB007 15:41",  # Dapper ExecuteAsync; the anonymous object's strings are bind values
        "PGB001 16:87",  # named argument sql: @"..." after param:
        "PGB001 18:48",  # "..." + "..."
        "PGB000 21:69",  # broken SQL at a known call site
    ],
    "elixir/20240301120000_add_reporting_schema.exs": [
        "PGB001 10:14", "PGB005 12:5", "PGB002 13:5",  # heredoc with #{} interpolation
        "PGB007 17:12",  # ~S heredoc sigil
        "PGB001 22:51",  # execute(up, down): the down SQL too
    ],
    "elixir/reports.ex": [
        "PGB001 7:29",  # SQL.query!(repo, "...#{tenant}", [])
        "PGB002 8:38",  # \t and \" escapes, non-ASCII before
        "PGB007 9:13",  # "..." |> Repo.query([...])
        "PGB001 11:35",  # Postgrex.query!(conn, "...", ["SET role admin"]): the list is bind values
        "PGB000 16:45",  # repo.query!
    ],
    "kotlin/ReportRepository.kt": [
        "PGB001 11:23",  # $tenant interpolation
        "PGB002 12:58",  # Exposed exec, ${...} interpolation
        "PGB007 13:37",
        "PGB001 14:35",  # named argument sql =
        "PGB001 16:23",  # "..." + "..."
        "PGB000 19:41",
    ],
    "kotlin/V3__Add_reporting_schema.kt": ["PGB001 13:27", "PGB005 15:17", "PGB002 16:17"],  # """...""".trimIndent()
    "php/ReportRepository.php": [
        "PGB001 15:24",  # {$tenant} interpolation
        "PGB002 16:41",  # single quotes with \' and '...' . $tenant . '...'
        "PGB007 17:28",  # DB::select('...', ['LISTEN bind']): the array is bind values
        "PGB001 18:39",  # pg_query($conn, "...$tenant...")
        "PGB001 23:36",  # sprintf format
        "PGB000 28:32",
    ],
    "php/Version20240301120000.php": ["PGB001 18:24", "PGB005 20:13", "PGB002 21:13"],  # nowdoc
    "rust/20240301120000_add_reporting_schema.rs": ["PGB001 11:32", "PGB005 13:13", "PGB002 14:13"],  # r#"..."#
    "rust/reports.rs": [
        "PGB001 6:27",  # &format!("...{tenant}...")
        "PGB002 8:9",  # a line continuation eats the next line's indentation
        "PGB007 9:26",  # sqlx::query! macro
        "PGB001 10:47",  # query_as!(Type, "...", bind)
        "PGB001 16:21",
        "PGB000 21:33",
    ],
}

SUPPRESSED = {
    "csharp/20240301120000_AddReportingSchema.cs": ["PGB001 16:35"],
    "elixir/20240301120000_add_reporting_schema.exs": ["PGB001 19:14"],
    "kotlin/V3__Add_reporting_schema.kt": ["PGB001 19:28"],
    "php/Version20240301120000.php": ["PGB001 25:24"],
    "rust/20240301120000_add_reporting_schema.rs": ["PGB001 17:32"],
}
KINDS = {"csharp": "csharp", "elixir": "elixir", "kotlin": "kotlin", "php": "php", "rust": "rust"}


def linter(**settings) -> Linter:
    return Linter(Settings(enabled=RULES, **settings))


def lint(text: str, name: str, **settings) -> list[str]:
    result = linter(**settings).lint_bytes(text.encode("utf-8"), name)
    assert result.skipped is None, result.skipped
    return [f"{d.code} {d.location[0]}:{d.location[1]}" for d in result.diagnostics]


def _order(item: str) -> tuple[int, int]:
    line, col = item.split()[1].split(":")
    return int(line), int(col)


def test_every_fixture_has_expectations() -> None:
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*") if p.is_file()}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_findings_at_exact_positions(name: str) -> None:
    path = FIXTURES / name
    result = linter().lint_path(path, str(path))
    assert result.skipped is None
    assert [f"{d.code} {d.location[0]}:{d.location[1]}" for d in result.diagnostics] == EXPECTED[name]
    assert {d.source_kind for d in result.diagnostics} == {KINDS[name.split("/")[0]]}


@pytest.mark.parametrize("name", sorted(SUPPRESSED))
def test_suppression_comments_in_host_language(name: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    blanked = re.sub(r"pgpool-lint: ignore\[[^\]]*\]", lambda m: "x" * len(m.group()), text)
    assert blanked != text
    assert sorted(lint(blanked, name), key=_order) == sorted(EXPECTED[name] + SUPPRESSED[name], key=_order)


def test_positions_point_at_the_sql_keyword() -> None:
    words = {"PGB001": ("SET", "set_config"), "PGB002": ("LISTEN",), "PGB005": ("CREATE",),
             "PGB007": ("pg_",), "PGB000": ("FROM",)}
    for name, expected in EXPECTED.items():
        lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
        for item in expected:
            code, pos = item.split()
            line, col = map(int, pos.split(":"))
            assert lines[line - 1][col - 1:].startswith(words[code]), (name, item)


# --- one language feature at a time ------------------------------------------------------------

@pytest.mark.parametrize("name,text,expected", [
    # Elixir: sigils other than ~s/~S are not strings; charlists; <> concatenation; keyword options
    ("a.ex", 'Repo.query!(~s(SELECT 1; LISTEN "a\\)"))\n', ["PGB002 1:26"]),
    ("a.ex", 'x = ~r/LISTEN regex/\ny = ~w(SET search_path TO x)\n', []),
    ("a.ex", "Repo.query('SELECT 1; ' <> \"LISTEN b\")\n", ["PGB002 1:29"]),
    ("a.ex", 'IO.inspect(x, label: "SET search_path TO x")\n@doc "SET search_path TO y"\n', []),
    ("a.ex", 'Repo.query("SELECT 1", [], timeout: 5_000, log: "LISTEN c")\n', []),
    ("a.ex", 'Repo.query(conf, "LISTEN d", [])\nRepo.query(sql, ["LISTEN bind"])\n', ["PGB002 1:19"]),
    ("a.exs", 'case sql do\n  "LISTEN d" -> :listen\nend\nassert sql =~ "SET search_path TO x"\n', []),
    # PHP: double quotes keep unknown escapes; ${var}; nullsafe calls; exec() is a shell command
    ("a.php", '<?php $db?->query("SELECT \'\\d\'; LISTEN ${ch}");\n', ["PGB002 1:33"]),
    ("a.php", "<?php exec('RESET ALL'); shell_exec('LISTEN x');\n", []),
    ("a.php", '<?php pg_query("LISTEN one_arg"); pg_prepare($c, "LISTEN name", "LISTEN sql");\n',
     ["PGB002 1:17", "PGB002 1:66"]),
    ("a.php", "<?php DB::statement(query: 'LISTEN named');\n", ["PGB002 1:29"]),
    # C#: raw strings, $@ verbatim interpolation with "" and {{ }}; comparisons and logs are not SQL
    ("a.cs", 'class A { void F() { conn.Execute("""\n  SELECT 1;\n  LISTEN x\n  """); } }', ["PGB002 3:3"]),
    ("a.cs", 'class A { void F() { conn.Execute($@"SELECT ""{{x}}""; LISTEN {ch}"); } }', ["PGB002 1:56"]),
    ("a.cs", 'class A { void F() { Console.WriteLine("LISTEN a"); var b = s != "LISTEN b"; } }', []),
    ("a.cs", 'class A { void F() { var c = new CommandDefinition("LISTEN c", p); } }', ["PGB002 1:53"]),
    # Rust: raw strings with hashes, escapes, String::from, indoc!, .to_string(); println! is a message
    ("a.rs", 'fn f() { client.execute(r##"SELECT "#"; LISTEN x"##, &[]); }', ["PGB002 1:41"]),
    ("a.rs", 'fn f() { sqlx::query(&String::from("SELECT \'\\u{e9}\'; LISTEN y")); }', ["PGB002 1:54"]),
    ("a.rs", 'fn f() { println!("LISTEN a"); let s = "x".to_string(); assert_eq!(q, "LISTEN b"); }', []),
    ("a.rs", 'fn f() { sqlx::raw_sql(indoc! {"\n    LISTEN z\n"}); }', ["PGB002 2:5"]),
    # Kotlin: $1 and \\$ are not interpolation; raw strings; exceptions are messages
    ("a.kt", 'fun f() { jdbc.update("SELECT \\$1, $1; LISTEN x") }', ["PGB002 1:40"]),
    ("a.kt", 'fun f() { exec("""SELECT "$"; LISTEN ${ch}""") }', ["PGB002 1:31"]),
    ("a.kt", 'fun f() { error("LISTEN a"); require(x) { "LISTEN b" }; println("LISTEN c") }', []),
])
def test_tricky_literals(name: str, text: str, expected: list[str]) -> None:
    assert lint(text, name) == expected


@pytest.mark.parametrize("name,source", [
    ("m.ex", 'execute "BEGIN; SET search_path TO app; SELECT 1; COMMIT"\n'),
    ("m.exs", 'Repo.query!("""\nBEGIN;\nSET search_path TO app;\nSELECT 1;\nCOMMIT;\n""")\n'),
    ("m.php", "<?php $pdo->exec('BEGIN; SET search_path TO app; SELECT 1; COMMIT');\n"),
    ("m.php", '<?php DB::unprepared("BEGIN; SET search_path TO app; SELECT {$one}; COMMIT");\n'),
    ("M.cs", 'class M { void F() { cmd.CommandText = @"BEGIN; SET search_path TO app; SELECT 1; COMMIT"; } }\n'),
    ("m.rs", 'fn f() { client.batch_execute(r#"BEGIN; SET search_path TO app; SELECT 1; COMMIT"#); }\n'),
    ("M.kt", 'fun f() { stmt.execute("BEGIN; SET search_path TO app; SELECT \\"a\\"; COMMIT") }\n'),
])
def test_fix_inside_a_literal_keeps_the_quoting(tmp_path: Path, name: str, source: str) -> None:
    target = tmp_path / name
    target.write_bytes(source.encode())
    proc = run_cli("check", "--isolated", "--fix", "--output-format", "concise", name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert target.read_text() == source.replace("SET search_path", "SET LOCAL search_path")


def test_cli_json_on_a_directory_of_every_new_language(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "jobs.ex").write_text('Repo.query!("LISTEN a")\n')
    (tmp_path / "seeds.exs").write_text('Repo.query!("LISTEN b")\n')
    (tmp_path / "db.php").write_text("<?php $pdo->exec('LISTEN c');\n")
    (tmp_path / "Db.cs").write_text('class Db { void F() { conn.Execute("LISTEN d"); } }\n')
    (tmp_path / "db.rs").write_text('fn f() { sqlx::query("LISTEN e"); }\n')
    (tmp_path / "Db.kt").write_text('fun f() { stmt.execute("LISTEN f") }\n')
    (tmp_path / "build.gradle.kts").write_text('val x = "LISTEN g"\n')  # SQL-shaped anywhere: the heuristic
    proc = run_cli("check", "--isolated", "--select", "PGB002", "--output-format", "json", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    got = sorted((Path(d["filename"]).as_posix(), d["location"]["row"], d["location"]["column"], d["source_kind"])
                 for d in json.loads(proc.stdout))
    assert got == [
        ("Db.cs", 1, 37, "csharp"),
        ("Db.kt", 1, 25, "kotlin"),
        ("build.gradle.kts", 1, 10, "kotlin"),
        ("db.php", 1, 19, "php"),
        ("db.rs", 1, 23, "rust"),
        ("lib/jobs.ex", 1, 14, "elixir"),
        ("seeds.exs", 1, 14, "elixir"),
    ]


def test_file_without_candidate_keyword_is_never_parsed(monkeypatch) -> None:
    from pgpool_lint.code import treesitter

    def boom(*args, **kwargs):
        raise AssertionError("parsed a file that cannot hold a finding")

    monkeypatch.setattr(treesitter, "parse", boom)
    only_listen = linter()
    only_listen.checks = [c for c in only_listen.checks if c.code == "PGB002"]
    for name in ("a.ex", "a.exs", "a.php", "a.cs", "a.rs", "a.kt", "a.kts"):
        result = only_listen.lint_bytes(b"x = 'hello world' // nothing to see\n", name)
        assert result.diagnostics == [] and result.skipped is None


def test_pre_commit_hook_types_cover_every_code_kind() -> None:
    """pre-commit's ``identify`` tags for the new code extensions are in the code hook's types_or."""
    import yaml
    from identify.identify import tags_from_filename

    from pgpool_lint.code import SOURCE_KINDS

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    types = set(hooks["pgpool-lint-code"]["types_or"])
    for ext in (".ex", ".exs", ".php", ".cs", ".rs", ".kt", ".kts"):
        assert SOURCE_KINDS[ext] != "sql"
        assert tags_from_filename(f"x{ext}") & types, ext


CORE_SQL = "DECLARE c CURSOR WITH HOLD FOR SELECT 1; PREPARE p AS SELECT 1; LOAD 'auto_explain'; SET ROLE admin"


@pytest.mark.parametrize("name,template", [
    ("a.ex", 'Repo.query!("{sql}")\n'),
    ("a.php", "<?php DB::unprepared(\"{sql}\");\n"),
    ("A.cs", 'class A {{ void F() {{ conn.Execute("{sql}"); }} }}\n'),
    ("a.rs", 'fn f() {{ client.batch_execute("{sql}"); }}\n'),
    ("A.kt", 'fun f() {{ stmt.execute("{sql}") }}\n'),
])
def test_every_core_rule_in_every_new_language(name: str, template: str) -> None:
    """WITH HOLD cursors, SQL PREPARE, LOAD and SET ROLE are found inside each host's literal, each
    at the column of its keyword."""
    text = template.format(sql=CORE_SQL)
    start = text.index("DECLARE")
    columns = {code: start + CORE_SQL.index(word) + 1
               for code, word in (("PGB003", "DECLARE"), ("PGB004", "PREPARE"), ("PGB006", "LOAD"),
                                  ("PGB008", "SET ROLE"))}
    assert lint(text, name) == [f"{code} 1:{col}" for code, col in columns.items()]


def test_host_registration_takes_each_modules_own_hooks() -> None:
    """code/hosts.py: a tree-sitter module's spec carries exactly the `_<hook>` functions it defines,
    and only the languages whose helpers count across a directory (Go, Java, Ruby) offer them."""
    import importlib

    from pgpool_lint.code.hosts import HOOKS
    from pgpool_lint.code.treesitter import LanguageSpec

    expected = {"elixir": {"read_literal", "callee", "sql_slots", "context"},
                "php": {"read_literal", "unwrap", "read_unwrapped", "sql_slots", "context"},
                "csharp": {"read_literal", "sql_slots", "context"},
                "rust": {"read_literal", "unwrap", "read_unwrapped", "sql_slots"},
                "kotlin": set(HOOKS), "go": set(), "java": set(), "ruby": set()}
    for name, hooks in expected.items():
        module = importlib.import_module(f"pgpool_lint.code.{name}_source")
        spec = module.HOST.spec
        assert isinstance(spec, LanguageSpec) and spec.name == name
        assert {hook for hook in HOOKS if getattr(spec, hook) is not None} == hooks, name
        assert all(getattr(spec, hook) is getattr(module, f"_{hook}") for hook in hooks)
        assert (module.HOST.helpers is not None) == (name in ("go", "java", "ruby")), name


def test_csharp_question_marks_are_bind_parameters() -> None:
    """ODBC and Marten (`session.QueryAsync<int>("select nextval(?)", ...)`) bind with `?` in C# too:
    after `(`, an operator or a keyword it is a parameter, not broken SQL; after a name it stays
    PostgreSQL's jsonb operator."""
    text = ('var id = await session.QueryAsync<int>("select nextval(?)", "mt_seq");\n'
            'var rows = await conn.QueryAsync<Doc>("select * from docs where data ? \'tags\' limit ?", 10);\n'
            'await conn.ExecuteAsync("SET search_path TO ?", schema);\n')
    result = Linter(Settings(enabled=RULES | {"PGB010"})).lint_bytes(text.encode("utf-8"), "Marten.cs")
    assert [f"{d.code} {d.location[0]}:{d.location[1]}" for d in result.diagnostics] == ["PGB001 3:26"]
