/* KSG counting: the marginal spaces (sorted arrays, kd-tree range counts)
 * and the per-row KSG-1/KSG-2 estimate with its exclusions (self, Theiler
 * window), run over the rows in parallel (the conventions are in ksg.c and
 * cogscope/ksg.h). */
#include <gsl/gsl_sf_psi.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "ksg_internal.h"
#include "../par_error.h"

/* ---- marginal spaces ---------------------------------------------------- */

/* Sort v[0..n) into sorted[] and record rank[i] = position of v[i]: an LSD
 * radix sort (11-bit digits) on order-preserving integer images of the
 * doubles, stable, so equal values keep row order. */
static cs_status sort_values(const double *v, size_t n, double *sorted, size_t *rank)
{
    enum { BITS = 11, BUCKETS = 1 << BITS };
    uint64_t *key = malloc(2 * n * sizeof *key);
    size_t *row = malloc(2 * n * sizeof *row);
    size_t *count = malloc(BUCKETS * sizeof *count);
    if (!key || !row || !count) {
        free(key);
        free(row);
        free(count);
        return cs_error_set(CS_ENOMEM, "KSG: out of memory sorting %zu values", n);
    }
    uint64_t *ka = key, *kb = key + n;
    size_t *ra = row, *rb = row + n;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &v[i], sizeof u);
        ka[i] = (u >> 63) ? ~u : (u | ((uint64_t)1 << 63));
        ra[i] = i;
    }
    for (unsigned shift = 0; shift < 64; shift += BITS) {
        memset(count, 0, BUCKETS * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(ka[i] >> shift) & (BUCKETS - 1)]++;
        if (count[(ka[0] >> shift) & (BUCKETS - 1)] == n)
            continue; /* every key has this digit: nothing to reorder */
        size_t sum = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t pos = count[(ka[i] >> shift) & (BUCKETS - 1)]++;
            kb[pos] = ka[i];
            rb[pos] = ra[i];
        }
        uint64_t *tk = ka;
        ka = kb;
        kb = tk;
        size_t *tr = ra;
        ra = rb;
        rb = tr;
    }
    for (size_t p = 0; p < n; p++) {
        sorted[p] = v[ra[p]];
        rank[ra[p]] = p;
    }
    free(key);
    free(row);
    free(count);
    return CS_OK;
}

/* Switch tree t (n points, d dimensions; searched for neighbours, or for
 * counts) to the blocked search when the estimator's choice or the measured
 * crossover asks for it. */
cs_status ksg_use_blocks(int search, kdtree *t, size_t n, size_t d, int for_count)
{
    size_t block = kdtree_block_size_for(n, d, for_count);
    if (search == CS_KSG_SEARCH_BLOCKS && block == 0)
        block = 64;
    if (search == CS_KSG_SEARCH_TREE || block == 0)
        return CS_OK;
    return kdtree_blocks_prepare(t, block);
}

void ksg_space_free(ksg_space *s)
{
    free(s->pts);
    kdtree_destroy(s->tree);
    free(s->sorted);
    free(s->rank);
    memset(s, 0, sizeof *s);
}

/* Gather columns cols[0..d) of the n x D matrix `src` into a space and build
 * its search structure. */
