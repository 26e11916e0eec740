/* Vectorised inner loops of the blocked max-norm searches; see knn_kernels.h.
 * The plain-C bodies are written once (static inline) and instantiated for
 * the baseline and for AVX2, where the compiler vectorises them for the
 * wider registers; the point loops that end in bit masks have an AVX2
 * version in intrinsics (compare + movemask), which the compiler's
 * vectoriser does not find. (A variant that stopped a group of points once
 * all were out measured slower: the exit branch mispredicts more than the
 * skipped coordinates cost.) */
#include "knn_kernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KNN_HAVE_AVX2 1
#include <immintrin.h>
#endif

#define INLINE static inline __attribute__((always_inline))

INLINE void dist_body(const float *restrict x, size_t n, size_t len, size_t d, const float *restrict q,
                      float *restrict out)
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

INLINE void below_body(const float *x, size_t n, size_t len, size_t d, const float *q, float thr,
                       uint64_t mask[CS_KNN_MASK_WORDS])
{
    float g[CS_KNN_BLOCK_MAX];
    dist_body(x, n, len, d, q, g);
    memset(mask, 0, CS_KNN_MASK_WORDS * sizeof *mask);
    for (size_t c = 0; c < len; c++)
        mask[c >> 6] |= (uint64_t)(g[c] < thr) << (c & 63);
}

/* Per point two masks (all ones / zero), branch-free: every coordinate
 * surely inside, and some coordinate surely outside. */
INLINE size_t count_body(const float *restrict x, size_t n, size_t len, size_t d, const float *restrict q,
                         const float *restrict in_lt, const float *restrict out_ge,
                         uint64_t undecided[CS_KNN_MASK_WORDS])
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
    size_t total = 0;
    memset(undecided, 0, CS_KNN_MASK_WORDS * sizeof *undecided);
    for (size_t c = 0; c < len; c++) {
        total += (size_t)(in[c] & 1);
        undecided[c >> 6] |= (uint64_t)(~(in[c] | out[c]) & 1) << (c & 63);
    }
    return total;
}

INLINE size_t count1_body(const float *x, size_t n, size_t len, size_t d, const float *q, float in_lt, float out_ge,
                          uint64_t undecided[CS_KNN_MASK_WORDS])
{
    float g[CS_KNN_BLOCK_MAX];
    dist_body(x, n, len, d, q, g);
    size_t total = 0;
    memset(undecided, 0, CS_KNN_MASK_WORDS * sizeof *undecided);
    for (size_t c = 0; c < len; c++) {
        total += (size_t)(g[c] < in_lt);
        undecided[c >> 6] |= (uint64_t)(!(g[c] < in_lt) & (g[c] < out_ge)) << (c & 63);
    }
    return total;
}

INLINE void boxdist_body(const double *restrict lo, const double *restrict hi, size_t s, size_t nb, size_t d,
                         const double *restrict q, double *restrict bd)
{
    for (size_t b = 0; b < nb; b++)
        bd[b] = 0;
    for (size_t j = 0; j < d; j++) {
        const double *restrict lj = lo + j * s, *restrict hj = hi + j * s;
        double qj = q[j];
        for (size_t b = 0; b < nb; b++) {
            double u = lj[b] - qj, v = qj - hj[b];
            double g = u > v ? u : v;
            bd[b] = g > bd[b] ? g : bd[b];
        }
    }
}

/* The node test of kdtree.c's classify(), over many boxes: per coordinate
 * the box's nearest point is max(lo - q, q - hi, 0) away and its farthest
 * max(|q - lo|, |hi - q|). */
