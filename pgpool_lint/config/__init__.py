"""Configuration: ``[tool.pgpool-lint]`` in ``pyproject.toml`` or a ``.pgpool-lint.toml``.

The nearest file walking up from the working directory wins (a ``pyproject.toml`` without
a ``[tool.pgpool-lint]`` table is skipped); command-line options override it.  Config is
data only: nothing in it is imported or run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

from ..report import FORMATS


class ConfigError(Exception):
    """A configuration problem the user must fix (exit code 2)."""


DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "build", "dist", "_build",
    # other people's code: vendored dependencies and minified bundles; Yarn Berry's committed
    # releases, plugins and SDKs (.yarn/) and Plug'n'Play loaders (multi-MB generated JS)
    "vendor", "*.min.js", ".yarn", ".pnp.cjs", ".pnp.js", ".pnp.loader.mjs",
)


def _str_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings")
    return list(value)


def _per_file(key: str, value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of glob = [rules]")
    return {str(k): _str_list(f"{key}.{k}", v) for k, v in value.items()}


def _dialects(key: str, value: Any) -> dict[str, str]:
    """``dialects = {"db/mysql/**" = "mysql", "legacy/*.sql" = "postgres"}``: which database files are for."""
    from ..sql.dialect import CONFIG_DIALECTS

    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of glob = dialect")
    for glob, dialect in value.items():
        if not isinstance(dialect, str) or dialect.lower() not in CONFIG_DIALECTS:
            known = ", ".join(sorted(CONFIG_DIALECTS))
            raise ConfigError(f"`{key}.{glob}` must be one of: {known}")
    return {str(k): v.lower() for k, v in value.items()}


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{key}` must be true or false")
    return value


def _choice(*choices: str) -> Callable[[str, Any], str]:
    def parse(key: str, value: Any) -> str:
        if value not in choices:
            raise ConfigError(f"`{key}` must be one of: {', '.join(choices)}")
        return value

    return parse


def _positive_int(key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"`{key}` must be a whole number ≥ 0")
    return value


#: a byte count Python can read up to (a larger one would overflow `read(n + 1)`)
MAX_BYTES = sys.maxsize - 1


def _byte_count(key: str, value: Any) -> int:
    value = _positive_int(key, value)
    if value > MAX_BYTES:
        raise ConfigError(f"`{key}` must be at most {MAX_BYTES} bytes")
    return value


def _identifier(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise ConfigError(f"`{key}` must be a non-empty name")
    return value


#: every key the config file accepts, with its parser; later features add theirs here
KEYS: dict[str, Callable[[str, Any], Any]] = {
    "select": _str_list,
    "extend-select": _str_list,
    "ignore": _str_list,
    "per-file-ignores": _per_file,
    "exclude": _str_list,
    "extend-exclude": _str_list,
    "assume-in-transaction": _bool,
    "output-format": _choice(*FORMATS),
    "max-file-size": _byte_count,
    "sql-call-sites": _str_list,
    "extend-sql-call-sites": _str_list,
    # who the application connects as: makes the suggested `ALTER ROLE ... SET` exact
    "role": _identifier,
    "database": _identifier,
    # hosts (`name` or `*.suffix`) that are transaction-mode pooler endpoints (driver rules)
    "pooled-hosts": _str_list,
    # skip what .gitignore / .ignore files ignore when walking directories (ignorefiles.py)
    "respect-gitignore": _bool,
    # glob -> the database those files are for ("postgres" lints them whatever their folder says)
    "dialects": _dialects,
    # hosts that are direct connections; both lists also take `$VARIABLE` (a URL from the environment)
    "direct-hosts": _str_list,
    # read deployment files (pgbouncer.ini, compose, app.json, .env anywhere) for pooler evidence
    "deployment-evidence": _bool,
}


def _profile_key(key: str, value: Any) -> Any:
    """Pooler-profile settings (profiles.py checks them; its errors are config errors)."""
    from .profiles import ProfileError, check_setting

    try:
        return check_setting(key, value)
    except ProfileError as exc:
        raise ConfigError(str(exc)) from None


#: the pooler profile (issue 4): preset, pool mode, versions, tracked parameters, migration tool
PROFILE_KEYS = ("preset", "pool-mode", "pgbouncer-version", "postgres-version", "track-extra-parameters",
                "max-prepared-statements", "migration-tool")
KEYS.update({key: _profile_key for key in PROFILE_KEYS})


def apply_setting(settings: Any, key: str, value: Any, origin: str = "config file") -> None:
    """Put one parsed config value (or its command-line override) into ``linter.Settings``.

    Keys that only the CLI reads (select, exclude, output-format, ...) are ignored here.
    """
    if key == "assume-in-transaction":
        settings.assume_in_transaction = value
        settings.profile_origins[key] = origin  # wins over migration-tool's default, in any order
    elif key == "migration-tool":
        from .profiles import MIGRATION_TOOLS

        settings.profile_values[key] = value  # shown by --verbose as the source of assume-in-transaction
        if "assume-in-transaction" not in settings.profile_origins:
            settings.assume_in_transaction = MIGRATION_TOOLS[value].in_transaction
    elif key in PROFILE_KEYS:
        from .profiles import ProfileError, build_profile

        settings.profile_values[key] = value
        settings.profile_origins[key] = origin
        try:
            settings.profile = build_profile(settings.profile_values, settings.profile_origins)
        except ProfileError as exc:
            raise ConfigError(str(exc)) from None
    elif key == "max-file-size":
        settings.max_file_size = value
    elif key == "sql-call-sites":
        settings.sql_call_sites = tuple(value)
    elif key == "pooled-hosts":
        settings.pooled_hosts = tuple(value)
    elif key == "dialects":
        settings.dialects = tuple((GlobSet([glob]), dialect) for glob, dialect in value.items())
    elif key == "direct-hosts":
        settings.direct_hosts = tuple(value)
    elif key == "extend-sql-call-sites":
        settings.extend_sql_call_sites = tuple(value)
    elif key in ("role", "database"):
        settings.target = settings.target._replace(**{key: value})


class FileConfig(NamedTuple):
    """The config file in force and the settings it holds."""

    path: Optional[Path]  # None: no config file found
    root: Path  # where relative globs are anchored
    values: dict[str, Any] = {}  # read only


def find_config(start: Path) -> Optional[Path]:
    for directory in [start, *start.parents]:
        dotfile = directory / ".pgpool-lint.toml"
        if dotfile.is_file():
            return dotfile
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            try:
                raw = pyproject.read_bytes()
            except OSError:
                continue
            if b"pgpool-lint" not in raw and b"\\u" not in raw and b"\\U" not in raw:
                continue  # the key can be spelt no other way: no need to parse (nor import) TOML
            import tomllib

            try:
                if "pgpool-lint" in tomllib.loads(raw.decode("utf-8", "replace")).get("tool", {}):
                    return pyproject
            except (tomllib.TOMLDecodeError, RecursionError):  # RecursionError: arrays nested thousands deep
                if b"[tool.pgpool-lint" in raw:
                    return pyproject  # ours, and broken: load_config reports it
                # someone else's broken pyproject is not our config
    return None


def load_config(explicit: Optional[Path] = None, isolated: bool = False, cwd: Optional[Path] = None) -> FileConfig:
    cwd = cwd or Path.cwd()
    if isolated:
        return FileConfig(None, cwd)
    path = explicit or find_config(cwd)
    if path is None:
        return FileConfig(None, cwd)
    import tomllib

    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: cannot read config: nested too deeply") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("pgpool-lint", {})
    else:
        table = data.get("tool", {}).get("pgpool-lint", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.pgpool-lint] must be a table")
    values = {}
    for key, value in table.items():
        parser = KEYS.get(key)
        if parser is None:
            known = ", ".join(sorted(KEYS))
            raise ConfigError(f"{path}: unknown setting `{key}` (known settings: {known})")
        try:
            values[key] = parser(key, value)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    return FileConfig(Path(path).resolve(), Path(path).resolve().parent, values)


# --- globs -----------------------------------------------------------------------------

def glob_spec(patterns: list[str]):
    """A gitignore-semantics matcher (pathspec) run by RE2: patterns come from the linted
    repository's own config, and RE2 matches in linear time where Python's ``re`` would
    backtrack for hours on a pattern like ``*a*a*a*a*a*b`` (issue 15)."""
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(patterns, backend="re2")


def matchable(path: str) -> str:
    """``path`` as RE2 can read it: a file name that is not UTF-8 (its bytes kept as lone
    surrogates by Python) has them replaced, so it can still match ``*`` and its suffix."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return path


class GlobSet:
    """gitignore matching: a pattern without '/' matches any path component; one with '/'
    matches from the config root; a matched directory excludes everything below it."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = list(patterns)
        # "./x" meant "x at the root" in our earlier matcher; gitignore spells that "/x"
        self._spec = None

    def matches(self, relpath: str) -> bool:
        """``relpath`` from the root, with a trailing '/' for a directory."""
        if not self.patterns:
            return False
        if self._spec is None:
            self._spec = glob_spec(["/" + p[2:] if p.startswith("./") else p for p in self.patterns])
        return self._spec.match_file(matchable(relpath))

    def __getstate__(self) -> dict:  # worker processes get the patterns, and compile their own
        return {"patterns": self.patterns}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["patterns"])


def relative_posix(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with ``/`` (string work: a path 1,000 directories deep is
    asked about at every level of a walk)."""
    full, base = os.path.abspath(path), os.path.abspath(root)
    if full == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if full.startswith(prefix):
        return full[len(prefix):].replace(os.sep, "/")
    return full.replace(os.sep, "/").lstrip("/")
