"""One JSON object per line: first ``{"metadata": {...}}`` (tool, version, files checked,
pooler profile), then one finding per line with the keys of the ``json`` format."""

from __future__ import annotations

import json

from . import RenderContext, metadata


def render(diagnostics, out, ctx: RenderContext) -> None:
    out.write(json.dumps({"metadata": metadata(ctx)}, ensure_ascii=False) + "\n")
    for d in diagnostics:
        out.write(json.dumps(d.to_json(), ensure_ascii=False) + "\n")
