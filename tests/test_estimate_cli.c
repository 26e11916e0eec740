/* `cogscope estimate entropy|mi|cmi|te|ais`: the command line end to end —
 * reference values through the CLI, JSON shape, units, --local, --cov, HDF5
 * input, surrogates — and every bad input giving a clear message and the
 * right exit code (1 for bad data, 2 for bad usage). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>

#include <hdf5.h>

#include "cogscope/rng.h"
#include "info_testutil.h"

static char *dir;

static void setup(void) { dir = tu_tmpdir(); }
static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

TestSuite(estimate_cli, .init = setup, .fini = teardown);

static char *path(const char *name)
{
    static _Thread_local char buf[4][600];
    static _Thread_local int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Run and return the exit code; `out` receives stdout, `err` stderr (freed by caller). */
static int run(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(char **out, char **err, const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return tu_cli(args, out, err);
}

static double json_value(const char *json, const char *key)
{
    double v = NAN;
    itu_json_numbers(json, key, 0, &v, 1);
    return v;
}

/* Bivariate Gaussian rho = 0.6 text file (seeded). */
static void write_gauss(const char *file, size_t n, double rho)
{
    FILE *f = fopen(file, "w");
    cs_rng *r;
    cs_rng_create(5, &r);
    fprintf(f, "# x y noise\n");
    for (size_t i = 0; i < n; i++) {
        double u = cs_rng_gaussian(r, 1), w = cs_rng_gaussian(r, 1);
        fprintf(f, "%.17g %.17g %.17g\n", u, rho * u + sqrt(1 - rho * rho) * w, cs_rng_gaussian(r, 1));
    }
    fclose(f);
    cs_rng_destroy(r);
}

Test(estimate_cli, help_and_usage_errors)
{
    char *out = NULL, *err = NULL;
    cr_expect_eq(run(&out, NULL, "estimate mi --help"), 0);
    cr_expect(strstr(out, "--estimator") && strstr(out, "--cov") && strstr(out, "--local"));
    free(out);
    write_gauss(path("g.txt"), 50, 0.6);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator gaussian --bogus", path("g.txt")),
                 2);
    cr_expect(strstr(err, "unknown option '--bogus'") != NULL, "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator", path("g.txt")), 2);
    cr_expect(strstr(err, "needs a value") != NULL, "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1", path("g.txt")), 2);
    cr_expect(strstr(err, "--estimator is required") != NULL, "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator magic", path("g.txt")), 2);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --estimator gaussian", path("g.txt")), 2);
    cr_expect(strstr(err, "needs --y") != NULL, "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator gaussian --k 3", path("g.txt")), 2);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate entropy --input %s --x 0 --estimator ksg1", path("g.txt")), 2);
    cr_expect(strstr(err, "not available with the ksg1 estimator") != NULL, "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0-a --y 1 --estimator gaussian", path("g.txt")), 2);
    cr_expect(strstr(err, "--x") != NULL, "%s", err);
    free(err);
}

/* --threads means the same in every subcommand: 0 = all cores, 1..1024,
 * anything else a usage error naming the flag. */
