/* cogscope estimate pid|phiid: partial information decomposition of two
 * sources about a target, and integrated information decomposition of two
 * (groups of) time series (library: cogscope/pid.h, cogscope/phiid.h).
 * Routed here from estimate_multi.c; options follow estimate_info.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "cogscope/json.h"
#include "cogscope/phiid.h"
#include "cogscope/pid.h"
#include "cogscope/table.h"

static void usage_pid(FILE *out)
{
    fprintf(out,
            "usage: cogscope estimate pid --input FILE --x COLS --y COLS --target COLS\n"
            "                             --estimator discrete|gaussian|gcopula [OPTIONS]\n"
            "       cogscope estimate pid --cov FILE --x ROWS --y ROWS --target ROWS --estimator gaussian\n"
            "\n"
            "Partial information decomposition of sources X1 (--x) and X2 (--y) about the target\n"
            "Y (--target): redundancy R, unique U1, U2, synergy S, with I(X1,X2;Y) = R+U1+U2+S\n"
            "and omega = S / I(X1,X2;Y).\n"
            "\n"
            "Input:\n"
            "  --input FILE        text table (whitespace/comma separated, %%/# comments) or FILE.h5:/dataset\n"
            "  --x/--y/--target COLS  0-based column lists (\"0,1\", \"0-3\"); several columns make\n"
            "                      one multivariate variable\n"
            "  --cov FILE          gaussian only: a square covariance matrix, one row per line;\n"
            "                      --x/--y/--target name its rows\n"
            "\n"
            "Estimators and redundancy:\n"
            "  --estimator E       discrete, gaussian or gcopula (required)\n"
            "  --redundancy R      wb (I_min), mmi (default), ccs (Ince) or broja; gaussian and\n"
            "                      gcopula take mmi and ccs\n"
            "  --bins N            discrete: bin continuous columns into N bins first\n"
            "  --binning width|freq  equal-width (default) or equal-frequency bins\n"
            "  --alphabet B        discrete: symbols are integers in [0, B) (default: inferred)\n"
            "  --tol X             broja: certified duality gap; discrete ccs: marginal error of\n"
            "                      the maximum-entropy fit (nats, default 1e-10)\n"
            "  --max-iter N        convex solver iterations (default 500)\n"
            "  --ccs-points N      gaussian ccs: quasi-random directions per shift (default 8192)\n"
            "  --ccs-shifts N      gaussian ccs: random shifts, >= 2 (default 16)\n"
            "  --seed S            seed of the shifts (default 1)\n"
            "  --threads N         OpenMP threads (default: all cores)\n"
            "\n"
            "Output:\n"
            "  --units bits|nats   default bits for discrete, nats otherwise\n"
            "  --json              print one JSON object\n");
}

static void usage_phiid(FILE *out)
{
    fprintf(out,
            "usage: cogscope estimate phiid --input FILE --x COLS --y COLS [--tau T]\n"
            "                               --estimator discrete|gaussian|gcopula [OPTIONS]\n"
            "       cogscope estimate phiid --cov FILE [--x ROWS --y ROWS] --estimator gaussian\n"
            "\n"
            "Integrated information decomposition (PhiID) of the series X1 (--x) and X2 (--y),\n"
            "whose own values tau steps later are the targets: the 16 atoms rtr ... sts (phyid's\n"
            "names), tdmi = I(X_t; X_t+tau), phi_wms = tdmi - sum_i I(X^i_t; X^i_t+tau) and\n"
            "phi_r = phi_wms + rtr.\n"
            "\n"
            "Input:\n"
            "  --input FILE        text table (one row per time step) or FILE.h5:/dataset\n"
            "  --x/--y COLS        0-based column lists; several columns make one source\n"
            "  --tau T             lag in time steps (default 1)\n"
            "  --cov FILE          gaussian only: the covariance of (X1_t, X2_t, X1_t+tau, X2_t+tau),\n"
            "                      2m x 2m with rows 0..m-1 at time t and m..2m-1 at t+tau in the\n"
            "                      same order; --x/--y name rows of the first half (default for\n"
            "                      m = 2: --x 0 --y 1); row i + m is the future of row i\n"
            "\n"
            "Estimators and redundancy:\n"
            "  --estimator E       discrete, gaussian or gcopula (required)\n"
            "  --redundancy R      mmi (default) or ccs\n"
            "  --bins N, --binning width|freq, --alphabet B   discrete, as for pid\n"
            "  --ccs-points N, --ccs-shifts N, --seed S, --threads N   gaussian ccs, as for pid\n"
            "\n"
            "Output:\n"
            "  --units bits|nats   default bits for discrete, nats otherwise\n"
            "  --json              print one JSON object\n");
}

enum {
    O_INPUT = 1000, O_X, O_Y, O_TARGET, O_COV, O_TAU, O_EST, O_RED, O_BINS, O_BINNING, O_ALPHABET,
    O_TOL, O_MAXIT, O_CCSP, O_CCSS, O_SEED, O_THREADS, O_UNITS, O_JSON, O_HELP
};

static const struct option long_opts[] = {
    {"input", required_argument, 0, O_INPUT},
    {"x", required_argument, 0, O_X},
    {"y", required_argument, 0, O_Y},
    {"target", required_argument, 0, O_TARGET},
    {"cov", required_argument, 0, O_COV},
    {"tau", required_argument, 0, O_TAU},
    {"estimator", required_argument, 0, O_EST},
    {"redundancy", required_argument, 0, O_RED},
    {"bins", required_argument, 0, O_BINS},
    {"binning", required_argument, 0, O_BINNING},
    {"alphabet", required_argument, 0, O_ALPHABET},
    {"tol", required_argument, 0, O_TOL},
    {"max-iter", required_argument, 0, O_MAXIT},
    {"ccs-points", required_argument, 0, O_CCSP},
    {"ccs-shifts", required_argument, 0, O_CCSS},
    {"seed", required_argument, 0, O_SEED},
    {"threads", required_argument, 0, O_THREADS},
    {"units", required_argument, 0, O_UNITS},
    {"json", no_argument, 0, O_JSON},
    {"help", no_argument, 0, O_HELP},
    {0, 0, 0, 0},
};

typedef enum { EST_DISCRETE, EST_GAUSSIAN, EST_GCOPULA } estimator;

/* Everything both subcommands parse. */
typedef struct {
    int phiid;
    const char *input, *cov, *x_text, *y_text, *t_text, *est_text, *red_text, *units_text;
    long tau, bins, alphabet, maxit, threads;
    uint64_t ccs_points, ccs_shifts, seed;
    double tol;
    int binning_freq, json, have_tau, have_solver, have_ccs;
    estimator est;
    double to_unit;
    const char *units;
    cs_pid_params par;
    size_t *x, *y, *t;
    size_t nx, ny, nt;
} opts;

