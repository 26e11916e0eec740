"""cogscope from Python: the estimators of libcogscope on numpy arrays, the
run-log recorder, and a PyTorch observer (cogscope.torch, imported on
demand). Pure Python over the C library (cffi, ABI mode); every number is
computed by the library, so results equal `cogscope estimate`'s.

    import numpy as np, cogscope
    x = np.random.default_rng(1).normal(size=(1000, 2))
    cogscope.mi(x[:, 0], x[:, 0] + x[:, 1], estimator="ksg1")      # nats

Failures raise cogscope.CogscopeError carrying the library's message."""
from ._lib import CogscopeError, path as library_path
from .info import ais, cmi, entropy, mi, significance, te
from .multivariate import dtc, oinfo, phiid, pid, sinfo, tc, tse
from .runlog import RunLog
from .spectral import aperiodic, coherence, csd, multitaper, periodogram, psd, spectrogram

__version__ = "0.1.0"
__all__ = ["CogscopeError", "library_path", "RunLog", "entropy", "mi", "cmi", "te", "ais", "tc", "dtc",
           "oinfo", "sinfo", "tse", "pid", "phiid", "psd", "csd", "coherence", "periodogram",
           "spectrogram", "multitaper", "aperiodic", "significance", "sigmapi_pi"]


def sigmapi_pi(epsilon, tau, surprise, alpha=1.0, gamma=0.5):
    """PI = exp(-alpha ((1 - gamma) epsilon / (tau + 1e-9) + gamma S)), the
    ΣPI predictive integrity (docs/metrics.md), computed by the library."""
    from ._lib import lib
    return lib.cs_sigmapi_pi(float(epsilon), float(tau), float(surprise), float(alpha),
                             float(gamma))
