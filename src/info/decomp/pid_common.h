/* What the decompositions share (pid_common.c): the PID parameters, dense
 * probability tables and their marginals, entropies, joint symbol codes and
 * covariance checks. Used by pid.c, phiid.c and the solvers (broja.c,
 * pid_ccs.c); it calls none of them, so the dependencies run one way:
 *     pid.c -> broja.c, pid_ccs.c -> pid_common.c;  phiid.c -> pid_ccs.c, pid_common.c.
 * Not a public header. Everything is in nats. */
#ifndef COGSCOPE_PID_COMMON_H
#define COGSCOPE_PID_COMMON_H

#include "cogscope/estimator.h"
#include "cogscope/pid.h"

/* Largest dense probability table built from samples (cells). */
#define PID_TABLE_MAX_CELLS ((size_t)1 << 26)

/* Sign of a local information value, with |v| <= PID_ZERO_TOL counted as 0
 * (values that are exactly 0 in exact arithmetic come out as +-1e-16). */
#define PID_ZERO_TOL 1e-10
static inline int pid_sign(double v) { return v > PID_ZERO_TOL ? 1 : v < -PID_ZERO_TOL ? -1 : 0; }

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

/* The estimator ep->estimator (discrete, gaussian or gcopula) of the
 * registry prepared on nb column blocks side by side: block b contributes
 * its rows first[b] .. first[b] + n - 1 (PID: x1 | x2 | y from row 0;
 * PhiID: x1 | x2, or the lagged x1 | x2 | x1 | x2 from rows 0, 0, tau,
 * tau), named names[b] in messages. Covariances are checked by the
 * decomposition, not by prepare.
 * discrete: each column symbols (or binned); gaussian/gcopula: the
 * covariance of the columns (each copula-normalised first for gcopula). */
cs_status pid_blocks_estimator(const cs_estimator_params *ep, const cs_matrix *blocks, const size_t *first, int nb,
                               size_t n, const char *const *names, cs_estimator **out);

/* The covariance (columns x columns) a gaussian/gcopula estimator prepared. */
const double *pid_estimator_cov(const cs_estimator *e);

/* Dense joint codes (rows of e) of the discrete estimator's columns
 * c0 .. c0 + m - 1 in [0, *states); errors prefixed by `what`. */
cs_status pid_block_codes(const cs_estimator *e, size_t c0, size_t m, const char *what, int32_t *codes,
                          size_t *states);

/* ---- dense tables over nv <= PID_TABLE_MAX_VARS variables ----
 * Row-major, the last variable fastest; names[v] name the variables in
 * messages ("x1", "x2", "y"), `what` the decomposition ("PID", "PhiID"). */
#define PID_TABLE_MAX_VARS 4

/* Check a probability table: cells within PID_TABLE_MAX_CELLS (CS_ENOMEM),
 * every entry finite and >= 0 (CS_EINVAL naming its coordinates), total
 * within 1e-9 of 1. *cells receives the number of cells, *total the sum. */
cs_status pid_check_table(const double *p, const size_t *dims, int nv, const char *const *names, const char *what,
                          size_t *cells, double *total);

/* The empirical distribution of n samples whose variable v has the codes
 * codes[v][0..n) in [0, dims[v]): a new table (caller frees). A joint alphabet
 * over PID_TABLE_MAX_CELLS cells is CS_ENOMEM with the sizes. */
cs_status pid_count_table(const int32_t *const *codes, const size_t *dims, int nv, size_t n, const char *const *names,
                          const char *what, double **table);

/* Validate a covariance: finite, symmetric within 1e-10 relative; `what` names it. */
cs_status pid_check_cov(const double *cov, size_t d, const char *what);

/* Entropy (nats) of a probability vector of n entries (0 ln 0 = 0). */
double pid_entropy(const double *p, size_t n);

#endif
