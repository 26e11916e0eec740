/* The training run log's write path: what it computes and stores must not
 * depend on the shortcuts that make it cheap (docs/training.md,
 * Performance). The float probe snapshot (vt->snapshot_f32) against the
 * double snapshot narrowed, bit for bit; the angle of a float direction
 * against the angle of its widened copy; snapshot entries written as raw
 * chunks against the same entries through HDF5's type path and filters. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cogscope/dataset.h"
#include "cogscope/mlp.h"
#include "cogscope/rng.h"
#include "cogscope/rule.h"
#include "cogscope/runlog.h"
#include "cogscope/train.h"

#include "../src/learn/train_internal.h"

static const size_t SIZES[4] = {64, 48, 32, 10};
#define ROWS 40

static cs_mlp *make_net(uint64_t seed)
{
    cs_mlp *m;
    cr_assert_eq(cs_mlp_create(SIZES, 4, CS_ACT_RELU, &m), CS_OK, "%s", cs_last_error());
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    cs_mlp_init(m, rng);
    for (size_t k = 0; k < 3; k++) /* nonzero biases: every term of the pass counts */
        for (size_t j = 0; j < SIZES[k + 1]; j++)
            m->b[k][j] = cs_rng_gaussian(rng, 0.3);
    cs_rng_destroy(rng);
    return m;
}

/* x in double with its float copy (what the observer keeps of the probe) */
static void probe(uint64_t seed, double *x, float *xf, int32_t *y)
{
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    for (size_t i = 0; i < ROWS * SIZES[0]; i++) {
        x[i] = cs_rng_uniform(rng) < 0.4 ? 0.0 : cs_rng_uniform(rng) / 0.7; /* pixel-like, most not floats */
        xf[i] = (float)x[i];
    }
    for (size_t i = 0; i < ROWS; i++)
        y[i] = (int32_t)(cs_rng_uniform(rng) * 10.0);
    cs_rng_destroy(rng);
}

/* bp's float snapshot is its double snapshot narrowed, bit for bit, in both
 * precisions, and with acts NULL (the reference errors of other rules);
 * the values are those the run log stored before the float path existed. */
static void check_precision(const char *precision)
{
    cs_mlp *m = make_net(5);
    cs_rule_option o = {"bp-precision", precision};
    cs_rule *r;
    cr_assert_eq(cs_rule_create(&cs_rule_bp, m, &o, 1, 1, ROWS, &r), CS_OK, "%s", cs_last_error());
    static double x[ROWS * 64], ad[3][ROWS * 48], ed[3][ROWS * 48];
    static float xf[ROWS * 64], af[3][ROWS * 48], ef[3][ROWS * 48], e2[3][ROWS * 48];
    int32_t y[ROWS];
    probe(9, x, xf, y);
    double *pad[3] = {ad[0], ad[1], ad[2]}, *ped[3] = {ed[0], ed[1], ed[2]};
    float *paf[3] = {af[0], af[1], af[2]}, *pef[3] = {ef[0], ef[1], ef[2]}, *pe2[3] = {e2[0], e2[1], e2[2]};
    cr_assert_eq(cs_rule_snapshot(r, m, x, y, ROWS, pad, ped), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_rule_snapshot_f32(r, m, xf, y, ROWS, paf, pef), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_rule_snapshot_f32(r, m, xf, y, ROWS, NULL, pe2), CS_OK, "%s", cs_last_error());
    for (size_t k = 0; k < 3; k++) {
        size_t n = ROWS * SIZES[k + 1], same_a = 0, same_e = 0, nonzero = 0;
        for (size_t i = 0; i < n; i++) {
            float a = (float)ad[k][i], e = (float)ed[k][i];
            same_a += memcmp(&a, &af[k][i], sizeof a) == 0;
            same_e += memcmp(&e, &ef[k][i], sizeof e) == 0 && memcmp(&e, &e2[k][i], sizeof e) == 0;
            nonzero += ef[k][i] != 0.0f;
        }
        cr_expect_eq(same_a, n, "%s layer %zu: %zu of %zu activations differ", precision, k + 1, n - same_a, n);
        cr_expect_eq(same_e, n, "%s layer %zu: %zu of %zu errors differ", precision, k + 1, n - same_e, n);
        cr_expect_gt(nonzero, n / 4, "%s layer %zu: errors mostly zero, the comparison would prove little", precision,
                     k + 1);
    }
    /* more rows than create's max_rows: refused before any buffer is touched */
    cr_expect_eq(cs_rule_snapshot_f32(r, m, xf, y, ROWS + 1, paf, pef), CS_ELIMIT);
    cs_rule_destroy(r);
    cs_mlp_destroy(m);
}

