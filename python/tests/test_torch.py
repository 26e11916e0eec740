"""cogscope.torch.Observer on the bundled digits set: a small MLP and a
small CNN trained for a few epochs with the Observer, the logs checked with
h5py against what the Observer promises (series, snapshot shapes, ΣPI
values recomputed independently here in numpy/torch), and read by the C
tools: cogscope info, analyze and report."""
import gzip
import json
import math
import os
import re
import weakref

import h5py
import numpy as np
import pytest

# not importorskip: without torch (tools/deps.sh test installs python3-torch)
# these tests must fail, not vanish
import torch
import torch.nn as nn
import torch.nn.functional as F

import cogscope
import cogscope.torch
from conftest import ROOT, run_cli

torch.set_num_threads(1)


def digits():
    with gzip.open(os.path.join(ROOT, "datasets", "digits.csv.gz"), "rt") as f:
        d = np.loadtxt(f, delimiter=",")
    x = torch.tensor(d[:, :64] / 16.0, dtype=torch.float32)
    y = torch.tensor(d[:, 64], dtype=torch.long)
    return x, y


def _steps(model, opt, obs, x, y, n, batch=8):
    """n training steps on consecutive batches, each logged by obs."""
    for i in range(n):
        opt.zero_grad()
        logits = model(x[i * batch:(i + 1) * batch])
        loss = F.cross_entropy(logits, y[i * batch:(i + 1) * batch])
        loss.backward()
        obs.step(loss, logits)
        opt.step()


def train(model, x, y, obs, opt, epochs, batch=32, seed=0, held_out=None):
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x) - batch + 1, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            logits = model(x[idx])
            loss = F.cross_entropy(logits, y[idx])
            loss.backward()
            obs.step(loss, logits)
            opt.step()
        if held_out is not None:
            with torch.no_grad():
                z = model(held_out[0])
            obs.evaluate(loss=float(F.cross_entropy(z, held_out[1])),
                         acc=float((z.argmax(1) == held_out[1]).float().mean()))


def check_with_cli(path, tmp_path):
    info = json.loads(run_cli("info", path, "--json").stdout)
    metrics = tmp_path / "m.h5"
    run_cli("analyze", path, "--out", metrics)
    html = tmp_path / "r.html"
    run_cli("report", path, "--format", "html", "-o", html)
    assert html.stat().st_size > 1000
    text = run_cli("report", path).stdout
    # what a torch log does not record is said so, with what it does record
    # (no "rule ?", no "0 of 0 epochs")
    shown = run_cli("info", path).stdout
    for out in (shown, text):
        assert "not recorded (trainer torch, model " in out and "epochs not recorded" in out
        assert "activation not recorded" in out
        assert "?" not in out and "0 of 0" not in out
    assert re.search(r"^  seeds +not recorded$", text, re.M)
    return info, text


