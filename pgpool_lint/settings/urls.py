"""PostgreSQL connection strings: parse them and tell a pooled endpoint from a direct one.

Three spellings are read: URLs (``postgres://``, ``postgresql+asyncpg://``, ``pgx5://``,
``jdbc:postgresql://``), and libpq key/value DSNs (``host=h port=6543 options='-c x=y'``).
Every parameter keeps its offset inside the string, so a finding can point at it.

Endpoint conventions come from pooling-semantics.md §5: Neon ``-pooler.`` hosts, Supabase's
``*.pooler.supabase.com:6543`` (Supavisor) and ``db.<ref>.supabase.co:6543`` (PgBouncer),
Prisma Postgres ``pooled.db.prisma.io``, ``pgbouncer=true``, hosts listed in config (strong);
ports 6432 / 25061 (weak: PgBouncer's default pool_mode is session).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import unquote, urlsplit

POOLED, MAYBE, DIRECT, UNKNOWN = "pooled", "maybe", "direct", "unknown"

_SCHEMES = ("postgres", "postgresql", "pgx", "pgx4", "pgx5", "cockroachdb")
_URL_START = re.compile(r"(?:jdbc:)?(?:postgres|postgresql|pgx[45]?|pgbouncer|ecto)(?:\+[a-z0-9_]+)?://", re.IGNORECASE)
#: words a libpq key/value DSN is made of (``host=... dbname=...``)
_DSN_KEYS = ("host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "options")
_DSN_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*")


@dataclass(frozen=True)
class Param:
    key: str
    value: str
    offset: int  # where the key starts, in characters from the start of the connection string
    end: int  # where the value ends


@dataclass
class ParsedUrl:
    text: str
    scheme: str  # "postgresql", "postgresql+asyncpg", "jdbc:postgresql", "dsn", ...
    host: str = ""
    port: Optional[int] = None
    params: list[Param] = field(default_factory=list)
    host_offset: int = 0

    @property
    def driver(self) -> str:
        """The part after ``+`` in a SQLAlchemy URL (``asyncpg``), or the URL scheme family."""
        if "+" in self.scheme:
            return self.scheme.split("+", 1)[1].lower()
        return self.scheme.lower()

    @property
    def is_jdbc(self) -> bool:
        return self.scheme.lower().startswith("jdbc:")

    def get(self, key: str) -> Optional[Param]:
        """The last parameter named ``key`` (case-insensitive, as drivers read them)."""
        found = None
        for p in self.params:
            if p.key.lower() == key.lower():
                found = p
        return found


def looks_like_connection_string(value: str) -> bool:
    value = value.strip()
    if _URL_START.match(value):
        return True
    return _is_keyword_dsn(value) or _semicolon(value) is not None


def _is_keyword_dsn(value: str) -> bool:
    pairs = _dsn_pairs(value)
    keys = {k.lower() for k, _, _, _ in pairs}
    return bool(pairs) and ("host" in keys or "dbname" in keys) and len(keys & set(_DSN_KEYS)) >= 2


def parse(value: str) -> Optional[ParsedUrl]:
    """A connection string's parts, or None when ``value`` is not one."""
    stripped = value.lstrip()
    lead = len(value) - len(stripped)
    if _URL_START.match(stripped):
        return _parse_url(value, lead)
    if _is_keyword_dsn(value):
        return _parse_dsn(value)
    return _semicolon(value)


def _semicolon(value: str) -> Optional[ParsedUrl]:
    """Npgsql ``Host=...;Port=...`` and PDO ``pgsql:host=...;port=...`` (semicolon_dsn.py)."""
    if ";" not in value:
        return None
    from .semicolon_dsn import parse as parse_semicolon

    pieces = parse_semicolon(value)
    if pieces is None:
        return None
    url = ParsedUrl(value, pieces.scheme, pieces.host, pieces.port, host_offset=pieces.host_offset)
    url.params = [Param(key, raw, at, end) for key, raw, at, end in pieces.params]
    return url


