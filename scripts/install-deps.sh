#!/usr/bin/env bash
# Installs the Debian 12 packages parley needs, and only those that are missing.
# apt-get update runs only when something has to be installed. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  libcaf-dev libboost1.81-dev libssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev
  clang libclang-rt-14-dev
  python3 ca-certificates openssl
  python3-aiohttp  # the benchmark's Python baseline (bench/baseline), run by a test too
  libhiredis-dev redis-server  # cluster mode's Redis client; its tests run a real redis-server
  python3-yaml  # the deploy manifests' test (tests/deploy/check_kubernetes.py)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
