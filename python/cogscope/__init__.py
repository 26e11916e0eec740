"""cogscope from Python: the estimators of libcogscope on numpy arrays, the
run-log recorder, and a PyTorch observer (cogscope.torch, imported on
demand). Pure Python over the C library (cffi, ABI mode); every number is
computed by the library, so results equal `cogscope estimate`'s.

    import numpy as np, cogscope
    x = np.random.default_rng(1).normal(size=(1000, 2))
    cogscope.mi(x[:, 0], x[:, 0] + x[:, 1], estimator="ksg1")      # nats

Failures raise cogscope.CogscopeError carrying the library's message.

On import, a RuntimeWarning says so when OpenBLAS (numpy's, torch's and the
library's, one per process) runs generic kernels on a CPU that runs faster
ones (cogscope.blas(); docs/install.md, BLAS kernels)."""
import os
import warnings

from ._lib import CogscopeError, path as library_path
from .info import ais, cmi, entropy, mi, significance, te
from .multivariate import dtc, oinfo, phiid, pid, sinfo, tc, tse
from .runlog import RunLog
from .spectral import aperiodic, coherence, csd, multitaper, periodogram, psd, spectrogram

__version__ = "0.1.0"
__all__ = ["CogscopeError", "library_path", "blas", "RunLog", "entropy", "mi", "cmi", "te", "ais", "tc", "dtc",
           "oinfo", "sinfo", "tse", "pid", "phiid", "psd", "csd", "coherence", "periodogram",
           "spectrogram", "multitaper", "aperiodic", "significance", "sigmapi_pi"]


def sigmapi_pi(epsilon, tau, surprise, alpha=1.0, gamma=0.5):
    """PI = exp(-alpha ((1 - gamma) epsilon / (tau + 1e-9) + gamma S)), the
    ΣPI predictive integrity (docs/metrics.md), computed by the library."""
    from ._lib import lib
    return lib.cs_sigmapi_pi(float(epsilon), float(tau), float(surprise), float(alpha),
                             float(gamma))


def blas():
    """The BLAS kernels this process runs: {"config": OpenBLAS's build
    description, "kernel": the kernels it chose ("SkylakeX", "Haswell",
    "Prescott", ...), "better": the OPENBLAS_CORETYPE value of faster kernels
    this CPU runs, or None}. OpenBLAS chooses once, when the process loads
    it, from OPENBLAS_CORETYPE or the CPU model; a CPU model newer than the
    OpenBLAS build gets its generic SSE3 kernels (docs/install.md)."""
    from ._lib import ffi, lib
    k = ffi.new("cs_blas_kernels *")
    lib.cs_blas_kernels_get(k)

    def text(p):
        return ffi.string(p).decode("utf-8", "replace") if p != ffi.NULL else None
    return {"config": text(k.config), "kernel": text(k.kernel), "better": text(k.better)}


def _warn_generic_blas():
    k = blas()
    if k["better"] and "OPENBLAS_CORETYPE" not in os.environ:
        warnings.warn(f"OpenBLAS runs its generic {k['kernel']} kernels in this process, on a CPU that runs "
                      f"its {k['better']} kernels, several times faster (matrix products: 3-6x); start "
                      f"Python with OPENBLAS_CORETYPE={k['better']} in the environment "
                      f"(docs/install.md, BLAS kernels)", RuntimeWarning, stacklevel=3)


_warn_generic_blas()
