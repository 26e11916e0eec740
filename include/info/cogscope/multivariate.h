/* Multivariate information measures of a set of variables X = (X_1..X_n), in
 * nats, for discrete, Gaussian and Gaussian-copula data:
 *
 *   TC    total correlation      = sum_i H(X_i) - H(X)
 *   DTC   dual total correlation = sum_i H(X_{-i}) - (n-1) H(X)
 *   O     O-information          = TC - DTC   (< 0: synergy-dominated,
 *                                               > 0: redundancy-dominated)
 *   S     S-information          = TC + DTC
 *   TSE   Tononi-Sporns-Edelman complexity
 *                                = sum_{k=1..n} [ <H(X^k)>_k - (k/n) H(X) ]
 * where X_{-i} is X without X_i and <H(X^k)>_k the mean entropy over all
 * k-variable subsets (the convention of dit and of the reference values in
 * tests/data). n >= 2 for every measure (TC/DTC/O/S of one variable are 0
 * by definition but the call is almost surely a mistake, so it is refused).
 *
 * Gaussian: H(X_S) = |S|/2 ln(2 pi e) + 1/2 ln det Sigma_SS, so
 *   TC  = 1/2 [ sum_i ln Sigma_ii - ln det Sigma ]
 *   DTC = 1/2 [ ln det Sigma + sum_i ln (Sigma^-1)_ii ]
 * using ln det Sigma_{-i} = ln det Sigma + ln (Sigma^-1)_ii: one Cholesky
 * factor and the diagonal of its inverse give every leave-one-out entropy.
 * With bias correction every entropy of dimension d is lowered by the
 * analytic bias b(d) of cogscope/gaussian.h (it depends on d and N only).
 * Gaussian-copula: each column is replaced by the standard-normal quantile of
 * its rank (cogscope/gcopula.h) and the Gaussian formulas are applied.
 *
 * Discrete: plug-in entropies of joint symbols (optionally Miller-Madow
 * corrected), computed with cogscope/discrete.h.
 *
 * Life cycle: the measures are written once over the estimator registry
 * (cogscope/estimator.h). cs_mv_estimator_create prepares a discrete,
 * gaussian or gcopula estimator on the data once (joint symbols; copula
 * ranks and the covariance by one BLAS dsyrk) and caches the
 * single-variable terms; a covariance is checked per queried subset there,
 * not as a whole, so that multiplets stay usable when N is below the number
 * of variables. cs_mv_compute then evaluates one set of the estimator's
 * columns from its subset-entropy queries (with the closed forms above:
 * one Cholesky for Gaussian TC/DTC, joint codes paired two at a time for
 * discrete DTC and TSE), and cs_mv_multiplets runs the multiplet plan (the
 * shape cs_mv_multiplet_opts: orders, top-K, limits, part) against the
 * estimator, with sub-multiplet entropies shared through a table. The
 * queries only read the estimator: several threads may query it at once.
 * Which estimators and options serve tc..tse is the measure table
 * (cogscope/measure.h).
 *
 * Example (all O-information triplets to quintuplets, 10 most synergistic):
 *   cs_estimator_params p;
 *   cs_estimator_params_default(CS_EST_GAUSSIAN, &p);
 *   cs_estimator *e;
 *   if (cs_mv_estimator_create(&p, data, NULL, &e)) { ...cs_last_error()... }
 *   cs_mv_multiplet_opts o;
 *   cs_mv_multiplet_opts_default(&o);
 *   o.order_min = 3; o.order_max = 5; o.top_k = 10;
 *   cs_mv_estimate est;
 *   if (cs_mv_multiplets_check(e, CS_MV_OINFO, &o, &est)) { ...over the limit... }
 *   cs_mv_hit low[10], high[10];
 *   size_t nlow, nhigh;
 *   cs_mv_multiplets(e, CS_MV_OINFO, &o, NULL, low, &nlow, high, &nhigh);
 *   size_t vars[5];
 *   cs_mv_combination_unrank(low[0].rank, low[0].order, cs_estimator_columns(e), vars);
 *   cs_estimator_destroy(e);
 */
#ifndef COGSCOPE_MULTIVARIATE_H
#define COGSCOPE_MULTIVARIATE_H

