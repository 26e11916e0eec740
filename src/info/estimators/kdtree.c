/* Static max-norm kd-tree: median-position splits on the widest coordinate,
 * tight bounding boxes, points stored in tree order for cache locality; a
 * fine search to leaves of KD_LEAF points and a blocked search that scans
 * whole subtrees with the vectorised loops of knn_kernels.c.
 * See kdtree.h for the exactness argument. */
#include "kdtree_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t count_nodes(size_t size)
{
    if (size <= KD_LEAF)
        return 1;
    size_t half = size / 2;
    return 1 + count_nodes(half) + count_nodes(size - half);
}

static inline void swap_rows(kdtree *t, size_t a, size_t b)
{
    size_t d = t->d;
    double *x = t->pts + a * d, *y = t->pts + b * d;
    for (size_t j = 0; j < d; j++) {
        double tmp = x[j];
        x[j] = y[j];
        y[j] = tmp;
    }
    size_t tmp = t->idx[a];
    t->idx[a] = t->idx[b];
    t->idx[b] = tmp;
}

/* Reorder the tree-order rows [lo, hi) so that row m holds the element of
 * rank m by coordinate `dim`, keys before it <= and after it >= its key
 * (quickselect, Hoare partition, median-of-3 pivot). The rows themselves
 * move (not an index), so the scans are sequential. Hoare's scheme stops on
 * keys equal to the pivot from both sides, so runs of equal keys split
 * evenly instead of degrading to quadratic time. */
static void select_nth(kdtree *t, size_t lo, size_t hi, size_t m, size_t dim)
{
    size_t d = t->d;
    const double *pts = t->pts;
    while (hi - lo > 2) {
        size_t a = lo, b = lo + (hi - lo) / 2, c = hi - 1;
        double ka = pts[a * d + dim], kb = pts[b * d + dim], kc = pts[c * d + dim];
        double pivot = (ka < kb) ? ((kb < kc) ? kb : (ka < kc ? kc : ka)) : ((ka < kc) ? ka : (kb < kc ? kc : kb));
        size_t i = lo, j = hi - 1;
        for (;;) {
            while (pts[i * d + dim] < pivot)
                i++;
            while (pts[j * d + dim] > pivot)
                j--;
            if (i >= j)
                break;
            swap_rows(t, i++, j--);
        }
        /* now rows [lo, j] have keys <= pivot and rows [j + 1, hi) >= pivot */
        if (m <= j)
            hi = j + 1;
        else
            lo = j + 1;
    }
    if (hi - lo == 2 && pts[lo * d + dim] > pts[(lo + 1) * d + dim])
        swap_rows(t, lo, lo + 1);
}

/* Subtrees at least this large are built as separate OpenMP tasks. */
#define KD_TASK_MIN 20000

/* Nodes are numbered in pre-order (left child = node + 1, right child after
 * the whole left subtree), so the numbering needs no shared counter and is
 * the same whichever thread builds which subtree. */
