#!/usr/bin/env python3
"""daxsim replay next to VANS: four VANS-format traces, latency and host speed against the published figures.

Generates four deterministic traces in VANS's format (one 64 B request a line, `0xADDR R|C`):
  seq_C   sequential dependent reads (pointer chasing over consecutive lines)
  rand_C  random dependent reads over 1 GiB (far beyond the 1 MiB LLC and the DIMMs' 16 KiB XPBuffers)
  seq_R   sequential independent reads
  rand_R  random independent reads over 1 GiB
runs `daxsim replay --json` on each (--repeat times: the simulated figures are identical every time, the host
speed is the median) both ways: through the CPU core and its cache (`llc`, as a core's loads run) and
`--uncached` (`uc`: straight to the memory controller, the post-LLC traffic VANS simulates), and prints
daxsim's latency next to VANS's published figure and the Optane measurement, and daxsim's host requests per
second as a multiple of VANS's published host speed. Sources: README.md here.

  python3 bench/replay/vans_compare.py --daxsim build/release/daxsim [--requests 100000] [--out DIR]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

# Published figures (README.md cites them). Dependent (pointer-chasing) 64 B read latency, ns.
VANS_LATENCY_NS = {"seq": 188, "rand": 433}
OPTANE_LATENCY_NS = {"seq": 169, "rand": 305}
# VANS host speed, requests per host second (low, high).
VANS_HOST_RPS = {"seq": (2700, 8800), "rand": (120, 400)}

RANDOM_SPAN = 1 << 30
LINE = 64


def lcg_lines(n):
    """Knuth's MMIX LCG, the generator `daxsim calibrate` uses: line-aligned offsets over RANDOM_SPAN."""
    x = 1
    lines = RANDOM_SPAN // LINE
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & ((1 << 64) - 1)
        yield (x >> 17) % lines * LINE


def write_trace(path, n, op, random):
    offsets = lcg_lines(n) if random else (i * LINE for i in range(n))
    with open(path, "w") as f:
        f.write(f"# {n} {'random' if random else 'sequential'} {op} requests (bench/replay/vans_compare.py)\n")
        f.writelines(f"0x{a:08x} {op}\n" for a in offsets)


def replay(daxsim, trace, uncached):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    cmd = [daxsim, "replay", "--json", trace] + (["--uncached"] if uncached else [])
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"daxsim replay {trace} failed ({r.returncode}): {r.stderr}")
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--daxsim", required=True, help="the daxsim binary (build/release/daxsim)")
    ap.add_argument("--requests", type=int, default=100000, help="requests per trace (default 100000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per trace; host speed is the median")
    ap.add_argument("--out", help="keep the traces in DIR (default: a temporary directory)")
    a = ap.parse_args()

    out = a.out or tempfile.mkdtemp(prefix="daxsim-replay-")
    os.makedirs(out, exist_ok=True)
    rows = []
    for pattern in ("seq", "rand"):
        for op in ("C", "R"):
            name = f"{pattern}_{op}"
            path = os.path.join(out, f"{name}.trace")
            write_trace(path, a.requests, op, pattern == "rand")
            for path_kind in ("llc", "uc"):
                runs = [replay(a.daxsim, path, path_kind == "uc") for _ in range(a.repeat)]
                strip = lambda j: {k: v for k, v in j.items() if not k.startswith("host_")}
                if any(strip(r) != strip(runs[0]) for r in runs):
                    sys.exit(f"{name}: simulated results differ between runs")
                rows.append((f"{name} {path_kind}", pattern, op, runs[0],
                             statistics.median(r["host_requests_per_s"] for r in runs)))

    print(f"daxsim replay vs VANS, {a.requests} requests a trace, traces in {out}")
    print()
    print(f"{'trace':<11} {'ns/req':>8} {'lat mean':>9} {'GB/s':>7} {'VANS ns':>8} {'Optane ns':>9} "
          f"{'|err| daxsim':>12} {'|err| VANS':>10}")
    for name, pattern, op, j, _ in rows:
        mean = j["latency_ns"]["all"]["mean"]
        line = f"{name:<11} {j['ns_per_request']:>8.1f} {mean:>9.1f} {j['bandwidth_gb_per_s']:>7.3f}"
        if op == "C":  # the published figures are dependent (pointer-chasing) read latencies
            vans, optane = VANS_LATENCY_NS[pattern], OPTANE_LATENCY_NS[pattern]
            err_d = abs(mean - optane) / optane * 100
            err_v = abs(vans - optane) / optane * 100
            line += f" {vans:>8} {optane:>9} {err_d:>11.1f}% {err_v:>9.1f}%"
        else:
            line += f" {'-':>8} {'-':>9} {'-':>12} {'-':>10}"
        print(line)
    print()
    print(f"{'trace':<11} {'daxsim req/s':>13} {'VANS req/s':>12} {'x VANS':>15}")
    for name, pattern, _, _, rps in rows:
        lo, hi = VANS_HOST_RPS[pattern]
        print(f"{name:<11} {rps:>13.0f} {f'{lo}-{hi}':>12} {f'{rps / hi:.0f}x-{rps / lo:.0f}x':>15}")
    print()
    print("ns/req: simulated time / requests (with R, requests overlap); lat mean: issue to data per request.")
    print("|err|: distance from the Optane measurement (a CPU load: uc leaves out the 10 ns cache lookup).")
    print("llc: through core and cache; uc: --uncached, straight to the controller, as VANS's traces are.")
    print("Host speed varies from run to run and host to host.")


if __name__ == "__main__":
    main()
