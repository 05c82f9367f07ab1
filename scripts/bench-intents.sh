#!/usr/bin/env bash
# Intent matching side by side: the peers of ../shared/bench/peers (fastText,
# scikit-learn) and handoff's statistical matcher, on one data set, in one
# run, each on one thread. Prints one JSON line per model.
#   scripts/bench-intents.sh [DATASET.json]   (default: CLINC150)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data/clinc150.json}
peers=../shared/bench/peers/run-peers.sh
if [[ ! -x build/bin/handoff ]]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
  cmake --build build --target handoff_cli -j "$(nproc)" >&2
fi
if [[ -f $peers ]]; then
  apt_needed=()
  for p in fasttext python3-sklearn python3-numpy time; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt_needed+=("$p")
  done
  if ((${#apt_needed[@]})); then
    ${SUDO:-} apt-get install -y -qq "${apt_needed[@]}" >&2
  fi
  bash "$peers" "$data" --threads 1
else
  echo "bench-intents: $peers not found; timing handoff only" >&2
fi
build/bin/handoff eval --data "$data" --json
