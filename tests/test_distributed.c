/* The pieces the distributed commands are built from (docs/distributed.md),
 * in the serial build: work split into parts and put back together must give
 * exactly the whole computation.
 *   - multiplet scans in parts: values and merged top-K lists equal the
 *     one-part scan, bit for bit;
 *   - surrogates in ranges: the summary of the concatenated values equals
 *     cs_info_surrogates, for discrete, gaussian and KSG;
 *   - analyze as jobs run in any order and merged equals cs_obs_analyze;
 *   - `estimate te|mi --pairs`: every entry equals the single estimate of
 *     that pair, the Gaussian MI equals -1/2 ln(1 - r^2) of the sample
 *     correlation r (computed here), and bad usage gives exit code 2.
 * The comparisons across `mpirun -n K` are in tests/mpi/run.sh. */
#include <criterion/criterion.h>
#include <math.h>

#include "cogscope/info.h"
#include "cogscope/multivariate.h"
#include "cogscope/observe.h"
#include "cogscope/rng.h"
#include "cogscope/runlog.h"
#include "info_testutil.h"

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Seeded n x d Gaussian table with some dependence between columns. */
static void gauss_table(size_t n, size_t d, uint64_t seed, cs_matrix *m)
{
    cr_assert_eq(cs_matrix_alloc(n, d, m), CS_OK);
    cs_rng *r;
    cs_rng_create(seed, &r);
    for (size_t i = 0; i < n; i++) {
        double *row = cs_matrix_row(*m, i);
        for (size_t j = 0; j < d; j++)
            row[j] = cs_rng_gaussian(r, 1) + (j ? 0.4 * row[j - 1] : 0);
    }
    cs_rng_destroy(r);
}

Test(distributed, part_ranges_tile_the_range)
{
    uint64_t totals[] = {0, 1, 7, 220, 1000003};
    for (size_t t = 0; t < sizeof totals / sizeof totals[0]; t++)
        for (size_t parts = 1; parts <= 5; parts++) {
            uint64_t next = 0;
            for (size_t p = 0; p < parts; p++) {
                uint64_t first, count;
                cs_mv_part_range(totals[t], p, parts, &first, &count);
                cr_expect_eq(first, next);
                cr_expect(count + 1 >= totals[t] / parts && count <= totals[t] / parts + 1);
                next = first + count;
            }
            cr_expect_eq(next, totals[t]);
        }
}

/* Scan in `parts` parts, reassembled as est_dist_multiplets does; compare. */
static void check_parts(const cs_estimator *plan, cs_mv_measure meas, size_t kmin, size_t kmax, size_t top,
                        size_t parts)
{
    size_t n = cs_estimator_columns(plan);
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    o.order_min = kmin;
    o.order_max = kmax;
    o.top_k = top;
    o.threads = 2;
    uint64_t total = 0;
    for (size_t k = kmin; k <= kmax; k++)
        total += cs_mv_binomial(n, k);
    double *whole = malloc(total * sizeof *whole), *joined = malloc(total * sizeof *joined);
    double *part = malloc(total * sizeof *part);
    cs_mv_hit wl[16], wh[16], pl[16], ph[16], ul[16 * 8], uh[16 * 8];
    size_t nwl, nwh, npl, nph, nul = 0, nuh = 0;
    cr_assert_eq(cs_mv_multiplets(plan, meas, &o, whole, wl, &nwl, wh, &nwh), CS_OK, "%s", cs_last_error());
    o.parts = parts;
    for (size_t p = 0; p < parts; p++) {
        o.part = p;
        cr_assert_eq(cs_mv_multiplets(plan, meas, &o, part, pl, &npl, ph, &nph), CS_OK);
        uint64_t src = 0, dst = 0, first, cnt;
        for (size_t k = kmin; k <= kmax; k++) {
            uint64_t c = cs_mv_binomial(n, k);
            cs_mv_part_range(c, p, parts, &first, &cnt);
            memcpy(joined + dst + first, part + src, cnt * sizeof *part);
            src += cnt;
            dst += c;
        }
        memcpy(ul + nul, pl, npl * sizeof *pl);
        memcpy(uh + nuh, ph, nph * sizeof *ph);
        nul += npl;
        nuh += nph;
    }
    for (uint64_t i = 0; i < total; i++)
        cr_expect(same_bits(whole[i], joined[i]), "value %llu: %.17g vs %.17g", (unsigned long long)i, whole[i],
                  joined[i]);
    cs_mv_hits_sort(ul, nul, 0);
    cs_mv_hits_sort(uh, nuh, 1);
    cr_assert(nul >= nwl && nuh >= nwh);
    for (size_t i = 0; i < nwl; i++)
        cr_expect(same_bits(ul[i].value, wl[i].value) && ul[i].rank == wl[i].rank && ul[i].order == wl[i].order,
                  "lowest %zu differs (%zu parts)", i, parts);
    for (size_t i = 0; i < nwh; i++)
        cr_expect(same_bits(uh[i].value, wh[i].value) && uh[i].rank == wh[i].rank && uh[i].order == wh[i].order,
                  "highest %zu differs (%zu parts)", i, parts);
    free(whole);
    free(joined);
    free(part);
}

