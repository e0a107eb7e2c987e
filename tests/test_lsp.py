"""``pgpool-lint server`` end to end: a small LSP client speaks JSON-RPC with Content-Length
framing to a real server subprocess over stdio, as VS Code or Neovim do."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the language server needs the `lsp` extra (pygls)")

TIMEOUT = 60


class Client:
    """Just enough of an LSP client: requests, notifications, and answers to the server's own
    requests (registrations, configuration) so the server never waits on us."""

    def __init__(self, cwd: Path, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PGPOOL_LINT_OUTPUT_FORMAT"}
        self._stderr = open(log, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "pgpool_lint", "server"], cwd=cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr)
        self.inbox: "queue.Queue[dict]" = queue.Queue()
        self.notifications: list[dict] = []  # not yet consumed by diagnostics()
        self.received: list[dict] = []  # every notification, in order
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.decode("ascii").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.inbox.put(json.loads(body.decode("utf-8")))

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}, ensure_ascii=False).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self._send({"method": method, "params": params})

    def _next(self) -> dict:
        try:
            message = self.inbox.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError("the server sent nothing for a minute") from None
        if "method" in message and "id" in message:  # a request from the server
            self._send({"id": message["id"], "result": None})
        elif "method" in message:
            self.notifications.append(message)
            self.received.append(message)
        return message

    def call(self, method: str, params) -> dict:
        """The whole response (result or error) to one request."""
        self._next_id += 1
        request_id = self._next_id
        self._send({"id": request_id, "method": method, "params": params})
        while True:
            message = self._next()
            if message.get("id") == request_id and "method" not in message:
                return message

    def request(self, method: str, params: dict):
        message = self.call(method, params)
        assert "error" not in message, message["error"]
        return message["result"]

    def diagnostics(self, uri: str, version: int | None = None) -> list[dict]:
        """The next publishDiagnostics for ``uri`` (of that document version)."""
        while True:
            for i, n in enumerate(self.notifications):
                p = n["params"]
                if n["method"] == "textDocument/publishDiagnostics" and p["uri"] == uri and \
                        (version is None or p.get("version") == version):
                    del self.notifications[: i + 1]
                    return p["diagnostics"]
            self._next()

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._stderr.close()


def start(root: Path, tmp_path: Path, encodings: list[str] | None = None,
          resolve: bool = False) -> tuple[Client, dict]:
    """A started client; ``resolve``: it resolves code actions' edits lazily (codeAction/resolve)."""
    client = Client(root, tmp_path / "server.log")
    capabilities: dict = {"textDocument": {"codeAction": {"codeActionLiteralSupport": {
        "codeActionKind": {"valueSet": ["quickfix"]}}}, "hover": {"contentFormat": ["markdown"]},
        "publishDiagnostics": {"versionSupport": True}}}
    if resolve:
        capabilities["textDocument"]["codeAction"]["resolveSupport"] = {"properties": ["edit"]}
    if encodings:
        capabilities["general"] = {"positionEncodings": encodings}
    result = client.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                           "capabilities": capabilities})
    client.notify("initialized", {})
    return client, result


def open_doc(client: Client, path: Path, text: str, language: str = "sql") -> str:
    uri = path.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language, "version": 1,
                                                            "text": text}})
    return uri


def apply_edits(text: str, edits: list[dict]) -> str:
    """Apply LSP TextEdits (UTF-16 columns), last first, independently of the server's code."""
    lines = text.splitlines(keepends=True) + [""]

    def offset(pos: dict) -> int:
        line = lines[pos["line"]]
        units = chars = 0
        while units < pos["character"]:
            units += 2 if ord(line[chars]) > 0xFFFF else 1
            chars += 1
        return sum(len(x) for x in lines[: pos["line"]]) + chars

    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                       reverse=True):
        text = text[: offset(edit["range"]["start"])] + edit["newText"] + text[offset(edit["range"]["end"]):]
    return text


def summary(diagnostics: list[dict]) -> list[tuple]:
    return [(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"],
             d["range"]["end"]["line"], d["range"]["end"]["character"]) for d in diagnostics]


