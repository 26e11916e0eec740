/* Backpropagation: the update direction is the exact gradient of the mean
 * cross-entropy; the teaching signal is delta_k = d CE_i / d z_k.
 *
 * --bp-precision float32 runs the forward and backward passes in float
 * (cblas_sgemm, src/learn/mlp_f32.h) on a float shadow of the network's
 * double parameters, which stay the master weights: the training loop, the
 * optimizer and its state are unchanged and double (mixed precision, like
 * PyTorch AMP's master weights). Per step: x -> float, the float passes,
 * S from the float gradient, the logits widened; the gradient goes to the
 * optimizer as floats (batch.direction_f32), whose SGD pass also writes the
 * shadow of the new parameters (mirror_f32), so the step converts the
 * parameters only when the loop says the shadow is stale. In training, a
 * large pass (in parts) takes the loop's SGD update and runs it on each
 * part of the gradient as it computes it, in both precisions
 * (src/learn/update.h): no second sweep. Every buffer is
 * allocated in create (max_rows), none per step. The probe snapshot runs
 * in float32 in both precisions (bp_snapshot), on a second float network
 * that never disturbs the shadow, and reaches the run log in float from
 * float probe inputs (bp_snapshot_f32). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/rule.h"

#include "../mlp_f32.h"

enum { BP_FLOAT64 = 0, BP_FLOAT32 = 1 };
static const char *const bp_precisions[] = {"float64", "float32", NULL};
/* --bp-angle-reference: what bp_angle_deg measures bp's direction against.
 * "own": bp's own gradient of the network it trains, in --bp-precision's
 * arithmetic (the direction itself: 0 by construction, no second pass);
 * "float64": the double gradient at the same parameters, which in float32
 * is a precision diagnostic (the rounding angle), not an angle to backprop. */
enum { BP_REF_OWN = 0, BP_REF_FLOAT64 = 1 };
static const char *const bp_angle_refs[] = {"own", "float64", NULL};

typedef struct {
    int precision;
    size_t max_rows;
    cs_mlp_cache *cache;   /* float64 passes (float32 runs: the reference gradient) */
    f32_mlp *net;          /* float32 steps: shadow of the double parameters, which the
                            * optimizer keeps current (mirror_f32, batch.mirror_fresh) */
    f32_mlp *probe;        /* snapshots and teaching signals, at any parameters */
    f32_mlp_cache *fcache; /* max_rows */
    float *xf;             /* max_rows x sizes[0] */
    float *gradf;          /* float32 runs only: n_params */
    int angle_ref;         /* BP_REF_OWN or BP_REF_FLOAT64 */
    double log_params[2];  /* /config bp_precision_bits, bp_angle_reference_bits (float32 runs only) */
} bp_state;

static void bp_destroy(void *state)
{
    bp_state *s = state;
    if (!s)
        return;
    cs_mlp_cache_destroy(s->cache);
    f32_mlp_cache_destroy(s->fcache);
    f32_mlp_destroy(s->net);
    f32_mlp_destroy(s->probe);
    free(s->xf);
    free(s->gradf);
    free(s);
}

static cs_status bp_create(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, uint64_t seed, size_t max_rows,
                           void **state)
{
    (void)seed;
    int precision;
    int angle_ref;
    cs_status st = cs_rule_opt_choice(opts, n_opts, "bp-precision", bp_precisions, BP_FLOAT64, &precision);
    if (!st)
        st = cs_rule_opt_choice(opts, n_opts, "bp-angle-reference", bp_angle_refs, BP_REF_OWN, &angle_ref);
    if (st)
        return st;
    bp_state *s = calloc(1, sizeof *s);
    if (!s)
        return cs_error_set(CS_ENOMEM, "cannot allocate rule bp");
    s->precision = precision;
    s->max_rows = max_rows;
    s->angle_ref = angle_ref;
    s->log_params[0] = 32.0;
    s->log_params[1] = angle_ref == BP_REF_FLOAT64 ? 64.0 : 32.0;
    /* The float32 network and cache serve every precision: the probe
     * snapshot is computed in float32 (bp_snapshot). */
    st = cs_mlp_cache_create(m, max_rows, &s->cache);
    if (!st)
        st = f32_mlp_create(m, &s->net);
    if (!st)
        st = f32_mlp_create(m, &s->probe);
    if (!st)
        st = f32_mlp_cache_create(s->net, max_rows, &s->fcache);
    if (!st && (!(s->xf = malloc(max_rows * m->sizes[0] * sizeof *s->xf)) ||
                (precision == BP_FLOAT32 && !(s->gradf = malloc(m->n_params * sizeof *s->gradf)))))
        st = cs_error_set(CS_ENOMEM, "cannot allocate rule bp's float32 buffers");
    if (st) {
        bp_destroy(s);
        return st;
    }
    *state = s;
    return CS_OK;
}

