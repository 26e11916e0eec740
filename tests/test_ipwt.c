/* IPWT's measures in the analysis and the report (issue 15, items 3 and 4):
 * PI per snapshot, the teaching-signal series with their spectra and
 * coherence, the PI x Omega plane and its flag. Logs are written through the
 * training-log writer with values chosen so that every expected number is a
 * closed form:
 *  - PI per snapshot: per-step PI (s + 1) / 200, snapshots every 10 steps:
 *    the mean over the steps (10 j - 10, 10 j] is (10 j - 3.5) / 200;
 *    evaluations at steps 50 (PI 0.3) and 100 (PI 0.4);
 *  - error norms: one nonzero unit per layer, so the mean row norm is that
 *    unit's |value|; e_l = 10 + a + n_l with a, n_1, n_2 independent white
 *    N(0, 1): the magnitude-squared coherence is 1 / ((1 + 1)(1 + 1)) = 1/4
 *    at every frequency; a sinusoid of 3/16 cycles per snapshot with
 *    snapshots 10 steps apart peaks at 3/160 cycles per step;
 *  - plane: trajectories whose end points lie on either side of the
 *    thresholds by construction. */
#include <criterion/criterion.h>
#include <math.h>

#include "cogscope/observe.h"
#include "cogscope/report.h"
#include "cogscope/rng.h"
#include "cogscope/runlog.h"
#include "cogscope/trainlog.h"
#include "observe/observe_spectra.h"
#include "observe/report_internal.h"
#include "observe_testutil.h"
#include "testutil.h"

TestSuite(ipwt, .init = tu_dir_setup, .fini = tu_dir_teardown);

/* ---- a log with given per-step PI, evaluations and error signals ---- */

typedef struct {
    size_t steps, snapshots, every; /* snapshot s at step s * every; the last at steps - 1 if last_at_end */
    int last_at_end;
    double (*pi)(size_t step);
    size_t n_eval;
    const int64_t *eval_step;
    const double *eval_pi;
    /* the single nonzero error unit of layer l (0, 1) at snapshot s */
    const double *err[2];
} ipwt_log;

static double pi_ramp(size_t s) { return (double)(s + 1) / 200.0; }

static void write_log(const char *path, const ipwt_log *g)
{
    enum { P = 8 };
    size_t layers[3] = {2, 3, 2};
    float inputs[P * 2];
    int32_t labels[P];
    for (size_t i = 0; i < P; i++) {
        inputs[2 * i] = (float)i;
        inputs[2 * i + 1] = (float)(i % 3);
        labels[i] = (int32_t)(i % 2);
    }
    cs_trainlog_spec spec = {.rule = "bp",
                             .activation = "tanh",
                             .dataset = "synthetic",
                             .optimizer = "sgd",
                             .layers = layers,
                             .n_layers = 3,
                             .seed = 1,
                             .lr = 0.1,
                             .batch = 8,
                             .epochs = 1,
                             .log_every = g->every,
                             .pi_alpha = 1,
                             .pi_gamma = 0.5,
                             .probe_size = P,
                             .probe_inputs = inputs,
                             .probe_labels = labels,
                             .flush_interval = 1e9};
    cs_trainlog *w;
    cr_assert_eq(cs_trainlog_create(path, &spec, &w), CS_OK, "%s", cs_last_error());
    double zeros[2] = {0}, nans[2] = {NAN, NAN};
    for (size_t s = 0; s < g->steps; s++) {
        double pi = g->pi ? g->pi(s) : 0.5;
        cs_trainlog_step r = {.step = (int64_t)s,
                              .epoch = 0,
                              .loss = 1,
                              .tau = 1,
                              .surprise = 1,
                              .pi = pi,
                              .log_pi = log(pi),
                              .batch_acc = 0.5,
                              .lr = 0.1,
                              .weight_norm = zeros,
                              .update_norm = zeros,
                              .bp_angle_deg = nans};
        cr_assert_eq(cs_trainlog_append_step(w, &r), CS_OK, "%s", cs_last_error());
    }
    for (size_t e = 0; e < g->n_eval; e++) {
        cs_trainlog_eval ev = {.step = g->eval_step[e],
                               .epoch = (int32_t)e,
                               .loss = 1,
                               .acc = 0.5,
                               .tau = 1,
                               .surprise = 1,
                               .pi = g->eval_pi[e],
                               .log_pi = log(g->eval_pi[e])};
        cr_assert_eq(cs_trainlog_append_eval(w, &ev), CS_OK, "%s", cs_last_error());
    }
    float act1[P * 3], act2[P * 2], err1[P * 3] = {0}, err2[P * 2] = {0};
    for (size_t s = 0; s < g->snapshots; s++) {
        for (size_t i = 0; i < P; i++) {
            for (size_t j = 0; j < 3; j++)
                act1[i * 3 + j] = (float)sin(0.3 * (double)(i * 3 + j) + 0.1 * (double)s);
            for (size_t j = 0; j < 2; j++)
                act2[i * 2 + j] = (float)cos(0.7 * (double)(i * 2 + j) + 0.05 * (double)s);
            err1[i * 3] = g->err[0] ? (float)g->err[0][s] : 1.0f;
            err2[i * 2 + 1] = g->err[1] ? (float)g->err[1][s] : 1.0f;
        }
        const float *acts[2] = {act1, act2}, *errs[2] = {err1, err2};
        int64_t step = g->last_at_end && s + 1 == g->snapshots ? (int64_t)g->steps - 1 : (int64_t)(s * g->every);
        cr_assert_eq(cs_trainlog_append_snapshot(w, step, acts, errs), CS_OK, "%s", cs_last_error());
    }
    cr_assert_eq(cs_trainlog_close(w), CS_OK, "%s", cs_last_error());
}

