/* The run-log writer (schema version 2): an open recorder. Layout in
 * docs/schema.md, life cycle in include/cogscope/runlog.h.
 *
 * Every object is created while the run is being declared, before
 * H5Fstart_swmr_write (SWMR cannot add objects later). Per-step and
 * per-evaluation series are columns of two row tables whose rows are
 * buffered in memory and appended in blocks: one H5Dset_extent + H5Dwrite per
 * dataset per block instead of per row: ~0.1-0.2 us per training step instead
 * of ~120 us (14 datasets, measured; docs/schema.md). Snapshots are large and
 * go to the file at once, one chunk per snapshot.
 *
 * A flush writes the buffered rows, flushes the file, and only then records
 * the row counts in /committed. A reader never trusts more rows than
 * /committed names, so a run killed at any instant (even inside a flush, or
 * after HDF5 evicted some metadata on its own) reads back as the state of the
 * last completed flush, with every series the same length. */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include "cogscope/runlog.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "h5attr.h"
#include "runlog_writer.h"

#ifndef COGSCOPE_VERSION
#define COGSCOPE_VERSION "unknown"
#endif

const char *const rl_config_reserved[] = {"rule",
                                          "activation",
                                          "dataset",
                                          "optimizer",
                                          "layers",
                                          "seed",
                                          "lr",
                                          "momentum",
                                          "batch",
                                          "epochs",
                                          "log_every",
                                          "probe_size",
                                          "pi_alpha",
                                          "pi_gamma",
                                          "relax_iterations",
                                          "relax_samples",
                                          "layer_series",
                                          "flush_interval",
                                          "trainer",
                                          "model",
                                          NULL};

/* ---- row tables ----------------------------------------------------------- */

static void table_free(rl_table *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->dset[c] >= 0)
            H5Dclose(t->dset[c]);
        free(t->path[c]);
    }
    free(t->dset);
    free(t->is_int);
    free(t->path);
    free(t->buf);
    memset(t, 0, sizeof *t);
}

/* A new column: a series dataset `name` in group `gpath` (e.g. "/steps" or
 * "/layers/fc1") of file type `ft`. */
cs_status rlw_table_add(cs_runlog_writer *w, rl_table *t, const char *g1, const char *g2, const char *name, hid_t ft,
                        size_t *col)
{
    if (t->ncols == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        hid_t *d = realloc(t->dset, cap * sizeof *d);
        if (d)
            t->dset = d;
        int *ii = d ? realloc(t->is_int, cap * sizeof *ii) : NULL;
        if (ii)
            t->is_int = ii;
        char **p = ii ? realloc(t->path, cap * sizeof *p) : NULL;
        if (!p)
            return rlw_fail(w, CS_ENOMEM, "%s: out of memory declaring %s", w->path, name);
        t->path = p;
        t->cap = cap;
    }
    size_t c = t->ncols;
    t->dset[c] = H5I_INVALID_HID;
    t->is_int[c] = H5Tget_class(ft) == H5T_INTEGER;
    t->path[c] = g2 ? rlw_strf("/%s/%s/%s", g1, g2, name) : rlw_strf("/%s/%s", g1, name);
    t->ncols++;
    if (!t->path[c])
        return rlw_fail(w, CS_ENOMEM, "%s: out of memory declaring %s", w->path, name);
    hid_t g = rlw_group_path(w->file, g1, g2);
    if (g < 0 || (t->dset[c] = rlw_make_series(g, name, ft)) < 0) {
        if (g >= 0)
            H5Gclose(g);
        return rlw_fail_h5(w, "create", t->path[c]);
    }
    H5Gclose(g);
    *col = c;
    return CS_OK;
}

static inline void *slot(rl_table *t, size_t col, size_t row) { return t->buf + (col * RL_SERIES_CHUNK + row) * 8; }

/* Row `pending` back to the fill values (NaN / -1). */
static void table_clear_row(rl_table *t)
{
    for (size_t c = 0; c < t->ncols; c++)
        memcpy(slot(t, c, t->pending), t->is_int[c] ? (const void *)&rl_minus_one : &rl_nan_fill, 8);
}

