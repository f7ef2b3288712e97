"""Azure Pipelines files told by their content, whatever their name or folder.

The pipeline's file is chosen in the Azure DevOps web UI, so real repositories name
pipelines and templates freely (``build-system/windows-release.yaml``,
``ci/steps.yml``). A YAML file that no format claims by path is an Azure pipeline or
template when its one document is a mapping whose keys are all Azure's top-level keywords
(``TOP_KEYS``; ``${{ ... }}`` conditional keys aside) and either its ``stages``, ``jobs``
or ``steps`` are lists whose every item is Azure-shaped, or it ``extends`` a template.
An Azure-shaped item is a mapping with the item's own keyword (a step's ``task: Name@N``,
``script``, ``bash``, ``pwsh``, ``powershell``, ``checkout``, ``download``, ``publish`` or
``template``; a job's ``job``, ``deployment`` or ``template``; a stage's ``stage`` or
``template``) and none of another system's step keys, or a ``${{ if/each ... }}``
conditional item holding such items. The file must also say something only Azure says:
a keyword of the pipeline (``trigger``, ``pool``, ``parameters``...), or an item beyond a
bare ``script`` with a ``name`` (a Cloud Build step can be that too).

GitHub workflows (``on:``, ``jobs`` a mapping), GitLab (job mappings, ``stages`` of
names), Bitbucket, CircleCI, Buildkite, Drone, Woodpecker, Tekton, Cloud Build,
Kubernetes, Helm values, docker-compose and Ansible (a list at the top) all fail one of
these. Files in another CI system's folder or in a folder of examples, samples, tests or
docs are not looked at: Azure YAML there is a fixture. A file is parsed only after a text
look finds a top-level ``stages``/``jobs``/``steps``/``extends`` line and an Azure item
keyword line.
"""

from __future__ import annotations

import re
from typing import Any

from xops_lens.errors import XopsLensError
from xops_lens.formats._yamlshape import SAMPLE_DIRS, in_foreign_dir
from xops_lens.yamlload import YList, YMap, load_documents

YAML_SUFFIXES = (".yml", ".yaml")
TOP_KEYS = frozenset({
    "name", "appendCommitMessageToRunName", "trigger", "pr", "schedules", "resources",
    "variables", "parameters", "pool", "lockBehavior", "stages", "jobs", "steps", "extends",
    # a pipeline that is one job takes the job's keywords at the top
    "container", "services", "workspace", "strategy", "timeoutInMinutes",
    "cancelTimeoutInMinutes", "continueOnError", "templateContext", "uses"})
# Keywords only an Azure pipeline has at its top level.
AZURE_TOP = frozenset({"trigger", "pr", "schedules", "resources", "pool", "parameters",
                       "extends", "appendCommitMessageToRunName", "lockBehavior"})
ITEM_KEYS = {
    "steps": frozenset({"task", "script", "bash", "pwsh", "powershell", "checkout",
                        "download", "downloadBuild", "publish", "template", "getPackage",
                        "reviewApp"}),
    "jobs": frozenset({"job", "deployment", "template"}),
    "stages": frozenset({"stage", "template"}),
}
# Item keys of the other systems whose files have top-level steps or jobs lists (Cloud
# Build, Buildkite, Woodpecker, Drone, GitHub-style step lists): never an Azure item's.
FOREIGN_ITEM_KEYS = frozenset({"args", "entrypoint", "id", "waitFor", "dir", "secretEnv",
                               "volumes", "allowFailure", "allowExitCodes", "image",
                               "commands", "command", "run", "uses", "with", "label",
                               "plugins", "agents", "when", "runs-on", "needs"})
# (a job's `uses` names the repositories and pools it uses: Azure's own)
# A task is Name@major (Publisher.Extension.Name@2, or a GUID@1).
TASK_REF = re.compile(r"[\w.-]+@\d+\s*")
BODY_KEYS = ("steps", "jobs", "stages", "extends")
MAX_DEPTH = 12  # nested conditional items and stage > job > step, with room to spare
_TOP_LINE = re.compile(r"^[\"']?(?:stages|jobs|steps|extends)[\"']?[ \t]*:", re.MULTILINE)
_ITEM_LINE = re.compile(r"^[ \t]*(?:-[ \t]+)?[\"']?(?:task|script|bash|pwsh|powershell|checkout"
                        r"|download|downloadBuild|publish|template|job|deployment|stage"
                        r"|getPackage|reviewApp)[\"']?[ \t]*:", re.MULTILINE)


