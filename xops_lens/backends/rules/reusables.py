"""Reusable units judged by name and inputs: GitHub actions, Azure tasks, Jenkins steps,
container images and the plugins they are (Woodpecker, Drone, Buildkite)."""

from __future__ import annotations

import re

from xops_lens.backends.rules.data import azure as T
from xops_lens.backends.rules.data.plugins import JENKINS_STEPS, PLUGIN_KINDS, SCRIPT_INPUTS
from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import Via
from xops_lens.backends.rules.programs import COMMANDS
from xops_lens.backends.rules.programs.forges import ROUTE_WRITE, api_kind
from xops_lens.backends.rules.reader import choose, run_words
from xops_lens.backends.rules.script import classify_script
from xops_lens.backends.rules.shell import LazyPattern
from xops_lens.backends.rules.words import (
    ACTION_DIR,
    AZURE_TASK,
    GH_EXPR,
    action_kind,
    clip_why,
    kind_from_words,
    name_kind,
    short,
    words_of,
)
from xops_lens.model import SUBSYSTEM_OF_KIND, Step


def given_name(step: Step) -> str:
    """The step's name when a person wrote one; formats fall back to the command's first
    line or the action's name, which is no second opinion."""
    name = step.name.strip()
    if not name:
        return ""
    if step.uses and (name in step.uses or step.uses.startswith(name)):
        return ""
    for line in step.text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            if line.startswith(name) or name.startswith(line[:60]):
                return ""
            break
    return name

_JENKINS_PUBLISHER = LazyPattern(r"^[a-z][A-Za-z0-9]*Publisher$")
_IMAGE_REF = re.compile(r"^[\w.-]+\.[a-z]{2,}(:\d+)?/|^localhost(:\d+)?/|@sha256:|"
                        r"^[\w./-]+:[\w.-]+$|^\$\(|^\$\{")


def _script_inputs(step: Step) -> str:
    found = [(key.lower().replace("-", "").replace("_", ""), value)
             for key, value in step.inputs if value]
    found = [(k, v) for k, v in found if k in SCRIPT_INPUTS]
    if len(found) > 1 and any(k in ("command", "commands") for k, _ in found):
        # docker-compose plugins: `run: app` names the service the command runs in
        found = [(k, v) for k, v in found if not (k == "run" and len(v.split()) == 1)]
    return "\n".join(_argv(v) if k == "command" else v for k, v in found)


def _argv(value: str) -> str:
    """A plugin's `command: ["bundle", "exec", "rspec"]`, which the formats render as
    "bundle, exec, rspec": the words of one command."""
    parts = value.split(", ")
    if len(parts) > 1 and all(p and " " not in p for p in parts):
        return " ".join(parts)
    return value


_JS_CALLS: tuple[tuple[LazyPattern, Hit], ...] = tuple(
    (LazyPattern(p), Hit(k, c, w, wt))
    for p, k, c, w, wt in (
        (r"approveWorkflowRun|createReview\b", "approve", 0.75, "approves via the API", 2),
        (r"\.(createComment|updateComment|addLabels|removeLabel|setLabels|createCommitStatus|"
         r"addAssignees|createForIssue|createForIssueComment|lock)\b|issues\.update\(",
         "notify", 0.8, "comments, labels or sets status via the API", 2),
        (r"pulls\.create\b|createRelease\b|uploadReleaseAsset|git\.createRef|git\.createTag|"
         r"createOrUpdateFileContents|pulls\.merge|repos\.merge\b|updateRelease",
         "publish", 0.8, "publishes via the API", 2),
        (r"createWorkflowDispatch|createDispatchEvent", "notify", 0.6,
         "triggers a workflow via the API", 2),
        (r"core\.summary|\.addHeading|\.addTable", "report", 0.7, "writes the job summary", 1),
        (r"listFiles|compareCommits|compareCommitsWithBasehead", "metadata", 0.75,
         "lists changed files via the API", 2),
        (r"core\.setOutput|setOutput\(", "decide", 0.65, "computes step outputs", 1),
        (r"core\.exportVariable", "toolchain", 0.6, "sets environment for later steps", 1),
        (r"\.(get|list\w*|search\w*|getContent|paginate)\(|graphql\(", "metadata", 0.6,
         "reads via the API", 1),
        (r"core\.setFailed", "decide", 0.5, "fails the step on a condition", 0),
    )
)


def _github_script(step: Step) -> tuple[str, float, str]:
    script = step.input("script") or ""
    hits = [hit for pattern, hit in _JS_CALLS if pattern.search(script)]
    if not hits:
        found = name_kind(given_name(step))
        if found is not None:
            return found[0], 0.45, clip_why(f"github-script; step name says {found[1]}")
        return "decide", 0.3, "runs a github-script; purpose unclear"
    best, _ = choose(hits, given_name(step))
    return best.kind, best.confidence, f"github-script {best.why}"


