"""``key = value`` settings files: Flyway ``flyway.conf``, PostgREST ``postgrest.conf``,
Liquibase ``liquibase.properties``, Spring ``application.properties``, ``alembic.ini``.

A small line reader (configparser loses positions): ``[section]`` headers, ``#``/``;``/``!``
comments, ``=`` or ``:`` separators, values optionally in double or single quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..context import Context
from ..model import Fact, Value
from .envblock import url_of

#: the value runs to the end of the line and is stripped in Python (a lazy ``.*?`` before
#: trailing blanks is quadratic on a line of blanks)
_LINE = re.compile(r"[ \t]*([A-Za-z0-9_.\-\[\]]+)[ \t]*[=:][ \t]*(.*)")


@dataclass
class Entry:
    section: str
    key: str
    key_start: int
    value: Value


def parse(text: str) -> list[Entry]:
    entries: list[Entry] = []
    section = ""
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.rstrip("\r").endswith("]") and "=" not in stripped:
            section = stripped.strip("[]\r ")
        elif stripped and stripped[0] not in "#;!":
            m = _LINE.match(line)
            if m:
                raw, at = m.group(2).rstrip(" \t\r"), offset + m.start(2)
                if raw[:1] in ("\"", "'") and raw.find(raw[0], 1) != -1:
                    raw, at = raw[1:raw.find(raw[0], 1)], at + 1  # a quoted value; a comment may follow
                else:
                    comment = re.search(r"[ \t][#;]", raw)
                    if comment:
                        raw = raw[:comment.start()].rstrip()
                value = Value(raw, at, at + len(raw), at)
                entries.append(Entry(section, m.group(1), offset + m.start(1), value))
        offset += len(line) + 1
    return entries


def read(ctx: Context) -> None:
    entries = parse(ctx.text)
    by_key: dict[str, Entry] = {}
    for entry in entries:
        ctx.url_fact(entry.value)
        by_key[entry.key.lower()] = entry
    name = ctx.filename.replace("\\", "/").rsplit("/", 1)[-1].lower()

    def fact(kind: str, url_keys: tuple[str, ...], settings: dict[str, tuple[str, ...]]) -> None:
        url_entry = next((by_key[k] for k in url_keys if k in by_key), None)
        found = {name: by_key[k].value for name, keys in settings.items() for k in keys if k in by_key}
        if url_entry is None and not found:
            return
        url = url_of(ctx, url_entry.value) if url_entry else None  # a literal, or ${VAR} / $(VAR)
        start = url_entry.key_start if url_entry else 0
        end = start + len(url_entry.key) if url_entry else 0
        ctx.add(Fact(kind, start, end, url_entry.key if url_entry else name, found, url,
                     {"names": {s: keys[0] for s, keys in settings.items()}}))

    fact("flyway", ("flyway.url", "spring.flyway.url", "spring.datasource.url"),
         {"postgresql.transactional.lock": ("flyway.postgresql.transactional.lock",
                                            "spring.flyway.postgresql.transactional-lock",
                                            "spring.flyway.postgresql.transactional.lock")})
    if "db-uri" in by_key or name.startswith("postgrest"):
        fact("postgrest", ("db-uri",), {"db-prepared-statements": ("db-prepared-statements",),
                                        "db-channel-enabled": ("db-channel-enabled",)})
    if name.startswith("liquibase") or "liquibase.command.url" in by_key:
        fact("liquibase", ("url", "liquibase.command.url"),
             {"defaultSchemaName": ("defaultschemaname", "liquibase.command.defaultschemaname")})
    if name.endswith(".ini") and "pgbouncer" in name:
        _pgbouncer(ctx, entries)


def _pgbouncer(ctx: Context, entries: list[Entry]) -> None:
    """PgBouncer's own configuration: its [pgbouncer] settings, judged by PGB206 pooler-config."""
    settings = {entry.key.lower(): entry.value for entry in entries
                if entry.section.lower() == "pgbouncer"}
    modes = [entry for entry in entries if entry.section.lower() == "databases"
             and "pool_mode" in str(entry.value.value)]
    header = next((e for e in entries if e.section.lower() == "pgbouncer"), None)
    start = header.key_start if header is not None else 0
    ctx.add(Fact("pgbouncer-config", start, start, ctx.filename, settings,
                 extra={"database_modes": [str(e.value.value) for e in modes]}))
