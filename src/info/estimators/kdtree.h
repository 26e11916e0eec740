/* Internal: a static kd-tree over n points in d dimensions with the max-norm
 * (Chebyshev distance), for the KSG estimators. Build once, query many times
 * from many threads at once (queries only read the tree).
 *
 * Exactness. Every distance is evaluated as fabs(p[j] - q[j]) per coordinate,
 * and node boxes are the tight bounding boxes of their points. Because IEEE
 * subtraction is monotone, the box tests prune exactly the nodes whose points
 * would fail the per-point test, so results are bit-identical to a brute-force
 * scan using the same comparisons (strict/non-strict as asked). Ties in the
 * k-NN search keep the candidate found first (a closer-or-equal candidate
 * replaces the current k-th only if strictly closer), as JIDT does; the k-th
 * distance itself never depends on the tie order.
 *
 * Exact duplicates are fine: nodes are split at the median position, never at
 * a value, so depth stays O(log n) even when all points coincide. */
#ifndef COGSCOPE_INFO_KDTREE_H
#define COGSCOPE_INFO_KDTREE_H

#include <stddef.h>
#include <stdint.h>

#include "cogscope/core.h"

typedef struct kdtree kdtree;

/* Build a tree over `pts` (n x d, row-major, `stride` >= d doubles between
 * rows); the points are copied, so `pts` may be freed afterwards. n >= 1,
 * d >= 1. Large trees are built with up to `threads` OpenMP threads (the
 * tree is the same for any thread count). Errors: CS_EINVAL (n or d is 0),
 * CS_ELIMIT (n >= 2^32), CS_ENOMEM. */
cs_status kdtree_create(const double *pts, size_t n, size_t d, size_t stride, int threads, kdtree **out);
/* As kdtree_create, but afterwards the tree numbers its points by tree
 * position: order[p] (caller-owned, n entries) receives the input row now
 * called p, and every query reports positions. A caller that permutes its
 * own per-row data the same way gets sequential, cache-friendly access for
 * spatially close points. */
cs_status kdtree_create_ordered(const double *pts, size_t n, size_t d, size_t stride, int threads, kdtree **out,
                                size_t *order);

void kdtree_destroy(kdtree *t);

size_t kdtree_size(const kdtree *t);

/* The original row of every tree position (n entries): visiting queries in
 * this order keeps consecutive queries spatially close, so the tree nodes
 * and marginal arrays they touch stay in cache. */
const size_t *kdtree_order(const kdtree *t);

/* The points in tree order (n x d, contiguous), valid while the tree lives. */
const double *kdtree_points(const kdtree *t);
size_t kdtree_dim(const kdtree *t);

/* Rows (original point indices) that a k-NN query must skip: `self` always;
 * when w > 0 also every row j with |times[j] - t| <= w (a Theiler window). */
typedef struct {
    size_t self;
    const int64_t *times; /* n entries; may be NULL when w == 0 */
    int64_t t;            /* time of the query row */
    int64_t w;            /* >= 0 */
} kdtree_exclusion;

/* The k nearest neighbours of q[0..d) in max-norm, excluding `ex` (NULL:
 * exclude nothing). Writes ascending distances dist[0..m) and their original
 * row indices idx[0..m), and returns m = min(k, number of eligible points). */
size_t kdtree_knn(const kdtree *t, const double *q, size_t k, const kdtree_exclusion *ex, double *dist, size_t *idx);

/* Number of points p with, for every coordinate j, fabs(p[j] - q[j]) < r[j]
 * (strict != 0) or <= r[j] (strict == 0). Nothing is excluded: callers
 * subtract the rows they exclude. */
size_t kdtree_count(const kdtree *t, const double *q, const double *r, int strict);

