/* The float32 path of rule bp (--bp-precision float32): the float kernels
 * (src/learn/mlp_f32.h, the same source as the double ones) against the
 * double reference computed by the double kernels, which tests/test_learn.c
 * checks against finite differences and naive loops; the rule's step,
 * teaching signal and snapshot; the CLI (accuracy on digits, determinism,
 * usage errors); the bp_angle_deg logged for a float32 run: 0 against bp's
 * own gradient by default, the rounding angle against the double gradient
 * with --bp-angle-reference float64.
 *
 * Tolerance. float32 has unit roundoff u = 2^-24 = 6.0e-8. A dot product of
 * length K in float carries an error of at most gamma_K = K u / (1 - K u)
 * times the sum of |terms| (Higham, Accuracy and Stability of Numerical
 * Algorithms, 2nd ed., eq. 3.5); rounding the double parameters and inputs
 * to float adds u each, tanhf/expf about 1 ulp each. The gradient of W_0
 * passes every forward product (K = 64, 48, 32), the backward products
 * (K = 10, 32) and the weight-gradient product (K = rows = 32): the sum of
 * those lengths, 218, times u gives 1.3e-5 as the worst case with all
 * rounding errors aligned and no cancellation. That bound (KSUM * u) is what
 * the tests assert for the relative error of the global gradient norm and of
 * every layer's; independent roundings grow like sqrt(K) u instead, so the
 * errors seen are ~1e-7 (docs/training.md). A lower bound (> u / 100) checks
 * that the float path really computed in float. */
#include <criterion/criterion.h>
#include <math.h>

#include "cogscope/mlp.h"
#include "cogscope/rng.h"
#include "cogscope/rule.h"
#include "cogscope/runlog.h"
#include "runlog_testutil.h"
#include "cogscope/train.h"
#include "testutil.h"

#include "../src/learn/mlp_f32.h"

#define U32 5.9604644775390625e-8 /* 2^-24 */
static const size_t SIZES[4] = {64, 48, 32, 10};
#define ROWS 32
#define KSUM (64 + 48 + 32 + 10 + 32 + ROWS) /* inner lengths on W_0's gradient path */
#define TOL (KSUM * U32)

static cs_mlp *make_net(cs_activation act, uint64_t seed)
{
    cs_mlp *m;
    cr_assert_eq(cs_mlp_create(SIZES, 4, act, &m), CS_OK, "%s", cs_last_error());
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    cs_mlp_init(m, rng);
    for (size_t k = 0; k < 3; k++) /* nonzero biases so their gradients are exercised */
        for (size_t j = 0; j < SIZES[k + 1]; j++)
            m->b[k][j] = cs_rng_gaussian(rng, 0.3);
    cs_rng_destroy(rng);
    return m;
}

static void random_batch(size_t B, uint64_t seed, double *x, int32_t *y)
{
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    for (size_t i = 0; i < B * SIZES[0]; i++)
        x[i] = cs_rng_gaussian(rng, 1.0);
    for (size_t i = 0; i < B; i++)
        y[i] = (int32_t)cs_rng_below(rng, SIZES[3]);
    cs_rng_destroy(rng);
}

/* ||a - b|| / ||b|| over n values. */
static double rel_err(const double *a, const double *b, size_t n)
{
    double d = 0.0, r = 0.0;
    for (size_t i = 0; i < n; i++) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        r += b[i] * b[i];
    }
    return sqrt(d) / sqrt(r);
}

