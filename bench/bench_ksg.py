#!/usr/bin/python3
"""KSG benchmark: cogscope against scikit-learn on the same data, in one run.

  bench/bench_ksg.py [--build BUILD_DIR] [--sizes 10000,100000] [--reps 3] [--quick]
                     [--cases mi,mi55,te,ksg2_55] [--jidt-jar infodynamics.jar]

BUILD_DIR must hold bench_ksg (configure with -DCOGSCOPE_BENCH=ON).
JIDT: a locally built infodynamics.jar named by --jidt-jar or the JIDT_JAR
environment variable, else the first of JIDT_JAR_PLACES that exists
(/tmp/jidt/infodynamics.jar is where this machine's copy was built from
JIDT's sources), is compiled against bench/JidtKsg.java (javac) and JIDT joins
case 4; without one the benchmark says that it skipped JIDT.

Cases (k = 4 neighbours, KSG algorithm 1, max-norm, z-scored columns):
  1. MI of a bivariate Gaussian, rho = 0.6 (analytic 0.2231 nats):
     cogscope (1 and 2 threads) vs sklearn.feature_selection.mutual_info_regression
     (n_neighbors=4; it rescales X and y by their std and adds 1e-10-scale noise,
     so its value differs from cogscope's in the last digits: both are printed).
  2. MI between two 5-dimensional blocks (10-D Gaussian, Y = 0.5 X + noise):
     sklearn has no multivariate MI, so the peer is sklearn's own algorithm
     (_compute_mi_cc: NearestNeighbors chebyshev + KDTree.query_radius counts)
     applied to the 5-D blocks, labelled "sklearn-trees".
  3. TE(X -> Y), history 1, delay 1, of a coupled Gaussian AR(1) pair
     (X_t = 0.5 X_{t-1} + e, Y_t = 0.5 Y_{t-1} + 0.4 X_{t-1} + e; analytic
     0.0921 nats): cogscope only, plus the same Frenzel-Pompe CMI computed with
     sklearn's trees as a peer.

  4. KSG-2 MI between two 5-dimensional blocks (as case 2), the high-dimensional
     case of issue 17: cogscope with its default search (blocked kd-tree above
     the measured crossover) against its fine kd-tree search (CS_KSG_SEARCH_TREE,
     the search before the blocked one existed; same values to the bit) and
     against JIDT's MutualInfoCalculatorMultiVariateKraskov2 (k = 4, its noise
     off), each on 1 and 2 threads; the scaling exponent log(t2/t1)/log(N2/N1).
     Wall and CPU seconds are both printed, and the ratios by both: on a
     shared machine the CPU seconds (process CPU time of the best run; for
     JIDT every JVM thread) are the steadier figure.

Quick command for case 4 alone (the issue 17 aim):
  bench/bench_ksg.py --cases ksg2_55 --sizes 10000,100000 --reps 3

Timing: everything after the data are in memory (z-scoring, tree building,
queries); best of --reps runs, wall clock, single-threaded peers
(OMP_NUM_THREADS=1). The machine may be shared: best-of-N is the fairest figure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.special import digamma  # noqa: E402
from sklearn.feature_selection import mutual_info_regression  # noqa: E402
from sklearn.neighbors import KDTree, NearestNeighbors  # noqa: E402


def zscore(a):
    a = np.asarray(a, dtype=float)
    return (a - a.mean(axis=0)) / a.std(axis=0, ddof=1)


def sk_mi_trees(x, y, k):
    """sklearn's _compute_mi_cc (KSG-1), generalised to multivariate x, y."""
    n = len(x)
    xy = np.hstack((x, y))
    nn = NearestNeighbors(metric="chebyshev", n_neighbors=k)
    nn.fit(xy)
    radius = nn.kneighbors()[0][:, -1]
    radius = np.nextafter(radius, 0)
    kd = KDTree(x, metric="chebyshev")
    nx = kd.query_radius(x, radius, count_only=True, return_distance=False)
    kd = KDTree(y, metric="chebyshev")
    ny = kd.query_radius(y, radius, count_only=True, return_distance=False)
    return digamma(n) + digamma(k) - np.mean(digamma(nx)) - np.mean(digamma(ny))


def sk_cmi_trees(x, y, z, k):
    """Frenzel-Pompe KSG-1 CMI with sklearn's trees (same conventions as above:
    counts include the point itself, hence digamma(n) rather than digamma(n + 1))."""
    xyz = np.hstack((x, y, z))
    nn = NearestNeighbors(metric="chebyshev", n_neighbors=k)
    nn.fit(xyz)
    radius = np.nextafter(nn.kneighbors()[0][:, -1], 0)
    counts = []
    for sp in (np.hstack((x, z)), np.hstack((y, z)), z):
        kd = KDTree(sp, metric="chebyshev")
        counts.append(kd.query_radius(sp, radius, count_only=True, return_distance=False))
    nxz, nyz, nz = counts
    return digamma(k) - np.mean(digamma(nxz)) - np.mean(digamma(nyz)) + np.mean(digamma(nz))


def best_of(fn, reps):
    best, val = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        val = fn()
        best = min(best, time.perf_counter() - t0)
    return best, float(np.ravel(val)[0])


