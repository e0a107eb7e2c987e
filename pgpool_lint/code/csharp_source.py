"""SQL in C#: Npgsql (``new NpgsqlCommand(sql, conn)``, ``CommandText = ...``), Dapper
(``Execute``, ``Query<T>`` and their async forms), EF Core (``ExecuteSqlRaw``, ``FromSqlRaw``,
``migrationBuilder.Sql``), FluentMigrator ``Execute.Sql``; regular, verbatim (``@"..."``), raw
(``\"\"\"...\"\"\"``) and interpolated (``$"...{x}..."``) strings and ``+`` concatenation."""

from __future__ import annotations

from typing import Any, Optional

from .hosts import Host, host_language
from .literals import doubled, named_or_first_positional, node_text, plain, positional, read_parts

_BRACES = doubled({"{{": "{", "}}": "}"})
_VERBATIM = doubled({'""': '"'})
_VERBATIM_BRACES = doubled({'""': '"', "{{": "{", "}}": "}"})
#: named arguments that hold the SQL (Dapper ``sql:``, EF Core ``sql:``, Npgsql ``cmdText:``)
_SQL_ARGUMENT_NAMES = frozenset({"sql", "cmdText", "commandText", "query"})
#: properties whose value is the SQL a command runs
_SQL_PROPERTIES = frozenset({"CommandText"})


def _read_literal(ex: Any, node: Any, out: Any) -> None:
    text = ex.text
    if node.type == "verbatim_string_literal":  # @"...": a leaf, "" is one quote
        start, end = ex.host.offset(node.start_point), ex.host.offset(node.end_point)
        open_quote = text.find('"', start, end)
        if open_quote != -1 and end - 1 > open_quote:
            _VERBATIM(out, text[open_quote + 1:end - 1], open_quote + 1)
        return
    if node.type == "raw_string_literal":
        read_parts(ex, node, out, content=("raw_string_content",), holes=())
        return
    if node.type == "interpolated_string_expression":
        start = node.named_children[0] if node.named_children else None
        prefix = node_text(start) if start is not None and start.type == "interpolation_start" else "$"
        quote = next((c for c in node.children if c.type == "interpolation_quote"), None)
        raw = quote is not None and node_text(quote).startswith('"""')
        hook = plain if raw else _VERBATIM_BRACES if "@" in prefix else _BRACES
        read_parts(ex, node, out, content=("string_content",), holes=("interpolation",), on_text=hook)
        return
    read_parts(ex, node, out, content=("string_literal_content",), holes=())


def _sql_slots(ex: Any, call: Any, path: tuple[str, ...], arguments: Any) -> list[Any]:
    return named_or_first_positional(positional(arguments), _SQL_ARGUMENT_NAMES)


def _context(ex: Any, root: Any, parent: Any) -> Optional[tuple[str, Optional[Any]]]:
    """``cmd.CommandText = "..."`` and ``new NpgsqlCommand { CommandText = "..." }``."""
    if parent.type != "assignment_expression":
        return None
    left, right = parent.child_by_field_name("left"), parent.child_by_field_name("right")
    if left is None or right is None or right.id != root.id:
        return None
    name = left.child_by_field_name("name") if left.type == "member_access_expression" else left
    if name is not None and node_text(name) in _SQL_PROPERTIES:
        return "sql", parent
    return None


CSHARP = host_language(
    "csharp", "tree_sitter_c_sharp", globals(),
    strings=("string_literal", "verbatim_string_literal", "raw_string_literal", "interpolated_string_expression"),
    interpolations=frozenset({"interpolation"}),
    calls={"invocation_expression": ("function", None, "arguments")},
    argument_lists=frozenset({"argument_list"}),
    constructors={"object_creation_expression": "type"},
    wrappers=frozenset({"argument"}),
    containers=frozenset({"initializer_expression", "collection_expression", "anonymous_object_creation_expression",
                          "implicit_array_creation_expression", "array_creation_expression", "tuple_expression"}),
    comparisons=frozenset({"==", "!="}),
    messages=frozenset({"WriteLine", "Write", "LogInformation", "LogWarning", "LogError", "LogDebug", "LogTrace",
                        "LogCritical", "Information", "Warning", "Debug", "Verbose", "Fatal", "Equal", "AreEqual",
                        "NotEqual", "Contains", "StartsWith", "EndsWith", "Should", "Be", "WithMessage"}),
)
HOST = Host(CSHARP)
