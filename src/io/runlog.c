/* The run-log writer: HDF5 in SWMR mode, layout in docs/schema.md.
 *
 * Every dataset is created before H5Fstart_swmr_write (SWMR cannot add
 * objects later). Per-step and per-evaluation rows are buffered in memory and
 * appended in blocks: one H5Dset_extent + H5Dwrite per dataset per block
 * instead of per row: ~0.1-0.2 us per training step instead of ~120 us
 * (14 datasets, measured; docs/schema.md).
 * Snapshots are large and go to the file at once, one chunk per snapshot.
 *
 * A flush writes the buffered rows, flushes the file, and only then records
 * the row counts in /committed. A reader never trusts more rows than
 * /committed names, so a run killed at any instant (even inside a flush, or
 * after HDF5 evicted some metadata on its own) reads back as the state of the
 * last completed flush, with every series the same length. */
#include "cogscope/runlog.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "h5attr.h"
#include "runlog_internal.h"

#ifndef COGSCOPE_VERSION
#define COGSCOPE_VERSION "unknown"
#endif

const char *const rl_step_names[RL_N_STEP] = {"step", "epoch", "loss", "tau", "surprise", "pi", "batch_acc", "lr"};
const char *const rl_eval_names[RL_N_EVAL] = {"step", "epoch", "loss", "acc", "tau", "surprise", "pi"};
const char *const rl_layer_names[RL_N_LAYER_STD] = {"weight_norm", "update_norm", "bp_angle_deg"};
const char *const rl_config_reserved[] = {
    "rule",       "activation", "dataset",    "optimizer",        "layers",         "seed",
    "lr",         "momentum",   "batch",      "epochs",           "log_every",      "probe_size",
    "pi_alpha",   "pi_gamma",   "relax_iterations", "relax_samples", "layer_series", "flush_interval",
    NULL};

/* Compression, measured with bench/bench_runlog.c (figures in docs/schema.md):
 * per-step series are a few kB per second, so deflate 4 + shuffle costs
 * nothing noticeable. Snapshots are megabytes per second of float32 noise:
 * even deflate 1 costs ~50x the uncompressed write for ~25% fewer bytes,
 * which would break the 10% logging budget, so they are stored uncompressed
 * unless spec.snapshot_deflate asks otherwise. */
#define RL_SERIES_DEFLATE 4
/* Upper bound on one chunk of a snapshot dataset (bytes). */
#define RL_MAX_CHUNK_BYTES (16u << 20)

static herr_t reason_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    char **buf = data;
    if (n == 0 && e->desc && *e->desc)
        snprintf(buf[0], (size_t)(uintptr_t)buf[1], "%s", e->desc);
    return 0;
}

const char *rl_h5_reason(char *buf, size_t n)
{
    char *ctx[2] = {buf, (char *)(uintptr_t)n};
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, reason_cb, ctx);
    H5Eclear2(H5E_DEFAULT);
    if (!buf[0])
        snprintf(buf, n, "unknown HDF5 error");
    return buf;
}

