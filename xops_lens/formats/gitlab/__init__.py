"""GitLab CI: ``.gitlab-ci.yml`` at the root, plus fragments it may include, and in a
tree without the root file, the job files under ``.gitlab/`` told by their content
(``gitlab.content``).

The pipeline is assembled as GitLab does: local includes are read and deep-merged
(included files first, the including file wins), then ``extends`` and ``!reference`` are
resolved (see ``gitlab.merge``), then ``default:`` is inherited. Content GitLab would
fetch from elsewhere (remote, project, template, component includes) is only noted.
"""

from __future__ import annotations

import posixpath
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import Any

from xops_lens.errors import Declined, ParseError
from xops_lens.formats._yamlshape import check_step_budget, command_name
from xops_lens.formats.gitlab.content import claims_by_content
from xops_lens.formats.gitlab.merge import (
    URL,
    YAML_SUFFIXES,
    GitLabDocument,
    Includes,
    Located,
    MergedMap,
    key_loc,
    kind_of,
    load_config,
    merge_into,
    text_of,
)
from xops_lens.formats.gitlab.rules import job_only_variables, job_variables, may_be_manual
from xops_lens.formats.gitlab.runs import KINDS, by_only_except, by_rules, kinds_of, variables
from xops_lens.formats.gitlab.runs import job_triggers as gitlab_job_triggers
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step, Trigger
from xops_lens.yamlload import YList, YMap, as_bool

FORMAT_NAME = "gitlab-ci"
ENTRY_FILE = ".gitlab-ci.yml"
FRAGMENT_DIRS = (".gitlab/ci/", ".gitlab-ci/")
# Child pipelines may start children of their own; GitLab stops at two levels.
MAX_CHILD_DEPTH = 2

RESERVED = frozenset({
    "stages", "types", "variables", "workflow", "include", "default", "image", "services",
    "cache", "before_script", "after_script", "spec",
})
DEFAULT_KEYS = (
    "after_script", "artifacts", "before_script", "cache", "hooks", "id_tokens", "image",
    "interruptible", "retry", "services", "tags", "timeout",
)
# Top-level keywords GitLab still reads as defaults when there is no `default:` entry.
LEGACY_GLOBALS = ("image", "services", "cache", "before_script", "after_script")
SCRIPT_KEYS = ("before_script", "script", "after_script")
JOB_KEYS = frozenset({
    "script", "extends", "trigger", "stage", "rules", "needs", "only", "except", "when",
    "before_script", "after_script", "image", "tags", "artifacts", "environment", "run",
})


