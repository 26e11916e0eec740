/* The training core: MLP layers, BP gradients vs finite differences,
 * optimizers vs PyTorch, the training loop (determinism, run log content,
 * accuracy of the defaults) and the `cogscope train` command line. */
#include <criterion/criterion.h>
#include <math.h>

#include "cogscope/dataset.h"
#include "cogscope/mlp.h"
#include "cogscope/optim.h"
#include "cogscope/rng.h"
#include "cogscope/rule.h"
#include "cogscope/runlog.h"
#include "runlog_testutil.h"
#include "cogscope/sigmapi.h"
#include "cogscope/train.h"
#include "testutil.h"

/* ---- helpers ---- */

static cs_mlp *make_net(const size_t *sizes, size_t n, cs_activation act, uint64_t seed)
{
    cs_mlp *m;
    cr_assert_eq(cs_mlp_create(sizes, n, act, &m), CS_OK, "%s", cs_last_error());
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    cs_mlp_init(m, rng);
    /* nonzero biases so their gradients are exercised */
    for (size_t k = 0; k + 1 < n; k++)
        for (size_t j = 0; j < sizes[k + 1]; j++)
            m->b[k][j] = cs_rng_gaussian(rng, 0.3);
    cs_rng_destroy(rng);
    return m;
}

static void random_batch(size_t B, size_t D, size_t C, uint64_t seed, double *x, int32_t *y)
{
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    for (size_t i = 0; i < B * D; i++)
        x[i] = cs_rng_gaussian(rng, 1.0);
    for (size_t i = 0; i < B; i++)
        y[i] = (int32_t)cs_rng_below(rng, C);
    cs_rng_destroy(rng);
}

static double batch_loss(const cs_mlp *m, cs_mlp_cache *c, const double *x, const int32_t *y, size_t B)
{
    double loss;
    cs_mlp_forward(m, x, B, c);
    cs_mlp_loss(m, c, y, &loss, NULL);
    return loss;
}

/* ---- gradients ---- */

/* Central differences: error O(h^2 f''') + O(eps_mach f / h); with h = 1e-5
 * both are ~1e-10 relative, well under the 1e-6 the issue asks for. Kinked
 * activations (relu, hardsigmoid) are fine as long as no pre-activation lies
 * within h of a kink, which holds for these seeded Gaussian inputs (a
 * violation would show up as a large error, not pass silently). */
static void check_fd(cs_activation act)
{
    const size_t sizes[4] = {5, 7, 6, 4};
    const size_t B = 9;
    cs_mlp *m = make_net(sizes, 4, act, 11);
    cs_mlp_cache *c;
    cr_assert_eq(cs_mlp_cache_create(m, B, &c), CS_OK);
    double x[9 * 5];
    int32_t y[9];
    random_batch(B, 5, 4, 5, x, y);
    double *g = malloc(m->n_params * sizeof *g);
    double loss;
    cr_assert_eq(cs_mlp_gradient(m, c, x, y, B, g, &loss), CS_OK);
    cr_expect(fabs(loss - batch_loss(m, c, x, y, B)) < 1e-15);
    const double h = 1e-5;
    double worst = 0, num = 0, den = 0;
    for (size_t i = 0; i < m->n_params; i++) {
        double p = m->params[i];
        m->params[i] = p + h;
        double lp = batch_loss(m, c, x, y, B);
        m->params[i] = p - h;
        double lm = batch_loss(m, c, x, y, B);
        m->params[i] = p;
        double fd = (lp - lm) / (2 * h);
        /* Below |g| ~ 1e-4 a component cannot be checked to 1e-6 relative:
         * the difference quotient's rounding error is ~eps*|L|/h ~ 4e-11
         * absolute. Those components are still held to 1e-10 absolute, and
         * the global (norm) comparison below covers all of them. */
        double rel = fabs(fd - g[i]) / fmax(fmax(fabs(fd), fabs(g[i])), 1e-4);
        if (rel > worst)
            worst = rel;
        num += (fd - g[i]) * (fd - g[i]);
        den += g[i] * g[i];
    }
    cr_expect(worst < 1e-6, "%s: worst relative error %.3g", cs_activation_name(act), worst);
    cr_expect(sqrt(num / den) < 1e-8, "%s: global relative error %.3g", cs_activation_name(act), sqrt(num / den));
    free(g);
    cs_mlp_cache_destroy(c);
    cs_mlp_destroy(m);
}

Test(mlp, gradient_matches_finite_differences_tanh) { check_fd(CS_ACT_TANH); }
Test(mlp, gradient_matches_finite_differences_relu) { check_fd(CS_ACT_RELU); }
Test(mlp, gradient_matches_finite_differences_sigmoid) { check_fd(CS_ACT_SIGMOID); }
Test(mlp, gradient_matches_finite_differences_hardsigmoid) { check_fd(CS_ACT_HARDSIGMOID); }
Test(mlp, gradient_matches_finite_differences_identity) { check_fd(CS_ACT_IDENTITY); }

Test(mlp, layers_match_naive_loops)
{
    /* z = x W^T + b and the backward products, against plain loops. */
    const size_t B = 3, I = 4, O = 5;
    double x[12], W[20], b[5], z[15], d[15], dW[20], db[5], dx[12];
    for (size_t i = 0; i < 12; i++)
        x[i] = sin(1.0 + i);
    for (size_t i = 0; i < 20; i++)
        W[i] = cos(0.5 * i);
    for (size_t i = 0; i < 5; i++)
        b[i] = 0.1 * i;
    for (size_t i = 0; i < 15; i++)
        d[i] = sin(0.3 * i);
    cs_layer_linear_forward(z, x, W, b, B, I, O);
    cs_layer_linear_backward_params(dW, db, d, x, B, I, O, 0.5);
    cs_layer_linear_backward_input(dx, d, W, B, I, O);
    for (size_t r = 0; r < B; r++)
        for (size_t o = 0; o < O; o++) {
            double s = b[o];
            for (size_t i = 0; i < I; i++)
                s += x[r * I + i] * W[o * I + i];
            cr_expect(fabs(z[r * O + o] - s) < 1e-14);
        }
    for (size_t o = 0; o < O; o++) {
        double sb = 0;
        for (size_t r = 0; r < B; r++)
            sb += d[r * O + o];
        cr_expect(fabs(db[o] - 0.5 * sb) < 1e-14);
        for (size_t i = 0; i < I; i++) {
            double s = 0;
            for (size_t r = 0; r < B; r++)
                s += d[r * O + o] * x[r * I + i];
            cr_expect(fabs(dW[o * I + i] - 0.5 * s) < 1e-14);
        }
    }
    for (size_t r = 0; r < B; r++)
        for (size_t i = 0; i < I; i++) {
            double s = 0;
            for (size_t o = 0; o < O; o++)
                s += d[r * O + o] * W[o * I + i];
            cr_expect(fabs(dx[r * I + i] - s) < 1e-14);
        }
}

