#!/usr/bin/env python3
"""Closed-form reference values for tests/test_omega.c (Gaussian systems).

For a jointly Gaussian (A, B, Y) with covariance S, the vector-source PID
with MMI redundancy (Barrett 2015, "Exploration of synergistic and redundant
information sharing in static and dynamical Gaussian systems", Phys Rev E 91,
052802) has the closed-form atoms

    I(A;Y)   = 1/2 ln(|S_A| |S_Y| / |S_AY|),   likewise I(B;Y), I(AB;Y)
    R = min(I(A;Y), I(B;Y)),  U_A = I(A;Y) - R,  U_B = I(B;Y) - R,
    S = I(AB;Y) - max(I(A;Y), I(B;Y)),         Omega = S / I(AB;Y).

Each case writes n samples whose sample covariance (divisor n) is exactly S
(standard normal draws, centred, whitened by their own Cholesky factor and
coloured by S's), so an estimator that uses the sample covariance without
bias correction must reproduce the closed form to rounding. The "layer"
values treat X = [A | B] as a layer of units: the balanced bipartition with
unit 0 in A that minimises the Gaussian I(part1; part2) of X's correlation
matrix (plus 1e-6 on the diagonal, as cogscope's rule), found here by brute
force with numpy, then the same atoms.

Written with numpy only (slogdet, cholesky); not derived from cogscope's C
code. Run:  /usr/bin/python3 tests/data/gen_omega_gauss.py > tests/data/omega_gauss.txt
Output format, per case:
    name da db dy n
    pid  I_A I_B I_AB R U_A U_B S
    layer mask I_1 I_2 I_12 S      (mask: bit j set = unit j in the second part)
    n rows of da + db + dy values
"""
import itertools
import sys

import numpy as np


def mi(S, a, y):
    ld = lambda idx: np.linalg.slogdet(S[np.ix_(idx, idx)])[1]
    return 0.5 * (ld(a) + ld(y) - ld(a + y))


def atoms(S, a, b, y):
    ia, ib, iab = mi(S, a, y), mi(S, b, y), mi(S, a + b, y)
    r = min(ia, ib)
    return ia, ib, iab, r, ia - r, ib - r, iab - max(ia, ib)


def mib(Sx):
    d = Sx.shape[0]
    sd = np.sqrt(np.diag(Sx))
    R = Sx / np.outer(sd, sd) + 1e-6 * np.eye(d)
    ld = lambda idx: np.linalg.slogdet(R[np.ix_(idx, idx)])[1]
    hb = d - d // 2
    best = []
    for part2 in itertools.combinations(range(1, d), hb):
        p1 = [j for j in range(d) if j not in part2]
        best.append((ld(p1) + ld(list(part2)), list(part2)))
    best.sort()
    assert len(best) == 1 or best[1][0] - best[0][0] > 1e-3, "the MIB must be unique"
    return best[0][1]


def case(name, S, da, db, dy, n, rng):
    D = da + db + dy
    Z = rng.standard_normal((n, D))
    Z -= Z.mean(axis=0)
    C = Z.T @ Z / n
    Z = Z @ np.linalg.inv(np.linalg.cholesky(C)).T @ np.linalg.cholesky(S).T
    assert np.allclose(Z.T @ Z / n, S, atol=1e-12)
    a, b, y = list(range(da)), list(range(da, da + db)), list(range(da + db, D))
    print(name, da, db, dy, n)
    print("pid", *("%.17g" % v for v in atoms(S, a, b, y)))
    part2 = mib(S[: da + db, : da + db])
    p1 = [j for j in range(da + db) if j not in part2]
    i1, i2, i12, _, _, _, s = atoms(S, p1, part2, y)
    print("layer", sum(1 << j for j in part2), *("%.17g" % v for v in (i1, i2, i12, s)))
    for row in Z:
        print(" ".join("%.17g" % v for v in row))


def random_cov(D, rng, blocks):
    """A covariance with strong coupling inside the given column blocks and
    weak coupling across them (so the layer's MIB is the block split)."""
    W = rng.standard_normal((D, D)) * 0.15
    for blk in blocks:
        W[np.ix_(blk, blk)] += rng.standard_normal((len(blk), len(blk))) * 0.9
    return W @ W.T + 0.3 * np.eye(D)


def main():
    rng = np.random.default_rng(20261202)
    # 1. scalar sources, scalar target: Y = X1 + X2 + noise (synergy and redundancy both present)
    S1 = np.array([[1.0, 0.3, 0.8], [0.3, 1.0, 0.7], [0.8, 0.7, 1.5]])
    case("scalar", S1, 1, 1, 1, 64, rng)
    # 2. two 2-d sources, 1-d target, random structured covariance
    S2 = random_cov(5, rng, [[0, 1], [2, 3], [4]])
    case("vec2-2-1", S2, 2, 2, 1, 80, rng)
    # 3. 3-d and 3-d sources, 2-d target
    S3 = random_cov(8, rng, [[0, 1, 2], [3, 4, 5], [6, 7]])
    case("vec3-3-2", S3, 3, 3, 2, 96, rng)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
