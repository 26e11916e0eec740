/* Two run-level steps of cs_obs_analyze for IPWT's questions (docs/ipwt.md;
 * formulas in docs/metrics.md, "PI per snapshot" and "Oscillations of the
 * teaching signal"):
 *
 *  - PI per snapshot, the y axis of the report's PI x Omega plane: training
 *    PI (the mean of the logged per-step PI over the steps since the
 *    previous snapshot), evaluation PI (the latest held-out evaluation,
 *    /eval/pi, of the network at most one update after the snapshot's) and
 *    their difference, the generalisation gap;
 *  - the teaching signal over training: per layer and snapshot the mean norm
 *    of the logged teaching signal (/layers/L/errors) over the probe samples
 *    and the mean variance of the layer's units over them; the spectra of
 *    both series (Welch + aperiodic fit + peak test, as the per-step
 *    series) and the coherence between layers' error-norm series with its
 *    significance threshold.
 *
 * The log holds the teaching signal only at probe snapshots: the series
 * here are per snapshot (the same probe inputs every time, so their
 * variation is the network's, not the batch's), their frequencies in
 * cycles per step up to 1 / (2 x snapshot spacing). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "observe_spectra.h"

/* ---- PI per snapshot ---- */

/* Training PI at snapshot s: mean of the finite per-step PI of the steps in
 * (snap[s-1], snap[s]] (s = 0: steps <= snap[0]). step, pi: n rows. */
static double window_mean(const double *step, const double *pi, size_t n, double lo, double hi)
{
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (step[i] > lo && step[i] <= hi && isfinite(pi[i])) {
            sum += pi[i];
            k++;
        }
    return k ? sum / (double)k : NAN;
}

/* The per-snapshot arrays of the plane from the log's series: snap[S]
 * snapshot steps, step/pi[n] per-step rows, estep/epi[ne] evaluations. */
static void plane_values(const double *snap, size_t S, const double *step, const double *pi, size_t n,
                         const double *estep, const double *epi, size_t ne, double *train, double *eval, double *gap,
                         double *at)
{
    for (size_t s = 0; s < S; s++) {
        train[s] = window_mean(step, pi, n, s ? snap[s - 1] : -INFINITY, snap[s]);
        /* An evaluation at step e follows e updates; the snapshot at step k
         * is taken on the network after k updates: the latest evaluation
         * with e <= k + 1 is of the same network or one update later. */
        eval[s] = at[s] = NAN;
        for (size_t j = 0; j < ne; j++)
            if (estep[j] <= snap[s] + 1) {
                eval[s] = epi[j];
                at[s] = estep[j];
            }
        gap[s] = train[s] - eval[s];
    }
}

/* The log's per-step steps (row index without /steps/step) and PI. */
static cs_status read_step_pi(const cs_runlog *run, double **step, double **pi, size_t *n)
{
    size_t np = 0, ns = 0;
    cs_status st = cs_runlog_read_steps(run, "pi", pi, &np);
    if (st == CS_OK && cs_runlog_find(run, CS_RUNLOG_STEP_SERIES, 0, "step"))
        st = cs_runlog_read_steps(run, "step", step, &ns);
    else if (st == CS_OK) {
        ns = np;
        if (!(*step = malloc((np ? np : 1) * sizeof **step)))
            return cs_error_set(CS_ENOMEM, "out of memory for the step series");
        for (size_t i = 0; i < np; i++)
            (*step)[i] = (double)i;
    }
    *n = np < ns ? np : ns; /* a live log may differ by a row */
    return st;
}

