"""JavaScript / TypeScript connection code, read with tree-sitter (the grammars and parser
helper of ``code.treesitter``; nothing is run).

Facts: node-postgres ``new Pool({...})`` / ``new Client({...})`` (startup parameters such as
``statement_timeout`` and ``options``) and named queries ``query({ name, text })``,
postgres.js ``postgres(url, { prepare, connection })``, Knex configs with ``searchPath``,
Sequelize ``dialectOptions.prependSearchPath``, pg-boss ``useListenNotify``, graphile-worker
``run({ connectionString })``, and every literal connection string.  ``process.env.X`` (also
``import.meta.env.X``, ``Bun.env.X``) is resolved from ``.env`` files.
"""

from __future__ import annotations

import os

from typing import Any, Optional

from ..context import Context
from ..model import Fact, UrlUse, Value

#: cheap pre-test: a file without any of these holds no fact (not a finding decision)
MARKERS = ("pg", "postgres", "dbCredentials", "knex", "Sequelize", "PgBoss", "pg-boss", "graphile-worker", "searchPath", "name:")
KNEX_CLIENTS = ("pg", "postgres", "postgresql", "pg-native", "pgnative")
#: how deep object and array literals are read (a config nests a few levels; minified bundles nest hundreds)
MAX_DEPTH = 6
ENV_ROOTS = (("process", "env"), ("import", "meta", "env"), ("Bun", "env"))
#: ``.replace()`` is evaluated on connection-string-sized text only (a chain cannot grow a value)
MAX_REWRITE = 2048


class EnvRef:
    def __init__(self, name: str, rewrite: Optional[tuple[str, str, int]] = None) -> None:
        self.name = name
        #: ``.replace(old, new)`` the code applies to the variable's value (count -1: ``replaceAll``)
        self.rewrite = rewrite