def test_mlp_observer(tmp_path):
    torch.manual_seed(0)
    x, y = digits()
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16), nn.Tanh(),
                          nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    out = tmp_path / "mlp.h5"
    probe = (x[:200], y[:200])
    seen = []
    with cogscope.torch.Observer(model, layers=["1", "3", "4"], probe=probe, every=20,
                                 out=out, optimizer=opt, dataset="digits",
                                 evals=("loss", "acc")) as obs:
        orig = obs.step

        def step(loss, logits):  # recompute ΣPI independently for the first steps
            if len(seen) < 5:
                p = F.softmax(logits.detach().double(), dim=1)
                tau = float(-(p * p.clamp_min(1e-300).log()).sum(1).mean())
                s = float(torch.sqrt(sum((q.grad.double() ** 2).sum()
                                         for q in model.parameters())))
                eps = float(loss)
                pi = math.exp(-((1 - 0.5) * eps / (tau + 1e-9) + 0.5 * s))
                seen.append((eps, tau, s, pi))
            return orig(loss, logits)
        obs.step = step
        train(model, x[:1400], y[:1400], obs, opt, epochs=3, held_out=(x[1400:], y[1400:]))
        steps = obs.steps
    assert steps == 3 * (1400 // 32)
    with h5py.File(out, "r") as f:
        for i, (eps, tau, s, pi) in enumerate(seen):
            assert abs(f["steps/loss"][i] - eps) < 1e-12
            assert abs(f["steps/tau"][i] - tau) < 1e-12
            assert abs(f["steps/surprise"][i] - s) < 1e-5 * s  # torch sums in float32
            assert abs(f["steps/pi"][i] - pi) < 1e-5
        assert len(f["steps/loss"]) == steps
        assert np.allclose(f["steps/lr"][:], 0.1)
        n_snap = (steps + 19) // 20
        for name, units in (("1", 32), ("3", 16), ("4", 10)):
            a = f[f"layers/{name}/activations"]
            e = f[f"layers/{name}/errors"]
            assert a.shape == (n_snap, 200, units) and e.shape == a.shape
        # the output layer's error is softmax - onehot (per-sample CE gradient)
        first = f["layers/4/activations"][0]
        p = np.exp(first - first.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        onehot = np.eye(10)[y[:200].numpy()]
        assert np.allclose(f["layers/4/errors"][0], p - onehot, atol=1e-5)
        assert f["probe/inputs"].shape == (200, 64)
        assert list(f["eval/step"][:]) == [43 * (e + 1) for e in range(3)]
        assert f["eval/acc"][-1] > 0.85  # a 3-epoch MLP on digits
        assert (f["probe/labels"][:] == y[:200].numpy()).all()
        # training learned: loss falls
        loss = f["steps/loss"][:]
        assert loss[-20:].mean() < 0.5 * loss[:20].mean()
    info, text = check_with_cli(str(out), tmp_path)
    assert info["steps"] == steps and info["evals"] == 3
    assert "pi" in text.lower()


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x.view(-1, 1, 8, 8)))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


def test_cnn_observer_logs_channels(tmp_path):
    torch.manual_seed(1)
    x, y = digits()
    model = SmallCNN()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    out = tmp_path / "cnn.h5"
    with cogscope.torch.Observer(model, layers=["conv1", "conv2", "fc"], probe=(x[:128], y[:128]),
                                 every=25, out=out, optimizer=opt) as obs:
        train(model, x, y, obs, opt, epochs=2, batch=64)
        steps = obs.steps
        obs.snapshot()  # one more, with the final weights
        with torch.no_grad():
            conv1 = F.conv2d(x[:128].view(-1, 1, 8, 8), model.conv1.weight, model.conv1.bias,
                             padding=1)
    with h5py.File(out, "r") as f:
        assert f["layers/conv1/activations"].shape[1:] == (128, 6)
        assert f["layers/conv2/activations"].shape[1:] == (128, 8)
        assert f["layers/fc/activations"].shape[1:] == (128, 10)
        assert len(f["steps/pi"]) == steps
        loss = f["steps/loss"][:]
        assert loss[-10:].mean() < loss[:10].mean()
        # conv channels are the spatial means of the module's output
        want = conv1.mean(dim=(2, 3)).numpy()
        assert np.allclose(f["layers/conv1/activations"][-1], want, rtol=1e-5, atol=1e-6)
        assert f["snapshots/step"][-1] == steps
    info, _ = check_with_cli(str(out), tmp_path)
    assert info["steps"] == steps


def test_observer_closes_cleanly_on_exceptions(tmp_path):
    x, y = digits()
    model = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    out = tmp_path / "boom.h5"
    with pytest.raises(RuntimeError, match="boom"):
        with cogscope.torch.Observer(model, layers=["0"], probe=(x[:50], y[:50]), every=5,
                                     out=out) as obs:
            _steps(model, opt, obs, x, y, 12, batch=10)
            raise RuntimeError("boom")
    with h5py.File(out, "r") as f:
        assert len(f["steps/loss"]) == 12
        assert f["layers/0/activations"].shape == (3, 50, 16)
    info = json.loads(run_cli("info", out, "--json").stdout)
    assert info["steps"] == 12


