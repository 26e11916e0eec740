/* The snapshot measures of a run as independent jobs (cs_obs_jobs in
 * cogscope/observe.h), for distributed runs (docs/distributed.md): a job is
 * one snapshot task of cs_obs_analyze (obs_run_task), on the same inputs,
 * and its result is what that task wrote, so that cs_obs_analyze_merge
 * rebuilds the serial metrics bit for bit. */
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"

/* Entries a job wrote: before the task, row s of every layer array is set to
 * this NaN (a payload no computation produces); every entry that differs
 * afterwards is part of the result. Only those are copied into the merging
 * analysis, whose arrays are otherwise as a serial run leaves them. */
#define JOB_UNSET_BITS UINT64_C(0x7ff4c0c5c0c5c0c5)

static int job_unset(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b == JOB_UNSET_BITS;
}

struct cs_obs_jobs {
    cs_obs_params p;
    const cs_runlog *run;
    size_t L, S, *lay; /* analysed layers: lay[0..L) index the run's layers */
    unsigned mk;       /* the metrics the log allows (possible_metrics) */
    obs_probe pr;
    cs_matrix inputs;
    int32_t *labels;
    obs_layer_store *ls;
    obs_arena a;
    obs_task_run *tasks; /* one snapshot's tasks */
    size_t *snap_first;  /* [S + 1]: the jobs of snapshot s are snap_first[s] .. snap_first[s+1]-1 */
};

void cs_obs_jobs_destroy(cs_obs_jobs *w)
{
    if (!w)
        return;
    for (size_t l = 0; w->ls && l < w->L; l++)
        obs_layer_store_free(&w->ls[l]);
    free(w->ls);
    obs_arena_free(&w->a);
    obs_probe_free(&w->pr);
    cs_matrix_free(&w->inputs);
    free(w->labels);
    free(w->tasks);
    free(w->snap_first);
    free(w->lay);
    free(w);
}

