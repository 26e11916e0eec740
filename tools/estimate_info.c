/* cogscope estimate entropy|mi|cmi|te|ais: information measures of any data a
 * user brings, with the discrete, gaussian, gcopula, ksg1 and ksg2 estimators
 * (library: cogscope/info.h). Options, inputs and the JSON preamble shared
 * with the other estimate families are in estimate_common.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dist.h"
#include "estimate_common.h"
#include "estimate_dist.h"
#include "estimate_pairs.h"
#include "cogscope/info.h"
#include "cogscope/json.h"
#include "cogscope/collist.h"
#include "cogscope/table.h"

static void usage(FILE *out, const char *measure)
{
    fprintf(out,
            "usage: cogscope estimate %s --input FILE --x COLS [--y COLS] [--z COLS]\n"
            "                         --estimator discrete|gaussian|gcopula|ksg1|ksg2 [OPTIONS]\n"
            "       cogscope estimate %s --cov FILE --x ROWS [--y ROWS] [--z ROWS] --estimator gaussian\n"
            "\n"
            "Measures (roles of --x/--y/--z):\n"
            "  entropy   H(X), or the conditional entropy H(X|Y) when --y is given\n"
            "  mi        I(X;Y)\n"
            "  cmi       I(X;Y|Z)\n"
            "  te        transfer entropy from source --x to destination --y, conditioned on the\n"
            "            optional series --z: I(Y_{t+1}; X^(l)_{t+1-u} | Y^(k)_t [, Z_{t}])\n"
            "  ais       active information storage of --x: I(X^(k)_t; X_{t+1})\n"
            "\n"
            "Input:\n"
            "  --input FILE        text table (whitespace/comma separated, %%/# comments) or FILE.h5:/dataset[I]\n"
            "  --x/--y/--z COLS    0-based column lists (\"0,1\", \"0-3\")\n"
            "  --x-input, --y-input, --z-input FILE\n"
            "                      read that variable from its own file (default: --input; all\n"
            "                      columns when its --x/--y/--z is not given)\n"
            "  --cov FILE          gaussian only: a square covariance matrix, one row per line;\n"
            "                      --x/--y/--z name its rows. te: --x source past, --y destination\n"
            "                      future, --past destination past, --z conditioning; ais: --x past,\n"
            "                      --y future\n"
            "  --past ROWS         (te with --cov) rows of the destination past\n"
            "  --n N               (with --cov) samples behind the covariance: enables the bias\n"
            "                      correction and --analytic\n"
            "\n"
            "Estimators:\n"
            "  --estimator E       discrete, gaussian, gcopula, ksg1 or ksg2 (required)\n"
            "  --bins N            discrete: bin continuous columns into N bins first\n"
            "  --binning width|freq  equal-width (default) or equal-frequency bins\n"
            "  --alphabet B        discrete: symbols are integers in [0, B) (default: inferred)\n"
            "  --miller-madow      discrete: Miller-Madow bias correction\n"
            "  --bias-correct, --no-bias-correct\n"
            "                      gaussian/gcopula analytic bias correction (default: off for\n"
            "                      gaussian, on for gcopula)\n"
            "  --k K               KSG neighbours (default 4)\n"
            "  --theiler W         KSG Theiler window in time steps (default 0)\n"
            "  --no-normalize      KSG: do not z-score the columns\n"
            "  --noise SD          KSG: add seeded N(0, SD^2) noise after z-scoring, in units of each\n"
            "                      column's sd (default 1e-8, JIDT's level; 0 turns it off). The JSON\n"
            "                      reports the fraction of rows tied in some column (tied_fraction)\n"
            "\n"
            "Variable types:\n"
            "  --x-discrete, --y-discrete, --z-discrete\n"
            "                      that variable holds integer symbols (class labels): never binned;\n"
            "                      with gaussian/gcopula/ksg1, mi and cmi use the mixed estimators\n"
            "                      (Gaussian class model of Ince et al. 2017; Ross 2014 neighbours)\n"
            "  --gc-form F         gaussian/gcopula with a discrete variable: model (default; GCMI's\n"
            "                      gcmi_model_cd, bounded to [0, H(Y)]) or mixture (gcmi_mixture_cd)\n"
            "  --strict            refuse constant or duplicated columns (default: drop them with a note)\n"
            "\n"
            "Time series (te, ais):\n"
            "  --history K         destination history length k (ais: history length; default 1)\n"
            "  --source-history L  source history length l (default 1)\n"
            "  --delay U           source-destination delay u (default 1)\n"
            "  --history-tau T, --source-tau T   spacing of history samples (default 1)\n"
            "  --cond-history M, --cond-delay W  conditioning history and delay (default 1)\n"
            "\n"
            "Significance and output:\n"
            "  --surrogates N      permutation test with N seeded surrogates\n"
            "  --seed S            seed of the surrogates and of the KSG noise (default 0)\n"
            "  --analytic          chi-squared null (discrete, gaussian): 2 N I ~ chi2(df)\n"
            "  --threads N         OpenMP threads (0, the default: all cores)\n"
            "  --units bits|nats   default bits for discrete, nats otherwise\n"
            "  --local OUT         write the local (pointwise) values to OUT, one per line\n"
            "                      (never over an input; an existing run log only with --force)\n"
            "  --pairs COLS        (te, mi) every ordered pair (i, j) of these columns, i as --x\n"
            "                      (te: source) and j as --y (te: destination), printed as a\n"
            "                      matrix (and one of p-values with --surrogates); replaces --x/--y\n"
            "  --json              print one JSON object\n",
            measure, measure);
}

enum {
    O_X = EST_O_OWN, O_Y, O_Z, O_XIN, O_YIN, O_ZIN, O_PAST, O_N, O_K, O_THEILER, O_NONORM,
    O_NOISE, O_HIST, O_SHIST, O_DELAY, O_HTAU, O_STAU, O_CHIST, O_CDELAY, O_SURR, O_SEED,
    O_ANALYTIC, O_LOCAL, O_PAIRS, O_FORCE, O_XDISC, O_YDISC, O_ZDISC, O_GCMIX
};

static const struct option long_opts[] = {
    EST_LONG_SOURCE,
    EST_LONG_ESTIMATOR,
    EST_LONG_CORRECTIONS,
    EST_LONG_OUTPUT,
    {"x", required_argument, 0, O_X},
    {"y", required_argument, 0, O_Y},
    {"z", required_argument, 0, O_Z},
    {"x-input", required_argument, 0, O_XIN},
    {"y-input", required_argument, 0, O_YIN},
    {"z-input", required_argument, 0, O_ZIN},
    {"past", required_argument, 0, O_PAST},
    {"n", required_argument, 0, O_N},
    {"k", required_argument, 0, O_K},
    {"theiler", required_argument, 0, O_THEILER},
    {"no-normalize", no_argument, 0, O_NONORM},
    {"noise", required_argument, 0, O_NOISE},
    {"history", required_argument, 0, O_HIST},
    {"source-history", required_argument, 0, O_SHIST},
    {"delay", required_argument, 0, O_DELAY},
    {"history-tau", required_argument, 0, O_HTAU},
    {"source-tau", required_argument, 0, O_STAU},
    {"cond-history", required_argument, 0, O_CHIST},
    {"cond-delay", required_argument, 0, O_CDELAY},
    {"surrogates", required_argument, 0, O_SURR},
    {"seed", required_argument, 0, O_SEED},
    {"analytic", no_argument, 0, O_ANALYTIC},
    {"local", required_argument, 0, O_LOCAL},
    {"pairs", required_argument, 0, O_PAIRS},
    {"force", no_argument, 0, O_FORCE},
    {"x-discrete", no_argument, 0, O_XDISC},
    {"y-discrete", no_argument, 0, O_YDISC},
    {"z-discrete", no_argument, 0, O_ZDISC},
    {"gc-form", required_argument, 0, O_GCMIX},
    {0, 0, 0, 0},
};

/* Everything the options set. */
typedef struct {
    est_opts eo;
    est_var vx, vy, vz; /* --x, --y, --z (and their --*-input files) */
    const char *past_text, *local_path, *pairs_text;
    long knn, theiler, hist, shist, delay, htau, stau, chist, cdelay;
    uint64_t nsurr, seed, n_cov;
    double noise;
    int normalize, analytic, force, gc_mixture, gc_form_given;
    int discrete[3]; /* --x/--y/--z-discrete */
    int have_hist, have_te_opts, knn_given, theiler_given; /* given: checked against the measure table */
} info_args;

