"""``check --fix / --unsafe-fixes / --diff / --show-fixes`` through the real command, and the
fixer's promises: it never loses data, never rewrites an unchanged file, keeps encoding, BOM,
line endings, permissions, group and extended attributes, refuses a fix that breaks the file
or adds a finding, never writes through a symlink to outside the given paths, and refuses
(one line, the file untouched) what a rename cannot replace in place: read-only, another
user's, hard-linked files."""

from __future__ import annotations

import os
import stat
import struct
from dataclasses import replace
from pathlib import Path

import pytest

from pgpool_lint.core.diagnostics import Edit, Fix
from pgpool_lint.fix.edits import SAFE
from pgpool_lint.lint.fixer import FileChanged, Fixer, atomic_write, fix_text
from pgpool_lint.lint.linter import FileResult

from .helpers import linter_for_case, run_cli

MIGRATION = (
    "BEGIN;\n"
    "SET search_path TO app, public;\n"
    "SELECT pg_advisory_lock(42);\n"
    "CREATE TEMP TABLE staging (id int);\n"
    "INSERT INTO staging SELECT id FROM events;\n"
    "SELECT pg_advisory_unlock(42);\n"
    "COMMIT;\n"
)
FIXED = (
    "BEGIN;\n"
    "SET LOCAL search_path TO app, public;\n"
    "SELECT pg_advisory_xact_lock(42);\n"
    "CREATE TEMP TABLE staging (id int) ON COMMIT DROP;\n"
    "INSERT INTO staging SELECT id FROM events;\n"
    "COMMIT;\n"
)


def write(path: Path, data: bytes, mtime: int = 1_000_000_000) -> Path:
    path.write_bytes(data)
    os.utime(path, ns=(mtime * 10**9, mtime * 10**9))
    return path


def test_fix_writes_safe_fixes_and_reports_what_is_left(tmp_path):
    target = write(tmp_path / "m.sql", MIGRATION.encode())
    proc = run_cli("check", "--isolated", "--fix", "--output-format", "concise", "m.sql", cwd=tmp_path)
    assert target.read_bytes() == FIXED.encode()
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == b"All checks passed! (1 file checked)\n"
    assert proc.stderr == b"Fixed 4 findings in 1 file.\n"


