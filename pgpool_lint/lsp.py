"""``pgpool-lint server``: a language server (LSP over stdio) for editors.

- diagnostics on open, change and save, for SQL files, for every language ``check``
  lints and for the settings files it reads (``.env``, ``database.yml``, ``appsettings.json``,
  ...; the linter picks the kind from the file name, as on the command line).  A file the
  linter could not read whole (a settings reader failed) is said once in a message, as
  ``check`` says it with exit 2.
  Linting runs off the message loop, in one worker thread; changes are coalesced: while a
  document is being linted, further edits only mark it stale, and only its newest version
  is linted and published next (30 quick edits cost two lints, not thirty);
- code actions: each finding's fix, and "ignore this rule here" (a suppression comment
  that re-linting proves silences the finding and adds nothing).  The ignore edit is
  computed lazily, in ``codeAction/resolve``, for clients that support it;
- every request with malformed params, or for a document that is not open, gets the
  proper JSON-RPC error (InvalidParams) and no traceback; a change to a document that was
  never opened is ignored (logged), not an error popup;
- hover: the rule's documentation from the catalogue;
- the project's config: the nearest ``.pgpool-lint.toml`` / ``pyproject.toml`` above each
  file, re-read when it changes; excluded files get no diagnostics.  The project's deployment
  evidence (pooler config, deployment files: as ``check`` reads them) is read with it, so the
  settings rules speak in the editor as on the command line.

Positions cross the protocol in the negotiated encoding (UTF-16 unless the client offers
another); ``core.positions.offset_to_lsp`` / ``lsp_to_offset`` do every conversion.
Needs the ``lsp`` extra (pygls); imported only by the ``server`` command.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path

from .code import DIRECTORY_EXTENSIONS
from .config import DEFAULT_EXCLUDE, ConfigError, GlobSet, load_config, relative_posix
from .core import catalogue as catalogue_mod
from .core.diagnostics import Diagnostic
from .core.positions import LineIndex, lsp_to_offset, offset_to_lsp
from .lint.linter import Linter
from .lint.options import build_settings, read_deployment
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
#: seconds a change waits before its lint starts, so that a burst of keystrokes is linted once
SETTLE = 0.1
#: without codeAction/resolve support, ignore edits are computed up front (a re-lint each) for
#: this many findings, and only for a request on one line (a cursor), not a large selection
EAGER_IGNORE_EDITS = 3
logger = logging.getLogger(__name__)
SEVERITIES = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
              "info": lsp.DiagnosticSeverity.Information}


def supported_extensions() -> tuple[str, ...]:
    """The file types ``pgpool-lint check`` lints when it walks a directory."""
    return tuple(DIRECTORY_EXTENSIONS)


def _settings_file(filename: str) -> bool:
    """A driver / ORM / deployment settings file (``database.yml``, ``.env``, ``appsettings.json``,
    ``settings.toml``, ...): ``check`` reads these for the PGB2xx rules, so the editor does too."""
    from .settings import settings_kind

    return settings_kind(filename) is not None


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
    #: why part of the document was not read (a settings reader failed), as `check` says it
    read_error: Optional[str] = None
    published: list = field(default_factory=list, repr=False)  # as LSP diagnostics, when published

    def __post_init__(self) -> None:
        self.index = LineIndex(self.text)  # built once per lint: every range conversion uses it


class _Skip:
    """A message already answered while it was read (see ``Protocol.structure_message``)."""

    jsonrpc = "answered"


class Protocol(LanguageServerProtocol):
    """pygls' protocol, answering what pygls would leave unanswered or answer with a traceback."""

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException:
            if not isinstance(data, dict) or "jsonrpc" not in data:
                raise
            method = data.get("method")
            if "id" in data and method:  # a request the editor waits on: answer it
                self._send_response(data["id"], error=JsonRpcInvalidParams(
                    message=f"invalid params for {str(method)[:100]}").to_response_error())
            else:
                logger.warning("ignoring a malformed message (method %r)", str(method)[:100])
            return _Skip()

    def handle_message(self, message):
        if isinstance(message, _Skip):
            return
        super().handle_message(message)

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams):
        if unquote(params.text_document.uri) not in self.workspace.text_documents:
            logger.warning("didChange for a document that is not open: %s", params.text_document.uri[:300])
            return
        yield from super().lsp_text_document__did_change(params)


def _answered(handler):
    """A request handler whose unexpected failure is a plain JSON-RPC error: no traceback in
    the reply (pygls would put one in ``error.data``)."""
    import functools

    @functools.wraps(handler)
    async def run(*args):
        try:
            return await handler(*args)
        except JsonRpcException:
            raise
        except Exception as exc:
            logger.exception("request failed")
            raise JsonRpcInternalError(message=f"pgpool-lint: {type(exc).__name__}: {str(exc)[:200]}") from None

    return run


class PgpoolLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("pgpool-lint", tool_version(), protocol_cls=Protocol)
        self.linted: dict[str, Linted] = {}
        self._projects: dict[tuple, Project] = {}
        self._shown_errors: set[str] = set()  # each config error is shown once, not per keystroke
        #: one thread lints, so the linter is never used by two threads at once
        self._lint_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pgpool-lint")
        self._stale: set[str] = set()  # documents changed since their lint started
        self._linting: dict[str, "asyncio.Future"] = {}

    def report_server_error(self, error: Exception, source) -> None:
        """Logged (stderr), never an "Error in server" popup."""
        logger.error("%s: %s", getattr(source, "__name__", source), error)

    # --- scheduling -----------------------------------------------------------------------

    def schedule(self, uri: str, settle: float = 0.0) -> None:
        """Lint ``uri``'s newest text off the loop, then publish; while a lint of it runs,
        more changes only mark it stale (coalesced: only the newest version is linted next).
        ``settle``: wait that long first (a change: more keystrokes are likely on their way)."""
        self._stale.add(uri)
        if uri not in self._linting:
            self._linting[uri] = asyncio.ensure_future(self._lint_until_fresh(uri, settle))

    async def _lint_until_fresh(self, uri: str, settle: float) -> None:
        try:
            while uri in self._stale:
                if settle:
                    await asyncio.sleep(settle)
                self._stale.discard(uri)
                linted = await self.lint_off_loop(uri, publish=True)
                if linted is None or unquote(uri) not in self.workspace.text_documents:
                    break  # closed meanwhile: its diagnostics were cleared
                if uri in self._stale:
                    settle = SETTLE
                    continue  # changed meanwhile: that newer text is linted next
                self.linted[uri] = linted
                self.show_errors(linted)
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                    uri=uri, version=linted.version, diagnostics=linted.published))
        except Exception:
            logger.exception("linting %s failed", uri[:300])
        finally:
            self._linting.pop(uri, None)

    async def lint_off_loop(self, uri: str, publish: bool = False) -> Optional[Linted]:
        """Lint the document's current text in the lint thread (``publish``: with its
        diagnostics converted there too)."""
        document = self.workspace.text_documents.get(unquote(uri))
        if document is None:
            return None
        snapshot = (uri, document.source, document.version, document.language_id, publish)
        return await asyncio.get_running_loop().run_in_executor(self._lint_thread, self.lint_snapshot, *snapshot)

    async def current_or_error(self, uri: str) -> Linted:
        """The lint of the document's newest text; InvalidParams for a document not open."""
        document = self.workspace.text_documents.get(unquote(uri))
        if document is None:
            raise JsonRpcInvalidParams(message=f"document is not open: {uri[:300]}")
        linted = self.linted.get(uri)
        if linted is None or linted.version != document.version or linted.text != document.source:
            linted = await self.lint_off_loop(uri)
            if linted is None:
                raise JsonRpcInvalidParams(message=f"document is not open: {uri[:300]}")
            self.linted[uri] = linted
        return linted

    def show_errors(self, linted: Linted) -> None:
        """A config error, or a document the linter could not read whole, once per message (not per
        keystroke): its findings alone would look like a clean file."""
        errors = [linted.project.error if linted.project else None]
        if linted.read_error:
            errors.append(f"{os.path.basename(linted.filename)}: {linted.read_error}")
        for error in errors:
            if error and error not in self._shown_errors:
                self._shown_errors.add(error)
                self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Error, f"pgpool-lint: {error}"))

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
                settings = build_settings(cfg, cat)
                excludes = GlobSet(list(cfg.values.get("exclude", DEFAULT_EXCLUDE))
                                   + list(cfg.values.get("extend-exclude", [])))
                if cfg.values.get("deployment-evidence", True):
                    # as `check` on the project's directory: its pooler file and deployment
                    # files tell the settings rules what the endpoints are
                    root = Path(cfg.root if cfg.path else (self.workspace.root_path or directory))
                    read_deployment(settings, [root], lambda p: excludes.matches(relative_posix(p, root)))
                linter = Linter(settings)
            except ConfigError as exc:
                return Project(None, GlobSet([]), cfg.root, error=str(exc))
            except catalogue_mod.UnknownRule as exc:
                return Project(None, GlobSet([]), cfg.root,
                               error=f"{cfg.path}: unknown rule selector `{exc.selector}`")
            project = Project(linter, excludes, cfg.root)
            self._projects[key] = project
        return project

    # --- linting ------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or "utf-16")

    def lint_snapshot(self, uri: str, text: str, version: Optional[int], language_id: Optional[str],
                      publish: bool = False) -> Linted:
        """Lint one version of a document (in the lint thread: touches no protocol state)."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path:
            filename = path
            directory = Path(path).parent
        else:
            extension = LANGUAGE_EXTENSIONS.get((language_id or "").lower(), "")
            filename = "untitled" + extension
            directory = Path(self.workspace.root_path or os.getcwd())
        shift = 1 if text.startswith("\ufeff") else 0
        linted = Linted(version, text, shift, filename, [], None)
        if filename.lower().endswith(supported_extensions()) or _settings_file(filename):
            project = self.project_for(directory)
            linted.project = project
            if not project.error and not (path and project.excludes.matches(relative_posix(Path(path), project.root))):
                result = project.linter.lint_decoded(editor_text(text[shift:]), filename)
                linted.diagnostics = result.diagnostics
                linted.read_error = result.error
        if publish:
            linted.published = [self.to_lsp(linted, d) for d in linted.diagnostics]
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

    def code_actions(self, uri: str, linted: Linted, request_range: lsp.Range, lazy: bool) -> list[lsp.CodeAction]:
        """The fixes (edits at hand) and the ignore actions (with ``lazy``: without their edit,
        which ``resolve_ignore`` computes when the user picks one)."""
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
        if linted.project is None or linted.project.linter is None:
            return actions
        one_line = request_range.start.line == request_range.end.line
        for number, d in enumerate(self.at(linted, start, end)):
            action = lsp.CodeAction(title=f"Ignore {d.name} ({d.code}) here", kind=lsp.CodeActionKind.QuickFix,
                                    diagnostics=[self.to_lsp(linted, d)])
            if lazy:
                action.data = {"uri": uri, "version": linted.version, "code": d.code, "start": d.start,
                               "end": d.end, "message": d.message}
            elif one_line and number < EAGER_IGNORE_EDITS:
                ignore = self.ignore_edit(linted, d)
                if ignore is None:
                    continue
                action.edit = lsp.WorkspaceEdit(changes={uri: [ignore]})
            else:
                break  # a client without resolve: the first few only, a large selection stays fast
            actions.append(action)
        return actions

    def resolve_ignore(self, linted: Linted, data: dict) -> Optional[lsp.WorkspaceEdit]:
        """The edit of an ignore action (``codeAction/resolve``), for the finding it names."""
        for d in linted.diagnostics:
            if (d.code, d.start, d.end, d.message) == (data["code"], data["start"], data["end"], data["message"]):
                edit = self.ignore_edit(linted, d)
                return lsp.WorkspaceEdit(changes={data["uri"]: [edit]}) if edit is not None else None
        return None

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

    def hover(self, linted: Linted, position: lsp.Position) -> Optional[lsp.Hover]:
        from .report.rules import rule_markdown

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
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PgpoolLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, settle=SETTLE)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PgpoolLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.rsplit("/", 1)[-1] in CONFIG_NAMES:  # the config changed: every open file may change
            for other in list(ls.linted):
                ls.schedule(other)
        if unquote(uri) in ls.workspace.text_documents:
            ls.schedule(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PgpoolLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.linted.pop(params.text_document.uri, None)
        ls._stale.discard(params.text_document.uri)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix], resolve_provider=True))
    @_answered
    async def code_action(ls: PgpoolLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        linted = await ls.current_or_error(params.text_document.uri)
        return await asyncio.get_running_loop().run_in_executor(
            ls._lint_thread, ls.code_actions, params.text_document.uri, linted, params.range, _resolves_edits(ls))

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    @_answered
    async def code_action_resolve(ls: PgpoolLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
        data = action.data
        if action.edit is not None or not isinstance(data, dict):
            return action
        if not all(isinstance(data.get(key), kind) for key, kind in
                   (("uri", str), ("code", str), ("start", int), ("end", int), ("message", str))):
            raise JsonRpcInvalidParams(message="codeAction/resolve: not an action this server made")
        linted = await ls.current_or_error(data["uri"])
        if linted.version != data.get("version"):
            return action  # the document changed since: the finding may be gone; no edit
        edit = await asyncio.get_running_loop().run_in_executor(ls._lint_thread, ls.resolve_ignore, linted, data)
        if edit is not None:
            action.edit = edit
        return action

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @_answered
    async def hover(ls: PgpoolLanguageServer, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        linted = await ls.current_or_error(params.text_document.uri)
        return ls.hover(linted, params.position)

    return server


def _resolves_edits(ls: PgpoolLanguageServer) -> bool:
    """The client resolves a code action's ``edit`` lazily (``codeAction/resolve``)."""
    try:
        support = ls.client_capabilities.text_document.code_action.resolve_support
    except AttributeError:
        return False
    return support is not None and "edit" in (support.properties or [])


def serve() -> None:
    import sys

    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must not corrupt the JSON-RPC stream
    build_server().start_io(sys.stdin.buffer, protocol_out)
