"""What Drone and Woodpecker share: container steps, written as a list or as a map.

A step runs ``commands`` in its ``image``, or, without commands, the image itself is a
plugin configured by ``settings`` (``plugins/docker``, ``woodpeckerci/plugin-git``):
then the image is what the step ``uses``. When there are commands the image is only the
place they run in, so it goes to the inputs and the commands decide the step's kind.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import (
    MANUAL_EVENT,
    describe,
    flatten,
    mapping,
    names,
    render_inputs,
    step_name,
    text_of,
)
from xops_lens.globmatch import compile_glob
from xops_lens.model import Step, Trigger
from xops_lens.yamlload import YList, YMap

# CI events as the common model names them. `custom` (Drone) and `manual` (Woodpecker)
# are builds a person starts; `promote`, `rollback` and `deployment` are a person
# sending a finished build to an environment.
EVENTS: dict[str, str] = {
    "push": "push", "pull_request": "pull_request", "tag": "tag", "cron": "schedule",
    "custom": MANUAL_EVENT, "manual": MANUAL_EVENT, "promote": "promote",
    "rollback": "rollback", "deployment": "deployment", "release": "release",
    "pull_request_closed": "pull_request", "pull_request_metadata": "pull_request",
}
HUMAN_DEPLOY_EVENTS = frozenset({"promote", "rollback", "deployment"})


def _commands(spec: YMap, file: str) -> str | None:
    for key in ("commands", "command", "script"):
        if key not in spec:
            continue
        value = spec[key]
        if isinstance(value, YList):
            return "\n".join(text for text, _ in flatten(value, f"a step's {key}"))
        if isinstance(value, YMap):
            raise ParseError(file, f"a step's {key} must be a list of commands, found "
                             "a mapping", spec.line_of(key))
        return text_of(value) if value is not None else None
    return None


def container_step(spec: Any, line: int, file: str, job_id: str, key: str | None) -> Step:
    """One step; ``key`` is its name in the map form (``steps: {build: {...}}``)."""
    spec = mapping(spec, file, line, f"step {key!r}" if key else "a step")
    image = text_of(spec.get("image")).strip()
    settings = spec.get("settings")
    if settings is not None and not isinstance(settings, YMap):
        raise ParseError(file, f"a step's settings must be a mapping, found "
                         f"{describe(settings)}", spec.line_of("settings"))
    inputs = tuple((str(k), text_of(v)) for k, v in (settings or {}).items())
    commands = _commands(spec, file)
    explicit = spec.get("name") if key is None else key
    if commands:
        return Step(file=file, line=line, job=job_id,
                    name=step_name(explicit, commands, image or "step"), text=commands,
                    inputs=((("image", image),) if image else ()) + inputs)
    uses = image or None
    text = (image or "") + render_inputs(inputs)
    return Step(file=file, line=line, job=job_id, name=step_name(explicit, "", image or "step"),
                text=text, uses=uses, inputs=inputs)


def container_steps(value: Any, file: str, line: int, job_id: str) -> tuple[Step, ...]:
    """Steps of a ``steps:`` (or legacy ``pipeline:``) list or map.

    In the map form a step's line is where its mapping begins (the first key under the
    step's name), which is where PyYAML places the node.
    """
    if value is None:
        return ()
    if isinstance(value, YList):
        return tuple(container_step(item, item_line, file, job_id, None)
                     for item, item_line in value.items_with_lines())
    if isinstance(value, YMap):
        steps = []
        for key, spec in value.items():
            where = spec.line if isinstance(spec, (YMap, YList)) else value.line_of(key)
            steps.append(container_step(spec, where, file, job_id, str(key)))
        return tuple(steps)
    raise ParseError(file, f"steps must be a list or a mapping, found {describe(value)}", line)


def event_names(condition: Any) -> tuple[str, ...]:
    """The events a ``when``/``trigger`` condition admits (``event: [push, tag]`` or
    ``event: {include: [...]}``); empty when it does not filter on events."""
    if not isinstance(condition, YMap):
        return ()
    event = condition.get("event")
    if isinstance(event, YMap):
        event = event.get("include")
    return tuple(e.strip() for e in names(event) if e.strip())


def triggers_for(events: tuple[str, ...], line: int) -> list[Trigger]:
    return [Trigger(EVENTS.get(event, event), line) for event in events]


DEFAULT_BRANCHES = ("main", "master")  # names a default branch is taken to have


def _default_branch(condition: Any) -> tuple[bool | None, str]:
    """Whether a condition's ``branch`` filter (a list, or include/exclude; globs)
    admits the default branch, and the filter as written; (None, "") without one."""
    branch = condition.get("branch") if isinstance(condition, YMap) else None
    if branch is None:
        return None, ""
    include = branch.get("include") if isinstance(branch, YMap) else branch
    exclude = branch.get("exclude") if isinstance(branch, YMap) else None

    def hits(patterns: Any) -> bool:
        return any(compile_glob(p, double_star_crosses=True).fullmatch(b)
                   for p in names(patterns) for b in DEFAULT_BRANCHES)

    parts = [f"include {', '.join(names(include))}" if names(include) else "",
             f"exclude {', '.join(names(exclude))}" if names(exclude) else ""]
    shown = "; ".join(p for p in parts if p)
    if not shown:
        return None, ""
    admits = (not names(include) or hits(include)) and not hits(exclude)
    return admits, shown


def own_triggers(conditions: list[Any], events_of: Any, line: int, where: str,
                 tags_have_no_branch: bool = False) -> tuple[Trigger, ...]:
    """A pipeline's own runs: each condition's events (``events_of(condition)``) narrowed
    by its ``branch`` filter. A filter that leaves out the default branch keeps pushes to
    the branches it names (counted as changes, not decidable from the file) and drops
    pull requests (taken to target the default branch); conditions are alternatives.
    ``tags_have_no_branch``: a branch filter leaves out tag events (Drone: a tag is not a
    branch)."""
    found: dict[str, Trigger] = {}
    for condition in conditions:
        admits, shown = _default_branch(condition)
        for trigger in triggers_for(events_of(condition), line):
            event = trigger.event
            if shown and event == "tag" and tags_have_no_branch:
                continue
            if shown and event in ("push", "pull_request"):
                if admits is False:
                    if event == "pull_request" or event in found:
                        continue
                    trigger = replace(trigger, condition=(
                        f"{where} branch {shown}: not the default branch; pushes to those "
                        f"branches counted as changes (not decidable from the file)"))
                else:
                    trigger = replace(trigger, condition=f"{where} branch {shown}")
            elif event in found:
                continue
            previous = found.get(event)
            if previous is None or (previous.condition or "").endswith("file)"):
                found[event] = trigger
    return tuple(found.values())


def human_deploy_only(events: tuple[str, ...]) -> bool:
    """True when only a person can start the pipeline, to send a build somewhere."""
    return bool(events) and all(event in HUMAN_DEPLOY_EVENTS for event in events)


def matrix_width(value: Any) -> int:
    """Width of a Woodpecker ``matrix:``: an ``include`` list, or the product of axes."""
    if not isinstance(value, YMap):
        return 1
    include = value.get("include")
    if isinstance(include, list):
        return max(1, len(include))
    width = 1
    for axis in value.values():
        width *= max(1, len(axis)) if isinstance(axis, list) else 1
    return width


def runner_of(document: YMap) -> str | None:
    """Where a Drone pipeline or Woodpecker workflow runs: type, pool, platform, labels."""
    parts = []
    kind = text_of(document.get("type")).strip()
    if kind:
        parts.append(kind)
    pool = document.get("pool")
    if isinstance(pool, YMap) and pool.get("use"):
        parts.append(f"pool {text_of(pool['use'])}")
    platform = document.get("platform")
    if isinstance(platform, YMap):
        os_arch = "/".join(text_of(platform.get(k)) for k in ("os", "arch") if platform.get(k))
        if os_arch:
            parts.append(os_arch)
    elif platform is not None:
        parts.append(text_of(platform))
    labels = document.get("labels")
    if isinstance(labels, YMap):
        parts.extend(f"{k}={text_of(v)}" for k, v in labels.items())
    return " ".join(parts) or None

