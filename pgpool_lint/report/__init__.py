"""Output formats.  Each module has ``render(diagnostics, out, ctx)``; they are imported only
when chosen, so ``rich`` is loaded only for the ``full`` format."""

from __future__ import annotations

import importlib
import re
from typing import Callable, Iterable, Iterator, Optional, TextIO

from ..core.lazyre import lazy_re
from ..core.version import PROJECT_URL, code_url, docs_url, rule_url, tool_version  # noqa: F401 (re-exported)
from ..sql.gate import occurrences

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



class RenderContext:
    """What a format needs to know about the run besides its findings (a plain class: built
    once a run, where a dataclass would cost more at import than all its uses)."""

    __slots__ = ("files_checked", "color", "quiet", "profile", "errors")

    def __init__(self, files_checked: int, color: bool, quiet: bool = False, profile: object = None,
                 errors: int = 0) -> None:
        self.files_checked = files_checked
        self.color = color
        self.quiet = quiet
        #: the pooler profile the files were checked against (``core.profile.Profile``), for metadata
        self.profile = profile
        #: paths or sources that could not be read (the run exits 2)
        self.errors = errors


def renderer(name: str) -> Callable:
    return importlib.import_module(FORMATS[name]).render


# Everything that can drive a terminal or a CI log: C0/C1 control characters (ESC starts ANSI
# sequences, CSI is U+009B, a newline lets a line start with ``::error ...::``, a GitHub
# workflow command), line/paragraph separators, bidi controls ("Trojan source") and lone
# surrogates.  Content of the linted repository (files, names, its config) and of a DSN is
# hostile: every writer passes it through ``terminal_safe`` (text) or ``json_text`` (JSON).
_UNSAFE = lazy_re("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                  "\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: "re.Match[str]") -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def terminal_safe(text: str) -> str:
    """``text`` on one line, passwords redacted and every control character shown as an
    escape, never sent raw."""
    text = redact(text)
    # every character _UNSAFE matches is one ``str.isprintable`` refuses: most text needs no regex
    return text if text.isprintable() else _UNSAFE.sub(_escape, text)


# the password of a URI (``scheme://user:password@``) or of a libpq keyword DSN; each match
# starts at ``://`` or ``password`` and stops at the next ``/``, blank or ``@``: linear time.
# Inside a SQL literal a keyword DSN's quotes are doubled (``'password=''a b'' host=x'``).
_URI_PASSWORD = lazy_re(r"(://[^\s/@:]*:)[^\s/@]+@")
_KEYWORD_PASSWORD = lazy_re(r"(\bpassword\s*=\s*)(?!'?\*\*\*'?(?:[\s`'\"),;]|$))"  # not twice
                            r"(''(?:[^'\\]|\\''|\\.)*(?:'')?|'(?:[^'\\]|\\.)*'?|[^\s']+)", re.IGNORECASE)
# a password written as a SQL literal: ``ALTER ROLE x PASSWORD 'a''b'``, ``OPTIONS (password 'x')``,
# ``SET app.db_password TO 'x'``, MySQL's ``IDENTIFIED BY 'x'``; a literal cut short (a shortened
# message) is hidden to its end.  The literal's alternatives start with different characters: one
# pass, no backtracking.
_SQL_PASSWORD = lazy_re(r"((?:password(?!\w)|identified\s+by)(?:\s*=\s*|\s+to\s+|\s+)[eE]?)"
                        r"(?!'')('(?:[^'\\]|''|\\.)*'?)", re.IGNORECASE)  # ''...'': a DSN in a literal

REDACTED = "***"
#: a password quoted without its keyword (a parse error "at or near" it) is hidden by its value:
#: shorter values would hide ordinary words
MIN_SECRET = 4


def may_hold_secret(text: str, lowered: Optional[str] = None) -> bool:
    """Whether ``text`` may hold a password ``redact`` hides: a cheap test before any regex
    (substring tests on a lower-cased copy: ~1 ms a MB; a case-blind regex costs 30).
    ``lowered``: ``text`` lower-cased, when the caller has it."""
    if "://" in text:
        return True
    if lowered is None:
        lowered = text.lower()
    return "assword" in lowered or "dentified" in lowered


