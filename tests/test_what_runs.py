"""Issue 17, "know what runs": a string in code is SQL when it reaches an executing call --
directly, through + / format / bytes, through a variable, constant or field of the same file,
in whichever argument position the call takes SQL, or through a function of the same file
whose parameter reaches such a call.  Compared, asserted, mocked and logged strings never are.

Real CLI runs; rule, line, column and exit code asserted.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from .helpers import run_cli


def _found(tmp_path: Path, name: str, code: str) -> tuple[int, list[tuple[int, int, str]]]:
    (tmp_path / name).write_text(textwrap.dedent(code), encoding="utf-8")
    proc = run_cli("check", "--isolated", "--output-format", "json", name, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, sorted((d["location"]["row"], d["location"]["column"], d["code"])
                                   for d in json.loads(proc.stdout))


def test_python_bytes_concatenation_variables_and_position(tmp_path: Path) -> None:
    code, found = _found(tmp_path, "t.py", """\
        def t(pgconn, name, schema, cur, ops, conn):
            pgconn.exec_(b"listen foo")
            stmt = b"DEALLOCATE " + name
            pgconn.exec_(stmt)
            cur.execute("SET search_path TO " + schema + ", public")
            ops.sequence_reset_sql.return_value = ['RESET SEQUENCE']
            cursor.execute.assert_called_once_with('RESET SEQUENCE')
            assert output == 'LISTEN "pgrst"'
            if status == "DISCARD ALL":
                pass
            TestUtil.execute(conn, "SET work_mem = '1GB'")
            log.info("LISTEN %s", name)
    """)
    assert found == [(2, 20, "PGB002"), (3, 14, "PGB004"), (5, 18, "PGB001"), (11, 29, "PGB001")]
    assert code == 1


def test_python_helper_of_the_same_file(tmp_path: Path) -> None:
    _, found = _found(tmp_path, "h.py", """\
        def run_sql(conn, sql, *params):
            with conn.cursor() as cur:
                cur.execute(sql, params)

        def test_listen(conn):
            run_sql(conn, "LISTEN chat")
            run_sql(conn, "SELECT 1")
    """)
    assert found == [(6, 20, "PGB002")]


def test_go_variable_and_helper(tmp_path: Path) -> None:
    _, found = _found(tmp_path, "x_test.go", """\
        package x

        func mustExec(t testing.TB, conn *pgx.Conn, sql string, args ...any) {
        \tif _, err := conn.Exec(context.Background(), sql, args...); err != nil {
        \t\tt.Fatal(err)
        \t}
        }

        func TestX(t *testing.T) {
        \tsql := `create temporary table ledger(id int)`
        \tconn.Exec(ctx, sql)
        \tmustExec(t, conn, "listen chat")
        \tif strings.HasPrefix(s, "LISTEN x") {
        \t}
        }
    """)
    assert found == [(10, 10, "PGB005"), (12, 21, "PGB002")]


def test_java_field_position_and_concatenation(tmp_path: Path) -> None:
    code, found = _found(tmp_path, "T.java", """\
        class T {
          private final String createTab = "create temp table bit_tab (a bit(3))";
          void t(Connection conn, String enc) throws Exception {
            TestUtil.execute(conn, "SET search_path TO a, b");
            TestUtil.execute(conn, "SET password_encryption='" + enc + "'");
            stmt.execute(createTab);
            assertEquals("LISTEN x", s);
            if (status.startsWith("DISCARD ALL")) { }
          }
        }
    """)
    assert found == [(2, 37, "PGB005"), (4, 29, "PGB001"), (5, 29, "PGB001")] and code == 1


def test_typescript_type_arguments_and_comparisons(tmp_path: Path) -> None:
    _, found = _found(tmp_path, "a.ts", """\
        async function f(client: Client) {
          const r = await client.query<{ locked: boolean }>("select pg_try_advisory_lock($1)", [1]);
          if (status.startsWith("DISCARD ALL")) {}
          expect(out).toBe("LISTEN foo");
          if (cmd === "LISTEN bar") {}
        }
    """)
    assert found == [(2, 61, "PGB007")]


def test_ruby_heredoc_with_an_interpolated_clause(tmp_path: Path) -> None:
    _, found = _found(tmp_path, "jobs.rb", """\
        def jobs
          execute <<~SQL
            WITH jobs AS #{materialized} (SELECT id FROM t WHERE pg_try_advisory_lock(id))
            SELECT * FROM jobs
          SQL
        end
    """)
    assert found == [(3, 58, "PGB007")]


def test_messages_quote_an_interpolated_name_as_written(tmp_path: Path) -> None:
    (tmp_path / "d.py").write_text('def f(cur, name):\n    cur.execute("DEALLOCATE " + name)\n')
    proc = run_cli("check", "--isolated", "--output-format", "concise", "d.py", cwd=tmp_path)
    assert "`DEALLOCATE name` acts" in proc.stdout.decode() and "____" not in proc.stdout.decode()


def test_concise_output_says_the_search_path_caveat_once(tmp_path: Path) -> None:
    (tmp_path / "sp.sql").write_text("SET search_path TO a;\nSET search_path TO b;\n")
    proc = run_cli("check", "--isolated", "--output-format", "concise", "sp.sql", cwd=tmp_path)
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 1
    assert lines[0].startswith("sp.sql:1:1: PGB001") and "(safe only with PgBouncer ≥ 1.26" in lines[0]
    assert lines[1].startswith("sp.sql:2:1: PGB001") and lines[1].endswith("another client may inherit it (as above)")


def test_java_concatenated_column_list_and_the_name_as_written(tmp_path: Path) -> None:
    (tmp_path / "T.java").write_text(textwrap.dedent("""\
        class T {
          void t(Statement st, String table, String cols) throws Exception {
            st.executeUpdate("create temp table " + table + " (" + cols + ")");
          }
        }
    """))
    proc = run_cli("check", "--isolated", "--output-format", "concise", "T.java", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.decode().splitlines()[0].startswith(
        "T.java:3:23: PGB005 [temp-table] The temporary table `table` outlives this transaction")


def test_typescript_tag_typed_as_a_postgres_js_client(tmp_path: Path) -> None:
    _, found = _found(tmp_path, "lock.ts", """\
        import type { ReservedSql } from "postgres"
        async function lock(client: ReservedSql, other: Tagger) {
          await client`select pg_advisory_lock(1)`
          await other`select pg_advisory_lock(2)`
        }
    """)
    # lower-case SQL is read only where it is run: `other` is no SQL client
    assert found == [(3, 23, "PGB007")]


def test_python_newer_than_the_interpreter_is_read_not_skipped(tmp_path: Path) -> None:
    """3.12 f-strings nesting quotes and 3.14 t-strings: ast of an older interpreter refuses the
    file, tree-sitter-python reads it with the same rules and exact positions."""
    code, found = _found(tmp_path, "new.py", """\
        def t(cur, name, schema, v, conn):
            \"\"\"SET search_path TO docstring\"\"\"
            cur.execute(f"SET search_path TO {",".join(["a", "b"])}")
            cur.execute(t"LISTEN {name}")
            cur.execute("SELECT pg_advisory_lock(%s)" % v)
            cur.execute(b"listen foo")
            cur.execute("SET work_mem TO " + schema)
            m.return_value = ['RESET SEQUENCE']
            assert out == 'LISTEN "x"'
            if is_crdb(conn):
                cur.execute("SET CLUSTER SETTING x = 1")
            cur.execute("SET application_name = 'caf\\u00e9'; LISTEN after_escape")
    """)
    assert found == [(3, 19, "PGB001"), (4, 19, "PGB002"), (5, 25, "PGB007"), (6, 19, "PGB002"),
                     (7, 18, "PGB001"), (12, 54, "PGB002")]
    assert code == 1


def test_python_broken_in_every_version_is_still_skipped(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text('def f(:\n    cur.execute("LISTEN x")\n')
    proc = run_cli("check", "--isolated", "bad.py", cwd=tmp_path)
    assert proc.returncode == 0 and b"skipped bad.py: not valid python (line 1)" in proc.stderr


def test_helpers_of_the_same_package_are_call_sites(tmp_path: Path) -> None:
    """A Go package's mustExec in helper_test.go, a Python test package's run_sql in conftest.py."""
    (tmp_path / "helper_test.go").write_text(textwrap.dedent("""\
        package x_test

        func mustExec(t testing.TB, conn *pgx.Conn, sql string, arguments ...any) {
        \tif _, err := conn.Exec(context.Background(), sql, arguments...); err != nil {
        \t\tt.Fatalf("exec %q: %v", sql, err)
        \t}
        }
    """))
    (tmp_path / "conn_test.go").write_text('package x_test\n\nfunc TestListen(t *testing.T) {\n'
                                           '\tmustExec(t, conn, "listen chat")\n\tmustExec(t, conn, "select 1")\n}\n')
    (tmp_path / "py" / "unit").mkdir(parents=True)
    (tmp_path / "py" / "conftest.py").write_text("def run_sql(conn, sql, *params):\n"
                                                 "    with conn.cursor() as cur:\n        cur.execute(sql, params)\n")
    (tmp_path / "py" / "test_x.py").write_text('def test_listen(conn):\n    run_sql(conn, "listen chat")\n')
    # pytest shares helpers through the conftest.py of the directories above
    (tmp_path / "py" / "unit" / "test_y.py").write_text('def test_listen(conn):\n    run_sql(conn, "listen more")\n')
    (tmp_path / "other").mkdir()  # another package: its own mustExec is unknown
    (tmp_path / "other" / "x_test.go").write_text('package other\n\nfunc T() {\n\tmustExec(t, conn, "listen chat")\n}\n')
    proc = run_cli("check", "--isolated", "--output-format", "json", ".", cwd=tmp_path)
    found = sorted((d["filename"], d["location"]["row"], d["location"]["column"], d["code"])
                   for d in json.loads(proc.stdout))
    assert found == [("conn_test.go", 4, 21, "PGB002"), ("py/test_x.py", 2, 20, "PGB002"),
                     ("py/unit/test_y.py", 2, 20, "PGB002")]
    assert proc.returncode == 1


def test_a_connection_like_name_is_the_sql_when_no_string_follows(tmp_path: Path) -> None:
    _, found = _found(tmp_path, "t.py", """\
        def f(cur, params):
            t = "SET search_path TO app"
            cur.execute(t, params)
    """)
    assert found == [(2, 10, "PGB001")]


def test_set_config_of_a_parameter_named_at_run_time_reads_well(tmp_path: Path) -> None:
    (tmp_path / "s.sql").write_text("SELECT set_config($1, $2, false);\n")
    proc = run_cli("check", "--isolated", "--output-format", "concise", "s.sql", cwd=tmp_path)
    line = proc.stdout.decode().splitlines()[0]
    assert line.startswith("s.sql:1:8: PGB001 [session-set] `set_config($1, $2, false)` sets a setting named at run "
                           "time for the whole server session")
