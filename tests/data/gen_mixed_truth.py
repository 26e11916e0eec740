#!/usr/bin/python3
"""Reference values for the mixed continuous-discrete MI estimators
(src/info/mixed.c, tests/test_mixed.c). Run from the repository root:

    /usr/bin/python3 tests/data/gen_mixed_truth.py

writes tests/data/mixed_truth.json, and plain text for the C tests: mixed_truth.txt (per case a
line "name d classes mi", then per class "w mu[d] chol[d*d]") and
mixed_sklearn.txt (header lines "% k=K mi0 mi1 mi2" and GCMI reference
values, then rows "x0 x1 x2 y raw0 raw1 raw2": the jittered, scaled features
sklearn used, the label, and the raw features).

1. mixed_truth.json: Gaussian class mixtures X | Y=c ~ N(mu_c, Sigma_c),
   P(Y=c) = w_c. The true MI is
       I(X;Y) = H(X) - sum_c w_c H(X | Y=c),
       H(X | Y=c) = 0.5 ln det(2 pi e Sigma_c)                 (closed form),
       H(X) = -sum_c w_c E_{x ~ N(mu_c, Sigma_c)}[ln p(x)],     p = sum_c w_c N(x; mu_c, Sigma_c),
   the expectations by tensor-product Gauss-Hermite quadrature
   (scipy.special.roots_hermite) in the whitened coordinates of each class,
   with GH_POINTS nodes per dimension. The script checks the quadrature by
   repeating it with 1.5x the nodes (agreement to 1e-5 nats asserted, far below the 3 % tolerance of the tests) and, for
   1-D cases, against scipy.integrate.quad of -p ln p over the real line.
   The C tests draw their own samples from (w, mu, chol(Sigma)) with the
   project's RNG, so only the parameters and the truth are stored here.

2. mixed_sklearn.txt: scikit-learn's mutual_info_classif (Ross 2014
   nearest-neighbour estimator for a continuous feature and a discrete
   label) on fixed data, together with the exact jittered and scaled
   feature values sklearn used internally (its preprocessing reproduced
   here: scale by the ddof-0 standard deviation without centring, then add
   1e-10 * max(1, mean|x|) * standard normal noise from
   np.random.RandomState(random_state)), so that the C estimator run with
   --noise 0 on the stored values must agree to rounding. The script
   asserts that its reproduction of the preprocessing gives exactly
   mutual_info_classif's values.

3. relu_pair.txt: two ReLU-like columns with ~56 % exact zeros each and
   scikit-learn's mutual_info_regression (k = 4) on them: the KSG estimate
   with the default tie-breaking noise must be near it, without noise it is
   inflated by the ties.
"""
import json
import os

import numpy as np
import sklearn
from scipy import integrate, special
from sklearn.feature_selection import mutual_info_classif
from sklearn.feature_selection._mutual_info import _compute_mi_cd

HERE = os.path.dirname(os.path.abspath(__file__))
GH_POINTS = {1: 200, 2: 100, 3: 48}


def log_mix_density(x, w, mu, chol):
    """ln p(x) of the mixture at points x (m x d)."""
    d = x.shape[1]
    terms = []
    for wc, m, L in zip(w, mu, chol):
        z = np.linalg.solve(L, (x - m).T).T
        logdet = 2 * np.sum(np.log(np.diag(L)))
        terms.append(np.log(wc) - 0.5 * (d * np.log(2 * np.pi) + logdet) - 0.5 * np.sum(z * z, axis=1))
    return special.logsumexp(np.array(terms), axis=0)


def mixture_entropy(w, mu, chol, npts):
    d = len(mu[0])
    t, gw = special.roots_hermite(npts)
    # E_{z ~ N(0, I)}[f(z)] = pi^{-d/2} sum_i gw_i f(sqrt(2) t_i)
    grids = np.meshgrid(*([t] * d), indexing="ij")
    wgrids = np.meshgrid(*([gw] * d), indexing="ij")
    z = np.sqrt(2.0) * np.stack([g.ravel() for g in grids], axis=1)
    wt = np.prod(np.stack([g.ravel() for g in wgrids], axis=1), axis=1) / np.pi ** (d / 2)
    h = 0.0
    for wc, m, L in zip(w, mu, chol):
        x = m + z @ L.T
        h -= wc * np.sum(wt * log_mix_density(x, w, mu, chol))
    return h


def truth(case):
    w = np.array(case["weights"], float)
    mu = [np.array(m, float) for m in case["means"]]
    chol = [np.linalg.cholesky(np.array(c, float)) for c in case["covs"]]
    d = len(mu[0])
    hx = mixture_entropy(w, mu, chol, GH_POINTS[d])
    hx2 = mixture_entropy(w, mu, chol, int(GH_POINTS[d] * 1.5))
    assert abs(hx - hx2) < 1e-5, (case["name"], hx, hx2)
    if d == 1:
        def f(v):
            lp = log_mix_density(np.array([[v]]), w, mu, chol)[0]
            return -np.exp(lp) * lp
        lo = min(m[0] - 12 * L[0, 0] for m, L in zip(mu, chol))
        hi = max(m[0] + 12 * L[0, 0] for m, L in zip(mu, chol))
        hq = integrate.quad(f, lo, hi, limit=500, epsabs=1e-12, epsrel=1e-12)[0]
        assert abs(hq - hx) < 1e-8, (case["name"], hq, hx)
    hcond = sum(wc * 0.5 * (d * np.log(2 * np.pi * np.e) + 2 * np.sum(np.log(np.diag(L))))
                for wc, L in zip(w, chol))
    return hx - hcond, chol


