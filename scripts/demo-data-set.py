#!/usr/bin/env python3
"""Write the demo bot's examples and evaluation messages as an intent data
set in CLINC150's shape, one per language: a data set of a few hundred
short, colloquial messages, to measure `handoff eval --data` and the peers
where every intent has a dozen examples.

    scripts/demo-data-set.py OUTDIR

Writes OUTDIR/demo_zh.json and OUTDIR/demo_en.json:

  train      the intents' examples in that language (examples/shop/bot.json)
  oos_train  its `understanding.out_of_scope` messages
  val, test  the messages of tests/data/shop_eval_<lang>.tsv expected to get
             an intent, shuffled (seed 7) and split in halves
  oos_val, oos_test  likewise, those expected to fall back, with
             tests/data/off_topic_<lang>.tsv

Standard library only; deterministic.
"""
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tsv(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" in line and not line.startswith("#"):
                expected, text = line.split("\t", 1)
                rows.append((expected, text))
    return rows


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(ROOT, "examples/shop/bot.json"), encoding="utf-8") as f:
        config = json.load(f)
    for lang in ("zh", "en"):
        train = [[text, intent["id"]] for intent in config["intents"] for text in intent.get("examples", {}).get(lang, [])]
        labels = {label for _, label in train}
        oos_train = [[text, "oos"] for text in config.get("understanding", {}).get("out_of_scope", {}).get(lang, [])]
        rows = tsv(os.path.join(ROOT, f"tests/data/shop_eval_{lang}.tsv"))
        rows += tsv(os.path.join(ROOT, f"tests/data/off_topic_{lang}.tsv"))
        random.seed(7)
        random.shuffle(rows)
        in_scope = [[text, expected] for expected, text in rows if expected in labels]
        out_of_scope = [[text, "oos"] for expected, text in rows if expected == "fallback"]
        half, oos_half = len(in_scope) // 2, len(out_of_scope) // 2
        data = {
            "train": train,
            "val": in_scope[:half],
            "test": in_scope[half:],
            "oos_train": oos_train,
            "oos_val": out_of_scope[:oos_half],
            "oos_test": out_of_scope[oos_half:],
        }
        path = os.path.join(out_dir, f"demo_{lang}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
        sizes = ", ".join(f"{k} {len(v)}" for k, v in data.items())
        print(f"{path}: {sizes}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