class _JobBuilder:
    """Turns each job of the assembled configuration into a Job; every value is read
    through the GitLabDocument so that ``!reference`` tags and ``extends`` are already applied."""

    def __init__(self, config: GitLabDocument, top: YMap) -> None:
        self.config = config
        self.top = top
        self.defaults = self._defaults()
        # trigger job id -> local files of the child pipeline it starts
        self.children: dict[str, list[str]] = {}
        self.job_only = job_only_variables(top)
        self.step_count = 0
        # The kinds of pipeline jobs' runs are counted in, and whether workflow rules
        # let each exist (see gitlab.runs).
        self.kinds = kinds_of(text for text, _ in _rule_texts(top))
        self.workflow = self._workflow()

    def _workflow(self) -> dict[str, Any]:
        workflow = self.top.get("workflow")
        if not isinstance(workflow, YMap) or "rules" not in workflow:
            return {}
        file, line = key_loc(workflow, "rules")
        rules = [rule for rule, _, _ in self.config.items(workflow.get("rules"), file, line)]
        known = job_variables("", YMap(workflow.line, workflow.file), self.top, frozenset())
        return {kind: by_rules(rules, "always", variables(KINDS[kind], known))[0]
                for kind in self.kinds}

    def _triggers(self, job_id: str, job: YMap, line: int) -> tuple[Trigger, ...]:
        """The kinds of pipeline the job runs in, by its rules or only/except."""
        when = text_of(self.get(job, "when")[0]).strip() or "on_success"
        if when == "never":
            return ()
        known = job_variables(job_id, job, self.top, self.job_only)
        if "rules" in job:
            rules = [rule for rule, _, _ in self.items(job, "rules")]

            def verdict(event: str, vars_: Any) -> Any:
                return by_rules(rules, when, vars_)
        else:
            only, except_ = self.get(job, "only")[0], self.get(job, "except")[0]

            def verdict(event: str, vars_: Any) -> Any:
                return by_only_except(only, except_, event, vars_)
        return gitlab_job_triggers(self.kinds, line, known, verdict, self.workflow)

    def _defaults(self) -> dict[str, tuple[YMap, str]]:
        """Which map each default keyword is read from (``default:`` beats legacy globals)."""
        found: dict[str, tuple[YMap, str]] = {
            key: (self.top, key) for key in LEGACY_GLOBALS if key in self.top
        }
        default = self.top.get("default")
        if default is not None:
            if not isinstance(default, YMap):
                file, line = key_loc(self.top, "default")
                raise ParseError(file, f"'default' must be a mapping, found {kind_of(default)}",
                                 line)
            found.update((key, (default, key)) for key in DEFAULT_KEYS if key in default)
        return found

    def get(self, job: YMap, key: str) -> Located:
        file, line = key_loc(job, key)
        return self.config.resolve(job.get(key), file, line)

    def items(self, job: YMap, key: str) -> list[Located]:
        file, line = key_loc(job, key)
        return list(self.config.items(job.get(key), file, line))

    def effective(self, job: YMap) -> YMap:
        """The job with the ``default:`` keywords it inherits; GitLab replaces rather than
        merges them, so a job's own key (even an empty one) wins whole."""
        inherited = self._inherited(job)
        missing = [key for key in inherited if key not in job]
        if not missing:
            return job
        out = MergedMap(job.line, job.file)
        merge_into(out, job)
        for key in missing:
            source, name = self.defaults[key]
            out[key] = source[name]
            out.key_files[key], out.key_lines[key] = key_loc(source, name)
        return out

    def _inherited(self, job: YMap) -> list[str]:
        keys = list(self.defaults)
        inherit, file, line = self.get(job, "inherit")
        if inherit is None:
            return keys
        if not isinstance(inherit, YMap):
            raise ParseError(file, f"'inherit' must be a mapping, found {kind_of(inherit)}", line)
        wanted = inherit.get("default")
        if wanted is None:
            return keys
        if isinstance(wanted, YList):
            return [key for key in keys if key in wanted]
        return keys if as_bool(wanted) else []

    def build(self, job_id: str) -> Job:
        file, line = key_loc(self.top, job_id)
        raw = self.top[job_id]
        if not isinstance(raw, YMap):
            raise ParseError(file, f"job {job_id!r} must be a mapping, found {kind_of(raw)}", line)
        job = self.effective(self.config.extended(job_id))
        notes: list[str] = []
        calls = self._calls(job_id, job, notes)
        steps = () if calls else self._steps(job_id, job)
        # Every job that extends one long template copies its script.
        self.step_count += len(steps)
        check_step_budget(self.step_count, file, line)
        if not steps and not calls:
            notes.append("no script in the files read")
        size = self._matrix(job, notes)
        return Job(
            id=job_id, name=job_id, file=file, line=line, steps=steps, matrix_size=size,
            runner=None if calls else self._runner(job), manual=self._manual(job_id, job, notes),
            environment=self._environment(job), needs=self._needs(job), calls=calls,
            notes=tuple(notes), triggers=self._triggers(job_id, job, line),
        )

    def _steps(self, job_id: str, job: YMap) -> tuple[Step, ...]:
        steps: list[Step] = []
        for key in SCRIPT_KEYS:
            if key not in job:
                continue
            for item, file, line in self.items(job, key):
                if not isinstance(item, str):
                    raise ParseError(file, f"'{key}' of job {job_id!r} must be a string or a "
                                           f"list of strings, found {kind_of(item)}", line)
                if not item.strip():
                    continue
                steps.append(Step(file=file, line=line, job=job_id, name=command_name(item), text=item))
        if "run" in job:
            steps.extend(self._run_steps(job_id, job))
        return tuple(steps)

    def _run_steps(self, job_id: str, job: YMap) -> list[Step]:
        """GitLab's newer ``run:`` keyword (CI/CD steps): each item is one step."""
        steps: list[Step] = []
        for item, file, line in self.items(job, "run"):
            if not isinstance(item, YMap):
                raise ParseError(file, f"'run' of job {job_id!r} must list step mappings", line)
            uses = text_of(item.get("step")) or None
            text = text_of(item.get("script")) or uses or ""
            name = text_of(item.get("name")) or command_name(text)
            steps.append(Step(file=file, line=line, job=job_id, name=name, text=text, uses=uses))
        return steps

    def _calls(self, job_id: str, job: YMap, notes: list[str]) -> str | None:
        trigger, _, _ = self.get(job, "trigger")
        if trigger is None:
            return None
        if isinstance(trigger, YMap):
            include = trigger.get("include")
            target = text_of(trigger["project"]) if "project" in trigger else _include_target(
                include)
            if "project" not in trigger:
                self.children[job_id] = _child_files(include)
        else:
            target = text_of(trigger)
        target = target.lstrip("/") or "downstream pipeline"
        notes.append(f"triggers downstream pipeline {target}")
        return target

    def _matrix(self, job: YMap, notes: list[str]) -> int:
        parallel, file, line = self.get(job, "parallel")
        if parallel is None:
            return 1
        if isinstance(parallel, str):
            if parallel.strip().isdigit():
                return max(1, int(parallel))
            if "$" in parallel:
                notes.append("parallel set from inputs or variables; width counted as 1")
                return 1
        if not isinstance(parallel, YMap):
            raise ParseError(file, f"'parallel' must be a number or a mapping with 'matrix', "
                                   f"found {kind_of(parallel)}", line)
        total = 0
        mfile, mline = key_loc(parallel, "matrix")
        for entry, efile, eline in self.config.items(parallel.get("matrix"), mfile, mline):
            if not isinstance(entry, YMap):
                raise ParseError(efile, "each 'parallel: matrix' entry must be a mapping of "
                                        "variables", eline)
            product = 1
            for value in entry.values():
                product *= max(1, len(value)) if isinstance(value, list) else 1
            total += product
        return max(1, total)

    def _runner(self, job: YMap) -> str | None:
        tags = [text_of(tag) for tag, _, _ in self.items(job, "tags")]
        if tags:
            return ", ".join(tags)
        image, _, _ = self.get(job, "image")
        if isinstance(image, YMap):
            image = image.get("name")
        return text_of(image) or None

    def _manual(self, job_id: str, job: YMap, notes: list[str]) -> bool:
        # A job is a human gate when it waits for a person in at least one kind of
        # pipeline: `when: manual` on the job, or a manual rule that can be the first to
        # match (rules usually make a job manual on some branches or in merge requests,
        # and those runs still cost a person's attention).
        when, _, _ = self.get(job, "when")
        if text_of(when).strip() == "manual":
            return True
        rules = [rule for rule, _, _ in self.items(job, "rules")]
        if rules and may_be_manual(rules, job_variables(job_id, job, self.top, self.job_only)):
            notes.append("manual in the pipelines its rules select")
            return True
        return False

    def _environment(self, job: YMap) -> str | None:
        env, _, _ = self.get(job, "environment")
        if isinstance(env, YMap):
            env = env.get("name")
        return text_of(env) or None

    def _needs(self, job: YMap) -> tuple[str, ...]:
        needs: list[str] = []
        for need, _, _ in self.items(job, "needs"):
            if isinstance(need, YMap):
                # Needs on another project's or the upstream pipeline's jobs are not edges
                # between the jobs of this pipeline.
                if "job" in need and "project" not in need and "pipeline" not in need:
                    needs.append(text_of(need["job"]))
            elif isinstance(need, str):
                needs.append(need)
        return tuple(needs)


