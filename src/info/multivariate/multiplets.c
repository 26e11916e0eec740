/* All multiplets of orders m..M: counting and limits, the shared
 * sub-multiplet entropy table, the OpenMP scan and top-K selection (API in
 * cogscope/multivariate.h). Uses the measures' kernels (multivariate.c) and the
 * subset enumeration (subsets.c); neither calls back here. */
#include "multivariate_impl.h"
#include "../par_error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Ranks per unit of parallel work: about 16 blocks per thread, so dynamic
 * scheduling balances the load, but at least 64 (unranking a block's first
 * combination costs O(n k)) and at most 4096. */
static uint64_t block_size(uint64_t total, int threads)
{
    uint64_t b = total / (16 * (uint64_t)threads);
    return b < 64 ? 64 : b > 4096 ? 4096 : b;
}

void cs_mv_multiplet_opts_default(cs_mv_multiplet_opts *o)
{
    o->order_min = 3;
    o->order_max = 3;
    o->top_k = 0;
    o->threads = 0;
    o->max_count = CS_MV_DEFAULT_MAX_COUNT;
    o->max_bytes = CS_MV_DEFAULT_MAX_BYTES;
    o->part = 0;
    o->parts = 1;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static uint64_t sat_mul(uint64_t a, uint64_t b) { return (b && a > UINT64_MAX / b) ? UINT64_MAX : a * b; }

/* ---- what a run needs -------------------------------------------------------- */

/* Levels lo..hi (lo >= 2) of the sub-multiplet entropy table; empty if lo > hi.
 * Level 1 is the estimator's h1. Gaussian TC/DTC/O/S need no table (one Cholesky
 * gives every leave-one-out entropy); discrete DTC/O/S read the (k-1)-subsets;
 * TSE reads every proper subset. */
static void table_levels(const mv_data *p, cs_mv_measure meas, size_t kmin, size_t kmax, size_t *lo, size_t *hi)
{
    *lo = 2;
    *hi = kmax - 1;
    if (meas == CS_MV_TSE)
        return;
    if (p->kind == MV_GAUSS || meas == CS_MV_TC) {
        *lo = 1;
        *hi = 0;
        return;
    }
    *lo = kmin - 1 > 2 ? kmin - 1 : 2;
}

/* Rough single-thread cost of one entropy of k variables (seconds), for the
 * estimate in messages: Gaussian, a k x k Cholesky; discrete, joint symbols
 * of N samples. Constants measured on the development machine (bench/). */
static double cost_entropy(const mv_data *p, size_t k)
{
    double kk = (double)k;
    if (p->kind == MV_GAUSS)
        return 60e-9 + 1.0e-9 * kk * kk * kk;
    return (double)p->nsamples * (2e-9 + 1e-9 * kk);
}

static double cost_multiplet(const mv_data *p, cs_mv_measure meas, size_t k)
{
    double kk = (double)k;
    if (meas == CS_MV_TSE)
        return cost_entropy(p, k) + ldexp(1.0, (int)(k < 60 ? k : 60)) * kk * 2e-9;
    if (p->kind == MV_GAUSS)
        return 250e-9 + 1.0e-9 * kk * kk * kk;
    return cost_entropy(p, k); /* the leave-one-out entropies come from the table */
}

static void human_bytes(uint64_t b, char *buf, size_t len)
{
    if (b >= (UINT64_C(1) << 30))
        snprintf(buf, len, "%.1f GiB", (double)b / (double)(UINT64_C(1) << 30));
    else if (b >= (UINT64_C(1) << 20))
        snprintf(buf, len, "%.1f MiB", (double)b / (double)(UINT64_C(1) << 20));
    else
        snprintf(buf, len, "%.1f KiB", (double)b / 1024.0);
}

/* The check of cs_mv_multiplets_check on the view p. */
static cs_status multiplets_check(const mv_data *p, cs_mv_measure meas, const cs_mv_multiplet_opts *o,
                                  cs_mv_estimate *est)
{
    memset(est, 0, sizeof *est);
    if ((unsigned)meas >= CS_MV_MEASURE_COUNT)
        return cs_error_set(CS_EINVAL, "unknown multivariate measure %d", (int)meas);
    size_t n = p->n, kmin = o->order_min, kmax = o->order_max;
    if (kmin < 2)
        return cs_error_set(CS_EINVAL,
                            "multiplet order %zu is below 2: %s needs at least 2 "
                            "variables",
                            kmin, cs_mv_measure_name(meas));
    if (kmin > kmax)
        return cs_error_set(CS_EINVAL, "multiplet orders %zu-%zu: the first exceeds the last", kmin, kmax);
    if (kmax > n)
        return cs_error_set(CS_EINVAL,
                            "multiplet order %zu is larger than the number of "
                            "variables (%zu)",
                            kmax, n);
    uint64_t count = 0, table = 0;
    double seconds = 0;
    for (size_t k = kmin; k <= kmax; k++) {
        uint64_t c = cs_mv_binomial(n, k);
        count = sat_add(count, c);
        seconds += (double)c * cost_multiplet(p, meas, k);
    }
    size_t lo, hi;
    table_levels(p, meas, kmin, kmax, &lo, &hi);
    for (size_t j = lo; j <= hi; j++) {
        uint64_t c = cs_mv_binomial(n, j);
        table = sat_add(table, c);
        seconds += (double)c * cost_entropy(p, j);
    }
    int threads = cs_threads_resolve(o->threads);
    uint64_t keep = o->top_k < count ? o->top_k : count;
    uint64_t bytes = sat_mul(table, sizeof(double));
    bytes = sat_add(bytes, o->top_k ? sat_mul(keep, 2 * sizeof(cs_mv_hit) * (uint64_t)(threads + 1))
                                    : sat_mul(count, sizeof(double)));
    est->count = count;
    est->bytes = bytes;
    est->seconds = seconds;
    uint64_t max_count = o->max_count ? o->max_count : CS_MV_DEFAULT_MAX_COUNT;
    uint64_t max_bytes = o->max_bytes ? o->max_bytes : CS_MV_DEFAULT_MAX_BYTES;
    char mem[32], lim[32];
    human_bytes(bytes, mem, sizeof mem);
    human_bytes(max_bytes, lim, sizeof lim);
    if (count > max_count)
        return cs_error_set(CS_ELIMIT,
                            "%llu multiplets of orders %zu-%zu of %zu variables exceed the limit of "
                            "%llu; they would take about %.3g s on one thread and %s of memory",
                            (unsigned long long)count, kmin, kmax, n, (unsigned long long)max_count, seconds, mem);
    if (bytes > max_bytes)
        return cs_error_set(CS_ELIMIT,
                            "%llu multiplets of orders %zu-%zu of %zu variables need about %s of "
                            "memory%s, more than the limit of %s (about %.3g s on one thread)",
                            (unsigned long long)count, kmin, kmax, n, mem, o->top_k ? "" : " to return every value",
                            lim, seconds);
    return CS_OK;
}

cs_status cs_mv_multiplets_check(const cs_estimator *e, cs_mv_measure meas, const cs_mv_multiplet_opts *o,
                                 cs_mv_estimate *est)
{
    mv_data p;
    memset(est, 0, sizeof *est);
    cs_status st = mv_data_of(e, &p);
    return st ? st : multiplets_check(&p, meas, o, est);
}

/* ---- top-K heaps ----------------------------------------------------------------- */

/* The order of a list: by value (ascending for `lowest`, descending for
 * `highest`), then by (order, rank) — a strict total order, so the top K of
 * any set of hits is unique and the merge of per-thread heaps is deterministic. */
static inline int hit_before(const cs_mv_hit *a, const cs_mv_hit *b, int high)
{
    if (a->value != b->value)
        return high ? a->value > b->value : a->value < b->value;
    if (a->order != b->order)
        return a->order < b->order;
    return a->rank < b->rank;
}

typedef struct {
    cs_mv_hit *h;
    size_t n, cap;
    int high;
} heap;

/* h[0] is the last kept hit in the list's order (the first to drop). */
static void heap_sift_down(heap *q, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < q->n && hit_before(&q->h[w], &q->h[l], q->high))
            w = l;
        if (r < q->n && hit_before(&q->h[w], &q->h[r], q->high))
            w = r;
        if (w == i)
            return;
        cs_mv_hit t = q->h[i];
        q->h[i] = q->h[w];
        q->h[w] = t;
        i = w;
    }
}

