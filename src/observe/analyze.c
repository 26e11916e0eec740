/* cs_obs_analyze: the whole analysis of one run log into a cs_metrics.
 *
 * Order of work: ΣPI and per-step spectra (from /steps); then snapshot by
 * snapshot, every layer's information plane, integration, multiplets, PID
 * pairs and PhiID with the previous snapshot, the (layer x measure) tasks of
 * one snapshot running in parallel; then relaxation by relaxation (EP, PC):
 * PhiID, PSD and coherence; then coherence across snapshots. HDF5 is read on
 * the calling thread only (the HDF5 library need not be thread-safe). */
#include "observe_internal.h"
#include "observe_spectra.h"

#include "cogscope/sigmapi.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* OpenBLAS's own thread count (its pthread pool). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/* ---- small helpers -------------------------------------------------------- */

/* Every NaN-filled array of the run, freed together. */
typedef struct {
    double **ptr;
    size_t *len; /* entries of each array */
    size_t n, cap;
} arena;

static double *arena_nan(arena *a, size_t count)
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

static void arena_free(arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->ptr[i]);
    free(a->ptr);
    free(a->len);
}

static cs_status put_layer(cs_metrics *m, const char *layer, const char *name, size_t rank, const size_t *dims,
                           const double *v, const char *units, const char *desc)
{
    char path[CS_RUNLOG_NAME_MAX + 64];
    snprintf(path, sizeof path, "/analysis/layers/%s/%s", layer, name);
    return cs_metrics_put(m, path, rank, dims, v, units, desc);
}

static void report(const cs_obs_params *p, size_t done, size_t total)
{
    if (p->progress)
        p->progress(p->progress_ctx, done, total);
}

/* ---- ΣPI and spectra of the per-step series --------------------------------- */

typedef struct {
    size_t n;
    double *step, *epoch, *loss, *tau, *surprise, *pi;
} step_series;

static void steps_free(step_series *s)
{
    free(s->step);
    free(s->epoch);
    free(s->loss);
    free(s->tau);
    free(s->surprise);
    free(s->pi);
}

/* The conventional per-step series the log has (absent ones stay NULL;
 * without /steps/step the row index stands in, without /steps/epoch one
 * epoch). */
static cs_status steps_read(const cs_runlog *run, step_series *s)
{
    memset(s, 0, sizeof *s);
    const char *names[6] = {"step", "epoch", "loss", "tau", "surprise", "pi"};
    double **dst[6] = {&s->step, &s->epoch, &s->loss, &s->tau, &s->surprise, &s->pi};
    size_t n = cs_runlog_get_info(run)->steps;
    for (int i = 0; i < 6; i++) {
        size_t got;
        if (!cs_runlog_find(run, CS_RUNLOG_STEP_SERIES, 0, names[i]))
            continue;
        cs_status st = cs_runlog_read_steps(run, names[i], dst[i], &got);
        if (st != CS_OK) {
            steps_free(s);
            return st;
        }
        /* A live log may have grown since the info was taken: use the
         * consistent length. */
        if (got < n)
            n = got;
    }
    for (int i = 0; i < 2; i++)
        if (!*dst[i]) {
            if (!(*dst[i] = malloc((n ? n : 1) * sizeof(double)))) {
                steps_free(s);
                return cs_error_set(CS_ENOMEM, "out of memory for the step series");
            }
            for (size_t k = 0; k < n; k++)
                (*dst[i])[k] = i == 0 ? (double)k : 0.0;
        }
    s->n = n;
    return CS_OK;
}

/* A log whose /steps/step or /steps/epoch goes backwards was damaged or
 * written by two trainers: the analysis goes on (epoch groups are runs of
 * equal epochs) and says so in a note. */
static cs_status note_step_order(cs_metrics *m, const step_series *s)
{
    const char *names[2] = {"step", "epoch"};
    const double *v[2] = {s->step, s->epoch};
    cs_status st = CS_OK;
    for (int k = 0; k < 2 && st == CS_OK; k++) {
        size_t back = 0, first = 0;
        for (size_t i = 1; i < s->n; i++)
            if (v[k][i] < v[k][i - 1] && back++ == 0)
                first = i;
        if (back)
            st = cs_metrics_add_note(m,
                                     "/steps/%s decreases %zu time%s (first at row %zu: %g after %g): "
                                     "the log is damaged or was written by more than one trainer",
                                     names[k], back, back == 1 ? "" : "s", first, v[k][first],
                                     v[k][first - 1]);
    }
    return st;
}

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

