/* Options, variables, --cov input and JSON preamble of the `cogscope estimate`
 * families (see estimate_common.h). */
#include "estimate_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/collist.h"
#include "cogscope/columns.h"
#include "cogscope/table.h"

void est_opts_init(est_opts *o, unsigned estimators, int corrections)
{
    memset(o, 0, sizeof *o);
    o->estimators = estimators;
    o->corrections = corrections;
    o->bias = -1;
    o->to_unit = 1;
}

/* ---- option tables --------------------------------------------------------------- */

#define E(member) offsetof(est_opts, member)

static const cli_choice binnings[] = {{"width", 0}, {"freq", 1}, {NULL, 0}};

const cli_opt est_input_opts[] = {
    {"input", CLI_FILE, E(input), "FILE",
     .help = "text table (whitespace/comma separated, %/# comments) or FILE.h5:/dataset[I]"},
    {0},
};

const cli_opt est_discrete_opts[] = {
    {"bins", CLI_INT, E(bins), "N", .min = 1, .max = 1L << 30, .tag = CS_OPT_BINS,
     .help = "discrete: bin continuous columns into N bins first"},
    {"binning", CLI_ENUM, E(binning_freq), "width|freq", .choices = binnings, .tag = CS_OPT_BINS,
     .help = "equal-width (default) or equal-frequency bins"},
    {"alphabet", CLI_INT, E(alphabet), "B", .min = 1, .max = 1L << 30, .tag = CS_OPT_ALPHABET,
     .help = "discrete: symbols are integers in [0, B) (default: inferred)"},
    {0},
};

const cli_opt est_correction_opts[] = {
    {"miller-madow", CLI_FLAG, E(miller_madow), NULL, .tag = CS_OPT_MILLER_MADOW,
     .help = "discrete: Miller-Madow bias correction"},
    {"bias-correct", CLI_FLAG, E(bias), NULL, .tag = CS_OPT_BIAS,
     .help = "gaussian/gcopula analytic bias correction (default: off for\ngaussian, on for gcopula)"},
    {"no-bias-correct", CLI_CLEAR, E(bias), NULL, .tag = CS_OPT_BIAS, .help = "no gaussian/gcopula bias correction"},
    {0},
};

const cli_opt est_output_opts[] = {
    {"threads", CLI_INT, E(threads), "N", .min = 0, .max = CLI_MAX_THREADS,
     .help = "OpenMP threads (0, the default: all cores)"},
    {"units", CLI_STRING, E(units_text), "bits|nats", .help = "default bits for discrete, nats otherwise"},
    {"strict", CLI_FLAG, E(strict), NULL,
     .help = "gaussian/gcopula: refuse constant or duplicated columns\n(default: drop them with a note)"},
    {"json", CLI_FLAG, E(json), NULL, .help = "print one JSON object"},
    {0},
};

/* "discrete, gaussian or gcopula": the estimators of the set, for messages. */
static void estimator_list(unsigned set, char *buf, size_t len)
{
    size_t total = 0, used = 0;
    for (int e = 0; e < CS_EST_COUNT; e++)
        total += (set & EST_BIT(e)) != 0;
    buf[0] = '\0';
    for (int e = 0, k = 0; e < CS_EST_COUNT; e++) {
        if (!(set & EST_BIT(e)))
            continue;
        const char *sep = k == 0 ? "" : (size_t)k + 1 == total ? " or " : ", ";
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", sep,
                                 cs_info_estimator_name((cs_info_estimator)e));
        k++;
    }
}

int est_opts_estimator(const char *cmd, est_opts *o, const char *measure)
{
    char names[96];
    estimator_list(o->estimators, names, sizeof names);
    if (!o->est_text)
        return cli_usage_error(cmd, "--estimator is required (%s)", names);
    cs_info_estimator e;
    int known = cs_info_estimator_parse(o->est_text, &e) == CS_OK;
    if (!known || !(o->estimators & EST_BIT(e)))
        return cli_usage_error(cmd, "--estimator: '%s' is not %s%s%s", o->est_text, names, known ? " for " : "",
                               known ? measure : "");
    o->est = e;
    o->to_unit = e == CS_EST_DISCRETE ? 1.0 / log(2.0) : 1.0;
    o->units = e == CS_EST_DISCRETE ? "bits" : "nats";
    if (o->units_text) {
        int rc = cli_parse_units(cmd, o->units_text, &o->to_unit);
        if (rc)
            return rc;
        o->units = o->units_text;
    }
    return 0;
}

