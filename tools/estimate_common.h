/* What the `cogscope estimate` families share (estimate_info.c,
 * estimate_multi.c, estimate_pid.c, estimate_spectral.c): the options of the
 * estimator-based measures, variables read as column lists of a table or as
 * rows of a --cov matrix, and the JSON preamble. One implementation, so that
 * a flag, a check or a message means the same in every measure.
 *
 * A command's flow:
 *     est_opts_init(&o, estimators, corrections);
 *     cli_parse() over the command's option table, which includes the
 *         shared tables below (est_input_opts, ...) at the est_opts member;
 *     est_opts_estimator()  --estimator and --units;
 *     est_opts_check()      --binning goes with --bins (the rest: the measure table);
 *     est_var_parse(), then est_var_select() (a table) or est_cov_block()
 *         (a --cov matrix) for each variable (--x, --y, ...);
 *     est_json_begin(), est_json_source() and est_json_estimator() inside
 *         "params", ... cs_json_end_object(). */
#ifndef COGSCOPE_ESTIMATE_COMMON_H
#define COGSCOPE_ESTIMATE_COMMON_H

#include "cli.h"
#include "cogscope/info.h"
#include "cogscope/json.h"

/* Bit of an estimator in the `estimators` set of a command. */
#define EST_BIT(e) (1u << (e))
#define EST_PLUGIN (EST_BIT(CS_EST_DISCRETE) | EST_BIT(CS_EST_GAUSSIAN) | EST_BIT(CS_EST_GCOPULA))
#define EST_ALL (EST_PLUGIN | EST_BIT(CS_EST_KSG1) | EST_BIT(CS_EST_KSG2))

typedef struct {
    unsigned estimators; /* EST_BIT set the command accepts */
    int corrections;     /* the command takes --miller-madow and --(no-)bias-correct */
    const char *input, *cov, *est_text, *units_text;
    long bins, alphabet, threads; /* 0: not given (threads 0: all cores) */
    int binning_freq, miller_madow;
    int bias; /* --bias-correct 1, --no-bias-correct 0, not given -1 */
    int json;
    int strict; /* --strict: refuse constant or duplicated columns instead of dropping them */
    /* set by est_opts_estimator */
    cs_info_estimator est;
    const char *units; /* "bits" or "nats" */
    double to_unit;    /* multiply a value in nats by this */
} est_opts;

void est_opts_init(est_opts *o, unsigned estimators, int corrections);

/* The shared options as option-table entries, fields relative to est_opts:
 * a command includes them with {.type = CLI_INCLUDE, .sub = est_input_opts,
 * .field = offsetof(ITS_OPTS, eo)}. --cov and --estimator, whose help differs
 * by measure, each command declares itself (fields eo.cov, eo.est_text). */
extern const cli_opt est_input_opts[];      /* --input */
extern const cli_opt est_discrete_opts[];   /* --bins, --binning, --alphabet */
extern const cli_opt est_correction_opts[]; /* --miller-madow, --(no-)bias-correct */
extern const cli_opt est_output_opts[];     /* --threads, --units, --strict, --json */

/* --estimator (required, one of o->estimators; `measure` names the measure in
 * the message for an estimator it does not take) and --units (default bits
 * for discrete, nats otherwise). Returns 0 or 2. */
int est_opts_estimator(const char *cmd, est_opts *o, const char *measure);

/* --binning only with --bins; the estimator's options are checked by
 * cs_measure_validate from their tags. Returns 0 or 2. */
int est_opts_check(const char *cmd, const est_opts *o);

static inline int est_is_discrete(const est_opts *o) { return o->est == CS_EST_DISCRETE; }

/* The bias correction in use: as given, else on for gcopula only. */
static inline int est_bias_on(const est_opts *o) { return o->bias >= 0 ? o->bias : o->est == CS_EST_GCOPULA; }

/* cs_table_read of an input FILE or FILE.h5:/dataset, after cli_h5_check: a
 * damaged HDF5 file fails with a message naming it instead of crashing. */
cs_status est_table_read(const char *spec, cs_matrix *out);

/* ---- variables ---------------------------------------------------------------- */

/* What est_var_select checks in the selected columns besides range and
 * finiteness (which it always checks). */
