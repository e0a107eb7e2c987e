"""SQL inside application code and migrations: Python, JavaScript/TypeScript, Ruby, Go, Java,
Elixir, PHP, C#, Rust, Kotlin.

A file's language comes from its extension.  Each language module finds the string
expressions that are SQL (``fragments.Fragment``: SQL text plus the host offset of every
character); each fragment goes through the same engine and rules as a ``.sql`` file, and
the findings are mapped back to exact places in the host file before the usual positions,
suppressions and per-file ignores (``Linter.finish``).

Which strings are SQL: the first string argument of a known SQL call site
(``callsites.py``, configurable), or, anywhere else, a string that starts with a SQL
keyword (all upper or all lower case) *and* parses as SQL.  Docstrings, comments and the
arguments of logging / printing / exception calls are never read.  Parse errors (PGB000)
are reported only for SQL at known call sites whose whole text is known.

Speed: a file none of whose bytes spell a word the enabled checks look for is not parsed at
all (neither as code nor as SQL); within a file, a string without such a word is never
parsed as SQL.
"""

from __future__ import annotations

import importlib
import os
import re
from typing import TYPE_CHECKING

from ..core.lazyre import lazy_re

if TYPE_CHECKING:  # pragma: no cover
    from ..core.diagnostics import Diagnostic
    from ..core.findings import Finding
    from ..lint.linter import Linter
    from .callsites import CallSites
    from .fragments import Fragment, Keywords

#: file extension -> source kind (as reported in JSON ``source_kind``)
SOURCE_KINDS = {
    ".sql": "sql",
    ".py": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".rb": "ruby", ".rake": "ruby", ".gemspec": "ruby", ".ru": "ruby", ".thor": "ruby",
    ".go": "go",
    ".java": "java",
    ".ex": "elixir", ".exs": "elixir",
    ".php": "php",
    ".cs": "csharp",
    ".rs": "rust",
    ".kt": "kotlin", ".kts": "kotlin",
}
CODE_EXTENSIONS = tuple(ext for ext, kind in SOURCE_KINDS.items() if kind != "sql")
#: file extensions linted when walking a directory
DIRECTORY_EXTENSIONS = (".sql", ".py", ".pyw", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts",
                        ".rb", ".rake", ".gemspec", ".ru", ".thor", ".go", ".java", ".ex", ".exs", ".php", ".cs",
                        ".rs", ".kt", ".kts")  # the same as SOURCE_KINDS (a test checks it)
#: code files linted when walking a directory by their whole name (lower case; SOURCE_NAMES)
DIRECTORY_NAMES = ("rakefile", "gemfile", "guardfile", "capfile", "podfile", "vagrantfile", "brewfile", "fastfile",
                   "dangerfile")

_MODULES = {
    "python": "python_source", "javascript": "javascript_source", "typescript": "javascript_source",
    "ruby": "ruby_source", "go": "go_source", "java": "java_source", "elixir": "elixir_source",
    "php": "php_source", "csharp": "csharp_source", "rust": "rust_source", "kotlin": "kotlin_source",
}
PARSE_ERROR = "PGB000"


def host_module(kind: str):
    """What reads a code file of ``kind``: ``scan`` (and ``helpers``, when the language shares
    helpers across a directory) — a tree-sitter module's ``HOST``, or the module itself."""
    from .hosts import host_of

    return host_of(importlib.import_module(f"{__name__}.{_MODULES[kind]}"))


#: code files known by their whole name (pre-commit's ``types_or: [ruby]`` hands them over)
SOURCE_NAMES = {"rakefile": "ruby", "gemfile": "ruby", "guardfile": "ruby", "capfile": "ruby", "podfile": "ruby",
                "vagrantfile": "ruby", "brewfile": "ruby", "fastfile": "ruby", "dangerfile": "ruby"}


def source_kind(filename: str) -> str:
    """The language of a file, by its extension or its name (``Rakefile``); SQL for anything else."""
    base = os.path.basename(filename)
    return SOURCE_NAMES.get(base.lower()) or SOURCE_KINDS.get(os.path.splitext(base)[1].lower(), "sql")


