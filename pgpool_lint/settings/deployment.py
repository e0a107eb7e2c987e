"""Where the pooler shows in a repository: evidence read once per run, before any file is linted.

A settings rule judges one file, but what an endpoint is often shows elsewhere: a ``.env`` in
another folder, a ``pgbouncer.ini`` (or a script that writes one), Heroku's ``app.json`` with
the PgBouncer buildpack, a docker compose / Kubernetes / Helm PgBouncer service that the
application's URL names, a ``USE_PGBOUNCER`` flag.  ``collect`` walks the linted paths once
(bounded in files and bytes) and returns a ``Deployment``: hosts, ports and environment
variables known to be pooled, repository-wide ``.env`` values, pooler configuration files
(which also set the pooler profile: ``profile_values``), and the database clients that
dependency manifests name.  It is plain data (workers receive it pickled).

Other readers (Elixir, PHP, C#, ...) use it through ``Context.judge`` and ``Context.deployment``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

#: directories never worth walking for deployment evidence
_SKIP_DIRS = frozenset({".git", "node_modules", "vendor", ".venv", "venv", "__pycache__", ".tox", "dist",
                        "build", "target", ".mypy_cache", ".pytest_cache", "site-packages", ".next"})
MAX_FILES = 20000  # files looked at per run
MAX_BYTES = 512 * 1024  # per file

#: pooler configuration files (PgBouncer, PgCat, PgDog) read as evidence and linted (PGB206)
POOLER_FILES = {"pgbouncer.ini": "pgbouncer", "pgcat.toml": "pgcat", "pgdog.toml": "pgdog"}
#: flags that say a deployment puts PgBouncer in front of the database
_FLAG = re.compile(r"(?:USE|ENABLE|ENABLED)_?PGBOUNCER|PGBOUNCER_?(?:ENABLED|ENABLE)|use_pgbouncer|"
                   r"pgbouncer_enabled", re.IGNORECASE)
#: a pgbouncer.ini setting written by a shell script (heredoc / echo); bounded line pattern
_SCRIPT_SETTING = re.compile(r"^[ \t\"']*(?:echo[ \t]+[\"']?)?(pool_mode|max_prepared_statements|listen_port|"
                             r"track_extra_parameters|ignore_startup_parameters)[ \t]*=[ \t]*([^\s\"'>]{0,200})")
#: docker image tags that carry PgBouncer's version (edoburu, bitnami, pgbouncer/pgbouncer)
_IMAGE_VERSION = re.compile(r"pgbouncer[^:\s]{0,40}:v?(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)


@dataclass(frozen=True)
class PoolerFile:
    """A pooler's own configuration found in the repository."""

    path: str  # as shown to the user
    pooler: str  # pgbouncer | pgcat | pgdog
    #: setting -> (value, line) as written ([pgbouncer] section, or the script's lines)
    settings: dict = field(default_factory=dict, hash=False)
    #: pool modes given per database in [databases]
    database_modes: tuple[str, ...] = ()

    def get(self, key: str) -> Optional[str]:
        found = self.settings.get(key)
        return found[0] if found else None

    @property
    def pool_mode(self) -> Optional[str]:
        mode = (self.get("pool_mode") or "").lower()
        if "transaction" in self.database_modes and mode != "transaction":
            return "transaction"  # one transaction-mode database is enough to share connections
        return mode or None

    @property
    def listen_port(self) -> Optional[int]:
        port = self.get("listen_port")
        return int(port) if port and port.isdigit() else None


