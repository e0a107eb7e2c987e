"""SQL in Go: database/sql, pgx and sqlx calls, goose and golang-migrate Go migrations
(interpreted and raw string literals, ``+`` concatenation)."""

from __future__ import annotations

from .treesitter import LanguageSpec, helpers_with, scan_with

GO = LanguageSpec(
    "go", "tree_sitter_go",
    strings=("interpreted_string_literal", "raw_string_literal"),
    calls={"call_expression": ("function", None, "arguments")},
)


def scan(text, call_sites, keywords, want_comments, filename=""):
    return scan_with(GO, text, call_sites, keywords, want_comments)


def helpers(text, call_sites, filename=""):
    return helpers_with(GO, text, call_sites)