class Reader:
    def __init__(self, ctx: Context, spec: Any) -> None:
        from ...code.treesitter import HostText, parse

        self.ctx = ctx
        self.host = HostText(ctx.text)
        self.tree = parse(spec, ctx.text)
        self.consts: dict[str, Any] = {}
        self.imports: set[str] = set()

    def span(self, node: Any) -> tuple[int, int]:
        return self.host.offset(node.start_point), self.host.offset(node.end_point)

    # --- values ------------------------------------------------------------------------

    def value(self, node: Any, depth: int = 0) -> Value:
        start, end = self.span(node)
        raw: Any = None
        verbatim = None
        kind = node.type
        if kind in ("string", "template_string"):
            parts = []
            escaped = False
            for child in node.named_children:
                if child.type == "string_fragment":
                    parts.append(child.text.decode("utf-8", "replace"))
                elif child.type == "escape_sequence":
                    escaped = True
                    parts.append(_unescape(child.text.decode("utf-8", "replace")))
                elif child.type == "template_substitution":
                    escaped = True
                    parts.append("x")
            raw = "".join(parts)
            if not escaped and raw:
                verbatim = start + 1
        elif kind == "number":
            text = node.text.decode()
            try:
                raw = int(text.replace("_", ""), 0)
            except ValueError:
                raw = text
        elif kind in ("true", "false"):
            raw = kind == "true"
        elif kind == "null":
            raw = None
        elif kind == "object" and depth < MAX_DEPTH:
            raw = self.object(node, depth)
        elif kind == "array" and depth < MAX_DEPTH:
            raw = [self.value(child, depth + 1) for child in node.named_children if child.type != "comment"]
        elif kind in ("member_expression", "subscript_expression"):
            path = self.path(node)
            for root in ENV_ROOTS:
                if path[:len(root)] == root and len(path) == len(root) + 1:
                    raw = EnvRef(path[-1])
        elif kind == "identifier" and depth < 3:
            target = self.consts.get(node.text.decode("utf-8", "replace"))
            if target is not None:
                return self.value(target, depth + 1)
        elif kind in ("as_expression", "satisfies_expression", "parenthesized_expression", "non_null_expression"):
            if node.named_children:
                return self.value(node.named_children[0], depth)
        elif kind == "binary_expression" and node.child_by_field_name("operator") is not None \
                and node.child_by_field_name("operator").type in ("||", "??"):
            return self.value(node.child_by_field_name("left"), depth)
        elif kind == "call_expression" and depth < MAX_DEPTH:
            raw = self.string_replace(node, depth)
        return Value(raw, start, end, verbatim)

    def string_replace(self, node: Any, depth: int) -> Any:
        """``url.replace(":6543", ":5432")`` with literal arguments, on a literal or an environment
        variable: the rewritten text (or the variable with its rewrite), as drizzle configs turn the
        pooled URL into the session one; anything else is unknown (None)."""
        callee = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        if callee is None or args_node is None or callee.type != "member_expression":
            return None
        method = callee.child_by_field_name("property")
        if method is None or method.text not in (b"replace", b"replaceAll"):
            return None
        args = [a for a in args_node.named_children if a.type != "comment"]
        if len(args) != 2 or any(a.type != "string" for a in args):
            return None  # a regex, a callback or a computed argument: not evaluated
        old, new = (self.value(a, depth + 1).value for a in args)
        if not isinstance(old, str) or not isinstance(new, str) or not old or len(new) > MAX_REWRITE:
            return None  # an empty pattern inserts between every character: no URL is written that way
        count = 1 if method.text == b"replace" else -1  # String.prototype.replace: the first match only
        target = self.value(callee.child_by_field_name("object"), depth + 1).value
        if isinstance(target, str) and len(target) <= MAX_REWRITE:
            return target.replace(old, new, count)
        if isinstance(target, EnvRef) and target.rewrite is None:
            return EnvRef(target.name, (old, new, count))
        return None

    def object(self, node: Any, depth: int) -> dict[str, tuple[tuple[int, int], Value]]:
        out = {}
        for pair in node.named_children:
            if pair.type == "pair":
                key_node = pair.child_by_field_name("key")
                value_node = pair.child_by_field_name("value")
                if key_node is None or value_node is None:
                    continue
                out[_key_name(key_node)] = (self.span(key_node), self.value(value_node, depth + 1))
            elif pair.type == "shorthand_property_identifier":
                name = pair.text.decode("utf-8", "replace")
                target = self.consts.get(name)
                if target is not None:
                    out[name] = (self.span(pair), self.value(target, depth + 1))
        return out

    def path(self, node: Any) -> tuple[str, ...]:
        if node.type == "member_expression":
            obj = node.child_by_field_name("object")
            prop = node.child_by_field_name("property")
            return self.path(obj) + (prop.text.decode("utf-8", "replace"),)
        if node.type == "subscript_expression":
            obj = node.child_by_field_name("object")
            index = node.child_by_field_name("index")
            key = self.value(index).value if index is not None else None
            return self.path(obj) + ((key,) if isinstance(key, str) else ("?",))
        if node.type in ("identifier", "property_identifier", "this"):
            return (node.text.decode("utf-8", "replace"),)
        if node.type == "import":
            return ("import",)
        if node.type == "meta_property":
            return tuple(node.text.decode("utf-8", "replace").split("."))
        return ("?",)

    def url(self, value: Optional[Value]) -> Optional[UrlUse]:
        if value is None:
            return None
        if isinstance(value.value, EnvRef):
            return self.ctx.env_url(value.value.name, value, rewrite=value.value.rewrite)
        if isinstance(value.value, str):
            return self.ctx.literal_url(value)
        return None

    # --- the walk ----------------------------------------------------------------------

    def read(self) -> None:
        nodes = []
        stack = [self.tree.root_node]
        while stack:
            node = stack.pop()
            nodes.append(node)
            stack.extend(reversed(node.named_children))
        for node in nodes:  # top-level `const x = ...` for one level of name resolution
            if node.type == "variable_declarator":
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                if name is not None and value is not None and name.type == "identifier":
                    self.consts.setdefault(name.text.decode("utf-8", "replace"), value)
            elif node.type in ("import_statement",):
                source = node.child_by_field_name("source")
                if source is not None:
                    self.imports.add(source.text.decode("utf-8", "replace").strip("'\"`"))
            elif node.type == "call_expression" and node.child_by_field_name("function") is not None \
                    and node.child_by_field_name("function").text == b"require":
                args = node.child_by_field_name("arguments")
                if args is not None and args.named_children and args.named_children[0].type == "string":
                    self.imports.add(str(self.value(args.named_children[0]).value))
        for node in nodes:
            if node.type in ("string", "template_string"):
                value = self.value(node)
                if isinstance(value.value, str) and ("://" in value.value or "host=" in value.value):
                    self.ctx.url_fact(value)
            elif node.type in ("new_expression", "call_expression"):
                self.call(node)
            elif node.type == "object":
                self.knex(node)
                self.drizzle_config(node)

    def call(self, node: Any) -> None:
        callee = node.child_by_field_name("constructor" if node.type == "new_expression" else "function")
        args_node = node.child_by_field_name("arguments")
        if callee is None or args_node is None:
            return
        path = self.path(callee)
        name = path[-1]
        args = [a for a in args_node.named_children if a.type != "comment"]
        first = self.value(args[0]) if args else None
        first_obj = first.value if first is not None and isinstance(first.value, dict) else {}
        start, end = self.span(callee)
        if self.is_node_postgres(node):
            settings, url = self.node_postgres(node)
            self.ctx.add(Fact("node-postgres", start, end, f"new {name}()", settings, url))
        elif name == "query" and first_obj and "name" in first_obj and ("text" in first_obj or "values" in first_obj):
            key_span, _ = first_obj["name"]
            # `pool.query({ name })` on a `const pool = new Pool(...)`: that pool's endpoint decides
            target = self.consts.get(path[0]) if len(path) == 2 else None
            url = self.node_postgres(target)[1] if target is not None and self.is_node_postgres(target) else None
            self.ctx.add(Fact("named-query", key_span[0], key_span[1], "query({ name })", {}, url))
        elif path == ("postgres",) or (name == "postgres" and "postgres" in self.imports):
            options = self.value(args[1]).value if len(args) > 1 else first_obj
            options = options if isinstance(options, dict) else {}
            settings = _flatten(options)
            url = self.url(first) if first is not None and not first_obj else None
            self.ctx.add(Fact("postgres-js", start, end, "postgres()", settings, url))
        elif node.type == "new_expression" and name == "Sequelize":
            options = self.value(args[-1]).value if args else {}
            options = options if isinstance(options, dict) else {}
            settings = _flatten(options)
            url = self.url(first) if first is not None and isinstance(first.value, (str, EnvRef)) and len(args) <= 2 else None
            self.ctx.add(Fact("sequelize", start, end, "new Sequelize()", settings, url))
        elif node.type == "new_expression" and name == "PgBoss":
            settings = {k: v for k, (_, v) in first_obj.items()}
            url = self.url(settings.get("connectionString")) if first_obj else self.url(first)
            self.ctx.add(Fact("pg-boss", start, end, "new PgBoss()", settings, url))
        elif name in ("run", "runOnce", "runMigrations") and "graphile-worker" in self.imports and first_obj:
            settings = {k: v for k, (_, v) in first_obj.items()}
            self.ctx.add(Fact("graphile-worker", start, end, f"{name}()", settings,
                              self.url(settings.get("connectionString"))))

    def drizzle_config(self, node: Any) -> None:
        """drizzle-kit's ``drizzle.config.*``: the object with ``dbCredentials`` (``defineConfig({...})``
        or ``export default {...} satisfies Config``) is what ``push`` / ``migrate`` connect with."""
        if not os.path.basename(self.ctx.filename).lower().startswith("drizzle.config"):
            return
        if "dbCredentials" not in _keys(node):
            return
        entries = self.object(node, 0)
        credentials = entries.get("dbCredentials")
        if credentials is None or not isinstance(credentials[1].value, dict):
            return
        url_entry = credentials[1].value.get("url") or credentials[1].value.get("connectionString")
        url = self.url(url_entry[1]) if url_entry is not None else None
        key_span = credentials[0]
        self.ctx.add(Fact("drizzle-kit", key_span[0], key_span[1], "dbCredentials", {}, url))

    def is_node_postgres(self, node: Any) -> bool:
        """``new Pool(...)`` / ``new Client(...)`` of node-postgres."""
        callee = node.child_by_field_name("constructor") if node.type == "new_expression" else None
        if callee is None or node.child_by_field_name("arguments") is None:
            return False
        path = self.path(callee)
        return path[-1] in ("Pool", "Client") and ("pg" in self.imports or path[0] == "pg")

    def node_postgres(self, node: Any) -> tuple[dict, Optional[UrlUse]]:
        """Settings and endpoint of a node-postgres ``new Pool(...)`` / ``new Client(...)``."""
        args = [a for a in node.child_by_field_name("arguments").named_children if a.type != "comment"]
        first = self.value(args[0]) if args else None
        first_obj = first.value if first is not None and isinstance(first.value, dict) else {}
        settings = {k: v for k, (_, v) in first_obj.items()}
        url = self.url(settings.get("connectionString")) if first_obj else self.url(first)
        if url is None and "host" in settings:
            url = self.ctx.host_port_url(settings.get("host"), settings.get("port"))
        return settings, url

    def knex(self, node: Any) -> None:
        """A Knex config object: ``{ client: 'pg', connection, searchPath }``."""
        # the keys first: valuing every object of a file (and its nested ones again) is quadratic
        if not {"client", "searchPath"} <= _keys(node):
            return
        obj = self.object(node, 0)
        client = obj.get("client")
        if client is None or "searchPath" not in obj or str(client[1].value).lower() not in KNEX_CLIENTS:
            return
        connection = obj.get("connection")
        url = None
        if connection is not None:
            conn = connection[1]
            if isinstance(conn.value, dict):
                inner = {k: v for k, (_, v) in conn.value.items()}
                url = self.url(inner.get("connectionString")) or self.ctx.host_port_url(inner.get("host"), inner.get("port"))
            else:
                url = self.url(conn)
        if any(_sometimes_unset(pair.child_by_field_name("value")) for pair in node.named_children
               if pair.type == "pair" and pair.child_by_field_name("key") is not None
               and _key_name(pair.child_by_field_name("key")) == "searchPath"):
            return  # the code itself leaves searchPath unset on some connections (e.g. on its pooled pool)
        key_span, value = obj["searchPath"]
        self.ctx.add(Fact("knex", key_span[0], key_span[1], "searchPath", {"searchPath": value}, url))


