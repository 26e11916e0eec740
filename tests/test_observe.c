/* The analysis pipeline (src/observe/, `cogscope analyze`): synthetic run logs
 * written through the run-log writer with known answers, a real training
 * run end to end, determinism, the metrics file, bad input.
 *
 * Known answers used below (all closed forms, none from this code):
 *  - XOR layer (x1, x2 fair bits, x3 = x1 ^ x2 flipped with probability
 *    q = 0.1, label y = x1 ^ x2), with sample counts in exact proportion so
 *    the plug-in distribution is the true one: H(x3 | x1, x2) = h(q), so
 *    TC = 1 - h(q), DTC = 2 - 2 h(q), O = -(1 - h(q)) bits; binned I(X;T) =
 *    H(T) - H(T|X) = 2 bits, I(T;Y) = 1 bit; the pair (x1, x2) carries 1 bit
 *    about y, all of it synergy (MMI redundancy min(I(x1;y), I(x2;y)) = 0),
 *    so Omega = 1; the next pairs carry only 1 - h(q) bits.
 *  - period-2 loss 1 + 0.5 (-1)^t: after constant detrending a Hann segment
 *    of 256 sees 0.5 (-1)^t, whose DFT at the Nyquist bin is 0.5 sum(w) = 64;
 *    density scaling divides |.|^2 by sum(w^2) = 96 and does not double the
 *    Nyquist bin: PSD(0.5) = 4096 / 96 = 128/3 per step.
 *  - PI formulas of docs/metrics.md evaluated here with exp().
 */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>

#include "cogscope/observe.h"
#include "cogscope/rng.h"
#include "cogscope/runlog.h"
#include "cogscope/trainlog.h"
#include "observe_testutil.h"
#include "testutil.h"

/* ---- synthetic logs ------------------------------------------------------- */

typedef void (*fill_fn)(size_t snap, size_t layer, size_t probe, size_t units, float *out, void *ctx);
typedef void (*step_fn)(size_t s, double *loss, double *tau, double *surprise, void *ctx);

typedef struct {
    const size_t *layers;
    size_t n_layers;
    size_t probe;
    const float *inputs;
    const int32_t *labels;
    size_t snapshots;
    fill_fn fill;
    size_t steps, steps_per_epoch;
    step_fn step;
    double alpha, gamma;
    void *ctx;
} synth;

static double test_pi(double eps, double tau, double s, double alpha, double gamma)
{
    return exp(-alpha * ((1 - gamma) * eps / (tau + 1e-9) + gamma * s));
}

static void write_synth(const char *path, const synth *sy)
{
    cs_trainlog_spec spec = {.rule = "bp",
                             .activation = "tanh",
                             .dataset = "synthetic",
                             .optimizer = "sgd",
                             .layers = sy->layers,
                             .n_layers = sy->n_layers,
                             .seed = 1,
                             .lr = 0.1,
                             .batch = 8,
                             .epochs = 3,
                             .log_every = 10,
                             .pi_alpha = sy->alpha,
                             .pi_gamma = sy->gamma,
                             .probe_size = sy->probe,
                             .probe_inputs = sy->inputs,
                             .probe_labels = sy->labels,
                             .flush_interval = 1e9};
    cs_trainlog *w;
    cr_assert_eq(cs_trainlog_create(path, &spec, &w), CS_OK, "%s", cs_last_error());
    size_t L = sy->n_layers - 1;
    double zeros[8] = {0}, nans[8];
    for (int i = 0; i < 8; i++)
        nans[i] = NAN;
    for (size_t s = 0; s < sy->steps; s++) {
        double loss = 1, tau = 1, sur = 1;
        if (sy->step)
            sy->step(s, &loss, &tau, &sur, sy->ctx);
        cs_trainlog_step r = {.step = (int64_t)s,
                              .epoch = (int32_t)(s / sy->steps_per_epoch),
                              .loss = loss,
                              .tau = tau,
                              .surprise = sur,
                              .pi = test_pi(loss, tau, sur, sy->alpha, sy->gamma),
                              .batch_acc = 0.5,
                              .lr = 0.1,
                              .weight_norm = zeros,
                              .update_norm = zeros,
                              .bp_angle_deg = nans};
        cr_assert_eq(cs_trainlog_append_step(w, &r), CS_OK, "%s", cs_last_error());
    }
    float *act[8], *err[8];
    for (size_t l = 0; l < L; l++) {
        act[l] = calloc(sy->probe * sy->layers[l + 1], sizeof(float));
        err[l] = calloc(sy->probe * sy->layers[l + 1], sizeof(float));
    }
    for (size_t s = 0; s < sy->snapshots; s++) {
        for (size_t l = 0; l < L; l++)
            sy->fill(s, l + 1, sy->probe, sy->layers[l + 1], act[l], sy->ctx);
        cr_assert_eq(cs_trainlog_append_snapshot(w, (int64_t)(s * 10), (const float *const *)act,
                                                 (const float *const *)err),
                     CS_OK, "%s", cs_last_error());
    }
    for (size_t l = 0; l < L; l++) {
        free(act[l]);
        free(err[l]);
    }
    cr_assert_eq(cs_trainlog_close(w), CS_OK, "%s", cs_last_error());
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

static double h2(double q) { return -(q * log2(q) + (1 - q) * log2(1 - q)); }

/* ---- XOR layer --------------------------------------------------------------- */

#define XOR_N 800
typedef struct {
    float x[XOR_N][3];
} xor_ctx;

static void fill_xor(size_t snap, size_t layer, size_t probe, size_t units, float *out, void *vctx)
{
    xor_ctx *c = vctx;
    for (size_t i = 0; i < probe; i++)
        for (size_t j = 0; j < units; j++)
            out[i * units + j] = layer == 1 ? c->x[i][j] : (j == 0 ? c->x[i][0] : (float)(snap + i % 3));
}

static void make_xor(xor_ctx *c, float *inputs, int32_t *labels)
{
    /* 200 samples per (x1, x2); exactly 20 of them (10 %) flip x3. */
    for (size_t i = 0; i < XOR_N; i++) {
        int x1 = (int)(i / 400), x2 = (int)((i / 200) % 2), flip = (i % 200) < 20;
        c->x[i][0] = (float)x1;
        c->x[i][1] = (float)x2;
        c->x[i][2] = (float)((x1 ^ x2) ^ flip);
        inputs[2 * i] = (float)x1;
        inputs[2 * i + 1] = (float)x2;
        labels[i] = x1 ^ x2;
    }
}

Test(observe, xor_layer_has_negative_oinfo_omega_one_and_exact_binned_plane)
{
    static xor_ctx c;
    static float inputs[2 * XOR_N];
    static int32_t labels[XOR_N];
    make_xor(&c, inputs, labels);
    char *dir = tu_tmpdir(), *path = path_in(dir, "xor.h5");
    size_t layers[3] = {2, 3, 2};
    synth sy = {.layers = layers,
                .n_layers = 3,
                .probe = XOR_N,
                .inputs = inputs,
                .labels = labels,
                .snapshots = 2,
                .fill = fill_xor,
                .steps = 4,
                .steps_per_epoch = 4,
                .alpha = 1,
                .gamma = 0.5,
                .ctx = &c};
    write_synth(path, &sy);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.estimator = CS_EST_DISCRETE;
    p.metrics = CS_OBS_INTEGRATION | CS_OBS_PID | CS_OBS_INFOPLANE;
    p.pid_pairs = 1;
    cs_metrics *m = tu_analyze_file(path, &p);

    /* The empirical distribution is the true one, so the plug-in values are
     * exact up to rounding in the sums of p ln p (~1e-15 nats). */
    const double tol = 1e-12, h = h2(0.1), ln2 = log(2.0);
    for (size_t s = 0; s < 2; s++) {
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/tc")->data[s], (1 - h) * ln2, tol);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/dtc")->data[s], (2 - 2 * h) * ln2, tol);
        double o = tu_need(m, "/analysis/layers/1/oinfo")->data[s];
        cr_expect_float_eq(o, -(1 - h) * ln2, tol, "O = %.15g nats", o);
        cr_expect_lt(o, 0);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/n_units")->data[s], 3, 0);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/omega_mean")->data[s], 1.0, tol);
        const cs_metrics_array *pairs = tu_need(m, "/analysis/layers/1/pid_pairs");
        cr_expect_eq(pairs->dims[1], 1);
        cr_expect_float_eq(pairs->data[2 * s], 0, 0);
        cr_expect_float_eq(pairs->data[2 * s + 1], 1, 0);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/pid_mi")->data[s], ln2, tol);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/pid_synergy")->data[s], ln2, tol);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/pid_redundancy")->data[s], 0, tol);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/ixt_binned")->data[s], 2 * ln2, tol);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/ity_binned")->data[s], ln2, tol);
        /* binned estimator: the continuous values are the binned ones */
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/ixt")->data[s], 2 * ln2, tol);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/ity")->data[s], ln2, tol);
    }
    cs_metrics_destroy(m);

    /* More pairs: the synergistic pair stays first, the two pairs holding the
     * noisy copy of y (1 - h(q) bits, all unique) pull the mean Omega down. */
    p.pid_pairs = 3;
    m = tu_analyze_file(path, &p);
    const cs_metrics_array *om = tu_need(m, "/analysis/layers/1/pid_omega");
    cr_expect_float_eq(om->data[0], 1.0, tol);
    cr_expect_float_eq(om->data[1], 0.0, tol);
    cr_expect_float_eq(tu_need(m, "/analysis/layers/1/pid_mi")->data[1], (1 - h) * ln2, tol);
    cr_expect_float_eq(tu_need(m, "/analysis/layers/1/omega_mean")->data[0], 1.0 / 3, tol);
    cs_metrics_destroy(m);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* ---- independent units -------------------------------------------------------- */

