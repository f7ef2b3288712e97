"""The rule backend, one small case per command family and per rubric tie-breaker."""

from __future__ import annotations

import time

import pytest

from xops_lens.backends.rules import RuleBackend, classify_step, split_commands
from xops_lens.model import SUBSYSTEM_OF_KIND, Classification, Step
from xops_lens.plugins import build_plugin_manager


def run(text: str, name: str = "", job: str = "build") -> Classification:
    return classify_step(Step(file="ci.yml", line=1, job=job, name=name, text=text))


def uses(action: str, name: str = "", **inputs: str) -> Classification:
    return classify_step(Step(file="ci.yml", line=1, job="build", name=name, text=action,
                              uses=action, inputs=tuple(inputs.items())))


def check(label: Classification, kind: str) -> None:
    assert label.kind == kind, f"{label.kind} ({label.why})"
    assert label.subsystem == SUBSYSTEM_OF_KIND[kind]


# ------------------------------------------------------------------ reusable actions

ACTIONS = [
    ("actions/checkout@v4", "checkout"),
    ("actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd", "checkout"),
    ("actions/setup-python@v5", "toolchain"),
    ("actions/setup-node@v4", "toolchain"),
    ("actions/cache@v4", "cache-restore"),
    ("actions/cache/restore@v4", "cache-restore"),
    ("actions/cache/save@v4", "cache-save"),
    ("actions/upload-artifact@v4", "artifact-upload"),
    ("actions/download-artifact@v4", "artifact-download"),
    ("actions/upload-pages-artifact@v3", "artifact-upload"),
    ("actions/deploy-pages@v4", "deploy"),
    ("actions/configure-pages@v5", "toolchain"),
    ("actions/stale@v9", "notify"),
    ("actions/labeler@v5", "notify"),
    ("docker/login-action@v3", "credentials"),
    ("docker/setup-buildx-action@v3", "toolchain"),
    ("docker/setup-qemu-action@v3", "toolchain"),
    ("aws-actions/configure-aws-credentials@v4", "credentials"),
    ("google-github-actions/auth@v2", "credentials"),
    ("azure/login@v2", "credentials"),
    ("codecov/codecov-action@v4", "report"),
    ("softprops/action-gh-release@v2", "publish"),
    ("peter-evans/create-pull-request@v6", "publish"),
    ("github/codeql-action/init@v3", "analysis"),
    ("github/codeql-action/analyze@v3", "analysis"),
    ("github/codeql-action/autobuild@v3", "build"),
    ("github/codeql-action/upload-sarif@v3", "report"),
    ("pypa/gh-action-pypi-publish@release/v1", "publish"),
    ("slackapi/slack-github-action@v1", "notify"),
    # tie-breaker 8: path filters derive flags; the bare list is read as it is
    ("dorny/paths-filter@v3", "decide"),
    ("tj-actions/changed-files@v44", "metadata"),
    ("golangci/golangci-lint-action@v6", "lint"),
    ("pre-commit/action@v3.0.1", "lint"),
    ("JamesIves/github-pages-deploy-action@v4", "deploy"),
    ("dtolnay/rust-toolchain@stable", "toolchain"),
    ("Swatinem/rust-cache@v2", "cache-restore"),
    ("astral-sh/setup-uv@v5", "toolchain"),
    ("pnpm/action-setup@v4", "toolchain"),
    # not in the table: read from the name
    ("someone/setup-zig@v1", "toolchain"),
    ("acme/registry-login@v2", "credentials"),
    ("acme/deploy-to-fly@v1", "deploy"),
    ("someone/comment-on-pr@v1", "notify"),
    ("someone/slack-notify@v2", "notify"),
    ("someone/markdown-lint-action@v1", "lint"),
    ("acme/trivy-scan@v1", "analysis"),
    ("./.github/actions/setup-env", "toolchain"),
    # named only for a language or its package manager: it puts it in place
    ("leafo/gh-actions-luarocks@v4", "toolchain"),
    ("bluefireteam/melos-action@v3", "toolchain"),
    ("./.github/actions/run-tests", "test"),
    ("./tools/.github/actions/teardown-linux", "toolchain"),
]


@pytest.mark.parametrize(("action", "kind"), ACTIONS)
def test_actions(action: str, kind: str) -> None:
    check(uses(action), kind)


def test_exact_action_is_confident_and_pattern_less_so() -> None:
    exact = uses("actions/checkout@v4").confidence
    assert exact >= 0.95
    assert 0.4 <= uses("someone/setup-zig@v1").confidence < exact


def test_changed_files_with_path_filters_decides() -> None:
    check(uses("tj-actions/changed-files@v44", files="docs/**"), "decide")
    check(uses("dorny/paths-filter@v3", filters="src:\n  - 'src/**'"), "decide")


@pytest.mark.parametrize(("push", "kind"), [("true", "publish"), ("false", "build"),
                                             ("", "build")])
def test_build_push_action_follows_push_input(push: str, kind: str) -> None:
    inputs = {"push": push} if push else {}
    check(uses("docker/build-push-action@v6", **inputs), kind)


@pytest.mark.parametrize(("script", "kind"), [
    ("await github.rest.issues.createComment({issue_number: 1, body: 'hi'})", "notify"),
    ("await github.rest.issues.addLabels({labels: ['bug']})", "notify"),
    ("await github.rest.pulls.create({title: 't', head: 'h', base: 'main'})", "publish"),
    ("const files = await github.rest.pulls.listFiles({pull_number: 1})", "metadata"),
    ("core.setOutput('run', context.eventName === 'push')", "decide"),
    ("await core.summary.addHeading('Results').write()", "report"),
])
def test_github_script_judged_by_its_script(script: str, kind: str) -> None:
    check(uses("actions/github-script@v7", script=script), kind)


def test_action_running_a_command_input() -> None:
    check(uses("nick-fields/retry@v3", command="pytest -x tests"), "test")


@pytest.mark.parametrize(("action", "inputs", "kind"), [
    ("goreleaser/goreleaser-action@v6", {"args": "release --clean"}, "publish"),
    ("goreleaser/goreleaser-action@v6", {"args": "build --snapshot"}, "build"),
    ("PyO3/maturin-action@v1", {"command": "upload", "args": "--skip-existing *"}, "publish"),
    ("PyO3/maturin-action@v1", {"args": "--release --out dist"}, "build"),
    ("actions-rs/cargo@v1", {"command": "test", "args": "--all"}, "test"),
    ("benc-uk/workflow-dispatch@v1", {"workflow": "release.yml"}, "publish"),
    ("octokit/request-action@v2", {"route": "POST /repos/o/r/issues/1/comments"}, "notify"),
    ("octokit/request-action@v2", {"route": "GET /repos/o/r/releases/latest"}, "metadata"),
])
def test_actions_judged_by_their_inputs(action: str, inputs: dict[str, str], kind: str) -> None:
    check(uses(action, **inputs), kind)


def test_action_in_a_repository_path_is_named_by_its_path() -> None:
    check(uses("acme/test-infra/.github/actions/checkout@main"), "checkout")
    check(uses("anchore/sbom-action/download-syft@v0"), "dependencies")


def test_unknown_action_falls_back_to_step_name_then_build() -> None:
    check(uses("zz/qq@v1", name="Upload coverage to Codecov"), "report")
    label = uses("zz/qq@v1")
    check(label, "build")
    assert label.confidence <= 0.3


def test_kind_hint_from_the_format_is_trusted() -> None:
    label = classify_step(Step("f", 1, "j", "store", "store_artifacts", uses="store_artifacts",
                               kind_hint="artifact-upload"))
    check(label, "artifact-upload")
    assert label.confidence >= 0.9


def test_azure_task_and_its_script_input() -> None:
    check(uses("PublishPipelineArtifact@1"), "artifact-upload")
    check(uses("DownloadPipelineArtifact@2"), "artifact-download")
    check(uses("ManualValidation@0"), "approve")
    check(uses("PowerShell@2", script="Invoke-Pester -Path tests"), "test")


@pytest.mark.parametrize(("image", "settings", "kind"), [
    ("woodpeckerci/plugin-docker-buildx:5", {"repo": "acme/app", "dry_run": "true"}, "build"),
    ("woodpeckerci/plugin-docker-buildx:5", {"repo": "acme/app", "tags": "latest"}, "publish"),
    ("plugins/slack", {"webhook": "x"}, "notify"),
    ("plugins/s3", {"bucket": "b", "source": "dist/*"}, "publish"),
    ("plugins/github-release", {"files": "dist/*"}, "publish"),
])
def test_container_plugins_by_image_and_settings(image: str, settings: dict[str, str],
                                                 kind: str) -> None:
    text = image + "".join(f"\n  {k}: {v}" for k, v in settings.items())
    step = Step("f", 1, "j", "", text, uses=image, inputs=tuple(settings.items()))
    check(classify_step(step), kind)


def test_references_inside_a_rendered_composite() -> None:
    check(run("DownloadPipelineArtifact@2\n  itemPattern: '**/*.nupkg'\n"), "artifact-download")
    check(run("restore_cache\n  keys: npm-{{ checksum \"package-lock.json\" }}\nnpm ci\n"
              "save_cache\n  key: npm-{{ checksum \"package-lock.json\" }}"), "dependencies")


