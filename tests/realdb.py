"""A real PostgreSQL and a real PgBouncer for tests, on 127.0.0.1, in a temporary directory.

The API is small on purpose; other test modules reuse it::

    from tests.realdb import missing_binaries, postgres_server, pgbouncer

    with postgres_server() as pg:                       # initdb + postgres, trust auth
        with pgbouncer(pg, pool_mode="transaction") as bouncer:
            with bouncer.connect() as conn:             # psycopg 3, autocommit, simple protocol
                conn.execute("SELECT 1")

- ``missing_binaries()`` — ``None`` when both servers can run here, else the reason (for a skip).
- ``postgres_server()`` — context manager: ``initdb`` a PostgreSQL 15+ cluster in a temporary
  directory, start ``postgres`` on 127.0.0.1 with a free port, yield a ``Postgres``; stop it by
  PID (also when the body raises) and delete the directory.
- ``pgbouncer(pg, pool_mode, pool_size)`` — context manager: start PgBouncer in front of ``pg``
  on 127.0.0.1 with another free port (``auth_type = trust``, a userlist with the one
  superuser), yield a ``Bouncer``; stop it by PID.
- ``Postgres.connect()`` / ``Bouncer.connect()`` — psycopg connections in autocommit that use
  the simple query protocol (``ClientCursor``) and never prepare, so the client itself leaves
  no protocol-level prepared statements on a pooled server connection.
- ``Bouncer.tracked_parameters`` — the parameters this PgBouncer version re-applies per client.

The session-scoped pytest fixtures ``real_postgres`` and ``real_pgbouncer`` (transaction mode,
one server connection) live in ``tests/conftest.py``.

PostgreSQL and PgBouncer refuse to run as root: when the tests run as root, both run as the
``postgres`` OS user (created by the Debian package), and the temporary directory is handed to
that user.  Debian packages: ``postgresql`` (any version ≥ 15) and ``pgbouncer``.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

HOST = "127.0.0.1"
SUPERUSER = "postgres"
DATABASE = "postgres"
START_TIMEOUT = 30.0

PGBOUNCER_CANDIDATES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def postgres_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<major>/bin`` with initdb and postgres (Debian layout), or PATH."""
    found = []
    for bindir in glob.glob("/usr/lib/postgresql/*/bin"):
        major = Path(bindir).parent.name
        if major.isdigit() and os.access(Path(bindir) / "initdb", os.X_OK) and os.access(Path(bindir) / "postgres", os.X_OK):
            found.append((int(major), Path(bindir)))
    if found:
        return max(found)[1]
    initdb, postgres = shutil.which("initdb"), shutil.which("postgres")
    if initdb and postgres and Path(initdb).parent == Path(postgres).parent:
        return Path(initdb).parent
    return None


def pgbouncer_binary() -> Path | None:
    for candidate in PGBOUNCER_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return Path(candidate)
    which = shutil.which("pgbouncer")
    return Path(which) if which else None


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged OS user to run the servers as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def missing_binaries() -> str | None:
    """Why the real servers cannot run here (a pytest skip reason), or None when they can."""
    missing = []
    if postgres_bindir() is None:
        missing.append("PostgreSQL server binaries (initdb, postgres; apt package 'postgresql')")
    if pgbouncer_binary() is None:
        missing.append("pgbouncer (apt package 'pgbouncer')")
    if missing:
        return "not installed: " + ", ".join(missing)
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root and there is no 'postgres' OS user to run the servers as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg 3 is not installed (pip install 'psycopg[binary]')"
    return None


def _version(binary: Path) -> str:
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+(?:\.\d+)+)", out)
    return match.group(1) if match else out.strip()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _connect(port: int, dbname: str, **kwargs):
    import psycopg

    return psycopg.connect(
        host=HOST,
        port=port,
        user=SUPERUSER,
        dbname=dbname,
        autocommit=True,
        prepare_threshold=None,
        cursor_factory=psycopg.ClientCursor,
        connect_timeout=10,
        **kwargs,
    )


@dataclass
class Postgres:
    port: int
    pid: int
    version: str
    datadir: Path
    host: str = HOST
    user: str = SUPERUSER
    dbname: str = DATABASE

    def connect(self, **kwargs):
        """A direct (not pooled) superuser connection: autocommit, simple query protocol."""
        return _connect(self.port, kwargs.pop("dbname", self.dbname), **kwargs)


@dataclass
class Bouncer:
    port: int
    pid: int
    version: str
    pool_mode: str
    pool_size: int
    admin_dbname: str = "pgbouncer"
    host: str = HOST
    user: str = SUPERUSER
    dbname: str = DATABASE

    def connect(self, **kwargs):
        """A client connection through PgBouncer: autocommit, simple query protocol, no prepares."""
        return _connect(self.port, kwargs.pop("dbname", self.dbname), **kwargs)

    @property
    def tracked_parameters(self) -> frozenset[str]:
        """Parameters this PgBouncer version re-applies per client (lower case), as the linter's
        profile derives them (``track_extra_parameters`` is left at its default here)."""
        from pgpool_lint.config.profiles import build_profile

        major_minor = ".".join(self.version.split(".")[:2])
        return build_profile({"pgbouncer-version": major_minor}).tracked_parameters


