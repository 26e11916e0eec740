"""cogscope.torch.Observer: log a PyTorch training run to a cogscope run log.

    with cogscope.torch.Observer(model, layers=["fc1", "fc2"], probe=(x, y),
                                 every=50, out="run.h5", optimizer=opt) as obs:
        for xb, yb in loader:
            opt.zero_grad()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            obs.step(loss, logits)      # after backward, before opt.step()
            opt.step()

Per step (series of /steps): the loss epsilon as given, the output entropy
tau (batch mean of the Shannon entropy of softmax(logits), nats), the global
gradient norm S (L2 over every parameter's .grad as backward left it, so
call step() before the optimizer changes or clips them), the predictive
integrity PI = exp(-alpha ((1 - gamma) epsilon / (tau + 1e-9) + gamma S))
with the ΣPI defaults alpha = 1, gamma = 0.5 (docs/metrics.md), and the
learning rate of the optimizer's first parameter group when `optimizer` is
given. tau, the combination of the per-parameter norms into S, and PI are
computed by libcogscope.

Every `every` steps (from step 0) a snapshot of the probe set: forward hooks
on the named modules (names as model.named_modules() gives them) record
each layer's output on the probe inputs, and autograd gives the error signal
at the same outputs, dL/d(output) with L the summed loss_fn over the probe
batch (so each sample's row is the gradient of its own loss, as cogscope's
backprop logs delta = d CE_i / d z). The probe pass runs in eval mode
(dropout off, batch-norm running statistics neither used for training nor
updated) without touching any parameter's .grad, and the model's mode is
restored afterwards.

The probe pass runs off the training thread by default (background=True):
at set-up the Observer deep-copies the model once (a shadow copy, kept in
eval mode, its hooks registered once), and at a snapshot step it copies
every parameter and buffer into the shadow (tensor.copy_, the same values,
so the snapshot is bit for bit what the synchronous pass would log for the
weights of that step) and hands the probe pass to one worker thread; torch's
kernels release the GIL, so the pass runs on another core while training
goes on. The main thread writes the finished snapshot, with the step it
belongs to, at a later step() or at close() (the C library's HDF5 is not
thread-safe: only the main thread touches the run log). At most one pass is
in flight: a snapshot due while the previous one still runs waits for it.
An exception in the worker is raised by the next step() or close(). The
cost: memory for one more copy of the parameters and buffers (and whatever
else the model object holds), the copy on the training thread (0.3 ms a
snapshot for 1 MB of weights), and the probe pass's CPU time, which is
still spent, on another core, and grows (~20 % in docs/python.md's
benchmark: the threads hand the GIL to each other around every torch
call); it shortens training's wall time only when a core is free.
The synchronous path is kept when background=False, when the model cannot
be deep-copied, when the copy's probe pass fails or differs from the
model's at set-up, or when the probe pass draws random numbers (a pass on
another thread would interleave with training's draws); obs.background
tells which path runs and /config's probe_pass attribute records it and
why.

Units: a layer output (samples, units) is logged as is; an output with more
axes (samples, channels, *spatial) -- convolutions -- is logged per channel
as its mean over the spatial axes, for activations and errors alike, so that
unit counts stay analysable; tuple outputs log their first tensor.

The run log is written by the C library: flushed at least every
`flush_interval` seconds as training goes (`cogscope watch` can follow it);
leaving the `with` block closes it, also when the loop raises (the exception
propagates; the file keeps every logged step)."""
import copy
import math
import operator
import warnings
import weakref
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch as _torch

from . import blas as _blas
from ._lib import check, ffi, lib
from .runlog import RunLog

__all__ = ["Observer"]

_GRAD = operator.attrgetter("grad")
_CALL = operator.methodcaller("__call__")
_DEAD = weakref.ref(set())  # a reference whose object is gone: () gives None
_F32 = _torch.float32
_VOIDP = ffi.typeof("void *")  # parsed once: ffi.cast("void *", ...) parses it per call
# logits the library reads in place, and their cs_runlog_dtype
_LOGIT_DTYPES = {_torch.float32: lib.CS_RUNLOG_F32, _torch.float64: lib.CS_RUNLOG_F64}


def _first_tensor(out):
    if isinstance(out, (tuple, list)):
        for o in out:
            if _torch.is_tensor(o):
                return o
        raise TypeError("a hooked module returned no tensor")
    return out


def _recorder(outs, i):
    """A forward hook that keeps the module's output in outs[i]."""
    def hook(module, inputs, output):
        outs[i] = _first_tensor(output)
    return hook


