"""Which calls send SQL: the built-in list per host language, and the configured one.

An entry is a function or method name (``execute``) or a dotted tail (``op.execute``,
``sa.text``): it matches a call whose dotted callee path ends with it, on a name boundary.
The first string argument of a matching call is SQL (``db.Exec(ctx, "...")``,
``jdbcTemplate.query("...", mapper)``); a tagged template whose tag matches is SQL too
(postgres.js ``sql`...```, ``prisma.$queryRaw`...```).

Config: ``sql-call-sites`` replaces the built-in list (for every language),
``extend-sql-call-sites`` adds to it.
"""

from __future__ import annotations

from typing import Iterable, Optional

DEFAULT_CALL_SITES: dict[str, tuple[str, ...]] = {
    # DB-API cursors and connections (psycopg, asyncpg, pg8000), SQLAlchemy, Alembic, Django
    "python": (
        "execute", "executemany", "executescript", "exec_driver_sql", "mogrify", "copy_expert",
        "text", "sql.SQL", "RunSQL", "raw", "fetch", "fetchrow", "fetchval", "op.execute",
    ),
    # node-postgres, pg-promise, postgres.js, Knex, Sequelize, TypeORM, Prisma, Slonik, Kysely
    "javascript": (
        "query", "execute", "raw", "unsafe", "none", "any", "one", "oneOrNone", "many", "manyOrNone",
        "result", "multi", "sql", "SQL", "$executeRaw", "$queryRaw", "$executeRawUnsafe",
        "$queryRawUnsafe", "Prisma.sql", "sequelize.query", "queryRunner.query",
    ),
    # ActiveRecord (migrations: execute inside up/change/reversible), pg gem, Sequel
    "ruby": (
        "execute", "exec_query", "exec_update", "exec_insert", "exec_delete", "select_all", "select_one",
        "select_value", "select_values", "select_rows", "find_by_sql", "count_by_sql", "exec",
        "exec_params", "async_exec", "sync_exec", "prepare", "send_query",
    ),
    # database/sql, pgx, sqlx; goose and golang-migrate Go migrations go through tx.Exec
    "go": (
        "Exec", "ExecContext", "Query", "QueryContext", "QueryRow", "QueryRowContext", "Prepare",
        "PrepareContext", "MustExec", "MustExecContext", "Queryx", "QueryxContext", "QueryRowx",
        "QueryRowxContext", "Select", "SelectContext", "Get", "GetContext", "NamedExec",
        "NamedExecContext", "NamedQuery", "SendBatch", "Queue",
    ),
    # JDBC (Flyway Java migrations get a Connection), Spring JdbcTemplate, JPA native queries
    "java": (
        "execute", "executeQuery", "executeUpdate", "executeLargeUpdate", "prepareStatement",
        "prepareCall", "addBatch", "query", "queryForObject", "queryForList", "queryForMap",
        "queryForRowSet", "queryForStream", "update", "batchUpdate", "createNativeQuery",
    ),
}
DEFAULT_CALL_SITES["typescript"] = DEFAULT_CALL_SITES["javascript"]

#: calls whose string arguments are messages for people, never SQL
MESSAGE_CALLS = frozenset({
    "debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "trace",
    "print", "println", "printf", "puts", "echo", "secho", "alert", "confirm", "gettext", "ngettext",
    "gettext_lazy", "pgettext", "_", "t", "i18n", "Errorf", "Error", "New", "Println", "Printf",
    "Print", "Fatalf", "Fatal", "Panicf", "Panic", "Warnf", "Infof", "Debugf", "Errorw", "Infow",
    "assert", "assertEqual", "fail", "raise", "flash", "write", "writeln", "say",
})
#: call sites whose strings are pieces of SQL composed later (psycopg ``sql.SQL("... {}")``):
#: ``{}`` fields are holes and a piece is never a whole statement (no parse errors)
COMPOSED_PIECES = frozenset({"SQL"})
_MESSAGE_SUFFIXES = ("Error", "Exception", "Warning")


def is_message_call(name: str) -> bool:
    """A logging, printing, translation or exception-building call (by its last name)."""
    return name in MESSAGE_CALLS or name.endswith(_MESSAGE_SUFFIXES)


class CallSites:
    def __init__(self, entries: Iterable[str]) -> None:
        self.names: set[str] = set()
        self.tails: list[tuple[str, ...]] = []
        for entry in entries:
            parts = tuple(p for p in entry.strip().split(".") if p)
            if len(parts) == 1:
                self.names.add(parts[0])
            elif parts:
                self.tails.append(parts)

    def matches(self, path: tuple[str, ...]) -> bool:
        """Whether the callee ``path`` (``("op", "execute")``) is a SQL call site."""
        if not path:
            return False
        if path[-1] in self.names:
            return True
        return any(len(path) >= len(t) and path[-len(t):] == t for t in self.tails)


def call_sites_for(language: str, replace: Optional[Iterable[str]], extend: Iterable[str]) -> CallSites:
    base = list(replace) if replace is not None else list(DEFAULT_CALL_SITES.get(language, ()))
    return CallSites(base + list(extend))
