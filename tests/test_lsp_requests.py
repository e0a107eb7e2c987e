"""The language server answers every request an editor can send, and keeps up with typing:
malformed params and unknown documents get proper JSON-RPC errors (no traceback, no popup),
changes are coalesced, and "ignore here" edits come lazily from ``codeAction/resolve``.
A real server over stdio, driven by the JSON-RPC client of ``test_lsp``."""

from __future__ import annotations

import pytest

pytest.importorskip("pygls", reason="the language server needs the `lsp` extra (pygls)")

from .test_lsp import SQL, apply_edits, open_doc, start, summary  # noqa: E402

INVALID_PARAMS = -32602


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    (root / "m.sql").write_text(SQL, encoding="utf-8")
    return root


@pytest.mark.parametrize("method,params", [
    ("textDocument/codeAction", {}),
    ("textDocument/codeAction", {"textDocument": {"uri": 7}, "range": "everything"}),
    ("textDocument/hover", {"textDocument": {}}),
    ("textDocument/hover", None),
    ("codeAction/resolve", {"kind": "quickfix"}),
    ("codeAction/resolve", {"title": "Ignore", "data": {"uri": 1, "code": []}}),
], ids=["codeAction-empty", "codeAction-wrong-types", "hover-no-uri", "hover-no-params", "resolve-no-title",
        "resolve-foreign-data"])
def test_malformed_requests_get_invalid_params(project, tmp_path, method, params):
    client, _ = start(project, tmp_path)
    try:
        reply = client.call(method, params)
        assert reply["error"]["code"] == INVALID_PARAMS and "data" not in reply["error"], reply
        # and the server still serves
        uri = open_doc(client, project / "m.sql", SQL)
        assert [d["code"] for d in client.diagnostics(uri, 1)] == ["PGB007", "PGB001"]
    finally:
        client.close()


def test_requests_for_a_document_never_opened_get_invalid_params(project, tmp_path):
    client, _ = start(project, tmp_path)
    try:
        uri = (project / "m.sql").as_uri()
        whole = {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}
        for method, params in (("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": whole,
                                                            "context": {"diagnostics": []}}),
                               ("textDocument/hover", {"textDocument": {"uri": uri},
                                                       "position": {"line": 2, "character": 1}})):
            reply = client.call(method, params)
            assert reply["error"] == {"code": INVALID_PARAMS, "message": f"document is not open: {uri}"}, reply
        # a change to it is no error popup either
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": "LISTEN x;\n"}]})
        opened = open_doc(client, project / "m.sql", SQL)
        assert [d["code"] for d in client.diagnostics(opened, 1)] == ["PGB007", "PGB001"]
        assert not [n for n in client.received if n["method"] == "window/showMessage"]
    finally:
        client.close()


def test_rapid_changes_are_coalesced_to_the_newest_version(project, tmp_path):
    client, _ = start(project, tmp_path)
    try:
        big = "SET search_path TO app;\n" * 2000
        uri = open_doc(client, project / "m.sql", big)
        assert len(client.diagnostics(uri, 1)) == 2000
        for version in range(2, 32):
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"text": big + "LISTEN x;\n" * version}]})
        final = client.diagnostics(uri, 31)
        assert len(final) == 2031
        published = [n["params"]["version"] for n in client.received
                     if n["method"] == "textDocument/publishDiagnostics"]
        # never an older version after a newer one, and far fewer lints than edits
        assert published == sorted(published) and published[-1] == 31 and len(published) < 15, published
    finally:
        client.close()


def test_ignore_edit_is_resolved_lazily(project, tmp_path):
    client, _ = start(project, tmp_path, resolve=True)
    try:
        uri = open_doc(client, project / "m.sql", SQL)
        diags = client.diagnostics(uri, 1)
        actions = client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": diags[1]["range"],
                                                             "context": {"diagnostics": [diags[1]]}})
        ignore = [a for a in actions if a["title"] == "Ignore session-set (PGB001) here"]
        assert len(ignore) == 1 and "edit" not in ignore[0] and ignore[0]["data"]["code"] == "PGB001"
        resolved = client.request("codeAction/resolve", ignore[0])
        new_text = apply_edits(SQL, resolved["edit"]["changes"][uri])
        assert new_text == SQL.replace("SET search_path", "-- pgpool-lint: ignore[session-set]\nSET search_path")
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": new_text}]})
        assert summary(client.diagnostics(uri, 2)) == [("PGB007", 1, 13, 1, 33)]
        # resolving the action of an older version gives no edit (the finding may be gone)
        stale = client.request("codeAction/resolve", ignore[0])
        assert "edit" not in stale
    finally:
        client.close()


def test_diagnostics_link_the_versioned_docs(project, tmp_path):
    client, _ = start(project, tmp_path)
    try:
        uri = open_doc(client, project / "m.sql", SQL)
        hrefs = {d["codeDescription"]["href"] for d in client.diagnostics(uri, 1)}
        assert hrefs == {"https://github.com/pgpool-lint/pgpool-lint/blob/v0.1.0/docs/rules.md#pgb007-session-advisory-lock",
                         "https://github.com/pgpool-lint/pgpool-lint/blob/v0.1.0/docs/rules.md#pgb001-session-set"}
    finally:
        client.close()
