"""Settings patterns that public bug reports showed the rules missing (issue 18), through the real
CLI: rule, line, column, severity and exit code.  Each case is written from the pattern's own
documentation; the endpoint comes from the environment (nothing says what it is: warnings), or
is declared pooled in the config (errors), or points at a literal direct host (clean)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import run_cli

PATTERNS = {
    # SQLAlchemy + psycopg2 passes `options` as a libpq startup parameter (dagster-io/dagster#33416)
    "sqlalchemy-connect-args-options": ("app/db.py", """import os
from sqlalchemy import create_engine

engine = create_engine(
    os.environ["DATABASE_URL"],
    connect_args={"options": "-c statement_timeout=30000"},
)
""", [("app/db.py", "PGB200", 6, 30)]),
    # asyncpg server_settings built in a local variable, then passed by name
    "asyncpg-server-settings-variable": ("app/pool.py", """import os
import asyncpg


async def init_pool():
    server_settings = {"application_name": "api", "statement_timeout": "5000"}
    return await asyncpg.create_pool(
        os.environ["DATABASE_URL"], statement_cache_size=0, server_settings=server_settings
    )
""", [("app/pool.py", "PGB200", 6, 72)]),
    # Django DATABASES from dj_database_url.parse, then changed key by key, never disabling cursors
    "django-dj-database-url-parse-then-keys": ("mysite/settings.py", """import os

import dj_database_url

DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["OPTIONS"] = {"sslmode": "require"}
""", [("mysite/settings.py", "PGB202", 5, 14)]),
    # pgx: ConnConfig.RuntimeParams are startup parameters (go-gorm/postgres#219)
    "pgx-runtime-params": ("internal/db/db.go", """package db

import (
	"context"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func Open(ctx context.Context) (*pgxpool.Pool, error) {
	config, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		return nil, err
	}
	config.ConnConfig.RuntimeParams["statement_timeout"] = "30000"
	config.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	return pgxpool.NewWithConfig(ctx, config)
}
""", [("internal/db/db.go", "PGB200", 16, 34)]),
    # a Helm helpers template that builds the URL (the chart's PgBouncer on 6432)
    "helm-tpl-options": ("chart/templates/_helpers.tpl", """{{/* the application's connection string */}}
{{- define "shop.databaseUrl" -}}
postgresql://{{ .Values.db.user }}@{{ include "shop.fullname" . }}-pgbouncer:6432/shop?options=-c%20search_path%3Dshop
{{- end }}
""", [("chart/templates/_helpers.tpl", "PGB200", 3, 88)]),
    # Airflow's migrations in Python (airflow.utils.db.upgradedb)
    "airflow-upgradedb": ("scripts/migrate.py", """from airflow.utils.db import upgradedb

if __name__ == "__main__":
    upgradedb()
""", [("scripts/migrate.py", "PGB204", 4, 5)]),
}


#: findings that need evidence of a pooler (a declared one here): SQLAlchemy's default QueuePool
ALSO_ON_A_DECLARED_POOLER = {"sqlalchemy-connect-args-options": [("app/db.py", "PGB208", 4, 10, "info")]}


def run(root: Path) -> tuple[int, list[tuple], str]:
    proc = run_cli("check", "--output-format", "json", ".", cwd=root)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    findings = json.loads(proc.stdout)
    rows = sorted((f["filename"], f["code"], f["location"]["row"], f["location"]["column"], f["severity"])
                  for f in findings)
    return proc.returncode, rows, proc.stderr.decode()


def write(tmp_path: Path, name: str, text: str, config: str = "") -> Path:
    (tmp_path / ".git").mkdir()
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if config:
        (tmp_path / ".pgpool-lint.toml").write_text(config)
    return tmp_path


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
def test_pattern_on_an_undeclared_endpoint_is_a_conditional_warning(tmp_path, pattern):
    name, text, expected = PATTERNS[pattern]
    code, rows, stderr = run(write(tmp_path, name, text))
    assert (code, rows) == (1, [(*e, "warning") for e in expected])
    assert "settings warning" in stderr or pattern == "helm-tpl-options"  # the tpl host names a pooler


@pytest.mark.parametrize("pattern", sorted(p for p in PATTERNS if p != "helm-tpl-options"))
def test_pattern_on_a_declared_pooled_endpoint_is_an_error(tmp_path, pattern):
    name, text, expected = PATTERNS[pattern]
    variable = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" if "airflow" in pattern else "DATABASE_URL"
    config = f'pooled-hosts = ["${variable}"]\npgbouncer-version = "1.25"\n'
    code, rows, stderr = run(write(tmp_path, name, text, config))
    also = ALSO_ON_A_DECLARED_POOLER.get(pattern, [])
    assert (code, rows, stderr) == (1, sorted([(*e, "error") for e in expected] + also), "")


@pytest.mark.parametrize("pattern", sorted(p for p in PATTERNS if p != "helm-tpl-options"))
def test_pattern_on_a_literal_direct_host_is_clean(tmp_path, pattern):
    name, text, _ = PATTERNS[pattern]
    root = write(tmp_path, name, text)
    variable = "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" if "airflow" in pattern else "DATABASE_URL"
    (root / ".env").write_text(f"{variable}=postgres://app:pw@db.internal.example.com:5432/app\n")
    assert run(root) == (0, [], "")


def test_airflow_migrations_in_compose_through_its_pgbouncer(tmp_path):
    root = write(tmp_path, "docker-compose.yml", """services:
  airflow-init:
    image: apache/airflow:2.9.3
    command: bash -c "airflow db migrate && airflow users create --username admin"
    environment:
      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: postgresql+psycopg2://airflow:airflow@pgbouncer:6432/airflow
  pgbouncer:
    image: bitnami/pgbouncer:1.22.1
    environment:
      PGBOUNCER_POOL_MODE: transaction
""")
    assert run(root) == (1, [("docker-compose.yml", "PGB204", 4, 14, "error")], "")
