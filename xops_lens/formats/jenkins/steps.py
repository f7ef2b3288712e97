"""Which Jenkins calls are steps, and what a step's text, name and hint are.

A statement's head call is a step unless it takes a closure it is not known to be a step
for (``script { }``, ``.each { }``, a library's ``withSomething { }``): the closure's calls
are the steps then. A block step of Jenkins or a common plugin (``withCredentials``,
``dir``, ``timeout``, ``container``, ``docker.image(..).inside``: :data:`STEP_WRAPPERS`)
is a step call as TAXONOMY counts them, so it is a step of its own, at its line, whose
text is the call without its body (it is labelled by what it does itself: credentials,
a toolchain, the shape of the run), and the steps in its body are steps as well. A call
on a local variable (``list.add(x)``) is not a step. Inside expressions only calls to known
pipeline steps count (``env.X = sh(returnStdout: true, script: '...')``, and in command
syntax as an assignment's value: ``def pom = readMavenPom file: 'pom.xml'``), since a bare
``isRelease()`` there is a helper computing a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xops_lens.formats.jenkins.groovy import Group, Node, Token

MAX_TEXT = 4000

SHELL_STEPS = frozenset({"sh", "bat", "powershell", "pwsh"})
KIND_HINTS: dict[str, str] = {
    "checkout": "checkout", "git": "checkout", "svn": "checkout",
    "input": "approve",
    "archiveArtifacts": "artifact-upload", "archive": "artifact-upload",
    "stash": "artifact-upload", "unstash": "artifact-download",
    "copyArtifacts": "artifact-download",
    "junit": "report", "publishHTML": "report", "publishChecks": "report",
    "slackSend": "notify", "mail": "notify", "emailext": "notify", "office365ConnectorSend": "notify",
    "mattermostSend": "notify", "discordSend": "notify", "hipchatSend": "notify",
    "githubNotify": "notify", "setGitHubPullRequestStatus": "notify",
}
# Block steps (Jenkins' own and common plugins'), by the name a call spells: each is a
# step of its own, and so are the steps of its body. The rule backend's table of Jenkins
# steps (backends/rules/data/plugins.py, JENKINS_STEPS) gives each its kind; a test keeps
# the two in step. Not here: `script` (Groovy, no step), and `node`, `stage`, `parallel`
# and `podTemplate`, which make jobs or agents rather than steps.
STEP_WRAPPERS = frozenset({
    # credentials
    "withCredentials", "withDockerRegistry", "withKubeConfig", "withKubeCredentials",
    "withAWS", "sshagent", "withVault", "withSonarQubeEnv", "docker.withRegistry",
    # the job's toolchain and environment
    "withEnv", "withMaven", "withGradle", "withAnt", "withGroovy", "withNPM",
    "withPythonEnv", "nodejs", "ansiColor", "timestamps", "wrap", "container", "xvfb", "xvnc",
    "configFileProvider", "withDockerContainer", "withDockerServer", "withContext",
    "docker.image().inside", "docker.image().withRun", "docker.withServer", "docker.withTool",
    # how the steps of the body run: where, how long, how often, on what failure
    "timeout", "retry", "dir", "ws", "lock", "throttle", "catchError", "warnError",
    "waitUntil", "withChecks", "tee", "withFolderProperties",
    # a commit status kept, or test results published, while the body runs
    "gitlabCommitStatus", "gitlabBuilds", "realtimeJUnit",
})
# Calls whose closure holds the steps, whether or not the call is a step as well.
WRAPPERS = STEP_WRAPPERS | frozenset({
    "script", "podTemplate", "inside", "withRun", "withRegistry", "withTool",
})
# Calls in expressions that run something (others there are helpers computing values).
EXPRESSION_STEPS = frozenset({
    "sh", "bat", "powershell", "pwsh", "build", "input", "checkout", "git", "httpRequest",
    "readFile", "readJSON", "readYaml", "readProperties", "readMavenPom", "readCSV",
    "readManifest", "readTrusted", "findFiles", "fileExists", "load",
    "tool", "libraryResource", "withCredentials", "docker", "unstash", "archiveArtifacts",
    "junit", "stash", "writeFile", "copyArtifacts", "emailext", "mail", "slackSend",
    "error", "echo", "pwd",
})
# Roots of receiver calls that are plain objects, not pipeline steps.
NON_STEP_ROOTS = frozenset({
    "env", "params", "currentBuild", "this", "System", "Math", "Integer", "String", "Boolean",
    "Long", "Double", "Collections", "Arrays", "JsonOutput", "JsonSlurper", "it", "new",
    "scm", "manager", "Jenkins", "hudson", "jenkins", "Date", "Thread", "println", "print",
})
KEYWORDS = frozenset({
    "if", "else", "for", "while", "do", "switch", "case", "default", "try", "catch",
    "finally", "return", "def", "new", "throw", "break", "continue", "in", "instanceof",
    "import", "package", "class", "interface", "enum", "static", "final", "private",
    "public", "protected", "abstract", "synchronized", "true", "false", "null", "assert",
    "void", "as",
})


@dataclass(frozen=True, slots=True)
class Call:
    """One call as written: its callee, arguments and trailing closure, if any."""

    name: str  # the called name: `sh`, `infra.checkoutSCM`, `docker.image().inside`
    root: str  # the first identifier: `sh`, `infra`, `docker`
    line: int
    start: int
    end: int
    args: tuple[Node, ...]  # argument tokens/groups (inside parentheses or command-style)
    closure: Group | None

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def source_of(text: str, call: Call) -> str:
    snippet = text[call.start:call.end].strip()
    return snippet if len(snippet) <= MAX_TEXT else snippet[: MAX_TEXT - 3] + "..."


def head_of(text: str, call: Call) -> str:
    """A block step's own text: the call and its arguments, without the body (whose
    steps are steps of their own). The slice is bounded before it is made, so that
    wrappers nested in each other's arguments cannot copy the file once per level."""
    end = call.closure.open.start if call.closure is not None else call.end
    snippet = text[call.start:min(end, call.start + MAX_TEXT + 1)].strip()
    return snippet if len(snippet) <= MAX_TEXT else snippet[: MAX_TEXT - 3] + "..."


