"""Secret redaction: applied to every string before it leaves the machine.

CI files are full of credentials that should not be there: tokens pasted into a
``run:`` line, passwords in clone URLs, keys in ``env:`` blocks. Anything an LLM backend
sends (step names, scripts, inputs, job names) goes through :func:`redact` first, so a
secret committed to a repository is not copied to a third-party service as well.

Redaction is deterministic (the same text always gives the same output) because the
LLM cache is keyed by the redacted text. A redacted value becomes ``[REDACTED:<what>]``:
the model still learns that a token was there, which helps it label the step, but
nothing of the value. References such as ``$TOKEN``, ``${{ secrets.X }}`` or ``%KEY%``
are not secrets and are kept, since they say which credential a step uses.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

MARK = "[REDACTED:{}]"

# Literal credentials of common providers, recognisable by their prefix and shape.
# Order matters only where patterns overlap: the more specific one comes first.
_PROVIDER_PATTERNS: tuple[tuple[str, str], ...] = (
    ("private-key",
     r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY"
     r"(?: BLOCK)?-----|\Z)"),
    ("github-token", r"\bgh[pousr]_[A-Za-z0-9]{20,}"),
    ("github-token", r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    ("gitlab-token", r"\bgl(?:pat|dt|rt|ptt|ft|cbt|imt|agent|oas|soat)-[A-Za-z0-9_\-]{20,}"),
    ("gitlab-token", r"\bGR1348941[A-Za-z0-9_\-]{20,}"),
    ("aws-access-key", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)"
                       r"[A-Z0-9]{16}\b"),
    ("slack-token", r"\bxox[abposre]-[A-Za-z0-9\-]{10,}"),
    ("slack-webhook", r"https://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/"
                      r"[A-Za-z0-9/_\-]+"),
    ("discord-webhook", r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/"
                        r"[0-9]+/[A-Za-z0-9_\-]+"),
    ("google-api-key", r"\bAIza[0-9A-Za-z_\-]{35}"),
    ("google-oauth-token", r"\bya29\.[0-9A-Za-z_\-]{20,}"),
    ("anthropic-key", r"\bsk-ant-[A-Za-z0-9_\-]{20,}"),
    ("openai-key", r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}"),
    ("stripe-key", r"\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{10,}"),
    ("stripe-webhook-secret", r"\bwhsec_[0-9A-Za-z]{20,}"),
    ("npm-token", r"\bnpm_[A-Za-z0-9]{30,}"),
    ("pypi-token", r"\bpypi-[A-Za-z0-9_\-]{40,}"),
    ("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}"),
    ("docker-token", r"\bdckr_pat_[A-Za-z0-9_\-]{20,}"),
    ("digitalocean-token", r"\bdo[por]_v1_[a-f0-9]{64}"),
    ("vault-token", r"\bhv[sbr]\.[A-Za-z0-9_\-]{24,}"),
    ("shopify-token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    ("sendgrid-key", r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"),
    ("twilio-key", r"\bSK[0-9a-f]{32}\b"),
    ("telegram-bot-token", r"\b[0-9]{8,10}:AA[A-Za-z0-9_\-]{33}\b"),
    ("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
    ("azure-storage-key", r"(?i)(?<=AccountKey=)[A-Za-z0-9+/=]{20,}"),
    ("azure-sas", r"(?i)(?<=[?&]sig=)[A-Za-z0-9%+/=]{16,}"),
)

_PROVIDERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern, re.DOTALL)) for label, pattern in _PROVIDER_PATTERNS
)

# scheme://user:password@host -- the password goes; the user stays unless it looks like
# a token itself (https://x-access-token:...@ keeps "x-access-token").
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^\s/:@'\"]*)"
    r"(?::(?P<password>[^\s/@'\"]+))?@(?=[^\s/@'\"]+)"
)

# ?token=... &api_key=... in URLs.
_QUERY_SECRET = re.compile(
    r"(?i)(?P<key>[?&](?:access_token|token|api[_\-]?key|apikey|key|secret|password|passwd|"
    r"pwd|auth|signature|client_secret)=)(?P<value>[^&\s'\"#]+)"
)

# Authorization headers and bearer tokens on a command line.
_AUTH_HEADER = re.compile(
    r"(?i)(?P<key>\b(?:authorization|proxy-authorization)\s*:\s*(?:bearer|basic|token|"
    r"digest)?\s*|\bbearer\s+)(?P<value>[A-Za-z0-9._~+/\-=]{8,})"
)

# --password x, -p x is too ambiguous (mkdir -p); only long options that name a secret.
_SECRET_FLAG = re.compile(
    r"(?i)(?P<key>--?(?:[a-z0-9]+-)*(?:password|passwd|token|secret|api-?key|access-key|"
    r"secret-key|auth-token|private-key)(?:[= ]|\s+))(?P<quote>[\"']?)"
    r"(?P<value>[^\s\"']+)(?P=quote)"
)

# Tools that take a credential as a plain argument whose option says nothing of it (-p is
# also mkdir's "parents"): matched only after the tool's name, in the same command.
_TOOL_ARGUMENTS: tuple[re.Pattern[str], ...] = tuple(re.compile(pattern) for pattern in (
    # mysql -pSECRET (attached: with a space, mysql asks for the password instead)
    r"(?P<key>\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n;&|]*?\s-p)"
    r"(?P<quote>[\"']?)(?P<value>[^\s\"']+)(?P=quote)",
    # docker login -p SECRET (and the other registry clients), sshpass -p SECRET
    r"(?P<key>\b(?:(?:docker|podman|buildah|skopeo|oras|nerdctl|crane|helm(?:\s+registry)?)"
    r"\s+login|sshpass)\b[^\n;&|]*?\s-p\s*)(?P<quote>[\"']?)(?P<value>[^\s\"']+)(?P=quote)",
    # curl -u NAME:SECRET, --user NAME:SECRET, --proxy-user NAME:SECRET
    r"(?P<key>\s(?:-u|--user|--proxy-user)[\s=]+[\"']?[^\s:\"'$]+:)(?P<quote>)"
    r"(?P<value>[^\s\"']+)",
    # aws configure set aws_secret_access_key SECRET
    r"(?P<key>\baws\s+configure\s+set\s+(?:[\w.-]*\.)?(?:aws_secret_access_key|"
    r"aws_session_token)\s+)(?P<quote>[\"']?)(?P<value>[^\s\"']+)(?P=quote)",
    # gh secret set NAME --body SECRET
    r"(?P<key>\bgh\s+secret\s+set\b[^\n;&|]*?\s(?:-b|--body)[\s=]+)(?P<quote>[\"']?)"
    r"(?P<value>[^\s\"']+)(?P=quote)",
))

# NAME=value, export NAME=value, NAME: value (env blocks, YAML), "name": "value".
_ASSIGNMENT = re.compile(
    r"(?P<key>(?P<name>\b[A-Za-z_][A-Za-z0-9_.\-]*)[\"']?\s*(?:=|:(?!//))\s*)"
    r"(?P<quote>[\"']?)(?P<value>[^\s\"',;}]+)(?P=quote)"
)
_SECRET_NAME = re.compile(
    r"(?i)(?:secret|token|passw(?:or)?d|passwd|api[_\-]?key|apikey|access[_\-]?key|"
    r"private[_\-]?key|credential|signing[_\-]?key|webhook|connection[_\-]?string|"
    # short words only as a whole part of the name: "pass" but not "compass", "auth"
    # but not "author"
    r"(?:^|[_\-.])(?:pass|pwd|pw|auth|dsn|key)(?:$|[_\-.]))"
)
# Names that contain a secret word but hold no secret themselves.
_HARMLESS_NAME = re.compile(
    r"(?i)(?:^|_|-)(?:file|path|dir|name|id|user(?:name)?|url|endpoint|type|length|env|"
    r"var|header|enabled|required|mode)$"
)

# Bare long tokens with letters of both cases and digits (a git SHA is lower-case hex
# and stays).
_BARE_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-+/=])[A-Za-z0-9_\-+/]{32,}={0,2}(?![A-Za-z0-9_\-+/=])")

_REFERENCE = re.compile(
    r"^(?:\$\{\{.*|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\(.*|%[A-Za-z_][A-Za-z0-9_]*%|"
    r"\$\{[^}]*\}?|\$[({].*|env\.[A-Za-z_].*|secrets\.[A-Za-z_].*|vars\.[A-Za-z_].*|"
    r"<[^>]*>|\*+|x+|X+|true|false|yes|no|null|none|\[REDACTED:.*)$",
    re.IGNORECASE,
)


_HEX = re.compile(r"(?:[a-z0-9]+:)?[0-9a-f]+")


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def looks_random(value: str, min_length: int = 16) -> bool:
    """True for strings shaped like generated secrets rather than words or paths."""
    if len(value) < min_length or _REFERENCE.match(value):
        return False
    # Lower-case hex is a commit SHA or a digest far more often than a secret (a hex key
    # under a secret-sounding name is caught by the name); "@" marks a pinned ref
    # (actions/checkout@<sha>, image@sha256:...) or an e-mail address.
    if _HEX.fullmatch(value) or "@" in value:
        return False
    classes = sum((
        any(c.islower() for c in value),
        any(c.isupper() for c in value),
        any(c.isdigit() for c in value),
    ))
    if classes < 2:
        return False
    # Paths, versions and hostnames have structure; secrets rarely contain / and . both.
    if value.count("/") >= 3 or value.count(".") >= 3:
        return False
    return entropy(value) >= (3.0 if classes == 3 else 3.5)


def _is_reference(value: str) -> bool:
    return bool(_REFERENCE.match(value.strip()))


def _mark(label: str) -> str:
    return MARK.format(label)


def _sub(pattern: re.Pattern[str], text: str, repl: Callable[[re.Match[str]], str]) -> str:
    return pattern.sub(repl, text)


def _url_credentials(match: re.Match[str]) -> str:
    user = match.group("user") or ""
    password = match.group("password")
    if password is None:
        # scheme://TOKEN@host: a lone user part that looks generated is a token.
        if user and (looks_random(user, 16) or len(user) >= 32) and not _is_reference(user):
            return f"{match.group('scheme')}{_mark('url-credential')}@"
        return match.group(0)
    if _is_reference(password):
        return match.group(0)
    if user and looks_random(user, 16) and not _is_reference(user):
        user = _mark("url-credential")
    return f"{match.group('scheme')}{user}:{_mark('password')}@"


def _keep_references(label: str) -> Callable[[re.Match[str]], str]:
    def repl(match: re.Match[str]) -> str:
        value = match.group("value")
        if _is_reference(value):
            return match.group(0)
        quote = match.groupdict().get("quote") or ""
        return f"{match.group('key')}{quote}{_mark(label)}{quote}"
    return repl


def _assignment(match: re.Match[str]) -> str:
    name, value = match.group("name"), match.group("value")
    if _is_reference(value) or value.startswith("[REDACTED"):
        return match.group(0)
    secret_name = bool(_SECRET_NAME.search(name)) and not _HARMLESS_NAME.search(name)
    # A value under a secret-sounding name goes unless it is clearly not literal data
    # (a short flag-like word such as "required"); any random-looking value goes anyway.
    if (secret_name and len(value) >= 4) or looks_random(value):
        quote = match.group("quote") or ""
        return f"{match.group('key')}{quote}{_mark('secret')}{quote}"
    return match.group(0)


def _bare_token(match: re.Match[str]) -> str:
    value = match.group(0)
    # Requires all three character classes: base64 blobs and API keys have them,
    # paths, SHAs, digests and identifiers_like_this rarely do.
    has_all = (any(c.islower() for c in value) and any(c.isupper() for c in value)
               and any(c.isdigit() for c in value))
    if has_all and value.count("/") < 2 and entropy(value) >= 4.0:
        return _mark("token")
    return value


def redact(text: str) -> str:
    """``text`` with every recognisable secret replaced by ``[REDACTED:<what>]``."""
    if not text:
        return text
    for label, pattern in _PROVIDERS:
        text = pattern.sub(_mark(label), text)
    text = _URL_CREDENTIALS.sub(_url_credentials, text)
    text = _QUERY_SECRET.sub(_keep_references("secret"), text)
    text = _AUTH_HEADER.sub(_keep_references("credential"), text)
    text = _SECRET_FLAG.sub(_keep_references("secret"), text)
    for pattern in _TOOL_ARGUMENTS:
        text = pattern.sub(_keep_references("secret"), text)
    text = _ASSIGNMENT.sub(_assignment, text)
    text = _BARE_TOKEN.sub(_bare_token, text)
    return text


def redact_pair(name: str, value: str) -> str:
    """``value`` of a named field (an action input, an env entry): under a secret-sounding
    name any literal value goes, since the name is not in the text ``redact`` sees."""
    value = redact(value)
    literal = value.strip()
    if _SECRET_NAME.search(name) and not _HARMLESS_NAME.search(name) and len(literal) >= 4 \
            and not _is_reference(literal) and "[REDACTED:" not in literal:
        return _mark("secret")
    return value


def redact_count(text: str) -> tuple[str, int]:
    """``redact(text)`` and how many values it replaced (for reports and tests)."""
    redacted = redact(text)
    return redacted, redacted.count("[REDACTED:") - text.count("[REDACTED:")
