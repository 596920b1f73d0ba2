"""CSV loading: ``cr.data.load_csv`` against ``numpy.loadtxt`` on the same file.

    python benchmarks/csv_speed.py                  # 10^6 rows x 5 columns, 3 runs each
    python benchmarks/csv_speed.py --rows 100000 --repeat 5

The file has four float features (6 decimals) and an integer label 0-2, as a classification
CSV would. Each measurement runs in a fresh process: the time of the one call, and how much
the call raised the process's peak resident memory (VmHWM after minus before, so
the interpreter and imports are not counted; the total peak is printed too). The figures of
the median run are compared; the target is chainrule within 2x of NumPy on both.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

MEASURE = """
import json, resource, sys, time
import numpy as np
if sys.argv[1] == "chainrule":
    import chainrule as cr
    load = lambda path: cr.data.load_csv(path)
else:
    load = lambda path: np.loadtxt(path, delimiter=",", skiprows=1)

def peak_kib():  # this process's own peak (ru_maxrss would count the parent's at fork)
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

before = peak_kib()
start = time.perf_counter()
table = load(sys.argv[2])
seconds = time.perf_counter() - start
after = peak_kib()
print(json.dumps({"seconds": seconds, "added_mib": (after - before) / 1024,
                  "peak_mib": after / 1024}))
"""


def write_table(path, rows):
    rng = np.random.default_rng(0)
    table = np.c_[rng.standard_normal((rows, 4)), rng.integers(0, 3, rows)]
    np.savetxt(path, table, delimiter=",", header="a,b,c,d,label", comments="",
               fmt=["%.6f"] * 4 + ["%d"])


def measure(library, path):
    out = subprocess.run([sys.executable, "-c", MEASURE, library, path], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def median_run(runs):
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10 ** 6)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "table.csv")
        write_table(path, args.rows)
        size = os.path.getsize(path) / 2 ** 20
        print(f"{args.rows:,} rows x 5 columns, {size:.1f} MiB; {args.repeat} fresh processes "
              f"each")
        results = {}
        for library in ("numpy", "chainrule"):
            runs = [measure(library, path) for _ in range(args.repeat)]
            results[library] = median_run(runs)
            times = ", ".join(f"{r['seconds']:.2f}" for r in runs)
            r = results[library]
            print(f"{library:>9}: {r['seconds']:.2f} s (runs: {times}), call added "
                  f"{r['added_mib']:.0f} MiB to peak memory (process peak {r['peak_mib']:.0f} "
                  f"MiB)")
    ours, theirs = results["chainrule"], results["numpy"]
    time_ratio = ours["seconds"] / theirs["seconds"]
    memory_ratio = ours["added_mib"] / max(theirs["added_mib"], 1e-9)
    print(f"chainrule / numpy.loadtxt: time {time_ratio:.2f}x, added memory "
          f"{memory_ratio:.2f}x (target: both within 2x)")


if __name__ == "__main__":
    main()
