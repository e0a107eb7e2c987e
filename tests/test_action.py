"""The GitHub Action (action.yml): inputs reach the shell only through environment variables,
and its lint script does what the README says when run the way the runner runs it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from .helpers import REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def test_composite_action_with_declared_inputs():
    assert ACTION["runs"]["using"] == "composite"
    declared = set(ACTION["inputs"])
    used = set()
    for step in STEPS:
        for expression in EXPRESSION.findall(yaml.safe_dump(step)):
            used |= set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", expression))
    assert used <= declared, used - declared  # no typo'd input
    assert declared <= used, declared - used  # no input that does nothing


@pytest.mark.parametrize("step", [s for s in STEPS if "run" in s], ids=lambda s: s["name"])
def test_run_scripts_contain_no_expressions(step):
    """`${{ ... }}` inside `run:` is pasted into the script before the shell sees it: an input
    (or any context value) there is a script injection.  Only `env:` may carry them."""
    assert "${{" not in step["run"]
    assert step["shell"] == "bash"
    for name, value in step.get("env", {}).items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name)


def test_the_checker_catches_an_expression_in_run():
    bad = {"name": "x", "shell": "bash", "run": 'echo "${{ inputs.paths }}"'}
    with pytest.raises(AssertionError):
        test_run_scripts_contain_no_expressions(bad)


def run_lint_step(cwd, env_inputs: dict) -> tuple[subprocess.CompletedProcess, str]:
    """Run the action's lint step with bash, as the runner does (inputs as env vars)."""
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    step = next(s for s in STEPS if s.get("id") == "lint")
    output = cwd / "github_output"
    output.write_text("")
    env = {k: v for k, v in os.environ.items() if k != "PGPOOL_LINT_OUTPUT_FORMAT"}
    # the install step's outputs: the binary and its python, called by their paths (the job's
    # PATH, here without pgpool-lint, is not the action's to change)
    env.update({"PGPOOL_LINT_BIN": shutil.which("pgpool-lint"), "PGPOOL_LINT_PYTHON": sys.executable,
                "PATH": "/usr/bin:/bin"})
    env.update({"GITHUB_OUTPUT": str(output), **env_inputs})
    for name, value in step["env"].items():
        match = EXPRESSION.fullmatch(value.strip())
        expression = match.group(1).strip() if match else ""
        if expression.startswith("inputs."):
            env.setdefault(name, str(ACTION["inputs"][expression.removeprefix("inputs.")].get("default", "")))
        else:
            assert name in env, f"{name} ({value}) has no value in this test"
    r = subprocess.run(["bash", "-c", step["run"]], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return r, output.read_text()


def test_lint_step_annotates_and_reports_the_exit_code(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001.sql").write_text("SELECT 1;\nLISTEN jobs;\n")
    r, outputs = run_lint_step(tmp_path, {"INPUT_PATHS": "migrations"})
    assert r.returncode == 0, r.stderr  # findings fail the later step, after any upload
    assert r.stdout.startswith("::error file=migrations/001.sql,line=2,col=1,endLine=2,endColumn=12,")
    assert outputs == "exit-code=1\n"


def test_lint_step_writes_sarif(tmp_path):
    (tmp_path / "a.sql").write_text("LISTEN jobs;\n")
    r, outputs = run_lint_step(tmp_path, {"INPUT_PATHS": "a.sql", "INPUT_FORMAT": "sarif",
                                          "INPUT_ARGS": "--select PGB002"})
    assert r.returncode == 0, r.stderr
    assert outputs == "sarif-file=pgpool-lint.sarif\nexit-code=1\n"
    assert '"ruleId": "PGB002"' in (tmp_path / "pgpool-lint.sarif").read_text()


def test_hostile_inputs_are_data_not_code(tmp_path):
    (tmp_path / "ok.sql").write_text("SELECT 1;\n")
    r, outputs = run_lint_step(tmp_path, {"INPUT_PATHS": "ok.sql $(touch pwned1) `touch pwned2`",
                                          "INPUT_ARGS": "; touch pwned3"})
    assert not any(tmp_path.glob("pwned*"))
    assert outputs.endswith("exit-code=2\n")  # the odd words were taken as (missing) paths/options
    assert r.returncode == 2


def test_multi_line_inputs_and_arguments_with_spaces(tmp_path):
    """`paths: |` and `args: |` keep every line (``read -a`` kept only the first, and the job
    passed green while paths were skipped); quotes group a path or argument with spaces."""
    for name in ("a/1.sql", "b/2.sql", "my dir/3.sql", "legacy dumps/4.sql"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("LISTEN jobs;\n")
    r, outputs = run_lint_step(tmp_path, {
        "INPUT_PATHS": "a\nb/2.sql\n\"my dir\"\nlegacy\\ dumps\n",
        "INPUT_ARGS": "--select PGB002\n--extend-exclude 'legacy dumps/'\n"})
    assert r.returncode == 0, r.stderr
    files = sorted(line.split(",")[0].removeprefix("::error file=") for line in r.stdout.splitlines())
    assert files == ["a/1.sql", "b/2.sql", "my dir/3.sql"] and outputs == "exit-code=1\n"


def test_an_unbalanced_quote_is_an_error_not_a_skip(tmp_path):
    r, outputs = run_lint_step(tmp_path, {"INPUT_PATHS": "\"migrations"})
    assert r.returncode == 2 and outputs == ""
    assert "::error title=pgpool-lint::input paths: No closing quotation" in r.stderr


def test_no_path_pollution_and_a_pinned_upload():
    install = next(s for s in STEPS if s.get("id") == "install")
    assert "GITHUB_PATH" not in install["run"]  # the user's later steps keep their python and pip
    lint = next(s for s in STEPS if s.get("id") == "lint")
    assert '"$PGPOOL_LINT_BIN" check ' in lint["run"]
    uses = [s["uses"] for s in STEPS if "uses" in s]
    assert uses and all(re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", u) for u in uses), uses
