/* The analysis on cogscope's own runs gives correct numbers, flags the
 * meaningless ones, and says what every aggregate is over (issue 14):
 *   - the output-layer check for every learning rule on the bundled digits
 *     run: analyze's I(T;Y) of the output layer >= H(Y) - final test
 *     cross-entropy - tolerance (the network's own predictive distribution
 *     bounds H(Y|T) by its cross-entropy on the probe set, which is the test
 *     set). Tolerances, docs/metrics.md "Output-layer check": 0.05 nats for
 *     the default gcopula estimator, 0.1 for ksg;
 *   - one unit set per layer for the whole run;
 *   - saturated binned values flagged;
 *   - spectra: "no power law" below R^2 0.8, peaks only when significant;
 *   - Omega is synergy / I(pair; label) everywhere, O-information never Omega;
 *   - aggregates over NaN say over how many values. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/observe.h"
#include "cogscope/report.h"
#include "cogscope/runlog.h"
#include "testutil.h"

static char *dir;

static void setup(void) { dir = tu_tmpdir(); }
static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

static const char *path_in(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void train(const char *rule, const char *out)
{
    char args[1024], *err = NULL;
    snprintf(args, sizeof args, "train --data digits --rule %s --layers 64,100,10 --seed 1 --out '%s'", rule, out);
    cr_assert_eq(tu_cli(args, NULL, &err), 0, "train %s: %s", rule, err);
    free(err);
}

static cs_metrics *analyze(const char *run, const char *metrics, const char *extra)
{
    char args[1024], *err = NULL, out[600];
    snprintf(out, sizeof out, "%s.%s.m.h5", run, extra[0] ? "x" : "d");
    snprintf(args, sizeof args, "analyze '%s' --metrics %s --out '%s' --quiet %s", run, metrics, out, extra);
    cr_assert_eq(tu_cli(args, NULL, &err), 0, "analyze: %s", err);
    free(err);
    cs_metrics *m;
    cr_assert_eq(cs_metrics_read(out, &m), CS_OK, "%s", cs_last_error());
    return m;
}

static const cs_metrics_array *get(const cs_metrics *m, const char *p)
{
    const cs_metrics_array *a = cs_metrics_get(m, p);
    cr_assert(a, "no %s in the metrics", p);
    return a;
}

/* H(Y) of the probe labels (plug-in) and the final test cross-entropy. */
static void bound_of(const char *run, double *hy, double *ce)
{
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(run, &r), CS_OK, "%s", cs_last_error());
    cs_matrix x;
    int32_t *y;
    cr_assert_eq(cs_runlog_read_probe(r, &x, &y), CS_OK, "%s", cs_last_error());
    size_t cnt[64] = {0};
    for (size_t i = 0; i < x.rows; i++)
        cnt[y[i]]++;
    *hy = 0;
    for (size_t c = 0; c < 64; c++)
        if (cnt[c])
            *hy -= (double)cnt[c] / (double)x.rows * log((double)cnt[c] / (double)x.rows);
    double *loss;
    size_t n;
    cr_assert_eq(cs_runlog_read_eval(r, "loss", &loss, &n), CS_OK, "%s", cs_last_error());
    cr_assert_gt(n, 0);
    *ce = loss[n - 1];
    free(loss);
    free(y);
    cs_matrix_free(&x);
    cs_runlog_close_reader(r);
}

/* The finding: I(T;Y) of output layers came out at -0.50 nats (EP, 97.8 %
 * accuracy) and far below H(Y) - CE (PyTorch). */
Test(honesty, output_layer_check_for_every_rule, .init = setup, .fini = teardown, .timeout = 600)
{
    const char *rules[] = {"bp", "fa", "dfa", "ep", "pc", "ff", "np"};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const char *run = path_in(rules[i]);
        char runh5[600];
        snprintf(runh5, sizeof runh5, "%s.h5", run);
        train(rules[i], runh5);
        double hy, ce;
        bound_of(runh5, &hy, &ce);
        struct {
            const char *flags;
            double tol;
        } ests[2] = {{"", 0.05}, {"--estimator ksg", 0.1}};
        for (int e = 0; e < 2; e++) {
            cs_metrics *m = analyze(runh5, "infoplane", ests[e].flags);
            const cs_metrics_array *ity = get(m, "/analysis/layers/2/ity");
            double last = ity->data[ity->count - 1];
            cr_expect(last >= hy - ce - ests[e].tol, "%s %s: I(T;Y) %.4f < H(Y) %.4f - CE %.4f - %.2f", rules[i],
                      ests[e].flags[0] ? ests[e].flags : "gcopula", last, hy, ce, ests[e].tol);
            cr_expect(last >= 0 && last <= hy + 1e-12, "%s: I(T;Y) %.4f outside [0, H(Y)]", rules[i], last);
            cs_metrics_destroy(m);
        }
    }
}