def test_observer_does_not_change_training(tmp_path):
    """The probe pass leaves gradients, parameters and modes as they were:
    two runs, with and without the Observer, end with equal weights."""
    x, y = digits()

    def run(observe):
        torch.manual_seed(3)
        model = nn.Sequential(nn.Linear(64, 20), nn.Dropout(0.2), nn.ReLU(), nn.Linear(20, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        obs = (cogscope.torch.Observer(model, layers=["0", "3"], probe=(x[:64], y[:64]),
                                       every=3, out=tmp_path / "same.h5") if observe else None)
        torch.manual_seed(4)
        for i in range(20):
            opt.zero_grad()
            logits = model(x[i * 16:(i + 1) * 16])
            loss = F.cross_entropy(logits, y[i * 16:(i + 1) * 16])
            loss.backward()
            if obs:
                obs.step(loss, logits)
            opt.step()
        if obs:
            obs.close()
        return [p.detach().clone() for p in model.parameters()]

    for a, b in zip(run(False), run(True)):
        assert torch.equal(a, b)


def test_observer_usage_errors(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3))
    with pytest.raises(ValueError, match="not among the model's modules"):
        cogscope.torch.Observer(model, layers=["fc9"], probe=(torch.zeros(5, 4), None),
                                out=tmp_path / "x.h5")
    with pytest.raises(ValueError, match="every"):
        cogscope.torch.Observer(model, layers=["0"], probe=(torch.zeros(5, 4), None), every=0,
                                out=tmp_path / "x.h5")
    with pytest.raises(cogscope.CogscopeError):
        cogscope.torch.Observer(model, layers=["0"], probe=(torch.zeros(5, 4), None),
                                out=tmp_path / "no" / "such" / "dir.h5")


def test_observer_flushes_as_training_goes(tmp_path):
    """A reader sees the steps of a run that is still going (SWMR), once the
    flush interval has passed."""
    import time
    x, y = digits()
    model = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    out = tmp_path / "live.h5"
    with cogscope.torch.Observer(model, layers=["0"], probe=(x[:50], y[:50]), every=10,
                                 out=out, flush_interval=0.2) as obs:
        for i in range(31):
            if i == 30:
                time.sleep(0.3)  # the next step's append is past the flush interval
            opt.zero_grad()
            logits = model(x[i * 10:(i + 1) * 10])
            loss = F.cross_entropy(logits, y[i * 10:(i + 1) * 10])
            loss.backward()
            obs.step(loss, logits)
            opt.step()
        info = json.loads(run_cli("info", out, "--json").stdout)
        assert info["live"] and info["steps"] >= 30
    info = json.loads(run_cli("info", out, "--json").stdout)
    assert not info["live"] and info["steps"] == 31


def test_observer_tau_of_sequence_logits(tmp_path):
    """(batch, classes, positions) logits: tau is the mean entropy over every
    position, classes on axis 1 as cross_entropy has them."""
    model = nn.Sequential(nn.Conv1d(3, 5, 1))  # (N, 3, T) -> (N, 5, T): 5 classes per position
    x = torch.randn(8, 3, 7)
    out = tmp_path / "seq.h5"
    with cogscope.torch.Observer(model, layers=["0"], probe=(x, None), every=100,
                                 out=out) as obs:
        logits = model(x)
        loss = logits.pow(2).mean()
        loss.backward()
        assert all(math.isnan(v) for v in obs.last.values())  # nothing logged yet
        obs.step(loss, logits)
        values = obs.last
    p = F.softmax(logits.detach().double(), dim=1)
    want = float(-(p * p.log()).sum(1).mean())
    assert abs(values["tau"] - want) < 1e-12
    with h5py.File(out, "r") as f:
        assert f["layers/0/activations"].shape == (1, 8, 5)  # per channel


@pytest.mark.parametrize("layout", ["strided", "float16", "vector"])
def test_observer_logits_the_library_cannot_read_in_place(tmp_path, layout):
    """Logits that are not contiguous float32/float64 (a strided view, half
    precision) go through a float64 copy: the same tau as torch's; 1-D
    logits are refused with the shape named."""
    model = nn.Sequential(nn.Linear(4, 12))
    x = torch.randn(6, 4)
    with cogscope.torch.Observer(model, layers=["0"], probe=(x, None), every=100,
                                 out=tmp_path / "l.h5") as obs:
        out = model(x)
        logits = {"strided": out[:, ::2], "float16": out.half(), "vector": out[0]}[layout]
        loss = out.pow(2).mean()
        loss.backward()
        if layout == "vector":
            with pytest.raises(ValueError, match=r"\(12,\)"):
                obs.step(loss, logits)
            return
        obs.step(loss, logits)
        p = F.softmax(logits.detach().double(), dim=1)
        want = float(-(p * p.log()).sum(1).mean())
        assert not logits.is_contiguous() or logits.dtype == torch.float16
        assert abs(obs.last["tau"] - want) < 1e-12
        assert obs.last["loss"] == float(loss)


@pytest.mark.parametrize("dtype,set_to_none", [(torch.float32, False), (torch.float32, True),
                                               (torch.float64, False)])
def test_observer_surprise_is_the_global_gradient_norm(tmp_path, dtype, set_to_none):
    """S at every step equals torch's float64 L2 norm of all gradients, whether
    backward accumulates into the same .grad tensors (the Observer reuses its
    views of them), makes new ones each step (zero_grad(set_to_none=True)),
    or the gradients are not float32 (the torch fallback); a parameter
    without a gradient (unused here) is left out. Tolerance: float32 dot
    products, relative error ~1e-6 (docs/python.md), 1e-12 in float64."""
    x, y = digits()
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(64, 24), nn.Tanh(), nn.Linear(24, 10)).to(dtype)
    model.register_parameter("unused", nn.Parameter(torch.zeros(3, dtype=dtype)))  # no .grad
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    want, got = [], []
    with cogscope.torch.Observer(model, layers=["0"], probe=(x[:32].to(dtype), y[:32]),
                                 every=4, out=tmp_path / "s.h5") as obs:
        for i in range(12):
            opt.zero_grad(set_to_none=set_to_none)
            logits = model(x[i * 20:(i + 1) * 20].to(dtype))
            loss = F.cross_entropy(logits, y[i * 20:(i + 1) * 20])
            loss.backward()
            assert model.unused.grad is None
            grads = torch.cat([p.grad.double().reshape(-1) for p in model.parameters()
                               if p.grad is not None])
            want.append(float(torch.linalg.vector_norm(grads)))
            assert obs.step(loss, logits) is None
            got.append(obs.last["surprise"])
            opt.step()
    assert got == pytest.approx(want, rel=1e-5 if dtype == torch.float32 else 1e-12)
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert list(f["steps/surprise"][:]) == got