def _build_push(step: Step) -> tuple[str, float, str]:
    """docker/build-push-action exists to publish when it pushes (tie-breaker 7)."""
    push = (step.input("push") or "").strip().lower()
    outputs = (step.input("outputs") or "").lower().replace(" ", "")
    if push in ("true", "yes", "1", "on") or "push=true" in outputs \
            or "type=registry" in outputs:
        return "publish", 0.9, "builds and pushes an image (push: true)"
    if "${{" in push or "push=${{" in outputs:
        return "publish", 0.6, "builds and pushes an image when an expression allows"
    if push in ("false", "no", "0", "off") or "load" in {k for k, _ in step.inputs}:
        return "build", 0.85, "builds an image without pushing"
    found = name_kind(given_name(step))
    if found is not None and found[0] == "publish":
        return "publish", 0.55, clip_why(f"builds an image; step name says {found[1]}")
    return "build", 0.8, "builds an image without pushing"


def _api_request(step: Step) -> tuple[str, float, str]:
    """octokit/request-action and graphql-action: the route or query says what they do."""
    route = " ".join(v for k, v in step.inputs if k in ("route", "query", "method"))
    writes = bool(ROUTE_WRITE.match(route)) or "mutation" in route
    hit = api_kind(route.lower(), writes, "the API")
    return hit.kind, hit.confidence, hit.why


def _dispatch(step: Step) -> tuple[str, float, str]:
    """An action that starts another workflow or pipeline does what that one does."""
    target = " ".join(v for k, v in step.inputs if k.lower().replace("-", "_") in (
        "workflow", "workflow_file_name", "workflow_id", "pipeline", "event_type",
        "trigger_workflow"))
    found = kind_from_words(words_of(GH_EXPR.sub(" ", target))) or name_kind(given_name(step))
    if found is not None and SUBSYSTEM_OF_KIND.get(found[0]) == "action":
        # a deploy or release started elsewhere is that effect
        return found[0], 0.5, clip_why(f"triggers another run ({found[1]})")
    # what the other run computes happens there: this step sends an event out
    return "notify", 0.5, "triggers another workflow run"


# inputs through which a changed-files action is given path filters to match
_PATH_FILTER_INPUTS = ("filters", "files", "files_yaml", "files_from_source_file",
                       "files_yaml_from_source_file", "files_ignore", "paths")


def _changed_files(step: Step) -> tuple[str, float, str]:
    """Changed-files actions (TAXONOMY tie-breaker 8): given path filters they derive
    flags from which paths changed (`decide`); without them they read the list as it is."""
    if any(k.lower().replace("-", "_") in _PATH_FILTER_INPUTS and v.strip()
           for k, v in step.inputs):
        return "decide", 0.9, "derives flags from which paths changed"
    if step.uses and step.uses.lower().startswith("dorny/paths-filter"):
        # its filters may come from a default file, but its outputs are always flags
        return "decide", 0.8, "derives flags from which paths changed"
    return "metadata", 0.9, "lists the changed files"


_DECIDERS = {
    "dorny/paths-filter": _changed_files,
    "tj-actions/changed-files": _changed_files,
    "step-security/changed-files": _changed_files,
    "actions/github-script": _github_script,
    "docker/build-push-action": _build_push,
    "depot/build-push-action": _build_push,
    "octokit/request-action": _api_request,
    "octokit/graphql-action": _api_request,
    "benc-uk/workflow-dispatch": _dispatch,
    "aurelien-baudet/workflow-dispatch": _dispatch,
    "convictional/trigger-workflow-and-wait": _dispatch,
    "the-actions-org/workflow-dispatch": _dispatch,
    "peter-evans/repository-dispatch": _dispatch,
}


_ACTION_AFFIXES = LazyPattern(r"^(gh-action-|ghaction-|github-action-|actions?-|setup-)|"
                             r"(-github-actions?|-gh-action|-actions?)$")
_TOOL_INPUTS = ("command", "args", "arguments", "cmd", "subcommand", "goals", "goal",
                "tasks", "task", "target", "targets")


def _tool_action(step: Step, path: str) -> tuple[str, float, str] | None:
    """An action wrapping one tool (goreleaser/goreleaser-action, PyO3/maturin-action,
    actions-rs/cargo) with the tool's subcommand as input: judge the command it runs."""
    values = [v for k, v in step.inputs if k.lower() in _TOOL_INPUTS and v.strip()]
    if not values:
        return None
    parts = path.split("/")
    candidates = [_ACTION_AFFIXES.sub("", p) for p in parts[1:]] + [parts[0]]
    for candidate in candidates:
        if candidate in COMMANDS:
            spec = COMMANDS[candidate]
            if all(isinstance(v, Via) or v == "unknown" for v in spec.values()):
                continue  # a wrapper or script runner: its input is judged as a script
            hit = run_words([candidate] + " ".join(values).split())
            if hit is not None and hit.kind != "unknown" and hit.weight == 2:
                return hit.kind, min(hit.confidence, 0.85), clip_why(
                    f"uses {short(path, 40)}: {hit.why}")
    return None


