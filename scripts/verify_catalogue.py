"""Prove the rule catalogue against a real PgBouncer and record, per rule, what it was proven on.

    python scripts/verify_catalogue.py            # run the suite, update `verified` in rules/*.toml
    python scripts/verify_catalogue.py --dry-run  # run the suite, only print the verdicts

Runs ``pytest -m pgbouncer tests/test_pgbouncer_verify.py`` (which starts PostgreSQL and
PgBouncer itself) and reads its JUnit report.  A rule gets
``verified = "PgBouncer <version> / PostgreSQL <version>"`` — the versions the run itself
recorded — when a case it must flag and a case it must not flag both passed against the
server and no case failed or was an expected failure; cases skipped for the reason the catalogue gives (``standalone``, not SQL)
do not count either way.  A rule that did not pass loses a ``verified`` line it had, so the
catalogue never keeps a claim the last run did not prove.  Then ``docs/rules.md`` is
regenerated.  Exit status: 1 when a case failed, 2 when the suite could not run (servers
missing), else 0 (an expected failure — a claim that needs a newer PgBouncer than the one
run — withholds ``verified`` without failing).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
TEST_FILE = "tests/test_pgbouncer_verify.py"
CASE_TEST = re.compile(r"test_case_behaves_as_catalogued_behind_pgbouncer\[(PGB\d+)-")


def run_suite(report: Path) -> int:
    argv = [sys.executable, "-m", "pytest", "-q", "-m", "pgbouncer", "-p", "no:cacheprovider",
            f"--junitxml={report}", TEST_FILE]
    return subprocess.run(argv, cwd=REPO).returncode


def outcomes(report: Path) -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """(recorded properties, {rule code: [(case name, passed|failed|skipped|xfailed)]})."""
    root = ET.parse(report).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    per_rule: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for case in suite.iter("testcase"):
        match = CASE_TEST.match(case.get("name", ""))
        if not match:
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif (skipped := case.find("skipped")) is not None:
            outcome = "xfailed" if skipped.get("type") == "pytest.xfail" else "skipped"
        else:
            outcome = "passed"
        per_rule[match.group(1)].append((case.get("name").split("-", 1)[1].rstrip("]"), outcome))
    return properties, per_rule


def set_verified(path: Path, claim: str | None) -> bool:
    """Write (or, with None, remove) the rule file's top-level ``verified`` line: a targeted edit."""
    lines = path.read_text(encoding="utf-8").split("\n")
    current = [i for i, line in enumerate(lines) if line.startswith("verified = ")]
    new_line = f'verified = "{claim}"' if claim else None
    if current:
        if new_line == lines[current[0]]:
            return False
        if new_line:
            lines[current[0]] = new_line
        else:
            del lines[current[0]]
    elif new_line:
        anchor = next(i for i, line in enumerate(lines) if line.startswith("severity = "))
        lines.insert(anchor + 1, new_line)
    else:
        return False
    path.write_text("\n".join(lines), encoding="utf-8")
    return True


def main(argv: list[str]) -> int:
    dry_run = "--dry-run" in argv
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.xml"
        status = run_suite(report)
        if not report.exists():
            print("the suite did not run", file=sys.stderr)
            return 2
        properties, per_rule = outcomes(report)
    if "pgbouncer_version" not in properties:
        print("the servers did not start (see the skip reason above): nothing verified", file=sys.stderr)
        return 2
    claim = f"PgBouncer {properties['pgbouncer_version']} / PostgreSQL {properties['postgresql_version']}"
    sys.path.insert(0, str(REPO))
    from pgpool_lint.core import catalogue as catalogue_mod

    catalogue = catalogue_mod.load()
    failed_rules = 0
    for path in sorted(RULES.glob("PGB*.toml")):
        code = path.name.split("-", 1)[0]
        results = per_rule.get(code, [])
        counts = {k: sum(1 for _, o in results if o == k) for k in ("passed", "failed", "xfailed", "skipped")}
        must_flag = {c["name"] for c in catalogue.get(code).cases if c.get("expect")}
        passed = {name for name, outcome in results if outcome == "passed"}
        proven = bool(passed & must_flag) and bool(passed - must_flag) and counts["failed"] == counts["xfailed"] == 0
        if proven:
            verdict = "verified"
        elif counts["failed"]:
            verdict = "NOT verified"
        elif counts["xfailed"]:
            verdict = "not verified on these versions (expected failure)"
        elif counts["passed"]:
            verdict = "not verified: no case of each kind (must flag / must not flag) ran"
        else:
            verdict = "not run"
        print(f"{code}: {verdict} ({', '.join(f'{v} {k}' for k, v in counts.items() if v)})")
        for name, outcome in results:
            if outcome in ("failed", "xfailed"):
                print(f"    {outcome}: {name}")
        failed_rules += verdict == "NOT verified"
        if not dry_run and set_verified(path, claim if proven else None):
            print(f"    updated {path.relative_to(REPO)}")
    if not dry_run:
        subprocess.run([sys.executable, "-m", "pgpool_lint.report.docs"], cwd=REPO, check=True)
    return 0 if status == 0 and not failed_rules else 1  # pytest: 0 = no failures (xfail and skips allowed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