# line 2 has a character outside the BMP before the finding: 12 code points, 13 UTF-16 units
SQL = "-- café ☕\nSELECT '😀', pg_advisory_lock(42);\nSET search_path TO app;\n"


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    (root / "migrations").mkdir(parents=True)
    (root / "migrations" / "001.sql").write_text(SQL, encoding="utf-8")
    return root


@pytest.fixture
def client(project, tmp_path):
    c, result = start(project, tmp_path)
    assert result["capabilities"].get("positionEncoding", "utf-16") == "utf-16"
    assert result["serverInfo"]["name"] == "pgpool-lint"
    yield c
    c.close()


def test_diagnostics_on_open_in_utf16_units(client, project):
    uri = open_doc(client, project / "migrations" / "001.sql", SQL)
    diags = client.diagnostics(uri, 1)
    assert summary(diags) == [("PGB007", 1, 13, 1, 33), ("PGB001", 2, 0, 2, 22)]
    first = diags[0]
    assert first["source"] == "pgpool-lint" and first["severity"] == 1
    assert first["message"].startswith("`pg_advisory_lock(42)` takes a session-level advisory lock")
    assert "\nhelp: " in first["message"]
    assert first["codeDescription"]["href"].endswith("docs/rules.md#pgb007-session-advisory-lock")


def test_utf8_position_encoding_when_the_client_prefers_it(project, tmp_path):
    client, result = start(project, tmp_path, encodings=["utf-8", "utf-16"])
    try:
        assert result["capabilities"]["positionEncoding"] == "utf-8"
        uri = open_doc(client, project / "migrations" / "001.sql", SQL)
        # "SELECT '" is 8 bytes, the emoji 4, "', " 3
        assert summary(client.diagnostics(uri, 1))[0] == ("PGB007", 1, 15, 1, 35)
    finally:
        client.close()


def test_diagnostics_follow_changes(client, project):
    uri = open_doc(client, project / "migrations" / "001.sql", SQL)
    client.diagnostics(uri, 1)
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": "LISTEN jobs;\n"}]})
    assert summary(client.diagnostics(uri, 2)) == [("PGB002", 0, 0, 0, 11)]
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
        {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 6}}, "text": "NOTIFY"}]})
    assert client.diagnostics(uri, 3) == []


def test_ignore_code_action_inserts_a_working_suppression(client, project):
    uri = open_doc(client, project / "migrations" / "001.sql", SQL)
    diags = client.diagnostics(uri, 1)
    target = diags[1]
    actions = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": target["range"],
                                                         "context": {"diagnostics": [target]}})
    ignore = [a for a in actions if a["title"] == "Ignore session-set (PGB001) here"]
    assert len(ignore) == 1 and ignore[0]["kind"] == "quickfix"
    new_text = apply_edits(SQL, ignore[0]["edit"]["changes"][uri])
    assert new_text == SQL.replace("SET search_path", "-- pgpool-lint: ignore[session-set]\nSET search_path")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": new_text}]})
    assert summary(client.diagnostics(uri, 2)) == [("PGB007", 1, 13, 1, 33)]


def test_fix_code_action_applies_the_findings_fix(client, project):
    text = "BEGIN;\nSET search_path TO app;\nCREATE TABLE t (id int);\nCOMMIT;\n"
    uri = open_doc(client, project / "migrations" / "002.sql", text)
    diags = client.diagnostics(uri, 1)
    assert summary(diags) == [("PGB001", 1, 0, 1, 22)]
    actions = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": diags[0]["range"],
                                                         "context": {"diagnostics": diags}})
    fixes = [a for a in actions if not a["title"].startswith("Ignore ")]
    assert len(fixes) == 1 and fixes[0].get("isPreferred") is True, actions
    fixed = apply_edits(text, fixes[0]["edit"]["changes"][uri])
    assert fixed == text.replace("SET search_path", "SET LOCAL search_path")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    assert client.diagnostics(uri, 2) == []