Test(estimate_cli, threads_flag_is_uniform)
{
    char *out = NULL, *err = NULL;
    write_gauss(path("g.txt"), 200, 0.6);
    const char *measures[] = {"mi --x 0 --y 1 --estimator ksg1", "oinfo --x 0-2 --estimator gaussian",
                              "psd --cols 0 --fs 1 --nperseg 64"};
    for (size_t i = 0; i < sizeof measures / sizeof measures[0]; i++) {
        cr_expect_eq(run(&out, &err, "estimate %s --input %s --threads 0 --json", measures[i], path("g.txt")), 0,
                     "%s: %s", measures[i], err);
        free(out);
        free(err);
        const char *bad[] = {"-1", "1025", "two"};
        for (size_t b = 0; b < 3; b++) {
            cr_expect_eq(run(NULL, &err, "estimate %s --input %s --threads %s", measures[i], path("g.txt"), bad[b]),
                         2, "%s --threads %s", measures[i], bad[b]);
            cr_expect(err && strstr(err, "--threads"), "%s", err);
            free(err);
        }
    }
    cr_expect_eq(run(NULL, &err, "train --data xor --threads -1"), 2);
    cr_expect(err && strstr(err, "--threads"), "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "analyze %s --threads 1025", path("g.txt")), 2);
    cr_expect(err && strstr(err, "--threads"), "%s", err);
    free(err);
}

Test(estimate_cli, json_shape_units_and_locals)
{
    write_gauss(path("g.txt"), 2000, 0.6);
    char *out = NULL, *err = NULL;
    cr_assert_eq(run(&out, &err, "estimate mi --input %s --x 0 --y 1 --estimator gaussian --json --local %s",
                     path("g.txt"), path("local.txt")),
                 0, "%s", err);
    const char *keys[] = {"\"measure\":\"mi\"", "\"estimator\":\"gaussian\"",
                          "\"units\":\"nats\"", "\"value\":",
                          "\"n\":2000",         "\"params\":{"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        cr_expect(strstr(out, keys[i]) != NULL, "missing %s in %s", keys[i], out);
    cr_expect(strstr(out, "p_value") == NULL);
    double nats = json_value(out, "value");
    /* one JSON object, one line */
    cr_expect(out[strlen(out) - 1] == '\n' && strchr(out, '\n') == out + strlen(out) - 1);
    /* locals: one per line, mean = value */
    char *loc = tu_slurp(path("local.txt"));
    cr_assert_not_null(loc);
    size_t lines = 0;
    double s = 0;
    for (char *p = loc; *p;) {
        char *end;
        s += strtod(p, &end);
        lines++;
        p = end;
        while (*p == '\n')
            p++;
    }
    cr_expect_eq(lines, 2000);
    cr_expect(fabs(s / 2000 - nats) < 1e-12, "%.15g vs %.15g", s / 2000, nats);
    free(loc);
    free(out);
    free(err);
    cr_assert_eq(run(&out, NULL, "estimate mi --input %s --x 0 --y 1 --estimator gaussian --json --units bits",
                     path("g.txt")),
                 0);
    cr_expect(strstr(out, "\"units\":\"bits\""));
    cr_expect(fabs(json_value(out, "value") * log(2.0) - nats) < 1e-14);
    free(out);
    /* discrete defaults to bits */
    tu_write(path("d.txt"), "0 0\n1 1\n0 0\n1 1\n");
    cr_assert_eq(run(&out, NULL, "estimate mi --input %s --x 0 --y 1 --estimator discrete --json", path("d.txt")), 0);
    cr_expect(strstr(out, "\"units\":\"bits\""));
    cr_expect(fabs(json_value(out, "value") - 1.0) < 1e-15);
    free(out);
    /* conditional entropy H(X|Y) = 0 for a copy */
    cr_assert_eq(run(&out, NULL, "estimate entropy --input %s --x 0 --y 1 --estimator discrete --json",
                     path("d.txt")),
                 0);
    cr_expect(strstr(out, "\"measure\":\"conditional_entropy\""), "%s", out);
    cr_expect(fabs(json_value(out, "value")) < 1e-15);
    free(out);
}

/* tests/data/te_discrete.json (Inform's C tests, via ../shared/reference) through the CLI */
Test(estimate_cli, discrete_te_equals_inform)
{
    tu_write(path("te.txt"), "% src dst\n1,1\n1,1\n0,1\n0,0\n1,0\n");
    char *out = NULL, *err = NULL;
    cr_assert_eq(run(&out, &err, "estimate te --input %s --x 0 --y 1 --history 2 --estimator discrete --json",
                     path("te.txt")),
                 0, "%s", err);
    cr_expect(fabs(json_value(out, "value") - 0.666667) < 1e-6, "%s", out);
    cr_expect(strstr(out, "\"history\":2"));
    free(out);
    free(err);
}

/* KSG-1 TE through the CLI on tests/data/2coupledRandomCols-1.txt equals
 * TRENTOOL's (tests/data/ksg.json, via JIDT's unit tests) within 1e-6: the
 * CLI z-scores whole series before embedding, as TRENTOOL and JIDT do.
 * Surrogates: p small for the coupled direction, not for the other.
 * --noise 0: TRENTOOL adds no tie-breaking noise (cogscope's default 1e-8
 * moves these values by ~1e-3 nats on 99 points). */
Test(estimate_cli, ksg_te_matches_trentool_and_surrogates)
{
    char *ref = itu_data_file("ksg.json");
    cr_assert_not_null(ref);
    double e01 = json_value(ref, "te_col0_to_col1"), e10 = json_value(ref, "te_col1_to_col0");
    free(ref);
    char *out = NULL, *err = NULL;
    const char *data = COGSCOPE_TEST_DATA "/2coupledRandomCols-1.txt";
    cr_assert_eq(
        run(&out, &err,
            "estimate te --input %s --x 0 --y 1 --estimator ksg1 --k 4 --noise 0 --surrogates 200 --seed 1 --json",
            data),
        0, "%s", err);
    cr_expect(fabs(json_value(out, "value") - e01) < 1e-6, "%s", out);
    cr_expect(json_value(out, "p_value") < 0.01, "%s", out);
    cr_expect(strstr(out, "\"surrogate_mean\":") && strstr(out, "\"surrogate_std\":"));
    free(out);
    free(err);
    cr_assert_eq(
        run(&out, &err,
            "estimate te --input %s --x 1 --y 0 --estimator ksg1 --k 4 --noise 0 --surrogates 200 --seed 1 --json",
            data),
        0, "%s", err);
    cr_expect(fabs(json_value(out, "value") - e10) < 1e-6, "%s", out);
    cr_expect(json_value(out, "p_value") > 0.05, "%s", out);
    free(out);
    free(err);
}

/* Exact Gaussian values from --cov (tests/data/gaussian_analytic.json, analytic). */
Test(estimate_cli, covariance_input_is_exact)
{
    char *ref = itu_data_file("gaussian_analytic.json");
    double mi[3], h1 = 0;
    itu_json_numbers(ref, "mi", 0, mi, 3);
    itu_json_numbers(ref, "entropy_standard_normal", 0, &h1, 1);
    free(ref);
    tu_write(path("cov.txt"), "1 0.9 0\n0.9 1 0\n0 0 1\n");
    char *out = NULL, *err = NULL;
    cr_assert_eq(run(&out, &err, "estimate mi --cov %s --x 0 --y 1 --estimator gaussian --json", path("cov.txt")), 0,
                 "%s", err);
    cr_expect(fabs(json_value(out, "value") - mi[2]) < 1e-11, "%s", out);
    free(out);
    free(err);
    cr_assert_eq(run(&out, NULL, "estimate entropy --cov %s --x 2 --estimator gaussian --json", path("cov.txt")), 0);
    cr_expect(fabs(json_value(out, "value") - h1) < 1e-10, "%s", out);
    free(out);
    /* cmi: I(X0; X1 | X2) with X2 independent = I(X0; X1) */
    cr_assert_eq(run(&out, NULL, "estimate cmi --cov %s --x 0 --y 1 --z 2 --estimator gaussian --json",
                     path("cov.txt")),
                 0);
    cr_expect(fabs(json_value(out, "value") - mi[2]) < 1e-11, "%s", out);
    free(out);
    /* te: rows X_t, Y_t, Y_{t+1} of the coupled AR(1) (a = b = 0.5, c = 0.4),
     * stationary covariance computed by hand: Var X = 4/3, Cov(X,Y) = 0.8/3 * ... see
     * test_gaussian.c for the derivation; here only the CLI wiring of --past. */
    double a = 0.5, b = 0.5, c = 0.4, s00 = 1, s01 = 0, s11 = 1;
    for (int it = 0; it < 200; it++) {
        double n00 = a * a * s00 + 1, n01 = a * (c * s00 + b * s01);
        double n11 = c * c * s00 + 2 * b * c * s01 + b * b * s11 + 1;
        s00 = n00, s01 = n01, s11 = n11;
    }
    FILE *f = fopen(path("ar.txt"), "w");
    double y1x = c * s00 + b * s01, y1y = c * s01 + b * s11;
    fprintf(f, "%.17g %.17g %.17g\n%.17g %.17g %.17g\n%.17g %.17g %.17g\n", s00, s01, y1x, s01, s11, y1y, y1x, y1y,
            s11);
    fclose(f);
    cr_assert_eq(run(&out, &err, "estimate te --cov %s --x 0 --y 2 --past 1 --estimator gaussian --json",
                     path("ar.txt")),
                 0, "%s", err);
    cr_expect(fabs(json_value(out, "value") - 0.0920525146) < 1e-10, "%s", out);
    free(out);
    free(err);
    /* --n enables the chi2 null */
    cr_assert_eq(run(&out, NULL, "estimate mi --cov %s --x 0 --y 1 --n 100 --analytic --estimator gaussian --json",
                     path("cov.txt")),
                 0);
    cr_expect(fabs(json_value(out, "chi2_statistic") - 200 * mi[2]) < 1e-8, "%s", out);
    cr_expect(json_value(out, "chi2_df") == 1);
    free(out);
}

static void write_h5(const char *file, const char *name1, size_t n1, const char *name2, size_t n2)
{
    hid_t f = H5Fcreate(file, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const char *names[2] = {name1, name2};
    size_t ns[2] = {n1, n2};
    for (int k = 0; k < 2; k++) {
        double *d = malloc(ns[k] * sizeof *d);
        for (size_t i = 0; i < ns[k]; i++)
            d[i] = sin(0.37 * (double)i + k) + 0.1 * (double)((i * 7 + (size_t)k) % 5);
        hsize_t dims[1] = {ns[k]};
        hid_t sp = H5Screate_simple(1, dims, NULL);
        hid_t ds = H5Dcreate2(f, names[k], H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d);
        H5Dclose(ds);
        H5Sclose(sp);
        free(d);
    }
    H5Fclose(f);
}

Test(estimate_cli, hdf5_inputs)
{
    write_h5(path("a.h5"), "/x", 300, "/y", 300);
    write_h5(path("b.h5"), "/x", 300, "/y", 299);
    char *out = NULL, *err = NULL;
    cr_assert_eq(run(&out, &err, "estimate mi --x-input %s:/x --y-input %s:/y --estimator gaussian --json",
                     path("a.h5"), path("a.h5")),
                 0, "%s", err);
    cr_expect(strstr(out, "\"n\":300"));
    free(out);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --x-input %s:/x --y-input %s:/y --estimator gaussian", path("b.h5"),
                     path("b.h5")),
                 1);
    cr_expect(strstr(err, "X and Y differ in length") && strstr(err, "300") && strstr(err, "299"), "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s:/nope --x 0 --y 0 --estimator gaussian", path("a.h5")), 1);
    cr_expect(strstr(err, "no dataset '/nope'") != NULL, "%s", err);
    free(err);
}

