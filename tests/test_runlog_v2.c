/* Run-log schema v2 (src/io/runlog*.c, docs/schema.md): the open recorder
 * (named layers beyond the old cap of 16, declared series of any name,
 * snapshot datasets of any shape, optional probe/eval/relaxation, unset
 * values), its declaration errors, strings in every form h5py writes, the
 * checked-in version 1 logs read against h5py's values, and a log written by
 * h5py from docs/schema.md alone run through info, analyze and report. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>

#include "cogscope/observe.h"
#include "cogscope/runlog.h"
#include "cogscope/trainlog.h"
#include "io/h5attr.h"
#include "testutil.h"

#define PY "/usr/bin/python3"

#define join tu_join
#define rm_rf(dir) cr_expect_eq(tu_rm_rf(dir), 0)

/* Run a generator script of tests/data with arguments; 0 on success. */
static int run_py(const char *script, const char *args, const char *stdout_to)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, PY " '%s/%s' %s > '%s'", COGSCOPE_TEST_DATA, script, args,
             stdout_to ? stdout_to : "/dev/null");
    return system(cmd);
}

/* ---- strings ------------------------------------------------------------ */

Test(runlog_v2, strings_in_every_h5py_form)
{
    char *dir = tu_tmpdir(), *path = join(dir, "strings.h5"), args[700];
    snprintf(args, sizeof args, "'%s'", path);
    cr_assert_eq(run_py("gen_h5_strings.py", args, NULL), 0, "the h5py generator failed");
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    const char *scalars[] = {"vlen_str", "vlen_ascii", "np_bytes", "fixed_utf8", "nullterm", "spacepad", "one_elem"};
    char buf[64];
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        cr_expect_eq(h5_attr_get_string(f, scalars[i], buf, sizeof buf), 1, "%s", scalars[i]);
        cr_expect_str_eq(buf, "torchbp", "%s read as '%s'", scalars[i], buf);
    }
    const char *utf[] = {"nonascii", "nonascii_fix"};
    for (size_t i = 0; i < 2; i++) {
        cr_expect_eq(h5_attr_get_string(f, utf[i], buf, sizeof buf), 1, "%s", utf[i]);
        cr_expect_str_eq(buf, "\xce\xa3PI-\xce\xb5", "%s read as '%s'", utf[i], buf);
    }
    cr_expect_eq(h5_attr_get_string(f, "empty", buf, sizeof buf), 1);
    cr_expect_str_eq(buf, "");
    /* truncation to the caller's buffer keeps a terminated prefix */
    char small[5];
    cr_expect_eq(h5_attr_get_string(f, "np_bytes", small, sizeof small), 1);
    cr_expect_str_eq(small, "torc");
    const char *arrays[] = {"arr_vlen", "arr_fixed", "arr_bytes", "arr_spacepad"};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        char **v;
        size_t n;
        cr_assert_eq(h5_attr_get_strings(f, arrays[i], 8, &v, &n), 1, "%s", arrays[i]);
        cr_assert_eq(n, 3, "%s", arrays[i]);
        cr_expect_str_eq(v[0], "relu", "%s", arrays[i]);
        cr_expect_str_eq(v[1], "tanh", "%s", arrays[i]);
        cr_expect_str_eq(v[2], "x", "%s", arrays[i]);
        h5_strings_free(v, n);
        /* more entries than allowed, and an array where a scalar is wanted */
        cr_expect_eq(h5_attr_get_strings(f, arrays[i], 2, &v, &n), -1);
        cr_expect_eq(h5_attr_get_string(f, arrays[i], buf, sizeof buf), -1);
    }
    cr_expect_eq(h5_attr_get_string(f, "absent", buf, sizeof buf), 0);
    H5Fclose(f);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* What the writer stores: fixed-length NUL-padded UTF-8 (never in the global
 * heap), read back whole, also when the text fills its size exactly. */
