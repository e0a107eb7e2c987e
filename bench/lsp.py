"""The language server as an editor drives it: latency of diagnostics while typing, and of
code actions over a large selection (issue 20).

    python bench/lsp.py [--runs 3]

A real ``pgpool-lint server`` subprocess and a real JSON-RPC client over stdio (the one of
tests/test_lsp.py).  Measured, per run, and printed (median and worst):

- 30 rapid edits of a 2,000-finding file (~58 KB): seconds from sending the last edit to
  receiving the diagnostics of that version (target <= 2 s);
- 400 rapid edits of a ~46 KB file: the same;
- ``textDocument/codeAction`` over 400 lines of the 2,000-finding file, with a client that
  resolves edits lazily (``codeAction/resolve``) and with one that does not (target <= 1 s;
  that one gets no ignore actions for a selection of several lines); then one
  ``codeAction/resolve`` of an "ignore here" action (a re-lint of the document).

Nothing here asserts a duration: tests/test_lsp_requests.py checks the behaviour.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_lsp import start  # noqa: E402

FINDING_LINE = "SET search_path TO sch{n:04d};\n"  # 31 bytes, one PGB001 each: 2,000 make ~60 KB


def typing_latency(root: Path, text: str, edits: int) -> float:
    """Seconds from the last of ``edits`` quick edits to the diagnostics of that version."""
    client, _ = start(root, root, resolve=True)
    try:
        uri = (root / "typed.sql").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "sql", "version": 1,
                                                                "text": text}})
        client.diagnostics(uri, 1)
        for version in range(2, edits + 2):  # one character typed at the end, as a user types
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"range": {
                                                         "start": {"line": 0, "character": 0},
                                                         "end": {"line": 0, "character": 0}}, "text": " "}]})
        sent = time.perf_counter()
        client.diagnostics(uri, edits + 1)
        return time.perf_counter() - sent
    finally:
        client.close()


def code_action_latency(root: Path, text: str, resolve: bool) -> tuple[float, float]:
    """(seconds for codeAction over 400 lines, seconds for one codeAction/resolve)."""
    client, _ = start(root, root, resolve=resolve)
    try:
        uri = (root / "actions.sql").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "sql", "version": 1,
                                                                "text": text}})
        diagnostics = client.diagnostics(uri, 1)
        start_at = time.perf_counter()
        actions = client.request("textDocument/codeAction", {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 400, "character": 0}},
            "context": {"diagnostics": diagnostics[:400]}})
        listed = time.perf_counter() - start_at
        resolved = float("nan")
        lazy = [a for a in actions if "edit" not in a]
        if lazy:
            start_at = time.perf_counter()
            client.request("codeAction/resolve", lazy[len(lazy) // 2])
            resolved = time.perf_counter() - start_at
        return listed, resolved
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    findings_file = "".join(FINDING_LINE.format(n=n) for n in range(2000))
    plain_file = "".join(f"CREATE TABLE t{n} (id int PRIMARY KEY, name text NOT NULL);\n" for n in range(800))
    print(f"2,000-finding file: {len(findings_file.encode()) / 1024:.0f} KiB; "
          f"plain file: {len(plain_file.encode()) / 1024:.0f} KiB; runs: {args.runs}")
    rows = {"30 edits, 2,000 findings: last edit -> diagnostics (s)": [],
            "400 edits, plain file: last edit -> diagnostics (s)": [],
            "codeAction over 400 lines, lazy (resolve) client (s)": [],
            "codeAction/resolve of one ignore action (s)": [],
            "codeAction over 400 lines, client without resolve (s)": []}
    keys = list(rows)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for _ in range(args.runs):
            rows[keys[0]].append(typing_latency(root, findings_file, 30))
            rows[keys[1]].append(typing_latency(root, plain_file, 400))
            listed, resolved = code_action_latency(root, findings_file, resolve=True)
            rows[keys[2]].append(listed)
            rows[keys[3]].append(resolved)
            rows[keys[4]].append(code_action_latency(root, findings_file, resolve=False)[0])
    for name, values in rows.items():
        print(f"{name:<58} median {statistics.median(values):6.3f}   worst {max(values):6.3f}")


if __name__ == "__main__":
    main()
