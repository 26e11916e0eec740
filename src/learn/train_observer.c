/* The observer of a training run: everything that watches the run without
 * steering it (see train_internal.h). Per step, after the update: ΣPI from
 * the step's loss, tau and S; the per-layer weight and update norms the
 * optimiser's pass summed; at snapshot steps the BP angle per layer and the
 * probe snapshot (plus relaxation trajectories), both at the parameters that
 * produced the step, which the step kept for it; the log row; the progress
 * callback. The log's size budget decides what is written; nothing here
 * feeds back into training. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/sigmapi.h"
#include "mlp_f32.h"
#include "team.h"
#include "train_internal.h"

struct train_observer {
    const train_plan *plan;
    const cs_mlp *m;
    cs_rule *rule;
    cs_trainlog *log; /* NULL: no run log, only the progress callback */
    cs_rule_logspec spec;
    size_t depth, total_steps;
    double last_acc; /* of the last evaluation, for the progress callback */
    /* the probe set and its snapshot buffers (with a log only) */
    size_t probe_n;
    double *probe_x;
    int32_t *probe_y;
    float *probe_xf;
    /* snap_d, snap_e: a rule without a float snapshot (vt->snapshot_f32)
     * gives it in double, narrowed into snap_act, snap_err */
    double *snap_d[CS_MLP_MAX_LAYERS - 1], *snap_e[CS_MLP_MAX_LAYERS - 1];
    float *snap_act[CS_MLP_MAX_LAYERS - 1], *snap_err[CS_MLP_MAX_LAYERS - 1];
    double *relax_d[CS_MLP_MAX_LAYERS - 1];
    float *relax_f[CS_MLP_MAX_LAYERS - 1];
    double *energy;
    /* reference_errors (rules other than bp): a bp rule of its own computes
     * backprop's delta on the probe set at every snapshot, exactly as a bp
     * run's `errors`; it draws no random number and shares no state with
     * the rule being trained. NULL for bp, without a log and unless
     * asked for (cs_train_config.reference_errors). */
    cs_rule *bp_ref;
    float *ref_err[CS_MLP_MAX_LAYERS - 1];
    double *before;  /* n_params: the parameters a snapshot step started from */
    double *ref;     /* n_params: the reference gradient at `before` */
    double *batch_x; /* batch x sizes[0]: a float batch widened for the reference gradient
                      * (rules reading float batches only) */
    /* this step: 1 when its row / its snapshot and angle are logged; early:
     * its probe signals were taken before the step (early_st: their status) */
    int row, snap, early;
    cs_status early_st;
    /* the log's size budget (uncompressed bytes) */
    uint64_t log_bytes, projected, max_bytes, row_bytes, snap_bytes, eval_bytes;
    int log_limited;
    int64_t limit_step;
    /* what logging cost (cs_train_result.log_seconds, log_snapshots) */
    double log_seconds;
    size_t snapshots;
};

/* The angle from the sums a.b, a.a and b.b. */
static double angle_of_sums(double ab, double aa, double bb)
{
    if (!(aa > 0.0) || !(bb > 0.0))
        return NAN;
    double c = ab / (sqrt(aa) * sqrt(bb));
    c = c > 1.0 ? 1.0 : (c < -1.0 ? -1.0 : c); /* rounding can push |c| a hair past 1 */
    return acos(c) * (180.0 / M_PI);
}