def test_container_image_steps_read_their_command() -> None:
    step = Step("f", 1, "j", "build", "docker build -t app .", uses="gcr.io/cloud-builders/docker")
    check(classify_step(step), "build")
    step = Step("f", 1, "j", "t", "go test ./...", uses="docker.io/golang:1.22")
    check(classify_step(step), "test")


# ------------------------------------------------------------------------- commands

COMMANDS = [
    # python
    ("pip install -r requirements.txt", "dependencies"),
    ("python -m pip install --upgrade requests", "dependencies"),
    ("python -m pip install --upgrade pip setuptools wheel", "toolchain"),  # build tools only
    ("pip install meson==1.4.2 ninja", "toolchain"),
    ("pip3 install -e .[test]", "dependencies"),
    ("uv sync --all-extras", "dependencies"),
    ("uv venv", "toolchain"),
    ("uv run pytest -q", "test"),
    ("uv build", "build"),
    ("poetry install --no-root", "dependencies"),
    ("poetry run mypy src", "lint"),
    ("pipenv install --dev", "dependencies"),
    ("conda install -y numpy", "dependencies"),
    ("conda create -n env python=3.11", "toolchain"),
    ("mamba install -y scipy", "dependencies"),
    ("python -m build", "build"),
    ("python setup.py bdist_wheel", "build"),
    ("python -m venv .venv", "toolchain"),
    ("twine upload dist/*", "publish"),
    ("twine check dist/*", "lint"),
    ("pytest -x tests/", "test"),
    ("python -m pytest --cov=src", "test"),
    ("tox -e py311", "test"),
    ("tox -e lint", "lint"),
    ("nox -s tests", "test"),
    ("ruff check .", "lint"),
    ("flake8 src", "lint"),
    ("pylint pkg", "lint"),
    ("mypy --strict src", "lint"),
    ("black --check .", "lint"),
    ("isort --check-only .", "lint"),
    ("pre-commit run --all-files", "lint"),
    ("sphinx-build -b html docs docs/_build", "generate"),
    ("mkdocs build --strict", "generate"),
    ("mkdocs gh-deploy --force", "deploy"),
    ("coverage xml", "analysis"),
    # javascript
    ("npm ci", "dependencies"),
    ("npm install", "dependencies"),
    ("npm test", "test"),
    ("npm run lint", "lint"),
    ("npm run build", "build"),
    ("npm run test:unit", "test"),
    ("npm publish --access public", "publish"),
    ("yarn install --frozen-lockfile", "dependencies"),
    ("yarn", "dependencies"),
    ("yarn build", "build"),
    ("yarn test", "test"),
    ("pnpm install", "dependencies"),
    ("pnpm run lint", "lint"),
    ("bun install", "dependencies"),
    ("npx eslint .", "lint"),
    ("npx playwright install --with-deps", "toolchain"),
    ("npx jest --ci", "test"),
    ("npx tsc --noEmit", "build"),
    # rust
    ("cargo build --release", "build"),
    ("cargo test --workspace", "test"),
    ("cargo clippy -- -D warnings", "lint"),
    ("cargo fmt --all -- --check", "lint"),
    ("cargo publish", "publish"),
    ("cargo install cargo-nextest", "toolchain"),
    ("cargo nextest run", "test"),
    ("cargo doc --no-deps", "generate"),
    ("rustup target add wasm32-unknown-unknown", "toolchain"),
    # go
    ("go build ./...", "build"),
    ("go test -race ./...", "test"),
    ("go vet ./...", "lint"),
    ("go mod download", "dependencies"),
    ("go install golang.org/x/tools/cmd/goimports@latest", "toolchain"),
    ("golangci-lint run", "lint"),
    # jvm
    ("mvn -B verify", "test"),
    ("mvn test", "test"),
    ("mvn deploy -DskipTests", "publish"),
    ("mvn site", "generate"),
    ("./mvnw -B verify sonar:sonar", "analysis"),
    ("./gradlew build", "build"),
    ("./gradlew test", "test"),
    ("gradle publish", "publish"),
    ("./gradlew ktlintCheck", "lint"),
    # native
    ("make", "build"),
    ("make -j4", "build"),
    ("make test", "test"),
    ("make check", "test"),
    ("make lint", "lint"),
    ("make docs", "generate"),
    ("make -C build install", "build"),
    ("cmake -B build -DCMAKE_BUILD_TYPE=Release", "build"),
    ("cmake --build build --parallel", "build"),
    ("ctest --test-dir build --output-on-failure", "test"),
    ("ninja -C build", "build"),
    ("meson setup build", "build"),
    ("meson test -C build", "test"),
    ("bazel build //...", "build"),
    ("bazel test //...", "test"),
    ("msbuild app.sln /p:Configuration=Release", "build"),
    ("dotnet test", "test"),
    ("dotnet restore", "dependencies"),
    # containers, clusters, clouds
    ("docker build -t app:latest .", "build"),
    ("docker buildx build --platform linux/amd64 -t app .", "build"),
    ("docker push ghcr.io/acme/app:latest", "publish"),
    ("docker login -u user -p pass ghcr.io", "credentials"),
    ("docker pull ubuntu:22.04", "dependencies"),
    ("docker run --rm -v $PWD:/src -w /src python:3.12 pytest", "test"),
    ("buildah bud -t app .", "build"),
    ("podman push app quay.io/acme/app", "publish"),
    ("kubectl apply -f k8s/", "deploy"),
    ("kubectl rollout status deploy/app", "deploy"),
    ("kubectl get pods -n default", "metadata"),
    ("helm upgrade --install app ./chart", "deploy"),
    ("helm lint ./chart", "lint"),
    ("helm package ./chart", "build"),
    ("helm push app-1.0.0.tgz oci://ghcr.io/acme", "publish"),
    ("terraform init", "dependencies"),
    ("terraform plan -out tf.plan", "analysis"),  # TAXONOMY tie-breaker 11
    ("terraform apply -auto-approve tf.plan", "deploy"),
    ("terraform fmt -check", "lint"),
    ("terraform validate", "lint"),
    ("aws s3 sync site/ s3://bucket/", "deploy"),  # a site served from a bucket (13)
    ("aws s3 cp report.json s3://bucket/ci/", "artifact-upload"),
    ("aws s3 cp dist/app.tgz s3://acme-releases/", "publish"),
    ("aws ecr get-login-password --region us-east-1", "credentials"),
    ("gcloud auth activate-service-account --key-file key.json", "credentials"),
    ("gcloud run deploy app --image gcr.io/p/app", "deploy"),
    ("az login --service-principal -u a -p b --tenant t", "credentials"),
    ("az webapp deploy --name app --src-path app.zip", "deploy"),
    # git and forges
    ("git clone https://github.com/acme/lib.git", "checkout"),
    ("git fetch --tags origin", "checkout"),
    ("git submodule update --init --recursive", "checkout"),
    ("git push origin main", "publish"),
    ("git tag v1.2.3", "publish"),
    ('git config --global user.name "bot"', "toolchain"),
    ("git rev-parse HEAD", "metadata"),
    ("git log -1 --format=%H", "metadata"),
    ("gh release create v1.0 dist/* --notes x", "publish"),
    ('gh pr comment 12 --body "done"', "notify"),
    ("gh pr create --fill", "publish"),
    ("gh pr edit 12 --add-label bug", "notify"),
    ("gh api repos/o/r/pulls/1/files", "metadata"),
    ("gh api --method POST repos/o/r/statuses/abc -f state=success", "notify"),
    # system packages, downloads
    ("sudo apt-get update", "dependencies"),
    ("sudo apt-get install -y libssl-dev", "dependencies"),
    ("apt install -y curl", "dependencies"),
    ("yum install -y openssl-devel", "dependencies"),
    ("dnf install -y gcc make", "toolchain"),
    ("apk add --no-cache bash", "dependencies"),
    ("brew install cmake", "toolchain"),
    ("brew install graphviz", "dependencies"),
    ("choco install -y nsis", "dependencies"),
    ("winget install Git.Git", "dependencies"),
    ("curl -sSfL https://example.com/tool.tar.gz -o tool.tar.gz", "dependencies"),
    ("wget https://example.com/pkg.deb", "dependencies"),
    ("curl -fsSL https://get.example.sh | sh", "toolchain"),
    ("curl -X POST -H 'Content-type: application/json' --data '{}' $SLACK_WEBHOOK_URL",
     "notify"),
    ("curl -s https://hooks.slack.com/services/T/B/X -d payload", "notify"),
    ("curl -s https://api.github.com/repos/o/r/releases/latest", "metadata"),
    # signing, checksums, docs, coverage services
    ("codesign --sign - app.app", "build"),
    ("gpg --armor --detach-sign dist/app.tar.gz", "build"),
    ("sha256sum dist/* > SHA256SUMS", "build"),
    ("doxygen Doxyfile", "generate"),
    ("javadoc -d out src/*.java", "generate"),
    ("codecov -f coverage.xml", "report"),
    ("cat lcov.info | coveralls", "report"),
    # linters of other ecosystems
    ("shellcheck scripts/*.sh", "lint"),
    ("hadolint Dockerfile", "lint"),
    ("yamllint .", "lint"),
    ("actionlint", "lint"),
    ("markdownlint '**/*.md'", "lint"),
    ("eslint src", "lint"),
    ("prettier --check .", "lint"),
    ("rustfmt --check src/main.rs", "lint"),
    ("gofmt -l .", "lint"),
    ("jest --coverage", "test"),
    ("vitest run", "test"),
    ("mocha test/", "test"),
    ("phpunit", "test"),
    ("bundle exec rspec", "test"),
    ("bundle exec rake docker:push", "publish"),
    ("Invoke-Pester -Path ./tests", "test"),
    ("docker compose run --rm app pytest -q", "test"),
    ("docker compose up -d db", "toolchain"),
    ("rsync -avz dist/ deploy@example.com:/var/www/", "deploy"),
    ("rsync -a build/ out/", "toolchain"),
    ("./gradlew assembleRelease", "build"),
    ("./gradlew connectedCheck", "test"),
    ('cargo "+${MSRV}" test --no-run', "build"),  # compiles only (9)
    ("cargo +nightly fmt --check", "lint"),
    ("cargo lambda deploy", "deploy"),
    ("cargo run -p semver-check", "lint"),
    ("make tflint", "lint"),
    ("yarn node scripts/generate-docs.mjs", "generate"),
    ("msbuild /version", "metadata"),
    ("cmake --version", "metadata"),
    ("curl -fsS http://localhost:8080/health", "metadata"),
    ("$hash = Get-FileHash -Path app.zip -Algorithm SHA256", "build"),
    ("python3 - <<'EOF'\nimport sys\nprint(sys.version)\nEOF", "metadata"),
    ("echo \"$SSH_KEY\" > ~/.ssh/id_ed25519", "credentials"),
    ("SET PATH=C:\\Python311;C:\\Python311\\Scripts;%PATH%", "toolchain"),
    ("Xvfb :99 &", "toolchain"),
    ("./bin/flux push artifact oci://ghcr.io/acme/manifests:latest --path=./manifests",
     "publish"),
    ("flux get kustomizations -A", "metadata"),
    ("curl -fsSL https://example.com/sdk-linux.tar.gz | tar xz -C third_party/",
     "dependencies"),
    ("{\n  echo \"host=example.com\"\n} >> ~/.netrc", "credentials"),
    ("sed -e 's/azure/us/g' /etc/apt/sources.list | sudo tee /etc/apt/sources.list.d/x.list",
     "toolchain"),
    ("./ci/deploy/run.sh", "deploy"),
]


