"""Cloud, infrastructure and deployment command-line tools, and object storage: a copy
into a bucket publishes, a copy out of one fetches artifacts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit, RANK
from xops_lens.backends.rules.program import NEXT, Call, Lookup, Program, _Next, words_list
from xops_lens.backends.rules.shell import LazyPattern
from xops_lens.backends.rules.words import kind_from_words, short, words_of

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

# An object-storage location: a bucket URL, or an HTTPS endpoint of a storage service.
_BUCKET = LazyPattern(r"(^|[\s='\"])(gs|s3|s3a|s3n|az|abfss?|wasbs?|oss|cos|r2|b2|minio)://|"
                     r"https://[^\s/'\"]*(\.blob\.core\.windows\.net|\.amazonaws\.com|"
                     r"storage\.googleapis\.com|\.r2\.cloudflarestorage\.com)", re.I)
# Copies between the job and object storage: uploads unless the destination is local
# and a source is a bucket (then the copy downloads).
STORAGE_COPIES: frozenset[str] = frozenset((
    "gsutil cp", "gsutil rsync", "gsutil mv", "gcloud storage cp", "gcloud storage rsync",
    "gcloud storage mv", "aws s3 cp", "aws s3 sync", "aws s3 mv", "azcopy copy",
    "azcopy sync", "azcopy cp", "s3cmd sync", "s3cmd cp", "rclone copy", "rclone sync",
    "rclone copyto", "rclone move", "mc cp", "mc mirror", "mc mv",
))
# Words in a tool's name that say which way it moves files (with a bucket, see above).
UPLOAD_WORDS: frozenset[str] = frozenset("upload uploader uploads push pusher put store".split())
FETCH_WORDS: frozenset[str] = frozenset(
    "fetch fetcher download downloader pull puller get retrieve".split()
)


def _from_storage(positionals: Sequence[str]) -> bool:
    """A copy whose sources include a bucket and whose destination (the last operand)
    is local: it downloads."""
    if len(positionals) < 2 or _BUCKET.search(positionals[-1]):
        return False
    return any(_BUCKET.search(p) for p in positionals[:-1])


# Words of a copy's paths and bucket that say who the files are for (tie-breaker 13):
# others fetch a release, a site serves pages; else the job stores its own outputs.
_PUBLISHED = frozenset("release releases dist download downloads public packages binaries "
                       "nightly nightlies snapshots index repo mirror".split())
_SERVED = frozenset("site www web website static cdn docs html hosting frontend".split())


def _storage_copy(reader: Reader, call: Call, found: Lookup) -> Hit | None:
    if found.label not in STORAGE_COPIES:
        return None
    said = set()
    for p in found.positionals:
        said.update(w.lower() for w in words_of(p))
    cache = bool(said & {"cache", "caches"})
    if _from_storage(found.positionals):
        # `gsutil cp gs://b/x .`: a copy out of a bucket brings files into the job
        if cache:
            return Hit("cache-restore", 0.8, f"restores a cache with `{short(found.label)}`", 2)
        return Hit("artifact-download", 0.8, f"copies from storage with `{short(found.label)}`",
                   2)
    if not any(_BUCKET.search(p) for p in found.positionals):
        return None  # a bucket named by a variable: the table's answer stands
    if cache:
        return Hit("cache-save", 0.8, f"stores a cache with `{short(found.label)}`", 2)
    if said & _SERVED:
        return Hit("deploy", 0.7, f"copies pages to a serving bucket with `{short(found.label)}`",
                   2)
    if said & _PUBLISHED:
        return Hit("publish", 0.75, f"publishes files to a bucket with `{short(found.label)}`", 2)
    # the job's own outputs kept for later jobs or people (TAXONOMY tie-breaker 13)
    return Hit("artifact-upload", 0.7, f"stores files in a bucket with `{short(found.label)}`", 2)


def storage_tool(reader: Reader, call: Call) -> Hit | None:
    """A tool no table knows whose name says it uploads or fetches, given a bucket
    (`gcs-uploader --location=gs://b/x`, `s3-fetch s3://b/k`): it moves the job's files
    to or from storage, as upload-artifact and download-artifact do."""
    if not any(_BUCKET.search(a) for a in call.args):
        return None
    ws = set(words_of(call.prog))
    kind = "artifact-upload" if ws & UPLOAD_WORDS else (
        "artifact-download" if ws & FETCH_WORDS else None)
    if kind is None:
        return None
    return Hit(kind, 0.7, f"runs `{short(call.prog, 30)}` on a storage bucket", 2)


def _az(reader: Reader, call: Call) -> Hit | _Next:
    if "generate-sas" in call.args:
        # `az storage container generate-sas`: a SAS token is a credential
        return Hit("credentials", 0.8, "generates a SAS token", 2)
    return NEXT


def _vagrant(reader: Reader, call: Call) -> Hit | _Next:
    if "--provision-with" in call.cmd.raw:
        # `vagrant up --provision-with=install-deps,test-integration`: the
        # provisioners run are the work, the one that matters most the purpose
        named = [kind_from_words(words_of(n)) for a in call.args
                 if a.startswith("--provision-with") for n in a.partition("=")[2].split(",")]
        kinds = [k for k in named if k is not None]
        if kinds:
            kind, said = min(kinds, key=lambda k: RANK[k[0]])
            return Hit(kind, 0.6, f"runs vagrant provisioner {short(said, 30)}", 2)
    return NEXT


PROGRAMS: tuple[Program, ...] = (
    Program("netlify", {"deploy": "deploy", "*": "deploy"}),
    Program("vercel", {"deploy": "deploy", "pull": "toolchain", "build": "build", "*": "deploy"}),
    Program("wrangler", {"deploy": "deploy", "publish": "deploy", "pages": "deploy", "*": "deploy"}),
    Program("firebase", {"deploy": "deploy", "*": "deploy"}),
    Program("surge", {"*": "deploy"}),
    Program("terraform", {"init": "dependencies", "plan": "analysis", "apply": "deploy",
            "destroy": "deploy", "import": "deploy", "fmt": "lint", "validate": "lint",
            "output": "metadata", "show": "metadata", "providers": "metadata",
            "workspace": "toolchain", "state": "metadata", "test": "test", "version": "metadata",
            "*": "deploy"}, options=words_list("-chdir")),
    Program("tofu", {"init": "dependencies", "plan": "analysis", "apply": "deploy",
            "destroy": "deploy", "fmt": "lint", "validate": "lint", "*": "deploy"}),
    Program("terragrunt", {"init": "dependencies", "plan": "analysis", "apply": "deploy",
            "run-all": "deploy", "*": "deploy"}),
    Program("tflint", {"*": "lint"}),
    Program("tfsec", {"*": "analysis"}),
    Program("checkov", {"*": "analysis"}),
    Program("pulumi", {"up": "deploy", "preview": "decide", "destroy": "deploy",
            "login": "credentials", "stack": "toolchain", "*": "deploy"}),
    Program("ansible-playbook", {"*": "deploy"}),
    Program("ansible-lint", {"*": "lint"}),
    Program("packer", {"build": "build", "validate": "lint", "fmt": "lint", "init": "dependencies",
            "*": "build"}),
    Program("vagrant", {"*": "toolchain"}, handler=_vagrant),
    Program("serverless", {"deploy": "deploy", "package": "build", "*": "deploy"}),
    Program("sls", {"deploy": "deploy", "package": "build", "*": "deploy"}),
    Program("sam", {"build": "build", "deploy": "deploy", "package": "build", "*": "deploy"}),
    Program("cdk", {"deploy": "deploy", "synth": "build", "diff": "decide", "bootstrap": "deploy",
            "*": "deploy"}),
    Program("copilot", {"deploy": "deploy", "*": "deploy"}),
    Program("eb", {"deploy": "deploy", "*": "deploy"}),
    Program("heroku", {"*": "deploy"}),
    Program("fly", {"deploy": "deploy", "*": "deploy"}),
    Program("flyctl", {"deploy": "deploy", "*": "deploy"}),
    Program("doctl", {"*": "deploy"}),
    Program("aws", {"s3 cp": "publish", "s3 sync": "publish", "s3 mv": "publish",
            "s3 rm": "publish", "s3 ls": "metadata", "s3": "publish", "s3api": "publish",
            "ecr get-login-password": "credentials", "ecr get-login": "credentials",
            "ecr-public get-login-password": "credentials", "ecr describe-images": "metadata",
            "ecr": "publish", "sts assume-role": "credentials",
            "sts get-caller-identity": "metadata", "sts": "credentials",
            "configure": "credentials", "codeartifact login": "credentials",
            "codeartifact get-authorization-token": "credentials", "cloudformation": "deploy",
            "lambda": "deploy", "ecs": "deploy", "eks update-kubeconfig": "credentials",
            "eks": "deploy", "cloudfront": "deploy", "ssm get-parameter": "credentials",
            "ssm": "deploy", "secretsmanager": "credentials", "sns": "notify", "ses": "notify",
            "ec2 describe-instances": "metadata", "ec2": "deploy", "--version": "metadata",
            "*": "deploy"},
            options=words_list("--acl --cache-control --content-encoding --content-type "
                               "--endpoint-url --exclude --expires --include --metadata "
                               "--output --profile --region --sse --storage-class"),
            refine=_storage_copy),
    Program("gcloud", {"auth": "credentials", "config": "toolchain", "components": "toolchain",
            "builds submit": "build", "builds list": "metadata", "builds describe": "metadata",
            "builds log": "metadata", "builds": "build", "run deploy": "deploy", "run": "deploy",
            "app deploy": "deploy", "app": "deploy", "functions deploy": "deploy",
            "functions": "deploy", "container clusters get-credentials": "credentials",
            "container images": "publish", "artifacts docker": "publish",
            "artifacts print-settings": "metadata", "artifacts": "publish",
            "storage cp": "publish", "storage cat": "metadata", "storage ls": "metadata",
            "storage": "publish", "secrets": "credentials", "compute": "deploy",
            # decrypting a key or a secret kept in Cloud KMS brings it into the job
            "kms decrypt": "credentials", "kms": "credentials",
            # Firebase Test Lab runs the app's tests on its devices
            "firebase test": "test",
            "info": "metadata", "version": "metadata", "projects describe": "metadata",
            "*": "deploy"},
            options=words_list("--account --configuration --format --project --region --zone"),
            refine=_storage_copy),
    Program("gsutil", {"cp": "publish", "rsync": "publish", "mv": "publish", "rm": "publish",
            "ls": "metadata", "cat": "metadata", "stat": "metadata", "*": "publish"},
            refine=_storage_copy),
    Program("az", {"login": "credentials", "account": "credentials", "acr login": "credentials",
            "acr build": "publish", "acr": "publish", "storage blob upload": "publish",
            "storage blob upload-batch": "publish", "storage blob download": "dependencies",
            "storage": "publish", "webapp": "deploy", "functionapp": "deploy",
            "aks get-credentials": "credentials", "aks": "deploy", "deployment": "deploy",
            "group": "deploy", "keyvault secret show": "credentials", "keyvault": "credentials",
            "pipelines": "deploy", "devops": "toolchain", "extension": "toolchain",
            "config": "toolchain", "version": "metadata", "--version": "metadata",
            "artifacts universal publish": "publish",
            "artifacts universal download": "dependencies", "*": "deploy"},
            options=words_list("--output --resource-group --subscription -g -o"), handler=_az),
    Program("azcopy", {"copy": "publish", "sync": "publish", "login": "credentials", "*": "publish"},
            refine=_storage_copy),
    Program("s3cmd", {"put": "publish", "sync": "publish", "cp": "publish",
            "get": "artifact-download", "ls": "metadata", "info": "metadata", "*": "publish"},
            refine=_storage_copy),
    Program("rclone", {"copy": "publish", "sync": "publish", "copyto": "publish",
            "move": "publish", "ls": "metadata", "lsf": "metadata", "lsd": "metadata",
            "cat": "metadata", "config": "toolchain", "*": "publish"}, refine=_storage_copy),
    Program("vault", {"login": "credentials", "read": "credentials", "kv": "credentials",
            "write": "deploy", "*": "credentials"}),
    # the MinIO client: copies to and from object storage aliases
    Program("mc", {"cp": "publish", "mirror": "publish", "mv": "publish", "put": "publish",
            "alias": "credentials", "config": "credentials", "ls": "metadata", "stat": "metadata",
            "cat": "metadata", "mb": "toolchain", "*": "publish"}, refine=_storage_copy),
)
