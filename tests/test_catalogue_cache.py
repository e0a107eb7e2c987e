"""The parsed-catalogue cache (start-up) never serves stale or broken data."""

from __future__ import annotations

import os
import sys

from pgpool_lint.core import catalogue


def _write(path, text: str, mtime_ns: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_cache_is_reused_and_follows_every_change(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    first, second = tmp_path / "A.toml", tmp_path / "B.toml"
    _write(first, 'code = "A"\n', 1_000_000_000)
    _write(second, 'code = "B"\n', 1_000_000_000)
    paths = [first, second]
    assert catalogue._tables(paths) == [{"code": "A"}, {"code": "B"}]
    cache = next((tmp_path / "__pycache__").glob("catalogue.*.marshal"))

    # served from the cache: the files are not read again while name, mtime and size match
    monkeypatch.setattr(catalogue, "_parse", lambda path: (_ for _ in ()).throw(AssertionError(path)))
    assert catalogue._tables(paths) == [{"code": "A"}, {"code": "B"}]
    monkeypatch.undo()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)

    _write(second, 'code = "C"\n', 2_000_000_000)  # same size, new mtime
    assert catalogue._tables(paths) == [{"code": "A"}, {"code": "C"}]

    cache.write_bytes(b"\x00not marshal")
    assert catalogue._tables(paths) == [{"code": "A"}, {"code": "C"}]


def test_no_cache_written_under_dont_write_bytecode(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    rule = tmp_path / "A.toml"
    _write(rule, 'code = "A"\n', 1_000_000_000)
    assert catalogue._tables([rule]) == [{"code": "A"}]
    assert not (tmp_path / "__pycache__").exists()
