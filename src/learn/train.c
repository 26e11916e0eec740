/* The training loop shared by every learning rule. See include/cogscope/train.h. */
#include "cogscope/train.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <time.h>

#include "cogscope/optim.h"
#include "cogscope/trainlog.h"
#include "cogscope/sigmapi.h"

/* OpenBLAS's own thread count (not part of the CBLAS interface). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#define DEFAULT_LOG_EVERY 50
#define DEFAULT_PROBE 512
#define DEFAULT_HIDDEN 100

void cs_train_config_default(cs_train_config *c)
{
    memset(c, 0, sizeof *c);
    c->rule = "bp";
    c->lr = NAN;
    c->momentum = NAN;
    c->weight_decay = NAN;
    c->pi_alpha = NAN;
    c->pi_gamma = NAN;
    c->seed = 1;
}

/* Inputs at or above this magnitude are named as the cause of a divergence:
 * typical features are O(1) (pixels in [0, 1], z-scores). */
#define DIVERGE_INPUT_MAX 1e6

/* The data, before a network is sized from them: every feature finite as
 * float32 (a CSV value beyond ±3.4e38 turns into Inf and would only show up
 * as a "diverged" loss), and no more classes than samples (one stray label
 * of 999999 would size a million output units). CS_EFORMAT naming the
 * dataset, the split, the sample and the feature. */
static cs_status check_data(const cs_dataset *d, const char *name, const char *split)
{
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->dim; j++)
            if (!isfinite(d->x[i * d->dim + j]))
                return cs_error_set(CS_EFORMAT,
                                    "%s: %s sample %zu, feature %zu is %s as float32: inputs must be "
                                    "finite and within ±3.4e38 (scale the features)",
                                    name, split, i, j, isnan(d->x[i * d->dim + j]) ? "NaN" : "Inf");
    if (d->classes > d->n) {
        int32_t top = 0;
        for (size_t i = 0; i < d->n; i++)
            top = d->y[i] > top ? d->y[i] : top;
        return cs_error_set(CS_EFORMAT,
                            "%s: label %d makes %zu classes for %zu %s samples: labels must be class "
                            "numbers 0..K-1 (relabel the data)",
                            name, (int)top, d->classes, d->n, split);
    }
    return CS_OK;
}

/* The largest |input| of a dataset and where it is, to tell a divergence
 * caused by the data from one caused by the learning rate. */
static double max_abs_input(const cs_dataset *d, size_t *at)
{
    double top = 0;
    *at = 0;
    for (size_t i = 0; i < d->n * d->dim; i++)
        if (fabs(d->x[i]) > top) {
            top = fabs(d->x[i]);
            *at = i;
        }
    return top;
}

