/* The training loop shared by every learning rule (include/cogscope/train.h),
 * read as llm.c's train_gpt2.c:
 *
 *     for each epoch: shuffle
 *         for each batch:  gather -> forward -> loss -> backward -> update   train_step
 *                          observe (ΣPI, norms, angles, snapshots, log)     train_observer_step
 *         evaluate on the test split, observe the evaluation
 *
 * The rule's `step` is forward + loss + backward (its update direction and
 * logits); the optimiser applies the direction. Every step makes the same
 * optimiser call (cs_optim_step_norms: the per-layer sums of squares come out
 * of the update's own pass), logged or not; the observer (train_observer.c)
 * only reads what the step produced. The configuration is resolved once
 * (train_config.c) and read-only here. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cogscope/sigmapi.h"
#include "mlp_f32.h"
#include "team.h"
#include "train_internal.h"
#include "update.h"

/* OpenBLAS's own thread count (not part of the CBLAS interface). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/* Inputs at or above this magnitude are named as the cause of a divergence:
 * typical features are O(1) (pixels in [0, 1], z-scores). */
#define DIVERGE_INPUT_MAX 1e6

/* Everything one run allocates, freed in one place. */
typedef struct {
    const train_plan *p;
    cs_mlp *mlp;
    cs_rule *rule;
    cs_optim *opt;
    cs_rng *shuffle_rng;
    train_observer *obs;
    size_t depth, classes, n_layer_series, total_steps;
    size_t seg_end[CS_MLP_MAX_LAYERS]; /* layer k's W and b end here in params */
    size_t *perm, *test_idx;
    double *xb;       /* batch x sizes[0] */
    float *xf;        /* batch x sizes[0], for a rule with a float mirror (else NULL) */
    int32_t *yb;      /* batch */
    double *dir;      /* n_params: the rule's update direction */
    double *eval_dir; /* n_params: the direction of an evaluation step (discarded) */
    double *logits;   /* batch x classes */
    double *series;   /* n_layer_series x depth (+1) */
    double weight_sq[CS_MLP_MAX_LAYERS], update_sq[CS_MLP_MAX_LAYERS];
    float *mirror;       /* the rule's float copy of params (cs_rule_mirror_f32), or NULL */
    int mirror_fresh;    /* the last update wrote it */
    double keep_seconds; /* the log's work inside the step: the kept parameters */
    char diverged[256];  /* non-empty: why training stopped as diverged */
} run_state;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- set-up ---- */

/* The network (initialised from seed stream 1), the shuffle stream (2), the
 * rule (its state sized for the larger of batch and probe) and the
 * optimiser. */
static cs_status run_network(run_state *s, const cs_dataset *test)
{
    const cs_train_config *c = &s->p->c;
    cs_status st = cs_mlp_create(c->sizes, c->n_layers, s->p->act, &s->mlp);
    if (st)
        return st;
    cs_mlp *m = s->mlp;
    s->depth = cs_mlp_depth(m);
    s->classes = m->sizes[m->n_layers - 1];
    for (size_t k = 0; k < s->depth; k++)
        s->seg_end[k] = m->w_offset[k] + cs_mlp_layer_params(m, k);
    cs_rng *init_rng;
    if ((st = cs_rng_create_stream(c->seed, 1, &init_rng)))
        return st;
    cs_mlp_init(m, init_rng);
    cs_rng_destroy(init_rng);
    if ((st = cs_rng_create_stream(c->seed, 2, &s->shuffle_rng)))
        return st;
    size_t probe_n = c->probe_size < test->n ? c->probe_size : test->n;
    size_t max_rows = c->batch > probe_n ? c->batch : probe_n;
    if ((st = cs_rule_create(s->p->vt, m, c->rule_opts, c->n_rule_opts, c->seed, max_rows, &s->rule)))
        return st;
    cs_rule_logspec spec;
    cs_rule_describe(s->rule, &spec);
    s->n_layer_series = spec.n_layer_series;
    s->mirror = cs_rule_mirror_f32(s->rule);
    cs_optim_config oc;
    cs_optim_config_default(&oc);
    oc.kind = s->p->optim;
    oc.momentum = c->momentum;
    oc.weight_decay = c->weight_decay;
    return cs_optim_create(&oc, m->n_params, &s->opt);
}

