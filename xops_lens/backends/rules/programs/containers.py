"""Containers and clusters: docker and its kin, image tools, Kubernetes, Helm, GitOps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import NEXT, Call, Lookup, Program, Via, _Next, words_list
from xops_lens.backends.rules.programs.wrappers import wrapped_rest
from xops_lens.backends.rules.shell import unquote
from xops_lens.backends.rules.words import kind_from_words, short, words_of
from xops_lens.backends.rules.data.words import TOOL_WORDS

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader


def run_container(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    """`docker run IMAGE CMD`, `podman exec C CMD` (Via.CONTAINER): the command run in
    the container, else the image's name."""
    args = found.rest if found.sub else call.args
    rest = wrapped_rest(reader, call, found)
    if found.sub == "run" and any(a in ("-d", "--detach") or (a.startswith("-") and not
                                  a.startswith("--") and "d" in a[1:] and len(a) <= 4)
                                  for a in args):
        return Hit("toolchain", 0.75, "starts a service container", 2)
    if not rest:
        return Hit("unknown", 0.3, "runs a container", 2)
    image = unquote(rest[0])
    inner = reader.skip_options(rest[1:], frozenset())
    if not inner and "/" not in image and not image.startswith("$"):
        # `docker run app:ci`: an image of no registry, run as it is, is one the
        # job built; running its default command is a smoke test (unless its
        # name says more than a tool's name)
        named = kind_from_words(words_of(image.split("@")[0]))
        if named is None or named[1] in TOOL_WORDS:
            return Hit("test", 0.5, f"smoke-runs image {short(image, 30)}", 2)
    hit = reader.words(inner, call.cmd, call.depth + 1) if inner else None
    if hit is None or hit.kind == "unknown" or hit.weight < 2:
        said = kind_from_words(words_of(image.split("@")[0]))
        if said is not None:
            return Hit(said[0], 0.5, f"runs container {short(image, 30)}", 2)
        return Hit("unknown", 0.3, f"runs container {short(image, 30)}", 2)
    return hit


def _docker(reader: Reader, call: Call) -> Hit | _Next:
    if "imagetools" in call.args and "inspect" in call.args:
        # `docker buildx imagetools inspect img`: reads a manifest, pushes nothing
        return Hit("metadata", 0.8, "inspects an image with `docker buildx imagetools`", 0)
    return NEXT


def _helm(reader: Reader, call: Call) -> Hit | _Next:
    args = call.args
    if args[:1] == ["init"] and ("-c" in args or "--client-only" in args):
        # Helm 2's `helm init --client-only` sets up the local client, no Tiller
        return Hit("toolchain", 0.8, "sets up the helm client", 2)
    return NEXT


DIRECTIVES = {Via.CONTAINER: run_container}


# options of docker compose that take a value (`-f compose.ci.yaml up -d`)
_COMPOSE_VALUED = words_list("-f --file -p --project-name --profile --env-file "
                             "--project-directory --ansi --progress --parallel")

