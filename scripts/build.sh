#!/usr/bin/env bash
# Configures build/ (RelWithDebInfo, Ninja and ccache when present) and
# builds the targets named, for the demos: scripts/build.sh handoff_cli ...
set -euo pipefail
cd "$(dirname "$0")/.."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
cmake --build build -j "${JOBS:-$(nproc)}" --target "$@" >&2
