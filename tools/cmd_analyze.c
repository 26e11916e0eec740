/* cogscope analyze: the analysis pipeline (cogscope/observe.h) over one run
 * log, written as a metrics file (docs/schema.md, "/analysis"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cogscope/json.h"
#include "cogscope/observe.h"
#include "analyze_dist.h"
#include "commands.h"
#include "dist.h"

static const char *const CMD = "analyze";

enum {
    OPT_OUT = 256, OPT_METRICS, OPT_ESTIMATOR, OPT_SEED, OPT_THREADS, OPT_SURROGATES, OPT_BINS, OPT_IP_DIMS,
    OPT_MAX_UNITS, OPT_TSE_UNITS, OPT_MULTIPLETS, OPT_PID_PAIRS, OPT_PID_RED, OPT_KSG_K, OPT_GC_MIXTURE, OPT_PI_ALPHA,
    OPT_PI_GAMMA, OPT_PI_VARIANT, OPT_PI_DELTA, OPT_PI_WINDOW, OPT_PI_EMA, OPT_NPERSEG, OPT_JSON, OPT_QUIET,
    OPT_FORCE
};

static const struct option long_opts[] = {
    {"out", required_argument, 0, OPT_OUT},
    {"force", no_argument, 0, OPT_FORCE},
    {"metrics", required_argument, 0, OPT_METRICS},
    {"estimator", required_argument, 0, OPT_ESTIMATOR},
    {"seed", required_argument, 0, OPT_SEED},
    {"threads", required_argument, 0, OPT_THREADS},
    {"surrogates", required_argument, 0, OPT_SURROGATES},
    {"bins", required_argument, 0, OPT_BINS},
    {"ip-dims", required_argument, 0, OPT_IP_DIMS},
    {"max-units", required_argument, 0, OPT_MAX_UNITS},
    {"tse-units", required_argument, 0, OPT_TSE_UNITS},
    {"multiplets", required_argument, 0, OPT_MULTIPLETS},
    {"pid-pairs", required_argument, 0, OPT_PID_PAIRS},
    {"pid-redundancy", required_argument, 0, OPT_PID_RED},
    {"ksg-k", required_argument, 0, OPT_KSG_K},
    {"gc-form", required_argument, 0, OPT_GC_MIXTURE},
    {"pi-alpha", required_argument, 0, OPT_PI_ALPHA},
    {"pi-gamma", required_argument, 0, OPT_PI_GAMMA},
    {"pi-variant", required_argument, 0, OPT_PI_VARIANT},
    {"pi-delta", required_argument, 0, OPT_PI_DELTA},
    {"pi-window", required_argument, 0, OPT_PI_WINDOW},
    {"pi-ema", required_argument, 0, OPT_PI_EMA},
    {"nperseg", required_argument, 0, OPT_NPERSEG},
    {"json", no_argument, 0, OPT_JSON},
    {"quiet", no_argument, 0, OPT_QUIET},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cogscope analyze RUN.h5... [--out METRICS.h5] [--metrics LIST] [--estimator E] [options]\n"
            "\n"
            "Analyse run logs: for every probe snapshot and layer the information plane,\n"
            "integration, synergy and PhiID; spectra of the per-step series; ΣPI variants.\n"
            "Writes one metrics file per run (default: RUN.metrics.h5 next to the run; the run\n"
            "log itself is never modified). A live run is analysed as far as it is flushed.\n"
            "Under mpirun -n K (a build with -DCOGSCOPE_MPI=ON) the (run, layer, snapshot,\n"
            "measure) jobs of all runs are shared by the ranks; rank 0 writes every file.\n"
            "\n"
            "  --out FILE           metrics file to write (one run only; default RUN.metrics.h5);\n"
            "                       an existing metrics file is replaced, a run log only with --force\n"
            "  --force              let --out replace an existing run log\n"
            "  --metrics LIST       comma-separated: infoplane, integration, oinfo, pid, phiid,\n"
            "                       spectra, sigmapi, synergy (= oinfo,pid), all (default all)\n"
            "  --estimator E        gcopula | gaussian | ksg | binned (default gcopula)\n"
            "  --seed S             seed of unit subsampling, multiplets, surrogates (default 1)\n"
            "  --threads N          threads (0, the default: all cores)\n"
            "  --surrogates N       permutation surrogates for I(X;T), I(T;Y), TC, DTC, O (default 0)\n"
            "information plane and dependence measures:\n"
            "  --bins N             equal-width bins per unit for binned values (default 30)\n"
            "  --ip-dims N          principal components of X and T for continuous MI (default 10)\n"
            "  --max-units N        units per layer for TC/DTC/O/PID, also capped at probe/4 (default 64)\n"
            "  --tse-units N        units in the TSE complexity, 2..24 (default 12)\n"
            "  --multiplets N       random triplets and quadruplets for the O distribution (default 200)\n"
            "  --pid-pairs N        top unit pairs (by joint MI with the label) to decompose (default 8)\n"
            "  --pid-redundancy R   mmi | ccs | wb | broja (wb, broja: binned only; default mmi)\n"
            "  --ksg-k K            KSG neighbours (default 4)\n"
            "  --gc-form F          gcopula/gaussian I(.;Y) and PID: mixture (default; gcmi_mixture_cd)\n"
            "                       or model (gcmi_model_cd; exceeds H(Y) in many dimensions, then\n"
            "                       clamped to H(Y) and flagged)\n"
            "ΣPI:\n"
            "  --pi-variant V       sigmapi | ipwt | ars (default sigmapi; docs/metrics.md)\n"
            "  --pi-alpha X         alpha (default: the run's)\n"
            "  --pi-gamma X         gamma in [0, 1] (default: the run's)\n"
            "  --pi-delta X         ∫PI variance penalty delta >= 0 (default 1)\n"
            "  --pi-window N        ∫PI window in steps (default: one window per epoch)\n"
            "  --pi-ema X           ars: EMA smoothing factor in [0, 1) (default 0: none)\n"
            "spectra:\n"
            "  --nperseg N          Welch segment of the per-step series (default min(256, steps))\n"
            "output:\n"
            "  --json               print a summary as one JSON object (one line per run)\n"
            "  --quiet              no summary line\n"
            "  -h, --help           this text\n"
            "\nProgress goes to stderr when it is a terminal.\n"
            "Exit codes: 0 success, 1 failure while running, 2 bad usage.\n");
}

static int analyze_one(const char *run_path, const cs_obs_params *p, const analyze_out *o);

/* The bar starts at the first report, when the amount of work is known. */
static void progress_cb(void *ctx, size_t done, size_t total)
{
    cs_progress **bar = ctx;
    if (!*bar)
        *bar = cs_progress_start("analyze", total);
    cs_progress_update(*bar, done);
}