@pytest.mark.parametrize(("text", "kind"), COMMANDS)
def test_commands(text: str, kind: str) -> None:
    check(run(text), kind)


SCRIPTS = [
    ("./deploy.sh production", "deploy"),
    ("./scripts/test.sh", "test"),
    ("bash ci/build.sh", "build"),
    ("./tools/run-lint.sh", "lint"),
    ("./release.sh", "publish"),
    ("scripts/publish-docs.sh", "publish"),
    ("./scripts/install-deps.sh", "dependencies"),
    ("source ./ci/setup-env.sh", "toolchain"),
    (". ci/env.sh", "toolchain"),
    ("./bootstrap.sh", "toolchain"),
    ("python scripts/generate_docs.py", "generate"),
    ("node scripts/version-bump.js", "decide"),
    ("call .scripts\\run_win_build.bat", "build"),
    ("pwsh -File ./tools/Run-Tests.ps1", "test"),
    ("./scripts/is_release.sh", "decide"),
]


@pytest.mark.parametrize(("text", "kind"), SCRIPTS)
def test_scripts_judged_by_their_names(text: str, kind: str) -> None:
    check(run(text), kind)


def test_bare_unknown_script_is_build_with_low_confidence() -> None:
    label = run("./ci.sh", job="")
    check(label, "build")
    assert label.confidence <= 0.3


# ------------------------------------------------------- job-environment bookkeeping

@pytest.mark.parametrize(("text", "kind"), [
    # a constant handed on decides nothing (tie-breaker 8, issue 15) ...
    ('echo "version=1.2" >> $GITHUB_OUTPUT', "toolchain"),
    # ... unless a condition chose it
    ('if [ -f x ]; then echo "changed=true" >> "$GITHUB_OUTPUT"; fi', "decide"),
    ('echo "path=$(ls dist/*.whl)" | tee -a "$GITHUB_OUTPUT"', "decide"),
    ('Write-Output "v=1" | Out-File -FilePath $env:GITHUB_OUTPUT -Append', "decide"),
    ('echo "UV_SYSTEM_PYTHON=1" >> $GITHUB_ENV', "toolchain"),
    ('echo "$HOME/.local/bin" >> $GITHUB_PATH', "toolchain"),
    ('echo "## Results" >> $GITHUB_STEP_SUMMARY', "report"),
    ("export CCACHE_DIR=$PWD/.ccache", "toolchain"),
    ("set PATH=C:\\Python311;%PATH%", "toolchain"),
    ('echo "##vso[task.setvariable variable=skip]true"', "decide"),
    ('echo "##vso[task.prependpath]$HOME/bin"', "toolchain"),
    ("mkdir -p build", "toolchain"),
    ("buildkite-agent artifact upload 'dist/*'", "artifact-upload"),
    ("buildkite-agent annotate --style error 'failed'", "report"),
    ("buildkite-agent pipeline upload .buildkite/release.yml", "decide"),
])
def test_job_environment_writes(text: str, kind: str) -> None:
    check(run(text), kind)


def test_sourcing_an_environment_file_is_bookkeeping() -> None:
    text = 'source "${BUILD_ENV_FILE}"\nif [[ "$GITHUB_REF" == refs/tags/* ]]; then\n' \
           '  echo "CHANNEL=release" >> "$GITHUB_ENV"\nfi\n'
    check(run(text), "decide")
    check(run('source "${BUILD_ENV_FILE}"\npython setup.py bdist_wheel'), "build")


def test_env_write_conditional_on_the_ref_decides() -> None:
    text = ('if [[ "${GITHUB_REF_NAME}" = *-rc* ]]; then\n'
            '  echo "CHANNEL=test" >> "$GITHUB_ENV"\nfi\n')
    check(run(text), "decide")


# --------------------------------------------------------------- rubric tie-breakers

@pytest.mark.parametrize(("text", "kind"), [
    # 1. the purpose wins over preparation
    ("pip install -r requirements.txt\npytest -q", "test"),
    ("npm ci\nnpm run build", "build"),
    ("cmake -B out\ncmake --build out\nctest --test-dir out", "test"),
    ("docker build -t app .\ndocker push app", "publish"),
    ('git add -A\ngit commit -m "update"\ngit push', "publish"),
    ("yarn install\nyarn lint\nyarn build", "lint"),
    ("pip install sphinx\nmake -C docs html", "generate"),
    ("apt-get update && apt-get install -y gcc && make", "build"),
    # a bookkeeping tail does not win over the real work
    ("pip install -r requirements.txt\necho done", "dependencies"),
    ('make build\necho "artifact=out/app" >> $GITHUB_OUTPUT', "build"),
    ('wget https://example.com/app.war\necho "file=app.war" >> $GITHUB_OUTPUT', "dependencies"),
    ('pytest\necho "## ok" >> $GITHUB_STEP_SUMMARY', "test"),
    # but computing outputs with shell logic decides
    ('SHA=$(git rev-parse --short HEAD)\necho "sha=$SHA" >> $GITHUB_OUTPUT', "decide"),
    # 4. only prints or sets shell options
    ("echo start", "metadata"),
    ("set -x\necho $PATH\nuname -a", "metadata"),
    ("python --version\nnode --version", "metadata"),
    ("sleep 30", "metadata"),
    ("cd ..", "metadata"),
    # 6. preparing the job's own environment
    ("docker run -d --name db -p 5432:5432 postgres:16", "toolchain"),
    ("python -m venv venv", "toolchain"),
    ("git config --global user.email bot@example.com", "toolchain"),
    ("sudo rm -rf /usr/share/dotnet /opt/ghc", "toolchain"),
    # 7. signing is building; pushing a commit is publishing
    ("gpg --detach-sign --armor app.tgz\nsha256sum app.tgz > app.sha256", "build"),
    # a failed comparison of generated files is a lint
    ("make generate\ngit diff --exit-code", "lint"),
    ("if [[ $(git diff --stat) != '' ]]; then\n  git diff\n  exit 1\nfi", "lint"),
    # a pass/fail gate over pipeline state decides
    ('if [[ "${{ contains(needs.*.result, \'failure\') }}" == "true" ]]; then\n  exit 1\nfi',
     "decide"),
])
def test_tie_breakers(text: str, kind: str) -> None:
    check(run(text), kind)


def test_python_inline_steps() -> None:
    check(run("import os\nimport tweepy\nclient = tweepy.Client()\nclient.create_tweet(text='x')"),
          "notify")
    label = run("import json\nprint(json.dumps({}))", name="Compute matrix")
    check(label, "decide")
    assert label.confidence < 0.6


def test_tekton_results_are_step_outputs() -> None:
    check(run("echo -n \"$(params.IMAGE)\" | tee $(results.IMAGE_URL.path)"), "decide")


