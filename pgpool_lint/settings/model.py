"""What the settings readers hand the driver rules: values with their place in the file.

A reader (Python ``ast``, YAML, TOML, INI, dotenv, Prisma) never decides a finding.  It
turns one file into ``Fact``s — "a Django database alias", "a Rails environment", "an
asyncpg.create_pool call", "a connection string" — each with the settings it was given
(``Value``: a parsed value and the character span it was written at) and the connection
string it uses (``UrlUse``: a literal, or an environment variable resolved from ``.env``
files).  The rule modules (one per rule) read the facts and decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from ..core.findings import Finding
from . import urls
from .urls import DIRECT, MAYBE, POOLED, UNKNOWN, Endpoint, ParsedUrl


@dataclass
class Value:
    value: Any
    start: int  # character offsets into the host file
    end: int
    #: host offset of ``value[0]`` when the string is written verbatim there (no escapes), so
    #: an offset inside the string maps to the file by addition; None otherwise
    verbatim: Optional[int] = None

    def at(self, inner: int, length: int = 0) -> tuple[int, int]:
        """Host span of ``value[inner:inner+length]``; the whole value when not verbatim."""
        if self.verbatim is None:
            return self.start, self.end
        return self.verbatim + inner, self.verbatim + inner + max(length, 1)


@dataclass
class UrlUse:
    """The connection string a piece of configuration connects with."""

    endpoint: Endpoint
    value: Optional[Value] = None  # the literal, or the env reference, in this file
    parsed: Optional[ParsedUrl] = None  # None when the value is not known
    env_name: Optional[str] = None  # read from this environment variable
    env_file: Optional[str] = None  # ... whose value was found in this .env file
    #: the literal sits in this file (so its own parameters are reported here)
    literal: bool = False

    @property
    def status(self) -> str:
        return self.endpoint.status

    def describe(self) -> str:
        """Why we think this is (or may be) a pooled endpoint, for messages."""
        reason = self.endpoint.reason
        if self.env_name and self.env_file and not reason:
            return f"`{self.env_name}` (value from {self.env_file}) names no known pooler or direct endpoint"
        if self.env_name and self.env_file:
            return f"`{self.env_name}` (value from {self.env_file}): {reason}"
        if self.env_name and self.status == UNKNOWN:
            unset = f"`{self.env_name}` is not set in any .env file of this repository"
            return f"{unset}, and {reason}" if reason else unset
        if self.env_name:
            return f"`{self.env_name}`: {reason}"
        return reason

    def param(self, key: str) -> Optional[urls.Param]:
        return self.parsed.get(key) if self.parsed else None

    def param_span(self, param: urls.Param) -> tuple[int, int]:
        """Where a URL parameter is written: in this file when the URL is, else the reference."""
        if self.value is None:
            return 0, 0
        if self.literal:
            return self.value.at(param.offset, param.end - param.offset)
        return self.value.start, self.value.end


@dataclass
class Fact:
    """One thing a file configures that a driver rule may judge."""

    kind: str  # e.g. "django-database", "rails-database", "asyncpg-connect", "url"
    start: int  # where a finding about a missing setting points
    end: int
    label: str  # how the message names it: "DATABASES['default']", "production", ...
    settings: dict[str, Value] = field(default_factory=dict)
    url: Optional[UrlUse] = None
    #: further facts a reader knows (e.g. {"environment": "development"})
    extra: dict[str, Any] = field(default_factory=dict)

    def setting(self, *names: str) -> Optional[Value]:
        for name in names:
            if name in self.settings:
                return self.settings[name]
        return None

    @property
    def status(self) -> str:
        return self.url.status if self.url else UNKNOWN


# --- how sure a finding is ----------------------------------------------------------------

def severity(status: str, explicit: bool = False) -> tuple[bool, Optional[str]]:
    """(report?, severity override) for a hazard on a connection of ``status``.

    Direct endpoints are never reported; pooled ones at the rule's severity; when the
    endpoint may be a pooler, or nothing says what it is (a URL from the environment), the
    hazard is a warning whose message states the condition (``where``): someone who runs
    this linter asks what breaks behind a transaction pooler.  ``explicit`` (the file itself
    turns the hazard on) no longer changes the answer; it is kept for readers' callers.
    """
    if status == POOLED:
        return True, None
    if status in (MAYBE, UNKNOWN):
        return True, "warning"
    return False, None


#: the words every conditional message carries (the run's summary line counts them)
CONDITION = "goes through a transaction pooler"


def subject(url: Optional[UrlUse]) -> str:
    """How a conditional message names the connection: `DATABASE_URL`, the host, or "this connection"."""
    if url is not None and url.env_name:
        return f"`{url.env_name}`"
    if url is not None and url.parsed is not None and url.parsed.host:
        host = url.parsed.host
        if not any(mark in host for mark in ("$", "<%", "{", "%")):
            return f"`{host}`"
        variable = re.search(r"\$\{?([A-Za-z_][A-Za-z0-9_]{0,80})", url.parsed.text[url.parsed.host_offset:])
        if variable:  # a template host: `${DB_HOST}` / `$(DB_HOST)`
            return f"`{variable.group(1)}`"
    return "this connection"


def local_socket(value: Optional[Value] = None) -> UrlUse:
    """A configuration without a host: libpq's default, this machine's PostgreSQL (a direct connection)."""
    return UrlUse(urls.Endpoint(DIRECT, "no host: the local PostgreSQL"), value)


def where(url: Optional[UrlUse]) -> str:
    """Message suffix naming the endpoint evidence (or the condition, when there is none)."""
    if url is None:
        return f" (if this connection {CONDITION}: no connection string is visible here)"
    if url.status == UNKNOWN:
        detail = url.describe()
        tail = f": {detail}" if detail else ": nothing in this repository says where it points"
        return f" (if {subject(url)} {CONDITION}{tail})"
    if url.status == MAYBE:
        return f" ({url.describe()}: check that the pool runs in transaction mode)"
    return f" ({url.describe()})"


def finding(code: str, fact_or_span: Any, message: str, help: str, sev: Optional[str] = None,
            anchor: Optional[int] = None) -> Finding:
    if isinstance(fact_or_span, Fact):
        start, end = fact_or_span.start, fact_or_span.end
    elif isinstance(fact_or_span, Value):
        start, end = fact_or_span.start, fact_or_span.end
    else:
        start, end = fact_or_span
    f = Finding(code, message, help, start, max(end, start), None, None)
    if anchor is not None:
        f.anchor = anchor
    if sev is not None:
        f.severity = sev
    return f


def truthy(value: Any) -> Optional[bool]:
    """A setting's boolean meaning (True, "true", "on", 1, ...); None when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().strip("'\"").lower()
        if lowered in ("true", "on", "yes", "1", "t", "y"):
            return True
        if lowered in ("false", "off", "no", "0", "f", "n"):
            return False
    return None


