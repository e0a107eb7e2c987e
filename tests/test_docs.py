"""docs/rules.md is generated from the catalogue and must match it."""

from __future__ import annotations

import re
import subprocess
import sys

from pgpool_lint.core import catalogue
from pgpool_lint.report import rule_url
from pgpool_lint.report.docs import DOCS_PATH, render

from .helpers import REPO


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_rules_doc_is_up_to_date():
    assert DOCS_PATH == REPO / "docs" / "rules.md"
    assert DOCS_PATH.read_text(encoding="utf-8") == render(catalogue.load()), \
        "docs/rules.md is stale: run `python -m pgpool_lint.report.docs`"


def test_check_mode_fails_on_a_stale_doc(tmp_path, monkeypatch):
    r = subprocess.run([sys.executable, "-m", "pgpool_lint.report.docs", "--check"], cwd=REPO, capture_output=True)
    assert r.returncode == 0, r.stderr
    import pgpool_lint.report.docs as docs

    stale = tmp_path / "rules.md"
    stale.write_text(render(catalogue.load()).replace("session-set", "session-sett", 1))
    monkeypatch.setattr(docs, "DOCS_PATH", stale)
    assert docs.main(["--check"]) == 1


def test_every_rule_link_lands_on_its_section():
    text = DOCS_PATH.read_text(encoding="utf-8")
    anchors = {github_anchor(h) for h in re.findall(r"^## (.+)$", text, re.M)}
    for rule in catalogue.load().rules:
        assert rule_url(rule).rsplit("#", 1)[1] in anchors, rule.code
        assert f"\n{rule.what_it_does}\n" in text
