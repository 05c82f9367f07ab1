"""The Python binding: the protocol in dicts, typed conversations, Python
callbacks (and their failures), stores, the statistical matcher."""

import json
import math
import os
import pathlib
import threading
import time

import pytest

import handoff

ROOT = pathlib.Path(os.environ.get("HANDOFF_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
SHOP = ROOT / "examples/shop/bot.json"
NINE = "2025-01-06T09:00:00Z"
AGENT = {"type": "agent_status", "agent": "a1", "status": "online", "skills": ["general", "care", "senior"],
         "capacity": 2}


def shop(**kwargs):
    return handoff.Engine(str(SHOP), start=NINE, **kwargs)


def shop_dict():
    """The demo's configuration as a dict; its files named by absolute path, since a dict has no directory."""
    config = json.loads(SHOP.read_text())
    for action in config["actions"].values():
        if isinstance(action, dict) and "file" in action:
            action["file"] = str(SHOP.parent / action["file"])
    return config


def types(events):
    return [e["type"] for e in events]


def test_events_in_and_out_as_dicts():
    bot = shop()
    assert bot.handle(AGENT) == []
    out = bot.handle({"type": "customer_message", "conversation": "c1", "text": "转人工"})
    assert types(out)[:2] == ["escalated", "assigned"]
    assert out[1]["agent"] == "a1"
    assert out[1]["context"]["transcript"][0]["text"] == "转人工"
    # A JSON string is the same event.
    out = bot.handle(json.dumps({"type": "agent_message", "agent": "a1", "conversation": "c1", "text": "您好"}))
    assert out == [{"type": "agent_message", "conversation": "c1", "agent": "a1", "text": "您好"}]


def test_bad_input_is_an_error_event_not_an_exception():
    bot = shop()
    assert bot.handle("{not json")[0]["code"] == "invalid_json"
    assert bot.handle({"type": "dance"})[0]["code"] == "unknown_type"
    assert bot.handle({"type": "customer_message", "conversation": "c1"})[0]["code"] == "missing_field"
    out = bot.handle({"type": "agent_message", "agent": "a1", "conversation": "nobody", "text": "hi"})
    assert out[0]["code"] == "unknown_conversation"
    out = bot.handle({"type": "customer_message", "conversation": "c1", "text": "x" * 100000})
    assert out[0]["code"] == "message_too_large"


def test_typed_conversations_and_agents():
    bot = shop()
    bot.handle(AGENT)
    bot.handle({"type": "customer_message", "conversation": "c1", "text": "你好",
                "customer": {"id": "u1", "name": "Li Lei", "tier": "vip"}})
    bot.handle({"type": "customer_message", "conversation": "c1", "text": "转人工"})
    c = bot.conversation("c1")
    assert c.state == handoff.ConversationState.assigned
    assert (c.agent, c.customer_id, c.customer_name, c.tier, c.language) == ("a1", "u1", "Li Lei", "vip", "zh")
    roles = [t.role for t in c.transcript]
    assert roles[0] == "customer" and "bot" in roles
    assert c.transcript[0].text == "你好" and c.transcript[0].at == NINE
    assert c.to_dict()["state"] == "assigned"
    assert bot.conversation("nobody") is None
    a = bot.agent("a1")
    assert a.status == "online" and a.conversations == ["c1"]
    assert bot.open_conversations == 1
    assert bot.metrics()["type"] == "metrics"


def test_configuration_from_a_dict_and_bad_ones():
    config = shop_dict()
    bot = handoff.Engine(config, start=NINE)
    assert types(bot.handle({"type": "customer_message", "conversation": "c1", "text": "hello"})) == ["bot_message"]
    config["queues"] = "nope"
    with pytest.raises(handoff.Error, match="/queues"):
        handoff.Engine(config)
    with pytest.raises(handoff.Error):
        handoff.Engine("/no/such/bot.json")
    with pytest.raises(ValueError):
        handoff.Engine(str(SHOP), start="yesterday")


def test_python_actions_answer_and_their_exceptions_are_contained():
    calls = []

    def lookup(request):
        calls.append(request)
        if request["slots"]["order_number"] == "20250106009":
            raise ValueError("the order service is down")
        return {"outcome": "shipped", "values": {"order_number": request["slots"]["order_number"],
                                                  "item": "围巾", "carrier": "顺丰", "tracking": "SF1", "eta": "明天"}}

    bot = shop(actions={"order_lookup": lookup})
    out = bot.handle({"type": "customer_message", "conversation": "c1", "text": "订单20250106001到哪了"})
    assert "SF1" in out[0]["text"]
    assert calls[0]["intent"] == "order_status" and calls[0]["language"] == "zh"
    out = bot.handle({"type": "customer_message", "conversation": "c2", "text": "订单20250106009到哪了"})
    assert out and out[0]["type"] == "bot_message"  # the intent's answer for a failed lookup, no crash
    failed = [t.text for t in bot.conversation("c2").transcript if t.role == "system"]
    assert any("the order service is down" in text for text in failed)


def test_python_recommender_sentiment_and_matcher():
    seen = []

    def recommend(request):
        seen.append(request)
        return {"text": "Try our new scarf", "quick_replies": [{"label": "Show me", "value": "show_scarf"}]}

    def mood(text, language):
        return {"score": -0.9, "anger": 0.9} if "grr" in text else 0.0

    config = shop_dict()
    config["understanding"]["matchers"] = ["keywords", "linear", "weather"]
    config["intents"].append({"id": "weather", "examples": {"en": ["what's the weather"]},
                              "answer": {"en": "Sunny, says Python.", "zh": "晴。"}})

    def weather(text, language):
        return {"weather": 0.99} if "umbrella" in text else {}

    bot = handoff.Engine(config, start=NINE, recommender=recommend, sentiment=mood, matchers={"weather": weather})
    out = bot.handle({"type": "customer_message", "conversation": "w", "text": "do I need an umbrella today"})
    assert out[0]["text"] == "Sunny, says Python."
    bot.handle(AGENT)
    out = bot.handle({"type": "customer_message", "conversation": "s", "text": "grr grr this is awful"})
    assert "escalated" in types(out)
    bot.handle({"type": "agent_release", "agent": "a1", "conversation": "s", "outcome": "resolved"})
    out = bot.handle({"type": "feedback", "conversation": "s", "score": 5})
    assert any(e.get("kind") == "recommendation" and e["text"] == "Try our new scarf" for e in out)
    assert seen and seen[0]["score"] == 5


def test_a_python_matcher_may_judge_that_a_message_fits_no_intent():
    config = shop_dict()
    config["understanding"]["matchers"] = ["keywords", "embed"]

    def embed(text, language):  # scores every intent; here nothing fits
        return {}

    ask = {"type": "customer_message", "conversation": "c", "text": "translate hello into french"}
    # By default a Python matcher's silence is no opinion: the keyword stands.
    bot = handoff.Engine(config, start=NINE, matchers={"embed": embed})
    assert bot.handle(ask)[0].get("intent") == "greeting"
    # One that scores every intent can say that nothing fits.
    bot = handoff.Engine(config, start=NINE, matchers={"embed": {"score": embed, "judges_scope": True}})
    assert bot.handle(ask)[0]["kind"] == "fallback"
    # ... unless it nearly chose the keyword's intent (80% of its threshold).
    near = {"score": lambda text, language: {"greeting": 0.45}, "threshold": 0.5, "judges_scope": True}
    bot = handoff.Engine(config, start=NINE, matchers={"embed": near})
    assert bot.handle(ask)[0].get("intent") == "greeting"
    with pytest.raises(ValueError, match="unknown key"):
        handoff.Engine(config, start=NINE, matchers={"embed": {"score": embed, "judge": True}})
    with pytest.raises(ValueError, match="threshold"):
        handoff.Engine(config, start=NINE, matchers={"embed": {"score": embed, "threshold": 2}})
    with pytest.raises(TypeError, match="not a function"):
        handoff.Engine(config, start=NINE, matchers={"embed": 42})


def test_a_sqlite_store_outlives_the_engine(tmp_path):
    path = f"sqlite:{tmp_path / 'shop.db'}"
    bot = shop(store=path)
    bot.handle(AGENT)
    bot.handle({"type": "customer_message", "conversation": "c1", "text": "转人工", "message_id": "m1"})
    del bot
    again = shop(store=path)
    assert again.conversation("c1").agent == "a1"
    out = again.handle({"type": "agent_message", "agent": "a1", "conversation": "c1", "text": "still here"})
    assert types(out) == ["agent_message"]
    with pytest.raises(handoff.StoreError, match="not a SQLite database|not a handoff store"):
        (tmp_path / "text.db").write_text("hello " * 100)
        shop(store=f"sqlite:{tmp_path / 'text.db'}")


def examples():
    items = []
    for label, texts in {"order": ["where is my order", "track my parcel", "has my package shipped",
                                   "我的快递到哪了", "查物流"],
                         "refund": ["i want a refund", "money back please", "how do i return this",
                                    "我要退款", "怎么退货"],
                         "hours": ["when are you open", "opening hours", "are you open sunday",
                                   "几点上班", "营业时间"]}.items():
        items += [(t, label) for t in texts]
    return items


def test_training_predicting_and_model_files(tmp_path):
    model = handoff.Model.train(examples(), seed=3)
    assert sorted(model.labels) == ["hours", "order", "refund"]
    p = model.predict("where's my parcel")
    assert p["label"] == "order" and 0 <= p["confidence"] <= 1
    # Every label's share of the softmax, in the order of `labels`; the best
    # label's log-probability is the prediction's margin.
    shares = model.probabilities("where's my parcel")
    assert len(shares) == len(model.labels) and abs(sum(shares) - 1) < 1e-4
    assert model.labels[shares.index(max(shares))] == "order"
    # (The shares are floats: near 1, their log is only good to about 1e-7.)
    assert math.isclose(math.log(max(shares)), p["margin"], rel_tol=1e-3, abs_tol=1e-6)
    many = model.predict_many(["我要退款", "opening hours", "where is my order"])
    assert [x["label"] for x in many] == ["refund", "hours", "order"]
    assert many[2] == model.predict("where is my order")
    again = handoff.Model.train(examples(), seed=3)
    assert again.predict("refund")["confidence"] == model.predict("refund")["confidence"]
    model.calibrate(examples() + [("tell me a joke", "oos"), ("what is the capital of France", "oos")])
    model.threshold = 0.4
    report = model.evaluate([("track my order", "order"), ("the meaning of life", "oos")])
    assert report["in_scope"] == 1 and report["out_of_scope"] == 1
    model.save(tmp_path / "m.bin")
    loaded = handoff.Model.load(tmp_path / "m.bin")
    assert loaded.predict("查物流") == model.predict("查物流")
    (tmp_path / "bad.bin").write_bytes((tmp_path / "m.bin").read_bytes()[:100])
    with pytest.raises(handoff.Error, match="truncated|checksum"):
        handoff.Model.load(tmp_path / "bad.bin")
    with pytest.raises(handoff.Error):
        handoff.Model.train([("only one label", "x")])
    # Texts that belong to no intent flatten the scores of messages like them.
    elsewhere = ["where is the train station", "what time is it in tokyo", "火车站在哪里"]
    taught = handoff.Model.train(examples(), out_of_scope=elsewhere, seed=3)
    plain = handoff.Model.train(examples(), seed=3)
    assert taught.predict("where is the bus station")["margin"] < plain.predict("where is the bus station")["margin"]
    assert taught.predict("我要退款")["label"] == "refund"
    # Words it never learnt (one seen in a single example is dropped, so
    # unknown too), and how much of the labels' bias it uses.
    assert plain.unknown_share("are you open") == 0
    assert plain.unknown_share("open quasar") == 0.5
    assert plain.unknown_share("退款") == 0.5  # 款 is in one example only
    assert plain.bias_scale == 1
    plain.bias_scale = 0
    assert plain.bias_scale == 0
    plain.bias_scale = float("nan")  # would make every score NaN: taken as 0
    assert plain.bias_scale == 0 and math.isfinite(plain.predict("refund")["margin"])
    assert plain.predict("我要退款")["label"] == "refund"


def test_long_work_releases_the_gil():
    # A Python thread keeps counting while C++ trains: the GIL is released.
    big = [(f"{t} number {i}", label) for i in range(300) for t, label in examples()]
    count = 0
    stop = threading.Event()

    def tick():
        nonlocal count
        while not stop.is_set():
            count += 1
            time.sleep(0.0005)

    thread = threading.Thread(target=tick)
    thread.start()
    time.sleep(0.05)
    before = count
    started = time.perf_counter()
    handoff.Model.train(big, epochs=20)
    took = time.perf_counter() - started
    during = count - before
    stop.set()
    thread.join()
    assert took > 0.05, took  # long enough to tell
    assert during > 10, (during, took)


def test_redact():
    assert handoff.redact("card 4111 1111 1111 1111, mail a@b.cn") == "card [card], mail [email]"
    assert handoff.redact("tel 13812345678", ["card"]) == "tel 13812345678"
    with pytest.raises(ValueError):
        handoff.redact("x", ["passport"])


def test_a_real_clock_ticks_when_something_falls_due():
    bot = shop()
    assert bot.next_due() is None
    bot.handle({"type": "customer_message", "conversation": "c9", "text": "hello", "at": "2025-01-06T09:00:00Z"})
    assert bot.next_due() == "2025-01-06T09:05:00Z"  # the demo reminds a silent customer after 300 s
    assert bot.tick("2025-01-06T09:04:59Z") == []
    out = bot.tick("2025-01-06T09:05:00Z")
    assert [e["kind"] for e in out] == ["notice"]
    with pytest.raises(handoff.Error, match="RFC 3339"):
        bot.tick("tomorrow")
