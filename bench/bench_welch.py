#!/usr/bin/python3
"""Welch PSD: cogscope (bench_welch, C) against scipy.signal.welch on the same
data in one run; prints both times, the ratio and the largest relative
difference.

usage: bench/bench_welch.py [--build DIR] [--channels 64] [--log2n 20]
                            [--nperseg 1024] [--repeats 3] [--threads 0]

Both sides get the same float64 values, each in its natural layout (scipy:
channels x samples, axis=-1; cogscope: samples x channels, DESIGN.md §2), and
the same options: hann, nperseg, noverlap nperseg/2, constant detrend, density,
mean. Each side runs `repeats` times; the best time counts (the machine is
shared, so single timings are noisy). scipy runs single-threaded as numpy's
FFT does; cogscope uses --threads OpenMP threads (0 = all cores), reported.
Build the C side first:
    cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCOGSCOPE_BENCH=ON
    cmake --build build-bench --target bench_welch
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy
from scipy import signal

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build-bench"))
ap.add_argument("--channels", type=int, default=64)
ap.add_argument("--log2n", type=int, default=20)
ap.add_argument("--nperseg", type=int, default=1024)
ap.add_argument("--repeats", type=int, default=3)
ap.add_argument("--threads", type=int, default=0)
args = ap.parse_args()

exe = os.path.join(args.build, "bench_welch")
if not os.path.exists(exe):
    sys.exit("no %s: build with -DCOGSCOPE_BENCH=ON first" % exe)

n, c = 1 << args.log2n, args.channels
rng = np.random.default_rng(7)
t = np.arange(n)
# Noise plus a few oscillations, so the spectrum is not flat.
x = rng.standard_normal((c, n))
x += np.sin(2 * np.pi * 0.05 * t)[None, :] * np.linspace(0.5, 2, c)[:, None]
x += 0.3 * np.sin(2 * np.pi * 0.21 * t + 1.0)[None, :]

with tempfile.TemporaryDirectory() as tmp:
    data_path = os.path.join(tmp, "x.bin")
    out_path = os.path.join(tmp, "psd.bin")
    np.ascontiguousarray(x.T).tofile(data_path)  # samples x channels
    res = subprocess.run([exe, data_path, str(n), str(c), str(args.nperseg), str(args.repeats),
                          out_path, str(args.threads)], capture_output=True, text=True)
    if res.returncode:
        sys.exit("bench_welch failed: " + res.stderr)
    fields = dict(kv.split("=") for kv in res.stdout.split())
    c_best = float(fields["best_s"])
    nfreq = args.nperseg // 2 + 1
    p_c = np.fromfile(out_path).reshape(c, nfreq)

times = []
for _ in range(args.repeats):
    t0 = time.perf_counter()
    f, p_py = signal.welch(x, nperseg=args.nperseg)
    times.append(time.perf_counter() - t0)
py_best = min(times)

rel = np.max(np.abs(p_c - p_py) / np.abs(p_py))
print("data: %d channels x %d samples, nperseg %d, noverlap %d, hann, density, mean"
      % (c, n, args.nperseg, args.nperseg // 2))
print("cogscope: best %.3f s of %s (plan %.4f s, %s threads)"
      % (c_best, fields["times"], float(fields["plan_s"]), fields["threads"]))
print("scipy %s: best %.3f s of %s" % (scipy.__version__, py_best, ",".join("%.3f" % v for v in times)))
print("ratio scipy/cogscope: %.2fx" % (py_best / c_best))
print("max relative difference: %.3g" % rel)
if not rel < 1e-10:
    sys.exit("values differ")
