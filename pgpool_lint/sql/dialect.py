"""Is this text PostgreSQL?  Telling PostgreSQL with a mistake from another database's SQL.

pglast (libpg_query) stays the judge of what PostgreSQL accepts.  When it rejects a
statement, that is a finding (PGB000) only if the text is PostgreSQL with a mistake; text
written for another database, or no SQL at all, is skipped and counted (``--verbose``,
``--statistics``).  The evidence, strongest first:

1. the user's ``dialects`` config (glob -> dialect; ``"postgres"`` forces linting);
2. the repository: a folder or a dotted file-name part naming another database
   (``db/mysql/``, ``dialects/cockroachdb/``, ``schema.sqlite.sql``);
3. the code file: the driver or client it names (``client: 'mysql'``, ``import sqlite3``)
   and the branch a string sits in (``if is_crdb(conn):``), found by the host readers;
4. sqlglot: another dialect's reader accepts the statement while sqlglot's own PostgreSQL
   reader refuses it (sqlglot reads every dialect leniently, so both accepting says nothing).
   Not asked about a psql script (a line starting with ``\\set``, ``\\c``, ...): psql talks
   only to PostgreSQL, so what PostgreSQL rejects there is a mistake (``engine``);
5. text that does not start like SQL at all (``1 up``) is not SQL.

PostgreSQL itself says more: ``SET name = ...`` of a name without a dot that it does not know
fails on the server (``data/guc_names.txt``), so it leaves nothing behind (``is_parameter``).

sqlglot is imported only when a statement fails to parse (start-up stays fast).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from ..core.cache import ClearingCache
from ..core.collector import paused_then_frozen
from ..core.lazyre import lazy_re

POSTGRES = "postgres"

#: a statement that starts with one of these words is SQL-shaped (the heuristic's first test)
SQL_FIRST_WORDS = frozenset({
    "abort", "alter", "analyze", "begin", "call", "checkpoint", "close", "cluster", "comment", "commit",
    "copy", "create", "deallocate", "declare", "delete", "discard", "do", "drop", "end", "execute",
    "explain", "fetch", "grant", "import", "insert", "listen", "load", "lock", "merge", "move", "notify",
    "prepare", "reassign", "refresh", "reindex", "release", "reset", "revoke", "rollback", "savepoint",
    "security", "select", "set", "show", "start", "table", "truncate", "unlisten", "update", "vacuum",
    "values", "with",
})

#: folder names and file-name parts -> the database they name (what sqlglot calls it, when it knows it)
NAMED_DIALECTS = {
    "mysql": "mysql", "mariadb": "mysql", "tidb": "mysql", "vitess": "mysql", "planetscale": "mysql",
    "singlestore": "mysql", "sqlite": "sqlite", "sqlite3": "sqlite", "turso": "sqlite", "libsql": "sqlite",
    "d1": "sqlite", "clickhouse": "clickhouse", "crdb": "cockroachdb", "cockroach": "cockroachdb",
    "cockroachdb": "cockroachdb", "spanner": "spanner", "bigquery": "bigquery", "mssql": "tsql",
    "sqlserver": "tsql", "tsql": "tsql", "oracle": "oracle", "snowflake": "snowflake", "redshift": "redshift",
    "starrocks": "starrocks", "doris": "doris", "duckdb": "duckdb", "h2": "h2", "hsqldb": "hsqldb",
    "derby": "derby", "db2": "db2", "trino": "trino", "presto": "presto", "hive": "hive",
    "databricks": "databricks", "firebird": "firebird", "cassandra": "cassandra", "cql": "cassandra",
}
#: a folder named after a database, maybe with a version or what it holds: ``mysql``, ``mysql8``,
#: ``sqlite-3``, ``MySqlMigrations``
_NAMED_PART = lazy_re(r"([a-z][a-z0-9]*?)(?:[-_.]?v?\d+(?:[._]\d+)*)?(?:[-_.]?(?:migrations?|scripts?|schemas?))?")
#: the dialects sqlglot is asked about, most common in PostgreSQL projects' neighbourhood first
SQLGLOT_DIALECTS = ("mysql", "sqlite", "tsql", "clickhouse", "bigquery", "snowflake", "oracle", "duckdb")
#: longer statements are not handed to sqlglot (pure Python): a bound on its cost per statement
SQLGLOT_MAX_CHARS = 8_000
#: characters handed to sqlglot per linted text, all statements together: a file of 20,000 broken
#: statements costs no more than a few
SQLGLOT_BUDGET = 40_000
#: dialect names the ``dialects`` config accepts
CONFIG_DIALECTS = frozenset({POSTGRES, "postgresql", "not-sql", *NAMED_DIALECTS.values()})


@dataclass(frozen=True)
class Verdict:
    """Text that is not PostgreSQL: which dialect, and the evidence (said under --verbose)."""

    dialect: str  # "mysql", ..., or "not-sql"
    reason: str

    def describe(self) -> str:
        what = {"not-sql": "not SQL", "not-postgres": "not PostgreSQL"}.get(self.dialect, f"{self.dialect} SQL")
        return f"{what}: {self.reason}"


def from_path(relpath: str) -> Optional[Verdict]:
    """A folder or a dotted file-name part that names another database."""
    parts = [p for p in relpath.replace("\\", "/").split("/") if p and p != "."]  # as PurePosixPath reads it
    if not parts:
        return None
    folder = _named_in("/".join(parts[:-1]).lower(), "folder")  # the same for every file of a folder
    if folder is not None:
        return folder
    name_parts = parts[-1].lower().split(".")[:-1]  # schema.mysql.sql -> schema, mysql
    return _named_in(".".join(name_parts[1:]), "file name")


@lru_cache(maxsize=1024)
def _named_in(joined: str, where: str) -> Optional[Verdict]:
    """The first part of ``joined`` (folders joined by ``/``, or file-name parts by ``.``) that
    names another database."""
    for part in joined.split("/" if where == "folder" else ".") if joined else ():
        m = _NAMED_PART.fullmatch(part)
        if m is not None and m.group(1) in NAMED_DIALECTS:
            return Verdict(NAMED_DIALECTS[m.group(1)], f"{where} `{part}`")
    return None


def from_config(relpath: str, declared: tuple[tuple[object, str], ...]) -> Optional[str]:
    """The dialect the ``dialects`` config gives ``relpath`` (first matching glob), or None."""
    for globs, dialect in declared:
        if globs.matches(relpath):  # type: ignore[attr-defined]
            return POSTGRES if dialect == "postgresql" else dialect
    return None


class Budget:
    """What sqlglot may still read for one text (characters)."""

    def __init__(self, chars: int = SQLGLOT_BUDGET, statements: int = 200) -> None:
        self.chars = chars
        self.statements = statements
        #: in a worker that presumes (``presume_refusals``): the judge's calls with this budget
        self.calls: Optional[list] = None
        if _presumed is not None:
            self.calls = []
            _presumed.append(self.calls)

    def spend(self, text: str) -> bool:
        if len(text) > SQLGLOT_MAX_CHARS or len(text) > self.chars or self.statements <= 0:
            return False
        self.chars -= len(text)
        self.statements -= 1
        return True


def judge(statement: str, budget: Optional[Budget] = None, error_at: Optional[int] = None) -> Optional[Verdict]:
    """For a statement pglast rejected: another dialect or no SQL (a Verdict), or None when
    it is PostgreSQL with a mistake (a finding).  ``budget`` bounds sqlglot's reading;
    ``error_at`` is where in ``statement`` pglast stopped."""
    budget = budget or Budget()
    if budget.calls is None:
        return _judge(statement, budget, error_at)
    before, presumed = (budget.chars, budget.statements), _presumptions[0]
    verdict = _judge(statement, budget, error_at)
    if budget.calls or _presumptions[0] != presumed:  # from the first call that presumed on
        budget.calls.append((before, statement, error_at, verdict))
    return verdict


def _judge(statement: str, budget: Budget, error_at: Optional[int]) -> Optional[Verdict]:
    stripped = statement.strip()
    if not stripped:
        return None
    if not _starts_like_a_statement(stripped):
        return Verdict("not-sql", "does not start with a SQL keyword")
    word, second, third = _first_words(stripped)
    if word in _OTHER_FIRST_WORDS:  # PRAGMA, USE db, REPLACE INTO: no PostgreSQL statement starts so
        other = _WORD_DIALECTS.get(word) or (_sqlglot_dialect(stripped, ask_postgres=False)
                                             if budget.spend(stripped) else None)
        return Verdict(other or "not-postgres", f"PostgreSQL has no `{word.upper()}` statement")
    if (word in ("set", "reset", "show") and second and second not in _SET_KEYWORDS and not is_parameter(second)
            and (second.startswith("@") or third not in ("", "to"))):
        # `set cluster setting ...`, `SET GLOBAL x = 1`, `SET @@session.x`: no PostgreSQL SET reads so, and
        # the name is none of its parameters (`SET x = ` is PostgreSQL with a mistake)
        return Verdict("not-postgres", f"`{second[:40]}` is not a PostgreSQL parameter")
    tsql = _tsql_syntax(statement, error_at)
    if tsql is not None:  # `[dbo].[Name]`, a `GO` line, `CREATE OR ALTER`: where PostgreSQL stopped
        return Verdict("tsql", f"{tsql} is T-SQL syntax, not PostgreSQL's")
    foreign = _foreign_word(statement, error_at)
    if foreign is not None:  # `AUTO_INCREMENT`, `UNSIGNED`, `TOP`, a backtick: where PostgreSQL stopped
        other = _FOREIGN_WORD_DIALECTS.get(foreign.upper()) or (
            _sqlglot_dialect(stripped, ask_postgres=False) if budget.spend(stripped) else None)
        if other is not None:
            what = "quoting names with backticks" if foreign == "`" else f"`{foreign}`"
            return Verdict(other, f"{what} is {other} syntax, not PostgreSQL's")
        return None
    if not budget.spend(stripped):
        return None
    other = _sqlglot_dialect(stripped)
    if other is not None:
        return Verdict(other, f"parses as {other} SQL, not as PostgreSQL")
    return None


#: the database a foreign word is most often from (others: the first sqlglot reader that accepts the text)
_FOREIGN_WORD_DIALECTS = {"`": "mysql", "AUTO_INCREMENT": "mysql", "UNSIGNED": "mysql", "AUTOINCREMENT": "sqlite",
                          "TOP": "tsql", "NVARCHAR": "tsql", "IDENTITY": "tsql"}
_WORD_AT = lazy_re(r"`|[A-Za-z_][A-Za-z_0-9]{0,63}")


#: a name in brackets (T-SQL's quoting): a letter or underscore first, then up to the bracket
#: closing it on the same line, followed by what follows a name (``(f1[2])[1]`` is an array subscript)
_BRACKET_NAME = lazy_re(r"\[[A-Za-z_][^\[\]\r\n]{0,127}\](?=[.\s,()]|$)")
#: ``GO`` alone on its line: the batch separator of SQL Server's tools
_GO_LINE = lazy_re(r"GO[ \t]*(?:--[^\n]*)?(?:\r?\n|$)", re.IGNORECASE)
_CREATE_OR = lazy_re(r"\bCREATE\s+OR\s+$", re.IGNORECASE)
_PROC_VERB = lazy_re(r"\b(?:CREATE|ALTER|DROP)\s+(?:OR\s+ALTER\s+)?$", re.IGNORECASE)
_VARIABLE = lazy_re(r"@[A-Za-z_]")
#: statements in which T-SQL writes ``@name`` where PostgreSQL stops (MySQL's procedures take no ``@``)
_DECLARES_VARIABLES = lazy_re(r"(?:DECLARE\b|(?:CREATE|ALTER)\s+(?:OR\s+ALTER\s+)?PROC(?:EDURE)?\b)",
                              re.IGNORECASE)
_BEGIN = lazy_re(r"\bBEGIN\b", re.IGNORECASE)
_THEN = lazy_re(r"\bTHEN\b", re.IGNORECASE)


def _tsql_syntax(statement: str, at: Optional[int]) -> Optional[str]:
    """What is T-SQL where PostgreSQL stopped, or None: a bracket-quoted name, a ``GO`` line,
    ``CREATE OR ALTER``, ``CREATE PROC``, ``@name`` in a DECLARE or a procedure's parameters,
    ``IF cond BEGIN`` (PL/pgSQL's IF has THEN).  PostgreSQL has none of them, so none is
    PostgreSQL with a mistake."""
    if at is None or not 0 <= at < len(statement):
        return None
    char = statement[at]
    if char == "[":
        return "quoting names with brackets" if _BRACKET_NAME.match(statement, at) else None
    if char in "gG" and _GO_LINE.match(statement, at) and statement[statement.rfind("\n", 0, at) + 1:at].strip() == "":
        return "a `GO` line (the batch separator)"
    before = statement[max(0, at - 40):at]
    word = statement[at:at + 9].upper()
    if word.startswith("ALTER") and _CREATE_OR.search(before):
        return "`CREATE OR ALTER`"
    if word.startswith("PROC") and not word[4:5].isalnum() and _PROC_VERB.search(before):
        return "`PROC` for PROCEDURE"
    first = _WORDS.match(statement, 1 if statement.startswith("\ufeff") else 0)  # after a BOM, blanks, comments
    head = first.start(1) if first is not None else 0
    if char == "@" and _VARIABLE.match(statement, at) and _DECLARES_VARIABLES.match(statement, head):
        return "an `@name` variable or parameter"
    if word.startswith("IF") and not word[2:3].isalnum() and (at == head or statement[head:at].strip().upper() == "BEGIN"):
        window = statement[at:at + 4096]
        begin = _BEGIN.search(window)
        if begin is not None and _THEN.search(window, 0, begin.start()) is None:
            return "`IF ... BEGIN` without THEN"
    return None


def _foreign_word(statement: str, at: Optional[int]) -> Optional[str]:
    """The word PostgreSQL stopped at, when it is another database's keyword and none of
    PostgreSQL's (sqlglot's PostgreSQL reader is lenient: it reads `AUTO_INCREMENT` too, so
    where PostgreSQL itself stops says more)."""
    if at is None or not 0 <= at < len(statement):
        return None
    m = _WORD_AT.match(statement, at)
    if m is None:
        return None
    word = m.group().upper()
    if word == "`":
        return word  # PostgreSQL has no backtick at all: MySQL, SQLite or BigQuery quoting
    if word.lower() in _postgres_keywords():
        return None
    if _presumes() or word not in _other_keywords():
        return None
    return m.group()


@lru_cache(maxsize=1)
def _postgres_keywords() -> frozenset[str]:
    from pglast import keywords

    return frozenset().union(keywords.RESERVED_KEYWORDS, keywords.UNRESERVED_KEYWORDS, keywords.COL_NAME_KEYWORDS,
                             keywords.TYPE_FUNC_NAME_KEYWORDS)


@lru_cache(maxsize=1)
def _other_keywords() -> frozenset[str]:
    """Single-word keywords of the other dialects' sqlglot tokenizers."""
    _sqlglot_imported()
    from sqlglot.dialects.dialect import Dialect

    words: set[str] = set()
    for name in SQLGLOT_DIALECTS:
        words.update(k for k in Dialect.get_or_raise(name).tokenizer_class.KEYWORDS if " " not in k)
    return frozenset(words)


