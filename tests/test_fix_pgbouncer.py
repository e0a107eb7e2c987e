"""The safe fixes, proven against a real PgBouncer in transaction mode with one server
connection (tests/pooling_probe.py, tests/realdb.py): for every catalogue case whose safe fix
changes the SQL, a step of the original that a fixed finding sits in leaks or destroys session
state (some only when a statement between, say, a lock and its unlock fails — the cases
include such a failing statement), and every step of the fixed SQL leaves nothing behind on
the shared server connection and runs as before (the same error, if it failed).

Run alone: ``python -m pytest -m pgbouncer tests/test_fix_pgbouncer.py``.
"""

from __future__ import annotations

import pytest

from pgpool_lint.core import catalogue
from pgpool_lint.fix.edits import SAFE
from pgpool_lint.lint.fixer import Fixer

from .helpers import linter_for_case

pytestmark = pytest.mark.pgbouncer

CASES = [(rule, case) for rule in catalogue.load().rules for case in rule.cases
         if "fixed" in case and case["fixed"] != case["sql"]]


@pytest.fixture(scope="module")
def probe(real_postgres, real_pgbouncer):
    from .pooling_probe import Probe

    probe = Probe(real_postgres, real_pgbouncer)
    yield probe
    probe.close()


@pytest.mark.parametrize("rule,case", CASES, ids=[f"{rule.code}-{case['name']}" for rule, case in CASES])
def test_fixed_sql_leaves_no_session_state(probe, rule, case):
    fixed = Fixer(linter_for_case(case), {SAFE}, write=False, roots=()).fix_text(case["sql"], "case.sql")
    assert fixed.text == case["fixed"]  # what runs below is what --fix writes
    in_transaction = case.get("config", {}).get("assume-in-transaction", False)
    setup = case.get("setup", "")

    before = probe.run(case["sql"], setup=setup, in_transaction=in_transaction)
    fixed_offsets = [d.start for d in fixed.applied if d.code == rule.code]
    harmful_before = [r for r in before if r.harmful and any(r.step.start <= o <= r.step.end for o in fixed_offsets)]
    latent = all(d.severity == "warning" for d in fixed.applied if d.code == rule.code)
    assert harmful_before or latent, "the original SQL should leave session state behind:\n" + "\n".join(
        r.describe() for r in before)

    after = probe.run(fixed.text, setup=setup, in_transaction=in_transaction)
    assert len(after) == len(before)  # a fix never moves a statement into another transaction
    problems = []
    for old, new in zip(before, after):
        if new.leaks or new.destroys:
            problems.append("leaves session state behind:\n" + new.describe())
        if _sqlstate(new.clean.error) != _sqlstate(old.clean.error):  # a step that failed may still fail
            problems.append(f"runs differently (was {old.clean.error}):\n" + new.describe())
    assert not problems, f"{rule.code} {case['name']}:\n" + "\n".join(problems)


def _sqlstate(error):
    return error.split(":", 1)[0] if error else None