#define IND_N 2000
#define IND_U 8
typedef struct {
    double v[IND_N * IND_U];
} ind_ctx;

static void fill_ind(size_t snap, size_t layer, size_t probe, size_t units, float *out, void *vctx)
{
    ind_ctx *c = vctx;
    for (size_t i = 0; i < probe * units; i++)
        out[i] = layer == 1 ? (float)c->v[(i + snap * 7 * units) % (probe * units)] : (float)(i % 5 + snap);
}

Test(observe, independent_units_have_tc_and_oinfo_near_zero)
{
    static ind_ctx c;
    static float inputs[2 * IND_N];
    static int32_t labels[IND_N];
    cs_rng *rng;
    cs_rng_create(42, &rng);
    for (size_t i = 0; i < IND_N * IND_U; i++)
        c.v[i] = cs_rng_gaussian(rng, 1.0);
    for (size_t i = 0; i < IND_N; i++) {
        inputs[2 * i] = (float)cs_rng_uniform(rng);
        inputs[2 * i + 1] = (float)cs_rng_uniform(rng);
        labels[i] = (int32_t)(i % 3);
    }
    cs_rng_destroy(rng);
    char *dir = tu_tmpdir(), *path = path_in(dir, "ind.h5");
    size_t layers[3] = {2, IND_U, 3};
    synth sy = {.layers = layers,
                .n_layers = 3,
                .probe = IND_N,
                .inputs = inputs,
                .labels = labels,
                .snapshots = 3,
                .fill = fill_ind,
                .steps = 4,
                .steps_per_epoch = 4,
                .alpha = 1,
                .gamma = 0.5,
                .ctx = &c};
    write_synth(path, &sy);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.metrics = CS_OBS_INTEGRATION | CS_OBS_OINFO;
    cs_metrics *m = tu_analyze_file(path, &p);
    /* Tolerances from the null distribution of the bias-corrected Gaussian-
     * copula estimates for 8 independent units and N = 2000 (400 numpy
     * Monte Carlo draws): TC sd 0.0019 nats, O sd 7.8e-5 nats. 0.01 and 5e-4
     * are > 5 sd; a real dependence of 0.01 nats would fail them. */
    for (size_t s = 0; s < 3; s++) {
        double tc = tu_need(m, "/analysis/layers/1/tc")->data[s], o = tu_need(m, "/analysis/layers/1/oinfo")->data[s];
        cr_expect_lt(fabs(tc), 0.01, "TC = %g nats", tc);
        cr_expect_lt(fabs(o), 5e-4, "O = %g nats", o);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/n_units")->data[s], IND_U, 0);
        cr_expect_float_eq(tu_need(m, "/analysis/layers/1/n_tse_units")->data[s], IND_U, 0);
    }
    /* Triplets and quadruplets: all C(8,3) = 56 and C(8,4) = 70 exist, fewer
     * than the 200 asked, so every one is evaluated and the rest is NaN. */
    const cs_metrics_array *o3 = tu_need(m, "/analysis/layers/1/oinfo3"),
                           *s3 = tu_need(m, "/analysis/layers/1/oinfo3_summary");
    cr_expect_eq(o3->dims[1], 200);
    cr_expect_float_eq(s3->data[5], 56, 0);
    cr_expect_float_eq(tu_need(m, "/analysis/layers/1/oinfo4_summary")->data[5], 70, 0);
    for (size_t k = 0; k < 56; k++)
        cr_expect_lt(fabs(o3->data[k]), 2e-3, "triplet %zu O = %g", k, o3->data[k]);
    cr_expect(isnan(o3->data[56]));
    cs_metrics_destroy(m);

    /* Surrogates: independent units are not significant. */
    p.surrogates = 19;
    m = tu_analyze_file(path, &p);
    for (size_t s = 0; s < 3; s++)
        cr_expect_gt(tu_need(m, "/analysis/layers/1/tc_p")->data[s], 0.05);
    cs_metrics_destroy(m);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* Correlated units: TC > 0 and significant against every surrogate. */
Test(observe, dependent_units_are_significant)
{
    size_t n = 600, u = 4;
    cs_matrix t;
    cs_matrix_alloc(n, u, &t);
    cs_rng *rng;
    cs_rng_create(7, &rng);
    for (size_t i = 0; i < n; i++) {
        double z = cs_rng_gaussian(rng, 1.0);
        for (size_t j = 0; j < u; j++)
            t.data[i * u + j] = z + cs_rng_gaussian(rng, 1.0);
    }
    cs_rng_destroy(rng);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.estimator = CS_EST_GAUSSIAN;
    p.surrogates = 19;
    cs_obs_integration_result r;
    cr_assert_eq(cs_obs_integration(t, NULL, CS_OBS_INTEGRATION, &p, 1, &r), CS_OK, "%s", cs_last_error());
    /* Four units with pairwise correlation 1/2: TC = -1/2 ln det(C),
     * det = (1 - 1/2)^3 (1 + 3/2) = 0.3125, TC = 0.5815 nats; 600 samples
     * give an sd near 0.03. */
    cr_expect_float_eq(r.tc, -0.5 * log(0.3125), 0.15, "TC = %g", r.tc);
    cr_expect_float_eq(r.tc_sig.p_value, 1.0 / 20, 1e-12);
    cs_obs_integration_result_free(&r);
    cs_matrix_free(&t);
}

/* Units that are linear functions of units taken before them (of their
 * copula transform for gcopula) are skipped: they would make every
 * covariance holding both singular. */
Test(observe, collinear_units_are_skipped)
{
    size_t n = 300, u = 4;
    cs_matrix t;
    cs_matrix_alloc(n, u, &t);
    cs_rng *rng;
    cs_rng_create(9, &rng);
    for (size_t i = 0; i < n; i++) {
        double z = cs_rng_gaussian(rng, 1.0);
        t.data[i * u + 0] = z;
        t.data[i * u + 1] = 2 * z + 1; /* linear in unit 0 */
        t.data[i * u + 2] = cs_rng_gaussian(rng, 1.0);
        t.data[i * u + 3] = exp(z); /* monotone in unit 0: the same copula */
    }
    cs_rng_destroy(rng);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.estimator = CS_EST_GAUSSIAN;
    cs_obs_integration_result r;
    cr_assert_eq(cs_obs_integration(t, NULL, CS_OBS_INTEGRATION, &p, 1, &r), CS_OK, "%s", cs_last_error());
    cr_expect_eq(r.n_units, 3);
    cr_expect(r.units[0] == 0 && r.units[1] == 2 && r.units[2] == 3);
    cr_expect(isfinite(r.tc) && r.note[0] == '\0', "%g: %s", r.tc, r.note);
    cs_obs_integration_result_free(&r);
    p.estimator = CS_EST_GCOPULA;
    cr_assert_eq(cs_obs_integration(t, NULL, CS_OBS_INTEGRATION, &p, 1, &r), CS_OK, "%s", cs_last_error());
    cr_expect_eq(r.n_units, 2);
    cr_expect(r.units[0] == 0 && r.units[1] == 2);
    cs_obs_integration_result_free(&r);
    /* binned keeps them all: plug-in entropies have no covariance to break */
    p.estimator = CS_EST_DISCRETE;
    cr_assert_eq(cs_obs_integration(t, NULL, CS_OBS_INTEGRATION, &p, 1, &r), CS_OK, "%s", cs_last_error());
    cr_expect_eq(r.n_units, 4);
    cs_obs_integration_result_free(&r);
    cs_matrix_free(&t);
}

/* PhiID of two principal components, state pairs (row i of a, row i of b):
 * a = (x, y) independent with variances 4 and 1, b = (0.8 y + e1, 0.8 x + e2)
 * with unit-variance noise. Each unit's future depends only on the other's
 * past, so I(x;x') = I(y;y') = 0 and Phi_WMS = tdmi = I(x;y') + I(y;x')
 * = (ln 3.56 + ln 1.64) / 2 = 0.88223 nats; MMI double redundancy is 0, so
 * Phi_R = Phi_WMS. The principal axes of the stacked states are the unit axes
 * (variances 2.82 and 2.28, uncorrelated). Pairing the wrong rows would give
 * about 0. N = 20000: sampling sd of the Gaussian MI ~ 0.005 nats (seed 21
 * gives 0.8868, 0.0045 off). */
Test(observe, phiid_of_principal_components_pairs_states_in_time)
{
    size_t n = 20000;
    cs_matrix a, b;
    cs_matrix_alloc(n, 2, &a);
    cs_matrix_alloc(n, 2, &b);
    cs_rng *rng;
    cs_rng_create(21, &rng);
    for (size_t i = 0; i < n; i++) {
        double x = cs_rng_gaussian(rng, 2.0), y = cs_rng_gaussian(rng, 1.0);
        a.data[2 * i] = x;
        a.data[2 * i + 1] = y;
        b.data[2 * i] = 0.8 * y + cs_rng_gaussian(rng, 1.0);
        b.data[2 * i + 1] = 0.8 * x + cs_rng_gaussian(rng, 1.0);
    }
    cs_rng_destroy(rng);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.estimator = CS_EST_GAUSSIAN;
    double wms, phr, atoms[16];
    cr_assert_eq(cs_obs_phiid_pcs(a, b, &p, &wms, &phr, atoms), CS_OK, "%s", cs_last_error());
    const double want = 0.5 * (log(3.56) + log(1.64));
    cr_expect_float_eq(wms, want, 0.02, "Phi_WMS = %g, expected %g", wms, want);
    cr_expect_float_eq(phr, want, 0.02, "Phi_R = %g", phr);
    double sum = 0;
    for (int i = 0; i < 16; i++)
        sum += atoms[i];
    cr_expect_float_eq(sum, want, 0.02, "atoms sum to tdmi: %g", sum);
    /* identical earlier and later states: a singular covariance, an error */
    cr_expect_neq(cs_obs_phiid_pcs(a, a, &p, &wms, &phr, NULL), CS_OK);
    cr_expect(isnan(wms));
    cs_matrix_free(&a);
    cs_matrix_free(&b);
}

/* ---- continuous I(T;Y) ---------------------------------------------------------- */

Test(observe, class_model_ity_is_bounded_by_label_entropy)
{
    size_t n = 2000, k = 4, C = 4;
    cs_matrix x, t;
    cs_matrix_alloc(n, 2, &x);
    cs_matrix_alloc(n, k, &t);
    int32_t *y = malloc(n * sizeof *y);
    cs_rng *rng;
    cs_rng_create(3, &rng);
    for (size_t i = 0; i < n; i++) {
        y[i] = (int32_t)(i % C);
        x.data[2 * i] = cs_rng_uniform(rng);
        x.data[2 * i + 1] = cs_rng_uniform(rng);
        for (size_t j = 0; j < k; j++)
            t.data[i * k + j] = (j == (size_t)y[i] ? 14.0 : 0.0) + cs_rng_gaussian(rng, 1.0);
    }
    cs_obs_params p;
    cs_obs_params_default(&p);
    cs_obs_infoplane_result r;
    /* Classes 14 sd apart: I(T;Y) = H(Y) = ln 4 (balanced labels). The
     * mixture form finds it (unscented entropy of separated components);
     * the class model exceeds it (tight classes) and is clamped to it. */
    cs_info_estimator es[2] = {CS_EST_GAUSSIAN, CS_EST_GCOPULA};
    for (int e = 0; e < 2; e++)
        for (int form = 0; form < 2; form++) {
            p.estimator = es[e];
            p.gc_mixture = form;
            cr_assert_eq(cs_obs_infoplane(x, t, y, &p, 1, &r), CS_OK, "%s", cs_last_error());
            cr_expect_float_eq(r.ity, log(4.0), 1e-3, "estimator %d form %d: I(T;Y) = %.12g", e, form, r.ity);
            cr_expect_leq(r.ity, log(4.0) + 1e-12);
            cr_expect_eq(r.t_dims, 4);
        }
    /* Labels independent of T: the bias-corrected class model is ~0 (its
     * likelihood-ratio statistic has (C-1)(k + k(k+1)/2) = 42 df: sd of the
     * corrected value sqrt(84) / 4000 = 0.0023 nats; 0.01 is 4 sd). */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++)
            t.data[i * k + j] = cs_rng_gaussian(rng, 1.0);
    p.estimator = CS_EST_GAUSSIAN;
    p.gc_mixture = 0;
    p.surrogates = 19;
    cr_assert_eq(cs_obs_infoplane(x, t, y, &p, 1, &r), CS_OK, "%s", cs_last_error());
    cr_expect_lt(r.ity, 0.01, "I(T;Y) = %g", r.ity);
    cr_expect_gt(r.ity_sig.p_value, 0.05);
    cs_rng_destroy(rng);
    cs_matrix_free(&x);
    cs_matrix_free(&t);
    free(y);
}

