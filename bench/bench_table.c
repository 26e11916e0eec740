/* Time the text-table reader on a file (driven by bench_table.py, which times
 * numpy and pandas on the same file and prints the ratios).
 *
 *   bench_table FILE [--reps R]
 *
 * Prints one JSON object: rows, columns, bytes, best CPU seconds of R reads (the machine is shared; CPU time is the
 * steadier figure) and the throughput in MB/s (10^6 bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cogscope/table.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_table FILE [--reps R]\n");
        return 2;
    }
    int reps = argc >= 4 && !strcmp(argv[2], "--reps") ? atoi(argv[3]) : 5;
    struct stat sb;
    if (stat(argv[1], &sb) != 0) {
        fprintf(stderr, "bench_table: cannot stat %s\n", argv[1]);
        return 1;
    }
    double best = 1e300;
    cs_matrix m = {0};
    for (int r = 0; r < reps; r++) {
        cs_matrix_free(&m);
        double t0 = (double)clock() / CLOCKS_PER_SEC;
        if (cs_table_read(argv[1], &m) != CS_OK) {
            fprintf(stderr, "bench_table: %s\n", cs_last_error());
            return 1;
        }
        double t = (double)clock() / CLOCKS_PER_SEC - t0;
        best = t < best ? t : best;
    }
    printf("{\"rows\": %zu, \"cols\": %zu, \"bytes\": %lld, \"cpu_s\": %.6f, \"mb_per_s\": %.1f}\n", m.rows, m.cols,
           (long long)sb.st_size, best, (double)sb.st_size / best / 1e6);
    cs_matrix_free(&m);
    return 0;
}
