"""Dependency manifests (Gemfile, Gemfile.lock, requirements*.txt, pyproject.toml, package.json,
go.mod, mix.exs): libraries known to keep session state, at the line that names them.

A line reader (``deployment.manifest_names``): manifests are lists of names, one a line.
"""

from __future__ import annotations

import os

from ..context import Context
from ..deployment import manifest_kind, manifest_names
from ..model import Fact

#: manifest file names this reader takes (pyproject.toml comes through the TOML reader)
MANIFESTS = frozenset({"gemfile", "gemfile.lock", "package.json", "go.mod", "mix.exs", "pyproject.toml"})


def is_manifest(name: str) -> bool:
    lowered = name.lower()
    return lowered in MANIFESTS or manifest_kind(lowered) == "requirements.txt"


def read(ctx: Context) -> None:
    from ..rules.session_dependencies import LIBRARIES

    lowered = os.path.basename(ctx.filename.replace("\\", "/")).lower()
    if lowered == "gemfile.lock" and os.path.exists(os.path.join(os.path.dirname(ctx.filename), "Gemfile")):
        return  # the Gemfile names the same gems: report them once, where they are chosen
    starts = [0]  # the lines manifest_names counts: str.splitlines' (a form feed ends one too)
    for line in ctx.text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    ecosystem = _ECOSYSTEM.get(manifest_kind(lowered))
    for line, column, name in manifest_names(ctx.text, lowered):
        library = LIBRARIES.get((ecosystem, name))
        if library is not None:
            start = starts[line - 1] + column - 1
            ctx.add(Fact("session-library", start, start + len(name), name, {}, None, {"library": library}))


_ECOSYSTEM = {"gemfile": "ruby", "gemfile.lock": "ruby", "requirements.txt": "python", "pyproject.toml": "python",
              "package.json": "node", "go.mod": "go", "mix.exs": "elixir"}
