"""Higher-order measures (library: cogscope/multivariate.h, pid.h, phiid.h):
total correlation, dual total correlation, O- and S-information and TSE
complexity of a set of variables, over one set or every multiplet; partial
information decomposition of two sources about a target; integrated
information decomposition of two series. Options are `cogscope estimate`'s,
results the same numbers (bits for discrete, nats otherwise, unless `units`)."""
import numpy as np

from ._common import as_samples, as_square, binning, dptr, nonneg_int, parse_enum, unit_factor
from ._lib import check, ffi, lib

_PLUGIN = ("discrete", "gaussian", "gcopula")


def _estimator(estimator, measure):
    if estimator not in _PLUGIN:
        raise ValueError(f"estimator: {measure} takes discrete, gaussian or gcopula, "
                         f"not '{estimator}'")
    return estimator


def _estimator_on(x, cov, estimator, bins, binning_, alphabet, miller_madow, bias_correct):
    """The estimator the measures run against (cogscope/multivariate.h), prepared
    on the columns of x (samples) or the rows of cov."""
    out = ffi.new("cs_estimator **")
    if cov is not None:
        if x is not None:
            raise ValueError("give x (samples) or cov (a covariance), not both")
        if estimator != "gaussian":
            raise ValueError("cov needs estimator='gaussian'")
        if bias_correct:
            raise ValueError("cov gives exact values: there is no sample to bias-correct")
        c = as_square(cov, "cov")
        check(lib.cs_mv_estimator_create_cov(dptr(c), c.shape[0], c.shape[0], ffi.NULL, out))
    else:
        a, m = as_samples(x, "x")
        est = parse_enum(lib.cs_info_estimator_parse, "cs_info_estimator", estimator, "estimator")
        p = ffi.new("cs_estimator_params *")
        lib.cs_estimator_params_default(est, p)
        if estimator == "discrete":
            p.bins = nonneg_int(bins, "bins", 1) if bins else 0
            p.binning = binning(binning_)
            p.alphabet = nonneg_int(alphabet, "alphabet")
            p.miller_madow = int(bool(miller_madow))
        else:
            p.bias_correct = (estimator == "gcopula") if bias_correct is None else int(bool(bias_correct))
        check(lib.cs_mv_estimator_create(p, m, ffi.NULL, out))
    return ffi.gc(out[0], lib.cs_estimator_destroy)


def _orders(multiplets):
    if isinstance(multiplets, (tuple, list)) and len(multiplets) == 2:
        lo, hi = multiplets
    else:
        lo = hi = multiplets
    lo, hi = nonneg_int(lo, "multiplets", 2), nonneg_int(hi, "multiplets", 2)
    if lo > hi:
        raise ValueError(f"multiplets: the first order {lo} exceeds the last {hi}")
    return lo, hi


