/* Internal: the two inner loops of the blocked nearest-neighbour search
 * (kdtree.c), over a block of points stored coordinate by coordinate
 * ("structure of arrays": coordinate j of point c at x[j * n + c]), so that
 * the compiler vectorises them across points.
 *
 * Exactness: every distance is fabs(x - q) per coordinate and their maximum,
 * the same IEEE operations as the scalar kd-tree code, so the distances and
 * counts are bit-identical whatever instruction set runs them.
 *
 * Two builds of each loop exist on x86-64: one for the baseline instruction
 * set and one compiled for AVX2 (the compiler's own vectoriser, no
 * intrinsics); cs_knn_kernels_pick() checks the processor once at plan time
 * and the plan keeps the pointers (no global state). */
#ifndef COGSCOPE_INFO_KNN_KERNELS_H
#define COGSCOPE_INFO_KNN_KERNELS_H

#include <stddef.h>

/* Largest block the kernels accept (their scratch lives on the stack). */
#define CS_KNN_BLOCK_MAX 128

/* out[c] = max_j fabs(x[j * n + c] - q[j]) for c in [0, len); d >= 1,
 * len <= CS_KNN_BLOCK_MAX. */
typedef void (*cs_knn_dist_fn)(const double *x, size_t n, size_t len, size_t d, const double *q,
                               double *out);

/* Number of c in [0, len) with fabs(x[j * n + c] - q[j]) < r[j] for every j
 * (strict != 0) or <= r[j] (strict == 0). */
typedef size_t (*cs_knn_count_fn)(const double *x, size_t n, size_t len, size_t d, const double *q,
                                  const double *r, int strict);

typedef struct {
    cs_knn_dist_fn dist;
    cs_knn_count_fn count;
    const char *isa; /* "avx2" or "baseline" */
} cs_knn_kernels;

/* The fastest build this processor runs. */
cs_knn_kernels cs_knn_kernels_pick(void);

/* The baseline build (tests compare the two). */
cs_knn_kernels cs_knn_kernels_baseline(void);

#endif
