/* The Forward-Forward algorithm (Hinton 2022, arXiv:2212.13345).
 *
 * Input. The label is overlaid on the input: the first C inputs (C = output
 * units = classes) are replaced by a one-hot code of the label (1 at the
 * label's position, 0 elsewhere), as Hinton replaced MNIST's first 10 border
 * pixels. The network needs more inputs than classes.
 *
 * Layers. Every weight layer k (the output layer included) is an FF layer:
 *     in_0 = overlay(x, c),   in_k = h_{k-1} / (|h_{k-1}| + 1e-8)   (k >= 1)
 *     z_k = in_k W_k^T + b_k,  h_k = f(z_k),  goodness G_k = sum_j h_kj^2
 * The length normalisation between layers hides a layer's goodness from the
 * next, so each layer must find new features. Each layer is trained on its
 * own loss only (no error crosses layers), with threshold theta_k = theta n_k
 * (theta = --ff-threshold, i.e. a mean square of theta per unit):
 *     positive (true label):  l = softplus(theta_k - G_k)
 *     negative (wrong label): l = softplus(G_k - theta_k)
 *     dl/dz_k = dl/dG_k 2 h_k .* f'(z_k);  dW_k = mean_rows dl/dz_k^T in_k
 * The update direction is the sum of the positive and negative batch means.
 * Negatives pair each sample with a wrong label: uniformly drawn ("random")
 * or the wrong label the model currently finds best ("hard", Hinton's
 * suggestion), which costs one pass per label.
 *
 * Prediction: the label with the largest total goodness sum_k G_k(x, c);
 * the logits handed to the training loop are these totals.
 *
 * bp_angle_deg reference: FF has no global loss, so the reference is the
 * end-to-end gradient of the same objective (the sum of every layer's loss
 * on the same positives and negatives), backpropagated through the
 * normalisations: how far FF's greedy, layer-local learning is from
 * optimising its own objective jointly. The last layer's update equals it.
 *
 * Logged: errors = dl+/dz_k on the probe set with the true labels (the
 * goodness gradient FF applies for a positive sample); activations = h_k
 * with the neutral label (1/C on every label input: the label-free
 * representation, as in Hinton's one-pass read-out); per-step series goodness_pos and goodness_neg = batch
 * means of G_k. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "cogscope/rule.h"

enum { FF_RANDOM = 0, FF_HARD };
static const char *const ff_negatives[] = {"random", "hard", NULL};
static const char *const ff_param_names[] = {"ff_threshold", "ff_negatives"};
static const char *const ff_series[] = {"goodness_pos", "goodness_neg"};

#define FF_NORM_EPS 1e-8

typedef struct {
    double threshold;
    int negatives;
    size_t depth, classes, dim, max_rows, widest;
    cs_rng *rng; /* random negatives */
    double *memory;
    double *in[CS_MLP_MAX_LAYERS - 1];                           /* in_k: rows x sizes[k] (in_0 = overlaid input) */
    double *z[CS_MLP_MAX_LAYERS - 1], *h[CS_MLP_MAX_LAYERS - 1]; /* rows x sizes[k+1] */
    double *norm[CS_MLP_MAX_LAYERS - 1];                         /* |h_k| per row */
    double *good;                                                /* rows x depth: G_k */
    double *dz, *gh, *gin;                                       /* rows x widest scratch */
    double *table;                                               /* rows x classes: total goodness per label */
    int32_t *lab, *neg;   /* rows: labels of a pass; negatives of the last step */
    const double *last_x; /* batch of the last step (for reference_gradient) */
    size_t last_rows;
    double param_values[2];
} ff_state;

static void ff_destroy(void *state)
{
    ff_state *s = state;
    if (!s)
        return;
    cs_rng_destroy(s->rng);
    free(s->memory);
    free(s->lab);
    free(s->neg);
    free(s);
}