/* Blocked search (for many dimensions, where boxes prune little near the
 * leaves): descend the same tree only until a subtree holds at most `block`
 * points (2..CS_KNN_BLOCK_MAX), then scan it whole with vectorised loops
 * (AVX2 when the processor has it, checked here) over a coordinate-major
 * float copy of the points made by kdtree_blocks_prepare. The float
 * values only screen: points within a rounding margin of the k-th distance
 * or of a radius are decided on the double coordinates. Not thread-safe
 * against concurrent queries; call it once after create.
 * Errors: CS_EINVAL (block size), CS_ENOMEM. */
cs_status kdtree_blocks_prepare(kdtree *t, size_t block);
/* The blocked search screens in float, so it is prepared only for at most
 * this many dimensions and coordinates of magnitude below 1e30 (otherwise
 * prepare leaves the fine search in place and returns CS_OK). */
#define CS_KDTREE_BLOCK_DIM_MAX 64
int kdtree_has_blocks(const kdtree *t);
/* The instruction set of the scan loops ("avx2", "baseline", "none"). */
const char *kdtree_blocks_isa(const kdtree *t);

/* As kdtree_knn and kdtree_count, by the blocked search (the fine
 * search when blocks were not prepared). The distances dist[0..m) and the
 * counts are the same to the bit. The neighbour SET is the same too unless
 * an eligible point outside it lies at exactly the k-th distance: then which
 * of the tied points is kept depends on the visiting order. A caller that
 * needs the fine search's choice asks for k + 1 neighbours here and repeats
 * the query with kdtree_knn when dist[k] == dist[k - 1]. */
size_t kdtree_knn_blocked(const kdtree *t, const double *q, size_t k, const kdtree_exclusion *ex, double *dist,
                          size_t *idx);
size_t kdtree_count_blocked(const kdtree *t, const double *q, const double *r, int strict);

/* ---- batched searches (kdtree_batch.c) ----------------------------------
 * Many queries that lie close together share one walk of the upper tree:
 * it collects the blocks that may matter to any of them (the tests are
 * made against the hull of the queries, so they prune only what every
 * query would prune), then each query decides the collected blocks by the
 * box loops of knn_kernels.h (many boxes per instruction) and scans the
 * blocks left undecided by the float screen. The answers are those of
 * kdtree_knn_blocked / kdtree_count_blocked: distances and counts to the
 * bit, and the neighbour set unless a point ties at the k-th distance (the
 * caller's remedy is the same). Only for trees with blocks prepared. */

typedef struct kdtree_scratch kdtree_scratch;

/* Per-thread scratch for the batched searches of tree t, for batches of at
 * most max_queries queries (<= CS_KNN_BLOCK_MAX). */
cs_status kdtree_scratch_create(const kdtree *t, size_t max_queries, kdtree_scratch **out);
void kdtree_scratch_destroy(kdtree_scratch *s);

/* The blocks of the blocked search (0 without blocks), in tree order: block b
 * holds the tree positions [*begin, *end). */
size_t kdtree_block_count(const kdtree *t);
void kdtree_block_range(const kdtree *t, size_t b, size_t *begin, size_t *end);

/* The k nearest neighbours of every point of block b (the tree's own
 * points as queries; query i is position begin + i), each excluding itself
 * and, when w > 0, the rows within w of its time (times: one per original
 * row). Query i's ascending distances and original rows go to
 * dist[i * k ..], idx[i * k ..], their number to m[i]. */
void kdtree_knn_block(const kdtree *t, size_t b, size_t k, const int64_t *times, int64_t w, kdtree_scratch *sc,
                      double *dist, size_t *idx, size_t *m);

/* Range counts of nq <= max_queries queries: out[i] = kdtree_count(t, q[i],
 * r + i * d, strict). Fastest when the queries lie close together. */
void kdtree_count_batch(const kdtree *t, size_t nq, const double *const *q, const double *r, int strict,
                        kdtree_scratch *sc, size_t *out);

/* The crossover rule: the block size with which the blocked search beats
 * the fine one for n points in d dimensions, or 0 when it does not
 * (measured; see kdtree.c), for k-NN searches (for_count = 0) or range
 * counts (for_count = 1). */
size_t kdtree_block_size_for(size_t n, size_t d, int for_count);

#endif
