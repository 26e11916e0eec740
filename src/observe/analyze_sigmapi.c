/* The per-step part of cs_obs_analyze: ΣPI recomputed from the logged
 * loss, τ and S (variants, per-epoch means, ∫PI windows) and the spectra of
 * the per-step series. Formulas: docs/metrics.md, "PI variants" and
 * "Spectra"; the metrics written: the "sigmapi." and "spectra." entries of
 * the metric table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_internal.h"
#include "observe_spectra.h"

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
                                     names[k], back, back == 1 ? "" : "s", first, v[k][first], v[k][first - 1]);
    }
    return st;
}

/* PI per step (and ln PI) under the variant, with how often it sits at 0
 * or 1 and how far it is from the logged PI. pi, log_pi: [n]. */
static cs_status sigmapi_steps(cs_metrics *m, const step_series *s, const cs_obs_params *p, double alpha,
                               double gamma, double run_alpha, double run_gamma, double *pi, double *log_pi)
{
    size_t n = s->n;
    cs_status st = cs_obs_pi_series(p->pi_variant, s->loss, s->tau, s->surprise, n, alpha, gamma, p->pi_ema, pi,
                                    log_pi);
    if (st == CS_OK)
        st = obs_put1(m, "sigmapi.step", NULL, n, s->step);
    if (st == CS_OK) {
        char desc[200];
        snprintf(desc, sizeof desc, "PI recomputed per step, variant %s (alpha %g, gamma %g%s)",
                 cs_pi_variant_name(p->pi_variant), alpha, gamma,
                 p->pi_variant == CS_PI_ARS && p->pi_ema > 0 ? ", EMA-smoothed" : "");
        st = obs_put(m, obs_metric_find("sigmapi.pi"), NULL, 1, &n, pi, desc);
    }
    if (st == CS_OK)
        st = obs_put1(m, "sigmapi.log_pi", NULL, n, log_pi);
    if (st == CS_OK) {
        /* How many steps PI is exactly 0 (underflow) or exactly 1 in double. */
        double edges[2] = {0, 0};
        for (size_t i = 0; i < n; i++) {
            edges[0] += pi[i] == 0;
            edges[1] += pi[i] == 1;
        }
        st = obs_put1(m, "sigmapi.pi_at_bounds", NULL, 2, edges);
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
        st = obs_put1(m, "sigmapi.logged_max_abs_diff", NULL, 1, &diff);
    return st;
}

/* Per-epoch means and ∫PI windows (one per epoch, or of pi_window steps)
 * of pi[n], and ∫PI of the whole run. */
static cs_status sigmapi_windows(cs_metrics *m, const step_series *s, const cs_obs_params *p, const double *pi)
{
    size_t n = s->n, E = 0;
    /* Epoch groups: runs of equal /steps/epoch values. */
    for (size_t i = 0; i < n; i++)
        if (i == 0 || s->epoch[i] != s->epoch[i - 1])
            E++;
    size_t W = p->pi_window ? (n + p->pi_window - 1) / p->pi_window : E;
    double *buf = malloc((2 * E + 5 * W + 2) * sizeof *buf);
    if (!buf)
        return cs_error_set(CS_ENOMEM, "out of memory for PI windows");
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
    const struct {
        const char *name;
        size_t n;
        const double *v;
    } out[] = {{"sigmapi.epoch", E, ep},           {"sigmapi.epoch_mean", E, epm},  {"sigmapi.window_start", W, ws},
               {"sigmapi.window_steps", W, wl},    {"sigmapi.window_mean", W, wm},  {"sigmapi.window_var", W, wv},
               {"sigmapi.window_integral", W, wi}, {"sigmapi.integral", 1, &whole}, {"sigmapi.mean", 1, &whole_mean}};
    cs_status st = CS_OK;
    for (size_t i = 0; i < sizeof out / sizeof out[0] && st == CS_OK; i++)
        st = obs_put1(m, out[i].name, NULL, out[i].n, out[i].v);
    free(buf);
    return st;
}

/* Welch PSD and aperiodic fit of each per-step series (obs_series_spectrum);
 * a note names the series the log lacks. */
static cs_status step_spectra(cs_metrics *m, const step_series *s, const cs_obs_params *p)
{
    const double *vals[4] = {s->loss, s->pi, s->surprise, s->tau};
    char absent[64] = "";
    cs_status st = CS_OK;
    for (int i = 0; i < 4 && st == CS_OK; i++) {
        if (vals[i])
            st = obs_series_spectrum(m, obs_spectra_series[i], vals[i], s->n, p->nperseg);
        else
            snprintf(absent + strlen(absent), sizeof absent - strlen(absent), "%s%s", absent[0] ? ", " : "",
                     obs_spectra_series[i]);
    }
    if (st == CS_OK && absent[0])
        st = cs_metrics_add_note(m, "spectra of %s: skipped (no such per-step series in the log)", absent);
    return st;
}

cs_status obs_analyze_steps(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, double alpha, double gamma)
{
    const cs_runlog_info *in = cs_runlog_get_info(run);
    step_series steps;
    cs_status st = steps_read(run, &steps);
    if (st != CS_OK)
        return st;
    st = note_step_order(m, &steps);
    if (st == CS_OK && (p->metrics & CS_OBS_SIGMAPI)) {
        size_t n = steps.n;
        double *pi = malloc((n ? 2 * n : 1) * sizeof *pi);
        st = !pi ? cs_error_set(CS_ENOMEM, "out of memory for the PI series")
                 : sigmapi_steps(m, &steps, p, alpha, gamma, in->pi_alpha, in->pi_gamma, pi, pi + n);
        if (st == CS_OK)
            st = sigmapi_windows(m, &steps, p, pi);
        free(pi);
    }
    if (st == CS_OK && (p->metrics & CS_OBS_SPECTRA))
        st = step_spectra(m, &steps, p);
    steps_free(&steps);
    return st;
}
