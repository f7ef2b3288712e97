"""GitLab CI files told by their content, for trees without ``.gitlab-ci.yml``.

A repository's pipeline is ``.gitlab-ci.yml`` and what it includes; the job files it
includes live where the project likes (``.gitlab/benchmarks.yml``, ``.gitlab/ci/*.yml``,
``ci/*.gitlab-ci.yml``). When the root file is in the scanned tree, its includes say
which of them are configuration and they are read through it, once. When it is not (a
sample of a repository, a sparse checkout, a folder scanned alone), the YAML files
under ``.gitlab/`` (any depth), and those in any folder whose own name holds both
``gitlab`` and ``ci`` (``.gitlab-docker-ci.yml``), that are shaped like GitLab CI are read
as GitLab CI files of their own: a top-level mapping with a job (a mapping with ``script``,
``extends``, ``stage`` or ``trigger``, hidden templates included) or one of the global
keywords ``stages`` (a list), ``variables``, ``workflow``, ``default`` (mappings) or
``include``. Issue templates, route maps (lists), security policies, the changelog and
agent configurations have none of these. ``.gitlab/ci/`` and ``*.gitlab-ci.yml`` are
claimed by their names in every tree.
"""

from __future__ import annotations

import re
from typing import Any

from xops_lens.errors import XopsLensError
from xops_lens.formats.gitlab.merge import YAML_SUFFIXES, load_config
from xops_lens.yamlload import YList, YMap

FOLDER = ".gitlab/"
# A root file of another name at any level (.gitlab-docker-ci.yml, gitlab_ci_release.yml):
# gitlab and ci both in the name, ci as a word of its own.
NAMED = re.compile(r"gitlab.*(?<![a-z])ci(?![a-z])|(?<![a-z])ci(?![a-z]).*gitlab", re.I)
JOB_SHAPE = frozenset({"script", "extends", "stage", "trigger"})


def _global(key: str, value: Any) -> bool:
    if key == "stages":
        return isinstance(value, YList)
    if key in ("variables", "workflow", "default"):
        return isinstance(value, YMap)
    return key == "include" and isinstance(value, (str, YList, YMap))


def is_ci_shaped(document: YMap) -> bool:
    """Whether a top-level mapping reads as GitLab CI configuration (module docstring)."""
    for key, value in document.items():
        if _global(str(key), value):
            return True
        if isinstance(value, YMap) and not JOB_SHAPE.isdisjoint(value):
            return True
    return False


def claims_by_content(path: str, text: str) -> bool:
    if not (path.startswith(FOLDER) or NAMED.search(path.rsplit("/", 1)[-1])) \
            or not path.lower().endswith(YAML_SUFFIXES):
        return False
    try:
        document = load_config(text, path)
    except XopsLensError:  # not YAML, not one mapping: not a CI file
        return False
    return is_ci_shaped(document)
