/* cogscope estimate pid|phiid: partial information decomposition of two
 * sources about a target, and integrated information decomposition of two
 * (groups of) time series (library: cogscope/pid.h, cogscope/phiid.h).
 * Routed here from estimate_multi.c; options, inputs and the JSON preamble
 * shared with the other estimate families are in estimate_common.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "estimate_common.h"
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
            "  --input FILE        text table (whitespace/comma separated, %%/# comments) or FILE.h5:/dataset[I]\n"
            "  --x/--y/--target COLS  0-based column lists (\"0,1\", \"0-3\"); several columns make\n"
            "                      one multivariate variable\n"
            "  --cov FILE          gaussian only: a square covariance matrix, one row per line;\n"
            "                      --x/--y/--target name its rows\n"
            "  --strict            gaussian/gcopula: refuse constant or duplicated columns of a\n"
            "                      variable (default: drop them with a note)\n"
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
            "  --threads N         OpenMP threads (0, the default: all cores)\n"
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
            "  --input FILE        text table (one row per time step) or FILE.h5:/dataset[I]\n"
            "  --x/--y COLS        0-based column lists; several columns make one source\n"
            "  --tau T             lag in time steps (default 1)\n"
            "  --cov FILE          gaussian only: the covariance of (X1_t, X2_t, X1_t+tau, X2_t+tau),\n"
            "                      2m x 2m with rows 0..m-1 at time t and m..2m-1 at t+tau in the\n"
            "                      same order; --x/--y name rows of the first half (default for\n"
            "                      m = 2: --x 0 --y 1); row i + m is the future of row i\n"
            "  --strict            gaussian/gcopula: refuse constant or duplicated columns of a\n"
            "                      source (default: drop them with a note)\n"
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
    O_X = EST_O_OWN, O_Y, O_TARGET, O_TAU, O_RED, O_TOL, O_MAXIT, O_CCSP, O_CCSS, O_SEED
};

static const struct option long_opts[] = {
    EST_LONG_SOURCE,
    EST_LONG_ESTIMATOR,
    EST_LONG_OUTPUT,
    {"x", required_argument, 0, O_X},
    {"y", required_argument, 0, O_Y},
    {"target", required_argument, 0, O_TARGET},
    {"tau", required_argument, 0, O_TAU},
    {"redundancy", required_argument, 0, O_RED},
    {"tol", required_argument, 0, O_TOL},
    {"max-iter", required_argument, 0, O_MAXIT},
    {"ccs-points", required_argument, 0, O_CCSP},
    {"ccs-shifts", required_argument, 0, O_CCSS},
    {"seed", required_argument, 0, O_SEED},
    {0, 0, 0, 0},
};

/* Everything both subcommands parse. */
typedef struct {
    int phiid;
    est_opts eo;
    est_var x, y, t; /* sources --x, --y; pid's target --target */
    const char *red_text;
    long tau, maxit;
    uint64_t ccs_points, ccs_shifts, seed;
    double tol;
    int have_tau, have_solver, have_ccs;
    cs_pid_params par;
} opts;

static int on_option(const char *cmd, int code, const char *arg, void *ctx)
{
    opts *o = ctx;
    int rc = est_opts_parse(cmd, code, arg, &o->eo);
    if (rc >= 0)
        return rc;
    switch (code) {
    case O_X: o->x.text = arg; return 0;
    case O_Y: o->y.text = arg; return 0;
    case O_TARGET: o->t.text = arg; return 0;
    case O_RED: o->red_text = arg; return 0;
    case O_TAU: o->have_tau = 1; return cli_parse_int(cmd, "--tau", arg, 1, 1L << 40, &o->tau);
    case O_TOL:
        o->have_solver = 1;
        rc = cli_parse_double(cmd, "--tol", arg, &o->tol);
        if (!rc && !(o->tol > 0))
            rc = cli_usage_error(cmd, "--tol: %g must be > 0", o->tol);
        return rc;
    case O_MAXIT:
        o->have_solver = 1;
        return cli_parse_int(cmd, "--max-iter", arg, 1, 1L << 24, &o->maxit);
    case O_CCSP:
        o->have_ccs = 1;
        rc = cli_parse_u64(cmd, "--ccs-points", arg, &o->ccs_points);
        if (!rc && (o->ccs_points < 1 || o->ccs_points > (1ULL << 30)))
            rc = cli_usage_error(cmd, "--ccs-points: %llu is outside [1, 2^30]",
                                 (unsigned long long)o->ccs_points);
        return rc;
    case O_CCSS:
        o->have_ccs = 1;
        rc = cli_parse_u64(cmd, "--ccs-shifts", arg, &o->ccs_shifts);
        if (!rc && (o->ccs_shifts < 2 || o->ccs_shifts > 4096))
            rc = cli_usage_error(cmd, "--ccs-shifts: %llu is outside [2, 4096] (two shifts at "
                                      "least give a standard error)",
                                 (unsigned long long)o->ccs_shifts);
        return rc;
    case O_SEED: o->have_ccs = 1; return cli_parse_u64(cmd, "--seed", arg, &o->seed);
    default: return -1;
    }
}