#: words after SET / RESET / SHOW that are PostgreSQL syntax, not a parameter name
_SET_KEYWORDS = frozenset({"session", "local", "time", "transaction", "role", "names", "constraints", "schema",
                           "xml", "all", "characteristics", "seed"})
#: blanks and comments are skipped possessively: a run of blanks before a symbol fails at once
#: instead of trying every way to split the run (exponential), and no word is read from inside a comment
_WORDS = lazy_re(r"(?:\s++|--[^\n]*+|/\*.*?\*/)*+([A-Za-z_@][\w@.$]*)", re.DOTALL)


def _first_words(text: str) -> tuple[str, str, str]:
    """The first three words of a statement, lower case ("" where a word is missing or a symbol
    stands: ``SET x = 1`` gives set, x, "")."""
    window = text[:2048]
    words, at = [], 0
    for _ in range(3):
        m = _WORDS.match(window, at)
        if m is None:
            break
        words.append(m.group(1).lower()[:64])
        at = m.end()
    words += [""] * (3 - len(words))
    return words[0], words[1], words[2]


_FIRST_TOKEN = lazy_re(r"(?:\s++|--[^\n]*+|/\*.*?\*/)*+(\S)(\w*)", re.DOTALL)


def _starts_like_a_statement(text: str) -> bool:
    """The first word is a SQL statement keyword, or close to one (a typo is PostgreSQL with a
    mistake); a number, a word far from any keyword (``namespace``) or a symbol is not SQL.
    ``(`` may open a query."""
    m = _FIRST_TOKEN.match(text[:4096])
    if m is None:
        return False
    first, rest = m.group(1), m.group(2)
    if first in "(":
        return True
    if not first.isalpha():
        return False
    return _keyword_like((first + rest).lower()[:64])