cs_status cs_train_config_resolve(const cs_train_config *in, const cs_dataset *train,
                                  cs_train_config *out)
{
    *out = *in;
    const cs_rule_vtable *vt = cs_rule_find(in->rule);
    if (!vt) {
        char names[512] = "";
        for (size_t i = 0; i < cs_rule_count(); i++) {
            if (i)
                strncat(names, ", ", sizeof names - strlen(names) - 1);
            strncat(names, cs_rule_at(i)->name, sizeof names - strlen(names) - 1);
        }
        return cs_error_set(CS_EINVAL, "--rule: '%s' is not a known rule (%s)", in->rule ? in->rule : "",
                            names);
    }
    cs_status st = cs_rule_check_options(vt, in->rule_opts, in->n_rule_opts);
    if (st)
        return st;
    const cs_rule_defaults *d = &vt->defaults;
    if (!out->activation)
        out->activation = d->activation ? d->activation : "tanh";
    cs_activation act;
    if ((st = cs_activation_parse(out->activation, &act)))
        return st;
    if (!out->optimizer)
        out->optimizer = d->optimizer ? d->optimizer : "sgd";
    cs_optim_kind ok;
    if ((st = cs_optim_parse(out->optimizer, &ok)))
        return st;
    if (!out->epochs)
        out->epochs = d->epochs ? d->epochs : 10;
    if (!out->batch)
        out->batch = d->batch ? d->batch : 32;
    if (isnan(out->lr))
        out->lr = d->lr > 0 ? d->lr : 0.01;
    if (isnan(out->momentum))
        out->momentum = d->momentum;
    if (isnan(out->weight_decay))
        out->weight_decay = d->weight_decay;
    if (!out->schedule)
        out->schedule = d->schedule ? d->schedule : "constant";
    if (strcmp(out->schedule, "constant") && strcmp(out->schedule, "cosine"))
        return cs_error_set(CS_EINVAL, "--lr-schedule: '%s' is not 'constant' or 'cosine'", out->schedule);
    if (!(out->weight_decay >= 0.0) || !isfinite(out->weight_decay))
        return cs_error_set(CS_EINVAL, "--weight-decay %g must be a finite number >= 0", out->weight_decay);
    if (!(out->lr > 0.0) || !isfinite(out->lr))
        return cs_error_set(CS_EINVAL, "--lr %g must be a finite number > 0", out->lr);
    if (!(out->momentum >= 0.0 && out->momentum < 1.0))
        return cs_error_set(CS_EINVAL, "--momentum %g must be in [0, 1)", out->momentum);
    if (out->epochs > 1000000)
        return cs_error_set(CS_EINVAL, "--epochs %zu is more than 1000000", out->epochs);
    if (out->batch > 1000000)
        return cs_error_set(CS_EINVAL, "--batch %zu is more than 1000000", out->batch);
    if (isnan(out->pi_alpha))
        out->pi_alpha = CS_SIGMAPI_ALPHA;
    if (isnan(out->pi_gamma))
        out->pi_gamma = CS_SIGMAPI_GAMMA;
    if (!(out->pi_alpha >= 0.0) || !isfinite(out->pi_alpha))
        return cs_error_set(CS_EINVAL, "--pi-alpha %g must be >= 0", out->pi_alpha);
    if (!(out->pi_gamma >= 0.0 && out->pi_gamma <= 1.0))
        return cs_error_set(CS_EINVAL, "--pi-gamma %g must be in [0, 1]", out->pi_gamma);
    if (!out->log_every)
        out->log_every = DEFAULT_LOG_EVERY;
    if (!out->probe_size)
        out->probe_size = DEFAULT_PROBE;
    if (out->threads < 0)
        return cs_error_set(CS_EINVAL, "--threads %d must be >= 0 (0 = all cores)", out->threads);
    out->threads = cs_threads_resolve(out->threads);
    if (!out->dataset_name)
        out->dataset_name = "";
    if (train) {
        if (train->n == 0)
            return cs_error_set(CS_EINVAL, "the training set is empty");
        cs_status dst = check_data(train, out->dataset_name, "training");
        if (dst)
            return dst;
        if (out->n_layers == 0) {
            out->n_layers = 3;
            out->sizes[0] = train->dim;
            out->sizes[1] = DEFAULT_HIDDEN;
            out->sizes[2] = train->classes;
        }
        if (out->sizes[0] != train->dim)
            return cs_error_set(CS_EINVAL, "--layers: the input layer has %zu units but the data have %zu features",
                                out->sizes[0], train->dim);
        /* One output unit per class: more would be classes that never occur
         * (almost surely a typo in --layers), fewer cannot be trained. */
        if (out->n_layers >= 2 && out->sizes[out->n_layers - 1] != train->classes)
            return cs_error_set(CS_EINVAL,
                                "--layers: the output layer has %zu units but the labels go up to %zu (%zu classes)",
                                out->sizes[out->n_layers - 1], train->classes - 1, train->classes);
    }
    if (!train && out->n_layers == 0)
        return CS_OK; /* layers come from the data later */
    /* The network and the rule built once, so bad layer sizes and bad rule
     * option values (checked by the rule's create) surface here as CS_EINVAL
     * rather than mid-run. */
    cs_mlp *m;
    if ((st = cs_mlp_create(out->sizes, out->n_layers, act, &m)))
        return st;
    cs_rule *r;
    st = cs_rule_create(vt, m, out->rule_opts, out->n_rule_opts, out->seed, out->batch, &r);
    cs_rule_destroy(st ? NULL : r);
    cs_mlp_destroy(m);
    return st;
}

