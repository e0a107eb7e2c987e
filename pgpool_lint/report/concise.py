"""``path:line:col: CODE [name] message`` — one line per finding (editors' errorformat)."""

from __future__ import annotations

from . import RenderContext, summary_line, terminal_safe


def render(diagnostics, out, ctx: RenderContext) -> None:
    for d in diagnostics:
        out.write(terminal_safe(f"{d.filename}:{d.location[0]}:{d.location[1]}: {d.code} [{d.name}] {d.message}") + "\n")
    if not ctx.quiet:
        out.write(summary_line(len(diagnostics), len({d.filename for d in diagnostics}), ctx.files_checked) + "\n")
