"""Precision and recall of the driver / ORM / migration-tool rules (PGB200-PGB205) on settings
files and small project slices nobody on the team wrote (issue 7, "Done when").

tests/corpus/settings/NN-project/ holds real settings files from permissive public repositories
(MANIFEST.md), laid out as the tools expect them; expected.toml is the truth, labelled by reading
them before the linter ran.  This runs the real CLI over the corpus with the default profile (a
project that states its pooler gets a .pgpool-lint.toml in its folder and is linted from there),
matches findings to labels by (file, line, code), prints a table per rule and per project and
every false positive / false negative with its source line (``pytest -s`` shows them), and holds
the rules to precision >= 0.95 and recall >= 0.9; the projects that follow their tool's pooling
advice must produce no finding at all.  Never edit a label to make this pass: fix the rules.

Issue 18 made the rules answer when nothing in a project says what an endpoint is: the hazard
is then a warning whose message states its condition ("if `DATABASE_URL` goes through a
transaction pooler", or for prepared statements "if the pooler drops prepared statements").
The labels were written for hazards the project's own files show (see expected.toml's policy),
so precision is measured on the findings that claim a hazard; the conditional warnings are
counted and printed apart, count towards recall where a label expects them, and must not
appear in a project that follows its tool's advice.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from . import corpus_eval as ev

CORPUS = Path(__file__).parent / "corpus" / "settings"
#: the codes the truth was labelled for (see the header of expected.toml)
LABELLED_CODES = ("PGB200", "PGB201", "PGB202", "PGB203", "PGB204", "PGB205")
MIN_PRECISION = 0.95
MIN_RECALL = 0.9
#: corpus files that are not project files
CORPUS_META = ("expected.toml", "MANIFEST.md")


def _expected() -> dict:
    return tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))


def _truth() -> set[ev.Label]:
    return ev.labels(_expected()["files"])


def _projects() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def _on_disk() -> list[str]:
    return sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
                  if p.is_file() and p.name not in CORPUS_META and p.name != ".pgpool-lint.toml")


def _lint() -> list[dict]:
    """Diagnostics of the real CLI: one run for the projects on the default profile, one run from
    inside each project that carries its own .pgpool-lint.toml (the config is found from the cwd)."""
    configured = [p for p in _projects() if (CORPUS / p / ".pgpool-lint.toml").is_file()]
    default = [p for p in _projects() if p not in configured]
    diagnostics = ev.lint(CORPUS, CORPUS, LABELLED_CODES, default) if default else []
    for project in configured:
        diagnostics += ev.lint(CORPUS, CORPUS / project, LABELLED_CODES, ["."])
    return diagnostics


def _report(truth: set[ev.Label], found: set[ev.Label]) -> str:
    return ev.report(CORPUS, [
        ev.table("rule", LABELLED_CODES, lambda label: label[2], truth, found),
        ev.table("project", _projects(), lambda label: label[0].split("/")[0], truth, found),
    ], truth, found)


def conditional(diagnostic: dict) -> bool:
    """A warning that states the condition it depends on, because nothing says what the endpoint is."""
    from pgpool_lint.settings.model import CONDITION, UNKNOWN_POOLER

    message = diagnostic["message"]
    return diagnostic["severity"] == "warning" and (f" {CONDITION}" in message or UNKNOWN_POOLER in message)


@pytest.fixture(scope="module")
def measured() -> tuple[set[ev.Label], set[ev.Label], list[dict]]:
    truth = _truth()
    diagnostics = _lint()
    found = ev.found_labels(diagnostics)
    asking = ev.found_labels([d for d in diagnostics if conditional(d)])
    print("\n" + _report(truth, found))
    print(f"conditional warnings: {len(asking)} ({len(asking & truth)} of them labelled); precision of the "
          f"findings that claim a hazard: {ev.precision(truth, _claims(truth, diagnostics)):.3f}")
    return truth, found, diagnostics


def _claims(truth: set[ev.Label], diagnostics: list[dict]) -> set[ev.Label]:
    """Findings that claim a hazard (the conditional warnings ask rather than claim: set apart)."""
    return ev.found_labels([d for d in diagnostics if not conditional(d)])


def test_corpus_is_complete() -> None:
    """Every corpus file is labelled (an unlabelled file would silently count as clean), every project
    is named in the manifest, and every label points at a real line of a labelled code."""
    expected = _expected()
    assert sorted(expected["files"]) == _on_disk()
    projects = _projects()
    assert 25 <= len(projects) <= 60  # 27 repository slices + the vendors' documentation examples
    manifest = (CORPUS / "MANIFEST.md").read_text(encoding="utf-8")
    assert all(f"`{project}`" in manifest for project in projects)
    assert set(expected["follows_advice"]) <= set(projects)
    for name, line, code in _truth():
        assert code in LABELLED_CODES and ev.source_line(CORPUS, name, line), (name, line, code)


def test_precision(measured) -> None:
    truth, found, diagnostics = measured
    claims = _claims(truth, diagnostics)
    assert ev.precision(truth, claims) >= MIN_PRECISION, _report(truth, claims)


def test_recall(measured) -> None:
    truth, found, _ = measured
    assert ev.recall(truth, found) >= MIN_RECALL, _report(truth, found)


def test_projects_following_the_advice_lint_clean(measured) -> None:
    """A project that does what its tool documents for transaction pooling gets no finding, not even a
    warning: a linter that nags correct configurations teaches people to ignore it."""
    _, _, diagnostics = measured
    advised = set(_expected()["follows_advice"])
    noise = [(d["filename"], d["location"]["row"], d["code"], d["message"])
             for d in diagnostics if d["filename"].split("/")[0] in advised]
    assert noise == []
