#!/usr/bin/env bash
# Installs what is missing, builds, and runs the demo: parley answers scripted calls from
# voipbin-sim, thinking with llm-sim, all on loopback. The conversation is printed as it
# happens; the demo ends by itself when every call has hung up. Each call ends itself: the model
# says goodbye and calls the end_call tool, and parley hangs up once the goodbye has played.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

"$root/scripts/install-deps.sh"
echo "demo: building (the first build takes a few minutes)"
"$root/scripts/build.sh" "$build" >"$root/.demo-build.log" 2>&1 || { cat "$root/.demo-build.log"; exit 1; }
rm -f "$root/.demo-build.log"

logs="$build/demo"
mkdir -p "$logs"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$build/sim/llm-sim" --listen=127.0.0.1:18081 --first-token-ms=250 --token-ms=25 \
  --reply="Happy to help with a booking. What time would you like?" \
  --reply="Done, your table is booked. Is there anything else I can do for you?" \
  --reply="You're welcome. Enjoy your evening, goodbye! [[tool end_call]]" >"$logs/llm-sim.log" 2>&1 &
pids+=($!)
"$build/sim/voipbin-sim" --listen=127.0.0.1:18080 --script="$root/deploy/demo/calls.json" \
  --quiet-ms=600 --playout-cps=40 --word-ms=60 --exit-when-done &
sim=$!
sleep 0.3
"$build/app/parley" --config-file="$root/deploy/demo/parley-demo.ini" >"$logs/parley.log" 2>&1 &
pids+=($!)

rc=0
wait "$sim" || rc=$?
metrics="$(exec 3<>/dev/tcp/127.0.0.1/19090 && printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 && cat <&3 || true)"
echo
echo "parley metrics:"
grep -E '^parley_(calls_total|turns_total|active_calls|llm_errors_total) ' <<<"$metrics" | sed 's/^/  /' || true
grep -E '^parley_turn_transcript_to_say_seconds_(sum|count) ' <<<"$metrics" | sed 's/^/  /' || true
echo "  calls the agent ended itself (end_call): $(grep -c 'the agent ends the call' "$logs/parley.log" || true)"
echo "logs: $logs/parley.log, $logs/llm-sim.log"
exit "$rc"
