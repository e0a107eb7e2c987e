"""SQL in JavaScript/TypeScript, Ruby, Go and Java files, found with tree-sitter.

Each language module describes its grammar in a ``LanguageSpec`` (which nodes are string
literals, escapes, interpolations, calls, concatenations, comments); this module does the
rest the same way for all of them:

1. a tree-sitter query lists every string literal (C code, no Python walk of the tree);
2. literals without a candidate keyword are dropped at once;
3. for the rest, the enclosing concatenation (``"a" + "b"``, Ruby ``"a" "b"``) is found,
   and the call it is passed to decides whether it is SQL for sure (a known call site),
   never SQL (a log message, an exception), or SQL only if it looks and parses like SQL;
4. the literal is read child by child — escapes decoded, interpolations made holes — with
   the host offset of every SQL character.

Nothing here recurses or asks tree-sitter for a node's parent (``Node.parent`` searches down
from the root: a 50,000-term ``+`` chain made that quadratic and deeper than Python's
stack).  One cursor walk records the parents of the candidate literals' ancestors, and
concatenations are folded with explicit stacks, so every step is linear in the tree.

Tree-sitter reports UTF-8 byte columns; ``HostText`` turns them into character offsets with
``positions.Utf8Offsets`` (one per non-ASCII line, kept).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Optional

from ..positions import Utf8Offsets
from ..suppress import CommentSpan
from .callsites import CallSites, is_message_call
from .fragments import Fragment, FragmentBuilder, Keywords, decode_escape


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    module: str  # the grammar package
    function: str = "language"  # its function returning the language pointer
    strings: tuple[str, ...] = ()  # string literal node types
    escapes: frozenset[str] = frozenset({"escape_sequence"})
    interpolations: frozenset[str] = frozenset()
    stops: frozenset[str] = frozenset()  # a child that ends the literal's content (heredoc_end)
    #: concatenation nodes: binary nodes (with a ``+`` operator) and adjacent-literal nodes
    binaries: frozenset[str] = frozenset({"binary_expression"})
    adjacent: frozenset[str] = frozenset()
    parentheses: frozenset[str] = frozenset({"parenthesized_expression"})
    #: call node type -> (callee field, name field or None, arguments field)
    calls: dict[str, tuple[Optional[str], Optional[str], str]] = field(default_factory=dict)
    argument_lists: frozenset[str] = frozenset({"arguments", "argument_list"})
    #: ``new X(...)`` node type -> field holding the class name (exceptions are messages)
    constructors: dict[str, str] = field(default_factory=dict)
    comments: tuple[str, ...] = ("comment",)
    question_marks: bool = True  # ``?`` is a bind placeholder in this ecosystem


_LOADED: dict[str, tuple[Any, Any, Any]] = {}


def _parser_and_queries(spec: LanguageSpec) -> tuple[Any, Any, Any]:
    """Parser, string query and comment query of a grammar, loaded once per process."""
    loaded = _LOADED.get(spec.name)
    if loaded is None:
        loaded = _LOADED[spec.name] = _load(spec)
    return loaded


def _load(spec: LanguageSpec) -> tuple[Any, Any, Any]:
    from tree_sitter import Language, Parser, Query

    language = Language(getattr(importlib.import_module(spec.module), spec.function)())
    strings = Query(language, "[" + " ".join(f"({t})" for t in spec.strings) + "] @s")
    comments = Query(language, "[" + " ".join(f"({t})" for t in spec.comments) + "] @c")
    return Parser(language), strings, comments


class HostText:
    """Character offsets of tree-sitter points (row, UTF-8 byte column) in the decoded text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:  # tree-sitter counts rows at \n only
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.starts = starts
        self.rows: dict[int, Utf8Offsets] = {}

    def offset(self, point: Any) -> int:
        row, col = point
        start = self.starts[min(row, len(self.starts) - 1)]
        if self.ascii:
            return start + col
        columns = self.rows.get(row)
        if columns is None:
            end = self.starts[row + 1] if row + 1 < len(self.starts) else len(self.text)
            columns = self.rows[row] = Utf8Offsets(self.text[start:end])
        return start + columns.char(col)


def parse(spec: LanguageSpec, text: str) -> Any:
    parser, _, _ = _parser_and_queries(spec)
    return parser.parse(text.encode("utf-8"))


def comments(spec: LanguageSpec, text: str, tree: Any) -> list[CommentSpan]:
    from tree_sitter import QueryCursor

    from ..linter import own_line

    _, _, query = _parser_and_queries(spec)
    host = HostText(text)
    out = []
    for node in QueryCursor(query).captures(tree.root_node).get("c", []):
        start, end = host.offset(node.start_point), host.offset(node.end_point)
        out.append(CommentSpan(start, end, text[start:end], own_line(text, start)))
    return out


