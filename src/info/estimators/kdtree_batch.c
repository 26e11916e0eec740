/* Batched kd-tree searches (kdtree.h): one walk of the upper tree per batch
 * of nearby queries, then per query the collected blocks decided by the box
 * loops of knn_kernels.c and the undecided ones scanned.
 *
 * Why it is exact. The batch walk prunes a node only when every query of
 * the batch would: with qmin/qmax the per-coordinate hull of the queries,
 * fl(lo_j - qmax_j) is a lower bound of fl(p_j - q_j) for every point p of
 * the node and query q (IEEE subtraction is monotone), and likewise
 * fl(qmin_j - hi_j); fl(qmax_j - lo_j) and fl(hi_j - qmin_j) bound every
 * fabs(p_j - q_j) from above. So "outside for the whole batch" and "inside
 * for the whole batch" imply the per-point answers; everything else is
 * decided per query with the scalar code's own tests. */
#include <stdlib.h>
#include <string.h>

#include "kdtree_impl.h"

struct kdtree_scratch {
    size_t cap;             /* blocks of the tree */
    uint32_t *cand, *order; /* collected blocks; their visiting order */
    double *clo, *chi, *bd; /* boxes of the collected blocks (d x nc); a distance each */
    int32_t *cls_scratch;   /* 2 cap */
    uint8_t *cls;           /* cap */
    float *qf;              /* max_queries x d: the queries in float */
    knn_state *st;          /* max_queries */
    kdtree_exclusion *ex;   /* max_queries */
    double qmin[CS_KDTREE_BLOCK_DIM_MAX], qmax[CS_KDTREE_BLOCK_DIM_MAX];
    double rmin[CS_KDTREE_BLOCK_DIM_MAX], rmax[CS_KDTREE_BLOCK_DIM_MAX];
    size_t nc, common;
};

cs_status kdtree_scratch_create(const kdtree *t, size_t max_queries, kdtree_scratch **out)
{
    *out = NULL;
    if (max_queries == 0 || max_queries > CS_KNN_BLOCK_MAX)
        return cs_error_set(CS_EINVAL, "kd-tree: batch of %zu queries is outside 1..%d", max_queries,
                            CS_KNN_BLOCK_MAX);
    kdtree_scratch *s = calloc(1, sizeof *s);
    if (!s)
        return cs_error_set(CS_ENOMEM, "kd-tree: out of memory");
    size_t c = t->nb ? t->nb : 1, d = t->d;
    s->cap = c;
    s->cand = malloc(c * sizeof *s->cand);
    s->order = malloc(c * sizeof *s->order);
    s->clo = malloc(c * d * sizeof *s->clo);
    s->chi = malloc(c * d * sizeof *s->chi);
    s->bd = malloc(c * sizeof *s->bd);
    s->cls_scratch = malloc(2 * c * sizeof *s->cls_scratch);
    s->cls = malloc(c * sizeof *s->cls);
    s->qf = malloc(max_queries * d * sizeof *s->qf);
    s->st = malloc(max_queries * sizeof *s->st);
    s->ex = malloc(max_queries * sizeof *s->ex);
    if (!s->cand || !s->order || !s->clo || !s->chi || !s->bd || !s->cls_scratch || !s->cls || !s->qf || !s->st ||
        !s->ex) {
        kdtree_scratch_destroy(s);
        return cs_error_set(CS_ENOMEM, "kd-tree: out of memory for the scratch of %zu blocks", c);
    }
    *out = s;
    return CS_OK;
}

void kdtree_scratch_destroy(kdtree_scratch *s)
{
    if (!s)
        return;
    free(s->cand);
    free(s->order);
    free(s->clo);
    free(s->chi);
    free(s->bd);
    free(s->cls_scratch);
    free(s->cls);
    free(s->qf);
    free(s->st);
    free(s->ex);
    free(s);
}

size_t kdtree_block_count(const kdtree *t) { return t->soa ? t->nb : 0; }

void kdtree_block_range(const kdtree *t, size_t b, size_t *begin, size_t *end)
{
    *begin = t->bbeg[b];
    *end = t->bend[b];
}

/* The per-coordinate hull [qmin, qmax] of the queries. */
static void hull(kdtree_scratch *s, size_t d, size_t nq, const double *const *q)
{
    for (size_t j = 0; j < d; j++)
        s->qmin[j] = s->qmax[j] = q[0][j];
    for (size_t i = 1; i < nq; i++) {
        for (size_t j = 0; j < d; j++) {
            double v = q[i][j];
            s->qmin[j] = v < s->qmin[j] ? v : s->qmin[j];
            s->qmax[j] = v > s->qmax[j] ? v : s->qmax[j];
        }
    }
}

