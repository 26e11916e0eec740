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
norms; the angle to the double gradient at log steps only with
--bp-angle-reference float64, which this benchmark does not pass).

PyTorch runs in a subprocess per configuration (OpenBLAS reads its thread
count once, when torch loads it): one torch thread with OpenBLAS's default
threads (its GEMMs use every core), one torch thread with
OPENBLAS_NUM_THREADS=1 (one core), and --threads N torch threads for each
other N asked for. Whatever --threads says, PyTorch's two one-torch-thread
configurations run, because one of them is its fastest on a 2-core machine.

The machine may be shared and its speed drifts: the configurations run in
rounds (each once per round, cogscope's and PyTorch's interleaved), --repeat
rounds, and each configuration's best (fastest) run is reported, both by wall time and by process CPU time
(all threads; on a loaded machine the steadier of the two). The last lines
compare each side at its fastest configuration (the issue's "best
configuration" against PyTorch's best).

Logging overhead. A best-of-N ratio of separate runs is not a measure of it
here: this VM's speed swings 10-20 % between and within one-second runs
(the median step of ten identical float32 runs in one process ranged over
812-1037 us, and within runs by as much between quarters), so the best log-on
run and the best log-off run meet different machines (the lead's 19.2 % for
float32 against 10 % timed in the same runs). Two measures that are steady:
  - paired A/B: log off and on run back to back (pairs from the rounds, then
    --log-pairs more, alternating which runs first), the overhead of each
    pair from the two runs' training times, and the median and quartiles
    over the pairs printed (a swing hits one pair, not the median);
  - in-run share: the run's own timer of everything the log does in the
    process (cs_train_result.log_seconds: the snapshot step's kept
    parameters and double batch, the reference gradient, the probe pass,
    the angles, every row, HDF5 writes and flushes) over the rest of the
    same run's training time; both halves meet the same machine at most 50
    steps apart. What the timer cannot see, time lost by later steps
    (evicted caches, page-cache writeback), was measured from per-step
    timestamps (the progress callback) as under 0.3 ms per 50 steps, below
    1 % (issue 17).

usage: /usr/bin/python3 bench/bench_train.py [--cogscope build/cogscope] [--epochs 2]
                            [--repeat 3] [--threads 1,2] [--data-dir DIR] [--no-log]
                            [--log-pairs 8]
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


def blas_kernels(cogscope):
    """The OpenBLAS kernels `cogscope` runs on ("SkylakeX", ...), from
    `cogscope --version` ("BLAS: ...; kernels NAME"), or None. OpenBLAS falls
    back to generic SSE3 kernels on CPU models its build does not know; the
    cogscope CLI switches to the best ones the CPU runs, and PyTorch gets the
    same through OPENBLAS_CORETYPE, so that both run at their best."""
    out = subprocess.run([cogscope, "--version"], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("BLAS:") and "; kernels " in line:
            return line.rsplit("; kernels ", 1)[1].strip() or None
    return None


def torch_subprocess(args, threads, dtype, blas_threads):
    """torch_run in a fresh interpreter, with OPENBLAS_NUM_THREADS set before
    torch loads OpenBLAS when blas_threads is not None."""
    env = dict(os.environ)
    env.pop("OPENBLAS_NUM_THREADS", None)
    if args.blas_kernels:  # PyTorch's OpenBLAS on the kernels cogscope's runs on
        env["OPENBLAS_CORETYPE"] = args.blas_kernels
    if blas_threads is not None:
        env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", dtype, "--threads", str(threads),
           "--epochs", str(args.epochs), "--lr", str(args.lr), "--data-dir", args.data_dir]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout)


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
    res = {"sps": n / r["train_seconds"], "sps_cpu": n / r["train_cpu_seconds"], "test_acc": r["final_test_acc"]}
    res["train_seconds"], res["train_cpu_seconds"] = r["train_seconds"], r["train_cpu_seconds"]
    if log:  # the log's own time per snapshot (rows between snapshots included), timed in the process
        res["ms_per_snapshot"] = 1e3 * r["log_seconds"] / max(r["log_snapshots"], 1)
        res["ms_per_50_steps"] = 1e3 * r["train_seconds"] / r["steps"] * 50
        res["share"] = r["log_seconds"] / (r["train_seconds"] - r["log_seconds"])
    return res


