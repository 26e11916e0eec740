#!/usr/bin/python3
"""Overhead of cogscope.torch.Observer on a PyTorch training loop.

Fashion-MNIST (the Debian dataset-fashion-mnist IDX files, pixels / 255),
MLP 784-256-128-10 (ReLU), cross-entropy, SGD (lr 0.05, momentum 0.9),
minibatch 64, PyTorch on one thread (torch.set_num_threads(1)); the
Observer watches the three Linear layers' outputs, snapshots a fixed
512-image probe every 50 steps (activations and errors) and logs ε, τ, S,
PI and the learning rate at every step.

Rounds alternate between training without and with the Observer (same
seed, same batches, --steps steps each; which goes first alternates from
round to round), so both see the same machine load;
reported: training samples/s of each round, by wall time and by process CPU
time (steadier on a shared machine: torch and the library run on this one
thread), the median of each configuration and the overhead
1 - median(with) / median(without), the mean and standard deviation of the
rounds' overheads; and, measured inside each observed run
(so that load changes between runs cancel), the CPU time spent in the
Observer's calls relative to the rest of the training loop's. The
Observer's time includes the one-off set-up (a probe pass, creating the
file) and closing the log; the log is written to a temporary directory.

usage: /usr/bin/python3 bench/bench_observer.py [--steps 1000] [--rounds 5]
           [--data-dir /usr/share/datasets/fashion-mnist] [--lib build/libcogscope.so]
(COGSCOPE_LIB / --lib: the libcogscope the package loads; default build/.)
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS
from bench_train import read_idx  # noqa: E402  (the IDX reader of the training bench)


def one_round(torch, x, y, steps, observe, tmp):
    import cogscope.torch
    F = torch.nn.functional
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    g = torch.Generator().manual_seed(2)
    perm = torch.randperm(len(x), generator=g)
    batches = [perm[(i * 64) % (len(x) - 64):][:64] for i in range(steps)]
    t0, c0 = time.perf_counter(), time.process_time()
    obs = None
    t_snap = [0.0]  # CPU time inside the snapshots
    if observe:
        obs = cogscope.torch.Observer(model, layers=["0", "2", "4"], probe=(x[:512], y[:512]),
                                      every=50, out=os.path.join(tmp, "bench.h5"),
                                      optimizer=opt)
        snapshot = obs.snapshot

        def timed_snapshot():
            c = time.process_time()
            snapshot()
            t_snap[0] += time.process_time() - c
        obs.snapshot = timed_snapshot
    t_setup = time.process_time() - c0
    t_obs = t_setup  # CPU time inside the Observer: set-up, obs.step (snapshots included), close
    for idx in batches:
        opt.zero_grad()
        logits = model(x[idx])
        loss = F.cross_entropy(logits, y[idx])
        loss.backward()
        if obs:
            c = time.process_time()
            obs.step(loss, logits)
            t_obs += time.process_time() - c
        opt.step()
    if obs:
        c = time.process_time()
        obs.close()
        t_obs += time.process_time() - c
    cpu = time.process_time() - c0
    train = cpu - t_obs
    if not obs:
        return steps * 64 / (time.perf_counter() - t0), steps * 64 / cpu, 0.0, 0.0, 0.0, 0.0
    return (steps * 64 / (time.perf_counter() - t0), steps * 64 / cpu, t_obs / train,
            t_snap[0] / train, (t_obs - t_snap[0] - t_setup) / train, t_setup / train)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--lib", default=os.environ.get("COGSCOPE_LIB",
                                                    os.path.join(ROOT, "build", "libcogscope.so")))
    a = ap.parse_args()
    os.environ["COGSCOPE_LIB"] = a.lib
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import torch
    torch.set_num_threads(1)
    d = a.data_dir
    x = torch.tensor(read_idx(f"{d}/train-images-idx3-ubyte.gz").reshape(-1, 784),
                     dtype=torch.float32) / 255
    y = torch.tensor(read_idx(f"{d}/train-labels-idx1-ubyte.gz"), dtype=torch.int64)
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"load average before: {' '.join(load)}; torch {torch.__version__}, 1 thread; "
          f"{a.steps} steps x {a.rounds} rounds")
    rates = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        one_round(torch, x, y, 50, True, tmp)  # warm-up
        for r in range(a.rounds):
            for observe in ((False, True) if r % 2 == 0 else (True, False)):  # order alternates
                rates[observe].append(one_round(torch, x, y, a.steps, observe, tmp))
            (w0, c0, *_), (w1, c1, share, snap, rest, _) = rates[False][-1], rates[True][-1]
            print(f"round {r + 1}: without {w0:7.0f} wall / {c0:7.0f} cpu samples/s, "
                  f"with {w1:7.0f} / {c1:7.0f} (ratio {w1 / w0:.3f} wall, {c1 / c0:.3f} cpu); "
                  f"observer's CPU time / training's {100 * share:.1f} % (snapshots "
                  f"{100 * snap:.1f} %, per-step series and close {100 * rest:.1f} %)")
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    for k, what in ((0, "wall"), (1, "cpu")):
        m0 = statistics.median(r[k] for r in rates[False])
        m1 = statistics.median(r[k] for r in rates[True])
        print(f"median ({what}): without {m0:.0f} samples/s, with {m1:.0f} samples/s; "
              f"overhead {100 * (1 - m1 / m0):.1f} %")
    for k, what in ((0, "wall"), (1, "cpu")):
        over = [100 * (1 - w[k] / wo[k]) for wo, w in zip(rates[False], rates[True])]
        spread = statistics.stdev(over) if len(over) > 1 else float("nan")
        print(f"overhead by round ({what}): mean {statistics.mean(over):.1f} % +- {spread:.1f} "
              f"(sd; min {min(over):.1f}, max {max(over):.1f}, {len(over)} rounds)")
    share, snap, rest, setup = (statistics.median(r[k] for r in rates[True]) for k in range(2, 6))
    print(f"median CPU time inside the Observer (set-up, step, snapshots, close) relative to "
          f"the training's own: {100 * share:.1f} % (snapshots {100 * snap:.1f} %, per-step "
          f"series and close {100 * rest:.1f} %, set-up {100 * setup:.1f} %)")
    print(f"load average after: {' '.join(load)}")


if __name__ == "__main__":
    main()