Test(distributed, multiplet_scan_in_parts_is_the_whole_scan)
{
    cs_matrix x;
    gauss_table(300, 9, 11, &x);
    cs_estimator *g;
    cs_estimator_params gp;
    cs_estimator_params_default(CS_EST_GCOPULA, &gp);
    cr_assert_eq(cs_mv_estimator_create(&gp, x, NULL, &g), CS_OK, "%s", cs_last_error());
    /* discrete: the table path (sub-multiplet entropies) of DTC/O */
    cs_symbols sym = {0};
    cr_assert_eq(cs_discrete_bin(x, 3, CS_BIN_EQUAL_FREQ, &sym), CS_OK);
    cs_estimator *d;
    cr_assert_eq(cs_mv_estimator_create_symbols(&sym, 0, NULL, &d), CS_OK);
    for (size_t parts = 1; parts <= 4; parts++) {
        check_parts(g, CS_MV_OINFO, 3, 5, 10, parts);
        check_parts(d, CS_MV_DTC, 2, 4, 16, parts);
        check_parts(d, CS_MV_SINFO, 3, 3, 1, parts);
    }
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    o.part = 3;
    o.parts = 3;
    double v[200];
    cr_expect_eq(cs_mv_multiplets(g, CS_MV_TC, &o, v, NULL, NULL, NULL, NULL), CS_EINVAL);
    cs_estimator_destroy(g);
    cs_estimator_destroy(d);
    cs_symbols_free(&sym);
    cs_matrix_free(&x);
}

Test(distributed, surrogates_in_ranges_give_the_same_test)
{
    cs_matrix x;
    gauss_table(400, 3, 5, &x);
    cs_matrix a = {x.data, x.rows, 1, x.stride}, b = {x.data + 1, x.rows, 1, x.stride};
    cs_info_estimator ests[] = {CS_EST_DISCRETE, CS_EST_GAUSSIAN, CS_EST_KSG1};
    for (size_t e = 0; e < 3; e++) {
        cs_info_params p;
        cs_info_params_default(CS_INFO_TE, ests[e], &p);
        if (ests[e] == CS_EST_DISCRETE)
            p.est.bins = 4;
        p.est.threads = 2;
        cs_info *c;
        cr_assert_eq(cs_info_create(&p, &c), CS_OK);
        cr_assert_eq(cs_info_set_observations(c, a, b, (cs_matrix){0}), CS_OK, "%s", cs_last_error());
        size_t N = 23;
        double whole[23], split[23], observed;
        cs_info_significance s1, s2;
        cr_assert_eq(cs_info_surrogates(c, N, 77, &s1, whole), CS_OK);
        /* uneven ranges, the last computed first */
        cr_assert_eq(cs_info_surrogate_values(c, 9, N - 9, 77, split + 9), CS_OK);
        cr_assert_eq(cs_info_surrogate_values(c, 0, 1, 77, split), CS_OK);
        cr_assert_eq(cs_info_surrogate_values(c, 1, 8, 77, split + 1), CS_OK);
        cr_assert_eq(cs_info_surrogate_values(c, 5, 0, 77, NULL), CS_OK);
        for (size_t s = 0; s < N; s++)
            cr_expect(same_bits(whole[s], split[s]), "%s surrogate %zu", cs_info_estimator_name(ests[e]), s);
        cr_assert_eq(cs_info_average(c, &observed), CS_OK);
        cr_assert_eq(cs_significance_summarise(observed, split, N, &s2), CS_OK);
        cr_expect(same_bits(s1.p_value, s2.p_value) && same_bits(s1.surrogate_mean, s2.surrogate_mean) &&
                  same_bits(s1.surrogate_std, s2.surrogate_std) && same_bits(s1.observed, s2.observed));
        cs_info_destroy(c);
    }
    cs_matrix_free(&x);
}

/* ---- analyze as jobs ------------------------------------------------------------ */

