/* What the analysis of a run (analyze.c and the snapshot and relaxation
 * loops, analyze_snapshots.c, analyze_relax.c) and the distributed jobs
 * (analyze_jobs.c) share: progress reports, NaN-filled arrays freed
 * together, the layers and metrics a log allows, and the per-layer store of
 * the snapshot tasks with the call that runs one task. Calls go one way:
 * those files call this one, this one calls none of them (the metric table,
 * metric_table.c, and the tasks, analyze_tasks.c, sit below it). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"

void obs_report_progress(const cs_obs_params *p, size_t done, size_t total)
{
    if (p->progress)
        p->progress(p->progress_ctx, done, total);
}

/* ---- what the log allows ---- */

cs_status obs_snapshot_layers(const cs_runlog *run, size_t **lay, size_t *L, size_t *N, size_t *S)
{
    const cs_runlog_info *in = cs_runlog_get_info(run);
    *L = *N = 0;
    *S = in->snapshots;
    if (!(*lay = malloc((in->layer_count ? in->layer_count : 1) * sizeof **lay)))
        return cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t l = 0; l < in->layer_count; l++) {
        const cs_runlog_item *it = cs_runlog_find(run, CS_RUNLOG_SNAPSHOT, l, "activations");
        if (!it || it->rank != 2)
            continue;
        (*lay)[(*L)++] = l;
        *N = it->shape[0];
        if (it->length < *S)
            *S = it->length;
    }
    return CS_OK;
}

/* The teaching signal needs the labels and a layer's errors; without
 * reference_errors (a rule other than bp) I(δ;δ_BP) is not measured: one
 * note says so instead of one per snapshot. The mask to keep. */
static unsigned teaching_possible(const cs_runlog *run, char skipped[][400], size_t *n_skipped)
{
    const cs_runlog_info *in = cs_runlog_get_info(run);
    size_t with_err = 0, with_ref = 0;
    for (size_t l = 0; l < in->layer_count; l++) {
        with_err += cs_runlog_find(run, CS_RUNLOG_SNAPSHOT, l, "errors") != NULL;
        with_ref += cs_runlog_find(run, CS_RUNLOG_SNAPSHOT, l, "reference_errors") != NULL;
    }
    if (!in->probe_size || !in->probe_labels || !with_err) {
        snprintf(skipped[(*n_skipped)++], 400, "teaching signal: skipped (it needs probe labels and %s)",
                 with_err ? "the log has none" : "an errors snapshot dataset; no layer has one");
        return ~(unsigned)CS_OBS_TEACHING;
    }
    if (!with_ref && strcmp(in->rule, "bp"))
        snprintf(skipped[(*n_skipped)++], 400,
                 "teaching signal: I(δ;δ_BP) not measured (the log has no reference_errors; cogscope train "
                 "--reference-errors logs backprop's delta beside the rule's)");
    return ~0u;
}

unsigned obs_possible_metrics(const cs_runlog *run, unsigned asked, size_t L, char skipped[][400], size_t *n_skipped)
{
    const cs_runlog_info *in = cs_runlog_get_info(run);
    unsigned mk = asked;
    if (L == 0 && (asked & CS_OBS_NEEDS_SNAPSHOTS)) {
        snprintf(skipped[(*n_skipped)++], 400,
                 "information plane, integration, O-information, PID, PhiID of snapshots: skipped (no layer has "
                 "an activations snapshot dataset [snapshot, sample, unit])");
        mk &= ~(unsigned)CS_OBS_NEEDS_SNAPSHOTS;
    } else if ((asked & (CS_OBS_INFOPLANE | CS_OBS_PID)) && (!in->probe_size || !in->probe_labels)) {
        snprintf(skipped[(*n_skipped)++], 400,
                 "information plane and PID pairs: skipped (they need probe inputs and labels; the log has %s)",
                 in->probe_size ? "no /probe/labels" : "no /probe/inputs");
        mk &= ~(unsigned)(CS_OBS_INFOPLANE | CS_OBS_PID);
    }
    if ((mk & CS_OBS_TEACHING) && L > 0)
        mk &= teaching_possible(run, skipped, n_skipped);
    const char *pi_need[3] = {"loss", "tau", "surprise"};
    char missing[64] = "";
    for (int i = 0; i < 3; i++)
        if (!cs_runlog_find(run, CS_RUNLOG_STEP_SERIES, 0, pi_need[i]))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", missing[0] ? ", " : "",
                     pi_need[i]);
    if ((asked & CS_OBS_SIGMAPI) && missing[0]) {
        snprintf(skipped[(*n_skipped)++], 400,
                 "sigmapi: skipped (PI is recomputed from the per-step loss, tau and surprise; the log has no %s)",
                 missing);
        mk &= ~(unsigned)CS_OBS_SIGMAPI;
    }
    return mk;
}

