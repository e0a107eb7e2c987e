"""Assemble the benchmark corpus: real SQL that no one on this team wrote.

    python bench/make_corpus.py [--out bench/corpus] [--no-dump]

Sources (each one used when it is on the machine, skipped with a note otherwise):

- ``debian-extension/``: PostgreSQL extension scripts and their upgrade scripts (migrations),
  ``/usr/share/postgresql/*/extension/*.sql``, as Debian ships them (contrib, and PostGIS,
  pgTAP, pgRouting and orafce when ``postgresql-15-postgis-3-scripts postgresql-15-pgtap
  postgresql-15-pgrouting-scripts postgresql-15-orafce`` are installed).  Most start with
  psql meta-commands (``\\echo ... \\quit``).  Symlinked aliases are taken once.
- ``debian-share/``: the other SQL PostgreSQL and postgresql-common ship
  (``information_schema.sql``, ``system_views.sql``, PostGIS legacy scripts, test scripts).
- ``site-packages/``: ``*.sql`` shipped inside the installed Python packages.
- ``pg_dump/``: dumps made here by pg_dump from a real PostgreSQL 15 (a throw-away cluster on
  a Unix socket in a temp dir, stopped at the end): pgbench's tables with COPY data, the same
  rows as INSERT statements, and a ``--binary-upgrade`` schema dump of a database with the
  installed extensions (every function, type and operator as pg_dump writes them).
- ``copy-data/``: the plain dump with pgbench's rows as ``COPY ... FROM stdin`` data, timed
  apart from the rest (squawk's time on COPY data grows faster than linearly).

``code/`` holds 10,000 application code files with SQL strings in six languages (the
generator of ``bench/code_files.py``).  ``x4/`` and ``x16/`` hold 4 and 16 copies (hard
links) of the scaling unit ``unit/`` (a fixed slice of the corpus) for the scaling curve;
``small.sql`` is one small clean migration for start-up time (``small-finding.sql``: the
same with one finding); ``MANIFEST`` lists every file with its SHA-256: running this twice
on the same machine gives the same MANIFEST (the dumps are made deterministic: fixed
restrict key, no timestamps).  The corpus is kept out of git (``bench/corpus/`` is in .gitignore).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "corpus"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
#: extensions created in the dumped database when their control file exists (no PostGIS:
#: its scripts are installed without the library)
DUMP_EXTENSIONS = (
    "hstore", "pg_trgm", "citext", "ltree", "cube", "earthdistance", "pgcrypto", "tablefunc", "intarray",
    "fuzzystrmatch", "isn", "seg", "btree_gist", "btree_gin", "uuid-ossp", "tsm_system_rows", "unaccent",
    "dict_int", "pg_stat_statements", "pageinspect", "pgstattuple", "postgres_fdw", "dblink", "lo", "xml2",
    "pgtap", "orafce", "plpgsql",
)
#: share of the unit slice: every Nth file of the sorted corpus (plus its dumps) - about 1/8
UNIT_EVERY = 8
RESTRICT_KEY = "pgpoollintbenchmark"


def note(message: str) -> None:
    print(f"make_corpus: {message}", file=sys.stderr, flush=True)


def copy_unique(files: list[str], dest: Path) -> int:
    """Copy each distinct file (symlinks resolved, same target taken once); returns bytes."""
    dest.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    total = 0
    for name in sorted(files):
        real = os.path.realpath(name)
        if real in seen or not os.path.isfile(real):
            continue
        seen.add(real)
        if os.path.islink(name):
            continue  # an alias (postgis--2.0.0--3.3.2.sql -> postgis--ANY--3.3.2.sql): its target is taken
        target = dest / _flat_name(name)
        shutil.copyfile(real, target)
        total += target.stat().st_size
    return total


def _flat_name(path: str) -> str:
    """A stable file name that keeps where the file came from: usr/share/x/y.sql -> x__y.sql."""
    parts = Path(path).parts
    keep = parts[-3:] if len(parts) >= 3 else parts
    return "__".join(p for p in keep if p not in ("/",))


def collect_debian(out: Path) -> None:
    ext = glob.glob("/usr/share/postgresql/*/extension/*.sql")
    if not ext:
        note("no /usr/share/postgresql/*/extension/*.sql: install postgresql-15 (and -contrib)")
    size = copy_unique(ext, out / "debian-extension")
    note(f"debian-extension: {size / 1e6:.1f} MB")
    share = [p for p in glob.glob("/usr/share/postgresql/**/*.sql", recursive=True) if "/extension/" not in p]
    share += glob.glob("/usr/share/postgresql-common/**/*.sql", recursive=True)
    size = copy_unique(share, out / "debian-share")
    note(f"debian-share: {size / 1e6:.1f} MB")


def collect_site_packages(out: Path) -> None:
    roots = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    files = [p for root in sorted(roots) for p in glob.glob(f"{root}/**/*.sql", recursive=True)]
    if not files:
        note("site-packages: no *.sql in the installed Python packages")
        return
    size = copy_unique(files, out / "site-packages")
    note(f"site-packages: {size / 1e6:.1f} MB from {len(files)} files")


# --- pg_dump from a real PostgreSQL -------------------------------------------------------------

def _pg_bin() -> Path | None:
    found = sorted(glob.glob(PG_BIN_GLOB))
    return Path(found[-1]) if found and os.path.exists(f"{found[-1]}/initdb") else None


def _as_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run as the postgres OS user when we are root (initdb refuses to run as root)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def make_dumps(out: Path, copy_dest: Path) -> None:
    bin_dir = _pg_bin()
    if bin_dir is None:
        note("pg_dump: no PostgreSQL server binaries under /usr/lib/postgresql: dumps skipped")
        return
    dest = out / "pg_dump"
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pgpool-bench-pg-"))
    os.chmod(work, 0o777)
    data, sock = work / "data", work
    port = "54329"
    started = False
    try:
        _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--no-sync",
                      "--locale=C", "-E", "UTF8"])
        _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(work / "log"), "start", "-o",
                      f"-p {port} -k {sock} -c listen_addresses='' -c fsync=off"])
        started = True
        conn = ["-h", str(sock), "-p", port, "-U", "postgres"]
        psql = [str(bin_dir / "psql"), *conn, "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        _as_postgres(psql + ["-d", "postgres", "-c", "CREATE DATABASE bench"])
        _as_postgres([str(bin_dir / "pgbench"), *conn, "-i", "-s", "1", "-q", "bench"])
        available = {Path(p).stem for p in glob.glob(f"/usr/share/postgresql/{bin_dir.parent.name}/extension/*.control")}
        created = []
        for name in DUMP_EXTENSIONS:
            if name not in available:
                continue
            try:
                _as_postgres(psql + ["-d", "bench", "-c", f'CREATE EXTENSION IF NOT EXISTS "{name}"'])
                created.append(name)
            except subprocess.CalledProcessError as exc:
                note(f"pg_dump: CREATE EXTENSION {name} failed, skipped: {exc.stderr.strip()[:120]}")
        dump = [str(bin_dir / "pg_dump"), *conn, f"--restrict-key={RESTRICT_KEY}"]
        # COPY ... FROM stdin data: kept apart (copy-data/), squawk's time grows faster than
        # linearly with the rows (see bench/RESULTS.md), so it is timed on its own
        copy_dest.mkdir(parents=True, exist_ok=True)
        _write(copy_dest / "bench_copy.sql", _as_postgres(dump + ["bench"]).stdout)
        # the same rows as INSERT statements, as `pg_dump --inserts` writes them (half of
        # pgbench_accounts, to stay under the linters' 10 MB per-file limit)
        _as_postgres(psql + ["-d", "bench", "-c", "DELETE FROM pgbench_accounts WHERE aid > 50000"])
        _write(dest / "bench_inserts.sql", _as_postgres(dump + ["--inserts", "bench"]).stdout)
        _write(dest / "bench_binary_upgrade_schema.sql",
               _as_postgres(dump + ["--binary-upgrade", "--schema-only", "bench"]).stdout)
        _write(dest / "globals.sql", _as_postgres([str(bin_dir / "pg_dumpall"), *conn, f"--restrict-key={RESTRICT_KEY}",
                                                   "--globals-only", "--no-role-passwords"]).stdout)
        note(f"pg_dump: {sum(p.stat().st_size for p in dest.iterdir()) / 1e6:.1f} MB "
             f"(extensions in the schema dump: {', '.join(created)})")
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        note(f"pg_dump: could not make the dumps ({str(detail).strip()[:300]}): skipped")
    finally:
        if started:
            subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                            "-w", "stop"] if os.geteuid() == 0 else
                           [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


# --- scaling copies, small file, manifest --------------------------------------------------------

def sql_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.sql") if p.is_file())


def make_unit(sql_root: Path, unit: Path) -> None:
    """A fixed slice (every UNIT_EVERY-th file) of the corpus: the 1x of the scaling curve."""
    for index, path in enumerate(sql_files(sql_root)):
        if index % UNIT_EVERY:
            continue
        target = unit / path.relative_to(sql_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        _link(path, target)


def make_copies(unit: Path, dest: Path, copies: int) -> None:
    for n in range(copies):
        for path in sql_files(unit):
            target = dest / f"copy-{n:02d}" / path.relative_to(unit)
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(path, target)


def _link(source: Path, target: Path) -> None:
    """A hard link (the copies cost no disk); a copy where links are not possible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


