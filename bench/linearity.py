"""Time linear in input size: the same kind of input at n and 4n, linted in-process.

    python bench/linearity.py            # prints t(4n) / t(n) per input shape (4.0 is linear)

Each shape grows one dimension: statements, findings (with fixes), line length, nesting of
parentheses and of comments.  CPU time (``time.process_time``) of ``Linter.lint_text``, best
of ``repeats``, so other processes on the machine count less.  ``tests/test_linear_time.py``
asserts a loose bound on the same shapes (a ratio, never a duration).
"""

from __future__ import annotations

import time
from typing import Callable


def _statements(n: int) -> str:  # every 4th one parsed (the gate passes it), a finding each
    return "".join(f"SELECT a, b FROM t{i % 7} WHERE c = {i};\n" if i % 4 else f"SELECT nextval('s{i}');\n"
                   for i in range(n))


def _findings(n: int) -> str:  # a finding with a fix each, half of them inside transactions
    return "".join(f"SET search_path TO app{i};\n" if i % 2 else f"BEGIN;\nSET work_mem = '{i}MB';\nCOMMIT;\n"
                   for i in range(n))


def _line_length(n: int) -> str:  # one line: a long INSERT, then a finding on the same line
    return "INSERT INTO t VALUES " + ",".join(f"({i}, 'x{i}')" for i in range(n)) + "; SET search_path TO app;\n"


def _nested_parentheses(n: int) -> str:  # parsed (the gate passes it) and a finding
    return f"SELECT pg_advisory_lock({'(' * n}7{')' * n});\n"


def _nested_comments(n: int) -> str:
    return "SELECT 1 /* " + "/* " * n + "x" + " */" * n + " */;\nSET search_path TO app;\n"


#: shape -> (text for size n, n); n chosen so one lint takes a few tenths of a second
SHAPES: dict[str, tuple[Callable[[int], str], int]] = {
    "statements": (_statements, 8000),
    "findings": (_findings, 1500),
    "line length": (_line_length, 100000),
    "nesting (parentheses)": (_nested_parentheses, 100000),  # past libpg_query's depth limit: cheap per character
    "nesting (comments)": (_nested_comments, 100000),
}


def make_linter():
    """A linter with every rule on, as ``pgpool-lint check`` builds it."""
    try:  # the package layout of issue 16
        from pgpool_lint.core import catalogue
        from pgpool_lint.lint.linter import Linter, Settings
    except ImportError:
        from pgpool_lint import catalogue
        from pgpool_lint.linter import Linter, Settings
    return Linter(Settings(enabled=frozenset(r.code for r in catalogue.load().rules)))


def cpu_seconds(linter, text: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        linter.lint_text(text, "bench.sql")
        best = min(best, time.process_time() - started)
    return best


def ratios(scale: float = 3.0, repeats: int = 5) -> dict[str, tuple[float, float, float]]:
    """shape -> (CPU s at n, CPU s at 4n, ratio).  Measured at three times the shapes' sizes (the
    test's are half of them): at those sizes a lint now takes tens of milliseconds, where a
    2-core VM's jitter moved a ratio by a whole unit."""
    linter = make_linter()
    linter.lint_text("SELECT 1;\nSET search_path TO a;\n", "warm.sql")  # imports and caches
    out = {}
    for name, (make, n) in SHAPES.items():
        n = max(1, int(n * scale))
        small, large = cpu_seconds(linter, make(n), repeats), cpu_seconds(linter, make(4 * n), repeats)
        out[name] = (small, large, large / small if small else float("inf"))
    return out


def main() -> None:
    print("| input grows in | n: CPU | 4n: CPU | 4n / n (4.0 = linear) |\n|---|---:|---:|---:|")
    for name, (small, large, ratio) in ratios().items():
        print(f"| {name} | {small:.3f} s | {large:.3f} s | {ratio:.2f} |")


if __name__ == "__main__":
    main()
