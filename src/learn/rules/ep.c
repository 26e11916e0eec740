/* Equilibrium propagation (Scellier & Bengio 2017, Front. Comput. Neurosci.
 * 11:24), with the centered (+-beta) estimate of Laborieux et al. 2021
 * (Front. Neurosci. 15:633674).
 *
 * The MLP's weights define a layered Hopfield-like energy over states s_k
 * (k = 0..depth-1, s_k has sizes[k+1] units) with the input x clamped:
 *     E(s) = sum_k 1/2 |s_k|^2 - sum_k s_k . (W_k s_{k-1} + b_k),   s_{-1} = x
 *     C(s) = 1/2 |s_last - onehot(y)|^2,          F = E + beta C
 * States live in the box [0,1], where the hard sigmoid rho is the identity,
 * so E is the hard-sigmoid energy of the paper restricted to the box (the
 * states are clipped, as in the paper's code).
 *
 * Relaxation. E is quadratic with unit diagonal in each layer, and layers
 * only talk to their neighbours, so given its neighbours a layer's exact
 * minimiser over the box is s_k* = clip(W_k s_{k-1} + W_{k+1}^T s_{k+1} + b_k)
 * (output, nudged: clip((u + beta y)/(1 + beta))). One iteration updates the
 * even layers, then the odd ones, each to s_k + eps (s_k* - s_k) with
 * eps = --ep-step in (0, 1]. This is damped block-coordinate descent: the
 * energy is convex along the segment to the block minimiser, so no iteration
 * can increase F (tests/test_rules.c checks it), whatever the weights.
 *
 * Learning. Free phase: T = --ep-free-steps iterations from s = 0 (beta = 0).
 * Nudged phase: K = --ep-nudge-steps iterations from the free state with
 * beta. The update direction (gradient sign convention, batch mean) is
 *     dW_k = -(1/beta) (s_k^b s_{k-1}^b^T - s_k^0 s_{k-1}^0^T)   db_k = -(1/beta)(s_k^b - s_k^0)
 * ("one-sided"), the same with a random sign of beta per batch
 * ("random-sign", which cancels the O(beta) bias on average), or
 *     dW_k = -(1/(2 beta)) (s^{+beta} terms - s^{-beta} terms)       ("centered")
 * whose error is O(beta^2). At equilibrium these tend to dC(s^0)/dtheta as
 * beta -> 0 (the EP theorem). Prediction: arg-max of the free output state.
 *
 * The exact gradient of C at the free fixed point (reference_gradient, the
 * bp_angle_deg reference) comes from recurrent backprop: with D the mask of
 * units strictly inside (0,1), mu solves mu = D (g + M mu), g = dC/ds, M the
 * symmetric layer coupling; then dC/dW_k = mu_k s_{k-1}^T + s_k mu_{k-1}^T,
 * dC/db_k = mu_k. Both fixed points are found by iterating to convergence. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "cogscope/rule.h"
#include "workspace_internal.h"

enum { EP_ONE_SIDED = 0, EP_RANDOM_SIGN, EP_CENTERED };
static const char *const ep_variants[] = {"one-sided", "random-sign", "centered", NULL};

#define EP_RELAX_SAMPLES 8
#define EP_FLOOR 1e-3     /* output states read as probabilities p_c ~ max(s_c, EP_FLOOR) */
#define EP_CONV_TOL 1e-13 /* convergence of the reference fixed points (max abs change) */
#define EP_CONV_MAX 20000 /* iteration cap for them */

typedef struct {
    double beta, step;
    long free_steps, nudge_steps;
    int variant;
    size_t depth, classes, max_rows, widest;
    cs_rng *rng;    /* random signs */
    double *memory; /* one allocation for every buffer below */
    double *s0[CS_MLP_MAX_LAYERS - 1], *sp[CS_MLP_MAX_LAYERS - 1], *sm[CS_MLP_MAX_LAYERS - 1];
    double *mu[CS_MLP_MAX_LAYERS - 1];
    double *drive0; /* max_rows x sizes[1]: x W_0^T + b_0, fixed during relaxation */
    double *u;      /* max_rows x widest scratch */
    double *y;      /* max_rows x classes one-hot */
    double param_values[5];
} ep_state;