Test(mlp, softmax_and_loss_are_stable)
{
    /* Logits of 1e3 overflow a naive exp; the max shift keeps them exact. */
    const size_t sizes[2] = {1, 3};
    cs_mlp *m;
    cs_mlp_create(sizes, 2, CS_ACT_TANH, &m);
    m->W[0][0] = 1000;
    m->W[0][1] = 0;
    m->W[0][2] = -1000;
    cs_mlp_cache *c;
    cs_mlp_cache_create(m, 1, &c);
    double x[1] = {1};
    int32_t y[1] = {2};
    cs_mlp_forward(m, x, 1, c);
    double loss;
    size_t ok;
    cs_mlp_loss(m, c, y, &loss, &ok);
    cr_expect(fabs(loss - 2000) < 1e-9, "loss %g", loss);
    cr_expect_eq(ok, 0);
    cr_expect(fabs(c->a[0][0] - 1) < 1e-15 && c->a[0][2] >= 0);
    cs_mlp_cache_destroy(c);
    cs_mlp_destroy(m);
}

Test(mlp, bad_shapes)
{
    size_t one[1] = {4}, zero[3] = {4, 0, 2}, out1[2] = {4, 1};
    cs_mlp *m;
    cr_expect_eq(cs_mlp_create(one, 1, CS_ACT_TANH, &m), CS_EINVAL);
    cr_expect_eq(cs_mlp_create(zero, 3, CS_ACT_TANH, &m), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "layer 1 has 0 units") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_mlp_create(out1, 2, CS_ACT_TANH, &m), CS_EINVAL);
    size_t ok[2] = {4, 2};
    cr_assert_eq(cs_mlp_create(ok, 2, CS_ACT_TANH, &m), CS_OK);
    cs_mlp_cache *c;
    cs_mlp_cache_create(m, 2, &c);
    double x[12] = {0};
    cr_expect_eq(cs_mlp_forward(m, x, 3, c), CS_ELIMIT);
    cs_mlp_cache_destroy(c);
    cs_mlp_destroy(m);
    cs_activation a;
    cr_expect_eq(cs_activation_parse("swish", &a), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "'swish'") != NULL);
}

/* ---- optimizers vs PyTorch (tests/data/gen_optim_torch.py, output in
 * tests/data/optim_torch.txt): same recurrences in double, so agreement is to
 * rounding; 1e-13 allows for a different operation order. ---- */

static void run_optim(cs_optim_kind kind, double lr, double mom, double wd, double *p)
{
    const double grads[3][3] = {{0.1, -0.2, 0.3}, {-0.4, 0.5, 0.05}, {0.2, 0.2, -0.6}};
    p[0] = 0.5;
    p[1] = -1.0;
    p[2] = 2.0;
    cs_optim_config c;
    cs_optim_config_default(&c);
    c.kind = kind;
    c.momentum = mom;
    c.weight_decay = wd;
    cs_optim *o;
    cr_assert_eq(cs_optim_create(&c, 3, &o), CS_OK);
    double applied[3];
    for (int t = 0; t < 3; t++) {
        double before[3] = {p[0], p[1], p[2]};
        cs_optim_step(o, p, grads[t], lr, applied);
        for (int i = 0; i < 3; i++)
            cr_expect(fabs(p[i] - before[i] - applied[i]) < 1e-15);
    }
    cs_optim_destroy(o);
}

Test(optim, matches_pytorch)
{
    double p[3];
    const double sgd[3] = {0.52609538950000001, -1.0552207789999999, 1.9581085679999999};
    const double adamw[3] = {0.49521266680967918, -0.99687014965929788, 1.9791640625834714};
    const double adam[3] = {0.49669677234642673, -0.99985158281281916, 1.9851302413110195};
    run_optim(CS_OPTIM_SGD, 0.1, 0.9, 0.01, p);
    for (int i = 0; i < 3; i++)
        cr_expect(fabs(p[i] - sgd[i]) < 1e-13, "sgd %d: %.17g", i, p[i]);
    run_optim(CS_OPTIM_ADAM, 0.01, 0, 0.1, p);
    for (int i = 0; i < 3; i++)
        cr_expect(fabs(p[i] - adamw[i]) < 1e-13, "adamw %d: %.17g", i, p[i]);
    run_optim(CS_OPTIM_ADAM, 0.01, 0, 0.0, p);
    for (int i = 0; i < 3; i++)
        cr_expect(fabs(p[i] - adam[i]) < 1e-13, "adam %d: %.17g", i, p[i]);
}

/* The mixed-precision SGD step (float direction, float mirror written in
 * the same pass) is the double step with the direction widened, bit for
 * bit: parameters, momentum (seen through the next step), the per-layer
 * sums of squares in their summation order, and mirror = (float)params.
 * Segments of odd and even lengths and starts, three steps, weight decay;
 * Adam is declined (returns 0, nothing changed). */
Test(optim, mixed_step_is_the_double_step)
{
    enum { N = 1001, SEG = 3 };
    const size_t seg_end[SEG] = {333, 334, N};
    static double pa[N], pb[N], dir[N];
    static float dirf[N], mirror[N];
    cs_rng *rng;
    cs_rng_create(17, &rng);
    for (size_t i = 0; i < N; i++)
        pa[i] = pb[i] = cs_rng_gaussian(rng, 1.0);
    cs_optim_config c;
    cs_optim_config_default(&c);
    c.momentum = 0.9;
    c.weight_decay = 1e-3;
    cs_optim *a, *b;
    cr_assert_eq(cs_optim_create(&c, N, &a), CS_OK);
    cr_assert_eq(cs_optim_create(&c, N, &b), CS_OK);
    for (int t = 0; t < 3; t++) {
        for (size_t i = 0; i < N; i++) {
            dirf[i] = (float)cs_rng_gaussian(rng, 0.1);
            dir[i] = (double)dirf[i];
        }
        double wa[SEG], ua[SEG], wb[SEG], ub[SEG];
        cs_optim_step_norms(a, pa, dir, 0.05, seg_end, SEG, wa, ua);
        cr_assert_eq(cs_optim_step_norms_mixed(b, pb, dirf, 0.05, seg_end, SEG, wb, ub, mirror), 1);
        cr_expect_eq(memcmp(pa, pb, sizeof pa), 0, "step %d: parameters", t);
        cr_expect_eq(memcmp(wa, wb, sizeof wa), 0, "step %d: weight sums of squares", t);
        cr_expect_eq(memcmp(ua, ub, sizeof ua), 0, "step %d: update sums of squares", t);
        size_t same = 0;
        for (size_t i = 0; i < N; i++)
            same += mirror[i] == (float)pb[i];
        cr_expect_eq(same, N, "step %d: mirror", t);
    }
    cs_optim_destroy(a);
    cs_optim_destroy(b);
    c.kind = CS_OPTIM_ADAM;
    cr_assert_eq(cs_optim_create(&c, N, &a), CS_OK);
    double w[SEG], u[SEG];
    memcpy(pa, pb, sizeof pa);
    cr_expect_eq(cs_optim_step_norms_mixed(a, pb, dirf, 0.05, seg_end, SEG, w, u, mirror), 0);
    cr_expect_eq(memcmp(pa, pb, sizeof pa), 0, "Adam: declined, untouched");
    cs_optim_destroy(a);
    cs_rng_destroy(rng);
}

