"""The command line. Heavy imports (rich, GitPython, plugins) happen inside commands so
that ``xops-lens --version`` and ``--help`` start fast."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

import click

from xops_lens import __version__
from xops_lens.github.comment import comment as comment_command
from xops_lens.llm.cli_options import backend_options, print_estimate
from xops_lens.precommit import pre_commit as pre_commit_command

EXIT_OK = 0
EXIT_FILES_FAILED = 1
EXIT_POLICY = 3


EXIT_CODES_HELP = """\b
Exit codes:
  0  done; nothing the --fail-on policy fails on
  1  some CI files could not be read (the rest is reported)
  2  usage error (bad option, path, format, setting or --base)
  3  --fail-on matched: a human gate or a suggestion (listed on stderr)
  4  comment: the token may not write (HTTP 403)"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, "-V", "--version", prog_name="xops-lens")
def cli() -> None:
    """See which CI/CD steps gather information, model or act, what they cost per run,
    and which marginal costs a model could turn into fixed ones."""


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("path", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "-f", "output_format", default="terminal", show_default=True,
              help="Output format: terminal, json, markdown, sarif, html (or one a plugin adds).")
@click.option("--backend", "-b", default="rules", show_default=True,
              help="Classification backend (rules works offline).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--quiet", "-q", is_flag=True, help="Terminal format: only the summary.")
@click.option("--color/--no-color", default=None,
              help="Colour the terminal report, or not (default: only on a terminal; the "
                   "NO_COLOR and FORCE_COLOR variables are honoured).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A TOML settings file (read after the repository's own).")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE",
              help="Override one setting, e.g. --set cost.human_rate=90 (repeatable).")
@click.option("--base", metavar="REF",
              help="PR mode: report only the steps the diff from REF (its merge base with "
                   "HEAD) to the work tree added or changed, with before/after shares.")
@click.option("--fail-on", default="error", show_default=True, metavar="POLICY",
              help="never, or a comma list of error, gate, suggestion: exit 3 when a "
                   "reported step is a human gate / has a suggestion (1: unreadable files).")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=PATH",
              help="Also write the same scan in FORMAT to PATH, e.g. --report sarif=out.sarif "
                   "(repeatable; one scan, so an LLM backend is asked once).")
@click.option("--whole-report", "whole_reports", multiple=True, metavar="FORMAT=PATH",
              help="Like --report, but in PR mode the whole analysis rather than only what "
                   "the diff changed: code scanning compares whole analyses, so upload "
                   "--whole-report sarif=PATH (the same scan; repeatable).")
@click.option("--category", metavar="NAME",
              help="SARIF: automationDetails.id, code scanning's category for this analysis "
                   "(left out by default, so the upload action's category input applies).")
@click.option("--runs", type=click.Choice(["github", "gitlab"]),
              help="Measure costs from the CI provider's run history of the last "
                   "cost.runs.days days (token: GITHUB_TOKEN/GH_TOKEN or GITLAB_TOKEN/"
                   "CI_JOB_TOKEN); with --estimate, only count the requests.")
@click.option("--repo", metavar="OWNER/NAME",
              help="--runs: the repository or GROUP/PROJECT (default: GITHUB_REPOSITORY or "
                   "CI_PROJECT_PATH, else the origin remote).")
@backend_options
def scan(path: Path, output_format: str, backend: str, output: Path | None, quiet: bool,
         color: bool | None, config_file: Path | None, assignments: tuple[str, ...],
         backend_options: dict[str, Any], base: str | None, fail_on: str,
         reports: tuple[str, ...], whole_reports: tuple[str, ...], category: str | None,
         runs: str | None, repo: str | None) -> None:
    """Scan the CI/CD configuration under PATH (default: the current directory)."""
    run_scan_command(path, output_format, backend, output, quiet, config_file, assignments,
                     backend_options, base, fail_on, reports, whole_reports, runs, repo,
                     color=color, category=category)