/* The loop's buffers: batch (B rows), directions, logits, layer series. */
static cs_status run_buffers(run_state *s, const cs_dataset *train, const cs_dataset *test)
{
    size_t B = s->p->c.batch, np = s->mlp->n_params, dim = s->mlp->sizes[0];
    s->perm = malloc(train->n * sizeof *s->perm);
    s->test_idx = malloc(test->n * sizeof *s->test_idx);
    s->xb = malloc(B * dim * sizeof *s->xb);
    if (s->mirror && !(s->xf = malloc(B * dim * sizeof *s->xf)))
        return cs_error_set(CS_ENOMEM, "cannot allocate training buffers");
    s->yb = malloc(B * sizeof *s->yb);
    s->dir = malloc(np * sizeof *s->dir);
    s->eval_dir = malloc(np * sizeof *s->eval_dir);
    s->logits = malloc(B * s->classes * sizeof *s->logits);
    s->series = calloc(s->n_layer_series * s->depth + 1, sizeof *s->series);
    if (!s->perm || !s->test_idx || !s->xb || !s->yb || !s->dir || !s->eval_dir || !s->logits || !s->series)
        return cs_error_set(CS_ENOMEM, "cannot allocate training buffers");
    for (size_t i = 0; i < test->n; i++)
        s->test_idx[i] = i;
    return CS_OK;
}

static cs_status run_setup(run_state *s, const cs_dataset *train, const cs_dataset *test)
{
    size_t B = s->p->c.batch;
    s->total_steps = (train->n + B - 1) / B * s->p->c.epochs;
    cs_status st = run_network(s, test);
    if (!st)
        st = run_buffers(s, train, test);
    if (!st)
        st = train_observer_create(s->p, s->mlp, s->rule, test, s->total_steps, &s->obs);
    return st;
}

static void run_free(run_state *s)
{
    train_observer_close(s->obs, s->diverged);
    cs_rule_destroy(s->rule);
    cs_optim_destroy(s->opt);
    cs_rng_destroy(s->shuffle_rng);
    cs_mlp_destroy(s->mlp);
    free(s->perm);
    free(s->test_idx);
    free(s->xb);
    free(s->xf);
    free(s->yb);
    free(s->dir);
    free(s->eval_dir);
    free(s->logits);
    free(s->series);
}

/* ---- divergence ---- */

/* Divergence ends training for every rule: the reason is kept for the
 * log's end marker (train_observer_close), the error names the step. */
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

/* A non-finite loss or update norm: blamed on the inputs when they reach
 * DIVERGE_INPUT_MAX (they overflow or saturate the first layer whatever the
 * learning rate), else on the rate. */
static cs_status loss_diverged(run_state *s, const cs_dataset *train, int64_t step, double loss, double S)
{
    double top = 0;
    size_t at = 0;
    for (size_t i = 0; i < train->n * train->dim; i++)
        if (fabs(train->x[i]) > top) {
            top = fabs(train->x[i]);
            at = i;
        }
    if (top < DIVERGE_INPUT_MAX)
        return diverged(s, step, "loss %g, update norm %g", loss, S);
    snprintf(s->diverged, sizeof s->diverged, "training diverged at step %lld (inputs reach |x| = %g)",
             (long long)step, top);
    return cs_error_set(CS_ENOCONV,
                        "%s: training diverged at step %lld (loss %g, update norm %g): the inputs reach "
                        "|x| = %g (training sample %zu, feature %zu); scale the features (e.g. to [0, 1] "
                        "or z-scores)",
                        s->p->c.dataset_name, (long long)step, loss, S, top, at / train->dim, at % train->dim);
}

/* After the update: non-finite weights stop training. The per-layer sums of
 * squares of the update's pass are non-finite exactly then (or when they
 * overflow past |w| ~ 1e154, diverged as well). Rules whose outputs saturate
 * (EP's hard sigmoid, FF's goodness) keep a finite loss with infinite or NaN
 * weights, so the loss alone would not tell. */
static cs_status weights_check(run_state *s, int64_t step)
{
    for (size_t k = 0; k < s->depth; k++)
        if (!isfinite(s->weight_sq[k]))
            return diverged(s, step, "the weights of layer %zu are %s after the update", k + 1,
                            isnan(s->weight_sq[k]) ? "NaN" : "infinite");
    return CS_OK;
}

