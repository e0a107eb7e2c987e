"""Hostile-input probes of issue 15 (hangs and tracebacks): each builds its input in a fresh
directory, runs the real CLI bounded at ``--timeout`` seconds and prints seconds, exit code
and the last stderr line.  A probe holds when it finishes in time, exits 0/1/2 and prints no
traceback.  Usage: ``python bench/hostile_probes.py [--timeout 5] [name ...]``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _write(root: Path, name: str, data: str | bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def yaml_alias_bomb(root):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return _check_file(root, "bomb.yml", "\n".join(lines) + "\n")


def toml_header(root):
    return _check_file(root, "flyway.toml", "[" + " " * 4000 + "\n")


def _check_file(root, name, text):
    """Write one file and lint it."""
    _write(root, name, text)
    return ["check", name]


def js_concat(root):
    return _check_file(root, "q.js", "const pg = require('pg');\nclient.query('LISTEN x'" + " + 'a'" * 32000 + ");\n")


def java_concat(root):
    return _check_file(root, "Q.java", 'class Q { void f() { st.execute("LISTEN x"' + ' + "a"' * 50000 + "); } }\n")


def go_concat(root):
    return _check_file(root, "q.go", 'package q\nfunc f() { db.Exec("LISTEN x"' + ' + "a"' * 50000 + ") }\n")


def ruby_concat(root):
    return _check_file(root, "q.rb", 'conn.exec("LISTEN x"' + ' + "a"' * 50000 + ")\n")


def env_default(root):
    return _check_file(root, ".env", "A=" + "${A:-" * 40000 + "\n")


def erb_database_yml(root):
    return _check_file(root, "config/database.yml", "production:\n  url: " + "<%" * 100000 + "\n")


def ini_trailing_blanks(root):
    return _check_file(root, "flyway.conf", "flyway.url=a" + " \t" * 100000 + "x\n")


def python_noqa(root):
    return _check_file(root, "q.py", "cur.execute('LISTEN x')  # " + "noqa:" * 40000 + "\n")


def _log(root, prefix_line, n=2000):
    _write(root, "pg.log", "".join(f"{prefix_line}LOG:  statement: LISTEN x{i}\n" for i in range(n)))


def logs_many_a(root):
    _log(root, " " * 20, 200)
    return ["logs", "--format", "stderr", "--log-line-prefix", "%a " * 26, "pg.log"]


def logs_app_spaces(root):
    _log(root, "2024-01-01 00:00:00 UTC [1]: user=u,db=d,app=" + " " * 120 + ",client=1.2.3.4 ", 5000)
    return ["logs", "--format", "stderr", "pg.log"]


def logs_deep_json(root):
    _write(root, "pg.json", '{"message": ' + "[" * 100000 + "]" * 100000 + "}\n")
    return ["logs", "--format", "jsonlog", "pg.json"]


def logs_calls_infinity(root):
    _write(root, "pgss.json", '[{"query": "LISTEN x", "calls": Infinity}]\n')
    return ["logs", "--format", "pg-stat-statements", "pgss.json"]


def pyproject_deep_array(root):
    _write(root, "pyproject.toml", "[tool.other]\nx = " + "[" * 100000 + "]" * 100000 + "\n")
    return _check_file(root, "a.sql", "LISTEN x;\n")


def max_file_size_huge(root):
    _write(root, ".pgpool-lint.toml", "max-file-size = 99999999999999999999\n")
    return _check_file(root, "a.sql", "LISTEN x;\n")


def deep_tree(root):
    fd = os.open(root, os.O_RDONLY)
    for _ in range(1000):  # relative steps: a path this long exceeds PATH_MAX
        os.mkdir("d", dir_fd=fd)
        fd, old = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(old)
    with open(os.open("a.sql", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as fh:
        fh.write("LISTEN x;\n")
    os.close(fd)
    return ["check", "."]


def sarif_non_utf8_name(root):
    (root / os.fsdecode(b"caf\xe9.sql")).write_text("LISTEN x;\n")
    return ["check", "--output-format", "sarif", "."]


def output_proc_version(root):
    _write(root, "a.sql", "LISTEN x;\n")
    return ["check", "-o", "/proc/version", "a.sql"]


PROBES = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")
          and fn.__module__ == __name__ and name not in ("main",)}


def _remove(root: Path) -> None:
    """rmtree without recursion (the deep tree is 1,000 levels)."""
    stack = [str(root)]
    while stack:
        path = stack[-1]
        entries = list(os.scandir(path))
        subdirs = [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        if subdirs:
            stack.extend(subdirs)
            continue
        for e in entries:
            os.unlink(e.path)
        os.rmdir(path)
        stack.pop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    failed = 0
    for name in args.names or PROBES:
        root = Path(tempfile.mkdtemp())
        try:
            argv = PROBES[name](root)
            started = time.perf_counter()
            try:
                r = subprocess.run([sys.executable, "-m", "pgpool_lint", *argv], cwd=root, capture_output=True,
                                   timeout=args.timeout)
                took = time.perf_counter() - started
                err = r.stderr.decode("utf-8", "replace").strip().splitlines()
                ok = r.returncode in (0, 1, 2) and "Traceback" not in r.stderr.decode("utf-8", "replace")
                verdict = f"exit {r.returncode}  {err[-1][:90] if err else ''}"
            except subprocess.TimeoutExpired:
                took, ok, verdict = args.timeout, False, "TIMEOUT"
        finally:
            _remove(root)
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:24} {took:6.2f}s  {verdict}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
