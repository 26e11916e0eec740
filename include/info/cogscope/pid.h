/* Partial information decomposition (PID) of two sources X1, X2 about one
 * target Y (Williams & Beer 2010), in nats:
 *
 *   I(X1;Y)    = R + U1            I(X2;Y) = R + U2
 *   I(X1,X2;Y) = R + U1 + U2 + S   Omega   = S / I(X1,X2;Y)
 *
 * One redundancy R fixes the other atoms. Redundancy measures:
 *   wb     I_min (Williams & Beer 2010): sum_y p(y) min_i I(Y=y; X_i), the
 *          specific information I(Y=y;X_i) = sum_x p(x|y) ln p(y|x)/p(y).
 *          Discrete only.
 *   mmi    minimum mutual information: min_i I(X_i;Y) (Barrett 2015).
 *   ccs    common change in surprisal (Ince 2017): the expectation of the
 *          local co-information c = i(x1;y) + i(x2;y) - i(x1,x2;y) over the
 *          events where i(x1;y), i(x2;y), i(x1,x2;y) and c all have the same
 *          sign (and 0 elsewhere). Discrete: taken over the maximum-entropy
 *          distribution with the pairwise marginals p(x1,y), p(x2,y), p(x1,x2)
 *          of the data (as Ince 2017 and dit); a local value within 1e-10 nats
 *          of 0 counts as 0 (sign 0, as dit). Gaussian: the expectation over
 *          the Gaussian (whose maximum-entropy distribution with those
 *          marginals is itself), computed by numerical integration (below).
 *   broja  Bertschinger, Rauh, Olbrich, Jost & Ay 2014: unique information
 *          U1 = min over q in Delta_P of I_q(X1;Y|X2), Delta_P the
 *          distributions with the same (x1,y) and (x2,y) marginals as p;
 *          equivalently q* minimises I_q(X1,X2;Y) and S = I_p - I_q*.
 *          Discrete only.
 *
 * Estimators: discrete (a probability table, or integer-coded samples whose
 * empirical distribution is that table), gaussian (a covariance, or samples
 * -> their maximum-likelihood covariance), gcopula (samples copula-normalised
 * per column, cogscope/gcopula.h, then gaussian). Gaussian and gcopula take
 * mmi and ccs; sources and target may be multivariate. No bias correction is
 * applied (a correction of the entropies would break the atom identities).
 *
 * Numerical methods and their accuracy:
 *   broja  the convex problem is solved in its dual, maximise
 *          sum a(x1,y) p(x1,y) + sum b(x2,y) p(x2,y) subject to
 *          sum_y exp(a(x1,y) + b(x2,y)) <= 1 for every (x1, x2), by the
 *          method of multipliers (an augmented Lagrangian: the multipliers
 *          are q(x1,x2), and q(y|x1,x2) = exp(a + b) at the optimum) with a
 *          damped Newton method for each inner problem. Every outer step
 *          produces a feasible primal q (the iterate rescaled onto Delta_P)
 *          and a feasible dual point; their objective gap bounds the error of
 *          min I_q(X1,X2;Y), and the solver stops when it is below `tol`
 *          (default 1e-10 nats). The gap is returned in `solver_gap`.
 *   ccs (discrete)  the maximum-entropy distribution is found by Newton's
 *          method on the convex dual of the maximum-entropy problem (the
 *          log-linear model with all pairwise interactions); it stops when
 *          every marginal matches to `tol`. Cells that no distribution with
 *          those marginals can fill (implied zeros) go to 0 geometrically.
 *   ccs (gaussian)  writing z = L w (Sigma = L L^T, w ~ N(0, I_d)) and
 *          w = sqrt(s) u with u uniform on the sphere and s ~ chi^2_d,
 *          every local information is a + b(u) s, affine in s, so for each
 *          direction u the integral over s is exact (chi^2 CDFs between the
 *          sign changes). Directions come from a Sobol sequence (Halton above
 *          40 dimensions) under `ccs_shifts` random shifts (seeded by
 *          `seed`), each of `ccs_points` points: a randomised quasi-Monte Carlo
 *          estimate whose standard error (across the shifts) is returned in
 *          `ccs_stderr`. Defaults 16 x 8192 directions give about 3e-5 nats
 *          for three scalar variables.
 *
 * Threads: the Gaussian CCS integration runs on `threads` OpenMP threads; the
 * result does not depend on the thread count (each shift is summed on its own
 * and the shifts are combined in order). Everything else is serial and cheap.
 *
 * Example (the AND gate in bits):
 *     double p[8] = {0};                 // p[(x1 * 2 + x2) * 2 + y]
 *     p[0] = p[2] = p[4] = p[7] = 0.25;  // 000 010 100 111
 *     cs_pid_params par; cs_pid_params_default(&par);
 *     par.redundancy = CS_PID_BROJA;
 *     cs_pid_result r;
 *     cs_pid_table(p, 2, 2, 2, &par, &r);  // r.redundancy / M_LN2 = 0.311278
 */
