"""``check --fix`` / ``--diff``: apply the findings' fixes to files without ever losing data.

- Fixes are applied in passes until none is left (at most ``MAX_PASSES``): a fix can make
  another one possible, and two fixes that touch the same text wait for the next pass.
- Every pass is verified before it is kept: the text must parse no worse than before and
  every rule must have fewer findings by at least the number of findings the pass fixed.
  When a pass fails, its fixes are added one at a time, each kept when the set still
  verifies; one that fails alone is refused.  Once the text changed, refused fixes are tried
  again (an earlier fix may have made them work), so one run reaches the fixed point: only
  what is still refused then is reported.
- A file is written only when its text changed, atomically (temporary file in the same
  directory, ``os.replace``), with its permissions, group, extended attributes (ACLs),
  encoding, byte-order mark and line endings kept.  It is refused (one line, the file left
  as it is) when a rename over it cannot keep what it is: read-only, another user's, with
  hard links, or when it changed on disk meanwhile; and when its real path is outside the
  real directories of the paths given on the command line (a symlink, or a path through a
  symlinked directory, that leads out of the project).
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Optional

from ..core.diagnostics import Diagnostic, Fix
from ..fix.edits import SAFE, UNSAFE, apply_fixes, choose_fixes
from ..report import terminal_safe

if TYPE_CHECKING:  # pragma: no cover
    from .linter import FileResult, Linter

MAX_PASSES = 10
PARSE_ERROR = "PGB000"


@dataclass
class Refusal:
    diagnostic: Diagnostic
    reason: str


@dataclass
class TextFix:
    """What fixing one text did."""

    original: str
    text: str  # the fixed text
    remaining: list[Diagnostic]  # findings of the fixed text
    applied: list[Diagnostic] = field(default_factory=list)  # findings whose fix was applied
    refused: list[Refusal] = field(default_factory=list)
    converged: bool = True
    skipped: Optional[str] = None  # the re-lint could not read the text (should not happen)
    error: Optional[str] = None  # part of the text could not be read: left unfixed, the run exits 2

    @property
    def changed(self) -> bool:
        return self.text != self.original


def applicabilities(unsafe: bool) -> frozenset[str]:
    return frozenset({SAFE, UNSAFE}) if unsafe else frozenset({SAFE})


# --- fixing text -----------------------------------------------------------------------

@dataclass
class _State:
    text: str
    diagnostics: list[Diagnostic]
    parse_errors: int


def fix_text(text: str, lint: Callable[[str], "FileResult"], parse_errors: Callable[[str, list[Diagnostic]], int],
             allowed: Iterable[str]) -> TextFix:
    """Apply the ``allowed`` fixes of ``lint(text)``'s findings until stable.

    ``parse_errors(text, diagnostics)`` counts what does not parse in a text (the verifier
    refuses a fix that makes it grow).
    """
    allowed = frozenset(allowed)
    first = lint(text)
    if first.skipped or first.error:
        return TextFix(text, text, first.diagnostics, skipped=first.skipped, error=first.error)
    state = _State(text, first.diagnostics, parse_errors(text, first.diagnostics))
    result = TextFix(text, text, state.diagnostics)
    refused: dict[tuple, list[Refusal]] = {}  # fixes refused since the text last changed
    for _ in range(MAX_PASSES):
        candidates = [d for d in state.diagnostics if d.fix is not None and d.fix.applicability in allowed
                      and d.fix.edits and _key(state.text, d.fix) not in refused]
        fixes = choose_fixes(d.fix for d in candidates)
        if not fixes:
            break
        outcome = _verified(state, fixes, lint, parse_errors)
        if isinstance(outcome, str):
            outcome = _one_at_a_time(state, fixes, lint, parse_errors, refused)
            if outcome is None:
                continue  # every fix of this pass was refused: the next pass tries what is left
        new_state, kept = outcome
        result.applied.extend(d for d in state.diagnostics if d.fix in kept)
        state = new_state
        refused.clear()  # the text changed: a fix refused before may work now
    else:
        result.converged = False
    result.refused = [r for refusals in refused.values() for r in refusals]
    result.text = state.text
    result.remaining = state.diagnostics
    return result


def _key(text: str, fix: Fix) -> tuple:
    """What a fix does, independent of where earlier fixes moved it."""
    return fix.message, tuple((text[e.start:e.end], e.content) for e in fix.edits)


def _verified(state: _State, fixes: list[Fix], lint, parse_errors) -> "tuple[_State, list[Fix]] | str":
    """The state after ``fixes``, or why they cannot be kept."""
    text = apply_fixes(state.text, fixes)
    result = lint(text)
    if result.skipped:
        return f"it would make the file unparseable ({result.skipped})"
    errors = parse_errors(text, result.diagnostics)
    if errors > state.parse_errors:
        return "it would make the file unparseable"
    before = Counter(d.code for d in state.diagnostics)
    fixed = Counter(d.code for d in state.diagnostics if d.fix in fixes)
    after = Counter(d.code for d in result.diagnostics)
    for code, count in sorted(after.items()):
        if code != PARSE_ERROR and count > before[code] - fixed[code]:
            if count > before[code]:
                return f"it would add a {code} finding"
            return f"it would not remove the {code} finding it is meant to fix"
    return _State(text, result.diagnostics, errors), fixes


def _one_at_a_time(state: _State, fixes: list[Fix], lint, parse_errors,
                   refused: dict) -> "tuple[_State, list[Fix]] | None":
    """Add the fixes one at a time, keeping each one with which the set still verifies.  One
    that fails alone is refused (recorded in ``refused``); one that works alone but not with
    those kept waits for the next pass.  None when nothing could be kept."""
    kept: "tuple[_State, list[Fix]] | None" = None
    for fix in fixes:
        outcome = _verified(state, (kept[1] if kept else []) + [fix], lint, parse_errors)
        if not isinstance(outcome, str):
            kept = outcome
            continue
        if kept is not None:
            outcome = _verified(state, [fix], lint, parse_errors)
            if not isinstance(outcome, str):
                continue
        refused[_key(state.text, fix)] = [Refusal(d, outcome) for d in state.diagnostics if d.fix == fix]
    return kept


# --- files -----------------------------------------------------------------------------

@dataclass
class FileFix:
    display: str
    fixed: Optional[TextFix] = None
    result: Optional["FileResult"] = None  # the report for this file (findings left)
    written: bool = False
    problem: Optional[str] = None  # why the file was not (re)written although it had fixes


@dataclass(frozen=True)
class Encoding:
    codec: str
    bom: bytes

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


def encoding_of(data: bytes) -> Encoding:
    """How ``linter.decode`` read these bytes, so the fixed text is written back the same way."""
    if data.startswith(b"\xef\xbb\xbf"):
        return Encoding("utf-8", b"\xef\xbb\xbf")
    if data.startswith(b"\xff\xfe"):
        return Encoding("utf-16-le", b"\xff\xfe")
    if data.startswith(b"\xfe\xff"):
        return Encoding("utf-16-be", b"\xfe\xff")
    return Encoding("utf-8", b"")


class Fixer:
    """Fixes files for the CLI: ``allowed`` applicabilities, ``write`` False for ``--diff``."""

    def __init__(self, linter: "Linter", allowed: Iterable[str], write: bool, roots: Iterable[str]) -> None:
        self.linter = linter
        self.allowed = frozenset(allowed)
        self.write = write
        #: files may only be written at or below these real paths (the paths given)
        self.roots = writable_roots(roots)

    def fix_text(self, text: str, display: str) -> TextFix:
        return fix_text(text, lambda t: self.linter.lint_decoded(t, display),
                        lambda t, diagnostics: self._parse_errors(t, display, diagnostics), self.allowed)

    def _parse_errors(self, text: str, display: str, diagnostics: list[Diagnostic]) -> int:
        """Statements PostgreSQL cannot parse: counted directly for a SQL file (whatever rules
        are selected); for code, the parse-error findings of its SQL (its own syntax is checked
        by the re-lint, which skips a file that does not parse)."""
        from ..code import source_kind

        if source_kind(display) == "sql":
            from ..sql.neutralise import neutralise
            from ..sql.split import split_with_recovery

            return len(split_with_recovery(neutralise(text).replace("\x00", " "))[1]) + ("\x00" in text)
        return sum(d.code == PARSE_ERROR for d in diagnostics)

    def fix_stdin(self, data: bytes, display: str) -> tuple[FileFix, bytes]:
        """(outcome, the bytes to print): stdin is never written back; its fixed text goes to stdout."""
        from .linter import FileResult, decode

        text, problem = decode(data)
        if text is None:
            return FileFix(display, result=self.linter.lint_bytes(data, display)), data
        fixed = self.fix_text(text, display)
        out = encoding_of(data).encode(fixed.text) if fixed.changed else data
        return FileFix(display, fixed, FileResult(display, fixed.remaining, text=fixed.text, skipped=fixed.skipped, error=fixed.error)), out

    def fix_path(self, path: str, display: str) -> FileFix:
        from .linter import FileResult, decode

        settings = self.linter.settings
        try:
            st = os.stat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > settings.max_file_size:
                return FileFix(display, result=self.linter.lint_path(path, display))
            with open(path, "rb") as fh:
                data = fh.read(settings.max_file_size + 1)
        except OSError:
            return FileFix(display, result=self.linter.lint_path(path, display))
        text, _ = decode(data)
        if text is None or len(data) > settings.max_file_size:
            return FileFix(display, result=self.linter.lint_bytes(data, display))
        fixed = self.fix_text(text, display)
        outcome = FileFix(display, fixed, FileResult(display, fixed.remaining, text=fixed.text, skipped=fixed.skipped, error=fixed.error))
        if not fixed.changed or not self.write:
            return outcome
        encoding = encoding_of(data)
        if encoding.encode(text) != data:
            return self._not_written(outcome, text, "its bytes do not survive decoding and encoding unchanged")
        target = os.path.realpath(path)
        if not any(_below(target, root) for root in self.roots):
            return self._not_written(outcome, text, "its real path is outside the given paths (a symlink leads out)")
        why = cannot_replace(st)
        if why is not None:
            return self._not_written(outcome, text, why)
        try:
            atomic_write(target, encoding.encode(fixed.text), st)
        except FileChanged:
            return self._not_written(outcome, text, "it changed on disk while it was being fixed")
        except MetadataLost as exc:
            return self._not_written(outcome, text, str(exc))
        except OSError as exc:
            return self._not_written(outcome, text, f"cannot write it: {exc.strerror or exc}")
        outcome.written = True
        return outcome

    def _not_written(self, outcome: FileFix, text: str, why: str) -> FileFix:
        """The file stays as it was: report its findings as they are on disk."""
        outcome.problem = why
        outcome.result = self.linter.lint_decoded(text, outcome.display)
        return outcome


def _below(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def writable_roots(named: Iterable[str]) -> list[str]:
    """The real directories below which ``--fix`` may write: each named directory, or the
    directory of each named file.  A named path below the working directory whose real
    directory is not (it goes through a symlinked directory) gives no root at all."""
    cwd = os.path.realpath(os.getcwd())
    roots = []
    for path in named:
        if path == "-":
            continue
        anchor = path if os.path.isdir(path) else os.path.dirname(path) or "."
        real = os.path.realpath(anchor)
        if _below(os.path.abspath(anchor), cwd) and not _below(real, cwd):
            continue
        roots.append(real)
    return roots


def cannot_replace(st: os.stat_result) -> Optional[str]:
    """Why renaming a new file over this one would change what it is, or None.  A rename
    ignores the file's own permissions and makes a new inode: it would rewrite a read-only
    or another user's file, take its owner, and split its hard links."""
    if st.st_nlink > 1:
        return f"it has {st.st_nlink} hard links (rewriting it would split them)"
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return f"it belongs to another user (uid {st.st_uid})"
    if not st.st_mode & stat.S_IWUSR:
        return "it is read-only"
    return None


