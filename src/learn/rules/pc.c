/* Predictive coding (Whittington & Bogacz 2017, Neural Comput. 29:1229), and
 * its fixed-prediction variant, which computes backprop exactly (Millidge,
 * Tschantz & Buckley 2022, Neural Comput. 34:1329; Song et al. 2020).
 *
 * Every hidden layer k (0 .. depth-2) has value nodes x_k, one per unit,
 * standing for the layer's pre-activation. Each layer predicts the one above:
 *     mu_k = W_k f(x_{k-1}) + b_k          f(x_{-1}) = the input, clamped
 *     eps_k = x_k - mu_k                   prediction errors (hidden layers)
 *     eps_out = onehot(y) - softmax(mu_out) (the output is clamped to the label)
 * and inference minimises the energy
 *     F = sum_hidden 1/2 |eps_k|^2 + CE(y, softmax(mu_out))
 * over the value nodes by gradient steps of size gamma = --pc-rate:
 *     x_k += gamma (-eps_k + f'(x_k) .* (W_{k+1}^T eps_{k+1}))
 * for --pc-steps iterations, each sweeping the layers from the output down.
 * The output uses the MLP's own softmax cross-entropy (Millidge et al.'s
 * general output loss) so PC and BP optimise the same objective and the
 * bp_angle_deg reference (the MLP's BP gradient) is the gradient PC
 * approximates. Value nodes start at the feedforward pass (all hidden errors
 * zero), and prediction is that feedforward pass. The weight update is local
 * and Hebbian, in the gradient sign convention (batch mean):
 *     dW_k = -eps_k f(x_{k-1})^T,   db_k = -eps_k
 *
 * Fixed prediction ("fixed-prediction"): the predictions mu_k, the
 * derivatives f'(.) and the presynaptic activities stay at their
 * feedforward values, so eps_k obeys eps_k <- (1-gamma) eps_k + gamma f'(z_k)
 * .* (W_{k+1}^T eps_{k+1}). With gamma = 1 one top-down sweep makes every
 * eps_k equal to minus BP's delta_k (tests/test_rules.c checks 1e-10) and the
 * update equals the BP gradient.
 *
 * Logged: errors = -eps (so they share BP delta's sign: dF/dmu); relaxation
 * states = the value nodes x_k of hidden layers and softmax(mu_out) for the
 * output layer, after each iteration, and F per iteration. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "cogscope/rule.h"
#include "workspace_internal.h"

enum { PC_STANDARD = 0, PC_FIXED };
static const char *const pc_variants[] = {"standard", "fixed-prediction", NULL};
static const char *const pc_param_names[] = {"pc_steps", "pc_rate", "pc_variant"};

#define PC_RELAX_SAMPLES 8

typedef struct {
    long steps;
    double rate;
    int variant;
    size_t depth, classes;
    cs_mlp_cache *cache; /* the feedforward pass */
    double *memory;
    double *x[CS_MLP_MAX_LAYERS - 1];   /* value nodes, hidden layers: rows x sizes[k+1] */
    double *fx[CS_MLP_MAX_LAYERS - 1];  /* f(x_k) */
    double *eps[CS_MLP_MAX_LAYERS - 1]; /* prediction errors; eps[depth-1] = onehot - p */
    double *mu, *back, *deriv;          /* rows x widest scratch */
    double *zout;                       /* rows x classes: mu_out, the output logits */
    double param_values[3];
} pc_state;

static void pc_destroy(void *state)
{
    pc_state *s = state;
    if (!s)
        return;
    rule_workspace_free(s->cache, s->memory);
    free(s);
}

static cs_status pc_create(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, uint64_t seed, size_t max_rows,
                           void **state)
{
    *state = NULL;
    long steps;
    double rate;
    int variant;
    cs_status st;
    if ((st = cs_rule_opt_int(opts, n_opts, "pc-steps", 20, &steps)) ||
        (st = cs_rule_opt_double(opts, n_opts, "pc-rate", 0.1, &rate)) ||
        (st = cs_rule_opt_choice(opts, n_opts, "pc-variant", pc_variants, PC_STANDARD, &variant)))
        return st;
    if (steps < 1 || steps > 1000000)
        return cs_error_set(CS_EINVAL, "--pc-steps must be in 1..1000000 (got %ld)", steps);
    if (!(rate > 0.0 && rate <= 1.0))
        return cs_error_set(CS_EINVAL, "--pc-rate must be in (0, 1] (got %g)", rate);
    pc_state *s = calloc(1, sizeof *s);
    if (!s)
        return cs_error_set(CS_ENOMEM, "cannot allocate rule pc");
    s->steps = steps;
    s->rate = rate;
    s->variant = variant;
    s->depth = cs_mlp_depth(m);
    s->classes = m->sizes[m->n_layers - 1];
    size_t widest, units = rule_units(m, &widest);
    size_t total = max_rows * (3 * units + 3 * widest + s->classes);
    st = rule_workspace(m, max_rows, total, "pc", &s->cache, &s->memory);
    if (st) {
        pc_destroy(s);
        return st;
    }
    double *p = s->memory;
    for (size_t k = 0; k < s->depth; k++) {
        size_t n = max_rows * m->sizes[k + 1];
        s->x[k] = p, p += n;
        s->fx[k] = p, p += n;
        s->eps[k] = p, p += n;
    }
    s->mu = p, p += max_rows * widest;
    s->back = p, p += max_rows * widest;
    s->deriv = p, p += max_rows * widest;
    s->zout = p;
    s->param_values[0] = (double)steps;
    s->param_values[1] = rate;
    s->param_values[2] = (double)variant;
    *state = s;
    return CS_OK;
}

