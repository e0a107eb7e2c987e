"""Precision and recall on Elixir, PHP, C#, Rust and Kotlin code and settings nobody on the team
wrote (issue 19, "Done when").

tests/corpus/stacks/ holds real files from permissive public repositories (MANIFEST.md) and
expected.toml, the truth labelled by reading them before the linter ran.  This runs the real CLI
over the corpus with the shared scorer (tests/corpus_eval.py), prints tables per language and per
rule and every false positive / false negative with its source line (``pytest -s`` shows them),
and holds the tool to precision >= 0.95 and recall >= 0.9 on the findings that claim a hazard
(conditional settings warnings, which ask rather than claim, are counted apart as in
tests/test_real_settings_corpus.py).  Never edit a label to make this pass: fix the tool.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from . import corpus_eval as ev

CORPUS = Path(__file__).parent / "corpus" / "stacks"
LANGUAGES = ("elixir", "php", "csharp", "rust", "kotlin")
GROUPS = (*LANGUAGES, "projects")
#: the codes the truth was labelled for (see the header of expected.toml)
LABELLED_CODES = ("PGB001", "PGB002", "PGB003", "PGB004", "PGB005", "PGB006", "PGB007", "PGB008",
                  "PGB200", "PGB201", "PGB202", "PGB203", "PGB204", "PGB205")
MIN_PRECISION = 0.95
MIN_RECALL = 0.9
CORPUS_META = ("expected.toml", "MANIFEST.md")


def _expected() -> dict:
    return tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))


def _truth() -> tuple[set[ev.Label], list[str]]:
    files = _expected()["files"]
    return ev.labels(files), sorted(files)


def _on_disk() -> list[str]:
    return sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
                  if p.is_file() and p.name not in CORPUS_META)


def conditional(diagnostic: dict) -> bool:
    from pgpool_lint.settings.model import CONDITION, UNKNOWN_POOLER

    message = diagnostic["message"]
    return diagnostic["severity"] == "warning" and (f" {CONDITION}" in message or UNKNOWN_POOLER in message)


def _report(truth: set[ev.Label], found: set[ev.Label]) -> str:
    return ev.report(CORPUS, [
        ev.table("group", GROUPS, lambda label: label[0].split("/")[0], truth, found),
        ev.table("rule", LABELLED_CODES, lambda label: label[2], truth, found),
    ], truth, found)


@pytest.fixture(scope="module")
def measured() -> tuple[set[ev.Label], set[ev.Label], list[dict]]:
    truth, _ = _truth()
    diagnostics = ev.lint(CORPUS, CORPUS, LABELLED_CODES, list(GROUPS))
    claims, asking = ev.claims_and_questions(diagnostics, conditional)
    print("\n" + _report(truth, claims))
    print(f"conditional warnings: {len(asking)} ({len(asking & truth)} of them labelled)")
    return truth, claims, diagnostics


def test_corpus_is_complete() -> None:
    """Every corpus file is labelled, named in the manifest, and every label is a real line."""
    truth, names = _truth()
    assert names == _on_disk()
    assert all(any(name.startswith(lang + "/") for name in names) for lang in LANGUAGES)
    manifest = (CORPUS / "MANIFEST.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in manifest or f"`{'/'.join(name.split('/')[:2])}`" in manifest for name in names)
    assert all((CORPUS / name).stat().st_size < 40_000 for name in names)
    assert all(any(name.startswith(project + "/") for name in names) for project in _expected()["follows_advice"])
    for name, line, code in truth:
        assert code in LABELLED_CODES and ev.source_line(CORPUS, name, line), (name, line, code)


def test_every_code_file_is_linted_with_its_language(measured) -> None:
    _, _, diagnostics = measured
    for d in diagnostics:
        group = d["filename"].split("/")[0]
        if group in LANGUAGES:
            assert d["source_kind"] == group, d


def test_no_string_is_misread_as_broken_sql() -> None:
    """With every rule on, no parse error: a message, comment or fragment taken for SQL, or a real
    statement mangled by the literal readers, would show up here."""
    parse_errors = [(d["filename"], d["location"]["row"], d["message"])
                    for d in ev.lint(CORPUS, CORPUS, (), list(LANGUAGES)) if d["code"] == "PGB000"]
    assert parse_errors == []


def test_precision(measured) -> None:
    truth, claims, _ = measured
    assert ev.precision(truth, claims) >= MIN_PRECISION, _report(truth, claims)


def test_recall(measured) -> None:
    truth, _, diagnostics = measured
    found = ev.found_labels(diagnostics)
    assert ev.recall(truth, found) >= MIN_RECALL, _report(truth, found)


def test_slices_following_the_advice_lint_clean(measured) -> None:
    """A configuration that does what its vendor documents gets no finding, not even a warning."""
    _, _, diagnostics = measured
    assert ev.findings_under(diagnostics, _expected()["follows_advice"]) == []
