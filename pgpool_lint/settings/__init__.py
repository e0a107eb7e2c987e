"""Driver, ORM and migration-tool settings that break under transaction pooling.

Settings files and connection code are read with real parsers (``readers/read_*`` modules: Python
``ast``, YAML, TOML, INI/properties, dotenv, Prisma schema) into facts (``model.Fact``);
one module per rule in ``rules/`` (``pooled_url_startup_parameter`` ... ``listen_on_pooled_url``) judges
them.  Connection strings are parsed and classified in ``urls``; environment variables are
resolved from the repository's ``.env`` files (``envfiles``).

This package's ``__init__`` stays light: the CLI imports it to decide which files to walk.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any, Iterable, Optional

if TYPE_CHECKING:  # pragma: no cover
    from ..core.comments import CommentSpan
    from ..core.findings import Finding

#: rule modules of this package, in catalogue order
RULES = (
    "pooled_url_startup_parameter",
    "driver_prepared_statements",
    "server_side_cursors",
    "session_set_on_connect",
    "migration_session_state",
    "listen_on_pooled_url",
    "pooler_config",
    "session_dependencies",
    "client_pool_behind_pooler",
)

#: their codes, in the same order (kept here so that nothing is imported to know them)
CODES = frozenset({"PGB200", "PGB201", "PGB202", "PGB203", "PGB204", "PGB205", "PGB206", "PGB207",
                   "PGB208"})

#: settings-file kind -> reader module
READERS = {
    "dotenv": "read_env",
    "yaml": "read_yaml",
    "toml": "read_toml",
    "ini": "read_ini",
    "properties": "read_properties",
    "prisma": "read_prisma",
    "python": "read_python",
    "javascript": "read_js",
    "typescript": "read_js",
    "go": "read_go_java",
    "java": "read_go_java",
    "elixir": "read_elixir",
    "php": "read_php",
    "csharp": "read_csharp",
    "rust": "read_rust",
    "kotlin": "read_kotlin",
    "json": "read_json",
    "manifest": "read_manifest",
}

_EXTENSIONS = {
    ".yml": "yaml", ".yaml": "yaml", ".tpl": "yaml", ".toml": "toml", ".conf": "ini", ".properties": "properties",
    ".ini": "ini",
    ".prisma": "prisma", ".py": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".go": "go", ".java": "java", ".ex": "elixir", ".exs": "elixir", ".php": "php", ".cs": "csharp", ".rs": "rust",
    ".kt": "kotlin", ".kts": "kotlin",
}
#: dependency manifests read by name (pyproject.toml: the TOML reader hands it on)
_MANIFEST_NAMES = frozenset({"gemfile", "gemfile.lock", "package.json", "go.mod", "mix.exs"})
#: settings kinds that are also code files linted for SQL (the driver findings are added there)
CODE_KINDS = frozenset({"python", "javascript", "typescript", "go", "java", "elixir", "php", "csharp", "rust",
                        "kotlin"})


def settings_kind(filename: str) -> Optional[str]:
    """The settings reader for a file name, or None."""
    name = os.path.basename(filename.replace("\\", "/")).lower()
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return "dotenv"
    if name in _MANIFEST_NAMES or (name.startswith("requirements") and name.endswith(".txt")):
        return "manifest"
    if name.startswith("appsettings") and name.endswith(".json"):  # .NET connection strings
        return "json"
    return _EXTENSIONS.get(os.path.splitext(name)[1])


def walked(name: str) -> bool:
    """Settings files a directory walk picks up (not every .py: the code reader takes those)."""
    kind = settings_kind(name)
    return kind is not None and kind not in CODE_KINDS


class ReaderError(Exception):
    """A settings reader failed on a file (its own bug, or input it cannot hold, such as arrays
    nested deeper than the parser goes).  Not a clean file: the run says so and exits 2."""

    def __init__(self, kind: str, cause: BaseException) -> None:
        what = "nested too deeply" if isinstance(cause, RecursionError) else f"internal error ({type(cause).__name__})"
        super().__init__(f"cannot read as {kind} settings: {what}")


def lint(text: str, filename: str, kind: str, profile: Any, resolver: Any,
         pooled_hosts: Iterable[str] = (), enabled: Optional[frozenset[str]] = None, deployment: Any = None,
         direct_hosts: Iterable[str] = ()) -> list["Finding"]:
    """Findings (offsets into ``text``) of the driver rules for one settings file.  Raises
    ReaderError when the reader fails (``PGPOOL_LINT_DEBUG=1``: the reader's own exception)."""
    from .context import Context

    if enabled is not None and not (CODES & enabled):
        return []  # no driver rule is on: nothing to read
    ctx = Context(text, filename, profile, resolver, frozenset(h.lower() for h in pooled_hosts),
                  deployment=deployment.for_file(filename) if deployment is not None else None,
                  direct_hosts=frozenset(h.lower() for h in direct_hosts))
    try:
        importlib.import_module(f"{__name__}.readers.{READERS[kind]}").read(ctx)
    except Exception as exc:  # noqa: BLE001 - readers catch their parsers' errors: this is a reader's bug
        if os.environ.get("PGPOOL_LINT_DEBUG"):
            raise
        raise ReaderError(kind, exc) from None
    if not ctx.facts:
        return []
    findings: list["Finding"] = []
    seen: set[tuple[str, int, str]] = set()
    for name in RULES:
        module = importlib.import_module(f"{__name__}.rules.{name}")
        if enabled is not None and module.CODE not in enabled:
            continue
        for f in module.check(ctx):
            key = (f.code, f.start, f.message)
            if key not in seen:
                seen.add(key)
                findings.append(f)
    return findings


def conditional_summary(diagnostics: Iterable[Any]) -> Optional[str]:
    """One line for the run: how many settings warnings hang on an endpoint (or pooler) nobody
    declared, and how to declare it so that they become errors or go away."""
    warnings = [d for d in diagnostics if d.code in CODES and d.severity == "warning"]
    if not warnings:
        return None  # most runs: the settings model (and its URL parser) is not even imported
    import re

    from .model import CONDITION, UNKNOWN_POOLER

    subjects: list[str] = []
    count = 0
    for d in warnings:
        m = re.search(r"if (`[^`]{1,200}`|this connection) " + CONDITION, d.message)
        if m or UNKNOWN_POOLER in d.message:
            count += 1
            if m and m.group(1) not in subjects and m.group(1) != "this connection":
                subjects.append(m.group(1))
    if not count:
        return None
    named = ", ".join(subjects[:4]) + (", ..." if len(subjects) > 4 else "")
    example = subjects[0].strip("`") if subjects else "DATABASE_URL"
    return (f"{count} settings warning{'s depend' if count != 1 else ' depends'} on what the endpoints are"
            + (f" ({named})" if named else "") + ": declare them in [tool.pgpool-lint] — "
            f"`pooled-hosts = [\"${example}\"]` (or the pooler's host) makes them errors, "
            f"`direct-hosts = [\"${example}\"]` silences them, and `preset` (pgbouncer with `pgbouncer-version`, "
            "neon, supabase, azure) says whether prepared statements survive.")


#: a driver finding about SQL a framework sends (a SET in a connect listener, in Alembic's
#: env.py) stands for the SQL rules' finding on the same string: one cause, one message
ABSORBS = {"PGB203": frozenset({"PGB001", "PGB008"}), "PGB204": frozenset({"PGB001", "PGB008"})}


def absorbed(diagnostic: Any, driver_diagnostics: Iterable[Any]) -> bool:
    """Is ``diagnostic`` (from the SQL-in-code rules) inside a driver finding that explains it?"""
    return any(diagnostic.code in ABSORBS.get(d.code, ()) and d.start <= diagnostic.start < d.end
               for d in driver_diagnostics)


def comments(text: str, kind: str) -> list["CommentSpan"]:
    """Comments that may hold suppression directives (``#``, ``;`` or ``//`` per file kind)."""
    from ..core.comments import CommentSpan, own_line

    lowered = text.lower()
    if "pgpool-lint" not in lowered and "noqa" not in lowered:
        return []
    if kind == "python":
        return _python_comments(text)
    leaders = {"prisma": ("//",), "ini": ("#", ";", "!"), "properties": ("#", "!"),
               "javascript": ("//", "/*"),
               "typescript": ("//", "/*"), "go": ("//", "/*"), "java": ("//", "/*"), "php": ("//", "#", "/*"),
               "csharp": ("//", "/*"), "rust": ("//", "/*"), "kotlin": ("//", "/*"), "json": ("//",)}.get(kind, ("#",))
    out = []
    offset = 0
    for line in text.splitlines(keepends=True):
        for leader in leaders:
            at = line.find(leader)
            while at != -1 and at > 0 and not line[at - 1].isspace():
                at = line.find(leader, at + 1)
            if at != -1:
                start = offset + at
                body = line[at:].rstrip("\r\n")
                out.append(CommentSpan(start, start + len(body), body, own_line(text, start)))
                break
        offset += len(line)
    return out


def _python_comments(text: str) -> list["CommentSpan"]:
    import io
    import tokenize

    from ..core.comments import CommentSpan, own_line
    from ..core.positions import LineIndex

    index = LineIndex(text)
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                start = index.line_start(tok.start[0]) + tok.start[1]  # tokenize columns are characters
                out.append(CommentSpan(start, start + len(tok.string), tok.string, own_line(text, start)))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return out
