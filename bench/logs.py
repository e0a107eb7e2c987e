"""Benchmark: ``pgpool-lint logs`` on a generated PostgreSQL stderr log (issue 8).

    python bench/logs.py [--megabytes 200] [--keep DIR]

Writes a log in the default ``log_line_prefix`` with what busy applications send
(``log_statement = 'all'``): transactions of SELECT/INSERT/UPDATE through the extended
protocol with ``DETAIL:  parameters:`` lines, multi-line statements, and now and then a
session ``SET``, an advisory lock or a ``LISTEN``; then runs the command as a user would and
prints MB/s, lines/s, the peak memory of the run and the findings.  Run it with two sizes to
see that memory stays flat.  Timings are noisy: nothing here asserts a duration.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATEMENTS = [
    ("execute <unnamed>: SELECT id, name, price FROM products WHERE category_id = $1 AND price < $2",
     "parameters: $1 = '{n}', $2 = '{m}.50'"),
    ("execute S_3: UPDATE accounts SET balance = balance - $1 WHERE id = $2", "parameters: $1 = '{m}', $2 = '{n}'"),
    ("statement: INSERT INTO events (kind, payload) VALUES ('click', '{{\"n\": {n}}}')", None),
    ("statement: SELECT o.id,\n\t       o.total\n\t  FROM orders o\n\t WHERE o.customer_id = {n}\n\t ORDER BY o.created_at DESC", None),
    ("execute __asyncpg_stmt_{k}__: SELECT count(*) FROM sessions WHERE user_id = $1", "parameters: $1 = '{n}'"),
]
RARE = ["statement: SET search_path TO tenant_{k}", "execute <unnamed>: SELECT pg_advisory_lock($1)",
        "statement: LISTEN jobs_{k}"]


def write_log(path: Path, megabytes: int, seed: int = 8) -> int:
    rng = random.Random(seed)
    target = megabytes << 20
    written = lines = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            pid = rng.randint(1000, 1400)
            stamp = f"2026-11-21 06:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d} UTC [{pid}] "
            chunk = [f"{stamp}LOG:  statement: BEGIN"]
            for _ in range(rng.randint(1, 6)):
                sql, detail = rng.choice(STATEMENTS)
                values = {"n": rng.randint(1, 10**6), "m": rng.randint(1, 500), "k": rng.randint(1, 30)}
                chunk.append(f"{stamp}LOG:  {sql.format(**values)}")
                if detail:
                    chunk.append(f"{stamp}DETAIL:  {detail.format(**values)}")
            if rng.random() < 0.02:
                chunk.append(f"{stamp}LOG:  {rng.choice(RARE).format(k=rng.randint(1, 30))}")
            chunk.append(f"{stamp}LOG:  statement: COMMIT")
            text = "\n".join(chunk) + "\n"
            out.write(text)
            written += len(text)
            lines += text.count("\n")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--keep", type=Path, default=None, help="write the log here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="pgpool-lint-bench-logs-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "postgresql.log"
    try:
        lines = write_log(log, args.megabytes)
        size = log.stat().st_size / (1 << 20)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pgpool_lint", "logs", "--isolated", "--no-progress",
                               "--output-format", "json", str(log)], capture_output=True)
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        findings = json.loads(done.stdout or b"[]")
        print(f"{size:.0f} MB, {lines} lines in {elapsed:.1f} s: {size / elapsed:.1f} MB/s, "
              f"{lines / elapsed:,.0f} lines/s, peak memory {peak:.0f} MB, exit {done.returncode}")
        for f in findings:
            print(f"  {f['code']} x{f['occurrences']['count']}: {f['message'][:70]}")
        if done.stderr:
            print(done.stderr.decode(errors="replace"), file=sys.stderr)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