static cs_metrics *analyze(const char *path, unsigned metrics)
{
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.metrics = metrics;
    p.threads = 1;
    return tu_analyze_file(path, &p);
}

/* ---- PI per snapshot ---- */

Test(ipwt, pi_per_snapshot_is_the_window_mean_and_the_latest_evaluation)
{
    int64_t es[2] = {50, 100};
    double ep[2] = {0.3, 0.4};
    ipwt_log g = {.steps = 100,
                  .snapshots = 11,
                  .every = 10,
                  .last_at_end = 1,
                  .pi = pi_ramp,
                  .n_eval = 2,
                  .eval_step = es,
                  .eval_pi = ep};
    char *path = tu_path("pi.h5");
    write_log(path, &g);
    cs_metrics *m = analyze(path, CS_OBS_SIGMAPI);
    const cs_metrics_array *st = tu_need(m, "/analysis/plane/step"), *tr = tu_need(m, "/analysis/plane/pi_train"),
                           *ev = tu_need(m, "/analysis/plane/pi_eval"), *gap = tu_need(m, "/analysis/plane/pi_gap"),
                           *at = tu_need(m, "/analysis/plane/eval_step");
    cr_assert_eq(tr->count, 11);
    for (size_t j = 0; j < 11; j++) {
        double step = j < 10 ? 10.0 * (double)j : 99.0;
        /* steps in (prev, step]: s = 0 alone at j = 0; 10 j - 9 .. 10 j; 91 .. 99 at the end */
        double want = j == 0 ? 1.0 / 200 : j < 10 ? (10.0 * (double)j - 3.5) / 200 : 96.0 / 200;
        double want_ev = step + 1 >= 100 ? 0.4 : step + 1 >= 50 ? 0.3 : NAN;
        cr_expect_float_eq(st->data[j], step, 0, "snapshot %zu", j);
        cr_expect_float_eq(tr->data[j], want, 1e-15, "snapshot %zu: %.17g, want %.17g", j, tr->data[j], want);
        if (isnan(want_ev)) {
            cr_expect(isnan(ev->data[j]) && isnan(gap->data[j]) && isnan(at->data[j]), "snapshot %zu", j);
            continue;
        }
        cr_expect_float_eq(ev->data[j], want_ev, 0, "snapshot %zu: %g", j, ev->data[j]);
        cr_expect_float_eq(at->data[j], want_ev == 0.4 ? 100 : 50, 0, "snapshot %zu", j);
        cr_expect_float_eq(gap->data[j], want - want_ev, 1e-15, "snapshot %zu", j);
    }
    cs_metrics_destroy(m);
}

