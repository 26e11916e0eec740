/* Shared command-line helpers. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "cogscope %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'cogscope %s --help'.\n", cmd);
    return CLI_USAGE;
}

int cli_fail(const char *cmd, cs_status st)
{
    const char *msg = cs_last_error();
    fprintf(stderr, "cogscope %s: %s\n", cmd, *msg ? msg : cs_strerror(st));
    return CLI_FAIL;
}

int cli_getopt_error(const char *cmd, int argc, char **argv, int ret)
{
    const char *arg = (optind - 1 >= 0 && optind - 1 < argc) ? argv[optind - 1] : "?";
    if (ret == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", arg);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

void cli_getopt_reset(void)
{
    optind = 0; /* 0 makes glibc re-initialise its internal state */
    opterr = 0;
}

int cli_getopt(const char *cmd, int argc, char **argv, const struct option *longopts, cli_option_fn on_option,
               void *ctx)
{
    cli_getopt_reset();
    int c;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        int rc = c == '?' || c == ':' ? -1 : on_option(cmd, c, optarg, ctx);
        if (rc < 0)
            return cli_getopt_error(cmd, argc, argv, c);
        if (rc)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cli_parse_double(const char *cmd, const char *flag, const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !isfinite(v))
        return cli_usage_error(cmd, "%s: '%s' is not a finite number", flag, text);
    *out = v;
    return 0;
}

int cli_parse_int(const char *cmd, const char *flag, const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno == ERANGE)
        return cli_usage_error(cmd, "%s: '%s' is not an integer", flag, text);
    if (v < min || v > max)
        return cli_usage_error(cmd, "%s: %ld is outside [%ld, %ld]", flag, v, min, max);
    *out = v;
    return 0;
}

int cli_parse_threads(const char *cmd, const char *text, long *out)
{
    return cli_parse_int(cmd, "--threads", text, 0, CLI_MAX_THREADS, out);
}

int cli_parse_u64(const char *cmd, const char *flag, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*text == '-')
        return cli_usage_error(cmd, "%s: '%s' must not be negative", flag, text);
    unsigned long long v = strtoull(text, &end, 10);
    if (end == text || *end || errno == ERANGE)
        return cli_usage_error(cmd, "%s: '%s' is not a non-negative integer", flag, text);
    *out = v;
    return 0;
}

int cli_parse_bytes(const char *cmd, const char *flag, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    double mult = 1;
    switch (*end) {
    case 'K':
    case 'k': mult = 1024.0, end++; break;
    case 'M':
    case 'm': mult = 1024.0 * 1024, end++; break;
    case 'G':
    case 'g': mult = 1024.0 * 1024 * 1024, end++; break;
    case 'T':
    case 't': mult = 1024.0 * 1024 * 1024 * 1024, end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (end == text || *end || errno == ERANGE || !(v > 0) || !(v * mult < 1.8e19))
        return cli_usage_error(cmd, "%s: '%s' is not a size like 500M, 20G or 1T", flag, text);
    *out = (uint64_t)(v * mult);
    return 0;
}

void cli_format_bytes(uint64_t bytes, char *buf, size_t n)
{
    const char *unit[] = {"bytes", "KB", "MB", "GB", "TB", "PB"};
    double v = (double)bytes;
    int k = 0;
    while (v >= 1024 && k < 5)
        v /= 1024, k++;
    snprintf(buf, n, k ? "%.3g %s" : "%.0f %s", v, unit[k]);
}

int cli_parse_units(const char *cmd, const char *text, double *nats_to_unit)
{
    if (!strcmp(text, "nats"))
        *nats_to_unit = 1.0;
    else if (!strcmp(text, "bits"))
        *nats_to_unit = 1.0 / log(2.0);
    else
        return cli_usage_error(cmd, "--units: '%s' is not 'bits' or 'nats'", text);
    return 0;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            return 0;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    }
    return 0;
}
