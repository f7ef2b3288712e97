"""The patterns :mod:`xops_lens.redact` looks for, written to run in linear time.

Redaction runs on whole, unclipped CI text (a hostile repository controls its size), so
each pattern obeys three rules, checked by tests/hostile/test_hostile_redact.py:

1. A pattern that begins with a run of some character class may only start where the
   character before is *not* of that class (a negative lookbehind, never ``\\b`` when the
   class holds ``-`` or ``.``). So a run is entered once, not once per character: the
   quadratic ``\\b[A-Za-z_][A-Za-z0-9_.-]*=`` on ``a-a-a-...`` took minutes.
2. No nested or adjacent quantifiers over overlapping characters (``(?:[a-z]+-)*`` is
   fine, ``-`` ends each repetition; ``\\s*(?:x)?\\s*`` is not).
3. Whatever scans to the end of a command (``mysql ... -p``) is applied per command
   segment, each segment once (see :func:`xops_lens.redact._segments`), instead of
   ``tool[^\\n;&|]*?-p`` which rescans the line from every occurrence of ``tool``.

Python 3.10 has no possessive quantifiers or atomic groups, hence these rules.
Ideas and shapes were taken from detect-secrets' plugins (basic auth, private keys,
Artifactory, Mailchimp, Square; see docs/benchmarks.md for why it is
not a dependency) and from the shapes of issue 13.
"""

from __future__ import annotations

import re

# A token starts where no token character precedes it (rule 1). _T lets a "-" precede
# (env-glpat-...), for tokens whose body is one unbounded run (a start inside a run
# either matches the rest of it or fails at once) or of bounded length.
_L = r"(?<![A-Za-z0-9_\-])"
_T = r"(?<![A-Za-z0-9_])"
_B64 = r"(?<![A-Za-z0-9+/=_\-])"

