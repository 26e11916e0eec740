/* The run-log writer under faults (issue 12, docs/reliability.md): a full
 * disk (a file-size limit with SIGXFSZ ignored, and a real full tmpfs where
 * the test may mount one) ends the writer with a message naming the errno,
 * no crash at exit, and a log that keeps every row of its last flush; a
 * second writer of the same file is refused while the first lives; new logs
 * keep no string in HDF5's global heap (the structure whose corruption
 * crashed HDF5 1.10.8). */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "cogscope/runlog.h"
#include "testutil.h"

TestSuite(writer_faults, .init = tu_dir_setup, .fini = tu_dir_teardown);

static const char *bin(void) { return getenv("COGSCOPE_BIN") ? getenv("COGSCOPE_BIN") : COGSCOPE_BIN; }

/* Run `cogscope ARGS` after the shell fragment `pre`; exit code or -1 (a
 * crash: main died of SIGSEGV at exit after a failed write). */
/* Shell prefix for a process whose log write fails on purpose. After the
 * failed write the writer abandons its HDF5 file (descriptor pointed at
 * /dev/null) and the io set-up's H5dont_atexit skips HDF5's exit-time clean-up,
 * which is where the crash was: HDF5's internal buffers for that file are
 * deliberately never freed. Leak detection is off for that process only;
 * every process that reads the result keeps it. */
#define FAILED_WRITE "export ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\"; "

static int run_pre(const char *pre, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run_pre(const char *pre, char **err, const char *fmt, ...)
{
    char args[2048], cmd[4096], errp[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(errp, sizeof errp, "%s/.stderr", tu_dir);
    snprintf(cmd, sizeof cmd, "%s%s timeout -s KILL 300 '%s' %s </dev/null >/dev/null 2>'%s'", pre ? pre : "",
             pre ? ";" : "", bin(), args, errp);
    int status = system(cmd);
    if (err)
        *err = tu_slurp(errp);
    unlink(errp);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) >= 124)
        return -1;
    return WEXITSTATUS(status);
}

/* A log written through the recorder in a child process whose file size is
 * limited (RLIMIT_FSIZE, SIGXFSZ ignored): `rows` step rows, a flush, then
 * 64 KB snapshots until a write fails. The child exits 0 when the writer
 * failed with a message naming the errno, 3 otherwise; a crash is a signal. */
static void write_until_full(const char *file, int rows, rlim_t limit)
{
    cs_runlog_writer *w = NULL;
    if (cs_runlog_create(file, NULL, &w))
        _exit(2);
    struct rlimit rl = {limit, limit};
    signal(SIGXFSZ, SIG_IGN);
    size_t shape[2] = {64, 256}, layer;
    cs_runlog_handle loss, act;
    if (cs_runlog_add_layer(w, "fc1", &layer) || cs_runlog_declare_series(w, "loss", CS_RUNLOG_F64, &loss) ||
        cs_runlog_declare_snapshot(w, layer, "activations", 2, shape, &act) || cs_runlog_start(w))
        _exit(2);
    for (int i = 0; i < rows; i++)
        if (cs_runlog_put(w, loss, 1.0 / (i + 1)) || cs_runlog_end_step(w, i))
            _exit(2);
    if (cs_runlog_flush(w))
        _exit(2);
    setrlimit(RLIMIT_FSIZE, &rl); /* from here on, the disk is "full" at `limit` bytes */
    static float snap[64 * 256];
    cs_status st = CS_OK;
    for (int s = 0; s < 1000 && st == CS_OK; s++) {
        for (int i = 0; i < 64 * 256; i++)
            snap[i] = (float)(s + i);
        if (!(st = cs_runlog_put_snapshot(w, act, snap)))
            st = cs_runlog_end_snapshot(w, rows + s);
        if (!st)
            st = cs_runlog_flush(w);
    }
    int named = st != CS_OK && strstr(cs_last_error(), "File too large");
    cs_runlog_close(w);
    _exit(named ? 0 : 3);
}

