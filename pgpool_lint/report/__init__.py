"""Output formats.  Each module has ``render(diagnostics, out, ctx)``; they are imported only
when chosen, so ``rich`` is loaded only for the ``full`` format."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Callable, TextIO

FORMATS = {
    "full": "pgpool_lint.report.full",
    "concise": "pgpool_lint.report.concise",
    "json": "pgpool_lint.report.json_format",
    "json-lines": "pgpool_lint.report.json_lines",
    "sarif": "pgpool_lint.report.sarif",
    "github": "pgpool_lint.report.github",
    "gitlab": "pgpool_lint.report.gitlab",
    "junit": "pgpool_lint.report.junit",
}

#: where each rule's documentation lives (``docs/rules.md``, generated from the catalogue)
DOCS_URL = "https://github.com/pgpool-lint/pgpool-lint/blob/main/docs/rules.md"


@dataclass
class RenderContext:
    files_checked: int
    color: bool
    quiet: bool = False
    #: the pooler profile the files were checked against (``engine.Profile``), for metadata
    profile: object = None


def renderer(name: str) -> Callable:
    return importlib.import_module(FORMATS[name]).render


# C0/C1 control characters (ESC starts ANSI sequences) and bidi overrides ("Trojan source"):
# file content echoed to a terminal must not be able to drive it.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character shown as an escape, never sent raw."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def summary_line(count: int, files_with: int, files_checked: int) -> str:
    if count == 0:
        return f"All checks passed! ({files_checked} file{'s' if files_checked != 1 else ''} checked)"
    return (f"Found {count} finding{'s' if count != 1 else ''} in {files_with} file{'s' if files_with != 1 else ''} "
            f"({files_checked} checked).")


def rule_url(rule) -> str:
    """The rule's section in the generated docs (anchor as GitHub renders the heading)."""
    return f"{DOCS_URL}#{rule.code.lower()}-{rule.name}"


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pgpool-lint")
    except PackageNotFoundError:
        return "0+unknown"


def profile_json(profile: object) -> object:
    """A pooler profile as plain JSON data: every dataclass field, sets as sorted lists."""
    import dataclasses

    if profile is None:
        return None
    if hasattr(profile, "to_json"):
        return profile.to_json()  # type: ignore[attr-defined]

    def plain(value: object) -> object:
        if isinstance(value, (set, frozenset)):
            return sorted(plain(v) for v in value)  # type: ignore[type-var]
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        return str(value)

    return plain(profile)


def metadata(ctx: RenderContext) -> dict:
    """What a machine-readable report says about the run itself."""
    return {"tool": "pgpool-lint", "version": tool_version(), "files_checked": ctx.files_checked,
            "profile": profile_json(ctx.profile)}


def fingerprints(diagnostics) -> list[str]:
    """A stable identity per finding: rule, file and the flagged source line's text (not its
    line number, so unrelated edits above do not change it), plus a counter for repeats."""
    import hashlib

    seen: dict[str, int] = {}
    out = []
    for d in diagnostics:
        key = "\0".join((d.code, report_path(d.filename), " ".join(d.source_line.split())))
        seen[key] = seen.get(key, 0) + 1
        out.append(hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogatepass")).hexdigest())
    return out


def report_path(filename: str) -> str:
    """A finding's file as CI systems want it: relative to the working directory (the
    repository root in CI) when it is below it, with ``/`` separators."""
    from pathlib import Path

    path = Path(filename)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return path.as_posix()
    return path.as_posix() if path.parts else filename