/* The float kernels called directly: shadow load, forward, backward. */
static void check_gradient(cs_activation act)
{
    cs_mlp *m = make_net(act, 11 + (uint64_t)act);
    double x[ROWS * 64], *g64 = malloc(m->n_params * sizeof(double)), *g32 = malloc(m->n_params * sizeof(double));
    float xf[ROWS * 64], *gf = malloc(m->n_params * sizeof(float));
    int32_t y[ROWS];
    random_batch(ROWS, 5 + (uint64_t)act, x, y);
    cs_mlp_cache *c;
    cr_assert_eq(cs_mlp_cache_create(m, ROWS, &c), CS_OK);
    cr_assert_eq(cs_mlp_gradient(m, c, x, y, ROWS, g64, NULL), CS_OK);

    f32_mlp *f;
    f32_mlp_cache *cf;
    cr_assert_eq(f32_mlp_create(m, &f), CS_OK);
    cr_assert_eq(f32_mlp_cache_create(f, ROWS, &cf), CS_OK);
    f32_mlp_load(f, m);
    f32_from_f64(xf, x, ROWS * 64);
    cr_assert_eq(f32_mlp_forward(f, xf, ROWS, cf), CS_OK);
    f32_mlp_backward(f, cf, y, gf);
    f64_from_f32(g32, gf, m->n_params);

    double e = rel_err(g32, g64, m->n_params);
    cr_log_info("%s: global relative gradient error %.3g (bound %.3g)", cs_activation_name(act), e, TOL);
    cr_expect(e <= TOL, "%s: global relative error %g > %g", cs_activation_name(act), e, TOL);
    cr_expect(e > U32 / 100, "%s: error %g: the float path did not round", cs_activation_name(act), e);
    for (size_t k = 0; k < 3; k++) {
        double ek = rel_err(g32 + m->w_offset[k], g64 + m->w_offset[k], cs_mlp_layer_params(m, k));
        cr_log_info("  layer %zu: %.3g", k + 1, ek);
        cr_expect(ek <= TOL, "%s layer %zu: relative error %g > %g", cs_activation_name(act), k + 1, ek, TOL);
    }
    /* the deltas and activations of the same pass, layer by layer */
    for (size_t k = 0; k < 3; k++) {
        size_t n = ROWS * SIZES[k + 1];
        double *t = malloc(n * sizeof(double));
        f64_from_f32(t, cf->delta[k], n);
        cr_expect(rel_err(t, c->delta[k], n) <= TOL, "delta %zu: %g", k, rel_err(t, c->delta[k], n));
        f64_from_f32(t, cf->a[k], n);
        cr_expect(rel_err(t, c->a[k], n) <= TOL, "a %zu: %g", k, rel_err(t, c->a[k], n));
        free(t);
    }
    cr_expect_eq(f32_mlp_forward(f, xf, ROWS + 1, cf), CS_ELIMIT);
    f32_mlp_cache_destroy(cf);
    f32_mlp_destroy(f);
    cs_mlp_cache_destroy(c);
    cs_mlp_destroy(m);
    free(g64);
    free(g32);
    free(gf);
}

Test(f32, gradient_tanh) { check_gradient(CS_ACT_TANH); }
Test(f32, gradient_relu) { check_gradient(CS_ACT_RELU); }
Test(f32, gradient_sigmoid) { check_gradient(CS_ACT_SIGMOID); }
Test(f32, gradient_hardsigmoid) { check_gradient(CS_ACT_HARDSIGMOID); }
Test(f32, gradient_identity) { check_gradient(CS_ACT_IDENTITY); }

/* The rule with --bp-precision float32 against the rule in float64: the
 * step's direction and logits, the teaching signal, the snapshot. */
