"""The one place where a backend may word the cost suggestions (``word_suggestions``,
an optional backend method, see docs/plugins.md). Whatever the backend does, the
suggestions' numbers, order and places stay those the cost model computed, and a
failing backend leaves the catalogue's words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from xops_lens.errors import XopsLensError
from xops_lens.model import Step, Suggestion
from xops_lens.sdk import WordingBackend


def reword_suggestions(backend: Any, suggestions: list[Suggestion], steps: Sequence[Step],
                       warn: Callable[[str], None]) -> list[Suggestion]:
    word = backend.word_suggestions if isinstance(backend, WordingBackend) else None
    if not callable(word) or not suggestions:
        return suggestions
    name = getattr(backend, "name", "backend")
    try:
        worded = list(word(list(suggestions), steps))
    except XopsLensError as exc:
        problem = str(exc)
    except Exception as exc:  # a plugin's bug must not lose the suggestions
        problem = f"{type(exc).__name__}: {exc}"
    else:
        if len(worded) == len(suggestions) and all(
                isinstance(new, Suggestion) and new.id == old.id and new.numbers == old.numbers
                and new.applies_to == old.applies_to and new.confidence == old.confidence
                for new, old in zip(worded, suggestions)):
            return worded
        problem = "it changed more than the words"
    warn(f"backend {name!r} could not word the suggestions ({problem}); the catalogue's "
         "words are kept")
    return suggestions
