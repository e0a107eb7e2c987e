"""``suggest._set_parts`` cuts a plainly written SET without the scanner: on every shape, tricky
or not, its pieces are exactly those cut from the scanner's tokens (``_scanned_set_parts``)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pgpool_lint.core import catalogue
from pgpool_lint.core.cache import ClearingCache
from pgpool_lint.fix import suggest

SHAPES = [
    "SET search_path = public, pg_catalog", "set statement_timeout = 0", "SET SESSION search_path TO a",
    "SET LOCAL x.y = 1", "sEt SeSsIoN x tO 5", "SET x =1", "SET x = -1", "SET x =-1", "SET LOCAL\tx=1",
    "SET a . b\n=\t'x'", "SET x = 'é'", "SET client_min_messages TO warning;", "SET ROLE TO admin",
    "SET default_tablespace = ''", "SET sessionx = 1", "SET x TO DEFAULT", "SET app.tenant_id = '42'",
    # the scanner's tokens differ from a plain reading: the scanned pieces win
    "SET timezoneto 'x'", "SET x.to = 1", "SET x.from = 1", "SET to = 1", "SET session = 1",
    "SET SESSION AUTHORIZATION x", "SET SESSION AUTHORIZATION DEFAULT", "SET SESSION characteristics = 1",
    "SET TIME ZONE 'UTC'", "SET x FROM CURRENT", "SET x to$ = 1", "/* c */ SET x = 1", "SET x /* c */ = 1",
    'SET "X" = 1', "SET x\v= 1", "SET ROLE admin", "SET x ==1", "SET x TO\u00e9", "RESET x",
]


@pytest.mark.parametrize("text", SHAPES)
def test_plain_set_pieces_are_the_scanned_pieces(text):
    stmt = SimpleNamespace(text=text, source=text)
    assert suggest._set_parts(stmt) == suggest._scanned_set_parts(stmt)


def test_pieces_keep_the_source_as_written():
    stmt = SimpleNamespace(text="SET _____ = _____", source="SET {var} = {val}")
    assert suggest._set_parts(stmt) == suggest._scanned_set_parts(stmt) == suggest.SetParts(3, None, "{var}", "{val}")


def _lint(text: str, **settings) -> list[dict]:
    from pgpool_lint.lint.linter import Linter, Settings

    linter = Linter(Settings(enabled=frozenset(r.code for r in catalogue.load().rules), **settings))
    return [d.to_json() for d in linter.lint_text(text, "x.sql")]


# the same SET outside a transaction, in a block that commits, in one that chains, and again,
# each at another offset: message, help and fix (applicability, edit offsets) differ between them
REPEATED = ("SET statement_timeout = 0;\nBEGIN;\nSET statement_timeout = 0;\nCOMMIT;\n"
            "BEGIN;\n  SET statement_timeout = 0;\nCOMMIT AND CHAIN;\nCOMMIT;\nset session statement_timeout = 0;\n"
            "SET statement_timeout = 0;\nSET search_path = app;\n\tSET search_path = app;\n")


@pytest.mark.parametrize("settings", [{}, {"assume_in_transaction": True}])
def test_a_repeated_set_has_the_finding_made_afresh(monkeypatch, settings):
    from pgpool_lint.checks import session_set

    kept = _lint(REPEATED, **settings)
    monkeypatch.setattr(session_set, "_SET_FINDINGS", ClearingCache(256))
    monkeypatch.setattr(session_set, "_session_set", session_set._new_session_set)
    afresh = _lint(REPEATED, **settings)
    assert len(kept) == 7 and kept == afresh
    assert len({(d["fix"] or {}).get("applicability") for d in kept}) > 1
