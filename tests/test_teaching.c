/* The teaching-signal measures of analyze (--metrics teaching,
 * src/observe/teaching.c) on a run log written through the run-log API
 * with constructed activations, errors, reference errors and labels whose
 * information has a closed form:
 *
 *   layer "a" (3 units): T = Z1, delta = r1 Z1 + sqrt(1 - r1^2) Z2,
 *     delta_BP = r2 delta + sqrt(1 - r2^2) Z3, Y independent of all:
 *     I(T;delta) = -3/2 ln(1 - r1^2), I(delta;delta_BP) = -3/2 ln(1 - r2^2),
 *     I(delta;Y) = 0 (Gaussian vector MI, Cover & Thomas eq. 8.56);
 *   layer "b" (1 unit): delta = mu (2Y - 1) + Z, T independent: I(delta;Y)
 *     of the two-component Gaussian mixture (tests/data/gen_teaching_mi.py,
 *     scipy quadrature: 0.336830820347 nats for mu = 1), I(T;delta) = 0;
 *     delta_BP = delta (flag err_ref_same, I(delta;delta_BP) NaN);
 *   layer "c" (2 units): delta = 0 (flag err_zero, every value NaN);
 *   layer "d" (1 unit): T = Z1, delta = Z1 + m (2Y - 1) + s Z2 (m = s = 0.5):
 *     alone neither tells much, together they give delta - T = m (2Y - 1) +
 *     s Z2. The PID and Omega (cogscope/omega.h) estimate each MI with the
 *     Gaussian class model, I = 1/2 ln(det Cov / det Cov within classes),
 *     whose value here (equal class covariances) is closed: I(T,delta;Y) =
 *     1/2 ln(1 + m^2/s^2) = 0.3466, I(delta;Y) = 1/2 ln(1 + m^2/(1 + s^2)) =
 *     0.0912, I(T;Y) = 0; MMI: redundancy 0, unique T 0, unique delta 0.0912,
 *     synergy 0.2554, synergy / I = 0.7370 (for a class mixture the model is
 *     an upper bound of the true MI: 0.3466 against 0.3368 at separation 2
 *     sd, layer b);
 *   layer "e" (2 units): delta = (Z1, Z1 + m (2Y - 1) + s Z2), T noise: Omega
 *     of delta over its two units (the only bipartition) = the same 0.7370;
 *     the PID of (T, delta) is all unique to delta (synergy 0);
 *   layer "f" (2 units): delta = (Z1, Z2) in class 0 and (Z1, Z1) in class 1,
 *     delta_BP = delta + Z3 / 2, T noise: class 1's covariance of delta is
 *     singular up to rounding, so I(delta;Y) is NaN with a note or, where
 *     the rounding leaves it positive, clamped to H(Y) and flagged, while
 *     I(T;delta) = 0 and I(delta;delta_BP) do not use class covariances and
 *     are measured (a machine whose training reached such a snapshot used
 *     to lose every measure of the layer with the first).
 *
 * Tolerances: 4 sampling sd of the estimate at 2000 samples, measured over
 * 20 seeds x 2 snapshots of this construction (gcopula | gaussian: mean, sd
 * in nats): I(T;delta) 0.662 | 0.666, sd 0.020; I(delta;delta_BP) 1.528 |
 * 1.535, sd 0.029; I(delta;Y) = 0: 0.005 | 0.003, sd 0.002; the mixture
 * 0.342 | 0.338, sd 0.024 | 0.016; I(T;delta) = 0: 0.000, sd 0.0004. PID of
 * layer d: synergy 0.253 | 0.255, sd 0.011; I 0.345 | 0.347, sd 0.013;
 * unique delta 0.092, sd 0.008; redundancy 0.0002, sd 0.0004; synergy / I
 * 0.734, sd 0.019; Omega of e 0.736 | 0.737, sd 0.020, its synergy sd 0.011,
 * I sd 0.012; zero synergies (b, e) sd 0.001; b's unique delta 0.325 |
 * 0.346, sd 0.018 (against the true 0.3368: the copula of a mixture is not
 * Gaussian within classes). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cogscope/metrics.h"
#include "cogscope/observe.h"
#include "cogscope/rng.h"
#include "cogscope/runlog.h"
#include "testutil.h"

#define N 2000
#define SNAPS 2
static const double R1 = 0.6, R2 = 0.8, MU = 1.0;
static const double MIX_MI = 0.336830820347; /* tests/data/gen_teaching_mi.py */
static const double MU2 = 0.5, SIG = 0.5;
/* The Gaussian class model's I of layer d: (T, delta) and delta */
#define MODEL_JOINT (0.5 * log(1.0 + MU2 * MU2 / (SIG * SIG)))
#define MODEL_DELTA (0.5 * log(1.0 + MU2 * MU2 / (1.0 + SIG * SIG)))
#define NL 6

