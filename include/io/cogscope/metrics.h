/* cs_metrics: the results of an analysis as named double arrays (rank 1..3,
 * each with units and a description) plus attributes and notes, and their
 * HDF5 file (schema "cogscope-metrics", docs/schema.md). The io layer owns
 * the file format next to the run log; `cogscope analyze` (cogscope/observe.h)
 * fills a cs_metrics from its metric table, reports read it back. */
#ifndef COGSCOPE_METRICS_H
#define COGSCOPE_METRICS_H

#include <stddef.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- metrics: named arrays + attributes, as one HDF5 file ---------------- */

#define CS_METRICS_SCHEMA "cogscope-metrics"
#define CS_METRICS_SCHEMA_VERSION 1
#define CS_METRICS_MAX_RANK 3

typedef struct {
    char path[128]; /* absolute, e.g. "/analysis/layers/1/tc" */
    size_t rank;    /* 1..CS_METRICS_MAX_RANK */
    size_t dims[CS_METRICS_MAX_RANK];
    size_t count;   /* product of dims (may be 0) */
    double *data;   /* count values, row-major; NaN = not computed */
    char units[24]; /* "nats", "steps", "cycles/step", "1" (dimensionless), ... */
    char description[240];
} cs_metrics_array;

typedef struct cs_metrics cs_metrics;

cs_status cs_metrics_create(cs_metrics **out);
void cs_metrics_destroy(cs_metrics *m); /* NULL is fine */

/* Add (or replace) the array at `path` (absolute, components of letters,
 * digits, '_', '-', '.'; at most 127 characters): rank 1..3 with dims[0..rank),
 * data copied (NULL: filled with NaN). */
cs_status cs_metrics_put(cs_metrics *m, const char *path, size_t rank, const size_t *dims, const double *data,
                         const char *units, const char *description);

/* Shorthand for a rank-1 array of n values. */
cs_status cs_metrics_put1(cs_metrics *m, const char *path, size_t n, const double *data, const char *units,
                          const char *description);

size_t cs_metrics_count(const cs_metrics *m);
const cs_metrics_array *cs_metrics_at(const cs_metrics *m, size_t i);          /* insertion order */
const cs_metrics_array *cs_metrics_get(const cs_metrics *m, const char *path); /* NULL if absent */

/* Attributes of the /analysis group: strings or numbers. */
cs_status cs_metrics_set_attr(cs_metrics *m, const char *key, const char *value);
cs_status cs_metrics_set_attr_num(cs_metrics *m, const char *key, double value);
/* The attribute as text (numbers formatted with %.17g); NULL if absent. */
const char *cs_metrics_attr(const cs_metrics *m, const char *key);
/* The attribute as a number; NaN if absent or not numeric. */
double cs_metrics_attr_num(const cs_metrics *m, const char *key);
size_t cs_metrics_attr_count(const cs_metrics *m);
const char *cs_metrics_attr_name(const cs_metrics *m, size_t i);
int cs_metrics_attr_is_num(const cs_metrics *m, size_t i);

/* Notes: sentences about what could not be computed or was approximated
 * ("layer 1 snapshot 3: TC: singular covariance ..."). */
cs_status cs_metrics_add_note(cs_metrics *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t cs_metrics_note_count(const cs_metrics *m);
const char *cs_metrics_note(const cs_metrics *m, size_t i);

/* Write everything to `path` (created or replaced: written to a temporary
 * file next to it, then renamed, so a reader never sees half a file). The
 * root carries schema = "cogscope-metrics" and schema_version; arrays are
 * float64 datasets with "units" and "description" attributes; attributes
 * and notes belong to the /analysis group. */
cs_status cs_metrics_write(const cs_metrics *m, const char *path);

/* Read a file written by cs_metrics_write. CS_ESCHEMA (naming the file) for
 * an HDF5 file of another schema or a schema version from the future;
 * CS_EIO for a missing or unreadable file. */
cs_status cs_metrics_read(const char *path, cs_metrics **out);

#ifdef __cplusplus
}
#endif
#endif
