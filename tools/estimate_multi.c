/* cogscope estimate tc|dtc|oinfo|sinfo|tse|pid|phiid: higher-order measures.
 * tc..tse are here (library: cogscope/multivariate.h), over one set of
 * variables or every multiplet of orders m..M; pid and phiid are in
 * estimate_pid.c. Options, inputs and the JSON preamble shared with the other
 * estimate families are in estimate_common.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dist.h"
#include "estimate_common.h"
#include "estimate_dist.h"
#include "cogscope/collist.h"
#include "cogscope/discrete.h"
#include "cogscope/json.h"
#include "cogscope/multivariate.h"
#include "cogscope/table.h"

/* "3" or "3-5" -> orders; 2 on a usage error. */
static int parse_orders(const char *cmd, const char *text, size_t *lo, size_t *hi)
{
    char *end;
    unsigned long a = strtoul(text, &end, 10), b = a;
    if (end == text || *text == '-' || *text == '+')
        goto bad;
    if (*end == '-') {
        const char *s = end + 1;
        if (!*s || *s == '-' || *s == '+')
            goto bad;
        b = strtoul(s, &end, 10);
        if (end == s)
            goto bad;
    }
    if (*end)
        goto bad;
    if (a < 2 || b < 2)
        return cli_usage_error(cmd,
                               "--multiplets %s: the measures need at least 2 variables, so "
                               "orders start at 2",
                               text);
    if (a > b)
        return cli_usage_error(cmd, "--multiplets %s: the first order exceeds the last", text);
    if (b > 1000000)
        return cli_usage_error(cmd, "--multiplets %s: order %lu is absurdly large", text, b);
    *lo = a;
    *hi = b;
    return 0;
bad:
    return cli_usage_error(cmd, "--multiplets: '%s' is not an order M or a range M-M2 (e.g. 3-5)", text);
}

static void json_vars(cs_json *j, const size_t *labels, const size_t *comb, size_t k)
{
    cs_json_key(j, "vars");
    cs_json_begin_array(j);
    for (size_t i = 0; i < k; i++)
        cs_json_int(j, (long long)labels[comb[i]]);
    cs_json_end_array(j);
}

static void text_vars(const size_t *labels, const size_t *comb, size_t k)
{
    for (size_t i = 0; i < k; i++)
        printf("%s%zu", i ? "," : "", labels[comb[i]]);
}

/* Print a top-K list (JSON array under `key`, or text lines). */
static void print_hits(cs_json *j, const char *key, const cs_mv_hit *h, size_t nh, const size_t *labels, size_t nvars,
                       double to_unit, size_t *comb)
{
    if (j) {
        cs_json_key(j, key);
        cs_json_begin_array(j);
    } else {
        printf("# %s\n", key);
    }
    for (size_t i = 0; i < nh; i++) {
        cs_mv_combination_unrank(h[i].rank, h[i].order, nvars, comb);
        if (j) {
            cs_json_begin_object(j);
            json_vars(j, labels, comb, h[i].order);
            cs_json_kv_number(j, "value", h[i].value * to_unit);
            cs_json_end_object(j);
        } else {
            text_vars(labels, comb, h[i].order);
            printf("\t%.10g\n", h[i].value * to_unit);
        }
    }
    if (j)
        cs_json_end_array(j);
}

/* One run: the options, what was read and computed. */
typedef struct {
    const char *name; /* the measure as typed */
    cs_mv_measure measure;
    est_opts eo;
    est_var vx;
    size_t kmin, kmax; /* --multiplets; 0: one set */
    uint64_t top, max_count, max_mb;
    cli_args args;
    cs_matrix full;  /* the table or the covariance */
    double *block;   /* --cov: the rows of --x */
    cs_estimator *e; /* prepared on the variables */
    size_t nsamples;
    double value;          /* one set */
    cs_mv_estimate est;    /* multiplets: their count */
    double *values;        /* every multiplet's value */
    cs_mv_hit *low, *high; /* --top */
    size_t nlow, nhigh;
    size_t *comb, *vars;
} multi_job;

