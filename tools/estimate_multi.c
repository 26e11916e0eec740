/* cogscope estimate tc|dtc|oinfo|sinfo|tse|pid|phiid: higher-order measures.
 * tc..tse are here (library: cogscope/multivariate.h), over one set of
 * variables or every multiplet of orders m..M; pid and phiid are routed to
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

static void usage(FILE *out, const char *measure)
{
    fprintf(out,
            "usage: cogscope estimate %s --input FILE [--x COLS] --estimator discrete|gaussian|gcopula\n"
            "                         [--multiplets M[-M2] [--top K]] [OPTIONS]\n"
            "       cogscope estimate %s --cov FILE [--x ROWS] --estimator gaussian [...]\n"
            "\n"
            "Measures of the variables --x (nats internally; see docs/metrics.md):\n"
            "  tc      total correlation       sum_i H(X_i) - H(X)\n"
            "  dtc     dual total correlation  sum_i H(X_-i) - (n-1) H(X)\n"
            "  oinfo   O-information           TC - DTC (negative: synergy-dominated)\n"
            "  sinfo   S-information           TC + DTC\n"
            "  tse     TSE complexity          sum_k [ mean H(k-subsets) - (k/n) H(X) ]\n"
            "\n"
            "Input:\n"
            "  --input FILE        text table (whitespace/comma separated, %%/# comments) or FILE.h5:/dataset[I]\n"
            "  --x COLS            0-based columns (\"0,1\", \"0-3\"; default: all)\n"
            "  --cov FILE          gaussian only: a square covariance matrix, one row per line;\n"
            "                      --x names its rows; values are exact (no samples)\n"
            "  --strict            gaussian/gcopula: refuse constant or duplicated columns\n"
            "                      (default: drop them with a note)\n"
            "\n"
            "Estimators:\n"
            "  --estimator E       discrete, gaussian or gcopula (required)\n"
            "  --bins N            discrete: bin continuous columns into N bins first\n"
            "  --binning width|freq  equal-width (default) or equal-frequency bins\n"
            "  --alphabet B        discrete: symbols are integers in [0, B) (default: inferred)\n"
            "  --miller-madow      discrete: Miller-Madow correction of every entropy\n"
            "  --bias-correct, --no-bias-correct\n"
            "                      gaussian/gcopula analytic bias correction of every entropy\n"
            "                      (default: off for gaussian, on for gcopula)\n"
            "\n"
            "Multiplets:\n"
            "  --multiplets M[-M2] every subset of --x of M..M2 variables (2 <= M <= M2)\n"
            "  --top K             only the K lowest and K highest (oinfo: most synergistic and\n"
            "                      most redundant) instead of every value\n"
            "  --max-multiplets N  refuse runs of more than N multiplets (default 1e8)\n"
            "  --max-memory MB     refuse runs needing more memory (default 2048)\n"
            "  --threads N         OpenMP threads (0, the default: all cores); results do not depend on it\n"
            "\n"
            "Output:\n"
            "  --units bits|nats   default bits for discrete, nats otherwise\n"
            "  --json              print one JSON object\n",
            measure, measure);
}

enum { O_X = EST_O_OWN, O_MULT, O_TOP, O_MAXM, O_MAXMEM };

static const struct option long_opts[] = {
    EST_LONG_SOURCE,
    EST_LONG_ESTIMATOR,
    EST_LONG_CORRECTIONS,
    EST_LONG_OUTPUT,
    {"x", required_argument, 0, O_X},
    {"multiplets", required_argument, 0, O_MULT},
    {"top", required_argument, 0, O_TOP},
    {"max-multiplets", required_argument, 0, O_MAXM},
    {"max-memory", required_argument, 0, O_MAXMEM},
    {0, 0, 0, 0},
};

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
        return cli_usage_error(cmd, "--multiplets %s: the measures need at least 2 variables, so "
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
    return cli_usage_error(cmd, "--multiplets: '%s' is not an order M or a range M-M2 (e.g. 3-5)",
                           text);
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
static void print_hits(cs_json *j, const char *key, const cs_mv_hit *h, size_t nh,
                       const size_t *labels, size_t nvars, double to_unit, size_t *comb)
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

/* Everything the options set. */
typedef struct {
    est_opts eo;
    est_var vx;
    size_t kmin, kmax; /* --multiplets; 0: one set */
    uint64_t top, max_count, max_mb;
    int have_top, have_limits;
} multi_args;

