/* Option tables: each subcommand declares its options once, as an array of
 * cli_opt (name, type, range, default, target field, help line), and
 * cli_parse derives everything else from it: the getopt_long table, value
 * parsing with range errors (exit 2 naming the option), the --help text that
 * help2man turns into man pages, which options were given, and the JSON echo
 * of an option's value.
 *
 *     typedef struct { double interval; long spark; int once; } watch_opts;
 *     static const cli_opt opts[] = {
 *         {"interval", CLI_DOUBLE, offsetof(watch_opts, interval), "S",
 *          "seconds between refreshes", .def = "1", .min = 0.05, .max = 3600,
 *          .range = CLI_MIN | CLI_MAX},
 *         {"once", CLI_FLAG, offsetof(watch_opts, once), NULL, "print once and exit"},
 *         {0}};
 *     static const cli_command spec = {"watch", "usage: ...\n", opts, .positional = 1};
 *     watch_opts o = {0};
 *     cli_args a;
 *     int rc = cli_parse(&spec, argc, argv, &o, &a);
 *     if (rc >= 0) return rc;   // help printed (0) or a usage error (2)
 *
 * See docs/architecture.md, "Option tables". */
#ifndef COGSCOPE_CLI_OPTS_H
#define COGSCOPE_CLI_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "cogscope/json.h"

typedef enum {
    CLI_END = 0, /* zero entry: the end of a table */
    CLI_FLAG,    /* no value; the int field becomes `value` (0: 1) */
    CLI_CLEAR,   /* no value; the int field becomes 0 (--no-normalize) */
    CLI_INT,     /* long in [min, max] */
    CLI_INT32,   /* int in [min, max] */
    CLI_SIZE,    /* size_t in [min, max] */
    CLI_U64,     /* uint64_t, not negative; in [min, max] when range has CLI_MAX */
    CLI_DOUBLE,  /* finite double, optional bounds (range) */
    CLI_BYTES,   /* uint64_t byte count: 500M, 20G, 1T */
    CLI_STRING,  /* const char * (argv's text) */
    CLI_FILE,    /* const char *: a file name (or FILE.h5:/dataset) */
    CLI_COLS,    /* const char *: a column list, parsed once the table is read */
    CLI_ENUM,    /* int: the value of one of `choices` */
    CLI_CUSTOM,  /* `parse` handles the value (several fields, repeatable lists) */
    CLI_SECTION, /* not an option: a heading line of the help text */
    CLI_INCLUDE, /* not an option: the entries of `sub`, fields relative to `field` */
} cli_type;

/* Bounds of a CLI_DOUBLE (or the upper bound of a CLI_U64). */
enum { CLI_MIN = 1, CLI_MAX = 2, CLI_MIN_OPEN = 4, CLI_MAX_OPEN = 8 };

/* One allowed name of a CLI_ENUM and the value it stores. A name after
 * another with the same value is an alias: accepted, not listed. */
typedef struct {
    const char *name;
    int value;
} cli_choice;

typedef struct cli_opt cli_opt;

/* A CLI_CUSTOM option's value: `opts` is the command's options struct (as
 * passed to cli_parse, moved by enclosing CLI_INCLUDE fields), `field` the
 * option's target in it. Returns 0, or the exit code after printing why
 * (2: usage, 1: out of memory). */
typedef int (*cli_parse_fn)(const char *cmd, const cli_opt *opt, const char *arg, void *field, void *opts);

struct cli_opt {
    const char *name; /* long name without "--"; CLI_SECTION: the heading line */
    cli_type type;
    size_t field;              /* offsetof(OPTIONS, member) of the target */
    const char *meta;          /* the value in the help text ("N", "FILE"); NULL for flags */
    const char *help;          /* help text; '\n' starts a continuation line */
    const char *def;           /* default: stored before parsing and shown as "(default D)" */
    double min, max;           /* integers: inclusive range; doubles: see `range` */
    unsigned range;            /* CLI_DOUBLE/CLI_U64 bounds: CLI_MIN | CLI_MAX | ..._OPEN */
    const cli_choice *choices; /* CLI_ENUM: {name, value} ..., {NULL} */
    cli_parse_fn parse;        /* CLI_CUSTOM */
    const cli_opt *sub;        /* CLI_INCLUDE */
    unsigned only;             /* nonzero: the variants (bits) the option applies to */
    char short_name;           /* 'o' for -o */
    const char *json;          /* key of the JSON echo (default: the name, '-' as '_') */
    int value;                 /* CLI_FLAG: the value stored (0 stores 1) */
    unsigned tag;              /* the command's own bits for the option (cli_given_tags) */
};

/* A subcommand: its name in messages, help text around the option lines, the
 * option table, and what else its command line holds. */
typedef struct {
    const char *cmd;   /* "watch", "estimate psd": in messages */
    const char *usage; /* before the option lines; "%s" stands for `variant_name` */
    const cli_opt *opts;
    const char *footer;           /* after the option lines ("%s" as in usage); may be NULL */
    int positional;               /* 1: positional arguments are the command's (cli_args.pos) */
    int min_pos, max_pos;         /* how many (max 0: any number) */
    const char *missing;          /* the usage error when fewer than min_pos are given */
    const char *extra;            /* ... when more than max_pos ("%s": the first extra one;
                                     default "unexpected argument '%s'") */
    int help_col;                 /* column of the help texts (0: 22) */
    unsigned variant;             /* the bit of the variant being parsed (0: all options apply) */
    const char *variant_name;     /* the variant in "does not apply to NAME" and in "%s" */
    void (*more_help)(FILE *out); /* generated text after the options (train's rules) */
} cli_command;

#define CLI_MAX_OPTS 96

/* What cli_parse found besides the values it stored. */
typedef struct {
    char **pos; /* positional arguments (argv reordered as getopt_long does) */
    int npos;
    const cli_opt *flat[CLI_MAX_OPTS]; /* the options, CLI_INCLUDEs expanded */
    size_t base[CLI_MAX_OPTS];         /* offset of each one's enclosing struct */
    unsigned char given[CLI_MAX_OPTS]; /* times each was given */
    size_t n;
} cli_args;

/* Store the table's defaults in `opts`, then parse argv[1..] (argv[0] is the
 * subcommand) into it. Returns -1 to go on; otherwise the exit code: 0 after
 * printing --help on stdout, 2 after a usage error (unknown option, missing
 * value, a value out of range, an option of another variant, a positional
 * argument where the command takes none). */
int cli_parse(const cli_command *c, int argc, char **argv, void *opts, cli_args *a);

/* The --help text. */
void cli_help(const cli_command *c, FILE *out);

/* How many times option `name` was given. */
int cli_given(const cli_args *a, const char *name);

/* The union of the tags of the options given (estimate: the library option
 * bits CS_OPT_* the measure table validates). */
unsigned cli_given_tags(const cli_args *a);

/* "key": value of option `name` as stored in `opts` (a CLI_ENUM by its name,
 * a flag as a bool, an unset string as null). */
void cli_json_opt(cs_json *j, const cli_args *a, const void *opts, const char *name);

/* The name of a CLI_ENUM value of option `name` ("?" if none). */
const char *cli_choice_name(const cli_args *a, const char *name, int value);

#endif
