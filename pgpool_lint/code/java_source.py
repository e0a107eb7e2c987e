"""SQL in Java: JDBC statements (Flyway Java migrations), Spring ``JdbcTemplate``, JPA
native queries; string literals, text blocks and ``+`` concatenation."""

from __future__ import annotations

from .treesitter import LanguageSpec, helpers_with, scan_with

JAVA = LanguageSpec(
    "java", "tree_sitter_java",
    strings=("string_literal",),
    calls={"method_invocation": ("object", "name", "arguments")},
    constructors={"object_creation_expression": "type"},
    comments=("line_comment", "block_comment"),
)


def scan(text, call_sites, keywords, want_comments, filename=""):
    return scan_with(JAVA, text, call_sites, keywords, want_comments)


def helpers(text, call_sites, filename=""):
    return helpers_with(JAVA, text, call_sites)