static const char *const est_names[] = {"discrete", "gaussian", "gcopula"};

static int parse(int argc, char **argv, opts *o)
{
    const char *cmd = "estimate";
    memset(o, 0, sizeof *o);
    o->phiid = !strcmp(argv[0], "phiid");
    o->tau = 1;
    cs_pid_params_default(&o->par);
    o->tol = o->par.tol;
    o->maxit = o->par.max_iter;
    o->ccs_points = o->par.ccs_points;
    o->ccs_shifts = o->par.ccs_shifts;
    o->seed = o->par.seed;
    cli_getopt_reset();
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
        switch (c) {
        case O_INPUT: o->input = optarg; break;
        case O_X: o->x_text = optarg; break;
        case O_Y: o->y_text = optarg; break;
        case O_TARGET: o->t_text = optarg; break;
        case O_COV: o->cov = optarg; break;
        case O_TAU: rc = cli_parse_int(cmd, "--tau", optarg, 1, 1L << 40, &o->tau), o->have_tau = 1; break;
        case O_EST: o->est_text = optarg; break;
        case O_RED: o->red_text = optarg; break;
        case O_BINS: rc = cli_parse_int(cmd, "--bins", optarg, 1, 1L << 30, &o->bins); break;
        case O_BINNING:
            if (!strcmp(optarg, "freq"))
                o->binning_freq = 1;
            else if (strcmp(optarg, "width"))
                rc = cli_usage_error(cmd, "--binning: '%s' is not 'width' or 'freq'", optarg);
            break;
        case O_ALPHABET: rc = cli_parse_int(cmd, "--alphabet", optarg, 1, 1L << 30, &o->alphabet); break;
        case O_TOL:
            rc = cli_parse_double(cmd, "--tol", optarg, &o->tol), o->have_solver = 1;
            if (!rc && !(o->tol > 0))
                rc = cli_usage_error(cmd, "--tol: %g must be > 0", o->tol);
            break;
        case O_MAXIT: rc = cli_parse_int(cmd, "--max-iter", optarg, 1, 1L << 24, &o->maxit), o->have_solver = 1; break;
        case O_CCSP:
            rc = cli_parse_u64(cmd, "--ccs-points", optarg, &o->ccs_points), o->have_ccs = 1;
            if (!rc && (o->ccs_points < 1 || o->ccs_points > (1ULL << 30)))
                rc = cli_usage_error(cmd, "--ccs-points: %llu is outside [1, 2^30]",
                                     (unsigned long long)o->ccs_points);
            break;
        case O_CCSS:
            rc = cli_parse_u64(cmd, "--ccs-shifts", optarg, &o->ccs_shifts), o->have_ccs = 1;
            if (!rc && (o->ccs_shifts < 2 || o->ccs_shifts > 4096))
                rc = cli_usage_error(cmd, "--ccs-shifts: %llu is outside [2, 4096] (two shifts at "
                                          "least give a standard error)",
                                     (unsigned long long)o->ccs_shifts);
            break;
        case O_SEED: rc = cli_parse_u64(cmd, "--seed", optarg, &o->seed), o->have_ccs = 1; break;
        case O_THREADS: rc = cli_parse_int(cmd, "--threads", optarg, 1, 4096, &o->threads); break;
        case O_UNITS: o->units_text = optarg; break;
        case O_JSON: o->json = 1; break;
        default: return cli_getopt_error(cmd, argc, argv, c);
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    if (!o->est_text)
        return cli_usage_error(cmd, "--estimator is required (discrete, gaussian or gcopula)");
    int e;
    for (e = 0; e < 3; e++)
        if (!strcmp(o->est_text, est_names[e]))
            break;
    if (e == 3)
        return cli_usage_error(cmd, "--estimator: '%s' is not discrete, gaussian or gcopula%s",
                               o->est_text,
                               !strncmp(o->est_text, "ksg", 3) ? " (KSG has no PID/PhiID here)" : "");
    o->est = (estimator)e;
    cs_pid_redundancy red = CS_PID_MMI;
    if (o->red_text && cs_pid_redundancy_parse(o->red_text, &red))
        return cli_usage_error(cmd, "--redundancy: %s", cs_last_error());
    if (o->phiid && red != CS_PID_MMI && red != CS_PID_CCS)
        return cli_usage_error(cmd, "--redundancy: phiid takes mmi or ccs, not '%s'", o->red_text);
    if (o->est != EST_DISCRETE && red != CS_PID_MMI && red != CS_PID_CCS)
        return cli_usage_error(cmd, "--redundancy %s is for discrete data; %s takes mmi or ccs",
                               o->red_text, o->est_text);
    int disc = o->est == EST_DISCRETE;
    o->to_unit = disc ? 1.0 / log(2.0) : 1.0;
    o->units = disc ? "bits" : "nats";
    if (o->units_text) {
        if ((rc = cli_parse_units(cmd, o->units_text, &o->to_unit)))
            return rc;
        o->units = o->units_text;
    }
    if ((o->bins || o->alphabet || o->binning_freq) && !disc)
        return cli_usage_error(cmd, "--bins, --binning and --alphabet are for --estimator discrete");
    if (o->bins && o->alphabet)
        return cli_usage_error(cmd, "--bins (bin continuous data) and --alphabet (data already "
                                    "symbols) exclude each other");
    if (o->binning_freq && !o->bins)
        return cli_usage_error(cmd, "--binning needs --bins");
    if (o->have_solver && !(disc && (red == CS_PID_BROJA || red == CS_PID_CCS)))
        return cli_usage_error(cmd, "--tol and --max-iter set the convex solvers of discrete broja "
                                    "and ccs");
    if (o->have_ccs && !(!disc && red == CS_PID_CCS))
        return cli_usage_error(cmd, "--ccs-points, --ccs-shifts and --seed set the gaussian/gcopula "
                                    "ccs integration");
    if (o->phiid && o->t_text)
        return cli_usage_error(cmd, "phiid has no --target: the targets are the sources' own "
                                    "futures at lag --tau");
    if (!o->phiid && o->have_tau)
        return cli_usage_error(cmd, "--tau is for phiid");
    if (o->cov) {
        if (o->est != EST_GAUSSIAN)
            return cli_usage_error(cmd, "--cov needs --estimator gaussian");
        if (o->input)
            return cli_usage_error(cmd, "--cov replaces --input: give one or the other");
    } else if (!o->input) {
        return cli_usage_error(cmd, "--input FILE (or --cov FILE) is required");
    }
    const char *flags[3] = {"--x", "--y", "--target"};
    const char *texts[3] = {o->x_text, o->y_text, o->t_text};
    size_t **lists[3] = {&o->x, &o->y, &o->t};
    size_t *counts[3] = {&o->nx, &o->ny, &o->nt};
    for (int r = 0; r < 3; r++)
        if (texts[r] && cs_parse_index_list(texts[r], flags[r], lists[r], counts[r]))
            return cli_usage_error(cmd, "%s", cs_last_error());
    if (!o->phiid && (!o->x || !o->y || !o->t))
        return cli_usage_error(cmd, "pid needs --x, --y and --target");
    if (o->phiid && !o->cov && (!o->x || !o->y))
        return cli_usage_error(cmd, "phiid needs --x and --y");
    if (o->phiid && o->cov && (!o->x) != (!o->y))
        return cli_usage_error(cmd, "with --cov give both --x and --y, or neither");
    o->par.redundancy = red;
    o->par.alphabet = (int32_t)o->alphabet;
    o->par.bins = (size_t)o->bins;
    o->par.binning = o->binning_freq ? CS_BIN_EQUAL_FREQ : CS_BIN_EQUAL_WIDTH;
    o->par.tol = o->tol;
    o->par.max_iter = (int)o->maxit;
    o->par.ccs_points = (size_t)o->ccs_points;
    o->par.ccs_shifts = (size_t)o->ccs_shifts;
    o->par.seed = o->seed;
    o->par.threads = (int)o->threads;
    return 0;
}

static void free_opts(opts *o)
{
    free(o->x);
    free(o->y);
    free(o->t);
}

/* Columns `cols` of `data` as a new matrix; messages name the file and flag. */
static cs_status select_var(cs_matrix data, const char *file, const char *flag, const size_t *cols,
                            size_t n, cs_matrix *out)
{
    for (size_t j = 0; j < n; j++)
        if (cols[j] >= data.cols)
            return cs_error_set(CS_EINVAL, "%s: %s: column %zu is out of range (the data has %zu "
                                           "column%s)",
                                file, flag, cols[j], data.cols, data.cols == 1 ? "" : "s");
    cs_status st = cs_matrix_select_cols(data, cols, n, out);
    if (st)
        return st;
    for (size_t i = 0; i < out->rows; i++)
        for (size_t j = 0; j < n; j++) {
            double v = cs_matrix_get(*out, i, j);
            if (!isfinite(v)) {
                cs_matrix_free(out);
                return cs_error_set(CS_ENONFINITE, "%s: %s at data row %zu, column %zu (%s)", file,
                                    isnan(v) ? "NaN" : "Inf", i, cols[j], flag);
            }
        }
    return CS_OK;
}

/* Read a square covariance, named in messages. */
static cs_status read_cov(const char *path, cs_matrix *cov)
{
    cs_status st = cs_table_read(path, cov);
    if (st)
        return st;
    if (cov->rows != cov->cols) {
        st = cs_error_set(CS_ESHAPE, "%s: a covariance must be square, this is %zu x %zu", path,
                          cov->rows, cov->cols);
        cs_matrix_free(cov);
    }
    return st;
}

static void json_cols(cs_json *j, const char *key, const size_t *c, size_t n)
{
    cs_json_key(j, key);
    cs_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        cs_json_int(j, (long long)c[i]);
    cs_json_end_array(j);
}

static void json_params(cs_json *j, const opts *o)
{
    cs_json_key(j, "params");
    cs_json_begin_object(j);
    if (o->cov)
        cs_json_kv_string(j, "cov", o->cov);
    else
        cs_json_kv_string(j, "input", o->input);
    if (o->x)
        json_cols(j, "x", o->x, o->nx);
    if (o->y)
        json_cols(j, "y", o->y, o->ny);
    if (o->t)
        json_cols(j, "target", o->t, o->nt);
    if (o->phiid && !o->cov)
        cs_json_kv_int(j, "tau", o->tau);
    if (o->est == EST_DISCRETE) {
        if (o->bins) {
            cs_json_kv_int(j, "bins", o->bins);
            cs_json_kv_string(j, "binning", o->binning_freq ? "freq" : "width");
        } else if (o->alphabet)
            cs_json_kv_int(j, "alphabet", o->alphabet);
        else
            cs_json_kv_string(j, "alphabet", "inferred");
        if (o->par.redundancy == CS_PID_BROJA || (!o->phiid && o->par.redundancy == CS_PID_CCS)) {
            cs_json_kv_number(j, "tol", o->tol);
            cs_json_kv_int(j, "max_iter", o->maxit);
        }
    } else if (o->par.redundancy == CS_PID_CCS) {
        cs_json_kv_int(j, "ccs_points", (long long)o->ccs_points);
        cs_json_kv_int(j, "ccs_shifts", (long long)o->ccs_shifts);
        cs_json_kv_int(j, "seed", (long long)o->seed);
    }
    cs_json_end_object(j);
}

int cmd_estimate_pid(int argc, char **argv)
{
    const char *cmd = "estimate";
    if (cli_wants_help(argc, argv)) {
        usage_pid(stdout);
        return CLI_OK;
    }
    cs_init();
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc) {
        free_opts(&o);
        return rc;
    }
    cs_matrix data = {0}, v[3] = {{0}}, cov = {0};
    double *sub = NULL;
    cs_pid_result r;
    cs_status st;
    int out = CLI_OK;
    size_t n = 0;
    const size_t *lists[3] = {o.x, o.y, o.t};
    size_t counts[3] = {o.nx, o.ny, o.nt};
    const char *flags[3] = {"--x", "--y", "--target"};
    if (o.cov) {
        if ((st = read_cov(o.cov, &cov))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        size_t d = o.nx + o.ny + o.nt, k = 0;
        size_t *rows = malloc(d * sizeof *rows);
        sub = malloc(d * d * sizeof *sub);
        if (!rows || !sub) {
            free(rows);
            out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
            goto done;
        }
        for (int a = 0; a < 3; a++)
            for (size_t i = 0; i < counts[a]; i++) {
                if (lists[a][i] >= cov.rows) {
                    free(rows);
                    cs_error_set(CS_EINVAL, "%s: %s: row %zu is out of range (the covariance is "
                                            "%zu x %zu)",
                                 o.cov, flags[a], lists[a][i], cov.rows, cov.rows);
                    out = cli_fail(cmd, CS_EINVAL);
                    goto done;
                }
                rows[k++] = lists[a][i];
            }
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++)
                sub[a * d + b] = cs_matrix_get(cov, rows[a], rows[b]);
        free(rows);
        if ((st = cs_pid_gaussian_cov(sub, o.nx, o.ny, o.nt, &o.par, &r))) {
            cs_error_prefix("%s: ", o.cov);
            out = cli_fail(cmd, st);
            goto done;
        }
    } else {
        if ((st = cs_table_read(o.input, &data))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        for (int a = 0; a < 3; a++)
            if ((st = select_var(data, o.input, flags[a], lists[a], counts[a], &v[a]))) {
                out = cli_fail(cmd, st);
                goto done;
            }
        n = data.rows;
        st = o.est == EST_DISCRETE   ? cs_pid_discrete(v[0], v[1], v[2], &o.par, &r)
             : o.est == EST_GAUSSIAN ? cs_pid_gaussian(v[0], v[1], v[2], &o.par, &r)
                                     : cs_pid_gcopula(v[0], v[1], v[2], &o.par, &r);
        if (st) {
            cs_error_prefix("%s: ", o.input);
            out = cli_fail(cmd, st);
            goto done;
        }
    }
    double u = o.to_unit;
    int solver = o.est == EST_DISCRETE &&
                 (o.par.redundancy == CS_PID_BROJA || o.par.redundancy == CS_PID_CCS);
    int ccs_int = o.est != EST_DISCRETE && o.par.redundancy == CS_PID_CCS;
    if (o.json) {
        cs_json j;
        cs_json_init(&j, stdout);
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "measure", "pid");
        cs_json_kv_string(&j, "estimator", o.est_text);
        cs_json_kv_string(&j, "units", o.units);
        cs_json_kv_string(&j, "redundancy_measure", cs_pid_redundancy_name(o.par.redundancy));
        cs_json_kv_number(&j, "redundancy", r.redundancy * u);
        double uq[2] = {r.unique[0] * u, r.unique[1] * u};
        cs_json_key(&j, "unique");
        cs_json_numbers(&j, uq, 2);
        cs_json_kv_number(&j, "synergy", r.synergy * u);
        cs_json_kv_number(&j, "mi_joint", r.mi_joint * u);
        double ms[2] = {r.mi_sources[0] * u, r.mi_sources[1] * u};
        cs_json_key(&j, "mi_sources");
        cs_json_numbers(&j, ms, 2);
        cs_json_kv_number(&j, "omega", r.omega);
        cs_json_key(&j, "n");
        if (o.cov)
            cs_json_null(&j);
        else
            cs_json_int(&j, (long long)n);
        if (solver) {
            cs_json_kv_number(&j, "solver_gap", r.solver_gap * (o.par.redundancy == CS_PID_BROJA ? u : 1));
            cs_json_kv_int(&j, "solver_iterations", r.solver_iterations);
        }
        if (ccs_int)
            cs_json_kv_number(&j, "ccs_stderr", r.ccs_stderr * u);
        json_params(&j, &o);
        cs_json_end_object(&j);
    } else {
        printf("pid (%s, redundancy %s), %s", o.est_text, cs_pid_redundancy_name(o.par.redundancy),
               o.units);
        if (o.cov)
            printf(", from the covariance %s\n", o.cov);
        else
            printf(", n = %zu\n", n);
        printf("  redundancy     %.10g\n", r.redundancy * u);
        printf("  unique X1      %.10g\n", r.unique[0] * u);
        printf("  unique X2      %.10g\n", r.unique[1] * u);
        printf("  synergy        %.10g\n", r.synergy * u);
        printf("  I(X1,X2;Y)     %.10g\n", r.mi_joint * u);
        printf("  I(X1;Y)        %.10g\n", r.mi_sources[0] * u);
        printf("  I(X2;Y)        %.10g\n", r.mi_sources[1] * u);
        printf("  omega          %.10g\n", r.omega);
        if (solver && o.par.redundancy == CS_PID_BROJA)
            printf("  (solver: certified gap %.3g %s after %d iterations)\n", r.solver_gap * u,
                   o.units, r.solver_iterations);
        if (solver && o.par.redundancy == CS_PID_CCS)
            printf("  (maximum-entropy fit: marginal error %.3g after %d iterations)\n",
                   r.solver_gap, r.solver_iterations);
        if (ccs_int)
            printf("  (ccs integration: standard error %.3g %s)\n", r.ccs_stderr * u, o.units);
    }
done:
    for (int a = 0; a < 3; a++)
        cs_matrix_free(&v[a]);
    cs_matrix_free(&data);
    cs_matrix_free(&cov);
    free(sub);
    free_opts(&o);
    return out;
}

