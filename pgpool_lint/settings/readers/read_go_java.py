"""Go and Java connection code, read with tree-sitter (``code.treesitter``; never run).

Go facts: pgx ``pgxpool.New`` / ``pgx.Connect`` / ``ParseConfig`` / ``sql.Open("pgx", ...)``
(and whether the file sets ``DefaultQueryExecMode`` to a mode without named statements),
golang-migrate ``migrate.New(source, databaseURL)``.  Java: JDBC URLs in string literals.
In both, every literal connection string; ``os.Getenv("X")`` / ``System.getenv("X")`` are
resolved from ``.env`` files.
"""

from __future__ import annotations

from typing import Any, Optional

from ..context import Context
from ..model import Fact, UrlUse, Value

MARKERS = ("postgres", "pgx", "jdbc:", "flyway")
#: Flyway configuration keys that switch its PostgreSQL lock to a session advisory lock
FLYWAY_LOCK_KEYS = ("flyway.postgresql.transactional.lock", "spring.flyway.postgresql.transactional.lock")
PGX_CONNECT = {("pgxpool", "New"), ("pgxpool", "NewWithConfig"), ("pgx", "Connect"), ("pgxpool", "ParseConfig"),
               ("pgx", "ParseConfig"), ("pgx", "ConnectConfig")}
#: QueryExecMode values that use no named prepared statements (pgx docs)
SAFE_MODES = ("QueryExecModeExec", "QueryExecModeSimpleProtocol", "QueryExecModeDescribeExec",
              "QueryExecModeCacheDescribe")
STRINGS = ("interpreted_string_literal", "raw_string_literal", "string_literal")


class Reader:
    def __init__(self, ctx: Context, spec: Any) -> None:
        from ...code.treesitter import HostText, parse

        self.ctx = ctx
        self.host = HostText(ctx.text)
        self.tree = parse(spec, ctx.text)
        self.runtime: list[tuple[Value, Any]] = []  # pgx RuntimeParams assignments: (key, value)

    def span(self, node: Any) -> tuple[int, int]:
        return self.host.offset(node.start_point), self.host.offset(node.end_point)

    def string(self, node: Any) -> Optional[Value]:
        if node.type not in STRINGS:
            return None
        start, end = self.span(node)
        if node.type == "raw_string_literal":
            text = node.text.decode("utf-8", "replace")[1:-1]
            return Value(text, start, end, start + 1)
        parts, escaped = [], False
        for child in node.named_children:
            if child.type in ("interpreted_string_literal_content", "string_fragment"):
                parts.append(child.text.decode("utf-8", "replace"))
            elif child.type == "escape_sequence":
                escaped = True
        text = "".join(parts)
        return Value(text, start, end, None if escaped else start + 1)

    def url(self, node: Any) -> Optional[UrlUse]:
        value = self.string(node)
        if value is not None:
            return self.ctx.literal_url(value)
        if node.type in ("call_expression", "method_invocation"):
            callee = node.child_by_field_name("function") or node.child_by_field_name("name")
            args = node.child_by_field_name("arguments")
            name = callee.text.decode("utf-8", "replace") if callee is not None else ""
            if name.endswith("Getenv") or name == "getenv":
                first = next((a for a in (args.named_children if args else []) if a.type in STRINGS), None)
                env = self.string(first) if first is not None else None
                if env is not None:
                    start, end = self.span(node)
                    return self.ctx.env_url(str(env.value), Value(None, start, end))
        return None

    def read(self) -> None:
        nodes, stack = [], [self.tree.root_node]
        while stack:
            node = stack.pop()
            nodes.append(node)
            stack.extend(reversed(node.named_children))
        safe_mode = any(n.type == "selector_expression" and n.text.decode("utf-8", "replace").endswith(SAFE_MODES)
                        for n in nodes)
        for node in nodes:
            if node.type in STRINGS:
                value = self.string(node)
                if value is not None and ("://" in value.value or "host=" in value.value):
                    self.ctx.url_fact(value)
                elif value is not None and value.value in FLYWAY_LOCK_KEYS:
                    self.flyway_setting(node, value)
            elif node.type == "call_expression":
                self.go_call(node, safe_mode)
            elif node.type == "index_expression":
                self.runtime_param(node)
        if self.runtime:
            # pgx sends ConnConfig.RuntimeParams at startup: the endpoint is the pgx config's own
            dsn = next((f.url for f in self.ctx.facts if f.kind == "pgx" and f.url is not None), None)
            first = self.runtime[0][0]
            self.ctx.add(Fact("pgx-runtime-params", first.start, first.end, "ConnConfig.RuntimeParams",
                              {str(k.value): Value(v, k.start, k.end) for k, v in self.runtime}, dsn))

    def runtime_param(self, node: Any) -> None:
        """``config.ConnConfig.RuntimeParams["statement_timeout"] = "30000"`` (Go)."""
        operand, index = node.child_by_field_name("operand"), node.child_by_field_name("index")
        statement = node.parent.parent if node.parent is not None else None
        if operand is None or index is None or statement is None or statement.type != "assignment_statement":
            return
        if not operand.text.decode("utf-8", "replace").endswith("RuntimeParams"):
            return
        key = self.string(index)
        right = statement.child_by_field_name("right")
        if key is None or right is None or not right.named_children:
            return
        value = self.string(right.named_children[0])
        self.runtime.append((key, value.value if value is not None else right.text.decode("utf-8", "replace")))

    def flyway_setting(self, key_node: Any, key: Value) -> None:
        """``Map.of("flyway.postgresql.transactional.lock", "false")``, ``props.setProperty(k, v)``,
        ``put(k, v)``: the key's value is the next argument, when it is a string literal."""
        parent = key_node.parent
        if parent is None or parent.type != "argument_list":
            return
        siblings = list(parent.named_children)
        index = next((i for i, n in enumerate(siblings) if n.id == key_node.id), None)
        if index is None or index + 1 >= len(siblings):
            return
        value = self.string(siblings[index + 1])
        if value is not None:
            self.ctx.add(Fact("flyway", key.start, key.end, "Flyway configuration",
                              {"postgresql.transactional.lock": value}, None,
                              {"names": {"postgresql.transactional.lock": str(key.value)}}))

    def go_call(self, node: Any, safe_mode: bool) -> None:
        callee = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        if callee is None or args_node is None or callee.type != "selector_expression":
            return
        operand = callee.child_by_field_name("operand")
        field = callee.child_by_field_name("field")
        if operand is None or field is None:
            return
        pair = (operand.text.decode("utf-8", "replace"), field.text.decode("utf-8", "replace"))
        args = list(args_node.named_children)
        start, end = self.span(callee)
        if pair in PGX_CONNECT or (pair == ("sql", "Open") and args and self.string(args[0]) is not None
                                   and self.string(args[0]).value == "pgx"):
            dsn = next((self.url(a) for a in args if self.url(a) is not None), None)
            self.ctx.add(Fact("pgx", start, end, f"{pair[0]}.{pair[1]}()", {}, dsn, {"safe_mode": safe_mode}))
        elif pair[0] == "migrate" and pair[1] in ("New", "NewWithSourceInstance") and len(args) >= 2:
            self.ctx.add(Fact("golang-migrate", start, end, f"migrate.{pair[1]}()", {}, self.url(args[-1])))


def read(ctx: Context) -> None:
    if not any(marker in ctx.text for marker in MARKERS):
        return
    if ctx.filename.lower().endswith(".go"):
        from ...code.go_source import GO as spec
    else:
        from ...code.java_source import JAVA as spec
    try:
        Reader(ctx, spec).read()
    except (ImportError, RecursionError, ValueError):
        return
