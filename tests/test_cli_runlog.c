/* The run summary (src/observe/summary.c) and the `cogscope info` and
 * `cogscope report` commands, run as the real binary on logs written through
 * the run-log writer: exit codes, messages naming the file, JSON keys and
 * values. Expected values are computed by hand from the logged numbers below
 * (all exactly representable, so comparisons are exact). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <math.h>
#include <sys/stat.h>

#include "cogscope/runlog.h"
#include "cogscope/trainlog.h"
#include "cogscope/summary.h"
#include "testutil.h"

/* ---- a minimal JSON reader, to check that outputs parse and to look values up */

typedef struct jv {
    enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } t;
    double num;
    char *str;   /* J_STR */
    size_t n;    /* J_ARR / J_OBJ entries */
    char **keys; /* J_OBJ */
    struct jv **items;
} jv;

static void jv_free(jv *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        if (v->keys)
            free(v->keys[i]);
        jv_free(v->items[i]);
    }
    free(v->keys);
    free(v->items);
    free(v->str);
    free(v);
}

static void ws(const char **p)
{
    while (isspace((unsigned char)**p))
        (*p)++;
}

static char *parse_string(const char **p)
{
    if (**p != '"')
        return NULL;
    (*p)++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    while (**p && **p != '"') {
        char c = *(*p)++;
        if (c == '\\') {
            c = *(*p)++;
            if (c == 'u') { /* keep it simple: skip the 4 hex digits */
                for (int k = 0; k < 4; k++)
                    if (!isxdigit((unsigned char)*(*p)++)) {
                        free(s);
                        return NULL;
                    }
                c = '?';
            } else if (!strchr("\"\\/bfnrt", c)) {
                free(s);
                return NULL;
            }
        } else if ((unsigned char)c < 0x20) {
            free(s);
            return NULL;
        }
        if (n + 2 > cap)
            s = realloc(s, cap *= 2);
        s[n++] = c;
    }
    if (**p != '"') {
        free(s);
        return NULL;
    }
    (*p)++;
    s[n] = '\0';
    return s;
}

static jv *parse_value(const char **p)
{
    ws(p);
    jv *v = calloc(1, sizeof *v);
    if (**p == '{' || **p == '[') {
        int obj = **p == '{';
        v->t = obj ? J_OBJ : J_ARR;
        (*p)++;
        ws(p);
        if (**p == (obj ? '}' : ']')) {
            (*p)++;
            return v;
        }
        for (;;) {
            char *key = NULL;
            if (obj) {
                ws(p);
                if (!(key = parse_string(p)))
                    goto bad;
                ws(p);
                if (*(*p)++ != ':') {
                    free(key);
                    goto bad;
                }
            }
            jv *item = parse_value(p);
            if (!item) {
                free(key);
                goto bad;
            }
            v->items = realloc(v->items, (v->n + 1) * sizeof *v->items);
            v->keys = obj ? realloc(v->keys, (v->n + 1) * sizeof *v->keys) : NULL;
            if (obj)
                v->keys[v->n] = key;
            v->items[v->n++] = item;
            ws(p);
            if (**p == ',') {
                (*p)++;
                continue;
            }
            if (*(*p)++ != (obj ? '}' : ']'))
                goto bad;
            return v;
        }
    }
    if (**p == '"') {
        v->t = J_STR;
        if (!(v->str = parse_string(p)))
            goto bad;
        return v;
    }
    if (!strncmp(*p, "null", 4)) {
        *p += 4;
        return v;
    }
    if (!strncmp(*p, "true", 4) || !strncmp(*p, "false", 5)) {
        v->t = J_BOOL;
        v->num = **p == 't';
        *p += **p == 't' ? 4 : 5;
        return v;
    }
    char *end;
    v->t = J_NUM;
    v->num = strtod(*p, &end);
    if (end == *p || !(**p == '-' || isdigit((unsigned char)**p)))
        goto bad;
    *p = end;
    return v;
bad:
    jv_free(v);
    return NULL;
}

