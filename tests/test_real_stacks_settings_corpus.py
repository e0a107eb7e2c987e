"""Precision and recall of the settings rules on the stacks of issue 19 (Ecto / Oban, psycopg 3
and SQLAlchemy pools, Laravel), on configuration nobody on the team wrote.

tests/corpus/stacks_settings/ holds project slices from public repositories (MANIFEST.md) and
expected.toml, the truth labelled by reading them before the linter ran.  This runs the real CLI
with the settings rules (PGB200-PGB208) and the shared scorer (tests/corpus_eval.py), prints a
table per slice and per rule (``pytest -s``), and holds the tool to precision >= 0.95 on the
findings that claim a hazard and recall >= 0.9 on all findings; warnings that state their condition
("if `X` goes through a transaction pooler") are counted apart, as in the other corpora.  Never
edit a label to make this pass: fix the tool.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from . import corpus_eval as ev
from .test_real_stacks_corpus import conditional

CORPUS = Path(__file__).parent / "corpus" / "stacks_settings"
LABELLED_CODES = ("PGB200", "PGB201", "PGB202", "PGB203", "PGB204", "PGB205", "PGB206", "PGB207", "PGB208")
MIN_PRECISION = 0.95
MIN_RECALL = 0.9
CORPUS_META = ("expected.toml", "MANIFEST.md")


def _expected() -> dict:
    return tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))


def _slices() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def _report(truth: set, found: set) -> str:
    return ev.report(CORPUS, [
        ev.table("slice", _slices(), lambda label: label[0].split("/")[0], truth, found),
        ev.table("rule", LABELLED_CODES, lambda label: label[2], truth, found),
    ], truth, found)


@pytest.fixture(scope="module")
def measured() -> tuple[set, set, list[dict]]:
    truth = ev.labels(_expected()["files"])
    diagnostics = ev.lint(CORPUS, CORPUS, LABELLED_CODES, _slices())
    claims, asking = ev.claims_and_questions(diagnostics, conditional)
    print("\n" + _report(truth, claims))
    print(f"conditional warnings: {len(asking)} ({len(asking & truth)} of them labelled)")
    return truth, claims, diagnostics


def test_corpus_is_complete() -> None:
    """Every file is labelled and named in the manifest; every label is a real line."""
    files = _expected()["files"]
    on_disk = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
                     if p.is_file() and p.name not in CORPUS_META)
    assert sorted(files) == on_disk
    manifest = (CORPUS / "MANIFEST.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in manifest for name in _slices())
    assert all((CORPUS / name).stat().st_size < 40_000 for name in files)
    assert set(_expected()["follows_advice"]) <= set(_slices())
    for name, line, code in ev.labels(files):
        assert code in LABELLED_CODES and ev.source_line(CORPUS, name, line), (name, line, code)


def test_precision(measured) -> None:
    truth, claims, _ = measured
    assert ev.precision(truth, claims) >= MIN_PRECISION, _report(truth, claims)


def test_recall(measured) -> None:
    truth, _, diagnostics = measured
    found = ev.found_labels(diagnostics)
    assert ev.recall(truth, found) >= MIN_RECALL, _report(truth, found)


def test_slices_following_the_advice_lint_clean(measured) -> None:
    _, _, diagnostics = measured
    assert ev.findings_under(diagnostics, _expected()["follows_advice"]) == []