Test(runlog_v2, strings_are_written_fixed_length)
{
    char *dir = tu_tmpdir(), *path = join(dir, "w.h5");
    cs_runlog_writer *w;
    cr_assert_eq(cs_runlog_create(path, NULL, &w), CS_OK, "%s", cs_last_error());
    const char *texts[3] = {"relu", "\xce\xa3PI", ""};
    cr_assert_eq(cs_runlog_set_string(w, "rule", "torchbp"), CS_OK);
    cr_assert_eq(cs_runlog_set_string(w, "empty", ""), CS_OK);
    cr_assert_eq(cs_runlog_set_strings(w, "names", texts, 3), CS_OK);
    cr_assert_eq(cs_runlog_close(w), CS_OK, "%s", cs_last_error());
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t g = H5Gopen2(f, "/config", H5P_DEFAULT);
    const char *attrs[3] = {"rule", "empty", "names"};
    for (int i = 0; i < 3; i++) {
        hid_t a = H5Aopen(g, attrs[i], H5P_DEFAULT), t = H5Aget_type(a);
        cr_expect_eq(H5Tis_variable_str(t), 0, "%s is variable-length", attrs[i]);
        cr_expect_eq(H5Tget_cset(t), H5T_CSET_UTF8);
        H5Tclose(t);
        H5Aclose(a);
    }
    hid_t a = H5Aopen(f, "schema", H5P_DEFAULT), t = H5Aget_type(a);
    cr_expect_eq(H5Tis_variable_str(t), 0);
    cr_expect_eq(H5Tget_size(t), strlen(CS_RUNLOG_SCHEMA));
    H5Tclose(t);
    H5Aclose(a);
    H5Gclose(g);
    H5Fclose(f);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    cr_expect_str_eq(cs_runlog_get_info(r)->rule, "torchbp");
    const cs_runlog_meta *m = cs_runlog_meta_find(r, "names");
    cr_assert(m && m->is_string && m->count == 3);
    for (int i = 0; i < 3; i++)
        cr_expect_str_eq(m->strings[i], texts[i]);
    m = cs_runlog_meta_find(r, "empty");
    cr_assert(m && m->is_string && m->count == 1);
    cr_expect_str_eq(m->strings[0], "");
    cs_runlog_close_reader(r);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* ---- the open recorder ---------------------------------------------------- */

#define NLAY 20 /* more than the version 1 reader's cap of 16 */
#define P 5

static double val(size_t step, size_t k) { return (double)step * 0.5 + (double)k * 0.125; }

Test(runlog_v2, open_recorder_round_trip)
{
    char *dir = tu_tmpdir(), *path = join(dir, "open.h5");
    cs_runlog_writer *w;
    cs_runlog_options o = {.flush_interval = 1e9};
    cr_assert_eq(cs_runlog_create(path, &o, &w), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_runlog_set_string(w, "trainer", "pytorch"), CS_OK);
    cr_assert_eq(cs_runlog_set_string(w, "model", "resnet-ish"), CS_OK);
    cr_assert_eq(cs_runlog_set_number(w, "pi_alpha", 2.0), CS_OK);
    cr_assert_eq(cs_runlog_set_int(w, "batch", 64), CS_OK);
    double betas[2] = {0.9, 0.999};
    cr_assert_eq(cs_runlog_set_numbers(w, "betas", CS_RUNLOG_F64, betas, 2, 0), CS_OK);
    cr_assert_eq(cs_runlog_set_string(w, "model", "resnet"), CS_OK); /* replaces */

    /* layers in a deliberate non-alphabetical order, with dots and UTF-8 */
    char names[NLAY][32];
    cs_runlog_handle act[NLAY], gn[NLAY];
    for (size_t l = 0; l < NLAY; l++) {
        snprintf(names[l], sizeof names[l],
                 l == 0   ? "z.first"
                 : l == 1 ? "\xce\xb1-layer"
                          : "blocks.%zu.mlp",
                 NLAY - l);
        size_t idx;
        cr_assert_eq(cs_runlog_add_layer(w, names[l], &idx), CS_OK, "%s", cs_last_error());
        cr_assert_eq(idx, l);
        size_t shape[2] = {P, l + 1}; /* units differ per layer */
        cr_assert_eq(cs_runlog_declare_snapshot(w, l, "activations", 2, shape, &act[l]), CS_OK, "%s",
                     cs_last_error());
        cr_assert_eq(cs_runlog_declare_layer_series(w, l, "grad_norm", &gn[l]), CS_OK);
    }
    /* a conv feature map [channel, height, width] of layer 0 */
    cs_runlog_handle fmap, loss, tokens, half, bleu, energy, states;
    size_t fshape[3] = {3, 4, 2};
    cr_assert_eq(cs_runlog_declare_snapshot(w, 0, "fmap", 3, fshape, &fmap), CS_OK);
    cr_assert_eq(cs_runlog_declare_series(w, "loss", CS_RUNLOG_F64, &loss), CS_OK);
    cr_assert_eq(cs_runlog_declare_series(w, "tokens", CS_RUNLOG_I64, &tokens), CS_OK);
    cr_assert_eq(cs_runlog_declare_series(w, "half", CS_RUNLOG_F32, &half), CS_OK);
    cr_assert_eq(cs_runlog_declare_eval(w, "bleu", CS_RUNLOG_F64, &bleu), CS_OK);
    cr_assert_eq(cs_runlog_declare_relax(w, 3, 2, &energy), CS_OK);
    cr_assert_eq(cs_runlog_declare_relax_states(w, 1, 2, &states), CS_OK);
    float probe[P * 2];
    for (int i = 0; i < P * 2; i++)
        probe[i] = (float)i;
    cr_assert_eq(cs_runlog_set_probe(w, probe, P, 2, NULL), CS_OK);
    cr_assert_eq(cs_runlog_start(w), CS_OK, "%s", cs_last_error());

    for (size_t s = 0; s < 1100; s++) { /* crosses the 1024-row buffer */
        if (s != 7)                     /* step 7 has no loss: NaN */
            cr_assert_eq(cs_runlog_put(w, loss, val(s, 0)), CS_OK);
        if (s % 2) /* odd steps only: even ones read -1 */
            cr_assert_eq(cs_runlog_put(w, tokens, (double)(s * 1000)), CS_OK);
        cr_assert_eq(cs_runlog_put(w, half, val(s, 1)), CS_OK);
        for (size_t l = 0; l < NLAY; l++)
            cr_assert_eq(cs_runlog_put(w, gn[l], val(s, l)), CS_OK);
        cr_assert_eq(cs_runlog_end_step(w, (int64_t)(10 * s)), CS_OK);
        if (s % 500 == 0) {
            float a[P * NLAY], fm[24];
            for (size_t l = 0; l < NLAY; l++) {
                for (size_t i = 0; i < P * (l + 1); i++)
                    a[i] = (float)(s + l * 100 + i);
                cr_assert_eq(cs_runlog_put_snapshot(w, act[l], a), CS_OK, "%s", cs_last_error());
            }
            if (s == 1000) { /* the feature map only at the last snapshot */
                for (int i = 0; i < 24; i++)
                    fm[i] = (float)-i;
                cr_assert_eq(cs_runlog_put_snapshot(w, fmap, fm), CS_OK);
                double st[12], en[3] = {1, 2, 3};
                for (int i = 0; i < 12; i++)
                    st[i] = i * 0.5;
                cr_assert_eq(cs_runlog_put_snapshot_f64(w, states, st), CS_OK);
                cr_assert_eq(cs_runlog_put_snapshot_f64(w, energy, en), CS_OK);
            }
            cr_assert_eq(cs_runlog_end_snapshot(w, (int64_t)(10 * s)), CS_OK);
        }
    }
    cr_assert_eq(cs_runlog_put(w, bleu, 0.25), CS_OK);
    cr_assert_eq(cs_runlog_end_eval(w, 10990), CS_OK);
    cr_assert_eq(cs_runlog_close(w), CS_OK, "%s", cs_last_error());

    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_eq(in->schema_version, 2);
    cr_expect_eq(in->layer_count, NLAY);
    cr_expect_eq(in->steps, 1100);
    cr_expect_eq(in->snapshots, 3);
    cr_expect_eq(in->evals, 1);
    cr_expect_eq(in->relax_iterations, 3);
    cr_expect_eq(in->relax_samples, 2);
    cr_expect_eq(in->relax_snapshots, 3); /* extent 3: entries 0, 1 are the NaN fill */
    cr_expect_eq(in->probe_size, P);
    cr_expect_eq(in->probe_labels, 0);
    cr_expect_eq(in->pi_alpha, 2.0);
    cr_expect_eq(in->batch, 64);
    cr_expect_str_eq(in->rule, "");
    for (size_t l = 0; l < NLAY; l++) {
        cr_expect_str_eq(cs_runlog_layer_name(r, l), names[l]);
        cr_expect_eq(cs_runlog_layer_units(r, l), l + 1);
        cr_expect_eq(cs_runlog_layer_find(r, names[l]), l);
    }
    cr_expect_eq(cs_runlog_layer_find(r, "nope"), (size_t)-1);
    const cs_runlog_meta *m = cs_runlog_meta_find(r, "model");
    cr_assert(m && m->is_string);
    cr_expect_str_eq(m->strings[0], "resnet");
    m = cs_runlog_meta_find(r, "betas");
    cr_assert(m && !m->is_string && m->count == 2);
    cr_expect(m->values[0] == 0.9 && m->values[1] == 0.999);

    double *v;
    size_t n;
    cr_assert_eq(cs_runlog_read_steps(r, "loss", &v, &n), CS_OK);
    cr_assert_eq(n, 1100);
    for (size_t s = 0; s < n; s++)
        cr_expect(s == 7 ? isnan(v[s]) : v[s] == val(s, 0), "loss[%zu] = %g", s, v[s]);
    free(v);
    cr_assert_eq(cs_runlog_read_steps(r, "tokens", &v, &n), CS_OK);
    for (size_t s = 0; s < n; s++)
        cr_expect_eq(v[s], s % 2 ? (double)(s * 1000) : -1.0, "tokens[%zu] = %g", s, v[s]);
    free(v);
    cr_assert_eq(cs_runlog_read_steps(r, "half", &v, &n), CS_OK);
    cr_expect_eq(v[1099], (double)(float)val(1099, 1));
    free(v);
    cr_assert_eq(cs_runlog_read_steps(r, "step", &v, &n), CS_OK);
    cr_expect_eq(v[1099], 10990.0);
    free(v);
    const cs_runlog_item *it = cs_runlog_find(r, CS_RUNLOG_LAYER_SERIES, NLAY - 1, "grad_norm");
    cr_assert_not_null(it);
    cr_assert_eq(cs_runlog_read_series(r, it, &v, &n), CS_OK);
    cr_expect(n == 1100 && v[3] == val(3, NLAY - 1));
    free(v);
    cr_assert_eq(cs_runlog_read_eval(r, "bleu", &v, &n), CS_OK);
    cr_expect(n == 1 && v[0] == 0.25);
    free(v);
    cr_assert_eq(cs_runlog_read_snapshot_steps(r, &v, &n), CS_OK);
    cr_expect(n == 3 && v[0] == 0 && v[1] == 5000 && v[2] == 10000);
    free(v);

    cs_matrix a;
    cr_assert_eq(cs_runlog_read_layer_snapshot(r, 6, "activations", 2, &a), CS_OK, "%s", cs_last_error());
    cr_expect(a.rows == P && a.cols == 7);
    for (size_t i = 0; i < P * 7; i++)
        cr_expect_eq(a.data[i], (double)(1000 + 600 + i));
    cs_matrix_free(&a);
    it = cs_runlog_find(r, CS_RUNLOG_SNAPSHOT, 0, "fmap");
    cr_assert_not_null(it);
    cr_expect(it->rank == 3 && it->shape[0] == 3 && it->shape[1] == 4 && it->shape[2] == 2);
    cr_expect_eq(it->length, 3);
    cr_assert_eq(cs_runlog_read_entry(r, it, 2, &a), CS_OK);
    cr_expect(a.rows == 12 && a.cols == 2 && a.data[23] == -23.0);
    cs_matrix_free(&a);
    cr_assert_eq(cs_runlog_read_entry(r, it, 0, &a), CS_OK); /* not put there: NaN */
    cr_expect(isnan(a.data[0]));
    cs_matrix_free(&a);
    cr_expect_eq(cs_runlog_read_entry(r, it, 3, &a), CS_EINVAL);
    double *en;
    cr_assert_eq(cs_runlog_read_relaxation(r, 1, 2, &a, &en), CS_OK, "%s", cs_last_error());
    cr_expect(a.rows == 6 && a.cols == 2 && a.data[11] == 5.5 && en[2] == 3);
    cs_matrix_free(&a);
    free(en);
    cr_expect_eq(cs_runlog_read_relaxation(r, 0, 2, &a, &en), CS_EINVAL); /* layer 0 has none */
    cs_matrix pin;
    int32_t *lab;
    cr_assert_eq(cs_runlog_read_probe(r, &pin, &lab), CS_OK);
    cr_expect(pin.rows == P && pin.cols == 2 && pin.data[9] == 9 && lab == NULL);
    cs_matrix_free(&pin);
    cs_runlog_close_reader(r);
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(runlog_v2, declaration_errors_are_named)
{
    char *dir = tu_tmpdir(), *path = join(dir, "bad.h5");
    cs_runlog_writer *w;
    cs_runlog_handle h, s, e;
    cr_assert_eq(cs_runlog_create(path, NULL, &w), CS_OK);
    cr_expect_eq(cs_runlog_add_layer(w, "a/b", NULL), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "'a/b'") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_add_layer(w, "", NULL), CS_EINVAL);
    cr_expect_eq(cs_runlog_add_layer(w, "..", NULL), CS_EINVAL);
    char long_name[200];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    cr_expect_eq(cs_runlog_add_layer(w, long_name, NULL), CS_EINVAL);
    cr_assert_eq(cs_runlog_add_layer(w, "fc1", NULL), CS_OK);
    cr_expect_eq(cs_runlog_add_layer(w, "fc1", NULL), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "before") != NULL, "%s", cs_last_error());
    size_t shape[2] = {4, 3}, zero[2] = {4, 0};
    cr_expect_eq(cs_runlog_declare_snapshot(w, 1, "activations", 2, shape, &h), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "1 layers") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_declare_snapshot(w, 0, "activations", 0, shape, &h), CS_EINVAL);
    cr_expect_eq(cs_runlog_declare_snapshot(w, 0, "activations", 8, shape, &h), CS_EINVAL);
    cr_expect_eq(cs_runlog_declare_snapshot(w, 0, "activations", 2, zero, &h), CS_EINVAL);
    cr_assert_eq(cs_runlog_declare_snapshot(w, 0, "activations", 2, shape, &h), CS_OK);
    cr_expect_eq(cs_runlog_declare_layer_series(w, 0, "activations", &s), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "declared twice") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_declare_series(w, "step", CS_RUNLOG_F64, &s), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "reserved") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_declare_series(w, "loss", CS_RUNLOG_U64, &s), CS_EINVAL);
    cr_expect_eq(cs_runlog_declare_relax_states(w, 0, 3, &s), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "cs_runlog_declare_relax first") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_declare_relax(w, 0, 2, &s), CS_EINVAL);
    int32_t neg[4] = {0, 1, -1, 0};
    float x[8] = {0};
    cr_expect_eq(cs_runlog_set_probe(w, x, 4, 2, neg), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "label 2 = -1") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_set_numbers(w, "x", CS_RUNLOG_F64, x, 2, 1), CS_EINVAL);
    cr_assert_eq(cs_runlog_declare_series(w, "loss", CS_RUNLOG_F64, &s), CS_OK);
    cr_expect_eq(cs_runlog_end_eval(w, 0), CS_EINVAL); /* starts the run; no evaluation series */
    cr_expect(strstr(cs_last_error(), "no evaluation series") != NULL, "%s", cs_last_error());
    /* after the start: nothing can be declared any more */
    cr_expect_eq(cs_runlog_declare_eval(w, "acc", CS_RUNLOG_F64, &e), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "cs_runlog_start") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_set_string(w, "late", "x"), CS_EINVAL);
    /* handles of the wrong kind or of nothing */
    cr_expect_eq(cs_runlog_put(w, h, 1.0), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "cs_runlog_put_snapshot") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_put_snapshot(w, s, x), CS_EINVAL);
    cr_expect_eq(cs_runlog_put(w, 99, 1.0), CS_EINVAL);
    cr_expect_eq(cs_runlog_put(w, -1, 1.0), CS_EINVAL);
    cr_expect_eq(cs_runlog_put_snapshot(w, h, NULL), CS_EINVAL);
    /* usage errors do not poison the writer */
    cr_expect_eq(cs_runlog_put(w, s, 1.0), CS_OK);
    cr_expect_eq(cs_runlog_end_step(w, 0), CS_OK);
    cr_expect_eq(cs_runlog_close(w), CS_OK, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_create(path, &(cs_runlog_options){.snapshot_deflate = 10}, &w), CS_EINVAL);
    cr_expect_null(w);
    cr_expect_eq(cs_runlog_put(NULL, 0, 1.0), CS_EINVAL);
    cr_expect_eq(cs_runlog_close(NULL), CS_OK);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* Reads 1-D dataset `name` (at most 3 values) into buf; its length or -1. */
