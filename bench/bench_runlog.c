/* Cost of the run-log writer, per logged step and per probe snapshot, for
 * each snapshot compression setting, on the Fashion-MNIST network of issue 2
 * (784-256-128-10, probe 512, a snapshot every 50 steps).
 *
 *   cmake -S . -B build-bench -DCOGSCOPE_BENCH=ON && cmake --build build-bench --target bench_runlog
 *   ./build-bench/bench_runlog [--steps N] [--log-every K] [--reps R] [--dir DIR] [--deflate L]
 *
 * Snapshot contents imitate a ReLU network: hidden activations are
 * max(0, N(0,1)) (half zeros), output activations softmax-like in (0,1),
 * error signals N(0, 1e-3) noise; real logs compress about as well (the
 * noise in the mantissas dominates). The per-step cost includes the block
 * writes and the flushes (one per second of simulated training at 1000
 * steps/s). Prints the best of R repetitions (the machine is shared). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cogscope/rng.h"
#include "cogscope/runlog.h"
#include "cogscope/trainlog.h"

#define NPOOL 4

int main(int argc, char **argv)
{
    long steps = 20000, log_every = 50, reps = 3, only = -1;
    const char *dir = "/tmp";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--steps"))
            steps = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--log-every"))
            log_every = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--reps"))
            reps = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--dir"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--deflate"))
            only = atol(argv[i + 1]);
    }
    const size_t layers[4] = {784, 256, 128, 10}, P = 512;
    cs_rng *rng;
    cs_rng_create(7, &rng);
    float *probe = malloc(P * 784 * sizeof *probe);
    int32_t *labels = malloc(P * sizeof *labels);
    for (size_t i = 0; i < P * 784; i++)
        probe[i] = cs_rng_uniform(rng) < 0.5 ? 0.0f : (float)cs_rng_uniform(rng);
    for (size_t i = 0; i < P; i++)
        labels[i] = (int32_t)(i % 10);
    float *act[NPOOL][3], *err[NPOOL][3];
    for (int k = 0; k < NPOOL; k++)
        for (int l = 0; l < 3; l++) {
            size_t n = P * layers[l + 1];
            act[k][l] = malloc(n * sizeof(float));
            err[k][l] = malloc(n * sizeof(float));
            for (size_t i = 0; i < n; i++) {
                double g = cs_rng_gaussian(rng, 1.0);
                act[k][l][i] = l < 2 ? (float)(g > 0 ? g : 0) : (float)(1.0 / (1.0 + exp(-g)));
                err[k][l][i] = (float)cs_rng_gaussian(rng, 1e-3);
            }
        }
    const int levels[] = {0, 1, 4, 6};
    const char *names[] = {"none", "deflate 1 + shuffle", "deflate 4 + shuffle", "deflate 6 + shuffle"};
    char path[512];
    snprintf(path, sizeof path, "%s/bench_runlog_%d.h5", dir, (int)getpid());
    printf("run-log writer, 784-256-128-10, probe %zu, %ld steps, a snapshot every %ld steps (best of %ld)\n", P,
           steps, log_every, reps);
    printf("%-22s %12s %14s %12s %12s %22s\n", "snapshot compression", "ns/step", "ms/snapshot", "MB/snapshot",
           "file MB", "overhead @1000 steps/s");
    for (size_t c = 0; c < sizeof levels / sizeof levels[0]; c++) {
        if (only >= 0 && levels[c] != only)
            continue;
        double best_step = INFINITY, best_snap = INFINITY;
        long long fsize = 0;
        for (long rep = 0; rep < reps; rep++) {
            cs_trainlog_spec spec = {.rule = "bp",
                                     .activation = "relu",
                                     .dataset = "fashion-mnist",
                                     .optimizer = "sgd",
                                     .layers = layers,
                                     .n_layers = 4,
                                     .seed = 1,
                                     .lr = 0.05,
                                     .batch = 64,
                                     .epochs = 1,
                                     .log_every = (size_t)log_every,
                                     .pi_alpha = 1,
                                     .pi_gamma = 0.5,
                                     .probe_size = P,
                                     .probe_inputs = probe,
                                     .probe_labels = labels,
                                     .flush_interval = 1e9,
                                     .snapshot_deflate = levels[c]};
            cs_trainlog *w;
            if (cs_trainlog_create(path, &spec, &w) != CS_OK) {
                fprintf(stderr, "%s\n", cs_last_error());
                return 1;
            }
            double wn[3] = {1, 2, 3}, un[3] = {0.1, 0.2, 0.3}, ang[3] = {NAN, NAN, NAN};
            double t_step = 0, t_snap = 0;
            long nsnap = 0;
            for (long s = 0; s < steps; s++) {
                cs_trainlog_step r = {.step = s,
                                      .epoch = (int32_t)(s / 1000),
                                      .loss = 1.0 / (s + 1),
                                      .tau = 0.5,
                                      .surprise = 2.0,
                                      .pi = 0.3,
                                      .batch_acc = 0.9,
                                      .lr = 0.05,
                                      .weight_norm = wn,
                                      .update_norm = un,
                                      .bp_angle_deg = ang};
                double t0 = cs_time_now();
                cs_trainlog_append_step(w, &r);
                /* the writer flushes on its own once per second; simulate
                 * 1000 steps/s by flushing every 1000 steps */
                if ((s + 1) % 1000 == 0)
                    cs_trainlog_flush(w);
                double t1 = cs_time_now();
                t_step += t1 - t0;
                if (s % log_every == 0) {
                    int k = (int)(nsnap % NPOOL);
                    cs_trainlog_append_snapshot(w, s, (const float *const *)act[k], (const float *const *)err[k]);
                    t_snap += cs_time_now() - t1;
                    nsnap++;
                }
            }
            double t0 = cs_time_now();
            if (cs_trainlog_close(w) != CS_OK) {
                fprintf(stderr, "%s\n", cs_last_error());
                return 1;
            }
            t_step += cs_time_now() - t0;
            struct stat st;
            stat(path, &st);
            fsize = (long long)st.st_size;
            if (t_step / steps < best_step)
                best_step = t_step / steps;
            if (t_snap / nsnap < best_snap)
                best_snap = t_snap / nsnap;
        }
        long nsnap = (steps + log_every - 1) / log_every;
        double overhead = best_step * 1000 + best_snap * (1000.0 / log_every);
        printf("%-22s %12.0f %14.3f %12.3f %12.1f %21.1f%%\n", names[c], best_step * 1e9, best_snap * 1e3,
               (double)fsize / nsnap / 1e6, (double)fsize / 1e6, overhead * 100);
    }
    unlink(path);
    return 0;
}
