/* Logging overhead of the training loop, measured without the noise of
 * process start-up and data loading: Fashion-MNIST is loaded once, then
 * cs_train_run() runs `repeat` times with the run log off and on
 * (alternating, so both see the same machine load), and the best wall time
 * and the best CPU time (getrusage, all threads) of each mode are reported.
 *
 * Configuration: the benchmark network (784-256-128-10, ReLU, batch
 * 64, SGD lr 0.05 momentum 0.9, constant lr), one epoch per run; log on =
 * --log-every 50 with the default 512-sample probe. PRECISION is rule bp's
 * --bp-precision: float64 (default) or float32 (mixed precision, sgemm).
 *
 * usage: bench_train [EPOCHS [REPEAT [THREADS [DATA_DIR [PRECISION]]]]]
 *        (defaults 1 5 1 /usr/share/datasets/fashion-mnist float64) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cogscope/dataset.h"
#include "cogscope/train.h"

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec + (double)u.ru_stime.tv_sec +
           1e-6 * (double)u.ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
    size_t epochs = argc > 1 ? (size_t)atoi(argv[1]) : 1;
    int repeat = argc > 2 ? atoi(argv[2]) : 5;
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    cs_dataset_options o;
    cs_dataset_options_default(&o);
    if (argc > 4 && argv[4][0])
        o.data_dir = argv[4];
    cs_rule_option prec = {"bp-precision", argc > 5 ? argv[5] : "float64"};
    cs_dataset tr, te;
    if (cs_dataset_load("fashion-mnist", &o, &tr, &te)) {
        fprintf(stderr, "bench_train: %s\n", cs_last_error());
        return 1;
    }
    char path[] = "/tmp/cogscope-bench-XXXXXX";
    if (!mkdtemp(path))
        return 1;
    char log[600];
    snprintf(log, sizeof log, "%s/run.h5", path);
    double best_wall[2] = {INFINITY, INFINITY}, best_cpu[2] = {INFINITY, INFINITY},
           best_train[2] = {INFINITY, INFINITY}, best_train_cpu[2] = {INFINITY, INFINITY};
    for (int r = 0; r < repeat; r++)
        for (int mode = 0; mode < 2; mode++) {
            cs_train_config c;
            cs_train_config_default(&c);
            size_t sizes[4] = {784, 256, 128, 10};
            for (int i = 0; i < 4; i++)
                c.sizes[i] = sizes[i];
            c.n_layers = 4;
            c.activation = "relu";
            c.optimizer = "sgd";
            c.batch = 64;
            c.lr = 0.05;
            c.momentum = 0.9;
            c.schedule = "constant";
            c.epochs = epochs;
            c.threads = threads;
            c.log_every = 50;
            c.out_path = mode ? log : NULL;
            c.rule = "bp";
            c.rule_opts = &prec;
            c.n_rule_opts = 1;
            cs_train_result res;
            double c0 = cpu_seconds();
            if (cs_train_run(&c, &tr, &te, &res, NULL)) {
                fprintf(stderr, "bench_train: %s\n", cs_last_error());
                return 1;
            }
            double cpu = cpu_seconds() - c0;
            if (res.seconds < best_wall[mode])
                best_wall[mode] = res.seconds;
            if (res.train_seconds < best_train[mode])
                best_train[mode] = res.train_seconds;
            if (res.train_cpu_seconds < best_train_cpu[mode])
                best_train_cpu[mode] = res.train_cpu_seconds;
            if (cpu < best_cpu[mode])
                best_cpu[mode] = cpu;
            printf("run %d log %-3s: loop %.3f s (train %.3f s, eval %.3f s), cpu %.3f s, acc %.4f\n", r,
                   mode ? "on" : "off", res.seconds, res.train_seconds, res.eval_seconds, cpu, res.final_test_acc);
            fflush(stdout);
        }
    unlink(log);
    rmdir(path);
    double n = (double)tr.n * (double)epochs;
    printf("\nbest of %d, %zu epoch(s), %d thread(s), bp %s:\n", repeat, epochs, threads, prec.value);
    /* samples per CPU second of the training steps (all threads): on a
     * loaded machine steadier than wall time, and the same figure as the
     * wall rate when one thread has a core to itself */
    printf("  log off: loop %.3f s, training %.0f samples/s (%.0f per cpu second), cpu %.3f s\n", best_wall[0],
           n / best_train[0], n / best_train_cpu[0], best_cpu[0]);
    printf("  log on : loop %.3f s, training %.0f samples/s (%.0f per cpu second), cpu %.3f s\n", best_wall[1],
           n / best_train[1], n / best_train_cpu[1], best_cpu[1]);
    printf("  logging overhead: %.1f%% wall (loop), %.1f%% cpu, %.1f%% training cpu\n",
           100 * (best_wall[1] / best_wall[0] - 1), 100 * (best_cpu[1] / best_cpu[0] - 1),
           100 * (best_train_cpu[1] / best_train_cpu[0] - 1));
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
    return 0;
}
