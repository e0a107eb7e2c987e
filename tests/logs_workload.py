"""The application run that ``tests/test_logs.py`` lints: real drivers against a real server.

psycopg 3 and asyncpg send what applications send: psycopg a named cursor ``WITH HOLD``,
``SET search_path``, session advisory locks, ``LISTEN`` and SQL-level ``PREPARE``/``EXECUTE``,
plus transaction-scoped statements that are fine behind a pooler; asyncpg its protocol-level
prepared statements (``__asyncpg_stmt_N__``), which must stay silent, and a ``SET`` and an
advisory lock of its own.  ``EXPECTED`` is what linting this run must report, and nothing else.
"""

from __future__ import annotations

import asyncio

#: (rule, statement as the server logs it, text the finding's message quotes,
#:  executions in the log, executions in pg_stat_statements)
EXPECTED = [
    ("PGB001", "SET search_path TO public", "`SET search_path TO public`", 4, 4),  # 3 by psycopg, 1 by asyncpg
    ("PGB007", "SELECT pg_advisory_lock($1)", "`pg_advisory_lock($1)`", 4, 4),  # both drivers bind the key
    ("PGB007", "SELECT pg_advisory_unlock($1)", "`pg_advisory_unlock($1)`", 4, 4),
    ("PGB002", "LISTEN jobs", "`LISTEN jobs`", 3, 3),
    ("PGB003", 'DECLARE "report_0" CURSOR WITH HOLD FOR SELECT g FROM generate_series(1, 5) g WHERE g > $1',
     "Cursor `report_0`", 3, 3),  # three cursor names, one normalized statement
    # pg_stat_statements files both EXECUTEs under the PREPARE text, and never shows EXECUTE
    ("PGB004", "PREPARE lookup AS SELECT $1::int * 2", "`PREPARE lookup`", 1, 2),
    ("PGB004", "EXECUTE lookup(21)", "`EXECUTE lookup`", 2, None),
]
PSYCOPG_APP, ASYNCPG_APP = "billing-psycopg", "worker-asyncpg"
#: the last statement of the run: once it is in a log file, the whole run is
END_MARKER = "SELECT 'pgpool-lint workload done'"


def run_workload(host: str, port: int, user: str, dbname: str) -> None:
    _psycopg_part(host, port, user, dbname)
    asyncio.run(_asyncpg_part(host, port, user, dbname))
    import psycopg

    with psycopg.connect(host=host, port=port, user=user, dbname=dbname, autocommit=True) as conn:
        conn.execute(END_MARKER)


def _psycopg_part(host: str, port: int, user: str, dbname: str) -> None:
    import psycopg

    with psycopg.connect(host=host, port=port, user=user, dbname=dbname, application_name=PSYCOPG_APP) as conn:
        for i in range(3):
            conn.execute("SET search_path TO public")
            conn.execute("SELECT pg_advisory_lock(%s)", (4242,))
            conn.execute("SELECT pg_advisory_unlock(%s)", (4242,))
            conn.execute("LISTEN jobs")
            with conn.cursor(name=f"report_{i}", withhold=True) as cur:
                cur.execute("SELECT g FROM generate_series(1, 5) g WHERE g > %s", (i,))
                cur.fetchall()
            conn.commit()
        # Fine behind a transaction pooler: transaction-scoped settings and locks, NOTIFY,
        # and a query that psycopg prepares at protocol level after 5 runs (prepare_threshold).
        conn.execute("SET LOCAL statement_timeout = '5s'")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (7,))
        conn.execute("SELECT set_config('search_path', %s, true)", ("public",))
        conn.execute("NOTIFY jobs, 'SET search_path TO evil'")
        for i in range(7):
            conn.execute("SELECT %s::int + 1 AS next", (i,))
        conn.commit()
        conn.execute("PREPARE lookup AS SELECT $1::int * 2")
        conn.execute("EXECUTE lookup(21)")
        conn.execute("EXECUTE lookup(21)")
        conn.commit()


async def _asyncpg_part(host: str, port: int, user: str, dbname: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=host, port=port, user=user, database=dbname,
                                 server_settings={"application_name": ASYNCPG_APP})
    try:
        for i in range(3):
            await conn.fetchval("SELECT $1::int + 1", i)  # __asyncpg_stmt_N__: silent
        statement = await conn.prepare("SELECT $1::text AS label")  # explicit protocol-level prepare
        await statement.fetch("x")
        await conn.execute("SET search_path TO public")  # no arguments: simple protocol
        await conn.execute("SELECT pg_advisory_lock($1)", 4242)
        await conn.execute("SELECT pg_advisory_unlock($1)", 4242)
    finally:
        await conn.close()
