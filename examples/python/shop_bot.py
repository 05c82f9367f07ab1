#!/usr/bin/env python3
"""The demo shop bot, run from Python, with its order lookup written in Python.

    python3 examples/python/shop_bot.py            # chat in the terminal (you are the customer)
    python3 examples/python/shop_bot.py --script   # a short scripted conversation, checked

Install the module first (README: "Python"), or run from a build tree with
PYTHONPATH=build/bindings/python.
"""

import argparse
import os
import pathlib
import sys

import handoff

ROOT = pathlib.Path(os.environ.get("HANDOFF_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))

# The shop's orders, as a real shop would fetch them from its database.
ORDERS = {
    "20250106001": {"status": "shipped", "item": "玻尿酸保湿精华 30ml", "item_en": "hyaluronic serum, 30 ml",
                    "carrier": "顺丰速运", "carrier_en": "SF Express", "tracking": "SF1234567890", "eta": "2025-01-08"},
    "20250106002": {"status": "paid", "item": "羊毛围巾（燕麦色）", "item_en": "wool scarf, oatmeal"},
}

lookups = []


def order_lookup(request):
    """Called by the bot once it has the order number: returns the outcome that picks the answer, and
    the values its text fills in."""
    number = request["slots"].get("order_number", "")
    lookups.append(number)
    order = ORDERS.get(number)
    if order is None:
        return "not_found"
    return {"outcome": order["status"], "values": {"order_number": number, **order}}


def make_bot():
    return handoff.Engine(str(ROOT / "examples/shop/bot.json"), actions={"order_lookup": order_lookup},
                          start="2025-01-06T09:00:00Z" if "--script" in sys.argv else "")


def say(bot, conversation, text):
    replies = []
    for event in bot.handle({"type": "customer_message", "conversation": conversation, "text": text}):
        if event["type"] == "bot_message":
            replies.append(event["text"])
            labels = [q["label"] for q in event.get("quick_replies", [])]
            print(f"bot  > {event['text']}" + (f"\n       {'  '.join(labels)}" if labels else ""))
        elif event["type"] == "error":
            print(f"  !  {event['code']}: {event['message']}")
        elif event["type"] in ("escalated", "queued", "assigned", "ticket"):
            print(f"  ({event['type']})")
    return replies


def scripted():
    bot = make_bot()
    print("you  > 我的订单到哪了")
    say(bot, "py-1", "我的订单到哪了")
    print("you  > 20250106001")
    answer = say(bot, "py-1", "20250106001")
    assert lookups == ["20250106001"], lookups
    assert any("SF1234567890" in text for text in answer), answer
    print("you  > where is order 20250106002?")
    answer = say(bot, "py-2", "where is order 20250106002?")
    assert any("wool scarf" in text for text in answer), answer
    conversation = bot.conversation("py-1")
    assert conversation.transcript[0].text == "我的订单到哪了"
    print("ok: the Python order lookup answered both customers")


def interactive():
    bot = make_bot()
    print("The shop bot (Python). Ask about an order: 20250106001 or 20250106002. Ctrl-D to leave.")
    for line in sys.stdin:
        if line.strip():
            say(bot, "py-chat", line.strip())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", action="store_true", help="run a short checked conversation")
    args = parser.parse_args()
    scripted() if args.script else interactive()
