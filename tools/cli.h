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
int cli_getopt(const char *cmd, int argc, char **argv, const struct option *longopts,
               cli_option_fn on_option, void *ctx);

/* Strict number parsing of an option value: the whole string must parse and
 * be finite. On failure prints a usage error naming `flag` and returns 2;
 * returns 0 on success. */
int cli_parse_double(const char *cmd, const char *flag, const char *text, double *out);
int cli_parse_int(const char *cmd, const char *flag, const char *text, long min, long max, long *out);
int cli_parse_u64(const char *cmd, const char *flag, const char *text, uint64_t *out);
/* "--threads N", the same for every subcommand: 0 (all cores, the default)
 * to CLI_MAX_THREADS. Returns 0, or 2 after a usage error. */
#define CLI_MAX_THREADS 1024
int cli_parse_threads(const char *cmd, const char *text, long *out);

/* "--units bits|nats": the factor that turns nats into the chosen unit
 * (1/ln 2 for bits). Returns 0, or 2 after a usage error. */
int cli_parse_units(const char *cmd, const char *text, double *nats_to_unit);

/* True when argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

#endif