Test(optim, bad_config)
{
    cs_optim_config c;
    cs_optim_config_default(&c);
    c.momentum = 1.0;
    cs_optim *o;
    cr_expect_eq(cs_optim_create(&c, 3, &o), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "--momentum") != NULL);
    cs_optim_kind k;
    cr_expect_eq(cs_optim_parse("rmsprop", &k), CS_EINVAL);
}

/* ---- rules: registry and options ---- */

Test(rule, registry_and_foreign_options)
{
    const cs_rule_vtable *bp = cs_rule_find("bp");
    cr_assert(bp);
    cr_expect_null(cs_rule_find("nope"));
    cs_rule_option unknown = {"no-such-flag", "1"};
    cr_expect_eq(cs_rule_check_options(bp, &unknown, 1), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "unknown option --no-such-flag") != NULL, "%s", cs_last_error());
    /* Every option another rule declares is refused by bp, naming its owner. */
    for (size_t i = 0; i < cs_rule_count(); i++) {
        const cs_rule_vtable *v = cs_rule_at(i);
        for (const cs_rule_option_spec *s = v->options; s && s->name; s++) {
            if (cs_rule_option_find(bp, s->name))
                continue;
            cs_rule_option o = {s->name, s->def ? s->def : "1"};
            cr_expect_eq(cs_rule_check_options(bp, &o, 1), CS_EINVAL);
            char want[256];
            snprintf(want, sizeof want, "--%s belongs to rule %s, not bp", s->name,
                     cs_rule_option_owner(s->name)->name);
            cr_expect_str_eq(cs_last_error(), want);
        }
    }
}

Test(rule, option_helpers)
{
    cs_rule_option o[4] = {{"a", "0.5"}, {"a", "2.5"}, {"n", "x7"}, {"c", "two"}};
    double d;
    long n;
    int ch;
    cr_expect_eq(cs_rule_opt_double(o, 4, "a", 1, &d), CS_OK);
    cr_expect_eq(d, 2.5); /* the last occurrence wins, as with getopt */
    cr_expect_eq(cs_rule_opt_double(o, 4, "z", 1.5, &d), CS_OK);
    cr_expect_eq(d, 1.5);
    cr_expect_eq(cs_rule_opt_int(o, 4, "n", 3, &n), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "--n: 'x7' is not an integer") != NULL);
    const char *const choices[] = {"one", "two", NULL};
    cr_expect_eq(cs_rule_opt_choice(o, 4, "c", choices, 0, &ch), CS_OK);
    cr_expect_eq(ch, 1);
    cs_rule_option bad = {"c", "three"};
    cr_expect_eq(cs_rule_opt_choice(&bad, 1, "c", choices, 0, &ch), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "one|two") != NULL);
    cs_rule_option f[2] = {{"f", "1"}, {"g", "off"}};
    cr_expect_eq(cs_rule_opt_flag(f, 2, "f"), 1);
    cr_expect_eq(cs_rule_opt_flag(f, 2, "g"), 0);
    cr_expect_eq(cs_rule_opt_flag(f, 2, "h"), 0);
}

Test(rule, bp_step_is_the_gradient)
{
    const size_t sizes[3] = {5, 6, 3};
    cs_mlp *m = make_net(sizes, 3, CS_ACT_TANH, 3);
    cs_rule *r;
    cr_assert_eq(cs_rule_create(&cs_rule_bp, m, NULL, 0, 1, 8, &r), CS_OK);
    double x[40], dir[64], g[64], logits[24];
    int32_t y[8];
    random_batch(8, 5, 3, 9, x, y);
    cs_rule_batch b = {.x = x, .labels = y, .rows = 8, .direction = dir, .logits = logits};
    cr_assert_eq(cs_rule_step(r, m, &b), CS_OK);
    cs_mlp_cache *c;
    cs_mlp_cache_create(m, 8, &c);
    cs_mlp_gradient(m, c, x, y, 8, g, NULL);
    cr_assert(m->n_params <= 64);
    for (size_t i = 0; i < m->n_params; i++)
        cr_expect_eq(dir[i], g[i]);
    cr_expect(fabs(b.surprise - cs_sigmapi_norm(g, m->n_params)) < 1e-15);
    cr_expect(cs_train_angle_deg(dir, g, m->n_params) < 1e-5);
    /* teaching signal = per-sample deltas of a fresh backward pass */
    double e0[48], e1[24];
    double *errs[2] = {e0, e1};
    cr_assert_eq(cs_rule_teaching_signal(r, m, x, y, 8, errs), CS_OK);
    for (size_t i = 0; i < 24; i++)
        cr_expect_eq(e1[i], c->delta[1][i]);
    for (size_t i = 0; i < 48; i++)
        cr_expect_eq(e0[i], c->delta[0][i]);
    cs_mlp_cache_destroy(c);
    cs_rule_destroy(r);
    cs_mlp_destroy(m);
}

Test(train, angle)
{
    double a[2] = {1, 0}, b[2] = {1, 1}, z[2] = {0, 0};
    cr_expect(fabs(cs_train_angle_deg(a, b, 2) - 45) < 1e-12);
    cr_expect(isnan(cs_train_angle_deg(a, z, 2)));
}

/* ---- the training loop ---- */

static void load_digits(uint64_t seed, cs_dataset *train, cs_dataset *test)
{
    cs_dataset_options o;
    cs_dataset_options_default(&o);
    o.bundled_dir = COGSCOPE_SOURCE_DIR "/datasets";
    o.seed = seed;
    cr_assert_eq(cs_dataset_load("digits", &o, train, test), CS_OK, "%s", cs_last_error());
}

