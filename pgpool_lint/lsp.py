"""``pgpool-lint server``: a language server (LSP over stdio) for editors.

- diagnostics on open, change and save, for SQL files and for every language ``check``
  lints (the linter picks the language from the file name, as on the command line);
- code actions: each finding's fix, and "ignore this rule here" (a suppression comment that
  is only offered when re-linting proves it silences the finding and adds nothing);
- hover: the rule's documentation from the catalogue;
- the project's config: the nearest ``.pgpool-lint.toml`` / ``pyproject.toml`` above each
  file, re-read when it changes; excluded files get no diagnostics.

Positions cross the protocol in the negotiated encoding (UTF-16 unless the client offers
another); ``core.positions.offset_to_lsp`` / ``lsp_to_offset`` do every conversion.
Needs the ``lsp`` extra (pygls); imported only by the ``server`` command.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .code import DIRECTORY_EXTENSIONS
from .config import DEFAULT_EXCLUDE, ConfigError, GlobSet, load_config, relative_posix
from .core import catalogue as catalogue_mod
from .core.diagnostics import Diagnostic
from .core.positions import LineIndex, lsp_to_offset, offset_to_lsp
from .lint.linter import Linter
from .lint.options import build_settings
from .report import rule_url, tool_version

SOURCE = "pgpool-lint"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
CONFIG_NAMES = (".pgpool-lint.toml", "pyproject.toml")
#: editor language ids → the file extension that tells the linter the language (for
#: documents without a file name, e.g. untitled buffers)
LANGUAGE_EXTENSIONS = {
    "sql": ".sql", "pgsql": ".sql", "postgres": ".sql", "python": ".py", "javascript": ".js",
    "javascriptreact": ".jsx", "typescript": ".ts", "typescriptreact": ".tsx", "ruby": ".rb", "go": ".go",
    "java": ".java", "elixir": ".ex", "php": ".php", "csharp": ".cs", "rust": ".rs", "kotlin": ".kt",
}
#: line-comment syntax per extension, for suppression comments ("//" otherwise)
HASH_COMMENTS = (".py", ".rb", ".ex", ".exs")
SEVERITIES = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
              "info": lsp.DiagnosticSeverity.Information}


def supported_extensions() -> tuple[str, ...]:
    """The file types ``pgpool-lint check`` lints when it walks a directory."""
    return tuple(DIRECTORY_EXTENSIONS)


@dataclass
class Project:
    """One config file (or none) and the linter built from it."""

    linter: Optional[Linter]
    excludes: GlobSet
    root: Path
    error: Optional[str] = None


@dataclass
class Linted:
    """The last lint of an open document."""

    version: Optional[int]
    text: str  # as the editor has it
    offset_shift: int  # characters the linter did not see at the start (a BOM)
    filename: str
    diagnostics: list[Diagnostic]
    project: Optional[Project]
    index: LineIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = LineIndex(self.text)  # built once per lint: every range conversion uses it


class PgpoolLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("pgpool-lint", tool_version())
        self.linted: dict[str, Linted] = {}
        self._projects: dict[tuple, Project] = {}
        self._shown_errors: set[str] = set()  # each config error is shown once, not per keystroke

    # --- configuration ------------------------------------------------------------------

    def project_for(self, directory: Path) -> Project:
        try:
            cfg = load_config(cwd=directory)
        except ConfigError as exc:
            return Project(None, GlobSet([]), directory, error=str(exc))
        stamp = cfg.path.stat().st_mtime_ns if cfg.path else None
        key = (cfg.path, stamp)
        project = self._projects.get(key)
        if project is None:
            try:
                cat = catalogue_mod.load()
                linter = Linter(build_settings(cfg, cat))
            except ConfigError as exc:
                return Project(None, GlobSet([]), cfg.root, error=str(exc))
            except catalogue_mod.UnknownRule as exc:
                return Project(None, GlobSet([]), cfg.root,
                               error=f"{cfg.path}: unknown rule selector `{exc.selector}`")
            excludes = list(cfg.values.get("exclude", DEFAULT_EXCLUDE)) + list(cfg.values.get("extend-exclude", []))
            project = Project(linter, GlobSet(excludes), cfg.root)
            self._projects[key] = project
        return project

    # --- linting ------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or "utf-16")

    def lint(self, uri: str) -> Linted:
        document = self.workspace.get_text_document(uri)
        text = document.source
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            filename = path
            directory = Path(path).parent
        else:
            extension = LANGUAGE_EXTENSIONS.get((document.language_id or "").lower(), "")
            filename = "untitled" + extension
            directory = Path(self.workspace.root_path or os.getcwd())
        shift = 1 if text.startswith("\ufeff") else 0
        linted = Linted(document.version, text, shift, filename, [], None)
        if filename.lower().endswith(supported_extensions()):
            project = self.project_for(directory)
            linted.project = project
            if project.error:
                if project.error not in self._shown_errors:
                    self._shown_errors.add(project.error)
                    self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Error,
                                                                   f"pgpool-lint: {project.error}"))
            elif not (path and project.excludes.matches(relative_posix(Path(path), project.root))):
                result = project.linter.lint_decoded(editor_text(text[shift:]), filename)
                linted.diagnostics = result.diagnostics
        self.linted[uri] = linted
        return linted

    def publish(self, uri: str) -> None:
        linted = self.lint(uri)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=linted.version, diagnostics=[self.to_lsp(linted, d) for d in linted.diagnostics]))

    def current(self, uri: str) -> Linted:
        linted = self.linted.get(uri)
        document = self.workspace.get_text_document(uri)
        if linted is None or linted.version != document.version or linted.text != document.source:
            linted = self.lint(uri)
        return linted

    # --- conversions --------------------------------------------------------------------

    def lsp_range(self, linted: Linted, start: int, end: int) -> lsp.Range:
        s = offset_to_lsp(linted.text, linted.index, start + linted.offset_shift, self.encoding)
        e = offset_to_lsp(linted.text, linted.index, end + linted.offset_shift, self.encoding)
        return lsp.Range(lsp.Position(*s), lsp.Position(*e))

    def to_lsp(self, linted: Linted, d: Diagnostic) -> lsp.Diagnostic:
        return lsp.Diagnostic(
            range=self.lsp_range(linted, d.start, d.end),
            message=f"{d.message}\nhelp: {d.help}" if d.help else d.message,
            severity=SEVERITIES.get(d.severity, lsp.DiagnosticSeverity.Error),
            code=d.code,
            code_description=lsp.CodeDescription(href=rule_url(catalogue_mod.load().get(d.code))),
            source=SOURCE,
            data={"name": d.name},
        )

    def offset_at(self, linted: Linted, position: lsp.Position) -> int:
        """Offset into the linted text (the editor's text less a BOM)."""
        return lsp_to_offset(linted.text, linted.index, position.line, position.character,
                             self.encoding) - linted.offset_shift

    def at(self, linted: Linted, start: int, end: int) -> list[Diagnostic]:
        """Findings whose span touches [start, end]."""
        return [d for d in linted.diagnostics if d.start <= end and start <= max(d.end, d.start + 1)]

    # --- code actions -------------------------------------------------------------------

    def code_actions(self, uri: str, request_range: lsp.Range) -> list[lsp.CodeAction]:
        linted = self.current(uri)
        start = self.offset_at(linted, request_range.start)
        end = self.offset_at(linted, request_range.end)
        actions: list[lsp.CodeAction] = []
        for d in self.at(linted, start, end):
            if d.fix is not None and d.fix.edits and d.fix.applicability != "display-only":
                edits = [lsp.TextEdit(self.lsp_range(linted, e.start, e.end), e.content) for e in d.fix.edits]
                title = d.fix.message + (" (unsafe)" if d.fix.applicability == "unsafe" else "")
                actions.append(lsp.CodeAction(
                    title=f"{title} [{d.code}]", kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[self.to_lsp(linted, d)], is_preferred=d.fix.applicability == "safe",
                    edit=lsp.WorkspaceEdit(changes={uri: edits})))
        for d in self.at(linted, start, end):
            ignore = self.ignore_edit(linted, d)
            if ignore is not None:
                actions.append(lsp.CodeAction(
                    title=f"Ignore {d.name} ({d.code}) here", kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[self.to_lsp(linted, d)],
                    edit=lsp.WorkspaceEdit(changes={uri: [ignore]})))
        return actions

    def ignore_edit(self, linted: Linted, d: Diagnostic) -> Optional[lsp.TextEdit]:
        """A suppression comment for ``d``, offered only when linting the edited text shows
        that it works: the finding is gone and nothing new appears.  Tried in order: alone on
        the line above the finding, at the end of the finding's line, then (SQL inside a
        multi-line string of a code file) an SQL comment above the finding, then above each
        earlier line up to the call that holds the string."""
        if linted.project is None or linted.project.linter is None:
            return None
        text = linted.text[linted.offset_shift:]
        before = {(x.code, x.message) for x in linted.diagnostics} - {(d.code, d.message)}
        for at, content in self._ignore_candidates(text, linted.filename, d):
            edited = text[:at] + content + text[at:]
            after = linted.project.linter.lint_decoded(editor_text(edited), linted.filename)
            if {(x.code, x.message) for x in after.diagnostics} <= before:
                return lsp.TextEdit(self.lsp_range(linted, at, at), content)
        return None

    @staticmethod
    def _ignore_candidates(text: str, filename: str, d: Diagnostic, look_back: int = 30):
        index = LineIndex(text)
        lower = filename.lower()
        marker = "--" if lower.endswith(".sql") else "#" if lower.endswith(HASH_COMMENTS) else "//"

        def line_parts(row: int) -> tuple[int, str, str, str]:
            start = index.line_start(row)
            end = index.line_start(row + 1) if row < index.line_count else len(text)
            line = text[start:end]
            body = line.rstrip("\r\n")
            return start, body, line[len(body):] or "\n", body[: len(body) - len(body.lstrip())]

        row = d.location[0]
        start, body, newline, indent = line_parts(row)
        yield start, f"{indent}{marker} pgpool-lint: ignore[{d.name}]{newline}"
        yield start + len(body), f"  {marker} pgpool-lint: ignore[{d.name}]"
        if marker == "--":
            return
        yield start, f"{indent}-- pgpool-lint: ignore[{d.name}]{newline}"
        for earlier in range(row - 1, max(0, row - look_back), -1):
            start, body, newline, indent = line_parts(earlier)
            if body.strip():
                yield start, f"{indent}{marker} pgpool-lint: ignore[{d.name}]{newline}"

    # --- hover --------------------------------------------------------------------------

    def hover(self, uri: str, position: lsp.Position) -> Optional[lsp.Hover]:
        from .report.rules import rule_markdown

        linted = self.current(uri)
        offset = self.offset_at(linted, position)
        found = self.at(linted, offset, offset)
        if not found:
            return None
        parts, seen = [], set()
        for d in found:
            parts.append(f"**{d.code} [{d.name}]** {d.message}" + (f"\n\n*help:* {d.help}" if d.help else ""))
            if d.code not in seen:
                seen.add(d.code)
                rule = catalogue_mod.load().get(d.code)
                parts.append(rule_markdown(rule) + f"\n[Documentation]({rule_url(rule)})")
        first = min(found, key=lambda d: d.start)
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
                         range=self.lsp_range(linted, first.start, first.end))


def editor_text(text: str) -> str:
    """An editor's buffer as the linter reads it: a lone UTF-16 surrogate (JSON allows one,
    UTF-8 cannot hold it) becomes U+FFFD, one character for one, so every offset still holds
    and the rest of the buffer is still checked."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def build_server() -> PgpoolLanguageServer:
    server = PgpoolLanguageServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PgpoolLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PgpoolLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PgpoolLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.rsplit("/", 1)[-1] in CONFIG_NAMES:  # the config changed: every open file may change
            for other in list(ls.linted):
                ls.publish(other)
        if uri in ls.workspace.text_documents:
            ls.publish(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PgpoolLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.linted.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    def code_action(ls: PgpoolLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return ls.code_actions(params.text_document.uri, params.range)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: PgpoolLanguageServer, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        return ls.hover(params.text_document.uri, params.position)

    return server


def serve() -> None:
    import sys

    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the JSON-RPC stream
    build_server().start_io(sys.stdin.buffer, protocol_out)
