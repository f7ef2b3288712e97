"""The offline default backend: what well-known programs, actions, tasks and images
mean, plus a small shell reader that finds the command a step exists for.

How a step is judged (TAXONOMY.md is the rubric):

1. A kind the format states (``Step.kind_hint``) is trusted.
2. A reusable unit (``Step.uses``: an action, task, orb or image) is looked up by name;
   units that run a script given in their inputs are judged by that script
   (:mod:`.reusables`).
3. A script is split into commands (:mod:`.shell`); each command gets a kind and a
   *weight* (:mod:`.reader`): 0 for shell chores (print, cd, mkdir), 1 for bookkeeping
   (set env vars, write step outputs, compute a value), 2 for real work. The step takes
   the heaviest command and, among equals, the kind highest in :data:`.hit.KIND_PRIORITY`:
   effects on the world over judging and making things over preparation
   (:mod:`.script`).
4. The step's name, then the job's name, are secondary: they break ties between real
   commands and speak only when the commands cannot be told (:mod:`.words`).

docs/architecture.md maps the modules of this package.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xops_lens.backends.rules.reusables import classify_uses, given_name, plugin_work
from xops_lens.backends.rules.script import classify_script
from xops_lens.backends.rules.shell import split_commands
from xops_lens.backends.rules.words import clip_why, name_kind
from xops_lens.hookspecs import hookimpl
from xops_lens.model import SUBSYSTEM_OF_KIND, Classification, Step

__all__ = ["BACKEND_NAME", "RuleBackend", "classify_script", "classify_step", "classify_uses",
           "given_name", "register_backends", "split_commands"]

BACKEND_NAME = "rules"
CACHE_LIMIT = 100_000


def classify_step(step: Step) -> Classification:
    hint = (step.kind_hint or "").strip().lower()
    if hint in SUBSYSTEM_OF_KIND:
        return Classification(SUBSYSTEM_OF_KIND[hint], hint, 0.95, BACKEND_NAME,
                              f"the format marks it as {hint}")
    if step.uses:
        kind, confidence, why = classify_uses(step)
    elif step.text.strip():
        kind, confidence, why = classify_script(step.text, given_name(step), step.job)
        plugged = plugin_work(step)
        if plugged is not None and SUBSYSTEM_OF_KIND.get(kind) != "action" \
                and kind not in ("test", "lint", "analysis"):
            # the commands prepare; a plugin that runs the test suite is the work
            kind, confidence, why = plugged
    else:
        found = name_kind(given_name(step))
        if found is not None:
            kind, confidence, why = found[0], 0.4, clip_why(f"step name says {found[1]}")
        else:
            kind, confidence, why = "build", 0.2, "nothing to read; counted as build"
    if kind == "unknown":
        kind, confidence = "build", min(confidence, 0.25)
    return Classification(SUBSYSTEM_OF_KIND[kind], kind,
                          round(calibrated(min(max(confidence, 0.0), 1.0)), 3),
                          BACKEND_NAME, clip_why(why))


# The rules' own certainty, put on the scale every backend answers on (docs/taxonomy.md,
# "Confidence"): 0.8 and above means the subsystem is right about 19 times in 20. On
# the 2,800 labelled steps of dev.tsv, the held-out sets and the blind samples wild4
# and wild5, the rules were right on the subsystem for 97% of the steps they gave 0.65
# or more, and for 85% of those at 0.6 to 0.65 (bench/calibration.py prints the table).
# Up to 0.5 ("purpose unclear" and name-only guesses) the raw figure is kept.
CONFIDENT = 0.8
CALIBRATION: tuple[tuple[float, float], ...] = ((0.0, 0.0), (0.5, 0.5), (0.65, CONFIDENT),
                                                (1.0, 1.0))


def calibrated(raw: float) -> float:
    """The rules' raw certainty on the product's scale: straight lines between the
    CALIBRATION points (raw, reported)."""
    for (x0, y0), (x1, y1) in zip(CALIBRATION, CALIBRATION[1:]):
        if raw <= x1:
            return y0 + (raw - x0) * (y1 - y0) / (x1 - x0)
    return 1.0


class RuleBackend:
    """Offline classification from tables; fast, deterministic, no network."""

    name = BACKEND_NAME

    def __init__(self) -> None:
        self._cache: dict[tuple[object, ...], Classification] = {}

    def classify(self, steps: Sequence[Step]) -> list[Classification]:
        out: list[Classification] = []
        cache = self._cache
        for step in steps:
            key = _key(step)
            label = cache.get(key)
            if label is None:
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                label = cache[key] = classify_step(step)
            out.append(label)
        return out

    def remember(self, steps: Sequence[Step], labels: Sequence[Classification]) -> None:
        """Take ``labels`` that another copy of this backend gave ``steps`` (a scan's
        worker process) into the cache, so that :meth:`classify` answers them without
        classifying again. The label depends only on the cache key, so this changes no
        answer, only who computed it."""
        cache = self._cache
        for step, label in zip(steps, labels, strict=True):
            if len(cache) >= CACHE_LIMIT:
                return  # the rest are classified again when asked: same labels
            cache.setdefault(_key(step), label)


def _key(step: Step) -> tuple[object, ...]:
    """Everything :func:`classify_step` reads of a step: equal keys, equal labels."""
    return (step.uses, step.text, step.name, step.inputs, step.kind_hint, step.job)


@hookimpl
def register_backends(register: Callable[[RuleBackend], None]) -> None:
    register(RuleBackend())
