"""Benchmark pgpool-lint against squawk on the same real SQL files, ratios side by side in one run.

    bash ../shared/corpus/build_corpus.sh MIRROR ~/.cache/pgpool-corpus   # the finding-heavy corpus
    python bench/run.py [--corpus DIR] [--runs 3] [--startup-runs 20] [--clean] [--code] [--json FILE]

With the defaults (three runs of each tool) it takes 3-5 minutes on two quiet cores; the
10,000 code files (``--code``, pgpool-lint only) add a few more.

The finding-heavy corpus (``--corpus``, default ``$PGPOOL_CORPUS`` or ``~/.cache/pgpool-corpus``:
PostgreSQL's regression suites, extension scripts, a pg_dump, migrations, job-queue
libraries; recipe in the shared corpus README) is linted as a list of files
(``lists/all_sql_u8.txt`` when present: every ``.sql`` file that is valid UTF-8, since
squawk stops the whole run at the first one that is not).  ``--clean`` adds the corpus of
clean extension scripts that ``bench/make_corpus.py`` assembles in ``bench/corpus/`` (with its
pg_dump COPY data, where squawk is stopped at 60 s); ``--code`` its 10,000 code files.

For each measurement the tools run one after the other, alternating, ``--runs`` times
each, as a user runs them (whole process, output read and thrown away): pgpool-lint with
``--output-format concise`` and squawk with ``--reporter gcc`` (both one line per
finding), pgpool-lint on one worker (``--jobs 1``) and on all cores; squawk uses all cores
by itself.  Reported per tool: median wall time, MB/s and statements/s (statements counted
once with PostgreSQL's scanner), CPU time (user + system), peak memory of the largest
process (``ru_maxrss``) and of all its processes together (sampled from /proc every 10 ms,
so worker pools count in full), and the ratio of the medians to squawk's.  Then: start-up
for one small SQL file, n vs 4n (a slice of the corpus and four hard-linked copies of it,
all tools), and CPU time at n and 4n for inputs growing in statements, findings, line
length and nesting (``bench/linearity.py``, in-process).  A summary against the targets of
issue 16 ends the output.

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
    return [exe, "check", "--isolated", "--output-format", "concise", "--jobs", str(jobs), *paths]


def squawk(paths: list[str]) -> list[str]:
    exe = shutil.which("squawk") or sys.exit("run: squawk is not installed (pip install -e '.[bench]')")
    return [exe, "--reporter", "gcc", *paths]


def alternate(label: str, commands: dict[str, list[str]], runs: int, cwd: Path,
              timeout: float = 3600.0) -> dict[str, Measure]:
    """Each command ``runs`` times, taking turns, so drifting machine load hits all alike."""
    measures = {tool: Measure(label, tool) for tool in commands}
    for n in range(runs):
        for tool, cmd in commands.items():
            if measures[tool].timed_out:
                continue
            run = run_once(cmd, cwd, timeout if tool == "squawk" else 3600.0)
            if tool.startswith("pgpool-lint") and not _linted_through(run):
                # a crash is fast: never report its time as the linter's
                sys.exit(f"run: {tool} did not lint through (exit {run.exit_code}): {run.stdout_tail}")
            measures[tool].runs.append(run)
            print(f"  {label:<14} {tool:<18} run {n + 1}: {run.wall:7.2f} s wall, {run.cpu:7.2f} s CPU, "
                  f"{run.max_rss_kib / 1024:6.1f} MiB largest process, {run.tree_rss_kib / 1024:6.1f} MiB all"
                  + (" (timed out)" if run.timed_out else ""), file=sys.stderr, flush=True)
    return measures


def _linted_through(run: Run) -> bool:
    """pgpool-lint exited 0 or 1 and its last line is the concise report's end (``Found N
    findings ...``, ``All checks passed! ...``, or the ``[*] N fixable`` hint after them), not a
    traceback or an error."""
    return run.timed_out or (run.exit_code in (0, 1)
                             and run.stdout_tail.startswith(("Found ", "All checks passed", "[*] ")))


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


def corpus_files(root: Path) -> list[str]:
    """The corpus's .sql files that are valid UTF-8 (squawk stops at the first that is not)."""
    listed = root / "lists" / "all_sql_u8.txt"
    if listed.exists():
        return [line for line in listed.read_text(encoding="utf-8").splitlines() if line.strip()]
    files = []
    for path in sorted(p for p in root.rglob("*.sql") if p.is_file()):
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        files.append(str(path))
    return files


