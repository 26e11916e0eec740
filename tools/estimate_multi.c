/* cogscope estimate tc|dtc|oinfo|sinfo|tse|pid|phiid: higher-order measures.
 * tc..tse are here (library: cogscope/multivariate.h), over one set of
 * variables or every multiplet of orders m..M; pid and phiid are routed to
 * estimate_pid.c. Options follow estimate_info.c's conventions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
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
            "  --input FILE        text table (whitespace/comma separated, %%/# comments) or FILE.h5:/dataset\n"
            "  --x COLS            0-based columns (\"0,1\", \"0-3\"; default: all)\n"
            "  --cov FILE          gaussian only: a square covariance matrix, one row per line;\n"
            "                      --x names its rows; values are exact (no samples)\n"
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
            "  --threads N         OpenMP threads (default: all cores); results do not depend on it\n"
            "\n"
            "Output:\n"
            "  --units bits|nats   default bits for discrete, nats otherwise\n"
            "  --json              print one JSON object\n",
            measure, measure);
}

enum {
    O_INPUT = 1000, O_X, O_COV, O_EST, O_BINS, O_BINNING, O_ALPHABET, O_MM, O_BC, O_NOBC, O_MULT,
    O_TOP, O_MAXM, O_MAXMEM, O_THREADS, O_UNITS, O_JSON, O_HELP
};

static const struct option long_opts[] = {
    {"input", required_argument, 0, O_INPUT},
    {"x", required_argument, 0, O_X},
    {"cov", required_argument, 0, O_COV},
    {"estimator", required_argument, 0, O_EST},
    {"bins", required_argument, 0, O_BINS},
    {"binning", required_argument, 0, O_BINNING},
    {"alphabet", required_argument, 0, O_ALPHABET},
    {"miller-madow", no_argument, 0, O_MM},
    {"bias-correct", no_argument, 0, O_BC},
    {"no-bias-correct", no_argument, 0, O_NOBC},
    {"multiplets", required_argument, 0, O_MULT},
    {"top", required_argument, 0, O_TOP},
    {"max-multiplets", required_argument, 0, O_MAXM},
    {"max-memory", required_argument, 0, O_MAXMEM},
    {"threads", required_argument, 0, O_THREADS},
    {"units", required_argument, 0, O_UNITS},
    {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},
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
    const char *input = NULL, *x_text = NULL, *cov_path = NULL, *est_text = NULL;
    const char *units_text = NULL;
    long bins = 0, alphabet = 0, threads = 0;
    uint64_t top = 0, max_count = CS_MV_DEFAULT_MAX_COUNT, max_mb = CS_MV_DEFAULT_MAX_BYTES >> 20;
    size_t kmin = 0, kmax = 0;
    int binning_freq = 0, mm = 0, bias = -1, json = 0, have_top = 0, have_limits = 0;
    double to_unit = 1;

    cli_getopt_reset();
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
        switch (c) {
        case O_INPUT: input = optarg; break;
        case O_X: x_text = optarg; break;
        case O_COV: cov_path = optarg; break;
        case O_EST: est_text = optarg; break;
        case O_BINS: rc = cli_parse_int(cmd, "--bins", optarg, 1, 1L << 30, &bins); break;
        case O_BINNING:
            if (!strcmp(optarg, "freq"))
                binning_freq = 1;
            else if (strcmp(optarg, "width"))
                rc = cli_usage_error(cmd, "--binning: '%s' is not 'width' or 'freq'", optarg);
            break;
        case O_ALPHABET: rc = cli_parse_int(cmd, "--alphabet", optarg, 1, 1L << 30, &alphabet); break;
        case O_MM: mm = 1; break;
        case O_BC: bias = 1; break;
        case O_NOBC: bias = 0; break;
        case O_MULT: rc = parse_orders(cmd, optarg, &kmin, &kmax); break;
        case O_TOP:
            rc = cli_parse_u64(cmd, "--top", optarg, &top), have_top = 1;
            if (!rc && (top < 1 || top > 100000000))
                rc = cli_usage_error(cmd, "--top: %llu is outside [1, 1e8]", (unsigned long long)top);
            break;
        case O_MAXM:
            rc = cli_parse_u64(cmd, "--max-multiplets", optarg, &max_count), have_limits = 1;
            if (!rc && max_count < 1)
                rc = cli_usage_error(cmd, "--max-multiplets must be at least 1");
            break;
        case O_MAXMEM:
            rc = cli_parse_u64(cmd, "--max-memory", optarg, &max_mb), have_limits = 1;
            if (!rc && (max_mb < 1 || max_mb > (UINT64_C(1) << 40)))
                rc = cli_usage_error(cmd, "--max-memory: %llu MB is outside [1, 2^40]",
                                     (unsigned long long)max_mb);
            break;
        case O_THREADS: rc = cli_parse_int(cmd, "--threads", optarg, 1, 4096, &threads); break;
        case O_UNITS: units_text = optarg; break;
        case O_JSON: json = 1; break;
        default: return cli_getopt_error(cmd, argc, argv, c);
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    /* ---- what is asked ---- */
    cs_mv_measure measure;
    if (cs_mv_measure_parse(measure_arg, &measure))
        return cli_usage_error(cmd, "unknown measure '%s'", measure_arg);
    if (!est_text)
        return cli_usage_error(cmd, "--estimator is required (discrete, gaussian or gcopula)");
    int is_disc = !strcmp(est_text, "discrete"), is_gauss = !strcmp(est_text, "gaussian"),
        is_gcop = !strcmp(est_text, "gcopula");
    if (!is_disc && !is_gauss && !is_gcop)
        return cli_usage_error(cmd, "--estimator: '%s' is not discrete, gaussian or gcopula for %s",
                               est_text, measure_arg);
    to_unit = is_disc ? 1.0 / log(2.0) : 1.0;
    const char *units = is_disc ? "bits" : "nats";
    if (units_text) {
        if ((rc = cli_parse_units(cmd, units_text, &to_unit)))
            return rc;
        units = units_text;
    }
    if ((bins || alphabet || mm || binning_freq) && !is_disc)
        return cli_usage_error(cmd, "--bins, --binning, --alphabet and --miller-madow are for "
                                    "--estimator discrete");
    if (bins && alphabet)
        return cli_usage_error(cmd, "--bins (bin continuous data) and --alphabet (data already "
                                    "symbols) exclude each other");
    if (binning_freq && !bins)
        return cli_usage_error(cmd, "--binning needs --bins");
    if (bias >= 0 && is_disc)
        return cli_usage_error(cmd, "--bias-correct/--no-bias-correct are for gaussian and gcopula");
    if ((have_top || have_limits) && !kmin)
        return cli_usage_error(cmd, "--top, --max-multiplets and --max-memory go with --multiplets");
    if (cov_path && !is_gauss)
        return cli_usage_error(cmd, "--cov needs --estimator gaussian");
    if (cov_path && input)
        return cli_usage_error(cmd, "--cov replaces --input: give one or the other");
    if (cov_path && bias == 1)
        return cli_usage_error(cmd, "--cov gives exact values: there is no sample to bias-correct");
    if (!cov_path && !input)
        return cli_usage_error(cmd, "--input FILE (or --cov FILE) is required");
    int bias_on = bias >= 0 ? bias : is_gcop;

    cs_status st;
    int out = CLI_OK;
    size_t *cols = NULL, ncols = 0;
    const char *spec = cov_path ? cov_path : input;
    cs_matrix full = {0}, sel = {0};
    cs_symbols sym = {0};
    cs_mv_plan *plan = NULL;
    double *values = NULL;
    cs_mv_hit *low = NULL, *high = NULL;
    size_t *comb = NULL, *vars = NULL;

    if (x_text && cs_parse_index_list(x_text, "--x", &cols, &ncols)) {
        out = cli_usage_error(cmd, "%s", cs_last_error());
        goto done;
    }
    for (size_t a = 0; a < ncols; a++)
        for (size_t b = 0; b < a; b++)
            if (cols[a] == cols[b]) {
                out = cli_usage_error(cmd, "--x: column %zu is listed twice", cols[a]);
                goto done;
            }

    if ((st = cs_table_read(spec, &full))) {
        out = cli_fail(cmd, st);
        goto done;
    }
    if (cov_path && full.rows != full.cols) {
        cs_error_set(CS_ESHAPE, "%s: a covariance must be square, this is %zu x %zu", cov_path,
                     full.rows, full.cols);
        out = cli_fail(cmd, CS_ESHAPE);
        goto done;
    }
    if (!cols) {
        ncols = full.cols;
        if (!(cols = malloc((ncols ? ncols : 1) * sizeof *cols))) {
            out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
            goto done;
        }
        for (size_t j = 0; j < ncols; j++)
            cols[j] = j;
    }
    for (size_t j = 0; j < ncols; j++)
        if (cols[j] >= full.cols) {
            cs_error_set(CS_EINVAL, "%s: --x: %s %zu is out of range (the %s has %zu: 0-%zu)", spec,
                         cov_path ? "row" : "column", cols[j], cov_path ? "matrix" : "data",
                         full.cols, full.cols - 1);
            out = cli_fail(cmd, CS_EINVAL);
            goto done;
        }
    if (!kmin && ncols < 2) {
        cs_error_set(CS_EINVAL, "%s needs at least 2 variables; --x names %zu", measure_arg, ncols);
        out = cli_fail(cmd, CS_EINVAL);
        goto done;
    }

    if (cov_path) {
        if (!(sel.data = malloc(ncols * ncols * sizeof *sel.data))) {
            out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
            goto done;
        }
        sel.rows = sel.cols = sel.stride = ncols;
        for (size_t a = 0; a < ncols; a++)
            for (size_t b = 0; b < ncols; b++)
                sel.data[a * ncols + b] = cs_matrix_get(full, cols[a], cols[b]);
        st = cs_mv_plan_create_cov(sel.data, ncols, ncols, cols, &plan);
    } else {
        if ((st = cs_matrix_select_cols(full, cols, ncols, &sel))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        if (is_disc) {
            /* Check here so that messages give the user's column numbers. */
            for (size_t i = 0; !st && i < sel.rows; i++)
                for (size_t j = 0; !st && j < ncols; j++) {
                    double v = cs_matrix_get(sel, i, j);
                    if (!isfinite(v))
                        st = cs_error_set(CS_ENONFINITE, "%s at row %zu, column %zu",
                                          isnan(v) ? "NaN" : "Inf", i, cols[j]);
                    else if (!bins && (v != floor(v) || fabs(v) >= 2147483647.0))
                        st = cs_error_set(CS_EINVAL, "%g at row %zu, column %zu is not an integer "
                                                     "symbol (use --bins N to bin continuous data)",
                                          v, i, cols[j]);
                    else if (!bins && alphabet && (v < 0 || v >= (double)alphabet))
                        st = cs_error_set(CS_EINVAL, "%g at row %zu, column %zu is outside the "
                                                     "alphabet [0, %ld)",
                                          v, i, cols[j], alphabet);
                }
            if (!st)
                st = bins ? cs_discrete_bin(sel, (size_t)bins,
                                            binning_freq ? CS_BIN_EQUAL_FREQ : CS_BIN_EQUAL_WIDTH, &sym)
                          : cs_discrete_from_matrix(sel, (int32_t)alphabet, &sym);
            if (!st)
                st = cs_mv_plan_create_discrete(&sym, mm, cols, &plan);
        } else {
            st = cs_mv_plan_create_gaussian(sel, is_gcop ? CS_MV_GCOPULA : CS_MV_GAUSSIAN, bias_on,
                                            cols, &plan);
        }
    }
    if (st) {
        cs_error_prefix("%s: ", spec);
        out = cli_fail(cmd, st);
        goto done;
    }
    size_t nsamples = cs_mv_plan_nsamples(plan);

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
        o.threads = (int)threads;
        o.max_count = max_count;
        o.max_bytes = max_mb << 20;
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
            values = malloc((size_t)est.count * sizeof *values);
        }
        comb = malloc(kmax * sizeof *comb);
        if ((top ? (!low || !high) : !values) || !comb) {
            out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory for %llu multiplets",
                                             (unsigned long long)est.count));
            goto done;
        }
        if ((st = cs_mv_multiplets(plan, measure, &o, values, low, &nlow, high, &nhigh))) {
            out = cli_fail(cmd, st);
            goto done;
        }
    }

    /* ---- report ---- */
    int synergy_names = measure == CS_MV_OINFO;
    const char *low_key = synergy_names ? "most_synergistic" : "lowest";
    const char *high_key = synergy_names ? "most_redundant" : "highest";
    cs_json j;
    if (json) {
        cs_json_init(&j, stdout);
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "measure", measure_arg);
        cs_json_kv_string(&j, "estimator", est_text);
        cs_json_kv_string(&j, "units", units);
        if (!kmin)
            cs_json_kv_number(&j, "value", value * to_unit);
        cs_json_kv_int(&j, "n", (long long)nsamples);
        cs_json_key(&j, "params");
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, cov_path ? "cov" : "input", spec);
        cs_json_key(&j, "x");
        cs_json_begin_array(&j);
        for (size_t i = 0; i < ncols; i++)
            cs_json_int(&j, (long long)cols[i]);
        cs_json_end_array(&j);
        if (is_disc) {
            if (bins) {
                cs_json_kv_int(&j, "bins", bins);
                cs_json_kv_string(&j, "binning", binning_freq ? "freq" : "width");
            } else if (alphabet)
                cs_json_kv_int(&j, "alphabet", alphabet);
            else
                cs_json_kv_string(&j, "alphabet", "inferred");
            cs_json_key(&j, "miller_madow");
            cs_json_bool(&j, mm);
        } else {
            cs_json_key(&j, "bias_correct");
            cs_json_bool(&j, bias_on);
        }
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
        if (cov_path)
            printf("%s (%s): %.10g %s  (%zu variables, exact covariance)\n", measure_arg, est_text,
                   value * to_unit, units, ncols);
        else
            printf("%s (%s): %.10g %s  (%zu variables, n = %zu)\n", measure_arg, est_text,
                   value * to_unit, units, ncols, nsamples);
    } else {
        printf("# %s (%s, %s): %llu multiplets of orders %zu-%zu of %zu variables, n = %zu\n",
               measure_arg, est_text, units, (unsigned long long)est.count, kmin, kmax, ncols,
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
    cs_mv_plan_destroy(plan);
    cs_symbols_free(&sym);
    cs_matrix_free(&full);
    cs_matrix_free(&sel);
    free(cols);
    free(vars);
    free(values);
    free(low);
    free(high);
    free(comb);
    return out;
}
