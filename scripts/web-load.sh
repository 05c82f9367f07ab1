#!/usr/bin/env bash
# handoff-web under load, on this machine only: starts the server on the demo
# shop (its team at work around the clock, 40 agents of capacity 5), runs
# handoff-web-load against it, and stops it.
#   scripts/web-load.sh [STORE] [handoff-web-load options...]
#   scripts/web-load.sh memory --customers 10000 --rate 1 --seconds 20
# STORE is memory (the default) or sqlite (a file in a temporary folder).
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:-memory}
shift || true
[[ -x build/bin/handoff-web && -x build/bin/handoff-web-load ]] ||
  bash scripts/build.sh handoff_web handoff_web_load
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
shop = os.path.abspath("examples/shop")
config = json.load(open(os.path.join(shop, "bot.json")))
for hours in config["business_hours"].values():
    hours["weekly"] = {"daily": "00:00-24:00"}
    hours["holidays"] = []
for action in config["actions"].values():
    if isinstance(action, dict) and "file" in action:
        action["file"] = os.path.join(shop, action["file"])
json.dump(config, open(os.path.join(work, "bot.json"), "w"), ensure_ascii=False)
queues = [q["id"] for q in config["queues"]]
agents = {f"load{i}": {"token": f"load-token-{i}", "skills": queues, "capacity": 5, "languages": ["zh", "en"]}
          for i in range(40)}
json.dump(agents, open(os.path.join(work, "agents.json"), "w"))
PY
case $store in
  memory) spec=memory ;;
  sqlite) spec=sqlite:$work/load.db ;;
  *) echo "web-load: STORE is memory or sqlite" >&2; exit 2 ;;
esac
build/bin/handoff-web --config "$work/bot.json" --listen 127.0.0.1:0 --store "$spec" --agents "$work/agents.json" ${HANDOFF_WEB_OPTIONS:-} \
  >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "http://" "$work/server.log" && break; sleep 0.1; done
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/,.*|\1|p' "$work/server.log" | head -1)
[[ -n $port ]] || { cat "$work/server.log" >&2; exit 1; }
build/bin/handoff-web-load --url "ws://127.0.0.1:$port" --agents "$work/agents.json" "$@"
