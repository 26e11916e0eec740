/* Time cogscope's KSG estimators on a data file (driven by bench_ksg.py,
 * which runs scikit-learn on the same data and prints the comparison).
 *
 *   bench_ksg mi FILE XCOLS YCOLS [--k K] [--alg A] [--threads T] [--reps R]
 *   bench_ksg te FILE SRC DST     [--k K] [--alg A] [--threads T] [--reps R]
 *
 * mi: I(X;Y) over the given column lists (e.g. 0 1, or 0-4 5-9).
 * te: TE(SRC -> DST), history 1, delay 1, i.e. KSG CMI on the embedding from
 *     cogscope/embed.h.
 * Timed: estimator creation (z-scoring, trees, sorted marginals) + the average,
 * i.e. everything after the data are in memory; best of R repetitions.
 * Prints one JSON object: value (nats), wall and CPU seconds of the best run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cogscope/collist.h"
#include "cogscope/embed.h"
#include "cogscope/ksg.h"
#include "cogscope/table.h"

static double cpu_now(void) { return (double)clock() / CLOCKS_PER_SEC; }

static int die(const char *what)
{
    fprintf(stderr, "bench_ksg: %s: %s\n", what, cs_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_ksg mi|te FILE A B [--k K] [--alg A] [--threads T] [--reps R]\n");
        return 2;
    }
    const char *mode = argv[1], *file = argv[2];
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    int reps = 3;
    for (int i = 5; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--k"))
            p.k = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--alg"))
            p.algorithm = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads"))
            p.threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--search"))
            p.search = !strcmp(argv[i + 1], "tree")     ? CS_KSG_SEARCH_TREE
                       : !strcmp(argv[i + 1], "blocks") ? CS_KSG_SEARCH_BLOCKS
                                                        : CS_KSG_SEARCH_AUTO;
        else if (!strcmp(argv[i], "--reps"))
            reps = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "bench_ksg: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    cs_matrix d;
    if (cs_table_read(file, &d) != CS_OK)
        return die(file);
    size_t *ca, *cb, na, nb;
    if (cs_collist_parse(argv[3], "A", CS_COLLIST_MAX, &ca, &na) != CS_OK ||
        cs_collist_parse(argv[4], "B", CS_COLLIST_MAX, &cb, &nb) != CS_OK)
        return die("columns");
    cs_matrix a, b;
    if (cs_matrix_select_cols(d, ca, na, &a) != CS_OK || cs_matrix_select_cols(d, cb, nb, &b) != CS_OK)
        return die("columns");
    int te = !strcmp(mode, "te");
    if (!te && strcmp(mode, "mi")) {
        fprintf(stderr, "bench_ksg: mode must be mi or te\n");
        return 2;
    }
    cs_embedding e;
    if (te) {
        cs_embed_params ep;
        cs_embed_params_default(&ep);
        cs_matrix none = {NULL, 0, 0, 0};
        if (cs_embed_te(a, b, none, &ep, &e) != CS_OK)
            return die("embedding");
    }
    double best_wall = 1e300, best_cpu = 1e300, value = 0;
    for (int r = 0; r < reps; r++) {
        double w0 = cs_time_now(), c0 = cpu_now();
        cs_ksg *ksg;
        cs_status st = te ? cs_ksg_embedding_create(&e, &p, &ksg) : cs_ksg_mi_create(a, b, &p, &ksg);
        if (st != CS_OK)
            return die("create");
        if (cs_ksg_average(ksg, &value) != CS_OK)
            return die("average");
        cs_ksg_destroy(ksg);
        double w = cs_time_now() - w0, c = cpu_now() - c0;
        if (w < best_wall)
            best_wall = w;
        if (c < best_cpu)
            best_cpu = c;
    }
    printf("{\"mode\": \"%s\", \"n\": %zu, \"dims\": [%zu, %zu], \"k\": %d, \"algorithm\": %d, "
           "\"threads\": %d, \"value\": %.10f, \"wall_s\": %.6f, \"cpu_s\": %.6f}\n",
           mode, te ? e.n : a.rows, na, nb, p.k, p.algorithm, cs_threads_resolve(p.threads), value, best_wall,
           best_cpu);
    if (te)
        cs_embedding_free(&e);
    cs_matrix_free(&a);
    cs_matrix_free(&b);
    cs_matrix_free(&d);
    free(ca);
    free(cb);
    return 0;
}
