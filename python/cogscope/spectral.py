"""Spectra of sampled series (library: cogscope/spectral.h) with
scipy.signal's options, defaults and numbers, as `cogscope estimate psd|csd|
coherence|periodogram|spectrogram`.

x is (n,) for one series or (n, C) for C channels (rows are samples, the
library's layout). Results are per channel: (nfreq,) for 1-D input,
(C, nfreq) otherwise (scipy's layout for channels-first input)."""
import numpy as np

from ._common import as_samples, dptr, nonneg_int
from ._lib import check, ffi, lib

_DETREND = {"none": "CS_DETREND_NONE", False: "CS_DETREND_NONE",
            "constant": "CS_DETREND_CONSTANT", "linear": "CS_DETREND_LINEAR"}


def _plan(kind, n, fs, nperseg, noverlap, nfft, window, detrend, scaling, average, onesided,
          threads):
    p = ffi.new("cs_welch_params *")
    {"welch": lib.cs_welch_params_default, "spectrogram": lib.cs_spectrogram_params_default,
     "periodogram": lib.cs_periodogram_params_default}[kind](p)
    keep = []
    p.fs = float(fs)
    if window is not None:
        if isinstance(window, str):
            kind_ = ffi.new("cs_window_kind *")
            param = ffi.new("double *")
            if lib.cs_window_parse(window.encode(), kind_, param) != lib.CS_OK:
                raise ValueError("window: " + ffi.string(lib.cs_last_error()).decode())
            p.window, p.window_param = kind_[0], param[0]
        else:
            w = np.ascontiguousarray(window, dtype=np.float64).ravel()
            keep.append(w)
            p.window, p.window_values, p.window_len = lib.CS_WINDOW_USER, dptr(w), w.size
    if nperseg is not None:
        p.nperseg = nonneg_int(nperseg, "nperseg", 1)
    if noverlap is not None:
        p.noverlap = nonneg_int(noverlap, "noverlap")
    if nfft is not None:
        p.nfft = nonneg_int(nfft, "nfft", 1)
    if detrend not in _DETREND:
        raise ValueError(f"detrend: '{detrend}' is not none, constant or linear")
    p.detrend = getattr(lib, _DETREND[detrend])
    if scaling not in ("density", "spectrum"):
        raise ValueError(f"scaling: '{scaling}' is not density or spectrum")
    p.scaling = lib.CS_SCALING_DENSITY if scaling == "density" else lib.CS_SCALING_SPECTRUM
    if average not in ("mean", "median"):
        raise ValueError(f"average: '{average}' is not mean or median")
    p.average = lib.CS_AVERAGE_MEAN if average == "mean" else lib.CS_AVERAGE_MEDIAN
    p.onesided = int(bool(onesided))
    p.threads = int(threads)
    out = ffi.new("cs_welch_plan **")
    create = {"welch": lib.cs_welch_plan_create, "spectrogram": lib.cs_spectrogram_plan_create,
              "periodogram": lib.cs_periodogram_plan_create}[kind]
    check(create(p, n, out))
    plan = ffi.gc(out[0], lib.cs_welch_plan_destroy)
    f = np.empty(lib.cs_welch_plan_nfreq(plan))
    lib.cs_welch_plan_freqs(plan, dptr(f))
    return plan, f


def _shape(arr_in, values):
    """(C, nfreq, ...) -> (nfreq, ...) for 1-D input."""
    return values[0] if np.ndim(arr_in) == 1 else values


def _one(kind, x, fs, nperseg, noverlap, nfft, window, detrend, scaling, average, onesided,
         threads):
    a, m = as_samples(x, "x")
    plan, f = _plan(kind, a.shape[0], fs, nperseg, noverlap, nfft, window, detrend, scaling,
                    average, onesided, threads)
    out = np.empty((a.shape[1], f.size))
    check(lib.cs_welch_psd(plan, m, dptr(out)))
    return f, _shape(x, out)


