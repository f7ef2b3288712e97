"""How CircleCI steps are read: built-ins, reusable commands, conditionals, inserted
``steps`` parameters and orb commands, with ``<< parameters.x >>`` substitution.

Kept apart from :mod:`xops_lens.formats.circleci` (workflows, jobs, the format) so each
module stays small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import command_name, kind_of, text_of
from xops_lens.model import MAX_STEPS_PER_FILE, Step
from xops_lens.yamlload import YList, YMap

# Commands may call commands; CircleCI itself rejects cycles, we stop at this depth.
MAX_CALL_DEPTH = 16
# Steps made inside command calls, conditions and inserted steps, per file: a command
# that calls another one four times, twelve deep, would otherwise expand to 16 million
# (a "billion laughs" made of commands, hostile input). Real configs stay in the hundreds.
MAX_NESTED_STEPS = MAX_STEPS_PER_FILE

BUILTIN_HINTS: dict[str, str | None] = {
    "checkout": "checkout",
    "run": None,
    "save_cache": "cache-save",
    "restore_cache": "cache-restore",
    "store_artifacts": "artifact-upload",
    "store_test_results": "report",
    "persist_to_workspace": "artifact-upload",
    "attach_workspace": "artifact-download",
    "setup_remote_docker": "toolchain",
    "add_ssh_keys": "credentials",
}
CONDITIONAL = ("when", "unless")
_PARAM = re.compile(r"<<\s*(pipeline\.parameters|parameters)\.([A-Za-z0-9_-]+)\s*>>")


def literal_params(spec: Any) -> dict[str, str]:
    """Parameter name -> default, for defaults that are plain values."""
    found: dict[str, str] = {}
    if isinstance(spec, YMap):
        for name, decl in spec.items():
            if isinstance(decl, YMap) and isinstance(decl.get("default"), str):
                found[name] = decl["default"]
    return found


def steps_params(spec: Any) -> dict[str, Any]:
    """Parameter name -> default for ``type: steps`` parameters."""
    found: dict[str, Any] = {}
    if isinstance(spec, YMap):
        for name, decl in spec.items():
            if isinstance(decl, YMap) and text_of(decl.get("type")) == "steps":
                found[name] = decl.get("default")
    return found


@dataclass
class Scope:
    """The parameter values in force where a step is written."""

    params: dict[str, str] = field(default_factory=dict)
    pipeline: dict[str, str] = field(default_factory=dict)

    def subst(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            table = self.pipeline if match.group(1).startswith("pipeline") else self.params
            return table.get(match.group(2), match.group(0))

        return _PARAM.sub(replace, text) if "<<" in text else text


class CircleCIDocument:
    """One .circleci/config.yml: its reusable commands, executors, orbs and jobs, and the
    literal pipeline parameters that steps expand."""

    def __init__(self, document: YMap, file: str) -> None:
        self.doc = document
        self.file = file
        self.commands = self._map("commands")
        self.executors = self._map("executors")
        self.orbs = self._map("orbs")
        self.jobs = self._map("jobs")
        self.pipeline_params = literal_params(document.get("parameters"))
        # job id -> values given by workflow invocations to its `steps` parameters
        self.step_args: dict[tuple[str, str], list[tuple[Any, int]]] = {}
        self.nested_steps = 0

    def _map(self, key: str) -> YMap:
        value = self.doc.get(key)
        if value is None:
            return YMap(self.doc.line, self.file)
        if not isinstance(value, YMap):
            raise ParseError(self.file, f"'{key}' must be a mapping, found {kind_of(value)}",
                             self.doc.line_of(key))
        return value

    # -- steps -------------------------------------------------------------------------

    def steps(self, items: Any, line: int, job: str, scope: Scope, where: str,
              step_params: dict[str, Any]) -> list[Step]:
        if items is None:
            return []
        if not isinstance(items, YList):
            raise ParseError(self.file, f"'steps' of {where} must be a list, found {kind_of(items)}",
                             line)
        return [self.step(item, ln, job, scope, step_params, 0)
                for item, ln in items.items_with_lines()]

    def step(self, item: Any, line: int, job: str, scope: Scope,
             step_params: dict[str, Any], depth: int) -> Step:
        if depth:
            self.nested_steps += 1
            if self.nested_steps > MAX_NESTED_STEPS:
                raise ParseError(self.file, f"commands expand to more than {MAX_NESTED_STEPS:,} "
                                 "steps (a command bomb?); file skipped", line)
        if isinstance(item, str):
            key, args = item, None
        elif isinstance(item, YMap) and len(item) == 1:
            key, args = next(iter(item.items()))
        else:
            raise ParseError(self.file, "a step must be a name or a mapping with one key, "
                                        f"found {kind_of(item)}", line)
        key = key.strip()
        make = _StepMaker(self.file, line, job)
        if key == "run":
            return self._run(make, args, line, scope)
        if key in BUILTIN_HINTS:
            return make(key if not isinstance(args, YMap) or not args.get("name")
                        else text_of(args["name"]),
                        scope.subst(_render(key, args)), kind_hint=BUILTIN_HINTS[key])
        if key in CONDITIONAL:
            return self._conditional(make, key, args, line, job, scope, step_params, depth)
        if key == "steps":
            return self._inserted(make, args, line, job, scope, step_params, depth)
        if key in self.commands:
            return self._call(make, key, args, line, job, scope, depth)
        if "/" in key:
            orb = self.orbs.get(key.split("/", 1)[0])
            text = scope.subst(_render(key, args))
            if isinstance(orb, str):
                text += f"\n(orb {orb})"
            return make(key, text, uses=key, inputs=_inputs(args, scope))
        # An unknown name: a deprecated built-in (deploy) or a command of an orb we lack.
        return make(key, scope.subst(_render(key, args)), uses=key, inputs=_inputs(args, scope))

    def _run(self, make: _StepMaker, args: Any, line: int, scope: Scope) -> Step:
        if isinstance(args, str):
            command = scope.subst(args)
            return make(command_name(command), command)
        if isinstance(args, YMap):
            command = scope.subst(text_of(args.get("command")))
            name = text_of(args.get("name")).strip()
            return make(scope.subst(name) if name else command_name(command), command)
        raise ParseError(self.file, f"'run' must be a command or a mapping, found {kind_of(args)}",
                         line)

    def _conditional(self, make: _StepMaker, key: str, args: Any, line: int, job: str,
                     scope: Scope, step_params: dict[str, Any], depth: int) -> Step:
        if not isinstance(args, YMap):
            raise ParseError(self.file, f"'{key}' must be a mapping with 'condition' and "
                                        f"'steps', found {kind_of(args)}", line)
        inner = args.get("steps")
        if not isinstance(inner, YList):
            raise ParseError(self.file, f"'steps' of '{key}' must be a list, found "
                                        f"{kind_of(inner)}", args.line_of("steps"))
        steps = [self.step(item, ln, job, scope, step_params, depth + 1)
                 for item, ln in inner.items_with_lines()]
        condition = scope.subst(text_of(args.get("condition")))
        return _wrapping(make, f"{key} {condition}".strip(), steps)

    def _inserted(self, make: _StepMaker, args: Any, line: int, job: str, scope: Scope,
                  step_params: dict[str, Any], depth: int) -> Step:
        """``- steps: << parameters.x >>``: the steps a parameter of type steps inserts."""
        sources: list[tuple[Any, int]] = []
        name = "steps"
        if isinstance(args, str):
            match = _PARAM.fullmatch(args.strip())
            if match and match.group(1) == "parameters":
                param = match.group(2)
                name = f"steps: {param}"
                default = step_params.get(param)
                if isinstance(default, YList):
                    sources.append((default, line))
                sources.extend(self.step_args.get((job, param), []))
        elif isinstance(args, YList):
            sources.append((args, line))
        steps: list[Step] = []
        for value, _ in sources:
            if isinstance(value, YList):
                steps.extend(self.step(item, ln, job, scope, step_params, depth + 1)
                             for item, ln in value.items_with_lines())
        if not steps:
            return make(name, text_of(args))
        return _wrapping(make, name, steps)

    def _call(self, make: _StepMaker, key: str, args: Any, line: int, job: str,
              scope: Scope, depth: int) -> Step:
        if depth >= MAX_CALL_DEPTH:
            raise ParseError(self.file, f"command {key!r} calls commands more than "
                                        f"{MAX_CALL_DEPTH} deep (a cycle?)", line)
        command = self.commands[key]
        if not isinstance(command, YMap):
            raise ParseError(self.file, f"command {key!r} must be a mapping, found "
                                        f"{kind_of(command)}", self.commands.line_of(key))
        params = literal_params(command.get("parameters"))
        step_params = steps_params(command.get("parameters"))
        if isinstance(args, YMap):
            for name, value in args.items():
                if isinstance(value, str):
                    params[name] = scope.subst(value)
                elif isinstance(value, YList) and name in step_params:
                    step_params[name] = value
        inner_scope = Scope(params, scope.pipeline)
        items = command.get("steps")
        if not isinstance(items, YList):
            raise ParseError(self.file, f"'steps' of command {key!r} must be a list, found "
                                        f"{kind_of(items)}", command.line_of("steps"))
        steps = [self.step(item, ln, job, inner_scope, step_params, depth + 1)
                 for item, ln in items.items_with_lines()]
        return _wrapping(make, key, steps, inputs=_inputs(args, scope))

    # -- jobs ----------------------------------------------------------------------------

    def runner(self, spec: YMap, scope: Scope, depth: int = 0) -> str | None:
        executor = spec.get("executor")
        if executor is not None:
            name = text_of(executor.get("name")) if isinstance(executor, YMap) else text_of(executor)
            name = scope.subst(name)
            defined = self.executors.get(name)
            # An executor naming itself (or a cycle of them) would recurse without end.
            if isinstance(defined, YMap) and depth < MAX_CALL_DEPTH:
                return self.runner(defined, scope, depth + 1) or name
            return name or None
        resource = text_of(spec.get("resource_class"))
        for kind in ("docker", "machine", "macos"):
            value = spec.get(kind)
            if value is None:
                continue
            if kind == "docker" and isinstance(value, YList) and value:
                first = value[0]
                image = text_of(first.get("image")) if isinstance(first, YMap) else text_of(first)
            elif isinstance(value, YMap):
                image = text_of(value.get("image")) or (
                    f"xcode {text_of(value['xcode'])}" if value.get("xcode") else "")
                image = f"{kind} {image}".strip()
            else:
                image = kind
            image = scope.subst(image)
            return f"{image} ({resource})" if resource else image
        return resource or None


class _StepMaker:
    def __init__(self, file: str, line: int, job: str) -> None:
        self.file, self.line, self.job = file, line, job

    def __call__(self, name: str, text: str, *, uses: str | None = None,
                 inputs: tuple[tuple[str, str], ...] = (), kind_hint: str | None = None) -> Step:
        return Step(file=self.file, line=self.line, job=self.job, name=name or text, text=text,
                    uses=uses, inputs=inputs, kind_hint=kind_hint)


def _wrapping(make: _StepMaker, name: str, steps: list[Step], *, uses: str | None = None,
              inputs: tuple[tuple[str, str], ...] = ()) -> Step:
    """One step standing for several: their texts, and their hint when they all agree."""
    text = "\n".join(s.text for s in steps)
    hints = {s.kind_hint for s in steps}
    hint = hints.pop() if len(hints) == 1 else None
    return make(name, text, uses=uses, inputs=inputs, kind_hint=hint)


def _render(key: str, args: Any) -> str:
    if args is None:
        return key
    if isinstance(args, YMap):
        return key + "".join(f"\n  {k}: {text_of(v)}" for k, v in args.items())
    return f"{key}: {text_of(args)}"


def _inputs(args: Any, scope: Scope) -> tuple[tuple[str, str], ...]:
    if not isinstance(args, YMap):
        return ()
    return tuple((str(k), scope.subst(text_of(v))) for k, v in args.items())
