"""Observe what SQL leaves behind on, or takes away from, a pooled PgBouncer server connection.

The method of pooling-semantics.md §8: PgBouncer in transaction mode with ONE server connection,
so two clients share it.  SQL is cut into *steps* — a statement, or a whole ``BEGIN ...
COMMIT|ROLLBACK`` block: the unit a transaction pooler hands out — and each step runs alone, on
a fresh server connection (the previous backend is terminated), twice:

- clean run: client B snapshots the connection's session state, client A runs the step,
  client B snapshots again.  New or changed state = what the step **leaks** to other clients.
- planted run: client B first plants session state of every kind (``PLANT`` plus the case's
  ``session_setup``), then the same.  Planted state that is gone or changed = what the step
  **destroys** for another client.

A step that fails on a clean connection but succeeds where another client's session state
was planted **depends** on session state (``EXECUTE`` of a prepared statement, §8.5).  Before
each run the database is reset (schema ``public``, extra roles and databases, ``ALTER SYSTEM``),
the case's ``setup`` runs, and the steps before this one run over a direct connection: their
objects exist, their session state stays elsewhere — as under pooling.

Session state compared (``Snapshot``): parameters set at session level (``pg_settings`` where
``source = 'session'``; for parameters PgBouncer re-applies per client, and for the
per-transaction ``transaction_*`` ones, only the value client B sees), custom parameters
(``current_setting(name, true)`` for every ``a.b`` word in the SQL; they never appear in
``pg_settings``), ``current_user`` / ``session_user``, ``pg_prepared_statements``,
``pg_cursors``, ``pg_listening_channels()``, relations and functions in the backend's temporary
schema, advisory locks held by the backend (``pg_locks``), whether ``lastval()`` is defined
(destroyable only: defining it harms no one), and shared libraries mapped into the backend
(``/proc/<pid>/maps``) that no function in the database would load on demand — a ``LOAD``ed
library, as opposed to a C extension any connection loads by itself when one of its
functions is called.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .realdb import Bouncer, Postgres

# What client B plants before a planted run: one item of every kind of session state.
PLANTED_ROLE = "pgpool_planted_role"
PLANT = (
    f"SET ROLE {PLANTED_ROLE}",
    "SET search_path = pgpool_planted, public",
    "SET statement_timeout = '4321s'",
    "SET lock_timeout = '4321s'",
    "SET work_mem = '4321kB'",
    "SELECT set_config('pgpool.planted', 'yes', false)",
    "PREPARE pgpool_planted AS SELECT 1",
    "DECLARE pgpool_planted CURSOR WITH HOLD FOR SELECT 1",
    "LISTEN pgpool_planted",
    "CREATE TEMP TABLE pgpool_planted (id int)",
    "SELECT pg_advisory_lock(4321), pg_advisory_lock_shared(4322)",
    "CREATE TEMP SEQUENCE pgpool_planted_seq",
    "SELECT nextval('pgpool_planted_seq')",  # defines lastval() and currval() for the session
)
PLANTED_CUSTOM = ("pgpool.planted",)

# PostgreSQL assigns these afresh at the start of every transaction: only their value counts.
_PER_TRANSACTION = ("transaction_isolation", "transaction_read_only", "transaction_deferrable")
_CUSTOM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*")
_OPENS = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_CLOSES = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"}


# --- splitting --------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One unit a transaction pooler hands out: a statement, or a BEGIN ... COMMIT block."""

    statements: tuple[str, ...]
    start: int  # character offsets into the SQL text
    end: int

    @property
    def text(self) -> str:
        return ";\n".join(self.statements)


def _parse(sql: str) -> list[dict[str, Any]]:
    from pglast.parser import parse_sql_json

    return json.loads(parse_sql_json(sql)).get("stmts", [])