static void heap_offer(heap *q, const cs_mv_hit *x)
{
    if (q->cap == 0)
        return;
    if (q->n < q->cap) {
        size_t i = q->n++;
        q->h[i] = *x;
        while (i > 0) {
            size_t parent = (i - 1) / 2;
            if (!hit_before(&q->h[parent], &q->h[i], q->high))
                break;
            cs_mv_hit t = q->h[i];
            q->h[i] = q->h[parent];
            q->h[parent] = t;
            i = parent;
        }
        return;
    }
    if (hit_before(x, &q->h[0], q->high)) {
        q->h[0] = *x;
        heap_sift_down(q, 0);
    }
}

static int cmp_low(const void *a, const void *b) { return hit_before(a, b, 0) ? -1 : hit_before(b, a, 0) ? 1 : 0; }

static int cmp_high(const void *a, const void *b) { return hit_before(a, b, 1) ? -1 : hit_before(b, a, 1) ? 1 : 0; }

void cs_mv_hits_sort(cs_mv_hit *hits, size_t n, int highest)
{
    if (n > 1)
        qsort(hits, n, sizeof *hits, highest ? cmp_high : cmp_low);
}

/* ---- the scan -------------------------------------------------------------------- */

typedef struct {
    const mv_data *p;
    cs_mv_measure meas;
    size_t kmax;
    uint64_t *B;         /* B[v * (kmax + 1) + j] = C(v, j), v = 0..n, j = 0..kmax */
    double *tab;         /* sub-multiplet entropies, level by level, by colex rank */
    uint64_t *level_off; /* kmax entries; offset of level j in tab (levels lo..hi) */
} scan;

