"""Property-based fuzzing (hypothesis): SQL fragments, code files with SQL strings, configs.

Whatever the input: no exception escapes, every reported position lies inside the file,
JSON output always parses, ``--fix`` output still parses as well as the input did and a
second ``--fix`` changes nothing.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgpool_lint.core.positions import LineIndex
from pgpool_lint.lint.fixer import Fixer, applicabilities
from pgpool_lint.lint.linter import Linter, Settings

from .helpers import all_codes, run_cli

# Pieces real SQL files are made of, hazards and look-alikes included, plus the characters
# that break naive lexers: quotes, dollar quotes, comments, backslashes, CR, tabs, NUL, emoji.
SQL_PIECES = [
    "SET search_path TO app", "SET LOCAL lock_timeout = '1s'", "RESET ALL", "SET ROLE admin",
    "SELECT set_config('a.b', 'c', false)", "SELECT pg_advisory_lock(42)", "SELECT pg_advisory_unlock(42)",
    "SELECT pg_advisory_xact_lock(1)", "LISTEN jobs", "UNLISTEN *", "NOTIFY jobs",
    "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "CLOSE c", "FETCH 1 FROM c",
    "PREPARE p AS SELECT 1", "EXECUTE p", "DEALLOCATE p", "LOAD 'auto_explain'",
    "CREATE TEMP TABLE t (a int)", "CREATE TEMP TABLE t2 (a int) ON COMMIT DROP", "INSERT INTO t VALUES (1)",
    "BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "SAVEPOINT s", "DISCARD ALL", "SELECT lastval()",
    "UPDATE users SET name = 'x'", "ALTER ROLE app SET search_path TO app",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = app AS 'SELECT 1'",
    "DO $$ BEGIN PERFORM set_config('x.y', 'z', false); END $$",
    "CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $b$ BEGIN SET work_mem = '1GB'; END $b$",
    "SELECT 'it''s; SET x = 1'", "SELECT E'\\' LISTEN'", "SELECT $$;$$", "SELECT \"weird;\"\"name\"",
    "-- SET search_path TO x;", "/* LISTEN x; /* nested */ */", "-- pgpool-lint: ignore[listen]",
    "-- noqa: PGB001", "-- pgpool-lint: ignore[nope]", "\\set x 1", "\\gset", "COPY t FROM stdin", "\\.",
    ":var", ":'var'", "{{ schema }}", "@extschema@", "SELEC 1", "(", ")", "'", "$$", "/*", "é😀", "\t",
    "\r\n", "\r", "\n", "\x00", ";", " ",
]
sql_texts = st.lists(st.sampled_from(SQL_PIECES) | st.text(max_size=12), max_size=30).map(
    lambda parts: "".join(p if p in ("\n", "\r", "\r\n", ";", " ") else p + " " for p in parts)
)

PY_TEMPLATES = [
    "cur.execute({s!r})", "cur.execute(f{s!r})", "op.execute({s!r})", "conn.execute(text({s!r}))",
    "log.info({s!r})", "x = {s!r}", '"""{d}"""', "# {d}", "cur.execute({s!r} + {s!r})",
]
JS_TEMPLATES = [
    "await client.query({s});", "await sql`{t}`;", "knex.raw({s});", "console.log({s});", "// {d}",
    "const q = `{t} ${{x}}`;",
]


def _check_positions(text: str, diagnostics) -> None:
    index = LineIndex(text)
    for d in diagnostics:
        for row, col in (d.location, d.end_location):
            assert 1 <= row <= index.line_count, (d.code, d.location, d.message)
            line_length = (index.line_start(row + 1) - 1 if row < index.line_count else len(text)) - index.line_start(row)
            assert 1 <= col <= line_length + 2, (d.code, d.location, d.end_location, d.message)
        assert d.location <= d.end_location
        assert json.loads(json.dumps(d.to_json())) == d.to_json()


@pytest.fixture(scope="module")
def linter():
    return Linter(Settings(enabled=all_codes()))


FUZZ = settings(max_examples=int(os.environ.get("PGPOOL_LINT_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(sql_texts)
def test_sql_never_crashes_and_positions_stay_inside(linter, text):
    result = linter.lint_bytes(text.encode("utf-8"), "fuzz.sql")
    _check_positions(result.text or text, result.diagnostics)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(linter, data):
    result = linter.lint_bytes(data, "fuzz.sql")
    if result.text is not None:
        _check_positions(result.text, result.diagnostics)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PY_TEMPLATES), sql_texts), max_size=8))
def test_python_code_with_sql_strings(linter, lines):
    text = "\n".join(t.format(s=s, d=s.replace('"""', "")) for t, s in lines) + "\n"
    result = linter.lint_bytes(text.encode("utf-8"), "fuzz.py")
    _check_positions(text, result.diagnostics)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(JS_TEMPLATES), sql_texts), max_size=8))