/* ---- the step ---- */

/* A batch gather worth splitting over the run's team (values): Fashion-
 * MNIST's 64 x 784 is; digits' 16 x 64 is not. */
#define GATHER_TEAM_MIN ((size_t)1 << 15)

typedef struct {
    const cs_dataset *d;
    const size_t *idx;
    size_t rows;
    double *x; /* one of x, xf */
    float *xf;
    int32_t *y;
} gather_job;

static void gather_run(void *arg, int t, int nt)
{
    const gather_job *g = arg;
    size_t lo = g->rows * (size_t)t / (size_t)nt, hi = g->rows * ((size_t)t + 1) / (size_t)nt, dim = g->d->dim;
    if (g->xf)
        cs_dataset_gather_f32(g->d, g->idx + lo, hi - lo, g->xf + lo * dim, g->y + lo);
    else
        cs_dataset_gather(g->d, g->idx + lo, hi - lo, g->x + lo * dim, g->y + lo);
}

/* cs_dataset_gather(_f32) of rows idx[0, rows) into x or xf (rows x dim)
 * and y, its rows split over the run's team (copies: the same values on
 * any team). */
static void gather(const cs_dataset *d, const size_t *idx, size_t rows, double *x, float *xf, int32_t *y)
{
    gather_job g = {d, idx, rows, x, xf, y};
    learn_team_run(rows * d->dim >= GATHER_TEAM_MIN ? learn_team_current() : NULL, gather_run, &g);
}

/* The batch idx[0, rows) into the loop's buffers in the precision the rule
 * reads: float (s->xf) for a rule with a float mirror, the stored values
 * without a double copy to convert (an observer that needs the doubles
 * widens them itself); else doubles. Labels into s->yb. Returns the double
 * batch, or NULL when it was not gathered. */
static const double *gather_batch(run_state *s, const cs_dataset *d, const size_t *idx, size_t rows)
{
    if (!s->xf) {
        gather(d, idx, rows, s->xb, NULL, s->yb);
        return s->xb;
    }
    gather(d, idx, rows, NULL, s->xf, s->yb);
    return NULL;
}

/* The learning rate at `step`: constant, or Loshchilov & Hutter's cosine
 * annealing, one cycle ending at 0. */
static double lr_at(const run_state *s, int64_t step)
{
    const cs_train_config *c = &s->p->c;
    if (!s->p->cosine)
        return c->lr;
    return 0.5 * c->lr * (1.0 + cos(M_PI * (double)step / (double)s->total_steps));
}

/* The update: the optimizer's pass over the parameters with the per-layer
 * sums of squares. A rule that computed its direction in float hands it
 * over as such: SGD reads the floats and writes the rule's float mirror of
 * the new parameters in the same pass (bit for bit the double step); other
 * optimizers get it widened. Returns whether the double direction was left
 * unfilled (the observer then reads the floats). */
static int update(run_state *s, const cs_rule_batch *b, double lr)
{
    cs_mlp *m = s->mlp;
    const float *dirf = b->direction_f32;
    int mixed = dirf && s->mirror &&
                cs_optim_step_norms_mixed(s->opt, m->params, dirf, lr, s->seg_end, s->depth, s->weight_sq,
                                          s->update_sq, s->mirror);
    if (dirf && !mixed)
        f64_from_f32(s->dir, dirf, m->n_params);
    if (!mixed)
        cs_optim_step_norms(s->opt, m->params, s->dir, lr, s->seg_end, s->depth, s->weight_sq, s->update_sq);
    s->mirror_fresh = mixed;
    return mixed;
}

/* One step on the gathered batch (rows x sizes[0]: x, and s->xf when the
 * rule reads float; labels s->yb):
 * forward + loss + backward by the rule (direction[n_params], logits[rows x
 * classes], S), epsilon/tau/accuracy from the logits, then the update with
 * the per-layer sums of squares. `keep` (n_params, may be NULL) receives the
 * parameters before the update. Fills `rec` for the observer.
 *
 * The update is offered to the rule's step (update.h): bp's pass in parts
 * runs it on each part of the gradient as it computes it. The step's
 * direction stays as the rule gave it (the observer reads it afterwards),
 * so only a diverged step differs: its update has run when the loss says
 * diverged, and the run ends with an error either way. */
