"""PGB200 pooled-url-startup-parameter: server settings sent as startup parameters to a pooler.

PgBouncer accepts only the parameters it tracks at startup (client_encoding, DateStyle,
TimeZone, standard_conforming_strings, application_name, IntervalStyle and
``track_extra_parameters``); anything else — ``options=-c search_path=...``, ``search_path=``,
JDBC ``currentSchema=``, ``statement_timeout=``, asyncpg ``server_settings`` — fails with
``unsupported startup parameter``, or is silently dropped when listed in
``ignore_startup_parameters`` (pooling-semantics.md §1.5, §4 item 2).
"""

from __future__ import annotations

from typing import Iterator, Optional

from ...core.findings import Finding
from .. import urls
from ..context import Context
from ..model import Fact, Value, finding, severity, where

CODE = "PGB200"

#: fact kind -> setting-name prefixes whose keys are server parameters sent at startup
SERVER_SETTINGS = {
    "asyncpg-connect": ("server_settings.",),
    "sqlalchemy-engine": ("connect_args.server_settings.",),
    "postgres-js": ("connection.",),  # postgres.js sends `connection` as startup parameters
}
#: fact kind -> settings a driver sends as startup parameters under their own name
STARTUP_SETTINGS = {
    # node-postgres: Pool/Client config keys sent in the startup packet (Nexus-Mods/discord-bot#77)
    "node-postgres": ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"),
}
#: fact kinds whose every setting is a startup parameter (pgx ``ConnConfig.RuntimeParams[...]``)
ALL_STARTUP = frozenset({"pgx-runtime-params"})
#: fact kind -> settings holding a libpq ``options`` string
OPTIONS = {
    "django-database": ("OPTIONS.options",),
    "psycopg-connect": ("options", "kwargs.options"),
    "sqlalchemy-engine": ("connect_args.options",),
    "node-postgres": ("options",),
}


def _fix(name: str, value: str) -> str:
    shown = value or "..."
    return (f"Set it for the role instead, once over a direct connection: `ALTER ROLE CURRENT_USER SET {name} = {shown};` "
            f"(or use `SET LOCAL {name} = ...` inside each transaction), and remove it from the connection settings. "
            "Alternatively add it to PgBouncer's `track_extra_parameters` if PostgreSQL reports it.")


def _untracked(ctx: Context, name: str) -> bool:
    lowered = name.lower()
    if lowered == "currentschema":
        lowered = "search_path"
    return lowered not in ctx.profile.tracked_parameters


def check(ctx: Context) -> Iterator[Finding]:
    for fact in ctx.facts:
        report, sev = severity(fact.status, explicit=False)
        if not report:
            continue
        if fact.kind == "url" and fact.url is not None and fact.url.literal:
            yield from _url_params(ctx, fact, sev)
        if fact.kind == "pgx" and fact.url is not None and fact.url.parsed is not None:
            yield from _pgx_runtime_params(ctx, fact, sev)
        for prefix in SERVER_SETTINGS.get(fact.kind, ()):
            for key, value in fact.settings.items():
                if key.startswith(prefix) and _untracked(ctx, key[len(prefix):]):
                    name = key[len(prefix):]
                    yield finding(CODE, value, f"`{name}` in `{prefix.rstrip('.')}` is sent as a startup parameter, which "
                                  f"PgBouncer rejects (`unsupported startup parameter: {name}`){where(fact.url)}",
                                  _fix(name, str(value.value)), sev)
        names = tuple(fact.settings) if fact.kind in ALL_STARTUP else STARTUP_SETTINGS.get(fact.kind, ())
        for name in names:
            value = fact.settings.get(name)
            if value is not None and _untracked(ctx, name):
                yield finding(CODE, value, f"`{name}` in `{fact.label}` is sent as a startup parameter, which PgBouncer "
                              f"rejects (`unsupported startup parameter: {name}`){where(fact.url)}",
                              _fix(name, str(value.value)) + (" node-postgres also has the client-side `query_timeout`."
                                                              if fact.kind == "node-postgres" else ""),
                              sev)
        for key in OPTIONS.get(fact.kind, ()):
            value = fact.settings.get(key)
            if value is not None and isinstance(value.value, str):
                yield from _options(ctx, fact, value, value.value, 0, sev, key)


def _url_params(ctx: Context, fact: Fact, sev: Optional[str]) -> Iterator[Finding]:
    use = fact.url
    for param in use.parsed.params:
        key = _startup_name(use.parsed.scheme, param.key)
        if key == "options":
            start, end = use.param_span(param)
            yield from _options(ctx, fact, Value(param.value, start, end), param.value, 0, sev, "options")
        elif (key in urls.STARTUP_GUCS or key == "currentschema") and _untracked(ctx, key):
            start, end = use.param_span(param)
            sent = "search_path" if key in ("currentschema", "search_path") else param.key
            yield finding(CODE, (start, end),
                          f"`{param.key}={param.value}` in the connection string is sent as the startup parameter "
                          f"`{sent}`: PgBouncer rejects it (`unsupported startup parameter: {sent}`) or, if it is in "
                          f"`ignore_startup_parameters`, silently drops it{where(use)}",
                          _fix(sent, param.value), sev)


def _startup_name(scheme: str, key: str) -> str:
    """The parameter a connection-string key is sent as (Npgsql ``Search Path`` -> ``search_path``)."""
    if scheme == "npgsql":
        from ..semicolon_dsn import canonical

        return canonical(key)
    return key.lower()


def _pgx_runtime_params(ctx: Context, fact: Fact, sev: Optional[str]) -> Iterator[Finding]:
    """pgx sends every DSN key it does not know as a runtime parameter (go-gorm/postgres#219)."""
    use = fact.url
    for param in use.parsed.params:
        key = param.key.lower()
        if key in urls.PGX_KEYS or key == "options" or not _untracked(ctx, key):
            continue
        if use.literal and (key in urls.STARTUP_GUCS or key == "currentschema"):
            continue  # reported on the connection string itself
        start, end = use.param_span(param)
        yield finding(CODE, (start, end),
                      f"pgx sends `{param.key}` (not a pgx setting) to the server as a startup parameter: PgBouncer "
                      f"rejects it (`unsupported startup parameter: {param.key}`){where(use)}",
                      _fix(param.key, param.value) + " If it is a pgx v4 setting, use its pgx v5 name.", sev)


def _options(ctx: Context, fact: Fact, value: Value, options: str, base: int, sev: Optional[str],
             key: str) -> Iterator[Finding]:
    bad = [(name, val) for name, val, _ in urls.options_settings(options) if _untracked(ctx, name)]
    if not bad:
        return  # e.g. Neon's `options=endpoint%3D...`, or only tracked parameters
    names = ", ".join(f"`{n}`" for n, _ in bad)
    yield finding(CODE, value,
                  f"`{key}` sets {names} at connection startup (`-c`): PgBouncer only accepts parameters it tracks "
                  f"there and fails with `unsupported startup parameter in options: {bad[0][0]}`{where(fact.url)}",
                  _fix(bad[0][0], bad[0][1]), sev)
