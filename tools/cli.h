/* Shared pieces of the cogscope command line: exit codes, error reporting,
 * option parsing helpers. Each subcommand lives in its own tools/cmd_*.c file
 * and has the signature int cmd_NAME(int argc, char **argv), where argv[0] is
 * the subcommand name. Exit codes follow DESIGN.md: 0 success, 1 failure while
 * running, 2 bad usage. */
#ifndef COGSCOPE_CLI_H
#define COGSCOPE_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_opts.h"
#include "cogscope/core.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Print "cogscope CMD: <message>" and a pointer to --help on stderr; return 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "cogscope CMD: <cs_last_error()>" (or the status's description when
 * no message was set) on stderr; return 1. */
int cli_fail(const char *cmd, cs_status st);

/* For getopt_long's '?' and ':' returns (call with opterr = 0): names the
 * unknown option or the option missing its value; returns 2. */
int cli_getopt_error(const char *cmd, int argc, char **argv, int ret);

/* Reset getopt state before parsing a subcommand's argv. */
void cli_getopt_reset(void);

/* A subcommand's handler of one parsed option: returns 0, 2 after a usage
 * error (cli_usage_error), or -1 for a code it does not take. */
typedef int (*cli_option_fn)(const char *cmd, int code, const char *arg, void *ctx);

/* The option loop of a subcommand with long options only: getopt_long over
 * argv[1..] calls on_option for each option. An unknown option, a missing
 * value or a stray argument is a usage error. Returns 0 or 2. */
int cli_getopt(const char *cmd, int argc, char **argv, const struct option *longopts, cli_option_fn on_option,
               void *ctx);

/* Strict number parsing of an option value: the whole string must parse and
 * be finite. On failure prints a usage error naming `flag` and returns 2;
 * returns 0 on success. */
int cli_parse_double(const char *cmd, const char *flag, const char *text, double *out);
int cli_parse_int(const char *cmd, const char *flag, const char *text, long min, long max, long *out);
int cli_parse_u64(const char *cmd, const char *flag, const char *text, uint64_t *out);
/* A byte count: a number with an optional K, M, G or T suffix (powers of
 * 1024; "1.5G"), > 0. Returns 0, or 2 after a usage error. */
int cli_parse_bytes(const char *cmd, const char *flag, const char *text, uint64_t *out);
/* "12.3 GB": a byte count for messages (powers of 1024, 3 significant digits). */
void cli_format_bytes(uint64_t bytes, char *buf, size_t n);
/* "--threads N", the same for every subcommand: 0 (all cores, the default)
 * to CLI_MAX_THREADS. Returns 0, or 2 after a usage error. */
#define CLI_MAX_THREADS 1024
int cli_parse_threads(const char *cmd, const char *text, long *out);

/* "--units bits|nats": the factor that turns nats into the chosen unit
 * (1/ln 2 for bits). Returns 0, or 2 after a usage error. */
int cli_parse_units(const char *cmd, const char *text, double *nats_to_unit);

/* True when argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

/* ---- untrusted HDF5 files (cli_untrusted.c) ------------------------------ */

/* What a checked HDF5 file is. */
enum { CLI_H5_NONE = 0, CLI_H5_OTHER, CLI_H5_RUNLOG, CLI_H5_METRICS };

/* Read every HDF5 structure of `path` in a child process before the command
 * reads it: CS_OK and *kind (CLI_H5_NONE: not HDF5 or not openable, the
 * command's own open says why), or CS_EFORMAT with the message "PATH: the
 * file is damaged ..." when the HDF5 library crashed or hung on it. A spec
 * "FILE.h5:/dataset" checks FILE.h5; a text file costs one stat. */
cs_status cli_h5_check(const char *path, int *kind);

/* ---- output files and standard output (cli_output.c) --------------------- */

/* May `path` (given as `flag`) be written? Refuses (usage error, 2) an empty
 * name, any file that is one of the command's inputs[0..n_inputs) (FILE.h5:/d
 * specs name FILE.h5; NULL entries are skipped), and an existing run log
 * unless `force`. Returns 0, 1 or 2. */
int cli_out_guard(const char *cmd, const char *flag, const char *path, const char *const *inputs, size_t n_inputs,
                  int force);

/* An output file written under a temporary name in its directory and renamed
 * over `path` by cli_out_commit only when every write succeeded; a device or
 * pipe (/dev/stdout) is written in place. */
typedef struct {
    FILE *f;
    const char *path; /* as given, for messages */
    char real[4096];  /* with symbolic links resolved: the file replaced */
    char tmp[4112];   /* "" when writing in place or after commit/discard */
} cli_out;

int cli_out_open(const char *cmd, const char *path, cli_out *o); /* 0 or 1 (message printed) */
int cli_out_commit(const char *cmd, cli_out *o);                 /* 0 or 1 (message names errno) */
void cli_out_discard(cli_out *o);                                /* failure path: no file left */

/* Flush and close stdout at the end of a command: a failed write (disk full,
 * /dev/full, a closed pipe) is reported with its errno and turns exit code 0
 * into 1. Returns the exit code to use. */
int cli_stdout_finish(const char *cmd, int rc);

#endif
