"""TOML settings (Flyway's ``flyway.toml``, any ``*.toml`` holding connection strings).

``tomllib`` reads the values; positions come from a small locator that follows table
headers and (dotted) keys line by line — it only says *where* a key tomllib found is.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..context import Context
from ..model import Fact, Value

#: the name is stripped in Python: blanks around a lazy name made this cubic on `[` + spaces
_HEADER = re.compile(r"[ \t]*\[\[?([^\]]*)\]\]?[ \t]*(?:#.*)?$")
_KEYVAL = re.compile(r"[ \t]*((?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')(?:[ \t]*\.[ \t]*(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*'))*)[ \t]*=[ \t]*")


def _split_key(key: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", key))


def locate(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """Full key path -> (key offset, value offset) for every ``key = value`` line."""
    spans: dict[tuple[str, ...], tuple[int, int]] = {}
    table: tuple[str, ...] = ()
    offset = 0
    for line in text.split("\n"):
        header = _HEADER.match(line)
        if header and header.group(1).strip(" \t") and not _KEYVAL.match(line):
            table = _split_key(header.group(1).strip(" \t"))
        else:
            m = _KEYVAL.match(line)
            if m:
                spans.setdefault(table + _split_key(m.group(1)), (offset + m.start(1), offset + m.end()))
        offset += len(line) + 1
    return spans


def _leaves(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, path + (str(key),))
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, (dict, list)):
                yield from _leaves(item, path)
    else:
        yield path, data


def read(ctx: Context) -> None:
    import tomllib

    if ctx.filename.replace("\\", "/").rsplit("/", 1)[-1].lower() == "pyproject.toml":
        from .read_manifest import read as read_manifest

        read_manifest(ctx)  # its dependencies

    try:
        data = tomllib.loads(ctx.text)
    except tomllib.TOMLDecodeError:
        return  # not ours to report: a TOML linter does that
    spans = locate(ctx.text)
    values: dict[tuple[str, ...], Value] = {}
    for path, raw in _leaves(data):
        key_at, value_at = spans.get(path, (0, 0))
        verbatim = None
        if isinstance(raw, str) and ctx.text.startswith(raw, value_at + 1) and ctx.text[value_at] in "\"'":
            verbatim = value_at + 1
        end = value_at + len(raw) + 2 if isinstance(raw, str) else value_at + len(str(raw).lower())
        values[path] = Value(raw, value_at, end, verbatim)
        values[path].extra_key = key_at  # type: ignore[attr-defined]
        if isinstance(raw, str):
            ctx.url_fact(values[path])
    # Flyway: [environments.<name>] url = ..., [flyway.postgresql] transactional.lock = false
    lock = next((v for p, v in values.items() if p[-3:] == ("postgresql", "transactional", "lock")), None)
    for path, value in values.items():
        if len(path) == 3 and path[0] == "environments" and path[2] == "url" or path == ("flyway", "url"):
            key_at = getattr(value, "extra_key", value.start)
            ctx.add(Fact("flyway", key_at, key_at + 3, ".".join(path),
                         {"postgresql.transactional.lock": lock} if lock else {}, ctx.literal_url(value),
                         {"names": {"postgresql.transactional.lock": "[flyway.postgresql] transactional.lock"}}))
    if lock is not None and not any(f.kind == "flyway" for f in ctx.facts):
        ctx.add(Fact("flyway", lock.start, lock.end, "flyway", {"postgresql.transactional.lock": lock}, None,
                     {"names": {"postgresql.transactional.lock": "[flyway.postgresql] transactional.lock"}}))
