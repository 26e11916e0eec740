#!/usr/bin/python3
"""A run log written with h5py from docs/schema.md alone (no cogscope code):
only the two required root attributes, `loss` per step, and activations of
two layers. tests/test_runlog_v2.c runs cogscope info, analyze and report on
it. usage: gen_h5py_minimal_log.py OUT.h5

The data are synthetic and seeded: 300 steps of a decaying loss with a
period-10 wiggle; 4 snapshots of 256 samples; layer "encoder.fc1" has 6
units, three of them driven by one common factor (so its total correlation
is positive), layer "head" has 3 units. /config rule is written as
numpy.bytes_ of exactly its length: the form whose last character an older
reader dropped ("torchbp" read as "torchb").
"""
import sys

import h5py
import numpy as np


def main(out):
    rng = np.random.default_rng(13)
    n, k, p = 300, 4, 256
    t = np.arange(n)
    loss = 2.3 * np.exp(-t / 120) + 0.05 * np.sin(2 * np.pi * t / 10) + 0.01 * rng.standard_normal(n)
    z = rng.standard_normal((k, p, 1))
    fc1 = np.concatenate([z + 0.5 * rng.standard_normal((k, p, 3)), rng.standard_normal((k, p, 3))], axis=2)
    head = np.tanh(fc1[:, :, :3] @ rng.standard_normal((3, 3)))
    with h5py.File(out, "w") as f:
        f.attrs["schema"] = "cogscope-run"
        f.attrs["schema_version"] = 2
        f["steps/loss"] = loss
        f["layers/encoder.fc1/activations"] = fc1.astype(np.float32)
        f["layers/head/activations"] = head.astype(np.float32)
        f.create_group("config").attrs["rule"] = np.bytes_("torchbp")


if __name__ == "__main__":
    main(sys.argv[1])