Test(trainlog_path, bp_float_snapshot_is_the_double_one_narrowed_float64) { check_precision("float64"); }
Test(trainlog_path, bp_float_snapshot_is_the_double_one_narrowed_float32) { check_precision("float32"); }

/* A rule without a float snapshot says so (the observer narrows its double
 * one instead). */
Test(trainlog_path, rule_without_float_snapshot_refuses)
{
    cs_mlp *m = make_net(5);
    cs_rule *r;
    cr_assert_eq(cs_rule_create(&cs_rule_fa, m, NULL, 0, 1, ROWS, &r), CS_OK, "%s", cs_last_error());
    cr_assert(cs_rule_fa.snapshot_f32 == NULL);
    static float xf[ROWS * 64], ef[3][ROWS * 48];
    float *pef[3] = {ef[0], ef[1], ef[2]};
    int32_t y[ROWS] = {0};
    cr_expect_eq(cs_rule_snapshot_f32(r, m, xf, y, ROWS, NULL, pef), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "fa") != NULL, "%s", cs_last_error());
    cs_rule_destroy(r);
    cs_mlp_destroy(m);
}

/* ---- snapshot entries in the file ---- */

#define SR 32 /* samples */
#define SU 40 /* units: 5 kB entries, over the 4 kB under which entries share a chunk */

/* Entry value of snapshot s, sample i, unit j: distinct, most not exact in
 * a short decimal, some negative, one -0.0 (a sign a copy could lose). */
static float entry_value(size_t s, size_t i, size_t j)
{
    if (s == 2 && i == 0 && j == 0)
        return -0.0f;
    return (float)((double)(s * 100 + i * 10 + j) / 3.0 - 20.0);
}

/* A log of one layer with "a" (every snapshot, float), "b" (snapshots 0 and
 * 2 only: 1 stays NaN) and "c" (doubles, narrowed by HDF5 on the way) at
 * three snapshots, written with snapshot_deflate `deflate` (0: the raw-chunk
 * path for a and b; 1: the filter pipeline), read back exactly. */
static void check_entries(int deflate)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_trainlog_path_%d_%d.h5", (int)getpid(), deflate);
    cs_runlog_options opt = {.snapshot_deflate = deflate};
    cs_runlog_writer *w;
    cr_assert_eq(cs_runlog_create(path, &opt, &w), CS_OK, "%s", cs_last_error());
    size_t l, shape[2] = {SR, SU};
    cs_runlog_handle ha, hb, hc, hl;
    cr_assert_eq(cs_runlog_add_layer(w, "fc1", &l), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_declare_snapshot(w, l, "a", 2, shape, &ha), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_declare_snapshot(w, l, "b", 2, shape, &hb), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_declare_snapshot(w, l, "c", 2, shape, &hc), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_declare_series(w, "loss", CS_RUNLOG_F64, &hl), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_start(w), CS_OK, "%s", cs_last_error());
    float f[SR * SU];
    double d[SR * SU];
    for (size_t s = 0; s < 3; s++) {
        for (size_t i = 0; i < SR * SU; i++) {
            f[i] = entry_value(s, i / SU, i % SU);
            d[i] = (double)f[i] * (1.0 + 1e-12); /* HDF5 rounds it back to f[i], -0.0 too */
        }
        cr_assert_eq(cs_runlog_put_snapshot(w, ha, f), CS_OK, "%s", cs_last_error());
        if (s != 1)
            cr_assert_eq(cs_runlog_put_snapshot(w, hb, f), CS_OK, "%s", cs_last_error());
        cr_assert_eq(cs_runlog_put_snapshot_f64(w, hc, d), CS_OK, "%s", cs_last_error());
        cr_assert_eq(cs_runlog_end_snapshot(w, (int64_t)s * 10), CS_OK, "%s", cs_last_error());
        cr_assert_eq(cs_runlog_put(w, hl, 1.0), CS_OK);
        cr_assert_eq(cs_runlog_end_step(w, (int64_t)s), CS_OK);
    }
    cr_assert_eq(cs_runlog_close(w), CS_OK, "%s", cs_last_error());

    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    size_t rl = cs_runlog_layer_find(r, "fc1");
    const char *names[3] = {"a", "b", "c"};
    for (size_t s = 0; s < 3; s++)
        for (size_t k = 0; k < 3; k++) {
            cs_matrix m;
            cr_assert_eq(cs_runlog_read_layer_snapshot(r, rl, names[k], s, &m), CS_OK, "%s", cs_last_error());
            cr_assert(m.rows == SR && m.cols == SU);
            size_t bad = 0;
            for (size_t i = 0; i < SR; i++)
                for (size_t j = 0; j < SU; j++) {
                    double v = m.data[i * m.stride + j], want = entry_value(s, i, j);
                    if (k == 1 && s == 1)
                        bad += !isnan(v); /* never written: the fill */
                    else
                        bad += memcmp(&v, &want, sizeof v) != 0;
                }
            cr_expect_eq(bad, 0, "deflate %d, snapshot %zu, %s: %zu values differ", deflate, s, names[k], bad);
            cs_matrix_free(&m);
        }
    cs_runlog_close_reader(r);
    unlink(path);
}

