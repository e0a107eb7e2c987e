"""Deployment evidence (issue 18): what an endpoint is, read where it lives in the repository —
.env files in other folders (and commented-out pooled URLs), pgbouncer.ini (or a script that
writes one), Heroku's app.json, compose / Kubernetes PgBouncer services, USE_PGBOUNCER flags,
image tags — and PgBouncer's own file as a profile source (``--verbose``) and as a file to lint
(PGB206).  Every test runs the real CLI on a small repository and asserts rule, line, column,
severity and exit code."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import run_cli

ASYNCPG_APP = "import os\nimport asyncpg\n\npool = asyncpg.create_pool(os.environ['DATABASE_URL'])\n"


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def check(root: Path, *args: str) -> tuple[int, list[tuple], list[dict], str]:
    proc = run_cli("check", "--output-format", "json", *args, ".", cwd=root)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    findings = json.loads(proc.stdout)
    rows = sorted((f["filename"], f["code"], f["location"]["row"], f["location"]["column"], f["severity"])
                  for f in findings)
    return proc.returncode, rows, findings, proc.stderr.decode()


def test_a_dotenv_in_another_folder_resolves_the_variable(tmp_path):
    root = repo(tmp_path, {
        "app/db.py": ASYNCPG_APP,
        "deploy/.env.production": "DATABASE_URL=postgres://app.ref:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres\n",
    })
    code, rows, findings, stderr = check(root)
    assert (code, rows) == (1, [("app/db.py", "PGB201", 4, 8, "error")])
    assert "`DATABASE_URL` (value from deploy/.env.production): port 6543 of Supabase's shared pooler" \
        in findings[0]["message"]
    assert stderr == ""  # nothing left to declare


def test_a_commented_out_pooled_url_in_an_example_file_counts(tmp_path):
    root = repo(tmp_path, {
        "app/db.py": ASYNCPG_APP,
        ".env.example": "# for production, through Supavisor:\n"
                        "# DATABASE_URL=postgres://app.ref:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres\n",
    })
    code, rows, findings, _ = check(root)
    assert (code, rows) == (1, [("app/db.py", "PGB201", 4, 8, "error")])
    assert "(value from .env.example (comment))" in findings[0]["message"]


PGBOUNCER_INI = """[databases]
app = host=db.internal port=5432 dbname=app

