#!/usr/bin/env python3
"""Failure propagation study: mf.latency_ns (machine check to the last signal) against the number of
owners of the poisoned block (reflinked files), the early-kill mappings per file, the dm-linear stack
depth under XFS and dm.notify_failure (forward vs upstream).

  python3 bench/studies/failure_propagation.py --daxsim build/release/daxsim --out bench/studies/results

writes failure_propagation.csv and failure_propagation_{owners,maps,dm}.png. --quick runs the smallest grid."""
from pathlib import Path

import studylib

OWNERS = [1, 2, 4, 8, 16]
MAPS = [1, 2, 4, 8]
DEPTHS = [0, 1, 2]
MODES = ["forward", "upstream"]


def scenario(owners, maps, depth):
    dm = []
    dev = "/dev/pmem0"
    if depth >= 1:
        dm.append('  - dmsetup create d1 --table "0 2097152 linear /dev/pmem0 32768"')
        dev = "/dev/mapper/d1"
    if depth >= 2:
        dm.append('  - dmsetup create d2 --table "0 1048576 linear /dev/mapper/d1 2048"')
        dev = "/dev/mapper/d2"
    reflinks = [f"  - cp --reflink=always /mnt/pmem/f0 /mnt/pmem/f{i}" for i in range(1, owners)]
    tasks = []
    for i in range(owners):
        for j in range(maps):
            t = f"w{i}x{j}"
            tasks.append(f"  - prctl {t} PR_MCE_KILL early")
            tasks.append(f"  - '@{t} xfs_io -c \"mmap -r 0 64k\" -c \"mread 0 64k\" /mnt/pmem/f{i}'")
    return studylib.render("failure.yaml", owners=owners, maps=maps, dev=dev,
                           depth_text=f"a {depth}-deep dm-linear stack" if depth else "pmem0 directly",
                           dm_steps="\n".join(dm), reflink_steps="\n".join(reflinks),
                           task_steps="\n".join(tasks))


def main():
    a = studylib.parse_args(__doc__)
    owners_axis = [1, 4] if a.quick else OWNERS
    maps_axis = [1, 2] if a.quick else MAPS
    depths = [0, 1] if a.quick else DEPTHS

    # (study, owners, maps, depth, mode)
    grid = [("owners", o, 1, 0, "forward") for o in owners_axis]
    grid += [("maps", 2, m, 0, "forward") for m in maps_axis]
    grid += [("dm", 2, 1, d, mode) for d in depths for mode in MODES]
    points = [(f"{s}-{o}-{m}-{d}-{mode}", scenario(o, m, d), [f"dm.notify_failure={mode}"])
              for (s, o, m, d, mode) in grid]
    results = studylib.run_points(a.daxsim, points, a.jobs)
    rows = []
    for (s, o, m, d, mode), r in zip(grid, results):
        met = r["metrics"]
        rows.append({"study": s, "owners": o, "maps_per_file": m, "dm_depth": d, "dm.notify_failure": mode,
                     "mf.signals": met["mf.signals"], "mf.latency_ns": met["mf.latency_ns"],
                     **{f"layer.{k}": v for k, v in sorted(flatten_layers(r).items())}})
    columns = sorted({k for r in rows for k in r}, key=lambda k: (k.startswith("layer."), list(rows[0]).index(k) if k in rows[0] else 99, k))
    for r in rows:
        for c in columns:
            r.setdefault(c, 0)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    studylib.write_csv(out / "failure_propagation.csv", rows, columns)
    plot(rows, out)
    print(f"wrote {out / 'failure_propagation.csv'} ({len(rows)} rows) and 3 plots")


def flatten_layers(results):
    """results.json "layers": exclusive ns per kernel layer, whatever its exact shape."""
    layers = results.get("layers", {})
    if isinstance(layers, dict):
        return {k: (v if isinstance(v, int) else v.get("ns", 0)) for k, v in layers.items()}
    return {l["layer"]: l.get("ns", 0) for l in layers if isinstance(l, dict) and "layer" in l}


def plot(rows, out):
    plt = studylib.pyplot()
    for study, key, xlabel, fname in (("owners", "owners", "owners of the poisoned block (files sharing it)",
                                       "failure_propagation_owners.png"),
                                      ("maps", "maps_per_file", "early-kill mappings per file (2 files)",
                                       "failure_propagation_maps.png")):
        r = [x for x in rows if x["study"] == study]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot([x[key] for x in r], [x["mf.latency_ns"] / 1000 for x in r], marker="o", label="mf.latency_ns")
        ax2 = ax.twinx()
        ax2.plot([x[key] for x in r], [x["mf.signals"] for x in r], marker="x", color="tab:red", linestyle=":",
                 label="mf.signals")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("machine check to last signal (us)")
        ax2.set_ylabel("signals sent", color="tab:red")
        ax.set_title(f"Failure propagation vs {key}")
        ax.grid(True, alpha=0.3)
        studylib.save(fig, out / fname)
    r = [x for x in rows if x["study"] == "dm"]
    fig, ax = plt.subplots(figsize=(6, 4))
    depths = sorted({x["dm_depth"] for x in r})
    for k, mode in enumerate(MODES):
        ys = [next(x for x in r if x["dm_depth"] == d and x["dm.notify_failure"] == mode) for d in depths]
        bars = ax.bar([d + (k - 0.5) * 0.4 for d in depths], [y["mf.latency_ns"] / 1000 for y in ys], width=0.4,
                      label=f"dm.notify_failure={mode}")
        ax.bar_label(bars, labels=[f"{y['mf.signals']} sig" for y in ys], fontsize=7)
    ax.set_xticks(depths, [str(d) for d in depths])
    ax.set_xlabel("dm-linear stack depth under XFS (2 owners, 1 early-kill mapping each)")
    ax.set_ylabel("machine check to last signal (us)")
    ax.set_title("Failure propagation through device-mapper")
    ax.legend(fontsize=8, loc="lower right")
    studylib.save(fig, out / "failure_propagation_dm.png")


if __name__ == "__main__":
    main()
