/* Float32 MLP kernels (src/learn/mlp_f32.h): src/learn/mlp_kernels.inc
 * instantiated for float, plus the float shadow network. */
#include "mlp_f32.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

cs_status cs_mlp_create_f32(const cs_mlp *shape, cs_mlp_f32 **out)
{
    *out = NULL;
    cs_mlp_f32 *m = calloc(1, sizeof *m);
    if (!m)
        return cs_error_set(CS_ENOMEM, "cannot allocate the float32 network");
    m->n_layers = shape->n_layers;
    m->act = shape->act;
    m->n_params = shape->n_params;
    memcpy(m->sizes, shape->sizes, sizeof m->sizes);
    memcpy(m->w_offset, shape->w_offset, sizeof m->w_offset);
    memcpy(m->b_offset, shape->b_offset, sizeof m->b_offset);
    m->params = calloc(shape->n_params, sizeof(float));
    if (!m->params) {
        free(m);
        return cs_error_set(CS_ENOMEM, "cannot allocate %zu float32 parameters", shape->n_params);
    }
    for (size_t k = 0; k + 1 < m->n_layers; k++) {
        m->W[k] = m->params + m->w_offset[k];
        m->b[k] = m->params + m->b_offset[k];
    }
    *out = m;
    return CS_OK;
}

void cs_mlp_destroy_f32(cs_mlp_f32 *m)
{
    if (!m)
        return;
    free(m->params);
    free(m);
}

/* Conversions split over the caller's OpenMP threads from PAR_MIN values
 * on (each value converts alone: the same bits for any thread count). */
#define PAR_MIN 32768

void cs_f32_from_f64(float *dst, const double *src, size_t n)
{
#pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

void cs_f64_from_f32(double *dst, const float *src, size_t n)
{
#pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dst[i] = (double)src[i];
}

/* Sum of squares of dst[lo, hi) while widening into it. */
static double widen_ssq(double *dst, const float *src, size_t lo, size_t hi)
{
    double ssq = 0.0;
#pragma omp simd reduction(+ : ssq)
    for (size_t i = lo; i < hi; i++) {
        double v = (double)src[i];
        dst[i] = v;
        ssq += v * v;
    }
    return ssq;
}

double cs_f64_from_f32_ssq(double *dst, const float *src, size_t n)
{
    enum { CHUNK = 16384, MAX_CHUNKS = 64 };
    size_t chunk = n / MAX_CHUNKS + 1 > CHUNK ? n / MAX_CHUNKS + 1 : CHUNK;
    size_t nc = (n + chunk - 1) / chunk;
    double part[MAX_CHUNKS + 1];
#pragma omp parallel for schedule(static) if (nc > 1)
    for (size_t c = 0; c < nc; c++)
        part[c] = widen_ssq(dst, src, c * chunk, (c + 1) * chunk < n ? (c + 1) * chunk : n);
    double ssq = 0.0;
    for (size_t c = 0; c < nc; c++)
        ssq += part[c];
    return ssq;
}

void cs_mlp_load_f32(cs_mlp_f32 *dst, const cs_mlp *src)
{
    cs_f32_from_f64(dst->params, src->params, src->n_params);
}

#define REAL float
#define R(x) ((float)(x))
#define SFX(name) name##_f32
#define GEMM cblas_sgemm
#define TANH tanhf
#define EXP expf
#define NET cs_mlp_f32
#define CACHE cs_mlp_cache_f32
#include "mlp_kernels.inc"