/* A float32 run records its precision and its angle's reference in the run
 * log's /config (bp_angle_reference_bits 32: bp's own float gradient, so
 * bp_angle_deg is 0 by construction; 64: the double gradient, measured); a
 * float64 run adds nothing (its logs stay as before the options existed:
 * its own gradient is the double one). */
static const char *const bp_param_names[] = {"bp_precision_bits", "bp_angle_reference_bits"};

static void bp_describe(const void *state, cs_rule_logspec *spec)
{
    const bp_state *s = state;
    memset(spec, 0, sizeof *spec);
    spec->step_is_reference = s->precision == BP_FLOAT64 || s->angle_ref == BP_REF_OWN;
    if (s->precision == BP_FLOAT32) {
        spec->n_params = 2;
        spec->param_names = bp_param_names;
        spec->param_values = s->log_params;
    }
}

/* Conversions and copies of a few hundred thousand values run in halves
 * on the run's team: done by one thread they leave the other idle (a probe
 * snapshot's network load ~0.2 ms and its copy out ~0.25 ms on the
 * Fashion-MNIST MLP, issue 17). Each value is converted or copied alone,
 * so the halves give the values of one pass. */
typedef struct {
    const f32_mlp_cache *c; /* copy: the float pass's arrays ... */
    size_t rows, depth, units[CS_MLP_MAX_LAYERS - 1];
    float *const *acts, *const *errors; /* ... into these (acts may be NULL) */
    float *dst;                         /* load: dst[n] = (float)src[n] */
    const double *src;
    size_t n;
} bp_halves;

static void bp_halves_run(void *arg, int t, int nt)
{
    const bp_halves *h = arg;
    if (h->dst) {
        size_t lo = h->n * (size_t)t / (size_t)nt, hi = h->n * ((size_t)t + 1) / (size_t)nt;
        f32_from_f64(h->dst + lo, h->src + lo, hi - lo);
        return;
    }
    size_t lo = h->rows * (size_t)t / (size_t)nt, hi = h->rows * ((size_t)t + 1) / (size_t)nt;
    for (size_t k = 0; k < h->depth; k++) {
        size_t u = h->units[k], at = lo * u, bytes = (hi - lo) * u * sizeof(float);
        if (h->acts)
            memcpy(h->acts[k] + at, h->c->a[k] + at, bytes);
        memcpy(h->errors[k] + at, h->c->delta[k] + at, bytes);
    }
}

/* f32_mlp_load(net, m) on the run's team. */
static void bp_load(f32_mlp *net, const cs_mlp *m)
{
    bp_halves h = {.dst = net->params, .src = m->params, .n = m->n_params};
    learn_team_run(learn_team_current(), bp_halves_run, &h);
}

/* float32: float network `net` <- params unless it holds them already
 * (`fresh`), the batch in float (x_f32 as the loop gathered it, else x
 * converted), forward and backward in float (grad NULL: deltas only;
 * *grad_ssq as f32_mlp_pass's, when not NULL). */
