"""Benchmark pgpool-lint against squawk on the same real SQL files.

    python bench/make_corpus.py          # once: assemble bench/corpus/ (see that file)
    python bench/run.py [--runs 3] [--startup-runs 20] [--no-scaling] [--json FILE]

For each measurement the two linters run one after the other, alternating, ``--runs`` times
each, as a user runs them (whole process, default output format, output read and thrown
away).  Reported per tool: median wall time, MB/s and statements/s (statements counted
once with PostgreSQL's parser), CPU time (user + system), peak memory of the largest
process (``ru_maxrss`` from ``wait4``) and of all its processes together (sampled from
/proc every 10 ms, so worker pools count in full), and the pgpool-lint/squawk ratio of the
medians.  Then: start-up for one small SQL file (median of ``--startup-runs``), the scaling
curve (1x, 4x, 16x a fixed slice of the corpus), a pg_dump with COPY data, and 10,000
application code files (pgpool-lint only: squawk reads SQL only).

Runs use compiled bytecode as an installed package does (``PYTHONDONTWRITEBYTECODE`` is
dropped and one warm-up run writes the .pyc files).  The machine's other load shows up in
wall time: compare ratios measured side by side, and the CPU times.  Nothing here asserts
a duration.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None  # Debian package `time`
SQUAWK_TIMEOUT = 60.0  # seconds: squawk's time on COPY data grows faster than linearly


@dataclass
class Run:
    wall: float
    cpu: float
    max_rss_kib: int  # largest single process
    tree_rss_kib: int  # all processes of the run together (sampled)
    exit_code: int
    stdout_tail: str = ""
    timed_out: bool = False


@dataclass
class Measure:
    label: str
    tool: str
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def max_rss_mib(self) -> float:
        return max(r.max_rss_kib for r in self.runs) / 1024

    @property
    def tree_rss_mib(self) -> float:
        return max(r.tree_rss_kib for r in self.runs) / 1024

    @property
    def timed_out(self) -> bool:
        return any(r.timed_out for r in self.runs)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "PGPOOL_LINT_JOBS", "PGPOOL_LINT_OUTPUT_FORMAT", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    return env


def _tree_rss_kib(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            pid, ppid, pages = int(entry), int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(pid)
        rss[pid] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


def run_once(cmd: list[str], cwd: Path, timeout: float = 3600.0) -> Run:
    """One whole-process run: wall time, CPU and peak memory from wait4, tree memory sampled."""
    # /usr/bin/time reports the peak RSS of the command itself: a child forked straight from
    # this Python process would count this process's own pages from before its exec
    stats = Path(tempfile.mkstemp(prefix="pgpool-bench-")[1])
    if TIME:
        cmd = [TIME, "-q", "-f", "%M", "-o", str(stats), *cmd]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env())
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tail = bytearray()

    def drain() -> None:
        for chunk in iter(lambda: proc.stdout.read(65536), b""):
            tail.extend(chunk)
            del tail[:-4096]

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    timed_out = False
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            timed_out = True
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.002)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    reader.join(timeout=5)
    try:
        max_rss = int(stats.read_text().split()[-1])
    except (OSError, ValueError, IndexError):  # no /usr/bin/time, or killed: the sampled peak
        max_rss = peak[0]
    stats.unlink(missing_ok=True)
    return Run(wall, usage.ru_utime + usage.ru_stime, max_rss, max(peak[0], max_rss),
               proc.returncode, tail.decode("utf-8", "replace").strip().splitlines()[-1:][0] if tail.strip() else "",
               timed_out)


def pgpool(paths: list[str], jobs: int) -> list[str]:
    exe = shutil.which("pgpool-lint") or sys.exit("run: pgpool-lint is not installed (pip install -e .)")
    return [exe, "check", "--jobs", str(jobs), *paths]


def squawk(patterns: list[str]) -> list[str]:
    exe = shutil.which("squawk") or sys.exit("run: squawk is not installed (pip install squawk-cli)")
    return [exe, *patterns]


def alternate(label: str, commands: dict[str, list[str]], runs: int, cwd: Path,
              timeout: float = 3600.0) -> dict[str, Measure]:
    """Each command ``runs`` times, taking turns, so drifting machine load hits all alike."""
    measures = {tool: Measure(label, tool) for tool in commands}
    for n in range(runs):
        for tool, cmd in commands.items():
            if measures[tool].timed_out:
                continue
            run = run_once(cmd, cwd, timeout if tool == "squawk" else 3600.0)
            measures[tool].runs.append(run)
            print(f"  {label:<14} {tool:<18} run {n + 1}: {run.wall:7.2f} s wall, {run.cpu:7.2f} s CPU, "
                  f"{run.max_rss_kib / 1024:6.1f} MiB largest process, {run.tree_rss_kib / 1024:6.1f} MiB all"
                  + (" (timed out)" if run.timed_out else ""), file=sys.stderr, flush=True)
    return measures


def corpus_stats(root: Path, pattern: str = "*.sql") -> tuple[int, int, int]:
    """(files, bytes, statements) of the SQL under ``root``; statements by libpg_query."""
    from pglast.parser import ParseError, split

    files = sorted(p for p in root.rglob(pattern) if p.is_file())
    size = statements = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        size += len(text.encode())
        try:
            statements += len(split(text, with_parser=False, only_slices=True))
        except ParseError:  # psql meta-commands the scanner rejects: count top-level ';'
            statements += text.count(";\n")
    return len(files), size, statements


def main() -> None:
    parser = argparse.ArgumentParser(description="pgpool-lint vs squawk on bench/corpus")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool per measurement (median)")
    parser.add_argument("--startup-runs", type=int, default=20)
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1x/4x/16x curve")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args()
    if not (CORPUS / "sql").is_dir():
        sys.exit("run: no corpus: run `python bench/make_corpus.py` first")
    cores = os.cpu_count() or 1
    results: dict = {"machine": machine(), "rows": []}

    print("warm-up (writes .pyc files as an installed package has them)", file=sys.stderr)
    run_once(pgpool(["small.sql"], 1), CORPUS)

    files, size, statements = corpus_stats(CORPUS / "sql")
    print(f"corpus: {files} SQL files, {size / 1e6:.1f} MB, {statements} statements", file=sys.stderr)
    rows = []
    m = alternate("corpus", {"pgpool-lint -j1": pgpool(["sql"], 1), f"pgpool-lint -j{cores}": pgpool(["sql"], cores),
                             "squawk": squawk(["sql/**/*.sql"])}, args.runs, CORPUS)
    rows.append(("whole corpus", size, statements, m))

    # the interpreter alone, for scale: what any Python command pays before its first import
    m = alternate("startup", {"pgpool-lint -j1": pgpool(["small.sql"], 1), "squawk": squawk(["small.sql"]),
                              "python -c pass": [sys.executable, "-c", "pass"]},
                  args.startup_runs, CORPUS)
    rows.append(("one small file", (CORPUS / "small.sql").stat().st_size, 4, m))
    if (CORPUS / "small-finding.sql").exists():  # the full format then loads rich to show it
        m = alternate("startup", {"pgpool-lint -j1": pgpool(["small-finding.sql"], 1),
                                  "squawk": squawk(["small-finding.sql"])}, args.startup_runs, CORPUS)
        rows.append(("one small file, 1 finding", (CORPUS / "small-finding.sql").stat().st_size, 5, m))

    if not args.no_scaling:
        for scale, folder in (("1x", "unit"), ("4x", "x4"), ("16x", "x16")):
            _, s_size, s_statements = corpus_stats(CORPUS / folder)
            m = alternate(f"scaling {scale}", {"pgpool-lint -j1": pgpool([folder], 1),
                                               f"pgpool-lint -j{cores}": pgpool([folder], cores),
                                               "squawk": squawk([f"{folder}/**/*.sql"])},
                          1 if scale == "16x" else args.runs, CORPUS)
            rows.append((f"scaling {scale}", s_size, s_statements, m))

    copy_files, copy_size, copy_statements = corpus_stats(CORPUS / "copy-data")
    if copy_files:
        m = alternate("COPY data", {"pgpool-lint -j1": pgpool(["copy-data"], 1), "squawk": squawk(["copy-data/*.sql"])},
                      1, CORPUS, timeout=SQUAWK_TIMEOUT)
        rows.append(("pg_dump COPY data", copy_size, copy_statements, m))

    if (CORPUS / "code").is_dir():
        code_files = sum(1 for p in (CORPUS / "code").rglob("*") if p.is_file())
        code_size = sum(p.stat().st_size for p in (CORPUS / "code").rglob("*") if p.is_file())
        m = alternate("code files", {"pgpool-lint -j1": pgpool(["code"], 1),
                                     f"pgpool-lint -j{cores}": pgpool(["code"], cores)}, args.runs, CORPUS)
        rows.append((f"{code_files} code files", code_size, 0, m))

    print(table(rows, cores))
    for label, size, statements, measures in rows:
        results["rows"].append({"label": label, "bytes": size, "statements": statements,
                                "tools": {t: {"median_wall_s": me.wall, "median_cpu_s": me.cpu,
                                              "max_rss_mib": me.max_rss_mib, "tree_rss_mib": me.tree_rss_mib,
                                              "timed_out": me.timed_out, "runs": [asdict(r) for r in me.runs]}
                                          for t, me in measures.items()}})
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nraw runs: {args.json}", file=sys.stderr)


def table(rows, cores: int) -> str:
    """Markdown: one line per tool and measurement, the ratio to squawk beside it."""
    out = ["| measurement | tool | median wall | MB/s | statements/s | CPU (user+sys) | peak RSS largest process | "
           "peak RSS all processes | wall / squawk |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label, size, statements, measures in rows:
        peer = measures.get("squawk")
        for tool, m in measures.items():
            wall = f"> {m.wall:.2f} s (timed out)" if m.timed_out else f"{m.wall:.3f} s"
            ratio = "" if peer is None or tool == "squawk" else (
                f"< {m.wall / peer.wall:.2f}" if peer.timed_out else f"{m.wall / peer.wall:.2f}")
            mbs = f"{size / 1e6 / m.wall:.1f}" if size > 100_000 else ""
            sps = f"{statements / m.wall:,.0f}" if statements > 100 else ""
            out.append(f"| {label} | {tool} | {wall} | {mbs} | {sps} | {m.cpu:.2f} s | {m.max_rss_mib:.1f} MiB | "
                       f"{m.tree_rss_mib:.1f} MiB | {ratio} |")
    return "\n".join(out)


def machine() -> dict:
    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"

    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpus": os.cpu_count(),
            "platform": platform.platform(), "python": platform.python_version(),
            "pgpool-lint": version(["pgpool-lint", "version"]), "squawk": version(["squawk", "--version"]),
            "load average at start": os.getloadavg()}


if __name__ == "__main__":
    main()