static inline uint64_t binom_at(const scan *s, size_t v, size_t j) { return s->B[v * (s->kmax + 1) + j]; }

/* Colex rank of the sorted set T[0..k): sum_i C(T_i, i + 1), a bijection of
 * the k-subsets of n onto 0..C(n,k)-1 that needs no n. */
static inline uint64_t colex_rank(const scan *s, const size_t *T, size_t k)
{
    uint64_t r = 0;
    for (size_t i = 0; i < k; i++)
        r += binom_at(s, T[i], i + 1);
    return r;
}

/* Entropy of the sorted subset T[0..k) from the table (k >= 2) or h1 (k = 1). */
static inline double table_h(const scan *s, const size_t *T, size_t k)
{
    if (k == 1)
        return s->p->h1[T[0]];
    return s->tab[s->level_off[k] + colex_rank(s, T, k)];
}

/* One multiplet's value. S sorted, k = |S|. */
static cs_status multiplet_value(const scan *s, const size_t *S, size_t k, mv_ws *ws, double *out)
{
    const mv_data *p = s->p;
    double tc, dtc, hs;
    cs_status st;
    if (s->meas != CS_MV_TSE && p->kind == MV_GAUSS) {
        if ((st = mv_gauss_tc_dtc(p, S, k, ws, &tc, &dtc)))
            return st;
        *out = mv_from_tc_dtc(s->meas, tc, dtc);
        return CS_OK;
    }
    if ((st = mv_entropy(p, S, k, ws, &hs)))
        return st;
    if (s->meas == CS_MV_TSE) {
        double level[CS_MV_TSE_MAX_VARS + 1] = {0};
        uint32_t full = (uint32_t)((UINT64_C(1) << k) - 1);
        for (uint32_t mask = 1; mask < full; mask++) {
            size_t j = 0;
            for (size_t i = 0; i < k; i++)
                if (mask >> i & 1)
                    ws->idx[j++] = S[i];
            level[j] += table_h(s, ws->idx, j);
        }
        *out = mv_tse_of(level, k, hs);
        return CS_OK;
    }
    double sum1 = 0;
    for (size_t i = 0; i < k; i++)
        sum1 += p->h1[S[i]];
    tc = mv_tc_of(sum1, hs);
    if (s->meas == CS_MV_TC) {
        *out = tc;
        return CS_OK;
    }
    double sum_loo = 0;
    for (size_t i = 0; i < k; i++) {
        size_t j = 0;
        for (size_t a = 0; a < k; a++)
            if (a != i)
                ws->idx[j++] = S[a];
        sum_loo += table_h(s, ws->idx, k - 1);
    }
    dtc = mv_dtc_of(sum_loo, k, hs);
    *out = mv_from_tc_dtc(s->meas, tc, dtc);
    return CS_OK;
}

