/* cs_obs_analyze: the whole analysis of one run log into a cs_metrics.
 *
 * Order of work (analyze_internal.h): ΣPI and per-step spectra
 * (analyze_sigmapi.c); then snapshot by snapshot the snapshot tasks of every
 * layer, in parallel (analyze_snapshots.c, analyze_tasks.c); then
 * relaxation by relaxation (EP, PC): PhiID, PSD and coherence
 * (analyze_relax.c). What each step writes is the metric table's
 * (metric_table.c). HDF5 is read on the calling thread only (the HDF5
 * library need not be thread-safe). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze_internal.h"
#include "cogscope/sigmapi.h"

/* ---- the whole run ----------------------------------------------------------- */

static void set_attrs(cs_metrics *m, const cs_runlog *run, const cs_obs_params *p, double alpha, double gamma,
                      size_t cap_example)
{
    const cs_runlog_info *in = cs_runlog_get_info(run);
    char buf[512];
    size_t o = 0;
    /* the unit counts (trainer logs: /config layers), else the layer names */
    const cs_runlog_meta *ml = cs_runlog_meta_find(run, "layers");
    if (ml && !ml->is_string)
        for (size_t i = 0; i < ml->count && o < sizeof buf; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%.0f", i ? "," : "", ml->values[i]);
    else
        for (size_t i = 0; i < in->layer_count && o < sizeof buf; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "," : "", cs_runlog_layer_name(run, i));
    buf[sizeof buf - 1] = '\0';
    cs_metrics_set_attr(m, "layers", o ? buf : "");
    cs_metrics_set_attr(m, "run", cs_runlog_path(run));
    cs_metrics_set_attr(m, "run_created", in->created);
    cs_metrics_set_attr(m, "run_id", in->run_id);
    cs_metrics_set_attr(m, "rule", in->rule);
    cs_metrics_set_attr(m, "dataset", in->dataset);
    cs_metrics_set_attr_num(m, "run_steps", (double)in->steps);
    cs_metrics_set_attr_num(m, "run_snapshots", (double)in->snapshots);
    cs_metrics_set_attr_num(m, "probe_size", (double)in->probe_size);
    cs_metrics_set_attr(m, "run_live", in->live ? "yes" : "no");
    o = 0;
    buf[0] = '\0';
    for (unsigned f = 1; f & CS_OBS_ALL; f <<= 1)
        if (p->metrics & f)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", o ? "," : "", cs_obs_metric_name(f));
    cs_metrics_set_attr(m, "metrics", buf);
    cs_metrics_set_attr(m, "estimator", cs_info_estimator_label(p->estimator));
    cs_metrics_set_attr(m, "multivariate_estimator",
                        p->estimator == CS_EST_GAUSSIAN   ? "gaussian"
                        : p->estimator == CS_EST_DISCRETE ? "binned"
                                                          : "gcopula");
    cs_metrics_set_attr(m, "pid_estimator",
                        p->estimator == CS_EST_GAUSSIAN   ? "gaussian"
                        : p->estimator == CS_EST_DISCRETE ? "binned"
                                                          : "gcopula");
    cs_metrics_set_attr(m, "phiid_estimator", p->estimator == CS_EST_GAUSSIAN ? "gaussian" : "gcopula");
    cs_metrics_set_attr(m, "pid_redundancy", cs_pid_redundancy_name(p->pid_redundancy));
    cs_metrics_set_attr(m, "pi_variant", cs_pi_variant_name(p->pi_variant));
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)p->seed);
    cs_metrics_set_attr(m, "seed", buf);
    struct {
        const char *k;
        double v;
    } nums[] = {{"surrogates", (double)p->surrogates},
                {"bins", (double)p->bins},
                {"ip_dims", (double)p->ip_dims},
                {"max_units", (double)p->max_units},
                {"unit_cap", (double)cap_example},
                {"tse_units", (double)p->tse_units},
                {"multiplets", (double)p->multiplets},
                {"pid_pairs", (double)p->pid_pairs},
                {"ksg_k", (double)p->ksg_k},
                {"pi_alpha", alpha},
                {"pi_gamma", gamma},
                {"pi_delta", p->pi_delta},
                {"pi_window", (double)p->pi_window},
                {"pi_ema", p->pi_ema},
                {"nperseg", (double)p->nperseg}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        cs_metrics_set_attr_num(m, nums[i].k, nums[i].v);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cs_metrics_set_attr(m, "created", buf);
#ifdef COGSCOPE_VERSION
    cs_metrics_set_attr(m, "cogscope_version", COGSCOPE_VERSION);
#endif
}

