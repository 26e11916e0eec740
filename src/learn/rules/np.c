/* Node perturbation (Williams 1992; Werfel, Xie & Seung 2005, Neural Comput.
 * 17:2699; Fiete & Seung 2006).
 *
 * Each sample's pre-activations get independent Gaussian noise
 * xi_k ~ N(0, sigma^2) in every layer (hidden and output), and the change of
 * that sample's cross-entropy estimates its BP delta:
 *     one-sided:   dL = L(z + xi) - L(z)
 *     antithetic:  dL = (L(z + xi) - L(z - xi)) / 2   (--np-antithetic; cancels
 *                  the even-order terms, so the bias is O(sigma^2) not O(sigma),
 *                  for one more forward pass)
 *     delta_hat_k = dL xi_k / sigma^2
 *     dW_k = mean_rows delta_hat_k^T a_{k-1},  db_k = mean_rows delta_hat_k
 * with a_{k-1} the clean presynaptic activity. For small sigma, dL ~ g . xi
 * (g = the BP deltas of all N perturbed units of the sample) and
 * E[xi xi^T g] / sigma^2 = g: the estimate is unbiased, and Isserlis' theorem
 * gives E|delta_hat - g|^2 = (N + 1) |g|^2, so the mean of K independent
 * estimates has relative error sqrt((N + 1) / K) (tests/test_rules.c checks
 * this). Only a scalar per sample (the loss change) is broadcast, no weight
 * is transported; the price is that variance, which the learning rate and
 * batch averaging have to absorb.
 *
 * Logged: errors = delta_hat on the probe set (one draw per snapshot, from
 * the rule's second random stream so logging does not change training). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/rule.h"
#include "workspace_internal.h"

static const char *const np_param_names[] = {"np_sigma", "np_antithetic"};

typedef struct {
    double sigma;
    int antithetic;
    size_t depth, classes;
    cs_rng *rng, *probe_rng; /* training noise; probe-snapshot noise */
    cs_mlp_cache *cache;     /* the clean pass */
    double *memory;
    double *xi[CS_MLP_MAX_LAYERS - 1];  /* rows x sizes[k+1] noise */
    double *est[CS_MLP_MAX_LAYERS - 1]; /* rows x sizes[k+1] delta_hat */
    double *za, *zb;                    /* rows x widest: noisy pre/post-activations */
    double *loss0, *lossp, *lossm;      /* rows */
    double param_values[2];
} np_state;

static void np_destroy(void *state)
{
    np_state *s = state;
    if (!s)
        return;
    cs_rng_destroy(s->rng);
    cs_rng_destroy(s->probe_rng);
    rule_workspace_free(s->cache, s->memory);
    free(s);
}

static cs_status np_create(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, uint64_t seed, size_t max_rows,
                           void **state)
{
    *state = NULL;
    double sigma;
    cs_status st = cs_rule_opt_double(opts, n_opts, "np-sigma", 0.01, &sigma);
    if (st)
        return st;
    if (!(sigma > 0.0))
        return cs_error_set(CS_EINVAL, "--np-sigma must be > 0 (got %g)", sigma);
    np_state *s = calloc(1, sizeof *s);
    if (!s)
        return cs_error_set(CS_ENOMEM, "cannot allocate rule np");
    s->sigma = sigma;
    s->antithetic = cs_rule_opt_flag(opts, n_opts, "np-antithetic");
    s->depth = cs_mlp_depth(m);
    s->classes = m->sizes[m->n_layers - 1];
    size_t widest, units = rule_units(m, &widest);
    size_t total = max_rows * (2 * units + 2 * widest + 3);
    st = rule_workspace(m, max_rows, total, "np", &s->cache, &s->memory);
    if (!st)
        st = cs_rng_create_stream(seed, 0x4E50, &s->rng);
    if (!st)
        st = cs_rng_create_stream(seed, 0x4E51, &s->probe_rng);
    if (st) {
        np_destroy(s);
        return st;
    }
    double *p = s->memory;
    for (size_t k = 0; k < s->depth; k++) {
        size_t n = max_rows * m->sizes[k + 1];
        s->xi[k] = p, p += n;
        s->est[k] = p, p += n;
    }
    s->za = p, p += max_rows * widest;
    s->zb = p, p += max_rows * widest;
    s->loss0 = p, p += max_rows;
    s->lossp = p, p += max_rows;
    s->lossm = p;
    s->param_values[0] = sigma;
    s->param_values[1] = (double)s->antithetic;
    *state = s;
    return CS_OK;
}

static void np_describe(const void *state, cs_rule_logspec *spec)
{
    const np_state *s = state;
    spec->n_params = 2;
    spec->param_names = np_param_names;
    spec->param_values = s->param_values;
}