#define M(member) offsetof(multi_job, member)

static int parse_multiplets(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    multi_job *J = all;
    (void)o, (void)f;
    return parse_orders(cmd, arg, &J->kmin, &J->kmax);
}

static const cli_opt options[] = {
    {.name = "Input:", .type = CLI_SECTION},
    {.type = CLI_INCLUDE, .sub = est_input_opts, .field = M(eo)},
    {"x", CLI_COLS, M(vx.text), "COLS", .help = "0-based columns (\"0,1\", \"0-3\"; default: all)"},
    {"cov", CLI_FILE, M(eo.cov), "FILE", .tag = CS_OPT_COVARIANCE,
     .help = "gaussian only: a square covariance matrix, one row per line;\n"
             "--x names its rows; values are exact (no samples)"},
    {.name = "\nEstimators:", .type = CLI_SECTION},
    {"estimator", CLI_STRING, M(eo.est_text), "E", .help = "discrete, gaussian or gcopula (required)"},
    {.type = CLI_INCLUDE, .sub = est_discrete_opts, .field = M(eo)},
    {.type = CLI_INCLUDE, .sub = est_correction_opts, .field = M(eo)},
    {.name = "\nMultiplets:", .type = CLI_SECTION},
    {"multiplets", CLI_CUSTOM, 0, "M[-M2]", .parse = parse_multiplets,
     .help = "every subset of --x of M..M2 variables (2 <= M <= M2)"},
    {"top", CLI_U64, M(top), "K", .min = 1, .max = 100000000, .range = CLI_MIN | CLI_MAX,
     .help = "only the K lowest and K highest (oinfo: most synergistic and\n"
             "most redundant) instead of every value"},
    {"max-multiplets", CLI_U64, M(max_count), "N", .min = 1, .range = CLI_MIN,
     .help = "refuse runs of more than N multiplets (default 1e8)"},
    {"max-memory", CLI_U64, M(max_mb), "MB", .min = 1, .max = 1099511627776.0, .range = CLI_MIN | CLI_MAX,
     .help = "refuse runs needing more memory (default 2048)"},
    {.name = "\nOutput:", .type = CLI_SECTION},
    {.type = CLI_INCLUDE, .sub = est_output_opts, .field = M(eo)},
    {0},
};

static const cli_command spec_template = {
    .cmd = "estimate",
    .usage = "usage: cogscope estimate %s --input FILE [--x COLS] --estimator discrete|gaussian|gcopula\n"
             "                         [--multiplets M[-M2] [--top K]] [OPTIONS]\n"
             "       cogscope estimate %s --cov FILE [--x ROWS] --estimator gaussian [...]\n"
             "\n"
             "Measures of the variables --x (nats internally; see docs/metrics.md):\n"
             "  tc      total correlation       sum_i H(X_i) - H(X)\n"
             "  dtc     dual total correlation  sum_i H(X_-i) - (n-1) H(X)\n"
             "  oinfo   O-information           TC - DTC (negative: synergy-dominated)\n"
             "  sinfo   S-information           TC + DTC\n"
             "  tse     TSE complexity          sum_k [ mean H(k-subsets) - (k/n) H(X) ]\n"
             "\n",
    .opts = options,
    .footer = "\nMultiplet results do not depend on --threads.\n",
};