static void table_put(rl_table *t, size_t col, double v)
{
    if (t->is_int[col]) {
        int64_t i = isnan(v)                      ? -1
                    : v >= 9.2233720368547748e18  ? INT64_MAX
                    : v <= -9.2233720368547758e18 ? INT64_MIN
                                                  : (int64_t)v;
        memcpy(slot(t, col, t->pending), &i, 8);
    } else {
        memcpy(slot(t, col, t->pending), &v, 8);
    }
}

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
            H5Dwrite(t->dset[c], t->is_int[c] ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT,
                     slot(t, c, 0)) < 0)
            st = rlw_fail_h5(w, "append to", t->path[c]);
        if (fs >= 0)
            H5Sclose(fs);
    }
    H5Sclose(ms);
    if (st == CS_OK) {
        t->written = size;
        t->pending = 0;
        table_clear_row(t);
    }
    return st;
}

/* Completes the row being assembled with `step` in column 0. */
static cs_status table_end_row(cs_runlog_writer *w, rl_table *t, int64_t step, const char *what)
{
    if (t->ncols == 0)
        return cs_error_set(CS_EINVAL, "%s: no %s series was declared", w->path, what);
    memcpy(slot(t, 0, t->pending), &step, 8);
    t->pending++;
    if (t->pending == RL_SERIES_CHUNK)
        return table_write(w, t);
    table_clear_row(t);
    return CS_OK;
}

/* ---- life cycle ----------------------------------------------------------- */

static void writer_free(cs_runlog_writer *w)
{
    if (!w)
        return;
    table_free(&w->steps);
    table_free(&w->eval);
    for (size_t i = 0; i < w->n_decl; i++) {
        if (w->decl[i].dset >= 0)
            H5Dclose(w->decl[i].dset);
        free(w->decl[i].path);
    }
    free(w->decl);
    for (size_t l = 0; l < w->n_layers; l++)
        free(w->layer[l]);
    free(w->layer);
    hid_t ids[] = {w->snap_step, w->committed};
    for (size_t i = 0; i < 2; i++)
        if (ids[i] >= 0)
            H5Dclose(ids[i]);
    if (w->cfg >= 0)
        H5Gclose(w->cfg);
    if (w->file >= 0)
        H5Fclose(w->file);
    if (w->lock_fd >= 0)
        close(w->lock_fd); /* releases the lock */
    free(w->path);
    free(w);
}

/* Open (creating it if need be) and lock `path` before HDF5 touches it.
 * The lock is an open-file-description lock (fcntl F_OFD_SETLK) on a
 * descriptor of the writer's own: HDF5's flock, which it drops when the
 * file switches to SWMR, is a separate kind, so this one holds for the
 * writer's whole life; the kernel releases it when the process ends, killed
 * or not. Readers take no such lock. A second writer fails here, before it
 * could truncate the first one's file. A file system without locks (some
 * NFS mounts) leaves the writer unlocked rather than unable to log. */
static cs_status writer_lock(cs_runlog_writer *w, const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    w->created = fd >= 0;
    if (fd < 0 && errno == EEXIST)
        fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return cs_error_set(CS_EIO, "%s: cannot create the run log (%s)", path, strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
        int e = errno;
        if (e == EAGAIN || e == EACCES) {
            close(fd);
            return cs_error_set(CS_EIO,
                                "%s: another process is writing this run log: refusing to write over it "
                                "(each run needs its own --out)",
                                path);
        }
    }
    w->lock_fd = fd;
    return CS_OK;
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
        uint64_t a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
                 c = (uint64_t)getpid() ^ (uint64_t)(uintptr_t)b;
        memcpy(b, &a, 8);
        memcpy(b + 8, &c, 8);
    }
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static cs_status write_root(cs_runlog_writer *w)
{
    char created[32], host[256] = "", run_id[33];
    make_run_id(run_id);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    gethostname(host, sizeof host - 1);
    int ok = h5_attr_put_string(w->file, "schema", CS_RUNLOG_SCHEMA) &&
             h5_attr_put_num(w->file, "schema_version", H5T_STD_I32LE, H5T_NATIVE_INT,
                             &(int){CS_RUNLOG_SCHEMA_VERSION}, 1, 1) &&
             h5_attr_put_string(w->file, "cogscope_version", COGSCOPE_VERSION) &&
             h5_attr_put_string(w->file, "created", created) && h5_attr_put_string(w->file, "run_id", run_id) &&
             h5_attr_put_i64(w->file, "writer_pid", (int64_t)getpid()) &&
             h5_attr_put_string(w->file, "writer_host", host);
    if (!ok)
        return rlw_fail_h5(w, "write the root attributes of", "/");
    if ((w->cfg = rlw_group_at(w->file, "config")) < 0)
        return rlw_fail_h5(w, "create", "/config");
    return CS_OK;
}

