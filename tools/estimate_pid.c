/* cogscope estimate pid|phiid: partial information decomposition of two
 * sources about a target, and integrated information decomposition of two
 * (groups of) time series (library: cogscope/pid.h, cogscope/phiid.h). One
 * command: the same options, checks, inputs and JSON parameters; only the
 * library call and the printed atoms differ. Options, inputs and the JSON
 * preamble shared with the other estimate families are in estimate_common.c. */
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

static const char *const CMD = "estimate";

/* Everything both measures parse. */
typedef struct {
    int phiid;
    est_opts eo;
    est_var x, y, t; /* sources --x, --y; pid's target --target */
    const char *red_text;
    long tau, maxit;
    uint64_t ccs_points, ccs_shifts, seed;
    double tol;
    cs_pid_params par;
    cs_estimator_params ep; /* the estimator the decomposition runs over */
    cli_args args;
} opts;

#define O(member) offsetof(opts, member)

static const cli_opt options[] = {
    {.name = "Input:", .type = CLI_SECTION},
    {.type = CLI_INCLUDE, .sub = est_input_opts, .field = O(eo)},
    {"x", CLI_COLS, O(x.text), "COLS", .help = "0-based column list (\"0,1\", \"0-3\") of the source X1"},
    {"y", CLI_COLS, O(y.text), "COLS", .help = "the source X2; several columns make one multivariate variable"},
    {"target", CLI_COLS, O(t.text), "COLS", .help = "pid: the target Y"},
    {"tau", CLI_INT, O(tau), "T", .min = 1, .max = 1099511627776.0, .def = "1", .help = "phiid: lag in time steps"},
    {"cov", CLI_FILE, O(eo.cov), "FILE", .tag = CS_OPT_COVARIANCE,
     .help = "gaussian only: a square covariance matrix, one row per line;\n"
             "pid: --x/--y/--target name its rows; phiid: the covariance of\n"
             "(X1_t, X2_t, X1_t+tau, X2_t+tau), 2m x 2m with rows 0..m-1 at time t\n"
             "and m..2m-1 at t+tau in the same order; --x/--y name rows of the\n"
             "first half (default for m = 2: --x 0 --y 1); row i + m is the\n"
             "future of row i"},
    {.name = "\nEstimators and redundancy:", .type = CLI_SECTION},
    {"estimator", CLI_STRING, O(eo.est_text), "E", .help = "discrete, gaussian or gcopula (required)"},
    {"redundancy", CLI_STRING, O(red_text), "R",
     .help = "pid: wb (I_min), mmi (default), ccs (Ince) or broja; gaussian\n"
             "and gcopula take mmi and ccs; phiid: mmi (default) or ccs"},
    {.type = CLI_INCLUDE, .sub = est_discrete_opts, .field = O(eo)},
    {"tol", CLI_DOUBLE, O(tol), "X", .min = 0, .range = CLI_MIN | CLI_MIN_OPEN,
     .help = "broja: certified duality gap; discrete ccs: marginal error of\n"
             "the maximum-entropy fit (nats, default 1e-10)"},
    {"max-iter", CLI_INT, O(maxit), "N", .min = 1, .max = 1L << 24, .help = "convex solver iterations (default 500)"},
    {"ccs-points", CLI_U64, O(ccs_points), "N", .min = 1, .max = 1073741824.0, .range = CLI_MIN | CLI_MAX,
     .help = "gaussian ccs: quasi-random directions per shift (default 8192)"},
    {"ccs-shifts", CLI_U64, O(ccs_shifts), "N", .min = 2, .max = 4096, .range = CLI_MIN | CLI_MAX,
     .help = "gaussian ccs: random shifts, >= 2 (default 16)"},
    {"seed", CLI_U64, O(seed), "S", .help = "seed of the shifts (default 1)"},
    {.name = "\nOutput:", .type = CLI_SECTION},
    {.type = CLI_INCLUDE, .sub = est_output_opts, .field = O(eo)},
    {0},
};

