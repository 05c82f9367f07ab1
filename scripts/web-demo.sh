#!/usr/bin/env bash
# Builds handoff-web and serves the demo shop: the chat widget on
# http://127.0.0.1:8080/ and the agent console on http://127.0.0.1:8080/agent
# (alice / alice-demo-token, bob / bob-demo-token, from examples/web/agents.json).
# Conversations are kept in a SQLite file: stop it (Ctrl-C) and start it
# again, and every conversation is where it was. Extra arguments go to
# handoff-web (try --help); HANDOFF_WEB_LISTEN sets the address.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2
bash scripts/build.sh handoff_web
exec build/bin/handoff-web --config examples/shop/bot.json --listen "${HANDOFF_WEB_LISTEN:-127.0.0.1:8080}" \
  --store "${HANDOFF_STORE:-sqlite:build/web-demo.sqlite}" --agents examples/web/agents.json "$@"