def _include_target(include: Any) -> str:
    """What a child pipeline's ``trigger: include:`` names (its first file)."""
    if isinstance(include, YList) and include:
        include = include[0]
    if isinstance(include, YMap):
        if "project" in include:
            return f"{text_of(include['project'])}:{text_of(include.get('file'))}"
        for key in ("local", "file", "template", "artifact", "remote", "component"):
            if key in include:
                return text_of(include[key])
    return text_of(include)


def _child_files(include: Any) -> list[str]:
    """The repository files a child pipeline is made of (``trigger: include:``)."""
    entries = include if isinstance(include, YList) else [include]
    paths: list[str] = []
    for entry in entries:
        local = entry.get("local") if isinstance(entry, YMap) else entry
        if isinstance(entry, YMap) and "project" in entry:
            continue
        if isinstance(local, str) and not URL.match(local) and "$" not in local:
            paths.append(posixpath.normpath(local.strip().lstrip("/")))
    return paths


def _rule_texts(top: YMap) -> list[tuple[str, int]]:
    """The ``if:`` conditions and only/except refs written anywhere, with their lines."""
    found: list[tuple[str, int]] = []

    def rule_list(rules: Any) -> None:
        if isinstance(rules, YList):
            for rule, line in rules.items_with_lines():
                if isinstance(rule, YMap) and isinstance(rule.get("if"), str):
                    found.append((rule["if"], line))

    for key, value in top.items():
        # Rules are often written once under a hidden key (`.if-merge-request: [- if:
        # ...]`, or a hidden map of such lists) and pulled into jobs with `!reference`.
        if isinstance(value, YList) and key.startswith("."):
            rule_list(value)
        if not isinstance(value, YMap):
            continue
        rule_list(value.get("rules"))
        if key.startswith("."):
            for name, child in value.items():
                if name != "rules":
                    rule_list(child)
        for keyword in ("only", "except"):
            spec = value.get(keyword)
            if isinstance(spec, YMap):
                spec = spec.get("refs")
            if isinstance(spec, (YList, str)):
                found.append((text_of(spec), value.line_of(keyword)))
    return found


