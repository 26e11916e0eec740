#!/usr/bin/python3
"""Compare two run logs, or two metrics files, dataset by dataset (exact,
NaN-aware, dtype and shape included): how the schema v2 change was checked
to keep the trainer's logs and analyze's results bit-identical.

  /usr/bin/python3 tools/compare_h5.py logs OLD.h5 NEW.h5 [OLD2 NEW2 ...]
  /usr/bin/python3 tools/compare_h5.py metrics OLD.metrics.h5 NEW.metrics.h5 [...]

logs: every dataset of OLD must be in NEW with the same values (a version 1
log's /probe/step is NEW's /snapshots/step; /committed holds flush times and
is skipped), and the /config attributes must agree (NEW may add some).
metrics: the same datasets with the same values, and the same /analysis
attributes except the run's path, id and creation time.
Prints one line per pair and exits 1 when anything differs.
The golden test (tests/golden/golden.py) walks files with datasets() and text().
"""
import sys

import h5py
import numpy as np


def datasets(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def text(v):
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode()
    if isinstance(v, np.ndarray):
        return [text(x) for x in v.tolist()] if v.dtype.kind in "SOU" else v.tolist()
    return v


def same(x, y):
    return x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")


def compare(kind, a, b):
    bad = []
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        da, db = datasets(fa), datasets(fb)
        for k, x in da.items():
            kb = {"probe/step": "snapshots/step"}.get(k, k) if kind == "logs" else k
            if kind == "logs" and k == "committed":
                continue
            if kb not in db:
                bad.append("missing " + kb)
            elif not same(x, db[kb]):
                bad.append("differs " + k)
        if kind == "metrics":
            bad += ["extra " + k for k in db if k not in da]
            skip = {"created", "run", "run_created", "run_id"}
            aa, ab = fa["analysis"].attrs, fb["analysis"].attrs
            for k in set(aa) | set(ab):
                if k not in skip and (k not in aa or k not in ab or text(aa[k]) != text(ab[k])):
                    bad.append("attribute " + k)
        else:
            ca, cb = fa["config"].attrs, fb["config"].attrs
            bad += ["config " + k for k in ca if k != "flush_interval" and (k not in cb or text(ca[k]) != text(cb[k]))]
        print("%s vs %s: %d datasets, %s" % (a, b, len(da), "; ".join(bad) if bad else "identical"))
    return not bad


def main(argv):
    if len(argv) < 3 or argv[0] not in ("logs", "metrics") or len(argv) % 2 == 0:
        sys.exit(__doc__)
    ok = all([compare(argv[0], a, b) for a, b in zip(argv[1::2], argv[2::2])])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
