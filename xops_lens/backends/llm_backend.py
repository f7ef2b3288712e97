"""The ``llm`` backend: every model Simon Willison's ``llm`` library reaches through its
plugins (OpenAI, Anthropic, Gemini, Mistral, Ollama, local GGUF models, any
OpenAI-compatible server listed in its ``extra-openai-models.yaml``), with llm's own
key store (``llm keys set ...``), aliases and default model.

Like the ``openai`` backend it only adapts a client to :mod:`xops_lens.llm.engine`,
which owns batching, cache, budget, ``--estimate``, redaction, retries, validation and
the fallback to the rule labels. ``llm`` is an optional extra
(``pip install 'xops-lens[llm]'``), imported only when this backend is configured.

Structured output: a model that supports schemas gets the label schema (``schema=``);
one that does not is asked for JSON (its ``json_object`` option when it has one) and
the answer is validated the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xops_lens.backends.openai_backend import _inside
from xops_lens.errors import ConfigError
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Classification, Step
from xops_lens.sdk import Backend, BackendContext

if TYPE_CHECKING:
    from xops_lens.llm.engine import RelabelEngine, Reply
    from xops_lens.llm.settings import LLMSettings

BACKEND_NAME = "llm"
INSTALL_HINT = "pip install 'xops-lens[llm]'"
# Option names plugins use for the answer's length, most common first.
_LIMIT_OPTIONS = ("max_tokens", "max_output_tokens", "num_predict")


def _fields(model: Any) -> set[str]:
    options = getattr(model, "Options", None)
    fields = getattr(options, "model_fields", None) or {}
    return set(fields)


def _failure(exc: BaseException, timeout: float) -> Exception:
    """A plugin's exception as a TransportError. Plugins wrap different clients
    (openai, anthropic, httpx, ...), so it goes by the status code and the class name
    rather than by type."""
    from xops_lens.llm.engine import TransportError

    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    if type(exc).__name__ == "NeedsKeyException":
        return TransportError("auth", str(exc), fatal=True, status=401)
    if status in (401, 403) or "Authentication" in name or "PermissionDenied" in name:
        return TransportError("auth", f"{name}: the key was not accepted", fatal=True,
                              status=status)
    if status == 404 or "NotFound" in name:
        return TransportError("not-found", f"{name}: model or URL not found", fatal=True,
                              status=404)
    text = str(exc).lower()
    if "context" in text and any(w in text for w in ("exceed", "too long", "length", "size")):
        return TransportError("too-long", f"{name}: {exc}"[:300], status=400)
    if status == 429 or "RateLimit" in name:
        return TransportError("rate-limit", f"{name}", retryable=True, status=429)
    if "Timeout" in name:
        return TransportError("timeout", f"no answer within {timeout:g}s", retryable=True)
    if "Connect" in name:
        return TransportError("connection", f"{name}: {exc}", retryable=True)
    if status is not None and (status >= 500 or status in (408, 409)):
        return TransportError("server-error", f"HTTP {status}", retryable=True, status=status)
    if status is not None:
        return TransportError("bad-request", f"HTTP {status}", status=status)
    return TransportError("error", f"{name}: {exc}")


class LLMTransport:
    """Sends one prompt through an llm model. llm has no timeout of its own, so the
    prompt runs in a daemon thread that the engine stops waiting for at the timeout."""

    def __init__(self, settings: LLMSettings, model: Any) -> None:
        self.settings, self.model = settings, model
        fields = _fields(model)
        self.limit_option = next((name for name in _LIMIT_OPTIONS if name in fields), None)
        self.json_option = "json_object" in fields
        self.temperature_option = "temperature" in fields

    def send(self, messages: list[dict[str, str]], *, response_format: dict[str, Any] | None,
             timeout: float, max_tokens: int | None = None) -> Reply:
        from xops_lens.llm.engine import Reply, TransportError

        system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
        user = "\n\n".join(m["content"] for m in messages if m["role"] != "system")
        kwargs: dict[str, Any] = {}
        kind = (response_format or {}).get("type")
        if kind == "json_schema":
            kwargs["schema"] = response_format["json_schema"]["schema"]  # type: ignore[index]
        elif kind == "json_object" and self.json_option:
            kwargs["json_object"] = True
        if max_tokens is not None and self.limit_option:
            kwargs[self.limit_option] = max_tokens
        if self.settings.temperature is not None and self.temperature_option:
            kwargs["temperature"] = self.settings.temperature
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                response = self.model.prompt(user, system=system or None, stream=False, **kwargs)
                outcome["text"] = response.text()
                outcome["usage"] = response.usage()
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc

        worker = threading.Thread(target=run, name="xops-llm-prompt", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise TransportError("timeout", f"no answer within {timeout:g}s", retryable=True)
        if "error" in outcome:
            raise _failure(outcome["error"], timeout) from None
        usage = outcome.get("usage")
        return Reply(outcome.get("text"), getattr(usage, "input", None),
                     getattr(usage, "output", None))


def _model(name: str | None) -> Any:
    try:
        import llm
    except ImportError:
        raise ConfigError(f"{BACKEND_NAME}: the llm library is not installed "
                          f"({INSTALL_HINT})") from None
    try:
        return llm.get_model(name or None)
    except llm.UnknownModelError as exc:
        raise ConfigError(f"{BACKEND_NAME}: {exc.args[0] if exc.args else exc} (see "
                          "`llm models` for the models your llm plugins provide)") from None


def _endpoint(model: Any) -> str:
    """A model with a URL is judged by it; one with none that needs no key runs here
    (llm-gguf, llm-mlx, llm-ollama's defaults); the rest are hosted APIs."""
    from xops_lens.llm.settings import endpoint_kind

    api_base = getattr(model, "api_base", None)
    if isinstance(api_base, str) and api_base:
        return endpoint_kind(api_base)
    return "local" if getattr(model, "needs_key", None) is None else "hosted"


class LLMBackend:
    """Any model of the llm library; relabels the steps the rules are unsure of."""

    name = BACKEND_NAME
    description = ("any model of Simon Willison's llm library and its plugins (--model NAME "
                   f"or alias; keys from `llm keys`; needs {INSTALL_HINT}); relabels "
                   "uncertain rule labels, words the suggestions")

    def configure(self, context: BackendContext) -> RelabelEngine:
        from xops_lens.llm.cache import LabelCache
        from xops_lens.llm.engine import RelabelEngine
        from xops_lens.llm.settings import resolve
        from xops_lens.llm.tokens import tokenizer_for

        if context.options.get("base_url") or context.config.get(f"{self.name}.base_url"):
            raise ConfigError(f"{self.name}: --base-url is not for the llm backend: list the "
                              "server in llm's extra-openai-models.yaml and pass its model id")
        model = _model(context.options.get("model") or
                       _trusted_model(context, self.name))
        settings = resolve(self.name, context.options, context.config, context.warn,
                           default_model=model.model_id, endpoint=lambda s: _endpoint(model))
        settings.model = model.model_id  # an alias names the model it stands for
        # The server a cached answer came from: the model's URL, else the model itself.
        settings.base_url = getattr(model, "api_base", None) or f"llm:{model.model_id}"
        if settings.structured_output == "auto" and not getattr(model, "supports_schema", False):
            settings.structured_output = "json_object" if "json_object" in _fields(model) \
                else "none"
        fallback = context.backends.get("rules")
        if fallback is None:
            raise ConfigError(f"{self.name}: the rules backend is needed as the fallback "
                              "and is not registered")
        if not settings.estimate:
            try:
                model.get_key()
            except Exception as exc:  # NeedsKeyException: llm's own message says what to do
                raise ConfigError(f"{self.name}: {model.model_id}: {exc}") from None
        cache = None
        if settings.cache:
            if _inside(settings.cache_dir, context.root):
                context.warn(f"{self.name}: cache disabled: {settings.cache_dir} is inside the "
                             "scanned tree, and a scan never writes there (use --cache-dir)")
            else:
                cache = LabelCache(settings.cache_dir)
        transport = None if settings.estimate else LLMTransport(settings, model)
        return RelabelEngine(settings, transport, fallback, tokenizer_for(model.model_id),
                             context.warn, cache)

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        """Unconfigured use (embedding without the scan): llm's default model."""
        from xops_lens.backends.rules import RuleBackend
        from xops_lens.config import UserSettings

        backends: dict[str, Backend] = {"rules": RuleBackend()}
        context = BackendContext(root=Path.cwd(), config=UserSettings(), options={},
                                 backends=backends, warn=lambda message: None)
        return self.configure(context).classify(steps)


def _trusted_model(context: BackendContext, table: str) -> str | None:
    """The model from the configuration, unless the scanned repository set it (it may
    not choose the model: see xops_lens/llm/settings.py); resolve() warns about it."""
    from xops_lens.config import is_repo_source

    value = context.config.get(f"{table}.model")
    if not isinstance(value, str) or not value.strip():
        return None
    flag = f"{table}.trust_repo_config"
    trusted = bool(context.options.get("trust_repo_config")) or (
        context.config.get(flag) is True and not is_repo_source(context.config.source_of(flag)))
    if is_repo_source(context.config.source_of(f"{table}.model")) and not trusted:
        return None
    return value


@hookimpl
def register_backends(register: Any) -> None:
    register(LLMBackend())
