"""Kotlin connection code, read with tree-sitter (never run): every literal connection string
(JDBC URLs for Exposed, Spring, Flyway, HikariCP) is judged where it is written, as in Java."""

from __future__ import annotations

from ..context import Context
from .read_stacks import StackReader, run

MARKERS = ("jdbc:", "postgres")


class Reader(StackReader):
    ENV_GETTERS = {("System", "getenv"): 0}

    def __init__(self, ctx: Context) -> None:
        from ...code.kotlin_source import KOTLIN

        super().__init__(ctx, KOTLIN)

    def read(self) -> None:
        self.literal_urls(lambda n: n.type in ("string_literal", "multiline_string_literal"))


def read(ctx: Context) -> None:
    run(ctx, MARKERS, Reader)