class Extractor:
    def __init__(self, spec: LanguageSpec, text: str, call_sites: CallSites, keywords: Keywords) -> None:
        self.spec = spec
        self.text = text
        self.host = HostText(text)
        self.call_sites = call_sites
        self.keywords = keywords
        self.heredocs: dict[tuple[int, int], Any] = {}  # heredoc body start -> its beginning

    def run(self, tree: Any) -> list[Fragment]:
        from tree_sitter import QueryCursor

        _, query, _ = _parser_and_queries(self.spec)
        nodes = sorted(QueryCursor(query).captures(tree.root_node).get("s", []), key=lambda n: n.start_byte)
        candidates = [n for n in nodes if n.type != "heredoc_beginning"
                      and self.keywords.found_in(n.text.decode("utf-8", "replace"))]
        if not candidates:
            return []
        self.parents = _parents_above(tree.root_node, candidates + [n for n in nodes if n.type == "heredoc_beginning"])
        self.roots: dict[int, Any] = {}
        self.stringish: dict[int, bool] = {}
        fragments: list[Fragment] = []
        done: set[tuple[int, int]] = set()
        for node in candidates:
            if node.type == "heredoc_body":
                beginning = self._heredoc_beginning(node, nodes)
                if beginning is None:
                    continue
                root = self._root(beginning)
            else:
                root = self._root(node)
            key = (root.start_byte, root.end_byte)
            if key in done:
                continue
            done.add(key)
            verdict, call = self._context(root)
            if verdict == "message":
                continue
            builder = self._build(root, nodes)
            if builder is None:
                continue
            start, end = self.host.offset(root.start_point), self.host.offset(root.end_point)
            anchor = self.host.offset(call.start_point) if call is not None else start
            fragments.append(builder.build(start, end, anchor, known=verdict == "sql",
                                           question_marks=self.spec.question_marks))
        return fragments

    # --- where a string sits ---------------------------------------------------------------

    def _parent(self, node: Any) -> Any:
        found = self.parents.get(node.id)
        return found if found is not None or node.id in self.parents else node.parent

    def _root(self, node: Any) -> Any:
        """The whole string expression ``node`` is part of (through concatenations); every
        node on the way remembers it, so the literals of one long chain climb it once."""
        chain = []
        root = None
        while root is None:
            root = self.roots.get(node.id)
            if root is not None:
                break
            chain.append(node)
            parent = self._parent(node)
            if parent is None or not self._is_concat(parent):
                root = node
            node = parent
        for visited in chain:
            self.roots[visited.id] = root
        return root

    def _is_concat(self, node: Any) -> bool:
        if node.type in self.spec.adjacent or node.type in self.spec.parentheses:
            return True
        if node.type in self.spec.binaries:
            op = node.child_by_field_name("operator")
            return op is not None and op.type == "+"
        return False

    def _is_stringish(self, node: Any) -> bool:
        """A string literal, or a concatenation holding one (post-order, remembered)."""
        memo = self.stringish
        known = memo.get(node.id)
        if known is not None:
            return known
        if node.type in self.spec.strings:
            return True
        stack = [(node, False)]
        while stack:
            current, children_done = stack.pop()
            if current.id in memo:
                continue
            if current.type in self.spec.strings:
                memo[current.id] = True
            elif not self._is_concat(current):
                memo[current.id] = False
            elif children_done:
                memo[current.id] = any(memo[c.id] for c in current.named_children)
            else:
                stack.append((current, True))
                stack.extend((c, False) for c in current.named_children)
        return memo[node.id]

    def _context(self, root: Any) -> tuple[str, Optional[Any]]:
        """("sql" | "message" | "maybe", the call) for the string expression ``root``."""
        parent = self._parent(root)
        if parent is None or parent.type in _NEVER_SQL_PARENTS:
            return ("maybe" if parent is None else "message"), None
        if parent.type == "pair" and parent.child_by_field_name("key") == root:
            return "message", None  # a key of an object / hash literal: a name or label
        if parent.type in _CONTAINERS:  # an array / object / pair argument: data, unless SQL calls hold lists
            holder = parent
            while holder is not None and holder.type in _CONTAINERS:
                holder = self._parent(holder)
            call = self._parent(holder) if holder is not None else None
            if holder is not None and holder.type in self.spec.argument_lists and call is not None:
                if call.type in self.spec.calls:
                    path = self._callee(call)
                    if path and self.call_sites.matches(path) and _is_sql_option(parent, root):
                        return "sql", call  # client.query({ text: "...", values })
                    if path and (is_message_call(path[-1]) or self.call_sites.matches(path)):
                        return "message", call
            return "maybe", None
        if parent.type in self.spec.calls:  # a tagged template: sql`...`
            path = self._callee(parent)
            if path and self.call_sites.matches(path):
                return "sql", parent
            return ("message" if path and is_message_call(path[-1]) else "maybe"), parent
        call = self._parent(parent)
        if parent.type not in self.spec.argument_lists or call is None:
            return "maybe", None
        if call.type in self.spec.constructors:
            name_node = call.child_by_field_name(self.spec.constructors[call.type])
            name = name_node.text.decode("utf-8", "replace").rsplit(".", 1)[-1] if name_node is not None else ""
            return ("message" if is_message_call(name) else "maybe"), call
        if call.type not in self.spec.calls:
            return "maybe", None
        path = self._callee(call)
        if not path:
            return "maybe", call
        if is_message_call(path[-1]):
            return "message", call
        if self.call_sites.matches(path):
            slot = _sql_slot(parent, self.spec)
            if slot is not None and slot.start_byte == root.start_byte and slot.end_byte == root.end_byte:
                return "sql", call
            return "message", call  # the other arguments of a SQL call are bind values
        return "maybe", call

    def _callee(self, call: Any) -> tuple[str, ...]:
        callee_field, name_field, _ = self.spec.calls[call.type]
        receiver = call.child_by_field_name(callee_field) if callee_field else None
        name = call.child_by_field_name(name_field) if name_field else None
        path = _path(receiver) if receiver is not None else ()
        if name is not None:
            path += (name.text.decode("utf-8", "replace"),)
        return path

    def _heredoc_beginning(self, body: Any, nodes: list[Any]) -> Optional[Any]:
        """Heredoc bodies follow in the order their beginnings were written."""
        if not self.heredocs:
            beginnings = [n for n in nodes if n.type == "heredoc_beginning"]
            bodies = [n for n in nodes if n.type == "heredoc_body"]
            for b, beginning in zip(bodies, beginnings):
                self.heredocs[(b.start_byte, b.end_byte)] = beginning
                self.heredocs[(beginning.start_byte, beginning.end_byte)] = b
        return self.heredocs.get((body.start_byte, body.end_byte))

    # --- reading a string expression ---------------------------------------------------------

    def _build(self, node: Any, nodes: list[Any]) -> Optional[FragmentBuilder]:
        out = FragmentBuilder()
        if not self._read(node, out, nodes):
            return None
        return out

    def _read(self, node: Any, out: FragmentBuilder, nodes: list[Any]) -> bool:
        """Read a string expression in source order: literals as text, other operands of a
        concatenation as holes (an explicit stack: chains may be 50,000 terms deep)."""
        stack: list[tuple[bool, Any]] = [(False, node)]  # (is a hole, node)
        while stack:
            is_hole, current = stack.pop()
            if is_hole:
                out.hole(self.host.offset(current.start_point), self.host.offset(current.end_point))
            elif current.type == "heredoc_beginning":
                body = self._heredoc_beginning(current, nodes)
                if body is None:
                    return False
                stack.append((False, body))
            elif current.type in self.spec.strings:
                self._read_literal(current, out)
            elif self._is_concat(current):
                parts = [c for c in current.named_children if c.type not in self.spec.comments]
                if current.type in self.spec.binaries:
                    parts = [current.child_by_field_name("left"), current.child_by_field_name("right")]
                if any(part is None for part in parts):
                    return False
                for part in reversed(parts):
                    stack.append((not (self._is_stringish(part) or part.type == "heredoc_beginning"), part))
            else:
                return False
        return True

    def _read_literal(self, node: Any, out: FragmentBuilder) -> None:
        host, text, spec = self.host, self.text, self.spec
        children = node.children
        if children and not children[0].is_named:
            pos = host.offset(children[0].end_point)
        else:
            pos = host.offset(node.start_point)
        if children and not children[-1].is_named and len(children) > 1:
            content_end = host.offset(children[-1].start_point)
        else:
            content_end = host.offset(node.end_point)
        for child in children:
            if not child.is_named:
                continue
            start, end = host.offset(child.start_point), host.offset(child.end_point)
            if child.type in spec.stops:
                content_end = start
                break
            if start > pos:
                out.text(text[pos:start], pos)
            if child.type in spec.escapes:
                out.char(decode_escape(text[start:end]), start, end)
            elif child.type in spec.interpolations:
                out.hole(start, end)
            elif child.type in spec.strings:  # nested literal parts
                self._read_literal(child, out)
            else:
                out.text(text[start:end], start)
            pos = end
        if content_end > pos:
            out.text(text[pos:content_end], pos)