cs_status cs_runlog_create(const char *path, const cs_runlog_options *opt, cs_runlog_writer **out)
{
    h5_setup();
    if (!out)
        return cs_error_set(CS_EINVAL, "cs_runlog_create: out is NULL");
    *out = NULL;
    if (!path || !*path)
        return cs_error_set(CS_EINVAL, "cs_runlog_create: no path given");
    cs_runlog_options o = opt ? *opt : (cs_runlog_options){0};
    if (o.snapshot_deflate < 0 || o.snapshot_deflate > 9)
        return cs_error_set(CS_EINVAL, "%s: snapshot_deflate = %d must be 0 (none) or a deflate level 1..9", path,
                            o.snapshot_deflate);
    if (isnan(o.flush_interval))
        return cs_error_set(CS_EINVAL, "%s: flush_interval is NaN", path);
    cs_runlog_writer *w = calloc(1, sizeof *w);
    if (!w)
        return cs_error_set(CS_ENOMEM, "%s: out of memory", path);
    w->file = w->cfg = w->snap_step = w->committed = H5I_INVALID_HID;
    w->lock_fd = -1;
    w->flush_interval = o.flush_interval > 0 ? o.flush_interval : 1.0;
    w->deflate = o.snapshot_deflate;
    if (!(w->path = strdup(path))) {
        writer_free(w);
        return cs_error_set(CS_ENOMEM, "%s: out of memory", path);
    }
    cs_status st = writer_lock(w, path);
    if (st != CS_OK) {
        writer_free(w);
        return st;
    }
    errno = 0; /* h5_reason's fallback: this call's errno, not a stale one */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* Locking stays on, but a file system without locks (some NFS mounts)
     * must not make logging impossible. */
    if (fapl < 0 || H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST) < 0 ||
        H5Pset_file_locking(fapl, 1, 1) < 0 || (w->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0) {
        char reason[256];
        rl_h5_reason(reason, sizeof reason);
        if (fapl >= 0)
            H5Pclose(fapl);
        int created = w->created;
        writer_free(w);
        if (created)
            unlink(path);
        return cs_error_set(CS_EIO, "%s: cannot create the run log (%s)", path, reason);
    }
    H5Pclose(fapl);
    st = write_root(w);
    if (st != CS_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", cs_last_error());
        int created = w->created;
        writer_free(w);
        if (created)
            unlink(path); /* a half-made log would only mislead; never a file we did not make */
        return cs_error_set(st, "%s", msg);
    }
    *out = w;
    return CS_OK;
}

cs_status rlw_check_writer(cs_runlog_writer *w, const char *fn)
{
    if (!w)
        return cs_error_set(CS_EINVAL, "%s: writer is NULL", fn);
    h5_setup();
    if (w->status != CS_OK)
        return cs_error_set(w->status, "%s", w->errmsg);
    return CS_OK;
}

/* ---- running ---------------------------------------------------------------- */