/* FILE.h5:/dataset[I]: entry I of a 3-D [snapshot, sample, unit] dataset is
 * the same table as that entry written out as text. */
Test(estimate_cli, hdf5_slice_of_a_3d_dataset)
{
    enum { K = 4, N = 200, U = 3 };
    double *d = malloc(K * N * U * sizeof *d);
    cr_assert_not_null(d);
    uint64_t x = 88172645463325252ULL; /* xorshift64: any fixed numbers will do */
    for (size_t i = 0; i < K * N * U; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        d[i] = (double)(x >> 11) / 9007199254740992.0 - 0.5;
    }
    for (size_t s = 0; s < K; s++) /* unit 1 follows unit 0 more closely at later snapshots */
        for (size_t i = 0; i < N; i++)
            d[(s * N + i) * U + 1] += (double)s * d[(s * N + i) * U + 0];
    hid_t f = H5Fcreate(path("acts.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[3] = {K, N, U};
    hid_t sp = H5Screate_simple(3, dims, NULL);
    hid_t g = H5Gcreate2(f, "/layer1", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t ds = H5Dcreate2(g, "acts", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d);
    H5Dclose(ds);
    H5Gclose(g);
    H5Sclose(sp);
    H5Fclose(f);
    for (size_t s = 2; s < K; s++) {
        char name[32], *txt = malloc(N * U * 32);
        size_t o = 0;
        for (size_t i = 0; i < N; i++)
            for (size_t u = 0; u < U; u++)
                o += (size_t)sprintf(txt + o, "%.17g%c", d[(s * N + i) * U + u], u + 1 < U ? ' ' : '\n');
        snprintf(name, sizeof name, "snap%zu.txt", s);
        tu_write(path(name), txt);
        free(txt);
    }
    free(d);
    char *out = NULL, *err = NULL, *ref = NULL;
    const char *idx[2] = {"[2]", "[-1]"}, *txt[2] = {"snap2.txt", "snap3.txt"};
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(run(&out, &err,
                         "estimate mi --input '%s:/layer1/acts%s' --x 0 --y 1 --estimator gaussian --json",
                         path("acts.h5"), idx[k]),
                     0, "%s", err);
        free(err);
        cr_assert_eq(run(&ref, &err, "estimate mi --input '%s' --x 0 --y 1 --estimator gaussian --json",
                         path(txt[k])),
                     0, "%s", err);
        free(err);
        cr_expect(strstr(out, "\"n\":200") != NULL, "%s", out);
        cr_expect_eq(json_value(out, "value"), json_value(ref, "value"), "%s vs %s", out, ref);
        free(out);
        free(ref);
    }
    cr_expect_eq(run(NULL, &err, "estimate mi --input '%s:/layer1/acts[4]' --x 0 --y 1 --estimator gaussian",
                     path("acts.h5")),
                 1);
    cr_expect(strstr(err, "index 4") && strstr(err, "out of range") && strstr(err, "4 entries"), "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input '%s:/layer1/acts' --x 0 --y 1 --estimator gaussian",
                     path("acts.h5")),
                 1);
    cr_expect(strstr(err, "rank 3") && strstr(err, "/layer1/acts[0]"), "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input '%s:/layer1/acts[x]' --x 0 --y 1 --estimator gaussian",
                     path("acts.h5")),
                 1);
    cr_expect(strstr(err, "whole number") != NULL, "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input '%s:/layer1/nope[1]' --x 0 --y 1 --estimator gaussian",
                     path("acts.h5")),
                 1);
    cr_expect(strstr(err, "no dataset '/layer1/nope'") != NULL, "%s", err);
    free(err);
}

