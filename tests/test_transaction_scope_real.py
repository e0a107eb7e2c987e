"""The claims behind no-effect-outside-transaction (PGB011) and plpgsql-session-state (PGB015),
checked on a real PostgreSQL: each statement the linter flags is run as a user would run it,
and the next statement shows whether its effect is still there.  The linter's verdict on the
same SQL is asserted next to the server's behaviour, so the two cannot drift apart."""

from __future__ import annotations

import pytest

from .helpers import linter_for_case

pytestmark = pytest.mark.postgres

#: statement the linter flags outside a transaction block, and a query that shows its effect
NO_EFFECT = [
    ("SET LOCAL work_mem = '7MB'", "SELECT current_setting('work_mem') = '7MB'"),
    ("SELECT set_config('app.pgb011', 'on', true)", "SELECT current_setting('app.pgb011', true) = 'on'"),
    ("SELECT pg_advisory_xact_lock(4011)",
     "SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 4011 AND pid = pg_backend_pid()"),
    ("CREATE TEMP TABLE pgb011_scratch (a int) ON COMMIT DROP", "SELECT to_regclass('pgb011_scratch') IS NOT NULL"),
]


def codes(sql: str, **config) -> list[str]:
    return [d.code for d in linter_for_case({"config": config}).lint_text(sql, "case.sql")]


@pytest.mark.parametrize("statement,probe", NO_EFFECT, ids=[s.split("(")[0][:30] for s, _ in NO_EFFECT])
def test_flagged_outside_a_block_because_the_effect_is_gone_by_the_next_statement(real_postgres, statement, probe):
    with real_postgres.connect() as conn:  # autocommit: every statement is its own transaction
        conn.execute(statement)
        assert conn.execute(probe).fetchone()[0] is False
        with conn.transaction():  # the same statement inside BEGIN ... COMMIT does what it says
            conn.execute(statement)
            assert conn.execute(probe).fetchone()[0] is True
    assert codes(statement + ";") == ["PGB011"]
    assert "PGB011" not in codes(f"BEGIN;\n{statement};\n{probe};\nCOMMIT;")


def test_one_multi_statement_query_is_one_implicit_transaction(real_postgres):
    """Why golang-migrate (the whole file as one query) defaults to assume-in-transaction."""
    with real_postgres.connect() as conn:
        conn.execute("SET LOCAL work_mem = '7MB'; CREATE TEMP TABLE pgb011_implicit (a int) ON COMMIT DROP; "
                      "INSERT INTO pgb011_implicit VALUES (1)")  # would fail if the table were already gone
        assert conn.execute("SELECT current_setting('work_mem')").fetchone()[0] != "7MB"
    assert codes("SET LOCAL work_mem = '7MB';", **{"migration-tool": "golang-migrate"}) == []


def test_function_set_clause_does_not_scope_a_plain_set_in_the_body(real_postgres):
    """PGB015 flags a plain SET in a body even when the function has a SET clause for it."""
    body = ("CREATE OR REPLACE FUNCTION pgb015_f() RETURNS void LANGUAGE plpgsql SET work_mem = '9MB' AS $$\n"
            "BEGIN\n  SET work_mem = '11MB';\nEND $$")
    local = body.replace("pgb015_f", "pgb015_g").replace("SET work_mem = '11MB'", "SET LOCAL work_mem = '11MB'")
    with real_postgres.connect() as conn:
        conn.execute(body)
        conn.execute(local)
        before = conn.execute("SHOW work_mem").fetchone()[0]
        conn.execute("SELECT pgb015_g()")
        assert conn.execute("SHOW work_mem").fetchone()[0] == before  # SET LOCAL: scoped to the call
        conn.execute("SELECT pgb015_f()")
        assert conn.execute("SHOW work_mem").fetchone()[0] == "11MB"  # plain SET: outlives the call
        conn.execute("RESET work_mem")
        conn.execute("DROP FUNCTION pgb015_f(), pgb015_g()")
    assert codes(body + ";") == ["PGB015"]
    assert codes(local + ";") == []


def test_rolled_back_do_block_keeps_its_advisory_lock_but_not_its_setting(real_postgres):
    sql = "DO $$ BEGIN SET work_mem = '13MB'; PERFORM pg_advisory_lock(4015); END $$"
    with real_postgres.connect() as conn:
        with pytest.raises(Exception):
            with conn.transaction():
                conn.execute(sql)
                raise RuntimeError("roll back")
        assert conn.execute("SHOW work_mem").fetchone()[0] != "13MB"
        held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4015 AND pid = pg_backend_pid()"
        assert conn.execute(held).fetchone()[0] == 1
        conn.execute("SELECT pg_advisory_unlock_all()")
    findings = linter_for_case({}).lint_text(f"BEGIN;\n{sql};\nROLLBACK;", "case.sql")
    assert [(d.code, d.location) for d in findings] == [("PGB015", (2, 44))]
