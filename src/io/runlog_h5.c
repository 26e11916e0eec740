/* The run-log writer's HDF5 helpers: messages that carry HDF5's and errno's
 * reason, names, growable arrays, and the creation of the datasets, groups and
 * types every declared series or snapshot becomes. Shared by the writer
 * (runlog.c) and the declarations (runlog_declare.c); nothing here keeps state. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5attr.h"
#include "runlog_writer.h"

const char *rl_h5_reason(char *buf, size_t n) { return h5_reason(buf, n); }

int rl_valid_name(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > CS_RUNLOG_NAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == '/')
            return 0;
    }
    return 1;
}

/* Record the first failure so later calls (and close) report it too. */
cs_status rlw_fail(cs_runlog_writer *w, cs_status st, const char *fmt, ...)
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

cs_status rlw_fail_h5(cs_runlog_writer *w, const char *what, const char *dset)
{
    char reason[256];
    rl_h5_reason(reason, sizeof reason);
    /* From the first failed write on, nothing more reaches the file: it
     * stays as at its last flush, the state a kill leaves (readable, every
     * flushed row kept), instead of half-written metadata. */
    if (w->file >= 0 && !w->detached)
        w->detached = h5_discard_writes(w->file, 0);
    return rlw_fail(w, CS_EIO, "%s: cannot %s %s (%s)", w->path, what, dset, reason);
}

/* A printf-made string in new memory (NULL when out of memory). */
char *rlw_strf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return s;
}

/* Grow *arr (of *cap elements of `size` bytes) to hold n + 1. */
int rlw_grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 1;
    size_t c = *cap ? 2 * *cap : 8;
    void *p = realloc(*arr, c * size);
    if (!p)
        return 0;
    *arr = p;
    *cap = c;
    return 1;
}

/* ---- datasets ------------------------------------------------------------- */

hid_t rlw_make_dset(hid_t loc, const char *name, const dset_opts *o)
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

const double rl_nan_fill = NAN;
const int64_t rl_minus_one = -1;

/* A growing 1-D series, chunked by RL_SERIES_CHUNK rows, shuffled and
 * deflated; NaN (float) or -1 (integer) fill. */
hid_t rlw_make_series(hid_t loc, const char *name, hid_t ftype)
{
    int is_float = H5Tget_class(ftype) == H5T_FLOAT;
    dset_opts o = {.ftype = ftype,
                   .rank = 1,
                   .dims = {0},
                   .maxdims = {H5S_UNLIMITED},
                   .chunk = {RL_SERIES_CHUNK},
                   .deflate = RL_SERIES_DEFLATE,
                   .shuffle = 1,
                   .fill = is_float ? (const void *)&rl_nan_fill : &rl_minus_one,
                   .fill_type = is_float ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64};
    return rlw_make_dset(loc, name, &o);
}

/* A [snapshot, inner...] dataset of `ftype` (rank = 1 + n_inner), NaN fill,
 * one snapshot per chunk (fewer leading entries of the next axes per chunk
 * when one snapshot exceeds RL_MAX_CHUNK_BYTES). Small entries (energy rows)
 * share a chunk of ~8 kB and go through the cache. *raw_bytes: the bytes of
 * one entry when it is one whole unfiltered chunk stored as native float
 * (the writer then hands float entries to the file as they are), else 0. */
hid_t rlw_make_snapshot(hid_t loc, const char *name, hid_t ftype, int n_inner, const size_t *inner, int deflate,
                        size_t *raw_bytes)
{
    dset_opts o = {.ftype = ftype,
                   .rank = n_inner + 1,
                   .deflate = deflate,
                   .shuffle = deflate > 0,
                   .fill = &rl_nan_fill,
                   .fill_type = H5T_NATIVE_DOUBLE,
                   .direct = 1};
    o.maxdims[0] = H5S_UNLIMITED;
    o.chunk[0] = 1;
    size_t bytes = H5Tget_size(ftype);
    for (int k = 1; k <= n_inner; k++) {
        o.dims[k] = o.maxdims[k] = o.chunk[k] = inner[k - 1];
        bytes *= inner[k - 1];
    }
    if (bytes < 4096) {
        o.chunk[0] = 8192 / bytes;
        o.direct = 0;
    }
    for (int k = 1; k <= n_inner && bytes > RL_MAX_CHUNK_BYTES; k++) {
        /* shrink this axis until the chunk fits */
        size_t rest = bytes / o.chunk[k];
        size_t keep = RL_MAX_CHUNK_BYTES / rest;
        o.chunk[k] = keep ? keep : 1;
        bytes = rest * o.chunk[k];
        o.direct = 0; /* partial chunks: let the cache assemble them */
    }
    *raw_bytes = o.direct && !deflate && H5Tequal(ftype, H5T_NATIVE_FLOAT) > 0 ? bytes : 0;
    return rlw_make_dset(loc, name, &o);
}

/* The group `name` under loc, created when absent; caller closes it. */
hid_t rlw_group_at(hid_t loc, const char *name)
{
    htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
    if (e > 0)
        return H5Gopen2(loc, name, H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    return H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

/* Open `a`/`b` (b may be NULL), creating groups on the way. */
hid_t rlw_group_path(hid_t file, const char *a, const char *b)
{
    hid_t g = rlw_group_at(file, a);
    if (g < 0 || !b)
        return g;
    hid_t h = rlw_group_at(g, b);
    H5Gclose(g);
    return h;
}

hid_t rlw_file_type(cs_runlog_dtype t)
{
    switch (t) {
    case CS_RUNLOG_F64: return H5T_IEEE_F64LE;
    case CS_RUNLOG_F32: return H5T_IEEE_F32LE;
    case CS_RUNLOG_I64: return H5T_STD_I64LE;
    case CS_RUNLOG_I32: return H5T_STD_I32LE;
    case CS_RUNLOG_U64: return H5T_STD_U64LE;
    }
    return H5I_INVALID_HID;
}

hid_t rlw_mem_type(cs_runlog_dtype t)
{
    switch (t) {
    case CS_RUNLOG_F64: return H5T_NATIVE_DOUBLE;
    case CS_RUNLOG_F32: return H5T_NATIVE_FLOAT;
    case CS_RUNLOG_I64: return H5T_NATIVE_INT64;
    case CS_RUNLOG_I32: return H5T_NATIVE_INT32;
    case CS_RUNLOG_U64: return H5T_NATIVE_UINT64;
    }
    return H5I_INVALID_HID;
}