/* The whole text must be one JSON value (plus whitespace). */
static jv *json_parse(const char *text)
{
    const char *p = text;
    jv *v = parse_value(&p);
    ws(&p);
    if (v && *p) {
        jv_free(v);
        return NULL;
    }
    return v;
}

/* "a.b.2.c": object keys and array indices. NULL if absent. */
static const jv *jget(const jv *v, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, ".")) {
        const jv *next = NULL;
        if (v->t == J_OBJ) {
            for (size_t i = 0; i < v->n; i++)
                if (!strcmp(v->keys[i], tok))
                    next = v->items[i];
        } else if (v->t == J_ARR) {
            size_t i = strtoul(tok, NULL, 10);
            if (i < v->n)
                next = v->items[i];
        }
        v = next;
    }
    return v;
}

static void expect_num(const jv *root, const char *path, double want)
{
    const jv *v = jget(root, path);
    cr_expect(v && v->t == J_NUM, "%s is missing or not a number", path);
    if (v && v->t == J_NUM)
        cr_expect_eq(v->num, want, "%s = %.17g, expected %.17g", path, v->num, want);
}

static void expect_null(const jv *root, const char *path)
{
    const jv *v = jget(root, path);
    cr_expect(v && v->t == J_NULL, "%s should be null", path);
}

static void expect_str(const jv *root, const char *path, const char *want)
{
    const jv *v = jget(root, path);
    cr_expect(v && v->t == J_STR && !strcmp(v->str, want), "%s should be \"%s\"", path, want);
}

/* ---- the test log --------------------------------------------------------- */

/* Epoch 0: losses 1,2,3,4 (mean 2.5), evaluated (acc 0.5, loss 1.25).
 * Epoch 1: losses 0.5,0.5,0.25,0.25 (mean 0.375), evaluated (acc 0.75, loss 0.625).
 * Epoch 2: losses 0.125,0.375 (mean 0.25), not evaluated (the run stopped).
 * Every step: tau = loss/2, surprise = 2*loss, pi = 1/(1+step), batch_acc = 0.5. */
static const double losses[10] = {1, 2, 3, 4, 0.5, 0.5, 0.25, 0.25, 0.125, 0.375};
static const int epochs[10] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2};

static char *make_log(const char *dir, const char *name, size_t nsteps, int with_evals)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    static const size_t layers[3] = {4, 3, 2};
    float probe[2 * 4] = {0, 1, 2, 3, 4, 5, 6, 7};
    int32_t labels[2] = {0, 1};
    const char *pn[1] = {"beta"};
    double pv[1] = {0.25};
    cs_trainlog_spec spec = {.rule = "fa",
                             .activation = "tanh",
                             .dataset = "xor",
                             .optimizer = "adam",
                             .layers = layers,
                             .n_layers = 3,
                             .seed = 3,
                             .lr = 0.5,
                             .batch = 4,
                             .epochs = 5,
                             .log_every = 2,
                             .pi_alpha = 1,
                             .pi_gamma = 0.5,
                             .n_params = 1,
                             .param_names = pn,
                             .param_values = pv,
                             .probe_size = 2,
                             .probe_inputs = probe,
                             .probe_labels = labels,
                             .flush_interval = 1e9};
    cs_trainlog *w;
    cr_assert_eq(cs_trainlog_create(path, &spec, &w), CS_OK, "%s", cs_last_error());
    double wn[2] = {1, 2}, un[2] = {0.5, 0.25};
    for (size_t s = 0; s < nsteps; s++) {
        cs_trainlog_step r = {.step = (int64_t)s,
                              .epoch = epochs[s],
                              .loss = losses[s],
                              .tau = losses[s] / 2,
                              .surprise = 2 * losses[s],
                              .pi = 1.0 / (1 + s),
                              .batch_acc = 0.5,
                              .lr = 0.5,
                              .weight_norm = wn,
                              .update_norm = un};
        cr_assert_eq(cs_trainlog_append_step(w, &r), CS_OK);
        if (s % 2 == 0) {
            float a1[6] = {0}, e1[6] = {0}, a2[4] = {0}, e2[4] = {0};
            const float *a[2] = {a1, a2}, *e[2] = {e1, e2};
            cr_assert_eq(cs_trainlog_append_snapshot(w, (int64_t)s, a, e), CS_OK);
        }
        if (with_evals && (s == 3 || s == 7)) {
            int ep = epochs[s];
            cs_trainlog_eval ev = {.step = (int64_t)s,
                                   .epoch = ep,
                                   .loss = ep ? 0.625 : 1.25,
                                   .acc = ep ? 0.75 : 0.5,
                                   .tau = 0.125,
                                   .surprise = 1,
                                   .pi = 0.5};
            cr_assert_eq(cs_trainlog_append_eval(w, &ev), CS_OK);
        }
    }
    cr_assert_eq(cs_trainlog_close(w), CS_OK);
    return path;
}

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

