#!/usr/bin/python3
"""Overhead of cogscope.torch.Observer on a PyTorch training loop.

Fashion-MNIST (the Debian dataset-fashion-mnist IDX files, pixels / 255),
MLP 784-256-128-10 (ReLU), cross-entropy, SGD (lr 0.05, momentum 0.9),
minibatch 64, PyTorch on one thread (torch.set_num_threads(1)); the
Observer watches the three Linear layers' outputs, snapshots a fixed
512-image probe every 50 steps (activations and errors) and logs ε, τ, S,
PI and the learning rate at every step.

The baseline is measured in PyTorch's configurations for this loop
(--baselines): OpenBLAS on one thread or on every core
(OPENBLAS_NUM_THREADS), and opt.zero_grad(set_to_none=False) (backward
accumulates into the same .grad tensors) or True (new ones each step,
torch 2's default); the fastest baseline and the overhead there are named
at the end, the same Observer cost being a larger share of a faster step.
Each OpenBLAS thread count runs in its own child process (OpenBLAS takes
it once, at load; switched at run time, the pool threads of the
many-thread turns spun on into the one-thread turns); the children take
turns, one round each. Each round trains every (baseline, configuration)
pair (--configs: without the Observer, with it -- "background", the
default probe pass on a copy of the model in a worker thread -- and with
background=False, "sync") for --steps steps from the same seed on the same
batches, in turns of 50 steps (one snapshot period; the order of the
turns rotates from turn to turn), so that all see the same machine speed
(this VM's drifts by 10-40 % within seconds). Reported: samples/s of each
by wall time and by process CPU time (every thread's), the overhead per
round and its median; and, timed thread by thread (time.thread_time)
inside the observed runs, the Observer's CPU time relative to the
training's own (main thread), split into the probe pass (on whichever
thread ran it), writing the snapshots, copying the weights into the
shadow, the per-step series with the close, and the set-up, with how much
of it fell on the training thread; the CPU time per snapshot and per
step. The logs are written to a temporary directory. ~2.3 minutes.

--compare PYTHON_DIR:LIB also runs another cogscope package (e.g. a
checkout of main's python/ over its library) in child processes of its
own, taking turns with this one's round by round: the A/B of a change in
one run, its configurations reported as NAME@before.

Intel Xeon, 2 cores, AVX-512, OpenBLAS kernels as it chose them, torch
1.13, the defaults with --rounds 3 --compare (main f4d5d7a) under the
exclusive benchmark lock (2026-12-02, 20:16-20:23 UTC): the fastest baseline
is OpenBLAS on both cores with set_to_none=True; wall-time overhead there
17.3 % (background; 16.6 % before the weak references), synchronous 15.4 % (15.0 %);
at OpenBLAS 1 thread, set_to_none=False 7.3 % (7.5 %). The Observer's CPU time at the fastest baseline: 15.0 % of the
training's, 11.0 % on the training thread: per-step series 9.2 % (163 us a
step), probe pass 4.0 % (worker), writing 1.1 %.
docs/python.md, Overhead, has every configuration, what the overhead is
made of, what was tried, and the history.

usage: /usr/bin/python3 bench/bench_observer.py [--steps 1000] [--rounds 5]
           [--configs without,background,sync]
           [--baselines 1:false,1:true,all:false,all:true]
           [--data-dir /usr/share/datasets/fashion-mnist] [--lib build/libcogscope.so]
           [--compare PYTHON_DIR:LIB]
(COGSCOPE_LIB / --lib: the libcogscope the package loads; default build/.)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
MAIN = threading.main_thread()


from bench_train import read_idx  # noqa: E402  (the IDX reader of the training bench)


CONFIGS = {"without": None, "background": True, "sync": False}  # name -> Observer(background=)


class Run:
    """One configuration's training (its own model, optimizer, Observer),
    advanced a block of steps at a time; it accumulates its wall, process
    CPU and main-thread CPU time, and the CPU time of each part of the
    Observer's work, thread by thread (time.thread_time)."""

    def __init__(self, torch, x, y, batches, background, tmp, name, set_to_none):
        import cogscope.torch
        self.torch, self.x, self.y, self.batches = torch, x, y, batches
        self.set_to_none = set_to_none
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
        none = self.set_to_none
        w, c, m = time.perf_counter(), time.process_time(), time.thread_time()
        for idx in self.batches[self.i:self.i + n]:
            opt.zero_grad(set_to_none=none)
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