/* The finding: 57-63 units of a 64-unit layer were used at different
 * snapshots, so TC and O trends partly tracked the unit count. One set now,
 * the same at every snapshot, and the note says how many. */
Test(honesty, one_unit_set_per_layer, .init = setup, .fini = teardown, .timeout = 300)
{
    const char *run = path_in("bp.h5");
    train("bp", run);
    cs_metrics *m = analyze(run, "integration,pid", "");
    for (int layer = 1; layer <= 2; layer++) {
        char p[96];
        snprintf(p, sizeof p, "/analysis/layers/%d/units", layer);
        const cs_metrics_array *u = get(m, p);
        snprintf(p, sizeof p, "/analysis/layers/%d/n_units", layer);
        const cs_metrics_array *nu = get(m, p);
        size_t S = u->dims[0], cap = u->dims[1];
        for (size_t s = 1; s < S; s++) {
            cr_expect_eq(nu->data[s], nu->data[0], "layer %d snapshot %zu: %g units, %g at snapshot 0", layer, s,
                         nu->data[s], nu->data[0]);
            for (size_t j = 0; j < cap; j++)
                cr_expect(u->data[s * cap + j] == u->data[j] || (isnan(u->data[s * cap + j]) && isnan(u->data[j])),
                          "layer %d snapshot %zu: unit slot %zu differs", layer, s, j);
        }
        /* the note and the count agree */
        char want[128];
        snprintf(want, sizeof want, "layer %d: %.0f of ", layer, nu->data[0]);
        int found = 0;
        for (size_t i = 0; i < cs_metrics_note_count(m); i++)
            found |= strstr(cs_metrics_note(m, i), want) != NULL && strstr(cs_metrics_note(m, i), "every snapshot");
        cr_expect(found, "no note \"%s... at every snapshot\"", want);
    }
    cs_metrics_destroy(m);
}

/* The finding: with 450 probe samples and 30 bins per unit every layer-1
 * pattern was unique: I(X;T) = ln 450 and I(T;Y) = H(Y) at every snapshot,
 * drawn as a measurement. Now bins are chosen from the sample count and a
 * binned value whose layer takes more than N/5 states is flagged (metrics,
 * text, HTML). */