/* Every bad input: a clear message naming what is wrong, exit code 1. */
Test(estimate_cli, bad_inputs)
{
    char *err = NULL;
    tu_write(path("nan.txt"), "1 2\n3 nan\n5 6\n7 8\n");
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator gaussian", path("nan.txt")), 1);
    cr_expect(strstr(err, "NaN at data row 1, column 1") != NULL, "%s", err);
    free(err);
    tu_write(path("inf.txt"), "1 2\n3 4\ninf 6\n7 8\n");
    cr_expect_eq(run(NULL, &err, "estimate te --input %s --x 0 --y 1 --estimator discrete", path("inf.txt")), 1);
    cr_expect(strstr(err, "Inf at data row 2, column 0") != NULL, "%s", err);
    free(err);

    tu_write(path("const.txt"), "1 2\n1 4\n1 3\n1 8\n1 5\n");
    for (int e = 0; e < 3; e++) {
        const char *est[] = {"gaussian", "gcopula", "ksg1"};
        cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator %s%s", path("const.txt"), est[e],
                         e == 2 ? " --k 1" : ""),
                     1, "%s", est[e]);
        /* the only --x column is constant: nothing left after dropping it */
        cr_expect(strstr(err, "--x: every column is constant") != NULL, "%s: %s", est[e], err);
        free(err);
    }

    /* singular covariance: from data (y = 2x) and from --cov */
    tu_write(path("dup.txt"), "1 2\n2 4\n3 6\n5 10\n4 8.0\n");
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator gaussian", path("dup.txt")), 1);
    cr_expect(strstr(err, "singular") != NULL, "%s", err);
    free(err);
    tu_write(path("sing.txt"), "1 1\n1 1\n");
    cr_expect_eq(run(NULL, &err, "estimate mi --cov %s --x 0 --y 1 --estimator gaussian", path("sing.txt")), 1);
    cr_expect(strstr(err, "sing.txt") && (strstr(err, "singular") || strstr(err, "positive definite")), "%s", err);
    free(err);
    tu_write(path("rect.txt"), "1 0 0\n0 1 0\n");
    cr_expect_eq(run(NULL, &err, "estimate mi --cov %s --x 0 --y 1 --estimator gaussian", path("rect.txt")), 1);
    cr_expect(strstr(err, "must be square, this is 2 x 3") != NULL, "%s", err);
    free(err);
    tu_write(path("c2.txt"), "1 0.5\n0.5 1\n");
    cr_expect_eq(run(NULL, &err, "estimate mi --cov %s --x 0 --y 2 --estimator gaussian", path("c2.txt")), 1);
    cr_expect(strstr(err, "row 2 is out of range") != NULL, "%s", err);
    free(err);

    /* k >= number of samples */
    write_gauss(path("g.txt"), 10, 0.5);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator ksg2 --k 10", path("g.txt")), 1);
    cr_expect(strstr(err, "--k 10 must be smaller than the number of usable samples (10)") != NULL, "%s", err);
    free(err);

    /* column index out of range */
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 3 --estimator gaussian", path("g.txt")), 1);
    cr_expect(strstr(err, "--y: column 3 is out of range (the data has 3 columns") != NULL, "%s", err);
    free(err);

    /* series too short for the history */
    cr_expect_eq(run(NULL, &err, "estimate te --input %s --x 0 --y 1 --history 10 --estimator gaussian",
                     path("g.txt")),
                 1);
    cr_expect(strstr(err, "too short") != NULL, "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate ais --input %s --x 0 --history 12 --estimator discrete --bins 2",
                     path("g.txt")),
                 1);
    cr_expect(strstr(err, "too short") != NULL, "%s", err);
    free(err);

    /* X and Y of different lengths (two text files) */
    tu_write(path("x5.txt"), "1\n2\n3\n4\n5\n");
    tu_write(path("y4.txt"), "1\n2\n3\n5\n");
    cr_expect_eq(run(NULL, &err, "estimate mi --x-input %s --y-input %s --estimator discrete", path("x5.txt"),
                     path("y4.txt")),
                 1);
    cr_expect(strstr(err, "differ in length") && strstr(err, "5 rows") && strstr(err, "4 rows"), "%s", err);
    free(err);

    /* empty file (only comments) and a missing file */
    tu_write(path("empty.txt"), "# nothing here\n\n");
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator gaussian", path("empty.txt")), 1);
    cr_expect(strstr(err, "empty.txt") && strstr(err, "no data rows"), "%s", err);
    free(err);
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator gaussian", path("missing.txt")), 1);
    cr_expect(strstr(err, "cannot open") != NULL, "%s", err);
    free(err);

    /* non-integer data for the discrete estimator */
    cr_expect_eq(run(NULL, &err, "estimate mi --input %s --x 0 --y 1 --estimator discrete", path("g.txt")), 1);
    cr_expect(strstr(err, "not an integer symbol") != NULL, "%s", err);
    free(err);
}

