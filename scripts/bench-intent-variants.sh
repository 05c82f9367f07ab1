#!/usr/bin/env bash
# Intent matching side by side on data sets of other shapes derived from one
# (scripts/intent-variants.py: small, imbalanced, no oos_train, few intents,
# held-out intents), and on the demo bot's messages written as two data sets
# of a few hundred (scripts/demo-data-set.py: demo_zh, demo_en), to see
# whether the figures hold beyond the set the matcher was developed on.
# Prints "== VARIANT" and then one JSON line per model, as
# scripts/bench-intents.sh does.
#   scripts/bench-intent-variants.sh [DATASET.json] [--seed N]
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/clinc150.json}
shift || true
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/python3 scripts/intent-variants.py "$data" "$out" "$@"
/usr/bin/python3 scripts/demo-data-set.py "$out" 2>/dev/null
for variant in small imbalanced no_oos_train few_intents held_out demo_zh demo_en; do
  echo "== $variant"
  bash scripts/bench-intents.sh "$out/$variant.json"
done
