/* Static max-norm kd-tree: median-position splits on the widest coordinate,
 * tight bounding boxes, points stored in tree order for cache locality.
 * See kdtree.h for the exactness argument. */
#include "info/kdtree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Leaf size: small enough that leaves are scanned quickly, large enough that
 * the box tests of the inner nodes do not dominate (measured best 8-16 for
 * 2-10 dimensions). */
#define KD_LEAF 12

typedef struct {
    size_t begin, end; /* positions [begin, end) in tree order */
    size_t left;       /* child node indices; left == 0 marks a leaf (the */
    size_t right;      /* root is node 0 and is nobody's child) */
} kd_node;

struct cs_kdtree {
    size_t n, d;
    double *pts;  /* n x d in tree order */
    size_t *idx;  /* tree position -> original row */
    kd_node *nodes;
    size_t n_nodes;
    double *lo, *hi; /* n_nodes x d bounding boxes */
};

static size_t count_nodes(size_t size)
{
    if (size <= KD_LEAF)
        return 1;
    size_t half = size / 2;
    return 1 + count_nodes(half) + count_nodes(size - half);
}

/* Reorder perm[0..n) so that perm[m] holds the element of rank m by key
 * pts[perm[.]*stride + dim], smaller keys before, larger after. Three-way
 * partitioning keeps runs of equal keys linear. */
static void select_nth(size_t *perm, size_t n, size_t m, const double *pts, size_t stride,
                       size_t dim)
{
    size_t lo = 0, hi = n; /* active range [lo, hi) contains position m */
    while (hi - lo > 1) {
        size_t a = lo, b = lo + (hi - lo) / 2, c = hi - 1;
        double ka = pts[perm[a] * stride + dim], kb = pts[perm[b] * stride + dim],
               kc = pts[perm[c] * stride + dim];
        double pivot = (ka < kb) ? ((kb < kc) ? kb : (ka < kc ? kc : ka))
                                 : ((ka < kc) ? ka : (kb < kc ? kc : kb));
        /* Dutch flag: [lo, lt) < pivot, [lt, i) == pivot, [gt, hi) > pivot */
        size_t lt = lo, i = lo, gt = hi;
        while (i < gt) {
            double key = pts[perm[i] * stride + dim];
            if (key < pivot) {
                size_t tmp = perm[lt];
                perm[lt++] = perm[i];
                perm[i++] = tmp;
            } else if (key > pivot) {
                size_t tmp = perm[--gt];
                perm[gt] = perm[i];
                perm[i] = tmp;
            } else {
                i++;
            }
        }
        if (m < lt)
            hi = lt;
        else if (m >= gt)
            lo = gt;
        else
            return;
    }
}

typedef struct {
    cs_kdtree *t;
    const double *src;
    size_t stride;
    size_t *perm;
    size_t next; /* next free node index */
} build_ctx;

static void build(build_ctx *b, size_t node, size_t begin, size_t end)
{
    cs_kdtree *t = b->t;
    size_t d = t->d;
    double *lo = t->lo + node * d, *hi = t->hi + node * d;
    for (size_t j = 0; j < d; j++) {
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
    }
    for (size_t p = begin; p < end; p++) {
        const double *x = b->src + b->perm[p] * b->stride;
        for (size_t j = 0; j < d; j++) {
            if (x[j] < lo[j])
                lo[j] = x[j];
            if (x[j] > hi[j])
                hi[j] = x[j];
        }
    }
    kd_node *nd = &t->nodes[node];
    nd->begin = begin;
    nd->end = end;
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
        select_nth(b->perm + begin, size, half, b->src, b->stride, dim);
    size_t left = b->next++;
    size_t right = b->next++;
    nd->left = left;
    nd->right = right;
    build(b, left, begin, begin + half);
    build(b, right, begin + half, end);
}

cs_status cs_kdtree_create(const double *pts, size_t n, size_t d, size_t stride, cs_kdtree **out)
{
    *out = NULL;
    if (n == 0 || d == 0)
        return cs_error_set(CS_EINVAL, "kd-tree: need at least one point and one dimension "
                                       "(got %zu points, %zu dimensions)", n, d);
    if (stride < d)
        return cs_error_set(CS_EINVAL, "kd-tree: row stride %zu is smaller than the dimension %zu",
                            stride, d);
    cs_kdtree *t = calloc(1, sizeof *t);
    if (!t)
        return cs_error_set(CS_ENOMEM, "kd-tree: out of memory");
    t->n = n;
    t->d = d;
    t->n_nodes = count_nodes(n);
    t->pts = malloc(n * d * sizeof *t->pts);
    t->idx = malloc(n * sizeof *t->idx);
    t->nodes = malloc(t->n_nodes * sizeof *t->nodes);
    t->lo = malloc(t->n_nodes * d * sizeof *t->lo);
    t->hi = malloc(t->n_nodes * d * sizeof *t->hi);
    if (!t->pts || !t->idx || !t->nodes || !t->lo || !t->hi) {
        cs_kdtree_destroy(t);
        return cs_error_set(CS_ENOMEM, "kd-tree: out of memory for %zu points x %zu dimensions",
                            n, d);
    }
    for (size_t i = 0; i < n; i++)
        t->idx[i] = i;
    build_ctx b = {t, pts, stride, t->idx, 1};
    build(&b, 0, 0, n);
    for (size_t p = 0; p < n; p++)
        memcpy(t->pts + p * d, pts + t->idx[p] * stride, d * sizeof *t->pts);
    *out = t;
    return CS_OK;
}

