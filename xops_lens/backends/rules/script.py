"""A script step as a whole: its commands' hits, patterns no single command shows, and
the names that break ties (TAXONOMY.md tie-breakers 1-4)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from xops_lens.backends.rules.data import words as T
from xops_lens.backends.rules.hit import HANDS_ON, RANK, Hit, Tag
from xops_lens.backends.rules.reader import Reader, choose, imports_the_project
from xops_lens.backends.rules.shell import LazyPattern, split_commands, unquote
from xops_lens.backends.rules.words import clip_why, kinds_in_words, name_kind, name_words, words_of
from xops_lens.model import SUBSYSTEM_OF_KIND

_FUNCTION_DEF = LazyPattern(r"(?m)^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\s*\)|^\s*function\s+([\w-]+)")
# what _FUNCTION_DEF needs when "function" is absent; unlike it, found at C speed
_EMPTY_PARENS = LazyPattern(r"\(\s*\)")
_REF_CONDITION = LazyPattern(r"\bif\b[^\n]*(_REF\b|REF_NAME|ref_name|github\.ref|_TAG\b|"
                            r"EVENT_NAME|event_name)", re.I)
_PUBLIC_DIR = LazyPattern(r"\spublic/?(\s|$)")
_EXIT_FAILURE = LazyPattern(r"\bexit\s+1\b")
_CONTENT_CHECK = LazyPattern(r"\$\(\s*cat\s|\bgrep\s+-[a-zA-Z]*q|\[\s+-s\s|\bjq\s+-e")
_SEARCH = LazyPattern(r"(^|[\s;&|(!])(grep|egrep|fgrep|rg|ag|findstr|select-string)\s", re.I)
# `... | grep -q x` ending a line: the pipeline's status is the step's
_GREP_ASSERT = LazyPattern(r"\|\s*grep\s+(-\w*q\w*|--quiet)\s+(\S+|'[^']*'|\"[^\"]*\")\s*$", re.M)
_DOCS_DIR = LazyPattern(r"(^|[\s;&|(])cd\s+[\"']?(\./)?(docs?|site|website|documentation|"
                        r"book)[\"']?(/|\s|$|;|&)", re.M)
_DIRTY_TREE = LazyPattern(r"git\s+(diff\b[^\n|;&]*(--exit-code|--quiet|--stat|--name-only)|"
                         r"status\s+--porcelain|status\s+(-s|--short)\s*(\)|\|\||$))|(^|[\s;&|(])(diff|cmp)\s+\S+\s+\S+")

_BRANCHES = LazyPattern(r"(^|[\s;({])(if|elif|elseif|case|switch|while|until)\b|&&|\|\||"
                       r"\$\{[^}]*[#%/:^,][^}]*\}|-replace\b|-split\b|\.Substring\(", re.I)
_BINARY_INSTALL = LazyPattern(r"\bchmod\s+(\S*\+x|[0-7]*[157][0-7]{2})\b|"
                             r"(/usr/local/bin|/usr/bin|/\.local/bin|\$HOME/bin|~/bin|/opt/bin)\b")
_PIPELINE_UPLOAD = LazyPattern(r"\|\s*buildkite-agent\s+pipeline\s+upload\b")
_VAR_ASSIGN = re.compile(r"(?m)^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=(.+?)\s*$")
_WHICH = LazyPattern(r"^\$\(\s*(?:which|command -v|type -p)\s+([\w.+-]+)\s*\)$|^`\s*which\s+([\w.+-]+)\s*`$")


def _variables(text: str) -> dict[str, str]:
    """Shell variables a script sets to a command (`CONDA_RUN="conda run -p x"`,
    `PY=$(which python3)`), so that `${CONDA_RUN} pip install` can be read."""
    out: dict[str, str] = {}
    for name, value in _VAR_ASSIGN.findall(text):
        value = unquote(value.strip())
        m = _WHICH.match(value)
        if m:
            value = m.group(1) or m.group(2)
        if value and not value.startswith("$") and name not in out:
            out[name] = value
    return out


_PYTHON_CODE = re.compile(r"^\s*(import \w|from [\w.]+ import |def \w+\(|class \w+[(:]|"
                          r"print\(|with open\(|if __name__)", re.M)
_PYTHON_APIS: tuple[tuple[LazyPattern, str, str], ...] = tuple(
    (LazyPattern(p), k, w) for p, k, w in (
        (r"tweepy|slack_sdk|smtplib|discord|webhook|telegram|\.create_comment|"
         r"\.add_to_labels|\.create_issue\(", "notify", "posts a message from Python"),
        (r"\.create_git_release|\.create_pull\(|twine|upload_file|put_object", "publish",
         "publishes from Python"),
        (r"urlretrieve|\.download\(", "dependencies", "downloads from Python"),
        (r"GITHUB_OUTPUT|set_output", "decide", "computes step outputs in Python"),
        (r"GITHUB_STEP_SUMMARY", "report", "writes the job summary from Python"),
        (r"GITHUB_ENV|GITHUB_PATH", "toolchain", "sets environment from Python"),
    )
)


def _python_step(text: str, name: str) -> tuple[str, float, str]:
    """A `shell: python` step: a few library calls say what it does, else its name."""
    for pattern, kind, why in _PYTHON_APIS:
        if pattern.search(text):
            return kind, 0.6, why
    found = name_kind(name)
    if found is not None:
        return found[0], 0.45, clip_why(f"step name says {found[1]}; runs inline Python")
    if imports_the_project(text):
        return "test", 0.5, "imports the package as a smoke check"
    return "build", 0.25, "runs inline Python; purpose unclear, counted as build"


def _fails(text: str) -> bool:
    return "exit" in text and _EXIT_FAILURE.search(text) is not None


def _compares_files(text: str) -> bool:
    # every match holds one of these words; the regex alone scans each position
    return ("diff" in text or "status" in text or "cmp" in text) \
        and _DIRTY_TREE.search(text) is not None


def _content_check(text: str) -> bool:
    return ("cat" in text or "grep" in text or "-s" in text or "jq" in text) \
        and _CONTENT_CHECK.search(text) is not None


def _asserts_output(text: str) -> bool:
    return "grep" in text and _GREP_ASSERT.search(text) is not None


def _searches(text: str) -> bool:
    return _SEARCH.search(text) is not None


def _env_from_ref(text: str) -> bool:
    return "github_env" in text.lower() and _REF_CONDITION.search(text) is not None


def _branches(text: str) -> bool:
    return _BRANCHES.search(text) is not None


def _installs_binary(text: str) -> bool:
    return ("chmod" in text or "bin" in text) and _BINARY_INSTALL.search(text) is not None


class _ScriptFacts:
    """What a script's text alone shows; cached, since templates repeat scripts.

    The whole-script patterns (the properties) are searched only when a rule of
    :func:`classify_script` asks, then kept: most scripts never reach those rules, and
    searching every text for all of them was a large share of the classification
    (docs/benchmarks.md).
    """

    __slots__ = ("_flags", "exit_code_check", "generates_pipeline", "hits", "python", "text",
                 "writes_outputs")

    def __init__(self, text: str, python: bool, hits: tuple[Hit, ...]) -> None:
        self.text = text
        self.python = python
        self.hits = hits
        self.writes_outputs = not python and "github_output" in text.lower()
        self.exit_code_check = not python and "--exit-code" in text
        # a generator piped into `buildkite-agent pipeline upload`
        self.generates_pipeline = not python and "buildkite-agent" in text \
            and _PIPELINE_UPLOAD.search(text) is not None
        self._flags: dict[Callable[[str], bool], bool] = {}

    def _flag(self, test: Callable[[str], bool]) -> bool:
        value = self._flags.get(test)
        if value is None:
            value = self._flags[test] = not self.python and test(self.text)
        return value

    @property
    def fails(self) -> bool:
        """`exit 1` somewhere."""
        return self._flag(_fails)

    @property
    def compares_files(self) -> bool:
        """git diff / diff / cmp of generated files."""
        return self._flag(_compares_files)

    @property
    def asserts_output(self) -> bool:
        """A program's output piped into a quiet `grep -q` whose status ends the step."""
        return self._flag(_asserts_output)

    @property
    def searches(self) -> bool:
        """A search program (`grep`, `git grep`, `rg`, `Select-String`) in the script."""
        return self._flag(_searches)

    @property
    def content_check(self) -> bool:
        return self._flag(_content_check)

    @property
    def env_from_ref(self) -> bool:
        """Sets job environment under a condition on the ref or event."""
        return self._flag(_env_from_ref)

    @property
    def branches(self) -> bool:
        """if/case/&&/||, or a value cut or replaced (`${REF#v}`, `-replace`)."""
        return self._flag(_branches)

    @property
    def installs_binary(self) -> bool:
        """Makes a file executable or puts it in a bin folder."""
        return self._flag(_installs_binary)