/* What the log allows and the request needs, checked before any work:
 * the analysed layers, probe size, snapshots; the metrics p->metrics the
 * log can give (the others skipped with a note, in skipped[]). */
typedef struct {
    size_t L, N, S, *lay;
    char skipped[4][400];
    size_t n_skipped;
} run_plan;

static cs_status plan_run(const cs_runlog *run, cs_obs_params *p, run_plan *rp)
{
    const char *path = cs_runlog_path(run);
    const cs_runlog_info *in = cs_runlog_get_info(run);
    cs_status st = obs_snapshot_layers(run, &rp->lay, &rp->L, &rp->N, &rp->S);
    if (st != CS_OK)
        return st;
    /* What the log cannot give is skipped with a note (below), never failed:
     * a log may hold only some of the datasets (docs/schema.md). */
    p->metrics = obs_possible_metrics(run, p->metrics, rp->L, rp->skipped, &rp->n_skipped);
    unsigned mk = p->metrics;
    if ((mk & CS_OBS_NEEDS_SNAPSHOTS) && rp->S == 0)
        return cs_error_set(CS_EINVAL,
                            "%s: the log has no probe snapshots yet (the first is written after --log-every steps); "
                            "analyse later, or ask only for --metrics spectra,sigmapi",
                            path);
    if ((mk & CS_OBS_NEEDS_SNAPSHOTS) && rp->N < 8)
        return cs_error_set(CS_EINVAL, "%s: the probe set has %zu samples; the snapshot measures need at least 8",
                            path, rp->N);
    if ((mk & (CS_OBS_SPECTRA | CS_OBS_SIGMAPI)) && in->steps == 0 && !(mk & CS_OBS_NEEDS_SNAPSHOTS))
        return cs_error_set(CS_EINVAL, "%s: the log has no training steps yet", path);
    return CS_OK;
}

/* The notes every analysis starts with: what was skipped and why. */
static cs_status note_skipped(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, const run_plan *rp)
{
    cs_status st = CS_OK;
    for (size_t i = 0; i < rp->n_skipped && st == CS_OK; i++)
        st = cs_metrics_add_note(m, "%s", rp->skipped[i]);
    if (!(p->metrics & CS_OBS_NEEDS_SNAPSHOTS))
        return st;
    for (size_t l = 0, k = 0; l < cs_runlog_get_info(run)->layer_count && st == CS_OK; l++) {
        if (k < rp->L && rp->lay[k] == l)
            k++;
        else
            st = cs_metrics_add_note(m,
                                     "layer %s: snapshot measures skipped (no activations snapshot dataset "
                                     "[snapshot, sample, unit])",
                                     cs_runlog_layer_name(run, l));
    }
    return st;
}

