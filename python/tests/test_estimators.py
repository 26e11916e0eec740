"""The estimator functions against `cogscope estimate ... --json` on the same
data (the reference vectors of tests/data: independent implementations'
inputs), to 1e-12; a few also against the reference values themselves
(sources cited in tests/data/*.json); and library errors as exceptions."""
import json
import math
import os

import numpy as np
import pytest

import cogscope
from conftest import DATA, cli_json, run_cli, write_table

TOL = 1e-12


def close(a, b, tol=TOL):
    """|a - b| <= tol * max(1, |b|), elementwise, NaN equal to NaN."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    ok = (np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))) | (np.isnan(a) & np.isnan(b))
    assert ok.all(), f"max difference {np.nanmax(np.abs(a - b))}"


def load(name):
    return np.loadtxt(os.path.join(DATA, name), comments=("%", "#"))


RANDOM2 = "2randomCols-1.txt"      # MILCA's KSG test data (tests/data/ksg.json)
COUPLED2 = "2coupledRandomCols-1.txt"  # TRENTOOL's TE test data (tests/data/ksg.json)


@pytest.mark.parametrize("estimator,extra", [
    ("ksg1", {"k": 4}), ("ksg2", {"k": 3}), ("gaussian", {}), ("gcopula", {}),
    ("discrete", {"bins": 4}), ("discrete", {"bins": 5, "binning": "freq", "miller_madow": True}),
])
def test_mi_matches_cli(estimator, extra):
    d = load(RANDOM2)
    flags = []
    for key, v in extra.items():
        flag = "--" + key.replace("_", "-")
        flags += [flag] if v is True else [flag, v]
    ref = cli_json("estimate", "mi", "--input", os.path.join(DATA, RANDOM2), "--x", 0, "--y", 1,
                   "--estimator", estimator, "--threads", 1, *flags)
    got = cogscope.mi(d[:, 0], d[:, 1], estimator=estimator, threads=1, **extra)
    close(got, ref["value"])


def test_mi_ksg2_equals_milca():
    """MILCA's KSG algorithm 2 values (tests/data/ksg.json)."""
    ref = json.load(open(os.path.join(DATA, "ksg.json")))["mi_algorithm2_milca"]
    d = load(RANDOM2)
    for k, v in zip(ref["k"], ref["mi"]):
        assert abs(cogscope.mi(d[:, 0], d[:, 1], estimator="ksg2", k=k) - v) <= ref["tolerance"]


def test_te_ksg_matches_cli_and_trentool():
    ref = json.load(open(os.path.join(DATA, "ksg.json")))["te_algorithm1_trentool"]
    d = load(COUPLED2)
    path = os.path.join(DATA, COUPLED2)
    k = ref["k_neighbours"]
    for src, dst in ((0, 1), (1, 0)):
        cli = cli_json("estimate", "te", "--input", path, "--x", src, "--y", dst,
                       "--estimator", "ksg1", "--k", k, "--threads", 1)
        got = cogscope.te(d[:, src], d[:, dst], estimator="ksg1", k=k, threads=1)
        close(got, cli["value"])
        assert abs(got - ref[f"te_col{src}_to_col{dst}"]) <= ref["tolerance"]


def test_te_ais_cmi_gaussian_history(tmp_path):
    d = load(COUPLED2)
    path = os.path.join(DATA, COUPLED2)
    cli = cli_json("estimate", "te", "--input", path, "--x", 0, "--y", 1, "--estimator",
                   "gaussian", "--history", 2, "--source-history", 2, "--delay", 2)
    close(cogscope.te(d[:, 0], d[:, 1], estimator="gaussian", history=2, source_history=2,
                      delay=2), cli["value"])
    cli = cli_json("estimate", "ais", "--input", path, "--x", 1, "--estimator", "gcopula",
                   "--history", 3)
    close(cogscope.ais(d[:, 1], estimator="gcopula", history=3), cli["value"])
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 3))
    x[:, 2] += x[:, 0] - 0.5 * x[:, 1]
    f = write_table(tmp_path / "x.txt", x)
    cli = cli_json("estimate", "cmi", "--input", f, "--x", 0, "--y", 2, "--z", 1,
                   "--estimator", "ksg2", "--k", 5, "--threads", 1)
    close(cogscope.cmi(x[:, 0], x[:, 2], x[:, 1], estimator="ksg2", k=5, threads=1),
          cli["value"])


