"""Elixir configuration (``config/*.exs``), read with tree-sitter (never run).

Facts: each Ecto repo's ``config :app, MyApp.Repo, ...`` (``prepare``, ``url`` or
``hostname``/``port``, read through ``System.get_env`` / ``fetch_env!`` and variables such as
``database_url = System.get_env("DATABASE_URL") || raise ...``) and Oban's
``config :app, Oban, repo: MyApp.Repo, ...`` (its ``notifier``).  An Oban repo configured in
a sibling file (``runtime.exs``, ``prod.exs``) is looked up there.

A repo module's ``init/2`` callback (``use Ecto.Repo`` ... ``def init(_type, config)``) may set the
URL, host or ``prepare`` at run time (``Keyword.put(config, :url, System.get_env("DATABASE_URL"))``,
``Keyword.merge(config, url: ..., prepare: :unnamed)``, piped or not).  A repo configuration that
names no endpoint takes the one its module's ``init/2`` sets (``lib/my_app/repo.ex`` by Elixir's
naming convention); a repo module whose ``init/2`` sets an endpoint that no configuration of the
project is left to carry is judged in the module itself.
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional

from ..context import Context
from ..model import Fact, UrlUse, Value
from .read_stacks import Computed, StackReader, run

MARKERS = ("Repo", "Oban")
#: where a Phoenix app configures its production repo, when Oban is configured elsewhere
_SIBLINGS = ("runtime.exs", "prod.exs", "config.exs")
_MAX_SIBLING_BYTES = 1_000_000
#: files of a module's folder looked at for a repo module not named by convention
_MAX_FOLDER_FILES = 500
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
        configs, modules = [], []
        for node in self.nodes():
            if node.type == "binary_operator":
                self.assignment(node)
            elif node.type == "call" and self.callee(node) == ("config",):
                configs.append(node)
            elif node.type == "call" and self.callee(node) == ("defmodule",):
                modules.append(node)
        self.literal_urls(lambda n: n.type == "string")
        for node in configs:
            self.config(node)
        self.inits = [init for init in (self.repo_init(node) for node in modules) if init is not None]
        return self.ctx.facts

    # --- a repo module's init/2 -----------------------------------------------------------

    def repo_init(self, module: Any) -> Optional[Fact]:
        """The ``ecto-repo`` fact of ``def init(_type, config)`` in a ``use Ecto.Repo`` module (not
        added to the file's facts: ``read`` decides where it is judged), or None."""
        args = self.arguments(module)
        body = next((c for c in module.named_children if c.type == "do_block"), None)
        if not args or args[0].type != "alias" or body is None:
            return None
        uses_repo, init = False, None
        for call in (c for c in body.named_children if c.type == "call"):
            callee, call_args = self.callee(call), self.arguments(call)
            if callee == ("use",) and call_args and call_args[0].text.startswith(b"Ecto.Repo"):
                uses_repo = True
            elif callee in (("def",), ("defp",)) and call_args and call_args[0].type == "call" \
                    and self.callee(call_args[0]) == ("init",) and len(self.arguments(call_args[0])) == 2:
                init = call
        if not uses_repo or init is None:
            return None
        put: dict[str, tuple[Any, Any]] = {}
        for node in self.subtree(init):
            if node.type == "call":
                put.update(self.keyword_calls(node))
        settings = {key: self.value(self.resolve(value)) for key, (_, value) in put.items()
                    if key in ("prepare", "url", "hostname", "port")}
        name_node = self.arguments(init)[0]
        start, end = self.span(name_node.named_children[0] if name_node.named_children else name_node)
        return Fact("ecto-repo", start, end, args[0].text.decode("utf-8", "replace"), settings,
                    self.endpoint(put) if ("url" in put or "hostname" in put) else None, {"init": True})

    def subtree(self, node: Any) -> list[Any]:
        out, stack = [], [node]
        while stack and len(out) < 10_000:
            current = stack.pop()
            out.append(current)
            stack.extend(current.named_children)
        return out

    def keyword_calls(self, call: Any) -> dict[str, tuple[Any, Any]]:
        """key -> (key node, value node) that ``Keyword.put/put_new/merge`` adds to the config
        (the config argument may come through ``|>``)."""
        callee = self.callee(call)
        if len(callee) != 2 or callee[0] != "Keyword" or callee[1] not in ("put", "put_new", "merge"):
            return {}
        args = self.arguments(call)
        parent = call.parent
        piped = parent is not None and parent.type == "binary_operator" \
            and parent.child_by_field_name("operator") is not None \
            and parent.child_by_field_name("operator").type == "|>" and parent.child_by_field_name("right") == call
        if not piped:
            args = args[1:]  # the config being changed
        if callee[1] == "merge":
            return self.keywords(args[0]) if args and args[0].type in ("keywords", "list") else {}
        if len(args) >= 2 and args[0].type == "atom":
            key = args[0].text.decode("utf-8", "replace").lstrip(":")
            return {key: (args[0], args[1])}
        return {}

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
    """The repo's configuration in runtime.exs / prod.exs / config.exs next to this file, with the
    endpoint it names or the one its module's ``init/2`` sets."""
    folder = os.path.dirname(ctx.filename)
    here = os.path.basename(ctx.filename)
    for name in _SIBLINGS:
        path = os.path.join(folder, name)
        text = _read_file(path) if name != here else None
        if text is None or repo not in text:
            continue
        reader = _read_facts(ctx, path, text)
        facts = reader.ctx.facts if reader is not None else []
        found = next((f for f in facts if f.kind == "ecto-repo" and f.label == repo and f.url is not None), None)
        if found is not None:
            if found.url.value is not None and found.url.literal:
                found.url.literal = False  # its parameters are reported in its own file
            return found
    return _module_init(ctx, repo)


_UNDERSCORE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def module_path(module: str) -> str:
    """Elixir's file naming convention for a module (``Macro.underscore``): ``MyApp.Repo`` ->
    ``my_app/repo.ex``."""
    return "/".join(_UNDERSCORE.sub("_", part).lower() for part in module.split(".")) + ".ex"


def _read_file(path: str) -> Optional[str]:
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > _MAX_SIBLING_BYTES:
            return None
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def _read_facts(ctx: Context, path: str, text: str) -> Optional[Reader]:
    reader = Reader(Context(text, path, ctx.profile, ctx.resolver, ctx.pooled_hosts,
                            deployment=ctx.deployment, direct_hosts=ctx.direct_hosts))
    try:
        reader.read()
    except (RecursionError, ValueError, ImportError):
        return None
    return reader


def _module_init(ctx: Context, repo: str) -> Optional[Fact]:
    """``init/2`` of the repo module, found by naming convention from the config folder
    (``lib/`` of the project, or of an umbrella's ``apps/*``)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(ctx.filename)))
    relative = module_path(repo)
    libs = [os.path.join(root, "lib")]
    apps = os.path.join(root, "apps")
    if os.path.isdir(apps):
        try:
            libs += [os.path.join(apps, app, "lib") for app in sorted(os.listdir(apps))[:200]]
        except OSError:
            pass
    candidates = [os.path.join(lib, relative) for lib in libs]
    for lib in libs:  # a repo module in another file of its folder (hexpm's Hexpm.RepoBase in repo.ex)
        folder = os.path.dirname(os.path.join(lib, relative))
        try:
            names = sorted(os.listdir(folder))[:_MAX_FOLDER_FILES] if os.path.isdir(folder) else []
        except OSError:
            names = []
        candidates += [os.path.join(folder, n) for n in names if n.endswith(".ex") and "repo" in n.lower()]
    for path in dict.fromkeys(candidates):
        text = _read_file(path)
        if text is None or "init" not in text or f"defmodule {repo} " not in text:
            continue
        reader = _read_facts(ctx, path, text)
        found = next((f for f in reader.inits if f.label == repo), None) if reader is not None else None
        if found is not None:
            if found.url is not None:
                found.url.literal = False  # its own parameters are reported in its own file
            return found
    return None


def _project_configs(ctx: Context, repo: str) -> list[Fact]:
    """The configurations of ``repo`` in the project's ``config/*.exs`` (the project is the
    nearest folder above the module with a mix.exs, or with both ``lib/`` and ``config/``)."""
    folder = os.path.dirname(os.path.abspath(ctx.filename))
    for _ in range(8):
        if os.path.isfile(os.path.join(folder, "mix.exs")) or (
                os.path.isdir(os.path.join(folder, "lib")) and os.path.isdir(os.path.join(folder, "config"))):
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            return []
        folder = parent
    else:
        return []
    config_dir = os.path.join(folder, "config")
    if not os.path.isdir(os.path.join(folder, "lib")) or not os.path.isdir(config_dir):
        return []
    facts = []
    for name in ("config.exs", "prod.exs", "runtime.exs"):
        path = os.path.join(config_dir, name)
        text = _read_file(path)
        if text is None or repo not in text:
            continue
        reader = _read_facts(ctx, path, text)
        if reader is not None:
            facts += [f for f in reader.ctx.facts if f.kind == "ecto-repo" and f.label == repo]
    return facts


def _apply_init(fact: Fact, init: Fact) -> None:
    """A configuration without an endpoint runs with the one ``init/2`` sets (and its ``prepare``)."""
    fact.url = init.url
    if "prepare" in init.settings:
        fact.settings["prepare"] = init.settings["prepare"]


def read(ctx: Context) -> None:
    readers: list[Reader] = []

    def reader(context: Context) -> Reader:
        readers.append(Reader(context))
        return readers[-1]

    if not run(ctx, MARKERS, reader):
        return
    for init in readers[0].inits:
        if init.url is None:
            continue
        configs = _project_configs(ctx, init.label)
        if any(f.url is None for f in configs):
            continue  # that configuration runs with this URL: it is judged there
        if any(str(f.settings["prepare"].value) == ":unnamed" for f in configs if "prepare" in f.settings):
            init.settings.setdefault("prepare", next(f.settings["prepare"] for f in configs
                                                     if "prepare" in f.settings))
        ctx.add(init)
    for fact in ctx.facts:
        if fact.kind == "ecto-repo" and fact.url is None and not fact.extra.get("init"):
            init = _module_init(ctx, fact.label)
            if init is not None and init.url is not None:
                _apply_init(fact, init)
    repos = {f.label: f for f in ctx.facts if f.kind == "ecto-repo"}
    for fact in ctx.facts:
        if fact.kind == "oban" and fact.extra.get("repo"):
            repo = repos.get(fact.extra["repo"]) or _sibling_repo(ctx, fact.extra["repo"])
            if repo is not None:
                fact.url = repo.url
