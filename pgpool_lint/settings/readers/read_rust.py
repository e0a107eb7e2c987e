"""Rust connection code, read with tree-sitter (never run).

Facts: sqlx ``PgPool::connect(url)``, ``PgPoolOptions::new()...connect(url)`` /
``connect_lazy``, ``PgConnection::connect``, ``PgConnectOptions::from_str(url)`` — with the URL
followed through ``let`` bindings, ``&``, ``?``, ``.unwrap()`` / ``.expect()`` to a literal or
``std::env::var("X")`` / ``dotenvy::var`` / ``env!("X")`` (resolved from ``.env`` files), and
whether the file sets ``.statement_cache_capacity(0)``; every literal connection string.
"""

from __future__ import annotations

from typing import Any, Optional

from ..context import Context
from ..model import Fact, UrlUse
from .read_stacks import StackReader, run

MARKERS = ("PgPool", "PgConnect", "PgListener", "postgres")
_CONNECTS = frozenset({"connect", "connect_lazy"})
_SQLX_TYPES = ("PgPool", "PgConnection", "PgConnectOptions", "PgPoolOptions")
_PASS = frozenset({"unwrap", "expect", "clone", "as_str", "as_ref", "to_string", "to_owned"})


class Reader(StackReader):
    ENV_GETTERS = {("env", "var"): 0, ("dotenvy", "var"): 0, ("dotenv", "var"): 0, ("env",): 0}

    def __init__(self, ctx: Context) -> None:
        from ...code.rust_source import RUST

        super().__init__(ctx, RUST)
        self.bindings: dict[str, Any] = {}

    def read(self) -> None:
        calls = []
        for node in self.nodes():
            if node.type == "let_declaration":
                pattern, value = node.child_by_field_name("pattern"), node.child_by_field_name("value")
                if pattern is not None and value is not None and pattern.type == "identifier":
                    self.bindings[pattern.text.decode("utf-8", "replace")] = value
            elif node.type == "call_expression":
                calls.append(node)
        self.literal_urls(lambda n: n.type in ("string_literal", "raw_string_literal"))
        cache_off = "statement_cache_capacity(0)" in self.ctx.text.replace(" ", "")
        for node in calls:
            self.call(node, cache_off)

    def resolve(self, node: Any, depth: int = 0) -> Any:
        while depth < 8:
            depth += 1
            if node.type in ("reference_expression", "try_expression", "parenthesized_expression", "await_expression"):
                inner = node.child_by_field_name("value") or (node.named_children[0] if node.named_children else None)
                if inner is None:
                    break
                node = inner
            elif node.type == "identifier" and node.text.decode("utf-8", "replace") in self.bindings:
                node = self.bindings.pop(node.text.decode("utf-8", "replace"), node)  # no cycles
            elif node.type == "call_expression" and _method(node) in _PASS:
                node = node.child_by_field_name("function").child_by_field_name("value")
            else:
                break
        return node

    def endpoint(self, node: Any) -> Optional[UrlUse]:
        saved = dict(self.bindings)
        try:
            return self.url(self.resolve(node))
        finally:
            self.bindings = saved

    def call(self, node: Any, cache_off: bool) -> None:
        function = node.child_by_field_name("function")
        if function is None:
            return
        text = function.text.decode("utf-8", "replace")
        method = _method(node)
        label = None
        if method in _CONNECTS and any(t in text for t in _SQLX_TYPES):
            label = f"{text.split('::')[0].split('(')[0]}...{method}()" if "(" in text else f"{text}()"
        elif function.type == "scoped_identifier" and text.endswith("PgConnectOptions::from_str"):
            label = "PgConnectOptions::from_str()"
        elif function.type == "scoped_identifier" and any(text.endswith(f"{t}::{c}") for t in _SQLX_TYPES
                                                           for c in _CONNECTS):
            label = f"{text}()"
        if text.endswith("PgListener::connect") or text.endswith("PgListener::connect_with"):
            self.listener(node, text)
            return
        if label is None:
            return
        args = self.arguments(node)
        url = self.endpoint(args[0]) if args else None
        start, end = self.span(node)
        self.ctx.add(Fact("sqlx", start, end, label, {}, url, {"cache_off": cache_off}))


    def listener(self, node: Any, text: str) -> None:
        """``PgListener::connect(url)`` / ``connect_with(&pool)``: LISTEN on that endpoint (PGB205)."""
        args = self.arguments(node)
        if not args:
            return
        url = None
        if text.endswith("connect"):
            url = self.endpoint(args[0])
        else:  # the pool it borrows a connection from: `let pool = PgPool::connect(&url).await?`
            saved = dict(self.bindings)
            try:
                pool = self.resolve(args[0])
                if pool.type == "call_expression" and _method(pool) in _CONNECTS and self.arguments(pool):
                    url = self.url(self.resolve(self.arguments(pool)[0]))
            finally:
                self.bindings = saved
        start, end = self.span(node)
        self.ctx.add(Fact("sqlx-listener", start, end, "PgListener", {}, url))


def _method(call: Any) -> Optional[str]:
    function = call.child_by_field_name("function")
    if function is not None and function.type == "field_expression":
        field = function.child_by_field_name("field")
        return field.text.decode("utf-8", "replace") if field is not None else None
    if function is not None and function.type == "scoped_identifier":
        name = function.child_by_field_name("name")
        return name.text.decode("utf-8", "replace") if name is not None else None
    return None


def read(ctx: Context) -> None:
    run(ctx, MARKERS, Reader)
