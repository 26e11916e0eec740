/* Integrated information decomposition (PhiID; Mediano, Rosas et al. 2019,
 * 2021) of two sources X1, X2 at time t and their own futures at t + tau, in
 * nats. The time-delayed mutual information
 *
 *   tdmi = I(X1_t, X2_t ; X1_{t+tau}, X2_{t+tau})
 *
 * splits into 16 atoms "atb": a is the past-side PID atom and b the
 * future-side one, each r (redundancy), x (unique to X1), y (unique to X2) or
 * s (synergy): rtr rtx rty rts xtr xtx xty xts ytr ytx yty yts str stx sty sts,
 * exactly as the phyid package names and orders them. Writing p1, p2 for the
 * pasts and t1, t2 for the futures, the atoms solve the 16 linear equations
 *   I(pi; tj)       = sums of the atoms below each pair   (4 equations)
 *   I(p1,p2; tj), I(pi; t1,t2), I(p1,p2; t1,t2)            (5)
 *   R(p1,p2 -> tj), R(p1,p2 -> t1t2)                       (3, PID redundancies)
 *   R(t1,t2 <- pi), R(t1,t2 <- p1p2)                       (3, backward PIDs)
 *   rtr = double redundancy                                (1)
 * (the matrix of phyid's calc_PhiID, inverted here in closed form). With
 *   mmi: R(a,b -> T) = min(I(a;T), I(b;T)) and rtr = min_ij I(pi;tj);
 *   ccs: every R is the expectation of the local co-information kept where
 *        it agrees in sign with the three local MIs (Ince 2017), and rtr the
 *        expectation of the local double co-information
 *          -i(p1;t1) - i(p1;t2) - i(p2;t1) - i(p2;t2)
 *          + i(p1;t1t2) + i(p2;t1t2) + i(p1p2;t1) + i(p1p2;t2) - i(p1p2;t1t2)
 *          + r(p1p2->t1) + r(p1p2->t2) - r(p1p2->t1t2)
 *          + r(t1t2<-p1) + r(t1t2<-p2) - r(t1t2<-p1p2)
 *        (r the local filtered redundancies) kept where it agrees in sign
 *        with the four i(pi;tj): phyid's definitions. Unlike the discrete PID
 *        ccs, the expectations are over the distribution itself (no
 *        maximum-entropy step), as in phyid.
 * and
 *   phi_wms = tdmi - I(X1_t; X1_{t+tau}) - I(X2_t; X2_{t+tau})
 *   phi_r   = phi_wms + rtr.
 * The atoms sum to tdmi.
 *
 * Estimators: discrete (a table over (X1_t, X2_t, X1_{t+tau}, X2_{t+tau}),
 * or integer-coded series), gaussian (the covariance of those four blocks,
 * or series -> the maximum-likelihood covariance of the lagged samples), and
 * gcopula (each lagged column copula-normalised, then gaussian). The Gaussian
 * ccs expectations use the integration of cogscope/pid.h (ccs_points,
 * ccs_shifts, seed, threads; errors in atom_stderr). phyid instead averages the
 * local values over the data points; on the same covariance the two agree up
 * to that average's sampling error.
 *
 * Parameters come from cs_pid_params (cogscope/pid.h): redundancy must be
 * CS_PID_MMI or CS_PID_CCS; ccs_* and seed for Gaussian ccs; the
 * estimator's own options (bins, binning, alphabet) from cs_estimator_params.
 *
 * Example (Gaussian, exact covariance of a 2-node VAR(1), tau = 1):
 *     double cov[16] = {...};   // rows X1_t, X2_t, X1_{t+1}, X2_{t+1}
 *     cs_pid_params par; cs_pid_params_default(&par);
 *     cs_phiid_result r;
 *     cs_phiid_gaussian_cov(cov, 1, 1, &par, &r);
 *     printf("%s = %g\n", cs_phiid_atom_name(CS_PHIID_RTR), r.atoms[CS_PHIID_RTR]);
 */
