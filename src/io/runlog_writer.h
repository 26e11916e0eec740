/* The run-log writer's private state, shared by runlog.c (creation, row
 * tables, appending, flushing) and runlog_declare.c (metadata and
 * declarations). */
#ifndef COGSCOPE_RUNLOG_WRITER_H
#define COGSCOPE_RUNLOG_WRITER_H

#include "cogscope/runlog.h"
#include "runlog_internal.h"

/* ---- state ---------------------------------------------------------------- */

/* Columns of one row table share a row buffer of 8-byte slots (int64 or
 * double), column-major, so a block is written with one H5Dwrite per column.
 * Column 0 is the table's "step". */
typedef struct {
    size_t ncols, cap;
    hid_t *dset;
    int *is_int; /* memory slot is int64 (else double) */
    char **path;
    unsigned char *buf; /* ncols x RL_SERIES_CHUNK slots, allocated at start */
    size_t pending;     /* complete rows in buf; row `pending` is being assembled */
    hsize_t written;
} rl_table;

/* One declared series or dataset (the index is its handle). */
typedef struct {
    cs_runlog_kind kind;
    rl_table *table; /* series: its table and column */
    size_t col;
    hid_t dset; /* snapshot-like datasets */
    char *path;
    int rank;         /* of the dataset */
    hsize_t written;  /* snapshot-like: current extent of the leading axis */
    size_t raw_bytes; /* > 0: an entry is one whole unfiltered chunk of native floats, of
                       * these bytes, which float data reach the file by (write_entry) */
} rl_decl;

struct cs_runlog_writer {
    char *path;
    hid_t file, cfg;
    double flush_interval, last_flush;
    int deflate, started;
    char **layer; /* names, in order */
    size_t n_layers, cap_layers;
    rl_table steps, eval;
    rl_decl *decl;
    size_t n_decl, cap_decl;
    hid_t snap_step; /* /snapshots/step, once a snapshot dataset exists */
    hid_t committed;
    hsize_t snapshots, relax_count;
    size_t relax_iterations, relax_samples;
    int has_probe;
    cs_status status; /* first failure; the writer refuses further work */
    char errmsg[512];
    int lock_fd;  /* holds the writer's lock on the file (-1: none) */
    int created;  /* this writer created the file (so may remove it) */
    int detached; /* writes go to /dev/null since a write failed */
};

typedef struct {
    hid_t ftype; /* file type */
    int rank;
    hsize_t dims[CS_RUNLOG_ENTRY_RANK_MAX + 1];    /* initial extent */
    hsize_t maxdims[CS_RUNLOG_ENTRY_RANK_MAX + 1]; /* H5S_UNLIMITED on the growing axis */
    hsize_t chunk[CS_RUNLOG_ENTRY_RANK_MAX + 1];   /* chunk[0] == 0: contiguous */
    int deflate;                                   /* level, or 0 */
    int shuffle;
    const void *fill; /* in fill_type */
    hid_t fill_type;
    int direct; /* bypass the chunk cache: every write is whole chunks */
} dset_opts;

/* Fill values of unwritten cells: NaN for float series, -1 for integer ones
 * (runlog_h5.c). */
extern const double rl_nan_fill;
extern const int64_t rl_minus_one;

cs_status rlw_fail(cs_runlog_writer *w, cs_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
cs_status rlw_fail_h5(cs_runlog_writer *w, const char *what, const char *dset);
char *rlw_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rlw_grow(void **arr, size_t *cap, size_t n, size_t size);
hid_t rlw_make_dset(hid_t loc, const char *name, const dset_opts *o);
hid_t rlw_make_series(hid_t loc, const char *name, hid_t ftype);
hid_t rlw_make_snapshot(hid_t loc, const char *name, hid_t ftype, int n_inner, const size_t *inner, int deflate,
                        size_t *raw_bytes);
hid_t rlw_group_at(hid_t loc, const char *name);
hid_t rlw_group_path(hid_t file, const char *a, const char *b);
hid_t rlw_file_type(cs_runlog_dtype t);
hid_t rlw_mem_type(cs_runlog_dtype t);
cs_status rlw_table_add(cs_runlog_writer *w, rl_table *t, const char *g1, const char *g2, const char *name, hid_t ft,
                        size_t *col);
cs_status rlw_check_writer(cs_runlog_writer *w, const char *fn);

/* Compression, measured with bench/bench_runlog.c (figures in docs/schema.md):
 * per-step series are a few kB per second; deflate 1 + shuffle stores them
 * as small as level 4 did (3.38 MB against 3.38 for 10,000 steps with the
 * probe) with a third less time per step, most of it the flushes, which
 * compress the partial 1024-row chunks again (2.1-2.4 against 3.3-3.5 us a
 * step on the AMD EPYC, 2026-12-02). Snapshots are megabytes per second of float32 noise:
 * even deflate 1 costs ~50x the uncompressed write for ~25% fewer bytes,
 * which would break the 10% logging budget, so they are stored uncompressed
 * unless the options ask otherwise. */
#define RL_SERIES_DEFLATE 1
/* Upper bound on one chunk of a snapshot dataset (bytes). */
#define RL_MAX_CHUNK_BYTES (16u << 20)

#endif