static const char *const ep_param_names[] = {"ep_beta", "ep_free_steps", "ep_nudge_steps", "ep_step", "ep_variant"};

static void ep_destroy(void *state)
{
    ep_state *s = state;
    if (!s)
        return;
    cs_rng_destroy(s->rng);
    rule_workspace_free(NULL, s->memory);
    free(s);
}

/* The rule's options, parsed and validated (CS_EINVAL naming the flag). */
typedef struct {
    double beta, step;
    long T, K; /* free and nudged relaxation iterations */
    int variant;
} ep_settings;

static cs_status ep_parse(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, ep_settings *o)
{
    cs_status st;
    if ((st = cs_rule_opt_double(opts, n_opts, "ep-beta", 0.9, &o->beta)) ||
        (st = cs_rule_opt_int(opts, n_opts, "ep-free-steps", 20, &o->T)) ||
        (st = cs_rule_opt_int(opts, n_opts, "ep-nudge-steps", 4, &o->K)) ||
        (st = cs_rule_opt_double(opts, n_opts, "ep-step", 1.0, &o->step)) ||
        (st = cs_rule_opt_choice(opts, n_opts, "ep-variant", ep_variants, EP_RANDOM_SIGN, &o->variant)))
        return st;
    if (!(o->beta > 0.0))
        return cs_error_set(CS_EINVAL, "--ep-beta must be > 0 (got %g)", o->beta);
    if (o->variant != EP_ONE_SIDED && !(o->beta < 1.0))
        return cs_error_set(CS_EINVAL,
                            "--ep-beta must be < 1 for --ep-variant %s (got %g): nudging with -beta "
                            "needs 1 - beta > 0 to keep the energy convex in the output layer",
                            ep_variants[o->variant], o->beta);
    if (o->T < 1 || o->T > 1000000)
        return cs_error_set(CS_EINVAL, "--ep-free-steps must be in 1..1000000 (got %ld)", o->T);
    if (o->K < 1 || o->K > 1000000)
        return cs_error_set(CS_EINVAL, "--ep-nudge-steps must be in 1..1000000 (got %ld)", o->K);
    if (!(o->step > 0.0 && o->step <= 1.0))
        return cs_error_set(CS_EINVAL,
                            "--ep-step must be in (0, 1] (got %g): larger steps overshoot the "
                            "layer-wise minimiser and can increase the energy",
                            o->step);
    if (m->act != CS_ACT_HARDSIGMOID)
        return cs_error_set(CS_EINVAL,
                            "rule ep needs --activation hardsigmoid (its energy is defined with the "
                            "hard sigmoid), got %s",
                            cs_activation_name(m->act));
    return CS_OK;
}

static cs_status ep_create(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, uint64_t seed, size_t max_rows,
                           void **state)
{
    *state = NULL;
    ep_settings o;
    cs_status st = ep_parse(m, opts, n_opts, &o);
    if (st)
        return st;
    double beta = o.beta, step = o.step;
    long T = o.T, K = o.K;
    int variant = o.variant;

    ep_state *s = calloc(1, sizeof *s);
    if (!s)
        return cs_error_set(CS_ENOMEM, "cannot allocate rule ep");
    s->beta = beta;
    s->step = step;
    s->free_steps = T;
    s->nudge_steps = K;
    s->variant = variant;
    s->depth = cs_mlp_depth(m);
    s->classes = m->sizes[m->n_layers - 1];
    s->max_rows = max_rows;
    size_t units = rule_units(m, &s->widest);
    size_t total = max_rows * (4 * units + m->sizes[1] + s->widest + s->classes);
    st = rule_workspace(m, max_rows, total, "ep", NULL, &s->memory);
    if (!st)
        st = cs_rng_create_stream(seed, 0xE9, &s->rng);
    if (st) {
        ep_destroy(s);
        return st;
    }
    double *p = s->memory;
    for (size_t k = 0; k < s->depth; k++) {
        size_t n = max_rows * m->sizes[k + 1];
        s->s0[k] = p, p += n;
        s->sp[k] = p, p += n;
        s->sm[k] = p, p += n;
        s->mu[k] = p, p += n;
    }
    s->drive0 = p, p += max_rows * m->sizes[1];
    s->u = p, p += max_rows * s->widest;
    s->y = p;
    s->param_values[0] = beta;
    s->param_values[1] = (double)T;
    s->param_values[2] = (double)K;
    s->param_values[3] = step;
    s->param_values[4] = (double)variant;
    *state = s;
    return CS_OK;
}