def _mv(measure_name, x, cov, estimator, units, multiplets, top, threads, max_multiplets,
        max_memory, bins=0, binning="width", alphabet=0, miller_madow=False, bias_correct=None):
    measure = getattr(lib, {"tc": "CS_MV_TC", "dtc": "CS_MV_DTC", "oinfo": "CS_MV_OINFO",
                            "sinfo": "CS_MV_SINFO", "tse": "CS_MV_TSE"}[measure_name])
    est = _estimator(estimator, measure_name)
    e = _estimator_on(x, cov, est, bins, binning, alphabet, miller_madow, bias_correct)
    scale = unit_factor(units, est == "discrete")
    n = lib.cs_estimator_columns(e)
    if multiplets is None:
        if top is not None:
            raise ValueError("top goes with multiplets")
        if n < 2:
            raise ValueError(f"{measure_name} needs at least 2 variables; x has {n}")
        vars_ = ffi.new("size_t[]", list(range(n)))
        value = ffi.new("double *")
        check(lib.cs_mv_compute(e, measure, vars_, n, value))
        return value[0] * scale
    o = ffi.new("cs_mv_multiplet_opts *")
    lib.cs_mv_multiplet_opts_default(o)
    o.order_min, o.order_max = _orders(multiplets)
    o.top_k = 0 if top is None else nonneg_int(top, "top", 1)
    o.threads = int(threads)
    if max_multiplets is not None:
        o.max_count = nonneg_int(max_multiplets, "max_multiplets", 1)
    if max_memory is not None:
        o.max_bytes = nonneg_int(max_memory, "max_memory", 1) << 20
    est_ = ffi.new("cs_mv_estimate *")
    check(lib.cs_mv_multiplets_check(e, measure, o, est_))
    comb = ffi.new("size_t[]", o.order_max)

    def members(order, rank):
        check(lib.cs_mv_combination_unrank(rank, order, n, comb))
        return tuple(comb[i] for i in range(order))

    if not top:
        values = np.empty(est_.count)
        check(lib.cs_mv_multiplets(e, measure, o, dptr(values), ffi.NULL, ffi.NULL, ffi.NULL,
                                   ffi.NULL))
        out, i = [], 0
        for k in range(o.order_min, o.order_max + 1):
            check(lib.cs_mv_combination_unrank(0, k, n, comb))
            while True:
                out.append((tuple(comb[j] for j in range(k)), values[i] * scale))
                i += 1
                if not lib.cs_mv_combination_next(comb, k, n):
                    break
        return out
    keep = min(o.top_k, est_.count)
    low, high = ffi.new("cs_mv_hit[]", keep), ffi.new("cs_mv_hit[]", keep)
    nlow, nhigh = ffi.new("size_t *"), ffi.new("size_t *")
    check(lib.cs_mv_multiplets(e, measure, o, ffi.NULL, low, nlow, high, nhigh))
    keys = ("most_synergistic", "most_redundant") if measure_name == "oinfo" else ("lowest",
                                                                                   "highest")
    return {keys[0]: [(members(h.order, h.rank), h.value * scale) for h in low[0:nlow[0]]],
            keys[1]: [(members(h.order, h.rank), h.value * scale) for h in high[0:nhigh[0]]]}


def _mv_doc(name, what):
    def f(x=None, *, estimator, cov=None, units=None, multiplets=None, top=None, threads=0,
          max_multiplets=None, max_memory=None, **options):
        return _mv(name, x, cov, estimator, units, multiplets, top, threads, max_multiplets,
                   max_memory, **options)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"{what} of the columns of x (samples x variables), or of the rows of a "
                 "covariance `cov` (estimator='gaussian', exact).\n\n"
                 "estimator: discrete, gaussian or gcopula. Options: bins, binning, alphabet, "
                 "miller_madow (discrete); bias_correct (None: off for gaussian, on for "
                 "gcopula).\nmultiplets=M or (M, M2): every subset of M..M2 columns instead "
                 "of one value: a list of (columns, value) in lexicographic order, order by "
                 "order; with top=K only the K lowest and K highest, as a dict "
                 "(oinfo: 'most_synergistic'/'most_redundant', else 'lowest'/'highest'). "
                 "max_multiplets (count) and max_memory (MB) refuse larger runs.")
    return f


tc = _mv_doc("tc", "Total correlation sum_i H(X_i) - H(X)")
dtc = _mv_doc("dtc", "Dual total correlation sum_i H(X_-i) - (n-1) H(X)")
oinfo = _mv_doc("oinfo", "O-information TC - DTC (negative: synergy-dominated)")
sinfo = _mv_doc("sinfo", "S-information TC + DTC")
tse = _mv_doc("tse", "TSE complexity")


def _decomp_estimator(estimator, bins, binning_, alphabet, threads):
    """The registry's estimator parameters a decomposition of samples runs over."""
    est = parse_enum(lib.cs_info_estimator_parse, "cs_info_estimator", estimator, "estimator")
    e = ffi.new("cs_estimator_params *")
    lib.cs_estimator_params_default(est, e)
    e.alphabet = nonneg_int(alphabet, "alphabet")
    e.bins = nonneg_int(bins, "bins")
    e.binning = binning(binning_)
    e.threads = int(threads)
    return e