def split_args(args: tuple[Node, ...]) -> list[list[Node]]:
    parts: list[list[Node]] = [[]]
    for node in args:
        if isinstance(node, Token) and node.kind == "op" and node.value == ",":
            parts.append([])
        elif not (isinstance(node, Token) and node.kind == "nl"):
            parts[-1].append(node)
    return [p for p in parts if p]


def named_args(call: Call) -> dict[str, list[Node]]:
    found: dict[str, list[Node]] = {}
    for part in split_args(call.args):
        if len(part) >= 3 and isinstance(part[0], Token) and part[0].kind in ("id", "str") \
                and isinstance(part[1], Token) and part[1].value == ":":
            found[part[0].value] = part[2:]
    return found


def positional_args(call: Call) -> list[list[Node]]:
    return [p for p in split_args(call.args)
            if not (len(p) >= 2 and isinstance(p[1], Token) and p[1].value == ":")]


_GROOVY_NAME = re.compile(r"^[A-Za-z_][\w.]*$")


def literal(nodes: list[Node]) -> str | None:
    """The value of a single string (or number, or name) argument, else None."""
    if len(nodes) == 1 and isinstance(nodes[0], Token) and nodes[0].kind in ("str", "num"):
        return nodes[0].value
    if len(nodes) == 1 and isinstance(nodes[0], Token) and nodes[0].kind == "id" \
            and nodes[0].value in ("true", "false"):
        return nodes[0].value
    return None


def span(text: str, nodes: list[Node]) -> str:
    if not nodes:
        return ""
    first, last = nodes[0], nodes[-1]
    return text[first.start:last.end].strip()


def script_of(text: str, call: Call) -> str | None:
    """The shell script of ``sh``/``bat``/``powershell``: its string, else its expression."""
    named = named_args(call)
    script = named.get("script")
    if script is None:
        positional = positional_args(call)
        script = positional[0] if positional else None
    if script is None:
        return None
    value = literal(script)
    if value is not None:
        return value
    expression = span(text, script)
    # `sh(script: docs_changed)`: a Groovy variable holds the command; written as the
    # shell's expression so that no reader takes the variable's name for a program
    return f"${{{expression}}}" if _GROOVY_NAME.match(expression) else expression


# A call and its arguments, read from a statement (the walk and the declarative
# sections both need it; here, below both, so that neither imports the other late).
CHAIN = frozenset({".", "?.", "*."})


def is_token(node: Node | None, kind: str, value: str | None = None) -> bool:
    return isinstance(node, Token) and node.kind == kind and (value is None or node.value == value)


def group(node: Node | None, kind: str) -> Group | None:
    return node if isinstance(node, Group) and node.kind == kind else None


def parse_call(stmt: list[Node], i: int) -> tuple[Call, int] | None:
    """The call starting at ``stmt[i]`` (an identifier) and the index after it."""
    head = stmt[i]
    if not isinstance(head, Token) or head.kind != "id" or head.value in KEYWORDS:
        return None
    names = [head.value]
    j = i + 1
    args: tuple[Node, ...] = ()
    closure: Group | None = None
    called = False
    while True:
        paren = group(stmt[j] if j < len(stmt) else None, "(")
        if paren is not None:
            args, called = tuple(paren.items), True
            j += 1
        brace = group(stmt[j] if j < len(stmt) else None, "{")
        if brace is not None:
            closure, called = brace, True
            j += 1
        if called and len(names) == 1:
            break  # `sh(...).trim()`: the step is `sh`, the rest works on its result
        nxt = stmt[j] if j < len(stmt) else None
        if isinstance(nxt, Token) and nxt.kind == "op" and nxt.value in CHAIN \
                and j + 1 < len(stmt) and is_token(stmt[j + 1], "id"):
            if called:
                names[-1] += "()"
            names.append(stmt[j + 1].value)  # type: ignore[union-attr]
            args, closure, called = (), None, False
            j += 2
            continue
        break
    if not called:
        # Command syntax: `sh 'make'`, `junit testResults: 'x'`, `checkout scm`.
        nxt = stmt[j] if j < len(stmt) else None
        command = isinstance(nxt, Token) and (
            nxt.kind in ("str", "num") or nxt.kind == "id" and nxt.value not in KEYWORDS
            or nxt.kind == "op" and nxt.value == "-") or group(nxt, "[") is not None
        if not command or any(is_token(n, "op", "=") for n in stmt[j:]):
            return None
        args = tuple(stmt[j:])
        if args and group(args[-1], "{") is not None:
            closure = args[-1]  # type: ignore[assignment]
            args = args[:-1]
        j = len(stmt)
    end_node = stmt[j - 1]
    return Call(".".join(names), names[0], head.line, head.start, end_node.end, args,
                closure), j


def first_literal(call: Call) -> str | None:
    named = named_args(call)
    for key in ("name", "label"):
        if key in named and (value := literal(named[key])) is not None:
            return value
    for part in positional_args(call):
        value = literal(part)
        if value is not None:
            return value
    return None
