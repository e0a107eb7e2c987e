"""The installed version and the documentation links that follow it (every finding's ``url``)."""

from __future__ import annotations

import functools
import re

#: the project's home; each rule's documentation is ``docs/rules.md`` there (generated from
#: the catalogue), linked at the installed version's tag so that a finding's link explains the
#: rule as this version checks it
PROJECT_URL = "https://github.com/pgpool-lint/pgpool-lint"


@functools.cache
def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pgpool-lint")
    except PackageNotFoundError:
        return "0+unknown"


def docs_url() -> str:
    """``docs/rules.md`` at the tag of the installed version (``main`` for a development build)."""
    version = tool_version()
    ref = f"v{version}" if re.fullmatch(r"[0-9]+(?:\.[0-9]+){1,3}", version) else "main"
    return f"{PROJECT_URL}/blob/{ref}/docs/rules.md"


def rule_url(rule) -> str:
    """The rule's section in the versioned docs (anchor as GitHub renders the heading)."""
    return code_url(rule.code, rule.name)


def code_url(code: str, name: str) -> str:
    return f"{docs_url()}#{code.lower()}-{name}"
