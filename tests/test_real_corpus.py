"""Precision and recall of pgpool-lint on SQL nobody on the team wrote (issue 2, "Done when").

tests/corpus/real/ holds real files from permissive public repositories (MANIFEST.md) and
expected.toml, the truth labelled by reading them.  This runs the real CLI over the corpus,
matches findings to labels by (file, line, code), prints a table per rule and every false
positive / false negative with its SQL (``pytest -s`` shows them), and holds the engine to
precision >= 0.98 and recall >= 0.97.  Never edit a label to make this pass: fix the engine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus" / "real"
#: the codes the truth was labelled for (see the header of expected.toml)
LABELLED_CODES = ("PGB001", "PGB002", "PGB003", "PGB004", "PGB005", "PGB006", "PGB007", "PGB008", "PGB015")
MIN_PRECISION = 0.98
MIN_RECALL = 0.97

Label = tuple[str, int, str]  # (file name, line, code)


def _truth() -> tuple[set[Label], list[str]]:
    files = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))["files"]
    labels: set[Label] = set()
    for name, entry in files.items():
        for item in entry["expect"]:
            line, code = item.split(":")
            labels.add((name, int(line), code))
    return labels, sorted(files)


def _lint(names: list[str]) -> set[Label]:
    """Findings of the real CLI, one per (file, line, code) like the labels."""
    result = subprocess.run(
        [sys.executable, "-m", "pgpool_lint", "check", "--output-format", "json",
         "--select", ",".join(LABELLED_CODES), *names],
        cwd=CORPUS, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    return {(Path(d["filename"]).name, d["location"]["row"], d["code"]) for d in json.loads(result.stdout)}


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _source_line(name: str, line: int) -> str:
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _report(truth: set[Label], found: set[Label]) -> str:
    tp, fp, fn = truth & found, found - truth, truth - found
    per_code = {code: Counter() for code in LABELLED_CODES}
    for kind, group in (("tp", tp), ("fp", fp), ("fn", fn)):
        for _, _, code in group:
            per_code[code][kind] += 1
    rows = [f"{'rule':<8} {'labels':>6} {'found':>6} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}"]
    for code, c in [*per_code.items(), ("all", Counter(tp=len(tp), fp=len(fp), fn=len(fn)))]:
        rows.append(f"{code:<8} {c['tp'] + c['fn']:>6} {c['tp'] + c['fp']:>6} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} "
                    f"{_ratio(c['tp'], c['tp'] + c['fp']):>9.3f} {_ratio(c['tp'], c['tp'] + c['fn']):>7.3f}")
    for title, group in (("false positives (flagged, not in the truth)", fp),
                         ("false negatives (in the truth, not flagged)", fn)):
        rows.append(f"\n{title}: {len(group)}")
        rows += [f"  {name}:{line}: {code}  {_source_line(name, line)}" for name, line, code in sorted(group)]
    return "\n".join(rows)


@pytest.fixture(scope="module")
def measured() -> tuple[set[Label], set[Label]]:
    truth, names = _truth()
    found = _lint(names)
    print("\n" + _report(truth, found))
    return truth, found


def test_corpus_is_complete() -> None:
    """Every corpus file is labelled (an unlabelled file would silently count as clean) and named in the manifest."""
    truth, names = _truth()
    on_disk = sorted(p.name for p in CORPUS.glob("*.sql"))
    assert names == on_disk
    assert 25 <= len(on_disk) <= 40
    manifest = (CORPUS / "MANIFEST.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in manifest for name in on_disk)
    for name, line, code in truth:
        assert code in LABELLED_CODES and _source_line(name, line), (name, line, code)


def test_precision(measured: tuple[set[Label], set[Label]]) -> None:
    truth, found = measured
    assert _ratio(len(truth & found), len(found)) >= MIN_PRECISION, _report(truth, found)


def test_recall(measured: tuple[set[Label], set[Label]]) -> None:
    truth, found = measured
    assert _ratio(len(truth & found), len(truth)) >= MIN_RECALL, _report(truth, found)