def _surprises(tmp_path, name, set_to_none, steps=12):
    """S of `steps` SGD steps of a fixed MLP on digits, zero_grad(set_to_none=...)."""
    x, y = digits()
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(64, 24), nn.Tanh(), nn.Linear(24, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    got, ptrs = [], set()
    with cogscope.torch.Observer(model, layers=["0"], probe=(x[:32], y[:32]), every=100,
                                 out=tmp_path / name) as obs:
        for i in range(steps):
            opt.zero_grad(set_to_none=set_to_none)
            loss = F.cross_entropy(model(x[i * 20:(i + 1) * 20]), y[i * 20:(i + 1) * 20])
            loss.backward()
            ptrs.add(model[0].weight.grad.data_ptr())
            obs.step(loss, model(x[i * 20:(i + 1) * 20]))
            got.append(obs.last["surprise"])
            opt.step()
    return got, ptrs


def test_new_gradient_tensors_every_step_give_the_same_surprise(tmp_path):
    """zero_grad(set_to_none=True) hands the Observer new .grad tensors every
    step (at the same addresses or others, as the allocator has it; moved
    ones: test_gradients_at_moved_and_reused_addresses); backward into
    zeroed tensors gives the same values (0 + g = g), so S is the same bit
    for bit as when the tensors stay."""
    kept, kept_at = _surprises(tmp_path, "kept.h5", set_to_none=False)
    new, new_at = _surprises(tmp_path, "new.h5", set_to_none=True)
    assert len(kept_at) == 1 and new_at
    assert new == kept
    assert all(math.isfinite(s) and s > 0 for s in new)


def test_gradients_replaced_by_the_loop(tmp_path):
    """A loop that sets .grad itself, a different kind of tensor from step to
    step: float32 contiguous (read in place), a parameter without a gradient
    (left out), a non-contiguous or float64 gradient (torch's norm instead),
    then float32 again: S follows each step's tensors."""
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 4))
    lin, x = model[0], torch.randn(16, 6)
    kinds = ["f32", "none", "strided", "f32", "f64", "f32"]
    with cogscope.torch.Observer(model, layers=["0"], probe=(x, None), every=100,
                                 out=tmp_path / "g.h5") as obs:
        for i, kind in enumerate(kinds):
            w = torch.randn(4, 6) * (i + 1)
            b = torch.randn(4) + i
            if kind == "strided":
                w = torch.randn(6, 4).t() * (i + 1)  # (4, 6), not contiguous
                assert not w.is_contiguous()
            lin.weight.grad = w
            lin.bias.grad = None if kind == "none" else b
            if kind == "f64":  # with a float64 parameter: .grad must match its dtype
                model.double()
                lin.weight.grad, lin.bias.grad = w.double(), b.double()
            grads = [g.double().reshape(-1) for g in (lin.weight.grad, lin.bias.grad)
                     if g is not None]
            want = float(torch.linalg.vector_norm(torch.cat(grads)))
            obs.step(torch.tensor(1.0), model(x.to(lin.weight.dtype)))
            if kind == "f64":
                model.float()
            assert obs.last["surprise"] == pytest.approx(want, rel=1e-6), kind