int rl_valid_name(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len >= RL_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* ---- buffered 1-D tables ------------------------------------------------ */

/* Columns of one table share a row buffer of 8-byte slots (int64 or double),
 * column-major, so a block is written with one H5Dwrite per column. */
typedef struct {
    size_t ncols;
    hid_t *dset;
    hid_t *memtype; /* H5T_NATIVE_INT64 or H5T_NATIVE_DOUBLE; not owned */
    char (*path)[64];
    unsigned char *buf; /* ncols x RL_SERIES_CHUNK slots */
    size_t pending;
    hsize_t written;
} rl_table;

struct cs_runlog_writer {
    char *path;
    hid_t file;
    size_t n_layers, nl; /* nl = weight layers = n_layers - 1 */
    size_t *layers;
    size_t probe_size, relax_iterations, relax_samples, n_extra;
    double flush_interval, last_flush;
    int deflate; /* snapshot deflate level, 0 = none */
    rl_table steps, eval;
    hid_t *act, *err;     /* nl each */
    hid_t probe_step;
    hid_t *relax_states;  /* nl, or NULL */
    hid_t relax_energy;
    hid_t committed;
    hsize_t snapshots, relax_count;
    cs_status status; /* first failure; the writer refuses further work */
    char errmsg[512];
};

/* Record the first failure so later calls (and close) report it too. */
static cs_status __attribute__((format(printf, 3, 4))) wfail(cs_runlog_writer *w, cs_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (w->status == CS_OK) {
        w->status = st;
        snprintf(w->errmsg, sizeof w->errmsg, "%s", msg);
    }
    return cs_error_set(st, "%s", msg);
}

static cs_status wfail_h5(cs_runlog_writer *w, const char *what, const char *dset)
{
    char reason[256];
    rl_h5_reason(reason, sizeof reason);
    return wfail(w, CS_EIO, "%s: cannot %s %s (%s)", w->path, what, dset, reason);
}

static cs_status table_alloc(rl_table *t, size_t ncols)
{
    t->ncols = ncols;
    t->dset = malloc(ncols * sizeof *t->dset);
    t->memtype = malloc(ncols * sizeof *t->memtype);
    t->path = calloc(ncols, sizeof *t->path);
    t->buf = malloc(ncols * RL_SERIES_CHUNK * 8);
    if (!t->dset || !t->memtype || !t->path || !t->buf)
        return cs_error_set(CS_ENOMEM, "run log: cannot allocate a row buffer of %zu columns", ncols);
    for (size_t c = 0; c < ncols; c++)
        t->dset[c] = H5I_INVALID_HID;
    return CS_OK;
}

static void table_free(rl_table *t)
{
    if (t->dset)
        for (size_t c = 0; c < t->ncols; c++)
            if (t->dset[c] >= 0)
                H5Dclose(t->dset[c]);
    free(t->dset);
    free(t->memtype);
    free(t->path);
    free(t->buf);
    memset(t, 0, sizeof *t);
}

static inline void *slot(rl_table *t, size_t col, size_t row) { return t->buf + (col * RL_SERIES_CHUNK + row) * 8; }
static inline void put_i64(rl_table *t, size_t col, int64_t v) { memcpy(slot(t, col, t->pending), &v, 8); }
static inline void put_f64(rl_table *t, size_t col, double v) { memcpy(slot(t, col, t->pending), &v, 8); }

/* Append the buffered rows to every column's dataset. */
static cs_status table_write(cs_runlog_writer *w, rl_table *t)
{
    if (t->pending == 0)
        return CS_OK;
    hsize_t start = t->written, count = t->pending, size = t->written + t->pending;
    hid_t ms = H5Screate_simple(1, &count, NULL);
    cs_status st = CS_OK;
    for (size_t c = 0; c < t->ncols && st == CS_OK; c++) {
        hid_t fs = H5I_INVALID_HID;
        if (H5Dset_extent(t->dset[c], &size) < 0 || (fs = H5Dget_space(t->dset[c])) < 0 ||
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
            H5Dwrite(t->dset[c], t->memtype[c], ms, fs, H5P_DEFAULT, slot(t, c, 0)) < 0)
            st = wfail_h5(w, "append to", t->path[c]);
        if (fs >= 0)
            H5Sclose(fs);
    }
    H5Sclose(ms);
    if (st == CS_OK) {
        t->written = size;
        t->pending = 0;
    }
    return st;
}

/* ---- creation ----------------------------------------------------------- */

static cs_status check_spec(const char *path, const cs_runlog_spec *s)
{
    if (!s->rule || !*s->rule || !s->activation || !s->dataset)
        return cs_error_set(CS_EINVAL, "%s: spec.rule, spec.activation and spec.dataset must be set", path);
    if (s->n_layers < 2 || s->n_layers > RL_MAX_LAYERS || !s->layers)
        return cs_error_set(CS_EINVAL, "%s: spec.n_layers = %zu must be in [2, %d] with spec.layers set", path,
                            s->n_layers, RL_MAX_LAYERS);
    for (size_t i = 0; i < s->n_layers; i++)
        if (s->layers[i] < 1 || s->layers[i] > (1u << 24))
            return cs_error_set(CS_EINVAL, "%s: spec.layers[%zu] = %zu must be in [1, 2^24]", path, i, s->layers[i]);
    if (s->probe_size < 1 || !s->probe_inputs || !s->probe_labels)
        return cs_error_set(CS_EINVAL, "%s: spec.probe_size = %zu must be >= 1 with probe_inputs and probe_labels set",
                            path, s->probe_size);
    size_t n_out = s->layers[s->n_layers - 1];
    for (size_t i = 0; i < s->probe_size; i++)
        if (s->probe_labels[i] < 0 || (size_t)s->probe_labels[i] >= n_out)
            return cs_error_set(CS_EINVAL, "%s: spec.probe_labels[%zu] = %d is outside [0, %zu)", path, i,
                                (int)s->probe_labels[i], n_out);
    if ((s->relax_iterations == 0) != (s->relax_samples == 0))
        return cs_error_set(CS_EINVAL, "%s: spec.relax_iterations = %zu and relax_samples = %zu must both be 0 or both >= 1",
                            path, s->relax_iterations, s->relax_samples);
    if (s->relax_samples > s->probe_size)
        return cs_error_set(CS_EINVAL, "%s: spec.relax_samples = %zu exceeds probe_size = %zu", path, s->relax_samples,
                            s->probe_size);
    if (s->n_layer_series > RL_MAX_LAYER_SERIES || (s->n_layer_series && !s->layer_series))
        return cs_error_set(CS_EINVAL, "%s: spec.n_layer_series = %zu must be <= %d with layer_series set", path,
                            s->n_layer_series, RL_MAX_LAYER_SERIES);
    for (size_t i = 0; i < s->n_layer_series; i++) {
        const char *n = s->layer_series[i];
        if (!rl_valid_name(n))
            return cs_error_set(CS_EINVAL, "%s: spec.layer_series[%zu] = '%s' is not a valid series name", path, i,
                                n ? n : "(null)");
        int clash = !strcmp(n, "activations") || !strcmp(n, "errors");
        for (size_t k = 0; k < RL_N_LAYER_STD; k++)
            clash |= !strcmp(n, rl_layer_names[k]);
        for (size_t k = 0; k < i; k++)
            clash |= !strcmp(n, s->layer_series[k]);
        if (clash)
            return cs_error_set(CS_EINVAL, "%s: spec.layer_series[%zu] = '%s' repeats a layer dataset name", path, i, n);
    }
    if (s->n_params && (!s->param_names || !s->param_values))
        return cs_error_set(CS_EINVAL, "%s: spec.n_params = %zu but param_names/param_values are not set", path,
                            s->n_params);
    for (size_t i = 0; i < s->n_params; i++) {
        const char *n = s->param_names[i];
        if (!rl_valid_name(n))
            return cs_error_set(CS_EINVAL, "%s: spec.param_names[%zu] = '%s' is not a valid attribute name", path, i,
                                n ? n : "(null)");
        int clash = 0;
        for (size_t k = 0; rl_config_reserved[k]; k++)
            clash |= !strcmp(n, rl_config_reserved[k]);
        for (size_t k = 0; k < i; k++)
            clash |= !strcmp(n, s->param_names[k]);
        if (clash)
            return cs_error_set(CS_EINVAL, "%s: spec.param_names[%zu] = '%s' repeats a /config attribute", path, i, n);
    }
    if (s->snapshot_deflate < 0 || s->snapshot_deflate > 9)
        return cs_error_set(CS_EINVAL, "%s: spec.snapshot_deflate = %d must be 0 (none) or a deflate level 1..9", path,
                            s->snapshot_deflate);
    if (isnan(s->flush_interval))
        return cs_error_set(CS_EINVAL, "%s: spec.flush_interval is NaN", path);
    return CS_OK;
}

typedef struct {
    hid_t ftype;        /* file type */
    int rank;
    hsize_t dims[4];    /* initial extent */
    hsize_t maxdims[4]; /* H5S_UNLIMITED on the growing axis */
    hsize_t chunk[4];   /* 0 = contiguous */
    int deflate;        /* level, or 0 */
    int shuffle;
    const void *fill;   /* in fill_type */
    hid_t fill_type;
    int direct;         /* bypass the chunk cache: every write is whole chunks */
} dset_opts;

static hid_t make_dset(hid_t loc, const char *name, const dset_opts *o)
{
    hid_t space = H5Screate_simple(o->rank, o->dims, o->maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), dapl = H5Pcreate(H5P_DATASET_ACCESS), d = H5I_INVALID_HID;
    int ok = space >= 0 && dcpl >= 0 && dapl >= 0;
    if (ok && o->chunk[0]) {
        ok = H5Pset_chunk(dcpl, o->rank, o->chunk) >= 0;
        if (ok && o->shuffle)
            ok = H5Pset_shuffle(dcpl) >= 0;
        if (ok && o->deflate && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0)
            ok = H5Pset_deflate(dcpl, (unsigned)o->deflate) >= 0;
        if (ok && o->direct)
            ok = H5Pset_chunk_cache(dapl, 0, 0, 1.0) >= 0;
    }
    if (ok && o->fill)
        ok = H5Pset_fill_value(dcpl, o->fill_type, o->fill) >= 0;
    if (ok)
        d = H5Dcreate2(loc, name, o->ftype, space, H5P_DEFAULT, dcpl, dapl);
    if (space >= 0)
        H5Sclose(space);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (dapl >= 0)
        H5Pclose(dapl);
    return d;
}

static const double nan_fill = NAN;
static const float nanf_fill = NAN;
static const int64_t minus_one = -1;

static hid_t make_series(hid_t loc, const char *name, hid_t ftype)
{
    int is_float = H5Tget_class(ftype) == H5T_FLOAT;
    dset_opts o = {.ftype = ftype, .rank = 1, .dims = {0}, .maxdims = {H5S_UNLIMITED}, .chunk = {RL_SERIES_CHUNK},
                   .deflate = RL_SERIES_DEFLATE, .shuffle = 1, .fill = is_float ? (const void *)&nan_fill : &minus_one,
                   .fill_type = is_float ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64};
    return make_dset(loc, name, &o);
}

/* A [snapshot, d1, d2(, d3)] float32 dataset, one snapshot per chunk (fewer
 * leading-axis entries per chunk if one snapshot exceeds RL_MAX_CHUNK_BYTES). */
static hid_t make_snapshot(hid_t loc, const char *name, int rank, const size_t *inner, int deflate)
{
    dset_opts o = {.ftype = H5T_IEEE_F32LE, .rank = rank, .deflate = deflate, .shuffle = deflate > 0,
                   .fill = &nanf_fill, .fill_type = H5T_NATIVE_FLOAT, .direct = 1};
    o.dims[0] = 0;
    o.maxdims[0] = H5S_UNLIMITED;
    o.chunk[0] = 1;
    size_t bytes = 4;
    for (int k = 1; k < rank; k++) {
        o.dims[k] = o.maxdims[k] = o.chunk[k] = inner[k - 1];
        bytes *= inner[k - 1];
    }
    for (int k = 1; k < rank && bytes > RL_MAX_CHUNK_BYTES; k++) {
        /* shrink this axis until the chunk fits */
        size_t rest = bytes / o.chunk[k];
        size_t keep = RL_MAX_CHUNK_BYTES / rest;
        o.chunk[k] = keep ? keep : 1;
        bytes = rest * o.chunk[k];
        o.direct = 0; /* partial chunks: let the cache assemble them */
    }
    return make_dset(loc, name, &o);
}

static hid_t make_group(hid_t loc, const char *name) { return H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT); }

