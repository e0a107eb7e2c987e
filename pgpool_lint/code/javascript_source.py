"""SQL in JavaScript and TypeScript (js, mjs, cjs, jsx, ts, tsx): node-postgres, pg-promise,
postgres.js and Prisma tagged templates, Knex, Sequelize and TypeORM migrations."""

from __future__ import annotations

from .treesitter import LanguageSpec, helpers_with, scan_with

_COMMON = dict(
    strings=("string", "template_string"),
    interpolations=frozenset({"template_substitution"}),
    calls={"call_expression": ("function", None, "arguments")},
    constructors={"new_expression": "constructor"},
)
JAVASCRIPT = LanguageSpec("javascript", "tree_sitter_javascript", **_COMMON)
#: TypeScript names with a declared type (postgres.js ``client: ReservedSql`` is a SQL tag)
_TYPED_NAMES = """
(required_parameter pattern: (identifier) @name type: (type_annotation) @type)
(optional_parameter pattern: (identifier) @name type: (type_annotation) @type)
(variable_declarator name: (identifier) @name type: (type_annotation) @type)
(public_field_definition name: (property_identifier) @name type: (type_annotation) @type)
"""
TYPESCRIPT = LanguageSpec("typescript", "tree_sitter_typescript", "language_typescript", typed_names=_TYPED_NAMES,
                          **_COMMON)
TSX = LanguageSpec("tsx", "tree_sitter_typescript", "language_tsx", typed_names=_TYPED_NAMES, **_COMMON)


def _spec(filename: str) -> LanguageSpec:
    lower = filename.lower()
    return TSX if lower.endswith(".tsx") else TYPESCRIPT if lower.endswith((".ts", ".mts", ".cts")) else JAVASCRIPT


def scan(text, call_sites, keywords, want_comments, filename=""):
    return scan_with(_spec(filename), text, call_sites, keywords, want_comments)


def helpers(text, call_sites, filename=""):
    return helpers_with(_spec(filename), text, call_sites)
