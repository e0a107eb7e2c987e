"""Every catalogue case, proven against a real PgBouncer in transaction mode (issue 9).

For each ``[[cases]]`` entry the SQL is cut into steps (a statement, or a ``BEGIN ... COMMIT``
block) and each step runs through PgBouncer with one server connection shared by two clients
(tests/pooling_probe.py).  A step the case expects to be flagged must leak session state to the
other client, destroy state the other client planted, or depend on such state.  Every other
step must run cleanly and do none of that — unless it lies under another finding (of any
rule), or, in a case that expects findings, it is the victim of a flagged step (fails alone,
runs where the state was planted: ``FETCH`` from a ``WITH HOLD`` cursor declared earlier).

Cases linted with ``pool-mode = "statement"`` run through a second PgBouncer in statement
mode: flagged steps must be refused ("transaction blocks not allowed in statement pooling
mode"), the others must run.  Cases with ``assume-in-transaction`` run as one block.  Not run,
with the reason shown as the skip reason: driver/config cases (not SQL), ``pool-mode =
"session"`` cases, ``migration-tool`` cases.  A case that leaks only a parameter the default
profile assumes PgBouncer tracks but the running version does not (IntervalStyle before 1.20)
is an expected failure naming the version.

Case fields used here (all optional):

- ``setup``: SQL run over a direct connection first (tables, roles, functions the case uses);
- ``session_setup``: SQL another client ran on the same server connection earlier — the
  session state the case relies on or destroys (``PREPARE q ...`` for ``EXECUTE q``);
- ``standalone``: why the case cannot run on its own (parse errors, psql meta-commands, ...):
  the case is skipped with that reason.

Run alone: ``python -m pytest -m pgbouncer``.
"""

from __future__ import annotations

import pytest

from pgpool_lint.core import catalogue
from pgpool_lint.core.positions import LineIndex

pytestmark = pytest.mark.pgbouncer

CASES = [(rule, case) for rule in catalogue.load().rules for case in rule.cases if "sql" in case]


STATEMENT_MODE_REFUSAL = "transaction blocks not allowed in statement pooling mode"


@pytest.fixture(scope="session")
def statement_pgbouncer(real_postgres):
    """A second PgBouncer in front of the same server, in pool_mode=statement."""
    from .realdb import pgbouncer

    with pgbouncer(real_postgres, pool_mode="statement", pool_size=1) as bouncer:
        yield bouncer


@pytest.fixture(scope="session")
def probe(real_postgres, real_pgbouncer, record_testsuite_property):
    from .pooling_probe import Probe

    # What this run proved things against: scripts/verify_catalogue.py reads it from --junitxml.
    record_testsuite_property("pgbouncer_version", real_pgbouncer.version)
    record_testsuite_property("postgresql_version", real_postgres.version)

    probe = Probe(real_postgres, real_pgbouncer)
    yield probe
    probe.close()


def _check_statement_mode(probe, bouncer, rule, case) -> None:
    """pool_mode=statement: the flagged steps are refused by PgBouncer, the others run."""
    results = probe.run_plain(case["sql"], bouncer, setup=case.get("setup", ""))
    flagged = _flagged_steps(case["sql"], case["expect"], [step for step, _ in results])
    for i, (step, error) in enumerate(results):
        if i in flagged:
            assert error and STATEMENT_MODE_REFUSAL in error, f"{rule.code} {case['name']}: {step.text!r} got {error}"
        else:
            assert error is None, f"{rule.code} {case['name']}: {step.text!r} failed: {error}"


def _flagged_steps(sql: str, expect: list[str], steps) -> set[int]:
    """Indexes of the steps that hold an expected finding position."""
    index = LineIndex(sql)
    flagged = set()
    for position in expect:
        line, column = (int(part) for part in position.split(":"))
        offset = index.offset(line, column)
        containing = [i for i, step in enumerate(steps) if step.start <= offset]
        assert containing, f"expected position {position} lies before the first statement"
        flagged.add(containing[-1])
    return flagged


@pytest.mark.parametrize("rule,case", CASES, ids=[f"{rule.code}-{case['name']}" for rule, case in CASES])
def test_case_behaves_as_catalogued_behind_pgbouncer(probe, real_pgbouncer, statement_pgbouncer, rule, case):
    reason = _why_not_run(rule, case)
    if reason:
        pytest.skip(reason)
    if case.get("config", {}).get("pool-mode") == "statement":
        return _check_statement_mode(probe, statement_pgbouncer, rule, case)
    results = probe.run(case["sql"], setup=case.get("setup", ""), session_setup=case.get("session_setup", ""),
                        in_transaction=case.get("config", {}).get("assume-in-transaction", False))
    step_list = [r.step for r in results]
    flagged = _flagged_steps(case["sql"], case["expect"], step_list)
    covered = _steps_under_findings(rule, case, step_list)
    latent = _latent_steps(rule, case, step_list)
    untracked_here = _assumed_tracked() - real_pgbouncer.tracked_parameters
    problems, version_gaps = [], []
    for i, result in enumerate(results):
        if i in flagged and not result.harmful and i not in latent:
            problems.append("flagged, but leaks, destroys and depends on nothing:\n" + result.describe())
        elif i in covered:
            continue  # inside the span of a finding (this rule's, or another rule's): may well be harmful
        elif case["expect"] and result.clean.error and result.depends_on_session_state and not (
                result.leaks or result.destroys):
            continue  # the victim of a flagged step: it needs the state that step leaves behind
        elif not result.harmless:
            if result.clean.error is None and _only_parameters(result.leaks | result.destroys, untracked_here):
                version_gaps.append(result.step.text)
            else:
                problems.append("not flagged, but is not a clean standalone transaction:\n" + result.describe())
    assert not problems, f"{rule.code} {case['name']}:\n" + "\n".join(problems)
    if version_gaps:
        pytest.xfail(f"PgBouncer {real_pgbouncer.version} does not track {', '.join(sorted(untracked_here))} "
                     f"(the default profile assumes it does): {version_gaps} leak here")