class FileChanged(Exception):
    pass


class MetadataLost(Exception):
    """The new file could not be given the old one's group or extended attributes."""


def _copy_metadata(path: str, tmp: str, before: os.stat_result) -> None:
    """Mode, group and extended attributes (POSIX ACLs live there) of ``path`` onto ``tmp``."""
    os.chmod(tmp, stat.S_IMODE(before.st_mode))
    if hasattr(os, "chown") and before.st_gid != os.stat(tmp).st_gid:
        try:
            os.chown(tmp, -1, before.st_gid)
        except OSError:
            raise MetadataLost(f"its group (gid {before.st_gid}) could not be kept") from None
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(path)
    except OSError:
        return  # the file system has no extended attributes
    for name in names:
        try:
            os.setxattr(tmp, name, os.getxattr(path, name))
        except OSError as exc:
            raise MetadataLost(f"its extended attribute {name} could not be kept ({exc.strerror or exc})") from None
    # the mode again: setting an ACL rewrites the group bits
    os.chmod(tmp, stat.S_IMODE(before.st_mode))


def atomic_write(path: str, data: bytes, before: os.stat_result) -> None:
    """Replace ``path`` with ``data`` atomically, keeping its permissions, group and extended
    attributes (MetadataLost when they cannot be kept); refuse with FileChanged when the file
    is no longer the one that was read."""
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".pgpool-lint-tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _copy_metadata(path, tmp, before)
        now = os.stat(path)
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (before.st_ino, before.st_size, before.st_mtime_ns):
            raise FileChanged(path)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --- reporting -------------------------------------------------------------------------