def copnorm(x):
    """Gaussian-copula normal scores per column, ties sharing their average rank."""
    from scipy.stats import rankdata
    from scipy.special import ndtri
    return np.stack([ndtri(rankdata(c) / (len(c) + 1.0)) for c in x.T], axis=1)


def gcmi_model_cd(x, y, classes):
    """Ince et al. 2017 gcmi_model_cd (nats): copula, then the ANOVA-style
    Gaussian model with GCMI's bias correction; a numpy re-implementation of
    the published formula, independent of the C code."""
    x = copnorm(x)
    n, d = x.shape

    def hcorr(v):
        m = v.shape[0]
        c = np.cov(v, rowvar=False, ddof=1).reshape(d, d)
        h = np.sum(np.log(np.diag(np.linalg.cholesky(c))))
        psi = special.psi((m - np.arange(1, d + 1)) / 2.0).sum() / 2.0
        return h - d * (np.log(2.0) - np.log(m - 1.0)) / 2.0 - psi

    return hcorr(x) - sum(np.mean(y == c) * hcorr(x[y == c]) for c in range(classes))


def gcmi_mixture_cd(x, y, classes, copula=True):
    """Ince et al. 2017 gcmi_mixture_cd (nats): each class copula-normalised
    and placed at its median with 1.4826 x MAD scale, then the unscented-
    transform entropy of the Gaussian mixture (sigma points m +- sqrt(d) L e_j)."""
    n, d = x.shape
    mus, chols, w, hc = [], [], [], []
    for c in range(classes):
        xm = x[y == c]
        if copula:
            med = np.median(xm, axis=0)
            mad = np.median(np.abs(xm - med), axis=0)
            xm = copnorm(xm) * 1.482602218505602 * mad + med
        mus.append(xm.mean(axis=0))
        L = np.linalg.cholesky(np.cov(xm, rowvar=False, ddof=1).reshape(d, d))
        chols.append(L)
        w.append(len(xm) / n)
        hc.append(np.sum(np.log(np.diag(L))) + 0.5 * d * (np.log(2 * np.pi) + 1))
    hmix = 0.0
    for c in range(classes):
        pts = np.concatenate([mus[c] + np.sqrt(d) * chols[c].T, mus[c] - np.sqrt(d) * chols[c].T])
        hmix -= w[c] * np.mean(log_mix_density(pts, w, mus, chols))
    return hmix - np.dot(w, hc)


def random_cov(rng, d, scale):
    a = rng.normal(size=(d, d))
    return (a @ a.T / d + 0.3 * np.eye(d)) * scale ** 2


def cases():
    rng = np.random.RandomState(20240614)
    out = [
        {"name": "1d-2class-equal", "weights": [0.5, 0.5], "means": [[-1.0], [1.0]],
         "covs": [[[1.0]], [[1.0]]]},
        {"name": "1d-2class-overlap", "weights": [0.3, 0.7], "means": [[0.0], [0.6]],
         "covs": [[[1.0]], [[0.5]]]},
    ]
    w = rng.dirichlet(np.full(10, 5.0))
    out.append({"name": "1d-10class", "weights": list(w),
                "means": [[float(1.2 * c)] for c in range(10)],
                "covs": [[[float(rng.uniform(0.4, 1.2)) ** 2]] for _ in range(10)]})
    out.append({"name": "2d-3class", "weights": [0.2, 0.3, 0.5],
                "means": [[0.0, 0.0], [1.5, 0.5], [0.0, 2.0]],
                "covs": [[[1.0, 0.5], [0.5, 1.0]], [[0.6, -0.2], [-0.2, 0.8]], [[1.5, 0.0], [0.0, 0.5]]]})
    w = rng.dirichlet(np.full(10, 5.0))
    out.append({"name": "3d-10class", "weights": list(w),
                "means": [list(rng.normal(scale=1.5, size=3)) for _ in range(10)],
                "covs": [random_cov(rng, 3, 0.8).tolist() for _ in range(10)]})
    out.append({"name": "3d-4class-separated", "weights": [0.25, 0.25, 0.25, 0.25],
                "means": [[0, 0, 0], [4, 0, 0], [0, 4, 0], [0, 0, 4]],
                "covs": [np.eye(3).tolist()] * 4})
    return out