def cogscope(bench, mode, path, a, b, threads, reps, alg=1, search="auto", cpu=False):
    out = subprocess.run([bench, mode, path, a, b, "--k", "4", "--threads", str(threads),
                          "--reps", str(reps), "--alg", str(alg), "--search", search],
                         check=True, capture_output=True, text=True)
    r = json.loads(out.stdout)
    return (r["wall_s"], r["value"], r["cpu_s"]) if cpu else (r["wall_s"], r["value"])


JIDT_JAR_PLACES = ("/tmp/jidt/infodynamics.jar", os.path.expanduser("~/jidt/infodynamics.jar"),
                   os.path.join(os.path.dirname(os.path.abspath(__file__)), "jidt", "infodynamics.jar"))


def find_jidt_jar(given):
    if given:
        return given
    return next((p for p in JIDT_JAR_PLACES if os.path.exists(p)), None)


def jidt_driver(jar):
    """Compile bench/JidtKsg.java against jar; the class directory, or None."""
    if not jar or not os.path.exists(jar):
        return None
    out = tempfile.mkdtemp(prefix="jidt_drv_")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "JidtKsg.java")
    subprocess.run(["javac", "-cp", jar, "-d", out, src], check=True)
    return out


def jidt(jar, drv, path, dx, dy, alg, threads, reps):
    out = subprocess.run(["java", "-cp", f"{jar}:{drv}", "JidtKsg", path, str(dx), str(dy), str(alg),
                          str(threads), str(reps)], check=True, capture_output=True, text=True)
    r = json.loads(out.stdout)
    return r["wall_s"], r["value"], r["cpu_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "build"))
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cases", default="mi,mi55,te,ksg2_55", help="comma list of mi, mi55, te, ksg2_55")
    ap.add_argument("--jidt-jar", default=os.environ.get("JIDT_JAR"),
                    help="a locally built infodynamics.jar (default: $JIDT_JAR)")
    ap.add_argument("--quick", action="store_true", help="skip the slow 5-vs-5 peer at the largest size")
    ap.add_argument("--jidt-sizes", default=None,
                    help="comma list: the sizes at which JIDT runs (default: every size)")
    args = ap.parse_args()
    bench = os.path.join(args.build, "bench_ksg")
    if not os.path.exists(bench):
        sys.exit(f"bench_ksg not found in {args.build}: configure with -DCOGSCOPE_BENCH=ON and build it")
    sizes = [int(s) for s in args.sizes.split(",")]
    cases = set(args.cases.split(","))
    tmp = tempfile.mkdtemp(prefix="bench_ksg_")
    rng = np.random.default_rng(2024)
    rows = []  # (case, n, peer name, peer time, peer value, cs1 time, cs1 value, cs2 time)

    def case_mi(n):
        a, b = rng.standard_normal(n), rng.standard_normal(n)
        path = os.path.join(tmp, f"mi_{n}.txt")
        np.savetxt(path, np.c_[a, 0.6 * a + 0.8 * b], fmt="%.17g")
        d = np.loadtxt(path)  # both sides read the very same numbers
        t_sk, v_sk = best_of(lambda: mutual_info_regression(d[:, :1], d[:, 1], n_neighbors=4,
                                                            random_state=0), args.reps)
        t1, v1 = cogscope(bench, "mi", path, "0", "1", 1, args.reps)
        t2, _ = cogscope(bench, "mi", path, "0", "1", 2, args.reps)
        return ("MI 1v1 rho=0.6", n, "sklearn mutual_info_regression", t_sk, v_sk, t1, v1, t2)

    def case_mi55(n):
        x = rng.standard_normal((n, 5))
        y = 0.5 * x + rng.standard_normal((n, 5))
        path = os.path.join(tmp, f"mi55_{n}.txt")
        np.savetxt(path, np.hstack((x, y)), fmt="%.17g")
        d = np.loadtxt(path)
        t1, v1 = cogscope(bench, "mi", path, "0-4", "5-9", 1, args.reps)
        t2, _ = cogscope(bench, "mi", path, "0-4", "5-9", 2, args.reps)
        if args.quick and n == max(sizes):
            t_sk, v_sk = float("nan"), float("nan")
        else:
            t_sk, v_sk = best_of(lambda: sk_mi_trees(zscore(d[:, :5]), zscore(d[:, 5:]), 4),
                                 1 if n >= 100000 else args.reps)
        return ("MI 5v5", n, "sklearn-trees KSG-1", t_sk, v_sk, t1, v1, t2)

    def case_te(n):
        m = n + 1 + 1000
        e = rng.standard_normal((m, 2))
        xs, ys = np.zeros(m), np.zeros(m)
        for t in range(1, m):
            xs[t] = 0.5 * xs[t - 1] + e[t, 0]
            ys[t] = 0.5 * ys[t - 1] + 0.4 * xs[t - 1] + e[t, 1]
        path = os.path.join(tmp, f"te_{n}.txt")
        np.savetxt(path, np.c_[xs, ys][1000:], fmt="%.17g")
        d = np.loadtxt(path)
        t1, v1 = cogscope(bench, "te", path, "0", "1", 1, args.reps)
        t2, _ = cogscope(bench, "te", path, "0", "1", 2, args.reps)
        src, fut, past = d[:-1, :1], d[1:, 1:2], d[:-1, 1:2]
        t_sk, v_sk = best_of(lambda: sk_cmi_trees(zscore(src), zscore(fut), zscore(past), 4),
                             1 if n >= 100000 else args.reps)
        return ("TE x->y AR(1)", n, "sklearn-trees FP CMI", t_sk, v_sk, t1, v1, t2)

    for name, fn in (("mi", case_mi), ("mi55", case_mi55), ("te", case_te)):
        if name in cases:
            for n in sizes:
                rows.append(fn(n))

    k2 = []  # (n, {name: (time, value)})
    args.jidt_jar = find_jidt_jar(args.jidt_jar)
    drv = jidt_driver(args.jidt_jar) if "ksg2_55" in cases else None
    jidt_sizes = set(int(v) for v in args.jidt_sizes.split(",")) if args.jidt_sizes else set(sizes)
    if "ksg2_55" in cases:
        for n in sizes:
            x = rng.standard_normal((n, 5))
            y = 0.5 * x + rng.standard_normal((n, 5))
            path = os.path.join(tmp, f"k2_{n}.txt")
            np.savetxt(path, np.hstack((x, y)), fmt="%.17g")
            r = {}
            reps = 1 if n >= 100000 else args.reps
            for t in (1, 2):  # interleaved: each configuration sees the same load
                r[f"cs {t}thr"] = cogscope(bench, "mi", path, "0-4", "5-9", t, args.reps, alg=2, cpu=True)
                r[f"cs tree {t}thr"] = cogscope(bench, "mi", path, "0-4", "5-9", t, reps, alg=2,
                                                search="tree", cpu=True)
                if drv and n in jidt_sizes:
                    r[f"JIDT {t}thr"] = jidt(args.jidt_jar, drv, path, 5, 5, 2, t, max(reps, 2))
            k2.append((n, r))

    print(f"KSG-1, k = 4; best of {args.reps} (wall s); peers single-threaded; values in nats")
    print(f"{'case':16} {'N':>7} | {'peer':31} {'t_peer':>8} {'value':>8} | {'cs 1thr':>8} "
          f"{'value':>8} {'cs 2thr':>8} | {'peer/cs1':>8}")
    for case, n, peer, tp, vp, t1, v1, t2 in rows:
        print(f"{case:16} {n:7d} | {peer:31} {tp:8.3f} {vp:8.4f} | {t1:8.3f} {v1:8.4f} {t2:8.3f} | "
              f"{tp / t1:8.1f}x")
    if len(sizes) >= 2:
        lo, hi = min(sizes), max(sizes)
        print(f"\nscaling time(N={hi}) / time(N={lo}), cogscope 1 thread:")
        for case in dict.fromkeys(r[0] for r in rows):
            t = {r[1]: r[5] for r in rows if r[0] == case}
            print(f"  {case:16} {t[hi] / t[lo]:6.1f}")


    if k2:
        print(f"\nKSG-2 MI, 5-D x 5-D, k = 4 (wall and CPU s, best of {args.reps}; N >= 1e5: 1 run, "
              "JIDT 2 runs for its JIT)")
        if drv:
            print(f"  JIDT: {args.jidt_jar}")
        else:
            print("  JIDT: skipped (no local infodynamics.jar: pass --jidt-jar or set JIDT_JAR)")
        for n, r in k2:
            print(f"  N = {n:7d}: " + ", ".join(f"{name} {t:.3f} s (cpu {c:.3f})" for name, (t, v, c) in r.items()))
            print("             values: " + ", ".join(f"{name} {v:.10f}" for name, (t, v, c) in r.items()))
            for t in (1, 2):
                cs = r[f"cs {t}thr"]
                tree = r[f"cs tree {t}thr"]
                line = f"             {t} thr: tree/blocks wall {tree[0] / cs[0]:5.1f}x cpu {tree[2] / cs[2]:5.1f}x"
                if f"JIDT {t}thr" in r:
                    j = r[f"JIDT {t}thr"]
                    line += f"; JIDT {t}thr / cs {t}thr wall {j[0] / cs[0]:6.1f}x cpu {j[2] / cs[2]:6.1f}x"
                    if t == 2:
                        j1 = r["JIDT 1thr"]
                        line += f"; JIDT 1thr / cs 2thr wall {j1[0] / cs[0]:6.1f}x"
                print(line)
        if len(k2) >= 2:
            (n1, r1), (n2, r2) = k2[0], k2[-1]
            for name in (nm for nm in r1 if nm in r2):
                e = np.log(r2[name][0] / r1[name][0]) / np.log(n2 / n1)
                ec = np.log(r2[name][2] / r1[name][2]) / np.log(n2 / n1)
                print(f"  scaling exponent {name:14s} wall {e:5.2f} cpu {ec:5.2f}  (time ~ N^e, N = {n1}..{n2})")


if __name__ == "__main__":
    main()
