/* Constant columns and exact copies in the multivariate scans (tc, dtc,
 * oinfo, sinfo, tse), the PID and the PhiID of `cogscope estimate` with the
 * gaussian and gcopula estimators (issue 14): the column is dropped with a
 * note (stderr in text mode, "notes" in JSON), or refused under --strict,
 * instead of failing the whole call on a singular covariance.
 *
 * The truth each value is checked against is the same measure on the data
 * without the dropped column (--x naming only the kept columns): a dropped
 * column must leave every number exactly as if it had never been given, so
 * the JSON values are compared as text, digit for digit. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/columns.h"
#include "cogscope/core.h"
#include "cogscope/rng.h"
#include "testutil.h"

TestSuite(degenerate_columns, .init = tu_dir_setup, .fini = tu_dir_teardown);

/* 300 rows of 7 columns: 0, 1, 3, 5 and 6 correlated Gaussians (so every
 * measure is non-zero), 2 constant, 4 a bitwise copy of column 1. */
static const char *write_data(void)
{
    const char *path = tu_path("d.txt");
    FILE *f = fopen(path, "w");
    cr_assert(f);
    cs_rng *rng;
    cr_assert_eq(cs_rng_create(11, &rng), CS_OK);
    for (int i = 0; i < 300; i++) {
        double a = cs_rng_gaussian(rng, 1), b = cs_rng_gaussian(rng, 1), c = cs_rng_gaussian(rng, 1);
        double d = a + 0.5 * b + cs_rng_gaussian(rng, 0.7), e = b - c + cs_rng_gaussian(rng, 1);
        fprintf(f, "%.17g %.17g 2.5 %.17g %.17g %.17g %.17g\n", a, b, c, b, d, e);
    }
    fclose(f);
    cs_rng_destroy(rng);
    return path;
}

/* The part of a JSON object from `from` up to (not including) its "notes",
 * or `to` where it has none (the values without the notes and parameters
 * that differ between the two runs); to = NULL: up to the end. A new
 * string, or NULL when `from` is absent. */
static char *json_span(const char *json, const char *from, const char *to)
{
    const char *a = json ? strstr(json, from) : NULL;
    if (!a)
        return NULL;
    const char *b = to ? strstr(a, "\"notes\"") : NULL;
    if (to && !b)
        b = strstr(a, to);
    size_t n = b ? (size_t)(b - a) : strlen(a);
    char *s = malloc(n + 1);
    memcpy(s, a, n);
    s[n] = '\0';
    return s;
}

/* Run both command lines (JSON); the spans (json_span) of their outputs must
 * be equal and non-empty, and the first must carry `note`. */
static void expect_same(const char *with, const char *without, const char *from, const char *to, const char *note)
{
    char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL;
    int c1 = tu_cli(with, &o1, &e1), c2 = tu_cli(without, &o2, &e2);
    cr_assert_eq(c1, 0, "'%s': exit %d: %s", with, c1, e1);
    cr_assert_eq(c2, 0, "'%s': exit %d: %s", without, c2, e2);
    char *s1 = json_span(o1, from, to), *s2 = json_span(o2, from, to);
    cr_assert(s1 && s2 && strlen(s1) > strlen(from) + 2, "'%s': no %s in %s", with, from, o1);
    cr_expect_str_eq(s1, s2, "'%s' differs from '%s'", with, without);
    cr_expect(strstr(o1, "\"notes\":[") && strstr(o1, note), "'%s': no note '%s': %s", with, note, o1);
    cr_expect(!strstr(o2, "\"notes\""), "'%s' drops nothing: %s", without, o2);
    free(s1), free(s2), free(o1), free(e1), free(o2), free(e2);
}

Test(degenerate_columns, multiplet_scans_drop_constant_and_copied_columns)
{
    const char *d = write_data();
    const char *measures[] = {"oinfo", "sinfo", "tc", "dtc", "tse"};
    const char *estimators[] = {"gaussian", "gcopula"};
    const char *note = "--x: dropped columns 2 (constant), 4 (a copy of column 1)";
    char with[1024], without[1024];
    for (size_t m = 0; m < 5; m++)
        for (size_t e = 0; e < 2; e++) {
            /* every multiplet of orders 2-4, by the user's column numbers */
            snprintf(with, sizeof with, "estimate %s --input '%s' --estimator %s --multiplets 2-4 --json",
                     measures[m], d, estimators[e]);
            snprintf(without, sizeof without,
                     "estimate %s --input '%s' --estimator %s --x 0,1,3,5,6 --multiplets 2-4 --json", measures[m], d,
                     estimators[e]);
            expect_same(with, without, "\"count\"", NULL, note);
            /* the top lists */
            strcat(with, " --top 3"), strcat(without, " --top 3");
            expect_same(with, without, "\"count\"", NULL, note);
            /* one set */
            snprintf(with, sizeof with, "estimate %s --input '%s' --estimator %s --json", measures[m], d,
                     estimators[e]);
            snprintf(without, sizeof without, "estimate %s --input '%s' --estimator %s --x 0,1,3,5,6 --json",
                     measures[m], d, estimators[e]);
            expect_same(with, without, "\"value\"", "\"params\"", note);
        }
}