def main():
    res = []
    for c in cases():
        mi, chol = truth(c)
        c = dict(c)
        c["chol"] = [L.tolist() for L in chol]
        c["mi"] = mi
        res.append(c)
        print(f"{c['name']:24s} I = {mi:.10f} nats")
    with open(os.path.join(HERE, "mixed_truth.txt"), "w") as f:
        for c in res:
            f.write("%s %d %d %.17g\n" % (c["name"], len(c["means"][0]), len(c["weights"]), c["mi"]))
            for wc, m, L in zip(c["weights"], c["means"], c["chol"]):
                f.write(" ".join("%.17g" % v for v in [wc] + list(m) + [v for row in L for v in row]) + "\n")
    with open(os.path.join(HERE, "mixed_truth.json"), "w") as f:
        json.dump({"method": "Gauss-Hermite quadrature of the mixture entropy (scipy.special.roots_hermite), "
                             "checked with 1.5x nodes and, in 1-D, scipy.integrate.quad; "
                             "class entropies in closed form (tests/data/gen_mixed_truth.py)",
                   "cases": res}, f, indent=1)

    # --- scikit-learn mutual_info_classif on fixed data -------------------
    rng = np.random.RandomState(7)
    n = 1500
    y = rng.randint(0, 5, size=n)
    x0 = rng.normal(size=n) + 0.8 * y                       # informative
    x1 = rng.standard_t(3, size=n) * (1 + 0.3 * (y % 2))    # heavy tails, scale depends on y
    x2 = np.maximum(0.0, rng.normal(size=n) + 0.5 * (y - 2))  # ReLU-like: many exact zeros
    x2 = np.round(x2, 2)                                    # and ties among the rest
    X = np.stack([x0, x1, x2], axis=1)
    out = {"n": n, "features": 3, "random_state": 0, "y": y.tolist(), "x_raw": X.tolist(), "cases": []}
    for k in (3, 4):
        mi = mutual_info_classif(X, y, n_neighbors=k, random_state=0)
        # sklearn's preprocessing, reproduced
        Xs = X / np.std(X, axis=0)
        r = np.random.RandomState(0)
        Xs = Xs + 1e-10 * np.maximum(1, np.mean(np.abs(Xs), axis=0)) * r.standard_normal(size=Xs.shape)
        mine = np.array([_compute_mi_cd(Xs[:, j], y, k) for j in range(3)])
        assert np.array_equal(mi, mine), (mi, mine)
        out["cases"].append({"k": k, "mi": mi.tolist()})
        if k == 3:
            out["x_jittered"] = Xs.tolist()
        print("sklearn k=%d:" % k, mi)
    with open(os.path.join(HERE, "mixed_sklearn.txt"), "w") as f:
        f.write("% scikit-learn " + sklearn.__version__ + " mutual_info_classif, random_state 0 "
                "(tests/data/gen_mixed_truth.py)\n")
        for c in out["cases"]:
            f.write("%% k=%d %s\n" % (c["k"], " ".join("%.17g" % v for v in c["mi"])))
        # GCMI reference values (numpy re-implementations above) for the
        # raw features: column 0, columns 0-1, and the Gaussian (no copula)
        # mixture of columns 0-1.
        f.write("%% gcmi_model %.17g %.17g\n" % (gcmi_model_cd(X[:, :1], y, 5), gcmi_model_cd(X[:, :2], y, 5)))
        f.write("%% gcmi_mixture %.17g %.17g\n" % (gcmi_mixture_cd(X[:, :1], y, 5),
                                                    gcmi_mixture_cd(X[:, :2], y, 5)))
        f.write("%% gauss_mixture %.17g\n" % gcmi_mixture_cd(X[:, :2], y, 5, copula=False))
        f.write("% columns: x0 x1 x2 (jittered, scaled) y, then x0 x1 x2 raw\n")
        for row, yi, raw in zip(out["x_jittered"], out["y"], X):
            f.write("%s %d %s\n" % (" ".join("%.17g" % v for v in row), yi, " ".join("%.17g" % v for v in raw)))


def relu_pair():
    """Two ReLU units with ~56 % exact zeros each (ties): KSG needs noise.
    sklearn's mutual_info_regression (k = 4, its 1e-10 jitter) as the peer."""
    from sklearn.feature_selection import mutual_info_regression
    rng = np.random.RandomState(11)
    n = 1000
    s = rng.normal(size=n)
    a = np.maximum(0.0, s - 0.15 + 0.9 * rng.normal(size=n))
    b = np.maximum(0.0, s - 0.15 + 0.9 * rng.normal(size=n))
    mi = mutual_info_regression(a.reshape(-1, 1), b, n_neighbors=4, random_state=0)[0]
    with open(os.path.join(HERE, "relu_pair.txt"), "w") as f:
        f.write("%% two ReLU units, zeros %.3f %.3f; sklearn %s mutual_info_regression k=4: %.17g nats "
                "(tests/data/gen_mixed_truth.py)\n" % (np.mean(a == 0), np.mean(b == 0), sklearn.__version__, mi))
        for u, v in zip(a, b):
            f.write("%.17g %.17g\n" % (u, v))
    print("relu pair: zeros %.3f %.3f, sklearn MI %.5f" % (np.mean(a == 0), np.mean(b == 0), mi))


if __name__ == "__main__":
    relu_pair()
    main()