Test(train, same_seed_same_parameters)
{
    cs_dataset tr, te;
    load_digits(3, &tr, &te);
    cs_train_config c;
    cs_train_config_default(&c);
    c.epochs = 2;
    c.seed = 3;
    c.threads = 2;
    cs_mlp *a, *b;
    cs_train_result ra, rb;
    cr_assert_eq(cs_train_run(&c, &tr, &te, &ra, &a), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_train_run(&c, &tr, &te, &rb, &b), CS_OK);
    cr_expect_eq(memcmp(a->params, b->params, a->n_params * sizeof(double)), 0);
    cr_expect_eq(ra.final_test_acc, rb.final_test_acc);
    c.seed = 4;
    cs_mlp *d;
    cr_assert_eq(cs_train_run(&c, &tr, &te, &rb, &d), CS_OK);
    cr_expect_neq(memcmp(a->params, d->params, a->n_params * sizeof(double)), 0);
    cs_mlp_destroy(a);
    cs_mlp_destroy(b);
    cs_mlp_destroy(d);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}

/* The acceptance command with the defaults, over ten seeds (each
 * seed changes the split, the initialisation and the batch order). bp's
 * defaults come from a 40-seed sweep (docs/training.md: mean 97.65%, 32/40
 * >= 97%); "most seeds" is asserted as >= 7 of 10, and the mean >= 97%. */
Test(train, digits_default_accuracy_over_seeds, .timeout = 600)
{
    int pass = 0;
    double sum = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        cs_dataset tr, te;
        load_digits(seed, &tr, &te);
        cs_train_config c;
        cs_train_config_default(&c);
        c.seed = seed;
        c.threads = 1;
        size_t sizes[3] = {64, 100, 10};
        memcpy(c.sizes, sizes, sizeof sizes);
        c.n_layers = 3;
        c.epochs = 30;
        cs_train_result r;
        cr_assert_eq(cs_train_run(&c, &tr, &te, &r, NULL), CS_OK, "%s", cs_last_error());
        cr_expect_eq(r.epochs_done, 30);
        pass += r.final_test_acc >= 0.97;
        sum += r.final_test_acc;
        cs_dataset_free(&tr);
        cs_dataset_free(&te);
    }
    cr_expect(pass >= 7, "%d of 10 seeds >= 97%%", pass);
    cr_expect(sum / 10 >= 0.97, "mean accuracy %.4f", sum / 10);
}

Test(train, learns_xor_and_parity)
{
    /* Purely synergistic targets: no single input bit carries information,
     * so reaching > 95% needs the hidden layer. */
    const char *sets[2] = {"xor", "parity:3"};
    for (int i = 0; i < 2; i++) {
        cs_dataset_options o;
        cs_dataset_options_default(&o);
        cs_dataset tr, te;
        cr_assert_eq(cs_dataset_load(sets[i], &o, &tr, &te), CS_OK);
        cs_train_config c;
        cs_train_config_default(&c);
        c.threads = 1;
        c.epochs = 30;
        size_t sizes[3] = {tr.dim, 16, 2};
        memcpy(c.sizes, sizes, sizeof sizes);
        c.n_layers = 3;
        cs_train_result r;
        cr_assert_eq(cs_train_run(&c, &tr, &te, &r, NULL), CS_OK, "%s", cs_last_error());
        cr_expect(r.final_test_acc > 0.95, "%s: %.3f", sets[i], r.final_test_acc);
        cs_dataset_free(&tr);
        cs_dataset_free(&te);
    }
}

static double *series(cs_runlog *r, const char *name, size_t *n)
{
    double *v;
    cr_assert_eq(cs_runlog_read_steps(r, name, &v, n), CS_OK, "%s", cs_last_error());
    return v;
}

Test(train, run_log_content)
{
    cs_dataset tr, te;
    load_digits(2, &tr, &te);
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/run.h5", dir);
    cs_train_config c;
    cs_train_config_default(&c);
    c.epochs = 2;
    c.seed = 2;
    c.threads = 1;
    c.log_every = 20;
    c.probe_size = 100;
    c.out_path = path;
    c.dataset_name = "digits";
    cs_train_result res;
    cr_assert_eq(cs_train_run(&c, &tr, &te, &res, NULL), CS_OK, "%s", cs_last_error());
    size_t steps_per_epoch = (tr.n + 15) / 16; /* bp's default batch 16 */
    cr_expect_eq(res.steps, 2 * steps_per_epoch);

    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *info = cs_runlog_get_info(r);
    cr_expect_eq(info->steps, res.steps);
    cr_expect_eq(info->epochs_done, 2);
    cr_expect_eq(info->probe_size, 100);
    cr_expect_str_eq(info->rule, "bp");
    /* snapshots at steps 0, 20, 40, ... and the last step */
    size_t want_snaps = (res.steps - 1) / 20 + 1 + ((res.steps - 1) % 20 != 0);
    cr_expect_eq(info->snapshots, want_snaps);
    size_t n;
    double *loss = series(r, "loss", &n), *tau = series(r, "tau", &n), *S = series(r, "surprise", &n),
           *pi = series(r, "pi", &n), *lr = series(r, "lr", &n);
    cr_assert_eq(n, res.steps);
    for (size_t i = 0; i < n; i++) {
        double want = cs_sigmapi_pi(loss[i], tau[i], S[i], 1.0, 0.5);
        cr_expect(fabs(pi[i] - want) <= 1e-12 * want, "step %zu", i);
        cr_expect(tau[i] >= 0 && tau[i] <= log(10.0) + 1e-12);
    }
    /* cosine schedule: full lr at step 0, decreasing */
    cr_expect(fabs(lr[0] - cs_rule_bp.defaults.lr) < 1e-15);
    cr_expect(lr[n - 1] < lr[n / 2] && lr[n / 2] < lr[0]);
    /* the early loss is near log 10 and falls */
    cr_expect(loss[0] > 1.5 && loss[n - 1] < 0.5, "loss %g -> %g", loss[0], loss[n - 1]);
    /* BP's angle to itself is 0 where measured, NaN elsewhere */
    double *ang;
    size_t na;
    cr_assert_eq(tu_layer_series(r, 1, "bp_angle_deg", &ang, &na), CS_OK);
    cr_assert_eq(na, n);
    cr_expect(ang[0] < 1e-4 && ang[20] < 1e-4);
    cr_expect(isnan(ang[1]));
    double *wn, *un;
    cr_assert_eq(tu_layer_series(r, 2, "weight_norm", &wn, &na), CS_OK);
    cr_assert_eq(tu_layer_series(r, 2, "update_norm", &un, &na), CS_OK);
    cr_expect(wn[0] > 0 && un[0] > 0 && isfinite(wn[n - 1]));
    /* errors snapshot of the output layer = softmax - onehot per sample:
     * each row sums to 0 and has exactly one negative entry */
    cs_matrix e;
    cr_assert_eq(tu_snapshot(r, 2, 0, "errors", &e), CS_OK, "%s", cs_last_error());
    cr_expect_eq(e.rows, 100);
    cr_expect_eq(e.cols, 10);
    for (size_t i = 0; i < e.rows; i++) {
        double s = 0;
        int neg = 0;
        for (size_t j = 0; j < e.cols; j++) {
            s += cs_matrix_get(e, i, j);
            neg += cs_matrix_get(e, i, j) < 0;
        }
        cr_expect(fabs(s) < 1e-6 && neg == 1, "row %zu", i); /* float32 storage */
    }
    cs_matrix_free(&e);
    double *acc;
    cr_assert_eq(cs_runlog_read_eval(r, "acc", &acc, &na), CS_OK);
    cr_expect_eq(na, 2);
    cr_expect(fabs(acc[1] - res.final_test_acc) < 1e-15);
    free(loss), free(tau), free(S), free(pi), free(lr), free(ang), free(wn), free(un), free(acc);
    cs_runlog_close_reader(r);
    unlink(path);
    rmdir(dir);
    free(dir);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}