def candidate_keywords(linter: "Linter") -> "Keywords":
    """What a string must spell to possibly be a finding, from what the enabled checks declare
    (everything when the gate is off)."""
    cached = getattr(linter, "_candidate_keywords", None)
    if cached is not None:
        return cached
    from .fragments import Keywords

    if linter.gate.enabled:
        first: set[str] = set()
        subs: set[str] = set()
        for check in linter.checks:
            first |= set(check.first_words)
            subs |= set(check.substrings)
        keywords = Keywords(first, subs)
    else:
        keywords = Keywords(None)
    linter._candidate_keywords = keywords  # type: ignore[attr-defined]
    return keywords


def _call_sites(linter: "Linter", kind: str) -> "CallSites":
    cache = getattr(linter, "_call_sites", None)
    if cache is None:
        cache = linter._call_sites = {}  # type: ignore[attr-defined]
    if kind not in cache:
        from .callsites import call_sites_for

        settings = linter.settings
        cache[kind] = call_sites_for(kind, getattr(settings, "sql_call_sites", None),
                                     getattr(settings, "extend_sql_call_sites", ()))
    return cache[kind]


#: bounds on what is read of a directory for helpers (hostile repositories): entries, file size
_HELPER_ENTRIES = 1000
_HELPER_FILE_BYTES = 512 * 1024


def package_helpers(linter: "Linter", call_sites: "CallSites", filename: str, kind: str, module) -> "CallSites":
    """``call_sites`` plus the helpers the other files of the same directory and language define
    (a Go package's ``mustExec`` in helper_test.go, a Python test package's ``run_sql``) and,
    for Python, the ``conftest.py`` of the directories above (pytest shares helpers there): a
    function whose parameter reaches a SQL call.  Read once per directory; a host module without
    a ``helpers`` function (text -> {name: position}) contributes none."""
    finder = getattr(module, "helpers", None)
    if finder is None or not filename or filename == "-":
        return call_sites
    directory = os.path.dirname(filename) or "."
    cache = linter.__dict__.setdefault("_package_helpers", {})
    key = (os.path.realpath(directory), kind)
    if key not in cache:
        found = _read_package_helpers(directory, kind, call_sites, finder)
        if kind == "python":
            root = os.path.realpath(getattr(linter.settings, "root", None) or os.getcwd())
            parent = os.path.dirname(key[0])
            for _ in range(_CONFTEST_LEVELS):
                if parent == os.path.dirname(parent) or os.path.commonpath([parent, root]) != root:
                    break  # never above the project (the config file's directory, or the working one)
                for name, position in _helpers_of_file(os.path.join(parent, "conftest.py"), "conftest.py",
                                                       call_sites, finder).items():
                    found.setdefault(name, position)
                parent = os.path.dirname(parent)
        cache[key] = found
    return call_sites.with_helpers(cache[key]) if cache[key] else call_sites


#: how many directories above a Python file are searched for a conftest.py
_CONFTEST_LEVELS = 8