Test(honesty, saturated_binned_values_are_flagged, .init = setup, .fini = teardown, .timeout = 300)
{
    const char *run = path_in("bp.h5");
    train("bp", run);
    cs_metrics *m = analyze(run, "infoplane", "");
    for (int layer = 1; layer <= 2; layer++) {
        char p[96];
        snprintf(p, sizeof p, "/analysis/layers/%d/binned_saturated", layer);
        const cs_metrics_array *sat = get(m, p);
        snprintf(p, sizeof p, "/analysis/layers/%d/binned_states", layer);
        const cs_metrics_array *st = get(m, p);
        snprintf(p, sizeof p, "/analysis/layers/%d/binned_bins", layer);
        const cs_metrics_array *b = get(m, p);
        for (size_t s = 0; s < sat->count; s++) {
            cr_expect_eq(sat->data[s], st->data[s] > 450.0 / 5.0, "layer %d snapshot %zu", layer, s);
            /* adaptive: the largest b with b^units <= N/5, at least 2 */
            cr_expect_eq(b->data[s], (double)cs_obs_adaptive_bins(450, layer == 1 ? 100 : 10, 1));
        }
    }
    /* layer 1 (100 ReLU units): saturated at every snapshot, and said so */
    const cs_metrics_array *sat = get(m, "/analysis/layers/1/binned_saturated");
    for (size_t s = 0; s < sat->count; s++)
        cr_expect_eq(sat->data[s], 1.0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_eq(cs_report_metrics_text(f, m), CS_OK);
    fclose(f);
    cr_expect(strstr(text, "[saturated at 52 of 52 snapshots") != NULL, "%s", text);
    free(text);
    cr_expect_eq(cs_obs_adaptive_bins(450, 1, 1), 90);
    cr_expect_eq(cs_obs_adaptive_bins(450, 2, 10), 3); /* 3^2 * 10 = 90 <= 90 */
    cr_expect_eq(cs_obs_adaptive_bins(450, 100, 1), 2);
    cs_metrics_destroy(m);
}

/* The findings: 1/f^chi fits with R^2 0.12-0.24 were presented as power
 * laws, and peaks were listed with no significance. */
Test(honesty, spectra_say_no_power_law_and_test_peaks, .init = setup, .fini = teardown, .timeout = 300)
{
    const char *run = path_in("bp.h5");
    train("bp", run);
    cs_metrics *m = analyze(run, "spectra", "");
    const char *names[4] = {"loss", "pi", "surprise", "tau"};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_eq(cs_report_metrics_text(f, m), CS_OK);
    fclose(f);
    for (int i = 0; i < 4; i++) {
        char p[96];
        snprintf(p, sizeof p, "/analysis/spectra/%s/r_squared", names[i]);
        double r2 = get(m, p)->data[0];
        snprintf(p, sizeof p, "/analysis/spectra/%s/no_power_law", names[i]);
        double law = 1.0 - get(m, p)->data[0];
        cr_expect_eq(law, r2 >= 0.8 ? 1.0 : 0.0, "%s: R^2 %g, no_power_law %g", names[i], r2, 1 - law);
        snprintf(p, sizeof p, "/analysis/spectra/%s/peaks", names[i]);
        const cs_metrics_array *pk = get(m, p);
        if (!law)
            cr_expect_eq(pk->dims[0], 0, "%s: peaks listed without a power law", names[i]);
        snprintf(p, sizeof p, "/analysis/spectra/%s/fit_range", names[i]);
        cr_expect_eq(get(m, p)->count, 2);
        char want[64];
        snprintf(want, sizeof want, "  %-9s %s", names[i], law ? "chi" : "no power law");
        cr_expect(strstr(text, want) != NULL, "%s not in %s", want, text);
    }
    free(text);
    cs_metrics_destroy(m);
}

/* The finding: Omega meant O-information in docs/metrics.md and synergy / MI
 * in the report. One Omega (IPWT: synergistic / total information about the
 * target): the stored pid_omega is synergy / I(pair; label), and the docs
 * never call O-information Omega. */
Test(honesty, one_omega, .init = setup, .fini = teardown, .timeout = 300)
{
    const char *run = path_in("bp.h5");
    train("bp", run);
    cs_metrics *m = analyze(run, "pid", "");
    const cs_metrics_array *om = get(m, "/analysis/layers/2/pid_omega"),
                           *sy = get(m, "/analysis/layers/2/pid_synergy"), *mi = get(m, "/analysis/layers/2/pid_mi");
    size_t checked = 0;
    for (size_t i = 0; i < om->count; i++)
        if (isfinite(om->data[i])) {
            cr_expect(fabs(om->data[i] - sy->data[i] / mi->data[i]) < 1e-12);
            checked++;
        }
    cr_expect_gt(checked, 0);
    cs_metrics_destroy(m);
    /* the report's JSON and HTML say over how many pairs the mean Omega is */
    char args[1024], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "report '%s' --metrics '%s.d.m.h5' --format json", run, run);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"layers/2/omega_mean_last\":{\"mean\":") != NULL && strstr(out, "\"total\":8"), "%s",
              out);
    free(out);
    free(err);
    snprintf(args, sizeof args, "report '%s' --metrics '%s.d.m.h5' --format html", run, run);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "layers/2/omega_mean_last: ") != NULL && strstr(out, " of 8 top pairs"),
              "no counts in HTML");
    free(out);
    free(err);
    char *doc = tu_slurp(COGSCOPE_SOURCE_DIR "/docs/metrics.md");
    cr_assert(doc);
    for (char *line = strtok(doc, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, "O-information") || strstr(line, "TC − DTC"))
            cr_expect(strstr(line, "Ω") == NULL || strstr(line, "never"), "docs/metrics.md calls O-information Ω: %s",
                      line);
    free(doc);
}

