/* Helpers shared by the Criterion tests: running the real CLI binary,
 * temporary files, reading small files, loading reference vectors.
 * Header-only so each test executable stays self-contained. */
#ifndef COGSCOPE_TESTUTIL_H
#define COGSCOPE_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read a whole file into a NUL-terminated buffer (free() it); NULL if absent. */
static inline char *tu_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf) {
        size_t got = fread(buf, 1, (size_t)n, f);
        buf[got] = '\0';
    }
    fclose(f);
    return buf;
}

/* A fresh private directory for a test's files (free() the path). */
static inline char *tu_tmpdir(void)
{
    char *tmpl = strdup("/tmp/cogscope-test-XXXXXX");
    if (!mkdtemp(tmpl)) {
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

/* dir/name in new memory (free() it). */
static inline char *tu_join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    if (p)
        sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Remove a test's directory tree; 0 on success. */
static inline int tu_rm_rf(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* A suite's private directory, made fresh for each test: pass tu_dir_setup
 * and tu_dir_teardown to TestSuite(.init, .fini); tu_path(name) is a path in
 * it (one of 8 rotating buffers, so a call may take several). */
static char *tu_dir __attribute__((unused));
static inline void tu_dir_setup(void) { tu_dir = tu_tmpdir(); }
static inline void tu_dir_teardown(void)
{
    if (tu_dir)
        tu_rm_rf(tu_dir);
    free(tu_dir);
    tu_dir = NULL;
}
static inline char *tu_path(const char *name)
{
    static _Thread_local char buf[8][1024];
    static _Thread_local int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tu_dir, name);
    return buf[k];
}

static inline void tu_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Run `cogscope ARGS` (ARGS is a shell fragment) with stdout and stderr
 * captured into *out and *err (either may be NULL; free() them). Returns the
 * exit code, or -1 if the process did not exit normally (a crash). */
static inline int tu_cli(const char *args, char **out, char **err)
{
    const char *bin = getenv("COGSCOPE_BIN");
    if (!bin)
        bin = COGSCOPE_BIN;
    char *dir = tu_tmpdir();
    if (!dir)
        return -1;
    char cmd[8192], outp[512], errp[512];
    snprintf(outp, sizeof outp, "%s/stdout", dir);
    snprintf(errp, sizeof errp, "%s/stderr", dir);
    snprintf(cmd, sizeof cmd, "'%s' %s </dev/null >'%s' 2>'%s'", bin, args, outp, errp);
    int status = system(cmd);
    if (out)
        *out = tu_slurp(outp);
    if (err)
        *err = tu_slurp(errp);
    unlink(outp);
    unlink(errp);
    rmdir(dir);
    free(dir);
    if (status == -1 || !WIFEXITED(status))
        return -1;
    int code = WEXITSTATUS(status);
    return code >= 126 ? -1 : code; /* 126/127: not runnable; >128: killed by a signal via sh */
}

/* tu_cli with printf-style arguments. */
static inline int tu_clif(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline int tu_clif(char **out, char **err, const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return tu_cli(args, out, err);
}

#endif