def psd(x, *, fs=1.0, nperseg=None, noverlap=None, nfft=None, window="hann",
        detrend="constant", scaling="density", average="mean", onesided=True, threads=0):
    """Welch power spectral density (scipy.signal.welch): returns (f, Pxx)."""
    return _one("welch", x, fs, nperseg, noverlap, nfft, window, detrend, scaling, average,
                onesided, threads)


def periodogram(x, *, fs=1.0, nfft=None, window="boxcar", detrend="constant",
                scaling="density", onesided=True, threads=0):
    """Periodogram (scipy.signal.periodogram): returns (f, Pxx)."""
    return _one("periodogram", x, fs, None, None, nfft, window, detrend, scaling, "mean",
                onesided, threads)


def _pair(x, y):
    a, mx = as_samples(x, "x")
    b, my = as_samples(y, "y")
    if a.shape != b.shape:
        raise ValueError(f"x and y differ in shape: {a.shape} and {b.shape} (pairs x[:, j], "
                         "y[:, j])")
    return a, mx, b, my


def csd(x, y, *, fs=1.0, nperseg=None, noverlap=None, nfft=None, window="hann",
        detrend="constant", scaling="density", average="mean", onesided=True, threads=0):
    """Cross spectral density of the pairs (x[:, j], y[:, j])
    (scipy.signal.csd): returns (f, Pxy) complex."""
    a, mx, b, my = _pair(x, y)
    plan, f = _plan("welch", a.shape[0], fs, nperseg, noverlap, nfft, window, detrend, scaling,
                    average, onesided, threads)
    re, im = np.empty((a.shape[1], f.size)), np.empty((a.shape[1], f.size))
    check(lib.cs_welch_csd(plan, mx, my, dptr(re), dptr(im)))
    return f, _shape(x, re + 1j * im)


def coherence(x, y, *, fs=1.0, nperseg=None, noverlap=None, nfft=None, window="hann",
              detrend="constant", threads=0):
    """Magnitude-squared coherence of the pairs (x[:, j], y[:, j])
    (scipy.signal.coherence): returns (f, Cxy)."""
    a, mx, b, my = _pair(x, y)
    plan, f = _plan("welch", a.shape[0], fs, nperseg, noverlap, nfft, window, detrend,
                    "density", "mean", True, threads)
    out = np.empty((a.shape[1], f.size))
    check(lib.cs_welch_coherence(plan, mx, my, dptr(out)))
    return f, _shape(x, out)


def spectrogram(x, *, fs=1.0, nperseg=None, noverlap=None, nfft=None, window="tukey:0.25",
                detrend="constant", scaling="density", onesided=True, threads=0):
    """Spectrogram (scipy.signal.spectrogram, power mode): returns (f, t, Sxx)
    with Sxx (nfreq, nsegments) for 1-D input, (C, nfreq, nsegments) else."""
    a, m = as_samples(x, "x")
    plan, f = _plan("spectrogram", a.shape[0], fs, nperseg, noverlap, nfft, window, detrend,
                    scaling, "mean", onesided, threads)
    ns = lib.cs_welch_plan_nsegments(plan)
    t = np.empty(ns)
    lib.cs_welch_plan_times(plan, dptr(t))
    out = np.empty((a.shape[1], f.size, ns))
    check(lib.cs_welch_spectrogram(plan, m, dptr(out)))
    return f, t, _shape(x, out)


