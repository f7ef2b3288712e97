"""What the LLM backend would send for the corpus: requests and tokens per 100 steps.

Usage::

    python bench/llm_cost.py [--corpus PATH] [--relabel uncertain|all ...]

Scans every repository folder of ``../shared/corpus`` with the ``openai`` backend
pointed at the scripted OpenAI-compatible server of ``tests/llm_server.py`` on
127.0.0.1 (nothing leaves the machine; the server labels by keywords, so the figures
measure cost, not accuracy). For each relabel mode it prints the steps scanned, the
steps selected and distinct after de-duplication, then requests, prompt tokens and
completion tokens (as the server reports them, chars/4) in total and per 100 scanned
steps, the client's own token estimate (``--estimate``'s method), and, for a second run
over the same cache, the requests made and the cache hits.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(REPO_ROOT))

from tests.llm_server import ScriptedServer  # noqa: E402
from xops_lens.config import UserSettings  # noqa: E402
from xops_lens.plugins import build_plugin_manager  # noqa: E402
from xops_lens.scan import scan  # noqa: E402

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"


@dataclass
class Totals:
    repos: int = 0
    steps: int = 0
    selected: int = 0
    distinct: int = 0
    requests: int = 0
    prompt: int = 0
    completion: int = 0
    estimated_prompt: int = 0
    estimated_completion: int = 0
    fallbacks: int = 0
    second_requests: int = 0
    second_hits: int = 0
    seconds: float = 0.0
    tokenizer: str = ""


def _usage(repo: Path, registry: object, options: dict[str, object]) -> tuple[int, object]:
    result = scan(repo, backend="openai", registry=registry,  # type: ignore[arg-type]
                  config=UserSettings(), backend_options=options)
    return len(result.steps), result.backend_usage


def measure(corpus: Path, relabel: str, server: ScriptedServer) -> Totals:
    _, registry = build_plugin_manager(load_entry_points=False)
    totals = Totals()
    with tempfile.TemporaryDirectory(prefix="xops-llm-bench-") as cache:
        base = {"base_url": server.url, "cache_dir": cache, "relabel": relabel,
                "max_requests": 1_000_000}
        start = time.perf_counter()
        for repo in sorted(p for p in corpus.iterdir() if p.is_dir()):
            _, estimate = _usage(repo, registry, {**base, "estimate": True})
            steps, first = _usage(repo, registry, base)
            _, second = _usage(repo, registry, base)
            assert first is not None and second is not None and estimate is not None
            totals.repos += 1
            totals.steps += steps
            totals.selected += first.steps_selected
            totals.distinct += first.distinct_steps
            totals.requests += first.requests
            totals.prompt += first.prompt_tokens
            totals.completion += first.completion_tokens
            totals.fallbacks += first.fallbacks
            totals.estimated_prompt += estimate.prompt_tokens
            totals.estimated_completion += estimate.completion_tokens
            totals.tokenizer = estimate.tokenizer or ""
            totals.second_requests += second.requests
            totals.second_hits += second.cache_hits
        totals.seconds = time.perf_counter() - start
    return totals


def _per100(value: int, steps: int) -> str:
    return f"{100 * value / steps:,.1f}" if steps else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--relabel", action="append", choices=["uncertain", "all"])
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"{args.corpus}: no corpus here (pass --corpus)", file=sys.stderr)
        return 2
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-local-server")
    modes = args.relabel or ["uncertain", "all"]
    rows = []
    with ScriptedServer() as server:
        for mode in modes:
            rows.append((mode, measure(args.corpus, mode, server)))
    print(f"corpus: {args.corpus} ({rows[0][1].repos} repositories, "
          f"{rows[0][1].steps} steps); server: tests/llm_server.py on 127.0.0.1\n")
    header = ("relabel", "steps sent", "distinct", "requests", "prompt tok", "compl. tok",
              "req/100", "prompt/100", "compl./100", "2nd run req", "2nd run hits")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for mode, t in rows:
        print(f"| {mode} | {t.selected:,} | {t.distinct:,} | {t.requests:,} | {t.prompt:,} | "
              f"{t.completion:,} | {_per100(t.requests, t.steps)} | {_per100(t.prompt, t.steps)} "
              f"| {_per100(t.completion, t.steps)} | {t.second_requests:,} | "
              f"{t.second_hits:,} |")
    print()
    for mode, t in rows:
        print(f"{mode}: client estimate ({t.tokenizer}) {t.estimated_prompt:,} prompt + "
              f"{t.estimated_completion:,} completion tokens; fallbacks {t.fallbacks}; "
              f"three passes (estimate, first, second) in {t.seconds:.1f} s")
    print("\nPer 100 = per 100 scanned steps. Token counts are the server's chars/4.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
