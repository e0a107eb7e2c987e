"""Shared scoring for the corpora of files nobody on the team wrote (tests/corpus/*/).

Each corpus has an expected.toml labelled by reading the files before the linter ran; a test
runs the real CLI, matches findings to labels by (file, line, code) and prints per-group tables
and every false positive / false negative with its source line (``pytest -s`` shows them).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

from .helpers import run_cli

Label = tuple[str, int, str]  # (path relative to the corpus, line, code)


def labels(entries: dict) -> set[Label]:
    """``{file: {"expect": ["12:PGB001" | {line, code}, ...]}}`` as a set of labels."""
    out: set[Label] = set()
    for name, entry in entries.items():
        for item in entry["expect"]:
            if isinstance(item, str):
                line, code = item.split(":")
                out.add((name, int(line), code))
            else:
                out.add((name, item["line"], item["code"]))
    return out


def lint(corpus: Path, cwd: Path, codes: Iterable[str], paths: list[str]) -> list[dict]:
    """The real CLI's JSON findings, file names made relative to the corpus like the labels."""
    args = ["check", "--output-format", "json", *paths]
    if codes:
        args[3:3] = ["--select", ",".join(codes)]
    result = run_cli(*args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr.decode()
    diagnostics = json.loads(result.stdout)
    for d in diagnostics:
        d["filename"] = (cwd / d["filename"]).resolve().relative_to(corpus.resolve()).as_posix()
    return diagnostics


def found_labels(diagnostics: list[dict]) -> set[Label]:
    return {(d["filename"], d["location"]["row"], d["code"]) for d in diagnostics}


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def precision(truth: set[Label], found: set[Label]) -> float:
    return ratio(len(truth & found), len(found))


def recall(truth: set[Label], found: set[Label]) -> float:
    return ratio(len(truth & found), len(truth))


def source_line(corpus: Path, name: str, line: int) -> str:
    lines = (corpus / name).read_text(encoding="utf-8").splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def table(title: str, keys: Iterable[str], key_of: Callable[[Label], str], truth: set[Label],
          found: set[Label]) -> list[str]:
    """Rows of labels / found / TP / FP / FN / precision / recall per key, and a total row."""
    counts = {key: Counter() for key in keys}
    total: Counter = Counter()
    for kind, group in (("tp", truth & found), ("fp", found - truth), ("fn", truth - found)):
        for label in group:
            counts.setdefault(key_of(label), Counter())[kind] += 1
            total[kind] += 1
    width = max([len(title), 5, *(len(k) for k in counts)])
    rows = [f"{title:<{width}} {'labels':>6} {'found':>6} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}"]
    for key, c in [*counts.items(), ("all", total)]:
        found_n, labels_n = c["tp"] + c["fp"], c["tp"] + c["fn"]
        shown_precision = f"{ratio(c['tp'], found_n):.3f}" if found_n else "n/a"  # nothing found
        shown_recall = f"{ratio(c['tp'], labels_n):.3f}" if labels_n else "n/a"  # nothing labelled
        rows.append(f"{key:<{width}} {labels_n:>6} {found_n:>6} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} "
                    f"{shown_precision:>9} {shown_recall:>7}")
    return rows


def report(corpus: Path, tables: list[list[str]], truth: set[Label], found: set[Label]) -> str:
    rows: list[str] = []
    for t in tables:
        rows += ([""] if rows else []) + t
    for title, group in (("false positives (flagged, not in the truth)", found - truth),
                         ("false negatives (in the truth, not flagged)", truth - found)):
        rows.append(f"\n{title}: {len(group)}")
        rows += [f"  {name}:{line}: {code}  {source_line(corpus, name, line)}" for name, line, code in sorted(group)]
    return "\n".join(rows)


def claims_and_questions(diagnostics: list[dict], conditional: Callable[[dict], bool]) -> tuple[set[Label], set[Label]]:
    """The findings that claim a hazard, and the warnings that state their condition (counted apart)."""
    return (found_labels([d for d in diagnostics if not conditional(d)]),
            found_labels([d for d in diagnostics if conditional(d)]))


def findings_under(diagnostics: list[dict], folders: Iterable[str]) -> list[tuple[str, int, str]]:
    """(file, line, code) of every finding in ``folders`` (slices that follow their vendor's advice)."""
    prefixes = tuple(folder.rstrip("/") + "/" for folder in folders)
    return [(d["filename"], d["location"]["row"], d["code"]) for d in diagnostics if d["filename"].startswith(prefixes)]