def file_stats(files: list[str]) -> tuple[int, int]:
    """(bytes, statements) of SQL files; statements by libpg_query's scanner (non-ASCII
    characters read as a letter, as pgpool-lint's public-API path does, to stay linear)."""
    import re

    from pglast.parser import ParseError, split

    non_ascii = re.compile(r"[^\x00-\x7f]")
    size = statements = 0
    for name in files:
        text = Path(name).read_text(encoding="utf-8", errors="replace")
        size += len(text.encode())
        try:
            statements += len(split(non_ascii.sub("x", text), with_parser=False, only_slices=True))
        except ParseError:  # psql meta-commands the scanner rejects: count top-level ';'
            statements += text.count(";\n")
    return size, statements


def linked_copies(files: list[str], folder: Path, copies: int) -> list[str]:
    """``copies`` hard-linked (else copied) sets of ``files`` under ``folder``."""
    out = []
    for copy in range(copies):
        for n, name in enumerate(files):
            target = folder / f"{copy}" / f"{n:05d}-{Path(name).name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(name, target)
            except OSError:
                shutil.copyfile(name, target)
            out.append(str(target))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="pgpool-lint vs squawk, ratios side by side")
    parser.add_argument("--corpus", type=Path,
                        default=Path(os.environ.get("PGPOOL_CORPUS", Path.home() / ".cache" / "pgpool-corpus")),
                        help="the finding-heavy corpus (shared corpus recipe)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool per measurement (median)")
    parser.add_argument("--startup-runs", type=int, default=20)
    parser.add_argument("--clean", action="store_true", help="also the clean corpus of bench/make_corpus.py")
    parser.add_argument("--code", action="store_true", help="also bench/make_corpus.py's 10,000 code files")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args()
    files = corpus_files(args.corpus) if args.corpus.is_dir() else []
    if not files:
        sys.exit(f"run: no .sql files under {args.corpus}: build the corpus first (see this file's docstring)")
    cores = os.cpu_count() or 1
    load_at_start = os.getloadavg()
    results: dict = {"machine": machine(), "rows": []}
    every_core = f"pgpool-lint -j{cores}"
    small = HERE / "data" / "small.sql"

    def trio(label: str, paths: list[str], runs: int) -> dict[str, Measure]:
        return alternate(label, {"pgpool-lint -j1": pgpool(paths, 1), every_core: pgpool(paths, cores),
                                 "squawk": squawk(paths)}, runs, Path.cwd())

    print("warm-up (writes .pyc files as an installed package has them)", file=sys.stderr)
    warm = run_once(pgpool([str(small)], 1), Path.cwd())
    if not _linted_through(warm):
        sys.exit(f"run: {pgpool([], 1)[0]} does not run (exit {warm.exit_code}): {warm.stdout_tail}")

    size, statements = file_stats(files)
    print(f"finding-heavy corpus: {len(files)} SQL files, {size / 1e6:.1f} MB, {statements} statements",
          file=sys.stderr)
    rows = [(f"finding-heavy corpus ({len(files)} files, {size / 1e6:.1f} MB)", size, statements,
             trio("corpus", files, args.runs))]

    m = alternate("startup", {"pgpool-lint -j1": pgpool([str(small)], 1), "squawk": squawk([str(small)]),
                              "python -c pass": [sys.executable, "-c", "pass"]}, args.startup_runs, Path.cwd())
    rows.append(("one small file (clean)", small.stat().st_size, 0, m))

    # n vs 4n: every 8th file of the corpus, and four hard-linked copies of those files
    with tempfile.TemporaryDirectory(prefix="pgpool-bench-") as tmp:
        unit = files[::8]
        n_size, n_statements = file_stats(unit)
        for scale, copies in (("n", 1), ("4n", 4)):
            paths = linked_copies(unit, Path(tmp) / scale, copies)
            rows.append((f"slice {scale} ({len(paths)} files, {n_size * copies / 1e6:.1f} MB)", n_size * copies,
                         n_statements * copies, trio(f"slice {scale}", paths, args.runs)))

    if args.clean and (CORPUS / "sql").is_dir():
        clean = sorted(str(p) for p in (CORPUS / "sql").rglob("*.sql") if p.is_file())
        c_size, c_statements = file_stats(clean)
        rows.append((f"clean corpus ({len(clean)} files, {c_size / 1e6:.1f} MB)", c_size, c_statements,
                     trio("clean corpus", clean, args.runs)))
        copy = sorted(str(p) for p in (CORPUS / "copy-data").glob("*.sql"))
        if copy:  # squawk's time on COPY data grows faster than linearly: stopped at SQUAWK_TIMEOUT
            copy_size, copy_statements = file_stats(copy)
            m = alternate("COPY data", {"pgpool-lint -j1": pgpool(copy, 1), "squawk": squawk(copy)}, 1, Path.cwd(),
                          timeout=SQUAWK_TIMEOUT)
            rows.append(("pg_dump COPY data", copy_size, copy_statements, m))
    if args.code and (CORPUS / "code").is_dir():  # pgpool-lint only: squawk reads SQL files only
        code = sorted(str(p) for p in (CORPUS / "code").rglob("*") if p.is_file())
        code_size = sum(Path(p).stat().st_size for p in code)
        m = alternate("code files", {"pgpool-lint -j1": pgpool(["code"], 1), every_core: pgpool(["code"], cores)},
                      args.runs, CORPUS)
        rows.append((f"{len(code)} code files", code_size, 0, m))

    from linearity import ratios  # bench/linearity.py

    print("linearity: CPU time at n and 4n, in-process", file=sys.stderr)
    shapes = ratios(repeats=5)

    load_at_end = os.getloadavg()
    print(f"Load average (1, 5, 15 min): {_load(load_at_start)} at the start, {_load(load_at_end)} at the end "
          f"({cores} cores); compare wall-time ratios only from a quiet machine.\n")
    print(table(rows, cores))
    print()
    print("| input grows in | n: CPU | 4n: CPU | 4n / n (4.0 = linear) |\n|---|---:|---:|---:|")
    for name, (t_small, t_large, ratio) in shapes.items():
        print(f"| {name} | {t_small:.3f} s | {t_large:.3f} s | {ratio:.2f} |")
    print()
    print(summary(rows, shapes, every_core))
    for label, size, statements, measures in rows:
        results["rows"].append({"label": label, "bytes": size, "statements": statements,
                                "tools": {t: {"median_wall_s": me.wall, "median_cpu_s": me.cpu,
                                              "max_rss_mib": me.max_rss_mib, "tree_rss_mib": me.tree_rss_mib,
                                              "timed_out": me.timed_out, "runs": [asdict(r) for r in me.runs]}
                                          for t, me in measures.items()}})
    results["linearity"] = {name: {"n_cpu_s": a, "4n_cpu_s": b, "ratio": r} for name, (a, b, r) in shapes.items()}
    results["machine"]["load average at start"] = load_at_start
    results["machine"]["load average at end"] = load_at_end
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nraw runs: {args.json}", file=sys.stderr)


