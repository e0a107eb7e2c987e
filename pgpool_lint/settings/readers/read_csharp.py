"""C# connection code, read with tree-sitter (never run): every literal Npgsql connection
string (``Host=...;Port=...;Search Path=...;Max Auto Prepare=...``) or URL, judged where it
is written; ``appsettings*.json`` files are read by ``read_json``."""

from __future__ import annotations

from ..context import Context
from .read_stacks import StackReader, run

MARKERS = ("Host=", "Server=", "host=", "server=", "postgres")


class Reader(StackReader):
    ENV_GETTERS = {("Environment", "GetEnvironmentVariable"): 0}

    def __init__(self, ctx: Context) -> None:
        from ...code.csharp_source import CSHARP

        super().__init__(ctx, CSHARP)

    def read(self) -> None:
        self.literal_urls(lambda n: n.type in ("string_literal", "verbatim_string_literal", "raw_string_literal"))


def read(ctx: Context) -> None:
    run(ctx, MARKERS, Reader)
