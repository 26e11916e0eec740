/* `cogscope watch`: following a log while a real `cogscope train` writes it,
 * a writer killed mid-run, --once (text and JSON), bad input. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>

#include "cogscope/runlog.h"
#include "testutil.h"

static const char *bin(void)
{
    const char *b = getenv("COGSCOPE_BIN");
    return b ? b : COGSCOPE_BIN;
}

/* Start `cogscope train ...` writing `out`; returns its pid. */
static pid_t spawn_train(const char *out, int epochs)
{
    char ep[16];
    snprintf(ep, sizeof ep, "%d", epochs);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(bin(), bin(), "train", "--data", "digits", "--rule", "bp", "--layers", "64,100,10", "--epochs", ep,
              "--seed", "5", "--threads", "1", "--quiet", "--out", out, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Parse "STATUS step N ..." lines; returns the number of lines. */
static size_t parse_lines(const char *text, char status[][16], long *steps, size_t max)
{
    size_t n = 0;
    const char *p = text;
    while (p && *p && n < max) {
        long s = -2;
        if (sscanf(p, "%15s step %ld", status[n], &s) == 2)
            steps[n++] = s;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return n;
}

Test(watch, follows_a_live_training_run_to_its_end, .timeout = 300)
{
    char *dir = tu_tmpdir(), path[512], cmd[1024], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/live.h5", dir);
    pid_t pid = spawn_train(path, 120);
    /* Watch starts before the file exists: --wait covers the creation. */
    snprintf(cmd, sizeof cmd, "watch %s --wait 60 --interval 0.1", path);
    int rc = tu_cli(cmd, &out, &err);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "train failed");
    cr_assert_eq(rc, 0, "watch exit %d: %s", rc, err);
    char st[256][16];
    long steps[256];
    size_t n = parse_lines(out, st, steps, 256);
    cr_assert_geq(n, 2, "watch printed %zu lines:\n%s", n, out);
    /* Not a terminal: one plain line per refresh that saw new steps, steps
     * never going back, the last line the finished run. */
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        live += !strcmp(st[i], "live");
        if (i)
            cr_expect_geq(steps[i], steps[i - 1], "line %zu: step %ld after %ld", i, steps[i], steps[i - 1]);
    }
    cr_expect_geq(live, 1, "watch never saw the run live:\n%s", out);
    cr_expect_str_eq(st[n - 1], "finished");
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect_eq(steps[n - 1], (long)in->steps - 1, "last line step %ld, log has %zu steps", steps[n - 1], in->steps);
    cr_expect_eq(in->live, 0);
    cs_runlog_close_reader(r);
    cr_expect(strstr(out, "pi ") != NULL);
    free(out);
    free(err);

    /* --once on the finished run: one line; --json: the state as JSON. */
    snprintf(cmd, sizeof cmd, "watch %s --once", path);
    cr_assert_eq(tu_cli(cmd, &out, &err), 0, "%s", err);
    cr_expect_eq(parse_lines(out, st, steps, 256), 1, "%s", out);
    cr_expect_str_eq(st[0], "finished");
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "watch %s --once --json", path);
    cr_assert_eq(tu_cli(cmd, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"status\":\"finished\"") && strstr(out, "\"test_acc\":") && strstr(out, "\"pi\":"), "%s",
              out);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

Test(watch, ends_when_the_writer_is_killed, .timeout = 300)
{
    char *dir = tu_tmpdir(), path[512], cmd[1024], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/killed.h5", dir);
    pid_t pid = spawn_train(path, 100000);
    /* Wait until the log holds some flushed steps, then kill the writer. */
    int ready = 0;
    for (int i = 0; i < 600 && !ready; i++) {
        sleep_ms(100);
        cs_runlog *r;
        if (cs_runlog_open(path, &r) == CS_OK) {
            ready = cs_runlog_get_info(r)->steps > 0;
            cs_runlog_close_reader(r);
        }
    }
    cr_assert(ready, "the training run never flushed a step");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    snprintf(cmd, sizeof cmd, "watch %s --interval 0.1", path);
    cr_assert_eq(tu_cli(cmd, &out, &err), 0, "%s", err);
    char st[64][16];
    long steps[64];
    size_t n = parse_lines(out, st, steps, 64);
    cr_assert_geq(n, 1, "%s", out);
    cr_expect_str_eq(st[n - 1], "interrupted", "%s", out);
    cr_expect_geq(steps[n - 1], 0);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

Test(watch, bad_input_and_usage)
{
    char *dir = tu_tmpdir(), path[512], cmd[1024], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/t.txt", dir);
    tu_write(path, "not a log\n");
    snprintf(cmd, sizeof cmd, "watch %s --once", path);
    cr_expect_eq(tu_cli(cmd, &out, &err), 1);
    cr_expect(strstr(err, path) != NULL, "%s", err);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "watch %s/missing.h5 --once", dir);
    cr_expect_eq(tu_cli(cmd, &out, &err), 1);
    free(out);
    free(err);
    /* --wait gives up after its time */
    snprintf(cmd, sizeof cmd, "watch %s/missing.h5 --wait 0.3 --interval 0.1", dir);
    cr_expect_eq(tu_cli(cmd, &out, &err), 1);
    free(out);
    free(err);
    const char *usage[] = {"watch",           "watch a.h5 --json",    "watch a.h5 --interval 0", "watch a.h5 --bogus",
                           "watch a.h5 b.h5", "watch a.h5 --interval"};
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        cr_expect_eq(tu_cli(usage[i], &out, &err), 2, "'%s': %s", usage[i], err);
        free(out);
        free(err);
    }
    cr_expect_eq(tu_cli("watch --help", &out, &err), 0);
    cr_expect(strstr(out, "--once") != NULL);
    free(out);
    free(err);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}
