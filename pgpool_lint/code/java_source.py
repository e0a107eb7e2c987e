"""SQL in Java: JDBC statements (Flyway Java migrations), Spring ``JdbcTemplate``, JPA
native queries; string literals, text blocks and ``+`` concatenation."""

from __future__ import annotations

from .hosts import Host, host_language

JAVA = host_language(
    "java", "tree_sitter_java", globals(),
    strings=("string_literal",),
    calls={"method_invocation": ("object", "name", "arguments")},
    constructors={"object_creation_expression": "type"},
    comments=("line_comment", "block_comment"),
)
HOST = Host(JAVA, package_helpers=True)