double cs_train_angle_deg(const double *a, const double *b, size_t n)
{
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (size_t i = 0; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    if (!(aa > 0.0) || !(bb > 0.0))
        return NAN;
    double c = ab / (sqrt(aa) * sqrt(bb));
    c = c > 1.0 ? 1.0 : (c < -1.0 ? -1.0 : c); /* rounding can push |c| a hair past 1 */
    return acos(c) * (180.0 / M_PI);
}

static double layer_angle(const cs_mlp *m, const double *a, const double *b, size_t k)
{
    return cs_train_angle_deg(a + m->w_offset[k], b + m->w_offset[k], cs_mlp_layer_params(m, k));
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Everything one run allocates, freed in one place. */
typedef struct {
    cs_train_config c;
    cs_mlp *mlp;
    cs_rule *rule;
    cs_optim *opt;
    cs_mlp_cache *bp_cache;
    cs_rng *shuffle_rng;
    cs_trainlog *log;
    cs_rule_logspec spec;
    size_t depth, classes, dim, max_rows;
    size_t *perm;
    double *xb, *dir, *bpgrad, *logits, *series;
    int32_t *yb;
    /* probe */
    size_t probe_n;
    double *probe_x;
    int32_t *probe_y;
    float *probe_xf;
    double *snap_d[CS_MLP_MAX_LAYERS - 1], *snap_e[CS_MLP_MAX_LAYERS - 1];
    float *snap_act[CS_MLP_MAX_LAYERS - 1], *snap_err[CS_MLP_MAX_LAYERS - 1];
    double *relax_d[CS_MLP_MAX_LAYERS - 1];
    float *relax_f[CS_MLP_MAX_LAYERS - 1];
    double *energy;
    size_t *test_idx;
    /* the log's size budget (uncompressed bytes) */
    uint64_t log_bytes, projected, max_bytes, row_bytes, snap_bytes, eval_bytes;
    int log_limited;
    int64_t limit_step;
    char diverged[256]; /* non-empty: why training stopped as diverged */
} run_state;

static void run_free(run_state *s)
{
    if (s->diverged[0])
        cs_trainlog_close_marked(s->log, "diverged", s->diverged);
    else
        cs_trainlog_close(s->log);
    cs_rule_destroy(s->rule);
    cs_optim_destroy(s->opt);
    cs_mlp_cache_destroy(s->bp_cache);
    cs_rng_destroy(s->shuffle_rng);
    cs_mlp_destroy(s->mlp);
    free(s->perm);
    free(s->xb);
    free(s->yb);
    free(s->dir);
    free(s->bpgrad);
    free(s->logits);
    free(s->series);
    free(s->probe_x);
    free(s->probe_y);
    free(s->probe_xf);
    free(s->energy);
    free(s->test_idx);
    for (size_t k = 0; k < CS_MLP_MAX_LAYERS - 1; k++) {
        free(s->snap_d[k]);
        free(s->snap_e[k]);
        free(s->snap_act[k]);
        free(s->snap_err[k]);
        free(s->relax_d[k]);
        free(s->relax_f[k]);
    }
}

static void to_float(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

/* Probe activations + teaching signals (and relaxation) at `step`. */
static cs_status log_snapshot(run_state *s, int64_t step)
{
    const cs_mlp *m = s->mlp;
    size_t P = s->probe_n;
    cs_status st = cs_rule_snapshot(s->rule, m, s->probe_x, s->probe_y, P, s->snap_d, s->snap_e);
    if (st)
        return st;
    for (size_t k = 0; k < s->depth; k++) {
        to_float(s->snap_act[k], s->snap_d[k], P * m->sizes[k + 1]);
        to_float(s->snap_err[k], s->snap_e[k], P * m->sizes[k + 1]);
    }
    st = cs_trainlog_append_snapshot(s->log, step, (const float *const *)s->snap_act,
                                   (const float *const *)s->snap_err);
    if (st || !s->spec.relax_iterations)
        return st;
    size_t R = s->spec.relax_samples, T = s->spec.relax_iterations;
    st = cs_rule_relax(s->rule, m, s->probe_x, s->probe_y, R, s->relax_d, s->energy);
    if (st)
        return st;
    for (size_t k = 0; k < s->depth; k++)
        to_float(s->relax_f[k], s->relax_d[k], T * R * m->sizes[k + 1]);
    return cs_trainlog_append_relax(s->log, (const float *const *)s->relax_f, s->energy);
}

/* Evaluation on `test` in batches of c.batch rows: sample-mean loss and
 * accuracy; tau, S and PI as row-weighted means over the batches (each batch
 * gets its own S from a rule step whose direction is discarded). */
static cs_status evaluate(run_state *s, const cs_dataset *test, cs_trainlog_eval *ev)
{
    const cs_mlp *m = s->mlp;
    size_t n = test->n, B = s->c.batch;
    double loss = 0.0, tau = 0.0, surprise = 0.0, pi = 0.0, lp_top = -INFINITY, lp_sum = 0.0;
    size_t correct = 0;
    for (size_t r0 = 0; r0 < n; r0 += B) {
        size_t rows = n - r0 < B ? n - r0 : B;
        cs_dataset_gather(test, s->test_idx + r0, rows, s->xb, s->yb);
        cs_rule_batch b = {.x = s->xb, .labels = s->yb, .rows = rows, .direction = s->bpgrad,
                           .logits = s->logits, .layer_series = s->series};
        cs_status st = cs_rule_step(s->rule, m, &b);
        if (st)
            return st;
        double eps, t;
        size_t ok;
        if ((st = cs_sigmapi_batch(s->logits, s->yb, rows, s->classes, &eps, &t, &ok)))
            return st;
        double w = (double)rows;
        loss += eps * w;
        tau += t * w;
        surprise += b.surprise * w;
        double lp = cs_sigmapi_log_pi(eps, t, b.surprise, s->c.pi_alpha, s->c.pi_gamma);
        pi += exp(lp) * w;
        /* ln of the weighted mean of PI, by a running log-sum-exp */
        if (lp > lp_top) {
            lp_sum = lp_sum * exp(lp_top - lp) + w;
            lp_top = lp;
        } else {
            lp_sum += w * exp(lp - lp_top);
        }
        correct += ok;
    }
    ev->log_pi = lp_top + log(lp_sum / (double)n);
    ev->loss = loss / (double)n;
    ev->acc = (double)correct / (double)n;
    ev->tau = tau / (double)n;
    ev->surprise = surprise / (double)n;
    ev->pi = pi / (double)n;
    return CS_OK;
}

static cs_status run_setup(run_state *s, const cs_dataset *train, const cs_dataset *test)
{
    cs_train_config *c = &s->c;
    cs_activation act;
    cs_optim_kind okind;
    cs_activation_parse(c->activation, &act);
    cs_optim_parse(c->optimizer, &okind);
    cs_status st = cs_mlp_create(c->sizes, c->n_layers, act, &s->mlp);
    if (st)
        return st;
    cs_mlp *m = s->mlp;
    s->depth = cs_mlp_depth(m);
    s->classes = m->sizes[m->n_layers - 1];
    s->dim = m->sizes[0];
    {
        cs_rng *init_rng;
        if ((st = cs_rng_create_stream(c->seed, 1, &init_rng)))
            return st;
        cs_mlp_init(m, init_rng);
        cs_rng_destroy(init_rng);
    }
    if ((st = cs_rng_create_stream(c->seed, 2, &s->shuffle_rng)))
        return st;
    s->probe_n = c->probe_size < test->n ? c->probe_size : test->n;
    s->max_rows = c->batch > s->probe_n ? c->batch : s->probe_n;
    const cs_rule_vtable *vt = cs_rule_find(c->rule);
    if ((st = cs_rule_create(vt, m, c->rule_opts, c->n_rule_opts, c->seed, s->max_rows, &s->rule)))
        return st;
    cs_rule_describe(s->rule, &s->spec);
    if (s->spec.relax_iterations && (s->spec.relax_samples == 0 || s->spec.relax_samples > s->probe_n))
        return cs_error_set(CS_EINVAL, "rule %s asks for %zu relaxation samples; the probe set has %zu",
                            vt->name, s->spec.relax_samples, s->probe_n);
    cs_optim_config oc;
    cs_optim_config_default(&oc);
    oc.kind = okind;
    oc.momentum = c->momentum;
    oc.weight_decay = c->weight_decay;
    if ((st = cs_optim_create(&oc, m->n_params, &s->opt)))
        return st;
    if ((st = cs_mlp_cache_create(m, c->batch, &s->bp_cache)))
        return st;
    size_t B = c->batch, np = m->n_params;
    s->perm = malloc(train->n * sizeof *s->perm);
    s->test_idx = malloc(test->n * sizeof *s->test_idx);
    s->xb = malloc(B * s->dim * sizeof *s->xb);
    s->yb = malloc(B * sizeof *s->yb);
    s->dir = malloc(np * sizeof *s->dir);
    s->bpgrad = malloc(np * sizeof *s->bpgrad);
    s->logits = malloc(B * s->classes * sizeof *s->logits);
    s->series = calloc(s->spec.n_layer_series * s->depth + 1, sizeof *s->series);
    if (!s->perm || !s->test_idx || !s->xb || !s->yb || !s->dir || !s->bpgrad ||
        !s->logits || !s->series)
        return cs_error_set(CS_ENOMEM, "cannot allocate training buffers");
    for (size_t i = 0; i < test->n; i++)
        s->test_idx[i] = i;
    if (!c->out_path)
        return CS_OK;

    /* The probe set: a seeded random subset of the held-out split. */
    size_t P = s->probe_n;
    size_t *pidx = malloc(test->n * sizeof *pidx);
    s->probe_x = malloc(P * s->dim * sizeof *s->probe_x);
    s->probe_y = malloc(P * sizeof *s->probe_y);
    s->probe_xf = malloc(P * s->dim * sizeof *s->probe_xf);
    if (!pidx || !s->probe_x || !s->probe_y || !s->probe_xf) {
        free(pidx);
        return cs_error_set(CS_ENOMEM, "cannot allocate the probe set");
    }
    cs_rng *prng;
    if ((st = cs_rng_create_stream(c->seed, 3, &prng))) {
        free(pidx);
        return st;
    }
    cs_rng_permutation(prng, pidx, test->n);
    cs_rng_destroy(prng);
    cs_dataset_gather(test, pidx, P, s->probe_x, s->probe_y);
    free(pidx);
    to_float(s->probe_xf, s->probe_x, P * s->dim);
    size_t T = s->spec.relax_iterations, R = s->spec.relax_samples;
    for (size_t k = 0; k < s->depth; k++) {
        size_t u = m->sizes[k + 1];
        s->snap_d[k] = malloc(P * u * sizeof(double));
        s->snap_e[k] = malloc(P * u * sizeof(double));
        s->snap_act[k] = malloc(P * u * sizeof(float));
        s->snap_err[k] = malloc(P * u * sizeof(float));
        if (!s->snap_d[k] || !s->snap_e[k] || !s->snap_act[k] || !s->snap_err[k])
            return cs_error_set(CS_ENOMEM, "cannot allocate probe snapshots");
        if (T) {
            s->relax_d[k] = malloc(T * R * u * sizeof(double));
            s->relax_f[k] = malloc(T * R * u * sizeof(float));
            if (!s->relax_d[k] || !s->relax_f[k])
                return cs_error_set(CS_ENOMEM, "cannot allocate relaxation buffers");
        }
    }
    if (T && !(s->energy = malloc(T * sizeof(double))))
        return cs_error_set(CS_ENOMEM, "cannot allocate relaxation buffers");

    cs_trainlog_spec spec = {
        .rule = vt->name,
        .activation = c->activation,
        .dataset = c->dataset_name,
        .optimizer = c->optimizer,
        .layers = m->sizes,
        .n_layers = m->n_layers,
        .seed = c->seed,
        .lr = c->lr,
        .momentum = c->momentum,
        .batch = c->batch,
        .epochs = c->epochs,
        .log_every = c->log_every,
        .pi_alpha = c->pi_alpha,
        .pi_gamma = c->pi_gamma,
        .n_params = s->spec.n_params,
        .param_names = s->spec.param_names,
        .param_values = s->spec.param_values,
        .probe_size = P,
        .probe_inputs = s->probe_xf,
        .probe_labels = s->probe_y,
        .relax_iterations = T,
        .relax_samples = R,
        .n_layer_series = s->spec.n_layer_series,
        .layer_series = s->spec.layer_series,
        .flush_interval = c->flush_interval,
    };
    return cs_trainlog_create(c->out_path, &spec, &s->log);
}

/* Thread counts. OpenBLAS (pthread build) runs the GEMMs with its own pool;
 * the loop's element-wise work is too small per step to gain from OpenMP
 * (measured: docs/training.md), so the whole `threads` budget goes to
 * OpenBLAS and OpenMP regions use the same count. Both are restored on
 * return so a library caller's settings survive. */
typedef struct {
    int blas, omp;
} thread_state;

static thread_state threads_enter(int n)
{
    thread_state old = {openblas_get_num_threads(), 1};
#ifdef _OPENMP
    old.omp = omp_get_max_threads();
    omp_set_num_threads(n);
#endif
    openblas_set_num_threads(n);
    return old;
}

static void threads_leave(thread_state old)
{
    openblas_set_num_threads(old.blas);
#ifdef _OPENMP
    omp_set_num_threads(old.omp);
#endif
}

/* The bytes a log row, snapshot and evaluation take (float32 snapshots,
 * float64 series, before compression) and the whole log projected for the
 * run; the budget's bookkeeping uses the same numbers, so the bound holds
 * for the data written. */
static void log_budget_plan(run_state *s, size_t total_steps)
{
    const cs_train_config *c = &s->c;
    const cs_mlp *m = s->mlp;
    uint64_t units = 0;
    for (size_t k = 0; k < s->depth; k++)
        units += m->sizes[k + 1];
    uint64_t P = s->probe_n, T = s->spec.relax_iterations, R = s->spec.relax_samples;
    s->row_bytes = (9 + (uint64_t)s->depth * (3 + s->spec.n_layer_series)) * 8; /* step + 8 series (log_pi too) */
    s->snap_bytes = 8 + 2 * P * units * 4 + (T ? T * R * units * 4 + T * 8 : 0);
    s->eval_bytes = 9 * 8; /* step + 8 series (log_pi too) */
    uint64_t snaps = total_steps ? (total_steps - 1) / c->log_every + 2 : 0;
    s->projected = P * (s->dim * 4 + 4) + total_steps * s->row_bytes + snaps * s->snap_bytes +
                   c->epochs * s->eval_bytes;
    s->log_bytes = P * (s->dim * 4 + 4);
    s->max_bytes = c->max_log_bytes ? c->max_log_bytes : CS_TRAIN_MAX_LOG_DEFAULT;
    s->limit_step = -1;
}

/* Whether `bytes` more fit the budget; past it, the first refusal of each
 * kind (1 snapshots, 2 rows) records the step. */
static int log_budget_take(run_state *s, uint64_t bytes, int kind, int64_t step)
{
    if (s->log_limited < kind && s->log_bytes + bytes <= s->max_bytes) {
        s->log_bytes += bytes;
        return 1;
    }
    if (s->log_limited < kind) {
        s->log_limited = kind;
        if (s->limit_step < 0)
            s->limit_step = step;
    }
    return 0;
}

/* Divergence ends training for every rule: the reason is kept for the
 * log's end marker (cs_trainlog_close_marked), the error names the step. */
static cs_status __attribute__((format(printf, 3, 4))) diverged(run_state *s, int64_t step, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(s->diverged, sizeof s->diverged, "training diverged at step %lld (%s)", (long long)step, why);
    return cs_error_set(CS_ENOCONV, "%s; try a smaller --lr", s->diverged);
}

/* 1 when every parameter is finite: a NaN or an infinity makes the sum non-finite. */
static int params_finite(const double *p, size_t n)
{
    double sum = 0;
#pragma omp simd reduction(+ : sum)
    for (size_t i = 0; i < n; i++)
        sum += p[i] * 0.0;
    return sum == 0.0;
}

static cs_status run_loop(run_state *s, const cs_dataset *train, const cs_dataset *test,
                          cs_train_result *res)
{
    cs_train_config *c = &s->c;
    cs_mlp *m = s->mlp;
    size_t B = c->batch, n = train->n, depth = s->depth;
    size_t steps_per_epoch = (n + B - 1) / B, total = steps_per_epoch * c->epochs;
    double wnorm[CS_MLP_MAX_LAYERS], unorm[CS_MLP_MAX_LAYERS], angle[CS_MLP_MAX_LAYERS];
    double t0 = cs_time_now();
    int64_t step = 0;
    cs_status st = CS_OK;
    res->best_test_acc = NAN;
    res->final_test_acc = res->final_test_loss = res->final_train_loss = NAN;
    double last_acc = NAN;
    int cosine = !strcmp(c->schedule, "cosine");
    size_t seg_end[CS_MLP_MAX_LAYERS]; /* layer k's W and b are contiguous in params */
    for (size_t k = 0; k < depth; k++)
        seg_end[k] = m->w_offset[k] + cs_mlp_layer_params(m, k);
    if (s->log)
        log_budget_plan(s, total);
    for (size_t e = 0; e < c->epochs; e++) {
        double tep = cs_time_now(), cep = cpu_now();
        cs_rng_permutation(s->shuffle_rng, s->perm, n);
        double epoch_loss = 0.0;
        for (size_t r0 = 0; r0 < n; r0 += B, step++) {
            size_t rows = n - r0 < B ? n - r0 : B;
            cs_dataset_gather(train, s->perm + r0, rows, s->xb, s->yb);
            cs_rule_batch b = {.x = s->xb, .labels = s->yb, .rows = rows, .direction = s->dir,
                               .logits = s->logits,
                               .layer_series = s->spec.n_layer_series ? s->series : NULL};
            if ((st = cs_rule_step(s->rule, m, &b)))
                return st;
            double eps, tau;
            size_t ok;
            if ((st = cs_sigmapi_batch(s->logits, s->yb, rows, s->classes, &eps, &tau, &ok)))
                return st;
            if (!isfinite(eps) || !isfinite(b.surprise)) {
                size_t at;
                double top = max_abs_input(train, &at);
                /* Inputs this large overflow the first layer's activations
                 * (or saturate them) whatever the learning rate. */
                if (top >= DIVERGE_INPUT_MAX) {
                    snprintf(s->diverged, sizeof s->diverged, "training diverged at step %lld (inputs reach |x| = %g)",
                             (long long)step, top);
                    return cs_error_set(CS_ENOCONV,
                                        "%s: training diverged at step %lld (loss %g, update norm %g): "
                                        "the inputs reach |x| = %g (training sample %zu, feature %zu); "
                                        "scale the features (e.g. to [0, 1] or z-scores)",
                                        c->dataset_name, (long long)step, eps, b.surprise, top,
                                        at / train->dim, at % train->dim);
                }
                return diverged(s, step, "loss %g, update norm %g", eps, b.surprise);
            }
            double log_pi = cs_sigmapi_log_pi(eps, tau, b.surprise, c->pi_alpha, c->pi_gamma), pi = exp(log_pi);
            epoch_loss += eps * (double)rows;
            int snap = (step % (int64_t)c->log_every == 0) || (size_t)step + 1 == total;
            if (s->log && snap)
                snap = log_budget_take(s, s->snap_bytes, 1, step);
            int row = s->log && log_budget_take(s, s->row_bytes, 2, step);
            if (row) {
                for (size_t k = 0; k < depth; k++)
                    angle[k] = NAN;
                if (snap && b.is_reference_gradient) {
                    /* bp in float64: the direction IS the BP gradient of this batch
                     * (test_learn: bp_step_is_the_gradient), the angle is 0 without
                     * a second backward pass. bp in float32 is that gradient with
                     * float rounding (~1e-6 relative): measured below like any
                     * rule's, a true tiny angle rather than a 0 that is not exact. */
                    for (size_t k = 0; k < depth; k++)
                        angle[k] = 0.0;
                    if ((st = log_snapshot(s, step)))
                        return st;
                } else if (snap) {
                    /* The true gradient at the parameters the rule just used: the
                     * MLP's BP gradient, or the rule's own reference (EP, FF). */
                    if ((st = cs_rule_reference_gradient(s->rule, m, s->xb, s->yb, rows, s->bpgrad)))
                        return st;
                    for (size_t k = 0; k < depth; k++)
                        angle[k] = layer_angle(m, s->dir, s->bpgrad, k);
                    if ((st = log_snapshot(s, step)))
                        return st;
                }
            }
            double lr = c->lr;
            if (cosine) /* Loshchilov & Hutter's annealing, one cycle ending at 0 */
                lr = 0.5 * c->lr * (1.0 + cos(M_PI * (double)step / (double)total));
            if (row) {
                cs_optim_step_norms(s->opt, m->params, s->dir, lr, seg_end, depth, wnorm, unorm);
                for (size_t k = 0; k < depth; k++) {
                    wnorm[k] = sqrt(wnorm[k]);
                    unorm[k] = sqrt(unorm[k]);
                }
                cs_trainlog_step rec = {.step = step, .epoch = (int32_t)e, .loss = eps, .tau = tau,
                                      .surprise = b.surprise, .pi = pi, .log_pi = log_pi,
                                      .batch_acc = (double)ok / (double)rows, .lr = lr,
                                      .weight_norm = wnorm, .update_norm = unorm,
                                      .bp_angle_deg = angle,
                                      .layer_series = s->spec.n_layer_series ? s->series : NULL};
                if ((st = cs_trainlog_append_step(s->log, &rec)))
                    return st;
                for (size_t k = 0; k < depth; k++)
                    if (!isfinite(wnorm[k]))
                        return diverged(s, step, "the weights of layer %zu are %s after the update", k + 1,
                                        isnan(wnorm[k]) ? "NaN" : "infinite");
            } else {
                cs_optim_step(s->opt, m->params, s->dir, lr, NULL);
                /* Rules whose outputs saturate (EP's hard sigmoid, FF's
                 * goodness) keep a finite loss with infinite or NaN weights:
                 * the parameters themselves are checked, one pass. */
                if (!params_finite(m->params, m->n_params))
                    return diverged(s, step, "weights are infinite or NaN after the update");
            }
            if (c->progress) {
                cs_train_progress p = {.step = (size_t)step + 1, .total_steps = total, .epoch = e,
                                       .loss = eps, .pi = pi, .test_acc = last_acc,
                                       .log_bytes_projected = s->log ? s->projected : 0,
                                       .log_limited = s->log_limited};
                c->progress(&p, c->user);
            }
        }
        double te0 = cs_time_now();
        res->train_seconds += te0 - tep;
        res->train_cpu_seconds += cpu_now() - cep;
        cs_trainlog_eval ev = {.step = step, .epoch = (int32_t)e};
        if ((st = evaluate(s, test, &ev)))
            return st;
        if (s->log && log_budget_take(s, s->eval_bytes, 2, step) &&
            (st = cs_trainlog_append_eval(s->log, &ev)))
            return st;
        last_acc = ev.acc;
        res->epochs_done = e + 1;
        res->final_test_acc = ev.acc;
        res->final_test_loss = ev.loss;
        res->final_train_loss = epoch_loss / (double)n;
        if (isnan(res->best_test_acc) || ev.acc > res->best_test_acc)
            res->best_test_acc = ev.acc;
        res->eval_seconds += cs_time_now() - te0;
    }
    res->steps = (size_t)step;
    res->seconds = cs_time_now() - t0;
    res->log_bytes = s->log ? s->log_bytes : 0;
    res->log_bytes_projected = s->log ? s->projected : 0;
    res->log_limited = s->log_limited;
    res->log_limit_step = s->log ? s->limit_step : -1;
    return CS_OK;
}

cs_status cs_train_run(const cs_train_config *cfg, const cs_dataset *train, const cs_dataset *test,
                       cs_train_result *result, cs_mlp **model)
{
    cs_init();
    if (model)
        *model = NULL;
    memset(result, 0, sizeof *result);
    if (!train || !test || test->n == 0)
        return cs_error_set(CS_EINVAL, "training needs a non-empty training and test split");
    if (test->dim != train->dim)
        return cs_error_set(CS_ESHAPE, "test data have %zu features, training data %zu", test->dim,
                            train->dim);
    run_state s;
    memset(&s, 0, sizeof s);
    cs_status st = cs_train_config_resolve(cfg, train, &s.c);
    if (st)
        return st;
    if ((st = check_data(test, s.c.dataset_name, "test")))
        return st;
    for (size_t i = 0; i < test->n; i++)
        if (test->y[i] < 0 || (size_t)test->y[i] >= s.c.sizes[s.c.n_layers - 1])
            return cs_error_set(CS_EINVAL, "test label %d at row %zu is outside the %zu output units",
                                (int)test->y[i], i, s.c.sizes[s.c.n_layers - 1]);
    for (size_t i = 0; i < train->n; i++)
        if (train->y[i] < 0 || (size_t)train->y[i] >= s.c.sizes[s.c.n_layers - 1])
            return cs_error_set(CS_EINVAL, "training label %d at row %zu is outside the %zu output units",
                                (int)train->y[i], i, s.c.sizes[s.c.n_layers - 1]);
    thread_state ts = threads_enter(s.c.threads);
    st = run_setup(&s, train, test);
    if (!st)
        st = run_loop(&s, train, test, result);
    if (!st && s.log) {
        st = cs_trainlog_close(s.log);
        s.log = NULL;
    }
    if (!st && model) {
        *model = s.mlp;
        s.mlp = NULL;
    }
    run_free(&s);
    threads_leave(ts);
    return st;
}