@lru_cache(maxsize=4096)
def _keyword_like(word: str) -> bool:
    import difflib  # only for text that fails to parse

    return word in SQL_FIRST_WORDS or word in _OTHER_FIRST_WORDS or word in _SCRIPT_WORDS or bool(
        difflib.get_close_matches(word, SQL_FIRST_WORDS, n=1, cutoff=0.75))


#: other databases' statement keywords: no PostgreSQL statement starts with one
_OTHER_FIRST_WORDS = frozenset({"pragma", "use", "replace", "rename", "attach", "detach", "optimize", "upsert",
                                "describe", "desc", "delimiter", "flush", "kill", "unlock", "handler", "checksum",
                                "repair", "install", "uninstall", "backup", "restore", "exchange", "undrop", "go",
                                "exec", "print"})
#: the database a statement keyword belongs to, when only one has it
_WORD_DIALECTS = {"pragma": "sqlite", "attach": "sqlite", "detach": "sqlite", "go": "tsql", "exec": "tsql",
                  "print": "tsql", "undrop": "snowflake", "delimiter": "mysql", "flush": "mysql"}
#: words that start statements of scripting dialects (T-SQL, MySQL, Snowflake) and of PL/pgSQL
#: bodies cut loose: SQL-like, so a parse error there stays a finding
_SCRIPT_WORDS = frozenset({"if", "while", "for", "get", "put", "list", "remove", "run", "check", "system",
                           "source", "sync", "unload", "watch"})


