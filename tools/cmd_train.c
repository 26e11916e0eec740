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

typedef struct {
    cs_train_config cfg;
    cs_dataset_options dopt;
    const char *data;
    int json, quiet, force;
} train_opts;

#define C(member) offsetof(train_opts, cfg.member)
#define D(member) offsetof(train_opts, dopt.member)

static int parse_layers(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all);

/* --seed seeds the split and synthetic data as well as the training. */
static int parse_seed(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    train_opts *t = all;
    (void)o, (void)f;
    uint64_t u;
    if (cli_parse_u64(cmd, "--seed", arg, &u))
        return CLI_USAGE;
    t->cfg.seed = t->dopt.seed = u;
    return 0;
}

static const cli_opt opts[] = {
    {.name = "data:", .type = CLI_SECTION},
    {"data", CLI_STRING, offsetof(train_opts, data), "SET",
     .help = "digits | fashion-mnist | xor | parity | parity:N | copy | copy:N | FILE.csv[.gz]"},
    {"data-dir", CLI_FILE, D(data_dir), "DIR",
     .help = "Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)"},
    {"label-col", CLI_INT, D(label_col), "N", .min = -1, .max = 1000000000L,
     .help = "CSV: 0-based label column (default: the last)"},
    {"test-fraction", CLI_DOUBLE, D(test_fraction), "F", .min = 0, .max = 1,
     .range = CLI_MIN | CLI_MAX | CLI_MIN_OPEN | CLI_MAX_OPEN,
     .help = "digits/CSV: held-out fraction, stratified (default 0.25)"},
    {.name = "network and training (defaults come from the rule; bp: tanh, SGD, see docs/training.md):",
     .type = CLI_SECTION},
    {"rule", CLI_STRING, C(rule), "NAME", .help = "learning rule (default bp)"},
    {"layers", CLI_CUSTOM, 0, "N,N,...", .parse = parse_layers,
     .help = "unit counts, input first (default: inputs,100,classes)"},
    {"activation", CLI_STRING, C(activation), "A", .help = "tanh | relu | sigmoid | hardsigmoid | identity"},
    {"epochs", CLI_SIZE, C(epochs), "N", .min = 1, .max = 1000000, .help = "passes over the training split"},
    {"batch", CLI_SIZE, C(batch), "N", .min = 1, .max = 1000000, .help = "minibatch size"},
    {"lr", CLI_DOUBLE, C(lr), "X", .min = 0, .range = CLI_MIN | CLI_MIN_OPEN, .help = "learning rate"},
    {"optimizer", CLI_STRING, C(optimizer), "O", .help = "sgd | adam"},
    {"momentum", CLI_DOUBLE, C(momentum), "X", .help = "SGD momentum in [0, 1)"},
    {"weight-decay", CLI_DOUBLE, C(weight_decay), "X",
     .help = "L2 weight decay (SGD: added to the gradient; Adam: decoupled)"},
    {"lr-schedule", CLI_STRING, C(schedule), "S", .help = "constant | cosine (anneals to 0 over the run)"},
    {"seed", CLI_CUSTOM, C(seed), "S", .parse = parse_seed,
     .help = "seed of the split, initialisation, shuffling, probe (default 1)"},
    {"threads", CLI_INT32, C(threads), "N", .min = 0, .max = CLI_MAX_THREADS,
     .help = "threads (0, the default: all cores)"},
    {.name = "logging:", .type = CLI_SECTION},
    {"out", CLI_FILE, C(out_path), "FILE.h5",
     .help = "write the run log (no log without it); an existing file is\n"
             "refused, and never the --data file or a non-regular file"},
    {"force", CLI_FLAG, offsetof(train_opts, force), NULL, .help = "let --out replace an existing file"},
    {"max-log-size", CLI_BYTES, C(max_log_bytes), "S",
     .help = "bound on the logged data, e.g. 500M, 20G (default 16G): when\n"
             "reached, snapshots stop (then all rows), training goes on and\n"
             "a note says from which step; the projected size is printed\n"
             "at the start when it is over 1G"},
    {"log-every", CLI_SIZE, C(log_every), "N", .min = 1, .max = 1000000000L,
     .help = "probe snapshot and BP angle every N steps (default 50)"},
    {"probe-size", CLI_SIZE, C(probe_size), "N", .min = 1, .max = 1000000,
     .help = "probe samples from the test split (default 512, capped)"},
    {"reference-errors", CLI_FLAG, C(reference_errors), NULL,
     .help = "rules other than bp: also log backprop's delta on the probe\n"
             "set at every snapshot (/layers/L/reference_errors; the\n"
             "default), for analyze's teaching-signal metrics"},
    {"no-reference-errors", CLI_CLEAR, C(reference_errors), NULL,
     .help = "do not log backprop's delta (a third fewer snapshot bytes)"},
    {"pi-alpha", CLI_DOUBLE, C(pi_alpha), "X", .help = "ΣPI alpha (default 1)"},
    {"pi-gamma", CLI_DOUBLE, C(pi_gamma), "X", .help = "ΣPI gamma in [0, 1] (default 0.5)"},
    {.name = "output:", .type = CLI_SECTION},
    {"json", CLI_FLAG, offsetof(train_opts, json), NULL, .help = "print the result as one JSON object"},
    {"quiet", CLI_FLAG, offsetof(train_opts, quiet), NULL, .help = "no summary line on stdout"},
    {0},
};