def _conditional(key: Any) -> bool:
    return isinstance(key, str) and key.lstrip().startswith("${{")


class _Look:
    """One file's items: whether all are Azure's, and whether one says only Azure."""

    def __init__(self) -> None:
        self.strong = False

    def items(self, value: Any, kind: str, depth: int) -> bool | None:
        """True: a list of Azure items; False: not Azure's; None: nothing to judge (a
        ``${{ parameters.steps }}`` expression, an empty list)."""
        if isinstance(value, str) and "${{" in value:
            return None
        if not isinstance(value, YList) or depth > MAX_DEPTH:
            return False
        judged: bool | None = None
        for item in value:
            verdict = self.item(item, kind, depth + 1)
            if verdict is False:
                return False
            judged = judged or verdict
        return judged

    def item(self, item: Any, kind: str, depth: int) -> bool | None:
        if not isinstance(item, YMap) or not item or depth > MAX_DEPTH:
            return False
        keys = [k for k in item if not _conditional(k)]
        if not keys:  # - ${{ if ... }}: [items] (or one item as a mapping)
            self.strong = True
            judged: bool | None = None
            for inner in item.values():
                verdict = self.items(inner, kind, depth) if not isinstance(inner, YMap) \
                    else self.item(inner, kind, depth + 1)
                if verdict is False:
                    return False
                judged = judged or verdict
            return judged
        foreign = FOREIGN_ITEM_KEYS - {"uses"} if kind == "jobs" else FOREIGN_ITEM_KEYS
        if not all(isinstance(k, str) for k in keys) or not foreign.isdisjoint(keys):
            return False
        own = ITEM_KEYS[kind].intersection(keys)
        if len(own) != 1:
            return False
        (key,) = own
        if key == "task" and not TASK_REF.fullmatch(str(item["task"])):
            return False
        if key == "template" and not isinstance(item["template"], str):
            return False
        if key != "script" or "displayName" in item or "name" not in item:
            self.strong = True
        if kind == "stages" and "jobs" in item:
            return self.items(item["jobs"], "jobs", depth) is not False
        if kind == "jobs" and "steps" in item:
            return self.items(item["steps"], "steps", depth) is not False
        return True


def is_azure_shaped(document: Any) -> bool:
    """Whether a parsed document reads as an Azure pipeline or template (module doc)."""
    if not isinstance(document, YMap):
        return False
    keys = [k for k in document if not _conditional(k)]
    if not all(isinstance(k, str) and k in TOP_KEYS for k in keys):
        return False
    look = _Look()
    judged: bool | None = None
    for kind in ("stages", "jobs", "steps"):
        if kind in document:
            verdict = look.items(document[kind], kind, 0)
            if verdict is False:
                return False
            judged = judged or verdict
    extends = document.get("extends")
    if isinstance(extends, YMap) and isinstance(extends.get("template"), str):
        judged = True
    return bool(judged) and (look.strong or not AZURE_TOP.isdisjoint(keys))


def claims_by_content(path: str, text: str) -> bool:
    # Substring tests first, then the path: a line-anchored pattern costs some 7 us a
    # KiB of any YAML, the four substrings about 2.
    if not any(key in text for key in BODY_KEYS):
        return False
    lowered = path.lower()
    if not lowered.endswith(YAML_SUFFIXES) or in_foreign_dir(path) \
            or not SAMPLE_DIRS.isdisjoint(lowered.split("/")[:-1]):
        return False
    if _TOP_LINE.search(text) is None or _ITEM_LINE.search(text) is None:
        return False
    try:
        documents = [d for d in load_documents(text, path) if d is not None]
    except XopsLensError:  # not YAML (a Helm template): not a pipeline
        return False
    return len(documents) == 1 and is_azure_shaped(documents[0])