def _is_image(uses: str) -> bool:
    # a path to a YAML file is a definition (a Tekton StepAction, a template), no image
    if uses.lower().endswith((".yaml", ".yml")):
        return False
    # GitHub actions always carry `@ref`; a bare `owner/name` is a Docker Hub image
    # (a Woodpecker or Drone plugin such as `plugins/s3`)
    return uses.startswith("docker://") or bool(_IMAGE_REF.search(uses)) or (
        "@" not in uses and "/" in uses and not uses.startswith((".", "/")))


def classify_uses(step: Step) -> tuple[str, float, str]:
    uses = step.uses or ""
    builtin = JENKINS_STEPS.get(uses)
    if builtin is not None:
        # a Jenkins pipeline step of its own (echo, error, deleteDir), not a library call
        return builtin, 0.8, f"runs Jenkins step {short(uses, 40)}"
    if uses.endswith("Publisher") and _JENKINS_PUBLISHER.match(uses):
        # `dependencyCheckPublisher`, `cucumberPublisher`: a Jenkins plugin step that shows
        # a report's results on the build page (sshPublisher, which deploys, is a builtin)
        return "report", 0.75, f"publishes results with Jenkins step {short(uses, 40)}"
    ref_less = uses.split("@")[0] if "@sha256:" not in uses else uses
    if _is_image(uses):
        return _classify_image(step, uses)
    azure = AZURE_TASK.match(uses)
    if azure and "/" not in uses:
        return _azure_task(step, azure.group(1))
    low = ref_less.lower()
    decider = _DECIDERS.get(low)
    if decider is not None:
        return decider(step)
    local = low.startswith("./") or low.startswith("../")
    tool = None if local else _tool_action(step, low)
    if tool is not None:
        return tool
    found = None if local else action_kind(ref_less)
    if found is not None:
        found = _effect_inputs(step, found)
    script = _script_inputs(step)
    if found is not None and found[0] == "unknown":
        found = None
    if found is not None:
        return found
    if script:
        kind, confidence, why = classify_script(script, given_name(step), step.job)
        if kind != "build" or confidence > 0.3:
            return kind, min(confidence, 0.8), clip_why(f"{short(ref_less, 30)}: {why}")
    path = ref_less
    if local:
        path = ACTION_DIR.split(ref_less)[-1].lstrip("./")
        said = kind_from_words(words_of(path))
        if said is not None:
            return said[0], 0.6, clip_why(f"uses local action {short(path, 40)} ({said[1]})")
    said = name_kind(given_name(step))
    if said is not None:
        return said[0], 0.45, clip_why(f"step name says {said[1]}; uses {short(path, 40)}")
    return "build", 0.25, clip_why(f"uses {short(path, 50)}; purpose unclear")


_ON = ("true", "yes", "1", "on")
_OFF = ("false", "no", "0", "off")


def _effect_inputs(step: Step, found: tuple[str, float, str]) -> tuple[str, float, str]:
    """Inputs that switch an action's effect off or on (TAXONOMY tie-breaker 9):
    `install-only: true` leaves the tool installed, `dry-run: true` or `push: false`
    leaves what a release or push would have built; `push-to-registry: true` sends it."""
    kind, confidence, why = found
    if (step.input("install-only") or "").strip().lower() in _ON:
        return "toolchain", 0.9, clip_why(f"{why} (install-only)")
    if kind in ("publish", "deploy"):
        dry = (step.input("dry-run") or step.input("dry_run") or step.input("dryrun")
               or "").strip().lower()
        if dry in _ON or (step.input("push") or "").strip().lower() in _OFF:
            return "build", 0.8, clip_why(f"{why} (no effect: dry run or push off)")
    elif kind == "build" and (step.input("push-to-registry") or "").strip().lower() in _ON:
        return "publish", 0.8, clip_why(f"{why} (pushed to the registry)")
    return found