def _sqlglot_dialect(text: str, ask_postgres: bool = True) -> Optional[str]:
    """The first other dialect whose sqlglot reader accepts ``text`` while its PostgreSQL reader
    does not (``ask_postgres``: PostgreSQL has already refused it for a reason of its own).

    Remembered per process: the same statement comes back in many files (extension scripts'
    ``AS :MODULE_PATHNAME`` functions, regression tests' copies), and nine sqlglot readers each
    cost about a millisecond."""
    if _presumes():
        return None
    import hashlib

    key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), ask_postgres)
    if key in _SQLGLOT_ANSWERS:
        return _SQLGLOT_ANSWERS[key]
    answer = None
    if not (ask_postgres and _sqlglot_accepts(text, POSTGRES)):
        answer = next((dialect for dialect in SQLGLOT_DIALECTS if _sqlglot_accepts(text, dialect)), None)
    return _SQLGLOT_ANSWERS.remember(key, answer)


# --- one process asks sqlglot (parallel runs) --------------------------------------------
# Importing sqlglot and its eight dialects costs ~0.1 s, in every process that asks it.  In a
# parallel run the workers do not: they presume every foreign reader refuses (71 of the 73
# questions on the 3,025-file corpus; a foreign keyword is presumed none) and hand the judge's
# calls back with the file's result.  The parent replays them with sqlglot: the same verdicts
# mean the same result (the engine sees the judge only through its verdicts); another verdict,
# and the parent lints that file itself.