static int read_all(hid_t f, const char *name, hid_t type, void *buf)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    int ok = d >= 0 && n >= 0 && n <= 3 && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    H5Sclose(sp);
    H5Dclose(d);
    return ok ? (int)n : -1;
}

/* Count of filters on dataset `name` of file `path`, or -1. */
static int filters_of(const char *path, const char *name)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5Dopen2(f, name, H5P_DEFAULT),
          p = H5Dget_create_plist(d);
    int n = p >= 0 ? H5Pget_nfilters(p) : -1;
    H5Pclose(p);
    H5Dclose(d);
    H5Fclose(f);
    return n;
}

/* cs_runlog_append_step = put each value, then end_step; a bad handle puts
 * nothing; the probe inputs are compressed only as the snapshots are. */
Test(runlog_v2, append_step_in_one_call)
{
    char *dir = tu_tmpdir(), *path = join(dir, "rows.h5"), *packed = join(dir, "packed.h5");
    cs_runlog_writer *w;
    cs_runlog_handle loss, n, acc, act, h[2];
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    size_t shape[1] = {2};
    cr_assert_eq(cs_runlog_create(path, NULL, &w), CS_OK);
    cr_assert_eq(cs_runlog_add_layer(w, "fc", NULL), CS_OK);
    cr_assert_eq(cs_runlog_declare_series(w, "loss", CS_RUNLOG_F64, &loss), CS_OK);
    cr_assert_eq(cs_runlog_declare_series(w, "n", CS_RUNLOG_I64, &n), CS_OK);
    cr_assert_eq(cs_runlog_declare_eval(w, "acc", CS_RUNLOG_F64, &acc), CS_OK);
    cr_assert_eq(cs_runlog_declare_snapshot(w, 0, "activations", 1, shape, &act), CS_OK);
    cr_assert_eq(cs_runlog_set_probe(w, x, 4, 2, NULL), CS_OK);
    h[0] = loss, h[1] = n;
    cr_expect_eq(cs_runlog_append_step(w, 10, 2, h, (double[]){0.5, 7.9}), CS_OK);
    /* a bad second handle: the first value is not put either */
    cr_expect_eq(cs_runlog_append_step(w, 20, 2, (cs_runlog_handle[]){loss, act}, (double[]){9, 9}), CS_EINVAL);
    cr_expect_eq(cs_runlog_append_step(w, 20, 2, (cs_runlog_handle[]){loss, acc}, (double[]){9, 9}), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "evaluation series") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_runlog_append_step(w, 20, 2, (cs_runlog_handle[]){loss, 99}, (double[]){9, 9}), CS_EINVAL);
    cr_expect_eq(cs_runlog_append_step(w, 20, 1, NULL, (double[]){9}), CS_EINVAL);
    cr_expect_eq(cs_runlog_append_step(w, 20, 0, NULL, NULL), CS_OK); /* a row of unset values */
    cr_expect_eq(cs_runlog_put(w, n, 3), CS_OK);
    cr_expect_eq(cs_runlog_append_step(w, 30, 1, &loss, (double[]){1.5}), CS_OK);
    cr_assert_eq(cs_runlog_close(w), CS_OK, "%s", cs_last_error());

    double lv[3];
    int64_t nv[3], sv[3];
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    cr_assert_eq(read_all(f, "/steps/loss", H5T_NATIVE_DOUBLE, lv), 3);
    cr_assert_eq(read_all(f, "/steps/n", H5T_NATIVE_INT64, nv), 3);
    cr_assert_eq(read_all(f, "/steps/step", H5T_NATIVE_INT64, sv), 3);
    H5Fclose(f);
    cr_expect_eq(sv[0], 10);
    cr_expect_eq(sv[1], 20);
    cr_expect_eq(sv[2], 30);
    cr_expect_eq(lv[0], 0.5);
    cr_expect(isnan(lv[1]));
    cr_expect_eq(lv[2], 1.5);
    cr_expect_eq(nv[0], 7); /* integer series round toward zero */
    cr_expect_eq(nv[1], -1);
    cr_expect_eq(nv[2], 3);
    cr_expect_eq(filters_of(path, "/probe/inputs"), 0);

    cr_assert_eq(cs_runlog_create(packed, &(cs_runlog_options){.snapshot_deflate = 1}, &w), CS_OK);
    cr_assert_eq(cs_runlog_set_probe(w, x, 4, 2, NULL), CS_OK);
    cr_assert_eq(cs_runlog_close(w), CS_OK, "%s", cs_last_error());
    cr_expect_eq(filters_of(packed, "/probe/inputs"), 2); /* shuffle + deflate */
    rm_rf(dir);
    free(path);
    free(packed);
    free(dir);
}