void cs_kdtree_destroy(cs_kdtree *t)
{
    if (!t)
        return;
    free(t->pts);
    free(t->idx);
    free(t->nodes);
    free(t->lo);
    free(t->hi);
    free(t);
}

size_t cs_kdtree_size(const cs_kdtree *t) { return t->n; }
size_t cs_kdtree_dim(const cs_kdtree *t) { return t->d; }

/* Max-norm distance from q to the box of `node` (0 inside). */
static inline double box_dist(const cs_kdtree *t, size_t node, const double *q)
{
    const double *lo = t->lo + node * t->d, *hi = t->hi + node * t->d;
    double m = 0;
    for (size_t j = 0; j < t->d; j++) {
        double g = 0;
        if (q[j] < lo[j])
            g = lo[j] - q[j];
        else if (q[j] > hi[j])
            g = q[j] - hi[j];
        if (g > m)
            m = g;
    }
    return m;
}

typedef struct {
    const double *q;
    size_t k, m;
    double *dist;
    size_t *idx;
    const cs_kdtree_exclusion *ex;
} knn_state;

static inline int excluded(const cs_kdtree_exclusion *ex, size_t j)
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

static void knn_leaf(const cs_kdtree *t, const kd_node *nd, knn_state *s)
{
    size_t d = t->d;
    for (size_t p = nd->begin; p < nd->end; p++) {
        const double *x = t->pts + p * d;
        int full = s->m == s->k;
        double worst = full ? s->dist[s->k - 1] : INFINITY;
        double dist = 0;
        size_t j;
        for (j = 0; j < d; j++) {
            double g = fabs(x[j] - s->q[j]);
            if (g > dist) {
                dist = g;
                if (dist >= worst)
                    break;
            }
        }
        if (j < d || (full && dist >= worst))
            continue;
        size_t row = t->idx[p];
        if (excluded(s->ex, row))
            continue;
        /* insert keeping ascending order; equal distances keep earlier first */
        size_t pos = full ? s->k - 1 : s->m++;
        while (pos > 0 && s->dist[pos - 1] > dist) {
            s->dist[pos] = s->dist[pos - 1];
            s->idx[pos] = s->idx[pos - 1];
            pos--;
        }
        s->dist[pos] = dist;
        s->idx[pos] = row;
    }
}

static void knn_node(const cs_kdtree *t, size_t node, knn_state *s)
{
    const kd_node *nd = &t->nodes[node];
    if (nd->left == 0) {
        knn_leaf(t, nd, s);
        return;
    }
    double dl = box_dist(t, nd->left, s->q), dr = box_dist(t, nd->right, s->q);
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

size_t cs_kdtree_knn(const cs_kdtree *t, const double *q, size_t k, const cs_kdtree_exclusion *ex,
                     double *dist, size_t *idx)
{
    if (k == 0)
        return 0;
    knn_state s = {q, k, 0, dist, idx, ex};
    knn_node(t, 0, &s);
    return s.m;
}

/* 0: box entirely outside the query box, 1: entirely inside, 2: straddles. */
static inline int classify(const cs_kdtree *t, size_t node, const double *q, const double *r,
                           int strict)
{
    const double *lo = t->lo + node * t->d, *hi = t->hi + node * t->d;
    int inside = 1;
    for (size_t j = 0; j < t->d; j++) {
        double gap_lo = q[j] - lo[j]; /* >= 0 when q is above lo */
        double gap_hi = hi[j] - q[j];
        /* nearest point of the box along j (0 if q is inside the slab) */
        double near = gap_lo < 0 ? -gap_lo : (gap_hi < 0 ? -gap_hi : 0);
        if (strict ? !(near < r[j]) : !(near <= r[j]))
            return 0;
        double far = fabs(gap_lo) > fabs(gap_hi) ? fabs(gap_lo) : fabs(gap_hi);
        if (strict ? !(far < r[j]) : !(far <= r[j]))
            inside = 0;
    }
    return inside ? 1 : 2;
}

static size_t count_node(const cs_kdtree *t, size_t node, const double *q, const double *r,
                         int strict)
{
    const kd_node *nd = &t->nodes[node];
    int c = classify(t, node, q, r, strict);
    if (c == 0)
        return 0;
    if (c == 1)
        return nd->end - nd->begin;
    if (nd->left != 0)
        return count_node(t, nd->left, q, r, strict) + count_node(t, nd->right, q, r, strict);
    size_t d = t->d, n = 0;
    for (size_t p = nd->begin; p < nd->end; p++) {
        const double *x = t->pts + p * d;
        size_t j;
        for (j = 0; j < d; j++) {
            double g = fabs(x[j] - q[j]);
            if (strict ? !(g < r[j]) : !(g <= r[j]))
                break;
        }
        n += (j == d);
    }
    return n;
}

size_t cs_kdtree_count(const cs_kdtree *t, const double *q, const double *r, int strict)
{
    return count_node(t, 0, q, r, strict);
}
