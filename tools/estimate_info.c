/* cogscope estimate entropy|mi|cmi|te|ais: information measures of any data a
 * user brings, with the discrete, gaussian, gcopula, ksg1 and ksg2 estimators
 * (library: cogscope/info.h). Options, inputs and the JSON preamble shared
 * with the other estimate families are in estimate_common.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "estimate_common.h"
#include "cogscope/info.h"
#include "cogscope/json.h"
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
            "  --input FILE        text table (whitespace/comma separated, %%/# comments) or FILE.h5:/dataset\n"
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
            "  --noise SD          KSG: add seeded N(0, SD^2) noise after z-scoring (default 0)\n"
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
            "  --threads N         OpenMP threads (default: all cores)\n"
            "  --units bits|nats   default bits for discrete, nats otherwise\n"
            "  --local OUT         write the local (pointwise) values to OUT, one per line\n"
            "  --json              print one JSON object\n",
            measure, measure);
}

enum {
    O_X = EST_O_OWN, O_Y, O_Z, O_XIN, O_YIN, O_ZIN, O_PAST, O_N, O_K, O_THEILER, O_NONORM,
    O_NOISE, O_HIST, O_SHIST, O_DELAY, O_HTAU, O_STAU, O_CHIST, O_CDELAY, O_SURR, O_SEED,
    O_ANALYTIC, O_LOCAL
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
    {0, 0, 0, 0},
};

int cmd_estimate_info(int argc, char **argv)
{
    const char *measure_arg = argv[0];
    const char *cmd = "estimate";
    if (cli_wants_help(argc, argv)) {
        usage(stdout, measure_arg);
        return CLI_OK;
    }
    cs_init();
    est_opts eo;
    est_opts_init(&eo, EST_ALL, 1);
    est_var vx = {.flag = "--x"}, vy = {.flag = "--y"}, vz = {.flag = "--z"};
    const char *past_text = NULL, *local_path = NULL;
    long knn = 4, theiler = 0, hist = 1, shist = 1, delay = 1, htau = 1, stau = 1, chist = 1,
         cdelay = 1;
    uint64_t nsurr = 0, seed = 0, n_cov = 0;
    double noise = 0;
    int normalize = 1, analytic = 0;
    int have_hist = 0, have_te_opts = 0, have_ksg_opts = 0;

    cli_getopt_reset();
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
        if ((rc = est_opts_parse(cmd, c, optarg, &eo)) > 0)
            return rc;
        if (rc == 0)
            continue;
        rc = 0;
        switch (c) {
        case O_X: vx.text = optarg; break;
        case O_Y: vy.text = optarg; break;
        case O_Z: vz.text = optarg; break;
        case O_XIN: vx.file = optarg; break;
        case O_YIN: vy.file = optarg; break;
        case O_ZIN: vz.file = optarg; break;
        case O_PAST: past_text = optarg; break;
        case O_N: rc = cli_parse_u64(cmd, "--n", optarg, &n_cov); break;
        case O_K: rc = cli_parse_int(cmd, "--k", optarg, 1, 1L << 30, &knn), have_ksg_opts = 1; break;
        case O_THEILER:
            rc = cli_parse_int(cmd, "--theiler", optarg, 0, 1L << 30, &theiler), have_ksg_opts = 1;
            break;
        case O_NONORM: normalize = 0, have_ksg_opts = 1; break;
        case O_NOISE:
            rc = cli_parse_double(cmd, "--noise", optarg, &noise), have_ksg_opts = 1;
            if (!rc && noise < 0)
                rc = cli_usage_error(cmd, "--noise: %g must be >= 0", noise);
            break;
        case O_HIST: rc = cli_parse_int(cmd, "--history", optarg, 1, 1L << 20, &hist), have_hist = 1; break;
        case O_SHIST:
            rc = cli_parse_int(cmd, "--source-history", optarg, 1, 1L << 20, &shist), have_te_opts = 1;
            break;
        case O_DELAY: rc = cli_parse_int(cmd, "--delay", optarg, 1, 1L << 20, &delay), have_te_opts = 1; break;
        case O_HTAU: rc = cli_parse_int(cmd, "--history-tau", optarg, 1, 1L << 20, &htau), have_hist = 1; break;
        case O_STAU: rc = cli_parse_int(cmd, "--source-tau", optarg, 1, 1L << 20, &stau), have_te_opts = 1; break;
        case O_CHIST: rc = cli_parse_int(cmd, "--cond-history", optarg, 1, 1L << 20, &chist), have_te_opts = 1; break;
        case O_CDELAY: rc = cli_parse_int(cmd, "--cond-delay", optarg, 1, 1L << 20, &cdelay), have_te_opts = 1; break;
        case O_SURR:
            rc = cli_parse_u64(cmd, "--surrogates", optarg, &nsurr);
            if (!rc && (nsurr < 1 || nsurr > 100000000))
                rc = cli_usage_error(cmd, "--surrogates: %llu is outside [1, 1e8]",
                                     (unsigned long long)nsurr);
            break;
        case O_SEED: rc = cli_parse_u64(cmd, "--seed", optarg, &seed); break;
        case O_ANALYTIC: analytic = 1; break;
        case O_LOCAL: local_path = optarg; break;
        default: return cli_getopt_error(cmd, argc, argv, c);
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    /* ---- what is asked ---- */
    cs_info_measure measure;
    if (cs_info_measure_parse(measure_arg, &measure) || measure == CS_INFO_CENTROPY)
        return cli_usage_error(cmd, "unknown measure '%s'", measure_arg);
    if (measure == CS_INFO_ENTROPY && vy.text)
        measure = CS_INFO_CENTROPY; /* H(X|Y) */
    if ((rc = est_opts_estimator(cmd, &eo, measure_arg)))
        return rc;
    cs_info_estimator est = eo.est;
    int is_ksg = est == CS_EST_KSG1 || est == CS_EST_KSG2, is_disc = est == CS_EST_DISCRETE;
    int timeseries = measure == CS_INFO_TE || measure == CS_INFO_AIS;
    if ((measure == CS_INFO_ENTROPY || measure == CS_INFO_CENTROPY) &&
        (is_ksg || est == CS_EST_GCOPULA))
        return cli_usage_error(cmd, "entropy is not available with the %s estimator (it estimates "
                                    "dependence, not entropy): use discrete or gaussian",
                               eo.est_text);
    if ((rc = est_opts_check(cmd, &eo)))
        return rc;
    if (have_ksg_opts && !is_ksg)
        return cli_usage_error(cmd, "--k, --theiler, --no-normalize and --noise are for ksg1/ksg2");
    if ((have_te_opts && measure != CS_INFO_TE) || (have_hist && !timeseries))
        return cli_usage_error(cmd, "--history/--source-history/--delay and their -tau/cond "
                                    "variants are for te (and --history for ais)");
    if (analytic && !(is_disc || est == CS_EST_GAUSSIAN))
        return cli_usage_error(cmd, "--analytic (chi-squared null) exists for discrete and gaussian");
    if ((nsurr || analytic) && (measure == CS_INFO_ENTROPY || measure == CS_INFO_CENTROPY))
        return cli_usage_error(cmd, "--surrogates and --analytic test dependence: use them with mi, "
                                    "cmi, te or ais");
    int need_y = measure != CS_INFO_ENTROPY && measure != CS_INFO_AIS;
    int need_z = measure == CS_INFO_CMI;
    int allow_z = need_z || measure == CS_INFO_TE;

    cs_info_params p;
    cs_info_params_default(measure, est, &p);
    p.embed.k = (size_t)hist;
    p.embed.k_tau = (size_t)htau;
    p.embed.l = (size_t)shist;
    p.embed.l_tau = (size_t)stau;
    p.embed.u = (size_t)delay;
    p.embed.m = (size_t)chist;
    p.embed.w = (size_t)cdelay;
    p.alphabet = (int32_t)eo.alphabet;
    p.bins = (size_t)eo.bins;
    p.binning = eo.binning_freq ? CS_BIN_EQUAL_FREQ : CS_BIN_EQUAL_WIDTH;
    p.miller_madow = eo.miller_madow;
    p.bias_correct = eo.bias;
    p.knn = (int)knn;
    p.normalize = normalize;
    p.theiler = (size_t)theiler;
    p.noise_sd = noise;
    p.noise_seed = seed;
    p.threads = (int)eo.threads;

    cs_info *calc = NULL;
    cs_status st;
    double value = 0, *local = NULL;
    size_t *past = NULL, npast = 0, *zrows = NULL;
    est_tables tables = {.file = {NULL}};
    cs_matrix cov = {0};
    cs_info_significance sig;
    cs_info_chi2 chi2;
    int out = CLI_OK;

    /* Column lists */
    est_var *vars[3] = {&vx, &vy, &vz};
    for (int r = 0; r < 3; r++)
        if ((out = est_var_parse(cmd, vars[r])))
            goto done;
    if (past_text && (!eo.cov || measure != CS_INFO_TE)) {
        out = cli_usage_error(cmd, "--past names the destination-past rows of a --cov for te");
        goto done;
    }
    if (past_text && cs_parse_index_list(past_text, "--past", &past, &npast)) {
        out = cli_usage_error(cmd, "%s", cs_last_error());
        goto done;
    }

    if (eo.cov) {
        /* ---- exact Gaussian from a covariance ---- */
        if (est != CS_EST_GAUSSIAN) {
            out = cli_usage_error(cmd, "--cov needs --estimator gaussian");
            goto done;
        }
        if (eo.input || vx.file || vy.file || vz.file) {
            out = cli_usage_error(cmd, "--cov replaces --input/--x-input/...: give one or the other");
            goto done;
        }
        if (nsurr || local_path) {
            out = cli_usage_error(cmd, "--surrogates and --local need samples, not --cov");
            goto done;
        }
        if (!vx.cols || (need_y || measure == CS_INFO_AIS ? !vy.cols : 0) || (need_z && !vz.cols) ||
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
        if (!allow_z && vz.cols) {
            out = cli_usage_error(cmd, "%s takes no --z", measure_arg);
            goto done;
        }
        if ((st = est_cov_read(eo.cov, &cov))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        /* te: the library's z = destination past + conditioning rows */
        size_t nz = vz.ncols;
        const size_t *zr = vz.cols;
        if (measure == CS_INFO_TE) {
            nz = npast + vz.ncols;
            zrows = malloc((nz ? nz : 1) * sizeof *zrows);
            if (!zrows) {
                out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                goto done;
            }
            memcpy(zrows, past, npast * sizeof *zrows);
            if (vz.ncols)
                memcpy(zrows + npast, vz.cols, vz.ncols * sizeof *zrows);
            zr = zrows;
        }
        if (measure == CS_INFO_AIS)
            p.measure = CS_INFO_MI; /* past/future rows given: AIS is their MI */
        if ((st = cs_info_create(&p, &calc)) ||
            (st = cs_info_set_covariance(calc, cov.data, cov.rows, vx.cols, vx.ncols, vy.cols,
                                         vy.ncols, zr, nz, (size_t)n_cov))) {
            cs_error_prefix("%s: ", eo.cov);
            out = cli_fail(cmd, st);
            goto done;
        }
    } else {
        /* ---- samples ---- */
        if (past_text || n_cov) {
            out = cli_usage_error(cmd, "--past and --n go with --cov");
            goto done;
        }
        if (!eo.input && !vx.file) {
            out = cli_usage_error(cmd, "--input FILE (or --cov FILE) is required");
            goto done;
        }
        if (!vx.cols && !vx.file) {
            out = cli_usage_error(cmd, "--x is required");
            goto done;
        }
        if (need_y && !vy.cols && !vy.file) {
            out = cli_usage_error(cmd, "%s needs --y%s", measure_arg,
                                  measure == CS_INFO_TE ? " (the destination)" : "");
            goto done;
        }
        if (!need_y && (vy.cols || vy.file) && measure != CS_INFO_CENTROPY) {
            out = cli_usage_error(cmd, "%s takes no --y", measure_arg);
            goto done;
        }
        if (need_z && !vz.cols && !vz.file) {
            out = cli_usage_error(cmd, "cmi needs --z");
            goto done;
        }
        if (!allow_z && (vz.cols || vz.file)) {
            out = cli_usage_error(cmd, "%s takes no --z", measure_arg);
            goto done;
        }
        int use_y = need_y || measure == CS_INFO_CENTROPY, use_z = vz.cols || vz.file;
        /* discrete data given as symbols must be integers (in the alphabet, if
         * any); continuous estimators cannot use a constant column */
        int checks = is_disc ? (eo.bins ? 0 : EST_SYMBOLS) : EST_NONCONSTANT;
        int used[3] = {1, use_y, use_z};
        for (int r = 0; r < 3; r++) {
            if (!vars[r]->file)
                vars[r]->file = eo.input;
            cs_matrix table;
            if (used[r] && ((st = est_tables_get(&tables, vars[r]->file, &table)) ||
                            (st = est_var_select(vars[r], table, checks, eo.alphabet)))) {
                out = cli_fail(cmd, st);
                goto done;
            }
        }
        if (use_y && vy.data.rows != vx.data.rows) {
            cs_error_set(CS_ESHAPE, "X and Y differ in length: %s has %zu rows for --x, %s has %zu "
                                    "rows for --y",
                         vx.file, vx.data.rows, vy.file, vy.data.rows);
            out = cli_fail(cmd, CS_ESHAPE);
            goto done;
        }
        if (use_z && vz.data.rows != vx.data.rows) {
            cs_error_set(CS_ESHAPE, "X and Z differ in length: %s has %zu rows for --x, %s has %zu "
                                    "rows for --z",
                         vx.file, vx.data.rows, vz.file, vz.data.rows);
            out = cli_fail(cmd, CS_ESHAPE);
            goto done;
        }
        if (is_ksg) {
            /* k must leave at least one non-neighbour; name the flag, not an internal role. */
            size_t usable = measure == CS_INFO_TE
                                ? cs_embed_te_count(vx.data.rows, &p.embed, use_z)
                                : measure == CS_INFO_AIS
                                      ? cs_embed_ais_count(vx.data.rows, p.embed.k, p.embed.k_tau)
                                      : vx.data.rows;
            if (usable > 0 && (size_t)knn >= usable) {
                cs_error_set(CS_EINVAL, "--k %ld must be smaller than the number of usable samples "
                                        "(%zu)",
                             knn, usable);
                out = cli_fail(cmd, CS_EINVAL);
                goto done;
            }
        }
        if ((st = cs_info_create(&p, &calc)) ||
            (st = cs_info_set_observations(calc, vx.data, use_y ? vy.data : (cs_matrix){0},
                                           use_z ? vz.data : (cs_matrix){0}))) {
            out = cli_fail(cmd, st);
            goto done;
        }
    }

    if (local_path) {
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
        FILE *f = fopen(local_path, "w");
        if (!f) {
            cs_error_set(CS_EIO, "%s: cannot write the local values", local_path);
            out = cli_fail(cmd, CS_EIO);
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%.17g\n", local[i] * eo.to_unit);
        if (fclose(f)) {
            cs_error_set(CS_EIO, "%s: write error", local_path);
            out = cli_fail(cmd, CS_EIO);
            goto done;
        }
    }
    /* The average, not the mean of the locals, is reported: it is the same
     * number up to rounding, and this keeps output identical with/without --local. */
    if ((st = cs_info_average(calc, &value))) {
        out = cli_fail(cmd, st);
        goto done;
    }
    if (nsurr && (st = cs_info_surrogates(calc, (size_t)nsurr, seed, &sig, NULL))) {
        out = cli_fail(cmd, st);
        goto done;
    }
    if (analytic && (st = cs_info_analytic(calc, &chi2))) {
        out = cli_fail(cmd, st);
        goto done;
    }

    const char *mname = measure == CS_INFO_CENTROPY ? "conditional_entropy" : measure_arg;
    const char *units = eo.units;
    double to_unit = eo.to_unit;
    size_t n = cs_info_count(calc);
    if (eo.json) {
        cs_json j;
        est_json_begin(&j, mname, &eo);
        cs_json_kv_number(&j, "value", value * to_unit);
        cs_json_kv_int(&j, "n", (long long)n);
        cs_json_key(&j, "params");
        cs_json_begin_object(&j);
        est_json_source(&j, &eo, vx.file);
        est_json_list(&j, "x", vx.cols, vx.ncols);
        if (vy.cols)
            est_json_list(&j, "y", vy.cols, vy.ncols);
        if (vz.cols)
            est_json_list(&j, "z", vz.cols, vz.ncols);
        if (past)
            est_json_list(&j, "past", past, npast);
        if (timeseries) {
            cs_json_kv_int(&j, "history", hist);
            cs_json_kv_int(&j, "history_tau", htau);
        }
        if (measure == CS_INFO_TE) {
            cs_json_kv_int(&j, "source_history", shist);
            cs_json_kv_int(&j, "source_tau", stau);
            cs_json_kv_int(&j, "delay", delay);
            if (vz.cols) {
                cs_json_kv_int(&j, "cond_history", chist);
                cs_json_kv_int(&j, "cond_delay", cdelay);
            }
        }
        est_json_estimator(&j, &eo);
        if (is_ksg) {
            cs_json_kv_int(&j, "k", knn);
            cs_json_kv_int(&j, "theiler", theiler);
            cs_json_key(&j, "normalize");
            cs_json_bool(&j, normalize);
            cs_json_kv_number(&j, "noise", noise);
        }
        if (nsurr) {
            cs_json_kv_int(&j, "surrogates", (long long)nsurr);
        }
        if (nsurr || (is_ksg && noise > 0))
            cs_json_kv_int(&j, "seed", (long long)seed);
        cs_json_end_object(&j);
        if (nsurr) {
            cs_json_kv_number(&j, "p_value", sig.p_value);
            cs_json_kv_number(&j, "surrogate_mean", sig.surrogate_mean * to_unit);
            cs_json_kv_number(&j, "surrogate_std", sig.surrogate_std * to_unit);
        }
        if (analytic) {
            cs_json_kv_number(&j, "analytic_p_value", chi2.p_value);
            cs_json_kv_number(&j, "chi2_statistic", chi2.statistic);
            cs_json_kv_number(&j, "chi2_df", chi2.df);
        }
        cs_json_end_object(&j);
    } else {
        printf("%s (%s): %.10g %s  (n = %zu)\n", mname, eo.est_text, value * to_unit, units, n);
        if (nsurr)
            printf("surrogates: %llu, p = %.6g, mean %.6g %s, std %.6g %s\n",
                   (unsigned long long)nsurr, sig.p_value, sig.surrogate_mean * to_unit, units,
                   sig.surrogate_std * to_unit, units);
        if (analytic)
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
