#!/usr/bin/env bash
# Installs the Debian 12 packages parley needs, and only those that are missing, then the
# browser test's npm packages (tests/browser) when they are missing or older than its lockfile.
# apt-get update runs only when something has to be installed. Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

packages=(
  build-essential cmake ccache pkg-config
  libcaf-dev libboost1.81-dev libssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev
  clang libclang-rt-14-dev
  python3 ca-certificates openssl
  python3-aiohttp  # the benchmark's Python baseline (bench/baseline), run by a test too
  libhiredis-dev redis-server  # cluster mode's Redis client; its tests run a real redis-server
  python3-yaml  # the deploy manifests' test (tests/deploy/check_kubernetes.py)
  chromium  # the dashboard's browser test (tests/browser)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# By command, not package: a node from elsewhere (e.g. NodeSource, which bundles npm) will do,
# and Debian's npm package would conflict with it.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# playwright-core, pinned by tests/browser/package-lock.json; it drives Debian's chromium and
# downloads no browser of its own.
browser="$root/tests/browser"
if [ ! -d "$browser/node_modules" ] || [ "$browser/package-lock.json" -nt "$browser/node_modules" ]; then
  echo "install-deps: npm ci in tests/browser"
  npm ci --prefix "$browser" --no-audit --no-fund
  touch "$browser/node_modules"
fi