def dynamic(value: Optional[Value]) -> bool:
    """A setting that is written but whose value is only known at run time (a variable, an
    environment lookup, a template): the user configured it, so it is not reported as missing."""
    if value is None:
        return False
    raw = value.value
    if isinstance(raw, str):
        return any(marker in raw for marker in ("<%", "${", "{{", "#{"))
    return not isinstance(raw, (bool, int, float, type(None), list, dict, tuple))


def configured_off(value: Optional[Value]) -> bool:
    """The setting turns the feature off (false / 0), or is set to something dynamic."""
    return value is not None and (dynamic(value) or truthy(value.value) is False)


def configured_on(value: Optional[Value]) -> bool:
    """The setting turns the feature on (true / 1), or is set to something dynamic."""
    return value is not None and (dynamic(value) or truthy(value.value) is True)


def prepared_statements_survive(url: Optional[UrlUse], profile: Any) -> Optional[bool]:
    """Do protocol-level prepared statements work through this pooler?  None: not known.

    The provider decides when the URL names one (Supavisor: no; Neon: yes); otherwise the
    pooler profile: PgBouncer ≥ 1.21 with ``max_prepared_statements > 0``.  The linter's
    default profile (latest PgBouncer, 200) is an assumption, not evidence: with it the answer
    is None, so the hazard is reported as a warning that says which poolers drop them.
    """
    if url is not None and url.endpoint.prepared_statements is not None:
        return url.endpoint.prepared_statements
    if getattr(profile, "pooler", "pgbouncer") != "pgbouncer":
        return False
    if getattr(profile, "max_prepared_statements", 0) <= 0:
        return False if profile_declared(profile, "max-prepared-statements") else None
    version = getattr(profile, "pgbouncer_version", None)
    if version:
        try:
            parts = tuple(int(p) for p in str(version).split("."))
        except ValueError:
            parts = (1, 25)
        if parts[:2] < (1, 21):
            return False
    return True if profile_declared(profile) else None


def profile_declared(profile: Any, *keys: str) -> bool:
    """Did anything but the default preset say what the pooler keeps (a chosen preset, the config,
    the command line, a pgbouncer.ini or an image tag)?"""
    sources = getattr(profile, "sources", {}) or {}
    if sources.get("preset", "default preset") != "default preset":
        return True
    keys = keys or ("max-prepared-statements", "pgbouncer-version")
    return any(key in sources and not str(sources[key]).startswith("preset ") for key in keys)


def profile_words(profile: Any) -> str:
    """How the message names the pooler profile that decided a prepared-statement finding."""
    pooler = getattr(profile, "pooler", "pgbouncer")
    if pooler != "pgbouncer":
        return f"the pooler profile says {pooler}, which keeps no prepared statements"
    version = getattr(profile, "pgbouncer_version", None)
    mps = getattr(profile, "max_prepared_statements", 0)
    return f"the pooler profile says PgBouncer {version or '(version unknown)'} with max_prepared_statements={mps}"


#: the condition of a prepared-statement warning when nothing says what the pooler keeps
UNKNOWN_POOLER = ("if the pooler drops prepared statements: Supavisor, PgBouncer < 1.21, or "
                  "max_prepared_statements = 0 (the default before 1.24)")
