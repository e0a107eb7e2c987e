"""Command line: ``pgpool-lint check | rule | rules | version``.

Exit codes: 0 no findings, 1 findings, 2 usage, configuration or input error.
Heavy modules (pglast, rich) are imported inside the commands that need them.
"""

from __future__ import annotations

import gc

# Start-up builds what lives as long as the run: modules, classes, click's commands, then the
# linter.  A garbage collection during it frees next to nothing: the 33 a run on one small file
# made cost ~4 ms of it.  The collector is paused while this module is imported (the imports
# below; resumed at its end) and while ``check`` imports the linter and reads its settings.
_COLLECTING = gc.isenabled()
gc.disable()

import functools
import io
import os
import stat
import sys
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, NoReturn, Optional

import click

from .report import FORMATS, terminal_safe

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: the status a shell reports for ``cat`` or ``grep`` when their reader closes the pipe (128 + SIGPIPE)
EXIT_READER_CLOSED = 141
FORMAT_CHOICES = tuple(FORMATS)


def _version() -> str:
    from .report import tool_version

    return tool_version()


def _fail(message: str) -> "click.exceptions.Exit":
    click.echo(terminal_safe(f"pgpool-lint: error: {message}"), err=True)
    return click.exceptions.Exit(EXIT_ERROR)


def _reader_closed() -> "click.exceptions.Exit":
    """stdout's reader went away (``pgpool-lint rules | head``): stop quietly, as ``cat`` and
    ``grep`` do; stdout now goes to /dev/null, so the interpreter's last flush is quiet too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return click.exceptions.Exit(EXIT_READER_CLOSED)


def _utf8_stdout() -> io.TextIOWrapper:
    """Our output is UTF-8 whatever the locale, and never dies on an odd character."""
    return io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors="replace", newline="\n",
                            write_through=True)


def _split_selectors(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


class _Guarded(click.Group):
    """The last resort: an exception nothing else handled is one line on stderr and exit 2,
    never a traceback (``PGPOOL_LINT_DEBUG=1`` shows it)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            raise _reader_closed() from None
        except Exception as exc:  # noqa: BLE001 - the point of this guard
            if os.environ.get("PGPOOL_LINT_DEBUG"):
                raise
            from .report import terminal_safe

            detail = terminal_safe(str(exc))[:300]
            raise _fail(f"internal error: {type(exc).__name__}{': ' + detail if detail else ''} "
                        "(set PGPOOL_LINT_DEBUG=1 to see the traceback)") from None


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=None, package_name="pgpool-lint", prog_name="pgpool-lint",
                      message="%(prog)s %(version)s")
def main() -> None:
    """Find SQL that breaks behind a transaction-mode connection pooler (PgBouncer)."""


def run() -> NoReturn:
    """The ``pgpool-lint`` command: ``main`` as click runs it, then the process ends without
    Python's teardown, which frees every module, cache and table one object at a time (~30 ms
    after the 3,025-file corpus) for nobody; mypy ends the same way.  Output is flushed first;
    with worker processes still alive (a run stopped early), the ordinary exit joins them."""
    try:
        main()  # click's standalone mode: SystemExit with the status
        status = 0
    except SystemExit as exc:
        status = exc.code
    if not isinstance(status, int):  # as sys.exit: None is 0, a message goes to stderr with 1
        if status is not None:
            print(status, file=sys.stderr)
        status = 0 if status is None else 1
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is not None and multiprocessing.active_children():
        sys.exit(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        status = EXIT_READER_CLOSED
    except (OSError, ValueError):
        pass
    os._exit(status)


def _options(*options):
    """One decorator applying ``options`` in the order listed (for option groups shared by commands)."""
    def apply(command):
        for option in reversed(options):
            command = option(command)
        return command

    return apply


#: the pooler-profile options of ``check`` and ``logs`` (they arrive as ``**profile_options``)
_pooler_options = _options(
    click.option("--preset", default=None, metavar="NAME", help="Pooler preset: pgbouncer (default), neon, supabase, azure."),
    click.option("--pool-mode", default=None, metavar="MODE", help="Pool mode: transaction (default), statement or session."),
    click.option("--pgbouncer-version", default=None, metavar="VERSION", help="PgBouncer version, e.g. 1.26."),
    click.option("--postgres-version", default=None, metavar="VERSION", help="PostgreSQL server version, e.g. 18."),
    click.option("--track-extra-parameters", default=None, metavar="NAMES",
                 help="PgBouncer's track_extra_parameters (comma-separated)."),
    click.option("--max-prepared-statements", default=None, metavar="N", help="PgBouncer's max_prepared_statements."),
    click.option("--migration-tool", default=None, metavar="TOOL",
                 help="The tool that runs these files (sets the default of --assume-in-transaction)."),
)

#: what to report and how: shared by ``check`` and ``logs``
_report_options = _options(
    click.option("--output-format", type=click.Choice(FORMAT_CHOICES), default=None, envvar="PGPOOL_LINT_OUTPUT_FORMAT",
                 help="How to print findings (default: full)."),
    click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
                 help="Write the report to this file instead of stdout."),
    click.option("--select", multiple=True, help="Rules to check (codes or names, comma-separated; ALL)."),
    click.option("--extend-select", multiple=True, help="Rules to check in addition to the selected ones."),
    click.option("--ignore", multiple=True, help="Rules not to check (codes or names, comma-separated)."),
    click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
                 help="Config file to use instead of searching for one."),
    click.option("--isolated", is_flag=True, help="Ignore all config files."),
    click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
    click.option("--statistics", is_flag=True, help="Print how many findings each rule has, not the findings."),
    click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary line."),
)


class _AnyPath(click.Path):
    """A path argument click does not check: the run says what is wrong with each path (one
    error line each, in order), so click's ``os.stat`` of every argument (3,000 from xargs or
    pre-commit) would only be undone. Shell completion still offers files."""

    def convert(self, value, param, ctx):
        return self.coerce_path_result(value)


_ANY_PATH = _AnyPath(path_type=str, readable=False)


@main.command()
@click.argument("paths", nargs=-1, type=_ANY_PATH)  # missing or unreadable: an error each
@_report_options
@click.option("--exclude", multiple=True, help="Glob patterns to skip (replaces the configured list).")
@click.option("--extend-exclude", multiple=True, help="Glob patterns to skip in addition.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too.")
@click.option("--stdin-filename", default=None,
              help="Read the file from stdin and report it under this name (paths are then ignored).")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None,
              help="Skip what .gitignore and .ignore files ignore when walking directories (default: on).")
@click.option("--add-noqa", is_flag=True,
              help="Add a suppression comment for each current finding (to adopt the linter on existing code).")