#: value containers: a string inside one, passed to a SQL or logging call, is a bind value or data
_CONTAINERS = frozenset({
    "array", "object", "pair", "hash", "composite_literal", "literal_value", "keyed_element",
    "literal_element", "array_initializer", "array_creation_expression", "spread_element",
})
#: strings there are markup or module names, never SQL
_NEVER_SQL_PARENTS = frozenset({"jsx_attribute", "import_statement", "import_spec", "import_declaration"})


def _sql_slot(arguments: Any, spec: LanguageSpec) -> Optional[Any]:
    """The argument of a SQL call that holds the SQL: the first one, past a leading context
    (``ctx``, ``context.Background()``, ``r.Context()``) and a destination (``&user``, sqlx
    ``Get``/``Select``).  Later arguments are bind values."""
    for arg in arguments.named_children:
        if arg.type in spec.comments:
            continue
        text = arg.text[:40].decode("utf-8", "replace").lower()
        if arg.type == "unary_expression" and text.startswith("&"):
            continue
        if arg.type in ("identifier", "selector_expression", "call_expression") and (
                "ctx" in text or "context" in text) and not arg.type.endswith("literal"):
            continue
        return arg
    return None


#: keys of a query-config object that hold the SQL (node-postgres, pg-promise, Sequelize)
_SQL_OPTION_KEYS = frozenset({"text", "sql", "query"})


