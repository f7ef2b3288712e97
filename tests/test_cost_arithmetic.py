"""The cost arithmetic, against figures computed by hand."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from xops_lens.config import UserSettings, load_config
from xops_lens.cost import estimate
from xops_lens.cost.catalogue import CATEGORIES, Entry, builtin
from xops_lens.cost.report import CostLine
from xops_lens.cost.settings import Settings
from xops_lens.cost.suggest import matches, numbers, suggest
from xops_lens.errors import ConfigError
from xops_lens.model import (
    AppliesTo,
    Classification,
    Job,
    Pipeline,
    Step,
    SuggestionWording,
    Trigger,
)
from xops_lens.result import FileReport, GateResult, ScanResult, StepResult

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
MONTH_OF_DAILY = 365 / 12  # a daily cron fires 365 times in the reference year


def line(category: str = "triage", kind: str = "test", uses: float = 10.0, human: float = 15.0,
         compute: float = 0.0, price: float = 0.008, rate: float = 100.0, matrix: int = 1,
         use: str = "failed run") -> CostLine:
    return CostLine(category, AppliesTo("ci.yml", 3, "test", "pytest"), "model", kind, 0.9, use,
                    uses, human, compute, price, rate, "f", matrix)


def entry(**changes: object) -> Entry:
    base = dict(id="x", title="X", description="", categories=("triage",), kinds=(),
                min_matrix=1, share=0.6, one_time_hours=8.0, one_time_extra=0.0,
                model_per_use=0.05, confidence=0.6)
    base.update(changes)
    return Entry(**base)  # type: ignore[arg-type]


def test_cost_line_monthly_is_uses_times_people_plus_runner() -> None:
    # 2.88 re-runs × (5 min × 100/60 + 12.5 min × 0.008) = 2.88 × 8.43333 = 24.288
    rerun = line("rerun", uses=2.88, human=5.0, compute=12.5)
    assert rerun.human_monthly == pytest.approx(24.0)
    assert rerun.compute_monthly == pytest.approx(0.288)
    assert rerun.monthly == pytest.approx(24.288)
    assert rerun.human_hours_monthly == pytest.approx(0.24)


def test_saving_of_a_human_cost() -> None:
    # marginal: 10 failures × 15 min × 100/h = 250; hours saved 0.6 × 2.5 h = 1.5;
    # saving = 100 × 1.5 − 0.05 × 10 = 149.5; one-time 8 h × 100 = 800; 800 / 149.5.
    n = numbers(entry(), [line()], human_rate=100.0, currency="USD")
    assert n.marginal_monthly == pytest.approx(250.0)
    assert n.human_hours_saved_monthly == pytest.approx(1.5)
    assert n.model_monthly == pytest.approx(0.5)
    assert n.monthly_saving == pytest.approx(149.5)
    assert n.one_time == pytest.approx(800.0)
    assert n.break_even_months == pytest.approx(800 / 149.5)
    assert n.arithmetic.startswith("(100 USD/h × 0.15 h − 0.05 USD model) × 10 failed runs/month"
                                   " = 149.50 USD/month")
    assert "break-even 800.00 USD / 149.50 USD = 5.4 months" in n.arithmetic


def test_saving_of_a_compute_cost_over_two_lines() -> None:
    # 100 runs × 72 min × 0.008 = 57.6 and 50 runs × 36 min × 0.008 = 14.4: marginal 72;
    # half of it saved = 36 per month; one-time 24 h × 100 + 500 extra = 2,900.
    lines = [line("compute", uses=100, human=0, compute=72, use="run"),
             line("compute", uses=50, human=0, compute=36, use="run")]
    e = entry(categories=("compute",), share=0.5, one_time_hours=24.0, one_time_extra=500.0,
              model_per_use=0.0)
    n = numbers(e, lines, human_rate=100.0, currency="EUR")
    assert n.marginal_monthly == pytest.approx(72.0)
    assert n.compute_saved_monthly == pytest.approx(36.0)
    assert n.monthly_saving == pytest.approx(36.0)
    assert n.one_time == pytest.approx(2900.0)
    assert n.break_even_months == pytest.approx(2900 / 36)
    assert n.uses_per_month == 150 and n.use == "run"
    assert "(0.24 EUR compute − 0 EUR model) × 150 runs/month" in n.arithmetic
    assert "+ 500.00 EUR = 2,900.00 EUR" in n.arithmetic


def test_a_model_dearer_than_the_work_never_breaks_even() -> None:
    # 1 min of a person saved is 1.67; a model at 5 per use loses money.
    n = numbers(entry(share=1.0, model_per_use=5.0), [line(uses=4, human=1)],
                human_rate=100.0, currency="USD")
    assert n.monthly_saving == pytest.approx(4 * (100 / 60 - 5))
    assert n.break_even_months is None
    assert n.arithmetic.endswith("break-even never (the saving is not positive)")


def test_nothing_to_build_breaks_even_at_once() -> None:
    n = numbers(entry(one_time_hours=0.0), [line()], human_rate=100.0, currency="USD")
    assert n.break_even_months == 0.0


def test_matching_by_category_kind_and_matrix_width() -> None:
    e = entry(categories=("compute",), kinds=("test",), min_matrix=4)
    narrow = line("compute", matrix=2)
    wide = line("compute", matrix=9)
    lint = line("compute", kind="lint", matrix=9)
    idle = line("compute", matrix=9, uses=0)
    assert matches(e, [narrow, wide, lint, idle]) == [wide]


def test_catalogue_entries_are_well_formed() -> None:
    # What claims a line is tested in test_catalogue.py: first entry that matches.
    for e in builtin():
        assert set(e.categories) <= set(CATEGORIES)
        assert 0 < e.share <= 1 and 0 <= e.confidence <= 1 and e.title and e.description


def test_overrides_and_switching_an_entry_off() -> None:
    lines = [line()]
    config = load_config(None, assignments=[
        "cost.suggestions.llm-failure-triage.one_time_hours=2",
        "cost.suggestions.llm-failure-triage.share=0.5",
    ])
    settings = Settings(config)
    (s,) = suggest(lines, settings, human_rate=100.0, currency="USD")
    assert s.id == "llm-failure-triage"
    assert s.numbers.one_time == pytest.approx(200.0)
    assert s.numbers.monthly_saving == pytest.approx(100 * 0.5 * 2.5 - 0.05 * 10)
    used = {a.key: a.source for a in settings.used}
    assert used["cost.suggestions.llm-failure-triage.one_time_hours"] == "--set"
    assert used["cost.suggestions.llm-failure-triage.model_per_use"] == "default"
    off = Settings(load_config(None, assignments=[
        "cost.suggestions.llm-failure-triage.enabled=false"]))
    assert suggest(lines, off, human_rate=100.0, currency="USD") == []


@pytest.mark.parametrize(("assignment", "message"), [
    ("cost.human_rate=lots", "cost.human_rate: expected a number, got 'lots' (from --set)"),
    ("cost.failure_rate.test=1.5", "cost.failure_rate.test: must be between 0 and 1"),
    ("cost.human_rate=-3", "cost.human_rate: must be at least 0"),
    ("cost.environment_approval=1", "cost.environment_approval: expected true or false"),
])
def test_bad_settings_are_named(assignment: str, message: str, tmp_path: Path) -> None:
    result = _scan_result(load_config(None, assignments=[assignment]))
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        estimate(result, tmp_path, now=NOW)


# -- a whole estimate, built by hand so the labels are fixed ------------------------------

def _label(subsystem: str, kind: str) -> Classification:
    return Classification(subsystem, kind, 0.9, "test", "fixed for the test")


def _scan_result(config: UserSettings) -> ScanResult:
    """A push + daily cron + dispatch workflow: a 4-wide test job and a gated deploy."""
    path = ".github/workflows/ci.yml"
    test_step = Step(path, 12, "test", "pytest", "pytest")
    deploy_step = Step(path, 18, "deploy", "deploy", "./deploy.sh")
    test = Job("test", "test", path, 8, (test_step,), matrix_size=4, runner="ubuntu-latest")
    deploy = Job("deploy", "deploy", path, 15, (deploy_step,), runner="macos-14",
                 environment="production")
    pipeline = Pipeline(path, "github-actions", (test, deploy), (
        Trigger("push", 2), Trigger("schedule", 4, "0 6 * * *"), Trigger("workflow_dispatch", 5)))
    result = ScanResult(root=".", backend="test", config=config)
    result.files = [FileReport(path, "github-actions", pipeline=pipeline)]
    result.steps = [StepResult(test_step, _label("model", "test")),
                    StepResult(deploy_step, _label("action", "deploy"))]
    result.gates = [GateResult(deploy, Classification("action", "approve", 0.5, "format", "env"))]
    return result


def test_estimate_of_a_small_pipeline(tmp_path: Path) -> None:
    config = load_config(None, assignments=["cost.changes_per_month=20"])
    result = _scan_result(config)
    report = estimate(result, tmp_path, now=NOW)  # tmp_path: no git history is needed
    runs = 20 + MONTH_OF_DAILY + 2  # push (set) + daily cron + 2 dispatches (default)
    assert report.runs[".github/workflows/ci.yml"].total == pytest.approx(runs)
    test_job, deploy_job = result.files[0].pipeline.jobs  # type: ignore[union-attr]
    test_step, deploy_step = test_job.steps[0], deploy_job.steps[0]
    by = {(l.category, l.target.job): l for l in report.lines}

    # compute: 8 min × 4 cells × 0.008 per run
    assert by[("compute", "test")].monthly == pytest.approx(runs * 8 * 4 * 0.008)
    # triage: 5% of runs × 15 min × 100/h
    assert by[("triage", "test")].monthly == pytest.approx(runs * 0.05 * 15 / 60 * 100)
    # re-runs: a person re-runs a run once, when any of its 4 cells is flaky (2% each):
    # 1 − 0.98⁴ of runs, 5 min each; the runner runs 2% × 4 cells of (8 + 0.5) min again
    flaky_runs = 1 - 0.98 ** 4
    rerun = by[("rerun", "test")]
    assert rerun.uses_per_month == pytest.approx(runs * flaky_runs)
    assert rerun.monthly == pytest.approx(
        runs * flaky_runs * 5 / 60 * 100 + runs * 0.02 * 4 * 8.5 * 0.008)
    # start-up: 0.5 min × 4 cells
    assert by[("overhead", "test")].monthly == pytest.approx(runs * 0.5 * 4 * 0.008)
    # the deploy runs on a macOS runner (0.08/min) and waits for a 10-minute approval
    assert by[("compute", "deploy")].monthly == pytest.approx(runs * 4 * 0.08)
    assert by[("gate", "deploy")].monthly == pytest.approx(runs * 10 / 60 * 100)
    # the dispatch form: 2 runs × 2 min
    assert by[("dispatch", None)].monthly == pytest.approx(2 * 2 / 60 * 100)

    step = report.step(test_step)
    assert step.runs_per_month == pytest.approx(runs)
    assert step.per_run == pytest.approx(step.monthly / runs)
    job = report.job(test_job)
    assert job.monthly == pytest.approx(sum(l.monthly for l in report.lines
                                            if l.target.job == "test"))
    assert report.step(deploy_step).compute_minutes_per_run == pytest.approx(4)
    parts = report.by_subsystem()
    assert sum(p.monthly for p in parts.values()) == pytest.approx(report.total().monthly)

    ids = [s.id for s in report.suggestions]
    # The approvals are the largest cost; the gated job deploys, so a canary with
    # automatic rollback claims them before the risk summary could.
    assert ids[0] == "progressive-delivery"
    assert "risk-summary-approval" not in ids
    savings = [s.numbers.monthly_saving for s in report.suggestions]
    assert savings == sorted(savings, reverse=True)
    gate = report.suggestions[0]
    assert gate.applies_to == (AppliesTo(".github/workflows/ci.yml", 15, "deploy", None),)
    assert gate.numbers.monthly_saving == pytest.approx(runs * (100 * 0.8 * 10 / 60))
    assert gate.confidence == pytest.approx(0.4 * 0.5)
    assert "cost.environment_approval" in gate.assumptions

    used = {a.key: a for a in report.assumptions}
    assert used["cost.changes_per_month"].source == "--set"
    assert used["cost.human_rate"].source == "default"
    assert used["cost.runner_prices.macos"].value == 0.08
    assert report.history_note == ""  # the push rate was set: history is not read


def test_gated_jobs_skip_pull_requests_unless_told(tmp_path: Path) -> None:
    base = ["cost.changes_per_month=10", "cost.event_runs.workflow_dispatch=0"]
    result = _scan_result(load_config(None, assignments=base))
    pipeline = result.files[0].pipeline
    assert pipeline is not None
    pr = Pipeline(pipeline.path, pipeline.format, pipeline.jobs,
                  (Trigger("pull_request", 2),))
    result.files = [FileReport(pr.path, pr.format, pipeline=pr)]
    report = estimate(result, tmp_path, now=NOW)
    test_job, deploy_job = pr.jobs
    assert report.job(test_job).runs_per_month == pytest.approx(20)  # 10 changes × 2 pushes
    assert report.job(deploy_job).runs_per_month == 0
    result.config = load_config(None, assignments=[*base, "cost.gates_on_pull_requests=true"])
    report = estimate(result, tmp_path, now=NOW)
    assert report.job(deploy_job).runs_per_month == pytest.approx(20)


def test_environment_without_approval_costs_no_person(tmp_path: Path) -> None:
    result = _scan_result(load_config(None, assignments=[
        "cost.changes_per_month=20", "cost.environment_approval=false"]))
    report = estimate(result, tmp_path, now=NOW)
    assert not [l for l in report.lines if l.category == "gate"]


def test_measured_job_minutes_replace_the_defaults(tmp_path: Path) -> None:
    result = _scan_result(load_config(None, assignments=[
        "cost.changes_per_month=20", "cost.job_minutes.test=20"]))
    report = estimate(result, tmp_path, now=NOW)
    compute = next(l for l in report.lines if l.category == "compute" and l.target.job == "test")
    assert compute.compute_minutes_per_use == pytest.approx(20 * 4)
    assert "cost.job_minutes.test" in compute.keys


def test_unknown_setting_is_warned_about(tmp_path: Path) -> None:
    result = _scan_result(load_config(None, assignments=[
        "cost.changes_per_month=20", "cost.human_rat=90", "cost.runner_prices.my-box=0.001"]))
    report = estimate(result, tmp_path, now=NOW)
    assert report.unknown_keys == ["cost.human_rat"]
    assert "setting cost.human_rat is not used by the cost model (a typo?)" in result.messages


def _result_of(pipelines: list[Pipeline], labels: dict[int, Classification],
               assignments: list[str]) -> ScanResult:
    result = ScanResult(root=".", backend="test", config=load_config(None,
                                                                      assignments=assignments))
    result.files = [FileReport(p.path, "x", pipeline=p) for p in pipelines]
    result.steps = [StepResult(s, labels[id(s)]) for p in pipelines for s in p.steps]
    return result


def test_composite_action_runs_with_its_callers(tmp_path: Path) -> None:
    # A 3-wide job on Windows runs the local action at every run: the action's steps get
    # the caller's runs × 3 and its runner price; the calling step costs nothing itself.
    wrapper = Step("ci.yml", 9, "t", "setup", "", uses="./.github/actions/setup")
    caller = Pipeline("ci.yml", "x", (Job("t", "t", "ci.yml", 5, (wrapper,), matrix_size=3,
                                          runner="windows-latest"),), (Trigger("push", 1),))
    inner = Step(".github/actions/setup/action.yml", 6, "setup", "pip install", "pip install x")
    action = Pipeline(".github/actions/setup/action.yml", "x",
                      (Job("setup", "setup", action_path := inner.file, 3, (inner,)),))
    labels = {id(wrapper): _label("information", "toolchain"),
              id(inner): _label("information", "dependencies")}
    report = estimate(_result_of([caller, action], labels, ["cost.changes_per_month=10"]),
                      tmp_path, now=NOW)
    assert report.runs[action_path].total == pytest.approx(30)
    assert report.step(wrapper).monthly == 0 and wrapper.key in report.step_notes
    # (no job runs for pull requests: the bumps are reviewed where it installs on push)
    assert [l.category for l in report.step(inner).lines] == ["compute", "dependency-review"]
    compute = report.step(inner).lines[0]
    assert compute.price_per_minute == pytest.approx(0.016)
    assert compute.monthly == pytest.approx(30 * 2 * 0.016)
    assert not report.job_own(action.jobs[0])  # no start-up: it runs inside the caller's job


def test_pipeline_without_trigger_runs_once_per_change(tmp_path: Path) -> None:
    step = Step("cloudbuild.yaml", 3, "build", "docker build", "docker build .")
    pipeline = Pipeline("cloudbuild.yaml", "x", (Job("build", "build", "cloudbuild.yaml", 1,
                                                     (step,)),))
    labels = {id(step): _label("model", "build")}
    report = estimate(_result_of([pipeline], labels, ["cost.changes_per_month=12"]), tmp_path,
                      now=NOW)
    assert report.runs["cloudbuild.yaml"].by_event() == {"unknown": 12}
    report = estimate(_result_of([pipeline], labels, ["cost.changes_per_month=12",
                                                      "cost.event_runs.unknown=3"]),
                      tmp_path, now=NOW)
    assert report.runs["cloudbuild.yaml"].total == 3
    called = Pipeline("reusable.yml", "x", pipeline.jobs, (Trigger("workflow_call", 1),))
    report = estimate(_result_of([called], labels, []), tmp_path, now=NOW)
    assert report.runs["reusable.yml"].total == 0
    assert report.runs["reusable.yml"].note == \
        "called from outside the scanned files only: not costed"


def test_rewording_keeps_the_numbers(tmp_path: Path) -> None:
    report = estimate(_scan_result(load_config(None, assignments=["cost.changes_per_month=20"])),
                      tmp_path, now=NOW)
    original = report.suggestions[0]
    reworded = original.reworded(SuggestionWording("Shorter", "Said otherwise", "openai"))
    assert reworded.numbers is original.numbers
    assert (reworded.id, reworded.applies_to, reworded.confidence, reworded.assumptions) == \
        (original.id, original.applies_to, original.confidence, original.assumptions)
    assert reworded.wording.author == "openai"


def test_gates_of_one_pipeline_share_the_decisions(tmp_path: Path) -> None:
    # Four manual jobs in one pipeline: one decision per run (the default), spread over
    # them, so each gate line carries a quarter of the runs; two per run: a half.
    steps = [Step("ci.yml", 10 + i, f"m{i}", "x", "./x.sh") for i in range(4)]
    jobs = tuple(Job(f"m{i}", f"m{i}", "ci.yml", 5 + i, (steps[i],), manual=True)
                 for i in range(4))
    pipeline = Pipeline("ci.yml", "x", jobs, (Trigger("push", 1),))
    labels = {id(s): _label("model", "build") for s in steps}
    result = _result_of([pipeline], labels, ["cost.changes_per_month=40"])
    result.gates = [GateResult(j, Classification("action", "approve", 0.95, "format", "manual"))
                    for j in jobs]
    gates = [l for l in estimate(result, tmp_path, now=NOW).lines if l.category == "gate"]
    assert [l.uses_per_month for l in gates] == pytest.approx([10] * 4)
    assert sum(l.monthly for l in gates) == pytest.approx(40 * 10 / 60 * 100)
    result.config = load_config(None, assignments=["cost.changes_per_month=40",
                                                   "cost.approvals_per_run=2"])
    gates = [l for l in estimate(result, tmp_path, now=NOW).lines if l.category == "gate"]
    assert [l.uses_per_month for l in gates] == pytest.approx([20] * 4)
    assert "shared by 4 gated jobs" in gates[0].formula