def _parse_url(value: str, lead: int) -> Optional[ParsedUrl]:
    text = value[lead:].rstrip()
    jdbc = text.lower().startswith("jdbc:")
    body = text[5:] if jdbc else text
    base = lead + (5 if jdbc else 0)
    scheme, sep, rest = body.partition("://")
    if not sep:
        return None
    url = ParsedUrl(value, ("jdbc:" if jdbc else "") + scheme.lower())
    authority_start = base + len(scheme) + 3
    # urlsplit copes with IPv6 and user:password@; a template such as ${PORT} makes .port fail,
    # and documentation placeholders (`[db-user]`, `aws-0-[aws-region].pooler...`) make it reject
    # the whole URL as bad IPv6: the host and port are then read from the netloc below
    try:
        parts = urlsplit("x://" + rest)
        hostname = parts.hostname or ""
        try:
            port = parts.port
        except ValueError:
            port = None
    except ValueError:
        hostname, port = "", None
    netloc_end = len(rest)
    for stop in "/?#":
        at = rest.find(stop)
        if at != -1:
            netloc_end = min(netloc_end, at)
    netloc = rest[:netloc_end]
    first_host = netloc.rsplit("@", 1)[-1].split(",")[0]
    url.host = unquote(hostname or first_host.split(":")[0]).lower()
    url.port = port if port is not None else _port_of(first_host)
    url.host_offset = authority_start + (netloc.rfind("@") + 1)
    query_at = rest.find("?")
    if query_at != -1:
        query_end = rest.find("#", query_at)
        query = rest[query_at + 1: query_end if query_end != -1 else len(rest)]
        offset = authority_start + query_at + 1
        # JDBC also accepts ';' between properties
        for piece in re.split(r"[&;]", query):
            if piece:
                key, _, raw = piece.partition("=")
                url.params.append(Param(unquote(key), unquote(raw.replace("+", " ")), offset, offset + len(piece)))
            offset += len(piece) + 1
    return url


def _port_of(hostport: str) -> Optional[int]:
    if ":" in hostport and not hostport.endswith("]"):
        tail = hostport.rsplit(":", 1)[1]
        if tail.isdigit():
            return int(tail)
    return None