double cs_train_angle_deg(const double *a, const double *b, size_t n)
{
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (size_t i = 0; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    return angle_of_sums(ab, aa, bb);
}

/* The float direction of a float32 step is widened here, in the sums,
 * rather than into a double copy first: one pass over n_params less per
 * logged angle. */
double train_angle_deg_f32(const float *a, const double *b, size_t n)
{
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (size_t i = 0; i < n; i++) {
        double ai = (double)a[i];
        ab += ai * b[i];
        aa += ai * ai;
        bb += b[i] * b[i];
    }
    return angle_of_sums(ab, aa, bb);
}

static void to_float(float *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

/* ---- the log's size budget ---- */

/* The bytes a log row, snapshot and evaluation take (float32 snapshots,
 * float64 series, before compression) and the whole log projected for the
 * run; the budget's bookkeeping uses the same numbers, so the bound holds
 * for the data written. */
static void budget_plan(train_observer *o)
{
    const cs_train_config *c = &o->plan->c;
    const cs_mlp *m = o->m;
    uint64_t units = 0;
    for (size_t k = 0; k < o->depth; k++)
        units += m->sizes[k + 1];
    uint64_t P = o->probe_n, T = o->spec.relax_iterations, R = o->spec.relax_samples;
    uint64_t dim = m->sizes[0], total = o->total_steps;
    o->row_bytes = (9 + (uint64_t)o->depth * (3 + o->spec.n_layer_series)) * 8; /* step + 8 series (log_pi too) */
    o->snap_bytes = 8 + (o->bp_ref ? 3 : 2) * P * units * 4 + (T ? T * R * units * 4 + T * 8 : 0);
    o->eval_bytes = 9 * 8; /* step + 8 series (log_pi too) */
    uint64_t snaps = total ? (total - 1) / c->log_every + 2 : 0;
    o->projected = P * (dim * 4 + 4) + total * o->row_bytes + snaps * o->snap_bytes + c->epochs * o->eval_bytes;
    o->log_bytes = P * (dim * 4 + 4);
    o->max_bytes = c->max_log_bytes ? c->max_log_bytes : CS_TRAIN_MAX_LOG_DEFAULT;
    o->limit_step = -1;
}

/* Whether `bytes` more fit the budget; past it, the first refusal of each
 * kind (1 snapshots, 2 rows) records the step. */
static int budget_take(train_observer *o, uint64_t bytes, int kind, int64_t step)
{
    if (o->log_limited < kind && o->log_bytes + bytes <= o->max_bytes) {
        o->log_bytes += bytes;
        return 1;
    }
    if (o->log_limited < kind) {
        o->log_limited = kind;
        if (o->limit_step < 0)
            o->limit_step = step;
    }
    return 0;
}

/* ---- set-up ---- */

/* The probe set: a seeded random subset (stream 3) of the held-out split,
 * probe_n rows, in double for the rule and in float for the log. */
static cs_status probe_draw(train_observer *o, const cs_dataset *test)
{
    size_t P = o->probe_n, dim = test->dim;
    size_t *pidx = malloc(test->n * sizeof *pidx);
    o->probe_x = malloc(P * dim * sizeof *o->probe_x);
    o->probe_y = malloc(P * sizeof *o->probe_y);
    o->probe_xf = malloc(P * dim * sizeof *o->probe_xf);
    if (!pidx || !o->probe_x || !o->probe_y || !o->probe_xf) {
        free(pidx);
        return cs_error_set(CS_ENOMEM, "cannot allocate the probe set");
    }
    cs_rng *prng;
    cs_status st = cs_rng_create_stream(o->plan->c.seed, 3, &prng);
    if (st) {
        free(pidx);
        return st;
    }
    cs_rng_permutation(prng, pidx, test->n);
    cs_rng_destroy(prng);
    cs_dataset_gather(test, pidx, P, o->probe_x, o->probe_y);
    free(pidx);
    to_float(o->probe_xf, o->probe_x, P * dim);
    return CS_OK;
}

/* Snapshot buffers per layer k (P x units, float for the log, double too
 * for a rule without a float snapshot), relaxation buffers (T x R x units),
 * the kept parameters and the reference gradient (n_params each). */
static cs_status buffers_alloc(train_observer *o)
{
    const cs_mlp *m = o->m;
    size_t P = o->probe_n, T = o->spec.relax_iterations, R = o->spec.relax_samples;
    int narrow = !o->plan->vt->snapshot_f32;
    for (size_t k = 0; k < o->depth; k++) {
        size_t u = m->sizes[k + 1];
        o->snap_act[k] = malloc(P * u * sizeof(float));
        o->snap_err[k] = malloc(P * u * sizeof(float));
        if (!o->snap_act[k] || !o->snap_err[k])
            return cs_error_set(CS_ENOMEM, "cannot allocate probe snapshots");
        if (narrow &&
            (!(o->snap_d[k] = malloc(P * u * sizeof(double))) || !(o->snap_e[k] = malloc(P * u * sizeof(double)))))
            return cs_error_set(CS_ENOMEM, "cannot allocate probe snapshots");
        if (o->bp_ref && !(o->ref_err[k] = malloc(P * u * sizeof(float))))
            return cs_error_set(CS_ENOMEM, "cannot allocate probe snapshots");
        if (T) {
            o->relax_d[k] = malloc(T * R * u * sizeof(double));
            o->relax_f[k] = malloc(T * R * u * sizeof(float));
            if (!o->relax_d[k] || !o->relax_f[k])
                return cs_error_set(CS_ENOMEM, "cannot allocate relaxation buffers");
        }
    }
    if (T && !(o->energy = malloc(T * sizeof(double))))
        return cs_error_set(CS_ENOMEM, "cannot allocate relaxation buffers");
    o->before = malloc(m->n_params * sizeof *o->before);
    o->ref = malloc(m->n_params * sizeof *o->ref);
    if (!o->before || !o->ref)
        return cs_error_set(CS_ENOMEM, "cannot allocate the snapshot parameters");
    if (cs_rule_mirror_f32(o->rule) && !(o->batch_x = malloc(o->plan->c.batch * m->sizes[0] * sizeof *o->batch_x)))
        return cs_error_set(CS_ENOMEM, "cannot allocate the widened batch of the reference gradient");
    return CS_OK;
}

/* The run log: metadata from the plan and the rule's log spec. */
static cs_status log_create(train_observer *o)
{
    const cs_train_config *c = &o->plan->c;
    const cs_mlp *m = o->m;
    cs_trainlog_spec spec = {
        .rule = o->plan->vt->name,
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
        .n_params = o->spec.n_params,
        .param_names = o->spec.param_names,
        .param_values = o->spec.param_values,
        .probe_size = o->probe_n,
        .probe_inputs = o->probe_xf,
        .probe_labels = o->probe_y,
        .relax_iterations = o->spec.relax_iterations,
        .relax_samples = o->spec.relax_samples,
        .reference_errors = o->bp_ref != NULL,
        .n_layer_series = o->spec.n_layer_series,
        .layer_series = o->spec.layer_series,
        .flush_interval = c->flush_interval,
    };
    return cs_trainlog_create(c->out_path, &spec, &o->log);
}

cs_status train_observer_create(const train_plan *plan, const cs_mlp *m, cs_rule *r, const cs_dataset *test,
                                size_t total_steps, train_observer **out)
{
    train_observer *o = calloc(1, sizeof *o);
    if (!(*out = o))
        return cs_error_set(CS_ENOMEM, "cannot allocate the training observer");
    o->plan = plan;
    o->m = m;
    o->rule = r;
    o->depth = cs_mlp_depth(m);
    o->total_steps = total_steps;
    o->last_acc = NAN;
    o->limit_step = -1;
    cs_rule_describe(r, &o->spec);
    o->probe_n = plan->c.probe_size < test->n ? plan->c.probe_size : test->n;
    if (o->spec.relax_iterations && (o->spec.relax_samples == 0 || o->spec.relax_samples > o->probe_n))
        return cs_error_set(CS_EINVAL, "rule %s asks for %zu relaxation samples; the probe set has %zu",
                            plan->vt->name, o->spec.relax_samples, o->probe_n);
    if (!plan->c.out_path)
        return CS_OK;
    cs_status st = probe_draw(o, test);
    if (!st && plan->c.reference_errors && plan->vt != &cs_rule_bp)
        st = cs_rule_create(&cs_rule_bp, m, NULL, 0, plan->c.seed, o->probe_n, &o->bp_ref);
    if (!st)
        st = buffers_alloc(o);
    if (!st)
        st = log_create(o);
    if (!st)
        budget_plan(o);
    return st;
}

/* ---- per step ---- */

static cs_status probe_signals(train_observer *o, const cs_mlp *m);

double *train_observer_params(train_observer *o, int64_t step)
{
    o->row = o->snap = o->early = 0;
    if (!o->log)
        return NULL;
    const cs_train_config *c = &o->plan->c;
    int due = (step % (int64_t)c->log_every == 0) || (size_t)step + 1 == o->total_steps;
    o->snap = due && budget_take(o, o->snap_bytes, 1, step);
    o->row = budget_take(o, o->row_bytes, 2, step);
    if (!(o->row && o->snap))
        return NULL;
    /* A rule whose step is its reference gradient needs the parameters the
     * step starts from for the snapshot alone (no reference gradient, no
     * reference errors, no relaxation): it is taken now, at those very
     * parameters, and no copy of them is kept (1.9 MB on Fashion-MNIST,
     * ~0.35 ms a log step; the same values, tests/test_learn.c
     * snapshot_at_the_parameters_of_its_step). */
    if (o->spec.step_is_reference && !o->bp_ref && !o->spec.relax_iterations) {
        double t0 = cs_time_now();
        o->early_st = probe_signals(o, o->m);
        o->early = 1;
        o->log_seconds += cs_time_now() - t0;
        return NULL;
    }
    return o->before;
}

/* `m` viewed at other parameters (n_params, same layout): the network the
 * step started from. */
static void mlp_at(const cs_mlp *m, double *params, cs_mlp *view)
{
    cs_mlp_tensors t;
    *view = *m;
    view->params = params;
    cs_mlp_tensors_of(m, params, &t);
    for (size_t k = 0; k < cs_mlp_depth(m); k++) {
        view->W[k] = t.W[k];
        view->b[k] = t.b[k];
    }
}

/* Backprop's delta of network `m` on the probe set (bp's own float
 * snapshot, so the values are bit for bit those a bp run logs as `errors`)
 * into the snapshot just appended. */
static cs_status reference_errors(train_observer *o, const cs_mlp *m)
{
    cs_status st = cs_rule_snapshot_f32(o->bp_ref, m, o->probe_xf, o->probe_y, o->probe_n, NULL, o->ref_err);
    return st ? st : cs_trainlog_append_reference_errors(o->log, (const float *const *)o->ref_err);
}

/* The probe's activations and teaching signals of network `m` in float,
 * as the log stores them (snap_act, snap_err): from the float probe
 * straight, or from the rule's double snapshot narrowed (the same values:
 * vt->snapshot_f32's contract). */
static cs_status probe_signals(train_observer *o, const cs_mlp *m)
{
    size_t P = o->probe_n;
    if (o->plan->vt->snapshot_f32)
        return cs_rule_snapshot_f32(o->rule, m, o->probe_xf, o->probe_y, P, o->snap_act, o->snap_err);
    cs_status st = cs_rule_snapshot(o->rule, m, o->probe_x, o->probe_y, P, o->snap_d, o->snap_e);
    for (size_t k = 0; k < o->depth && !st; k++) {
        to_float(o->snap_act[k], o->snap_d[k], P * m->sizes[k + 1]);
        to_float(o->snap_err[k], o->snap_e[k], P * m->sizes[k + 1]);
    }
    return st;
}

/* The rest of a snapshot after its probe signals and their write: the
 * reference errors and the relaxation of the first relax_samples probe rows
 * of network `m`. */
static cs_status snapshot_rest(train_observer *o, const cs_mlp *m)
{
    cs_status st = o->bp_ref ? reference_errors(o, m) : CS_OK;
    if (st || !o->spec.relax_iterations)
        return st;
    size_t R = o->spec.relax_samples, T = o->spec.relax_iterations;
    if ((st = cs_rule_relax(o->rule, m, o->probe_x, o->probe_y, R, o->relax_d, o->energy)))
        return st;
    for (size_t k = 0; k < o->depth; k++)
        to_float(o->relax_f[k], o->relax_d[k], T * R * m->sizes[k + 1]);
    return cs_trainlog_append_relax(o->log, (const float *const *)o->relax_f, o->energy);
}

/* angle[depth]: the angle per layer between the rule's direction and the
 * reference gradient o->ref of the same batch at the parameters `before`
 * (reference_gradient): 0 when the direction is that gradient (bp in
 * float64, test_learn: bp_step_is_the_gradient, and in float32, whose
 * direction is bp's own gradient of the network it trains; no second
 * backward pass), else measured (bp in float32 with --bp-angle-reference
 * float64: the rounding angle to the double gradient). */
static void angles(const train_observer *o, const train_record *rec, double *angle)
{
    const cs_mlp *m = rec->before;
    for (size_t k = 0; k < o->depth; k++) {
        size_t at = m->w_offset[k], n = cs_mlp_layer_params(m, k);
        angle[k] = rec->direction_is_reference ? 0.0
                   : rec->direction_f32        ? train_angle_deg_f32(rec->direction_f32 + at, o->ref + at, n)
                                               : cs_train_angle_deg(rec->direction + at, o->ref + at, n);
    }
}

/* The reference gradient for angles() into o->ref, unless the direction is
 * that gradient (so a float batch is widened only for a float32 bp run that
 * measures against the double gradient, --bp-angle-reference float64). */
static cs_status reference_gradient(train_observer *o, const train_record *rec)
{
    if (rec->direction_is_reference)
        return CS_OK;
    const double *x = rec->x;
    if (!x) {
        f64_from_f32(o->batch_x, rec->x_f32, rec->rows * o->m->sizes[0]);
        x = o->batch_x;
    }
    return cs_rule_reference_gradient(o->rule, rec->before, x, rec->labels, rec->rows, o->ref);
}

/* The two single-threaded parts of a snapshot step, side by side on the
 * run's team: the snapshot's write (HDF5, the calling thread: page-cache
 * copies of 1.6 MB for the Fashion-MNIST probe, ~0.8 ms) and the angle sums
 * (a dependent chain of additions per sum, ~0.3 ms for 235k parameters,
 * whose order fixes the logged bits). Each would otherwise leave the other
 * core idle; neither reads what the other writes. */
typedef struct {
    train_observer *o;
    const train_record *rec;
    double *angle;
    cs_status st; /* of the write */
} snap_job;

static void snap_job_run(void *arg, int t, int nt)
{
    snap_job *j = arg;
    if (t == 0)
        j->st = cs_trainlog_append_snapshot(j->o->log, j->rec->step, (const float *const *)j->o->snap_act,
                                            (const float *const *)j->o->snap_err);
    if (t == nt - 1)
        angles(j->o, j->rec, j->angle);
}

/* A snapshot step: the reference gradient, the probe signals, their write
 * beside the angles, the rest of the snapshot (all at the parameters
 * `rec->before`). */
static cs_status snapshot_step(train_observer *o, const train_record *rec, double *angle)
{
    cs_status st;
    if (o->early) /* the probe signals, before the step */
        st = o->early_st ? o->early_st
             : rec->direction_is_reference
                 ? CS_OK
                 : cs_error_set(CS_EINVAL, "rule %s: a step that is not its reference gradient (step_is_reference)",
                                o->plan->vt->name);
    else if (!(st = reference_gradient(o, rec)))
        st = probe_signals(o, rec->before);
    if (st)
        return st;
    snap_job j = {o, rec, angle, CS_OK};
    learn_team *team = learn_team_current();
    learn_team_run(learn_team_size(team) >= 2 ? team : NULL, snap_job_run, &j);
    return j.st ? j.st : snapshot_rest(o, rec->before);
}

/* The step's log row: ΣPI inputs, norms, angles (NaN between snapshots). */
static cs_status log_row(train_observer *o, const train_record *rec, double log_pi, const double *angle)
{
    double wnorm[CS_MLP_MAX_LAYERS], unorm[CS_MLP_MAX_LAYERS];
    for (size_t k = 0; k < o->depth; k++) {
        wnorm[k] = sqrt(rec->weight_sq[k]);
        unorm[k] = sqrt(rec->update_sq[k]);
    }
    cs_trainlog_step row = {.step = rec->step,
                            .epoch = (int32_t)rec->epoch,
                            .loss = rec->loss,
                            .tau = rec->tau,
                            .surprise = rec->surprise,
                            .pi = exp(log_pi),
                            .log_pi = log_pi,
                            .batch_acc = (double)rec->correct / (double)rec->rows,
                            .lr = rec->lr,
                            .weight_norm = wnorm,
                            .update_norm = unorm,
                            .bp_angle_deg = angle,
                            .layer_series = rec->layer_series};
    return cs_trainlog_append_step(o->log, &row);
}

cs_status train_observer_step(train_observer *o, const train_record *rec)
{
    const cs_train_config *c = &o->plan->c;
    double log_pi = cs_sigmapi_log_pi(rec->loss, rec->tau, rec->surprise, c->pi_alpha, c->pi_gamma);
    cs_status st = CS_OK;
    if (o->row) {
        double t0 = cs_time_now();
        double angle[CS_MLP_MAX_LAYERS];
        for (size_t k = 0; k < o->depth; k++)
            angle[k] = NAN;
        if (o->snap) {
            cs_mlp before;
            train_record at = *rec;
            at.before = o->m; /* early: for the shapes only */
            if (!o->early) {
                mlp_at(o->m, o->before, &before);
                at.before = &before;
            }
            if ((st = snapshot_step(o, &at, angle)))
                return st;
            o->snapshots++;
        }
        if ((st = log_row(o, rec, log_pi, angle)))
            return st;
        o->log_seconds += cs_time_now() - t0;
    }
    if (c->progress) {
        cs_train_progress p = {.step = (size_t)rec->step + 1,
                               .total_steps = o->total_steps,
                               .epoch = rec->epoch,
                               .loss = rec->loss,
                               .pi = exp(log_pi),
                               .test_acc = o->last_acc,
                               .log_bytes_projected = o->log ? o->projected : 0,
                               .log_limited = o->log_limited};
        c->progress(&p, c->user);
    }
    return CS_OK;
}

cs_status train_observer_eval(train_observer *o, const cs_trainlog_eval *ev)
{
    o->last_acc = ev->acc;
    if (o->log && budget_take(o, o->eval_bytes, 2, ev->step))
        return cs_trainlog_append_eval(o->log, ev);
    return CS_OK;
}

void train_observer_report(const train_observer *o, cs_train_result *res)
{
    res->log_bytes = o->log ? o->log_bytes : 0;
    res->log_bytes_projected = o->log ? o->projected : 0;
    res->log_limited = o->log_limited;
    res->log_limit_step = o->log ? o->limit_step : -1;
    res->log_seconds = o->log_seconds;
    res->log_snapshots = o->snapshots;
}

cs_status train_observer_close(train_observer *o, const char *diverged)
{
    if (!o)
        return CS_OK;
    cs_status st = diverged && diverged[0] ? cs_trainlog_close_marked(o->log, "diverged", diverged)
                                           : cs_trainlog_close(o->log);
    free(o->probe_x);
    free(o->probe_y);
    free(o->probe_xf);
    free(o->energy);
    free(o->before);
    free(o->ref);
    free(o->batch_x);
    cs_rule_destroy(o->bp_ref);
    for (size_t k = 0; k < CS_MLP_MAX_LAYERS - 1; k++) {
        free(o->snap_d[k]);
        free(o->snap_e[k]);
        free(o->snap_act[k]);
        free(o->snap_err[k]);
        free(o->ref_err[k]);
        free(o->relax_d[k]);
        free(o->relax_f[k]);
    }
    free(o);
    return st;
}