static cs_status ff_create(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, uint64_t seed, size_t max_rows,
                           void **state)
{
    *state = NULL;
    double theta;
    int negatives;
    cs_status st;
    if ((st = cs_rule_opt_double(opts, n_opts, "ff-threshold", 1.0, &theta)) ||
        (st = cs_rule_opt_choice(opts, n_opts, "ff-negatives", ff_negatives, FF_HARD, &negatives)))
        return st;
    if (!(theta > 0.0))
        return cs_error_set(CS_EINVAL, "--ff-threshold must be > 0 (got %g)", theta);
    size_t depth = cs_mlp_depth(m), C = m->sizes[depth], D = m->sizes[0];
    if (C >= D)
        return cs_error_set(CS_EINVAL,
                            "rule ff overlays a one-hot label of %zu classes on the first inputs, "
                            "which needs more inputs than classes; the network has %zu inputs",
                            C, D);
    ff_state *s = calloc(1, sizeof *s);
    if (!s)
        return cs_error_set(CS_ENOMEM, "cannot allocate rule ff");
    s->threshold = theta;
    s->negatives = negatives;
    s->depth = depth;
    s->classes = C;
    s->dim = D;
    s->max_rows = max_rows;
    size_t ins = 0, outs = 0;
    for (size_t k = 0; k < depth; k++) {
        ins += m->sizes[k];
        outs += m->sizes[k + 1];
        if (m->sizes[k + 1] > s->widest)
            s->widest = m->sizes[k + 1];
        if (m->sizes[k] > s->widest)
            s->widest = m->sizes[k];
    }
    size_t total = max_rows * (ins + 2 * outs + 2 * depth + 3 * s->widest + C);
    s->memory = malloc(total * sizeof(double));
    s->lab = malloc(max_rows * sizeof(int32_t));
    s->neg = malloc(max_rows * sizeof(int32_t));
    if (!s->memory || !s->lab || !s->neg)
        st = cs_error_set(CS_ENOMEM, "rule ff: cannot allocate %zu doubles", total);
    else
        st = cs_rng_create_stream(seed, 0xFF, &s->rng);
    if (st) {
        ff_destroy(s);
        return st;
    }
    double *p = s->memory;
    for (size_t k = 0; k < depth; k++) {
        s->in[k] = p, p += max_rows * m->sizes[k];
        s->z[k] = p, p += max_rows * m->sizes[k + 1];
        s->h[k] = p, p += max_rows * m->sizes[k + 1];
        s->norm[k] = p, p += max_rows;
    }
    s->good = p, p += max_rows * depth;
    s->dz = p, p += max_rows * s->widest;
    s->gh = p, p += max_rows * s->widest;
    s->gin = p, p += max_rows * s->widest;
    s->table = p;
    s->param_values[0] = theta;
    s->param_values[1] = (double)negatives;
    *state = s;
    return CS_OK;
}

static void ff_describe(const void *state, cs_rule_logspec *spec)
{
    const ff_state *s = state;
    spec->n_layer_series = 2;
    spec->layer_series = ff_series;
    spec->n_params = 2;
    spec->param_names = ff_param_names;
    spec->param_values = s->param_values;
}

/* Forward pass of x with labels lab[r] overlaid (lab NULL: Hinton's neutral
 * label, 1/C at every label input): fills in, z, h, norm, good. */
static void ff_forward(ff_state *s, const cs_mlp *m, const double *x, const int32_t *lab, size_t rows)
{
    size_t D = s->dim, C = s->classes;
    memcpy(s->in[0], x, rows * D * sizeof(double));
    for (size_t r = 0; r < rows; r++) {
        double *row = s->in[0] + r * D;
        for (size_t c = 0; c < C; c++)
            row[c] = lab ? 0.0 : 1.0 / (double)C;
        if (lab)
            row[lab[r]] = 1.0;
    }
    for (size_t k = 0; k < s->depth; k++) {
        size_t I = m->sizes[k], n = m->sizes[k + 1];
        cs_layer_linear_forward(s->z[k], s->in[k], m->W[k], m->b[k], rows, I, n);
        cs_act_forward(m->act, s->h[k], s->z[k], rows * n);
        for (size_t r = 0; r < rows; r++) {
            const double *hr = s->h[k] + r * n;
            double g = 0.0;
            for (size_t j = 0; j < n; j++)
                g += hr[j] * hr[j];
            s->good[r * s->depth + k] = g;
            s->norm[k][r] = sqrt(g);
            if (k + 1 < s->depth) {
                double inv = 1.0 / (s->norm[k][r] + FF_NORM_EPS);
                double *nx = s->in[k + 1] + r * n;
                for (size_t j = 0; j < n; j++)
                    nx[j] = hr[j] * inv;
            }
        }
    }
}

/* dz = dl/dz_k of layer k's own loss (positive: sign = +1; negative: -1),
 * per sample, after ff_forward. */