static cs_status train_step(run_state *s, const cs_dataset *train, const double *x, size_t rows, double *keep,
                            train_record *rec)
{
    cs_mlp *m = s->mlp;
    if (keep) {
        double t0 = cs_time_now();
        memcpy(keep, m->params, m->n_params * sizeof *keep);
        s->keep_seconds += cs_time_now() - t0;
    }
    rec->lr = lr_at(s, rec->step);
    learn_update u = {.o = s->opt,
                      .params = m->params,
                      .mirror = s->mirror,
                      .lr = rec->lr,
                      .weight_sq = s->weight_sq,
                      .update_sq = s->update_sq};
    learn_update *previous = learn_update_offer(&u);
    cs_rule_batch b = {.x = x,
                       .x_f32 = s->xf,
                       .labels = s->yb,
                       .rows = rows,
                       .direction = s->dir,
                       .logits = s->logits,
                       .layer_series = s->n_layer_series ? s->series : NULL,
                       .mirror_fresh = s->mirror_fresh};
    cs_status st = cs_rule_step(s->rule, m, &b);
    learn_update_offer(previous);
    if (st)
        return st;
    if ((st = cs_sigmapi_batch(s->logits, s->yb, rows, s->classes, &rec->loss, &rec->tau, &rec->correct)))
        return st;
    if (!isfinite(rec->loss) || !isfinite(b.surprise))
        return loss_diverged(s, train, rec->step, rec->loss, b.surprise);
    if (u.applied) {
        s->mirror_fresh = s->mirror != NULL;
        rec->direction_f32 = b.direction_f32;
    } else {
        rec->direction_f32 = update(s, &b, rec->lr) ? b.direction_f32 : NULL;
    }
    rec->x = x;
    rec->x_f32 = x ? NULL : s->xf;
    rec->labels = s->yb;
    rec->rows = rows;
    rec->surprise = b.surprise;
    rec->direction_is_reference = b.is_reference_gradient;
    rec->direction = s->dir;
    rec->layer_series = b.layer_series;
    rec->weight_sq = s->weight_sq;
    rec->update_sq = s->update_sq;
    return CS_OK;
}

/* One epoch of steps over the shuffled training split, each observed after
 * it runs. *step counts on; *loss_sum adds epsilon x rows per batch. */
static cs_status run_epoch(run_state *s, const cs_dataset *train, size_t epoch, int64_t *step, double *loss_sum)
{
    size_t B = s->p->c.batch, n = train->n;
    cs_rng_permutation(s->shuffle_rng, s->perm, n);
    for (size_t r0 = 0; r0 < n; r0 += B, ++*step) {
        size_t rows = n - r0 < B ? n - r0 : B;
        double *keep = train_observer_params(s->obs, *step);
        const double *x = gather_batch(s, train, s->perm + r0, rows);
        train_record rec = {.step = *step, .epoch = epoch};
        cs_status st = train_step(s, train, x, rows, keep, &rec);
        if (!st)
            st = train_observer_step(s->obs, &rec);
        if (!st)
            st = weights_check(s, *step);
        if (st)
            return st;
        *loss_sum += rec.loss * (double)rows;
    }
    return CS_OK;
}

/* ---- evaluation ---- */

/* Evaluation on `test` in batches of c.batch rows: sample-mean loss and
 * accuracy; tau, S and PI as row-weighted means over the batches (each batch
 * gets its own S from a rule step whose direction is discarded). */
