"""YAML settings: Rails ``config/database.yml``, docker compose ``environment:``, Kubernetes
``env:`` lists, Hasura metadata (``databases.yaml``), Spring ``application.yml``, and any
connection string.

``yaml.compose`` (safe loader) gives nodes with their start and end marks, so every value
keeps its place; merge keys (``<<: *default``) are followed by hand.  An alias is never
expanded: each node is converted once and shared wherever an alias names it, and every walk
visits a node once, so an alias bomb (``&a [*a, *a, ...]`` nine levels deep) costs its size.  Rails files are ERB
templates: ``<% %>`` tags are blanked (same length) before parsing, ``<%= ENV[...] %>``
values are read as environment references (Ruby inside them that YAML would read as
structure, such as a ternary's ``: ``, is defused first, again keeping lengths).
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

from ..context import Context
from ..model import Fact, UrlUse, Value, local_socket
from .envblock import env_block

_ERB_ENV = re.compile(r"""ENV(?:\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\]|\.fetch\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"])""")

RAILS_ADAPTERS = ("postgresql", "postgis", "pgbouncer", "postgres")
RAILS_LOCAL_ENVIRONMENTS = ("development", "test")


class Map:
    """A YAML mapping: key -> (key node span, value); merge keys already applied."""

    def __init__(self, node: Any, items: dict[str, tuple[tuple[int, int], Any]]) -> None:
        self.start = node.start_mark.index
        self.end = node.end_mark.index
        self.items = items
        #: this mapping is merged into others (``<<: *default``): a template, not an entry
        self.merge_source = False

    def get(self, key: str) -> Any:
        item = self.items.get(key)
        return item[1] if item else None

    def key_span(self, key: str) -> tuple[int, int]:
        return self.items[key][0]


def _scalar(node: Any, text: str) -> Value:
    start, end = node.start_mark.index, node.end_mark.index
    raw = node.value
    tag = node.tag.rsplit(":", 1)[-1]
    value: Any = raw
    if tag == "bool":
        value = raw.lower() in ("true", "yes", "on", "y")
    elif tag == "int":
        try:
            value = int(raw.replace("_", ""), 0)
        except ValueError:
            value = raw
    elif tag == "null":
        value = None
    verbatim = None
    if node.style in (None, "") and text[start:end] == raw:  # plain (libyaml says "")
        verbatim = start
    elif node.style in ("'", '"') and text[start + 1:end - 1] == raw:
        verbatim = start + 1
    return Value(value, start, end, verbatim)


def convert(node: Any, text: str, depth: int = 0, done: Optional[dict[int, Any]] = None) -> Any:
    """Python values (``Map``, list, ``Value``) of a composed node; ``done`` holds the nodes
    already converted (an alias is the same node object as its anchor: it is shared, not copied,
    and a recursive alias ends at the node being built)."""
    import yaml

    if done is None:
        done = {}
    if id(node) in done:
        return done[id(node)]
    if depth > 60:
        return None
    result: Any
    if isinstance(node, yaml.ScalarNode):
        result = done[id(node)] = _scalar(node, text)
        return result
    if isinstance(node, yaml.SequenceNode):
        result = done[id(node)] = []
        result.extend(convert(n, text, depth + 1, done) for n in node.value)
        return result
    if isinstance(node, yaml.MappingNode):
        items: dict[str, tuple[tuple[int, int], Any]] = {}
        merged: dict[str, tuple[tuple[int, int], Any]] = {}
        result = done[id(node)] = Map(node, items)
        result.merge_source = id(node) in _MERGE_SOURCES
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    converted = convert(source, text, depth + 1, done)
                    if isinstance(converted, Map):
                        for k, v in converted.items.items():
                            merged.setdefault(k, v)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            items[str(key_node.value)] = ((key_node.start_mark.index, key_node.end_mark.index),
                                          convert(value_node, text, depth + 1, done))
        for k, v in merged.items():
            items.setdefault(k, v)
        return result
    return None