int cmd_estimate_phiid(int argc, char **argv)
{
    const char *cmd = "estimate";
    if (cli_wants_help(argc, argv)) {
        usage_phiid(stdout);
        return CLI_OK;
    }
    cs_init();
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc) {
        free_opts(&o);
        return rc;
    }
    cs_matrix data = {0}, v[2] = {{0}}, cov = {0};
    double *sub = NULL;
    cs_phiid_result r;
    cs_status st;
    int out = CLI_OK;
    if (o.cov) {
        if ((st = read_cov(o.cov, &cov))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        if (cov.rows % 2) {
            cs_error_set(CS_ESHAPE, "%s: the covariance of (X_t, X_t+tau) has an even size, this is "
                                    "%zu x %zu",
                         o.cov, cov.rows, cov.rows);
            out = cli_fail(cmd, CS_ESHAPE);
            goto done;
        }
        size_t m = cov.rows / 2;
        if (!o.x) {
            if (m != 2) {
                out = cli_usage_error(cmd, "%s is %zu x %zu: name the rows of X1 and X2 at time t "
                                           "with --x and --y",
                                      o.cov, cov.rows, cov.rows);
                goto done;
            }
            o.x = malloc(sizeof *o.x), o.y = malloc(sizeof *o.y);
            if (!o.x || !o.y) {
                out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                goto done;
            }
            o.x[0] = 0, o.y[0] = 1, o.nx = o.ny = 1;
        }
        const size_t *lists[2] = {o.x, o.y};
        size_t counts[2] = {o.nx, o.ny};
        const char *flags[2] = {"--x", "--y"};
        size_t d = 2 * (o.nx + o.ny), k = 0;
        size_t *rows = malloc(d * sizeof *rows);
        sub = malloc(d * d * sizeof *sub);
        if (!rows || !sub) {
            free(rows);
            out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
            goto done;
        }
        for (int half = 0; half < 2; half++)
            for (int a = 0; a < 2; a++)
                for (size_t i = 0; i < counts[a]; i++) {
                    if (lists[a][i] >= m) {
                        free(rows);
                        cs_error_set(CS_EINVAL, "%s: %s: row %zu is not in the first half (rows "
                                                "0-%zu, time t) of the %zu x %zu covariance",
                                     o.cov, flags[a], lists[a][i], m - 1, cov.rows, cov.rows);
                        out = cli_fail(cmd, CS_EINVAL);
                        goto done;
                    }
                    rows[k++] = lists[a][i] + (size_t)half * m;
                }
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++)
                sub[a * d + b] = cs_matrix_get(cov, rows[a], rows[b]);
        free(rows);
        if ((st = cs_phiid_gaussian_cov(sub, o.nx, o.ny, &o.par, &r))) {
            cs_error_prefix("%s: ", o.cov);
            out = cli_fail(cmd, st);
            goto done;
        }
    } else {
        if ((st = cs_table_read(o.input, &data))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        if ((st = select_var(data, o.input, "--x", o.x, o.nx, &v[0])) ||
            (st = select_var(data, o.input, "--y", o.y, o.ny, &v[1]))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        if ((size_t)o.tau >= data.rows || data.rows - (size_t)o.tau < 2) {
            cs_error_set(CS_EINVAL, "%s: --tau %ld is too long for a series of %zu time steps (it "
                                    "must leave at least 2 pairs (t, t+tau))",
                         o.input, o.tau, data.rows);
            out = cli_fail(cmd, CS_EINVAL);
            goto done;
        }
        st = o.est == EST_DISCRETE   ? cs_phiid_discrete(v[0], v[1], (size_t)o.tau, &o.par, &r)
             : o.est == EST_GAUSSIAN ? cs_phiid_gaussian(v[0], v[1], (size_t)o.tau, &o.par, &r)
                                     : cs_phiid_gcopula(v[0], v[1], (size_t)o.tau, &o.par, &r);
        if (st) {
            cs_error_prefix("%s: ", o.input);
            out = cli_fail(cmd, st);
            goto done;
        }
    }
    double u = o.to_unit;
    int ccs_int = o.est != EST_DISCRETE && o.par.redundancy == CS_PID_CCS;
    if (o.json) {
        cs_json j;
        cs_json_init(&j, stdout);
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "measure", "phiid");
        cs_json_kv_string(&j, "estimator", o.est_text);
        cs_json_kv_string(&j, "units", o.units);
        cs_json_kv_string(&j, "redundancy_measure", cs_pid_redundancy_name(o.par.redundancy));
        cs_json_key(&j, "atoms");
        cs_json_begin_object(&j);
        for (int a = 0; a < CS_PHIID_NATOMS; a++)
            cs_json_kv_number(&j, cs_phiid_atom_name(a), r.atoms[a] * u);
        cs_json_end_object(&j);
        cs_json_kv_number(&j, "phi_wms", r.phi_wms * u);
        cs_json_kv_number(&j, "phi_r", r.phi_r * u);
        cs_json_kv_number(&j, "tdmi", r.tdmi * u);
        double ms[2] = {r.mi_self[0] * u, r.mi_self[1] * u};
        cs_json_key(&j, "mi_self");
        cs_json_numbers(&j, ms, 2);
        cs_json_key(&j, "tau");
        if (o.cov)
            cs_json_null(&j);
        else
            cs_json_int(&j, o.tau);
        cs_json_key(&j, "n");
        if (o.cov)
            cs_json_null(&j);
        else
            cs_json_int(&j, (long long)r.n);
        if (ccs_int) {
            cs_json_kv_number(&j, "ccs_stderr", r.ccs_stderr * u);
            cs_json_key(&j, "atom_stderr");
            cs_json_begin_object(&j);
            for (int a = 0; a < CS_PHIID_NATOMS; a++)
                cs_json_kv_number(&j, cs_phiid_atom_name(a), r.atom_stderr[a] * u);
            cs_json_end_object(&j);
        }
        json_params(&j, &o);
        cs_json_end_object(&j);
    } else {
        printf("phiid (%s, redundancy %s), %s", o.est_text, cs_pid_redundancy_name(o.par.redundancy),
               o.units);
        if (o.cov)
            printf(", from the covariance %s\n", o.cov);
        else
            printf(", tau = %ld, n = %zu lagged samples\n", o.tau, r.n);
        for (int a = 0; a < CS_PHIID_NATOMS; a++)
            printf("  %s %12.8g%s", cs_phiid_atom_name(a), r.atoms[a] * u, a % 4 == 3 ? "\n" : "");
        printf("  tdmi     %.10g\n", r.tdmi * u);
        printf("  phi_wms  %.10g\n", r.phi_wms * u);
        printf("  phi_r    %.10g\n", r.phi_r * u);
        if (ccs_int)
            printf("  (ccs integration: standard error of the atoms <= %.3g %s)\n", r.ccs_stderr * u,
                   o.units);
    }
done:
    cs_matrix_free(&v[0]);
    cs_matrix_free(&v[1]);
    cs_matrix_free(&data);
    cs_matrix_free(&cov);
    free(sub);
    free_opts(&o);
    return out;
}