static void writer_free(cs_runlog_writer *w)
{
    if (!w)
        return;
    table_free(&w->steps);
    table_free(&w->eval);
    for (size_t l = 0; l < w->nl; l++) {
        if (w->act && w->act[l] >= 0)
            H5Dclose(w->act[l]);
        if (w->err && w->err[l] >= 0)
            H5Dclose(w->err[l]);
        if (w->relax_states && w->relax_states[l] >= 0)
            H5Dclose(w->relax_states[l]);
    }
    if (w->probe_step >= 0)
        H5Dclose(w->probe_step);
    if (w->relax_energy >= 0)
        H5Dclose(w->relax_energy);
    if (w->committed >= 0)
        H5Dclose(w->committed);
    if (w->file >= 0)
        H5Fclose(w->file);
    free(w->act);
    free(w->err);
    free(w->relax_states);
    free(w->layers);
    free(w->path);
    free(w);
}

/* 128 random bits as 32 hex digits: names this run uniquely, so a metrics
 * file can be matched to its run even when two runs start in the same second
 * (`created` has one-second resolution). Falls back to clock, pid and stack
 * address when the kernel has no entropy call. */
static void make_run_id(char out[33])
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, GRND_NONBLOCK) != (ssize_t)sizeof b) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, c = (uint64_t)getpid() ^ (uint64_t)(uintptr_t)b;
        memcpy(b, &a, 8);
        memcpy(b + 8, &c, 8);
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static cs_status write_attrs(cs_runlog_writer *w, const cs_runlog_spec *s)
{
    char created[32], host[256] = "", run_id[33];
    make_run_id(run_id);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    gethostname(host, sizeof host - 1);
    int ok = cs_h5_attr_put_string(w->file, "schema", CS_RUNLOG_SCHEMA) &&
             cs_h5_attr_put_num(w->file, "schema_version", H5T_STD_I32LE, H5T_NATIVE_INT, &(int){CS_RUNLOG_SCHEMA_VERSION}, 1, 1) &&
             cs_h5_attr_put_string(w->file, "cogscope_version", COGSCOPE_VERSION) && cs_h5_attr_put_string(w->file, "created", created) &&
             cs_h5_attr_put_string(w->file, "run_id", run_id) &&
             cs_h5_attr_put_i64(w->file, "writer_pid", (int64_t)getpid()) && cs_h5_attr_put_string(w->file, "writer_host", host);
    if (!ok)
        return wfail_h5(w, "write the root attributes of", "/");

    hid_t cfg = make_group(w->file, "config");
    if (cfg < 0)
        return wfail_h5(w, "create", "/config");
    int64_t layers[RL_MAX_LAYERS];
    for (size_t i = 0; i < s->n_layers; i++)
        layers[i] = (int64_t)s->layers[i];
    uint64_t seed = s->seed;
    ok = cs_h5_attr_put_string(cfg, "rule", s->rule) && cs_h5_attr_put_string(cfg, "activation", s->activation) &&
         cs_h5_attr_put_string(cfg, "dataset", s->dataset) && cs_h5_attr_put_string(cfg, "optimizer", s->optimizer ? s->optimizer : "") &&
         cs_h5_attr_put_num(cfg, "layers", H5T_STD_I64LE, H5T_NATIVE_INT64, layers, s->n_layers, 0) &&
         cs_h5_attr_put_num(cfg, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed, 1, 1) && cs_h5_attr_put_f64(cfg, "lr", s->lr) &&
         cs_h5_attr_put_f64(cfg, "momentum", s->momentum) && cs_h5_attr_put_i64(cfg, "batch", (int64_t)s->batch) &&
         cs_h5_attr_put_i64(cfg, "epochs", (int64_t)s->epochs) && cs_h5_attr_put_i64(cfg, "log_every", (int64_t)s->log_every) &&
         cs_h5_attr_put_i64(cfg, "probe_size", (int64_t)s->probe_size) && cs_h5_attr_put_f64(cfg, "pi_alpha", s->pi_alpha) &&
         cs_h5_attr_put_f64(cfg, "pi_gamma", s->pi_gamma) && cs_h5_attr_put_i64(cfg, "relax_iterations", (int64_t)s->relax_iterations) &&
         cs_h5_attr_put_i64(cfg, "relax_samples", (int64_t)s->relax_samples) &&
         cs_h5_attr_put_f64(cfg, "flush_interval", w->flush_interval) &&
         (s->n_layer_series == 0 || cs_h5_attr_put_strings(cfg, "layer_series", s->layer_series, s->n_layer_series));
    for (size_t i = 0; ok && i < s->n_params; i++)
        ok = cs_h5_attr_put_f64(cfg, s->param_names[i], s->param_values[i]);
    H5Gclose(cfg);
    return ok ? CS_OK : wfail_h5(w, "write the attributes of", "/config");
}