Test(degenerate_columns, multiplet_scan_text_note_strict_and_nothing_left)
{
    const char *d = write_data();
    char *out = NULL, *err = NULL;
    cr_assert_eq(tu_clif(&out, &err, "estimate oinfo --input '%s' --estimator gaussian --multiplets 3 --top 2", d), 0,
                 "%s", err);
    cr_expect(strstr(err, "note: --x: dropped columns 2 (constant), 4 (a copy of column 1)"), "%s", err);
    cr_expect(strstr(out, "of 5 variables"), "%s", out);
    free(out), free(err);
    cr_expect_eq(tu_clif(&out, &err, "estimate oinfo --input '%s' --estimator gaussian --multiplets 3 --strict", d),
                 1);
    cr_expect(strstr(err, "column 2 is constant") && strstr(err, "--strict"), "%s", err);
    free(out), free(err);
    cr_expect_eq(tu_clif(&out, &err, "estimate tc --input '%s' --estimator gcopula --x 1,4 --strict", d), 1);
    cr_expect(strstr(err, "column 4 is a copy of column 1"), "%s", err);
    free(out), free(err);
    /* a copy of a column the variable does not hold is an ordinary column */
    cr_assert_eq(tu_clif(&out, &err, "estimate tc --input '%s' --estimator gcopula --x 0,4 --strict --json", d), 0,
                 "%s", err);
    cr_expect(!strstr(out, "\"notes\""), "%s", out);
    free(out), free(err);
    /* one usable column is too few for a set; in JSON mode the note goes to stderr */
    cr_expect_eq(tu_clif(&out, &err, "estimate tc --input '%s' --estimator gaussian --x 1,2,4 --json", d), 1);
    cr_expect(strstr(err, "1 is left after dropping") && strstr(err, "note: --x: dropped columns 2 (constant)"), "%s",
              err);
    free(out), free(err);
    /* a column listed twice stays a usage error, not a copy to drop */
    cr_expect_eq(tu_clif(&out, &err, "estimate oinfo --input '%s' --estimator gaussian --x 0,1,1", d), 2);
    cr_expect(strstr(err, "twice"), "%s", err);
    free(out), free(err);
    /* discrete data keep their columns: a constant symbol is a valid variable */
    cr_assert_eq(tu_clif(&out, &err, "estimate tc --input '%s' --estimator discrete --bins 3 --json", d), 0, "%s",
                 err);
    cr_expect(!strstr(out, "\"notes\"") && strstr(out, "\"x\":[0,1,2,3,4,5,6]"), "%s", out);
    free(out), free(err);
}

Test(degenerate_columns, pid_drops_a_copied_source_column)
{
    const char *d = write_data();
    const char *cases[][2] = {{"gaussian", "mmi"}, {"gaussian", "ccs"}, {"gcopula", "mmi"}, {"gcopula", "ccs"}};
    char with[1024], without[1024];
    for (size_t c = 0; c < 4; c++) {
        /* X1 = (column 1, its copy 4), X2 = (column 3, constant 2), Y = column 5 */
        snprintf(with, sizeof with,
                 "estimate pid --input '%s' --estimator %s --redundancy %s --x 1,4 --y 3,2 --target 5 --json", d,
                 cases[c][0], cases[c][1]);
        snprintf(without, sizeof without,
                 "estimate pid --input '%s' --estimator %s --redundancy %s --x 1 --y 3 --target 5 --json", d,
                 cases[c][0], cases[c][1]);
        expect_same(with, without, "\"redundancy\":", "\"params\"", "--x: dropped column 4 (a copy of column 1)");
        expect_same(with, without, "\"redundancy\":", "\"params\"", "--y: dropped column 2 (constant)");
    }
    char *out = NULL, *err = NULL;
    cr_expect_eq(tu_clif(&out, &err,
                         "estimate pid --input '%s' --estimator gaussian --x 1,4 --y 3 --target 5 --strict", d),
                 1);
    cr_expect(strstr(err, "column 4 is a copy of column 1"), "%s", err);
    free(out), free(err);
    /* a target with no usable column is an error naming it */
    cr_expect_eq(tu_clif(&out, &err, "estimate pid --input '%s' --estimator gaussian --x 1 --y 3 --target 2", d), 1);
    cr_expect(strstr(err, "--target: every column is constant"), "%s", err);
    free(out), free(err);
    cr_assert_eq(tu_clif(&out, &err, "estimate pid --input '%s' --estimator gaussian --x 1,4 --y 3 --target 5", d), 0,
                 "%s", err);
    cr_expect(strstr(err, "note: --x: dropped column 4 (a copy of column 1)"), "%s", err);
    free(out), free(err);
}