# Literal credentials of common providers, recognisable by their prefix and shape:
# (label, needles, pattern). A pattern runs only on text holding one of its needles,
# so most text costs one search for all needles (ANY_NEEDLE).
# They run in this order: the more specific one first.
PROVIDER_PATTERNS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("private-key", ("PRIVATE KEY",),
     (r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY"
     r"(?: BLOCK)?-----|\Z)")),
    ("private-key", ("PuTTY-User-Key-File-",),
     r"PuTTY-User-Key-File-[0-9]:.*?(?:Private-MAC:[ \t]*[0-9A-Fa-f]+|\Z)"),
    # "-----BEGIN " base64-encoded: a key file passed through a variable or `base64 -d`.
    ("private-key", ("LS0tLS1CRUdJTi",),
     _B64 + r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]*"),
    ("github-token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
     _T + r"gh[pousr]_[A-Za-z0-9]{20,}"),
    ("github-token", ("github_pat_",),
     _T + r"github_pat_[A-Za-z0-9_]{20,}"),
    ("gitlab-token", ("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glcbt-", "glimt-",
                      "glagent-", "gloas-", "glsoat-"),
     _T + r"gl(?:pat|dt|rt|ptt|ft|cbt|imt|agent|oas|soat)-[A-Za-z0-9_\-]{20,}"),
    ("gitlab-token", ("GR1348941",),
     _T + r"GR1348941[A-Za-z0-9_\-]{20,}"),
    ("aws-access-key", ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA",
                        "ANVA", "APKA"),
     _T + r"(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}"
     r"(?![A-Za-z0-9_])"),
    ("slack-token", ("xox",),
     _T + r"xox[abposre]-[A-Za-z0-9\-]{10,}"),
    ("slack-webhook", ("hooks.slack",),
     r"https://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]+"),
    ("discord-webhook", ("discord",),
     r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]+/[A-Za-z0-9_\-]+"),
    ("teams-webhook", ("webhook.office.com",),
     r"https://[A-Za-z0-9\-]+\.webhook\.office\.com/webhookb2/[^\s\"'<>`]+"),
    ("teams-webhook", ("outlook.office",),
     r"https://outlook\.office(?:365)?\.com/webhook/[^\s\"'<>`]+"),
    ("google-api-key", ("AIza",),
     _T + r"AIza[0-9A-Za-z_\-]{35}"),
    ("google-oauth-token", ("ya29.",),
     _T + r"ya29\.[0-9A-Za-z_\-]{20,}"),
    ("anthropic-key", ("sk-ant-",),
     _T + r"sk-ant-[A-Za-z0-9_\-]{20,}"),
    ("openai-key", ("sk-",),
     _T + r"sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}"),
    ("stripe-key", ("_live_", "_test_"),
     _T + r"(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{10,}"),
    ("stripe-webhook-secret", ("whsec_",),
     _T + r"whsec_[0-9A-Za-z]{20,}"),
    ("npm-token", ("npm_",),
     _T + r"npm_[A-Za-z0-9]{30,}"),
    ("pypi-token", ("pypi-",),
     _T + r"pypi-[A-Za-z0-9_\-]{40,}"),
    ("huggingface-token", ("hf_",),
     _T + r"hf_[A-Za-z0-9]{30,}"),
    ("docker-token", ("dckr_pat_",),
     _T + r"dckr_pat_[A-Za-z0-9_\-]{20,}"),
    ("digitalocean-token", ("_v1_",),
     _T + r"do[por]_v1_[a-f0-9]{64}"),
    ("vault-token", ("hvs.", "hvb.", "hvr."),
     _T + r"hv[sbr]\.[A-Za-z0-9_\-]{24,}"),
    ("shopify-token", ("shpat_", "shpca_", "shppa_", "shpss_"),
     _T + r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    ("sendgrid-key", ("SG.",),
     _L + r"SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"),
    ("twilio-key", ("SK",),
     _T + r"SK[0-9a-f]{32}(?![A-Za-z0-9_])"),
    ("telegram-bot-token", (":AA",),
     r"(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_\-]{33}(?![A-Za-z0-9_\-])"),
    ("jwt", ("eyJ",),
     _L + r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
    ("azure-storage-key", ("AccountKey=", "accountkey=", "ACCOUNTKEY=", "Accountkey="),
     r"(?<=(?i:accountkey=))[A-Za-z0-9+/=]{20,}"),
    ("azure-sas", ("sig=", "SIG=", "Sig="),
     r"(?<=[?&](?i:sig=))[A-Za-z0-9%+/=]{16,}"),
    ("artifactory-token", ("AKCp",),
     _T + r"AKCp[A-Za-z0-9]{20,}"),
    ("mailchimp-key", ("-us",),
     _L + r"[0-9a-f]{32}-us[0-9]{1,2}(?![A-Za-z0-9_])"),
    ("square-token", ("sq0",),
     _T + r"sq0(?:atp|csp)-[0-9A-Za-z_\-]{22,}"),
    ("postman-key", ("PMAK-",),
     _L + r"PMAK-[0-9a-f]{24}-[0-9a-f]{34}"),
    ("sentry-token", ("sntrys_", "sntrus_"),
     _T + r"sntr[yu]s_[A-Za-z0-9+/=_]{40,}"),
    ("linear-key", ("lin_api_",),
     _T + r"lin_api_[A-Za-z0-9]{40}"),
    ("newrelic-key", ("NRAK-",),
     _T + r"NRAK-[A-Z0-9]{27}"),
    ("doppler-token", ("dp.",),
     _L + r"dp\.(?:st|pt|ct|sa|scim|audit)\.[A-Za-z0-9_\-.]{40,}"),
    ("databricks-token", ("dapi",),
     _T + r"dapi[a-f0-9]{32}(?:-[0-9])?(?![A-Za-z0-9_])"),
    ("grafana-token", ("glsa_", "glc_"),
     _T + r"gl(?:sa|c)_[A-Za-z0-9_+/]{32,}={0,2}"),
    ("age-secret-key", ("AGE-SECRET-KEY-1",),
     r"AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}"),
    ("terraform-token", (".atlasv1.",),
     _L + r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,}"),
)
PROVIDERS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (label, needles, re.compile(pattern, re.DOTALL))
    for label, needles, pattern in PROVIDER_PATTERNS
)


def _trie(words: list[str]) -> str:
    """One regex for a set of literals, factored by their first characters: the regex
    engine tries one branch per character instead of every literal (2.5 times faster)."""
    if "" in words:
        rest = _trie([w for w in words if w])
        return f"(?:{rest})?" if rest else ""
    heads: dict[str, list[str]] = {}
    for word in words:
        heads.setdefault(word[0], []).append(word[1:])
    return "(?:" + "|".join(re.escape(head) + _trie(tails)
                            for head, tails in sorted(heads.items())) + ")"


# Any provider's needle (a first test that most text fails).
ANY_NEEDLE = re.compile(_trie(sorted({needle for _, needles, _ in PROVIDERS
                                      for needle in needles})))

# Vault's legacy service/batch/recovery tokens: "s." and 24 base62 characters. Short and
# plain ("s." starts many words), so their own cheap hint gates them, and the redactor
# keeps those that do not look generated.
VAULT_HINT = re.compile(r"\.[A-Za-z0-9]{24}")
VAULT_LEGACY = re.compile(r"(?<![A-Za-z0-9_.\-])[sbr]\.[A-Za-z0-9]{24}(?![A-Za-z0-9_.\-])")