[pgbouncer]
listen_port = 6432
pool_mode = transaction
max_prepared_statements = 0
ignore_startup_parameters = application_name
"""


def test_pgbouncer_ini_sets_the_profile_and_its_port_makes_urls_pooled(tmp_path):
    root = repo(tmp_path, {
        "app/db.py": ASYNCPG_APP,
        ".env": "DATABASE_URL=postgres://app:pw@db-proxy.internal:6432/app\n",
        "requirements.txt": "fastapi==0.110\nasyncpg==0.29.0\n",
        "deploy/pgbouncer.ini": PGBOUNCER_INI,
    })
    code, rows, findings, _ = check(root)
    assert code == 1
    # port 6432 alone is a weak hint (a warning); the repository's own PgBouncer on it makes it certain
    assert rows == [("app/db.py", "PGB201", 4, 8, "error"),
                    ("deploy/pgbouncer.ini", "PGB206", 7, 27, "error")]
    by_code = {f["code"]: f["message"] for f in findings}
    assert "deploy/pgbouncer.ini runs pgbouncer in transaction mode on port 6432" in by_code["PGB201"]
    assert "max_prepared_statements=0" in by_code["PGB201"]
    assert "asyncpg (requirements.txt:2)" in by_code["PGB206"]
    # no JDBC / lib/pq client here: ignore_startup_parameters without extra_float_digits is fine
    proc = run_cli("check", "--verbose", "--output-format", "json", ".", cwd=root)
    verbose = proc.stderr.decode()
    assert "max-prepared-statements           0  (deploy/pgbouncer.ini)" in verbose
    assert "pool-mode                         transaction  (deploy/pgbouncer.ini)" in verbose
    assert "pooler configuration              deploy/pgbouncer.ini  (pool_mode transaction)" in verbose


def test_the_config_file_wins_over_the_repository_pgbouncer_ini(tmp_path):
    root = repo(tmp_path, {
        "app/db.py": ASYNCPG_APP,
        ".env": "DATABASE_URL=postgres://app:pw@db-proxy.internal:6432/app\n",
        "deploy/pgbouncer.ini": PGBOUNCER_INI,
        ".pgpool-lint.toml": 'pgbouncer-version = "1.24"\nmax-prepared-statements = 200\nselect = ["PGB201"]\n',
    })
    assert check(root)[:2] == (0, [])


def test_jdbc_clients_and_a_pgbouncer_ini_without_extra_float_digits(tmp_path):
    root = repo(tmp_path, {
        "pgbouncer.ini": "[pgbouncer]\npool_mode = transaction\nmax_prepared_statements = 200\n",
        "pom.xml": "<project>\n  <dependency>\n    <groupId>org.postgresql</groupId>\n  </dependency>\n</project>\n",
    })
    code, rows, findings, _ = check(root, "--select", "PGB206")
    assert (code, rows) == (1, [("pgbouncer.ini", "PGB206", 2, 1, "error")])
    assert "is not set, so it lacks `extra_float_digits`: JDBC / lib/pq clients connect here: jdbc (pom.xml:3)" \
        in findings[0]["message"]


def test_a_script_that_writes_pgbouncer_ini_is_a_profile_source(tmp_path):
    root = repo(tmp_path, {
        "app/db.py": ASYNCPG_APP,
        ".env": "DATABASE_URL=postgres://app:pw@localhost:6432/app\n",
        "docker/entrypoint.sh": "#!/bin/sh\ncat > /etc/pgbouncer/pgbouncer.ini <<EOF\n[pgbouncer]\n"
                                "listen_port = 6432\npool_mode = transaction\nmax_prepared_statements = 0\nEOF\n"
                                "exec pgbouncer /etc/pgbouncer/pgbouncer.ini\n",
    })
    code, rows, findings, _ = check(root)
    assert (code, rows) == (1, [("app/db.py", "PGB201", 4, 8, "error")])
    assert "docker/entrypoint.sh (writes pgbouncer.ini) runs pgbouncer in transaction mode on port 6432" \
        in findings[0]["message"]
    verbose = run_cli("check", "--verbose", ".", cwd=root).stderr.decode()
    assert "max-prepared-statements           0  (docker/entrypoint.sh (writes pgbouncer.ini))" in verbose


def test_heroku_app_json_with_the_pgbouncer_buildpack(tmp_path):
    root = repo(tmp_path, {
        "app.json": json.dumps({"name": "shop", "buildpacks": [
            {"url": "heroku/ruby"}, {"url": "https://github.com/heroku/heroku-buildpack-pgbouncer"}]}),
        "config/database.yml": "production:\n  adapter: postgresql\n  url: <%= ENV['DATABASE_URL'] %>\n"
                               "  prepared_statements: false\n",
    })
    code, rows, findings, _ = check(root)
    assert (code, rows) == (1, [("config/database.yml", "PGB204", 1, 1, "error")])
    assert "app.json uses the PgBouncer buildpack" in findings[0]["message"]


def test_a_compose_pgbouncer_service_the_app_url_names(tmp_path):
    root = repo(tmp_path, {
        "docker-compose.yml": "services:\n  db:\n    image: edoburu/pgbouncer:v1.23.1-p3\n    environment:\n"
                              "      POOL_MODE: transaction\n      MAX_PREPARED_STATEMENTS: '0'\n",
        "backend/settings.py": "import os\n\nDATABASES = {\n    'default': {\n"
                               "        'ENGINE': 'django.db.backends.postgresql',\n"
                               "        'HOST': os.environ['DB_HOST'],\n    }\n}\n",
        "backend/.env": "DB_HOST=db\n",
    })
    code, rows, findings, _ = check(root)
    assert (code, rows) == (1, [("backend/settings.py", "PGB202", 4, 5, "error")])
    assert "`db` is a PgBouncer service in transaction mode in docker-compose.yml" in findings[0]["message"]
    verbose = run_cli("check", "--verbose", ".", cwd=root).stderr.decode()
    assert "pgbouncer-version                 1.23.1  (docker-compose.yml: image tag" in verbose


def test_a_kubernetes_pgbouncer_service(tmp_path):
    root = repo(tmp_path, {
        "deploy/k8s/pgbouncer.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: shop-pgbouncer\n"
                                     "spec:\n  ports:\n  - port: 5432\n",
        ".env": "DATABASE_URL=postgres://app:pw@shop-pgbouncer:5432/shop\n",
        "app/db.py": ASYNCPG_APP,
    })
    code, rows, findings, _ = check(root)
    assert (code, rows) == (1, [("app/db.py", "PGB201", 4, 8, "warning")])  # which PgBouncer: not known
    assert "`shop-pgbouncer` is a Kubernetes Service running PgBouncer in deploy/k8s/pgbouncer.yaml" \
        in findings[0]["message"]


def test_a_use_pgbouncer_flag_is_named_in_the_condition(tmp_path):
    root = repo(tmp_path, {
        "app/db.py": ASYNCPG_APP,
        "app/config.py": "import os\n\nUSE_PGBOUNCER = os.environ.get('USE_PGBOUNCER') == '1'\n",
    })
    code, rows, findings, stderr = check(root)
    assert (code, rows) == (1, [("app/db.py", "PGB201", 4, 8, "warning")])
    assert ("if `DATABASE_URL` goes through a transaction pooler: `DATABASE_URL` is not set in any .env file of "
            "this repository, and the project supports PgBouncer (`USE_PGBOUNCER` in app/config.py:3)") \
        in findings[0]["message"]
    assert stderr.startswith("pgpool-lint: 1 settings warning depends on what the endpoints are (`DATABASE_URL`)")


def test_prisma_pgbouncer_true_on_a_pgbouncer_that_keeps_prepared_statements(tmp_path):
    """prisma/orm#21635: on PgBouncer >= 1.21 with tracking, `pgbouncer=true` only costs (DEALLOCATE ALL)."""
    schema = ('datasource db {\n  provider  = "postgresql"\n'
              '  url       = "postgres://app:pw@pgbouncer.internal:6432/app?pgbouncer=true"\n'
              '  directUrl = "postgres://app:pw@db.internal:5432/app"\n}\n')
    root = repo(tmp_path, {"prisma/schema.prisma": schema,
                           ".pgpool-lint.toml": 'pooled-hosts = ["pgbouncer.internal"]\npgbouncer-version = "1.22"\n'
                                                "max-prepared-statements = 100\n"})
    code, rows, findings, _ = check(root)
    assert (code, rows) == (1, [("prisma/schema.prisma", "PGB201", 3, 62, "warning")])
    assert "`pgbouncer=true` makes Prisma run `DEALLOCATE ALL`" in findings[0]["message"]
    (root / ".pgpool-lint.toml").write_text('pooled-hosts = ["pgbouncer.internal"]\npgbouncer-version = "1.20"\n')
    assert check(root)[:2] == (0, [])  # before 1.21 the flag is what makes Prisma work


