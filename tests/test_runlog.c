/* Run log (src/io/runlog*.c): write/read round trip of every dataset, bad
 * files (truncated, not HDF5, wrong schema, missing dataset, wrong shape,
 * future version), NaN/Inf, a reader following a live writer, writers
 * killed with SIGKILL (the library's and a real `cogscope train`). */
#include <criterion/criterion.h>
#include <errno.h>
#include <float.h>
#include <hdf5.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>

#include "cogscope/blas.h"
#include "cogscope/runlog.h"
#include "runlog_testutil.h"
#include "cogscope/trainlog.h"
#include "testutil.h"

#ifdef __SANITIZE_ADDRESS__
/* HDF5 1.10.8 leaks the buffer of a metadata entry (object header) that fails
 * to load from a damaged file, and the tests below open truncated logs on
 * purpose. The suppression needs whole stacks (HDF5 has no frame pointers),
 * hence the slow unwinder, for this executable only. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "fast_unwind_on_malloc=0"; }
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:H5C_protect\n"; }
#endif

/* A small network with everything switched on: 3 layers, relaxation, two
 * extra per-layer series, two rule parameters. */
#define NL 3
static const size_t layers[NL] = {5, 4, 3};
#define PROBE 6
#define RELAX_IT 3
#define RELAX_S 2
static float probe_in[PROBE * 5];
static int32_t probe_lab[PROBE];
static const char *const extra[2] = {"goodness_pos", "goodness_neg"};
static const char *const pnames[2] = {"beta", "nudge_steps"};
static const double pvals[2] = {0.5, 20};

static cs_trainlog_spec make_spec(double flush_interval)
{
    for (int i = 0; i < PROBE * 5; i++)
        probe_in[i] = (float)i * 0.25f;
    for (int i = 0; i < PROBE; i++)
        probe_lab[i] = i % 3;
    cs_trainlog_spec s = {.rule = "ep",
                          .activation = "tanh",
                          .dataset = "digits",
                          .optimizer = "sgd",
                          .layers = layers,
                          .n_layers = NL,
                          .seed = 12345678901234ULL,
                          .lr = 0.125,
                          .momentum = 0.875,
                          .batch = 32,
                          .epochs = 7,
                          .log_every = 10,
                          .pi_alpha = 1,
                          .pi_gamma = 0.5,
                          .n_params = 2,
                          .param_names = pnames,
                          .param_values = pvals,
                          .probe_size = PROBE,
                          .probe_inputs = probe_in,
                          .probe_labels = probe_lab,
                          .relax_iterations = RELAX_IT,
                          .relax_samples = RELAX_S,
                          .n_layer_series = 2,
                          .layer_series = extra,
                          .flush_interval = flush_interval};
    return s;
}

/* Exactly representable values, so every comparison below is exact. */
static double stepval(int64_t s, int k) { return (double)s * 0.5 + k; }
static double layerval(int64_t s, size_t l, int k) { return (double)s * 0.25 + (double)l + 0.125 * k; }
static float snapval(size_t snap, size_t l, size_t i, int err)
{
    return (float)(snap * 100 + l * 10 + i) * (err ? -0.5f : 0.5f);
}

static cs_status put_step(cs_trainlog *w, int64_t s, int32_t epoch)
{
    double wn[NL - 1], un[NL - 1], ang[NL - 1], ex[2 * (NL - 1)];
    for (size_t l = 0; l < NL - 1; l++) {
        wn[l] = layerval(s, l + 1, 0);
        un[l] = layerval(s, l + 1, 1);
        ang[l] = s % 10 ? NAN : layerval(s, l + 1, 2);
        ex[0 * (NL - 1) + l] = layerval(s, l + 1, 3);
        ex[1 * (NL - 1) + l] = layerval(s, l + 1, 4);
    }
    cs_trainlog_step r = {.step = s,
                          .epoch = epoch,
                          .loss = stepval(s, 2),
                          .tau = stepval(s, 3),
                          .surprise = stepval(s, 4),
                          .pi = stepval(s, 5),
                          .batch_acc = stepval(s, 6),
                          .lr = stepval(s, 7),
                          .weight_norm = wn,
                          .update_norm = un,
                          .bp_angle_deg = ang,
                          .layer_series = ex};
    return cs_trainlog_append_step(w, &r);
}

static cs_status put_snapshot(cs_trainlog *w, size_t snap, int64_t step)
{
    float a1[PROBE * 4], e1[PROBE * 4], a2[PROBE * 3], e2[PROBE * 3];
    float *a[2] = {a1, a2}, *e[2] = {e1, e2};
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < PROBE * layers[l + 1]; i++) {
            a[l][i] = snapval(snap, l, i, 0);
            e[l][i] = snapval(snap, l, i, 1);
        }
    return cs_trainlog_append_snapshot(w, step, (const float *const *)a, (const float *const *)e);
}

static float relaxval(size_t snap, size_t l, size_t i) { return (float)(snap * 1000 + l * 100 + i) * 0.25f; }

static cs_status put_relax(cs_trainlog *w, size_t snap)
{
    float s1[RELAX_IT * RELAX_S * 4], s2[RELAX_IT * RELAX_S * 3];
    float *s[2] = {s1, s2};
    double en[RELAX_IT];
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < RELAX_IT * RELAX_S * layers[l + 1]; i++)
            s[l][i] = relaxval(snap, l, i);
    for (size_t i = 0; i < RELAX_IT; i++)
        en[i] = -(double)(snap * 10 + i);
    return cs_trainlog_append_relax(w, (const float *const *)s, en);
}

static cs_status put_eval(cs_trainlog *w, int64_t step, int32_t epoch)
{
    cs_trainlog_eval e = {.step = step,
                          .epoch = epoch,
                          .loss = epoch * 0.25,
                          .acc = 0.5 + epoch * 0.0625,
                          .tau = epoch * 0.125,
                          .surprise = epoch * 2.0,
                          .pi = 1.0 / (epoch + 1)};
    return cs_trainlog_append_eval(w, &e);
}

/* The standard log: nsteps steps in epochs of 1000 steps (numbered from 1),
 * an evaluation after each full epoch, a snapshot every 700 steps with a
 * relaxation for each except snapshot 2. */