static cs_status bp_pass_f32(bp_state *s, f32_mlp *net, int fresh, const cs_mlp *m, const double *x,
                             const float *x_f32, const int32_t *labels, size_t rows, float *grad, double *grad_ssq,
                             learn_update *upd)
{
    if (rows > s->max_rows) /* before converting x into the max_rows buffer */
        return cs_error_set(CS_ELIMIT, "batch of %zu rows exceeds the cache capacity %zu", rows, s->max_rows);
    if (!fresh)
        bp_load(net, m);
    if (!x_f32) {
        f32_from_f64(s->xf, x, rows * m->sizes[0]);
        x_f32 = s->xf;
    }
    return f32_mlp_pass(net, x_f32, rows, labels, s->fcache, grad, grad_ssq, learn_team_current(), upd);
}

/* The sum of squares of the float gradient in double, in the order of
 * cs_sigmapi_norm's over the widened values (a pass that was not cut in
 * parts computes none). */
static double ssq_f32(const float *src, size_t n)
{
    double ssq = 0.0;
#pragma omp simd reduction(+ : ssq)
    for (size_t i = 0; i < n; i++) {
        double v = (double)src[i];
        ssq += v * v;
    }
    return ssq;
}

/* S of the step from the gradient's plain sum of squares, or NAN when that
 * sum overflowed, underflowed or met a NaN: the rule loop then takes the
 * careful cs_sigmapi_norm of the double direction. */
static double norm_of_ssq(double ssq) { return isfinite(ssq) && ssq >= 1e-280 ? sqrt(ssq) : NAN; }

static cs_status bp_step(void *state, const cs_mlp *m, cs_rule_batch *b)
{
    bp_state *s = state;
    size_t last = cs_mlp_depth(m) - 1, nlog = b->rows * m->sizes[last + 1];
    if (s->precision == BP_FLOAT32) {
        double ssq;
        cs_status st = bp_pass_f32(s, s->net, b->mirror_fresh, m, b->x, b->x_f32, b->labels, b->rows, s->gradf, &ssq,
                                   learn_update_current());
        if (st)
            return st;
        b->surprise = norm_of_ssq(isnan(ssq) ? ssq_f32(s->gradf, m->n_params) : ssq);
        if (isnan(b->surprise))
            f64_from_f32(b->direction, s->gradf, m->n_params);
        else
            b->direction_f32 = s->gradf;
        f64_from_f32(b->logits, s->fcache->z[last], nlog);
        b->is_reference_gradient = s->angle_ref == BP_REF_OWN;
        return CS_OK;
    }
    double ssq;
    cs_status st = f64_mlp_pass(m, b->x, b->rows, b->labels, s->cache, b->direction, &ssq, learn_team_current(),
                                learn_update_current());
    if (st)
        return st;
    b->surprise = norm_of_ssq(ssq); /* NAN (not computed): the rule loop's cs_sigmapi_norm */
    b->is_reference_gradient = 1;
    cs_mlp_copy_logits(m, s->cache, b->rows, b->logits);
    return CS_OK;
}

/* Per-sample deltas (and post-activations) of the float32 pass, widened:
 * errors[k] (and acts[k] unless acts is NULL): rows x sizes[k+1]. */
static cs_status bp_signals_f32(bp_state *s, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                double *const *acts, double *const *errors)
{
    cs_status st = bp_pass_f32(s, s->probe, 0, m, x, NULL, labels, rows, NULL, NULL, NULL);
    if (st)
        return st;
    for (size_t k = 0; k < cs_mlp_depth(m); k++) {
        size_t n = rows * m->sizes[k + 1];
        if (acts)
            f64_from_f32(acts[k], s->fcache->a[k], n);
        f64_from_f32(errors[k], s->fcache->delta[k], n);
    }
    return CS_OK;
}

/* The probe snapshot is stored in float32 by the run log, so it is computed
 * in float32 whatever --bp-precision says: sgemm halves the probe pass, which
 * is most of the logging overhead (docs/training.md, Performance). Values are
 * within ~1e-6 relative of the float64 pass (tests/test_f32.c), against the
 * 6e-8 of float32 storage itself. */