Test(train, config_errors_name_the_flag)
{
    cs_dataset tr, te;
    load_digits(1, &tr, &te);
    cs_train_config c, out;
    cs_train_config_default(&c);
    c.rule = "nope";
    cr_expect_eq(cs_train_config_resolve(&c, &tr, &out), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "--rule: 'nope'") != NULL);
    cs_train_config_default(&c);
    size_t bad[3] = {60, 100, 10};
    memcpy(c.sizes, bad, sizeof bad);
    c.n_layers = 3;
    cr_expect_eq(cs_train_config_resolve(&c, &tr, &out), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "60 units but the data have 64") != NULL, "%s", cs_last_error());
    size_t small_out[3] = {64, 100, 5};
    memcpy(c.sizes, small_out, sizeof small_out);
    cr_expect_eq(cs_train_config_resolve(&c, &tr, &out), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "labels go up to 9") != NULL);
    cs_train_config_default(&c);
    c.lr = -1;
    cr_expect_eq(cs_train_config_resolve(&c, &tr, &out), CS_EINVAL);
    cs_train_config_default(&c);
    c.pi_gamma = 2;
    cr_expect_eq(cs_train_config_resolve(&c, &tr, &out), CS_EINVAL);
    cs_train_config_default(&c);
    c.schedule = "step";
    cr_expect_eq(cs_train_config_resolve(&c, &tr, &out), CS_EINVAL);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}

/* ---- command line ---- */

Test(cli_train, help_and_usage_errors)
{
    char *out = NULL, *err = NULL;
    cr_expect_eq(tu_cli("train --help", &out, NULL), 0);
    cr_expect(strstr(out, "--log-every") && strstr(out, "rules:"));
    free(out);
    const char *usage[] = {
        "train",                        /* no --data */
        "train --data digits --bogus",  /* unknown flag */
        "train --data digits --epochs", /* missing value */
        "train --data digits --epochs 0",
        "train --data digits --lr abc",
        "train --data digits --layers 64,x,10",
        "train --data digits --layers 60,100,10", /* does not fit the data */
        "train --data digits --layers 64,100,5",  /* fewer outputs than classes */
        "train --data digits --layers 64,100",    /* more outputs than classes */
        "train --data digits --rule nope",
        "train --data digits --optimizer rmsprop",
        "train --data digits --activation swish",
        "train --data digits --momentum 1",
        "train --data digits --pi-gamma 1.5",
        "train --data digits stray",
    };
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        int rc = tu_cli(usage[i], NULL, &err);
        cr_expect_eq(rc, 2, "'%s' gave %d: %s", usage[i], rc, err);
        cr_expect(err && strstr(err, "cogscope train:"), "'%s': %s", usage[i], err);
        free(err);
    }
}

Test(cli_train, runtime_failures_exit_1)
{
    char *err = NULL;
    cr_expect_eq(tu_cli("train --data /nonexistent/file.csv", NULL, &err), 1);
    cr_expect(strstr(err, "/nonexistent/file.csv: cannot open"), "%s", err);
    free(err);
    cr_expect_eq(tu_cli("train --data fashion-mnist --data-dir /nonexistent", NULL, &err), 1);
    cr_expect(strstr(err, "dataset-fashion-mnist"), "%s", err);
    free(err);
    cr_expect_eq(tu_cli("train --data digits --epochs 1 --out /nonexistent/dir/run.h5", NULL, &err), 1);
    free(err);
    /* an absurd learning rate: parameters overflow to Inf, the loss turns NaN and
     * the run stops with a message (not a log full of NaN) */
    cr_expect_eq(tu_cli("train --data xor --layers 2,8,2 --lr 1e300 --epochs 3 --threads 1", NULL, &err), 1);
    cr_expect(strstr(err, "diverged at step"), "%s", err);
    free(err);
}

Test(cli_train, foreign_rule_flag_is_a_usage_error)
{
    /* Any flag declared by another registered rule must be refused by bp. */
    for (size_t i = 0; i < cs_rule_count(); i++) {
        const cs_rule_vtable *v = cs_rule_at(i);
        if (!strcmp(v->name, "bp") || !v->options || !v->options[0].name)
            continue;
        const cs_rule_option_spec *s = &v->options[0];
        char args[256], *err = NULL;
        snprintf(args, sizeof args, "train --data xor --rule bp --epochs 1 --%s%s%s", s->name, s->metavar ? " " : "",
                 s->metavar ? (s->def ? s->def : "1") : "");
        cr_expect_eq(tu_cli(args, NULL, &err), 2, "%s", args);
        cr_expect(strstr(err, "belongs to rule"), "%s", err);
        free(err);
    }
}