INLINE void classify_body(const double *restrict lo, const double *restrict hi, size_t s, size_t nb, size_t d,
                          const double *restrict q, const double *restrict r, int strict, int32_t *restrict scratch,
                          uint8_t *restrict cls)
{
    int32_t *restrict outside = scratch, *restrict inside = scratch + nb;
    int32_t ns = !strict;
    for (size_t b = 0; b < nb; b++) {
        outside[b] = 0;
        inside[b] = 1;
    }
    for (size_t j = 0; j < d; j++) {
        const double *restrict lj = lo + j * s, *restrict hj = hi + j * s;
        double qj = q[j], rj = r[j];
        for (size_t b = 0; b < nb; b++) {
            double gap_lo = qj - lj[b], gap_hi = hj[b] - qj;
            double u = -gap_lo, v = -gap_hi;
            double near = u > v ? u : v;
            near = near > 0 ? near : 0;
            double fa = fabs(gap_lo), fb = fabs(gap_hi);
            double far = fa > fb ? fa : fb;
            outside[b] |= !((near < rj) | (ns & (near == rj)));
            inside[b] &= (far < rj) | (ns & (far == rj));
        }
    }
    for (size_t b = 0; b < nb; b++)
        cls[b] = (uint8_t)(outside[b] ? 0 : (inside[b] ? 1 : 2));
}

static void dist_base(const float *x, size_t n, size_t len, size_t d, const float *q, float *out)
{
    dist_body(x, n, len, d, q, out);
}

static void below_base(const float *x, size_t n, size_t len, size_t d, const float *q, float thr,
                       uint64_t mask[CS_KNN_MASK_WORDS])
{
    below_body(x, n, len, d, q, thr, mask);
}

static size_t count_base(const float *x, size_t n, size_t len, size_t d, const float *q, const float *in_lt,
                         const float *out_ge, uint64_t undecided[CS_KNN_MASK_WORDS])
{
    return count_body(x, n, len, d, q, in_lt, out_ge, undecided);
}

static size_t count1_base(const float *x, size_t n, size_t len, size_t d, const float *q, float in_lt, float out_ge,
                          uint64_t undecided[CS_KNN_MASK_WORDS])
{
    return count1_body(x, n, len, d, q, in_lt, out_ge, undecided);
}

static void boxdist_base(const double *lo, const double *hi, size_t s, size_t nb, size_t d, const double *q,
                         double *bd)
{
    boxdist_body(lo, hi, s, nb, d, q, bd);
}

static void classify_base(const double *lo, const double *hi, size_t s, size_t nb, size_t d, const double *q,
                          const double *r, int strict, int32_t *scratch, uint8_t *cls)
{
    classify_body(lo, hi, s, nb, d, q, r, strict, scratch, cls);
}

#ifdef KNN_HAVE_AVX2
#define AVX2 __attribute__((target("avx2")))

AVX2 static void dist_avx2(const float *x, size_t n, size_t len, size_t d, const float *q, float *out)
{
    dist_body(x, n, len, d, q, out);
}

/* The float distances of points c .. c + 7 (every coordinate loaded). */
AVX2 static inline __m256 dist8_avx2(const float *x, size_t n, size_t c, size_t d, const float *q)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_andnot_ps(sign, _mm256_sub_ps(_mm256_loadu_ps(x + c), _mm256_set1_ps(q[0])));
    for (size_t j = 1; j < d; j++) {
        __m256 g = _mm256_andnot_ps(sign, _mm256_sub_ps(_mm256_loadu_ps(x + j * n + c), _mm256_set1_ps(q[j])));
        m = _mm256_max_ps(g, m); /* as dist_body: g > m ? g : m */
    }
    return m;
}

AVX2 static void below_avx2(const float *x, size_t n, size_t len, size_t d, const float *q, float thr,
                            uint64_t mask[CS_KNN_MASK_WORDS])
{
    memset(mask, 0, CS_KNN_MASK_WORDS * sizeof *mask);
    __m256 th = _mm256_set1_ps(thr);
    size_t c = 0;
    for (; c + 8 <= len; c += 8) {
        unsigned bits = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(dist8_avx2(x, n, c, d, q), th, _CMP_LT_OQ));
        mask[c >> 6] |= (uint64_t)bits << (c & 63);
    }
    if (c < len) { /* the last partial group, point by point */
        float g[8];
        dist_body(x + c, n, len - c, d, q, g);
        for (size_t e = c; e < len; e++)
            mask[e >> 6] |= (uint64_t)(g[e - c] < thr) << (e & 63);
    }
}

