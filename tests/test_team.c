/* Training on a team of threads (src/learn/team.h, issue 17): the team
 * itself, bp's passes and the SGD pass split over it, and whole runs, each
 * compared bit for bit with the same work on one thread. The shapes are the
 * Fashion-MNIST benchmark's (784-256-128-10, batch 64, probe 512) and odd
 * ones, so the passes really run in parts (rows x weights >= 2^22), and the
 * bundled digits' (not cut: their values are the uncut pass's). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "cogscope/dataset.h"
#include "cogscope/mlp.h"
#include "cogscope/optim.h"
#include "cogscope/rng.h"
#include "cogscope/runlog.h"
#include "cogscope/train.h"
#include "runlog_testutil.h"
#include "testutil.h"

#include "../src/learn/mlp_f32.h"
#include "../src/learn/team.h"

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/* ---- the team ---- */

typedef struct {
    atomic_int ran[4];
    atomic_int before, after;
    int bad;
    learn_team *team;
} count_job;

static void count_run(void *arg, int t, int nt)
{
    count_job *j = arg;
    atomic_fetch_add(&j->ran[t], 1);
    for (int round = 0; round < 50; round++) {
        atomic_fetch_add(&j->before, 1);
        learn_team_barrier(j->team);
        /* every thread has counted this round before anyone passes */
        if (atomic_load(&j->before) < (round + 1) * nt)
            j->bad = 1;
        learn_team_barrier(j->team);
    }
    atomic_fetch_add(&j->after, 1);
}

Test(team, runs_every_thread_and_meets_at_barriers)
{
    learn_team *t;
    cr_assert_eq(learn_team_create(1, &t), CS_OK);
    cr_expect_null(t, "one thread: no team");
    cr_assert_eq(learn_team_create(3, &t), CS_OK, "%s", cs_last_error());
    cr_assert_not_null(t);
    for (int run = 0; run < 3; run++) {
        if (run == 2)
            usleep(100000); /* long enough for the workers to go to sleep */
        count_job j = {.team = t};
        learn_team_run(t, count_run, &j);
        cr_expect_eq(atomic_load(&j.after), 3, "run %d: every thread returned before run() did", run);
        for (int i = 0; i < 3; i++)
            cr_expect_eq(atomic_load(&j.ran[i]), 1, "run %d: thread %d ran once", run, i);
        cr_expect_eq(j.bad, 0, "run %d: a thread passed a barrier early", run);
    }
    cr_expect_null(learn_team_current());
    learn_team *old = learn_team_enter(t);
    cr_expect_eq(learn_team_current(), t);
    learn_team_leave(old);
    cr_expect_null(learn_team_current());
    learn_team_destroy(t);
    count_job j = {.team = NULL};
    learn_team_run(NULL, count_run, &j);
    cr_expect_eq(atomic_load(&j.ran[0]), 1, "no team: the caller alone");
}

/* ---- bp's passes ----
 *
 * A large pass runs in two fixed parts (src/learn/mlp_kernels.inc, "one
 * pass in fixed parts"): its values must not depend on the team, and must
 * be the gradient's to within rounding. The reference is the uncut double
 * pass (cs_mlp_forward + cs_mlp_backward, checked against finite
 * differences and naive loops in tests/test_learn.c).
 *
 * Tolerance. A dot product of length K carries an error of at most
 * gamma_K ~ K u times the sum of |terms| (Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed., eq. 3.5). A gradient entry of W_0 passes
 * every forward product (K = sizes[0..2]), the backward products
 * (K = sizes[3], sizes[2]) and the weight-gradient product (K = rows): the
 * sum of those lengths, KSUM, times u bounds each computation's relative
 * error with every rounding aligned and no cancellation. Two double
 * computations (cut and uncut) differ by at most 2 KSUM u64; the float pass
 * differs from the double one by KSUM u32 (its own rounding; the double's
 * is 2^-29 of that), as tests/test_f32.c argues. The sum of squares of n
 * positive terms is within (n - 1) u64 relative of the exact one. */

#define U64 1.1102230246251565e-16 /* 2^-53 */
#define U32 5.9604644775390625e-8  /* 2^-24 */

static int same(const void *a, const void *b, size_t bytes) { return memcmp(a, b, bytes) == 0; }

