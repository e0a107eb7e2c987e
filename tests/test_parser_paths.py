"""The two ways pgpool-lint reaches libpg_query: the direct binding (ctypes, checked against
pglast at first use) and pglast's public functions on an ASCII stand-in of the text.  Both must
give the same answers and both must stay linear, whatever pglast version is installed: an
upstream release once turned the direct path off and cost 50x on accented text."""

from __future__ import annotations

import json

import pytest

from .helpers import run_cli
from .linear import assert_linear

ACCENTED_AFTER_AN_ERROR = "SELEC 1;\n" + "INSERT INTO t VALUES ('Zürich – São Paulo');\n" * 2000 + "LISTEN x;\n"
PATHS = {"direct": {}, "pglast": {"PGPOOL_LINT_PARSER": "pglast"}}


def backends():
    import pglast.parser

    from pgpool_lint.sql import pgparser

    direct = pgparser._Direct.bind()
    assert direct is not None, "the direct binding does not agree with the installed pglast"
    return {"direct": direct, "pglast": pgparser._Public(pglast.parser)}


@pytest.mark.parametrize("path", PATHS)
def test_both_paths_give_the_same_findings_at_the_same_columns(tmp_path, path):
    (tmp_path / "a.sql").write_text("SELECT 'é', FROM x;\nLISTEN x;\n" + ACCENTED_AFTER_AN_ERROR)
    r = run_cli("check", "--output-format", "json", "a.sql", cwd=tmp_path, env=PATHS[path])
    found = [(d["code"], d["location"]["row"], d["location"]["column"]) for d in json.loads(r.stdout)]
    # the syntax error's column counts characters: FROM is the 13th character of line 1
    assert found == [("PGB000", 1, 13), ("PGB002", 2, 1), ("PGB000", 3, 1), ("PGB002", 2004, 1)]
    assert json.loads(r.stdout)[0]["message"] == 'Could not parse this statement: syntax error at or near "FROM"'


@pytest.mark.parametrize("path", PATHS)
def test_verbose_says_which_path_parses(tmp_path, path):
    (tmp_path / "a.sql").write_text("SELECT 1;\n")
    r = run_cli("check", "-v", "a.sql", cwd=tmp_path, env=PATHS[path])
    expected = {"direct": "libpg_query's split and scan, called directly",
                "pglast": "pglast's split and scan on an ASCII stand-in (the direct binding is not available)"}[path]
    assert f", {expected}\n".encode() in r.stderr


@pytest.mark.parametrize("text", ["SELECT 'é', 'open", "SELECT 'éé' éé FROM FROM", "SELECT ü FROM\u3000t; SELECT (;",
                                  "SELECT 1;\u00a0 SELECT 'ü'  ;\u3000", "SELECT $$é"])
def test_the_paths_agree_on_spans_tokens_and_errors(text):
    from pgpool_lint.sql.pgparser import ParseError

    def outcome(call):
        try:
            return call()
        except ParseError as err:
            return ("error", err.args)

    direct, public = backends().values()
    assert outcome(lambda: direct.split(text.encode())) == outcome(lambda: public.split(text.encode()))
    assert outcome(lambda: direct.scan(text)) == outcome(lambda: public.scan(text))


def test_an_error_quotes_the_text_as_written_on_the_stand_in_path():
    from pgpool_lint.sql.pgparser import ParseError

    with pytest.raises(ParseError) as err:
        backends()["pglast"].split("SELECT 'é' ñandú ñandú;".encode())
    assert err.value.args == ('syntax error at or near "ñandú"', 17)


@pytest.mark.parametrize("path", PATHS)
def test_split_and_scan_are_linear_on_accented_text(path):
    backend = backends()[path]
    lines = "INSERT INTO t VALUES ('Zürich – São Paulo');\n"
    assert_linear(lambda n: lines * n, lambda text: (backend.scan("SELEC 1; " + text), backend.split(text.encode())),
                  n=2000)


COARSE_SPLITS = [
    ("-- lead\nSELECT 1; /* mid */ ;; SELECT (2; 3); x)) ; SELECT 4 -- tail\n",
     [(8, 16), (31, 44), (46, 50), (52, 60)]),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN /* c */ ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; "
     "END; bad stmt; SELECT 5", [(0, 113), (115, 123), (125, 133)]),
    ("BEGIN; ATOMIC; BEGIN (ATOMIC; x; END; y", [(0, 5), (7, 13), (15, 39)]),  # parentheses do not part BEGIN ATOMIC
    ('SELECT \'é\' AS "ü"; garbage ü here; /* only a comment */', [(0, 17), (19, 33)]),
    ("-- nothing but a comment", []),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("text", "spans"), COARSE_SPLITS)
def test_the_coarse_split_cuts_the_same_on_both_paths(monkeypatch, path, text, spans):
    """The split used for recovery reads the scanner's tokens as columns (views of
    libpg_query's token array, or lists on the stand-in path): top-level semicolons only,
    comments never start or end a statement, BEGIN ATOMIC bodies kept whole."""
    from pgpool_lint.sql import pgparser
    from pgpool_lint.sql.split import _coarse_cut

    monkeypatch.setattr(pgparser, "_BACKEND", [backends()[path]])
    assert _coarse_cut(text)[0] == spans


RECOVERED_TEXTS = [
    # a false BEGIN ATOMIC body (a column named begin, aliased atomic) before the error: its piece
    # holds three statements and is parsed, the others before the error are kept as they stand
    "select begin atomic from t; select 1; end; LISTEN a  ;\u3000SELEC 2; LISTEN b;",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;\n"
    "CREATE RULE r AS ON INSERT TO t DO (INSERT INTO u VALUES (1); DELETE FROM v);\n-- c\nSELECT 'é' -- d\n;"
    " SELECT (1; LISTEN x; SELECT 1); SELECT 'ü' \t\n; SELEC; SELECT 1 not",
    "SELECT 1;\n" * 40 + "SELEC 1;\n" + "SELECT 'a;b';\n" * 40 + "INSERT INTO t VALUES (1), (2;\n" + "LISTEN y;\n" * 40,
    "SELECT 1; SELECT 123abc; SELECT 'open;\nLISTEN z;\nSELEC (1; 2);",  # the scanner rejects it: our splitter cuts
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("text", RECOVERED_TEXTS)
def test_recovery_gives_what_parsing_each_piece_alone_gives(monkeypatch, path, text):
    """Recovery keeps the statements before the parser's error without parsing them again and
    parses runs of pieces together: the spans and problems must be those of parsing every piece
    of the coarse split on its own."""
    from pgpool_lint.sql import pgparser, split

    monkeypatch.setattr(pgparser, "_BACKEND", [backends()[path]])
    alone_spans: list = []
    alone_problems: list = []
    for piece in split._coarse_cut(text)[0]:
        split._recover_piece(text, 0, piece, alone_spans, alone_problems, respect_parens=True)
    assert alone_problems
    assert split.split_with_recovery(text) == (alone_spans, alone_problems)


@pytest.mark.parametrize("unit", ["SELEC 1;\nSELECT 1;\n", "SELEC 1;\n", "SELECT 1;\n" * 40 + "SELEC (1;\n",
                                  "SELECT begin atomic; SELECT 1; END; SELEC 1;\n"])
def test_recovery_is_linear_in_the_errors(unit):
    from pgpool_lint.sql.split import split_with_recovery

    assert_linear(lambda n: unit * n, split_with_recovery, n=200)