static void ep_describe(const void *state, cs_rule_logspec *spec)
{
    const ep_state *s = state;
    spec->relax_iterations = (size_t)(s->free_steps + s->nudge_steps);
    spec->relax_samples = EP_RELAX_SAMPLES;
    spec->n_params = 5;
    spec->param_names = ep_param_names;
    spec->param_values = s->param_values;
}

/* ---- relaxation ---- */

/* Per-batch set-up: the constant input drive of layer 0 and the one-hot targets. */
static void ep_prepare(ep_state *s, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows)
{
    cs_layer_linear_forward(s->drive0, x, m->W[0], m->b[0], rows, m->sizes[0], m->sizes[1]);
    if (labels) {
        memset(s->y, 0, rows * s->classes * sizeof(double));
        for (size_t r = 0; r < rows; r++)
            s->y[r * s->classes + (size_t)labels[r]] = 1.0;
    }
}

/* u (rows x sizes[k+1]) = total input to state layer k: from below (with
 * bias) and, unless k is the output layer, from above through W_{k+1}^T. */
static void ep_layer_input(const ep_state *s, const cs_mlp *m, double *const *st, size_t k, size_t rows, double *u)
{
    size_t n = m->sizes[k + 1];
    if (k == 0)
        memcpy(u, s->drive0, rows * n * sizeof(double));
    else
        cs_layer_linear_forward(u, st[k - 1], m->W[k], m->b[k], rows, m->sizes[k], n);
    if (k + 1 < s->depth) {
        size_t above = m->sizes[k + 2];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)above, 1.0, st[k + 1],
                    (int)above, m->W[k + 1], (int)n, 1.0, u, (int)n);
    }
}

/* One iteration (even layers, then odd layers) with nudging `beta` toward
 * s->y; returns the largest change of any state. */
static double ep_sweep(ep_state *s, const cs_mlp *m, double *const *st, size_t rows, double beta, double eps)
{
    double change = 0.0;
    for (size_t parity = 0; parity < 2; parity++)
        for (size_t k = parity; k < s->depth; k += 2) {
            size_t n = m->sizes[k + 1], cnt = rows * n;
            int out = k + 1 == s->depth;
            ep_layer_input(s, m, st, k, rows, s->u);
            double *sk = st[k];
            for (size_t i = 0; i < cnt; i++) {
                double t = s->u[i];
                if (out && beta != 0.0)
                    t = (t + beta * s->y[i]) / (1.0 + beta);
                t = t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t);
                double d = eps * (t - sk[i]);
                sk[i] += d;
                if (fabs(d) > change)
                    change = fabs(d);
            }
        }
    return change;
}

/* Mean over rows of F = E + beta C at states st (uses s->u as scratch). */
static double ep_energy(ep_state *s, const cs_mlp *m, double *const *st, size_t rows, double beta)
{
    double total = 0.0;
    for (size_t k = 0; k < s->depth; k++) {
        size_t n = m->sizes[k + 1], cnt = rows * n;
        if (k == 0)
            memcpy(s->u, s->drive0, cnt * sizeof(double));
        else
            cs_layer_linear_forward(s->u, st[k - 1], m->W[k], m->b[k], rows, m->sizes[k], n);
        for (size_t i = 0; i < cnt; i++)
            total += 0.5 * st[k][i] * st[k][i] - st[k][i] * s->u[i];
    }
    if (beta != 0.0) {
        const double *o = st[s->depth - 1];
        double c = 0.0;
        for (size_t i = 0; i < rows * s->classes; i++)
            c += (o[i] - s->y[i]) * (o[i] - s->y[i]);
        total += 0.5 * beta * c;
    }
    return total / (double)rows;
}