def quartiles(v):
    """(lower quartile, median, upper quartile) of v, by linear interpolation."""
    v, n = sorted(v), len(v)

    def at(q):
        x = q * (n - 1)
        i = int(x)
        return v[i] + (x - i) * (v[min(i + 1, n - 1)] - v[i])
    return at(0.25), at(0.5), at(0.75)


def log_overhead(pairs, on_runs, tag):
    """The printed logging overhead of one precision: the paired A/B (each
    pair's on/off training-time ratio, wall and CPU; median and quartiles
    over the pairs) and the in-run share (log time over the rest of the same
    run's training time; median and range over every log-on run)."""
    wall = [100 * (on["train_seconds"] / off["train_seconds"] - 1) for off, on in pairs]
    cpu = [100 * (on["train_cpu_seconds"] / off["train_cpu_seconds"] - 1) for off, on in pairs]
    (wl, wm, wh), (cl, cm, ch) = quartiles(wall), quartiles(cpu)
    print(f"  logging overhead {tag}, paired A/B ({len(pairs)} back-to-back pairs): median {wm:.1f}% wall "
          f"(quartiles {wl:.1f}..{wh:.1f}%, pairs {min(wall):.1f}..{max(wall):.1f}%) | {cm:.1f}% cpu "
          f"(quartiles {cl:.1f}..{ch:.1f}%)")
    shares = [100 * r["share"] for r in on_runs]
    ev = [r["ms_per_snapshot"] for r in on_runs]
    print(f"  logging overhead {tag}, in-run share (log time / rest of the run's training time, "
          f"{len(on_runs)} runs): median {quartiles(shares)[1]:.1f}% (runs {min(shares):.1f}..{max(shares):.1f}%); "
          f"log time per snapshot median {quartiles(ev)[1]:.2f} ms, 50 steps with the log median "
          f"{quartiles([r['ms_per_50_steps'] for r in on_runs])[1]:.1f} ms")


def best(runs):
    return {"sps": max(r["sps"] for r in runs), "sps_cpu": max(r["sps_cpu"] for r in runs),
            "test_acc": runs[0]["test_acc"]}


