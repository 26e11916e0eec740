/* The MLP: parameters in one allocation, forward/backward per layer through
 * cblas_dgemm. Shapes are in include/cogscope/mlp.h. The kernels are in
 * mlp_kernels.inc, shared with the float32 twin (mlp_f32.c). */
#include "cogscope/mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "mlp_f32.h"

static const char *const act_names[CS_ACT_COUNT] = {"tanh", "relu", "sigmoid", "hardsigmoid", "identity"};

const char *cs_activation_name(cs_activation act)
{
    return (unsigned)act < CS_ACT_COUNT ? act_names[act] : "unknown";
}

cs_status cs_activation_parse(const char *text, cs_activation *out)
{
    for (int i = 0; i < CS_ACT_COUNT; i++)
        if (text && !strcmp(text, act_names[i])) {
            *out = (cs_activation)i;
            return CS_OK;
        }
    return cs_error_set(CS_EINVAL, "--activation: '%s' is not one of tanh, relu, sigmoid, hardsigmoid, identity",
                        text ? text : "(null)");
}

cs_status cs_mlp_create(const size_t *sizes, size_t n_layers, cs_activation act, cs_mlp **out)
{
    *out = NULL;
    if (n_layers < 2 || n_layers > CS_MLP_MAX_LAYERS)
        return cs_error_set(CS_EINVAL, "--layers: %zu layers given; need 2 to %d (input ... output)", n_layers,
                            CS_MLP_MAX_LAYERS);
    for (size_t i = 0; i < n_layers; i++)
        if (sizes[i] == 0 || sizes[i] > (1u << 24))
            return cs_error_set(CS_EINVAL, "--layers: layer %zu has %zu units; need 1 to %u", i, sizes[i], 1u << 24);
    if (sizes[n_layers - 1] < 2)
        return cs_error_set(CS_EINVAL, "--layers: the output layer needs >= 2 units (classes), got %zu",
                            sizes[n_layers - 1]);
    if ((unsigned)act >= CS_ACT_COUNT)
        return cs_error_set(CS_EINVAL, "activation %d is not a known activation", (int)act);
    cs_mlp *m = calloc(1, sizeof *m);
    if (!m)
        return cs_error_set(CS_ENOMEM, "cannot allocate the network");
    m->n_layers = n_layers;
    m->act = act;
    size_t n = 0;
    for (size_t k = 0; k + 1 < n_layers; k++) {
        m->sizes[k] = sizes[k];
        m->w_offset[k] = n;
        n += sizes[k + 1] * sizes[k];
        m->b_offset[k] = n;
        n += sizes[k + 1];
    }
    m->sizes[n_layers - 1] = sizes[n_layers - 1];
    m->n_params = n;
    m->params = calloc(n, sizeof(double));
    if (!m->params) {
        free(m);
        return cs_error_set(CS_ENOMEM, "cannot allocate %zu parameters", n);
    }
    for (size_t k = 0; k + 1 < n_layers; k++) {
        m->W[k] = m->params + m->w_offset[k];
        m->b[k] = m->params + m->b_offset[k];
    }
    *out = m;
    return CS_OK;
}

void cs_mlp_destroy(cs_mlp *m)
{
    if (!m)
        return;
    free(m->params);
    free(m);
}

cs_status cs_mlp_copy_params(cs_mlp *dst, const cs_mlp *src)
{
    if (dst->n_layers != src->n_layers || memcmp(dst->sizes, src->sizes, src->n_layers * sizeof(size_t)) != 0)
        return cs_error_set(CS_ESHAPE, "cannot copy parameters between networks of different shapes");
    memcpy(dst->params, src->params, src->n_params * sizeof(double));
    return CS_OK;
}

void cs_mlp_tensors_of(const cs_mlp *m, double *flat, cs_mlp_tensors *t)
{
    memset(t, 0, sizeof *t);
    for (size_t k = 0; k + 1 < m->n_layers; k++) {
        t->W[k] = flat + m->w_offset[k];
        t->b[k] = flat + m->b_offset[k];
    }
}

void cs_mlp_uniform_fill(double *p, size_t n, double lim, cs_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (2.0 * cs_rng_uniform(rng) - 1.0) * lim;
}