Test(trainlog_path, snapshot_entries_raw_chunks) { check_entries(0); }
Test(trainlog_path, snapshot_entries_filtered) { check_entries(1); }

/* ---- the angle of a float32 step's direction ---- */

/* train_angle_deg_f32 widens in its sums: the bits of cs_train_angle_deg on
 * the widened copy, for directions near and far from the reference; and
 * the closed form on a right isoceles pair (45 degrees). */
Test(trainlog_path, float_direction_angle_is_the_widened_one)
{
    enum { N = 3001 };
    static float a[N];
    static double aw[N], b[N];
    cs_rng *rng;
    cs_rng_create(3, &rng);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < N; i++) {
            a[i] = (float)cs_rng_gaussian(rng, 1.0);
            aw[i] = (double)a[i];
            /* pass 0: unrelated (about 90 degrees); 1: a float32-like rounding away */
            b[i] = pass ? aw[i] * (1.0 + 3e-8 * cs_rng_gaussian(rng, 1.0)) : cs_rng_gaussian(rng, 1.0);
        }
        double f = train_angle_deg_f32(a, b, N), d = cs_train_angle_deg(aw, b, N);
        cr_expect(memcmp(&f, &d, sizeof f) == 0, "pass %d: %.17g vs %.17g", pass, f, d);
        cr_expect(pass ? f > 0.0 && f < 1e-4 : f > 80.0 && f < 100.0, "pass %d: angle %g", pass, f);
    }
    cs_rng_destroy(rng);
    float e[2] = {1.0f, 0.0f};
    double g[2] = {1.0, 1.0};
    cr_expect(fabs(train_angle_deg_f32(e, g, 2) - 45.0) <= 1e-12, "%.17g", train_angle_deg_f32(e, g, 2));
    double z[2] = {0.0, 0.0};
    cr_expect(isnan(train_angle_deg_f32(e, z, 2)));
}

/* ---- what the run reports of its log ---- */

/* log_snapshots counts the snapshots in the file and log_seconds is a part
 * of the training time; without a log both are 0. */
Test(trainlog_path, result_reports_the_log_cost)
{
    cs_dataset_options dopt;
    cs_dataset_options_default(&dopt);
    dopt.bundled_dir = COGSCOPE_SOURCE_DIR "/datasets";
    cs_dataset tr, te;
    cr_assert_eq(cs_dataset_load("digits", &dopt, &tr, &te), CS_OK, "%s", cs_last_error());
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_trainlog_path_run_%d.h5", (int)getpid());
    cs_train_config c;
    cs_train_config_default(&c);
    c.epochs = 1;
    c.log_every = 20;
    c.probe_size = 64;
    cs_train_result off, on;
    cr_assert_eq(cs_train_run(&c, &tr, &te, &off, NULL), CS_OK, "%s", cs_last_error());
    cr_expect(off.log_seconds == 0.0 && off.log_snapshots == 0);
    c.out_path = path;
    cr_assert_eq(cs_train_run(&c, &tr, &te, &on, NULL), CS_OK, "%s", cs_last_error());
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    size_t snaps = cs_runlog_get_info(r)->snapshots;
    cs_runlog_close_reader(r);
    unlink(path);
    cr_expect_eq(on.log_snapshots, snaps);
    cr_expect_eq(snaps, (on.steps - 1) / 20 + 2, "a snapshot every 20 steps and at the last: %zu", snaps);
    cr_expect(on.log_seconds > 0.0 && on.log_seconds < on.train_seconds, "%g of %g s", on.log_seconds,
              on.train_seconds);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}
