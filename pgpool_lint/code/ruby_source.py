"""SQL in Ruby: ActiveRecord migrations (``execute`` in ``up``/``change``, heredocs), the pg
gem, Sequel; ``#{}`` interpolation in strings and heredocs becomes a hole."""

from __future__ import annotations

from .hosts import Host, host_language

RUBY = host_language(
    "ruby", "tree_sitter_ruby", globals(),
    strings=("string", "heredoc_body", "heredoc_beginning"),
    interpolations=frozenset({"interpolation"}),
    stops=frozenset({"heredoc_end"}),
    binaries=frozenset({"binary"}),
    adjacent=frozenset({"chained_string"}),
    parentheses=frozenset({"parenthesized_statements"}),
    calls={"call": ("receiver", "method", "arguments")},
    argument_lists=frozenset({"argument_list"}),
)
HOST = Host(RUBY, package_helpers=True)
