/* The run-log reader's private state, shared by runlog_read.c (opening,
 * lengths, liveness, reading) and runlog_scan.c (discovering and validating
 * what a file holds: metadata, layers, items). */
#ifndef COGSCOPE_RUNLOG_READER_H
#define COGSCOPE_RUNLOG_READER_H

#include "cogscope/runlog.h"
#include "runlog_internal.h"

#define ANY ((hsize_t)-1)

struct cs_runlog {
    char *path;
    hid_t file;
    int swmr; /* opened in SWMR read mode: a writer had the file open */
    cs_runlog_info info;
    /* layers, in order */
    size_t nl;
    char **lname;
    size_t *lunits;
    /* items and their open datasets (ids[i] belongs to items[i]) */
    cs_runlog_item *items;
    hid_t *ids;
    size_t n_items, cap_items;
    hid_t snap_step; /* /snapshots/step (v1: /probe/step), or invalid */
    hid_t committed; /* /committed, or invalid */
    hid_t probe_inputs, probe_labels;
    /* /config attributes */
    cs_runlog_meta *meta;
    size_t n_meta;
    size_t n_params;
    char **pname;
    double *pval;
    int64_t writer_pid;
    char writer_host[256];
};

/* Discovery (runlog_scan.c): root attributes and /config into info and
 * meta, then layers, items, probe and snapshot steps, each validated; errors
 * name the file and the dataset or attribute. */
cs_status rlr_scan(cs_runlog *r);
/* Free what rlr_scan made (datasets closed by the caller's close_all). */
void rlr_scan_free(cs_runlog *r);

/* Shape of a dataset: rank (or -1) and dims[0..rank-1]. */
int rlr_shape(hid_t d, hsize_t *dims);
/* Read `count` elements at `start` (rank of the dataset) into buf. */
int rlr_read_block(hid_t d, hid_t memtype, int rank, const hsize_t *start, const hsize_t *count, void *buf);
/* "[3 x 4]" (expected: ANY shown as *). */
void rlr_shape_text(char *buf, size_t n, int rank, const hsize_t *dims, int expected);
/* Whether every component of an absolute path exists. */
int rlr_path_exists(hid_t file, const char *path);

#endif
