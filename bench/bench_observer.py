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
Observer's calls relative to the rest of the training loop's, split into
the snapshots (their probe pass -- the model's forward and error backward
on the probe -- and the rest, writing them), the per-step series with the
close, and the set-up; and the CPU time per snapshot and per step. The
Observer's time includes the one-off set-up (a probe pass, creating the
file) and closing the log; the log is written to a temporary directory.

On a 2-core AMD EPYC (Zen 3), torch 1.13, --steps 1000 --rounds 5 under the
exclusive benchmark lock (2026-12-02): overhead 11.1-12.4 % of the CPU time
(wall 12.1-13.3 %); the Observer's own CPU time 10.9-11.2 % of the
training's: probe pass 5.4 %, writing 1.1 % (~5 ms per snapshot), per-step
series and close 4.0 % (~60 us per step), set-up 0.4 % (docs/python.md,
Overhead, has the breakdown).

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
    t_snap = [0.0, 0.0]  # CPU time inside the snapshots, and inside their probe passes
    if observe:
        obs = cogscope.torch.Observer(model, layers=["0", "2", "4"], probe=(x[:512], y[:512]),
                                      every=50, out=os.path.join(tmp, "bench.h5"),
                                      optimizer=opt)
        snapshot, probe_pass = obs.snapshot, obs._probe_pass

        def timed_snapshot():
            c = time.process_time()
            snapshot()
            t_snap[0] += time.process_time() - c

        def timed_probe_pass(*args, **kw):  # the model's forward and error backward
            c = time.process_time()
            out = probe_pass(*args, **kw)
            t_snap[1] += time.process_time() - c
            return out
        obs.snapshot, obs._probe_pass = timed_snapshot, timed_probe_pass
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
        return (steps * 64 / (time.perf_counter() - t0), steps * 64 / cpu) + (0.0,) * 7
    n_snap = (steps + 49) // 50
    return (steps * 64 / (time.perf_counter() - t0), steps * 64 / cpu, t_obs / train,
            t_snap[0] / train, (t_obs - t_snap[0] - t_setup) / train, t_setup / train,
            t_snap[1] / train, (t_obs - t_snap[0] - t_setup) / steps, t_snap[0] / n_snap)


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
            (w0, c0, *_), (w1, c1, share, snap, rest, _, probe, *_) = rates[False][-1], rates[True][-1]
            print(f"round {r + 1}: without {w0:7.0f} wall / {c0:7.0f} cpu samples/s, "
                  f"with {w1:7.0f} / {c1:7.0f} (ratio {w1 / w0:.3f} wall, {c1 / c0:.3f} cpu); "
                  f"observer's CPU time / training's {100 * share:.1f} % (snapshots "
                  f"{100 * snap:.1f} % of which probe pass {100 * probe:.1f} %, per-step series "
                  f"and close {100 * rest:.1f} %)")
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
    share, snap, rest, setup, probe, per_step, per_snap = (
        statistics.median(r[k] for r in rates[True]) for k in range(2, 9))
    print(f"median CPU time inside the Observer (set-up, step, snapshots, close) relative to "
          f"the training's own: {100 * share:.1f} % (snapshots {100 * snap:.1f} %, of which the "
          f"probe pass -- the model's forward and error backward on the probe -- "
          f"{100 * probe:.1f} % and writing {100 * (snap - probe):.1f} %; per-step series and "
          f"close {100 * rest:.1f} %; set-up {100 * setup:.1f} %); {1e3 * per_snap:.2f} ms per "
          f"snapshot, {1e6 * per_step:.1f} us per step")
    print(f"load average after: {' '.join(load)}")


if __name__ == "__main__":
    main()