#ifndef COGSCOPE_PID_H
#define COGSCOPE_PID_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/discrete.h"
#include "cogscope/estimator.h"
#include "cogscope/measure.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CS_PID_WB = 0, /* I_min, Williams & Beer */
    CS_PID_MMI,    /* minimum mutual information */
    CS_PID_CCS,    /* common change in surprisal, Ince */
    CS_PID_BROJA,  /* Bertschinger-Rauh-Olbrich-Jost-Ay */
    CS_PID_REDUNDANCY_COUNT
} cs_pid_redundancy;

/* "wb", "mmi", "ccs", "broja"; NULL for an unknown value. */
const char *cs_pid_redundancy_name(cs_pid_redundancy r);
/* The inverse; CS_EINVAL naming the text for an unknown name. */
cs_status cs_pid_redundancy_parse(const char *name, cs_pid_redundancy *out);

typedef struct {
    cs_pid_redundancy redundancy; /* default CS_PID_MMI */
    /* convex solvers (broja; the maximum-entropy step of discrete ccs) */
    double tol;   /* broja: duality gap in nats; maxent: largest marginal error (default 1e-10) */
    int max_iter; /* outer iterations (default 500) */
    /* Gaussian ccs integration */
    size_t ccs_points; /* directions per shift (default 8192) */
    size_t ccs_shifts; /* random shifts, >= 2 for a standard error (default 16) */
    uint64_t seed;     /* seed of the shifts (default 1) */
    int threads;       /* <= 0: all cores */
} cs_pid_params;

void cs_pid_params_default(cs_pid_params *p);

/* The one check of a redundancy measure against the decomposition
 * (CS_INFO_PID or CS_INFO_PHIID, cogscope/measure.h) and the estimator: pid
 * takes wb, mmi, ccs and broja with discrete, mmi and ccs with gaussian and
 * gcopula; phiid takes mmi or ccs. CS_EINVAL with a sentence otherwise. */
cs_status cs_pid_check_redundancy(cs_info_measure m, cs_info_estimator e, cs_pid_redundancy r);

typedef struct {
    double redundancy;    /* R */
    double unique[2];     /* U1, U2 */
    double synergy;       /* S */
    double mi_joint;      /* I(X1,X2;Y) */
    double mi_sources[2]; /* I(X1;Y), I(X2;Y) */
    double omega;         /* S / I(X1,X2;Y); NaN when I(X1,X2;Y) = 0 */
    double solver_gap;    /* broja: certified bound on the error of min I_q (nats);
                             discrete ccs: largest marginal error of the maxent fit; else 0 */
    int solver_iterations;
    double ccs_stderr; /* Gaussian ccs: standard error of the integration (nats); else 0 */
} cs_pid_result;

/* Discrete PID of a joint probability table p[(i * n2 + j) * ny + k] =
 * P(X1 = i, X2 = j, Y = k) (n1 x n2 x ny, row-major). Entries must be finite
 * and >= 0 and sum to 1 within 1e-9 (they are renormalised). Errors: a
 * negative or non-finite entry (CS_EINVAL naming the cell), a target with a
 * single value of non-zero probability (CS_EINVAL: nothing to decompose),
 * a table too large for the solver (CS_ELIMIT, with the sizes), the solver
 * not converging (CS_ENOCONV, with the gap reached). */
cs_status cs_pid_table(const double *p, size_t n1, size_t n2, size_t ny, const cs_pid_params *params,
                       cs_pid_result *out);

/* Gaussian PID from a covariance (d x d, row-major, symmetric positive
 * definite) of the variables ordered X1 (d1 rows), X2 (d2 rows), Y (dy rows),
 * d = d1 + d2 + dy. mmi or ccs. Errors: asymmetric, non-finite or not
 * positive definite (CS_ESINGULAR) matrix; wb/broja (CS_EINVAL). */
cs_status cs_pid_gaussian_cov(const double *cov, size_t d1, size_t d2, size_t dy, const cs_pid_params *params,
                              cs_pid_result *out);

/* PID of samples over the estimator registry (cogscope/estimator.h): x1
 * (n x d1), x2 (n x d2), y (n x dy), one row per sample, prepared once by
 * the estimator ep->estimator side by side (the measure table's pid row:
 * discrete, gaussian or gcopula, and their options):
 *   discrete  integer symbols (or ep->bins > 0 to bin each column, ep->alphabet
 *             to give the alphabet); multi-column variables are joint symbols;
 *             the empirical (plug-in) distribution is decomposed with
 *             cs_pid_table. A joint alphabet whose dense table would exceed
 *             2^26 cells gives CS_ENOMEM naming the three alphabet sizes.
 *   gaussian  the maximum-likelihood covariance, then cs_pid_gaussian_cov.
 *   gcopula   each column copula-normalised, then gaussian.
 * Errors: an estimator or option the pid row does not admit (CS_EINVAL),
 * rows differ (CS_ESHAPE), NaN/Inf (CS_ENONFINITE naming the variable, row
 * and column), fewer than 2 samples, non-integer discrete data (CS_EINVAL),
 * a constant column for gaussian/gcopula (CS_ESINGULAR/CS_EINVAL). */
cs_status cs_pid_estimate(const cs_estimator_params *ep, cs_matrix x1, cs_matrix x2, cs_matrix y,
                          const cs_pid_params *params, cs_pid_result *out);

#ifdef __cplusplus
}
#endif
#endif
