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

#include "knn_kernels.h"
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

/* The excluded rows (self + window) of row i that lie within r of it in
 * space s: subtracted from a count over all points. */
static size_t excluded_within(const cs_ksg *P, const ksg_space *s, const size_t *map, size_t i, const double *r,
                              int strict)
{
    size_t mi = map ? map[i] : i;
    if (P->w == 0)
        return (size_t)space_within(s, mi, mi, r, strict);
    size_t cnt = 0;
    for (size_t p = P->win_lo[i]; p < P->win_hi[i]; p++) {
        size_t j = P->by_time[p];
        cnt += (size_t)space_within(s, map ? map[j] : j, mi, r, strict);
    }
    return cnt;
}

/* The estimate runs in three passes over the rows: neighbours (batches of
 * nearby rows: the points of one block of the joint tree when it has blocks,
 * else runs of KSG_RUN consecutive tree positions), then the counts of each
 * marginal space (batches: the points of one block of that space's tree, so
 * a batch's queries lie close together there too), then the values. */
#define KSG_RUN 64
#define KSG_BATCH (CS_KNN_BLOCK_MAX > KSG_RUN ? CS_KNN_BLOCK_MAX : KSG_RUN)

/* One thread's buffers for a batch. */
typedef struct {
    size_t rows[KSG_BATCH];
    const double *q[KSG_BATCH]; /* each row's point in the space being counted */
    size_t m[KSG_BATCH], cnt[KSG_BATCH];
    double *dist;               /* KSG_BATCH x (k + 1) neighbour distances ... */
    size_t *idx;                /* ... and rows */
    double *r;                  /* KSG_BATCH x D radii */
    kdtree_scratch *sj, *ss[3]; /* batched-search scratch of the joint and marginal trees (NULL: none) */
} ksg_batch;

/* What the passes hand on, per internal row. */
typedef struct {
    double *eps;  /* n x 3: the radius in the x, y and z coordinates */
    size_t *cnt;  /* n x 3: the counts in spaces a, b, c */
    size_t *arow; /* with C->amap: the row whose space-a point is m (n), else NULL */
} ksg_rows;

static void batch_free(ksg_batch *B)
{
    free(B->dist);
    free(B->idx);
    free(B->r);
    for (int s = 0; s < 3; s++)
        kdtree_scratch_destroy(B->ss[s]);
    kdtree_scratch_destroy(B->sj);
}

static cs_status batch_init(ksg_batch *B, const cs_ksg *P, const ksg_ctx *C)
{
    memset(B, 0, sizeof *B);
    size_t k1 = (size_t)P->k + 1;
    B->dist = malloc(KSG_BATCH * k1 * sizeof *B->dist);
    B->idx = malloc(KSG_BATCH * k1 * sizeof *B->idx);
    B->r = malloc(KSG_BATCH * P->D * sizeof *B->r);
    cs_status st = (B->dist && B->idx && B->r) ? CS_OK : cs_error_set(CS_ENOMEM, "KSG: out of memory for a batch");
    const ksg_space *sp[3] = {C->a, C->b, C->c};
    if (st == CS_OK && kdtree_block_count(C->jtree))
        st = kdtree_scratch_create(C->jtree, KSG_BATCH, &B->sj);
    for (int s = 0; st == CS_OK && s < 3; s++)
        if (sp[s] && sp[s]->tree && kdtree_block_count(sp[s]->tree))
            st = kdtree_scratch_create(sp[s]->tree, KSG_BATCH, &B->ss[s]);
    if (st != CS_OK)
        batch_free(B);
    return st;
}

/* The neighbours of the batch's nq rows: kk per row into B->dist / B->idx
 * (stride k + 1). Unit u is block u of a blocked joint tree (one batched
 * search), else each row is searched alone. */
static void batch_knn(const cs_ksg *P, const ksg_ctx *C, ksg_batch *B, size_t u, size_t nq, size_t kk)
{
    size_t k1 = (size_t)P->k + 1, D = P->D;
    if (B->sj) {
        /* batched results come packed with stride kk: spread them out */
        kdtree_knn_block(C->jtree, u, kk, P->times, P->w, B->sj, B->dist, B->idx, B->m);
        for (size_t i = nq; i-- > 0;) {
            memmove(B->dist + i * k1, B->dist + i * kk, kk * sizeof *B->dist);
            memmove(B->idx + i * k1, B->idx + i * kk, kk * sizeof *B->idx);
        }
        return;
    }
    for (size_t i = 0; i < nq; i++) {
        size_t row = B->rows[i];
        kdtree_exclusion ex = {row, P->times, P->times[row], P->w};
        B->m[i] = kdtree_knn_blocked(C->jtree, C->joint + row * D, kk, &ex, B->dist + i * k1, B->idx + i * k1);
    }
}