static const cli_command pid_spec = {
    .cmd = CMD,
    .usage = "usage: cogscope estimate pid --input FILE --x COLS --y COLS --target COLS\n"
             "                             --estimator discrete|gaussian|gcopula [OPTIONS]\n"
             "       cogscope estimate pid --cov FILE --x ROWS --y ROWS --target ROWS --estimator gaussian\n"
             "\n"
             "Partial information decomposition of sources X1 (--x) and X2 (--y) about the target\n"
             "Y (--target): redundancy R, unique U1, U2, synergy S, with I(X1,X2;Y) = R+U1+U2+S\n"
             "and omega = S / I(X1,X2;Y).\n"
             "\n",
    .opts = options,
};

static const cli_command phiid_spec = {
    .cmd = CMD,
    .usage = "usage: cogscope estimate phiid --input FILE --x COLS --y COLS [--tau T]\n"
             "                               --estimator discrete|gaussian|gcopula [OPTIONS]\n"
             "       cogscope estimate phiid --cov FILE [--x ROWS --y ROWS] --estimator gaussian\n"
             "\n"
             "Integrated information decomposition (PhiID) of the series X1 (--x) and X2 (--y),\n"
             "whose own values tau steps later are the targets: the 16 atoms rtr ... sts (phyid's\n"
             "names), tdmi = I(X_t; X_t+tau), phi_wms = tdmi - sum_i I(X^i_t; X^i_t+tau) and\n"
             "phi_r = phi_wms + rtr.\n"
             "\n",
    .opts = options,
};

/* The redundancy measure and which options go with it. Returns 0 or 2. */
static int check_redundancy(opts *o, cs_pid_redundancy *red)
{
    const est_opts *eo = &o->eo;
    *red = CS_PID_MMI;
    if ((o->red_text && cs_pid_redundancy_parse(o->red_text, red)) ||
        cs_pid_check_redundancy(o->phiid ? CS_INFO_PHIID : CS_INFO_PID, eo->est, *red))
        return cli_usage_error(CMD, "--redundancy: %s", cs_last_error());
    /* the measure table (cogscope/measure.h): estimator and --cov */
    cs_measure_request r = {
        o->phiid ? CS_INFO_PHIID : CS_INFO_PID, eo->est, 0, cli_given_tags(&o->args), {CS_VAR_CONTINUOUS}};
    if (cs_measure_validate(&r))
        return cli_usage_error(CMD, "%s", cs_last_error());
    int disc = est_is_discrete(eo);
    int rc = est_opts_check(CMD, eo);
    if (rc)
        return rc;
    const cli_args *a = &o->args;
    if ((cli_given(a, "tol") || cli_given(a, "max-iter")) && !(disc && (*red == CS_PID_BROJA || *red == CS_PID_CCS)))
        return cli_usage_error(CMD, "--tol and --max-iter set the convex solvers of discrete broja "
                                    "and ccs");
    if ((cli_given(a, "ccs-points") || cli_given(a, "ccs-shifts") || cli_given(a, "seed")) &&
        !(!disc && *red == CS_PID_CCS))
        return cli_usage_error(CMD, "--ccs-points, --ccs-shifts and --seed set the gaussian/gcopula "
                                    "ccs integration");
    return 0;
}

/* The source (--input or --cov) and the variables each measure needs. Returns 0 or 2. */
static int check_inputs(opts *o)
{
    const est_opts *eo = &o->eo;
    int rc;
    if (o->phiid && o->t.text)
        return cli_usage_error(CMD, "phiid has no --target: the targets are the sources' own "
                                    "futures at lag --tau");
    if (!o->phiid && cli_given(&o->args, "tau"))
        return cli_usage_error(CMD, "--tau is for phiid");
    if (eo->cov && eo->input) {
        return cli_usage_error(CMD, "--cov replaces --input: give one or the other");
    } else if (!eo->cov && !eo->input) {
        return cli_usage_error(CMD, "--input FILE (or --cov FILE) is required");
    }
    est_var *vars[3] = {&o->x, &o->y, &o->t};
    for (int r = 0; r < 3; r++) {
        vars[r]->file = eo->cov ? eo->cov : eo->input;
        if ((rc = est_var_parse(CMD, vars[r])))
            return rc;
    }
    if (!o->phiid && (!o->x.cols || !o->y.cols || !o->t.cols))
        return cli_usage_error(CMD, "pid needs --x, --y and --target");
    if (o->phiid && !eo->cov && (!o->x.cols || !o->y.cols))
        return cli_usage_error(CMD, "phiid needs --x and --y");
    if (o->phiid && eo->cov && (!o->x.cols) != (!o->y.cols))
        return cli_usage_error(CMD, "with --cov give both --x and --y, or neither");
    return 0;
}

