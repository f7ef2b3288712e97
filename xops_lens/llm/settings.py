"""Settings of an LLM backend: command line over configuration over environment.

Each backend reads its own table, named after it: ``[tool.xops-lens.openai]`` in
pyproject.toml, ``[openai]`` in ``.xops-lens.toml`` or a ``--config`` file, or
``--set openai.model=...``.

Trust. The repository's own configuration is written by whoever wrote the commit, which
in pull-request mode is a stranger, and the requests are billed to the key of whoever
runs the scan. So every key that decides *where* requests go, what credentials go with
them, which model answers, how many requests are sent (selection threshold, batch size,
retries, backoff, concurrency, the cache) or where files are written is taken only from
sources the person running the scan controls: the command line, ``--config``, ``--set``,
the user configuration file and the environment. Such a key in the repository's
configuration is ignored with a warning (``--trust-repo-config`` honours it, for your own
repositories); only ``structured_output`` and ``temperature`` are the repository's to
set. Budget limits from the repository can only lower the trusted limits, never raise
them; an ``api_key`` in any configuration file is refused, since keys belong in the
environment.
"""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xops_lens.cachedir import default_cache_dir
from xops_lens.config import UserSettings, is_repo_source
from xops_lens.errors import ConfigError

RELABEL_CHOICES = ("uncertain", "all")
STRUCTURED_CHOICES = ("auto", "json_schema", "json_object", "none")
MAX_BATCH = 25  # the ceiling: at most one request per 25 steps
DEFAULT_MAX_REQUESTS = 100

# Keys the repository's own configuration may set: they change neither where requests
# go, nor how many there are, nor what each costs (see the module docstring).
REPO_MAY_SET = ("structured_output", "temperature")
# Keys where the repository may only ask for less.
LOWER_ONLY = ("max_requests", "max_tokens")


@dataclass
class LLMSettings:
    """Everything an LLM backend run needs, resolved and validated."""

    backend: str
    model: str
    base_url: str | None = None
    api_key: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    relabel: str = "uncertain"
    reword: bool = True  # let the model word the cost suggestions for this pipeline
    propose: bool = True  # let the model propose replacements the catalogue lacks
    confidence_threshold: float = 0.8
    batch_size: int = MAX_BATCH
    concurrency: int = 4  # 1 for a local server unless set (see resolve)
    timeout: float | None = None  # None: derived per request (request_timeout)
    max_retries: int = 2
    retry_backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_retry_wait: float = 60.0  # longest Retry-After honoured before giving up
    max_requests: int | None = DEFAULT_MAX_REQUESTS
    max_tokens: int | None = None
    cache: bool = True
    cache_dir: Path = field(default_factory=default_cache_dir)
    estimate: bool = False
    progress: bool | None = None  # None: only when stderr is a terminal
    structured_output: str = "auto"
    temperature: float | None = None
    origins: dict[str, str] = field(default_factory=dict)
    # "local"/"hosted" when the backend knows better than the URL (an llm plugin model
    # that runs in-process has no URL); None: read from base_url.
    endpoint: str | None = None


HOSTED_TIMEOUT = 60.0
LOCAL_TIMEOUT_BASE = 60.0
# A local model on a CPU may decode a few tokens a second; the answer is bounded by
# max_tokens, so its worst case is known before sending.
LOCAL_SECONDS_PER_TOKEN = 0.15
MAX_TIMEOUT = 600.0
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def endpoint_kind(base_url: str | None) -> str:
    """``local`` for a server on this machine or a private network (a loopback, private
    or link-local address, ``localhost``, a one-label host name such as a compose
    service ``ollama``, ``*.local``/``.internal``/``.lan``), else ``hosted``. Decided
    from the URL alone: no name is resolved."""
    if not base_url:
        return "hosted"
    try:
        host = urllib.parse.urlsplit(base_url).hostname or ""
    except ValueError:
        return "hosted"
    host = host.rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(_LOCAL_SUFFIXES) or (host and "." not in host):
            return "local"
        return "hosted"
    return "local" if (address.is_loopback or address.is_private or address.is_link_local) \
        else "hosted"