def test_show_fixes_lists_rules_per_file(tmp_path):
    write(tmp_path / "m.sql", MIGRATION.encode())
    proc = run_cli("check", "--isolated", "--fix", "--show-fixes", "-q", "--output-format", "concise", "m.sql",
                   cwd=tmp_path)
    assert proc.stdout.decode() == (
        "Fixed 4 findings:\n"
        "- m.sql:\n"
        "    1 × PGB001 (session-set)\n"
        "    1 × PGB005 (temp-table)\n"
        "    2 × PGB007 (session-advisory-lock)\n"
    )
    assert proc.returncode == 0


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path):
    target = write(tmp_path / "m.sql", MIGRATION.encode())
    before = target.stat()
    proc = run_cli("check", "--isolated", "--diff", "m.sql", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.decode() == (
        "--- a/m.sql\n+++ b/m.sql\n@@ -1,7 +1,6 @@\n BEGIN;\n"
        "-SET search_path TO app, public;\n-SELECT pg_advisory_lock(42);\n-CREATE TEMP TABLE staging (id int);\n"
        "+SET LOCAL search_path TO app, public;\n+SELECT pg_advisory_xact_lock(42);\n"
        "+CREATE TEMP TABLE staging (id int) ON COMMIT DROP;\n"
        " INSERT INTO staging SELECT id FROM events;\n-SELECT pg_advisory_unlock(42);\n COMMIT;\n"
    )
    assert proc.stderr == b"Would fix 4 findings in 1 file.\n"
    assert target.read_bytes() == MIGRATION.encode()
    assert target.stat().st_mtime_ns == before.st_mtime_ns
    clean = run_cli("check", "--isolated", "--diff", "-q", "m.sql", cwd=write(tmp_path / "m.sql", FIXED.encode()).parent)
    assert (clean.returncode, clean.stdout) == (0, b"")


def test_unsafe_fixes_only_on_request(tmp_path):
    sql = "BEGIN;\nSELECT pg_advisory_lock(7);\nCOMMIT;\n"
    target = write(tmp_path / "lock.sql", sql.encode())
    proc = run_cli("check", "--isolated", "--fix", "-q", "--output-format", "concise", "lock.sql", cwd=tmp_path)
    assert proc.returncode == 1 and target.read_bytes() == sql.encode()
    assert proc.stdout.startswith(b"lock.sql:2:8: PGB007 ")
    proc = run_cli("check", "--isolated", "--fix", "--unsafe-fixes", "lock.sql", cwd=tmp_path)
    assert proc.returncode == 0
    assert target.read_bytes() == b"BEGIN;\nSELECT pg_advisory_xact_lock(7);\nCOMMIT;\n"


def test_files_without_a_change_are_not_rewritten(tmp_path):
    clean = write(tmp_path / "clean.sql", b"SELECT 1;\n")
    display_only = write(tmp_path / "autocommit.sql", b"SET search_path TO app;\n")  # no safe fix outside BEGIN
    inode = display_only.stat().st_ino
    proc = run_cli("check", "--isolated", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert proc.returncode == 1
    for path in (clean, display_only):
        assert path.stat().st_mtime_ns == 1_000_000_000 * 10**9, path
    assert display_only.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["autocommit.sql", "clean.sql"]  # no temp file left


@pytest.mark.parametrize("bom,newline,codec", [
    (b"\xef\xbb\xbf", "\r\n", "utf-8"),
    (b"", "\r", "utf-8"),
    (b"\xff\xfe", "\r\n", "utf-16-le"),
    (b"\xfe\xff", "\n", "utf-16-be"),
])
def test_encoding_bom_and_line_endings_are_kept(tmp_path, bom, newline, codec):
    text = "-- café ☕\nBEGIN;\nSET search_path TO app;\nCOMMIT;\n".replace("\n", newline)
    target = write(tmp_path / "m.sql", bom + text.encode(codec))
    proc = run_cli("check", "--isolated", "--fix", "m.sql", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert target.read_bytes() == bom + text.replace("SET search_path", "SET LOCAL search_path").encode(codec)


def test_permissions_are_kept(tmp_path):
    target = write(tmp_path / "m.sql", MIGRATION.encode())
    os.chmod(target, 0o640)
    assert run_cli("check", "--isolated", "--fix", "m.sql", cwd=tmp_path).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_bytes() == FIXED.encode()


def test_never_writes_through_a_symlink_to_outside_the_given_paths(tmp_path):
    outside = tmp_path / "outside"
    project = tmp_path / "project"
    outside.mkdir()
    project.mkdir()
    secret = write(outside / "shared.sql", MIGRATION.encode())
    (project / "linked.sql").symlink_to(secret)
    inner = write(project / "real.sql", MIGRATION.encode())
    (project / "alias.sql").symlink_to(inner)
    proc = run_cli("check", "--isolated", "--fix", "-q", "--output-format", "concise", "project", cwd=tmp_path)
    assert secret.read_bytes() == MIGRATION.encode()
    assert b"project/linked.sql: not fixed: its real path is outside the given paths (a symlink leads out)" in proc.stderr
    assert inner.read_bytes() == FIXED.encode()  # reached directly, and through a link inside
    assert (project / "alias.sql").is_symlink() and (project / "linked.sql").is_symlink()
    assert proc.returncode == 1  # linked.sql still has its findings


@pytest.fixture
def project_with_links(tmp_path):
    """``project/`` (the working directory, as pre-commit and xargs run) with a symlink to a
    file outside it and a symlinked directory that leads outside."""
    outside, project = tmp_path / "outside", tmp_path / "project"
    outside.mkdir()
    project.mkdir()
    write(outside / "secret.sql", MIGRATION.encode())
    write(outside / "x.sql", MIGRATION.encode())
    (project / "linked.sql").symlink_to("../outside/secret.sql")
    (project / "linkdir").symlink_to("../outside")
    return project


def test_a_symlink_named_on_the_command_line_is_not_written(project_with_links):
    outside = project_with_links.parent / "outside"
    for args in (("linked.sql",), ("linkdir/x.sql",), ("linkdir",), (".",), ("linked.sql", "linkdir/x.sql")):
        proc = run_cli("check", "--isolated", "--fix", "-q", "--output-format", "concise", *args,
                       cwd=project_with_links)
        assert proc.returncode == 1, (args, proc.stderr)
        assert b"not fixed: its real path is outside the given paths (a symlink leads out)\n" in proc.stderr, args
        assert [f.read_bytes() for f in sorted(outside.iterdir())] == [MIGRATION.encode()] * 2, args
    proc = run_cli("check", "--isolated", "--fix", "-q", "linked.sql", "linkdir/x.sql", cwd=project_with_links)
    assert proc.stderr == (b"pgpool-lint: warning: linked.sql: not fixed: its real path is outside the given paths "
                           b"(a symlink leads out)\n"
                           b"pgpool-lint: warning: linkdir/x.sql: not fixed: its real path is outside the given paths "
                           b"(a symlink leads out)\n")


def _identity(path: Path) -> tuple:
    st = os.stat(path)
    return st.st_ino, st.st_uid, st.st_gid, st.st_mode, st.st_nlink, path.read_bytes()


@pytest.mark.parametrize("kind, reason", [
    ("read-only", "it is read-only"),
    ("hard link", "it has 2 hard links (rewriting it would split them)"),
    ("other owner", "it belongs to another user (uid 65534)"),
])
def test_what_a_rename_cannot_replace_in_place_is_refused(tmp_path, kind, reason):
    target = write(tmp_path / "m.sql", MIGRATION.encode())
    if kind == "read-only":
        os.chmod(target, 0o444)
    elif kind == "hard link":
        os.link(target, tmp_path / "same.sql")
    elif os.geteuid() == 0:
        os.chown(target, 65534, 65534)
    else:
        pytest.skip("only root can give a file to another user")
    before = _identity(target)
    proc = run_cli("check", "--isolated", "--fix", "-q", "--output-format", "concise", "m.sql", cwd=tmp_path)
    assert proc.stderr == f"pgpool-lint: warning: m.sql: not fixed: {reason}\n".encode()
    assert proc.returncode == 1 and proc.stdout.count(b"m.sql:") == 4  # the findings, as they are on disk
    assert _identity(target) == before


def _posix_acl(other_uid: int) -> bytes:
    """A system.posix_acl_access value: owner rw, one named user r, group r, mask r, other r."""
    undefined = 0xFFFFFFFF
    entries = [(0x01, 6, undefined), (0x02, 4, other_uid), (0x04, 4, undefined), (0x10, 4, undefined),
               (0x20, 4, undefined)]
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, perm, uid) for tag, perm, uid in entries)


@pytest.mark.parametrize("name, value", [("user.origin", b"kept"), ("system.posix_acl_access", _posix_acl(65534))])
def test_group_and_extended_attributes_are_kept(tmp_path, name, value):
    target = write(tmp_path / "m.sql", MIGRATION.encode())
    try:
        os.setxattr(target, name, value)
    except OSError as exc:
        pytest.skip(f"this file system does not take {name}: {exc}")
    groups = [g for g in (65534, *os.getgroups()) if g != os.stat(target).st_gid]
    if groups and (os.geteuid() == 0 or groups[0] in os.getgroups()):
        os.chown(target, -1, groups[0])
    before = os.stat(target)
    proc = run_cli("check", "--isolated", "--fix", "m.sql", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == b"Fixed 4 findings in 1 file.\n", proc.stderr
    assert target.read_bytes() == FIXED.encode()
    after = os.stat(target)
    assert (after.st_uid, after.st_gid, after.st_mode) == (before.st_uid, before.st_gid, before.st_mode)
    assert os.getxattr(target, name) == value


def test_stdin_gets_the_fixed_text_on_stdout(tmp_path):
    proc = run_cli("check", "--isolated", "--fix", "-q", "-", stdin=MIGRATION.encode(), cwd=tmp_path)
    assert proc.stdout == FIXED.encode()
    assert proc.returncode == 0


def test_bad_option_combinations_exit_2(tmp_path):
    write(tmp_path / "m.sql", MIGRATION.encode())
    for args in (("--unsafe-fixes",), ("--show-fixes",), ("--diff", "--show-fixes", "--fix")):
        proc = run_cli("check", "--isolated", *args, "m.sql", cwd=tmp_path)
        assert proc.returncode == 2 and proc.stderr.startswith(b"pgpool-lint: error: "), args
    assert (tmp_path / "m.sql").read_bytes() == MIGRATION.encode()


def test_fix_inside_a_python_literal_keeps_the_quoting(tmp_path):
    source = ('def run(cur):\n'
              '    cur.execute("BEGIN; SET search_path TO app; SELECT 1; COMMIT")\n'
              '    cur.execute(\'SET statement_timeout = \\\'5s\\\'\')\n')
    target = write(tmp_path / "app.py", source.encode())
    proc = run_cli("check", "--isolated", "--fix", "-q", "--output-format", "concise", "app.py", cwd=tmp_path)
    assert target.read_text() == source.replace("SET search_path", "SET LOCAL search_path")
    # the lone SET's transaction is only guessed in code: unsafe, not applied by --fix
    assert proc.stdout.startswith(b"app.py:3:18: PGB001 ")


# --- the verifier, with fixes a buggy rule might offer ---------------------------------

def _lint_offering(bad_fix):
    """The real linter, with ``bad_fix(text, diagnostic)`` offered for every LISTEN finding."""
    linter = linter_for_case({})

    def lint(text: str) -> FileResult:
        result = linter.lint_decoded(text, "x.sql")
        return FileResult("x.sql", [replace(d, fix=bad_fix(text, d)) if d.code == "PGB002" else d
                                    for d in result.diagnostics], text=text)
    return lint, Fixer(linter, {SAFE}, write=False, roots=())


@pytest.mark.parametrize("content,reason", [
    ("LISTEN (jobs", "it would make the file unparseable"),
    ("SET search_path TO jobs", "it would add a PGB001 finding"),
    ("LISTEN jobs2", "it would not remove the PGB002 finding it is meant to fix"),
])
def test_a_fix_that_breaks_the_file_or_adds_a_finding_is_refused(content, reason):
    def bad_fix(text, d):
        return Fix(SAFE, "bad", (Edit(content, d.start, d.end),))

    lint, fixer = _lint_offering(bad_fix)
    sql = "BEGIN;\nSET search_path TO app;\nCOMMIT;\nLISTEN jobs;\n"
    result = fix_text(sql, lint, lambda t, d: fixer._parse_errors(t, "x.sql", d), {SAFE})
    assert result.text == "BEGIN;\nSET LOCAL search_path TO app;\nCOMMIT;\nLISTEN jobs;\n"  # the good fix is kept
    assert [(r.diagnostic.code, r.reason) for r in result.refused] == [("PGB002", reason)]
    assert result.converged


def test_a_file_changed_on_disk_meanwhile_is_not_overwritten(tmp_path):
    target = write(tmp_path / "m.sql", b"old\n")
    before = target.stat()
    write(target, b"someone else's edit\n", mtime=1_000_000_500)
    with pytest.raises(FileChanged):
        atomic_write(str(target), b"fixed\n", before)
    assert target.read_bytes() == b"someone else's edit\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.sql"]


def test_close_all_closes_the_cursor_too():
    linter = linter_for_case({})
    sql = "BEGIN;\nDECLARE c CURSOR WITH HOLD FOR SELECT 1;\nFETCH 1 FROM c;\nCLOSE ALL;\nCOMMIT;"
    (d,) = [d for d in linter.lint_text(sql, "x.sql") if d.code == "PGB003"]
    assert (d.severity, d.fix.applicability) == ("warning", "safe")
    (d,) = [d for d in linter.lint_text(sql.replace("CLOSE ALL", "CLOSE other"), "x.sql") if d.code == "PGB003"]
    assert (d.severity, d.fix.applicability) == ("error", "unsafe")


def test_role_and_database_make_the_alter_role_suggestion_exact(tmp_path):
    import json

    write(tmp_path / "m.sql", b"SET search_path TO app, public;\nSELECT set_config('app.tenant', 'a''b', false);\n")
    proc = run_cli("check", "--isolated", "--role", "app", "--database", "Shop", "--output-format", "json", "m.sql",
                   cwd=tmp_path)
    helps = [d["help"] for d in json.loads(proc.stdout)]
    assert "`ALTER ROLE app IN DATABASE \"Shop\" SET search_path TO app, public`" in helps[0]
    assert "`ALTER ROLE app IN DATABASE \"Shop\" SET app.tenant TO 'a''b'`" in helps[1]
    (tmp_path / ".pgpool-lint.toml").write_text('role = "order"\n')
    proc = run_cli("check", "--output-format", "json", "m.sql", cwd=tmp_path)
    assert "`ALTER ROLE \"order\" SET search_path TO app, public`" in json.loads(proc.stdout)[0]["help"]
    proc = run_cli("check", "--isolated", "--output-format", "json", "m.sql", cwd=tmp_path)
    assert "`ALTER ROLE CURRENT_USER SET search_path TO app, public`" in json.loads(proc.stdout)[0]["help"]
    (tmp_path / ".pgpool-lint.toml").write_text('database = ""\n')
    proc = run_cli("check", "m.sql", cwd=tmp_path)
    assert proc.returncode == 2 and b"`database` must be a non-empty name" in proc.stderr


def test_the_report_says_how_many_findings_fix_would_fix(tmp_path):
    write(tmp_path / "m.sql", MIGRATION.encode() + b"SELECT pg_advisory_lock(1);\nBEGIN;\nSELECT pg_advisory_lock(2);\nCOMMIT;\n")
    proc = run_cli("check", "--isolated", "--output-format", "concise", "m.sql", cwd=tmp_path)
    # after the findings and the summary, on stdout: a merged CI log reads in order (as ruff prints it)
    assert proc.stderr == b""
    assert proc.stdout.decode().splitlines()[-2:] == [
        "Found 6 findings in 1 file (1 checked).",
        "[*] 4 fixable with `pgpool-lint check --fix` (1 more with --unsafe-fixes)."]
    proc = run_cli("check", "--isolated", "--output-format", "json", "m.sql", cwd=tmp_path)
    assert proc.stderr == b"" and b"fixable" not in proc.stdout


def _dependent_fixes_lint(text: str) -> FileResult:
    """A toy linter whose fixes depend on each other: each of ``a b c d`` is a T01 finding
    fixed by upper-casing it, but ``B`` needs ``A`` and ``D`` needs ``B`` (else a T02 finding
    appears), and ``C`` is never right."""
    from pgpool_lint.core.diagnostics import Diagnostic

    found = []
    for at, char in enumerate(text):
        if char in "abcd":
            fix = Fix(SAFE, f"upper-case {char}", (Edit(char.upper(), at, at + 1),))
            found.append(Diagnostic("T01", "lower", char, "", "warning", "toy", at, at + 1, (1, at + 1),
                                    (1, at + 2), fix=fix))
    wrong = ("B" in text and "A" not in text) or ("D" in text and "B" not in text) or "C" in text
    if wrong:
        found.append(Diagnostic("T02", "order", "out of order", "", "warning", "toy", 0, 1, (1, 1), (1, 2)))
    return FileResult("toy", found, text=text)


def test_fixes_that_only_work_after_others_settle_in_one_run():
    """The one-at-a-time fallback tries refused fixes again once the text changed: the run
    reaches the fixed point a second run would (before, this took three runs)."""
    first = fix_text("d c b a", _dependent_fixes_lint, lambda text, diagnostics: 0, {SAFE})
    assert first.text == "D c B A" and first.converged
    assert [(r.diagnostic.message, r.reason) for r in first.refused] == [("c", "it would add a T02 finding")]
    assert fix_text(first.text, _dependent_fixes_lint, lambda text, diagnostics: 0, {SAFE}).text == first.text