int est_opts_check(const char *cmd, const est_opts *o)
{
    /* Which estimator takes --bins, --alphabet, --miller-madow and
     * --(no-)bias-correct, and that --bins and --alphabet exclude each other,
     * is the measure table's (cs_measure_validate, through the options'
     * tags); --binning is a modifier of --bins, a rule of this syntax. */
    if (o->binning_freq && !o->bins)
        return cli_usage_error(cmd, "--binning needs --bins");
    return 0;
}

cs_status est_table_read(const char *spec, cs_matrix *out)
{
    int kind;
    cs_status st = cli_h5_check(spec, &kind);
    if (st == CS_OK && (st = cs_table_read(spec, out)) != CS_OK && !strstr(cs_last_error(), spec)) {
        /* Name the input when the reader's message does not (an HDF5
         * dataset too large to allocate, say). */
        const char *colon = strstr(spec, ":/");
        size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
        if (!colon || strncmp(cs_last_error(), spec, len))
            cs_error_prefix("%s: ", spec);
    }
    return st;
}

/* ---- variables ---------------------------------------------------------------- */

int est_var_parse(const char *cmd, est_var *v)
{
    if (v->text && cs_collist_parse(v->text, v->flag, CS_COLLIST_MAX, &v->cols, &v->ncols))
        return cli_usage_error(cmd, "%s", cs_last_error());
    return 0;
}

cs_status est_var_default(est_var *v, size_t n)
{
    if (v->cols)
        return CS_OK;
    if (!(v->cols = malloc((n ? n : 1) * sizeof *v->cols)))
        return cs_error_set(CS_ENOMEM, "out of memory");
    v->ncols = n;
    for (size_t j = 0; j < n; j++)
        v->cols[j] = j;
    return CS_OK;
}

cs_status est_var_prune(est_var *v, int strict)
{
    v->note[0] = '\0';
    long *same = malloc((v->ncols ? v->ncols : 1) * sizeof *same);
    if (!same)
        return cs_error_set(CS_ENOMEM, "out of memory");
    size_t keep = 0, used = 0;
    cs_status st = cs_columns_degenerate(v->data, same, &keep);
    for (size_t j = 0; !st && j < v->ncols; j++) {
        if (same[j] == CS_COLUMN_OK)
            continue;
        char why[64];
        if (same[j] == CS_COLUMN_CONSTANT)
            snprintf(why, sizeof why, "constant");
        else
            snprintf(why, sizeof why, "a copy of column %zu", v->cols[same[j]]);
        if (strict)
            st = cs_error_set(CS_EINVAL,
                              "%s: %s: column %zu is %s (--strict refuses degenerate columns; "
                              "without it the column is dropped with a note)",
                              v->file, v->flag, v->cols[j], why);
        else
            used += (size_t)snprintf(v->note + used, used < sizeof v->note ? sizeof v->note - used : 0, "%s%zu (%s)",
                                     used ? ", " : "", v->cols[j], why);
    }
    if (!st && keep == 0)
        st = cs_error_set(CS_EINVAL, "%s: %s: every column is constant or a copy: nothing to estimate", v->file,
                          v->flag);
    if (!st && keep < v->ncols) {
        char tail[sizeof v->note];
        memcpy(tail, v->note, sizeof tail);
        int w = snprintf(v->note, sizeof v->note, "%s: dropped column%s ", v->flag, v->ncols - keep > 1 ? "s" : "");
        if (w > 0 && (size_t)w < sizeof v->note)
            strncat(v->note, tail, sizeof v->note - (size_t)w - 1);
        size_t *cols = malloc(keep * sizeof *cols);
        if (!cols)
            st = cs_error_set(CS_ENOMEM, "out of memory");
        for (size_t j = 0, k = 0; !st && j < v->ncols; j++)
            if (same[j] == CS_COLUMN_OK)
                cols[k++] = j;
        cs_matrix kept = {0};
        if (!st && !(st = cs_matrix_select_cols(v->data, cols, keep, &kept))) {
            for (size_t k = 0; k < keep; k++)
                cols[k] = v->cols[cols[k]];
            free(v->cols);
            v->cols = cols;
            v->ncols = keep;
            if (!v->view)
                cs_matrix_free(&v->data);
            v->data = kept;
            v->view = 0;
        } else
            free(cols);
    }
    free(same);
    return st;
}