/* The options and the checks between them: -1 to go on, else the exit code. */
static int multi_parse(multi_job *J, int argc, char **argv)
{
    const char *cmd = "estimate";
    J->vx.flag = "--x";
    J->max_count = CS_MV_DEFAULT_MAX_COUNT;
    J->max_mb = CS_MV_DEFAULT_MAX_BYTES >> 20;
    est_opts_init(&J->eo, EST_PLUGIN, 1);
    cli_command spec = spec_template;
    spec.variant_name = J->name;
    int rc = cli_parse(&spec, argc, argv, J, &J->args);
    if (rc >= 0)
        return rc;
    est_opts *eo = &J->eo;
    const cli_args *a = &J->args;
    if (cs_mv_measure_parse(J->name, &J->measure))
        return cli_usage_error(cmd, "unknown measure '%s'", J->name);
    if ((rc = est_opts_estimator(cmd, eo, J->name)) || (rc = est_opts_check(cmd, eo)))
        return rc;
    if ((cli_given(a, "top") || cli_given(a, "max-multiplets") || cli_given(a, "max-memory")) && !J->kmin)
        return cli_usage_error(cmd, "--top, --max-multiplets and --max-memory go with --multiplets");
    /* the measure table (cogscope/measure.h): estimator, --cov, corrections */
    cs_measure_request r = {CS_INFO_TC + (int)J->measure,
                            eo->est,
                            CS_ROLE_BIT_X,
                            cli_given_tags(a) | (eo->bias == 1 ? CS_OPT_BIAS : 0u),
                            {CS_VAR_CONTINUOUS}};
    if (cs_measure_validate(&r))
        return cli_usage_error(cmd, "%s", cs_last_error());
    if (eo->cov && eo->input)
        return cli_usage_error(cmd, "--cov replaces --input: give one or the other");
    if (!eo->cov && !eo->input)
        return cli_usage_error(cmd, "--input FILE (or --cov FILE) is required");
    J->vx.file = eo->cov ? eo->cov : eo->input;
    return -1;
}

/* The variables --x: rows of --cov, or columns of the table checked with
 * the user's column numbers (discrete symbols must be integers), no column
 * twice; gaussian/gcopula drop a constant column or an exact copy with a
 * note (refused under --strict). Returns the exit code. */
static int multi_read(multi_job *J)
{
    const char *cmd = "estimate";
    est_opts *eo = &J->eo;
    est_var *vx = &J->vx;
    cs_status st;
    int rc = est_var_parse(cmd, vx);
    if (rc)
        return rc;
    int is_disc = eo->est == CS_EST_DISCRETE;
    if (eo->cov) {
        size_t d;
        const est_var *one[1] = {vx};
        if ((st = est_cov_read(eo->cov, &J->full)) || (st = est_var_default(vx, J->full.cols)) ||
            (st = est_cov_block(eo->cov, J->full, one, 1, &J->block, &d)))
            return cli_fail(cmd, st);
    } else if ((st = est_table_read(vx->file, &J->full)) ||
               (st = est_var_select(vx, J->full, is_disc && !eo->bins ? EST_SYMBOLS : 0, eo->alphabet))) {
        return cli_fail(cmd, st);
    }
    /* After the range check against the data, so a list far longer than the
     * table fails at once; sorting makes the check O(n log n). */
    size_t dup;
    int twice = cs_collist_find_duplicate(vx->cols, vx->ncols, &dup);
    if (twice < 0)
        cs_error_set(CS_ENOMEM, "--x: out of memory checking %zu columns", vx->ncols);
    if (twice)
        return twice < 0 ? cli_fail(cmd, CS_ENOMEM) : cli_usage_error(cmd, "--x: column %zu is listed twice", dup);
    /* A constant column or an exact copy makes every covariance holding it
     * singular: drop it with a note, as every estimate command does. */
    if (!eo->cov && !is_disc && (st = est_var_prune(vx, eo->strict)))
        return cli_fail(cmd, st);
    const est_var *notes[1] = {vx};
    if (!eo->json && dist_rank() == 0)
        est_print_notes(cmd, notes, 1);
    return 0;
}

