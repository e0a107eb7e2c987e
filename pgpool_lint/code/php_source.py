"""SQL in PHP: PDO ``exec``/``query``/``prepare``, the pgsql extension (``pg_query`` ...),
Laravel's ``DB::statement``/``select``/``unprepared``, Doctrine DBAL ``executeStatement`` and
Doctrine migrations' ``addSql``; single- and double-quoted strings, heredocs and nowdocs, with
``$var`` / ``{$expr}`` interpolation as holes, ``.`` concatenation and ``sprintf`` formats."""

from __future__ import annotations

from typing import Any, Optional

from .fragments import decode_escape
from .hosts import Host, host_language
from .literals import named_argument, node_text, positional, read_parts

#: the pgsql extension's functions: (index of the SQL with a connection, without one)
_PG_FUNCTIONS = {"pg_query": (1, 0), "pg_send_query": (1, 0), "pg_query_params": (1, 0),
                 "pg_send_query_params": (1, 0), "pg_prepare": (2, 1), "pg_send_prepare": (2, 1)}
#: how many arguments each takes with a connection
_PG_ARITY = {"pg_query": 2, "pg_send_query": 2, "pg_query_params": 3, "pg_send_query_params": 3,
             "pg_prepare": 3, "pg_send_prepare": 3}
#: PHP functions that share a name with a SQL method (``exec`` runs a shell command)
_NOT_SQL_FUNCTIONS = frozenset({"exec", "query", "prepare", "statement"})
_SQL_ARGUMENT_NAMES = frozenset({"query", "sql", "statement"})


def _double_quoted_escape(seq: str) -> str:
    """PHP keeps the backslash of an escape it does not know (``"\\d"``, ``"\\'"``)."""
    if len(seq) >= 2 and seq[1] in "ntrvef\\$\"01234567xu":
        return decode_escape(seq)
    return seq


def _single_quoted_escape(seq: str) -> str:
    return seq[1:] if seq in ("\\'", "\\\\") else seq


def _read_literal(ex: Any, node: Any, out: Any) -> None:
    if node.type in ("heredoc", "nowdoc"):  # only the body: the tags are not part of the value
        node = node.child_by_field_name("value") or next(
            (c for c in node.named_children if c.type.endswith("_body")), None)
        if node is None:
            return
    interpolates = node.type in ("encapsed_string", "heredoc_body")
    read_parts(ex, node, out, content=("string_content", "nowdoc_string", "string_value"),
               brace_holes=interpolates, holes=None if interpolates else (),
               decode=_double_quoted_escape if interpolates else _single_quoted_escape)


def _sql_slots(ex: Any, call: Any, path: tuple[str, ...], arguments: Any) -> list[Any]:
    args = positional(arguments)
    named = named_argument(args, _SQL_ARGUMENT_NAMES)
    if named:
        return named
    if call.type == "function_call_expression":
        name = path[-1]
        if name in _NOT_SQL_FUNCTIONS:
            return []
        if name in _PG_FUNCTIONS:
            with_conn, without = _PG_FUNCTIONS[name]
            index = with_conn if len(args) >= _PG_ARITY[name] else without
            return [args[index]] if index < len(args) else []
    return args[:1]


def _unwrap(node: Any) -> Optional[Any]:
    """``sprintf("SET search_path TO %s", $schema)``: its format is the SQL (``%s`` a value)."""
    if node.type != "function_call_expression":
        return None
    function = node.child_by_field_name("function")
    arguments = node.child_by_field_name("arguments")
    if function is None or arguments is None or node_text(function).lstrip("\\") != "sprintf":
        return None
    args = positional(arguments)
    return args[0] if args else None


def _read_unwrapped(ex: Any, node: Any, out: Any, nodes: list[Any]) -> bool:
    inner = _unwrap(node)
    return inner is not None and ex._is_stringish(inner) and ex._read(inner, out, nodes)


def _context(ex: Any, root: Any, parent: Any) -> Optional[tuple[str, Optional[Any]]]:
    if parent.type in ("echo_statement", "print_intrinsic", "throw_expression"):
        return "message", None
    holder = parent.parent if parent.type == "arguments" else None
    if holder is not None and holder.type == "object_creation_expression":
        name = next((c for c in holder.named_children if c.type in ("name", "qualified_name")), None)
        last = node_text(name).rsplit("\\", 1)[-1] if name is not None else ""
        return ("message" if ex._is_message(last) else "maybe"), holder
    return None


PHP = host_language(
    "php", "tree_sitter_php", globals(),
    function="language_php",
    strings=("string", "encapsed_string", "heredoc", "nowdoc"),
    concat_operators=frozenset({"."}),
    calls={"member_call_expression": ("object", "name", "arguments"),
           "nullsafe_member_call_expression": ("object", "name", "arguments"),
           "scoped_call_expression": ("scope", "name", "arguments"),
           "function_call_expression": ("function", None, "arguments")},
    argument_lists=frozenset({"arguments"}),
    wrappers=frozenset({"argument"}),
    containers=frozenset({"array_creation_expression", "array_element_initializer"}),
    comparisons=frozenset({"==", "!=", "===", "!==", "<>"}),
    messages=frozenset({"line", "comment", "question", "newLine", "dump", "dd", "var_dump", "die", "abort",
                        "trigger_error", "error_log", "__", "trans", "assertSame", "assertEquals",
                        "assertStringContainsString", "expectExceptionMessage",
                        # shell commands, never SQL
                        "shell_exec", "system", "passthru", "popen", "proc_open", "escapeshellarg"}),
)
HOST = Host(PHP)