AVX2 static size_t count_avx2(const float *x, size_t n, size_t len, size_t d, const float *q, const float *in_lt,
                              const float *out_ge, uint64_t undecided[CS_KNN_MASK_WORDS])
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    memset(undecided, 0, CS_KNN_MASK_WORDS * sizeof *undecided);
    size_t total = 0, c = 0;
    for (; c + 8 <= len; c += 8) {
        __m256 in = _mm256_castsi256_ps(_mm256_set1_epi32(-1)), out = _mm256_setzero_ps();
        for (size_t j = 0; j < d; j++) {
            __m256 g = _mm256_andnot_ps(sign, _mm256_sub_ps(_mm256_loadu_ps(x + j * n + c), _mm256_set1_ps(q[j])));
            in = _mm256_and_ps(in, _mm256_cmp_ps(g, _mm256_set1_ps(in_lt[j]), _CMP_LT_OQ));
            out = _mm256_or_ps(out, _mm256_cmp_ps(g, _mm256_set1_ps(out_ge[j]), _CMP_GE_OQ));
        }
        unsigned bin = (unsigned)_mm256_movemask_ps(in), bout = (unsigned)_mm256_movemask_ps(out);
        total += (size_t)__builtin_popcount(bin);
        undecided[c >> 6] |= (uint64_t)(~(bin | bout) & 0xffu) << (c & 63);
    }
    if (c < len) {
        uint64_t und[CS_KNN_MASK_WORDS];
        total += count_body(x + c, n, len - c, d, q, in_lt, out_ge, und);
        undecided[c >> 6] |= und[0] << (c & 63);
    }
    return total;
}

AVX2 static size_t count1_avx2(const float *x, size_t n, size_t len, size_t d, const float *q, float in_lt,
                               float out_ge, uint64_t undecided[CS_KNN_MASK_WORDS])
{
    memset(undecided, 0, CS_KNN_MASK_WORDS * sizeof *undecided);
    __m256 a = _mm256_set1_ps(in_lt), b = _mm256_set1_ps(out_ge);
    size_t total = 0, c = 0;
    for (; c + 8 <= len; c += 8) {
        __m256 m = dist8_avx2(x, n, c, d, q);
        unsigned bin = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(m, a, _CMP_LT_OQ));
        unsigned bout = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(m, b, _CMP_GE_OQ));
        total += (size_t)__builtin_popcount(bin);
        undecided[c >> 6] |= (uint64_t)(~(bin | bout) & 0xffu) << (c & 63);
    }
    if (c < len) {
        uint64_t und[CS_KNN_MASK_WORDS];
        total += count1_body(x + c, n, len - c, d, q, in_lt, out_ge, und);
        undecided[c >> 6] |= und[0] << (c & 63);
    }
    return total;
}

AVX2 static void boxdist_avx2(const double *lo, const double *hi, size_t s, size_t nb, size_t d, const double *q,
                              double *bd)
{
    boxdist_body(lo, hi, s, nb, d, q, bd);
}

AVX2 static void classify_avx2(const double *lo, const double *hi, size_t s, size_t nb, size_t d, const double *q,
                               const double *r, int strict, int32_t *scratch, uint8_t *cls)
{
    classify_body(lo, hi, s, nb, d, q, r, strict, scratch, cls);
}
/* AVX-512: the point loops over 16 points per register (the box loops keep
 * their AVX2 build). */
#define AVX512 __attribute__((target("avx512f")))

AVX512 static inline __m512 dist16_avx512(const float *x, size_t n, size_t c, size_t d, const float *q)
{
    __m512 m = _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(x + c), _mm512_set1_ps(q[0])));
    for (size_t j = 1; j < d; j++) {
        __m512 g = _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(x + j * n + c), _mm512_set1_ps(q[j])));
        m = _mm512_max_ps(g, m);
    }
    return m;
}

