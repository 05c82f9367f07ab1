#!/usr/bin/env bash
# Builds handoff and runs every test twice: a normal build, and a build with
# AddressSanitizer and UndefinedBehaviorSanitizer. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --tests
jobs=${JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

echo "== normal build (warnings are errors)"
# The Python binding is built for Debian's python3, whose pytest runs its tests.
cmake -S . -B build "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHANDOFF_WERROR=ON \
  -DHANDOFF_BUILD_BINDINGS=ON -DPython_EXECUTABLE=/usr/bin/python3
cmake --build build -j "$jobs"
ctest --test-dir build -j "$jobs" --output-on-failure

echo "== sanitizer build (address, undefined)"
cmake -S . -B build-asan "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=Debug -DHANDOFF_SANITIZE=ON \
  -DHANDOFF_WERROR=ON
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j "$jobs" --output-on-failure

echo "== thread sanitizer build (many threads on one engine)"
cmake -S . -B build-tsan "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHANDOFF_SANITIZE_THREAD=ON -DHANDOFF_WERROR=ON -DHANDOFF_BUILD_CLI=OFF -DHANDOFF_BUILD_EXAMPLES=OFF \
  -DHANDOFF_INSTALL=OFF
cmake --build build-tsan -j "$jobs" --target handoff_stress
ctest --test-dir build-tsan -R '^stress[.]' --output-on-failure
