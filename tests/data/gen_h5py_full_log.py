#!/usr/bin/python3
"""A run log with every optional part of docs/schema.md (version 2), written
with h5py alone: metadata of several kinds, a layer order that is not the
names' natural order, per-step and per-layer series, snapshot steps, probe
inputs and labels, evaluations, relaxation trajectories, and a snapshot
dataset of another shape. tests/test_runlog_v2.c checks that cogscope reads
each part and that analyze computes every metric family from it.
usage: gen_h5py_full_log.py OUT.h5
"""
import sys

import h5py
import numpy as np


def main(out):
    rng = np.random.default_rng(5)
    n, k, p, iters, r = 120, 3, 96, 6, 4
    x = rng.standard_normal((p, 5))
    labels = (x[:, 0] + 0.3 * rng.standard_normal(p) > 0).astype(np.int32) + (x[:, 1] > 0.8)
    t = np.arange(n)
    with h5py.File(out, "w") as f:
        f.attrs["schema"] = np.bytes_("cogscope-run")  # fixed-length, exactly filled
        f.attrs["schema_version"] = np.int32(2)
        c = f.create_group("config")
        c.attrs["trainer"] = "numpy by hand"
        c.attrs["rule"] = "sgd-hand"
        c.attrs["pi_alpha"] = 1.0
        c.attrs["pi_gamma"] = 0.5
        c.attrs["lr"] = 0.1
        c.attrs["widths"] = np.array([5, 7, 3])
        c.attrs["tags"] = ["a", "bb"]
        f["steps/step"] = 10 * t
        f["steps/epoch"] = (t // 40).astype(np.int32)
        f["steps/loss"] = 1.2 * np.exp(-t / 50) + 0.02 * rng.standard_normal(n)
        f["steps/tau"] = 0.9 * np.exp(-t / 80) + 0.05
        f["steps/surprise"] = np.exp(-t / 30)
        f["snapshots/step"] = np.array([0, 500, 1190])
        f["probe/inputs"] = x.astype(np.float32)
        f["probe/labels"] = labels
        h1 = np.tanh(x @ rng.standard_normal((5, 7)))
        h2 = np.tanh(h1 @ rng.standard_normal((7, 3)))
        for name, h in (("z_hidden", h1), ("a_out", h2)):
            g = f.create_group("layers/" + name)
            g["activations"] = np.stack([h * (1 + 0.1 * s) + 0.05 * rng.standard_normal(h.shape) for s in range(k)])
            g["grad_norm"] = np.abs(rng.standard_normal(n))
            g["heads"] = rng.standard_normal((k, 2, 4, 4)).astype(np.float32)  # another shape
            f["relax/" + name + "/states"] = rng.standard_normal((k, iters, r, h.shape[1])).astype(np.float32)
        f["layers"].attrs["order"] = ["z_hidden", "a_out"]  # not alphabetical
        f["relax/energy"] = -np.abs(rng.standard_normal((k, iters)))
        f["eval/step"] = np.array([390, 790, 1190])
        f["eval/epoch"] = np.array([0, 1, 2], dtype=np.int32)
        f["eval/acc"] = np.array([0.5, 0.7, 0.8])
        f["eval/loss"] = np.array([1.0, 0.7, 0.5])


if __name__ == "__main__":
    main(sys.argv[1])