def test_gradients_at_moved_and_reused_addresses(tmp_path):
    """The Observer keeps no strong reference to the .grad tensors (so that
    zero_grad(set_to_none=True) frees them and backward can reuse their
    memory) and gives the library their addresses again only when one
    moved: S follows a .grad made by backward at another address (the old
    tensor still held here), new tensors at the same address with new
    values (read there, the addresses not handed over again), and a new
    tensor at the same address that is not contiguous (torch's norm).
    Tolerance: float32 dot products, as above."""
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 4))
    lin, x = model[0], torch.randn(16, 6)
    base, bias = torch.empty(24), torch.empty(4)
    held, seen = [], []
    kinds = ["backward", "moved", "moved", "view", "view", "strided", "view"]
    with cogscope.torch.Observer(model, layers=["0"], probe=(x, None), every=100,
                                 out=tmp_path / "a.h5") as obs:
        for i, kind in enumerate(kinds):
            if kind in ("backward", "moved"):
                held.append(lin.weight.grad)  # the last step's tensor stays alive
                model.zero_grad(set_to_none=True)
                (model(x) * (i + 1)).square().mean().backward()
            else:
                w = base.view(4, 6) if kind == "view" else base.view(6, 4).t()
                w.copy_(torch.randn(4, 6) * (i + 1))
                lin.weight.grad, lin.bias.grad = w, bias.view(4).copy_(torch.randn(4) + i)
            grads = [g.double().reshape(-1) for g in (lin.weight.grad, lin.bias.grad)]
            want = float(torch.linalg.vector_norm(torch.cat(grads)))
            at = obs._at
            obs.step(torch.tensor(1.0), model(x))
            assert obs.last["surprise"] == pytest.approx(want, rel=1e-6), (i, kind)
            seen.append((lin.weight.grad.data_ptr(), obs._at is at, obs._at is None))
        held.clear()
        gone = weakref.ref(lin.bias.grad)  # the Observer holds no .grad alive
        model.zero_grad(set_to_none=True)
        assert gone() is None
    assert len({p for p, _, _ in seen[:3]}) == 3  # backward's tensors did move
    assert [s[1:] for s in seen[3:]] == [(False, False), (True, False), (False, True),
                                         (False, False)]


