"""Token counts before sending: for ``--estimate`` and for the ``--max-tokens`` budget.

tiktoken is an optional extra (``pip install 'xops-lens[tokens]'``). It needs its
encoding files, which it downloads on first use; when it is missing or cannot load them
(offline), counts fall back to one token per four characters, and the report says which
method was used, since the two can differ by a fifth on code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

# Chat framing adds a few tokens per message (role markers) and per reply.
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY = 3
# One answer entry ({"id":"s12","subsystem":"information","kind":"dependencies",
# "confidence":0.9,"why":"installs the npm packages"}) is about 35 tokens.
COMPLETION_TOKENS_PER_STEP = 40
COMPLETION_TOKENS_PER_ANSWER = 8
# The most an answer may take (``max_tokens`` of the request): room for a pretty-printed
# entry with a twelve-word reason, so a sound answer is never cut, while a model that
# loops (small models repeat an entry until the context is full) is stopped early.
MAX_COMPLETION_PER_STEP = 100
MAX_COMPLETION_BASE = 48


def completion_cap(items: int, per_item: int = MAX_COMPLETION_PER_STEP) -> int:
    """``max_tokens`` for a request about ``items`` steps (or suggestions)."""
    return MAX_COMPLETION_BASE + per_item * items


class Tokenizer:
    """Counts tokens of text; ``method`` says how ("tiktoken o200k_base", "chars/4")."""

    def __init__(self, count: Callable[[str], int], method: str) -> None:
        self._count = count
        self.method = method

    def count(self, text: str) -> int:
        return self._count(text)

    def prompt_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        return TOKENS_PER_REPLY + sum(
            TOKENS_PER_MESSAGE + self.count(m.get("content", "")) for m in messages)

    @staticmethod
    def completion_tokens(steps: int) -> int:
        return COMPLETION_TOKENS_PER_ANSWER + COMPLETION_TOKENS_PER_STEP * steps


def _chars_over_four(text: str) -> int:
    return (len(text) + 3) // 4


@lru_cache(maxsize=8)
def tokenizer_for(model: str) -> Tokenizer:
    """tiktoken's encoding for ``model`` when it is installed and loads, else chars/4."""
    try:
        import tiktoken  # type: ignore[import-not-found,unused-ignore]  # optional
    except ImportError:
        return Tokenizer(_chars_over_four, "chars/4 (tiktoken not installed)")
    try:
        try:
            encoding = tiktoken.encoding_for_model(model)
        except KeyError:
            # Models tiktoken does not know (llama3, qwen, ...): the newest OpenAI
            # encoding is a fair approximation, and the report says so.
            encoding = tiktoken.get_encoding("o200k_base")
    except Exception as exc:  # offline: tiktoken could not fetch its encoding file
        return Tokenizer(_chars_over_four,
                         f"chars/4 (tiktoken could not load an encoding: {type(exc).__name__})")

    def count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    return Tokenizer(count, f"tiktoken {encoding.name}")
