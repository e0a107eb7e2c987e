"""Linter ``Settings`` from a config file and command-line overrides (CLI and language server)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Optional


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


def read_deployment(settings, roots: list[Path], excluded: Callable[[Path], bool]) -> None:
    """Deployment evidence of the directories being linted (``settings.deployment``): it resolves
    endpoints for the settings rules, and a pooler's configuration sets the profile values the
    config file and the command line leave open (``--verbose`` names the file).  Used by the
    command line for the directories it is given and by the language server for a project."""
    from ..config import KEYS, ConfigError, apply_setting
    from ..settings import CODES

    if not roots or not (CODES & settings.enabled):
        return
    from ..settings.deployment import collect

    deployment = collect(roots, excluded)
    settings.deployment = deployment
    base = settings.profile
    first = None
    for project in deployment.projects:  # each linted directory is a project with its own pooler
        values = project.profile_values()
        if not values:
            continue
        scratch = SimpleNamespace(profile=base, profile_values=dict(settings.profile_values),
                                  profile_origins=dict(settings.profile_origins))
        for key, value, origin in values:
            if key in settings.profile_origins:
                continue  # the config file and the command line win
            try:
                apply_setting(scratch, key, KEYS[key](key, value), origin=origin)
            except ConfigError:
                continue  # a value the repository's own file states wrongly: keep the preset's
        settings.project_profiles[project.root] = scratch.profile
        first = first or scratch
    if first is not None:  # --verbose and the report name the first project's profile, as with one project
        settings.base_profile = base
        settings.profile, settings.profile_values, settings.profile_origins = (
            first.profile, first.profile_values, first.profile_origins)