/* ---- the summary library -------------------------------------------------- */

Test(summary, per_epoch_means_best_and_final)
{
    char *dir = tu_tmpdir(), *path = make_log(dir, "run.h5", 10, 1);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    cs_summary s;
    cr_assert_eq(cs_summary_compute(r, &s), CS_OK, "%s", cs_last_error());
    cs_runlog_close_reader(r);
    cr_assert_eq(s.n_epochs, 3);
    cr_expect_eq(s.n_evals, 2);
    const double means[3] = {2.5, 0.375, 0.25};
    const size_t counts[3] = {4, 4, 2};
    for (int e = 0; e < 3; e++) {
        const cs_summary_epoch *ep = &s.epochs[e];
        cr_expect_eq(ep->epoch, e);
        cr_expect_eq(ep->steps, counts[e]);
        cr_expect_eq(ep->train_loss, means[e]);
        cr_expect_eq(ep->epsilon, means[e]);
        cr_expect_eq(ep->tau, means[e] / 2);
        cr_expect_eq(ep->surprise, 2 * means[e]);
        cr_expect_eq(ep->batch_acc, 0.5);
    }
    /* pi = 1/(1+step): epoch 0 mean of 1, 1/2, 1/3, 1/4 */
    cr_expect_float_eq(s.epochs[0].pi, (1 + 0.5 + 1.0 / 3 + 0.25) / 4, 1e-15);
    cr_expect_eq(s.epochs[0].first_step, 0);
    cr_expect_eq(s.epochs[0].last_step, 3);
    cr_expect_eq(s.epochs[0].test_acc, 0.5);
    cr_expect_eq(s.epochs[0].test_loss, 1.25);
    cr_expect_eq(s.epochs[1].test_acc, 0.75);
    cr_expect_eq(s.epochs[1].eval_step, 7);
    cr_expect_eq(s.epochs[2].evaluated, 0);
    cr_expect(isnan(s.epochs[2].test_acc));
    cr_expect_eq(s.best_test_acc, 0.75);
    cr_expect_eq(s.best_epoch, 1);
    cr_expect_eq(s.best_step, 7);
    cr_expect_eq(s.final.epoch, 2);
    cr_expect_eq(s.final.step, 9);
    cr_expect_eq(s.final.train_loss, 0.25);
    cr_expect_eq(s.final.epsilon, 0.25);
    cr_expect_eq(s.final.tau, 0.125);
    cr_expect_eq(s.final.surprise, 0.5);
    cr_expect_eq(s.final.pi, (1.0 / 9 + 1.0 / 10) / 2);
    cr_expect_eq(s.final.test_acc, 0.75);
    cr_expect_eq(s.final.test_loss, 0.625);
    cr_expect_eq(s.final.test_epoch, 1);
    cr_expect_eq(s.info.epochs_done, 2);
    cs_summary_free(&s);
    cs_summary_free(&s); /* idempotent */
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(summary, empty_log_gives_nan_not_garbage)
{
    char *dir = tu_tmpdir(), *path = make_log(dir, "empty.h5", 0, 0);
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    cs_summary s;
    cr_assert_eq(cs_summary_compute(r, &s), CS_OK, "%s", cs_last_error());
    cs_runlog_close_reader(r);
    cr_expect_eq(s.n_epochs, 0);
    cr_expect_null(s.epochs);
    cr_expect(isnan(s.best_test_acc));
    cr_expect_eq(s.best_epoch, -1);
    cr_expect_eq(s.final.epoch, -1);
    cr_expect(isnan(s.final.train_loss) && isnan(s.final.test_acc) && isnan(s.final.pi));
    cs_summary_free(&s);
    rm_rf(dir);
    free(path);
    free(dir);
}

/* ---- cogscope info -------------------------------------------------------- */

Test(cli_info, help_and_usage_errors)
{
    char *out = NULL, *err = NULL;
    cr_expect_eq(tu_cli("info --help", &out, &err), 0);
    cr_expect(strstr(out, "usage: cogscope info") != NULL);
    free(out);
    free(err);
    cr_expect_eq(tu_cli("info", &out, &err), 2);
    cr_expect(strstr(err, "no run log") != NULL, "%s", err);
    free(out);
    free(err);
    cr_expect_eq(tu_cli("info --bogus x.h5", &out, &err), 2);
    cr_expect(strstr(err, "--bogus") != NULL, "%s", err);
    free(out);
    free(err);
    cr_expect_eq(tu_cli("info a.h5 b.h5", &out, &err), 2);
    free(out);
    free(err);
}

Test(cli_info, text_and_json)
{
    char *dir = tu_tmpdir(), *path = make_log(dir, "run.h5", 10, 1);
    char args[1024], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "info '%s'", path);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "closed") != NULL, "%s", out);
    cr_expect(strstr(out, "4-3-2") != NULL, "%s", out);
    cr_expect(strstr(out, "beta=0.25") != NULL, "%s", out);
    cr_expect(strstr(out, "/layers/2/activations") != NULL, "%s", out);
    free(out);
    free(err);

    snprintf(args, sizeof args, "info --json '%s'", path);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    jv *j = json_parse(out);
    cr_assert_not_null(j, "not JSON: %s", out);
    const char *keys[] = {"schema_version", "rule", "layers", "dataset", "steps", "snapshots", "epochs_done"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_expect_not_null(jget(j, keys[i]), "key %s missing", keys[i]);
    expect_num(j, "schema_version", 2);
    expect_str(j, "rule", "fa");
    expect_str(j, "dataset", "xor");
    expect_num(j, "layers.0", 4);
    expect_num(j, "layers.2", 2);
    cr_expect_null(jget(j, "layers.3"));
    expect_num(j, "steps", 10);
    expect_num(j, "snapshots", 5);
    expect_num(j, "epochs_done", 2);
    expect_str(j, "state", "closed");
    expect_num(j, "config.seed", 3);
    expect_num(j, "config.lr", 0.5);
    expect_str(j, "config.optimizer", "adam");
    expect_num(j, "config.params.beta", 0.25);
    const jv *ds = jget(j, "datasets");
    cr_expect(ds && ds->t == J_ARR && ds->n == 9 + 8 + 2 * 5 + 2 + 1 + 1, "datasets: %zu", ds ? ds->n : 0);
    jv_free(j);
    free(out);
    free(err);
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(cli_info, bad_files_exit_1_naming_the_file)
{
    char *dir = tu_tmpdir(), *good = make_log(dir, "good.h5", 10, 1);
    char path[600], args[1200], *out = NULL, *err = NULL;

    snprintf(path, sizeof path, "%s/missing.h5", dir);
    snprintf(args, sizeof args, "info '%s'", path);
    cr_expect_eq(tu_cli(args, &out, &err), 1);
    cr_expect(strstr(err, path) != NULL, "%s", err);
    free(out);
    free(err);

    snprintf(path, sizeof path, "%s/text.h5", dir);
    tu_write(path, "not hdf5\n");
    snprintf(args, sizeof args, "info --json '%s'", path);
    cr_expect_eq(tu_cli(args, &out, &err), 1);
    cr_expect(strstr(err, path) != NULL && strstr(err, "not an HDF5 file") != NULL, "%s", err);
    cr_expect_str_eq(out, "", "nothing on stdout when failing");
    free(out);
    free(err);

    /* truncated: the first half of a good log */
    struct stat st;
    cr_assert_eq(stat(good, &st), 0);
    snprintf(path, sizeof path, "%s/cut.h5", dir);
    snprintf(args, sizeof args, "head -c %lld '%s' > '%s'", (long long)st.st_size / 2, good, path);
    cr_assert_eq(system(args), 0);
    snprintf(args, sizeof args, "info '%s'", path);
    cr_expect_eq(tu_cli(args, &out, &err), 1);
    cr_expect(strstr(err, path) != NULL && strstr(err, "truncated") != NULL, "%s", err);
    free(out);
    free(err);
    /* analyze looks for the metrics file first; that miss's errno must not
     * become the reason given for the damaged log */
    snprintf(args, sizeof args, "analyze '%s'", path);
    cr_expect_eq(tu_cli(args, &out, &err), 1);
    cr_expect(strstr(err, path) != NULL && strstr(err, "truncated") != NULL, "%s", err);
    cr_expect(strstr(err, "No such file") == NULL, "a stale errno as the reason: %s", err);
    free(out);
    free(err);
    rm_rf(dir);
    free(good);
    free(dir);
}

/* ---- cogscope report ------------------------------------------------------ */

Test(cli_report, json_keys_and_values)
{
    char *dir = tu_tmpdir(), *path = make_log(dir, "run.h5", 10, 1);
    char args[1024], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "report --json '%s'", path);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    jv *j = json_parse(out);
    cr_assert_not_null(j, "not JSON: %s", out);
    /* one shape for one run and many: the run is runs.0 (docs/report.schema.json) */
    expect_num(j, "format_version", 2);
    const jv *run = jget(j, "runs.0");
    cr_assert_not_null(run);
    cr_expect_null(jget(j, "runs.1"));
    const char *keys[] = {"rule",
                          "config.dataset",
                          "config.layers",
                          "epochs_done",
                          "summary.best_test_acc",
                          "summary.final",
                          "summary.per_epoch",
                          "summary.final.test_acc",
                          "summary.final.test_loss",
                          "summary.final.train_loss",
                          "summary.final.epsilon",
                          "summary.final.tau",
                          "summary.final.surprise",
                          "summary.final.pi",
                          "series",
                          "analysis"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_expect_not_null(jget(run, keys[i]), "key %s missing", keys[i]);
    jv *top = j;
    const jv *sum = jget(run, "summary");
    const char *ekeys[] = {"epoch", "train_loss", "test_loss", "test_acc", "epsilon", "tau", "surprise", "pi"};
    for (int e = 0; e < 3; e++)
        for (size_t i = 0; i < sizeof ekeys / sizeof ekeys[0]; i++) {
            char p[64];
            snprintf(p, sizeof p, "per_epoch.%d.%s", e, ekeys[i]); /* below runs.0.summary */
            cr_expect_not_null(jget(sum, p), "key %s missing", p);
        }
    expect_str(run, "rule", "fa");
    expect_str(run, "dataset", "xor");
    expect_num(run, "layers.1", 3);
    expect_str(run, "config.layers", "4-3-2");
    expect_num(run, "epochs_done", 2);
    expect_num(sum, "best_test_acc", 0.75);
    expect_num(sum, "final.test_acc", 0.75);
    expect_num(sum, "final.test_loss", 0.625);
    expect_num(sum, "final.train_loss", 0.25);
    expect_num(sum, "final.epsilon", 0.25);
    expect_num(sum, "final.tau", 0.125);
    expect_num(sum, "final.surprise", 0.5);
    expect_num(sum, "final.pi", (1.0 / 9 + 1.0 / 10) / 2);
    expect_num(sum, "per_epoch.0.epoch", 0);
    expect_num(sum, "per_epoch.0.train_loss", 2.5);
    expect_num(sum, "per_epoch.0.test_loss", 1.25);
    expect_num(sum, "per_epoch.0.test_acc", 0.5);
    expect_num(sum, "per_epoch.1.epsilon", 0.375);
    expect_num(sum, "per_epoch.1.tau", 0.1875);
    expect_num(sum, "per_epoch.1.surprise", 0.75);
    expect_num(sum, "per_epoch.2.train_loss", 0.25);
    expect_null(sum, "per_epoch.2.test_acc"); /* epoch 2 was not evaluated */
    expect_null(sum, "per_epoch.2.test_loss");
    cr_expect_null(jget(sum, "per_epoch.3"));
    jv_free(top);

    /* --format json is --json; -o writes the same to a file */
    char *out2 = NULL, *err2 = NULL, opath[700];
    snprintf(args, sizeof args, "report --format json '%s'", path);
    cr_expect_eq(tu_cli(args, &out2, &err2), 0);
    cr_expect_str_eq(out2, out);
    free(out2);
    free(err2);
    snprintf(opath, sizeof opath, "%s/report.json", dir);
    snprintf(args, sizeof args, "report --json -o '%s' '%s'", opath, path);
    cr_expect_eq(tu_cli(args, &out2, &err2), 0, "%s", err2);
    cr_expect_str_eq(out2, "");
    char *file = tu_slurp(opath);
    cr_expect(file && !strcmp(file, out), "-o output differs");
    free(file);
    free(out2);
    free(err2);
    free(out);
    free(err);
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(cli_report, text_default)
{
    char *dir = tu_tmpdir(), *path = make_log(dir, "run.h5", 10, 1);
    char args[1024], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "report '%s'", path);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "best test accuracy   75.00 % (epoch 1, step 7)") != NULL, "%s", out);
    cr_expect(strstr(out, "final test           accuracy 75.00 %, loss 0.625 nats (epoch 1)") != NULL, "%s", out);
    cr_expect(strstr(out, "loss 0.25 nats; epsilon 0.25 nats, tau 0.125 nats, S 0.5") != NULL, "%s", out);
    cr_expect(strstr(out, "     0       4         2.5       1.25    50.00%") != NULL, "%s", out);
    free(out);
    free(err);
    snprintf(args, sizeof args, "report --format text '%s'", path);
    cr_expect_eq(tu_cli(args, &out, &err), 0);
    free(out);
    free(err);
    rm_rf(dir);
    free(path);
    free(dir);
}

