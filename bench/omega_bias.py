#!/usr/bin/env python3
"""Bias of layer Omega (cogscope estimate omega) on independent data.

X: n samples of d independent standard normal units; Y independent of X:
10 equiprobable classes (--y-discrete) or one standard normal column. Every
true value is 0 (S = I = 0; Omega undefined), so each estimate is bias plus
noise. Prints, per (target, N, units, bias correction), the mean over
`--seeds` data sets of S, I, the Omega the estimator would give without the
low_mi flag (mi_min 0), and how often low_mi (I < 0.01 nats) flags it at
the default threshold.

    /usr/bin/python3 bench/omega_bias.py --bin build/cogscope [--seeds 5]

docs/metrics.md ("Omega of a whole layer", bias) quotes its output.
"""
import argparse
import json
import os
import subprocess
import tempfile

import numpy as np


def run(binary, path, d, discrete, bias, estimator):
    cmd = [binary, "estimate", "omega", "--input", path, "--x", "0-%d" % (d - 1), "--y", str(d),
           "--estimator", estimator, "--mi-min", "0", "--json", "--threads", "1"]
    if discrete:
        cmd.append("--y-discrete")
    if not bias:
        cmd.append("--no-bias-correct")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/cogscope")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--estimator", default="gcopula")
    args = ap.parse_args()
    print("target      N  units  bias    S [nats]   I [nats]   Omega(mi_min 0)  low_mi  components")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.csv")
        for discrete in (True, False):
            for n in (200, 500, 1000, 2000):
                for d in (10, 50, 100):
                    for bias in (False, True):
                        S, I, W, low, comps = [], [], [], 0, None
                        for seed in range(args.seeds):
                            rng = np.random.default_rng(1000 * seed + n + d)
                            x = rng.standard_normal((n, d))
                            y = rng.integers(0, 10, n) if discrete else rng.standard_normal(n)
                            np.savetxt(path, np.column_stack([x, y]), fmt="%.8g")
                            r = run(args.bin, path, d, discrete, bias, args.estimator)
                            S.append(r["synergy"])
                            I.append(r["mi"])
                            if r["omega"] is not None:
                                W.append(r["omega"])
                            low += r["mi"] < 0.01
                            comps = r["components"]
                        print("%-10s %5d %6d  %-5s %10.4f %10.4f %12.3f      %d/%d  %s" %
                              ("discrete10" if discrete else "continuous", n, d, "on" if bias else "off",
                               np.mean(S), np.mean(I), np.mean(W) if W else float("nan"), low, args.seeds,
                               comps), flush=True)


if __name__ == "__main__":
    main()