Test(estimate_cli, discrete_binning_and_gcopula_paths)
{
    write_gauss(path("g.txt"), 3000, 0.9);
    char *out = NULL, *err = NULL;
    /* equal-frequency binning into 2 bins of a rho = 0.9 pair: the binarised
     * pair is a bivariate-normal orthant problem with P(same half) =
     * 1/2 + asin(0.9)/pi = 0.8564, so I = 1 - H2(0.8564) = 0.4058 bits;
     * sampling se ~ 0.01 at N = 3000 -> tolerance 0.04 */
    cr_assert_eq(run(&out, &err,
                     "estimate mi --input %s --x 0 --y 1 --estimator discrete --bins 2 --binning freq --json",
                     path("g.txt")),
                 0, "%s", err);
    double q = 0.5 + asin(0.9) / M_PI;
    double want = 1 + q * log2(q) + (1 - q) * log2(1 - q);
    cr_expect(fabs(json_value(out, "value") - want) < 0.04, "%s vs %.4f", out, want);
    free(out);
    free(err);
    cr_assert_eq(run(&out, &err, "estimate mi --input %s --x 0 --y 1 --estimator gcopula --json", path("g.txt")), 0,
                 "%s", err);
    cr_expect(strstr(out, "\"bias_correct\":true"));
    /* analytic 0.830365603411 (gaussian_analytic.json); se ~ rho/sqrt(N) = 0.016 -> 0.06 */
    cr_expect(fabs(json_value(out, "value") - 0.830365603411) < 0.06, "%s", out);
    free(out);
    free(err);
    cr_assert_eq(
        run(&out, &err,
            "estimate te --input %s --x 0 --y 1 --z 2 --estimator gaussian --surrogates 20 --analytic --json",
            path("g.txt")),
        0, "%s", err);
    cr_expect(strstr(out, "\"p_value\":") && strstr(out, "\"analytic_p_value\":") && strstr(out, "\"chi2_df\":1"),
              "%s", out);
    free(out);
    free(err);
}