@click.option("--show-settings", is_flag=True, help="Print the settings in force for this run, and exit.")
@click.option("--show-files", is_flag=True, help="Print the files that would be checked, and exit.")
@click.option("--progress/--no-progress", default=True,
              help="A progress bar for long runs (only ever on a terminal, never in CI).")
@click.option("--assume-in-transaction/--no-assume-in-transaction", default=None,
              help="The files run inside a transaction (as most migration tools run them).")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files ('-': print the fixed text).")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: apply unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them.")
@click.option("--show-fixes", is_flag=True, help="With --fix: list the findings that were fixed.")
@click.option("--role", default=None, metavar="NAME",
              help="The role the application connects as (makes the suggested ALTER ROLE exact).")
@click.option("--database", default=None, metavar="NAME", help="The database the application connects to.")
@_pooler_options
@click.option("-v", "--verbose", is_flag=True, help="Print the active pooler profile (to stderr).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None, envvar="PGPOOL_LINT_JOBS", metavar="N",
              help="Processes linting: this one and N-1 workers (default 0: all cores for many files, one for a few).")
@click.option("--no-gate", is_flag=True, hidden=True, help="Parse every statement (for testing the gate).")
def check(paths: tuple[str, ...], output_format: Optional[str], select: tuple[str, ...],
          extend_select: tuple[str, ...], ignore: tuple[str, ...], exclude: tuple[str, ...],
          extend_exclude: tuple[str, ...], force_exclude: bool, stdin_filename: Optional[str],
          config_path: Optional[Path], isolated: bool, assume_in_transaction: Optional[bool], exit_zero: bool,
          statistics: bool, quiet: bool, no_gate: bool, output_file: Optional[Path] = None, verbose: bool = False,
          fix: bool = False, unsafe_fixes: bool = False, diff: bool = False, show_fixes: bool = False,
          role: Optional[str] = None, database: Optional[str] = None, jobs: Optional[int] = None,
          respect_gitignore: Optional[bool] = None, add_noqa: bool = False, show_settings: bool = False,
          show_files: bool = False, progress: bool = True, **profile_options: Optional[str]) -> None:
    """Check SQL files, directories (recursively) or '-' (stdin)."""
    if stdin_filename is not None:  # as ruff: the flag means "the file comes on stdin"
        for raw in paths:
            if raw != "-":
                click.echo(f"pgpool-lint: warning: ignoring {terminal_safe(raw)}: --stdin-filename reads standard input",
                           err=True)
        paths = ("-",)
    if add_noqa and (fix or diff or "-" in paths):
        raise _fail("--add-noqa edits files in place: not with --fix, --diff or stdin")
    if unsafe_fixes and not (fix or diff):
        raise _fail("--unsafe-fixes needs --fix or --diff")
    if show_fixes and not fix or show_fixes and diff:
        raise _fail("--show-fixes needs --fix (and not --diff)")
    if (fix or diff) and "-" in paths and len(paths) > 1:
        raise _fail("fixing '-' (stdin) prints the fixed text: give it alone")
    from .core.collector import paused_then_frozen

    with paused_then_frozen():  # start-up (see the top of this module)
        from .config import DEFAULT_EXCLUDE, GlobSet
        from .lint.linter import Linter

        cfg, cat, settings = _settings(config_path, isolated, select, extend_select, ignore, assume_in_transaction,
                                       no_gate, {**profile_options, "role": role, "database": database})
    settings_values = cfg.values
    output_format = output_format or settings_values.get("output-format", "full")
    excludes = list(exclude) or list(settings_values.get("exclude", DEFAULT_EXCLUDE))
    excludes += list(settings_values.get("extend-exclude", [])) + list(extend_exclude)
    exclude_globs = GlobSet(excludes)
    if respect_gitignore is None:
        respect_gitignore = settings_values.get("respect-gitignore", True)
    if not paths:
        paths = (".",)
    if settings_values.get("deployment-evidence", True):
        from .config import relative_posix
        from .lint.options import read_deployment

        read_deployment(settings, [Path(p) for p in paths if p != "-" and os.path.isdir(p)],
                        lambda path: exclude_globs.matches(relative_posix(path, cfg.root)))
    if verbose:
        click.echo(terminal_safe(f"pgpool-lint: config: {cfg.path}" if cfg.path else
                                 "pgpool-lint: config: none (" + ("--isolated" if isolated else "no .pgpool-lint.toml "
                                                                  "or pyproject.toml with [tool.pgpool-lint] found") + ")"),
                   err=True)
        _print_profile(settings, cat)
        _print_parser()
    if show_settings:
        _show_settings(cfg, settings, cat, excludes, respect_gitignore, output_format)
    linter = Linter(settings)  # before the workers start: a forked one lints with it
    _collect_less()
    workers = None if fix or diff or add_noqa or show_files else _early_workers(linter, paths, jobs)
    try:
        items = list(_discover(paths, exclude_globs, cfg.root, force_exclude, stdin_filename, respect_gitignore))
    except BaseException:
        _stop(workers)
        raise
    if show_files:
        _show_files(items)
    if add_noqa:
        _add_noqa(linter, items)
    fixing = None
    not_postgres: dict[str, int] = {}  # why text was skipped as not PostgreSQL -> how often
    if fix or diff:
        from .lint.fixer import Fixer, FixRun, applicabilities

        fixing = FixRun(Fixer(linter, applicabilities(unsafe_fixes), write=not diff, roots=paths), cat, diff,
                        show_fixes)
    parallel = _lint_in_parallel(items, jobs, linter, workers) if fixing is None else None
    from .report import RenderContext
    from .report.progress import RunProgress

    bar = RunProgress(sum(1 for item in items if not isinstance(item, str)), progress)
    run = RenderContext(files_checked=0, color=_use_color() and not output_file, quiet=quiet,
                        profile=settings.profile, errors=0)

    def linted() -> Iterator:
        """Each file's result, in the order of ``items``; errors and skips are said on stderr."""
        for item in items:
            bar.advance()
            if isinstance(item, str):  # an error message about a path
                click.echo(terminal_safe(f"pgpool-lint: error: {item}"), err=True)
                run.errors += 1
                continue
            path, display = item
            if parallel is not None and path is not None:
                result = next(parallel)
            elif fixing is not None:
                result = (fixing.lint_stdin(sys.stdin.buffer.read(), display) if path is None
                          else fixing.lint_path(path, display))
            elif path is None:
                result = linter.lint_bytes(sys.stdin.buffer.read(), display)
            else:
                result = linter.lint_path(path, display)
            if result.skipped:
                click.echo(terminal_safe(f"pgpool-lint: warning: skipped {display}: {result.skipped}"), err=True)
                continue
            if result.error:  # part of the file was not read: not a clean file
                click.echo(terminal_safe(f"pgpool-lint: error: {display}: {result.error} "
                                         "(set PGPOOL_LINT_DEBUG=1 to see the traceback)"), err=True)
                run.errors += 1
            if result.not_postgres:
                _note_not_postgres(display, result.not_postgres, not_postgres, verbose)
            run.files_checked += 1
            result.text = None  # keep only the diagnostics: memory stays flat whatever the number of files
            yield result
        bar.close()

    if (fixing is None and not statistics and output_format in STREAMED_FORMATS and output_file is None
            and not run.color and not sys.stdout.isatty()):
        _report_streamed(linted(), output_format, run, exit_zero)
    results = list(linted())
    diagnostics = [d for r in results for d in r.diagnostics]
    hint = None
    if not quiet:
        from .settings import conditional_summary

        summary = conditional_summary(diagnostics)
        if summary:
            click.echo(terminal_safe(f"pgpool-lint: {summary}"), err=True)
    if fixing is not None:
        output_file = _report_fixes(fixing, output_format, output_file, quiet, run.errors)
    elif not quiet and not statistics and output_format in ("full", "concise"):
        hint = _fixable_hint(diagnostics)
    if statistics and not_postgres and output_format != "json":
        _print_not_postgres(not_postgres)
    _report(diagnostics, output_format, output_file, quiet, statistics, run.files_checked, cat, settings.profile,
            run.errors, exit_zero, hint)


