"""Driver, ORM and migration-tool settings (PGB200-PGB205), through the real CLI.

The projects under tests/fixtures/drivers/ are small apps written from each tool's
documentation: the ``*-clean`` ones follow the tool's documented pooling advice and must
lint clean; the others carry the documented hazards, asserted at exact line:col.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pgpool_lint.settings import envfiles, urls

from .helpers import REPO, run_cli

FIXTURES = REPO / "tests" / "fixtures" / "drivers"
DRIVER_CODES = ("PGB200", "PGB201", "PGB202", "PGB203", "PGB204", "PGB205")


def check_json(cwd: Path, *args: str) -> tuple[int, list[dict]]:
    proc = run_cli("check", *args, "--output-format", "json", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout)


def found(findings: list[dict]) -> list[tuple]:
    return sorted((f["filename"], f["code"], f["location"]["row"], f["location"]["column"], f["severity"])
                  for f in findings if f["code"] in DRIVER_CODES)


HAZARDS = {
    "django-neon": [("mysite/settings.py", "PGB202", 11, 5, "error")],
    "prisma-supabase": [("prisma/schema.prisma", "PGB201", 7, 14, "error"),
                        ("prisma/schema.prisma", "PGB204", 7, 3, "error")],
    "rails-pgbouncer": [("config/database.yml", "PGB201", 16, 1, "error"),
                        ("config/database.yml", "PGB203", 6, 5, "error"),
                        ("config/database.yml", "PGB204", 16, 1, "error"),
                        ("config/database.yml", "PGB205", 16, 1, "error")],
    "fastapi-supabase": [("alembic/env.py", "PGB204", 17, 33, "warning"),
                         ("app/db.py", "PGB201", 11, 10, "error")],
    "node-supabase": [("knexfile.js", "PGB203", 6, 5, "error"),
                      ("src/db.ts", "PGB201", 4, 16, "error"),
                      ("src/pool.js", "PGB200", 7, 22, "error")],
    "compose-stack": [("docker-compose.yml", "PGB201", 19, 7, "error"),
                      ("docker-compose.yml", "PGB204", 31, 9, "error"),
                      ("docker-compose.yml", "PGB205", 19, 7, "error")],
}


@pytest.mark.parametrize("project", sorted(HAZARDS))
def test_documented_hazards_are_found_at_exact_positions(project):
    code, findings = check_json(FIXTURES / project, ".")
    assert code == 1
    assert found(findings) == sorted(HAZARDS[project])
    for f in findings:
        if f["code"] in DRIVER_CODES:
            assert f["source_kind"] in ("python", "yaml", "prisma", "dotenv", "toml", "ini", "javascript",
                                        "typescript")


@pytest.mark.parametrize("project", ["django-neon-clean", "prisma-supabase-clean", "rails-clean",
                                     "fastapi-supabase-clean", "postgrest-clean", "node-supabase-clean"])
def test_projects_following_the_documented_advice_lint_clean(project):
    code, findings = check_json(FIXTURES / project, ".")
    assert (code, findings) == (0, [])


def test_a_driver_finding_stands_for_the_sql_rule_finding_on_the_same_string():
    _, findings = check_json(FIXTURES / "fastapi-supabase", ".")
    on_line_17 = [f["code"] for f in findings if f["filename"] == "alembic/env.py"]
    assert on_line_17 == ["PGB204"]  # not also PGB001 session-set for the same SET
    proc = run_cli("check", ".", "--output-format", "json", "--ignore", "PGB204", cwd=FIXTURES / "fastapi-supabase")
    assert [f["code"] for f in json.loads(proc.stdout) if f["filename"] == "alembic/env.py"] == ["PGB001"]


def test_message_says_where_an_environment_variable_was_resolved():
    _, findings = check_json(FIXTURES / "prisma-supabase", ".")
    messages = [f["message"] for f in findings if f["code"] == "PGB201"]
    assert messages and "`DATABASE_URL` (value from .env)" in messages[0]
    assert "Supavisor" in messages[0]


def test_without_evidence_the_hazards_are_warnings_that_state_their_condition(tmp_path):
    """Issue 18: a URL from the environment that nothing resolves is not silence: every settings
    hazard is a warning that says "if `DATABASE_URL` goes through a transaction pooler", and one
    line on stderr says how to declare the endpoint."""
    project = tmp_path / "app"
    shutil.copytree(FIXTURES / "prisma-supabase", project)
    (project / ".env").unlink()
    (project / ".git").mkdir()  # the .env search stops at the repository root
    proc = run_cli("check", ".", "--output-format", "json", cwd=project)
    findings = json.loads(proc.stdout)
    assert proc.returncode == 1
    # (the URL itself is not visible, so a `pgbouncer=true` in it may be: no PGB201 for Prisma)
    assert found(findings) == [("prisma/schema.prisma", "PGB204", 7, 3, "warning")]
    assert all("(if `DATABASE_URL` goes through a transaction pooler: `DATABASE_URL` is not set in any .env file"
               in f["message"] for f in findings)
    assert proc.stderr.decode().count("\n") == 1
    assert proc.stderr.decode().startswith("pgpool-lint: 1 settings warning depends on what the endpoints are "
                                           "(`DATABASE_URL`): declare them in [tool.pgpool-lint]")
    assert '`direct-hosts = ["$DATABASE_URL"]` silences them' in proc.stderr.decode()
    (project / "config").mkdir()
    (project / "config" / "database.yml").write_text(
        "production:\n  adapter: postgresql\n  url: <%= ENV['DATABASE_URL'] %>\n  advisory_locks: true\n"
        "  variables:\n    lock_timeout: 5s\n")
    code, findings = check_json(project, ".")
    assert code == 1
    assert [f for f in found(findings) if f[0].startswith("config/")] == [
        ("config/database.yml", "PGB201", 1, 1, "warning"), ("config/database.yml", "PGB203", 6, 5, "warning"),
        ("config/database.yml", "PGB204", 4, 19, "warning")]
    # the prepared-statement warning names the poolers that drop them (the default profile is no evidence)
    assert "Supavisor, PgBouncer < 1.21, or max_prepared_statements = 0" in found_message(findings, "PGB201")


@pytest.mark.parametrize("declared,severity", [('pooled-hosts = ["$DATABASE_URL"]', "error"),
                                                ('direct-hosts = ["$DATABASE_URL"]', None)])
def test_declaring_the_endpoint_turns_the_warnings_into_errors_or_silence(tmp_path, declared, severity):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text("import os\nimport asyncpg\n\n"
                                     "pool = asyncpg.create_pool(os.environ['DATABASE_URL'])\n")
    (tmp_path / ".pgpool-lint.toml").write_text(declared + '\npreset = "supabase"\n')
    proc = run_cli("check", ".", "--output-format", "json", cwd=tmp_path)
    findings = json.loads(proc.stdout)
    expected = [("app.py", "PGB201", 4, 8, severity)] if severity else []
    assert (proc.returncode, found(findings), proc.stderr) == (1 if severity else 0, expected, b"")


def test_a_literal_url_to_an_ordinary_host_on_5432_stays_direct(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema.prisma").write_text(
        'datasource db {\n  provider = "postgresql"\n'
        '  url      = "postgres://app:secret@db.internal.example.com:5432/app"\n}\n')
    (tmp_path / "db.py").write_text("import asyncpg\n\n"
                                    "pool = asyncpg.create_pool('postgres://app:secret@db.internal.example.com/app')\n")
    proc = run_cli("check", ".", "--output-format", "json", cwd=tmp_path)
    assert (proc.returncode, json.loads(proc.stdout), proc.stderr) == (0, [], b"")


def found_message(findings: list[dict], code: str) -> str:
    return next(f["message"] for f in findings if f["code"] == code)


def test_pool_mode_session_silences_the_driver_rules():
    proc = run_cli("check", ".", "--output-format", "json", "--pool-mode", "session",
                   cwd=FIXTURES / "rails-pgbouncer")
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()


def test_suppression_comment_in_a_settings_file(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "postgrest.conf").write_text(
        'db-uri = "postgres://a:b@ep-x-1-pooler.us-east-2.aws.neon.tech/app"  # pgpool-lint: ignore[PGB205]\n')
    code, findings = check_json(tmp_path, ".")
    assert (code, findings) == (0, [])
    (tmp_path / "postgrest.conf").write_text(
        'db-uri = "postgres://a:b@ep-x-1-pooler.us-east-2.aws.neon.tech/app"  # pgpool-lint: ignore[no-such]\n')
    code, findings = check_json(tmp_path, ".")
    assert sorted(f["code"] for f in findings) == ["PGB100", "PGB205"]


def test_pooled_hosts_config_key_and_bad_value(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".env").write_text("DATABASE_URL=postgres://u:p@bouncer.corp:5432/db?search_path=app\n")
    assert check_json(tmp_path, ".") == (0, [])
    (tmp_path / ".pgpool-lint.toml").write_text('pooled-hosts = ["*.corp"]\n')
    code, findings = check_json(tmp_path, ".")
    assert found(findings) == [(".env", "PGB200", 1, 50, "error")]
    (tmp_path / ".pgpool-lint.toml").write_text("pooled-hosts = 5\n")
    proc = run_cli("check", ".", cwd=tmp_path)
    assert proc.returncode == 2 and b"pooled-hosts" in proc.stderr and b"Traceback" not in proc.stderr


def test_broken_settings_files_are_skipped_quietly(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "docker-compose.yml").write_text("services:\n  web: [unclosed\n")
    (tmp_path / "flyway.toml").write_text("[flyway\nurl = \n")
    (tmp_path / "settings.py").write_text("DATABASES = {\n")
    (tmp_path / "schema.prisma").write_text('datasource db {\n  url = env(\n')
    proc = run_cli("check", ".", "--output-format", "json", cwd=tmp_path)
    assert b"Traceback" not in proc.stderr
    assert [f["code"] for f in json.loads(proc.stdout) if f["code"] in DRIVER_CODES] == []


# --- the readers underneath -----------------------------------------------------------------

@pytest.mark.parametrize("url,status,prepared", [
    ("postgresql://alex:AbC123dEf@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/dbname", urls.POOLED, True),
    ("postgresql://alex:AbC123dEf@ep-cool-darkness-123456.us-east-2.aws.neon.tech/dbname", urls.DIRECT, None),
    ("postgres://postgres.ref:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres", urls.POOLED, False),
    ("postgres://postgres.ref:pw@aws-0-us-east-1.pooler.supabase.com:5432/postgres", urls.DIRECT, None),
    ("postgresql://postgres:pw@db.abcdefgh.supabase.co:6543/postgres", urls.POOLED, None),
    ("postgresql://postgres:pw@db.abcdefgh.supabase.co:5432/postgres", urls.DIRECT, None),
    ("postgres://u:p@pooled.db.prisma.io:5432/postgres", urls.POOLED, None),
    ("postgres://u:p@db.internal:5432/app?pgbouncer=true", urls.POOLED, None),
    ("postgres://u:p@db.internal:6432/app", urls.MAYBE, None),
    ("postgres://u:p@x.postgres.database.azure.com:6432/app", urls.MAYBE, False),
    ("postgres://u:p@db-pg-do-user-1-0.b.db.ondigitalocean.com:25061/pool", urls.MAYBE, None),
    ("postgres://u:p@localhost:5432/app", urls.DIRECT, None),
    ("postgres://u:p@127.0.0.1/app", urls.DIRECT, None),
    ("postgres://u:p@localhost:6432/app", urls.MAYBE, None),
    ("jdbc:postgresql://ep-a-1-pooler.eu-central-1.aws.neon.tech/db?prepareThreshold=0", urls.POOLED, True),
    ("host=ep-a-1-pooler.eu-central-1.aws.neon.tech dbname=db sslmode=require", urls.POOLED, True),
])
def test_endpoint_classification(url, status, prepared):
    endpoint = urls.classify(urls.parse(url))
    assert (endpoint.status, endpoint.prepared_statements) == (status, prepared)


def test_parameters_keep_their_offsets():
    text = "jdbc:postgresql://h:6432/db?currentSchema=app;prepareThreshold=0"
    parsed = urls.parse(text)
    assert [(p.key, p.value, text[p.offset:p.end]) for p in parsed.params] == [
        ("currentSchema", "app", "currentSchema=app"), ("prepareThreshold", "0", "prepareThreshold=0")]
    dsn = "host=h port=6543 options='-c search_path=app'"
    parsed = urls.parse(dsn)
    assert parsed.port == 6543 and parsed.get("options").value == "-c search_path=app"
    assert dsn[parsed.get("options").offset:].startswith("options=")
    assert urls.parse("not a url") is None and urls.parse("host is down") is None


def test_dotenv_reader_positions_quotes_and_references():
    text = ('# comment\nexport A="x y"  # trailing\nB=\'raw ${A}\'\nC=${A}/z\nD=plain # c\nE="multi\nline"\nF\n')
    entries = {e.key: e for e in envfiles.parse_env(text)}
    assert entries["A"].value.value == "x y" and text[entries["A"].value.verbatim] == "x"
    assert entries["B"].value.value == "raw ${A}"
    assert entries["C"].value.value == "x y/z" and entries["C"].value.verbatim is None
    assert entries["D"].value.value == "plain"
    assert entries["E"].value.value == "multi\nline"
    assert "F" not in entries


def test_postgrest_conf_reads_its_uri_from_the_environment(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "postgrest.conf").write_text('db-uri = "$(PGRST_DB_URI)"\ndb-schemas = "api"\n')
    (tmp_path / ".env").write_text("PGRST_DB_URI=postgres://a:b@ep-x-1-pooler.us-east-2.aws.neon.tech/app\n")
    code, findings = check_json(tmp_path, ".")
    # judged once, where PostgREST is configured; the .env only holds the URL
    assert found(findings) == [("postgrest.conf", "PGB205", 1, 1, "error")]
    assert "`PGRST_DB_URI` (value from .env)" in findings[0]["message"]


def test_good_job_needs_its_own_direct_database(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "config").mkdir()
    (tmp_path / "Gemfile.lock").write_text("GEM\n  remote: https://rubygems.org/\n  specs:\n    good_job (4.4.1)\n"
                                           "    pg (1.5.9)\n")
    pooled = ("    adapter: postgresql\n    url: postgres://app:pw@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/app\n"
              "    prepared_statements: false\n    advisory_locks: false\n")
    yml = tmp_path / "config" / "database.yml"
    yml.write_text("production:\n  primary:\n" + pooled)
    _, findings = check_json(tmp_path, ".")
    assert found(findings) == [("config/database.yml", "PGB205", 2, 3, "error")]
    # good_job's README: give it a database config on a direct connection
    yml.write_text("production:\n  primary:\n" + pooled + "  jobs:\n    adapter: postgresql\n"
                   "    url: postgres://app:pw@ep-cool-darkness-123456.us-east-2.aws.neon.tech/app\n"
                   "    database_tasks: false\n")
    assert check_json(tmp_path, ".") == (0, [])


def test_stdin_takes_its_kind_and_dotenv_from_stdin_filename():
    project = FIXTURES / "prisma-supabase"
    schema = (project / "prisma" / "schema.prisma").read_bytes()
    proc = run_cli("check", "-", "--stdin-filename", "prisma/schema.prisma", "--output-format", "json",
                   cwd=project, stdin=schema)
    assert proc.returncode == 1
    assert found(json.loads(proc.stdout)) == sorted(HAZARDS["prisma-supabase"])


def test_rails_reads_its_switches_from_the_url_too(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "config").mkdir()
    url = "postgres://app:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres"
    (tmp_path / "config" / "database.yml").write_text(f"production:\n  adapter: postgresql\n  url: {url}\n")
    _, findings = check_json(tmp_path, ".")
    assert [f["code"] for f in findings] == ["PGB201", "PGB204"]
    (tmp_path / "config" / "database.yml").write_text(
        f"production:\n  adapter: postgresql\n  url: {url}?prepared_statements=false&advisory_locks=false\n")
    assert check_json(tmp_path, ".") == (0, [])


SEED_FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.name != ".pgpool-lint.toml")


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_mangled_settings_files_never_crash_and_positions_stay_in_the_file(seed):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from hypothesis import strategies as st

    from pgpool_lint.lint.linter import Linter, Settings

    from .helpers import all_codes

    linter = Linter(Settings(enabled=all_codes()))
    text = seed.read_text()
    name = str(seed.relative_to(FIXTURES))

    @hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.integers(0, len(text)), st.integers(0, 40), st.text(alphabet="\"'{}[]:=#\n é😀\\$<%>-", max_size=6))
    def run(at, cut, insert):
        mangled = text[:at] + insert + text[at + cut:]
        result = linter.lint_decoded(mangled, name)
        lines = mangled.splitlines() or [""]
        for d in result.diagnostics:
            row, col = d.location
            assert 1 <= row <= max(len(lines), 1) + 1 and col >= 1

    run()


@pytest.mark.parametrize("host,expected", [
    ("ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech", [("alembic/env.py", "PGB204", 17, 33, "error")]),
    ("ep-cool-darkness-123456.us-east-2.aws.neon.tech", []),  # migrations over the direct endpoint
    ("localhost", []),  # a local PostgreSQL on its default port (found on the real settings corpus)
])
def test_alembic_env_is_judged_by_the_url_in_alembic_ini(tmp_path, host, expected):
    (tmp_path / ".git").mkdir()
    (tmp_path / "alembic").mkdir()
    shutil.copy(FIXTURES / "fastapi-supabase" / "alembic" / "env.py", tmp_path / "alembic" / "env.py")
    (tmp_path / "alembic.ini").write_text(
        f"[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://app:pw@{host}/app\n")
    _, findings = check_json(tmp_path, ".")
    assert found(findings) == expected


def test_knex_search_path_from_a_variable_is_shown_as_written(tmp_path):
    """A searchPath that is not a literal is quoted from the source, not rendered as `None`
    (found on supabase/storage in the real settings corpus)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "db.ts").write_text(
        "import { knex } from 'knex'\n"
        "export const db = knex({ client: 'pg', connection: process.env.DATABASE_URL, searchPath: tenantSchemas })\n")
    _, findings = check_json(tmp_path, ".", "--select", "PGB203")
    assert [(f["location"]["row"], f["location"]["column"], f["severity"]) for f in findings] == [(2, 78, "warning")]
    assert "`set search_path to tenantSchemas`" in findings[0]["message"]


def test_flyway_session_lock_set_in_java_code(tmp_path):
    """``Map.of("flyway.postgresql.transactional.lock", "false")`` in a Java configuration class
    (found on hmcts/lau in the real settings corpus): the value, not the key, decides."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "FlywayConfig.java").write_text(
        "class FlywayConfig {\n"
        "  FlywayConfigurationCustomizer c() {\n"
        "    return configuration -> configuration.configuration(Map.of(\"flyway.postgresql.transactional.lock\", \"false\"));\n"
        "  }\n"
        "  void keep(Properties p) { p.setProperty(\"flyway.postgresql.transactional.lock\", \"true\"); }\n"
        "}\n")
    _, findings = check_json(tmp_path, ".", "--select", "PGB204")
    assert [(f["location"]["row"], f["location"]["column"]) for f in findings] == [(3, 104)]  # at the value
