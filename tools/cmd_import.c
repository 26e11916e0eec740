/* cogscope import: a run log (docs/schema.md) from arrays someone else saved,
 * as .npy files or HDF5 datasets, so that analyze and report read them. The
 * arrays are read whole, checked against each other (same snapshots and
 * samples in every layer, labels per sample, series of one length), and
 * written through the run-log recorder to a temporary file renamed over
 * --out on success. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cogscope/array.h"
#include "cogscope/runlog.h"
#include "commands.h"

static const char *const CMD = "import";

#define MAX_ITEMS 256

typedef struct {
    char *name; /* owned copy of the NAME part */
    const char *spec;
    cs_array a;
} named;

/* A repeatable NAME=ARRAY option's values. */
typedef struct {
    named item[MAX_ITEMS];
    size_t n;
} named_list;

typedef struct {
    const char *out, *inputs, *labels, *snap_steps, *loss;
    named_list layer, errors, series;
    const char *meta[MAX_ITEMS];
    size_t n_meta;
    int force;
} opts;

/* NAME=VALUE into o->list[(*n)++]. */
static int add_named(const char *flag, const char *arg, named_list *l)
{
    named *list = l->item;
    size_t *n = &l->n;
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return cli_usage_error(CMD, "%s '%s': expected NAME=ARRAY", flag, arg);
    if (*n == MAX_ITEMS)
        return cli_usage_error(CMD, "%s: at most %d of them", flag, MAX_ITEMS);
    for (size_t i = 0; i < *n; i++)
        if (strlen(list[i].name) == (size_t)(eq - arg) && !strncmp(list[i].name, arg, (size_t)(eq - arg)))
            return cli_usage_error(CMD, "%s: '%.*s' is given twice", flag, (int)(eq - arg), arg);
    list[*n].name = strndup(arg, (size_t)(eq - arg));
    list[*n].spec = eq + 1;
    (*n)++;
    return CLI_OK;
}

/* The repeatable NAME=ARRAY options (field: their named_list), and --meta KEY=VALUE. */
static int parse_named(const char *cmd, const cli_opt *opt, const char *arg, void *f, void *all)
{
    char flag[32];
    (void)cmd, (void)all;
    snprintf(flag, sizeof flag, "--%s", opt->name);
    return add_named(flag, arg, f);
}

static int parse_meta(const char *cmd, const cli_opt *opt, const char *arg, void *f, void *all)
{
    opts *o = all;
    (void)opt, (void)f;
    if (!strchr(arg, '=') || arg[0] == '=')
        return cli_usage_error(cmd, "--meta '%s': expected KEY=VALUE", arg);
    if (o->n_meta == MAX_ITEMS)
        return cli_usage_error(cmd, "--meta: at most %d of them", MAX_ITEMS);
    o->meta[o->n_meta++] = arg;
    return CLI_OK;
}

static const cli_opt options[] = {
    {"out", CLI_FILE, offsetof(opts, out), "FILE.h5",
     .help = "the run log to write (an existing file only with --force)"},
    {"layer", CLI_CUSTOM, offsetof(opts, layer), "NAME=ARRAY", .parse = parse_named,
     .help = "activations of layer NAME, in layer order (repeat per layer):\n"
             "[snapshot, sample, unit]; [snapshot, sample, channel, ...]\n"
             "(conv maps: averaged over the axes after the channel); or\n"
             "[step, unit], one recording over time, stored as a single\n"
             "snapshot whose samples are the steps. Every layer must have\n"
             "the same snapshots and samples; units may differ"},
    {"errors", CLI_CUSTOM, offsetof(opts, errors), "NAME=ARRAY", .parse = parse_named,
     .help = "the layer's teaching signal (e.g. dL/d activation), shaped\nlike its activations"},
    {"inputs", CLI_FILE, offsetof(opts, inputs), "ARRAY",
     .help = "the probe inputs [sample, feature] the snapshots were taken on"},
    {"labels", CLI_FILE, offsetof(opts, labels), "ARRAY",
     .help = "their classes [sample], integers >= 0 (needs --inputs);\n"
             "inputs and labels enable the information plane and PID"},
    {"snapshot-steps", CLI_FILE, offsetof(opts, snap_steps), "ARRAY",
     .help = "the training step of each snapshot [snapshot] (default 0, 1, ...)"},
    {"loss", CLI_FILE, offsetof(opts, loss), "ARRAY", .help = "the loss per step [step], in nats"},
    {"series", CLI_CUSTOM, offsetof(opts, series), "NAME=ARRAY", .parse = parse_named,
     .help = "any other per-step series (tau, surprise, pi, lr, ...), the\n"
             "same length as --loss; tau and surprise with loss enable ΣPI"},
    {"meta", CLI_CUSTOM, 0, "KEY=VALUE", .parse = parse_meta,
     .help = "a metadata string (/config), e.g. --meta model=resnet18"},
    {"force", CLI_FLAG, offsetof(opts, force), NULL,
     .help = "replace --out if it exists (never an input of this command)"},
    {0},
};

