"""git and the forges' command-line clients (gh, glab, hub), and REST calls to a forge
judged by endpoint and method (also for `curl` and the octokit actions)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from xops_lens.backends.rules.hit import Hit
from xops_lens.backends.rules.program import NEXT, Call, Lookup, Program, Via, _Next, words_list
from xops_lens.backends.rules.shell import LazyPattern

if TYPE_CHECKING:
    from xops_lens.backends.rules.reader import Reader

_GIT_AUTH = LazyPattern(r"x-access-token|oauth2:|credential\.helper|extraheader|"
                       r"https://[^\s/@]*:[^\s/@]*@|insteadof.*token|token.*insteadof", re.I)
# `git config` options that only read a setting (`git config --get remote.origin.url`).
GIT_CONFIG_READS: frozenset[str] = frozenset(
    "--get --get-all --get-regexp --get-urlmatch --list -l --show-origin --show-scope".split()
)
_API_WRITE = LazyPattern(r"(-X|--method)\s+(post|put|patch|delete)|(^|\s)(-f|-F|--field|"
                        r"--raw-field|--input)\s", re.I)
_API_NOTIFY = LazyPattern(r"/statuses|/comments|/labels|/reactions|/dispatches|/check-runs|"
                         r"/assignees|/issues|/notes")
_API_PUBLISH = LazyPattern(r"/releases|/pulls|/merge|/git/refs|/git/tags|/contents|/tags")
_API_CHANGES = LazyPattern(r"/files|/compare|/changes")
# a branch a forge serves as a site: `gh-pages`, `HEAD:gh-pages`, `pages`
_PAGES_BRANCH = LazyPattern(r"^(?:[\w+-]*:)?(?:refs/heads/)?(?:gh-pages|pages)$")
_REMOTE_WORK = (["clone"], ["fetch"], ["pull"], ["push"], ["ls-remote"])
ROUTE_WRITE = LazyPattern(r"\s*(post|put|patch|delete)\b", re.I)


def api_kind(endpoint: str, writes: bool, via: str) -> Hit:
    """A REST call to a forge (GitHub, GitLab) judged by its endpoint and method."""
    if writes:
        if "/approve" in endpoint or "/reviews" in endpoint:
            return Hit("approve", 0.75, f"approves via {via}", 2)
        if _API_NOTIFY.search(endpoint):
            return Hit("notify", 0.75, f"updates an issue, PR or status via {via}", 2)
        if _API_PUBLISH.search(endpoint):
            return Hit("publish", 0.75, f"publishes via {via}", 2)
        if "/actions/runs" in endpoint or "/pipelines" in endpoint:
            return Hit("notify", 0.55, f"acts on a run via {via}", 2)
        return Hit("notify", 0.45, f"writes via {via}", 2)
    if _API_CHANGES.search(endpoint):
        return Hit("metadata", 0.75, f"lists changed files via {via}", 2)
    return Hit("metadata", 0.6, f"reads via {via}", 1)


def api_call(reader: Reader, call: Call, found: Lookup) -> Hit:
    """`gh api ...`, `glab api ...` (Via.FORGE_API)."""
    low = " ".join(found.rest).lower()
    writes = _API_WRITE.search(" ".join(found.rest)) is not None
    return api_kind(low, writes, f"`{call.prog} api`")


def _git(reader: Reader, call: Call) -> Hit | _Next:
    args = call.args
    if _GIT_AUTH.search(call.cmd.raw) and args[:1] not in _REMOTE_WORK:
        # a token in the URL of a clone or push authenticates that one call: the call
        # is what the step does
        return Hit("credentials", 0.8, "configures git authentication", 2)
    if "--exit-code" in args and ("diff" in args or "diff-index" in args):
        return Hit("lint", 0.8, "fails when files differ from what is committed", 2)
    if "--check" in args and args[:1] in (["diff"], ["diff-tree"], ["diff-index"]):
        # `git diff-tree --check`: fails on whitespace errors (TAXONOMY tie-breaker 11)
        return Hit("lint", 0.85, "checks the diff for whitespace errors", 2)
    if args[:1] == ["push"] and any(_PAGES_BRANCH.search(a) for a in args[1:]):
        # `git push origin gh-pages`: the branch serves a site (TAXONOMY tie-breaker 13)
        return Hit("deploy", 0.85, "pushes to a pages branch", 2)
    if args[:1] == ["config"] and GIT_CONFIG_READS.intersection(args):
        # `git config --get remote.origin.url`: reads a setting, sets nothing
        return Hit("metadata", 0.8, "reads git configuration", 0)
    return NEXT


def _gh(reader: Reader, call: Call) -> Hit | _Next:
    args = call.args
    if args[:2] == ["pr", "review"] and not ("--approve" in args or "-a" in args):
        # `gh pr review --comment` / `--request-changes`: a review that is a comment;
        # only `--approve` is the human gate
        return Hit("notify", 0.8, "reviews a pull request with a comment", 2)
    return NEXT


DIRECTIVES = {Via.FORGE_API: api_call}


PROGRAMS: tuple[Program, ...] = (
    Program("git", {"clone": "checkout", "fetch": "checkout", "pull": "checkout",
            "checkout": "checkout", "switch": "checkout", "submodule": "checkout",
            "lfs": "checkout", "sparse-checkout": "checkout", "worktree": "checkout",
            "init": "checkout", "remote": "toolchain", "reset": "checkout", "clean": "toolchain",
            "stash": "toolchain", "restore": "checkout", "config": "toolchain",
            "update-index": "toolchain", "push": "publish", "tag": "publish", "commit": "build",
            "add": "build", "am": "build", "apply": "build", "merge": "build", "rebase": "build",
            "cherry-pick": "build", "revert": "build", "mv": "build", "rm": "build",
            "branch": "toolchain", "format-patch": "build", "diff": "metadata",
            "diff-index": "metadata", "diff-tree": "metadata", "log": "metadata",
            "show": "metadata", "rev-parse": "metadata", "rev-list": "metadata",
            "describe": "metadata", "status": "metadata", "ls-files": "metadata",
            "ls-remote": "metadata", "ls-tree": "metadata", "merge-base": "metadata",
            "name-rev": "metadata", "shortlog": "metadata", "blame": "metadata",
            "cat-file": "metadata", "for-each-ref": "metadata", "symbolic-ref": "metadata",
            "version": "metadata", "--version": "metadata", "grep": "metadata", "archive": "build",
            "bundle": "build", "*": "metadata"},
            options=words_list("--git-dir --namespace --work-tree -C -c"), handler=_git),
    Program("gh", {"release create": "publish", "release upload": "publish",
            "release edit": "publish", "release delete": "publish",
            "release download": "artifact-download", "release view": "metadata",
            "release list": "metadata", "release": "publish", "pr create": "publish",
            "pr merge": "publish", "pr checkout": "checkout", "pr comment": "notify",
            "pr edit": "notify", "pr review": "approve", "pr close": "notify",
            "pr ready": "notify", "pr reopen": "notify", "pr view": "metadata",
            "pr list": "metadata", "pr diff": "metadata", "pr checks": "metadata",
            "pr status": "metadata", "pr": "metadata", "issue create": "notify",
            "issue comment": "notify", "issue edit": "notify", "issue close": "notify",
            "issue reopen": "notify", "issue lock": "notify", "issue view": "metadata",
            "issue list": "metadata", "issue": "notify", "label": "notify",
            "run download": "artifact-download", "run list": "metadata", "run view": "metadata",
            "run watch": "metadata", "run rerun": "notify", "run cancel": "notify",
            "run": "metadata", "workflow run": "notify", "workflow": "metadata",
            "api": Via.FORGE_API, "auth": "credentials", "repo clone": "checkout",
            "repo": "metadata", "secret": "credentials", "variable": "toolchain",
            "cache delete": "cache-save", "cache": "metadata", "attestation": "build",
            "extension": "toolchain", "gist": "publish", "search": "metadata",
            "status": "metadata", "*": "metadata"}, options=words_list("--repo -R"), handler=_gh),
    Program("glab", {"release": "publish", "mr create": "publish", "mr note": "notify",
            "mr": "metadata", "auth": "credentials", "api": Via.FORGE_API, "*": "metadata"}),
    Program("hub", {"release": "publish", "pull-request": "publish", "*": "metadata"}),
)