/* n series declared in one call: the same datasets and handles as n calls;
 * a bad name stops there, naming it, with the series before it declared. */
Test(runlog_v2, declare_series_n)
{
    char *dir = tu_tmpdir(), *path = join(dir, "n.h5");
    cs_runlog_writer *w;
    cs_runlog_handle h[3] = {-1, -1, -1}, bad[3] = {-1, -1, -1};
    cr_assert_eq(cs_runlog_create(path, NULL, &w), CS_OK);
    cr_assert_eq(cs_runlog_declare_series_n(w, 2, (const char *[]){"loss", "tau"}, CS_RUNLOG_F64, h), CS_OK);
    cr_expect(h[0] >= 0 && h[1] >= 0 && h[0] != h[1]);
    cr_expect_eq(cs_runlog_declare_series_n(w, 3, (const char *[]){"a", "b/c", "d"}, CS_RUNLOG_I32, bad), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "'b/c'") != NULL, "%s", cs_last_error());
    cr_expect(bad[0] >= 0 && bad[2] == -1);
    cr_expect_eq(cs_runlog_declare_series_n(w, 1, NULL, CS_RUNLOG_F64, bad), CS_EINVAL);
    cr_expect_eq(cs_runlog_declare_series_n(w, 0, NULL, CS_RUNLOG_F64, NULL), CS_OK);
    cr_expect_eq(cs_runlog_append_step(w, 5, 2, h, (double[]){0.25, 2.5}), CS_OK);
    cr_assert_eq(cs_runlog_close(w), CS_OK, "%s", cs_last_error());
    double lv[1], tv[1];
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    cr_expect_eq(read_all(f, "/steps/loss", H5T_NATIVE_DOUBLE, lv), 1);
    cr_expect_eq(read_all(f, "/steps/tau", H5T_NATIVE_DOUBLE, tv), 1);
    cr_expect_eq(H5Lexists(f, "/steps/a", H5P_DEFAULT), 1);
    H5Fclose(f);
    cr_expect(lv[0] == 0.25 && tv[0] == 2.5);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* The trainer's extra per-step series (spec.step_series) land in /steps. */
