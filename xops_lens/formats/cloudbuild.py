"""Google Cloud Build: ``cloudbuild.yaml`` (and ``cloudbuild-*.yaml`` variants), and YAML
files of any name shaped like a build config (``deploy/gcb/release.yaml``).

One build runs its steps in order on one worker, so the file is one Job; the rubric's
steps are the items of ``steps``. A step runs a builder image: without an
``entrypoint`` the image's own program receives ``args`` (``gcr.io/cloud-builders/docker``
with ``[build, ...]`` is ``docker build ...``), so the image is what the step uses and
the text reads as that command line; with an ``entrypoint`` or a ``script``, or args
that start with a program's path (``./gradlew``), the command is the step's work and the
image only where it runs. ``images:`` and ``artifacts:`` are pushed after the steps;
they are noted on the job.

A config's name is free (``gcloud builds submit --config=...``, a trigger's config path),
so a YAML file that no format claims by path is also read when its content is a build:
every top-level key is one of the build config schema's, and every item of ``steps`` is
a mapping of step keys whose ``name`` is a container image, with at least one step that
runs something (``args``, ``entrypoint`` or ``script``) and one image that could be
nothing else (a registry path, a tag, a substitution, or a well-known base image). A
Tekton task, a Drone or Woodpecker pipeline (``image:``, ``commands:``), a Buildkite
pipeline (``command:``, ``label:``), a GitHub workflow, a Kubernetes manifest
(``apiVersion``), an Ansible playbook (a list) or a compose file fails one of these.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from xops_lens.errors import Declined, ParseError, XopsLensError
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

# The build config file schema (cloud.google.com/build/docs/build-config-file-schema;
# `dependencies` from "Manage build dependencies", `source` from the Build resource).
BUILD_KEYS = frozenset({
    "steps", "timeout", "queueTtl", "logsBucket", "options", "substitutions", "tags",
    "serviceAccount", "secrets", "availableSecrets", "artifacts", "images", "dependencies",
    "source",
})
STEP_KEYS = frozenset({
    "name", "args", "env", "allowFailure", "allowExitCodes", "dir", "id", "waitFor",
    "entrypoint", "secretEnv", "volumes", "timeout", "script", "automapSubstitutions",
    "results",
})
RUNNING_KEYS = ("args", "entrypoint", "script")
# A top-level `steps:` line: the cheap look that spares the parse of nearly every file.
_TOP_STEPS = re.compile(r"^[\"']?steps[\"']?[ \t]*:", re.MULTILINE)
# ./gradlew, ../run.sh, /bin/bash; not a Bazel label (//pkg:target)
_PROGRAM_PATH = re.compile(r"\.{1,2}/|/(?!/)")
# $PROJECT_ID, ${_REGION}: Cloud Build substitutions, in image names too
_SUBSTITUTION = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
_IMAGE = re.compile(r"[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?::[0-9]+)?"
                    r"(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*"
                    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-fx]+)?")


# Base images with no program of their own: their args are the whole command line
# (`name: ubuntu, args: [cat, x]` runs `cat x`).
BASE_IMAGES = frozenset({
    "ubuntu", "debian", "alpine", "busybox", "centos", "fedora", "rockylinux", "bash",
    "python", "golang", "node", "ruby", "openjdk", "eclipse-temurin", "rust", "php",
    "cloud-sdk", "buildpack-deps",
})


def _image(name: Any) -> str | None:
    """``name`` with its substitutions filled in when it reads as a container image."""
    if not isinstance(name, str) or len(name) > 300:
        return None
    filled = _SUBSTITUTION.sub("x", name.strip())
    return filled if _IMAGE.fullmatch(filled) else None


def _telling(name: str, filled: str) -> bool:
    """An image name no word of another file's `name:` would be: a registry path, a tag or
    digest, a substitution, or a base image known by its bare name (ubuntu, python)."""
    return filled != name or any(c in filled for c in "/:@") or filled in BASE_IMAGES


def is_build_config(document: Any) -> bool:
    """Whether a parsed YAML document is shaped like a Cloud Build config (see the
    module's docstring)."""
    if not isinstance(document, YMap) or not document.keys() <= BUILD_KEYS:
        return False
    steps = document.get("steps")
    if not isinstance(steps, YList) or not steps:
        return False
    runs = telling = False
    for item in steps:
        if not isinstance(item, YMap) or not item.keys() <= STEP_KEYS:
            return False
        name = item.get("name")
        filled = _image(name)
        if filled is None:
            return False
        telling = telling or _telling(name.strip(), filled)
        runs = runs or any(key in item for key in RUNNING_KEYS)
    return runs and telling


def claims_by_content(path: str, text: str) -> bool:
    if "steps" not in text or _TOP_STEPS.search(text) is None \
            or not path.lower().endswith(SUFFIXES) or in_foreign_dir(path):
        return False
    try:
        document = load_mapping(text, path)
    except XopsLensError:  # not YAML, several documents, not a mapping: not a build
        return False
    return is_build_config(document)


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
    elif image_program(image) in BASE_IMAGES or args and _PROGRAM_PATH.match(args[0]):
        # An image without an entrypoint runs its first arg: a path there (`./gradlew`,
        # `/bin/bash`) is that program, not an argument of the image's own program.
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

    def claims_content(self, path: str, text: str) -> bool:
        return claims_by_content(path, text)

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_cloudbuild(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(CloudBuild())