/* Row `row`'s radii from its k neighbours (dist, idx): KSG-1 the k-th joint
 * distance everywhere; KSG-2 per variable the largest distance in its
 * coordinates among the k. */
static void row_eps(const cs_ksg *P, const ksg_ctx *C, size_t row, const double *dist, const size_t *idx, double *eps)
{
    size_t D = P->D, dx = P->dx, dy = P->dy, k = (size_t)P->k;
    double ex = dist[k - 1], ey = ex, ez = ex;
    if (P->alg == 2) {
        const double *q = C->joint + row * D;
        ex = ey = ez = 0;
        for (size_t m = 0; m < k; m++) {
            const double *p = C->joint + idx[m] * D;
            for (size_t j = 0; j < dx; j++) {
                double g = fabs(p[j] - q[j]);
                if (g > ex)
                    ex = g;
            }
            for (size_t j = dx; j < dx + dy; j++) {
                double g = fabs(p[j] - q[j]);
                if (g > ey)
                    ey = g;
            }
            for (size_t j = dx + dy; j < D; j++) {
                double g = fabs(p[j] - q[j]);
                if (g > ez)
                    ez = g;
            }
        }
    }
    eps[0] = ex;
    eps[1] = ey;
    eps[2] = ez;
}

/* Pass 1 on the rows at joint-tree positions p0 .. p0 + nq (unit u). */
static void pass_knn(const cs_ksg *P, const ksg_ctx *C, ksg_batch *B, ksg_rows *R, size_t u, size_t p0, size_t nq)
{
    size_t k = (size_t)P->k, k1 = k + 1;
    const size_t *order = kdtree_order(C->jtree);
    for (size_t i = 0; i < nq; i++)
        B->rows[i] = order[p0 + i];
    /* KSG-2 reads the neighbours themselves: with another point tied at the
     * k-th distance the fine search's choice (found first) decides, as it
     * always has; the k + 1-th neighbour tells whether one is. */
    int check_ties = P->alg == 2 && kdtree_has_blocks(C->jtree);
    batch_knn(P, C, B, u, nq, check_ties ? k1 : k);
    for (size_t i = 0; i < nq; i++) {
        double *dist = B->dist + i * k1;
        size_t row = B->rows[i];
        if (check_ties && B->m[i] > k && dist[k] == dist[k - 1]) {
            kdtree_exclusion ex = {row, P->times, P->times[row], P->w};
            kdtree_knn(C->jtree, C->joint + row * P->D, k, &ex, dist, B->idx + i * k1);
        }
        row_eps(P, C, row, dist, B->idx + i * k1, R->eps + row * 3);
    }
}

/* Pass 2 in space s (number si: a = x | z, b = y | z, c = z), on the rows of
 * unit u: block u of the space's tree when it has blocks, else the rows at
 * joint-tree positions u * KSG_RUN ... Counts without the excluded rows. */
static void pass_count(const cs_ksg *P, const ksg_ctx *C, const ksg_space *s, int si, ksg_batch *B, ksg_rows *R,
                       size_t u)
{
    const size_t *map = si == 0 ? C->amap : NULL;
    size_t d = s->d, nq, xd = si == 1 ? P->dy : P->dx, zd = si == 2 ? 0 : xd;
    int strict = P->alg == 1;
    if (B->ss[si]) {
        size_t p0, p1;
        kdtree_block_range(s->tree, u, &p0, &p1);
        const size_t *pt = kdtree_order(s->tree);
        nq = p1 - p0;
        for (size_t i = 0; i < nq; i++)
            B->rows[i] = map ? R->arow[pt[p0 + i]] : pt[p0 + i];
    } else {
        const size_t *order = kdtree_order(C->jtree);
        size_t p0 = u * KSG_RUN;
        nq = p0 + KSG_RUN < P->n ? KSG_RUN : P->n - p0;
        for (size_t i = 0; i < nq; i++)
            B->rows[i] = order[p0 + i];
    }
    /* space a's coordinates are x then z, b's y then z, c's z */
    for (size_t i = 0; i < nq; i++) {
        const double *e = R->eps + B->rows[i] * 3;
        double *r = B->r + i * d;
        for (size_t j = 0; j < d; j++)
            r[j] = j < zd ? e[si == 1 ? 1 : 0] : e[2];
        B->q[i] = s->pts ? s->pts + (map ? map[B->rows[i]] : B->rows[i]) * d : NULL;
    }
    if (B->ss[si])
        kdtree_count_batch(s->tree, nq, B->q, B->r, strict, B->ss[si], B->cnt);
    else
        for (size_t i = 0; i < nq; i++)
            B->cnt[i] = space_count(s, P->n, map ? map[B->rows[i]] : B->rows[i], B->r + i * d, strict);
    for (size_t i = 0; i < nq; i++)
        R->cnt[B->rows[i] * 3 + si] = B->cnt[i] - excluded_within(P, s, map, B->rows[i], B->r + i * d, strict);
}

