"""PGB203 session-set-on-connect: settings a framework applies with SET once per connection.

Under transaction pooling the connection the framework configured is not the one later
transactions run on: the SET is missing there, and it leaks to other clients on this one.
Seen in SQLAlchemy ``connect`` event listeners (the documented "Setting Alternate Search
Paths on Connect" recipe), Rails ``variables:`` / ``schema_search_path`` (``SET SESSION``
in ``configure_connection``), Django ``OPTIONS["assume_role"]`` (``SET ROLE`` on connect).
Parameters the pooler tracks (TimeZone, application_name, ...) are not reported.
"""

from __future__ import annotations

from typing import Iterator

from ...core.findings import Finding
from ..context import Context
from ..model import Fact, finding, severity, truthy, where

CODE = "PGB203"

_ALTER_ROLE = ("Set it for the role once over a direct connection (`ALTER ROLE app_user SET {name} = ...`), "
               "schema-qualify names, or use `SET LOCAL` inside each transaction.")


def _shown(ctx: Context, value) -> str:
    """A setting as the message shows it: its literal value, else its source text (an expression)."""
    if isinstance(value.value, list):
        return ", ".join(_shown(ctx, v) if hasattr(v, "value") else str(v) for v in value.value)
    if isinstance(value.value, (str, int, float)) and not isinstance(value.value, bool):
        return str(value.value)
    return ctx.text[value.start:value.end]


def _engine_url(ctx: Context):
    engines = [f for f in ctx.facts if f.kind == "sqlalchemy-engine"]
    return engines[0].url if len(engines) == 1 else None


def check(ctx: Context) -> Iterator[Finding]:
    for fact in ctx.facts:
        if fact.kind == "connect-set":
            url = _engine_url(ctx)
            report, sev = severity(url.status if url else "unknown", explicit=True)
            if report:
                sql = fact.settings["sql"].value
                yield finding(CODE, fact,
                              f"`{sql}` runs in the `{fact.label}` connect listener, once per new connection: "
                              f"later transactions may run on another server connection without it, and it leaks "
                              f"to other clients on this one{where(url)}",
                              _ALTER_ROLE.format(name="search_path") +
                              " SQLAlchemy also offers `schema_translate_map` instead of search_path.", sev)
        elif fact.kind == "rails-database":
            yield from _rails(ctx, fact)
        elif fact.kind == "knex" and "search_path" not in ctx.profile.tracked_parameters:
            report, sev = severity(fact.status, explicit=True)
            if report:
                yield finding(CODE, fact,
                              f"Knex runs `set search_path to {_shown(ctx, fact.settings['searchPath'])}` once per new "
                              f"connection (`searchPath`): later transactions may run on another server connection "
                              f"without it, and it leaks to other clients{where(fact.url)}",
                              _ALTER_ROLE.format(name="search_path") + " Knex: `.withSchema()`; remove `searchPath`.", sev)
        elif fact.kind == "sequelize":
            prepend = fact.settings.get("dialectOptions.prependSearchPath")
            report, sev = severity(fact.status, explicit=True)
            if prepend is not None and truthy(prepend.value) is True and report \
                    and "search_path" not in ctx.profile.tracked_parameters:
                yield finding(CODE, prepend,
                              f"`prependSearchPath` makes Sequelize prepend a session `SET search_path` to queries: it "
                              f"stays on the server connection and leaks to other clients{where(fact.url)}",
                              _ALTER_ROLE.format(name="search_path") + " Sequelize: the per-model `schema` option.", sev)
        elif fact.kind == "laravel-session-set":
            yield from _laravel(ctx, fact)
        elif fact.kind == "django-database":
            role = fact.setting("OPTIONS.assume_role")
            report, sev = severity(fact.status, explicit=True)
            if role is not None and report:
                yield finding(CODE, role,
                              f"`{fact.label}` OPTIONS `assume_role` makes Django run `SET ROLE {role.value}` on each "
                              f"new connection: the role leaks to other clients of that server connection, and your "
                              f"later transactions may run without it{where(fact.url)}",
                              "Log in as the role you need (USER), or set privileges with `ALTER ROLE`; use "
                              "`SET LOCAL ROLE` inside a transaction where a per-transaction role is needed.", sev)


#: search_path values every client of a database shares anyway (Laravel's default is 'public')
_DEFAULT_SEARCH_PATHS = frozenset({"public", '"$user", public', "$user, public", "'$user', public"})


def _laravel(ctx: Context, fact: Fact) -> Iterator[Finding]:
    report, sev = severity(fact.status, explicit=True)
    if not report:
        return
    for name, value in fact.settings.items():
        shown = _shown(ctx, value)
        if name.lower() in ctx.profile.tracked_parameters or (
                name == "search_path" and shown.strip().strip("'\"") in _DEFAULT_SEARCH_PATHS | {"public"}):
            continue
        yield finding(CODE, value,
                      f"Laravel runs `set {name} to {shown}` on each new connection of its `{fact.label}` connection "
                      f"(`'{name}'` in config/database.php): later transactions may run on another server connection "
                      f"without it, and it leaks to other clients on this one{where(fact.url)}",
                      _ALTER_ROLE.format(name=name) + " Laravel: schema-qualify table names and remove the key.", sev)


def _rails(ctx: Context, fact: Fact) -> Iterator[Finding]:
    if fact.extra.get("local") and fact.status == "unknown":
        return  # development/test databases without a visible pooler
    report, sev = severity(fact.status, explicit=True)
    if not report:
        return
    from ..readers.read_yaml import Map

    variables = fact.settings.get("variables")
    if isinstance(variables, Map):
        for name, (span, value) in variables.items.items():
            if name.lower() in ctx.profile.tracked_parameters:
                continue
            yield finding(CODE, span,
                          f"Rails sends `SET SESSION {name} TO ...` from `variables:` of `{fact.label}` on each new "
                          f"connection: later transactions may run on another server connection without it, and it "
                          f"leaks to other clients{where(fact.url)}",
                          _ALTER_ROLE.format(name=name) + " Remove it from `variables:`.", sev)
    path = fact.settings.get("schema_search_path")
    if path is not None and not isinstance(path, Map) and "search_path" not in ctx.profile.tracked_parameters:
        yield finding(CODE, path,
                      f"Rails runs `SET search_path TO {path.value}` (`schema_search_path` of `{fact.label}`) on each "
                      f"new connection: later transactions may run without it (`relation ... does not exist`), and "
                      f"it leaks to other clients{where(fact.url)}",
                      _ALTER_ROLE.format(name="search_path") + " Remove `schema_search_path`.", sev)