Test(writer_faults, a_full_disk_keeps_every_flushed_row, .timeout = 300)
{
    const int rows = 3000;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0)
        write_until_full(tu_path("full.h5"), rows, 1 << 20);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "the writer died of signal %d after the failed write",
              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    cr_expect_eq(WEXITSTATUS(status), 0, "the writer's message did not name the errno (exit %d)",
                 WEXITSTATUS(status));
    cs_runlog *r = NULL;
    cr_assert_eq(cs_runlog_open(tu_path("full.h5"), &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_geq(in->steps, (size_t)rows, "%zu of the %d flushed rows survived", in->steps, rows);
    double *loss = NULL;
    size_t n = 0;
    cr_assert_eq(cs_runlog_read_steps(r, "loss", &loss, &n), CS_OK, "%s", cs_last_error());
    for (size_t i = 0; i < n && i < (size_t)rows; i++)
        cr_expect_eq(loss[i], 1.0 / (double)(i + 1), "row %zu", i);
    free(loss);
    cs_runlog_close_reader(r);
}

Test(writer_faults, train_on_a_full_disk_fails_cleanly, .timeout = 300)
{
    char *err = NULL;
    /* 10 MB: the log fails part-way through the run */
    int rc = run_pre(FAILED_WRITE "ulimit -f 10000; trap '' XFSZ", &err,
                     "train --data digits --epochs 300 --log-every 50 --probe-size 64 --threads 1 --quiet --out '%s'",
                     tu_path("run.h5"));
    cr_expect_eq(rc, 1, "train: exit %d (a crash at exit: -1): %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "File too large") && !strstr(err, "unknown HDF5 error"), "%s", err ? err : "");
    free(err);
    rc = run_pre(NULL, &err, "info '%s'", tu_path("run.h5"));
    cr_expect_eq(rc, 0, "the log left by the failed run does not read: %s", err ? err : "");
    free(err);
    rc = run_pre(NULL, &err, "analyze '%s' --quiet", tu_path("run.h5"));
    cr_expect(rc == 0 || (rc == 1 && err && *err), "analyze: exit %d: %s", rc, err ? err : "");
    free(err);
    /* analyze itself on a full disk: exit 1 and no metrics file, no crash */
    rc = run_pre(NULL, &err, "train --data digits --epochs 2 --log-every 20 --probe-size 64 --quiet --out '%s'",
                 tu_path("ok.h5"));
    cr_assert_eq(rc, 0, "%s", err ? err : "");
    free(err);
    rc = run_pre(FAILED_WRITE "ulimit -f 40; trap '' XFSZ", &err, "analyze '%s' --quiet --out '%s'", tu_path("ok.h5"),
                 tu_path("m.h5"));
    cr_expect_eq(rc, 1, "analyze on a full disk: exit %d (crash: -1): %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "File too large"), "%s", err ? err : "");
    free(err);
    struct stat st;
    cr_expect_neq(stat(tu_path("m.h5"), &st), 0, "a partial metrics file was left");
}

Test(writer_faults, a_full_tmpfs_is_named_no_space_left, .timeout = 300)
{
    char mnt[800];
    snprintf(mnt, sizeof mnt, "%s/small", tu_dir);
    mkdir(mnt, 0755);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0)
        cr_skip_test("cannot mount a 2 MB tmpfs (needs root): the ulimit tests cover the full disk");
    char *err = NULL;
    int rc = run_pre(FAILED_WRITE "true", &err,
                     "train --data digits --epochs 300 --log-every 50 --probe-size 64 --threads 1 "
                     "--quiet --out '%s/run.h5'",
                     mnt);
    cr_expect_eq(rc, 1, "exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "No space left on device"), "%s", err ? err : "");
    free(err);
    rc = run_pre(NULL, &err, "info '%s/run.h5'", mnt);
    cr_expect_eq(rc, 0, "%s", err ? err : "");
    free(err);
    umount(mnt);
}

/* Wait (up to 60 s) until `file` is a readable live log. */
static int wait_live(const char *file)
{
    for (int i = 0; i < 600; i++) {
        cs_runlog *r = NULL;
        if (cs_runlog_open(file, &r) == CS_OK) {
            int live = cs_runlog_get_info(r)->live;
            cs_runlog_close_reader(r);
            if (live)
                return 1;
        }
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

Test(writer_faults, a_second_writer_is_refused, .timeout = 300)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "'%s' train --data digits --epochs 150 --log-every 100 --probe-size 32 --threads 1 --quiet --out "
             "'%s' >/dev/null 2>'%s' & echo $! >'%s'",
             bin(), tu_path("run.h5"), tu_path("first.err"), tu_path("first.pid"));
    cr_assert_eq(system(cmd), 0);
    cr_assert(wait_live(tu_path("run.h5")), "the first writer never made a live log");
    char *err = NULL;
    int rc = run_pre(NULL, &err, "train --data xor --epochs 1 --quiet --force --out '%s'", tu_path("run.h5"));
    cr_expect_eq(rc, 1, "second writer: exit %d: %s", rc, err ? err : "");
    cr_expect(err && strstr(err, "another process is writing this run log"), "%s", err ? err : "");
    free(err);
    char *pid = tu_slurp(tu_path("first.pid"));
    cr_assert(pid);
    /* the first run finishes untouched */
    snprintf(cmd, sizeof cmd, "while kill -0 %d 2>/dev/null; do sleep 0.2; done", atoi(pid));
    cr_expect_eq(system(cmd), 0);
    free(pid);
    cs_runlog *r = NULL;
    cr_assert_eq(cs_runlog_open(tu_path("run.h5"), &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect(!in->live && !in->interrupted, "the first run did not close its log");
    cr_expect_eq(in->steps, (size_t)(150 * 85), "the first run's log holds %zu steps", in->steps);
    cr_expect_eq(in->epochs_done, (size_t)150);
    cs_runlog_close_reader(r);
    /* and once it is done, the file can be replaced (--force) */
    rc = run_pre(NULL, &err, "train --data xor --epochs 1 --quiet --force --out '%s'", tu_path("run.h5"));
    cr_expect_eq(rc, 0, "%s", err ? err : "");
    free(err);
}

/* HDF5 1.10.8 crashed (SIGSEGV in H5HG_read) on logs whose global heap, where
 * variable-length strings live, was damaged: the writer now stores every
 * string fixed-length, so a new log has no global heap collection ("GCOL")
 * at all; damaged old logs are contained (test_reliability). */
Test(writer_faults, new_logs_keep_nothing_in_the_global_heap, .timeout = 300)
{
    char *err = NULL;
    int rc = run_pre(NULL, &err, "train --data xor --epochs 1 --quiet --out '%s'", tu_path("run.h5"));
    cr_assert_eq(rc, 0, "%s", err ? err : "");
    free(err);
    FILE *f = fopen(tu_path("run.h5"), "rb");
    cr_assert(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    int gcol = 0;
    for (long i = 0; i + 4 <= n; i++)
        gcol |= !memcmp(buf + i, "GCOL", 4);
    free(buf);
    cr_expect(!gcol, "the log holds a global heap collection (variable-length data)");
}