/* The estimator options (--bins, --binning, --alphabet, --miller-madow,
 * --(no-)bias-correct) of every estimate family are checked once, by the
 * library's measure table through the options' tags: each refusal exits 2
 * and names the option and the estimators that take it. */
Test(estimate_cli, estimator_options_come_from_the_measure_table)
{
    write_gauss(path("g.txt"), 60, 0.6);
    const char *g = path("g.txt");
    static const struct {
        const char *args, *msg;
    } cases[] = {
        {"mi --x 0 --y 1 --estimator gaussian --bins 4", "--bins is not an option of the gaussian estimator"},
        {"mi --x 0 --y 1 --estimator ksg1 --miller-madow", "--miller-madow is not an option of the ksg1 estimator"},
        {"mi --x 0 --y 1 --estimator ksg1 --bias-correct", "--bias-correct is not an option of the ksg1 estimator"},
        {"mi --x 0 --y 1 --estimator discrete --bins 3 --alphabet 2", "exclude each other"},
        {"mi --x 0 --y 1 --estimator discrete --binning freq", "--binning needs --bins"},
        {"oinfo --x 0-2 --estimator gaussian --bins 3", "--bins is not an option of the gaussian estimator"},
        {"oinfo --x 0-2 --estimator discrete --bins 3 --bias-correct", "--bias-correct is not an option of the "
                                                                       "discrete estimator"},
        {"pid --x 0 --y 1 --target 2 --estimator gaussian --alphabet 2", "--alphabet is not an option of the "
                                                                         "gaussian estimator"},
        {"pid --x 0 --y 1 --target 2 --estimator discrete --bins 2 --alphabet 2", "exclude each other"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *err = NULL;
        cr_expect_eq(run(NULL, &err, "estimate %s --input %s", cases[i].args, g), 2, "%s", cases[i].args);
        cr_expect(err && strstr(err, cases[i].msg), "%s: %s", cases[i].args, err ? err : "");
        free(err);
    }
    /* and what the estimators do take still runs */
    cr_expect_eq(run(NULL, NULL, "estimate mi --input %s --x 0 --y 1 --estimator discrete --bins 3 --binning freq",
                     g),
                 0);
    cr_expect_eq(run(NULL, NULL, "estimate tc --input %s --x 0-2 --estimator discrete --bins 3 --miller-madow", g),
                 0);
    cr_expect_eq(run(NULL, NULL, "estimate mi --input %s --x 0 --y 1 --estimator gcopula --no-bias-correct", g), 0);
}