/* Layer order, the row buffers, /committed; then SWMR. */
cs_status cs_runlog_start(cs_runlog_writer *w)
{
    cs_status st = rlw_check_writer(w, "cs_runlog_start");
    if (st != CS_OK || w->started)
        return st;
    if (w->n_layers) {
        hid_t g = rlw_group_at(w->file, "layers");
        int ok = g >= 0 && h5_attr_put_strings(g, "order", (const char *const *)w->layer, w->n_layers);
        if (g >= 0)
            H5Gclose(g);
        if (!ok)
            return rlw_fail_h5(w, "write the layer order of", "/layers");
    }
    if (!h5_attr_put_f64(w->cfg, "flush_interval", w->flush_interval) && H5Aexists(w->cfg, "flush_interval") <= 0)
        return rlw_fail_h5(w, "write the attributes of", "/config");
    H5Eclear2(H5E_DEFAULT);
    rl_table *tabs[2] = {&w->steps, &w->eval};
    for (int k = 0; k < 2; k++)
        if (tabs[k]->ncols) {
            if (!(tabs[k]->buf = malloc(tabs[k]->ncols * RL_SERIES_CHUNK * 8)))
                return rlw_fail(w, CS_ENOMEM, "%s: cannot allocate a row buffer of %zu columns", w->path,
                                tabs[k]->ncols);
            table_clear_row(tabs[k]);
        }
    /* /committed is contiguous and allocated now, so rewriting it under SWMR
     * touches raw data only, never metadata. */
    int64_t zero[RL_N_COMMITTED] = {0};
    dset_opts co = {.ftype = H5T_STD_I64LE, .rank = 1, .dims = {RL_N_COMMITTED}, .maxdims = {RL_N_COMMITTED}};
    if ((w->committed = rlw_make_dset(w->file, "committed", &co)) < 0 ||
        H5Dwrite(w->committed, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero) < 0)
        return rlw_fail_h5(w, "create", "/committed");
    const char *cols[RL_N_COMMITTED] = {"steps", "snapshots", "evals", "relax_snapshots", "flush_unix_ms"};
    if (!h5_attr_put_strings(w->committed, "columns", cols, RL_N_COMMITTED))
        return rlw_fail_h5(w, "write the attributes of", "/committed");
    H5Gclose(w->cfg);
    w->cfg = H5I_INVALID_HID;
    if (H5Fstart_swmr_write(w->file) < 0)
        return rlw_fail_h5(w, "switch to SWMR writing:", "the file");
    w->started = 1;
    return cs_runlog_flush(w);
}

static cs_status maybe_flush(cs_runlog_writer *w)
{
    if (cs_time_now() - w->last_flush >= w->flush_interval)
        return cs_runlog_flush(w);
    return CS_OK;
}

/* A running writer (started now if it was still declaring). */
static cs_status check_running(cs_runlog_writer *w, const char *fn)
{
    cs_status st = rlw_check_writer(w, fn);
    if (st == CS_OK && !w->started)
        st = cs_runlog_start(w);
    return st;
}

/* The declaration of handle h, of one of the kinds in [k0, k1]. */
static rl_decl *decl_of(cs_runlog_writer *w, cs_runlog_handle h, int series)
{
    if (h < 0 || (size_t)h >= w->n_decl) {
        cs_error_set(CS_EINVAL, "%s: handle %d was not declared in this log", w->path, h);
        return NULL;
    }
    rl_decl *d = &w->decl[h];
    if ((d->table != NULL) != series) {
        cs_error_set(CS_EINVAL, "%s: handle %d is %s (%s)", w->path, h,
                     series ? "a snapshot dataset, written with cs_runlog_put_snapshot"
                            : "a series, written with cs_runlog_put",
                     d->path);
        return NULL;
    }
    return d;
}

cs_status cs_runlog_put(cs_runlog_writer *w, cs_runlog_handle h, double value)
{
    cs_status st = check_running(w, "cs_runlog_put");
    if (st != CS_OK)
        return st;
    rl_decl *d = decl_of(w, h, 1);
    if (!d)
        return CS_EINVAL;
    table_put(d->table, d->col, value);
    return CS_OK;
}

cs_status cs_runlog_end_step(cs_runlog_writer *w, int64_t step)
{
    cs_status st = check_running(w, "cs_runlog_end_step");
    if (st == CS_OK && (st = table_end_row(w, &w->steps, step, "per-step")) == CS_OK)
        st = maybe_flush(w);
    return st;
}

/* Checks every handle before putting any value, so that a bad handle leaves
 * the row being assembled as it was. */
cs_status cs_runlog_append_step(cs_runlog_writer *w, int64_t step, size_t n, const cs_runlog_handle *h,
                                const double *values)
{
    cs_status st = check_running(w, "cs_runlog_append_step");
    if (st != CS_OK)
        return st;
    if (n > 0 && (!h || !values))
        return cs_error_set(CS_EINVAL, "%s: cs_runlog_append_step: %zu values without handles or values", w->path, n);
    for (size_t i = 0; i < n; i++) {
        rl_decl *d = decl_of(w, h[i], 1);
        if (!d)
            return CS_EINVAL;
        if (d->table != &w->steps)
            return cs_error_set(CS_EINVAL, "%s: handle %d is an evaluation series (%s), not a per-step one", w->path,
                                h[i], d->path);
    }
    for (size_t i = 0; i < n; i++)
        table_put(w->decl[h[i]].table, w->decl[h[i]].col, values[i]);
    return cs_runlog_end_step(w, step);
}