def _pid_params(estimator, redundancy, tol, max_iter, ccs_points, ccs_shifts, seed, threads,
                phiid):
    p = ffi.new("cs_pid_params *")
    lib.cs_pid_params_default(p)
    red = parse_enum(lib.cs_pid_redundancy_parse, "cs_pid_redundancy", redundancy, "redundancy")
    est = parse_enum(lib.cs_info_estimator_parse, "cs_info_estimator", estimator, "estimator")
    # the library's one check of the redundancy against the decomposition and estimator
    if lib.cs_pid_check_redundancy(lib.CS_INFO_PHIID if phiid else lib.CS_INFO_PID, est, red):
        raise ValueError("redundancy: " + ffi.string(lib.cs_last_error()).decode())
    p.redundancy = red
    if tol is not None:
        if not tol > 0:
            raise ValueError(f"tol: {tol} must be > 0")
        p.tol = tol
    if max_iter is not None:
        p.max_iter = nonneg_int(max_iter, "max_iter", 1)
    if ccs_points is not None:
        p.ccs_points = nonneg_int(ccs_points, "ccs_points", 1)
    if ccs_shifts is not None:
        p.ccs_shifts = nonneg_int(ccs_shifts, "ccs_shifts", 2)
    if seed is not None:
        p.seed = nonneg_int(seed, "seed")
    p.threads = int(threads)
    return p


def pid(x1=None, x2=None, target=None, *, estimator, redundancy="mmi", cov=None, dims=None,
        table=None, units=None, bins=0, binning="width", alphabet=0, tol=None, max_iter=None,
        ccs_points=None, ccs_shifts=None, seed=None, threads=0):
    """Partial information decomposition of sources x1, x2 about `target`
    (arrays with one row per sample; several columns make one variable).
    Or from a covariance: cov (square) with dims=(d1, d2, dy) giving the
    sizes of the X1, X2, Y blocks in that order (estimator='gaussian');
    or from a probability table p[x1, x2, y] (estimator='discrete').
    redundancy: wb, mmi, ccs, broja (gaussian/gcopula: mmi, ccs).

    Returns a dict as `cogscope estimate pid --json`: redundancy,
    unique [U1, U2], synergy, mi_joint, mi_sources [I(X1;Y), I(X2;Y)],
    omega, n, and solver_gap/solver_iterations (discrete broja, ccs) or
    ccs_stderr (gaussian ccs)."""
    _estimator(estimator, "pid")
    p = _pid_params(estimator, redundancy, tol, max_iter, ccs_points, ccs_shifts, seed, threads,
                    False)
    r = ffi.new("cs_pid_result *")
    n = None
    if table is not None:
        if estimator != "discrete":
            raise ValueError("table needs estimator='discrete'")
        t = np.ascontiguousarray(table, dtype=np.float64)
        if t.ndim != 3:
            raise ValueError(f"table: expected p[x1, x2, y] (3-D), got shape {t.shape}")
        check(lib.cs_pid_table(dptr(t), t.shape[0], t.shape[1], t.shape[2], p, r))
    elif cov is not None:
        if estimator != "gaussian":
            raise ValueError("cov needs estimator='gaussian'")
        c = as_square(cov, "cov")
        if dims is None or len(dims) != 3 or sum(dims) != c.shape[0]:
            raise ValueError(f"dims: give (d1, d2, dy) summing to the covariance's size "
                             f"{c.shape[0]}")
        check(lib.cs_pid_gaussian_cov(dptr(c), dims[0], dims[1], dims[2], p, r))
    else:
        a1, m1 = as_samples(x1, "x1")
        a2, m2 = as_samples(x2, "x2")
        a3, m3 = as_samples(target, "target")
        e = _decomp_estimator(estimator, bins, binning, alphabet, threads)
        check(lib.cs_pid_estimate(e, m1, m2, m3, p, r))
        n = a1.shape[0]
    u = unit_factor(units, estimator == "discrete")
    out = {"redundancy": r.redundancy * u, "unique": [r.unique[0] * u, r.unique[1] * u],
           "synergy": r.synergy * u, "mi_joint": r.mi_joint * u,
           "mi_sources": [r.mi_sources[0] * u, r.mi_sources[1] * u], "omega": r.omega, "n": n}
    if estimator == "discrete" and p.redundancy in (lib.CS_PID_BROJA, lib.CS_PID_CCS):
        out["solver_gap"] = r.solver_gap * (u if p.redundancy == lib.CS_PID_BROJA else 1.0)
        out["solver_iterations"] = r.solver_iterations
    if estimator != "discrete" and p.redundancy == lib.CS_PID_CCS:
        out["ccs_stderr"] = r.ccs_stderr * u
    return out