cs_status obs_analyze_plane(const cs_runlog *run, cs_metrics *m)
{
    if (!cs_runlog_find(run, CS_RUNLOG_STEP_SERIES, 0, "pi"))
        return cs_metrics_add_note(m, "PI per snapshot (PI x Omega plane): skipped (the log has no /steps/pi)");
    double *snap = NULL, *step = NULL, *pi = NULL, *estep = NULL, *epi = NULL, *v = NULL;
    size_t S = 0, n = 0, ne = 0, ne2 = 0;
    cs_status st = cs_runlog_read_snapshot_steps(run, &snap, &S);
    if (st == CS_OK)
        st = read_step_pi(run, &step, &pi, &n);
    int have_eval = cs_runlog_find(run, CS_RUNLOG_EVAL_SERIES, 0, "step") &&
                    cs_runlog_find(run, CS_RUNLOG_EVAL_SERIES, 0, "pi");
    if (st == CS_OK && have_eval && (st = cs_runlog_read_eval(run, "step", &estep, &ne)) == CS_OK)
        st = cs_runlog_read_eval(run, "pi", &epi, &ne2);
    if (ne2 < ne)
        ne = ne2;
    if (st == CS_OK && S && !(v = malloc(4 * S * sizeof *v)))
        st = cs_error_set(CS_ENOMEM, "out of memory for PI per snapshot");
    if (st == CS_OK && S) {
        plane_values(snap, S, step, pi, n, estep, epi, ne, v, v + S, v + 2 * S, v + 3 * S);
        const char *key[5] = {"plane.step", "plane.pi_train", "plane.pi_eval", "plane.pi_gap", "plane.eval_step"};
        const double *val[5] = {snap, v, v + S, v + 2 * S, v + 3 * S};
        for (int k = 0; k < 5 && st == CS_OK; k++)
            st = obs_put1(m, key[k], NULL, S, val[k]);
        if (st == CS_OK && !have_eval)
            st = cs_metrics_add_note(m,
                                     "PI per snapshot: the log has no /eval/pi; evaluation PI and the gap are NaN");
    }
    free(snap);
    free(step);
    free(pi);
    free(estep);
    free(epi);
    free(v);
    return st;
}

/* ---- the teaching signal over training ---- */

/* Mean over rows of the rows' L2 norms (x: N x U). */
static double mean_row_norm(cs_matrix x)
{
    double sum = 0;
    for (size_t i = 0; i < x.rows; i++) {
        const double *r = cs_matrix_row(x, i);
        double q = 0;
        for (size_t j = 0; j < x.cols; j++)
            q += r[j] * r[j];
        sum += sqrt(q);
    }
    return x.rows ? sum / (double)x.rows : NAN;
}

/* Mean over columns of each column's variance over the rows (divisor N). */
static double mean_col_var(cs_matrix x)
{
    double sum = 0;
    for (size_t j = 0; j < x.cols; j++) {
        double mu = 0, q = 0;
        for (size_t i = 0; i < x.rows; i++)
            mu += cs_matrix_row(x, i)[j];
        mu /= (double)x.rows;
        for (size_t i = 0; i < x.rows; i++) {
            double d = cs_matrix_row(x, i)[j] - mu;
            q += d * d;
        }
        sum += q / (double)x.rows;
    }
    return x.cols && x.rows ? sum / (double)x.cols : NAN;
}

/* One value per snapshot of dataset `name` of layer `layer` (S of them)
 * through f; NaN throughout when the layer has no such [sample, unit]
 * snapshot dataset (*have = 0). */
static cs_status snapshot_series(const cs_runlog *run, size_t layer, const char *name, size_t S,
                                 double (*f)(cs_matrix), double *out, int *have)
{
    const cs_runlog_item *it = cs_runlog_find(run, CS_RUNLOG_SNAPSHOT, layer, name);
    *have = it && it->rank == 2 && it->length >= S;
    for (size_t s = 0; s < S; s++) {
        out[s] = NAN;
        if (!*have)
            continue;
        cs_matrix x = {0};
        cs_status st = cs_runlog_read_layer_snapshot(run, layer, name, s, &x);
        if (st != CS_OK)
            return st;
        out[s] = f(x);
        cs_matrix_free(&x);
    }
    return CS_OK;
}

/* The leading snapshots at a constant spacing (the trainer's last snapshot,
 * at the last step, is usually closer): how many, and the rate (per step). */
static size_t uniform_prefix(const double *snap, size_t S, double *fs)
{
    *fs = 1.0;
    if (S < 2 || !(snap[1] > snap[0]))
        return S < 2 ? S : 1;
    double d = snap[1] - snap[0];
    size_t k = 2;
    while (k < S && snap[k] - snap[k - 1] == d)
        k++;
    *fs = 1.0 / d;
    return k;
}

/* "error_norm_" + the layer name with '.' and '/' as '_' (a spectra series
 * name is one path component and one key component). */
static void series_name(char *out, size_t n, const char *what, const char *layer)
{
    snprintf(out, n, "%s_%s", what, layer);
    for (char *c = out; *c; c++)
        if (*c == '.' || *c == '/')
            *c = '_';
}

/* Coherence of two layers' error-norm series (Su points, rate fs) and its
 * significance: the threshold at family-wise 0.05 over the positive
 * frequencies, the largest coherence there, its frequency, how many exceed. */
