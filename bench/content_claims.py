"""What claiming CI files by their content (Cloud Build, Tekton, Azure Pipelines, GitLab
CI without the root file) costs a scan of a tree full of YAML that is not CI, as docs/benchmarks.md
"Cloud Build configs by content" reports it.

Usage::

    python bench/content_claims.py                 # 2,000 YAML files, 7 rounds
    python bench/content_claims.py --files 20000 --rounds 3 --git

Builds a tree of ``--files`` YAML files that are not CI (Kubernetes manifests, Helm
values, compose files, Ansible task lists, OpenAPI fragments, and one in twenty with a
top-level ``steps:`` that is not a build: tutorials, GitHub-style step lists, Drone
pipelines; one in twenty naming Tekton without being a resource of it: RBAC rules,
EventListeners), plus one CI workflow, one freely named Cloud Build config, one
Lighthouse PipelineRun, one GitLab job file under ``.gitlab/`` and one freely named Azure
jobs template. ``--git`` makes it a
git work tree first (discovery then asks git, as in a real checkout). Each round, in
this process, alternating: the whole scan (``--format``-less, the rules backend,
``XOPS_LENS_WORKERS=0``) with the content look, the same scan with formats that have
no ``claims_content``, and the look alone
(``claims.claim_by_content`` over the files no format claims). Prints the median and
minimum of each, the files the look read and parsed, and what the scan read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from xops_lens import claims  # noqa: E402
from xops_lens.discover import discover  # noqa: E402
from xops_lens.formats import cloudbuild, tekton  # noqa: E402
from xops_lens.formats.azure import content as azure  # noqa: E402
from xops_lens.plugins import Registry, build_plugin_manager  # noqa: E402
from xops_lens.scan import scan  # noqa: E402
from xops_lens.sdk import ContentClaimingFormat  # noqa: E402

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  labels: {{app: web-{i}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web-{i}}}}}
  template:
    metadata: {{labels: {{app: web-{i}}}}}
    spec:
      containers:
        - name: web
          image: gcr.io/example/web:{i}
          args: [--port, "8080"]
          ports: [{{containerPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web-{i}}}
spec:
  ports: [{{port: 80, targetPort: 8080}}]
"""
VALUES = "replicaCount: {i}\nimage:\n  repository: example/app\n  tag: '1.{i}'\n" + "".join(
    f"key{k}:\n  enabled: true\n  value: {k}\n" for k in range(40))
COMPOSE = ("services:\n  app:\n    image: example/app:{i}\n    build: .\n    command: [serve]\n"
           "    ports: ['80{i}:80']\n  db:\n    image: postgres:16\n")
ANSIBLE = "".join(f"- name: Task {{i}}.{k}\n  apt: {{{{name: pkg{k}}}}}\n" for k in range(30))
OPENAPI = ("openapi: 3.0.0\ninfo: {{title: api {i}, version: '1'}}\npaths:\n"
           + "".join(f"  /item{k}:\n    get:\n      responses: {{{{'200': {{{{description: ok}}}}}}}}\n"
                     for k in range(30)))
STEPS_NOT_A_BUILD = (
    "title: Tutorial {i}\nsteps:\n  - name: Open the console\n  - name: Click build\n",
    "steps:\n  - name: checkout\n    uses: actions/checkout@v4\n  - name: test\n    run: make\n",
    "kind: pipeline\nsteps:\n  - name: test\n    image: golang\n    commands: [go test]\n",
)
# Kubernetes YAML that names Tekton without being a Tekton resource: RBAC for a Tekton
# service account, an EventListener (triggers only), a kind-less values file.
TEKTON_NOT_CI = (
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: runner-{i}}}\n"
    "rules:\n  - apiGroups: [tekton.dev]\n    resources: [pipelineruns]\n    verbs: [create]\n",
    "apiVersion: triggers.tekton.dev/v1beta1\nkind: EventListener\nmetadata: {{name: l-{i}}}\n"
    "spec:\n  triggers:\n    - template: {{ref: t}}\n",
)
TASK = ("apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nmetadata: {name: pr}\nspec:\n"
        "  pipelineSpec:\n    tasks:\n      - name: t\n        taskSpec:\n          steps:\n"
        "            - {image: golang, script: make test}\n")
GITLAB_JOBS = "bench:\n  stage: test\n  script: [make bench]\n"
WORKFLOW = ("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: actions/checkout@v4\n      - run: make test\n")
AZURE = ("parameters:\n  - name: platform\njobs:\n  - job: build\n    steps:\n"
         "      - checkout: self\n      - task: UseDotNet@2\n      - script: dotnet test\n")