typedef struct {
    float *act, *err, *ref; /* N x units each */
} layer_data;

/* The three layers' data of one snapshot from stream `snap` of seed `seed`. */
static void make_snapshot(uint64_t seed, size_t snap, const int32_t *y, layer_data d[NL])
{
    cs_rng *rng;
    cr_assert_eq(cs_rng_create_stream(seed, 100 + snap, &rng), CS_OK);
    double s1 = sqrt(1 - R1 * R1), s2 = sqrt(1 - R2 * R2);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < 3; j++) {
            double z1 = cs_rng_gaussian(rng, 1), z2 = cs_rng_gaussian(rng, 1), z3 = cs_rng_gaussian(rng, 1);
            double e = R1 * z1 + s1 * z2;
            d[0].act[i * 3 + j] = (float)z1;
            d[0].err[i * 3 + j] = (float)e;
            d[0].ref[i * 3 + j] = (float)(R2 * e + s2 * z3);
        }
        d[1].act[i] = (float)cs_rng_gaussian(rng, 1);
        d[1].err[i] = (float)(MU * (2.0 * y[i] - 1.0) + cs_rng_gaussian(rng, 1));
        d[1].ref[i] = d[1].err[i];
        for (size_t j = 0; j < 2; j++) {
            d[2].act[i * 2 + j] = (float)cs_rng_gaussian(rng, 1);
            d[2].err[i * 2 + j] = 0.0f;
            d[2].ref[i * 2 + j] = (float)cs_rng_gaussian(rng, 1);
        }
        double z1 = cs_rng_gaussian(rng, 1), sign = 2.0 * y[i] - 1.0;
        d[3].act[i] = (float)z1;
        d[3].err[i] = (float)(z1 + MU2 * sign + SIG * cs_rng_gaussian(rng, 1));
        d[3].ref[i] = (float)cs_rng_gaussian(rng, 1);
        double z3 = cs_rng_gaussian(rng, 1);
        d[4].err[i * 2] = (float)z3;
        d[4].err[i * 2 + 1] = (float)(z3 + MU2 * sign + SIG * cs_rng_gaussian(rng, 1));
        for (size_t j = 0; j < 2; j++) {
            d[4].act[i * 2 + j] = (float)cs_rng_gaussian(rng, 1);
            d[4].ref[i * 2 + j] = (float)cs_rng_gaussian(rng, 1);
        }
    }
    cs_rng_destroy(rng);
    /* layer f from its own stream: the other layers' data stay as they were */
    cr_assert_eq(cs_rng_create_stream(seed, 200 + snap, &rng), CS_OK);
    for (size_t i = 0; i < N; i++) {
        double z1 = cs_rng_gaussian(rng, 1), z2 = cs_rng_gaussian(rng, 1);
        for (size_t j = 0; j < 2; j++) {
            double e = j && !y[i] ? z2 : z1;
            d[5].act[i * 2 + j] = (float)cs_rng_gaussian(rng, 1);
            d[5].err[i * 2 + j] = (float)e;
            d[5].ref[i * 2 + j] = (float)(e + 0.5 * cs_rng_gaussian(rng, 1));
        }
    }
    cs_rng_destroy(rng);
}

