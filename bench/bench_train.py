#!/usr/bin/env python3
"""Training throughput: cogscope vs PyTorch (CPU) on Fashion-MNIST.

The same MLP (784-256-128-10, ReLU, softmax + cross-entropy), the same data
(the Debian dataset-fashion-mnist IDX files, pixels / 255), minibatch 64,
SGD (lr 0.05, momentum 0.9, constant learning rate), the same number of
epochs, in one run. Reported: training samples per second (training steps
only: batching, forward, backward, update; the per-epoch evaluation is timed
apart) for both, and their ratio, at equal thread counts; PyTorch in float32
(its default), cogscope in float64. Also cogscope with the run log on
(--log-every 50: per-step series, probe snapshots of 512 samples, BP angles)
versus off, as total wall time of the training loop.

The machine may be shared: every configuration runs --repeat times and the
best (fastest) run is reported.

usage: bench/bench_train.py [--cogscope build/cogscope] [--epochs 2] [--repeat 3]
                            [--threads 1,2] [--data-dir DIR]
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


def torch_run(args, threads):
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
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    lossf = torch.nn.CrossEntropyLoss()
    train_s = 0.0
    n = x.shape[0]
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, 64):
            idx = perm[i:i + 64]
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        train_s += time.perf_counter() - t0
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    return {"samples_per_second": n * args.epochs / train_s, "train_seconds": train_s, "test_acc": acc}


def cogscope_run(args, threads, log):
    cmd = [args.cogscope, "train", "--data", "fashion-mnist", "--data-dir", args.data_dir,
           "--layers", "784,256,128,10", "--activation", "relu", "--batch", "64", "--optimizer", "sgd",
           "--lr", str(args.lr), "--momentum", "0.9", "--lr-schedule", "constant",
           "--epochs", str(args.epochs), "--threads", str(threads), "--seed", "1", "--json"]
    tmp = None
    if log:
        tmp = tempfile.mkdtemp()
        cmd += ["--out", os.path.join(tmp, "run.h5"), "--log-every", "50"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    if tmp:
        os.unlink(os.path.join(tmp, "run.h5"))
        os.rmdir(tmp)
    r = json.loads(out)
    return {"samples_per_second": r["train_samples_per_second"], "train_seconds": r["train_seconds"],
            "loop_seconds": r["seconds"], "test_acc": r["final_test_acc"]}


def best(runs, key="samples_per_second"):
    return max(runs, key=lambda r: r[key])


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
          f"{args.epochs} epoch(s), best of {args.repeat}")
    print(f"{'threads':>7} {'cogscope samples/s':>19} {'pytorch samples/s':>18} {'ratio':>6} "
          f"{'acc cs/pt':>11} {'loop s log off/on':>18} {'log overhead':>12}")
    for t in [int(v) for v in args.threads.split(",")]:
        cs = best([cogscope_run(args, t, False) for _ in range(args.repeat)])
        cl = best([cogscope_run(args, t, True) for _ in range(args.repeat)])
        pt = best([torch_run(args, t) for _ in range(args.repeat)])
        ratio = cs["samples_per_second"] / pt["samples_per_second"]
        over = cl["loop_seconds"] / cs["loop_seconds"] - 1
        print(f"{t:>7} {cs['samples_per_second']:>19.0f} {pt['samples_per_second']:>18.0f} {ratio:>6.2f} "
              f"{cs['test_acc']:>5.3f}/{pt['test_acc']:.3f} {cs['loop_seconds']:>8.2f}/{cl['loop_seconds']:<8.2f} "
              f"{100 * over:>11.1f}%")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
