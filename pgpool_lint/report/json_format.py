"""A JSON array of findings; the keys are documented in README.md ("JSON output")."""

from __future__ import annotations

import json

from . import RenderContext


def render(diagnostics, out, ctx: RenderContext) -> None:
    json.dump([d.to_json() for d in diagnostics], out, indent=2, ensure_ascii=False)
    out.write("\n")
