#!/usr/bin/env python3
"""CoW timing study: the simulated latency of a DAX write into a shared (reflinked) extent against write
size, alignment, media write latency and interleave, next to the same write into an unshared file.

  python3 bench/studies/cow_timing.py --daxsim build/release/daxsim --out bench/studies/results

writes cow_timing.csv and cow_timing_{size,media,interleave}.png. --quick runs the smallest grid."""
from pathlib import Path

import studylib

SIZES = [64, 4096, 65536, 524288, 2097152]
ALIGN = {"aligned": 1 << 20, "unaligned": (1 << 20) + 100}   # page-aligned offset vs 100 bytes into a page
WRITE_LAT = ["100ns", "500ns", "2000ns", "8000ns"]
WAYS = [1, 2, 3, 6]
MID_SIZE = 65536


def point(size, align, shared, sets):
    offset = ALIGN[align]
    yaml = studylib.render(
        "cow_write.yaml", size=size, offset=offset,
        shared_text="shares its blocks with b" if shared else "shares nothing",
        share_step="cp --reflink=always /mnt/pmem/a /mnt/pmem/b" if shared else "xfs_io -f -c \"pwrite 0 4k\" /mnt/pmem/b")
    tag = f"{size}-{align}-{'shared' if shared else 'unshared'}-" + "-".join(s.replace("=", "_") for s in sets)
    return (tag, yaml, sets)


def main():
    a = studylib.parse_args(__doc__)
    sizes = [4096, 65536] if a.quick else SIZES
    write_lat = WRITE_LAT[:1] if a.quick else WRITE_LAT
    ways = [1, 6] if a.quick else WAYS

    # (study axis, size, align, params)
    grid = []
    for size in sizes:
        for align in ALIGN:
            grid.append(("size", size, align, []))
    for wl in write_lat:
        grid.append(("media", MID_SIZE, "unaligned", [f"dimm.write_latency={wl}"]))
    for w in ways:
        grid.append(("interleave", MID_SIZE, "unaligned", ["dimm.count=6", f"interleave.ways={w}"]))
    points = []
    for (_, size, align, sets) in grid:
        points.append(point(size, align, True, sets))
        points.append(point(size, align, False, sets))
    results = studylib.run_points(a.daxsim, points, a.jobs)

    rows = []
    for i, (axis, size, align, sets) in enumerate(grid):
        shared, unshared = results[2 * i], results[2 * i + 1]
        m = shared["metrics"]
        assert m["cow.events"] >= 1, (axis, size, align, sets)
        params = dict(s.split("=") for s in sets)
        rows.append({
            "study": axis, "size": size, "alignment": align,
            "dimm.write_latency": params.get("dimm.write_latency", "default"),
            "interleave.ways": params.get("interleave.ways", "1"),
            "cow.events": m["cow.events"],
            "cow.latency_ns": m["cow.latency_ns"] // m["cow.events"],
            "cow.copy_bytes": m["cow.copy_bytes"],
            "shared_write_ns": studylib.step_ns(shared, "pwrite -S 0x77"),
            "unshared_write_ns": studylib.step_ns(unshared, "pwrite -S 0x77"),
        })
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    studylib.write_csv(out / "cow_timing.csv", rows, list(rows[0].keys()))
    plot(rows, out)
    print(f"wrote {out / 'cow_timing.csv'} ({len(rows)} rows) and 3 plots")


def plot(rows, out):
    plt = studylib.pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for align, marker in (("aligned", "o"), ("unaligned", "s")):
        r = [x for x in rows if x["study"] == "size" and x["alignment"] == align]
        ax.plot([x["size"] for x in r], [x["shared_write_ns"] / 1000 for x in r], marker=marker,
                label=f"into a shared extent (CoW), {align}")
        ax.plot([x["size"] for x in r], [x["unshared_write_ns"] / 1000 for x in r], marker=marker, linestyle=":",
                label=f"into an unshared file, {align}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("write size (bytes)")
    ax.set_ylabel("simulated time of the xfs_io pwrite step (us)")
    ax.set_title("DAX write into a shared extent vs write size")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    studylib.save(fig, out / "cow_timing_size.png")

    for axis, key, xlabel, fname in (("media", "dimm.write_latency", "dimm.write_latency", "cow_timing_media.png"),
                                     ("interleave", "interleave.ways", "interleave.ways (dimm.count=6)",
                                      "cow_timing_interleave.png")):
        r = [x for x in rows if x["study"] == axis]
        fig, ax = plt.subplots(figsize=(6, 4))
        xs = range(len(r))
        ax.bar([x - 0.2 for x in xs], [x["cow.latency_ns"] / 1000 for x in r], width=0.4, label="CoW write (cow.latency_ns)")
        ax.bar([x + 0.2 for x in xs], [x["unshared_write_ns"] / 1000 for x in r], width=0.4, label="unshared write step")
        ax.set_xticks(list(xs), [str(x[key]) for x in r])
        ax.set_xlabel(xlabel)
        ax.set_ylabel("simulated latency (us)")
        ax.set_title(f"64 KiB unaligned CoW write vs {key}")
        ax.legend(fontsize=8)
        studylib.save(fig, out / fname)


if __name__ == "__main__":
    main()
