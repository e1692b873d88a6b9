"""Shared plumbing of the bench/studies scripts: render a scenario template, run `daxsim run --out` on it
(points in parallel, results in grid order), read results.json, write CSV, draw with matplotlib (Agg)."""
import argparse
import concurrent.futures
import csv
import json
import os
import string
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def parse_args(doc):
    """The options every study takes: --daxsim BIN --out DIR [--quick] [-j N]; `doc` is the script's help."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--daxsim", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true", help="smallest grid (smoke test)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    return ap.parse_args()


def render(template, **values):
    """The template (bench/studies/templates/NAME) with ${key} substituted."""
    text = (HERE / "templates" / template).read_text()
    return string.Template(text).substitute(**values)


def run_point(daxsim, yaml_text, sets, workdir, tag):
    """Runs one scenario; returns its results.json as a dict. Exits on a failing point."""
    point_dir = Path(workdir) / tag
    point_dir.mkdir(parents=True, exist_ok=True)
    scenario = point_dir / "scenario.yaml"
    scenario.write_text(yaml_text)
    cmd = [daxsim, "run", str(scenario), "--quiet", "--out", str(point_dir / "out")]
    for s in sets:
        cmd += ["--set", s]
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"{tag}: daxsim exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}\nscenario: {scenario}")
    return json.loads((point_dir / "out" / "results.json").read_text())


def run_points(daxsim, points, jobs):
    """points: list of (tag, yaml_text, sets). Results in the same order, whatever order they finish in."""
    with tempfile.TemporaryDirectory(prefix="daxsim-study-") as work:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_point, daxsim, y, s, work, tag) for (tag, y, s) in points]
            return [f.result() for f in futures]


def step_ns(results, marker):
    """Simulated duration of the first step whose text contains marker."""
    for step in results["steps"]:
        if marker in step["text"]:
            return step["sim_end_ns"] - step["sim_start_ns"]
    raise KeyError(marker)


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r[c] for c in columns})


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # No wall clock or host name in the PNG metadata: same inputs, same bytes.
    plt.rcParams["svg.hashsalt"] = "daxsim"
    return plt


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
