"""What plugin objects look like: the protocols behind the three registration hooks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO, runtime_checkable

from xops_lens.errors import Declined, ParseError
from xops_lens.hookspecs import hookimpl
from xops_lens.model import Classification, Job, Pipeline, Source, Step, Suggestion, Trigger

if TYPE_CHECKING:
    from xops_lens.config import UserSettings
    from xops_lens.result import ScanResult

__all__ = [
    "Backend",
    "BackendContext",
    "BackendUsage",
    "Classification",
    "ConfigurableBackend",
    "ContentClaimingFormat",
    "ContentScopedFormat",
    "Declined",
    "DescribedBackend",
    "Format",
    "Job",
    "MeteredBackend",
    "ParseError",
    "Pipeline",
    "RememberingBackend",
    "ReportOptions",
    "Reporter",
    "Source",
    "Step",
    "Suggestion",
    "Trigger",
    "WordingBackend",
    "hookimpl",
]


@runtime_checkable
class Format(Protocol):
    """A CI format: which files it claims and how it turns one into a Pipeline.

    ``claims`` is called for every file in the tree, so it must be cheap (path only).
    ``entry`` tells whether a claimed file is analysed on its own even when another
    file of the same format already includes it (False for fragments such as GitLab
    include files, which are analysed alone only when nothing includes them).
    ``parse`` raises ParseError for a broken file, or Declined when the content shows
    the file is not of this format after all; a declined file goes to the next format
    (in registration order) that claims it too. Every ``Step.kind_hint`` must be a kind
    of the taxonomy, else the file fails, naming the plugin.
    """

    name: str
    globs: tuple[str, ...]

    def claims(self, path: str) -> bool: ...

    def entry(self, path: str) -> bool: ...

    def parse(self, source: Source) -> Pipeline: ...


@runtime_checkable
class ContentClaimingFormat(Protocol):
    """A format that can also tell its configuration by its content (optional).

    ``claims_content(path, text)`` is asked about the YAML files (``.yml``, ``.yaml``)
    that no format claims by path nor by ``formats.<name>.paths``, outside
    ``ignore.paths``, no larger than ``xops_lens.claims.MAX_FILE_BYTES`` (see that module
    for the scan's bounds), with their text. It is asked about every such file of a large
    tree, so it must answer cheaply (a look at the text before any parse) and say yes
    only to a file shaped like nothing but its configuration; it must not raise. The
    first format (in registration order) that says yes reads the file, as if it had
    claimed it by path. An optional ``content_claims`` string says which files, for
    ``xops-lens formats`` ("YAML files of other names holding Tekton resources").
    """

    def claims_content(self, path: str, text: str) -> bool: ...


@runtime_checkable
class ContentScopedFormat(Protocol):
    """A content-claiming format whose look depends on the tree (optional).

    ``claims_content_in(tree)`` is asked once per scan, with every path of the scanned
    tree, before any file is shown to ``claims_content``; False, and the format is shown
    no file's content in this scan. GitLab CI's answer: only in a tree without
    ``.gitlab-ci.yml``, whose includes otherwise say which files under ``.gitlab/`` are
    configuration. It must be cheap and must not raise.
    """

    def claims_content_in(self, tree: AbstractSet[str]) -> bool: ...


@runtime_checkable
class Backend(Protocol):
    """Labels steps; must return exactly one Classification per step, in order.

    Optional extensions, so simple backends need none: ``configure(context)`` (see
    :class:`ConfigurableBackend`), for a backend that needs settings, and the
    capabilities below (:class:`DescribedBackend`, :class:`RememberingBackend`,
    :class:`MeteredBackend`, :class:`WordingBackend`).
    """

    name: str

    def classify(self, steps: Sequence[Step]) -> list[Classification]: ...


@dataclass(frozen=True)
class BackendContext:
    """What the scan hands ``configure`` before classifying.

    ``config`` holds the merged settings (a backend reads its own table, e.g.
    ``config.get("openai.model")``, and ``config.source_of`` tells whether a value came
    from the scanned repository, which is untrusted in pull-request mode). ``options``
    holds the scan's backend options from the command line (``model``, ``base_url``,
    ``relabel``, ``cache``, ``cache_dir``, ``max_requests``, ``max_tokens``,
    ``estimate``, ``trust_repo_config``; None when not given). ``backends`` are all
    registered backends, so an LLM backend can start from the ``rules`` labels.
    ``warn(message)`` adds one line to the scan's messages.
    """

    root: Path
    config: UserSettings
    options: Mapping[str, Any]
    backends: Mapping[str, Backend]
    warn: Callable[[str], None]


@runtime_checkable
class ConfigurableBackend(Protocol):
    """A backend that needs settings: the scan calls ``configure`` once per scan and
    classifies with the backend it returns (the registered object stays unchanged, so
    one registry can serve scans with different settings). Raise ConfigError for
    settings that cannot work (the command line exits 2 with the message).

    The returned backend may have a ``usage`` attribute (:class:`BackendUsage`); the
    reports then show its request and token counts.
    """

    name: str

    def configure(self, context: BackendContext) -> Backend: ...


@dataclass
class BackendUsage:
    """What a backend that calls a service spent, for the summary and ``--estimate``.

    Step counts: ``steps_selected`` were chosen for the backend, ``distinct_steps`` of
    them differ (identical steps are asked about once), ``cache_hits`` were answered
    from the cache, ``relabelled`` got the backend's label, ``fallbacks`` kept the rule
    label (budget, failures, invalid answers). ``estimate`` means nothing was sent and
    ``requests``/tokens are a forecast, counted with ``tokenizer``. Requests and tokens
    include the wording of the cost suggestions; ``suggestions_reworded`` of them got
    the model's words.
    """

    backend: str
    model: str | None = None
    relabel: str | None = None
    steps_selected: int = 0
    distinct_steps: int = 0
    planned_requests: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_estimated: bool = False
    cache_hits: int = 0
    relabelled: int = 0
    fallbacks: int = 0
    suggestions_reworded: int = 0
    # Model-proposed replacements (issue 19): requests sent (or planned under
    # --estimate) and proposals the tool accepted.
    proposal_requests: int = 0
    suggestions_proposed: int = 0
    budget_stop: str | None = None
    estimate: bool = False
    tokenizer: str | None = None
    # "local" (this machine or a private network) or "hosted": decides the timeout.
    endpoint: str | None = None
    timeout: float | None = None  # the longest per-request timeout used (or planned)
    timeout_basis: str | None = None  # how that timeout was chosen, in words
    request_seconds: float = 0.0  # wall time spent waiting for answers, all requests
    slowest_request: float = 0.0
    reasks: int = 0  # requests that asked again for steps a partial answer left out
    rejected_entries: int = 0  # answer entries dropped one by one (bad id, kind, value)


# What a backend can do beyond ``classify``, each declared here so that a plugin's backend
# can do it as the built-ins do; the scan and the CLI ask ``isinstance(backend, ...)`` and
# never name a backend class.

@runtime_checkable
class DescribedBackend(Protocol):
    """Describes itself: ``description`` is the line ``xops-lens backends`` prints (else
    the class docstring's first line)."""

    description: str


@runtime_checkable
class RememberingBackend(Protocol):
    """Can label steps in forked worker processes. A backend whose label of a step
    depends on the step alone, computed locally (no service, no budget), declares
    ``remember``: on a large tree (Linux, fork) the scan parses entry files in worker
    processes that inherit a copy of the backend and call its ``classify``; the labels
    come back to the scan's own copy through ``remember(steps, labels)``, which keeps
    them (a cache), so that the scan's one ``classify`` of every step answers them
    without classifying again. ``remember`` must change no answer, only who computed
    it. A backend without it is only ever called once, in the scan's process."""

    name: str

    def classify(self, steps: Sequence[Step]) -> list[Classification]: ...

    def remember(self, steps: Sequence[Step], labels: Sequence[Classification]) -> None: ...


@runtime_checkable
class MeteredBackend(Protocol):
    """Reports what it spent: ``usage`` (a :class:`BackendUsage`, None before a scan) is
    shown by the terminal summary, the JSON's ``summary.llm`` and ``--estimate``."""

    usage: BackendUsage | None


@runtime_checkable
class WordingBackend(Protocol):
    """Words the cost suggestions for the scanned pipeline (see xops_lens/reword.py):
    returns the same suggestions, numbers, places and order with other words."""

    def word_suggestions(self, suggestions: Sequence[Suggestion],
                         steps: Sequence[Step]) -> list[Suggestion]: ...


@dataclass(frozen=True)
class ReportOptions:
    """How the user asked for the report; a reporter ignores what does not apply to it."""

    quiet: bool = False
    # --color / --no-color: True or False; None leaves it to the terminal and to
    # NO_COLOR / FORCE_COLOR (rich's rules). Only the terminal reporter colours.
    color: bool | None = None
    # --category: SARIF's automationDetails.id (code scanning's category for this run).
    category: str | None = None


@runtime_checkable
class Reporter(Protocol):
    """Renders a finished scan for people or programs."""

    name: str

    def render(self, result: ScanResult, stream: TextIO, options: ReportOptions) -> None: ...
