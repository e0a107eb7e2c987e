"""One registration for a host language read with tree-sitter: its node types, its hook functions,
and the ``scan`` / ``helpers`` functions ``code.lint_code`` calls, which are the same for every
grammar the shared ``treesitter.Extractor`` reads.

A host module writes ``SPEC = host_language("elixir", "tree_sitter_elixir", globals(), ...)`` and
``HOST = Host(SPEC)``: the hooks are the module's own ``_read_literal``, ``_unwrap``, ... functions
(``HOOKS``), picked by name so that no module repeats the list.  Python and JavaScript, whose
``scan`` chooses a grammar or a reader per file, define their functions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .treesitter import LanguageSpec, helpers_with, scan_with

#: ``LanguageSpec`` hooks a host module may define, each as a function named ``_<hook>``
HOOKS = ("read_literal", "unwrap", "read_unwrapped", "callee", "sql_slots", "context")


def host_language(name: str, grammar: str, namespace: Mapping[str, Any], **node_types: Any) -> LanguageSpec:
    """The ``LanguageSpec`` of ``name``: ``node_types`` as given, hooks from ``namespace``."""
    hooks = {hook: namespace[f"_{hook}"] for hook in HOOKS if callable(namespace.get(f"_{hook}"))}
    return LanguageSpec(name, grammar, **node_types, **hooks)


@dataclass(frozen=True)
class Host:
    """What ``code.lint_code`` calls for one tree-sitter language."""

    spec: LanguageSpec
    #: functions of the file that hand a parameter on to a SQL call count for the whole directory
    package_helpers: bool = False

    def scan(self, text: str, call_sites: Any, keywords: Any, want_comments: bool, filename: str = ""):
        return scan_with(self.spec, text, call_sites, keywords, want_comments)

    @property
    def helpers(self):
        """``(text, call_sites, filename)`` -> {name: position}, or None (``code.package_helpers``)."""
        if not self.package_helpers:
            return None
        return lambda text, call_sites, filename="": helpers_with(self.spec, text, call_sites)


def host_of(module: Any) -> Any:
    """The object with ``scan`` (and maybe ``helpers``) for a host module."""
    return getattr(module, "HOST", module)
