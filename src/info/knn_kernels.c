/* Vectorisable inner loops of the blocked max-norm search; see knn_kernels.h.
 * The loop bodies are written once (static inline) and instantiated for the
 * baseline and for AVX2; GCC and clang inline a baseline body into an AVX2
 * function and vectorise it for the wider registers. */
#include "info/knn_kernels.h"

#include <math.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KNN_HAVE_AVX2 1
#endif

static inline __attribute__((always_inline)) void dist_body(const double *restrict x, size_t n,
                                                            size_t len, size_t d,
                                                            const double *restrict q,
                                                            double *restrict out)
{
    double q0 = q[0];
    for (size_t c = 0; c < len; c++)
        out[c] = fabs(x[c] - q0);
    for (size_t j = 1; j < d; j++) {
        const double *restrict xj = x + j * n;
        double qj = q[j];
        for (size_t c = 0; c < len; c++) {
            double g = fabs(xj[c] - qj);
            out[c] = g > out[c] ? g : out[c];
        }
    }
}

/* The within-test is kept per point as an integer mask (all ones / zero)
 * so the loop stays branch-free; strict and non-strict are separate loops
 * so neither carries the other's comparison. (A variant that stopped a
 * group of points once all were out measured slower: the exit branch
 * mispredicts more than the skipped coordinates cost.) */
static inline __attribute__((always_inline)) size_t count_body(const double *restrict x, size_t n,
                                                               size_t len, size_t d,
                                                               const double *restrict q,
                                                               const double *restrict r, int strict)
{
    int64_t in[CS_KNN_BLOCK_MAX];
    for (size_t c = 0; c < len; c++)
        in[c] = -1;
    for (size_t j = 0; j < d; j++) {
        const double *restrict xj = x + j * n;
        double qj = q[j], rj = r[j];
        if (strict)
            for (size_t c = 0; c < len; c++)
                in[c] &= -(int64_t)(fabs(xj[c] - qj) < rj);
        else
            for (size_t c = 0; c < len; c++)
                in[c] &= -(int64_t)(fabs(xj[c] - qj) <= rj);
    }
    int64_t total = 0;
    for (size_t c = 0; c < len; c++)
        total -= in[c];
    return (size_t)total;
}

static void dist_base(const double *x, size_t n, size_t len, size_t d, const double *q, double *out)
{
    dist_body(x, n, len, d, q, out);
}

static size_t count_base(const double *x, size_t n, size_t len, size_t d, const double *q,
                         const double *r, int strict)
{
    return count_body(x, n, len, d, q, r, strict);
}

#ifdef KNN_HAVE_AVX2
__attribute__((target("avx2"))) static void dist_avx2(const double *x, size_t n, size_t len,
                                                      size_t d, const double *q, double *out)
{
    dist_body(x, n, len, d, q, out);
}

__attribute__((target("avx2"))) static size_t count_avx2(const double *x, size_t n, size_t len,
                                                         size_t d, const double *q,
                                                         const double *r, int strict)
{
    return count_body(x, n, len, d, q, r, strict);
}
#endif

cs_knn_kernels cs_knn_kernels_baseline(void)
{
    cs_knn_kernels k = {dist_base, count_base, "baseline"};
    return k;
}

cs_knn_kernels cs_knn_kernels_pick(void)
{
#ifdef KNN_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        cs_knn_kernels k = {dist_avx2, count_avx2, "avx2"};
        return k;
    }
#endif
    return cs_knn_kernels_baseline();
}
