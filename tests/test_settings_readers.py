"""Settings readers that lost findings (issue 20): ``.properties`` read exactly as Java reads
it (javaproperties: line continuations, white-space separators, escapes) and TOML values in
inline tables and multi-line strings (positions from tomlkit's parser).  A pooled URL with
``currentSchema=`` or ``options=-c`` written that way must be reported, where it is written."""

from __future__ import annotations

import pytest

from .helpers import run_cli

URL = "jdbc:postgresql://pgbouncer:6432/db"


def findings(tmp_path, name: str, text: str) -> list[str]:
    (tmp_path / name).write_text(text)
    r = run_cli("check", "--output-format", "concise", "-q", "--select", "PGB200", name, cwd=tmp_path)
    assert r.stderr == b""
    return [line.split(" [")[0] for line in r.stdout.decode().splitlines()]


@pytest.mark.parametrize("text,expected", [
    # a continuation: Java joins the lines (and drops the next line's leading blanks)
    (f"spring.datasource.url = {URL}?\\\n    currentSchema=app\n", ["application.properties:1:25: PGB200"]),
    # white space alone separates key and value
    (f"spring.datasource.url {URL}?currentSchema=app\n", ["application.properties:1:59: PGB200"]),
    (f"spring.datasource.url:{URL}?options=-c%20search_path%3Dapp\n", ["application.properties:1:59: PGB200"]),
    # an escape: reported at the value (it does not map character by character)
    (f"spring.datasource.url={URL}?current\\u0053chema=app\n", ["application.properties:1:23: PGB200"]),
    # the continuation of a comment is not a setting; `!` comments too
    (f"# spring.datasource.url={URL}?currentSchema=app\n! x={URL}?currentSchema=app\n", []),
    (f"spring.datasource.url={URL}\\\n  ?sslmode=require\n", []),
], ids=["continuation", "space-separator", "colon-separator", "unicode-escape", "comments", "clean"])
def test_properties_read_as_java_reads_them(tmp_path, text, expected):
    assert findings(tmp_path, "application.properties", text) == expected


def test_properties_reader_offsets_follow_every_entry():
    from pgpool_lint.settings.readers.read_properties import parse

    text = f"a\\\n  b = 1\r\nkey\\ with\\ space : {URL}?x=1\n"
    entries = parse(text)
    assert [(e.key, e.value.value) for e in entries] == [("ab", "1"), ("key with space", f"{URL}?x=1")]
    second = entries[1]
    assert text[second.key_start:].startswith("key\\ with") and second.value.verbatim == text.index("jdbc")


TOML_CASES = {
    "inline-table": (f'[environments]\ndefault = {{ url = "{URL}?currentSchema=app", user = "x" }}\n',
                     ["flyway.toml:2:56: PGB200"]),
    "multi-line-basic": (f'[environments.other]\nurl = """\n{URL}?options=-c%20search_path%3Dapp"""\n',
                         ["flyway.toml:3:37: PGB200"]),
    "multi-line-literal": (f"[environments.other]\nurl = '''{URL}?currentSchema=app'''\n",
                           ["flyway.toml:2:46: PGB200"]),
    "same-url-twice": (f'[a]\nurl = "{URL}?currentSchema=app"\n[b]\nx = {{ url = "{URL}?currentSchema=app" }}\n',
                       ["flyway.toml:2:44: PGB200", "flyway.toml:4:50: PGB200"]),
    "escaped": (f'[a]\nurl = "{URL}?current\\u0053chema=app"\n', ["flyway.toml:2:7: PGB200"]),
}


@pytest.mark.parametrize("case", sorted(TOML_CASES))
def test_toml_values_in_inline_tables_and_multi_line_strings(tmp_path, case):
    text, expected = TOML_CASES[case]
    assert findings(tmp_path, "flyway.toml", text) == expected


def test_activerecord_pgbouncer_in_session_mode_is_read_as_a_direct_connection():
    """The reader failed on this file (a local import made ``UrlUse`` unbound in the session-mode
    branch) and the settings pass swallowed it: the catalogue's "session mode is clean" case
    passed because nothing was read.  Read now: the connection is direct."""
    from pathlib import Path

    from pgpool_lint.core.profile import Profile
    from pgpool_lint.settings.context import Context
    from pgpool_lint.settings.envfiles import EnvResolver
    from pgpool_lint.settings.readers import read_yaml

    ctx = Context("production:\n  adapter: pgbouncer\n  pooling_mode: session\n", "config/database.yml",
                  Profile(), EnvResolver(Path("."), None))
    read_yaml.read(ctx)
    assert [(f.kind, f.label, f.url.status) for f in ctx.facts] == [("rails-database", "production", "direct")]
