/* cogscope train: train an MLP with a learning rule and write the run log.
 *
 * Rule-specific flags are not listed here: any `--NAME` that a registered rule
 * declares in its vtable's `options` is collected into a name/value list and
 * handed to the training config; the rule's own create() validates the
 * values, and a flag declared by a different rule is a usage error. So a new
 * rule adds flags without touching this file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cogscope/dataset.h"
#include "cogscope/json.h"
#include "cogscope/rule.h"
#include "cogscope/train.h"
#include "commands.h"

#ifndef COGSCOPE_DATA_DIR
#define COGSCOPE_DATA_DIR "datasets"
#endif

/* Where the bundled data sets are: $COGSCOPE_DATASETS; else, for an installed
 * binary, COGSCOPE_DATA_RELDIR (relative to the binary's directory, e.g.
 * ../share/cogscope/datasets) when that directory exists; else the source
 * tree's datasets/ the build was configured from. buf holds the result. */
static const char *bundled_dir(char *buf, size_t size)
{
    const char *env = getenv("COGSCOPE_DATASETS");
    if (env)
        return env;
#ifdef COGSCOPE_DATA_RELDIR
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash && (size_t)(slash - buf) + 2 + strlen(COGSCOPE_DATA_RELDIR) < size) {
            strcpy(slash + 1, COGSCOPE_DATA_RELDIR);
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
#endif
    (void)buf, (void)size;
    return COGSCOPE_DATA_DIR;
}

static const char *const CMD = "train";

enum {
    OPT_DATA = 256, OPT_RULE, OPT_LAYERS, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_SEED, OPT_OUT,
    OPT_OPTIMIZER, OPT_MOMENTUM, OPT_LOG_EVERY, OPT_PROBE, OPT_THREADS, OPT_PI_ALPHA, OPT_PI_GAMMA,
    OPT_DATA_DIR, OPT_LABEL_COL, OPT_ACTIVATION, OPT_JSON, OPT_QUIET, OPT_TEST_FRACTION,
    OPT_WEIGHT_DECAY, OPT_SCHEDULE, OPT_FORCE, OPT_MAX_LOG
};

