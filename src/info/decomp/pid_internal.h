/* Internals shared by pid.c, phiid.c, broja.c and pid_ccs.c. Not a public
 * header. Everything is in nats. */
#ifndef COGSCOPE_PID_INTERNAL_H
#define COGSCOPE_PID_INTERNAL_H

#include "cogscope/pid.h"

/* Largest number of dual variables (marginal constraints) the convex solvers
 * accept: their Newton systems are dense (K x K). 1500 covers e.g. 24 x 24
 * source alphabets with a 30-state target. */
#define PID_SOLVER_MAX_VARS 1500

/* Largest dense probability table built from samples (cells). */
#define PID_TABLE_MAX_CELLS ((size_t)1 << 26)

/* min over q in Delta_P of I_q(X1,X2;Y) for a normalised table p (n1 x n2 x
 * ny, row-major): method of multipliers on the dual (see cogscope/pid.h).
 * *min_mi is the value of a feasible q (an upper bound), *gap a certified
 * bound on its distance to the minimum. CS_ELIMIT for too many constraints,
 * CS_ENOCONV when the gap is still above tol after max_iter outer steps. */
cs_status pid_broja_min(const double *p, size_t n1, size_t n2, size_t ny, double tol, int max_iter,
                        double *min_mi, double *gap, int *iterations);

/* The maximum-entropy table q (n1 x n2 x ny, caller-owned) with the pairwise
 * marginals p(x1,x2), p(x1,y), p(x2,y) of the normalised table p: Newton's
 * method on the dual (log-linear model). *resid: largest marginal error. */
cs_status pid_maxent_pairwise(const double *p, size_t n1, size_t n2, size_t ny, double tol,
                              int max_iter, double *q, double *resid, int *iterations);

/* Sign of a local information value, with |v| <= PID_ZERO_TOL counted as 0
 * (values that are exactly 0 in exact arithmetic come out as +-1e-16). */
#define PID_ZERO_TOL 1e-10
static inline int pid_sign(double v) { return v > PID_ZERO_TOL ? 1 : v < -PID_ZERO_TOL ? -1 : 0; }

/* ---- Gaussian CCS integration (pid_ccs.c) ----
 * Expectations over z ~ N(0, cov) of sign-filtered local quantities built
 * from local entropies h_S(z) = 1/2 ln det cov_S + 1/2 z_S^T cov_S^-1 z_S of
 * variable subsets S (the 2 pi terms cancel in every information quantity). */
#define PID_CCS_MAX_SUB 16
#define PID_CCS_MAX_MI 16
#define PID_CCS_MAX_RED 8

typedef struct {
    size_t nsub;                          /* subsets of the variables */
    const size_t *sub_idx[PID_CCS_MAX_SUB]; /* row indices of each subset */
    size_t sub_len[PID_CCS_MAX_SUB];
    size_t nmi; /* local MIs i = h_A + h_B - h_AB, by subset number */
    int mi_sub[PID_CCS_MAX_MI][3];
    size_t nred; /* filtered redundancies: co = i_a + i_b - i_ab, kept where all four agree */
    int red_mi[PID_CCS_MAX_RED][3];
    /* optional PhiID double redundancy: dc = sum dc_mi[m] i_m + sum dc_red[r] r_r, kept
     * where its sign equals that of each MI dfilter[0..3] */
    int has_double;
    double dc_mi[PID_CCS_MAX_MI];
    double dc_red[PID_CCS_MAX_RED];
    int dfilter[4];
} pid_ccs_spec;

/* values[0..nred) (and values[nred] for the double redundancy) receive the
 * expectations; *stderr the largest standard error across the shifts;
 * shift_means (NULL, or pid_ccs_shifts(par) x nout) each shift's estimates,
 * from which the caller can derive standard errors of combinations.
 * cov: d x d, positive definite (CS_ESINGULAR otherwise). */
cs_status pid_ccs_integrate(const double *cov, size_t d, const pid_ccs_spec *spec,
                            const cs_pid_params *par, double *values, double *stderr,
                            double *shift_means);

/* Number of random shifts the integration uses (par->ccs_shifts, or 16). */
static inline size_t pid_ccs_shifts(const cs_pid_params *par)
{
    return par->ccs_shifts ? par->ccs_shifts : 16;
}

/* Validate a covariance: finite, symmetric within 1e-10 relative; `what` names it. */
cs_status pid_check_cov(const double *cov, size_t d, const char *what);

/* The marginals of a three-way table p(x1, x2, y) (n1 x n2 x ny, row-major),
 * in one block laid out in this order: p12 (n1 x n2), p1y (n1 x ny), p2y
 * (n2 x ny) -- the pairwise marginals, contiguous -- then p1, p2, py. */
typedef struct {
    double *p12, *p1y, *p2y, *p1, *p2, *py;
} pid_margins;

/* Compute them (into new memory: free with pid_margins_free). */
cs_status pid_margins_of(const double *p, size_t n1, size_t n2, size_t ny, pid_margins *m);
void pid_margins_free(pid_margins *m);

/* `params`, or the defaults (written to *def) when it is NULL. */
static inline const cs_pid_params *pid_params(const cs_pid_params *params, cs_pid_params *def)
{
    if (params)
        return params;
    cs_pid_params_default(def);
    return def;
}

/* Joint symbol of every row of x (all its columns): dense codes in [0, *ns)
 * (x.rows entries), after binning when par->bins > 0; errors prefixed by `what`. */
cs_status pid_joint_codes(cs_matrix x, const cs_pid_params *par, const char *what, int32_t *codes,
                          size_t *ns);

/* ---- dense tables over nv <= PID_TABLE_MAX_VARS variables ----
 * Row-major, the last variable fastest; names[v] name the variables in
 * messages ("x1", "x2", "y"), `what` the decomposition ("PID", "PhiID"). */
#define PID_TABLE_MAX_VARS 4

/* Check a probability table: cells within PID_TABLE_MAX_CELLS (CS_ENOMEM),
 * every entry finite and >= 0 (CS_EINVAL naming its coordinates), total
 * within 1e-9 of 1. *cells receives the number of cells, *total the sum. */
cs_status pid_check_table(const double *p, const size_t *dims, int nv, const char *const *names,
                          const char *what, size_t *cells, double *total);

/* The empirical distribution of n samples whose variable v has the codes
 * codes[v][0..n) in [0, dims[v]): a new table (caller frees). A joint alphabet
 * over PID_TABLE_MAX_CELLS cells is CS_ENOMEM with the sizes. */
cs_status pid_count_table(const int32_t *const *codes, const size_t *dims, int nv, size_t n,
                          const char *const *names, const char *what, double **table);

/* The covariance (d x d, caller frees) of the samples `all` (n x d), after
 * the Gaussian-copula transform (done in place) when `copula` is set. */
cs_status pid_sample_cov(cs_matrix all, int copula, double **cov);

/* Entropy (nats) of a probability vector of n entries (0 ln 0 = 0). */
double pid_entropy(const double *p, size_t n);

#endif