def endpoint_of(settings: LLMSettings) -> str:
    return settings.endpoint or endpoint_kind(settings.base_url)


def request_timeout(settings: LLMSettings, max_tokens: int) -> float:
    """Seconds to wait for one request whose answer may take up to ``max_tokens``: the
    ``timeout`` setting when given; else 60 s for a hosted API, and for a local server
    60 s plus 0.15 s per allowed completion token (a CPU model writing a whole batch),
    at most 600 s."""
    if settings.timeout is not None:
        return settings.timeout
    if endpoint_of(settings) == "hosted":
        return HOSTED_TIMEOUT
    return min(MAX_TIMEOUT, round(LOCAL_TIMEOUT_BASE + LOCAL_SECONDS_PER_TOKEN * max_tokens))


def timeout_basis(settings: LLMSettings) -> str:
    """How :func:`request_timeout` chooses, in words (for --estimate)."""
    if settings.timeout is not None:
        return f"{settings.backend}.timeout"
    if endpoint_of(settings) == "hosted":
        return f"a hosted API; set {settings.backend}.timeout to change"
    return (f"a local server: {LOCAL_TIMEOUT_BASE:g} s plus {LOCAL_SECONDS_PER_TOKEN:g} s per "
            f"token the answer may take; set {settings.backend}.timeout to change")


class _Resolver:
    def __init__(self, table: str, options: Mapping[str, Any], config: UserSettings,
                 trust_repo: bool, warn: Callable[[str], None]) -> None:
        self.table, self.options, self.config = table, options, config
        self.trust_repo, self.warn = trust_repo, warn
        self.origins: dict[str, str] = {}

    def raw(self, key: str, option: str | None = None) -> tuple[Any, str] | None:
        if option is not None and self.options.get(option) is not None:
            return self.options[option], f"--{option.replace('_', '-')}"
        dotted = f"{self.table}.{key}"
        value = self.config.get(dotted)
        if value is None:
            return None
        source = self.config.source_of(dotted)
        if is_repo_source(source) and not self.trust_repo and key not in REPO_MAY_SET:
            self.warn(f"{source}: {dotted} is ignored: the scanned repository may not "
                      "choose the model, where requests go, how many are sent or where "
                      "files are written (use --config, --set, the command line or your "
                      "user configuration, or --trust-repo-config for your own repository)")
            return None
        return value, source

    def get(self, key: str, kind: type, default: Any, option: str | None = None,
            check: Callable[[Any], bool] = lambda v: True, expect: str = "") -> Any:
        found = self.raw(key, option)
        if found is None:
            return default
        value, source = found
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is int and isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)) \
                or not check(value):
            raise ConfigError(f"{source}: {self.table}.{key} = {value!r}: expected {expect or kind.__name__}")
        self.origins[key] = source
        return value

    def lowered(self, key: str, default: int | None, option: str) -> int | None:
        """A budget: the trusted value, lowered (never raised) by the repository's."""
        if self.options.get(option) is not None:
            value = self.options[option]
            self.origins[key] = f"--{option.replace('_', '-')}"
            return int(value)
        dotted = f"{self.table}.{key}"
        value = self.config.get(dotted)
        if value is None:
            return default
        source = self.config.source_of(dotted)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{source}: {dotted} = {value!r}: expected a whole number >= 0")
        if is_repo_source(source) and not self.trust_repo and default is not None \
                and value > default:
            self.warn(f"{source}: {dotted} = {value} is above the limit of {default} set "
                      f"outside the repository; using {default}")
            return default
        self.origins[key] = source
        return value


