""".NET ``appsettings*.json``: every string value that is a connection string (Npgsql
``Host=...;Port=...`` or a URL), at its place in the file.

JSON strings are found with one linear scan (no parser gives positions); escapes are decoded
and a string with escapes is judged as a whole.
"""

from __future__ import annotations

import json
import re

from . import urls
from .context import Context
from .model import Value

#: a JSON string literal (linear: no nested quantifiers)
_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def read(ctx: Context) -> None:
    if "=" not in ctx.text and "://" not in ctx.text:
        return
    for m in _STRING.finditer(ctx.text):
        raw = m.group(1)
        if "\\" in raw:
            try:
                value = json.loads(m.group())
            except ValueError:
                continue
            verbatim = None
        else:
            value, verbatim = raw, m.start(1)
        if isinstance(value, str) and urls.looks_like_connection_string(value):
            ctx.url_fact(Value(value, m.start(), m.end(), verbatim))
