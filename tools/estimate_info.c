/* cogscope estimate entropy|mi|cmi|te|ais: information measures of any data a
 * user brings, with the discrete, gaussian, gcopula, ksg1 and ksg2 estimators
 * (library: cogscope/info.h). This file declares the options and checks the
 * request against the library's measure table (cs_measure_validate);
 * estimate_info_run.c reads the inputs, computes and prints. Options, inputs
 * and the JSON preamble shared with the other estimate families are in
 * estimate_common.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "estimate_info.h"
#include "estimate_pairs.h"
#include "cogscope/table.h"

#define J_(member) offsetof(info_job, member)
#define MAX_LEN ((double)(1L << 20)) /* history lengths and delays */

static const cli_choice gc_forms[] = {{"model", 0}, {"mixture", 1}, {NULL, 0}};

/* .tag: the library option (CS_OPT_*) an option asks for, which the
 * measure table admits or refuses for the measure and estimator. */
static const cli_opt options[] = {
    {.name = "Input:", .type = CLI_SECTION},
    {.type = CLI_INCLUDE, .sub = est_input_opts, .field = J_(eo)},
    {"x", CLI_COLS, J_(vx.text), "COLS", .help = "0-based column list of X (\"0,1\", \"0-3\")"},
    {"y", CLI_COLS, J_(vy.text), "COLS", .help = "... of Y"},
    {"z", CLI_COLS, J_(vz.text), "COLS", .help = "... of Z"},
    {"x-input", CLI_FILE, J_(vx.file), "FILE",
     .help = "read X from its own file (default: --input; all columns when\n--x is not given)"},
    {"y-input", CLI_FILE, J_(vy.file), "FILE", .help = "the same for Y"},
    {"z-input", CLI_FILE, J_(vz.file), "FILE", .help = "the same for Z"},
    {"cov", CLI_FILE, J_(eo.cov), "FILE", .tag = CS_OPT_COVARIANCE,
     .help = "gaussian only: a square covariance matrix, one row per line;\n"
             "--x/--y/--z name its rows. te: --x source past, --y destination\n"
             "future, --past destination past, --z conditioning; ais: --x past,\n"
             "--y future"},
    {"past", CLI_COLS, J_(past_text), "ROWS", .help = "(te with --cov) rows of the destination past"},
    {"n", CLI_U64, J_(n_cov), "N",
     .help = "(with --cov) samples behind the covariance: enables the bias\ncorrection and --analytic"},
    {.name = "\nEstimators:", .type = CLI_SECTION},
    {"estimator", CLI_STRING, J_(eo.est_text), "E", .help = "discrete, gaussian, gcopula, ksg1 or ksg2 (required)"},
    {.type = CLI_INCLUDE, .sub = est_discrete_opts, .field = J_(eo)},
    {.type = CLI_INCLUDE, .sub = est_correction_opts, .field = J_(eo)},
    {"k", CLI_INT, J_(knn), "K", .min = 1, .max = 1L << 30, .def = "4", .tag = CS_OPT_KNN, .help = "KSG neighbours"},
    {"theiler", CLI_INT, J_(theiler), "W", .min = 0, .max = 1L << 30, .tag = CS_OPT_THEILER,
     .help = "KSG Theiler window in time steps (default 0)"},
    {"no-normalize", CLI_CLEAR, J_(normalize), NULL, .json = "normalize", .tag = CS_OPT_NORMALIZE,
     .help = "KSG: do not z-score the columns"},
    {"noise", CLI_DOUBLE, J_(noise), "SD", .min = 0, .range = CLI_MIN, .tag = CS_OPT_NOISE,
     .help = "KSG: add seeded N(0, SD^2) noise after z-scoring, in units of each\n"
             "column's sd (default 1e-8, JIDT's level; 0 turns it off). The JSON\n"
             "reports the fraction of rows tied in some column (tied_fraction)"},
    {.name = "\nVariable types:", .type = CLI_SECTION},
    {"x-discrete", CLI_FLAG, J_(discrete[0]), NULL, .tag = CS_OPT_DISCRETE_VARS,
     .help = "X holds integer symbols (class labels): never binned; with\n"
             "gaussian/gcopula/ksg1, mi and cmi use the mixed estimators\n"
             "(Gaussian class model of Ince et al. 2017; Ross 2014 neighbours)"},
    {"y-discrete", CLI_FLAG, J_(discrete[1]), NULL, .tag = CS_OPT_DISCRETE_VARS, .help = "the same for Y"},
    {"z-discrete", CLI_FLAG, J_(discrete[2]), NULL, .tag = CS_OPT_DISCRETE_VARS, .help = "the same for Z"},
    {"gc-form", CLI_ENUM, J_(gc_mixture), "F", .choices = gc_forms, .tag = CS_OPT_GC_FORM,
     .help = "gaussian/gcopula with a discrete variable: model (default; GCMI's\n"
             "gcmi_model_cd, bounded to [0, H(Y)]) or mixture (gcmi_mixture_cd)"},
    {.name = "\nTime series (te, ais):", .type = CLI_SECTION},
    {"history", CLI_INT, J_(hist), "K", .min = 1, .max = MAX_LEN, .def = "1", .tag = CS_OPT_HISTORY,
     .help = "destination history length k (ais: history length)"},
    {"source-history", CLI_INT, J_(shist), "L", .min = 1, .max = MAX_LEN, .def = "1", .tag = CS_OPT_SOURCE_HISTORY,
     .help = "source history length l"},
    {"delay", CLI_INT, J_(delay), "U", .min = 1, .max = MAX_LEN, .def = "1", .tag = CS_OPT_SOURCE_HISTORY,
     .help = "source-destination delay u"},
    {"history-tau", CLI_INT, J_(htau), "T", .min = 1, .max = MAX_LEN, .def = "1", .tag = CS_OPT_HISTORY,
     .help = "spacing of destination history samples"},
    {"source-tau", CLI_INT, J_(stau), "T", .min = 1, .max = MAX_LEN, .def = "1", .tag = CS_OPT_SOURCE_HISTORY,
     .help = "spacing of source history samples"},
    {"cond-history", CLI_INT, J_(chist), "M", .min = 1, .max = MAX_LEN, .def = "1", .tag = CS_OPT_SOURCE_HISTORY,
     .help = "conditioning history"},
    {"cond-delay", CLI_INT, J_(cdelay), "W", .min = 1, .max = MAX_LEN, .def = "1", .tag = CS_OPT_SOURCE_HISTORY,
     .help = "conditioning delay"},
    {.name = "\nSignificance and output:", .type = CLI_SECTION},
    {"surrogates", CLI_U64, J_(nsurr), "N", .min = 1, .max = 100000000, .range = CLI_MIN | CLI_MAX,
     .tag = CS_OPT_SURROGATES, .help = "permutation test with N seeded surrogates"},
    {"seed", CLI_U64, J_(seed), "S", .help = "seed of the surrogates and of the KSG noise (default 0)"},
    {"analytic", CLI_FLAG, J_(analytic), NULL, .tag = CS_OPT_ANALYTIC,
     .help = "chi-squared null (discrete, gaussian): 2 N I ~ chi2(df)"},
    {"local", CLI_FILE, J_(local_path), "OUT", .tag = CS_OPT_LOCAL,
     .help = "write the local (pointwise) values to OUT, one per line\n"
             "(never over an input; an existing run log only with --force)"},
    {"force", CLI_FLAG, J_(force), NULL, .help = "let --local replace an existing run log"},
    {"pairs", CLI_COLS, J_(pairs_text), "COLS",
     .help = "(te, mi) every ordered pair (i, j) of these columns, i as --x\n"
             "(te: source) and j as --y (te: destination), printed as a\n"
             "matrix (and one of p-values with --surrogates); replaces --x/--y"},
    {.type = CLI_INCLUDE, .sub = est_output_opts, .field = J_(eo)},
    {0},
};