enum { WITH_REF = 1, WITH_ERR = 2, NAN_ERR = 4, FULL = WITH_REF | WITH_ERR };

/* The log: probe of N samples (4 random inputs, alternating binary labels),
 * layers a, b, c with activations and (what) errors, reference_errors;
 * NAN_ERR: one NaN in layer a's errors at snapshot 1. */
static void write_log(const char *path, uint64_t seed, unsigned what)
{
    static const size_t units[NL] = {3, 1, 2, 1, 2, 2};
    static const char *const names[NL] = {"a", "b", "c", "d", "e", "f"};
    cs_runlog_writer *w;
    cr_assert_eq(cs_runlog_create(path, NULL, &w), CS_OK, "%s", cs_last_error());
    cs_runlog_handle h[NL][3];
    const char *ds[3] = {"activations", "errors", "reference_errors"};
    for (size_t l = 0; l < NL; l++) {
        size_t idx, shape[2] = {N, units[l]};
        cr_assert_eq(cs_runlog_add_layer(w, names[l], &idx), CS_OK, "%s", cs_last_error());
        for (size_t k = 0; k < 3; k++)
            if (k == 0 || (what & (k == 1 ? WITH_ERR : WITH_REF)))
                cr_assert_eq(cs_runlog_declare_snapshot(w, idx, ds[k], 2, shape, &h[l][k]), CS_OK, "%s",
                             cs_last_error());
    }
    float *x = malloc(N * 4 * sizeof *x);
    int32_t *y = malloc(N * sizeof *y);
    cs_rng *rng;
    cr_assert_eq(cs_rng_create_stream(seed, 1, &rng), CS_OK);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < 4; j++)
            x[i * 4 + j] = (float)cs_rng_gaussian(rng, 1);
        y[i] = (int32_t)(i % 2);
    }
    cs_rng_destroy(rng);
    cr_assert_eq(cs_runlog_set_probe(w, x, N, 4, y), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_start(w), CS_OK, "%s", cs_last_error());
    layer_data d[NL];
    for (size_t l = 0; l < NL; l++) {
        d[l].act = malloc(N * units[l] * sizeof(float));
        d[l].err = malloc(N * units[l] * sizeof(float));
        d[l].ref = malloc(N * units[l] * sizeof(float));
    }
    for (size_t s = 0; s < SNAPS; s++) {
        make_snapshot(seed, s, y, d);
        if ((what & NAN_ERR) && s == 1)
            d[0].err[5] = NAN;
        for (size_t l = 0; l < NL; l++) {
            cr_assert_eq(cs_runlog_put_snapshot(w, h[l][0], d[l].act), CS_OK, "%s", cs_last_error());
            if (what & WITH_ERR)
                cr_assert_eq(cs_runlog_put_snapshot(w, h[l][1], d[l].err), CS_OK, "%s", cs_last_error());
            if (what & WITH_REF)
                cr_assert_eq(cs_runlog_put_snapshot(w, h[l][2], d[l].ref), CS_OK, "%s", cs_last_error());
        }
        cr_assert_eq(cs_runlog_end_snapshot(w, (int64_t)s * 10), CS_OK, "%s", cs_last_error());
    }
    for (size_t l = 0; l < NL; l++) {
        free(d[l].act);
        free(d[l].err);
        free(d[l].ref);
    }
    free(x);
    free(y);
    cr_assert_eq(cs_runlog_close(w), CS_OK, "%s", cs_last_error());
}

static const cs_metrics_array *get(const cs_metrics *m, const char *layer, const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "/analysis/layers/%s/%s", layer, name);
    const cs_metrics_array *a = cs_metrics_get(m, path);
    cr_assert_not_null(a, "%s missing", path);
    cr_assert_eq(a->count, SNAPS, "%s: %zu values", path, a->count);
    return a;
}