def phiid(x1=None, x2=None, *, estimator, tau=1, redundancy="mmi", cov=None, dims=None,
          units=None, bins=0, binning="width", alphabet=0, ccs_points=None, ccs_shifts=None,
          seed=None, threads=0):
    """Integrated information decomposition of the series x1 and x2 (rows =
    time steps) with their own values tau steps later as targets. Or from
    the covariance of (X1_t, X2_t, X1_t+tau, X2_t+tau): cov with
    dims=(d1, d2) (default (1, 1)), estimator='gaussian'.

    Returns a dict as `cogscope estimate phiid --json`: atoms {rtr ... sts},
    phi_wms, phi_r, tdmi, mi_self, tau, n (and ccs_stderr, atom_stderr for
    gaussian ccs)."""
    _estimator(estimator, "phiid")
    p = _pid_params(estimator, redundancy, None, None, ccs_points, ccs_shifts, seed, threads,
                    True)
    r = ffi.new("cs_phiid_result *")
    if cov is not None:
        if estimator != "gaussian":
            raise ValueError("cov needs estimator='gaussian'")
        c = as_square(cov, "cov")
        d1, d2 = dims if dims is not None else (1, 1)
        if 2 * (d1 + d2) != c.shape[0]:
            raise ValueError(f"dims: 2 (d1 + d2) = {2 * (d1 + d2)} differs from the "
                             f"covariance's size {c.shape[0]}")
        check(lib.cs_phiid_gaussian_cov(dptr(c), d1, d2, p, r))
        tau_out = n = None
    else:
        a1, m1 = as_samples(x1, "x1")
        a2, m2 = as_samples(x2, "x2")
        tau = nonneg_int(tau, "tau", 1)
        if tau >= a1.shape[0] or a1.shape[0] - tau < 2:
            raise ValueError(f"tau {tau} is too long for a series of {a1.shape[0]} time steps "
                             "(it must leave at least 2 pairs (t, t+tau))")
        e = _decomp_estimator(estimator, bins, binning, alphabet, threads)
        check(lib.cs_phiid_estimate(e, m1, m2, tau, p, r))
        tau_out, n = tau, r.n
    u = unit_factor(units, estimator == "discrete")
    names = [ffi.string(lib.cs_phiid_atom_name(a)).decode() for a in range(16)]
    out = {"atoms": {names[a]: r.atoms[a] * u for a in range(16)}, "phi_wms": r.phi_wms * u,
           "phi_r": r.phi_r * u, "tdmi": r.tdmi * u,
           "mi_self": [r.mi_self[0] * u, r.mi_self[1] * u], "tau": tau_out, "n": n}
    if estimator != "discrete" and p.redundancy == lib.CS_PID_CCS:
        out["ccs_stderr"] = r.ccs_stderr * u
        out["atom_stderr"] = {names[a]: r.atom_stderr[a] * u for a in range(16)}
    return out
