"""SQL in JavaScript and TypeScript (js, mjs, cjs, jsx, ts, tsx): node-postgres, pg-promise,
postgres.js and Prisma tagged templates, Knex, Sequelize and TypeORM migrations."""

from __future__ import annotations

from .treesitter import LanguageSpec, scan_with

_COMMON = dict(
    strings=("string", "template_string"),
    interpolations=frozenset({"template_substitution"}),
    calls={"call_expression": ("function", None, "arguments")},
    constructors={"new_expression": "constructor"},
)
JAVASCRIPT = LanguageSpec("javascript", "tree_sitter_javascript", **_COMMON)
TYPESCRIPT = LanguageSpec("typescript", "tree_sitter_typescript", "language_typescript", **_COMMON)
TSX = LanguageSpec("tsx", "tree_sitter_typescript", "language_tsx", **_COMMON)


def scan(text, call_sites, keywords, want_comments, filename=""):
    lower = filename.lower()
    spec = TSX if lower.endswith(".tsx") else TYPESCRIPT if lower.endswith((".ts", ".mts", ".cts")) else JAVASCRIPT
    return scan_with(spec, text, call_sites, keywords, want_comments)
