"""Files in, diagnostics out: reading, decoding, suppressions, positions and rule selection.

The engine (``sql.engine.analyse_sql``) works on SQL text; this layer turns a file into SQL
text(s), maps each finding's offsets to 1-based lines and code-point columns of the file
(``core.positions.LineIndex``), applies suppression comments and per-file ignores, and fills in
each rule's name and severity from the catalogue.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Optional

# imported here, not in the functions that use them: each is asked for once or more per file
from ..code import HostSyntaxError, lint_code, source_kind
from ..config import relative_posix
from ..config.profiles import build_profile
from ..core import catalogue as catalogue_mod
from ..core.diagnostics import Diagnostic
from ..core.findings import Finding
from ..core.positions import LineIndex
from ..core.profile import ConnectionTarget, Profile
from ..fix.edits import with_locations
from ..report import may_hold_secret, passwords_in, redact
from ..settings import ReaderError, settings_kind
from ..sql.comments import sql_comments
from ..sql.dialect import POSTGRES, Verdict, from_config, from_path
from ..sql.dispatch import load_checks
from ..sql.engine import analyse_sql
from ..sql.gate import Gate, lower_case

if TYPE_CHECKING:  # suppress is imported when a file has directives
    from .suppress import CommentSpan, Suppressions

UNREADABLE = "PGB900"
BAD_SUPPRESSION = "PGB100"
UNUSED_SUPPRESSION = "PGB101"
DEFAULT_MAX_FILE_SIZE = 32 * 1024 * 1024  # bytes; larger files are skipped with a message


@dataclass
class Settings:
    """What a run checks and how: rules, profile, per-file ignores and the other settings."""

    enabled: frozenset[str]
    per_file_ignores: list[tuple[object, frozenset[str]]] = field(default_factory=list)  # (GlobSet, codes)
    root: Path = field(default_factory=Path.cwd)
    profile: Profile = field(default_factory=lambda: build_profile({}))
    #: profile settings as given (preset, pool-mode, ...) and where each came from; see profiles.py
    profile_values: dict = field(default_factory=dict)
    profile_origins: dict = field(default_factory=dict)
    assume_in_transaction: bool = False
    target: ConnectionTarget = field(default_factory=ConnectionTarget)  # role / database settings
    gate: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: SQL call sites in code (``code.callsites``): None keeps the built-in list
    sql_call_sites: Optional[tuple[str, ...]] = None
    extend_sql_call_sites: tuple[str, ...] = ()
    #: hosts (``name`` or ``*.suffix``) that are transaction-mode pooler endpoints (``pooled-hosts``)
    pooled_hosts: tuple[str, ...] = ()
    #: (GlobSet, dialect) from the ``dialects`` config: which database files are for
    dialects: tuple[tuple[object, str], ...] = ()
    #: hosts (or ``$VARIABLE`` names) that are direct connections (``direct-hosts``)
    direct_hosts: tuple[str, ...] = ()
    #: what the repository says about its pooler (``settings.deployment.collect``); None: not read
    deployment: Optional[object] = None
    #: project root -> the profile its own pooler configuration states (``lint.options.read_deployment``);
    #: a file of another project is linted with ``base_profile`` (the config file's and the command line's)
    project_profiles: dict = field(default_factory=dict)
    base_profile: Optional[Profile] = None


@dataclass
class FileResult:
    """One linted file: its diagnostics, or why it was skipped or only partly read."""

    filename: str
    diagnostics: list[Diagnostic]
    text: Optional[str] = None  # decoded text, when it could be read
    skipped: Optional[str] = None  # why the file was not linted (documented skips)
    #: text of the file that is not PostgreSQL and was skipped: why, per statement or string
    not_postgres: list[str] = field(default_factory=list)
    #: part of the file could not be read (a settings reader failed): the run exits 2
    error: Optional[str] = None


class Linter:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.catalogue = catalogue_mod.load()
        #: the pooler profile of the file being linted (its project's; ``use_profile_of``)
        self.profile = settings.profile
        #: enabled rules that matter under the profile's pool mode (catalogue field ``pool_modes``)
        self.active = active_codes(settings.enabled, settings.profile, self.catalogue)
        self.checks = load_checks(self.active)
        self.gate = Gate(self.checks, enabled=settings.gate)
        self._rules: dict[str, object] = {}  # finding code -> catalogue rule
        self._by_profile = {id(self.profile): (self.profile, self.active, self.checks, self.gate)}

    def use_profile_of(self, filename: str) -> None:
        """Lint ``filename`` with its own project's profile: when one run covers several projects, a
        pooler configuration found in one of them says nothing about the others."""
        settings = self.settings
        if not settings.project_profiles or settings.deployment is None:
            return
        project = settings.deployment.for_file(filename)
        profile = settings.project_profiles.get(project.root) if project is not None else None
        profile = profile or settings.base_profile or settings.profile
        if profile is self.profile:
            return
        known = self._by_profile.get(id(profile))
        if known is None:
            active = active_codes(settings.enabled, profile, self.catalogue)
            checks = load_checks(active)
            known = self._by_profile[id(profile)] = (profile, active, checks, Gate(checks, enabled=settings.gate))
        self.profile, self.active, self.checks, self.gate = known

    # --- reading --------------------------------------------------------------------------

    def lint_path(self, path: Path, display: str) -> FileResult:
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode):
                return FileResult(display, [], skipped="not a regular file")
            if st.st_size > self.settings.max_file_size:
                return FileResult(display, [], skipped=f"larger than max-file-size ({self.settings.max_file_size} bytes)")
            limit = self.settings.max_file_size + 1
            # the size the file has (and one byte more): ``read(limit)`` would allocate ``limit``
            # bytes (32 MiB) for every file first; a file that grew since ``stat`` is read on
            with open(path, "rb") as fh:
                data = fh.read(min(st.st_size + 1, limit))
                if len(data) > st.st_size:
                    data += fh.read(limit - len(data))
        except OSError as exc:
            return FileResult(display, [self._unreadable(display, f"Cannot read file: {exc.strerror or exc}")])
        if len(data) > self.settings.max_file_size:
            return FileResult(display, [], skipped=f"larger than max-file-size ({self.settings.max_file_size} bytes)")
        text, problem = decode(data)
        del data  # not kept while the text is linted: peak memory of a large file
        if text is None:
            return FileResult(display, [self._unreadable(display, problem or "cannot decode file")])
        return self.lint_decoded(text, display)

    def lint_bytes(self, data: bytes, display: str) -> FileResult:
        text, problem = decode(data)
        if text is None:
            return FileResult(display, [self._unreadable(display, problem or "cannot decode file")])
        return self.lint_decoded(text, display)

    def lint_decoded(self, text: str, display: str) -> FileResult:
        """Lint a file's decoded text, as SQL or as code by its name (the fixer re-lints with it).
        Whatever the file holds, a failure stays this file's finding (PGB900): the rest is linted
        (``PGPOOL_LINT_DEBUG=1`` raises it instead)."""
        try:
            return self._lint_decoded(text, display)
        except Exception as exc:  # noqa: BLE001 - one file must not stop the run
            if os.environ.get("PGPOOL_LINT_DEBUG"):
                raise
            kind = "nested too deeply" if isinstance(exc, RecursionError) else type(exc).__name__
            return FileResult(display, [self._unreadable(display, f"Cannot lint this file: internal error ({kind})")],
                              text=text)

    def _lint_decoded(self, text: str, display: str) -> FileResult:
        self.use_profile_of(display)
        kind = source_kind(display)
        settings = settings_kind(display)  # driver/ORM settings files and connection code
        self.not_postgres = []  # filled by lint_text / lint_code through ``skip``
        if kind == "sql":
            if settings is not None:
                try:
                    return FileResult(display, self.lint_settings(text, display, settings), text=text)
                except ReaderError as exc:
                    return FileResult(display, [], text=text, error=str(exc))
            return FileResult(display, self._lint_sql(text, display), text=text, not_postgres=self.not_postgres)
        try:
            diagnostics = lint_code(self, text, display, kind)
            result = FileResult(display, diagnostics, text=text, not_postgres=self.not_postgres)
        except HostSyntaxError as exc:
            return FileResult(display, [], text=text, skipped=str(exc))
        if settings is not None:
            try:
                from_settings = self.lint_settings(text, display, settings)
            except ReaderError as exc:  # the code's own findings still count
                result.error = str(exc)
                return result
            # a directive silences findings of either pass: unused only when unused in both
            idle_in_both = {d.start for d in from_settings if d.code == UNUSED_SUPPRESSION}
            extra = [d for d in from_settings if d.code not in (BAD_SUPPRESSION, UNUSED_SUPPRESSION)]
            kept = [d for d in result.diagnostics if d.code != UNUSED_SUPPRESSION or d.start in idle_in_both]
            if extra or len(kept) != len(result.diagnostics):  # bad suppressions were already reported by lint_code
                from ..settings import absorbed

                kept = [d for d in kept if not absorbed(d, extra)]
                result.diagnostics = sorted(kept + extra, key=Diagnostic.sort_key)
        return result

    def lint_settings(self, text: str, filename: str, kind: str) -> list[Diagnostic]:
        """Driver, ORM and migration-tool settings (``settings``): dotenv, YAML, TOML, INI, Prisma, Python."""
        from .. import settings as drivers
        from ..settings.envfiles import EnvResolver

        if getattr(self, "_env_resolver", None) is None:
            deployment = self.settings.deployment
            self._env_resolver = EnvResolver(self.settings.root, getattr(deployment, "env_values", None))
        findings = drivers.lint(text, filename, kind, self.profile, self._env_resolver,
                                self.settings.pooled_hosts, self.active, self.settings.deployment,
                                self.settings.direct_hosts)
        return self.finish(findings, text, filename, drivers.comments(text, kind), kind)

    def _unreadable(self, display: str, message: str) -> Diagnostic:
        rule = self.catalogue.get(UNREADABLE)
        return Diagnostic(rule.code, rule.name, message, "The file was skipped; other files were still checked.",
                          rule.severity, display, 0, 0, (1, 1), (1, 1))

    # --- linting --------------------------------------------------------------------------

    def lint_text(self, text: str, filename: str) -> list[Diagnostic]:
        """Lint a whole SQL file's text (code and settings files by their name: ``lint_decoded``)."""
        if settings_kind(filename) is not None or source_kind(filename) != "sql":
            return self.lint_decoded(text, filename).diagnostics
        return self._lint_sql(text, filename)

    def _lint_sql(self, text: str, filename: str) -> list[Diagnostic]:
        """``lint_text`` of a file already known to be SQL."""
        dialect = self.dialect_of(filename)
        if dialect is not None:
            self.skip([dialect])
            return []
        findings, ctx = analyse_sql(text, self.checks, self.gate, self.profile,
                                    self.settings.assume_in_transaction,
                                    report_parse_errors="PGB000" in self.active, target=self.settings.target,
                                    judge_dialect=not self._declared_postgres(filename))
        self.skip(ctx.skipped)
        # statements and their context refer to each other: without this the file's texts
        # would stay in memory until the garbage collector's next full pass
        ctx.statements.clear()
        ctx.memo.clear()
        # for both: directives and passwords are found case-blind (the gate lowered the text already)
        lowered = ctx.lowered if ctx.lowered is not None else lower_case(text)
        return self.finish(findings, text, filename, sql_comments(text, lowered), "sql", lowered)

    # --- other databases' SQL (dialect.py) --------------------------------------------------

    def dialect_of(self, filename: str) -> Optional[Verdict]:
        """Another database the file is for, by the ``dialects`` config or its folder; None: PostgreSQL."""
        rel = relative_posix(filename, self.settings.root)  # type: ignore[arg-type]  # abspath reads str
        declared = from_config(rel, self.settings.dialects)
        if declared is not None:
            return None if declared == POSTGRES else Verdict(declared, "`dialects` in the configuration")
        return from_path(rel)

    def _declared_postgres(self, filename: str) -> bool:
        if not self.settings.dialects:
            return False
        return from_config(relative_posix(Path(filename), self.settings.root), self.settings.dialects) == POSTGRES

    def skip(self, verdicts: "Iterable[Verdict]") -> None:
        """Count text skipped as not PostgreSQL (``--verbose``, ``--statistics``)."""
        notes = getattr(self, "not_postgres", None)
        if notes is None:
            notes = self.not_postgres = []
        notes.extend(v.describe() for v in verdicts)

    def finish(self, findings: Iterable[Finding], text: str, filename: str,
               comments: list[CommentSpan], source_kind: str, lowered: Optional[str] = None) -> list[Diagnostic]:
        """Positions, suppressions, per-file ignores and catalogue fields for ``findings``.

        Findings' offsets must already be offsets into ``text`` (the host file); ``lowered``:
        ``text`` lower-cased, when the caller has it.
        """
        ignored = self._per_file_ignored(filename)
        findings = [f for f in findings if f.code in self.active and f.code not in ignored]
        if not findings and not comments:
            return []  # most files: no line index needed
        index = LineIndex(text)
        suppressions = self._suppressions(text, index, comments) if comments else None
        out: list[Diagnostic] = []
        for f in findings:
            if suppressions is not None:
                lines = [index.position(f.start)[0]]
                for extra in (f.statement_start, f.anchor):
                    if extra is not None:
                        lines.append(index.position(extra)[0])
                if suppressions.covers(f.code, lines):
                    continue
            out.append(self._diagnostic(f, filename, text, index, source_kind))
        if suppressions is not None and BAD_SUPPRESSION in self.active and BAD_SUPPRESSION not in ignored:
            for bad in suppressions.bad:
                f = Finding(BAD_SUPPRESSION, bad.message,
                            "Use a rule code (`PGB001`) or name (`session-set`); `pgpool-lint rules` lists them.",
                            bad.start, bad.end)
                out.append(self._diagnostic(f, filename, text, index, source_kind))
        if suppressions is not None and UNUSED_SUPPRESSION in self.active and UNUSED_SUPPRESSION not in ignored:
            for f in self._unused(suppressions, text, index, ignored):
                out.append(self._diagnostic(f, filename, text, index, source_kind))
        _redact_passwords(out, text, lowered)
        out.sort(key=Diagnostic.sort_key)
        return out

    def _unused(self, suppressions: Suppressions, text: str, index: LineIndex,
                ignored: frozenset[str]) -> list[Finding]:
        """unused-suppression: directives that silenced no finding of an active rule."""
        from ..core.diagnostics import Edit, Fix

        out = []
        for directive, idle in suppressions.unused(self.active - ignored):
            if suppressions.silenced_by_another(directive, UNUSED_SUPPRESSION, index.position(directive.start)[0]):
                continue
            names = ", ".join(f"`{self.catalogue.get(code).name}`" for code in idle)
            what = f"of {names}" if names else "of every rule"
            fix = None
            if directive.whole_comment and (not idle or set(idle) == directive.codes):
                start, end = _comment_removal(text, directive.comment)
                fix = Fix("safe", "Remove the unused suppression", (Edit("", start, end),))
            out.append(Finding(UNUSED_SUPPRESSION, f"Suppression {what} silences no finding here",
                               "Remove it: the finding it was written for is gone (or name the rule that is "
                               "still reported here).", directive.start, directive.end, fix=fix))
        return out

    def _diagnostic(self, f: Finding, filename: str, text: str, index: LineIndex, source_kind: str) -> Diagnostic:
        rule = self._rules.get(f.code)
        if rule is None:
            rule = self._rules[f.code] = self.catalogue.get(f.code)
        location = index.position(f.start)
        end = f.end if f.end > f.start else f.start
        fix = f.fix
        if fix is not None:
            fix = with_locations(fix, index.position)
        # positional, in the field order of Diagnostic (a finding-heavy run makes thousands)
        return Diagnostic(rule.code, rule.name, f.message, f.help, f.severity or rule.severity, filename, f.start, end,
                          location, index.position(end) if end != f.start else location, fix, source_kind,
                          index.line_text(text, location[0]))

    def _suppressions(self, text: str, index: LineIndex, comments: list[CommentSpan]) -> Suppressions:
        from .suppress import parse_suppressions

        next_code = _next_code_lines(text, index)
        return parse_suppressions(comments, lambda off: index.position(off)[0], next_code.get, self.catalogue)

    def _per_file_ignored(self, filename: str) -> frozenset[str]:
        if not self.settings.per_file_ignores:
            return frozenset()
        rel = relative_posix(Path(filename), self.settings.root)
        codes: set[str] = set()
        for globs, rule_codes in self.settings.per_file_ignores:
            if globs.matches(rel):  # type: ignore[attr-defined]
                codes |= rule_codes
        return frozenset(codes)


