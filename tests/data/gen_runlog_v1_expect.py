#!/usr/bin/python3
"""Expected values of the checked-in version 1 run logs (runlog_v1_*.h5,
written by `cogscope train` of the first schema), read with h5py, i.e.
without cogscope's reader: tests/test_runlog_v2.c compares its reader with
these. usage: gen_runlog_v1_expect.py LOG.h5  -> "key value" lines on stdout.

The logs were made with (cogscope before schema v2):
  cogscope train --data digits --rule ep --layers 64,16,10 --epochs 2 --batch 32 \
      --log-every 20 --probe-size 48 --ep-free-steps 6 --ep-nudge-steps 2 --seed 3 --out runlog_v1_ep.h5
  cogscope train --data digits --rule ff --layers 64,16,10 --epochs 1 --batch 64 \
      --log-every 10 --probe-size 40 --seed 5 --out runlog_v1_ff.h5
"""
import sys

import h5py
import numpy as np


def main(path):
    with h5py.File(path, "r") as f:
        c = f["committed"][:]
        cfg = f["config"].attrs
        out = {}
        out["schema_version"] = int(f.attrs["schema_version"])
        out["rule"] = cfg["rule"]
        out["layers"] = ",".join(str(int(x)) for x in cfg["layers"])
        n = min([c[0]] + [f["steps/" + k].shape[0] for k in f["steps"]])
        k = min(c[1], f["probe/step"].shape[0])
        out["steps"] = n
        out["snapshots"] = k
        out["evals"] = min(c[2], f["eval/acc"].shape[0])
        out["relax_snapshots"] = min(c[3], f["relax/energy"].shape[0]) if "relax" in f else 0
        out["loss_sum"] = repr(float(np.sum(f["steps/loss"][:n])))
        out["snapshot_step_last"] = int(f["probe/step"][k - 1])
        out["act2_last_sum"] = repr(float(np.sum(f["layers/2/activations"][k - 1].astype(np.float64))))
        out["err1_first_sum"] = repr(float(np.sum(f["layers/1/errors"][0].astype(np.float64))))
        out["wnorm1_sum"] = repr(float(np.sum(f["layers/1/weight_norm"][:n])))
        out["probe_label_sum"] = int(np.sum(f["probe/labels"][:]))
        if "relax" in f:
            out["relax1_first_sum"] = repr(float(np.sum(f["relax/1/states"][0].astype(np.float64))))
            out["energy_first_sum"] = repr(float(np.sum(f["relax/energy"][0])))
        if "layer_series" in cfg:
            out["layer_series"] = ",".join(s.decode() if isinstance(s, bytes) else s for s in cfg["layer_series"])
            name = out["layer_series"].split(",")[0]
            out["extra1_sum"] = repr(float(np.nansum(f["layers/1/" + name][:n])))
        for key, val in out.items():
            print(key, val)


if __name__ == "__main__":
    main(sys.argv[1])
