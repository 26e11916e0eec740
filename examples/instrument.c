/* Instrument a training loop with cogscope's run-log recorder (README: "Instrument
 * your own training loop"): a toy 2-4-1 tanh network learns y = [x0 + x1 > 0] from 64
 * samples by gradient descent. Logged: per step the loss, output entropy and gradient
 * norm (ΣPI's ε, τ, S); every 20 steps the hidden activations on the 64 samples, which
 * are also the probe set. Build: cc instrument.c $(pkg-config --cflags --libs cogscope) */
#include <cogscope/runlog.h>
#include <math.h>
#include <stdio.h>

enum { N = 64, H = 4, STEPS = 200 };

int main(int argc, char **argv)
{
    float x[N][2], a[N][H]; /* inputs (the probe set); hidden activations of one step */
    int32_t y[N];
    double t[H][4]; /* hidden unit k: weights of x0, x1, bias; its output weight */
    for (int i = 0; i < N; i++)
        x[i][0] = (float)cos(2.4 * i), x[i][1] = (float)sin(1.7 * i), y[i] = x[i][0] + x[i][1] > 0;
    for (int k = 0; k < H; k++)
        t[k][0] = cos(k), t[k][1] = sin(3.0 * k), t[k][2] = 0, t[k][3] = 0.5 - k % 2;
    cs_runlog_writer *rl;
    cs_runlog_handle loss, tau, surprise, acts;
    size_t hidden, shape[2] = {N, H}; /* one snapshot: sample x unit */
    if (cs_runlog_create(argc > 1 ? argv[1] : "instrument.h5", NULL, &rl) ||
        cs_runlog_set_string(rl, "model", "2-4-1 tanh network") ||
        cs_runlog_declare_series(rl, "loss", CS_RUNLOG_F64, &loss) ||
        cs_runlog_declare_series(rl, "tau", CS_RUNLOG_F64, &tau) ||
        cs_runlog_declare_series(rl, "surprise", CS_RUNLOG_F64, &surprise) || cs_runlog_add_layer(rl, "hidden", &hidden) ||
        cs_runlog_declare_snapshot(rl, hidden, "activations", 2, shape, &acts) ||
        cs_runlog_set_probe(rl, &x[0][0], N, 2, y) || cs_runlog_start(rl))
        return fprintf(stderr, "%s\n", cs_last_error()), 1;
    for (int step = 0; step < STEPS; step++) {
        double l = 0, ent = 0, g[H][4] = {{0}}, gn = 0;
        for (int i = 0; i < N; i++) { /* forward, mean cross-entropy L, its gradient g */
            double z = 0;
            for (int k = 0; k < H; k++)
                z += t[k][3] * (a[i][k] = (float)tanh(t[k][0] * x[i][0] + t[k][1] * x[i][1] + t[k][2]));
            double p = 1 / (1 + exp(-z)), dz = (p - y[i]) / N; /* dL/dz */
            l -= log(y[i] ? p : 1 - p) / N, ent -= (p * log(p) + (1 - p) * log(1 - p)) / N;
            for (int k = 0; k < H; k++) {
                double dh = dz * t[k][3] * (1 - a[i][k] * a[i][k]);
                g[k][0] += dh * x[i][0], g[k][1] += dh * x[i][1], g[k][2] += dh, g[k][3] += dz * a[i][k];
            }
        }
        for (int k = 0; k < H; k++) /* S = |g|, then a descent step */
            for (int j = 0; j < 4; j++)
                gn += g[k][j] * g[k][j], t[k][j] -= 2.0 * g[k][j];
        cs_runlog_put(rl, loss, l), cs_runlog_put(rl, tau, ent), cs_runlog_put(rl, surprise, sqrt(gn));
        if (cs_runlog_end_step(rl, step) ||
            (step % 20 == 0 && (cs_runlog_put_snapshot(rl, acts, &a[0][0]) || cs_runlog_end_snapshot(rl, step))))
            break;
    }
    if (cs_runlog_close(rl)) /* also reports the first error of the loop above */
        return fprintf(stderr, "%s\n", cs_last_error()), 1;
    return 0;
}
