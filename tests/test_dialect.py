"""Issue 17, "know the dialect": text pglast rejects is PostgreSQL with a mistake (PGB000) or
another database's SQL / no SQL (skipped, counted under --verbose and --statistics).

Every test runs the real CLI and asserts what a user sees: rule, line, column, exit code and
the skipped-text lines on stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pgpool_lint.sql import dialect

from .helpers import REPO, run_cli

MYSQL_TABLE = ("CREATE TABLE `users` (`id` int(11) NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`)) "
               "ENGINE=InnoDB DEFAULT CHARSET=utf8;\n")


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def _check(root: Path, *args: str) -> tuple[int, list[tuple[str, int, int, str]], str]:
    proc = run_cli("check", "--isolated", "--output-format", "json", *args, cwd=root)
    found = [(d["filename"], d["location"]["row"], d["location"]["column"], d["code"])
             for d in json.loads(proc.stdout)]
    return proc.returncode, sorted(found), proc.stderr.decode()


def test_mysql_file_anywhere_is_skipped_and_a_postgres_mistake_is_still_a_parse_error(tmp_path: Path) -> None:
    _write(tmp_path, {
        "db/001_users.sql": MYSQL_TABLE + "SET sql_mode = 'TRADITIONAL';\n",  # sqlglot: MySQL, not PostgreSQL
        "db/002_typo.sql": "SELECT 1;\nSELEC 2;\nCREATE TABLE foo (id int,);\n",
        "db/003_pragma.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\nPRAGMA foreign_keys = ON;\n",
    })
    code, found, err = _check(tmp_path, "--verbose", ".")
    assert found == [("db/002_typo.sql", 2, 1, "PGB000"), ("db/002_typo.sql", 3, 26, "PGB000")]
    assert code == 1
    assert "skipped text in db/001_users.sql: mysql SQL: quoting names with backticks is mysql syntax" in err
    assert "skipped text in db/003_pragma.sql: sqlite SQL: `AUTOINCREMENT` is sqlite syntax, not PostgreSQL's" in err


def test_dialect_folders_and_file_names(tmp_path: Path) -> None:
    spanner = "CREATE TABLE Singers (SingerId INT64 NOT NULL, Name STRING(1024)) PRIMARY KEY (SingerId);\n"
    crdb = "CREATE TABLE t (id UUID PRIMARY KEY, INDEX (id));\nSET search_path TO app;\n"
    _write(tmp_path, {
        "testdata/migrations/spanner/1_init.sql": spanner,
        "dialects/cockroachdb/schema.sql": crdb,
        "db/clickhouse/1.sql": "CREATE TABLE t (id UInt64) ENGINE = MergeTree() ORDER BY id;\nLISTEN x;\n",
        "schema.mysql.sql": "LISTEN x;\n",
        "postgres/schema.sql": "LISTEN jobs;\n",
    })
    code, found, err = _check(tmp_path, "--verbose", ".")
    assert found == [("postgres/schema.sql", 1, 1, "PGB002")] and code == 1
    assert "skipped text in testdata/migrations/spanner/1_init.sql: spanner SQL: folder `spanner`" in err
    assert "skipped text in dialects/cockroachdb/schema.sql: cockroachdb SQL: folder `cockroachdb`" in err
    assert "skipped text in schema.mysql.sql: mysql SQL: file name `mysql`" in err


def test_set_of_a_name_postgres_does_not_have_leaks_nothing(tmp_path: Path) -> None:
    _write(tmp_path, {"m.sql": """\
        SET foreign_key_checks = 0;
        SET enable_experimental_alter_column_type_general = true;
        set cluster setting kv.rangefeed.enabled = true;
        SET statement_timeout = 0;
        SET myapp.tenant = 'a';
        SET x = ;
    """})
    code, found, err = _check(tmp_path, "--verbose", "m.sql")
    # custom (dotted) parameters do stay on the connection; `SET x = ;` is PostgreSQL with a mistake
    assert found == [("m.sql", 4, 1, "PGB001"), ("m.sql", 5, 1, "PGB001"), ("m.sql", 6, 9, "PGB000")]
    assert code == 1
    assert "not PostgreSQL: `foreign_key_checks` is not a PostgreSQL parameter" in err
    assert "not PostgreSQL: `cluster` is not a PostgreSQL parameter" in err


def test_statistics_count_skipped_text_by_what_it_is(tmp_path: Path) -> None:
    _write(tmp_path, {"a/mysql/1.sql": "LISTEN x;\n", "b.sql": "1 up\n", "c.sql": "SET sql_mode = 'X';\nLISTEN y;\n"})
    proc = run_cli("check", "--isolated", "--statistics", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith("1\tPGB002\t[listen]")
    assert proc.stderr.decode().splitlines() == ["1\tskipped\tmysql SQL", "1\tskipped\tnot PostgreSQL",
                                                 "1\tskipped\tnot SQL"]


def test_dialects_config_declares_and_overrides(tmp_path: Path) -> None:
    _write(tmp_path, {
        ".pgpool-lint.toml": '[dialects]\n"legacy/**" = "mysql"\n"mysql/**" = "postgres"\n',
        "legacy/a.sql": "LISTEN a;\n",
        "mysql/b.sql": "LISTEN b;\nSELEC 1;\n",  # the folder is named after MySQL, but the user says PostgreSQL
        "mysql/c.sql": MYSQL_TABLE,
    })
    proc = run_cli("check", "--verbose", "--output-format", "concise", ".", cwd=tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 1
    assert "mysql/b.sql:1:1: PGB002" in out and "mysql/b.sql:2:1: PGB000" in out
    assert "mysql/c.sql:1:14: PGB000" in out  # declared PostgreSQL: sqlglot is not asked
    assert "legacy/a.sql" not in out
    assert "skipped text in legacy/a.sql: mysql SQL: `dialects` in the configuration" in proc.stderr.decode()
    _write(tmp_path, {".pgpool-lint.toml": '[dialects]\n"x/**" = "db9000"\n'})
    bad = run_cli("check", ".", cwd=tmp_path)
    assert bad.returncode == 2 and b"`dialects.x/**` must be one of:" in bad.stderr and b"Traceback" not in bad.stderr


def test_not_sql_and_goose_envsub_and_templates(tmp_path: Path) -> None:
    _write(tmp_path, {
        "fixtures/up.sql": "1 up\n",
        "migrations/001.sql": "-- +goose ENVSUB ON\n-- +goose Up\nCREATE ROLE ${APP_USER};\nSET search_path TO ${SCHEMA:-app};\n",
        "templates/listen.sql": "LISTEN {channel_name};\n",
    })
    code, found, err = _check(tmp_path, "--verbose", ".")
    assert found == [("migrations/001.sql", 4, 1, "PGB001"), ("templates/listen.sql", 1, 1, "PGB002")]
    assert code == 1
    assert "skipped text in fixtures/up.sql: not SQL: does not start with a SQL keyword" in err
    listen = run_cli("check", "--isolated", "--output-format", "concise", "templates/listen.sql", cwd=tmp_path)
    assert "`LISTEN {channel_name}` registers" in listen.stdout.decode()  # as written, not `LISTEN ______`


def test_code_files_naming_another_client_or_branching_on_it(tmp_path: Path) -> None:
    _write(tmp_path, {
        "knexfile.js": """\
            const knex = require('knex')({ client: 'mysql', connection: {} });
            knex.raw("SET foreign_key_checks = 0; LOCK TABLES foo WRITE");
            knex.raw("LISTEN jobs");
        """,
        "both.py": """\
            import sqlite3
            import psycopg2
            def setup(conn):
                if is_crdb(conn):
                    conn.execute("SET CLUSTER SETTING kv.rangefeed.enabled = true")
                    conn.execute("LISTEN crdb_has_none")
                else:
                    conn.execute("LISTEN jobs")
        """,
        "branch.go": """\
            package db

            func setup(ctx context.Context, conn *pgx.Conn) {
            \tif conn.Dialect() == "cockroachdb" {
            \t\tconn.Exec(ctx, "SET CLUSTER SETTING kv.rangefeed.enabled = true")
            \t} else {
            \t\tconn.Exec(ctx, "LISTEN jobs")
            \t}
            }
        """,
        "Rakefile": 'task :listen do\n  ActiveRecord::Base.connection.execute("LISTEN jobs")\nend\n',
    })
    code, found, err = _check(tmp_path, "--verbose", ".")
    assert found == [("Rakefile", 2, 42, "PGB002"), ("both.py", 8, 23, "PGB002"), ("branch.go", 7, 19, "PGB002")]
    assert code == 1
    assert "skipped text in knexfile.js: mysql SQL: the file uses the `mysql` client" in err
    assert "skipped text in both.py: cockroachdb SQL: in a branch for crdb (`is_crdb(conn)`) (2 times)" in err


@pytest.mark.parametrize("name", ["lib/tasks/db.rake", "my.gemspec", "config.ru", "Gemfile", "tasks.thor"])
def test_ruby_by_other_file_names_is_read_as_ruby(tmp_path: Path, name: str) -> None:
    _write(tmp_path, {name: 'namespace :db do\n  task :x do\n    execute("LISTEN jobs")\n  end\nend\n'})
    code, found, _ = _check(tmp_path, name)
    assert found == [(name, 3, 14, "PGB002")] and code == 1  # not PGB000 at `namespace`


def test_walks_skip_vendor_and_minified_bundles(tmp_path: Path) -> None:
    _write(tmp_path, {"vendor/lib/x.sql": "LISTEN a;\n", "static/app.min.js": 'db.query("LISTEN a")\n',
                      "app.js": 'db.query("LISTEN a")\n'})
    code, found, _ = _check(tmp_path, ".")
    assert found == [("app.js", 1, 11, "PGB002")] and code == 1


def test_judge_unit_cases() -> None:
    assert dialect.judge("SELEC 1") is None
    assert dialect.judge("CREATE TABLE foo (id int,)") is None  # every sqlglot reader accepts it: a mistake
    assert dialect.judge("CREATE TABLE foo (id int,)", error_at=24) is None  # `)` is no foreign word
    assert dialect.judge("SELECT TOP 10 * FROM t", error_at=7).dialect == "tsql"
    assert dialect.judge("CREATE TABLE t (id BIGINT UNSIGNED)", error_at=26).dialect == "mysql"
    assert dialect.judge("CREATE TABLE t (id int NOT NUL)", error_at=27) is None  # a typo, no keyword anywhere
    assert dialect.judge("LISTEN 'quoted'") is None  # sqlglot reads a bare alias: no statement
    assert dialect.judge("1 up").dialect == "not-sql"
    assert dialect.judge("namespace :db do").dialect == "not-sql"
    assert dialect.judge("ALTER TABLE users MODIFY COLUMN name varchar(255) NOT NULL").dialect == "mysql"
    # SQLite reads [bracketed] names too: another database either way, never a PostgreSQL finding
    assert dialect.judge("CREATE TABLE [dbo].[t] ([id] INT IDENTITY(1,1) NOT NULL)").dialect in ("sqlite", "tsql")
    assert dialect.from_path("src/mysqlx/a.sql") is None and dialect.from_path("mysql.sql") is None
    assert dialect.from_path("db/mysql8/a.sql").dialect == "mysql"
    assert dialect.from_branch("not is_crdb(conn)") is None and dialect.from_branch("!isMysql") is None


#: statements that fail sqlglot's readers in different ways: one error or several, an error at the
#: end or in the middle, inside a part tried and given up (``_try_parse``), in an argument check, in a
#: second statement, in the tokenizer, in an optimizer hint (MySQL's and Oracle's ``/*+ ... */``,
#: parsed apart), or a crash after the first error was recorded; and some accepted or read as Command
SQLGLOT_CASES = (
    "SELECT * FROM WHERE x = 1", "SELECT 1 +", "SELECT (1", "SELECT 1 2 3", "SELECT LEFT('a')",
    "SELECT DATE_ADD()", "SELECT CAST(1 AS)", "SELECT a FROM t WHERE b IN (SELECT FROM u) AND c = (",
    "SELECT 'unterminated", "SELECT 1; SELECT FROM t", "SELECT 1; SELECT 2",
    "SELECT /*+ INDEX(t idx(( */ * FROM t", "SELECT /*+ INDEX(t idx) */ * FROM t",
    "INSERT INTO t (a, b VALUES (1, 2)", "INSERT INTO t VALUES (1, 2) ON DUPLICATE KEY UPDATE a = VALUES(a)",
    "UPDATE t SET WHERE a = 1", "DELETE FROM t WHERE", "CREATE TABLE t (a int, CONSTRAINT)",
    "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB", "CREATE TABLE foo (id int,)",
    "CREATE TABLE foo (with ordinality)",
    "CREATE OR REPLACE FUNCTION f() RETURNS int AS 'MODULE_PATHNAME', 'f' LANGUAGE C STRICT",
    "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a; SELECT a + $$",
    "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
    "CREATE INDEX ON t USING gin (a gin_trgm_ops) WHERE", "ALTER TABLE users MODIFY COLUMN name varchar(255) NOT NULL",
    "ALTER SEQUENCE s RESTART WITH", "EXPLAIN (ANALYZE, COSTS OFF) SELECT 1", "SELECT TOP 10 * FROM t",
    "SELECT [a] FROM [dbo].[t] WITH (NOLOCK)", "SELECT `a` FROM `t` LIMIT 1, 2",
    "SELECT x::int[] FROM t WHERE y @> ARRAY[1,", "SELECT INTERVAL '1' DAY TO", "SELECT CASE WHEN a THEN 1 ELSE END",
    "WITH a AS (SELECT 1) SELECT * FROM a b c d", "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET",
    "LISTEN 'quoted'", "GRANT SELECT ON t TO", "SELECT COUNT(*) FROM (VALUES (1), (2)) AS f(x) LATERAL",
    "SELECT f(a => 1, b => ) FROM t",
)


def test_sqlglot_stopping_at_the_first_error_answers_as_collecting_them_all() -> None:
    """``_sqlglot_accepts`` parses at ErrorLevel.IMMEDIATE; the answer must be RAISE's on every
    kind of failure (RAISE goes on after an error and raises at the end of the statement)."""
    import logging

    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel, ParseError
    from sqlglot.tokens import TokenType

    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
    statements = tuple(getattr(exp, name) for name in dialect._SQLGLOT_STATEMENTS if hasattr(exp, name))
    seen: set[str] = set()
    for text in SQLGLOT_CASES:
        for name in (dialect.POSTGRES, *dialect.SQLGLOT_DIALECTS):
            try:
                tokens = sqlglot.Dialect.get_or_raise(name).tokenize(text)
                seen.update("hint" for token in tokens if token.token_type == TokenType.HINT)
                trees = [t for t in sqlglot.parse(text, read=name, error_level=ErrorLevel.RAISE) if t is not None]
                raise_accepts = bool(trees) and all(isinstance(t, statements) and t.find(exp.Command) is None
                                                    for t in trees)
                seen.add("accepted" if raise_accepts else "command")
            except ParseError as error:
                raise_accepts = False
                seen.add("several errors" if len(error.errors) > 1 else "one error")
            except Exception as error:  # TokenError, or a crash after RAISE went on past an error
                raise_accepts = False
                seen.add(type(error).__name__)
            assert dialect._sqlglot_accepts(text, name) is raise_accepts, (text, name)
    # the cases exercise what could tell the two levels apart
    assert seen >= {"accepted", "command", "one error", "several errors", "TokenError", "AttributeError", "hint"}


def test_sqlglot_readers_are_not_shared_between_threads() -> None:
    """The LSP server lints in a thread of its own: threads judging at once get the answers one
    thread gets (each thread has its own sqlglot tokenizers and parsers)."""
    from concurrent.futures import ThreadPoolExecutor

    names = (dialect.POSTGRES, *dialect.SQLGLOT_DIALECTS)

    def answers(_: int) -> list[bool]:
        return [dialect._sqlglot_accepts(text, name) for text in SQLGLOT_CASES for name in names]

    alone = answers(0)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: in the middle of every parse
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            together = list(pool.map(answers, range(4)))
    finally:
        sys.setswitchinterval(interval)
    assert together == [alone] * 4


def test_sqlglot_readers_keep_nothing_of_the_last_statement() -> None:
    """The tokenizers and parsers kept for the next statement let go of the last one's text and
    tokens (this statement of 4,000 characters, read by nine dialects, would hold ~4 MiB)."""
    import gc
    import tracemalloc

    values = ", ".join(f"({i}, 'x{i}', now())" for i in range(200))
    long = f"INSERT INTO t (a, b, c) VALUES {values}"[:4000].rsplit(",", 1)[0] + ", ("
    dialect._sqlglot_dialect("SELECT 1 +")  # sqlglot and its dialects loaded before measuring
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        assert dialect._sqlglot_dialect(long) is None  # every reader parses it to the end, then fails
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 256 * 1024


def test_guc_names_cover_what_sessions_set() -> None:
    for name in ("search_path", "statement_timeout", "application_name", "datestyle", "timezone", "role",
                 "transaction_timeout", "idle_in_transaction_session_timeout", "work_mem"):
        assert dialect.is_parameter(name), name
    for name in ("sql_mode", "foreign_key_checks", "cluster", "enable_experimental_alter_column_type_general"):
        assert not dialect.is_parameter(name), name
    assert dialect.is_parameter("app.user_id") and dialect.is_parameter("____")


@pytest.mark.postgres
def test_guc_names_file_is_what_the_script_generates() -> None:
    from .realdb import missing_binaries

    if missing_binaries():
        pytest.skip(missing_binaries())
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gen_guc_names.py"), "--check"],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, "pgpool_lint/data/guc_names.txt is stale: run scripts/gen_guc_names.py"


def test_sqlglot_is_imported_only_when_a_statement_fails_to_parse(tmp_path: Path) -> None:
    probe = ("import sys\nfrom pgpool_lint.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
             "    pass\nprint('sqlglot' in sys.modules, file=sys.stderr)\n")
    (tmp_path / "ok.sql").write_text("SET sql_mode = 'X';\nLISTEN a;\n")
    (tmp_path / "bad.sql").write_text("ALTER TABLE users MODIFY COLUMN name varchar(255) NOT NULL;\n")
    for name, loaded in (("ok.sql", "False"), ("bad.sql", "True")):
        r = subprocess.run([sys.executable, "-c", probe, "check", "--isolated", name], cwd=tmp_path,
                           capture_output=True, timeout=60)
        assert r.stderr.decode().strip().splitlines()[-1] == loaded, (name, r.stderr)


def test_a_file_naming_another_client_beside_a_database_layer_is_still_read(tmp_path: Path) -> None:
    _write(tmp_path, {"export.py": """\
        import sqlite3
        from django.db import connection

        def run():
            with connection.cursor() as cur:
                cur.execute("SET search_path TO reports")
    """})
    code, found, _ = _check(tmp_path, "export.py")
    assert found == [("export.py", 6, 22, "PGB001")] and code == 1


#: T-SQL written for this test in the shape of SQL Server projects' scripts (bracket-quoted names,
#: `@` parameters, no semicolons, `GO` between batches, a BOM)
TSQL_PROCEDURE = ("\ufeffCREATE PROCEDURE [dbo].[Widget_DeleteById]\n    @Id UNIQUEIDENTIFIER\nAS\nBEGIN\n"
                  "    SET NOCOUNT ON\n\n    DELETE FROM [dbo].[Widget] WHERE [Id] = @Id\nEND\n")
TSQL_SCRIPTS = {
    "proc_params.sql": "CREATE PROCEDURE dbo.Widget_Create\n    @Id UNIQUEIDENTIFIER OUTPUT,\n    @Name NVARCHAR(50)\n"
                       "AS\nBEGIN\n    SET NOCOUNT ON\nEND\n",
    "proc_short.sql": "CREATE PROC dbo.Widget_Update\nAS\nSELECT 1\n",
    "create_or_alter.sql": "CREATE OR ALTER VIEW dbo.WidgetView\nAS\nSELECT 1 AS one\n",
    "if_exists.sql": "IF OBJECT_ID('dbo.Widget_Read') IS NOT NULL\nBEGIN\n    DROP PROCEDURE dbo.Widget_Read\nEND\n",
    "batches.sql": "UPDATE widget SET a = 1\nGO\nUPDATE widget SET b = 2\nGO\n",
    "declare.sql": "DECLARE @BatchSize INT = 100;\nSELECT 1;\n",
    "begin_if.sql": "BEGIN\n    IF EXISTS (SELECT 1 FROM sys.foreign_keys WHERE name = 'FK_Widget')\n    BEGIN\n"
                    "        ALTER TABLE dbo.Widget DROP CONSTRAINT FK_Widget\n    END\nEND\n",
    # a folder named after a database and what it holds: SQLite's temporary tables are no PGB005
    "util/SqliteMigrations/2024_widgets.sql": "CREATE TEMPORARY TABLE TempWidgets AS SELECT 1 AS id;\n",
}


def test_tsql_scripts_are_skipped_by_what_postgres_stopped_at(tmp_path: Path) -> None:
    _write(tmp_path, {"Stored Procedures/Widget_DeleteById.sql": TSQL_PROCEDURE, **TSQL_SCRIPTS})
    code, found, err = _check(tmp_path, "--verbose", ".")
    assert (code, found) == (0, [])
    for name, reason in [("Stored Procedures/Widget_DeleteById.sql", "quoting names with brackets"),
                         ("proc_params.sql", "an `@name` variable or parameter"),
                         ("proc_short.sql", "`PROC` for PROCEDURE"), ("create_or_alter.sql", "`CREATE OR ALTER`"),
                         ("if_exists.sql", "`IF ... BEGIN` without THEN"),
                         ("batches.sql", "a `GO` line (the batch separator)"),
                         ("declare.sql", "an `@name` variable or parameter"),
                         ("begin_if.sql", "`IF ... BEGIN` without THEN")]:
        assert f"skipped text in {name}: tsql SQL: {reason} is T-SQL syntax, not PostgreSQL's" in err
    assert "skipped text in util/SqliteMigrations/2024_widgets.sql: sqlite SQL: folder `sqlitemigrations`" in err


def test_postgres_mistakes_near_tsql_shapes_stay_parse_errors(tmp_path: Path) -> None:
    _write(tmp_path, {
        "subscript.sql": "UPDATE t SET (f1[2])[1] = array[98];\n",  # PostgreSQL stops at `[1]`: a subscript
        "plpgsql_cut_loose.sql": "IF x > 0 THEN\n  BEGIN\n  RAISE NOTICE 'x';\nEND IF;\n",  # PL/pgSQL's IF has THEN
        "go_word.sql": "SELECT 1 go 2;\n",  # `go` not alone on its line
    })
    code, found, _ = _check(tmp_path, ".")
    assert code == 1
    assert {(name, rule) for name, _, _, rule in found} == {
        ("go_word.sql", "PGB000"), ("plpgsql_cut_loose.sql", "PGB000"), ("subscript.sql", "PGB000")}


def test_blanks_before_a_symbol_take_linear_time() -> None:
    """``SET`` + a run of blanks + ``=``: the first-words reader once tried every split of the
    run (a 45-byte file did not finish)."""
    from .linear import assert_linear

    assert_linear(lambda n: "SET" + " " * n + "= 1", lambda text: dialect.judge(text, error_at=len(text) - 3), n=2000)


def test_a_psql_script_is_postgresql_and_its_mistakes_are_parse_errors(tmp_path: Path) -> None:
    """psql talks only to PostgreSQL: a file with a line starting with a psql meta-command is
    PostgreSQL, so a statement it rejects is a mistake (PGB000), not another database's SQL,
    and the rest of the file is linted.  Without the meta-command, sqlglot's BigQuery reader
    takes `drop index 314159` (PostgreSQL's own regression test of that error) and the file is
    skipped as BigQuery SQL."""
    body = "drop index 314159;\nLISTEN jobs;\n"
    _write(tmp_path, {
        "script.sql": "\\set ON_ERROR_STOP 0\n" + body,
        "indented.sql": "SELECT 1;\n  \\echo next\n" + body,
        "plain.sql": body,
        "in_string.sql": "SELECT '\n\\set x';\n" + body,  # a backslash inside a string is no command
        "mid_line.sql": "SELECT 'x' \\gset\n" + body,  # nor one after other text on its line
    })
    code, found, err = _check(tmp_path, "--verbose", ".")
    assert code == 1
    assert found == [("indented.sql", 3, 12, "PGB000"), ("indented.sql", 4, 1, "PGB002"),
                     ("script.sql", 2, 12, "PGB000"), ("script.sql", 3, 1, "PGB002")]
    for name in ("plain.sql", "in_string.sql", "mid_line.sql"):
        assert f"skipped text in {name}: bigquery SQL: parses as bigquery SQL, not as PostgreSQL" in err


def test_psql_command_offset_is_that_of_the_first_line_starting_with_one() -> None:
    from pgpool_lint.sql.neutralise import neutral_text

    assert neutral_text("SELECT 1;\n\t \\c db\n\\set x 1\n").psql_command == 12
    assert neutral_text("\\if :x\nSELECT 1;\n\\endif\n").psql_command == 0
    for text in ("SELECT 1;\n", "SELECT 1 \\gset\n", "-- \\set x\nSELECT 1;\n", "/*\n\\set x */ SELECT 1;\n",
                 "SELECT $$\n\\set x\n$$;\n", "SELECT E'\n\\\\set';\n", "\\.\n", "SELECT 1;\n\\ \n"):
        assert neutral_text(text).psql_command is None, text


def test_finding_a_psql_command_takes_linear_time() -> None:
    """Each backslash is walked back to the start of its line once: lines of blanks and
    mid-line backslashes stay linear."""
    from pgpool_lint.sql.neutralise import neutral_text

    from .linear import assert_linear

    assert_linear(lambda n: (" " * 50 + "x \\gset\n") * n, neutral_text, n=2000)


def test_what_importing_sqlglot_builds_is_never_walked_by_the_collector_again():
    """sqlglot is imported (on the first statement the judge asks about) with the collector
    paused, and what it built is frozen: the collections a run makes after it skip those objects."""
    probe = textwrap.dedent("""
        import gc, sys
        from pgpool_lint.sql import dialect
        before = gc.get_freeze_count()
        assert "sqlglot" not in sys.modules
        dialect._sqlglot_accepts("SELECT `a` FROM t", "mysql")
        print(gc.isenabled(), gc.get_freeze_count() - before)
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60)
    enabled, frozen = out.stdout.split()
    assert out.returncode == 0 and enabled == "True" and int(frozen) > 20_000, out.stderr
