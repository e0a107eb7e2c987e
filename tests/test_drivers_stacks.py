"""Driver and framework settings of the Elixir, PHP, C# and Rust stacks (issue 19), through
the CLI on small projects: the endpoint comes from the file, from ``.env`` files, or (Oban) from
the repo's configuration in a sibling config file; direct endpoints are never reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import run_cli

SUPAVISOR = "postgresql://postgres.abcd:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres"
DIRECT = "postgresql://postgres:pw@db.abcd.supabase.co:5432/postgres"


def findings(root: Path, *args: str) -> list[tuple[str, int, int, str]]:
    proc = run_cli("check", "--isolated", "--output-format", "json", *args, ".", cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return sorted((Path(d["filename"]).as_posix(), d["location"]["row"], d["location"]["column"], d["code"])
                  for d in json.loads(proc.stdout))


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


PHOENIX = {
    "config/config.exs": "import Config\n\nconfig :shop, Oban,\n  repo: Shop.Repo,\n  queues: [default: 10]\n",
    "config/runtime.exs": (
        "import Config\n\nif config_env() == :prod do\n  database_url =\n    System.get_env(\"DATABASE_URL\") ||\n"
        "      raise \"DATABASE_URL is missing\"\n\n  config :shop, Shop.Repo,\n    url: database_url,\n"
        "    pool_size: 10\nend\n"),
}


def test_phoenix_app_on_supavisor(tmp_path: Path) -> None:
    root = write(tmp_path, {**PHOENIX, ".env": f"DATABASE_URL={SUPAVISOR}\n"})
    assert findings(root) == [
        ("config/config.exs", 3, 15, "PGB205"),  # Oban's default notifier LISTENs; the repo is in runtime.exs
        ("config/runtime.exs", 8, 17, "PGB201"),  # no prepare: :unnamed
    ]


def test_phoenix_app_with_the_documented_settings_is_clean(tmp_path: Path) -> None:
    files = {name: text.replace("pool_size: 10", "pool_size: 10,\n    prepare: :unnamed")
             .replace("queues:", "notifier: Oban.Notifiers.PG,\n  queues:") for name, text in PHOENIX.items()}
    assert findings(write(tmp_path, {**files, ".env": f"DATABASE_URL={SUPAVISOR}\n"})) == []


def test_phoenix_app_on_a_direct_url_is_clean(tmp_path: Path) -> None:
    assert findings(write(tmp_path, {**PHOENIX, ".env": f"DATABASE_URL={DIRECT}\n"})) == []


def test_elixir_suppression_comment(tmp_path: Path) -> None:
    files = dict(PHOENIX)
    files["config/runtime.exs"] = files["config/runtime.exs"].replace(
        "config :shop, Shop.Repo,", "# pgpool-lint: ignore[driver-prepared-statements] (PgBouncer 1.24 here)\n"
        "  config :shop, Shop.Repo,")
    assert findings(write(tmp_path, {**files, ".env": f"DATABASE_URL={SUPAVISOR}\n"})) == [
        ("config/config.exs", 3, 15, "PGB205")]


LARAVEL = """<?php