cs_status cs_runlog_end_eval(cs_runlog_writer *w, int64_t step)
{
    cs_status st = check_running(w, "cs_runlog_end_eval");
    if (st == CS_OK && (st = table_end_row(w, &w->eval, step, "evaluation")) == CS_OK)
        st = maybe_flush(w);
    return st;
}

/* Float `data` as entry `index` of d (d->raw_bytes: one whole unfiltered
 * chunk), growing the leading axis when needed: the bytes go to the file
 * as they are (H5Dwrite_chunk), without the selections, type path and
 * chunk cache of H5Dwrite, which took ~20% of a 1.6 MB snapshot's write
 * (bench/bench_runlog.c). */
static int write_raw_entry(rl_decl *d, hsize_t index, const float *data)
{
    hsize_t dims[CS_RUNLOG_ENTRY_RANK_MAX + 1], offset[CS_RUNLOG_ENTRY_RANK_MAX + 1] = {index};
    if (d->written < index + 1) {
        hid_t fs = H5Dget_space(d->dset);
        int ok = fs >= 0 && H5Sget_simple_extent_dims(fs, dims, NULL) == d->rank;
        if (fs >= 0)
            H5Sclose(fs);
        dims[0] = index + 1;
        if (!ok || H5Dset_extent(d->dset, dims) < 0)
            return 0;
    }
    return H5Dwrite_chunk(d->dset, H5P_DEFAULT, 0, offset, d->raw_bytes, data) >= 0;
}

/* Write `data` as entry `index` of the leading axis of d, growing it. */
static cs_status write_entry(cs_runlog_writer *w, rl_decl *d, hsize_t index, hid_t memtype, const void *data)
{
    if (d->raw_bytes && memtype == H5T_NATIVE_FLOAT) {
        if (!write_raw_entry(d, index, data))
            return rlw_fail_h5(w, "append to", d->path);
        if (d->written < index + 1)
            d->written = index + 1;
        return CS_OK;
    }
    hid_t fs = H5Dget_space(d->dset);
    hsize_t dims[CS_RUNLOG_ENTRY_RANK_MAX + 1], start[CS_RUNLOG_ENTRY_RANK_MAX + 1] = {index},
                                                                                 count[CS_RUNLOG_ENTRY_RANK_MAX + 1];
    int rank = d->rank, ok = fs >= 0 && H5Sget_simple_extent_dims(fs, dims, NULL) == rank;
    if (ok && dims[0] < index + 1) {
        dims[0] = index + 1;
        H5Sclose(fs);
        fs = H5I_INVALID_HID;
        ok = H5Dset_extent(d->dset, dims) >= 0 && (fs = H5Dget_space(d->dset)) >= 0;
    }
    hid_t ms = H5I_INVALID_HID;
    if (ok) {
        memcpy(count, dims, sizeof dims);
        count[0] = 1;
        ok = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
             (ms = H5Screate_simple(rank, count, NULL)) >= 0 &&
             H5Dwrite(d->dset, memtype, ms, fs, H5P_DEFAULT, data) >= 0;
    }
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    if (!ok)
        return rlw_fail_h5(w, "append to", d->path);
    if (d->written < index + 1)
        d->written = index + 1;
    return CS_OK;
}

static cs_status put_entry(cs_runlog_writer *w, cs_runlog_handle h, hid_t memtype, const void *data, const char *fn)
{
    cs_status st = check_running(w, fn);
    if (st != CS_OK)
        return st;
    rl_decl *d = decl_of(w, h, 0);
    if (!d)
        return CS_EINVAL;
    if (!data)
        return cs_error_set(CS_EINVAL, "%s: %s: no data for %s", w->path, fn, d->path);
    if ((st = write_entry(w, d, w->snapshots, memtype, data)) != CS_OK)
        return st;
    if (d->kind != CS_RUNLOG_SNAPSHOT && w->relax_count < w->snapshots + 1)
        w->relax_count = w->snapshots + 1;
    return CS_OK;
}

cs_status cs_runlog_put_snapshot(cs_runlog_writer *w, cs_runlog_handle h, const float *data)
{
    return put_entry(w, h, H5T_NATIVE_FLOAT, data, "cs_runlog_put_snapshot");
}

