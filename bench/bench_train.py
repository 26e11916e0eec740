#!/usr/bin/python3
"""Training throughput: cogscope vs PyTorch (CPU) on Fashion-MNIST.

The same MLP (784-256-128-10, ReLU, softmax + cross-entropy), the same data
(the Debian dataset-fashion-mnist IDX files, pixels / 255), minibatch 64,
SGD (lr 0.05, momentum 0.9, constant learning rate), the same number of
epochs, in one run. Reported: training samples per second (training steps
only: batching, forward, backward, update; the per-epoch evaluation is timed
apart) for both, and their ratios, at equal thread counts. cogscope computes
in float64; PyTorch runs both in float32 (its default) and float64 (like for
like). cogscope runs in float64 (its default) and with --bp-precision float32
(sgemm forward/backward on a float copy of the double master weights, the
optimizer in double: mixed precision), each with the run log off and on
(--log-every 50: per-step series, probe snapshots of 512 samples, per-layer
norms; for float32 also the angle to the double gradient at log steps).

The machine may be shared: every configuration runs --repeat times and the
best (fastest) run is reported, both by wall time and by process CPU time
(all threads; on a loaded machine the steadier of the two). The last lines
compare each side at its fastest thread count (the issue's "best
configuration" against PyTorch's best: one torch thread here).

usage: /usr/bin/python3 bench/bench_train.py [--cogscope build/cogscope] [--epochs 2]
                            [--repeat 3] [--threads 1,2] [--data-dir DIR]
(/usr/bin/python3: the interpreter with numpy and torch installed)
"""
import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and dtype == 8, path
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def torch_run(args, threads, dtype):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    d = args.data_dir
    x = torch.tensor(read_idx(f"{d}/train-images-idx3-ubyte.gz").reshape(-1, 784), dtype=torch.float32) / 255
    y = torch.tensor(read_idx(f"{d}/train-labels-idx1-ubyte.gz"), dtype=torch.int64)
    xt = torch.tensor(read_idx(f"{d}/t10k-images-idx3-ubyte.gz").reshape(-1, 784), dtype=torch.float32) / 255
    yt = torch.tensor(read_idx(f"{d}/t10k-labels-idx1-ubyte.gz"), dtype=torch.int64)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    lossf = torch.nn.CrossEntropyLoss()
    if dtype == "float64":
        model = model.double()
        x, xt = x.double(), xt.double()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    train_s = cpu_s = 0.0
    n = x.shape[0]
    for _ in range(args.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        train_s += time.perf_counter() - t0
        cpu_s += time.process_time() - c0
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    return {"sps": n * args.epochs / train_s, "sps_cpu": n * args.epochs / cpu_s, "test_acc": acc}


def cogscope_run(args, threads, log, precision="float64"):
    cmd = [args.cogscope, "train", "--data", "fashion-mnist", "--data-dir", args.data_dir,
           "--layers", "784,256,128,10", "--activation", "relu", "--batch", "64", "--optimizer", "sgd",
           "--lr", str(args.lr), "--momentum", "0.9", "--lr-schedule", "constant",
           "--epochs", str(args.epochs), "--threads", str(threads), "--seed", "1", "--json",
           "--rule", "bp", "--bp-precision", precision]
    tmp = None
    if log:
        tmp = tempfile.mkdtemp()
        cmd += ["--out", os.path.join(tmp, "run.h5"), "--log-every", "50"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    if tmp:
        os.unlink(os.path.join(tmp, "run.h5"))
        os.rmdir(tmp)
    r = json.loads(out)
    n = r["train_samples"] * r["epochs_done"]
    return {"sps": n / r["train_seconds"], "sps_cpu": n / r["train_cpu_seconds"], "test_acc": r["final_test_acc"]}


def best(runs):
    return {"sps": max(r["sps"] for r in runs), "sps_cpu": max(r["sps_cpu"] for r in runs),
            "test_acc": runs[0]["test_acc"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cogscope", default=os.path.join(os.path.dirname(__file__), "..", "build", "cogscope"))
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--lr", type=float, default=0.05)
    args = ap.parse_args()
    print(f"Fashion-MNIST 784-256-128-10 ReLU, batch 64, SGD lr {args.lr} momentum 0.9, "
          f"{args.epochs} epoch(s), best of {args.repeat}; training samples/s by wall | by CPU time")
    results = {}
    for t in [int(v) for v in args.threads.split(",")]:
        cs, cl, fs, fl, p32, p64 = [], [], [], [], [], []
        load = os.getloadavg()[0]  # includes this script's own previous runs
        for _ in range(args.repeat):  # interleaved, so every side sees the same load
            cs.append(cogscope_run(args, t, False))
            cl.append(cogscope_run(args, t, True))
            fs.append(cogscope_run(args, t, False, "float32"))
            fl.append(cogscope_run(args, t, True, "float32"))
            p32.append(torch_run(args, t, "float32"))
            p64.append(torch_run(args, t, "float64"))
        cs, cl, fs, fl, p32, p64 = best(cs), best(cl), best(fs), best(fl), best(p32), best(p64)
        results[t] = {"cogscope f64": cs, "cogscope f32": fs, "pytorch f32": p32, "pytorch f64": p64}
        print(f"threads {t} (1-min load average at start: {load:.2f}):")
        for name, r in (("cogscope f64, log off", cs), ("cogscope f64, log on", cl),
                        ("cogscope f32, log off", fs), ("cogscope f32, log on", fl),
                        ("pytorch f32", p32), ("pytorch f64", p64)):
            print(f"  {name:<22} {r['sps']:>8.0f} | {r['sps_cpu']:>8.0f}   test acc {r['test_acc']:.4f}")
        for mine, other, r in (("f64", "pytorch f32", p32), ("f64", "pytorch f64", p64),
                               ("f32", "pytorch f32", p32)):
            c = cs if mine == "f64" else fs
            print(f"  ratio cogscope {mine} / {other}: {c['sps'] / r['sps']:.2f} (wall) | "
                  f"{c['sps_cpu'] / r['sps_cpu']:.2f} (cpu)")
        print(f"  ratio cogscope f32 / cogscope f64: {fs['sps'] / cs['sps']:.2f} (wall) | "
              f"{fs['sps_cpu'] / cs['sps_cpu']:.2f} (cpu)")
        for mine, off, on in (("f64", cs, cl), ("f32", fs, fl)):
            print(f"  logging overhead {mine} (training steps): {100 * (off['sps'] / on['sps'] - 1):.1f}% (wall) | "
                  f"{100 * (off['sps_cpu'] / on['sps_cpu'] - 1):.1f}% (cpu)")
        sys.stdout.flush()
    # Each side at its best thread count (by wall time): PyTorch's best here is one torch
    # thread (its GEMMs still use OpenBLAS's threads), cogscope's is --threads 2.
    print("best against best (each configuration at its fastest thread count, wall):")
    top = {}
    for name in ("cogscope f64", "cogscope f32", "pytorch f32", "pytorch f64"):
        t = max(results, key=lambda k: results[k][name]["sps"])
        top[name] = (t, results[t][name]["sps"])
        print(f"  {name:<13} {top[name][1]:>8.0f} samples/s at --threads {t}")
    for mine, other in (("cogscope f32", "pytorch f32"), ("cogscope f64", "pytorch f32"),
                        ("cogscope f64", "pytorch f64")):
        print(f"  ratio {mine} / {other}: {top[mine][1] / top[other][1]:.2f}")


if __name__ == "__main__":
    main()