void est_json_notes(cs_json *j, const est_var *const *vars, size_t nvars)
{
    size_t any = 0;
    for (size_t i = 0; i < nvars; i++)
        any += vars[i] && vars[i]->note[0];
    if (!any)
        return;
    cs_json_key(j, "notes");
    cs_json_begin_array(j);
    for (size_t i = 0; i < nvars; i++)
        if (vars[i] && vars[i]->note[0])
            cs_json_string(j, vars[i]->note);
    cs_json_end_array(j);
}

void est_print_notes(const char *cmd, const est_var *const *vars, size_t nvars)
{
    for (size_t i = 0; i < nvars; i++)
        if (vars[i] && vars[i]->note[0])
            fprintf(stderr, "cogscope %s: note: %s\n", cmd, vars[i]->note);
}

cs_status est_var_select(est_var *v, cs_matrix table, int checks, long alphabet)
{
    cs_status st = est_var_default(v, table.cols);
    if (st)
        return st;
    for (size_t j = 0; j < v->ncols; j++)
        if (v->cols[j] >= table.cols)
            return table.cols == 0 ? cs_error_set(CS_EINVAL,
                                                  "%s: %s: column %zu is out of range (the data has "
                                                  "no columns)",
                                                  v->file, v->flag, v->cols[j])
                                   : cs_error_set(CS_EINVAL,
                                                  "%s: %s: column %zu is out of range (the data has "
                                                  "%zu column%s: 0-%zu)",
                                                  v->file, v->flag, v->cols[j], table.cols,
                                                  table.cols == 1 ? "" : "s", table.cols - 1);
    /* Rows and columns are named as the user numbers them (data rows of the
     * file, columns of the table), not as positions in the selection. */
    for (size_t i = 0; i < table.rows; i++)
        for (size_t j = 0; j < v->ncols; j++) {
            double val = cs_matrix_get(table, i, v->cols[j]);
            if (!isfinite(val))
                return cs_error_set(CS_ENONFINITE, "%s: %s at data row %zu, column %zu (%s)", v->file,
                                    isnan(val) ? "NaN" : "Inf", i, v->cols[j], v->flag);
        }
    if (checks & EST_SYMBOLS)
        for (size_t i = 0; i < table.rows; i++)
            for (size_t j = 0; j < v->ncols; j++) {
                double val = cs_matrix_get(table, i, v->cols[j]);
                if (val != floor(val) || fabs(val) >= 2147483647.0)
                    return cs_error_set(CS_EINVAL,
                                        "%s: %g at data row %zu, column %zu (%s) is not an integer "
                                        "symbol (use --bins N to bin continuous data)",
                                        v->file, val, i, v->cols[j], v->flag);
                if (alphabet > 0 && (val < 0 || val >= (double)alphabet))
                    return cs_error_set(CS_EINVAL,
                                        "%s: %g at data row %zu, column %zu (%s) is not a symbol of "
                                        "the alphabet 0..%ld",
                                        v->file, val, i, v->cols[j], v->flag, alphabet - 1);
            }
    if ((checks & EST_NONCONSTANT) && table.rows > 1)
        for (size_t j = 0; j < v->ncols; j++) {
            double first = cs_matrix_get(table, 0, v->cols[j]);
            size_t i = 1;
            while (i < table.rows && cs_matrix_get(table, i, v->cols[j]) == first)
                i++;
            if (i == table.rows)
                return cs_error_set(CS_EINVAL,
                                    "%s: column %zu (%s) is constant (%g): a continuous estimator "
                                    "cannot use it (use the discrete estimator, or drop it)",
                                    v->file, v->cols[j], v->flag, first);
        }
    size_t run = 1; /* consecutive columns: a view can stand for the copy */
    while (run < v->ncols && v->cols[run] == v->cols[0] + run)
        run++;
    if ((checks & EST_VIEW) && run == v->ncols) {
        v->data = (cs_matrix){table.data + v->cols[0], table.rows, v->ncols, table.stride};
        v->view = 1;
    } else if ((st = cs_matrix_select_cols(table, v->cols, v->ncols, &v->data))) {
        return st;
    }
    return (checks & EST_PRUNE) ? est_var_prune(v, checks & EST_STRICT) : CS_OK;
}

void est_var_free(est_var *v)
{
    free(v->cols);
    v->cols = NULL;
    v->ncols = 0;
    if (!v->view)
        cs_matrix_free(&v->data);
    v->data = (cs_matrix){0};
    v->view = 0;
}

