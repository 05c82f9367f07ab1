"""Python classes implementing handoff's C++ interfaces: an intent matcher
and a store; and dicts turned into events in C++."""

import json
import os
import pathlib
import warnings

import pytest

import handoff

ROOT = pathlib.Path(os.environ.get("HANDOFF_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
SHOP = ROOT / "examples/shop/bot.json"
NINE = "2025-01-06T09:00:00Z"
AGENT = {"type": "agent_status", "agent": "a1", "status": "online", "skills": ["general", "care", "senior"],
         "capacity": 2}


def shop_dict(matchers):
    config = json.loads(SHOP.read_text())
    for action in config["actions"].values():
        if isinstance(action, dict) and "file" in action:
            action["file"] = str(SHOP.parent / action["file"])
    config["understanding"]["matchers"] = matchers
    config["intents"].append({"id": "weather", "examples": {"en": ["what's the weather"]},
                              "answer": {"en": "Sunny, says Python.", "zh": "晴。"}})
    return config


class Weather(handoff.IntentMatcher):
    """Knows one thing: umbrellas are about the weather."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def read(self, text, language):
        self.seen.append((text, language))
        if "umbrella" in text:
            return {"weather": 0.97, "no_such_intent": 1.0}
        return {}


def test_a_python_class_is_an_intent_matcher():
    weather = Weather()
    bot = handoff.Engine(shop_dict(["weather"]), start=NINE, matchers={"weather": weather})
    assert weather.name == "weather"
    out = bot.handle({"type": "customer_message", "conversation": "w", "text": "Do I need an UMBRELLA today?"})
    assert out[0]["text"] == "Sunny, says Python."
    assert out[0]["intent"] == "weather"
    assert weather.seen[-1] == ("do i need an umbrella today?", "en")  # normalised, with its language
    out = bot.handle({"type": "customer_message", "conversation": "w", "text": "tell me a story"})
    assert out[0]["kind"] == "fallback"


def test_a_python_matcher_that_fails_has_no_opinion():
    class Broken(handoff.IntentMatcher):
        def read(self, text, language):
            raise RuntimeError("the model server is down")

    bot = handoff.Engine(shop_dict(["keywords", "broken"]), start=NINE, matchers={"broken": Broken()})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = bot.handle({"type": "customer_message", "conversation": "b",
                          "text": "what are your opening hours on the second day of the new year"})
    assert out[0]["intent"] == "opening_hours"  # the keywords' phrase stands
    assert any("the matcher failed" in str(w.message) for w in caught)


class ListStore(handoff.Store):
    """Everything in Python lists: what a host's own database would do."""

    def __init__(self, fail_commit=False):
        super().__init__()
        self.events, self.pending, self.snapshots, self.pending_snapshots = [], [], {}, []
        self.lines, self.pending_lines = {}, []
        self.fail_commit = fail_commit

    def append(self, event):
        event.sequence = len(self.events) + len(self.pending) + 1
        self.pending.append(handoff.StoredEvent(event.sequence, event.at, event.conversation, event.event,
                                                event.effects))
        return event.sequence

    def put_snapshot(self, snapshot):
        self.pending_snapshots.append(snapshot)

    def append_transcript(self, conversation, first, lines):
        self.pending_lines.append((conversation, first, lines))

    def commit(self):
        if self.fail_commit:
            self.pending, self.pending_snapshots, self.pending_lines = [], [], []
            raise OSError("disk full")
        self.events += self.pending
        for s in self.pending_snapshots:
            self.snapshots[s.id] = s
        for conversation, first, lines in self.pending_lines:
            kept = self.lines.setdefault(conversation, [])
            del kept[first:]
            kept += lines
        self.pending, self.pending_snapshots, self.pending_lines = [], [], []

    def replay(self, after):
        return [e for e in self.events if e.sequence > after]

    def conversation_events(self, id):
        return [e for e in self.events if e.conversation == id]

    def snapshot(self, id):
        return self.snapshots.get(id)

    def transcript(self, id):
        return self.lines.get(id, [])

    def open_conversations(self):
        return [i for i, s in self.snapshots.items() if s.state != "closed"]


def test_a_python_class_is_a_store_and_an_engine_carries_on_from_it():
    kept = ListStore()
    bot = handoff.Engine(str(SHOP), start=NINE, store=kept)
    bot.handle(AGENT)
    bot.handle({"type": "customer_message", "conversation": "c1", "text": "转人工", "message_id": "m1"})
    assert [e.sequence for e in kept.events] == [1, 2]
    assert json.loads(kept.events[1].event)["text"] == "转人工"
    assert kept.snapshots["c1"].state == "assigned"
    assert "transcript" not in json.loads(kept.snapshots["c1"].json)
    assert json.loads(kept.lines["c1"][0])["text"] == "转人工"
    del bot
    again = handoff.Engine(str(SHOP), start=NINE, store=kept)
    assert again.conversation("c1").agent == "a1"
    out = again.handle({"type": "agent_message", "agent": "a1", "conversation": "c1", "text": "still here"})
    assert [e["type"] for e in out] == ["agent_message"]
    assert len(kept.events) == 3
    # The restarted engine carries the line count on: the agent's reply is the next line, not line 0.
    assert [json.loads(line)["role"] for line in kept.transcript("c1")][-1] == "agent"
    assert len(kept.transcript("c1")) == len(again.conversation("c1").transcript)


def test_a_python_store_that_fails_keeps_nothing_and_the_engine_says_so():
    kept = ListStore(fail_commit=True)
    bot = handoff.Engine(str(SHOP), start=NINE, store=kept)
    out = bot.handle({"type": "customer_message", "conversation": "c1", "text": "你好"})
    assert out[0]["type"] == "error" and out[0]["code"] == "storage_failed"
    assert "disk full" in out[0]["message"]
    assert kept.events == []
    assert bot.conversation("c1") is None  # as if the message had not come


def test_dicts_become_events_in_cpp_and_odd_ones_are_refused():
    bot = handoff.Engine(str(SHOP), start=NINE)
    deep = {"type": "customer_message", "conversation": "c1", "text": "hi"}
    nested = {}
    inner = nested
    for _ in range(100):
        inner["x"] = {}
        inner = inner["x"]
    deep["customer"] = {"id": "u", "attributes": nested}
    out = bot.handle(deep)
    assert out[0]["type"] == "error" and "deeper" in out[0]["message"]
    out = bot.handle({"type": "customer_message", "conversation": "c1", "text": "hi", 7: "seven"})
    assert out[0]["type"] == "error" and "keys must be strings" in out[0]["message"]
    out = bot.handle({"type": "customer_message", "conversation": "c1", "text": {1, 2}})
    assert out[0]["type"] == "error"
    out = bot.handle({"type": "agent_status", "agent": "a1", "status": "online", "skills": ("general",)})
    assert out == []
    out = bot.handle({"type": "customer_message", "conversation": "c1", "text": "hi \udcff"})
    assert out[0]["type"] == "error"
    out = bot.handle(b'{"type":"customer_message","conversation":"c1","text":"hello"}')
    assert out[0]["type"] == "bot_message"
