"""Connection code of Elixir, PHP, C# and Rust, read with the same tree-sitter grammars and
string readers as their SQL (``sources``; never run).  This module holds what the four
readers share: string values with their place in the file, environment lookups, every
literal connection string as a ``url`` fact.  The language modules (``read_elixir``,
``read_php``, ``read_csharp``, ``read_rust``) add the facts of their drivers and frameworks.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Optional

from ..context import Context
from ..model import UrlUse, Value

#: nodes visited per file at most (a hostile file cannot make a reader walk forever)
MAX_NODES = 200_000


class Computed(str):
    """A string value only known at run time (it interpolates something)."""


class StackReader:
    #: (callee path tail) -> index of the environment variable's name among the call's arguments
    ENV_GETTERS: dict[tuple[str, ...], int] = {}

    def __init__(self, ctx: Context, spec: Any) -> None:
        from ...code.callsites import CallSites
        from ...code.fragments import Keywords
        from ...code.treesitter import Extractor, parse

        self.ctx = ctx
        self.spec = spec
        self.tree = parse(spec, ctx.text)
        self.ex = Extractor(spec, ctx.text, CallSites(()), Keywords(None))
        self.host = self.ex.host

    def span(self, node: Any) -> tuple[int, int]:
        return self.host.offset(node.start_point), self.host.offset(node.end_point)

    def nodes(self) -> Iterator[Any]:
        """Every named node, in document order."""
        stack, seen = [self.tree.root_node], 0
        while stack and seen < MAX_NODES:
            node = stack.pop()
            seen += 1
            yield node
            stack.extend(reversed(node.named_children))

    def string(self, node: Any) -> Optional[Value]:
        """The value of a string expression; a ``Computed`` one when it interpolates."""
        if not self.ex._is_stringish(node):
            return None
        from ...code.fragments import FragmentBuilder

        builder = FragmentBuilder()
        if not self.ex._read(node, builder, []):
            return None
        start, end = self.span(node)
        text = builder.value
        if builder.holes:
            return Value(Computed(self.ctx.text[start:end]), start, end)
        contiguous = bool(builder.starts) and builder.starts[-1] - builder.starts[0] == len(text) - 1 and all(
            b - a == 1 for a, b in zip(builder.starts, builder.starts[1:]))
        return Value(text, start, end, builder.starts[0] if contiguous else None)

    def callee(self, call: Any) -> tuple[str, ...]:
        return self.ex._callee(call) if call.type in self.spec.calls else ()

    def arguments(self, call: Any) -> list[Any]:
        from ...code.literals import positional

        args = next((c for c in call.named_children if c.type in self.spec.argument_lists), None)
        if args is None:
            return []
        out = []
        for a in positional(args):
            if a.type in self.spec.wrappers and a.named_children:
                a = a.named_children[-1]
            out.append(a)
        return out

    def env_reference(self, node: Any) -> Optional[tuple[str, Optional[str], Value]]:
        """(variable name, default, where) of an environment lookup such as ``System.get_env("X")``."""
        if node.type not in self.spec.calls:
            return None
        path = self.callee(node)
        for tail, index in self.ENV_GETTERS.items():
            if len(path) >= len(tail) and path[-len(tail):] == tail:
                args = self.arguments(node)
                name = self.string(args[index]) if len(args) > index else None
                if name is None or isinstance(name.value, Computed):
                    return None
                default = self.string(args[index + 1]) if len(args) > index + 1 else None
                start, end = self.span(node)
                shown = default.value if default is not None and not isinstance(default.value, Computed) else None
                return str(name.value), shown, Value(None, start, end)
        return None

    def url(self, node: Any) -> Optional[UrlUse]:
        """The endpoint an expression names: a literal connection string or an environment lookup."""
        value = self.string(node)
        if value is not None and not isinstance(value.value, Computed):
            return self.ctx.literal_url(value)
        env = self.env_reference(node)
        if env is not None:
            return self.ctx.env_url(env[0], env[2], env[1])
        return None

    def literal_urls(self, is_string: Callable[[Any], bool]) -> None:
        """Every literal connection string becomes a ``url`` fact (its own parameters are judged there)."""
        from .. import urls

        for node in self.nodes():
            if is_string(node):
                value = self.string(node)
                if (value is not None and not isinstance(value.value, Computed)
                        and urls.looks_like_connection_string(value.value)):
                    self.ctx.url_fact(value)


def run(ctx: Context, markers: Iterable[str], reader: Callable[[Context], "StackReader"]) -> bool:
    """Read one file with a language's reader, if it spells one of ``markers``; False when it
    does not or its grammar is unavailable (a file we cannot read as settings stops nothing)."""
    if not any(marker in ctx.text for marker in markers):
        return False
    try:
        reader(ctx).read()
    except (ImportError, RecursionError, ValueError):
        return False
    return True