@lru_cache(maxsize=16384)
def _script_facts(text: str) -> _ScriptFacts:
    first = next((ln for ln in text.splitlines()
                  if ln.strip() and not ln.lstrip().startswith("#")), "")
    if _PYTHON_CODE.match(first):
        return _ScriptFacts(text, True, ())
    functions = ({a or b for a, b in _FUNCTION_DEF.findall(text)}
                 if "function" in text or ("(" in text and _EMPTY_PARENS.search(text))
                 else set())
    reader = Reader(functions, _variables(text) if "=" in text else None)
    hits = tuple(h for c in split_commands(text) if (h := reader.command(c)) is not None)
    return _ScriptFacts(text, False, hits)


def _by_script_name(hit: Hit) -> bool:
    """A hit that only a script's file name supports (`runs script `gen-readme.py``)."""
    return hit.tag is Tag.RUNS_SCRIPT


def _names_a_read(name: str, verbs: frozenset[str] = T.READ_VERBS) -> bool:
    """A step name that starts with a verb of reading ("Get version", "Obtain commit
    message")."""
    ws = [w for w in name_words(name) if w not in T.STOP_WORDS]
    return bool(ws) and ws[0] in verbs


def _only_reads_and_hands_on(hits: Sequence[Hit]) -> bool:
    """`msg=$(git log -1 --format=%B)` then `##vso[task.setvariable]$msg`: a value read
    from the world and passed on unchanged, with no computation, condition or real work.
    Passing values on computes outputs (decide) by the rubric; when the step's name says
    it reads (tie-breaker 2: the name may speak where the commands cannot tell), the
    reading is its purpose: information/metadata."""
    reads = False
    for h in hits:
        if h.tag is Tag.READS_VALUE or h.tag is Tag.WRITES_READ_OUTPUT:
            reads = True
        elif h.tag in HANDS_ON:
            continue
        elif h.weight > 0 or h.kind == "decide" or h.tag is Tag.TESTS_CONDITION:
            return False
    return reads


