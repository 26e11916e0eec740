/* Reliability of the command line against bad input (issue 12): each test
 * reproduces one defect found by the hostile-input campaign and checks the
 * fix — bounded column lists, no hang in the PCA eigensolver, no file removed
 * or written over that the command did not create, no partial outputs,
 * checked standard output, damaged HDF5 files contained, clear messages, and
 * strings from files escaped in HTML and JSON. docs/reliability.md lists
 * every promise and its test. Commands run under `timeout`, so a hang fails
 * the test instead of stalling the suite. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <sys/stat.h>

#include <hdf5.h>

#include "cogscope/observe.h"
#include "testutil.h"

TestSuite(reliability, .init = tu_dir_setup, .fini = tu_dir_teardown);

/* Run `cogscope ARGS` under `timeout SECS`, after the shell fragment `pre`
 * (e.g. "ulimit -f 64; trap '' XFSZ"; NULL for none). Returns the exit code,
 * or -1 after a crash or a timeout; *out and *err get stdout and stderr. */
static int run_in(const char *pre, int secs, char **out, char **err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int run_in(const char *pre, int secs, char **out, char **err, const char *fmt, ...)
{
    char args[4096], cmd[8192], outp[800], errp[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    const char *bin = getenv("COGSCOPE_BIN") ? getenv("COGSCOPE_BIN") : COGSCOPE_BIN;
    snprintf(outp, sizeof outp, "%s/.stdout", tu_dir);
    snprintf(errp, sizeof errp, "%s/.stderr", tu_dir);
    snprintf(cmd, sizeof cmd, "%s%s timeout -s KILL %d '%s' %s </dev/null >'%s' 2>'%s'", pre ? pre : "",
             pre ? ";" : "", secs, bin, args, outp, errp);
    int status = system(cmd);
    if (out)
        *out = tu_slurp(outp);
    if (err)
        *err = tu_slurp(errp);
    unlink(outp);
    unlink(errp);
    if (status == -1 || !WIFEXITED(status))
        return -1;
    int code = WEXITSTATUS(status);
    return code >= 124 ? -1 : code; /* 124-127 timeout/not runnable, >128 a signal */
}

#define RUN(secs, out, err, ...) run_in(NULL, secs, out, err, __VA_ARGS__)

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* A Gaussian table, n rows x 4 columns (seeded). */
static void write_table(const char *file, size_t n)
{
    FILE *f = fopen(file, "w");
    cr_assert(f);
    srand(7);
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < 4; j++)
            fprintf(f, "%s%.6f", j ? " " : "", (double)rand() / RAND_MAX - 0.5 + 0.1 * j);
        fputc('\n', f);
    }
    fclose(f);
}

/* A small finished run log (xor, 1 epoch). */
static void train_small(const char *out)
{
    char *err = NULL;
    int rc = RUN(120, NULL, &err,
                 "train --data xor --epochs 1 --layers 2,8,2 --probe-size 16 --quiet "
                 "--out '%s'",
                 out);
    cr_assert_eq(rc, 0, "train: %s", err ? err : "");
    free(err);
}

/* ---- column lists ------------------------------------------------------- */

Test(reliability, column_numbers_that_overflow_are_usage_errors, .timeout = 120)
{
    write_table(tu_path("t.txt"), 50);
    const char *lists[] = {"18446744073709551615", "99999999999999999999999",
                           "18446744073709551614-18446744073709551615", "0-4294967296"};
    for (size_t i = 0; i < 4; i++) {
        char *err = NULL;
        int rc = RUN(20, NULL, &err, "estimate tc --input '%s' --x %s --estimator gaussian", tu_path("t.txt"),
                     lists[i]);
        cr_expect_eq(rc, 2, "--x %s: exit %d (a hang or crash is -1): %s", lists[i], rc, err ? err : "");
        cr_expect(err && strstr(err, "out of range"), "--x %s: %s", lists[i], err ? err : "");
        free(err);
    }
}