return [
    'default' => env('DB_CONNECTION', 'pgsql'),
    'connections' => [
        'pgsql' => [
            'driver' => 'pgsql',
            'url' => env('DB_URL'),
            'host' => env('DB_HOST', '127.0.0.1'),
            'port' => env('DB_PORT', '5432'),
            'database' => env('DB_DATABASE', 'laravel'),
            'search_path' => 'billing',
            'sslmode' => 'prefer',
        ],
    ],
];
"""


def test_laravel_on_supavisor_from_env(tmp_path: Path) -> None:
    env = "DB_CONNECTION=pgsql\nDB_HOST=aws-0-eu-west-1.pooler.supabase.com\nDB_PORT=6543\n"
    root = write(tmp_path, {"config/database.php": LARAVEL, ".env": env})
    assert findings(root) == [
        ("config/database.php", 6, 9, "PGB201"),  # the `pgsql` connection: PDO prepares on the server by default
        ("config/database.php", 12, 30, "PGB203"),  # set search_path to billing on connect
    ]


def test_laravel_on_localhost_is_clean(tmp_path: Path) -> None:
    root = write(tmp_path, {"config/database.php": LARAVEL, ".env": "DB_HOST=127.0.0.1\nDB_PORT=5432\n"})
    assert findings(root) == []


def test_sqlx_and_npgsql(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "src/main.rs": ('async fn main() -> anyhow::Result<()> {\n'
                        '    let url = std::env::var("DATABASE_URL")?;\n'
                        '    let pool = PgPoolOptions::new().connect(&url).await?;\n    Ok(())\n}\n'),
        "appsettings.json": ('{\n  "ConnectionStrings": {\n    "Db": "Host=aws-0-eu-west-1.pooler.supabase.com;'
                             'Port=6543;Database=postgres;Options=-c search_path=app;Max Auto Prepare=10"\n  }\n}\n'),
        ".env": f"DATABASE_URL={SUPAVISOR}\n",
    })
    assert findings(root) == [
        ("appsettings.json", 3, 11, "PGB208"),  # Npgsql's pool sends DISCARD ALL (no No Reset On Close=true)
        ("appsettings.json", 3, 81, "PGB200"),  # Options=-c search_path=app
        ("appsettings.json", 3, 108, "PGB201"),  # Max Auto Prepare=10
        ("src/main.rs", 3, 16, "PGB201"),  # no statement_cache_capacity(0)
    ]


DRIZZLE_KIT = ('import type {{ Config }} from "drizzle-kit";\n\n'
               'const direct = process.env.POSTGRES_URL!{rewrite};\n\n'
               'export default {{\n  dialect: "postgresql",\n  dbCredentials: {{ url: direct }},\n}} satisfies Config;\n')


@pytest.mark.parametrize("rewrite,expected", [
    ("", [("packages/db/drizzle.config.ts", 7, 3, "PGB204")]),  # drizzle-kit through Supavisor :6543
    ('.replace(":6543", ":5432")', []),  # create-t3-turbo's rewrite: the session port
    ('.replaceAll(":6543", ":5432")', []),
    ('.replace("supabase.com", "supabase.com")', [("packages/db/drizzle.config.ts", 7, 3, "PGB204")]),
    ('.replace(/6543/, "5432")', [("packages/db/drizzle.config.ts", 7, 3, "PGB204")]),  # a regex: not evaluated
])
def test_drizzle_kit_url_rewritten_with_replace(tmp_path: Path, rewrite: str, expected: list) -> None:
    """`.replace(old, new)` with literal arguments applies to the value the .env gives the variable;
    a replacement the reader does not evaluate leaves the endpoint unknown (a conditional warning)."""
    root = write(tmp_path, {"packages/db/drizzle.config.ts": DRIZZLE_KIT.format(rewrite=rewrite),
                            ".env.example": f'POSTGRES_URL="{SUPAVISOR}"\n'})
    assert findings(root) == expected


@pytest.mark.parametrize("name,content", [
    ("appsettings.json", '{"a": "' + '\\"' * 200_000 + "\n}"),  # an unterminated string full of escapes
    ("appsettings.json", '{"Db": "Host=a;' + "Port=1;" * 50_000 + '"}'),
    ("Db.cs", 'var s = "Host=db;' + "a b c=1;" * 50_000 + '";\n'),
    ("db.php", "<?php $pdo = new PDO('pgsql:host=x;' . " + "$a . " * 20_000 + "'');\n"),
    ("config/runtime.exs", "config :app, App.Repo, url: " + "a = " * 20_000 + "System.get_env(\"X\")\n"),
    ("lib/x/repo.ex", "defmodule X.Repo do\n  use Ecto.Repo\n  def init(_, c) do\n"
     + "    c = c |> Keyword.put(:url, System.get_env(\"X\")) |> Keyword.merge(prepare: :named)\n" * 20_000
     + "  end\nend\n"),
    ("main.rs", "let url = " + "&" * 50_000 + "std::env::var(\"X\")?;\nPgPool::connect(&url);\n"),
    ("Db.kt", 'val s = "' + "$x" * 100_000 + ' jdbc:postgresql://h/db"\n'),
    # a chain of replacements that would multiply a long literal: not evaluated past URL size
    ("drizzle.config.ts", 'const u = "' + "a" * 500_000 + '"' + '.replaceAll("a", "aaaaaaaaaa")' * 6
     + ";\nexport default { dbCredentials: { url: u } };\n"),
])
def test_pathological_settings_finish(tmp_path: Path, name: str, content: str) -> None:
    """Each would take minutes with a quadratic step in a reader; the suite has a timeout."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    proc = run_cli("check", "--isolated", "--output-format", "json", name, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    json.loads(proc.stdout)


