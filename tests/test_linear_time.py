"""Time grows linearly with every dimension of the input: statements, findings, line length,
nesting.  A ratio of CPU times at n and 4n (4 when linear, 16 when quadratic), never a
duration; the shapes are bench/linearity.py's (which prints the figures)."""

from __future__ import annotations

import sys

import pytest

from .helpers import REPO

sys.path.insert(0, str(REPO / "bench"))
import linearity  # noqa: E402  (bench/ is not a package)

#: between linear (4) and quadratic (16), with room for a machine shared with other jobs
BOUND = 10.0


@pytest.fixture(scope="module")
def linter():
    lint = linearity.make_linter()
    lint.lint_text("SELECT 1;\nSET search_path TO a;\n", "warm.sql")
    return lint


@pytest.mark.parametrize("shape", sorted(linearity.SHAPES))
def test_four_times_the_input_takes_about_four_times_the_time(linter, shape):
    make, n = linearity.SHAPES[shape]
    n = max(1, n // 2)
    small_text, large_text = make(n), make(4 * n)
    ratio = float("inf")
    for _ in range(3):  # a busy machine can slow one measurement; a quadratic stage stays slow
        small = linearity.cpu_seconds(linter, small_text, repeats=3)
        large = linearity.cpu_seconds(linter, large_text, repeats=3)
        ratio = min(ratio, large / max(small, 1e-3))
        if ratio < BOUND:
            break
    assert ratio < BOUND, f"{shape}: 4x the input took {ratio:.1f}x the CPU time"
