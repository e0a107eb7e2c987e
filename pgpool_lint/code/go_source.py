"""SQL in Go: database/sql, pgx and sqlx calls, goose and golang-migrate Go migrations
(interpreted and raw string literals, ``+`` concatenation)."""

from __future__ import annotations

from .hosts import Host, host_language

GO = host_language(
    "go", "tree_sitter_go", globals(),
    strings=("interpreted_string_literal", "raw_string_literal"),
    calls={"call_expression": ("function", None, "arguments")},
)
HOST = Host(GO, package_helpers=True)