REPO_WITH_INIT = ("defmodule Shop.Repo do\n  use Ecto.Repo, otp_app: :shop, adapter: Ecto.Adapters.Postgres\n\n"
                  "  @impl true\n  def init(_type, config) do\n    config =\n      config\n"
                  "      |> Keyword.put(:url, System.fetch_env!(\"DATABASE_URL\"))\n"
                  "      |> Keyword.merge(pool_size: 5)\n\n    {:ok, config}\n  end\nend\n")


def test_ecto_url_set_by_the_repo_init_callback(tmp_path: Path) -> None:
    """The config names no endpoint; lib/shop/repo.ex's init/2 sets DATABASE_URL: judged at the config
    (once), and Oban's notifier on that repo too."""
    root = write(tmp_path, {
        "mix.exs": "defmodule Shop.MixProject do\nend\n",
        "config/config.exs": "import Config\nconfig :shop, Oban, repo: Shop.Repo, queues: [default: 10]\n",
        "config/runtime.exs": "import Config\nconfig :shop, Shop.Repo, pool_size: 10\n",
        "lib/shop/repo.ex": REPO_WITH_INIT,
        ".env": f"DATABASE_URL={SUPAVISOR}\n",
    })
    assert findings(root) == [("config/config.exs", 2, 15, "PGB205"), ("config/runtime.exs", 2, 15, "PGB201")]
    (root / "lib/shop/repo.ex").write_text(REPO_WITH_INIT.replace("merge(pool_size", "merge(prepare: :unnamed, pool_size"))
    assert findings(root) == [("config/config.exs", 2, 15, "PGB205")]
    (root / ".env").write_text(f"DATABASE_URL={DIRECT}\n")
    assert findings(root) == []


def test_ecto_repo_init_without_a_config_is_judged_in_the_module(tmp_path: Path) -> None:
    root = write(tmp_path, {"mix.exs": "defmodule Shop.MixProject do\nend\n", "lib/shop/repo.ex": REPO_WITH_INIT,
                            ".env": f"DATABASE_URL={SUPAVISOR}\n"})
    assert findings(root) == [("lib/shop/repo.ex", 5, 7, "PGB201")]


def test_module_path_follows_elixirs_convention() -> None:
    from pgpool_lint.settings.readers.read_elixir import module_path

    assert module_path("MyApp.Repo") == "my_app/repo.ex"
    assert module_path("HTTPServer.PGRepo") == "http_server/pg_repo.ex"
    assert module_path("Shop.Repo2") == "shop/repo2.ex"


def test_repo_init_reader_is_linear() -> None:
    """n `Keyword.put` lines in init/2 (piped, nested in a module): n vs 4n CPU time (a ratio)."""
    from .helpers import linter_for_case
    from .linear import assert_linear

    linter = linter_for_case({})
    line = '    c = c |> Keyword.put(:url, System.get_env("X")) |> Keyword.merge(prepare: :named)\n'
    assert_linear(lambda n: "defmodule X.Repo do\n  use Ecto.Repo\n  def init(_, c) do\n" + line * n + "  end\nend\n",
                  lambda text: linter.lint_decoded(text, "lib/x/repo.ex"), 200)


def test_ecto_repo_module_not_named_by_convention(tmp_path: Path) -> None:
    """hexpm's layout: `Shop.RepoBase` lives in lib/shop/repo.ex, no mix.exs beside config/ and lib/:
    the init/2 URL still reaches the configuration, and the repo is reported once."""
    module = REPO_WITH_INIT.replace("defmodule Shop.Repo do", "defmodule Shop.RepoBase do")
    root = write(tmp_path, {
        "config/config.exs": "import Config\nconfig :shop, Shop.RepoBase, priv: \"priv/repo\"\n",
        "lib/shop/repo.ex": module,
        ".env": f"DATABASE_URL={SUPAVISOR}\n",
    })
    assert findings(root) == [("config/config.exs", 2, 15, "PGB201")]