static cs_status evaluate(run_state *s, const cs_dataset *test, cs_trainlog_eval *ev)
{
    const cs_train_config *c = &s->p->c;
    size_t n = test->n, B = c->batch;
    double loss = 0.0, tau = 0.0, surprise = 0.0, pi = 0.0, lp_top = -INFINITY, lp_sum = 0.0;
    size_t correct = 0;
    for (size_t r0 = 0; r0 < n; r0 += B) {
        size_t rows = n - r0 < B ? n - r0 : B;
        cs_rule_batch b = {.x = gather_batch(s, test, s->test_idx + r0, rows),
                           .x_f32 = s->xf,
                           .labels = s->yb,
                           .rows = rows,
                           .direction = s->eval_dir,
                           .logits = s->logits,
                           .layer_series = s->series,
                           .mirror_fresh = s->mirror_fresh};
        cs_status st = cs_rule_step(s->rule, s->mlp, &b);
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
        double lp = cs_sigmapi_log_pi(eps, t, b.surprise, c->pi_alpha, c->pi_gamma);
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

/* ---- the loop ---- */

static cs_status run_loop(run_state *s, const cs_dataset *train, const cs_dataset *test, cs_train_result *res)
{
    int64_t step = 0;
    double t0 = cs_time_now();
    res->best_test_acc = NAN;
    res->final_test_acc = res->final_test_loss = res->final_train_loss = NAN;
    for (size_t e = 0; e < s->p->c.epochs; e++) {
        double tep = cs_time_now(), cep = cpu_now(), loss_sum = 0.0;
        cs_status st = run_epoch(s, train, e, &step, &loss_sum);
        if (st)
            return st;
        double te0 = cs_time_now();
        res->train_seconds += te0 - tep;
        res->train_cpu_seconds += cpu_now() - cep;
        cs_trainlog_eval ev = {.step = step, .epoch = (int32_t)e};
        if ((st = evaluate(s, test, &ev)) || (st = train_observer_eval(s->obs, &ev)))
            return st;
        res->epochs_done = e + 1;
        res->final_test_acc = ev.acc;
        res->final_test_loss = ev.loss;
        res->final_train_loss = loss_sum / (double)train->n;
        if (isnan(res->best_test_acc) || ev.acc > res->best_test_acc)
            res->best_test_acc = ev.acc;
        res->eval_seconds += cs_time_now() - te0;
    }
    res->steps = (size_t)step;
    res->seconds = cs_time_now() - t0;
    train_observer_report(s->obs, res);
    res->log_seconds += s->keep_seconds;
    return CS_OK;
}

/* Thread counts. A rule that splits its own passes (own_threads: bp) gets
 * the whole `threads` budget as the run's team (team.h: the calling thread
 * and threads - 1 workers, current on this thread for the run), with
 * OpenBLAS single-threaded inside it: one pool, no two pools spinning
 * against each other on the same cores. Other rules leave the products to
 * OpenBLAS's own pool (its pthread build). OpenMP regions use the same
 * count. Everything is restored on return so a library caller's settings
 * survive. */
typedef struct {
    int blas, omp;
    learn_team *team, *previous; /* the run's team (own_threads), the thread's before */
} thread_state;

static cs_status threads_enter(int n, int own, thread_state *old)
{
    *old = (thread_state){.blas = openblas_get_num_threads(), .omp = 1};
    cs_status st = learn_team_create(own ? n : 1, &old->team);
    if (st)
        return st;
    old->previous = learn_team_enter(old->team);
#ifdef _OPENMP
    old->omp = omp_get_max_threads();
    omp_set_num_threads(n);
#endif
    openblas_set_num_threads(own ? 1 : n);
    return CS_OK;
}

static void threads_leave(thread_state *old)
{
    openblas_set_num_threads(old->blas);
#ifdef _OPENMP
    omp_set_num_threads(old->omp);
#endif
    learn_team_leave(old->previous);
    learn_team_destroy(old->team);
}

cs_status cs_train_run(const cs_train_config *cfg, const cs_dataset *train, const cs_dataset *test,
                       cs_train_result *result, cs_mlp **model)
{
    if (model)
        *model = NULL;
    memset(result, 0, sizeof *result);
    if (!train || !test || test->n == 0)
        return cs_error_set(CS_EINVAL, "training needs a non-empty training and test split");
    if (test->dim != train->dim)
        return cs_error_set(CS_ESHAPE, "test data have %zu features, training data %zu", test->dim, train->dim);
    train_plan plan;
    cs_status st = train_plan_resolve(cfg, train, &plan);
    if (!st)
        st = train_check_splits(&plan, train, test);
    if (st)
        return st;
    run_state s;
    memset(&s, 0, sizeof s);
    s.p = &plan;
    thread_state ts;
    if ((st = threads_enter(plan.c.threads, plan.vt->own_threads, &ts)))
        return st;
    st = run_setup(&s, train, test);
    if (!st)
        st = run_loop(&s, train, test, result);
    if (!st) {
        st = train_observer_close(s.obs, NULL);
        s.obs = NULL;
    }
    if (!st && model) {
        *model = s.mlp;
        s.mlp = NULL;
    }
    run_free(&s);
    threads_leave(&ts);
    return st;
}
