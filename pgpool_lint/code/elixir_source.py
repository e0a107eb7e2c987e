"""SQL in Elixir (.ex, .exs): Ecto migrations (``execute "..."``, ``execute up, down``),
``Repo.query``, ``Ecto.Adapters.SQL.query``, ``Postgrex.query`` and their bang forms, piped or
not; strings, charlists, heredocs and the ``~s``/``~S`` sigils, with ``#{}`` interpolation as a
hole and ``<>`` concatenation.  ``@doc`` / ``@moduledoc`` text, ``Logger`` calls and compared
strings are never read."""

from __future__ import annotations

from typing import Any, Optional

from .hosts import Host, host_language
from .literals import node_text, positional, read_parts

#: sigils whose content is a plain string (``~r`` regexes, ``~w`` word lists, ``~H`` markup are not)
_TEXT_SIGILS = frozenset({"s", "S"})
#: callee's last name -> index of the SQL argument (a repo or connection comes first)
_SQL_INDEX = {"query": 1, "query!": 1, "query_many": 1, "query_many!": 1, "stream": 1,
              "prepare": 2, "prepare!": 2, "prepare_execute": 2, "prepare_execute!": 2}
#: module aliases whose functions take the repo / connection first
_CONN_FIRST = frozenset({"SQL", "Postgrex"})


def _read_literal(ex: Any, node: Any, out: Any) -> Optional[bool]:
    if node.type == "sigil":
        name = node.child_by_field_name("name") or next(
            (c for c in node.named_children if c.type == "sigil_name"), None)
        if name is None or node_text(name) not in _TEXT_SIGILS:
            return False
    read_parts(ex, node, out, content=("quoted_content",), holes=("interpolation",))
    return None


def _callee(ex: Any, call: Any) -> tuple[str, ...]:
    target = call.child_by_field_name("target")
    return _name_path(target) if target is not None else ()


def _name_path(node: Any) -> tuple[str, ...]:
    if node.type == "dot":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        head = _name_path(left) if left is not None else ("?",)
        return head + ((node_text(right),) if right is not None else ("?",))
    if node.type == "alias":
        return tuple(p for p in node_text(node).split(".") if p)
    if node.type == "identifier":
        return (node_text(node),)
    if node.type == "call":  # repo().query!(...) in migrations
        target = node.child_by_field_name("target")
        return _name_path(target) if target is not None else ("?",)
    return ("?",)


def _sql_indices(path: tuple[str, ...]) -> tuple[int, ...]:
    if path[-1] == "execute":
        return (0, 1)  # Ecto.Migration.execute(up, down): both are SQL
    if len(path) >= 2 and path[-2] in _CONN_FIRST:
        return (_SQL_INDEX.get(path[-1], 1),)
    return (0,)


def _is_piped(call: Any) -> bool:
    parent = call.parent
    if parent is None or parent.type != "binary_operator":
        return False
    op, right = parent.child_by_field_name("operator"), parent.child_by_field_name("right")
    return op is not None and op.type == "|>" and right is not None and right.id == call.id


def _sql_slots(ex: Any, call: Any, path: tuple[str, ...], arguments: Any) -> list[Any]:
    args = positional(arguments, skip=("keywords",))
    shift = 1 if _is_piped(call) else 0
    indices = _sql_indices(path)
    if indices == (0,) and not shift and len(args) > 1 and not ex._is_stringish(args[0]) \
            and ex._is_stringish(args[1]):
        indices = (1,)  # a repo wrapper that takes its config first: Oban's `Repo.query(conf, sql, params)`
    return [args[i - shift] for i in indices if 0 <= i - shift < len(args)]


def _context(ex: Any, root: Any, parent: Any) -> Optional[tuple[str, Optional[Any]]]:
    """``"SELECT ..." |> Repo.query()``: the piped string is the call's first argument; a
    string a ``case`` clause or function head matches against is data."""
    if parent.type == "arguments" and parent.parent is not None and parent.parent.type == "stab_clause":
        return "message", None
    if parent.type != "binary_operator":
        return None
    op, right = parent.child_by_field_name("operator"), parent.child_by_field_name("right")
    left = parent.child_by_field_name("left")
    if op is None or op.type != "|>" or right is None or right.type != "call" or left is None or left.id != root.id:
        return None
    path = _callee(ex, right)
    if path and ex.call_sites.matches(path):
        return ("sql" if 0 in _sql_indices(path) else "message"), right
    if path and ex._is_message(path[-1]):
        return "message", right
    return None


ELIXIR = host_language(
    "elixir", "tree_sitter_elixir", globals(),
    strings=("string", "charlist", "sigil"),
    interpolations=frozenset({"interpolation"}),
    binaries=frozenset({"binary_operator"}),
    concat_operators=frozenset({"<>"}),
    calls={"call": ("target", None, "arguments")},
    argument_lists=frozenset({"arguments"}),
    containers=frozenset({"list", "tuple", "map", "map_content", "keywords", "struct"}),
    comparisons=frozenset({"==", "!=", "===", "!==", "=~"}),
    messages=frozenset({"doc", "moduledoc", "typedoc", "shortdoc", "deprecated", "put_flash", "dgettext",
                        "dngettext", "inspect", "notice", "emergency", "alert"}),
    question_marks=False,
)
HOST = Host(ELIXIR)