static const struct option long_opts[] = {
    {"data", required_argument, 0, OPT_DATA},
    {"rule", required_argument, 0, OPT_RULE},
    {"layers", required_argument, 0, OPT_LAYERS},
    {"epochs", required_argument, 0, OPT_EPOCHS},
    {"batch", required_argument, 0, OPT_BATCH},
    {"lr", required_argument, 0, OPT_LR},
    {"seed", required_argument, 0, OPT_SEED},
    {"out", required_argument, 0, OPT_OUT},
    {"force", no_argument, 0, OPT_FORCE},
    {"max-log-size", required_argument, 0, OPT_MAX_LOG},
    {"optimizer", required_argument, 0, OPT_OPTIMIZER},
    {"momentum", required_argument, 0, OPT_MOMENTUM},
    {"log-every", required_argument, 0, OPT_LOG_EVERY},
    {"probe-size", required_argument, 0, OPT_PROBE},
    {"threads", required_argument, 0, OPT_THREADS},
    {"pi-alpha", required_argument, 0, OPT_PI_ALPHA},
    {"pi-gamma", required_argument, 0, OPT_PI_GAMMA},
    {"data-dir", required_argument, 0, OPT_DATA_DIR},
    {"label-col", required_argument, 0, OPT_LABEL_COL},
    {"activation", required_argument, 0, OPT_ACTIVATION},
    {"test-fraction", required_argument, 0, OPT_TEST_FRACTION},
    {"weight-decay", required_argument, 0, OPT_WEIGHT_DECAY},
    {"lr-schedule", required_argument, 0, OPT_SCHEDULE},
    {"json", no_argument, 0, OPT_JSON},
    {"quiet", no_argument, 0, OPT_QUIET},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cogscope train --data SET [--rule NAME] [--layers N,N,...] [options]\n"
            "\n"
            "Train a multilayer perceptron and (with --out) log every step to an HDF5 run log.\n"
            "\n"
            "data:\n"
            "  --data SET          digits | fashion-mnist | xor | parity | parity:N | FILE.csv[.gz]\n"
            "  --data-dir DIR      Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)\n"
            "  --label-col N       CSV: 0-based label column (default: the last)\n"
            "  --test-fraction F   digits/CSV: held-out fraction, stratified (default 0.25)\n"
            "network and training (defaults come from the rule; bp: tanh, SGD, see docs/training.md):\n"
            "  --rule NAME         learning rule (default bp)\n"
            "  --layers N,N,...    unit counts, input first (default: inputs,100,classes)\n"
            "  --activation A      tanh | relu | sigmoid | hardsigmoid | identity\n"
            "  --epochs N          passes over the training split\n"
            "  --batch N           minibatch size\n"
            "  --lr X              learning rate\n"
            "  --optimizer O       sgd | adam\n"
            "  --momentum X        SGD momentum in [0, 1)\n"
            "  --weight-decay X    L2 weight decay (SGD: added to the gradient; Adam: decoupled)\n"
            "  --lr-schedule S     constant | cosine (anneals to 0 over the run)\n"
            "  --seed S            seed of the split, initialisation, shuffling, probe (default 1)\n"
            "  --threads N         threads (0, the default: all cores)\n"
            "logging:\n"
            "  --out FILE.h5       write the run log (no log without it); an existing file is\n"
            "                      refused, and never the --data file or a non-regular file\n"
            "  --force             let --out replace an existing file\n"
            "  --max-log-size S    bound on the logged data, e.g. 500M, 20G (default 16G): when\n"
            "                      reached, snapshots stop (then all rows), training goes on and\n"
            "                      a note says from which step; the projected size is printed\n"
            "                      at the start when it is over 1G\n"
            "  --log-every N       probe snapshot and BP angle every N steps (default 50)\n"
            "  --probe-size N      probe samples from the test split (default 512, capped)\n"
            "  --pi-alpha X        ΣPI alpha (default 1)\n"
            "  --pi-gamma X        ΣPI gamma in [0, 1] (default 0.5)\n"
            "output:\n"
            "  --json              print the result as one JSON object\n"
            "  --quiet             no summary line on stdout\n"
            "  -h, --help          this text\n");
    fprintf(out, "\nrules:\n");
    for (size_t i = 0; i < cs_rule_count(); i++) {
        const cs_rule_vtable *v = cs_rule_at(i);
        fprintf(out, "  %-6s %s\n", v->name, v->summary ? v->summary : "");
        for (const cs_rule_option_spec *o = v->options; o && o->name; o++) {
            char flag[96];
            snprintf(flag, sizeof flag, "--%s%s%s", o->name, o->metavar ? " " : "",
                     o->metavar ? o->metavar : "");
            fprintf(out, "      %-24s %s%s%s%s\n", flag, o->help ? o->help : "",
                    o->def ? " (default " : "", o->def ? o->def : "", o->def ? ")" : "");
        }
    }
    fprintf(out, "\nExit codes: 0 success, 1 failure while running, 2 bad usage.\n");
}

static int is_train_flag(const char *name, size_t len)
{
    for (const struct option *o = long_opts; o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len))
            return 1;
    return 0;
}

/* Move every rule-declared "--NAME [VALUE]" / "--NAME=VALUE" out of argv into
 * opts. Returns the new argc, or -1 after a usage error (missing value). */
