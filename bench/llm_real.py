"""Labels the labelled steps of a few corpus repositories through a real model server and
compares with the rule backend on the same steps.

    python bench/llm_real.py --base-url http://127.0.0.1:8080/v1 [--model NAME]
        [--repos 3 | --repo NAME ...] [--batch-size 25] [--again]

The server is any OpenAI-compatible one (llama.cpp, Ollama, vLLM, a hosted API with
OPENAI_API_KEY set). ``--serve-smollm2`` starts the test suite's llama.cpp server
(xllamacpp + SmolLM2-135M, see tests/llamacpp.py) on 127.0.0.1 and uses it. The
steps are those of ``shared/labels/dev.tsv`` in the repositories with the most labels
(or those named), sent with ``--relabel all`` semantics. Printed: accuracy (subsystem
and kind) of the rules and of the model, requests, tokens, seconds per request,
fallbacks and cache hits; ``--again`` repeats the run to show the cache answering.
The cache lives in a temporary directory unless ``--cache-dir`` is given.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(REPO_ROOT))

from bench.accuracy import DEFAULT_SHARED, Label, read_labels  # noqa: E402
from xops_lens.backends.openai_backend import OpenAITransport  # noqa: E402
from xops_lens.backends.rules import RuleBackend  # noqa: E402
from xops_lens.config import UserSettings  # noqa: E402
from xops_lens.llm.cache import LabelCache  # noqa: E402
from xops_lens.llm.engine import RelabelEngine  # noqa: E402
from xops_lens.llm.settings import resolve  # noqa: E402
from xops_lens.llm.tokens import tokenizer_for  # noqa: E402
from xops_lens.model import Step  # noqa: E402
from xops_lens.scan import scan  # noqa: E402


def labelled_steps(shared: Path, repos: list[str]) -> tuple[list[Step], list[Label]]:
    """The steps of ``repos`` that dev.tsv labels, with their labels, in the same order."""
    wanted = {(label.file, label.line): label for label in read_labels(shared)
              if label.file.split("/", 1)[0] in repos}
    steps: list[Step] = []
    labels: list[Label] = []
    for repo in repos:
        for item in scan(shared / "corpus" / repo).steps:
            label = wanted.get((f"{repo}/{item.step.file}", item.step.line))
            if label is not None:
                steps.append(item.step)
                labels.append(label)
    return steps, labels


def accuracy(predicted: list[tuple[str, str]], labels: list[Label]) -> tuple[float, float]:
    n = len(labels) or 1
    subsystem = sum(p[0] == g.subsystem for p, g in zip(predicted, labels, strict=True))
    kind = sum(p == (g.subsystem, g.kind) for p, g in zip(predicted, labels, strict=True))
    return subsystem / n, kind / n


def run_once(base_url: str, model: str, steps: list[Step], cache_dir: Path,
             batch_size: int, timeout: float | None) -> tuple[RelabelEngine, list[tuple[str, str]], float]:
    config = UserSettings()
    values: dict[str, object] = {"batch_size": batch_size, "max_requests": 1000}
    if timeout is not None:
        values["timeout"] = timeout
    config.merge({"openai": values}, "--set")
    settings = resolve("openai", {"base_url": base_url, "model": model, "relabel": "all",
                                  "cache_dir": str(cache_dir)}, config,
                       lambda message: print(f"warning: {message}", file=sys.stderr),
                       default_model=model)
    settings.progress = False
    engine = RelabelEngine(settings, OpenAITransport(settings), RuleBackend(),
                           tokenizer_for(model),
                           lambda message: print(f"warning: {message}", file=sys.stderr),
                           LabelCache(cache_dir))
    started = time.monotonic()
    labels = engine.classify(steps)
    return engine, [(c.subsystem, c.kind) for c in labels], time.monotonic() - started


def report(name: str, engine: RelabelEngine, predicted: list[tuple[str, str]],
           labels: list[Label], seconds: float) -> None:
    usage = engine.usage
    sub, kind = accuracy(predicted, labels)
    per = usage.request_seconds / usage.requests if usage.requests else 0.0
    print(f"{name}: subsystem {sub:.1%}, kind {kind:.1%}; {usage.requests} requests "
          f"({usage.reasks} re-asks), {usage.prompt_tokens:,} prompt + "
          f"{usage.completion_tokens:,} completion tokens; {per:.1f} s per request "
          f"(slowest {usage.slowest_request:.1f} s, timeout {usage.timeout or 0:g} s); "
          f"{usage.relabelled}/{len(labels)} relabelled, {usage.fallbacks} kept the rule "
          f"label, {usage.rejected_entries} entries rejected; {usage.cache_hits} cache hits; "
          f"{seconds:.1f} s in all")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--base-url", help="an OpenAI-compatible server, ending in /v1")
    source.add_argument("--serve-smollm2", action="store_true",
                        help="start xllamacpp + SmolLM2-135M on 127.0.0.1 (tests/llamacpp.py)")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--n-ctx", type=int, default=8192,
                        help="context of the --serve-smollm2 server (default 8192)")
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--repos", type=int, default=3,
                        help="the repositories with the most labelled steps (default 3)")
    parser.add_argument("--repo", action="append", default=[], help="a corpus repository")
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--timeout", type=float, help="seconds per request (default: derived)")
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--again", action="store_true", help="run twice: the cache answers")
    args = parser.parse_args(argv)

    repos = args.repo or [repo for repo, _ in Counter(
        label.file.split("/", 1)[0] for label in read_labels(args.shared)).most_common(args.repos)]
    steps, labels = labelled_steps(args.shared, repos)
    print(f"{len(steps)} labelled steps of {', '.join(repos)}")
    rules = [(c.subsystem, c.kind) for c in RuleBackend().classify(steps)]
    sub, kind = accuracy(rules, labels)
    print(f"rules: subsystem {sub:.1%}, kind {kind:.1%}")
    with ExitStack() as stack:
        base_url = args.base_url
        if args.serve_smollm2:
            from tests.llamacpp import MODEL_ID, llama_server

            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            server = stack.enter_context(llama_server(log_dir, n_ctx=args.n_ctx))
            base_url, args.model = server.url, MODEL_ID
            print(f"llama.cpp server up in {server.started_in:.1f} s at {base_url}")
        cache = args.cache_dir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for run in range(2 if args.again else 1):
            engine, predicted, seconds = run_once(base_url, args.model, steps, cache,
                                                  args.batch_size, args.timeout)
            report(f"{args.model} (run {run + 1})", engine, predicted, labels, seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