def test_evidence_reading_can_be_turned_off(tmp_path):
    root = repo(tmp_path, {
        "app/db.py": ASYNCPG_APP,
        "deploy/.env.production": "DATABASE_URL=postgres://app.ref:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres\n",
        ".pgpool-lint.toml": "deployment-evidence = false\n",
    })
    code, rows, _, _ = check(root)
    assert (code, rows) == (1, [("app/db.py", "PGB201", 4, 8, "warning")])


GEMFILE = 'source "https://rubygems.org"\n\ngem "rails", "~> 7.1"\ngem "good_job", "~> 3.26"\ngem "statement_timeout"\n'


def test_a_manifest_with_form_feeds_points_at_the_library(tmp_path):
    """Found by fuzzing the readers: a form feed ends a line for ``str.splitlines`` (the manifest
    lines) but not for the offsets, counted at newlines: an IndexError the settings pass
    swallowed (the file read as clean), or a finding at the wrong place."""
    root = repo(tmp_path, {
        "Gemfile": "source 'https://rubygems.org'\x0cgem 'rails'\x0cgem 'pg'\x0cgem 'good_job'\n"
                   "gem 'rails'\x0cgem 'que'\n",
        "deploy/pgbouncer.ini": "[pgbouncer]\npool_mode = transaction\n",
    })
    code, rows, _, stderr = check(root)
    assert (code, rows, stderr) == (1, [("Gemfile", "PGB207", 1, 57, "error"), ("Gemfile", "PGB207", 2, 18, "error")], "")


def test_session_libraries_in_manifests_of_a_pooled_deployment(tmp_path):
    root = repo(tmp_path, {
        "Gemfile": GEMFILE,
        "Gemfile.lock": "GEM\n  specs:\n    good_job (3.26.2)\n",  # the Gemfile says it: reported once
        "mix.exs": 'defp deps do\n  [\n    {:oban, "~> 2.17"}\n  ]\nend\n',
        "deploy/pgbouncer.ini": "[pgbouncer]\npool_mode = transaction\nignore_startup_parameters = extra_float_digits\n",
    })
    code, rows, findings, _ = check(root)
    assert (code, rows) == (1, [("Gemfile", "PGB207", 4, 6, "error"), ("Gemfile", "PGB207", 5, 6, "error"),
                                ("mix.exs", "PGB207", 3, 7, "error")])
    good_job = next(f for f in findings if f["location"]["row"] == 4)
    assert "(deploy/pgbouncer.ini sets pool_mode = transaction; bensheldon/good_job#482)" in good_job["message"]
    assert "GoodJob.active_record_parent_class" in good_job["help"]