AVX512 static void below_avx512(const float *x, size_t n, size_t len, size_t d, const float *q, float thr,
                                uint64_t mask[CS_KNN_MASK_WORDS])
{
    memset(mask, 0, CS_KNN_MASK_WORDS * sizeof *mask);
    __m512 th = _mm512_set1_ps(thr);
    size_t c = 0;
    for (; c + 16 <= len; c += 16) {
        uint64_t bits = _mm512_cmp_ps_mask(dist16_avx512(x, n, c, d, q), th, _CMP_LT_OQ);
        mask[c >> 6] |= bits << (c & 63);
    }
    if (c < len) {
        float g[16];
        dist_body(x + c, n, len - c, d, q, g);
        for (size_t e = c; e < len; e++)
            mask[e >> 6] |= (uint64_t)(g[e - c] < thr) << (e & 63);
    }
}

AVX512 static size_t count1_avx512(const float *x, size_t n, size_t len, size_t d, const float *q, float in_lt,
                                   float out_ge, uint64_t undecided[CS_KNN_MASK_WORDS])
{
    memset(undecided, 0, CS_KNN_MASK_WORDS * sizeof *undecided);
    __m512 a = _mm512_set1_ps(in_lt), b = _mm512_set1_ps(out_ge);
    size_t total = 0, c = 0;
    for (; c + 16 <= len; c += 16) {
        __m512 m = dist16_avx512(x, n, c, d, q);
        unsigned bin = _mm512_cmp_ps_mask(m, a, _CMP_LT_OQ), bout = _mm512_cmp_ps_mask(m, b, _CMP_GE_OQ);
        total += (size_t)__builtin_popcount(bin);
        undecided[c >> 6] |= (uint64_t)(~(bin | bout) & 0xffffu) << (c & 63);
    }
    if (c < len) {
        uint64_t und[CS_KNN_MASK_WORDS];
        total += count1_body(x + c, n, len - c, d, q, in_lt, out_ge, und);
        undecided[c >> 6] |= und[0] << (c & 63);
    }
    return total;
}

AVX512 static size_t count_avx512(const float *x, size_t n, size_t len, size_t d, const float *q, const float *in_lt,
                                  const float *out_ge, uint64_t undecided[CS_KNN_MASK_WORDS])
{
    memset(undecided, 0, CS_KNN_MASK_WORDS * sizeof *undecided);
    size_t total = 0, c = 0;
    for (; c + 16 <= len; c += 16) {
        __mmask16 in = 0xffff, out = 0;
        for (size_t j = 0; j < d; j++) {
            __m512 g = _mm512_abs_ps(_mm512_sub_ps(_mm512_loadu_ps(x + j * n + c), _mm512_set1_ps(q[j])));
            in &= _mm512_cmp_ps_mask(g, _mm512_set1_ps(in_lt[j]), _CMP_LT_OQ);
            out |= _mm512_cmp_ps_mask(g, _mm512_set1_ps(out_ge[j]), _CMP_GE_OQ);
        }
        total += (size_t)__builtin_popcount((unsigned)in);
        undecided[c >> 6] |= (uint64_t)(~(unsigned)(in | out) & 0xffffu) << (c & 63);
    }
    if (c < len) {
        uint64_t und[CS_KNN_MASK_WORDS];
        total += count_body(x + c, n, len - c, d, q, in_lt, out_ge, und);
        undecided[c >> 6] |= und[0] << (c & 63);
    }
    return total;
}
#endif

knn_kernels knn_kernels_baseline(void)
{
    knn_kernels k = {dist_base, below_base, count_base, count1_base, boxdist_base, classify_base, "baseline"};
    return k;
}

size_t knn_kernels_available(knn_kernels *out)
{
    size_t m = 0;
    out[m++] = knn_kernels_baseline();
#ifdef KNN_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        out[m++] = (knn_kernels){dist_avx2, below_avx2, count_avx2, count1_avx2, boxdist_avx2, classify_avx2, "avx2"};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f"))
        out[m++] = (knn_kernels){dist_avx2,    below_avx512,  count_avx512, count1_avx512,
                                 boxdist_avx2, classify_avx2, "avx512"};
#endif
    return m;
}

knn_kernels knn_kernels_pick(void)
{
    knn_kernels all[KNN_KERNELS_MAX];
    return all[knn_kernels_available(all) - 1];
}
