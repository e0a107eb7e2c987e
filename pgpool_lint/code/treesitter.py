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

Nothing here recurses down a chain or asks tree-sitter for the parent of a deep node
(``Node.parent`` searches down from the root: a 50,000-term ``+`` chain made that quadratic
and deeper than Python's stack).  One cursor walk records the parents of the candidate
literals' ancestors, and concatenations are folded with explicit stacks: every step is
linear in the tree.

Tree-sitter reports UTF-8 byte columns; ``HostText`` turns them into character offsets with
``core.positions.Utf8Offsets`` (one per non-ASCII line, kept).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..core.comments import CommentSpan
from ..core.positions import Utf8Offsets
from .callsites import CONNECTION_NAME, CallSites, is_message_call
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
    #: children that open / close a literal (Python's string_start: `f"`, `"""`, `b'`) and
    #: children that hold its text (Python's string_content, with escape_sequence inside)
    delimiters: frozenset[str] = frozenset()
    contents: frozenset[str] = frozenset()
    #: comparison nodes of their own (Python's ``a == "LISTEN x"``): their strings are never SQL
    comparisons: frozenset[str] = frozenset()
    #: binary operators that format a string (Python's ``"... %s" % args``): the left string is SQL
    formats: frozenset[str] = frozenset()
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
    #: conditional nodes with a ``condition`` field (and an ``alternative`` one for else):
    #: a string in the body of ``if is_crdb(conn)`` is another database's SQL
    #: a query capturing ``@name`` and its ``@type`` (TypeScript parameters, variables, fields):
    #: a name typed as a SQL client (postgres.js ``ReservedSql``) is a SQL tag / call site
    typed_names: str = ""
    branches: frozenset[str] = frozenset({"if_statement", "if", "elsif", "if_expression",
                                          "ternary_expression", "conditional_expression"})
    #: the operator text of a concatenation (PHP ``.``, Elixir ``<>``)
    concat_operators: frozenset[str] = frozenset({"+"})
    #: nodes between an argument list and the value (PHP/C# ``argument``, Kotlin ``value_argument``)
    wrappers: frozenset[str] = frozenset()
    #: value containers besides the shared ones (Elixir ``list``, PHP ``array_creation_expression``)
    containers: frozenset[str] = frozenset()
    #: operators whose string operands are compared data, never SQL (``if q == "LISTEN x"``)
    comparisons: frozenset[str] = frozenset()
    #: call names (besides callsites.MESSAGE_CALLS) whose strings are for people (Elixir ``@doc``)
    messages: frozenset[str] = frozenset()
    # Hooks for grammars whose strings or calls need more than node types (None: the defaults).
    #: (extractor, literal node, builder) -> None: reads one literal
    read_literal: Optional[Callable[..., None]] = None
    #: (node) -> the string expression it only passes through (``"...".trimIndent()``, ``&x``), or None
    unwrap: Optional[Callable[[Any], Optional[Any]]] = None
    #: (extractor, node) -> read ``node`` (a node ``unwrap`` accepted) into the builder; False if not
    read_unwrapped: Optional[Callable[..., bool]] = None
    #: (extractor, call) -> callee path, for grammars without field names on calls
    callee: Optional[Callable[..., tuple[str, ...]]] = None
    #: (extractor, call, path, arguments node) -> the argument nodes that hold SQL
    sql_slots: Optional[Callable[..., list[Any]]] = None
    #: (extractor, root, parent) -> (verdict, call) for contexts beyond calls (C# ``CommandText = ...``)
    context: Optional[Callable[..., Optional[tuple[str, Optional[Any]]]]] = None


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
    _CALL_QUERIES[spec.name] = Query(language, "[" + " ".join(f"({t})" for t in spec.calls) + "] @call")
    if spec.typed_names:
        _TYPED_QUERIES[spec.name] = Query(language, spec.typed_names)
    return Parser(language), strings, comments


_CALL_QUERIES: dict[str, Any] = {}
_TYPED_QUERIES: dict[str, Any] = {}
#: types of SQL clients whose tagged templates run SQL: postgres.js ``Sql``, ``ReservedSql``, ``TransactionSql``
_SQL_CLIENT_TYPE = re.compile(r"(?:^|[\s.:<|])(?:Reserved|Transaction)?Sql\b")


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


#: tree-sitter's error recovery is superlinear on some text that is not code (the Kotlin grammar
#: on `SET x=1;` repeated 8,000 times: 3 s, 4x more text 16x the time): a parse gets CPU time in
#: proportion to the text, then is refused (ValueError: the file is skipped with that reason)
PARSE_SECONDS = 1.0
PARSE_SECONDS_PER_MB = 2.0
_CHUNK = 1 << 14


def parse(spec: LanguageSpec, text: str) -> Any:
    """The tree of ``text``, parsed within a CPU-time budget.

    Only a parse that reads through a callable can be cancelled (``progress_callback``), but a
    tree keeps its source: every ``node.text`` of such a tree calls the reader again, chunk by
    chunk from the node's start (16 KB copied for each small literal: quadratic on a file of
    50,000 of them).  So the budgeted tree is handed back to tree-sitter with the bytes as
    ``old_tree``: that second parse reuses its subtrees (a clean file: a few ms for 1 MB) and
    costs at most what the first one did, and ``node.text`` of the tree it gives is a slice."""
    import time

    parser, _, _ = _parser_and_queries(spec)
    data = text.encode("utf-8")
    budget = PARSE_SECONDS + PARSE_SECONDS_PER_MB * len(data) / 1e6
    started = time.process_time()

    def read(offset: int, _point: Any) -> bytes:
        return data[offset:offset + _CHUNK]

    def too_slow(_offset: int, _has_error: bool) -> bool:
        return time.process_time() - started > budget

    try:
        tree = parser.parse(read, progress_callback=too_slow)
    except ValueError:  # cancelled: the parser would resume this parse next time unless reset
        parser.reset()
        raise ValueError(f"too slow to parse as {spec.name} (more than {budget:.0f} s of CPU): not read") from None
    return parser.parse(data, old_tree=tree)


def comments(spec: LanguageSpec, text: str, tree: Any) -> list[CommentSpan]:
    from tree_sitter import QueryCursor

    from ..core.comments import own_line

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
        #: names whose value a SQL call runs (``conn.Exec(ctx, sql)``, ``stmt.execute(createTab)``) -> the call
        self.sql_names: dict[str, Any] = {}
        #: functions of this file that pass a parameter on to a SQL call (``mustExec(t, conn, sql)``) ->
        #: the parameter's position
        self.helpers: dict[str, int] = dict(getattr(call_sites, "helpers", {}))
        #: names typed as a SQL client (``client: ReservedSql``): their tagged templates run SQL
        self.sql_tags: set[str] = set()
        self.parents: dict[int, Any] = {}  # node id -> parent, above the candidate literals
        self.roots: dict[int, Any] = {}  # node id -> its whole string expression
        self.stringish: dict[int, bool] = {}
        self.concats: dict[int, bool] = {}  # binary node id -> a concatenation

    def run(self, tree: Any) -> list[Fragment]:
        from tree_sitter import QueryCursor

        _, query, _ = _parser_and_queries(self.spec)
        nodes = sorted(QueryCursor(query).captures(tree.root_node).get("s", []), key=lambda n: n.start_byte)
        candidates = [n for n in nodes if n.type != "heredoc_beginning"
                      and self.keywords.found_in(n.text.decode("utf-8", "replace"))]
        if not candidates:
            return []
        self.parents = _parents_above(tree.root_node, candidates + [n for n in nodes if n.type == "heredoc_beginning"])
        self._follow_names(tree)
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
                                           question_marks=self.spec.question_marks,
                                           dialect=self._branch_dialect(root)))
        return fragments

    # --- where a string sits ---------------------------------------------------------------

    def _parent(self, node: Any) -> Any:
        """``node.parent`` from the walk's record (tree-sitter's own costs the node's depth)."""
        if node.id in self.parents:
            return self.parents[node.id]
        return node.parent

    def _root(self, node: Any) -> Any:
        """The whole string expression ``node`` is part of (through concatenations, argument
        wrappers, calls that only pass it through and formatting).  Every node on the way
        remembers it:
        the literals of one long chain climb it once between them."""
        chain = []
        root = None
        while root is None:
            root = self.roots.get(node.id)
            if root is not None:
                break
            chain.append(node)
            parent = self._parent(node)
            if parent is None or not (self._is_concat(parent) or parent.type in self.spec.wrappers
                                      or self._unwraps_to(parent, node) or self._formats(parent, node)):
                root = node
            node = parent
        for visited in chain:
            self.roots[visited.id] = root
        return root

    def _formats(self, parent: Any, node: Any) -> bool:
        """``parent`` is ``node % args`` (the values fill placeholders; the text is ``node``'s)."""
        if not self.spec.formats or parent.type not in self.spec.binaries:
            return False
        op = parent.child_by_field_name("operator")
        return (op is not None and op.type in self.spec.formats
                and parent.child_by_field_name("left") == node)

    def _formatted_text(self, node: Any) -> Optional[Any]:
        """The text operand of ``"..." % args``, when the grammar formats with an operator."""
        if not self.spec.formats or node.type not in self.spec.binaries:
            return None
        op = node.child_by_field_name("operator")
        left = node.child_by_field_name("left")
        return left if op is not None and op.type in self.spec.formats and left is not None else None

    def _unwraps_to(self, node: Any, inner: Any) -> bool:
        if self.spec.unwrap is None:
            return False
        got = self.spec.unwrap(node)
        return got is not None and got.start_byte == inner.start_byte and got.end_byte == inner.end_byte

    def _is_concat(self, node: Any) -> bool:
        kind = node.type
        if kind in self.spec.adjacent or kind in self.spec.parentheses:
            return True
        if kind in self.spec.binaries:
            known = self.concats.get(node.id)  # asked by _root, _is_stringish and _read alike
            if known is None:
                op = node.child_by_field_name("operator")
                known = self.concats[node.id] = op is not None and op.type in self.spec.concat_operators
            return known
        return False

    def _is_stringish(self, node: Any) -> bool:
        """A string literal, or a concatenation / wrapper holding one (post-order, remembered)."""
        memo = self.stringish
        known = memo.get(node.id)
        if known is not None:
            return known
        if node.type in self.spec.strings:
            return True
        stack: list[tuple[Any, Optional[list[Any]]]] = [(node, None)]  # (node, its parts once expanded)
        while stack:
            current, parts = stack.pop()
            if parts is not None:
                memo[current.id] = any(memo[p.id] for p in parts)
                continue
            if current.id in memo:
                continue
            if current.type in self.spec.strings:
                memo[current.id] = True
                continue
            if self._is_concat(current) or current.type in self.spec.wrappers:
                parts = current.named_children
            else:
                inner = self.spec.unwrap(current) if self.spec.unwrap is not None else None
                parts = [inner] if inner is not None else []
            stack.append((current, parts))
            stack.extend((p, None) for p in parts)
        return memo[node.id]

    def _context(self, root: Any) -> tuple[str, Optional[Any]]:
        """("sql" | "message" | "maybe", the call) for the string expression ``root``."""
        parent = self._parent(root)
        if parent is None or parent.type in _NEVER_SQL_PARENTS:
            return ("maybe" if parent is None else "message"), None
        if self.spec.comparisons and parent.type in self.spec.binaries:
            op = parent.child_by_field_name("operator")
            if op is not None and op.type in self.spec.comparisons:
                return "message", None  # compared with something: data, not a statement that runs
        if self.spec.context is not None:
            decided = self.spec.context(self, root, parent)
            if decided is not None:
                return decided
        if parent.type == "pair" and parent.child_by_field_name("key") == root:
            return "message", None  # a key of an object / hash literal: a name or label
        if parent.type in _CONTAINERS or parent.type in self.spec.containers:
            # an array / object / pair argument: data, unless SQL calls hold lists
            holder = parent
            while holder is not None and (holder.type in _CONTAINERS or holder.type in self.spec.containers
                                          or holder.type in self.spec.wrappers):
                holder = self._parent(holder)
            call = self._parent(holder) if holder is not None else None
            if holder is not None and holder.type in self.spec.argument_lists and call is not None:
                if call.type in self.spec.calls:
                    path = self._callee(call)
                    if path and self.call_sites.matches(path) and _is_sql_option(parent, root):
                        return "sql", call  # client.query({ text: "...", values })
                    if path and (self._is_message(path[-1]) or self.call_sites.matches(path)):
                        return "message", call
            return "maybe", None
        if parent.type in self.spec.binaries:  # `status == "LISTEN x"`: compared, never run
            op = parent.child_by_field_name("operator")
            if op is not None and op.type in _COMPARISONS:
                return "message", None
        if parent.type in self.spec.comparisons:
            return "message", None
        if parent.type == "expression_statement" and parent.named_child_count == 1:
            return "message", None  # a docstring or directive ("use strict"): never run
        if self._mock_setup(root):
            return "message", None  # m.return_value = ["RESET SEQUENCE"]
        assigned = self._assigned_name(root)
        if assigned is not None and assigned in self.sql_names:
            return "sql", self.sql_names[assigned]  # sql := `...` later run by conn.Exec(ctx, sql)
        if parent.type in self.spec.calls:  # a tagged template: sql`...`
            path = self._callee(parent)
            if path and (self.call_sites.matches(path) or path[-1] in self.sql_tags):
                return "sql", parent
            return ("message" if path and self._is_message(path[-1]) else "maybe"), parent
        call = self._parent(parent)
        if parent.type not in self.spec.argument_lists or call is None:
            return "maybe", None
        if call.type in self.spec.constructors:
            name_node = call.child_by_field_name(self.spec.constructors[call.type])
            name = name_node.text.decode("utf-8", "replace").rsplit(".", 1)[-1] if name_node is not None else ""
            if self.spec.sql_slots is not None and name and self.call_sites.matches((name,)):
                return self._slot_verdict(call, (name,), parent, root)  # new NpgsqlCommand("...", conn)
            return ("message" if self._is_message(name) else "maybe"), call
        if call.type not in self.spec.calls:
            return "maybe", None
        path = self._callee(call)
        if not path:
            return "maybe", call
        if self._is_message(path[-1]):
            return "message", call
        if self.call_sites.matches(path) or path[-1] in self.helpers:
            return self._slot_verdict(call, path, parent, root)
        return "maybe", call

    def _slot_verdict(self, call: Any, path: tuple[str, ...], arguments: Any, root: Any) -> tuple[str, Any]:
        if any(s.start_byte == root.start_byte and s.end_byte == root.end_byte
               for s in self._slots(call, path, arguments)):
            return "sql", call
        return "message", call  # the other arguments of a SQL call are bind values

    def _is_message(self, name: str) -> bool:
        return is_message_call(name) or name in self.spec.messages

    # --- following a string to the call that runs it ------------------------------------------

    def _slots(self, call: Any, path: tuple[str, ...], arguments: Any = None) -> list[Any]:
        """The arguments of a SQL call (or of a helper of this file) that hold the SQL."""
        if arguments is None:
            field_name = self.spec.calls[call.type][2] if call.type in self.spec.calls else None
            arguments = call.child_by_field_name(field_name) if field_name else None
        if arguments is None or arguments.type not in self.spec.argument_lists:
            return []
        if not self.call_sites.matches(path):
            args = [a for a in arguments.named_children if a.type not in self.spec.comments]
            at = self.helpers.get(path[-1], -1)
            return [args[at]] if 0 <= at < len(args) else []
        if self.spec.sql_slots is not None:
            return [slot for slot in self.spec.sql_slots(self, call, path, arguments) if slot is not None]
        slot = _sql_slot(arguments, self.spec)
        return [slot] if slot is not None else []
    def _follow_names(self, tree: Any) -> None:
        """Names whose value SQL calls run, and this file's functions that hand a parameter to one.

        A helper found in one round makes its own callers' arguments SQL in the next (a few
        rounds: helpers of helpers)."""
        from tree_sitter import QueryCursor

        typed = _TYPED_QUERIES.get(self.spec.name)
        if typed is not None:
            for _, captured in QueryCursor(typed).matches(tree.root_node):
                names, types = captured.get("name", []), captured.get("type", [])
                if names and types and _SQL_CLIENT_TYPE.search(types[0].text[:200].decode("utf-8", "replace")):
                    self.sql_tags.add(names[0].text[:100].decode("utf-8", "replace"))
        calls = QueryCursor(_CALL_QUERIES[self.spec.name]).captures(tree.root_node).get("call", [])
        for _ in range(3):
            found_helper = False
            for call in calls:
                path = self._callee(call)
                if not path or not (self.call_sites.matches(path) or path[-1] in self.helpers):
                    continue
                slots = self._slots(call, path)
                slot = slots[0] if slots else None
                name = _last_name(slot) if slot is not None else None
                if name is None:
                    continue
                self.sql_names.setdefault(name, call)
                function = _enclosing_function(call)
                if function is None or slot.type != "identifier":
                    continue
                params = _parameter_names(function)
                helper = _function_name(function)
                if name in params and helper and helper not in self.helpers and not self.call_sites.matches((helper,)):
                    self.helpers[helper] = params.index(name)
                    found_helper = True
            if not found_helper:
                break

    def _mock_setup(self, root: Any) -> bool:
        """The string is (inside a list or tuple) assigned to a mock's ``return_value`` / ``side_effect``."""
        node, depth = self._parent(root), 0
        while node is not None and depth < 4:
            if node.type in _ASSIGNMENTS:
                target = node.child_by_field_name("left") or node.child_by_field_name("name")
                return _last_name(target) in _MOCK_ATTRIBUTES if target is not None else False
            node, depth = self._parent(node), depth + 1
        return False

    def _assigned_name(self, root: Any) -> Optional[str]:
        """The variable, constant or field a string expression is assigned to, if any."""
        holder = self._parent(root)
        if holder is not None and holder.type == "expression_list":  # Go: a, b := "...", ...
            holder = self._parent(holder)
        if holder is None or holder.type not in _ASSIGNMENTS:
            return None
        target = holder.child_by_field_name("name") or holder.child_by_field_name("left")
        if target is None or target.start_byte >= root.start_byte:
            return _last_name(target) if target is not None and target.end_byte <= root.start_byte else None
        return _last_name(target)

    def _branch_dialect(self, node: Any) -> Any:
        """The database an enclosing branch selects (``if is_crdb(conn) { ... }``), or None.
        The else part of such a branch says nothing (it is usually PostgreSQL's)."""
        from ..sql.dialect import from_branch

        child, parent, depth = node, self._parent(node), 0
        while parent is not None and depth < 64:
            if parent.type in self.spec.branches:
                condition = parent.child_by_field_name("condition")
                alternative = parent.child_by_field_name("alternative")
                inside_else = alternative is not None and alternative.start_byte <= child.start_byte
                if condition is not None and not inside_else and condition.end_byte <= child.start_byte:
                    found = from_branch(condition.text[:300].decode("utf-8", "replace"))
                    if found is not None:
                        return found
            child, parent, depth = parent, self._parent(parent), depth + 1
        return None

    def _callee(self, call: Any) -> tuple[str, ...]:
        if self.spec.callee is not None:
            return self.spec.callee(self, call)
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
        concatenation as holes (an explicit stack: a chain may be 50,000 terms deep)."""
        stack: list[tuple[bool, Any]] = [(False, node)]  # (a hole, node)
        while stack:
            hole, current = stack.pop()
            if hole:
                out.hole(self.host.offset(current.start_point), self.host.offset(current.end_point))
            elif current.type == "heredoc_beginning":
                body = self._heredoc_beginning(current, nodes)
                if body is None:
                    return False
                stack.append((False, body))
            elif current.type in self.spec.strings:
                if self.spec.read_literal is None:
                    self._read_literal(current, out)
                elif self.spec.read_literal(self, current, out) is False:  # False: not text (a ~r sigil)
                    return False
            elif self._formatted_text(current) is not None:  # "... %s" % args: placeholders are neutralised
                stack.append((False, self._formatted_text(current)))
            elif current.type in self.spec.wrappers:
                value = current.named_children[-1] if current.named_children else None
                if value is None or not self._is_stringish(value):
                    return False
                stack.append((False, value))
            elif self.spec.unwrap is not None and self.spec.unwrap(current) is not None:
                if self.spec.read_unwrapped is None or not self.spec.read_unwrapped(self, current, out, nodes):
                    return False
            elif self._is_concat(current):
                if current.type in self.spec.binaries:
                    parts = [current.child_by_field_name("left"), current.child_by_field_name("right")]
                    if parts[0] is None or parts[1] is None:
                        return False
                else:
                    parts = [c for c in current.named_children if c.type not in self.spec.comments]
                strings = self.spec.strings
                for part in reversed(parts):
                    text = part.type in strings or part.type == "heredoc_beginning" or self._is_stringish(part)
                    stack.append((not text, part))
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
            if child.type in spec.delimiters:  # `f"` opens, `"` closes: not text
                if start <= pos:
                    pos = end
                else:
                    content_end = start
                    break
                continue
            if start > pos:
                out.text(text[pos:start], pos)
            if child.type in spec.escapes:
                out.char(decode_escape(text[start:end]), start, end)
            elif child.type in spec.interpolations:
                out.hole(start, end)
            elif child.type in spec.strings or child.type in spec.contents:  # nested literal parts
                self._read_literal(child, out)
            else:
                out.text(text[start:end], start)
            pos = end
        if content_end > pos:
            out.text(text[pos:content_end], pos)


#: mock set-ups: what a mocked call returns is data, never SQL that runs
_MOCK_ATTRIBUTES = frozenset({"return_value", "side_effect"})
#: operators whose string operands are compared, never run
_COMPARISONS = frozenset({"==", "!=", "===", "!==", "<", ">", "<=", ">=", "=~", "!~", "<=>", "eq", "ne"})
#: nodes that give a value a name: Go, Java, JavaScript/TypeScript, Ruby
_ASSIGNMENTS = frozenset({"short_var_declaration", "var_spec", "const_spec", "assignment_statement",
                          "variable_declarator", "assignment_expression", "assignment", "field_declaration",
                          "public_field_definition", "field_definition"})
#: function-like nodes (their ``name`` and ``parameters``)
_FUNCTIONS = frozenset({"function_declaration", "method_declaration", "function_definition", "method",
                        "singleton_method", "function_expression", "function", "method_definition",
                        "constructor_declaration", "generator_function_declaration"})
#: nodes that name a value (the last name counts: this.createTab, s.sql, @sql)
_NAMES = frozenset({"identifier", "field_access", "member_expression", "selector_expression", "instance_variable",
                    "constant", "field_identifier", "property_identifier", "expression_list", "attribute"})


def _last_name(node: Any) -> Optional[str]:
    if node is None or node.type not in _NAMES:
        return None
    if node.type == "expression_list":
        named = node.named_children
        return _last_name(named[0]) if len(named) == 1 else None
    text = node.text[:200].decode("utf-8", "replace")
    return text.replace("::", ".").rsplit(".", 1)[-1].lstrip("@") or None


def _enclosing_function(node: Any) -> Optional[Any]:
    parent, depth = node.parent, 0
    while parent is not None and depth < 200:
        if parent.type in _FUNCTIONS:
            return parent
        parent, depth = parent.parent, depth + 1
    return None


def _function_name(function: Any) -> Optional[str]:
    name = function.child_by_field_name("name")
    if name is None and function.parent is not None and function.parent.type == "variable_declarator":
        name = function.parent.child_by_field_name("name")  # const mustExec = function (...) {...}
    return name.text[:100].decode("utf-8", "replace") if name is not None else None


def _parameter_names(function: Any) -> list[str]:
    """Parameter names in call order (Go's ``a, b string`` gives two)."""
    params = function.child_by_field_name("parameters")
    names: list[str] = []
    if params is None:
        return names
    for param in params.named_children:
        if param.type == "identifier":  # JavaScript, Ruby
            names.append(param.text.decode("utf-8", "replace"))
            continue
        found = [c for c in param.named_children if c.type == "identifier"]
        name = param.child_by_field_name("name") or param.child_by_field_name("pattern")
        if param.type == "parameter_declaration" and found:  # Go: several names share one type
            names.extend(c.text.decode("utf-8", "replace") for c in found)
        elif name is not None:
            names.append(name.text.decode("utf-8", "replace"))
        elif found:
            names.append(found[0].text.decode("utf-8", "replace"))
        else:
            names.append("")
    if names and names[0] in ("self", "cls"):  # Python methods: callers do not pass it
        names = names[1:]
    return names

#: node type -> (receiver field, name field) of a dotted name (navigation_expression: by position)
_PATH_STEPS = {
    "dot": ("left", "right"),  # Elixir Repo.query
    "member_access_expression": ("expression", "name"),  # C# conn.Execute
    "field_expression": ("value", "field"),  # Rust client.execute
    "scoped_identifier": ("path", "name"),  # Rust sqlx::query
    "member_call_expression": ("object", "name"),  # PHP $this->db()->query
    "nullsafe_member_call_expression": ("object", "name"),
    "scoped_call_expression": ("scope", "name"),  # PHP DB::statement
    "navigation_expression": (None, None),  # Kotlin stmt.execute
}

#: value containers: a string inside one, passed to a SQL or logging call, is a bind value or data
_CONTAINERS = frozenset({
    "array", "object", "pair", "hash", "composite_literal", "literal_value", "keyed_element",
    "literal_element", "array_initializer", "array_creation_expression", "spread_element",
})
#: strings there are markup or module names, never SQL
_NEVER_SQL_PARENTS = frozenset({"jsx_attribute", "import_statement", "import_spec", "import_declaration",
                                "assert_statement", "raise_statement"})


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
        if (arg.type in _NAMES and CONNECTION_NAME.fullmatch(_last_name(arg) or "")
                and _string_follows(arg, spec)):
            continue  # TestUtil.execute(conn, "SET ..."), execute(t, db, "...")
        return arg
    return None


def _string_follows(arg: Any, spec: LanguageSpec) -> bool:
    """A later argument is written as a string (a literal or a concatenation with one): the
    connection-like names before it are not the SQL (``cur.execute(t, params)`` keeps ``t``)."""
    sibling, seen = arg.next_named_sibling, 0
    while sibling is not None and seen < 8:
        if sibling.type in spec.strings or (
                (sibling.type in spec.binaries or sibling.type in spec.adjacent)
                and any(c.type in spec.strings for c in sibling.named_children)):
            return True
        sibling, seen = sibling.next_named_sibling, seen + 1
    return False


#: keys of a query-config object that hold the SQL (node-postgres, pg-promise, Sequelize)
_SQL_OPTION_KEYS = frozenset({"text", "sql", "query"})


def _is_sql_option(pair: Any, value: Any) -> bool:
    if pair.type != "pair" or pair.child_by_field_name("value") != value:
        return False
    key = pair.child_by_field_name("key")
    return key is not None and key.text.decode("utf-8", "replace").strip("'\"`:") in _SQL_OPTION_KEYS


#: call sites match a callee path's last names: a longer receiver chain is cut on the left, so
#: naming every call of a chain thousands of calls long stays linear
_MAX_PATH = 32


def _path(node: Any) -> tuple[str, ...]:
    """Dotted name of a callee: ``client.query`` -> ("client", "query").  Receiver chains are
    followed in a loop, at most ``_MAX_PATH`` names."""
    tail: list[str] = []  # names from the right
    head: tuple[str, ...] = ("?",)
    while node is not None:
        if len(tail) >= _MAX_PATH:
            head = ("?",)
            break
        kind = node.type
        if kind in ("await_expression", "non_null_expression", "parenthesized_expression") and node.named_children:
            node = node.named_children[0]  # (await client.query)<T>(...) as TypeScript reads it
            continue
        if kind in ("member_expression", "selector_expression", "field_access", "attribute"):
            prop = (node.child_by_field_name("property") or node.child_by_field_name("field")
                    or node.child_by_field_name("attribute"))
            tail.append(prop.text.decode("utf-8", "replace") if prop is not None else "?")
            node, head = node.child_by_field_name("object") or node.child_by_field_name("operand"), ("?",)
            continue
        if kind == "method_invocation":  # Java receiver chains: conn.createStatement().execute
            name = node.child_by_field_name("name")
            tail.append(name.text.decode("utf-8", "replace") if name is not None else "?")
            node, head = node.child_by_field_name("object"), ()
            continue
        if kind == "call" and node.child_by_field_name("method") is not None:  # Ruby receiver chains
            tail.append(node.child_by_field_name("method").text.decode("utf-8", "replace"))
            node, head = node.child_by_field_name("receiver"), ()
            continue
        step = _PATH_STEPS.get(kind)
        if step is not None:  # receiver.name in the grammars of Elixir, PHP, C#, Rust and Kotlin
            head_field, name_field = step
            receiver = node.child_by_field_name(head_field) if head_field else None
            if receiver is None and kind == "member_access_expression":  # PHP $this->db
                receiver = node.child_by_field_name("object")
            name = node.child_by_field_name(name_field) if name_field else None
            if kind == "navigation_expression":  # Kotlin: no field names
                named = node.named_children
                receiver, name = (named[0], named[-1]) if len(named) >= 2 else (None, None)
            tail.extend(_path(name)[-1:] if name is not None else ("?",))
            node, head = receiver, ()
            continue
        if kind in ("generic_name", "generic_function", "generic_type"):  # Query<User>, query_as::<_, T>
            named = node.named_children
            node = node.child_by_field_name("function") or node.child_by_field_name("type") or (named[0] if named else None)
            head = ("?",)
            continue
        if kind == "scope_resolution":
            head = tuple(p for p in node.text.decode("utf-8", "replace").split("::") if p)
        elif kind in ("alias", "qualified_name"):  # Elixir Ecto.Adapters.SQL, C# Npgsql.NpgsqlCommand
            head = tuple(p for p in node.text.decode("utf-8", "replace").split(".") if p)
        elif kind == "variable_name":  # PHP $pdo
            head = (node.text.decode("utf-8", "replace").lstrip("$"),)
        elif kind in ("identifier", "property_identifier", "field_identifier", "constant", "type_identifier",
                      "this", "self", "instance_variable", "package_identifier", "name", "this_expression"):
            head = (node.text.decode("utf-8", "replace"),)
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


def helpers_with(spec: LanguageSpec, text: str, call_sites: CallSites) -> dict[str, int]:
    """The functions of a file that hand a parameter on to a SQL call (name -> position)."""
    extractor = Extractor(spec, text, call_sites, Keywords(None))
    extractor._follow_names(parse(spec, text))
    return extractor.helpers


def scan_with(spec: LanguageSpec, text: str, call_sites: CallSites, keywords: Keywords,
              want_comments: bool) -> tuple[list[Fragment], list[CommentSpan]]:
    """SQL-candidate strings of a file, and its comments when ``want_comments``."""
    tree = parse(spec, text)
    fragments = Extractor(spec, text, call_sites, keywords).run(tree)
    return fragments, comments(spec, text, tree) if want_comments else []
