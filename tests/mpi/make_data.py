"""Inputs of tests/mpi/run.sh, seeded: tables for the estimate commands and,
from a run log the serial build trained, a copy whose one snapshot is
damaged (for the rank-failure test).

usage: make_data.py DIR [RUN.h5]
"""
import sys

import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(18)

# continuous table: a chain plus a product term (synergy for O-information)
x = rng.standard_normal((300, 12))
x[:, 1] += x[:, 0]
x[:, 2] += 0.5 * x[:, 1] * x[:, 0]
np.savetxt(f"{out}/g.txt", x)

# the same with column 11 = column 9 + column 10: only the multiplets holding
# {9, 10, 11} are singular, and in the lexicographic order of the triplets
# {9, 10, 11} is the very last, so one rank alone meets it
s = x.copy()
s[:, 11] = s[:, 9] + s[:, 10]
np.savetxt(f"{out}/sing.txt", s)

# discrete symbols with an XOR-like dependence
d = rng.integers(0, 3, (400, 10))
d[:, 1] = (d[:, 0] + d[:, 2]) % 3
np.savetxt(f"{out}/d.txt", d, fmt="%d")

# coupled autoregressive series: 0 -> 1 and 2 -> 3
t = np.zeros((400, 6))
e = rng.standard_normal((400, 6))
for i in range(1, 400):
    t[i] = 0.5 * t[i - 1] + e[i]
    t[i, 1] += 0.6 * t[i - 1, 0]
    t[i, 3] += 0.4 * t[i - 1, 2]
np.savetxt(f"{out}/ts.txt", t)

if len(sys.argv) > 2:
    import h5py

    # Recompress one layer's activations with deflate and overwrite bytes in
    # the middle of snapshot 3's chunk: opening the log and every other
    # snapshot still work; reading that snapshot fails.
    import shutil

    shutil.copy(sys.argv[2], f"{out}/bad.h5")
    with h5py.File(f"{out}/bad.h5", "r+") as dst:
        a = dst["/layers/1/activations"]
        data, attrs, chunks, maxshape = a[()], dict(a.attrs), a.chunks, a.maxshape
        del dst["/layers/1/activations"]
        a = dst["/layers/1"].create_dataset("activations", data=data, chunks=chunks,
                                            maxshape=maxshape, compression="gzip")
        for k, v in attrs.items():
            a.attrs[k] = v
        info = a.id.get_chunk_info(3)
    with open(f"{out}/bad.h5", "r+b") as f:
        f.seek(info.byte_offset + info.size // 4)
        f.write(b"\x13" * 32)
