#!/usr/bin/env bash
# The whole per-message path of this build against another revision's, side
# by side: builds REV's command-line tool apart (a git worktree under
# build/), then runs `handoff bench` with each in turn, ROUNDS times, and
# prints every run and the medians: messages per second, median and 99th
# percentile latency, memory per open conversation. The machines here are
# shared and noisy, so only runs taken alternately, in one sitting, are
# compared.
#   scripts/bench-path-ab.sh REV [ROUNDS] [CONVERSATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: scripts/bench-path-ab.sh REV [ROUNDS] [CONVERSATIONS]}
rounds=${2:-5}
conversations=${3:-100000}
here=build/bin/handoff
[[ -x $here ]] || { echo "bench-path-ab: build this tree first (scripts/test.sh)" >&2; exit 1; }
other_tool=$(bash scripts/build-revision.sh "$rev")
run() {
  "$1" bench --config examples/shop/bot.json --conversations "$conversations" --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["latency_us"]
print(round(d["messages_per_second"]), l["median"], l["p99"], round(d["memory_per_conversation_bytes"]))'
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
    name, rate, median, p99, memory = line.split()
    runs.setdefault(name, []).append((float(rate), float(median), float(p99), float(memory)))
for name, r in runs.items():
    m = [statistics.median(x[i] for x in r) for i in range(4)]
    print(f"{name}: median {m[0]:,.0f} messages per second, latency median {m[1]:.1f} us, "
          f"99th percentile {m[2]:.1f} us, {m[3]:,.0f} bytes per open conversation ({len(r)} runs)")
PY
rm -f "$results"
