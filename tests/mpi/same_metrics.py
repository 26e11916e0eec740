"""Exit 0 when two metrics files hold the same arrays bit for bit and the
same attributes (all but `created`, the time of writing); else name the
first differences and exit 1. usage: same_metrics.py A.h5 B.h5"""
import sys

import h5py
import numpy as np


def objects(f):
    out = {"/": f}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    return out


def same(u, w):
    u, w = np.asarray(u), np.asarray(w)
    if u.dtype.kind in "OSU" or w.dtype.kind in "OSU":
        return u.tolist() == w.tolist()
    return u.dtype == w.dtype and u.shape == w.shape and u.tobytes() == w.tobytes()


a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
A, B = objects(a), objects(b)
bad = []
if set(A) != set(B):
    bad.append(f"objects only in one file: {sorted(set(A) ^ set(B))[:5]}")
for k in sorted(set(A) & set(B)):
    x, y = A[k], B[k]
    keys = set(x.attrs) - {"created"}
    if keys != set(y.attrs) - {"created"}:
        bad.append(f"{k}: attribute names differ")
    for at in sorted(keys & set(y.attrs)):
        if not same(x.attrs[at], y.attrs[at]):
            bad.append(f"{k}: attribute {at} differs")
    if isinstance(x, h5py.Dataset) and not same(x[()], y[()]):
        bad.append(f"{k}: data differ")
for line in bad[:10]:
    print(f"{sys.argv[1]} vs {sys.argv[2]}: {line}")
sys.exit(1 if bad else 0)