Test(reliability, a_column_list_longer_than_the_table_fails_at_once, .timeout = 120)
{
    write_table(tu_path("t.txt"), 50);
    char *err = NULL;
    int rc = RUN(20, NULL, &err, "estimate tc --input '%s' --x 0-1000000 --estimator gaussian", tu_path("t.txt"));
    cr_expect_eq(rc, 1, "exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "column 4 is out of range (the data has 4 columns: 0-3)"), "%s", err ? err : "");
    free(err);
    rc = RUN(20, NULL, &err, "estimate oinfo --input '%s' --x 0-3,1 --estimator gaussian", tu_path("t.txt"));
    cr_expect_eq(rc, 2);
    cr_expect(err && strstr(err, "column 1 is listed twice"), "%s", err ? err : "");
    free(err);
}

/* ---- the PCA eigensolver ------------------------------------------------- */

Test(reliability, analyze_returns_on_a_run_that_overflowed, .timeout = 300)
{
    char *err = NULL;
    int rc = RUN(120, NULL, &err, "train --data digits --rule ep --lr 1e308 --epochs 1 --quiet --out '%s'",
                 tu_path("ep.h5"));
    cr_assert(rc == 0 || rc == 1, "train: exit %d: %s", rc, err ? err : "");
    free(err);
    if (!exists(tu_path("ep.h5")))
        cr_skip_test("train left no log");
    /* main looped forever in gsl_eigen_symmv on this run's covariance */
    rc = RUN(200, NULL, &err, "analyze '%s' --out '%s' --quiet", tu_path("ep.h5"), tu_path("ep.m.h5"));
    cr_expect(rc == 0 || rc == 1, "analyze: exit %d (hang or crash: -1): %s", rc, err ? err : "");
    free(err);
}

/* ---- files the command did not create ------------------------------------ */

Test(reliability, train_never_removes_or_truncates_what_it_did_not_create, .timeout = 300)
{
    char *err = NULL;
    /* A FIFO stands in for /dev/null: main removed it when set-up failed. */
    cr_assert_eq(mkfifo(tu_path("fifo"), 0644), 0);
    int rc = RUN(60, NULL, &err, "train --data xor --epochs 1 --out '%s' --force", tu_path("fifo"));
    cr_expect_eq(rc, 2, "exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "not a regular file"), "%s", err ? err : "");
    cr_expect(exists(tu_path("fifo")), "train removed the FIFO it was given as --out");
    free(err);

    tu_write(tu_path("notes.txt"), "precious\n");
    rc = RUN(60, NULL, &err, "train --data xor --epochs 1 --out '%s'", tu_path("notes.txt"));
    cr_expect_eq(rc, 2, "exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "--force"), "%s", err ? err : "");
    char *kept = tu_slurp(tu_path("notes.txt"));
    cr_expect(kept && !strcmp(kept, "precious\n"), "an existing file was changed");
    free(kept);
    free(err);

    rc = RUN(60, NULL, &err, "train --data xor --epochs 1 --out ''");
    cr_expect_eq(rc, 2, "--out '': exit %d: %s", rc, err ? err : "");
    free(err);

    /* --force replaces a run log. */
    train_small(tu_path("run.h5"));
    rc = RUN(120, NULL, &err, "train --data xor --epochs 1 --quiet --out '%s'", tu_path("run.h5"));
    cr_expect_eq(rc, 2);
    free(err);
    rc = RUN(120, NULL, &err, "train --data xor --epochs 1 --quiet --force --out '%s'", tu_path("run.h5"));
    cr_expect_eq(rc, 0, "%s", err ? err : "");
    free(err);
}

Test(reliability, no_command_writes_over_its_input, .timeout = 300)
{
    char *err = NULL;
    train_small(tu_path("run.h5"));
    train_small(tu_path("other.h5"));
    struct stat before, after;
    cr_assert_eq(stat(tu_path("run.h5"), &before), 0);

    int rc = RUN(60, NULL, &err, "report '%s' -o '%s'", tu_path("run.h5"), tu_path("run.h5"));
    cr_expect_eq(rc, 2, "report -o RUN: exit %d: %s", rc, err ? err : "");
    free(err);
    rc = RUN(60, NULL, &err, "report '%s' --format html -o '%s'", tu_path("run.h5"), tu_path("other.h5"));
    cr_expect_eq(rc, 2, "report -o OTHER_RUN: exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "--force"), "%s", err ? err : "");
    free(err);
    rc = RUN(120, NULL, &err, "analyze '%s' --metrics sigmapi --quiet --out '%s'", tu_path("run.h5"),
             tu_path("other.h5"));
    cr_expect_eq(rc, 2, "analyze --out OTHER_RUN: exit %d: %s", rc, err ? err : "");
    free(err);
    cr_assert_eq(stat(tu_path("run.h5"), &after), 0);
    cr_expect_eq(before.st_size, after.st_size);
    cr_expect_eq(RUN(60, NULL, NULL, "info '%s'", tu_path("run.h5")), 0, "the run log was damaged");
    cr_expect_eq(RUN(60, NULL, NULL, "info '%s'", tu_path("other.h5")), 0, "the other log was damaged");
    rc = RUN(60, NULL, &err, "report '%s' -o '%s' --force", tu_path("run.h5"), tu_path("other.h5"));
    cr_expect_eq(rc, 0, "--force: %s", err ? err : "");
    free(err);

    /* train --out onto its --data CSV, even with --force */
    tu_write(tu_path("d.csv"), "0,0,0\n0,1,1\n1,0,1\n1,1,0\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
    rc = RUN(60, NULL, &err, "train --data '%s' --epochs 1 --force --out '%s'", tu_path("d.csv"), tu_path("d.csv"));
    cr_expect_eq(rc, 2, "train --out DATA: exit %d: %s", rc, err ? err : "");
    free(err);
    char *csv = tu_slurp(tu_path("d.csv"));
    cr_expect(csv && !strncmp(csv, "0,0,0\n", 6), "the dataset was overwritten");
    free(csv);

    /* estimate --local onto its input */
    write_table(tu_path("t.txt"), 50);
    char *t0 = tu_slurp(tu_path("t.txt"));
    rc = RUN(60, NULL, &err, "estimate mi --input '%s' --x 0 --y 1 --estimator gaussian --local '%s'",
             tu_path("t.txt"), tu_path("t.txt"));
    cr_expect_eq(rc, 2, "estimate --local INPUT: exit %d: %s", rc, err ? err : "");
    free(err);
    char *t1 = tu_slurp(tu_path("t.txt"));
    cr_expect(t0 && t1 && !strcmp(t0, t1), "the input table was overwritten");
    free(t0);
    free(t1);
}

/* ---- partial outputs and standard output -------------------------------- */

Test(reliability, a_failed_write_to_stdout_exits_1, .timeout = 120)
{
    write_table(tu_path("t.txt"), 50);
    char *err = NULL;
    char cmd[2048];
    const char *bin = getenv("COGSCOPE_BIN") ? getenv("COGSCOPE_BIN") : COGSCOPE_BIN;
    snprintf(cmd, sizeof cmd,
             "'%s' estimate mi --input '%s' --x 0 --y 1 --estimator gaussian --json "
             ">/dev/full 2>'%s'",
             bin, tu_path("t.txt"), tu_path("err.txt"));
    int status = system(cmd);
    err = tu_slurp(tu_path("err.txt"));
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1, "exit status %d: %s", status, err ? err : "");
    cr_expect(err && strstr(err, "No space left on device"), "%s", err ? err : "");
    free(err);
}

/* A file-size limit (ulimit -f, SIGXFSZ ignored) makes writes fail like a
 * full disk, without root or a small file system. */
#define FULL_DISK "ulimit -f 16; trap '' XFSZ"

Test(reliability, outputs_are_complete_or_absent, .timeout = 300)
{
    char *err = NULL;
    train_small(tu_path("run.h5"));
    int rc = run_in(FULL_DISK, 60, NULL, &err, "report '%s' --format html -o '%s'", tu_path("run.h5"),
                    tu_path("r.html"));
    cr_expect_eq(rc, 1, "report on a full disk: exit %d: %s", rc, err ? err : "");
    cr_expect(!exists(tu_path("r.html")), "a partial report was left behind");
    free(err);
    char *ls = NULL;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -c tmp >'%s/.n'", tu_dir, tu_dir);
    cr_expect_neq(system(cmd), -1);
    snprintf(cmd, sizeof cmd, "%s/.n", tu_dir);
    ls = tu_slurp(cmd);
    cr_expect(ls && atoi(ls) == 0, "temporary files left: %s", ls ? ls : "?");
    free(ls);

    /* estimate --local: 200000 values do not fit in 16 blocks */
    FILE *f = fopen(tu_path("big.txt"), "w");
    for (int i = 0; i < 20000; i++)
        fprintf(f, "%d %d\n", i % 7, (i * 3) % 5);
    fclose(f);
    rc = run_in(FULL_DISK, 60, NULL, &err, "estimate mi --input '%s' --x 0 --y 1 --estimator discrete --local '%s'",
                tu_path("big.txt"), tu_path("loc.txt"));
    cr_expect_eq(rc, 1, "--local on a full disk: exit %d: %s", rc, err ? err : "");
    cr_expect(!exists(tu_path("loc.txt")), "a partial --local file was left behind");
    free(err);

    /* stdout redirected to a file on a full disk */
    const char *bin = getenv("COGSCOPE_BIN") ? getenv("COGSCOPE_BIN") : COGSCOPE_BIN;
    snprintf(cmd, sizeof cmd, FULL_DISK "; '%s' report '%s' --format html >'%s' 2>'%s'", bin, tu_path("run.h5"),
             tu_path("r2.html"), tu_path("err.txt"));
    int status = system(cmd);
    err = tu_slurp(tu_path("err.txt"));
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1, "stdout on a full disk: status %d: %s", status,
              err ? err : "");
    cr_expect(err && strstr(err, "standard output"), "%s", err ? err : "");
    free(err);
}

/* ---- damaged HDF5 files --------------------------------------------------- */

/* Two copies of a small v1 run log with bytes of the global heap changed
 * (found by the mutation campaign): HDF5 1.10.8 crashes with SIGSEGV in
 * H5HG_read on the first and loops forever in it on the second. */
#define DAMAGED_SEGV COGSCOPE_TEST_DATA "/damaged/gheap_segv.h5"
#define DAMAGED_LOOP COGSCOPE_TEST_DATA "/damaged/gheap_loop.h5"

Test(reliability, a_damaged_log_is_reported_not_crashed_on, .timeout = 300)
{
    const char *cmds[] = {"info",          "report",       "report --format html",
                          "report --json", "watch --once", "analyze --quiet --out"};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        char *err = NULL;
        int analyze = !strncmp(cmds[i], "analyze", 7);
        int rc = analyze ? RUN(60, NULL, &err, "analyze '%s' --quiet --out '%s'", DAMAGED_SEGV, tu_path("m.h5"))
                         : RUN(60, NULL, &err, "%s '%s'", cmds[i], DAMAGED_SEGV);
        cr_expect_eq(rc, 1, "%s: exit %d (crash: -1): %s", cmds[i], rc, err ? err : "");
        cr_expect(err && strstr(err, "gheap_segv.h5: the file is damaged"), "%s: %s", cmds[i], err ? err : "");
        free(err);
    }
    char *err = NULL;
    int rc = RUN(60, NULL, &err, "estimate entropy --input '%s:/probe/inputs' --x 0 --estimator gaussian",
                 DAMAGED_SEGV);
    cr_expect(rc == 1, "estimate: exit %d: %s", rc, err ? err : "");
    free(err);
    rc = RUN(60, NULL, &err, "import --out '%s' --layer fc1='%s:/layers/1/activations'", tu_path("imp.h5"),
             DAMAGED_SEGV);
    cr_expect(rc == 1 && err && strstr(err, "the file is damaged"), "import: exit %d: %s", rc, err ? err : "");
    free(err);
    rc = RUN(60, NULL, &err, "info '%s'", DAMAGED_LOOP);
    cr_expect_eq(rc, 1, "a heap that loops: exit %d (hang: -1): %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "did not finish"), "%s", err ? err : "");
    free(err);
}

/* ---- messages --------------------------------------------------------------- */

Test(reliability, too_few_samples_are_named, .timeout = 120)
{
    write_table(tu_path("t3.txt"), 3);
    char *err = NULL;
    int rc = RUN(20, NULL, &err, "estimate tc --input '%s' --x 0-3 --estimator gaussian", tu_path("t3.txt"));
    cr_expect_eq(rc, 1);
    cr_expect(err && strstr(err, "too few samples (3)"), "%s", err ? err : "");
    free(err);
    rc = RUN(20, NULL, &err, "estimate cmi --input '%s' --x 0 --y 1 --z 2 --estimator gaussian", tu_path("t3.txt"));
    cr_expect_eq(rc, 1);
    cr_expect(err && strstr(err, "too few samples (3)"), "%s", err ? err : "");
    free(err);
}

Test(reliability, coherence_of_a_constant_column_is_not_a_silent_nan, .timeout = 120)
{
    FILE *f = fopen(tu_path("c.txt"), "w");
    for (int i = 0; i < 256; i++)
        fprintf(f, "%.6f 5\n", sin(0.3 * i) + 0.01 * (i % 7));
    fclose(f);
    char *out = NULL, *err = NULL;
    int rc = RUN(20, &out, &err, "estimate coherence --input '%s' --x 0 --y 1 --fs 1 --nperseg 64", tu_path("c.txt"));
    cr_expect_eq(rc, 1, "exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "coherence of columns 0 and 1 is undefined"), "%s", err ? err : "");
    cr_expect(!out || !strstr(out, "nan"), "%s", out ? out : "");
    free(out);
    free(err);
}

Test(reliability, data_faults_name_the_data, .timeout = 300)
{
    char *err = NULL;
    tu_write(tu_path("lab.csv"), "0.1,0.2,0\n0.3,0.1,1\n0.2,0.5,999999\n0.4,0.3,1\n0.5,0.1,0\n0.1,0.9,1\n"
                                 "0.2,0.2,0\n0.7,0.3,1\n");
    int rc = RUN(60, NULL, &err, "train --data '%s' --epochs 1 --quiet", tu_path("lab.csv"));
    cr_expect_eq(rc, 1, "exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "label 999999 makes 1000000 classes"), "%s", err ? err : "");
    free(err);
    /* 1e300 is Inf as float32: the data, not --lr, is the culprit */
    char csv[4096] = "";
    for (int i = 0; i < 8; i++)
        snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "%s,0.2,%d\n", i == 2 || i == 7 ? "1e300" : "0.1",
                 i % 2);
    tu_write(tu_path("big.csv"), csv);
    rc = RUN(60, NULL, &err, "train --data '%s' --epochs 1 --quiet", tu_path("big.csv"));
    cr_expect_eq(rc, 1, "exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "is Inf as float32") && !strstr(err, "--lr"), "%s", err ? err : "");
    free(err);
}

Test(reliability, a_dataset_too_large_to_read_is_named, .timeout = 120)
{
    hid_t f = H5Fcreate(tu_path("huge.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {(hsize_t)1 << 60}, maxd[1] = {H5S_UNLIMITED}, chunk[1] = {16};
    hid_t sp = H5Screate_simple(1, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, chunk);
    hid_t d = H5Dcreate2(f, "big", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    cr_assert(d >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Fclose(f);
    char *err = NULL;
    int rc = RUN(60, NULL, &err, "estimate psd --input '%s:/big' --fs 1", tu_path("huge.h5"));
    cr_expect_eq(rc, 1, "exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "huge.h5:/big"), "the message does not name the dataset: %s", err ? err : "");
    free(err);
}

/* Overwrite a 1-D dataset of a closed log with `v` (n elements of `type`). */
static void rewrite(const char *file, const char *dset, hid_t type, const void *v)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert(f >= 0);
    hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
    cr_assert(d >= 0);
    cr_assert(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Fclose(f);
}

static size_t extent(const char *file, const char *dset)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, dset, H5P_DEFAULT), s = H5Dget_space(d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(s, &n, NULL);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
    return (size_t)n;
}

Test(reliability, out_of_range_labels_and_decreasing_epochs_are_noted, .timeout = 300)
{
    char *err = NULL, *out = NULL;
    int rc = RUN(120, NULL, &err, "train --data xor --epochs 3 --layers 2,8,2 --probe-size 16 --quiet --out '%s'",
                 tu_path("run.h5"));
    cr_assert_eq(rc, 0, "%s", err ? err : "");
    free(err);
    size_t n = extent(tu_path("run.h5"), "/probe/labels"), ns = extent(tu_path("run.h5"), "/steps/epoch");
    int32_t *lab = calloc(n, sizeof *lab);
    for (size_t i = 0; i < n; i++)
        lab[i] = (int32_t)(i % 2);
    lab[3] = 99;
    rewrite(tu_path("run.h5"), "/probe/labels", H5T_NATIVE_INT32, lab);
    free(lab);
    int64_t *ep = calloc(ns, sizeof *ep);
    for (size_t i = 0; i < ns; i++)
        ep[i] = (int64_t)(3 * i / ns);
    ep[ns - 1] = 0;
    rewrite(tu_path("run.h5"), "/steps/epoch", H5T_NATIVE_INT64, ep);
    free(ep);
    rc = RUN(120, NULL, &err, "analyze '%s' --quiet", tu_path("run.h5"));
    cr_expect_eq(rc, 0, "%s", err ? err : "");
    free(err);
    rc = RUN(60, &out, &err, "report '%s'", tu_path("run.h5"));
    cr_expect_eq(rc, 0, "%s", err ? err : "");
    cr_expect(out && strstr(out, "/steps/epoch decreases 1 time"), "%s", out ? out : "");
    cr_expect(out && strstr(out, "probe labels are outside the 2 classes"), "%s", out ? out : "");
    free(out);
    free(err);
}

/* ---- strings from files in HTML and JSON ---------------------------------- */

/* Set a variable-length string attribute (the form h5py writes). */
static void put_attr(const char *file, const char *obj, const char *name, const char *value)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert(f >= 0);
    hid_t o = H5Oopen(f, obj, H5P_DEFAULT);
    if (H5Aexists(o, name) > 0)
        H5Adelete(o, name);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t s = H5Screate(H5S_SCALAR), a = H5Acreate2(o, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(a >= 0);
    cr_assert(H5Awrite(a, t, &value) >= 0);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    H5Oclose(o);
    H5Fclose(f);
}

/* Markup that runs script if it reaches the page unescaped; a script that
 * runs sets data-x/-y/-z="pwned" on <html> (the word is split in the source,
 * so it appears whole in the page only if a script ran). */
static const char *const PAYLOAD =
    "<script>document.documentElement.setAttribute('data-x','pw'+'ned')</script>"
    "<img src=x onerror=\"document.documentElement.setAttribute('data-y','pw'+'ned')\">"
    "'\"><svg onload=document.documentElement.setAttribute('data-z','pw'+'ned')>\x01\xff";

static void hostile_log(const char *file)
{
    train_small(file);
    put_attr(file, "/config", "dataset", PAYLOAD);
    put_attr(file, "/config", "rule", PAYLOAD);
    put_attr(file, "/", "cogscope_version", PAYLOAD);
    put_attr(file, "/", "created", PAYLOAD);
}

static int have_chromium(void) { return system("command -v chromium >/dev/null 2>&1") == 0; }

Test(reliability, strings_from_a_log_run_no_script_in_the_html_report, .timeout = 600)
{
    hostile_log(tu_path("evil.h5"));
    char *err = NULL;
    int rc = RUN(60, NULL, &err, "report '%s' --format html -o '%s'", tu_path("evil.h5"), tu_path("evil.html"));
    cr_assert_eq(rc, 0, "%s", err ? err : "");
    free(err);
    char *html = tu_slurp(tu_path("evil.html"));
    cr_assert(html);
    cr_expect(!strstr(html, "<script") && !strstr(html, "<img") && !strstr(html, "<svg onload"),
              "markup from the file reached the page unescaped");
    cr_expect(strstr(html, "&lt;script&gt;"), "the payload is not shown as text");
    free(html);
    if (!have_chromium())
        cr_skip_test("chromium is not installed (tools/deps.sh test installs it): the page was not run");
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && timeout 300 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage "
             "--no-first-run --user-data-dir='%s/chrome' --virtual-time-budget=2000 --dump-dom 'file://%s' "
             ">'%s' 2>'%s/chrome.log'",
             tu_dir, tu_dir, tu_path("evil.html"), tu_path("dom.html"), tu_dir);
    rc = system(cmd);
    cr_assert_eq(rc, 0, "chromium failed (exit %d); see %s/chrome.log", rc, tu_dir);
    char *dom = tu_slurp(tu_path("dom.html"));
    cr_assert(dom && strstr(dom, "cogscope report"), "chromium rendered no page");
    cr_expect(!strstr(dom, "pwned"), "a script from the run log ran in the page");
    free(dom);
}

Test(reliability, strings_from_a_log_are_valid_json, .timeout = 300)
{
    hostile_log(tu_path("evil.h5"));
    char *out = NULL, *err = NULL;
    int rc = RUN(60, &out, &err, "report '%s' --json", tu_path("evil.h5"));
    cr_assert_eq(rc, 0, "%s", err ? err : "");
    cr_assert(out);
    /* The payload's quote, control byte and non-UTF-8 byte, escaped. */
    cr_expect(strstr(out, "'\\\"><svg onload"), "the quote is not escaped: %s", out);
    cr_expect(strstr(out, "\\u0001\\ufffd"), "control / non-UTF-8 bytes not escaped: %s", out);
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        cr_expect(*p >= 0x20 || *p == '\n', "raw control byte 0x%02x in the JSON", *p);
    free(out);
    free(err);
}

/* ---- log size ------------------------------------------------------------ */

Test(reliability, max_log_size_bounds_the_log_and_says_so, .timeout = 300)
{
    char *out = NULL, *err = NULL;
    int rc = RUN(200, &out, &err,
                 "train --data digits --epochs 30 --log-every 20 --probe-size 32 --max-log-size 1M "
                 "--json --out '%s'",
                 tu_path("run.h5"));
    cr_assert_eq(rc, 0, "%s", err ? err : "");
    struct stat st;
    cr_assert_eq(stat(tu_path("run.h5"), &st), 0);
    /* the bound is on the data written; HDF5's own metadata adds a little */
    cr_expect_lt(st.st_size, (1 << 20) + (64 << 10), "the log holds %lld bytes", (long long)st.st_size);
    cr_expect(out && strstr(out, "\"log_limited_at_step\":") && !strstr(out, "\"log_limited_at_step\":null"), "%s",
              out ? out : "");
    cr_expect(err && strstr(err, "reached --max-log-size 1 MB"), "%s", err ? err : "");
    free(out);
    free(err);
    cr_expect_eq(RUN(60, NULL, NULL, "info '%s'", tu_path("run.h5")), 0, "the limited log does not read");
    /* --epochs 1000000: the projection is announced at the first step */
    rc = RUN(4, NULL, &err, "train --data digits --epochs 1000000 --log-every 1000000000 --quiet --out '%s'",
             tu_path("long.h5"));
    cr_expect(err && strstr(err, "the run log will hold about"), "exit %d: %s", rc, err ? err : "");
    free(err);
}

/* A long run's analysis has hundreds of notes; written as one fixed-length
 * string attribute they pass HDF5's 64 KB limit for compact attributes, and
 * main failed with "cannot write the metrics file (disk full?)". */
Test(reliability, a_metrics_file_holds_thousands_of_notes, .timeout = 120)
{
    cs_metrics *m = NULL, *back = NULL;
    cr_assert_eq(cs_metrics_create(&m), CS_OK);
    for (int i = 0; i < 2000; i++)
        cr_assert_eq(cs_metrics_add_note(m,
                                         "layer 1 snapshot %d (step %d): PhiID: the covariance of the "
                                         "units used is singular (a note of about 100 characters)",
                                         i, 20 * i),
                     CS_OK);
    cs_status st = cs_metrics_write(m, tu_path("m.h5"));
    cr_assert_eq(st, CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_metrics_read(tu_path("m.h5"), &back), CS_OK, "%s", cs_last_error());
    cr_expect_eq(cs_metrics_note_count(back), 2000);
    cr_expect(strstr(cs_metrics_note(back, 1999), "snapshot 1999 (step 39980)"), "%s", cs_metrics_note(back, 1999));
    cs_metrics_destroy(m);
    cs_metrics_destroy(back);
}