/* ---- the teaching signal: series, spectra, coherence ---- */

Test(ipwt, error_norm_coherence_of_shared_noise_is_one_quarter, .timeout = 120)
{
    enum { S = 8192 };
    double *e1 = malloc(S * sizeof *e1), *e2 = malloc(S * sizeof *e2);
    cs_rng *rng;
    cr_assert_eq(cs_rng_create_stream(7, 1, &rng), CS_OK);
    for (size_t s = 0; s < S; s++) {
        double a = cs_rng_gaussian(rng, 1.0);
        e1[s] = 10 + a + cs_rng_gaussian(rng, 1.0);
        e2[s] = 10 + a + cs_rng_gaussian(rng, 1.0);
    }
    cs_rng_destroy(rng);
    ipwt_log g = {.steps = 20, .snapshots = S, .every = 10, .err = {e1, e2}};
    char *path = tu_path("coh.h5");
    write_log(path, &g);
    cs_metrics *m = analyze(path, CS_OBS_SPECTRA);
    /* the series: the one nonzero unit's value (float32 in the log) */
    const cs_metrics_array *n1 = tu_need(m, "/analysis/layers/1/error_norm");
    for (size_t s = 0; s < S; s += 97)
        cr_expect_float_eq(n1->data[s], (double)(float)e1[s], 1e-12, "snapshot %zu", s);
    const cs_metrics_array *c = tu_need(m, "/analysis/coherence/1-2/error_norm_coherence"),
                           *f = tu_need(m, "/analysis/coherence/1-2/error_norm_freq");
    cr_assert_eq(c->count, 9); /* segments of 16 snapshots */
    double mean = 0;
    for (size_t k = 1; k < 8; k++)
        mean += c->data[k] / 7;
    /* scipy.signal.coherence on such data (50 draws of 2048): mean 0.2548, sd of
     * the 7-bin mean 0.019; with 8192 points the sd is ~0.0097: 0.03 is ~3 sd */
    cr_expect(fabs(mean - 0.25) < 0.03, "mean coherence %g, closed form 0.25", mean);
    cr_expect_float_eq(f->data[1], 1.0 / 160, 1e-15, "frequencies in cycles per step (snapshots 10 steps apart)");
    /* a coherence of 1/4 over 1023 segments is far above the null's threshold */
    double thr = tu_need(m, "/analysis/coherence/1-2/error_norm_threshold")->data[0];
    cr_expect(thr > 0 && thr < 0.1, "threshold %g", thr);
    cr_expect_float_eq(tu_need(m, "/analysis/coherence/1-2/error_norm_n_significant")->data[0], 8,
                       0); /* incl. Nyquist */
    cr_log_info("shared noise: mean coherence %.4f (closed form 0.25), threshold %.4f", mean, thr);
    cs_metrics_destroy(m);
    free(e1);
    free(e2);
}

Test(ipwt, a_sinusoidal_error_norm_peaks_at_its_frequency_and_independent_ones_are_not_coherent, .timeout = 120)
{
    enum { S = 256 };
    double e1[S], e2[S];
    cs_rng *rng;
    cr_assert_eq(cs_rng_create_stream(11, 2, &rng), CS_OK);
    for (size_t s = 0; s < S; s++) {
        e1[s] = 10 + 3 * sin(2 * M_PI * 3.0 / 16.0 * (double)s + 0.4) + 0.1 * cs_rng_gaussian(rng, 1.0);
        e2[s] = 10 + cs_rng_gaussian(rng, 1.0); /* independent of e1 */
    }
    cs_rng_destroy(rng);
    ipwt_log g = {.steps = 20, .snapshots = S, .every = 10, .err = {e1, e2}};
    char *path = tu_path("sin.h5");
    write_log(path, &g);
    cs_metrics *m = analyze(path, CS_OBS_SPECTRA);
    const cs_metrics_array *f = tu_need(m, "/analysis/spectra/error_norm_1/freq"),
                           *p = tu_need(m, "/analysis/spectra/error_norm_1/psd");
    size_t best = 1;
    for (size_t k = 1; k < p->count; k++)
        if (p->data[k] > p->data[best])
            best = k;
    cr_expect_float_eq(f->data[best], 3.0 / 160, 1e-15, "peak at %g cycles/step, want 3/160", f->data[best]);
    cr_expect_float_eq(tu_need(m, "/analysis/spectra/error_norm_1/nperseg")->data[0], S / 2, 0);
    cr_expect_not_null(cs_metrics_get(m, "/analysis/spectra/act_var_2/psd"));
    cr_expect_not_null(cs_metrics_get(m, "/analysis/spectra/error_norm_2/no_power_law"));
    /* independent series: no frequency above the family-wise threshold */
    cr_expect_float_eq(tu_need(m, "/analysis/coherence/1-2/error_norm_n_significant")->data[0], 0, 0);
    cs_metrics_destroy(m);
}