def test_hover_shows_the_rule_docs(client, project):
    uri = open_doc(client, project / "migrations" / "001.sql", SQL)
    client.diagnostics(uri, 1)
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": 2, "character": 5}})
    value = hover["contents"]["value"]
    assert hover["contents"]["kind"] == "markdown"
    assert "# session-set (PGB001)" in value and "## Why is this bad?" in value
    assert hover["range"] == {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 22}}
    nothing = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                    "position": {"line": 0, "character": 2}})
    assert nothing is None


def test_project_config_is_honoured_and_reread(project, tmp_path):
    config = project / ".pgpool-lint.toml"
    config.write_text('ignore = ["session-advisory-lock"]\nextend-exclude = ["generated"]\n')
    (project / "generated").mkdir()
    client, _ = start(project, tmp_path)
    try:
        uri = open_doc(client, project / "migrations" / "001.sql", SQL)
        assert summary(client.diagnostics(uri, 1)) == [("PGB001", 2, 0, 2, 22)]
        vendored = open_doc(client, project / "generated" / "x.sql", SQL)
        assert client.diagnostics(vendored, 1) == []
        config.write_text("select = [\"PGB007\"]\n")
        client.notify("textDocument/didSave", {"textDocument": {"uri": config.as_uri()}})
        assert summary(client.diagnostics(uri, 1)) == [("PGB007", 1, 13, 1, 33)]
        assert summary(client.diagnostics(vendored, 1)) == [("PGB007", 1, 13, 1, 33)]
    finally:
        client.close()


def test_bad_config_is_reported_not_fatal(project, tmp_path):
    (project / ".pgpool-lint.toml").write_text("selec = 1\n")
    client, _ = start(project, tmp_path)
    try:
        uri = open_doc(client, project / "migrations" / "001.sql", SQL)
        assert client.diagnostics(uri, 1) == []
        shown = [n for n in client.received if n["method"] == "window/showMessage"]
        assert shown and "unknown setting `selec`" in shown[0]["params"]["message"]
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": "LISTEN jobs;\n"}]})
        assert client.diagnostics(uri, 2) == []
        assert len([n for n in client.received if n["method"] == "window/showMessage"]) == 1  # once, not per edit
        assert client.proc.poll() is None  # still serving
    finally:
        client.close()


def test_files_check_does_not_lint_get_no_diagnostics(client, project):
    uri = open_doc(client, project / "notes.txt", "SET search_path TO app;\n", language="plaintext")
    assert client.diagnostics(uri, 1) == []


CODE_SAMPLES = {
    ".py": ("python", 'cur.execute("SET search_path TO app")\n', (0, 13)),
    ".js": ("javascript", "await client.query('LISTEN jobs');\n", (0, 20)),
}


@pytest.mark.parametrize("extension", sorted(CODE_SAMPLES))
def test_code_languages_get_diagnostics(client, project, extension):
    from pgpool_lint.lsp import supported_extensions

    if extension not in supported_extensions():
        pytest.skip(f"`check` does not lint {extension} files yet")
    language, text, (line, character) = CODE_SAMPLES[extension]
    uri = open_doc(client, project / f"app{extension}", text, language=language)
    diags = client.diagnostics(uri, 1)
    assert [(d["range"]["start"]["line"], d["range"]["start"]["character"]) for d in diags] == [(line, character)]


@pytest.mark.parametrize("text", ['cur.execute("SET search_path TO app")\n',
                                  'cur.execute("""\n    SELECT 1;\n    SET search_path TO app;\n""")\n'],
                         ids=["one-line", "inside-triple-quoted"])
def test_ignore_code_action_in_python_silences_the_finding(client, project, text):
    from pgpool_lint.lsp import supported_extensions

    if ".py" not in supported_extensions():
        pytest.skip("`check` does not lint .py files yet")
    uri = open_doc(client, project / "app.py", text, language="python")
    diags = client.diagnostics(uri, 1)
    assert [d["code"] for d in diags] == ["PGB001"]
    actions = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": diags[0]["range"],
                                                         "context": {"diagnostics": diags}})
    ignore = [a for a in actions if a["title"] == "Ignore session-set (PGB001) here"]
    assert len(ignore) == 1
    new_text = apply_edits(text, ignore[0]["edit"]["changes"][uri])
    # a Python comment where it is one; an SQL comment inside a multi-line string
    assert new_text.count("pgpool-lint: ignore[session-set]") == 1
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": new_text}]})
    assert client.diagnostics(uri, 2) == []