Test(cli_train, json_result)
{
    char *out = NULL, *err = NULL;
    int rc = tu_cli("train --data xor --layers 2,8,2 --epochs 3 --threads 1 --json", &out, &err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_expect(strstr(out, "\"rule\":\"bp\"") && strstr(out, "\"final_test_acc\":") &&
                  strstr(out, "\"layers\":[2,8,2]") && strstr(out, "\"out\":null"),
              "%s", out);
    cr_expect(err == NULL || *err == '\0', "stderr not empty off a terminal: %s", err);
    free(out);
    free(err);
}

Test(cli_train, csv_file_and_label_col)
{
    char *dir = tu_tmpdir(), path[512], args[1024];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    /* label in column 0; class = which of the two features is larger, or 2
     * when both are small: learnable, three classes */
    FILE *f = fopen(path, "w");
    cs_rng *rng;
    cs_rng_create(5, &rng);
    for (int i = 0; i < 300; i++) {
        double a = cs_rng_uniform(rng), b = cs_rng_uniform(rng);
        int y = (a < 0.3 && b < 0.3) ? 2 : (a > b ? 0 : 1);
        fprintf(f, "%d,%.6f,%.6f\n", y, a, b);
    }
    fclose(f);
    cs_rng_destroy(rng);
    char *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "train --data '%s' --label-col 0 --epochs 5 --threads 1 --json", path);
    cr_expect_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"layers\":[2,100,3]") && strstr(out, "\"test_samples\":75"), "%s", out);
    free(out);
    free(err);
    /* labels up to 2 do not fit 2 output units: usage error naming --layers */
    snprintf(args, sizeof args, "train --data '%s' --label-col 0 --layers 2,4,2", path);
    cr_expect_eq(tu_cli(args, NULL, &err), 2);
    cr_expect(strstr(err, "labels go up to 2"), "%s", err);
    free(err);
    /* the label column out of range */
    snprintf(args, sizeof args, "train --data '%s' --label-col 7", path);
    cr_expect_eq(tu_cli(args, NULL, &err), 2);
    cr_expect(strstr(err, "--label-col 7"), "%s", err);
    free(err);
    /* a ragged row: a data error, exit 1, naming file and line */
    f = fopen(path, "a");
    fprintf(f, "1,0.5\n");
    fclose(f);
    snprintf(args, sizeof args, "train --data '%s' --label-col 0", path);
    cr_expect_eq(tu_cli(args, NULL, &err), 1);
    cr_expect(strstr(err, "t.csv: line 301 has 2 columns"), "%s", err);
    free(err);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* Same seed and threads: every logged series and snapshot is bit-identical. */
Test(train, same_seed_same_log)
{
    cs_dataset tr, te;
    load_digits(6, &tr, &te);
    char *dir = tu_tmpdir(), p[2][512];
    cs_runlog *r[2];
    for (int i = 0; i < 2; i++) {
        snprintf(p[i], sizeof p[i], "%s/run%d.h5", dir, i);
        cs_train_config c;
        cs_train_config_default(&c);
        c.epochs = 2;
        c.seed = 6;
        c.threads = 2;
        c.log_every = 25;
        c.out_path = p[i];
        cs_train_result res;
        cr_assert_eq(cs_train_run(&c, &tr, &te, &res, NULL), CS_OK, "%s", cs_last_error());
        cr_assert_eq(cs_runlog_open(p[i], &r[i]), CS_OK, "%s", cs_last_error());
    }
    const char *names[] = {"loss", "tau", "surprise", "pi", "batch_acc", "lr"};
    for (size_t k = 0; k < 6; k++) {
        double *a, *b;
        size_t na, nb;
        cs_runlog_read_steps(r[0], names[k], &a, &na);
        cs_runlog_read_steps(r[1], names[k], &b, &nb);
        cr_expect(na == nb && na > 0 && memcmp(a, b, na * sizeof *a) == 0, "%s differs", names[k]);
        free(a);
        free(b);
    }
    for (size_t L = 1; L <= 2; L++) {
        double *a, *b;
        size_t na, nb;
        tu_layer_series(r[0], L, "weight_norm", &a, &na);
        tu_layer_series(r[1], L, "weight_norm", &b, &nb);
        cr_expect(na == nb && memcmp(a, b, na * sizeof *a) == 0);
        free(a);
        free(b);
        size_t snaps = cs_runlog_get_info(r[0])->snapshots;
        cr_expect(snaps > 2);
        cs_matrix ma, mb;
        tu_snapshot(r[0], L, snaps - 1, "activations", &ma);
        tu_snapshot(r[1], L, snaps - 1, "activations", &mb);
        cr_expect(memcmp(ma.data, mb.data, ma.rows * ma.cols * sizeof(double)) == 0);
        cs_matrix_free(&ma);
        cs_matrix_free(&mb);
    }
    for (int i = 0; i < 2; i++) {
        cs_runlog_close_reader(r[i]);
        unlink(p[i]);
    }
    rmdir(dir);
    free(dir);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}

/* ---- the loop's observer never steers training (issue 11, Deliver 7) ---- */

/* One configuration trained without a log, with a row and snapshot every
 * step, every 7 steps, and with a log budget that refuses the snapshots
 * (the probe alone takes 40 x (64 x 4 + 4) = 10,400 of its 12,400 bytes)
 * and stops the rows part-way: the final parameters and results must be bit-identical,
 * so logging never changes which optimiser call runs or what the rule
 * computes next. Digits cut to 320 training samples (20 steps an epoch). */
/* A non-bp rule's log asked for it holds backprop's delta beside its own
 * errors at every snapshot (finite, not all zero: the probe's loss has a
 * gradient); a bp log (its errors are the reference) and a log not asked
 * for it have none. */
static void check_reference_errors(const cs_runlog *r, const char *rule, int asked)
{
    size_t S = cs_runlog_get_info(r)->snapshots;
    for (size_t L = 1; L <= 2; L++)
        for (size_t s = 0; s < S; s++) {
            cs_matrix e;
            cs_status st = tu_snapshot(r, L, s, "reference_errors", &e);
            if (!strcmp(rule, "bp") || !asked) {
                cr_expect_neq(st, CS_OK, "%s: the log has no reference_errors (asked: %d)", rule, asked);
                return;
            }
            cr_assert_eq(st, CS_OK, "%s layer %zu snapshot %zu: %s", rule, L, s, cs_last_error());
            size_t n = e.rows * e.cols, finite = 0, nonzero = 0;
            for (size_t i = 0; i < n; i++) {
                finite += isfinite(e.data[i]) != 0;
                nonzero += e.data[i] != 0.0;
            }
            cr_expect(e.rows == 40 && finite == n && nonzero > 0,
                      "%s layer %zu snapshot %zu: %zu rows, %zu of %zu finite, %zu non-zero", rule, L, s, e.rows,
                      finite, n, nonzero);
            cs_matrix_free(&e);
        }
}

