"""The package layout holds: no import circle inside pgpool_lint, and no layer imports a higher one.

Imports are read with ``ast`` from the source, so an import inside a function (the lazy imports that
keep start-up light) counts exactly like one at the top of a module: both run, and a circle between
them only waits for the right call order.  Imports under ``if TYPE_CHECKING:`` do not count: they
never run, they only name in a type hint an object a higher layer passes down (the linter hands
itself to the code readers, for example).  Modules loaded by a computed name
(``importlib.import_module``: the rule modules, readers, host languages and output formats) are
plugins of the layer that loads them and are not edges here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pgpool_lint"

#: lowest first; a module may import its own folder and any lower layer, nothing else
LAYERS = (
    ("core",),  # findings, diagnostics, positions, comments, catalogue, pooler profile
    ("sql",),  # neutralise → split with recovery → gate → parse → dispatch (engine)
    ("fix",),  # fixes and suggested SQL built from a statement's tokens
    ("checks",),  # one module per SQL rule
    ("code",),  # SQL inside application code
    ("settings",),  # driver / ORM settings: readers/ and rules/
    ("report",),  # output formats, escaping for terminals and reports
    ("logs",),  # server logs and pg_stat_statements through the sql/ stages
    ("config",),  # config file, pooler presets
    ("lint",),  # files in, diagnostics out; --fix
    ("lsp",),
    ("cli",),
    ("__main__", "__init__"),  # python -m pgpool_lint; the package itself imports nothing
)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _under_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every import statement, at any depth, except those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _under_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def defined_names(tree: ast.Module) -> set[str]:
    """Names a module defines at its top level (also inside top-level if/try blocks); "*" when
    it has a module ``__getattr__``."""
    names: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            stack.extend(ast.iter_child_nodes(node))
    if "__getattr__" in names:
        names.add("*")
    return names


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports (module-level and inside functions).

    Fails on an import of a module or a name that does not exist: a lazy import only breaks
    when its function runs."""
    top = root.name
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    trees = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in modules.items()}
    defined = {name: defined_names(tree) for name, tree in trees.items()}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(trees[name]):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                # `from pkg import mod` imports the module pkg.mod; `from mod import name`, mod
                targets = [f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source for a in node.names]
                if source in modules:
                    for a in node.names:
                        assert (f"{source}.{a.name}" in modules or a.name in defined[source]
                                or "*" in defined[source]), \
                            f"{path}:{node.lineno} imports {a.name} from {source}, which has no such name"
            for target in targets:
                if target == top or target.startswith(top + "."):
                    assert target in modules, f"{path}:{node.lineno} imports {target}, which does not exist"
                    if target != name:
                        graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer_of(module: str) -> tuple[int, str]:
    """(layer number, folder) of a pgpool_lint module: its first name below the package."""
    parts = module.split(".")
    folder = parts[1] if len(parts) > 1 else "__init__"
    for number, folders in enumerate(LAYERS):
        if folder in folders:
            return number, folder
    raise AssertionError(f"{module}: folder `{folder}` has no layer in tests/test_architecture.py LAYERS")


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in sorted(graph.items()):
        layer, folder = layer_of(module)
        for target in sorted(targets):
            target_layer, target_folder = layer_of(target)
            if target_folder != folder and target_layer >= layer:
                bad.append(f"{module} (layer {folder}) imports {target} (layer {target_folder})")
    return bad


def test_no_import_circle_inside_the_package():
    assert circles(import_graph(PACKAGE)) == []


def test_no_layer_imports_a_higher_or_sibling_layer():
    assert upward_imports(import_graph(PACKAGE)) == []


def test_every_folder_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer_of(module_name(path, PACKAGE))


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_circle_through_a_lazy_import_is_found(tmp_path):
    """The checks above can fail: an import inside a function closes a circle, one under
    TYPE_CHECKING does not, and a lower layer reaching up is reported."""
    root = _write(tmp_path / "pgpool_lint", {
        "__init__.py": "",
        "sql/__init__.py": "",
        "sql/engine.py": "from .statement import Statement\n\ndef run():\n    pass\n",
        "sql/statement.py": "class Statement:\n    def parse(self):\n        from .engine import run\n",
        "core/__init__.py": "",
        "core/findings.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..sql.engine import run\n",
        "core/positions.py": "def f():\n    from pgpool_lint.lint import linter\n",
        "lint/__init__.py": "",
        "lint/linter.py": "from ..core import positions\n",
    })
    graph = import_graph(root)
    assert sorted(circles(graph)) == [["pgpool_lint.core.positions", "pgpool_lint.lint.linter"],
                                      ["pgpool_lint.sql.engine", "pgpool_lint.sql.statement"]]
    assert "pgpool_lint.sql.engine" not in graph["pgpool_lint.core.findings"]
    assert upward_imports(graph) == [
        "pgpool_lint.core.positions (layer core) imports pgpool_lint.lint.linter (layer lint)"]


def test_an_import_of_a_missing_module_is_reported(tmp_path):
    root = _write(tmp_path / "pgpool_lint", {"__init__.py": "", "cli.py": "from .engine import x\n"})
    with pytest.raises(AssertionError, match="pgpool_lint.engine, which does not exist"):
        import_graph(root)


def test_a_lazy_import_of_a_missing_name_is_reported(tmp_path):
    """A relative import one dot short inside a function (``from . import urls`` in a
    sub-folder) fails only when the function runs; the reading catches it."""
    root = _write(tmp_path / "pgpool_lint", {
        "__init__.py": "",
        "settings/__init__.py": "",
        "settings/urls.py": "POOLED = 1\n",
        "settings/readers/__init__.py": "",
        "settings/readers/read_yaml.py": "def read():\n    from . import urls\n",
    })
    with pytest.raises(AssertionError, match="imports urls from pgpool_lint.settings.readers, which has no such name"):
        import_graph(root)
