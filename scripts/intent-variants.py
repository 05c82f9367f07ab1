#!/usr/bin/env python3
"""Derive data sets of other shapes from one intent data set (CLINC150's
shape: train, val, test, oos_train, oos_val, oos_test, each a list of
[text, label]), to see whether a matcher's figures hold beyond the set it was
developed on. Standard library only; deterministic for a seed.

    scripts/intent-variants.py DATASET.json OUTDIR [--seed N]

Writes OUTDIR/<variant>.json for each variant:

  small        at most 50 training messages per intent (as CLINC150's "small")
  imbalanced   25, 50, 75 or 100 training messages per intent, drawn per intent
  no_oos_train no out-of-scope training messages
  few_intents  15 intents drawn at random; the out-of-scope lists unchanged
  held_out     a fifth of the intents drawn at random become the out-of-scope
               messages of val and test (near the domain, unlike CLINC150's
               own); the data set's oos_train stays, so what the model learns
               as out of scope is not what it is tested on
"""
import json
import random
import sys
from collections import defaultdict


def by_label(pairs):
    groups = defaultdict(list)
    for text, label in pairs:
        groups[label].append([text, label])
    return groups


def capped(pairs, caps):
    kept = []
    for label, items in sorted(by_label(pairs).items()):
        kept.extend(items[: caps(label)])
    return kept


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
    data = json.load(open(argv[1], encoding="utf-8"))
    out = argv[2]
    rng = random.Random(seed)
    labels = sorted({label for _, label in data["train"]})
    for key in ("oos_train", "oos_val", "oos_test"):
        data.setdefault(key, [])

    variants = {}
    variants["small"] = dict(data, train=capped(data["train"], lambda _: 50))
    sizes = {label: rng.choice([25, 50, 75, 100]) for label in labels}
    variants["imbalanced"] = dict(data, train=capped(data["train"], sizes.get))
    variants["no_oos_train"] = dict(data, oos_train=[])

    chosen = set(rng.sample(labels, min(15, len(labels))))
    variants["few_intents"] = dict(
        data, **{k: [p for p in data[k] if p[1] in chosen] for k in ("train", "val", "test")}
    )

    held = set(rng.sample(labels, len(labels) // 5))
    inside = lambda k: [p for p in data[k] if p[1] not in held]
    outside = lambda k: [[t, "oos"] for t, l in data[k] if l in held]
    variants["held_out"] = {
        "train": inside("train"),
        "val": inside("val"),
        "test": inside("test"),
        "oos_train": data["oos_train"],
        "oos_val": outside("val"),
        "oos_test": outside("test"),
    }

    for name, variant in variants.items():
        with open(f"{out}/{name}.json", "w", encoding="utf-8") as f:
            json.dump(variant, f, ensure_ascii=False)
        sizes_line = ", ".join(f"{k} {len(v)}" for k, v in variant.items())
        print(f"{name}: {sizes_line}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