def _read_package_helpers(directory: str, kind: str, call_sites: "CallSites", finder) -> dict[str, int]:
    from itertools import islice

    found: dict[str, int] = {}
    try:
        with os.scandir(directory) as listing:
            entries = sorted(islice(listing, _HELPER_ENTRIES), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        try:
            if not entry.is_file(follow_symlinks=False) or source_kind(entry.name) != kind:
                continue
        except OSError:
            continue
        for name, position in _helpers_of_file(entry.path, entry.name, call_sites, finder).items():
            found.setdefault(name, position)
    return found


def _helpers_of_file(path: str, name: str, call_sites: "CallSites", finder) -> dict[str, int]:
    """The helpers one file defines; nothing for a file that is missing, large, not UTF-8, not
    valid code, or that calls no SQL function at all (then it is not parsed)."""
    try:
        if os.path.islink(path) or os.path.getsize(path) > _HELPER_FILE_BYTES:
            return {}
        with open(path, "rb") as fh:
            text = fh.read(_HELPER_FILE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if not any(f"{word}(" in text for word in call_sites.names):
        return {}
    try:
        return finder(text, call_sites, name)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}


class HostSyntaxError(Exception):
    """The file is not valid code in its language (only Python's parser refuses files)."""


def lint_code(linter: "Linter", text: str, filename: str, kind: str) -> list["Diagnostic"]:
    """Diagnostics for the SQL in one code file.  Raises HostSyntaxError."""
    keywords = candidate_keywords(linter)
    lowered = text.lower()
    if not keywords.found_in(text) and "pgpool-lint" not in lowered:
        # no string in this file could be a finding (and no directive to judge as unused):
        # no host parse, no SQL parse
        return []
    other = _other_database(linter, text, filename)
    if other is not None:  # a MySQL dialect module, a script for SQLite: its SQL is not PostgreSQL's
        linter.skip([other])
        return []
    call_sites = _call_sites(linter, kind)
    host = host_module(kind)
    call_sites = package_helpers(linter, call_sites, filename, kind, host)
    want_comments = "pgpool-lint" in lowered or _names_our_noqa(lowered)
    try:
        fragments, comments = host.scan(text, call_sites, keywords, want_comments, filename)
    except RecursionError:
        raise HostSyntaxError("nested too deeply to read (e.g. thousands of concatenated strings)") from None
    except (SyntaxError, ValueError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise HostSyntaxError(f"not valid {kind}{where}: {getattr(exc, 'msg', None) or exc}") from None
    findings: list["Finding"] = []
    for fragment in fragments:
        findings.extend(analyse_fragment(linter, fragment, text, keywords))
        if want_comments:
            comments.extend(sql_comments_of(fragment, text))
    return linter.finish(findings, text, filename, [c for c in comments if is_our_directive(c.text)], kind)


_BARE_NOQA = lazy_re(r"noqa(?![ \t]*:)")
_NOQA_LIST = lazy_re(r"noqa[ \t]*:")


def _names_our_noqa(lowered: str) -> bool:
    """A bare ``noqa``, or a ``noqa:`` with a PGB code later on its line (``# noqa: E501`` is
    another linter's).  Each line is searched for ``pgb`` once, however many ``noqa:`` it holds."""
    if _BARE_NOQA.search(lowered):
        return True
    m = _NOQA_LIST.search(lowered)
    while m is not None:
        line_end = lowered.find("\n", m.end())
        line_end = len(lowered) if line_end == -1 else line_end
        if "pgb" in lowered[m.end():line_end]:
            return True
        m = _NOQA_LIST.search(lowered, line_end)
    return False

_NOQA_CODES = lazy_re(r"\bnoqa\s*:\s*([A-Za-z0-9_, -]+)", re.IGNORECASE)
_OUR_CODE = lazy_re(r"PGB\d+$", re.IGNORECASE)


def is_our_directive(comment: str) -> bool:
    """A host comment that speaks to pgpool-lint.  ``# noqa: E501`` belongs to another linter
    (ruff, flake8, eslint-plugin ...): it is neither obeyed nor reported as an unknown rule;
    a bare ``# noqa`` or one naming only PGB codes is ours too."""
    lowered = comment.lower()
    if "pgpool-lint" in lowered:
        return True
    if "noqa" not in lowered:
        return False
    m = _NOQA_CODES.search(comment)
    if m is None:
        return True
    codes = [c for c in re.split(r"[\s,]+", m.group(1).strip()) if c]
    return bool(codes) and all(_OUR_CODE.match(c) for c in codes)


def _other_database(linter: "Linter", text: str, filename: str):
    """Another database the whole file's SQL is for (``dialect.Verdict``): by the ``dialects``
    config or its folder, or the one client it names (none of PostgreSQL's)."""
    from ..sql.dialect import from_code

    dialect_of = getattr(linter, "dialect_of", None)
    verdict = dialect_of(filename) if dialect_of is not None else None
    if verdict is not None:
        return verdict
    if getattr(linter, "_declared_postgres", lambda _: False)(filename):
        return None
    client, also_postgres = from_code(text)
    return None if also_postgres else client


def analyse_fragment(linter: "Linter", fragment: "Fragment", host_text: str,
                     keywords: "Keywords") -> list["Finding"]:
    """Run the engine on one fragment; findings come back with host-file offsets."""
    from dataclasses import replace

    from ..sql.engine import analyse_sql
    from .fragments import parses_cleanly, remap_fix, starts_like_sql

    sql = fragment.sql
    if not keywords.found_in(sql):
        return []
    if not fragment.known and not (starts_like_sql(sql, strict_case=True) and parses_cleanly(sql)):
        return []
    if fragment.holes and fragment.known and not parses_cleanly(sql):
        sql = _without_holes(fragment, sql)
    if fragment.dialect is not None:  # `if is_crdb(conn):` ... another database's SQL
        linter.skip([fragment.dialect])
        return []
    active = getattr(linter, "active", linter.settings.enabled)
    report_parse_errors = (PARSE_ERROR in active and fragment.known and fragment.complete
                           and starts_like_sql(sql, strict_case=False))
    # The transaction around one string in code is not visible (psycopg, Alembic, Django, Rails,
    # goose and Flyway open one; node-postgres and JDBC autocommit): assume one, so that rules
    # which only fire outside a transaction do not guess.
    findings, ctx = analyse_sql(fragment.shown(host_text), linter.checks, linter.gate, linter.profile,
                                True, report_parse_errors=report_parse_errors, parsed=sql,
                                target=getattr(linter.settings, "target", None),
                                guessed_transaction=not linter.settings.assume_in_transaction)
    if ctx.skipped and hasattr(linter, "skip"):
        linter.skip(ctx.skipped)
    out = []
    for f in findings:
        statement_start = f.statement_start if f.statement_start is not None else f.start
        if fragment.in_hole(statement_start):
            continue  # the statement's keyword is interpolated: we cannot know what it is
        out.append(replace(
            f, start=fragment.to_host(f.start),
            end=fragment.to_host_end(f.end) if f.end > f.start else fragment.to_host(f.start),
            fix=remap_fix(f.fix, fragment, host_text), statement_start=fragment.to_host(statement_start),
            anchor=fragment.anchor,
        ))
    return out


def _without_holes(fragment: "Fragment", sql: str) -> str:
    """When the SQL does not parse with its holes read as names, read them as what else an
    interpolation may be, same length: nothing (a clause, ``WITH jobs AS #{materialized} (...)``),
    then a name and a type (a column list, ``"create temp table " + t + " (" + cols + ")"``)."""
    from .fragments import parses_cleanly

    def blank(start: int, end: int) -> str:
        return " " * (end - start)

    def column_list(start: int, end: int) -> str:  # right after `(` or `,`: a column and its type
        n = end - start
        if n >= 3 and sql[:start].rstrip().endswith(("(", ",")):
            return ("_ _" + " " * n)[:n]
        return "_" * n

    for filler in (blank, column_list):
        chars = list(sql)
        for start, end in fragment.holes:
            chars[start:end] = filler(start, end)
        candidate = "".join(chars)
        if parses_cleanly(candidate):
            return candidate
    return sql


def sql_comments_of(fragment: "Fragment", host_text: str) -> list:
    """SQL comments inside a fragment, as host comments (they may hold directives too)."""
    from ..core.comments import CommentSpan, own_line
    from ..sql.neutralise import lex_comments

    lowered = fragment.sql.lower()
    if "pgpool-lint" not in lowered and "noqa" not in lowered:
        return []
    out = []
    for c in lex_comments(fragment.sql):
        start = fragment.to_host(c.start)
        out.append(CommentSpan(start, fragment.to_host_end(c.end), c.text, own_line(host_text, start)))
    return out