static cs_status analyze_sigmapi(cs_metrics *m, const step_series *s, const cs_obs_params *p, double alpha,
                                 double gamma, double run_alpha, double run_gamma)
{
    size_t n = s->n;
    double *pi = malloc((n ? 2 * n : 1) * sizeof *pi), *log_pi = pi + n;
    if (!pi)
        return cs_error_set(CS_ENOMEM, "out of memory for the PI series");
    cs_status st =
        cs_obs_pi_series(p->pi_variant, s->loss, s->tau, s->surprise, n, alpha, gamma, p->pi_ema, pi, log_pi);
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/step", n, s->step, "steps", "training step of each PI value");
    if (st == CS_OK) {
        char desc[200];
        snprintf(desc, sizeof desc, "PI recomputed per step, variant %s (alpha %g, gamma %g%s)",
                 cs_pi_variant_name(p->pi_variant), alpha, gamma,
                 p->pi_variant == CS_PI_ARS && p->pi_ema > 0 ? ", EMA-smoothed" : "");
        st = cs_metrics_put1(m, "/analysis/sigmapi/pi", n, pi, "1", desc);
    }
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/log_pi", n, log_pi, "nats",
                             "ln PI per step, computed in the log domain (finite where PI underflows to 0 below "
                             "ln PI = -745.13)");
    if (st == CS_OK) {
        /* How many steps PI is exactly 0 (underflow) or exactly 1 in double. */
        double edges[2] = {0, 0};
        for (size_t i = 0; i < n; i++) {
            edges[0] += pi[i] == 0;
            edges[1] += pi[i] == 1;
        }
        st = cs_metrics_put1(m, "/analysis/sigmapi/pi_at_bounds", 2, edges, "steps",
                             "steps where PI is exactly 0 (exp underflow; see log_pi) and exactly 1 in double");
    }
    /* How far the recomputation is from the logged PI: 0 up to rounding for
     * the sigmapi variant with the run's alpha and gamma (the training loop
     * logs exactly that). */
    double diff = NAN;
    if (p->pi_variant == CS_PI_SIGMAPI && alpha == run_alpha && gamma == run_gamma && s->pi) {
        diff = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(pi[i]) || !isnan(s->pi[i]))
                diff = fmax(diff, fabs(pi[i] - s->pi[i]));
    }
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/logged_max_abs_diff", 1, &diff, "1",
                             "max |PI recomputed - PI logged| (sigmapi variant with the run's alpha, gamma; else NaN)");
    /* Epoch groups: runs of equal /steps/epoch values. */
    size_t E = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || s->epoch[i] != s->epoch[i - 1])
            E++;
    size_t W = p->pi_window ? (n + p->pi_window - 1) / p->pi_window : E;
    double *buf = malloc((2 * E + 5 * W + 2) * sizeof *buf);
    if (!buf) {
        free(pi);
        return cs_error_set(CS_ENOMEM, "out of memory for PI windows");
    }
    double *ep = buf, *epm = ep + E, *ws = epm + E, *wl = ws + W, *wm = wl + W, *wv = wm + W, *wi = wv + W;
    size_t e = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || (i > start && s->epoch[i] != s->epoch[start])) {
            if (i > start) {
                ep[e] = s->epoch[start];
                cs_obs_pi_integral(pi + start, i - start, p->pi_delta, &epm[e], NULL);
                if (!p->pi_window) {
                    ws[e] = s->step[start];
                    wl[e] = (double)(i - start);
                    wi[e] = cs_obs_pi_integral(pi + start, i - start, p->pi_delta, &wm[e], &wv[e]);
                }
                e++;
            }
            start = i;
        }
    }
    if (p->pi_window)
        for (size_t w = 0; w < W; w++) {
            size_t a = w * p->pi_window, b = a + p->pi_window < n ? a + p->pi_window : n;
            ws[w] = s->step[a];
            wl[w] = (double)(b - a);
            wi[w] = cs_obs_pi_integral(pi + a, b - a, p->pi_delta, &wm[w], &wv[w]);
        }
    double whole_mean, whole_var, whole = cs_obs_pi_integral(pi, n, p->pi_delta, &whole_mean, &whole_var);
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/epoch", E, ep, "epochs", "epoch of each per-epoch mean");
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/epoch_mean", E, epm, "1", "mean PI of the epoch's steps");
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/window_start", W, ws, "steps", "first step of each ∫PI window");
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/window_steps", W, wl, "steps", "steps in each ∫PI window");
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/window_mean", W, wm, "1", "mean PI of each window");
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/window_var", W, wv, "1", "variance of PI in each window (divisor n)");
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/window_integral", W, wi, "1",
                             "∫PI = mean(PI) exp(-delta Var(PI)) of each window");
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/integral", 1, &whole, "1", "∫PI over the whole run");
    if (st == CS_OK)
        st = cs_metrics_put1(m, "/analysis/sigmapi/mean", 1, &whole_mean, "1", "mean PI over the whole run");
    free(buf);
    free(pi);
    return st;
}

/* ---- snapshot measures -------------------------------------------------- */

enum { T_IP, T_INTEG, T_PID, T_PHIID, T_KINDS };
static const char *const task_names[T_KINDS] = {"information plane", "integration", "PID pairs",
                                                "PhiID of consecutive snapshots"};

/* Per-layer result arrays, all [S] or [S x ...], NaN where not computed. */
typedef struct {
    size_t units;   /* layer width */
    size_t cap;     /* units used at most */
    size_t *order;  /* seeded preference order of the units */
    double *ixt_b, *ity_b, *ixt, *ity, *ixt_p, *ity_p;
    double *ip_sat, *ip_bins, *ip_states, *ity_clamp; /* binned saturation, bins, T states; I(T;Y) at a bound */
    double *tc, *dtc, *oi, *si, *tse, *nunits, *ntse, *tc_p, *dtc_p, *oi_p, *used;
    double *o3, *o4, *o3s, *o4s; /* values [S x M]; summaries [S x 6] */
    double *pairs, *pmi, *pr, *pu1, *pu2, *ps, *po, *om, *sm;
    double *swms, *sr, *satoms;
    double *meanact; /* [S x N] mean over units per probe sample */
    size_t fixed;    /* units of the run's one unit set (fix_units) */
} layer_store;

typedef struct {
    int kind;
    size_t layer; /* 1-based index of the run's layer (seeds the task's random stream) */
    size_t slot;  /* index in the analysed layers */
    cs_status st;
    char note[512];
} task;

/* Summary of multiplet values: mean, q05, median, q95, fraction < 0, count. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void summarise(const double *v, size_t M, double *out6)
{
    double *s = malloc((M ? M : 1) * sizeof *s);
    size_t k = 0;
    double sum = 0, neg = 0;
    for (size_t i = 0; s && i < M; i++)
        if (isfinite(v[i])) {
            s[k++] = v[i];
            sum += v[i];
            neg += v[i] < 0;
        }
    for (int i = 0; i < 6; i++)
        out6[i] = NAN;
    if (s && k) {
        qsort(s, k, sizeof *s, cmp_double);
        /* Quantiles by linear interpolation between order statistics
         * (numpy's default "linear" method). */
        double qs[3] = {0.05, 0.5, 0.95};
        for (int q = 0; q < 3; q++) {
            double h = qs[q] * (double)(k - 1);
            size_t lo = (size_t)floor(h);
            size_t hi = lo + 1 < k ? lo + 1 : lo;
            out6[1 + q] = s[lo] + (h - (double)lo) * (s[hi] - s[lo]);
        }
        out6[0] = sum / (double)k;
        out6[4] = neg / (double)k;
        out6[5] = (double)k;
    }
    free(s);
}

/* The tasks of snapshot s, in the order they are numbered (and their notes
 * recorded): for each analysed layer (lay[0..L)), the measures asked for.
 * Returns the count. */
static size_t snapshot_tasks(unsigned mk, size_t L, const size_t *lay, size_t s, task *tasks)
{
    size_t nt = 0;
    for (size_t l = 0; l < L; l++) {
        size_t id = lay[l] + 1;
        if (mk & CS_OBS_INFOPLANE)
            tasks[nt++] = (task){.kind = T_IP, .layer = id, .slot = l};
        if (mk & (CS_OBS_INTEGRATION | CS_OBS_OINFO))
            tasks[nt++] = (task){.kind = T_INTEG, .layer = id, .slot = l};
        if (mk & CS_OBS_PID)
            tasks[nt++] = (task){.kind = T_PID, .layer = id, .slot = l};
        if ((mk & CS_OBS_PHIID) && s > 0)
            tasks[nt++] = (task){.kind = T_PHIID, .layer = id, .slot = l};
    }
    return nt;
}

static cs_status job_apply(task *t, arena *a, const double *r, size_t len);

