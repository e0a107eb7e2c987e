"""libpg_query through pglast, loaded for a start-up a pre-commit hook can afford.

Everywhere in pgpool-lint, ``from .pgparser import parse_sql_json, scan, split, ...`` stands
for ``from pglast.parser import ...``.  The difference is the cost of the first import:
``import pglast.parser`` also executes ``pglast.enums`` and ``pglast.ast`` (hundreds of
``Enum`` and node classes, ~18 ms, a fifth of a whole clean run), which only ``parse_sql``'s
Python tree and pglast's printers use.  pgpool-lint reads libpg_query's JSON instead, so
those two modules are bound as lazy modules (``importlib.util.LazyLoader``): they execute on
the first attribute anybody reads from them, exactly as they would have at import, so
nothing about pglast's behaviour changes, only when the work is done.

If pglast was already imported (by a plugin, the language server, a test), or its layout
ever differs from what this expects, this is a plain import.
"""

from __future__ import annotations

import sys
from types import ModuleType

_LAZY_SUBMODULES = ("enums", "ast")


def _load() -> ModuleType:
    if "pglast" not in sys.modules:
        try:
            _import_pglast_with_lazy_submodules()
        except Exception:  # any surprise: forget the attempt and import the ordinary way
            for name in [n for n in sys.modules if n == "pglast" or n.startswith("pglast.")]:
                del sys.modules[name]
    import pglast.parser

    return pglast.parser


def _import_pglast_with_lazy_submodules() -> None:
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.PathFinder.find_spec("pglast")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError("pglast is not a package here")
    package = importlib.util.module_from_spec(spec)
    for sub in _LAZY_SUBMODULES:
        sub_spec = importlib.machinery.PathFinder.find_spec(f"pglast.{sub}", spec.submodule_search_locations)
        if sub_spec is None or sub_spec.loader is None:
            raise ImportError(f"no pglast.{sub}")
        sub_spec.loader = importlib.util.LazyLoader(sub_spec.loader)
        module = importlib.util.module_from_spec(sub_spec)
        sys.modules[sub_spec.name] = module
        sub_spec.loader.exec_module(module)  # lazy: runs the module's code on first use
        # already an attribute of the package: ``from . import enums`` binds it, unread
        setattr(package, sub, module)
    sys.modules["pglast"] = package
    spec.loader.exec_module(package)


def keywords() -> ModuleType:
    """``pglast.keywords`` (PostgreSQL's keyword lists), pglast loaded as above."""
    _load()
    import pglast.keywords

    return pglast.keywords


def __getattr__(name: str):
    """``from .pgparser import split`` is ``from pglast.parser import split``."""
    parser = _load()
    try:
        value = getattr(parser, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value  # later imports of the name skip this function
    return value