/* The options of pid (argv[0] "pid") or phiid, checked, into o->par:
 * -1 to go on, else the exit code (0 after --help). */
static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->phiid = !strcmp(argv[0], "phiid");
    est_opts_init(&o->eo, EST_PLUGIN, 0);
    o->x.flag = "--x", o->y.flag = "--y", o->t.flag = "--target";
    cs_pid_params_default(&o->par);
    o->tol = o->par.tol;
    o->maxit = o->par.max_iter;
    o->ccs_points = o->par.ccs_points;
    o->ccs_shifts = o->par.ccs_shifts;
    o->seed = o->par.seed;
    int rc = cli_parse(o->phiid ? &phiid_spec : &pid_spec, argc, argv, o, &o->args);
    if (rc >= 0)
        return rc;
    cs_pid_redundancy red;
    if ((rc = est_opts_estimator(CMD, &o->eo, o->phiid ? "phiid" : "pid")) || (rc = check_redundancy(o, &red)) ||
        (rc = check_inputs(o)))
        return rc;
    o->par.redundancy = red;
    cs_estimator_params_default(o->eo.est, &o->ep);
    o->ep.alphabet = (int32_t)o->eo.alphabet;
    o->ep.bins = (size_t)o->eo.bins;
    o->ep.binning = o->eo.binning_freq ? CS_BIN_EQUAL_FREQ : CS_BIN_EQUAL_WIDTH;
    o->ep.threads = (int)o->eo.threads;
    o->par.tol = o->tol;
    o->par.max_iter = (int)o->maxit;
    o->par.ccs_points = (size_t)o->ccs_points;
    o->par.ccs_shifts = (size_t)o->ccs_shifts;
    o->par.seed = o->seed;
    o->par.threads = (int)o->eo.threads;
    return -1;
}

static void free_opts(opts *o)
{
    est_var_free(&o->x);
    est_var_free(&o->y);
    est_var_free(&o->t);
}

/* Read --input and select the variables (nvars of x, y, t): values checked
 * with the user's column numbers; discrete symbols must be integers; for
 * gaussian/gcopula a constant column or an exact copy of another column of
 * the same variable is dropped with a note (refused under --strict). In
 * text mode the notes go to stderr here; in JSON mode into the object, or to
 * stderr when the command fails (cmd_estimate_decomp). */
static cs_status read_vars(opts *o, int nvars, cs_matrix *data)
{
    cs_status st = est_table_read(o->eo.input, data);
    est_var *vars[3] = {&o->x, &o->y, &o->t};
    int disc = est_is_discrete(&o->eo);
    int checks = disc ? (o->eo.bins ? 0 : EST_SYMBOLS) : EST_PRUNE | (o->eo.strict ? EST_STRICT : 0);
    for (int a = 0; a < nvars && !st; a++)
        st = est_var_select(vars[a], *data, checks, o->eo.alphabet);
    if (!o->eo.json)
        est_print_notes(CMD, (const est_var *const *)vars, (size_t)nvars);
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
        cli_json_opt(j, &o->args, o, "tau");
    est_json_estimator(j, &o->eo);
    const char *solver[] = {"tol", "max-iter", NULL}, *ccs[] = {"ccs-points", "ccs-shifts", "seed", NULL};
    const char *const *echo = NULL;
    if (est_is_discrete(&o->eo)) {
        if (o->par.redundancy == CS_PID_BROJA || (!o->phiid && o->par.redundancy == CS_PID_CCS))
            echo = solver;
    } else if (o->par.redundancy == CS_PID_CCS) {
        echo = ccs;
    }
    for (; echo && *echo; echo++)
        cli_json_opt(j, &o->args, o, *echo);
    cs_json_end_object(j);
}

/* ---- pid ---------------------------------------------------------------------- */

