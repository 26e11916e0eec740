/* Internal: the two inner loops of the blocked nearest-neighbour search
 * (kdtree.c), over a block of points stored coordinate by coordinate
 * ("structure of arrays": coordinate j of point c at x[j * n + c]) in float,
 * so that the compiler vectorises them across 8 points per AVX2 register.
 *
 * The float copy only screens: the caller knows a bound `margin` on how far
 * a float distance can be from the exact double one (see kdtree.c), takes
 * the points that are surely out or surely in on the float values, and
 * decides every point within the margin of a threshold from the double
 * coordinates with the same IEEE operations as the scalar kd-tree code. So
 * every distance and count the caller reports is the exact double one.
 *
 * Two builds of each loop exist on x86-64: one for the baseline instruction
 * set and one compiled for AVX2 (the compiler's own vectoriser, no
 * intrinsics); knn_kernels_pick() checks the processor once at plan time
 * and the plan keeps the pointers (no global state). */
#ifndef COGSCOPE_INFO_KNN_KERNELS_H
#define COGSCOPE_INFO_KNN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Largest block the kernels accept (their scratch lives on the stack). */
#define CS_KNN_BLOCK_MAX 128

/* out[c] = max_j fabsf(x[j * n + c] - q[j]) for c in [0, len), in float;
 * d >= 1, len <= CS_KNN_BLOCK_MAX. */
typedef void (*knn_dist_fn)(const float *x, size_t n, size_t len, size_t d, const float *q, float *out);

/* Classify points c in [0, len) against per-coordinate float thresholds:
 * "in" when for every j g_j = fabsf(x[j * n + c] - q[j]) is < in_lt[j],
 * "out" when for some j g_j >= out_ge[j], else undecided. Returns the number
 * in; writes the undecided positions to undecided[0..*n_undecided). */
typedef size_t (*knn_count_fn)(const float *x, size_t n, size_t len, size_t d, const float *q, const float *in_lt,
                               const float *out_ge, uint8_t *undecided, size_t *n_undecided);

typedef struct {
    knn_dist_fn dist;
    knn_count_fn count;
    const char *isa; /* "avx2" or "baseline" */
} knn_kernels;

/* The fastest build this processor runs. */
knn_kernels knn_kernels_pick(void);

/* The baseline build (tests compare the two). */
knn_kernels knn_kernels_baseline(void);

#endif
