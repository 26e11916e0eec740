/* cogscope analyze: the analysis pipeline (cogscope/observe.h) over one run
 * log, written as a metrics file (docs/schema.md, "/analysis"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cogscope/observe.h"
#include "analyze_dist.h"
#include "commands.h"
#include "dist.h"

static const char *const CMD = "analyze";

typedef struct {
    cs_obs_params p;
    const char *out_path;
    int json, quiet, force;
} analyze_opts;

#define P(member) offsetof(analyze_opts, p.member)

/* The library parses these names (and says what it takes). */
static int parse_metrics(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    (void)o, (void)all;
    return cs_obs_metrics_parse(arg, f) ? cli_usage_error(cmd, "%s", cs_last_error()) : 0;
}

static int parse_estimator(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    (void)o, (void)all;
    return cs_info_estimator_parse(arg, f) ? cli_usage_error(cmd, "--estimator: %s", cs_last_error()) : 0;
}

static int parse_redundancy(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    (void)o, (void)all;
    return cs_pid_redundancy_parse(arg, f) ? cli_usage_error(cmd, "--pid-redundancy: %s", cs_last_error()) : 0;
}

static int parse_variant(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    (void)o, (void)all;
    return cs_pi_variant_parse(arg, f) ? cli_usage_error(cmd, "--pi-variant: %s", cs_last_error()) : 0;
}

static const cli_choice gc_forms[] = {{"model", 0}, {"mixture", 1}, {NULL, 0}};

static const cli_opt opts[] = {
    {"out", CLI_FILE, offsetof(analyze_opts, out_path), "FILE",
     .help = "metrics file to write (one run only; default RUN.metrics.h5);\n"
             "an existing metrics file is replaced, a run log only with --force"},
    {"force", CLI_FLAG, offsetof(analyze_opts, force), NULL, .help = "let --out replace an existing run log"},
    {"metrics", CLI_CUSTOM, P(metrics), "LIST", .parse = parse_metrics,
     .help = "comma-separated: infoplane, integration, oinfo, pid, phiid,\n"
             "spectra, sigmapi, teaching (the errors), synergy (= oinfo,pid),\n"
             "default (= all; the default), all"},
    {"estimator", CLI_CUSTOM, P(estimator), "E", .parse = parse_estimator,
     .help = "gcopula | gaussian | ksg | binned (default gcopula)"},
    {"seed", CLI_U64, P(seed), "S", .help = "seed of unit subsampling, multiplets, surrogates (default 1)"},
    {"threads", CLI_INT32, P(threads), "N", .min = 0, .max = CLI_MAX_THREADS,
     .help = "threads (0, the default: all cores)"},
    {"surrogates", CLI_SIZE, P(surrogates), "N", .min = 0, .max = 100000,
     .help = "permutation surrogates for I(X;T), I(T;Y), TC, DTC, O (default 0)"},
    {.name = "information plane and dependence measures:", .type = CLI_SECTION},
    {"bins", CLI_SIZE, P(bins), "N", .min = 2, .max = 100000,
     .help = "equal-width bins per unit for binned values (default 30)"},
    {"ip-dims", CLI_SIZE, P(ip_dims), "N", .min = 1, .max = 256,
     .help = "principal components of X and T for continuous MI (default 10)"},
    {"max-units", CLI_SIZE, P(max_units), "N", .min = 3, .max = 1 << 20,
     .help = "units per layer for TC/DTC/O/PID, also capped at probe/4 (default 64)"},
    {"tse-units", CLI_SIZE, P(tse_units), "N", .min = 2, .max = 24,
     .help = "units in the TSE complexity, 2..24 (default 12)"},
    {"multiplets", CLI_SIZE, P(multiplets), "N", .min = 0, .max = 1000000,
     .help = "random triplets and quadruplets for the O distribution (default 200)"},
    {"pid-pairs", CLI_SIZE, P(pid_pairs), "N", .min = 1, .max = 10000,
     .help = "top unit pairs (by joint MI with the label) to decompose (default 8)"},
    {"pid-redundancy", CLI_CUSTOM, P(pid_redundancy), "R", .parse = parse_redundancy,
     .help = "mmi | ccs | wb | broja (wb, broja: binned only; default mmi)"},
    {"ksg-k", CLI_INT32, P(ksg_k), "K", .min = 1, .max = 100, .help = "KSG neighbours (default 4)"},
    {"gc-form", CLI_ENUM, P(gc_mixture), "F", .choices = gc_forms,
     .help = "gcopula/gaussian I(.;Y) and PID: mixture (default; gcmi_mixture_cd)\n"
             "or model (gcmi_model_cd; exceeds H(Y) in many dimensions, then\n"
             "clamped to H(Y) and flagged)"},
    {.name = "ΣPI:", .type = CLI_SECTION},
    {"pi-variant", CLI_CUSTOM, P(pi_variant), "V", .parse = parse_variant,
     .help = "sigmapi | ipwt | ars (default sigmapi; docs/metrics.md)"},
    {"pi-alpha", CLI_DOUBLE, P(pi_alpha), "X", .help = "alpha (default: the run's)"},
    {"pi-gamma", CLI_DOUBLE, P(pi_gamma), "X", .help = "gamma in [0, 1] (default: the run's)"},
    {"pi-delta", CLI_DOUBLE, P(pi_delta), "X", .help = "∫PI variance penalty delta >= 0 (default 1)"},
    {"pi-window", CLI_SIZE, P(pi_window), "N", .min = 2, .max = 1099511627776.0,
     .help = "∫PI window in steps (default: one window per epoch)"},
    {"pi-ema", CLI_DOUBLE, P(pi_ema), "X", .help = "ars: EMA smoothing factor in [0, 1) (default 0: none)"},
    {.name = "spectra:", .type = CLI_SECTION},
    {"nperseg", CLI_SIZE, P(nperseg), "N", .min = 2, .max = 1 << 30,
     .help = "Welch segment of the per-step series (default min(256, steps))"},
    {.name = "output:", .type = CLI_SECTION},
    {"json", CLI_FLAG, offsetof(analyze_opts, json), NULL,
     .help = "print a summary as one JSON object (one line per run)"},
    {"quiet", CLI_FLAG, offsetof(analyze_opts, quiet), NULL, .help = "no summary line"},
    {0},
};

