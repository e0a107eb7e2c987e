"""``check --add-noqa``: adopt the linter on an existing codebase (ruff's ``--add-noqa``).

Every current finding gets a ``pgpool-lint: ignore[rule-name]`` comment in the file's own
comment syntax; from then on only new findings are reported, and ``unused-suppression``
shows the suppressions the code has outgrown.  The placement is proven, never assumed:

- each inserted comment must read as a comment of the file's language (the host's own
  reader: pglast's SQL lexer, Python's tokenizer, tree-sitter, the settings readers), so
  no string, value or statement changes — code is never touched;
- re-linting the edited text must show the finding gone and nothing new.

Where to put it, in order: at the end of the finding's line; alone on the line above it;
then above each earlier line (SQL in a multi-line string: above the call that sends it).
All findings try one placement together (one re-lint); only when that batch fails is each
line tried alone.  Running it again adds nothing.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Optional

from ..core.positions import LineIndex

if TYPE_CHECKING:
    from ..core.diagnostics import Diagnostic
    from .linter import Linter

#: findings a suppression comment is not for (unreadable files, the directives themselves)
NOT_SUPPRESSED = frozenset({"PGB100", "PGB101", "PGB900"})
LOOK_BACK = 12  # earlier lines tried, for SQL inside a multi-line string
#: line-comment markers of the settings readers (``settings.settings_kind``); SQL files use
#: ``--`` and code files their language's (``comment_marker``)
SETTINGS_MARKERS = {"prisma": "//", "ini": "#", "json": "//"}
CODE_MARKERS = {"python": "#", "ruby": "#", "elixir": "#", "php": "//", "javascript": "//", "typescript": "//",
                "go": "//", "java": "//", "kotlin": "//", "csharp": "//", "rust": "//"}


@dataclass
class NoqaOutcome:
    added: int = 0  # suppression comments written
    notes: list[str] = field(default_factory=list)


def comment_marker(filename: str) -> Optional[str]:
    """The line-comment marker of the language ``filename`` is linted as."""
    from ..code import source_kind
    from ..settings import settings_kind

    kind = source_kind(filename)
    if kind == "sql":
        settings = settings_kind(filename)
        return "--" if settings is None else SETTINGS_MARKERS.get(settings, "#")
    return CODE_MARKERS.get(kind)


def host_comments(linter: "Linter", text: str, filename: str) -> list[tuple[int, int]]:
    """(start, end) of every comment of the file, as its own language reads it."""
    from ..code import source_kind
    from ..settings import comments as settings_comments, settings_kind

    kind = source_kind(filename)
    if kind == "sql":
        settings = settings_kind(filename)
        if settings is None:
            from ..sql.neutralise import lex_comments

            return [(c.start, c.end) for c in lex_comments(text)]
        return [(c.start, c.end) for c in settings_comments(text, settings)]
    from ..code import _call_sites, candidate_keywords, host_module

    try:
        _, found = host_module(kind).scan(text, _call_sites(linter, kind), candidate_keywords(linter), True, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return [(c.start, c.end) for c in found]


def _candidates(text: str, index: LineIndex, row: int, marker: str, names: str, settings: bool) -> Iterator[tuple[int, str]]:
    """(offset, text to insert) for a suppression of ``names`` covering line ``row``, best first."""
    def parts(line: int) -> tuple[int, str, str, str]:
        start = index.line_start(line)
        end = index.line_start(line + 1) if line < index.line_count else len(text)
        whole = text[start:end]
        body = whole.rstrip("\r\n")
        newline = whole[len(body):] or ("\r\n" if "\r\n" in text else "\n")
        return start, body, newline, body[: len(body) - len(body.lstrip())]

    directive = f"{marker} pgpool-lint: ignore[{names}]"
    start, body, newline, indent = parts(row)
    if not settings:  # a settings value may run to the end of its line (.properties, dotenv)
        yield start + len(body), f"  {directive}"
    yield start, f"{indent}{directive}{newline}"
    for earlier in range(row - 1, max(0, row - LOOK_BACK), -1):
        start, body, newline, indent = parts(earlier)
        if body.strip():
            yield start, f"{indent}{directive}{newline}"


def _apply(text: str, inserts: dict[int, str]) -> str:
    pieces, last = [], 0
    for at in sorted(inserts):
        pieces += [text[last:at], inserts[at]]
        last = at
    return "".join(pieces) + text[last:]


def _are_comments(linter: "Linter", edited: str, filename: str, inserts: dict[int, str]) -> bool:
    """Every inserted directive reads as a comment of the file's language in ``edited``."""
    spans = host_comments(linter, edited, filename)
    shift = 0
    for at in sorted(inserts):
        content = inserts[at]
        begin = at + shift + (len(content) - len(content.lstrip()))
        finish = at + shift + len(content.rstrip("\r\n"))
        if not any(s <= begin and finish <= e for s, e in spans):
            return False
        shift += len(content)
    return True