/* The estimator prepared on the variables. Returns the exit code. */
static int multi_estimator(multi_job *J)
{
    const char *cmd = "estimate";
    est_opts *eo = &J->eo;
    est_var *vx = &J->vx;
    if (!J->kmin && vx->ncols < 2) {
        if (vx->note[0])
            cs_error_set(CS_EINVAL,
                         "%s needs at least 2 variables; 1 is left after dropping the "
                         "degenerate columns of --x",
                         J->name);
        else
            cs_error_set(CS_EINVAL, "%s needs at least 2 variables; --x names %zu", J->name, vx->ncols);
        return cli_fail(cmd, CS_EINVAL);
    }
    cs_status st;
    if (eo->cov) {
        st = cs_mv_estimator_create_cov(J->block, vx->ncols, vx->ncols, vx->cols, &J->e);
    } else {
        cs_estimator_params p;
        cs_estimator_params_default(eo->est, &p);
        p.bins = (size_t)eo->bins;
        p.binning = eo->binning_freq ? CS_BIN_EQUAL_FREQ : CS_BIN_EQUAL_WIDTH;
        p.alphabet = (int32_t)eo->alphabet;
        p.miller_madow = eo->miller_madow;
        p.bias_correct = est_bias_on(eo);
        p.threads = (int)eo->threads;
        st = cs_mv_estimator_create(&p, vx->data, vx->cols, &J->e);
    }
    if (st) {
        cs_error_prefix("%s: ", vx->file);
        return cli_fail(cmd, st);
    }
    J->nsamples = cs_estimator_rows(J->e);
    return 0;
}

/* The measure of the whole set --x. */
static int compute_set(multi_job *J)
{
    size_t ncols = J->vx.ncols;
    if (!(J->vars = malloc(ncols * sizeof *J->vars)))
        return cli_fail("estimate", cs_error_set(CS_ENOMEM, "out of memory"));
    for (size_t j = 0; j < ncols; j++)
        J->vars[j] = j;
    cs_status st = cs_mv_compute(J->e, J->measure, J->vars, ncols, &J->value);
    return st ? cli_fail("estimate", st) : 0;
}

/* Every multiplet of orders kmin..kmax (or the --top ones), over every rank. */
static int compute_multiplets(multi_job *J)
{
    const char *cmd = "estimate";
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    o.order_min = J->kmin;
    o.order_max = J->kmax;
    o.top_k = (size_t)J->top;
    o.threads = (int)J->eo.threads;
    o.max_count = J->max_count;
    o.max_bytes = J->max_mb << 20;
    cs_status st = cs_mv_multiplets_check(J->e, J->measure, &o, &J->est);
    if (st) {
        int rc = cli_fail(cmd, st);
        if (st == CS_ELIMIT)
            fprintf(stderr, "(raise --max-multiplets / --max-memory, narrow --x or the orders, or use --top K)\n");
        return rc;
    }
    uint64_t top = J->top;
    if (top) {
        size_t keep = (size_t)(top < J->est.count ? top : J->est.count);
        J->low = malloc(keep * sizeof *J->low);
        J->high = malloc(keep * sizeof *J->high);
    } else {
        /* under mpirun only rank 0 receives the values (est_dist_multiplets) */
        J->values = malloc((dist_rank() ? 1 : (size_t)J->est.count) * sizeof *J->values);
    }
    J->comb = malloc(J->kmax * sizeof *J->comb);
    if ((top ? (!J->low || !J->high) : !J->values) || !J->comb)
        return cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory for %llu multiplets",
                                          (unsigned long long)J->est.count));
    if ((st = est_dist_multiplets(J->e, J->measure, &o, J->values, J->low, &J->nlow, J->high, &J->nhigh)))
        return cli_fail(cmd, st);
    return 0;
}

/* Every multiplet's value, in rank order within each order (JSON objects or text lines). */
static void all_multiplets(multi_job *J, cs_json *j)
{
    const size_t *cols = J->vx.cols;
    size_t ncols = J->vx.ncols;
    uint64_t idx = 0;
    for (size_t k = J->kmin; k <= J->kmax; k++) {
        cs_mv_combination_unrank(0, k, ncols, J->comb);
        do {
            double v = J->values[idx++] * J->eo.to_unit;
            if (j) {
                cs_json_begin_object(j);
                json_vars(j, cols, J->comb, k);
                cs_json_kv_number(j, "value", v);
                cs_json_end_object(j);
            } else {
                text_vars(cols, J->comb, k);
                printf("\t%.10g\n", v);
            }
        } while (cs_mv_combination_next(J->comb, k, ncols));
    }
}

