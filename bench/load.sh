#!/usr/bin/env bash
# Load run: N concurrent calls of three turns each through parley (echo brain, so the figures
# are parley's own cost), against voipbin-sim on loopback. Reports parley's memory per call
# (peak RSS against its idle RSS measured in the same run), CPU time, wall time and its threads.
# Usage: bench/load.sh [CALLS] [BUILD_DIR] [PARLEY_OPTION...]
# Options after the build directory go to parley as they are, after the bench's own (a later one
# wins), e.g. bench/load.sh 500 build --scheduler.max-threads=1 --scheduler.policy=stealing
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
calls="${1:-200}"
build="${2:-$root/build}"
extra=("${@:3}")
port_sim=28080
port_admin=29090

"$build/sim/voipbin-sim" --listen=127.0.0.1:$port_sim --calls="$calls" --quiet-ms=300 --start-delay-ms=1000 --exit-when-done --silent \
  >/tmp/parley-load-sim.log 2>&1 &
sim=$!
sleep 0.3
# The sim waits for a subscriber; start parley, measure it idle first.
"$build/app/parley" --voipbin.api-url=http://127.0.0.1:$port_sim/v1.0 --voipbin.ws-url=ws://127.0.0.1:$port_sim/v1.0/ws \
  --voipbin.accesskey=sim-accesskey --voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f \
  --llm.provider=echo --agent.greeting='""' --agent.max-calls=100000 \
  --voipbin.rate-limit=1000000 --voipbin.rate-burst=1000000 --admin.listen=127.0.0.1:$port_admin \
  --log.level=warn "${extra[@]}" >/tmp/parley-load.log 2>&1 &
parley=$!
trap 'kill $parley $sim 2>/dev/null || true' EXIT
sleep 0.7  # subscribed, calls not started yet (the sim waits 1 s)
idle_kb=$(awk '/VmRSS/ {print $2}' /proc/$parley/status)
start=$(date +%s.%N)
wait $sim || true
end=$(date +%s.%N)
peak_kb=$(awk '/VmHWM/ {print $2}' /proc/$parley/status)
read -r utime stime < <(awk '{print $14, $15}' /proc/$parley/stat)
threads=$(awk '/^Threads:/ {print $2}' /proc/$parley/status)
tck=$(getconf CLK_TCK)
metrics="$(exec 3<>/dev/tcp/127.0.0.1/$port_admin && printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 && cat <&3)"
turns=$(awk '/^parley_turns_total / {print $2}' <<<"$metrics")
sum=$(awk '/^parley_turn_transcript_to_say_seconds_sum / {print $2}' <<<"$metrics")
cnt=$(awk '/^parley_turn_transcript_to_say_seconds_count / {print $2}' <<<"$metrics")
tail -1 /tmp/parley-load-sim.log
[ ${#extra[@]} -eq 0 ] || echo "parley options: ${extra[*]}"
awk -v c="$calls" -v i="$idle_kb" -v p="$peak_kb" -v u="$utime" -v s="$stime" -v t="$tck" \
    -v w0="$start" -v w1="$end" -v turns="$turns" -v sum="$sum" -v cnt="$cnt" -v th="$threads" 'BEGIN {
  printf "calls %d, turns %d, wall %.2f s\n", c, turns, w1 - w0;
  printf "parley RSS idle %.1f MiB, peak %.1f MiB (x%.2f of idle), %.1f KiB per call\n", i/1024, p/1024, p/i, (p-i)/c;
  printf "parley CPU %.2f s (user %.2f, sys %.2f), %.2f ms per turn\n", (u+s)/t, u/t, s/t, (u+s)/t*1000/(turns>0?turns:1);
  if (cnt > 0) printf "transcript -> first /say, mean %.1f ms over %d turns\n", sum/cnt*1000, cnt;
  printf "parley threads %d\n", th;
}'
