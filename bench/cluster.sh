#!/usr/bin/env bash
# What cluster mode costs: the same load through one parley (cluster.mode=single) and through
# three instances in cluster mode sharing a real redis-server, all on loopback. Reports the CPU
# per turn of all instances together and the Redis commands per call and per turn (from Redis's
# INFO commandstats). Results in bench/results/cluster-*.json and cluster.md.
# Usage: bench/cluster.sh [CALLS]   (default 1000; three turns each, think time 1 s)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
calls="${1:-1000}"
build="$root/build"
out="$root/bench/results"
mkdir -p "$out"
"$root/scripts/install-deps.sh" >/dev/null
BUILD_TYPE=RelWithDebInfo "$root/scripts/build.sh" "$build" >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

vport=28080
lport=28090
rport=28379
customer=8d3e0a5c-6b1f-4c2a-9f7e-0a1b2c3d4e5f
load=(--calls="$calls" --turns=3 --think-ms=1000 --ramp-ms=5000 --voipbin-port=$vport --llm-port=$lport)
parley=("$build/app/parley" --voipbin.api-url=http://127.0.0.1:$vport/v1.0
  --voipbin.ws-url=ws://127.0.0.1:$vport/v1.0/ws --voipbin.accesskey=sim-accesskey
  --voipbin.customer-id=$customer --llm.provider=openai --llm.base-url=http://127.0.0.1:$lport/v1
  --llm.api-key=sim-key --agent.greeting= --agent.max-calls=100000 --voipbin.rate-limit=1000000
  --voipbin.rate-burst=1000000 --log.level=warn)
cluster=(--cluster.mode=redis --cluster.redis-url=redis://127.0.0.1:$rport/0)

redis-server --port $rport --bind 127.0.0.1 --save "" --appendonly no >"$out/cluster-redis.log" 2>&1 &
redis=$!
others=()
trap 'kill "${others[@]}" $redis 2>/dev/null || true' EXIT
until redis-cli -p $rport ping >/dev/null 2>&1; do sleep 0.1; done

# CPU seconds (user + system) of a live process.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

echo "== one instance, cluster.mode=single"
"$build/bench/parley-loadgen" --label=single --json="$out/cluster-single.json" --log="$out/cluster-single.log" \
  "${load[@]}" -- "${parley[@]}" --admin.listen=127.0.0.1:29090

echo "== three instances, cluster.mode=redis"
redis-cli -p $rport config resetstat >/dev/null
"$build/bench/parley-loadgen" --label=cluster --subscribers=3 --json="$out/cluster-redis.json" \
  --log="$out/cluster-node0.log" "${load[@]}" -- "${parley[@]}" --admin.listen=127.0.0.1:29090 "${cluster[@]}" \
  --cluster.node-id=node-0 &
loadgen=$!
until (exec 3<>/dev/tcp/127.0.0.1/$vport) 2>/dev/null; do sleep 0.1; done
for i in 1 2; do
  "${parley[@]}" --admin.listen=127.0.0.1:$((29090 + i)) "${cluster[@]}" --cluster.node-id=node-$i \
    >"$out/cluster-node$i.log" 2>&1 &
  others+=($!)
done
wait $loadgen
others_cpu=0
for pid in "${others[@]}"; do others_cpu=$(awk -v a="$others_cpu" -v b="$(cpu_of "$pid")" 'BEGIN { print a + b }'); done
redis_cpu=$(cpu_of $redis)
redis-cli -p $rport info commandstats | tr -d '\r' | grep '^cmdstat_' >"$out/cluster-commandstats.txt"

/usr/bin/python3 - "$out" "$others_cpu" "$redis_cpu" <<'EOF'
import json, sys
out, others_cpu, redis_cpu = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
single = json.load(open(f"{out}/cluster-single.json"))
multi = json.load(open(f"{out}/cluster-redis.json"))
stats = {}
for line in open(f"{out}/cluster-commandstats.txt"):
    name, fields = line.strip().split(":", 1)
    stats[name[len("cmdstat_"):]] = int(dict(f.split("=") for f in fields.split(","))["calls"])
calls, turns = multi["calls_placed"], multi["turns"]
total = sum(stats.values())
cpu_single = single["cpu_s"] / single["turns"] * 1e6
cpu_multi = (multi["cpu_s"] + others_cpu) / turns * 1e6
lines = [
    "| | one instance | three in cluster mode |",
    "|---|---|---|",
    f"| turns (errors) | {single['turns']} ({single['errors']}) | {turns} ({multi['errors']}) |",
    f"| CPU per turn, all instances | {cpu_single:.0f} µs | {cpu_multi:.0f} µs |",
    f"| ingress / egress p99 | {single['ingress']['p99_ms']:.2f} / {single['egress']['p99_ms']:.2f} ms"
    f" | {multi['ingress']['p99_ms']:.2f} / {multi['egress']['p99_ms']:.2f} ms |",
    "",
    f"Redis: {total} commands for {calls} calls and {turns} turns: {total / calls:.1f} a call, "
    f"{total / turns:.2f} a turn; redis-server used {redis_cpu:.2f} CPU s.",
    "",
    "| command | calls |",
    "|---|---|",
] + [f"| {k} | {v} |" for k, v in sorted(stats.items(), key=lambda kv: -kv[1])]
open(f"{out}/cluster.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