static void multi_json(multi_job *J)
{
    const est_opts *eo = &J->eo;
    const size_t *cols = J->vx.cols;
    size_t ncols = J->vx.ncols;
    int synergy_names = J->measure == CS_MV_OINFO;
    cs_json j;
    est_json_begin(&j, J->name, eo);
    if (!J->kmin)
        cs_json_kv_number(&j, "value", J->value * eo->to_unit);
    cs_json_kv_int(&j, "n", (long long)J->nsamples);
    est_json_notes(&j, (const est_var *const[]){&J->vx}, 1);
    cs_json_key(&j, "params");
    cs_json_begin_object(&j);
    est_json_source(&j, eo, J->vx.file);
    est_json_list(&j, "x", cols, ncols);
    est_json_estimator(&j, eo);
    if (J->kmin) {
        long long ord[2] = {(long long)J->kmin, (long long)J->kmax};
        cs_json_key(&j, "multiplets");
        cs_json_ints(&j, ord, 2);
        if (J->top)
            cli_json_opt(&j, &J->args, J, "top");
    }
    cs_json_end_object(&j);
    if (J->kmin)
        cs_json_kv_int(&j, "count", (long long)J->est.count);
    if (J->kmin && J->top) {
        print_hits(&j, synergy_names ? "most_synergistic" : "lowest", J->low, J->nlow, cols, ncols, eo->to_unit,
                   J->comb);
        print_hits(&j, synergy_names ? "most_redundant" : "highest", J->high, J->nhigh, cols, ncols, eo->to_unit,
                   J->comb);
    } else if (J->kmin) {
        cs_json_key(&j, "multiplets");
        cs_json_begin_array(&j);
        all_multiplets(J, &j);
        cs_json_end_array(&j);
    }
    cs_json_end_object(&j);
}

static void multi_text(multi_job *J)
{
    const est_opts *eo = &J->eo;
    const size_t *cols = J->vx.cols;
    size_t ncols = J->vx.ncols;
    int synergy_names = J->measure == CS_MV_OINFO;
    if (!J->kmin) {
        if (eo->cov)
            printf("%s (%s): %.10g %s  (%zu variables, exact covariance)\n", J->name, eo->est_text,
                   J->value * eo->to_unit, eo->units, ncols);
        else
            printf("%s (%s): %.10g %s  (%zu variables, n = %zu)\n", J->name, eo->est_text, J->value * eo->to_unit,
                   eo->units, ncols, J->nsamples);
        return;
    }
    printf("# %s (%s, %s): %llu multiplets of orders %zu-%zu of %zu variables, n = %zu\n", J->name, eo->est_text,
           eo->units, (unsigned long long)J->est.count, J->kmin, J->kmax, ncols, J->nsamples);
    if (!J->top) {
        all_multiplets(J, NULL);
        return;
    }
    print_hits(NULL, synergy_names ? "most synergistic (lowest)" : "lowest", J->low, J->nlow, cols, ncols,
               eo->to_unit, J->comb);
    print_hits(NULL, synergy_names ? "most redundant (highest)" : "highest", J->high, J->nhigh, cols, ncols,
               eo->to_unit, J->comb);
}

int cmd_estimate_multi(int argc, char **argv)
{
    multi_job J;
    memset(&J, 0, sizeof J);
    J.name = argv[0];
    int rc = multi_parse(&J, argc, argv);
    if (rc >= 0)
        return rc;
    if (!(rc = multi_read(&J)) && !(rc = multi_estimator(&J)))
        rc = J.kmin ? compute_multiplets(&J) : compute_set(&J);
    if (!rc && dist_rank() == 0 && J.eo.json) /* rank 0 reports (under mpirun) */
        multi_json(&J);
    else if (!rc && dist_rank() == 0)
        multi_text(&J);
    if (rc != CLI_OK && J.eo.json && dist_rank() == 0) /* no JSON object to hold them */
        est_print_notes("estimate", (const est_var *const[]){&J.vx}, 1);
    cs_estimator_destroy(J.e);
    cs_matrix_free(&J.full);
    free(J.block);
    est_var_free(&J.vx);
    free(J.vars);
    free(J.values);
    free(J.low);
    free(J.high);
    free(J.comb);
    return rc;
}