/* ---- spectra ----------------------------------------------------------------- */

static void fill_const(size_t snap, size_t layer, size_t probe, size_t units, float *out, void *ctx)
{
    for (size_t i = 0; i < probe * units; i++)
        out[i] = (float)((i * 7 + snap) % 11);
}

static void step_period2(size_t s, double *loss, double *tau, double *sur, void *ctx)
{
    *loss = 1 + 0.5 * ((s % 2) ? -1 : 1);
    *tau = 1 + 0.25 * sin(0.3 * (double)s);
    *sur = 0.5;
}

Test(observe, period_two_loss_peaks_at_half_a_cycle_per_step)
{
    char *dir = tu_tmpdir(), *path = path_in(dir, "p2.h5");
    size_t layers[3] = {2, 3, 2};
    float inputs[16 * 2];
    int32_t labels[16];
    for (int i = 0; i < 32; i++)
        inputs[i] = (float)i;
    for (int i = 0; i < 16; i++)
        labels[i] = i % 2;
    synth sy = {.layers = layers,
                .n_layers = 3,
                .probe = 16,
                .inputs = inputs,
                .labels = labels,
                .snapshots = 0,
                .fill = fill_const,
                .steps = 512,
                .steps_per_epoch = 128,
                .step = step_period2,
                .alpha = 1,
                .gamma = 0.5};
    write_synth(path, &sy);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.metrics = CS_OBS_SPECTRA;
    cs_metrics *m = tu_analyze_file(path, &p);
    const cs_metrics_array *f = tu_need(m, "/analysis/spectra/loss/freq"),
                           *psd = tu_need(m, "/analysis/spectra/loss/psd");
    cr_assert_eq(f->count, 129);
    size_t arg = 0;
    for (size_t k = 1; k < psd->count; k++)
        if (psd->data[k] > psd->data[arg])
            arg = k;
    cr_expect_float_eq(f->data[arg], 0.5, 0, "peak at %g cycles/step", f->data[arg]);
    /* Closed form above; the FFT of 256 points rounds at ~1e-13 relative. */
    cr_expect_float_eq(psd->data[arg], 128.0 / 3.0, 1e-10, "PSD(0.5) = %.15g", psd->data[arg]);
    cr_expect_float_eq(tu_need(m, "/analysis/spectra/loss/nsegments")->data[0], 3, 0);
    /* tau: a sinusoid of 0.3 rad/step = 0.0477 cycles/step peaks in the bin
     * nearest it (bin width 1/256). */
    const cs_metrics_array *pt = tu_need(m, "/analysis/spectra/tau/psd");
    size_t at = 0;
    for (size_t k = 1; k < pt->count; k++)
        if (pt->data[k] > pt->data[at])
            at = k;
    cr_expect_lt(fabs(f->data[at] - 0.3 / (2 * M_PI)), 1.0 / 256);
    cs_metrics_destroy(m);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* ---- ΣPI ---------------------------------------------------------------------- */

static void step_smooth(size_t s, double *loss, double *tau, double *sur, void *ctx)
{
    double t = (double)s;
    *loss = 0.5 + 0.4 * sin(0.1 * t);
    *tau = 1.0 + 0.5 * cos(0.07 * t);
    *sur = 0.3 + 0.2 * sin(0.05 * t) * sin(0.05 * t);
}

Test(observe, pi_recomputation_and_variants_match_the_formulas)
{
    char *dir = tu_tmpdir(), *path = path_in(dir, "pi.h5");
    size_t layers[3] = {2, 3, 2};
    float inputs[16 * 2];
    int32_t labels[16];
    for (int i = 0; i < 32; i++)
        inputs[i] = (float)i;
    for (int i = 0; i < 16; i++)
        labels[i] = i % 2;
    const double alpha = 2.0, gamma = 0.3;
    const size_t n = 300;
    synth sy = {.layers = layers,
                .n_layers = 3,
                .probe = 16,
                .inputs = inputs,
                .labels = labels,
                .snapshots = 0,
                .fill = fill_const,
                .steps = n,
                .steps_per_epoch = 100,
                .step = step_smooth,
                .alpha = alpha,
                .gamma = gamma};
    write_synth(path, &sy);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.metrics = CS_OBS_SIGMAPI;
    cs_metrics *m = tu_analyze_file(path, &p);
    /* The default variant with the run's alpha and gamma reproduces the
     * logged PI; both are exp() of the same expression, so they agree to
     * rounding of a few ulp. */
    cr_expect_leq(tu_need(m, "/analysis/sigmapi/logged_max_abs_diff")->data[0], 1e-15);
    const cs_metrics_array *pi = tu_need(m, "/analysis/sigmapi/pi");
    cr_assert_eq(pi->count, n);
    double e[300], t[300], s[300];
    for (size_t i = 0; i < n; i++) {
        step_smooth(i, &e[i], &t[i], &s[i], NULL);
        cr_expect_float_eq(pi->data[i], test_pi(e[i], t[i], s[i], alpha, gamma), 1e-15);
    }
    /* Per-epoch means and ∫PI = mean exp(-delta var), var with divisor n. */
    const cs_metrics_array *em = tu_need(m, "/analysis/sigmapi/epoch_mean"),
                           *wi = tu_need(m, "/analysis/sigmapi/window_integral");
    cr_assert_eq(em->count, 3);
    cr_assert_eq(wi->count, 3);
    for (size_t ep = 0; ep < 3; ep++) {
        double mu = 0, v = 0;
        for (size_t i = ep * 100; i < ep * 100 + 100; i++)
            mu += pi->data[i] / 100;
        for (size_t i = ep * 100; i < ep * 100 + 100; i++)
            v += (pi->data[i] - mu) * (pi->data[i] - mu) / 100;
        cr_expect_float_eq(em->data[ep], mu, 1e-14);
        cr_expect_float_eq(wi->data[ep], mu * exp(-v), 1e-14);
        cr_expect_float_eq(tu_need(m, "/analysis/sigmapi/window_start")->data[ep], (double)(ep * 100), 0);
    }
    cs_metrics_destroy(m);

    /* ipwt with its own alpha, gamma; fixed windows of 64 steps, delta 3. */
    p.pi_variant = CS_PI_IPWT;
    p.pi_alpha = 0.7;
    p.pi_gamma = 0.9;
    p.pi_window = 64;
    p.pi_delta = 3;
    m = tu_analyze_file(path, &p);
    pi = tu_need(m, "/analysis/sigmapi/pi");
    for (size_t i = 0; i < n; i++)
        cr_expect_float_eq(pi->data[i], exp(-0.7 * (e[i] / (t[i] + 1e-9) + 0.9 * s[i])), 1e-15);
    cr_expect(isnan(tu_need(m, "/analysis/sigmapi/logged_max_abs_diff")->data[0]));
    wi = tu_need(m, "/analysis/sigmapi/window_integral");
    cr_assert_eq(wi->count, 5); /* 64 * 4 + 44 */
    cr_expect_float_eq(tu_need(m, "/analysis/sigmapi/window_steps")->data[4], 44, 0);
    double mu = 0, v = 0;
    for (size_t i = 256; i < 300; i++)
        mu += pi->data[i] / 44;
    for (size_t i = 256; i < 300; i++)
        v += (pi->data[i] - mu) * (pi->data[i] - mu) / 44;
    cr_expect_float_eq(wi->data[4], mu * exp(-3 * v), 1e-14);
    cs_metrics_destroy(m);

    /* ars, raw and with ARS's bias-corrected EMA. */
    p.pi_variant = CS_PI_ARS;
    p.pi_window = 0;
    p.pi_delta = 1;
    m = tu_analyze_file(path, &p);
    pi = tu_need(m, "/analysis/sigmapi/pi");
    for (size_t i = 0; i < n; i++)
        cr_expect_float_eq(pi->data[i], exp(-(0.7 * t[i] + 0.9 * s[i])), 1e-15);
    cs_metrics_destroy(m);
    p.pi_ema = 0.9;
    m = tu_analyze_file(path, &p);
    pi = tu_need(m, "/analysis/sigmapi/pi");
    double avg = 0;
    for (size_t i = 0; i < n; i++) {
        avg = 0.9 * avg + 0.1 * exp(-(0.7 * t[i] + 0.9 * s[i]));
        cr_expect_float_eq(pi->data[i], avg / (1 - pow(0.9, (double)(i + 1))), 1e-13);
    }
    cs_metrics_destroy(m);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* ---- a real training run end to end ----------------------------------------------- */

/* The metric table declares every array the analysis writes, with the
 * units and the meaning the file carries (the description of sigmapi/pi
 * names the variant and its parameters); with `complete`, every entry of
 * the table the analysis can write for this run is there too (all groups,
 * surrogates as `surrogates`). Fails on a metric computed but not declared,
 * or declared but never written. */
static void check_table(const cs_metrics *m, int complete, int surrogates, unsigned asked)
{
    for (size_t i = 0; i < cs_metrics_count(m); i++) {
        const cs_metrics_array *a = cs_metrics_at(m, i);
        cs_obs_metric_info e;
        cr_assert_eq(cs_obs_metric_of_path(a->path, &e), CS_OK, "%s has no table entry", a->path);
        cr_expect_str_eq(a->units, e.units, "%s", a->path);
        if (strcmp(e.name, "sigmapi.pi"))
            cr_expect_str_eq(a->description, e.description, "%s", a->path);
        else
            cr_expect(!strncmp(a->description, "PI recomputed per step, variant ", 32), "%s", a->description);
        cr_expect_not_null(e.computed_by, "%s", a->path);
    }
    for (size_t i = 0; complete && i < cs_obs_metric_count(); i++) {
        cs_obs_metric_info e;
        cr_assert_eq(cs_obs_metric_get(i, &e), CS_OK);
        if (!e.path || (e.needs_surrogates && !surrogates) || (e.groups && !(e.groups & asked)))
            continue;
        int seen = 0;
        for (size_t k = 0; k < cs_metrics_count(m) && !seen; k++) {
            cs_obs_metric_info f;
            seen = cs_obs_metric_of_path(cs_metrics_at(m, k)->path, &f) == CS_OK && !strcmp(f.name, e.name);
        }
        cr_expect(seen, "table entry %s (%s) was never written", e.name, e.path);
    }
}

Test(observe, metric_table_view)
{
    cs_obs_metric_info e;
    cr_expect_gt(cs_obs_metric_count(), 50);
    cr_expect_eq(cs_obs_metric_get(cs_obs_metric_count(), &e), CS_EINVAL);
    cr_assert_eq(cs_obs_metric_of_path("/analysis/layers/h1/ity_binned", &e), CS_OK);
    cr_expect_str_eq(e.name, "ity_binned");
    cr_expect_str_eq(e.units, "nats");
    cr_expect_str_eq(e.flag, "binned_saturated");
    cr_expect_str_eq(e.shape, "[snapshot]");
    cr_expect_eq(e.groups, (unsigned)CS_OBS_INFOPLANE);
    cr_assert_eq(cs_obs_metric_of_path("/analysis/spectra/loss/exponent", &e), CS_OK);
    cr_expect_str_eq(e.name, "spectra.{series}.exponent");
    cr_expect_str_eq(e.flag, "no_power_law");
    cr_assert_eq(cs_obs_metric_of_path("/analysis/coherence/1-2/relax_coherence", &e), CS_OK);
    cr_expect_str_eq(e.shape, "[relaxation, frequency]");
    /* a placeholder stands for one path component only */
    cr_expect_eq(cs_obs_metric_of_path("/analysis/layers/a/b/ixt", &e), CS_EINVAL);
    cr_expect_eq(cs_obs_metric_of_path("/analysis/layers/1/no_such_metric", &e), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "no_such_metric") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_obs_metric_of_path("/elsewhere/ixt", &e), CS_EINVAL);
}

Test(observe, real_runs_end_to_end_through_the_cli, .timeout = 600)
{
    char *dir = tu_tmpdir(), cmd[2048], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd,
             "train --data digits --rule pc --layers 64,24,10 --epochs 2 --log-every 8 --probe-size 200 --seed 3 "
             "--threads 1 --quiet --out %s/pc.h5",
             dir);
    cr_assert_eq(tu_cli(cmd, NULL, &err), 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "analyze %s/pc.h5 --threads 2 --json", dir);
    int rc = tu_cli(cmd, &out, &err);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
    cr_expect(strstr(out, "\"metrics_file\"") != NULL, "%s", out);
    cr_expect(strstr(out, "pc.metrics.h5") != NULL, "%s", out);
    free(out);
    free(err);
    char mpath[600];
    snprintf(mpath, sizeof mpath, "%s/pc.metrics.h5", dir);
    cs_metrics *m;
    cr_assert_eq(cs_metrics_read(mpath, &m), CS_OK, "%s", cs_last_error());
    cr_expect_str_eq(cs_metrics_attr(m, "rule"), "pc");
    cr_expect_str_eq(cs_metrics_attr(m, "estimator"), "gcopula");
    /* The logged PI of a real run is reproduced exactly by the default variant. */
    cr_expect_leq(tu_need(m, "/analysis/sigmapi/logged_max_abs_diff")->data[0], 1e-15);
    const char *finite[] = {"/analysis/layers/1/ixt", "/analysis/layers/1/ity",   "/analysis/layers/1/tc",
                            "/analysis/layers/1/tse", "/analysis/layers/2/oinfo", "/analysis/layers/1/omega_mean"};
    for (size_t i = 0; i < sizeof finite / sizeof finite[0]; i++) {
        const cs_metrics_array *a = tu_need(m, finite[i]);
        cr_expect_gt(a->count, 2);
        for (size_t k = 0; k < a->count; k++)
            cr_expect(isfinite(a->data[k]), "%s[%zu] = %g", finite[i], k, a->data[k]);
    }
    /* I(T;Y) can never exceed H(Y) <= ln 10. */
    const cs_metrics_array *ity = tu_need(m, "/analysis/layers/2/ity");
    for (size_t k = 0; k < ity->count; k++)
        cr_expect_leq(ity->data[k], log(10.0) + 1e-9);
    /* PC relaxes: PhiID and PSD of the relaxation exist and are finite. */
    const cs_metrics_array *rw = tu_need(m, "/analysis/layers/1/relax_phi_wms"),
                           *rp = tu_need(m, "/analysis/layers/1/relax_psd");
    cr_expect_gt(rw->count, 0);
    size_t finite_phi = 0;
    for (size_t k = 0; k < rw->count; k++)
        finite_phi += isfinite(rw->data[k]);
    cr_expect_gt(finite_phi, 0);
    for (size_t k = 0; k < rp->count; k++)
        cr_expect(isfinite(rp->data[k]) && rp->data[k] >= 0);
    tu_need(m, "/analysis/coherence/1-2/snap_coherence");
    tu_need(m, "/analysis/coherence/1-2/relax_coherence");
    tu_need(m, "/analysis/spectra/loss/exponent");
    /* PC with the default groups: every table entry of theirs but the p-values is written */
    check_table(m, 1, 0, CS_OBS_DEFAULT);
    cs_metrics_destroy(m);
    /* info on the metrics file: its arrays with the table's meanings */
    snprintf(cmd, sizeof cmd, "info %s", mpath);
    rc = tu_cli(cmd, &out, &err);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
    cr_expect(strstr(out, "cogscope metrics file") != NULL, "%s", out);
    cr_expect(strstr(out, "/analysis/layers/1/ity_binned") != NULL, "%s", out);
    cr_expect(strstr(out, "flagged by binned_saturated") != NULL, "%s", out);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "info %s --json", mpath);
    rc = tu_cli(cmd, &out, &err);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, err);
    cr_expect(strstr(out, "\"metric\":\"spectra.{series}.exponent\"") != NULL, "%s", out);
    cr_expect(strstr(out, "\"computed_by\":\"obs_pid_pairs\"") != NULL, "%s", out);
    free(out);
    free(err);
    rm_rf(dir);
    free(dir);
}