/* The rules and the options each declares (cs_rule_vtable.options). */
static void rules_help(FILE *out)
{
    fprintf(out, "\nrules:\n");
    for (size_t i = 0; i < cs_rule_count(); i++) {
        const cs_rule_vtable *v = cs_rule_at(i);
        fprintf(out, "  %-6s %s\n", v->name, v->summary ? v->summary : "");
        for (const cs_rule_option_spec *o = v->options; o && o->name; o++) {
            char flag[96];
            snprintf(flag, sizeof flag, "--%s%s%s", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
            fprintf(out, "      %-24s %s%s%s%s\n", flag, o->help ? o->help : "", o->def ? " (default " : "",
                    o->def ? o->def : "", o->def ? ")" : "");
        }
    }
}

static const cli_command spec = {
    .cmd = CMD,
    .usage = "usage: cogscope train --data SET [--rule NAME] [--layers N,N,...] [options]\n"
             "\n"
             "Train a multilayer perceptron and (with --out) log every step to an HDF5 run log.\n"
             "\n",
    .opts = opts,
    .footer = "\nExit codes: 0 success, 1 failure while running, 2 bad usage.\n",
    .help_col = 22,
    .more_help = rules_help,
};

static int is_train_flag(const char *name, size_t len)
{
    if (len == 4 && !strncmp(name, "help", 4))
        return 1;
    for (const cli_opt *o = opts; o->type != CLI_END; o++)
        if (o->type != CLI_SECTION && strlen(o->name) == len && !strncmp(o->name, name, len))
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

/* --layers N,N,...: the unit counts, input first. */
static int parse_layers(const char *cmd, const cli_opt *o, const char *text, void *f, void *all)
{
    train_opts *t = all;
    size_t *sizes = t->cfg.sizes, *n = &t->cfg.n_layers;
    (void)cmd, (void)o, (void)f;
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
        return cli_usage_error(CMD, "--out %s is not a regular file: a run log needs a file of its own", out);
    if (!force)
        return cli_usage_error(CMD, "--out %s exists: refusing to replace it (give --force to replace it)", out);
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
            fprintf(stderr, "cogscope train: note: the run log will hold about %s (before compression)%s%s%s\n", a,
                    p->log_bytes_projected > ctx->max_log ? "; logging stops at --max-log-size " : "",
                    p->log_bytes_projected > ctx->max_log ? b : "",
                    p->log_bytes_projected > ctx->max_log ? " (raise it, or --log-every)" : "");
        }
    }
    if (p->log_limited > ctx->limited) {
        ctx->limited = p->log_limited;
        cli_format_bytes(ctx->max_log, b, sizeof b);
        fprintf(stderr, "cogscope train: note: the log reached --max-log-size %s at step %zu: %s\n", b, p->step - 1,
                p->log_limited == 1 ? "no more snapshots (steps are still logged)"
                                    : "nothing more is logged (training goes on)");
    }
    cs_progress_update(ctx->bar, p->step);
}

