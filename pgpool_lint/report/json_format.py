"""A JSON array of findings; the keys are documented in README.md ("JSON output")."""

from __future__ import annotations

from ..core.diagnostics import Diagnostic
from . import RenderContext, write_json_list


def render(diagnostics, out, ctx: RenderContext) -> None:
    write_json_list(map(Diagnostic.to_json, diagnostics), out, indent=2)
    out.write("\n")
