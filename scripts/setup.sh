#!/usr/bin/env bash
# Installs every Debian package that building and testing handoff needs.
# Idempotent: when everything is present it installs nothing and says so.
#   scripts/setup.sh           what building and the demos need
#   scripts/setup.sh --tests   also what the tests need: Chromium, CJK fonts, Node.js and playwright-core
set -euo pipefail
cd "$(dirname "$0")/.."
for_tests=0
[[ ${1:-} == --tests ]] && for_tests=1

packages=(
  build-essential cmake ninja-build pkg-config ccache clang-format git
  libutf8proc-dev libre2-dev libfmt-dev nlohmann-json3-dev libcli11-dev doctest-dev
  libhowardhinnant-date-dev tzdata
  libsqlite3-dev sqlite3 libboost-dev libssl-dev
  python3 python3-dev pybind11-dev python3-pytest python3-setuptools python3-wheel python3-pip
)

if ((for_tests)); then
  packages+=(chromium fonts-noto-cjk)
  # Node.js and npm drive the browser tests; a machine that has them (from
  # any source) keeps its own, others get Debian's.
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

# playwright-core from npm, at the version the lock file names; it uses
# Debian's Chromium and downloads no browser of its own.
install_browser_driver() {
  ((for_tests)) || return 0
  local e2e=tests/web/e2e
  local want
  want=$(sed -n 's/.*"playwright-core": *"\([0-9.]*\)".*/\1/p' "$e2e/package.json" | head -1)
  if [[ -f $e2e/node_modules/playwright-core/package.json ]] &&
    grep -q "\"version\": *\"$want\"" "$e2e/node_modules/playwright-core/package.json"; then
    return
  fi
  echo "setup: installing playwright-core $want for the browser tests"
  (cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
}

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  install_browser_driver
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_browser_driver