/* The options of pid (argv[0] "pid") or phiid, checked: 0, or the usage
 * exit code. */
static int parse(int argc, char **argv, opts *o)
{
    const char *cmd = "estimate";
    memset(o, 0, sizeof *o);
    o->phiid = !strcmp(argv[0], "phiid");
    est_opts_init(&o->eo, EST_PLUGIN, 0);
    o->x.flag = "--x", o->y.flag = "--y", o->t.flag = "--target";
    o->tau = 1;
    cs_pid_params_default(&o->par);
    o->tol = o->par.tol;
    o->maxit = o->par.max_iter;
    o->ccs_points = o->par.ccs_points;
    o->ccs_shifts = o->par.ccs_shifts;
    o->seed = o->par.seed;
    int rc = cli_getopt(cmd, argc, argv, long_opts, on_option, o);
    if (rc)
        return rc;

    est_opts *eo = &o->eo;
    if ((rc = est_opts_estimator(cmd, eo, o->phiid ? "phiid" : "pid")))
        return rc;
    cs_pid_redundancy red = CS_PID_MMI;
    if (o->red_text && cs_pid_redundancy_parse(o->red_text, &red))
        return cli_usage_error(cmd, "--redundancy: %s", cs_last_error());
    if (o->phiid && red != CS_PID_MMI && red != CS_PID_CCS)
        return cli_usage_error(cmd, "--redundancy: phiid takes mmi or ccs, not '%s'", o->red_text);
    int disc = est_is_discrete(eo);
    if (!disc && red != CS_PID_MMI && red != CS_PID_CCS)
        return cli_usage_error(cmd, "--redundancy %s is for discrete data; %s takes mmi or ccs",
                               o->red_text, eo->est_text);
    if ((rc = est_opts_check(cmd, eo)))
        return rc;
    if (o->have_solver && !(disc && (red == CS_PID_BROJA || red == CS_PID_CCS)))
        return cli_usage_error(cmd, "--tol and --max-iter set the convex solvers of discrete broja "
                                    "and ccs");
    if (o->have_ccs && !(!disc && red == CS_PID_CCS))
        return cli_usage_error(cmd, "--ccs-points, --ccs-shifts and --seed set the gaussian/gcopula "
                                    "ccs integration");
    if (o->phiid && o->t.text)
        return cli_usage_error(cmd, "phiid has no --target: the targets are the sources' own "
                                    "futures at lag --tau");
    if (!o->phiid && o->have_tau)
        return cli_usage_error(cmd, "--tau is for phiid");
    if (eo->cov) {
        if (eo->est != CS_EST_GAUSSIAN)
            return cli_usage_error(cmd, "--cov needs --estimator gaussian");
        if (eo->input)
            return cli_usage_error(cmd, "--cov replaces --input: give one or the other");
    } else if (!eo->input) {
        return cli_usage_error(cmd, "--input FILE (or --cov FILE) is required");
    }
    est_var *vars[3] = {&o->x, &o->y, &o->t};
    for (int r = 0; r < 3; r++) {
        vars[r]->file = eo->cov ? eo->cov : eo->input;
        if ((rc = est_var_parse(cmd, vars[r])))
            return rc;
    }
    if (!o->phiid && (!o->x.cols || !o->y.cols || !o->t.cols))
        return cli_usage_error(cmd, "pid needs --x, --y and --target");
    if (o->phiid && !eo->cov && (!o->x.cols || !o->y.cols))
        return cli_usage_error(cmd, "phiid needs --x and --y");
    if (o->phiid && eo->cov && (!o->x.cols) != (!o->y.cols))
        return cli_usage_error(cmd, "with --cov give both --x and --y, or neither");
    o->par.redundancy = red;
    o->par.alphabet = (int32_t)eo->alphabet;
    o->par.bins = (size_t)eo->bins;
    o->par.binning = eo->binning_freq ? CS_BIN_EQUAL_FREQ : CS_BIN_EQUAL_WIDTH;
    o->par.tol = o->tol;
    o->par.max_iter = (int)o->maxit;
    o->par.ccs_points = (size_t)o->ccs_points;
    o->par.ccs_shifts = (size_t)o->ccs_shifts;
    o->par.seed = o->seed;
    o->par.threads = (int)eo->threads;
    return 0;
}

