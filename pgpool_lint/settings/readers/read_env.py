"""``.env`` files: every assignment is an environment block (see envblock.py)."""

from __future__ import annotations

from ..context import Context
from ..envfiles import parse_env
from .envblock import env_block


def read(ctx: Context) -> None:
    entries = parse_env(ctx.text)
    values = {e.key: e.value for e in entries}
    spans = {e.key: (e.key_start, e.key_start + len(e.key)) for e in entries}
    env_block(ctx, values, ctx.filename.rsplit("/", 1)[-1], (0, 0), spans, settings_only=True)