PROGRAMS: tuple[Program, ...] = (
    # pruning images and build cache frees the runner's disk (rule 6)
    Program("docker", {"build": "build", "buildx build": "build", "buildx bake": "build",
            "buildx imagetools": "publish", "buildx create": "toolchain",
            "buildx use": "toolchain", "buildx inspect": "metadata", "buildx": "build",
            "image build": "build", "push": "publish", "image push": "publish",
            "manifest push": "publish", "manifest create": "build", "manifest annotate": "build",
            "manifest": "build", "tag": "build", "login": "credentials", "logout": "credentials",
            "pull": "dependencies", "image pull": "dependencies", "load": "dependencies",
            "save": "build", "run": Via.CONTAINER, "exec": Via.CONTAINER,
            "compose": Via.COMPOSE_SERVICES, "info": "metadata", "version": "metadata",
            "images": "metadata", "ps": "metadata", "inspect": "metadata", "logs": "metadata",
            "system": "toolchain", "network": "toolchain", "volume": "toolchain",
            "rm": "toolchain", "rmi": "toolchain", "stop": "toolchain", "image prune": "toolchain",
            "image rm": "toolchain", "container prune": "toolchain", "builder prune": "toolchain",
            "buildx prune": "toolchain", "kill": "toolchain", "start": "toolchain",
            "create": "toolchain", "cp": "metadata", "context": "toolchain", "swarm": "toolchain",
            "scout": "analysis", "sbom": "analysis", "trust": "build", "container": "toolchain",
            "stack deploy": "deploy", "service": "deploy", "--version": "metadata", "*": "unknown"},
            options=words_list("--config --context --host --log-level -H -c -l"),
            sub_options={
                "run": words_list("--add-host --cap-add --cap-drop --cidfile --cpus --device "
                                  "--dns --entrypoint --env --env-file --gpus --hostname --ipc "
                                  "--label --log-driver --memory --mount --name --net --network "
                                  "--pid --platform --publish --pull --restart --runtime "
                                  "--security-opt --shm-size --stop-signal --stop-timeout "
                                  "--tmpfs --ulimit --user --volume --volumes-from --workdir -e "
                                  "-h -l -m -p -u -v -w"),
                "exec": words_list("--env --env-file --user --workdir -e -u -w"),
                "compose": _COMPOSE_VALUED,
            }, handler=_docker),
    Program("docker-compose", {"*": Via.COMPOSE_SERVICES}, options=_COMPOSE_VALUED),
    Program("podman", {"build": "build", "push": "publish", "login": "credentials",
            "pull": "dependencies", "run": Via.CONTAINER, "exec": Via.CONTAINER, "tag": "build",
            "manifest push": "publish", "manifest": "build", "info": "metadata",
            "version": "metadata", "metadata": "metadata", "images": "metadata",
            "system": "toolchain", "*": "toolchain"}),
    Program("buildah", {"bud": "build", "build": "build", "build-using-dockerfile": "build",
            "commit": "build", "push": "publish", "login": "credentials",
            "manifest push": "publish", "manifest": "build", "from": "build", "run": "build",
            "copy": "build", "config": "build", "*": "build"}),
    Program("kaniko", {"*": "publish"}),
    Program("executor", {"*": "publish"}),
    Program("skopeo", {"copy": "publish", "sync": "publish", "inspect": "metadata",
            "login": "credentials", "*": "publish"}),
    Program("crane", {"push": "publish", "copy": "publish", "cp": "publish", "tag": "publish",
            "digest": "metadata", "manifest": "metadata", "auth": "credentials", "*": "publish"}),
    Program("oras", {"push": "publish", "pull": "dependencies", "login": "credentials",
            "*": "publish"}),
    Program("cosign", {"sign": "build", "attest": "build", "verify": "lint",
            "download": "artifact-download", "save": "artifact-download", "load": "build",
            "verify-attestation": "lint", "*": "build"}),
    Program("notation", {"sign": "build", "verify": "lint", "*": "build"}),
    Program("syft", {"*": "analysis"}),
    Program("grype", {"*": "analysis"}),
    Program("trivy", {"*": "analysis"}),
    Program("snyk", {"*": "analysis"}),
    Program("hadolint", {"*": "lint"}),
    Program("dive", {"*": "analysis"}),
    Program("kubectl", {"apply": "deploy", "create": "deploy", "delete": "deploy",
            "rollout": "deploy", "set": "deploy", "scale": "deploy", "patch": "deploy",
            "replace": "deploy", "label": "deploy", "annotate": "deploy", "wait": "metadata",
            "get": "metadata", "describe": "metadata", "logs": "metadata", "version": "metadata",
            "cluster-info": "metadata", "config": "credentials", "auth": "metadata",
            "top": "metadata", "port-forward": "toolchain", "exec": "unknown", "cp": "metadata",
            "kustomize": "build", "diff": "decide", "events": "metadata",
            "api-resources": "metadata", "*": "deploy"},
            options=words_list("--cluster --context --filename --kubeconfig --namespace "
                               "--output --selector --user -f -l -n -o")),
    Program("oc", {"apply": "deploy", "create": "deploy", "delete": "deploy", "rollout": "deploy",
            "get": "metadata", "describe": "metadata", "login": "credentials", "wait": "metadata",
            "logs": "metadata", "*": "deploy"},
            options=words_list("--context --kubeconfig --namespace -n")),
    Program("kustomize", {"build": "build", "edit": "build", "*": "build"}),
    Program("helm", {"upgrade": "deploy", "install": "deploy", "uninstall": "deploy",
            "delete": "deploy", "rollback": "deploy", "lint": "lint", "template": "build",
            "package": "build", "push": "publish", "repo add": "dependencies",
            "repo update": "dependencies", "repo": "dependencies", "dependency": "dependencies",
            "dep": "dependencies", "registry login": "credentials", "registry": "credentials",
            "test": "test", "unittest": "test", "version": "metadata", "metadata": "metadata",
            "list": "metadata", "ls": "metadata", "status": "metadata", "show": "metadata",
            "plugin": "toolchain", "diff": "decide", "*": "deploy"},
            options=words_list("--kube-context --kubeconfig --namespace --repo --set "
                               "--set-string --values --version -f -n"), handler=_helm),
    Program("helmfile", {"apply": "deploy", "sync": "deploy", "diff": "decide", "lint": "lint",
            "template": "build", "*": "deploy"}),
    Program("ct", {"lint": "lint", "install": "test", "lint-and-install": "test", "*": "lint"}),
    Program("kubeconform", {"*": "lint"}),
    Program("kubeval", {"*": "lint"}),
    Program("kind", {"create": "toolchain", "delete": "toolchain", "load": "toolchain",
            "export": "metadata", "get": "metadata", "*": "toolchain"}),
    Program("minikube", {"*": "toolchain"}),
    Program("k3d", {"*": "toolchain"}),
    Program("tkn", {"*": "deploy"}),
    Program("argocd", {"app sync": "deploy", "login": "credentials", "*": "deploy"}),
    Program("flux", {"reconcile": "deploy", "bootstrap": "deploy", "install": "deploy",
            "create": "deploy", "delete": "deploy", "suspend": "deploy", "resume": "deploy",
            "uninstall": "deploy", "get": "metadata", "check": "metadata", "logs": "metadata",
            "events": "metadata", "tree": "metadata", "trace": "metadata", "stats": "metadata",
            "list": "metadata", "version": "metadata", "metadata": "metadata", "build": "build",
            "diff": "decide", "push": "publish", "tag": "publish", "pull": "dependencies",
            "*": "deploy"}),
)