def multitaper(x, *, fs=1.0, nw=None, bandwidth=None, k=None, low_bias=True, adaptive=False,
               normalization="length", fmin=None, fmax=None, threads=0):
    """Multitaper PSD as MNE's psd_array_multitaper (`cogscope estimate
    multitaper`): returns (f, psd). nw (default 4) or MNE's bandwidth in Hz
    (NW = bandwidth n / (2 fs)); normalization 'length' (MNE's) or 'full'."""
    a, m = as_samples(x, "x")
    p = ffi.new("cs_multitaper_params *")
    lib.cs_multitaper_params_default(p)
    p.fs = float(fs)
    if nw is not None and bandwidth is not None:
        raise ValueError("give nw or bandwidth, not both")
    if nw is not None:
        p.nw = float(nw)
    if bandwidth is not None:
        if not bandwidth > 0:
            raise ValueError(f"bandwidth: {bandwidth} must be > 0")
        p.nw = bandwidth * a.shape[0] / (2.0 * fs)
    if k is not None:
        p.k = nonneg_int(k, "k", 1)
    p.low_bias, p.adaptive = int(bool(low_bias)), int(bool(adaptive))
    if normalization not in ("length", "full"):
        raise ValueError(f"normalization: '{normalization}' is not length or full")
    p.normalization = lib.CS_MT_NORM_FULL if normalization == "full" else lib.CS_MT_NORM_LENGTH
    if fmin is not None:
        p.fmin = float(fmin)
    if fmax is not None:
        p.fmax = float(fmax)
    p.threads = int(threads)
    out = ffi.new("cs_multitaper_plan **")
    check(lib.cs_multitaper_plan_create(p, a.shape[0], out))
    plan = ffi.gc(out[0], lib.cs_multitaper_plan_destroy)
    f = np.empty(lib.cs_multitaper_plan_nfreq(plan))
    lib.cs_multitaper_plan_freqs(plan, dptr(f))
    psd_ = np.empty((a.shape[1], f.size))
    check(lib.cs_multitaper_psd(plan, m, dptr(psd_), ffi.NULL))
    return f, _shape(x, psd_)


def aperiodic(x=None, *, freqs=None, power=None, fs=1.0, nperseg=None, noverlap=None,
              nfft=None, window="hann", average="mean", fmin=None, fmax=None, mode="fixed",
              max_peaks=None, peak_threshold=2.0, min_peak_height=0.0,
              peak_width_limits=(0.5, 12.0)):
    """FOOOF's aperiodic + peaks fit (`cogscope estimate aperiodic`): of the
    Welch PSD of each column of x, or of a ready spectrum (freqs, power).
    Returns a dict (one series) or a list of dicts: offset, exponent, knee,
    knee_freq, r_squared, error, peaks [{center, power, width, height, sd}]."""
    if (x is None) == (power is None):
        raise ValueError("give x (series) or freqs and power (a spectrum)")
    if power is not None:
        f = np.ascontiguousarray(freqs, dtype=np.float64).ravel()
        pw = np.ascontiguousarray(power, dtype=np.float64)
        spectra = pw.reshape(1, -1) if pw.ndim == 1 else pw
        one = pw.ndim == 1
    else:
        f, spectra = psd(x, fs=fs, nperseg=nperseg, noverlap=noverlap, nfft=nfft, window=window,
                         average=average)
        one = np.ndim(x) == 1
        spectra = spectra.reshape(1, -1) if one else spectra
    p = ffi.new("cs_aperiodic_params *")
    lib.cs_aperiodic_params_default(p)
    if mode not in ("fixed", "knee"):
        raise ValueError(f"mode: '{mode}' is not fixed or knee")
    p.mode = lib.CS_APERIODIC_KNEE if mode == "knee" else lib.CS_APERIODIC_FIXED
    if fmin is not None:
        p.fmin = float(fmin)
    if fmax is not None:
        p.fmax = float(fmax)
    if max_peaks is not None:
        p.max_n_peaks = nonneg_int(max_peaks, "max_peaks")
    p.peak_threshold, p.min_peak_height = float(peak_threshold), float(min_peak_height)
    p.peak_width_min, p.peak_width_max = map(float, peak_width_limits)
    results = []
    for row in spectra:
        row = np.ascontiguousarray(row)
        if row.size != f.size:
            raise ValueError(f"power has {row.size} values per spectrum, freqs {f.size}")
        r = ffi.new("cs_aperiodic_result *")
        check(lib.cs_aperiodic_fit(dptr(f), dptr(row), f.size, p, r))
        try:
            results.append({
                "offset": r.offset, "exponent": r.exponent, "knee": r.knee,
                "knee_freq": r.knee_freq, "r_squared": r.r_squared, "error": r.error,
                "peaks": [{"center": q.center, "power": q.power, "width": q.width,
                           "height": q.height, "sd": q.sd} for q in r.peaks[0:r.n_peaks]]})
        finally:
            lib.cs_aperiodic_result_free(r)
    return results[0] if one else results
