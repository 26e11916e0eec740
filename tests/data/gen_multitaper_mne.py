#!/usr/bin/python3
"""Reference values for tests/test_multitaper.c: DPSS tapers and concentration
ratios from scipy.signal.windows.dpss, and multitaper PSDs from MNE's
psd_array_multitaper, on tests/data/spectral_signals.txt (written by
gen_spectral_scipy.py). Arrays are flat, channel-major. Run with Debian's
python3 (python3-mne, python3-scipy):
    /usr/bin/python3 tests/data/gen_multitaper_mne.py
"""
import json
import os

import mne
import numpy as np
import scipy
from mne.time_frequency import psd_array_multitaper
from scipy.signal.windows import dpss

here = os.path.dirname(os.path.abspath(__file__))
X = np.loadtxt(os.path.join(here, "spectral_signals.txt")).T  # channels x samples
cases = {}


def flat(a):
    return [float(v) for v in np.asarray(a).ravel()]


for n, nw, k, sym in [(64, 2.5, 4, True), (64, 2.5, 4, False), (513, 4.0, 7, False),
                      (300, 3.0, 5, True)]:
    w, r = dpss(n, nw, k, sym=sym, return_ratios=True)
    cases["dpss_%d_%g_%d_%s" % (n, nw, k, "sym" if sym else "periodic")] = {
        "call": "dpss(%d, %g, %d, sym=%s, return_ratios=True)" % (n, nw, k, sym),
        "tapers": flat(w), "ratios": flat(r)}

M = [
    ("mt_default", dict(sfreq=100.0), None),
    ("mt_adaptive", dict(sfreq=100.0, adaptive=True), None),
    ("mt_bw2_full", dict(sfreq=100.0, bandwidth=2.0, normalization="full"), None),
    ("mt_nolowbias_band", dict(sfreq=100.0, low_bias=False, fmin=5.0, fmax=20.0), None),
    ("mt_adaptive_band_odd", dict(sfreq=250.0, adaptive=True, bandwidth=3.0, fmin=1.0, fmax=60.0), 1499),
]
for name, kw, rows in M:
    data = X[:, :rows] if rows else X
    psd, f = psd_array_multitaper(data, verbose=False, **kw)
    cases[name] = {"call": "psd_array_multitaper(X%s, %r)" % ("[:, :%d]" % rows if rows else "", kw),
                   "f": flat(f), "psd": flat(psd)}

out = {"source": "MNE %s (mne.time_frequency.psd_array_multitaper), scipy %s (signal.windows.dpss), numpy %s"
       % (mne.__version__, scipy.__version__, np.__version__),
       "generator": "tests/data/gen_multitaper_mne.py", "cases": cases}
with open(os.path.join(here, "multitaper_mne.json"), "w") as fh:
    json.dump(out, fh)
print("wrote", len(cases), "cases")
