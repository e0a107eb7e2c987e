"""What a settings reader works with while it reads one file, and the facts it collects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from . import urls
from .envfiles import EnvResolver
from .model import Fact, UrlUse, Value

if TYPE_CHECKING:  # pragma: no cover
    from .deployment import Deployment


@dataclass
class Context:
    text: str
    filename: str
    profile: Any
    resolver: EnvResolver
    pooled_hosts: frozenset[str] = frozenset()
    facts: list[Fact] = field(default_factory=list)
    #: PgBouncer services in transaction mode that this file defines (docker compose)
    pooler_services: frozenset[str] = frozenset()
    #: ... and whether each keeps prepared statements (its MAX_PREPARED_STATEMENTS)
    prepared_by_host: dict[str, bool] = field(default_factory=dict)
    #: what the rest of the repository says about its pooler (``deployment.collect``), if read
    deployment: Optional["Deployment"] = None
    #: hosts (and ``$VARIABLE`` names) declared direct in the config (``direct-hosts``)
    direct_hosts: frozenset[str] = frozenset()

    def add(self, fact: Fact) -> Fact:
        self.facts.append(fact)
        return fact

    def literal_url(self, value: Value) -> Optional[UrlUse]:
        """A connection string written in this file; None when ``value`` is not one."""
        if not isinstance(value.value, str):
            return None
        parsed = urls.parse(value.value)
        if parsed is None:
            return None
        # a literal of this file: mapped character by character (verbatim), or written with
        # escapes or line continuations that a reader decoded (``written_here``)
        literal = value.verbatim is not None or getattr(value, "written_here", False)
        use = UrlUse(urls.classify(parsed, self.pooled_hosts), value, parsed, literal=literal)
        return self.judge(use)

    def env_url(self, name: str, reference: Value, default: Optional[str] = None,
                rewrite: Optional[tuple[str, str, int]] = None) -> UrlUse:
        return self.judge(self.resolver.url_use(name, self.filename, reference, self.pooled_hosts, default, rewrite))

    def judge(self, use: UrlUse) -> UrlUse:
        """An endpoint as the whole repository and the config see it: declarations (``direct-hosts``,
        ``$VARIABLE`` entries), poolers this file defines (a compose PgBouncer service), then the
        deployment evidence of other files (``deployment``).  Readers of other languages call this
        on every ``UrlUse`` they build."""
        from dataclasses import replace

        host = use.parsed.host if use.parsed is not None else None
        variable = f"${use.env_name}".lower() if use.env_name else None
        if (host and host in self.direct_hosts) or (variable and variable in self.direct_hosts):
            use.endpoint = urls.Endpoint(urls.DIRECT, f"`{host if host in self.direct_hosts else use.env_name}` "
                                                      "is listed in `direct-hosts`")
            return use
        if variable and variable in self.pooled_hosts:
            use.endpoint = urls.Endpoint(urls.POOLED, f"`{use.env_name}` is listed in `pooled-hosts`",
                                         use.endpoint.prepared_statements)
            return use
        if host in self.pooler_services and use.status == urls.POOLED:
            keeps = self.prepared_by_host.get(host)
            detail = {None: "", True: "", False: " with max_prepared_statements = 0"}[keeps]
            use.endpoint = replace(use.endpoint, prepared_statements=keeps,
                                   reason=f"`{host}` is a PgBouncer service in transaction mode{detail} in this file")
            return use
        seen = self.deployment
        if seen is None or use.status == urls.POOLED or (use.status == urls.DIRECT and not use.endpoint.guessed):
            return use
        port = use.parsed.port if use.parsed is not None else None
        if host and host in seen.hosts:
            reason, keeps = seen.hosts[host]
            use.endpoint = urls.Endpoint(urls.POOLED, reason, keeps)
        elif port is not None and port in seen.ports:
            use.endpoint = urls.Endpoint(urls.POOLED, seen.ports[port])
        elif use.env_name and use.env_name in seen.names and use.parsed is None:
            use.endpoint = urls.Endpoint(urls.POOLED, seen.names[use.env_name])
        elif use.status == urls.UNKNOWN and seen.flags:
            # still a condition, but the project says it runs behind PgBouncer somewhere
            use.endpoint = urls.Endpoint(urls.UNKNOWN, f"the project supports PgBouncer ({seen.flags[0]})")
        return use

    def url_fact(self, value: Value, label: str = "connection string") -> Optional[Fact]:
        """Record a literal connection string (its own parameters are judged where it is written)."""
        use = self.literal_url(value)
        if use is None:
            return None
        for fact in self.facts:
            if fact.kind == "url" and fact.start == value.start:
                return fact
        return self.add(Fact("url", value.start, value.end, label, url=use))

    def host_port_url(self, host: Optional[Value], port: Optional[Value]) -> Optional[UrlUse]:
        """An endpoint from separate host / port settings (Django HOST/PORT, Rails host/port)."""
        if host is None or not isinstance(host.value, str) or not host.value:
            return None
        port_value = port.value if port is not None else None
        text = f"postgresql://{host.value}" + (f":{port_value}" if port_value not in (None, "") else "")
        parsed = urls.parse(text)
        if parsed is None:
            return None
        return self.judge(UrlUse(urls.classify(parsed, self.pooled_hosts), host, parsed))

    def env_host_url(self, host_env: Optional[tuple[str, Optional[str]]], host: Optional[Value],
                     port_env: Optional[tuple[str, Optional[str]]], port: Optional[Value]) -> Optional[UrlUse]:
        """An endpoint from host / port settings read from environment variables (``DB_HOST``)."""
        def resolve(env, value):
            if env is None:
                return value.value if value is not None else None, None
            found = self.resolver.lookup(env[0], self.filename)
            return (found[0][0], found[0][1]) if found else (env[1], None)

        host_value, host_file = resolve(host_env, host)
        port_value, _ = resolve(port_env, port)
        if not isinstance(host_value, str) or not host_value or host is None:
            return None
        use = self.host_port_url(Value(host_value, host.start, host.end), Value(port_value, 0, 0))
        if use is not None and host_env is not None:
            use.env_name, use.env_file = host_env[0], host_file
            use = self.judge(use)
        return use


def verbatim_offset(text: str, start: int, end: int, value: str) -> Optional[int]:
    """Host offset of ``value`` when it is written verbatim within ``text[start:end]``."""
    if not value:
        return None
    at = text.find(value, start, end)
    return at if at != -1 else None