cs_status est_tables_get(est_tables *t, const char *file, cs_matrix *out)
{
    size_t k = 0, cap = sizeof t->file / sizeof *t->file;
    for (; k < cap && t->file[k]; k++)
        if (!strcmp(t->file[k], file)) {
            *out = t->table[k];
            return CS_OK;
        }
    if (k == cap)
        return cs_error_set(CS_EINTERNAL, "more than %zu input files", cap);
    cs_status st = est_table_read(file, &t->table[k]);
    if (st)
        return st;
    t->file[k] = file;
    *out = t->table[k];
    return CS_OK;
}

void est_tables_free(est_tables *t)
{
    for (size_t k = 0; k < sizeof t->file / sizeof *t->file; k++) {
        cs_matrix_free(&t->table[k]);
        t->file[k] = NULL;
    }
}

/* ---- covariance input --------------------------------------------------------- */

cs_status est_cov_read(const char *path, cs_matrix *cov)
{
    cs_status st = est_table_read(path, cov);
    if (st)
        return st;
    if (cov->rows != cov->cols) {
        st = cs_error_set(CS_ESHAPE, "%s: a covariance must be square, this is %zu x %zu", path, cov->rows,
                          cov->cols);
        cs_matrix_free(cov);
    }
    return st;
}

cs_status est_cov_submatrix(cs_matrix cov, const size_t *rows, size_t d, double **out)
{
    double *sub = malloc((d ? d * d : 1) * sizeof *sub);
    if (!sub)
        return cs_error_set(CS_ENOMEM, "out of memory for a %zu x %zu covariance", d, d);
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++)
            sub[a * d + b] = cs_matrix_get(cov, rows[a], rows[b]);
    *out = sub;
    return CS_OK;
}

cs_status est_cov_block(const char *path, cs_matrix cov, const est_var *const *vars, size_t nvars, double **out,
                        size_t *d)
{
    size_t total = 0;
    for (size_t v = 0; v < nvars; v++) {
        for (size_t i = 0; i < vars[v]->ncols; i++)
            if (vars[v]->cols[i] >= cov.rows)
                return cs_error_set(CS_EINVAL,
                                    "%s: %s: row %zu is out of range (the covariance "
                                    "is %zu x %zu)",
                                    path, vars[v]->flag, vars[v]->cols[i], cov.rows, cov.rows);
        total += vars[v]->ncols;
    }
    size_t *rows = malloc((total ? total : 1) * sizeof *rows);
    if (!rows)
        return cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t v = 0, k = 0; v < nvars; v++)
        for (size_t i = 0; i < vars[v]->ncols; i++)
            rows[k++] = vars[v]->cols[i];
    cs_status st = est_cov_submatrix(cov, rows, total, out);
    free(rows);
    if (!st)
        *d = total;
    return st;
}

/* ---- JSON -------------------------------------------------------------------- */

void est_json_begin(cs_json *j, const char *measure, const est_opts *o)
{
    cs_json_init(j, stdout);
    cs_json_begin_object(j);
    cs_json_kv_string(j, "measure", measure);
    cs_json_kv_string(j, "estimator", o->est_text);
    cs_json_kv_string(j, "units", o->units);
}

void est_json_list(cs_json *j, const char *key, const size_t *idx, size_t n)
{
    cs_json_key(j, key);
    cs_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        cs_json_int(j, (long long)idx[i]);
    cs_json_end_array(j);
}

void est_json_source(cs_json *j, const est_opts *o, const char *input)
{
    if (o->cov)
        cs_json_kv_string(j, "cov", o->cov);
    else
        cs_json_kv_string(j, "input", input);
}

void est_json_estimator(cs_json *j, const est_opts *o)
{
    if (o->est == CS_EST_DISCRETE) {
        if (o->bins) {
            cs_json_kv_int(j, "bins", o->bins);
            cs_json_kv_string(j, "binning", o->binning_freq ? "freq" : "width");
        } else if (o->alphabet) {
            cs_json_kv_int(j, "alphabet", o->alphabet);
        } else {
            cs_json_kv_string(j, "alphabet", "inferred");
        }
        if (o->corrections) {
            cs_json_key(j, "miller_madow");
            cs_json_bool(j, o->miller_madow);
        }
    } else if (o->corrections && (o->est == CS_EST_GAUSSIAN || o->est == CS_EST_GCOPULA)) {
        cs_json_key(j, "bias_correct");
        cs_json_bool(j, est_bias_on(o));
    }
}