def _is_sql_option(pair: Any, value: Any) -> bool:
    if pair.type != "pair" or pair.child_by_field_name("value") != value:
        return False
    key = pair.child_by_field_name("key")
    return key is not None and key.text.decode("utf-8", "replace").strip("'\"`:") in _SQL_OPTION_KEYS


def _path(node: Any) -> tuple[str, ...]:
    """Dotted name of a callee: ``client.query`` -> ("client", "query").  Receiver chains are
    followed in a loop (a chain may be thousands of calls long)."""
    tail: list[str] = []  # names from the right
    head: tuple[str, ...] = ()
    while node is not None:
        kind = node.type
        if kind in ("member_expression", "selector_expression", "field_access"):
            prop = node.child_by_field_name("property") or node.child_by_field_name("field")
            tail.append(prop.text.decode("utf-8", "replace") if prop is not None else "?")
            node = node.child_by_field_name("object") or node.child_by_field_name("operand")
            head = ("?",)  # what an absent object reads as
            continue
        head = ()
        if kind == "method_invocation":  # Java receiver chains: conn.createStatement().execute
            name = node.child_by_field_name("name")
            tail.append(name.text.decode("utf-8", "replace") if name is not None else "?")
            node = node.child_by_field_name("object")
        elif kind == "call" and node.child_by_field_name("method") is not None:  # Ruby receiver chains
            tail.append(node.child_by_field_name("method").text.decode("utf-8", "replace"))
            node = node.child_by_field_name("receiver")
        elif kind == "scope_resolution":
            head = tuple(p for p in node.text.decode("utf-8", "replace").split("::") if p)
            break
        elif kind in ("identifier", "property_identifier", "field_identifier", "constant", "type_identifier",
                      "this", "self", "instance_variable", "package_identifier"):
            head = (node.text.decode("utf-8", "replace"),)
            break
        else:
            head = ("?",)
            break
    return head + tuple(reversed(tail))


def _parents_above(root: Any, targets: list[Any]) -> dict[int, Any]:
    """Node id -> parent node for every ancestor of ``targets`` (and their siblings), found in one
    cursor walk in document order that skips every subtree holding no target."""
    starts = sorted({t.start_byte for t in targets})
    parents: dict[int, Any] = {root.id: None}
    cursor = root.walk()
    path = [root]
    i = 0
    while True:
        node = path[-1]
        while i < len(starts) and starts[i] < node.start_byte:
            i += 1
        if i < len(starts) and starts[i] < node.end_byte and cursor.goto_first_child():
            child = cursor.node
            parents[child.id] = node
            path.append(child)
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return parents
            path.pop()
        sibling = cursor.node
        parents[sibling.id] = path[-2]
        path[-1] = sibling


def scan_with(spec: LanguageSpec, text: str, call_sites: CallSites, keywords: Keywords,
              want_comments: bool) -> tuple[list[Fragment], list[CommentSpan]]:
    """SQL-candidate strings of a file, and its comments when ``want_comments``."""
    tree = parse(spec, text)
    fragments = Extractor(spec, text, call_sites, keywords).run(tree)
    return fragments, comments(spec, text, tree) if want_comments else []