static void write_log(const char *path, int64_t nsteps)
{
    cs_trainlog_spec spec = make_spec(1e9);
    cs_trainlog *w;
    cr_assert_eq(cs_trainlog_create(path, &spec, &w), CS_OK, "%s", cs_last_error());
    size_t snap = 0;
    for (int64_t s = 0; s < nsteps; s++) {
        int32_t epoch = (int32_t)(s / 1000 + 1);
        cr_assert_eq(put_step(w, s, epoch), CS_OK, "%s", cs_last_error());
        if (s % 700 == 0) {
            cr_assert_eq(put_snapshot(w, snap, s), CS_OK, "%s", cs_last_error());
            if (snap != 2)
                cr_assert_eq(put_relax(w, snap), CS_OK, "%s", cs_last_error());
            snap++;
        }
        if ((s + 1) % 1000 == 0)
            cr_assert_eq(put_eval(w, s, epoch), CS_OK, "%s", cs_last_error());
    }
    cr_assert_eq(cs_trainlog_close(w), CS_OK, "%s", cs_last_error());
}

static char *tmpfile_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

static double *series(cs_runlog *r, const char *name, size_t expect_n)
{
    double *v;
    size_t n;
    cr_assert_eq(cs_runlog_read_steps(r, name, &v, &n), CS_OK, "%s", cs_last_error());
    cr_assert_eq(n, expect_n, "/steps/%s: %zu rows, expected %zu", name, n, expect_n);
    return v;
}

/* Every step series and layer series holds rows 0..n-1 with the values of put_step. */
static void check_steps(cs_runlog *r, size_t n)
{
    const char *names[8] = {"step", "epoch", "loss", "tau", "surprise", "pi", "batch_acc", "lr"};
    for (int k = 0; k < 8; k++) {
        double *v = series(r, names[k], n);
        for (size_t s = 0; s < n; s++) {
            double want = k == 0 ? (double)s : k == 1 ? (double)(s / 1000 + 1) : stepval((int64_t)s, k);
            if (v[s] != want) {
                cr_assert_fail("/steps/%s[%zu] = %g, expected %g", names[k], s, v[s], want);
                break;
            }
        }
        free(v);
    }
    const char *lnames[5] = {"weight_norm", "update_norm", "bp_angle_deg", "goodness_pos", "goodness_neg"};
    for (size_t l = 1; l < NL; l++)
        for (int k = 0; k < 5; k++) {
            double *v;
            size_t m;
            cr_assert_eq(tu_layer_series(r, l, lnames[k], &v, &m), CS_OK, "%s", cs_last_error());
            cr_assert_eq(m, n);
            for (size_t s = 0; s < n; s++) {
                double want = (k == 2 && s % 10) ? NAN : layerval((int64_t)s, l, k);
                int ok = isnan(want) ? isnan(v[s]) : v[s] == want;
                if (!ok) {
                    cr_assert_fail("/layers/%zu/%s[%zu] = %g, expected %g", l, lnames[k], s, v[s], want);
                    break;
                }
            }
            free(v);
        }
}

