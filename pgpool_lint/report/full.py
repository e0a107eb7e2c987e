"""The human format: the source line, a caret under the finding, the message, ``help:`` and
where to read more.

The layout is built once as lines of (text, style) pieces.  On a terminal with colour they are
printed with rich; otherwise (pipes, CI logs, pre-commit, ``NO_COLOR``) the styles carry no
bytes, so the text is written as it is and rich is not even imported (start-up)."""

from __future__ import annotations

from typing import Callable, Iterator

from . import RenderContext, safe_name, summary_line, terminal_safe

Line = list[tuple[str, str]]  # (text, rich style) pieces of one output line

_SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}


def render(diagnostics, out, ctx: RenderContext) -> None:
    write = _coloured_writer(out) if ctx.color and diagnostics else _plain_writer(out)
    for line in _lines(diagnostics, ctx):
        write(line)


def _lines(diagnostics, ctx: RenderContext) -> Iterator[Line]:
    for d in diagnostics:
        row, col = d.location
        severity = _SEVERITY_STYLE.get(d.severity, "bold")
        yield [(f"{safe_name(d.filename)}:{row}:{col}: ", "bold"), (f"{d.code} ", severity),
               (f"[{terminal_safe(d.name)}] ", "dim"), (terminal_safe(d.message), "")]
        if d.source_line is not None and d.source_line != "":
            gutter = " " * len(str(row))
            line = d.source_line.expandtabs(1)  # a tab is one column, as in every position we report
            shown = terminal_safe(line)
            caret_start = len(terminal_safe(line[: col - 1]))
            if d.end_location[0] == row:
                width = max(1, len(terminal_safe(line[col - 1 : d.end_location[1] - 1])))
            else:
                width = max(1, len(shown) - caret_start)
            yield [(f"{gutter} |", "blue")]
            yield [(f"{row} | ", "blue"), (shown, "")]
            yield [(f"{gutter} | ", "blue"), (" " * caret_start + "^" * width, severity)]
        if d.help:
            yield [("  help: ", "bold cyan"), (terminal_safe(d.help), "")]
        if d.fix is not None and d.fix.edits and d.fix.applicability != "display-only":
            how = "--fix" if d.fix.applicability == "safe" else "--fix --unsafe-fixes"
            yield [("  fix: ", "bold green"), (terminal_safe(f"{d.fix.message} ({d.fix.applicability}: {how})"), "")]
        yield [(f"  see: pgpool-lint rule {d.code}", "dim")]
        yield []
    if not ctx.quiet:
        yield [(summary_line(diagnostics, ctx), "")]


def _plain_writer(out) -> Callable[[Line], None]:
    def write(line: Line) -> None:
        out.write("".join(text for text, _ in line) + "\n")

    return write


def _coloured_writer(out) -> Callable[[Line], None]:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, force_terminal=True, highlight=False, soft_wrap=True, emoji=False, markup=False)

    def write(line: Line) -> None:
        text = Text()
        for piece, style in line:
            text.append(piece, style=style or None)
        console.print(text)

    return write