Test(cli_report, usage_and_file_errors)
{
    char *dir = tu_tmpdir(), *path = make_log(dir, "run.h5", 4, 0);
    char args[1200], bad[700], *out = NULL, *err = NULL;
    cr_expect_eq(tu_cli("report --help", &out, &err), 0);
    cr_expect(strstr(out, "usage: cogscope report") != NULL);
    free(out);
    free(err);
    const char *usage_cases[] = {"report",    "report --format",    "report --format xml x.h5",
                                 "report -o", "report --nope x.h5", "report --json"};
    for (size_t i = 0; i < sizeof usage_cases / sizeof usage_cases[0]; i++) {
        cr_expect_eq(tu_cli(usage_cases[i], &out, &err), 2, "'%s' should be a usage error", usage_cases[i]);
        free(out);
        free(err);
    }
    snprintf(bad, sizeof bad, "%s/none.h5", dir);
    snprintf(args, sizeof args, "report --json '%s'", bad);
    cr_expect_eq(tu_cli(args, &out, &err), 1);
    cr_expect(strstr(err, bad) != NULL, "%s", err);
    free(out);
    free(err);
    snprintf(args, sizeof args, "report -o '%s/no/such/dir/r.txt' '%s'", dir, path);
    cr_expect_eq(tu_cli(args, &out, &err), 1);
    cr_expect(strstr(err, "no/such/dir/r.txt") != NULL, "%s", err);
    free(out);
    free(err);

    /* a log without evaluations: null accuracies, exit 0 */
    snprintf(args, sizeof args, "report --json '%s'", path);
    cr_expect_eq(tu_cli(args, &out, &err), 0, "%s", err);
    jv *j = json_parse(out);
    cr_assert_not_null(j, "not JSON: %s", out);
    expect_null(j, "runs.0.summary.best_test_acc");
    expect_null(j, "runs.0.summary.final.test_acc");
    expect_num(j, "runs.0.summary.final.train_loss", 2.5);
    expect_num(j, "runs.0.epochs_done", 0);
    jv_free(j);
    free(out);
    free(err);
    rm_rf(dir);
    free(path);
    free(dir);
}