Test(runlog, round_trip_every_dataset)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "run.h5");
    const int64_t nsteps = 2500; /* crosses the 1024-row chunk and buffer twice */
    write_log(path, nsteps);

    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_eq(in->schema_version, 2);
    cr_expect_str_eq(in->rule, "ep");
    cr_expect_str_eq(in->activation, "tanh");
    cr_expect_str_eq(in->dataset, "digits");
    cr_expect_str_eq(in->optimizer, "sgd");
    cr_expect_neq(in->cogscope_version[0], 0);
    cr_expect_eq(strlen(in->created), 20, "created = '%s' (ISO 8601 UTC)", in->created);
    cr_expect_eq(in->layer_count, NL - 1);
    for (size_t i = 0; i + 1 < NL; i++) {
        char name[8];
        snprintf(name, sizeof name, "%zu", i + 1);
        cr_expect_str_eq(cs_runlog_layer_name(r, i), name);
        cr_expect_eq(cs_runlog_layer_units(r, i), layers[i + 1]);
    }
    cr_expect_null(cs_runlog_layer_name(r, NL - 1));
    const cs_runlog_meta *ml = cs_runlog_meta_find(r, "layers");
    cr_assert(ml && !ml->is_string && ml->count == NL);
    for (size_t i = 0; i < NL; i++)
        cr_expect_eq(ml->values[i], (double)layers[i]);
    cr_expect_eq(in->probe_dim, 5);
    cr_expect_eq(in->probe_labels, 1);
    cr_expect_eq(in->seed, 12345678901234ULL);
    cr_expect_eq(in->lr, 0.125);
    cr_expect_eq(in->momentum, 0.875);
    cr_expect_eq(in->pi_alpha, 1);
    cr_expect_eq(in->pi_gamma, 0.5);
    cr_expect_eq(in->batch, 32);
    cr_expect_eq(in->epochs, 7);
    cr_expect_eq(in->log_every, 10);
    cr_expect_eq(in->probe_size, PROBE);
    cr_expect_eq(in->relax_iterations, RELAX_IT);
    cr_expect_eq(in->relax_samples, RELAX_S);
    cr_expect_eq(in->steps, (size_t)nsteps);
    cr_expect_eq(in->snapshots, 4); /* steps 0, 700, 1400, 2100 */
    cr_expect_eq(in->relax_snapshots, 4);
    cr_expect_eq(in->evals, 2);
    cr_expect_eq(in->epochs_done, 2);
    cr_expect_eq(in->live, 0);
    cr_expect_eq(in->interrupted, 0);
    cr_expect(in->last_flush_time > 1.6e9, "last flush %g", in->last_flush_time);
    const cs_runlog_meta *mls = cs_runlog_meta_find(r, "layer_series");
    cr_assert(mls && mls->is_string && mls->count == 2);
    cr_expect_str_eq(mls->strings[0], "goodness_pos");
    cr_expect_str_eq(mls->strings[1], "goodness_neg");
    const cs_runlog_meta *mt = cs_runlog_meta_find(r, "trainer");
    cr_assert(mt && mt->is_string && mt->count == 1);
    cr_expect_str_eq(mt->strings[0], "cogscope train");
    const cs_runlog_meta *mb = cs_runlog_meta_find(r, "blas_kernels"); /* those this process runs */
    cs_blas_kernels blas;
    cs_blas_kernels_get(&blas);
    cr_assert(mb && mb->is_string && mb->count == 1);
    cr_expect_str_eq(mb->strings[0], blas.kernel);
    cr_expect_str_eq(cs_runlog_path(r), path);

    double v;
    cr_expect_eq(cs_runlog_config_param(r, "beta", &v), CS_OK);
    cr_expect_eq(v, 0.5);
    cr_expect_eq(cs_runlog_config_param(r, "nudge_steps", &v), CS_OK);
    cr_expect_eq(v, 20);
    cr_expect_eq(cs_runlog_config_param(r, "lr", &v), CS_OK); /* any numeric scalar of /config */
    cr_expect_eq(v, 0.125);
    cr_expect_eq(cs_runlog_config_param(r, "nope", &v), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "nope") != NULL);
    cr_expect_eq(cs_runlog_config_param_count(r), 2);
    cr_expect_null(cs_runlog_config_param_name(r, 2));

    check_steps(r, (size_t)nsteps);

    const char *enames[7] = {"step", "epoch", "loss", "acc", "tau", "surprise", "pi"};
    for (int k = 0; k < 7; k++) {
        double *e;
        size_t n;
        cr_assert_eq(cs_runlog_read_eval(r, enames[k], &e, &n), CS_OK, "%s", cs_last_error());
        cr_assert_eq(n, 2);
        for (int i = 0; i < 2; i++) {
            int ep = i + 1;
            double want[7] = {1000.0 * ep - 1, ep,       ep * 0.25,     0.5 + ep * 0.0625,
                              ep * 0.125,      ep * 2.0, 1.0 / (ep + 1)};
            cr_expect_eq(e[i], want[k], "/eval/%s[%d] = %g", enames[k], i, e[i]);
        }
        free(e);
    }

    double *ss;
    size_t n;
    cr_assert_eq(cs_runlog_read_snapshot_steps(r, &ss, &n), CS_OK);
    cr_assert_eq(n, 4);
    for (size_t i = 0; i < 4; i++)
        cr_expect_eq(ss[i], 700.0 * i);
    free(ss);

    cs_matrix pin;
    int32_t *lab;
    cr_assert_eq(cs_runlog_read_probe(r, &pin, &lab), CS_OK, "%s", cs_last_error());
    cr_assert_eq(pin.rows, PROBE);
    cr_assert_eq(pin.cols, 5);
    for (size_t i = 0; i < PROBE * 5; i++)
        cr_expect_eq(pin.data[i], probe_in[i]);
    for (size_t i = 0; i < PROBE; i++)
        cr_expect_eq(lab[i], probe_lab[i]);
    cs_matrix_free(&pin);
    free(lab);

    for (size_t snap = 0; snap < 4; snap++)
        for (size_t l = 1; l < NL; l++)
            for (int err = 0; err < 2; err++) {
                cs_matrix m;
                cr_assert_eq(tu_snapshot(r, l, snap, err ? "errors" : "activations", &m), CS_OK, "%s",
                             cs_last_error());
                cr_assert_eq(m.rows, PROBE);
                cr_assert_eq(m.cols, layers[l]);
                for (size_t i = 0; i < PROBE * layers[l]; i++)
                    cr_expect_eq(m.data[i], snapval(snap, l - 1, i, err), "snapshot %zu layer %zu [%zu]", snap, l, i);
                cs_matrix_free(&m);
            }

    for (size_t snap = 0; snap < 4; snap++)
        for (size_t l = 1; l < NL; l++) {
            cs_matrix st;
            double *en;
            cr_assert_eq(tu_relax(r, l, snap, &st, &en), CS_OK, "%s", cs_last_error());
            cr_assert_eq(st.rows, RELAX_IT * RELAX_S);
            cr_assert_eq(st.cols, layers[l]);
            for (size_t i = 0; i < RELAX_IT * RELAX_S * layers[l]; i++) {
                if (snap == 2) /* no relaxation was written for snapshot 2: the NaN fill */
                    cr_expect(isnan(st.data[i]));
                else
                    cr_expect_eq(st.data[i], relaxval(snap, l - 1, i));
            }
            for (size_t i = 0; i < RELAX_IT; i++) {
                if (snap == 2)
                    cr_expect(isnan(en[i]));
                else
                    cr_expect_eq(en[i], -(double)(snap * 10 + i));
            }
            cs_matrix_free(&st);
            free(en);
        }

    /* bad arguments name what is wrong */
    cs_matrix m;
    cr_expect_eq(tu_snapshot(r, 3, 0, "activations", &m), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "layer 3") != NULL, "%s", cs_last_error());
    cr_expect_eq(tu_snapshot(r, 1, 4, "activations", &m), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "entry 4") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_read_layer_snapshot(r, 2, "activations", 0, &m), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "layer 2 does not exist") != NULL, "%s", cs_last_error());
    cr_expect_eq(tu_snapshot(r, 1, 0, "weights", &m), CS_EINVAL);
    double *vv;
    cr_expect_eq(cs_runlog_read_steps(r, "accuracy", &vv, &n), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "accuracy") != NULL);
    cr_expect_eq(tu_layer_series(r, 1, "goodness", &vv, &n), CS_EINVAL);
    cr_expect_eq(tu_layer_series(r, 0, "weight_norm", &vv, &n), CS_EINVAL);

    cs_runlog_dataset *list;
    size_t nd;
    cr_assert_eq(cs_runlog_list_datasets(r, &list, &nd), CS_OK, "%s", cs_last_error());
    /* 9 steps (with log_pi) + 2 layers x (5 series + 2 snapshots) + 2 probe + snapshot steps
     * + 2 relax states + energy + 8 eval (with log_pi) + committed */
    cr_expect_eq(nd, 9 + 2 * 7 + 2 + 1 + 2 + 1 + 8 + 1, "%zu datasets", nd);
    int found = 0;
    for (size_t i = 0; i < nd; i++)
        if (!strcmp(list[i].path, "/layers/2/activations")) {
            found = 1;
            cr_expect_eq(list[i].rank, 3);
            cr_expect_eq(list[i].dims[0], 4);
            cr_expect_eq(list[i].dims[1], PROBE);
            cr_expect_eq(list[i].dims[2], 3);
            cr_expect_str_eq(list[i].type, "float32");
        }
    cr_expect(found);
    free(list);

    cs_runlog_close_reader(r);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* Two logs written within the same second (created is equal) still carry
 * different run ids: report matches metrics files to runs by id. */