#: formats written finding by finding while the files are linted (a finding-heavy run keeps
#: none of them in memory); the others need the whole run first (json-lines starts with the
#: number of files checked, SARIF and JUnit group by rule or file, GitLab fingerprints repeats)
STREAMED_FORMATS = ("full", "concise", "json", "github")


def _report_streamed(results: Iterator, output_format: str, ctx, exit_zero: bool) -> NoReturn:
    """The report written as the files are linted (stdout, no colour), then the lines that
    need the whole run: the settings summary (stderr) and the fixable hint; exit as ``_report``."""
    from .report import DiagnosticStream, renderer
    from .settings import CODES, conditional_summary

    stream = DiagnosticStream(results, keep_codes=CODES)
    out = _utf8_stdout()
    try:
        renderer(output_format)(stream, out, ctx)
        stream.drain()
        hint = (_fixable_text(stream.fixable["safe"], stream.fixable["unsafe"])
                if not ctx.quiet and output_format in ("full", "concise") else None)
        if hint is not None:
            out.write(hint + "\n")
        out.flush()
    except BrokenPipeError:
        raise _reader_closed() from None
    except OSError as exc:
        raise _fail(f"cannot write the report: {exc.strerror or exc}")
    summary = None if ctx.quiet else conditional_summary(stream.kept)
    if summary:
        click.echo(terminal_safe(f"pgpool-lint: {summary}"), err=True)
    if ctx.errors:
        raise click.exceptions.Exit(EXIT_ERROR)
    raise click.exceptions.Exit(EXIT_FINDINGS if stream.count and not exit_zero else EXIT_CLEAN)


def _note_not_postgres(display: str, reasons: list[str], counts: dict[str, int], verbose: bool) -> None:
    """Count text skipped as another database's SQL; --verbose says where and why (stderr)."""
    for reason in reasons:
        key = reason.split(": ", 1)[0] if ": " in reason else reason
        counts[key] = counts.get(key, 0) + 1
    if verbose:
        mine: dict[str, int] = {}
        for reason in reasons:
            mine[reason] = mine.get(reason, 0) + 1
        for reason, n in mine.items():
            times = f" ({n} times)" if n > 1 else ""
            click.echo(f"pgpool-lint: skipped text in {terminal_safe(display)}: {terminal_safe(reason)}{times}", err=True)


def _print_not_postgres(counts: dict[str, int]) -> None:
    """--statistics: skipped text, by what it is (stderr, after the rule counts on stdout)."""
    for what, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"{n}\tskipped\t{what}", err=True)


def _fixable_hint(diagnostics) -> Optional[str]:
    """``[*] N fixable with --fix``, printed after the findings and the summary (as ruff does)."""
    from collections import Counter

    from .report import fixable_kind

    kinds = Counter(fixable_kind(d) for d in diagnostics)
    return _fixable_text(kinds["safe"], kinds["unsafe"])


def _fixable_text(safe: int, unsafe: int) -> Optional[str]:
    if safe:
        more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
        return f"[*] {safe} fixable with `pgpool-lint check --fix`{more}."
    if unsafe:
        return f"[*] {unsafe} fixable with `pgpool-lint check --fix --unsafe-fixes` (no safe fixes)."
    return None


def _show_settings(cfg, settings, cat, excludes: list[str], respect_gitignore: bool, output_format: str) -> NoReturn:
    """--show-settings: what this run would use, one `key = value` per line (TOML values), and exit 0."""
    import json

    rows = [("config-file", str(cfg.path) if cfg.path else "none"), ("root", str(cfg.root)),
            ("select", sorted(settings.enabled)), ("exclude", excludes), ("respect-gitignore", respect_gitignore),
            ("output-format", output_format), ("assume-in-transaction", settings.assume_in_transaction),
            ("max-file-size", settings.max_file_size), ("pooled-hosts", list(settings.pooled_hosts)),
            ("per-file-ignores", {g.patterns[0]: sorted(codes) for g, codes in settings.per_file_ignores})]
    rows += [(name, value) for name, value, _ in settings.profile.describe()]
    out = _utf8_stdout()
    for key, value in rows:
        out.write(terminal_safe(f"{key} = {json.dumps(value, ensure_ascii=False)}") + "\n")
    out.flush()
    raise click.exceptions.Exit(EXIT_CLEAN)


def _show_files(items) -> NoReturn:
    """--show-files: the files a run would check, one a line, and exit (2 when a path is missing)."""
    out = _utf8_stdout()
    errors = 0
    for item in items:
        if isinstance(item, str):
            click.echo(terminal_safe(f"pgpool-lint: error: {item}"), err=True)
            errors += 1
        else:
            out.write(terminal_safe(item[1]) + "\n")
    out.flush()
    raise click.exceptions.Exit(EXIT_ERROR if errors else EXIT_CLEAN)


def _add_noqa(linter, items) -> NoReturn:
    """--add-noqa: a suppression comment for each current finding, written into the files."""
    from .lint.noqa import add_noqa

    added = files = errors = 0
    for item in items:
        if isinstance(item, str):
            click.echo(terminal_safe(f"pgpool-lint: error: {item}"), err=True)
            errors += 1
            continue
        outcome = add_noqa(linter, item[0], item[1])
        for note in outcome.notes:
            click.echo(terminal_safe(f"pgpool-lint: warning: {item[1]}: {note}"), err=True)
        if outcome.added:
            added += outcome.added
            files += 1
    click.echo(f"Added {added} suppression{'s' if added != 1 else ''} to {files} file{'s' if files != 1 else ''}.",
               err=True)
    raise click.exceptions.Exit(EXIT_ERROR if errors else EXIT_CLEAN)