static const cli_command spec = {
    .cmd = CMD,
    .usage = "usage: cogscope analyze RUN.h5... [--out METRICS.h5] [--metrics LIST] [--estimator E] "
             "[options]\n"
             "\n"
             "Analyse run logs: for every probe snapshot and layer the information plane,\n"
             "integration, synergy and PhiID; spectra of the per-step series; ΣPI variants.\n"
             "Writes one metrics file per run (default: RUN.metrics.h5 next to the run; the run\n"
             "log itself is never modified). A live run is analysed as far as it is flushed.\n"
             "Under mpirun -n K (a build with -DCOGSCOPE_MPI=ON) the (run, layer, snapshot,\n"
             "measure) jobs of all runs are shared by the ranks; rank 0 writes every file.\n"
             "\n",
    .opts = opts,
    .footer = "\nProgress goes to stderr when it is a terminal.\n"
              "Exit codes: 0 success, 1 failure while running, 2 bad usage.\n",
    .positional = 1,
    .min_pos = 1,
    .missing = "missing the run log (cogscope analyze RUN.h5)",
    .help_col = 23,
};

static int analyze_one(const char *run_path, const cs_obs_params *p, const analyze_out *o);

/* The bar starts at the first report, when the amount of work is known. */
static void progress_cb(void *ctx, size_t done, size_t total)
{
    cs_progress **bar = ctx;
    if (!*bar)
        *bar = cs_progress_create("analyze", total);
    cs_progress_update(*bar, done);
}

/* Refuse an output over an input or a run given twice, and check each run
 * in a child process first. Returns 0 or the exit code. */
static int check_runs(char **runs, size_t nruns, const char *out_path, int force)
{
    for (size_t r = 0; r < nruns; r++) {
        char def_out[4096];
        const char *dst = out_path;
        if (!dst) {
            if (cs_obs_default_metrics_path(runs[r], def_out, sizeof def_out) != CS_OK)
                return cli_fail(CMD, CS_EINVAL);
            dst = def_out;
        }
        if (!strcmp(dst, runs[r]))
            return cli_usage_error(CMD, "--out %s would overwrite the run log", dst);
        for (size_t q = 0; q < r; q++)
            if (!strcmp(runs[q], runs[r]))
                return cli_usage_error(CMD, "run log %s is given twice", runs[r]);
        /* Never over an input or, without --force, another run log; each
         * run read first in the checked child (a damaged file is reported,
         * not crashed on). */
        int kind, rc;
        cs_status cst;
        if ((rc = cli_out_guard(CMD, "--out", dst, (const char *const *)runs, nruns, force)))
            return rc;
        if ((cst = cli_h5_check(runs[r], &kind)) != CS_OK)
            return cli_fail(CMD, cst);
    }
    return 0;
}

int cmd_analyze(int argc, char **argv)
{
    analyze_opts o = {0};
    cs_obs_params_default(&o.p);
    cli_args a;
    int rc = cli_parse(&spec, argc, argv, &o, &a);
    if (rc >= 0)
        return rc;
    size_t nruns = (size_t)a.npos;
    char **runs = a.pos;
    if (o.out_path && nruns > 1)
        return cli_usage_error(CMD, "--out names one metrics file: give one run, or none to write "
                                    "each RUN.metrics.h5");
    if (cs_obs_params_check(&o.p) != CS_OK)
        return cli_usage_error(CMD, "%s", cs_last_error());
    if ((rc = check_runs(runs, nruns, o.out_path, o.force)))
        return rc;
    analyze_out out = {o.out_path, o.json, o.quiet};
    if (dist_size() > 1)
        return analyze_dist(CMD, runs, nruns, &o.p, &out);
    for (size_t r = 0; r < nruns && !rc; r++)
        rc = analyze_one(runs[r], &o.p, &out);
    return rc;
}

/* One run, in this process. */
static int analyze_one(const char *run_path, const cs_obs_params *p0, const analyze_out *o)
{
    cs_obs_params p = *p0;
    double t0 = cs_time_now();
    cs_runlog *run = NULL;
    cs_status st = cs_runlog_open(run_path, &run);
    if (st != CS_OK)
        return cli_fail(CMD, st);
    cs_progress *prog = NULL;
    p.progress = progress_cb;
    p.progress_ctx = &prog;
    cs_metrics *m = NULL;
    st = cs_obs_analyze(run, &p, &m);
    cs_progress_destroy(prog);
    int rc = st != CS_OK ? cli_fail(CMD, st) : analyze_write(run_path, run, &p, m, t0, o);
    cs_metrics_destroy(m);
    cs_runlog_close_reader(run);
    return rc;
}