static int on_option(const char *cmd, int code, const char *arg, void *ctx)
{
    multi_args *a = ctx;
    int rc = est_opts_parse(cmd, code, arg, &a->eo);
    if (rc >= 0)
        return rc;
    switch (code) {
    case O_X: a->vx.text = arg; return 0;
    case O_MULT: return parse_orders(cmd, arg, &a->kmin, &a->kmax);
    case O_TOP:
        a->have_top = 1;
        rc = cli_parse_u64(cmd, "--top", arg, &a->top);
        if (!rc && (a->top < 1 || a->top > 100000000))
            rc = cli_usage_error(cmd, "--top: %llu is outside [1, 1e8]", (unsigned long long)a->top);
        return rc;
    case O_MAXM:
        a->have_limits = 1;
        rc = cli_parse_u64(cmd, "--max-multiplets", arg, &a->max_count);
        if (!rc && a->max_count < 1)
            rc = cli_usage_error(cmd, "--max-multiplets must be at least 1");
        return rc;
    case O_MAXMEM:
        a->have_limits = 1;
        rc = cli_parse_u64(cmd, "--max-memory", arg, &a->max_mb);
        if (!rc && (a->max_mb < 1 || a->max_mb > (UINT64_C(1) << 40)))
            rc = cli_usage_error(cmd, "--max-memory: %llu MB is outside [1, 2^40]",
                                 (unsigned long long)a->max_mb);
        return rc;
    default: return -1;
    }
}

