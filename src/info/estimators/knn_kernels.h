/* Internal: the inner loops of the blocked nearest-neighbour searches
 * (kdtree.c, kdtree_batch.c).
 *
 * Point loops run over a block of points stored coordinate by coordinate
 * ("structure of arrays": coordinate j of point c at x[j * n + c]) in float,
 * 8 points per AVX2 register. The float copy only screens: the caller knows
 * a bound `margin` on how far a float distance can be from the exact double
 * one (kdtree_impl.h), takes the points that are surely out or surely in on
 * the float values, and decides every point within the margin of a
 * threshold from the double coordinates with the same IEEE operations as the
 * scalar kd-tree code. So every distance and count the caller reports is the
 * exact double one. Results come back as bit masks (bit c of word c / 64 for
 * point c), so the caller visits only the few points that need more work.
 *
 * Box loops run over the bounding boxes of many blocks (double, coordinate
 * major: lo[j * stride + b]) and compute, per box, exactly what the scalar
 * kd-tree code computes for a node (same operations in the same order), so
 * their decisions are the scalar ones.
 *
 * Builds on x86-64: the baseline instruction set (plain C), AVX2
 * (intrinsics for the point loops, the compiler's vectoriser for the box
 * loops) and AVX-512 (16-point loops; box loops as AVX2);
 * knn_kernels_pick() checks the processor once (when a tree prepares its
 * blocks) and the tree keeps the pointers (no global state). Elsewhere the
 * plain C build. */
#ifndef COGSCOPE_INFO_KNN_KERNELS_H
#define COGSCOPE_INFO_KNN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Largest block the point loops accept (their masks are two words). */
#define CS_KNN_BLOCK_MAX 256
#define CS_KNN_MASK_WORDS (CS_KNN_BLOCK_MAX / 64)

/* out[c] = max_j fabsf(x[j * n + c] - q[j]) for c in [0, len), in float;
 * d >= 1, len <= CS_KNN_BLOCK_MAX. */
typedef void (*knn_dist_fn)(const float *x, size_t n, size_t len, size_t d, const float *q, float *out);

/* Bit c of mask set when max_j fabsf(x[j * n + c] - q[j]) < thr (the float
 * distance as knn_dist_fn computes it), for c in [0, len). */
typedef void (*knn_below_fn)(const float *x, size_t n, size_t len, size_t d, const float *q, float thr,
                             uint64_t mask[CS_KNN_MASK_WORDS]);

/* Classify points c in [0, len) against per-coordinate float thresholds:
 * "in" when for every j g_j = fabsf(x[j * n + c] - q[j]) is < in_lt[j],
 * "out" when for some j g_j >= out_ge[j], else undecided. Returns the number
 * in; sets the bits of the undecided points in undecided. */
typedef size_t (*knn_count_fn)(const float *x, size_t n, size_t len, size_t d, const float *q, const float *in_lt,
                               const float *out_ge, uint64_t undecided[CS_KNN_MASK_WORDS]);

/* As knn_count_fn with the same thresholds in every coordinate (a query
 * box that is a cube): in when the float max-norm distance is < in_lt, out
 * when it is >= out_ge. */
typedef size_t (*knn_count1_fn)(const float *x, size_t n, size_t len, size_t d, const float *q, float in_lt,
                                float out_ge, uint64_t undecided[CS_KNN_MASK_WORDS]);

/* bd[b] = max(0, max_j max(lo[j * s + b] - q[j], q[j] - hi[j * s + b])) for
 * b in [0, nb): the max-norm distance from q to each box. */
typedef void (*knn_boxdist_fn)(const double *lo, const double *hi, size_t s, size_t nb, size_t d, const double *q,
                               double *bd);

/* cls[b] for each box b in [0, nb), against the query box {p : fabs(p_j -
 * q_j) < r_j for all j} (strict; <= r_j otherwise): 0 when no point of box b
 * can lie in it, 1 when every point does, 2 otherwise. scratch: 2 nb ints. */
typedef void (*knn_classify_fn)(const double *lo, const double *hi, size_t s, size_t nb, size_t d, const double *q,
                                const double *r, int strict, int32_t *scratch, uint8_t *cls);

typedef struct {
    knn_dist_fn dist;
    knn_below_fn below;
    knn_count_fn count;
    knn_count1_fn count1;
    knn_boxdist_fn boxdist;
    knn_classify_fn classify;
    const char *isa; /* "baseline", "avx2" or "avx512" */
} knn_kernels;

/* The fastest build this processor runs. */
knn_kernels knn_kernels_pick(void);

/* Every build this processor runs, slowest (baseline) first, into out
 * (room for KNN_KERNELS_MAX); returns how many. */
#define KNN_KERNELS_MAX 3
size_t knn_kernels_available(knn_kernels *out);

/* The baseline build (tests compare the two). */
knn_kernels knn_kernels_baseline(void);

#endif
