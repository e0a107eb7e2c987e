"""The human format: the source line, a caret under the finding, the message, ``help:`` and
where to read more.  Rendered with rich (colour only on a terminal, never with NO_COLOR)."""

from __future__ import annotations

from . import RenderContext, summary_line, terminal_safe


def render(diagnostics, out, ctx: RenderContext) -> None:
    if not diagnostics:  # nothing to style: a clean run does not load rich (start-up)
        if not ctx.quiet:
            out.write(summary_line(0, 0, ctx.files_checked) + "\n")
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, force_terminal=ctx.color, no_color=not ctx.color, highlight=False,
                      soft_wrap=True, emoji=False, markup=False)
    colour = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}
    for d in diagnostics:
        row, col = d.location
        head = Text()
        head.append(terminal_safe(f"{d.filename}:{row}:{col}: "), style="bold")
        head.append(f"{d.code} ", style=colour.get(d.severity, "bold"))
        head.append(f"[{d.name}] ", style="dim")
        head.append(terminal_safe(d.message))
        console.print(head)
        if d.source_line is not None and d.source_line != "":
            gutter = " " * len(str(row))
            line = d.source_line.expandtabs(1)  # a tab is one column, as in every position we report
            shown = terminal_safe(line)
            caret_start = len(terminal_safe(line[: col - 1]))
            if d.end_location[0] == row:
                width = max(1, len(terminal_safe(line[col - 1 : d.end_location[1] - 1])))
            else:
                width = max(1, len(shown) - caret_start)
            console.print(Text(f"{gutter} |", style="blue"))
            console.print(Text(f"{row} | ", style="blue") + Text(shown))
            console.print(Text(f"{gutter} | ", style="blue") + Text(" " * caret_start + "^" * width, style=colour.get(d.severity, "bold")))
        if d.help:
            console.print(Text(f"  help: ", style="bold cyan") + Text(terminal_safe(d.help)))
        if d.fix is not None and d.fix.edits and d.fix.applicability != "display-only":
            how = "--fix" if d.fix.applicability == "safe" else "--fix --unsafe-fixes"
            console.print(Text("  fix: ", style="bold green")
                          + Text(terminal_safe(f"{d.fix.message} ({d.fix.applicability}: {how})")))
        console.print(Text(f"  see: pgpool-lint rule {d.code}", style="dim"))
        console.print()
    if not ctx.quiet:
        console.print(Text(summary_line(len(diagnostics), len({d.filename for d in diagnostics}), ctx.files_checked)))
