"""handoff: the bot side of customer support, and the handoff to a human.

    import handoff
    bot = handoff.Engine("examples/shop/bot.json", start="2025-01-06T09:00:00Z")
    for event in bot.handle({"type": "customer_message", "conversation": "c1", "text": "转人工"}):
        print(event)

Events are dicts with the names of docs/protocol.md; see help(handoff.Engine).
Python classes may be intent matchers (handoff.IntentMatcher) and stores
(handoff.Store).
"""

from ._handoff import (  # noqa: F401
    Agent,
    Conversation,
    ConversationState,
    Engine,
    Error,
    IntentMatcher,
    Model,
    Snapshot,
    Store,
    StoredEvent,
    StoreError,
    TranscriptEntry,
    __version__,
    protocol_version,
    redact,
)

__all__ = [
    "Agent",
    "Conversation",
    "ConversationState",
    "Engine",
    "Error",
    "IntentMatcher",
    "Model",
    "Snapshot",
    "Store",
    "StoredEvent",
    "StoreError",
    "TranscriptEntry",
    "protocol_version",
    "redact",
]