static void build(kdtree *t, size_t node, size_t begin, size_t end, int tasks)
{
    size_t d = t->d;
    kd_node *nd = node_at(t, node);
    double *lo = node_lo(nd), *hi = lo + d;
    for (size_t j = 0; j < d; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    for (size_t p = begin; p < end; p++) {
        const double *x = t->pts + p * d;
        for (size_t j = 0; j < d; j++) {
            lo[j] = x[j] < lo[j] ? x[j] : lo[j];
            hi[j] = x[j] > hi[j] ? x[j] : hi[j];
        }
    }
    nd->begin = (uint32_t)begin;
    nd->end = (uint32_t)end;
    nd->left = nd->right = 0;
    size_t size = end - begin;
    if (size <= KD_LEAF)
        return;
    size_t dim = 0;
    double spread = hi[0] - lo[0];
    for (size_t j = 1; j < d; j++) {
        if (hi[j] - lo[j] > spread) {
            spread = hi[j] - lo[j];
            dim = j;
        }
    }
    size_t half = size / 2;
    /* With zero spread everywhere the points coincide: split by position
     * anyway so the depth stays logarithmic. */
    if (spread > 0)
        select_nth(t, begin, end, begin + half, dim);
    size_t left = node + 1;
    size_t right = node + 1 + count_nodes(half);
    nd->left = (uint32_t)left;
    nd->right = (uint32_t)right;
    if (tasks && size >= KD_TASK_MIN) {
#pragma omp task
        build(t, left, begin, begin + half, tasks);
        build(t, right, begin + half, end, tasks);
#pragma omp taskwait
    } else {
        build(t, left, begin, begin + half, 0);
        build(t, right, begin + half, end, 0);
    }
}

cs_status kdtree_create(const double *pts, size_t n, size_t d, size_t stride, int threads, kdtree **out)
{
    *out = NULL;
    if (n == 0 || d == 0)
        return cs_error_set(CS_EINVAL,
                            "kd-tree: need at least one point and one dimension "
                            "(got %zu points, %zu dimensions)",
                            n, d);
    if (stride < d)
        return cs_error_set(CS_EINVAL, "kd-tree: row stride %zu is smaller than the dimension %zu", stride, d);
    if (n >= UINT32_MAX)
        return cs_error_set(CS_ELIMIT, "kd-tree: %zu points exceed the limit of 2^32 - 1", n);
    kdtree *t = calloc(1, sizeof *t);
    if (!t)
        return cs_error_set(CS_ENOMEM, "kd-tree: out of memory");
    t->n = n;
    t->d = d;
    t->n_nodes = count_nodes(n);
    t->pts = malloc(n * d * sizeof *t->pts);
    t->idx = malloc(n * sizeof *t->idx);
    t->bsize = sizeof(kd_node) + 2 * d * sizeof(double);
    t->blocks = malloc(t->n_nodes * t->bsize);
    if (!t->pts || !t->idx || !t->blocks) {
        kdtree_destroy(t);
        return cs_error_set(CS_ENOMEM, "kd-tree: out of memory for %zu points x %zu dimensions", n, d);
    }
    for (size_t i = 0; i < n; i++) {
        t->idx[i] = i;
        memcpy(t->pts + i * d, pts + i * stride, d * sizeof *t->pts);
    }
    if (threads > 1 && n >= 2 * KD_TASK_MIN) {
#pragma omp parallel num_threads(threads)
#pragma omp single
        build(t, 0, 0, n, 1);
    } else {
        build(t, 0, 0, n, 0);
    }
    *out = t;
    return CS_OK;
}

cs_status kdtree_create_ordered(const double *pts, size_t n, size_t d, size_t stride, int threads, kdtree **out,
                                size_t *order)
{
    cs_status st = kdtree_create(pts, n, d, stride, threads, out);
    if (st != CS_OK)
        return st;
    kdtree *t = *out;
    for (size_t p = 0; p < n; p++) {
        order[p] = t->idx[p];
        t->idx[p] = p;
    }
    return CS_OK;
}

void kdtree_destroy(kdtree *t)
{
    if (!t)
        return;
    free(t->pts);
    free(t->idx);
    free(t->blocks);
    free(t->soa);
    free(t->bbeg);
    free(t->bend);
    free(t->blo);
    free(t->bhi);
    free(t->node_block);
    free(t);
}

size_t kdtree_size(const kdtree *t) { return t->n; }
size_t kdtree_dim(const kdtree *t) { return t->d; }
const size_t *kdtree_order(const kdtree *t) { return t->idx; }
const double *kdtree_points(const kdtree *t) { return t->pts; }

/* Max-norm distance from q to the box of `node` (0 inside): per coordinate
 * max(lo - q, q - hi, 0), which is lo - q below the box, q - hi above it and
 * 0 within, written without branches. */
static inline double box_dist(const kdtree *t, const kd_node *nd, const double *q)
{
    const double *lo = node_lo(nd), *hi = lo + t->d;
    double m = 0;
    for (size_t j = 0; j < t->d; j++) {
        double a = lo[j] - q[j], b = q[j] - hi[j];
        double g = a > b ? a : b;
        m = g > m ? g : m;
    }
    return m;
}

static void knn_leaf(const kdtree *t, const kd_node *nd, knn_state *s)
{
    size_t d = t->d;
    for (size_t p = nd->begin; p < nd->end; p++) {
        const double *x = t->pts + p * d;
        int full = s->m == s->k;
        double worst = full ? s->dist[s->k - 1] : INFINITY;
        /* full max over the coordinates without early exit: an exit branch
         * taken at a random coordinate mispredicts more than it saves */
        double dist = 0;
        for (size_t j = 0; j < d; j++) {
            double g = fabs(x[j] - s->q[j]);
            dist = g > dist ? g : dist;
        }
        if (dist >= worst)
            continue;
        size_t row = t->idx[p];
        if (!excluded(s->ex, row))
            knn_insert(s, dist, row);
    }
}

static void bknn_block(const kdtree *t, const kd_node *nd, knn_state *s);

/* One traversal for both searches: s->block == 0 descends to the leaves,
 * otherwise it stops at subtrees of at most s->block points. */
static void knn_node(const kdtree *t, size_t node, knn_state *s)
{
    const kd_node *nd = node_at(t, node);
    if (nd->left == 0 || nd->end - nd->begin <= s->block) {
        if (s->block)
            bknn_block(t, nd, s);
        else
            knn_leaf(t, nd, s);
        return;
    }
    const kd_node *l = node_at(t, nd->left), *r = node_at(t, nd->right);
    double dl = box_dist(t, l, s->q), dr = box_dist(t, r, s->q);
    size_t first = nd->left, second = nd->right;
    if (dr < dl) {
        double tmp = dl;
        dl = dr;
        dr = tmp;
        first = nd->right;
        second = nd->left;
    }
    /* A point in a box is at least the box distance away; candidates must be
     * strictly closer than the current k-th to enter, so >= prunes exactly. */
    if (s->m < s->k || dl < s->dist[s->k - 1])
        knn_node(t, first, s);
    if (s->m < s->k || dr < s->dist[s->k - 1])
        knn_node(t, second, s);
}

size_t kdtree_knn(const kdtree *t, const double *q, size_t k, const kdtree_exclusion *ex, double *dist, size_t *idx)
{
    if (k == 0)
        return 0;
    knn_state s = {q, k, 0, dist, idx, ex, 0, NULL, 0};
    knn_node(t, 0, &s);
    return s.m;
}

/* 0: box entirely outside the query box, 1: entirely inside, 2: straddles.
 * Per coordinate the box's nearest point is max(lo - q, q - hi, 0) away
 * (the exact negation of q - lo and hi - q) and its farthest
 * max(|q - lo|, |hi - q|); the tests run over every coordinate without
 * branches, which costs less than exits at unpredictable coordinates. */
static inline int classify(const kdtree *t, const kd_node *nd, const double *q, const double *r, int strict)
{
    const double *lo = node_lo(nd), *hi = lo + t->d;
    int outside = 0, inside = 1;
    for (size_t j = 0; j < t->d; j++) {
        double gap_lo = q[j] - lo[j], gap_hi = hi[j] - q[j];
        double a = -gap_lo, b = -gap_hi;
        double near = a > b ? a : b;
        near = near > 0 ? near : 0;
        double fa = fabs(gap_lo), fb = fabs(gap_hi);
        double far = fa > fb ? fa : fb;
        outside |= !((near < r[j]) | (!strict & (near == r[j])));
        inside &= (far < r[j]) | (!strict & (far == r[j]));
    }
    return outside ? 0 : (inside ? 1 : 2);
}

/* A range count's query. Blocked counts also carry the query in float and,
 * per coordinate, the float thresholds below which a float distance is
 * surely inside r and at or above which it is surely outside (see
 * screen_margin). */
typedef struct {
    const double *q, *r;
    int strict;
    size_t block; /* 0: fine search */
    const float *qf, *in_lt, *out_ge;
} count_query;

/* Points of a block that the float screen leaves undecided are tested
 * exactly, as count_leaf does. */
size_t kdtree_scan_count(const kdtree *t, size_t begin, size_t end, const double *q, const double *r, int strict,
                         const float *qf, const float *in_lt, const float *out_ge)
{
    uint64_t und[CS_KNN_MASK_WORDS];
    size_t d = t->d;
    int cube = 1; /* the same radius in every coordinate: one max-norm test */
    for (size_t j = 1; j < d; j++)
        cube &= (in_lt[j] == in_lt[0]) & (out_ge[j] == out_ge[0]);
    size_t n = cube ? t->kern.count1(t->soa + begin, t->n, end - begin, d, qf, in_lt[0], out_ge[0], und)
                    : t->kern.count(t->soa + begin, t->n, end - begin, d, qf, in_lt, out_ge, und);
    for (int w = 0; w < CS_KNN_MASK_WORDS; w++) {
        for (uint64_t m = und[w]; m; m &= m - 1) {
            const double *x = t->pts + (begin + (size_t)w * 64 + (size_t)__builtin_ctzll(m)) * d;
            int in = 1;
            for (size_t j = 0; j < d; j++) {
                double g = fabs(x[j] - q[j]);
                in &= (g < r[j]) | (!strict & (g == r[j]));
            }
            n += (size_t)in;
        }
    }
    return n;
}

static size_t count_block(const kdtree *t, const kd_node *nd, const count_query *cq)
{
    return kdtree_scan_count(t, nd->begin, nd->end, cq->q, cq->r, cq->strict, cq->qf, cq->in_lt, cq->out_ge);
}

static size_t count_leaf(const kdtree *t, const kd_node *nd, const count_query *cq)
{
    size_t d = t->d, n = 0;
    for (size_t p = nd->begin; p < nd->end; p++) {
        const double *x = t->pts + p * d;
        int in = 1; /* branch-free over the coordinates, as in knn_leaf */
        for (size_t j = 0; j < d; j++) {
            double g = fabs(x[j] - cq->q[j]);
            in &= (g < cq->r[j]) | (!cq->strict & (g == cq->r[j]));
        }
        n += (size_t)in;
    }
    return n;
}

/* One traversal for both searches, as knn_node: block == 0 scans leaves
 * point by point, else subtrees of at most `block` points go to the
 * vectorised screen. */
static size_t count_node(const kdtree *t, size_t node, const count_query *cq)
{
    const kd_node *nd = node_at(t, node);
    int c = classify(t, nd, cq->q, cq->r, cq->strict);
    if (c == 0)
        return 0;
    if (c == 1)
        return nd->end - nd->begin;
    if (cq->block && nd->end - nd->begin <= cq->block)
        return count_block(t, nd, cq);
    if (nd->left != 0)
        return count_node(t, nd->left, cq) + count_node(t, nd->right, cq);
    return count_leaf(t, nd, cq);
}

size_t kdtree_count(const kdtree *t, const double *q, const double *r, int strict)
{
    count_query cq = {q, r, strict, 0, NULL, NULL, NULL};
    return count_node(t, 0, &cq);
}

/* ---- blocked search -------------------------------------------------------
 * The same tree, descended only until a subtree holds at most `block` points;
 * that subtree is then scanned whole by the vectorised loops of
 * knn_kernels.c over a coordinate-major copy of the points. In many
 * dimensions the max-norm boxes prune little below a few dozen points, so
 * scanning a block costs less than walking its nodes (measured in
 * kdtree_block_size_for). Pruning and comparisons are those of the fine
 * search, so neighbour distances and counts are the same to the bit. */

/* Number the blocks of the blocked search in pre-order and copy their boxes
 * coordinate-major (for the box loops of the batched searches). */
static void blocks_number(kdtree *t, size_t node)
{
    const kd_node *nd = node_at(t, node);
    if (node_is_block(t, nd)) {
        size_t b = t->nb++;
        t->node_block[node] = (uint32_t)b;
        t->bbeg[b] = nd->begin;
        t->bend[b] = nd->end;
        return;
    }
    blocks_number(t, nd->left);
    blocks_number(t, nd->right);
}

static cs_status blocks_list(kdtree *t)
{
    size_t d = t->d, nn = t->n_nodes;
    free(t->bbeg);
    free(t->bend);
    free(t->blo);
    free(t->bhi);
    free(t->node_block);
    /* at most one block per node */
    t->bbeg = malloc(nn * sizeof *t->bbeg);
    t->bend = malloc(nn * sizeof *t->bend);
    t->node_block = malloc(nn * sizeof *t->node_block);
    t->blo = malloc(nn * d * sizeof *t->blo);
    t->bhi = malloc(nn * d * sizeof *t->bhi);
    if (!t->bbeg || !t->bend || !t->node_block || !t->blo || !t->bhi)
        return cs_error_set(CS_ENOMEM, "kd-tree: out of memory for %zu blocks", nn);
    for (size_t i = 0; i < nn; i++)
        t->node_block[i] = UINT32_MAX;
    t->nb = 0;
    blocks_number(t, 0);
    size_t nb = t->nb;
    for (size_t i = 0; i < nn; i++) {
        size_t b = t->node_block[i];
        if (b == UINT32_MAX)
            continue;
        const double *lo = node_lo(node_at(t, i)), *hi = lo + d;
        for (size_t j = 0; j < d; j++) {
            t->blo[j * nb + b] = lo[j];
            t->bhi[j * nb + b] = hi[j];
        }
    }
    return CS_OK;
}

cs_status kdtree_blocks_prepare(kdtree *t, size_t block)
{
    if (block < 2 || block > CS_KNN_BLOCK_MAX)
        return cs_error_set(CS_EINVAL, "kd-tree: block size %zu is outside 2..%d", block, CS_KNN_BLOCK_MAX);
    size_t n = t->n, d = t->d;
    double m = 0;
    for (size_t i = 0; i < n * d; i++)
        m = fabs(t->pts[i]) > m ? fabs(t->pts[i]) : m;
    /* the float screen needs the coordinates inside float's range */
    if (d > CS_KDTREE_BLOCK_DIM_MAX || !(m < 1e30))
        return CS_OK;
    if (!t->soa) {
        t->soa = malloc(n * d * sizeof *t->soa);
        if (!t->soa)
            return cs_error_set(CS_ENOMEM, "kd-tree: out of memory for %zu x %zu points", n, d);
        for (size_t p = 0; p < n; p++)
            for (size_t j = 0; j < d; j++)
                t->soa[j * n + p] = (float)t->pts[p * d + j];
    }
    t->max_abs = m;
    t->block = block;
    t->kern = knn_kernels_pick();
    return blocks_list(t);
}

int kdtree_has_blocks(const kdtree *t) { return t->soa != NULL; }

const char *kdtree_blocks_isa(const kdtree *t) { return t->soa ? t->kern.isa : "none"; }

void kdtree_scan_knn(const kdtree *t, size_t begin, size_t end, knn_state *s)
{
    /* keep the points whose float distance is not surely >= worst: below
     * worst + margin, rounded up to a float */
    double worst = knn_worst(s), lim = worst + s->margin;
    float thr = (float)lim;
    if ((double)thr < lim)
        thr = nextafterf(thr, INFINITY);
    uint64_t mask[CS_KNN_MASK_WORDS];
    t->kern.below(t->soa + begin, t->n, end - begin, t->d, s->qf, thr, mask);
    for (int w = 0; w < CS_KNN_MASK_WORDS; w++) {
        for (uint64_t m = mask[w]; m; m &= m - 1) {
            size_t p = begin + (size_t)w * 64 + (size_t)__builtin_ctzll(m);
            double dist = exact_dist(t, p, s->q);
            if (dist >= knn_worst(s))
                continue;
            size_t row = t->idx[p];
            if (!excluded(s->ex, row))
                knn_insert(s, dist, row);
        }
    }
}

void kdtree_scan_knn_first(const kdtree *t, size_t begin, size_t end, knn_state *s)
{
    float g[CS_KNN_BLOCK_MAX];
    t->kern.dist(t->soa + begin, t->n, end - begin, t->d, s->qf, g);
    for (size_t c = 0; c < end - begin; c++) {
        double worst = knn_worst(s);
        /* surely not closer than the k-th: the float distance is too far */
        if ((double)g[c] >= worst + s->margin)
            continue;
        double dist = exact_dist(t, begin + c, s->q);
        if (dist >= worst)
            continue;
        size_t row = t->idx[begin + c];
        if (!excluded(s->ex, row))
            knn_insert(s, dist, row);
    }
}

static void bknn_block(const kdtree *t, const kd_node *nd, knn_state *s)
{
    kdtree_scan_knn(t, nd->begin, nd->end, s);
}

size_t kdtree_knn_blocked(const kdtree *t, const double *q, size_t k, const kdtree_exclusion *ex, double *dist,
                          size_t *idx)
{
    if (k == 0 || !t->soa)
        return kdtree_knn(t, q, k, ex, dist, idx);
    float qf[CS_KDTREE_BLOCK_DIM_MAX];
    double margin = screen_margin(t, q, qf);
    knn_state s = {q, k, 0, dist, idx, ex, t->block, qf, margin};
    knn_node(t, 0, &s);
    return s.m;
}

size_t kdtree_count_blocked(const kdtree *t, const double *q, const double *r, int strict)
{
    if (!t->soa)
        return kdtree_count(t, q, r, strict);
    float qf[CS_KDTREE_BLOCK_DIM_MAX], in_lt[CS_KDTREE_BLOCK_DIM_MAX], out_ge[CS_KDTREE_BLOCK_DIM_MAX];
    double margin = screen_margin(t, q, qf);
    screen_thresholds(t->d, r, margin, in_lt, out_ge);
    count_query cq = {q, r, strict, t->block, qf, in_lt, out_ge};
    return count_node(t, 0, &cq);
}

/* Measured (docs/estimators.md, "KSG neighbour search": KSG MI of m + m
 * correlated Gaussian columns, N = 3e4, k = 4, CPU seconds of the whole
 * estimate on one thread, the fine search against blocks of 64 and 256):
 * range counts gain from blocks from 2 dimensions on, most with 256 (m = 2:
 * 0.198 fine, 0.099 / 0.091; m = 4: 1.59, 0.47 / 0.43); k-NN searches
 * gain from 6 dimensions on, most with 256 (8-D: 0.43, 0.37 / 0.33 with
 * counts blocked; 10-D at N = 1e5: the whole KSG-2 estimate 3.8 s with 256,
 * 4.4 s with 128), break even at 4 and lose at 2 (0.030 fine, 0.042). */
size_t kdtree_block_size_for(size_t n, size_t d, int for_count)
{
    (void)n;
    if (d > CS_KDTREE_BLOCK_DIM_MAX || d < 2)
        return 0;
    if (for_count)
        return 256;
    return d >= 5 ? 256 : (d >= 3 ? 64 : 0);
}
