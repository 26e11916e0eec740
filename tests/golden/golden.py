#!/usr/bin/python3
"""Golden manifest of cogscope's outputs (tests/golden/run.sh runs the commands).

  /usr/bin/python3 tests/golden/golden.py generate MANIFEST OUTDIR
  /usr/bin/python3 tests/golden/golden.py check MANIFEST OUTDIR

One manifest entry per number-bearing item of every file in OUTDIR:
  FILE.h5:/path          dataset: dtype, shape, SHA-256 of the raw bytes
  FILE.h5:/path@name     attribute: dtype, SHA-256 of its value
  FILE.json:$.a.b[2]     JSON leaf: its text exactly as printed (numbers are
                         kept as their printed digits, not re-formatted)
  FILE.json:$.a.b        an array of scalars: its length and SHA-256 (as printed)
  FILE.txt:N             text line N: SHA-256 of the line
  FILE.csv:RUN|LAYER|METRIC  report CSV: SHA-256 of that metric's rows
check: every manifest entry must exist in OUTDIR with the same value (new
entries are allowed: later issues add metrics); a JSON leaf or text line may
move (it is looked up by content when its place differs), so added keys and
rows do not fail the test. Each missing or differing entry is printed by name;
exit 1 when there is one.

Left out, because they vary from run to run and carry no computed number:
  HDF5 attributes and JSON keys created, run_created (times), run_id (a random
    id per run), writer_host, writer_pid (who wrote the file), last_flush_time,
    seconds, *_seconds, train_samples_per_second (wall times and speeds);
  the flush_unix_ms column of the run log's /committed (time of the last flush);
  in text lines: ISO times (2026-12-02T03:06:51Z), masked.
Nothing else varied between two runs, nor between 1 and 2 OpenMP threads
(checked at 1c578a6; only the --threads value the train JSON echoes differs).
Paths are the same relative names on every run (run.sh works in its own
directory), so none needs removing.
"""
import hashlib
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from compare_h5 import datasets, text  # noqa: E402  (one HDF5 walker for both tools)

import h5py  # noqa: E402

# HDF5 attribute and JSON key names whose values vary from run to run (see above).
VARYING = {"created", "run_created", "run_id", "writer_host", "writer_pid", "last_flush_time",
           "seconds", "train_samples_per_second"}
# JSON leaves that count a command's outputs (`analyze --json`: "arrays", the
# datasets written). Later versions may add outputs (see run.sh), so such a
# count may grow; it must not shrink.
COUNTS = {"arrays"}
TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def sha(b):
    return hashlib.sha256(b).hexdigest()


def value_bytes(v):
    """Bytes that identify a dataset's or attribute's value: the raw array
    bytes for numbers, the UTF-8 text (joined by NUL) for strings."""
    if isinstance(v, np.ndarray) and v.dtype.kind not in "SOU":
        return np.ascontiguousarray(v).tobytes()
    t = text(v)
    return "\0".join(map(str, t)).encode() if isinstance(t, list) else str(t).encode()


def h5_entries(name, path):
    out = {}
    with h5py.File(path, "r") as f:
        for k, v in sorted(datasets(f).items()):
            if k == "committed" and "columns" in f[k].attrs:
                cols = [c.decode() for c in f[k].attrs["columns"]]
                v = np.delete(v, cols.index("flush_unix_ms"), axis=-1)
            out["%s:/%s" % (name, k)] = "%s %s %s" % (v.dtype.str, list(v.shape), sha(value_bytes(v)))
        objs = [("", f)]
        f.visititems(lambda n, o: objs.append((n, o)))
        for n, o in objs:
            for a in sorted(o.attrs):
                if a in VARYING:
                    continue
                v = o.attrs[a]
                dt = v.dtype.str if hasattr(v, "dtype") else type(v).__name__
                out["%s:/%s@%s" % (name, n, a)] = "%s %s" % (dt, sha(value_bytes(v)))
    return out


def json_leaves(prefix, v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            if k not in VARYING and not k.endswith("_seconds"):
                json_leaves("%s.%s" % (prefix, k), x, out)
    elif isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v):
        # An array of numbers/strings is one entry: its length and the SHA-256 of
        # its elements as printed (short ones are kept readable).
        s = json.dumps(v)
        out[prefix] = s if len(s) <= 80 else "[%d] %s" % (len(v), sha(s.encode()))
    elif isinstance(v, list):
        # Records named by their metric (and layer) keep their entry names when
        # a later version inserts a record before them; otherwise the index.
        names = ["%s|%s" % (x["metric"], "" if x.get("layer") is None else x["layer"]) if isinstance(x, dict) and "metric" in x else None
                 for x in v]
        if None in names or len(set(names)) != len(names):
            names = [str(i) for i in range(len(v))]
        for n, x in zip(names, v):
            json_leaves("%s[%s]" % (prefix, n), x, out)
    else:
        out[prefix] = v if isinstance(v, str) else json.dumps(v)