static const cli_command spec = {
    .cmd = CMD,
    .usage = "usage: cogscope import --out RUN.h5 --layer NAME=ARRAY [--layer NAME=ARRAY ...] [options]\n"
             "\n"
             "Make a run log from arrays saved by another program, so that cogscope analyze and\n"
             "report read them. ARRAY is a NumPy .npy file or an HDF5 dataset FILE.h5:/path.\n"
             "\n",
    .opts = options,
    .footer = "\n"
              "Example:\n"
              "  cogscope import --out run.h5 --layer fc1=acts1.npy --layer fc2=acts2.npy \\\n"
              "      --inputs probe_x.npy --labels probe_y.npy --loss loss.npy\n"
              "  cogscope analyze run.h5 && cogscope report run.h5 --format html -o run.html\n"
              "\n"
              "Exit codes: 0 success, 1 an array is missing, unreadable or does not fit the others,\n"
              "2 bad usage.\n",
    .help_col = 25,
};

/* The file part of an array spec ("x.h5:/d" -> "x.h5"). */
static void file_of(const char *spec, char *buf, size_t n)
{
    const char *colon = strstr(spec, ":/");
    snprintf(buf, n, "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
}

/* cs_array_read of a .npy file or FILE.h5:/dataset; an HDF5 file is read
 * first in the checked child process (cli_h5_check), so a damaged one is
 * reported instead of crashing the import. */
static cs_status checked_array_read(const char *spec, cs_array *out)
{
    int kind;
    cs_status st = cli_h5_check(spec, &kind);
    return st != CS_OK ? st : cs_array_read(spec, out);
}

/* Refuse an --out that is one of the inputs (same device and inode). */
static int out_is_input(const opts *o, const char *spec)
{
    struct stat so, si;
    char f[4096];
    file_of(spec, f, sizeof f);
    return stat(o->out, &so) == 0 && stat(f, &si) == 0 && so.st_dev == si.st_dev && so.st_ino == si.st_ino;
}

static void shape_text(const cs_array *a, char *buf, size_t n)
{
    size_t o = (size_t)snprintf(buf, n, "[");
    for (int k = 0; k < a->rank && o < n; k++)
        o += (size_t)snprintf(buf + o, n - o, "%s%zu", k ? " x " : "", a->dims[k]);
    if (o < n)
        snprintf(buf + o, n - o, "]");
}

/* A layer array into [snapshot, sample, unit]: [step, unit] becomes one
 * snapshot; [snapshot, sample, channel, ...] is averaged over the axes after
 * the channel (a conv map per channel). */
static cs_status to_snapshots(const char *what, const char *spec, cs_array *a)
{
    char sh[128];
    shape_text(a, sh, sizeof sh);
    if (a->rank < 2)
        return cs_error_set(CS_ESHAPE, "%s %s has shape %s; expected [snapshot, sample, unit] or [step, unit]", what,
                            spec, sh);
    if (a->rank == 2) {
        memmove(a->dims + 1, a->dims, 2 * sizeof *a->dims);
        a->dims[0] = 1;
        a->rank = 3;
        return CS_OK;
    }
    if (a->rank == 3)
        return CS_OK;
    size_t spatial = 1;
    for (int k = 3; k < a->rank; k++)
        spatial *= a->dims[k];
    size_t rows = a->dims[0] * a->dims[1] * a->dims[2];
    for (size_t r = 0; r < rows; r++) {
        double s = 0;
        for (size_t j = 0; j < spatial; j++)
            s += a->data[r * spatial + j];
        a->data[r] = spatial ? s / (double)spatial : NAN;
    }
    fprintf(stderr, "cogscope import: %s %s %s averaged over its last %d axes to [%zu x %zu x %zu] (per channel)\n",
            what, spec, sh, a->rank - 3, a->dims[0], a->dims[1], a->dims[2]);
    a->rank = 3;
    a->count = rows;
    return CS_OK;
}

/* Read every array and check they fit together. */
static cs_status read_all(opts *o, cs_array *inputs, cs_array *labels, cs_array *snap, cs_array *loss)
{
    cs_status st = CS_OK;
    char sh[128], sh2[128];
    for (size_t i = 0; i < o->layer.n && st == CS_OK; i++)
        if ((st = checked_array_read(o->layer.item[i].spec, &o->layer.item[i].a)) == CS_OK)
            st = to_snapshots("layer", o->layer.item[i].spec, &o->layer.item[i].a);
    for (size_t i = 0; i < o->errors.n && st == CS_OK; i++) {
        size_t l = 0;
        while (l < o->layer.n && strcmp(o->layer.item[l].name, o->errors.item[i].name))
            l++;
        if (l == o->layer.n)
            return cs_error_set(CS_EINVAL, "--errors %s: no --layer of that name", o->errors.item[i].name);
        if ((st = checked_array_read(o->errors.item[i].spec, &o->errors.item[i].a)) == CS_OK &&
            (st = to_snapshots("errors", o->errors.item[i].spec, &o->errors.item[i].a)) == CS_OK &&
            memcmp(o->errors.item[i].a.dims, o->layer.item[l].a.dims, 3 * sizeof(size_t))) {
            shape_text(&o->errors.item[i].a, sh, sizeof sh);
            shape_text(&o->layer.item[l].a, sh2, sizeof sh2);
            return cs_error_set(CS_ESHAPE, "--errors %s (%s) is %s but its activations are %s",
                                o->errors.item[i].name, o->errors.item[i].spec, sh, sh2);
        }
    }
    for (size_t i = 1; i < o->layer.n && st == CS_OK; i++)
        if (memcmp(o->layer.item[i].a.dims, o->layer.item[0].a.dims, 2 * sizeof(size_t))) {
            shape_text(&o->layer.item[i].a, sh, sizeof sh);
            shape_text(&o->layer.item[0].a, sh2, sizeof sh2);
            return cs_error_set(CS_ESHAPE,
                                "layer %s (%s) is %s, layer %s is %s: every layer needs the same snapshots "
                                "and samples",
                                o->layer.item[i].name, o->layer.item[i].spec, sh, o->layer.item[0].name, sh2);
        }
    if (st != CS_OK)
        return st;
    size_t K = o->layer.item[0].a.dims[0], P = o->layer.item[0].a.dims[1];
    if (o->inputs && (st = checked_array_read(o->inputs, inputs)) == CS_OK &&
        (inputs->rank > 2 || inputs->dims[0] != P)) {
        shape_text(inputs, sh, sizeof sh);
        return cs_error_set(CS_ESHAPE, "--inputs %s is %s; expected [%zu samples, features]", o->inputs, sh, P);
    }
    if (st == CS_OK && o->labels && (st = checked_array_read(o->labels, labels)) == CS_OK) {
        shape_text(labels, sh, sizeof sh);
        if (labels->rank != 1 || labels->dims[0] != P)
            return cs_error_set(CS_ESHAPE, "--labels %s is %s; expected [%zu] (one per sample)", o->labels, sh, P);
        for (size_t i = 0; i < P; i++)
            if (!(labels->data[i] >= 0 && labels->data[i] < 2147483648.0 &&
                  labels->data[i] == floor(labels->data[i])))
                return cs_error_set(CS_EINVAL, "--labels %s: entry %zu = %g is not a class (an integer >= 0)",
                                    o->labels, i, labels->data[i]);
    }
    if (st == CS_OK && o->snap_steps && (st = checked_array_read(o->snap_steps, snap)) == CS_OK &&
        (snap->rank != 1 || snap->dims[0] != K)) {
        shape_text(snap, sh, sizeof sh);
        return cs_error_set(CS_ESHAPE, "--snapshot-steps %s is %s; expected [%zu] (one per snapshot)", o->snap_steps,
                            sh, K);
    }
    size_t n = (size_t)-1;
    const char *first = NULL;
    if (st == CS_OK && o->loss && (st = checked_array_read(o->loss, loss)) == CS_OK) {
        n = loss->count;
        first = "--loss";
    }
    for (size_t i = 0; i < o->series.n && st == CS_OK; i++) {
        if ((st = checked_array_read(o->series.item[i].spec, &o->series.item[i].a)) != CS_OK)
            break;
        const cs_array *a = &o->series.item[i].a;
        if (n == (size_t)-1) {
            n = a->count;
            first = o->series.item[i].name;
        }
        if (a->rank != 1 || a->count != n) {
            shape_text(a, sh, sizeof sh);
            return cs_error_set(CS_ESHAPE, "--series %s (%s) is %s; per-step series are 1-D and as long as %s (%zu)",
                                o->series.item[i].name, o->series.item[i].spec, sh, first, n);
        }
    }
    if (st == CS_OK && o->loss && loss->rank != 1) {
        shape_text(loss, sh, sizeof sh);
        return cs_error_set(CS_ESHAPE, "--loss %s is %s; expected one value per step [step]", o->loss, sh);
    }
    return st;
}

/* The float copy of n doubles (NULL when out of memory). */
static float *to_float(const double *v, size_t n)
{
    float *f = malloc((n ? n : 1) * sizeof *f);
    for (size_t i = 0; f && i < n; i++)
        f[i] = (float)v[i];
    return f;
}

/* Declare everything, then append the steps and the snapshots. */
static cs_status write_log(const char *path, const opts *o, const cs_array *inputs, const cs_array *labels,
                           const cs_array *snap, const cs_array *loss)
{
    cs_runlog_writer *w;
    cs_status st = cs_runlog_create(path, NULL, &w);
    if (st != CS_OK)
        return st;
    size_t K = o->layer.item[0].a.dims[0], P = o->layer.item[0].a.dims[1];
    cs_runlog_handle act[MAX_ITEMS], err[MAX_ITEMS], ser[MAX_ITEMS + 1];
    int has_err[MAX_ITEMS] = {0};
    st = cs_runlog_set_string(w, "trainer", "cogscope import");
    for (size_t i = 0; i < o->n_meta && st == CS_OK; i++) {
        const char *eq = strchr(o->meta[i], '=');
        char key[CS_RUNLOG_NAME_MAX + 1];
        snprintf(key, sizeof key, "%.*s", (int)(eq - o->meta[i]), o->meta[i]);
        st = cs_runlog_set_string(w, key, eq + 1);
    }
    for (size_t l = 0; l < o->layer.n && st == CS_OK; l++) {
        size_t idx, shape[2] = {P, o->layer.item[l].a.dims[2]};
        if ((st = cs_runlog_add_layer(w, o->layer.item[l].name, &idx)) == CS_OK)
            st = cs_runlog_declare_snapshot(w, idx, "activations", 2, shape, &act[l]);
        for (size_t e = 0; e < o->errors.n && st == CS_OK; e++)
            if (!strcmp(o->errors.item[e].name, o->layer.item[l].name)) {
                st = cs_runlog_declare_snapshot(w, idx, "errors", 2, shape, &err[l]);
                has_err[l] = (int)e + 1;
            }
    }
    if (st == CS_OK && o->loss)
        st = cs_runlog_declare_series(w, "loss", CS_RUNLOG_F64, &ser[o->series.n]);
    for (size_t i = 0; i < o->series.n && st == CS_OK; i++)
        st = cs_runlog_declare_series(w, o->series.item[i].name, CS_RUNLOG_F64, &ser[i]);
    if (st == CS_OK && o->inputs) {
        size_t d = inputs->rank == 2 ? inputs->dims[1] : 1;
        float *xf = to_float(inputs->data, inputs->count);
        int32_t *lab = o->labels ? malloc(P * sizeof *lab) : NULL;
        for (size_t i = 0; lab && i < P; i++)
            lab[i] = (int32_t)labels->data[i];
        st = !xf || (o->labels && !lab) ? cs_error_set(CS_ENOMEM, "out of memory")
                                        : cs_runlog_set_probe(w, xf, P, d, lab);
        free(xf);
        free(lab);
    }
    if (st == CS_OK)
        st = cs_runlog_start(w);
    size_t n = o->loss ? loss->count : o->series.n ? o->series.item[0].a.count : 0;
    for (size_t s = 0; s < n && st == CS_OK; s++) {
        if (o->loss)
            st = cs_runlog_put(w, ser[o->series.n], loss->data[s]);
        for (size_t i = 0; i < o->series.n && st == CS_OK; i++)
            st = cs_runlog_put(w, ser[i], o->series.item[i].a.data[s]);
        if (st == CS_OK)
            st = cs_runlog_end_step(w, (int64_t)s);
    }
    for (size_t k = 0; k < K && st == CS_OK; k++) {
        for (size_t l = 0; l < o->layer.n && st == CS_OK; l++) {
            size_t per = P * o->layer.item[l].a.dims[2];
            st = cs_runlog_put_snapshot_f64(w, act[l], o->layer.item[l].a.data + k * per);
            if (st == CS_OK && has_err[l])
                st = cs_runlog_put_snapshot_f64(w, err[l], o->errors.item[has_err[l] - 1].a.data + k * per);
        }
        if (st == CS_OK)
            st = cs_runlog_end_snapshot(w, snap->data ? (int64_t)snap->data[k] : (int64_t)k);
    }
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", cs_last_error());
    cs_status cst = cs_runlog_close(w);
    if (st != CS_OK)
        return cs_error_set(st, "%s", msg);
    return cst;
}

static void free_all(opts *o, cs_array *inputs, cs_array *labels, cs_array *snap, cs_array *loss)
{
    named_list *lists[3] = {&o->layer, &o->errors, &o->series};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < lists[k]->n; i++) {
            free(lists[k]->item[i].name);
            cs_array_free(&lists[k]->item[i].a);
        }
    cs_array_free(inputs);
    cs_array_free(labels);
    cs_array_free(snap);
    cs_array_free(loss);
}

