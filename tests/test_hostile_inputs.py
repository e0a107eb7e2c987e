"""Whatever sits in a repository: no traceback, a clear per-file message or a documented skip,
every other file still linted, a meaningful exit code, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .helpers import run_cli

GOOD = "LISTEN jobs;\n"


def lint(tmp_path, *names, extra=()):
    r = run_cli("check", "--output-format", "json", *extra, *names, cwd=tmp_path)
    assert b"Traceback" not in r.stderr, r.stderr.decode()
    return r, (json.loads(r.stdout) if r.stdout.strip() else None)


def codes_by_file(data):
    out = {}
    for d in data:
        out.setdefault(d["filename"], []).append((d["code"], d["location"]["row"], d["location"]["column"]))
    return out


@pytest.mark.parametrize(
    "content,expected",
    [
        (bytes(range(256)) * 40, [("PGB900", 1, 1)]),  # binary
        ("SELECT 'café';\nLISTEN x;".encode("latin-1"), [("PGB900", 1, 1)]),  # Latin-1
        (b"SELECT 1;\xff\xfe\nLISTEN x;", [("PGB900", 1, 1)]),  # invalid UTF-8
        ("LISTEN x;".encode("utf-16"), [("PGB002", 1, 1)]),  # UTF-16 with BOM
        (b"", []),  # empty
        (b"\xef\xbb\xbf", []),  # only a BOM
        (b"SELECT 1;\x00\x00\nLISTEN x;", [("PGB000", 1, 10), ("PGB002", 2, 1)]),  # NUL bytes
        (b"SELECT 'unterminated;\nLISTEN x;", [("PGB000", 1, 8), ("PGB002", 2, 1)]),
        (b"SELECT $$unterminated;\nLISTEN x;", [("PGB000", 1, 8), ("PGB002", 2, 1)]),
        (b"SELECT 1; /* unterminated\nLISTEN x;", [("PGB000", 1, 11), ("PGB002", 2, 1)]),
        (b"SELECT " + b"(" * 10000 + b"1" + b")" * 10000 + b";\nLISTEN x;", None),
    ],
    ids=["binary", "latin1", "invalid-utf8", "utf16-bom", "empty", "only-bom", "nul", "quote", "dollar",
         "comment", "nested-parens"],
)
def test_bad_file_beside_a_good_one(tmp_path, content, expected):
    (tmp_path / "bad.sql").write_bytes(content)
    (tmp_path / "good.sql").write_text(GOOD)
    r, data = lint(tmp_path, "bad.sql", "good.sql")
    found = codes_by_file(data)
    assert found["good.sql"] == [("PGB002", 1, 1)]
    if expected is None:  # the parser gives up on 10,000 levels: one clear parse error, the rest linted
        assert [c for c, *_ in found["bad.sql"]] == ["PGB000", "PGB002"]
        assert "memory exhausted" in data[0]["message"] or "stack depth" in data[0]["message"]
    else:
        assert found.get("bad.sql", []) == expected
    assert r.returncode == 1


def test_one_huge_statement(tmp_path):
    (tmp_path / "huge.sql").write_text("SELECT " + ", ".join(["'abc'"] * 1_400_000) + ";\nLISTEN x;\n")
    r, data = lint(tmp_path, "huge.sql")
    assert [(d["code"], d["location"]["row"]) for d in data] == [("PGB002", 2)]


def test_file_over_max_size_is_a_documented_skip(tmp_path):
    big = tmp_path / "big.sql"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # 100 MB
    (tmp_path / "good.sql").write_text(GOOD)
    r, data = lint(tmp_path, "big.sql", "good.sql")
    assert b"skipped big.sql: larger than max-file-size" in r.stderr
    assert codes_by_file(data) == {"good.sql": [("PGB002", 1, 1)]} and r.returncode == 1
    (tmp_path / ".pgpool-lint.toml").write_text("max-file-size = 5\n")
    r, data = lint(tmp_path, "good.sql")
    assert b"skipped good.sql" in r.stderr and data == [] and r.returncode == 0


def test_fifo_is_skipped_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe.sql")
    (tmp_path / "good.sql").write_text(GOOD)
    r, data = lint(tmp_path, ".")
    assert codes_by_file(data) == {"good.sql": [("PGB002", 1, 1)]}
    r, data = lint(tmp_path, "pipe.sql", "good.sql")
    assert b"skipped pipe.sql: not a regular file" in r.stderr


def test_symlink_loops_and_dangling_links(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to("..")
    (tmp_path / "a.sql").symlink_to("b.sql")
    (tmp_path / "b.sql").symlink_to("a.sql")
    (tmp_path / "gone.sql").symlink_to("nowhere.sql")  # a file that vanished
    (tmp_path / "sub" / "good.sql").write_text(GOOD)
    r, data = lint(tmp_path, ".")
    found = codes_by_file(data)
    assert found["sub/good.sql"] == [("PGB002", 1, 1)]
    assert found["gone.sql"] == [("PGB900", 1, 1)]
    assert found["a.sql"] == [("PGB900", 1, 1)]
    assert "Cannot read file" in [d for d in data if d["filename"] == "gone.sql"][0]["message"]


def test_directory_named_like_a_file_and_missing_path(tmp_path):
    (tmp_path / "dir.sql").mkdir()
    (tmp_path / "good.sql").write_text(GOOD)
    r, data = lint(tmp_path, "dir.sql", "missing.sql", "good.sql")
    assert r.returncode == 2 and b"missing.sql: no such file or directory" in r.stderr
    assert codes_by_file(data) == {"good.sql": [("PGB002", 1, 1)]}


def test_nothing_is_written_without_fix(tmp_path):
    files = {"a.sql": b"SET search_path TO app;\r\n", "b.sql": b"\xef\xbb\xbfLISTEN x;", "c.sql": b"SELEC 1;"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    for fmt in ("full", "concise", "json"):
        run_cli("check", "--output-format", fmt, ".", cwd=tmp_path)
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    assert before == after


@pytest.mark.parametrize(
    "content",
    [
        "{{" * 200_000 + "\nLISTEN x;",
        "-- noqa\n" * 50_000 + "LISTEN x;",
        "\\echo x\n" * 100_000 + "LISTEN x;",
        ";" * 1_000_000 + "LISTEN x;",
        "SELEC 1;\n" * 20_000 + "LISTEN x;",
        "-- - - -\n" * 20_000 + "COPY x FROM stdin;\n",
        "SELECT '" + "''" * 300_000 + "\nLISTEN x;",
        "/*" * 100_000 + "\nLISTEN x;",
        "SELEC 1;\n" + "INSERT INTO t VALUES ('Zürich – São Paulo');\n" * 30_000 + "LISTEN x;",
    ],
    ids=["templates", "directives", "meta-commands", "semicolons", "errors", "comments-before-copy",
         "quote-escapes", "nested-comment-openers", "accents-after-an-error"],
)
def test_pathological_text_finishes(tmp_path, content):
    """Each would take minutes with a quadratic or backtracking step; the suite has a timeout."""
    (tmp_path / "p.sql").write_text(content)
    r, data = lint(tmp_path, "p.sql")
    assert r.returncode in (0, 1) and isinstance(data, list)


# --- hangs: every reader of repository content is linear (n vs 4n, a ratio; tests/linear.py) ---

def _alias_levels(n: int) -> str:
    """n levels of ``&aK [*aJ, *aJ, ...]``: 9**n values if aliases were expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, n)]
    return "\n".join(lines) + "\n"


