/* The snapshot measures of cs_obs_analyze: for every probe snapshot the
 * snapshot tasks of every analysed layer (in parallel), their values kept
 * per layer in arrays the metric table lays out, then written to the
 * metrics in table order; and the coherence of adjacent layers' mean
 * activity across snapshots. HDF5 is read on the calling thread only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "observe_spectra.h"

/* ---- the layer store into the metrics ---- */

cs_status obs_store_layer(cs_metrics *m, const obs_layer_store *ls, const char *layer, size_t S,
                          const cs_obs_params *p)
{
    cs_status st = CS_OK;
    for (size_t i = 0; i < obs_metric_count() && st == CS_OK; i++) {
        const obs_metric *e = obs_metric_at(i);
        if (!obs_is_snapshot_metric(e) || !(p->metrics & e->group) ||
            ((e->when & OBS_WHEN_SURROGATES) && !p->surrogates))
            continue;
        size_t w = obs_snap_width(e, ls, p), dims[3] = {S, w, 0}, rank = e->shape == OBS_SHAPE_SNAP ? 1 : 2;
        if (e->shape == OBS_SHAPE_SNAP_PAIR_UNITS) {
            dims[1] = p->pid_pairs;
            dims[2] = 2;
            rank = 3;
        }
        st = obs_put(m, e, layer, rank, dims, ls->v[i], NULL);
    }
    return st;
}

/* ---- the snapshot loop ---- */

/* Probe labels outside the classes 0..K-1 of the last layer (K units; 0:
 * unknown, nothing checked) cannot come from a classifier's own data: the
 * measures with the labels use them as given, and a note says how many. */
static cs_status note_label_range(cs_metrics *m, const int32_t *labels, size_t n, size_t classes)
{
    size_t bad = 0, first = 0;
    if (!labels || !classes)
        return CS_OK;
    for (size_t i = 0; i < n; i++)
        if ((labels[i] < 0 || (size_t)labels[i] >= classes) && bad++ == 0)
            first = i;
    if (!bad)
        return CS_OK;
    return cs_metrics_add_note(m,
                               "%zu of %zu probe labels are outside the %zu classes of the last layer "
                               "(first: %d at sample %zu): the log is damaged or not from this network",
                               bad, n, classes, (int)labels[first], first);
}

/* What the loop holds; snap_free releases it. */
typedef struct {
    obs_arena a;
    obs_layer_store *ls; /* [L] */
    obs_probe pr;
    cs_matrix inputs, *act, *prev; /* act, prev: [L] */
    cs_matrix *err, *ref;          /* [L]: errors, reference errors (teaching group) */
    int32_t *labels;
    obs_task_run *tasks; /* one snapshot's */
    int64_t *step_of;    /* [S] */
    double fs;           /* snapshots per step (coherence) */
} snap_state;

static void snap_free(snap_state *w, size_t L)
{
    for (size_t l = 0; w->ls && l < L; l++)
        obs_layer_store_free(&w->ls[l]);
    for (size_t l = 0; w->act && l < L; l++)
        cs_matrix_free(&w->act[l]);
    for (size_t l = 0; w->prev && l < L; l++)
        cs_matrix_free(&w->prev[l]);
    for (size_t l = 0; w->err && l < L; l++) {
        cs_matrix_free(&w->err[l]);
        cs_matrix_free(&w->ref[l]);
    }
    free(w->ls);
    free(w->act);
    free(w->prev);
    free(w->err);
    free(w->ref);
    free(w->tasks);
    free(w->labels);
    free(w->step_of);
    cs_matrix_free(&w->inputs);
    obs_probe_free(&w->pr);
    obs_arena_free(&w->a);
}

/* The snapshot steps (*S shortened to what the log has) into the metrics,
 * and the snapshot rate for the coherence. */
static cs_status snap_steps(const cs_runlog *run, cs_metrics *m, snap_state *w, size_t *S)
{
    double *snap_steps;
    size_t ns;
    cs_status st = cs_runlog_read_snapshot_steps(run, &snap_steps, &ns);
    if (st != CS_OK)
        return st;
    if (ns < *S)
        *S = ns;
    st = obs_put1(m, "snapshot_step", NULL, *S, snap_steps);
    w->fs = 1.0;
    if (*S >= 2) {
        /* Snapshot spacing for the coherence across snapshots. */
        double dstep = (snap_steps[*S - 1] - snap_steps[0]) / (double)(*S - 1);
        w->fs = dstep > 0 ? 1.0 / dstep : 1.0;
    }
    w->step_of = malloc((*S ? *S : 1) * sizeof *w->step_of);
    for (size_t s = 0; w->step_of && s < *S; s++)
        w->step_of[s] = (int64_t)snap_steps[s];
    free(snap_steps);
    return st == CS_OK && !w->step_of ? cs_error_set(CS_ENOMEM, "out of memory") : st;
}

