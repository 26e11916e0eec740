/* Log a training loop with cogscope's run-log recorder (README "Instrument your own training loop"): a 2-4-1
 * tanh network (w[k]: hidden unit k's weights of x0, x1, bias, output weight) learns y = [x0 + x1 > 0]; per step
 * loss, output entropy, gradient norm (ΣPI's ε, τ, S), every 20 steps the hidden activations on the 64 samples. */
#include <cogscope/runlog.h>
#include <math.h>
#include <stdio.h>

enum { N = 64, H = 4 };

int main(int argc, char **argv)
{
    float x[N][2], a[N][H]; /* inputs (also the probe set); hidden activations */
    int32_t y[N];
    double w[H][4] = {{1, 0, 0, .5}, {.5, .1, 0, -.5}, {-.4, -.3, 0, .5}, {-1, .4, 0, -.5}};
    for (int i = 0; i < N; i++)
        x[i][0] = (float)cos(2.4 * i), x[i][1] = (float)sin(1.7 * i), y[i] = x[i][0] + x[i][1] > 0;
    cs_runlog_writer *rl = NULL;
    cs_runlog_handle s[3], acts; /* series loss, tau, surprise; snapshot dataset (sample x unit) of layer 0 */
    int err = cs_runlog_create(argc > 1 ? argv[1] : "instrument.h5", NULL, &rl) ||
              cs_runlog_declare_series_n(rl, 3, (const char *[]){"loss", "tau", "surprise"}, CS_RUNLOG_F64, s) ||
              cs_runlog_add_layer(rl, "hidden", NULL) || cs_runlog_set_probe(rl, *x, N, 2, y) ||
              cs_runlog_declare_snapshot(rl, 0, "activations", 2, (size_t[]){N, H}, &acts);
    for (int step = 0; step < 200 && !err; step++) {
        double v[3] = {0}, g[H][4] = {{0}}; /* loss, entropy, |gradient|; gradient */
        for (int i = 0; i < N; i++) {       /* forward, mean cross-entropy, backward */
            double z = 0;
            for (int k = 0; k < H; k++)
                z += w[k][3] * (a[i][k] = (float)tanh(w[k][0] * x[i][0] + w[k][1] * x[i][1] + w[k][2]));
            double p = 1 / (1 + exp(-z)), dz = (p - y[i]) / N;
            v[0] -= log(y[i] ? p : 1 - p) / N, v[1] -= (p * log(p) + (1 - p) * log(1 - p)) / N;
            for (int k = 0; k < H; k++) /* dz back through the output weight and tanh' to x0, x1, 1 */
                for (int j = 0; j < 4; j++)
                    g[k][j] += j == 3 ? dz * a[i][k] : dz * w[k][3] * (1 - a[i][k] * a[i][k]) * (j < 2 ? x[i][j] : 1);
        }
        for (int k = 0; k < H; k++) /* |gradient|, then a descent step */
            for (int j = 0; j < 4; j++)
                v[2] += g[k][j] * g[k][j], w[k][j] -= 2.0 * g[k][j];
        err = cs_runlog_append_step(rl, step, 3, s, (double[]){v[0], v[1], sqrt(v[2])}) ||
              (step % 20 == 0 && (cs_runlog_put_snapshot(rl, acts, *a) || cs_runlog_end_snapshot(rl, step)));
    }
    err = cs_runlog_close(rl) || err; /* close flushes: a write may fail there too */
    return err ? fprintf(stderr, "%s\n", cs_last_error()), 1 : 0;
}
