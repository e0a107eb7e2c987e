"""``path:line:col: CODE [name] message`` — one line per finding (editors' errorformat)."""

from __future__ import annotations

from . import RenderContext, safe_name, summary_line, terminal_safe


def render(diagnostics, out, ctx: RenderContext) -> None:
    for d in diagnostics:
        out.write(safe_name(d.filename) + terminal_safe(f":{d.location[0]}:{d.location[1]}: {d.code} [{d.name}] {d.message}") + "\n")
    if not ctx.quiet:
        out.write(summary_line(diagnostics, ctx) + "\n")