def _train_logged(tmp_path, name, background, steps=31, every=5):
    """A BatchNorm + Dropout MLP (buffers to copy, random numbers drawn by
    training) trained with the Observer; returns (observer, final weights)."""
    x, y = digits()
    torch.manual_seed(6)
    model = nn.Sequential(nn.Linear(64, 24), nn.BatchNorm1d(24), nn.ReLU(), nn.Dropout(0.3),
                          nn.Linear(24, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    torch.manual_seed(7)
    with cogscope.torch.Observer(model, layers=["1", "4"], probe=(x[:96], y[:96]), every=every,
                                 out=tmp_path / name, optimizer=opt,
                                 background=background) as obs:
        _steps(model, opt, obs, x, y, steps, batch=16)
    return obs, [t.detach().clone() for t in model.state_dict().values()]


def test_background_probe_pass_logs_what_the_synchronous_one_does(tmp_path):
    """The probe pass on the shadow copy in the worker thread logs the same
    snapshots, bit for bit, at the same steps, as the pass on the model
    itself; training (dropout's random numbers, BatchNorm's running
    statistics, the weights) is the same with either."""
    bg, w_bg = _train_logged(tmp_path, "bg.h5", True)
    sync, w_sync = _train_logged(tmp_path, "sync.h5", False)
    assert bg.background and not sync.background
    for a, b in zip(w_bg, w_sync):
        assert torch.equal(a, b)
    with h5py.File(tmp_path / "bg.h5", "r") as f, h5py.File(tmp_path / "sync.h5", "r") as g:
        assert f["config"].attrs["probe_pass"].decode().startswith("background")
        assert g["config"].attrs["probe_pass"].decode() == "synchronous: background=False"
        assert f["config"].attrs["blas_kernels"].decode() == cogscope.blas()["kernel"]
        assert list(f["snapshots/step"][:]) == list(g["snapshots/step"][:]) == list(range(0, 31, 5))
        for name in ("layers/1/activations", "layers/1/errors", "layers/4/activations",
                     "layers/4/errors", "steps/loss", "steps/surprise", "steps/pi"):
            assert np.array_equal(f[name][:], g[name][:]), name
        # the snapshots differ from one another: each has its own step's weights
        acts = f["layers/4/activations"][:]
        assert not any(np.array_equal(acts[i], acts[i + 1]) for i in range(len(acts) - 1))


class NoCopy(nn.Module):
    """Holds a lock: copy.deepcopy raises TypeError."""
    def __init__(self):
        super().__init__()
        import threading
        self.fc = nn.Linear(64, 10)
        self.lock = threading.Lock()

    def forward(self, x):
        return self.fc(x)


class OnlyItself(nn.Module):
    """Copies fine, but a copy refuses to run."""
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 10)
        self.original = id(self)

    def forward(self, x):
        if id(self) != self.original:
            raise RuntimeError("not the original")
        return self.fc(x)


class Noisy(nn.Module):
    """Draws random numbers in eval mode too."""
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(x + 0.01 * torch.randn_like(x))


@pytest.mark.parametrize("model_class,why", [
    (NoCopy, "synchronous: the model cannot be deep-copied (TypeError: cannot pickle"),
    (OnlyItself, "synchronous: the copy's probe pass failed (RuntimeError: not the original)"),
    (Noisy, "synchronous: the probe pass draws random numbers")])
def test_models_a_copy_cannot_observe_are_observed_synchronously(tmp_path, model_class, why):
    x, y = digits()
    model = model_class()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with cogscope.torch.Observer(model, layers=["fc"], probe=(x[:40], y[:40]), every=2,
                                 out=tmp_path / "s.h5") as obs:
        assert not obs.background
        _steps(model, opt, obs, x, y, 5)
    with h5py.File(tmp_path / "s.h5", "r") as f:
        assert f["config"].attrs["probe_pass"].decode().startswith(why)
        assert list(f["snapshots/step"][:]) == [0, 2, 4]
        assert f["layers/fc/errors"].shape == (3, 40, 10)


class Probed(nn.Module):
    """Fails or dawdles on the probe batch (size 40) when the class says so
    (a class attribute: the shadow copy sees it too), counting the passes
    that run at once."""
    fail, delay, running, most = False, 0.0, 0, 0

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        if len(x) == 40:
            if Probed.fail:
                raise ValueError("probe pass exploded")
            Probed.running += 1
            Probed.most = max(Probed.most, Probed.running)
            import time
            time.sleep(Probed.delay)
            Probed.running -= 1
        return self.fc(x)


def test_background_pass_errors_and_one_pass_at_a_time(tmp_path):
    """A failing background pass is raised, with its message, by a later
    step() (the steps are logged) or by close() (the log is closed and
    readable); the exception of a `with` block is not replaced by it; passes
    run one at a time, each snapshot at the step it was taken."""
    x, y = digits()
    model = Probed()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    Probed.fail, Probed.delay, Probed.most = False, 0.05, 0
    try:
        # slow passes every step: each waits for the previous one
        with cogscope.torch.Observer(model, layers=["fc"], probe=(x[:40], y[:40]), every=1,
                                     out=tmp_path / "one.h5") as obs:
            assert obs.background
            _steps(model, opt, obs, x, y, 4)
        assert Probed.most == 1
        with h5py.File(tmp_path / "one.h5", "r") as f:
            assert list(f["snapshots/step"][:]) == [0, 1, 2, 3]
        Probed.delay = 0.0

        obs = cogscope.torch.Observer(model, layers=["fc"], probe=(x[:40], y[:40]), every=3,
                                      out=tmp_path / "fail.h5")
        Probed.fail = True
        with pytest.raises(ValueError, match="probe pass exploded"):
            _steps(model, opt, obs, x, y, 4)  # step 0's pass fails; step 3's waits for it
        assert 2 <= obs.steps <= 4  # every step before the raise logged
        Probed.fail = False
        _steps(model, opt, obs, x, y, 3)  # the Observer goes on
        obs.close()
        with h5py.File(tmp_path / "fail.h5", "r") as f:
            assert len(f["steps/loss"]) == obs.steps and 0 not in f["snapshots/step"][:]
            assert len(f["snapshots/step"]) >= 1

        obs = cogscope.torch.Observer(model, layers=["fc"], probe=(x[:40], y[:40]), every=100,
                                      out=tmp_path / "close.h5")
        Probed.fail = True
        _steps(model, opt, obs, x, y, 1)  # step 0's pass fails, raised by close()
        with pytest.raises(ValueError, match="probe pass exploded"):
            obs.close()
        obs.close()  # closed already: nothing more to raise
        info = json.loads(run_cli("info", tmp_path / "close.h5", "--json").stdout)
        assert info["steps"] == 1 and not info["live"]

        with pytest.raises(KeyError, match="loop") as raised:
            with cogscope.torch.Observer(model, layers=["fc"], probe=(x[:40], y[:40]), every=3,
                                         out=tmp_path / "both.h5") as obs:
                _steps(model, opt, obs, x, y, 1)  # step 0's pass, failing, is in flight
                raise KeyError("loop")
        assert "closing the Observer also failed: ValueError: probe pass exploded" in \
            raised.value.__notes__[0]
        info = json.loads(run_cli("info", tmp_path / "both.h5", "--json").stdout)
        assert info["steps"] == 1 and not info["live"]
    finally:
        Probed.fail, Probed.delay = False, 0.0


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 10)
        self.register_buffer("scale", torch.ones(1))

    def forward(self, x):
        return self.fc(x) * self.scale


