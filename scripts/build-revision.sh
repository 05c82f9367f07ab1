#!/usr/bin/env bash
# Builds another revision's command-line tool apart (a git worktree under
# build/ab-REV) for the side-by-side benches, once, and prints its path.
#   scripts/build-revision.sh REV
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: scripts/build-revision.sh REV}
other=build/ab-$(git rev-parse --short "$rev")
if [[ ! -x $other/build/bin/handoff ]]; then
  rm -rf "$other"
  git worktree prune
  git worktree add --detach "$other" "$rev" >&2
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$other" -B "$other/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >&2
  cmake --build "$other/build" --target handoff_cli -j 2 >&2
fi
echo "$other/build/bin/handoff"
