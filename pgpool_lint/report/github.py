"""GitHub Actions workflow commands: ``::error file=..,line=..::message`` per finding.

Escaped exactly as ``actions/toolkit`` (``packages/core/src/command.ts``) does: the message
with ``escapeData``, every property with ``escapeProperty``.  A span over several lines
carries no ``col``/``endColumn`` (GitHub would otherwise draw the wrong range).
"""

from __future__ import annotations

from . import RenderContext, report_path, terminal_safe

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """The toolkit's escapeData, after control characters from file contents are made visible:
    the annotations land in a log viewer that interprets ANSI sequences."""
    return terminal_safe(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(d) -> str:
    (row, col), (end_row, end_col) = d.location, d.end_location
    props = [("file", report_path(d.filename)), ("line", str(row))]
    if end_row == row:
        props.append(("col", str(col)))
    props.append(("endLine", str(end_row)))
    if end_row == row:
        props.append(("endColumn", str(end_col)))
    props.append(("title", f"pgpool-lint ({d.code} {d.name})"))
    text = f"{d.code} [{d.name}] {d.message}"
    if d.help:
        text += f"\nhelp: {d.help}"
    params = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{LEVELS.get(d.severity, 'error')} {params}::{escape_data(text)}"


def render(diagnostics, out, ctx: RenderContext) -> None:
    for d in diagnostics:
        out.write(annotation(d) + "\n")