def statements(sql: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each top-level statement, character offsets, by libpg_query."""
    from pglast.parser import split

    return [(s.start, s.stop, sql[s]) for s in split(sql, with_parser=True, only_slices=True)]


def steps(sql: str) -> list[Step]:
    """Group top-level statements into what runs as one transaction in autocommit."""
    result: list[Step] = []
    block: list[tuple[int, int, str]] = []
    for start, end, text in statements(sql):
        (tree,) = _parse(text)
        transaction_stmt = tree["stmt"].get("TransactionStmt", {})
        kind = transaction_stmt.get("kind")
        if block or kind in _OPENS:
            block.append((start, end, text))
            if kind in _CLOSES and not transaction_stmt.get("chain"):  # COMMIT AND CHAIN opens the next
                result.append(Step(tuple(t for _, _, t in block), block[0][0], block[-1][1]))
                block = []
        else:
            result.append(Step((text,), start, end))
    if block:  # a block the SQL never closes: the harness rolls it back
        result.append(Step(tuple(t for _, _, t in block), block[0][0], block[-1][1]))
    return result


def custom_parameter_names(*sqls: str) -> tuple[str, ...]:
    """Every ``a.b`` word in the SQL (also inside DO bodies and strings): the custom parameters
    worth probing.  This only chooses what to observe; the observation decides."""
    names: set[str] = set(PLANTED_CUSTOM)
    for sql in sqls:
        names.update(m.group(0).lower() for m in _CUSTOM_NAME.finditer(sql or ""))
    return tuple(sorted(names))


# --- observing --------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    pid: int
    items: frozenset[tuple[str, ...]]  # (kind, name, value...) — one tuple per piece of state


@dataclass
class Run:
    planted: bool
    before: Snapshot
    after: Snapshot
    error: str | None  # first error client A got ("SQLSTATE: message"), or None

    @property
    def added(self) -> set[tuple[str, ...]]:
        return set(self.after.items - self.before.items)

    @property
    def removed(self) -> set[tuple[str, ...]]:
        return set(self.before.items - self.after.items)


@dataclass
class StepResult:
    step: Step
    clean: Run
    planted: Run
    findings: list[str] = field(default_factory=list)

    @property
    def leaks(self) -> set[tuple[str, ...]]:
        # A defined lastval() harms only a later statement that reads it, and that statement
        # shows up as depending on session state: defining it is not a leak.
        return {item for item in self.clean.added if item[0] != "lastval"}

    @property
    def destroys(self) -> set[tuple[str, ...]]:
        return self.planted.removed

    @property
    def depends_on_session_state(self) -> bool:
        return self.clean.error is not None and self.planted.error is None

    @property
    def harmful(self) -> bool:
        return bool(self.leaks or self.destroys or self.depends_on_session_state)

    @property
    def harmless(self) -> bool:
        return self.clean.error is None and not self.leaks and not self.destroys

    def describe(self) -> str:
        lines = [f"step: {self.step.text!r}"]
        lines.append(f"  clean run:   error={self.clean.error}; leaks={sorted(self.leaks)}")
        lines.append(f"  planted run: error={self.planted.error}; destroys={sorted(self.destroys)}")
        return "\n".join(lines)


class Probe:
    """Runs SQL through PgBouncer (transaction mode, one server connection) and observes it."""

    def __init__(self, pg: Postgres, bouncer: Bouncer) -> None:
        if bouncer.pool_size != 1 or bouncer.pool_mode != "transaction":
            raise ValueError("the probe needs pool_mode=transaction and one server connection")
        self.pg, self.bouncer = pg, bouncer
        self._admin = pg.connect()
        self._pkglibdir = self._admin.execute(
            "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'").fetchone()[0]
        if not self._admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (PLANTED_ROLE,)).fetchone():
            self._admin.execute(f"CREATE ROLE {PLANTED_ROLE} SUPERUSER")
        self._roles = {r for (r,) in self._admin.execute("SELECT rolname FROM pg_roles")}
        self._databases = {d for (d,) in self._admin.execute("SELECT datname FROM pg_database")}
        self._last_pid: int | None = None

    def close(self) -> None:
        self._fresh_server_connection()
        self._reset_database("")
        self._admin.close()

    # -- the one public operation --

    def run(self, sql: str, setup: str = "", session_setup: str = "", in_transaction: bool = False) -> list[StepResult]:
        """Each step of ``sql``, run alone on fresh server connections, clean and planted.

        ``in_transaction``: the SQL runs inside one transaction (a migration tool wraps it),
        so it is one step, ``BEGIN; <sql>; COMMIT``.
        """
        probe_names = custom_parameter_names(sql, session_setup)
        results = []
        plant = PLANT + tuple(t for _, _, t in statements(session_setup))
        if in_transaction:
            all_steps = [Step(("BEGIN", *(t for _, _, t in statements(sql)), "COMMIT"), 0, len(sql))]
        else:
            all_steps = steps(sql)
        for i, step in enumerate(all_steps):
            context = all_steps[:i]
            clean = self._run_step(step, setup, context, (), probe_names)
            planted = self._run_step(step, setup, context, plant, probe_names)
            results.append(StepResult(step, clean, planted))
        return results

    def run_plain(self, sql: str, bouncer: Bouncer, setup: str = "") -> list[tuple[Step, str | None]]:
        """Each step through ``bouncer`` (any pool mode) from a new client: the error it got, if any."""
        results = []
        for step in steps(sql):
            self._reset_database(setup)
            with bouncer.connect() as client:
                results.append((step, self._execute(client, step)))
        return results

    # -- pieces --

    def _run_step(self, step: Step, setup: str, context: list[Step], plant: tuple[str, ...],
                  probe_names: tuple[str, ...]) -> Run:
        self._fresh_server_connection()
        self._reset_database(setup)
        if context:
            # The steps before this one ran earlier, on whatever connection: their objects
            # (tables, functions) exist, their session state stays on another connection.
            with self.pg.connect() as elsewhere:
                for earlier in context:
                    self._execute(elsewhere, earlier)
        # Both clients send application_name at startup, as psql and JDBC do: PgBouncer
        # re-applies application_name only for clients that sent one (§8.2).
        with self.bouncer.connect(application_name="pgpool-probe-b") as client_b, \
                self.bouncer.connect(application_name="pgpool-probe-a") as client_a:
            for sql in plant:
                client_b.execute(sql)
            before = self._snapshot(client_b, probe_names)
            self._last_pid = before.pid
            (pid_a,) = client_a.execute("SELECT pg_backend_pid()").fetchone()
            if pid_a != before.pid:
                raise AssertionError(f"clients A and B are on different server connections ({pid_a}, {before.pid})")
            error = self._execute(client_a, step)
            after = self._snapshot(client_b, probe_names)
            if after.pid != before.pid:
                raise AssertionError(f"server connection changed during the step ({before.pid} → {after.pid})")
        return Run(planted=bool(plant), before=before, after=after, error=error)

    @staticmethod
    def _execute(client, step: Step) -> str | None:
        import psycopg
        from psycopg.pq import TransactionStatus

        error = None
        for sql in step.statements:
            try:
                client.execute(sql)
            except psycopg.Error as exc:
                error = error or f"{exc.sqlstate}: {str(exc).strip().splitlines()[0]}"
                if len(step.statements) == 1:
                    break
        if client.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
            client.execute("ROLLBACK")  # release the server connection: never leave B waiting
        return error

    def _snapshot(self, client, probe_names: tuple[str, ...]) -> Snapshot:
        import psycopg

        tracked = sorted(self.bouncer.tracked_parameters)
        items: set[tuple[str, ...]] = set()
        with client.transaction():  # one transaction: every query sees the same server connection
            pid, current_user, session_user = client.execute(
                "SELECT pg_backend_pid(), current_user, session_user").fetchone()
            items.add(("role", "current_user", current_user))
            items.add(("role", "session_user", session_user))
            value_only = tracked + list(_PER_TRANSACTION)
            for name, setting, source in client.execute(
                    "SELECT lower(name), setting, source FROM pg_settings"
                    " WHERE source = 'session' OR lower(name) = ANY(%s)", (value_only,)):
                # PgBouncer re-applies its tracked parameters for client B with SET (source
                # 'session'): for those only the value B ends up with counts.
                if name in value_only:
                    items.add(("parameter", name, setting))
                else:
                    items.add(("parameter", name, setting, source))
            for name, value in client.execute(
                    "SELECT n, current_setting(n, true) FROM unnest(%s::text[]) AS n", (list(probe_names),)):
                # SET LOCAL / set_config(.., true) leave an empty placeholder behind: '' is "unset" (§8.6).
                if value:
                    items.add(("custom parameter", name, value))
            items.update(("prepared statement", n) for (n,) in client.execute("SELECT name FROM pg_prepared_statements"))
            items.update(("cursor", n) for (n,) in client.execute("SELECT name FROM pg_cursors"))
            items.update(("listen", n) for (n,) in client.execute("SELECT pg_listening_channels()"))
            client.execute("SAVEPOINT lastval")
            try:
                client.execute("SELECT lastval()")
                items.add(("lastval", "defined"))
            except psycopg.errors.ObjectNotInPrerequisiteState:  # 55000: not yet defined in this session
                pass
            except psycopg.errors.InsufficientPrivilege:  # defined, for a sequence B's role cannot read
                items.add(("lastval", "defined"))
            client.execute("ROLLBACK TO SAVEPOINT lastval")
            items.update(("temporary relation", n, k) for n, k in client.execute(
                "SELECT relname, relkind::text FROM pg_class WHERE relnamespace = pg_my_temp_schema()"))
            items.update(("temporary function", n) for (n,) in client.execute(
                "SELECT proname FROM pg_proc WHERE pronamespace = pg_my_temp_schema()"))
            items.update(("advisory lock", *(str(v) for v in row)) for row in client.execute(
                "SELECT classid, objid, objsubid, mode FROM pg_locks"
                " WHERE locktype = 'advisory' AND pid = pg_backend_pid()"))
            mapped = self._mapped_libraries(pid)
            if mapped:
                on_demand = {Path(p.replace("$libdir/", "")).stem for (p,) in client.execute(
                    "SELECT DISTINCT probin FROM pg_proc WHERE probin IS NOT NULL")}
                items.update(("library", lib) for lib in mapped - on_demand)
        return Snapshot(pid=pid, items=frozenset(items))

    def _mapped_libraries(self, pid: int) -> set[str]:
        """PostgreSQL modules (``$libdir/*.so``) mapped into a backend."""
        prefix = self._pkglibdir.rstrip("/") + "/"
        libs = set()
        for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
            path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
            if path.startswith(prefix) and path.endswith(".so"):
                libs.add(Path(path).stem)
        return libs

    def _fresh_server_connection(self) -> None:
        """End the server connection the last run used; PgBouncer opens a new one for the next."""
        if self._last_pid is None:
            return
        pid, self._last_pid = self._last_pid, None
        self._admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        # Gone from pg_stat_activity only after it released its locks (polled: the built-in
        # wait of pg_terminate_backend sleeps in 100 ms steps).
        while self._admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            if time.monotonic() > deadline:
                raise RuntimeError(f"backend {pid} did not exit")
            time.sleep(0.001)

    def _reset_database(self, setup: str) -> None:
        """Drop what earlier runs created (objects, roles, databases, ALTER SYSTEM), then run ``setup``."""
        admin = self._admin
        admin.execute("DROP SCHEMA public CASCADE")
        admin.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")  # as initdb makes it
        admin.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
        admin.execute("ALTER SYSTEM RESET ALL")
        for (name,) in admin.execute("SELECT datname FROM pg_database").fetchall():
            if name not in self._databases:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        for (name,) in admin.execute("SELECT rolname FROM pg_roles").fetchall():
            if name not in self._roles:
                admin.execute(f'DROP OWNED BY "{name}" CASCADE')
                admin.execute(f'DROP ROLE "{name}"')
        for _, _, sql in statements(setup or ""):
            admin.execute(sql)
