/* The measures and their kernels, defined in multivariate.c (preparing an
 * estimator for them, entropies, one-set measures) and used by multiplets.c
 * (shared entropy table, threads, top-K); subset enumeration is in
 * subsets.c. The data come from an estimator of the registry (discrete,
 * gaussian, gcopula) prepared by cs_mv_estimator_create*: its symbols or
 * covariance, and the single-variable terms cached there. Not a public
 * header. */
#ifndef COGSCOPE_MULTIVARIATE_IMPL_H
#define COGSCOPE_MULTIVARIATE_IMPL_H

#include "cogscope/discrete.h"
#include "cogscope/multivariate.h"
#include "../estimators/estimator_impl.h"

enum { MV_GAUSS = 0, MV_DISCRETE = 1 };

/* What the measures read of a prepared estimator (mv_data_of): pointers
 * into it, nothing owned. */
typedef struct {
    const cs_estimator *e;
    int kind;
    size_t n;              /* variables */
    size_t nsamples;       /* 0 for an exact covariance */
    const size_t *labels;  /* n names for messages (the caller's column numbers) */
    const double *h1;      /* H(X_i), bias-corrected as every entropy */
    const double *bias;    /* bias[d], d = 0..n: subtracted from every d-variable entropy
                              (Gaussian bias correction; all zero otherwise) */
    int bias_correct;      /* Gaussian: bias[] is in use, so queries need d < nsamples */
    const double *cov;     /* Gaussian: n x n, row-major */
    const double *ln_var;  /* Gaussian: ln cov_ii */
    const cs_symbols *sym; /* discrete */
    int miller_madow;
} mv_data;

/* The view of e, after checking that e was prepared for the measures. */
cs_status mv_data_of(const cs_estimator *e, mv_data *p);

/* Per-thread scratch for queries of up to `cap` variables. */
typedef struct {
    size_t cap;
    double *a, *w; /* cap x cap */
    double *d;     /* cap */
    size_t *idx;   /* cap */
} mv_ws;

cs_status mv_ws_init(mv_ws *ws, size_t cap);
void mv_ws_free(mv_ws *ws);

/* Entropy (nats, bias-corrected as the plan says) of plan variables idx[0..m), m >= 1. */
cs_status mv_entropy(const mv_data *p, const size_t *idx, size_t m, mv_ws *ws, double *h);

/* Gaussian: TC and DTC of the set S[0..m) (m >= 2) from one Cholesky factor
 * of the covariance sub-block and the diagonal of its inverse. */
cs_status mv_gauss_tc_dtc(const mv_data *p, const size_t *S, size_t m, mv_ws *ws, double *tc, double *dtc);

/* The measure from TC and DTC (not TSE). */
static inline double mv_from_tc_dtc(cs_mv_measure meas, double tc, double dtc)
{
    switch (meas) {
    case CS_MV_TC: return tc;
    case CS_MV_DTC: return dtc;
    case CS_MV_OINFO: return tc - dtc;
    default: return tc + dtc; /* CS_MV_SINFO */
    }
}

/* The measures from entropies of a set X of m variables, written once for
 * the one-set queries (multivariate.c) and the multiplet scan
 * (multiplets.c); the Gaussian TC/DTC shortcut is mv_gauss_tc_dtc.
 *   TC  = sum1 - H(X),              sum1 = sum_i H(X_i)
 *   DTC = sum_loo - (m - 1) H(X),   sum_loo = sum_i H(X_-i)
 *   TSE = sum_{k<m} level[k] / C(m, k) - (k / m) H(X),
 *         level[k] = the sum of H over the k-subsets */
static inline double mv_tc_of(double sum1, double hs) { return sum1 - hs; }

static inline double mv_dtc_of(double sum_loo, size_t m, double hs) { return sum_loo - (double)(m - 1) * hs; }

static inline double mv_tse_of(const double *level, size_t m, double hs)
{
    double t = 0;
    for (size_t k = 1; k < m; k++)
        t += level[k] / (double)cs_mv_binomial(m, k) - (double)k / (double)m * hs;
    return t;
}

/* "{3, 7, 9}" from plan labels of S[0..m), into buf (size len). */
void mv_format_set(const mv_data *p, const size_t *S, size_t m, char *buf, size_t len);

#endif