static void free_opts(opts *o)
{
    est_var_free(&o->x);
    est_var_free(&o->y);
    est_var_free(&o->t);
}

/* --help, or the parsed options: -1 when the command goes on with *o (to be
 * freed), else its exit code. */
static int begin(int argc, char **argv, opts *o)
{
    if (cli_wants_help(argc, argv)) {
        if (!strcmp(argv[0], "phiid"))
            usage_phiid(stdout);
        else
            usage_pid(stdout);
        return CLI_OK;
    }
    cs_init();
    int rc = parse(argc, argv, o);
    if (rc)
        free_opts(o);
    return rc ? rc : -1;
}

/* Read --input and select the variables (nvars of x, y, t): values checked
 * with the user's column numbers; discrete symbols must be integers; for
 * gaussian/gcopula a constant column or an exact copy of another column of
 * the same variable is dropped with a note (refused under --strict). In
 * text mode the notes go to stderr here; in JSON mode into the object, or to
 * stderr when the command fails (done: in the callers). */
static cs_status read_vars(const char *cmd, opts *o, int nvars, cs_matrix *data)
{
    cs_status st = est_table_read(o->eo.input, data);
    est_var *vars[3] = {&o->x, &o->y, &o->t};
    int disc = est_is_discrete(&o->eo);
    int checks = disc ? (o->eo.bins ? 0 : EST_SYMBOLS) : EST_PRUNE | (o->eo.strict ? EST_STRICT : 0);
    for (int a = 0; a < nvars && !st; a++)
        st = est_var_select(vars[a], *data, checks, o->eo.alphabet);
    if (!o->eo.json)
        est_print_notes(cmd, (const est_var *const *)vars, (size_t)nvars);
    return st;
}