static void ff_local_grad(const ff_state *s, const cs_mlp *m, size_t k, size_t rows, int positive, double *dz)
{
    size_t n = m->sizes[k + 1];
    double theta = s->threshold * (double)n;
    for (size_t r = 0; r < rows; r++) {
        double G = s->good[r * s->depth + k];
        /* d softplus(theta - G)/dG = -sigmoid(theta - G); d softplus(G - theta)/dG = sigmoid(G - theta) */
        double dG = positive ? -1.0 / (1.0 + exp(G - theta)) : 1.0 / (1.0 + exp(theta - G));
        for (size_t j = 0; j < n; j++)
            dz[r * n + j] = dG * 2.0 * s->h[k][r * n + j];
    }
    cs_act_backward(m->act, dz, dz, s->z[k], s->h[k], rows * n);
}

/* table[r][c] = total goodness of x_r with label c (one pass per label). */
static void ff_goodness_table(ff_state *s, const cs_mlp *m, const double *x, size_t rows)
{
    size_t C = s->classes;
    for (size_t c = 0; c < C; c++) {
        for (size_t r = 0; r < rows; r++)
            s->lab[r] = (int32_t)c;
        ff_forward(s, m, x, s->lab, rows);
        for (size_t r = 0; r < rows; r++) {
            double g = 0.0;
            for (size_t k = 0; k < s->depth; k++)
                g += s->good[r * s->depth + k];
            s->table[r * C + c] = g;
        }
    }
}

/* Negative labels for the batch (after ff_goodness_table for "hard"). */
static void ff_choose_negatives(ff_state *s, const int32_t *labels, size_t rows)
{
    size_t C = s->classes;
    for (size_t r = 0; r < rows; r++) {
        size_t y = (size_t)labels[r], pick;
        if (s->negatives == FF_HARD) {
            pick = y == 0 ? 1 : 0;
            for (size_t c = 0; c < C; c++)
                if (c != y && s->table[r * C + c] > s->table[r * C + pick])
                    pick = c;
        } else {
            pick = (y + 1 + (size_t)cs_rng_below(s->rng, C - 1)) % C;
        }
        s->neg[r] = (int32_t)pick;
    }
}

/* direction += the layer-local FF gradient of one pass (positive or
 * negative); series[k] = batch-mean goodness of layer k. */
static void ff_accumulate_local(ff_state *s, const cs_mlp *m, const double *x, const int32_t *lab, size_t rows,
                                int positive, cs_mlp_tensors *g, double *series)
{
    ff_forward(s, m, x, lab, rows);
    double scale = 1.0 / (double)rows;
    for (size_t k = 0; k < s->depth; k++) {
        size_t I = m->sizes[k], O = m->sizes[k + 1];
        ff_local_grad(s, m, k, rows, positive, s->dz);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)O, (int)I, (int)rows, scale, s->dz, (int)O,
                    s->in[k], (int)I, 1.0, g->W[k], (int)I);
        double mean = 0.0;
        for (size_t r = 0; r < rows; r++) {
            for (size_t j = 0; j < O; j++)
                g->b[k][j] += scale * s->dz[r * O + j];
            mean += s->good[r * s->depth + k];
        }
        if (series)
            series[k] = mean * scale;
    }
}

static cs_status ff_step(void *state, const cs_mlp *m, cs_rule_batch *b)
{
    ff_state *s = state;
    size_t rows = b->rows;
    ff_goodness_table(s, m, b->x, rows);
    memcpy(b->logits, s->table, rows * s->classes * sizeof(double));
    ff_choose_negatives(s, b->labels, rows);
    memset(b->direction, 0, m->n_params * sizeof(double));
    cs_mlp_tensors g;
    cs_mlp_tensors_of(m, b->direction, &g);
    double *series = b->layer_series;
    ff_accumulate_local(s, m, b->x, b->labels, rows, 1, &g, series);
    ff_accumulate_local(s, m, b->x, s->neg, rows, 0, &g, series ? series + s->depth : NULL);
    s->last_x = b->x;
    s->last_rows = rows;
    return CS_OK;
}

