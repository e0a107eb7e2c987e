"""The rule catalogue: one TOML file per rule under ``rules/``, read at run time.

The catalogue is the single source of a rule's code, name, severity, docs and test cases:
``pgpool-lint rule``, ``pgpool-lint rules``, ``docs/rules.md`` and the case-driven tests all
read it.  In a wheel the files live in ``pgpool_lint/_catalogue``; in a source checkout
(or an editable install) they are read from the top-level ``rules/`` folder.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Iterable, NamedTuple

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


#: the fields a run does not read (``pgpool-lint rule``, SARIF, the docs and the tests do): a
#: rule's are read from the catalogue when first asked for
_DOCS = ("what_it_does", "why", "example", "use_instead", "fix_safety", "references", "cases")


def _doc_field(name: str) -> property:
    return property(lambda rule: _docs_of(rule.path)[name])


class Rule(NamedTuple):  # built on every run: a NamedTuple costs a tenth of a frozen dataclass at import
    """One rule of the catalogue (``rules/<CODE>-<name>.toml``): its code, kind and settings,
    and its docs and cases (``_DOCS``, read when first asked for)."""

    code: str
    name: str
    summary: str
    severity: str
    #: "check" rules have a detection module ``pgpool_lint.checks.<name with _>``;
    #: "engine" rules (parse errors, bad suppressions) are reported by the engine itself.
    kind: str
    #: the file's other keys (``pool_modes``, ...); read only, each rule has its own
    extra: dict[str, Any] = {}
    path: str = ""

    what_it_does = _doc_field("what_it_does")
    why = _doc_field("why")
    example = _doc_field("example")
    use_instead = _doc_field("use_instead")
    fix_safety = _doc_field("fix_safety")
    references = _doc_field("references")  # a tuple of str
    cases = _doc_field("cases")  # a tuple of dicts

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


def _checked(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """A rule file's table without its docs (``_DOCS``); CatalogueError if the file is not a rule."""
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise CatalogueError(f"{path.name}: missing {', '.join(missing)}")
    if data["severity"] not in SEVERITIES:
        raise CatalogueError(f"{path.name}: severity must be one of {SEVERITIES}")
    modes = data.get("pool_modes", POOL_MODES)
    if not isinstance(modes, list | tuple) or not modes or set(modes) - set(POOL_MODES):
        raise CatalogueError(f"{path.name}: pool_modes must be a non-empty list of {POOL_MODES}")
    return {k: v for k, v in data.items() if k not in _DOCS}


def _rule_from(path: str, row: dict[str, Any]) -> Rule:
    known = set(_REQUIRED) | {"kind"}
    return Rule(code=row["code"], name=row["name"], summary=row["summary"], severity=row["severity"],
                kind=row.get("kind", "check"), extra={k: v for k, v in row.items() if k not in known}, path=path)


@functools.lru_cache(maxsize=1)
def load() -> "Catalogue":
    directory = catalogue_dir()
    paths = _rule_files(directory)
    if not paths:
        raise CatalogueError(f"no rule files found in {directory}")
    return Catalogue(_rule_from(str(path), row) for path, row in zip(paths, _rows(paths)))


def _rule_files(directory: Path) -> list[Path]:
    import os

    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.name.endswith(".toml"))
    except OSError:
        return []
    return [directory / name for name in names]


def _parse(path: Path) -> dict[str, Any]:
    import tomllib

    with path.open("rb") as fh:
        try:
            return tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path.name}: {exc}") from None


# The parsed files are kept in a cache beside them (``__pycache__``, written like .pyc files, so
# not under PYTHONDONTWRITEBYTECODE) while no file has changed: parsing them all is a quarter of
# the start-up of a run on one small file.  It holds two records: what a run reads of each rule
# (``_rows``: ~5 kB), then the whole tables with the docs and cases (``_tables``: ~120 kB, ten
# times longer to read), read only by what shows the docs.

def _key(paths: list[Path]) -> list[tuple[str, int, int]]:
    return [(p.name, st.st_mtime_ns, st.st_size) for p, st in ((p, p.stat()) for p in paths)]


def _cache_file(paths: list[Path]) -> Path:
    import sys

    return paths[0].parent / "__pycache__" / f"catalogue.{sys.implementation.cache_tag}.marshal"


def _cached(paths: list[Path], records: int):
    """The cache's first ``records`` records after the key, if the key is still ``paths``'; else None."""
    import marshal

    try:
        with open(_cache_file(paths), "rb") as fh:
            if marshal.load(fh) != _key(paths):
                return None
            return [marshal.load(fh) for _ in range(records)]
    except (OSError, ValueError, EOFError, TypeError):
        return None  # no cache yet, or one we cannot read: parse the files


def _rows(paths: list[Path]) -> list[dict[str, Any]]:
    """What a run reads of each rule file (``_checked``), from the cache while no file changed."""
    cached = _cached(paths, 1)
    if cached is not None:
        return cached[0]
    key = _key(paths)
    tables = [_parse(path) for path in paths]
    rows = [_checked(path, table) for path, table in zip(paths, tables)]  # a broken file is never cached
    _write_cache(_cache_file(paths), key, rows, tables)
    return rows


def _write_cache(cache: Path, key: list, rows: list, tables: list) -> None:
    import marshal
    import os
    import sys

    if sys.dont_write_bytecode:
        return
    try:
        data = marshal.dumps(key) + marshal.dumps(rows) + marshal.dumps(tables)
        cache.parent.mkdir(exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, cache)  # atomic: a concurrent run reads the old cache or the new one
    except (OSError, ValueError):  # read-only install, or a value marshal cannot store
        pass


def _tables(paths: list[Path]) -> list[dict[str, Any]]:
    """The parsed TOML of each file, docs and cases included (from the cache while no file changed)."""
    cached = _cached(paths, 2)
    return cached[1] if cached is not None else [_parse(path) for path in paths]


@functools.lru_cache(maxsize=None)
def _docs_in(directory: str) -> dict[str, dict[str, Any]]:
    """Rule file path -> its docs and cases (``_DOCS``), as ``Rule`` gives them."""
    paths = _rule_files(Path(directory))
    docs = {}
    for path, table in zip(paths, _tables(paths)):
        docs[str(path)] = {
            **{k: table[k].strip() for k in ("what_it_does", "why", "example", "use_instead", "fix_safety")},
            "references": tuple(table["references"]),
            "cases": tuple(table.get("cases", ())),
        }
    return docs


def _docs_of(path: str) -> dict[str, Any]:
    import os

    return _docs_in(os.path.dirname(path))[path]


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