@dataclass
class Deployment:
    """What the repository says about its pooler (see the module docstring)."""

    #: host -> (why it is a transaction pooler, does it keep prepared statements: True/False/None)
    hosts: dict = field(default_factory=dict)
    #: port -> why a URL on it is pooled (a pooler configuration's listen_port in transaction mode)
    ports: dict = field(default_factory=dict)
    #: environment variable -> why it holds a pooled URL (Heroku's PgBouncer buildpack rewrites DATABASE_URL)
    names: dict = field(default_factory=dict)
    #: environment variable -> [(value, file shown, file's directory, walked root)] from every .env file in
    #: the linted directories (and their comments); each linted path is one project (``envfiles`` filters)
    env_values: dict = field(default_factory=dict)
    root: str = ""  # the directory being walked while collecting
    #: "USE_PGBOUNCER in settings.py:12": the project supports running behind PgBouncer
    flags: list = field(default_factory=list)
    pooler_files: list = field(default_factory=list)
    #: (version, where) of PgBouncer from a docker image tag
    pgbouncer_version: Optional[tuple] = None
    #: client -> "file:line" of the dependency manifest line naming it (jdbc, lib/pq, asyncpg, ...)
    clients: dict = field(default_factory=dict)
    #: session-state libraries whose documented way out shows somewhere (``WAYS_OUT``): not reported
    ways_out: set = field(default_factory=set)

    @property
    def transaction_pooler(self) -> Optional[str]:
        """Why the repository runs a transaction pooler at all, or None."""
        for f in self.pooler_files:
            if f.pool_mode == "transaction":
                return f"{f.path} sets pool_mode = transaction"
        for reason in list(self.names.values()) + [r for r, _ in self.hosts.values()]:
            return reason
        return None

    def profile_values(self) -> list[tuple[str, Any, str]]:
        """(profile key, value, origin) the pooler configuration states (``--verbose`` names the file)."""
        out: list[tuple[str, Any, str]] = []
        chosen = next((f for f in self.pooler_files if f.pool_mode == "transaction"), None)
        chosen = chosen or next((f for f in self.pooler_files if f.pool_mode), None)
        if chosen is not None:
            origin = f"{chosen.path}"
            if chosen.pool_mode in ("transaction", "statement", "session"):
                out.append(("pool-mode", chosen.pool_mode, origin))
            mps = chosen.get("max_prepared_statements")
            if mps is not None and mps.isdigit():
                out.append(("max-prepared-statements", int(mps), origin))
            track = chosen.get("track_extra_parameters")
            if track is not None:
                out.append(("track-extra-parameters", [p.strip() for p in track.split(",") if p.strip()], origin))
        if self.pgbouncer_version is not None:
            out.append(("pgbouncer-version", self.pgbouncer_version[0], self.pgbouncer_version[1]))
        return out


@dataclass
class Evidence:
    """The ``Deployment`` of each linted directory (each one a project: evidence does not cross them)."""

    projects: list = field(default_factory=list)

    def for_file(self, filename: str) -> Optional[Deployment]:
        """The project a file belongs to (the deepest linted directory holding it), or None."""
        path = os.path.abspath(filename)
        best = None
        for project in self.projects:
            inside = path == project.root or path.startswith(project.root.rstrip(os.sep) + os.sep)
            if inside and (best is None or len(project.root) > len(best.root)):
                best = project
        return best

    @property
    def env_values(self) -> dict:
        merged: dict = {}
        for project in self.projects:
            for name, values in project.env_values.items():
                merged.setdefault(name, []).extend(values)
        return merged

    def profile_values(self) -> list[tuple[str, Any, str]]:
        """The first project's pooler configuration that states anything (the profile is one per run)."""
        for project in self.projects:
            values = project.profile_values()
            if values:
                return values
        return []


def collect(roots: Iterable[Path], excluded: Callable[[Path], bool] = lambda p: False) -> Evidence:
    """Deployment evidence under each of ``roots`` (directories walked, files read as they are)."""
    evidence = Evidence()
    seen = 0
    for root in roots:
        found = Deployment(root=os.path.abspath(root))
        evidence.projects.append(found)
        for path in _walk(root, excluded):
            seen += 1
            if seen > MAX_FILES:
                return evidence
            _read(path, found)
    return evidence


def _walk(root: Path, excluded: Callable[[Path], bool]):
    if root.is_file():
        yield root
        return
    if not root.is_dir():
        return
    from ..core.walk import walk_dirs

    for directory, dirs, files in walk_dirs(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not excluded(Path(directory, d)))
        for name in sorted(files):
            path = Path(directory, name)
            if _interesting(name) and not excluded(path):
                yield path


def _interesting(name: str) -> bool:
    lowered = name.lower()
    return (lowered.startswith(".env") or lowered.endswith(".env") or lowered in POOLER_FILES
            or lowered.endswith((".ini", ".yml", ".yaml", ".sh", ".tpl", ".toml", ".py", ".rb", ".exs", ".ex", ".go",
                                 ".properties"))
            or lowered in _MANIFESTS or lowered == "app.json" or lowered == "procfile" or lowered.startswith("dockerfile"))