def test_te_discrete_matches_cli_and_inform(tmp_path):
    """Inform's discrete TE cases (tests/data/te_discrete.json), in bits."""
    ref = json.load(open(os.path.join(DATA, "te_discrete.json")))
    for i, case in enumerate(ref["cases"]):
        src, dst = np.array(case["src"], float), np.array(case["dst"], float)
        f = write_table(tmp_path / f"te{i}.txt", np.column_stack([src, dst]))
        cli = cli_json("estimate", "te", "--input", f, "--x", 0, "--y", 1, "--estimator",
                       "discrete", "--history", case["k"])
        got = cogscope.te(src, dst, estimator="discrete", history=case["k"])
        close(got, cli["value"])
        assert abs(got - case["te"]) <= ref["tolerance"]
        cli = cli_json("estimate", "entropy", "--input", f, "--x", 1, "--estimator", "discrete")
        close(cogscope.entropy(dst, estimator="discrete"), cli["value"])


def test_local_values_average_to_the_value():
    d = load(RANDOM2)
    loc = cogscope.mi(d[:, 0], d[:, 1], estimator="ksg1", local=True)
    assert loc.shape == (d.shape[0],)
    close(loc.mean(), cogscope.mi(d[:, 0], d[:, 1], estimator="ksg1"), 1e-10)


# ---- multivariate -----------------------------------------------------------

def test_multivariate_discrete_matches_cli_and_dit(tmp_path):
    """XOR3: X3 = X1 xor X2, the four outcomes equally likely
    (tests/data/multivariate_discrete.json, dit's values in bits)."""
    ref = json.load(open(os.path.join(DATA, "multivariate_discrete.json")))["cases"][0]
    xor = np.array([[a, b, a ^ b] for a in (0, 1) for b in (0, 1)] * 5, float)
    f = write_table(tmp_path / "xor.txt", xor)
    for name, key in (("tc", "TC"), ("dtc", "DTC"), ("oinfo", "O"), ("sinfo", "S"),
                      ("tse", "TSE")):
        cli = cli_json("estimate", name, "--input", f, "--estimator", "discrete")
        got = getattr(cogscope, name)(xor, estimator="discrete")
        close(got, cli["value"])
        assert abs(got - ref[key]) < 1e-12


def test_multivariate_gaussian_cov_matches_cli_and_closed_form(tmp_path):
    ref = json.load(open(os.path.join(DATA, "gaussian_analytic.json")))["cases"][0]
    cov = np.array(ref["cov"])
    f = write_table(tmp_path / "cov.txt", cov)
    for name, key in (("tc", "tc"), ("dtc", "dtc"), ("oinfo", "o"), ("sinfo", "s"),
                      ("tse", "tse")):
        cli = cli_json("estimate", name, "--cov", f, "--estimator", "gaussian")
        got = getattr(cogscope, name)(cov=cov, estimator="gaussian")
        close(got, cli["value"])
        assert abs(got - ref[key]) < 1e-9


def test_oinfo_multiplets_match_cli(tmp_path):
    rng = np.random.default_rng(7)
    z = rng.normal(size=(300, 6))
    z[:, 5] = z[:, 0] + z[:, 1] + 0.3 * rng.normal(size=300)  # a synergistic triplet
    f = write_table(tmp_path / "z.txt", z)
    cli = cli_json("estimate", "oinfo", "--input", f, "--estimator", "gcopula",
                   "--multiplets", "3-4", "--threads", 1)
    got = cogscope.oinfo(z, estimator="gcopula", multiplets=(3, 4), threads=1)
    assert [tuple(m["vars"]) for m in cli["multiplets"]] == [v for v, _ in got]
    close([v for _, v in got], [m["value"] for m in cli["multiplets"]])
    cli = cli_json("estimate", "oinfo", "--input", f, "--estimator", "gaussian",
                   "--multiplets", "3", "--top", 3)
    got = cogscope.oinfo(z, estimator="gaussian", multiplets=3, top=3)
    for key in ("most_synergistic", "most_redundant"):
        assert [tuple(m["vars"]) for m in cli[key]] == [v for v, _ in got[key]]
        close([v for _, v in got[key]], [m["value"] for m in cli[key]])
    assert got["most_synergistic"][0][0] == (0, 1, 5)


