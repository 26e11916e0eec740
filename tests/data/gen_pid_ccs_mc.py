#!/usr/bin/env python3
"""Brute-force Monte Carlo references for the Gaussian I_ccs integrals of
cogscope's PID and PhiID (tests/data/pid_ccs_mc.json).

Independent of cogscope's method (radial chi^2 integration over quasi-random
directions): here z ~ N(0, Sigma) is sampled directly, the local (pointwise)
Gaussian entropies h_S(z) = -ln N(z_S; 0, Sigma_S) are evaluated at every
sample, and the sign-filtered local co-informations are averaged -- Ince
(2017)'s Iccs_mvn_P2 for the PID, phyid's calc_PhiID pipeline (its CCS
redundancy and double-redundancy rules and its knowns-to-atoms matrix) for
PhiID, but with the exact covariance instead of a sample covariance. The
standard error of each value is estimated from independent batches.

Run: python3 tests/data/gen_pid_ccs_mc.py  (about 15 minutes).
"""
import json
import numpy as np

RNG = np.random.default_rng(20240601)
BATCH = 500_000
NBATCH = 200          # 1e8 samples per case


_CACHE = {}


def local_h(z, cov, idx):
    """-ln N(z_S; 0, Sigma_S) up to the 2 pi term (it cancels in every MI),
    memoised per batch (z) and subset."""
    key = (id(z), tuple(idx))
    if key not in _CACHE:
        s = cov[np.ix_(idx, idx)]
        w = np.linalg.inv(np.linalg.cholesky(s))
        y = z[:, idx] @ w.T
        _CACHE[key] = 0.5 * np.linalg.slogdet(s)[1] + 0.5 * np.sum(y * y, axis=1)
    return _CACHE[key]


def same_sign(*vals):
    s0 = np.sign(vals[0])
    ok = s0 != 0
    for v in vals[1:]:
        ok &= np.sign(v) == s0
    return ok


def pid_ccs_batch(z, cov, x1, x2, y):
    i1 = local_h(z, cov, x1) + local_h(z, cov, y) - local_h(z, cov, x1 + y)
    i2 = local_h(z, cov, x2) + local_h(z, cov, y) - local_h(z, cov, x2 + y)
    i12 = local_h(z, cov, x1 + x2) + local_h(z, cov, y) - local_h(z, cov, x1 + x2 + y)
    c = i1 + i2 - i12
    return np.where(same_sign(c, i1, i2, i12), c, 0.0).mean()


# phyid's knowns -> atoms matrix (rows: rtr, R_xyta, R_xytb, R_xytab, R_abtx,
# R_abty, R_abtxy, I_xta, I_xtb, I_yta, I_ytb, I_xyta, I_xytb, I_xtab, I_ytab,
# I_xytab; columns: atoms rtr ... sts)
M = np.array([
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0],
    [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0],
    [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0],
    [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0],
    [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0],
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]], dtype=float)
ATOMS = ["rtr", "rtx", "rty", "rts", "xtr", "xtx", "xty", "xts",
         "ytr", "ytx", "yty", "yts", "str", "stx", "sty", "sts"]


def phiid_ccs_batch(z, cov, p1, p2, t1, t2):
    h = lambda idx: local_h(z, cov, idx)
    I = lambda a, b: h(a) + h(b) - h(a + b)
    xta, xtb, yta, ytb = I(p1, t1), I(p1, t2), I(p2, t1), I(p2, t2)
    xyta, xytb = I(p1 + p2, t1), I(p1 + p2, t2)
    xtab, ytab, xytab = I(p1, t1 + t2), I(p2, t1 + t2), I(p1 + p2, t1 + t2)

    def red(m1, m2, m12):
        co = m1 + m2 - m12
        return np.where(same_sign(co, m1, m2, m12), co, 0.0)
    r_xyta, r_xytb, r_xytab = red(xta, yta, xyta), red(xtb, ytb, xytb), red(xtab, ytab, xytab)
    r_abtx, r_abty, r_abtxy = red(xta, xtb, xtab), red(yta, ytb, ytab), red(xyta, xytb, xytab)
    dc = (-xta - xtb - yta - ytb + xtab + ytab + xyta + xytb - xytab
          + r_xyta + r_xytb - r_xytab + r_abtx + r_abty - r_abtxy)
    rtr = np.where(same_sign(dc, xta, xtb, yta, ytb), dc, 0.0)
    known = np.array([v.mean() for v in (rtr, r_xyta, r_xytb, r_xytab, r_abtx, r_abty, r_abtxy,
                                         xta, xtb, yta, ytb, xyta, xytb, xtab, ytab, xytab)])
    return np.linalg.solve(M, known)


