#!/usr/bin/python3
"""A line-by-line transcription of FOOOF 1.1's fitting procedure
(fooof/objs/fit.py: FOOOF.fit, _robust_ap_fit, _simple_ap_fit, _fit_peaks,
_fit_peak_guess, _drop_peak_cf, _drop_peak_overlap, _create_peak_params,
_calc_r_squared, _calc_error) on numpy + scipy.optimize.curve_fit, used as the
reference for tests/test_aperiodic.c because the fooof/specparam package is
not installable here. It differs from cogscope's C code in everything but the
procedure: scipy's MINPACK 'lm' and bounded 'trf' solvers instead of GSL's
trust region with a change of variables, numpy's percentile/std/argmax.

    /usr/bin/python3 tests/data/fooof_port.py   # writes aperiodic_fooof_port.json
"""
import json
import os

import numpy as np
import scipy
from scipy.optimize import curve_fit
from scipy.signal import welch


def expo_nk(xs, offset, exp):
    return offset - np.log10(xs ** exp)


def expo_k(xs, offset, knee, exp):
    return offset - np.log10(knee + xs ** exp)


def gaussian_function(xs, *params):
    ys = np.zeros_like(xs)
    for ii in range(0, len(params), 3):
        ctr, hgt, wid = params[ii:ii + 3]
        ys = ys + hgt * np.exp(-(xs - ctr) ** 2 / (2 * wid ** 2))
    return ys