def run_scan_command(path: Path, output_format: str, backend: str, output: Path | None,
                     quiet: bool, config_file: Path | None, assignments: tuple[str, ...],
                     backend_options: dict[str, Any], base: str | None, fail_on: str,
                     reports: tuple[str, ...], whole_reports: tuple[str, ...],
                     runs: str | None, repo: str | None,
                     touched: tuple[str, ...] | None = None, color: bool | None = None,
                     category: str | None = None) -> None:
    """The scan command's work; ``touched`` (the pre-commit hook's file names) ends it
    quietly with 0 when none of those files is CI configuration the scan read."""
    from xops_lens.config import load_config, unknown_top_level
    from xops_lens.errors import XopsLensError, visible
    from xops_lens.plugins import get_registry
    from xops_lens.policy import exit_code, parse_fail_on
    from xops_lens.scan import scan as run_scan
    from xops_lens.sdk import ReportOptions

    try:
        policy = parse_fail_on(fail_on)
    except XopsLensError as exc:
        raise click.UsageError(str(exc)) from None
    registry = get_registry()
    extra_reports = [_report_target(spec, registry.reporters) for spec in reports]
    whole = [_report_target(spec, registry.reporters, "--whole-report") for spec in whole_reports]
    reporter = registry.reporters.get(output_format)
    if reporter is None:
        known = ", ".join(sorted(registry.reporters))
        raise click.UsageError(f"unknown format {output_format!r} (available: {known})")
    if not path.exists():
        raise click.UsageError(f"{path}: no such directory")
    try:
        config = load_config(path, config_file, assignments)
        config.messages.extend(unknown_top_level(config, {"cost", "ignore", *registry.backends}))
        _withhold_policy_settings(config, policy, backend_options)
        for message in config.messages:
            click.echo(f"warning: {visible(message)}", err=True)
        history = None
        if runs is not None:
            from xops_lens.runhistory.cli import load_history

            history = load_history(
                runs, repo, str(path), config, estimate_only=bool(backend_options.get("estimate")),
                warn=lambda text: click.echo(f"warning: {visible(text)}", err=True),
                say=lambda text: click.echo(f"estimate: {visible(text)}", err=True),
                trusted=bool(backend_options.get("trust_repo_config")))
        result = run_scan(path, backend=backend, registry=registry, config=config,
                          backend_options=backend_options, history=history)
        if touched is not None:
            from xops_lens.precommit import touches_ci

            if not touches_ci(result, touched, registry):
                sys.exit(EXIT_OK)
        if not backend_options.get("estimate"):
            # Written before PR mode cuts the result down to the diff.
            for extra, target in whole:
                _write_report(extra, result, target,
                              ReportOptions(quiet=quiet, color=color, category=category))
        if base is not None and not backend_options.get("estimate"):
            from xops_lens.prmode import apply_base

            apply_base(path, result, base, backend=backend, registry=registry, config=config,
                       backend_options=backend_options)
    except XopsLensError as exc:
        raise click.UsageError(str(exc)) from None
    for message in result.messages:  # may quote the scanned files: one line each
        click.echo(f"warning: {visible(message)}", err=True)
    if backend_options.get("estimate"):
        print_estimate(result.backend_usage, backend, len(result.steps), output_format,
                       sys.stdout)
        sys.exit(EXIT_OK)
    for failed in result.failed_files:
        click.echo(f"error: {visible(failed.error or failed.path)}", err=True)
    options = ReportOptions(quiet=quiet, color=color, category=category)
    if output is not None:
        _write_report(reporter, result, output, options)
    else:
        reporter.render(result, sys.stdout, options)
    for extra, target in extra_reports:
        _write_report(extra, result, target, options)
    code = exit_code(result, policy)
    if code == EXIT_POLICY:
        from xops_lens.policy import explain

        click.echo(f"xops-lens: --fail-on {fail_on} matched (exit 3):", err=True)
        for line in explain(result, policy):
            click.echo(f"  {visible(line)}", err=True)
    sys.exit(code)


def _write_report(reporter: Any, result: Any, target: Path, options: Any) -> None:
    """Write one report file, creating its folder; a path that cannot be written is a
    one-line usage error (exit 2), never a traceback."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8") as stream:
            reporter.render(result, stream, options)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise click.UsageError(f"cannot write the report {target}: {reason}") from None


def _withhold_policy_settings(config: Any, policy: frozenset[str],
                              backend_options: dict[str, Any]) -> None:
    """Under a --fail-on policy, the scanned repository's [ignore] and [cost] could turn
    the runner's verdict from 3 into 0 (ignore the gate, price the suggestion away): the
    policy is the runner's, so they are not used unless --trust-repo-config."""
    from xops_lens.config import withhold_repo_settings

    if not policy & {"gate", "suggestion"} or backend_options.get("trust_repo_config"):
        return
    dropped = withhold_repo_settings(config, ("ignore", "cost"))
    if dropped:
        config.messages.append(
            f"the scanned repository's settings {', '.join(dropped)} are not used under "
            "--fail-on (a repository may not weaken the policy of whoever runs the scan; "
            "--trust-repo-config uses them)")