static const cli_command spec_template = {
    .cmd = "estimate",
    .usage = "usage: cogscope estimate %s --input FILE --x COLS [--y COLS] [--z COLS]\n"
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
             "\n",
    .opts = options,
};

/* The request (roles and options given) against the library's measure
 * table: one validation, the same the library and the Python package run. */
static int validate(const info_job *J)
{
    cs_measure_request r = {J->measure, J->eo.est, 0, cli_given_tags(&J->args), {CS_VAR_CONTINUOUS}};
    const est_var *v[3] = {&J->vx, &J->vy, &J->vz};
    for (int k = 0; k < 3; k++) {
        if (v[k]->text || v[k]->file)
            r.roles |= 1u << k;
        r.types[k] = J->discrete[k] ? CS_VAR_DISCRETE : CS_VAR_CONTINUOUS;
    }
    if (J->pairs_text || J->eo.cov || !(r.roles & CS_ROLE_BIT_X))
        r.roles = 0; /* roles are checked by the --pairs / --cov / --x paths */
    if (cs_measure_validate(&r) != CS_OK)
        return cli_usage_error("estimate", "%s", cs_last_error());
    return 0;
}

/* The library's parameters from the options. */
static void fill_params(info_job *J)
{
    cs_info_params *p = &J->p;
    cs_info_params_default(J->measure, J->eo.est, p);
    p->embed.k = (size_t)J->hist;
    p->embed.k_tau = (size_t)J->htau;
    p->embed.l = (size_t)J->shist;
    p->embed.l_tau = (size_t)J->stau;
    p->embed.u = (size_t)J->delay;
    p->embed.m = (size_t)J->chist;
    p->embed.w = (size_t)J->cdelay;
    p->est.alphabet = (int32_t)J->eo.alphabet;
    p->est.bins = (size_t)J->eo.bins;
    p->est.binning = J->eo.binning_freq ? CS_BIN_EQUAL_FREQ : CS_BIN_EQUAL_WIDTH;
    p->est.miller_madow = J->eo.miller_madow;
    p->est.bias_correct = J->eo.bias;
    p->est.knn = (int)J->knn;
    p->est.normalize = J->normalize;
    p->est.theiler = (size_t)J->theiler;
    if (J->noise >= 0)
        p->est.noise_sd = J->noise; /* else the library's default (1e-8 for KSG) */
    J->noise = p->est.noise_sd;
    p->est.noise_seed = J->seed;
    for (int r = 0; r < 3; r++)
        p->types[r] = J->discrete[r] ? CS_VAR_DISCRETE : CS_VAR_CONTINUOUS;
    p->est.gc_mixture = J->gc_mixture;
    p->est.threads = (int)J->eo.threads;
}

