#!/usr/bin/env bash
# Installs every Debian package that building and testing handoff needs.
# Idempotent: when everything is present it installs nothing and says so.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache clang-format git
  libutf8proc-dev libre2-dev libfmt-dev nlohmann-json3-dev libcli11-dev doctest-dev
  libhowardhinnant-date-dev tzdata
  libsqlite3-dev sqlite3 libboost-dev
  python3 python3-dev pybind11-dev python3-pytest python3-setuptools python3-wheel python3-pip
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
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