Test(f32, rule_bp_float32)
{
    cs_mlp *m = make_net(CS_ACT_TANH, 3);
    cs_rule_option o32 = {"bp-precision", "float32"}, o64 = {"bp-precision", "float64"};
    cs_rule *r32, *r64;
    cr_assert_eq(cs_rule_create(&cs_rule_bp, m, &o32, 1, 1, ROWS, &r32), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_rule_create(&cs_rule_bp, m, &o64, 1, 1, ROWS, &r64), CS_OK, "%s", cs_last_error());
    double x[ROWS * 64], *d32 = malloc(m->n_params * sizeof(double)), *d64 = malloc(m->n_params * sizeof(double)),
                         l32[ROWS * 10], l64[ROWS * 10];
    int32_t y[ROWS];
    random_batch(ROWS, 7, x, y);
    cs_rule_batch b32 = {.x = x, .labels = y, .rows = ROWS, .direction = d32, .logits = l32};
    cs_rule_batch b64 = {.x = x, .labels = y, .rows = ROWS, .direction = d64, .logits = l64};
    cr_assert_eq(cs_rule_step(r32, m, &b32), CS_OK);
    cr_assert_eq(cs_rule_step(r64, m, &b64), CS_OK);
    /* float32 hands its direction over as floats (the loop widens it where
     * it needs doubles) with S from them; float64 fills `direction` */
    cr_assert(b32.direction_f32 != NULL && b64.direction_f32 == NULL);
    /* both directions are bp's own gradient, the angle's default reference */
    cr_expect(b32.is_reference_gradient && b64.is_reference_gradient);
    double ssq = 0.0;
    for (size_t i = 0; i < m->n_params; i++) {
        d32[i] = (double)b32.direction_f32[i];
        ssq += d32[i] * d32[i];
    }
    cr_expect(fabs(b32.surprise / sqrt(ssq) - 1.0) <= 1e-14, "S is the float direction's norm");
    /* the rule's float mirror: NULL in float64; in float32 the shadow the
     * step read, (float)params after a step that loaded it */
    cr_expect(cs_rule_mirror_f32(r64) == NULL);
    float *mirror = cs_rule_mirror_f32(r32);
    cr_assert(mirror != NULL);
    size_t same = 0;
    for (size_t i = 0; i < m->n_params; i++)
        same += mirror[i] == (float)m->params[i];
    cr_expect_eq(same, m->n_params);
    double e = rel_err(d32, d64, m->n_params);
    cr_expect(e <= TOL && e > 0.0, "direction: %g", e);
    cr_expect(rel_err(l32, l64, ROWS * 10) <= TOL, "logits: %g", rel_err(l32, l64, ROWS * 10));
    cr_expect(fabs(b32.surprise / b64.surprise - 1.0) <= TOL);
    /* the angle to the double gradient is that relative error in radians at most */
    cr_expect(cs_train_angle_deg(d32, d64, m->n_params) <= TOL * 180.0 / M_PI);

    double a32[3][ROWS * 48], a64[3][ROWS * 48], e32[3][ROWS * 48], e64[3][ROWS * 48], t32[3][ROWS * 48];
    double *pa32[3] = {a32[0], a32[1], a32[2]}, *pa64[3] = {a64[0], a64[1], a64[2]};
    double *pe32[3] = {e32[0], e32[1], e32[2]}, *pe64[3] = {e64[0], e64[1], e64[2]};
    double *pt32[3] = {t32[0], t32[1], t32[2]}, t64[3][ROWS * 48], *pt64[3] = {t64[0], t64[1], t64[2]};
    cr_assert_eq(cs_rule_snapshot(r32, m, x, y, ROWS, pa32, pe32), CS_OK);
    cr_assert_eq(cs_rule_snapshot(r64, m, x, y, ROWS, pa64, pe64), CS_OK);
    cr_assert_eq(cs_rule_teaching_signal(r32, m, x, y, ROWS, pt32), CS_OK);
    cr_assert_eq(cs_rule_teaching_signal(r64, m, x, y, ROWS, pt64), CS_OK);
    for (size_t k = 0; k < 3; k++) {
        size_t n = ROWS * SIZES[k + 1];
        double ea = rel_err(a32[k], a64[k], n), ee = rel_err(e32[k], e64[k], n);
        cr_expect(ea <= TOL && ee <= TOL, "layer %zu: activations %g, errors %g", k + 1, ea, ee);
        cr_expect(memcmp(t32[k], e32[k], n * sizeof(double)) == 0, "teaching signal != snapshot errors");
        /* float64 bp: exact deltas as teaching signal, the snapshot (stored in
         * float32 by the run log) computed in float32 within the bound */
        double et = rel_err(e64[k], t64[k], n);
        cr_expect(et <= TOL && et > 0.0, "layer %zu: float64 rule's snapshot vs its teaching signal %g", k + 1, et);
        for (size_t i = 0; i < n; i++) /* widened floats: what the run log stores, exactly */
            cr_assert_eq((double)(float)a32[k][i], a32[k][i]);
    }
    /* more rows than create's max_rows: an error, not an overflow of the float buffers */
    double big[(ROWS + 1) * 64] = {0};
    int32_t ybig[ROWS + 1] = {0};
    double lbig[(ROWS + 1) * 10];
    cs_rule_batch bb = {.x = big, .labels = ybig, .rows = ROWS + 1, .direction = d32, .logits = lbig};
    cr_expect_eq(cs_rule_step(r32, m, &bb), CS_ELIMIT);
    cr_expect_eq(cs_rule_teaching_signal(r32, m, big, ybig, ROWS + 1, pt32), CS_ELIMIT);

    /* --bp-angle-reference float64: the float32 step's direction is no
     * longer the reference, so the loop measures the angle against the
     * double gradient (reference_gradient: the float64 rule's direction) */
    cs_rule_option o32r[] = {{"bp-precision", "float32"}, {"bp-angle-reference", "float64"}};
    cs_rule *r32r;
    cr_assert_eq(cs_rule_create(&cs_rule_bp, m, o32r, 2, 1, ROWS, &r32r), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_rule_step(r32r, m, &b32), CS_OK);
    cr_expect(!b32.is_reference_gradient);
    double *ref = malloc(m->n_params * sizeof(double));
    cr_assert_eq(cs_rule_reference_gradient(r32r, m, x, y, ROWS, ref), CS_OK);
    cr_expect(memcmp(ref, d64, m->n_params * sizeof(double)) == 0, "the reference is the float64 gradient");
    free(ref);
    cs_rule_destroy(r32r);

    cs_rule_option bad = {"bp-precision", "half"};
    cs_rule *rb = NULL;
    cr_expect_eq(cs_rule_create(&cs_rule_bp, m, &bad, 1, 1, ROWS, &rb), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "--bp-precision") && strstr(cs_last_error(), "half"), "%s", cs_last_error());
    cs_rule_option badref[] = {{"bp-precision", "float32"}, {"bp-angle-reference", "float32"}};
    cr_expect_eq(cs_rule_create(&cs_rule_bp, m, badref, 2, 1, ROWS, &rb), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "--bp-angle-reference") && strstr(cs_last_error(), "'float32'") &&
                  strstr(cs_last_error(), "own|float64"),
              "%s", cs_last_error());
    cs_rule_destroy(r32);
    cs_rule_destroy(r64);
    cs_mlp_destroy(m);
    free(d32);
    free(d64);
}

