"""``.gitignore`` and ``.ignore`` files, honoured when ``check`` walks a directory (as ruff and
ripgrep do): a generated dump in an ignored folder is not linted.  Files named on the command
line are always linted.  ``--no-respect-gitignore`` (or ``respect-gitignore = false``) turns
this off.

Each directory's ``.gitignore`` then ``.ignore`` apply to the paths below it, a deeper file's
decision winning; the directories above the walked one count up to the repository root (the
nearest one holding ``.git``), or up to the working directory outside a repository.  The
patterns come from the linted repository: ``config.glob_spec`` matches them in linear time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from . import matchable

NAMES = (".gitignore", ".ignore")  # later files win: .ignore can re-include what git ignores
MAX_BYTES = 1024 * 1024  # an ignore file larger than this is read up to here


class IgnoreFiles:
    def __init__(self) -> None:
        self._specs: dict[Path, object] = {}
        self._chains: dict[Path, list[Path]] = {}

    def _spec(self, directory: Path):
        if directory not in self._specs:
            lines: list[str] = []
            for name in NAMES:
                try:
                    with open(directory / name, "rb") as fh:
                        lines += fh.read(MAX_BYTES).decode("utf-8", "replace").splitlines()
                except OSError:
                    continue
            from . import glob_spec

            self._specs[directory] = glob_spec(lines) if any(line.strip() for line in lines) else None
        return self._specs[directory]

    def chain(self, directory: Path) -> list[Path]:
        """The directories with an ignore file that apply below ``directory`` (absolute),
        outermost first (a walk 1,000 folders deep without one stays cheap)."""
        directory = Path(os.path.abspath(directory))
        cached = self._chains.get(directory)
        if cached is not None:
            return cached
        parent = directory.parent
        if parent != directory and parent in self._chains and not (directory / ".git").exists():
            chain = self._chains[parent] + ([directory] if self._spec(directory) is not None else [])
        else:
            dirs = [directory]
            if not (directory / ".git").exists():
                cwd = Path.cwd()
                for above in directory.parents:
                    dirs.insert(0, above)
                    if (above / ".git").exists():
                        break
                else:  # no repository: only the working directory and what is below it
                    dirs = [d for d in dirs if d == cwd or cwd in d.parents] or [directory]
            chain = [d for d in dirs if self._spec(d) is not None]
        self._chains[directory] = chain
        return chain

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether ``path`` (a file, or a directory met on the walk) is ignored."""
        path = Path(os.path.abspath(path))
        for directory in reversed(self.chain(path.parent)):
            spec = self._spec(directory)
            if spec is None:
                continue
            relative = path.relative_to(directory).as_posix() + ("/" if is_dir else "")
            include: Optional[bool] = spec.check_file(matchable(relative)).include
            if include is not None:
                return include
        return False