/* Usage checks that need no file: returns CLI_OK or a usage error. */
static int check_usage(const opts *o)
{
    if (!o->out)
        return cli_usage_error(CMD, "--out RUN.h5 is required");
    if (!*o->out)
        return cli_usage_error(CMD, "--out needs a file name");
    if (!o->layer.n)
        return cli_usage_error(CMD, "at least one --layer NAME=ARRAY is required");
    if (o->labels && !o->inputs)
        return cli_usage_error(CMD, "--labels needs --inputs (the probe samples they label)");
    for (size_t i = 0; i < o->series.n; i++)
        if (!strcmp(o->series.item[i].name, "step") || (o->loss && !strcmp(o->series.item[i].name, "loss")))
            return cli_usage_error(CMD, "--series %s: that name is %s", o->series.item[i].name,
                                   strcmp(o->series.item[i].name, "step") ? "given by --loss"
                                                                          : "the step number itself");
    const char *specs[4] = {o->inputs, o->labels, o->snap_steps, o->loss};
    for (int i = 0; i < 4; i++)
        if (specs[i] && out_is_input(o, specs[i]))
            return cli_usage_error(CMD, "--out %s is one of the inputs; choose another file", o->out);
    const named_list *lists[3] = {&o->layer, &o->errors, &o->series};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < lists[k]->n; i++)
            if (out_is_input(o, lists[k]->item[i].spec))
                return cli_usage_error(CMD, "--out %s is one of the inputs; choose another file", o->out);
    if (!o->force && access(o->out, F_OK) == 0)
        return cli_usage_error(CMD, "%s exists; give --force to replace it", o->out);
    return CLI_OK;
}