static void ep_zero(ep_state *s, const cs_mlp *m, double *const *st, size_t rows)
{
    for (size_t k = 0; k < s->depth; k++)
        memset(st[k], 0, rows * m->sizes[k + 1] * sizeof(double));
}

static void ep_copy(ep_state *s, const cs_mlp *m, double *const *dst, double *const *src, size_t rows)
{
    for (size_t k = 0; k < s->depth; k++)
        memcpy(dst[k], src[k], rows * m->sizes[k + 1] * sizeof(double));
}

/* Free phase into s0, then the nudged phase(s) of the variant into sp (and
 * sm for centered); returns the effective divisor: beta (one-sided), +-beta
 * (random sign) or 2 beta (centered), with sm = s0 unless centered. */
static double ep_phases(ep_state *s, const cs_mlp *m, size_t rows, int random_sign)
{
    ep_zero(s, m, s->s0, rows);
    for (long t = 0; t < s->free_steps; t++)
        ep_sweep(s, m, s->s0, rows, 0.0, s->step);
    double beta = s->beta;
    if (s->variant == EP_RANDOM_SIGN && random_sign && cs_rng_uniform(s->rng) < 0.5)
        beta = -beta;
    ep_copy(s, m, s->sp, s->s0, rows);
    for (long t = 0; t < s->nudge_steps; t++)
        ep_sweep(s, m, s->sp, rows, beta, s->step);
    if (s->variant == EP_CENTERED) {
        ep_copy(s, m, s->sm, s->s0, rows);
        for (long t = 0; t < s->nudge_steps; t++)
            ep_sweep(s, m, s->sm, rows, -beta, s->step);
        return 2.0 * beta;
    }
    ep_copy(s, m, s->sm, s->s0, rows);
    return beta;
}

static void ep_logits(const ep_state *s, const double *out, size_t rows, double *logits)
{
    for (size_t i = 0; i < rows * s->classes; i++)
        logits[i] = log(out[i] > EP_FLOOR ? out[i] : EP_FLOOR);
}

/* ---- the rule ---- */

static cs_status ep_step(void *state, const cs_mlp *m, cs_rule_batch *b)
{
    ep_state *s = state;
    size_t rows = b->rows;
    ep_prepare(s, m, b->x, b->labels, rows);
    double div = ep_phases(s, m, rows, 1);
    ep_logits(s, s->s0[s->depth - 1], rows, b->logits);
    cs_mlp_tensors g;
    cs_mlp_tensors_of(m, b->direction, &g);
    double scale = 1.0 / (div * (double)rows);
    for (size_t k = 0; k < s->depth; k++) {
        size_t I = m->sizes[k], O = m->sizes[k + 1];
        if (k == 0) {
            /* the clamped input is the same in both phases: one GEMM on the
             * state difference, dW_0 = -(sp - sm)^T x / div */
            for (size_t i = 0; i < rows * O; i++)
                s->u[i] = s->sp[0][i] - s->sm[0][i];
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)O, (int)I, (int)rows, -scale, s->u, (int)O,
                        b->x, (int)I, 0.0, g.W[0], (int)I);
        } else {
            /* dW = -(sp^T sp_below - sm^T sm_below) / div, as two GEMMs */
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)O, (int)I, (int)rows, -scale, s->sp[k], (int)O,
                        s->sp[k - 1], (int)I, 0.0, g.W[k], (int)I);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)O, (int)I, (int)rows, scale, s->sm[k], (int)O,
                        s->sm[k - 1], (int)I, 1.0, g.W[k], (int)I);
        }
        for (size_t j = 0; j < O; j++)
            g.b[k][j] = 0.0;
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < O; j++)
                g.b[k][j] -= scale * (s->sp[k][r * O + j] - s->sm[k][r * O + j]);
    }
    return CS_OK;
}

