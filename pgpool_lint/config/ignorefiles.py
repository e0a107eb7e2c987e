"""``.gitignore`` and ``.ignore`` files, honoured when ``check`` walks a directory (as ruff and
ripgrep do): a generated dump in an ignored folder is not linted.  Files named on the command
line are always linted.  ``--no-respect-gitignore`` (or ``respect-gitignore = false``) turns
this off.

Each directory's ``.gitignore`` then ``.ignore`` apply to the paths below it, a deeper file's
decision winning; the directories above the walked one count up to the repository root (the
nearest one holding ``.git``), or up to the working directory outside a repository.  Inside a
repository, what git itself reads before any ``.gitignore`` counts too, below all of them (as
git orders them): the user's global excludes file (``core.excludesFile``, by default
``$XDG_CONFIG_HOME/git/ignore``) and then the repository's ``info/exclude``.  Where they are is
asked of ``git`` (its config, a worktree's common directory); without git, the defaults.
The patterns come from the linted repository: ``config.glob_spec`` matches them in linear time,
and only regular files are read, at most ``MAX_BYTES`` of each (a FIFO is never waited on).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Optional

from . import matchable

NAMES = (".gitignore", ".ignore")  # later files win: .ignore can re-include what git ignores
MAX_BYTES = 1024 * 1024  # an ignore file larger than this is read up to here


#: how long ``git`` may take to say where its excludes files are (it reads the repository's config)
GIT_SECONDS = 5.0


def read_lines(path: Path) -> list[str]:
    """The lines of an ignore file: a regular file only (opened without blocking, so a FIFO in
    the repository is not waited on), at most ``MAX_BYTES``; [] when it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return []
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return []
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(MAX_BYTES).decode("utf-8", "replace").splitlines()
    except OSError:
        return []
    finally:
        os.close(fd)


def git_excludes_files(root: Path) -> list[Path]:
    """The excludes files git reads for the repository at ``root`` before its ``.gitignore``
    files, lowest precedence first: ``core.excludesFile`` (default ``$XDG_CONFIG_HOME/git/ignore``)
    then ``info/exclude`` of its git directory (a linked worktree's is in the common one)."""
    import shutil
    import subprocess

    home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    global_file: Optional[Path] = Path(home, "git", "ignore")
    info_exclude: Optional[Path] = root / ".git" / "info" / "exclude" if (root / ".git").is_dir() else None
    git = shutil.which("git")
    if git is None:
        return [p for p in (global_file, info_exclude) if p is not None]
    # the repository at root only (no search above it, whatever GIT_DIR the caller had set)
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR",
                                                                "GIT_INDEX_FILE", "GIT_PREFIX")}
    env["GIT_CEILING_DIRECTORIES"] = str(root.parent)

    def ask(*args: str) -> Optional[str]:
        try:
            done = subprocess.run([git, "-C", str(root), *args], capture_output=True, env=env,
                                  stdin=subprocess.DEVNULL, timeout=GIT_SECONDS)
        except (OSError, subprocess.SubprocessError):
            return None
        out = done.stdout.decode("utf-8", "surrogateescape").strip()
        return out if done.returncode == 0 and out else None

    configured = ask("config", "--type=path", "--get", "core.excludesFile")
    if configured is not None:
        global_file = Path(root, configured)  # git gives it absolute, or relative to the worktree
    exclude = ask("rev-parse", "--git-path", "info/exclude")
    if exclude is not None:
        info_exclude = Path(root, exclude)
    return [p for p in (global_file, info_exclude) if p is not None]


class IgnoreFiles:
    def __init__(self) -> None:
        self._specs: dict[Path, object] = {}
        self._chains: dict[Path, list[Path]] = {}
        self._roots: dict[Path, Optional[Path]] = {}  # directory -> its repository's root
        self._git_specs: dict[Path, object] = {}  # repository root -> its excludes files' spec

    def _spec(self, directory: Path):
        if directory not in self._specs:
            lines: list[str] = []
            for name in NAMES:
                lines += read_lines(directory / name)
            self._specs[directory] = _spec_of(lines)
        return self._specs[directory]

    def _git_spec(self, root: Path):
        if root not in self._git_specs:
            lines: list[str] = []
            for path in git_excludes_files(root):
                lines += read_lines(path)
            self._git_specs[root] = _spec_of(lines)
        return self._git_specs[root]

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
            self._roots[directory] = self._roots[parent]
        else:
            dirs = [directory]
            root: Optional[Path] = directory if (directory / ".git").exists() else None
            if root is None:
                cwd = Path.cwd()
                for above in directory.parents:
                    dirs.insert(0, above)
                    if (above / ".git").exists():
                        root = above
                        break
                else:  # no repository: only the working directory and what is below it
                    dirs = [d for d in dirs if d == cwd or cwd in d.parents] or [directory]
            chain = [d for d in dirs if self._spec(d) is not None]
            self._roots[directory] = root
        self._chains[directory] = chain
        return chain

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether ``path`` (a file, or a directory met on the walk) is ignored."""
        path = Path(os.path.abspath(path))
        for directory in reversed(self.chain(path.parent)):
            include = self._verdict(self._spec(directory), path, directory, is_dir)
            if include is not None:
                return include
        root = self._roots[path.parent]
        if root is not None:  # below every .gitignore: the global excludes file and info/exclude
            return bool(self._verdict(self._git_spec(root), path, root, is_dir))
        return False

    @staticmethod
    def _verdict(spec, path: Path, directory: Path, is_dir: bool) -> Optional[bool]:
        if spec is None:
            return None
        relative = path.relative_to(directory).as_posix() + ("/" if is_dir else "")
        return spec.check_file(matchable(relative)).include


def _spec_of(lines: list[str]):
    from . import glob_spec

    return glob_spec(lines) if any(line.strip() for line in lines) else None