def redact(text: str, *secrets: str) -> str:
    """``text`` without the passwords of the connection strings and SQL in it (nor ``secrets``)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    if "://" in text:
        text = _URI_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", text)
    lowered = text.lower()
    if "assword" in lowered or "dentified" in lowered:
        if "=" in text:
            text = _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + REDACTED, text)
        text = _SQL_PASSWORD.sub(lambda m: f"{m.group(1)}'{REDACTED}'", text)
    return text


def passwords_in(text: str) -> tuple[str, ...]:
    """The passwords written in ``text`` (SQL ``PASSWORD '...'``, DSN ``password=...``), for
    ``redact(message, *secrets)``: a message may quote one without its keyword."""
    lowered = text.lower()
    if "assword" not in lowered and "dentified" not in lowered:
        return ()
    found = set()
    for pattern in (_SQL_PASSWORD, _KEYWORD_PASSWORD):
        for match in _matches(pattern, text, lowered):
            value = match.group(2).strip("'").split("\n", 1)[0].strip()
            if len(value) >= MIN_SECRET:
                found.add(value)
    return tuple(sorted(found, key=len, reverse=True))  # a longer secret before its own prefix


def _matches(pattern: "re.Pattern[str]", text: str, lowered: str) -> Iterator["re.Match[str]"]:
    """``pattern.finditer(text)`` for the two password patterns, whose matches start at
    ``password`` or ``identified``: in an ASCII text (where ``lowered`` has the same offsets) the
    pattern is tried only there, not at every character (a case-blind regex is slow to scan)."""
    if not text.isascii():
        yield from pattern.finditer(text)
        return
    starts = sorted(start for start, _ in occurrences(lowered, ("password", "identified")))
    end = 0
    for at in starts:
        if at >= end:  # matches do not overlap, as finditer's
            match = pattern.match(text, at)
            if match is not None:
                yield match
                end = match.end()


def dsn_password(dsn: str) -> str:
    """The password written in a libpq connection string (URI or keywords), else ''."""
    scheme, sep, rest = dsn.partition("://")
    if sep and scheme.isascii() and scheme.replace("+", "").isalnum():
        userinfo = rest.split("/", 1)[0].rpartition("@")[0]  # libpq: up to the last @ before the path
        return userinfo.partition(":")[2]
    match = _KEYWORD_PASSWORD.search(dsn)
    return match.group(2).strip("'") if match else ""


def safe_name(name: str) -> str:
    """A file name for the start of an output line: escaped, and never starting with ``::``
    (GitHub reads such a line, leading blanks stripped, as a workflow command)."""
    shown = terminal_safe(name)
    return "./" + shown if shown.lstrip().startswith(":") else shown


# in JSON text the structure is ASCII, so these can only sit inside strings: \uXXXX keeps the value
_UNSAFE_IN_JSON = lazy_re("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff\ufffe\uffff]")


def json_text(value: object, indent: Optional[int] = None) -> str:
    """``json.dumps`` with non-ASCII text kept readable and nothing left that drives a terminal
    (``json`` itself escapes only C0 characters); indented text at the C encoder's speed."""
    if indent is None:
        import json

        text = json.dumps(value, ensure_ascii=False)
    else:
        from .json_text import dumps_indented

        text = dumps_indented(value, indent)
    return _json_escaped(text)


def _json_escaped(text: str) -> str:
    if text.isascii() and "\x7f" not in text:  # the one ASCII character it escapes
        return text
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_json_list(items, out: TextIO, indent: int = 2) -> None:
    """``out.write(json_text(list(items), indent))``, a few hundred items at a time: a large
    report is never held as one string, nor its items all at once (the escapes apply to
    each piece alike: the structure between them is ASCII)."""
    from .json_text import dump_indented_list

    dump_indented_list(items, _JsonSafeWriter(out), indent)


class _JsonSafeWriter:
    """Writes JSON text to ``out`` with ``json_text``'s escapes."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> None:
        self._out.write(_json_escaped(text))


def fixable_kind(d) -> Optional[str]:
    """The applicability (``safe``, ``unsafe``, ...) of a finding's fix that ``--fix`` can apply; None without one."""
    return d.fix.applicability if d.fix is not None and d.fix.edits else None


class DiagnosticStream:
    """A run's findings as its files are linted, for a report written finding by finding: the
    report iterates it once, and what the lines after the findings need (how many, in how many
    files, how many fixable, the warnings the settings summary reads) is counted on the way."""

    def __init__(self, results: Iterable, keep_codes: frozenset[str] = frozenset()) -> None:
        self._results = iter(results)  # objects with ``diagnostics`` (``lint.linter.FileResult``)
        self._keep_codes = keep_codes
        self.count = 0
        self.filenames: set[str] = set()
        self.fixable = {"safe": 0, "unsafe": 0}
        #: the findings of ``keep_codes`` (few: the settings rules, for their summary line)
        self.kept: list = []

    def __iter__(self) -> Iterator:
        for result in self._results:
            for d in result.diagnostics:
                self.count += 1
                self.filenames.add(d.filename)
                kind = fixable_kind(d)
                if kind in self.fixable:
                    self.fixable[kind] += 1
                if d.code in self._keep_codes:
                    self.kept.append(d)
                yield d

    def __len__(self) -> int:
        return self.count

    def drain(self) -> None:
        """Lint what a report left unread (every report reads to the end; this is the guard)."""
        for _ in self:
            pass


def summary_line(diagnostics, ctx: RenderContext) -> str:
    """The last line of the human formats; after input errors it never says all checks passed."""
    count, files_checked = len(diagnostics), ctx.files_checked
    checked = f"{files_checked} file{'s' if files_checked != 1 else ''} checked"
    if ctx.errors:
        not_all = f"{ctx.errors} error{'s' if ctx.errors != 1 else ''} above: not every file was checked"
        return f"Found {count} finding{'s' if count != 1 else ''} ({checked}); {not_all}."
    if count == 0:
        return f"All checks passed! ({checked})"
    files_with = len(diagnostics.filenames if isinstance(diagnostics, DiagnosticStream)
                     else {d.filename for d in diagnostics})
    return (f"Found {count} finding{'s' if count != 1 else ''} in {files_with} file{'s' if files_with != 1 else ''} "
            f"({files_checked} checked).")


def profile_json(profile: object) -> object:
    """A pooler profile as plain JSON data: every field, sets as sorted lists."""
    import dataclasses

    if profile is None:
        return None
    if hasattr(profile, "to_json"):
        return profile.to_json()  # type: ignore[attr-defined]

    def plain(value: object) -> object:
        if isinstance(value, (set, frozenset)):
            return sorted(plain(v) for v in value)  # type: ignore[type-var]
        if isinstance(value, tuple) and hasattr(value, "_asdict"):  # a NamedTuple: its fields by name
            return {name: plain(v) for name, v in value._asdict().items()}
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