def resolve(backend: str, options: Mapping[str, Any], config: UserSettings,
            warn: Callable[[str], None], *, default_model: str,
            base_url_env: str | None = None, default_api_key_env: str = "OPENAI_API_KEY",
            environ: Mapping[str, str] | None = None,
            endpoint: Callable[[LLMSettings], str] | None = None) -> LLMSettings:
    """Settings for ``backend`` from the command line ``options`` (None = not given),
    the merged ``config`` and the environment."""
    environ = os.environ if environ is None else environ
    trust_option = bool(options.get("trust_repo_config"))
    probe = _Resolver(backend, {}, config, False, lambda message: None)
    trusted_flag = probe.raw("trust_repo_config")
    trust_repo = trust_option or bool(trusted_flag and trusted_flag[0] is True)
    flag_source = config.source_of(f"{backend}.trust_repo_config")
    if config.get(f"{backend}.trust_repo_config") is not None and is_repo_source(flag_source):
        warn(f"{flag_source}: {backend}.trust_repo_config is ignored: a repository cannot "
             "trust itself (use --trust-repo-config or a --config file)")
    r = _Resolver(backend, options, config, trust_repo, warn)

    if config.get(f"{backend}.api_key") is not None:
        warn(f"{config.source_of(f'{backend}.api_key')}: {backend}.api_key is ignored: put "
             f"the key in the environment ({default_api_key_env}), never in a file")

    s = LLMSettings(backend=backend, model=default_model)
    s.model = r.get("model", str, default_model, "model", lambda v: bool(v.strip()), "a model name")
    s.base_url = r.get("base_url", str, None, "base_url",
                       lambda v: v.startswith(("http://", "https://")), "an http(s) URL")
    if s.base_url is None and base_url_env and environ.get(base_url_env):
        s.base_url = environ[base_url_env]
        r.origins["base_url"] = f"${base_url_env}"
    s.api_key_env = r.get("api_key_env", str, default_api_key_env,
                          check=lambda v: bool(v.strip()), expect="an environment variable name")
    s.api_key = environ.get(s.api_key_env) or None
    s.relabel = r.get("relabel", str, s.relabel, "relabel", lambda v: v in RELABEL_CHOICES,
                      " or ".join(RELABEL_CHOICES))
    s.reword = r.get("reword", bool, True, "reword")
    s.propose = r.get("propose", bool, True, "propose")
    s.confidence_threshold = r.get("confidence_threshold", float, s.confidence_threshold,
                                   check=lambda v: 0.0 <= v <= 1.0, expect="a number in [0, 1]")
    s.batch_size = r.get("batch_size", int, s.batch_size, check=lambda v: 1 <= v <= MAX_BATCH,
                         expect=f"a whole number from 1 to {MAX_BATCH}")
    # A local server (llama.cpp, Ollama on a laptop) usually decodes one request at a
    # time: requests sent alongside would wait in its queue while their timeout runs.
    if endpoint is not None:
        s.endpoint = endpoint(s)
    s.concurrency = r.get("concurrency", int, 1 if endpoint_of(s) == "local" else s.concurrency,
                          check=lambda v: 1 <= v <= 32, expect="a whole number from 1 to 32")
    s.timeout = r.get("timeout", float, None, check=lambda v: 0 < v <= 600,
                      expect="seconds, above 0 and at most 600")
    s.max_retries = r.get("max_retries", int, s.max_retries, check=lambda v: 0 <= v <= 10,
                          expect="a whole number from 0 to 10")
    s.retry_backoff = r.get("retry_backoff", float, s.retry_backoff,
                            check=lambda v: 0 <= v <= 60, expect="seconds from 0 to 60")
    s.max_retry_wait = r.get("max_retry_wait", float, s.max_retry_wait,
                             check=lambda v: 0 <= v <= 600, expect="seconds from 0 to 600")
    s.max_requests = r.lowered("max_requests", DEFAULT_MAX_REQUESTS, "max_requests")
    s.max_tokens = r.lowered("max_tokens", None, "max_tokens")
    s.cache = r.get("cache", bool, True, "cache")
    cache_dir = r.get("cache_dir", str, None, "cache_dir", lambda v: bool(v.strip()), "a directory")
    if cache_dir is not None:
        s.cache_dir = Path(cache_dir).expanduser()
    s.estimate = bool(options.get("estimate"))
    s.progress = options.get("progress")
    s.structured_output = r.get("structured_output", str, s.structured_output,
                                check=lambda v: v in STRUCTURED_CHOICES,
                                expect=" or ".join(STRUCTURED_CHOICES))
    s.temperature = r.get("temperature", float, None, check=lambda v: 0 <= v <= 2,
                          expect="a number from 0 to 2")
    s.origins = r.origins
    return s
