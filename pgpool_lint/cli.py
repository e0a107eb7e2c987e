"""Command line: ``pgpool-lint check | rule | rules | version``.

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or input error.
Heavy modules (pglast, rich) are imported inside the commands that need them.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Iterator, Optional

import click

from .output import FORMATS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMAT_CHOICES = tuple(FORMATS)


def _version() -> str:
    from .output import tool_version

    return tool_version()


def _fail(message: str) -> "click.exceptions.Exit":
    click.echo(f"pgpool-lint: error: {message}", err=True)
    return click.exceptions.Exit(EXIT_ERROR)


def _utf8_stdout() -> io.TextIOWrapper:
    """Our output is UTF-8 whatever the locale, and never dies on an odd character."""
    return io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="replace", newline="\n",
                            write_through=True)


def _split_selectors(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=None, package_name="pgpool-lint", prog_name="pgpool-lint",
                      message="%(prog)s %(version)s")
def main() -> None:
    """Find SQL that breaks behind a transaction-mode connection pooler (PgBouncer)."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--output-format", type=click.Choice(FORMAT_CHOICES), default=None, envvar="PGPOOL_LINT_OUTPUT_FORMAT",
              help="How to print findings (default: full).")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--select", multiple=True, help="Rules to check (codes or names, comma-separated; ALL).")
@click.option("--extend-select", multiple=True, help="Rules to check in addition to the selected ones.")
@click.option("--ignore", multiple=True, help="Rules not to check (codes or names, comma-separated).")
@click.option("--exclude", multiple=True, help="Glob patterns to skip (replaces the configured list).")
@click.option("--extend-exclude", multiple=True, help="Glob patterns to skip in addition.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too.")
@click.option("--stdin-filename", default=None, help="The name to report for stdin ('-').")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Config file to use instead of searching for one.")
@click.option("--isolated", is_flag=True, help="Ignore all config files.")
@click.option("--assume-in-transaction/--no-assume-in-transaction", default=None,
              help="The files run inside a transaction (as most migration tools run them).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has, not the findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary line.")
@click.option("--no-gate", is_flag=True, hidden=True, help="Parse every statement (for testing the gate).")
def check(paths: tuple[str, ...], output_format: Optional[str], select: tuple[str, ...],
          extend_select: tuple[str, ...], ignore: tuple[str, ...], exclude: tuple[str, ...],
          extend_exclude: tuple[str, ...], force_exclude: bool, stdin_filename: Optional[str],
          config_path: Optional[Path], isolated: bool, assume_in_transaction: Optional[bool], exit_zero: bool,
          statistics: bool, quiet: bool, no_gate: bool, output_file: Optional[Path] = None) -> None:
    """Check SQL files, directories (recursively) or '-' (stdin)."""
    from . import catalogue as catalogue_mod
    from .config import DEFAULT_EXCLUDE, ConfigError, GlobSet, apply_setting, load_config
    from .linter import Linter, Settings

    try:
        cfg = load_config(config_path, isolated)
        cat = catalogue_mod.load()
        settings_values = cfg.values
        selected = _split_selectors(select) or settings_values.get("select") or ["ALL"]
        enabled = cat.expand(selected) | cat.expand(_split_selectors(extend_select) + settings_values.get("extend-select", []))
        enabled -= cat.expand(settings_values.get("ignore", []) + _split_selectors(ignore))
        per_file = [(GlobSet([pattern]), frozenset(cat.expand(codes)))
                    for pattern, codes in settings_values.get("per-file-ignores", {}).items()]
    except ConfigError as exc:
        raise _fail(str(exc))
    except catalogue_mod.UnknownRule as exc:
        raise _fail(f"unknown rule selector `{exc.selector}` (see `pgpool-lint rules`)")
    except catalogue_mod.CatalogueError as exc:
        raise _fail(f"broken rule catalogue: {exc}")
    output_format = output_format or settings_values.get("output-format", "full")
    excludes = list(exclude) or list(settings_values.get("exclude", DEFAULT_EXCLUDE))
    excludes += list(settings_values.get("extend-exclude", [])) + list(extend_exclude)
    exclude_globs = GlobSet(excludes)
    settings = Settings(enabled=frozenset(enabled), per_file_ignores=per_file, root=cfg.root, gate=not no_gate)
    for key, value in settings_values.items():
        apply_setting(settings, key, value)
    if assume_in_transaction is not None:  # the command line overrides the config file
        apply_setting(settings, "assume-in-transaction", assume_in_transaction)
    linter = Linter(settings)

    if not paths:
        paths = (".",)
    results = []
    errors = 0
    files_checked = 0
    for item in _discover(paths, exclude_globs, cfg.root, force_exclude, stdin_filename):
        if isinstance(item, str):  # an error message about a path
            click.echo(f"pgpool-lint: error: {item}", err=True)
            errors += 1
            continue
        path, display = item
        if path is None:
            result = linter.lint_bytes(sys.stdin.buffer.read(), display)
        else:
            result = linter.lint_path(path, display)
        if result.skipped:
            click.echo(f"pgpool-lint: warning: skipped {display}: {result.skipped}", err=True)
            continue
        files_checked += 1
        results.append(result)

    diagnostics = [d for r in results for d in r.diagnostics]
    from .output import RenderContext, renderer

    try:
        out = _open_output(output_file) if output_file else _utf8_stdout()
    except OSError as exc:
        raise _fail(f"cannot write {output_file}: {exc.strerror or exc}")
    ctx = RenderContext(files_checked=files_checked, color=_use_color() and not output_file, quiet=quiet,
                        profile=settings.profile)
    if statistics:
        _print_statistics(diagnostics, output_format, out, cat)
    else:
        renderer(output_format)(diagnostics, out, ctx)
    if output_file:
        out.close()
    else:
        out.flush()
    if errors:
        raise click.exceptions.Exit(EXIT_ERROR)
    raise click.exceptions.Exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