static int on_option(const char *cmd, int code, const char *arg, void *ctx)
{
    info_args *a = ctx;
    const long max_len = 1L << 20; /* history lengths and delays */
    int rc = est_opts_parse(cmd, code, arg, &a->eo);
    if (rc >= 0)
        return rc;
    switch (code) {
    case O_X: a->vx.text = arg; return 0;
    case O_Y: a->vy.text = arg; return 0;
    case O_Z: a->vz.text = arg; return 0;
    case O_XIN: a->vx.file = arg; return 0;
    case O_YIN: a->vy.file = arg; return 0;
    case O_ZIN: a->vz.file = arg; return 0;
    case O_PAST: a->past_text = arg; return 0;
    case O_LOCAL: a->local_path = arg; return 0;
    case O_PAIRS: a->pairs_text = arg; return 0;
    case O_FORCE: a->force = 1; return 0;
    case O_N: return cli_parse_u64(cmd, "--n", arg, &a->n_cov);
    case O_SEED: return cli_parse_u64(cmd, "--seed", arg, &a->seed);
    case O_ANALYTIC: a->analytic = 1; return 0;
    case O_XDISC: a->discrete[0] = 1; return 0;
    case O_YDISC: a->discrete[1] = 1; return 0;
    case O_ZDISC: a->discrete[2] = 1; return 0;
    case O_GCMIX:
        if (strcmp(arg, "model") && strcmp(arg, "mixture"))
            return cli_usage_error(cmd, "--gc-form: '%s' is not model or mixture", arg);
        a->gc_mixture = !strcmp(arg, "mixture");
        a->gc_form_given = 1;
        return 0;
    case O_SURR:
        rc = cli_parse_u64(cmd, "--surrogates", arg, &a->nsurr);
        if (!rc && (a->nsurr < 1 || a->nsurr > 100000000))
            rc = cli_usage_error(cmd, "--surrogates: %llu is outside [1, 1e8]",
                                 (unsigned long long)a->nsurr);
        return rc;
    case O_K:
        a->knn_given = 1;
        return cli_parse_int(cmd, "--k", arg, 1, 1L << 30, &a->knn);
    case O_THEILER:
        a->theiler_given = 1;
        return cli_parse_int(cmd, "--theiler", arg, 0, 1L << 30, &a->theiler);
    case O_NONORM: a->normalize = 0; return 0;
    case O_NOISE:
        rc = cli_parse_double(cmd, "--noise", arg, &a->noise);
        if (!rc && a->noise < 0)
            rc = cli_usage_error(cmd, "--noise: %g must be >= 0", a->noise);
        return rc;
    case O_HIST: a->have_hist = 1; return cli_parse_int(cmd, "--history", arg, 1, max_len, &a->hist);
    case O_HTAU:
        a->have_hist = 1;
        return cli_parse_int(cmd, "--history-tau", arg, 1, max_len, &a->htau);
    case O_SHIST:
        a->have_te_opts = 1;
        return cli_parse_int(cmd, "--source-history", arg, 1, max_len, &a->shist);
    case O_DELAY:
        a->have_te_opts = 1;
        return cli_parse_int(cmd, "--delay", arg, 1, max_len, &a->delay);
    case O_STAU:
        a->have_te_opts = 1;
        return cli_parse_int(cmd, "--source-tau", arg, 1, max_len, &a->stau);
    case O_CHIST:
        a->have_te_opts = 1;
        return cli_parse_int(cmd, "--cond-history", arg, 1, max_len, &a->chist);
    case O_CDELAY:
        a->have_te_opts = 1;
        return cli_parse_int(cmd, "--cond-delay", arg, 1, max_len, &a->cdelay);
    default: return -1;
    }
}

