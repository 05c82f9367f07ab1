#!/usr/bin/env bash
# Formats every C++ source with the project's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -co --exclude-standard '*.hpp' '*.cpp' | xargs clang-format -i