def _open_output(path: Path) -> io.TextIOWrapper:
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8", errors="replace", newline="\n")


def _use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


#: file extensions linted when walking a directory
DIRECTORY_EXTENSIONS = (".sql",)


def _discover(paths, exclude_globs, root: Path, force_exclude: bool,
              stdin_filename: Optional[str]) -> Iterator[tuple[Optional[Path], str] | str]:
    """(path, display name) of every file to lint, in a stable order; str items are errors."""
    from .config import relative_posix

    seen: set[str] = set()
    for raw in paths:
        if raw == "-":
            display = stdin_filename or "-"
            if force_exclude and stdin_filename and exclude_globs.matches(relative_posix(Path(stdin_filename), root)):
                continue
            yield None, display
            continue
        path = Path(raw)
        if not os.path.lexists(path):
            yield f"{raw}: no such file or directory"
            continue
        if path.is_dir():
            for file in _walk(path, exclude_globs, root):
                key = os.path.realpath(file)
                if key not in seen:
                    seen.add(key)
                    yield file, str(file)
            continue
        if force_exclude and exclude_globs.matches(relative_posix(path, root)):
            continue
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            yield path, raw


def _walk(top: Path, exclude_globs, root: Path) -> Iterator[Path]:
    from .config import relative_posix

    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        current = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames
                             if not exclude_globs.matches(relative_posix(current / d, root)))
        for name in sorted(filenames):
            if not name.lower().endswith(DIRECTORY_EXTENSIONS):
                continue
            file = current / name
            if exclude_globs.matches(relative_posix(file, root)):
                continue
            yield file


def _print_statistics(diagnostics, output_format: str, out, cat) -> None:
    counts: dict[str, int] = {}
    for d in diagnostics:
        counts[d.code] = counts.get(d.code, 0) + 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if output_format == "json":
        import json

        json.dump([{"code": c, "name": cat.get(c).name, "count": n} for c, n in rows], out, indent=2)
        out.write("\n")
        return
    width = max((len(str(n)) for _, n in rows), default=1)
    for code, n in rows:
        rule = cat.get(code)
        out.write(f"{n:>{width}}\t{code}\t[{rule.name}] {rule.summary}\n")


@main.command("rule")
@click.argument("selector")
@click.option("--output-format", type=click.Choice(("text", "json")), default="text")
def rule_command(selector: str, output_format: str) -> None:
    """Explain one rule (by code or name)."""
    from . import catalogue as catalogue_mod

    cat = catalogue_mod.load()
    try:
        rule = cat.get(selector)
    except catalogue_mod.UnknownRule:
        raise _fail(f"unknown rule `{selector}` (see `pgpool-lint rules`)")
    out = _utf8_stdout()
    if output_format == "json":
        import json

        json.dump(rule_json(rule), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(rule_markdown(rule))
    out.flush()


@main.command("rules")
@click.option("--output-format", type=click.Choice(("text", "json")), default="text")
def rules_command(output_format: str) -> None:
    """List every rule."""
    from . import catalogue as catalogue_mod

    cat = catalogue_mod.load()
    out = _utf8_stdout()
    if output_format == "json":
        import json

        json.dump([rule_json(r) for r in cat.rules], out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        width = max(len(r.name) for r in cat.rules)
        for r in cat.rules:
            out.write(f"{r.code}  {r.name:<{width}}  {r.severity:<7}  {r.summary}\n")
    out.flush()


@main.command("version")
def version_command() -> None:
    """Print the version."""
    click.echo(f"pgpool-lint {_version()}")


def rule_json(rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "severity": rule.severity,
        "what_it_does": rule.what_it_does,
        "why": rule.why,
        "example": rule.example,
        "use_instead": rule.use_instead,
        "fix_safety": rule.fix_safety,
        "references": list(rule.references),
    }


def rule_markdown(rule) -> str:
    refs = "".join(f"- {r}\n" for r in rule.references) or "- (none)\n"
    return (
        f"# {rule.name} ({rule.code})\n\n{rule.summary}. Default severity: {rule.severity}.\n\n"
        f"## What it does\n{rule.what_it_does}\n\n## Why is this bad?\n{rule.why}\n\n"
        f"## Example\n```sql\n{rule.example}\n```\n\nUse instead:\n```sql\n{rule.use_instead}\n```\n\n"
        f"## Fix safety\n{rule.fix_safety}\n\n## References\n{refs}"
    )


if __name__ == "__main__":  # pragma: no cover
    main()