/* The request (roles and options given) against the library's measure
 * table: one validation, the same the library and the Python package run. */
static int validate(const char *cmd, cs_info_measure measure, cs_info_estimator est, const info_args *a)
{
    cs_measure_request r = {measure, est, 0, 0, {CS_VAR_CONTINUOUS}};
    const est_var *v[3] = {&a->vx, &a->vy, &a->vz};
    for (int k = 0; k < 3; k++) {
        if (v[k]->text || v[k]->file)
            r.roles |= 1u << k;
        r.types[k] = a->discrete[k] ? CS_VAR_DISCRETE : CS_VAR_CONTINUOUS;
    }
    if (a->pairs_text || a->eo.cov || !(r.roles & CS_ROLE_BIT_X))
        r.roles = 0; /* roles are checked by the --pairs / --cov / --x paths */
    const struct {
        int given;
        unsigned bit;
    } opts[] = {{a->knn_given, CS_OPT_KNN},         {a->theiler_given, CS_OPT_THEILER},
                {!a->normalize, CS_OPT_NORMALIZE},  {a->noise >= 0, CS_OPT_NOISE},
                {a->have_hist, CS_OPT_HISTORY},     {a->have_te_opts, CS_OPT_SOURCE_HISTORY},
                {a->analytic, CS_OPT_ANALYTIC},     {a->nsurr > 0, CS_OPT_SURROGATES},
                {a->local_path != NULL, CS_OPT_LOCAL}, {a->eo.cov != NULL, CS_OPT_COVARIANCE},
                {a->gc_form_given, CS_OPT_GC_FORM},
                {a->discrete[0] || a->discrete[1] || a->discrete[2], CS_OPT_DISCRETE_VARS}};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (opts[i].given)
            r.options |= opts[i].bit;
    if (cs_measure_validate(&r) != CS_OK)
        return cli_usage_error(cmd, "%s", cs_last_error());
    return 0;
}

