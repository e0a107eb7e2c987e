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
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import run_cli

CORPUS = Path(__file__).parent / "corpus" / "settings"
#: the codes the truth was labelled for (see the header of expected.toml)
LABELLED_CODES = ("PGB200", "PGB201", "PGB202", "PGB203", "PGB204", "PGB205")
MIN_PRECISION = 0.95
MIN_RECALL = 0.9
#: corpus files that are not project files
CORPUS_META = ("expected.toml", "MANIFEST.md")

Label = tuple[str, int, str]  # (path relative to the corpus, line, code)


def _expected() -> dict:
    return tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))


def _truth() -> set[Label]:
    labels = set()
    for name, entry in _expected()["files"].items():
        for item in entry["expect"]:
            line, code = item.split(":")
            labels.add((name, int(line), code))
    return labels


def _projects() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def _on_disk() -> list[str]:
    return sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
                  if p.is_file() and p.name not in CORPUS_META and p.name != ".pgpool-lint.toml")


def _check(cwd: Path, paths: list[str]) -> list[dict]:
    result = run_cli("check", "--output-format", "json", "--select", ",".join(LABELLED_CODES), *paths, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr.decode()
    diagnostics = json.loads(result.stdout)
    for d in diagnostics:  # file names relative to the corpus, like the labels
        d["filename"] = (cwd / d["filename"]).resolve().relative_to(CORPUS.resolve()).as_posix()
    return diagnostics


def _lint() -> list[dict]:
    """Diagnostics of the real CLI: one run for the projects on the default profile, one run from
    inside each project that carries its own .pgpool-lint.toml (the config is found from the cwd)."""
    configured = [p for p in _projects() if (CORPUS / p / ".pgpool-lint.toml").is_file()]
    default = [p for p in _projects() if p not in configured]
    diagnostics = _check(CORPUS, default) if default else []
    for project in configured:
        diagnostics += _check(CORPUS / project, ["."])
    return diagnostics


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def _source_line(name: str, line: int) -> str:
    lines = (CORPUS / name).read_text(encoding="utf-8").splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _table(title: str, keys: list[str], key_of, truth: set[Label], found: set[Label]) -> list[str]:
    counts = {key: Counter() for key in keys}
    total = Counter()
    for kind, group in (("tp", truth & found), ("fp", found - truth), ("fn", truth - found)):
        for label in group:
            counts[key_of(label)][kind] += 1
            total[kind] += 1
    rows = [f"{title:<27} {'labels':>6} {'found':>6} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}"]
    for key, c in [*counts.items(), ("all", total)]:
        found_n, labels_n = c["tp"] + c["fp"], c["tp"] + c["fn"]
        precision = f"{_ratio(c['tp'], found_n):.3f}" if found_n else "n/a"  # nothing found: nothing to be wrong about
        recall = f"{_ratio(c['tp'], labels_n):.3f}" if labels_n else "n/a"  # nothing labelled: recall not measured
        rows.append(f"{key:<27} {labels_n:>6} {found_n:>6} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} {precision:>9} {recall:>7}")
    return rows


def _report(truth: set[Label], found: set[Label]) -> str:
    rows = _table("rule", list(LABELLED_CODES), lambda label: label[2], truth, found)
    rows += [""] + _table("project", _projects(), lambda label: label[0].split("/")[0], truth, found)
    for title, group in (("false positives (flagged, not in the truth)", found - truth),
                         ("false negatives (in the truth, not flagged)", truth - found)):
        rows.append(f"\n{title}: {len(group)}")
        rows += [f"  {name}:{line}: {code}  {_source_line(name, line)}" for name, line, code in sorted(group)]
    return "\n".join(rows)


@pytest.fixture(scope="module")
def measured() -> tuple[set[Label], set[Label], list[dict]]:
    truth = _truth()
    diagnostics = _lint()
    found = {(d["filename"], d["location"]["row"], d["code"]) for d in diagnostics}
    print("\n" + _report(truth, found))
    return truth, found, diagnostics


def test_corpus_is_complete() -> None:
    """Every corpus file is labelled (an unlabelled file would silently count as clean), every project
    is named in the manifest, and every label points at a real line of a labelled code."""
    expected = _expected()
    assert sorted(expected["files"]) == _on_disk()
    projects = _projects()
    assert 25 <= len(projects) <= 40
    manifest = (CORPUS / "MANIFEST.md").read_text(encoding="utf-8")
    assert all(f"`{project}`" in manifest for project in projects)
    assert set(expected["follows_advice"]) <= set(projects)
    for name, line, code in _truth():
        assert code in LABELLED_CODES and _source_line(name, line), (name, line, code)


def test_precision(measured) -> None:
    truth, found, _ = measured
    assert _ratio(len(truth & found), len(found)) >= MIN_PRECISION, _report(truth, found)


def test_recall(measured) -> None:
    truth, found, _ = measured
    assert _ratio(len(truth & found), len(truth)) >= MIN_RECALL, _report(truth, found)


def test_projects_following_the_advice_lint_clean(measured) -> None:
    """A project that does what its tool documents for transaction pooling gets no finding, not even a
    warning: a linter that nags correct configurations teaches people to ignore it."""
    _, _, diagnostics = measured
    advised = set(_expected()["follows_advice"])
    noise = [(d["filename"], d["location"]["row"], d["code"], d["message"])
             for d in diagnostics if d["filename"].split("/")[0] in advised]
    assert noise == []