/* ---- arrays freed together ---- */

double *obs_arena_nan(obs_arena *a, size_t count)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 64;
        double **np = realloc(a->ptr, cap * sizeof *np);
        if (np)
            a->ptr = np;
        size_t *nl = np ? realloc(a->len, cap * sizeof *nl) : NULL;
        if (!nl)
            return NULL;
        a->len = nl;
        a->cap = cap;
    }
    double *v = malloc((count ? count : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < count; i++)
        v[i] = NAN;
    a->len[a->n] = count;
    a->ptr[a->n++] = v;
    return v;
}

void obs_arena_free(obs_arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->ptr[i]);
    free(a->ptr);
    free(a->len);
}

/* ---- the layer store ---- */

#define OBS_ROW_MAX 64 /* metrics one snapshot task writes, at most */

int obs_is_snapshot_metric(const obs_metric *e) { return e->task && e->task->scope == OBS_SCOPE_SNAPSHOT; }

size_t obs_snap_width(const obs_metric *e, const obs_layer_store *ls, const cs_obs_params *p)
{
    switch (e->shape) {
    case OBS_SHAPE_SNAP_UNITS: return ls->cap;
    case OBS_SHAPE_SNAP_MULTIPLETS: return p->multiplets;
    case OBS_SHAPE_SNAP_SUMMARY: return 6;
    case OBS_SHAPE_SNAP_PAIRS: return p->pid_pairs;
    case OBS_SHAPE_SNAP_PAIR_UNITS: return 2 * p->pid_pairs;
    case OBS_SHAPE_SNAP_ATOMS: return 16;
    default: return 1;
    }
}

/* Every field of every snapshot task's row has one table entry: a row
 * field without one would be written through a NULL pointer. */
static cs_status check_rows(void)
{
    for (size_t k = 0; k < obs_n_snapshot_tasks; k++) {
        size_t have = 0;
        for (size_t i = 0; i < obs_metric_count(); i++)
            have += obs_metric_at(i)->task == obs_snapshot_tasks[k];
        if (have * sizeof(double *) != obs_snapshot_tasks[k]->row_size || have > OBS_ROW_MAX)
            return cs_error_set(CS_EINVAL,
                                "metric table: task '%s' writes %zu metrics, the table has %zu entries "
                                "for it (src/observe/metric_table.c)",
                                obs_snapshot_tasks[k]->name, obs_snapshot_tasks[k]->row_size / sizeof(double *),
                                have);
    }
    return CS_OK;
}

cs_status obs_alloc_layer(obs_arena *a, obs_layer_store *ls, size_t units, size_t S, size_t N, const cs_obs_params *p,
                          size_t layer)
{
    cs_status st = check_rows();
    if (st != CS_OK)
        return st;
    ls->units = units;
    ls->cap = obs_unit_cap(p, N);
    if (ls->cap > units)
        ls->cap = units;
    if (ls->cap < 1)
        ls->cap = 1;
    if (!(ls->v = calloc(obs_metric_count(), sizeof *ls->v)))
        return cs_error_set(CS_ENOMEM, "out of memory for layer results");
    for (size_t i = 0; i < obs_metric_count(); i++)
        if (obs_is_snapshot_metric(obs_metric_at(i)) &&
            !(ls->v[i] = obs_arena_nan(a, S * obs_snap_width(obs_metric_at(i), ls, p))))
            return cs_error_set(CS_ENOMEM, "out of memory for layer results");
    if (!(ls->meanact = obs_arena_nan(a, S * N)) || !(ls->order = malloc(units * sizeof *ls->order)))
        return cs_error_set(CS_ENOMEM, "out of memory for layer results");
    /* The seeded preference order of units: the same for every snapshot, so
     * a subsampled layer is followed through training on the same units. */
    cs_rng *rng;
    if ((st = cs_rng_create_stream(p->seed, 0x756e697473ULL + layer, &rng)) != CS_OK) /* "units" */
        return st;
    cs_rng_permutation(rng, ls->order, units);
    cs_rng_destroy(rng);
    return CS_OK;
}

