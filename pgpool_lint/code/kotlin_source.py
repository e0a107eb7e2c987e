"""SQL in Kotlin: JDBC as in Java (``execute``, ``prepareStatement`` ...), Spring
``JdbcTemplate``, Exposed ``exec``, R2DBC ``createStatement``; strings and raw strings
(``\"\"\"...\"\"\".trimIndent()``), ``$name`` and ``${expr}`` interpolation as holes, ``+``
concatenation."""

from __future__ import annotations

import re
from typing import Any, Optional

from .hosts import Host, host_language
from .literals import holes_at, named_or_first_positional, node_text, positional, read_parts
from .treesitter import _path

#: ``$name`` in a string (the grammar reads it as text); ``$1`` and ``\\$`` are not interpolation
_SIMPLE_TEMPLATE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")
_TEMPLATES = holes_at(_SIMPLE_TEMPLATE)
_PASS_METHODS = frozenset({"trimIndent", "trimMargin", "trim", "toString"})
_SQL_ARGUMENT_NAMES = frozenset({"sql", "query", "statement"})


def _read_literal(ex: Any, node: Any, out: Any) -> None:
    read_parts(ex, node, out, content=("string_content",), holes=("interpolation",), on_text=_TEMPLATES)


def _callee(ex: Any, call: Any) -> tuple[str, ...]:
    first = call.named_children[0] if call.named_children else None
    if first is None or first.type in ("value_arguments", "annotated_lambda"):
        return ()
    if first.type == "call_expression" and any(c.type == "annotated_lambda" for c in call.named_children):
        return _callee(ex, first)  # require(ok) { "..." }: the lambda trails the call's arguments
    return _path(first)


def _arguments(call: Any) -> Optional[Any]:
    return next((c for c in call.named_children if c.type == "value_arguments"), None)


def _unwrap(node: Any) -> Optional[Any]:
    """``\"\"\"...\"\"\".trimIndent()``: the call passes on its navigation, which passes on the string."""
    if node.type == "call_expression":
        first = node.named_children[0] if node.named_children else None
        arguments = _arguments(node)
        if first is None or first.type != "navigation_expression" or (arguments is not None and positional(arguments)):
            return None
        return first if _trims(first) else None
    if node.type == "navigation_expression" and node.parent is not None and node.parent.type == "call_expression":
        return node.named_children[0] if _trims(node) and _unwrap(node.parent) is not None else None
    return None


def _trims(navigation: Any) -> bool:
    named = navigation.named_children
    return len(named) == 2 and named[1].type == "identifier" and node_text(named[1]) in _PASS_METHODS


def _read_unwrapped(ex: Any, node: Any, out: Any, nodes: list[Any]) -> bool:
    inner = _unwrap(node)
    return inner is not None and ex._is_stringish(inner) and ex._read(inner, out, nodes)


def _argument_name(arg: Any) -> Optional[str]:
    named = arg.named_children
    if len(named) >= 2 and named[0].type == "identifier" and any(c.type == "=" for c in arg.children):
        return node_text(named[0])
    return None


def _sql_slots(ex: Any, call: Any, path: tuple[str, ...], arguments: Any) -> list[Any]:
    return named_or_first_positional(positional(arguments), _SQL_ARGUMENT_NAMES, _argument_name)


def _context(ex: Any, root: Any, parent: Any) -> Optional[tuple[str, Optional[Any]]]:
    """``require(ok) { "message" }``: a lambda that builds a message for a check or a log call."""
    node = parent
    while node is not None and node.type in ("statements", "lambda_literal", "annotated_lambda"):
        node = node.parent
    if node is not None and node is not parent and node.type == "call_expression":
        path = _callee(ex, node)
        if path and ex._is_message(path[-1]):
            return "message", node
    return None


KOTLIN = host_language(
    "kotlin", "tree_sitter_kotlin", globals(),
    strings=("string_literal", "multiline_string_literal"),
    interpolations=frozenset({"interpolation"}),
    calls={"call_expression": (None, None, "value_arguments")},
    argument_lists=frozenset({"value_arguments"}),
    wrappers=frozenset({"value_argument"}),
    comments=("line_comment", "block_comment"),
    containers=frozenset({"collection_literal"}),
    comparisons=frozenset({"==", "!=", "===", "!=="}),
    messages=frozenset({"require", "check", "requireNotNull", "checkNotNull", "TODO", "assertEquals",
                        "assertThat", "isEqualTo", "shouldBe", "assertNotEquals"}),
)
HOST = Host(KOTLIN)