/* ||a - b|| / ||b|| over n values (a float or double). */
static double rel_err(const double *a, const float *af, const double *b, size_t n)
{
    long double d = 0.0L, r = 0.0L;
    for (size_t i = 0; i < n; i++) {
        long double e = (af ? (long double)af[i] : (long double)a[i]) - (long double)b[i];
        d += e * e;
        r += (long double)b[i] * (long double)b[i];
    }
    return (double)sqrtl(d / r);
}

/* |ssq - sum of squares of g| / that sum, the reference in long double. */
static double ssq_err(double ssq, const double *g, const float *gf, size_t n)
{
    long double r = 0.0L;
    for (size_t i = 0; i < n; i++) {
        long double v = gf ? (long double)gf[i] : (long double)g[i];
        r += v * v;
    }
    return (double)(fabsl((long double)ssq - r) / r);
}

/* One double and one float pass of `rows` rows on a team of `threads`
 * (1: none), with or without the gradient. */
typedef struct {
    cs_mlp_cache *c;
    f32_mlp_cache *fc;
    double *g, ssq, fssq;
    float *gf;
} pass_out;

static void run_pass(const cs_mlp *m, const f32_mlp *fm, const double *x, const float *xf, const int32_t *y,
                     size_t rows, int threads, int with_grad, pass_out *o)
{
    cr_assert_eq(cs_mlp_cache_create(m, rows, &o->c), CS_OK);
    cr_assert_eq(f32_mlp_cache_create(fm, rows, &o->fc), CS_OK);
    o->g = calloc(m->n_params, sizeof(double));
    o->gf = calloc(m->n_params, sizeof(float));
    learn_team *team;
    cr_assert_eq(learn_team_create(threads, &team), CS_OK);
    int blas = openblas_get_num_threads();
    openblas_set_num_threads(1);
    cr_assert_eq(f64_mlp_pass(m, x, rows, y, o->c, with_grad ? o->g : NULL, &o->ssq, team, NULL), CS_OK);
    cr_assert_eq(f32_mlp_pass(fm, xf, rows, y, o->fc, with_grad ? o->gf : NULL, &o->fssq, team, NULL), CS_OK);
    openblas_set_num_threads(blas);
    learn_team_destroy(team);
}

static void free_pass(pass_out *o)
{
    cs_mlp_cache_destroy(o->c);
    f32_mlp_cache_destroy(o->fc);
    free(o->g);
    free(o->gf);
}

/* The cache arrays of two passes are identical (double and float). */
static int same_caches(const cs_mlp *m, const pass_out *a, const pass_out *b, size_t rows)
{
    int ok = 1;
    for (size_t k = 0; k + 1 < m->n_layers; k++) {
        size_t n = rows * m->sizes[k + 1];
        ok &= same(a->c->z[k], b->c->z[k], n * 8) && same(a->c->a[k], b->c->a[k], n * 8) &&
              same(a->c->delta[k], b->c->delta[k], n * 8);
        ok &= same(a->fc->z[k], b->fc->z[k], n * 4) && same(a->fc->a[k], b->fc->a[k], n * 4) &&
              same(a->fc->delta[k], b->fc->delta[k], n * 4);
    }
    return ok;
}

/* A pass of `rows` rows on 2 and 3 threads gives the values of the pass on
 * one thread bit for bit (gradient, its sum of squares, every cache array),
 * in both precisions, and the deltas of a pass without the gradient are
 * those of the pass with it. A large pass (`large`) is the gradient to
 * within the bounds above (the uncut double pass the reference) and gives
 * its sum of squares; a small one is the uncut pass bit for bit and gives
 * none (NAN). */