/* Only the JSON's numbers that do not depend on timing. */
static void strip_timing(char *json)
{
    char *p = strstr(json, ",\"seconds\"");
    char *q = p ? strstr(p, ",\"out\"") : NULL;
    if (p && q)
        memmove(p, q, strlen(q) + 1);
}

/* The acceptance command with --bp-precision float32 through the real CLI:
 * >= 97 % on digits (seed 1, bp's defaults), bit-identical JSON and run log
 * twice, once with --bp-angle-reference float64 (which only adds a
 * measurement: training is the same). The logged bp_angle_deg is 0 against
 * bp's own gradient (the default) and, against the double gradient, tiny but
 * not zero; /config says which (bp_angle_reference_bits 32 or 64). */
Test(f32, cli_digits_accuracy_and_determinism, .timeout = 300)
{
    char *dir = tu_tmpdir(), *out[2], *err[2], args[1024];
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args,
                 "train --data digits --rule bp --layers 64,100,10 --seed 1 --threads 1 "
                 "--bp-precision float32%s --json --out %s/run%d.h5",
                 i ? " --bp-angle-reference float64" : "", dir, i);
        cr_assert_eq(tu_cli(args, &out[i], &err[i]), 0, "%s", err[i]);
        strip_timing(out[i]);
        char *o = strstr(out[i], ",\"out\"");
        if (o)
            *o = '\0'; /* the two logs have different names */
    }
    cr_expect_str_eq(out[0], out[1]);
    const char *acc = strstr(out[0], "\"final_test_acc\":");
    cr_assert(acc, "%s", out[0]);
    double a = strtod(acc + strlen("\"final_test_acc\":"), NULL);
    cr_log_info("digits, bp float32, seed 1: final test accuracy %.4f", a);
    cr_expect(a >= 0.97, "final test accuracy %g < 0.97", a);

    cs_runlog *r[2];
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "%s/run%d.h5", dir, i);
        cr_assert_eq(cs_runlog_open(args, &r[i]), CS_OK, "%s", cs_last_error());
    }
    for (int i = 0; i < 2; i++) {
        double bits, ref_bits;
        cr_expect_eq(cs_runlog_config_param(r[i], "bp_precision_bits", &bits), CS_OK);
        cr_expect_eq(bits, 32.0);
        cr_expect_eq(cs_runlog_config_param(r[i], "bp_angle_reference_bits", &ref_bits), CS_OK);
        cr_expect_eq(ref_bits, i ? 64.0 : 32.0);
    }
    const char *names[] = {"loss", "tau", "surprise", "pi", "batch_acc"};
    for (size_t k = 0; k < 5; k++) {
        double *s0, *s1;
        size_t n0, n1;
        cr_assert_eq(cs_runlog_read_steps(r[0], names[k], &s0, &n0), CS_OK);
        cr_assert_eq(cs_runlog_read_steps(r[1], names[k], &s1, &n1), CS_OK);
        cr_expect(n0 == n1 && n0 > 0 && memcmp(s0, s1, n0 * sizeof *s0) == 0, "%s differs", names[k]);
        free(s0);
        free(s1);
    }
    size_t snaps = cs_runlog_get_info(r[0])->snapshots;
    for (size_t L = 1; L <= 2; L++) {
        for (int i = 0; i < 2; i++) {
            double *ang;
            size_t na, logged = 0, zero = 0;
            cr_assert_eq(tu_layer_series(r[i], L, "bp_angle_deg", &ang, &na), CS_OK);
            double mx = 0.0;
            for (size_t t = 0; t < na; t++)
                if (!isnan(ang[t])) {
                    logged++;
                    zero += ang[t] == 0.0;
                    mx = ang[t] > mx ? ang[t] : mx;
                    cr_expect(ang[t] >= 0.0);
                }
            cr_expect_eq(logged, snaps, "layer %zu: %zu angles for %zu snapshots", L, logged, snaps);
            if (i == 0) /* bp's direction against itself */
                cr_expect_eq(zero, logged, "layer %zu: %zu of %zu angles are 0", L, zero, logged);
            else /* angle <= relative error in radians; float32 rounding is ~1e-6 of it */
                cr_expect(mx > 0.0 && mx < 0.01, "layer %zu: max %g deg", L, mx);
            free(ang);
        }
        cs_matrix m0, m1;
        cr_assert_eq(tu_snapshot(r[0], L, snaps - 1, "errors", &m0), CS_OK);
        cr_assert_eq(tu_snapshot(r[1], L, snaps - 1, "errors", &m1), CS_OK);
        cr_expect(memcmp(m0.data, m1.data, m0.rows * m0.cols * sizeof(double)) == 0);
        cs_matrix_free(&m0);
        cs_matrix_free(&m1);
    }
    for (int i = 0; i < 2; i++) {
        cs_runlog_close_reader(r[i]);
        snprintf(args, sizeof args, "%s/run%d.h5", dir, i);
        unlink(args);
        free(out[i]);
        free(err[i]);
    }
    rmdir(dir);
    free(dir);
}