Test(ipwt, too_few_snapshots_leave_the_spectra_out)
{
    ipwt_log g = {.steps = 20, .snapshots = 6, .every = 3};
    char *path = tu_path("few.h5");
    write_log(path, &g);
    cs_metrics *m = analyze(path, CS_OBS_SPECTRA);
    cr_expect_not_null(cs_metrics_get(m, "/analysis/layers/1/error_norm"));
    cr_expect_null(cs_metrics_get(m, "/analysis/spectra/error_norm_1/psd"));
    cr_expect_null(cs_metrics_get(m, "/analysis/coherence/1-2/error_norm_coherence"));
    cs_metrics_destroy(m);
}

/* The null of the threshold: independent white noise exceeds the unadjusted
 * (one-test) threshold at a frequency with probability ~alpha. 4000 pairs of
 * 64 points, 7 Hann segments of 16: 28 000 tests; binomial sd of the rate
 * 0.0013 if independent (neighbouring frequencies are not, so wider). The
 * tolerance 0.015 allows for the equivalent-segment approximation. */
Test(ipwt, coherence_threshold_holds_its_level_under_independence, .timeout = 120)
{
    enum { N = 64, PAIRS = 4000 };
    cs_rng *rng;
    cr_assert_eq(cs_rng_create_stream(3, 3, &rng), CS_OK);
    size_t hits = 0, tests = 0;
    double x[N], y[N], f[9], c[9];
    for (int r = 0; r < PAIRS; r++) {
        for (size_t i = 0; i < N; i++) {
            x[i] = cs_rng_gaussian(rng, 1.0);
            y[i] = cs_rng_gaussian(rng, 1.0);
        }
        size_t nf, nseg;
        cr_assert_eq(obs_mean_coherence(x, y, N, 1, 1.0, f, c, &nf, &nseg), CS_OK);
        double thr = obs_coherence_threshold(nseg, 0.05, 1);
        for (size_t k = 1; k + 1 < nf; k++, tests++) /* interior frequencies */
            hits += c[k] > thr;
    }
    cs_rng_destroy(rng);
    double rate = (double)hits / (double)tests;
    cr_log_info("null rejection rate %.4f at level 0.05 (%zu tests)", rate, tests);
    cr_expect(fabs(rate - 0.05) < 0.015, "rejection rate %g at level 0.05 (%zu tests)", rate, tests);
    cr_expect(isnan(obs_coherence_threshold(1, 0.05, 1)), "one segment: no threshold");
}

/* ---- the plane ---- */

/* A report of one run whose layer-1 Omega and training PI per snapshot are
 * given (metrics built in memory; 5 snapshots at steps 0, 10, ..., 40). */
