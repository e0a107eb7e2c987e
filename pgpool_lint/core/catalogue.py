"""The rule catalogue: one TOML file per rule under ``rules/``, read at run time.

The catalogue is the single source of a rule's code, name, severity, docs and test cases:
``pgpool-lint rule``, ``pgpool-lint rules``, ``docs/rules.md`` and the case-driven tests all
read it.  In a wheel the files live in ``pgpool_lint/_catalogue``; in a source checkout
(or an editable install) they are read from the top-level ``rules/`` folder.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

SEVERITIES = ("error", "warning", "info")
FIX_APPLICABILITIES = ("safe", "unsafe", "display-only")
#: the pool modes a rule may list in ``pool_modes`` (absent: it applies in all of them)
POOL_MODES = ("transaction", "statement", "session")


class CatalogueError(Exception):
    """A catalogue file is missing a field or contradicts another file."""


class UnknownRule(Exception):
    def __init__(self, selector: str) -> None:
        super().__init__(selector)
        self.selector = selector


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue (``rules/<CODE>-<name>.toml``): its docs, cases and kind."""

    code: str
    name: str
    summary: str
    severity: str
    what_it_does: str
    why: str
    example: str
    use_instead: str
    fix_safety: str
    references: tuple[str, ...]
    #: "check" rules have a detection module ``pgpool_lint.checks.<name with _>``;
    #: "engine" rules (parse errors, bad suppressions) are reported by the engine itself.
    kind: str
    cases: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    path: str = ""

    @property
    def module(self) -> str:
        if self.kind == "driver":  # settings-file rules (pgpool_lint/settings/rules/)
            return "pgpool_lint.settings.rules." + self.name.replace("-", "_")
        return "pgpool_lint.checks." + self.name.replace("-", "_")

    @property
    def docs_anchor(self) -> str:
        return f"docs/rules.md#{self.code.lower()}-{self.name}"


_REQUIRED = (
    "code",
    "name",
    "summary",
    "severity",
    "what_it_does",
    "why",
    "example",
    "use_instead",
    "fix_safety",
    "references",
)


def catalogue_dir() -> Path:
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_catalogue"
    if packaged.is_dir():
        return packaged
    return package.parent / "rules"


def _rule_from(path: Path, data: dict[str, Any]) -> Rule:
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise CatalogueError(f"{path.name}: missing {', '.join(missing)}")
    if data["severity"] not in SEVERITIES:
        raise CatalogueError(f"{path.name}: severity must be one of {SEVERITIES}")
    modes = data.get("pool_modes", POOL_MODES)
    if not isinstance(modes, list | tuple) or not modes or set(modes) - set(POOL_MODES):
        raise CatalogueError(f"{path.name}: pool_modes must be a non-empty list of {POOL_MODES}")
    known = set(_REQUIRED) | {"kind", "cases"}
    return Rule(
        code=data["code"],
        name=data["name"],
        summary=data["summary"],
        severity=data["severity"],
        what_it_does=data["what_it_does"].strip(),
        why=data["why"].strip(),
        example=data["example"].strip(),
        use_instead=data["use_instead"].strip(),
        fix_safety=data["fix_safety"].strip(),
        references=tuple(data["references"]),
        kind=data.get("kind", "check"),
        cases=tuple(data.get("cases", ())),
        extra={k: v for k, v in data.items() if k not in known},
        path=str(path),
    )


@functools.lru_cache(maxsize=1)
def load() -> "Catalogue":
    directory = catalogue_dir()
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise CatalogueError(f"no rule files found in {directory}")
    return Catalogue(_rule_from(path, data) for path, data in zip(paths, _tables(paths)))


def _parse(path: Path) -> dict[str, Any]:
    import tomllib

    with path.open("rb") as fh:
        try:
            return tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path.name}: {exc}") from None


def _tables(paths: list[Path]) -> list[dict[str, Any]]:
    """The parsed TOML of each file; from a cache beside them (``__pycache__``, written like
    .pyc files, so not under PYTHONDONTWRITEBYTECODE) while no file has changed: parsing
    them all is a quarter of the start-up of a run on one small file."""
    import marshal
    import os
    import sys

    key = [(p.name, st.st_mtime_ns, st.st_size) for p, st in ((p, p.stat()) for p in paths)]
    cache = paths[0].parent / "__pycache__" / f"catalogue.{sys.implementation.cache_tag}.marshal"
    try:
        cached_key, tables = marshal.loads(cache.read_bytes())
        if cached_key == key:
            return tables
    except (OSError, ValueError, EOFError, TypeError):
        pass  # no cache yet, or one we cannot read: parse the files
    tables = [_parse(path) for path in paths]
    if not sys.dont_write_bytecode:
        try:
            cache.parent.mkdir(exist_ok=True)
            partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            partial.write_bytes(marshal.dumps((key, tables)))
            os.replace(partial, cache)  # atomic: a concurrent run reads the old cache or the new one
        except (OSError, ValueError):  # read-only install, or a value marshal cannot store
            pass
    return tables


class Catalogue:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(sorted(rules, key=lambda r: r.code))
        self._by_key: dict[str, Rule] = {}
        for rule in self.rules:
            for key in (rule.code.upper(), rule.name.lower()):
                if key in self._by_key:
                    raise CatalogueError(f"duplicate rule code or name: {key}")
                self._by_key[key] = rule

    def get(self, selector: str) -> Rule:
        """A rule by code (``PGB001``) or name (``session-set``), case-insensitive."""
        rule = self._by_key.get(selector.strip().upper()) or self._by_key.get(selector.strip().lower())
        if rule is None:
            raise UnknownRule(selector)
        return rule

    def find(self, selector: str) -> Rule | None:
        try:
            return self.get(selector)
        except UnknownRule:
            return None

    def did_you_mean(self, selector: str) -> str:
        """`` (did you mean `session-set`?)`` for a misspelt rule name or code, else ""."""
        import difflib

        names = {r.name: r.name for r in self.rules} | {r.code.lower(): r.code for r in self.rules}
        close = difflib.get_close_matches(selector.strip().lower()[:100], list(names), n=1, cutoff=0.6)
        return f" (did you mean `{names[close[0]]}`?)" if close else ""

    def expand(self, selectors: Iterable[str]) -> set[str]:
        """Codes named by selectors: codes, names, ``ALL``, or code prefixes (``PGB0``)."""
        codes: set[str] = set()
        for selector in selectors:
            sel = selector.strip()
            if not sel:
                continue
            if sel.upper() == "ALL":
                codes.update(r.code for r in self.rules)
                continue
            rule = self.find(sel)
            if rule is not None:
                codes.add(rule.code)
                continue
            prefixed = [r.code for r in self.rules if r.code.startswith(sel.upper())]
            if not prefixed or len(sel) < 4:
                raise UnknownRule(selector)
            codes.update(prefixed)
        return codes
