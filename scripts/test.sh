#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: first the normal build, then the
# AddressSanitizer + UndefinedBehaviorSanitizer build (skip it with PARLEY_SKIP_SANITIZERS=1),
# then each libFuzzer target for PARLEY_FUZZ_SECONDS (default 20; 0 skips them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"

"$root/scripts/install-deps.sh"

echo "== build"
"$root/scripts/build.sh" "$root/build" -DPARLEY_WERROR=ON
echo "== tests"
(cd "$root/build" && ctest -j "$jobs" --output-on-failure)

if [ "${PARLEY_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== build with ASan + UBSan"
  BUILD_TYPE=Debug "$root/scripts/build.sh" "$root/build-sanitize" -DPARLEY_SANITIZE=ON -DPARLEY_WERROR=ON
  echo "== tests with ASan + UBSan"
  (cd "$root/build-sanitize" && \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest -j "$jobs" --output-on-failure)
fi

fuzz_seconds="${PARLEY_FUZZ_SECONDS:-20}"
if [ "$fuzz_seconds" != "0" ]; then
  echo "== fuzz targets, ${fuzz_seconds}s each"
  "$root/scripts/fuzz.sh" "$fuzz_seconds"
fi
