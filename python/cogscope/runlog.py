"""cogscope.RunLog: the run-log recorder (schema v2, cogscope/runlog.h) from
Python. Declare what will be written, then append rows; the C library writes
the HDF5 file (SWMR, flushed at a bounded interval, so `cogscope watch` can
follow it and a killed run leaves a readable file).

    with cogscope.RunLog("run.h5", trainer="mine", model="mlp") as log:
        log.add_layer("hidden")
        log.declare_series("loss")
        log.declare_snapshot("hidden", "activations", (512, 100))
        log.start()
        for step in range(1000):
            log.append_step(step, loss=...)
            if step % 50 == 0:
                log.append_snapshot(step, {("hidden", "activations"): acts})

Layout and the conventional names (loss, tau, surprise, pi, lr, ...):
docs/schema.md."""
import numbers

import numpy as np

from ._lib import check, ffi, lib

_DTYPES = {"f64": "CS_RUNLOG_F64", "float64": "CS_RUNLOG_F64", "f32": "CS_RUNLOG_F32",
           "float32": "CS_RUNLOG_F32", "i64": "CS_RUNLOG_I64", "int64": "CS_RUNLOG_I64",
           "i32": "CS_RUNLOG_I32", "int32": "CS_RUNLOG_I32"}


def _dtype(name):
    if name not in _DTYPES:
        raise ValueError(f"dtype: '{name}' is not one of float64, float32, int64, int32")
    return getattr(lib, _DTYPES[name])


