/* Output files of the command line: what may be written over, writing under
 * a temporary name and renaming on success, and checked standard output
 * (cli.h). A command never leaves a partial file where its output belongs,
 * never writes over one of its own inputs, and never replaces a run log
 * unless told to (--force). */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file part of an input spec: "FILE.h5:/dataset" names FILE.h5. */
static int same_file(const struct stat *out, const char *input)
{
    char buf[4096];
    const char *colon = strstr(input, ":/");
    if (colon && (size_t)(colon - input) < sizeof buf) {
        memcpy(buf, input, (size_t)(colon - input));
        buf[colon - input] = '\0';
        input = buf;
    }
    struct stat in;
    return stat(input, &in) == 0 && in.st_dev == out->st_dev && in.st_ino == out->st_ino;
}

int cli_out_guard(const char *cmd, const char *flag, const char *path, const char *const *inputs, size_t n_inputs,
                  int force)
{
    if (!*path)
        return cli_usage_error(cmd, "%s: the file name is empty", flag);
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT ? 0 : 0; /* the write itself names any other problem */
    for (size_t i = 0; i < n_inputs; i++)
        if (inputs[i] && same_file(&st, inputs[i]))
            return cli_usage_error(cmd,
                                   "%s %s is an input of this command (%s): refusing to "
                                   "write over it",
                                   flag, path, inputs[i]);
    if (!S_ISREG(st.st_mode))
        return 0; /* /dev/stdout, a pipe: written in place, never replaced */
    int kind;
    cs_status cst = cli_h5_check(path, &kind);
    if (cst)
        return force ? 0 : cli_fail(cmd, cst);
    if (kind == CLI_H5_RUNLOG && !force)
        return cli_usage_error(cmd,
                               "%s %s is an existing run log: refusing to replace it "
                               "(give --force to replace it)",
                               flag, path);
    return 0;
}

int cli_out_open(const char *cmd, const char *path, cli_out *o)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    /* A symbolic link is followed, so the rename replaces its target, not
     * the link; /dev/stdout and /proc/self/fd/N are written in place. */
    char *real = realpath(path, NULL);
    if (real) {
        snprintf(o->real, sizeof o->real, "%s", real);
        free(real);
    } else {
        snprintf(o->real, sizeof o->real, "%s", path);
    }
    struct stat st;
    int special = !strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6) || !strncmp(o->real, "/dev/", 5) ||
                  !strncmp(o->real, "/proc/", 6);
    if (special || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
        /* A device or a pipe: renaming over it would replace the device. */
        if (!(o->f = fopen(path, "w"))) {
            fprintf(stderr, "cogscope %s: cannot write %s: %s\n", cmd, path, strerror(errno));
            return CLI_FAIL;
        }
        return 0;
    }
    if (snprintf(o->tmp, sizeof o->tmp, "%s.tmp-XXXXXX", o->real) >= (int)sizeof o->tmp) {
        fprintf(stderr, "cogscope %s: %s: file name too long\n", cmd, path);
        return CLI_FAIL;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        fprintf(stderr, "cogscope %s: cannot write %s: %s\n", cmd, path, strerror(errno));
        o->tmp[0] = '\0';
        return CLI_FAIL;
    }
    /* mkstemp makes the file 0600; give it the mode fopen would have. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    if (!(o->f = fdopen(fd, "w"))) {
        fprintf(stderr, "cogscope %s: cannot write %s: %s\n", cmd, path, strerror(errno));
        close(fd);
        unlink(o->tmp);
        o->tmp[0] = '\0';
        return CLI_FAIL;
    }
    return 0;
}

int cli_out_commit(const char *cmd, cli_out *o)
{
    errno = 0;
    int bad = fflush(o->f) != 0, err = errno;
    if (!bad && ferror(o->f))
        bad = 1, err = 0;
    if (!bad && o->tmp[0] && fsync(fileno(o->f)) != 0 && errno != EINVAL)
        bad = 1, err = errno;
    if (fclose(o->f) != 0 && !bad)
        bad = 1, err = errno;
    o->f = NULL;
    if (!bad && o->tmp[0] && rename(o->tmp, o->real) != 0)
        bad = 1, err = errno;
    if (bad) {
        fprintf(stderr, "cogscope %s: writing %s failed: %s%s\n", cmd, o->path, err ? strerror(err) : "a write error",
                o->tmp[0] ? " (the file was not changed)" : "");
        if (o->tmp[0])
            unlink(o->tmp);
        o->tmp[0] = '\0';
        return CLI_FAIL;
    }
    o->tmp[0] = '\0';
    return 0;
}

void cli_out_discard(cli_out *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp[0])
        unlink(o->tmp);
    o->tmp[0] = '\0';
}

int cli_stdout_finish(const char *cmd, int rc)
{
    errno = 0;
    int bad = fflush(stdout) != 0, err = errno;
    if (!bad && ferror(stdout))
        bad = 1, err = 0;
    if (fclose(stdout) != 0 && !bad)
        bad = 1, err = errno;
    if (!bad)
        return rc;
    fprintf(stderr, "cogscope%s%s: writing to standard output failed: %s\n", cmd ? " " : "", cmd ? cmd : "",
            err ? strerror(err) : "a write error");
    return rc ? rc : CLI_FAIL;
}
