#!/usr/bin/env python3
"""Prints the load runs in a results directory (parley-loadgen --json files) as a Markdown table,
with parley's figures as ratios against the Python baseline measured in the same run."""
import json
import pathlib
import sys


def load(directory):
    runs = {}
    for path in sorted(pathlib.Path(directory).glob("*.json")):
        name, _, server = path.stem.rpartition("-")
        runs.setdefault(name, {})[server] = json.loads(path.read_text())
    return runs


def cell(d):
    return f"{d['p50_ms']:.2f} / {d['p99_ms']:.2f}" if d["count"] else "—"


def row(r):
    return (f"| {r['calls']:,} × {r['turns_per_call']} | {r['label']} | {r['turns']:,} | {r['errors']} "
            f"| {r['cpu_s']:.2f} | {r['cpu_per_turn_us']:.0f} "
            f"| {cell(r['ingress'])} | {cell(r['egress'])} | {cell(r['barge_in'])} "
            f"| {r['rss_peak_kb'] / 1024:.1f} | {r['per_live_call_kb'] * 1.024:.1f} |")


def main():
    runs = load(sys.argv[1] if len(sys.argv) > 1 else "bench/results")
    print("| calls × turns | server | turns | errors | CPU s | CPU per turn µs | ingress p50 / p99 ms "
          "| egress p50 / p99 ms | barge-in p50 / p99 ms | peak RSS MiB | KB per live call |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    by_size = sorted(runs, key=lambda n: next(iter(runs[n].values()))["calls"])
    for name in by_size:
        for server in ("parley", "python"):
            if server in runs[name] and name != "idle":
                print(row(runs[name][server]))
    print()
    for name in by_size:
        p, b = runs[name].get("parley"), runs[name].get("python")
        if p and b and p["cpu_per_turn_us"] > 0:
            print(f"- {name}: parley uses {b['cpu_per_turn_us'] / p['cpu_per_turn_us']:.1f}× less CPU per turn "
                  f"than the baseline; p99 ingress {b['ingress']['p99_ms'] / max(p['ingress']['p99_ms'], 1e-9):.1f}×, "
                  f"egress {b['egress']['p99_ms'] / max(p['egress']['p99_ms'], 1e-9):.1f}× lower")
    idle = runs.get("idle", {}).get("parley")
    if idle and "idle" in idle:
        i = idle["idle"]
        print(f"- idle: {i['calls']:,} calls, {i['per_call_kb'] * 1.024:.1f} KB a call, "
              f"{i['cpu_share_of_core'] * 100:.2f} % of a core")


if __name__ == "__main__":
    main()
