#!/usr/bin/python3
"""Text-table reader: cogscope against numpy.loadtxt (and pandas.read_csv when
installed) on the same file, in one run; then the whole `cogscope estimate mi
--estimator ksg1` process at N = 10^4 against its estimation alone.

  /usr/bin/python3 bench/bench_table.py [--build BUILD_DIR] [--rows 100000] [--cols 10] [--reps 5]
                                        [--process-reps 30]

Process part (issue 17's lean-process aim, within 1.5x): a 10^4 x 2 table
(x, x + noise, %.17g); alternately, --process-reps times each, one
`cogscope estimate mi --input T --x 0 --y 1 --estimator ksg1 --threads 1`
process (its CPU time, user + system, from the kernel's accounting of the
child, and its wall time) and one `bench_table --mi T --reps 1` (the same
estimation through the library in a fresh process, timed by clock() from
the table in memory to the value: the in-library figure; its value must be
the CLI's). Printed: medians and minima, and the ratio process / estimation
of the medians and of the minima.

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
import resource
import statistics
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
    ap.add_argument("--process-reps", type=int, default=30)
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
    process_vs_estimation(args.build, args.process_reps)


def child_cpu(cmd):
    """Run cmd; its CPU seconds (user + system, all threads) and wall seconds, and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, out


def process_vs_estimation(build, reps):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(10000)
    path = os.path.join(tempfile.mkdtemp(prefix="bench_process_"), "mi.txt")
    np.savetxt(path, np.c_[x, x + rng.standard_normal(10000)], fmt="%.17g")
    cli = [os.path.join(build, "cogscope"), "estimate", "mi", "--input", path, "--x", "0", "--y", "1",
           "--estimator", "ksg1", "--threads", "1", "--json"]
    lib = [os.path.join(build, "bench_table"), "--mi", path, "--reps", "1"]
    proc_cpu, proc_wall, est = [], [], []
    for _ in range(reps):
        c, w, out = child_cpu(cli)
        proc_cpu.append(c)
        proc_wall.append(w)
        v_cli = json.loads(out)["value"]
        r = json.loads(child_cpu(lib)[2])
        est.append(r["first_cpu_s"])
        assert r["value"] == v_cli, f"the library's value {r['value']} is not the CLI's {v_cli}"
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    med = statistics.median
    print(f"\nestimate mi --estimator ksg1, N = 10^4, one thread, {reps} interleaved runs "
          f"(load average {load}):")
    print(f"  whole process  CPU {1e3 * med(proc_cpu):6.2f} ms median, {1e3 * min(proc_cpu):6.2f} min; "
          f"wall {1e3 * med(proc_wall):6.2f} ms median")
    print(f"  estimation     CPU {1e3 * med(est):6.2f} ms median, {1e3 * min(est):6.2f} min "
          f"(in-library timer, table in memory to value)")
    print(f"  process / estimation: {med(proc_cpu) / med(est):.2f}x (medians), "
          f"{min(proc_cpu) / min(est):.2f}x (minima); aim <= 1.5x")


if __name__ == "__main__":
    main()