def _report_fixes(fixing, output_format: str, output_file: Optional[Path], quiet: bool, errors: int) -> Optional[Path]:
    """Say what --fix did (stderr), or print --diff and exit.  Fixing stdin prints the fixed
    text on stdout: the findings left then go to stderr.  Returns where the report goes."""
    for note in fixing.notes():
        click.echo(terminal_safe(f"pgpool-lint: warning: {note}"), err=True)
    if fixing.diff:
        out = _utf8_stdout()
        out.write(_stop_workflow_commands(fixing.diff_text()))
        out.flush()
        if not quiet:
            click.echo(fixing.summary(), err=True)
        raise click.exceptions.Exit(EXIT_ERROR if errors else EXIT_FINDINGS if fixing.fixed_count() else EXIT_CLEAN)
    if fixing.show_fixes:
        click.echo(fixing.show(), nl=False, err=output_format not in ("full", "concise") or output_file is not None)
    elif not quiet:
        click.echo(fixing.summary(), err=True)
    if fixing.stdin_output is not None:
        sys.stdout.buffer.write(fixing.stdin_output)
        sys.stdout.buffer.flush()
        return output_file or Path("/dev/stderr")
    return output_file


def _stop_workflow_commands(text: str) -> str:
    """``text`` (a diff: the files' own lines, which cannot be escaped) fenced off for GitHub
    Actions, which would run a context line ``  ::error ...::`` as a workflow command: between
    ``::stop-commands::TOKEN`` and ``::TOKEN::`` nothing is (git apply and patch skip both)."""
    if not text or os.environ.get("GITHUB_ACTIONS") != "true":
        return text
    import secrets

    token = secrets.token_hex(16)
    return f"::stop-commands::{token}\n{text}::{token}::\n"


def _settings(config_path: Optional[Path], isolated: bool, select: tuple[str, ...], extend_select: tuple[str, ...],
              ignore: tuple[str, ...], assume_in_transaction: Optional[bool], no_gate: bool,
              profile_options: dict[str, Optional[str]]):
    """(config file, catalogue, linter Settings) from the config file and the command line; exit 2 on bad input."""
    from .config import ConfigError, load_config
    from .core import catalogue as catalogue_mod
    from .lint.options import build_settings

    if isolated and config_path is not None:  # one of them would be silently ignored
        raise _fail("--isolated ignores every config file: give --isolated or --config, not both")
    cat = None
    try:
        cfg = load_config(config_path, isolated)
        cat = catalogue_mod.load()
        settings = build_settings(cfg, cat, _split_selectors(select), _split_selectors(extend_select),
                                  _split_selectors(ignore), assume_in_transaction, no_gate, profile_options)
    except ConfigError as exc:
        raise _fail(str(exc))
    except catalogue_mod.UnknownRule as exc:
        raise _fail(f"unknown rule selector `{exc.selector}`{cat.did_you_mean(exc.selector)} (see `pgpool-lint rules`)")
    except catalogue_mod.CatalogueError as exc:
        raise _fail(f"broken rule catalogue: {exc}")
    return cfg, cat, settings


def _report(diagnostics: list, output_format: str, output_file: Optional[Path], quiet: bool, statistics: bool,
            files_checked: int, cat, profile, errors: int, exit_zero: bool, hint: Optional[str] = None) -> "NoReturn":
    """Print the report in ``output_format`` and exit: 2 after input errors, 1 with findings, else 0.

    ``--statistics`` replaces the findings in the text formats and json/json-lines; the other
    machine formats (SARIF, JUnit, GitHub, GitLab) must still parse: the report is written
    as usual and the table goes to stderr."""
    from .report import RenderContext, renderer

    try:
        out = _open_output(output_file) if output_file else _utf8_stdout()
    except OSError as exc:
        raise _fail(f"cannot write {output_file}: {exc.strerror or exc}")
    ctx = RenderContext(files_checked=files_checked, color=_use_color() and not output_file, quiet=quiet,
                        profile=profile, errors=errors)
    try:
        if statistics and output_format in STATISTICS_FORMATS:
            _print_statistics(diagnostics, output_format, out, cat)
        else:
            renderer(output_format)(diagnostics, out, ctx)
            if statistics:
                err = io.TextIOWrapper(sys.stderr.buffer, encoding="utf-8", errors="replace", newline="\n",
                                       write_through=True)
                _print_statistics(diagnostics, "full", err, cat)
                err.detach()
        if hint is not None:
            if output_file:
                click.echo(hint, err=True)
            else:
                out.write(hint + "\n")
        if output_file:
            out.close()
        else:
            out.flush()
    except BrokenPipeError:
        if output_file:
            raise _fail(f"cannot write {output_file}: broken pipe")
        raise _reader_closed() from None
    except OSError as exc:  # e.g. -o /proc/version: opened, but every write fails
        raise _fail(f"cannot write {output_file or 'the report'}: {exc.strerror or exc}")
    if errors:
        raise click.exceptions.Exit(EXIT_ERROR)
    raise click.exceptions.Exit(EXIT_FINDINGS if diagnostics and not exit_zero else EXIT_CLEAN)


def _open_output(path: Path) -> io.TextIOWrapper:
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8", errors="replace", newline="\n")


def _print_profile(settings, cat) -> None:
    """--verbose: the pooler profile in force, each value with where it came from (stderr)."""
    from .lint.linter import active_codes

    rows = settings.profile.describe()
    origin = settings.profile_origins.get("assume-in-transaction")
    tool = settings.profile_values.get("migration-tool")
    if origin is None and tool:
        from .config.profiles import MIGRATION_TOOLS

        origin = f"migration-tool {tool}: {MIGRATION_TOOLS[tool].source}"
    rows.append(("assume-in-transaction", str(settings.assume_in_transaction).lower(), origin or "default"))
    off = sorted(settings.enabled - active_codes(settings.enabled, settings.profile, cat))
    if off:
        rows.append(("rules off in this pool mode", ", ".join(off), "catalogue field pool_modes"))
    for deployment in settings.deployment.projects if settings.deployment is not None else ():
        for config in deployment.pooler_files:
            rows.append(("pooler configuration", config.path, f"pool_mode {config.pool_mode or 'not set'}"))
        for host, (reason, _) in sorted(deployment.hosts.items()):
            rows.append(("pooled host", host, reason))
        for port, reason in sorted(deployment.ports.items()):
            rows.append(("pooled port", str(port), reason))
        for name, reason in sorted(deployment.names.items()):
            rows.append(("pooled variable", name, reason))
        for flag in deployment.flags[:5]:
            rows.append(("PgBouncer flag", flag, "warnings say the project supports PgBouncer"))
    width = max(len(name) for name, _, _ in rows)
    lines = ["pgpool-lint: pooler profile"]
    for name, value, source in rows:
        lines.append(terminal_safe(f"  {name:<{width}}  {value}" + (f"  ({source})" if source else "")))
    click.echo("\n".join(lines), err=True)


