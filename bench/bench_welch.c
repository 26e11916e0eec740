/* Welch PSD benchmark, the C side of bench/bench_welch.py.
 *
 * usage: bench_welch DATA.bin ROWS COLS NPERSEG REPEATS OUT.bin [THREADS]
 * DATA.bin holds ROWS x COLS float64 values, row-major (samples x channels).
 * Runs cs_welch_psd (hann, noverlap nperseg/2, constant detrend, density,
 * mean) REPEATS times, prints the best and each wall time as
 * "plan_s=... best_s=... times=..." and writes the PSD (COLS x nfreq float64)
 * to OUT.bin for the driver to compare with scipy. */
#include <stdio.h>
#include <stdlib.h>

#include "cogscope/core.h"
#include "cogscope/spectral.h"

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: %s DATA.bin ROWS COLS NPERSEG REPEATS OUT.bin [THREADS]\n", argv[0]);
        return 2;
    }
    size_t rows = strtoull(argv[2], NULL, 10), cols = strtoull(argv[3], NULL, 10);
    size_t nperseg = strtoull(argv[4], NULL, 10);
    int repeats = atoi(argv[5]), threads = argc > 7 ? atoi(argv[7]) : 0;
    double *data = malloc(rows * cols * sizeof *data);
    FILE *f = fopen(argv[1], "rb");
    if (!data || !f || fread(data, sizeof *data, rows * cols, f) != rows * cols) {
        fprintf(stderr, "cannot read %zu x %zu doubles from %s\n", rows, cols, argv[1]);
        return 1;
    }
    fclose(f);

    cs_welch_params p;
    cs_welch_params_default(&p);
    p.nperseg = nperseg;
    p.threads = threads;
    double t0 = cs_time_now();
    cs_welch_plan *plan;
    if (cs_welch_plan_create(&p, rows, &plan)) {
        fprintf(stderr, "%s\n", cs_last_error());
        return 1;
    }
    double plan_s = cs_time_now() - t0;
    size_t nf = cs_welch_plan_nfreq(plan);
    double *psd = malloc(cols * nf * sizeof *psd);
    double best = 1e300;
    printf("plan_s=%.6f times=", plan_s);
    for (int r = 0; r < repeats; r++) {
        t0 = cs_time_now();
        if (cs_welch_psd(plan, cs_matrix_view(data, rows, cols), psd)) {
            fprintf(stderr, "%s\n", cs_last_error());
            return 1;
        }
        double dt = cs_time_now() - t0;
        best = dt < best ? dt : best;
        printf("%s%.4f", r ? "," : "", dt);
    }
    printf(" best_s=%.6f threads=%d\n", best, cs_threads_resolve(threads));
    f = fopen(argv[6], "wb");
    fwrite(psd, sizeof *psd, cols * nf, f);
    fclose(f);
    cs_welch_plan_destroy(plan);
    free(psd);
    free(data);
    return 0;
}