static int pid_compute(opts *o, cs_pid_result *r, size_t *n)
{
    const est_opts *eo = &o->eo;
    cs_matrix data = {0}, cov = {0};
    double *sub = NULL;
    cs_status st;
    if (eo->cov) {
        const est_var *vars[3] = {&o->x, &o->y, &o->t};
        size_t d;
        if (!(st = est_cov_read(eo->cov, &cov)) && !(st = est_cov_block(eo->cov, cov, vars, 3, &sub, &d)) &&
            (st = cs_pid_gaussian_cov(sub, o->x.ncols, o->y.ncols, o->t.ncols, &o->par, r)))
            cs_error_prefix("%s: ", eo->cov);
    } else if (!(st = read_vars(o, 3, &data))) {
        *n = data.rows;
        st = cs_pid_estimate(&o->ep, o->x.data, o->y.data, o->t.data, &o->par, r);
        if (st)
            cs_error_prefix("%s: ", eo->input);
    }
    cs_matrix_free(&data);
    cs_matrix_free(&cov);
    free(sub);
    return st ? cli_fail(CMD, st) : CLI_OK;
}

static void pid_json(const opts *o, const cs_pid_result *r, size_t n, int solver, int ccs_int)
{
    const est_opts *eo = &o->eo;
    double u = eo->to_unit;
    cs_json j;
    est_json_begin(&j, "pid", eo);
    cs_json_kv_string(&j, "redundancy_measure", cs_pid_redundancy_name(o->par.redundancy));
    cs_json_kv_number(&j, "redundancy", r->redundancy * u);
    double uq[2] = {r->unique[0] * u, r->unique[1] * u};
    cs_json_key(&j, "unique");
    cs_json_numbers(&j, uq, 2);
    cs_json_kv_number(&j, "synergy", r->synergy * u);
    cs_json_kv_number(&j, "mi_joint", r->mi_joint * u);
    double ms[2] = {r->mi_sources[0] * u, r->mi_sources[1] * u};
    cs_json_key(&j, "mi_sources");
    cs_json_numbers(&j, ms, 2);
    cs_json_kv_number(&j, "omega", r->omega);
    cs_json_key(&j, "n");
    if (eo->cov)
        cs_json_null(&j);
    else
        cs_json_int(&j, (long long)n);
    if (solver) {
        cs_json_kv_number(&j, "solver_gap", r->solver_gap * (o->par.redundancy == CS_PID_BROJA ? u : 1));
        cs_json_kv_int(&j, "solver_iterations", r->solver_iterations);
    }
    if (ccs_int)
        cs_json_kv_number(&j, "ccs_stderr", r->ccs_stderr * u);
    est_json_notes(&j, (const est_var *const[]){&o->x, &o->y, &o->t}, 3);
    json_params(&j, o);
    cs_json_end_object(&j);
}

static void pid_text(const opts *o, const cs_pid_result *r, size_t n, int solver, int ccs_int)
{
    const est_opts *eo = &o->eo;
    double u = eo->to_unit;
    printf("pid (%s, redundancy %s), %s", eo->est_text, cs_pid_redundancy_name(o->par.redundancy), eo->units);
    if (eo->cov)
        printf(", from the covariance %s\n", eo->cov);
    else
        printf(", n = %zu\n", n);
    printf("  redundancy     %.10g\n", r->redundancy * u);
    printf("  unique X1      %.10g\n", r->unique[0] * u);
    printf("  unique X2      %.10g\n", r->unique[1] * u);
    printf("  synergy        %.10g\n", r->synergy * u);
    printf("  I(X1,X2;Y)     %.10g\n", r->mi_joint * u);
    printf("  I(X1;Y)        %.10g\n", r->mi_sources[0] * u);
    printf("  I(X2;Y)        %.10g\n", r->mi_sources[1] * u);
    printf("  omega          %.10g\n", r->omega);
    if (solver && o->par.redundancy == CS_PID_BROJA)
        printf("  (solver: certified gap %.3g %s after %d iterations)\n", r->solver_gap * u, eo->units,
               r->solver_iterations);
    if (solver && o->par.redundancy == CS_PID_CCS)
        printf("  (maximum-entropy fit: marginal error %.3g after %d iterations)\n", r->solver_gap,
               r->solver_iterations);
    if (ccs_int)
        printf("  (ccs integration: standard error %.3g %s)\n", r->ccs_stderr * u, eo->units);
}

