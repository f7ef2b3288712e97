"""Secret redaction: applied to every string before it leaves the process.

CI files are full of credentials that should not be there: tokens pasted into a
``run:`` line, passwords in clone URLs, keys in ``env:`` blocks. Step names are made of
such lines too (a GitLab or Jenkins script line is its own step's name), and names reach
the PR comment, the JSON, SARIF, Markdown and the terminal. So the scan redacts each
pipeline as it enters (:func:`redact_pipeline`, called by ``xops_lens.scan``): every
reporter, the cost model, PR mode and any backend see redacted steps only. An LLM
backend redacts its payload again (``xops_lens.llm.prompt``), which costs nothing on
text already redacted and protects steps a plugin builds itself.

Redaction is deterministic (the same text always gives the same output) because the
LLM cache is keyed by the redacted text, and idempotent. A redacted value becomes
``[REDACTED:<what>]``: the model still learns that a token was there, which helps it
label the step, but nothing of the value. References such as ``$TOKEN``,
``${{ secrets.X }}`` or ``%KEY%`` are not secrets and are kept, since they say which
credential a step uses.

Every pattern runs in linear time (see :mod:`xops_lens.secret_patterns`), so no length
bound is needed, and none could let a secret through.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from xops_lens import secret_patterns as sp
from xops_lens.model import Job, Pipeline, Step

MARK = "[REDACTED:{}]"
_MARKER = "[REDACTED:"

_Span = tuple[int, int, str]


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


_DIGIT = re.compile(r"[0-9]")


def _classes(value: str) -> int:
    """How many of lower-case letters, upper-case letters and digits ``value`` has."""
    return ((value != value.upper()) + (value != value.lower())
            + (_DIGIT.search(value) is not None))


_STRUCTURE = frozenset(":\\<>(){}[]")


def _pathlike(value: str) -> bool:
    """Several short parts between slashes: a path. Base64 has a "/" every 64 characters
    on average, so a long blob with a few slashes is not a path."""
    slashes = value.count("/")
    return slashes >= 2 and len(value) < 16 * (slashes + 1)


_SEPARATOR = re.compile(r"[_\-.]")
_PIECE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def _identifier(value: str) -> bool:
    """Words joined by case or separators (CoOrdinatedBuildPipeline, drop_build_arm64):
    a name, not a generated token, whose case changes every character or two."""
    parts = [part for part in _SEPARATOR.split(value) if part]
    pieces = [piece for part in parts for piece in _PIECE.findall(part)]
    words = [piece for piece in pieces if piece.isalpha()]
    numbers = len(pieces) - len(words)
    short = sum(1 for word in words if len(word) < 3)
    return (short <= 1 and numbers <= len(parts)
            and sum(map(len, words)) >= 0.6 * len(value))


def looks_random(value: str, min_length: int = 16) -> bool:
    """True for strings shaped like generated secrets rather than words or paths."""
    if len(value) < min_length or _classes(value) < 2 or _is_reference(value):
        return False
    # Lower-case hex is a commit SHA or a digest far more often than a secret (a hex key
    # under a secret-sounding name is caught by the name); "@" marks a pinned ref
    # (actions/checkout@<sha>, image@sha256:...) or an e-mail address.
    if sp.HEX.fullmatch(value) or "@" in value:
        return False
    # Structure generated tokens do not have: a Windows path, coordinates or an image
    # reference (group:artifact:version, host:port), markup, brackets.
    if any(c in value for c in _STRUCTURE) or _identifier(value):
        return False
    classes = _classes(value)
    # Paths, versions and hostnames have structure; secrets rarely contain / and . both.
    if _pathlike(value) or value.count(".") >= 3:
        return False
    return entropy(value) >= (3.0 if classes == 3 else 3.5)


def _is_reference(value: str) -> bool:
    return bool(sp.REFERENCE.match(value.strip()))


def _mark(label: str) -> str:
    return MARK.format(label)


# -- replacing the value of a match -------------------------------------------------------

def _value(match: re.Match[str]) -> tuple[str, int, int]:
    """The value a pattern captured (quoted or bare) and its span."""
    groups = match.re.groupindex
    for name in ("bare", "dq", "sq"):
        if name in groups and match.group(name) is not None:
            return match.group(name), match.start(name), match.end(name)
    return "", match.end(), match.end()


def _with_value(match: re.Match[str], start: int, end: int, replacement: str) -> str:
    whole, offset = match.group(0), match.start()
    return whole[: start - offset] + replacement + whole[end - offset:]


def _keep_references(label: str) -> Callable[[re.Match[str]], str]:
    def repl(match: re.Match[str]) -> str:
        value, start, end = _value(match)
        if not value or _is_reference(value):
            return match.group(0)
        return _with_value(match, start, end, _mark(label))
    return repl


def _apply(text: str, spans: Iterable[_Span]) -> str:
    out: list[str] = []
    last = 0
    for start, end, replacement in sorted(spans):
        if start < last:  # overlapping findings: the first one already covers it
            continue
        out += (text[last:start], replacement)
        last = end
    out.append(text[last:])
    return "".join(out)


# -- the stages -----------------------------------------------------------------------------

# (needle, index of its provider pattern), flat: one comprehension finds the patterns to
# run, where a loop of any() per pattern cost more than the patterns themselves.
_NEEDLES: tuple[tuple[str, int], ...] = tuple(
    (needle, index) for index, (_, needles, _) in enumerate(sp.PROVIDERS) for needle in needles)


def _providers(text: str) -> str:
    if sp.VAULT_HINT.search(text):
        text = sp.VAULT_LEGACY.sub(_vault_legacy, text)
    if not sp.ANY_NEEDLE.search(text):
        return text
    wanted = {index for needle, index in _NEEDLES if needle in text}
    for index in sorted(wanted):
        label, _, pattern = sp.PROVIDERS[index]
        text = pattern.sub(_mark(label), text)
    return text


def _vault_legacy(match: re.Match[str]) -> str:
    body = match.group(0)[2:]
    if _classes(body) < 2 or entropy(body) < 3.5:  # s.getInstanceOfFactory: a word
        return match.group(0)
    return _mark("vault-token")


def _split_userinfo(userinfo: str) -> tuple[str, str | None]:
    for found in sp.USERINFO_COLON.finditer(userinfo):
        if found.group(0) == ":":
            return userinfo[: found.start()], userinfo[found.end():]
    return userinfo, None


def _url_credentials(match: re.Match[str]) -> str:
    authority = match.group("authority")
    at = authority.rfind("@")
    if at <= 0 or at == len(authority) - 1:  # no userinfo, or no host after it
        return match.group(0)
    user, password = _split_userinfo(authority[:at])
    if password is None:
        # scheme://TOKEN@host: a lone user part that looks generated is a token.
        if (looks_random(user, 16) or len(user) >= 32) and not _is_reference(user):
            return f"://{_mark('url-credential')}{authority[at:]}"
        return match.group(0)
    if not password or _is_reference(password):
        return match.group(0)
    if looks_random(user, 16) and not _is_reference(user):
        user = _mark("url-credential")
    return f"://{user}:{_mark('password')}{authority[at:]}"


def _stdin_pipe(match: re.Match[str]) -> str:
    if not sp.STDIN_CONSUMER.search(match.group("consumer")):
        return match.group(0)
    return _keep_references("secret")(match)


def _htpasswd(text: str, start: int, end: int) -> list[_Span]:
    """htpasswd -b[...] [FILE] USER PASSWORD: the password is the last word before any
    redirection."""
    words = [w for w in sp.SHELL_WORD.finditer(text, start, end)][1:]
    flags = [w.group() for w in words if w.group().startswith("-")]
    if not any("b" in flag for flag in flags):
        return []
    positional = []
    for word in words:
        if word.group()[:1] in "<>" or word.group()[:2] in ("1>", "2>"):
            break
        if not word.group().startswith("-"):
            positional.append(word)
    if len(positional) < 2:
        return []
    last = positional[-1]
    value = last.group().strip("\"'")
    if _is_reference(value):
        return []
    return [(last.start(), last.end(), _mark("secret"))]


def _tool_spans(text: str) -> list[_Span]:
    """Arguments of the tools in TOOL_RULES, each command segment scanned at most once
    per rule (see secret_patterns, rule 3)."""
    spans: list[_Span] = []
    segment_end = -1
    applied: set[int] = set()
    for trigger in sp.TOOL_TRIGGER.finditer(text):
        pos = trigger.start()
        if pos >= segment_end:
            found = sp.SEGMENT_END.search(text, pos)
            segment_end = found.start() if found else len(text)
            applied = set()
        if text.startswith("htpasswd", pos) and -1 not in applied:
            applied.add(-1)
            spans += _htpasswd(text, pos, segment_end)
        for index, (start, value) in enumerate(sp.TOOL_RULES):
            if index in applied or not start.match(text, pos):
                continue
            applied.add(index)
            for match in value.finditer(text, pos, segment_end):
                found_value, vstart, vend = _value(match)
                if found_value and not _is_reference(found_value):
                    spans.append((vstart, vend, _mark("secret")))
    return spans


def _netrc_spans(text: str) -> list[_Span]:
    """``password X`` after ``machine``/``default``, up to the next entry (each part of
    the text is searched once)."""
    entries = [m.start() for m in sp.NETRC_ENTRY.finditer(text)]
    spans: list[_Span] = []
    for start, end in zip(entries, entries[1:] + [len(text)]):
        for match in sp.NETRC_PASSWORD.finditer(text, start, end):
            value, vstart, vend = _value(match)
            if value and not _is_reference(value):
                spans.append((vstart, vend, _mark("secret")))
    return spans


@lru_cache(maxsize=4096)  # a few hundred names (run, uses, image...) make most matches
def _secret_name(name: str) -> bool:
    return bool(sp.SECRET_NAME.search(name)) and not sp.HARMLESS_NAME.search(name)


def _assignment(match: re.Match[str]) -> str:
    value, start, end = _value(match)
    secret_name = _secret_name(match.group("name"))
    if len(value) < (4 if secret_name else 16):  # most matches: `name: word`, returned here
        return match.group(0)
    # A value built around a reference (key-${{ runner.os }}), or a key of its own
    # (password: from_secret: NAME), is no literal secret.
    if _is_reference(value) or _MARKER in value or "${{" in value or value.endswith(":"):
        return match.group(0)
    # A value under a secret-sounding name goes unless it is clearly not literal data
    # (a short flag-like word such as "required"); any random-looking word goes anyway.
    # A quoted phrase under another name is a message, not a secret.
    if secret_name or (not any(c.isspace() for c in value) and looks_random(value)):
        return _with_value(match, start, end, _mark("secret"))
    return match.group(0)


def _bare_token(match: re.Match[str]) -> str:
    value = match.group(0)
    # Requires all three character classes: base64 blobs and API keys have them,
    # paths, SHAs, digests and identifiers_like_this rarely do.
    if (_classes(value) == 3 and not _pathlike(value) and entropy(value) >= 4.0
            and not _identifier(value)):
        return _mark("token")
    return value


def _redact(text: str) -> str:
    # Each stage runs only when the text holds what it looks for (a cheap substring test
    # on the lower-cased text): most step names hold none of it.
    lower = text.lower()
    text = _providers(text)
    if "://" in text:
        text = sp.URL_AUTHORITY.sub(_url_credentials, text)
    if "=" in text and ("?" in text or "&" in text):
        text = sp.QUERY_SECRET.sub(_keep_references("secret"), text)
    if "authorization" in lower or "bearer" in lower:
        text = sp.AUTH_HEADER.sub(_keep_references("credential"), text)
    if "|" in text and ("echo" in text or "printf" in text):
        text = sp.STDIN_PIPE.sub(_stdin_pipe, text)
    if "-" in text:
        if any(word in lower for word in _FLAG_WORDS):
            text = sp.SECRET_FLAG.sub(_keep_references("secret"), text)
        if "pass:" in text:
            text = sp.OPENSSL_PASS.sub(_keep_references("secret"), text)
        if "-u" in text or "--user" in text or "--proxy-user" in text:
            text = sp.USER_COLON.sub(_keep_references("secret"), text)
    spans = _tool_spans(text) if any(word in text for word in _TOOL_WORDS) else []
    if "password" in text:
        spans += _netrc_spans(text)
    if spans:
        text = _apply(text, spans)
    # A value goes under a secret-sounding name, or when it looks generated (16 or more
    # characters): without either, no assignment can match.
    if ("=" in text or ":" in text) and (any(word in lower for word in _NAME_WORDS)
                                         or sp.LONG_VALUE.search(text)):
        text = sp.ASSIGNMENT.sub(_assignment, text)
    return sp.BARE_TOKEN.sub(_bare_token, text) if len(text) >= 32 else text


_FLAG_WORDS = ("pass", "token", "secret", "key")
# What each rule of TOOL_RULES (and htpasswd) needs besides its tool's name.
_TOOL_WORDS = ("-p", "-u", "<<<", "configure", "secret", "htpasswd")
# Every word SECRET_NAME looks for, lower-cased ("pw" covers pwd, "api" api_key...).
_NAME_WORDS = ("secret", "token", "pass", "pw", "api", "access", "private", "credential",
               "signing", "webhook", "connection", "auth", "dsn", "key")


# Step names, job ids and script lines repeat across files and alias expansions: the
# same string is redacted once per process. Only short strings are remembered, so the
# cache holds at most a few megabytes.
_CACHEABLE = 4096
# The shortest text anything is redacted from: "pw=abcd".
_SHORTEST = 7
_redact_cached = lru_cache(maxsize=1 << 14)(_redact)


def redact(text: str) -> str:
    """``text`` with every recognisable secret replaced by ``[REDACTED:<what>]``."""
    if len(text) < _SHORTEST:
        return text
    return _redact_cached(text) if len(text) <= _CACHEABLE else _redact(text)


def redact_pair(name: str, value: str) -> str:
    """``value`` of a named field (an action input, an env entry): under a secret-sounding
    name any literal value goes, since the name is not in the text ``redact`` sees."""
    value = redact(value)
    literal = value.strip()
    if sp.SECRET_NAME.search(name) and not sp.HARMLESS_NAME.search(name) \
            and len(literal) >= 4 and not _is_reference(literal) and _MARKER not in literal:
        return _mark("secret")
    return value


def redact_count(text: str) -> tuple[str, int]:
    """``redact(text)`` and how many values it replaced (for reports and tests)."""
    redacted = redact(text)
    return redacted, redacted.count(_MARKER) - text.count(_MARKER)


# -- the model ------------------------------------------------------------------------------

def _optional(text: str | None) -> str | None:
    return redact(text) if text else text


_StepTexts = tuple[str, str, str, "str | None", tuple[tuple[str, str], ...]]


@lru_cache(maxsize=1 << 14)
def _step_texts(texts: _StepTexts) -> _StepTexts | None:
    """The redacted texts of a step, None when nothing changed. Keyed by the texts alone
    (not the file or line), so the same step in many files is redacted once."""
    name, text, job, uses, inputs = texts
    redacted = (redact(name), redact(text), redact(job), _optional(uses),
                tuple((redact(key), redact_pair(key, value)) for key, value in inputs))
    return None if redacted == texts else redacted


def _step(step: Step) -> Step:
    redacted = _step_texts((step.name, step.text, step.job, step.uses, step.inputs))
    if redacted is None:
        return step
    name, text, job, uses, inputs = redacted
    return dataclasses.replace(step, name=name, text=text, job=job, uses=uses, inputs=inputs)


def _job(job: Job) -> Job:
    steps = tuple(_step(step) for step in job.steps)
    job_id, name = redact(job.id), redact(job.name)
    runner, environment, calls = (_optional(job.runner), _optional(job.environment),
                                  _optional(job.calls))
    needs = tuple(redact(need) for need in job.needs)
    notes = tuple(redact(note) for note in job.notes)
    if (steps, job_id, name, runner, environment, calls, needs, notes) == (
            job.steps, job.id, job.name, job.runner, job.environment, job.calls, job.needs,
            job.notes):
        return job
    return dataclasses.replace(job, id=job_id, name=name, runner=runner,
                               environment=environment, calls=calls, needs=needs,
                               notes=notes, steps=steps)


def redact_pipeline(pipeline: Pipeline) -> Pipeline:
    """``pipeline`` with every text a format took from the file redacted: step names,
    scripts, uses, inputs, job ids and names, runners, environments, notes, trigger
    events. File paths stay (they locate findings; a path is no place for a secret)."""
    jobs = tuple(_job(job) for job in pipeline.jobs)
    notes = tuple(redact(note) for note in pipeline.notes)
    triggers = tuple(trigger if redact(trigger.event) == trigger.event
                     else dataclasses.replace(trigger, event=redact(trigger.event))
                     for trigger in pipeline.triggers)
    if jobs == pipeline.jobs and notes == pipeline.notes and triggers == pipeline.triggers:
        return pipeline
    return dataclasses.replace(pipeline, jobs=jobs, notes=notes, triggers=triggers)