cs_status cs_obs_jobs_create(const cs_runlog *run, const cs_obs_params *p, cs_obs_jobs **out)
{
    *out = NULL;
    cs_status st = cs_obs_params_check(p);
    if (st != CS_OK)
        return st;
    cs_obs_jobs *w = calloc(1, sizeof *w);
    if (!w)
        return cs_error_set(CS_ENOMEM, "out of memory");
    w->p = *p;
    w->p.progress = NULL;
    w->run = run;
    size_t N, S;
    char skipped[4][400];
    size_t n_skipped = 0;
    if ((st = obs_snapshot_layers(run, &w->lay, &w->L, &N, &S)) != CS_OK)
        goto fail;
    w->mk = obs_possible_metrics(run, p->metrics, w->L, skipped, &n_skipped);
    /* As cs_obs_analyze: no snapshot measures, no jobs (it says why). */
    if (!(w->mk & CS_OBS_NEEDS_SNAPSHOTS) || S == 0 || N < 8) {
        if (!(w->snap_first = calloc(1, sizeof *w->snap_first))) {
            st = cs_error_set(CS_ENOMEM, "out of memory");
            goto fail;
        }
        *out = w;
        return CS_OK;
    }
    double *snap_steps = NULL;
    size_t ns;
    if ((st = cs_runlog_read_snapshot_steps(run, &snap_steps, &ns)) != CS_OK)
        goto fail;
    free(snap_steps);
    w->S = ns < S ? ns : S;
    /* The probe set feeds the information plane and PID only. */
    if ((w->mk & (CS_OBS_INFOPLANE | CS_OBS_PID | CS_OBS_TEACHING)) &&
        ((st = cs_runlog_read_probe(run, &w->inputs, &w->labels)) != CS_OK ||
         (st = obs_probe_init(w->inputs, w->labels, p->ip_dims, &w->pr)) != CS_OK))
        goto fail;
    w->ls = calloc(w->L, sizeof *w->ls);
    w->tasks = calloc(w->L * obs_n_snapshot_tasks, sizeof *w->tasks);
    w->snap_first = malloc((w->S + 1) * sizeof *w->snap_first);
    if (!w->ls || !w->tasks || !w->snap_first) {
        st = cs_error_set(CS_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t l = 0; l < w->L && st == CS_OK; l++)
        st = obs_alloc_layer(&w->a, &w->ls[l], cs_runlog_layer_units(run, w->lay[l]), w->S, N, p, w->lay[l] + 1);
    /* the same one unit set per layer as cs_obs_analyze, chosen here too */
    for (size_t l = 0; l < w->L && st == CS_OK && (w->mk & (CS_OBS_INTEGRATION | CS_OBS_OINFO | CS_OBS_PID)); l++)
        st = obs_fix_units(run, &w->ls[l], w->lay[l], w->S, p);
    if (st != CS_OK)
        goto fail;
    w->snap_first[0] = 0;
    for (size_t s = 0; s < w->S; s++)
        w->snap_first[s + 1] = w->snap_first[s] + obs_snapshot_task_list(w->mk, w->L, w->lay, s, w->tasks);
    *out = w;
    return CS_OK;
fail:
    cs_obs_jobs_destroy(w);
    return st;
}

size_t cs_obs_jobs_count(const cs_obs_jobs *w) { return w->S ? w->snap_first[w->S] : 0; }

/* The result: [note length c, c characters, entry count e, e x (array,
 * offset, value)], all doubles. */
static cs_status job_pack(const cs_obs_jobs *w, size_t s, const obs_task_run *t, double **out, size_t *len)
{
    size_t c = strlen(t->note), e = 0;
    for (size_t i = 0; i < w->a.n; i++) {
        size_t width = w->a.len[i] / w->S;
        for (size_t k = 0; k < width; k++)
            e += !job_unset(w->a.ptr[i][s * width + k]);
    }
    double *r = malloc((2 + c + 3 * e) * sizeof *r);
    if (!r)
        return cs_error_set(CS_ENOMEM, "out of memory for a job result");
    size_t o = 0;
    r[o++] = (double)c;
    for (size_t i = 0; i < c; i++)
        r[o++] = (double)(unsigned char)t->note[i];
    r[o++] = (double)e;
    for (size_t i = 0; i < w->a.n; i++) {
        size_t width = w->a.len[i] / w->S;
        for (size_t k = 0; k < width; k++) {
            double v = w->a.ptr[i][s * width + k];
            if (!job_unset(v)) {
                r[o++] = (double)i;
                r[o++] = (double)(s * width + k);
                r[o++] = v;
            }
        }
    }
    *out = r;
    *len = o;
    return CS_OK;
}

cs_status cs_obs_jobs_run(cs_obs_jobs *w, size_t j, double **result, size_t *len)
{
    *result = NULL;
    *len = 0;
    if (j >= cs_obs_jobs_count(w))
        return cs_error_set(CS_EINVAL, "job %zu of a run with %zu jobs", j, cs_obs_jobs_count(w));
    size_t s = 0;
    while (w->snap_first[s + 1] <= j)
        s++;
    obs_snapshot_task_list(w->mk, w->L, w->lay, s, w->tasks);
    obs_task_run t = w->tasks[j - w->snap_first[s]];
    size_t l = t.slot;
    obs_layer_data d;
    memset(&d, 0, sizeof d);
    cs_status st = cs_runlog_read_layer_snapshot(w->run, w->lay[l], "activations", s, &d.act);
    if (st == CS_OK && obs_snapshot_tasks[t.kind]->from_second)
        st = cs_runlog_read_layer_snapshot(w->run, w->lay[l], "activations", s - 1, &d.prev);
    if (st == CS_OK && obs_snapshot_tasks[t.kind] == &obs_task_teaching)
        st = obs_read_errors(w->run, w->lay[l], s, &d.err, &d.ref);
    if (st == CS_OK && obs_snapshot_tasks[t.kind]->needs_next && l + 1 < w->L)
        st = cs_runlog_read_layer_snapshot(w->run, w->lay[l + 1], "activations", s, &d.next);
    if (st == CS_OK) {
        double unset;
        uint64_t bits = JOB_UNSET_BITS;
        memcpy(&unset, &bits, sizeof unset);
        for (size_t i = 0; i < w->a.n; i++) {
            size_t width = w->a.len[i] / w->S;
            for (size_t k = 0; k < width; k++)
                w->a.ptr[i][s * width + k] = unset;
        }
        /* BLAS on one thread, as in cs_obs_analyze (same sums, same bits). */
        int blas_threads = openblas_get_num_threads();
        openblas_set_num_threads(1);
        cs_obs_params pp = w->p;
        pp.metrics = w->mk; /* as cs_obs_analyze runs its tasks */
        obs_run_task(&t, &w->ls[l], s, &w->pr, &d, &pp);
        openblas_set_num_threads(blas_threads);
        st = t.st;
    }
    if (st == CS_OK)
        st = job_pack(w, s, &t, result, len);
    cs_matrix_free(&d.act);
    cs_matrix_free(&d.prev);
    cs_matrix_free(&d.err);
    cs_matrix_free(&d.ref);
    cs_matrix_free(&d.next);
    return st;
}

/* Copy a job's result into the merging analysis' arrays (analyze_snapshots.c). */
cs_status obs_job_apply(obs_task_run *t, obs_arena *a, const double *r, size_t len)
{
    size_t c = len ? (size_t)r[0] : 0, o = 1;
    if (!len || c >= sizeof t->note || 2 + c > len)
        return cs_error_set(CS_EINVAL, "a job result of %zu values is malformed", len);
    for (size_t i = 0; i < c; i++)
        t->note[i] = (char)r[o++];
    t->note[c] = '\0';
    t->st = CS_OK;
    size_t e = (size_t)r[o++];
    if (o + 3 * e != len)
        return cs_error_set(CS_EINVAL, "a job result of %zu values is malformed", len);
    for (size_t q = 0; q < e; q++, o += 3) {
        size_t i = (size_t)r[o], off = (size_t)r[o + 1];
        if (i >= a->n || off >= a->len[i])
            return cs_error_set(CS_EINVAL, "a job result names array %zu entry %zu, outside the analysis", i, off);
        a->ptr[i][off] = r[o + 2];
    }
    return CS_OK;
}