Test(runlog, run_ids_are_unique_within_a_second)
{
    char *dir = tu_tmpdir(), *pa = tmpfile_in(dir, "a.h5"), *pb = tmpfile_in(dir, "b.h5");
    write_log(pa, 3);
    write_log(pb, 3);
    cs_runlog *a, *b;
    cr_assert_eq(cs_runlog_open(pa, &a), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_open(pb, &b), CS_OK, "%s", cs_last_error());
    const char *ia = cs_runlog_get_info(a)->run_id, *ib = cs_runlog_get_info(b)->run_id;
    cr_expect_eq(strlen(ia), 32, "run_id '%s'", ia);
    cr_expect_eq(strspn(ia, "0123456789abcdef"), 32, "run_id '%s' is not hex", ia);
    cr_expect_str_neq(ia, ib);
    cs_runlog_close_reader(a);
    cs_runlog_close_reader(b);
    free(pa);
    free(pb);
    rm_rf(dir);
    free(dir);
}

Test(runlog, nan_and_inf_round_trip)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "nan.h5");
    cs_trainlog_spec spec = make_spec(1e9);
    spec.relax_iterations = spec.relax_samples = 0;
    spec.n_layer_series = 0;
    cs_trainlog *w;
    cr_assert_eq(cs_trainlog_create(path, &spec, &w), CS_OK, "%s", cs_last_error());
    double wn[2] = {NAN, INFINITY}, un[2] = {-INFINITY, -0.0};
    cs_trainlog_step st = {.step = 0,
                           .epoch = 1,
                           .loss = NAN,
                           .tau = INFINITY,
                           .surprise = -INFINITY,
                           .pi = -0.0,
                           .batch_acc = 1e-310,
                           .lr = DBL_MAX,
                           .weight_norm = wn,
                           .update_norm = un};
    cr_assert_eq(cs_trainlog_append_step(w, &st), CS_OK); /* bp_angle_deg NULL: NaN */
    float a1[PROBE * 4] = {NAN, INFINITY, -INFINITY, 1e-40f}, e1[PROBE * 4] = {0}, a2[PROBE * 3] = {0},
                     e2[PROBE * 3] = {FLT_MAX};
    const float *a[2] = {a1, a2}, *e[2] = {e1, e2};
    cr_assert_eq(cs_trainlog_append_snapshot(w, 0, a, e), CS_OK);
    cr_assert_eq(cs_trainlog_close(w), CS_OK);

    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    double *v;
    size_t n;
    cr_assert_eq(cs_runlog_read_steps(r, "loss", &v, &n), CS_OK);
    cr_expect(n == 1 && isnan(v[0]));
    free(v);
    cr_assert_eq(cs_runlog_read_steps(r, "tau", &v, &n), CS_OK);
    cr_expect(isinf(v[0]) && v[0] > 0);
    free(v);
    cr_assert_eq(cs_runlog_read_steps(r, "surprise", &v, &n), CS_OK);
    cr_expect(isinf(v[0]) && v[0] < 0);
    free(v);
    cr_assert_eq(cs_runlog_read_steps(r, "pi", &v, &n), CS_OK);
    cr_expect(v[0] == 0 && signbit(v[0]));
    free(v);
    cr_assert_eq(cs_runlog_read_steps(r, "batch_acc", &v, &n), CS_OK);
    cr_expect_eq(v[0], 1e-310); /* subnormal survives */
    free(v);
    cr_assert_eq(cs_runlog_read_steps(r, "lr", &v, &n), CS_OK);
    cr_expect_eq(v[0], DBL_MAX);
    free(v);
    cr_assert_eq(tu_layer_series(r, 1, "weight_norm", &v, &n), CS_OK);
    cr_expect(isnan(v[0]));
    free(v);
    cr_assert_eq(tu_layer_series(r, 2, "weight_norm", &v, &n), CS_OK);
    cr_expect(isinf(v[0]));
    free(v);
    cr_assert_eq(tu_layer_series(r, 2, "bp_angle_deg", &v, &n), CS_OK);
    cr_expect(isnan(v[0]));
    free(v);
    cs_matrix m;
    cr_assert_eq(tu_snapshot(r, 1, 0, "activations", &m), CS_OK);
    cr_expect(isnan(m.data[0]));
    cr_expect(isinf(m.data[1]) && m.data[1] > 0);
    cr_expect(isinf(m.data[2]) && m.data[2] < 0);
    cr_expect_eq(m.data[3], (double)1e-40f);
    cs_matrix_free(&m);
    cr_assert_eq(tu_snapshot(r, 2, 0, "errors", &m), CS_OK);
    cr_expect_eq(m.data[0], (double)FLT_MAX);
    cs_matrix_free(&m);
    cs_runlog_close_reader(r);
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(runlog, writer_rejects_bad_specs_and_records)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "bad.h5");
    cs_trainlog *w = NULL;
    cs_trainlog_spec s = make_spec(1e9);
    s.n_layers = 1;
    cr_expect_eq(cs_trainlog_create(path, &s, &w), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "n_layers") != NULL);
    s = make_spec(1e9);
    probe_lab[3] = 3; /* 3 classes: labels in [0, 3) */
    cr_expect_eq(cs_trainlog_create(path, &s, &w), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "probe_labels[3]") != NULL, "%s", cs_last_error());
    s = make_spec(1e9);
    const char *dup[2] = {"goodness", "weight_norm"};
    s.layer_series = dup;
    cr_expect_eq(cs_trainlog_create(path, &s, &w), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "weight_norm") != NULL);
    s = make_spec(1e9);
    const char *pn[2] = {"beta", "lr"};
    s.param_names = pn;
    cr_expect_eq(cs_trainlog_create(path, &s, &w), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "'lr'") != NULL);
    s = make_spec(1e9);
    s.relax_samples = 0;
    cr_expect_eq(cs_trainlog_create(path, &s, &w), CS_EINVAL);
    cr_expect_null(w);

    /* a directory that does not exist: CS_EIO naming the path */
    char *nodir = tmpfile_in(dir, "no/such/dir/run.h5");
    s = make_spec(1e9);
    cr_expect_eq(cs_trainlog_create(nodir, &s, &w), CS_EIO);
    cr_expect(strstr(cs_last_error(), nodir) != NULL, "%s", cs_last_error());
    free(nodir);

    /* relaxation before any snapshot, and twice for one snapshot */
    cr_assert_eq(cs_trainlog_create(path, &s, &w), CS_OK, "%s", cs_last_error());
    cr_expect_eq(put_relax(w, 0), CS_EINVAL);
    cr_expect_eq(put_snapshot(w, 0, 0), CS_OK);
    cr_expect_eq(put_relax(w, 0), CS_OK);
    cr_expect_eq(put_relax(w, 0), CS_EINVAL);
    cs_trainlog_step st = {0};
    cr_expect_eq(cs_trainlog_append_step(w, &st), CS_EINVAL); /* no per-layer arrays */
    cr_expect_eq(cs_trainlog_close(w), CS_OK);
    cr_expect_eq(cs_trainlog_close(NULL), CS_OK);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* ---- bad files ---------------------------------------------------------- */

