"""Environment-variable style settings, wherever they are written: ``.env`` files, docker
compose ``environment:``, Kubernetes ``env:`` lists.  The tools configured this way
(Hasura, PostgREST, Flyway) are recognised by their documented variable names."""

from __future__ import annotations

import re
from typing import Optional

from ..context import Context
from ..model import Fact, UrlUse, Value

#: ``${VAR}``, ``${VAR:-default}``, ``$VAR``, and PostgREST's ``$(VAR)``
_REF = re.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\(([A-Za-z_][A-Za-z0-9_]*)\)|([A-Za-z_][A-Za-z0-9_]*))$")

#: tool -> (variables holding its connection string, variables holding its settings)
TOOLS = {
    "hasura": (("HASURA_GRAPHQL_DATABASE_URL", "HASURA_GRAPHQL_METADATA_DATABASE_URL"),
               {"HASURA_GRAPHQL_USE_PREPARED_STATEMENTS": "use_prepared_statements"}),
    "postgrest": (("PGRST_DB_URI",),
                  {"PGRST_DB_PREPARED_STATEMENTS": "db-prepared-statements",
                   "PGRST_DB_CHANNEL_ENABLED": "db-channel-enabled"}),
    "flyway": (("FLYWAY_URL",), {"FLYWAY_POSTGRESQL_TRANSACTIONAL_LOCK": "postgresql.transactional.lock"}),
}


def url_of(ctx: Context, value: Value) -> Optional[UrlUse]:
    """The connection a variable's value points at: a literal, or a ``${VAR}`` reference."""
    if not isinstance(value.value, str):
        return None
    m = _REF.match(value.value.strip())
    if m:
        return ctx.env_url(m.group(1) or m.group(3) or m.group(4), value, m.group(2))
    return ctx.literal_url(value)


def env_block(ctx: Context, entries: dict[str, Value], label: str, anchor: tuple[int, int],
              key_spans: Optional[dict[str, tuple[int, int]]] = None, settings_only: bool = False) -> None:
    """Facts of one block of environment variables.

    ``settings_only``: the block is a ``.env`` file, which any program may read; a tool is
    assumed only where one of its own settings is written, not just its URL variable (the
    service definition that uses the file is where defaults are judged).
    """
    for value in entries.values():
        ctx.url_fact(value)
    for tool, (url_keys, setting_keys) in TOOLS.items():
        url_key = next((k for k in url_keys if k in entries), None)
        present = [k for k in setting_keys if k in entries]
        if (url_key is None or settings_only) and not present:
            continue
        url = url_of(ctx, entries[url_key]) if url_key else None
        start, end = key_spans.get(url_key, anchor) if (key_spans and url_key) else anchor
        settings = {setting_keys[k]: entries[k] for k in present}
        ctx.add(Fact(tool, start, end, f"{label} {url_key or tool}", settings, url,
                     {"names": {setting_keys[k]: k for k in setting_keys}}))
