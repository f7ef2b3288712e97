"""What names say: the words of step, script, target and action names and the kinds
they state (TAXONOMY.md tie-breaker 2: names are read, commands win)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from xops_lens.backends.rules.data import actions as A
from xops_lens.backends.rules.data import words as T
from xops_lens.backends.rules.hit import IDENT_RANK
from xops_lens.backends.rules.shell import GH_EXPR, LazyPattern
from xops_lens.model import SUBSYSTEM_OF_KIND

WHY_LIMIT = 80

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9+]+")


def words_of(text: str) -> list[str]:
    """Lower-case words of a name, keeping both "codeql" and its camel-case parts."""
    out: list[str] = []
    for raw in _NON_WORD.split(text.lower()):
        if raw:
            out.append(raw)
    # for ASCII, "has an upper-case letter" is "lower() changes it", at C speed
    if (text != text.lower()) if text.isascii() else any(c.isupper() for c in text):
        for part in _CAMEL.sub(" ", text).lower().split():
            for w in _NON_WORD.split(part):
                if w and w not in out:
                    out.append(w)
    return out


def _rules_of_verb() -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for i, (verbs, _, _) in enumerate(T.PAIR_RULES):
        for verb in verbs:
            out.setdefault(verb, []).append(i)
    return {verb: tuple(rules) for verb, rules in out.items()}


# verb -> the indexes of the pair rules it is a verb of
_PAIR_RULES_OF_VERB = _rules_of_verb()


def _word_kind(word: str) -> str | None:
    kind = T.WORD_KINDS.get(word)
    if kind is None and len(word) > 3 and word.endswith("s"):
        kind = T.WORD_KINDS.get(word[:-1])
    return kind


def kinds_in_words(words: Sequence[str]) -> list[tuple[str, str]]:
    """Every (kind, evidence) a name supports, pair rules first."""
    ws = [w for w in words if w not in T.STOP_WORDS]
    if not ws:
        return []
    found: list[tuple[str, str]] = []
    wset = set(ws)
    # an object may be a stop word of its own ("deploy-local.sh": local says nothing alone)
    aset = set(words)
    # only the rules one of whose verbs is here, in table order
    rules = sorted({i for w in wset for i in _PAIR_RULES_OF_VERB.get(w, ())})
    for i in rules:
        verbs, objects, kind = T.PAIR_RULES[i]
        if objects.isdisjoint(aset):
            continue
        vs = verbs & wset
        objs = objects & aset
        verb = next(w for w in ws if w in vs)
        obj = next((w for w in words if w in objs and w != verb), None)
        if obj is not None:
            found.append((kind, f"{verb} {obj}"))
    for i, w in enumerate(ws):
        single = _word_kind(w)
        if single is not None and not _used_as_noun(ws, i):
            found.append((single, w))
    return found


def _used_as_noun(ws: Sequence[str], i: int) -> bool:
    """"commit message", "get tag", "image tag": a verb of publishing used as a noun
    names a thing read or computed, not an act (the other words say what is done)."""
    w = ws[i]
    if w not in T.NOUN_USES:
        return False
    after = ws[i + 1] if i + 1 < len(ws) else ""
    before = ws[i - 1] if i > 0 else ""
    return after in T.NOUN_USES[w] or before in T.NOUN_MARKERS


def kind_from_words(words: Sequence[str]) -> tuple[str, str] | None:
    """The kind a name states, if it states one: a preparing first word, else a
    verb-object pair, else the most specific single word."""
    return _kind_from_words(tuple(words))


@lru_cache(maxsize=8192)
def _kind_from_words(words: tuple[str, ...]) -> tuple[str, str] | None:
    # the head of the name first: "run_with_env_secrets" runs, "upload to s3" uploads
    for i, w in enumerate(words):
        if w in T.MODIFIER_WORDS and i > 0:
            head = _kind_of_phrase(words[:i])
            if head is not None:
                return head
            break
    return _kind_of_phrase(words)


def _kind_of_phrase(words: Sequence[str]) -> tuple[str, str] | None:
    ws = [w for w in words if w not in T.STOP_WORDS]
    if not ws:
        return None
    if ws[0] in T.PREPARE_PREFIXES:
        return T.PREPARE_PREFIXES[ws[0]], ws[0]
    found = kinds_in_words(words)
    if len(ws) > 1 and ws[-1] in T.ENVIRONMENT_SUFFIXES and not T.CHECK_HEADS & set(ws):
        # "cmake-env.sh" prepares; "docs-verify-paths" checks (see CHECK_HEADS below);
        # a verb-object pair says more ("set-version-variables" computes a version)
        pair = next((f for f in found if " " in f[1]), None)
        return pair if pair is not None and pair[0] == "decide" else ("toolchain", ws[-1])
    if not found:
        return ("metadata", ws[0]) if ws[0] in T.READ_PREFIXES and len(ws) > 1 else None
    pairs = [f for f in found if " " in f[1]]
    if pairs:
        return pairs[0]
    if ws[0] in T.READ_PREFIXES:
        return "metadata", ws[0]
    if ws[0] in T.CHECK_HEADS and any(SUBSYSTEM_OF_KIND[k] == "action" for k, _ in found):
        # "check-index-pages", "verify-release": checking what an action would touch
        return T.WORD_KINDS[ws[0]], ws[0]
    plain = [f for f in found if f[1] not in T.TOOL_WORDS and f[1] not in T.WEAK_WORDS]
    tools = [f for f in found if f[1] in T.TOOL_WORDS]
    return min(plain or tools or found, key=lambda f: IDENT_RANK[f[0]])


# `:docker: Build`, `:go::robot_face: Lint`: emoji shortcodes decorate Buildkite (and
# other) step labels; ":test_tube:" or ":package:" says nothing of the step.
_EMOJI = re.compile(r"(?:(?<=^)|(?<=\s))(?::[a-z0-9_+'-]+:)+(?=\s|$)")


def name_words(text: str) -> list[str]:
    """The words of a name a person gave a step, without expressions and emoji."""
    return words_of(_EMOJI.sub(" ", GH_EXPR.sub(" ", text)))


@lru_cache(maxsize=8192)
def name_kind(text: str) -> tuple[str, str] | None:
    return kind_from_words(name_words(text)) if text else None


def short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_why(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= WHY_LIMIT else text[: WHY_LIMIT - 1] + "…"


# ------------------------------------------------------------------------- actions

ACTION_DIR = LazyPattern(r"\.github/(?:actions|workflows)/")
AZURE_TASK = re.compile(r"^([\w.]+)@\d+$")


def action_kind(path: str) -> tuple[str, float, str] | None:
    """An action by exact name, by its repository, by name patterns, then by words."""
    low = path.lower().strip("/")
    if low in A.ACTIONS:
        return A.ACTIONS[low], 0.95, f"uses {short(path, 60)}"
    shown = short(path, 50)
    parts = low.split("/")
    if low.endswith((".yml", ".yaml")):
        # a template or step definition (`eng/common/templates/steps/generate-sbom.yml`):
        # its file is named for what it does; the folders around it name kinds of file
        found = kind_from_words(words_of(_TEMPLATE_EXT.sub("", path.rsplit("/", 1)[-1])))
        if found is not None:
            return found[0], 0.6, clip_why(f"uses {shown} ({found[1]})")
    for pattern, kind in _ACTION_PATTERNS:
        if pattern.search(low):
            # `setup-x`, `x-installer`, `upload-artifact`: the name is the convention for
            # what such an action does; "deploy" alone names less precisely
            return kind, 0.75 if kind == "deploy" else 0.85, f"uses {short(path, 60)}"
    # an action inside a repository (`owner/repo/path`, `owner/repo/.github/actions/x`)
    # is named by its path more than by its repository
    sub = ACTION_DIR.split(low)[-1] if ".github/actions/" in low else (
        "/".join(parts[2:]) if len(parts) > 2 else "")
    if sub:
        found = kind_from_words(words_of(sub.replace("/", " ")))
        if found is not None:
            return found[0], 0.6, clip_why(f"uses {shown} ({found[1]})")
    repo = "/".join(parts[:2])
    if len(parts) > 2 and repo in A.ACTIONS and A.ACTIONS[repo] != "unknown":
        return A.ACTIONS[repo], 0.8, f"uses {short(path, 60)}"
    cased = path.strip("/").split("/")
    for text in (cased[1] if len(cased) > 1 else "", cased[0]):
        # as written, so that camel case splits (`infra.checkoutSCM` checks out)
        found = kind_from_words(words_of(text)) if text else None
        if found is not None:
            return found[0], 0.6, clip_why(f"uses {shown} ({found[1]})")
    return None


_TEMPLATE_EXT = LazyPattern(r"\.ya?ml$", re.I)


_ACTION_PATTERNS = tuple((LazyPattern(p), k) for p, k in A.ACTION_PATTERNS)