static void expect_open_fails(const char *path, cs_status want, const char *needle)
{
    cs_runlog *r = (cs_runlog *)0x1;
    cs_status st = cs_runlog_open(path, &r);
    cr_expect_eq(st, want, "%s: status %d (%s), expected %d", path, st, cs_last_error(), want);
    cr_expect_null(r);
    cr_expect(strstr(cs_last_error(), path) != NULL, "message does not name the file: %s", cs_last_error());
    if (needle)
        cr_expect(strstr(cs_last_error(), needle) != NULL, "message lacks '%s': %s", needle, cs_last_error());
}

static void copy_prefix(const char *src, const char *dst, long bytes)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    cr_assert(in && out);
    char buf[65536];
    long left = bytes;
    while (left > 0) {
        size_t got = fread(buf, 1, left < (long)sizeof buf ? (size_t)left : sizeof buf, in);
        if (!got)
            break;
        fwrite(buf, 1, got, out);
        left -= (long)got;
    }
    fclose(in);
    fclose(out);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

Test(runlog, truncated_closed_log_is_a_clean_error)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "good.h5"), *cut = tmpfile_in(dir, "cut.h5");
    write_log(path, 1500);
    long size = file_size(path);
    cr_assert_gt(size, 4096);
    long cuts[] = {size - 1, size - 100, size * 9 / 10, size * 3 / 4, size / 2, size / 4, 2048, 600, 100, 10, 0};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        copy_prefix(path, cut, cuts[i]);
        cs_runlog *r;
        cs_status st = cs_runlog_open(cut, &r);
        cr_expect_neq(st, CS_OK, "cut at %ld of %ld bytes opened", cuts[i], size);
        cr_expect(st == CS_EFORMAT, "cut at %ld: status %d: %s", cuts[i], st, cs_last_error());
        cr_expect(strstr(cs_last_error(), cut) != NULL, "%s", cs_last_error());
        if (st == CS_OK)
            cs_runlog_close_reader(r);
    }
    rm_rf(dir);
    free(path);
    free(cut);
    free(dir);
}

Test(runlog, not_hdf5_empty_missing_directory)
{
    char *dir = tu_tmpdir(), *text = tmpfile_in(dir, "notes.h5"), *empty = tmpfile_in(dir, "empty.h5"),
         *missing = tmpfile_in(dir, "missing.h5");
    tu_write(text, "this is not an HDF5 file\n1 2 3\n");
    tu_write(empty, "");
    expect_open_fails(text, CS_EFORMAT, "not an HDF5 file");
    expect_open_fails(empty, CS_EFORMAT, "empty");
    expect_open_fails(missing, CS_EIO, "No such file");
    expect_open_fails(dir, CS_EIO, "directory");
    rm_rf(dir);
    free(text);
    free(empty);
    free(missing);
    free(dir);
}

/* Edit a closed good log with plain HDF5 calls. */
static hid_t reopen_rw(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    return f;
}

static void set_int_attr(hid_t loc, const char *name, int v)
{
    if (H5Aexists(loc, name) > 0)
        H5Adelete(loc, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(a, 0);
    H5Awrite(a, H5T_NATIVE_INT, &v);
    H5Aclose(a);
    H5Sclose(sp);
}

static void set_str_attr(hid_t loc, const char *name, const char *v)
{
    if (H5Aexists(loc, name) > 0)
        H5Adelete(loc, name);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(v) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(a, 0);
    H5Awrite(a, t, v);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

Test(runlog, wrong_or_missing_schema_attribute)
{
    char *dir = tu_tmpdir(), *plain = tmpfile_in(dir, "plain.h5"), *other = tmpfile_in(dir, "other.h5");
    /* an HDF5 file that is not a run log at all */
    hid_t f = H5Fcreate(plain, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t d = 3;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    hid_t ds = H5Dcreate2(f, "x", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(f);
    expect_open_fails(plain, CS_ESCHEMA, "'schema' is missing");

    write_log(other, 10);
    f = reopen_rw(other);
    set_str_attr(f, "schema", "someone-else");
    H5Fclose(f);
    expect_open_fails(other, CS_ESCHEMA, "'someone-else'");
    rm_rf(dir);
    free(plain);
    free(other);
    free(dir);
}

Test(runlog, future_schema_version_is_named)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "future.h5");
    write_log(path, 10);
    hid_t f = reopen_rw(path);
    set_int_attr(f, "schema_version", 7);
    H5Fclose(f);
    expect_open_fails(path, CS_ESCHEMA, "version 7");
    cr_expect(strstr(cs_last_error(), "newer") != NULL, "%s", cs_last_error());
    rm_rf(dir);
    free(path);
    free(dir);
}

/* Schema v2 requires only the root attributes: a dataset, group or attribute
 * left out is simply absent, and the reader says so through the items. */
Test(runlog, missing_datasets_are_absent_not_errors)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "m.h5");
    const char *victims[] = {"/layers/2/errors", "/eval",         "/steps/pi", "/layers/1/goodness_neg",
                             "/relax/energy",    "/probe/labels", "/probe",    "/snapshots",
                             "/config",          "/steps",        "/layers",   "/committed"};
    for (size_t i = 0; i < sizeof victims / sizeof victims[0]; i++) {
        write_log(path, 10);
        hid_t f = reopen_rw(path);
        cr_assert_geq(H5Ldelete(f, victims[i], H5P_DEFAULT), 0);
        H5Fclose(f);
        cs_runlog *r;
        cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "without %s: %s", victims[i], cs_last_error());
        const cs_runlog_info *in = cs_runlog_get_info(r);
        double *v = NULL;
        size_t n = 0;
        cs_matrix m = {0};
        int32_t *lab = NULL;
        switch (i) {
        case 0:
            cr_expect_null(cs_runlog_find(r, CS_RUNLOG_SNAPSHOT, 1, "errors"));
            cr_expect_not_null(cs_runlog_find(r, CS_RUNLOG_SNAPSHOT, 0, "errors"));
            cr_expect_eq(in->snapshots, 1);
            break;
        case 1:
            cr_expect_eq(in->evals, 0);
            cr_expect_eq(cs_runlog_read_eval(r, "acc", &v, &n), CS_EINVAL);
            break;
        case 2:
            cr_expect_eq(cs_runlog_read_steps(r, "pi", &v, &n), CS_EINVAL);
            cr_expect(strstr(cs_last_error(), "'pi'") != NULL, "%s", cs_last_error());
            cr_expect_eq(in->steps, 10);
            break;
        case 3:
            cr_expect_null(cs_runlog_find(r, CS_RUNLOG_LAYER_SERIES, 0, "goodness_neg"));
            cr_expect_not_null(cs_runlog_find(r, CS_RUNLOG_LAYER_SERIES, 1, "goodness_neg"));
            break;
        case 4:
            cr_expect_eq(cs_runlog_read_relaxation(r, 0, 0, &m, &v), CS_EINVAL);
            cr_expect_not_null(cs_runlog_find(r, CS_RUNLOG_RELAX_STATES, 0, "states"));
            break;
        case 5:
            cr_expect_eq(in->probe_labels, 0);
            cr_assert_eq(cs_runlog_read_probe(r, &m, &lab), CS_OK, "%s", cs_last_error());
            cr_expect_null(lab);
            cr_expect_eq(m.rows, PROBE);
            cs_matrix_free(&m);
            break;
        case 6:
            cr_expect_eq(in->probe_size, 0);
            cr_expect_eq(cs_runlog_read_probe(r, &m, &lab), CS_EINVAL);
            break;
        case 7: /* snapshot steps fall back to the snapshot indices */
            cr_assert_eq(cs_runlog_read_snapshot_steps(r, &v, &n), CS_OK);
            cr_expect(n == 1 && v[0] == 0);
            free(v);
            break;
        case 8:
            cr_expect_str_eq(in->rule, "");
            cr_expect(isnan(in->lr));
            cr_expect_eq(cs_runlog_meta_count(r), 0);
            cr_expect_eq(in->relax_iterations, RELAX_IT); /* from the datasets' shapes */
            break;
        case 9:
            cr_expect_eq(in->steps, 10); /* the per-layer series remain */
            cr_expect_null(cs_runlog_find(r, CS_RUNLOG_STEP_SERIES, 0, "loss"));
            break;
        case 10:
            cr_expect_eq(in->layer_count, 0);
            cr_expect_eq(in->snapshots, 1); /* as /snapshots/step says */
            break;
        case 11:
            cr_expect_eq(in->steps, 10);
            cr_expect(isnan(in->last_flush_time));
            break;
        }
        cs_runlog_close_reader(r);
    }
    rm_rf(dir);
    free(path);
    free(dir);
}

