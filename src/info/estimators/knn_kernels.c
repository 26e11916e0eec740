/* Vectorisable inner loops of the blocked max-norm search; see knn_kernels.h.
 * The loop bodies are written once (static inline) and instantiated for the
 * baseline and for AVX2; GCC and clang inline a baseline body into an AVX2
 * function and vectorise it for the wider registers. (A variant that stopped
 * a group of points once all were out measured slower: the exit branch
 * mispredicts more than the skipped coordinates cost.) */
#include "knn_kernels.h"

#include <math.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KNN_HAVE_AVX2 1
#endif

static inline __attribute__((always_inline)) void dist_body(const float *restrict x, size_t n, size_t len, size_t d,
                                                            const float *restrict q, float *restrict out)
{
    float q0 = q[0];
    for (size_t c = 0; c < len; c++)
        out[c] = fabsf(x[c] - q0);
    for (size_t j = 1; j < d; j++) {
        const float *restrict xj = x + j * n;
        float qj = q[j];
        for (size_t c = 0; c < len; c++) {
            float g = fabsf(xj[c] - qj);
            out[c] = g > out[c] ? g : out[c];
        }
    }
}

/* Per point two masks (all ones / zero), branch-free: every coordinate
 * surely inside, and some coordinate surely outside. */
static inline __attribute__((always_inline)) size_t count_body(const float *restrict x, size_t n, size_t len,
                                                               size_t d, const float *restrict q,
                                                               const float *restrict in_lt,
                                                               const float *restrict out_ge,
                                                               uint8_t *restrict undecided, size_t *n_undecided)
{
    int32_t in[CS_KNN_BLOCK_MAX], out[CS_KNN_BLOCK_MAX];
    for (size_t c = 0; c < len; c++) {
        in[c] = -1;
        out[c] = 0;
    }
    for (size_t j = 0; j < d; j++) {
        const float *restrict xj = x + j * n;
        float qj = q[j], a = in_lt[j], b = out_ge[j];
        for (size_t c = 0; c < len; c++) {
            float g = fabsf(xj[c] - qj);
            in[c] &= -(int32_t)(g < a);
            out[c] |= -(int32_t)(g >= b);
        }
    }
    size_t total = 0, m = 0;
    for (size_t c = 0; c < len; c++) {
        total += (size_t)(in[c] & 1);
        undecided[m] = (uint8_t)c;
        m += (size_t)(~(in[c] | out[c]) & 1);
    }
    *n_undecided = m;
    return total;
}

static void dist_base(const float *x, size_t n, size_t len, size_t d, const float *q, float *out)
{
    dist_body(x, n, len, d, q, out);
}

static size_t count_base(const float *x, size_t n, size_t len, size_t d, const float *q, const float *in_lt,
                         const float *out_ge, uint8_t *undecided, size_t *n_undecided)
{
    return count_body(x, n, len, d, q, in_lt, out_ge, undecided, n_undecided);
}

#ifdef KNN_HAVE_AVX2
__attribute__((target("avx2"))) static void dist_avx2(const float *x, size_t n, size_t len, size_t d, const float *q,
                                                      float *out)
{
    dist_body(x, n, len, d, q, out);
}

__attribute__((target("avx2"))) static size_t count_avx2(const float *x, size_t n, size_t len, size_t d,
                                                         const float *q, const float *in_lt, const float *out_ge,
                                                         uint8_t *undecided, size_t *n_undecided)
{
    return count_body(x, n, len, d, q, in_lt, out_ge, undecided, n_undecided);
}
#endif

knn_kernels knn_kernels_baseline(void)
{
    knn_kernels k = {dist_base, count_base, "baseline"};
    return k;
}

knn_kernels knn_kernels_pick(void)
{
#ifdef KNN_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        knn_kernels k = {dist_avx2, count_avx2, "avx2"};
        return k;
    }
#endif
    return knn_kernels_baseline();
}