def torch_configs(threads):
    """PyTorch's configurations: (label, torch threads, OPENBLAS_NUM_THREADS or None)."""
    cfgs = [("1 torch thread, OpenBLAS all cores", 1, None), ("1 torch thread, OpenBLAS 1 thread", 1, 1)]
    return cfgs + [("%d torch threads" % t, t, None) for t in threads if t != 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cogscope", default=os.path.join(os.path.dirname(__file__), "..", "build", "cogscope"))
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--no-log", action="store_true", help="skip cogscope's --log-every 50 runs")
    ap.add_argument("--log-pairs", type=int, default=8,
                    help="back-to-back log off/on pairs per precision and thread count after the rounds, "
                         "for the paired logging overhead (default 8)")
    ap.add_argument("--torch-worker", choices=("float32", "float64"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    threads = [int(v) for v in args.threads.split(",")]
    if args.torch_worker:  # one PyTorch run in this process (torch_subprocess), JSON on stdout
        print(json.dumps(torch_run(args, threads[0], args.torch_worker)))
        return
    args.blas_kernels = blas_kernels(args.cogscope)
    print(f"BLAS kernels: {args.blas_kernels or 'OpenBLAS default'} (cogscope chooses them at its start, "
          f"include/cogscope/blas.h; PyTorch runs with OPENBLAS_CORETYPE set to the same, its best here)")
    print(f"Fashion-MNIST 784-256-128-10 ReLU, batch 64, SGD lr {args.lr} momentum 0.9, "
          f"{args.epochs} epoch(s), best of {args.repeat}; training samples/s by wall | by CPU time")
    # Every configuration, cogscope's and PyTorch's, runs once per round, and the rounds
    # repeat: this machine's speed drifts by 10-50 % over minutes (a shared VM), and a
    # peer timed after all of cogscope's runs would see another machine.
    cfgs = []  # (key, run): key = (side, precision tag, configuration label, log)
    for t in threads:
        for prec, tag in (("float64", "f64"), ("float32", "f32")):
            for log in (False, True)[:1 if args.no_log else 2]:
                cfgs.append((("cogscope", tag, "--threads %d" % t, log),
                             lambda t=t, log=log, prec=prec: cogscope_run(args, t, log, prec)))
    for label, tt, blas in torch_configs(threads):
        for dtype, tag in (("float32", "f32"), ("float64", "f64")):
            cfgs.append((("pytorch", tag, label, False),
                         lambda tt=tt, dtype=dtype, blas=blas: torch_subprocess(args, tt, dtype, blas)))
    runs = {key: [] for key, _ in cfgs}
    loads = []
    for _ in range(args.repeat):
        loads.append(os.getloadavg()[0])  # includes this script's own previous runs
        for key, run in cfgs:
            runs[key].append(run())
    # Logging overhead: the rounds' own pairs (log off, then on, back to back)
    # and --log-pairs more, alternating which of the two runs first.
    pairs = {}  # (tag, cfg) -> [(off result, on result)]
    if not args.no_log:
        for t in threads:
            for tag in ("f64", "f32"):
                key = ("cogscope", tag, "--threads %d" % t)
                pairs[(tag, key[2])] = list(zip(runs[key + (False,)], runs[key + (True,)]))
        for i in range(args.log_pairs):
            for t in threads:
                for prec, tag in (("float64", "f64"), ("float32", "f32")):
                    first = i % 2 == 1  # log on first in every other pair
                    a = cogscope_run(args, t, first, prec)
                    b = cogscope_run(args, t, not first, prec)
                    off, on = (b, a) if first else (a, b)
                    pairs[(tag, "--threads %d" % t)].append((off, on))
    print("1-min load average at the start of each round: " + ", ".join("%.2f" % v for v in loads))
    results = {}  # "side tag" -> [(configuration, best result)]
    for t in threads:
        cfg = "--threads %d" % t
        print(f"cogscope {cfg}:")
        for tag in ("f64", "f32"):
            for log in (False, True)[:1 if args.no_log else 2]:
                r = best(runs[("cogscope", tag, cfg, log)])
                print(f"  cogscope {tag} log {'on ' if log else 'off'}         "
                      f"{r['sps']:>8.0f} | {r['sps_cpu']:>8.0f}   test acc {r['test_acc']:.4f}")
                if not log:
                    results.setdefault("cogscope " + tag, []).append((cfg, r))
        for tag in ("f64", "f32"):
            if not args.no_log:
                log_overhead(pairs[(tag, cfg)], [on for _, on in pairs[(tag, cfg)]], tag)
    print("PyTorch 1.13:")
    for label, tt, blas in torch_configs(threads):
        for tag in ("f32", "f64"):
            r = best(runs[("pytorch", tag, label, False)])
            results.setdefault("pytorch " + tag, []).append((label, r))
            print(f"  pytorch {tag}, {label:<36} {r['sps']:>8.0f} | {r['sps_cpu']:>8.0f}   test acc {r['test_acc']:.4f}")
    sys.stdout.flush()
    print("best against best (each side at its fastest configuration, wall):")
    top = {}
    for name in ("cogscope f64", "cogscope f32", "pytorch f32", "pytorch f64"):
        cfg, r = max(results[name], key=lambda cr: cr[1]["sps"])
        top[name] = r["sps"]
        print(f"  {name:<13} {r['sps']:>8.0f} samples/s ({cfg})")
    for mine, other in (("cogscope f32", "pytorch f32"), ("cogscope f64", "pytorch f32"),
                        ("cogscope f64", "pytorch f64"), ("cogscope f32", "cogscope f64")):
        print(f"  ratio {mine} / {other}: {top[mine] / top[other]:.2f}")


if __name__ == "__main__":
    main()