def one_round(torch, x, y, steps, runs_of, tmp):
    """Every (baseline, configuration) pair trains --steps steps (same seed,
    same batches), in turns of 50 steps (one snapshot period), the order of
    the turns rotating, so that all see the same machine speed."""
    g = torch.Generator().manual_seed(2)
    perm = torch.randperm(len(x), generator=g)
    batches = [perm[(i * 64) % (len(x) - 64):][:64] for i in range(steps)]
    runs = [Run(torch, x, y, batches, CONFIGS[n], tmp, f"{n}-{none}", none)
            for none, n in runs_of]
    for k, start in enumerate(range(0, steps, 50)):
        for j in range(len(runs)):
            runs[(j + k) % len(runs)].block(min(50, steps - start))
    for run in runs:
        run.close()
    return {key: run.result(steps) for key, run in zip(runs_of, runs)}


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


def child(a, names):
    """One OpenBLAS thread count (OPENBLAS_NUM_THREADS, set before this
    process loaded OpenBLAS): on each line "STEPS" read from stdin, one
    round of every (set_to_none, configuration) pair; its results as one
    JSON line on stdout."""
    sys.path.insert(0, a.child_python or os.path.join(ROOT, "python"))
    import torch
    torch.set_num_threads(1)
    d = a.data_dir
    x = torch.tensor(read_idx(f"{d}/train-images-idx3-ubyte.gz").reshape(-1, 784),
                     dtype=torch.float32) / 255
    y = torch.tensor(read_idx(f"{d}/train-labels-idx1-ubyte.gz"), dtype=torch.int64)
    runs_of = [(none == "true", n) for none in a.child_set_to_none.split(",") for n in names]
    with tempfile.TemporaryDirectory() as tmp:
        for line in sys.stdin:
            got = one_round(torch, x, y, int(line), runs_of, tmp)
            print(json.dumps([[k[0], k[1], v] for k, v in got.items()]), flush=True)
    return 0