static cs_status create_datasets(cs_runlog_writer *w, const cs_runlog_spec *s)
{
    char name[128];
    hid_t g = make_group(w->file, "steps");
    if (g < 0)
        return wfail_h5(w, "create", "/steps");
    size_t ncols = RL_N_STEP + w->nl * (RL_N_LAYER_STD + w->n_extra);
    cs_status st = table_alloc(&w->steps, ncols);
    if (st != CS_OK) {
        H5Gclose(g);
        return wfail(w, st, "%s", cs_last_error());
    }
    for (size_t c = 0; c < RL_N_STEP; c++) {
        int is_int = c <= 1;
        hid_t ft = c == 0 ? H5T_STD_I64LE : c == 1 ? H5T_STD_I32LE : H5T_IEEE_F64LE;
        w->steps.memtype[c] = is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
        snprintf(w->steps.path[c], sizeof w->steps.path[c], "/steps/%s", rl_step_names[c]);
        if ((w->steps.dset[c] = make_series(g, rl_step_names[c], ft)) < 0) {
            H5Gclose(g);
            return wfail_h5(w, "create", w->steps.path[c]);
        }
    }
    H5Gclose(g);

    hid_t lg = make_group(w->file, "layers");
    if (lg < 0)
        return wfail_h5(w, "create", "/layers");
    w->act = malloc(w->nl * sizeof *w->act);
    w->err = malloc(w->nl * sizeof *w->err);
    if (!w->act || !w->err) {
        H5Gclose(lg);
        return wfail(w, CS_ENOMEM, "%s: out of memory", w->path);
    }
    for (size_t l = 0; l < w->nl; l++)
        w->act[l] = w->err[l] = H5I_INVALID_HID;
    for (size_t l = 0; l < w->nl && st == CS_OK; l++) {
        snprintf(name, sizeof name, "%zu", l + 1);
        hid_t gl = make_group(lg, name);
        if (gl < 0) {
            st = wfail_h5(w, "create", "a /layers group");
            break;
        }
        for (size_t k = 0; k < RL_N_LAYER_STD + w->n_extra && st == CS_OK; k++) {
            size_t c = RL_N_STEP + l * (RL_N_LAYER_STD + w->n_extra) + k;
            const char *sn = k < RL_N_LAYER_STD ? rl_layer_names[k] : s->layer_series[k - RL_N_LAYER_STD];
            w->steps.memtype[c] = H5T_NATIVE_DOUBLE;
            snprintf(w->steps.path[c], sizeof w->steps.path[c], "/layers/%zu/%s", l + 1, sn);
            if ((w->steps.dset[c] = make_series(gl, sn, H5T_IEEE_F64LE)) < 0)
                st = wfail_h5(w, "create", w->steps.path[c]);
        }
        size_t inner[2] = {s->probe_size, s->layers[l + 1]};
        if (st == CS_OK && (w->act[l] = make_snapshot(gl, "activations", 3, inner, w->deflate)) < 0)
            st = wfail_h5(w, "create activations of", name);
        if (st == CS_OK && (w->err[l] = make_snapshot(gl, "errors", 3, inner, w->deflate)) < 0)
            st = wfail_h5(w, "create errors of", name);
        H5Gclose(gl);
    }
    H5Gclose(lg);
    if (st != CS_OK)
        return st;

    /* /probe: the fixed inputs and labels are written now, once. */
    hid_t pg = make_group(w->file, "probe");
    if (pg < 0)
        return wfail_h5(w, "create", "/probe");
    dset_opts pi = {.ftype = H5T_IEEE_F32LE, .rank = 2, .dims = {s->probe_size, s->layers[0]},
                    .maxdims = {s->probe_size, s->layers[0]}, .chunk = {s->probe_size, s->layers[0]},
                    .deflate = RL_SERIES_DEFLATE, .shuffle = 1};
    while (pi.chunk[0] > 1 && pi.chunk[0] * pi.chunk[1] * 4 > RL_MAX_CHUNK_BYTES)
        pi.chunk[0] = (pi.chunk[0] + 1) / 2;
    dset_opts pl = {.ftype = H5T_STD_I32LE, .rank = 1, .dims = {s->probe_size}, .maxdims = {s->probe_size},
                    .chunk = {s->probe_size}, .deflate = RL_SERIES_DEFLATE, .shuffle = 1};
    hid_t d;
    if ((d = make_dset(pg, "inputs", &pi)) < 0 ||
        H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->probe_inputs) < 0) {
        if (d >= 0)
            H5Dclose(d);
        H5Gclose(pg);
        return wfail_h5(w, "write", "/probe/inputs");
    }
    H5Dclose(d);
    if ((d = make_dset(pg, "labels", &pl)) < 0 ||
        H5Dwrite(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->probe_labels) < 0) {
        if (d >= 0)
            H5Dclose(d);
        H5Gclose(pg);
        return wfail_h5(w, "write", "/probe/labels");
    }
    H5Dclose(d);
    w->probe_step = make_series(pg, "step", H5T_STD_I64LE);
    H5Gclose(pg);
    if (w->probe_step < 0)
        return wfail_h5(w, "create", "/probe/step");

    if (s->relax_iterations) {
        hid_t rg = make_group(w->file, "relax");
        if (rg < 0)
            return wfail_h5(w, "create", "/relax");
        w->relax_states = malloc(w->nl * sizeof *w->relax_states);
        if (!w->relax_states) {
            H5Gclose(rg);
            return wfail(w, CS_ENOMEM, "%s: out of memory", w->path);
        }
        for (size_t l = 0; l < w->nl; l++)
            w->relax_states[l] = H5I_INVALID_HID;
        for (size_t l = 0; l < w->nl && st == CS_OK; l++) {
            snprintf(name, sizeof name, "%zu", l + 1);
            hid_t gl = make_group(rg, name);
            size_t inner[3] = {s->relax_iterations, s->relax_samples, s->layers[l + 1]};
            if (gl < 0 || (w->relax_states[l] = make_snapshot(gl, "states", 4, inner, w->deflate)) < 0)
                st = wfail_h5(w, "create states of /relax group", name);
            if (gl >= 0)
                H5Gclose(gl);
        }
        /* energy rows are small: several snapshots per chunk, through the cache */
        hsize_t per = 8192 / (s->relax_iterations * 8);
        dset_opts eo = {.ftype = H5T_IEEE_F64LE, .rank = 2, .dims = {0, s->relax_iterations},
                        .maxdims = {H5S_UNLIMITED, s->relax_iterations}, .chunk = {per ? per : 1, s->relax_iterations},
                        .deflate = RL_SERIES_DEFLATE, .shuffle = 1, .fill = &nan_fill, .fill_type = H5T_NATIVE_DOUBLE};
        if (st == CS_OK && (w->relax_energy = make_dset(rg, "energy", &eo)) < 0)
            st = wfail_h5(w, "create", "/relax/energy");
        H5Gclose(rg);
        if (st != CS_OK)
            return st;
    }

    hid_t eg = make_group(w->file, "eval");
    if (eg < 0)
        return wfail_h5(w, "create", "/eval");
    if ((st = table_alloc(&w->eval, RL_N_EVAL)) != CS_OK) {
        H5Gclose(eg);
        return wfail(w, st, "%s", cs_last_error());
    }
    for (size_t c = 0; c < RL_N_EVAL && st == CS_OK; c++) {
        hid_t ft = c == 0 ? H5T_STD_I64LE : c == 1 ? H5T_STD_I32LE : H5T_IEEE_F64LE;
        w->eval.memtype[c] = c <= 1 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
        snprintf(w->eval.path[c], sizeof w->eval.path[c], "/eval/%s", rl_eval_names[c]);
        if ((w->eval.dset[c] = make_series(eg, rl_eval_names[c], ft)) < 0)
            st = wfail_h5(w, "create", w->eval.path[c]);
    }
    H5Gclose(eg);
    if (st != CS_OK)
        return st;

    /* /committed is contiguous and allocated now, so rewriting it under SWMR
     * touches raw data only, never metadata. */
    int64_t zero[RL_N_COMMITTED] = {0};
    dset_opts co = {.ftype = H5T_STD_I64LE, .rank = 1, .dims = {RL_N_COMMITTED}, .maxdims = {RL_N_COMMITTED}};
    if ((w->committed = make_dset(w->file, "committed", &co)) < 0 ||
        H5Dwrite(w->committed, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero) < 0)
        return wfail_h5(w, "create", "/committed");
    const char *cols[RL_N_COMMITTED] = {"steps", "snapshots", "evals", "relax_snapshots", "flush_unix_ms"};
    if (!cs_h5_attr_put_strings(w->committed, "columns", cols, RL_N_COMMITTED))
        return wfail_h5(w, "write the attributes of", "/committed");
    return CS_OK;
}