def _text(path: Path) -> Optional[str]:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _read(path: Path, found: Deployment) -> None:
    lowered = path.name.lower()
    text = _text(path)
    if text is None:
        return
    shown = _shown(path)
    if lowered.startswith(".env") or lowered.endswith(".env"):
        _env_file(text, shown, found)
    elif lowered in POOLER_FILES or (lowered.endswith(".ini") and "pgbouncer" in lowered):
        _pooler_file(text, shown, POOLER_FILES.get(lowered, "pgbouncer"), found)
    elif lowered == "app.json":
        _app_json(text, shown, found)
    elif lowered == "procfile" and "start-pgbouncer" in text:
        found.names.setdefault("DATABASE_URL", f"{shown} starts processes with the PgBouncer buildpack's "
                                               "`bin/start-pgbouncer`, which points `DATABASE_URL` at a "
                                               "transaction-mode PgBouncer")
    elif lowered.endswith((".yml", ".yaml", ".tpl")) and "pgbouncer" in text.lower():
        _yaml(text, shown, found)
    elif (lowered.endswith(".sh") or lowered.startswith("dockerfile")) and "pgbouncer" in text.lower():
        _script(text, shown, found)
    if lowered in _MANIFESTS:
        _manifest(text, shown, lowered, found)
    for library, marker in WAYS_OUT.items():
        if library not in found.ways_out and marker in text:
            found.ways_out.add(library)
    if "jdbc" not in found.clients and "jdbc:postgresql:" in text:
        found.clients["jdbc"] = f"{shown}:{text.count(chr(10), 0, text.index('jdbc:postgresql:')) + 1}"
    if lowered.endswith((".py", ".rb", ".exs", ".yml", ".yaml", ".toml")) or lowered.startswith(".env"):
        _flags(text, shown, found)


# --- .env files ---------------------------------------------------------------------------

_COMMENTED = re.compile(r"^[ \t]*#[ \t]*(?:export[ \t]+)?([A-Z_][A-Z0-9_]{0,80})[ \t]*=[ \t]*[\"']?"
                        r"((?:postgres|postgresql)(?:\+[a-z0-9_]+)?://[^\s\"']{1,500})", re.MULTILINE)


def _env_file(text: str, shown: str, found: Deployment) -> None:
    from .envfiles import parse_env

    directory = os.path.dirname(os.path.abspath(shown))
    for entry in parse_env(text):
        if isinstance(entry.value.value, str):
            found.env_values.setdefault(entry.key, []).append((entry.value.value, shown, directory, found.root))
    # pooled URLs shown as commented-out alternatives ("# DATABASE_URL=...:6543/...") are evidence too
    for m in _COMMENTED.finditer(text):
        found.env_values.setdefault(m.group(1), []).append((m.group(2), f"{shown} (comment)", directory, found.root))


# --- pooler configuration -----------------------------------------------------------------

def pooler_settings(text: str) -> tuple[dict, tuple[str, ...]]:
    """([pgbouncer] setting -> (value, line), per-database pool modes) of a pgbouncer.ini text."""
    from .readers.read_ini import parse

    settings: dict = {}
    modes = []
    line_starts = _line_starts(text)
    for entry in parse(text):
        section = entry.section.lower()
        if section in ("pgbouncer", "general", ""):
            settings[entry.key.lower()] = (str(entry.value.value).strip(), _line_of(line_starts, entry.key_start))
        elif section == "databases":
            m = re.search(r"pool_mode[ \t]*=[ \t]*(\w{1,20})", str(entry.value.value))
            if m:
                modes.append(m.group(1).lower())
    return settings, tuple(modes)


def _pooler_file(text: str, shown: str, pooler: str, found: Deployment) -> None:
    settings, modes = pooler_settings(text) if pooler == "pgbouncer" else _toml_pooler_settings(text)
    found.pooler_files.append(PoolerFile(shown, pooler, settings, modes))
    _listen_port(found.pooler_files[-1], found)


def _toml_pooler_settings(text: str) -> tuple[dict, tuple[str, ...]]:
    """PgCat (``[pools.<db>] pool_mode``, ``[general] port``) and PgDog (``[general] pooler_mode``,
    ``port``): the same line reader, any section."""
    from .readers.read_ini import parse

    settings: dict = {}
    modes = []
    line_starts = _line_starts(text)
    for entry in parse(text):
        key = entry.key.lower()
        value = str(entry.value.value).strip().strip('"')
        if key in ("pool_mode", "pooler_mode"):
            modes.append(value.lower())
        elif key == "port" and entry.section.lower() == "general":
            settings["listen_port"] = (value, _line_of(line_starts, entry.key_start))
    return settings, tuple(modes)