static void pc_describe(const void *state, cs_rule_logspec *spec)
{
    const pc_state *s = state;
    spec->relax_iterations = (size_t)s->steps;
    spec->relax_samples = PC_RELAX_SAMPLES;
    spec->n_params = 3;
    spec->param_names = pc_param_names;
    spec->param_values = s->param_values;
}

/* The presynaptic activity feeding weight layer k: the input, f(x_{k-1})
 * (standard) or the feedforward a_{k-1} (fixed prediction). */
static const double *pc_pre(const pc_state *s, const double *input, size_t k)
{
    if (k == 0)
        return input;
    return s->variant == PC_FIXED ? s->cache->a[k - 1] : s->fx[k - 1];
}

/* eps_k (hidden) or eps_out = onehot - softmax(mu_out) from the current value
 * nodes. Standard: mu_k from the nodes below; fixed: mu_k = z_k. */
static void pc_error(pc_state *s, const cs_mlp *m, const double *input, const int32_t *labels, size_t rows, size_t k)
{
    size_t n = m->sizes[k + 1], cnt = rows * n;
    const double *mu = s->cache->z[k];
    if (s->variant == PC_STANDARD && k > 0) {
        cs_layer_linear_forward(s->mu, s->fx[k - 1], m->W[k], m->b[k], rows, m->sizes[k], n);
        mu = s->mu;
    }
    if (k + 1 == s->depth) {
        memcpy(s->zout, mu, cnt * sizeof(double));
        cs_softmax_forward(s->eps[k], mu, rows, n);
        for (size_t i = 0; i < cnt; i++)
            s->eps[k][i] = -s->eps[k][i];
        for (size_t r = 0; r < rows; r++)
            s->eps[k][r * n + (size_t)labels[r]] += 1.0;
    } else {
        for (size_t i = 0; i < cnt; i++)
            s->eps[k][i] = s->x[k][i] - mu[i];
    }
}

/* F (mean over rows) after pc_error of every layer: hidden 1/2 |eps|^2 plus
 * the output cross-entropy, in log-sum-exp form from the output logits. */
static double pc_energy(const pc_state *s, const cs_mlp *m, const int32_t *labels, size_t rows)
{
    double total = 0.0;
    for (size_t k = 0; k + 1 < s->depth; k++)
        for (size_t i = 0; i < rows * m->sizes[k + 1]; i++)
            total += 0.5 * s->eps[k][i] * s->eps[k][i];
    size_t C = s->classes;
    for (size_t r = 0; r < rows; r++) {
        const double *z = s->zout + r * C;
        double mx = z[0], sum = 0.0;
        for (size_t j = 1; j < C; j++)
            mx = z[j] > mx ? z[j] : mx;
        for (size_t j = 0; j < C; j++)
            sum += exp(z[j] - mx);
        total += mx + log(sum) - z[labels[r]];
    }
    return total / (double)rows;
}

/* Feedforward pass, then --pc-steps inference iterations. Leaves the final
 * errors of every layer in s->eps. If `states` is given, records each
 * iteration (see the file comment) and F into `energy`. */