def _latent_steps(rule, case, steps) -> set[int]:
    """Steps where this rule only warns of a latent hazard (severity lowered to warning, e.g. a
    WITH HOLD cursor closed in its own transaction): they may run without harm today."""
    from .helpers import linter_for_case

    diagnostics = [d for d in linter_for_case(case).lint_text(case["sql"], case.get("filename", "case.sql"))
                   if d.code == rule.code]
    return {i for i, step in enumerate(steps)
            if (mine := [d for d in diagnostics if step.start <= d.start < max(step.end, step.start + 1)])
            and all(d.severity == "warning" for d in mine) and rule.severity != "warning"}


def _steps_under_findings(rule, case, steps) -> set[int]:
    """Steps overlapping a finding's span, except the steps this rule's own findings start in."""
    from .helpers import linter_for_case

    diagnostics = linter_for_case(case).lint_text(case["sql"], case.get("filename", "case.sql"))
    covered = set()
    for d in diagnostics:
        for i, step in enumerate(steps):
            if step.start < max(d.end, d.start + 1) and d.start < step.end:
                covered.add(i)
    return covered


def _why_not_run(rule, case) -> str | None:
    """Why a case is not run against the server, or None.  Only the catalogue's own words
    (``standalone``) or what the case is (not SQL, not linted for transaction pooling)."""
    if "standalone" in case:
        return f"cannot run standalone: {case['standalone']}"
    if rule.kind == "driver" or not case.get("filename", "case.sql").endswith(".sql"):
        return "not SQL: the case is application code or configuration, which no server runs"
    config = case.get("config", {})
    if config.get("pool-mode", "transaction") == "session":
        return "linted for pool_mode=session: a session pooler gives every client its own server connection"
    if "migration-tool" in config:
        return f"the claim depends on how {config['migration-tool']} wraps a migration in a transaction"
    return None


def _assumed_tracked() -> frozenset[str]:
    """Parameters the default profile (the one catalogue cases are linted with) treats as tracked."""
    from pgpool_lint.config.profiles import build_profile

    return build_profile({}).tracked_parameters


def _only_parameters(items, names: frozenset[str]) -> bool:
    return bool(items) and all(item[0] == "parameter" and item[1] in names for item in items)


def test_probe_sees_a_leak_and_a_destruction_of_each_kind(probe):
    """The probe itself: one statement per kind of session state must show up in the diff."""
    leaks = {
        "SET statement_timeout = '1s'": "parameter",
        "SELECT set_config('app.x', '1', false)": "custom parameter",
        "PREPARE p AS SELECT 1": "prepared statement",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1": "cursor",
        "LISTEN ch": "listen",
        "CREATE TEMP TABLE tt (a int)": "temporary relation",
        "CREATE FUNCTION pg_temp.tf() RETURNS int LANGUAGE sql AS 'SELECT 1'": "temporary function",
        "SELECT pg_advisory_lock(1)": "advisory lock",
        "LOAD 'auto_explain'": "library",
        "SET SESSION AUTHORIZATION pgpool_planted_role": "role",
    }
    for sql, kind in leaks.items():
        (result,) = probe.run(sql)
        assert {item[0] for item in result.leaks} == {kind}, result.describe()
    (result,) = probe.run("DISCARD ALL")
    destroyed = {item[0] for item in result.destroys}
    assert destroyed >= {"parameter", "custom parameter", "prepared statement", "cursor", "listen",
                         "temporary relation", "advisory lock", "role"}, result.describe()
    (result,) = probe.run("SELECT 1")
    assert result.harmless and not result.harmful, result.describe()


def test_statement_mode_refuses_transaction_blocks(statement_pgbouncer):
    """pool_mode=statement: a BEGIN ... COMMIT block is refused; a single statement runs."""
    import psycopg

    with statement_pgbouncer.connect() as conn:
        assert conn.execute("SELECT 41 + 1").fetchone() == (42,)
    with statement_pgbouncer.connect() as conn:
        with pytest.raises(psycopg.Error) as raised:
            conn.execute("BEGIN")
            conn.execute("SELECT 1")
            conn.execute("COMMIT")
    assert STATEMENT_MODE_REFUSAL in str(raised.value)


def test_steps_are_what_a_transaction_pooler_hands_out():
    """Statements outside blocks are steps of their own; a block is one step, across AND CHAIN."""
    from .pooling_probe import steps

    sql = "SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT AND CHAIN;\nSELECT 3;\nCOMMIT;\nSTART TRANSACTION;\nSELECT 'é';\nROLLBACK;\nBEGIN;\nSELECT 4;"
    got = [(step.statements, sql[step.start:step.end]) for step in steps(sql)]
    assert [s for s, _ in got] == [
        ("SELECT 1",),
        ("BEGIN", "SELECT 2", "COMMIT AND CHAIN", "SELECT 3", "COMMIT"),
        ("START TRANSACTION", "SELECT 'é'", "ROLLBACK"),
        ("BEGIN", "SELECT 4"),  # never closed: the probe rolls it back
    ]
    assert got[2][1] == "START TRANSACTION;\nSELECT 'é';\nROLLBACK"