def _print_parser() -> None:
    """--verbose: which libpg_query path splits and scans (both linear, same answers)."""
    from importlib.metadata import version

    from .sql.pgparser import backend_name

    click.echo(f"pgpool-lint: parser: pglast {version('pglast')}, {backend_name()}", err=True)


def _use_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


#: below this many files (and PARALLEL_MIN_BYTES) one process is faster than starting workers
PARALLEL_MIN_FILES = 200
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
#: a worker's linter (``_start_worker``); forked, this process's own, set before the fork
_worker_linter = None


def _lint_in_parallel(items, jobs: Optional[int], linter, workers: Optional[_Early] = None) -> Optional[Iterator]:
    """Results of linting the files among ``items`` (in order) in ``jobs`` processes, this one
    (``linter``) and ``jobs - 1`` workers, or None to lint them here alone: ``--jobs 1``, or by
    default (``--jobs 0``) one CPU or few, small files. ``workers``: what ``_early_workers``
    started (as many as asked for, or more than needed), stopped when there is nothing for them."""
    files = [item for item in items if not isinstance(item, str) and item[0] is not None]
    if not jobs:
        jobs = _cores() if _many(files) else 1
    jobs = min(jobs, len(files))
    if jobs < 2:
        _stop(workers)
        return None
    if workers is None:
        workers = _Early(jobs - 1, _pool(linter, jobs - 1), [], [])
    batches = _guessed_batches(workers.guessed, files)
    for future in workers.futures if not batches else ():
        future.cancel()  # another file list than the one guessed: its results are not read
    guessed = sum(map(len, batches))
    batches += [[guessed + i for i in batch] for batch in _batches([_size(path) for path, _ in files[guessed:]], jobs)]
    # started early, they may be more than the files found (a path was missing): at most jobs - 1
    return _Share(linter, files, batches, workers.pool, ahead=2 * workers.count,
                  taken=workers.futures if guessed else []).results()


class _Early(NamedTuple):
    """Workers started before the files are found (``_early_workers``): how many, their pool, and
    the batches of the first paths named they lint meanwhile ((path, display) as ``_lint_batch``
    takes them) with their futures."""
    count: int
    pool: object
    guessed: list[list[tuple[str, str]]]
    futures: list


def _early_workers(linter, paths: tuple[str, ...], jobs: Optional[int]) -> Optional[_Early]:
    """The workers started before the files are found, when the command line already names
    enough files for them (at least one per process; by default, at least PARALLEL_MIN_FILES).
    They start (fork, imports) while this process finds the files, and lint the first files
    named meanwhile, as discovery will most likely list them (``_guess_first_files``)."""
    named = sum(1 for path in paths if path != "-")
    if not jobs:
        jobs = _cores() if named >= PARALLEL_MIN_FILES else 1
    if jobs < 2 or named < jobs:  # folders among few paths: how many files is not known yet
        return None
    guessed = _guess_first_files(paths, jobs - 1)
    pool = _pool(linter, jobs - 1)
    futures = [pool.submit(_lint_batch, batch) for batch in guessed]
    for _ in range(jobs - 1 - len(guessed)):  # start the others now (a pool starts its processes on its first tasks)
        pool.submit(_warm_up)
    return _Early(jobs - 1, pool, guessed, futures)


#: how much of the first files named a worker lints while this process finds the files (bytes,
#: files): about what it lints in the time discovery takes on 3,000 named files (~30 ms)
GUESSED_BATCH_BYTES, GUESSED_BATCH_FILES = 512 * 1024, 256


def _guess_first_files(paths: tuple[str, ...], count: int) -> list[list[tuple[str, str]]]:
    """Up to ``count`` batches of the first paths named, as discovery lists a regular file named
    (``_discover``), while they are regular files; ``_guessed_batches`` checks the guess."""
    batches: list[list[tuple[str, str]]] = []
    batch: list[tuple[str, str]] = []
    held = 0
    for raw in paths:
        try:
            if raw == "-" or not stat.S_ISREG((st := os.stat(raw)).st_mode):
                break
        except (OSError, ValueError):
            break
        batch.append((raw if _normal(raw) else os.fspath(Path(raw)), raw))
        held += st.st_size
        if held >= GUESSED_BATCH_BYTES or len(batch) >= GUESSED_BATCH_FILES:
            batches.append(batch)
            if len(batches) == count:
                return batches
            batch, held = [], 0
    return batches + [batch] if batch else batches


def _guessed_batches(guessed: list[list[tuple[str, str]]], files: list) -> list[list[int]]:
    """The guessed batches as indexes of ``files`` when they are its first files, in order; none
    when any one differs (a path named twice, excluded, a folder): then the guess is dropped."""
    batches: list[list[int]] = []
    count = 0
    for batch in guessed:
        for path, display in batch:
            if count >= len(files) or files[count] != (path, display):
                return []
            count += 1
        batches.append(list(range(count - len(batch), count)))
    return batches


def _cores() -> int:
    return min(os.cpu_count() or 1, 8)


def _pool(linter, workers: int):
    """Workers that lint as ``linter`` does: forked, with it (``_start_worker``); on Linux by
    ``lint.workers``, elsewhere (or with a start method chosen) by ProcessPoolExecutor."""
    global _worker_linter
    from .lint import workers as forked

    _worker_linter = linter
    if forked.can_fork():
        return forked.ForkedWorkers(workers, functools.partial(_start_worker, linter.settings), (_lint_batch, _warm_up))
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(linter.settings,))


def _stop(workers: Optional[_Early]) -> None:
    if workers is not None:
        workers.pool.shutdown(cancel_futures=True)


