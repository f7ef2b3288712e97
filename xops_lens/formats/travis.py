"""Travis CI: ``.travis.yml``.

The rubric's steps are the items of each phase list (``install``, ``script``, ...);
each provider under ``deploy`` is a step too. The root config is one Job whose width is
its build matrix (language versions x os x env ...); a ``jobs.include`` entry that runs
phases of its own is a Job of its own (inheriting the root phases it does not replace),
while one that only changes settings (env, os) adds to the root Job's width. Local
``import:`` files are merged in; their steps keep their own file and line.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from xops_lens.errors import ParseError
from xops_lens.formats._yamlshape import (
    basename,
    describe,
    in_foreign_dir,
    mapping,
    script_items,
    step_name,
    text_of,
)
from xops_lens.formats._travis_if import job_triggers
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Job, Pipeline, Source, Step, Trigger
from xops_lens.yamlload import YList, YMap, load_mapping

FORMAT_NAME = "travis"
FILE_NAME = ".travis.yml"

# In the order Travis runs them.
PHASES = ("before_install", "install", "before_script", "script", "before_cache",
          "after_success", "after_failure", "before_deploy", "deploy", "after_deploy",
          "after_script")

# Keys whose list values multiply the build matrix (each value is one more job).
EXPANSION_KEYS = (
    "os", "arch", "dist", "osx_image", "compiler", "gemfile", "jdk", "xcode_sdk",
    "xcode_scheme", "xcode_destination", "python", "node_js", "rvm", "ruby", "go", "php",
    "perl", "perl6", "scala", "rust", "julia", "elixir", "otp_release", "dart", "ghc",
    "crystal", "r", "smalltalk", "haxe", "d", "dotnet", "mono", "solution", "lua", "elm",
    "nix", "hhvm",
)

# Providers whose deploy publishes a package or release rather than deploying a site
# or service: the syntax says "deploy", the provider says which kind of action.
PUBLISH_PROVIDERS = frozenset({
    "releases", "pypi", "npm", "rubygems", "cargo", "hex", "packagecloud", "bintray",
    "launchpad", "puppetforge", "hackage", "chef_supermarket", "snap", "pages:git",
})

# What Travis runs when a language's phase is not written; enough to count the work.
LANGUAGE_DEFAULTS: dict[str, dict[str, str]] = {
    "node_js": {"install": "npm install", "script": "npm test"},
    "ruby": {"install": "bundle install --jobs=3 --retry=3", "script": "rake"},
    "c": {"script": "./configure && make && make test"},
    "cpp": {"script": "./configure && make && make test"},
    "rust": {"script": "cargo build --verbose && cargo test --verbose"},
    "go": {"install": "go get -t -v ./...", "script": "go test -v ./..."},
    "php": {"script": "phpunit"},
}

MAX_IMPORT_DEPTH = 10


@dataclass
class _TravisDocument:
    """The root config after imports: each key maps to the mapping that wrote it."""

    owners: dict[str, YMap]

    def get(self, key: str) -> Any:
        owner = self.owners.get(key)
        return owner.get(key) if owner is not None else None


def _imports(document: YMap) -> list[tuple[str, int]]:
    value = document.get("import")
    if value is None:
        return []
    items = [(value, document.line_of("import"))] if not isinstance(value, YList) \
        else list(value.items_with_lines())
    found = []
    for item, line in items:
        if isinstance(item, YMap):
            item = item.get("source")
        if not isinstance(item, str):
            raise ParseError(document.file, f"an import must be a file name, found "
                             f"{describe(item)}", line)
        found.append((item.strip(), line))
    return found


def _load(source: Source, path: str, text: str, chain: tuple[str, ...], notes: list[str],
          includes: list[str]) -> list[YMap]:
    """The document and every local file it imports, importing file first."""
    document = load_mapping(text, path)
    found = [document]
    for target, line in _imports(document):
        if ":" in target.split("@", 1)[0]:
            notes.append(f"import {target} is in another repository; not fetched")
            continue
        target = target.split("@", 1)[0]
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(path), target)
                                 if target.startswith("./") else target.lstrip("/"))
        if rel in chain:
            raise ParseError(path, f"import cycle: {' -> '.join(chain + (rel,))}", line)
        if len(chain) > MAX_IMPORT_DEPTH:
            raise ParseError(path, "imports nested too deeply", line)
        try:
            text = source.read_local(rel)
        except ParseError as exc:
            raise ParseError(path, f"import {target}: {exc.message}", line) from None
        includes.append(rel)
        found.extend(_load(source, rel, text, chain + (rel,), notes, includes))
    return found


def _merge(documents: list[YMap]) -> _TravisDocument:
    # Travis merges imports under the importing config; we keep the simplest reading:
    # a key takes the value of the first file (importing before imported) that sets it.
    owners: dict[str, YMap] = {}
    for document in documents:
        for key in document:
            owners.setdefault(key, document)
    return _TravisDocument(owners)


def _count(value: Any) -> int:
    if isinstance(value, list):
        return max(1, len(value))
    return 1


def _env_count(value: Any) -> int:
    if isinstance(value, YMap):
        return _count(value.get("jobs", value.get("matrix")))
    return _count(value)


def _deploy_steps(owner: YMap, job_id: str) -> list[Step]:
    value = owner.get("deploy")
    file = owner.file
    if value is None or isinstance(value, str):
        return []
    if isinstance(value, YMap):
        entries = [(value, owner.line_of("deploy"))]
    elif isinstance(value, YList):
        entries = list(value.items_with_lines())
    else:
        raise ParseError(file, f"deploy must be a mapping or a list, found {describe(value)}",
                         owner.line_of("deploy"))
    steps = []
    for entry, line in entries:
        entry = mapping(entry, file, line, "a deploy provider")
        provider = text_of(entry.get("provider")).strip() or "unknown"
        if provider == "script":
            text = text_of(entry.get("script"))
            steps.append(Step(file=file, line=line, job=job_id,
                              name=step_name(None, text, "deploy script"), text=text))
            continue
        inputs = tuple((str(k), "<secure>" if isinstance(v, YMap) and "secure" in v
                        else text_of(v)) for k, v in entry.items() if k != "provider")
        text = f"deploy {provider}" + "".join(f"\n  {k}: {v}" for k, v in inputs)
        hint = "publish" if provider in PUBLISH_PROVIDERS else "deploy"
        steps.append(Step(file=file, line=line, job=job_id, name=f"deploy to {provider}",
                          text=text, uses=provider, inputs=inputs, kind_hint=hint))
    return steps


def _phase_steps(owner: YMap, phase: str, job_id: str) -> list[Step]:
    if isinstance(owner[phase], str) and owner[phase].strip() == "skip":
        return []  # Travis' word for "run nothing in this phase"
    if phase == "deploy":
        return _deploy_steps(owner, job_id)
    return [Step(file=owner.file, line=line, job=job_id, name=step_name(None, text, phase),
                 text=text) for text, line in script_items(owner, phase, phase)]


def _default_step(config: _TravisDocument, phases: list[str], job_id: str) -> Step | None:
    """What Travis runs for the unwritten ``phases`` of the config's language: one step
    at the ``language:`` line (a file and line name one step, so defaults share it)."""
    owner = config.owners.get("language")
    if owner is None:
        return None
    language = text_of(owner.get("language")).strip().lower()
    defaults = LANGUAGE_DEFAULTS.get(language, {})
    missing = [phase for phase in phases if phase in defaults]
    if not missing:
        return None
    return Step(file=owner.file, line=owner.line_of("language"), job=job_id,
                name=f"default {' and '.join(missing)} for {language}",
                text="\n".join(defaults[phase] for phase in missing))


def _steps(config: _TravisDocument, own: YMap | None, job_id: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    unwritten: list[str] = []
    for phase in PHASES:
        owner = own if own is not None and phase in own else config.owners.get(phase)
        if owner is None:
            unwritten.append(phase)
        else:
            steps.extend(_phase_steps(owner, phase, job_id))
    default = _default_step(config, unwritten, job_id)
    return tuple(steps) if default is None else (default, *steps)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _runner(get: Any) -> str | None:
    os_name = text_of(get("os")).strip()
    detail = text_of(get("osx_image") or get("dist")).strip()
    return " ".join(p for p in (os_name, detail) if p) or None


def _include_runner(entry: YMap, config: _TravisDocument) -> str | None:
    # An include takes the first value of each root matrix key it does not set.
    return _runner(lambda k: entry[k] if k in entry else _first(config.get(k)))


def _matrix(config: _TravisDocument) -> tuple[YList | None, YList | None]:
    """(include, exclude) from ``jobs`` or its older name ``matrix``."""
    for key in ("jobs", "matrix"):
        owner = config.owners.get(key)
        if owner is None:
            continue
        value, line = owner[key], owner.line_of(key)
        if isinstance(value, YList):
            return value, None
        if value is None:
            continue
        value = mapping(value, owner.file, line, key)
        include, exclude = value.get("include"), value.get("exclude")
        if isinstance(include, YMap):  # one include may be written without the list
            single = YList(include.line, include.file)
            single.append(include)
            single.item_lines.append(include.line)
            include = single
        for name, part in (("include", include), ("exclude", exclude)):
            if part is not None and not isinstance(part, YList):
                raise ParseError(owner.file, f"{key}.{name} must be a list, found "
                                 f"{describe(part)}", value.line_of(name))
        return include, exclude
    return None, None


def _conditions(value: Any, depth: int = 0) -> list[tuple[str, int]]:
    """Every ``if:`` condition in a config, with its line."""
    found: list[tuple[str, int]] = []
    if depth > 20:
        return found
    if isinstance(value, YMap):
        for key, item in value.items():
            if key == "if" and isinstance(item, str):
                found.append((item, value.line_of(key)))
            else:
                found.extend(_conditions(item, depth + 1))
    elif isinstance(value, YList):
        for item in value:
            found.extend(_conditions(item, depth + 1))
    return found


def _triggers(config: _TravisDocument, documents: list[YMap]) -> tuple[Trigger, ...]:
    # Travis builds pushes and pull requests unless the repository settings say
    # otherwise; cron jobs are set in the settings and show in the file only in
    # conditions such as `if: type = cron`.
    owner = config.owners.get("branches")
    line = owner.line_of("branches") if owner is not None else 1
    triggers = [Trigger("push", line), Trigger("pull_request", line)]
    for text, if_line in (c for document in documents for c in _conditions(document)):
        if "cron" in text:
            triggers.append(Trigger("schedule", if_line))
            break
    return tuple(triggers)


def _stage_conditions(value: Any) -> dict[str, str]:
    """Each stage's ``if:`` (``stages: [{name: deploy, if: tag IS present}]``), by
    lower-cased name (Travis matches stage names case-insensitively)."""
    found: dict[str, str] = {}
    for item in value if isinstance(value, list) else ():
        if isinstance(item, YMap) and isinstance(item.get("if"), str):
            found[text_of(item.get("name")).strip().lower() or "test"] = item["if"].strip()
    return found


def parse_travis(source: Source) -> Pipeline:
    notes: list[str] = []
    includes: list[str] = []
    documents = _load(source, source.path, source.text, (source.path,), notes, includes)
    config = _merge(documents)
    for phase in PHASES:
        owner = config.owners.get(phase)
        if owner is not None and phase != "deploy" and isinstance(owner[phase], YMap):
            raise ParseError(owner.file, f"{phase} must be a command or a list of commands, "
                             "found a mapping", owner.line_of(phase))
    include, exclude = _matrix(config)
    width = 1
    for key in EXPANSION_KEYS:
        width *= _count(config.get(key))
    width *= _env_count(config.get("env"))
    expanded = any(isinstance(config.get(k), list) for k in EXPANSION_KEYS) or \
        _env_count(config.get("env")) > 1
    width = max(1, width - (len(exclude) if exclude else 0))

    triggers = _triggers(config, documents)
    build_if = text_of(config.get("if")).strip()
    stage_ifs = _stage_conditions(config.get("stages"))
    branches = config.get("branches")

    def own(stage: str, job_if: str, line: int) -> tuple[Trigger, ...] | None:
        conditions = [("build", build_if)] if build_if else []
        if stage_ifs.get(stage.lower() or "test"):
            conditions.append((f"stage {stage or 'test'}", stage_ifs[stage.lower() or "test"]))
        if job_if:
            conditions.append(("job", job_if))
        return job_triggers(triggers, conditions, branches, line)

    jobs: list[Job] = []
    settings_only = 0
    entries = list(include.items_with_lines()) if include is not None else []
    include_file = include.file if include is not None else source.path
    for n, (entry, line) in enumerate(entries, 1):
        entry = mapping(entry, include_file, line, "a jobs.include entry")
        if not any(phase in entry for phase in PHASES):
            settings_only += 1
            continue
        name = text_of(entry.get("name")).strip() or f"include {n}"
        stage = text_of(entry.get("stage")).strip()
        jobs.append(Job(
            id=name, name=f"{stage}: {name}" if stage else name, file=entry.file, line=line,
            steps=_steps(config, entry, name),
            runner=_include_runner(entry, config),
            notes=(f"stage {stage}",) if stage else (),
            triggers=own(stage, text_of(entry.get("if")).strip(), line),
        ))
    # The root config runs as jobs of its own when it expands a matrix or when there is
    # no include; includes that only change settings (env, os) run the root phases too.
    root_width = (width if expanded or not include else 0) + settings_only
    if root_width:
        owner = config.owners.get("language")
        jobs.insert(0, Job(
            id="main", name="main", file=source.path,
            line=owner.line_of("language") if owner is not None else 1,
            steps=_steps(config, None, "main"), matrix_size=root_width,
            runner=_runner(config.get),
            notes=(f"{settings_only} jobs.include entries run these phases",)
            if settings_only else (),
            triggers=own("", "", owner.line_of("language") if owner is not None else 1),
        ))
    return Pipeline(path=source.path, format=FORMAT_NAME, jobs=tuple(jobs),
                    triggers=triggers, includes=tuple(includes),
                    notes=tuple(dict.fromkeys(notes)))


class TravisCI:
    name = FORMAT_NAME
    globs = (f"**/{FILE_NAME}",)

    def claims(self, path: str) -> bool:
        return basename(path) == FILE_NAME and not in_foreign_dir(path)

    def entry(self, path: str) -> bool:
        return True

    def parse(self, source: Source) -> Pipeline:
        return parse_travis(source)


@hookimpl
def register_formats(register: Any) -> None:
    register(TravisCI())
