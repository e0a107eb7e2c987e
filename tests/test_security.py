"""pgpool-lint runs on untrusted pull requests: it never runs the code it reads, opens no
network connection it was not given, and everything it echoes is escaped for its format."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET

from .helpers import run_cli

HOSTILE_NAME = 'evil"<x>&%0A:,.sql'
#: control characters, an ANSI sequence, XML/JSON specials and a GitHub workflow-command newline
HOSTILE_SQL = 'SET search_path TO "\x1b[2J</failure>&""\x07";\n'


def test_code_is_never_imported_or_run(tmp_path):
    marker = tmp_path / "pwned"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    (tmp_path / "settings.py").write_text(payload + "DATABASES = {'default': {'ENGINE': 'x'}}\n")
    (tmp_path / "migrate.py").write_text(payload + "def up(cur):\n    cur.execute('SET search_path TO app')\n")
    (tmp_path / "conftest.py").write_text(payload)
    (tmp_path / "setup.py").write_text(payload)
    (tmp_path / "app.js").write_text(f"require('fs').writeFileSync({json.dumps(str(marker))}, 'ran');\n")
    result = run_cli("check", "--output-format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1 and not marker.exists()
    assert [d["filename"] for d in json.loads(result.stdout)] == ["migrate.py"]


def test_no_network_connection_without_a_dsn(tmp_path):
    """Connection URLs everywhere (settings, .env, code) are read, never dialled: the run
    happens with every socket connection attempt turned into a failure."""
    (tmp_path / ".env").write_text("DATABASE_URL=postgres://u:p@ep-x-123-pooler.us-east-2.aws.neon.tech/db\n")
    (tmp_path / "db.py").write_text(
        "import asyncpg, os\nasync def go():\n    return await asyncpg.connect(os.environ['DATABASE_URL'])\n")
    (tmp_path / "m.sql").write_text("SELECT dblink_connect('c', 'host=example.com dbname=x');\n")
    guard = (
        "import socket, sys\n"
        "def refuse(*a, **k):\n    raise SystemExit('network access attempted')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\nsocket.getaddrinfo = refuse\n"
        "from pgpool_lint.cli import main\nsys.argv = ['pgpool-lint', 'check', '--output-format', 'json', '.']\nmain()\n"
    )
    import subprocess

    result = subprocess.run([sys.executable, "-c", guard], cwd=tmp_path, capture_output=True, timeout=120)
    assert b"network access attempted" not in result.stderr and result.returncode == 1, result.stderr
    assert {d["filename"] for d in json.loads(result.stdout)} >= {"m.sql"}


def test_hostile_names_and_content_are_escaped_in_every_machine_format(tmp_path):
    (tmp_path / HOSTILE_NAME).write_text(HOSTILE_SQL)
    json_out = run_cli("check", "--output-format", "json", HOSTILE_NAME, cwd=tmp_path)
    [finding] = json.loads(json_out.stdout)
    assert finding["filename"] == HOSTILE_NAME
    lines = run_cli("check", "--output-format", "json-lines", HOSTILE_NAME, cwd=tmp_path).stdout.splitlines()
    assert all(json.loads(line) for line in lines)
    sarif = json.loads(run_cli("check", "--output-format", "sarif", HOSTILE_NAME, cwd=tmp_path).stdout)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "PGB001"
    junit = run_cli("check", "--output-format", "junit", HOSTILE_NAME, cwd=tmp_path).stdout
    assert ET.fromstring(junit).iter("failure")  # well-formed XML despite </failure> and & in the input
    github = run_cli("check", "--output-format", "github", HOSTILE_NAME, cwd=tmp_path).stdout.decode()
    [annotation] = [line for line in github.splitlines() if line.startswith("::")]
    assert "file=evil\"<x>&%250A%3A%2C.sql" in annotation  # % , : escaped as the Actions toolkit does
    for fmt in ("full", "concise", "github"):
        out = run_cli("check", "--output-format", fmt, HOSTILE_NAME, cwd=tmp_path).stdout
        assert b"\x1b" not in out and b"\x07" not in out, fmt


def test_config_is_data_only(tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pgpool-lint]\n"
        f"output-format = \"__import__('os').system('touch {marker}')\"\n")
    (tmp_path / "m.sql").write_text("LISTEN x;\n")
    result = run_cli("check", "m.sql", cwd=tmp_path)
    assert result.returncode == 2 and b"output-format" in result.stderr and not marker.exists()