#ifndef COGSCOPE_PHIID_H
#define COGSCOPE_PHIID_H

#include "cogscope/core.h"
#include "cogscope/pid.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CS_PHIID_RTR = 0,
    CS_PHIID_RTX,
    CS_PHIID_RTY,
    CS_PHIID_RTS,
    CS_PHIID_XTR,
    CS_PHIID_XTX,
    CS_PHIID_XTY,
    CS_PHIID_XTS,
    CS_PHIID_YTR,
    CS_PHIID_YTX,
    CS_PHIID_YTY,
    CS_PHIID_YTS,
    CS_PHIID_STR,
    CS_PHIID_STX,
    CS_PHIID_STY,
    CS_PHIID_STS,
    CS_PHIID_NATOMS
} cs_phiid_atom;

/* "rtr", "rtx", ..., "sts"; NULL out of range. */
const char *cs_phiid_atom_name(int atom);

typedef struct {
    double atoms[CS_PHIID_NATOMS];
    double tdmi;                         /* I(X_t; X_{t+tau}) */
    double phi_wms;                      /* tdmi - sum_i I(X^i_t; X^i_{t+tau}) */
    double phi_r;                        /* phi_wms + rtr */
    double mi_self[2];                   /* I(X1_t;X1_{t+tau}), I(X2_t;X2_{t+tau}) */
    size_t n;                            /* lagged samples used (0 for a table or covariance) */
    double ccs_stderr;                   /* Gaussian ccs: the largest of atom_stderr (nats); else 0 */
    double atom_stderr[CS_PHIID_NATOMS]; /* Gaussian ccs: standard error of each atom's
                                            integration, across the shifts; else 0 */
} cs_phiid_result;

/* Discrete PhiID of a table p over (X1_t, X2_t, X1_{t+tau}, X2_{t+tau}) with
 * dims[0..3] states, row-major (the last index fastest). Entries finite,
 * >= 0, summing to 1 within 1e-9. Errors: bad entries (CS_EINVAL naming the
 * cell), a redundancy other than mmi/ccs (CS_EINVAL). */
cs_status cs_phiid_table(const double *p, const size_t dims[4], const cs_pid_params *params, cs_phiid_result *out);

/* Gaussian PhiID from the covariance (2(d1+d2) square, row-major) of the
 * blocks X1_t (d1), X2_t (d2), X1_{t+tau} (d1), X2_{t+tau} (d2).
 * Errors: asymmetric, non-finite or not positive definite (CS_ESINGULAR). */
cs_status cs_phiid_gaussian_cov(const double *cov, size_t d1, size_t d2, const cs_pid_params *params,
                                cs_phiid_result *out);

/* PhiID of two series over the estimator registry (cogscope/estimator.h):
 * x1 (T x d1) and x2 (T x d2) are two (groups of) time series, one row per
 * time step; the T - tau pairs (row t, row t + tau) are the samples. The
 * estimator ep->estimator (the measure table's phiid row: discrete,
 * gaussian or gcopula, and their options) is prepared once: discrete on the
 * series (each series' joint symbols coded once, so a value and its future
 * share a state), gaussian/gcopula on the lagged samples (X1_t, X2_t,
 * X1_t+tau, X2_t+tau) -> their covariance -> cs_phiid_gaussian_cov.
 * Errors: an estimator or option the row does not admit (CS_EINVAL), row
 * counts differ (CS_ESHAPE), tau < 1 or tau >= T - 1 (CS_EINVAL: fewer than
 * 2 lagged samples), NaN/Inf (CS_ENONFINITE), and the errors of
 * cs_pid_estimate (joint alphabet too large, constant or collinear columns). */
cs_status cs_phiid_estimate(const cs_estimator_params *ep, cs_matrix x1, cs_matrix x2, size_t tau,
                            const cs_pid_params *params, cs_phiid_result *out);

#ifdef __cplusplus
}
#endif
#endif