def _concat(template: str, term: str):
    return lambda n: template.format(term * n)


#: (file name, input of size n, starting n): each was quadratic or worse (issue 15)
LINEAR_READERS = {
    "yaml-alias-bomb": ("bomb.yml", _alias_levels, 50),
    "yaml-erb-openers": ("config/database.yml", lambda n: "production:\n  url: " + "<%" * n + "\n", 2000),
    "dotenv-defaults": (".env", lambda n: "A=" + "${A:-" * n + "\n", 2000),
    "ini-trailing-blanks": ("flyway.conf", lambda n: "flyway.url=a" + " \t" * n + "x\n", 2000),
    # valid TOML (the line is inside a string), so the key locator reads it too
    "toml-header-blanks": ("flyway.toml", lambda n: 'x = """\n[' + " " * n + '\n"""\n', 2000),
    "python-noqa-repeats": ("q.py", lambda n: "cur.execute('LISTEN x')  # " + "noqa:" * n + "\n", 2000),
    "js-deep-receiver-chain": ("q.js", lambda n: "client" + ".then()" * n + ".query('LISTEN x');\n", 500),
    "non-ascii-concatenation": ("q.js", _concat("client.query('LISTEN é'{});\n", " + 'é'"), 500),
}


@pytest.fixture(scope="module")
def linter():
    from .helpers import linter_for_case

    return linter_for_case({})


