"""The command-line options of LLM backends, added to ``scan`` by one decorator so the
CLI module stays small, and the ``--estimate`` printout."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

if TYPE_CHECKING:  # the CLI imports this module at start: keep it light
    from xops_lens.sdk import BackendUsage

_OPTIONS: tuple[Callable[[Any], Any], ...] = (
    click.option("--model", metavar="NAME",
                 help="LLM backends: the model (openai default: gpt-4o-mini)."),
    click.option("--base-url", metavar="URL",
                 help="LLM backends: an OpenAI-compatible server (Azure OpenAI, Ollama, vLLM, "
                      "llama.cpp, LM Studio); default $OPENAI_BASE_URL or OpenAI."),
    click.option("--relabel", type=click.Choice(["uncertain", "all"]),
                 help="LLM backends: relabel the steps the rules are unsure of (default) "
                      "or all of them."),
    click.option("--reword/--no-reword", "reword", default=None,
                 help="LLM backends: let the model word the cost suggestions for this "
                      "pipeline; the numbers stay computed (default: on)."),
    click.option("--propose/--no-propose", "propose", default=None,
                 help="LLM backends: let the model propose replacements the catalogue does "
                      "not have, validated and priced by the tool (default: on)."),
    click.option("--cache/--no-cache", "cache", default=None,
                 help="LLM backends: reuse earlier answers (default: on)."),
    click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                 help="LLM backends: where answers are cached (default: the user cache "
                      "directory, e.g. ~/.cache/xops-lens)."),
    click.option("--max-requests", type=click.IntRange(min=0), metavar="N",
                 help="LLM backends: send at most N requests (default 100); the rest keep "
                      "their rule labels."),
    click.option("--max-tokens", type=click.IntRange(min=0), metavar="N",
                 help="LLM backends: spend at most N prompt + completion tokens."),
    click.option("--estimate", is_flag=True, default=False,
                 help="LLM backends: print the requests and tokens the scan would send, "
                      "send nothing, exit 0."),
    click.option("--trust-repo-config", is_flag=True, default=False,
                 help="Honour the scanned repository's own settings that spend your "
                      "money or weaken your policy: the LLM backend's model, server, "
                      "request limits and cache, and [ignore] and [cost] under a --fail-on "
                      "policy (only for repositories you trust)."),
)
OPTION_NAMES = ("model", "base_url", "relabel", "reword", "propose", "cache", "cache_dir", "max_requests",
                "max_tokens", "estimate", "trust_repo_config")


def backend_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the LLM options to a click command; it receives them as one
    ``backend_options`` dict (None for options not given)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        options = {name: kwargs.pop(name, None) for name in OPTION_NAMES}
        if options["cache_dir"] is not None:
            options["cache_dir"] = str(options["cache_dir"])
        return func(*args, backend_options=options, **kwargs)

    command: Callable[..., Any] = wrapper
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def _n(value: int) -> str:
    return f"{value:,}"


def print_estimate(usage: BackendUsage | None, backend: str, total_steps: int,
                   output_format: str, stream: TextIO) -> None:
    """What ``--estimate`` prints: JSON with ``--format json``, else a few lines."""
    if output_format == "json":
        data: dict[str, Any] = {"backend": backend, "steps": total_steps,
                                "estimate": asdict(usage) if usage is not None else None}
        json.dump(data, stream, indent=2)
        stream.write("\n")
        return
    if usage is None:
        stream.write(f"Backend {backend} sends no requests: nothing to estimate "
                     f"({total_steps} steps).\n")
        return
    lines = [
        f"Estimate for backend {usage.backend}, model {usage.model} (relabel {usage.relabel}):",
        f"  steps: {_n(total_steps)} in the scan, {_n(usage.steps_selected)} to relabel, "
        f"{_n(usage.distinct_steps)} distinct, {_n(usage.cache_hits)} answered from the cache",
        f"  requests: {_n(usage.requests)}"
        + (f" of {_n(usage.planned_requests)} needed" if usage.planned_requests != usage.requests
           else "")
        + (f", {_n(usage.proposal_requests)} of them for proposals"
           if usage.proposal_requests else ""),
        f"  prompt tokens: ~{_n(usage.prompt_tokens)}; completion tokens: "
        f"~{_n(usage.completion_tokens)} (counted with {usage.tokenizer})",
    ]
    if usage.timeout is not None:
        lines.append(f"  timeout: up to {usage.timeout:g} s per request"
                     + (f" ({usage.timeout_basis})" if usage.timeout_basis else ""))
    if usage.budget_stop:
        lines.append(f"  budget: the scan would stop at {usage.budget_stop}; the remaining "
                     "steps would keep their rule labels")
    lines.append("Nothing was sent.")
    stream.write("\n".join(lines) + "\n")