/* Fill level j of the table: entropies of every j-subset, stored by colex rank. */
static void fill_level(const scan *s, size_t j, int threads, par_error *f)
{
    const mv_data *p = s->p;
    size_t n = p->n;
    uint64_t total = cs_mv_binomial(n, j), bs = block_size(total, threads);
    uint64_t nblocks = (total + bs - 1) / bs;
    double *dst = s->tab + s->level_off[j];
#pragma omp parallel num_threads(threads)
    {
        mv_ws ws;
        size_t *T = malloc(j * sizeof *T);
        cs_status st = mv_ws_init(&ws, j);
        if (!st && !T)
            st = cs_error_set(CS_ENOMEM, "out of memory for the entropy table");
        if (st)
            par_error_record(f, st);
#pragma omp for schedule(dynamic, 1)
        for (uint64_t b = 0; b < nblocks; b++) {
            if (st || par_error_seen(f))
                continue;
            uint64_t r0 = b * bs, r1 = r0 + bs < total ? r0 + bs : total;
            cs_mv_combination_unrank(r0, j, n, T);
            for (uint64_t r = r0; r < r1; r++) {
                double h;
                cs_status e = mv_entropy(p, T, j, &ws, &h);
                if (e) {
                    par_error_record(f, e);
                    break;
                }
                dst[colex_rank(s, T, j)] = h;
                cs_mv_combination_next(T, j, n);
            }
        }
        free(T);
        mv_ws_free(&ws);
    }
}

/* Every multiplet of orders o->order_min..order_max of this part, shared out
 * among `threads` OpenMP threads: values (when not NULL) by rank, and the
 * per-thread top-K heaps merged into glow / ghigh. The first failure goes
 * to f. */
static void scan_orders(const scan *s, const cs_mv_multiplet_opts *o, int threads, double *values, heap *glow,
                        heap *ghigh, par_error *f)
{
    size_t n = s->p->n, kmin = o->order_min, kmax = o->order_max;
#pragma omp parallel num_threads(threads) if (!f->failed)
    {
        mv_ws ws;
        size_t *S = malloc(kmax * sizeof *S);
        heap tlow = {NULL, 0, glow->cap, 0}, thigh = {NULL, 0, ghigh->cap, 1};
        cs_status ts = mv_ws_init(&ws, kmax);
        if (tlow.cap)
            tlow.h = malloc(tlow.cap * sizeof *tlow.h);
        if (thigh.cap)
            thigh.h = malloc(thigh.cap * sizeof *thigh.h);
        if (!ts && (!S || (tlow.cap && !tlow.h) || (thigh.cap && !thigh.h)))
            ts = cs_error_set(CS_ENOMEM, "out of memory for a thread's multiplet scratch");
        if (ts)
            par_error_record(f, ts);
        uint64_t off = 0;
        for (size_t k = kmin; k <= kmax; k++) {
            /* this part's ranks [first, first + total) of the order */
            uint64_t first, total;
            cs_mv_part_range(cs_mv_binomial(n, k), o->part, o->parts, &first, &total);
            uint64_t bs = block_size(total, threads);
            uint64_t nblocks = (total + bs - 1) / bs;
            /* nowait: orders write disjoint ranges, so a thread done with one
             * order starts on the next without a barrier */
#pragma omp for schedule(dynamic, 1) nowait
            for (uint64_t b = 0; b < nblocks; b++) {
                if (ts || par_error_seen(f))
                    continue;
                uint64_t r0 = b * bs, r1 = r0 + bs < total ? r0 + bs : total;
                cs_mv_combination_unrank(first + r0, k, n, S);
                for (uint64_t r = r0; r < r1; r++) {
                    cs_mv_hit hit = {0, k, first + r};
                    cs_status e = multiplet_value(s, S, k, &ws, &hit.value);
                    if (e) {
                        par_error_record(f, e);
                        break;
                    }
                    if (values)
                        values[off + r] = hit.value;
                    heap_offer(&tlow, &hit);
                    heap_offer(&thigh, &hit);
                    cs_mv_combination_next(S, k, n);
                }
            }
            off += total;
        }
#pragma omp critical(cs_mv_merge)
        {
            for (size_t i = 0; i < tlow.n; i++)
                heap_offer(glow, &tlow.h[i]);
            for (size_t i = 0; i < thigh.n; i++)
                heap_offer(ghigh, &thigh.h[i]);
        }
        free(tlow.h);
        free(thigh.h);
        free(S);
        mv_ws_free(&ws);
    }
}

