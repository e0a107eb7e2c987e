"""Linter ``Settings`` from a config file and command-line overrides (CLI and language server)."""

from __future__ import annotations

from typing import Optional


def build_settings(cfg, cat, select: list[str] = (), extend_select: list[str] = (), ignore: list[str] = (),
                   assume_in_transaction: Optional[bool] = None, no_gate: bool = False,
                   profile_options: Optional[dict[str, Optional[str]]] = None):
    """Linter ``Settings`` from a config file and command-line overrides (also used by the
    language server, with the config file alone).  Raises ConfigError / UnknownRule."""
    from ..config import KEYS, GlobSet, apply_setting
    from .linter import Settings

    settings_values = cfg.values
    selected = list(select) or settings_values.get("select") or ["ALL"]
    enabled = cat.expand(selected) | cat.expand(list(extend_select) + settings_values.get("extend-select", []))
    enabled -= cat.expand(settings_values.get("ignore", []) + list(ignore))
    per_file = [(GlobSet([pattern]), frozenset(cat.expand(codes)))
                for pattern, codes in settings_values.get("per-file-ignores", {}).items()]
    settings = Settings(enabled=frozenset(enabled), per_file_ignores=per_file, root=cfg.root, gate=not no_gate)
    for key, value in settings_values.items():
        apply_setting(settings, key, value, origin=f"config {cfg.path}")
    if assume_in_transaction is not None:  # the command line overrides the config file
        apply_setting(settings, "assume-in-transaction", assume_in_transaction, origin="command line")
    for option, value in (profile_options or {}).items():
        if value is not None:
            key = option.replace("_", "-")
            apply_setting(settings, key, KEYS[key](key, value), origin="command line")
    return settings