# A job named for the refs that start it (Bitbucket's `tags: v*:`, `branches: main:`):
# the ref pattern says when the job runs, not what it does.
_REF_TRIGGER = re.compile(r"^(tags|branches|bookmarks|pull-requests)\s+\S+\s*(>\s*)?")


def classify_script(text: str, name: str, job: str) -> tuple[str, float, str]:
    """(kind, confidence, why) for a script step; ``name`` is a name a person gave it."""
    job = _REF_TRIGGER.sub("", job)
    facts = _script_facts(text)
    if facts.python:
        return _python_step(text, name)
    if not facts.hits:
        found = name_kind(name)
        if found is not None:
            return found[0], 0.4, clip_why(f"step name says {found[1]}")
        return "metadata", 0.3, "does nothing but shell structure"
    if facts.generates_pipeline:
        # a dynamic pipeline: the step exists to compute the steps that follow; other
        # runs of the generator only preview what it uploads
        return "decide", 0.75, "generates pipeline steps (piped to pipeline upload)"
    best, real = choose(facts.hits, name)
    kind, confidence, why = best.kind, best.confidence, best.why

    # patterns of the whole script that no single command shows
    if kind == "analysis" and best.tag is Tag.COVERAGE_TARGET and any(
            k == "test" and not w.startswith("cov")
            for k, w in kinds_in_words(name_words(name))):
        # `- name: Run tests with coverage` / `make coverage`: a target named for coverage
        # computes it (tie-breaker 11) unless the step's name says the tests run in it
        return "test", 0.6, clip_why(f"{best.why} (runs the tests)")
    if kind == "decide" and best.tag in HANDS_ON and not facts.branches \
            and _only_reads_and_hands_on(facts.hits) and _names_a_read(name):
        return "metadata", 0.55, "reads a value and hands it to later steps"
    if kind == "toolchain" and best.tag is Tag.SETS_ENV \
            and _names_a_read(name, T.READ_PREFIXES) \
            and all(h.tag is Tag.SETS_ENV or h.weight == 0 for h in facts.hits) \
            and ("$(" in text or "GITHUB_REF" in text):
        # `- name: get version` / `echo "TAG=${GITHUB_REF#refs/tags/}" >> $GITHUB_ENV`,
        # `echo "GO=$(cat .go-version)" >> $GITHUB_ENV`: a value read (from a command or
        # the ref) into the environment, named for the reading (tie-breaker 2)
        return "metadata", 0.55, "reads a value into the environment"
    if kind == "metadata" and best.weight == 2 and facts.branches and not _names_a_read(name) \
            and all(h.kind in ("metadata", "decide", "toolchain") for h in real) \
            and any(h.tag in HANDS_ON or h.tag is Tag.SETS_ENV for h in facts.hits):
        # `if git diff --quiet; then echo "change=false" >> $GITHUB_OUTPUT`: a flag
        # derived from what was read, by a rule of the step's own (tie-breaker 8)
        return "decide", 0.65, clip_why(f"derives a value from what it read ({why})")
    if kind == "metadata" and facts.asserts_output and not facts.branches \
            and all(h.kind == "metadata" for h in real):
        # `flux -v | grep -q 2.9.2`, `nm -D lib.so | grep -q symbol`: the step fails
        # unless a program prints what is expected: a check, not a reading
        return "test", 0.5, clip_why(f"checks what a command prints ({why})")
    if not facts.writes_outputs:
        if (facts.fails or facts.exit_code_check) and facts.compares_files and (
            best.weight < 2 or kind == "metadata"
            # a generator script run to see whether its output is committed
            or (_by_script_name(best) and SUBSYSTEM_OF_KIND.get(kind) == "model")
        ):
            return "lint", 0.7, "fails when files differ from what is committed"
        if best.weight < 2 and facts.fails and kind == "decide" and facts.content_check:
            return "lint", 0.55, "fails on findings read from a file"
        if kind == "metadata" and facts.fails and facts.searches \
                and all(h.kind in ("metadata", "decide") for h in facts.hits):
            # `git grep -n 'pattern' && exit 1`, `nm lib | grep sym || exit 1`: a read-only
            # check that fails the job is a check of the code, not a reading (issue 15)
            return "lint", 0.6, "fails the job on what a search finds"
        if best.weight < 2 and kind == "toolchain" and facts.env_from_ref:
            return "decide", 0.6, "sets environment from the ref or event"

    if best.tag is Tag.WRITES_CONSTANT and (facts.branches or any(
            h.tag in HANDS_ON and h.tag is not Tag.WRITES_CONSTANT for h in facts.hits)):
        # constants chosen by a condition (`if ...; then echo "changed=true"`), or beside
        # values computed: a flag or value derived by the step's own rule (tie-breaker 8)
        return "decide", 0.65, "sets step outputs by a condition"
    if kind == "build" and best.tag is Tag.PACKS_ARCHIVE:
        kept = [h for h in real if h.kind in ("artifact-upload", "report")]
        if kept and all(h.tag is Tag.PACKS_ARCHIVE for h in real if h.kind == "build"):
            # `7z a out.zip bin && appveyor PushArtifact out.zip`: the archive is packed
            # to be kept, which is what the step is for (tie-breaker 1)
            upload = kept[0]
            return upload.kind, min(upload.confidence, 0.75), clip_why(
                f"{upload.why} (packed first)")
    if kind == "publish" and "gh-pages" in text and "git" in text and "push" in text:
        # `git checkout gh-pages ... git push`: the branch serves a site (tie-breaker 13)
        return "deploy", min(confidence, 0.75), clip_why(f"{why} (a pages branch)")
    if kind == "build" and "cd" in text and _DOCS_DIR.search(text) is not None:
        # `cd docs && make build`, `cd website; npm run build`: the documentation site is
        # what is built (tie-breaker 12)
        return "generate", 0.7, clip_why(f"{why} in the documentation folder")

    if kind == "dependencies" and best.tag is Tag.DOWNLOADS and facts.installs_binary:
        # `curl -LO .../kubectl && chmod +x kubectl && mv kubectl /usr/local/bin`: a tool
        # put on the PATH for the job
        return "toolchain", 0.65, clip_why(f"{why}; installs it as a program")

    if kind == "unknown":
        # tie-breaker 3: the names may tell; else a bare script counts as build
        found = name_kind(name)
        if found is not None:
            return found[0], 0.45, clip_why(f"step name says {found[1]}; {why}")
        found = name_kind(job)
        if found is not None:
            return found[0], 0.35, clip_why(f"job name says {found[1]}; {why}")
        if real:
            other = min(real, key=lambda h: RANK[h.kind])
            return other.kind, 0.35, clip_why(f"{other.why}; purpose unclear")
        return "build", 0.25, clip_why(f"{why}; purpose unclear, counted as build")

    if best.weight == 0 and kind == "decide" and not real:
        # only the shape of a script (`exit $RET`, a test, a value set): the names may
        # say what it is for (tie-breaker 2); the shape itself is no purpose
        found = name_kind(name)
        if found is not None:
            return found[0], 0.4, clip_why(f"step name says {found[1]}; {why}")
        return kind, min(confidence, 0.45), why

    if best.weight == 0 and kind == "toolchain":
        # moving files around says little; a name saying what they are for says more
        found = name_kind(name)
        if found is not None and " " in found[1]:
            return found[0], 0.45, clip_why(f"step name says {found[1]}; {why}")
        if best.tag is Tag.MOVES_FILES and "pages" in words_of(job) and _PUBLIC_DIR.search(text):
            # GitLab Pages publishes what its `pages` job leaves in public/
            return "deploy", 0.5, "places the site in public/ of a pages job"

    if best.weight == 0 and kind == "metadata":
        # only prints, waits or sets shell options (tie-breaker 4), unless the name
        # says the printing reports or decides something
        found = name_kind(name)
        if found is not None and found[0] in ("report", "decide"):
            return found[0], 0.4, clip_why(f"step name says {found[1]}; {why}")
        return "metadata", max(confidence, 0.6), why

    if len({SUBSYSTEM_OF_KIND[h.kind] for h in real} - {"information"}
           | {SUBSYSTEM_OF_KIND[kind]}) > 1:
        # commands that compute and commands that act: which one the step is for is a
        # judgement; preparing the job before either is not (tie-breaker 1)
        confidence *= 0.85
    found = name_kind(name)
    if kind == "build" and (best.weight < 2 or _by_script_name(best)) and found is not None \
            and found[0] == "publish" and found[1] == "push build":
        # "Build and push" over a build script: the push hides in the script or a flag;
        # the build exists to publish (TAXONOMY tie-breaker 7)
        return "publish", confidence * 0.9, clip_why(f"step name says {found[1]}; {why}")
    if found is not None:
        if found[0] == kind:
            confidence = min(0.97, confidence + 0.05)
        elif SUBSYSTEM_OF_KIND.get(found[0]) != SUBSYSTEM_OF_KIND[kind]:
            confidence *= 0.9
    return kind, confidence, why
