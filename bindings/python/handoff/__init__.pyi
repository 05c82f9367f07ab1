# Type stubs for the handoff package (the module handoff._handoff, re-exported).
from enum import Enum
from os import PathLike
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

__version__: str
protocol_version: int

Event = dict[str, Any]
"""An event of docs/protocol.md: a dict with a string `type`."""

class Error(RuntimeError):
    """Every error of handoff's (a configuration, a model file...)."""

class StoreError(Error):
    """A store that cannot be opened, written or read."""

class ConversationState(Enum):
    bot: int
    queued: int
    offered: int
    assigned: int
    resolved: int
    closed: int

class TranscriptEntry:
    """One line of a conversation's transcript."""
    @property
    def role(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def at(self) -> str: ...
    @property
    def agent(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def intent(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def sentiment(self) -> Optional[float]: ...
    @property
    def kind(self) -> str: ...

class Conversation:
    """A conversation as the engine knows it."""
    @property
    def id(self) -> str: ...
    @property
    def state(self) -> ConversationState: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def customer_name(self) -> str: ...
    @property
    def tier(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def queue(self) -> str: ...
    @property
    def agent(self) -> str: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def feedback_score(self) -> Optional[int]: ...
    @property
    def transcript(self) -> list[TranscriptEntry]: ...
    def to_dict(self) -> dict[str, Any]: ...

class Agent:
    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def skills(self) -> list[str]: ...
    @property
    def capacity(self) -> int: ...
    @property
    def level(self) -> int: ...
    @property
    def languages(self) -> list[str]: ...
    @property
    def conversations(self) -> list[str]: ...

class IntentMatcher:
    """An intent matcher written in Python: derive from it and define `read`.

    Named in Engine(matchers={name: instance}) and in the configuration's
    understanding.matchers. One instance serves one engine. It runs outside
    the engine's lock, with the GIL.
    """
    def __init__(self) -> None: ...
    @property
    def name(self) -> str: ...
    def read(self, text: str, language: str) -> Optional[Mapping[str, float]]:
        """The normalised message and its language -> {intent id: confidence in [0, 1]}."""

class StoredEvent:
    """An input event the engine accepted, as kept."""
    sequence: int
    at: str
    conversation: str
    event: str
    effects: str
    def __init__(self, sequence: int = 0, at: str = "1970-01-01T00:00:00Z", conversation: str = "",
                 event: str = "", effects: str = "[]") -> None: ...

class Snapshot:
    """A conversation as it stands after the last event that touched it.

    `json` holds it without its transcript, which the store keeps line by line.
    """
    id: str
    state: str
    updated: str
    json: str
    def __init__(self, id: str, state: str, updated: str, json: str) -> None: ...

class Store:
    """Where the engine keeps what it must not lose, written in Python: derive from it.

    An exception from any method is the store failing: the engine answers
    the event with storage_failed and keeps nothing of it.
    """
    def __init__(self) -> None: ...
    def append(self, event: StoredEvent) -> int:
        """Queues the event; returns its sequence number (1, 2, 3...)."""
    def put_snapshot(self, snapshot: Snapshot) -> None: ...
    def append_transcript(self, conversation: str, first: int, lines: list[str]) -> None:
        """Queues transcript lines first, first+1...; lines kept from `first` on are replaced by these."""
    def commit(self) -> None:
        """Makes everything queued since the last commit durable, all or nothing."""
    def replay(self, after: int) -> Iterable[StoredEvent]:
        """Every event after `after`, in order."""
    def conversation_events(self, id: str) -> list[StoredEvent]: ...
    def snapshot(self, id: str) -> Optional[Snapshot]: ...
    def transcript(self, id: str) -> list[str]:
        """The conversation's transcript lines (JSON objects as text), in order."""
    def open_conversations(self) -> list[str]: ...

Action = Callable[[dict[str, Any]], Union[None, str, Mapping[str, Any]]]
Scorer = Callable[[str, str], Mapping[str, float]]

class Engine:
    """The engine: events in (dicts, as in docs/protocol.md), events out (a list of dicts)."""
    def __init__(
        self,
        config: Union[str, "PathLike[str]", Mapping[str, Any]],
        start: str = "",
        store: Union[str, Store] = "memory",
        actions: Mapping[str, Action] = ...,
        recommender: Optional[Callable[[dict[str, Any]], Union[None, str, Mapping[str, Any]]]] = None,
        sentiment: Optional[Callable[[str, str], Union[float, Mapping[str, float]]]] = None,
        matchers: Mapping[str, Union[IntentMatcher, Scorer, Mapping[str, Any]]] = ...,
        commit_each_event: bool = True,
    ) -> None: ...
    def handle(self, event: Union[Event, str, bytes]) -> list[Event]:
        """Handles one event; a bad one gives an `error` event, never an exception."""
    def commit(self) -> None: ...
    def next_due(self) -> Optional[str]: ...
    def tick(self, at: Optional[str] = None) -> list[Event]: ...
    def conversation(self, id: str) -> Optional[Conversation]: ...
    def agent(self, id: str) -> Optional[Agent]: ...
    @property
    def open_conversations(self) -> int: ...
    def metrics(self) -> Optional[Event]: ...
    @property
    def now(self) -> str: ...

class Model:
    """The statistical intent matcher's model."""
    @staticmethod
    def train(examples: Iterable[tuple[str, str]], out_of_scope: Iterable[str] = ..., seed: int = 1,
              epochs: int = 0, feature_dropout: float = -1.0) -> "Model": ...
    def calibrate(self, held_back: Iterable[tuple[str, str]]) -> None: ...
    @property
    def labels(self) -> list[str]: ...
    threshold: float
    bias_scale: float
    def unknown_share(self, text: str) -> float: ...
    def predict(self, text: str) -> dict[str, Any]: ...
    def probabilities(self, text: str) -> list[float]: ...
    def predict_many(self, texts: Sequence[str]) -> list[dict[str, Any]]: ...
    def evaluate(self, examples: Iterable[tuple[str, str]]) -> dict[str, Any]: ...
    def save(self, path: Union[str, "PathLike[str]"]) -> None: ...
    @staticmethod
    def load(path: Union[str, "PathLike[str]"]) -> "Model": ...

def redact(text: str, kinds: Sequence[str] = ...) -> str: ...