/* Load the data, resolve the configuration and train; *train and *test
 * are the caller's to free. Returns the exit code. */
static int train_run(train_opts *t, cs_dataset *train, cs_dataset *test, cs_train_config *resolved,
                     cs_train_result *res)
{
    /* Usage errors that do not need the data, before loading it. */
    cs_status st = cs_train_config_resolve(&t->cfg, NULL, resolved);
    if (!st)
        st = cs_dataset_load(t->data, &t->dopt, train, test);
    if (!st)
        st = cs_train_config_resolve(&t->cfg, train, resolved);
    if (st)
        return st == CS_EINVAL ? cli_usage_error(CMD, "%s", cs_last_error()) : cli_fail(CMD, st);

    progress_ctx pctx = {NULL, t->cfg.max_log_bytes ? t->cfg.max_log_bytes : CS_TRAIN_MAX_LOG_DEFAULT, 0, 0};
    size_t steps = (train->n + resolved->batch - 1) / resolved->batch * resolved->epochs;
    pctx.bar = cs_progress_create("train", steps);
    resolved->progress = on_progress;
    resolved->user = &pctx;
    st = cs_train_run(resolved, train, test, res, NULL);
    cs_progress_destroy(pctx.bar);
    /* Usage errors, rule option values included (the rule's create ran in
     * cs_train_config_resolve), were caught above: this is a failure. */
    return st ? cli_fail(CMD, st) : CLI_OK;
}

static void print_json(const char *data, const cs_train_config *resolved, const cs_dataset *train,
                       const cs_dataset *test, const cs_train_result *res)
{
    cs_json j;
    cs_json_init(&j, stdout);
    cs_json_begin_object(&j);
    cs_json_kv_string(&j, "rule", resolved->rule);
    cs_json_kv_string(&j, "dataset", data);
    cs_json_key(&j, "layers");
    cs_json_begin_array(&j);
    for (size_t i = 0; i < resolved->n_layers; i++)
        cs_json_int(&j, (long long)resolved->sizes[i]);
    cs_json_end_array(&j);
    cs_json_kv_string(&j, "activation", resolved->activation);
    cs_json_kv_string(&j, "optimizer", resolved->optimizer);
    cs_json_kv_number(&j, "lr", resolved->lr);
    cs_json_kv_number(&j, "momentum", resolved->momentum);
    cs_json_kv_number(&j, "weight_decay", resolved->weight_decay);
    cs_json_kv_string(&j, "lr_schedule", resolved->schedule);
    cs_json_kv_int(&j, "batch", (long long)resolved->batch);
    cs_json_kv_int(&j, "epochs", (long long)resolved->epochs);
    cs_json_kv_int(&j, "seed", (long long)resolved->seed);
    cs_json_kv_int(&j, "threads", resolved->threads);
    cs_json_kv_int(&j, "train_samples", (long long)train->n);
    cs_json_kv_int(&j, "test_samples", (long long)test->n);
    cs_json_kv_int(&j, "epochs_done", (long long)res->epochs_done);
    cs_json_kv_int(&j, "steps", (long long)res->steps);
    cs_json_kv_number(&j, "final_test_acc", res->final_test_acc);
    cs_json_kv_number(&j, "best_test_acc", res->best_test_acc);
    cs_json_kv_number(&j, "final_test_loss", res->final_test_loss);
    cs_json_kv_number(&j, "final_train_loss", res->final_train_loss);
    cs_json_kv_number(&j, "seconds", res->seconds);
    cs_json_kv_number(&j, "train_seconds", res->train_seconds);
    cs_json_kv_number(&j, "eval_seconds", res->eval_seconds);
    cs_json_kv_number(&j, "train_cpu_seconds", res->train_cpu_seconds);
    cs_json_kv_number(&j, "train_samples_per_second",
                      res->train_seconds > 0 ? (double)(train->n * res->epochs_done) / res->train_seconds : NAN);
    if (resolved->out_path) {
        cs_json_kv_int(&j, "log_bytes", (long long)res->log_bytes);
        cs_json_kv_int(&j, "log_snapshots", (long long)res->log_snapshots);
        cs_json_kv_number(&j, "log_seconds", res->log_seconds);
        cs_json_key(&j, "log_limited_at_step");
        if (res->log_limited)
            cs_json_int(&j, res->log_limit_step);
        else
            cs_json_null(&j);
    }
    if (resolved->out_path)
        cs_json_kv_string(&j, "out", resolved->out_path);
    else
        cs_json_key(&j, "out"), cs_json_null(&j);
    cs_json_end_object(&j);
}

