#!/usr/bin/python3
"""Reference values for tests/test_spectral.c from scipy.signal (an independent
implementation): Welch PSD, CSD, coherence, periodogram and spectrogram for
option combinations beyond the defaults, plus get_window values.

Writes tests/data/spectral_signals.txt (the input, 3 columns) and
tests/data/spectral_scipy_cases.json. Every array is flat, channel-major
(channel c's values, then channel c+1's). Run with Debian's python3:
    /usr/bin/python3 tests/data/gen_spectral_scipy.py
"""
import json
import os

import numpy as np
import scipy
from scipy import signal

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240501)
n = 1500
t = np.arange(n)
# Three channels: a noisy 10 Hz-at-fs-100 sinusoid with a linear trend, an
# AR(1) process, and a delayed noisy copy of the first (for CSD/coherence).
x0 = 2.0 * np.sin(2 * np.pi * 0.1 * t) + 0.002 * t + rng.normal(size=n)
x1 = np.zeros(n)
e = rng.normal(size=n)
for i in range(1, n):
    x1[i] = 0.8 * x1[i - 1] + e[i]
x2 = np.roll(x0, 3) + 0.5 * rng.normal(size=n) + 1.5
X = np.stack([x0, x1, x2])  # channels x samples
np.savetxt(os.path.join(here, "spectral_signals.txt"), X.T, fmt="%.17g",
           header="x0 x1 x2 (1500 rows): tests/data/gen_spectral_scipy.py, seed 20240501")

cases = {}


def flat(a):
    return [float(v) for v in np.asarray(a).ravel()]


def add(name, call, **arrays):
    d = {"call": call}
    for k, v in arrays.items():
        d[k] = flat(v)
    cases[name] = d


user_win = 0.5 + rng.random(64)

W = [
    ("welch_hamming_linear_spectrum", dict(fs=100.0, window="hamming", nperseg=200, noverlap=50,
                                           nfft=256, detrend="linear", scaling="spectrum")),
    ("welch_blackman_median_none", dict(fs=250.0, window="blackman", nperseg=128,
                                        detrend=False, average="median")),
    ("welch_tukey_twosided_oddnfft", dict(fs=2.0, window=("tukey", 0.3), nperseg=100, nfft=101,
                                          return_onesided=False)),
    ("welch_boxcar_nooverlap_oddnfft", dict(window="boxcar", nperseg=256, noverlap=0, nfft=511)),
    ("welch_user_window", dict(window=user_win, noverlap=16)),
    ("welch_flattop_median_even", dict(window="flattop", nperseg=300, noverlap=0, average="median")),
    ("welch_bartlett_twosided_median", dict(window="bartlett", nperseg=64, average="median",
                                            return_onesided=False, scaling="spectrum")),
]
for name, kw in W:
    f, p = signal.welch(X, **kw)
    add(name, "signal.welch(X, %r)" % ({k: (v if k != "window" or isinstance(v, (str, tuple)) else "user_win") for k, v in kw.items()},), f=f, psd=p)

# The default nperseg (256) capped at a short series (scipy warns).
f, p = signal.welch(X[:, :100])
add("welch_default_short", "signal.welch(X[:, :100])", f=f, psd=p)

C = [
    ("csd_hamming_median_linear", dict(fs=10.0, window="hamming", nperseg=128, average="median",
                                       detrend="linear")),
    ("csd_hann_twosided_spectrum", dict(nperseg=100, noverlap=75, return_onesided=False,
                                        scaling="spectrum")),
]
for name, kw in C:
    f, p = signal.csd(X[0], X[2], **kw)
    add(name, "signal.csd(X[0], X[2], %r)" % (kw,), f=f, re=p.real, im=p.imag)

f, c = signal.coherence(X[0], X[2], fs=100.0, window="blackman", nperseg=128, noverlap=96)
add("coherence_blackman", "signal.coherence(X[0], X[2], fs=100, window='blackman', nperseg=128, noverlap=96)",
    f=f, coh=c)
f, c = signal.coherence(X[0], X[1], nperseg=200, nfft=300, detrend="linear")
add("coherence_hann_linear_pad", "signal.coherence(X[0], X[1], nperseg=200, nfft=300, detrend='linear')",
    f=f, coh=c)

f, p = signal.periodogram(X, fs=50.0)
add("periodogram_default", "signal.periodogram(X, fs=50)", f=f, psd=p)
f, p = signal.periodogram(X, window="hann", nfft=1000, scaling="spectrum")
add("periodogram_hann_truncate", "signal.periodogram(X, window='hann', nfft=1000, scaling='spectrum')", f=f, psd=p)
f, p = signal.periodogram(X, nfft=2048, detrend="linear", return_onesided=False)
add("periodogram_pad_twosided", "signal.periodogram(X, nfft=2048, detrend='linear', return_onesided=False)", f=f, psd=p)

f, tt, s = signal.spectrogram(X, fs=100.0)
add("spectrogram_default", "signal.spectrogram(X, fs=100)", f=f, t=tt, sxx=s)
f, tt, s = signal.spectrogram(X[1], window="hann", nperseg=64, noverlap=32, return_onesided=False,
                              scaling="spectrum")
add("spectrogram_hann_twosided", "signal.spectrogram(X[1], window='hann', nperseg=64, noverlap=32, return_onesided=False, scaling='spectrum')",
    f=f, t=tt, sxx=s)

# Windows, periodic (get_window, fftbins=True) and symmetric.
for wname in ["hann", "hamming", "blackman", "boxcar", "bartlett", "flattop", ("tukey", 0.25),
              ("tukey", 0.5), ("tukey", 1.0), ("tukey", 0.0)]:
    for m in (1, 2, 7, 64):
        label = wname if isinstance(wname, str) else "%s_%g" % wname
        add("window_%s_%d_periodic" % (label, m), "get_window(%r, %d)" % (wname, m),
            w=signal.get_window(wname, m))
        add("window_%s_%d_symmetric" % (label, m), "get_window(%r, %d, fftbins=False)" % (wname, m),
            w=signal.get_window(wname, m, fftbins=False))

out = {"source": "scipy.signal %s, numpy %s" % (scipy.__version__, np.__version__),
       "generator": "tests/data/gen_spectral_scipy.py", "user_win": flat(user_win), "cases": cases}
with open(os.path.join(here, "spectral_scipy_cases.json"), "w") as fh:
    json.dump(out, fh, indent=0)
print("wrote", len(cases), "cases")