cs_status ksg_space_init(ksg_space *s, const double *src, size_t n, size_t D, const size_t *cols, size_t d,
                         int threads, int search)
{
    memset(s, 0, sizeof *s);
    s->d = d;
    double *pts = malloc(n * d * sizeof *pts);
    if (!pts)
        return cs_error_set(CS_ENOMEM, "KSG: out of memory for %zu x %zu points", n, d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            pts[i * d + j] = src[i * D + cols[j]];
    cs_status st;
    if (d > 1) {
        s->pts = pts;
        st = kdtree_create(s->pts, n, d, d, threads, &s->tree);
        if (st == CS_OK)
            st = ksg_use_blocks(search, s->tree, n, d, 1);
    } else {
        /* 1-D: the sorted array and ranks are all we keep */
        s->sorted = malloc(n * sizeof *s->sorted);
        s->rank = malloc(n * sizeof *s->rank);
        st = (s->sorted && s->rank) ? sort_values(pts, n, s->sorted, s->rank)
                                    : cs_error_set(CS_ENOMEM, "KSG: out of memory for %zu points", n);
        free(pts);
    }
    if (st != CS_OK)
        ksg_space_free(s);
    return st;
}

/* strict: g < r; else g <= r. Written without a branch on `strict` so the
 * searches below compile to conditional moves. */
static inline int within(double g, double r, int strict) { return (g < r) | (!strict & (g == r)); }

/* 1-D count of values v with fabs(v - v[pos]) < r (or <=), by galloping out
 * from pos, then a branch-free bisection. fl(v[p] - q) is monotone in p on
 * either side of pos, so the qualifying positions form one run around pos. */
static size_t count_sorted(const double *v, size_t n, size_t pos, double r, int strict)
{
    double q = v[pos];
    if (!within(0.0, r, strict))
        return 0;
    /* upwards: last qualifying position. lo qualifies; lo + len does not (or is n) */
    size_t lo = pos, step = 1, len;
    for (;;) {
        size_t p = lo + step;
        if (p >= n) {
            len = n - lo;
            break;
        }
        if (!within(v[p] - q, r, strict)) {
            len = step;
            break;
        }
        lo = p;
        step *= 2;
    }
    while (len > 1) {
        size_t half = len / 2;
        lo = within(v[lo + half] - q, r, strict) ? lo + half : lo;
        len -= half;
    }
    size_t up = lo;
    /* downwards, mirrored: hi qualifies; hi - len does not (or is before 0) */
    size_t hi = pos;
    step = 1;
    for (;;) {
        if (step > hi) {
            len = hi + 1;
            break;
        }
        size_t p = hi - step;
        if (!within(q - v[p], r, strict)) {
            len = step;
            break;
        }
        hi = p;
        step *= 2;
    }
    while (len > 1) {
        size_t half = len / 2;
        hi = within(q - v[hi - half], r, strict) ? hi - half : hi;
        len -= half;
    }
    return up - hi + 1;
}

/* Points of space s (all of them, nothing excluded) within r of point m. */
static inline size_t space_count(const ksg_space *s, size_t n, size_t m, const double *r, int strict)
{
    if (s->d == 1)
        return count_sorted(s->sorted, n, s->rank[m], r[0], strict);
    return kdtree_count_blocked(s->tree, s->pts + m * s->d, r, strict);
}

static inline int space_within(const ksg_space *s, size_t m1, size_t m2, const double *r, int strict)
{
    if (s->d == 1)
        return within(fabs(s->sorted[s->rank[m1]] - s->sorted[s->rank[m2]]), r[0], strict);
    const double *p = s->pts + m1 * s->d, *q = s->pts + m2 * s->d;
    for (size_t j = 0; j < s->d; j++)
        if (!within(fabs(p[j] - q[j]), r[j], strict))
            return 0;
    return 1;
}

/* ---- the per-row estimate ------------------------------------------------ */

/* Count in space s around row i, minus the excluded rows (self + window). */
static size_t count_excl(const cs_ksg *P, const ksg_space *s, const size_t *map, size_t i, const double *r,
                         int strict)
{
    size_t mi = map ? map[i] : i;
    size_t cnt = space_count(s, P->n, mi, r, strict);
    if (P->w == 0) {
        cnt -= space_within(s, mi, mi, r, strict);
    } else {
        for (size_t p = P->win_lo[i]; p < P->win_hi[i]; p++) {
            size_t j = P->by_time[p];
            cnt -= space_within(s, map ? map[j] : j, mi, r, strict);
        }
    }
    return cnt;
}

typedef struct {
    double *dist;
    size_t *idx;
    double *ra, *rb, *rc;
} ksg_scratch;

static double local_row(const cs_ksg *P, const ksg_ctx *C, size_t i, ksg_scratch *S)
{
    size_t D = P->D, dx = P->dx, dy = P->dy, dz = P->dz, k = (size_t)P->k;
    const double *q = C->joint + i * D;
    kdtree_exclusion ex = {i, P->times, P->times[i], P->w};
    /* finds k: checked at create */
    if (P->alg == 1 || !kdtree_has_blocks(C->jtree)) {
        kdtree_knn_blocked(C->jtree, q, k, &ex, S->dist, S->idx);
    } else {
        /* KSG-2 reads the neighbours themselves: with another point tied at
         * the k-th distance the fine search's choice (found first) decides,
         * as it always has; the k + 1-th neighbour tells whether one is. */
        size_t m = kdtree_knn_blocked(C->jtree, q, k + 1, &ex, S->dist, S->idx);
        if (m > k && S->dist[k] == S->dist[k - 1])
            kdtree_knn(C->jtree, q, k, &ex, S->dist, S->idx);
    }
    const double *psi = P->psi;
    if (P->alg == 1) {
        double eps = S->dist[k - 1];
        for (size_t j = 0; j < D; j++)
            S->ra[j] = S->rb[j] = S->rc[j] = eps;
        size_t na = count_excl(P, C->a, C->amap, i, S->ra, 1);
        size_t nb = count_excl(P, C->b, NULL, i, S->rb, 1);
        if (dz == 0)
            return psi[k] - psi[na + 1] - psi[nb + 1] + psi[P->n];
        size_t nc = count_excl(P, C->c, NULL, i, S->rc, 1);
        return psi[k] - psi[na + 1] - psi[nb + 1] + psi[nc + 1];
    }
    /* algorithm 2: marginal radii = the largest marginal distance among the k */
    double ex_ = 0, ey_ = 0, ez_ = 0;
    for (size_t m = 0; m < k; m++) {
        const double *p = C->joint + S->idx[m] * D;
        for (size_t j = 0; j < dx; j++) {
            double g = fabs(p[j] - q[j]);
            if (g > ex_)
                ex_ = g;
        }
        for (size_t j = dx; j < dx + dy; j++) {
            double g = fabs(p[j] - q[j]);
            if (g > ey_)
                ey_ = g;
        }
        for (size_t j = dx + dy; j < D; j++) {
            double g = fabs(p[j] - q[j]);
            if (g > ez_)
                ez_ = g;
        }
    }
    /* space a = x | z, b = y | z, c = z */
    for (size_t j = 0; j < dx; j++)
        S->ra[j] = ex_;
    for (size_t j = 0; j < dy; j++)
        S->rb[j] = ey_;
    for (size_t j = 0; j < dz; j++) {
        S->ra[dx + j] = ez_;
        S->rb[dy + j] = ez_;
        S->rc[j] = ez_;
    }
    size_t na = count_excl(P, C->a, C->amap, i, S->ra, 0);
    size_t nb = count_excl(P, C->b, NULL, i, S->rb, 0);
    double kk = (double)k;
    if (dz == 0)
        return psi[k] - 1.0 / kk - psi[na] - psi[nb] + psi[P->n];
    size_t nc = count_excl(P, C->c, NULL, i, S->rc, 0);
    return psi[k] - 2.0 / kk + psi[nc] - psi[na] + 1.0 / (double)na - psi[nb] + 1.0 / (double)nb;
}

/* Local values of context C, on nt threads: computed per internal row into
 * tmp[0..n), written to local[0..n) in the caller's row order (either buffer
 * may be NULL: a temporary), and averaged in the caller's row order, so the
 * result depends neither on the thread count nor on the internal order. */
cs_status ksg_run(const cs_ksg *P, const ksg_ctx *C, double *tmp, double *local, double *avg, int nt)
{
    size_t k = (size_t)P->k, D = P->D, n = P->n;
    double *own_t = NULL, *own_l = NULL;
    if (!tmp)
        tmp = own_t = malloc(n * sizeof *tmp);
    if (!local)
        local = own_l = malloc(n * sizeof *local);
    size_t per = k + 1 + 3 * D; /* k + 1 neighbours: see local_row */
    double *dbuf = malloc((size_t)nt * per * sizeof *dbuf);
    size_t *ibuf = malloc((size_t)nt * (k + 1) * sizeof *ibuf);
    if (!tmp || !local || !dbuf || !ibuf) {
        free(dbuf);
        free(ibuf);
        free(own_t);
        free(own_l);
        return cs_error_set(CS_ENOMEM, "KSG: out of memory for %zu local values", n);
    }
    const size_t *order = kdtree_order(C->jtree);
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        int tid = omp_get_thread_num();
        double *base = dbuf + (size_t)tid * per;
        ksg_scratch S = {base, ibuf + (size_t)tid * (k + 1), base + k + 1, base + k + 1 + D, base + k + 1 + 2 * D};
        /* queries in tree order: neighbouring queries touch the same memory */
#pragma omp for schedule(dynamic, 128)
        for (size_t q = 0; q < n; q++) {
            size_t i = order[q];
            tmp[i] = local_row(P, C, i, &S);
        }
    }
    for (size_t i = 0; i < n; i++)
        local[P->orig[i]] = tmp[i];
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += local[i];
    *avg = sum / (double)n;
    free(dbuf);
    free(ibuf);
    free(own_t);
    free(own_l);
    return CS_OK;
}
