"""``schema.prisma``: the ``datasource`` block's ``provider``, ``url`` and ``directUrl``.

A small tokenizer (identifiers, string literals with escapes, punctuation, ``//`` comments)
reads the block structure; a value is either a string literal or ``env("NAME")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..context import Context
from ..model import Fact, UrlUse, Value

_TOKEN = re.compile(r"\s+|//[^\n]*|(?P<str>\"(?:[^\"\\\n]|\\.)*\")|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[{}()=\[\],@.])|(?P<other>\S)")


@dataclass
class Token:
    kind: str
    text: str
    start: int


def tokens(text: str) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind:
            out.append(Token(kind, m.group(), m.start()))
    return out


def _string_value(tok: Token) -> Value:
    import json

    try:
        value = json.loads(tok.text)
    except ValueError:
        value = tok.text[1:-1]
    verbatim = tok.start + 1 if value == tok.text[1:-1] else None
    return Value(value, tok.start, tok.start + len(tok.text), verbatim)


def datasources(text: str) -> list[tuple[Token, dict[str, tuple[Token, list[Token]]]]]:
    """(name token, {key: (key token, value tokens)}) of every datasource block."""
    toks = tokens(text)
    out = []
    i = 0
    while i < len(toks):
        if toks[i].kind == "ident" and toks[i].text == "datasource" and i + 2 < len(toks) and toks[i + 2].text == "{":
            name = toks[i + 1]
            i += 3
            fields: dict[str, tuple[Token, list[Token]]] = {}
            while i < len(toks) and toks[i].text != "}":
                if toks[i].kind == "ident" and i + 1 < len(toks) and toks[i + 1].text == "=":
                    key = toks[i]
                    i += 2
                    start = i
                    depth = 0
                    while i < len(toks):
                        t = toks[i].text
                        depth += t in "([" and 1 or 0
                        depth -= t in ")]" and 1 or 0
                        i += 1
                        if depth <= 0 and (i >= len(toks) or toks[i].kind == "ident" and i + 1 < len(toks)
                                           and toks[i + 1].text == "=" or toks[i].text == "}"):
                            break
                    fields[key.text] = (key, toks[start:i])
                else:
                    i += 1
            if i < len(toks):  # an unclosed block is a file being written: nothing to judge yet
                out.append((name, fields))
        i += 1
    return out


def _url(ctx: Context, value_tokens: list[Token]) -> Optional[UrlUse]:
    if not value_tokens:
        return None
    first = value_tokens[0]
    if first.kind == "str":
        value = _string_value(first)
        ctx.url_fact(value, "datasource url")
        return ctx.literal_url(value)
    if first.text == "env" and len(value_tokens) >= 3 and value_tokens[2].kind == "str":
        ref = _string_value(value_tokens[2])
        span = Value(ref.value, first.start, value_tokens[-1].start + 1)
        return ctx.env_url(str(ref.value), span)
    return None


def read(ctx: Context) -> None:
    for name, fields in datasources(ctx.text):
        provider = fields.get("provider")
        if provider and provider[1] and provider[1][0].kind == "str":
            if _string_value(provider[1][0]).value not in ("postgresql", "postgres", "cockroachdb"):
                continue
        settings = {}
        url = None
        start, end = name.start, name.start + len(name.text)
        if "url" in fields:
            key, value_tokens = fields["url"]
            url = _url(ctx, value_tokens)
            start, end = key.start, key.start + 3
            settings["url"] = Value(None, key.start, key.start + 3)
        for key in ("directUrl", "shadowDatabaseUrl"):
            if key in fields:
                key_tok, value_tokens = fields[key]
                settings[key] = Value(_url(ctx, value_tokens), key_tok.start, key_tok.start + len(key))
        ctx.add(Fact("prisma-datasource", start, end, f"datasource {name.text}", settings, url))