static void replace_dataset(const char *path, const char *dpath, int rank, const hsize_t *dims, hid_t type)
{
    hid_t f = reopen_rw(path);
    cr_assert_geq(H5Ldelete(f, dpath, H5P_DEFAULT), 0);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t ds = H5Dcreate2(f, dpath, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(ds, 0);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(f);
}

/* The checked-in version 1 log with one of its attributes or datasets
 * changed, in `dir`. */
static char *v1_copy(const char *dir, const char *name)
{
    char *p = tmpfile_in(dir, name), cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s/runlog_v1_ep.h5' '%s' && chmod u+w '%s'", COGSCOPE_TEST_DATA, p, p);
    cr_assert_eq(system(cmd), 0);
    return p;
}

/* Version 1 logs keep their stricter rules: /config layers gives the units. */
Test(runlog, v1_rules_still_hold)
{
    char *dir = tu_tmpdir(), *path = v1_copy(dir, "v1.h5");
    hid_t f = reopen_rw(path);
    hid_t g = H5Gopen2(f, "/config", H5P_DEFAULT);
    H5Adelete(g, "layers");
    H5Gclose(g);
    H5Fclose(f);
    expect_open_fails(path, CS_ESCHEMA, "'layers'");
    free(path);
    path = v1_copy(dir, "v1b.h5");
    hsize_t d3[3] = {6, 48, 99};
    replace_dataset(path, "/layers/1/activations", 3, d3, H5T_IEEE_F32LE);
    expect_open_fails(path, CS_ESCHEMA, "/layers/1/activations has shape [6 x 48 x 99], expected [* x 48 x 16]");
    free(path);
    path = v1_copy(dir, "v1c.h5");
    hsize_t d2[2] = {48, 7};
    replace_dataset(path, "/probe/inputs", 2, d2, H5T_IEEE_F32LE);
    expect_open_fails(path, CS_ESCHEMA, "/probe/inputs has shape [48 x 7], expected [48 x 64]");
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(runlog, wrong_shape_or_type_is_named)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "s.h5");
    write_log(path, 10);
    hsize_t d2[2] = {PROBE - 1, 5};
    replace_dataset(path, "/probe/inputs", 2, d2, H5T_IEEE_F32LE);
    expect_open_fails(path, CS_ESCHEMA, "/layers/1/activations has shape [1 x 6 x 4], expected [* x 5 x *]");

    write_log(path, 10);
    hsize_t d1[1] = {PROBE - 1};
    replace_dataset(path, "/probe/labels", 1, d1, H5T_STD_I32LE);
    expect_open_fails(path, CS_ESCHEMA, "/probe/labels must be integer of shape [6]");

    write_log(path, 10);
    hsize_t d3[2] = {1, PROBE};
    replace_dataset(path, "/layers/1/activations", 2, d3, H5T_IEEE_F32LE);
    expect_open_fails(path, CS_ESCHEMA, "/layers/1/activations has shape [1 x 6], expected [* x 6 x *]");

    write_log(path, 10);
    hsize_t d4[2] = {10, 2};
    replace_dataset(path, "/steps/loss", 2, d4, H5T_IEEE_F64LE);
    expect_open_fails(path, CS_ESCHEMA, "/steps/loss has shape [10 x 2], expected [*]");

    write_log(path, 10);
    hsize_t d5[4] = {1, RELAX_IT + 1, RELAX_S, 4};
    replace_dataset(path, "/relax/1/states", 4, d5, H5T_IEEE_F32LE);
    expect_open_fails(path, CS_ESCHEMA, "/relax/1/states has shape");

    write_log(path, 10);
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, 8);
    hsize_t d0[1] = {10};
    replace_dataset(path, "/eval/acc", 1, d0, st);
    H5Tclose(st);
    expect_open_fails(path, CS_ESCHEMA, "/eval/acc is not numeric");
    rm_rf(dir);
    free(path);
    free(dir);
}