static int extract_rule_options(int argc, char **argv, cs_rule_option *opts, size_t *n_opts, char **owned)
{
    int w = 1;
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            while (i < argc)
                argv[w++] = argv[i++];
            break;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            argv[w++] = argv[i];
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        if (is_train_flag(name, len)) {
            argv[w++] = argv[i];
            continue;
        }
        char key[128];
        if (len >= sizeof key) {
            argv[w++] = argv[i];
            continue;
        }
        memcpy(key, name, len);
        key[len] = '\0';
        const cs_rule_vtable *owner = cs_rule_option_owner(key);
        if (!owner) {
            argv[w++] = argv[i]; /* getopt reports it as unknown */
            continue;
        }
        const cs_rule_option_spec *spec = cs_rule_option_find(owner, key);
        char *dup = strdup(key);
        if (!dup)
            return cli_usage_error(CMD, "out of memory"), -1;
        owned[n] = dup;
        opts[n].name = dup;
        if (!spec->metavar) {
            opts[n].value = eq ? eq + 1 : "1";
        } else if (eq) {
            opts[n].value = eq + 1;
        } else if (i + 1 < argc) {
            opts[n].value = argv[++i];
        } else {
            n++;
            *n_opts = n;
            cli_usage_error(CMD, "option '--%s' needs a value", key);
            return -1;
        }
        n++;
    }
    *n_opts = n;
    return w;
}

static int parse_layers(const char *text, size_t *sizes, size_t *n)
{
    size_t k = 0;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        if (*p == '-' || *p == '+')
            return cli_usage_error(CMD, "--layers: '%s' must be positive unit counts like 64,100,10", text);
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || errno || v == 0 || v > (1u << 24))
            return cli_usage_error(CMD, "--layers: '%s' must be positive unit counts like 64,100,10", text);
        if (k == CS_MLP_MAX_LAYERS)
            return cli_usage_error(CMD, "--layers: more than %d layers", CS_MLP_MAX_LAYERS);
        sizes[k++] = (size_t)v;
        if (*end == ',')
            end++;
        else if (*end)
            return cli_usage_error(CMD, "--layers: '%s' must be positive unit counts like 64,100,10", text);
        p = end;
    }
    if (k < 2)
        return cli_usage_error(CMD, "--layers: '%s' needs at least an input and an output layer", text);
    *n = k;
    return 0;
}

/* --out: a new file, or with --force an existing regular file that is not
 * the --data file. Anything else (a device such as /dev/null, a directory,
 * the data) is refused before training, so the writer never truncates or
 * removes a file this run did not create. Returns 0 or 2. */
static int check_out(const char *out, const char *data, int force)
{
    const char *inputs[1] = {data};
    int rc = cli_out_guard(CMD, "--out", out, inputs, 1, 1);
    if (rc)
        return rc;
    struct stat st;
    if (stat(out, &st) != 0)
        return 0;
    if (!S_ISREG(st.st_mode))
        return cli_usage_error(CMD, "--out %s is not a regular file: a run log needs a file of its own",
                               out);
    if (!force)
        return cli_usage_error(CMD, "--out %s exists: refusing to replace it (give --force to replace it)",
                               out);
    return 0;
}

/* A projected log above this size is announced at the start. */
#define ANNOUNCE_LOG_BYTES ((uint64_t)1 << 30)

typedef struct {
    cs_progress *bar;
    uint64_t max_log;
    int announced, limited;
} progress_ctx;

/* The progress bar, and on stderr: the projected log size (first step,
 * when large) and the moment --max-log-size stops logging. */
static void on_progress(const cs_train_progress *p, void *user)
{
    progress_ctx *ctx = user;
    char a[32], b[32];
    if (!ctx->announced && p->log_bytes_projected) {
        ctx->announced = 1;
        if (p->log_bytes_projected > ANNOUNCE_LOG_BYTES) {
            cli_format_bytes(p->log_bytes_projected, a, sizeof a);
            cli_format_bytes(ctx->max_log, b, sizeof b);
            fprintf(stderr, "cogscope train: note: the run log will hold about %s (before compression)%s%s%s\n",
                    a, p->log_bytes_projected > ctx->max_log ? "; logging stops at --max-log-size " : "",
                    p->log_bytes_projected > ctx->max_log ? b : "",
                    p->log_bytes_projected > ctx->max_log ? " (raise it, or --log-every)" : "");
        }
    }
    if (p->log_limited > ctx->limited) {
        ctx->limited = p->log_limited;
        cli_format_bytes(ctx->max_log, b, sizeof b);
        fprintf(stderr, "cogscope train: note: the log reached --max-log-size %s at step %zu: %s\n", b,
                p->step - 1, p->log_limited == 1 ? "no more snapshots (steps are still logged)"
                                                 : "nothing more is logged (training goes on)");
    }
    cs_progress_update(ctx->bar, p->step);
}

