"""One JSON object per line: first ``{"metadata": {...}}`` (tool, version, files checked,
pooler profile), then one finding per line with the keys of the ``json`` format."""

from __future__ import annotations

from . import RenderContext, json_text, metadata


def render(diagnostics, out, ctx: RenderContext) -> None:
    out.write(json_text({"metadata": metadata(ctx)}) + "\n")
    for d in diagnostics:
        out.write(json_text(d.to_json()) + "\n")
