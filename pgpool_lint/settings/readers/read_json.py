""".NET ``appsettings*.json``: every string value that is a connection string (Npgsql
``Host=...;Port=...`` or a URL), at its place in the file.

JSON strings are found with one linear scan (the standard library's parser gives no
positions); escapes are decoded and a string with escapes is judged as a whole.
"""

from __future__ import annotations

import json
import re

from .. import urls
from ..context import Context
from ..model import Value

#: a JSON string, or an unterminated one up to the end of its line (group 1 is the closing
#: quote): every match ends past where it started, so the scan reads each character once.
#: Escapes are bounded per string (a connection string has few): the regex engine's cost per
#: repetition of a group grows with the count, so an unbounded one is not linear.
_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*){0,64}("?)')


def strings(text: str):
    """(start, end, literal) of each closed JSON string, left to right."""
    for m in _STRING.finditer(text):
        if m.group(1):
            yield m.start(), m.end(), m.group()


def read(ctx: Context) -> None:
    if "=" not in ctx.text and "://" not in ctx.text:
        return
    for start, end, literal in strings(ctx.text):
        raw = literal[1:-1]
        if "\\" in raw:
            try:
                value = json.loads(literal)
            except ValueError:
                continue
            verbatim = None
        else:
            value, verbatim = raw, start + 1
        if isinstance(value, str) and urls.looks_like_connection_string(value):
            ctx.url_fact(Value(value, start, end, verbatim))