/* The finding: Phi_R of PC relaxations was NaN in 17 of 27 relaxations, yet
 * the report said "mean over 27 relaxations". */
Test(honesty, aggregates_say_over_how_many)
{
    cs_metrics *m;
    cr_assert_eq(cs_metrics_create(&m), CS_OK);
    double v[27];
    for (int i = 0; i < 27; i++)
        v[i] = i < 10 ? 0.1 * (i + 1) : NAN;
    cr_assert_eq(cs_metrics_put1(m, "/analysis/layers/1/relax_phi_r", 27, v, "nats", "test"), CS_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_eq(cs_report_metrics_text(f, m), CS_OK);
    fclose(f);
    cr_expect(strstr(text, "0.5500 (mean over 10 of 27 relaxations; 17 NaN") != NULL, "%s", text);
    free(text);

    cs_metrics_destroy(m);
}

/* The finding: EP and FF "succeeded" after diverging (--lr 1e308: weights
 * inf or NaN at every step, exit 0); the other rules stopped. Now every rule
 * stops with "diverged", exits 1, and the log is marked as ending in
 * divergence rather than closed as if finished. */
Test(honesty, divergence_is_an_error_for_every_rule, .init = setup, .fini = teardown, .timeout = 300)
{
    const char *rules[] = {"ep", "ff", "bp", "fa", "dfa", "pc", "np"};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        char args[1024], *out = NULL, *err = NULL;
        const char *run = path_in(rules[i]);
        snprintf(args, sizeof args,
                 "train --data digits --rule %s --layers 64,100,10 --epochs 1 --lr 1e308 --seed 1 --out '%s'",
                 rules[i], run);
        cr_expect_eq(tu_cli(args, &out, &err), 1, "%s: %s", rules[i], err);
        cr_expect(err && strstr(err, "diverged"), "%s: %s", rules[i], err);
        free(out);
        free(err);
        snprintf(args, sizeof args, "info '%s' --json", run);
        cr_assert_eq(tu_cli(args, &out, &err), 0, "%s: %s", rules[i], err);
        cr_expect(strstr(out, "\"state\":\"diverged\"") != NULL, "%s: %s", rules[i], out);
        free(out);
        free(err);
        cs_runlog *r;
        cr_assert_eq(cs_runlog_open(run, &r), CS_OK, "%s", cs_last_error());
        cr_expect_str_eq(cs_runlog_get_info(r)->end_state, "diverged");
        cr_expect(strstr(cs_runlog_get_info(r)->end_reason, "training diverged at step") != NULL);
        cs_runlog_close_reader(r);
    }
}

/* ln PI is logged next to PI, from the log domain: exp(ln PI) = PI. */
Test(honesty, log_pi_in_the_run_log, .init = setup, .fini = teardown, .timeout = 300)
{
    const char *run = path_in("bp.h5");
    train("bp", run);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(run, &r), CS_OK, "%s", cs_last_error());
    cr_expect_str_eq(cs_runlog_get_info(r)->end_state, "");
    double *pi, *lp;
    size_t n1, n2;
    cr_assert_eq(cs_runlog_read_steps(r, "pi", &pi, &n1), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_read_steps(r, "log_pi", &lp, &n2), CS_OK, "%s", cs_last_error());
    cr_assert_eq(n1, n2);
    for (size_t i = 0; i < n1; i++)
        cr_expect_eq(exp(lp[i]), pi[i], "step %zu", i);
    free(pi);
    free(lp);
    cr_assert_eq(cs_runlog_read_eval(r, "log_pi", &lp, &n2), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_read_eval(r, "pi", &pi, &n1), CS_OK, "%s", cs_last_error());
    for (size_t i = 0; i < n1; i++)
        cr_expect(fabs(exp(lp[i]) - pi[i]) <= 1e-12 * pi[i], "eval %zu: %.17g vs %.17g", i, exp(lp[i]), pi[i]);
    free(pi);
    free(lp);
    cs_runlog_close_reader(r);
}