def test_a_lone_surrogate_in_the_buffer_hides_no_finding(client, project):
    """JSON can carry a lone UTF-16 surrogate (an editor mid-edit); UTF-8 cannot hold it. The
    rest of the buffer is still checked, at the right UTF-16 positions."""
    text = "SELECT '\ud800';\nLISTEN jobs;\nSET search_path TO app;\n"
    uri = (project / "migrations" / "002.sql").as_uri()
    body = json.dumps({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "sql", "version": 1, "text": text}}}, ensure_ascii=True).encode("ascii")
    assert b"\\ud800" in body
    client.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    client.proc.stdin.flush()
    assert summary(client.diagnostics(uri, 1)) == [("PGB002", 1, 0, 1, 11), ("PGB001", 2, 0, 2, 22)]


ASYNCPG_APP = "import os\nimport asyncpg\n\npool = asyncpg.create_pool(os.environ['DATABASE_URL'])\n"
SUPABASE_POOLED = "DATABASE_URL=postgres://app.ref:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres\n"


@pytest.mark.parametrize("config", [None, ""], ids=["workspace-root", "config-file"])
def test_deployment_evidence_of_the_project_speaks_in_the_editor(tmp_path, config):
    """As `check .` does: an .env in another folder says DATABASE_URL is Supabase's transaction
    pooler, so the editor shows the same error, not a warning with a condition."""
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "deploy").mkdir()
    (root / "deploy" / ".env.production").write_text(SUPABASE_POOLED)
    if config is not None:
        (root / ".pgpool-lint.toml").write_text(config)
    client, _ = start(root, tmp_path)
    try:
        uri = open_doc(client, root / "app" / "db.py", ASYNCPG_APP, language="python")
        diagnostics = client.diagnostics(uri, 1)
        assert [(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"], d["severity"])
                for d in diagnostics] == [("PGB201", 3, 7, 1)]
        assert "(value from deploy/.env.production)" in diagnostics[0]["message"]
    finally:
        client.close()


def test_a_settings_file_the_linter_cannot_read_whole_says_so(tmp_path):
    """As `check` exits 2 with one line: arrays nested deeper than the TOML parser goes make the
    settings reader fail; the editor shows why once, not an empty (clean-looking) list only."""
    root = tmp_path / "proj"
    root.mkdir()
    text = ('[default]\ndatabase_url = "postgresql://u@db:6432/app?options=-csearch_path%3Dx"\n'
            "x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    client, _ = start(root, tmp_path)
    try:
        uri = open_doc(client, root / "settings.toml", text, language="toml")
        assert client.diagnostics(uri, 1) == []
        shown = [n["params"] for n in client.received if n["method"] == "window/showMessage"]
        assert shown == [{"type": 1, "message": "pgpool-lint: settings.toml: cannot read as toml settings: "
                                                "nested too deeply"}]
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": text + "\n"}]})
        assert client.diagnostics(uri, 2) == []
        assert len([n for n in client.received if n["method"] == "window/showMessage"]) == 1  # once, not per edit
    finally:
        client.close()


def test_settings_files_get_the_settings_findings_check_reports(tmp_path):
    """`.env`, `database.yml`, `appsettings.json`: what `check` reads for PGB2xx, the editor lints too."""
    root = tmp_path / "proj"
    root.mkdir()
    env = ("DATABASE_URL=postgres://app.ref:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres"
           "?options=-c%20search_path%3Dapp\n")
    client, _ = start(root, tmp_path)
    try:
        uri = open_doc(client, root / ".env", env, language="dotenv")
        assert [(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"], d["severity"])
                for d in client.diagnostics(uri, 1)] == [("PGB200", 0, 85, 1)]
    finally:
        client.close()