def test_javascript_code_with_sql_strings(linter, lines):
    text = "\n".join(t.format(s=json.dumps(s), t=s.replace("`", "").replace("\\", ""), d=s.replace("\n", " "))
                     for t, s in lines) + "\n"
    result = linter.lint_bytes(text.encode("utf-8"), "fuzz.ts")
    _check_positions(text, result.diagnostics)


GO_TEMPLATES = ['\tdb.Exec({s})', '\ttx.QueryRow({s}, id)', '\t_, _ = conn.Exec(ctx, {s} + {s})',
                '\tlog.Println({s})', '\t// {d}', '\tq := `{t}`\n\tdb.Exec(q)']
JAVA_TEMPLATES = ['        st.execute({s});', '        conn.prepareStatement({s});', '        jdbc.update({s} + {s});',
                  '        log.info({s});', '        // {d}', '        String q = """\n{t}\n""";\n        st.execute(q);']
RUBY_TEMPLATES = ['  execute({s})', '  conn.exec({s})', '  ActiveRecord::Base.connection.execute({s} + {s})',
                  '  puts({s})', '  # {d}', '  execute <<~SQL\n{t}\n  SQL']
#: each code host: file name, templates, how a file starts and ends
HOSTS = {
    "go": ("fuzz.go", GO_TEMPLATES, "package main\n\nfunc run() {{\n", "}}\n"),
    "java": ("Fuzz.java", JAVA_TEMPLATES, "class Fuzz {{\n    void run() throws Exception {{\n", "    }}\n}}\n"),
    "ruby": ("fuzz.rb", RUBY_TEMPLATES, "class M < ActiveRecord::Migration[7.0]\n def up\n", " end\nend\n"),
    "python": ("fuzz.py", PY_TEMPLATES, "", ""),
    "javascript": ("fuzz.ts", JS_TEMPLATES, "", ""),
}


def _host_file(host: str, lines) -> tuple[str, str]:
    """(file name, text) of a code file of ``host`` with SQL in its strings."""
    name, _, head, tail = HOSTS[host]
    body = []
    for template, sql in lines:
        quoted = json.dumps(sql) if host != "python" else sql  # Python's templates quote with !r
        raw = sql.replace("`", "").replace("\\", "").replace('"""', "").replace("SQL", "")
        body.append(template.format(s=quoted, t=raw, d=sql.replace("\n", " ").replace("\r", " ")))
    return name, head.format() + "\n".join(body) + "\n" + tail.format()


#: whole statements, so that strings in code often hold findings with fixes
statement_runs = st.lists(st.sampled_from([p for p in SQL_PIECES if p[:1].isalpha()]), min_size=1, max_size=6).map(
    "; ".join)
host_files = st.sampled_from(sorted(HOSTS)).flatmap(lambda host: st.tuples(
    st.just(host), st.lists(st.tuples(st.sampled_from(HOSTS[host][1]), statement_runs | sql_texts), max_size=6)))


@FUZZ
@given(host_files)
def test_every_code_host_never_crashes_and_positions_stay_inside(linter, host_file):
    name, text = _host_file(*host_file)
    result = linter.lint_bytes(text.encode("utf-8", "surrogatepass"), name)
    if result.text is not None:
        _check_positions(result.text, result.diagnostics)