def unified_diff(before: str, after: str, name: str) -> str:
    """A unified diff of two texts, ``\\ No newline at end of file`` where it applies."""
    lines = []
    name = terminal_safe(name)  # a header line must stay one line, whatever the file is called
    old, new = (name, name) if os.path.isabs(name) else (f"a/{name}", f"b/{name}")  # `git apply` / `patch -p1`
    for line in difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                     fromfile=old, tofile=new):
        lines.append(line)
        if not line.endswith(("\n", "\r")):
            lines.append("\n\\ No newline at end of file\n")
    return "".join(lines)


def fixed_summary(outcomes: Iterable[FileFix], catalogue) -> str:
    """``--show-fixes``: ``Fixed N findings:`` and, per file, how many of each rule (ruff's shape)."""
    per_file = [(o.display, Counter(d.code for d in o.fixed.applied)) for o in outcomes
                if o.fixed is not None and o.fixed.applied and (o.written or o.problem is None)]
    total = sum(sum(c.values()) for _, c in per_file)
    if not total:
        return "No findings fixed.\n"
    out = [f"Fixed {total} finding{'s' if total != 1 else ''}:\n"]
    for display, counts in per_file:
        out.append(f"- {terminal_safe(display)}:\n")
        for code, n in sorted(counts.items()):
            out.append(f"    {n} × {code} ({catalogue.get(code).name})\n")
    return "".join(out)