cs_status cs_runlog_create(const char *path, const cs_runlog_spec *spec, cs_runlog_writer **out)
{
    cs_init();
    cs_init();
    if (!out)
        return cs_error_set(CS_EINVAL, "cs_runlog_create: out is NULL");
    *out = NULL;
    if (!path || !*path || !spec)
        return cs_error_set(CS_EINVAL, "cs_runlog_create: path and spec must be given");
    cs_status st = check_spec(path, spec);
    if (st != CS_OK)
        return st;

    cs_runlog_writer *w = calloc(1, sizeof *w);
    if (!w)
        return cs_error_set(CS_ENOMEM, "%s: out of memory", path);
    w->file = w->probe_step = w->relax_energy = w->committed = H5I_INVALID_HID;
    w->path = strdup(path);
    w->n_layers = spec->n_layers;
    w->nl = spec->n_layers - 1;
    w->layers = malloc(spec->n_layers * sizeof *w->layers);
    if (!w->path || !w->layers) {
        writer_free(w);
        return cs_error_set(CS_ENOMEM, "%s: out of memory", path);
    }
    memcpy(w->layers, spec->layers, spec->n_layers * sizeof *w->layers);
    w->probe_size = spec->probe_size;
    w->relax_iterations = spec->relax_iterations;
    w->relax_samples = spec->relax_samples;
    w->n_extra = spec->n_layer_series;
    w->flush_interval = spec->flush_interval > 0 ? spec->flush_interval : 1.0;
    w->deflate = spec->snapshot_deflate;

    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* Locking stays on, but a file system without locks (some NFS mounts)
     * must not make logging impossible. */
    if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0 ||
        H5Pset_file_locking(fapl, 1, 1) < 0 ||
        (w->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) {
        char reason[256];
        rl_h5_reason(reason, sizeof reason);
        if (fapl >= 0)
            H5Pclose(fapl);
        writer_free(w);
        return cs_error_set(CS_EIO, "%s: cannot create the run log (%s)", path, reason);
    }
    H5Pclose(fapl);

    if ((st = write_attrs(w, spec)) == CS_OK && (st = create_datasets(w, spec)) == CS_OK) {
        if (H5Fstart_swmr_write(w->file) < 0)
            st = wfail_h5(w, "switch to SWMR writing:", "the file");
        else
            st = cs_runlog_flush(w);
    }
    if (st != CS_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", cs_last_error());
        writer_free(w);
        unlink(path); /* a half-made log would only mislead */
        return cs_error_set(st, "%s", msg);
    }
    *out = w;
    return CS_OK;
}