@settings(max_examples=int(os.environ.get("PGPOOL_LINT_FUZZ_EXAMPLES", "150")) // 2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(host_files, st.booleans())
def test_fixing_code_settles_in_one_run(linter, host_file, unsafe):
    """``--fix`` on a code file reaches its fixed point in one run: a second run changes nothing."""
    name, text = _host_file(*host_file)
    fixer = Fixer(linter, applicabilities(unsafe), write=False, roots=["."])
    first = fixer.fix_text(text, name)
    if first.skipped:
        return
    assert first.converged
    assert fixer.fix_text(first.text, name).text == first.text


#: pieces of the settings files the drivers read (dotenv, YAML, TOML, INI, .properties, Prisma)
SETTING_PIECES = [
    "DATABASE_URL=postgres://u:p@db:6432/app?options=-csearch_path%3Dx", "PGBOUNCER=1", "url: ${DATABASE_URL}",
    "postgresql://db:6432/app?prepareThreshold=5", "statement_cache_size: 100", "prepared_statements: true",
    "options: -c search_path=app", "host=db port=6432 options='-c work_mem=1MB'", "[database]", "[tool.x]",
    "spring.datasource.url=jdbc:postgresql://db:6432/app", "datasource db {", "}", 'url = env("DATABASE_URL")',
    "<%= ENV['DB'] %>", "${A:-postgres://x:6432/y}", "&a [*a, *a]", "*a", "- ", ": ", "= ", "#", ";", '"', "'",
    "\\", "\t", "\n", "\r\n", "é😀", "\x00", "[", "]", "{", "}",
    "\x0c", "\u2028", "gem 'good_job'", "{:oban, \"~> 2.17\"}", "psycopg2==2.9", '"pg": "^8"',
]
SETTINGS_FILES = [".env", "config/database.yml", "pgbouncer.ini", "application.properties", "schema.prisma",
                  "settings.toml", "docker-compose.yml", "alembic.ini", "Gemfile", "requirements.txt", "mix.exs",
                  "package.json", "appsettings.json"]


@FUZZ
@given(st.sampled_from(SETTINGS_FILES), st.lists(st.sampled_from(SETTING_PIECES) | st.text(max_size=8), max_size=25))
def test_settings_readers_never_crash_and_fixes_settle(linter, name, pieces):
    text = "".join(pieces)
    result = linter.lint_bytes(text.encode("utf-8", "surrogatepass"), name)
    assert result.error is None, result.error  # a reader's failure is no longer hidden: none may fail
    if result.text is None:
        return
    _check_positions(result.text, result.diagnostics)
    fixer = Fixer(linter, applicabilities(True), write=False, roots=["."])
    first = fixer.fix_text(result.text, name)
    assert fixer.fix_text(first.text, name).text == first.text


def _parse_errors(linter, text: str) -> int:
    return sum(1 for d in linter.lint_text(text, "fuzz.sql") if d.code == "PGB000")


@settings(max_examples=int(os.environ.get("PGPOOL_LINT_FUZZ_EXAMPLES", "150")) // 2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sql_texts, st.booleans())
def test_fix_output_parses_and_a_second_fix_changes_nothing(linter, text, unsafe):
    fixer = Fixer(linter, applicabilities(unsafe), write=False, roots=["."])
    first = fixer.fix_text(text, "fuzz.sql")
    assert _parse_errors(linter, first.text) <= _parse_errors(linter, text)
    second = fixer.fix_text(first.text, "fuzz.sql")
    assert second.text == first.text


CONFIG_PIECES = [
    'select = ["ALL"]', 'ignore = ["listen"]', 'ignore = [1]', 'select = "PGB001"', 'selct = []',
    'pool-mode = "statement"', 'pool-mode = "nope"', 'preset = "neon"', 'preset = 3',
    'pgbouncer-version = "1.26"', 'pgbouncer-version = "x.y"', 'postgres-version = 18',
    'max-prepared-statements = -1', 'assume-in-transaction = true', 'exclude = ["*.sql"]',
    '[per-file-ignores]', '"*.sql" = ["PGB001"]', '"*.sql" = "x"', 'output-format = "sarif"',
    'max-file-size = 10', "[", "= =", "\x00", "é",
]


@settings(max_examples=int(os.environ.get("PGPOOL_LINT_FUZZ_EXAMPLES", "150")) // 6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(CONFIG_PIECES), max_size=6))
def test_any_config_gives_a_clear_result(tmp_path_factory, lines):
    root = tmp_path_factory.mktemp("cfg")
    (root / ".pgpool-lint.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "m.sql").write_text("SET search_path TO app;\nLISTEN jobs;\n")
    result = run_cli("check", "--output-format", "json", "m.sql", cwd=root)
    assert b"Traceback" not in result.stderr
    assert result.returncode in (0, 1, 2), result.stderr
    if result.returncode == 2:
        assert result.stderr.startswith(b"pgpool-lint: error: ") and result.stdout == b""
    else:
        json.loads(result.stdout)


SPLIT_PIECES = SQL_PIECES + ["\u00a0", "\u3000", "\u2028", "\x0b", "\x0c", "AS x\u00a0", "SELECT 'ü' AS \"é\""]
split_texts = st.lists(st.sampled_from(SPLIT_PIECES) | st.text(max_size=6), max_size=20).map("".join)


@FUZZ
@given(split_texts)
def test_direct_libpg_query_split_gives_pglasts_spans(text):
    """pgparser.split_utf8 calls libpg_query without pglast's wrapper: same spans, same failures."""
    from pglast.parser import ParseError, split

    from pgpool_lint.sql.pgparser import _direct, split_utf8

    assert _direct() is not None, "libpg_query's split is not reachable: the engine fell back to pglast.split"
    text = text.replace("\x00", " ")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: the engine replaces them before parsing
        return
    try:
        expected = [(s.start, s.stop) for s in split(text, with_parser=True, only_slices=True)]
    except ParseError:
        expected = None
    assert split_utf8(data) == expected


@FUZZ
@given(sql_texts, st.integers(0, 400), st.integers(0, 400))
def test_neutral_text_reads_the_same_a_slice_at_a_time(text, a, b):
    from pgpool_lint.sql.neutralise import neutral_text

    view = neutral_text(text)
    whole = str(view)
    assert len(whole) == len(text)
    assert view[a:b] == whole[a:b] and view[b:] == whole[b:]
    for start, end in view.unedited():
        assert whole[start:end] == text[start:end]


@FUZZ
@given(split_texts)
def test_direct_libpg_query_scan_gives_pglasts_tokens(text):
    """pgparser.scan reads libpg_query's tokens without pglast's wrapper: same tokens, same errors."""
    from pglast.parser import ParseError
    from pglast.parser import scan as pglast_scan

    from pgpool_lint.sql import pgparser

    assert pgparser._direct() is not None
    text = text.replace("\x00", " ")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return
    try:
        expected = pglast_scan(text)
    except ParseError as err:
        expected = err.args
    try:
        got = pgparser.scan(text)
    except ParseError as err:
        got = err.args
    assert got == expected


line_texts = st.lists(st.sampled_from(["\n", "\r", "\r\n", "\r\r\n", "a", "bc ", "é😀", "\t"]), max_size=30).map("".join)


@FUZZ
@given(line_texts, st.lists(st.integers(-3, 70), max_size=12))
def test_offset_positions_answer_as_the_line_index_does(text, offsets):
    """The findings' positions found in one pass (``OffsetPositions``) are ``LineIndex``'s: the
    same line and column for every offset (clamped outside the text), the same line text."""
    from pgpool_lint.core.positions import OffsetPositions

    index, swept = LineIndex(text), OffsetPositions(text, offsets)
    for offset in offsets + [len(text) + 1]:  # the last one was not given: a LineIndex answers it
        assert swept.position(offset) == index.position(offset)
        line = index.position(offset)[0]
        assert swept.line_text(text, line) == index.line_text(text, line)
