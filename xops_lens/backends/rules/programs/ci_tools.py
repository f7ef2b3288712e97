"""CI systems' own tools (buildkite-agent, circleci, gitlab-runner, Buildkite trigger
steps) and the services that take test and coverage results."""

from __future__ import annotations

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import Program, Via

# a command piped into `buildkite-agent` (`./gen-pipeline.sh | buildkite-agent pipeline
# upload`) computes the steps that follow
_GENERATES_PIPELINE = Hit("decide", 0.7, "generates pipeline steps", 2)


PROGRAMS: tuple[Program, ...] = (
    # Launchable (CloudBees Smart Tests): records test results to the service,
    # picks tests
    Program("launchable", {"record": "report", "subset": "decide", "verify": "metadata",
            "inspect": "metadata", "*": "report"}),
    # a Buildkite trigger step names another pipeline, not a task of a task runner
    Program("trigger", {"pipeline": Via.PIPELINES, "*": Via.PIPELINES}),
    Program("codecov", {"*": "report"}),
    Program("codeclimate-test-reporter", {"*": "report"}),
    Program("cc-test-reporter", {"before-build": "toolchain", "format-coverage": "analysis",
            "sum-coverage": "analysis", "*": "report"}),
    Program("codecovcli", {"*": "report"}),
    Program("coveralls", {"*": "report"}),
    Program("codacy-coverage-reporter", {"*": "report"}),
    Program("sonar-scanner", {"*": "analysis"}),
    Program("buildkite-agent", {"artifact upload": "artifact-upload",
            "artifact download": "artifact-download", "artifact": "artifact-upload",
            "annotate": "report", "meta-data set": "decide", "meta-data get": "metadata",
            "meta-data": "metadata", "pipeline upload": "decide", "pipeline": "decide",
            "step": "decide", "oidc": "credentials", "secret": "credentials", "lock": "toolchain",
            "*": "metadata"}, piped_into=_GENERATES_PIPELINE),
    Program("circleci", {"orb publish": "publish", "config validate": "lint", "config": "lint",
            "tests": "test", "*": "unknown"}),
    Program("circleci-agent", {"step halt": "decide", "*": "unknown"}),
    Program("gitlab-runner", {"*": "toolchain"}),
    # AppVeyor's build agent: artifacts kept with the build (tie-breaker 13), messages
    # and test results shown on the build page
    Program("appveyor", {"pushartifact": "artifact-upload", "downloadfile": "dependencies",
            "addmessage": "report", "addtest": "report", "updatetest": "report",
            "addcompilationmessage": "report", "setvariable": "decide",
            "updatebuild": "decide", "*": "metadata"}),
    Program("push-appveyorartifact", {"*": "artifact-upload"}),
    Program("add-appveyormessage", {"*": "report"}),
    Program("add-appveyortest", {"*": "report"}),
    Program("update-appveyorbuild", {"*": "decide"}),
    Program("set-appveyorbuildvariable", {"*": "decide"}),
)