# scheme://AUTHORITY: the authority runs to the first "/", "?" or "#" and cannot hold
# "://", so each one is scanned once. Its userinfo is what precedes its *last* "@" (a
# password may hold "@").
URL_AUTHORITY = re.compile(r"://(?P<authority>[^\s/?#'\"<>`\\]*)")
# The first ":" of a userinfo outside a [REDACTED:...] mark.
USERINFO_COLON = re.compile(r"\[REDACTED:[^\]]*\]|:")

# ?token=... &api_key=... in URLs.
QUERY_SECRET = re.compile(
    r"(?i)(?P<key>[?&](?:access_token|token|api[_\-]?key|apikey|key|secret|password|passwd|"
    r"pwd|auth|signature|client_secret)=)(?P<bare>[^&\s'\"#]+)"
)

# Authorization headers and bearer tokens. One optional scheme word between two blanks
# of which only one may be empty would backtrack quadratically over a run of spaces.
AUTH_HEADER = re.compile(
    r"(?i)(?P<key>(?<![A-Za-z0-9_\-])(?:proxy-)?authorization\s*:[ \t]*"
    r"(?:(?:bearer|basic|token|digest)[ \t]+)?|(?<![A-Za-z0-9_\-])bearer[ \t]+)"
    r"(?P<bare>[A-Za-z0-9._~+/\-=]{8,})"
)

# A value as a shell writes it: double-quoted (with escapes), single-quoted, or bare.
_VALUE = (r"(?:\"(?P<dq>(?:[^\"\\\n]|\\.)*)\"|'(?P<sq>[^'\n]*)'"
          r"|(?P<bare>[^\s\"'`;&|<>]+))")

# --password x, --db-pass=x, -storepass x, --passphrase "x y". Short options (-p) are
# too ambiguous (mkdir -p): those are matched after their tool (TOOL_RULES).
SECRET_FLAG = re.compile(
    r"(?i)(?P<key>(?<![A-Za-z0-9_\-])--?(?:[a-z0-9]+-)*(?:password|passwd|passphrase|pass|"
    r"token|secret|api-?key|access-key|secret-key|auth-token|private-key|client-secret|"
    r"(?:src|dest|new|old)?(?:store|key)pass)(?:=|[ \t]+))" + _VALUE
)
# openssl -passin pass:SECRET, -passout pass:SECRET.
OPENSSL_PASS = re.compile(
    r"(?P<key>(?<![A-Za-z0-9_\-])-pass(?:in|out)[ \t]+[\"']?pass:)(?P<bare>[^\s\"']+)"
)

# echo SECRET | cmd --password-stdin: a literal piped to a command that reads a secret
# from its standard input. Anchored at echo/printf, each scan ends at the next "|".
STDIN_PIPE = re.compile(
    r"(?P<key>(?<![A-Za-z0-9_\-])(?:echo|printf)(?:[ \t]+-[neE]+)*[ \t]+"
    r"(?:(?:'%s(?:\\n)?'|\"%s(?:\\n)?\")[ \t]+)?)" + _VALUE
    + r"(?P<pipe>[ \t]*\|[ \t]*(?P<consumer>[^\n|;&]*))"
)
STDIN_CONSUMER = re.compile(
    r"--password-stdin|--with-token|--passphrase-fd|--password-fd|\bpasswd\s+--stdin|"
    r"\bchpasswd\b|\bsudo\s+(?:-\w+\s+)*-S\b|-passin\s+stdin|--secret-stdin|--token-stdin"
)

# Tools that take a credential as an argument whose option says nothing of it. Each
# rule is (the command's start, matched at the segment's first word; the value inside
# the same command segment, found with search(text, pos, end)).
_LOGIN = (r"(?:(?:docker|podman|buildah|skopeo|oras|nerdctl|crane|cosign|"
          r"helm(?:[ \t]+registry)?)[ \t]+(?:auth[ \t]+)?login|az[ \t]+login|sshpass)")