/* --pairs COLS: check what goes with it, read the columns, run. */
static int pairs_mode(const char *cmd, const char *measure_arg, info_args *a, const cs_info_params *p)
{
    if (p->measure != CS_INFO_TE && p->measure != CS_INFO_MI)
        return cli_usage_error(cmd, "--pairs is for te and mi");
    if (a->vx.text || a->vy.text || a->vz.text || a->vx.file || a->vy.file || a->vz.file ||
        a->eo.cov || a->past_text || a->n_cov || a->local_path || a->analytic)
        return cli_usage_error(cmd, "--pairs replaces --x/--y/--z (and their inputs); it takes no "
                                    "--cov, --past, --n, --local or --analytic");
    if (!a->eo.input)
        return cli_usage_error(cmd, "--pairs needs --input FILE");
    est_var v = {.flag = "--pairs", .text = a->pairs_text, .file = a->eo.input};
    cs_matrix table = {0};
    int out = est_var_parse(cmd, &v);
    for (size_t i = 0; !out && i < v.ncols; i++)
        for (size_t k = 0; k < i; k++)
            if (v.cols[i] == v.cols[k]) {
                out = cli_usage_error(cmd, "--pairs: column %zu is listed twice", v.cols[i]);
                break;
            }
    if (!out && v.ncols < 2)
        out = cli_usage_error(cmd, "--pairs needs at least 2 columns");
    if (!out) {
        int checks = est_is_discrete(&a->eo) ? (a->eo.bins ? 0 : EST_SYMBOLS) : EST_NONCONSTANT;
        cs_status st = cs_table_read(a->eo.input, &table);
        if (!st)
            st = est_var_select(&v, table, checks, a->eo.alphabet);
        out = st ? cli_fail(cmd, st)
                 : est_pairs_run(cmd, measure_arg, p, &a->eo, &v, a->nsurr, a->seed);
    }
    cs_matrix_free(&table);
    est_var_free(&v);
    return out;
}