static void check_pass(const size_t *sizes, size_t n_layers, cs_activation act, size_t rows, int large)
{
    cs_mlp *m;
    cr_assert_eq(cs_mlp_create(sizes, n_layers, act, &m), CS_OK);
    cs_rng *rng;
    cs_rng_create(5, &rng);
    cs_mlp_init(m, rng);
    for (size_t i = 0; i < m->n_params; i++) /* biases too: not all zero */
        m->params[i] += cs_rng_gaussian(rng, 0.01);
    size_t D = sizes[0], np = m->n_params, weights = 0;
    for (size_t k = 0; k + 1 < n_layers; k++)
        weights += sizes[k] * sizes[k + 1];
    cr_assert_eq(rows * weights >= ((size_t)1 << 22), large, "the shape is %s", large ? "small" : "large");
    double *x = malloc(rows * D * sizeof *x), *g = malloc(np * sizeof *g);
    float *xf = malloc(rows * D * sizeof *xf);
    int32_t *y = malloc(rows * sizeof *y);
    for (size_t i = 0; i < rows * D; i++)
        xf[i] = (float)(x[i] = cs_rng_uniform(rng));
    for (size_t r = 0; r < rows; r++)
        y[r] = (int32_t)(r % sizes[n_layers - 1]);
    f32_mlp *fm;
    cr_assert_eq(f32_mlp_create(m, &fm), CS_OK);
    f32_mlp_load(fm, m);
    cs_mlp_cache *c;
    cr_assert_eq(cs_mlp_cache_create(m, rows, &c), CS_OK);
    cr_assert_eq(cs_mlp_forward(m, x, rows, c), CS_OK);
    cs_mlp_backward(m, c, y, g);

    const char *what = act == CS_ACT_RELU ? "relu" : "tanh";
    pass_out one, deltas;
    run_pass(m, fm, x, xf, y, rows, 1, 1, &one);
    run_pass(m, fm, x, xf, y, rows, 1, 0, &deltas);
    cr_expect(same_caches(m, &one, &deltas, rows), "%zu rows, %s: the deltas without the gradient", rows, what);
    for (int threads = 2; threads <= 3; threads++) {
        pass_out t;
        run_pass(m, fm, x, xf, y, rows, threads, 1, &t);
        cr_expect(same(one.g, t.g, np * 8) && same(one.gf, t.gf, np * 4), "%zu rows, %s, %d threads: gradients", rows,
                  what, threads);
        cr_expect(same(&one.ssq, &t.ssq, 8) && same(&one.fssq, &t.fssq, 8), "%zu rows, %s, %d threads: S^2", rows,
                  what, threads);
        cr_expect(same_caches(m, &one, &t, rows), "%zu rows, %s, %d threads: cache arrays", rows, what, threads);
        free_pass(&t);
    }
    if (large) {
        /* forward sizes[0..2], backward sizes[3] and sizes[2], weight gradient rows */
        size_t ksum = sizes[0] + sizes[1] + sizes[2] + sizes[3] + sizes[2] + rows;
        double e64 = rel_err(one.g, NULL, g, np), e32 = rel_err(NULL, one.gf, g, np);
        cr_log_info("%zu rows, %s: gradient relative error double %.3g (bound %.3g), float %.3g (bound %.3g)", rows,
                    what, e64, 2.0 * (double)ksum * U64, e32, (double)ksum * U32);
        cr_expect(e64 <= 2.0 * (double)ksum * U64, "%zu rows, %s: double gradient error %g", rows, what, e64);
        cr_expect(e32 <= (double)ksum * U32 && e32 > U32 / 100, "%zu rows, %s: float gradient error %g", rows, what,
                  e32);
        for (size_t k = 0; k + 1 < n_layers; k++) {
            size_t n = rows * sizes[k + 1];
            cr_expect(rel_err(one.c->delta[k], NULL, c->delta[k], n) <= 2.0 * (double)ksum * U64 &&
                          rel_err(one.c->a[k], NULL, c->a[k], n) <= 2.0 * (double)ksum * U64,
                      "%zu rows, %s: layer %zu deltas and activations", rows, what, k);
        }
        double es = ssq_err(one.ssq, one.g, NULL, np), esf = ssq_err(one.fssq, NULL, one.gf, np);
        cr_expect(es <= (double)(np - 1) * U64 && esf <= (double)(np - 1) * U64,
                  "%zu rows, %s: sums of squares off by %g, %g", rows, what, es, esf);
    } else {
        cr_expect(same(one.g, g, np * 8) &&
                      same(one.c->z[n_layers - 2], c->z[n_layers - 2], rows * 8 * sizes[n_layers - 1]),
                  "%zu rows, %s: a small pass is the uncut pass", rows, what);
        cr_expect(isnan(one.ssq) && isnan(one.fssq), "%zu rows, %s: no sum of squares", rows, what);
    }
    free_pass(&one);
    free_pass(&deltas);
    cs_mlp_cache_destroy(c);
    f32_mlp_destroy(fm);
    cs_rng_destroy(rng);
    cs_mlp_destroy(m);
    free(x);
    free(xf);
    free(y);
    free(g);
}