def test_name_is_secondary_and_command_wins() -> None:
    check(run("pytest", name="Deploy the app"), "test")
    label = run("./tools/frobnicate", name="Run end-to-end tests")
    check(label, "test")
    assert label.confidence < 0.6
    check(run("./tools/frobnicate", name="frobnicate", job="deploy-prod"), "deploy")


def test_name_picks_among_several_real_commands() -> None:
    text = "pip install -e .\npython setup.py build_ext --inplace"
    check(run(text, name="Install dependencies"), "dependencies")
    check(run(text), "build")


def test_gitlab_pages_job_moving_files_deploys() -> None:
    check(run("mv htmlcov public", job="pages"), "deploy")
    check(run("mv htmlcov public", job="tests"), "toolchain")


def test_a_name_a_format_made_from_the_command_is_no_second_opinion() -> None:
    # GitLab and unnamed GitHub steps are named after their first line
    check(run("mkdir build/", name="mkdir build/", job="build"), "toolchain")
    check(run("mkdir -p dist", name="Restore built dist"), "artifact-download")


@pytest.mark.parametrize(("text", "kind"), [
    ("python scripts/build_ruff_pgo.py", "build"),  # a plain verb beats a tool's name
    ("./scripts/upload_to_s3.sh", "publish"),  # what follows "to" only qualifies the verb
    ("python tools/is_release_branch.py", "decide"),
    ("source ./ci/cmake-env.sh", "toolchain"),
    ("./scripts/build-deps.sh", "dependencies"),
    ("./scripts/build-rpm-packages.sh", "build"),
    ("./scripts/get-pr-commits.sh", "metadata"),
])
def test_script_names_are_read_by_their_head(text: str, kind: str) -> None:
    label = run(text, job="")
    if kind == "unknown":
        assert label.confidence <= 0.3
    else:
        check(label, kind)


# ------------------------------------------------------------------- shell reading

def words(text: str) -> list[tuple[str, ...]]:
    return [c.words for c in split_commands(text)]


def test_split_on_separators_and_continuations() -> None:
    assert [w[0] for w in words("a && b || c; d | e\nf")] == ["a", "b", "c", "d", "e", "f"]
    assert words("pip install \\\n  pytest \\\n  ruff") == [("pip", "install", "pytest", "ruff")]
    assert words("Invoke-Build `\n  -Task Test")[0] == ("Invoke-Build", "-Task", "Test")
    assert words("cmd /c build.bat ^\n  release")[0][-1] == "release"


def test_comments_heredocs_and_quotes_are_not_commands() -> None:
    text = ("# pytest would be a test\n"
            "cat > conf.ini <<EOF\n"
            "pytest\n"
            "EOF\n"
            "echo 'a; b && c' # trailing\n")
    assert [w[0] for w in words(text)] == ["cat", "echo"]
    check(run(text), "toolchain")  # writing a config file prepares the job
    check(run("echo 'pytest; make deploy' # make deploy"), "metadata")


def test_shell_structure_is_seen_through() -> None:
    text = ("for f in a b; do\n  make -C $f test\ndone\n"
            "if [ -f x ]; then pytest; fi\n"
            "case $OS in\n  linux|darwin) ./build.sh ;;\n  *) echo no ;;\nesac\n")
    firsts = [w[0] for w in words(text)]
    assert "linux" not in firsts and "*" not in firsts
    check(run(text), "test")


def test_powershell_and_cmd_basics() -> None:
    check(run("Write-Host 'hello'\nGet-ChildItem env:"), "metadata")
    check(run("if ($IsWindows) { Invoke-Pester -CI }"), "test")
    check(run('$env:PATH = "C:\\tools;$env:PATH"'), "toolchain")
    check(run("Install-Module -Name Pester -Force"), "dependencies")
    check(run('call "C:\\VS\\vcvarsall.bat" x64\nmsbuild app.sln'), "build")


def test_sudo_env_and_wrappers_are_stripped() -> None:
    check(run("sudo -E env CC=clang make test"), "test")
    check(run("CC=clang CXX=clang++ cmake -B build"), "build")
    check(run("timeout 600 xvfb-run -a npm test"), "test")
    check(run('bash -c "cd app && cargo test"'), "test")
    check(run("$LAUNCHER ctest -VV"), "test")
    check(run('CONDA_RUN="conda run -p env"\n${CONDA_RUN} pip install numpy'), "dependencies")


# ---------------------------------------------------------------- answers' quality

def test_confidence_and_why_are_bounded() -> None:
    long_text = "./" + "x" * 500 + ".sh " + "y" * 500
    for label in (run(long_text), run("pytest"), uses("actions/checkout@v4"), run("")):
        assert 0.0 <= label.confidence <= 1.0
        assert 0 < len(label.why) <= 80
        assert label.backend == "rules"
    assert "x" * 60 not in run(long_text).why


def test_empty_step_is_answered() -> None:
    label = run("")
    assert label.subsystem in ("information", "model", "action")


# ------------------------------------------------------------------ release tasks

RELEASE_TASKS = [
    # releasing alone, or to a place, publishes
    ("make release", "publish"),
    ("make VERSION=1.2.3 release", "publish"),
    ("make release_gcs", "publish"),
    ("make docker-release", "publish"),
    ("just release-pypi", "publish"),
    # the release of a thing that is no place is built by the task
    ("make release-server", "build"),
    ("gmake myproj-release", "build"),
    ("make release-linux-amd64", "build"),
    ("make dist-release-windows.zip", "build"),
    # another word with a kind of its own says what the task does
    ("make release-test", "test"),
    ("make release-sha256sums", "build"),
    ("rake release:show_info", "metadata"),
    # a Buildkite trigger names a pipeline, not a task: "X-release" is no build
    ("trigger pipeline nightly-release", "publish"),
]