/* ---- appending ---------------------------------------------------------- */

static cs_status maybe_flush(cs_runlog_writer *w)
{
    if (cs_time_now() - w->last_flush >= w->flush_interval)
        return cs_runlog_flush(w);
    return CS_OK;
}

static cs_status check_writer(cs_runlog_writer *w, const char *fn)
{
    if (!w)
        return cs_error_set(CS_EINVAL, "%s: writer is NULL", fn);
    cs_init();
    if (w->status != CS_OK)
        return cs_error_set(w->status, "%s", w->errmsg);
    return CS_OK;
}

cs_status cs_runlog_append_step(cs_runlog_writer *w, const cs_runlog_step *rec)
{
    cs_status st = check_writer(w, "cs_runlog_append_step");
    if (st != CS_OK)
        return st;
    if (!rec || !rec->weight_norm || !rec->update_norm || (w->n_extra && !rec->layer_series))
        return cs_error_set(CS_EINVAL, "%s: step record needs weight_norm, update_norm%s", w->path,
                            w->n_extra ? " and layer_series" : "");
    rl_table *t = &w->steps;
    if (t->pending == RL_SERIES_CHUNK && (st = table_write(w, t)) != CS_OK)
        return st;
    put_i64(t, 0, rec->step);
    put_i64(t, 1, rec->epoch);
    put_f64(t, 2, rec->loss);
    put_f64(t, 3, rec->tau);
    put_f64(t, 4, rec->surprise);
    put_f64(t, 5, rec->pi);
    put_f64(t, 6, rec->batch_acc);
    put_f64(t, 7, rec->lr);
    size_t per = RL_N_LAYER_STD + w->n_extra;
    for (size_t l = 0; l < w->nl; l++) {
        size_t c = RL_N_STEP + l * per;
        put_f64(t, c, rec->weight_norm[l]);
        put_f64(t, c + 1, rec->update_norm[l]);
        put_f64(t, c + 2, rec->bp_angle_deg ? rec->bp_angle_deg[l] : NAN);
        for (size_t k = 0; k < w->n_extra; k++)
            put_f64(t, c + 3 + k, rec->layer_series[k * w->nl + l]);
    }
    t->pending++;
    return maybe_flush(w);
}