static cs_status pc_infer(pc_state *s, const cs_mlp *m, const double *input, const int32_t *labels, size_t rows,
                          double *const *states, double *energy)
{
    cs_status st = cs_mlp_forward(m, input, rows, s->cache);
    if (st)
        return st;
    size_t L = s->depth;
    for (size_t k = 0; k + 1 < L; k++) {
        size_t cnt = rows * m->sizes[k + 1];
        memcpy(s->x[k], s->cache->z[k], cnt * sizeof(double));
        memcpy(s->fx[k], s->cache->a[k], cnt * sizeof(double));
    }
    /* Output error at the feedforward state; hidden errors start at zero. */
    pc_error(s, m, input, labels, rows, L - 1);
    for (size_t k = 0; k + 1 < L; k++)
        memset(s->eps[k], 0, rows * m->sizes[k + 1] * sizeof(double));
    for (long t = 0; t < s->steps; t++) {
        for (size_t k = L - 1; k-- > 0;) {
            size_t n = m->sizes[k + 1], cnt = rows * n;
            /* error of the layer above, with the current nodes of this layer */
            pc_error(s, m, input, labels, rows, k + 1);
            pc_error(s, m, input, labels, rows, k);
            cs_layer_linear_backward_input(s->back, s->eps[k + 1], m->W[k + 1], rows, n, m->sizes[k + 2]);
            if (s->variant == PC_FIXED)
                cs_act_derivative(m->act, s->deriv, s->cache->z[k], s->cache->a[k], cnt);
            else
                cs_act_derivative(m->act, s->deriv, s->x[k], s->fx[k], cnt);
            double g = s->rate;
            for (size_t i = 0; i < cnt; i++)
                s->x[k][i] += g * (-s->eps[k][i] + s->deriv[i] * s->back[i]);
            cs_act_forward(m->act, s->fx[k], s->x[k], cnt);
        }
        /* Errors at the new nodes (each from the layer below). The sweep
         * recomputes every error it uses, so this is needed only for the
         * record and after the last iteration. */
        if (states || t + 1 == s->steps)
            for (size_t k = 0; k < L; k++)
                pc_error(s, m, input, labels, rows, k);
        if (states) {
            for (size_t k = 0; k < L; k++) {
                size_t cnt = rows * m->sizes[k + 1];
                double *dst = states[k] + (size_t)t * cnt;
                if (k + 1 < L)
                    memcpy(dst, s->x[k], cnt * sizeof(double));
                else /* p = onehot - eps_out */
                    for (size_t r = 0; r < rows; r++)
                        for (size_t j = 0; j < s->classes; j++)
                            dst[r * s->classes + j] = ((size_t)labels[r] == j ? 1.0 : 0.0) -
                                                      s->eps[k][r * s->classes + j];
            }
            energy[t] = pc_energy(s, m, labels, rows);
        }
    }
    return CS_OK;
}

static cs_status pc_step(void *state, const cs_mlp *m, cs_rule_batch *b)
{
    pc_state *s = state;
    cs_status st = pc_infer(s, m, b->x, b->labels, b->rows, NULL, NULL);
    if (st)
        return st;
    cs_mlp_copy_logits(m, s->cache, b->rows, b->logits);
    cs_mlp_tensors g;
    cs_mlp_tensors_of(m, b->direction, &g);
    for (size_t k = 0; k < s->depth; k++)
        cs_layer_linear_backward_params(g.W[k], g.b[k], s->eps[k], pc_pre(s, b->x, k), b->rows, m->sizes[k],
                                        m->sizes[k + 1], -1.0 / (double)b->rows);
    return CS_OK;
}

static cs_status pc_teaching_signal(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                    double *const *errors)
{
    pc_state *s = state;
    cs_status st = pc_infer(s, m, x, labels, rows, NULL, NULL);
    if (st)
        return st;
    for (size_t k = 0; k < s->depth; k++)
        for (size_t i = 0; i < rows * m->sizes[k + 1]; i++)
            errors[k][i] = -s->eps[k][i];
    return CS_OK;
}

static cs_status pc_relax(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                          double *const *states, double *energy)
{
    return pc_infer(state, m, x, labels, rows, states, energy);
}

static const cs_rule_option_spec pc_options[] = {
    {"pc-steps", "N", "inference iterations per batch (>= 1)", "20"},
    {"pc-rate", "X", "inference step size gamma, in (0, 1]", "0.1"},
    {"pc-variant", "standard|fixed-prediction",
     "predictions follow the value nodes, or stay at "
     "the feedforward pass (= backprop)",
     "standard"},
    {NULL, NULL, NULL, NULL},
};

const cs_rule_vtable cs_rule_pc = {
    .name = "pc",
    .summary = "predictive coding: inference on value nodes minimises prediction errors, "
               "Hebbian weight updates",
    .options = pc_options,
    .defaults = {.epochs = 30, .batch = 32, .lr = 0.05, .momentum = 0.9, .optimizer = "sgd", .activation = "tanh"},
    .create = pc_create,
    .destroy = pc_destroy,
    .describe = pc_describe,
    .step = pc_step,
    .teaching_signal = pc_teaching_signal,
    .relax = pc_relax,
};
