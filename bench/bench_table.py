#!/usr/bin/python3
"""Text-table reader: cogscope against numpy.loadtxt (and pandas.read_csv when
installed) on the same file, in one run.

  /usr/bin/python3 bench/bench_table.py [--build BUILD_DIR] [--rows 100000] [--cols 10] [--reps 5]

BUILD_DIR must hold bench_table (configure with -DCOGSCOPE_BENCH=ON). The file
is a Gaussian table written with %.17g (the round-trip format), space
separated, about 2 MB per 10,000 x 10 values. Reported: the best CPU time of
--reps reads (process CPU, the steadier figure on a shared machine), the
throughput in MB/s and the peer/cogscope time ratio. Every reader must give
the same doubles (checked).
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np


def best_cpu(fn, reps):
    best, out = float("inf"), None
    for _ in range(reps):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--cols", type=int, default=10)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    exe = os.path.join(args.build, "bench_table")
    path = os.path.join(tempfile.mkdtemp(prefix="bench_table_"), "t.txt")
    data = np.random.default_rng(1).standard_normal((args.rows, args.cols))
    np.savetxt(path, data, fmt="%.17g")
    size = os.path.getsize(path)
    r = json.loads(subprocess.run([exe, path, "--reps", str(args.reps)], check=True,
                                  capture_output=True, text=True).stdout)
    t_cs = r["cpu_s"]
    rows = [("cogscope cs_table_read", t_cs)]
    t_np, a = best_cpu(lambda: np.loadtxt(path), args.reps)
    assert np.array_equal(a, data), "numpy read other values"
    rows.append(("numpy.loadtxt", t_np))
    try:
        import pandas as pd
        t_pd, b = best_cpu(lambda: pd.read_csv(path, sep=" ", header=None,
                                               float_precision="round_trip").values, args.reps)
        assert np.array_equal(b, data), "pandas read other values"
        rows.append(("pandas.read_csv round_trip", t_pd))
    except ImportError:
        print("pandas: skipped (not installed)")
    print(f"{args.rows} x {args.cols} values, {size / 1e6:.1f} MB, best CPU time of {args.reps}")
    for name, t in rows:
        print(f"  {name:28s} {t:8.4f} s  {size / t / 1e6:7.1f} MB/s  {t / t_cs:6.2f}x cogscope's time")


if __name__ == "__main__":
    main()