/* Per-row cross-entropy of logits z (rows x C), log-sum-exp form. */
static void np_ce(const double *z, const int32_t *labels, size_t rows, size_t C, double *loss)
{
    for (size_t r = 0; r < rows; r++) {
        const double *zr = z + r * C;
        double mx = zr[0], sum = 0.0;
        for (size_t j = 1; j < C; j++)
            mx = zr[j] > mx ? zr[j] : mx;
        for (size_t j = 0; j < C; j++)
            sum += exp(zr[j] - mx);
        loss[r] = mx + log(sum) - zr[labels[r]];
    }
}

/* Per-row loss with noise sign * xi added to every layer's pre-activations. */
static void np_noisy_loss(np_state *s, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                          double sign, double *loss)
{
    const double *in = x;
    for (size_t k = 0; k < s->depth; k++) {
        size_t I = m->sizes[k], O = m->sizes[k + 1], cnt = rows * O;
        /* alternate za/zb so `in` (the previous layer's output) is never overwritten */
        double *z = (k % 2) ? s->zb : s->za;
        cs_layer_linear_forward(z, in, m->W[k], m->b[k], rows, I, O);
        for (size_t i = 0; i < cnt; i++)
            z[i] += sign * s->xi[k][i];
        if (k + 1 < s->depth)
            cs_act_forward(m->act, z, z, cnt);
        in = z;
    }
    np_ce(in, labels, rows, s->classes, loss);
}

/* Clean pass + one perturbation: per-sample estimates into s->est. */
static cs_status np_estimate(np_state *s, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                             cs_rng *rng)
{
    cs_status st = cs_mlp_forward(m, x, rows, s->cache);
    if (st)
        return st;
    for (size_t k = 0; k < s->depth; k++)
        for (size_t i = 0; i < rows * m->sizes[k + 1]; i++)
            s->xi[k][i] = cs_rng_gaussian(rng, s->sigma);
    np_noisy_loss(s, m, x, labels, rows, 1.0, s->lossp);
    if (s->antithetic)
        np_noisy_loss(s, m, x, labels, rows, -1.0, s->lossm);
    else
        np_ce(s->cache->z[s->depth - 1], labels, rows, s->classes, s->lossm);
    double inv = 1.0 / (s->sigma * s->sigma), half = s->antithetic ? 0.5 : 1.0;
    for (size_t k = 0; k < s->depth; k++) {
        size_t n = m->sizes[k + 1];
        for (size_t r = 0; r < rows; r++) {
            double c = half * (s->lossp[r] - s->lossm[r]) * inv;
            for (size_t j = 0; j < n; j++)
                s->est[k][r * n + j] = c * s->xi[k][r * n + j];
        }
    }
    return CS_OK;
}

static cs_status np_step(void *state, const cs_mlp *m, cs_rule_batch *b)
{
    np_state *s = state;
    cs_status st = np_estimate(s, m, b->x, b->labels, b->rows, s->rng);
    if (st)
        return st;
    cs_mlp_copy_logits(m, s->cache, b->rows, b->logits);
    cs_mlp_tensors g;
    cs_mlp_tensors_of(m, b->direction, &g);
    for (size_t k = 0; k < s->depth; k++)
        cs_layer_linear_backward_params(g.W[k], g.b[k], s->est[k], k ? s->cache->a[k - 1] : b->x, b->rows,
                                        m->sizes[k], m->sizes[k + 1], 1.0 / (double)b->rows);
    return CS_OK;
}

static cs_status np_teaching_signal(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                    double *const *errors)
{
    np_state *s = state;
    cs_status st = np_estimate(s, m, x, labels, rows, s->probe_rng);
    if (st)
        return st;
    for (size_t k = 0; k < s->depth; k++)
        memcpy(errors[k], s->est[k], rows * m->sizes[k + 1] * sizeof(double));
    return CS_OK;
}

static const cs_rule_option_spec np_options[] = {
    {"np-sigma", "X", "standard deviation of the pre-activation noise, > 0", "0.01"},
    {"np-antithetic", NULL, "estimate from +xi and -xi (one more forward pass, smaller bias)", "off"},
    {NULL, NULL, NULL, NULL},
};

const cs_rule_vtable cs_rule_np = {
    .name = "np",
    .summary = "node perturbation: loss change under noise on the pre-activations, broadcast as "
               "a scalar",
    .options = np_options,
    .defaults = {.epochs = 150, .batch = 32, .lr = 0.001, .momentum = 0.0, .optimizer = "adam", .activation = "tanh"},
    .create = np_create,
    .destroy = np_destroy,
    .describe = np_describe,
    .step = np_step,
    .teaching_signal = np_teaching_signal,
};