def test_session_libraries_with_their_way_out_or_without_a_pooler_are_clean(tmp_path):
    root = repo(tmp_path, {
        "mix.exs": 'defp deps do\n  [\n    {:oban, "~> 2.17"}\n  ]\nend\n',
        "config/config.exs": "import Config\nconfig :app, Oban, repo: App.Repo, notifier: Oban.Notifiers.PG\n",
        "Gemfile": GEMFILE,
    })
    assert check(root)[:2] == (0, [])  # nothing says the deployment is pooled
    (root / "pgbouncer.ini").write_text("[pgbouncer]\npool_mode = transaction\n"
                                        "ignore_startup_parameters = extra_float_digits\n")
    code, rows, _, _ = check(root)
    assert (code, rows) == (1, [("Gemfile", "PGB207", 4, 6, "error"), ("Gemfile", "PGB207", 5, 6, "error")])


def _seconds(function, *args) -> float:
    import time

    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def test_hostile_deployment_files_are_read_in_linear_time(tmp_path):
    """Unclosed templates, endless flag lines and huge scripts: n vs 4n stays a small ratio."""
    from pgpool_lint.settings.deployment import collect
    from pgpool_lint.settings.readers.read_yaml import without_templates

    def project(n: int) -> Path:
        root = tmp_path / f"p{n}"
        root.mkdir()
        (root / "values.yaml").write_text("pgbouncer:\n  x: " + "{{ " * n + "\n" + "{{\n" * n + "}}\n")
        (root / "start.sh").write_text("# pgbouncer.ini\n" + "echo pool_mode=" + "a" * n + "\n" + "x = y\n" * n)
        (root / ".env").write_text("# USE_PGBOUNCER\n" + "#DATABASE_URL=postgres://" + "a" * n + "\n")
        return root

    small, large = project(20_000), project(80_000)
    ratio = _seconds(collect, [large]) / max(_seconds(collect, [small]), 1e-4)
    assert ratio < 12, ratio
    text = "{{ " * 20_000 + "\n" + "{{\n" * 20_000
    ratio = _seconds(without_templates, text * 4) / max(_seconds(without_templates, text), 1e-4)
    assert ratio < 12, ratio


def test_a_pgcat_configuration_states_the_mode_and_port(tmp_path):
    root = repo(tmp_path, {
        "pgcat.toml": '[general]\nhost = "0.0.0.0"\nport = 6432\n\n[pools.app]\npool_mode = "transaction"\n',
        ".env": "DATABASE_URL=postgres://app:pw@pgcat.internal:6432/app?options=-c%20search_path%3Dapp\n",
    })
    code, rows, findings, _ = check(root)
    assert (code, rows) == (1, [(".env", "PGB200", 1, 56, "error")])
    assert "pgcat.toml runs pgcat in transaction mode on port 6432" in findings[0]["message"]
    verbose = run_cli("check", "--verbose", ".", cwd=root).stderr.decode()
    assert "pool-mode                         transaction  (pgcat.toml)" in verbose


def test_each_project_of_a_run_keeps_its_own_pooler_profile(tmp_path):
    """Two projects in one run: `a` runs PgBouncer in session mode, `b` says nothing.  `a`'s file
    turns the transaction-mode rules off for `a` only (before, for both: `b`'s SET went unreported,
    in whichever order the paths were given)."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "q.sql").write_text("SET search_path TO app;\n")
    (tmp_path / "a" / "pgbouncer.ini").write_text("[databases]\n* = host=db\n[pgbouncer]\npool_mode = session\n")
    for order in (("a", "b"), ("b", "a")):
        proc = run_cli("check", "--isolated", "--jobs", "1", "--output-format", "json", *order, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr.decode()
        assert [(f["filename"], f["code"], f["location"]["row"]) for f in json.loads(proc.stdout)] == [
            ("b/q.sql", "PGB001", 1)]


def test_a_project_without_a_pooler_file_keeps_the_configured_profile(tmp_path):
    """`a`'s pgbouncer.ini (1.18, max_prepared_statements = 0) makes its asyncpg pool an error;
    `b`, with the same code and no pooler file, is judged with the default profile (a warning)."""
    for name in ("a", "b"):
        (tmp_path / name / "app").mkdir(parents=True)
        (tmp_path / name / "app" / "db.py").write_text(ASYNCPG_APP)
        (tmp_path / name / ".env").write_text("DATABASE_URL=postgres://app:pw@db-proxy.internal:6432/app\n")
    (tmp_path / "a" / "pgbouncer.ini").write_text(PGBOUNCER_INI)
    proc = run_cli("check", "--isolated", "--jobs", "2", "--select", "PGB201", "--output-format", "json",
                   "a", "b", cwd=tmp_path)
    rows = sorted((f["filename"], f["location"]["row"], f["location"]["column"], f["severity"])
                  for f in json.loads(proc.stdout))
    assert rows == [("a/app/db.py", 4, 8, "error"), ("b/app/db.py", 4, 8, "warning")]
