#!/usr/bin/env bash
# Builds the handoff tool and chats with the demo shop bot in the terminal.
# Extra arguments go to `handoff chat` (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >&2
bash scripts/build.sh handoff_cli
# Conversations are kept in a SQLite file, so they outlive the demo: run it
# again and the shop remembers (HANDOFF_STORE=memory keeps nothing).
exec build/bin/handoff chat --config examples/shop/bot.json --store "${HANDOFF_STORE:-sqlite:build/demo.sqlite}" "$@"
