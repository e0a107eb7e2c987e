"""SQL in Rust: sqlx (``query``, ``query_as``, ``query_scalar`` and their ``!`` macros),
tokio-postgres / postgres (``execute``, ``query``, ``batch_execute`` ...), diesel ``sql_query``,
SeaORM ``execute_unprepared`` and ``Statement::from_string``; plain and raw (``r#"..."#``)
strings, line continuations, ``format!`` fields as holes, ``indoc!``, ``&``, ``.to_string()``."""

from __future__ import annotations

from typing import Any, Optional

from .hosts import Host, host_language
from .literals import brace_fields, node_text, positional, read_parts

#: macros whose first string argument is the string they produce (format fields aside)
_FORMAT_MACROS = frozenset({"format"})
_PASS_MACROS = frozenset({"indoc", "formatdoc", "concat"})
#: methods and functions that only turn a string into another string type
_PASS_METHODS = frozenset({"to_string", "to_owned", "into", "as_str", "as_ref", "trim", "from"})
#: functions whose SQL comes second (a backend or connection first)
_SECOND = frozenset({"from_string", "from_sql_and_values"})


def _read_literal(ex: Any, node: Any, out: Any) -> None:
    read_parts(ex, node, out, content=("string_content",), holes=(), continuation_skips_blanks=True)


def _macro_name(node: Any) -> str:
    macro = node.child_by_field_name("macro")
    return node_text(macro).rsplit("::", 1)[-1] if macro is not None else ""


def _token_strings(tree: Any) -> list[Any]:
    return [c for c in tree.named_children if c.type in ("string_literal", "raw_string_literal")]


def _unwrap(node: Any) -> Optional[Any]:
    kind = node.type
    if kind == "reference_expression":
        value = node.child_by_field_name("value")
        return value
    if kind == "macro_invocation":  # format!("...", a): its token tree, whose first token is the string
        name = _macro_name(node)
        if name in _FORMAT_MACROS or name in _PASS_MACROS:
            return next((c for c in node.named_children if c.type == "token_tree"), None)
        return None
    if kind == "token_tree":
        macro = node.parent
        if macro is None or macro.type != "macro_invocation" or not (
                _macro_name(macro) in _FORMAT_MACROS or _macro_name(macro) in _PASS_MACROS):
            return None
        first = node.named_children[0] if node.named_children else None
        return first if first is not None and first.type in ("string_literal", "raw_string_literal") else None
    if kind == "field_expression":  # the "...".to_string part of "...".to_string()
        parent = node.parent
        if parent is not None and parent.type == "call_expression" and _passes(node):
            arguments = parent.child_by_field_name("arguments")
            if arguments is not None and not positional(arguments):
                return node.child_by_field_name("value")
        return None
    if kind == "call_expression":
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or arguments is None:
            return None
        args = positional(arguments)
        if function.type == "field_expression" and not args and _passes(function):  # "...".to_string()
            return function
        if function.type == "scoped_identifier" and len(args) == 1:  # String::from("...")
            if node_text(function) in ("String::from", "String::new", "Cow::from"):
                return args[0]
    return None


def _passes(field_expression: Any) -> bool:
    field = field_expression.child_by_field_name("field")
    return field is not None and node_text(field) in _PASS_METHODS


def _read_unwrapped(ex: Any, node: Any, out: Any, nodes: list[Any]) -> bool:
    inner = _unwrap(node)
    if inner is None or not ex._is_stringish(inner):
        return False
    if node.type == "macro_invocation" and _macro_name(node) in _FORMAT_MACROS | {"formatdoc"}:
        from .fragments import FragmentBuilder

        piece = FragmentBuilder()
        if not ex._read(inner, piece, nodes):
            return False
        out.extend(brace_fields(piece))
        return True
    return ex._read(inner, out, nodes)


def _sql_slots(ex: Any, call: Any, path: tuple[str, ...], arguments: Any) -> list[Any]:
    if call.type == "macro_invocation":  # query!("...", a) / query_as!(User, "...", a)
        strings = _token_strings(arguments)
        return strings[:1]
    args = positional(arguments)
    index = 1 if path[-1] in _SECOND else 0
    return args[index:index + 1]


RUST = host_language(
    "rust", "tree_sitter_rust", globals(),
    strings=("string_literal", "raw_string_literal"),
    calls={"call_expression": ("function", None, "arguments"), "macro_invocation": ("macro", None, "token_tree")},
    argument_lists=frozenset({"arguments", "token_tree"}),
    comments=("line_comment", "block_comment"),
    containers=frozenset({"array_expression", "tuple_expression", "struct_expression", "field_initializer_list",
                          "field_initializer"}),
    comparisons=frozenset({"==", "!="}),
    messages=frozenset({"eprintln", "eprint", "panic", "anyhow", "bail", "ensure", "expect", "context",
                        "with_context", "unreachable", "todo", "unimplemented", "assert_eq", "assert_ne",
                        "debug_assert", "debug_assert_eq", "format_args", "wrap_err", "eyre", "instrument",
                        "span", "info_span", "debug_span"}),
    question_marks=False,
)
HOST = Host(RUST)
