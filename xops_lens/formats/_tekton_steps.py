"""The steps of a Tekton Task spec (or inline ``taskSpec``), one per ``steps`` item.

A step runs its ``script``, or ``command`` + ``args``, in its ``image``; then the
commands are the work and the image only where it runs. A step with neither runs the
image's own program (the image is what it ``uses``), and a step with ``ref:`` runs a
StepAction, named by its ``ref``. An ``image: uses:<source>`` (its own or the
``stepTemplate``'s) is Jenkins X Lighthouse's borrowed step (``_lighthouse``).
"""

from __future__ import annotations

from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._lighthouse import borrowed_step, uses_source
from xops_lens.formats._yamlshape import (
    command_line,
    describe,
    image_program,
    mapping,
    render_inputs,
    sequence,
    step_name,
    text_of,
)
from xops_lens.model import Step
from xops_lens.yamlload import YList, YMap


def _words(spec: YMap, key: str) -> list[str]:
    value = spec.get(key)
    if value is None:
        return []
    if isinstance(value, YList):
        return [text_of(v) for v in value if v is not None]
    if isinstance(value, YMap):
        raise ParseError(spec.file, f"a step's {key} must be a list, found a mapping",
                         spec.line_of(key))
    return [text_of(value)]


def _params(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple((text_of(p.get("name")), text_of(p.get("value")))
                 for p in value if isinstance(p, YMap) and p.get("name"))


def ref_name(ref: YMap) -> str:
    """A readable name for a taskRef, pipelineRef or step ref, resolver or not."""
    if ref.get("name") and not ref.get("resolver"):
        return text_of(ref["name"])
    params = dict(_params(ref.get("params")))
    for key in ("pathInRepo", "bundle", "name", "url"):
        if params.get(key):
            return params[key]
    return text_of(ref.get("resolver")) or "stepaction"


def tekton_step(item: Any, line: int, job_id: str, default_image: str, index: int) -> Step:
    file = getattr(item, "file", "")
    spec = mapping(item, file, line, "a step")
    image = text_of(spec.get("image")).strip() or default_image
    name = spec.get("name")
    ref = spec.get("ref")
    if ref is not None:
        ref = mapping(ref, file, spec.line_of("ref"), "a step's ref")
        uses = ref_name(ref)
        inputs = _params(spec.get("params"))
        return Step(file=file, line=line, job=job_id, name=step_name(name, uses, uses),
                    text=uses + render_inputs(inputs), uses=uses, inputs=inputs)
    script = spec.get("script")
    command = _words(spec, "command")
    args = _words(spec, "args")
    source = uses_source(image)
    if source is not None and script is None and not command and not args:
        return borrowed_step(source, text_of(name).strip(), file=file, line=line, job=job_id)
    if script is None and not command and args and image:
        # Arguments to the image's own entrypoint: the image is the program.
        text = command_line([image_program(image), *args])
        return Step(file=file, line=line, job=job_id, name=step_name(name, text, image),
                    text=text, uses=image)
    text = text_of(script) if script is not None else command_line(command + args)
    if text.strip():
        return Step(file=file, line=line, job=job_id,
                    name=step_name(name, text, f"step {index + 1}"), text=text,
                    inputs=(("image", image),) if image else ())
    return Step(file=file, line=line, job=job_id, name=step_name(name, image, image or "step"),
                text=image, uses=image or None)


def task_steps(spec: YMap, job_id: str, single: int | None = None) -> tuple[Step, ...]:
    """Steps of a Task spec; ``single`` is the line of a StepAction spec, itself one step."""
    template = spec.get("stepTemplate")
    default_image = text_of(template.get("image")).strip() \
        if isinstance(template, YMap) else ""
    if single is not None:
        return (tekton_step(spec, single, job_id, default_image, 0),)
    if "steps" not in spec:
        return ()
    items = sequence(spec["steps"], spec.file, spec.line_of("steps"), "steps")
    steps = []
    for index, (item, line) in enumerate(items.items_with_lines()):
        if not isinstance(item, YMap):
            raise ParseError(spec.file, f"a step must be a mapping, found {describe(item)}",
                             line)
        steps.append(tekton_step(item, line, job_id, default_image, index))
    return tuple(steps)