/* End-to-end gradient of sum_k l_k for one pass, added into g. */
static void ff_accumulate_global(ff_state *s, const cs_mlp *m, const double *x, const int32_t *lab, size_t rows,
                                 int positive, cs_mlp_tensors *g)
{
    ff_forward(s, m, x, lab, rows);
    double scale = 1.0 / (double)rows;
    int have_above = 0; /* s->gh holds dL/dh_k from the layers above */
    for (size_t k = s->depth; k-- > 0;) {
        size_t I = m->sizes[k], O = m->sizes[k + 1];
        ff_local_grad(s, m, k, rows, positive, s->dz);
        if (have_above) {
            /* add the upper layers' share: gh .* f'(z) */
            cs_act_backward(m->act, s->gh, s->gh, s->z[k], s->h[k], rows * O);
            for (size_t i = 0; i < rows * O; i++)
                s->dz[i] += s->gh[i];
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)O, (int)I, (int)rows, scale, s->dz, (int)O,
                    s->in[k], (int)I, 1.0, g->W[k], (int)I);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < O; j++)
                g->b[k][j] += scale * s->dz[r * O + j];
        if (k == 0)
            break;
        /* dL/d in_k, then through in_k = h_{k-1} / (|h_{k-1}| + eps) */
        cs_layer_linear_backward_input(s->gin, s->dz, m->W[k], rows, I, O);
        for (size_t r = 0; r < rows; r++) {
            const double *hr = s->h[k - 1] + r * I, *gr = s->gin + r * I;
            double *out = s->gh + r * I, nr = s->norm[k - 1][r], dot = 0.0;
            double inv = 1.0 / (nr + FF_NORM_EPS);
            for (size_t j = 0; j < I; j++)
                dot += gr[j] * hr[j];
            double radial = nr > 0.0 ? dot * inv * inv / nr : 0.0;
            for (size_t j = 0; j < I; j++)
                out[j] = gr[j] * inv - radial * hr[j];
        }
        have_above = 1;
    }
}

static cs_status ff_reference_gradient(void *state, const cs_mlp *m, const double *x, const int32_t *labels,
                                       size_t rows, double *grad)
{
    ff_state *s = state;
    if (s->last_x != x || s->last_rows != rows) {
        /* Not the batch of the last step: choose its negatives now. */
        if (s->negatives == FF_HARD)
            ff_goodness_table(s, m, x, rows);
        ff_choose_negatives(s, labels, rows);
    }
    memset(grad, 0, m->n_params * sizeof(double));
    cs_mlp_tensors g;
    cs_mlp_tensors_of(m, grad, &g);
    ff_accumulate_global(s, m, x, labels, rows, 1, &g);
    ff_accumulate_global(s, m, x, s->neg, rows, 0, &g);
    return CS_OK;
}

static cs_status ff_teaching_signal(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                    double *const *errors)
{
    ff_state *s = state;
    ff_forward(s, m, x, labels, rows);
    for (size_t k = 0; k < s->depth; k++)
        ff_local_grad(s, m, k, rows, 1, errors[k]);
    s->last_x = NULL; /* the buffers no longer hold the last step's batch */
    return CS_OK;
}

static cs_status ff_activations(void *state, const cs_mlp *m, const double *x, size_t rows, double *const *acts)
{
    ff_state *s = state;
    ff_forward(s, m, x, NULL, rows);
    for (size_t k = 0; k < s->depth; k++)
        memcpy(acts[k], s->h[k], rows * m->sizes[k + 1] * sizeof(double));
    s->last_x = NULL;
    return CS_OK;
}

static cs_status ff_predict(void *state, const cs_mlp *m, const double *x, size_t rows, double *logits)
{
    ff_state *s = state;
    ff_goodness_table(s, m, x, rows);
    memcpy(logits, s->table, rows * s->classes * sizeof(double));
    return CS_OK;
}

static const cs_rule_option_spec ff_options[] = {
    {"ff-threshold", "X",
     "goodness threshold per unit (a layer of n units compares sum h^2 "
     "with X n), > 0",
     "1"},
    {"ff-negatives", "random|hard",
     "wrong labels for negatives: uniform, or the model's best "
     "wrong label",
     "hard"},
    {NULL, NULL, NULL, NULL},
};

const cs_rule_vtable cs_rule_ff = {
    .name = "ff",
    .summary = "Forward-Forward: layer-local goodness of positive (true label) vs negative "
               "(wrong label) data",
    .options = ff_options,
    .defaults = {.epochs = 60, .batch = 32, .lr = 0.01, .momentum = 0.0, .optimizer = "adam", .activation = "relu"},
    .create = ff_create,
    .destroy = ff_destroy,
    .describe = ff_describe,
    .step = ff_step,
    .teaching_signal = ff_teaching_signal,
    .activations = ff_activations,
    .predict = ff_predict,
    .reference_gradient = ff_reference_gradient,
};