_MERGE_SOURCES: set[int] = set()


def documents(text: str) -> list[Any]:
    import yaml

    try:
        # libyaml's loader when PyYAML has it (marks are character offsets there too)
        loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
        nodes = [doc for doc in yaml.compose_all(text, Loader=loader) if doc is not None]
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    _MERGE_SOURCES.clear()
    seen: set[int] = set()
    for doc in nodes:  # first pass: which mappings are merge sources (anchors used by `<<`)
        _mark_merge_sources(doc, seen)
    try:
        done: dict[int, Any] = {}
        return [convert(doc, text, 0, done) for doc in nodes]
    finally:
        _MERGE_SOURCES.clear()


def _mark_merge_sources(root: Any, seen: set[int]) -> None:
    import yaml

    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias: its node was (or will be) looked at once
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    for source in (value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]):
                        _MERGE_SOURCES.add(id(source))
                stack.append(value_node)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _walk(node: Any) -> Iterator[Any]:
    """Every value under ``node`` once (aliases share values: a value is not visited twice)."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if isinstance(current, (Map, list)):
            if id(current) in seen:
                continue
            seen.add(id(current))
        yield current
        if isinstance(current, Map):
            stack.extend(v for _, v in current.items.values())
        elif isinstance(current, list):
            stack.extend(current)


def _without_erb(text: str) -> str:
    """The YAML Rails sees after running ERB, with every offset kept: statement tags blanked, and in
    output tags the Ruby that YAML would read as a mapping or a comment (``a ? b : c``, `` #``)
    defused, e.g. chatwoot's ``pool: <%= Sidekiq.server? ? ENV.fetch(...) : ENV.fetch(...) %>``."""
    parts = []
    done = 0
    for start, end in _erb_tags(text):
        tag = text[start:end]
        if tag.startswith("<%="):
            tag = tag.replace(": ", ":_").replace(" #", "_#")
        else:
            tag = re.sub(r"[^\n]", " ", tag)
        parts += (text[done:start], tag)
        done = end
    parts.append(text[done:])
    return "".join(parts)


def _erb_tags(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each ``<% ... %>`` tag; ERB tags do not nest, and an unclosed ``<%``
    ends the scan (a lazy regex retried at each ``<%`` was quadratic)."""
    start = text.find("<%")
    while start != -1:
        end = text.find("%>", start + 2)
        if end == -1:
            return
        yield start, end + 2
        start = text.find("<%", end + 2)


def without_templates(text: str) -> str:
    """Helm / Go templates: each ``{{ ... }}`` on one line becomes as many ``x`` (offsets kept), so
    the YAML around it parses and a URL keeps its literal parts (``{{ .Release.Name }}-pgbouncer``).
    One pass over the text (an unclosed ``{{`` is left as it is)."""
    out, at = [], 0
    while True:
        start = text.find("{{", at)
        if start == -1:
            break
        line_end = text.find("\n", start)
        line_end = len(text) if line_end == -1 else line_end
        end = text.find("}}", start + 2, line_end)
        if end == -1:  # not closed on its line: keep the rest of the line as it is
            out.append(text[at:line_end])
            at = line_end
            continue
        out.append(text[at:start])
        out.append("x" * (end + 2 - start))
        at = end + 2
    out.append(text[at:])
    return "".join(out)


def read(ctx: Context) -> None:
    text = _without_erb(ctx.text) if "<%" in ctx.text else ctx.text
    if "{{" in text:
        text = without_templates(text)
        if ctx.filename.lower().endswith(".tpl"):  # a helpers file: named templates, not YAML
            _template_urls(ctx, text)
            return
    docs = documents(text)
    for doc in docs:
        if isinstance(doc, Map):
            services = transaction_poolers(doc, ctx.prepared_by_host)
            ctx.pooler_services = ctx.pooler_services | services
            ctx.pooled_hosts = ctx.pooled_hosts | services
    for doc in docs:
        for node in _walk(doc):
            if isinstance(node, Value) and isinstance(node.value, str):
                ctx.url_fact(node)
        if isinstance(doc, Map):
            _rails(ctx, doc)
            _compose(ctx, doc)
        for node in _walk(doc):
            if isinstance(node, Map):
                _kubernetes_env(ctx, node)
                _hasura_source(ctx, node)


# --- Rails ------------------------------------------------------------------------------

def _erb_env(ctx: Context, value: Value) -> Optional[UrlUse]:
    if not isinstance(value.value, str):
        return None
    m = _ERB_ENV.search(value.value)
    if m:
        return ctx.env_url(m.group(1) or m.group(2), value)
    return ctx.literal_url(value)


def _erb_name(value: Any) -> Optional[tuple[str, Optional[str]]]:
    """(variable, None) of an ``<%= ENV["X"] %>`` value."""
    if isinstance(value, Value) and isinstance(value.value, str) and "<%" in value.value:
        m = _ERB_ENV.search(value.value)
        if m:
            return m.group(1) or m.group(2), None
    return None


def _rails(ctx: Context, doc: Map) -> None:
    name = ctx.filename.replace("\\", "/").rsplit("/", 1)[-1]
    if name not in ("database.yml", "database.yaml") and not name.endswith(".database.yml"):
        return
    for env_name, ((key_start, key_end), config) in doc.items.items():
        if not isinstance(config, Map) or config.merge_source:
            continue  # `default: &default` is a template merged into the environments
        if config.get("adapter") is not None or config.get("url") is not None or config.get("database") is not None:
            targets = [(env_name, (key_start, key_end), config)]
        else:  # multi-database: production: {primary: {...}, queue: {...}}
            targets = [(f"{env_name}.{sub}", span, c) for sub, (span, c) in config.items.items() if isinstance(c, Map)]
        for label, span, cfg in targets:
            adapter = cfg.get("adapter")
            if isinstance(adapter, Value) and isinstance(adapter.value, str) and adapter.value not in RAILS_ADAPTERS:
                continue
            settings = {k: v for k, (_, v) in cfg.items.items() if isinstance(v, (Value, Map))}
            url = _erb_env(ctx, cfg.get("url")) if isinstance(cfg.get("url"), Value) else None
            if url is None:
                host, port = cfg.get("host"), cfg.get("port")
                if isinstance(host, Value):
                    url = ctx.env_host_url(_erb_name(host), host, _erb_name(port), port if isinstance(port, Value) else None)
                    if url is None and _erb_name(host):
                        url = ctx.env_url(_erb_name(host)[0], host)
            mode = cfg.get("pooling_mode")
            session_mode = isinstance(mode, Value) and str(mode.value).lower() == "session"
            if isinstance(adapter, Value) and adapter.value == "pgbouncer" and not session_mode \
                    and (url is None or url.status != "direct"):
                # activerecord-pgbouncer: this config goes through PgBouncer whatever the host
                from .. import urls as urls_mod

                url = UrlUse(urls_mod.Endpoint(urls_mod.POOLED, "`adapter: pgbouncer` (activerecord-pgbouncer)"),
                             adapter, url.parsed if url else None)
            if isinstance(adapter, Value) and adapter.value == "pgbouncer" and session_mode:
                from .. import urls as urls_mod

                url = UrlUse(urls_mod.Endpoint(urls_mod.DIRECT, "`pooling_mode: session` (activerecord-pgbouncer)"),
                             mode, url.parsed if url else None)
            if url is None and env_name not in RAILS_LOCAL_ENVIRONMENTS:
                # Rails merges DATABASE_URL into the running environment's config
                url = ctx.env_url("DATABASE_URL", Value(None, span[0], span[1]))
            elif url is None and cfg.get("host") is None:
                url = local_socket(adapter)  # development / test on this machine's PostgreSQL
            ctx.add(Fact("rails-database", span[0], span[1], label, settings, url,
                         {"environment": env_name, "local": env_name in RAILS_LOCAL_ENVIRONMENTS,
                          "listen_gems": listen_gems(ctx.filename)}))


#: job backends that LISTEN and hold session advisory locks (pooling-semantics.md §3)
LISTEN_GEMS = ("good_job", "que")


def listen_gems(filename: str) -> tuple[str, ...]:
    """LISTEN-based gems locked in the app's Gemfile.lock (next to config/, or beside the file)."""
    import os

    here = os.path.dirname(os.path.abspath(filename))
    for directory in (os.path.dirname(here), here):
        path = os.path.join(directory, "Gemfile.lock")
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = fh.read(2_000_000).splitlines()
        except OSError:
            continue
        # Gemfile.lock: "GEM / remote: ... / specs:" then "    name (version)" at four spaces
        names = {line.strip().split(" ", 1)[0] for line in lines if line.startswith("    ") and not line.startswith("     ")}
        return tuple(g for g in LISTEN_GEMS if g in names)
    return ()


# --- docker compose / Kubernetes --------------------------------------------------------

def _compose(ctx: Context, doc: Map) -> None:
    services = doc.get("services")
    if not isinstance(services, Map):
        return
    for service, (span, config) in services.items.items():
        if not isinstance(config, Map):
            continue
        env = config.get("environment")
        entries: dict[str, Value] = {}
        spans: dict[str, tuple[int, int]] = {}
        if isinstance(env, Map):
            for key, (key_span, value) in env.items.items():
                if isinstance(value, Value):
                    entries[key] = value
                    spans[key] = key_span
        elif isinstance(env, list):
            for item in env:
                if isinstance(item, Value) and isinstance(item.value, str) and "=" in item.value:
                    key, _, raw = item.value.partition("=")
                    at = item.verbatim + len(key) + 1 if item.verbatim is not None else None
                    entries[key.strip()] = Value(raw, item.start, item.end, at)
                    spans[key.strip()] = (item.start, item.start + len(key))
        if entries:
            env_block(ctx, entries, f"service {service}:", span, spans)
        _airflow_migration(ctx, service, config, entries)


#: Airflow's schema migration (``airflow db upgrade`` / ``db migrate`` / ``db init`` / 1.x ``upgradedb``)
_AIRFLOW_MIGRATE = re.compile(r"airflow\s+(?:db\s+(?:upgrade|migrate|init|reset)|upgradedb|initdb|resetdb)\b")
AIRFLOW_CONN = ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__SQL_ALCHEMY_CONN")


def _airflow_migration(ctx: Context, service: str, config: Map, entries: dict[str, Value]) -> None:
    """A compose service that runs Airflow's migrations (its command, or the official compose file's
    ``_AIRFLOW_DB_MIGRATE`` / ``_AIRFLOW_DB_UPGRADE``), with the metadata connection it uses."""
    command = []
    for key in ("command", "entrypoint"):
        node = config.get(key)
        command += [node] if isinstance(node, Value) else [v for v in node if isinstance(v, Value)] \
            if isinstance(node, list) else []
    text = " ".join(str(v.value) for v in command)
    flag = next((entries[k] for k in ("_AIRFLOW_DB_MIGRATE", "_AIRFLOW_DB_UPGRADE") if k in entries
                 and str(entries[k].value).lower() == "true"), None)
    match = _AIRFLOW_MIGRATE.search(text) if len(text) < 10000 else None
    if match is None and flag is None:
        return
    where = flag or next(v for v in command if _AIRFLOW_MIGRATE.search(str(v.value)))
    conn = next((entries[k] for k in AIRFLOW_CONN if k in entries), None)
    from .envblock import url_of

    url = url_of(ctx, conn) if conn is not None else ctx.env_url(AIRFLOW_CONN[0], where)
    ctx.add(Fact("airflow-migrate", where.start, where.end, f"service {service}: {match.group() if match else 'airflow db migrate'}",
                 {}, url))


def _template_urls(ctx: Context, text: str) -> None:
    """Connection strings written in a Helm ``*.tpl`` helpers file."""
    for m in re.finditer(r"(?:postgres|postgresql)(?:\+[a-z0-9_]+)?://[^\s\"'<>`]{1,2000}", text):
        literal = ctx.text[m.start():m.end()]
        ctx.url_fact(Value(literal, m.start(), m.end(), m.start()))


def transaction_poolers(doc: Map, prepared_by_host: dict[str, bool]) -> frozenset[str]:
    """Compose services running PgBouncer in transaction mode (edoburu/bitnami images set
    ``POOL_MODE`` / ``PGBOUNCER_POOL_MODE``): other services reach them by service name."""
    services = doc.get("services")
    if not isinstance(services, Map):
        return frozenset()
    found = set()
    for service, (_, config) in services.items.items():
        if not isinstance(config, Map):
            continue
        image = config.get("image")
        if not (isinstance(image, Value) and "pgbouncer" in str(image.value).lower()):
            continue
        env = config.get("environment")
        modes = []
        if isinstance(env, Map):
            modes = [v.value for k, (_, v) in env.items.items() if k.upper() in ("POOL_MODE", "PGBOUNCER_POOL_MODE")
                     and isinstance(v, Value)]
        elif isinstance(env, list):
            modes = [item.value.partition("=")[2] for item in env if isinstance(item, Value)
                     and str(item.value).upper().startswith(("POOL_MODE=", "PGBOUNCER_POOL_MODE="))]
        if any(str(m).strip().lower() == "transaction" for m in modes):
            names = [service.lower()] + [str(config.get(k).value).lower() for k in ("container_name", "hostname")
                                         if isinstance(config.get(k), Value)]
            found.update(names)
            prepared = _env_value(env, "MAX_PREPARED_STATEMENTS") or _env_value(env, "PGBOUNCER_MAX_PREPARED_STATEMENTS")
            if prepared is not None and prepared.strip().isdigit():
                for name in names:  # the compose file says what this PgBouncer keeps
                    prepared_by_host[name] = int(prepared) > 0
    return frozenset(found)


def _env_value(env: Any, key: str) -> Optional[str]:
    if isinstance(env, Map) and isinstance(env.get(key), Value):
        return str(env.get(key).value)
    if isinstance(env, list):
        for item in env:
            if isinstance(item, Value) and str(item.value).startswith(key + "="):
                return str(item.value).partition("=")[2]
    return None


def _kubernetes_env(ctx: Context, node: Map) -> None:
    env = node.get("env")
    if not isinstance(env, list):
        return
    entries: dict[str, Value] = {}
    spans: dict[str, tuple[int, int]] = {}
    for item in env:
        if isinstance(item, Map) and isinstance(item.get("name"), Value) and isinstance(item.get("value"), Value):
            name = str(item.get("name").value)
            entries[name] = item.get("value")
            spans[name] = (item.get("name").start, item.get("name").end)
    if entries:
        env_block(ctx, entries, "env", (node.start, node.start), spans)


def _hasura_source(ctx: Context, node: Map) -> None:
    """Hasura metadata ``databases.yaml``: configuration.connection_info.database_url."""
    info = node.get("connection_info")
    if not isinstance(info, Map) or "database_url" not in info.items:
        return
    url_value = info.get("database_url")
    url = None
    if isinstance(url_value, Value):
        url = ctx.literal_url(url_value)
    elif isinstance(url_value, Map) and isinstance(url_value.get("from_env"), Value):
        ref = url_value.get("from_env")
        url = ctx.env_url(str(ref.value), ref)
    start, end = info.key_span("database_url")
    settings = {}
    if isinstance(info.get("use_prepared_statements"), Value):
        settings["use_prepared_statements"] = info.get("use_prepared_statements")
    ctx.add(Fact("hasura", start, end, "connection_info.database_url", settings, url,
                 {"names": {"use_prepared_statements": "use_prepared_statements"}, "metadata": True}))