@pytest.mark.parametrize("name", sorted(LINEAR_READERS))
def test_readers_are_linear(linter, name):
    from .linear import assert_linear

    filename, build, n = LINEAR_READERS[name]
    assert_linear(build, lambda text: linter.lint_decoded(text, filename), n)


#: one long concatenation per host language: (file name, template with the chain's place, term)
CONCATENATIONS = {
    "js": ("q.js", "const pg = require('pg');\nclient.query('LISTEN x'{});\n", " + 'a'"),
    "ts": ("q.ts", "x = 1;\nclient.query('LISTEN x'{});\n", " + 'a'"),
    "java": ("Q.java", 'class Q {{ void f() {{\nst.execute("LISTEN x"{}); }} }}\n', ' + "a"'),
    "go": ("q.go", 'package q\nfunc f() {{ db.Exec("LISTEN x"{}) }}\n', ' + "a"'),
    "ruby": ("q.rb", 'x = 1\nconn.exec("LISTEN x"{})\n', ' + "a"'),
    "ruby-adjacent": ("q.rb", 'x = 1\nconn.exec("LISTEN x"{})\n', ' "a"'),
    "python": ("q.py", 'x = 1\ncur.execute("LISTEN x"{})\n', ' + "a"'),
    "python-adjacent": ("q.py", 'x = 1\ncur.execute("LISTEN x"{})\n', ' "a"'),
    "elixir": ("q.ex", 'x = 1\nRepo.query!("LISTEN x"{})\n', ' <> "a"'),
    "php": ("q.php", '<?php\npg_query("LISTEN x"{});\n', ' . "a"'),
    "csharp": ("Q.cs", 'class A {{ void F() {{\nconn.Execute("LISTEN x"{}); }} }}\n', ' + "a"'),
    "rust": ("q.rs", 'fn f() {{\nclient.batch_execute(&("LISTEN x".to_string(){})); }}\n', ' + "a"'),
    "kotlin": ("Q.kt", 'fun f() {{\nstmt.execute("LISTEN x"{}) }}\n', ' + "a"'),
}


@pytest.mark.parametrize("host", sorted(CONCATENATIONS))
def test_a_long_concatenation_is_linear_in_every_host(linter, host):
    """4x the terms cost about 4x the CPU time (a chain's literals were each read 16 KB at a time
    through the parse's reader: quadratic, and a hang once the parse budget ran out)."""
    from .linear import assert_linear

    filename, template, term = CONCATENATIONS[host]
    assert_linear(_concat(template, term), lambda text: linter.lint_decoded(text, filename), 500)


@pytest.mark.parametrize("host", sorted(CONCATENATIONS))
def test_a_50000_term_concatenation_is_read_whole(linter, host):
    """Folded with explicit stacks (Python: tree-sitter when ``ast`` is too deep): not skipped as
    "nested too deeply", the finding is where it was."""
    filename, template, term = CONCATENATIONS[host]
    text = template.format(term * 50_000)
    result = linter.lint_decoded(text, filename)
    assert result.skipped is None
    column = text.splitlines()[1].index("LISTEN") + 1
    assert [(d.code, d.location) for d in result.diagnostics] == [("PGB002", (2, column))]


