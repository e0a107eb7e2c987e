"""Benchmark: lint a generated repository of application code files (issue 3).

    python bench/code_files.py [--files 10000] [--keep DIR]

Writes N files in six languages (about 60 lines each: imports, classes, functions, log
messages, comments, and in one file out of five a SQL call with a pooling problem), runs
``pgpool-lint check`` on the directory as a user would, and prints files/s and findings.
It also times the linter on a file with no candidate keyword (no host parse, no SQL parse)
against one that has to be parsed.  Timings are noisy: nothing here asserts a duration.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILLER = {
    "py": ('def helper_{i}(items):\n    """Return the total of the items."""\n    total = 0\n'
           '    for item in items:\n        total += item.price * item.quantity  # running sum\n'
           '    logger.debug("computed total for %d items", len(items))\n    return total\n\n'),
    "js": ("function helper{i}(items) {{\n  // running sum of the order lines\n  let total = 0;\n"
           "  for (const item of items) {{ total += item.price * item.quantity; }}\n"
           "  console.debug(`computed total for ${{items.length}} items`);\n  return total;\n}}\n\n"),
    "ts": ("export function helper{i}(items: Item[]): number {{\n  // running sum of the order lines\n"
           "  let total = 0;\n  for (const item of items) {{ total += item.price * item.quantity; }}\n"
           "  logger.debug(`computed total for ${{items.length}} items`);\n  return total;\n}}\n\n"),
    "rb": ("  def helper_{i}(items)\n    # running sum of the order lines\n    total = 0\n"
           "    items.each {{ |item| total += item.price * item.quantity }}\n"
           "    Rails.logger.debug(\"computed total for #{{items.size}} items\")\n    total\n  end\n\n"),
    "go": ("func helper{i}(items []Item) int {{\n\t// running sum of the order lines\n\ttotal := 0\n"
           "\tfor _, item := range items {{\n\t\ttotal += item.Price * item.Quantity\n\t}}\n"
           "\tlog.Printf(\"computed total for %d items\", len(items))\n\treturn total\n}}\n\n"),
    "java": ("    public int helper{i}(List<Item> items) {{\n        // running sum of the order lines\n"
             "        int total = 0;\n        for (Item item : items) {{ total += item.price * item.quantity; }}\n"
             "        log.debug(\"computed total for {{}} items\", items.size());\n        return total;\n    }}\n\n"),
}
HEAD = {"py": "import logging\n\nlogger = logging.getLogger(__name__)\n\n", "js": "'use strict';\n\n",
        "ts": "import {{ Item }} from './item';\n\n", "rb": "class Report{n}\n", "go": "package report\n\n",
        "java": "public class Report{n} {{\n"}
TAIL = {"py": "", "js": "", "ts": "", "rb": "end\n", "go": "", "java": "}\n"}
SQL_CALL = {
    "py": "def open_session(cur):\n    cur.execute(\"SET search_path TO reports\")\n\n",
    "js": "async function listen(client) {\n  await client.query('LISTEN report_ready');\n}\n\n",
    "ts": "export async function lock(sql: any) {\n  await sql`SELECT pg_advisory_lock(${42})`;\n}\n\n",
    "rb": "  def up\n    execute <<~SQL\n      SET statement_timeout = '5min';\n    SQL\n  end\n\n",
    "go": "func use(db *sql.DB) {\n\tdb.Exec(\"SET search_path TO reports\")\n}\n\n",
    "java": "    void lock(Statement s) throws Exception {\n        s.execute(\"LISTEN report_ready\");\n    }\n\n",
}
EXT = {"py": ".py", "js": ".js", "ts": ".ts", "rb": ".rb", "go": ".go", "java": ".java"}


def make_file(n: int) -> tuple[str, str]:
    lang = list(EXT)[n % len(EXT)]
    body = HEAD[lang].format(n=n)
    for i in range(8):
        body += FILLER[lang].format(i=i)
    if n % 5 == 0:
        body += SQL_CALL[lang]
    return f"src/pkg{n // 500}/file{n}{EXT[lang]}", body + TAIL[lang]


def time_single_files() -> None:
    from pgpool_lint.core import catalogue
    from pgpool_lint.lint.linter import Linter, Settings

    linter = Linter(Settings(enabled=frozenset(r.code for r in catalogue.load().rules)))
    keywords = __import__("pgpool_lint.code", fromlist=["candidate_keywords"]).candidate_keywords(linter)
    # a file whose text spells none of the words the enabled checks look for
    quiet = b"x = 1\ny = [x, 2]\n" * 40
    assert not keywords.found_in(quiet.decode())
    parsed = make_file(0)[1].encode()
    for name, data in (("no candidate keyword (python)", quiet), ("generated file with SQL (python)", parsed)):
        linter.lint_bytes(data, "warmup.py")
        rounds = 2000
        start = time.perf_counter()
        for _ in range(rounds):
            linter.lint_bytes(data, "bench.py")
        per_file = (time.perf_counter() - start) / rounds
        print(f"{name:38s} {per_file * 1e6:8.1f} µs per file ({len(data)} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    time_single_files()
    root = args.keep or Path(tempfile.mkdtemp(prefix="pgpool-code-bench-"))
    try:
        for n in range(args.files):
            rel, body = make_file(n)
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
        expected = len(range(0, args.files, 5))
        for jobs in ("1", "0"):  # one process; one worker per CPU (the default)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "pgpool_lint", "check", "--isolated", "--output-format",
                                   "json", "--exit-zero", "src"], cwd=root, capture_output=True, text=True,
                                  env={**os.environ, "PGPOOL_LINT_JOBS": jobs})
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if proc.returncode != 0:
                sys.exit(proc.stderr)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            findings = json.loads(proc.stdout)
            label = "1 process" if jobs == "1" else f"{os.cpu_count()} workers"
            # wall time depends on what else the machine runs; CPU time does not
            print(f"{args.files} code files, {label}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, "
                  f"{len(findings)} findings (expected {expected})")
    finally:
        if args.keep is None:
            shutil.rmtree(root)


if __name__ == "__main__":
    main()
