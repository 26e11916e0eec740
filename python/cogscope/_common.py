"""Marshalling shared by the estimator modules: numpy arrays to cs_matrix
views, option names to the library's enums, and the units of results."""
import math

import numpy as np

from ._lib import CogscopeError, ffi, lib


def as_samples(a, name, *, columns=None):
    """A numpy array (n,) or (n, d), one row per sample, as a C-contiguous
    float64 array and a cs_matrix view of it. The caller keeps the array
    alive while the view is used. 1-D input is one variable (n x 1)."""
    if a is None:
        raise TypeError(f"{name} is required")
    arr = np.asarray(a)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name}: expected numbers, got an array of {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 1-D or 2-D array (samples x variables), "
                         f"got shape {arr.shape}")
    if columns is not None and arr.shape[1] != columns:
        raise ValueError(f"{name}: expected {columns} columns, got {arr.shape[1]}")
    m = ffi.new("cs_matrix *")
    m.data = ffi.cast("double *", arr.ctypes.data)
    m.rows, m.cols, m.stride = arr.shape[0], arr.shape[1], arr.shape[1]
    return arr, m[0]


EMPTY = ffi.new("cs_matrix *")[0]  # rows == 0: a role the measure does not use


def as_square(a, name):
    """A square float64 matrix (covariance) as a C-contiguous array."""
    arr = np.ascontiguousarray(a, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(f"{name}: expected a square matrix, got shape {arr.shape}")
    return arr


def dptr(arr):
    return ffi.cast("double *", arr.ctypes.data)


def parse_enum(fn, ctype, text, what):
    """Parse `text` with the library's parser fn(const char *, T *)."""
    out = ffi.new(ctype + " *")
    if fn(str(text).encode(), out) != lib.CS_OK:
        raise ValueError(f"{what}: {ffi.string(lib.cs_last_error()).decode()}")
    return out[0]


def binning(text):
    if text in ("width", "equal-width"):
        return lib.CS_BIN_EQUAL_WIDTH
    if text in ("freq", "equal-frequency"):
        return lib.CS_BIN_EQUAL_FREQ
    raise ValueError(f"binning: '{text}' is not 'width' or 'freq'")


def unit_factor(units, discrete):
    """Multiplier from nats to `units`; None chooses as `cogscope estimate`
    does: bits for the discrete estimator, nats otherwise."""
    if units is None:
        units = "bits" if discrete else "nats"
    if units == "nats":
        return 1.0
    if units == "bits":
        return 1.0 / math.log(2.0)
    raise ValueError(f"units: '{units}' is not 'bits' or 'nats'")


def nonneg_int(value, name, low=0):
    if isinstance(value, bool) or int(value) != value or value < low:
        raise ValueError(f"{name}: {value!r} must be an integer >= {low}")
    return int(value)


__all__ = ["CogscopeError"]
