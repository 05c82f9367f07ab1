#!/usr/bin/env bash
# Prediction speed of this build against another revision's, side by side:
# builds REV's command-line tool apart (a git worktree under build/), then
# runs `handoff eval` with each in turn, ROUNDS times, on one data set, and
# prints every run and the medians. The machines here are shared and noisy,
# so only runs taken alternately, in one sitting, are compared.
#   scripts/bench-predict-ab.sh REV [ROUNDS] [DATASET.json]
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: scripts/bench-predict-ab.sh REV [ROUNDS] [DATASET.json]}
rounds=${2:-5}
data=${3:-../shared/data/clinc150.json}
here=build/bin/handoff
[[ -x $here ]] || { echo "bench-predict-ab: build this tree first (scripts/test.sh)" >&2; exit 1; }
other_tool=$(bash scripts/build-revision.sh "$rev")
run() {
  "$1" eval --data "$data" --json --predict-seconds 3 |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(round(d["predict_per_second"]), round(d["predict_one_per_second"]))'
}
results=$(mktemp)
for ((i = 1; i <= rounds; ++i)); do
  echo "$rev $(run "$other_tool")" | tee -a "$results"
  echo "this $(run "$here")" | tee -a "$results"
done
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, batch, one = line.split()
    runs.setdefault(name, []).append((int(batch), int(one)))
for name, r in runs.items():
    print(f"{name}: median {statistics.median(b for b, _ in r):,.0f} per second in batches, "
          f"{statistics.median(o for _, o in r):,.0f} one at a time ({len(r)} runs)")
PY
rm -f "$results"