/* Copy the boxes of the collected blocks side by side (d x nc). */
static void gather_boxes(const kdtree *t, kdtree_scratch *s)
{
    size_t nc = s->nc, nb = t->nb;
    for (size_t j = 0; j < t->d; j++) {
        const double *lo = t->blo + j * nb, *hi = t->bhi + j * nb;
        double *cl = s->clo + j * nc, *ch = s->chi + j * nc;
        for (size_t c = 0; c < nc; c++) {
            cl[c] = lo[s->cand[c]];
            ch[c] = hi[s->cand[c]];
        }
    }
}

/* ---- k-NN ----------------------------------------------------------------- */

/* Collect the blocks (other than `skip`) that may hold a point closer than
 * R to some query of the hull. */
static void knn_collect(const kdtree *t, kdtree_scratch *s, size_t node, double R, size_t skip)
{
    const kd_node *nd = node_at(t, node);
    const double *lo = node_lo(nd), *hi = lo + t->d;
    for (size_t j = 0; j < t->d; j++)
        if (lo[j] - s->qmax[j] >= R || s->qmin[j] - hi[j] >= R)
            return; /* every point is >= R from every query */
    if (node_is_block(t, nd)) {
        size_t b = t->node_block[node];
        if (b != skip)
            s->cand[s->nc++] = (uint32_t)b;
        return;
    }
    knn_collect(t, s, nd->left, R, skip);
    knn_collect(t, s, nd->right, R, skip);
}

/* Visit the collected blocks nearer than the current k-th distance, nearest
 * first in 8 distance bands (a counting sort), so the bound tightens early. */
enum { KNN_BANDS = 8 };

static void knn_scan_collected(const kdtree *t, kdtree_scratch *s, knn_state *st)
{
    size_t nc = s->nc;
    t->kern.boxdist(s->clo, s->chi, nc, nc, t->d, st->q, s->bd);
    double worst = knn_worst(st);
    size_t start[KNN_BANDS + 1] = {0};
    uint8_t *band = s->cls;
    for (size_t c = 0; c < nc; c++) {
        size_t b = KNN_BANDS; /* beyond the bound: never visited */
        if (s->bd[c] < worst) {
            b = (size_t)(s->bd[c] / worst * KNN_BANDS);
            b = b < KNN_BANDS ? b : KNN_BANDS - 1;
        }
        band[c] = (uint8_t)b;
        start[b]++;
    }
    size_t sum = 0;
    for (size_t b = 0; b <= KNN_BANDS; b++) {
        size_t cnt = start[b];
        start[b] = sum;
        sum += cnt;
    }
    size_t used = start[KNN_BANDS];
    for (size_t c = 0; c < nc; c++)
        if (band[c] < KNN_BANDS)
            s->order[start[band[c]]++] = (uint32_t)c;
    for (size_t o = 0; o < used; o++) {
        size_t c = s->order[o];
        if (s->bd[c] >= knn_worst(st))
            continue; /* as the tree search prunes */
        size_t b = s->cand[c];
        kdtree_scan_knn(t, t->bbeg[b], t->bend[b], st);
    }
}

/* Queries of a batch share one walk per group of this many consecutive
 * positions: a block's points spread wide in many dimensions, and a tighter
 * hull collects fewer blocks. */
#ifndef KD_KNN_GROUP
#define KD_KNN_GROUP 16
#endif

