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

import re
from typing import Iterable, Optional

DEFAULT_CALL_SITES: dict[str, tuple[str, ...]] = {
    # DB-API cursors and connections (psycopg, asyncpg, pg8000), SQLAlchemy, Alembic, Django
    "python": (
        "execute", "executemany", "executescript", "exec_driver_sql", "mogrify", "copy_expert",
        "text", "sql.SQL", "RunSQL", "raw", "fetch", "fetchrow", "fetchval", "op.execute",
        "exec_", "send_query",  # psycopg 3 pq.PGconn
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
    # Ecto migrations and repos, Ecto.Adapters.SQL, Postgrex
    "elixir": (
        "execute", "Repo.query", "Repo.query!", "repo.query", "repo.query!", "Repo.query_many",
        "Repo.query_many!", "SQL.query", "SQL.query!", "SQL.query_many", "SQL.query_many!", "SQL.stream",
        "Postgrex.query", "Postgrex.query!", "Postgrex.prepare", "Postgrex.prepare!", "Postgrex.prepare_execute",
        "Postgrex.prepare_execute!", "Postgrex.stream",
    ),
    # PDO, the pgsql extension, Laravel's DB facade, Doctrine DBAL and migrations
    "php": (
        "exec", "query", "prepare", "pg_query", "pg_query_params", "pg_send_query", "pg_send_query_params",
        "pg_prepare", "pg_send_prepare", "statement", "unprepared", "affectingStatement", "DB.select",
        "DB.selectOne", "DB.insert", "DB.update", "DB.delete", "DB.scalar", "DB.cursor", "executeStatement",
        "executeQuery", "executeUpdate", "fetchAllAssociative", "fetchAssociative", "fetchOne", "fetchFirstColumn",
        "fetchAllNumeric", "fetchNumeric", "iterateAssociative", "addSql",
    ),
    # Npgsql, Dapper, EF Core (raw SQL, migrations), FluentMigrator
    "csharp": (
        "NpgsqlCommand", "NpgsqlBatchCommand", "CommandDefinition", "Execute", "ExecuteAsync", "ExecuteScalar",
        "ExecuteScalarAsync", "ExecuteReader", "ExecuteReaderAsync", "Query", "QueryAsync", "QueryFirst",
        "QueryFirstAsync", "QueryFirstOrDefault", "QueryFirstOrDefaultAsync", "QuerySingle", "QuerySingleAsync",
        "QuerySingleOrDefault", "QuerySingleOrDefaultAsync", "QueryMultiple", "QueryMultipleAsync",
        "ExecuteSqlRaw", "ExecuteSqlRawAsync", "ExecuteSql", "ExecuteSqlAsync", "ExecuteSqlInterpolated",
        "ExecuteSqlInterpolatedAsync", "FromSqlRaw", "FromSql", "FromSqlInterpolated", "SqlQueryRaw", "SqlQuery",
        "migrationBuilder.Sql", "Execute.Sql",
    ),
    # sqlx (functions and macros), tokio-postgres / postgres, diesel, SeaORM
    "rust": (
        "query", "query_as", "query_scalar", "query_with", "query_as_with", "query_scalar_with", "raw_sql",
        "query_unchecked", "query_as_unchecked", "query_scalar_unchecked", "execute", "batch_execute",
        "simple_query", "query_one", "query_opt", "query_raw", "prepare", "prepare_typed", "prepare_cached",
        "sql_query", "execute_unprepared", "from_string", "from_sql_and_values", "copy_in", "copy_out",
    ),
}
# JDBC as in Java, Exposed's exec, R2DBC statements
DEFAULT_CALL_SITES["kotlin"] = DEFAULT_CALL_SITES["java"] + ("exec", "createStatement")
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


#: calls whose string arguments are compared or matched, never run (``status.startsWith("DISCARD ALL")``),
#: and test assertions and mock set-ups (``assert_called_once_with('RESET SEQUENCE')``)
COMPARISON_CALLS = frozenset({
    "startsWith", "endsWith", "equals", "equalsIgnoreCase", "contains", "includes", "startswith", "endswith",
    "start_with?", "end_with?", "include?", "match", "matches", "match?", "indexOf", "index", "find", "rfind",
    "count", "replace", "replaceAll", "split", "strip", "HasPrefix", "HasSuffix", "Contains", "EqualFold",
    "Equal", "Equals", "toBe", "toEqual", "toStrictEqual", "toContain", "toMatch", "toHaveBeenCalledWith",
    "toHaveBeenLastCalledWith", "eq", "eql", "to", "not_to", "called_with", "has_calls", "Same", "Regexp",
})
_ASSERTION_PREFIXES = ("assert", "expect", "refute", "verify", "should")


#: a leading argument named like a connection, transaction, test handle or context comes before
#: the SQL: ``TestUtil.execute(conn, "SET ...")``, ``mustExec(t, conn, "listen chat")``
CONNECTION_NAME = re.compile(r"(?i)(?:conn\w*|con|connection\w*|c|db\w*|tx\w*|t|tb|b|session|sess|client|pool|"
                             r"cur|cursor|stmt|st|statement|dbh|pg\w*|querier|runner|executor|ds|datasource|"
                             r"self|this|handle|h|q|jdbc\w*|template|ctx)")


def is_message_call(name: str) -> bool:
    """A logging, printing, translation or exception-building call, a comparison or a test
    assertion (by its last name): its string arguments are never SQL that runs."""
    return (name in MESSAGE_CALLS or name.endswith(_MESSAGE_SUFFIXES) or name in COMPARISON_CALLS
            or name.startswith(_ASSERTION_PREFIXES))


class CallSites:
    def __init__(self, entries: Iterable[str]) -> None:
        self.names: set[str] = set()
        self.tails: list[tuple[str, ...]] = []
        #: functions of the same package that hand a parameter on to a SQL call -> its position
        #: (``mustExec(t, conn, sql)`` -> 2); found by the host readers, see ``sources.package_helpers``
        self.helpers: dict[str, int] = {}
        for entry in entries:
            parts = tuple(p for p in entry.strip().split(".") if p)
            if len(parts) == 1:
                self.names.add(parts[0])
            elif parts:
                self.tails.append(parts)

    def with_helpers(self, helpers: dict[str, int]) -> "CallSites":
        """These call sites, knowing ``helpers`` too (a copy: the cached object stays as it is)."""
        out = CallSites(())
        out.names, out.tails = self.names, self.tails
        out.helpers = {**helpers, **self.helpers}
        return out

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