#include "cogscope/core.h"
#include "cogscope/discrete.h"
#include "cogscope/estimator.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CS_MV_TC = 0, CS_MV_DTC, CS_MV_OINFO, CS_MV_SINFO, CS_MV_TSE, CS_MV_MEASURE_COUNT } cs_mv_measure;

/* "tc", "dtc", "oinfo", "sinfo", "tse"; NULL for an unknown value. */
const char *cs_mv_measure_name(cs_mv_measure m);

/* The inverse of cs_mv_measure_name; CS_EINVAL for an unknown name. */
cs_status cs_mv_measure_parse(const char *name, cs_mv_measure *out);

/* `labels` (all create functions): NULL, or n numbers naming the variables in
 * error messages (e.g. the caller's column numbers); copied. */

/* Prepare estimator p->estimator (discrete, gaussian or gcopula; its options
 * as cogscope/estimator.h) on the columns of `data` (N x n; copied once).
 * gaussian/gcopula: N >= 2; the covariance is the maximum-likelihood one
 * (divisor N; the measures do not depend on the divisor); with the bias
 * correction (p->bias_correct, default on for gcopula) every entropy of
 * dimension d is lowered by cs_gaussian_entropy_bias(d, N, 0), so queries
 * need d < N. Positive definiteness is checked per query, not here.
 * discrete: columns are symbols (or binned with p->bins); miller_madow adds
 * (K - 1)/(2N) to every entropy, K = occupied joint symbols; joint symbols
 * are renumbered densely (cs_discrete_joint), so any joint alphabet is
 * handled in O(N) memory. Errors: CS_EINVAL (an estimator the measures do not
 * take, a bad option, a constant column for gaussian/gcopula, named),
 * CS_ESHAPE (no columns, N < 2), CS_ENONFINITE (names row and column),
 * CS_ENOMEM. Destroy with cs_estimator_destroy; cs_estimator_columns is n,
 * cs_estimator_rows N. */
cs_status cs_mv_estimator_create(const cs_estimator_params *p, cs_matrix data, const size_t *labels,
                                 cs_estimator **out);

/* The gaussian estimator on an exact covariance `cov` (n x n, row-major,
 * leading dimension ld >= n; copied), e.g. of an analytic system (rows 0).
 * Errors: CS_ESHAPE (n = 0), CS_ENONFINITE, CS_EINVAL (not symmetric to
 * 1e-12 relative), CS_ESINGULAR (not positive definite, naming the variable). */
cs_status cs_mv_estimator_create_cov(const double *cov, size_t n, size_t ld, const size_t *labels,
                                     cs_estimator **out);

/* The discrete estimator on integer-coded columns already made (copied; see
 * cogscope/discrete.h, cs_discrete_from_matrix or cs_discrete_bin).
 * Errors: CS_ESHAPE (no rows or columns), CS_ENOMEM. */
cs_status cs_mv_estimator_create_symbols(const cs_symbols *s, int miller_madow, const size_t *labels,
                                         cs_estimator **out);

/* Entropy (nats) of the variables vars[0..m) (column indices of e,
 * distinct), m >= 1, with e's bias correction. e: prepared by
 * cs_mv_estimator_create* (CS_EINVAL otherwise), as for every function below. */
cs_status cs_mv_entropy(const cs_estimator *e, const size_t *vars, size_t m, double *h);

/* One measure of the set vars[0..m) (distinct column indices, 2 <= m <= n).
 * TSE needs the entropies of all 2^m - 1 subsets and is refused (CS_ELIMIT)
 * for m > CS_MV_TSE_MAX_VARS. Errors: CS_EINVAL (m < 2, an index out of
 * range or repeated), CS_ESINGULAR (Gaussian sub-block not positive
 * definite), CS_ELIMIT (TSE too large), CS_ESHAPE (bias correction with
 * m >= N), CS_ENOMEM. */
cs_status cs_mv_compute(const cs_estimator *e, cs_mv_measure measure, const size_t *vars, size_t m, double *value);

#define CS_MV_TSE_MAX_VARS 24

/* ---- all multiplets -------------------------------------------------------
 * Multiplets of order k are the C(n, k) k-subsets of the estimator's columns, in
 * lexicographic order of their sorted indices; rank r of order k is the r-th
 * of them (0-based). All values are laid out order by order (orders
 * order_min..order_max ascending), each order's values by rank. */

