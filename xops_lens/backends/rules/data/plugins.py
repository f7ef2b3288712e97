"""Container plugins, Jenkins pipeline steps and the inputs of reusable units that hold a
script."""

from __future__ import annotations

# Container plugins (Woodpecker, Drone, Buildkite) by image name, first match wins. None
# is an image builder: it builds and pushes an image unless its settings say a dry run.
PLUGIN_KINDS: tuple[tuple[str, str | None], ...] = (
    (r"docker|buildx|kaniko|buildah|(^|[/-])img($|-)|[/-](ecr|gcr|acr)($|-)|manifest", None),
    (r"slack|discord|email|matrix|telegram|teams|webhook|gitter|mattermost|irc|pushover|"
     r"ntfy|notify|bluesky|mastodon|twitter|tweet|toot|social", "notify"),
    (r"codecov|coveralls|codacy|sonar", "report"),
    # `atlassian/aws-s3-deploy`: a pipe named for deploying deploys, whatever it copies
    # to; invalidating a CDN's cache makes a deploy live
    (r"deploy|cloudfront|cdn-purge|invalidat", "deploy"),
    (r"github-release|gitea-release|gitlab-release|release", "publish"),
    (r"cache", "cache-restore"),
    (r"(^|[/-])(s3|gcs|minio|azure-storage|blob)($|[/-])", "publish"),
    (r"scp|ssh|rsync|ftp|sftp|surge|netlify|pages|helm|kubernetes|k8s|kubectl|ansible",
     "deploy"),
    # `drone-git-push`, `git-push`: a plugin that pushes commits (tie-breaker 7)
    (r"git-push|push-git|(^|[/-])push($|-)", "publish"),
    (r"(^|[/-])(git|clone)($|[/-])", "checkout"),
    (r"(^|[/-])(npm|pypi|gem|nuget|maven)($|[/-])", "publish"),
)

# Jenkins pipeline steps the format does not mark (see formats/jenkins/steps.py for
# those it does), by their exact, case-sensitive name. Names a CircleCI or other config
# could give its own commands ("build", "step") are left out.
JENKINS_STEPS: dict[str, str] = {
    "echo": "metadata", "println": "metadata", "print": "metadata", "pwd": "metadata",
    "isUnix": "metadata", "fileExists": "metadata", "readFile": "metadata",
    "readJSON": "metadata", "readYaml": "metadata", "readProperties": "metadata",
    "readCSV": "metadata", "readMavenPom": "metadata", "readManifest": "metadata",
    "readTrusted": "metadata", "findFiles": "metadata", "sleep": "metadata",
    "error": "decide", "unstable": "decide",
    "deleteDir": "toolchain", "cleanWs": "toolchain", "writeFile": "toolchain",
    "writeJSON": "toolchain", "writeYaml": "toolchain", "writeCSV": "toolchain",
    "writeMavenPom": "toolchain", "load": "toolchain",
    "libraryResource": "toolchain", "properties": "toolchain", "tool": "toolchain",
    "recordIssues": "report", "publishCoverage": "report", "recordCoverage": "report",
    # finds the build to compare warnings and coverage with: a reading
    "discoverGitReferenceBuild": "metadata", "discoverReferenceBuild": "metadata",
    "jacoco": "analysis",
    "s3Upload": "publish", "s3Download": "artifact-download",
    "sshPublisher": "deploy",
    "milestone": "metadata",
    # Block steps (formats/jenkins/steps.py, STEP_WRAPPERS): each is a step of its own,
    # judged by what it does itself, the steps of its body being steps as well. Those that
    # bring secrets into the job are credentials; those that prepare its tools or its
    # environment (variables, a container, a console) toolchain; those that only shape
    # how the body runs (a time limit, retries, a folder, a lock) metadata, as setting
    # shell options is (TAXONOMY tie-breakers 4 and 6).
    "withCredentials": "credentials", "withDockerRegistry": "credentials",
    "withKubeConfig": "credentials", "withKubeCredentials": "credentials",
    "withAWS": "credentials", "sshagent": "credentials", "withVault": "credentials",
    "withSonarQubeEnv": "credentials", "docker.withRegistry": "credentials",
    "withEnv": "toolchain", "withMaven": "toolchain", "withGradle": "toolchain",
    "withAnt": "toolchain", "withGroovy": "toolchain", "withNPM": "toolchain",
    "withPythonEnv": "toolchain", "nodejs": "toolchain", "ansiColor": "toolchain",
    "timestamps": "toolchain", "wrap": "toolchain", "container": "toolchain",
    "xvfb": "toolchain", "xvnc": "toolchain", "configFileProvider": "toolchain",
    "withDockerContainer": "toolchain", "withDockerServer": "toolchain",
    "withContext": "toolchain", "docker.image().inside": "toolchain",
    "docker.image().withRun": "toolchain", "docker.withServer": "toolchain",
    "docker.withTool": "toolchain",
    "timeout": "metadata", "retry": "metadata", "dir": "metadata", "ws": "metadata",
    "lock": "metadata", "throttle": "metadata", "catchError": "metadata",
    "warnError": "metadata", "waitUntil": "metadata", "withChecks": "metadata",
    "tee": "metadata", "withFolderProperties": "metadata",
    "gitlabCommitStatus": "notify", "gitlabBuilds": "notify", "realtimeJUnit": "report",
}

# Inputs of a reusable unit (action, task, orb command) that hold a command or script.
SCRIPT_INPUTS: tuple[str, ...] = (
    "script", "run", "command", "commands", "inlinescript", "inline", "cmd",
    "scriptpath", "filepath",
)
