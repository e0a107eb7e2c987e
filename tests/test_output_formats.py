"""Machine-readable reports as CI systems read them: SARIF (validated against the OASIS
2.1.0 schema), GitHub workflow commands, GitLab Code Quality, JUnit XML, JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from pgpool_lint.core import catalogue
from pgpool_lint.core.diagnostics import Diagnostic, Edit, Fix
from pgpool_lint.report import RenderContext, renderer
from pgpool_lint.report.github import escape_data, escape_property

from .helpers import run_cli

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
BAD = "SELECT 1;\nSET search_path TO app;\nSELECT pg_advisory_lock(7);\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_bad.sql").write_text(BAD)
    return tmp_path


def validate_sarif(log: dict) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)


# --- SARIF --------------------------------------------------------------------------------

def test_sarif_validates_and_locates_findings(project):
    r = run_cli("check", "--output-format", "sarif", "migrations", cwd=project)
    assert r.returncode == 1, r.stderr
    log = json.loads(r.stdout)
    validate_sarif(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.code for rule in catalogue.load().rules]
    for rule in rules:
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith(f"# {rule['name']} ({rule['id']})")
        assert rule["helpUri"].endswith(f"docs/rules.md#{rule['id'].lower()}-{rule['name']}")
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    got = [(res["ruleId"], rules[res["ruleIndex"]]["id"], res["level"],
            res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            res["locations"][0]["physicalLocation"]["region"]) for res in run["results"]]
    assert got == [
        ("PGB001", "PGB001", "error", "migrations/001_bad.sql",
         {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 23}),
        ("PGB007", "PGB007", "error", "migrations/001_bad.sql",
         {"startLine": 3, "startColumn": 8, "endLine": 3, "endColumn": 27}),
    ]
    assert "fixes" not in run["results"][0]  # no fix offered: none claimed
    meta = run["properties"]["metadata"]
    assert meta["tool"] == "pgpool-lint" and meta["files_checked"] == 1
    assert meta["profile"]["pool_mode"] == "transaction"
    assert "timezone" in meta["profile"]["tracked_parameters"]


def test_sarif_file_uri_is_relative_and_percent_encoded(tmp_path):
    (tmp_path / "odd dir").mkdir()
    (tmp_path / "odd dir" / "100%.sql").write_text("LISTEN jobs;\n")
    r = run_cli("check", "--output-format", "sarif", str(tmp_path / "odd dir" / "100%.sql"), cwd=tmp_path)
    log = json.loads(r.stdout)
    validate_sarif(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "odd%20dir/100%25.sql"


def sample_diagnostic(**overrides) -> Diagnostic:
    values = dict(code="PGB001", name="session-set", message="m", help="h", severity="error",
                  filename="a.sql", start=0, end=22, location=(1, 1), end_location=(1, 23),
                  source_line="SET search_path TO app;")
    values.update(overrides)
    return Diagnostic(**values)


def test_sarif_carries_fixes_when_present():
    fix = Fix("safe", "Use SET LOCAL", (Edit(" LOCAL", 3, 3, (1, 4), (1, 4)),))
    out = _render("sarif", [sample_diagnostic(fix=fix)])
    log = json.loads(out)
    validate_sarif(log)
    assert log["runs"][0]["results"][0]["fixes"] == [{
        "description": {"text": "Use SET LOCAL"},
        "artifactChanges": [{"artifactLocation": {"uri": "a.sql"}, "replacements": [{
            "deletedRegion": {"startLine": 1, "startColumn": 4, "endLine": 1, "endColumn": 4},
            "insertedContent": {"text": " LOCAL"}}]}],
    }]


def test_sarif_schema_rejects_a_broken_log():
    """The validation above can fail: a result without a message is not SARIF."""
    log = json.loads(_render("sarif", [sample_diagnostic()]))
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(log)


def _render(name: str, diagnostics) -> str:
    import io

    buf = io.StringIO()
    renderer(name)(diagnostics, buf, RenderContext(files_checked=1, color=False))
    return buf.getvalue()


# --- GitHub annotations -------------------------------------------------------------------

def test_github_escaping_matches_actions_toolkit():
    # actions/toolkit command.ts: escapeData %, \r, \n; escapeProperty also : and ,
    assert escape_data("100% a:b,c\r\nd") == "100%25 a:b,c%0D%0Ad"
    assert escape_property("100% a:b,c\r\nd") == "100%25 a%3Ab%2Cc%0D%0Ad"
    assert escape_data("%0A") == "%250A"  # an already-escaped look-alike stays literal


def test_github_annotation_survives_hostile_file_name_and_message(tmp_path):
    name = "100%,a:b.sql"
    (tmp_path / name).write_text('LISTEN "x%y,\nz:w";\n')
    r = run_cli("check", "--output-format", "github", name, cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stdout.decode().splitlines()
    assert len(lines) == 1  # the newline inside the message did not break the command
    assert lines[0].startswith(
        "::error file=100%25%2Ca%3Ab.sql,line=1,endLine=2,title=pgpool-lint (PGB002 listen)::PGB002 [listen] "
        "`LISTEN x%25y,%0Az:w` registers the server connection")
    assert "col=" not in lines[0] and "endColumn=" not in lines[0]  # a multi-line span
    assert "%0Ahelp: Run LISTEN over a direct" in lines[0]
    # decoding as the runner does gives back the original file name and message
    props = lines[0][len("::error "):].split("::", 1)[0]
    fields = dict(p.split("=", 1) for p in props.split(","))
    assert _unescape(fields["file"]) == name
    message = lines[0].split("::", 2)[2]
    assert _unescape(message).startswith("PGB002 [listen] `LISTEN x%y,\nz:w` registers")


def _unescape(text: str) -> str:
    # the runner's inverse (ActionCommandManager): %3A, %2C, %0D, %0A, then %25 last
    for escaped, raw in (("%3A", ":"), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def test_github_single_line_span_has_columns(project):
    r = run_cli("check", "--output-format", "github", "migrations", cwd=project)
    assert r.stdout.decode().splitlines()[1].startswith(
        "::error file=migrations/001_bad.sql,line=3,col=8,endLine=3,endColumn=27,"
        "title=pgpool-lint (PGB007 session-advisory-lock)::PGB007 [session-advisory-lock] `pg_advisory_lock(7)`")


# --- GitLab Code Quality ------------------------------------------------------------------

def test_gitlab_fingerprints_are_stable_and_unique(project):
    first = json.loads(run_cli("check", "--output-format", "gitlab", "migrations", cwd=project).stdout)
    assert [(i["check_name"], i["severity"], i["location"]["path"], i["location"]["positions"]["begin"])
            for i in first] == [("PGB001", "major", "migrations/001_bad.sql", {"line": 2, "column": 1}),
                                ("PGB007", "major", "migrations/001_bad.sql", {"line": 3, "column": 8})]
    # lines added above the findings, and a second identical finding: old ones keep their
    # fingerprints, the new one gets its own
    (project / "migrations" / "001_bad.sql").write_text("-- header\n\n" + BAD + "SET search_path TO app;\n")
    second = json.loads(run_cli("check", "--output-format", "gitlab", "migrations", cwd=project).stdout)
    assert [i["location"]["positions"]["begin"]["line"] for i in second] == [4, 5, 6]
    assert second[0]["fingerprint"] == first[0]["fingerprint"]
    assert second[1]["fingerprint"] == first[1]["fingerprint"]
    assert len({i["fingerprint"] for i in second}) == 3


# --- JUnit, JSON lines --------------------------------------------------------------------

def test_junit_is_xml_with_one_failure_per_finding(project):
    (project / "migrations" / "002.sql").write_text("LISTEN \"a\x01b\";\n")
    r = run_cli("check", "--output-format", "junit", "migrations", cwd=project)
    root = ET.fromstring(r.stdout)
    assert root.tag == "testsuites" and root.get("failures") == "3"
    suites = {s.get("name"): s for s in root}
    assert sorted(suites) == ["migrations/001_bad.sql", "migrations/002.sql"]
    cases = suites["migrations/001_bad.sql"].findall("testcase")
    assert [(c.get("name"), c.get("line"), c.find("failure").get("type")) for c in cases] == [
        ("PGB001 session-set (2:1)", "2", "PGB001"), ("PGB007 session-advisory-lock (3:8)", "3", "PGB007")]
    assert "\\x01" in suites["migrations/002.sql"].find("testcase/failure").get("message")


def test_junit_clean_run_has_one_passing_case(tmp_path):
    (tmp_path / "ok.sql").write_text("SELECT 1;\n")
    r = run_cli("check", "--output-format", "junit", "ok.sql", cwd=tmp_path)
    assert r.returncode == 0
    root = ET.fromstring(r.stdout)
    assert root.get("failures") == "0" and root.find("testsuite/testcase").get("name") == "No findings"


def test_json_lines_metadata_then_the_json_objects(project):
    lines = run_cli("check", "--output-format", "json-lines", "migrations", cwd=project).stdout.decode().splitlines()
    as_json = json.loads(run_cli("check", "--output-format", "json", "migrations", cwd=project).stdout)
    meta = json.loads(lines[0])["metadata"]
    assert meta["files_checked"] == 1 and meta["profile"]["pool_mode"] == "transaction"
    assert [json.loads(line) for line in lines[1:]] == as_json


# --- choosing the format and where it goes -----------------------------------------------

def test_output_file_gets_the_report_stdout_stays_empty(project):
    r = run_cli("check", "--output-format", "sarif", "--output-file", "reports/pgpool.sarif", "migrations",
                cwd=project)
    assert r.returncode == 1 and r.stdout == b""
    validate_sarif(json.loads((project / "reports" / "pgpool.sarif").read_text()))


def test_output_file_that_cannot_be_written_is_exit_2(project):
    (project / "afile").write_text("")
    r = run_cli("check", "--output-file", "afile/sub/report.json", "migrations", cwd=project)
    assert r.returncode == 2
    assert r.stderr.decode().startswith("pgpool-lint: error: cannot write afile/sub/report.json")


def test_format_from_config_and_environment(project):
    (project / ".pgpool-lint.toml").write_text('output-format = "github"\n')
    r = run_cli("check", "migrations", cwd=project)
    assert r.stdout.decode().startswith("::error file=migrations/001_bad.sql,line=2,")
    r = run_cli("check", "migrations", cwd=project, env={"PGPOOL_LINT_OUTPUT_FORMAT": "json-lines"})
    assert json.loads(r.stdout.decode().splitlines()[0])["metadata"]["tool"] == "pgpool-lint"
    r = run_cli("check", "--output-format", "concise", "migrations", cwd=project,
                env={"PGPOOL_LINT_OUTPUT_FORMAT": "json-lines"})
    assert r.stdout.decode().startswith("migrations/001_bad.sql:2:1: PGB001")


def test_unknown_format_is_a_usage_error(project):
    r = run_cli("check", "migrations", cwd=project, env={"PGPOOL_LINT_OUTPUT_FORMAT": "xml"})
    assert r.returncode == 2 and b"xml" in r.stderr
    (project / ".pgpool-lint.toml").write_text('output-format = "xml"\n')
    r = run_cli("check", "migrations", cwd=project)
    assert r.returncode == 2 and b"output-format" in r.stderr


def test_absolute_paths_below_the_working_directory_are_reported_relative(project):
    absolute = str(project / "migrations" / "001_bad.sql")
    github = run_cli("check", "--output-format", "github", absolute, cwd=project).stdout.decode()
    assert github.startswith("::error file=migrations/001_bad.sql,line=2,")
    gitlab = json.loads(run_cli("check", "--output-format", "gitlab", absolute, cwd=project).stdout)
    assert gitlab[0]["location"]["path"] == "migrations/001_bad.sql"


# --- indented JSON (json, sarif, gitlab) ----------------------------------------------------

def _json_values():
    from hypothesis import strategies as st

    plain = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
             | st.text() | st.sampled_from(["%s", "%%", "é\u2028\x00\"\\", "\ud800"]))
    keys = st.text() | st.sampled_from(["1", "true", "%d"]) | st.integers(-2, 2) | st.booleans() | st.none() | st.floats(allow_nan=False)
    return st.recursive(plain, lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
                        | st.dictionaries(keys, inner, max_size=5), max_leaves=40)


def test_indented_json_is_the_standard_library_text():
    """The reports' encoder writes exactly what ``json.dumps(indent=2, ensure_ascii=False)``
    writes: shapes, empty containers, keys of other types (``1`` and ``"1"`` apart),
    ``%`` in keys, lone surrogates, NaN and infinities."""
    from hypothesis import given, settings

    from pgpool_lint.report.json_text import dumps_indented

    @settings(max_examples=600, deadline=None)
    @given(_json_values(), _json_values())
    def check(value, other):
        for indent in (2, 4):
            assert dumps_indented(value, indent) == json.dumps(value, indent=indent, ensure_ascii=False)
        # the same shapes again (templates are cached per dict keys and depth)
        both = [value, other, {"a": value, "b": [other, value]}]
        assert dumps_indented(both) == json.dumps(both, indent=2, ensure_ascii=False)

    check()


def test_json_report_of_findings_is_the_standard_library_text(project):
    """The whole ``json`` report, findings with and without fixes, as json.dump wrote it."""
    (project / "migrations" / "002_fix.sql").write_text("BEGIN;\nSET search_path TO app;\nCOMMIT;\nPREPARE p AS SELECT 1;\n")
    r = run_cli("check", "--output-format", "json", "migrations", cwd=project)
    text = r.stdout.decode("utf-8") if isinstance(r.stdout, bytes) else r.stdout
    findings = json.loads(text)
    assert any(f["fix"] for f in findings) and any(f["fix"] is None for f in findings)
    assert text == json.dumps(findings, indent=2, ensure_ascii=False) + "\n"