static void expect_same_metrics(const cs_metrics *a, const cs_metrics *b)
{
    cr_assert_eq(cs_metrics_count(a), cs_metrics_count(b));
    for (size_t i = 0; i < cs_metrics_count(a); i++) {
        const cs_metrics_array *x = cs_metrics_at(a, i), *y = cs_metrics_at(b, i);
        cr_assert_str_eq(x->path, y->path);
        cr_assert_eq(x->count, y->count, "%s", x->path);
        cr_expect(x->count == 0 || !memcmp(x->data, y->data, x->count * sizeof *x->data), "%s differs", x->path);
    }
    cr_assert_eq(cs_metrics_note_count(a), cs_metrics_note_count(b));
    for (size_t i = 0; i < cs_metrics_note_count(a); i++)
        cr_expect_str_eq(cs_metrics_note(a, i), cs_metrics_note(b, i));
    cr_assert_eq(cs_metrics_attr_count(a), cs_metrics_attr_count(b));
    for (size_t i = 0; i < cs_metrics_attr_count(a); i++) {
        const char *k = cs_metrics_attr_name(a, i);
        if (strcmp(k, "created"))
            cr_expect_str_eq(cs_metrics_attr(a, k), cs_metrics_attr(b, k), "attribute %s", k);
    }
}

Test(distributed, analyze_jobs_in_any_order_merge_to_the_serial_metrics, .timeout = 300)
{
    char *dir = tu_tmpdir(), args[1024], run_path[600];
    snprintf(run_path, sizeof run_path, "%s/r.h5", dir);
    snprintf(args, sizeof args,
             "train --data digits --rule bp --layers 64,16,12,10 --epochs 1 --log-every 20 "
             "--probe-size 120 --seed 4 --out %s",
             run_path);
    cr_assert_eq(tu_cli(args, NULL, NULL), 0);
    cs_runlog *run;
    cr_assert_eq(cs_runlog_open(run_path, &run), CS_OK, "%s", cs_last_error());
    cs_info_estimator est[] = {CS_EST_GCOPULA, CS_EST_DISCRETE};
    for (int e = 0; e < 2; e++) {
        cs_obs_params p;
        cs_obs_params_default(&p);
        p.estimator = est[e];
        p.metrics = CS_OBS_ALL; /* the opt-in groups too (teaching: the errors are read per job) */
        p.surrogates = 3;
        p.multiplets = 20;
        p.threads = 2;
        cs_metrics *serial, *merged;
        cr_assert_eq(cs_obs_analyze(run, &p, &serial), CS_OK, "%s", cs_last_error());
        cs_obs_jobs *jobs;
        cr_assert_eq(cs_obs_jobs_create(run, &p, &jobs), CS_OK, "%s", cs_last_error());
        size_t n = cs_obs_jobs_count(jobs);
        cr_assert_gt(n, 10);
        double **res = calloc(n, sizeof *res);
        size_t *lens = calloc(n, sizeof *lens);
        for (size_t j = n; j-- > 0;) /* backwards: results must not depend on the order */
            cr_assert_eq(cs_obs_jobs_run(jobs, j, &res[j], &lens[j]), CS_OK, "%s", cs_last_error());
        cr_expect_eq(cs_obs_analyze_merge(run, &p, (const double *const *)res, lens, n - 1, &merged), CS_EINVAL,
                     "too few results are refused");
        cr_assert_eq(cs_obs_analyze_merge(run, &p, (const double *const *)res, lens, n, &merged), CS_OK, "%s",
                     cs_last_error());
        expect_same_metrics(serial, merged);
        lens[0] = 1; /* a truncated result is refused, not read past */
        cs_metrics *bad = NULL;
        cr_expect_eq(cs_obs_analyze_merge(run, &p, (const double *const *)res, lens, n, &bad), CS_EINVAL);
        for (size_t j = 0; j < n; j++)
            free(res[j]);
        free(res);
        free(lens);
        cs_obs_jobs_destroy(jobs);
        cs_metrics_destroy(serial);
        cs_metrics_destroy(merged);
        cs_metrics_destroy(bad);
    }
    cs_runlog_close_reader(run);
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    cr_expect_eq(system(args), 0);
    free(dir);
}

/* ---- estimate te|mi --pairs ----------------------------------------------------- */

