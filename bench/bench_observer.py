#!/usr/bin/python3
"""Overhead of cogscope.torch.Observer on a PyTorch training loop.

Fashion-MNIST (the Debian dataset-fashion-mnist IDX files, pixels / 255),
MLP 784-256-128-10 (ReLU), cross-entropy, SGD (lr 0.05, momentum 0.9),
minibatch 64, PyTorch on one thread (torch.set_num_threads(1)); the
Observer watches the three Linear layers' outputs, snapshots a fixed
512-image probe every 50 steps (activations and errors) and logs ε, τ, S,
PI and the learning rate at every step.

Each round trains every configuration (--configs: without the Observer,
with it -- "background", the default probe pass on a copy of the model in
a worker thread -- and with background=False, "sync") for --steps steps
from the same seed on the same batches, in turns of 50 steps (one snapshot
period; the order of the turns rotates from turn to turn), so that all see
the same machine speed (this VM's drifts by 10-40 % within seconds: one
whole run after the other swung +-10-15 % from round to round). Reported:
samples/s of each configuration by wall time and by process CPU time
(every thread's), the overhead 1 - median(with) / median(without) and
per round; and, timed thread by thread (time.thread_time) inside the
observed runs, the Observer's CPU time relative to the training's own
(main thread), split into the probe pass (the model's forward and error
backward on the probe, on whichever thread ran it), writing the
snapshots, copying the weights into the shadow, the per-step series with
the close, and the set-up, with how much of it fell on the training
thread; the CPU time per snapshot and per step. The logs are written to
a temporary directory.

Intel Xeon, 2 cores, AVX-512, OpenBLAS SkylakeX kernels
(OPENBLAS_CORETYPE=SkylakeX), torch 1.13, --steps 1000 --rounds 5 under
the exclusive benchmark lock, two runs (2026-12-02): wall-time overhead
9.4 % and 10.3 % with the background pass (synchronous: 11.8 %, 12.5 %);
CPU-time overhead 11.1 %, 12.1 % (synchronous 11.1 %, 11.8 %); the
Observer's CPU time 12.2-12.6 % of the training's, 7.3 % on the training
thread (synchronous: 11.0-11.2 %, all of it): probe pass 4.8-5.3 % on the
worker (4.1-4.3 % on the training thread), writing 1.0 %, copying 0.35 %,
per-step series and close 5.3-5.4 % (~100 us per step), set-up 0.6 %
(docs/python.md, Overhead, has the breakdown).

usage: /usr/bin/python3 bench/bench_observer.py [--steps 1000] [--rounds 5]
           [--configs without,background,sync]
           [--data-dir /usr/share/datasets/fashion-mnist] [--lib build/libcogscope.so]
(COGSCOPE_LIB / --lib: the libcogscope the package loads; default build/.)
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MAIN = threading.main_thread()


os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS
from bench_train import read_idx  # noqa: E402  (the IDX reader of the training bench)


CONFIGS = {"without": None, "background": True, "sync": False}  # name -> Observer(background=)


class Run:
    """One configuration's training (its own model, optimizer, Observer),
    advanced a block of steps at a time; it accumulates its wall, process
    CPU and main-thread CPU time, and the CPU time of each part of the
    Observer's work, thread by thread (time.thread_time)."""

    def __init__(self, torch, x, y, batches, background, tmp, name):
        import cogscope.torch
        self.torch, self.x, self.y, self.batches = torch, x, y, batches
        torch.manual_seed(1)
        self.model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                         torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                         torch.nn.Linear(128, 10))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.05, momentum=0.9)
        self.i = 0
        self.t = dict(wall=0.0, cpu=0.0, main=0.0, setup=0.0, obs=0.0, pass_main=0.0,
                      pass_worker=0.0, write=0.0, copy=0.0)
        self.obs = None
        if background is None:
            return
        w, c, m = time.perf_counter(), time.process_time(), time.thread_time()
        obs = cogscope.torch.Observer(self.model, layers=["0", "2", "4"],
                                      probe=(x[:512], y[:512]), every=50,
                                      out=os.path.join(tmp, name + ".h5"), optimizer=self.opt,
                                      background=background)
        self.t["setup"] = time.thread_time() - m
        self._add(w, c, m)
        t = self.t

        def timed(method, key):
            def f(*args, **kw):
                c = time.thread_time()
                out = method(*args, **kw)
                k = key
                if key == "pass":  # the model's forward and error backward on the probe
                    k = "pass_main" if threading.current_thread() is MAIN else "pass_worker"
                t[k] += time.thread_time() - c
                return out
            return f
        obs._probe_pass = timed(obs._probe_pass, "pass")
        obs._write = timed(obs._write, "write")
        obs._refresh_shadow = timed(obs._refresh_shadow, "copy")
        self.obs = obs

    def _add(self, w, c, m):
        self.t["wall"] += time.perf_counter() - w
        self.t["cpu"] += time.process_time() - c
        self.t["main"] += time.thread_time() - m

    def block(self, n):
        F, model, opt, obs, x, y, t = (self.torch.nn.functional, self.model, self.opt, self.obs,
                                       self.x, self.y, self.t)
        w, c, m = time.perf_counter(), time.process_time(), time.thread_time()
        for idx in self.batches[self.i:self.i + n]:
            opt.zero_grad()
            logits = model(x[idx])
            loss = F.cross_entropy(logits, y[idx])
            loss.backward()
            if obs:
                c0 = time.thread_time()
                obs.step(loss, logits)
                t["obs"] += time.thread_time() - c0
            opt.step()
        self.i += n
        self._add(w, c, m)

    def close(self):
        if self.obs:
            w, c, m = time.perf_counter(), time.process_time(), time.thread_time()
            self.obs.close()
            self.t["obs"] += time.thread_time() - m
            self._add(w, c, m)
            self.background = self.obs.background

    def result(self, steps):
        t = self.t
        own_main = t["obs"] + t["setup"]
        train = t["main"] - own_main  # the training's own CPU time, main thread
        r = dict(wall=steps * 64 / t["wall"], cpu=steps * 64 / t["cpu"],
                 train_us=1e6 * train / steps)
        if self.obs:
            series = t["obs"] - t["pass_main"] - t["write"] - t["copy"]
            r.update(share=(own_main + t["pass_worker"]) / train, main_share=own_main / train,
                     pass_=(t["pass_main"] + t["pass_worker"]) / train, write=t["write"] / train,
                     copy=t["copy"] / train, setup=t["setup"] / train, series=series / train,
                     per_step=series / steps,
                     per_snap=(t["pass_main"] + t["pass_worker"] + t["write"] + t["copy"])
                     / ((steps + 49) // 50))
        return r


def one_round(torch, x, y, steps, names, tmp):
    """Every configuration trains --steps steps (same seed, same batches),
    in turns of 50 steps (one snapshot period), the order of the turns
    rotating, so that all see the same machine speed."""
    g = torch.Generator().manual_seed(2)
    perm = torch.randperm(len(x), generator=g)
    batches = [perm[(i * 64) % (len(x) - 64):][:64] for i in range(steps)]
    runs = [Run(torch, x, y, batches, CONFIGS[n], tmp, n) for n in names]
    for k, start in enumerate(range(0, steps, 50)):
        for j in range(len(runs)):
            runs[(j + k) % len(runs)].block(min(50, steps - start))
    for run in runs:
        run.close()
    return {n: run.result(steps) for n, run in zip(names, runs)}


def better_blas_kernels(lib):
    """The OPENBLAS_CORETYPE value of faster kernels than the ones OpenBLAS
    chose on this CPU (cs_blas_kernels_get, docs/install.md "BLAS
    kernels"), or None; asked in a fresh interpreter, since OpenBLAS
    chooses once per process. None when OPENBLAS_CORETYPE is already set."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return None
    code = ("import ctypes, sys\n"
            "class K(ctypes.Structure):\n"
            "    _fields_ = [(n, ctypes.c_char_p) for n in ('config', 'kernel', 'better')]\n"
            "k = K()\n"
            "ctypes.CDLL(sys.argv[1]).cs_blas_kernels_get(ctypes.byref(k))\n"
            "print((k.better or b'').decode())\n")
    out = subprocess.run([sys.executable, "-c", code, lib], check=True, capture_output=True, text=True)
    return out.stdout.strip() or None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--configs", default="without,background,sync",
                    help="comma-separated, from: without, background (the Observer's default), "
                         "sync (background=False); the first is the baseline")
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--lib", default=os.environ.get("COGSCOPE_LIB",
                                                    os.path.join(ROOT, "build", "libcogscope.so")))
    a = ap.parse_args()
    names = a.configs.split(",")
    if any(n not in CONFIGS for n in names) or len(set(names)) != len(names) or len(names) < 2:
        ap.error(f"--configs: {a.configs!r}: two or more of {', '.join(CONFIGS)}")
    os.environ["COGSCOPE_LIB"] = a.lib
    better = better_blas_kernels(a.lib)
    if better:  # PyTorch at its best: start again with OpenBLAS on those kernels
        os.environ["OPENBLAS_CORETYPE"] = better
        os.execv(sys.executable, [sys.executable] + sys.argv)
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
          f"{a.steps} steps x {a.rounds} rounds; {', '.join(names)}; OpenBLAS kernels "
          f"{os.environ.get('OPENBLAS_CORETYPE', 'as OpenBLAS chose them')}")
    rounds = []
    base = names[0]
    with tempfile.TemporaryDirectory() as tmp:
        one_round(torch, x, y, 100, names, tmp)  # warm-up
        for r in range(a.rounds):
            rounds.append(one_round(torch, x, y, a.steps, names, tmp))
            b = rounds[-1][base]
            print(f"round {r + 1}: {base} {b['wall']:.0f} wall / {b['cpu']:.0f} cpu samples/s; " +
                  "; ".join(f"{n} {o['wall']:.0f} / {o['cpu']:.0f} (overhead "
                            f"{100 * (1 - o['wall'] / b['wall']):.1f} % wall, "
                            f"{100 * (1 - o['cpu'] / b['cpu']):.1f} % cpu)"
                            for n, o in rounds[-1].items() if n != base))
    for n in names[1:]:
        print(f"-- {n}" + (f" (probe pass: Observer(background={CONFIGS[n]}))"
                           if CONFIGS[n] is not None else ""))
        for k in ("wall", "cpu"):
            m0 = statistics.median(r[base][k] for r in rounds)
            m1 = statistics.median(r[n][k] for r in rounds)
            over = [100 * (1 - r[n][k] / r[base][k]) for r in rounds]
            spread = statistics.stdev(over) if len(over) > 1 else float("nan")
            print(f"  {k}: median {base} {m0:.0f} samples/s, {n} {m1:.0f}: overhead "
                  f"{100 * (1 - m1 / m0):.1f} %; by round: median {statistics.median(over):.1f} %, "
                  f"mean {statistics.mean(over):.1f} % +- {spread:.1f} (sd; {min(over):.1f} to "
                  f"{max(over):.1f})")
        if CONFIGS[n] is None:
            continue
        m = {k: statistics.median(r[n][k] for r in rounds)
             for k in ("share", "main_share", "pass_", "write", "copy", "series", "setup",
                       "per_step", "per_snap", "train_us")}
        print(f"  CPU time of the Observer / the training's own (main thread), medians: "
              f"{100 * m['share']:.1f} % (on the training thread {100 * m['main_share']:.1f} %): "
              f"probe pass -- the model's forward and error backward on the probe, "
              f"{'on the worker thread' if CONFIGS[n] else 'on the training thread'} -- "
              f"{100 * m['pass_']:.1f} %, writing the snapshots {100 * m['write']:.1f} %, copying "
              f"the weights into the shadow {100 * m['copy']:.2f} %, per-step series and close "
              f"{100 * m['series']:.1f} %, set-up {100 * m['setup']:.1f} %; "
              f"{1e3 * m['per_snap']:.2f} ms per snapshot, {1e6 * m['per_step']:.1f} us per step; "
              f"the training's own CPU time {m['train_us']:.0f} us a step "
              f"({statistics.median(r[base]['train_us'] for r in rounds):.0f} {base})")
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"load average after: {' '.join(load)}")


if __name__ == "__main__":
    main()