static cs_status pair_coherence(cs_metrics *m, const char *pair, const double *a, const double *b, size_t Su,
                                double fs)
{
    double f[9], c[9];
    size_t nf = 0, nseg = 0;
    if (obs_mean_coherence(a, b, Su, 1, fs, f, c, &nf, &nseg) != CS_OK)
        return cs_metrics_add_note(m, "coherence of the error norms of layers %s: %s", pair, cs_last_error());
    double thr = obs_coherence_threshold(nseg, 0.05, nf - 1), best = NAN, at = NAN, sig = 0;
    for (size_t k = 1; k < nf; k++) {
        if (isfinite(c[k]) && !(c[k] <= best)) {
            best = c[k];
            at = f[k];
        }
        sig += c[k] > thr;
    }
    if (isnan(thr))
        sig = NAN;
    const char *key[4] = {"coherence.{pair}.error_norm_threshold", "coherence.{pair}.error_norm_max",
                          "coherence.{pair}.error_norm_max_at", "coherence.{pair}.error_norm_n_significant"};
    const double val[4] = {thr, best, at, sig};
    cs_status st = obs_put1(m, "coherence.{pair}.error_norm_freq", pair, nf, f);
    if (st == CS_OK)
        st = obs_put1(m, "coherence.{pair}.error_norm_coherence", pair, nf, c);
    for (int k = 0; k < 4 && st == CS_OK; k++)
        st = obs_put1(m, key[k], pair, 1, &val[k]);
    return st;
}

/* Spectra of a layer's two series over the uniform snapshots, half-length
 * segments (3 overlapping Hann segments) from 16 snapshots on. */
static cs_status layer_spectra(cs_metrics *m, const char *layer, const double *e, int have_e, const double *v,
                               size_t Su, double fs)
{
    size_t seg = Su >= 16 ? Su / 2 : Su;
    char name[CS_RUNLOG_NAME_MAX + 16];
    cs_status st = CS_OK;
    if (have_e) {
        series_name(name, sizeof name, "error_norm", layer);
        st = obs_series_spectrum_fs(m, name, e, Su, seg, fs);
    }
    if (st == CS_OK) {
        series_name(name, sizeof name, "act_var", layer);
        st = obs_series_spectrum_fs(m, name, v, Su, seg, fs);
    }
    return st;
}

cs_status obs_analyze_teach_osc(const cs_runlog *run, cs_metrics *m, const size_t *lay, size_t L, size_t S)
{
    double *snap = NULL, *e = NULL, *v = NULL, fs = 1.0;
    size_t ns = 0;
    int *have = calloc(L ? L : 1, sizeof *have), have_v;
    cs_status st = have ? cs_runlog_read_snapshot_steps(run, &snap, &ns) : cs_error_set(CS_ENOMEM, "out of memory");
    if (st == CS_OK && ns < S)
        S = ns;
    if (st == CS_OK && (!(e = malloc((L * S > 0 ? L * S : 1) * sizeof *e)) || !(v = malloc((S ? S : 1) * sizeof *v))))
        st = cs_error_set(CS_ENOMEM, "out of memory for the teaching-signal series");
    size_t Su = st == CS_OK ? uniform_prefix(snap, S, &fs) : 0;
    for (size_t l = 0; l < L && st == CS_OK; l++) {
        const char *name = cs_runlog_layer_name(run, lay[l]);
        double *el = e + l * S;
        if ((st = snapshot_series(run, lay[l], "errors", S, mean_row_norm, el, &have[l])) != CS_OK ||
            (st = snapshot_series(run, lay[l], "activations", S, mean_col_var, v, &have_v)) != CS_OK)
            break;
        if (have[l])
            st = obs_put1(m, "error_norm", name, S, el);
        if (st == CS_OK)
            st = obs_put1(m, "act_var", name, S, v);
        if (st == CS_OK && Su >= 8)
            st = layer_spectra(m, name, el, have[l], v, Su, fs);
    }
    /* Fewer than 8 snapshots in all: nothing to say beyond the arrays'
     * absence (docs/metrics.md); irregular spacing cutting them short: a note. */
    if (st == CS_OK && Su < 8 && S >= 8)
        st = cs_metrics_add_note(m,
                                 "teaching-signal spectra and coherence: skipped (%zu uniformly spaced snapshots; "
                                 "they need at least 8)",
                                 Su);
    for (size_t a = 0; a < L && st == CS_OK && Su >= 8; a++)
        for (size_t b = a + 1; b < L && st == CS_OK; b++) {
            if (!have[a] || !have[b])
                continue;
            char pair[2 * CS_RUNLOG_NAME_MAX + 2];
            snprintf(pair, sizeof pair, "%s-%s", cs_runlog_layer_name(run, lay[a]),
                     cs_runlog_layer_name(run, lay[b]));
            st = pair_coherence(m, pair, e + a * S, e + b * S, Su, fs);
        }
    free(have);
    free(snap);
    free(e);
    free(v);
    return st;
}