Test(runlog_v2, trainer_extra_step_series)
{
    char *dir = tu_tmpdir(), *path = join(dir, "t.h5");
    size_t layers[2] = {2, 2};
    float pin[2] = {0, 1};
    int32_t lab[1] = {1};
    const char *extra[1] = {"grad_snr"};
    cs_trainlog_spec spec = {.rule = "bp",
                             .activation = "tanh",
                             .dataset = "x",
                             .layers = layers,
                             .n_layers = 2,
                             .probe_size = 1,
                             .probe_inputs = pin,
                             .probe_labels = lab,
                             .n_step_series = 1,
                             .step_series = extra};
    cs_trainlog *t;
    cr_assert_eq(cs_trainlog_create(path, &spec, &t), CS_OK, "%s", cs_last_error());
    double wn = 1, xs = -3.5;
    cs_trainlog_step rec = {.step = 0, .weight_norm = &wn, .update_norm = &wn};
    cr_expect_eq(cs_trainlog_append_step(t, &rec), CS_EINVAL); /* step_series missing */
    rec.step_series = &xs;
    cr_assert_eq(cs_trainlog_append_step(t, &rec), CS_OK);
    cr_assert_eq(cs_trainlog_close(t), CS_OK);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    double *v;
    size_t n;
    cr_assert_eq(cs_runlog_read_steps(r, "grad_snr", &v, &n), CS_OK);
    cr_expect(n == 1 && v[0] == -3.5);
    free(v);
    cs_runlog_close_reader(r);
    const char *clash[1] = {"loss"};
    spec.step_series = clash;
    cr_expect_eq(cs_trainlog_create(path, &spec, &t), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "'loss'") != NULL, "%s", cs_last_error());
    rm_rf(dir);
    free(path);
    free(dir);
}