static void fill_rand(size_t snap, size_t layer, size_t probe, size_t units, float *out, void *ctx)
{
    cs_rng *rng;
    cs_rng_create_stream(11, snap * 16 + layer, &rng);
    for (size_t i = 0; i < probe; i++) {
        double z = cs_rng_gaussian(rng, 1.0);
        for (size_t j = 0; j < units; j++)
            out[i * units + j] = (float)tanh(z * (double)(j % 3) + cs_rng_gaussian(rng, 1.0));
    }
    cs_rng_destroy(rng);
}

Test(observe, same_seed_same_numbers_for_any_thread_count)
{
    char *dir = tu_tmpdir(), *path = path_in(dir, "det.h5");
    size_t layers[4] = {3, 12, 6, 3};
    float inputs[120 * 3];
    int32_t labels[120];
    for (int i = 0; i < 360; i++)
        inputs[i] = (float)((i * 37) % 101) / 101.0f;
    for (int i = 0; i < 120; i++)
        labels[i] = i % 3;
    synth sy = {.layers = layers,
                .n_layers = 4,
                .probe = 120,
                .inputs = inputs,
                .labels = labels,
                .snapshots = 4,
                .fill = fill_rand,
                .steps = 64,
                .steps_per_epoch = 16,
                .step = step_smooth,
                .alpha = 1,
                .gamma = 0.5};
    write_synth(path, &sy);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.surrogates = 5;
    p.threads = 1;
    cs_metrics *a = tu_analyze_file(path, &p);
    check_table(a, 0, 1, CS_OBS_ALL);
    p.threads = 2;
    cs_metrics *b = tu_analyze_file(path, &p);
    cr_assert_eq(cs_metrics_count(a), cs_metrics_count(b));
    for (size_t i = 0; i < cs_metrics_count(a); i++) {
        const cs_metrics_array *x = cs_metrics_at(a, i), *y = cs_metrics_get(b, x->path);
        cr_assert_not_null(y, "%s", x->path);
        cr_assert_eq(x->count, y->count);
        for (size_t k = 0; k < x->count; k++)
            if (!(x->data[k] == y->data[k] || (isnan(x->data[k]) && isnan(y->data[k])))) {
                cr_expect_fail("%s[%zu]: %.17g (1 thread) vs %.17g (2 threads)", x->path, k, x->data[k], y->data[k]);
                break;
            }
    }
    /* Unit subsampling is reported: 12 units, probe 120 -> cap 30: all used;
     * with --max-units 5 only 5 are, and a note says so. */
    cs_metrics_destroy(b);
    p.max_units = 5;
    b = tu_analyze_file(path, &p);
    cr_expect_float_eq(tu_need(b, "/analysis/layers/1/n_units")->data[0], 5, 0);
    int noted = 0;
    for (size_t i = 0; i < cs_metrics_note_count(b); i++)
        noted |= strstr(cs_metrics_note(b, i), "5 of 12 units") != NULL;
    cr_expect(noted, "no note about the subsampled units");
    cs_metrics_destroy(a);
    cs_metrics_destroy(b);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* ---- the metrics file ------------------------------------------------------------ */

Test(observe, metrics_file_round_trip_and_bad_files)
{
    char *dir = tu_tmpdir(), *path = path_in(dir, "m.h5");
    cs_metrics *m;
    cr_assert_eq(cs_metrics_create(&m), CS_OK);
    double v[6] = {1, 2, NAN, -4.5, 1e300, 6};
    size_t dims[2] = {2, 3};
    cr_assert_eq(cs_metrics_put(m, "/analysis/layers/1/x", 2, dims, v, "nats", "a test array"), CS_OK);
    cr_assert_eq(cs_metrics_put1(m, "/analysis/empty", 0, NULL, "1", "empty"), CS_OK);
    cr_assert_eq(cs_metrics_set_attr(m, "rule", "ep"), CS_OK);
    cr_assert_eq(cs_metrics_set_attr_num(m, "bins", 30), CS_OK);
    cr_assert_eq(cs_metrics_add_note(m, "note %d", 1), CS_OK);
    cr_expect_neq(cs_metrics_put1(m, "relative/path", 1, v, "", ""), CS_OK);
    cr_expect_neq(cs_metrics_put1(m, "/analysis/bad name", 1, v, "", ""), CS_OK);
    cr_assert_eq(cs_metrics_write(m, path), CS_OK, "%s", cs_last_error());
    cs_metrics_destroy(m);
    cr_assert_eq(cs_metrics_read(path, &m), CS_OK, "%s", cs_last_error());
    const cs_metrics_array *x = tu_need(m, "/analysis/layers/1/x");
    cr_expect_eq(x->rank, 2);
    cr_expect_eq(x->dims[1], 3);
    cr_expect_str_eq(x->units, "nats");
    cr_expect_str_eq(x->description, "a test array");
    for (int i = 0; i < 6; i++)
        cr_expect(i == 2 ? isnan(x->data[i]) : x->data[i] == v[i]);
    cr_expect_eq(tu_need(m, "/analysis/empty")->count, 0);
    cr_expect_str_eq(cs_metrics_attr(m, "rule"), "ep");
    cr_expect_float_eq(cs_metrics_attr_num(m, "bins"), 30, 0);
    cr_expect_eq(cs_metrics_note_count(m), 1);
    cr_expect_str_eq(cs_metrics_note(m, 0), "note 1");
    cs_metrics_destroy(m);

    /* a schema version from the future */
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Adelete(f, "schema_version");
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, "schema_version", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int seven = 7;
    H5Awrite(a, H5T_NATIVE_INT, &seven);
    H5Aclose(a);
    H5Sclose(sp);
    H5Fclose(f);
    cr_expect_eq(cs_metrics_read(path, &m), CS_ESCHEMA);
    cr_expect(strstr(cs_last_error(), "version 7") && strstr(cs_last_error(), "newer"), "%s", cs_last_error());
    /* not HDF5, missing */
    char *txt = path_in(dir, "t.txt");
    tu_write(txt, "hello\n");
    cr_expect_eq(cs_metrics_read(txt, &m), CS_ESCHEMA);
    cr_expect(strstr(cs_last_error(), txt) != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_metrics_read("/nonexistent/m.h5", &m), CS_EIO);
    /* a directory that does not exist */
    cs_metrics_create(&m);
    cr_expect_eq(cs_metrics_write(m, "/nonexistent/dir/m.h5"), CS_EIO);
    cs_metrics_destroy(m);
    rm_rf(dir);
    free(txt);
    free(path);
    free(dir);
}

/* ---- bad input ------------------------------------------------------------------ */

static void small_log(const char *path, size_t snapshots)
{
    static float inputs[40 * 2];
    static int32_t labels[40];
    for (int i = 0; i < 80; i++)
        inputs[i] = (float)((i * 13) % 17);
    for (int i = 0; i < 40; i++)
        labels[i] = i % 2;
    static size_t layers[3] = {2, 5, 2};
    synth sy = {.layers = layers,
                .n_layers = 3,
                .probe = 40,
                .inputs = inputs,
                .labels = labels,
                .snapshots = snapshots,
                .fill = fill_rand,
                .steps = 40,
                .steps_per_epoch = 10,
                .step = step_smooth,
                .alpha = 1,
                .gamma = 0.5};
    write_synth(path, &sy);
}

Test(observe, log_without_snapshots)
{
    char *dir = tu_tmpdir(), *path = path_in(dir, "nosnap.h5"), cmd[1200], *out = NULL, *err = NULL;
    small_log(path, 0);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    cs_obs_params p;
    cs_obs_params_default(&p);
    cs_metrics *m = NULL;
    cr_expect_eq(cs_obs_analyze(r, &p, &m), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "no probe snapshots") && strstr(cs_last_error(), path), "%s", cs_last_error());
    cr_expect_null(m);
    p.metrics = CS_OBS_SIGMAPI | CS_OBS_SPECTRA;
    cr_expect_eq(cs_obs_analyze(r, &p, &m), CS_OK, "%s", cs_last_error());
    cs_metrics_destroy(m);
    cs_runlog_close_reader(r);

    snprintf(cmd, sizeof cmd, "analyze %s", path);
    cr_expect_eq(tu_cli(cmd, &out, &err), 1);
    cr_expect(strstr(err, "no probe snapshots") != NULL, "%s", err);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "analyze %s --metrics sigmapi,spectra --out %s/x.h5 --quiet", path, dir);
    cr_expect_eq(tu_cli(cmd, &out, &err), 0, "%s", err);
    cr_expect_str_eq(out, "");
    free(out);
    free(err);
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(observe, cli_bad_input_and_usage)
{
    char *dir = tu_tmpdir(), *path = path_in(dir, "run.h5"), *txt = path_in(dir, "t.txt"), cmd[1200];
    char *out = NULL, *err = NULL;
    small_log(path, 2);
    tu_write(txt, "not a run log\n");
    struct {
        const char *args;
        int code;
        const char *needle;
    } cases[] = {
        {"analyze %s --metrics infoplane,bogus", 2, "bogus"},
        {"analyze %s --estimator kde", 2, "kde"},
        {"analyze %s --pi-gamma 2", 2, "--pi-gamma"},
        {"analyze %s --pi-variant xyz", 2, "xyz"},
        {"analyze %s --tse-units 30", 2, "--tse-units"},
        {"analyze %s --pid-redundancy broja", 2, "discrete only"},
        {"analyze %s --bins", 2, "needs a value"},
        {"analyze %s --frobnicate", 2, "frobnicate"},
        {"analyze %s extra.h5", 1, "extra.h5"}, /* several runs are fine; a missing one fails */
        {"analyze %s %s", 2, "given twice"},
        {"analyze %s other.h5 --out x.h5", 2, "--out names one metrics file"},
        {"analyze", 2, "missing the run log"},
        {"analyze %s --out %s", 2, "overwrite"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, cases[i].args, path, path);
        int rc = tu_cli(cmd, &out, &err);
        cr_expect_eq(rc, cases[i].code, "'%s': exit %d (%s)", cmd, rc, err);
        cr_expect(err && strstr(err, cases[i].needle), "'%s': stderr '%s' lacks '%s'", cmd, err, cases[i].needle);
        free(out);
        free(err);
    }
    /* not a run log: text, missing, a metrics file */
    snprintf(cmd, sizeof cmd, "analyze %s", txt);
    cr_expect_eq(tu_cli(cmd, &out, &err), 1);
    cr_expect(strstr(err, txt) != NULL, "%s", err);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "analyze %s/missing.h5", dir);
    cr_expect_eq(tu_cli(cmd, &out, &err), 1);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "analyze %s --metrics sigmapi --quiet", path);
    cr_assert_eq(tu_cli(cmd, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "analyze %s/run.metrics.h5", dir);
    cr_expect_eq(tu_cli(cmd, &out, &err), 1);
    cr_expect(strstr(err, "not a cogscope run log") != NULL, "%s", err);
    free(out);
    free(err);
    /* a schema version from the future */
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Adelete(f, "schema_version");
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, "schema_version", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int v = 9;
    H5Awrite(a, H5T_NATIVE_INT, &v);
    H5Aclose(a);
    H5Sclose(sp);
    H5Fclose(f);
    snprintf(cmd, sizeof cmd, "analyze %s", path);
    cr_expect_eq(tu_cli(cmd, &out, &err), 1);
    cr_expect(strstr(err, "version 9") != NULL, "%s", err);
    free(out);
    free(err);
    cr_expect_eq(tu_cli("analyze --help", &out, &err), 0);
    cr_expect(strstr(out, "--estimator") != NULL);
    free(out);
    free(err);
    rm_rf(dir);
    free(path);
    free(txt);
    free(dir);
}

