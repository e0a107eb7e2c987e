"""PHP connection code and Laravel's ``config/database.php``, read with tree-sitter (never run).

Facts: ``new PDO('pgsql:...', ..., [options])`` (and ``->setAttribute(PDO::ATTR_EMULATE_PREPARES,
true)`` anywhere in the file), Laravel connection arrays with ``'driver' => 'pgsql'`` (the
``search_path`` / ``synchronous_commit`` Laravel SETs on connect, the PDO ``options``, the
endpoint from ``url`` or ``host``/``port``, ``env('DB_HOST', ...)`` resolved from ``.env``),
and every literal connection string.
"""

from __future__ import annotations

from typing import Any, Optional

from ..context import Context
from ..model import Fact, Value
from .read_stacks import Computed, StackReader, run

MARKERS = ("pgsql", "PDO")
_PDO_SWITCHES = ("ATTR_EMULATE_PREPARES", "PGSQL_ATTR_DISABLE_PREPARES")
#: Laravel's PostgresConnector runs ``set <name> to ...`` on connect for these keys
LARAVEL_SESSION_SETS = ("search_path", "synchronous_commit")


class Reader(StackReader):
    ENV_GETTERS = {("env",): 0, ("getenv",): 0}

    def __init__(self, ctx: Context) -> None:
        from ...code.php_source import PHP

        super().__init__(ctx, PHP)

    def read(self) -> None:
        switched: dict[str, Value] = {}
        creations, arrays = [], []
        for node in self.nodes():
            if node.type == "object_creation_expression":
                creations.append(node)
            elif node.type == "array_creation_expression":
                arrays.append(node)
            elif node.type == "member_call_expression" and self.callee(node)[-1:] == ("setAttribute",):
                args = self.arguments(node)
                if len(args) == 2 and self.constant(args[0]) in _PDO_SWITCHES:
                    switched[self.constant(args[0])] = self.scalar(args[1])
        self.literal_urls(lambda n: n.type in ("string", "encapsed_string"))
        for node in creations:
            self.pdo(node, switched)
        for node in arrays:
            self.laravel(node)

    def constant(self, node: Any) -> Optional[str]:
        """``PDO::ATTR_EMULATE_PREPARES`` -> ``ATTR_EMULATE_PREPARES`` (also ``\\PDO::`` and ``Pdo\\Pgsql::``)."""
        if node.type != "class_constant_access_expression":
            return None
        return node.named_children[-1].text.decode("utf-8", "replace") if node.named_children else None

    def scalar(self, node: Any) -> Value:
        start, end = self.span(node)
        text = node.text.decode("utf-8", "replace")
        if node.type == "boolean":
            return Value(text.lower() == "true", start, end)
        if node.type == "integer":
            return Value(int(text) if text.isdigit() else Computed(text), start, end)
        found = self.string(node)
        return found if found is not None else Value(Computed(text), start, end)

    def array(self, node: Any) -> dict[str, tuple[Any, Any]]:
        """key -> (key node, value node) of an array literal; constant keys by their name."""
        out = {}
        for element in (c for c in node.named_children if c.type == "array_element_initializer"):
            parts = element.named_children
            if len(parts) != 2:
                continue
            key = self.constant(parts[0])
            if key is None:
                found = self.string(parts[0])
                key = str(found.value) if found is not None and not isinstance(found.value, Computed) else None
            if key is not None:
                out[key] = (parts[0], parts[1])
        return out

    def pdo(self, node: Any, switched: dict[str, Value]) -> None:
        name = next((c for c in node.named_children if c.type in ("name", "qualified_name")), None)
        if name is None or name.text.decode("utf-8", "replace").lstrip("\\") not in ("PDO", "Pdo\\Pgsql"):
            return
        args = self.arguments(node)
        if not args:
            return
        dsn = self.string(args[0])
        url = None
        if dsn is not None and not isinstance(dsn.value, Computed):
            if not dsn.value.lstrip().lower().startswith("pgsql:"):
                return  # MySQL, SQLite, ...
            url = self.ctx.literal_url(dsn)
        elif dsn is not None:
            if "pgsql:" not in dsn.value:
                return
        else:
            url = self.url(args[0])
            if url is None and "pgsql" not in args[0].text.decode("utf-8", "replace").lower():
                return
        settings = dict(switched)
        if len(args) >= 4 and args[3].type == "array_creation_expression":
            for key, (_, value) in self.array(args[3]).items():
                if key in _PDO_SWITCHES:
                    settings[key] = self.scalar(value)
        start, end = self.span(node)
        self.ctx.add(Fact("pdo", start, end, "`new PDO(...)`", settings, url))

    def laravel(self, node: Any) -> None:
        entries = self.array(node)
        driver = entries.get("driver")
        if driver is None or (self.string(driver[1]) or Value(None, 0, 0)).value != "pgsql":
            return
        label = "Laravel connection"
        start, end = self.span(driver[0])
        parent = node.parent
        if parent is not None and parent.type == "array_element_initializer" and parent.named_children:
            key = self.string(parent.named_children[0])
            if key is not None and not isinstance(key.value, Computed):
                label = f"Laravel connection `{key.value}`"
                # reported at the connection's name, as a Rails environment or an Ecto repo is
                start, end = self.span(parent.named_children[0])
        url = None
        if "url" in entries:
            url = self.url(entries["url"][1])
        if (url is None or url.parsed is None) and "host" in entries:
            host_node = entries["host"][1]
            port_node = entries["port"][1] if "port" in entries else None
            host_env = self.env_reference(host_node)
            port_env = self.env_reference(port_node) if port_node is not None else None
            url = self.ctx.env_host_url(host_env[:2] if host_env else None, self.scalar(host_node),
                                        port_env[:2] if port_env else None,
                                        self.scalar(port_node) if port_node is not None else None) or url
        settings: dict[str, Value] = {}
        for name in LARAVEL_SESSION_SETS:
            if name in entries:
                settings[name] = self.scalar(entries[name][1])
        options = entries.get("options")
        if options is not None:
            value_node = options[1]
            arrays = [value_node] if value_node.type == "array_creation_expression" else [
                c for c in value_node.named_children if c.type == "array_creation_expression"]
            if not arrays:
                settings["options"] = self.scalar(value_node)  # built elsewhere: assume it holds the switch
            for array in arrays:
                for key, (_, value) in self.array(array).items():
                    if key in _PDO_SWITCHES:
                        settings[key] = self.scalar(value)
        if "options" in settings and not any(k in settings for k in _PDO_SWITCHES):
            settings["ATTR_EMULATE_PREPARES"] = settings["options"]
        self.ctx.add(Fact("pdo", start, end, f"{label} (PDO)", {k: v for k, v in settings.items()
                                                                  if k in _PDO_SWITCHES}, url))
        sets = {k: v for k, v in settings.items() if k in LARAVEL_SESSION_SETS}
        if sets:
            self.ctx.add(Fact("laravel-session-set", start, end, label.split("`")[1] if "`" in label else "pgsql",
                              sets, url))


def read(ctx: Context) -> None:
    run(ctx, MARKERS, Reader)
