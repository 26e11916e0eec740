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
 * Life cycle (plan then execute): cs_mv_plan_create_* does the expensive,
 * shared work once (the global covariance by one BLAS dsyrk and the
 * single-variable terms; or the symbols and single entropies of discrete
 * data). cs_mv_compute then evaluates one set of the plan's
 * variables, and cs_mv_multiplets every multiplet of orders m..M, each from a
 * small Cholesky of the covariance sub-block (Gaussian) or joint-symbol counts
 * (discrete), with sub-multiplet entropies shared through a table instead of
 * recomputed. A plan is immutable after creation: several threads may query
 * it at once.
 *
 * Example (all O-information triplets to quintuplets, 10 most synergistic):
 *   cs_mv_plan *plan;
 *   if (cs_mv_plan_create_gaussian(data, CS_MV_GAUSSIAN, 0, NULL, &plan)) { ...cs_last_error()... }
 *   cs_mv_multiplet_opts o;
 *   cs_mv_multiplet_opts_default(&o);
 *   o.order_min = 3; o.order_max = 5; o.top_k = 10;
 *   cs_mv_estimate est;
 *   if (cs_mv_multiplets_check(plan, CS_MV_OINFO, &o, &est)) { ...over the limit... }
 *   cs_mv_hit low[10], high[10];
 *   size_t nlow, nhigh;
 *   cs_mv_multiplets(plan, CS_MV_OINFO, &o, NULL, low, &nlow, high, &nhigh);
 *   size_t vars[5];
 *   cs_mv_combination_unrank(low[0].rank, low[0].order, cs_mv_plan_nvars(plan), vars);
 *   cs_mv_plan_destroy(plan);
 */
#ifndef COGSCOPE_MULTIVARIATE_H
#define COGSCOPE_MULTIVARIATE_H

#include "cogscope/core.h"
#include "cogscope/discrete.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CS_MV_TC = 0, CS_MV_DTC, CS_MV_OINFO, CS_MV_SINFO, CS_MV_TSE, CS_MV_MEASURE_COUNT } cs_mv_measure;

/* "tc", "dtc", "oinfo", "sinfo", "tse"; NULL for an unknown value. */
const char *cs_mv_measure_name(cs_mv_measure m);

/* The inverse of cs_mv_measure_name; CS_EINVAL for an unknown name. */
cs_status cs_mv_measure_parse(const char *name, cs_mv_measure *out);

typedef enum { CS_MV_GAUSSIAN = 0, CS_MV_GCOPULA = 1 } cs_mv_gaussian_kind;

typedef struct cs_mv_plan cs_mv_plan;

/* `labels` (all create functions): NULL, or n numbers naming the variables in
 * error messages (e.g. the caller's column numbers); copied. */

/* Plan Gaussian (kind CS_MV_GAUSSIAN) or Gaussian-copula (CS_MV_GCOPULA)
 * estimates over the columns of `data` (N x n, N >= 2, n >= 1; not kept).
 * The covariance (maximum likelihood, divisor N, as cogscope/gaussian.h's
 * measure layer; the measures here do not depend on the divisor) is computed
 * once by one dsyrk. bias_correct: lower every entropy of dimension d by the
 * analytic bias cs_gaussian_entropy_bias(d, N, 0); queries then need d < N.
 * Positive definiteness is checked per query, not here, so that multiplets
 * stay usable when N is below the number of variables.
 * Errors: CS_ESHAPE (no columns, N < 2), CS_ENONFINITE (names row and column),
 * CS_EINVAL (a constant column, named), CS_ENOMEM. */
cs_status cs_mv_plan_create_gaussian(cs_matrix data, cs_mv_gaussian_kind kind, int bias_correct, const size_t *labels,
                                     cs_mv_plan **out);

/* Plan exact Gaussian values from a covariance matrix `cov` (n x n, row-major,
 * leading dimension ld >= n; copied), e.g. of an analytic system.
 * Errors: CS_ESHAPE (n = 0), CS_ENONFINITE, CS_EINVAL (not symmetric to
 * 1e-12 relative), CS_ESINGULAR (not positive definite, naming the variable). */
cs_status cs_mv_plan_create_cov(const double *cov, size_t n, size_t ld, const size_t *labels, cs_mv_plan **out);

/* Plan discrete estimates over the integer-coded columns of `s` (copied; see
 * cogscope/discrete.h, e.g. cs_discrete_from_matrix or cs_discrete_bin).
 * miller_madow: add (K - 1)/(2N) to every entropy, K = occupied joint symbols.
 * Joint symbols never overflow nor need memory beyond O(N): occurring
 * combinations are renumbered densely (cs_discrete_joint), so any joint
 * alphabet, even one whose size exceeds 2^64, is handled.
 * Errors: CS_ESHAPE (no rows or columns), CS_ENOMEM. */
cs_status cs_mv_plan_create_discrete(const cs_symbols *s, int miller_madow, const size_t *labels, cs_mv_plan **out);

void cs_mv_plan_destroy(cs_mv_plan *plan); /* NULL is fine */

/* Number of variables n of the plan. */
size_t cs_mv_plan_nvars(const cs_mv_plan *plan);

/* Number of samples the plan was made from (0 for an exact covariance). */
size_t cs_mv_plan_nsamples(const cs_mv_plan *plan);

/* Entropy (nats) of the variables vars[0..m) (indices into the plan's
 * variables, distinct), m >= 1, with the plan's bias correction. */
cs_status cs_mv_entropy(const cs_mv_plan *plan, const size_t *vars, size_t m, double *h);

/* One measure of the set vars[0..m) (distinct plan indices, 2 <= m <= n).
 * TSE needs the entropies of all 2^m - 1 subsets and is refused (CS_ELIMIT)
 * for m > CS_MV_TSE_MAX_VARS. Errors: CS_EINVAL (m < 2, an index out of
 * range or repeated), CS_ESINGULAR (Gaussian sub-block not positive
 * definite), CS_ELIMIT (TSE too large), CS_ESHAPE (bias correction with
 * m >= N), CS_ENOMEM. */
cs_status cs_mv_compute(const cs_mv_plan *plan, cs_mv_measure measure, const size_t *vars, size_t m, double *value);

#define CS_MV_TSE_MAX_VARS 24

/* ---- all multiplets -------------------------------------------------------
 * Multiplets of order k are the C(n, k) k-subsets of the plan's variables, in
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
cs_status cs_mv_multiplets_check(const cs_mv_plan *plan, cs_mv_measure measure, const cs_mv_multiplet_opts *o,
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
cs_status cs_mv_multiplets(const cs_mv_plan *plan, cs_mv_measure measure, const cs_mv_multiplet_opts *o,
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
