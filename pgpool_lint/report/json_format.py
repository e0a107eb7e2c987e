"""A JSON array of findings; the keys are documented in README.md ("JSON output")."""

from __future__ import annotations

from . import RenderContext, json_text


def render(diagnostics, out, ctx: RenderContext) -> None:
    out.write(json_text([d.to_json() for d in diagnostics], indent=2))
    out.write("\n")