CODE_FILES = 10_000


def make_code(dest: Path, count: int = CODE_FILES) -> None:
    """Application code with SQL strings, six languages (the generator of bench/code_files.py)."""
    sys.path.insert(0, str(HERE))
    from code_files import make_file

    for n in range(count):
        name, body = make_file(n)
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")


#: start-up is timed on a small migration as a pre-commit hook sees it: clean, and with one finding
SMALL_SQL = """\
-- a typical small migration
BEGIN;
ALTER TABLE accounts ADD COLUMN last_login timestamptz;
CREATE INDEX accounts_last_login_idx ON accounts (last_login);
COMMIT;
"""
SMALL_SQL_WITH_FINDING = SMALL_SQL.replace("COMMIT;", "SET search_path TO app, public;\nCOMMIT;")


def manifest(out: Path) -> str:
    lines = []
    for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != "MANIFEST"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(out).as_posix()}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-dump", action="store_true", help="skip the pg_dump part (no PostgreSQL server)")
    args = parser.parse_args()
    out: Path = args.out
    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    sql_root = out / "sql"
    collect_debian(sql_root)
    collect_site_packages(sql_root)
    if not args.no_dump:
        make_dumps(sql_root, out / "copy-data")
    files = sql_files(sql_root)
    if not files:
        sys.exit("make_corpus: no SQL found on this machine (install postgresql-15)")
    make_unit(sql_root, out / "unit")
    make_copies(out / "unit", out / "x4", 4)
    make_copies(out / "unit", out / "x16", 16)
    make_code(out / "code")
    (out / "small.sql").write_text(SMALL_SQL, encoding="utf-8")
    (out / "small-finding.sql").write_text(SMALL_SQL_WITH_FINDING, encoding="utf-8")
    (out / "MANIFEST").write_text(manifest(out), encoding="utf-8")
    size = sum(p.stat().st_size for p in files)
    unit = sum(p.stat().st_size for p in sql_files(out / "unit"))
    note(f"corpus: {len(files)} SQL files, {size / 1e6:.1f} MB in {sql_root}; scaling unit {unit / 1e6:.1f} MB "
         f"(x4, x16 as hard links); {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