/* The options, the measure and the checks: -1 to go on, else the exit code. */
static int info_parse(info_job *J, int argc, char **argv)
{
    const char *cmd = "estimate";
    J->vx.flag = "--x", J->vy.flag = "--y", J->vz.flag = "--z";
    J->normalize = 1;
    J->noise = -1;
    est_opts_init(&J->eo, EST_ALL, 1);
    cli_command spec = spec_template;
    spec.variant_name = J->name;
    int rc = cli_parse(&spec, argc, argv, J, &J->args);
    if (rc >= 0)
        return rc;
    if (cs_info_measure_parse(J->name, &J->measure) || J->measure == CS_INFO_CENTROPY ||
        J->measure > CS_INFO_CALC_LAST)
        return cli_usage_error(cmd, "unknown measure '%s'", J->name);
    if (J->measure == CS_INFO_ENTROPY && J->vy.text)
        J->measure = CS_INFO_CENTROPY; /* H(X|Y) */
    if ((rc = est_opts_estimator(cmd, &J->eo, J->name)) || (rc = est_opts_check(cmd, &J->eo)) || (rc = validate(J)))
        return rc;
    fill_params(J);
    return -1;
}

/* --pairs COLS: check what goes with it, read the columns, run. */
static int pairs_mode(info_job *J)
{
    const char *cmd = "estimate";
    if (J->p.measure != CS_INFO_TE && J->p.measure != CS_INFO_MI)
        return cli_usage_error(cmd, "--pairs is for te and mi");
    if (J->vx.text || J->vy.text || J->vz.text || J->vx.file || J->vy.file || J->vz.file || J->eo.cov ||
        J->past_text || J->n_cov || J->local_path || J->analytic)
        return cli_usage_error(cmd, "--pairs replaces --x/--y/--z (and their inputs); it takes no "
                                    "--cov, --past, --n, --local or --analytic");
    if (!J->eo.input)
        return cli_usage_error(cmd, "--pairs needs --input FILE");
    est_var v = {.flag = "--pairs", .text = J->pairs_text, .file = J->eo.input};
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
        int checks = est_is_discrete(&J->eo) ? (J->eo.bins ? 0 : EST_SYMBOLS) : EST_NONCONSTANT;
        cs_status st = cs_table_read(J->eo.input, &table);
        if (!st)
            st = est_var_select(&v, table, checks, J->eo.alphabet);
        out = st ? cli_fail(cmd, st) : est_pairs_run(cmd, J->name, &J->p, &J->eo, &v, J->nsurr, J->seed);
    }
    cs_matrix_free(&table);
    est_var_free(&v);
    return out;
}

int cmd_estimate_info(int argc, char **argv)
{
    info_job J;
    memset(&J, 0, sizeof J);
    J.name = argv[0];
    int rc = info_parse(&J, argc, argv);
    if (rc >= 0)
        return rc;
    if (J.pairs_text)
        return pairs_mode(&J);
    if (!(rc = info_setup(&J)))
        rc = info_run(&J);
    info_job_free(&J);
    return rc;
}