void cs_mlp_init(cs_mlp *m, cs_rng *rng)
{
    size_t depth = cs_mlp_depth(m);
    for (size_t k = 0; k < depth; k++) {
        size_t in = m->sizes[k], out = m->sizes[k + 1], nw = in * out;
        int last = k + 1 == depth;
        double *W = m->W[k];
        if (!last && m->act == CS_ACT_RELU) {
            double sd = sqrt(2.0 / (double)in); /* He et al. 2015 */
            for (size_t i = 0; i < nw; i++)
                W[i] = cs_rng_gaussian(rng, sd);
        } else {
            /* Glorot & Bengio 2010; x4 for the logistic sigmoid, whose slope at 0 is 1/4. */
            double lim = sqrt(6.0 / (double)(in + out));
            if (!last && m->act == CS_ACT_SIGMOID) /* the hard sigmoid has slope 1 */
                lim *= 4.0;
            cs_mlp_uniform_fill(W, nw, lim, rng);
        }
        memset(m->b[k], 0, out * sizeof(double));
    }
}

/* The batch cache, layer primitives, cs_mlp_forward and cs_mlp_backward:
 * one source for double (here) and float (mlp_f32.c). R(x) is the literal
 * itself, so this instantiation is the double code it always was. */
#define REAL double
#define R(x) (x)
#define NAME(name) cs_##name
#define TNAME(name) f64_##name
#define GEMM cblas_dgemm
#define TANH tanh
#define EXP exp
#define NET cs_mlp
#define CACHE cs_mlp_cache
#define UPDATE_RANGE learn_update_range_f64
#include "mlp_kernels.inc"

/* ---- whole network ---- */

void cs_mlp_loss(const cs_mlp *m, const cs_mlp_cache *c, const int32_t *labels, double *loss, size_t *correct)
{
    size_t C = m->sizes[m->n_layers - 1], last = cs_mlp_depth(m) - 1, ok = 0;
    double sum = 0.0;
    for (size_t r = 0; r < c->rows; r++) {
        const double *z = c->z[last] + r * C;
        double mx = z[0], s = 0.0;
        size_t arg = 0;
        for (size_t j = 1; j < C; j++)
            if (z[j] > mx) {
                mx = z[j];
                arg = j;
            }
        for (size_t j = 0; j < C; j++)
            s += exp(z[j] - mx);
        /* log-sum-exp form: exact even where the softmax probability underflows */
        sum += mx + log(s) - z[labels[r]];
        ok += arg == (size_t)labels[r];
    }
    if (loss)
        *loss = c->rows ? sum / (double)c->rows : NAN;
    if (correct)
        *correct = ok;
}

cs_status cs_mlp_gradient(const cs_mlp *m, cs_mlp_cache *c, const double *x, const int32_t *labels, size_t rows,
                          double *grad, double *loss)
{
    cs_status st = cs_mlp_forward(m, x, rows, c);
    if (st)
        return st;
    if (loss)
        cs_mlp_loss(m, c, labels, loss, NULL);
    cs_mlp_backward(m, c, labels, grad);
    return CS_OK;
}

cs_status cs_mlp_predict(const cs_mlp *m, cs_mlp_cache *c, const double *x, size_t rows, double *logits,
                         int32_t *predicted)
{
    size_t C = m->sizes[m->n_layers - 1], D = m->sizes[0], last = cs_mlp_depth(m) - 1;
    for (size_t r0 = 0; r0 < rows; r0 += c->capacity) {
        size_t n = rows - r0 < c->capacity ? rows - r0 : c->capacity;
        cs_status st = cs_mlp_forward(m, x + r0 * D, n, c);
        if (st)
            return st;
        if (logits)
            memcpy(logits + r0 * C, c->z[last], n * C * sizeof(double));
        if (predicted)
            for (size_t r = 0; r < n; r++) {
                const double *z = c->z[last] + r * C;
                size_t arg = 0;
                for (size_t j = 1; j < C; j++)
                    if (z[j] > z[arg])
                        arg = j;
                predicted[r0 + r] = (int32_t)arg;
            }
    }
    return CS_OK;
}

void cs_mlp_copy_logits(const cs_mlp *m, const cs_mlp_cache *c, size_t rows, double *logits)
{
    size_t last = cs_mlp_depth(m) - 1;
    memcpy(logits, c->z[last], rows * m->sizes[last + 1] * sizeof(double));
}

void cs_mlp_copy_deltas(const cs_mlp *m, const cs_mlp_cache *c, size_t rows, double *const *errors)
{
    for (size_t k = 0; k < cs_mlp_depth(m); k++)
        memcpy(errors[k], c->delta[k], rows * m->sizes[k + 1] * sizeof(double));
}