def _redact_passwords(diagnostics: list[Diagnostic], text: str, lowered: Optional[str] = None) -> None:
    """Messages, help and fix titles quote SQL (and a parse error the literal it stopped at):
    the passwords written in it never reach an output, an editor or a log (the edits keep them)."""
    if not diagnostics or not may_hold_secret(text, lowered):
        return  # messages quote the file: no password in it, none in them (most files)
    secrets = passwords_in(text)
    for d in diagnostics:
        d.message, d.help = redact(d.message, *secrets), redact(d.help, *secrets)
        if d.fix is not None:
            message = redact(d.fix.message, *secrets)
            if message != d.fix.message:
                d.fix = replace(d.fix, message=message)


def active_codes(enabled: Iterable[str], profile: Profile, cat: "catalogue_mod.Catalogue") -> frozenset[str]:
    """The enabled rules that apply under ``profile``: a rule lists the pool modes it matters in
    (``pool_modes`` in its catalogue file; all modes when absent)."""
    return frozenset(code for code in enabled
                     if profile.applies(cat.get(code).extra.get("pool_modes", catalogue_mod.POOL_MODES)))


def _next_code_lines(text: str, index: LineIndex) -> dict[int, int]:
    """For every line, the first later line holding code (not blank, not only a comment).

    One pass from the bottom: a file of 50,000 directive lines stays linear.
    """
    result: dict[int, int] = {}
    following: Optional[int] = None
    for line in range(index.line_count, 0, -1):
        if following is not None:
            result[line] = following
        start = index.line_start(line)
        end = index.line_start(line + 1) if line < index.line_count else len(text)
        stripped = text[start:end].strip()
        if stripped and not stripped.startswith(("--", "#", "//", "/*")):
            following = line
    return result


def _comment_removal(text: str, comment: CommentSpan) -> tuple[int, int]:
    """The span to delete to remove ``comment``: its whole line when it stands alone, else the
    comment and the blanks before it."""
    end = comment.end
    if comment.own_line:
        start = max(text.rfind("\n", 0, comment.start), text.rfind("\r", 0, comment.start)) + 1
        rest = text[end:]
        stripped = rest.lstrip(" \t")
        if stripped.startswith("\r\n"):
            return start, end + len(rest) - len(stripped) + 2
        if stripped[:1] in ("\n", "\r"):
            return start, end + len(rest) - len(stripped) + 1
        if not stripped:
            return start, len(text)
        return comment.start, end
    start = comment.start
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    return start, end


def decode(data: bytes) -> tuple[Optional[str], Optional[str]]:
    """Text of a file: UTF-8 (BOM stripped), or UTF-16 with a BOM; else (None, why)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, "File starts with a UTF-16 byte-order mark but is not valid UTF-16"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, f"File is not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); re-save it as UTF-8"