def label(base):
    return f"OpenBLAS {base[0]} thread{'s' if base[0] > 1 else ''}, set_to_none={base[1]}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--configs", default="without,background,sync",
                    help="comma-separated, from: without, background (the Observer's default), "
                         "sync (background=False); the first is the baseline")
    ap.add_argument("--baselines", default="1:false,1:true,all:false,all:true",
                    help="the training loop's configurations, comma-separated THREADS:SET_TO_NONE "
                         "with THREADS 1 or all (OPENBLAS_NUM_THREADS) and SET_TO_NONE false or "
                         "true (opt.zero_grad(set_to_none=...))")
    ap.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--lib", default=os.environ.get("COGSCOPE_LIB",
                                                    os.path.join(ROOT, "build", "libcogscope.so")))
    ap.add_argument("--compare", metavar="PYTHON_DIR:LIB",
                    help="A/B in one run: also time the cogscope package in PYTHON_DIR (e.g. "
                         "another checkout's python/) over the library LIB, in child processes "
                         "of their own taking turns with this one's, reported as '@before'")
    ap.add_argument("--child-set-to-none", help=argparse.SUPPRESS)  # a child process's part
    ap.add_argument("--child-python", help=argparse.SUPPRESS)
    a = ap.parse_args()
    names = a.configs.split(",")
    if any(n not in CONFIGS for n in names) or len(set(names)) != len(names) or len(names) < 2:
        ap.error(f"--configs: {a.configs!r}: two or more of {', '.join(CONFIGS)}")
    if a.child_set_to_none:
        return child(a, names)
    cores = len(os.sched_getaffinity(0))
    bases = []
    for item in a.baselines.split(","):
        t, _, none = item.partition(":")
        if t not in ("1", "all") or none not in ("false", "true"):
            ap.error(f"--baselines: {item!r}: THREADS:SET_TO_NONE, THREADS 1 or all, "
                     "SET_TO_NONE false or true")
        bases.append((1 if t == "1" else cores, none == "true"))
    bases = list(dict.fromkeys(bases))
    os.environ["COGSCOPE_LIB"] = a.lib
    better = better_blas_kernels(a.lib)
    if better:  # PyTorch at its best: start again with OpenBLAS on those kernels
        os.environ["OPENBLAS_CORETYPE"] = better
        os.execv(sys.executable, [sys.executable] + sys.argv)
    import torch
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"load average before: {' '.join(load)}; torch {torch.__version__}, 1 torch thread; "
          f"{a.steps} steps x {a.rounds} rounds; {', '.join(names)}; at "
          f"{'; '.join(label(b) for b in bases)}; OpenBLAS kernels "
          f"{os.environ.get('OPENBLAS_CORETYPE', 'as OpenBLAS chose them')}", flush=True)
    # One child process per OpenBLAS thread count (OpenBLAS takes it once,
    # at load; switched at run time, the idle pool threads of the
    # many-thread turns spun on into the one-thread turns); the children
    # take turns, one round each at a time, so that they too see the same
    # machine speed.
    # With --compare, each thread count has a second child running the
    # other package; its configurations are named NAME@before.
    variants = {"": (os.path.join(ROOT, "python"), a.lib)}
    if a.compare:
        pydir, _, lib = a.compare.partition(":")
        if not os.path.isdir(os.path.join(pydir, "cogscope")) or not os.path.isfile(lib):
            ap.error(f"--compare: {a.compare!r}: PYTHON_DIR:LIB, a directory holding the "
                     "cogscope package and a libcogscope.so")
        variants["@before"] = (os.path.abspath(pydir), os.path.abspath(lib))
    kids = {}
    for threads in dict.fromkeys(t for t, _ in bases):
        nones = ",".join(str(n).lower() for t, n in bases if t == threads)
        for v, (pydir, lib) in variants.items():
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), COGSCOPE_LIB=lib)
            kids[(threads, v)] = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--configs", a.configs, "--data-dir",
                 a.data_dir, "--lib", lib, "--child-set-to-none", nones, "--child-python", pydir],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def one(steps):
        out = {}
        for (threads, v), kid in kids.items():
            kid.stdin.write(f"{steps}\n")
            kid.stdin.flush()
            line = kid.stdout.readline()
            if not line:
                sys.exit(f"the child process for OpenBLAS {threads} threads{v} failed")
            for none, n, r in json.loads(line):
                out[((threads, none), n + v)] = r
        return out

    rounds = []
    one(100)  # warm-up
    for r in range(a.rounds):
        got = one(a.steps)
        rounds.append(got)
        print(f"round {r + 1}: " + " | ".join(
            f"{b[0]}t/{'none' if b[1] else 'zero'}{v} {got[(b, names[0] + v)]['wall']:.0f}: "
            + ", ".join(f"{n} {100 * (1 - got[(b, n + v)]['wall'] / got[(b, names[0] + v)]['wall']):.1f} %"
                        for n in names[1:]) for b in bases for v in variants), flush=True)
    for kid in kids.values():
        kid.stdin.close()
        kid.wait()
    summary = {}
    for b, v in ((b, v) for b in bases for v in variants):
        print(f"== {label(b)}{' (--compare)' if v else ''}")
        base = names[0] + v
        for n in (n + v for n in names[1:]):
            line = []
            for k in ("wall", "cpu"):
                m0 = statistics.median(r[(b, base)][k] for r in rounds)
                m1 = statistics.median(r[(b, n)][k] for r in rounds)
                over = [100 * (1 - r[(b, n)][k] / r[(b, base)][k]) for r in rounds]
                summary[(b, n, k)] = statistics.median(over)
                summary[(b, base, k)] = m0
                line.append(f"{k}: {base} {m0:.0f}, {n} {m1:.0f} samples/s, overhead by round "
                            f"median {statistics.median(over):.1f} % ({min(over):.1f} to "
                            f"{max(over):.1f})")
            print(f"  {n}: " + "; ".join(line))
            kind = CONFIGS[n.partition("@")[0]]
            if kind is None:
                continue
            m = {k: statistics.median(r[(b, n)][k] for r in rounds)
                 for k in ("share", "main_share", "pass_", "write", "copy", "series", "setup",
                           "per_step", "per_snap", "train_us")}
            print(f"    the Observer's CPU time / the training's own (main thread), medians: "
                  f"{100 * m['share']:.1f} % (on the training thread {100 * m['main_share']:.1f} "
                  f"%): probe pass ({'worker thread' if kind else 'training thread'}) "
                  f"{100 * m['pass_']:.1f} %, writing {100 * m['write']:.1f} %, copying "
                  f"{100 * m['copy']:.2f} %, per-step series and close {100 * m['series']:.1f} %, "
                  f"set-up {100 * m['setup']:.1f} %; {1e3 * m['per_snap']:.2f} ms per snapshot, "
                  f"{1e6 * m['per_step']:.1f} us per step; training {m['train_us']:.0f} us a step "
                  f"({statistics.median(r[(b, base)]['train_us'] for r in rounds):.0f} {base})")
    base = names[0]
    fastest = max(bases, key=lambda b: summary[(b, base, "wall")])
    print(f"fastest baseline (median wall samples/s without the Observer): {label(fastest)}, "
          f"{summary[(fastest, base, 'wall')]:.0f} samples/s; overhead there (median by round, "
          f"wall): " + ", ".join(f"{n}{v} {summary[(fastest, n + v, 'wall')]:.1f} %"
                                 for v in variants for n in names[1:]))
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    print(f"load average after: {' '.join(load)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
