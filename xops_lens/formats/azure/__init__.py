"""Azure Pipelines: ``azure-pipelines*.yml`` anywhere, and YAML in the folders where
projects keep pipelines and their templates.

Discovery has to be general because Azure has no fixed location: the pipeline's file is
chosen in the web UI. What real repositories do: ``azure-pipelines.yml`` at the root or
in a component folder; folders named ``.azure-pipelines``, ``azure-pipelines``,
``.pipelines``, ``.azuredevops``, ``azure-devops``, ``.vsts-ci``, ``.ado``, ``azure``; and the
``eng/`` folder of the .NET Arcade convention. A file in a folder is read only when it is
shaped like a pipeline or a template (otherwise Declined), so other YAML there is left
alone. Any other YAML file is claimed by its content when it is shaped like nothing but
an Azure pipeline or template (``content.py``).

Templates are files too: an entry pipeline lists the templates it expands in
``Pipeline.includes``, and :meth:`AzurePipelines.entry` says False for template-looking
paths, so a template is analysed on its own only when no pipeline includes it.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Any

from xops_lens.errors import Declined, ParseError
from xops_lens.formats._yamlshape import kind_of
from xops_lens.formats.azure.cond import job_triggers
from xops_lens.formats.azure.cond import triggers as pipeline_triggers
from xops_lens.formats.azure.content import claims_by_content
from xops_lens.formats.azure.steps import Context, get
from xops_lens.formats.azure.walk import Walker
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Pipeline, Source
from xops_lens.yamlload import YMap, load_documents

FORMAT_NAME = "azure-pipelines"
YAML_SUFFIXES = (".yml", ".yaml")
NAME_PREFIXES = ("azure-pipelines", ".azure-pipelines")
PIPELINE_DIRS = frozenset({".azure-pipelines", "azure-pipelines", ".pipelines", ".azuredevops",
                           ".azure-devops", "azure-devops", ".vsts-ci", ".vsts", ".ado",
                           # job templates beside the build scripts (`buildscripts/azure/`,
                           # `ci/azure/`, `build_tools/azure/`); YAML there that is no
                           # pipeline (manifests, ARM parameters) is declined by its shape
                           "azure"})
# Folders whose top level holds pipelines (their templates live in subfolders).
ENTRY_DIRS = frozenset({".pipelines", ".vsts-ci", ".vsts", ".ado", ".azuredevops"})
ARCADE_DIR = "eng"
TEMPLATE_DIRS = frozenset({"steps", "step", "jobs", "job", "stages", "stage", "variables",
                           "vars"})
# Files other formats own, even when they sit in a folder we read.
OTHER_FORMATS = frozenset({"action.yml", "action.yaml", ".gitlab-ci.yml", "cloudbuild.yaml",
                           "cloudbuild.yml", "bitbucket-pipelines.yml", ".travis.yml",
                           "appveyor.yml", ".drone.yml", "codecov.yml", ".codecov.yml",
                           "dependabot.yml", "renovate.json"})
PIPELINE_KEYS = frozenset({"stages", "jobs", "steps", "extends", "trigger", "pr", "schedules",
                           "pool", "resources", "variables", "parameters"})
SHAPE_KEYS = frozenset({"stages", "jobs", "steps", "extends"})


def _named_pipeline(path: str) -> bool:
    return posixpath.basename(path).lower().startswith(NAME_PREFIXES) \
        and path.lower().endswith(YAML_SUFFIXES)


def _folder_pipeline(path: str) -> bool:
    if not path.lower().endswith(YAML_SUFFIXES) or posixpath.basename(path) in OTHER_FORMATS:
        return False
    parts = path.split("/")[:-1]
    if not parts or parts[0] in (".github", ".gitlab", ".circleci", ".buildkite", ".tekton"):
        return False
    return parts[0] == ARCADE_DIR or any(part.lower() in PIPELINE_DIRS for part in parts)


def template_looking(path: str) -> bool:
    """True for paths that by convention hold templates rather than pipelines."""
    parts = path.split("/")
    folders, name = [p.lower() for p in parts[:-1]], parts[-1].lower()
    stem = name.rsplit(".", 1)[0]
    if any("template" in p for p in folders) or "template" in stem:
        return True
    if any(p in TEMPLATE_DIRS for p in folders):
        return True
    if folders and folders[0] == ARCADE_DIR and folders[:2] != [ARCADE_DIR, "pipelines"]:
        return True
    # conda-forge's layout: the root azure-pipelines.yml includes one jobs template per
    # platform, .azure-pipelines/azure-pipelines-<platform>.yml.
    return bool(folders) and folders[-1] in (".azure-pipelines", "azure-pipelines") \
        and stem.startswith("azure-pipelines-")


def _shaped(document: YMap) -> bool:
    """Pipelines and templates have stages, jobs, steps or triggers; a variables or
    parameters template has nothing but those (other YAML may share those two words)."""
    keys = {k for k in document if isinstance(k, str) and not k.lstrip().startswith("${{")}
    if keys & (PIPELINE_KEYS - {"variables", "parameters"}):
        return True
    return bool(keys & PIPELINE_KEYS) and keys <= PIPELINE_KEYS | {"name"}


def _document(source: Source, strong: bool) -> YMap:
    try:
        documents = [d for d in load_documents(source.text, source.path) if d is not None]
    except ParseError:
        if strong:
            raise
        raise Declined(source.path) from None
    shaped = len(documents) == 1 and isinstance(documents[0], YMap) and _shaped(documents[0])
    if not shaped and not strong:
        raise Declined(source.path)
    if not documents:
        raise ParseError(source.path, "the file is empty (no YAML document)")
    if len(documents) > 1:
        raise ParseError(source.path, "expected one YAML document, found several")
    document = documents[0]
    if not isinstance(document, YMap):
        raise ParseError(source.path, f"expected a mapping at the top level, found "
                                      f"{kind_of(document)}", 1)
    if not shaped:
        raise ParseError(source.path, "an Azure pipeline needs 'stages', 'jobs', 'steps' or "
                                      "'extends'", document.line)
    return document


def parse_pipeline(source: Source) -> Pipeline:
    strong = _named_pipeline(source.path)
    document = _document(source, strong)
    is_template = template_looking(source.path)
    walker = Walker(source)
    ctx = Context(source.path)
    stages, _ = get(document, "stages")
    if stages is not None or get(document, "jobs")[0] is not None \
            or get(document, "steps")[0] is not None or "extends" in document:
        walker.body(document, ctx, "pipeline")
    else:
        walker.variables(document.get("variables"), ctx)
        if not SHAPE_KEYS & set(document) and strong:
            walker.notes["no stages, jobs or steps"] = None
    notes = list(walker.notes)
    if not walker.jobs and "parameters" in document and is_template:
        notes.append("template: analysed alone because no pipeline read here includes it")
    triggers = pipeline_triggers(document, is_template)
    # Each job runs on the pipeline's triggers its stage's and its own conditions let
    # through, each with its basis.
    jobs = tuple(replace(job, triggers=job_triggers(triggers, conditions))
                 for job, conditions in zip(walker.jobs, walker.conditions))
    if is_template and not triggers:
        # A template read alone runs only where a pipeline (not scanned: another
        # repository, a computed path) references it, never by itself.
        jobs = tuple(replace(job, reusable=True) for job in jobs)
    return Pipeline(
        path=source.path, format=FORMAT_NAME, jobs=jobs,
        triggers=triggers,
        includes=tuple(p for p in walker.includes if p != source.path),
        notes=tuple(notes),
    )


class AzurePipelines:
    name = FORMAT_NAME
    globs = ("**/azure-pipelines*.yml", "**/azure-pipelines*.yaml", "**/.azure-pipelines/**",
             "**/azure-pipelines/**", "**/.pipelines/**", "**/.azuredevops/**",
             "**/azure-devops/**", "**/.vsts-ci/**", "**/azure/**", "eng/**/*.yml")

    def claims(self, path: str) -> bool:
        return _named_pipeline(path) or _folder_pipeline(path)

    content_claims = ("YAML files of other names holding an Azure pipeline or template "
                      "(not in examples, samples, tests or docs)")

    def claims_content(self, path: str, text: str) -> bool:
        return claims_by_content(path, text)

    def entry(self, path: str) -> bool:
        """Only files that are pipelines by name or by place: in folders that mix pipelines
        and templates, a file read first as an entry would be counted twice when a pipeline
        includes it, whereas a non-entry is still analysed alone when nothing does."""
        if template_looking(path):
            return False
        if _named_pipeline(path):
            return True
        folders = path.split("/")[:-1]
        return (len(folders) == 1 and folders[0].lower() in ENTRY_DIRS) \
            or folders == [ARCADE_DIR, "pipelines"]

    def parse(self, source: Source) -> Pipeline:
        return parse_pipeline(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(AzurePipelines())