def _dsn_pairs(value: str) -> list[tuple[str, str, int, int]]:
    """(key, value, key offset, value end) of a libpq ``key=value`` string; [] if it is not one."""
    pairs = []
    i = 0
    n = len(value)
    while i < n:
        m = _DSN_PAIR.match(value, i)
        if m is None:
            if value[i:].strip():
                return []
            break
        key_at = m.start(1)
        i = m.end()
        if i < n and value[i] == "'":
            i += 1
            chars = []
            while i < n and value[i] != "'":
                if value[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(value[i])
                i += 1
            if i >= n:
                return []
            i += 1
            raw = "".join(chars)
        else:
            start = i
            while i < n and not value[i].isspace():
                i += 1
            raw = value[start:i]
        pairs.append((m.group(1), raw, key_at, i))
    return pairs


def _parse_dsn(value: str) -> ParsedUrl:
    url = ParsedUrl(value, "dsn")
    for key, raw, at, end in _dsn_pairs(value):
        lowered = key.lower()
        if lowered == "host":
            url.host = raw.split(",")[0].lower()
            url.host_offset = at
        elif lowered == "port" and raw.split(",")[0].isdigit():
            url.port = int(raw.split(",")[0])
        else:
            url.params.append(Param(key, raw, at, end))
    return url


# --- what the endpoint is ---------------------------------------------------------------

@dataclass(frozen=True)
class Endpoint:
    status: str  # POOLED, MAYBE, DIRECT, UNKNOWN
    reason: str  # why, for messages ("Neon's `-pooler` host")
    #: does the pooler behind it keep protocol-level prepared statements working?
    #: True/False when the provider decides it, None when the pooler profile does
    prepared_statements: Optional[bool] = None
    #: a guess from the port alone (a literal host on 5432): deployment evidence may overrule it
    guessed: bool = False


def classify(url: ParsedUrl, pooled_hosts: frozenset[str] = frozenset()) -> Endpoint:
    host = url.host.strip("[]")
    port = url.port
    bouncer = url.get("pgbouncer")
    if host and any(_host_matches(host, pattern) for pattern in pooled_hosts):
        return Endpoint(POOLED, f"`{host}` is listed in `pooled-hosts`")
    if "-pooler." in host:
        # Neon runs PgBouncer with max_prepared_statements=1000
        return Endpoint(POOLED, f"`{host}` is a Neon pooled (`-pooler`) endpoint", True)
    if host.endswith(".pooler.supabase.com"):
        if port == 6543:
            return Endpoint(POOLED, "port 6543 of Supabase's shared pooler (Supavisor) is transaction mode", False)
        if port in (5432, None):
            return Endpoint(DIRECT, "port 5432 of Supabase's pooler is session mode")
    if re.fullmatch(r"db\.[a-z0-9]+\.supabase\.co", host):
        if port == 6543:
            return Endpoint(POOLED, "port 6543 of `db.<project>.supabase.co` is Supabase's dedicated PgBouncer")
        return Endpoint(DIRECT, "Supabase direct connection")
    if host == "pooled.db.prisma.io":
        return Endpoint(POOLED, "`pooled.db.prisma.io` is Prisma Postgres' pooled endpoint")
    if bouncer is not None and bouncer.value.lower() == "true":
        return Endpoint(POOLED, "the URL says `pgbouncer=true`")
    if url.scheme == "pgbouncer":  # activerecord-pgbouncer's adapter URL
        return Endpoint(POOLED, "the URL uses the `pgbouncer://` adapter")
    if host.endswith(".neon.tech") or host == "db.prisma.io":
        return Endpoint(DIRECT, "direct (non-pooler) endpoint")
    if host.lower() in LOOPBACK_HOSTS and port in (5432, None):
        return Endpoint(DIRECT, "a local PostgreSQL on its default port")
    if any(word in host.split(".")[0] for word in POOLER_HOST_WORDS):
        return Endpoint(MAYBE, f"the host name `{host}` says it is a connection pooler")
    if port == 6432:
        if host.endswith(".postgres.database.azure.com"):
            # Azure's built-in PgBouncer: pgbouncer.max_prepared_statements defaults to 0
            return Endpoint(MAYBE, "port 6432 is Azure's built-in PgBouncer", False)
        return Endpoint(MAYBE, "port 6432 is PgBouncer's default port")
    if port == 25061:
        return Endpoint(MAYBE, "port 25061 is where DigitalOcean serves connection pools")
    if port in (5432, None) and _literal_host(host):
        return Endpoint(DIRECT, f"`{host}` on PostgreSQL's own port 5432", guessed=True)
    return Endpoint(UNKNOWN, "")


def _literal_host(host: str) -> bool:
    """A host name written out (not a template, placeholder or empty): an ordinary server."""
    return bool(re.fullmatch(r"[a-z0-9](?:[a-z0-9.\-]{0,250}[a-z0-9])?|[0-9a-f:]{2,45}", host))


#: a pooler on this machine listens on its own port (6432); 5432 here is PostgreSQL itself
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

#: words in a host name (e.g. a docker compose service) that say it is a pooler
POOLER_HOST_WORDS = ("pgbouncer", "pooler", "pgcat", "pgdog", "supavisor", "odyssey")


def _host_matches(host: str, pattern: str) -> bool:
    pattern = pattern.lower().strip()
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


#: environment variable names that, by the providers' conventions, hold a direct URL
_DIRECT_NAME = re.compile(r"DIRECT|UNPOOLED|NON_?POOLING|MIGRAT|SESSION", re.IGNORECASE)


def direct_by_name(name: str) -> bool:
    return bool(_DIRECT_NAME.search(name))


# --- startup parameters -------------------------------------------------------------------

#: connection-string keys that libpq and the common drivers consume themselves (never sent as
#: startup parameters), so they are never a finding
CLIENT_KEYS = frozenset({
    "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "channel_binding",
    "connect_timeout", "fallback_application_name", "keepalives", "keepalives_idle",
    "keepalives_interval", "keepalives_count", "tcp_user_timeout", "replication", "gssencmode",
    "sslmode", "sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslcertmode",
    "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
    "ssl_max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service",
    "target_session_attrs", "load_balance_hosts", "require_auth", "min_protocol_version",
    "max_protocol_version",
})

#: keys pgx's ParseConfig consumes itself (jackc/pgx pgconn/config.go, pgxpool/pool.go); pgx sends
#: every other key of a DSN to the server as a runtime (startup) parameter
PGX_KEYS = CLIENT_KEYS | frozenset({
    "database", "servicefile", "krbspn", "min_read_buffer_size", "statement_cache_capacity",
    "description_cache_capacity", "default_query_exec_mode", "pool_max_conns", "pool_min_conns",
    "pool_min_idle_conns", "pool_max_conn_lifetime", "pool_max_conn_idle_time",
    "pool_health_check_period", "pool_max_conn_lifetime_jitter", "sslnegotiation",
})

#: server parameters (GUCs) people put in connection strings; sent at startup they are
#: rejected by PgBouncer (``unsupported startup parameter``) or dropped if ignored
STARTUP_GUCS = frozenset({
    "search_path", "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout",
    "idle_session_timeout", "transaction_timeout", "jit", "work_mem", "maintenance_work_mem",
    "default_transaction_isolation", "default_transaction_read_only", "role", "row_security",
    "timezone", "datestyle", "intervalstyle", "client_min_messages", "lc_messages",
    "default_statistics_target", "random_page_cost", "temp_buffers", "synchronous_commit",
    "log_statement", "log_min_duration_statement", "extra_float_digits", "bytea_output",
    "plan_cache_mode", "enable_seqscan", "geqo", "session_replication_role",
    "statement_cache_mode",  # pgx v4's key: pgx v5 forwards it (go-gorm/postgres#219)
})


def options_settings(options: str) -> list[tuple[str, str, int]]:
    """``-c name=value`` / ``--name=value`` pairs of a libpq ``options`` value, with offsets."""
    out = []
    for m in re.finditer(r"(?:-c\s*|--)([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(\S*)", options):
        out.append((m.group(1), m.group(2), m.start()))
    return out