#: in a worker that presumes: per budget (one text judged), the judge's calls from the first
#: that presumed on, each with the budget left before it
_presumed: Optional[list] = None
#: how many answers were presumed (the judge tells its calls that presumed by it)
_presumptions = [0]


def presume_refusals() -> None:
    """From now on, in this process (a worker), sqlglot is not asked: its readers are presumed
    to refuse, and the judge's calls are kept for ``take_presumed``."""
    global _presumed
    _presumed = []


def _presumes() -> bool:
    """In a worker that presumes: True, and counted (sqlglot is not asked; its readers refuse)."""
    if _presumed is None:
        return False
    _presumptions[0] += 1
    return True


def take_presumed() -> Optional[list]:
    """The judge's calls since the last take, for ``confirmed`` (None: there were none)."""
    if not _presumed:
        return None
    taken = [calls for calls in _presumed if calls]
    _presumed.clear()
    return taken or None


def confirmed(presumed: list) -> bool:
    """Whether the judge, asking sqlglot, gives the verdicts a presuming worker got (``take_presumed``)."""
    for calls in presumed:
        budget = Budget(*calls[0][0])
        for _, statement, error_at, verdict in calls:
            if judge(statement, budget, error_at) != verdict:
                return False
    return True


#: sqlglot's answers by a digest of the statement (memory stays small whatever the statements' length)
_SQLGLOT_ANSWERS = ClearingCache(4096)


