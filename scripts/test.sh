#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: first the normal build, then the
# AddressSanitizer + UndefinedBehaviorSanitizer build and the ThreadSanitizer build of the net
# tests (skip both with PARLEY_SKIP_SANITIZERS=1), then each libFuzzer target for
# PARLEY_FUZZ_SECONDS (default 20; 0 skips them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"

"$root/scripts/install-deps.sh"

passed=0
# Runs ctest in a build directory and adds its count to the summary.
run_ctest() {
  local log
  log="$(mktemp)"
  (cd "$1" && shift && ctest -j "$jobs" --output-on-failure "$@") 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local total
  total=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
  rm -f "$log"
  [ "$rc" -eq 0 ] || exit "$rc"
  passed=$((passed + ${total:-0}))
}

echo "== build"
"$root/scripts/build.sh" "$root/build" -DPARLEY_WERROR=ON
echo "== tests"
run_ctest "$root/build"

if [ "${PARLEY_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== build with ASan + UBSan"
  BUILD_TYPE=Debug "$root/scripts/build.sh" "$root/build-sanitize" -DPARLEY_SANITIZE=ON -DPARLEY_WERROR=ON
  echo "== tests with ASan + UBSan"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_ctest "$root/build-sanitize"

  # TSan cannot share a build with ASan. The net layer is where threads meet (actors post to the
  # io thread, callbacks come back from it), and its tests run one io thread, as parley must.
  echo "== build the net layer with TSan"
  "$root/scripts/build.sh" "$root/build-tsan" -DPARLEY_TSAN=ON -DPARLEY_WERROR=ON
  echo "== net tests with TSan"
  export TSAN_OPTIONS=halt_on_error=1
  run_ctest "$root/build-tsan"
fi

fuzz_seconds="${PARLEY_FUZZ_SECONDS:-20}"
if [ "$fuzz_seconds" != "0" ]; then
  echo "== fuzz targets, ${fuzz_seconds}s each"
  "$root/scripts/fuzz.sh" "$fuzz_seconds"
  passed=$((passed + 4))
fi
echo "tests: $passed passed, 0 failed"