# ---- PID and PhiID --------------------------------------------------------------

@pytest.mark.parametrize("red", ["wb", "mmi", "ccs", "broja"])
def test_pid_discrete_matches_cli_and_dit(tmp_path, red):
    ref = json.load(open(os.path.join(DATA, "pid_discrete.json")))
    for name, dist in ref["distributions"].items():
        if dist["probs"] is not None:
            continue
        rows = np.array([[float(c) for c in o] for o in dist["outcomes"]])
        f = write_table(tmp_path / f"{name}.txt", rows)
        cli = cli_json("estimate", "pid", "--input", f, "--x", 0, "--y", 1, "--target", 2,
                       "--estimator", "discrete", "--redundancy", red)
        got = cogscope.pid(rows[:, 0], rows[:, 1], rows[:, 2], estimator="discrete",
                           redundancy=red)
        for key in ("redundancy", "unique", "synergy", "mi_joint", "mi_sources"):
            close(got[key], cli[key])
        want = ref["measures"]["PID_" + red.upper()][name]
        have = [got["redundancy"], *got["unique"], got["synergy"]]
        assert np.allclose(have, want, atol=ref["tolerance"]), (name, have, want)


def test_pid_gaussian_and_gcopula_match_cli(tmp_path):
    rng = np.random.default_rng(11)
    s = rng.normal(size=(500, 2))
    t = s[:, 0] + s[:, 1] + 0.5 * rng.normal(size=500)
    data = np.column_stack([s, t])
    f = write_table(tmp_path / "pid.txt", data)
    for est, red in (("gaussian", "mmi"), ("gcopula", "mmi"), ("gaussian", "ccs")):
        extra = ["--ccs-points", 512, "--ccs-shifts", 4] if red == "ccs" else []
        kw = {"ccs_points": 512, "ccs_shifts": 4} if red == "ccs" else {}
        cli = cli_json("estimate", "pid", "--input", f, "--x", 0, "--y", 1, "--target", 2,
                       "--estimator", est, "--redundancy", red, "--threads", 1, *extra)
        got = cogscope.pid(s[:, 0], s[:, 1], t, estimator=est, redundancy=red, threads=1, **kw)
        for key in ("redundancy", "unique", "synergy", "mi_joint", "mi_sources", "omega"):
            close(got[key], cli[key])


def _var1_cov(a):
    """Covariance of (X_t, X_t+1) of X_t = A X_t-1 + eps, eps ~ N(0, I):
    Sigma = A Sigma A^T + I by fixed-point iteration (|eig A| < 1)."""
    s = np.eye(2)
    for _ in range(2000):
        s = a @ s @ a.T + np.eye(2)
    return np.block([[s, s @ a.T], [a @ s, s]])


def test_phiid_cov_matches_cli_and_reference(tmp_path):
    ref = json.load(open(os.path.join(DATA, "phiid_gaussian.json")))
    case = ref["cases"][0]
    cov = _var1_cov(np.array(case["A"]))
    f = write_table(tmp_path / "cov.txt", cov)
    cli = cli_json("estimate", "phiid", "--cov", f, "--estimator", "gaussian")
    got = cogscope.phiid(cov=cov, estimator="gaussian")
    close([got["atoms"][k] for k in sorted(got["atoms"])],
          [cli["atoms"][k] for k in sorted(got["atoms"])])
    for key in ("phi_wms", "phi_r", "tdmi"):
        close(got[key], cli[key])
        assert abs(got[key] - case[key]) <= ref["tolerance"]
    for atom, want in case["atoms"].items():
        names = [atom] if atom != "others" else [a for a in got["atoms"]
                                                 if a not in case["atoms"]]
        for a in names:
            assert abs(got["atoms"][a] - want) <= ref["tolerance"], a


