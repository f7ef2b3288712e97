"""The ``openai`` backend: OpenAI, or any server that speaks its chat completions API
(Azure OpenAI's v1 endpoint, Ollama, vLLM, llama.cpp server, LM Studio) via a base URL.

It relabels the steps the rule backend is unsure of (or all, with ``--relabel all``)
through :mod:`xops_lens.llm.engine`, which owns batching, cache, budget, retries and
validation; this module only builds the client and maps its errors. The ``openai``
package is imported when the first request is about to be sent, so ``--version``,
offline scans and ``--estimate`` never pay for importing it; the engine, its cache and
settings are imported when the backend is configured, so that registering the backend
(every run) costs only this module, not the llm modules (docs/benchmarks.md).
"""

from __future__ import annotations

import email.utils
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xops_lens.errors import ConfigError
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Classification, Step
from xops_lens.sdk import Backend, BackendContext

if TYPE_CHECKING:
    from xops_lens.llm.engine import RelabelEngine, Reply
    from xops_lens.llm.settings import LLMSettings

BACKEND_NAME = "openai"
DEFAULT_MODEL = "gpt-4o-mini"
PLACEHOLDER_KEY = "not-needed"  # local servers (Ollama, llama.cpp) take any key


def _retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    try:
        millis = headers.get("retry-after-ms")
        if millis is not None:
            return max(0.0, float(millis) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _limit_field(base_url: str | None) -> str:
    """OpenAI's own API (and Azure's) takes ``max_completion_tokens``, and its reasoning
    models refuse ``max_tokens``; the servers that copy the API (llama.cpp, Ollama,
    vLLM, LM Studio) all take ``max_tokens``, and not all the newer name."""
    host = urllib.parse.urlsplit(base_url).hostname or "" if base_url else "api.openai.com"
    return "max_completion_tokens" if host == "api.openai.com" or \
        host.endswith((".openai.azure.com", ".cognitiveservices.azure.com")) else "max_tokens"


_CONTEXT_WORDS = ("context size", "context length", "context window", "exceed_context",
                  "maximum context", "too many tokens", "prompt is too long")


def _exceeds_context(exc: Any) -> bool:
    """A 400 that says the prompt does not fit the model's context (llama.cpp:
    exceed_context_size_error; OpenAI, vLLM: context_length_exceeded), which is no
    reason to give up structured output but one to send fewer steps."""
    text = f"{getattr(exc, 'message', '')} {getattr(exc, 'body', '')} {getattr(exc, 'code', '')}"
    text = text.lower()
    return "context_length_exceeded" in text or any(word in text for word in _CONTEXT_WORDS)


class OpenAITransport:
    """Sends one chat request with the official client; maps its errors to failure
    kinds. The client's own retries are off: the engine retries with its own bounded,
    configurable backoff and counts every attempt against the budget."""

    def __init__(self, settings: LLMSettings) -> None:
        import openai

        self._openai = openai
        self.settings = settings
        # Each request passes its own timeout (derived from the endpoint and the batch).
        self.client = openai.OpenAI(api_key=settings.api_key or PLACEHOLDER_KEY,
                                    base_url=settings.base_url, max_retries=0)
        self.limit_field = _limit_field(settings.base_url)

    def send(self, messages: list[dict[str, str]], *, response_format: dict[str, Any] | None,
             timeout: float, max_tokens: int | None = None) -> Reply:
        from xops_lens.llm.engine import Reply, TransportError

        openai = self._openai
        kwargs: dict[str, Any] = {}
        if max_tokens is not None:
            kwargs[self.limit_field] = max_tokens
        if response_format is not None:
            kwargs["response_format"] = response_format
        if self.settings.temperature is not None:
            kwargs["temperature"] = self.settings.temperature
        try:
            completion = self.client.chat.completions.create(
                model=self.settings.model, messages=messages,  # type: ignore[arg-type]
                timeout=timeout, **kwargs)
        except openai.APITimeoutError:
            raise TransportError("timeout", f"no answer within {timeout:g}s",
                                 retryable=True) from None
        except openai.APIConnectionError as exc:
            raise TransportError("connection", str(exc) or "connection error",
                                 retryable=True) from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise TransportError("auth", f"HTTP {exc.status_code}: the server refused the "
                                 "API key", fatal=True, status=exc.status_code) from None
        except openai.NotFoundError:
            raise TransportError("not-found", f"HTTP 404: model {self.settings.model!r} or "
                                 "the URL was not found", fatal=True, status=404) from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            retry_after = _retry_after(getattr(exc.response, "headers", None))
            if status == 429:
                raise TransportError("rate-limit", "HTTP 429", retryable=True,
                                     retry_after=retry_after, status=status) from None
            if status >= 500 or status in (408, 409):
                raise TransportError("server-error", f"HTTP {status}", retryable=True,
                                     retry_after=retry_after, status=status) from None
            if status in (400, 413) and _exceeds_context(exc):
                raise TransportError("too-long", f"HTTP {status}: {exc.message}"[:300],
                                     status=status) from None
            raise TransportError("bad-request", f"HTTP {status}", status=status) from None
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise TransportError("malformed", f"unreadable response: {type(exc).__name__}",
                                 retryable=True) from None
        except openai.OpenAIError as exc:
            raise TransportError("error", f"{type(exc).__name__}: {exc}") from None
        choices = getattr(completion, "choices", None) or []
        message = getattr(choices[0], "message", None) if choices else None
        content = getattr(message, "content", None)
        usage = getattr(completion, "usage", None)
        return Reply(
            content if isinstance(content, str) else None,
            getattr(usage, "prompt_tokens", None) if usage is not None else None,
            getattr(usage, "completion_tokens", None) if usage is not None else None,
        )


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


class OpenAIBackend:
    """OpenAI or an OpenAI-compatible server; relabels the steps the rules are unsure of."""

    name = BACKEND_NAME
    description = ("OpenAI or any OpenAI-compatible server (--base-url: Azure OpenAI, "
                   "Ollama, vLLM, llama.cpp, LM Studio); relabels uncertain rule labels, words the suggestions")

    def configure(self, context: BackendContext) -> RelabelEngine:
        from xops_lens.llm.cache import LabelCache
        from xops_lens.llm.engine import RelabelEngine
        from xops_lens.llm.settings import resolve
        from xops_lens.llm.tokens import tokenizer_for

        settings = resolve(self.name, context.options, context.config, context.warn,
                           default_model=DEFAULT_MODEL, base_url_env="OPENAI_BASE_URL")
        fallback = context.backends.get("rules")
        if fallback is None:
            raise ConfigError(f"{self.name}: the rules backend is needed as the fallback "
                              "and is not registered")
        if not settings.estimate and not settings.api_key and settings.base_url is None:
            raise ConfigError(
                f"{self.name}: no API key: set {settings.api_key_env}, or point --base-url "
                "(or OPENAI_BASE_URL) at a server that needs none; --estimate works without")
        cache = None
        if settings.cache:
            if _inside(settings.cache_dir, context.root):
                context.warn(f"{self.name}: cache disabled: {settings.cache_dir} is inside the "
                             "scanned tree, and a scan never writes there (use --cache-dir)")
            else:
                cache = LabelCache(settings.cache_dir)
        transport = None if settings.estimate else OpenAITransport(settings)
        engine = RelabelEngine(settings, transport, fallback, tokenizer_for(settings.model),
                               context.warn, cache)
        return engine

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        """Unconfigured use (embedding without the scan): settings from the environment."""
        from xops_lens.backends.rules import RuleBackend
        from xops_lens.config import UserSettings

        backends: dict[str, Backend] = {"rules": RuleBackend()}
        context = BackendContext(root=Path.cwd(), config=UserSettings(), options={},
                                 backends=backends, warn=lambda message: None)
        return self.configure(context).classify(steps)


@hookimpl
def register_backends(register: Any) -> None:
    register(OpenAIBackend())
