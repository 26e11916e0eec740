/* Internal to the kd-tree: its layout and the small helpers shared by the
 * per-query searches (kdtree.c) and the batched ones (kdtree_batch.c). */
#ifndef COGSCOPE_INFO_KDTREE_IMPL_H
#define COGSCOPE_INFO_KDTREE_IMPL_H

#include <math.h>
#include <stdint.h>

#include "kdtree.h"
#include "knn_kernels.h"

/* Leaf size: small enough that leaves are scanned quickly, large enough that
 * the box tests of the inner nodes do not dominate (measured best 8-16 for
 * 2-10 dimensions). */
#ifndef KD_LEAF
#define KD_LEAF 12
#endif

/* A node header, followed in memory by its bounding box lo[d], hi[d]: one
 * block per node, so a node visit touches one or two cache lines. */
typedef struct {
    uint32_t begin, end; /* positions [begin, end) in tree order */
    uint32_t left;       /* child node indices; left == 0 marks a leaf (the */
    uint32_t right;      /* root is node 0 and is nobody's child) */
} kd_node;

struct kdtree {
    size_t n, d;
    double *pts;           /* n x d in tree order */
    size_t *idx;           /* tree position -> original row */
    unsigned char *blocks; /* n_nodes blocks of bsize bytes */
    size_t bsize;
    size_t n_nodes;
    /* blocked search (kdtree_blocks_prepare): */
    float *soa;       /* d x n: coordinate j of tree position p at soa[j * n + p] */
    double max_abs;   /* largest |coordinate| of the points */
    size_t block;     /* subtrees of at most this many points are scanned whole */
    knn_kernels kern; /* the scan loops for this processor */
    /* those subtrees ("blocks"), numbered in pre-order, for the batched
     * searches: */
    size_t nb;
    uint32_t *bbeg, *bend; /* block b holds the positions [bbeg[b], bend[b]) */
    double *blo, *bhi;     /* d x nb: coordinate j of block b's box at [j * nb + b] */
    uint32_t *node_block;  /* node -> its block number (UINT32_MAX above the blocks) */
};

static inline kd_node *node_at(const kdtree *t, size_t i) { return (kd_node *)(t->blocks + i * t->bsize); }
static inline double *node_lo(const kd_node *nd) { return (double *)(nd + 1); }

/* Does node nd stop the blocked descent (scanned whole)? */
static inline int node_is_block(const kdtree *t, const kd_node *nd)
{
    return nd->left == 0 || nd->end - nd->begin <= t->block;
}

/* One k-NN query in progress: the ascending list dist/idx of its m <= k best. */
typedef struct {
    const double *q;
    size_t k, m;
    double *dist;
    size_t *idx;
    const kdtree_exclusion *ex;
    size_t block;    /* 0: fine search; else the blocked search's block size */
    const float *qf; /* blocked: the query in float, and the screen's margin */
    double margin;
} knn_state;

static inline int excluded(const kdtree_exclusion *ex, size_t j)
{
    if (!ex)
        return 0;
    if (j == ex->self)
        return 1;
    if (ex->w > 0) {
        int64_t dt = ex->times[j] - ex->t;
        return dt <= ex->w && dt >= -ex->w;
    }
    return 0;
}

/* Insert (dist, row) into the ascending list of s; among equal distances
 * the earlier entry stays first, and a full list drops its last. */
static inline void knn_insert(knn_state *s, double dist, size_t row)
{
    int full = s->m == s->k;
    size_t pos = full ? s->k - 1 : s->m++;
    while (pos > 0 && s->dist[pos - 1] > dist) {
        s->dist[pos] = s->dist[pos - 1];
        s->idx[pos] = s->idx[pos - 1];
        pos--;
    }
    s->dist[pos] = dist;
    s->idx[pos] = row;
}

/* The current admission bound of s: a point enters only if strictly closer. */
static inline double knn_worst(const knn_state *s) { return s->m == s->k ? s->dist[s->k - 1] : INFINITY; }

/* Exact max-norm distance from tree position p to q. */
static inline double exact_dist(const kdtree *t, size_t p, const double *q)
{
    const double *x = t->pts + p * t->d;
    double dist = 0;
    for (size_t j = 0; j < t->d; j++) {
        double g = fabs(x[j] - q[j]);
        dist = g > dist ? g : dist;
    }
    return dist;
}

/* The float screen of the blocked search. With M the largest |coordinate|
 * of the points and the query, a float distance (coordinates rounded to
 * float, then subtracted, |.| and max in float) is within 2^-22 M + 2^-149
 * of the exact real distance, and the double one within 2^-52 M of it;
 * margin = 2^-20 M + 2^-140 covers both with room for the rounding of the
 * comparisons made with it. Fills qf[0..d) with the query in float. */
static inline double screen_margin(const kdtree *t, const double *q, float *qf)
{
    double m = t->max_abs;
    for (size_t j = 0; j < t->d; j++) {
        qf[j] = (float)q[j];
        m = fabs(q[j]) > m ? fabs(q[j]) : m;
    }
    return ldexp(m, -20) + ldexp(1.0, -140);
}

/* Float thresholds of a range count: per coordinate, a float distance below
 * in_lt[j] is surely inside r[j] and one at or above out_ge[j] surely
 * outside (r -+ margin rounded outwards). */
static inline void screen_thresholds(size_t d, const double *r, double margin, float *in_lt, float *out_ge)
{
    for (size_t j = 0; j < d; j++) {
        double lo = r[j] - margin, hi = r[j] + margin;
        float a = (float)lo, b = (float)hi;
        in_lt[j] = (double)a > lo ? nextafterf(a, -INFINITY) : a;
        out_ge[j] = (double)b < hi ? nextafterf(b, INFINITY) : b;
    }
}

/* The scans of one block (tree positions [begin, end), at most
 * CS_KNN_BLOCK_MAX) by the float screen, then exactly (kdtree.c): offer its
 * points to the k-NN state s (s->qf, s->margin set), or count those within
 * r of q (qf, in_lt, out_ge: see screen_thresholds). */
void kdtree_scan_knn(const kdtree *t, size_t begin, size_t end, knn_state *s);
/* As kdtree_scan_knn, screening each point against the bound as it
 * tightens: for a block scanned while the bound is still loose. */
void kdtree_scan_knn_first(const kdtree *t, size_t begin, size_t end, knn_state *s);
size_t kdtree_scan_count(const kdtree *t, size_t begin, size_t end, const double *q, const double *r, int strict,
                         const float *qf, const float *in_lt, const float *out_ge);

/* The scans of one block (tree positions [begin, end), at most
 * CS_KNN_BLOCK_MAX) by the float screen, then exactly (kdtree.c): offer its
 * points to the k-NN state s (s->qf, s->margin set), or count those within
 * r of q (qf, in_lt, out_ge: see screen_thresholds). */
void kdtree_scan_knn(const kdtree *t, size_t begin, size_t end, knn_state *s);
/* As kdtree_scan_knn, screening each point against the bound as it
 * tightens: for a block scanned while the bound is still loose. */
void kdtree_scan_knn_first(const kdtree *t, size_t begin, size_t end, knn_state *s);
size_t kdtree_scan_count(const kdtree *t, size_t begin, size_t end, const double *q, const double *r, int strict,
                         const float *qf, const float *in_lt, const float *out_ge);

#endif
