"""Issue 17's labelled corpus (tests/corpus/trust/): other databases' SQL nobody on the team wrote
gives no finding, PostgreSQL's keeps its own.  Scored with the shared scorer (corpus_eval);
labels written before the linter ran.  Never edit a label to make this pass: fix the tool."""

from __future__ import annotations

import tomllib
from pathlib import Path


from . import corpus_eval as ev

CORPUS = Path(__file__).parent / "corpus" / "trust"


def test_trust_corpus_precision_and_recall() -> None:
    files = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))["files"]
    on_disk = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()
                     and p.name not in ("expected.toml", "MANIFEST.md"))
    assert sorted(files) == on_disk  # every file labelled
    manifest = (CORPUS / "MANIFEST.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in manifest for name in on_disk)
    truth = ev.labels(files)
    diagnostics = ev.lint(CORPUS, CORPUS, (), ["sql", "go", "python", "typescript"])
    found = ev.found_labels(diagnostics)
    print("\n" + ev.report(CORPUS, [ev.table("rule", sorted({c for _, _, c in truth | found}), lambda l: l[2],
                                             truth, found)], truth, found))
    assert ev.precision(truth, found) == 1.0 and ev.recall(truth, found) == 1.0, sorted(found - truth)