Test(f32, cli_usage_errors)
{
    char *err = NULL;
    cr_expect_eq(tu_cli("train --data xor --layers 2,8,2 --epochs 1 --bp-precision half", NULL, &err), 2);
    cr_expect(err && strstr(err, "--bp-precision") && strstr(err, "half") && strstr(err, "float32"), "%s", err);
    free(err);
    cr_expect_eq(tu_cli("train --data xor --layers 2,8,2 --epochs 1 --rule fa --bp-precision float32", NULL, &err),
                 2);
    cr_expect(err && strstr(err, "--bp-precision belongs to rule bp"), "%s", err);
    free(err);
    cr_expect_eq(tu_cli("train --data xor --layers 2,8,2 --epochs 1 --bp-precision", NULL, &err), 2);
    free(err);
    cr_expect_eq(
        tu_cli("train --data xor --layers 2,8,2 --epochs 1 --bp-precision float32 --bp-angle-reference double", NULL,
               &err),
        2);
    cr_expect(err && strstr(err, "--bp-angle-reference") && strstr(err, "'double'") && strstr(err, "own|float64"),
              "%s", err);
    free(err);
    char *out = NULL;
    cr_expect_eq(tu_cli("train --help", &out, NULL), 0);
    cr_expect(out && strstr(out, "--bp-precision") && strstr(out, "--bp-angle-reference own|float64"),
              "--help lists the options");
    free(out);
}