def test_phiid_series_matches_cli(tmp_path):
    rng = np.random.default_rng(5)
    x = np.zeros((600, 2))
    for t in range(1, 600):
        x[t] = 0.4 * x[t - 1].sum() + rng.normal(size=2)
    f = write_table(tmp_path / "x.txt", x)
    for est in ("gaussian", "gcopula"):
        cli = cli_json("estimate", "phiid", "--input", f, "--x", 0, "--y", 1, "--tau", 2,
                       "--estimator", est)
        got = cogscope.phiid(x[:, 0], x[:, 1], tau=2, estimator=est)
        close([got["atoms"][k] for k in sorted(got["atoms"])],
              [cli["atoms"][k] for k in sorted(got["atoms"])])
        close(got["phi_r"], cli["phi_r"])
    b = (x > 0).astype(float)
    fb = write_table(tmp_path / "b.txt", b)
    cli = cli_json("estimate", "phiid", "--input", fb, "--x", 0, "--y", 1, "--estimator",
                   "discrete")
    got = cogscope.phiid(b[:, 0], b[:, 1], estimator="discrete")
    close(got["phi_wms"], cli["phi_wms"])
    close(got["tdmi"], cli["tdmi"])


# ---- spectra ------------------------------------------------------------------------

WELCH = "welch_signals.txt"  # scipy.signal's reference signals (spectral_scipy.json)


def test_psd_periodogram_spectrogram_match_cli():
    d = load(WELCH)
    path = os.path.join(DATA, WELCH)
    cli = cli_json("estimate", "psd", "--input", path, "--nperseg", 300, "--noverlap", 100,
                   "--window", "hamming", "--detrend", "linear")
    f, p = cogscope.psd(d, nperseg=300, noverlap=100, window="hamming", detrend="linear")
    close(f, cli["f"])
    close(p, cli["psd"])
    cli = cli_json("estimate", "periodogram", "--input", path, "--cols", 1)
    f, p = cogscope.periodogram(d[:, 1])
    close(p, cli["psd"])
    cli = cli_json("estimate", "spectrogram", "--input", path, "--cols", 0, "--nperseg", 128)
    f, t, s = cogscope.spectrogram(d[:, 0], nperseg=128)
    close(t, cli["t"])
    close(s, cli["spectrogram"])


def test_psd_equals_scipy_reference():
    """scipy.signal.welch with defaults (tests/data/spectral_scipy.json)."""
    ref = json.load(open(os.path.join(DATA, "spectral_scipy.json")))["welch_default_x"]
    d = load(WELCH)
    f, p = cogscope.psd(d[:, 0])
    close(f, ref["f"], 1e-12)
    close(p, ref["psd"], 1e-9)


def test_csd_coherence_match_cli():
    d = load(WELCH)
    path = os.path.join(DATA, WELCH)
    cli = cli_json("estimate", "csd", "--input", path, "--x", 0, "--y", 1, "--nperseg", 256,
                   "--average", "median")
    f, pxy = cogscope.csd(d[:, 0], d[:, 1], nperseg=256, average="median")
    close(pxy.real, cli["re"])
    close(pxy.imag, cli["im"])
    cli = cli_json("estimate", "coherence", "--input", path, "--x", 0, "--y", 1,
                   "--nperseg", 512, "--window", "tukey:0.3")
    f, c = cogscope.coherence(d[:, 0], d[:, 1], nperseg=512, window="tukey:0.3")
    close(c, cli["coherence"])


# ---- errors ---------------------------------------------------------------------------