/* The analysis proper, in the order of analyze_internal.h, into m. */
static cs_status run_all(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, const run_plan *rp,
                         obs_merge *merge)
{
    const cs_runlog_info *in = cs_runlog_get_info(run);
    unsigned mk = p->metrics;
    /* α, γ: asked for, else the run's, else the ΣPI defaults (a log from
     * another trainer need not say) */
    double alpha = !isnan(p->pi_alpha) ? p->pi_alpha : !isnan(in->pi_alpha) ? in->pi_alpha : CS_SIGMAPI_ALPHA;
    double gamma = !isnan(p->pi_gamma) ? p->pi_gamma : !isnan(in->pi_gamma) ? in->pi_gamma : CS_SIGMAPI_GAMMA;
    int nthreads = cs_threads_resolve(p->threads);
    size_t R = in->relax_iterations >= 2 ? in->relax_snapshots : 0;
    int do_snap = (mk & CS_OBS_NEEDS_SNAPSHOTS) != 0;
    int do_relax = R > 0 && (mk & (CS_OBS_PHIID | CS_OBS_SPECTRA));
    size_t total = 1 + (do_snap ? rp->S : 0) + (do_relax ? R : 0), done = 0;
    set_attrs(m, run, p, alpha, gamma, rp->N ? obs_unit_cap(p, rp->N) : 0);
    cs_status st = note_skipped(run, m, p, rp);
    if (st == CS_OK && (mk & (CS_OBS_SIGMAPI | CS_OBS_SPECTRA)))
        st = obs_analyze_steps(run, m, p, alpha, gamma);
    if (st == CS_OK && (mk & CS_OBS_SIGMAPI))
        st = obs_analyze_plane(run, m);
    if (st != CS_OK)
        return st;
    obs_report_progress(p, ++done, total);
    obs_snap_plan pl = {rp->L, rp->lay, rp->N, rp->S, nthreads};
    if (do_snap && (st = obs_analyze_snapshots(run, m, p, &pl, merge, &done, total)) != CS_OK)
        return st;
    if ((mk & CS_OBS_SPECTRA) && rp->L && rp->S &&
        (st = obs_analyze_teach_osc(run, m, rp->lay, rp->L, rp->S)) != CS_OK)
        return st;
    if (merge && merge->job != merge->n_results)
        return cs_error_set(CS_EINVAL, "%s: %zu job results given for %zu jobs", cs_runlog_path(run),
                            merge->n_results, merge->job);
    if (do_relax && (st = obs_analyze_relax(run, m, p, nthreads, &done, total)) != CS_OK)
        return st;
    obs_report_progress(p, total, total);
    return CS_OK;
}

/* cs_obs_analyze, or with merge != NULL cs_obs_analyze_merge. */
static cs_status analyze(const cs_runlog *run, const cs_obs_params *p0, obs_merge *merge, cs_metrics **out)
{
    if (!run || !p0 || !out)
        return cs_error_set(CS_EINVAL, "cs_obs_analyze: run, parameters and out must be given");
    *out = NULL;
    cs_status st = cs_obs_params_check(p0);
    if (st != CS_OK)
        return st;
    cs_obs_params p = *p0;
    run_plan rp = {0};
    cs_metrics *m = NULL;
    if ((st = plan_run(run, &p, &rp)) != CS_OK || (st = cs_metrics_create(&m)) != CS_OK) {
        free(rp.lay);
        return st;
    }
    /* The parallelism is over (layer x measure) tasks; their BLAS calls are
     * small (a 450 x 64 dsyrk). Letting OpenBLAS start its own threads inside
     * every task oversubscribes the cores: measured on a 30-epoch digits run
     * with 2 threads, 3.0 s CPU against 1.6 s with BLAS single-threaded. So
     * BLAS runs on one thread here; the caller's setting is restored. */
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    st = run_all(run, m, &p, &rp, merge);
    openblas_set_num_threads(blas_threads);
    free(rp.lay);
    if (st != CS_OK) {
        cs_metrics_destroy(m);
        return st;
    }
    *out = m;
    return CS_OK;
}

cs_status cs_obs_analyze(const cs_runlog *run, const cs_obs_params *p, cs_metrics **out)
{
    return analyze(run, p, NULL, out);
}

cs_status cs_obs_analyze_merge(const cs_runlog *run, const cs_obs_params *p, const double *const *results,
                               const size_t *lens, size_t n_results, cs_metrics **out)
{
    if (!results || !lens)
        return cs_error_set(CS_EINVAL, "cs_obs_analyze_merge: results must be given");
    obs_merge merge = {results, lens, n_results, 0};
    return analyze(run, p, &merge, out);
}
