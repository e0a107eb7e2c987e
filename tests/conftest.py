"""Session-scoped fixtures shared by test modules (see tests/realdb.py for the harness API)."""

from __future__ import annotations

import pytest

#: corpora are other people's files read as data (tests/corpus/*/): never collected as tests
collect_ignore_glob = ["corpus/*"]


@pytest.fixture(scope="session")
def real_postgres():
    """A real PostgreSQL (initdb'd in a temp dir, 127.0.0.1, free port), stopped by PID at the end."""
    from .realdb import missing_binaries, postgres_server

    reason = missing_binaries()
    if reason:
        pytest.skip(reason)
    with postgres_server() as pg:
        yield pg


@pytest.fixture(scope="session")
def real_pgbouncer(real_postgres):
    """PgBouncer in front of ``real_postgres``: pool_mode=transaction, ONE server connection."""
    from .realdb import pgbouncer

    with pgbouncer(real_postgres, pool_mode="transaction", pool_size=1) as bouncer:
        yield bouncer
