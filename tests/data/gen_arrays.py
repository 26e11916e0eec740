#!/usr/bin/python3
"""Arrays in the forms numpy and h5py save, for tests/test_import.c (the .npy
and HDF5 readers of cogscope/array.h and `cogscope import`).
usage: gen_arrays.py OUTDIR

Reader forms, each of shape (2, 3, 4) holding v = 100 i + 10 j + k (negated
for the signed 16-bit one, parity for bool):
  c_f8.npy (float64, C order)    f_f4.npy (float32, Fortran order)
  be_i4.npy (big-endian int32)   le_i2.npy (int16, -v)   u1.npy (uint8)
  i8.npy (int64)  u8.npy (uint64)  b1.npy (bool: (i + j + k) even)
  v2.npy (format 2.0, float64)   v3.npy (format 3.0, float64)
  arrays.h5:/x (int32)
Refused forms: f2.npy (float16), obj.npy (object), scalar.npy (0-d),
  trunc.npy (data cut short), text.npy (not .npy at all)

Import inputs (seeded): 4 snapshots of 200 samples
  acts1.npy [4, 200, 6] float32; acts2 in layers.h5:/acts2 [4, 200, 3] float64
  conv.npy [4, 200, 2, 3, 3]: (s + 1) / 2 + p / 100 + c + h / 10 + w / 100,
      so its per-channel mean is (s + 1) / 2 + p / 100 + c + 0.11
  probe_x.npy [200, 5], probe_y.npy [200] int64 (classes 0..2, the sign
      pattern of acts1's first units so that the layers carry label information)
  loss.npy, tau.npy, surprise.npy [150]; snap_steps.npy [0, 50, 100, 149]
  trace.npy [300, 4]: one recording over 300 steps
  half.npy [200] = 0.5: labels that are not classes
"""
import os
import sys

import h5py
import numpy as np
from numpy.lib import format as npf


def main(out):
    i, j, k = np.meshgrid(np.arange(2), np.arange(3), np.arange(4), indexing="ij")
    v = 100 * i + 10 * j + k
    np.save(os.path.join(out, "c_f8.npy"), v.astype("<f8"))
    np.save(os.path.join(out, "f_f4.npy"), np.asfortranarray(v.astype("<f4")))
    np.save(os.path.join(out, "be_i4.npy"), v.astype(">i4"))
    np.save(os.path.join(out, "le_i2.npy"), (-v).astype("<i2"))
    np.save(os.path.join(out, "u1.npy"), v.astype("u1"))
    np.save(os.path.join(out, "i8.npy"), v.astype("<i8"))
    np.save(os.path.join(out, "u8.npy"), v.astype("<u8"))
    np.save(os.path.join(out, "b1.npy"), (i + j + k) % 2 == 0)
    for ver in (2, 3):
        with open(os.path.join(out, "v%d.npy" % ver), "wb") as f:
            npf.write_array(f, v.astype("<f8"), version=(ver, 0))
    with h5py.File(os.path.join(out, "arrays.h5"), "w") as f:
        f["x"] = v.astype("<i4")
    np.save(os.path.join(out, "f2.npy"), v.astype("<f2"))
    np.save(os.path.join(out, "obj.npy"), np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(os.path.join(out, "scalar.npy"), np.float64(3.5))
    np.save(os.path.join(out, "trunc.npy"), v.astype("<f8"))
    with open(os.path.join(out, "trunc.npy"), "r+b") as f:
        f.truncate(os.path.getsize(os.path.join(out, "trunc.npy")) - 9)
    with open(os.path.join(out, "text.npy"), "w") as f:
        f.write("1 2 3\n")

    rng = np.random.default_rng(7)
    S, P = 4, 200
    z = rng.standard_normal((S, P, 2))
    acts1 = np.concatenate([z + 0.3 * rng.standard_normal((S, P, 2)), rng.standard_normal((S, P, 4))], axis=2)
    np.save(os.path.join(out, "acts1.npy"), acts1.astype(np.float32))
    with h5py.File(os.path.join(out, "layers.h5"), "w") as f:
        f["acts2"] = np.tanh(acts1[:, :, :3] @ rng.standard_normal((3, 3)))
    s, p, c, h, w = np.meshgrid(np.arange(S), np.arange(P), np.arange(2), np.arange(3), np.arange(3), indexing="ij")
    np.save(os.path.join(out, "conv.npy"), ((s + 1) / 2 + p / 100 + c + h / 10 + w / 100).astype(np.float64))
    np.save(os.path.join(out, "probe_x.npy"), rng.standard_normal((P, 5)))
    np.save(os.path.join(out, "probe_y.npy"), ((z[0, :, 0] > 0).astype(np.int64) + (z[0, :, 1] > 0)))
    n = 150
    t = np.arange(n)
    np.save(os.path.join(out, "loss.npy"), 2.3 * np.exp(-t / 60) + 0.01 * rng.standard_normal(n))
    np.save(os.path.join(out, "tau.npy"), 1.0 + 0.1 * np.cos(t / 5))
    np.save(os.path.join(out, "surprise.npy"), np.exp(-t / 40))
    np.save(os.path.join(out, "snap_steps.npy"), np.array([0, 50, 100, 149]))
    np.save(os.path.join(out, "trace.npy"), rng.standard_normal((300, 4)))
    np.save(os.path.join(out, "half.npy"), np.full(P, 0.5))


if __name__ == "__main__":
    main(sys.argv[1])