int cmd_train(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    cs_rule_option *ropts = calloc((size_t)argc + 1, sizeof *ropts);
    char **owned = calloc((size_t)argc + 1, sizeof *owned);
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!ropts || !owned || !args) {
        free(ropts);
        free(owned);
        free(args);
        fprintf(stderr, "cogscope train: out of memory\n");
        return CLI_FAIL;
    }
    memcpy(args, argv, (size_t)argc * sizeof *args);
    size_t n_ropts = 0;
    int rc = CLI_OK;
    cs_dataset train = {0}, test = {0};
    int nargc = extract_rule_options(argc, args, ropts, &n_ropts, owned);
    if (nargc < 0) {
        rc = CLI_USAGE;
        goto out;
    }

    cs_train_config cfg;
    cs_train_config_default(&cfg);
    cfg.rule_opts = ropts;
    cfg.n_rule_opts = n_ropts;
    cs_dataset_options dopt;
    cs_dataset_options_default(&dopt);
    char data_dir[4096];
    dopt.bundled_dir = bundled_dir(data_dir, sizeof data_dir);
    const char *data = NULL;
    int json = 0, quiet = 0, force = 0;
    long lv;
    uint64_t u;
    int c;
    while ((c = getopt_long(nargc, args, ":h", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_DATA: data = optarg; break;
        case OPT_RULE: cfg.rule = optarg; break;
        case OPT_LAYERS:
            if (parse_layers(optarg, cfg.sizes, &cfg.n_layers)) {
                rc = CLI_USAGE;
                goto out;
            }
            break;
        case OPT_EPOCHS:
            if (cli_parse_int(CMD, "--epochs", optarg, 1, 1000000, &lv)) { rc = CLI_USAGE; goto out; }
            cfg.epochs = (size_t)lv;
            break;
        case OPT_BATCH:
            if (cli_parse_int(CMD, "--batch", optarg, 1, 1000000, &lv)) { rc = CLI_USAGE; goto out; }
            cfg.batch = (size_t)lv;
            break;
        case OPT_LR:
            if (cli_parse_double(CMD, "--lr", optarg, &cfg.lr)) { rc = CLI_USAGE; goto out; }
            if (!(cfg.lr > 0)) { rc = cli_usage_error(CMD, "--lr %g must be > 0", cfg.lr); goto out; }
            break;
        case OPT_SEED:
            if (cli_parse_u64(CMD, "--seed", optarg, &u)) { rc = CLI_USAGE; goto out; }
            cfg.seed = u;
            dopt.seed = u;
            break;
        case OPT_OUT: cfg.out_path = optarg; break;
        case OPT_OPTIMIZER: cfg.optimizer = optarg; break;
        case OPT_MOMENTUM:
            if (cli_parse_double(CMD, "--momentum", optarg, &cfg.momentum)) { rc = CLI_USAGE; goto out; }
            break;
        case OPT_LOG_EVERY:
            if (cli_parse_int(CMD, "--log-every", optarg, 1, 1000000000L, &lv)) { rc = CLI_USAGE; goto out; }
            cfg.log_every = (size_t)lv;
            break;
        case OPT_PROBE:
            if (cli_parse_int(CMD, "--probe-size", optarg, 1, 1000000, &lv)) { rc = CLI_USAGE; goto out; }
            cfg.probe_size = (size_t)lv;
            break;
        case OPT_THREADS:
            if (cli_parse_threads(CMD, optarg, &lv)) { rc = CLI_USAGE; goto out; }
            cfg.threads = (int)lv;
            break;
        case OPT_PI_ALPHA:
            if (cli_parse_double(CMD, "--pi-alpha", optarg, &cfg.pi_alpha)) { rc = CLI_USAGE; goto out; }
            break;
        case OPT_PI_GAMMA:
            if (cli_parse_double(CMD, "--pi-gamma", optarg, &cfg.pi_gamma)) { rc = CLI_USAGE; goto out; }
            break;
        case OPT_DATA_DIR: dopt.data_dir = optarg; break;
        case OPT_LABEL_COL:
            if (cli_parse_int(CMD, "--label-col", optarg, -1, 1000000000L, &lv)) { rc = CLI_USAGE; goto out; }
            dopt.label_col = lv;
            break;
        case OPT_TEST_FRACTION:
            if (cli_parse_double(CMD, "--test-fraction", optarg, &dopt.test_fraction)) { rc = CLI_USAGE; goto out; }
            if (!(dopt.test_fraction > 0 && dopt.test_fraction < 1)) {
                rc = cli_usage_error(CMD, "--test-fraction %g must be in (0, 1)", dopt.test_fraction);
                goto out;
            }
            break;
        case OPT_ACTIVATION: cfg.activation = optarg; break;
        case OPT_SCHEDULE: cfg.schedule = optarg; break;
        case OPT_WEIGHT_DECAY:
            if (cli_parse_double(CMD, "--weight-decay", optarg, &cfg.weight_decay)) { rc = CLI_USAGE; goto out; }
            break;
        case OPT_JSON: json = 1; break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_FORCE: force = 1; break;
        case OPT_MAX_LOG:
            if (cli_parse_bytes(CMD, "--max-log-size", optarg, &cfg.max_log_bytes)) { rc = CLI_USAGE; goto out; }
            break;
        default:
            rc = cli_getopt_error(CMD, nargc, args, c);
            goto out;
        }
    }
    if (optind < nargc) {
        rc = cli_usage_error(CMD, "unexpected argument '%s'", args[optind]);
        goto out;
    }
    if (!data) {
        rc = cli_usage_error(CMD, "--data is required (digits, fashion-mnist, xor, parity or a CSV file)");
        goto out;
    }
    cfg.dataset_name = data;
    if (cfg.out_path && (rc = check_out(cfg.out_path, data, force)))
        goto out;

    /* Usage errors that do not need the data, before loading it. */
    cs_train_config resolved;
    cs_status st = cs_train_config_resolve(&cfg, NULL, &resolved);
    if (st) {
        rc = st == CS_EINVAL ? cli_usage_error(CMD, "%s", cs_last_error()) : cli_fail(CMD, st);
        goto out;
    }
    st = cs_dataset_load(data, &dopt, &train, &test);
    if (st) {
        rc = st == CS_EINVAL ? cli_usage_error(CMD, "%s", cs_last_error()) : cli_fail(CMD, st);
        goto out;
    }
    st = cs_train_config_resolve(&cfg, &train, &resolved);
    if (st) {
        rc = st == CS_EINVAL ? cli_usage_error(CMD, "%s", cs_last_error()) : cli_fail(CMD, st);
        goto out;
    }

    progress_ctx pctx = {NULL, cfg.max_log_bytes ? cfg.max_log_bytes : CS_TRAIN_MAX_LOG_DEFAULT, 0, 0};
    size_t steps = (train.n + resolved.batch - 1) / resolved.batch * resolved.epochs;
    pctx.bar = cs_progress_start("train", steps);
    resolved.progress = on_progress;
    resolved.user = &pctx;
    cs_train_result res;
    st = cs_train_run(&resolved, &train, &test, &res, NULL);
    cs_progress_finish(pctx.bar);
    if (st) {
        /* Usage errors, rule option values included (the rule's create ran in
         * cs_train_config_resolve), were caught above: this is a failure. */
        rc = cli_fail(CMD, st);
        goto out;
    }
    if (json) {
        cs_json j;
        cs_json_init(&j, stdout);
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "rule", resolved.rule);
        cs_json_kv_string(&j, "dataset", data);
        cs_json_key(&j, "layers");
        cs_json_begin_array(&j);
        for (size_t i = 0; i < resolved.n_layers; i++)
            cs_json_int(&j, (long long)resolved.sizes[i]);
        cs_json_end_array(&j);
        cs_json_kv_string(&j, "activation", resolved.activation);
        cs_json_kv_string(&j, "optimizer", resolved.optimizer);
        cs_json_kv_number(&j, "lr", resolved.lr);
        cs_json_kv_number(&j, "momentum", resolved.momentum);
        cs_json_kv_number(&j, "weight_decay", resolved.weight_decay);
        cs_json_kv_string(&j, "lr_schedule", resolved.schedule);
        cs_json_kv_int(&j, "batch", (long long)resolved.batch);
        cs_json_kv_int(&j, "epochs", (long long)resolved.epochs);
        cs_json_kv_int(&j, "seed", (long long)resolved.seed);
        cs_json_kv_int(&j, "threads", resolved.threads);
        cs_json_kv_int(&j, "train_samples", (long long)train.n);
        cs_json_kv_int(&j, "test_samples", (long long)test.n);
        cs_json_kv_int(&j, "epochs_done", (long long)res.epochs_done);
        cs_json_kv_int(&j, "steps", (long long)res.steps);
        cs_json_kv_number(&j, "final_test_acc", res.final_test_acc);
        cs_json_kv_number(&j, "best_test_acc", res.best_test_acc);
        cs_json_kv_number(&j, "final_test_loss", res.final_test_loss);
        cs_json_kv_number(&j, "final_train_loss", res.final_train_loss);
        cs_json_kv_number(&j, "seconds", res.seconds);
        cs_json_kv_number(&j, "train_seconds", res.train_seconds);
        cs_json_kv_number(&j, "eval_seconds", res.eval_seconds);
        cs_json_kv_number(&j, "train_cpu_seconds", res.train_cpu_seconds);
        cs_json_kv_number(&j, "train_samples_per_second",
                          res.train_seconds > 0 ? (double)(train.n * res.epochs_done) / res.train_seconds : NAN);
        if (resolved.out_path) {
            cs_json_kv_int(&j, "log_bytes", (long long)res.log_bytes);
            cs_json_key(&j, "log_limited_at_step");
            if (res.log_limited)
                cs_json_int(&j, res.log_limit_step);
            else
                cs_json_null(&j);
        }
        if (resolved.out_path)
            cs_json_kv_string(&j, "out", resolved.out_path);
        else
            cs_json_key(&j, "out"), cs_json_null(&j);
        cs_json_end_object(&j);
    } else if (!quiet) {
        printf("%s on %s (%zu train / %zu test), layers", resolved.rule, data, train.n, test.n);
        for (size_t i = 0; i < resolved.n_layers; i++)
            printf("%c%zu", i ? ',' : ' ', resolved.sizes[i]);
        printf(", %zu epochs in %.2f s: final test accuracy %.4f (best %.4f), test loss %.4f%s%s\n",
               res.epochs_done, res.seconds, res.final_test_acc, res.best_test_acc, res.final_test_loss,
               resolved.out_path ? ", log " : "", resolved.out_path ? resolved.out_path : "");
    }
out:
    cs_dataset_free(&train);
    cs_dataset_free(&test);
    for (size_t i = 0; i < n_ropts; i++)
        free(owned[i]);
    free(owned);
    free(ropts);
    free(args);
    return rc;
}
