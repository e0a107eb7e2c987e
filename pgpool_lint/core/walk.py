"""Directory walks of the linted repository, whatever its depth."""

from __future__ import annotations

import os
from typing import Callable, Iterator, Optional


def walk_dirs(top: "os.PathLike[str] | str", onerror: Optional[Callable[[OSError], None]] = None
              ) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, onerror)`` (top-down, the caller may prune ``dirnames``, symbolic links
    not followed) with a stack instead of recursion: Python 3.11's ``os.walk`` recurses once
    per level, so a tree 1,000 directories deep was a RecursionError."""
    stack = [os.fspath(top)]
    while stack:
        path = stack.pop()
        try:
            with os.scandir(path) as entries:
                listed = list(entries)
        except OSError as exc:
            if onerror is not None:
                onerror(exc)
            continue
        dirnames, filenames, links = [], [], set()
        for entry in listed:
            try:
                is_dir = entry.is_dir()
                if is_dir and entry.is_symlink():
                    links.add(entry.name)
            except OSError:
                is_dir = False
            (dirnames if is_dir else filenames).append(entry.name)
        yield path, dirnames, filenames
        stack.extend(os.path.join(path, d) for d in reversed(dirnames) if d not in links)