static void expect_near(const cs_metrics *m, const char *layer, const char *name, double want, double tol)
{
    const cs_metrics_array *a = get(m, layer, name);
    for (size_t s = 0; s < SNAPS; s++)
        cr_expect(fabs(a->data[s] - want) <= tol, "layer %s %s[%zu] = %.4f, closed form %.4f (tolerance %.3f)", layer,
                  name, s, a->data[s], want, tol);
}

static void expect_all(const cs_metrics *m, const char *layer, const char *name, double want)
{
    const cs_metrics_array *a = get(m, layer, name);
    for (size_t s = 0; s < SNAPS; s++)
        cr_expect(isnan(want) ? isnan(a->data[s]) : a->data[s] == want, "layer %s %s[%zu] = %g, want %g", layer, name,
                  s, a->data[s], want);
}

static cs_metrics *analyze(const char *path, cs_info_estimator e, size_t surrogates)
{
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.metrics = CS_OBS_TEACHING;
    p.estimator = e;
    p.threads = 1;
    p.surrogates = surrogates;
    cs_metrics *m = NULL;
    cr_assert_eq(cs_obs_analyze(r, &p, &m), CS_OK, "%s", cs_last_error());
    cs_runlog_close_reader(r);
    return m;
}

static void check_closed_forms(cs_info_estimator e)
{
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/teach.h5", dir);
    write_log(path, 5, FULL);
    cs_metrics *m = analyze(path, e, 0);
    double itd = -1.5 * log(1 - R1 * R1), iref = -1.5 * log(1 - R2 * R2);
    expect_near(m, "a", "err_itd", itd, 0.08);
    expect_near(m, "a", "err_ref_mi", iref, 0.12);
    expect_near(m, "a", "err_ity", 0.0, 0.02);
    expect_all(m, "a", "err_ref_same", 0);
    expect_all(m, "a", "err_zero", 0);
    expect_all(m, "a", "err_dims", 3);
    expect_near(m, "b", "err_ity", MIX_MI, 0.10);
    expect_near(m, "b", "err_itd", 0.0, 0.02);
    expect_all(m, "b", "err_ref_same", 1);
    expect_all(m, "b", "err_ref_mi", NAN);
    expect_all(m, "c", "err_zero", 1);
    expect_all(m, "c", "err_ity", NAN);
    expect_all(m, "c", "err_itd", NAN);
    expect_all(m, "c", "err_ref_mi", NAN);
    expect_all(m, "c", "err_pid_synergy", NAN);
    expect_all(m, "c", "err_omega", NAN);
    /* PID and Omega (cs_omega_pid, cs_omega_layer) */
    expect_near(m, "d", "err_pid_synergy", MODEL_JOINT - MODEL_DELTA, 0.045);
    expect_near(m, "d", "err_pid_mi", MODEL_JOINT, 0.052);
    expect_near(m, "d", "err_pid_unique_err", MODEL_DELTA, 0.032);
    expect_near(m, "d", "err_pid_redundancy", 0.0, 0.002);
    expect_near(m, "d", "err_pid_unique_act", 0.0, 0.001);
    expect_near(m, "d", "err_pid_omega", (MODEL_JOINT - MODEL_DELTA) / MODEL_JOINT, 0.076);
    expect_all(m, "d", "err_pid_meaningless", 0);
    expect_all(m, "d", "err_omega_meaningless", 1); /* one unit: no halves */
    expect_all(m, "d", "err_omega", NAN);
    expect_near(m, "e", "err_omega", (MODEL_JOINT - MODEL_DELTA) / MODEL_JOINT, 0.08);
    expect_near(m, "e", "err_omega_synergy", MODEL_JOINT - MODEL_DELTA, 0.044);
    expect_near(m, "e", "err_omega_mi", MODEL_JOINT, 0.048);
    expect_all(m, "e", "err_omega_meaningless", 0);
    expect_near(m, "e", "err_pid_synergy", 0.0, 0.004);
    expect_near(m, "b", "err_pid_unique_err", MIX_MI, 0.072);
    expect_near(m, "b", "err_pid_synergy", 0.0, 0.004);
    expect_all(m, "a", "err_pid_meaningless", 1); /* Y independent of all: I below 0.01 nats */
    expect_all(m, "a", "err_pid_omega", NAN);
    cs_metrics_destroy(m);
    unlink(path);
    rmdir(dir);
    free(dir);
}

