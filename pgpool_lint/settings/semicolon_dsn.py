"""Connection strings written as ``Key=Value;Key=Value``: Npgsql / ADO.NET
(``Host=db;Port=6543;Search Path=app;Max Auto Prepare=20``) and PHP PDO's ``pgsql:`` DSN
(``pgsql:host=db;port=6543;dbname=app``).

``urls.parse`` turns the pieces into a ``ParsedUrl`` like any other connection string (host,
port, parameters with their offsets), so the same classification and rules apply.  Keys are compared the way
Npgsql does: case-insensitively, spaces ignored (``SearchPath`` is ``Search Path``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

#: Npgsql keyword (lower case, no spaces) -> the libpq parameter / role it plays
NPGSQL_KEYS = {
    "host": "host", "server": "host", "port": "port", "database": "dbname", "db": "dbname",
    "username": "user", "userid": "user", "user": "user", "password": "password", "pwd": "password",
    "searchpath": "search_path", "options": "options", "maxautoprepare": "max_auto_prepare",
    "noresetonclose": "no_reset_on_close", "pooling": "pooling", "sslmode": "sslmode",
    "timezone": "timezone", "applicationname": "application_name", "commandtimeout": "command_timeout",
    "servercompatibilitymode": "server_compatibility_mode", "multiplexing": "multiplexing",
}
_PDO_PREFIX = re.compile(r"\s*pgsql:", re.IGNORECASE)
_PAIR = re.compile(r"\s*([A-Za-z][A-Za-z _]{0,40}?)\s*=")
_MAX_LENGTH = 4096


def canonical(key: str) -> str:
    """An Npgsql keyword's role (``Search Path`` -> ``search_path``); the key itself otherwise."""
    squeezed = key.replace(" ", "").replace("_", "").lower()
    return NPGSQL_KEYS.get(squeezed, key.lower())


@dataclass
class Pieces:
    scheme: str  # "npgsql" or "pdo"
    host: str = ""
    port: Optional[int] = None
    host_offset: int = 0
    params: list[tuple[str, str, int, int]] = field(default_factory=list)  # key, value, key offset, value end


def parse(value: str) -> Optional[Pieces]:
    """The parts of a ``Key=Value;...`` connection string, or None when ``value`` is not one.

    Needs a host key and at least one more known key, so prose and other ``a=b;c=d`` strings
    are not connection strings."""
    if ";" not in value or "=" not in value or len(value) > _MAX_LENGTH:
        return None
    pdo = _PDO_PREFIX.match(value)
    start = pdo.end() if pdo else 0
    pairs = _pairs(value, start)
    if pairs is None:
        return None
    roles = [canonical(k) for k, _, _, _ in pairs]
    if "host" not in roles or len(set(roles) & set(NPGSQL_KEYS.values())) < 2:
        return None
    url = Pieces("pdo" if pdo else "npgsql")
    seen_host = False
    for (key, raw, at, end), role in zip(pairs, roles):
        first = raw.split(",")[0]
        if role == "host" and not seen_host:
            seen_host = True
            url.host = first.split(":")[0].strip().lower()
            url.host_offset = at
            if ":" in first and first.rsplit(":", 1)[1].strip().isdigit():
                url.port = int(first.rsplit(":", 1)[1])  # Npgsql Host=db:6543
        elif role == "port" and raw.strip().isdigit():
            url.port = int(raw.strip())
        else:
            url.params.append((key, raw, at, end))
    return url


def _pairs(value: str, pos: int) -> Optional[list[tuple[str, str, int, int]]]:
    """(key, value, key offset, value end); values may be quoted ('...' or "...")."""
    pairs = []
    n = len(value)
    while pos < n:
        if value[pos] in "; \t":
            pos += 1
            continue
        m = _PAIR.match(value, pos)
        if m is None:
            return None
        key_at = m.start(1)
        pos = m.end()
        while pos < n and value[pos] in " \t":
            pos += 1
        if pos < n and value[pos] in "'\"":
            quote = value[pos]
            close = value.find(quote, pos + 1)
            if close == -1:
                return None
            raw, pos = value[pos + 1:close], close + 1
        else:
            semi = value.find(";", pos)
            stop = n if semi == -1 else semi
            raw, pos = value[pos:stop].strip(), stop
        pairs.append((m.group(1).strip(), raw, key_at, pos))
    return pairs or None
