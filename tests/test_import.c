/* Saved arrays (cogscope/array.h, `cogscope import`): every .npy form numpy
 * writes and an HDF5 dataset read as the values numpy saved; the refused
 * forms named; an import of .npy and HDF5 arrays (3-D, a conv map, a
 * [step, unit] trace) that info, analyze and report then read; bad imports
 * exit with a message and leave no file. The arrays come from
 * tests/data/gen_arrays.py (numpy and h5py). */
#include <criterion/criterion.h>
#include <math.h>
#include <sys/stat.h>

#include "cogscope/array.h"
#include "cogscope/observe.h"
#include "cogscope/runlog.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
    dir = tu_tmpdir();
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/gen_arrays.py' '%s'", COGSCOPE_TEST_DATA, dir);
    cr_assert_eq(system(cmd), 0, "the numpy/h5py generator failed");
}

static void teardown(void)
{
    tu_rm_rf(dir);
    free(dir);
}

TestSuite(import, .init = setup, .fini = teardown);

static char *at(const char *name)
{
    static _Thread_local char buf[16][1200];
    static _Thread_local int k;
    k = (k + 1) % 16;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static int cli(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cli(char **out, char **err, const char *fmt, ...)
{
    char args[6000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return tu_cli(args, out, err);
}

Test(import, every_npy_form_reads_as_saved)
{
    const char *files[] = {"c_f8.npy", "f_f4.npy", "be_i4.npy", "le_i2.npy", "u1.npy",      "i8.npy",
                           "u8.npy",   "b1.npy",   "v2.npy",    "v3.npy",    "arrays.h5:/x"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        cs_array a;
        cr_assert_eq(cs_array_read(at(files[f]), &a), CS_OK, "%s: %s", files[f], cs_last_error());
        cr_assert(a.rank == 3 && a.dims[0] == 2 && a.dims[1] == 3 && a.dims[2] == 4 && a.count == 24, "%s", files[f]);
        for (size_t i = 0, n = 0; i < 2; i++)
            for (size_t j = 0; j < 3; j++)
                for (size_t k = 0; k < 4; k++, n++) {
                    double v = (double)(100 * i + 10 * j + k);
                    double want = !strcmp(files[f], "le_i2.npy") ? -v
                                  : !strcmp(files[f], "b1.npy")  ? (double)((i + j + k) % 2 == 0)
                                                                 : v;
                    cr_expect_eq(a.data[n], want, "%s[%zu][%zu][%zu] = %g, numpy saved %g", files[f], i, j, k,
                                 a.data[n], want);
                }
        cs_array_free(&a);
    }
}

Test(import, refused_npy_forms_are_named)
{
    struct {
        const char *file, *needle;
        cs_status st;
    } bad[] = {{"f2.npy", "<f2", CS_EFORMAT},
               {"obj.npy", "|O", CS_EFORMAT},
               {"scalar.npy", "0-dimensional", CS_EFORMAT},
               {"trunc.npy", "truncated", CS_EFORMAT},
               {"text.npy", "not a .npy file", CS_EFORMAT},
               {"nope.npy", "cannot open", CS_EIO},
               {"arrays.h5:/nope", "no dataset '/nope'", CS_EFORMAT}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cs_array a;
        cr_expect_eq(cs_array_read(at(bad[i].file), &a), bad[i].st, "%s: %s", bad[i].file, cs_last_error());
        char file[64];
        snprintf(file, sizeof file, "%.*s", (int)strcspn(bad[i].file, ":"), bad[i].file);
        cr_expect(strstr(cs_last_error(), bad[i].needle) && strstr(cs_last_error(), file), "%s: %s", bad[i].file,
                  cs_last_error());
        cr_expect_null(a.data);
    }
}

Test(import, arrays_become_a_run_log_that_analyze_reads, .timeout = 300)
{
    char *out = NULL, *err = NULL;
    cr_assert_eq(cli(&out, &err,
                     "import --out '%s' --layer fc1='%s' --layer 'out.head=%s' --layer conv1='%s' --inputs '%s' "
                     "--labels '%s' --loss '%s' --series tau='%s' --series surprise='%s' --snapshot-steps '%s' "
                     "--meta model=toy",
                     at("run.h5"), at("acts1.npy"), at("layers.h5:/acts2"), at("conv.npy"), at("probe_x.npy"),
                     at("probe_y.npy"), at("loss.npy"), at("tau.npy"), at("surprise.npy"), at("snap_steps.npy")),
                 0, "%s", err);
    cr_expect(strstr(err, "averaged over its last 2 axes") != NULL, "%s", err);
    free(out);
    free(err);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(at("run.h5"), &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_eq(in->layer_count, 3);
    const char *names[3] = {"fc1", "out.head", "conv1"};
    size_t units[3] = {6, 3, 2};
    for (size_t l = 0; l < 3; l++) {
        cr_expect_str_eq(cs_runlog_layer_name(r, l), names[l]);
        cr_expect_eq(cs_runlog_layer_units(r, l), units[l]);
    }
    cr_expect(in->steps == 150 && in->snapshots == 4 && in->probe_size == 200 && in->probe_dim == 5);
    double *v;
    size_t n;
    cr_assert_eq(cs_runlog_read_snapshot_steps(r, &v, &n), CS_OK);
    cr_expect(n == 4 && v[3] == 149);
    free(v);
    /* the conv map's per-channel mean, in closed form (gen_arrays.py) */
    cs_matrix m;
    cr_assert_eq(cs_runlog_read_layer_snapshot(r, 2, "activations", 2, &m), CS_OK);
    for (size_t p = 0; p < 200; p++)
        for (size_t c = 0; c < 2; c++) {
            double want = 1.5 + p / 100.0 + c + 0.11;
            cr_expect(fabs(m.data[p * 2 + c] - want) <= 1e-6 * want, "conv1[2][%zu][%zu] = %.9g, expected %.9g", p, c,
                      m.data[p * 2 + c], want);
        }
    cs_matrix_free(&m);
    cs_obs_params prm;
    cs_obs_params_default(&prm);
    prm.threads = 1;
    cs_metrics *mt;
    cr_assert_eq(cs_obs_analyze(r, &prm, &mt), CS_OK, "%s", cs_last_error());
    const char *want[] = {"/analysis/layers/fc1/ixt", "/analysis/layers/out.head/pid_synergy",
                          "/analysis/layers/fc1/tc", "/analysis/sigmapi/pi", "/analysis/spectra/loss/psd"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect_not_null(cs_metrics_get(mt, want[i]), "%s missing", want[i]);
    cs_metrics_destroy(mt);
    cs_runlog_close_reader(r);
    cr_expect_eq(cli(&out, &err, "report '%s' --format html -o '%s'", at("run.h5"), at("run.html")), 0, "%s", err);
    free(out);
    free(err);

    /* [step, unit]: one recording, a single snapshot of 300 samples */
    cr_assert_eq(cli(&out, &err, "import --out '%s' --layer trace='%s'", at("trace.h5"), at("trace.npy")), 0, "%s",
                 err);
    free(out);
    free(err);
    cr_assert_eq(cs_runlog_open(at("trace.h5"), &r), CS_OK, "%s", cs_last_error());
    cr_expect(cs_runlog_get_info(r)->snapshots == 1 && cs_runlog_layer_units(r, 0) == 4);
    cr_assert_eq(cs_runlog_read_layer_snapshot(r, 0, "activations", 0, &m), CS_OK);
    cr_expect_eq(m.rows, 300);
    cs_matrix_free(&m);
    cs_runlog_close_reader(r);
}

/* A bad import exits 1 (runtime) or 2 (usage) with a message, and leaves no file. */
Test(import, bad_imports_are_named_and_leave_nothing)
{
    struct {
        const char *args, *needle;
        int code;
    } bad[] = {
        {"--layer a=ACTS1", "--out", 2},
        {"--out OUT", "--layer", 2},
        {"--out OUT --layer a=ACTS1 --labels Y", "--labels needs --inputs", 2},
        {"--out OUT --layer a", "NAME=ARRAY", 2},
        {"--out OUT --layer a=ACTS1 --layer a=ACTS1", "given twice", 2},
        {"--out ACTS1 --layer a=ACTS1 --force", "one of the inputs", 2},
        {"--out OUT --layer a=ACTS1 --layer b=TRACE", "same snapshots and samples", 1},
        {"--out OUT --layer a=ACTS1 --inputs X --labels LOSS", "--labels", 1},
        {"--out OUT --layer a=ACTS1 --inputs X --labels HALF", "is not a class", 1},
        {"--out OUT --layer a=ACTS1 --loss LOSS --series tau=TRACE", "--series tau", 1},
        {"--out OUT --layer a=MISSING", "missing.npy", 1},
        {"--out OUT --layer a=LOSS", "[snapshot, sample, unit]", 1},
        {"--out OUT --layer a=ACTS1 --errors b=ACTS1", "no --layer of that name", 1},
        {"--out OUT --layer a/b=ACTS1", "a/b", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char args[4000] = "import ", *o = args + strlen(args);
        for (const char *p = bad[i].args; *p;) { /* expand the placeholders to the generated files */
            const char *keys[] = {"ACTS1", "TRACE", "OUT", "LOSS", "HALF", "X", "Y", "MISSING"};
            const char *files[] = {"acts1.npy", "trace.npy",   "out.h5",      "loss.npy",
                                   "half.npy",  "probe_x.npy", "probe_y.npy", "missing.npy"};
            size_t k = 0;
            while (k < 8 && strncmp(p, keys[k], strlen(keys[k])))
                k++;
            if (k < 8 && (p == bad[i].args || p[-1] == ' ' || p[-1] == '=')) {
                o += sprintf(o, "'%s'", at(files[k]));
                p += strlen(keys[k]);
            } else {
                *o++ = *p++;
            }
        }
        *o = '\0';
        char *err = NULL;
        cr_expect_eq(tu_cli(args, NULL, &err), bad[i].code, "%s: %s", bad[i].args, err);
        cr_expect(strstr(err, bad[i].needle) != NULL, "%s: '%s' not in: %s", bad[i].args, bad[i].needle, err);
        free(err);
        struct stat st;
        cr_expect_neq(stat(at("out.h5"), &st), 0, "%s left %s behind", bad[i].args, at("out.h5"));
    }
    /* an existing --out needs --force */
    char *err = NULL;
    tu_write(at("exists.h5"), "keep me");
    cr_expect_eq(cli(NULL, &err, "import --out '%s' --layer a='%s'", at("exists.h5"), at("acts1.npy")), 2);
    cr_expect(strstr(err, "--force") != NULL, "%s", err);
    free(err);
    char *kept = tu_slurp(at("exists.h5"));
    cr_expect_str_eq(kept, "keep me");
    free(kept);
    cr_expect_eq(cli(NULL, &err, "import --out '%s' --layer a='%s' --force", at("exists.h5"), at("acts1.npy")), 0,
                 "%s", err);
    free(err);
}
