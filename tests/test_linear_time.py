"""Time grows linearly with every dimension of the input: statements, findings, line length,
nesting.  A ratio of CPU times at n and 4n (4 when linear, 16 when quadratic), never a
duration; the shapes are bench/linearity.py's (which prints the figures)."""

from __future__ import annotations

import sys

import pytest

from .helpers import REPO
from .linear import assert_linear

sys.path.insert(0, str(REPO / "bench"))
import linearity  # noqa: E402  (bench/ is not a package)


@pytest.fixture(scope="module")
def linter():
    lint = linearity.make_linter()
    lint.lint_text("SELECT 1;\nSET search_path TO a;\n", "warm.sql")
    return lint


@pytest.mark.parametrize("shape", sorted(linearity.SHAPES))
def test_four_times_the_input_takes_about_four_times_the_time(linter, shape):
    make, n = linearity.SHAPES[shape]
    assert_linear(make, lambda text: linter.lint_text(text, "bench.sql"), n=max(1, n // 2))


def test_many_executes_of_one_prepared_statement_are_linear(linter):
    """Each EXECUTE quotes the query of the last PREPARE of its name: looked up, not searched
    for among every statement before it."""
    assert_linear(lambda n: "PREPARE q AS SELECT 1;\n" + "EXECUTE q;\n" * n,
                  lambda text: linter.lint_text(text, "bench.sql"), n=6000)