def _listen_port(config: PoolerFile, found: Deployment) -> None:
    port = config.listen_port or (6432 if config.pooler == "pgbouncer" else None)
    if port is not None and port != 5432 and config.pool_mode == "transaction":
        found.ports.setdefault(port, f"{config.path} runs {config.pooler} in transaction mode on port {port}")


def _script(text: str, shown: str, found: Deployment) -> None:
    """A script that writes pgbouncer.ini (heredoc or echo lines) states the settings too."""
    if "pgbouncer.ini" in text:
        settings = {}
        for number, line in enumerate(text.splitlines()[:5000], 1):
            m = _SCRIPT_SETTING.match(line)
            if m:
                settings.setdefault(m.group(1), (m.group(2), number))
        if settings:
            found.pooler_files.append(PoolerFile(f"{shown} (writes pgbouncer.ini)", "pgbouncer", settings))
            _listen_port(found.pooler_files[-1], found)
    _image_version(text, shown, found)


def _image_version(text: str, shown: str, found: Deployment) -> None:
    if found.pgbouncer_version is None:
        m = _IMAGE_VERSION.search(text)
        if m:
            found.pgbouncer_version = (m.group(1), f"{shown}: image tag `{m.group(0)}`")


def _app_json(text: str, shown: str, found: Deployment) -> None:
    """Heroku: the PgBouncer buildpack rewrites DATABASE_URL to its local transaction-mode pool."""
    try:
        doc = json.loads(text)
    except ValueError:
        return
    packs = doc.get("buildpacks") if isinstance(doc, dict) else None
    if not isinstance(packs, list):
        return
    for pack in packs:
        url = pack.get("url") if isinstance(pack, dict) else pack
        if isinstance(url, str) and "pgbouncer" in url.lower():
            found.names.setdefault("DATABASE_URL", f"{shown} uses the PgBouncer buildpack, which points "
                                                   "`DATABASE_URL` at a transaction-mode PgBouncer")


def _yaml(text: str, shown: str, found: Deployment) -> None:
    """docker compose services and Kubernetes / Helm objects that run PgBouncer in transaction mode."""
    _image_version(text, shown, found)
    from .readers.read_yaml import Map, documents, transaction_poolers, without_templates

    try:
        docs = documents(without_templates(text) if "{{" in text else text)
    except Exception:  # noqa: BLE001 - a template YAML cannot parse: read nothing from it
        return
    for doc in docs:
        if not isinstance(doc, Map):
            continue
        prepared: dict[str, bool] = {}
        for host in transaction_poolers(doc, prepared):
            found.hosts.setdefault(host, (f"`{host}` is a PgBouncer service in transaction mode in {shown}",
                                          prepared.get(host)))
        _kubernetes(doc, shown, found)


def _kubernetes(doc: Any, shown: str, found: Deployment) -> None:
    """A Kubernetes Service / Deployment named for PgBouncer, or Helm values ``pgbouncer: {enabled: true}``."""
    from .readers.read_yaml import Map, Value

    kind = doc.get("kind")
    metadata = doc.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Map) else None
    if isinstance(kind, Value) and kind.value in ("Service", "Deployment", "StatefulSet") and isinstance(name, Value):
        host = str(name.value).lower()
        if "pgbouncer" in host or "pooler" in host:
            mode = _mode_in(doc)
            if mode != "session":
                found.hosts.setdefault(host, (f"`{host}` is a Kubernetes {kind.value} running PgBouncer in {shown}"
                                              + ("" if mode else " (pool mode not stated)"), None))
    bouncer = doc.get("pgbouncer")
    if isinstance(bouncer, Map):
        enabled = bouncer.get("enabled")
        if isinstance(enabled, Value) and enabled.value is True:
            found.flags.append(f"`pgbouncer.enabled: true` in {shown}")


def _mode_in(doc: Any) -> Optional[str]:
    """POOL_MODE given anywhere in a Kubernetes object (env lists, ConfigMap data)."""
    from .readers.read_yaml import Map, Value, _walk

    for node in _walk(doc):
        if isinstance(node, Map):
            name, value = node.get("name"), node.get("value")
            if isinstance(name, Value) and str(name.value).upper() in ("POOL_MODE", "PGBOUNCER_POOL_MODE") \
                    and isinstance(value, Value):
                return str(value.value).lower()
            for key in ("POOL_MODE", "PGBOUNCER_POOL_MODE", "pool_mode", "poolMode"):
                if isinstance(node.get(key), Value):
                    return str(node.get(key).value).lower()
    return None