void obs_layer_store_free(obs_layer_store *ls)
{
    free(ls->order);
    free(ls->v);
}

/* Snapshot reader of one layer for obs_units_fixed. */
typedef struct {
    const cs_runlog *run;
    size_t layer; /* the run's layer index (cs_runlog_layer_name) */
} snap_ctx;

static cs_status read_layer_snapshot(void *ctx, size_t s, cs_matrix *out)
{
    const snap_ctx *c = ctx;
    return cs_runlog_read_layer_snapshot(c->run, c->layer, "activations", s, out);
}

/* The layer's unit set for the whole run (obs_units_fixed); ls->order then
 * lists exactly those units, padded with SIZE_MAX, so every snapshot's
 * measure selects them and no other. */
cs_status obs_fix_units(const cs_runlog *run, obs_layer_store *ls, size_t layer, size_t S, const cs_obs_params *p)
{
    size_t *units = malloc((ls->units ? ls->units : 1) * sizeof *units), k = 0;
    if (!units)
        return cs_error_set(CS_ENOMEM, "out of memory choosing the units");
    snap_ctx c = {run, layer};
    cs_status st = obs_units_fixed(read_layer_snapshot, &c, S, ls->order, ls->units, ls->cap, p->estimator, units,
                                   &k);
    if (st == CS_OK) {
        for (size_t j = 0; j < ls->units; j++)
            ls->order[j] = j < k ? units[j] : SIZE_MAX;
        ls->fixed = k;
    }
    free(units);
    return st;
}

size_t obs_snapshot_task_list(unsigned mk, size_t L, const size_t *lay, size_t s, obs_task_run *tasks)
{
    size_t nt = 0;
    for (size_t l = 0; l < L; l++)
        for (size_t k = 0; k < obs_n_snapshot_tasks; k++)
            if ((mk & obs_snapshot_tasks[k]->group) && (!obs_snapshot_tasks[k]->from_second || s > 0))
                tasks[nt++] = (obs_task_run){.kind = k, .layer = lay[l] + 1, .slot = l};
    return nt;
}

void obs_run_task(obs_task_run *t, obs_layer_store *ls, size_t s, const obs_probe *pr, const obs_layer_data *d,
                  const cs_obs_params *p)
{
    const obs_task *k = obs_snapshot_tasks[t->kind];
    /* The task's row: each of its metrics' values at snapshot s. */
    double *row[OBS_ROW_MAX] = {0};
    for (size_t i = 0; i < obs_metric_count(); i++) {
        const obs_metric *e = obs_metric_at(i);
        if (e->task == k)
            row[e->field / sizeof(double *)] = ls->v[i] + s * obs_snap_width(e, ls, p);
    }
    /* Stream ids fixed by (layer, snapshot, task): results do not depend on
     * scheduling or thread count. */
    obs_snap_in in = {.probe = pr,
                      .act = d->act,
                      .prev = d->prev,
                      .err = d->err,
                      .ref = d->ref,
                      .next = d->next,
                      .order = ls->order,
                      .cap = ls->cap,
                      .p = p,
                      .stream = ((uint64_t)t->layer << 40) ^ ((uint64_t)s << 8) ^ (uint64_t)t->kind};
    t->note[0] = '\0';
    t->st = k->run(&in, row, t->note, sizeof t->note);
    if (t->st != CS_OK && t->st != CS_ENOMEM) {
        snprintf(t->note, sizeof t->note, "%s", cs_last_error());
        t->st = CS_OK; /* one measure of one snapshot: recorded, not fatal */
    }
}
