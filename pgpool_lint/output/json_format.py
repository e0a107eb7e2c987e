"""A JSON array of findings; the keys are documented in README.md ("JSON output")."""

from __future__ import annotations

from . import RenderContext
from .json_text import dump_indented


def render(diagnostics, out, ctx: RenderContext) -> None:
    dump_indented([d.to_json() for d in diagnostics], out)
    out.write("\n")