static int run_pid(opts *o)
{
    cs_pid_result r;
    size_t n = 0;
    int rc = pid_compute(o, &r, &n);
    if (rc)
        return rc;
    int disc = est_is_discrete(&o->eo);
    int solver = disc && (o->par.redundancy == CS_PID_BROJA || o->par.redundancy == CS_PID_CCS);
    int ccs_int = !disc && o->par.redundancy == CS_PID_CCS;
    if (o->eo.json)
        pid_json(o, &r, n, solver, ccs_int);
    else
        pid_text(o, &r, n, solver, ccs_int);
    return CLI_OK;
}

/* ---- phiid -------------------------------------------------------------------- */

/* The rows of (X1_t, X2_t, X1_t+tau, X2_t+tau) in a 2m x 2m covariance:
 * --x/--y name rows of the first half (default for m = 2: rows 0 and 1);
 * row i + m is the future of row i. *rows (d of them) is the caller's. */
static int phiid_cov_rows(opts *o, size_t dim, size_t **rows, size_t *d)
{
    const char *cov = o->eo.cov;
    if (dim % 2) {
        cs_error_set(CS_ESHAPE, "%s: the covariance of (X_t, X_t+tau) has an even size, this is %zu x %zu", cov, dim,
                     dim);
        return cli_fail(CMD, CS_ESHAPE);
    }
    size_t m = dim / 2;
    if (!o->x.cols) {
        if (m != 2)
            return cli_usage_error(CMD, "%s is %zu x %zu: name the rows of X1 and X2 at time t with --x and --y", cov,
                                   dim, dim);
        if (est_var_default(&o->x, 1) || est_var_default(&o->y, 1))
            return cli_fail(CMD, cs_error_set(CS_ENOMEM, "out of memory"));
        o->y.cols[0] = 1; /* m = 2: X1 is row 0 and X2 row 1 */
    }
    const est_var *src[2] = {&o->x, &o->y};
    size_t k = 0;
    *d = 2 * (o->x.ncols + o->y.ncols);
    if (!(*rows = malloc(*d * sizeof **rows)))
        return cli_fail(CMD, cs_error_set(CS_ENOMEM, "out of memory"));
    for (int half = 0; half < 2; half++)
        for (int a = 0; a < 2; a++)
            for (size_t i = 0; i < src[a]->ncols; i++) {
                if (src[a]->cols[i] >= m) {
                    cs_error_set(CS_EINVAL,
                                 "%s: %s: row %zu is not in the first half (rows 0-%zu, time t) "
                                 "of the %zu x %zu covariance",
                                 cov, src[a]->flag, src[a]->cols[i], m - 1, dim, dim);
                    return cli_fail(CMD, CS_EINVAL);
                }
                (*rows)[k++] = src[a]->cols[i] + (size_t)half * m;
            }
    return 0;
}

static int phiid_from_cov(opts *o, cs_phiid_result *r)
{
    cs_matrix cov = {0};
    double *sub = NULL;
    size_t *rows = NULL, d = 0;
    cs_status st = est_cov_read(o->eo.cov, &cov);
    int rc = st ? cli_fail(CMD, st) : phiid_cov_rows(o, cov.rows, &rows, &d);
    if (!rc && ((st = est_cov_submatrix(cov, rows, d, &sub)) ||
                (st = cs_phiid_gaussian_cov(sub, o->x.ncols, o->y.ncols, &o->par, r)))) {
        cs_error_prefix("%s: ", o->eo.cov);
        rc = cli_fail(CMD, st);
    }
    free(rows);
    free(sub);
    cs_matrix_free(&cov);
    return rc;
}

static int phiid_from_series(opts *o, cs_phiid_result *r)
{
    const est_opts *eo = &o->eo;
    cs_matrix data = {0};
    cs_status st = read_vars(o, 2, &data);
    if (!st && ((size_t)o->tau >= data.rows || data.rows - (size_t)o->tau < 2))
        st = cs_error_set(CS_EINVAL,
                          "%s: --tau %ld is too long for a series of %zu time steps (it "
                          "must leave at least 2 pairs (t, t+tau))",
                          eo->input, o->tau, data.rows);
    else if (!st) {
        size_t tau = (size_t)o->tau;
        st = cs_phiid_estimate(&o->ep, o->x.data, o->y.data, tau, &o->par, r);
        if (st)
            cs_error_prefix("%s: ", eo->input);
    }
    cs_matrix_free(&data);
    return st ? cli_fail(CMD, st) : CLI_OK;
}