/* The probe set feeds the information plane, PID and the teaching signal only. */
static cs_status snap_probe(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, snap_state *w)
{
    if (!(p->metrics & (CS_OBS_INFOPLANE | CS_OBS_PID | CS_OBS_TEACHING)))
        return CS_OK;
    const cs_runlog_info *in = cs_runlog_get_info(run);
    cs_status st = cs_runlog_read_probe(run, &w->inputs, &w->labels);
    if (st == CS_OK)
        st = note_label_range(m, w->labels, w->inputs.rows,
                              in->layer_count ? cs_runlog_layer_units(run, in->layer_count - 1) : 0);
    if (st == CS_OK)
        st = obs_probe_init(w->inputs, w->labels, p->ip_dims, &w->pr);
    if (st == CS_OK) {
        cs_metrics_set_attr_num(m, "classes", (double)w->pr.classes);
        cs_metrics_set_attr_num(m, "x_dims", (double)w->pr.x_pcs.cols);
    }
    return st;
}

/* The layer stores and the one unit set of each layer (with its note). */
static cs_status snap_layers(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, const obs_snap_plan *pl,
                             size_t S, snap_state *w)
{
    size_t L = pl->L;
    w->ls = calloc(L, sizeof *w->ls);
    w->act = calloc(L, sizeof *w->act);
    w->prev = calloc(L, sizeof *w->prev);
    w->err = calloc(L, sizeof *w->err);
    w->ref = calloc(L, sizeof *w->ref);
    w->tasks = calloc(L * obs_n_snapshot_tasks, sizeof *w->tasks);
    if (!w->ls || !w->act || !w->prev || !w->err || !w->ref || !w->tasks)
        return cs_error_set(CS_ENOMEM, "out of memory");
    cs_status st = CS_OK;
    for (size_t l = 0; l < L && st == CS_OK; l++)
        st = obs_alloc_layer(&w->a, &w->ls[l], cs_runlog_layer_units(run, pl->lay[l]), S, pl->N, p, pl->lay[l] + 1);
    for (size_t l = 0; l < L && st == CS_OK && (p->metrics & (CS_OBS_INTEGRATION | CS_OBS_OINFO | CS_OBS_PID)); l++) {
        const obs_layer_store *ls = &w->ls[l];
        if ((st = obs_fix_units(run, &w->ls[l], pl->lay[l], S, p)) != CS_OK)
            break;
        st = cs_metrics_add_note(m,
                                 "layer %s: %zu of %zu units used for TC/DTC/O/PID at every snapshot (one set "
                                 "for the whole run: in seeded order, the units non-constant and not a linear "
                                 "function of the units before them at every snapshot, at most min(max_units "
                                 "%zu, probe %zu / 4)); TSE on the first %zu of them",
                                 cs_runlog_layer_name(run, pl->lay[l]), ls->fixed, ls->units, p->max_units, pl->N,
                                 p->tse_units < ls->fixed ? p->tse_units : ls->fixed);
    }
    return st;
}

/* Snapshot s of every layer (the previous one kept) and the mean activity
 * per probe sample, for the coherence; the errors too for the teaching
 * group (obs_read_errors). */
static cs_status snap_read(const cs_runlog *run, const cs_obs_params *p, const obs_snap_plan *pl, size_t s,
                           snap_state *w)
{
    cs_status st = CS_OK;
    for (size_t l = 0; l < pl->L && st == CS_OK; l++) {
        cs_matrix_free(&w->prev[l]);
        w->prev[l] = w->act[l];
        w->act[l] = (cs_matrix){0};
        st = cs_runlog_read_layer_snapshot(run, pl->lay[l], "activations", s, &w->act[l]);
        if (st == CS_OK && (p->metrics & CS_OBS_TEACHING))
            st = obs_read_errors(run, pl->lay[l], s, &w->err[l], &w->ref[l]);
    }
    for (size_t l = 0; l < pl->L && st == CS_OK; l++)
        for (size_t i = 0; i < pl->N; i++) {
            double sum = 0;
            const double *row = cs_matrix_row(w->act[l], i);
            for (size_t j = 0; j < w->act[l].cols; j++)
                sum += row[j];
            w->ls[l].meanact[s * pl->N + i] = sum / (double)w->act[l].cols;
        }
    return st;
}