Test(team, pass_in_parts_is_the_gradient_at_any_thread_count, .timeout = 120)
{
    const size_t fashion[4] = {784, 256, 128, 10}, odd[4] = {300, 333, 197, 12}, digits[4] = {64, 24, 16, 10};
    const size_t rows[3] = {64, 512, 101};
    for (int i = 0; i < 3; i++) {
        check_pass(fashion, 4, CS_ACT_RELU, rows[i], 1);
        check_pass(odd, 4, CS_ACT_TANH, rows[i], 1);
    }
    check_pass(digits, 4, CS_ACT_RELU, 16, 0);
    check_pass(digits, 4, CS_ACT_TANH, 160, 0);
}

/* ---- the update inside the pass (src/learn/update.h) ---- */

/* Two steps of a pass that runs the SGD update on its parts, on 1, 2 and 3
 * threads, against the pass followed by the separate SGD pass (double:
 * cs_optim_step_norms; float: the mixed step writing the float network):
 * the parameters and the float network are the separate steps' bit for bit
 * (the update is element-wise, so its split cannot change them), and so
 * is the gradient's sum of squares (the update sums it in the pass's
 * order), the
 * per-layer sums of squares are the same at every thread count and within
 * 2 x length x u64 of the separate pass's (each within length x u64 of the
 * exact sum: Higham eq. 4.4, as sgd_step_is_the_serial_step argues). A
 * small pass does not take the offer. */
static void fused_steps(int f32, int threads, size_t rows, const double *x, const float *xf, const int32_t *y,
                        double *params, float *mirror, double wsq[2][CS_MLP_MAX_LAYERS],
                        double usq[2][CS_MLP_MAX_LAYERS], int fused, int *applied, double *S2)
{
    const size_t sizes[4] = {784, 256, 128, 10};
    cs_mlp *m;
    cr_assert_eq(cs_mlp_create(sizes, 4, CS_ACT_RELU, &m), CS_OK);
    cs_rng *rng;
    cs_rng_create(9, &rng);
    cs_mlp_init(m, rng);
    cs_rng_destroy(rng);
    f32_mlp *fm;
    cr_assert_eq(f32_mlp_create(m, &fm), CS_OK);
    cs_mlp_cache *c;
    f32_mlp_cache *fc;
    cr_assert_eq(cs_mlp_cache_create(m, rows, &c), CS_OK);
    cr_assert_eq(f32_mlp_cache_create(fm, rows, &fc), CS_OK);
    cs_optim_config oc;
    cs_optim_config_default(&oc);
    oc.momentum = 0.9;
    oc.weight_decay = 1e-4;
    cs_optim *o;
    cr_assert_eq(cs_optim_create(&oc, m->n_params, &o), CS_OK);
    double *g = malloc(m->n_params * sizeof *g);
    float *gf = malloc(m->n_params * sizeof *gf);
    size_t seg_end[3];
    for (size_t k = 0; k < 3; k++)
        seg_end[k] = m->b_offset[k] + sizes[k + 1];
    learn_team *team;
    cr_assert_eq(learn_team_create(threads, &team), CS_OK);
    learn_team *old = learn_team_enter(team);
    int blas = openblas_get_num_threads();
    openblas_set_num_threads(1);
    f32_mlp_load(fm, m);
    for (int t = 0; t < 2; t++) {
        learn_update u = {.o = o,
                          .params = m->params,
                          .mirror = f32 ? fm->params : NULL,
                          .lr = 0.05,
                          .weight_sq = wsq[t],
                          .update_sq = usq[t]};
        double ssq;
        if (f32)
            cr_assert_eq(f32_mlp_pass(fm, xf, rows, y, fc, gf, &ssq, team, fused ? &u : NULL), CS_OK);
        else
            cr_assert_eq(f64_mlp_pass(m, x, rows, y, c, g, &ssq, team, fused ? &u : NULL), CS_OK);
        applied[t] = u.applied;
        S2[t] = ssq;
        if (!u.applied) {
            if (f32)
                cr_assert_eq(cs_optim_step_norms_mixed(o, m->params, gf, 0.05, seg_end, 3, wsq[t], usq[t],
                                                       fm->params),
                             1);
            else
                cs_optim_step_norms(o, m->params, g, 0.05, seg_end, 3, wsq[t], usq[t]);
        }
    }
    openblas_set_num_threads(blas);
    learn_team_leave(old);
    learn_team_destroy(team);
    memcpy(params, m->params, m->n_params * sizeof *params);
    memcpy(mirror, fm->params, m->n_params * sizeof *mirror);
    free(g);
    free(gf);
    cs_optim_destroy(o);
    cs_mlp_cache_destroy(c);
    f32_mlp_cache_destroy(fc);
    f32_mlp_destroy(fm);
    cs_mlp_destroy(m);
}