static cs_report *plane_report(const char *path, const double *omega, const double *pi, double thr_pi,
                               double thr_omega, cs_runlog **run, cs_metrics **m)
{
    ipwt_log g = {.steps = 41, .snapshots = 5, .every = 10};
    write_log(path, &g);
    cr_assert_eq(cs_runlog_open(path, run), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_metrics_create(m), CS_OK);
    double steps[5] = {0, 10, 20, 30, 40}, eval[5] = {NAN, NAN, 0.5, 0.5, 0.6};
    size_t n = 5;
    cr_assert_eq(cs_metrics_put(*m, "/analysis/snapshot_step", 1, &n, steps, "steps", "x"), CS_OK);
    cr_assert_eq(cs_metrics_put(*m, "/analysis/plane/step", 1, &n, steps, "steps", "x"), CS_OK);
    cr_assert_eq(cs_metrics_put(*m, "/analysis/plane/pi_train", 1, &n, pi, "1", "x"), CS_OK);
    cr_assert_eq(cs_metrics_put(*m, "/analysis/plane/pi_eval", 1, &n, eval, "1", "x"), CS_OK);
    cr_assert_eq(cs_metrics_put(*m, "/analysis/layers/1/layer_omega", 1, &n, omega, "1", "x"), CS_OK);
    cs_report_options o;
    cs_report_options_default(&o);
    o.plane_pi = thr_pi;
    o.plane_omega = thr_omega;
    cs_report_run in = {.run = *run, .metrics = *m};
    cs_report *rep = NULL;
    cr_assert_eq(cs_report_create(&in, 1, &o, &rep), CS_OK, "%s", cs_last_error());
    return rep;
}

static void close_report(cs_report *rep, cs_runlog *run, cs_metrics *m)
{
    cs_report_destroy(rep);
    cs_runlog_close_reader(run);
    cs_metrics_destroy(m);
}

static char *render_text(cs_status (*w)(FILE *, const cs_report *), const cs_report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(w(f, rep), CS_OK, "%s", cs_last_error());
    fclose(f);
    return buf;
}

Test(ipwt, a_run_ending_with_high_pi_and_low_omega_is_flagged_in_every_format)
{
    /* ends at (0.1, 0.9): high PI, low Omega; the last Omega is NaN, so the
     * end is the snapshot before it */
    double omega[5] = {0.6, 0.5, 0.3, 0.1, NAN}, pi[5] = {0.2, 0.4, 0.7, 0.9, 0.95};
    cs_runlog *run;
    cs_metrics *m;
    cs_report *rep = plane_report(tu_path("flag.h5"), omega, pi, 0.5, 0.5, &run, &m);
    rm_plane p;
    cr_assert_eq(rm_plane_of(rep, &rep->runs[0], 1, &p), CS_OK);
    cr_expect_eq(p.n, 5);
    cr_expect_float_eq(p.end_step, 30, 0);
    cr_expect_float_eq(p.end_omega, 0.1, 0);
    cr_expect_float_eq(p.end_pi, 0.9, 0);
    cr_expect_float_eq(p.end_gap, 0.9 - 0.5, 1e-15);
    cr_expect_eq(p.quadrant, RM_Q_CLEVER_IDIOT);
    rm_plane_free(&p);
    char *text = render_text(cs_report_write_summary_text, rep), *json = render_text(cs_report_write_json, rep),
         *csv = render_text(cs_report_write_csv, rep), *html = render_text(cs_report_write_html, rep);
    cr_expect(strstr(text, "FLAGGED: bp seed 1 ends in the high-PI, low-Ω quadrant"), "%s", text);
    cr_expect(strstr(json, "\"clever_idiot\":true"), "JSON flag");
    cr_expect(strstr(csv, ",1,plane.end_quadrant,2,quadrant,clever_idiot\n"), "%s", csv);
    cr_expect(strstr(html, "<p class=\"flag\">") && strstr(html, "PI × Ω plane, layer 1"), "HTML flag and chart");
    free(text);
    free(json);
    free(csv);
    free(html);
    close_report(rep, run, m);
    /* a stricter Omega threshold moves the end point out of the quadrant */
    rep = plane_report(tu_path("flag2.h5"), omega, pi, 0.5, 0.05, &run, &m);
    text = render_text(cs_report_write_summary_text, rep);
    cr_expect(strstr(text, "no run ends in the high-PI, low-Ω quadrant"), "%s", text);
    cr_expect(strstr(text, "integrated"), "%s", text);
    free(text);
    close_report(rep, run, m);
}

