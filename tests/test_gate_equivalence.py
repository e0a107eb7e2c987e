"""The gate and the worker processes change speed only, never a finding.

A corpus of real SQL (a sample of the extension scripts PostgreSQL installs, the same source
as the benchmark corpus of bench/make_corpus.py) plus the SQL and code of every catalogue
case is linted through the real CLI four ways: with and without the gate (``--no-gate``
parses every statement and turns off every shortcut that skips text), on one worker and on
two.  The JSON reports must be byte-identical.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from pathlib import Path

import pytest

from pgpool_lint.core import catalogue

from .helpers import run_cli

#: every Nth extension script (sorted by name), so the sample covers contrib, PostGIS,
#: pgTAP... whatever is installed, and stays small enough for a quick test
SAMPLE_EVERY = 9
SAMPLE_MAX_BYTES = 6 * 1024 * 1024
#: installed SQL of PostgreSQL itself: views, functions, information_schema
SHARE_FILES = ("information_schema.sql", "system_views.sql", "system_functions.sql")


def real_sql_sources() -> list[str]:
    scripts = sorted({os.path.realpath(p) for p in glob.glob("/usr/share/postgresql/*/extension/*.sql")})
    sample, total = [], 0
    for path in scripts[::SAMPLE_EVERY]:
        size = os.path.getsize(path)
        if total + size > SAMPLE_MAX_BYTES:
            continue
        sample.append(path)
        total += size
    shares = [p for name in SHARE_FILES for p in sorted(glob.glob(f"/usr/share/postgresql/*/{name}"))]
    return sample + shares


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    sources = real_sql_sources()
    if not sources:
        pytest.skip("no real SQL to test on: /usr/share/postgresql/*/extension/*.sql not found "
                    "(install the postgresql-15 Debian package)")
    root = tmp_path_factory.mktemp("gate-corpus")
    (root / "real").mkdir()
    for n, path in enumerate(sources):
        shutil.copyfile(path, root / "real" / f"{n:03d}-{Path(path).name}")
    (root / "generated").mkdir()
    (root / "generated" / "dump.sql").write_text(large_dump(), encoding="utf-8")  # split a piece at a time
    (root / "generated" / "broken-dump.sql").write_text(large_dump(syntax_error=True), encoding="utf-8")
    cases = root / "cases"
    cases.mkdir()
    for rule in catalogue.load().rules:
        for n, case in enumerate(c for c in rule.cases if "sql" in c):
            name = re.sub(r"[^\w.-]", "_", Path(case.get("filename", "case.sql")).name)
            folder = cases / f"{rule.code}-{n:02d}"
            folder.mkdir()
            (folder / name).write_text(case["sql"], encoding="utf-8")
    return root


def large_dump(syntax_error: bool = False) -> str:
    """A pg_dump-like file far above the engine's split piece (256 K characters), so the
    piecewise split, the blanked COPY data and the direct libpg_query split all run: psql
    lines, 700 KB of COPY data (with `;` line ends inside it), one 400 KB INSERT holding
    non-ASCII text (so the piece is UTF-8, not ASCII), an identifier ending in a no-break
    space, and hazards before, between and after them (and a syntax error, which makes the
    engine split the whole text and recover)."""
    rows = "".join(f"{i}\tname {i};\t{i * 7}\n" for i in range(40_000))
    values = ",\n".join(f"({i}, 'Zürich – São Paulo {i}', 'x;\n')" for i in range(8_000))
    return (
        "\\restrict abc\nSET statement_timeout = 0;\nSET search_path TO app;\n"
        "CREATE TABLE t (a int, b text, c int);\n"
        f"COPY t (a, b, c) FROM stdin;\n{rows}\\.\n\n"
        "LISTEN after_copy;\n"
        f"INSERT INTO places (id, name, note) VALUES\n{values};\n"
        "SELECT 1 AS x\u00a0;\n" + ("SELEC 2;\n" if syntax_error else "") + "SELECT pg_advisory_lock(7);\n"
        + "".join(f"CREATE TABLE part_{i} (id int);\n" for i in range(5_000))
        + "\\unrestrict abc\nSET ROLE admin;\n"
    )


def report(corpus: Path, *options: str) -> bytes:
    result = run_cli("check", "--isolated", "--output-format", "json", *options, ".", cwd=corpus,
                     env={"PGPOOL_LINT_JOBS": ""})
    assert result.returncode in (0, 1), result.stderr.decode()
    return result.stdout


def test_gate_and_workers_change_no_finding(corpus):
    reference = report(corpus, "--jobs", "1")
    findings = reference.count(b'"code":')
    assert findings > 50, "the corpus must give findings, or the comparison proves nothing"
    assert b'"PGB015"' in reference and b'"PGB001"' in reference
    dump = [line for line in reference.decode().splitlines() if '"generated/dump.sql"' in line]
    assert len(dump) == 5, "the generated dump must give findings on both sides of its COPY data"
    for options in (("--no-gate", "--jobs", "1"), ("--jobs", "2"), ("--no-gate", "--jobs", "2")):
        assert report(corpus, *options) == reference, f"findings differ with {' '.join(options)}"