static void check_logging_is_passive(const char *rule, const cs_rule_option *opts, size_t n_opts,
                                     const char *optimizer)
{
    cs_dataset tr, te;
    load_digits(9, &tr, &te);
    tr.n = 320;
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/run.h5", dir);
    const size_t every[] = {0, 1, 7, 3};
    const uint64_t budget[] = {0, 0, 0, 12400};
    cs_mlp *m[4];
    cs_train_result res[4];
    for (int i = 0; i < 4; i++) {
        cs_train_config c;
        cs_train_config_default(&c);
        c.rule = rule;
        c.rule_opts = opts;
        c.n_rule_opts = n_opts;
        c.optimizer = optimizer;
        c.epochs = 2;
        c.batch = 16;
        c.seed = 9;
        c.threads = 1;
        c.probe_size = 40;
        c.log_every = every[i];
        c.max_log_bytes = budget[i];
        c.out_path = every[i] ? path : NULL;
        c.reference_errors = i != 2; /* backprop's delta beside the rule's: no effect on training either */
        cr_assert_eq(cs_train_run(&c, &tr, &te, &res[i], &m[i]), CS_OK, "%s: %s", rule, cs_last_error());
        if (every[i]) {
            cs_runlog *r;
            cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
            if (!budget[i])
                cr_expect(cs_runlog_get_info(r)->snapshots >= 2, "%s: the log has snapshots", rule);
            if (!budget[i])
                check_reference_errors(r, rule, c.reference_errors);
            cs_runlog_close_reader(r);
            unlink(path);
        }
    }
    cr_expect_eq(res[3].log_limited, 2, "%s: the budget stopped the rows", rule);
    for (int i = 1; i < 4; i++) {
        cr_expect_eq(memcmp(m[0]->params, m[i]->params, m[0]->n_params * sizeof(double)), 0,
                     "%s: parameters after training with log_every %zu differ from training without a log", rule,
                     every[i]);
        cr_expect(res[i].final_train_loss == res[0].final_train_loss &&
                      res[i].final_test_loss == res[0].final_test_loss,
                  "%s", rule);
        cs_mlp_destroy(m[i]);
    }
    cs_mlp_destroy(m[0]);
    rmdir(dir);
    free(dir);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}

Test(train, logging_never_changes_training, .timeout = 300)
{
    const cs_rule_option f32[] = {{"bp-precision", "float32"}, {"bp-angle-reference", "float64"}};
    check_logging_is_passive("bp", NULL, 0, NULL);
    check_logging_is_passive("bp", f32, 1, NULL);
    check_logging_is_passive("bp", f32, 2, NULL); /* the double reference gradient at log steps */
    check_logging_is_passive("bp", NULL, 0, "adam");
    const char *others[] = {"fa", "dfa", "ep", "pc", "ff", "np"};
    for (size_t i = 0; i < 6; i++)
        check_logging_is_passive(others[i], NULL, 0, NULL);
}

/* reference_errors is backprop's delta exactly as a bp run logs it: at
 * snapshot 0 (step 0, the initial parameters, which depend only on the seed,
 * the sizes and the activation: hardsigmoid, which ep requires) an fa, an np and an ep run log as reference_errors
 * bit for bit the errors of a bp run with the same seed and activation; and those are dCE_i/dz_k of the float64
 * network (forward, backward), to float32 rounding of a float32 pass (~1e-6 relative, tests/test_f32.c). */
Test(train, reference_errors_are_bp_errors, .timeout = 120)
{
    cs_dataset tr, te;
    load_digits(6, &tr, &te);
    tr.n = 160;
    char *dir = tu_tmpdir(), path[512];
    const char *rules[] = {"bp", "fa", "np", "ep"};
    cs_matrix ref[4][2], probe;
    int32_t *labels = NULL;
    cs_mlp *m0 = NULL;
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s.h5", dir, rules[i]);
        cs_train_config c;
        cs_train_config_default(&c);
        c.rule = rules[i];
        c.activation = "hardsigmoid";
        c.epochs = 1;
        c.batch = 16;
        c.seed = 6;
        c.threads = 1;
        c.probe_size = 50;
        c.log_every = 1000;
        c.out_path = path;
        c.reference_errors = 1;
        cs_train_result res;
        cr_assert_eq(cs_train_run(&c, &tr, &te, &res, i ? NULL : &m0), CS_OK, "%s: %s", rules[i], cs_last_error());
        cs_runlog *r;
        cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
        for (size_t L = 1; L <= 2; L++)
            cr_assert_eq(tu_snapshot(r, L, 0, i ? "reference_errors" : "errors", &ref[i][L - 1]), CS_OK, "%s: %s",
                         rules[i], cs_last_error());
        if (i == 0)
            cr_assert_eq(cs_runlog_read_probe(r, &probe, &labels), CS_OK, "%s", cs_last_error());
        cs_runlog_close_reader(r);
        unlink(path);
    }
    for (int i = 1; i < 4; i++)
        for (size_t L = 0; L < 2; L++) {
            size_t n = ref[0][L].rows * ref[0][L].cols;
            cr_assert_eq(ref[i][L].rows * ref[i][L].cols, n);
            cr_expect_eq(memcmp(ref[0][L].data, ref[i][L].data, n * sizeof(double)), 0,
                         "%s layer %zu: reference_errors differ from bp's errors", rules[i], L + 1);
        }
    /* The float64 BP delta of the initial network: m0 trained one epoch, so
     * rebuild the initial parameters from the seed (stream 1, as train.c). */
    cs_rng *rng;
    cr_assert_eq(cs_rng_create_stream(6, 1, &rng), CS_OK);
    cs_mlp_init(m0, rng);
    cs_rng_destroy(rng);
    cs_mlp_cache *cache;
    cr_assert_eq(cs_mlp_cache_create(m0, probe.rows, &cache), CS_OK);
    cr_assert_eq(cs_mlp_forward(m0, probe.data, probe.rows, cache), CS_OK);
    cs_mlp_backward(m0, cache, labels, NULL);
    double *d64[2];
    for (size_t L = 0; L < 2; L++)
        d64[L] = malloc(probe.rows * m0->sizes[L + 1] * sizeof(double));
    cs_mlp_copy_deltas(m0, cache, probe.rows, d64);
    for (size_t L = 0; L < 2; L++) {
        size_t n = ref[1][L].rows * ref[1][L].cols, close = 0;
        double scale = 0.0;
        for (size_t i = 0; i < n; i++)
            scale = fmax(scale, fabs(d64[L][i]));
        for (size_t i = 0; i < n; i++)
            close += fabs(ref[1][L].data[i] - d64[L][i]) <= 1e-5 * scale;
        cr_expect(scale > 0.0 && close == n, "layer %zu: %zu of %zu reference deltas within 1e-5 of max |delta| %g",
                  L + 1, close, n, scale);
        free(d64[L]);
    }
    for (int i = 0; i < 4; i++)
        for (size_t L = 0; L < 2; L++)
            cs_matrix_free(&ref[i][L]);
    cs_mlp_cache_destroy(cache);
    cs_mlp_destroy(m0);
    cs_matrix_free(&probe);
    free(labels);
    rmdir(dir);
    free(dir);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}

