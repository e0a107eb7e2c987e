"""SQL in Ruby: ActiveRecord migrations (``execute`` in ``up``/``change``, heredocs), the pg
gem, Sequel; ``#{}`` interpolation in strings and heredocs becomes a hole."""

from __future__ import annotations

from .treesitter import LanguageSpec, helpers_with, scan_with

RUBY = LanguageSpec(
    "ruby", "tree_sitter_ruby",
    strings=("string", "heredoc_body", "heredoc_beginning"),
    interpolations=frozenset({"interpolation"}),
    stops=frozenset({"heredoc_end"}),
    binaries=frozenset({"binary"}),
    adjacent=frozenset({"chained_string"}),
    parentheses=frozenset({"parenthesized_statements"}),
    calls={"call": ("receiver", "method", "arguments")},
    argument_lists=frozenset({"argument_list"}),
)


def scan(text, call_sites, keywords, want_comments, filename=""):
    return scan_with(RUBY, text, call_sites, keywords, want_comments)


def helpers(text, call_sites, filename=""):
    return helpers_with(RUBY, text, call_sites)
