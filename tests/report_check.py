#!/usr/bin/python3
"""Checks of `cogscope report --format csv|json` against the run logs and
metrics files they came from, read independently with h5py (called by
tests/test_report_html.c; needs python3-h5py and python3-jsonschema).

usage: report_check.py csv REPORT.csv RUN.h5 ...
       report_check.py json REPORT.json SCHEMA.json RUN.h5 ...

csv: the header is exactly the documented columns, Python's csv module reads
every row with 13 fields, and the rows of each (run, metric, layer) number
exactly as many as the values of the dataset they come from, following the
rules of docs/report.md ("How datasets become series", "CSV") applied here to
the HDF5 files directly; the values of /steps/loss and /eval/acc match.
json: the document validates against the JSON Schema; it holds every run and
the per-step series at full length, with plain metric keys.
Prints "ok ..." and exits 0, or prints the failure and exits 1.
"""
import collections
import csv
import json
import math
import sys

import h5py

COLUMNS = ["run", "group", "label", "rule", "seed", "step", "epoch", "samples", "layer", "metric", "value",
           "units", "flag"]
AXES = {"step", "epoch", "freq", "window_start", "snapshot_step"}
FLAG_WORDS = ("flag", "saturated", "clamped", "singular", "degenerate", "no_power_law", "diverged", "unreliable")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def is_axis(leaf):
    return leaf in AXES or leaf.endswith("_freq")


def expected_rows(run):
    """(metric, layer) -> number of tidy rows, from the files themselves."""
    exp = {}
    with h5py.File(run, "r") as f:
        n_steps = f["steps/step"].shape[0]
        n_eval = f["eval/step"].shape[0] if "eval" in f else 0
        for name, d in f["steps"].items():
            if name not in ("step", "epoch"):
                exp[(name, "")] = min(d.shape[0], n_steps)
        for name, d in f.get("eval", {}).items():
            if name not in ("step", "epoch"):
                exp[("test_" + name, "")] = min(d.shape[0], n_eval)
        for layer, g in f["layers"].items():
            for name, d in g.items():
                if len(d.shape) == 1:
                    exp[(name, layer)] = min(d.shape[0], n_steps)
        if "relax" in f and f["relax/energy"].shape[0]:
            exp[("relax_energy_final", "")] = f["relax/energy"].shape[0]
    mpath = run[:-3] + ".metrics.h5"
    try:
        m = h5py.File(mpath, "r")
    except OSError:
        return exp
    with m:
        a = m["analysis"]
        S = a["snapshot_step"].shape[0] if "snapshot_step" in a else -1

        def visit(path, d):
            if not isinstance(d, h5py.Dataset):
                return
            parts = path.split("/")
            leaf = parts[-1]
            units = d.attrs.get("units", "")
            units = units.decode() if isinstance(units, bytes) else units
            if is_axis(leaf) or units == "flag" or any(leaf == w or leaf.endswith("_" + w) for w in FLAG_WORDS):
                return
            layer = parts[1] if parts[0] == "layers" else ""
            key = leaf if layer else ".".join(parts)
            shape = d.shape
            if len(shape) == 1:
                if layer and shape[0] == S:
                    exp[(key, layer)] = S
                elif shape[0] == 1:
                    exp[(key, layer)] = 1
                else:
                    grp = d.parent
                    if any(s in grp and grp[s].shape == shape for s in ("step", "epoch", "window_start")):
                        exp[(key, layer)] = shape[0]
            elif len(shape) == 2 and layer and shape[0] == S:
                if leaf.endswith("_summary") and shape[1] == 6:
                    for c in ("mean", "q05", "median", "q95", "frac_neg", "count"):
                        exp[(leaf[:-8] + "_" + c, layer)] = S
                elif leaf.endswith("_phiid_atoms") and shape[1] == 16:
                    for c in ("rtr rtx rty rts xtr xtx xty xts ytr ytx yty yts str stx sty sts").split():
                        exp[(leaf + "_" + c, layer)] = S
                elif leaf.startswith("pid_") and units != "index":
                    exp[(leaf, layer)] = S

        a.visititems(visit)
        # the PI x Omega plane's end point per layer (report_plane.c): where the
        # layer has the plane metric (layer_omega) and the run has plane/pi_train
        if "plane" in a and "pi_train" in a["plane"] and "layers" in a:
            for layer, g in a["layers"].items():
                if "layer_omega" in g and g["layer_omega"].shape[0] > 0:
                    for k in ("end_omega", "end_pi_train", "end_pi_eval", "end_gap", "end_quadrant"):
                        exp[("plane." + k, layer)] = 1
    return exp


def check_csv(path, runs):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    if rows[0] != COLUMNS:
        fail("CSV header %r" % rows[0])
    body = rows[1:]
    if any(len(r) != len(COLUMNS) for r in body):
        fail("a CSV row does not have %d fields" % len(COLUMNS))
    got = collections.Counter((r[0], r[9], r[8]) for r in body)
    total = 0
    for run in runs:
        exp = expected_rows(run)
        for (metric, layer), n in exp.items():
            if got.get((run, metric, layer), 0) != n:
                fail("%s %s layer %r: %d rows, expected %d" % (run, metric, layer, got.get((run, metric, layer), 0), n))
            total += n
    if total != len(body):
        extra = set(got) - {(run, m, l) for run in runs for (m, l) in expected_rows(run)}
        fail("%d rows, expected %d; unexpected: %s" % (len(body), total, sorted(extra)[:10]))
    # values round-trip: /steps/loss and /eval/acc of the first run
    with h5py.File(runs[0], "r") as f:
        loss, acc = f["steps/loss"][:], f["eval/acc"][:]
    mine = [float(r[10]) for r in body if r[0] == runs[0] and r[9] == "loss"]
    if len(mine) != len(loss) or any(a != b for a, b in zip(mine, loss)):
        fail("loss values differ from /steps/loss")
    mine = [float(r[10]) for r in body if r[0] == runs[0] and r[9] == "test_acc"]
    if mine != list(acc):
        fail("test_acc values differ from /eval/acc")
    flagged = sum(1 for r in body if r[12] and r[12] != "not_computed")
    print("ok csv rows=%d runs=%d flagged=%d" % (len(body), len(runs), flagged))


def check_json(path, schema_path, runs):
    import jsonschema
    with open(path) as fh:
        doc = json.load(fh)
    with open(schema_path) as fh:
        schema = json.load(fh)
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    if doc["format_version"] != 2:
        fail("format_version %r" % doc["format_version"])
    if [r["file"] for r in doc["runs"]] != runs:
        fail("runs %r" % [r["file"] for r in doc["runs"]])
    for r in doc["runs"]:
        with h5py.File(r["file"], "r") as f:
            n = f["steps/loss"].shape[0]
        loss = [s for s in r["series"] if s["metric"] == "loss" and s["layer"] is None]
        if len(loss) != 1 or len(loss[0]["value"]) != n or loss[0]["kind"] != "step":
            fail("%s: per-step loss missing or short" % r["file"])
        for s in r["series"] + r["scalars"]:
            if "/" in s["metric"]:
                fail("metric key %r is not plain" % s["metric"])
    print("ok json runs=%d groups=%d" % (len(doc["runs"]), len(doc["groups"])))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        fail(__doc__)
    if sys.argv[1] == "csv":
        check_csv(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "json":
        check_json(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        fail("unknown check " + sys.argv[1])