cs_status cs_runlog_append_eval(cs_runlog_writer *w, const cs_runlog_eval *rec)
{
    cs_status st = check_writer(w, "cs_runlog_append_eval");
    if (st != CS_OK)
        return st;
    if (!rec)
        return cs_error_set(CS_EINVAL, "%s: eval record is NULL", w->path);
    rl_table *t = &w->eval;
    if (t->pending == RL_SERIES_CHUNK && (st = table_write(w, t)) != CS_OK)
        return st;
    put_i64(t, 0, rec->step);
    put_i64(t, 1, rec->epoch);
    put_f64(t, 2, rec->loss);
    put_f64(t, 3, rec->acc);
    put_f64(t, 4, rec->tau);
    put_f64(t, 5, rec->surprise);
    put_f64(t, 6, rec->pi);
    t->pending++;
    return maybe_flush(w);
}

/* Write `data` as entry `index` of the leading axis of `d`, growing it. */
static cs_status write_entry(cs_runlog_writer *w, hid_t d, hsize_t index, hid_t memtype, const void *data,
                             const char *what, size_t layer)
{
    hid_t fs = H5Dget_space(d);
    int rank = fs >= 0 ? H5Sget_simple_extent_ndims(fs) : -1;
    hsize_t dims[4], start[4] = {index, 0, 0, 0}, count[4];
    cs_status st = CS_OK;
    if (rank < 1 || rank > 4 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0) {
        st = CS_EIO;
    } else {
        if (dims[0] < index + 1) {
            dims[0] = index + 1;
            H5Sclose(fs);
            fs = H5I_INVALID_HID;
            if (H5Dset_extent(d, dims) < 0 || (fs = H5Dget_space(d)) < 0)
                st = CS_EIO;
        }
        memcpy(count, dims, sizeof dims);
        count[0] = 1;
        hid_t ms = H5I_INVALID_HID;
        if (st == CS_OK && (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                            (ms = H5Screate_simple(rank, count, NULL)) < 0 ||
                            H5Dwrite(d, memtype, ms, fs, H5P_DEFAULT, data) < 0))
            st = CS_EIO;
        if (ms >= 0)
            H5Sclose(ms);
    }
    if (fs >= 0)
        H5Sclose(fs);
    if (st != CS_OK) {
        char dn[96];
        if (layer)
            snprintf(dn, sizeof dn, "%s of layer %zu", what, layer);
        else
            snprintf(dn, sizeof dn, "%s", what);
        return wfail_h5(w, "append to", dn);
    }
    return CS_OK;
}