int cmd_estimate_multi(int argc, char **argv)
{
    if (!strcmp(argv[0], "pid"))
        return cmd_estimate_pid(argc, argv);
    if (!strcmp(argv[0], "phiid"))
        return cmd_estimate_phiid(argc, argv);
    const char *measure_arg = argv[0];
    const char *cmd = "estimate";
    if (cli_wants_help(argc, argv)) {
        usage(stdout, measure_arg);
        return CLI_OK;
    }
    cs_init();
    multi_args a = {.vx = {.flag = "--x"},
                    .max_count = CS_MV_DEFAULT_MAX_COUNT,
                    .max_mb = CS_MV_DEFAULT_MAX_BYTES >> 20};
    est_opts_init(&a.eo, EST_PLUGIN, 1);
    int rc = cli_getopt(cmd, argc, argv, long_opts, on_option, &a);
    if (rc)
        return rc;
    est_opts *eo = &a.eo;
    est_var *vx = &a.vx;
    size_t kmin = a.kmin, kmax = a.kmax;
    uint64_t top = a.top;

    /* ---- what is asked ---- */
    cs_mv_measure measure;
    if (cs_mv_measure_parse(measure_arg, &measure))
        return cli_usage_error(cmd, "unknown measure '%s'", measure_arg);
    if ((rc = est_opts_estimator(cmd, eo, measure_arg)) || (rc = est_opts_check(cmd, eo)))
        return rc;
    int is_disc = eo->est == CS_EST_DISCRETE, is_gauss = eo->est == CS_EST_GAUSSIAN;
    if ((a.have_top || a.have_limits) && !kmin)
        return cli_usage_error(cmd, "--top, --max-multiplets and --max-memory go with --multiplets");
    if (eo->cov && !is_gauss)
        return cli_usage_error(cmd, "--cov needs --estimator gaussian");
    if (eo->cov && eo->input)
        return cli_usage_error(cmd, "--cov replaces --input: give one or the other");
    if (eo->cov && eo->bias == 1)
        return cli_usage_error(cmd, "--cov gives exact values: there is no sample to bias-correct");
    if (!eo->cov && !eo->input)
        return cli_usage_error(cmd, "--input FILE (or --cov FILE) is required");

    cs_status st;
    int out = CLI_OK;
    const char *spec = eo->cov ? eo->cov : eo->input;
    cs_matrix full = {0};
    double *block = NULL;
    cs_symbols sym = {0};
    cs_mv_plan *plan = NULL;
    double *values = NULL;
    cs_mv_hit *low = NULL, *high = NULL;
    size_t *comb = NULL, *vars = NULL;
    vx->file = spec;

    if ((out = est_var_parse(cmd, vx)))
        goto done;

    if (eo->cov) {
        size_t d;
        const est_var *one[1] = {vx};
        if ((st = est_cov_read(eo->cov, &full)) || (st = est_var_default(vx, full.cols)) ||
            (st = est_cov_block(eo->cov, full, one, 1, &block, &d))) {
            out = cli_fail(cmd, st);
            goto done;
        }
    } else {
        /* Values are checked here so that messages give the user's column
         * numbers; discrete data given as symbols must be integers. */
        int checks = is_disc && !eo->bins ? EST_SYMBOLS : 0;
        if ((st = est_table_read(spec, &full)) ||
            (st = est_var_select(vx, full, checks, eo->alphabet))) {
            out = cli_fail(cmd, st);
            goto done;
        }
    }
    /* After the range check against the data, so a list far longer than the
     * table fails at once; sorting makes the check O(n log n). */
    size_t dup;
    int twice = cs_collist_find_duplicate(vx->cols, vx->ncols, &dup);
    if (twice) {
        if (twice < 0)
            cs_error_set(CS_ENOMEM, "--x: out of memory checking %zu columns", vx->ncols);
        out = twice < 0 ? cli_fail(cmd, CS_ENOMEM)
                        : cli_usage_error(cmd, "--x: column %zu is listed twice", dup);
        goto done;
    }
    /* A constant column or an exact copy makes every covariance holding it
     * singular: drop it with a note, as every estimate command does. */
    if (!eo->cov && !is_disc && (st = est_var_prune(vx, eo->strict))) {
        out = cli_fail(cmd, st);
        goto done;
    }
    const est_var *notes[1] = {vx};
    if (!eo->json && dist_rank() == 0)
        est_print_notes(cmd, notes, 1);
    const size_t *cols = vx->cols;
    size_t ncols = vx->ncols;
    if (!kmin && ncols < 2) {
        if (vx->note[0])
            cs_error_set(CS_EINVAL, "%s needs at least 2 variables; 1 is left after dropping the "
                                    "degenerate columns of --x", measure_arg);
        else
            cs_error_set(CS_EINVAL, "%s needs at least 2 variables; --x names %zu", measure_arg, ncols);
        out = cli_fail(cmd, CS_EINVAL);
        goto done;
    }
    if (eo->cov) {
        st = cs_mv_plan_create_cov(block, ncols, ncols, cols, &plan);
    } else if (is_disc) {
        cs_binning how = eo->binning_freq ? CS_BIN_EQUAL_FREQ : CS_BIN_EQUAL_WIDTH;
        st = eo->bins ? cs_discrete_bin(vx->data, (size_t)eo->bins, how, &sym)
                      : cs_discrete_from_matrix(vx->data, (int32_t)eo->alphabet, &sym);
        if (!st)
            st = cs_mv_plan_create_discrete(&sym, eo->miller_madow, cols, &plan);
    } else {
        st = cs_mv_plan_create_gaussian(vx->data,
                                        eo->est == CS_EST_GCOPULA ? CS_MV_GCOPULA : CS_MV_GAUSSIAN,
                                        est_bias_on(eo), cols, &plan);
    }
    if (st) {
        cs_error_prefix("%s: ", spec);
        out = cli_fail(cmd, st);
        goto done;
    }
    size_t nsamples = cs_mv_plan_nsamples(plan);
    double to_unit = eo->to_unit;

    /* ---- compute ---- */
    double value = 0;
    cs_mv_multiplet_opts o;
    cs_mv_estimate est = {0};
    size_t nlow = 0, nhigh = 0;
    if (!kmin) {
        if (!(vars = malloc(ncols * sizeof *vars))) {
            out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
            goto done;
        }
        for (size_t j = 0; j < ncols; j++)
            vars[j] = j;
        if ((st = cs_mv_compute(plan, measure, vars, ncols, &value))) {
            out = cli_fail(cmd, st);
            goto done;
        }
    } else {
        cs_mv_multiplet_opts_default(&o);
        o.order_min = kmin;
        o.order_max = kmax;
        o.top_k = (size_t)top;
        o.threads = (int)eo->threads;
        o.max_count = a.max_count;
        o.max_bytes = a.max_mb << 20;
        if ((st = cs_mv_multiplets_check(plan, measure, &o, &est))) {
            out = cli_fail(cmd, st);
            if (st == CS_ELIMIT)
                fprintf(stderr, "(raise --max-multiplets / --max-memory, narrow --x or the orders, "
                                "or use --top K)\n");
            goto done;
        }
        if (top) {
            size_t keep = (size_t)(top < est.count ? top : est.count);
            low = malloc(keep * sizeof *low);
            high = malloc(keep * sizeof *high);
        } else {
            /* under mpirun only rank 0 receives the values (est_dist_multiplets) */
            values = malloc((dist_rank() ? 1 : (size_t)est.count) * sizeof *values);
        }
        comb = malloc(kmax * sizeof *comb);
        if ((top ? (!low || !high) : !values) || !comb) {
            out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory for %llu multiplets",
                                             (unsigned long long)est.count));
            goto done;
        }
        if ((st = est_dist_multiplets(plan, measure, &o, values, low, &nlow, high, &nhigh))) {
            out = cli_fail(cmd, st);
            goto done;
        }
    }

    /* ---- report ---- (rank 0's alone under mpirun) */
    if (dist_rank() > 0)
        goto done;
    int synergy_names = measure == CS_MV_OINFO;
    const char *low_key = synergy_names ? "most_synergistic" : "lowest";
    const char *high_key = synergy_names ? "most_redundant" : "highest";
    cs_json j;
    if (eo->json) {
        est_json_begin(&j, measure_arg, eo);
        if (!kmin)
            cs_json_kv_number(&j, "value", value * to_unit);
        cs_json_kv_int(&j, "n", (long long)nsamples);
        est_json_notes(&j, notes, 1);
        cs_json_key(&j, "params");
        cs_json_begin_object(&j);
        est_json_source(&j, eo, spec);
        est_json_list(&j, "x", cols, ncols);
        est_json_estimator(&j, eo);
        if (kmin) {
            long long ord[2] = {(long long)kmin, (long long)kmax};
            cs_json_key(&j, "multiplets");
            cs_json_ints(&j, ord, 2);
            if (top)
                cs_json_kv_int(&j, "top", (long long)top);
        }
        cs_json_end_object(&j);
        if (kmin)
            cs_json_kv_int(&j, "count", (long long)est.count);
        if (kmin && top) {
            print_hits(&j, low_key, low, nlow, cols, ncols, to_unit, comb);
            print_hits(&j, high_key, high, nhigh, cols, ncols, to_unit, comb);
        } else if (kmin) {
            cs_json_key(&j, "multiplets");
            cs_json_begin_array(&j);
            uint64_t idx = 0;
            for (size_t k = kmin; k <= kmax; k++) {
                cs_mv_combination_unrank(0, k, ncols, comb);
                do {
                    cs_json_begin_object(&j);
                    json_vars(&j, cols, comb, k);
                    cs_json_kv_number(&j, "value", values[idx++] * to_unit);
                    cs_json_end_object(&j);
                } while (cs_mv_combination_next(comb, k, ncols));
            }
            cs_json_end_array(&j);
        }
        cs_json_end_object(&j);
    } else if (!kmin) {
        if (eo->cov)
            printf("%s (%s): %.10g %s  (%zu variables, exact covariance)\n", measure_arg, eo->est_text,
                   value * to_unit, eo->units, ncols);
        else
            printf("%s (%s): %.10g %s  (%zu variables, n = %zu)\n", measure_arg, eo->est_text,
                   value * to_unit, eo->units, ncols, nsamples);
    } else {
        printf("# %s (%s, %s): %llu multiplets of orders %zu-%zu of %zu variables, n = %zu\n",
               measure_arg, eo->est_text, eo->units, (unsigned long long)est.count, kmin, kmax, ncols,
               nsamples);
        if (top) {
            print_hits(NULL, synergy_names ? "most synergistic (lowest)" : "lowest", low, nlow,
                       cols, ncols, to_unit, comb);
            print_hits(NULL, synergy_names ? "most redundant (highest)" : "highest", high, nhigh,
                       cols, ncols, to_unit, comb);
        } else {
            uint64_t idx = 0;
            for (size_t k = kmin; k <= kmax; k++) {
                cs_mv_combination_unrank(0, k, ncols, comb);
                do {
                    text_vars(cols, comb, k);
                    printf("\t%.10g\n", values[idx++] * to_unit);
                } while (cs_mv_combination_next(comb, k, ncols));
            }
        }
    }

done:
    if (out != CLI_OK && eo->json && dist_rank() == 0) /* no JSON object to hold them */
        est_print_notes(cmd, (const est_var *const[]){vx}, 1);
    cs_mv_plan_destroy(plan);
    cs_symbols_free(&sym);
    cs_matrix_free(&full);
    free(block);
    est_var_free(vx);
    free(vars);
    free(values);
    free(low);
    free(high);
    free(comb);
    return out;
}
