/* Benchmark: Gaussian O-information of every multiplet of orders kmin..kmax.
 *
 *   bench_oinfo DATA.bin N n kmin kmax threads repeats [VALUES_OUT.bin]
 *
 * DATA.bin: N x n float64, row-major (bench_oinfo.py writes it). Times the
 * estimator preparation (covariance by one dsyrk + single-variable terms) and the multiplet
 * scan separately, each the best of `repeats` runs (the machine is shared),
 * prints one JSON line, and optionally writes the scan's values (float64,
 * cogscope's multiplet order) for the driver to check against numpy. */
#include <stdio.h>
#include <stdlib.h>

#include "cogscope/multivariate.h"

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: %s DATA.bin N n kmin kmax threads repeats [VALUES_OUT.bin]\n", argv[0]);
        return 2;
    }
    size_t N = strtoull(argv[2], NULL, 10), n = strtoull(argv[3], NULL, 10);
    size_t kmin = strtoull(argv[4], NULL, 10), kmax = strtoull(argv[5], NULL, 10);
    int threads = atoi(argv[6]), repeats = atoi(argv[7]);
    double *x = malloc(N * n * sizeof *x);
    FILE *f = fopen(argv[1], "rb");
    if (!x || !f || fread(x, sizeof *x, N * n, f) != N * n) {
        fprintf(stderr, "cannot read %zu x %zu doubles from %s\n", N, n, argv[1]);
        return 1;
    }
    fclose(f);

    double best_plan = 1e30, best_scan = 1e30;
    cs_estimator_params ep;
    cs_estimator_params_default(CS_EST_GAUSSIAN, &ep);
    cs_estimator *plan = NULL; /* the estimator the scans run against */
    for (int r = 0; r < repeats; r++) {
        cs_estimator_destroy(plan);
        double t0 = cs_time_now();
        if (cs_mv_estimator_create(&ep, cs_matrix_view(x, N, n), NULL, &plan)) {
            fprintf(stderr, "%s\n", cs_last_error());
            return 1;
        }
        double t = cs_time_now() - t0;
        best_plan = t < best_plan ? t : best_plan;
    }
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    o.order_min = kmin;
    o.order_max = kmax;
    o.threads = threads;
    cs_mv_estimate est;
    if (cs_mv_multiplets_check(plan, CS_MV_OINFO, &o, &est)) {
        fprintf(stderr, "%s\n", cs_last_error());
        return 1;
    }
    double *values = malloc(est.count * sizeof *values);
    for (int r = 0; r < repeats; r++) {
        double t0 = cs_time_now();
        if (cs_mv_multiplets(plan, CS_MV_OINFO, &o, values, NULL, NULL, NULL, NULL)) {
            fprintf(stderr, "%s\n", cs_last_error());
            return 1;
        }
        double t = cs_time_now() - t0;
        best_scan = t < best_scan ? t : best_scan;
    }
    /* the same scan keeping only the 10 most synergistic / redundant */
    cs_mv_hit lo[10], hi[10];
    size_t nlo, nhi;
    double best_top = 1e30;
    o.top_k = 10;
    for (int r = 0; r < repeats; r++) {
        double t0 = cs_time_now();
        cs_mv_multiplets(plan, CS_MV_OINFO, &o, NULL, lo, &nlo, hi, &nhi);
        double t = cs_time_now() - t0;
        best_top = t < best_top ? t : best_top;
    }
    printf("{\"n\": %zu, \"N\": %zu, \"orders\": [%zu, %zu], \"count\": %llu, \"threads\": %d, "
           "\"plan_s\": %.6g, \"scan_s\": %.6g, \"scan_top10_s\": %.6g, \"model_s\": %.6g}\n",
           n, N, kmin, kmax, (unsigned long long)est.count, threads, best_plan, best_scan, best_top, est.seconds);
    if (argc > 8) {
        f = fopen(argv[8], "wb");
        if (!f || fwrite(values, sizeof *values, est.count, f) != est.count) {
            fprintf(stderr, "cannot write %s\n", argv[8]);
            return 1;
        }
        fclose(f);
    }
    cs_estimator_destroy(plan);
    free(values);
    free(x);
    return 0;
}