TOOL_TRIGGER = re.compile(
    r"(?<![A-Za-z0-9_.\-])(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|docker|podman|"
    r"buildah|skopeo|oras|nerdctl|crane|cosign|helm|az|sshpass|lftp|open|htpasswd|aws|gh)"
    r"(?![A-Za-z0-9_.\-])"
)
SEGMENT_END = re.compile(r"[\n;&|]")
TOOL_RULES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(start), re.compile(value)) for start, value in (
        # mysql -pSECRET (attached: with a space, mysql asks for the password instead)
        (r"(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b",
         r"(?P<key>[ \t]-p)" + _VALUE),
        # docker login -p SECRET (and the other registry clients, az login), sshpass -p
        (_LOGIN, r"(?P<key>[ \t]-p[ \t]*)" + _VALUE),
        # docker login --password-stdin <<< SECRET
        (_LOGIN, r"(?P<key><<<[ \t]*)" + _VALUE),
        # lftp -u USER,SECRET; lftp's own "open -u USER,SECRET"
        (r"(?:lftp|open)\b", r"(?P<key>[ \t]-u[ \t]+[\"']?[^\s,\"']+,)(?P<bare>[^\s\"',;]+)"),
        # aws configure set aws_secret_access_key SECRET
        (r"aws[ \t]+configure[ \t]+set\b",
         r"(?P<key>[ \t](?:[\w.-]*\.)?(?:aws_secret_access_key|aws_session_token)[ \t]+)"
         + _VALUE),
        # gh secret set NAME --body SECRET
        (r"gh[ \t]+secret[ \t]+set\b", r"(?P<key>[ \t](?:-b|--body)(?:[ \t]+|=|(?=[\"'])))"
         + _VALUE),
    )
)
SHELL_WORD = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s\"']+")

# curl -u NAME:SECRET, --user NAME:SECRET, --proxy-user NAME:SECRET: ungated, the colon
# says enough.
USER_COLON = re.compile(
    r"(?P<key>(?<![A-Za-z0-9_\-])(?:-u|--user|--proxy-user)(?:[ \t]+|=)[\"']?[^\s:\"'$\[\]]+:)"
    r"(?P<bare>[^\s\"']+)"
)

# .netrc: "machine HOST login USER password SECRET", on one line or several.
NETRC_ENTRY = re.compile(r"(?<![A-Za-z0-9_.\-])(?:machine|default)(?![A-Za-z0-9_.\-])")
NETRC_PASSWORD = re.compile(r"(?P<key>(?<![A-Za-z0-9_.\-])password[ \t]+)" + _VALUE)

# NAME=value, export NAME="a b", NAME: value (env blocks, YAML), "name": "value",
# PowerShell $env:NAME = "value". The value is on the same line.
ASSIGNMENT = re.compile(
    r"(?P<key>(?<![A-Za-z0-9_.\-$\[/])(?P<ps>(?i:\$env:))?(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)"
    r"[\"']?[ \t]*(?:=|:(?!//))[ \t]*)" + _VALUE.replace(r"[^\s\"'`;&|<>]+", r"[^\s\"',;}`]+")
)
# A value long enough for looks_random, right after a separator (the cheap test that
# lets most text skip ASSIGNMENT).
LONG_VALUE = re.compile(r"(?:=|:(?!//))[ \t]*\S{16}")
SECRET_NAME = re.compile(
    r"(?i)(?:secret|token|passw(?:or)?d|passwd|passphrase|api[_\-]?key|apikey|access[_\-]?key|"
    r"private[_\-]?key|credential|signing[_\-]?key|webhook|connection[_\-]?string|"
    r"(?:store|key)pass|"
    # short words only as a whole part of the name: "pass" but not "compass", "auth"
    # but not "author"
    r"(?:^|[_\-.])(?:pass|pwd|pw|auth|dsn|key)(?:$|[_\-.]))"
)
# Names that contain a secret word but hold no secret themselves.
HARMLESS_NAME = re.compile(
    r"(?i)(?:(?:^|_|-)(?:file|path|dir|name|id|user(?:name)?|url|endpoint|type|length|env|"
    r"var|header|enabled|required|mode)"
    # a file name ("secrets.yml: ...", as an error quotes an include): not key/pem files
    r"|\.(?:ya?ml|json|toml|ini|cfg|conf|txt|sh|ps1|py|js|ts|xml|md|gpg|asc|enc|age))$"
)

# Bare long tokens (a git SHA is lower-case hex and stays; see redact._bare_token).
BARE_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-+/=])[A-Za-z0-9_\-+/]{32,}={0,2}(?![A-Za-z0-9_\-+/=])")

REFERENCE = re.compile(
    r"^(?:\$\{\{.*|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\(.*|%[A-Za-z_][A-Za-z0-9_]*%|"
    r"\$\{[^}]*\}?|\$[({].*|\$env:[A-Za-z_][A-Za-z0-9_]*|env\.[A-Za-z_].*|"
    r"secrets\.[A-Za-z_].*|vars\.[A-Za-z_].*|<[^>]*>|\*+|x+|X+|true|false|yes|no|null|none|"
    r"\[REDACTED:.*)$",
    re.IGNORECASE | re.DOTALL,
)
HEX = re.compile(r"(?:[a-z0-9]+:)?[0-9a-f]+")