def run(fn, cov, *args):
    vals = []
    L = np.linalg.cholesky(cov)
    for _ in range(NBATCH):
        z = RNG.standard_normal((BATCH, len(cov))) @ L.T
        _CACHE.clear()
        vals.append(fn(z, cov, *args))
    vals = np.array(vals)
    return vals.mean(axis=0), vals.std(axis=0, ddof=1) / np.sqrt(NBATCH)


out = {"about": __doc__.strip().split("\n\n")[0],
       "samples_per_case": BATCH * NBATCH, "units": "nats", "cases": {}}

# 1) PID, the gaussian_analytic.json setup: X1, X2 ~ N(0,1), Y = X1 + X2 + e, Var(e) = 0.25
cov = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 2.25]], float)
m, se = run(pid_ccs_batch, cov, [0], [1], [2])
out["cases"]["pid_sum"] = {"cov": cov.tolist(), "d": [1, 1, 1], "redundancy": m, "stderr": se}

# 2) PID with a two-dimensional source and correlated sources
cov2 = np.array([[1.0, 0.3, 0.2, 0.5],
                 [0.3, 1.0, -0.1, 0.4],
                 [0.2, -0.1, 1.0, 0.6],
                 [0.5, 0.4, 0.6, 1.5]])
m, se = run(pid_ccs_batch, cov2, [0, 1], [2], [3])
out["cases"]["pid_multi"] = {"cov": cov2.tolist(), "d": [2, 1, 1], "redundancy": m, "stderr": se}

# 3) PhiID of the 2-node VAR(1) of phiid_gaussian.json, A = [[.4,.4],[.4,.4]], noise I
A = np.array([[0.4, 0.4], [0.4, 0.4]])
S = np.eye(2)
for _ in range(2000):
    S = A @ S @ A.T + np.eye(2)
C = np.block([[S, S @ A.T], [A @ S, S]])
m, se = run(phiid_ccs_batch, C, [0], [1], [2], [3])
out["cases"]["phiid_var"] = {"cov": C.tolist(), "atoms": dict(zip(ATOMS, m)),
                             "stderr": dict(zip(ATOMS, se))}

# 4) PhiID of an asymmetric VAR(1), A = [[0.6, 0.1], [0.3, 0.2]], correlated noise
A = np.array([[0.6, 0.1], [0.3, 0.2]])
Q = np.array([[1.0, 0.3], [0.3, 1.0]])
S = Q.copy()
for _ in range(2000):
    S = A @ S @ A.T + Q
C = np.block([[S, S @ A.T], [A @ S, S]])
m, se = run(phiid_ccs_batch, C, [0], [1], [2], [3])
out["cases"]["phiid_asym"] = {"cov": C.tolist(), "atoms": dict(zip(ATOMS, m)),
                              "stderr": dict(zip(ATOMS, se))}


def tolist(o):
    if isinstance(o, dict):
        return {k: tolist(v) for k, v in o.items()}
    if isinstance(o, (np.ndarray, np.generic)):
        return o.tolist()
    return o


with open(__file__.replace("gen_pid_ccs_mc.py", "pid_ccs_mc.json"), "w") as f:
    json.dump(tolist(out), f, indent=1)
print(json.dumps(tolist(out), indent=1))