static cs_status bp_snapshot(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                             double *const *acts, double *const *errors)
{
    return bp_signals_f32(state, m, x, labels, rows, acts, errors);
}

/* bp_snapshot's values without their round trip through double: the
 * float pass's own arrays copied out. The run log stores them as float, so
 * a snapshot costs the pass and one copy (the inputs come in float too). */
static cs_status bp_snapshot_f32(void *state, const cs_mlp *m, const float *x, const int32_t *labels, size_t rows,
                                 float *const *acts, float *const *errors)
{
    bp_state *s = state;
    cs_status st = bp_pass_f32(s, s->probe, 0, m, NULL, x, labels, rows, NULL, NULL, NULL);
    if (st)
        return st;
    bp_halves h = {.c = s->fcache, .rows = rows, .depth = cs_mlp_depth(m), .acts = acts, .errors = errors};
    for (size_t k = 0; k < h.depth; k++)
        h.units[k] = m->sizes[k + 1];
    learn_team_run(learn_team_current(), bp_halves_run, &h);
    return CS_OK;
}

/* The teaching signal in the rule's precision: exact BP deltas in float64. */
static cs_status bp_teaching_signal(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                    double *const *errors)
{
    bp_state *s = state;
    if (s->precision == BP_FLOAT32)
        return bp_signals_f32(s, m, x, labels, rows, NULL, errors);
    cs_status st = f64_mlp_pass(m, x, rows, labels, s->cache, NULL, NULL, learn_team_current(), NULL);
    if (st)
        return st;
    cs_mlp_copy_deltas(m, s->cache, rows, errors);
    return CS_OK;
}

/* The double gradient (bp_angle_deg of float32 runs with --bp-angle-reference
 * float64): cs_mlp_gradient's values, on the threads of a step. */
static cs_status bp_reference_gradient(void *state, const cs_mlp *m, const double *x, const int32_t *labels,
                                       size_t rows, double *grad)
{
    bp_state *s = state;
    return f64_mlp_pass(m, x, rows, labels, s->cache, grad, NULL, learn_team_current(), NULL);
}

static float *bp_mirror_f32(void *state)
{
    bp_state *s = state;
    return s->precision == BP_FLOAT32 ? s->net->params : NULL;
}

static const cs_rule_option_spec bp_options[] = {
    {"bp-precision", "float64|float32",
     "forward/backward arithmetic; float32: sgemm on a float copy of the double master "
     "weights, ~1.5x faster, gradient within ~1e-6 relative (docs/training.md)",
     "float64"},
    {"bp-angle-reference", "own|float64",
     "what bp_angle_deg measures bp's direction against: own, bp's own gradient (0 by "
     "construction); float64, the double gradient (in float32 the rounding angle, one double "
     "pass per log step)",
     "own"},
    {NULL, NULL, NULL, NULL}};

const cs_rule_vtable cs_rule_bp = {
    .name = "bp",
    .summary = "backpropagation: the exact gradient of the mean cross-entropy",
    .options = bp_options,
    /* Chosen from sweeps (docs/training.md). digits 64-100-10, 30 epochs,
     * seeds 1..40 (split, init and order all follow --seed): mean final test
     * accuracy 97.65%, >= 97% for 32 of 40. Larger steps do better on digits
     * (lr 0.1: 36/40) but wreck Fashion-MNIST (784 inputs: lr 0.05 ends at
     * 85%, 0.1 diverges); lr 0.03 reaches 88.7% there in 15 epochs. */
    .defaults = {.epochs = 30,
                 .batch = 16,
                 .lr = 0.03,
                 .momentum = 0.9,
                 .optimizer = "sgd",
                 .activation = "relu",
                 .schedule = "cosine"},
    .create = bp_create,
    .destroy = bp_destroy,
    .describe = bp_describe,
    .step = bp_step,
    .teaching_signal = bp_teaching_signal,
    .snapshot = bp_snapshot,
    .snapshot_f32 = bp_snapshot_f32,
    .reference_gradient = bp_reference_gradient,
    .mirror_f32 = bp_mirror_f32,
    .own_threads = 1,
};