Test(distributed, pairs_matrix_entries_are_the_single_estimates, .timeout = 120)
{
    char *dir = tu_tmpdir(), file[600];
    snprintf(file, sizeof file, "%s/t.txt", dir);
    cs_matrix x;
    gauss_table(500, 4, 9, &x);
    FILE *f = fopen(file, "w");
    for (size_t i = 0; i < x.rows; i++) /* a lagged coupling 0 -> 2 for TE */
        fprintf(f, "%.17g %.17g %.17g %.17g\n", cs_matrix_get(x, i, 0), cs_matrix_get(x, i, 1),
                cs_matrix_get(x, i, 2) + (i ? 0.8 * cs_matrix_get(x, i - 1, 0) : 0), cs_matrix_get(x, i, 3));
    fclose(f);
    const char *cases[] = {"te --estimator ksg1 --surrogates 9 --seed 3", "mi --estimator gaussian --surrogates 5",
                           "te --estimator discrete --bins 3"};
    for (int c = 0; c < 3; c++) {
        char *out = NULL;
        cr_assert_eq(tu_clif(&out, NULL, "estimate %s --input %s --pairs 0,2,3 --json", cases[c], file), 0);
        double val[6], pv[6];
        cr_assert_eq(itu_json_numbers(out, "value", 0, val, 6), 6, "%s", out);
        int has_p = itu_json_numbers(out, "p_value", 0, pv, 6) == 6;
        cr_expect_eq(has_p, strstr(cases[c], "surrogates") != NULL);
        free(out);
        size_t cols[3] = {0, 2, 3}, q = 0;
        for (size_t i = 0; i < 3; i++)
            for (size_t j = 0; j < 3; j++) {
                if (i == j)
                    continue;
                cr_assert_eq(tu_clif(&out, NULL, "estimate %s --input %s --x %zu --y %zu --json", cases[c], file,
                                     cols[i], cols[j]),
                             0);
                double v = NAN, p = NAN;
                itu_json_numbers(out, "value", 0, &v, 1);
                itu_json_numbers(out, "p_value", 0, &p, 1);
                cr_expect(same_bits(v, val[q]), "%s pair %zu->%zu: %.17g vs %.17g", cases[c], cols[i], cols[j],
                          val[q], v);
                if (has_p)
                    cr_expect(same_bits(p, pv[q]), "%s pair %zu->%zu p-value", cases[c], cols[i], cols[j]);
                free(out);
                q++; /* the JSON matrix without its null diagonal, row by row */
            }
    }
    /* The Gaussian MI of columns 0 and 1 is -1/2 ln(1 - r^2), r their sample correlation. */
    double m0 = 0, m1 = 0, s00 = 0, s11 = 0, s01 = 0;
    for (size_t i = 0; i < x.rows; i++)
        m0 += cs_matrix_get(x, i, 0) / (double)x.rows, m1 += cs_matrix_get(x, i, 1) / (double)x.rows;
    for (size_t i = 0; i < x.rows; i++) {
        double a = cs_matrix_get(x, i, 0) - m0, b = cs_matrix_get(x, i, 1) - m1;
        s00 += a * a, s11 += b * b, s01 += a * b;
    }
    double r = s01 / sqrt(s00 * s11), mi[2], expect = -0.5 * log(1 - r * r);
    char *out = NULL;
    cr_assert_eq(tu_clif(&out, NULL, "estimate mi --input %s --pairs 0,1 --estimator gaussian --json", file), 0);
    cr_assert_eq(itu_json_numbers(out, "value", 0, mi, 2), 2);
    cr_expect(fabs(mi[0] - expect) < 1e-12 && fabs(mi[1] - expect) < 1e-12, "%.17g %.17g vs %.17g", mi[0], mi[1],
              expect);
    free(out);
    /* text output: a header, the matrix with '-' on the diagonal */
    cr_assert_eq(tu_clif(&out, NULL, "estimate te --input %s --pairs 1-3 --estimator gaussian", file), 0);
    cr_expect(strstr(out, "3 columns, 6 ordered pairs") && strstr(out, "\n1\t-\t"), "%s", out);
    free(out);
    /* bad usage and bad input */
    const char *usage[] = {"te --pairs 0,1 --x 0 --estimator gaussian", "cmi --pairs 0,1 --estimator gaussian",
                           "te --pairs 1 --estimator gaussian", "te --pairs 1,2,1 --estimator gaussian",
                           "mi --pairs 0,1 --local /dev/null --estimator gaussian"};
    for (int u = 0; u < 5; u++) {
        char *err = NULL;
        cr_expect_eq(tu_clif(NULL, &err, "estimate %s --input %s", usage[u], file), 2, "%s", usage[u]);
        cr_expect(strstr(err, "--pairs") != NULL, "%s: %s", usage[u], err);
        free(err);
    }
    char *err = NULL;
    cr_expect_eq(tu_clif(NULL, &err, "estimate te --pairs 0,9 --estimator gaussian --input %s", file), 1);
    cr_expect(strstr(err, "column 9 is out of range") != NULL, "%s", err);
    free(err);
    cs_matrix_free(&x);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}
