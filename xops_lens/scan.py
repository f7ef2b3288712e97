"""The scan: discover CI files, parse them with format plugins, classify every step."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xops_lens.budget import Budget
from xops_lens.claims import claim_by_content, claimer, configured, unclaimed
from xops_lens.config import UserSettings
from xops_lens.cost import estimate
from xops_lens.discover import discover, read_text
from xops_lens.errors import ConfigError, Declined, ParseError, XopsLensError, visible
from xops_lens.ignore import Ignores, marked_text
from xops_lens.model import (
    MAX_STEPS_PER_FILE,
    SUBSYSTEM_OF_KIND,
    Classification,
    Job,
    Source,
    Step,
    number_steps,
)
from xops_lens.parallel import Parsed, parse_ahead
from xops_lens.plugins import Registry, get_registry
from xops_lens.redact import redact, redact_pipeline
from xops_lens.propose import propose_suggestions
from xops_lens.result import FileReport, GateResult, ScanResult, StepResult
from xops_lens.reword import reword_suggestions
from xops_lens.sdk import Backend, BackendContext, Format, MeteredBackend, RememberingBackend

if TYPE_CHECKING:
    from xops_lens.runhistory.fetch import History

DEFAULT_BACKEND = "rules"


def gate_label(job: Job) -> Classification | None:
    """The rubric's job-level human gate, if the job has one."""
    if job.manual:
        return Classification("action", "approve", 0.95, "format",
                              "the job waits for a person to start or approve it")
    if job.environment:
        return Classification(
            "action", "approve", 0.5, "format",
            f"deploys to environment {job.environment!r}; its protection rules (kept "
            "outside the file) may require an approval",
        )
    return None


def _entry(path: str, formats: list[Format], read_by: dict[str, Format]) -> bool:
    # The format that read the file: a claim by content or by formats.<name>.paths is
    # not among the formats' own conventions.
    fmt = read_by.get(path) or _claim(path, formats)
    return fmt is None or fmt.entry(path)


def _next_claimer(root: Path, path: str, declined: Format, formats: list[Format],
                  tree: Sequence[str], texts: dict[str, str]) -> FileReport | None:
    """A format that claims a file and then declines it (its content is another CI's)
    hands it on to the formats registered after it that claim it too, in order."""
    later = formats[formats.index(declined) + 1:] if declined in formats else []
    for fmt in later:
        if fmt.claims(path):
            report = _parse_one(root, path, fmt, tree, texts)
            if report is not None:
                return report
    return None