def _sqlglot_accepts(text: str, dialect: str) -> bool:
    """sqlglot reads ``text`` in ``dialect`` without error and without falling back to an opaque
    command (its way of accepting text it does not understand).

    The parser stops at its first error (``ErrorLevel.IMMEDIATE``) and answers as
    ``ErrorLevel.RAISE`` (record every error, raise at the end of the statement) did: sqlglot's
    parser reads the level only to raise or record an error, so both run the same up to the
    first error outside a ``_try_parse`` (which parses at IMMEDIATE at any level), and nothing
    between there and ``parse`` catches it: both reject (``tests/test_dialect.py`` compares them)."""
    from threading import get_ident

    tokenizer, parser, statements, command = _sqlglot_reader(dialect, get_ident())
    try:
        trees = parser.parse(tokenizer.tokenize(text), text)
    except Exception:  # ParseError, TokenError, RecursionError on hostile input: not this dialect
        return False
    finally:  # they hold the text and its tokens until the next parse: let them go now
        parser.reset()
        tokenizer.tokenize("")
    trees = [t for t in trees if t is not None]
    # a bare expression is no statement (`LISTEN 'x'` reads as a column with an alias)
    return bool(trees) and all(isinstance(t, statements) and t.find(command) is None for t in trees)


@lru_cache(maxsize=1)
def _sqlglot_imported() -> None:
    """Import sqlglot, whose ~64,000 objects (classes, tables) live as long as the process, with
    the collector paused, then frozen (``gc.freeze``): no collection walks them again (7 ms each
    time one did, and a parallel run's parent went on to make a dozen)."""
    with paused_then_frozen():
        import sqlglot.dialects.dialect  # noqa: F401 - imported for what it builds