static void json_params(cs_json *j, const opts *o)
{
    cs_json_key(j, "params");
    cs_json_begin_object(j);
    est_json_source(j, &o->eo, o->eo.input);
    const est_var *vars[3] = {&o->x, &o->y, &o->t};
    const char *keys[3] = {"x", "y", "target"};
    for (int a = 0; a < 3; a++)
        if (vars[a]->cols)
            est_json_list(j, keys[a], vars[a]->cols, vars[a]->ncols);
    if (o->phiid && !o->eo.cov)
        cs_json_kv_int(j, "tau", o->tau);
    est_json_estimator(j, &o->eo);
    if (est_is_discrete(&o->eo)) {
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
    opts o;
    int rc = begin(argc, argv, &o);
    if (rc >= 0)
        return rc;
    const est_opts *eo = &o.eo;
    cs_matrix data = {0}, cov = {0};
    double *sub = NULL;
    cs_pid_result r;
    cs_status st;
    int out = CLI_OK;
    size_t n = 0;
    if (eo->cov) {
        const est_var *vars[3] = {&o.x, &o.y, &o.t};
        size_t d;
        if ((st = est_cov_read(eo->cov, &cov)) ||
            (st = est_cov_block(eo->cov, cov, vars, 3, &sub, &d))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        if ((st = cs_pid_gaussian_cov(sub, o.x.ncols, o.y.ncols, o.t.ncols, &o.par, &r))) {
            cs_error_prefix("%s: ", eo->cov);
            out = cli_fail(cmd, st);
            goto done;
        }
    } else {
        if ((st = read_vars(cmd, &o, 3, &data))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        n = data.rows;
        st = eo->est == CS_EST_DISCRETE   ? cs_pid_discrete(o.x.data, o.y.data, o.t.data, &o.par, &r)
             : eo->est == CS_EST_GAUSSIAN ? cs_pid_gaussian(o.x.data, o.y.data, o.t.data, &o.par, &r)
                                          : cs_pid_gcopula(o.x.data, o.y.data, o.t.data, &o.par, &r);
        if (st) {
            cs_error_prefix("%s: ", eo->input);
            out = cli_fail(cmd, st);
            goto done;
        }
    }
    double u = eo->to_unit;
    int solver = est_is_discrete(eo) &&
                 (o.par.redundancy == CS_PID_BROJA || o.par.redundancy == CS_PID_CCS);
    int ccs_int = !est_is_discrete(eo) && o.par.redundancy == CS_PID_CCS;
    if (eo->json) {
        cs_json j;
        est_json_begin(&j, "pid", eo);
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
        if (eo->cov)
            cs_json_null(&j);
        else
            cs_json_int(&j, (long long)n);
        if (solver) {
            cs_json_kv_number(&j, "solver_gap", r.solver_gap * (o.par.redundancy == CS_PID_BROJA ? u : 1));
            cs_json_kv_int(&j, "solver_iterations", r.solver_iterations);
        }
        if (ccs_int)
            cs_json_kv_number(&j, "ccs_stderr", r.ccs_stderr * u);
        est_json_notes(&j, (const est_var *const[]){&o.x, &o.y, &o.t}, 3);
        json_params(&j, &o);
        cs_json_end_object(&j);
    } else {
        printf("pid (%s, redundancy %s), %s", eo->est_text, cs_pid_redundancy_name(o.par.redundancy),
               eo->units);
        if (eo->cov)
            printf(", from the covariance %s\n", eo->cov);
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
                   eo->units, r.solver_iterations);
        if (solver && o.par.redundancy == CS_PID_CCS)
            printf("  (maximum-entropy fit: marginal error %.3g after %d iterations)\n",
                   r.solver_gap, r.solver_iterations);
        if (ccs_int)
            printf("  (ccs integration: standard error %.3g %s)\n", r.ccs_stderr * u, eo->units);
    }
done:
    if (out != CLI_OK && eo->json)
        est_print_notes(cmd, (const est_var *const[]){&o.x, &o.y, &o.t}, 3);
    cs_matrix_free(&data);
    cs_matrix_free(&cov);
    free(sub);
    free_opts(&o);
    return out;
}

int cmd_estimate_phiid(int argc, char **argv)
{
    const char *cmd = "estimate";
    opts o;
    int rc = begin(argc, argv, &o);
    if (rc >= 0)
        return rc;
    const est_opts *eo = &o.eo;
    cs_matrix data = {0}, cov = {0};
    double *sub = NULL;
    size_t *rows = NULL;
    cs_phiid_result r;
    cs_status st;
    int out = CLI_OK;
    if (eo->cov) {
        if ((st = est_cov_read(eo->cov, &cov))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        if (cov.rows % 2) {
            cs_error_set(CS_ESHAPE, "%s: the covariance of (X_t, X_t+tau) has an even size, this is "
                                    "%zu x %zu",
                         eo->cov, cov.rows, cov.rows);
            out = cli_fail(cmd, CS_ESHAPE);
            goto done;
        }
        size_t m = cov.rows / 2;
        if (!o.x.cols) {
            if (m != 2) {
                out = cli_usage_error(cmd, "%s is %zu x %zu: name the rows of X1 and X2 at time t "
                                           "with --x and --y",
                                      eo->cov, cov.rows, cov.rows);
                goto done;
            }
            /* m = 2: X1 is row 0 and X2 row 1 */
            o.x.cols = malloc(sizeof *o.x.cols), o.y.cols = malloc(sizeof *o.y.cols);
            if (!o.x.cols || !o.y.cols) {
                out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
                goto done;
            }
            o.x.cols[0] = 0, o.y.cols[0] = 1, o.x.ncols = o.y.ncols = 1;
        }
        /* rows X1_t, X2_t, then the same rows m later: X1_t+tau, X2_t+tau */
        const est_var *src[2] = {&o.x, &o.y};
        size_t d = 2 * (o.x.ncols + o.y.ncols), k = 0;
        if (!(rows = malloc(d * sizeof *rows))) {
            out = cli_fail(cmd, cs_error_set(CS_ENOMEM, "out of memory"));
            goto done;
        }
        for (int half = 0; half < 2; half++)
            for (int a = 0; a < 2; a++)
                for (size_t i = 0; i < src[a]->ncols; i++) {
                    if (src[a]->cols[i] >= m) {
                        cs_error_set(CS_EINVAL, "%s: %s: row %zu is not in the first half (rows "
                                                "0-%zu, time t) of the %zu x %zu covariance",
                                     eo->cov, src[a]->flag, src[a]->cols[i], m - 1, cov.rows,
                                     cov.rows);
                        out = cli_fail(cmd, CS_EINVAL);
                        goto done;
                    }
                    rows[k++] = src[a]->cols[i] + (size_t)half * m;
                }
        if ((st = est_cov_submatrix(cov, rows, d, &sub)) ||
            (st = cs_phiid_gaussian_cov(sub, o.x.ncols, o.y.ncols, &o.par, &r))) {
            cs_error_prefix("%s: ", eo->cov);
            out = cli_fail(cmd, st);
            goto done;
        }
    } else {
        if ((st = read_vars(cmd, &o, 2, &data))) {
            out = cli_fail(cmd, st);
            goto done;
        }
        if ((size_t)o.tau >= data.rows || data.rows - (size_t)o.tau < 2) {
            cs_error_set(CS_EINVAL, "%s: --tau %ld is too long for a series of %zu time steps (it "
                                    "must leave at least 2 pairs (t, t+tau))",
                         eo->input, o.tau, data.rows);
            out = cli_fail(cmd, CS_EINVAL);
            goto done;
        }
        size_t tau = (size_t)o.tau;
        st = eo->est == CS_EST_DISCRETE   ? cs_phiid_discrete(o.x.data, o.y.data, tau, &o.par, &r)
             : eo->est == CS_EST_GAUSSIAN ? cs_phiid_gaussian(o.x.data, o.y.data, tau, &o.par, &r)
                                          : cs_phiid_gcopula(o.x.data, o.y.data, tau, &o.par, &r);
        if (st) {
            cs_error_prefix("%s: ", eo->input);
            out = cli_fail(cmd, st);
            goto done;
        }
    }
    double u = eo->to_unit;
    int ccs_int = !est_is_discrete(eo) && o.par.redundancy == CS_PID_CCS;
    if (eo->json) {
        cs_json j;
        est_json_begin(&j, "phiid", eo);
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
        if (eo->cov)
            cs_json_null(&j);
        else
            cs_json_int(&j, o.tau);
        cs_json_key(&j, "n");
        if (eo->cov)
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
        est_json_notes(&j, (const est_var *const[]){&o.x, &o.y}, 2);
        json_params(&j, &o);
        cs_json_end_object(&j);
    } else {
        printf("phiid (%s, redundancy %s), %s", eo->est_text, cs_pid_redundancy_name(o.par.redundancy),
               eo->units);
        if (eo->cov)
            printf(", from the covariance %s\n", eo->cov);
        else
            printf(", tau = %ld, n = %zu lagged samples\n", o.tau, r.n);
        for (int a = 0; a < CS_PHIID_NATOMS; a++)
            printf("  %s %12.8g%s", cs_phiid_atom_name(a), r.atoms[a] * u, a % 4 == 3 ? "\n" : "");
        printf("  tdmi     %.10g\n", r.tdmi * u);
        printf("  phi_wms  %.10g\n", r.phi_wms * u);
        printf("  phi_r    %.10g\n", r.phi_r * u);
        if (ccs_int)
            printf("  (ccs integration: standard error of the atoms <= %.3g %s)\n", r.ccs_stderr * u,
                   eo->units);
    }
done:
    if (out != CLI_OK && eo->json)
        est_print_notes(cmd, (const est_var *const[]){&o.x, &o.y}, 2);
    free(rows);
    cs_matrix_free(&data);
    cs_matrix_free(&cov);
    free(sub);
    free_opts(&o);
    return out;
}
