#!/usr/bin/env bash
# Turn-taking run: N concurrent calls through parley (openai brain against llm-sim) and
# voipbin-sim, which plays the agent's speech at 40 characters a second and has every caller
# interrupt the agent's first answer while it is still playing. Reports, as VoIPBIN sees them,
# the barge-in reaction (the caller's speech frame written -> /flush received), how long the
# agent talked over the caller (their speech started -> /flush received) and the turn latency
# (the caller's final transcript written -> first /say received), p50/p99, and parley's own
# stage histograms (means). Runs twice: with the default agent.barge-in=interim, then with
# agent.barge-in=final (barge-in on the final transcript only) as the baseline.
# Usage: bench/bargein.sh [CALLS] [BUILD_DIR] [PARLEY_OPTION...]
# Options after the build directory go to parley in both runs, after the bench's own (a later one
# wins), e.g. bench/bargein.sh 500 build --scheduler.max-threads=1
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
calls="${1:-100}"
build="${2:-$root/build}"
extra=("${@:3}")
port_sim=28180
port_llm=28181
port_admin=29190
work="$(mktemp -d)"

cat >"$work/calls.json" <<'EOF'
{"calls": [{"utterances": [
  "Tell me about the menu.",
  {"text": "wait stop I have a question", "interrupt_after_ms": 1200},
  "No thanks, that is all."
]}]}
EOF

# One run with the given barge-in policy; prints its figures.
run() {
  local policy="$1"
  "$build/sim/llm-sim" --listen=127.0.0.1:$port_llm --first-token-ms=100 --token-ms=10 \
    --reply="Sure, let me tell you about our menu. We have soups, salads and twelve kinds of pasta. Every dish is made fresh in our kitchen each morning." \
    --reply="Of course, what would you like to know?" \
    --reply="Thank you for calling, goodbye!" >"$work/llm-sim.log" 2>&1 &
  local llm=$!
  "$build/sim/voipbin-sim" --listen=127.0.0.1:$port_sim --script="$work/calls.json" --calls="$calls" \
    --quiet-ms=300 --start-delay-ms=1000 --word-ms=120 --playout-cps=40 --exit-when-done --silent \
    >"$work/voipbin-sim.log" 2>&1 &
  local sim=$!
  sleep 0.3
  "$build/app/parley" --voipbin.api-url=http://127.0.0.1:$port_sim/v1.0 --voipbin.ws-url=ws://127.0.0.1:$port_sim/v1.0/ws \
    --voipbin.accesskey=sim-accesskey --voipbin.customer-id=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f \
    --llm.provider=openai --llm.base-url=http://127.0.0.1:$port_llm/v1 --llm.model=sim \
    --agent.greeting='""' --agent.max-calls=100000 --agent.tts-provider=gcp --agent.barge-in="$policy" \
    --voipbin.rate-limit=1000000 --voipbin.rate-burst=1000000 --admin.listen=127.0.0.1:$port_admin \
    --log.level=warn "${extra[@]}" >"$work/parley.log" 2>&1 &
  local parley=$!
  pids="$parley $sim $llm"
  local sim_rc=0
  wait $sim || sim_rc=$?
  local utime stime
  read -r utime stime < <(awk '{print $14, $15}' /proc/$parley/stat)
  local metrics
  metrics="$(exec 3<>/dev/tcp/127.0.0.1/$port_admin && printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3 && cat <&3)"
  kill $parley $llm 2>/dev/null || true
  wait $parley $llm 2>/dev/null || true

  echo "agent.barge-in=$policy: $calls calls, each interrupting the first answer 1.2 s into its playout"
  [ ${#extra[@]} -eq 0 ] || echo "  parley options: ${extra[*]}"
  grep '^voipbin-sim:' "$work/voipbin-sim.log" | sed 's/^voipbin-sim: /  VoIPBIN side: /'
  echo "  parley stages (histogram means):"
  for stage in turn_event_to_llm turn_first_token turn_token_to_say turn_transcript_to_say turn_say_answered bargein_reaction; do
    awk -v s="parley_${stage}_seconds" '$1 == s"_sum" {sum = $2} $1 == s"_count" {n = $2}
      END { if (n > 0) printf "    %-38s %8.2f ms over %d\n", s, sum / n * 1000, n }' <<<"$metrics"
  done
  grep -E '^parley_(bargeins_total|bargeins_false_total|turns_total) ' <<<"$metrics" | sed 's/^/  /'
  awk -v u="$utime" -v s="$stime" -v t="$(getconf CLK_TCK)" 'BEGIN { printf "  parley CPU %.2f s\n", (u + s) / t }'
  talk_over_p50="$(sed -n 's/.*talked over the caller.*p50 \([0-9.]*\) ms.*/\1/p' "$work/voipbin-sim.log")"
  return "$sim_rc"
}

pids=""
trap 'kill $pids 2>/dev/null || true; rm -rf "$work"' EXIT
rc=0
run interim || rc=$?
interim_talk_over="$talk_over_p50"
echo
run final || rc=$?
final_talk_over="$talk_over_p50"
echo
awk -v a="$interim_talk_over" -v b="$final_talk_over" 'BEGIN {
  if (a > 0 && b > 0) printf "the agent talked over the caller for %.0f ms (p50) with interim barge-in, %.0f ms with final-only: %.1fx shorter\n", a, b, b / a }'
exit "$rc"