static cs_status ep_teaching_signal(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                    double *const *errors)
{
    ep_state *s = state;
    ep_prepare(s, m, x, labels, rows);
    /* A fixed +beta (no random sign) so snapshots are comparable over time;
     * sign flipped so every rule's errors share BP delta's sign (dC/ds). */
    double div = ep_phases(s, m, rows, 0);
    for (size_t k = 0; k < s->depth; k++)
        for (size_t i = 0; i < rows * m->sizes[k + 1]; i++)
            errors[k][i] = -(s->sp[k][i] - s->sm[k][i]) / div;
    return CS_OK;
}

static cs_status ep_activations(void *state, const cs_mlp *m, const double *x, size_t rows, double *const *acts)
{
    ep_state *s = state;
    ep_prepare(s, m, x, NULL, rows);
    ep_zero(s, m, acts, rows);
    for (long t = 0; t < s->free_steps; t++)
        ep_sweep(s, m, acts, rows, 0.0, s->step);
    return CS_OK;
}

static cs_status ep_predict(void *state, const cs_mlp *m, const double *x, size_t rows, double *logits)
{
    ep_state *s = state;
    ep_prepare(s, m, x, NULL, rows);
    ep_zero(s, m, s->s0, rows);
    for (long t = 0; t < s->free_steps; t++)
        ep_sweep(s, m, s->s0, rows, 0.0, s->step);
    ep_logits(s, s->s0[s->depth - 1], rows, logits);
    return CS_OK;
}

/* Trajectory of the free phase then the +beta nudged phase: the states after
 * each iteration and F = E + beta C (beta = 0 in the free phase). */
static cs_status ep_relax(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                          double *const *states, double *energy)
{
    ep_state *s = state;
    ep_prepare(s, m, x, labels, rows);
    ep_zero(s, m, s->s0, rows);
    long total = s->free_steps + s->nudge_steps;
    for (long t = 0; t < total; t++) {
        double beta = t < s->free_steps ? 0.0 : s->beta;
        ep_sweep(s, m, s->s0, rows, beta, s->step);
        for (size_t k = 0; k < s->depth; k++) {
            size_t cnt = rows * m->sizes[k + 1];
            memcpy(states[k] + (size_t)t * cnt, s->s0[k], cnt * sizeof(double));
        }
        energy[t] = ep_energy(s, m, s->s0, rows, beta);
    }
    return CS_OK;
}

/* dC(s^0)/dtheta at the converged free fixed point (see the file comment).
 * NaN-filled if a fixed point is not reached within EP_CONV_MAX iterations
 * (the angle is then reported as not measured). */