Test(team, update_in_the_pass_is_the_separate_update, .timeout = 120)
{
    enum { NP = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10 };
    const size_t seg[4] = {0, 784 * 256 + 256, 784 * 256 + 256 + 256 * 128 + 128, NP};
    const size_t rows_of[2] = {64, 4}; /* 4 rows: a pass too small to cut */
    for (int r = 0; r < 2; r++) {
        size_t rows = rows_of[r];
        double *x = malloc(rows * 784 * sizeof *x);
        float *xf = malloc(rows * 784 * sizeof *xf);
        int32_t *y = malloc(rows * sizeof *y);
        cs_rng *rng;
        cs_rng_create(4, &rng);
        for (size_t i = 0; i < rows * 784; i++)
            xf[i] = (float)(x[i] = cs_rng_uniform(rng));
        for (size_t i = 0; i < rows; i++)
            y[i] = (int32_t)(i % 10);
        cs_rng_destroy(rng);
        for (int f32 = 0; f32 < 2; f32++) {
            const char *prec = f32 ? "float" : "double";
            static double p_ref[NP], p[NP];
            static float m_ref[NP], mf[NP];
            double w_ref[2][CS_MLP_MAX_LAYERS], u_ref[2][CS_MLP_MAX_LAYERS], w1[2][CS_MLP_MAX_LAYERS],
                u1[2][CS_MLP_MAX_LAYERS];
            int applied[2];
            double s_ref[2], s2[2];
            fused_steps(f32, 1, rows, x, xf, y, p_ref, m_ref, w_ref, u_ref, 0, applied, s_ref);
            for (int threads = 1; threads <= 3; threads++) {
                double w[2][CS_MLP_MAX_LAYERS], u[2][CS_MLP_MAX_LAYERS];
                fused_steps(f32, threads, rows, x, xf, y, p, mf, w, u, 1, applied, s2);
                cr_expect(same(s2, s_ref, sizeof s2), "%s, %zu rows, %d threads: the gradient's sums of squares",
                          prec, rows, threads);
                cr_expect(applied[0] == (rows == 64) && applied[1] == (rows == 64),
                          "%s, %zu rows: the update %s in the pass", prec, rows,
                          rows == 64 ? "runs" : "does not run");
                cr_expect(same(p, p_ref, sizeof p), "%s, %zu rows, %d threads: parameters", prec, rows, threads);
                if (f32)
                    cr_expect(same(mf, m_ref, sizeof mf), "%s, %zu rows, %d threads: float network", prec, rows,
                              threads);
                if (threads == 1) {
                    memcpy(w1, w, sizeof w);
                    memcpy(u1, u, sizeof u);
                }
                for (int t = 0; t < 2; t++)
                    for (size_t k = 0; k < 3; k++) {
                        cr_expect(w[t][k] == w1[t][k] && u[t][k] == u1[t][k],
                                  "%s, %zu rows, %d threads, step %d, layer %zu: sums at any thread count", prec,
                                  rows, threads, t, k);
                        double tol = 2.0 * (double)(seg[k + 1] - seg[k]) * U64;
                        cr_expect(fabs(w[t][k] - w_ref[t][k]) <= tol * w_ref[t][k] &&
                                      fabs(u[t][k] - u_ref[t][k]) <= tol * u_ref[t][k],
                                  "%s, %zu rows, step %d, layer %zu: sums %.17g %.17g against %.17g %.17g", prec,
                                  rows, t, k, w[t][k], u[t][k], w_ref[t][k], u_ref[t][k]);
                    }
            }
        }
        free(x);
        free(xf);
        free(y);
    }
}

/* ---- the SGD pass ---- */

/* The SGD pass on a team gives the serial pass's parameters, momentum,
 * mirror and per-segment sums of squares, in double and mixed precision,
 * over four steps; segments of odd and even lengths, one of a single
 * element, one cut by the pass's halves (src/learn/optim.c, "in fixed
 * parts"). Against a reference kept here: the parameters are PyTorch's
 * update of them (v <- mu v + g + wd p, p <- p - lr v, the same double
 * operations, so equal), and each segment's sums of squares are within
 * length x u64 relative of the long double sums of the new parameters'
 * and of the change's squares (m roundings of a square, m - 1 of a sum of
 * positive terms: gamma_m, Higham eq. 4.4). */