def test_library_errors_carry_the_message():
    d = load(RANDOM2)
    with pytest.raises(cogscope.CogscopeError) as e:
        cogscope.mi(d[:, 0], d[:10, 1], estimator="ksg1")
    assert e.value.status == "ESHAPE" and "3000" in str(e.value) and "10" in str(e.value)
    bad = d[:, 0].copy()
    bad[17] = np.nan
    with pytest.raises(cogscope.CogscopeError) as e:
        cogscope.mi(bad, d[:, 1], estimator="gaussian")
    assert e.value.status == "ENONFINITE" and "17" in str(e.value)
    with pytest.raises(cogscope.CogscopeError) as e:
        cogscope.entropy(d[:, 0], estimator="ksg1")
    assert e.value.status == "EINVAL" and str(e.value)
    with pytest.raises(cogscope.CogscopeError) as e:
        cogscope.tc(cov=[[1.0, 2.0], [2.0, 1.0]], estimator="gaussian")
    assert e.value.status == "ESINGULAR"
    with pytest.raises(cogscope.CogscopeError) as e:
        cogscope.psd(d[:100, 0], nperseg=200)
    assert "nperseg" in str(e.value)


def test_usage_errors_are_python_errors():
    x = np.arange(10.0)
    with pytest.raises(ValueError, match="estimator"):
        cogscope.mi(x, x, estimator="kde")
    with pytest.raises(TypeError, match="unknown option"):
        cogscope.mi(x, x, estimator="gaussian", kk=3)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        cogscope.mi(np.zeros((2, 2, 2)), x, estimator="gaussian")
    with pytest.raises(ValueError, match="units"):
        cogscope.mi(x, x, estimator="discrete", units="dits")
    with pytest.raises(ValueError, match="phiid takes mmi or ccs"):
        cogscope.phiid(x, x, estimator="discrete", redundancy="broja")


def test_significance_matches_cli():
    d = load(COUPLED2)
    path = os.path.join(DATA, COUPLED2)
    cli = cli_json("estimate", "te", "--input", path, "--x", 0, "--y", 1, "--estimator", "ksg1",
                   "--surrogates", 49, "--seed", 7, "--threads", 1)
    got = cogscope.significance("te", d[:, 0], d[:, 1], estimator="ksg1", surrogates=49, seed=7,
                                threads=1)
    close(got["value"], cli["value"])
    for key in ("p_value", "surrogate_mean", "surrogate_std"):
        close(got[key], cli[key])
    assert got["p_value"] == 1 / 50  # TE 0->1 is real: no surrogate reaches it
    cli = cli_json("estimate", "mi", "--input", path, "--x", 0, "--y", 1, "--estimator",
                   "gaussian", "--surrogates", 99, "--seed", 1)
    got = cogscope.significance("mi", d[:, 0], d[:, 1], estimator="gaussian", surrogates=99,
                                seed=1)
    for key in ("value", "p_value", "surrogate_mean", "surrogate_std"):
        close(got[key], cli[key])


def test_multitaper_and_aperiodic_match_cli():
    path = os.path.join(DATA, "spectral_signals.txt")
    d = load("spectral_signals.txt")
    cli = cli_json("estimate", "multitaper", "--input", path, "--cols", "0,2", "--fs", 250,
                   "--nw", 3, "--adaptive", "--fmax", 60)
    f, p = cogscope.multitaper(d[:, [0, 2]], fs=250, nw=3, adaptive=True, fmax=60)
    close(f, cli["f"])
    close(p, cli["psd"])
    cli = cli_json("estimate", "aperiodic", "--input", path, "--cols", 0, "--fs", 250,
                   "--nperseg", 250, "--fmin", 2, "--fmax", 60)
    got = cogscope.aperiodic(d[:, 0], fs=250, nperseg=250, fmin=2, fmax=60)
    for key in ("offset", "exponent", "r_squared", "error"):
        close(got[key], cli[key])
    assert len(got["peaks"]) == len(cli["peaks"])
    for a, b in zip(got["peaks"], cli["peaks"]):
        close([a[k] for k in ("center", "power", "width")], [b[k] for k in ("center", "power",
                                                                             "width")])