static void run_task(task *t, layer_store *ls, size_t s, size_t S, const obs_probe *pr, cs_matrix act,
                     cs_matrix prev, const cs_obs_params *p)
{
    size_t M = p->multiplets, P = p->pid_pairs;
    /* Stream ids fixed by (layer, snapshot, task): results do not depend on
     * scheduling or thread count. */
    uint64_t stream = ((uint64_t)t->layer << 40) ^ ((uint64_t)s << 8) ^ (uint64_t)t->kind;
    t->note[0] = '\0';
    switch (t->kind) {
    case T_IP: {
        cs_obs_infoplane_result r;
        t->st = obs_infoplane(pr, act, p, stream, &r);
        ls->ixt_b[s] = r.ixt_binned;
        ls->ity_b[s] = r.ity_binned;
        ls->ixt[s] = r.ixt;
        ls->ity[s] = r.ity;
        if (t->st == CS_OK) {
            ls->ip_sat[s] = r.binned_saturated;
            ls->ip_bins[s] = (double)r.bins;
            ls->ip_states[s] = (double)r.t_states;
            ls->ity_clamp[s] = r.ity_clamped;
        }
        if (p->surrogates) {
            ls->ixt_p[s] = isnan(r.ixt) ? NAN : r.ixt_sig.p_value;
            ls->ity_p[s] = isnan(r.ity) ? NAN : r.ity_sig.p_value;
        }
        break;
    }
    case T_INTEG: {
        cs_obs_integration_result r;
        t->st = cs_obs_integration(act, ls->order, p->metrics, p, stream, &r);
        if (t->st != CS_OK)
            break;
        ls->tc[s] = r.tc;
        ls->dtc[s] = r.dtc;
        ls->oi[s] = r.oinfo;
        ls->si[s] = r.sinfo;
        ls->tse[s] = r.tse;
        ls->nunits[s] = (double)r.n_units;
        ls->ntse[s] = (double)r.n_tse_units;
        for (size_t j = 0; j < r.n_units && j < ls->cap; j++)
            ls->used[s * ls->cap + j] = (double)r.units[j];
        if (p->surrogates) {
            ls->tc_p[s] = r.tc_sig.p_value;
            ls->dtc_p[s] = r.dtc_sig.p_value;
            ls->oi_p[s] = r.oinfo_sig.p_value;
        }
        if (p->metrics & CS_OBS_OINFO) {
            memcpy(ls->o3 + s * M, r.o3, M * sizeof(double));
            memcpy(ls->o4 + s * M, r.o4, M * sizeof(double));
            summarise(r.o3, M, ls->o3s + s * 6);
            summarise(r.o4, M, ls->o4s + s * 6);
        }
        if (r.note[0])
            snprintf(t->note, sizeof t->note, "%s", r.note);
        cs_obs_integration_result_free(&r);
        break;
    }
    case T_PID: {
        cs_obs_pid_result r;
        t->st = obs_pid_pairs(pr, act, ls->order, p, &r);
        if (t->st != CS_OK)
            break;
        for (size_t q = 0; q < r.n_pairs && q < P; q++) {
            ls->pairs[(s * P + q) * 2] = (double)r.pairs[q][0];
            ls->pairs[(s * P + q) * 2 + 1] = (double)r.pairs[q][1];
            ls->pmi[s * P + q] = r.mi[q];
            ls->pr[s * P + q] = r.redundancy[q];
            ls->pu1[s * P + q] = r.unique1[q];
            ls->pu2[s * P + q] = r.unique2[q];
            ls->ps[s * P + q] = r.synergy[q];
            ls->po[s * P + q] = r.omega[q];
        }
        ls->om[s] = r.mean_omega;
        ls->sm[s] = r.mean_synergy;
        if (r.note[0])
            snprintf(t->note, sizeof t->note, "%s", r.note);
        cs_obs_pid_result_free(&r);
        break;
    }
    case T_PHIID:
        t->st = cs_obs_phiid_pcs(prev, act, p, &ls->swms[s], &ls->sr[s], ls->satoms + s * 16);
        break;
    }
    (void)S;
    if (t->st != CS_OK && t->st != CS_ENOMEM) {
        snprintf(t->note, sizeof t->note, "%s", cs_last_error());
        t->st = CS_OK; /* one measure of one snapshot: recorded, not fatal */
    }
}

