"""Python settings and connection code, read with the standard library ``ast`` (never run).

Facts: Django ``DATABASES`` aliases (dict literals, ``dj_database_url``, django-environ,
later ``DATABASES[alias][KEY] = ...``), SQLAlchemy ``create_engine`` / ``create_async_engine``,
``asyncpg.connect`` / ``create_pool``, psycopg 3 ``connect`` and pools, ``cursor(...,
withhold=True)``, SQL sent from SQLAlchemy ``connect`` event listeners, Alembic ``env.py``
statements, and every literal connection string.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Optional

from ...core.positions import LineIndex, Utf8Offsets
from .. import urls
from ..context import Context
from ..model import Fact, UrlUse, Value, local_socket
from .sqlcheck import session_statements

#: cheap pre-test: a file without any of these cannot hold a fact (not a finding decision)
MARKERS = ("DATABASES", "create_engine", "create_async_engine", "asyncpg", "psycopg", "withhold",
           "listens_for", "event.listen", "postgres", "alembic", "upgradedb", "initdb", "resetdb")

SQLALCHEMY_ENGINES = ("create_engine", "create_async_engine")
ASYNCPG = ("asyncpg.connect", "asyncpg.create_pool", "asyncpg.pool.create_pool", "asyncpg.connection.connect")
PSYCOPG = ("psycopg.connect", "psycopg.Connection.connect", "psycopg.AsyncConnection.connect",
           "psycopg_pool.ConnectionPool", "psycopg_pool.AsyncConnectionPool",
           "psycopg_pool.NullConnectionPool", "psycopg_pool.AsyncNullConnectionPool")
ENV_GETTERS = ("os.environ.get", "os.getenv", "environ.get", "getenv", "config", "env", "env.str",
               "decouple.config", "os.environ.__getitem__")
DJ_DATABASE_URL = ("dj_database_url.config", "dj_database_url.parse")
CONNECT_EVENTS = ("connect", "first_connect", "checkout")
#: settings attributes that name a connection string (``settings.DATABASE_URL``, ``cfg.db_dsn``)
_SETTINGS_FIELD = re.compile(r"(?i)[a-z_]*(?:database|db|pg|postgres)[a-z_]*_(?:url|uri|dsn)")


#: Airflow's migration entry points (airflow.utils.db)
AIRFLOW_MIGRATIONS = frozenset({"upgradedb", "initdb", "resetdb"})


class Reader:
    def __init__(self, ctx: Context, tree: ast.Module) -> None:
        self.ctx = ctx
        self.tree = tree
        self.index = LineIndex(ctx.text)
        self.lines = ctx.text.splitlines(keepends=True) or [""]
        self.columns: dict[int, Utf8Offsets] = {}  # per line, converted once
        self.aliases: dict[str, str] = {}
        self.assignments: dict[str, ast.expr] = {}
        #: CONFIG["KEY"] = value for module variables that may become a DATABASES alias
        self.variable_updates: dict[str, list] = {}
        self.listeners: set[str] = set()
        self.nodes: list[ast.AST] = []

    # --- positions ---------------------------------------------------------------------

    def offset(self, lineno: int, col: int) -> int:
        columns = self.columns.get(lineno)
        if columns is None:
            line_text = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
            columns = self.columns[lineno] = Utf8Offsets(line_text)
        return self.index.line_start(lineno) + columns.char(col)

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)
        end_line = getattr(node, "end_lineno", None) or node.lineno
        end_col = getattr(node, "end_col_offset", None)
        end = self.offset(end_line, end_col) if end_col is not None else start
        return start, end

    def value(self, node: ast.AST) -> Value:
        start, end = self.span(node)
        raw = literal(node)
        verbatim = None
        if isinstance(raw, str) and isinstance(node, ast.Constant) and raw:
            at = self.ctx.text.find(raw, start, end)
            verbatim = at if at != -1 else None
        return Value(raw, start, end, verbatim)

    # --- names -------------------------------------------------------------------------

    def qualified(self, node: ast.AST) -> str:
        """Dotted name of a call target with import aliases expanded (``cae`` -> ``sqlalchemy...``)."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(self.aliases.get(node.id, node.id))
        elif isinstance(node, ast.Call):
            parts.append(self.qualified(node.func) + "()")
        else:
            return ""
        return ".".join(reversed(parts))

    def collect_names(self) -> None:
        for node in self.nodes:
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.assignments[stmt.targets[0].id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                self.assignments[stmt.target.id] = stmt.value
        for node in self.nodes:  # dicts built in a function (server_settings = {...}) then passed by name
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and isinstance(node.value, ast.Dict):
                self.assignments.setdefault(node.targets[0].id, node.value)

    # --- connection strings ------------------------------------------------------------

    def url(self, node: Optional[ast.AST], depth: int = 0) -> Optional[UrlUse]:
        """The endpoint an expression evaluates to, when it is visible."""
        if node is None or depth > 4:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.ctx.literal_url(self.value(node))
        if isinstance(node, ast.JoinedStr):
            # f"postgresql://{user}:{pw}@host:6543/db": the literal parts still name the endpoint
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            start, end = self.span(node)
            use = self.ctx.literal_url(Value(text, start, end, None))
            return use
        if isinstance(node, ast.Name) and node.id in self.assignments:
            return self.url(self.assignments[node.id], depth + 1)
        env = self.env_name(node)
        if env is not None:
            name, default = env
            start, end = self.span(node)
            return self.ctx.env_url(name, Value(None, start, end), default)
        if isinstance(node, ast.Call):
            func = self.qualified(node.func)
            if func.endswith("str") and node.args:
                return self.url(node.args[0], depth + 1)
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("replace", "strip", "get_secret_value"):
                return self.url(node.func.value, depth + 1)  # os.environ["X"].replace("postgres://", ...)
        if isinstance(node, ast.Attribute) and _SETTINGS_FIELD.fullmatch(node.attr):
            # pydantic / Django settings objects: settings.database_url reads DATABASE_URL
            start, end = self.span(node)
            return self.ctx.env_url(node.attr.upper(), Value(None, start, end))
        return None

    def env_name(self, node: ast.AST) -> Optional[tuple[str, Optional[str]]]:
        """``os.environ["X"]``, ``os.getenv("X", default)``, ``config("X")``, ``env("X")``."""
        if isinstance(node, ast.Subscript) and self.qualified(node.value) in ("os.environ", "environ"):
            key = literal(node.slice)
            return (key, None) if isinstance(key, str) else None
        if isinstance(node, ast.Call) and isinstance(keyword(node, "name"), ast.Constant) \
                and self.qualified(node.func).rsplit(".", 1)[-1] in ("get_string", "get_str", "get_env"):
            # settings helpers: get_string(name="DATABASE_URL", default=...) (mitol.common.envs and alike)
            key = literal(keyword(node, "name"))
            if isinstance(key, str) and key.isupper():
                return key, None
        if isinstance(node, ast.Call) and node.args:
            func = self.qualified(node.func)
            if func in ENV_GETTERS or func.endswith((".getenv", "environ.get")):
                key = literal(node.args[0])
                default = literal(node.args[1]) if len(node.args) > 1 else literal(keyword(node, "default"))
                if isinstance(key, str) and key.isupper():
                    return key, default if isinstance(default, str) else None
        return None

    # --- the walk ----------------------------------------------------------------------

    def read(self) -> None:
        self.nodes = list(ast.walk(self.tree))  # one walk, reused by every pass
        self.collect_names()
        for node in self.nodes:
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "://" in node.value or \
                    isinstance(node, ast.Constant) and isinstance(node.value, str) and "host=" in node.value:
                self.ctx.url_fact(self.value(node))
            elif isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                self.assignment(node)
        for fact in [f for f in self.ctx.facts if f.kind == "django-database" and f.extra.get("variable")]:
            for path, target, changed in self.variable_updates.get(fact.extra["variable"], ()):
                self.django_update([fact.extra["alias"]] + path, target, changed)  # in any order in the file
        self.connect_listeners()
        if self.ctx.filename.replace("\\", "/").endswith("env.py") and "alembic" in self.ctx.text:
            self.alembic_env()

    def call(self, node: ast.Call) -> None:
        func = self.qualified(node.func)
        last = func.rsplit(".", 1)[-1]
        if last in SQLALCHEMY_ENGINES:
            self.connection(node, "sqlalchemy-engine", "url", extra={"async": last == "create_async_engine"})
        elif func in ASYNCPG:
            self.connection(node, "asyncpg-connect", "dsn")
        elif func in PSYCOPG:
            self.connection(node, "psycopg-connect", "conninfo")
        elif last == "cursor" and isinstance(node.func, ast.Attribute):
            withhold = keyword(node, "withhold")
            if withhold is not None and literal(withhold) is True:
                name = node.args[0] if node.args else keyword(node, "name")
                span = self.span(node.func)
                start = span[1] - len("cursor")
                self.ctx.add(Fact("withhold-cursor", start, self.span(node)[1],
                                  f"cursor({ast.unparse(name) if name is not None else ''})",
                                  {"withhold": self.value(withhold)}))
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "update" and node.args \
                and isinstance(node.args[0], ast.Dict):
            path = subscript_path(node.func.value)  # DATABASES["default"].update({...})
            if path and path[0] == "DATABASES" and len(path) in (2, 3):
                for key, value in zip(node.args[0].keys, node.args[0].values):
                    if key is not None and isinstance(literal(key), str):
                        self.django_update(path[1:] + [literal(key)], node, value)
        elif last in AIRFLOW_MIGRATIONS and ("airflow" in func or func.startswith("db.")):
            # airflow.utils.db.upgradedb(): Airflow's migrations hold a session advisory lock
            from .read_yaml import AIRFLOW_CONN

            start, end = self.span(node.func)
            name = next((n for n in AIRFLOW_CONN if self.ctx.resolver.lookup(n, self.ctx.filename)), AIRFLOW_CONN[0])
            self.ctx.add(Fact("airflow-migrate", start, end, f"{last}()", {},
                              self.ctx.env_url(name, Value(None, start, end))))
        elif func in ("sqlalchemy.event.listen", "event.listen") and len(node.args) >= 3:
            if literal(node.args[1]) in CONNECT_EVENTS and isinstance(node.args[2], ast.Name):
                self.listeners.add(node.args[2].id)

    def connection(self, node: ast.Call, kind: str, url_keyword: str, extra: Optional[dict] = None) -> None:
        url_node = node.args[0] if node.args else keyword(node, url_keyword)
        settings: dict[str, Value] = {}
        for kw in node.keywords:
            if kw.arg is None:
                settings["**"] = self.value(kw.value)  # **options: anything may be set there
                continue
            settings[kw.arg] = self.value(kw.value)
            given = kw.value
            if isinstance(given, ast.Name) and isinstance(self.assignments.get(given.id), ast.Dict):
                given = self.assignments[given.id]  # connect_args=CONNECT_ARGS defined in this module
            if kw.arg in ("connect_args", "kwargs", "server_settings") and isinstance(given, ast.Dict):
                settings[kw.arg] = Value({}, *self.span(kw.value))
                for key, value in zip(given.keys, given.values):
                    if key is None:
                        settings[f"{kw.arg}.**"] = self.value(value)
                        continue
                    if key is not None and isinstance(literal(key), str):
                        settings[f"{kw.arg}.{literal(key)}"] = self.value(value)
                        if isinstance(value, ast.Dict):  # connect_args={"server_settings": {...}}
                            for k2, v2 in zip(value.keys, value.values):
                                if k2 is not None and isinstance(literal(k2), str):
                                    settings[f"{kw.arg}.{literal(key)}.{literal(k2)}"] = self.value(v2)
        extra = dict(extra or {})
        poolclass = keyword(node, "poolclass")
        if poolclass is not None:  # the pool class by name (``NullPool``, ``pool.QueuePool``)
            extra["poolclass"] = self.qualified(poolclass).rsplit(".", 1)[-1] or None
        start, end = self.span(node.func)
        self.ctx.add(Fact(kind, start, end, self.qualified(node.func).rsplit(".", 1)[-1] + "()", settings,
                          self.url(url_node), extra))

    # --- Django ------------------------------------------------------------------------

    def assignment(self, node: ast.AST) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "DATABASES" and isinstance(node.value, ast.Dict):
                for key, value in zip(node.value.keys, node.value.values):
                    if key is not None and isinstance(literal(key), str):
                        self.django_alias(literal(key), key, value)
            elif isinstance(target, ast.Subscript):
                # DATABASES["default"] = {...} / DATABASES["default"]["OPTIONS"] = {...}
                path = subscript_path(target)
                if path and path[0] == "DATABASES" and len(path) >= 2:
                    self.django_update(path[1:], target, node.value)
                elif len(path) >= 2 and path[0] in self.assignments:
                    # CONFIG["CONN_MAX_AGE"] = ...: applied if CONFIG becomes a DATABASES alias
                    self.variable_updates.setdefault(path[0], []).append((path[1:], target, node.value))

    def django_alias(self, alias: str, key_node: ast.AST, value: ast.AST) -> None:
        settings: dict[str, Value] = {}
        url: Optional[UrlUse] = None
        engine_ok = None
        variable = value.id if isinstance(value, ast.Name) and value.id in self.assignments else None
        entries = self.dict_entries(self.assignments[variable] if variable else value)
        if entries is None:
            return
        for key, item in entries:
            if key is None:  # **dj_database_url.config(...)
                url = url or self.dj_url(item)
                if url is not None:
                    engine_ok = True
                continue
            settings[key] = self.value(item)
            if key == "OPTIONS" and isinstance(item, ast.Dict):
                for k2, v2 in zip(item.keys, item.values):
                    if k2 is not None and isinstance(literal(k2), str):
                        settings[f"OPTIONS.{literal(k2)}"] = self.value(v2)
        engine = settings.get("ENGINE")
        if engine is not None and isinstance(engine.value, str):
            engine_ok = "postgres" in engine.value or "postgis" in engine.value
        elif engine is not None:  # ENGINE from the environment: PostgreSQL if anything says so
            engine_ok = "postgres" in ast.unparse(dict(entries).get("ENGINE")) or None
        if url is None:
            url = self.dj_url(value)
            if url is not None and engine_ok is None:
                engine_ok = True
        if url is None and "HOST" in settings:
            nodes = dict((k, v) for k, v in entries if k is not None)
            host_env = self.env_name(nodes["HOST"])
            port_env = self.env_name(nodes["PORT"]) if "PORT" in nodes else None
            url = self.ctx.env_host_url(host_env, settings.get("HOST"), port_env, settings.get("PORT"))
            if url is None and host_env is not None:  # HOST from the environment, not set in any .env
                url = self.ctx.env_url(host_env[0], settings["HOST"])
        if not engine_ok:
            return
        if url is None and "HOST" not in settings and "**" not in settings:
            url = local_socket()  # Django's default HOST "" is the local Unix socket
        start, end = self.span(key_node)
        self.ctx.add(Fact("django-database", start, end, f"DATABASES[{alias!r}]", settings, url,
                          {"alias": alias, "variable": variable}))

    def dict_entries(self, node: ast.AST) -> Optional[list[tuple[Optional[str], ast.AST]]]:
        if isinstance(node, ast.Dict):
            return [(literal(k) if k is not None else None, v) for k, v in zip(node.keys, node.values)
                    if k is None or isinstance(literal(k), str)]
        if isinstance(node, ast.Call) and self.qualified(node.func) in ("dict",):
            return [(kw.arg, kw.value) for kw in node.keywords]
        if isinstance(node, ast.Call):  # dj_database_url.config(...) alone
            return [(None, node)] + [(kw.arg.upper(), kw.value) for kw in node.keywords
                                     if kw.arg in ("disable_server_side_cursors",)]
        return None

    def dj_url(self, node: ast.AST) -> Optional[UrlUse]:
        if not isinstance(node, ast.Call):
            return None
        func = self.qualified(node.func)
        if func in DJ_DATABASE_URL or func.endswith(("dj_database_url.config", "dj_database_url.parse")):
            if func.endswith("parse") and node.args:
                start, end = self.span(node)
                return self.url(node.args[0]) or UrlUse(urls.Endpoint(urls.UNKNOWN, ""), Value(None, start, end))
            env = literal(keyword(node, "env")) or "DATABASE_URL"
            default = literal(keyword(node, "default"))
            start, end = self.span(node)
            if isinstance(default, str) and not isinstance(env, str):
                return self.url(keyword(node, "default"))
            return self.ctx.env_url(env, Value(None, start, end), default if isinstance(default, str) else None)
        if func.endswith((".db", ".db_url")):  # django-environ: env.db("DATABASE_URL")
            name = literal(node.args[0]) if node.args else literal(keyword(node, "var")) or "DATABASE_URL"
            default = literal(keyword(node, "default"))
            start, end = self.span(node)
            if isinstance(name, str):
                return self.ctx.env_url(name, Value(None, start, end), default if isinstance(default, str) else None)
        return None

    def django_update(self, path: list, target: ast.AST, value: ast.AST) -> None:
        """A later ``DATABASES[alias][KEY] = value`` changes the alias' settings."""
        alias = path[0]
        for fact in self.ctx.facts:
            if fact.kind == "django-database" and fact.extra.get("alias") == alias:
                break
        else:
            if len(path) == 1:
                self.django_alias(alias, target, value)
            return
        if len(path) == 2:
            fact.settings[path[1]] = self.value(value)
            if path[1] == "HOST":  # DATABASES["default"]["HOST"] = os.environ["DB_HOST"]: a new endpoint
                env = self.env_name(value)
                host = fact.settings["HOST"]
                fact.url = (self.ctx.env_host_url(env, host, None, fact.settings.get("PORT"))
                            or (self.ctx.env_url(env[0], host) if env else self.ctx.host_port_url(host, None)))
            if path[1] == "OPTIONS" and isinstance(value, ast.Dict):
                for k2, v2 in zip(value.keys, value.values):
                    if k2 is not None and isinstance(literal(k2), str):
                        fact.settings[f"OPTIONS.{literal(k2)}"] = self.value(v2)
        elif len(path) == 3 and path[1] == "OPTIONS":
            fact.settings[f"OPTIONS.{path[2]}"] = self.value(value)

    # --- SQL sent on connect / by Alembic ----------------------------------------------

    def connect_listeners(self) -> None:
        for node in self.nodes:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            on_connect = node.name in self.listeners
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and self.qualified(deco.func).endswith("listens_for") \
                        and len(deco.args) >= 2 and literal(deco.args[1]) in CONNECT_EVENTS:
                    on_connect = True
            if on_connect:
                for start, end, text in self.executed_sql(node):
                    self.ctx.add(Fact("connect-set", start, end, node.name, {"sql": Value(text, start, end)}))

    def alembic_env(self) -> None:
        statements = self.executed_sql(self.tree)
        if not statements:
            return
        url = self.alembic_url()
        for start, end, text in statements:
            self.ctx.add(Fact("alembic-set", start, end, "env.py", {"sql": Value(text, start, end)}, url))

    def alembic_url(self) -> Optional[UrlUse]:
        """The URL migrations run with: ``config.set_main_option("sqlalchemy.url", X)`` in env.py,
        else ``sqlalchemy.url`` of the alembic.ini beside (or above) the env.py folder."""
        for node in self.nodes:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "set_main_option" and len(node.args) == 2 \
                    and literal(node.args[0]) == "sqlalchemy.url":
                return self.url(node.args[1])
        import os

        from .read_ini import parse as parse_ini

        here = os.path.dirname(os.path.abspath(self.ctx.filename))
        for directory in (os.path.dirname(here), here):
            try:
                with open(os.path.join(directory, "alembic.ini"), encoding="utf-8", errors="replace") as fh:
                    entries = parse_ini(fh.read(1_000_000))
            except OSError:
                continue
            for entry in entries:
                if entry.key == "sqlalchemy.url":
                    parsed = self.ctx.literal_url(entry.value)
                    if parsed is not None:  # positions belong to alembic.ini: keep only the endpoint
                        parsed.value, parsed.literal = None, False
                    return parsed
        return None

    def executed_sql(self, scope: ast.AST) -> list[tuple[int, int, str]]:
        """(span, statement) of each session-level statement an ``execute`` call sends."""
        out = []
        for node in ast.walk(scope):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "exec_driver_sql") and node.args):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Call) and self.qualified(arg.func).endswith("text") and arg.args:
                arg = arg.args[0]
            if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod):
                arg = arg.left  # "SET search_path TO %s" % schema
            if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "format":
                arg = arg.func.value
            sql = literal(arg) if isinstance(arg, ast.Constant) else None
            if isinstance(arg, ast.JoinedStr):
                sql = "".join(v.value if isinstance(v, ast.Constant) else "{x}" for v in arg.values)
            if not isinstance(sql, str):
                continue
            for _, statement in session_statements(sql, self.ctx.profile):
                start, end = self.span(arg)
                out.append((start, end, statement))
        return out


# --- small ast helpers ----------------------------------------------------------------------

def literal(node: Optional[ast.AST]) -> Any:
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _Unknown


class _UnknownType:
    def __repr__(self) -> str:
        return "<unknown>"


_Unknown = _UnknownType()


def keyword(node: ast.Call, name: str) -> Optional[ast.AST]:
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return None


def subscript_path(node: ast.AST) -> list:
    path = []
    while isinstance(node, ast.Subscript):
        key = literal(node.slice)
        if not isinstance(key, str):
            return []
        path.append(key)
        node = node.value
    if isinstance(node, ast.Name):
        path.append(node.id)
        return list(reversed(path))
    return []


def read(ctx: Context) -> None:
    if not any(marker in ctx.text for marker in MARKERS):
        return
    import warnings

    try:
        with warnings.catch_warnings():  # "invalid escape sequence" is the file's business, not ours
            warnings.simplefilter("ignore", (SyntaxWarning, DeprecationWarning))
            tree = ast.parse(ctx.text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # not valid Python: the code-SQL reader reports nothing either
    Reader(ctx, tree).read()