def _triggers(top: YMap) -> tuple[Trigger, ...]:
    # GitLab runs a pipeline on every push unless workflow rules say otherwise, which we
    # do not evaluate; merge request and schedule pipelines are counted when some rule
    # or only/except mentions them.
    line = top.line_of("workflow") if "workflow" in top else 1
    triggers = [Trigger("push", line)]
    seen = {"push"}
    for text, rule_line in _rule_texts(top):
        for event, markers in (("merge_request_event", ("merge_request", "CI_MERGE_REQUEST_")),
                               ("schedule", ("schedule",))):
            if event not in seen and any(m in text for m in markers):
                seen.add(event)
                triggers.append(Trigger(event, rule_line))
    return tuple(triggers)


def _pipeline_triggers(top: YMap, jobs: list[Job]) -> tuple[Trigger, ...]:
    """The kinds of pipeline some job runs in (GitLab creates no pipeline without
    jobs), at the lines that mention them; push when no job says."""
    mentioned = {t.event: t.line for t in _triggers(top)}
    push_line = mentioned["push"]
    found = {t.event for job in jobs for t in job.triggers or ()}
    events = [e for e in KINDS if e in found]
    if not events:
        return (Trigger("push", push_line),)
    return tuple(Trigger(event, mentioned.get(event, push_line)) for event in events)


def _looks_like_gitlab(document: YMap) -> bool:
    """A fragment claimed by its folder alone might be some other YAML; only GitLab's
    keywords or job-shaped entries make it ours."""
    for key, value in document.items():
        if key in RESERVED or key.startswith("."):
            return True
        if isinstance(value, YMap) and not JOB_KEYS.isdisjoint(value):
            return True
    return False


def _child_job(job: Job, parent: str, parent_triggers: tuple[Trigger, ...] | None,
               child_kinds: set[str]) -> Job:
    prefix = f"{parent} > "
    triggers = job.triggers
    if parent_triggers is not None:
        # A child pipeline runs when its trigger job does: in the kinds of pipeline the
        # job's own rules allow, and in those its file does not speak of.
        events = {t.event for t in job.triggers or ()}
        triggers = tuple(replace(t, condition=f"{t.condition}; in child pipeline of {parent}")
                         for t in parent_triggers
                         if t.event in events or t.event not in child_kinds)
    return replace(
        job, id=prefix + job.id, name=prefix + job.name,
        steps=tuple(replace(step, job=prefix + step.job) for step in job.steps),
        needs=tuple(prefix + need for need in job.needs), triggers=triggers,
    )