def _die_with_parent(sig: int):
    """A preexec_fn: the kernel sends ``sig`` to the server if the test process dies (even by
    SIGKILL, when no ``finally`` runs), so no server outlives a killed CI job (Linux only)."""
    try:  # resolved here: the child may no longer be allowed to read Python's files
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def preexec() -> None:
        prctl(1, int(sig))  # PR_SET_PDEATHSIG
    return preexec


def _spawn(argv: list[str], log: Path, user: pwd.struct_passwd | None, on_parent_death: int) -> subprocess.Popen:
    """Start a server in the foreground (so its PID is ours to stop), as ``user`` when given."""
    extra = {}
    env = dict(os.environ)
    if user is not None:
        extra = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        env["HOME"] = user.pw_dir
    with log.open("ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True, preexec_fn=_die_with_parent(on_parent_death),
                                **extra)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    """Stop one server by its PID: ``sig`` first (fast shutdown for postgres), SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def _wait_until_accepting(proc: subprocess.Popen, port: int, dbname: str, log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with _connect(port, dbname) as conn:
                conn.execute("SHOW VERSION" if dbname == "pgbouncer" else "SELECT 1")
            return
        except Exception as exc:  # not up yet
            last = exc
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not accept connections within {START_TIMEOUT}s: {last}\n"
                       f"{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def _workdir(prefix: str, user: pwd.struct_passwd | None) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if user is not None:
            os.chown(path, user.pw_uid, user.pw_gid)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def postgres_server(extra_settings: dict[str, str] | None = None) -> Iterator[Postgres]:
    """initdb a cluster in a temporary directory and run it on 127.0.0.1:<free port>; stop it at the end.

    ``extra_settings`` are more ``-c name=value`` server settings (e.g. logging, preloaded
    libraries); a value may contain ``{work}``, the temporary directory (owned by the server).
    """
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError(missing_binaries() or "PostgreSQL not found")
    user = _run_as()
    with _workdir("pgpool-lint-pg-", user) as work:
        datadir, log = work / "data", work / "postgres.log"
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        initdb = [str(bindir / "initdb"), "-D", str(datadir), "-U", SUPERUSER, "--auth=trust",
                  "--encoding=UTF8", "--no-sync"]
        extra = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}
        done = subprocess.run(initdb, capture_output=True, text=True, env=env, cwd=work, **extra)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        port = free_port()
        settings = {
            "listen_addresses": HOST,
            "port": str(port),
            "unix_socket_directories": str(work),  # keep off the system socket directory
            "fsync": "off",
            "full_page_writes": "off",
            "synchronous_commit": "off",
            "max_connections": "40",
            "shared_buffers": "16MB",
        }
        settings.update({key: value.replace("{work}", str(work)) for key, value in (extra_settings or {}).items()})
        argv = [str(bindir / "postgres"), "-D", str(datadir)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        proc = _spawn(argv, log, user, signal.SIGQUIT)  # SIGQUIT = immediate shutdown
        try:
            _wait_until_accepting(proc, port, DATABASE, log, "postgres")
            yield Postgres(port=port, pid=proc.pid, version=_version(bindir / "postgres"), datadir=datadir)
        finally:
            _stop(proc, signal.SIGINT)  # SIGINT = fast shutdown


@contextmanager
def pgbouncer(pg: Postgres, pool_mode: str = "transaction", pool_size: int = 1) -> Iterator[Bouncer]:
    """Run PgBouncer in front of ``pg`` on 127.0.0.1:<free port>; stop it by PID at the end."""
    binary = pgbouncer_binary()
    if binary is None:
        raise RuntimeError(missing_binaries() or "pgbouncer not found")
    user = _run_as()
    with _workdir("pgpool-lint-bouncer-", user) as work:
        port = free_port()
        log = work / "pgbouncer.log"
        (work / "userlist.txt").write_text(f'"{SUPERUSER}" ""\n')
        (work / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={pg.host} port={pg.port}\n"
            "[pgbouncer]\n"
            f"listen_addr = {HOST}\n"
            f"listen_port = {port}\n"
            f"unix_socket_dir = {work}\n"
            "auth_type = trust\n"
            f"auth_file = {work / 'userlist.txt'}\n"
            f"admin_users = {SUPERUSER}\n"
            f"pool_mode = {pool_mode}\n"
            f"default_pool_size = {pool_size}\n"
            "min_pool_size = 0\n"
            "reserve_pool_size = 0\n"
            "max_client_conn = 50\n"
            # A client waiting for the one server connection gives up instead of hanging a test.
            "query_wait_timeout = 20\n"
            # Check a server connection before every hand-out, so one a test terminated is replaced.
            "server_check_delay = 0\n"
            "server_check_query = select 1\n"
            "ignore_startup_parameters = extra_float_digits\n"
            f"logfile = {log}\n"
            f"pidfile = {work / 'pgbouncer.pid'}\n"
        )
        if user is not None:
            for path in work.iterdir():
                os.chown(path, user.pw_uid, user.pw_gid)
        proc = _spawn([str(binary), str(work / "pgbouncer.ini")], work / "stdout.log", user, signal.SIGTERM)
        try:
            _wait_until_accepting(proc, port, "pgbouncer", log, "pgbouncer")
            yield Bouncer(port=port, pid=proc.pid, version=_version(binary), pool_mode=pool_mode, pool_size=pool_size)
        finally:
            _stop(proc, signal.SIGTERM)  # SIGTERM = immediate shutdown (SIGINT would wait for clients)
