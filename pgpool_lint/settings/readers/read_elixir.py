"""Elixir configuration (``config/*.exs``), read with tree-sitter (never run).

Facts: each Ecto repo's ``config :app, MyApp.Repo, ...`` (``prepare``, ``url`` or
``hostname``/``port``, read through ``System.get_env`` / ``fetch_env!`` and variables such as
``database_url = System.get_env("DATABASE_URL") || raise ...``) and Oban's
``config :app, Oban, repo: MyApp.Repo, ...`` (its ``notifier``).  An Oban repo configured in
a sibling file (``runtime.exs``, ``prod.exs``) is looked up there.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from ..context import Context
from ..model import Fact, UrlUse, Value
from .read_stacks import Computed, StackReader, run

MARKERS = ("Repo", "Oban")
#: where a Phoenix app configures its production repo, when Oban is configured elsewhere
_SIBLINGS = ("runtime.exs", "prod.exs", "config.exs")
_MAX_SIBLING_BYTES = 1_000_000
#: keys only a repo's configuration has
_REPO_KEYS = frozenset({"database", "hostname", "username", "password", "pool_size", "prepare", "socket_dir",
                        "ssl", "migration_timestamps", "priv"})


class Reader(StackReader):
    ENV_GETTERS = {("System", "get_env"): 0, ("System", "fetch_env!"): 0, ("System", "fetch_env"): 0}

    def __init__(self, ctx: Context) -> None:
        from ...code.elixir_source import ELIXIR

        super().__init__(ctx, ELIXIR)
        self.variables: dict[str, Any] = {}

    def read(self) -> list[Fact]:
        configs = []
        for node in self.nodes():
            if node.type == "binary_operator":
                self.assignment(node)
            elif node.type == "call" and self.callee(node) == ("config",):
                configs.append(node)
        self.literal_urls(lambda n: n.type == "string")
        for node in configs:
            self.config(node)
        return self.ctx.facts

    def assignment(self, node: Any) -> None:
        op, left, right = (node.child_by_field_name(f) for f in ("operator", "left", "right"))
        if op is not None and op.type == "=" and left is not None and left.type == "identifier" and right is not None:
            self.variables[left.text.decode("utf-8", "replace")] = right

    def keywords(self, node: Any) -> dict[str, tuple[Any, Any]]:
        """key -> (key node, value node) of a keyword list argument."""
        out = {}
        for pair in (c for c in node.named_children if c.type == "pair"):
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is not None and value is not None:
                out[key.text.decode("utf-8", "replace").rstrip().rstrip(":")] = (key, value)
        return out

    def value(self, node: Any) -> Value:
        start, end = self.span(node)
        if node.type == "atom":
            return Value(node.text.decode("utf-8", "replace"), start, end)
        if node.type in ("boolean", "integer"):
            text = node.text.decode("utf-8", "replace")
            return Value(int(text.replace("_", "")) if node.type == "integer" else text == "true", start, end)
        found = self.string(node)
        return found if found is not None else Value(Computed(self.ctx.text[start:end]), start, end)

    def resolve(self, node: Any, depth: int = 0) -> Any:
        """Follow a variable to its assignment, and ``a || raise ...`` to ``a``."""
        while depth < 8:
            depth += 1
            if node.type == "identifier" and node.text.decode("utf-8", "replace") in self.variables:
                node = self.variables[node.text.decode("utf-8", "replace")]
            elif node.type == "binary_operator" and node.child_by_field_name("operator") is not None and \
                    node.child_by_field_name("operator").type in ("||", "or"):
                node = node.child_by_field_name("left")
            else:
                break
        return node

    def endpoint(self, kw: dict[str, tuple[Any, Any]]) -> Optional[UrlUse]:
        if "url" in kw:
            return self.url(self.resolve(kw["url"][1]))
        if "hostname" in kw:
            host_node = self.resolve(kw["hostname"][1])
            port_node = self.resolve(kw["port"][1]) if "port" in kw else None
            host_env, port_env = self.env_reference(host_node), (
                self.env_reference(port_node) if port_node is not None else None)
            host = self.value(host_node)
            port = self.value(port_node) if port_node is not None else None
            return self.ctx.env_host_url(host_env[:2] if host_env else None, host,
                                         port_env[:2] if port_env else None, port)
        return None

    def config(self, call: Any) -> None:
        args = self.arguments(call)
        if len(args) < 3 or args[1].type != "alias" or args[2].type != "keywords":
            return
        name = args[1].text.decode("utf-8", "replace")
        kw = self.keywords(args[2])
        start, end = self.span(args[1])
        settings = {key: self.value(self.resolve(value)) for key, (_, value) in kw.items()
                    if key in ("prepare", "notifier", "repo", "url", "hostname", "port", "pool_size", "socket_dir")}
        if name == "Oban":
            repo = settings.get("repo")
            if repo is not None:  # a config without `repo:` overrides another one (web / worker modes)
                self.ctx.add(Fact("oban", start, end, "Oban", settings, None, {"repo": str(repo.value)}))
        elif self.is_repo(name, kw):
            self.ctx.add(Fact("ecto-repo", start, end, name, settings, self.endpoint(kw)))

    def is_repo(self, name: str, kw: dict[str, tuple[Any, Any]]) -> bool:
        """An Ecto repo's configuration, not a Phoenix endpoint's (whose `url:` is a keyword list)."""
        if "Repo" in name.rsplit(".", 1)[-1] or _REPO_KEYS & set(kw):
            return True
        url = kw.get("url")
        return url is not None and url[1].type not in ("list", "keywords")


def _sibling_repo(ctx: Context, repo: str) -> Optional[Fact]:
    """The repo's configuration in runtime.exs / prod.exs / config.exs next to this file."""
    folder = os.path.dirname(ctx.filename)
    here = os.path.basename(ctx.filename)
    for name in _SIBLINGS:
        if name == here:
            continue
        path = os.path.join(folder, name)
        try:
            if not os.path.isfile(path) or os.path.getsize(path) > _MAX_SIBLING_BYTES:
                continue
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        if repo not in text:
            continue
        other = Context(text, path, ctx.profile, ctx.resolver, ctx.pooled_hosts)
        try:
            facts = Reader(other).read()
        except (RecursionError, ValueError):
            continue
        found = next((f for f in facts if f.kind == "ecto-repo" and f.label == repo and f.url is not None), None)
        if found is not None:
            if found.url.value is not None and found.url.literal:
                found.url.literal = False  # its parameters are reported in its own file
            return found
    return None


def read(ctx: Context) -> None:
    if not run(ctx, MARKERS, Reader):
        return
    repos = {f.label: f for f in ctx.facts if f.kind == "ecto-repo"}
    for fact in ctx.facts:
        if fact.kind == "oban" and fact.extra.get("repo"):
            repo = repos.get(fact.extra["repo"]) or _sibling_repo(ctx, fact.extra["repo"])
            if repo is not None:
                fact.url = repo.url