void kdtree_knn_block(const kdtree *t, size_t b, size_t k, const int64_t *times, int64_t w, kdtree_scratch *sc,
                      double *dist, size_t *idx, size_t *m)
{
    size_t d = t->d, p0 = t->bbeg[b], nq = t->bend[b] - p0;
    /* 1. each query's own block first: a bound for the walks */
    for (size_t i = 0; i < nq; i++) {
        size_t row = t->idx[p0 + i];
        const double *q = t->pts + (p0 + i) * d;
        sc->ex[i] = (kdtree_exclusion){row, times, times ? times[row] : 0, w};
        knn_state *st = &sc->st[i];
        *st = (knn_state){q, k, 0, dist + i * k, idx + i * k, &sc->ex[i], t->block, sc->qf + i * d, 0};
        st->margin = screen_margin(t, q, sc->qf + i * d);
        kdtree_scan_knn_first(t, p0, p0 + nq, st);
    }
    for (size_t g0 = 0; g0 < nq; g0 += KD_KNN_GROUP) {
        size_t g1 = g0 + KD_KNN_GROUP < nq ? g0 + KD_KNN_GROUP : nq;
        /* 2. the blocks that may matter to a query of the group with k
         * candidates: within R (the largest k-th distance) of their hull */
        const double *q[KD_KNN_GROUP];
        size_t full = 0;
        double R = 0;
        for (size_t i = g0; i < g1; i++) {
            knn_state *st = &sc->st[i];
            if (st->m == k) {
                double wv = knn_worst(st);
                R = wv > R ? wv : R;
                q[full++] = st->q;
            }
        }
        sc->nc = 0;
        if (full) {
            hull(sc, d, full, q);
            knn_collect(t, sc, 0, R, b);
            gather_boxes(t, sc);
        }
        /* 3. per query; one still without k candidates (window, tiny
         * blocks) searches the whole tree */
        for (size_t i = g0; i < g1; i++) {
            knn_state *st = &sc->st[i];
            if (st->m == k)
                knn_scan_collected(t, sc, st);
            else
                st->m = kdtree_knn_blocked(t, st->q, k, st->ex, st->dist, st->idx);
            m[i] = st->m;
        }
    }
}

/* ---- range counts ----------------------------------------------------------- */

static inline int within(double g, double r, int strict) { return (g < r) | (!strict & (g == r)); }

/* Collect the blocks that may hold points inside some query's box and
 * count into s->common the nodes inside every query's box. */
static void count_collect(const kdtree *t, kdtree_scratch *s, size_t node, int strict)
{
    const kd_node *nd = node_at(t, node);
    const double *lo = node_lo(nd), *hi = lo + t->d;
    int inside = 1;
    for (size_t j = 0; j < t->d; j++) {
        double u = lo[j] - s->qmax[j], v = s->qmin[j] - hi[j];
        if (!within(u, s->rmax[j], strict) || !within(v, s->rmax[j], strict))
            return; /* outside every query's box */
        inside &= within(s->qmax[j] - lo[j], s->rmin[j], strict) & within(hi[j] - s->qmin[j], s->rmin[j], strict);
    }
    if (inside) {
        s->common += nd->end - nd->begin;
        return;
    }
    if (node_is_block(t, nd)) {
        s->cand[s->nc++] = (uint32_t)t->node_block[node];
        return;
    }
    count_collect(t, s, nd->left, strict);
    count_collect(t, s, nd->right, strict);
}

void kdtree_count_batch(const kdtree *t, size_t nq, const double *const *q, const double *r, int strict,
                        kdtree_scratch *sc, size_t *out)
{
    size_t d = t->d;
    hull(sc, d, nq, q);
    for (size_t j = 0; j < d; j++)
        sc->rmin[j] = sc->rmax[j] = r[j];
    for (size_t i = 1; i < nq; i++) {
        for (size_t j = 0; j < d; j++) {
            double v = r[i * d + j];
            sc->rmin[j] = v < sc->rmin[j] ? v : sc->rmin[j];
            sc->rmax[j] = v > sc->rmax[j] ? v : sc->rmax[j];
        }
    }
    sc->nc = 0;
    sc->common = 0;
    count_collect(t, sc, 0, strict);
    gather_boxes(t, sc);
    float qf[CS_KDTREE_BLOCK_DIM_MAX], in_lt[CS_KDTREE_BLOCK_DIM_MAX], out_ge[CS_KDTREE_BLOCK_DIM_MAX];
    for (size_t i = 0; i < nq; i++) {
        const double *ri = r + i * d;
        t->kern.classify(sc->clo, sc->chi, sc->nc, sc->nc, d, q[i], ri, strict, sc->cls_scratch, sc->cls);
        double margin = screen_margin(t, q[i], qf);
        screen_thresholds(d, ri, margin, in_lt, out_ge);
        size_t n = sc->common;
        for (size_t c = 0; c < sc->nc; c++) {
            if (sc->cls[c] == 0)
                continue;
            size_t b = sc->cand[c];
            if (sc->cls[c] == 1)
                n += t->bend[b] - t->bbeg[b];
            else
                n += kdtree_scan_count(t, t->bbeg[b], t->bend[b], q[i], ri, strict, qf, in_lt, out_ge);
        }
        out[i] = n;
    }
}