cs_status cs_mv_multiplets(const cs_estimator *e, cs_mv_measure meas, const cs_mv_multiplet_opts *o, double *values,
                           cs_mv_hit *lowest, size_t *nlow, cs_mv_hit *highest, size_t *nhigh)
{
    cs_mv_estimate est;
    mv_data d, *p = &d;
    cs_status st = mv_data_of(e, p);
    if (st || (st = multiplets_check(p, meas, o, &est)))
        return st;
    size_t n = p->n, kmin = o->order_min, kmax = o->order_max;
    if (meas == CS_MV_TSE && kmax > CS_MV_TSE_MAX_VARS)
        return cs_error_set(CS_ELIMIT,
                            "TSE multiplets of order %zu need 2^%zu subset entropies "
                            "each; the limit is order %d",
                            kmax, kmax, CS_MV_TSE_MAX_VARS);
    if (p->bias_correct && kmax >= p->nsamples)
        return cs_error_set(CS_ESHAPE,
                            "the Gaussian bias correction of %zu-variable entropies "
                            "needs more than %zu samples (got %zu)",
                            kmax, kmax, p->nsamples);
    int threads = cs_threads_resolve(o->threads);
    size_t keep = (size_t)(o->top_k < est.count ? o->top_k : est.count);
    if (o->parts > 1 && o->part >= o->parts)
        return cs_error_set(CS_EINVAL, "multiplets: part %zu of %zu does not exist", o->part, o->parts);

    scan s = {p, meas, kmax, NULL, NULL, NULL};
    size_t lo, hi;
    table_levels(p, meas, kmin, kmax, &lo, &hi);
    s.B = malloc((n + 1) * (kmax + 1) * sizeof *s.B);
    s.level_off = calloc(kmax + 1, sizeof *s.level_off);
    uint64_t entries = 0;
    for (size_t j = lo; j <= hi; j++) {
        s.level_off[j] = entries;
        entries += cs_mv_binomial(n, j);
    }
    s.tab = malloc((entries ? entries : 1) * sizeof *s.tab);
    heap glow = {lowest && keep ? malloc(keep * sizeof(cs_mv_hit)) : NULL, 0, lowest ? keep : 0, 0};
    heap ghigh = {highest && keep ? malloc(keep * sizeof(cs_mv_hit)) : NULL, 0, highest ? keep : 0, 1};
    if (!s.B || !s.level_off || !s.tab || (glow.cap && !glow.h) || (ghigh.cap && !ghigh.h)) {
        st = cs_error_set(CS_ENOMEM, "out of memory for %llu table entries", (unsigned long long)entries);
        goto done;
    }
    for (size_t v = 0; v <= n; v++)
        for (size_t j = 0; j <= kmax; j++)
            s.B[v * (kmax + 1) + j] = cs_mv_binomial(v, j);

    par_error f = PAR_ERROR_INIT;
    for (size_t j = lo; j <= hi && !f.failed; j++)
        fill_level(&s, j, threads, &f);

    scan_orders(&s, o, threads, values, &glow, &ghigh, &f);
    if ((st = par_error_raise(&f)))
        goto done;
    if (lowest && glow.n) {
        qsort(glow.h, glow.n, sizeof *glow.h, cmp_low);
        memcpy(lowest, glow.h, glow.n * sizeof *glow.h);
    }
    if (highest && ghigh.n) {
        qsort(ghigh.h, ghigh.n, sizeof *ghigh.h, cmp_high);
        memcpy(highest, ghigh.h, ghigh.n * sizeof *ghigh.h);
    }
    if (nlow)
        *nlow = lowest ? glow.n : 0;
    if (nhigh)
        *nhigh = highest ? ghigh.n : 0;
done:
    free(s.B);
    free(s.level_off);
    free(s.tab);
    free(glow.h);
    free(ghigh.h);
    return st;
}