class Fooof:
    def __init__(self, peak_width_limits=(0.5, 12.0), max_n_peaks=np.inf, min_peak_height=0.0,
                 peak_threshold=2.0, aperiodic_mode="fixed"):
        self.peak_width_limits = peak_width_limits
        self.max_n_peaks = max_n_peaks
        self.min_peak_height = min_peak_height
        self.peak_threshold = peak_threshold
        self.aperiodic_mode = aperiodic_mode
        self._ap_percentile_thresh = 0.025
        self._ap_guess = (None, 0, None)
        self._ap_bounds = ((-np.inf, -np.inf, -np.inf), (np.inf, np.inf, np.inf))
        self._bw_std_edge = 1.0
        self._gauss_overlap_thresh = 0.75
        self._cf_bound = 1.5
        self._maxfev = 5000
        self._gauss_std_limits = tuple(bwl / 2 for bwl in self.peak_width_limits)

    def func(self):
        return expo_k if self.aperiodic_mode == "knee" else expo_nk

    def fit(self, freqs, power_spectrum, freq_range):
        f_mask = np.logical_and(freqs >= freq_range[0], freqs <= freq_range[1])
        freqs, power_spectrum = freqs[f_mask], power_spectrum[f_mask]
        if freqs[0] == 0.0:
            freqs, power_spectrum = freqs[1:], power_spectrum[1:]
        self.freqs = freqs
        self.power_spectrum = np.log10(power_spectrum)
        self.freq_range = [freqs.min(), freqs.max()]
        self.freq_res = freqs[1] - freqs[0]

        self.aperiodic_params_ = self._robust_ap_fit(self.freqs, self.power_spectrum)
        self._ap_fit = self.func()(self.freqs, *self.aperiodic_params_)
        self._spectrum_flat = self.power_spectrum - self._ap_fit
        self.gaussian_params_ = self._fit_peaks(np.copy(self._spectrum_flat))
        self._peak_fit = gaussian_function(self.freqs, *np.ndarray.flatten(self.gaussian_params_))
        self._spectrum_peak_rm = self.power_spectrum - self._peak_fit
        self.aperiodic_params_ = self._simple_ap_fit(self.freqs, self._spectrum_peak_rm)
        self._ap_fit = self.func()(self.freqs, *self.aperiodic_params_)
        self.fooofed_spectrum_ = self._peak_fit + self._ap_fit
        self.peak_params_ = self._create_peak_params(self.gaussian_params_)
        r_val = np.corrcoef(self.power_spectrum, self.fooofed_spectrum_)
        self.r_squared_ = r_val[0][1] ** 2
        self.error_ = np.abs(self.power_spectrum - self.fooofed_spectrum_).mean()
        return self

    def _simple_ap_fit(self, freqs, power_spectrum):
        off_guess = [power_spectrum[0] if not self._ap_guess[0] else self._ap_guess[0]]
        kne_guess = [self._ap_guess[1]] if self.aperiodic_mode == "knee" else []
        exp_guess = [np.abs((self.power_spectrum[-1] - self.power_spectrum[0]) /
                            (np.log10(self.freqs[-1]) - np.log10(self.freqs[0])))
                     if not self._ap_guess[2] else self._ap_guess[2]]
        ap_bounds = self._ap_bounds if self.aperiodic_mode == "knee" \
            else tuple(bound[0::2] for bound in self._ap_bounds)
        guess = np.array(off_guess + kne_guess + exp_guess)
        params, _ = curve_fit(self.func(), freqs, power_spectrum, p0=guess, maxfev=self._maxfev,
                              bounds=ap_bounds)
        return params

    def _robust_ap_fit(self, freqs, power_spectrum):
        popt = self._simple_ap_fit(freqs, power_spectrum)
        initial_fit = self.func()(freqs, *popt)
        flatspec = power_spectrum - initial_fit
        flatspec[flatspec < 0] = 0
        perc_thresh = np.percentile(flatspec, self._ap_percentile_thresh)
        perc_mask = flatspec <= perc_thresh
        freqs_ignore = freqs[perc_mask]
        spectrum_ignore = power_spectrum[perc_mask]
        ap_bounds = self._ap_bounds if self.aperiodic_mode == "knee" \
            else tuple(bound[0::2] for bound in self._ap_bounds)
        params, _ = curve_fit(self.func(), freqs_ignore, spectrum_ignore, p0=popt,
                              maxfev=self._maxfev, bounds=ap_bounds)
        return params

    def _fit_peaks(self, flat_iter):
        guess = np.empty([0, 3])
        while len(guess) < self.max_n_peaks:
            max_ind = np.argmax(flat_iter)
            max_height = flat_iter[max_ind]
            if max_height <= self.peak_threshold * np.std(flat_iter):
                break
            guess_freq = self.freqs[max_ind]
            guess_height = max_height
            if not guess_height > self.min_peak_height:
                break
            half_height = 0.5 * max_height
            le_ind = next((val for val in range(max_ind - 1, 0, -1)
                           if flat_iter[val] <= half_height), None)
            ri_ind = next((val for val in range(max_ind + 1, len(flat_iter), 1)
                           if flat_iter[val] <= half_height), None)
            try:
                short_side = min([abs(ind - max_ind) for ind in [le_ind, ri_ind] if ind is not None])
                fwhm = short_side * 2 * self.freq_res
                guess_std = fwhm / (2 * np.sqrt(2 * np.log(2)))
            except ValueError:
                guess_std = np.mean(self._gauss_std_limits)
            if guess_std < self._gauss_std_limits[0]:
                guess_std = self._gauss_std_limits[0]
            if guess_std > self._gauss_std_limits[1]:
                guess_std = self._gauss_std_limits[1]
            guess = np.vstack((guess, (guess_freq, guess_height, guess_std)))
            flat_iter = flat_iter - gaussian_function(self.freqs, guess_freq, guess_height, guess_std)
        guess = self._drop_peak_cf(guess)
        guess = self._drop_peak_overlap(guess)
        if len(guess) > 0:
            gaussian_params = self._fit_peak_guess(guess)
            gaussian_params = gaussian_params[gaussian_params[:, 0].argsort()]
        else:
            gaussian_params = np.empty([0, 3])
        return gaussian_params

    def _fit_peak_guess(self, guess):
        lo_bound = [[peak[0] - 2 * self._cf_bound * peak[2], 0, self._gauss_std_limits[0]]
                    for peak in guess]
        hi_bound = [[peak[0] + 2 * self._cf_bound * peak[2], np.inf, self._gauss_std_limits[1]]
                    for peak in guess]
        lo_bound = [bound if bound[0] > self.freq_range[0] else
                    [self.freq_range[0], *bound[1:]] for bound in lo_bound]
        hi_bound = [bound if bound[0] < self.freq_range[1] else
                    [self.freq_range[1], *bound[1:]] for bound in hi_bound]
        gaus_param_bounds = (tuple(item for sublist in lo_bound for item in sublist),
                             tuple(item for sublist in hi_bound for item in sublist))
        guess = np.ndarray.flatten(guess)
        gaussian_params, _ = curve_fit(gaussian_function, self.freqs, self._spectrum_flat,
                                       p0=guess, maxfev=self._maxfev, bounds=gaus_param_bounds)
        return np.array([gaussian_params[i:i + 3] for i in range(0, len(gaussian_params), 3)])

    def _drop_peak_cf(self, guess):
        cf_params = guess[:, 0]
        bw_params = guess[:, 2] * self._bw_std_edge
        keep_peak = (np.abs(np.subtract(cf_params, self.freq_range[0])) > bw_params) & \
                    (np.abs(np.subtract(cf_params, self.freq_range[1])) > bw_params)
        return np.array([gu for (gu, keep) in zip(guess, keep_peak) if keep])

    def _drop_peak_overlap(self, guess):
        guess = sorted(guess, key=lambda x: float(x[0]))
        bounds = [[peak[0] - peak[2] * self._gauss_overlap_thresh,
                   peak[0] + peak[2] * self._gauss_overlap_thresh] for peak in guess]
        drop_inds = []
        for ind, b_0 in enumerate(bounds[:-1]):
            b_1 = bounds[ind + 1]
            if b_0[1] > b_1[0]:
                drop_inds.append([ind, ind + 1][np.argmin([guess[ind][1], guess[ind + 1][1]])])
        keep_peak = [not ind in drop_inds for ind in range(len(guess))]
        return np.array([gu for (gu, keep) in zip(guess, keep_peak) if keep])

    def _create_peak_params(self, gaus_params):
        peak_params = np.empty((len(gaus_params), 3))
        for ii, peak in enumerate(gaus_params):
            ind = np.argmin(np.abs(self.freqs - peak[0]))
            peak_params[ii] = [peak[0], self.fooofed_spectrum_[ind] - self._ap_fit[ind], peak[2] * 2]
        return peak_params


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    X = np.loadtxt(os.path.join(here, "spectral_signals.txt")).T
    # Smooth spectra (FOOOF's advice): Welch with many segments of the signals
    # used elsewhere, fs = 100, nperseg 128.
    f, P = welch(X, fs=100.0, nperseg=128)
    cases = {}
    for name, col, kw, rng in [
        ("fixed_x0", 0, dict(), (1, 45)),
        ("fixed_x1", 1, dict(), (1, 45)),
        ("fixed_x1_maxpk2_height", 1, dict(max_n_peaks=2, min_peak_height=0.05), (2, 40)),
        ("knee_x1", 1, dict(aperiodic_mode="knee", min_peak_height=0.1), (1, 49)),
        ("fixed_x2_threshold", 2, dict(peak_threshold=1.5, peak_width_limits=(1.0, 8.0)), (3, 48)),
    ]:
        fm = Fooof(**kw).fit(f, P[col], rng)
        cases[name] = {"call": "Fooof(%r).fit(f, P[%d], %r)" % (kw, col, rng),
                       "aperiodic": [float(v) for v in fm.aperiodic_params_],
                       "peaks": [float(v) for v in fm.peak_params_.ravel()],
                       "gaussians": [float(v) for v in fm.gaussian_params_.ravel()],
                       "r_squared": [float(fm.r_squared_)], "error": [float(fm.error_)]}
    out = {"source": "tests/data/fooof_port.py (FOOOF 1.1 procedure on scipy %s curve_fit, numpy %s)"
           % (scipy.__version__, np.__version__),
           "input": "scipy.signal.welch(X, fs=100, nperseg=128) of spectral_signals.txt", "cases": cases}
    with open(os.path.join(here, "aperiodic_fooof_port.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    for k, v in cases.items():
        print(k, v["aperiodic"], len(v["peaks"]) // 3, v["r_squared"])