def _model_tensors(model):
    """[(name, tensor)] of every parameter, then every buffer."""
    return list(model.named_parameters()) + list(model.named_buffers())


def _per_unit(t):
    """(P, units) as is; (P, C, *spatial) -> (P, C) spatial means; (P,) -> (P, 1)."""
    t = t.detach()
    if t.dim() == 1:
        return t.reshape(-1, 1)
    if t.dim() > 2:
        return t.flatten(2).mean(dim=2)
    return t


class Observer:
    """Observer(model, layers=[...], probe=(x, y), every=50, out="run.h5",
    optimizer=None, loss_fn=cross_entropy, pi_alpha=1.0, pi_gamma=0.5,
    evals=(), flush_interval=1.0, background=True, **metadata).

    probe: (inputs, labels) tensors or arrays (labels may be None when no
    error signal is wanted: then only activations are logged). loss_fn:
    called as loss_fn(outputs, labels, reduction="sum") on the probe set
    (default torch.nn.functional.cross_entropy). logits given to step() are
    (batch, classes), or (batch, classes, d1, ...) as cross_entropy takes
    them (then tau averages over every position). evals: names
    of evaluation series to declare (e.g. ("loss", "acc")), appended with
    obs.evaluate(loss=..., acc=...). background: run the probe pass on a
    copy of the model in a worker thread (the module docstring says what it
    costs and when the synchronous path is kept instead). metadata: extra
    /config attributes."""

    def __init__(self, model, layers, probe, every=50, out="run.h5", *, optimizer=None,
                 loss_fn=None, pi_alpha=1.0, pi_gamma=0.5, evals=(), flush_interval=1.0,
                 background=True, **metadata):
        if every < 1 or int(every) != every:
            raise ValueError(f"every: {every!r} must be an integer >= 1")
        modules = dict(model.named_modules())
        missing = [name for name in layers if name not in modules]
        if missing or not layers:
            raise ValueError(f"layers: {missing or 'none given'} not among the model's "
                             f"modules ({', '.join(n for n in modules if n)})")
        self.model, self.layers, self.every = model, list(layers), int(every)
        self.optimizer = optimizer
        self.loss_fn = loss_fn or _torch.nn.functional.cross_entropy
        self.pi_alpha, self.pi_gamma = float(pi_alpha), float(pi_gamma)
        self._modules = [modules[name] for name in self.layers]
        self._params = [p for p in model.parameters() if p.requires_grad]
        first = next(iter(model.parameters()), None)
        device = first.device if first is not None else _torch.device("cpu")
        px, py = probe
        self._px = _torch.as_tensor(px).to(device)
        self._py = None if py is None else _torch.as_tensor(py).to(device)
        self.steps = 0
        self._log = None
        # weak references to the .grad tensors the library was last given
        # (none yet), and those tensors' addresses (see _gradients_changed)
        self._refs = [_DEAD] * len(self._params)
        self._at = None
        # their addresses and sizes, as cs_observer_set_grads takes them
        self._ptrs = ffi.new("uintptr_t[]", len(self._params))
        self._sizes = ffi.new("size_t[]", len(self._params))
        self._ptrs_f = ffi.cast("float **", self._ptrs)
        self._surprise = ffi.NULL  # or a double * holding S computed by torch
        self.out = str(out)
        self._shadow = None  # the model's copy that background probe passes run on
        self._executor = None  # its worker thread, started at the first snapshot
        self._pending = None  # (step, future) of the background probe pass in flight

        # A pass on the first probe samples tells each layer's unit count,
        # and is what the shadow copy's pass must reproduce bit for bit.
        head = self._sync_pass(self._px[:4], None if self._py is None else self._py[:4])
        self.units = [a.shape[1] for a in head[0]]
        why = self._make_shadow(head) if background else "background=False"
        self.background = why is None
        meta = dict(trainer="torch", model=type(model).__name__,
                    torch_version=_torch.__version__, blas_kernels=_blas()["kernel"],
                    pi_alpha=self.pi_alpha, pi_gamma=self.pi_gamma, log_every=self.every,
                    probe_size=int(self._px.shape[0]),
                    unit_reduction="outputs (samples, channels, *spatial): spatial mean "
                                   "per channel")
        if optimizer is not None:
            meta["optimizer"] = type(optimizer).__name__.lower()
        meta["probe_pass"] = ("background: on a copy of the model, in a worker thread"
                              if why is None else f"synchronous: {why}")
        meta.update(metadata)
        log = RunLog(self.out, flush_interval=flush_interval, **meta)
        try:
            for name, units in zip(self.layers, self.units):
                log.add_layer(name)
                log.declare_snapshot(name, "activations", (self._px.shape[0], units))
                if self._py is not None:
                    log.declare_snapshot(name, "errors", (self._px.shape[0], units))
            for s in ("loss", "tau", "surprise", "pi"):
                log.declare_series(s)
            if optimizer is not None:
                log.declare_series("lr")
            for e in evals:
                log.declare_eval(e)
            labels = None
            if self._py is not None:
                labels = self._py.detach().cpu().numpy()
                if labels.ndim != 1 or labels.dtype.kind not in "iu":
                    labels = None  # not class labels: the probe is logged without them
            log.set_probe(self._px.detach().cpu().float().numpy().reshape(len(self._px), -1),
                          labels)
            log.start()
            self._names = ["loss", "tau", "surprise", "pi"] + (["lr"] if optimizer else [])
            series = ffi.new("cs_observer_series *")
            series.loss, series.tau = log._series["loss"], log._series["tau"]
            series.surprise, series.pi = log._series["surprise"], log._series["pi"]
            series.lr = log._series["lr"] if optimizer is not None else -1
            o = ffi.new("cs_observer **")
            check(lib.cs_observer_create(log._w, series, self.pi_alpha, self.pi_gamma, o))
            self._obs = ffi.gc(o[0], lib.cs_observer_destroy)
            self._row = ffi.new("double[5]", [math.nan] * 5)
        except BaseException:
            log.close()
            raise
        self._log = log

    # ---- context manager ----
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            self.close()
            return False
        try:
            self.close()
        except Exception as e:  # the loop's exception propagates, this one is noted on it
            exc.add_note(f"{self.out}: closing the Observer also failed: "
                         f"{type(e).__name__}: {e}")
        return False

    def close(self):
        """Wait for the probe pass in flight and write its snapshot, then
        flush and close the log (idempotent). Raises what the pass raised;
        the log is closed either way."""
        if self._log is None:
            return
        try:
            if self._pending is not None:
                self._collect()
        finally:
            if self._executor is not None:
                self._executor.shutdown()
                self._executor = None
            log, self._log = self._log, None
            obs, self._obs = self._obs, None
            ffi.release(obs)  # cs_observer_destroy now (the writer is closed next)
            log.close()

    # ---- per step ----
    # The per-step path runs once per training step, right after a backward
    # pass has evicted most of the cache: one foreign call
    # (cs_observer_step) reads the logits and the float32 gradients in place
    # and computes tau, S and PI and appends the row; Python only checks
    # that the tensors are the ones the library was given.
    def step(self, loss, logits):
        """Log one training step: call after loss.backward(), before
        optimizer.step(). loss: the batch loss (tensor or number); logits:
        the model's (batch, classes) output for that batch. The values
        logged are in obs.last. Raises what a background probe pass raised
        (after logging this step's row)."""
        obs = self._obs
        if obs is None:
            raise ValueError(f"{self.out}: the observer is closed")
        grads = list(map(_GRAD, self._params))
        if not all(map(operator.is_, grads, map(_CALL, self._refs))):
            self._gradients_changed(grads)  # new .grad tensors (e.g. zero_grad(set_to_none))
        if self._surprise:  # gradients the library cannot read in place
            self._surprise[0] = self._torch_norm(grads)
        try:
            eps = loss.item()
        except AttributeError:  # a plain number
            eps = float(loss)
        dtype = _LOGIT_DTYPES.get(logits.dtype)
        shape = logits.shape
        if dtype is None or len(shape) != 2 or not logits.is_cpu or not logits.is_contiguous():
            logits, dtype = self._logits_f64(logits), lib.CS_RUNLOG_F64
            shape = logits.shape
        rows, classes = shape
        step = self.steps
        st = lib.cs_observer_step(obs, step, eps, ffi.cast(_VOIDP, logits.data_ptr()), dtype,
                                  rows, classes, self._surprise,
                                  float(self.optimizer.param_groups[0]["lr"])
                                  if self.optimizer is not None else 0.0,
                                  self._row)
        if st:
            check(st)
        self.steps = step + 1  # the row is logged, whatever the snapshot below raises
        if step % self.every == 0:
            self._snapshot(step)
        elif self._pending is not None and self._pending[1].done():
            self._collect()

    @property
    def last(self):
        """The values the last step() logged: {"loss", "tau", "surprise",
        "pi"[, "lr"]: float} (NaN before the first step)."""
        return dict(zip(self._names, self._row))

    @staticmethod
    def _logits_f64(logits):
        """(rows, classes) float64 contiguous CPU logits from any logits:
        (N, C, d1, ...) as cross_entropy takes them become (N * d1 * ..., C),
        so that tau averages over every position."""
        z = logits.detach()
        if z.dim() > 2:  # classes on axis 1 as cross_entropy has them
            z = z.movedim(1, -1).reshape(-1, z.shape[1])
        elif z.dim() < 2:
            raise ValueError(f"logits: expected (batch, classes), got shape {tuple(z.shape)}")
        return z.to(device="cpu", dtype=_torch.float64).contiguous()

    def _gradients_changed(self, grads):
        """Hand the library the gradient buffers, read in place; gradients
        it cannot read (not float32, not on the CPU, not contiguous) make
        torch compute S instead, in float64. Runs when a .grad is not the
        tensor of the last call: once when backward accumulates into the
        same tensors (zero_grad(set_to_none=False)); every step with torch
        2's zero_grad(), which makes new tensors, right after backward has
        evicted the interpreter's data from the cache (each Python
        operation costs several times what it costs warm): one pass over
        the tensors, dtype by identity, and the library is called only when
        an address or a size changed. Only weak references are kept: a
        strong one kept the last step's tensors alive through zero_grad(),
        a second copy of every gradient, and backward, unable to get that
        memory back, put the new ones at other addresses every step (56
        addresses in 500 steps for one weight's .grad; 1 without it).
        Speed: within noise (docs/python.md, Overhead)."""
        self._refs = [_DEAD if g is None else weakref.ref(g) for g in grads]
        present = [g for g in grads if g is not None]
        if all(g.is_cpu and g.dtype is _F32 and g.is_contiguous() for g in present):
            # read in place: the library needs new addresses only if they moved
            at = ([g.data_ptr() for g in present], [g.numel() for g in present])
            if at == self._at:
                return
            self._at = at
            n = len(present)
            if n > len(self._ptrs):
                self._ptrs = ffi.new("uintptr_t[]", n)
                self._sizes = ffi.new("size_t[]", n)
                self._ptrs_f = ffi.cast("float **", self._ptrs)
            self._ptrs[0:n], self._sizes[0:n] = at
            st = lib.cs_observer_set_grads(self._obs, n, self._ptrs_f, self._sizes)
            if st:
                check(st)
            self._surprise = ffi.NULL
        else:
            self._at = None
            check(lib.cs_observer_set_grads(self._obs, 0, ffi.NULL, ffi.NULL))
            self._surprise = ffi.new("double *")
            self._norms = np.zeros(len(present))
            self._nptr = ffi.from_buffer("double[]", self._norms)

    def _torch_norm(self, grads):
        """S of gradients the library cannot read in place: per-parameter
        norms by torch in float64, combined by the library."""
        present = [g for g in grads if g is not None]
        if not present:
            return math.nan
        for i, g in enumerate(present):
            self._norms[i] = float(_torch.linalg.vector_norm(g.detach().double()))
        return lib.cs_sigmapi_norm(self._nptr, len(present))

    def evaluate(self, **values):
        """Append an evaluation row at the current step (series declared
        with evals=...)."""
        self._log.append_eval(self.steps, **values)

    # ---- snapshots ----
    def _probe_pass(self, model, outs, inputs, labels):
        """Outputs of the hooked layers (the hooks of `model` keep them in
        `outs`) on `inputs`, and with labels dL/d(output) for the summed
        loss; both as (P, units) float32 arrays (errors None without labels
        or for a layer the loss does not depend on). Runs on the worker
        thread for the shadow copy: it touches nothing but `model`, `outs`
        and its arguments."""
        outs[:] = [None] * len(outs)
        try:
            with _torch.set_grad_enabled(labels is not None):  # thread-local
                logits = model(inputs)
                grads = [None] * len(outs)
                if labels is not None:
                    loss = self.loss_fn(logits, labels, reduction="sum")
                    need = [i for i, o in enumerate(outs) if o is not None and o.requires_grad]
                    if need:
                        got = _torch.autograd.grad(loss, [outs[i] for i in need],
                                                   allow_unused=True)
                        for i, g in zip(need, got):
                            grads[i] = g
            for name, o in zip(self.layers, outs):
                if o is None:
                    raise RuntimeError(f"layer '{name}' did not run in the model's forward pass")
            acts = [_per_unit(o).float().cpu().numpy() for o in outs]
        finally:
            outs[:] = [None] * len(outs)  # no graph kept alive between passes
        errs = [None if g is None else _per_unit(g).float().cpu().numpy() for g in grads]
        return acts, errs

    def _sync_pass(self, inputs, labels):
        """The probe pass on the model itself, in eval mode, its mode
        restored afterwards."""
        outs = [None] * len(self._modules)
        handles = [m.register_forward_hook(_recorder(outs, i))
                   for i, m in enumerate(self._modules)]
        was_training = self.model.training
        self.model.eval()
        try:
            return self._probe_pass(self.model, outs, inputs, labels)
        finally:
            self.model.train(was_training)
            for h in handles:
                h.remove()

    def _make_shadow(self, want=None):
        """Deep-copy the model for background probe passes: None when the
        copy passes on the first probe samples exactly as the model does
        (want: the model's pass on them, if made already), else why the
        synchronous path stays."""
        try:
            shadow = copy.deepcopy(self.model)
        except Exception as e:
            return f"the model cannot be deep-copied ({type(e).__name__}: {e})"
        pairs = list(zip(_model_tensors(shadow), _model_tensors(self.model)))
        if any(a != b for (a, _), (b, _) in pairs):
            return "the model's copy names its parameters and buffers differently"
        shadow.eval()  # for good: no dropout, batch-norm running statistics used, not updated
        for p in shadow.parameters():
            p.grad = None
        modules = dict(shadow.named_modules())
        outs = [None] * len(self.layers)
        for i, name in enumerate(self.layers):
            modules[name].register_forward_hook(_recorder(outs, i))
        labels = None if self._py is None else self._py[:4]
        if want is None:
            want = self._sync_pass(self._px[:4], labels)
        rng = _torch.get_rng_state()
        try:
            got = self._probe_pass(shadow, outs, self._px[:4], labels)
        except Exception as e:
            return f"the copy's probe pass failed ({type(e).__name__}: {e})"
        if not _torch.equal(rng, _torch.get_rng_state()):
            return "the probe pass draws random numbers (a worker would change training's)"
        for w, g in zip(want[0] + want[1], got[0] + got[1]):
            if (w is None) != (g is None) or (w is not None
                                              and not np.array_equal(w, g, equal_nan=True)):
                return "the copy's probe pass differs from the model's"
        self._shadow, self._shadow_outs = shadow, outs
        self._pairs = [(s, t) for (_, s), (_, t) in pairs]
        return None

    def _refresh_shadow(self):
        """Copy the model's parameters and buffers into the shadow; a model
        whose tensors were replaced or changed dtype, device or shape since
        (model.double(), a reassigned buffer) is copied anew, or, when that
        fails, observed synchronously from now on."""
        now = [t for _, t in _model_tensors(self.model)]
        if len(now) != len(self._pairs) or not all(
                t is m and s.dtype == t.dtype and s.shape == t.shape and s.device == t.device
                for (s, t), m in zip(self._pairs, now)):
            self._shadow = None
            why = self._make_shadow()
            if why is not None:
                self.background = False
                warnings.warn(f"{self.out}: the model changed; probe passes run synchronously "
                              f"from now on: {why}", RuntimeWarning, stacklevel=4)
                return False
        with _torch.no_grad():
            for s, t in self._pairs:
                s.copy_(t)
        return True

    def _snapshot(self, step):
        if self._pending is not None:
            self._collect()  # at most one pass in flight: wait for the previous one
        if self._shadow is not None and self._refresh_shadow():
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="cogscope-probe")
            future = self._executor.submit(self._probe_pass, self._shadow, self._shadow_outs,
                                           self._px, self._py)
            self._pending = (step, future)
        else:
            self._write(step, *self._sync_pass(self._px, self._py))

    def _collect(self):
        """Wait for the background pass in flight and write its snapshot."""
        step, future = self._pending
        self._pending = None
        self._write(step, *future.result())

    def _write(self, step, acts, errs):
        entries = {}
        for name, a, e in zip(self.layers, acts, errs):
            entries[(name, "activations")] = a
            if self._py is not None:
                # a layer the loss does not depend on has zero error
                entries[(name, "errors")] = e if e is not None else np.zeros_like(a)
        self._log.append_snapshot(step, entries)

    def snapshot(self):
        """Log the probe snapshot of the current weights now, at step
        obs.steps (step() does it every `every` steps); in the background,
        written by a later step() or close()."""
        if self._log is None:
            raise ValueError(f"{self.out}: the observer is closed")
        self._snapshot(self.steps)