/* ---- live and killed writers -------------------------------------------- */

/* A forked child dies with the test process, even when an assertion ends it early. */
static pid_t fork_child(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(4);
    }
    return pid;
}

static void wait_byte(int fd)
{
    char c;
    cr_assert_eq(read(fd, &c, 1), 1, "the writer process died");
}

static void send_byte(int fd)
{
    char c = 1;
    if (write(fd, &c, 1) != 1)
        _exit(3);
}

Test(runlog, reader_follows_a_live_writer)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "live.h5");
    int up[2], down[2];
    cr_assert_eq(pipe(up), 0);
    cr_assert_eq(pipe(down), 0);
    pid_t pid = fork_child();
    cr_assert_geq(pid, 0);
    if (pid == 0) { /* writer */
        char c;
        cs_trainlog_spec spec = make_spec(1e9);
        cs_trainlog *w;
        if (cs_trainlog_create(path, &spec, &w) != CS_OK)
            _exit(1);
        for (int64_t s = 0; s < 10; s++)
            put_step(w, s, 1);
        put_snapshot(w, 0, 0);
        put_relax(w, 0);
        if (cs_trainlog_flush(w) != CS_OK)
            _exit(1);
        send_byte(up[1]);
        if (read(down[0], &c, 1) != 1)
            _exit(2);
        for (int64_t s = 10; s < 1500; s++) /* a block write + a flush */
            put_step(w, s, 1 + (int32_t)(s / 1000));
        put_eval(w, 999, 1);
        put_snapshot(w, 1, 1000);
        if (cs_trainlog_flush(w) != CS_OK)
            _exit(1);
        send_byte(up[1]);
        if (read(down[0], &c, 1) != 1)
            _exit(2);
        if (cs_trainlog_close(w) != CS_OK)
            _exit(1);
        send_byte(up[1]);
        _exit(0);
    }
    close(up[1]); /* so a dead writer ends wait_byte instead of hanging it */
    close(down[0]);
    wait_byte(up[0]);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_eq(in->live, 1);
    cr_expect_eq(in->interrupted, 0);
    cr_expect_eq(in->steps, 10);
    cr_expect_eq(in->snapshots, 1);
    cr_expect_eq(in->relax_snapshots, 1);
    cr_expect_eq(in->evals, 0);
    check_steps(r, 10);

    send_byte(down[1]);
    wait_byte(up[0]);
    cr_assert_eq(cs_runlog_refresh(r), CS_OK, "%s", cs_last_error());
    cr_expect_eq(in->live, 1);
    cr_expect_eq(in->steps, 1500);
    cr_expect_eq(in->snapshots, 2);
    cr_expect_eq(in->relax_snapshots, 1);
    cr_expect_eq(in->evals, 1);
    cr_expect_eq(in->epochs_done, 1);
    check_steps(r, 1500);
    cs_matrix m;
    cr_assert_eq(tu_snapshot(r, 2, 1, "errors", &m), CS_OK, "%s", cs_last_error());
    cr_expect_eq(m.data[5], snapval(1, 1, 5, 1));
    cs_matrix_free(&m);

    send_byte(down[1]);
    wait_byte(up[0]);
    cr_assert_eq(cs_runlog_refresh(r), CS_OK, "%s", cs_last_error());
    cr_expect_eq(in->live, 0, "the writer closed the file");
    cr_expect_eq(in->interrupted, 0);
    cr_expect_eq(in->steps, 1500);
    cs_runlog_close_reader(r);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer status %d", status);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* Series lengths all agree with info, and are >= 1. */
static void check_consistent(cs_runlog *r)
{
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_geq(in->steps, 1);
    cr_expect_geq(in->snapshots, 1);
    const char *names[8] = {"step", "epoch", "loss", "tau", "surprise", "pi", "batch_acc", "lr"};
    for (int k = 0; k < 8; k++) {
        double *v;
        size_t n;
        cr_assert_eq(cs_runlog_read_steps(r, names[k], &v, &n), CS_OK, "%s", cs_last_error());
        cr_expect_eq(n, in->steps);
        free(v);
    }
    for (size_t l = 1; l <= in->layer_count; l++) {
        const char *ln[3] = {"weight_norm", "update_norm", "bp_angle_deg"};
        for (int k = 0; k < 3; k++) {
            double *v;
            size_t n;
            cr_assert_eq(tu_layer_series(r, l, ln[k], &v, &n), CS_OK, "%s", cs_last_error());
            cr_expect_eq(n, in->steps);
            free(v);
        }
        cs_matrix m;
        cr_assert_eq(tu_snapshot(r, l, in->snapshots - 1, "activations", &m), CS_OK, "%s", cs_last_error());
        cs_matrix_free(&m);
        cr_assert_eq(tu_snapshot(r, l, in->snapshots - 1, "errors", &m), CS_OK, "%s", cs_last_error());
        cs_matrix_free(&m);
    }
    double *v;
    size_t n;
    cr_assert_eq(cs_runlog_read_snapshot_steps(r, &v, &n), CS_OK);
    cr_expect_eq(n, in->snapshots);
    free(v);
    const char *en[7] = {"step", "epoch", "loss", "acc", "tau", "surprise", "pi"};
    for (int k = 0; k < 7; k++) {
        cr_assert_eq(cs_runlog_read_eval(r, en[k], &v, &n), CS_OK, "%s", cs_last_error());
        cr_expect_eq(n, in->evals);
        free(v);
    }
}