def _keys(diagnostics: "list[Diagnostic]") -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for d in diagnostics:
        if d.code not in NOT_SUPPRESSED:
            counts[(d.code, d.message)] = counts.get((d.code, d.message), 0) + 1
    return counts


def suppress_all(linter: "Linter", text: str, filename: str) -> tuple[str, int, list["Diagnostic"]]:
    """(edited text, comments added, findings left without a place for a comment)."""
    marker = comment_marker(filename)
    result = linter.lint_decoded(text, filename)
    pending = [d for d in result.diagnostics if d.code not in NOT_SUPPRESSED]
    if marker is None or result.skipped or not pending:
        return text, 0, pending
    from ..code import source_kind
    from ..settings import settings_kind

    settings = source_kind(filename) == "sql" and settings_kind(filename) is not None
    added = 0
    for attempt in range(LOOK_BACK + 2):
        index = LineIndex(text)
        by_row: dict[int, list["Diagnostic"]] = {}
        for d in pending:
            by_row.setdefault(d.location[0], []).append(d)
        plans: list[tuple[int, str, list["Diagnostic"]]] = []
        for row, found in by_row.items():
            names = ", ".join(sorted({d.name for d in found}, key=lambda n: linter.catalogue.get(n).code))
            for number, (at, content) in enumerate(_candidates(text, index, row, marker, names, settings)):
                if number == attempt:
                    plans.append((at, content, found))
                    break
        if not plans:
            break
        text, done, pending = _try(linter, text, filename, plans, pending)
        added += done
        if not pending:
            break
    return text, added, pending


def _try(linter: "Linter", text: str, filename: str, plans, pending):
    """Apply ``plans`` together when that is proven to work, else each one alone."""
    def attempt(group) -> Optional[tuple[str, list]]:
        inserts: dict[int, str] = {}
        for at, content, _ in group:
            if at in inserts:
                return None  # two rows want the same spot: they go one at a time
            inserts[at] = content
        edited = _apply(text, inserts)
        if not _are_comments(linter, edited, filename, inserts):
            return None
        after = linter.lint_decoded(edited, filename)
        if after.skipped:
            return None
        expected = _keys(pending)
        for _, _, found in group:
            for key in _keys(found):
                expected[key] -= _keys(found)[key]
        left = _keys(after.diagnostics)
        if {k: v for k, v in left.items() if v} != {k: v for k, v in expected.items() if v}:
            return None
        return edited, [d for d in after.diagnostics if d.code not in NOT_SUPPRESSED]

    together = attempt(plans)
    if together is not None:
        return together[0], len(plans), together[1]
    done = 0
    for plan in sorted(plans, key=lambda p: -p[0]):  # from the end: earlier offsets stay valid
        alone = attempt([plan])
        if alone is not None:
            text, pending = alone
            done += 1
    return text, done, pending


def add_noqa(linter: "Linter", path: Optional[Path], display: str) -> NoqaOutcome:
    """Suppress every current finding of the file at ``path``; write it only if it changed."""
    from .fixer import FileChanged, atomic_write, encoding_of
    from .linter import decode

    outcome = NoqaOutcome()
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > linter.settings.max_file_size:
            return outcome
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        outcome.notes.append(f"cannot read it: {exc.strerror or exc}")
        return outcome
    text, _ = decode(data)
    encoding = encoding_of(data)
    if text is None or encoding.encode(text) != data:
        return outcome  # unreadable or not byte-exact: reported by a normal check, never rewritten
    edited, added, left = suppress_all(linter, text, display)
    if left:
        rows = ", ".join(str(d.location[0]) for d in left[:5]) + (" ..." if len(left) > 5 else "")
        outcome.notes.append(f"no comment could be placed for {len(left)} finding{'s' if len(left) != 1 else ''} "
                             f"(line {rows}): suppress {'them' if len(left) != 1 else 'it'} by hand or fix "
                             f"{'them' if len(left) != 1 else 'it'}")
    if added:
        try:
            atomic_write(os.path.realpath(path), encoding.encode(edited), st)
        except (FileChanged, OSError) as exc:
            outcome.notes.append(f"not written: {getattr(exc, 'strerror', None) or 'it changed on disk'}")
            return outcome
        outcome.added = added
    return outcome