/* Pass 3: the local value of row i from its counts. */
static double row_value(const cs_ksg *P, const size_t *cnt)
{
    const double *psi = P->psi;
    size_t k = (size_t)P->k, na = cnt[0], nb = cnt[1], nc = cnt[2];
    double kk = (double)k;
    if (P->alg == 1)
        return psi[k] - psi[na + 1] - psi[nb + 1] + (P->dz ? psi[nc + 1] : psi[P->n]);
    if (P->dz == 0)
        return psi[k] - 1.0 / kk - psi[na] - psi[nb] + psi[P->n];
    return psi[k] - 2.0 / kk + psi[nc] - psi[na] + 1.0 / (double)na - psi[nb] + 1.0 / (double)nb;
}

static size_t units_of(const kdtree *t, size_t n)
{
    size_t nb = t ? kdtree_block_count(t) : 0;
    return nb ? nb : (n + KSG_RUN - 1) / KSG_RUN;
}

/* Local values of context C, on nt threads: computed per internal row into
 * tmp[0..n), written to local[0..n) in the caller's row order (either buffer
 * may be NULL: a temporary), and averaged in the caller's row order, so the
 * result depends neither on the thread count nor on the internal order. */
cs_status ksg_run(const cs_ksg *P, const ksg_ctx *C, double *tmp, double *local, double *avg, int nt)
{
    size_t n = P->n;
    double *own_t = NULL, *own_l = NULL;
    ksg_rows R = {malloc(3 * n * sizeof *R.eps), calloc(3 * n, sizeof *R.cnt),
                  C->amap ? malloc(n * sizeof *R.arow) : NULL};
    if (!tmp)
        tmp = own_t = malloc(n * sizeof *tmp);
    if (!local)
        local = own_l = malloc(n * sizeof *local);
    cs_status st = CS_OK;
    if (!tmp || !local || !R.eps || !R.cnt || (C->amap && !R.arow)) {
        st = cs_error_set(CS_ENOMEM, "KSG: out of memory for %zu local values", n);
        goto done;
    }
    if (C->amap)
        for (size_t i = 0; i < n; i++)
            R.arow[C->amap[i]] = i;
    const ksg_space *sp[3] = {C->a, C->b, P->dz ? C->c : NULL};
    size_t ujoint = units_of(kdtree_block_count(C->jtree) ? C->jtree : NULL, n), uspace[3];
    for (int s = 0; s < 3; s++)
        uspace[s] = sp[s] ? units_of(sp[s]->tree && kdtree_block_count(sp[s]->tree) ? sp[s]->tree : NULL, n) : 0;
    par_error err = PAR_ERROR_INIT;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        ksg_batch B;
        cs_status mine = batch_init(&B, P, C);
        if (mine != CS_OK)
            par_error_record(&err, mine);
            /* batches in tree order: neighbouring rows touch the same memory */
#pragma omp for schedule(dynamic, 1)
        for (size_t u = 0; u < ujoint; u++) {
            if (mine != CS_OK)
                continue;
            size_t p0 = u * KSG_RUN, p1 = p0 + KSG_RUN < n ? p0 + KSG_RUN : n;
            if (B.sj)
                kdtree_block_range(C->jtree, u, &p0, &p1);
            pass_knn(P, C, &B, &R, u, p0, p1 - p0);
        }
        for (int s = 0; s < 3; s++) {
#pragma omp for schedule(dynamic, 1)
            for (size_t u = 0; u < uspace[s]; u++)
                if (mine == CS_OK)
                    pass_count(P, C, sp[s], s, &B, &R, u);
        }
#pragma omp for schedule(static)
        for (size_t i = 0; i < n; i++)
            tmp[i] = row_value(P, R.cnt + i * 3);
        if (mine == CS_OK)
            batch_free(&B);
    }
    st = par_error_raise(&err);
    if (st == CS_OK) {
        for (size_t i = 0; i < n; i++)
            local[P->orig[i]] = tmp[i];
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += local[i];
        *avg = sum / (double)n;
    }
done:
    free(R.eps);
    free(R.cnt);
    free(R.arow);
    free(own_t);
    free(own_l);
    return st;
}