def test_background_follows_replaced_tensors(tmp_path):
    """A buffer reassigned during training (a new tensor, float32 and then
    float64, not an in-place change) is in the next snapshot, with the
    shadow copy as without it."""
    x, y = digits()

    def run(background):
        torch.manual_seed(8)
        model = nn.Sequential(Scaled())
        out = tmp_path / f"r{background}.h5"
        with cogscope.torch.Observer(model, layers=["0"], probe=(x[:40], y[:40]), every=1,
                                     out=out, background=background) as obs:
            for i in range(4):
                if i >= 2:  # a new tensor in place of the buffer
                    model[0].scale = torch.full((1,), 3.0 if i == 2 else 5.0,
                                                dtype=torch.float32 if i == 2 else torch.float64)
                logits = model(x[i * 8:(i + 1) * 8])
                loss = F.cross_entropy(logits, y[i * 8:(i + 1) * 8])
                loss.backward()
                obs.step(loss, logits)
                assert obs.background == background
        with h5py.File(out, "r") as f:
            return f["layers/0/activations"][:], f["layers/0/errors"][:]

    (acts, errs), (acts_sync, errs_sync) = run(True), run(False)
    assert np.array_equal(acts, acts_sync) and np.array_equal(errs, errs_sync)
    assert np.allclose(acts[2], 3 * acts[1], rtol=1e-6) and np.allclose(acts[3], 5 * acts[1],
                                                                        rtol=1e-6)