Test(team, sgd_step_is_the_serial_step)
{
    enum { N = 200003, SEG = 4 };
    const size_t seg_end[SEG] = {150001, 150002, 190000, N};
    static double p[2][N], dir[N], ref_p[N], ref_v[N];
    static float dirf[N], mirror[2][N];
    const double lr = 0.05, mu = 0.9, wd = 1e-3;
    cs_rng *rng;
    cs_rng_create(23, &rng);
    for (size_t i = 0; i < N; i++)
        ref_p[i] = p[0][i] = p[1][i] = cs_rng_gaussian(rng, 1.0);
    cs_optim_config c;
    cs_optim_config_default(&c);
    c.momentum = mu;
    c.weight_decay = wd;
    cs_optim *o[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(cs_optim_create(&c, N, &o[i]), CS_OK);
    learn_team *team;
    cr_assert_eq(learn_team_create(2, &team), CS_OK);
    for (int t = 0; t < 4; t++) {
        for (size_t i = 0; i < N; i++) {
            dirf[i] = (float)cs_rng_gaussian(rng, 0.1);
            dir[i] = (double)dirf[i];
        }
        double w[2][SEG], u[2][SEG];
        for (int i = 0; i < 2; i++) {
            learn_team *old = learn_team_enter(i ? team : NULL);
            if (t % 2)
                cs_optim_step_norms(o[i], p[i], dir, lr, seg_end, SEG, w[i], u[i]);
            else
                cr_assert_eq(cs_optim_step_norms_mixed(o[i], p[i], dirf, lr, seg_end, SEG, w[i], u[i], mirror[i]), 1);
            learn_team_leave(old);
        }
        const char *kind = t % 2 ? "double" : "mixed";
        cr_expect(same(p[0], p[1], sizeof p[0]), "step %d (%s): parameters", t, kind);
        cr_expect(same(w[0], w[1], sizeof w[0]), "step %d (%s): weight sums of squares", t, kind);
        cr_expect(same(u[0], u[1], sizeof u[0]), "step %d (%s): update sums of squares", t, kind);
        if (!(t % 2))
            cr_expect(same(mirror[0], mirror[1], sizeof mirror[0]), "step %d: mirror", t);
        for (size_t i = 0; i < N; i++) {
            ref_v[i] = mu * ref_v[i] + dir[i] + wd * ref_p[i];
            ref_p[i] += -lr * ref_v[i];
        }
        cr_expect(same(p[0], ref_p, sizeof ref_p), "step %d (%s): the parameters are the reference's", t, kind);
        for (size_t k = 0, lo = 0; k < SEG; lo = seg_end[k], k++) {
            long double ws = 0.0L, us = 0.0L;
            for (size_t i = lo; i < seg_end[k]; i++) {
                ws += (long double)ref_p[i] * ref_p[i];
                us += (long double)(lr * ref_v[i]) * (lr * ref_v[i]);
            }
            double tol = (double)(seg_end[k] - lo) * U64; /* m squares and m - 1 additions */
            cr_expect(fabsl(w[0][k] - ws) <= tol * ws && fabsl(u[0][k] - us) <= tol * us,
                      "step %d (%s), segment %zu: sums of squares %.17g, %.17g against %.17Lg, %.17Lg", t, kind, k,
                      w[0][k], u[0][k], ws, us);
        }
    }
    learn_team_destroy(team);
    for (int i = 0; i < 2; i++)
        cs_optim_destroy(o[i]);
    cs_rng_destroy(rng);
}

/* ---- whole runs ---- */

/* Synthetic Fashion-MNIST-shaped data: 784 inputs in [0, 1), 10 classes,
 * each class a different mean image, so the network learns something. */
static void fake_images(size_t n, uint64_t seed, cs_dataset *d)
{
    d->n = n;
    d->dim = 784;
    d->classes = 10;
    d->x = malloc(n * 784 * sizeof(float));
    d->y = malloc(n * sizeof(int32_t));
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    for (size_t i = 0; i < n; i++) {
        d->y[i] = (int32_t)(i % 10);
        for (size_t j = 0; j < 784; j++)
            d->x[i * 784 + j] = (float)(0.5 * cs_rng_uniform(rng) + (j % 10 == (size_t)d->y[i] ? 0.5 : 0.0));
    }
    cs_rng_destroy(rng);
}

/* bp on the benchmark's network with a run log, --threads 1 against 2:
 * parameters, results and every logged step series and snapshot agree bit
 * for bit, in both precisions (float32 with its angle measured against the
 * double gradient, --bp-angle-reference float64, so the measured angles are
 * compared too). */
Test(team, threads_give_identical_runs, .timeout = 300)
{
    cs_dataset tr, te;
    fake_images(640, 1, &tr);
    fake_images(200, 2, &te);
    char *dir = tu_tmpdir();
    const char *prec[2] = {"float64", "float32"};
    for (int q = 0; q < 2; q++) {
        cs_mlp *m[2];
        cs_runlog *r[2];
        cs_train_result res[2];
        char path[2][512];
        for (int i = 0; i < 2; i++) {
            snprintf(path[i], sizeof path[i], "%s/run%d.h5", dir, i);
            cs_rule_option opt[2] = {{"bp-precision", prec[q]}, {"bp-angle-reference", "float64"}};
            cs_train_config c;
            cs_train_config_default(&c);
            const size_t sizes[4] = {784, 256, 128, 10};
            memcpy(c.sizes, sizes, sizeof sizes);
            c.n_layers = 4;
            c.batch = 64;
            c.lr = 0.05;
            c.epochs = 2;
            c.seed = 3;
            c.threads = i + 1;
            c.log_every = 3;
            c.probe_size = 200;
            c.out_path = path[i];
            c.rule_opts = opt;
            c.n_rule_opts = 2;
            cr_assert_eq(cs_train_run(&c, &tr, &te, &res[i], &m[i]), CS_OK, "%s", cs_last_error());
            cr_assert_eq(cs_runlog_open(path[i], &r[i]), CS_OK, "%s", cs_last_error());
        }
        cr_expect(same(m[0]->params, m[1]->params, m[0]->n_params * sizeof(double)), "%s: parameters", prec[q]);
        cr_expect(res[0].final_test_loss == res[1].final_test_loss &&
                      res[0].final_train_loss == res[1].final_train_loss,
                  "%s: losses", prec[q]);
        cr_expect(res[0].final_test_acc > 0.5, "%s: learns (test accuracy %.3f)", prec[q], res[0].final_test_acc);
        const char *names[] = {"loss", "tau", "surprise", "pi"};
        for (size_t k = 0; k < 4; k++) {
            double *a, *b;
            size_t na, nb;
            cs_runlog_read_steps(r[0], names[k], &a, &na);
            cs_runlog_read_steps(r[1], names[k], &b, &nb);
            cr_expect(na == nb && na == 20 && same(a, b, na * sizeof *a), "%s: %s", prec[q], names[k]);
            free(a);
            free(b);
        }
        size_t snaps = cs_runlog_get_info(r[0])->snapshots;
        for (size_t L = 1; L <= 3; L++) {
            const char *series[3] = {"weight_norm", "update_norm", "bp_angle_deg"};
            for (int s = 0; s < 3; s++) {
                double *a, *b;
                size_t na, nb;
                tu_layer_series(r[0], L, series[s], &a, &na);
                tu_layer_series(r[1], L, series[s], &b, &nb);
                cr_expect(na == nb && na > 0 && same(a, b, na * sizeof *a), "%s: layer %zu %s", prec[q], L,
                          series[s]);
                free(a);
                free(b);
            }
            const char *which[2] = {"activations", "errors"};
            for (int w = 0; w < 2; w++) {
                cs_matrix ma, mb;
                tu_snapshot(r[0], L, snaps - 1, which[w], &ma);
                tu_snapshot(r[1], L, snaps - 1, which[w], &mb);
                cr_expect(same(ma.data, mb.data, ma.rows * ma.cols * sizeof(double)), "%s: layer %zu %s", prec[q], L,
                          which[w]);
                cs_matrix_free(&ma);
                cs_matrix_free(&mb);
            }
        }
        for (int i = 0; i < 2; i++) {
            cs_runlog_close_reader(r[i]);
            unlink(path[i]);
            cs_mlp_destroy(m[i]);
        }
    }
    rmdir(dir);
    free(dir);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}
