"""The parsed-catalogue cache (start-up) never serves stale or broken data."""

from __future__ import annotations

import os
import sys

import pytest

from pgpool_lint.core import catalogue


def _write(path, text: str, mtime_ns: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def _rule(code: str, why: str = "because") -> str:
    return (f'code = "{code}"\nname = "rule-{code.lower()}"\nsummary = "s"\nseverity = "warning"\n'
            f'what_it_does = " w "\nwhy = "{why}"\nexample = "e"\nuse_instead = "u"\nfix_safety = "f"\n'
            'references = ["r"]\npool_modes = ["transaction"]\n[[cases]]\nsql = "SET x = 1;"\n')


def test_cache_is_reused_and_follows_every_change(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    first, second = tmp_path / "A.toml", tmp_path / "B.toml"
    _write(first, _rule("A"), 1_000_000_000)
    _write(second, _rule("B"), 1_000_000_000)
    paths = [first, second]
    rows = catalogue._rows(paths)
    assert [row["code"] for row in rows] == ["A", "B"]
    assert rows[0] == {"code": "A", "name": "rule-a", "summary": "s", "severity": "warning",
                       "pool_modes": ["transaction"]}  # no docs, no cases: a run does not read them
    cache = next((tmp_path / "__pycache__").glob("catalogue.*.marshal"))

    # served from the cache: the files are not read again while name, mtime and size match
    monkeypatch.setattr(catalogue, "_parse", lambda path: (_ for _ in ()).throw(AssertionError(path)))
    assert catalogue._rows(paths) == rows
    assert [t["why"] for t in catalogue._tables(paths)] == ["because", "because"]  # the docs, cached too
    monkeypatch.undo()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)

    _write(second, _rule("C"), 2_000_000_000)  # same size, new mtime
    assert [row["code"] for row in catalogue._rows(paths)] == ["A", "C"]
    assert [t["code"] for t in catalogue._tables(paths)] == ["A", "C"]

    cache.write_bytes(b"\x00not marshal")
    assert [row["code"] for row in catalogue._rows(paths)] == ["A", "C"]


def test_a_broken_rule_file_is_never_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    rule = tmp_path / "A.toml"
    _write(rule, _rule("A").replace('severity = "warning"', 'severity = "loud"'), 1_000_000_000)
    for _ in range(2):  # the second run finds no cache that would hide the error
        with pytest.raises(catalogue.CatalogueError, match="severity must be one of"):
            catalogue._rows([rule])
    assert not (tmp_path / "__pycache__").exists()


def test_no_cache_written_under_dont_write_bytecode(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    rule = tmp_path / "A.toml"
    _write(rule, _rule("A"), 1_000_000_000)
    assert catalogue._rows([rule])[0]["code"] == "A"
    assert not (tmp_path / "__pycache__").exists()


def test_a_rule_reads_its_docs_and_cases_when_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    _write(tmp_path / "A.toml", _rule("A", why="why A"), 1_000_000_000)
    paths = catalogue._rule_files(tmp_path)
    (rule,) = [catalogue._rule_from(str(path), row) for path, row in zip(paths, catalogue._rows(paths))]
    assert (rule.code, rule.name, rule.kind, rule.extra) == ("A", "rule-a", "check", {"pool_modes": ["transaction"]})
    assert (rule.what_it_does, rule.why, rule.references) == ("w", "why A", ("r",))  # stripped, as a tuple
    assert rule.cases == ({"sql": "SET x = 1;"},)