class FixRun:
    """One ``check --fix`` / ``--diff`` run over many files, for the CLI."""

    def __init__(self, fixer: Fixer, catalogue, diff: bool, show_fixes: bool) -> None:
        self.fixer = fixer
        self.catalogue = catalogue
        self.diff = diff
        self.show_fixes = show_fixes
        self.outcomes: list[FileFix] = []
        self.stdin_output: Optional[bytes] = None

    def lint_path(self, path, display: str) -> "FileResult":
        outcome = self.fixer.fix_path(str(path), display)
        self.outcomes.append(outcome)
        return outcome.result

    def lint_stdin(self, data: bytes, display: str) -> "FileResult":
        outcome, self.stdin_output = self.fixer.fix_stdin(data, display)
        self.outcomes.append(outcome)
        return outcome.result

    def fixed_count(self) -> int:
        return sum(len(o.fixed.applied) for o in self.outcomes if o.fixed is not None and o.problem is None)

    def notes(self) -> list[str]:
        """Warnings for stderr: refused fixes, files not written, passes that did not settle."""
        notes = []
        for o in self.outcomes:
            if o.fixed is None:
                continue
            for r in o.fixed.refused:
                d = r.diagnostic
                notes.append(f"{o.display}:{d.location[0]}:{d.location[1]}: fix for {d.code} refused: {r.reason}")
            if not o.fixed.converged:
                notes.append(f"{o.display}: fixes still left after {MAX_PASSES} passes; run --fix again")
            if o.problem is not None:
                notes.append(f"{o.display}: not fixed: {o.problem}")
        return notes

    def diff_text(self) -> str:
        return "".join(unified_diff(o.fixed.original, o.fixed.text, o.display) for o in self.outcomes
                       if o.fixed is not None and o.fixed.changed)

    def summary(self) -> str:
        n = self.fixed_count()
        files = sum(1 for o in self.outcomes if o.fixed is not None and o.fixed.applied and o.problem is None)
        verb = "Would fix" if self.diff else "Fixed"
        return f"{verb} {n} finding{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}."

    def show(self) -> str:
        return fixed_summary(self.outcomes, self.catalogue)