def _key_name(key: Any) -> str:
    """The name of an object key node (``host``, ``'host'``, ``"host"``)."""
    return key.text.decode("utf-8", "replace").strip("'\"`")


def _keys(node: Any) -> set[str]:
    """The literal keys of an object node, without valuing what they hold."""
    keys = set()
    for pair in node.named_children:
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        if key is not None:
            keys.add(_key_name(key))
        elif pair.type == "shorthand_property_identifier":
            keys.add(pair.text.decode("utf-8", "replace"))
    return keys


def _sometimes_unset(node: Any) -> bool:
    """``cond ? undefined : x`` (or ``null``): a setting the code turns off for some of its connections,
    as supabase/storage does for its pooled pool, so a hazard is not certain."""
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    if node is None or node.type != "ternary_expression":
        return False
    branches = (node.child_by_field_name("consequence"), node.child_by_field_name("alternative"))
    for branch in branches:
        while branch is not None and branch.type == "parenthesized_expression" and branch.named_children:
            branch = branch.named_children[0]
        if branch is not None and branch.type in ("undefined", "null"):
            return True
    return False


def _flatten(obj: dict, prefix: str = "") -> dict[str, Value]:
    out: dict[str, Value] = {}
    for key, (_, value) in obj.items():
        out[prefix + key] = value
        if isinstance(value.value, dict):
            out.update(_flatten(value.value, prefix + key + "."))
    return out


def _unescape(seq: str) -> str:
    simple = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\\\": "\\", "\\'": "'", '\\"': '"', "\\`": "`", "\\/": "/"}
    return simple.get(seq, seq[1:] if seq.startswith("\\") else seq)


def read(ctx: Context) -> None:
    if not any(marker in ctx.text for marker in MARKERS):
        return
    from ...code.javascript_source import JAVASCRIPT, TSX, TYPESCRIPT

    lower = ctx.filename.lower()
    spec = TSX if lower.endswith(".tsx") else TYPESCRIPT if lower.endswith((".ts", ".mts", ".cts")) else JAVASCRIPT
    try:
        Reader(ctx, spec).read()
    except (ImportError, RecursionError, ValueError):
        return
