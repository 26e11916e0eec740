/* Float32 MLP kernels (src/learn/mlp_f32.h): src/learn/mlp_kernels.inc
 * instantiated for float, plus the float shadow network. */
#include "mlp_f32.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

cs_status f32_mlp_create(const cs_mlp *shape, f32_mlp **out)
{
    *out = NULL;
    f32_mlp *m = calloc(1, sizeof *m);
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

void f32_mlp_destroy(f32_mlp *m)
{
    if (!m)
        return;
    free(m->params);
    free(m);
}

void f32_from_f64(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

void f64_from_f32(double *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (double)src[i];
}

void f32_mlp_load(f32_mlp *dst, const cs_mlp *src) { f32_from_f64(dst->params, src->params, src->n_params); }

#define REAL float
#define R(x) ((float)(x))
#define NAME(name) f32_##name
#define TNAME(name) f32_##name
#define GEMM cblas_sgemm
#define TANH tanhf
#define EXP expf
#define NET f32_mlp
#define CACHE f32_mlp_cache
#define UPDATE_RANGE learn_update_range_f32
#include "mlp_kernels.inc"