/* ---- version 1 logs --------------------------------------------------------- */

/* "key value" lines of gen_runlog_v1_expect.py. */
static const char *expect_of(const char *text, const char *key)
{
    static char buf[256];
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == ' ') {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p - kl - 1) : strlen(p + kl + 1);
            snprintf(buf, sizeof buf, "%.*s", (int)n, p + kl + 1);
            return buf;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    cr_assert_fail("key %s missing from the expectations", key);
    return NULL;
}

static double sum_matrix(cs_matrix m)
{
    double s = 0;
    for (size_t i = 0; i < m.rows * m.cols; i++)
        s += m.data[i];
    return s;
}

static void expect_close(double got, const char *want, const char *what)
{
    double w = strtod(want, NULL);
    cr_expect(fabs(got - w) <= 1e-12 * fmax(1.0, fabs(w)), "%s: %.17g, h5py says %.17g", what, got, w);
}

static void check_v1(const char *name)
{
    char *dir = tu_tmpdir(), *exp = join(dir, "expect.txt"), log[512], args[700];
    snprintf(log, sizeof log, "%s/%s", COGSCOPE_TEST_DATA, name);
    snprintf(args, sizeof args, "'%s'", log);
    cr_assert_eq(run_py("gen_runlog_v1_expect.py", args, exp), 0);
    char *text = tu_slurp(exp);
    cr_assert_not_null(text);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(log, &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_eq(in->schema_version, atoi(expect_of(text, "schema_version")));
    cr_expect_str_eq(in->rule, expect_of(text, "rule"));
    cr_expect_eq(in->steps, strtoul(expect_of(text, "steps"), NULL, 10));
    cr_expect_eq(in->snapshots, strtoul(expect_of(text, "snapshots"), NULL, 10));
    cr_expect_eq(in->evals, strtoul(expect_of(text, "evals"), NULL, 10));
    cr_expect_eq(in->relax_snapshots, strtoul(expect_of(text, "relax_snapshots"), NULL, 10));
    /* layers "64,16,10": two named layers "1", "2" of 16 and 10 units */
    cr_expect_eq(in->layer_count, 2);
    cr_expect_str_eq(cs_runlog_layer_name(r, 0), "1");
    cr_expect_eq(cs_runlog_layer_units(r, 0), 16);
    cr_expect_eq(cs_runlog_layer_units(r, 1), 10);
    cr_expect_str_eq(expect_of(text, "layers"), "64,16,10");
    double *v;
    size_t n;
    cr_assert_eq(cs_runlog_read_steps(r, "loss", &v, &n), CS_OK);
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    free(v);
    expect_close(s, expect_of(text, "loss_sum"), "sum of /steps/loss");
    cr_assert_eq(cs_runlog_read_snapshot_steps(r, &v, &n), CS_OK);
    cr_expect_eq(v[n - 1], atof(expect_of(text, "snapshot_step_last")));
    free(v);
    cs_matrix m;
    cr_assert_eq(cs_runlog_read_layer_snapshot(r, 1, "activations", in->snapshots - 1, &m), CS_OK);
    expect_close(sum_matrix(m), expect_of(text, "act2_last_sum"), "last activations of layer 2");
    cs_matrix_free(&m);
    cr_assert_eq(cs_runlog_read_layer_snapshot(r, 0, "errors", 0, &m), CS_OK);
    expect_close(sum_matrix(m), expect_of(text, "err1_first_sum"), "first errors of layer 1");
    cs_matrix_free(&m);
    const cs_runlog_item *it = cs_runlog_find(r, CS_RUNLOG_LAYER_SERIES, 0, "weight_norm");
    cr_assert_not_null(it);
    cr_assert_eq(cs_runlog_read_series(r, it, &v, &n), CS_OK);
    s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    free(v);
    expect_close(s, expect_of(text, "wnorm1_sum"), "sum of /layers/1/weight_norm");
    int32_t *lab;
    cr_assert_eq(cs_runlog_read_probe(r, &m, &lab), CS_OK);
    long ls = 0;
    for (size_t i = 0; i < m.rows; i++)
        ls += lab[i];
    cr_expect_eq(ls, atol(expect_of(text, "probe_label_sum")));
    cs_matrix_free(&m);
    free(lab);
    if (in->relax_snapshots) {
        double *en;
        cr_assert_eq(cs_runlog_read_relaxation(r, 0, 0, &m, &en), CS_OK, "%s", cs_last_error());
        expect_close(sum_matrix(m), expect_of(text, "relax1_first_sum"), "first relaxation of layer 1");
        s = 0;
        for (size_t i = 0; i < in->relax_iterations; i++)
            s += en[i];
        expect_close(s, expect_of(text, "energy_first_sum"), "first energy row");
        cs_matrix_free(&m);
        free(en);
    }
    if (strstr(text, "layer_series ")) {
        char ls_names[128];
        snprintf(ls_names, sizeof ls_names, "%s", expect_of(text, "layer_series"));
        *strchr(ls_names, ',') = '\0';
        it = cs_runlog_find(r, CS_RUNLOG_LAYER_SERIES, 0, ls_names);
        cr_assert_not_null(it, "layer series %s", ls_names);
        cr_assert_eq(cs_runlog_read_series(r, it, &v, &n), CS_OK);
        s = 0;
        for (size_t i = 0; i < n; i++)
            s += isnan(v[i]) ? 0 : v[i];
        free(v);
        expect_close(s, expect_of(text, "extra1_sum"), "first extra layer series");
    }
    cs_runlog_close_reader(r);
    free(text);
    rm_rf(dir);
    free(exp);
    free(dir);
}

Test(runlog_v2, v1_logs_read_as_h5py_reads_them)
{
    check_v1("runlog_v1_ep.h5");
    check_v1("runlog_v1_ff.h5");
}

/* ---- a log written by h5py from the schema doc ------------------------------ */

Test(runlog_v2, h5py_minimal_log_is_accepted_and_analysed, .timeout = 300)
{
    char *dir = tu_tmpdir(), *log = join(dir, "min.h5"), *met = join(dir, "min.metrics.h5"), args[1400];
    char *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "'%s'", log);
    cr_assert_eq(run_py("gen_h5py_minimal_log.py", args, NULL), 0);

    snprintf(args, sizeof args, "info '%s'", log);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "torchbp") != NULL, "the rule lost a character: %s", out);
    cr_expect(strstr(out, "encoder.fc1") && strstr(out, "300 logged"), "%s", out);
    free(out);
    free(err);

    snprintf(args, sizeof args, "analyze '%s' --out '%s' --threads 1", log, met);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    cs_metrics *m;
    cr_assert_eq(cs_metrics_read(met, &m), CS_OK, "%s", cs_last_error());
    const char *layer_paths[] = {"/analysis/layers/encoder.fc1/tc", "/analysis/layers/encoder.fc1/oinfo",
                                 "/analysis/layers/head/tc", "/analysis/layers/head/snap_phi_r"};
    for (size_t i = 0; i < 4; i++) {
        const cs_metrics_array *a = cs_metrics_get(m, layer_paths[i]);
        cr_assert_not_null(a, "%s missing", layer_paths[i]);
        cr_expect_eq(a->count, 4);
        cr_expect(isfinite(a->data[3]), "%s[3] = %g", layer_paths[i], a->data[3]);
    }
    /* three units share a factor: their total correlation is clearly > 0 */
    cr_expect_gt(cs_metrics_get(m, "/analysis/layers/encoder.fc1/tc")->data[0], 0.1);
    cr_expect_not_null(cs_metrics_get(m, "/analysis/spectra/loss/psd"));
    cr_expect_null(cs_metrics_get(m, "/analysis/layers/head/ixt"));
    cr_expect_null(cs_metrics_get(m, "/analysis/sigmapi/pi"));
    int said_ip = 0, said_pi = 0, said_spectra = 0;
    for (size_t i = 0; i < cs_metrics_note_count(m); i++) {
        const char *note = cs_metrics_note(m, i);
        said_ip |= strstr(note, "information plane and PID pairs: skipped") != NULL;
        said_pi |= strstr(note, "sigmapi: skipped") && strstr(note, "tau, surprise");
        said_spectra |= strstr(note, "spectra of pi, surprise, tau: skipped") != NULL;
    }
    cr_expect(said_ip && said_pi && said_spectra, "notes do not say what was skipped and why");
    cs_metrics_destroy(m);

    snprintf(args, sizeof args, "report '%s' --metrics '%s' --format html -o '%s/r.html'", log, met, dir);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    free(out);
    free(err);
    char *html_path = join(dir, "r.html"), *html = tu_slurp(html_path);
    cr_assert_not_null(html);
    cr_expect(strstr(html, "skipped") != NULL, "the page does not say what was skipped");
    cr_expect(strstr(html, "encoder.fc1") != NULL);
    free(html);
    free(html_path);
    snprintf(args, sizeof args, "report '%s' --metrics '%s'", log, met);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "not in the log       per-step tau, surprise, pi, batch_acc; no held-out evaluation"),
              "the text report does not say what the log lacks: %s", out);
    cr_expect(strstr(out, "tau - nats") != NULL, "a missing series must print '-', not a number: %s", out);
    free(out);
    free(err);
    snprintf(args, sizeof args, "report '%s' --metrics '%s' --format json", log, met);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"torchbp\"") != NULL, "%s", out);
    free(out);
    free(err);
    rm_rf(dir);
    free(log);
    free(met);
    free(dir);
}