def _flags(text: str, shown: str, found: Deployment) -> None:
    if len(found.flags) >= 20 or "bouncer" not in text.lower():
        return
    for number, line in enumerate(text.splitlines()[:20000], 1):
        if len(line) < 2000 and _FLAG.search(line):
            found.flags.append(f"`{_FLAG.search(line).group(0)}` in {shown}:{number}")
            return


# --- dependency manifests -----------------------------------------------------------------

_MANIFESTS = frozenset({"gemfile", "gemfile.lock", "requirements.txt", "pyproject.toml", "package.json", "go.mod",
                        "mix.exs", "pom.xml", "build.gradle", "build.gradle.kts", "setup.py", "pipfile"})

#: package name -> client family (for the pooler-config checks: who sends extra_float_digits, who prepares)
CLIENT_PACKAGES = {
    "github.com/lib/pq": "lib/pq", "org.postgresql": "jdbc",
    "asyncpg": "asyncpg", "psycopg": "psycopg3", "psycopg-binary": "psycopg3", "psycopg[binary]": "psycopg3",
    "github.com/jackc/pgx/v5": "pgx", "github.com/jackc/pgx/v4": "pgx", "prisma": "prisma", "@prisma/client": "prisma",
    "postgres": "postgres.js", "postgrex": "postgrex",
}
#: the same package name means another client per ecosystem (the `pg` gem is Rails' driver)
_GEM_CLIENTS = {"pg": "rails"}
#: clients that send extra_float_digits at startup (PgBouncer FAQ / pgbouncer#482)
SENDS_EXTRA_FLOAT_DIGITS = frozenset({"jdbc", "lib/pq"})
#: clients that use protocol-level named prepared statements by default
PREPARES = frozenset({"jdbc", "asyncpg", "psycopg3", "pgx", "prisma", "rails", "postgres.js", "postgrex"})

_LINE_NAME = {
    "gemfile": re.compile(r"^\s*gem\s+['\"]([A-Za-z0-9_.\-]{1,80})['\"]"),
    "gemfile.lock": re.compile(r"^    ([A-Za-z0-9_.\-]{1,80}) \("),
    "requirements.txt": re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]{1,80})"),
    "go.mod": re.compile(r"^\s*(?:require\s+)?([a-z0-9.\-]{1,80}/[A-Za-z0-9_./\-]{1,120})\s+v"),
    "package.json": re.compile(r"^\s*\"(@?[a-z0-9_.\-/]{1,100})\"\s*:\s*\""),
    "mix.exs": re.compile(r"\{\s*:([a-z0-9_]{1,80})\s*,"),
    "pyproject.toml": re.compile(r"^\s*\"?([A-Za-z0-9_.\-\[\]]{1,80})\s*(?:[<>=~!;\"]|$)"),
    "pom.xml": re.compile(r"<groupId>\s*(org\.postgresql)\s*</groupId>"),
    "build.gradle": re.compile(r"['\"](org\.postgresql):postgresql"),
    "build.gradle.kts": re.compile(r"['\"](org\.postgresql):postgresql"),
}


def manifest_kind(lowered: str) -> str:
    if lowered.startswith("requirements") and lowered.endswith(".txt"):
        return "requirements.txt"
    return lowered


def manifest_names(text: str, lowered: str) -> list[tuple[int, int, str]]:
    """(line, column, package name) of every dependency a manifest names (a line reader: bounded)."""
    pattern = _LINE_NAME.get(manifest_kind(lowered))
    if pattern is None:
        return []
    out = []
    for number, line in enumerate(text.splitlines()[:50000], 1):
        if len(line) > 1000:
            continue
        for m in pattern.finditer(line) if lowered == "mix.exs" else [pattern.search(line)]:
            if m:
                out.append((number, m.start(1) + 1, m.group(1).lower()))
    return out


def _manifest(text: str, shown: str, lowered: str, found: Deployment) -> None:
    for number, _, name in manifest_names(text, lowered):
        table = _GEM_CLIENTS if lowered.startswith("gemfile") else CLIENT_PACKAGES
        family = table.get(name) or table.get(name.split("[")[0])
        if family is not None:
            found.clients.setdefault(family, f"{shown}:{number}")


#: what a session-state library's documented way out looks like in code or config
WAYS_OUT = {"oban": "Oban.Notifiers.PG", "river": "PollOnly:", "good_job": "active_record_parent_class",
            "queue_classic": "QC_DATABASE_URL"}


# --- small helpers ------------------------------------------------------------------------

def _line_starts(text: str) -> list[int]:
    starts = [0]
    at = text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(starts, offset)
