"""The table of docs/ipwt.md from report JSON files (cogscope report --format json).

usage: /usr/bin/python3 docs/ipwt/table.py DIGITS.json [PARITY.json ...] > table.md

Per data set and rule (the report's groups: the seeds of one rule), each column is
the mean over the seeds with the half-width of the 95 % t interval ("k/n" where only k
of the n runs have the value). Per run, a per-snapshot metric enters with its last
finite value (the end of training), a run-level scalar as it is. A metric that no run
has is reported as missing, with its name, instead of a column of dashes.
"""
import json
import math
import sys

from scipy import stats

# (title, metric key, layer or None, how): "last" = last finite value of the
# per-snapshot series, "scalar" = a run-level value, "plane" = the plane's end point.
COLUMNS = [
    ("test acc [%]", "test_acc", None, "final"),
    ("Ω layer L1 (end)", "layer_omega", "1", "last"),
    ("Ω layer L2 (end)", "layer_omega", "2", "last"),
    ("Ω pairs L1 (end)", "omega_mean", "1", "last"),
    ("Ω pairs L2 (end)", "omega_mean", "2", "last"),
    ("I(δ;Y) L1 (end)", "err_ity", "1", "last"),
    ("I(δ;Y) L2 (end)", "err_ity", "2", "last"),
    ("I(T;δ) L1 (end)", "err_itd", "1", "last"),
    ("I(δ;δ_BP) L1 (end)", "err_ref_mi", "1", "last"),
    ("Syn(T,δ→Y) L1 (end)", "err_pid_synergy", "1", "last"),
    ("PI train (end)", "pi_train", None, "plane_end"),
    ("PI held-out (end)", "pi_eval", None, "plane_end"),
    ("gap (end)", "gap", None, "plane_end"),
    ("clever idiot L1", "clever_idiot", "1", "plane_flag"),
    ("clever idiot L2", "clever_idiot", "2", "plane_flag"),
    ("δ-norm coherence L1-L2, max", "coherence.1-2.error_norm_max", None, "scalar"),
    ("at [cycles/step]", "coherence.1-2.error_norm_max_at", None, "scalar"),
    ("significant freqs", "coherence.1-2.error_norm_n_significant", None, "scalar"),
]


def finite(v):
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def run_value(run, plane, key, layer, how):
    if how == "final":
        v = run["summary"]["final"].get(key)
        return 100 * v if finite(v) else None
    if how == "scalar":
        for s in run["scalars"]:
            if s["metric"] == key:
                return s["value"]
        return None
    if how in ("plane_end", "plane_flag"):
        if plane is None:
            return None
        layers = [p for p in plane["layers"] if layer is None or p["layer_name"] == layer]
        if not layers:
            return None
        if how == "plane_flag":  # no end point (Omega never finite): no verdict
            end = layers[0]["end"]
            return None if end["omega"] is None else (1.0 if end["clever_idiot"] else 0.0)
        return layers[0]["end"][key]  # PI and gap are the network's: any layer
    for s in run["series"]:
        if s["metric"] == key and s["layer"] == layer:
            vals = [v for v in s["value"] if finite(v)]
            return vals[-1] if vals else None
    return None


def pooled(vals, how):
    v = [x for x in vals if finite(x)]
    if not v:
        return "–"
    if how == "plane_flag":
        return "%d/%d" % (sum(v), len(vals))
    m = sum(v) / len(v)
    if len(v) > 1:
        sd = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))
        hw = stats.t.ppf(0.975, len(v) - 1) * sd / math.sqrt(len(v))
        cell = "%.3g ± %.2g" % (m, hw)
    else:
        cell = "%.3g" % m
    return cell + ("" if len(v) == len(vals) else " (%d/%d)" % (len(v), len(vals)))


def table(path):
    with open(path) as fh:
        rep = json.load(fh)
    planes = {p["run"]: p for p in rep.get("plane", {}).get("runs", [])}
    runs = rep["runs"]
    cols = []
    missing = []
    for title, key, layer, how in COLUMNS:
        per = [run_value(r, planes.get(i), key, layer, how) for i, r in enumerate(runs)]
        if all(x is None for x in per):
            missing.append("%s (%s%s)" % (title, key, "" if layer is None else ", layer " + layer))
        else:
            cols.append((title, how, per))
    data = runs[0]["dataset"]
    out = ["### %s (%d runs; Ω axis of the plane: %s, thresholds PI ≥ %s, Ω < %s)" % (
        data, len(runs), rep.get("plane", {}).get("omega_metric"), rep.get("plane", {}).get("pi_threshold"),
        rep.get("plane", {}).get("omega_threshold")), ""]
    out.append("| rule | " + " | ".join(c[0] for c in cols) + " |")
    out.append("|---" * (len(cols) + 1) + "|")
    for g in rep["groups"]:
        idx = g["runs"]
        out.append("| %s (%d) | " % (g["name"], len(idx)) +
                   " | ".join(pooled([c[2][i] for i in idx], c[1]) for c in cols) + " |")
    if missing:
        out += ["", "Not in these analyses: " + "; ".join(missing) + "."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("\n".join(table(p) for p in sys.argv[1:]))