enum {
    EST_SYMBOLS = 1,     /* integer symbols (in [0, alphabet) when alphabet > 0) */
    EST_NONCONSTANT = 2, /* no constant column (continuous estimators) */
    EST_PRUNE = 4        /* drop constant columns and exact copies of an earlier
                            column of the same variable, with a note in
                            v->note (refused instead with EST_STRICT) */
    ,
    EST_STRICT = 8,
    /* consecutive columns stay a view into the table (not copied): for
     * callers whose library call copies them into its own layout anyway
     * (cs_info_set_observations), while the table lives */
    EST_VIEW = 16
};

/* A variable: the columns `flag` names in `file`. */
typedef struct {
    const char *flag; /* "--x": names the variable in messages */
    const char *text; /* the column list as given; NULL: every column */
    const char *file; /* FILE or FILE.h5:/dataset it is read from */
    size_t *cols;     /* parsed indices (owned) */
    size_t ncols;
    cs_matrix data; /* the selected columns, after est_var_select: owned, or a view (EST_VIEW) */
    int view;       /* 1 when data is a view into the table */
    char note[512]; /* what EST_PRUNE dropped ("" if nothing) */
} est_var;

/* Parse v->text (when given) into v->cols. Returns 0, or 2 after a usage
 * error naming the flag. */
int est_var_parse(const char *cmd, est_var *v);

/* Every index 0..n-1 when the flag gave none (the default of --x and the like). */
cs_status est_var_default(est_var *v, size_t n);

/* Select v->cols (every column when none were given) of `table` into v->data.
 * Errors name the file, the flag and the column as the user numbers it:
 * CS_EINVAL for a column out of range or a value that is not a symbol,
 * CS_ENONFINITE for NaN/Inf, CS_EINVAL for a constant column. */
cs_status est_var_select(est_var *v, cs_matrix table, int checks, long alphabet);

/* Drop the constant columns and exact copies of an earlier column
 * (cogscope/columns.h) from v->data and v->cols, with a note in v->note, or
 * refuse them (CS_EINVAL naming the column) when `strict`; CS_EINVAL when no
 * column is left. Columns are named as the user numbers them. What
 * est_var_select does under EST_PRUNE, for callers that check the selection
 * first (a column listed twice is a usage error, not a copy to drop). */
cs_status est_var_prune(est_var *v, int strict);

void est_var_free(est_var *v);

/* Tables read once for the variables that name the same file. */
typedef struct {
    const char *file[4];
    cs_matrix table[4];
} est_tables;

cs_status est_tables_get(est_tables *t, const char *file, cs_matrix *out);
void est_tables_free(est_tables *t);

/* ---- covariance input (--cov) ------------------------------------------------- */

/* Read a square matrix; CS_ESHAPE naming `path` otherwise. */
cs_status est_cov_read(const char *path, cs_matrix *cov);

/* The block of `cov` on rows[0..d) (in that order, each < cov.rows):
 * a new d x d row-major array (caller frees). */
cs_status est_cov_submatrix(cs_matrix cov, const size_t *rows, size_t d, double **out);

/* The block on the rows the variables name, concatenated in order:
 * *d = the total count. CS_EINVAL names the flag of a row out of range. */
cs_status est_cov_block(const char *path, cs_matrix cov, const est_var *const *vars, size_t nvars, double **out,
                        size_t *d);

/* ---- JSON -------------------------------------------------------------------- */

/* {"measure": ..., "estimator": ..., "units": ...: the opening of every
 * estimator-based measure's object. */
void est_json_begin(cs_json *j, const char *measure, const est_opts *o);

/* "notes": [the non-empty notes of the variables] when there is one; in text
 * mode the same lines go to stderr as "note: ...". */
void est_json_notes(cs_json *j, const est_var *const *vars, size_t nvars);
void est_print_notes(const char *cmd, const est_var *const *vars, size_t nvars);

/* "key": [i0, i1, ...] */
void est_json_list(cs_json *j, const char *key, const size_t *idx, size_t n);

/* Inside "params": "cov" or "input" (the source), and the estimator's
 * options: discrete binning/alphabet (+ miller_madow where the command takes
 * corrections), Gaussian/copula bias_correct where it does. */
void est_json_source(cs_json *j, const est_opts *o, const char *input);
void est_json_estimator(cs_json *j, const est_opts *o);

#endif