Test(teaching, gaussian_closed_forms_gcopula) { check_closed_forms(CS_EST_GCOPULA); }
Test(teaching, gaussian_closed_forms_gaussian) { check_closed_forms(CS_EST_GAUSSIAN); }

static int has_note(const cs_metrics *m, const char *text)
{
    for (size_t i = 0; i < cs_metrics_note_count(m); i++)
        if (strstr(cs_metrics_note(m, i), text))
            return 1;
    return 0;
}

/* Layer f: class 1's two error units are equal, so the copula class model
 * of I(δ;Y) (gcopula, analyze's default) has a singular covariance there:
 * that one measure is NaN with a note naming it, while I(T;δ) (T
 * independent: 0) and I(δ;δ_BP) do not use class covariances and are still
 * measured. I(δ;δ_BP) is not Gaussian here (a mixture of two classes); the
 * bound below is far under its value (about 1.5 nats: 2 units at signal to
 * noise 4) and far above the 0.02 nats of independent noise. */
Test(teaching, one_impossible_measure_leaves_the_others)
{
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/teach.h5", dir);
    write_log(path, 5, FULL);
    cs_metrics *m = analyze(path, CS_EST_GCOPULA, 0);
    /* Class 1's covariance is singular only up to rounding (after the PCA and
     * the copula): its last Cholesky pivot is +-1e-17-sized, negative on some
     * machines and positive on others (the AMD EPYC and the Intel Xeon model
     * 207 of 2026-12-02 differed; an Intel model 167 gave ln 2 - O(1e-13),
     * unflagged). The pivot tolerance (CS_GAUSS_PIVOT_TOL) makes it singular
     * on every machine: NaN with a note, and the measures below must not
     * depend on it. */
    const cs_metrics_array *ity = get(m, "f", "err_ity");
    for (size_t s = 0; s < SNAPS; s++)
        cr_expect(isnan(ity->data[s]), "I(δ;Y)[%zu] = %.17g: a value from a covariance singular up to rounding", s,
                  ity->data[s]);
    cr_expect(has_note(m, "teaching signal: I(δ;Y): ") && has_note(m, "singular"),
              "I(δ;Y) NaN without a note naming the singular covariance");
    expect_near(m, "f", "err_itd", 0.0, 0.02);
    const cs_metrics_array *ref = get(m, "f", "err_ref_mi");
    for (size_t s = 0; s < SNAPS; s++)
        cr_expect(isfinite(ref->data[s]) && ref->data[s] > 0.3, "I(δ;δ_BP)[%zu] = %g", s, ref->data[s]);
    cs_metrics_destroy(m);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* With surrogates: every entry of the teaching group is written, and the
 * p-value of a dependence no permutation reaches is the smallest there is,
 * 1 / (1 + surrogates). */
Test(teaching, every_entry_written_and_permutation_p_values)
{
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/teach.h5", dir);
    write_log(path, 7, FULL);
    cs_metrics *m = analyze(path, CS_EST_GCOPULA, 9);
    for (size_t i = 0; i < cs_obs_metric_count(); i++) {
        cs_obs_metric_info e;
        cr_assert_eq(cs_obs_metric_get(i, &e), CS_OK);
        if (e.groups != CS_OBS_TEACHING)
            continue;
        get(m, "a", e.name);
        get(m, "c", e.name);
    }
    expect_all(m, "a", "err_itd_p", 0.1);
    expect_all(m, "a", "err_ref_p", 0.1);
    expect_all(m, "b", "err_ity_p", 0.1);
    expect_all(m, "c", "err_ity_p", NAN);
    expect_all(m, "d", "err_pid_synergy_p", 0.1);
    expect_all(m, "e", "err_omega_p", 0.1);
    cs_metrics_destroy(m);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* What the log lacks or spoils is a note and NaN, never a crash or a number:
 * no reference_errors (one note, I(delta;delta_BP) NaN, the rest measured);
 * no errors at all (the group skipped with a note); a NaN in the errors
 * (that snapshot's values NaN, a note naming the dataset). */
Test(teaching, missing_and_damaged_errors)
{
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/noref.h5", dir);
    write_log(path, 5, WITH_ERR);
    cs_metrics *m = analyze(path, CS_EST_GCOPULA, 0);
    cr_expect(has_note(m, "I(δ;δ_BP) not measured (the log has no reference_errors"), "no note on the reference");
    expect_all(m, "a", "err_ref_mi", NAN);
    expect_near(m, "a", "err_itd", -1.5 * log(1 - R1 * R1), 0.08);
    cs_metrics_destroy(m);
    unlink(path);

    snprintf(path, sizeof path, "%s/noerr.h5", dir);
    write_log(path, 5, 0);
    m = analyze(path, CS_EST_GCOPULA, 0);
    cr_expect(has_note(m, "teaching signal: skipped"), "no note on the skipped group");
    cr_expect_null(cs_metrics_get(m, "/analysis/layers/a/err_ity"));
    cs_metrics_destroy(m);
    unlink(path);

    snprintf(path, sizeof path, "%s/nan.h5", dir);
    write_log(path, 5, FULL | NAN_ERR);
    m = analyze(path, CS_EST_GCOPULA, 0);
    const cs_metrics_array *a = get(m, "a", "err_itd");
    cr_expect(isfinite(a->data[0]) && isnan(a->data[1]), "err_itd = %g, %g", a->data[0], a->data[1]);
    cr_expect(has_note(m, "errors"), "no note on the NaN errors");
    cs_metrics_destroy(m);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* A trained run end to end: fa with --reference-errors on digits. FA's output
 * delta is backprop's (softmax - onehot; only the hidden deltas go through
 * the fixed feedback matrix), so the output layer is flagged err_ref_same with
 * I(delta;delta_BP) NaN, while the hidden layer's is measured (finite, > 0);
 * a bp run of the same data has no reference_errors and every layer flagged. */
Test(teaching, trained_fa_and_bp_runs, .timeout = 120)
{
    char *dir = tu_tmpdir(), cmd[1024], path[600];
    const char *rules[] = {"fa", "bp"};
    for (int r = 0; r < 2; r++) {
        snprintf(path, sizeof path, "%s/%s.h5", dir, rules[r]);
        snprintf(cmd, sizeof cmd,
                 "train --data digits --rule %s --layers 64,24,10 --epochs 1 --log-every 40 --probe-size 200 "
                 "--seed 3 --threads 1 --reference-errors --out %s --quiet",
                 rules[r], path);
        cr_assert_eq(tu_cli(cmd, NULL, NULL), 0, "%s", cmd);
        cs_metrics *m = analyze(path, CS_EST_GCOPULA, 0);
        const cs_metrics_array *out = cs_metrics_get(m, "/analysis/layers/2/err_ref_same"),
                               *hid = cs_metrics_get(m, "/analysis/layers/1/err_ref_same"),
                               *mi = cs_metrics_get(m, "/analysis/layers/1/err_ref_mi");
        cr_assert(out && hid && mi && out->count >= 2, "%s: the teaching metrics are missing", rules[r]);
        for (size_t s = 0; s < out->count; s++) {
            cr_expect_eq(out->data[s], 1.0, "%s: output layer snapshot %zu not flagged", rules[r], s);
            cr_expect_eq(hid->data[s], r == 1 ? 1.0 : 0.0, "%s: hidden layer snapshot %zu flag %g", rules[r], s,
                         hid->data[s]);
            cr_expect(r == 1 ? isnan(mi->data[s]) : isfinite(mi->data[s]) && mi->data[s] > 0.0,
                      "%s: hidden I(delta;delta_BP)[%zu] = %g", rules[r], s, mi->data[s]);
        }
        cs_metrics_destroy(m);
        unlink(path);
    }
    rmdir(dir);
    free(dir);
}
