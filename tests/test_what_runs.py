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