/* The two runs of the snapshot-timing tests (digits, 320 training samples,
 * batch 16, constant rate, seed 4, probe 30): one epoch, whose final network
 * is *one, then two epochs logged at step 0 and at step N = one epoch into
 * `path`, opened as *r with its probe read. The first epoch is the same in
 * both runs, so snapshot 1 belongs to the parameters *one holds. */
static void run_one_then_two_epochs(const char *rule, const cs_rule_option *opts, size_t n_opts, const char *path,
                                    cs_dataset *tr, cs_dataset *te, cs_mlp **one, cs_runlog **r, cs_matrix *probe,
                                    int32_t **labels)
{
    cs_train_config c;
    cs_train_config_default(&c);
    c.rule = rule;
    c.rule_opts = opts;
    c.n_rule_opts = n_opts;
    c.schedule = "constant";
    c.batch = 16;
    c.seed = 4;
    c.threads = 1;
    c.probe_size = 30;
    c.epochs = 1;
    cs_train_result res;
    cr_assert_eq(cs_train_run(&c, tr, te, &res, one), CS_OK, "%s", cs_last_error());
    c.epochs = 2;
    c.log_every = res.steps;
    c.out_path = path;
    cr_assert_eq(cs_train_run(&c, tr, te, &res, NULL), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_open(path, r), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_read_probe(*r, probe, labels), CS_OK, "%s", cs_last_error());
}

/* bp takes a log step's snapshot before the step (step_is_reference), with
 * no copy of the parameters: in both precisions, snapshot 1 of a two-epoch
 * run (step N = one epoch) is bit for bit bp's float snapshot of the network
 * a one-epoch run ends with. */
static void check_bp_snapshot_before_step(const char *precision)
{
    cs_dataset tr, te;
    load_digits(4, &tr, &te);
    tr.n = 320;
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/run.h5", dir);
    cs_rule_option opt = {"bp-precision", precision};
    cs_mlp *one;
    cs_runlog *r;
    cs_matrix probe;
    int32_t *labels;
    run_one_then_two_epochs("bp", &opt, 1, path, &tr, &te, &one, &r, &probe, &labels);
    size_t P = probe.rows, depth = cs_mlp_depth(one);
    float *xf = malloc(P * probe.cols * sizeof *xf), *acts[CS_MLP_MAX_LAYERS - 1], *errs[CS_MLP_MAX_LAYERS - 1];
    for (size_t i = 0; i < P * probe.cols; i++)
        xf[i] = (float)probe.data[i]; /* exact: the log stores the probe in float */
    for (size_t k = 0; k < depth; k++) {
        acts[k] = malloc(P * one->sizes[k + 1] * sizeof(float));
        errs[k] = malloc(P * one->sizes[k + 1] * sizeof(float));
    }
    cs_rule *bp;
    cr_assert_eq(cs_rule_create(&cs_rule_bp, one, &opt, 1, 4, P, &bp), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_rule_snapshot_f32(bp, one, xf, labels, P, acts, errs), CS_OK, "%s", cs_last_error());
    for (size_t L = 1; L <= depth; L++) {
        cs_matrix a, e;
        cr_assert_eq(tu_snapshot(r, L, 1, "activations", &a), CS_OK, "%s", cs_last_error());
        cr_assert_eq(tu_snapshot(r, L, 1, "errors", &e), CS_OK, "%s", cs_last_error());
        size_t n = a.rows * a.cols, same = 0, nonzero = 0;
        for (size_t i = 0; i < n; i++) {
            same += (double)acts[L - 1][i] == a.data[i] && (double)errs[L - 1][i] == e.data[i];
            nonzero += e.data[i] != 0.0;
        }
        cr_expect(same == n && nonzero > 0, "%s layer %zu: %zu of %zu values as at the end of epoch 1", precision, L,
                  same, n);
        cs_matrix_free(&a);
        cs_matrix_free(&e);
    }
    for (size_t k = 0; k < depth; k++) {
        free(acts[k]);
        free(errs[k]);
    }
    free(xf);
    cs_rule_destroy(bp);
    cs_matrix_free(&probe);
    free(labels);
    cs_runlog_close_reader(r);
    cs_mlp_destroy(one);
    unlink(path);
    rmdir(dir);
    free(dir);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}

Test(train, bp_snapshot_before_its_step)
{
    check_bp_snapshot_before_step("float64");
    check_bp_snapshot_before_step("float32");
}

/* The snapshot and the BP angle of step t are taken at the parameters that
 * produced step t, although the observer runs after the update: a run of
 * two epochs snapshots step N = one epoch at exactly the parameters a
 * one-epoch run ends with (constant rate, so the first epoch is the same
 * in both). FA's activations are a double forward pass stored as float, so
 * the comparison is exact. */
Test(train, snapshot_at_the_parameters_of_its_step)
{
    cs_dataset tr, te;
    load_digits(4, &tr, &te);
    tr.n = 320;
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/run.h5", dir);
    cs_mlp *one;
    cs_runlog *r;
    cs_matrix probe;
    int32_t *labels;
    run_one_then_two_epochs("fa", NULL, 0, path, &tr, &te, &one, &r, &probe, &labels);
    cs_mlp_cache *cache;
    cr_assert_eq(cs_mlp_cache_create(one, probe.rows, &cache), CS_OK);
    cr_assert_eq(cs_mlp_forward(one, probe.data, probe.rows, cache), CS_OK);
    for (size_t L = 1; L <= cs_mlp_depth(one); L++) {
        cs_matrix a;
        cr_assert_eq(tu_snapshot(r, L, 1, "activations", &a), CS_OK, "%s", cs_last_error());
        size_t n = a.rows * a.cols, same = 0;
        for (size_t i = 0; i < n; i++)
            same += (double)(float)cache->a[L - 1][i] == a.data[i];
        cr_expect_eq(same, n, "layer %zu: %zu of %zu activations as at the end of epoch 1", L, same, n);
        cs_matrix_free(&a);
    }
    cs_mlp_cache_destroy(cache);
    cs_matrix_free(&probe);
    free(labels);
    cs_runlog_close_reader(r);
    cs_mlp_destroy(one);
    unlink(path);
    rmdir(dir);
    free(dir);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}