def json_entries(name, path):
    out = {}
    with open(path) as fh:
        body = fh.read()
    # One object per line (analyze --json prints one per run) or one document.
    docs = [body] if body.lstrip().startswith("{") and body.count("\n{") == 0 else body.splitlines()
    for i, d in enumerate(x for x in docs if x.strip()):
        # parse_float/parse_int=str: the digits as printed, not Python's re-formatting.
        v = json.loads(d, parse_float=str, parse_int=str)
        json_leaves("%s:$%s" % (name, "" if len(docs) == 1 else "{%d}" % i), v, out)
    return out


def text_entries(name, path):
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        lines = [TIME_RE.sub("<time>", ln) for ln in fh.read().splitlines()]
    if name.endswith(".csv") and lines and {"run", "layer", "metric"} <= set(lines[0].split(",")):
        # report --format csv (long format, one value per row): one entry per
        # run, layer and metric, the SHA-256 of its rows in order.
        head = lines[0].split(",")
        key = [head.index(c) for c in ("run", "layer", "metric")]
        groups = {}
        for ln in lines[1:]:
            f = ln.split(",")
            groups.setdefault("|".join(f[i] for i in key), []).append(ln)
        out = {"%s:header" % name: sha(lines[0].encode())}
        out.update({"%s:%s" % (name, k): "%d rows %s" % (len(v), sha("\n".join(v).encode("utf-8", "surrogateescape")))
                    for k, v in groups.items()})
        return out
    return {"%s:%d" % (name, i + 1): sha(ln.encode("utf-8", "surrogateescape")) for i, ln in enumerate(lines)}


def collect(outdir):
    entries = {}
    for root, _, files in os.walk(outdir):
        for fn in sorted(files):
            path = os.path.join(root, fn)
            name = os.path.relpath(path, outdir)
            if fn.endswith(".h5"):
                entries.update(h5_entries(name, path))
            elif fn.endswith(".json"):
                entries.update(json_entries(name, path))
            else:
                entries.update(text_entries(name, path))
    return entries


def check(manifest, got):
    bad = []
    # Values of movable entries (JSON leaves, text lines) by file, for lookup by content.
    by_file = {}
    for k, v in got.items():
        by_file.setdefault(k.split(":", 1)[0], []).append(v)
    pools = {f: {} for f in by_file}
    for f, vals in by_file.items():
        for v in vals:
            pools[f][v] = pools[f].get(v, 0) + 1
    for k, want in manifest.items():
        have = got.get(k)
        if have == want:
            continue
        if k.rsplit(".", 1)[-1] in COUNTS and have is not None and have.isdigit() and want.isdigit() \
                and int(have) >= int(want):
            continue  # more outputs than the manifest's version wrote
        fname = k.split(":", 1)[0]
        movable = not fname.endswith(".h5")
        if movable and pools.get(fname, {}).get(want, 0) > 0:
            pools[fname][want] -= 1  # the same leaf/line elsewhere in the file
            continue
        if fname not in by_file:
            bad.append("MISSING FILE %s (entry %s)" % (fname, k))
        elif have is None:
            bad.append("MISSING %s (expected %s)" % (k, want))
        else:
            bad.append("DIFFERS %s: expected %s, got %s" % (k, want, have))
    return bad


def main(argv):
    if len(argv) != 3 or argv[0] not in ("generate", "check"):
        sys.exit(__doc__)
    mode, manifest_path, outdir = argv
    got = collect(outdir)
    if mode == "generate":
        doc = {"generated_at": os.environ.get("GOLDEN_AT", "unknown"),
               "note": "tests/golden/run.sh --generate; regenerate only when a number is meant "
                       "to change, with the reason in the commit message",
               "entries": dict(sorted(got.items()))}
        with open(manifest_path, "w") as fh:
            json.dump(doc, fh, indent=0, sort_keys=False)
            fh.write("\n")
        print("golden: wrote %d entries to %s" % (len(got), manifest_path))
        return
    with open(manifest_path) as fh:
        manifest = json.load(fh)["entries"]
    bad = check(manifest, got)
    files = {k.split(":", 1)[0] for k in manifest}
    extra = len(set(got) - set(manifest))
    for b in bad:
        print("golden: " + b)
    print("golden: %d of %d manifest entries (%d files) identical; %d differ or are missing; %d new entries"
          % (len(manifest) - len(bad), len(manifest), len(files), len(bad), extra))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