@pytest.mark.parametrize(("text", "kind"), RELEASE_TASKS)
def test_release_tasks(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


# ------------------------------------------------------------------- object storage

STORAGE = [
    # a copy out of a bucket into the job downloads; into a bucket it uploads (publish)
    ("gsutil -m cp -r gs://my-bucket/inputs ./inputs", "artifact-download"),
    ("gcloud storage cp gs://my-bucket/report.tar.gz /tmp/", "artifact-download"),
    ("aws s3 cp --region eu-west-1 s3://my-bucket/tool.zip tool.zip", "artifact-download"),
    ("aws s3 sync s3://ci-outputs/prefix ./prefix", "artifact-download"),
    ("s3cmd get s3://b/k ./k", "artifact-download"),
    ("azcopy copy 'https://acct.blob.core.windows.net/c/x.zip?sv=1' ./x.zip",
     "artifact-download"),
    ("gsutil cp dist/app.tar.gz gs://my-bucket/releases/", "publish"),
    ("aws s3 cp --exclude '*' --include '*.whl' dist s3://my-bucket/whl/", "publish"),
    ("aws s3 ls s3://my-bucket/", "metadata"),
    # a tool no table knows, named for the direction, given a bucket
    ("artifact-uploader --dest=s3://ci-artifacts/run-42/", "artifact-upload"),
    ("logs-pusher gs://ci-logs/run-42", "artifact-upload"),
    ("blob-downloader --source=gs://inputs/data.tgz --out=data", "artifact-download"),
    ("fetch-manifest --from s3://bucket/manifest.json", "artifact-download"),
]


@pytest.mark.parametrize(("text", "kind"), STORAGE)
def test_object_storage_direction(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


# ------------------------------------------------------------------------- versions

VERSIONS = [
    # a tool or script about a version reads it (metadata) ...
    ("write_version_file VERSION", "metadata"),
    ("./scripts/version.sh", "metadata"),
    ("./ci/print-release-version-info.sh", "metadata"),
    # ... making a new one decides (version bumps), and other words still speak first
    ("./scripts/update_version.sh 1.2.3", "decide"),
    ("./ci/next-version.sh", "decide"),
    ("./ci/bump-version.sh minor", "decide"),
    ("./ci/validate-version-bump.sh", "lint"),
    ("./scripts/build-version-info.sh", "build"),
    # a version in passing (an option value) does not hide the tool
    ("eslint_diff --old v${ESLINT_VERSION} .", "lint"),
]


@pytest.mark.parametrize(("text", "kind"), VERSIONS)
def test_versions(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


def test_expressions_in_a_name_state_nothing() -> None:
    # the name picks among real commands only by what it states itself
    label = run("make all\nmake check", name="Build (${{ matrix.version }})")
    check(label, "build")


# ----------------------------------------------------------- Azure blocks of tasks

AZURE_BLOCKS = [
    # a conditional block rendered as one step: copying beside a download is a chore
    ("DownloadBuildArtifacts@1\n  artifactName: drop\nCopyFiles@2\n  Contents: '**/*.zip'\n"
     "  TargetFolder: $(Build.BinariesDirectory)", "artifact-download"),
    ("DeleteFiles@1\n  Contents: obj\nPublishPipelineArtifact@1\n  targetPath: out",
     "artifact-upload"),
    # only copying: the task keeps its own kind
    ("CopyFiles@2\n  Contents: '**/*.nupkg'\n  TargetFolder: $(Build.ArtifactStagingDirectory)",
     "build"),
]


@pytest.mark.parametrize(("text", "kind"), AZURE_BLOCKS)
def test_azure_blocks_of_tasks(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


def test_a_lone_copy_task_keeps_its_kind() -> None:
    check(classify_step(Step("a.yml", 1, "j", "Stage files", "CopyFiles@2", uses="CopyFiles@2",
                             inputs=(("TargetFolder", "out"),))), "build")


# ------------------------------------------------------------------ dynamic pipelines

DYNAMIC_PIPELINES = [
    # piping a generator into the pipeline upload: the step computes the steps to come,
    # whatever else the generator's name says
    ("./ci/gen-test-steps.sh | buildkite-agent pipeline upload", "decide"),
    ("./ci/package-matrix.sh\n./ci/package-matrix.sh | buildkite-agent pipeline upload",
     "decide"),
    ("python3 .buildkite/deploy_steps.py --env prod | buildkite-agent pipeline upload --replace",
     "decide"),
    # a receiving command other than the upload speaks for itself
    ("./ci/render-notes.sh | buildkite-agent annotate --style info", "report"),
]


@pytest.mark.parametrize(("text", "kind"), DYNAMIC_PIPELINES)
def test_dynamic_pipelines(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


# ------------------------------------------------------- values read and handed on

HANDED_ON = [
    # a value read from the world and passed on unchanged, by a step named for reading
    # it, is information
    ('AUTHOR=$(git log -1 --format=%an)\necho "##vso[task.setvariable variable=author]$AUTHOR"',
     "Get commit author", "metadata"),
    ('TAG=$(git describe --tags)\necho "tag=$TAG" >> "$GITHUB_OUTPUT"', "Read the tag",
     "metadata"),
    # otherwise handing values on computes outputs (decide) ...
    ('TAG=$(git describe --tags)\necho "tag=$TAG" >> "$GITHUB_OUTPUT"', "Set outputs",
     "decide"),
    ('TAG=$(git describe --tags)\necho "tag=$TAG" >> "$GITHUB_OUTPUT"', "", "decide"),
    # ... and so do computing, cutting or branching on the value, whatever the name
    ('TAG=$(git describe --tags)\necho "tag=${TAG#v}" >> "$GITHUB_OUTPUT"', "Get tag",
     "decide"),
    ('N=$(gh pr list --json id --jq length)\nif ((N > 0)); then\n'
     '  echo "skip=true" >> "$GITHUB_OUTPUT"\nfi', "Find open PRs", "decide"),
    ('KEY=$(openssl rand -hex 16)\necho "key=$KEY" >> "$GITHUB_OUTPUT"', "Get a key", "decide"),
    # an Azure macro `$(Name)` is no command: setting variables from macros decides
    ("$arch = '$(BuildArchitecture)'\nWrite-Host \"##vso[task.setvariable variable=Arch]$arch\"",
     "Get arch", "decide"),
]


@pytest.mark.parametrize(("text", "name", "kind"), HANDED_ON)
def test_values_read_and_handed_on(text: str, name: str, kind: str) -> None:
    check(run(text, name=name, job=""), kind)


PUBLISHED_OUTPUT = [
    # OneBranch uploads its output directory: copying there is the upload
    ("Copy-Item -Path $notes -Destination '$(ob_outputDirectory)/notes' -Force", "artifact-upload"),
    ("Get-ChildItem out -Filter *.nupkg | Copy-Item -Destination '$(ob_outputDirectory)'",
     "artifact-upload"),
    ("cp dist/app.tgz $(ob_outputDirectory)/", "artifact-upload"),
    # copying out of it, or into any other folder, is a chore
    ("Copy-Item -Path '$(ob_outputDirectory)/x.zip' -Destination $(Pipeline.Workspace)",
     "toolchain"),
    ("cp dist/app.tgz $(Build.ArtifactStagingDirectory)/", "toolchain"),
]


@pytest.mark.parametrize(("text", "kind"), PUBLISHED_OUTPUT)
def test_copies_into_an_output_the_ci_publishes(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


# ------------------------------------------------------------- verb-object names

VERB_OBJECT_NAMES = [
    # building benchmark programs builds; running them is analysis
    ("./ci/build-benchmarks.sh", "build"),
    ("./ci/compile_benches.sh", "build"),
    ("./ci/run-benchmarks.sh", "analysis"),
    # combining per-architecture images into one manifest happens in the registry
    ("rake image:merge_manifests", "publish"),
    ("./scripts/combine-images.sh", "publish"),
    # creating repositories on a registry or forge
    ("./hack/create-chart-repos.sh", "publish"),
    # Helix is .NET's distributed test service
    ("./eng/send-to-helix.sh", "test"),
    # a quality gate passes or fails a change on its checks
    ("trigger pipeline payments-quality-gate", "test"),
    # installing only build tools, packaging libraries included
    ("pip install meson==1.4 ninja packaging", "toolchain"),
]


@pytest.mark.parametrize(("text", "kind"), VERB_OBJECT_NAMES)
def test_verb_object_names(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


def test_a_yaml_definition_is_no_image() -> None:
    # a Tekton StepAction (or a template) named by its file is judged by its path words
    step = Step("task.yaml", 1, "e2e", "", "stepactions/upload-sarif/0.2/upload-sarif.yaml",
                uses="stepactions/upload-sarif/0.2/upload-sarif.yaml")
    label = classify_step(step)
    check(label, "report")
    assert "image" not in label.why
    check(classify_step(Step("task.yaml", 1, "e2e", "", "x",
                             uses="catalog/fail-when-steps-failed/0.1/fail.yml")), "decide")


WRITTEN_FILES = [
    # a page or a document written by the step is content it makes
    ('mkdir -p site\necho "<h1>ok</h1>" > site/index.html', "generate"),
    ("{ echo '# Notes'; echo \"built $SHA\"; } > NOTES.md", "generate"),
    # a settings, env or credentials file prepares the job
    ('echo "FOO=1" >> build.env', "toolchain"),
    ("echo 'registry=https://r.example' > .npmrc", "credentials"),
]


@pytest.mark.parametrize(("text", "kind"), WRITTEN_FILES)
def test_written_files(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


# ------------------------------------------------------------ names and programs

NAMES_AND_PROGRAMS = [
    # a Buildkite plugin call inside a group's text is judged by the plugin's name
    ("upload-to-registry#v1.0.0\n  artifacts: pkg/*.deb", "", "publish"),
    ("./build.sh\nacme/junit-annotate#v2.4.1\n  artifacts: junit-*.xml", "", "build"),
    # a verb of publishing used as a noun names a thing, not an act
    ("./ci/collect-commit-metadata.sh", "", "metadata"),
    ("./ci/calculate-tag.sh", "", "decide"),
    ("./ci/commit-and-push.sh", "", "publish"),
    ("tool check-commits --since origin/main", "", "lint"),
    # `word-word` is a PowerShell cmdlet only with an approved verb
    ("ci-tool lint-docs", "", "lint"),
    ("Get-ChildItem out", "", "metadata"),
    # an option's value (a variable) is no subcommand
    ('acme-cli --since "${RELEASE_TAG}" report', "", "report"),
    # pkg-config only queries, beside the work of the step
    ("sudo cp ci/x.pc /usr/lib/pkgconfig/\npkg-config --modversion x", "", "toolchain"),
    # emoji shortcodes in a step's label say nothing
    ("./ci/run.sh", ":lock: Check formatting", "lint"),
    ("./ci/run.sh", ":package::rocket: Show environment", "metadata"),
]


@pytest.mark.parametrize(("text", "name", "kind"), NAMES_AND_PROGRAMS)
def test_names_and_programs(text: str, name: str, kind: str) -> None:
    check(run(text, name=name, job=""), kind)


UNKNOWN_PROGRAMS = [
    # a word after a long option may be its value, not the subcommand
    ('licensecheck -check -ignore "vendor/**" ./...', "lint-headers", "lint"),
    ("acme --output build report", "", "report"),
    # the program's own name speaks before a positional read as another program's name
    ("wait-for-build --owner me podman", "", "metadata"),
    # a make target that is a word of a kind does that (bundler's name aside)
    ("make bundle", "", "build"),
]


@pytest.mark.parametrize(("text", "name", "kind"), UNKNOWN_PROGRAMS)
def test_unknown_programs(text: str, name: str, kind: str) -> None:
    check(run(text, name=name, job=""), kind)


@pytest.mark.parametrize(("image", "kind"), [
    ("example/plugin-mastodon-post", "notify"),
    ("example/bluesky", "notify"),
])
def test_social_post_plugins_notify(image: str, kind: str) -> None:
    check(classify_step(Step("ci.yml", 1, "j", "", image, uses=image,
                             inputs=(("message", "released"),))), kind)


def test_a_merge_request_is_opened_by_name() -> None:
    check(run("import gitlab\nprint(1)\n", name="open-mr", job=""), "publish")


CONTAINER_RUNS = [
    # an image of no registry run as it is: one the job built, smoke-tested
    ("docker run myapp:ci", "test"),
    ("docker run --rm cmake:latest", "test"),
    # a command in it, a registry image, or a name that says more speak for themselves
    ("docker run --rm myapp:ci pytest -q", "test"),
    ("docker run --rm myapp:ci make docs", "generate"),
    ("docker run --rm ghcr.io/acme/migrate:1", "build"),
    ("docker run --rm deploy-tool:1", "deploy"),
    ("docker run -d -p 5432:5432 postgres:16", "toolchain"),
    # a cloud CLI listing things reads
    ("gcloud builds list --limit 5", "metadata"),
]


@pytest.mark.parametrize(("text", "kind"), CONTAINER_RUNS)
def test_container_runs(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


DOWNLOADS = [
    # a file attached to a release on a forge is a tool's binary for the job
    ("curl -fsSL -o /usr/local/bin/yq https://github.com/o/yq/releases/download/v4/yq_linux",
     "toolchain"),
    ("wget https://github.com/o/tool/releases/download/v1/tool.tar.gz\ntar xzf tool.tar.gz",
     "toolchain"),
    # verifying its checksum guards the download (bookkeeping) ...
    ("curl -Lo /tmp/t.tgz https://github.com/o/t/releases/download/v1/t.tgz\n"
     "echo \"$SUM  /tmp/t.tgz\" | sha256sum -c -", "toolchain"),
    ("make dist\nsha256sum --check dist/SHA256SUMS", "build"),
    # ... and alone it is a check
    ("sha256sum -c SHA256SUMS", "lint"),
    # other downloads stay dependencies
    ("curl -LO https://example.org/data/archive.tar.gz", "dependencies"),
]


@pytest.mark.parametrize(("text", "kind"), DOWNLOADS)
def test_downloads(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


@pytest.mark.parametrize(("call", "text", "kind"), [
    ("echo", 'echo "Deploying ${env.BRANCH_NAME}"', "metadata"),
    ("error", "error 'quality gate failed'", "decide"),
    ("deleteDir", "deleteDir()", "toolchain"),
    ("load", "load('ci/helpers.groovy')", "toolchain"),
    ("recordIssues", "recordIssues(tools: [java()])", "report"),
    ("s3Upload", "s3Upload(file: 'a.zip', bucket: 'b')", "publish"),
])
def test_jenkins_pipeline_steps(call: str, text: str, kind: str) -> None:
    check(classify_step(Step("Jenkinsfile", 1, "Build", call, text, uses=call)), kind)


CMD_CONDITIONS = [
    # cmd's `if` runs the command after its condition
    ('if "%ARCH%"=="x64" set GENERATOR=Ninja', "toolchain"),
    ('if "%ARCH%" == "x64" msbuild app.sln /p:Configuration=Release', "build"),
    ("IF %RUN_TESTS% EQU 1 ctest --output-on-failure", "test"),
    ("if /i not exist build mkdir build", "toolchain"),
    ("if not defined PYTHON set PYTHON=C:\\Python312", "toolchain"),
    ("if errorlevel 1 exit /b 1", "decide"),
    # a shell `if` is followed by a command already
    ("if make -q all; then echo fresh; fi", "build"),
]


@pytest.mark.parametrize(("text", "kind"), CMD_CONDITIONS)
def test_cmd_conditions(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


HEADS_AND_BINARIES = [
    # a verb of checking at the head of a name checks what an effect would touch
    ("make check-deploy-config", "lint"),
    ("./ci/validate-release-notes.sh", "lint"),
    ("./ci/verify-publish-targets.sh", "test"),
    ("./ci/test-report.sh", "report"),
    # a download made executable or put on the PATH is a tool for the job
    ("curl -LO https://dl.example.com/v1/bin/linux/amd64/tool\nchmod +x tool\n"
     "sudo mv tool /usr/local/bin/", "toolchain"),
    ("wget -O ~/.local/bin/helper https://example.com/helper-linux", "toolchain"),
    ("curl -fsSL https://example.com/tool-linux.tar.gz | tar xz -C /usr/local/bin",
     "toolchain"),
    ("curl -LO https://example.com/data/fixtures.tar.gz", "dependencies"),
]


@pytest.mark.parametrize(("text", "kind"), HEADS_AND_BINARIES)
def test_check_heads_and_installed_binaries(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


@pytest.mark.parametrize(("task", "inputs", "kind"), [
    # an Azure task wrapping one tool is judged by the command its input names
    ("NuGetCommand@2", {"command": "push", "packagesToPush": "out/*.nupkg"}, "publish"),
    ("NuGetCommand@2", {"command": "restore"}, "dependencies"),
    ("DotNetCoreCLI@2", {"command": "test", "projects": "**/*Tests.csproj"}, "test"),
    ("DotNetCoreCLI@2", {"command": "push"}, "publish"),
    ("Docker@2", {"command": "buildAndPush", "repository": "app"}, "publish"),
    ("Docker@2", {"command": "build"}, "build"),
    ("Npm@1", {"command": "custom", "customCommand": "run lint"}, "lint"),
    ("Maven@4", {"goals": "deploy"}, "publish"),
    # no command, or one given by a variable: the task's own kind
    ("Maven@4", {"mavenPomFile": "pom.xml"}, "build"),
    ("DotNetCoreCLI@2", {"command": "$(DotnetCommand)"}, "build"),
])
def test_azure_tasks_by_their_command_input(task: str, inputs: dict[str, str],
                                            kind: str) -> None:
    check(classify_step(Step("azure-pipelines.yml", 1, "j", "", task, uses=task,
                             inputs=tuple(inputs.items()))), kind)


# ------------------------------------------------------------------------ the backend

def test_backend_answers_one_per_step_in_order() -> None:
    steps = [Step("f", i, "j", "", text) for i, text in
             enumerate(["pytest", "npm ci", "pytest", "docker push x", ""])]
    labels = RuleBackend().classify(steps)
    assert [label.kind for label in labels[:4]] == ["test", "dependencies", "test", "publish"]
    assert len(labels) == len(steps)


def test_backend_is_registered_as_default_plugin() -> None:
    _, registry = build_plugin_manager(load_entry_points=False)
    assert "rules" in registry.backends
    assert registry.owners[("backends", "rules")].startswith("xops_lens.backends.rules")


def test_backend_is_fast() -> None:
    texts = [f"pip install pkg{i}\npytest tests/test_{i}.py\necho done" for i in range(3000)]
    steps = [Step("f", i, "j", f"step {i}", t) for i, t in enumerate(texts)]
    started = time.perf_counter()
    RuleBackend().classify(steps)
    elapsed = time.perf_counter() - started
    # distinct scripts, no cache help: still thousands per second on a slow runner
    assert elapsed < 3.0, f"{len(steps) / elapsed:.0f} steps/s"


# --------------------------------------------- general gaps found on heldout2.tsv
@pytest.mark.parametrize(("text", "name", "kind"), [
    ("find target -type f -exec chmod +x {} +", "", "toolchain"),  # the command -exec runs
    ("tar --zstd -cf /tmp/repo.tar.zst -C src .", "", "build"),  # packing packages
    ("tar -xzf sdk.tgz", "", "toolchain"),  # unpacking stays a chore
    ("cov-analysis-linux64-*/bin/cov-configure --compiler cc", "", "toolchain"),
    ("az storage container generate-sas --account-name a --name c", "", "credentials"),
    ("bundle exec codeclimate-test-reporter", "", "report"),
    ("bundle exec rake clean assets:precompile", "", "build"),
    ("bundle exec rake manifest:generate_pages", "", "generate"),
    ("asv machine --yes", "", "toolchain"),
    ("./mvnw -B source:jar javadoc:jar -DskipTests", "", "build"),
    ("eng/common/build.ps1 -restore -test -projects x.proj", "", "test"),
    ("eng/common/build.ps1 -restore -test -pack -publish", "", "build"),
])
def test_heldout2_general_rules(text: str, name: str, kind: str) -> None:
    check(run(text, name, job=""), kind)


def test_version_variables_compute_a_version() -> None:
    check(uses("templates/SetVersionVariables.yml"), "decide")
    check(uses("templates/set-build-env.yml"), "toolchain")


def test_copy_into_the_onebranch_output_through_a_variable_uploads() -> None:
    text = ('$out = "$(ob_outputDirectory)/pkgs"\n'
            'Copy-Item -Path $pkg -Destination $out -Force')
    check(run(text, job=""), "artifact-upload")
    check(run('$signed = "$(ob_outputDirectory)/Signed"\n'
              'Expand-Archive -Path $zip -DestinationPath $signed', job=""), "artifact-upload")
    check(run('$out = "$(Build.StagingDirectory)"\nCopy-Item -Path a -Destination $out',
              job=""), "toolchain")


@pytest.mark.parametrize(("text", "name", "kind"), [
    # found on tests/data/heldout3.tsv
    ("./hack/gen-readme.py\nif [[ -n $(git status -s) ]]; then\n  echo stale\n  exit 1\nfi",
     "", "lint"),  # a generator run to check its output is committed
    ("git status -s --porcelain | cut -c4- > files.txt\nif [ -s files.txt ]; then echo ok\n"
     "else\n  exit 1\nfi", "", "metadata"),  # lists changed files, no cleanliness check
    ("bash build_with_remote_buildkit.sh", "Build and push image", "publish"),
    ("go build -o release/app ./cmd/app", "build-push", "build"),  # a compiler says more
    ("./hack/deploy-local.sh", "", "toolchain"),  # a service in the job's own cluster
    ("pip install pkg --no-index --find-links dist --force-reinstall\npkg --help", "",
     "test"),  # installs what the job built, to try it
    ("pip install pkg", "", "dependencies"),
])
def test_heldout3_general_rules(text: str, name: str, kind: str) -> None:
    check(run(text, name, job=""), kind)


def test_heldout3_names() -> None:
    check(uses("/eng/common/templates/steps/publish-logs.yml"), "artifact-upload")
    check(uses("/eng/common/templates/steps/publish-pipeline-artifacts.yml"), "artifact-upload")
    check(run("$GOSRC/contrib/runner.sh", job="Optional Release Test"), "test")
    check(run("./scripts/deploy-minikube.sh", job=""), "toolchain")
    check(uses("utils.assign_node_labels"), "toolchain")


@pytest.mark.parametrize(("text", "kind"), [
    # found on a blind sample of CI files outside the corpus: what these tools do
    ("mix release --path release\nzip app.zip -r release", "build"),  # nothing leaves
    ("php artisan key:generate", "toolchain"),  # writes the app key into .env
    ("composer self-update", "toolchain"),
    ("./gradlew dependencyGuard", "analysis"),
    ("./gradlew pmd -PdisablePreDex", "lint"),
    ("./gradlew promoteReleaseArtifact --promote-track production", "publish"),
    ('mc --quiet cp app-*.tar.* "$MC_DEST/"', "publish"),
    ("echo y | android update sdk --no-ui --filter android-29", "toolchain"),
    ("helm init -c", "toolchain"),  # client only: no Tiller in a cluster
    ("kldload if_wg || true", "toolchain"),
    ("ifconfig wg0\nwg show", "metadata"),
    ("curl -L https://example.org/tool.gz | gzip -d > ~/bin/tool\nchmod +x ~/bin/tool",
     "toolchain"),
])
def test_wild_sample_programs(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


def test_wild_sample_reusables() -> None:
    check(uses("bufbuild/buf-breaking-action@v1", input="proto"), "lint")
    check(classify_step(Step("Jenkinsfile", 1, "Build", "jacoco",
                             "jacoco(execPattern: 'target/jacoco.exec')", uses="jacoco")),
          "analysis")
    # any Jenkins `*Publisher` step shows a report's results on the build page
    check(classify_step(Step("Jenkinsfile", 1, "Build", "cucumberPublisher",
                             "cucumberPublisher(pattern: 'r.json')", uses="cucumberPublisher")),
          "report")


@pytest.mark.parametrize(("text", "kind"), [
    # found on a blind sample of CI files outside the corpus: shell the reader misread
    ("scripts/test", "test"),  # a path: the project's script, not the `test` builtin
    ("/usr/bin/test -f a", "metadata"),
    ("./aws/install", "toolchain"),  # named for preparing, it prepares either way
    ("$MAKE", "build"),  # a variable holding make
    ("diff README.md README.md.new", "lint"),  # alone, fails when the files differ
    ("find ./coverage -name lcov.info -exec printf '-a %q\\n' {} \\; "
     "| xargs lcov -o ./coverage/lcov.info", "analysis"),  # the program xargs runs
    ('echo "$KEYSTORE_B64" | base64 --decode > app/upload.jks\n'
     'echo "storeFile=upload.jks" >> key.properties', "credentials"),
    ("sed -i /test_suite/d Cargo.toml", "toolchain"),
    ("yq '.allowBuilds[]=false' -i pnpm-workspace.yaml", "toolchain"),
    ('sed -i "s/^version = .*/version = \\"$V\\"/" Cargo.toml', "decide"),
    ("emulator64-arm -avd test -no-window &", "toolchain"),  # a service for later steps
    ("npm start &\nsleep 5\nnpm test", "test"),
    ("call build.bat & exit /b", "build"),  # `&` inside a line runs in turn (cmd)
])
def test_wild_sample_shell(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


def test_background_only_at_the_end_of_a_line() -> None:
    first, second = split_commands("server --port 80 & # a service\nsleep 1")
    assert first.background and not second.background
    assert not split_commands("a & b")[0].background


@pytest.mark.parametrize(("text", "name", "kind"), [
    # found on a blind sample of CI files outside the corpus: what a `$(...)` captures
    ("DOCKER_CONFIG=$(cat creds | crane auth login -u u --password-stdin ghcr.io 2>&1 | "
     "sed 's,.* via ,,')\ncp ${DOCKER_CONFIG} /workspace/docker-config.json", "",
     "credentials"),  # a credential
    ('cd dist && echo "hash=$(sha256sum * | base64 -w0)" >> $GITHUB_OUTPUT', "",
     "build"),  # the checksum of an artifact (tie-breaker 7)
    ('SUFFIX=$(echo "$BRANCH-$SHA" | shasum | cut -c1-8)\necho "name=x-$SUFFIX" >> '
     "$GITHUB_OUTPUT", "", "decide"),  # hashing a value computes a name
    ("LATEST=$(git tag --list 'v*' | sort -V | tail -1)\necho \"v=$LATEST\" >> "
     "$GITHUB_OUTPUT", "", "decide"),  # a command that only prints, in a substitution
    ("NUM=$(curl --silent $API/merge_requests/1/commits | jq length)", "",
     "metadata"),  # read from an API; jq picks from what was read
    ('echo "::set-output name=sha1::$(./scripts/get-last-commit.sh)"',
     "Get latest upstream commit", "metadata"),  # read, handed on, and named a read
    ('echo "::set-output name=sha1::$(./scripts/get-last-commit.sh)"', "", "decide"),
])
def test_wild_sample_substitutions(text: str, name: str, kind: str) -> None:
    check(run(text, name, job=""), kind)


@pytest.mark.parametrize(("text", "kind"), [
    # found on a blind sample of CI files outside the corpus: a word in a name that
    # overrode what the name as a whole says
    ("./build_tools/circle/checkout_merge_commit.sh", "checkout"),  # the head verb
    ("bash bin/sandbox make build push", "publish"),  # build and push (tie-breaker 7)
    ("/bin/linux32 /bin/bash -c 'python -m venv v && pip install x && spin build'",
     "build"),  # an inline script as argument is no name
    ("vagrant up --provision-with=selinux,install-runc,test-integration", "test"),
    ("vagrant up", "toolchain"),
])
def test_wild_sample_names(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


@pytest.mark.parametrize(("text", "kind"), [
    # a second blind sample: a release named in a command that publishes nothing
    ("./gradlew app:bundleBlueRelease", "build"),  # Android app bundle of a variant
    ("goreleaser release --snapshot --clean", "build"),
    ("goreleaser release --skip=publish,sign", "build"),
    ("goreleaser release --clean", "publish"),
    ("docker buildx imagetools inspect ghcr.io/o/app:latest", "metadata"),
    ("docker buildx imagetools create -t ghcr.io/o/app:1 a b", "publish"),
])
def test_wild2_release_words(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


def test_wild2_release_actions() -> None:
    check(uses("someone/sign-android-release@v1"), "build")  # signing makes (rule 7)
    check(uses("someone/action-install-gh-release@v1"), "toolchain")


@pytest.mark.parametrize(("text", "kind"), [
    # freeing the runner's disk prepares the job (rule 6)
    ("sudo rm -rf /usr/share/dotnet /usr/local/lib/android /opt/ghc\nsudo docker image prune -af",
     "toolchain"),
    ("sudo docker builder prune -a", "toolchain"),
    ('BEFORE=$(df -a / | tail -1)\nrmz -f /opt/hostedtoolcache/CodeQL &\nwait\necho "$BEFORE"',
     "toolchain"),
    ("sudo rm -rf /usr/share/dotnet\nmake all", "build"),  # the build is still the purpose
])
def test_wild2_free_disk_space(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


def test_wild2_disk_space_actions() -> None:
    check(uses("someone/maximize-build-space@v1"), "toolchain")
    check(uses("someone/disk-space-reclaimer@v1"), "toolchain")


@pytest.mark.parametrize(("text", "kind"), [
    # a secret written into a file is credentials, whatever the file is called
    ('mkdir -p ~/.gradle/enterprise\necho "${{ secrets.GE_ACCESS_KEY }}" > ~/.gradle/enterprise/keys.properties',
     "credentials"),
    ('echo "$DEPLOY_SSH" > /tmp/deploy_key', "credentials"),
    ('echo "$VERSION" > version.txt', "toolchain"),
    ('echo "${{ github.sha }}" > sha.txt', "toolchain"),
])
def test_wild2_secret_written(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


@pytest.mark.parametrize(("text", "kind"), [
    # installing a compiler is toolchain, its version suffix read away
    ("sudo apt install g++-4.8", "toolchain"),
    ("sudo apt-get install -y clang-14 lld-14", "toolchain"),
    ("sudo apt-get install -y clang-tools", "toolchain"),
    ("sudo apt-get install -y libssl-dev gcc-9", "dependencies"),
    # `sh -s --`: the script is piped in, what follows are its arguments
    ("curl -sSf https://sh.rustup.rs | sh -s -- --default-toolchain none -y", "toolchain"),
])
def test_wild2_toolchain_installs(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


def test_wild2_azure_tool_installers() -> None:
    check(uses("DockerInstaller@0"), "toolchain")
    check(uses("KubectlInstaller@0"), "toolchain")


@pytest.mark.parametrize(("text", "kind"), [
    # issue and PR bots comment (notify); only an approving review is `approve`
    ('gh pr review --comment -b "Auto-approved" "$PR_URL"', "notify"),
    ('gh pr review --approve "$PR_URL"', "approve"),
    ("yarn changesets-gitlab comment", "notify"),
    ("yarn changesets-gitlab", "publish"),
])
def test_wild2_pr_bots(text: str, kind: str) -> None:
    check(run(text, job="check"), kind)


def test_wild2_issue_helper() -> None:
    check(uses("actions-cool/issues-helper@v3", actions="create-comment"), "notify")


@pytest.mark.parametrize(("text", "kind"), [
    # a file sent as a form field uploads it; a form of text sends a request
    ('curl --form "chart=@.packages/$pkg" --user "$U:$P" "$REPO_URL"', "publish"),
    ('curl -X POST -F "text=hello" "$URL"', "notify"),
    # pnpx runs the package named, as npx does
    ("pnpx pkg-pr-new publish --compact './packages/app'", "publish"),
])
def test_wild2_action_kinds(text: str, kind: str) -> None:
    check(run(text, job="build"), kind)


def test_wild2_action_reusables() -> None:
    check(uses("ms.advancedsecurity-tasks.codeql.enhance.AdvancedSecurity-Publish@1"), "report")
    check(uses("benc-uk/workflow-dispatch@v1", workflow="generate.yml"), "notify")
    check(uses("benc-uk/workflow-dispatch@v1", workflow="deploy.yml"), "deploy")
    for pipe in ("atlassian/aws-s3-deploy:1.1.0", "atlassian/aws-cloudfront-invalidate:0.6.0"):
        check(classify_step(Step("bitbucket-pipelines.yml", 1, "deploy", "", pipe, uses=pipe)),
              "deploy")


def test_wild2_build_then_upload_publishes() -> None:
    # named "build", but it builds a bundle to upload it: it exists to publish (rule 7)
    text = ("flatpak-builder --repo=repo build app.json\nflatpak build-bundle repo app.flatpak app\n"
            'curl --user "u:$TOKEN" --upload-file app.flatpak "https://example.org/packages/app.flatpak"')
    check(run(text, name="build", job=""), "publish")
    check(run("make all\nmake test", name="build", job=""), "build")


@pytest.mark.parametrize(("text", "name", "kind"), [
    # a tool's cache location looked up for a cache step decides nothing
    ('echo "directory=$(composer config cache-dir)" >> $GITHUB_OUTPUT', "Determine cache dir",
     "metadata"),
    ('echo "dir=$(yarn cache dir)" >> $GITHUB_OUTPUT', "", "metadata"),
    # a value read into the environment by a step named for reading it
    ('echo "RELEASE_TAG=${GITHUB_REF#refs/tags/}" >> $GITHUB_ENV', "get version", "metadata"),
    ('echo "GO_VERSION=$(cat .go-version)" >> $GITHUB_ENV', "Get go version", "metadata"),
    ('echo "CC=clang" >> $GITHUB_ENV', "get compiler", "toolchain"),
    ('echo "RELEASE_TAG=${GITHUB_REF#refs/tags/}" >> $GITHUB_ENV', "set env", "toolchain"),
])
def test_wild2_reads_handed_on(text: str, name: str, kind: str) -> None:
    check(run(text, name=name, job=""), kind)


@pytest.mark.parametrize(("text", "name", "kind"), [
    # `go install` of the module itself builds it; of a tool at a version, toolchain
    ("go install", "", "build"),
    ("go install -tags extended,nodeploy ./...", "", "build"),
    ("go install golang.org/x/tools/cmd/goimports@latest", "", "toolchain"),
    ("go install github.com/a/b/cmd/x", "", "toolchain"),
    # loading libraries and exiting tests that they load
    ("ruby -I lib -r bundler/setup -r mygem -e 'exit 0'", "", "test"),
    # a whole command passed in by an expression: the name may tell
    ("${{ inputs.composer-command }}", "Install dependencies", "dependencies"),
    ("${{ inputs.cmd }}", "Build Repository", "build"),
])
def test_wild2_misread_commands(text: str, name: str, kind: str) -> None:
    check(run(text, name=name, job=""), kind)


@pytest.mark.parametrize(("text", "kind"), [
    # a file's content or a listing handed on as it was read decides nothing
    ("echo ::set-output name=tag::$(cat ./VERSION)-${GITHUB_SHA::8}", "metadata"),
    ('echo "sdist_name=$(ls ./dist)" >> "$GITHUB_OUTPUT"', "metadata"),
    ('echo "version=$(cat VERSION | sed s/v//)" >> "$GITHUB_OUTPUT"', "decide"),
])
def test_wild3_file_read_into_outputs(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


@pytest.mark.parametrize(("text", "kind"), [
    # a tool installed for the machine is toolchain
    ("npm i -g npm@latest", "toolchain"),
    ("sudo npm install -g pnpm", "toolchain"),
    ("npm install lodash", "dependencies"),
    ("npm ci", "dependencies"),
    # an option's value is no package: cmake alone is installed
    ("choco install --yes --no-progress cmake --installargs 'ADD_CMAKE_TO_PATH=System'", "toolchain"),
    ('choco install git --force --params "/GitAndUnixToolsOnPath" -y', "dependencies"),
    ("pip3 install meson==1.4.2 ninja==1.11.1", "toolchain"),
])
def test_wild3_tool_installs(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


@pytest.mark.parametrize(("text", "kind"), [
    # a script named for installing one tool puts a tool in place
    ("ci/install-hub.sh ubuntu-latest", "toolchain"),
    (".github/scripts/install-mold.sh", "toolchain"),
    ("bash ci/install_go.sh", "toolchain"),
    ("./install_prerequisites_host.sh", "dependencies"),
    ("./install-deps.sh", "dependencies"),
])
def test_wild3_tool_install_scripts(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


@pytest.mark.parametrize(("text", "kind"), [
    # a target named for checking the format is a lint
    ('make test_formatted && echo "All source files are properly formatted."', "lint"),
    ("make check-format", "lint"),
    ("make test", "test"),
    ("make test-coverage", "test"),
])
def test_wild3_format_check_targets(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


def test_wild3_powershell_path_ending_in_backslash() -> None:
    # PowerShell has no backslash escapes: the quote after `bin\` closes the value
    check(run('$env:Path += ";C:\\Program Files\\CMake\\bin\\"', job=""), "toolchain")
    assert [c.words for c in split_commands('echo "a\\"b"; $env:X = 1')][0] == ("echo", '"a\\"b"')


def test_wild3_lockfile_lint_and_release_notes() -> None:
    # lockfile-lint checks the lockfile's hosts: no notice is sent
    check(run("npx lockfile-lint -s -n -p yarn.lock -a hosts yarn npm", job=""), "analysis")
    # extracting release notes only reads the changelog: nothing is released
    check(uses("ffurrer2/extract-release-notes@v2"), "metadata")


@pytest.mark.parametrize(("text", "kind"), [
    # a request sent to a URL kept in a variable named for the release adds to it
    ('curl --request POST --header "JOB-TOKEN: $CI_JOB_TOKEN" --data "{}" ${RELEASE_LINKS_URL}',
     "publish"),
    ("curl -X POST -d @payload.json $HOOK_URL", "notify"),
])
def test_wild3_release_link_requests(text: str, kind: str) -> None:
    check(run(text, job=""), kind)


@pytest.mark.parametrize(("text", "name", "kind"), [
    # a coverage target in a step named for computing coverage computes it
    ('make cover | tee "$GITHUB_STEP_SUMMARY"', "Calculate Coverage", "analysis"),
    # a target named only for coverage computes it (issue 15, tie-breaker 11) ...
    ("make cover", "Coverage", "analysis"),
    # ... unless the step's name says the tests run in it
    ("make coverage", "Run tests with coverage", "test"),
    ("make test", "Calculate Coverage", "test"),
])
def test_wild3_coverage_computed(text: str, name: str, kind: str) -> None:
    check(run(text, name=name, job=""), kind)


def test_confidence_is_put_on_the_product_scale() -> None:
    from xops_lens.backends.rules import CALIBRATION, CONFIDENT, calibrated
    # monotone, fixed ends, raw figures up to 0.5 kept, and the confident line where the
    # labelled steps put it (docs/taxonomy.md, "Confidence")
    raws = [i / 100 for i in range(101)]
    reported = [calibrated(r) for r in raws]
    assert reported == sorted(reported) and reported[0] == 0.0 and reported[-1] == 1.0
    assert all(abs(calibrated(r) - r) < 1e-9 for r in raws if r <= 0.5)
    assert abs(calibrated(0.65) - CONFIDENT) < 1e-9 and calibrated(0.64) < CONFIDENT
    assert [x for x, _ in CALIBRATION] == sorted(x for x, _ in CALIBRATION)
    # a bare unknown script stays unsure; a known program's answer is confident
    assert run("./ci.sh", job="").confidence < 0.5
    assert run("pytest -q").confidence >= CONFIDENT
