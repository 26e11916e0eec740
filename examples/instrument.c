/* Instrument a training loop with cogscope's run-log recorder: a toy network
 * (4 inputs, 6 tanh hidden units, a logistic output) trained by gradient
 * descent; per step its loss, output entropy and gradient norm (ΣPI's ε, τ,
 * S), every 20 steps the hidden layer's activations on the 64 training
 * samples, which are also the probe set (inputs and labels). Then:
 * cogscope info/analyze/report instrument.h5 (README: "Instrument your own
 * training loop"). Build: cc instrument.c $(pkg-config --cflags --libs cogscope) */
#include <cogscope/runlog.h>
#include <math.h>
#include <stdio.h>

enum { N = 64, D = 4, H = 6, STEPS = 200 };
static double hash(int k) { return fmod(fabs(sin(12.9898 * k) * 43758.5453), 1.0) - 0.5; } /* in [-0.5, 0.5) */

int main(int argc, char **argv)
{
    double x[N][D], y[N], W[H][D], v[H];
    float xf[N * D];
    int32_t label[N];
    for (int i = 0; i < N * D; i++)
        xf[i] = (float)(x[i / D][i % D] = hash(i + 1));
    for (int i = 0; i < N; i++)
        label[i] = (int32_t)(y[i] = x[i][0] + x[i][1] > 0);
    for (int k = 0; k < H; k++)
        for (int j = 0; j <= D; j++) /* initial weights: uniform in [-1, 1) */
            *(j < D ? &W[k][j] : &v[k]) = 2 * hash(1000 + k * (D + 1) + j);
    cs_runlog_writer *rl;
    cs_runlog_handle loss, tau, surprise, acts;
    size_t hidden, shape[2] = {N, H}; /* one snapshot: sample x unit */
    if (cs_runlog_create(argc > 1 ? argv[1] : "instrument.h5", NULL, &rl) ||
        cs_runlog_set_string(rl, "model", "4-6-1 tanh network") ||
        cs_runlog_declare_series(rl, "loss", CS_RUNLOG_F64, &loss) ||
        cs_runlog_declare_series(rl, "tau", CS_RUNLOG_F64, &tau) ||
        cs_runlog_declare_series(rl, "surprise", CS_RUNLOG_F64, &surprise) || cs_runlog_add_layer(rl, "hidden", &hidden) ||
        cs_runlog_declare_snapshot(rl, hidden, "activations", 2, shape, &acts) ||
        cs_runlog_set_probe(rl, xf, N, D, label) || cs_runlog_start(rl)) /* snapshots are of these samples */
        return fprintf(stderr, "%s\n", cs_last_error()), 1;
    for (int step = 0; step < STEPS; step++) {
        double l = 0, ent = 0, gW[H][D] = {{0}}, gv[H] = {0}, gn = 0;
        float a[N][H];
        for (int i = 0; i < N; i++) {
            double h[H], z = 0;
            for (int k = 0; k < H; k++) {
                double s = 0;
                for (int j = 0; j < D; j++)
                    s += W[k][j] * x[i][j];
                z += v[k] * (h[k] = tanh(s)), a[i][k] = (float)h[k];
            }
            double p = 1 / (1 + exp(-z)), q = fmin(fmax(p, 1e-12), 1 - 1e-12), dz = (p - y[i]) / N;
            l -= (y[i] * log(q) + (1 - y[i]) * log(1 - q)) / N, ent -= (q * log(q) + (1 - q) * log(1 - q)) / N;
            for (int k = 0; k < H; k++) {
                gv[k] += dz * h[k];
                for (int j = 0; j < D; j++)
                    gW[k][j] += dz * v[k] * (1 - h[k] * h[k]) * x[i][j];
            }
        }
        for (int k = 0; k < H; k++) {
            gn += gv[k] * gv[k], v[k] -= 2.0 * gv[k];
            for (int j = 0; j < D; j++)
                gn += gW[k][j] * gW[k][j], W[k][j] -= 2.0 * gW[k][j];
        }
        cs_runlog_put(rl, loss, l), cs_runlog_put(rl, tau, ent), cs_runlog_put(rl, surprise, sqrt(gn));
        if (cs_runlog_end_step(rl, step) ||
            (step % 20 == 0 && (cs_runlog_put_snapshot(rl, acts, &a[0][0]) || cs_runlog_end_snapshot(rl, step))))
            break;
    }
    if (cs_runlog_close(rl)) /* also reports the first error of the loop above */
        return fprintf(stderr, "%s\n", cs_last_error()), 1;
    return 0;
}