int cmd_estimate_info(int argc, char **argv)
{
    const char *measure_arg = argv[0];
    const char *cmd = "estimate";
    if (cli_wants_help(argc, argv)) {
        usage(stdout, measure_arg);
        return CLI_OK;
    }
    cs_init();
    info_args a = {.vx = {.flag = "--x"}, .vy = {.flag = "--y"}, .vz = {.flag = "--z"},
                   .knn = 4, .hist = 1, .shist = 1, .delay = 1, .htau = 1, .stau = 1, .chist = 1,
                   .cdelay = 1, .normalize = 1, .noise = -1};
    est_opts_init(&a.eo, EST_ALL, 1);
    int rc = cli_getopt(cmd, argc, argv, long_opts, on_option, &a);
    if (rc)
        return rc;

    /* ---- what is asked ---- */
    cs_info_measure measure;
    if (cs_info_measure_parse(measure_arg, &measure) || measure == CS_INFO_CENTROPY)
        return cli_usage_error(cmd, "unknown measure '%s'", measure_arg);
    if (measure == CS_INFO_ENTROPY && a.vy.text)
        measure = CS_INFO_CENTROPY; /* H(X|Y) */
    if ((rc = est_opts_estimator(cmd, &a.eo, measure_arg)))
        return rc;
    cs_info_estimator est = a.eo.est;
    int is_ksg = est == CS_EST_KSG1 || est == CS_EST_KSG2, is_disc = est == CS_EST_DISCRETE;
    int timeseries = measure == CS_INFO_TE || measure == CS_INFO_AIS;
    if ((rc = est_opts_check(cmd, &a.eo)))
        return rc;
    if ((rc = validate(cmd, measure, est, &a)))
        return rc;
    int need_y = measure != CS_INFO_ENTROPY && measure != CS_INFO_AIS;
    int need_z = measure == CS_INFO_CMI;
    int allow_z = need_z || measure == CS_INFO_TE;

    cs_info_params p;
    cs_info_params_default(measure, est, &p);
    p.embed.k = (size_t)a.hist;
    p.embed.k_tau = (size_t)a.htau;
    p.embed.l = (size_t)a.shist;
    p.embed.l_tau = (size_t)a.stau;
    p.embed.u = (size_t)a.delay;
    p.embed.m = (size_t)a.chist;
    p.embed.w = (size_t)a.cdelay;
    p.alphabet = (int32_t)a.eo.alphabet;
    p.bins = (size_t)a.eo.bins;
    p.binning = a.eo.binning_freq ? CS_BIN_EQUAL_FREQ : CS_BIN_EQUAL_WIDTH;
    p.miller_madow = a.eo.miller_madow;
    p.bias_correct = a.eo.bias;
    p.knn = (int)a.knn;
    p.normalize = a.normalize;
    p.theiler = (size_t)a.theiler;
    if (a.noise >= 0)
        p.noise_sd = a.noise; /* else the library's default (1e-8 for KSG) */
    a.noise = p.noise_sd;
    p.noise_seed = a.seed;
    int any_discrete = 0;
    for (int r = 0; r < 3; r++) {
        p.types[r] = a.discrete[r] ? CS_VAR_DISCRETE : CS_VAR_CONTINUOUS;
        any_discrete |= a.discrete[r];
    }
    p.gc_mixture = a.gc_mixture;
    p.threads = (int)a.eo.threads;

    cs_info *calc = NULL;
    cs_status st;
    double value = 0, *local = NULL;
    size_t *past = NULL, npast = 0, *zrows = NULL;
    est_tables tables = {.file = {NULL}};
    cs_matrix cov = {0};
    cs_info_significance sig;
    cs_info_chi2 chi2;
    int out = CLI_OK;

    if (a.pairs_text)
        return pairs_mode(cmd, measure_arg, &a, &p);

    /* Column lists */
    est_var *vars[3] = {&a.vx, &a.vy, &a.vz};
    for (int r = 0; r < 3; r++)
        if ((out = est_var_parse(cmd, vars[r])))
            goto done;
    if (a.local_path) {
        const char *inputs[5] = {a.eo.input, a.eo.cov, a.vx.file, a.vy.file, a.vz.file};
        if ((out = cli_out_guard(cmd, "--local", a.local_path, inputs, 5, a.force)))
            goto done;
    }
    if (a.past_text && (!a.eo.cov || measure != CS_INFO_TE)) {
        out = cli_usage_error(cmd, "--past names the destination-past rows of a --cov for te");
        goto done;
    }
    if (a.past_text && cs_collist_parse(a.past_text, "--past", CS_COLLIST_MAX, &past, &npast)) {
        out = cli_usage_error(cmd, "%s", cs_last_error());
        goto done;
    }

    if (a.eo.cov) {
        /* ---- exact Gaussian from a covariance ---- */
        if (a.eo.input || a.vx.file || a.vy.file || a.vz.file) {
            out = cli_usage_error(cmd, "--cov replaces --input/--x-input/...: give one or the other");
            goto done;
        }
        if (!a.vx.cols || (need_y || measure == CS_INFO_AIS ? !a.vy.cols : 0) || (need_z && !a.vz.cols) ||
            (measure == CS_INFO_TE && !past)) {
            out = cli_usage_error(cmd, "with --cov, %s needs %s", measure_arg,
                                  measure == CS_INFO_TE    ? "--x (source past), --y (destination "
                                                             "future) and --past"
                                  : measure == CS_INFO_AIS ? "--x (past) and --y (future)"
                                  : need_z                 ? "--x, --y and --z"
                                  : need_y                 ? "--x and --y"
                                                           : "--x");
            goto done;
        }
        if (!allow_z && a.vz.cols) {
            out = cli_usage_error(cmd, "%s takes no --z", measure_arg);
            goto done;
        }
        if ((st = est_cov_read(a.eo.cov, &cov))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        /* te: the library's z = destination past + conditioning rows */
        size_t nz = a.vz.ncols;
        const size_t *zr = a.vz.cols;
        if (measure == CS_INFO_TE) {
            nz = npast + a.vz.ncols;
            zrows = malloc((nz ? nz : 1) * sizeof *zrows);
            if (!zrows) {
                out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                goto done;
            }
            memcpy(zrows, past, npast * sizeof *zrows);
            if (a.vz.ncols)
                memcpy(zrows + npast, a.vz.cols, a.vz.ncols * sizeof *zrows);
            zr = zrows;
        }
        if (measure == CS_INFO_AIS)
            p.measure = CS_INFO_MI; /* past/future rows given: AIS is their MI */
        if ((st = cs_info_create(&p, &calc)) ||
            (st = cs_info_set_covariance(calc, cov.data, cov.rows, a.vx.cols, a.vx.ncols, a.vy.cols,
                                         a.vy.ncols, zr, nz, (size_t)a.n_cov))) {
            cs_error_prefix("%s: ", a.eo.cov);
            out = cli_fail(cmd, st);
            goto done;
        }
    } else {
        /* ---- samples ---- */
        if (a.past_text || a.n_cov) {
            out = cli_usage_error(cmd, "--past and --n go with --cov");
            goto done;
        }
        if (!a.eo.input && !a.vx.file) {
            out = cli_usage_error(cmd, "--input FILE (or --cov FILE) is required");
            goto done;
        }
        if (!a.vx.cols && !a.vx.file) {
            out = cli_usage_error(cmd, "--x is required");
            goto done;
        }
        int use_y = need_y || measure == CS_INFO_CENTROPY, use_z = a.vz.cols || a.vz.file;
        /* discrete data given as symbols must be integers (in the alphabet, if
         * any); continuous estimators cannot use a constant column */
        int cont_checks = is_disc ? (a.eo.bins ? 0 : EST_SYMBOLS) : EST_PRUNE | (a.eo.strict ? EST_STRICT : 0);
        int used[3] = {1, use_y, use_z};
        for (int r = 0; r < 3; r++) {
            if (!vars[r]->file)
                vars[r]->file = a.eo.input;
            cs_matrix table;
            int checks = a.discrete[r] ? EST_SYMBOLS : cont_checks;
            long alphabet = is_disc ? a.eo.alphabet : 0;
            if (used[r] && ((st = est_tables_get(&tables, vars[r]->file, &table)) ||
                            (st = est_var_select(vars[r], table, checks, alphabet)))) {
                out = cli_fail(cmd, st);
                goto done;
            }
            if (used[r] && vars[r]->data.rows != a.vx.data.rows) {
                cs_error_set(CS_ESHAPE, "X and %c differ in length: %s has %zu rows for --x, %s has "
                                        "%zu rows for %s",
                             "XYZ"[r], a.vx.file, a.vx.data.rows, vars[r]->file,
                             vars[r]->data.rows, vars[r]->flag);
                out = cli_fail(cmd, CS_ESHAPE);
                goto done;
            }
        }
        if (is_ksg) {
            /* k must leave at least one non-neighbour; name the flag, not an internal role. */
            size_t usable = measure == CS_INFO_TE
                                ? cs_embed_te_count(a.vx.data.rows, &p.embed, use_z)
                                : measure == CS_INFO_AIS
                                      ? cs_embed_ais_count(a.vx.data.rows, p.embed.k, p.embed.k_tau)
                                      : a.vx.data.rows;
            if (usable > 0 && (size_t)a.knn >= usable) {
                cs_error_set(CS_EINVAL, "--k %ld must be smaller than the number of usable samples "
                                        "(%zu)",
                             a.knn, usable);
                out = cli_fail(cmd, CS_EINVAL);
                goto done;
            }
        }
        if ((st = cs_info_create(&p, &calc)) ||
            (st = cs_info_set_observations(calc, a.vx.data, use_y ? a.vy.data : (cs_matrix){0},
                                           use_z ? a.vz.data : (cs_matrix){0}))) {
            out = cli_fail(cmd, st);
            goto done;
        }
    }

    if (a.local_path && dist_rank() == 0) { /* one writer under mpirun */
        size_t n = cs_info_count(calc);
        local = malloc((n ? n : 1) * sizeof *local);
        if (!local) {
            out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
            goto done;
        }
        if ((st = cs_info_local(calc, local, &value))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        cli_out f;
        if (cli_out_open(cmd, a.local_path, &f)) {
            out = CLI_FAIL;
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            fprintf(f.f, "%.17g\n", local[i] * a.eo.to_unit);
        if (cli_out_commit(cmd, &f)) {
            out = CLI_FAIL;
            goto done;
        }
    }
    /* The average, not the mean of the locals, is reported: it is the same
     * number up to rounding, and this keeps output identical with/without --local. */
    if ((st = cs_info_average(calc, &value))) {
        out = cli_fail(cmd, st);
        goto done;
    }
    if (a.nsurr && (st = est_dist_surrogates(calc, (size_t)a.nsurr, a.seed, &sig))) {
        out = cli_fail(cmd, st);
        goto done;
    }
    if (a.analytic && (st = cs_info_analytic(calc, &chi2))) {
        out = cli_fail(cmd, st);
        goto done;
    }

    const char *mname = measure == CS_INFO_CENTROPY ? "conditional_entropy" : measure_arg;
    size_t occupied = 0;
    int saturated = cs_info_saturated(calc, &occupied), clamped = cs_info_clamped(calc);
    double tied = cs_info_tied_fraction(calc);
    const est_var *const cvars[3] = {&a.vx, &a.vy, &a.vz};
    const char *units = a.eo.units;
    double to_unit = a.eo.to_unit;
    size_t n = cs_info_count(calc);
    if (a.eo.json) {
        cs_json j;
        est_json_begin(&j, mname, &a.eo);
        cs_json_kv_number(&j, "value", value * to_unit);
        cs_json_kv_int(&j, "n", (long long)n);
        if (is_disc) {
            cs_json_key(&j, "saturated");
            cs_json_bool(&j, saturated);
            cs_json_kv_int(&j, "occupied_states", (long long)occupied);
        }
        if (!isnan(tied))
            cs_json_kv_number(&j, "tied_fraction", tied);
        if (any_discrete && !is_disc) {
            cs_json_key(&j, "clamped");
            cs_json_bool(&j, clamped);
        }
        est_json_notes(&j, cvars, 3);
        cs_json_key(&j, "params");
        cs_json_begin_object(&j);
        est_json_source(&j, &a.eo, a.vx.file);
        est_json_list(&j, "x", a.vx.cols, a.vx.ncols);
        if (a.vy.cols)
            est_json_list(&j, "y", a.vy.cols, a.vy.ncols);
        if (a.vz.cols)
            est_json_list(&j, "z", a.vz.cols, a.vz.ncols);
        if (past)
            est_json_list(&j, "past", past, npast);
        if (timeseries) {
            cs_json_kv_int(&j, "history", a.hist);
            cs_json_kv_int(&j, "history_tau", a.htau);
        }
        if (measure == CS_INFO_TE) {
            cs_json_kv_int(&j, "source_history", a.shist);
            cs_json_kv_int(&j, "source_tau", a.stau);
            cs_json_kv_int(&j, "delay", a.delay);
            if (a.vz.cols) {
                cs_json_kv_int(&j, "cond_history", a.chist);
                cs_json_kv_int(&j, "cond_delay", a.cdelay);
            }
        }
        est_json_estimator(&j, &a.eo);
        if (any_discrete) {
            cs_json_key(&j, "discrete");
            cs_json_begin_array(&j);
            for (int r = 0; r < 3; r++)
                if (a.discrete[r])
                    cs_json_string(&j, r == 0 ? "x" : r == 1 ? "y" : "z");
            cs_json_end_array(&j);
            if (est == CS_EST_GAUSSIAN || est == CS_EST_GCOPULA)
                cs_json_kv_string(&j, "gc_form", a.gc_mixture ? "mixture" : "model");
        }
        if (is_ksg) {
            cs_json_kv_int(&j, "k", a.knn);
            cs_json_kv_int(&j, "theiler", a.theiler);
            cs_json_key(&j, "normalize");
            cs_json_bool(&j, a.normalize);
            cs_json_kv_number(&j, "noise", a.noise);
        }
        if (a.nsurr) {
            cs_json_kv_int(&j, "surrogates", (long long)a.nsurr);
        }
        if (a.nsurr || (is_ksg && a.noise > 0))
            cs_json_kv_int(&j, "seed", (long long)a.seed);
        cs_json_end_object(&j);
        if (a.nsurr) {
            cs_json_kv_number(&j, "p_value", sig.p_value);
            cs_json_kv_number(&j, "surrogate_mean", sig.surrogate_mean * to_unit);
            cs_json_kv_number(&j, "surrogate_std", sig.surrogate_std * to_unit);
        }
        if (a.analytic) {
            cs_json_kv_number(&j, "analytic_p_value", chi2.p_value);
            cs_json_kv_number(&j, "chi2_statistic", chi2.statistic);
            cs_json_kv_number(&j, "chi2_df", chi2.df);
        }
        cs_json_end_object(&j);
    } else {
        est_print_notes(cmd, cvars, 3);
        printf("%s (%s): %.10g %s  (n = %zu)\n", mname, a.eo.est_text, value * to_unit, units, n);
        if (saturated)
            printf("saturated: %zu occupied joint states for %zu samples (more than N/5): the plug-in "
                   "value is limited by the sample count\n",
                   occupied, n);
        if (clamped)
            printf("clamped: the estimate was negative and is reported as 0\n");
        if (!isnan(tied) && tied > 0)
            printf("tied fraction %.4g (rows sharing a value in some column%s)\n", tied,
                   is_ksg || (any_discrete && est == CS_EST_KSG1) ? (a.noise > 0 ? "; broken by the noise" : "; no noise: KSG counts are ill-defined") : "");
        if (a.nsurr)
            printf("surrogates: %llu, p = %.6g, mean %.6g %s, std %.6g %s\n",
                   (unsigned long long)a.nsurr, sig.p_value, sig.surrogate_mean * to_unit, units,
                   sig.surrogate_std * to_unit, units);
        if (a.analytic)
            printf("chi-squared null: 2NI = %.6g (nats), df = %.6g, p = %.6g\n", chi2.statistic,
                   chi2.df, chi2.p_value);
    }

done:
    cs_info_destroy(calc);
    for (int r = 0; r < 3; r++)
        est_var_free(vars[r]);
    free(past);
    free(zrows);
    free(local);
    est_tables_free(&tables);
    cs_matrix_free(&cov);
    return out;
}