BUILD = ("steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, -t, app, .]\n"
         "  - name: gcr.io/cloud-builders/docker\n    args: [push, app]\n")


def build_tree(root: Path, files: int) -> None:
    shapes = (MANIFEST, VALUES, COMPOSE, ANSIBLE, OPENAPI)
    for i in range(files):
        folder = root / f"deploy/service{i // 50}"
        folder.mkdir(parents=True, exist_ok=True)
        if i % 20 == 19:
            text = STEPS_NOT_A_BUILD[i % 3]
        elif i % 20 == 9:
            text = TEKTON_NOT_CI[i % 2]
        else:
            text = shapes[i % len(shapes)]
        (folder / f"file{i}.yaml").write_text(text.format(i=i), encoding="utf-8")
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/ci.yml").write_text(WORKFLOW, encoding="utf-8")
    (root / "release/gcb").mkdir(parents=True)
    (root / "release/gcb/publish.yaml").write_text(BUILD, encoding="utf-8")
    (root / ".lighthouse/jenkins-x").mkdir(parents=True)
    (root / ".lighthouse/jenkins-x/pullrequest.yaml").write_text(TASK, encoding="utf-8")
    (root / ".gitlab").mkdir(parents=True)
    (root / ".gitlab/benchmarks.yml").write_text(GITLAB_JOBS, encoding="utf-8")
    (root / "build-system").mkdir(parents=True)
    (root / "build-system/windows-release.yaml").write_text(AZURE, encoding="utf-8")


class _NameOnly:
    """A content-claiming format as it was: claims by name only."""

    def __init__(self, fmt: Any) -> None:
        self._fmt = fmt
        self.name, self.globs = fmt.name, fmt.globs

    def claims(self, path: str) -> bool:
        return bool(self._fmt.claims(path))

    def entry(self, path: str) -> bool:
        return bool(self._fmt.entry(path))

    def parse(self, source: Any) -> Any:
        return self._fmt.parse(source)


def _registries() -> tuple[Registry, Registry]:
    with_look = build_plugin_manager(load_entry_points=False)[1]
    without = build_plugin_manager(load_entry_points=False)[1]
    for name, fmt in list(without.formats.items()):
        if isinstance(fmt, ContentClaimingFormat):
            without.formats[name] = _NameOnly(fmt)  # type: ignore[assignment]
    return with_look, without


def _parsed(text: str) -> bool:
    """Whether a file gets past the text look of a format to its YAML parse (Cloud
    Build: a top-level steps: line; Tekton: tekton.dev/ apiVersion and kind lines; Azure:
    a top-level stages/jobs/steps/extends line and an item keyword line; the tree has
    .gitlab/ files only beside no root file, and none of those is GitLab's)."""
    return cloudbuild._TOP_STEPS.search(text) is not None or (
        azure._TOP_LINE.search(text) is not None
        and azure._ITEM_LINE.search(text) is not None) or (
        "tekton.dev/" in text and tekton._API_LINE.search(text) is not None
        and tekton._KIND_LINE.search(text) is not None)


def _timed(action: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--git", action="store_true")
    args = parser.parse_args()
    os.environ["XOPS_LENS_WORKERS"] = "0"
    with_look, without = _registries()
    formats = list(with_look.formats.values())
    with tempfile.TemporaryDirectory(prefix="xops-lens-content-") as temp:
        root = Path(temp)
        build_tree(root, args.files)
        if args.git:
            subprocess.run(["git", "init", "-q", str(root)], check=True)
            subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
        tree = discover(root).paths
        rest = [p for p in tree if not any(f.claims(p) for f in formats)]
        parsed = sum(1 for p in rest if _parsed((root / p).read_text(encoding="utf-8")))
        times: dict[str, list[float]] = {"scan": [], "scan, name only": [], "look alone": []}
        result: Any = None
        for _ in range(args.rounds):
            seconds, result = _timed(lambda: scan(root, registry=with_look))
            times["scan"].append(seconds)
            times["scan, name only"].append(_timed(lambda: scan(root, registry=without))[0])
            times["look alone"].append(_timed(lambda: claims.claim_by_content(
                root, rest, formats, lambda p: False, lambda m: None))[0])
    print(f"{args.files:,} YAML files that are not CI ({'git' if args.git else 'walk'}), "
          f"{len(rest):,} looked at, {parsed} parsed as YAML (past a format's text look)")
    print("read by the scan: " + ", ".join(f"{f.path} ({f.format})" for f in result.files))
    for what, values in times.items():
        print(f"{what:<16} median {statistics.median(values):.3f} s, "
              f"min {min(values):.3f} s ({args.rounds} rounds)")


if __name__ == "__main__":
    main()