/* The tasks of snapshot s: run here in parallel, or (merge) taken from the
 * jobs' results; then their notes, in task order. */
static cs_status snap_run(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, const obs_snap_plan *pl,
                          size_t s, snap_state *w, obs_merge *merge)
{
    size_t nt = obs_snapshot_task_list(p->metrics, pl->L, pl->lay, s, w->tasks);
    cs_status st = CS_OK;
    if (merge) { /* computed elsewhere (cs_obs_analyze_merge) */
        for (size_t k = 0; k < nt && st == CS_OK; k++, merge->job++)
            st = merge->job < merge->n_results
                     ? obs_job_apply(&w->tasks[k], &w->a, merge->results[merge->job], merge->lens[merge->job])
                     : cs_error_set(CS_EINVAL, "%s: %zu job results given, more jobs to merge", cs_runlog_path(run),
                                    merge->n_results);
    } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(pl->nthreads)
        for (size_t k = 0; k < nt; k++) {
            size_t l = w->tasks[k].slot;
            cs_matrix next = l + 1 < pl->L ? w->act[l + 1] : (cs_matrix){0};
            obs_layer_data d = {w->act[l], w->prev[l], w->err[l], w->ref[l], next};
            obs_run_task(&w->tasks[k], &w->ls[l], s, &w->pr, &d, p);
        }
    }
    for (size_t k = 0; k < nt && st == CS_OK; k++) {
        const obs_task_run *t = &w->tasks[k];
        if (t->st != CS_OK)
            st = t->st;
        else if (t->note[0])
            st = cs_metrics_add_note(m, "layer %s snapshot %zu (step %lld): %s: %s",
                                     cs_runlog_layer_name(run, t->layer - 1), s, (long long)w->step_of[s],
                                     obs_snapshot_tasks[t->kind]->name, t->note);
    }
    return st;
}

/* Coherence of adjacent layers' mean activity across snapshots. */
static cs_status snap_coherence(const cs_runlog *run, cs_metrics *m, const obs_snap_plan *pl, size_t S,
                                const snap_state *w)
{
    cs_status st = CS_OK;
    for (size_t l = 0; l + 1 < pl->L && st == CS_OK; l++) {
        double f[9], c[9];
        size_t nf, nseg;
        char pair[2 * CS_RUNLOG_NAME_MAX + 2];
        const char *la = cs_runlog_layer_name(run, pl->lay[l]), *lb = cs_runlog_layer_name(run, pl->lay[l + 1]);
        if (obs_mean_coherence(w->ls[l].meanact, w->ls[l + 1].meanact, S, pl->N, w->fs, f, c, &nf, &nseg) != CS_OK) {
            st = cs_metrics_add_note(m, "coherence of layers %s and %s across snapshots: %s", la, lb,
                                     cs_last_error());
            continue;
        }
        snprintf(pair, sizeof pair, "%s-%s", la, lb);
        st = obs_put1(m, "coherence.{pair}.snap_freq", pair, nf, f);
        if (st == CS_OK)
            st = obs_put1(m, "coherence.{pair}.snap_coherence", pair, nf, c);
    }
    return st;
}

cs_status obs_analyze_snapshots(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, const obs_snap_plan *pl,
                                obs_merge *merge, size_t *done, size_t total)
{
    snap_state w = {0};
    size_t S = pl->S;
    cs_status st = snap_steps(run, m, &w, &S);
    if (st == CS_OK)
        st = snap_probe(run, m, p, &w);
    if (st == CS_OK)
        st = snap_layers(run, m, p, pl, S, &w);
    for (size_t s = 0; s < S && st == CS_OK; s++) {
        if ((st = snap_read(run, p, pl, s, &w)) == CS_OK)
            st = snap_run(run, m, p, pl, s, &w, merge);
        if (st == CS_OK)
            obs_report_progress(p, ++*done, total);
    }
    for (size_t l = 0; l < pl->L && st == CS_OK; l++)
        st = obs_store_layer(m, &w.ls[l], cs_runlog_layer_name(run, pl->lay[l]), S, p);
    if (st == CS_OK && (p->metrics & CS_OBS_SPECTRA) && pl->L >= 2)
        st = snap_coherence(run, m, pl, S, &w);
    snap_free(&w, pl->L);
    return st;
}
