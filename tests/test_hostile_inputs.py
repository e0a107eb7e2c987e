"""Whatever sits in a repository: no traceback, a clear per-file message or a documented skip,
every other file still linted, a meaningful exit code, nothing written."""

from __future__ import annotations

import json
import os

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
    "toml-header-blanks": ("flyway.toml", lambda n: "[" + " " * n + "\n", 2000),
    "python-noqa-repeats": ("q.py", lambda n: "cur.execute('LISTEN x')  # " + "noqa:" * n + "\n", 2000),
    "js-concatenation": ("q.js", _concat("const pg = require('pg');\nclient.query('LISTEN x'{});\n", " + 'a'"), 500),
    "ts-concatenation": ("q.ts", _concat("client.query('LISTEN x'{});\n", " + 'a'"), 500),
    "java-concatenation": ("Q.java", _concat('class Q {{ void f() {{ st.execute("LISTEN x"{}); }} }}\n', ' + "a"'), 500),
    "go-concatenation": ("q.go", _concat('package q\nfunc f() {{ db.Exec("LISTEN x"{}) }}\n', ' + "a"'), 500),
    "ruby-concatenation": ("q.rb", _concat('conn.exec("LISTEN x"{})\n', ' + "a"'), 500),
    "ruby-adjacent-literals": ("q.rb", _concat('conn.exec("LISTEN x"{})\n', ' "a"'), 500),
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


@pytest.mark.parametrize("filename,template,term", [
    ("q.js", "const pg = require('pg');\nclient.query('LISTEN x'{});\n", " + 'a'"),
    ("Q.java", 'class Q {{ void f() {{\nst.execute("LISTEN x"{}); }} }}\n', ' + "a"'),
    ("q.go", 'package q\nfunc f() {{ db.Exec("LISTEN x"{}) }}\n', ' + "a"'),
    ("q.rb", 'x = 1\nconn.exec("LISTEN x"{})\n', ' + "a"'),
], ids=["js", "java", "go", "ruby"])
def test_a_50000_term_concatenation_is_read_whole(linter, filename, template, term):
    """Folded with explicit stacks: not skipped as "nested too deeply", the finding is where it was."""
    text = template.format(term * 50_000)
    result = linter.lint_decoded(text, filename)
    assert result.skipped is None
    column = text.splitlines()[1].index("LISTEN") + 1
    assert [(d.code, d.location) for d in result.diagnostics] == [("PGB002", (2, column))]


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