/* NaN activations (a diverged run) give notes and NaN values, not a crash. */
static void fill_nan(size_t snap, size_t layer, size_t probe, size_t units, float *out, void *ctx)
{
    fill_rand(snap, layer, probe, units, out, ctx);
    if (snap == 1 && layer == 1)
        out[3] = NAN;
}

Test(observe, nan_activations_become_notes)
{
    char *dir = tu_tmpdir(), *path = path_in(dir, "nan.h5");
    static float inputs[60 * 2];
    static int32_t labels[60];
    for (int i = 0; i < 120; i++)
        inputs[i] = (float)((i * 13) % 17);
    for (int i = 0; i < 60; i++)
        labels[i] = i % 3;
    size_t layers[3] = {2, 6, 3};
    synth sy = {.layers = layers,
                .n_layers = 3,
                .probe = 60,
                .inputs = inputs,
                .labels = labels,
                .snapshots = 3,
                .fill = fill_nan,
                .steps = 30,
                .steps_per_epoch = 10,
                .step = step_smooth,
                .alpha = 1,
                .gamma = 0.5};
    write_synth(path, &sy);
    cs_obs_params p;
    cs_obs_params_default(&p);
    cs_metrics *m = tu_analyze_file(path, &p);
    cr_expect(isnan(tu_need(m, "/analysis/layers/1/tc")->data[1]));
    cr_expect(isfinite(tu_need(m, "/analysis/layers/1/tc")->data[0]));
    int noted = 0;
    for (size_t i = 0; i < cs_metrics_note_count(m); i++)
        noted |= strstr(cs_metrics_note(m, i), "snapshot 1") && strstr(cs_metrics_note(m, i), "NaN");
    cr_expect(noted, "no note names the NaN snapshot");
    cs_metrics_destroy(m);
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(observe, parameter_parsing)
{
    unsigned mask;
    cr_expect_eq(cs_obs_metrics_parse("infoplane,synergy", &mask), CS_OK);
    cr_expect_eq(mask, CS_OBS_INFOPLANE | CS_OBS_OINFO | CS_OBS_PID);
    cr_expect_eq(cs_obs_metrics_parse("all", &mask), CS_OK);
    cr_expect_eq(mask, CS_OBS_ALL);
    cr_expect_eq(cs_obs_metrics_parse("tc", &mask), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "'tc'") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_obs_metrics_parse("", &mask), CS_EINVAL);
    char buf[64];
    cr_expect_eq(cs_obs_default_metrics_path("runs/a.h5", buf, sizeof buf), CS_OK);
    cr_expect_str_eq(buf, "runs/a.metrics.h5");
    cr_expect_eq(cs_obs_default_metrics_path("log", buf, sizeof buf), CS_OK);
    cr_expect_str_eq(buf, "log.metrics.h5");
    cs_obs_params p;
    cs_obs_params_default(&p);
    cr_expect_eq(cs_obs_params_check(&p), CS_OK);
    p.pi_ema = 1.0;
    cr_expect_eq(cs_obs_params_check(&p), CS_EINVAL);
    cr_expect(isnan(cs_obs_pi(CS_PI_IPWT, NAN, 1, 1, 1, 0.5)));
    double mean, var;
    double vals[4] = {1, NAN, 3, 5};
    cr_expect_float_eq(cs_obs_pi_integral(vals, 4, 0.5, &mean, &var), 3 * exp(-0.5 * 8.0 / 3), 1e-15);
    cr_expect_float_eq(mean, 3, 0);
}
