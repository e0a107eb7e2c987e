"""PGB208 client-pool-behind-pooler through the CLI: the exact lines a user sees, the severity of
each case (Npgsql's reset on close: warning; SQLAlchemy's QueuePool: info), and no finding
without evidence that the endpoint is a transaction pooler."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import run_cli

NEON_POOLER = "postgresql+psycopg2://app:pw@ep-cool-123-pooler.us-east-2.aws.neon.tech/app"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_concise_output_and_exit_code(tmp_path: Path) -> None:
    _write(tmp_path, {
        "db.py": f'from sqlalchemy import create_engine\n\nengine = create_engine("{NEON_POOLER}", pool_pre_ping=True)\n',
        "appsettings.json": '{ "ConnectionStrings": { "Default": '
                            '"Host=aws-0-eu-west-1.pooler.supabase.com;Port=6543;Database=postgres" } }\n',
    })
    proc = run_cli("check", "--isolated", "--output-format", "concise", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.decode().splitlines() == [
        "appsettings.json:1:37: PGB208 [client-pool-behind-pooler] Npgsql pools this connection itself and resets "
        "it with `DISCARD ALL` when it is closed (`No Reset On Close` defaults to false): through a transaction "
        "pooler that reset runs on whichever server connection the pooler picks, wiping what that connection holds "
        "for other clients (prepared statements PgBouncer < 1.22 tracks), and it has caused protocol errors "
        "(npgsql#1636, #2221) (port 6543 of Supabase's shared pooler (Supavisor) is transaction mode)",
        "db.py:3:10: PGB208 [client-pool-behind-pooler] `create_engine()` keeps its own pool (the default "
        "`QueuePool` with `pool_pre_ping`) of connections to a transaction pooler, which already shares server "
        "connections: each process holds up to `pool_size + max_overflow` client connections open (double "
        "pooling; not a breakage by itself) (`ep-cool-123-pooler.us-east-2.aws.neon.tech` is a Neon pooled "
        "(`-pooler`) endpoint)",
        "Found 2 findings in 2 files (2 checked).",
    ]


def test_severities(tmp_path: Path) -> None:
    _write(tmp_path, {
        "db.py": f'from sqlalchemy.ext.asyncio import create_async_engine\n'
                 f'engine = create_async_engine("{NEON_POOLER.replace("psycopg2", "asyncpg")}",\n'
                 f'    connect_args={{"statement_cache_size": 0, "prepared_statement_cache_size": 0}})\n',
        "Program.cs": 'var ds = NpgsqlDataSource.Create(\n'
                      '    "Host=ep-cool-123-pooler.us-east-2.aws.neon.tech;Database=app;No Reset On Close=false");\n',
    })
    proc = run_cli("check", "--isolated", "--output-format", "json", ".", cwd=tmp_path)
    rows = sorted((d["filename"], d["location"]["row"], d["location"]["column"], d["code"], d["severity"])
                  for d in json.loads(proc.stdout))
    assert rows == [("Program.cs", 2, 67, "PGB208", "warning"), ("db.py", 2, 10, "PGB208", "info")]
    message = next(d["message"] for d in json.loads(proc.stdout) if d["filename"] == "db.py")
    assert "the default `AsyncAdaptedQueuePool`" in message


def test_evidence_from_the_repository_makes_an_env_url_pooled(tmp_path: Path) -> None:
    """`DATABASE_URL` set in .env to a pooler: reported; set to a direct host, or not set: nothing."""
    engine = 'import os\nfrom sqlalchemy import create_engine\nengine = create_engine(os.environ["DATABASE_URL"])\n'
    _write(tmp_path, {"db.py": engine, ".env": f"DATABASE_URL={NEON_POOLER}\n"})
    proc = run_cli("check", "--isolated", "--output-format", "json", "--select", "PGB208", ".", cwd=tmp_path)
    assert [(d["location"]["row"], d["location"]["column"]) for d in json.loads(proc.stdout)] == [(3, 10)]
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://app:pw@ep-cool-123.us-east-2.aws.neon.tech/app\n")
    proc = run_cli("check", "--isolated", "--output-format", "json", "--select", "PGB208", ".", cwd=tmp_path)
    assert json.loads(proc.stdout) == []
    (tmp_path / ".env").unlink()
    proc = run_cli("check", "--isolated", "--output-format", "json", "--select", "PGB208", ".", cwd=tmp_path)
    assert json.loads(proc.stdout) == []
