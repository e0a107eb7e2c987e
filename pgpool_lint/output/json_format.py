"""A JSON array of findings; the keys are documented in README.md ("JSON output")."""

from __future__ import annotations

from . import RenderContext
from ..diagnostics import Diagnostic
from .json_text import dump_indented_list


def render(diagnostics, out, ctx: RenderContext) -> None:
    dump_indented_list(map(Diagnostic.to_json, diagnostics), out)
    out.write("\n")