class _Share:
    """The files of a run shared between the worker processes and this one, which writes the report.

    The workers take the batches in the order of ``_batches`` (large files first, then report
    order), ``ahead`` of them queued at a time. This process needs the results in report
    order: a batch nobody took yet it lints itself, and while a worker's batch it needs is not
    done, it lints the next batch nobody took (in report order) instead of waiting. So it lints
    whatever the workers leave (about a share, less the time the report takes), a worker
    never waits for this process to unpack and write, and none of this process's results is
    pickled. A batch's results are dropped once written: memory holds the batches in flight."""

    #: ``taken`` of a batch whose results are written (neither None nor a list)
    _WRITTEN = ()

    def __init__(self, linter, files: list, batches: list[list[int]], executor, ahead: int, taken: list) -> None:
        """``taken``: the futures of the first batches, already sent to the workers."""
        from collections import deque

        self.linter, self.files, self.batches, self.executor, self.ahead = linter, files, batches, executor, ahead
        self.where: list[tuple[int, int]] = [(0, 0)] * len(files)  # file -> (batch, place in it)
        for b, batch in enumerate(batches):
            for k, i in enumerate(batch):
                self.where[i] = (b, k)
        #: per batch: None (nobody took it), a worker's Future, or its results (list)
        self.taken: list = taken + [None] * (len(batches) - len(taken))
        self.queued: deque = deque(taken)  # the workers' futures, oldest first, less those seen done
        self.next_for_workers = len(taken)  # in ``batches``
        self.next_here = 0  # in ``files``: no batch before it is left for this process
        self.lost = False  # a worker ended before it answered: this process lints the rest

    def results(self) -> Iterator:
        try:
            for i in range(len(self.files)):
                b, k = self.where[i]
                while True:
                    self._feed()
                    taken = self.taken[b]
                    if taken is None:
                        self._lint_here(b)
                    elif isinstance(taken, list):
                        break
                    elif taken.done() or not self._lint_next_left(i):
                        answers = self._answers(taken)  # None: the worker was lost, this process lints it
                        self.taken[b] = None if answers is None else [
                            self._confirmed(j, packed, presumed)
                            for j, (packed, presumed) in zip(self.batches[b], answers)]
                yield self.taken[b][k]
                if k == len(self.batches[b]) - 1:  # a batch's files are in report order
                    self.taken[b] = self._WRITTEN
        finally:
            self.executor.shutdown(cancel_futures=True)

    def _answers(self, future) -> Optional[list]:
        """A worker's answers for its batch; None when the worker ended before it answered (the
        kernel's out-of-memory killer, a signal): this process lints that batch and the ones
        after it itself, and says so once."""
        try:
            return future.result()
        except _worker_lost_errors() as exc:
            self._worker_lost(exc)
            return None

    def _worker_lost(self, exc: BaseException) -> None:
        if not self.lost:
            click.echo(terminal_safe(f"pgpool-lint: warning: {exc}: this process lints the files left"), err=True)
            self.lost = True

    def _feed(self) -> None:
        """Keep ``ahead`` batches queued for the workers (none once one of them was lost)."""
        if self.lost:
            return
        while self.queued and self.queued[0].done():  # workers take them in order: the oldest ends first
            self.queued.popleft()
        while len(self.queued) < self.ahead and self.next_for_workers < len(self.batches):
            b = self.next_for_workers
            self.next_for_workers += 1
            if self.taken[b] is None:
                try:
                    future = self.executor.submit(_lint_batch, [self.files[i] for i in self.batches[b]])
                except _worker_lost_errors() as exc:  # ProcessPoolExecutor, broken
                    self._worker_lost(exc)
                    return
                self.taken[b] = future
                self.queued.append(future)

    def _lint_here(self, b: int) -> None:
        results = self.taken[b] = []
        for i in self.batches[b]:
            results.append(self._lint_one(i))
            self._feed()

    def _lint_one(self, i: int):
        result = self.linter.lint_path(*self.files[i])
        result.text = None  # results linted ahead wait to be written: not with their files' text
        return result

    def _confirmed(self, i: int, packed: list, presumed: Optional[list]):
        """A worker's result for file ``i``; linted here instead when sqlglot, which only this
        process asks, gives another verdict than the worker presumed (``dialect.presume_refusals``)."""
        if presumed is not None:
            from .sql.dialect import confirmed

            if not confirmed(presumed):
                return self._lint_one(i)
        return _unpacked(packed)

    def _lint_next_left(self, start: int) -> bool:
        """Lint the first batch nobody took from file ``start`` on; False when there is none."""
        j = max(self.next_here, start)
        while j < len(self.files) and self.taken[self.where[j][0]] is not None:
            j += 1
        self.next_here = j
        if j == len(self.files):
            return False
        self._lint_here(self.where[j][0])
        return True


def _worker_lost_errors() -> tuple[type[BaseException], ...]:
    """What asking for a lost worker's answers raises, by the pool that ran it."""
    from .lint.workers import WorkerLost

    process_pool = sys.modules.get("concurrent.futures.process")  # ProcessPoolExecutor's (not on Linux)
    return (WorkerLost,) if process_pool is None else (WorkerLost, process_pool.BrokenProcessPool)


#: bounds of a batch of small files sent to a worker at once (bytes)
BATCH_MIN_BYTES, BATCH_MAX_BYTES = 32 * 1024, 512 * 1024