def test_a_tree_reads_its_text_after_the_parse_budget_is_spent():
    """The budgeted parse reads through a callable that stops answering once the CPU budget is
    spent; a tree kept that callable as its source, so ``node.text`` read after the budget (a long
    file's extraction) looped for ever.  A real process, so that the old behaviour fails by timing out."""
    source = 'package q\\nvar s = "LISTEN x"\\n'
    script = (
        "import time\n"
        "from pgpool_lint.code import treesitter\n"
        "from pgpool_lint.code.go_source import GO\n"
        "treesitter.PARSE_SECONDS, treesitter.PARSE_SECONDS_PER_MB = 0.2, 0.0\n"
        f"tree = treesitter.parse(GO, '{source}')\n"
        "started = time.process_time()\n"
        "while time.process_time() - started < 0.3:\n"
        "    pass\n"
        "print(tree.root_node.text.decode(), end='')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, b'package q\nvar s = "LISTEN x"\n', b"")


def test_yaml_alias_bomb_beside_a_good_file(tmp_path):
    (tmp_path / "bomb.yml").write_text(_alias_levels(9) + "url: postgres://u@db.example.com:6543/app?options=-c%20search_path%3Dx\n")
    (tmp_path / "good.sql").write_text(GOOD)
    r, data = lint(tmp_path, "bomb.yml", "good.sql")
    assert codes_by_file(data)["good.sql"] == [("PGB002", 1, 1)]


def test_an_alias_keeps_the_anchor_position(tmp_path):
    """A value reached through an alias is reported once, where the anchor wrote it."""
    (tmp_path / "docker-compose.yml").write_text(
        "x-rest-env: &rest-env\n"
        "  PGRST_DB_URI: postgres://authenticator:secret@pgbouncer:5432/app\n"
        "services:\n"
        "  pgbouncer:\n"
        "    image: edoburu/pgbouncer:v1.23.1-p3\n"
        "    environment:\n"
        "      POOL_MODE: transaction\n"
        "      MAX_PREPARED_STATEMENTS: \"0\"\n"
        "  rest:\n"
        "    image: postgrest/postgrest:v12.2.3\n"
        "    environment: *rest-env\n"
        "  rest2:\n"
        "    image: postgrest/postgrest:v12.2.3\n"
        "    environment: *rest-env\n")
    r, data = lint(tmp_path, ".")
    assert codes_by_file(data) == {"docker-compose.yml": [("PGB201", 2, 3), ("PGB205", 2, 3)]}


def _prefix_lines(n: int) -> tuple[str, list[str]]:
    """A --log-line-prefix of n adjacent ``%a `` fields and lines with too few spaces for it."""
    return "%a " * n, [" " * (n - 1) + f"LOG:  statement: LISTEN x{i}" for i in range(50)]


@pytest.mark.parametrize("build", [
    _prefix_lines,
    # a client-chosen application_name of n spaces under the pgBadger prefix
    lambda n: ("%t [%p]: user=%u,db=%d,app=%a,client=%h ",
               [f"2024-01-01 00:00:00 UTC [1]: user=u,db=d,app={' ' * n},client=1.2.3.4 LOX:  x"] * 50),
    lambda n: ("%m [%p] %q%u@%d ", [f"2024-01-01 00:00:00.000 UTC [1] {'@' * n} LOX:  x"] * 50),
], ids=["many-%a", "app-name-of-spaces", "user-of-at-signs"])
def test_log_line_prefix_matching_is_linear(build):
    from pgpool_lint.logs.stderr import prefix_pattern

    from .linear import assert_linear

    def run(case):
        prefix, lines = case
        pattern = prefix_pattern(prefix)
        for line in lines:
            pattern.match(line, 0, 2048)

    assert_linear(build, run, 8)


def test_logs_with_26_application_name_fields(tmp_path):
    """26 x `%a` never finished; now each line is matched once, and the lines that fit are read."""
    prefix = "%a " * 26
    lines = [" " * 25 + "LOG:  statement: LISTEN short\n"] * 100 + [" " * 30 + "LOG:  statement: LISTEN x\n"] * 3
    (tmp_path / "pg.log").write_text("".join(lines))
    r = run_cli("logs", "--isolated", "--format", "stderr", "--log-line-prefix", prefix, "--output-format", "json",
                "pg.log", cwd=tmp_path)
    assert b"Traceback" not in r.stderr and r.returncode == 1
    assert [(d["code"], d["location"]["row"]) for d in json.loads(r.stdout)] == [("PGB002", 101)]
    assert b"skipped 100 malformed lines" in r.stderr


# --- tracebacks: each is one line and exit 2, or a finding / a counted skip ------------------

def test_logs_deeply_nested_json_and_infinite_calls(tmp_path):
    (tmp_path / "pg.json").write_text('{"message": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
                                      '{"error_severity": "LOG", "message": "statement: LISTEN x"}\n')
    r = run_cli("logs", "--isolated", "--format", "jsonlog", "--output-format", "json", "pg.json", cwd=tmp_path)
    assert b"Traceback" not in r.stderr and r.returncode == 1
    assert [(d["code"], d["location"]["row"]) for d in json.loads(r.stdout)] == [("PGB002", 2)]
    assert b"pg.json: skipped 1 malformed line" in r.stderr
    (tmp_path / "pgss.json").write_text('[{"query": "LISTEN a", "calls": Infinity},'
                                        ' {"query": "LISTEN b", "calls": NaN}, {"query": "LISTEN c", "calls": 3}]\n')
    r = run_cli("logs", "--isolated", "--output-format", "json", "pgss.json", cwd=tmp_path)
    assert b"Traceback" not in r.stderr and r.returncode == 1
    assert [d["message"].count("LISTEN c") for d in json.loads(r.stdout)] == [1]
    assert b"pgss.json: skipped 2 malformed lines" in r.stderr
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000 + "\n")
    r = run_cli("logs", "--isolated", "--format", "pg-stat-statements", "deep.json", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.decode().strip().splitlines() == [
        "pgpool-lint: error: deep.json: not a JSON array of pg_stat_statements rows: nested too deeply"]


def test_deep_arrays_in_any_pyproject_table(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "pyproject.toml").write_text(f"[tool.other]\nx = {deep}\n")
    (tmp_path / "a.sql").write_text(GOOD)
    r, data = lint(tmp_path, "a.sql")
    assert codes_by_file(data) == {"a.sql": [("PGB002", 1, 1)]}  # someone else's table: not our config
    (tmp_path / "pyproject.toml").write_text(f"[tool.pgpool-lint]\nselect = {deep}\n")
    r, data = lint(tmp_path, "a.sql")
    assert r.returncode == 2 and r.stderr.decode().strip().splitlines() == [
        f"pgpool-lint: error: {tmp_path / 'pyproject.toml'}: cannot read config: nested too deeply"]


def test_max_file_size_beyond_what_can_be_read(tmp_path):
    (tmp_path / ".pgpool-lint.toml").write_text("max-file-size = 99999999999999999999\n")
    (tmp_path / "a.sql").write_text(GOOD)
    r, data = lint(tmp_path, "a.sql")
    assert r.returncode == 2 and data is None
    assert r.stderr.decode().strip().splitlines() == [
        f"pgpool-lint: error: {tmp_path / '.pgpool-lint.toml'}: `max-file-size` must be at most "
        f"{2 ** 63 - 2} bytes"]


def _deep_tree(root, levels: int) -> None:
    fd = os.open(root, os.O_RDONLY)
    for _ in range(levels):  # relative steps: the whole path would exceed PATH_MAX
        os.mkdir("d", dir_fd=fd)
        fd, parent = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(parent)
    with open(os.open("a.sql", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as fh:
        fh.write(GOOD)
    os.close(fd)


def _remove_tree(root) -> None:
    """rmtree with a stack of directory descriptors: shutil's (and so pytest's clean-up of old
    temporary directories) recurses once per level and fails on these trees."""
    stack = [(os.open(root, os.O_RDONLY), "")]  # (descriptor, name in its parent)
    while stack:
        fd, _ = stack[-1]
        subdir = None
        for entry in os.scandir(fd):
            if entry.is_dir(follow_symlinks=False):
                subdir = entry.name
                break
            os.unlink(entry.name, dir_fd=fd)
        if subdir is not None:
            stack.append((os.open(subdir, os.O_RDONLY, dir_fd=fd), subdir))
            continue
        fd, name = stack.pop()
        os.close(fd)
        if stack:
            os.rmdir(name, dir_fd=stack[-1][0])
    os.rmdir(root)


@pytest.fixture
def deep_dir(tmp_path):
    (tmp_path / "deep").mkdir()
    yield tmp_path / "deep"
    _remove_tree(tmp_path / "deep")


def test_a_directory_tree_1000_levels_deep(tmp_path, deep_dir):
    _deep_tree(deep_dir, 1000)
    r, data = lint(tmp_path, "deep")
    assert r.returncode == 1
    assert [(d["code"], d["filename"].count("d/")) for d in data] == [("PGB002", 1000)]


def test_sarif_with_a_file_name_that_is_not_utf8(tmp_path):
    (tmp_path / os.fsdecode(b"caf\xe9.sql")).write_text(GOOD)
    r = run_cli("check", "--output-format", "sarif", ".", cwd=tmp_path)
    assert b"Traceback" not in r.stderr and r.returncode == 1
    result = json.loads(r.stdout)["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "caf%E9.sql"


def test_a_report_that_cannot_be_written(tmp_path):
    (tmp_path / "a.sql").write_text(GOOD)
    if not os.path.exists("/proc/version"):
        pytest.skip("no /proc")
    r = run_cli("check", "-o", "/proc/version", "a.sql", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.decode().strip().splitlines()[-1].startswith("pgpool-lint: error: cannot write /proc/version: ")
    assert b"Traceback" not in r.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE semantics")
@pytest.mark.parametrize("args", [
    ("rules",),  # click.echo, line by line
    ("check", "--isolated", "--output-format", "concise", "."),  # the streamed report
    ("check", "--isolated", "--output-format", "sarif", "."),  # the report written at the end
    ("check", "--isolated", "--output-format", "concise", "--jobs", "2", "."),  # with worker processes
], ids=["rules", "streamed", "at-the-end", "workers"])
def test_a_reader_that_closes_the_pipe_early(tmp_path, args):
    """``pgpool-lint ... | head``: stops quietly with the shell's status for ``cat`` or ``grep``
    in that case (141), nothing on stderr, no worker left behind.  The reader is gone before
    the first write, so every write fails, whatever the size of the output."""
    for i in range(200):  # enough files for worker processes
        (tmp_path / f"m{i:03}.sql").write_text("SET search_path TO app;\n" * 40)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PGPOOL_LINT_OUTPUT_FORMAT")}
    reader, writer = os.pipe()
    os.close(reader)
    try:
        r = subprocess.run([sys.executable, "-m", "pgpool_lint", *args], cwd=tmp_path, env=env, stdout=writer,
                           stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(writer)
    assert r.returncode == 141
    assert r.stderr == b""  # also: no worker kept stderr open (run() waits for its end)


def test_an_unexpected_exception_is_one_line_and_exit_2(monkeypatch):
    """The last resort: a bug is one line on stderr, PGPOOL_LINT_DEBUG=1 shows the traceback."""
    from click.testing import CliRunner

    from pgpool_lint import cli

    def broken(*args, **kwargs):
        raise KeyError("boom\x1b[31m")

    monkeypatch.setattr(cli, "_settings", broken)
    runner = CliRunner()
    result = runner.invoke(cli.main, ["check", "--isolated", "."])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "pgpool-lint: error: internal error: KeyError: 'boom\\x1b[31m' (set PGPOOL_LINT_DEBUG=1 to see the traceback)"]
    result = runner.invoke(cli.main, ["check", "--isolated", "."], env={"PGPOOL_LINT_DEBUG": "1"})
    assert isinstance(result.exception, KeyError)


def test_a_file_whose_lint_fails_is_its_own_finding(linter, monkeypatch):
    from pgpool_lint.lint import linter as linter_mod

    real = linter_mod.Linter._lint_decoded

    def fails_on_bad(self, text, display):
        if display == "bad.sql":
            raise RecursionError("maximum recursion depth exceeded")
        return real(self, text, display)

    monkeypatch.setattr(linter_mod.Linter, "_lint_decoded", fails_on_bad)
    bad, good = linter.lint_decoded(GOOD, "bad.sql"), linter.lint_decoded(GOOD, "good.sql")
    assert [(d.code, d.message) for d in bad.diagnostics] == [
        ("PGB900", "Cannot lint this file: internal error (nested too deeply)")]
    assert [d.code for d in good.diagnostics] == ["PGB002"]
    monkeypatch.setenv("PGPOOL_LINT_DEBUG", "1")
    with pytest.raises(RecursionError):
        linter.lint_decoded(GOOD, "bad.sql")


def test_walks_skip_yarns_vendored_releases_and_pnp_loaders(tmp_path):
    """Yarn Berry repositories commit .yarn/releases/yarn-4.x.cjs (2.7 MB minified) and the
    Plug'n'Play loaders: other people's generated code, like vendor/ (a file named on the
    command line is still linted)."""
    for name in (".yarn/releases/yarn-4.6.0.cjs", ".yarn/plugins/p.cjs", ".pnp.cjs", ".pnp.loader.mjs", "app.js"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text('db.query("LISTEN a")\n')
    r = run_cli("check", "--show-files", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, b"app.js\n")
    r = run_cli("check", "--show-files", ".pnp.cjs", cwd=tmp_path)
    assert r.stdout == b".pnp.cjs\n"


def _minified_bundle(n: int) -> str:
    """One line of minified JavaScript: functions, member-call chains, strings that spell SQL
    keywords, config-like objects (what the code host and the settings reader both read)."""
    piece = ("function a{i}(e,t){{return e.db.query('SELECT '+t).then(function(r){{return r.rows.map(n.f)}})}}"
             "var c{i}={{client:'pg',connection:{{host:t.h,port:5432}},pool:{{min:0}}}},"
             "s{i}=o.a(e).b(t).c('select x').d({{set:1}});")
    return "(function(){" + "".join(piece.format(i=i) for i in range(n)) + "})();\n"


def test_a_big_minified_bundle_is_read_in_linear_time(linter):
    """yarn-4.6.0.cjs (2.7 MB on one line) took > 600 s: every callee path and literal was read
    through the parse's reader 16 KB at a time; now about 2 s of CPU a MB."""
    from .linear import assert_linear

    assert_linear(_minified_bundle, lambda text: linter.lint_decoded(text, "bundle.cjs"), 100)


def test_a_settings_reader_that_fails_is_one_line_and_exit_2_not_a_clean_file(tmp_path):
    """Found by running the readers on hostile input: arrays nested deeper than tomllib goes
    (RecursionError) in a settings TOML were swallowed, and the file read as clean ("All checks
    passed!", exit 0).  The other files are still linted; ``PGPOOL_LINT_DEBUG=1`` shows the traceback."""
    (tmp_path / "settings.toml").write_text(
        '[default]\ndatabase_url = "postgresql://u@db:6432/app?options=-csearch_path%3Dx"\n'
        "x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    (tmp_path / "good.sql").write_text(GOOD)
    r = run_cli("check", "--output-format", "concise", "settings.toml", "good.sql", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr == (b"pgpool-lint: error: settings.toml: cannot read as toml settings: nested too deeply "
                        b"(set PGPOOL_LINT_DEBUG=1 to see the traceback)\n")
    assert r.stdout.decode().splitlines()[0].startswith("good.sql:1:1: PGB002 [listen]")
    assert r.stdout.decode().splitlines()[-1] == "Found 1 finding (2 files checked); 1 error above: not every file was checked."
    # --fix leaves a file it could not read whole as it is, and says so the same way
    fixed = run_cli("check", "--fix", "settings.toml", cwd=tmp_path)
    assert fixed.returncode == 2 and b"settings.toml: cannot read as toml settings" in fixed.stderr
    debug = run_cli("check", "settings.toml", cwd=tmp_path, env={"PGPOOL_LINT_DEBUG": "1"})
    assert b"Traceback" in debug.stderr and b"RecursionError" in debug.stderr


def test_walking_a_deep_tree_is_linear(deep_dir):
    import itertools

    from pgpool_lint.cli import _walk
    from pgpool_lint.config import DEFAULT_EXCLUDE, GlobSet

    counter = itertools.count()
    globs = GlobSet(DEFAULT_EXCLUDE)

    def build(n):
        """A tree whose paths add up to ~n**2 characters (depth 10 * sqrt(n)): walking costs the
        paths' length, and a 4x longer walk must cost ~4x, not 16x."""
        root = deep_dir / f"t{next(counter)}"
        root.mkdir()
        _deep_tree(root, round(10 * n ** 0.5))
        return root

    def run(root):
        for _ in range(20):
            list(_walk(root, globs, root))

    from .linear import MAX_RATIO, growth

    ratio, _ = growth(build, run, 400, max_doublings=1)  # 200 and 400 levels
    assert ratio < MAX_RATIO, f"paths 4x longer in all took {ratio:.1f}x the time"


def test_a_parse_tree_sitter_cannot_finish_in_time_is_a_documented_skip(linter):
    """tree-sitter-kotlin's error recovery is quadratic on `SET x=1;` repeated (8,000: 3 s, 32,000:
    never in a CI budget): the parse gets CPU time in proportion to the text, then the file is
    skipped with that reason (the other files are linted)."""
    result = linter.lint_decoded("SET x=1;" * 8000, "Q.kt")
    assert result.diagnostics == [] and "too slow to parse as kotlin" in result.skipped
    assert [d.code for d in linter.lint_decoded('fun f() { st.execute("LISTEN x") }\n', "Q.kt").diagnostics] == [
        "PGB002"]