cs_status cs_runlog_put_snapshot_f64(cs_runlog_writer *w, cs_runlog_handle h, const double *data)
{
    return put_entry(w, h, H5T_NATIVE_DOUBLE, data, "cs_runlog_put_snapshot_f64");
}

cs_status cs_runlog_end_snapshot(cs_runlog_writer *w, int64_t step)
{
    cs_status st = check_running(w, "cs_runlog_end_snapshot");
    if (st != CS_OK)
        return st;
    if (w->snap_step < 0)
        return cs_error_set(CS_EINVAL, "%s: no snapshot dataset was declared", w->path);
    rl_decl sd = {.dset = w->snap_step, .rank = 1, .path = "/snapshots/step"};
    if ((st = write_entry(w, &sd, w->snapshots, H5T_NATIVE_INT64, &step)) != CS_OK)
        return st;
    w->snapshots++;
    return maybe_flush(w);
}

cs_status cs_runlog_flush(cs_runlog_writer *w)
{
    cs_status st = check_running(w, "cs_runlog_flush");
    if (st != CS_OK || !w->started)
        return st; /* start() flushes once it switched to SWMR */
    if ((st = table_write(w, &w->steps)) != CS_OK || (st = table_write(w, &w->eval)) != CS_OK)
        return st;
    if (H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0)
        return rlw_fail_h5(w, "flush", "the file");
    /* Only now that the rows are in the file may the counts name them. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    hsize_t relax = w->relax_count < w->snapshots ? w->relax_count : w->snapshots;
    int64_t c[RL_N_COMMITTED] = {(int64_t)w->steps.written, (int64_t)w->snapshots, (int64_t)w->eval.written,
                                 (int64_t)relax, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000};
    if (H5Dwrite(w->committed, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, c) < 0 || H5Dflush(w->committed) < 0)
        return rlw_fail_h5(w, "update", "/committed");
    w->last_flush = cs_time_now();
    return CS_OK;
}

cs_status cs_runlog_close_marked(cs_runlog_writer *w, const char *end_state, const char *end_reason)
{
    if (!w)
        return CS_OK;
    char path[1024];
    snprintf(path, sizeof path, "%s", w->path);
    cs_status st = cs_runlog_close(w);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", st != CS_OK ? cs_last_error() : "");
    if (!end_state)
        return st;
    /* The writer's SWMR mode forbids new attributes; the file is closed now. */
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    int ok = f >= 0 && h5_attr_put_string(f, "end_state", end_state) &&
             h5_attr_put_string(f, "end_reason", end_reason ? end_reason : "");
    if (f >= 0 && H5Fclose(f) < 0)
        ok = 0;
    if (st != CS_OK)
        return cs_error_set(st, "%s", msg);
    if (!ok) {
        char reason[256];
        rl_h5_reason(reason, sizeof reason);
        return cs_error_set(CS_EIO, "%s: marking the run log as %s failed (%s)", path, end_state, reason);
    }
    return CS_OK;
}

cs_status cs_runlog_close(cs_runlog_writer *w)
{
    if (!w)
        return CS_OK;
    cs_status st = w->status == CS_OK ? cs_runlog_flush(w) : w->status;
    char msg[512], path[256];
    snprintf(msg, sizeof msg, "%s", w->status != CS_OK ? w->errmsg : cs_last_error());
    snprintf(path, sizeof path, "%s", w->path);
    hid_t file = w->file;
    int lock_fd = w->lock_fd;
    w->file = H5I_INVALID_HID;
    w->lock_fd = -1; /* held until the file is closed */
    writer_free(w);  /* closes every dataset first */
    /* The flush above found any failing write and detached the file
     * (rlw_fail_h5), so closing writes nothing more to it. */
    if (file >= 0 && H5Fclose(file) < 0) {
        char reason[256];
        rl_h5_reason(reason, sizeof reason);
        if (st == CS_OK)
            st = cs_error_set(CS_EIO, "%s: closing the run log failed (%s)", path, reason);
        snprintf(msg, sizeof msg, "%s", cs_last_error());
    }
    if (lock_fd >= 0)
        close(lock_fd);
    if (st != CS_OK)
        cs_error_set(st, "%s", msg);
    return st;
}
