/* What survives a kill (issue 12, docs/reliability.md): a real `cogscope
 * train` is SIGKILLed at 20 seeded random points of its run; every log left
 * behind must open, hold series of consistent lengths (every step series as
 * long as the committed step count, snapshot steps among the logged steps,
 * steps consecutive), be readable by `info` and `report`, and `analyze` must
 * either succeed or say why not (exit 1 with a message), never crash or hang. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <time.h>

#include "cogscope/runlog.h"
#include "testutil.h"

extern char **environ;

#define KILLS 20
/* The run takes ~6 s of wall time here (mostly HDF5 flushes), so kills
 * between 0.1 s and 3 s land in every phase: set-up, the first flush,
 * mid-epoch, between snapshots, during evaluations. Snapshots every 500
 * steps keep each analysis short. */
#define KILL_MIN_S 0.1
#define KILL_MAX_S 3.0

TestSuite(killtest, .init = tu_dir_setup, .fini = tu_dir_teardown);

static const char *bin(void) { return getenv("COGSCOPE_BIN") ? getenv("COGSCOPE_BIN") : COGSCOPE_BIN; }

/* Start `cogscope train ... --out path`; returns its pid. */
static pid_t start_train(const char *path)
{
    char *argv[] = {(char *)bin(),  "train", "--data",    "digits", "--epochs", "300",   "--log-every", "500",
                    "--probe-size", "32",    "--threads", "1",      "--quiet",  "--out", (char *)path,  NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, bin(), &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "cannot start %s", bin());
    return pid;
}

/* The log's series agree with its committed counts. */
static void check_log(const char *path, double when)
{
    cs_runlog *r = NULL;
    cs_status st = cs_runlog_open(path, &r);
    cr_assert_eq(st, CS_OK, "killed at %.2f s: %s does not open: %s", when, path, cs_last_error());
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cr_expect(!in->live, "killed at %.2f s: the log still claims a live writer", when);
    const char *names[3] = {"step", "epoch", "loss"};
    double *step = NULL;
    for (int k = 0; k < 3; k++) {
        double *v = NULL;
        size_t n = 0;
        cr_assert_eq(cs_runlog_read_steps(r, names[k], &v, &n), CS_OK, "%s", cs_last_error());
        cr_expect_eq(n, in->steps, "killed at %.2f s: /steps/%s has %zu rows, the log %zu steps", when, names[k], n,
                     in->steps);
        if (k == 0)
            step = v;
        else
            free(v);
    }
    for (size_t i = 0; i < in->steps; i++)
        cr_expect_eq(step[i], (double)i, "killed at %.2f s: step %zu is %g", when, i, step[i]);
    double *snap = NULL;
    size_t ns = 0;
    cr_assert_eq(cs_runlog_read_snapshot_steps(r, &snap, &ns), CS_OK, "%s", cs_last_error());
    cr_expect_eq(ns, in->snapshots, "killed at %.2f s: %zu snapshot steps for %zu snapshots", when, ns,
                 in->snapshots);
    for (size_t s = 0; s < ns; s++)
        cr_expect(snap[s] >= 0 && snap[s] < (double)in->steps + 1, "killed at %.2f s: snapshot %zu at step %g of %zu",
                  when, s, snap[s], in->steps);
    double *ev = NULL;
    size_t ne = 0;
    cr_assert_eq(cs_runlog_read_eval(r, "step", &ev, &ne), CS_OK, "%s", cs_last_error());
    cr_expect_eq(ne, in->evals, "killed at %.2f s: %zu eval rows for %zu evaluations", when, ne, in->evals);
    free(step);
    free(snap);
    free(ev);
    cs_runlog_close_reader(r);
}

Test(killtest, twenty_kills_leave_twenty_readable_logs, .timeout = 900)
{
    srand(20261202); /* seeded: the same 20 kill points every run */
    size_t analysed = 0, explained = 0;
    for (int k = 0; k < KILLS; k++) {
        double when = KILL_MIN_S + (KILL_MAX_S - KILL_MIN_S) * rand() / (double)RAND_MAX;
        char path[700];
        snprintf(path, sizeof path, "%s/k%02d.h5", tu_dir, k);
        pid_t pid = start_train(path);
        struct timespec ts = {(time_t)when, (long)((when - floor(when)) * 1e9)};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        struct stat sb;
        cr_assert_eq(stat(path, &sb), 0, "killed at %.2f s: no log was created", when);
        check_log(path, when);

        char args[1600], *err = NULL;
        snprintf(args, sizeof args, "info '%s'", path);
        cr_expect_eq(tu_cli(args, NULL, &err), 0, "info, killed at %.2f s: %s", when, err ? err : "");
        free(err);
        snprintf(args, sizeof args, "report --json '%s'", path);
        cr_expect_eq(tu_cli(args, NULL, &err), 0, "report, killed at %.2f s: %s", when, err ? err : "");
        free(err);
        snprintf(args, sizeof args, "analyze '%s' --quiet --out '%s.m.h5'", path, path);
        int rc = tu_cli(args, NULL, &err);
        cr_expect(rc == 0 || (rc == 1 && err && strlen(err) > 20),
                  "analyze, killed at %.2f s: exit %d (crash or hang: -1): %s", when, rc, err ? err : "");
        analysed += rc == 0;
        explained += rc == 1;
        free(err);
        unlink(path);
        snprintf(args, sizeof args, "%s.m.h5", path);
        unlink(args);
    }
    cr_log_info("20 kills: analyze succeeded on %zu logs and explained why not on %zu", analysed, explained);
}