def _report_target(spec: str, reporters: dict[str, Any],
                   option: str = "--report") -> tuple[Any, Path]:
    name, sep, target = spec.partition("=")
    if not sep or not target:
        raise click.UsageError(f"{option} {spec!r}: expected FORMAT=PATH")
    if name not in reporters:
        known = ", ".join(sorted(reporters))
        raise click.UsageError(f"{option}: unknown format {name!r} (available: {known})")
    return reporters[name], Path(target)


@cli.command()
def formats() -> None:
    """List the CI formats the loaded plugins can read, with the files each claims."""
    from xops_lens.plugins import get_registry
    from xops_lens.sdk import ContentClaimingFormat

    registry = get_registry()
    for name in sorted(registry.formats):
        fmt = registry.formats[name]
        globs = ", ".join(fmt.globs)
        if isinstance(fmt, ContentClaimingFormat):
            said = getattr(fmt, "content_claims", None)
            globs += ", and " + (said if isinstance(said, str) and said.strip() else
                                 "YAML files of other names shaped like its configuration")
        click.echo(f"{name:<20} {globs}")


@cli.command()
def plugins() -> None:
    """List loaded plugins, their version, and what each registers."""
    from xops_lens.plugins import get_registry

    registry = get_registry()
    by_owner: dict[str, list[str]] = {}
    for (category, name), owner in sorted(registry.owners.items()):
        by_owner.setdefault(owner, []).append(f"{category[:-1]} {name}")
    for owner in sorted(by_owner):
        click.echo(f"{owner}: {', '.join(by_owner[owner])}")
    for warning in registry.warnings:
        click.echo(f"warning: {warning}", err=True)


@cli.command()
def backends() -> None:
    """List the classification backends, each with a one-line description."""
    from xops_lens.plugins import get_registry
    from xops_lens.sdk import DescribedBackend

    registry = get_registry()
    for name in sorted(registry.backends):
        backend = registry.backends[name]
        doc = (type(backend).__doc__ or "").strip().splitlines()
        described = backend.description if isinstance(backend, DescribedBackend) else None
        about = described or (doc[0] if doc else "")
        click.echo(f"{name:<12} {about}".rstrip())


cli.add_command(comment_command)
cli.add_command(pre_commit_command)


# A scan builds hundreds of thousands of long-lived objects and no cyclic garbage to
# speak of, yet the default thresholds (700, 10, 10) run the collector over them again
# and again: 3 to 7% of a large scan. Collections still happen, less often.
GC_THRESHOLDS = (50_000, 20, 20)


def main() -> None:
    """The console script: the click group, then a prompt exit. Never returns: code
    that runs something after a command (tests measuring a scan) calls ``cli``."""
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        cli(prog_name="xops-lens")
    except BrokenPipeError:
        # The reader went away (xops-lens scan | head): what it read was what it wanted.
        # Point stdout at /dev/null so the interpreter's own final flush stays quiet.
        _quiet_stdout()
        os._exit(EXIT_OK)
    except SystemExit as done:
        if not isinstance(done.code, int | None):
            raise  # a message to print: the interpreter's own exit does that
        # Tearing down the interpreter frees every object of the report one by one for
        # nothing (docs/benchmarks.md): flush what was written and leave. Files the
        # command opened are closed by then; workers were joined; temporary folders
        # were removed in their finally blocks.
        code = done.code or 0
        from click.utils import PacifyFlushWrapper

        if isinstance(sys.stdout, PacifyFlushWrapper):
            # click's sign that stdout's reader went away (EPIPE): | head read what it
            # wanted, which is not a failure; click itself would say 1.
            code = EXIT_OK
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (xops-lens ... | head): quiet
                pass
        os._exit(code)


def _quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