/* Names come from files too: a layer group whose name is longer than the
 * schema allows is refused by name, not truncated into another path. */
Test(runlog_v2, reader_refuses_overlong_layer_names)
{
    char *dir = tu_tmpdir(), *path = join(dir, "long.h5"), gname[320];
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_eq(h5_attr_put_string(f, "schema", CS_RUNLOG_SCHEMA), 1);
    cr_assert_eq(h5_attr_put_i64(f, "schema_version", 2), 1);
    memset(gname, 'x', 300);
    memcpy(gname, "/layers/", 8);
    gname[300] = '\0';
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t g = H5Gcreate2(f, gname, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(g, 0);
    H5Gclose(g);
    H5Pclose(lcpl);
    H5Fclose(f);
    cs_runlog *r = NULL;
    cr_expect_eq(cs_runlog_open(path, &r), CS_ESCHEMA);
    cr_expect(strstr(cs_last_error(), "292 bytes") != NULL, "%s", cs_last_error());
    cr_expect_null(r);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* Every optional part of docs/schema.md, written by h5py: each is read as
 * the doc says, and analyze computes every metric family from it. */
Test(runlog_v2, h5py_full_log_every_optional_part, .timeout = 300)
{
    char *dir = tu_tmpdir(), *log = join(dir, "full.h5"), args[700];
    snprintf(args, sizeof args, "'%s'", log);
    cr_assert_eq(run_py("gen_h5py_full_log.py", args, NULL), 0);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(log, &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_str_eq(cs_runlog_layer_name(r, 0), "z_hidden"); /* /layers order, not the names' order */
    cr_expect_str_eq(cs_runlog_layer_name(r, 1), "a_out");
    cr_expect(cs_runlog_layer_units(r, 0) == 7 && cs_runlog_layer_units(r, 1) == 3);
    cr_expect(in->steps == 120 && in->snapshots == 3 && in->evals == 3 && in->epochs_done == 3);
    cr_expect(in->probe_size == 96 && in->probe_dim == 5 && in->probe_labels);
    cr_expect(in->relax_iterations == 6 && in->relax_samples == 4 && in->relax_snapshots == 3);
    cr_expect_str_eq(in->rule, "sgd-hand");
    const cs_runlog_meta *m = cs_runlog_meta_find(r, "widths");
    cr_expect(m && !m->is_string && m->count == 3 && m->values[1] == 7);
    m = cs_runlog_meta_find(r, "tags");
    cr_expect(m && m->is_string && m->count == 2 && !strcmp(m->strings[1], "bb"));
    const cs_runlog_item *it = cs_runlog_find(r, CS_RUNLOG_SNAPSHOT, 1, "heads");
    cr_expect(it && it->rank == 3 && it->shape[0] == 2 && it->shape[2] == 4 && it->length == 3);
    cr_expect_not_null(cs_runlog_find(r, CS_RUNLOG_LAYER_SERIES, 0, "grad_norm"));
    double *v;
    size_t n;
    cr_assert_eq(cs_runlog_read_snapshot_steps(r, &v, &n), CS_OK);
    cr_expect(n == 3 && v[2] == 1190);
    free(v);
    cs_obs_params p;
    cs_obs_params_default(&p);
    p.threads = 1;
    cs_metrics *mt;
    cr_assert_eq(cs_obs_analyze(r, &p, &mt), CS_OK, "%s", cs_last_error());
    const char *want[] = {"/analysis/layers/z_hidden/ixt",
                          "/analysis/layers/a_out/pid_synergy",
                          "/analysis/layers/z_hidden/oinfo",
                          "/analysis/layers/a_out/snap_phi_r",
                          "/analysis/layers/z_hidden/relax_phi_r",
                          "/analysis/sigmapi/window_integral",
                          "/analysis/spectra/tau/psd"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect_not_null(cs_metrics_get(mt, want[i]), "%s missing", want[i]);
    cs_metrics_destroy(mt);
    cs_runlog_close_reader(r);
    rm_rf(dir);
    free(log);
    free(dir);
}