static int parse_size(const char *flag, const char *text, long min, long max, size_t *out)
{
    long v;
    int rc = cli_parse_int(CMD, flag, text, min, max, &v);
    if (!rc)
        *out = (size_t)v;
    return rc;
}

int cmd_analyze(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    cs_obs_params p;
    cs_obs_params_default(&p);
    const char *out_path = NULL;
    int json = 0, quiet = 0, force = 0, c, rc = 0;
    long v;
    while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_OUT: out_path = optarg; break;
        case OPT_METRICS:
            if (cs_obs_metrics_parse(optarg, &p.metrics) != CS_OK)
                return cli_usage_error(CMD, "%s", cs_last_error());
            break;
        case OPT_ESTIMATOR:
            if (cs_obs_estimator_parse(optarg, &p.estimator) != CS_OK)
                return cli_usage_error(CMD, "--estimator: %s", cs_last_error());
            break;
        case OPT_SEED: rc = cli_parse_u64(CMD, "--seed", optarg, &p.seed); break;
        case OPT_THREADS:
            if (!(rc = cli_parse_threads(CMD, optarg, &v)))
                p.threads = (int)v;
            break;
        case OPT_SURROGATES: rc = parse_size("--surrogates", optarg, 0, 100000, &p.surrogates); break;
        case OPT_BINS: rc = parse_size("--bins", optarg, 2, 100000, &p.bins); break;
        case OPT_IP_DIMS: rc = parse_size("--ip-dims", optarg, 1, 256, &p.ip_dims); break;
        case OPT_MAX_UNITS: rc = parse_size("--max-units", optarg, 3, 1 << 20, &p.max_units); break;
        case OPT_TSE_UNITS: rc = parse_size("--tse-units", optarg, 2, 24, &p.tse_units); break;
        case OPT_MULTIPLETS: rc = parse_size("--multiplets", optarg, 0, 1000000, &p.multiplets); break;
        case OPT_PID_PAIRS: rc = parse_size("--pid-pairs", optarg, 1, 10000, &p.pid_pairs); break;
        case OPT_PID_RED:
            if (cs_pid_redundancy_parse(optarg, &p.pid_redundancy) != CS_OK)
                return cli_usage_error(CMD, "--pid-redundancy: %s", cs_last_error());
            break;
        case OPT_GC_MIXTURE:
            if (strcmp(optarg, "model") && strcmp(optarg, "mixture"))
                return cli_usage_error(CMD, "--gc-form: '%s' is not model or mixture", optarg);
            p.gc_mixture = !strcmp(optarg, "mixture");
            break;
        case OPT_KSG_K:
            if (!(rc = cli_parse_int(CMD, "--ksg-k", optarg, 1, 100, &v)))
                p.ksg_k = (int)v;
            break;
        case OPT_PI_ALPHA: rc = cli_parse_double(CMD, "--pi-alpha", optarg, &p.pi_alpha); break;
        case OPT_PI_GAMMA: rc = cli_parse_double(CMD, "--pi-gamma", optarg, &p.pi_gamma); break;
        case OPT_PI_VARIANT:
            if (cs_pi_variant_parse(optarg, &p.pi_variant) != CS_OK)
                return cli_usage_error(CMD, "--pi-variant: %s", cs_last_error());
            break;
        case OPT_PI_DELTA: rc = cli_parse_double(CMD, "--pi-delta", optarg, &p.pi_delta); break;
        case OPT_PI_WINDOW: rc = parse_size("--pi-window", optarg, 2, 1L << 40, &p.pi_window); break;
        case OPT_PI_EMA: rc = cli_parse_double(CMD, "--pi-ema", optarg, &p.pi_ema); break;
        case OPT_NPERSEG: rc = parse_size("--nperseg", optarg, 2, 1L << 30, &p.nperseg); break;
        case OPT_JSON: json = 1; break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_FORCE: force = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_getopt_error(CMD, argc, argv, c);
        }
        if (rc)
            return rc;
    }
    if (optind >= argc)
        return cli_usage_error(CMD, "missing the run log (cogscope analyze RUN.h5)");
    size_t nruns = (size_t)(argc - optind);
    char **runs = argv + optind;
    if (out_path && nruns > 1)
        return cli_usage_error(CMD, "--out names one metrics file: give one run, or none to write "
                                    "each RUN.metrics.h5");
    if (cs_obs_params_check(&p) != CS_OK)
        return cli_usage_error(CMD, "%s", cs_last_error());
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
        int kind;
        cs_status cst;
        if ((rc = cli_out_guard(CMD, "--out", dst, (const char *const *)runs, nruns, force)))
            return rc;
        if ((cst = cli_h5_check(runs[r], &kind)) != CS_OK)
            return cli_fail(CMD, cst);
    }
    analyze_out o = {out_path, json, quiet};
    if (dist_size() > 1)
        return analyze_dist(CMD, runs, nruns, &p, &o);
    for (size_t r = 0; r < nruns; r++) {
        int rc = analyze_one(runs[r], &p, &o);
        if (rc)
            return rc;
    }
    return CLI_OK;
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
    cs_progress_finish(prog);
    int rc = st != CS_OK ? cli_fail(CMD, st) : analyze_write(run_path, run, &p, m, t0, o);
    cs_metrics_destroy(m);
    cs_runlog_close_reader(run);
    return rc;
}