def _task_command(step: Step, task: str) -> tuple[str, float, str] | None:
    """A task wrapping one tool whose `command` input says what it runs
    (DotNetCoreCLI@2 command: test, NuGetCommand@2 command: push, Docker@2 command:
    buildAndPush): judged as that command line."""
    wrapped = T.AZURE_COMMAND_TASKS.get(task)
    if wrapped is None:
        return None
    tool, key = wrapped
    inputs = {k.lower(): v for k, v in step.inputs}
    command = (inputs.get(key) or "").strip()
    if not command or "$" in command:
        return None
    if command.lower() == "custom":
        command = (inputs.get("custom") or inputs.get("customcommand") or "").strip()
    words = T.AZURE_COMMAND_WORDS.get(f"{tool} {command.lower()}", f"{tool} {command}")
    hit = run_words(words.split())
    if hit is None or hit.kind == "unknown" or hit.weight < 2:
        return None
    return hit.kind, min(hit.confidence, 0.85), clip_why(f"runs task {step.uses}: {hit.why}")


def _azure_task(step: Step, task: str) -> tuple[str, float, str]:
    low = task.lower()
    if low in T.AZURE_SCRIPT_TASKS or low not in T.AZURE_TASKS:
        script = _script_inputs(step)
        if script:
            kind, confidence, why = classify_script(script, given_name(step), step.job)
            return kind, min(confidence, 0.85), clip_why(f"{task}: {why}")
    command = _task_command(step, low)
    if command is not None:
        return command
    if low in T.AZURE_TASKS:
        return T.AZURE_TASKS[low], 0.9, f"runs task {short(task, 50)}"
    if low.endswith("installer"):
        # Azure's tool installer tasks (DockerInstaller, KubectlInstaller) put a tool on
        # the agent; they make no installer
        return "toolchain", 0.8, f"installs a tool with task {short(task, 40)}"
    found = kind_from_words(words_of(task)) or name_kind(given_name(step))
    if found is not None:
        return found[0], 0.5, clip_why(f"runs task {short(task, 40)} ({found[1]})")
    return "build", 0.25, clip_why(f"runs task {short(task, 50)}; purpose unclear")


def _plugin(step: Step, image: str) -> tuple[str, float, str] | None:
    """A container plugin configured by settings (Woodpecker, Drone, Buildkite plugins)."""
    path = image.split("@")[0].rsplit(":", 1)[0].lower()
    name = "/".join(path.split("/")[-2:])
    settings = {k.lower().replace("-", "_"): v.strip().lower() for k, v in step.inputs}
    for pattern, kind in _PLUGIN_KINDS:
        if pattern.search(name):
            if kind is None:  # an image builder
                dry = settings.get("dry_run") or settings.get("dryrun")
                if dry in ("true", "yes", "1") or settings.get("push") in ("false", "no"):
                    return "build", 0.85, clip_why(f"builds an image with {short(name, 40)} (dry run)")
                return "publish", 0.8, clip_why(f"builds and pushes an image with {short(name, 40)}")
            return kind, 0.75, clip_why(f"runs plugin {short(name, 50)}")
    return None


_PLUGIN_KINDS = tuple((LazyPattern(p), k) for p, k in PLUGIN_KINDS)


# A plugin named for testing (`JuliaCI/julia-test#v1`, `test-runner`) runs the test suite
# after the step's commands; `test-collector`, `test-engine` only send results.
_TEST_PLUGIN = LazyPattern(r"(^|[/_-])(test|tests|testing|pytest|rspec|jest)($|[_-](?!collector|"
                           r"engine|analytics|summary|report))")


def plugin_work(step: Step) -> tuple[str, float, str] | None:
    """What a plugin beside a step's commands does as the step's work (Buildkite's
    `plugins:` run around `commands:`): a test plugin runs the tests."""
    named = step.input("plugins")
    if not named:
        return None
    for plugin in named.split(","):
        name = plugin.strip().split("#")[0].lower()
        if _TEST_PLUGIN.search(name.rsplit("/", 1)[-1]):
            return "test", 0.75, clip_why(f"plugin {short(name, 40)} runs the tests")
    return None


def _classify_image(step: Step, uses: str) -> tuple[str, float, str]:
    image = uses.removeprefix("docker://")
    text = step.text or ""
    prog = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower()
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not first or first in (uses.strip(), image):
        # no commands: a plugin judged by its image and settings
        found = _plugin(step, image)
        if found is not None:
            return found
    if text.strip() and first not in (uses.strip(), image):
        kind, confidence, why = classify_script(text, given_name(step), step.job)
        if confidence < 0.5 and prog in COMMANDS:
            # the image may name the program its arguments belong to (Cloud Build)
            hit = run_words([prog] + text.split())
            if hit is not None and hit.kind != "unknown":
                return hit.kind, hit.confidence, hit.why
        if confidence > 0.3 or kind != "build":
            return kind, confidence, why
    said = kind_from_words(words_of(prog)) or name_kind(given_name(step))
    if said is not None:
        return said[0], 0.45, clip_why(f"runs image {short(image, 40)} ({said[1]})")
    return "build", 0.25, clip_why(f"runs image {short(image, 50)}; purpose unclear")