typedef struct {
    size_t order_min, order_max; /* 2 <= order_min <= order_max <= n */
    size_t top_k;                /* 0: every value; > 0: only the top_k lowest and highest */
    int threads;                 /* OpenMP threads; <= 0 = all cores */
    uint64_t max_count;          /* refuse more multiplets than this (CS_ELIMIT) */
    uint64_t max_bytes;          /* refuse when the values + shared entropy table need more */
    /* A share of the work (distributed runs, docs/distributed.md): part p of
     * `parts` evaluates, of each order, the ranks cs_mv_part_range gives;
     * values and top-K lists then cover that share only. parts <= 1: all. */
    size_t part, parts;
} cs_mv_multiplet_opts;

/* Part p of `parts` of `total` items: [*first, *first + *count) with
 * first = floor(p total / parts). parts <= 1: all of them. */
void cs_mv_part_range(uint64_t total, size_t part, size_t parts, uint64_t *first, uint64_t *count);

#define CS_MV_DEFAULT_MAX_COUNT (UINT64_C(100000000))
#define CS_MV_DEFAULT_MAX_BYTES (UINT64_C(1) << 31)

/* Orders 3..3, every value, all cores, the default limits above. */
void cs_mv_multiplet_opts_default(cs_mv_multiplet_opts *o);

typedef struct {
    uint64_t count; /* multiplets over all orders */
    uint64_t bytes; /* memory the run needs: values (unless top_k) + entropy table */
    double seconds; /* rough single-thread time, from a per-multiplet cost model */
} cs_mv_estimate;

/* Count the multiplets and estimate the time and memory of a run, without
 * running it. Fails with CS_ELIMIT, and a message giving the count and the
 * estimates, when the count exceeds o->max_count or the memory o->max_bytes;
 * `est` is filled in either case. CS_EINVAL for orders outside 2..n. */
cs_status cs_mv_multiplets_check(const cs_estimator *e, cs_mv_measure measure, const cs_mv_multiplet_opts *o,
                                 cs_mv_estimate *est);

/* One multiplet in a top-K list. */
typedef struct {
    double value;  /* nats */
    size_t order;  /* k */
    uint64_t rank; /* lexicographic rank among the C(n, k) k-subsets */
} cs_mv_hit;

/* Evaluate `measure` on every multiplet of orders o->order_min..order_max
 * (after cs_mv_multiplets_check's test, repeated here).
 *   values: NULL, or est.count doubles, laid out as described above;
 *   lowest/highest: NULL, or o->top_k hits each, sorted (lowest ascending,
 *     highest descending); *nlow / *nhigh receive min(top_k, count).
 *     Ties are broken by (order, rank), so the lists are deterministic.
 * The multiplets are shared out among o->threads OpenMP threads; each value is
 * computed by one thread from the same inputs, so results are bit-identical
 * for any thread count. Errors: as cs_mv_multiplets_check (and the TSE
 * order limit CS_MV_TSE_MAX_VARS), CS_ESHAPE (bias correction with an order
 * >= N), CS_ESINGULAR (a multiplet's covariance sub-block is singular, named),
 * CS_ENOMEM. */
cs_status cs_mv_multiplets(const cs_estimator *e, cs_mv_measure measure, const cs_mv_multiplet_opts *o,
                           double *values, cs_mv_hit *lowest, size_t *nlow, cs_mv_hit *highest, size_t *nhigh);

/* Sort hits into a top-K list's order (highest = 0: ascending value;
 * 1: descending), ties by (order, rank): merging the lists of several parts
 * and keeping the first top_k gives exactly the list of the whole run. */
void cs_mv_hits_sort(cs_mv_hit *hits, size_t n, int highest);

/* C(n, k) (UINT64_MAX when it does not fit in 64 bits). */
uint64_t cs_mv_binomial(size_t n, size_t k);

/* The k sorted indices (in 0..n-1) of the rank-th k-subset of n, into comb[k].
 * CS_EINVAL when rank >= C(n, k). */
cs_status cs_mv_combination_unrank(uint64_t rank, size_t k, size_t n, size_t *comb);

/* Advance comb[0..k) to the next k-subset of n in lexicographic order;
 * returns 0 after the last one (comb is then left unchanged). */
int cs_mv_combination_next(size_t *comb, size_t k, size_t n);

#ifdef __cplusplus
}
#endif
#endif