static cs_status ep_reference_gradient(void *state, const cs_mlp *m, const double *x, const int32_t *labels,
                                       size_t rows, double *grad)
{
    ep_state *s = state;
    ep_prepare(s, m, x, labels, rows);
    ep_zero(s, m, s->s0, rows);
    int converged = 0;
    for (long t = 0; t < EP_CONV_MAX && !converged; t++)
        converged = ep_sweep(s, m, s->s0, rows, 0.0, 1.0) <= EP_CONV_TOL;
    /* Active masks: units whose unclipped block minimiser is inside (0,1).
     * Stored in sp (1 or 0) to avoid another buffer. */
    for (size_t k = 0; k < s->depth && converged; k++) {
        size_t cnt = rows * m->sizes[k + 1];
        ep_layer_input(s, m, s->s0, k, rows, s->u);
        for (size_t i = 0; i < cnt; i++)
            s->sp[k][i] = (s->u[i] > 0.0 && s->u[i] < 1.0) ? 1.0 : 0.0;
        memset(s->mu[k], 0, cnt * sizeof(double));
    }
    /* mu = D (g + M mu) by block Gauss-Seidel over even/odd layers: the
     * system (I - M) restricted to active units is the energy's Hessian,
     * positive definite at a strict minimum, where Gauss-Seidel converges. */
    size_t last = s->depth - 1, C = s->classes;
    int solved = 0;
    for (long t = 0; t < EP_CONV_MAX && converged && !solved; t++) {
        double change = 0.0, big = 0.0;
        for (size_t parity = 0; parity < 2; parity++)
            for (size_t k = parity; k < s->depth; k += 2) {
                size_t n = m->sizes[k + 1], cnt = rows * n;
                memset(s->u, 0, cnt * sizeof(double));
                if (k > 0)
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)n, (int)m->sizes[k], 1.0,
                                s->mu[k - 1], (int)m->sizes[k], m->W[k], (int)m->sizes[k], 0.0, s->u, (int)n);
                if (k < last)
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)n, (int)m->sizes[k + 2],
                                1.0, s->mu[k + 1], (int)m->sizes[k + 2], m->W[k + 1], (int)n, 1.0, s->u, (int)n);
                else
                    for (size_t i = 0; i < rows * C; i++)
                        s->u[i] += s->s0[k][i] - s->y[i];
                for (size_t i = 0; i < cnt; i++) {
                    double v = s->sp[k][i] * s->u[i];
                    double d = fabs(v - s->mu[k][i]);
                    if (d > change)
                        change = d;
                    if (fabs(v) > big)
                        big = fabs(v);
                    s->mu[k][i] = v;
                }
            }
        if (!isfinite(change))
            break;
        solved = change <= EP_CONV_TOL * (big > 1.0 ? big : 1.0);
    }
    if (!solved) {
        for (size_t i = 0; i < m->n_params; i++)
            grad[i] = NAN;
        return CS_OK;
    }
    cs_mlp_tensors g;
    cs_mlp_tensors_of(m, grad, &g);
    double scale = 1.0 / (double)rows;
    for (size_t k = 0; k < s->depth; k++) {
        size_t I = m->sizes[k], O = m->sizes[k + 1];
        cs_layer_linear_backward_params(g.W[k], g.b[k], s->mu[k], k ? s->s0[k - 1] : x, rows, I, O, scale);
        if (k > 0) /* W_k also couples layer k-1 from above: + s_k^T mu_{k-1} */
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)O, (int)I, (int)rows, scale, s->s0[k], (int)O,
                        s->mu[k - 1], (int)I, 1.0, g.W[k], (int)I);
    }
    return CS_OK;
}

static const cs_rule_option_spec ep_options[] = {
    {"ep-beta", "X", "nudging strength beta > 0 (< 1 for random-sign and centered)", "0.9"},
    {"ep-free-steps", "N", "relaxation iterations of the free phase (>= 1)", "20"},
    {"ep-nudge-steps", "N", "relaxation iterations of each nudged phase (>= 1)", "4"},
    {"ep-step", "X", "damping of each layer's move to its block minimiser, in (0, 1]", "1"},
    {"ep-variant", "one-sided|random-sign|centered", "nudging scheme", "random-sign"},
    {NULL, NULL, NULL, NULL},
};

const cs_rule_vtable cs_rule_ep = {
    .name = "ep",
    .summary = "equilibrium propagation: free and nudged relaxation of an energy network, "
               "contrastive local update",
    .options = ep_options,
    .defaults = {.epochs = 30,
                 .batch = 20,
                 .lr = 0.2,
                 .momentum = 0.0,
                 .optimizer = "sgd",
                 .activation = "hardsigmoid",
                 .schedule = "cosine"},
    .create = ep_create,
    .destroy = ep_destroy,
    .describe = ep_describe,
    .step = ep_step,
    .teaching_signal = ep_teaching_signal,
    .activations = ep_activations,
    .relax = ep_relax,
    .predict = ep_predict,
    .reference_gradient = ep_reference_gradient,
};
