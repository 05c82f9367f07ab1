#!/usr/bin/env python3
"""A simulated day at the demo shop's general queue, to see how good the
wait estimates are: customers ask for a person at random (Poisson), agents
take conversations and hold them for random times (log-normal) whose mean
is not the configured one, as in life. For every customer who had to wait,
the first estimate they were told is compared with the wait they had.

    PYTHONPATH=build/bindings/python python3 scripts/simulate-day.py [--seed N] [--json]

Needs the Python module (cmake -DHANDOFF_BUILD_BINDINGS=ON, or
scripts/install-python.sh)."""

import argparse
import datetime
import heapq
import json
import math
import pathlib
import random
import statistics

import handoff

ROOT = pathlib.Path(__file__).resolve().parent.parent


def rfc3339(t):
    return (datetime.datetime(2025, 1, 6, 1, 0, tzinfo=datetime.timezone.utc)  # 09:00 in Beijing
            + datetime.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hours", type=float, default=8)
    parser.add_argument("--per-hour", type=float, default=70, help="customers asking for a person, per hour")
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--capacity", type=int, default=2)
    parser.add_argument("--mean-handle", type=float, default=420, help="true mean handling time, seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    config = json.loads((ROOT / "examples/shop/bot.json").read_text())
    configured = next(q for q in config["queues"] if q["id"] == "general")["average_handle_seconds"]
    bot = handoff.Engine(str(ROOT / "examples/shop/bot.json"), start=rfc3339(0))

    events = []  # (time, order, event)
    order = 0

    def at(t, event):
        nonlocal order
        order += 1
        heapq.heappush(events, (t, order, event))

    for i in range(args.agents):
        at(0, {"type": "agent_status", "agent": f"a{i}", "status": "online", "skills": ["general"],
               "capacity": args.capacity, "languages": ["zh", "en"]})
    t = 0.0
    n = 0
    while True:
        t += rng.expovariate(args.per_hour / 3600)
        if t > args.hours * 3600:
            break
        n += 1
        at(t, {"type": "customer_message", "conversation": f"c{n}", "text": "转人工"})
    sigma = 0.6  # log-normal spread; the mean is --mean-handle
    mu = math.log(args.mean_handle) - sigma * sigma / 2

    first = {}  # conversation -> (time queued, position, estimate)
    waits = {}
    while events:
        t, _, event = heapq.heappop(events)
        event = dict(event, at=rfc3339(t))
        for out in bot.handle(event):
            c = out.get("conversation")
            if out["type"] == "queued" and c not in first:
                first[c] = (t, out["position"], out["estimated_wait_seconds"])
            elif out["type"] == "assigned":
                if c in first:
                    waits[c] = t - first[c][0]
                at(t + rng.lognormvariate(mu, sigma),
                   {"type": "agent_release", "agent": out["agent"], "conversation": c, "outcome": "to_bot"})
    capacity = args.agents * args.capacity
    estimators = {
        "moving average, p x handling / capacity (handoff now)": lambda p, e: e,
        "configured average, p x handling / capacity": lambda p, e: configured * p / capacity,
        "configured average, ceil(p / capacity) x handling (before)": lambda p, e: math.ceil(p / capacity) * configured,
    }
    served = [c for c in waits]
    result = {"customers": n, "waited": len(served), "mean_wait_seconds": statistics.mean(waits.values()) if waits else 0,
              "true_mean_handle_seconds": args.mean_handle, "configured_handle_seconds": configured, "estimators": {}}
    for name, f in estimators.items():
        errors = [f(first[c][1], first[c][2]) - waits[c] for c in served]
        result["estimators"][name] = {
            "mean_absolute_error_seconds": statistics.mean(abs(e) for e in errors),
            "median_absolute_error_seconds": statistics.median(abs(e) for e in errors),
            "mean_error_seconds": statistics.mean(errors),
            "within_60_seconds": sum(abs(e) <= 60 for e in errors) / len(errors),
        }
    if args.json:
        print(json.dumps(result))
        return
    print(f"{n} customers over {args.hours} h; {len(served)} waited, {result['mean_wait_seconds']:.0f} s on average; "
          f"handling {args.mean_handle:.0f} s on average (configured: {configured} s); "
          f"{args.agents} agents x {args.capacity}")
    for name, r in result["estimators"].items():
        print(f"  {name}: mean |error| {r['mean_absolute_error_seconds']:.0f} s, median {r['median_absolute_error_seconds']:.0f} s, "
              f"bias {r['mean_error_seconds']:+.0f} s, within a minute {100 * r['within_60_seconds']:.0f}%")


if __name__ == "__main__":
    main()