int analyze_write(const char *run_path, const cs_runlog *run, const cs_obs_params *p, cs_metrics *m,
                  double t0, const analyze_out *o)
{
    char def_out[4096];
    const char *out_path = o->out_path;
    if (!out_path) {
        if (cs_obs_default_metrics_path(run_path, def_out, sizeof def_out) != CS_OK)
            return cli_fail(CMD, CS_EINVAL);
        out_path = def_out;
    }
    cs_status st = cs_metrics_write(m, out_path);
    if (st != CS_OK)
        return cli_fail(CMD, st);
    double secs = cs_time_now() - t0;
    const cs_runlog_info *in = cs_runlog_get_info(run);
    if (o->json) {
        cs_json j;
        cs_json_init(&j, stdout);
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "run", run_path);
        cs_json_kv_string(&j, "metrics_file", out_path);
        cs_json_kv_string(&j, "estimator", cs_obs_estimator_name(p->estimator));
        cs_json_kv_string(&j, "metrics", cs_metrics_attr(m, "metrics"));
        cs_json_kv_int(&j, "snapshots", (long long)in->snapshots);
        cs_json_kv_int(&j, "steps", (long long)in->steps);
        cs_json_kv_int(&j, "layers", (long long)in->layer_count);
        cs_json_kv_int(&j, "arrays", (long long)cs_metrics_count(m));
        cs_json_kv_number(&j, "seconds", secs);
        cs_json_key(&j, "notes");
        cs_json_begin_array(&j);
        for (size_t i = 0; i < cs_metrics_note_count(m); i++)
            cs_json_string(&j, cs_metrics_note(m, i));
        cs_json_end_array(&j);
        cs_json_end_object(&j);
    } else if (!o->quiet) {
        printf("analysed %s (%s, %zu steps, %zu snapshots, %zu layers) in %.2f s: %zu arrays -> %s\n", run_path,
               in->rule[0] ? in->rule : "rule not logged", in->steps, in->snapshots, in->layer_count, secs, cs_metrics_count(m), out_path);
        size_t nn = cs_metrics_note_count(m);
        if (nn)
            printf("%zu note%s (cogscope report --format text lists them)\n", nn, nn == 1 ? "" : "s");
    }
    return CLI_OK;
}