Test(degenerate_columns, phiid_drops_degenerate_source_columns)
{
    const char *d = write_data();
    /* estimator, then redundancy with its options (fewer ccs points: faster) */
    const char *cases[][2] = {{"gaussian", "mmi"}, {"gaussian", "ccs --ccs-points 1024"}, {"gcopula", "mmi"}};
    char with[1024], without[1024];
    for (size_t c = 0; c < 3; c++) {
        snprintf(with, sizeof with,
                 "estimate phiid --input '%s' --estimator %s --redundancy %s --x 1,4 --y 2,6 --json", d, cases[c][0],
                 cases[c][1]);
        snprintf(without, sizeof without,
                 "estimate phiid --input '%s' --estimator %s --redundancy %s --x 1 --y 6 --json", d, cases[c][0],
                 cases[c][1]);
        expect_same(with, without, "\"atoms\"", "\"params\"", "--x: dropped column 4 (a copy of column 1)");
        expect_same(with, without, "\"atoms\"", "\"params\"", "--y: dropped column 2 (constant)");
    }
    char *out = NULL, *err = NULL;
    cr_expect_eq(tu_clif(&out, &err, "estimate phiid --input '%s' --estimator gaussian --x 1 --y 2,6 --strict", d),
                 1);
    cr_expect(strstr(err, "column 2 is constant"), "%s", err);
    free(out), free(err);
}

/* The tie fraction (cs_columns_tied_fraction, hashing) against the pairwise
 * definition: a row is tied when another row has an equal (==) value in some
 * column; -0 equals +0, NaN equals nothing. Small integer alphabets (many
 * ties), wide ones (few), continuous values (none), and the special values. */
Test(degenerate_columns, tied_fraction_equals_the_pairwise_count)
{
    cs_rng *rng;
    cr_assert_eq(cs_rng_create(11, &rng), CS_OK);
    for (int trial = 0; trial < 40; trial++) {
        size_t n = 2 + cs_rng_below(rng, 300), d = 1 + cs_rng_below(rng, 3);
        uint64_t alphabet = trial % 4 == 3 ? 0 : (uint64_t)1 << (2 * (trial % 4) + 1); /* 2, 8, 32, continuous */
        cs_matrix x;
        cr_assert_eq(cs_matrix_alloc(n, d, &x), CS_OK);
        for (size_t i = 0; i < n * d; i++)
            x.data[i] = alphabet ? (double)cs_rng_below(rng, alphabet) * 1e6 - 3e6 : cs_rng_gaussian(rng, 1.0);
        if (trial % 5 == 0 && n > 3) { /* -0 and +0 are one value; NaN matches nothing */
            x.data[0] = -0.0, x.data[d] = 0.0;
            x.data[2 * d] = NAN, x.data[3 * d] = NAN;
        }
        size_t tied = 0;
        for (size_t i = 0; i < n; i++) {
            int t = 0;
            for (size_t j = 0; j < d && !t; j++)
                for (size_t k = 0; k < n && !t; k++)
                    t = k != i && cs_matrix_get(x, i, j) == cs_matrix_get(x, k, j);
            tied += t;
        }
        double f = -1;
        cr_assert_eq(cs_columns_tied_fraction(x, &f), CS_OK);
        cr_expect_eq(f, (double)tied / (double)n, "trial %d: %g, pairwise %zu of %zu", trial, f, tied, n);
        cs_matrix_free(&x);
    }
    cs_rng_destroy(rng);
}
