"""Google Cloud Build: ``cloudbuild.yaml`` (and ``cloudbuild-*.yaml`` variants).

One build runs its steps in order on one worker, so the file is one Job; the rubric's
steps are the items of ``steps``. A step runs a builder image: without an
``entrypoint`` the image's own program receives ``args`` (``gcr.io/cloud-builders/docker``
with ``[build, ...]`` is ``docker build ...``), so the image is what the step uses and
the text reads as that command line; with an ``entrypoint`` or a ``script`` the command
is the step's work and the image only where it runs. ``images:`` and ``artifacts:`` are
pushed after the steps; they are noted on the job.
"""

from __future__ import annotations

import posixpath
from typing import Any

from xops_lens.errors import Declined, ParseError
from xops_lens.formats._yamlshape import (
    basename,
    command_line,
    image_program,
    in_foreign_dir,
    mapping,
    names,
    sequence,
    step_name,
    text_of,
)
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step
from xops_lens.yamlload import YList, YMap, load_mapping

FORMAT_NAME = "cloudbuild"
SUFFIXES = (".yaml", ".yml")


# Base images with no program of their own: their args are the whole command line
# (`name: ubuntu, args: [cat, x]` runs `cat x`).
BASE_IMAGES = frozenset({
    "ubuntu", "debian", "alpine", "busybox", "centos", "fedora", "rockylinux", "bash",
    "python", "golang", "node", "ruby", "openjdk", "eclipse-temurin", "rust", "php",
    "cloud-sdk", "buildpack-deps",
})


def _args(spec: YMap) -> list[str]:
    value = spec.get("args")
    if value is None:
        return []
    if isinstance(value, YList):
        return [text_of(v) for v in value if v is not None]
    if isinstance(value, YMap):
        raise ParseError(spec.file, "a step's args must be a list, found a mapping",
                         spec.line_of("args"))
    return [text_of(value)]


def _step(item: Any, line: int, file: str, job_id: str, index: int) -> Step:
    spec = mapping(item, file, line, "a step")
    image = text_of(spec.get("name")).strip()
    if not image:
        raise ParseError(file, "a step needs a 'name' (the builder image)", line)
    identifier = text_of(spec.get("id")).strip() or None
    script = spec.get("script")
    entrypoint = text_of(spec.get("entrypoint")).strip()
    args = _args(spec)
    uses: str | None = None
    if script is not None:
        text = text_of(script)
    elif entrypoint:
        text = command_line([entrypoint, *args])
    elif image_program(image) in BASE_IMAGES:
        text = command_line(args)
    else:
        uses = image
        text = command_line([image_program(image), *args])
    inputs: tuple[tuple[str, str], ...] = (("image", image),) if uses is None else ()
    waits = names(spec.get("waitFor"))
    if waits:
        inputs += (("waitFor", ", ".join(waits)),)
    return Step(file=file, line=line, job=job_id,
                name=step_name(identifier, text, f"step {index + 1}"), text=text, uses=uses,
                inputs=inputs)


def _notes(document: YMap) -> list[str]:
    notes = []
    images = document.get("images")
    if isinstance(images, list) and images:
        notes.append(f"pushes {len(images)} image(s) after the steps: "
                     + ", ".join(text_of(i) for i in images))
    artifacts = document.get("artifacts")
    if isinstance(artifacts, YMap) and artifacts:
        notes.append("uploads artifacts after the steps: " + ", ".join(map(str, artifacts)))
    return notes


def _runner(document: YMap) -> str | None:
    options = document.get("options")
    if not isinstance(options, YMap):
        return None
    pool = options.get("pool")
    if isinstance(pool, YMap) and pool.get("name"):
        return f"pool {text_of(pool['name'])}"
    return text_of(options.get("machineType")) or None


def parse_cloudbuild(source: Source) -> Pipeline:
    document = load_mapping(source.text, source.path)
    if "steps" not in document:
        # cloudbuild-*.yaml names are also used for trigger or substitution settings.
        raise Declined(source.path)
    items = sequence(document["steps"], source.path, document.line_of("steps"), "steps")
    job_id = posixpath.dirname(source.path) or "build"
    steps = tuple(_step(item, line, source.path, job_id, i)
                  for i, (item, line) in enumerate(items.items_with_lines()))
    job = Job(id=job_id, name=job_id, file=source.path, line=document.line_of("steps"),
              steps=steps, runner=_runner(document), notes=tuple(_notes(document)))
    # Builds start from triggers configured in Google Cloud (or `gcloud builds submit`).
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=(job,),
                    notes=(("builds are started by Cloud Build triggers or gcloud, set outside "
                           "the file"),))


class CloudBuild:
    name = FORMAT_NAME
    globs = ("**/cloudbuild.yaml", "**/cloudbuild.yml", "**/cloudbuild*.yaml",
             "**/cloudbuild*.yml", "**/*.cloudbuild.yaml", "**/*.cloudbuild.yml")

    def claims(self, path: str) -> bool:
        name = basename(path).lower()
        # cloudbuild.yaml, cloudbuild-e2e.yaml, and the <step>.cloudbuild.yaml of
        # organisations that keep one file per trigger (int.cloudbuild.yaml)
        return (name.startswith("cloudbuild") or ".cloudbuild." in name) \
            and name.endswith(SUFFIXES) and not in_foreign_dir(path)

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_cloudbuild(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(CloudBuild())