/* "key": {atom: value, ...} */
static void json_atoms(cs_json *j, const char *key, const double *v, double u)
{
    cs_json_key(j, key);
    cs_json_begin_object(j);
    for (int a = 0; a < CS_PHIID_NATOMS; a++)
        cs_json_kv_number(j, cs_phiid_atom_name(a), v[a] * u);
    cs_json_end_object(j);
}

static void phiid_json(const opts *o, const cs_phiid_result *r, int ccs_int)
{
    const est_opts *eo = &o->eo;
    double u = eo->to_unit;
    cs_json j;
    est_json_begin(&j, "phiid", eo);
    cs_json_kv_string(&j, "redundancy_measure", cs_pid_redundancy_name(o->par.redundancy));
    json_atoms(&j, "atoms", r->atoms, u);
    cs_json_kv_number(&j, "phi_wms", r->phi_wms * u);
    cs_json_kv_number(&j, "phi_r", r->phi_r * u);
    cs_json_kv_number(&j, "tdmi", r->tdmi * u);
    double ms[2] = {r->mi_self[0] * u, r->mi_self[1] * u};
    cs_json_key(&j, "mi_self");
    cs_json_numbers(&j, ms, 2);
    cs_json_key(&j, "tau");
    if (eo->cov)
        cs_json_null(&j);
    else
        cs_json_int(&j, o->tau);
    cs_json_key(&j, "n");
    if (eo->cov)
        cs_json_null(&j);
    else
        cs_json_int(&j, (long long)r->n);
    if (ccs_int) {
        cs_json_kv_number(&j, "ccs_stderr", r->ccs_stderr * u);
        json_atoms(&j, "atom_stderr", r->atom_stderr, u);
    }
    est_json_notes(&j, (const est_var *const[]){&o->x, &o->y}, 2);
    json_params(&j, o);
    cs_json_end_object(&j);
}

static void phiid_text(const opts *o, const cs_phiid_result *r, int ccs_int)
{
    const est_opts *eo = &o->eo;
    double u = eo->to_unit;
    printf("phiid (%s, redundancy %s), %s", eo->est_text, cs_pid_redundancy_name(o->par.redundancy), eo->units);
    if (eo->cov)
        printf(", from the covariance %s\n", eo->cov);
    else
        printf(", tau = %ld, n = %zu lagged samples\n", o->tau, r->n);
    for (int a = 0; a < CS_PHIID_NATOMS; a++)
        printf("  %s %12.8g%s", cs_phiid_atom_name(a), r->atoms[a] * u, a % 4 == 3 ? "\n" : "");
    printf("  tdmi     %.10g\n", r->tdmi * u);
    printf("  phi_wms  %.10g\n", r->phi_wms * u);
    printf("  phi_r    %.10g\n", r->phi_r * u);
    if (ccs_int)
        printf("  (ccs integration: standard error of the atoms <= %.3g %s)\n", r->ccs_stderr * u, eo->units);
}

static int run_phiid(opts *o)
{
    cs_phiid_result r;
    int rc = o->eo.cov ? phiid_from_cov(o, &r) : phiid_from_series(o, &r);
    if (rc)
        return rc;
    int ccs_int = !est_is_discrete(&o->eo) && o->par.redundancy == CS_PID_CCS;
    if (o->eo.json)
        phiid_json(o, &r, ccs_int);
    else
        phiid_text(o, &r, ccs_int);
    return CLI_OK;
}

int cmd_estimate_decomp(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc < 0) {
        rc = o.phiid ? run_phiid(&o) : run_pid(&o);
        if (rc != CLI_OK && o.eo.json) /* no JSON object to hold the notes */
            est_print_notes(CMD, (const est_var *const[]){&o.x, &o.y, &o.t}, o.phiid ? 2 : 3);
    }
    free_opts(&o);
    return rc;
}