def _check_hints(report: FileReport, registry: Registry) -> FileReport:
    """A step's ``kind_hint`` must be a kind of the taxonomy: a misspelt one would be
    ignored without a word, so the file is reported as failed, naming the plugin."""
    if report.pipeline is None:
        return report
    bad = next((s for s in report.pipeline.steps
                if s.kind_hint is not None and s.kind_hint not in SUBSYSTEM_OF_KIND), None)
    if bad is None:
        return report
    import difflib

    owner = registry.owners.get(("formats", report.format), "?")
    close = difflib.get_close_matches(str(bad.kind_hint), list(SUBSYSTEM_OF_KIND), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return FileReport(report.path, report.format, error=visible(
        f"{report.path}:{bad.line}: format {report.format!r} of plugin {owner} gave the step "
        f"a kind_hint {bad.kind_hint!r} that is not a kind{hint}; file skipped"))


def _claim(path: str, formats: list[Format]) -> Format | None:
    for fmt in formats:
        if fmt.claims(path):
            return fmt
    return None


def _parse_recorded(root: Path, path: str, fmt: Format, tree: Sequence[str]) -> Parsed:
    read: dict[str, str] = {}
    report = _parse_one(root, path, fmt, tree, read)
    return report, list(read.items())


def _redacted_after(prefix: str, text: str) -> str:
    """``text`` with what follows ``prefix`` (a file name and line) redacted."""
    if text.startswith(prefix):
        return prefix + redact(text[len(prefix):])
    return redact(text)


def _parse_one(root: Path, path: str, fmt: Format, tree: Sequence[str],
               texts: dict[str, str]) -> FileReport | None:
    """``texts`` collects what the ignores need of every file read (marked_text), so
    that they do not read the files again."""

    def read_local(rel: str) -> str:
        text = read_text(root, rel, referrer=path)
        texts[rel] = marked_text(text)
        return text

    try:
        text = read_text(root, path)
        texts[path] = marked_text(text)
        pipeline = fmt.parse(Source(root=str(root), path=path, text=text, read_local=read_local,
                                    local_paths=lambda: tree))
    except Declined:
        return None
    # An error may quote the file (a token in the line it could not read): its message is
    # redacted like the steps, since it reaches the same reports; the path before it stays.
    except ParseError as exc:
        where = f"{exc.path}:{exc.line}: " if exc.line else f"{exc.path}: "
        return FileReport(path, fmt.name, error=_redacted_after(visible(where), exc.one_line()))
    except XopsLensError as exc:
        return FileReport(path, fmt.name, error=_redacted_after(
            visible(f"{path}: "), visible(f"{path}: {exc}")))
    except Exception as exc:  # a format plugin's bug must not lose the other files
        return FileReport(path, fmt.name, error=_redacted_after(visible(f"{path}: "), visible(
            f"{path}: format {fmt.name!r} failed: {type(exc).__name__}: {exc}")))
    count = len(pipeline.steps)
    if count > MAX_STEPS_PER_FILE:  # whatever a plugin expands, later stages stay bounded
        return FileReport(path, fmt.name, error=visible(f"{path}: {count:,} steps, more than "
                                                        f"{MAX_STEPS_PER_FILE:,}; file skipped"))
    # The one place every pipeline enters the scan (serial or in a worker): from here on
    # the ignores, the backends, the cost model, PR mode and every reporter see redacted
    # text only, so no secret reaches an output, whichever output it is (issue 13).
    return FileReport(path, fmt.name, pipeline=redact_pipeline(pipeline))


def _configured(name: str, registry: Registry, root: Path, config: UserSettings,
                options: Mapping[str, Any], warn: Callable[[str], None]) -> Backend:
    """The backend for this scan: ``configure(context)``'s result when it has one."""
    chosen = registry.backends[name]
    configure = getattr(chosen, "configure", None)
    if not callable(configure):
        return chosen
    context = BackendContext(root=root, config=config, options=dict(options),
                             backends=dict(registry.backends), warn=warn)
    return configure(context)  # type: ignore[no-any-return]


def _classify(chosen: Backend, steps: list[Step], registry: Registry,
              warn: Callable[[str], None]) -> list[Classification]:
    """Labels from ``chosen``; a backend that fails or miscounts costs its labels, never
    the steps: the rule backend answers instead."""
    fallback = registry.backends.get(DEFAULT_BACKEND)
    if fallback is None or chosen is fallback:
        return chosen.classify(steps)
    try:
        labels = list(chosen.classify(steps))
        if len(labels) == len(steps):
            return labels
        problem = f"returned {len(labels)} labels for {len(steps)} steps"
    except XopsLensError as exc:
        problem = str(exc)
    except Exception as exc:  # a plugin's bug must not lose the scan
        problem = f"{type(exc).__name__}: {exc}"
    warn(f"backend {chosen.name!r} failed ({problem}); every step has its rule label")
    return fallback.classify(steps)


def scan(root: Path, *, backend: str = DEFAULT_BACKEND, registry: Registry | None = None,
         config: UserSettings | None = None,
         backend_options: Mapping[str, Any] | None = None, workers: int | None = None,
         parallel_min_files: int | None = None, history: History | None = None) -> ScanResult:
    """Scan ``root``. ``backend_options`` are the backend settings given on the command
    line (see :class:`xops_lens.sdk.BackendContext`). ``workers`` (default: one per spare
    core, or $XOPS_LENS_WORKERS; 0: serial) and ``parallel_min_files`` (default
    PARALLEL_MIN_FILES, or $XOPS_LENS_PARALLEL_MIN_FILES) decide whether a large tree is
    parsed in forked workers; the result is the same either way. ``history``: the CI
    run history (``scan --runs``), whose measurements replace the cost assumptions."""
    registry = registry or get_registry()
    config = config or UserSettings()
    if backend not in registry.backends:
        known = ", ".join(sorted(registry.backends))
        raise ConfigError(f"unknown backend {backend!r} (available: {known})")
    if not root.is_dir():
        raise ConfigError(f"{root}: not a directory")
    backend_messages: list[str] = []
    # Configured before any file is read so that impossible settings stop the scan early.
    chosen = _configured(backend, registry, root, config, backend_options or {},
                         backend_messages.append)
    result = ScanResult(root=str(root), backend=backend, config=config)
    result.messages.extend(registry.warnings)
    # Registration order decides a contested file: entry-point plugins (by name) before
    # the built-ins, so a plugin can take over a file that a built-in would read.
    formats = list(registry.formats.values())

    found = discover(root)
    tree = found.paths
    # The user's formats.<name>.paths first, then each format's conventions.
    claim = claimer(formats, configured(config.get("formats"), formats,
                                        result.messages.append))
    by_path = {path: fmt for path in tree if (fmt := claim(path))}
    texts: dict[str, str] = {}
    ignores = Ignores(root, config, texts)
    # Then what the formats that know their files by content say of the rest; a file
    # ignore.paths leaves out is not even read for that.
    by_path.update(claim_by_content(
        root, [path for path in tree if path not in by_path], formats,
        lambda path: ignores.path_rule(path) is not None, result.messages.append, tree))
    claimed = [(path, by_path[path]) for path in tree if path in by_path]
    # Entry files first, so a fragment that an entry includes is not analysed twice.
    claimed.sort(key=lambda pair: not pair[1].entry(pair[0]))
    included_by: dict[str, tuple[str, str]] = {}
    reports: dict[str, FileReport] = {}
    for raw in found.skipped:  # names that are not UTF-8: no report could carry them
        skipped_fmt = claim(raw)
        if skipped_fmt is not None:
            shown = raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            reports[shown] = FileReport(shown, skipped_fmt.name, error=visible(
                f"{shown}: the file name is not UTF-8 text; not read"))
    # Entry files are always parsed and come first, and parsing one does not depend on
    # another's result, so they may be parsed ahead in workers; the loop below then
    # takes their results in its own order. Fragments stay serial: whether one is parsed
    # depends on the entries that include it.
    ahead: dict[str, Parsed] = {}
    budget = Budget()
    if isinstance(chosen, RememberingBackend):
        entries = [(path, fmt) for path, fmt in claimed if fmt.entry(path)]
        ahead = parse_ahead(root, entries, tree, chosen, _parse_recorded, workers=workers,
                            min_files=parallel_min_files)
    for path, fmt in claimed:
        if path in included_by and not fmt.entry(path):
            continue
        if budget.spent:  # not even read: the budget bounds the work, not just the report
            reports[path] = budget.skipped(path, fmt.name)
            continue
        done = ahead.pop(path, None)
        if done is not None:
            report, read = done
            texts.update(read)  # the same keys in the same order as reading them here
        else:
            report = _parse_one(root, path, fmt, tree, texts)
        if report is None:  # declined: the next format that claims the file may read it
            report = _next_claimer(root, path, fmt, formats, tree, texts)
        if report is None:
            continue
        report = _check_hints(report, registry)
        report = reports[path] = budget.charge(report)
        if report.pipeline is not None:
            for include in report.pipeline.includes:
                included_by.setdefault(include, (path, report.format))
    for include, (includer, format_name) in included_by.items():
        existing = reports.get(include)
        # A fragment parsed alone before the fragment that includes it was reached:
        # keep the including view so its steps are not reported twice.
        if existing is None or (existing.error is None and include != includer
                                and not _entry(include, formats, by_path)):
            reports[include] = FileReport(include, format_name, included_by=includer)
    result.files = [reports[p] for p in sorted(reports)]
    number_steps(f.pipeline for f in result.files if f.pipeline)
    # Files that look like CI configuration but that no format read, with the setting
    # that includes them (a scan that finds nothing says why).
    read = set(reports) | {path for path, _ in claimed}
    result.unclaimed = unclaimed(tree, read)

    steps = [s for f in result.files if f.pipeline for s in f.pipeline.steps]
    # Path rules and bare inline ignores act before any backend (an LLM) sees the steps.
    steps = ignores.drop_unlabelled(result, steps)
    labels = _classify(chosen, steps, registry, backend_messages.append)
    result.messages.extend(backend_messages)
    result.backend_usage = chosen.usage if isinstance(chosen, MeteredBackend) else None
    result.steps = [StepResult(step, label) for step, label in zip(steps, labels, strict=True)]
    for report in result.files:
        for job in report.pipeline.jobs if report.pipeline else ():
            label = gate_label(job)
            if label is not None:
                result.gates.append(GateResult(job, label))
    ignores.apply(result)  # kind rules need the labels
    measurements = None
    if history is not None:
        from xops_lens.runhistory.measure import measure

        measurements = measure(history, [f.pipeline for f in result.files if f.pipeline])
        result.messages.extend(measurements.notes)
    result.cost = estimate(result, root, measurements=measurements)
    # The backend's own warnings about the wording go where its labelling ones went.
    seen = len(backend_messages)
    result.cost.suggestions = reword_suggestions(chosen, result.cost.suggestions,
                                                 [s.step for s in result.steps],
                                                 backend_messages.append)
    # Then the model's own proposals for the lines the catalogue left, after its.
    result.cost.suggestions += propose_suggestions(
        chosen, result.cost, [f.pipeline for f in result.files if f.pipeline],
        [s.step for s in result.steps], backend_messages.append)
    result.messages.extend(backend_messages[seen:])
    # Warnings may quote the scanned files or the repository's configuration.
    result.messages = [redact(message) for message in result.messages]
    return result