static void print_summary(const char *data, const cs_train_config *resolved, const cs_dataset *train,
                          const cs_dataset *test, const cs_train_result *res)
{
    printf("%s on %s (%zu train / %zu test), layers", resolved->rule, data, train->n, test->n);
    for (size_t i = 0; i < resolved->n_layers; i++)
        printf("%c%zu", i ? ',' : ' ', resolved->sizes[i]);
    printf(", %zu epochs in %.2f s: final test accuracy %.4f (best %.4f), test loss %.4f%s%s\n", res->epochs_done,
           res->seconds, res->final_test_acc, res->best_test_acc, res->final_test_loss,
           resolved->out_path ? ", log " : "", resolved->out_path ? resolved->out_path : "");
}

/* The options of the table (rule options already moved out of args). */
static int parse_train_args(int argc, char **args, train_opts *t)
{
    cli_args a;
    int rc = cli_parse(&spec, argc, args, t, &a);
    if (rc >= 0)
        return rc ? rc : CLI_USAGE; /* --help was handled before */
    if (!t->data)
        return cli_usage_error(CMD, "--data is required (digits, fashion-mnist, xor, parity or a CSV file)");
    t->cfg.dataset_name = t->data;
    if (t->cfg.out_path && (rc = check_out(t->cfg.out_path, t->data, t->force)))
        return rc;
    return CLI_OK;
}

int cmd_train(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        cli_help(&spec, stdout);
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
    cs_dataset train = {0}, test = {0};
    train_opts t = {0};
    cs_train_config_default(&t.cfg);
    cs_dataset_options_default(&t.dopt);
    char data_dir[4096];
    t.dopt.bundled_dir = bundled_dir(data_dir, sizeof data_dir);
    t.cfg.rule_opts = ropts;
    int nargc = extract_rule_options(argc, args, ropts, &n_ropts, owned);
    t.cfg.n_rule_opts = n_ropts;
    int rc = nargc < 0 ? CLI_USAGE : parse_train_args(nargc, args, &t);
    cs_train_config resolved;
    cs_train_result res;
    if (rc == CLI_OK)
        rc = train_run(&t, &train, &test, &resolved, &res);
    if (rc == CLI_OK && t.json)
        print_json(t.data, &resolved, &train, &test, &res);
    else if (rc == CLI_OK && !t.quiet)
        print_summary(t.data, &resolved, &train, &test, &res);
    cs_dataset_free(&train);
    cs_dataset_free(&test);
    for (size_t i = 0; i < n_ropts; i++)
        free(owned[i]);
    free(owned);
    free(ropts);
    free(args);
    return rc;
}
