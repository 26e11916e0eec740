#!/usr/bin/python3
"""Gaussian O-information of every multiplet: cogscope against a numpy peer.

Cases (issue 4):
  A  all multiplets of orders 3, 4, 5 of 20 variables, N = 1e4 (21,489 multiplets,
     15,504 of them quintuplets)      aim: < 20 ms after the covariance
  B  all 341,376 triplets of 128 variables, N = 1e4       aim: < 1 s on 2 cores

cogscope (bench_oinfo.c): one covariance (dsyrk), then per multiplet one small
Cholesky and the diagonal of its inverse; OpenMP over multiplets.

numpy peer: what multiplet libraries in the style of hoi/frites do, vectorised
over batches of multiplets as a JAX vmap would be: for every multiplet the
covariance of its columns is recomputed from the N samples (batched matmul),
then Cholesky log-determinants of the whole block and of each leave-one-out
sub-block. (hoi goes further and recomputes a covariance from the data for
every subset entropy; reusing the multiplet's covariance makes this peer
faster than that, so the ratio printed is conservative.) The data are centred
once, as hoi's copula normalisation does once.

Both sides run on the same data in one run; each timing is the best of a few
repeats (the machine may be shared). When the full numpy run would take too
long (case B) a prefix of the multiplets is timed and the time extrapolated
linearly (the cost per multiplet is constant within one order); the output
says so. The numpy values are checked against cogscope's on the multiplets it
computed.

usage: /usr/bin/python3 bench/bench_oinfo.py [--build DIR] [--repeats R] [--numpy-budget S]
Build first: cmake -S . -B build -DCOGSCOPE_BENCH=ON && cmake --build build -j2
"""
import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def numpy_oinfo(x, combos, batch=512):
    """O-information (nats) of each row of combos (all of one order m)."""
    N = x.shape[0]
    m = combos.shape[1]
    out = np.empty(len(combos))
    loo = [[j for j in range(m) if j != i] for i in range(m)]
    for s in range(0, len(combos), batch):
        c = combos[s:s + batch]
        xs = np.ascontiguousarray(x[:, c].transpose(1, 2, 0))  # (B, m, N)
        cov = xs @ xs.transpose(0, 2, 1) / (N - 1)               # per-multiplet covariance
        ld = 2 * np.log(np.diagonal(np.linalg.cholesky(cov), axis1=1, axis2=2)).sum(1)
        tc = 0.5 * (np.log(np.diagonal(cov, axis1=1, axis2=2)).sum(1) - ld)
        sum_loo = np.zeros(len(c))
        for keep in loo:
            sub = cov[:, keep][:, :, keep]
            sum_loo += 2 * np.log(np.diagonal(np.linalg.cholesky(sub), axis1=1, axis2=2)).sum(1)
        dtc = 0.5 * (sum_loo - (m - 1) * ld)
        out[s:s + len(c)] = tc - dtc
    return out


def run_numpy(x, n, orders, budget, repeats):
    """Time the numpy peer over all multiplets of `orders`, or a prefix of
    each order when the whole would exceed `budget` seconds. Returns
    (seconds for all multiplets, extrapolated?, {order: (count_done, values)})."""
    xc = x - x.mean(0)
    total, extrapolated, done = 0.0, False, {}
    for m in orders:
        combos = np.array(list(itertools.combinations(range(n), m)), dtype=np.intp)
        # a probe sets the size of the timed prefix
        probe = combos[:2048]
        t0 = time.perf_counter()
        numpy_oinfo(xc, probe)
        per = (time.perf_counter() - t0) / len(probe)
        count = len(combos)
        take = count if per * count <= budget else max(2048, int(budget / per))
        take = min(take, count)
        best = 1e30
        for _ in range(repeats):
            t0 = time.perf_counter()
            vals = numpy_oinfo(xc, combos[:take])
            best = min(best, time.perf_counter() - t0)
        if take < count:
            extrapolated = True
        total += best * count / take
        done[m] = (take, vals)
    return total, extrapolated, done


def run_cogscope(exe, path, N, n, kmin, kmax, threads, repeats, values_path):
    out = subprocess.run([exe, path, str(N), str(n), str(kmin), str(kmax), str(threads),
                          str(repeats), values_path], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory holding bench_oinfo (configured with -DCOGSCOPE_BENCH=ON)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--numpy-budget", type=float, default=20.0,
                    help="seconds of numpy per order before extrapolating (default 20)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    exe = os.path.join(args.build, "bench_oinfo")
    if not os.path.exists(exe):
        sys.exit(f"{exe} not found: cmake -S {ROOT} -B {args.build} -DCOGSCOPE_BENCH=ON && "
                 f"cmake --build {args.build} -j2 --target bench_oinfo")
    N = 10000
    cases = [("A", 20, 3, 5, 0.020), ("B", 128, 3, 3, 1.0)]
    rng = np.random.default_rng(args.seed)
    print(f"numpy {np.__version__}; cogscope best of {args.repeats}; cores: {os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, n, kmin, kmax, aim in cases:
            # correlated Gaussian data: x = z A, A = I + noise / sqrt(n)
            a = np.eye(n) + rng.normal(size=(n, n)) / np.sqrt(n)
            x = rng.normal(size=(N, n)) @ a
            path = os.path.join(tmp, f"x{n}.bin")
            x.astype(np.float64).tofile(path)
            vpath = os.path.join(tmp, f"v{n}.bin")
            res = {t: run_cogscope(exe, path, N, n, kmin, kmax, t, args.repeats, vpath)
                   for t in (1, 2)}
            cog = np.fromfile(vpath)
            orders = list(range(kmin, kmax + 1))
            np_s, extrap, done = run_numpy(x, n, orders, args.numpy_budget,
                                           max(1, min(3, args.repeats)))
            # check agreement on what numpy computed
            err, off = 0.0, 0
            for m in orders:
                take, vals = done[m]
                err = max(err, float(np.max(np.abs(vals - cog[off:off + take]))))
                off += math.comb(n, m)
            count = res[1]["count"]
            best = min(res[1]["scan_s"], res[2]["scan_s"])
            print(f"\ncase {name}: O-information, all multiplets of orders {kmin}-{kmax} of {n} "
                  f"variables, N = {N}: {count} multiplets")
            print(f"  cogscope covariance + plan         {res[1]['plan_s'] * 1e3:9.2f} ms")
            for t in (1, 2):
                r = res[t]
                print(f"  cogscope scan, {t} thread{'s' if t > 1 else ' '}          "
                      f"{r['scan_s'] * 1e3:9.2f} ms   (top-10 only: {r['scan_top10_s'] * 1e3:.2f} ms)")
            print(f"  aim                                {aim * 1e3:9.2f} ms   "
                  f"{'met' if best < aim else 'NOT met'} (best {best * 1e3:.2f} ms)")
            how = "extrapolated from a timed prefix" if extrap else "full run"
            print(f"  numpy, covariance per multiplet    {np_s * 1e3:9.1f} ms   ({how})")
            print(f"  max |numpy - cogscope|             {err:9.2e} nats")
            print(f"  ratio numpy / cogscope (best scan) {np_s / best:9.1f} x")
            tot = best + res[1]["plan_s"]
            print(f"  ratio incl. cogscope's covariance  {np_s / tot:9.1f} x")


if __name__ == "__main__":
    main()
