"""``json.dumps(obj, indent=2, ensure_ascii=False)``, byte for byte, at about the C encoder's speed.

With ``indent`` set, the standard library encodes through its pure-Python generator, and
``json.dump`` writes every token separately (1.5 million writes for 17,000 findings).
Here a dict is written through a format string made once for its keys and depth (the
findings of a report share a handful of shapes), strings go through the C string encoder,
and the whole text is written at once.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # C: ensure_ascii=False's string encoder
from itertools import islice
from typing import Any, Iterable, TextIO

_FLOAT = json.JSONEncoder(ensure_ascii=False).encode  # float repr, NaN and Infinity as json writes them
_TEMPLATES: dict[tuple, str] = {}
_MAX_TEMPLATES = 512  # dicts of many different shapes: made on the fly, not kept


def dumps_indented(obj: Any, indent: int = 2) -> str:
    """``json.dumps(obj, indent=indent, ensure_ascii=False)`` for what reports are made of:
    dicts, lists, tuples, strings, numbers, booleans and None."""
    return _encode(obj, 0, " " * indent)


def dump_indented(obj: Any, out: TextIO, indent: int = 2) -> None:
    """``json.dump(obj, out, indent=indent, ensure_ascii=False)``; a top-level list is written
    as ``dump_indented_list`` writes it."""
    if isinstance(obj, list):
        dump_indented_list(obj, out, indent)
    else:
        out.write(dumps_indented(obj, indent))


def dump_indented_list(items: Iterable[Any], out: TextIO, indent: int = 2) -> None:
    """``json.dump(list(items), out, indent=indent, ensure_ascii=False)``, a few hundred items
    at a time: a large report is never held as one string, nor its items all at once."""
    step = " " * indent
    separator = ",\n" + step
    iterator = iter(items)
    written = False
    while True:
        chunk = [encode_basestring(v) if type(v) is str else _encode(v, 1, step)
                 for v in islice(iterator, _ITEMS_PER_WRITE)]
        if not chunk:
            break
        out.write((separator if written else "[\n" + step) + separator.join(chunk))
        written = True
    out.write("\n]" if written else "[]")


_ITEMS_PER_WRITE = 256


def _encode(obj: Any, level: int, step: str) -> str:
    plain = _PLAIN.get(type(obj))
    if plain is not None:
        return plain(obj)
    deeper = level + 1
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        shape = (tuple(obj), level, step)
        template = _TEMPLATES.get(shape)
        if template is None:
            template = _template(shape[0], level, step)
            # only string keys: 1, 1.0 and True are one key of the cache but three texts
            if len(_TEMPLATES) < _MAX_TEMPLATES and all(type(k) is str for k in shape[0]):
                _TEMPLATES[shape] = template
        return template % tuple([plain(v) if (plain := _PLAIN.get(type(v))) else _encode(v, deeper, step)
                                 for v in obj.values()])
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        inner = "\n" + step * deeper
        return ("[" + inner + ("," + inner).join([plain(v) if (plain := _PLAIN.get(type(v))) else _encode(v, deeper, step)
                                                  for v in obj])
                + "\n" + step * level + "]")
    for kind, plain in _PLAIN.items():  # subclasses: a str or int enum, a named tuple is a list above
        if isinstance(obj, kind):
            return plain(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


#: how each plain value's type is written (``bool`` before ``int``: True is an int too)
_PLAIN = {str: encode_basestring, type(None): lambda _: "null", bool: lambda b: "true" if b else "false",
          int: int.__repr__, float: _FLOAT}


def _template(keys: tuple, level: int, step: str) -> str:
    inner = "\n" + step * (level + 1)
    items = ("," + inner).join(encode_basestring(_key(k)).replace("%", "%%") + ": %s" for k in keys)
    return "{" + inner + items + "\n" + step * level + "}"


def _key(key: Any) -> str:
    """A dict key as ``json`` writes it (strings as they are; numbers, booleans, None as JSON)."""
    if isinstance(key, str):
        return key
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _FLOAT(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
