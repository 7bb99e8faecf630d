#!/usr/bin/env bash
# The load benchmark in one command: builds parley and the load driver, then runs the same loads
# through parley and through the Python baseline (bench/baseline/agent.py), each against the
# driver's own voipbin-sim and llm-sim on loopback, and prints every figure with the ratios.
# Usage: bench/run.sh [quick|full]   (quick by default; full adds 5,000 and 10,000 calls)
# Results go to bench/results/ (one JSON file per run, and summary.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-quick}"
build="${PARLEY_BENCH_BUILD:-$root/build}"
out="$root/bench/results"
python="${PARLEY_BENCH_PYTHON:-/usr/bin/python3}"
mkdir -p "$out"

"$root/scripts/install-deps.sh" >/dev/null  # includes python3-aiohttp for the baseline
echo "== build (RelWithDebInfo) in $build"
BUILD_TYPE=RelWithDebInfo "$root/scripts/build.sh" "$build" >/dev/null
loadgen="$build/bench/parley-loadgen"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

vport=28080
lport=28090
customer=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f
parley_cmd=("$build/app/parley" --voipbin.api-url=http://127.0.0.1:$vport/v1.0
  --voipbin.ws-url=ws://127.0.0.1:$vport/v1.0/ws --voipbin.accesskey=sim-accesskey
  --voipbin.customer-id=$customer --llm.provider=openai --llm.base-url=http://127.0.0.1:$lport/v1
  --llm.api-key=sim-key --agent.greeting= --agent.max-calls=100000 --voipbin.rate-limit=1000000
  --voipbin.rate-burst=1000000 --admin.listen=127.0.0.1:29090 --log.level=warn)
python_cmd=("$python" "$root/bench/baseline/agent.py" --api-url=http://127.0.0.1:$vport/v1.0
  --ws-url=ws://127.0.0.1:$vport/v1.0/ws --accesskey=sim-accesskey --customer-id=$customer
  --llm-url=http://127.0.0.1:$lport/v1 --llm-key=sim-key --log-level=warning)

# run NAME SERVER LOADGEN_OPTIONS...
run() {
  local name="$1" server="$2"
  shift 2
  local cmd
  if [ "$server" = parley ]; then cmd=("${parley_cmd[@]}"); else cmd=("${python_cmd[@]}"); fi
  echo "== $name: $server $*"
  "$loadgen" --label="$server" --voipbin-port=$vport --llm-port=$lport --json="$out/$name-$server.json" \
    --log="$out/$name-$server.log" "$@" -- "${cmd[@]}" || echo "(errors in this run: see above and $out/$name-$server.log)"
}

loads=("1k|--calls=1000 --turns=3 --think-ms=1000 --ramp-ms=5000")
[ "$mode" = full ] && loads+=("5k|--calls=5000 --turns=3 --think-ms=1000 --ramp-ms=10000"
  "10k|--calls=10000 --turns=2 --think-ms=10000 --ramp-ms=10000")
for entry in "${loads[@]}"; do
  name="${entry%%|*}"
  read -ra opts <<<"${entry#*|}"
  run "$name" parley "${opts[@]}"
  run "$name" python "${opts[@]}"
done
idle_calls=1000
[ "$mode" = full ] && idle_calls=10000
run idle parley --calls=$idle_calls --idle-s=20 --ramp-ms=5000
"$python" "$root/bench/summarize.py" "$out" | tee "$out/summary.md"