def _batches(sizes: list[int], jobs: int) -> list[list[int]]:
    """Indexes of the files in batches, in the order the workers take them.

    Files as large as a quarter of a batch (a batch: about 1/16 of each worker's share of the
    bytes, within the bounds above) go first, each alone, largest first: none is left for the
    end. The others follow in their own order, the order of the report: the parent writes each
    result as soon as those before it are in, while the workers go on, not after them. Their
    batches shrink with the bytes left (at most a quarter of each worker's share of them, at
    most 64 files), so that the workers finish together."""
    target = max(BATCH_MIN_BYTES, min(BATCH_MAX_BYTES, sum(sizes) // (jobs * 16)))
    large = sorted((i for i, size in enumerate(sizes) if size >= target // 4), key=lambda i: -sizes[i])
    batches = [[i] for i in large]
    left = sum(sizes) - sum(sizes[i] for i in large)
    batch: list[int] = []
    held = 0
    for i, size in enumerate(sizes):
        if size >= target // 4:
            continue
        batch.append(i)
        held += size
        if held >= max(BATCH_MIN_BYTES, min(target, left // (jobs * 4))) or len(batch) >= 64:
            batches.append(batch)
            left -= held
            batch, held = [], 0
    if batch:
        batches.append(batch)
    return batches


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _collect_less() -> None:
    """Fewer garbage collections for a run: what start-up built (modules, the catalogue, the
    checks) lives until the end, so the collector stops walking it again (``gc.freeze``), and a
    young collection waits for 10,000 new objects instead of 700 (a file's parse trees are
    mostly freed by reference counting).  On the 3,025-file corpus: 649 collections, 0.24-0.39 s
    of one worker, became 42 collections, 0.07-0.15 s, for 0.2 MB more at the peak."""
    gc.freeze()
    gc.set_threshold(10_000, 50, 100)


def _start_worker(settings) -> None:
    """A worker's start. Ctrl-C (sent to the whole process group) is the parent's to handle: it
    stops the pool, and a worker ends after its batch, never with a traceback of its own."""
    global _worker_linter
    import signal

    from .lint.linter import Linter
    from .sql.dialect import presume_refusals

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _worker_linter is None or _worker_linter.settings is not settings:  # spawned: a new interpreter
        _worker_linter = Linter(settings)
    presume_refusals()  # sqlglot is imported in the parent alone
    _collect_less()


#: what a worker lints while the parent finds the files, when no file named was guessed: the first
#: use of the SQL path (its imports, the patterns compiled on first use, the checks' tables) costs
#: 13 ms, once
_WARM_UP_SQL = (b"SET search_path TO app;\nSELECT pg_advisory_lock(1);\nLISTEN x;\nCREATE TEMP TABLE t (a int);\n"
                b"PREPARE p AS SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN\n"
                b"PERFORM set_config('a.b', '1', false); RETURN 1; END $$;\n")


def _warm_up() -> None:
    from .sql.dialect import take_presumed

    _worker_linter.lint_bytes(_WARM_UP_SQL, "warm-up.sql")
    take_presumed()


def _lint_batch(files: list[tuple[str, str]]) -> list[tuple]:
    """Per file: its packed result, and the dialect judge's calls for the parent to confirm."""
    from .sql.dialect import take_presumed

    results = []
    for path, display in files:
        result = _worker_linter.lint_path(path, display)
        result.text = None  # only the diagnostics travel back
        results.append((_packed(result), take_presumed()))
    return results


class _Packing:
    """A linted file's result as lists of its fields (dataclass field order), the way it travels
    back from a worker: pickle writes a list in a few opcodes where an object costs a class
    lookup, a state dict and a setattr per field, and a finding-heavy run sends thousands of
    diagnostics. Their messages and help come back finding after finding, each a text of its
    own: interned, pickle writes each once a batch (a third of the bytes on the corpus), and
    a worker waits less for this process to read them through the pipe."""

    def __init__(self) -> None:
        import dataclasses
        from operator import attrgetter

        from .core.diagnostics import Diagnostic, Edit, Fix
        from .lint.linter import FileResult

        self.classes = FileResult, Diagnostic, Fix, Edit
        names = [[f.name for f in dataclasses.fields(cls)] for cls in self.classes]
        self.result_fields, self.diagnostic_fields, self.fix_fields, self.edit_fields = map(
            lambda n: attrgetter(*n), names)
        self.at_diagnostics, self.at_fix, self.at_edits = (
            names[0].index("diagnostics"), names[1].index("fix"), names[2].index("edits"))
        self.at_message, self.at_help, self.at_fix_message = (
            names[1].index("message"), names[1].index("help"), names[2].index("message"))

    def pack(self, result) -> list:
        at_message, at_help, at_fix, at_edits = self.at_message, self.at_help, self.at_fix, self.at_edits
        packed = list(self.result_fields(result))
        diagnostics = []
        for d in packed[self.at_diagnostics]:
            values = list(self.diagnostic_fields(d))
            values[at_message], values[at_help] = sys.intern(values[at_message]), sys.intern(values[at_help])
            fix = values[at_fix]
            if fix is not None:
                fix = values[at_fix] = list(self.fix_fields(fix))
                fix[self.at_fix_message] = sys.intern(fix[self.at_fix_message])
                fix[at_edits] = list(map(self.edit_fields, fix[at_edits]))
            diagnostics.append(values)
        packed[self.at_diagnostics] = diagnostics
        return packed

    def unpack(self, packed: list):
        """The result ``pack`` made (its lists are used up)."""
        file_result, diagnostic, fix_class, edit = self.classes
        at_fix, at_edits = self.at_fix, self.at_edits
        diagnostics = []
        for values in packed[self.at_diagnostics]:
            fix = values[at_fix]
            if fix is not None:
                fix[at_edits] = tuple(edit(*e) for e in fix[at_edits])
                values[at_fix] = fix_class(*fix)
            diagnostics.append(diagnostic(*values))
        packed[self.at_diagnostics] = diagnostics
        return file_result(*packed)


@functools.lru_cache(maxsize=1)
def _packing() -> _Packing:
    """Made on first use, in the worker that packs and in the parent that unpacks."""
    return _Packing()


def _packed(result) -> list:
    return _packing().pack(result)


def _unpacked(packed: list):
    return _packing().unpack(packed)


def _many(files: list) -> bool:
    """Enough files, or enough bytes, for worker processes to pay for their start."""
    if len(files) >= PARALLEL_MIN_FILES:
        return True
    total = 0
    for path, _ in files:
        try:
            total += os.stat(path).st_size
        except OSError:
            continue
        if total >= PARALLEL_MIN_BYTES:
            return len(files) > 1
    return False


def _discover(paths, exclude_globs, root: Path, force_exclude: bool, stdin_filename: Optional[str],
              respect_gitignore: bool = True) -> Iterator[tuple[Optional[str], str] | str]:
    """(path, display name) of every file to lint, in a stable order; str items are errors.
    Walks skip what ignore files ignore (``ignorefiles``); paths named here are always linted.
    A path is text, as named or as walked: a ``Path`` per file costs ~3 us (10 ms for 3,000 files)."""
    from .config import relative_posix
    from .config.ignorefiles import IgnoreFiles

    ignore_files = IgnoreFiles() if respect_gitignore else None
    seen: set[str] = set()
    real = _RealPaths()
    for raw in paths:
        if raw == "-":
            display = stdin_filename or "-"
            if force_exclude and stdin_filename and exclude_globs.matches(relative_posix(Path(stdin_filename), root)):
                continue
            yield None, display
            continue
        path = raw if _normal(raw) else os.fspath(Path(raw))
        try:  # one lstat: whether it exists (a dangling link does), is a folder, is a link
            mode = os.lstat(path).st_mode
        except (OSError, ValueError):
            yield f"{raw}: no such file or directory"
            continue
        link = stat.S_ISLNK(mode)
        if stat.S_ISDIR(mode) or link and os.path.isdir(path):
            for file in _walk(Path(path), exclude_globs, root, ignore_files):
                if isinstance(file, str):
                    yield file
                    continue
                key = real(file)
                if key not in seen:
                    seen.add(key)
                    name = str(file)
                    yield name, name
            continue
        if force_exclude and exclude_globs.matches(relative_posix(Path(path), root)):
            continue
        key = real(path, link)
        if key not in seen:
            seen.add(key)
            yield path, raw


def _normal(raw: str) -> bool:
    """Whether ``Path(raw)`` is ``raw`` again (POSIX): no empty or ``.`` part, no slash at the end."""
    return (os.sep == "/" and raw not in ("", ".") and "//" not in raw and "/./" not in raw
            and not raw.startswith("./") and not raw.endswith(("/", "/.")))


class _RealPaths:
    """``os.path.realpath`` of files, resolving each folder once, from its parent's: a path
    that is not a symbolic link is its folder's real path plus its name (one lstat instead of
    one per path component; 3,000 files in 500 folders)."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: Path | str, link: Optional[bool] = None) -> str:
        name = os.fspath(path)
        folder, base = os.path.split(name)
        if not base or base in (".", "..") or (os.path.islink(name) if link is None else link):
            return os.path.realpath(name)
        return os.path.join(self._folder(folder), base)

    def _folder(self, folder: str) -> str:
        below: list[tuple[str, str]] = []  # (folder, name) under the first one known or resolved
        real = self._folders.get(folder)
        while real is None:
            parent, base = os.path.split(folder)
            if parent and base and base not in (".", "..") and not os.path.islink(folder):
                below.append((folder, base))
                folder = parent
                real = self._folders.get(folder)
            else:
                real = self._folders[folder] = os.path.realpath(folder or ".")
        for name, base in reversed(below):
            real = self._folders[name] = os.path.join(real, base)
        return real


def _walk(top: Path, exclude_globs, root: Path, ignore_files=None) -> Iterator[Path | str]:
    from . import settings  # settings files (.env, *.yml, *.toml, *.conf, *.properties, *.prisma)
    from .code import DIRECTORY_EXTENSIONS, DIRECTORY_NAMES
    from .config import relative_posix
    from .core.walk import walk_dirs

    errors: list[OSError] = []
    for dirpath, dirnames, filenames in walk_dirs(top, onerror=errors.append):
        yield from (_walk_error(e) for e in errors)
        errors.clear()
        current = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames
                             if not exclude_globs.matches(relative_posix(current / d, root) + "/")
                             and not (ignore_files and ignore_files.ignored(current / d, is_dir=True)))
        for name in sorted(filenames):
            lowered = name.lower()
            if not lowered.endswith(DIRECTORY_EXTENSIONS) and lowered not in DIRECTORY_NAMES and not settings.walked(name):
                continue
            file = current / name
            if exclude_globs.matches(relative_posix(file, root)):
                continue
            if ignore_files and ignore_files.ignored(file, is_dir=False):
                continue
            yield file
    yield from (_walk_error(e) for e in errors)  # the last directory listed, or the top itself


def _walk_error(exc: OSError) -> str:
    """A directory that cannot be listed is an error (exit 2), never a silent skip."""
    return f"{exc.filename}: cannot read directory: {exc.strerror or exc}"


#: the formats in which --statistics prints the counts instead of the findings
STATISTICS_FORMATS = ("full", "concise", "json", "json-lines")


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
    if output_format == "json-lines":
        import json

        for c, n in rows:
            out.write(json.dumps({"code": c, "name": cat.get(c).name, "count": n}) + "\n")
        return
    width = max((len(str(n)) for _, n in rows), default=1)
    for code, n in rows:
        rule = cat.get(code)
        out.write(f"{n:>{width}}\t{code}\t[{rule.name}] {rule.summary}\n")


#: ``pgpool-lint logs --format`` (the same tuple as ``logs.INPUT_FORMATS``, kept here so that
#: the CLI does not import the logs package to build its options)
LOG_INPUT_FORMATS = ("auto", "stderr", "csvlog", "jsonlog", "pg-stat-statements")


@main.command("logs")
@click.argument("paths", nargs=-1, type=_ANY_PATH)  # missing or unreadable: an error each
@click.option("--dsn", default=None, envvar="PGPOOL_LINT_DSN",
              help="Also read the live pg_stat_statements view over this connection (read-only; needs psycopg).")
@click.option("--format", "input_format", type=click.Choice(LOG_INPUT_FORMATS),
              default="auto", show_default=True, help="What the files are (auto: guess from their first lines).")
@click.option("--log-line-prefix", default=None, metavar="PREFIX",
              help="The server's log_line_prefix, for stderr logs (default: guess among common ones).")
@_report_options
@click.option("--progress/--no-progress", default=True, help="Show a progress bar (only ever on a terminal).")
@_pooler_options
def logs_command(paths: tuple[str, ...], dsn: Optional[str], input_format: str, log_line_prefix: Optional[str],
                 output_format: Optional[str], output_file: Optional[Path], select: tuple[str, ...],
                 extend_select: tuple[str, ...], ignore: tuple[str, ...], config_path: Optional[Path], isolated: bool,
                 exit_zero: bool, statistics: bool, quiet: bool, progress: bool,
                 **profile_options: Optional[str]) -> None:
    """Check what the application sent: PostgreSQL logs (stderr, csvlog, jsonlog; '-' is stdin),
    pg_stat_statements exports (CSV/JSON) and, with --dsn, the live view.

    Findings are grouped by normalized statement, with how often, when and by whom it ran.
    """
    from .lint.linter import Linter
    from .logs import InputError
    from .logs.run import lint_logs

    if not paths and dsn is None:
        raise _fail("give log files ('-' for stdin) or --dsn to read pg_stat_statements")
    cfg, cat, settings = _settings(config_path, isolated, select, extend_select, ignore, None, False, profile_options)
    output_format = output_format or cfg.values.get("output-format", "full")

    def say(prefix: str) -> "Callable[[str], None]":
        return lambda message: click.echo(terminal_safe(f"pgpool-lint: {prefix}: {message}"), err=True)

    try:
        result = lint_logs(paths, Linter(settings), input_format, log_line_prefix, dsn, progress,
                           warn=say("warning"), error=say("error"))
    except InputError as exc:  # a --log-line-prefix PostgreSQL would not accept
        raise _fail(str(exc))
    _report(result.diagnostics, output_format, output_file, quiet, statistics, result.sources_read, cat,
            settings.profile, result.errors, exit_zero)


@main.command("rule")
@click.argument("selector")
@click.option("--output-format", type=click.Choice(("text", "json")), default="text")
def rule_command(selector: str, output_format: str) -> None:
    """Explain one rule (by code or name)."""
    from .core import catalogue as catalogue_mod
    from .report.rules import rule_json, rule_markdown

    cat = catalogue_mod.load()
    try:
        rule = cat.get(selector)
    except catalogue_mod.UnknownRule:
        raise _fail(f"unknown rule `{selector}`{cat.did_you_mean(selector)} (see `pgpool-lint rules`)")
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
    from .core import catalogue as catalogue_mod
    from .report.rules import rule_json

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


@main.command("server")
@click.option("--stdio", is_flag=True, hidden=True, help="Talk over stdin/stdout (the only transport; accepted for editors).")
def server_command(stdio: bool) -> None:
    """Run the language server (LSP over stdin/stdout) for editors."""
    try:
        from .lsp import serve
    except ImportError as exc:
        raise _fail(f"the language server needs pygls 2: pip install 'pgpool-lint[lsp]' ({exc})")
    serve()


@main.command("version")
def version_command() -> None:
    """Print the version."""
    click.echo(f"pgpool-lint {_version()}")


gc.freeze()  # the pause at the top of this module ends with it (as ``core.collector.paused_then_frozen``)
if _COLLECTING:
    gc.enable()

if __name__ == "__main__":  # pragma: no cover
    run()
