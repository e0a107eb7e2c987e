"""Small readers over pglast's JSON parse tree (``parse_sql_json``), shared by the checks.

Nodes are dicts of one key, the node type: ``{"FuncCall": {...}}``.  Locations in them are
UTF-8 byte offsets into the parsed statement; ``Statement.offset`` converts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

Node = dict[str, Any]

#: Top-level statements that run the expressions they contain when they execute.
#: Definitions (CREATE FUNCTION/VIEW/RULE/POLICY/TRIGGER, DEFAULT expressions, PREPARE) do
#: not: ``CREATE VIEW v AS SELECT pg_advisory_lock(1)`` takes no lock.
EXECUTING_KINDS = frozenset(
    {
        "SelectStmt",
        "InsertStmt",
        "UpdateStmt",
        "DeleteStmt",
        "MergeStmt",
        "CallStmt",
        "CopyStmt",
        "DeclareCursorStmt",
        "ExecuteStmt",
        "CreateTableAsStmt",  # unless WITH NO DATA, see executed_query()
        "ExplainStmt",  # only with ANALYZE, see executed_query()
        "ReturnStmt",
    }
)


def walk(node: Any) -> Iterator[tuple[str, Node]]:
    """Every typed node below ``node`` (depth first, source order), as (type, body)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if len(item) == 1:
                ((key, body),) = item.items()
                if key[:1].isupper() and isinstance(body, dict):
                    yield key, body
                    stack.extend(reversed(body.values()))  # a dict view reverses without a copy
                    continue
            stack.extend(reversed(item.values()))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def typed_nodes(root: Node, kinds: frozenset[str]) -> list[tuple[str, Node]]:
    """(type, body) of the typed nodes of ``kinds`` under ``root``: ``walk`` filtered, in
    no particular order, without a generator step for each of the many nodes of other types
    (the trees are JSON's: exact dicts and lists)."""
    found = []
    stack: list = [root]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            if len(item) == 1:
                ((key, body),) = item.items()
                if type(body) is dict and key[:1].isupper():
                    if key in kinds:
                        found.append((key, body))
                    stack.extend(body.values())
                    continue
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return found


def executed_part(kind: str, body: Node) -> Node | None:
    """The part of a top-level statement whose expressions run now, or None."""
    if kind not in EXECUTING_KINDS:
        return None
    if kind == "ExplainStmt":
        analyze = any(
            opt.get("DefElem", {}).get("defname") == "analyze" and const_value(opt["DefElem"].get("arg"), True)
            for opt in body.get("options", ())
        )
        return body.get("query") if analyze else None
    if kind == "CreateTableAsStmt" and body.get("into", {}).get("skipData"):
        return None
    return {kind: body}


def strings(items: Any) -> list[str]:
    """The ``sval`` of a list of ``String`` nodes (qualified names)."""
    return [i["String"]["sval"] for i in items or () if "String" in i]


@dataclass(frozen=True, slots=True)
class FuncCall:
    """A function call in a parse tree: its (schema-qualified) name and arguments."""

    schema: str | None
    name: str
    args: tuple[Node, ...]
    location: int  # byte offset of the call in the statement
    body: Node

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


def func_calls(node: Any) -> Iterator[FuncCall]:
    for kind, body in walk(node):
        if kind == "FuncCall":
            names = strings(body.get("funcname"))
            if not names:
                continue
            schema = names[-2].lower() if len(names) > 1 else None
            yield FuncCall(schema, names[-1].lower(), tuple(body.get("args", ())), body.get("location", -1), body)


_FALSE_WORDS = {"false", "f", "off", "no", "n", "0"}
_TRUE_WORDS = {"true", "t", "on", "yes", "y", "1"}


def const_value(node: Any, default: Any = None) -> Any:
    """The Python value of a constant (``A_Const``, possibly cast); ``default`` otherwise.

    A bare DefElem flag (``EXPLAIN (ANALYZE)``) has no argument: callers pass True.
    """
    if node is None:
        return default
    if "TypeCast" in node:
        value = const_value(node["TypeCast"].get("arg"), None)
        type_names = [n.lower() for n in strings(node["TypeCast"].get("typeName", {}).get("names"))]
        if value is not None and type_names and type_names[-1] in ("bool", "boolean"):
            return as_bool(value, default)
        return default if value is None else value
    const = node.get("A_Const")
    if const is None:
        if "String" in node:
            return node["String"]["sval"]
        return default
    if "boolval" in const:
        return bool(const["boolval"].get("boolval", False))
    if "ival" in const:
        return const["ival"].get("ival", 0)
    if "sval" in const:
        return const["sval"].get("sval", "")
    if "fval" in const:
        return const["fval"].get("fval")
    return default


def as_bool(value: Any, default: Any = None) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _FALSE_WORDS:
            return False
        if word in _TRUE_WORDS:
            return True
    return default


def may_be_temporary(text: str) -> bool:
    """Whether a statement's text can create what ``is_temporary`` reads: it writes the keyword
    ``TEMP`` or ``TEMPORARY`` (a keyword stands after no letter or ``_`` and before no name
    character) or ``pg_temp``.  Not ``template``, ``attempt``, ``temp_id``."""
    lowered = text.lower()
    return ("pg_temp" in lowered or stands_as_word(lowered, "temp", _BEFORE_NO_KEYWORD, _NAME_CHARS)
            or stands_as_word(lowered, "temporary", _BEFORE_NO_KEYWORD, _NAME_CHARS))


_BEFORE_NO_KEYWORD = frozenset("abcdefghijklmnopqrstuvwxyz_")
#: what continues a name (``lowered[end:end + 1]`` is "" at the end: in no set)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_$")


def stands_as_word(lowered: str, word: str, not_before: frozenset[str], not_after: frozenset[str]) -> bool:
    """Whether ``word`` occurs in ``lowered`` after no character of ``not_before`` and before none
    of ``not_after`` (a keyword, not part of a name).  ``str.find``: a regex that starts with a
    look-behind is tried at every character."""
    at = lowered.find(word)
    while at != -1:
        end = at + len(word)
        if (at == 0 or lowered[at - 1] not in not_before) and lowered[end:end + 1] not in not_after:
            return True
        at = lowered.find(word, at + 1)
    return False


def is_temporary(rangevar: Node | None) -> bool:
    """A relation created in the session's temporary schema (TEMP keyword or ``pg_temp.``)."""
    if not rangevar:
        return False
    return rangevar.get("relpersistence") == "t" or (rangevar.get("schemaname") or "").lower() == "pg_temp"