int cmd_import(int argc, char **argv)
{
    opts o = {0};
    cs_array inputs = {0}, labels = {0}, snap = {0}, loss = {0};
    cli_args a;
    int rc = cli_parse(&spec, argc, argv, &o, &a);
    if (rc < 0)
        rc = check_usage(&o);
    else if (rc == CLI_OK) /* --help */
        rc = -1;
    if (rc != CLI_OK) {
        free_all(&o, &inputs, &labels, &snap, &loss);
        return rc < 0 ? CLI_OK : rc;
    }
    cs_status st = read_all(&o, &inputs, &labels, &snap, &loss);
    /* A temporary name beside --out, renamed over it on success: a failed
     * import leaves no partial log and keeps an older file intact. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.import-%ld.tmp", o.out, (long)getpid());
    if (st == CS_OK && (st = write_log(tmp, &o, &inputs, &labels, &snap, &loss)) == CS_OK && rename(tmp, o.out) != 0)
        st = cs_error_set(CS_EIO, "%s: cannot rename the finished log into place (%s)", o.out, strerror(errno));
    if (st != CS_OK)
        unlink(tmp);
    if (st == CS_OK)
        printf("imported %zu layer%s, %zu snapshot%s of %zu samples%s -> %s\n", o.layer.n, o.layer.n == 1 ? "" : "s",
               o.layer.item[0].a.dims[0], o.layer.item[0].a.dims[0] == 1 ? "" : "s", o.layer.item[0].a.dims[1],
               o.loss || o.series.n ? " and the per-step series" : "", o.out);
    free_all(&o, &inputs, &labels, &snap, &loss);
    if (st != CS_OK)
        return cli_fail(CMD, st);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "cogscope %s: writing the output failed\n", CMD);
        return CLI_FAIL;
    }
    return CLI_OK;
}