def _load(averages: tuple[float, float, float]) -> str:
    return ", ".join(f"{a:.2f}" for a in averages)


def summary(rows, shapes: dict, every_core: str) -> str:
    """The targets of issue 16, each with the ratio measured in this run."""
    corpus = rows[0][3]
    peer = corpus["squawk"]
    startup = rows[1][3]["pgpool-lint -j1"]
    slices = [r[3] for r in rows if r[0].startswith("slice ")]
    out = ["| target | measured (this run) | met |", "|---|---|---|"]

    def line(target: str, measured: str, ok: bool) -> None:
        out.append(f"| {target} | {measured} | {'yes' if ok else 'no'} |")

    all_cores = corpus[every_core].wall / peer.wall
    one = corpus["pgpool-lint -j1"].wall / peer.wall
    line("all cores <= 1.0x squawk's wall", f"{all_cores:.2f}x ({corpus[every_core].wall:.2f} s vs {peer.wall:.2f} s)",
         all_cores <= 1.0)
    line("one worker <= 2.0x squawk's wall", f"{one:.2f}x ({corpus['pgpool-lint -j1'].wall:.2f} s; "
         f"CPU {corpus['pgpool-lint -j1'].cpu:.2f} s vs squawk's {peer.cpu:.2f} s)", one <= 2.0)
    peak = corpus["pgpool-lint -j1"].max_rss_mib
    line("peak memory <= 64 MiB", f"{peak:.1f} MiB one worker; {corpus[every_core].max_rss_mib:.1f} MiB largest "
         f"process and {corpus[every_core].tree_rss_mib:.1f} MiB all processes with workers "
         f"(squawk {peer.max_rss_mib:.1f} MiB)", peak <= 64)
    line("start-up on one small file <= 100 ms", f"{startup.wall * 1000:.0f} ms (median)", startup.wall <= 0.100)
    if len(slices) == 2:
        for tool in slices[0]:
            ratio = slices[1][tool].wall / slices[0][tool].wall
            line(f"n vs 4n, {tool} (4.0 = linear)", f"{ratio:.2f} (wall; CPU {slices[1][tool].cpu / max(slices[0][tool].cpu, 1e-9):.2f})",
                 ratio < 5.0 if tool != "squawk" else True)
    worst = max(shapes.items(), key=lambda kv: kv[1][2])
    line("linear in statements, findings, line length, nesting",
         ", ".join(f"{name} {r:.2f}" for name, (_, _, r) in shapes.items()) + f" (worst: {worst[0]})",
         worst[1][2] < 5.0)
    return "\n".join(out)


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