cs_status cs_runlog_append_snapshot(cs_runlog_writer *w, int64_t step, const float *const *activations,
                                    const float *const *errors)
{
    cs_status st = check_writer(w, "cs_runlog_append_snapshot");
    if (st != CS_OK)
        return st;
    if (!activations || !errors)
        return cs_error_set(CS_EINVAL, "%s: snapshot at step %lld: activations and errors must be given", w->path,
                            (long long)step);
    for (size_t l = 0; l < w->nl; l++)
        if (!activations[l] || !errors[l])
            return cs_error_set(CS_EINVAL, "%s: snapshot at step %lld: layer %zu has no %s array", w->path,
                                (long long)step, l + 1, activations[l] ? "errors" : "activations");
    hsize_t k = w->snapshots;
    for (size_t l = 0; l < w->nl; l++) {
        if ((st = write_entry(w, w->act[l], k, H5T_NATIVE_FLOAT, activations[l], "activations", l + 1)) != CS_OK ||
            (st = write_entry(w, w->err[l], k, H5T_NATIVE_FLOAT, errors[l], "errors", l + 1)) != CS_OK)
            return st;
    }
    if ((st = write_entry(w, w->probe_step, k, H5T_NATIVE_INT64, &step, "/probe/step", 0)) != CS_OK)
        return st;
    w->snapshots = k + 1;
    return maybe_flush(w);
}

cs_status cs_runlog_append_relax(cs_runlog_writer *w, const float *const *states, const double *energy)
{
    cs_status st = check_writer(w, "cs_runlog_append_relax");
    if (st != CS_OK)
        return st;
    if (!w->relax_states)
        return cs_error_set(CS_EINVAL, "%s: this run log was created without a relaxation phase "
                                       "(spec.relax_iterations = 0)", w->path);
    if (w->snapshots == 0 || w->relax_count >= w->snapshots)
        return cs_error_set(CS_EINVAL, "%s: relaxation needs a snapshot of its own: %llu snapshots, %llu relaxations "
                                       "already written", w->path, (unsigned long long)w->snapshots,
                            (unsigned long long)w->relax_count);
    if (!states || !energy)
        return cs_error_set(CS_EINVAL, "%s: relaxation: states and energy must be given", w->path);
    for (size_t l = 0; l < w->nl; l++)
        if (!states[l])
            return cs_error_set(CS_EINVAL, "%s: relaxation: layer %zu has no states array", w->path, l + 1);
    /* Index = the latest snapshot; skipped snapshots keep the NaN fill. */
    hsize_t k = w->snapshots - 1;
    for (size_t l = 0; l < w->nl; l++)
        if ((st = write_entry(w, w->relax_states[l], k, H5T_NATIVE_FLOAT, states[l], "relaxation states", l + 1)) !=
            CS_OK)
            return st;
    if ((st = write_entry(w, w->relax_energy, k, H5T_NATIVE_DOUBLE, energy, "/relax/energy", 0)) != CS_OK)
        return st;
    w->relax_count = k + 1;
    return maybe_flush(w);
}

cs_status cs_runlog_flush(cs_runlog_writer *w)
{
    cs_status st = check_writer(w, "cs_runlog_flush");
    if (st != CS_OK)
        return st;
    if ((st = table_write(w, &w->steps)) != CS_OK || (st = table_write(w, &w->eval)) != CS_OK)
        return st;
    if (H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0)
        return wfail_h5(w, "flush", "the file");
    /* Only now that the rows are in the file may the counts name them. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t c[RL_N_COMMITTED] = {(int64_t)w->steps.written, (int64_t)w->snapshots, (int64_t)w->eval.written,
                                 (int64_t)w->relax_count, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000};
    if (H5Dwrite(w->committed, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, c) < 0 || H5Dflush(w->committed) < 0)
        return wfail_h5(w, "update", "/committed");
    w->last_flush = cs_time_now();
    return CS_OK;
}

cs_status cs_runlog_close(cs_runlog_writer *w)
{
    if (!w)
        return CS_OK;
    cs_status st = w->status == CS_OK ? cs_runlog_flush(w) : w->status;
    char msg[512], path[256];
    snprintf(msg, sizeof msg, "%s", w->status != CS_OK ? w->errmsg : "");
    snprintf(path, sizeof path, "%s", w->path);
    hid_t file = w->file;
    w->file = H5I_INVALID_HID;
    writer_free(w); /* closes every dataset first */
    if (file >= 0 && H5Fclose(file) < 0 && st == CS_OK) {
        char reason[256];
        rl_h5_reason(reason, sizeof reason);
        return cs_error_set(CS_EIO, "%s: closing the run log failed (%s)", path, reason);
    }
    if (st != CS_OK)
        cs_error_set(st, "%s", msg);
    return st;
}