Test(ipwt, a_run_that_only_passes_through_the_quadrant_is_not_flagged)
{
    double omega[5] = {0.1, 0.2, 0.3, 0.6, 0.7}, pi[5] = {0.6, 0.8, 0.9, 0.9, 0.95};
    cs_runlog *run;
    cs_metrics *m;
    cs_report *rep = plane_report(tu_path("pass.h5"), omega, pi, 0.5, 0.5, &run, &m);
    rm_plane p;
    cr_assert_eq(rm_plane_of(rep, &rep->runs[0], 1, &p), CS_OK);
    cr_expect_eq(p.quadrant, RM_Q_INTEGRATED);
    rm_plane_free(&p);
    char *json = render_text(cs_report_write_json, rep), *html = render_text(cs_report_write_html, rep);
    cr_expect(!strstr(json, "\"clever_idiot\":true") && strstr(json, "\"clever_idiot\":false"), "JSON");
    cr_expect(!strstr(html, "<p class=\"flag\">"), "no HTML flag");
    free(json);
    free(html);
    close_report(rep, run, m);
    /* the quadrants by definition, at the boundaries */
    cr_expect_eq(rm_plane_quadrant(0.5, 0.5, 0.5, 0.5), RM_Q_INTEGRATED);
    cr_expect_eq(rm_plane_quadrant(0.49, 0.5, 0.5, 0.5), RM_Q_CLEVER_IDIOT);
    cr_expect_eq(rm_plane_quadrant(0.49, 0.49, 0.5, 0.5), RM_Q_UNLEARNED);
    cr_expect_eq(rm_plane_quadrant(0.5, 0.49, 0.5, 0.5), RM_Q_INTEGRATING);
    cr_expect_eq(rm_plane_quadrant(NAN, 0.9, 0.5, 0.5), RM_Q_NONE);
}

Test(ipwt, plane_options_refuse_bad_values)
{
    double omega[5] = {0.1, 0.2, 0.3, 0.6, 0.7}, pi[5] = {0.6, 0.8, 0.9, 0.9, 0.95};
    cs_runlog *run;
    cs_metrics *m;
    cs_report *rep = plane_report(tu_path("opt.h5"), omega, pi, 0.5, 0.5, &run, &m);
    cs_report_destroy(rep);
    cs_report_options o;
    cs_report_options_default(&o);
    cs_report_run in = {.run = run, .metrics = m};
    double bad[4][2] = {{0, 0.5}, {1, 0.5}, {0.5, -0.1}, {0.5, NAN}};
    for (int i = 0; i < 4; i++) {
        o.plane_pi = bad[i][0];
        o.plane_omega = bad[i][1];
        cr_expect_eq(cs_report_create(&in, 1, &o, &rep), CS_EINVAL, "PI %g, Omega %g", bad[i][0], bad[i][1]);
        cr_expect(strstr(cs_last_error(), "thresholds"), "%s", cs_last_error());
    }
    /* a plane metric no run has: refused by name */
    o.plane_pi = 0.5;
    o.plane_omega = 0.5;
    o.plane_metric = "layer_omgea";
    cr_expect_eq(cs_report_create(&in, 1, &o, &rep), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "layer_omgea"), "%s", cs_last_error());
    o.plane_metric = "layer_omega";
    cr_expect_eq(cs_report_create(&in, 1, &o, &rep), CS_OK, "%s", cs_last_error());
    cs_report_destroy(rep);
    cs_runlog_close_reader(run);
    cs_metrics_destroy(m);
    char *path = tu_path("opt.h5"), cmd[600], *out = NULL, *err = NULL;
    struct {
        const char *args, *needle;
    } cases[] = {{"--plane-pi 0", "--plane-pi"},          {"--plane-pi 1", "--plane-pi"},
                 {"--plane-pi x", "--plane-pi"},          {"--plane-omega 1.5", "--plane-omega"},
                 {"--plane-omega -0.1", "--plane-omega"}, {"--plane-metric", "--plane-metric"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, "report %s --no-metrics %s", path, cases[i].args);
        int rc = tu_cli(cmd, &out, &err);
        cr_expect_eq(rc, 2, "'%s': exit %d (%s)", cmd, rc, err);
        cr_expect(err && strstr(err, cases[i].needle), "'%s': stderr '%s'", cmd, err);
        free(out);
        free(err);
    }
}