@lru_cache(maxsize=64)
def _sqlglot_reader(dialect: str, thread: int) -> tuple:
    """sqlglot's tokenizer and parser for ``dialect``, made once per thread (each starts every
    text afresh: ``tokenize`` and ``parse`` reset their state), its statement classes and its
    Command class."""
    import logging

    _sqlglot_imported()
    from sqlglot import exp
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import ErrorLevel

    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)  # its "falling back to Command" warnings
    reader = Dialect.get_or_raise(dialect)
    statements = tuple(getattr(exp, name) for name in _SQLGLOT_STATEMENTS if hasattr(exp, name))
    return reader.tokenizer(), reader.parser(error_level=ErrorLevel.IMMEDIATE), statements, exp.Command


#: sqlglot's statement classes (anything else at the top is an expression it was lenient about)
_SQLGLOT_STATEMENTS = ("DDL", "DML", "Query", "Set", "Pragma", "Use", "Transaction", "Commit", "Rollback",
                       "Describe", "Show", "Grant", "Revoke", "Copy", "Kill", "TruncateTable", "Alter", "Create",
                       "Drop", "Analyze", "Merge", "Insert", "Update", "Delete", "Cache", "Uncache", "LoadData")


@lru_cache(maxsize=1)
def _parameters() -> frozenset[str]:
    # beside this package, as the catalogue finds the rules: importlib.resources costs 7 ms to import
    text = (Path(__file__).resolve().parent.parent / "data" / "guc_names.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_parameter(name: str) -> bool:
    """Whether PostgreSQL accepts ``SET name``: one of its parameters, or a custom one (with a
    dot: ``app.user_id``, extensions' ``pg_stat_statements.track``).  A name made only of
    interpolation holes (``SET #{name} ...``) is unknown, so it counts as a parameter."""
    lowered = name.lower()
    return "." in lowered or not lowered.strip("_") or lowered in _parameters()


# --- code: the client a file names, the branch a string sits in ---------------------------

#: a client, driver or adapter of another database, as code names it (lower-cased text)
_OTHER_CLIENTS = lazy_re(
    r"""(?:client|dialect|adapter|driver|provider)\s*[:=]>?\s*['"](mysql2?|mariadb|sqlite3?|better-sqlite3|mssql|tedious|oracledb|oracle|clickhouse|spanner|cockroachdb|turso|libsql|d1)['"]"""
    r"""|\b(?:import|from)\s+(pymysql|mysqldb|aiomysql|asyncmy|mysql\.connector|sqlite3|aiosqlite|pyodbc|pymssql|cx_oracle|oracledb|clickhouse_driver|clickhouse_connect|duckdb)\b"""
    r"""|require\(\s*['"](mysql2?|sqlite3|better-sqlite3|mssql|tedious|oracledb|@clickhouse/client|@libsql/client)['"]"""
    r"""|from\s+['"](mysql2(?:/promise)?|mysql|sqlite3|better-sqlite3|mssql|tedious|oracledb|@clickhouse/client|@libsql/client|@google-cloud/spanner)['"]"""
    r"""|"(github\.com/go-sql-driver/mysql|github\.com/mattn/go-sqlite3|modernc\.org/sqlite|github\.com/clickhouse/clickhouse-go(?:/v2)?|cloud\.google\.com/go/spanner|github\.com/denisenkom/go-mssqldb|github\.com/microsoft/go-mssqldb)"""
    r"""|jdbc:(mysql|mariadb|sqlite|sqlserver|oracle|h2|hsqldb|derby|clickhouse|db2)\b"""
    r"""|\b(mysql2::client|sqlite3::database|tinytds::client)""",
)
#: a PostgreSQL client named by the same file: then the other database is only one of several
_POSTGRES_CLIENTS = lazy_re(
    r"""['"](?:pg|postgres|postgresql|pg-promise|@neondatabase/serverless|@vercel/postgres)['"]"""
    r"""|\b(?:psycopg2?|asyncpg|pg8000|postgresql)\b|jdbc:postgresql|github\.com/(?:jackc/pgx|lib/pq)"""
    r"""|\bpg::connection\b"""
    # database layers that may well talk to PostgreSQL too: the other client is then one of several
    r"""|\bdjango\.db\b|\bsqlalchemy\b|gorm\.io/driver/postgres|\bactiverecord\b|['"]@prisma/client['"]""",
)
_CLIENT_NAMES = {"mysql2": "mysql", "mariadb": "mysql", "sqlite3": "sqlite", "better-sqlite3": "sqlite",
                 "mssql": "tsql", "tedious": "tsql", "oracledb": "oracle", "pymysql": "mysql", "mysqldb": "mysql",
                 "aiomysql": "mysql", "asyncmy": "mysql", "mysql.connector": "mysql", "aiosqlite": "sqlite",
                 "pyodbc": "tsql", "pymssql": "tsql", "cx_oracle": "oracle", "sqlserver": "tsql",
                 "clickhouse_driver": "clickhouse", "clickhouse_connect": "clickhouse", "mysql2::client": "mysql",
                 "sqlite3::database": "sqlite", "tinytds::client": "tsql", "@clickhouse/client": "clickhouse",
                 "@libsql/client": "sqlite", "@google-cloud/spanner": "spanner", "turso": "sqlite",
                 "libsql": "sqlite", "d1": "sqlite", "mysql2/promise": "mysql"}
#: bounded reads of a code file: clients are named near the top, in imports and configs
_CLIENT_SCAN_CHARS = 200_000


def _client_dialect(name: str) -> str:
    name = name.lower()
    if name.startswith(("github.com/", "modernc.org/", "cloud.google.com/")):
        for key in ("mysql", "sqlite", "clickhouse", "spanner", "mssql"):
            if key in name:
                return NAMED_DIALECTS.get(key, "tsql")
    return _CLIENT_NAMES.get(name, NAMED_DIALECTS.get(name, name))


def from_code(text: str) -> tuple[Optional[Verdict], bool]:
    """(the other database a code file's SQL is for, whether it also names a PostgreSQL client).

    A file that names only another database's client (``client: 'mysql'``, ``import sqlite3``,
    ``_ "github.com/go-sql-driver/mysql"``) sends that database's SQL.
    """
    window = text[:_CLIENT_SCAN_CHARS].lower()
    m = _OTHER_CLIENTS.search(window)
    if m is None:
        return None, False
    name = next(g for g in m.groups() if g is not None)
    also_postgres = _POSTGRES_CLIENTS.search(window) is not None
    return Verdict(_client_dialect(name), f"the file uses the `{name}` client"), also_postgres


#: a branch condition that names another database (``if is_crdb(conn):``, ``if (dialect === 'mysql')``)
_BRANCH_WORDS = lazy_re(r"(?<![a-z0-9])(mysql|mariadb|sqlite3?|crdb|cockroach(?:db)?|clickhouse|spanner|mssql|"
                        r"sqlserver|tsql|oracle|snowflake|bigquery|duckdb)(?![a-z])")
_NEGATION = lazy_re(r"(?:^|[^=!<>])!(?!=)|\bnot\b|\bunless\b|!=|!==")


def from_branch(condition: str) -> Optional[Verdict]:
    """The database a branch condition selects (its body is that database's SQL), or None;
    a negated condition (``if not is_mysql``) says nothing about its body."""
    lowered = condition[:300].lower()
    m = _BRANCH_WORDS.search(lowered)
    if m is None or _NEGATION.search(lowered) is not None:
        return None
    return Verdict(NAMED_DIALECTS.get(m.group(1), m.group(1)), f"in a branch for {m.group(1)} (`{condition[:60].strip()}`)")