Test(runlog, sigkilled_writer_leaves_every_flushed_row)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "killed.h5");
    int up[2];
    cr_assert_eq(pipe(up), 0);
    pid_t pid = fork_child();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        cs_trainlog_spec spec = make_spec(1e9);
        cs_trainlog *w;
        if (cs_trainlog_create(path, &spec, &w) != CS_OK)
            _exit(1);
        for (int64_t s = 0; s < 100; s++)
            put_step(w, s, 1);
        put_snapshot(w, 0, 0);
        put_relax(w, 0);
        put_eval(w, 99, 1);
        if (cs_trainlog_flush(w) != CS_OK)
            _exit(1);
        /* Not flushed: 1100 more rows (one block reaches the datasets), a
         * snapshot and an evaluation. None may show up after the kill. */
        for (int64_t s = 100; s < 1200; s++)
            put_step(w, s, 2);
        put_snapshot(w, 1, 150);
        put_eval(w, 199, 2);
        send_byte(up[1]);
        for (;;)
            pause();
    }
    close(up[1]);
    wait_byte(up[0]);
    kill(pid, SIGKILL);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status));

    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_eq(in->interrupted, 1);
    cr_expect_eq(in->live, 0);
    cr_expect_eq(in->steps, 100);
    cr_expect_eq(in->snapshots, 1);
    cr_expect_eq(in->relax_snapshots, 1);
    cr_expect_eq(in->evals, 1);
    check_steps(r, 100);
    check_consistent(r);
    cs_runlog_close_reader(r);

    /* Truncations of the killed run's file: open either fails cleanly, or
     * succeeds and then every committed row reads back. */
    char *cut = tmpfile_in(dir, "cut.h5");
    long size = file_size(path);
    for (int i = 1; i <= 40; i++) {
        long at = size * i / 41;
        copy_prefix(path, cut, at);
        cs_status st = cs_runlog_open(cut, &r);
        if (st == CS_OK) {
            check_consistent(r);
            cs_runlog_close_reader(r);
        } else {
            cr_expect(st == CS_EFORMAT || st == CS_ESCHEMA, "cut at %ld: status %d: %s", at, st, cs_last_error());
            cr_expect(strstr(cs_last_error(), cut) != NULL, "%s", cs_last_error());
        }
    }
    free(cut);
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(runlog, automatic_flush_then_sigkill)
{
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "auto.h5");
    pid_t pid = fork_child();
    cr_assert_geq(pid, 0);
    if (pid == 0) { /* writes until killed; flushes on its own every 20 ms */
        cs_trainlog_spec spec = make_spec(0.02);
        cs_trainlog *w;
        if (cs_trainlog_create(path, &spec, &w) != CS_OK)
            _exit(1);
        for (int64_t s = 0;; s++) {
            if (put_step(w, s, (int32_t)(s / 1000 + 1)) != CS_OK)
                _exit(1);
            if (s % 50 == 0 && put_snapshot(w, (size_t)(s / 50), s) != CS_OK)
                _exit(1);
        }
    }
    /* Poll until the reader sees flushed steps, then kill mid-run. */
    double t0 = cs_time_now();
    size_t seen = 0;
    while (cs_time_now() - t0 < 30) {
        cs_runlog *r;
        if (cs_runlog_open(path, &r) == CS_OK) {
            seen = cs_runlog_get_info(r)->steps;
            cs_runlog_close_reader(r);
            if (seen >= 1000)
                break;
        }
        nanosleep(&(struct timespec){0, 10000000}, NULL); /* another process is writing: wait 10 ms */
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    cr_assert_geq(seen, 1000, "no flushed steps seen within 30 s");
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_get_info(r)->interrupted, 1);
    cr_expect_geq(cs_runlog_get_info(r)->steps, seen);
    check_consistent(r);
    cs_runlog_close_reader(r);
    rm_rf(dir);
    free(path);
    free(dir);
}

static void *read_log_thread(void *arg)
{
    const char *path = arg;
    for (int rep = 0; rep < 5; rep++) {
        cs_runlog *r;
        if (cs_runlog_open(path, &r) != CS_OK)
            return (void *)1;
        double *v;
        size_t n;
        int bad = cs_runlog_read_steps(r, "loss", &v, &n) != CS_OK || n != 1200 || v[1199] != stepval(1199, 2);
        free(v);
        cs_runlog_close_reader(r);
        if (bad)
            return (void *)1;
    }
    return NULL;
}

Test(runlog, two_threads_read_two_logs)
{
    char *dir = tu_tmpdir(), *a = tmpfile_in(dir, "a.h5"), *b = tmpfile_in(dir, "b.h5");
    write_log(a, 1200);
    write_log(b, 1200);
    pthread_t ta, tb;
    void *ra, *rb;
    pthread_create(&ta, NULL, read_log_thread, a);
    pthread_create(&tb, NULL, read_log_thread, b);
    pthread_join(ta, &ra);
    pthread_join(tb, &rb);
    cr_expect_null(ra);
    cr_expect_null(rb);
    rm_rf(dir);
    free(a);
    free(b);
    free(dir);
}

/* ---- the end-to-end crash test of issue 2 ------------------------------- */

Test(runlog, train_killed_mid_run_leaves_a_consistent_log, .timeout = 600)
{
    const char *bin = getenv("COGSCOPE_BIN");
    if (!bin)
        bin = COGSCOPE_BIN;
    char *dir = tu_tmpdir(), *path = tmpfile_in(dir, "train.h5"), *errp = tmpfile_in(dir, "stderr");
    pid_t pid = fork_child();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen(errp, "w", stderr))
            _exit(126);
        execl(bin, bin, "train", "--data", "digits", "--rule", "bp", "--layers", "64,100,10", "--epochs", "5000",
              "--seed", "1", "--log-every", "10", "--threads", "1", "--out", path, (char *)NULL);
        _exit(127);
    }
    double t0 = cs_time_now();
    size_t seen = 0;
    int exited = 0, status = 0;
    while (cs_time_now() - t0 < 300) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            exited = 1;
            break;
        }
        cs_runlog *r;
        if (cs_runlog_open(path, &r) == CS_OK) {
            const cs_runlog_info *in = cs_runlog_get_info(r);
            seen = in->steps && in->snapshots ? in->steps : 0;
            cs_runlog_close_reader(r);
            if (seen >= 1)
                break;
        }
        nanosleep(&(struct timespec){0, 20000000}, NULL); /* the trainer is running: poll every 20 ms */
    }
    if (exited) {
        char *err = tu_slurp(errp);
        cr_expect_fail("cogscope train exited before it was killed (status %d): %s", status, err ? err : "");
        free(err);
    } else {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        cr_assert_geq(seen, 1, "no flushed steps within 300 s");
        cs_runlog *r;
        cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
        const cs_runlog_info *in = cs_runlog_get_info(r);
        cr_expect_eq(in->interrupted, 1);
        cr_expect_eq(in->live, 0);
        cr_expect_str_eq(in->rule, "bp");
        cr_expect_eq(in->layer_count, 2);
        cr_expect_lt(in->epochs_done, 5000);
        check_consistent(r);
        cs_runlog_close_reader(r);
    }
    rm_rf(dir);
    free(path);
    free(errp);
    free(dir);
}
