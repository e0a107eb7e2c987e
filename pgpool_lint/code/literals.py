"""Reading string literals child by child, for grammars whose literals need more than the
default reader in ``treesitter.py``: sigils and heredocs (Elixir, PHP), interpolation written
as plain text (Kotlin ``$name``), doubled braces and quotes (C#), line continuations that
swallow the next line's indentation (Rust), format strings (Rust ``format!``).

Only the children a grammar marks as content, escapes or interpolations are read; delimiters,
sigil names and heredoc tags are not part of the value.  Every SQL character keeps its host
offset (``FragmentBuilder``).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Optional

from .fragments import FragmentBuilder, decode_escape

TextHook = Callable[[FragmentBuilder, str, int], None]


def plain(out: FragmentBuilder, text: str, start: int) -> None:
    out.text(text, start)


def read_parts(ex: Any, node: Any, out: FragmentBuilder, *, content: Iterable[str],
               escapes: Iterable[str] = ("escape_sequence",), holes: Optional[Iterable[str]] = None,
               nested: Iterable[str] = (), brace_holes: bool = False, on_text: TextHook = plain,
               decode: Callable[[str], str] = decode_escape, continuation_skips_blanks: bool = False) -> None:
    """Read ``node``'s children into ``out``.

    ``content`` children are text (adjacent ones are passed to ``on_text`` as one run, so a
    hook sees ``$`` and ``name`` together); ``escapes`` are decoded; ``holes`` (None: every
    other named child) are interpolated values; ``nested`` children are read the same way;
    with ``brace_holes`` an anonymous ``{`` ... ``}`` pair around an expression is one hole
    (PHP ``{$user->id}``).  Anything else (delimiters, sigil names, tags) is skipped.
    """
    content, escapes, nested = frozenset(content), frozenset(escapes), frozenset(nested)
    hole_types = None if holes is None else frozenset(holes)
    text, host = ex.text, ex.host
    run: Optional[list[int]] = None
    brace_at: Optional[int] = None
    skip_blanks = False

    def flush() -> None:
        if run is not None and run[1] > run[0]:
            on_text(out, text[run[0]:run[1]], run[0])

    for child in node.children:
        start, end = host.offset(child.start_point), host.offset(child.end_point)
        if brace_at is not None:
            if not child.is_named and child.type == "}":
                out.hole(brace_at, end)
                brace_at = None
            continue
        if child.type in content:
            if skip_blanks:  # Rust: a backslash at the end of a line also eats the next line's indentation
                while start < end and text[start] in " \t\r\n":
                    start += 1
                skip_blanks = False
            if run is not None and start == run[1]:
                run[1] = end
            else:
                flush()
                run = [start, end]
            continue
        flush()
        run = None
        if child.type in escapes:
            value = decode(text[start:end])
            out.char(value, start, end)
            skip_blanks = continuation_skips_blanks and value == "" and text[start:end].startswith("\\\n")
        elif child.type in nested:
            read_parts(ex, child, out, content=content, escapes=escapes, holes=holes, nested=nested,
                       brace_holes=brace_holes, on_text=on_text, decode=decode,
                       continuation_skips_blanks=continuation_skips_blanks)
        elif brace_holes and not child.is_named and child.type == "{":
            brace_at = start
        elif child.is_named and (child.type in hole_types if hole_types is not None else True):
            out.hole(start, end)
    flush()


def doubled(pairs: dict[str, str]) -> TextHook:
    """A text hook for languages that escape a character by doubling it (C# ``""``, ``{{``)."""
    pattern = re.compile("|".join(re.escape(p) for p in sorted(pairs, key=len, reverse=True)))

    def hook(out: FragmentBuilder, text: str, start: int) -> None:
        pos = 0
        for m in pattern.finditer(text):
            if m.start() > pos:
                out.text(text[pos:m.start()], start + pos)
            out.char(pairs[m.group()], start + m.start(), start + m.end())
            pos = m.end()
        if pos < len(text):
            out.text(text[pos:], start + pos)

    return hook


def holes_at(pattern: "re.Pattern[str]", then: TextHook = plain) -> TextHook:
    """A text hook that makes every match of ``pattern`` a hole (Kotlin ``$name``)."""

    def hook(out: FragmentBuilder, text: str, start: int) -> None:
        pos = 0
        for m in pattern.finditer(text):
            if m.start() > pos:
                then(out, text[pos:m.start()], start + pos)
            out.hole(start + m.start(), start + m.end())
            pos = m.end()
        if pos < len(text):
            then(out, text[pos:], start + pos)

    return hook


def brace_fields(inner: FragmentBuilder) -> FragmentBuilder:
    """Format-string fields (``{}``, ``{name:?}``) of an already read string become holes and
    ``{{`` / ``}}`` braces (Rust ``format!``, C# ``string.Format``); earlier holes stay holes."""
    value = inner.value
    out = FragmentBuilder()
    in_hole = [False] * len(value)
    for s, e in inner.holes:
        for i in range(s, e):
            in_hole[i] = True
    i = 0
    while i < len(value):
        ch = value[i]
        if in_hole[i]:
            j = i
            while j < len(value) and in_hole[j]:
                j += 1
            out.hole(inner.starts[i], inner.ends[j - 1])
            i = j
        elif ch in "{}" and value[i:i + 2] in ("{{", "}}"):
            out.char(ch, inner.starts[i], inner.ends[i + 1])
            i += 2
        elif ch == "{":
            close = value.find("}", i)
            if close < 0:
                return inner
            out.hole(inner.starts[i], inner.ends[close])
            i = close + 1
        else:
            out.char(ch, inner.starts[i], inner.ends[i])
            i += 1
    return out


def argument_name(arg: Any) -> Optional[str]:
    """The name of a named argument (C# ``sql: "..."``, PHP ``query: '...'``), or None."""
    name = arg.child_by_field_name("name")
    return node_text(name) if name is not None else None


def named_argument(args: list[Any], names: Iterable[str],
                   name_of: Callable[[Any], Optional[str]] = argument_name) -> list[Any]:
    """The first argument named one of ``names`` (a list of at most one)."""
    return [a for a in args if name_of(a) in names][:1]


def named_or_first_positional(args: list[Any], names: Iterable[str],
                              name_of: Callable[[Any], Optional[str]] = argument_name) -> list[Any]:
    """The argument named one of ``names``, else the first argument if it is not a named one."""
    return named_argument(args, names, name_of) or [a for a in args[:1] if name_of(a) is None]


def positional(arguments: Any, skip: Iterable[str] = ()) -> list[Any]:
    """The argument nodes of a call in order (comments and ``skip`` node types left out)."""
    skipped = frozenset(skip) | {"comment", "line_comment", "block_comment"}
    return [a for a in arguments.named_children if a.type not in skipped]


def node_text(node: Any) -> str:
    return node.text.decode("utf-8", "replace")
