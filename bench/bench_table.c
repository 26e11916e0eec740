/* Time the text-table reader on a file (driven by bench_table.py, which times
 * numpy and pandas on the same file and prints the ratios), or the estimation
 * that `cogscope estimate mi --estimator ksg1` runs on a table.
 *
 *   bench_table FILE [--reps R]
 *   bench_table --mi FILE [--reps R]
 *
 * Prints one JSON object. Reader: rows, columns, bytes, best CPU seconds of R
 * reads (the machine is shared; CPU time is the steadier figure) and the
 * throughput in MB/s (10^6 bytes). --mi: I(column 0; column 1) by the
 * library's info measure with the CLI's defaults (KSG-1, k = 4, its noise and
 * seed, one thread), timed from the table in memory to the value
 * (cs_info_create, cs_info_set_observations, cs_info_average): the CPU time
 * of the first run (a fresh process, as the CLI's one estimate) and the best
 * of R, with the value, which must equal the CLI's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cogscope/info.h"
#include "cogscope/table.h"

static double cpu_now(void) { return (double)clock() / CLOCKS_PER_SEC; }

static int die(const char *what)
{
    fprintf(stderr, "bench_table: %s: %s\n", what, cs_last_error());
    return 1;
}

static int time_mi(const char *file, int reps)
{
    cs_matrix t;
    if (cs_table_read(file, &t) != CS_OK || t.cols < 2)
        return die(file);
    cs_matrix x = {t.data, t.rows, 1, t.stride}, y = {t.data + 1, t.rows, 1, t.stride};
    double first = 0, best = 1e300, value = 0;
    for (int r = 0; r < reps; r++) {
        double c0 = cpu_now();
        cs_info_params p;
        cs_info_params_default(CS_INFO_MI, CS_EST_KSG1, &p);
        p.est.threads = 1;
        cs_info *c;
        if (cs_info_create(&p, &c) != CS_OK || cs_info_set_observations(c, x, y, (cs_matrix){0}) != CS_OK ||
            cs_info_average(c, &value) != CS_OK)
            return die("mi");
        cs_info_destroy(c);
        double dt = cpu_now() - c0;
        if (r == 0)
            first = dt;
        best = dt < best ? dt : best;
    }
    printf("{\"n\": %zu, \"value\": %.17g, \"first_cpu_s\": %.6f, \"best_cpu_s\": %.6f}\n", t.rows, value, first,
           best);
    cs_matrix_free(&t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_table [--mi] FILE [--reps R]\n");
        return 2;
    }
    int mi = !strcmp(argv[1], "--mi"), a = 1 + mi;
    if (a >= argc) {
        fprintf(stderr, "usage: bench_table [--mi] FILE [--reps R]\n");
        return 2;
    }
    int reps = argc >= a + 3 && !strcmp(argv[a + 1], "--reps") ? atoi(argv[a + 2]) : 5;
    if (mi)
        return time_mi(argv[a], reps);
    struct stat sb;
    if (stat(argv[a], &sb) != 0) {
        fprintf(stderr, "bench_table: cannot stat %s\n", argv[a]);
        return 1;
    }
    double best = 1e300;
    cs_matrix m = {0};
    for (int r = 0; r < reps; r++) {
        cs_matrix_free(&m);
        double t0 = cpu_now();
        if (cs_table_read(argv[a], &m) != CS_OK)
            return die(argv[a]);
        double t = cpu_now() - t0;
        best = t < best ? t : best;
    }
    printf("{\"rows\": %zu, \"cols\": %zu, \"bytes\": %lld, \"cpu_s\": %.6f, \"mb_per_s\": %.1f}\n", m.rows, m.cols,
           (long long)sb.st_size, best, (double)sb.st_size / best / 1e6);
    cs_matrix_free(&m);
    return 0;
}