class RunLog:
    """A run log being written. Metadata keywords become /config attributes
    (strings, numbers, or lists of either). flush_interval: seconds between
    automatic flushes; snapshot_deflate: 0 (default, fastest) or a deflate
    level 1..9 for snapshot datasets."""

    def __init__(self, path, *, flush_interval=1.0, snapshot_deflate=0, **metadata):
        opt = ffi.new("cs_runlog_options *")
        opt.flush_interval = float(flush_interval)
        opt.snapshot_deflate = int(snapshot_deflate)
        out = ffi.new("cs_runlog_writer **")
        check(lib.cs_runlog_create(str(path).encode(), opt, out))
        self._w = out[0]
        self.path = str(path)
        self._layers = {}     # name -> index
        self._series = {}     # name -> handle (per-step)
        self._eval = {}       # name -> handle
        self._snap = {}       # (layer, name) -> (handle, shape)
        self._lseries = {}    # (layer, name) -> handle
        for key, value in metadata.items():
            self.set(key, value)

    # ---- life cycle ----
    def _writer(self):
        if self._w is None:
            raise ValueError(f"{self.path}: the run log is closed")
        return self._w

    def close(self):
        """Flush and close (idempotent); raises the first write error seen."""
        if self._w is not None:
            w, self._w = self._w, None
            check(lib.cs_runlog_close(w))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        if getattr(self, "_w", None) is not None:
            lib.cs_runlog_close(self._w)
            self._w = None

    def flush(self):
        check(lib.cs_runlog_flush(self._writer()))

    def start(self):
        """End the declarations (switch the file to SWMR); the first append
        does it too."""
        check(lib.cs_runlog_start(self._writer()))

    # ---- declarations ----
    def set(self, name, value):
        """Metadata attribute /config/NAME: a string, a number (int -> int64,
        else float64), or a list/array of strings or numbers."""
        w, key = self._writer(), str(name).encode()
        if isinstance(value, (str, bytes)):
            v = value.encode() if isinstance(value, str) else value
            check(lib.cs_runlog_set_string(w, key, v))
            return
        if isinstance(value, (bool, np.bool_)):
            value = int(value)
        if isinstance(value, numbers.Number):
            arr = np.array([value], dtype=np.int64 if isinstance(value, numbers.Integral)
                           else np.float64)
            scalar = 1
        else:
            items = list(value)
            if items and all(isinstance(v, str) for v in items):
                keep = [ffi.new("char[]", v.encode()) for v in items]
                check(lib.cs_runlog_set_strings(w, key, ffi.new("char *[]", keep), len(keep)))
                return
            arr = np.asarray(items)
            if arr.dtype.kind not in "iufb":
                raise TypeError(f"metadata {name}: {value!r} is not a string, a number or a "
                                "list of them")
            arr = np.ascontiguousarray(arr, dtype=np.int64 if arr.dtype.kind in "iub"
                                       else np.float64)
            scalar = 0
        dtype = lib.CS_RUNLOG_I64 if arr.dtype == np.int64 else lib.CS_RUNLOG_F64
        check(lib.cs_runlog_set_numbers(w, key, dtype, ffi.cast("void *", arr.ctypes.data),
                                        arr.size, scalar))

    def add_layer(self, name):
        """A named layer; returns its index (layers keep the order added)."""
        idx = ffi.new("size_t *")
        check(lib.cs_runlog_add_layer(self._writer(), str(name).encode(), idx))
        self._layers[str(name)] = idx[0]
        return idx[0]

    def _layer(self, layer):
        if layer not in self._layers:
            raise KeyError(f"{self.path}: no layer '{layer}' (add_layer first)")
        return self._layers[layer]

    def declare_series(self, name, dtype="float64"):
        """A per-step scalar series /steps/NAME."""
        h = ffi.new("cs_runlog_handle *")
        check(lib.cs_runlog_declare_series(self._writer(), str(name).encode(), _dtype(dtype), h))
        self._series[str(name)] = h[0]

    def declare_layer_series(self, layer, name):
        """A per-step float64 series of one layer, /layers/LAYER/NAME."""
        h = ffi.new("cs_runlog_handle *")
        check(lib.cs_runlog_declare_layer_series(self._writer(), self._layer(layer),
                                                 str(name).encode(), h))
        self._lseries[(layer, str(name))] = h[0]

    def declare_snapshot(self, layer, name, shape):
        """A float32 snapshot dataset /layers/LAYER/NAME of one entry `shape`
        per snapshot; "activations" and "errors" are [sample, unit]."""
        shape = tuple(int(s) for s in shape)
        h = ffi.new("cs_runlog_handle *")
        check(lib.cs_runlog_declare_snapshot(self._writer(), self._layer(layer),
                                             str(name).encode(), len(shape),
                                             ffi.new("size_t[]", shape), h))
        self._snap[(layer, str(name))] = (h[0], shape)

    def declare_eval(self, name, dtype="float64"):
        """A per-evaluation series /eval/NAME."""
        h = ffi.new("cs_runlog_handle *")
        check(lib.cs_runlog_declare_eval(self._writer(), str(name).encode(), _dtype(dtype), h))
        self._eval[str(name)] = h[0]

    def set_probe(self, inputs, labels=None):
        """The fixed probe set: inputs (samples, ...) flattened to
        (samples, dim) float32; labels (samples,) integers >= 0 or None."""
        x = np.ascontiguousarray(np.asarray(inputs, dtype=np.float32).reshape(len(inputs), -1))
        lab = ffi.NULL
        if labels is not None:
            y = np.ascontiguousarray(labels, dtype=np.int32).ravel()
            if y.size != x.shape[0]:
                raise ValueError(f"probe: {x.shape[0]} inputs but {y.size} labels")
            lab = ffi.cast("int32_t *", y.ctypes.data)
        check(lib.cs_runlog_set_probe(self._writer(), ffi.cast("float *", x.ctypes.data),
                                      x.shape[0], x.shape[1], lab))

    # ---- appending ----
    def _put(self, handles, values, what):
        w = self._writer()
        for key in values:  # check every name before putting any value
            if key not in handles:
                raise KeyError(f"{self.path}: {what} '{key}' was not declared")
        for key, value in values.items():
            check(lib.cs_runlog_put(w, handles[key], float(value)))

    def append_step(self, step, layers=None, **values):
        """One step row: values of declared series by name (others read NaN);
        layers: {(layer, name): value} for per-layer series."""
        self._put(self._series, values, "series")
        if layers:
            self._put(self._lseries, layers, "layer series")
        check(lib.cs_runlog_end_step(self._writer(), int(step)))

    def append_eval(self, step, **values):
        self._put(self._eval, values, "evaluation series")
        check(lib.cs_runlog_end_eval(self._writer(), int(step)))

    def append_snapshot(self, step, entries):
        """One snapshot at `step`: entries {(layer, name): array of the
        declared shape}, converted to float32 (not-given datasets read NaN)."""
        w = self._writer()
        arrays = []
        for key, arr in entries.items():  # check everything before writing anything
            if key not in self._snap:
                raise KeyError(f"{self.path}: snapshot dataset {key} was not declared")
            h, shape = self._snap[key]
            a = np.ascontiguousarray(arr, dtype=np.float32)
            if a.shape != shape:
                raise ValueError(f"{self.path}: snapshot {key[0]}/{key[1]} has shape {a.shape}, "
                                 f"declared {shape}")
            arrays.append((h, a))
        for h, a in arrays:
            check(lib.cs_runlog_put_snapshot(w, h, ffi.from_buffer("float[]", a)))
        check(lib.cs_runlog_end_snapshot(w, int(step)))