static cs_status alloc_layer(arena *a, layer_store *ls, size_t units, size_t S, size_t N, const cs_obs_params *p,
                             size_t layer)
{
    size_t M = p->multiplets, P = p->pid_pairs;
    ls->units = units;
    ls->cap = obs_unit_cap(p, N);
    if (ls->cap > units)
        ls->cap = units;
    if (ls->cap < 1)
        ls->cap = 1;
    double **one[] = {&ls->ixt_b, &ls->ity_b, &ls->ixt, &ls->ity, &ls->ixt_p, &ls->ity_p, &ls->ip_sat,
                      &ls->ip_bins, &ls->ip_states, &ls->ity_clamp, &ls->tc,
                      &ls->dtc,   &ls->oi,    &ls->si,  &ls->tse, &ls->nunits, &ls->ntse, &ls->tc_p,
                      &ls->dtc_p, &ls->oi_p,  &ls->om,  &ls->sm,  &ls->swms,   &ls->sr};
    for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
        if (!(*one[i] = arena_nan(a, S)))
            return cs_error_set(CS_ENOMEM, "out of memory for layer results");
    if (!(ls->used = arena_nan(a, S * ls->cap)) || !(ls->o3 = arena_nan(a, S * M)) ||
        !(ls->o4 = arena_nan(a, S * M)) || !(ls->o3s = arena_nan(a, S * 6)) || !(ls->o4s = arena_nan(a, S * 6)) ||
        !(ls->pairs = arena_nan(a, S * P * 2)) || !(ls->pmi = arena_nan(a, S * P)) ||
        !(ls->pr = arena_nan(a, S * P)) || !(ls->pu1 = arena_nan(a, S * P)) || !(ls->pu2 = arena_nan(a, S * P)) ||
        !(ls->ps = arena_nan(a, S * P)) || !(ls->po = arena_nan(a, S * P)) || !(ls->satoms = arena_nan(a, S * 16)) ||
        !(ls->meanact = arena_nan(a, S * N)))
        return cs_error_set(CS_ENOMEM, "out of memory for layer results");
    ls->order = malloc(units * sizeof *ls->order);
    if (!ls->order)
        return cs_error_set(CS_ENOMEM, "out of memory for layer results");
    /* The seeded preference order of units: the same for every snapshot, so
     * a subsampled layer is followed through training on the same units. */
    cs_rng *rng;
    cs_status st = cs_rng_create_stream(p->seed, 0x756e697473ULL + layer, &rng); /* "units" */
    if (st != CS_OK)
        return st;
    cs_rng_permutation(rng, ls->order, units);
    cs_rng_destroy(rng);
    return CS_OK;
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
static cs_status fix_units(const cs_runlog *run, layer_store *ls, size_t layer, size_t S, const cs_obs_params *p)
{
    size_t *units = malloc((ls->units ? ls->units : 1) * sizeof *units), k = 0;
    if (!units)
        return cs_error_set(CS_ENOMEM, "out of memory choosing the units");
    snap_ctx c = {run, layer};
    cs_status st = obs_units_fixed(read_layer_snapshot, &c, S, ls->order, ls->units, ls->cap, p->estimator, units, &k);
    if (st == CS_OK) {
        for (size_t j = 0; j < ls->units; j++)
            ls->order[j] = j < k ? units[j] : SIZE_MAX;
        ls->fixed = k;
    }
    free(units);
    return st;
}

static cs_status store_layer(cs_metrics *m, const layer_store *ls, const char *L, size_t S, const cs_obs_params *p)
{
    unsigned mk = p->metrics;
    size_t M = p->multiplets, P = p->pid_pairs;
    size_t d1[1] = {S}, dcap[2] = {S, ls->cap}, dM[2] = {S, M}, d6[2] = {S, 6}, dP[2] = {S, P}, dP2[3] = {S, P, 2},
           d16[2] = {S, 16};
    cs_status st = CS_OK;
#define PUT(cond, name, rank, dims, v, u, d)                                                                          \
    if (st == CS_OK && (cond))                                                                                       \
    st = put_layer(m, L, name, rank, dims, v, u, d)
    PUT(mk & CS_OBS_INFOPLANE, "ixt_binned", 1, d1, ls->ixt_b, "nats", "I(X;T), layer binned (bins per unit), plug-in");
    PUT(mk & CS_OBS_INFOPLANE, "ity_binned", 1, d1, ls->ity_b, "nats", "I(T;Y), layer binned (bins per unit), plug-in");
    PUT(mk & CS_OBS_INFOPLANE, "binned_saturated", 1, d1, ls->ip_sat, "flag",
        "1: the binned T occupies more than N/5 states, so ixt_binned ~ ln N and ity_binned ~ H(Y) whatever the "
        "layer does (not a measurement)");
    PUT(mk & CS_OBS_INFOPLANE, "binned_bins", 1, d1, ls->ip_bins, "bins", "bins per unit of the binned values");
    PUT(mk & CS_OBS_INFOPLANE, "binned_states", 1, d1, ls->ip_states, "states", "occupied states of the binned T");
    PUT(mk & CS_OBS_INFOPLANE, "ixt", 1, d1, ls->ixt, "nats", "I(X;T), continuous estimator on principal components");
    PUT(mk & CS_OBS_INFOPLANE, "ity", 1, d1, ls->ity, "nats",
        "I(T;Y), mixed continuous-discrete estimator on principal components (label discrete)");
    PUT(mk & CS_OBS_INFOPLANE, "ity_clamped", 1, d1, ls->ity_clamp, "flag",
        "1: the mixed I(T;Y) estimate left [0, H(Y)] and is reported as the bound");
    PUT((mk & CS_OBS_INFOPLANE) && p->surrogates, "ixt_p", 1, d1, ls->ixt_p, "1", "permutation p-value of ixt");
    PUT((mk & CS_OBS_INFOPLANE) && p->surrogates, "ity_p", 1, d1, ls->ity_p, "1", "permutation p-value of ity");
    PUT(mk & CS_OBS_INTEGRATION, "tc", 1, d1, ls->tc, "nats", "total correlation of the units used");
    PUT(mk & CS_OBS_INTEGRATION, "dtc", 1, d1, ls->dtc, "nats", "dual total correlation of the units used");
    PUT(mk & CS_OBS_INTEGRATION, "oinfo", 1, d1, ls->oi, "nats", "O-information TC - DTC of the units used");
    PUT(mk & CS_OBS_INTEGRATION, "sinfo", 1, d1, ls->si, "nats", "S-information TC + DTC of the units used");
    PUT(mk & CS_OBS_INTEGRATION, "tse", 1, d1, ls->tse, "nats", "TSE complexity of the first tse_units units used");
    PUT(mk & (CS_OBS_INTEGRATION | CS_OBS_OINFO), "n_units", 1, d1, ls->nunits, "units",
        "units used (non-constant, seeded order, capped)");
    PUT(mk & CS_OBS_INTEGRATION, "n_tse_units", 1, d1, ls->ntse, "units", "units in the TSE");
    PUT(mk & (CS_OBS_INTEGRATION | CS_OBS_OINFO), "units", 2, dcap, ls->used, "index",
        "0-based indices of the units used per snapshot (NaN padding)");
    PUT((mk & CS_OBS_INTEGRATION) && p->surrogates, "tc_p", 1, d1, ls->tc_p, "1", "permutation p-value of tc");
    PUT((mk & CS_OBS_INTEGRATION) && p->surrogates, "dtc_p", 1, d1, ls->dtc_p, "1", "permutation p-value of dtc");
    PUT((mk & CS_OBS_INTEGRATION) && p->surrogates, "oinfo_p", 1, d1, ls->oi_p, "1",
        "two-sided permutation p-value of oinfo (|O| against |O| of shuffled units)");
    PUT(mk & CS_OBS_OINFO, "oinfo3", 2, dM, ls->o3, "nats", "O-information of random triplets of the units used");
    PUT(mk & CS_OBS_OINFO, "oinfo4", 2, dM, ls->o4, "nats", "O-information of random quadruplets of the units used");
    PUT(mk & CS_OBS_OINFO, "oinfo3_summary", 2, d6, ls->o3s, "nats",
        "triplets: mean, q05, median, q95, fraction < 0, count");
    PUT(mk & CS_OBS_OINFO, "oinfo4_summary", 2, d6, ls->o4s, "nats",
        "quadruplets: mean, q05, median, q95, fraction < 0, count");
    PUT(mk & CS_OBS_PID, "pid_pairs", 3, dP2, ls->pairs, "index", "top unit pairs by joint MI with the label");
    PUT(mk & CS_OBS_PID, "pid_mi", 2, dP, ls->pmi, "nats", "I(Xi,Xj;Y) of each top pair");
    PUT(mk & CS_OBS_PID, "pid_redundancy", 2, dP, ls->pr, "nats", "PID redundancy of each top pair");
    PUT(mk & CS_OBS_PID, "pid_unique1", 2, dP, ls->pu1, "nats", "PID unique information of the first unit");
    PUT(mk & CS_OBS_PID, "pid_unique2", 2, dP, ls->pu2, "nats", "PID unique information of the second unit");
    PUT(mk & CS_OBS_PID, "pid_synergy", 2, dP, ls->ps, "nats", "PID synergy of each top pair");
    PUT(mk & CS_OBS_PID, "pid_omega", 2, dP, ls->po, "1", "Omega = synergy / I(Xi,Xj;Y) of each top pair");
    PUT(mk & CS_OBS_PID, "omega_mean", 1, d1, ls->om, "1", "mean Omega over the top pairs");
    PUT(mk & CS_OBS_PID, "synergy_mean", 1, d1, ls->sm, "nats", "mean PID synergy over the top pairs");
    PUT(mk & CS_OBS_PHIID, "snap_phi_wms", 1, d1, ls->swms, "nats",
        "Phi_WMS between snapshot s-1 and s (2 principal components; s = 0: NaN)");
    PUT(mk & CS_OBS_PHIID, "snap_phi_r", 1, d1, ls->sr, "nats", "Phi_R between snapshot s-1 and s");
    PUT(mk & CS_OBS_PHIID, "snap_phiid_atoms", 2, d16, ls->satoms, "nats",
        "16 PhiID atoms (rtr rtx ... sts) between snapshot s-1 and s");
#undef PUT
    return st;
}

/* ---- relaxation ----------------------------------------------------------- */

static cs_status analyze_relax(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, int nthreads,
                               size_t *done, size_t total)
{
    const cs_runlog_info *in = cs_runlog_get_info(run);
    size_t R = in->relax_snapshots, I = in->relax_iterations, NS = in->relax_samples, L = 0;
    size_t nf = I / 2 + 1;
    arena a = {0};
    cs_status st = CS_OK;
    /* the layers with relaxation states, in order */
    size_t *lay = malloc((in->layer_count ? in->layer_count : 1) * sizeof *lay);
    for (size_t l = 0; lay && l < in->layer_count; l++)
        if (cs_runlog_find(run, CS_RUNLOG_RELAX_STATES, l, "states"))
            lay[L++] = l;
    cs_matrix *states = calloc(L ? L : 1, sizeof *states);
    double **wms = calloc(L, sizeof *wms), **pr = calloc(L, sizeof *pr), **atoms = calloc(L, sizeof *atoms),
           **psd = calloc(L, sizeof *psd), **mean = calloc(L, sizeof *mean), **coh = calloc(L, sizeof *coh);
    double *freq = arena_nan(&a, nf), *cfreq = arena_nan(&a, 9);
    size_t cnf = 0, cseg = 0;
    task *tasks = calloc(2 * L + 1, sizeof *tasks);
    if (!lay || !states || !wms || !pr || !atoms || !psd || !mean || !coh || !freq || !cfreq || !tasks) {
        st = cs_error_set(CS_ENOMEM, "out of memory for relaxation measures");
        goto done;
    }
    for (size_t l = 0; l < L; l++)
        if (!(wms[l] = arena_nan(&a, R)) || !(pr[l] = arena_nan(&a, R)) || !(atoms[l] = arena_nan(&a, R * 16)) ||
            !(psd[l] = arena_nan(&a, R * nf)) || !(mean[l] = arena_nan(&a, I * NS)) ||
            !(coh[l] = arena_nan(&a, R * 9))) {
            st = cs_error_set(CS_ENOMEM, "out of memory for relaxation measures");
            goto done;
        }
    for (size_t r = 0; r < R && st == CS_OK; r++) {
        for (size_t l = 0; l < L && st == CS_OK; l++) {
            double *energy = NULL;
            st = cs_runlog_read_relaxation(run, lay[l], r, &states[l], &energy);
            free(energy);
        }
        if (st != CS_OK)
            break;
        size_t nt = 0;
        for (size_t l = 0; l < L; l++) {
            if (p->metrics & CS_OBS_PHIID)
                tasks[nt++] = (task){.kind = 0, .layer = lay[l] + 1, .slot = l};
            if (p->metrics & CS_OBS_SPECTRA)
                tasks[nt++] = (task){.kind = 1, .layer = lay[l] + 1, .slot = l};
        }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
        for (size_t k = 0; k < nt; k++) {
            task *t = &tasks[k];
            size_t l = t->slot, u = states[l].cols;
            t->note[0] = '\0';
            if (t->kind == 0) {
                /* State pairs (iteration i, i+1) of every relaxed sample:
                 * rows are iteration-major, so the earlier states are the
                 * first (I-1) NS rows and the later ones the last. */
                cs_matrix before = {states[l].data, (I - 1) * NS, u, u};
                cs_matrix after = {states[l].data + NS * u, (I - 1) * NS, u, u};
                t->st = cs_obs_phiid_pcs(before, after, p, &wms[l][r], &pr[l][r], atoms[l] + r * 16);
            } else {
                /* Each (sample, unit) trajectory over the iterations is one
                 * channel of an I x (NS u) row-major matrix. */
                size_t got;
                t->st = obs_channel_psd(states[l].data, I, NS * u, freq, psd[l] + r * nf, &got);
            }
            if (t->st != CS_OK && t->st != CS_ENOMEM) {
                snprintf(t->note, sizeof t->note, "%s", cs_last_error());
                t->st = CS_OK;
            }
        }
        for (size_t k = 0; k < nt && st == CS_OK; k++) {
            if (tasks[k].st != CS_OK)
                st = tasks[k].st;
            else if (tasks[k].note[0])
                st = cs_metrics_add_note(m, "layer %s relaxation %zu: %s: %s", cs_runlog_layer_name(run, tasks[k].layer - 1), r,
                                         tasks[k].kind == 0 ? "PhiID" : "relaxation PSD", tasks[k].note);
        }
        /* Coherence of adjacent layers' mean activity over the iterations,
         * each relaxed sample a channel. */
        if (st == CS_OK && (p->metrics & CS_OBS_SPECTRA) && L >= 2) {
            for (size_t l = 0; l < L; l++) {
                size_t u = states[l].cols;
                for (size_t it = 0; it < I; it++)
                    for (size_t s = 0; s < NS; s++) {
                        double sum = 0;
                        const double *row = states[l].data + (it * NS + s) * u;
                        for (size_t j = 0; j < u; j++)
                            sum += row[j];
                        mean[l][it * NS + s] = sum / (double)u;
                    }
            }
            for (size_t l = 0; l + 1 < L && st == CS_OK; l++) {
                double c[9];
                if (obs_mean_coherence(mean[l], mean[l + 1], I, NS, 1.0, cfreq, c, &cnf, &cseg) == CS_OK)
                    memcpy(coh[l] + r * 9, c, cnf * sizeof *c);
                else
                    st = cs_metrics_add_note(m, "coherence of layers %s and %s over relaxation %zu: %s",
                                             cs_runlog_layer_name(run, lay[l]), cs_runlog_layer_name(run, lay[l + 1]),
                                             r, cs_last_error());
            }
        }
        for (size_t l = 0; l < L; l++)
            cs_matrix_free(&states[l]);
        report(p, ++*done, total);
    }
    for (size_t l = 0; l < L && st == CS_OK; l++) {
        size_t dR[1] = {R}, d16[2] = {R, 16}, dF[2] = {R, nf};
        if (p->metrics & CS_OBS_PHIID) {
            if ((st = put_layer(m, cs_runlog_layer_name(run, lay[l]), "relax_phi_wms", 1, dR, wms[l], "nats",
                                "Phi_WMS of the relaxation (2 principal components, iteration t -> t+1)")) != CS_OK ||
                (st = put_layer(m, cs_runlog_layer_name(run, lay[l]), "relax_phi_r", 1, dR, pr[l], "nats", "Phi_R of the relaxation")) != CS_OK ||
                (st = put_layer(m, cs_runlog_layer_name(run, lay[l]), "relax_phiid_atoms", 2, d16, atoms[l], "nats",
                                "16 PhiID atoms of the relaxation")) != CS_OK)
                break;
        }
        if (p->metrics & CS_OBS_SPECTRA) {
            if ((st = put_layer(m, cs_runlog_layer_name(run, lay[l]), "relax_freq", 1, &nf, freq, "cycles/iteration",
                                "frequencies of the relaxation PSD")) != CS_OK ||
                (st = put_layer(m, cs_runlog_layer_name(run, lay[l]), "relax_psd", 2, dF, psd[l], "units^2 iteration",
                                "mean PSD of the units' relaxation trajectories (one hann segment)")) != CS_OK)
                break;
        }
    }
    if (st == CS_OK && (p->metrics & CS_OBS_SPECTRA) && L >= 2 && cnf) {
        for (size_t l = 0; l + 1 < L && st == CS_OK; l++) {
            char path[2 * CS_RUNLOG_NAME_MAX + 64];
            size_t dims[2] = {R, cnf};
            double *c = arena_nan(&a, R * cnf);
            if (!c) {
                st = cs_error_set(CS_ENOMEM, "out of memory for coherence");
                break;
            }
            for (size_t r = 0; r < R; r++)
                memcpy(c + r * cnf, coh[l] + r * 9, cnf * sizeof *c);
            snprintf(path, sizeof path, "/analysis/coherence/%s-%s/relax_freq", cs_runlog_layer_name(run, lay[l]),
                     cs_runlog_layer_name(run, lay[l + 1]));
            st = cs_metrics_put1(m, path, cnf, cfreq, "cycles/iteration", "frequencies of the relaxation coherence");
            snprintf(path, sizeof path, "/analysis/coherence/%s-%s/relax_coherence", cs_runlog_layer_name(run, lay[l]),
                     cs_runlog_layer_name(run, lay[l + 1]));
            if (st == CS_OK)
                st = cs_metrics_put(m, path, 2, dims, c, "1",
                                    "mean magnitude-squared coherence of the layers' mean activity over the "
                                    "iterations (relaxed samples as channels)");
        }
    }
done:
    for (size_t l = 0; states && l < L; l++)
        cs_matrix_free(&states[l]);
    free(states);
    free(wms);
    free(pr);
    free(atoms);
    free(psd);
    free(mean);
    free(coh);
    free(tasks);
    free(lay);
    arena_free(&a);
    return st;
}

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
    cs_metrics_set_attr(m, "estimator", cs_obs_estimator_name(p->estimator));
    cs_metrics_set_attr(m, "multivariate_estimator", p->estimator == CS_OBS_EST_GAUSSIAN ? "gaussian"
                                                     : p->estimator == CS_OBS_EST_BINNED ? "binned"
                                                                                         : "gcopula");
    cs_metrics_set_attr(m, "pid_estimator", p->estimator == CS_OBS_EST_GAUSSIAN ? "gaussian"
                                            : p->estimator == CS_OBS_EST_BINNED ? "binned"
                                                                                : "gcopula");
    cs_metrics_set_attr(m, "phiid_estimator", p->estimator == CS_OBS_EST_GAUSSIAN ? "gaussian" : "gcopula");
    cs_metrics_set_attr(m, "pid_redundancy", cs_pid_redundancy_name(p->pid_redundancy));
    cs_metrics_set_attr(m, "pi_variant", cs_pi_variant_name(p->pi_variant));
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)p->seed);
    cs_metrics_set_attr(m, "seed", buf);
    struct {
        const char *k;
        double v;
    } nums[] = {{"surrogates", (double)p->surrogates}, {"bins", (double)p->bins},
                {"ip_dims", (double)p->ip_dims},       {"max_units", (double)p->max_units},
                {"unit_cap", (double)cap_example},     {"tse_units", (double)p->tse_units},
                {"multiplets", (double)p->multiplets}, {"pid_pairs", (double)p->pid_pairs},
                {"ksg_k", (double)p->ksg_k},           {"pi_alpha", alpha},
                {"pi_gamma", gamma},                   {"pi_delta", p->pi_delta},
                {"pi_window", (double)p->pi_window},   {"pi_ema", p->pi_ema},
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

/* The layers with [sample, unit] activation snapshots (*L of them, indices
 * into the run's layers in lay[]), their sample count *N and the snapshot
 * count *S all of them have. */
static cs_status snapshot_layers(const cs_runlog *run, size_t **lay, size_t *L, size_t *N, size_t *S)
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

/* The metrics of `asked` the log can give, its analysed layers being L; a
 * sentence per metric dropped into skipped[(*n_skipped)++] (room for 4). */
static unsigned possible_metrics(const cs_runlog *run, unsigned asked, size_t L, char skipped[][400],
                                 size_t *n_skipped)
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

/* cs_obs_analyze, or with results != NULL cs_obs_analyze_merge. */
static cs_status analyze(const cs_runlog *run, const cs_obs_params *p0, const double *const *results,
                         const size_t *lens, size_t n_results, cs_metrics **out)
{
    size_t job = 0; /* the next snapshot job, in cs_obs_jobs numbering */
    if (!run || !p0 || !out)
        return cs_error_set(CS_EINVAL, "cs_obs_analyze: run, parameters and out must be given");
    *out = NULL;
    cs_status st = cs_obs_params_check(p0);
    if (st != CS_OK)
        return st;
    cs_obs_params pp = *p0, *p = &pp;
    const cs_runlog_info *in = cs_runlog_get_info(run);
    const char *path = cs_runlog_path(run);
    /* α, γ: asked for, else the run's, else the ΣPI defaults (a log from
     * another trainer need not say) */
    double alpha = !isnan(p->pi_alpha) ? p->pi_alpha : !isnan(in->pi_alpha) ? in->pi_alpha : CS_SIGMAPI_ALPHA;
    double gamma = !isnan(p->pi_gamma) ? p->pi_gamma : !isnan(in->pi_gamma) ? in->pi_gamma : CS_SIGMAPI_GAMMA;
    size_t L, S, N, *lay;
    if ((st = snapshot_layers(run, &lay, &L, &N, &S)) != CS_OK)
        return st;
    /* What the log cannot give is skipped with a note (below), never failed:
     * a log may hold only some of the datasets (docs/schema.md). */
    char skipped[4][400];
    size_t n_skipped = 0;
    p->metrics = possible_metrics(run, p->metrics, L, skipped, &n_skipped);
    unsigned mk = p->metrics;
    if ((mk & CS_OBS_NEEDS_SNAPSHOTS) && S == 0) {
        free(lay);
        return cs_error_set(CS_EINVAL,
                            "%s: the log has no probe snapshots yet (the first is written after --log-every steps); "
                            "analyse later, or ask only for --metrics spectra,sigmapi",
                            path);
    }
    if ((mk & CS_OBS_NEEDS_SNAPSHOTS) && N < 8) {
        free(lay);
        return cs_error_set(CS_EINVAL, "%s: the probe set has %zu samples; the snapshot measures need at least 8",
                            path, N);
    }
    if ((mk & (CS_OBS_SPECTRA | CS_OBS_SIGMAPI)) && in->steps == 0 && !(mk & CS_OBS_NEEDS_SNAPSHOTS)) {
        free(lay);
        return cs_error_set(CS_EINVAL, "%s: the log has no training steps yet", path);
    }
    int nthreads = cs_threads_resolve(p->threads);
    /* The parallelism is over (layer x measure) tasks; their BLAS calls are
     * small (a 450 x 64 dsyrk). Letting OpenBLAS start its own threads inside
     * every task oversubscribes the cores: measured on a 30-epoch digits run
     * with 2 threads, 3.0 s CPU against 1.6 s with BLAS single-threaded. So
     * BLAS runs on one thread here; the caller's setting is restored. */
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    size_t R = in->relax_iterations >= 2 ? in->relax_snapshots : 0;
    int do_snap = (mk & CS_OBS_NEEDS_SNAPSHOTS) != 0;
    int do_relax = R > 0 && (mk & (CS_OBS_PHIID | CS_OBS_SPECTRA));
    size_t total = 1 + (do_snap ? S : 0) + (do_relax ? R : 0), done = 0;

    cs_metrics *m;
    if ((st = cs_metrics_create(&m)) != CS_OK) {
        openblas_set_num_threads(blas_threads);
        free(lay);
        return st;
    }
    set_attrs(m, run, p, alpha, gamma, N ? obs_unit_cap(p, N) : 0);
    for (size_t i = 0; i < n_skipped && st == CS_OK; i++)
        st = cs_metrics_add_note(m, "%s", skipped[i]);
    for (size_t l = 0, k = 0; do_snap && l < in->layer_count && st == CS_OK; l++) {
        if (k < L && lay[k] == l)
            k++;
        else
            st = cs_metrics_add_note(m, "layer %s: snapshot measures skipped (no activations snapshot dataset "
                                        "[snapshot, sample, unit])", cs_runlog_layer_name(run, l));
    }
    arena a = {0};
    layer_store *ls = NULL;
    obs_probe pr = {0};
    cs_matrix inputs = {0}, *act = NULL, *prev = NULL;
    int32_t *labels = NULL;
    task *tasks = NULL;
    step_series steps = {0};
    if (st != CS_OK)
        goto fail;

    /* ΣPI and per-step spectra. */
    if (mk & (CS_OBS_SIGMAPI | CS_OBS_SPECTRA)) {
        if ((st = steps_read(run, &steps)) != CS_OK || (st = note_step_order(m, &steps)) != CS_OK)
            goto fail;
        if ((mk & CS_OBS_SIGMAPI) &&
            (st = analyze_sigmapi(m, &steps, p, alpha, gamma, in->pi_alpha, in->pi_gamma)) != CS_OK)
            goto fail;
        if (mk & CS_OBS_SPECTRA) {
            const char *names[4] = {"loss", "pi", "surprise", "tau"};
            const double *vals[4] = {steps.loss, steps.pi, steps.surprise, steps.tau};
            char absent[64] = "";
            for (int i = 0; i < 4 && st == CS_OK; i++) {
                if (vals[i])
                    st = obs_series_spectrum(m, names[i], vals[i], steps.n, p->nperseg);
                else
                    snprintf(absent + strlen(absent), sizeof absent - strlen(absent), "%s%s", absent[0] ? ", " : "",
                             names[i]);
            }
            if (st == CS_OK && absent[0])
                st = cs_metrics_add_note(m, "spectra of %s: skipped (no such per-step series in the log)", absent);
            if (st != CS_OK)
                goto fail;
        }
    }
    report(p, ++done, total);

    if (do_snap) {
        double *snap_steps;
        size_t ns;
        if ((st = cs_runlog_read_snapshot_steps(run, &snap_steps, &ns)) != CS_OK)
            goto fail;
        if (ns < S)
            S = ns;
        st = cs_metrics_put1(m, "/analysis/snapshot_step", S, snap_steps, "steps", "training step of each snapshot");
        double fs = 1.0;
        if (S >= 2) {
            /* Snapshot spacing for the coherence across snapshots. */
            double dstep = (snap_steps[S - 1] - snap_steps[0]) / (double)(S - 1);
            fs = dstep > 0 ? 1.0 / dstep : 1.0;
        }
        int64_t *step_of = malloc((S ? S : 1) * sizeof *step_of);
        for (size_t s = 0; step_of && s < S; s++)
            step_of[s] = (int64_t)snap_steps[s];
        free(snap_steps);
        if (!step_of) {
            st = cs_error_set(CS_ENOMEM, "out of memory");
            goto fail;
        }
        /* The probe set feeds the information plane and PID only. */
        if (st == CS_OK && (mk & (CS_OBS_INFOPLANE | CS_OBS_PID)))
            st = cs_runlog_read_probe(run, &inputs, &labels);
        if (st == CS_OK && (mk & (CS_OBS_INFOPLANE | CS_OBS_PID)))
            st = note_label_range(m, labels, inputs.rows,
                                  in->layer_count ? cs_runlog_layer_units(run, in->layer_count - 1) : 0);
        if (st == CS_OK && (mk & (CS_OBS_INFOPLANE | CS_OBS_PID)))
            st = obs_probe_init(inputs, labels, p->ip_dims, &pr);
        if (st != CS_OK) {
            free(step_of);
            goto fail;
        }
        if (mk & (CS_OBS_INFOPLANE | CS_OBS_PID)) {
            cs_metrics_set_attr_num(m, "classes", (double)pr.classes);
            cs_metrics_set_attr_num(m, "x_dims", (double)pr.x_pcs.cols);
        }
        ls = calloc(L, sizeof *ls);
        act = calloc(L, sizeof *act);
        prev = calloc(L, sizeof *prev);
        tasks = calloc(L * T_KINDS, sizeof *tasks);
        if (!ls || !act || !prev || !tasks) {
            free(step_of);
            st = cs_error_set(CS_ENOMEM, "out of memory");
            goto fail;
        }
        for (size_t l = 0; l < L && st == CS_OK; l++)
            st = alloc_layer(&a, &ls[l], cs_runlog_layer_units(run, lay[l]), S, N, p, lay[l] + 1);
        for (size_t l = 0; l < L && st == CS_OK && (mk & (CS_OBS_INTEGRATION | CS_OBS_OINFO | CS_OBS_PID)); l++) {
            if ((st = fix_units(run, &ls[l], lay[l], S, p)) != CS_OK)
                break;
            st = cs_metrics_add_note(m,
                                     "layer %s: %zu of %zu units used for TC/DTC/O/PID at every snapshot (one set "
                                     "for the whole run: in seeded order, the units non-constant and not a linear "
                                     "function of the units before them at every snapshot, at most min(max_units "
                                     "%zu, probe %zu / 4)); TSE on the first %zu of them",
                                     cs_runlog_layer_name(run, lay[l]), ls[l].fixed, ls[l].units, p->max_units, N,
                                     p->tse_units < ls[l].fixed ? p->tse_units : ls[l].fixed);
        }
        for (size_t s = 0; s < S && st == CS_OK; s++) {
            for (size_t l = 0; l < L && st == CS_OK; l++) {
                cs_matrix_free(&prev[l]);
                prev[l] = act[l];
                act[l] = (cs_matrix){0};
                st = cs_runlog_read_layer_snapshot(run, lay[l], "activations", s, &act[l]);
            }
            if (st != CS_OK)
                break;
            size_t nt = snapshot_tasks(mk, L, lay, s, tasks);
            for (size_t l = 0; l < L; l++) {
                /* Mean activity per probe sample, for the coherence. */
                for (size_t i = 0; i < N; i++) {
                    double sum = 0;
                    const double *row = cs_matrix_row(act[l], i);
                    for (size_t j = 0; j < act[l].cols; j++)
                        sum += row[j];
                    ls[l].meanact[s * N + i] = sum / (double)act[l].cols;
                }
            }
            if (results) { /* computed elsewhere (cs_obs_analyze_merge) */
                for (size_t k = 0; k < nt && st == CS_OK; k++, job++)
                    st = job < n_results ? job_apply(&tasks[k], &a, results[job], lens[job])
                                         : cs_error_set(CS_EINVAL, "%s: %zu job results given, more "
                                                                   "jobs to merge", path, n_results);
                if (st != CS_OK)
                    break;
            } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
                for (size_t k = 0; k < nt; k++) {
                    size_t l = tasks[k].slot;
                    run_task(&tasks[k], &ls[l], s, S, &pr, act[l], prev[l], p);
                }
            }
            for (size_t k = 0; k < nt && st == CS_OK; k++) {
                if (tasks[k].st != CS_OK) {
                    st = tasks[k].st;
                    break;
                }
                if (tasks[k].note[0])
                    st = cs_metrics_add_note(m, "layer %s snapshot %zu (step %lld): %s: %s",
                                             cs_runlog_layer_name(run, tasks[k].layer - 1), s,
                                             (long long)step_of[s], task_names[tasks[k].kind], tasks[k].note);
            }
            report(p, ++done, total);
        }
        free(step_of);
        for (size_t l = 0; l < L && st == CS_OK; l++)
            st = store_layer(m, &ls[l], cs_runlog_layer_name(run, lay[l]), S, p);
        /* Coherence of adjacent layers' mean activity across snapshots. */
        if (st == CS_OK && (mk & CS_OBS_SPECTRA) && L >= 2) {
            for (size_t l = 0; l + 1 < L && st == CS_OK; l++) {
                double f[9], c[9];
                size_t nf, nseg;
                char path_f[2 * CS_RUNLOG_NAME_MAX + 64], path_c[2 * CS_RUNLOG_NAME_MAX + 64];
                const char *la = cs_runlog_layer_name(run, lay[l]), *lb = cs_runlog_layer_name(run, lay[l + 1]);
                if (obs_mean_coherence(ls[l].meanact, ls[l + 1].meanact, S, N, fs, f, c, &nf, &nseg) != CS_OK) {
                    st = cs_metrics_add_note(m, "coherence of layers %s and %s across snapshots: %s", la, lb,
                                             cs_last_error());
                    continue;
                }
                snprintf(path_f, sizeof path_f, "/analysis/coherence/%s-%s/snap_freq", la, lb);
                snprintf(path_c, sizeof path_c, "/analysis/coherence/%s-%s/snap_coherence", la, lb);
                st = cs_metrics_put1(m, path_f, nf, f, "cycles/step", "frequencies of the coherence across snapshots");
                if (st == CS_OK)
                    st = cs_metrics_put1(m, path_c, nf, c, "1",
                                         "mean magnitude-squared coherence of the layers' mean activity across "
                                         "snapshots (probe samples as channels, linear detrend)");
            }
        }
        if (st != CS_OK)
            goto fail;
    }
    if (results && job != n_results) {
        st = cs_error_set(CS_EINVAL, "%s: %zu job results given for %zu jobs", path, n_results, job);
        goto fail;
    }
    if (do_relax && (st = analyze_relax(run, m, p, nthreads, &done, total)) != CS_OK)
        goto fail;
    report(p, total, total);
    goto cleanup;
fail:
    cs_metrics_destroy(m);
    m = NULL;
cleanup:
    for (size_t l = 0; ls && l < L; l++)
        free(ls[l].order);
    for (size_t l = 0; act && l < L; l++)
        cs_matrix_free(&act[l]);
    for (size_t l = 0; prev && l < L; l++)
        cs_matrix_free(&prev[l]);
    free(ls);
    free(act);
    free(prev);
    free(tasks);
    free(labels);
    cs_matrix_free(&inputs);
    obs_probe_free(&pr);
    steps_free(&steps);
    arena_free(&a);
    free(lay);
    openblas_set_num_threads(blas_threads);
    *out = m;
    return m ? CS_OK : st;
}

cs_status cs_obs_analyze(const cs_runlog *run, const cs_obs_params *p, cs_metrics **out)
{
    return analyze(run, p, NULL, NULL, 0, out);
}

cs_status cs_obs_analyze_merge(const cs_runlog *run, const cs_obs_params *p, const double *const *results,
                               const size_t *lens, size_t n_results, cs_metrics **out)
{
    if (!results || !lens)
        return cs_error_set(CS_EINVAL, "cs_obs_analyze_merge: results must be given");
    return analyze(run, p, results, lens, n_results, out);
}

#include "analyze_jobs.inc"
