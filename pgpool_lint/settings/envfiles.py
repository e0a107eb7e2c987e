"""``.env`` files: a KEY=VALUE reader that keeps positions, and the resolver that answers
"what does ``DATABASE_URL`` hold in this repository?".

The reader follows the common dotenv conventions (python-dotenv, dotenv for Node, docker
compose): ``export`` prefixes, ``#`` comments, single-quoted raw values, double-quoted values
with escapes and line breaks, ``${VAR}`` references to earlier keys.  Nothing is executed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import urls
from .model import UrlUse, Value

_KEY = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*=[ \t]*")
#: a default stops at the next ``${``: each scan ends where the next reference could start
#: (linear on ``${A:-${A:-...`` without a closing brace)
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-(?:[^}$]|\$(?!\{))*+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class Entry:
    key: str
    key_start: int
    value: Value


def is_env_file(name: str) -> bool:
    lowered = name.lower()
    return lowered == ".env" or lowered.startswith(".env.") or lowered.endswith(".env")


def parse_env(text: str) -> list[Entry]:
    """Every KEY=VALUE assignment of a dotenv text, with character spans."""
    entries: list[Entry] = []
    known: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        line_end = text.find("\n", i)
        line_end = n if line_end == -1 else line_end
        m = _KEY.match(text, i)
        if m is None or m.end() > line_end:
            i = line_end + 1
            continue
        key = m.group(1)
        j = m.end()
        quote = text[j] if j < n and text[j] in "'\"`" else ""
        if quote:
            close = _closing_quote(text, j + 1, quote)
            if close == -1:  # unterminated: take the rest of the line
                raw, verbatim, end = text[j + 1:line_end], j + 1, line_end
            else:
                raw, verbatim, end = text[j + 1:close], j + 1, close + 1
            value = raw
            if quote == '"':
                value = raw.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
                if value != raw:
                    verbatim = None
            next_i = text.find("\n", end)
            next_i = n if next_i == -1 else next_i
        else:
            raw = text[j:line_end]
            hash_at = re.search(r"(?:^|[ \t])#", raw)
            if hash_at:
                raw = raw[:hash_at.start()]
            raw = raw.rstrip(" \t\r")
            value, verbatim, end, next_i = raw, j, j + len(raw), line_end
        expanded = _REF.sub(lambda r: known.get(r.group(1) or r.group(2), r.group(0)), value) if quote != "'" else value
        if expanded != value:
            verbatim = None
        known[key] = expanded
        entries.append(Entry(key, m.start(1), Value(expanded, j, end, verbatim)))
        i = next_i + 1
    return entries


def _closing_quote(text: str, start: int, quote: str) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\" and quote == '"':
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    return -1


class EnvResolver:
    """Values of environment variables as the repository's ``.env`` files set them.

    The files looked at are the ``.env*`` files of the linted file's directory and of its
    parents, up to the config root or the first directory holding ``.git``; when none of them
    sets a variable, the ``.env`` files anywhere else in the repository (``repository``: name ->
    [(value, file)], read by ``deployment.collect``).
    """

    def __init__(self, stop_at: Optional[Path] = None, repository: Optional[dict] = None) -> None:
        self.stop_at = stop_at.resolve() if stop_at else None
        self.repository = repository or {}
        self._dir_cache: dict[Path, list[tuple[str, dict[str, str]]]] = {}
        self._lookups: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def _files_in(self, directory: Path) -> list[tuple[str, dict[str, str]]]:
        if directory not in self._dir_cache:
            found = []
            try:
                names = sorted(os.listdir(directory), key=lambda n: (n != ".env", n))
            except OSError:
                names = []
            for name in names:
                if not is_env_file(name) or not name.startswith(".env"):
                    continue
                path = directory / name
                try:
                    if not path.is_file() or path.stat().st_size > 1024 * 1024:
                        continue
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                found.append((name, {e.key: e.value.value for e in parse_env(text)}))
            self._dir_cache[directory] = found
        return self._dir_cache[directory]

    def lookup(self, name: str, filename: str) -> list[tuple[str, str]]:
        """(value, where it was found) for every .env file above ``filename`` that sets ``name``."""
        key = (name, os.path.dirname(os.path.abspath(filename)))
        if key not in self._lookups:
            self._lookups[key] = self._lookup(name, filename) or self._elsewhere(name, key[1])
        return self._lookups[key]

    def _elsewhere(self, name: str, directory: str) -> list[tuple[str, str]]:
        """Values from .env files outside the file's own folders, within the same linted project:
        those nearest to the file (deepest common folder) win, as in a monorepo's app folders."""
        found = [(value, shown, os.path.commonpath([where, directory]))
                 for value, shown, where, root in self.repository.get(name, ())
                 if root and (directory == root or directory.startswith(root.rstrip(os.sep) + os.sep))]
        if not found:
            return []
        deepest = max(len(common) for _, _, common in found)
        return [(value, shown) for value, shown, common in found if len(common) == deepest]

    def _lookup(self, name: str, filename: str) -> list[tuple[str, str]]:
        try:
            directory = Path(filename).resolve().parent
        except (OSError, RuntimeError):
            return []
        if not directory.is_dir():
            return []
        out = []
        for depth, current in enumerate([directory, *directory.parents]):
            for env_name, values in self._files_in(current):
                if name in values:
                    shown = os.path.relpath(current / env_name, Path.cwd())
                    out.append((values[name], shown if not shown.startswith("../../") else str(current / env_name)))
            if (self.stop_at is not None and current == self.stop_at) or (current / ".git").exists() or depth > 8:
                break
        return out

    def url_use(self, name: str, filename: str, reference: Optional[Value],
                pooled_hosts: frozenset[str], default: Optional[str] = None,
                rewrite: Optional[tuple[str, str, int]] = None) -> UrlUse:
        """The endpoint an environment variable points at, from the .env files (else unknown).
        ``rewrite`` is a ``(old, new, count)`` replacement the code applies to the value first."""
        if rewrite is not None:
            default = _rewritten(default, rewrite)
        candidates = []
        for value, where in self.lookup(name, filename):
            text = _rewritten(value, rewrite) if rewrite is not None else value
            parsed = urls.parse(text) if text is not None else None
            if parsed is not None:
                candidates.append((urls.classify(parsed, pooled_hosts), parsed, where))
        rank = {urls.POOLED: 0, urls.MAYBE: 1, urls.UNKNOWN: 2, urls.DIRECT: 3}
        if candidates:
            endpoint, parsed, where = min(candidates, key=lambda c: rank[c[0].status])
            return UrlUse(endpoint, reference, parsed, name, where)
        if default is not None:
            parsed = urls.parse(default)
            if parsed is not None:
                return UrlUse(urls.classify(parsed, pooled_hosts), reference, parsed, name, None)
        if urls.direct_by_name(name):
            return UrlUse(urls.Endpoint(urls.DIRECT, f"`{name}` names a direct connection"), reference, None, name)
        return UrlUse(urls.Endpoint(urls.UNKNOWN, ""), reference, None, name)


def _rewritten(value: Optional[str], rewrite: tuple[str, str, int]) -> Optional[str]:
    """``value.replace(old, new, count)`` on connection-string-sized values only (a replacement on a
    huge value of a hostile .env could multiply its size); None (unknown) otherwise."""
    if value is None or len(value) > 4096:
        return None
    return value.replace(*rewrite)