def _add_children(source: Source, builder: _JobBuilder, seen: set[str], depth: int,
                  notes: dict[str, None], parents: dict[str, Job]
                  ) -> tuple[list[Job], list[str]]:
    """Jobs of the child pipelines that trigger jobs start from files of this repository.

    A child pipeline runs each time its trigger job does, so its steps cost as much as
    the parent's; reading it here also covers a child file that no glob claims. Each
    file is read once per scan of an entry, which also stops a pipeline that triggers
    itself.
    """
    jobs: list[Job] = []
    files: list[str] = []
    for parent, paths in builder.children.items():
        for path in paths:
            if path in seen:
                continue
            seen.add(path)
            if depth >= MAX_CHILD_DEPTH:
                notes.setdefault(f"child pipeline {path} nested too deep; not read", None)
                continue
            try:
                text = source.read_local(path)
                child = parse_pipeline(
                    Source(root=source.root, path=path, text=text, read_local=source.read_local),
                    entry=True, _seen=seen, _depth=depth + 1,
                )
            except ParseError as exc:
                # The parent is valid on its own; a broken child only loses the child.
                notes.setdefault(f"child pipeline {path} of job {parent!r} not read: "
                                 f"{exc.one_line()}", None)
                continue
            files.append(path)
            files.extend(child.includes)
            parent_job = parents.get(parent)
            child_kinds = {"push", "tag", *(t.event for t in child.triggers)}
            jobs.extend(_child_job(job, parent, parent_job.triggers if parent_job else None,
                                   child_kinds) for job in child.jobs)
            notes.update((f"child pipeline {path}: {note}", None) for note in child.notes)
    return jobs, files


def parse_pipeline(source: Source, *, entry: bool, _seen: set[str] | None = None,
                   _depth: int = 0) -> Pipeline:
    document = load_config(source.text, source.path)
    if not entry and not _looks_like_gitlab(document):
        raise Declined(source.path)
    notes: dict[str, None] = {}
    includes = Includes(source, notes,
                        missing_ok=lambda: not entry and ENTRY_FILE not in source.local_paths())
    top = includes.expand(document)
    config = GitLabDocument(top)
    builder = _JobBuilder(config, top)
    jobs = [
        builder.build(name) for name in top if name not in RESERVED and not name.startswith(".")
    ]
    if not jobs:
        notes.setdefault("no jobs defined (only templates or settings)", None)
    notes.update(config.notes)
    seen = {source.path} if _seen is None else _seen
    seen.update(includes.included)
    child_jobs, child_files = _add_children(source, builder, seen, _depth, notes,
                                            {job.id: job for job in jobs})
    included = dict.fromkeys([*includes.included, *child_files])
    included.pop(source.path, None)
    return Pipeline(
        path=source.path,
        format=FORMAT_NAME,
        jobs=tuple(jobs + child_jobs),
        triggers=_pipeline_triggers(top, jobs + child_jobs),
        includes=tuple(included),
        notes=tuple(notes),
    )


class GitLabCI:
    name = FORMAT_NAME
    globs = (ENTRY_FILE, "**/*.gitlab-ci.yml", "**/*.gitlab-ci.yaml",
             ".gitlab/ci/**/*.yml", ".gitlab/ci/**/*.yaml",
             ".gitlab-ci/**/*.yml", ".gitlab-ci/**/*.yaml")

    def claims(self, path: str) -> bool:
        base = path.rsplit("/", 1)[-1]
        if base.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")):
            return True
        return path.startswith(FRAGMENT_DIRS) and path.endswith(YAML_SUFFIXES)

    content_claims = ("YAML under .gitlab/, or named with gitlab and ci (.gitlab-docker-ci.yml), "
                      "shaped like GitLab CI, in a tree without .gitlab-ci.yml")

    def claims_content_in(self, tree: AbstractSet[str]) -> bool:
        # With the root file, its includes say which files under .gitlab/ are CI.
        return ENTRY_FILE not in tree

    def claims_content(self, path: str, text: str) -> bool:
        return claims_by_content(path, text)

    def entry(self, path: str) -> bool:
        return path == ENTRY_FILE

    def parse(self, source: Source) -> Pipeline:
        return parse_pipeline(source, entry=self.entry(source.path))


@hookimpl
def register_formats(register: Any) -> None:
    register(GitLabCI())
