/* Column lists: the 0-based lists a user gives on the command line ("0,1",
 * "0-3", "0-2,5") to pick columns of a table or rows of a covariance.
 *
 * A list comes from a user, so parsing is bounded before any work: every
 * number must parse without overflow and be below `limit` (the table's width
 * when it is known, CS_COLLIST_MAX otherwise), and the expanded list never
 * holds more than `limit` entries, so a typo cannot allocate gigabytes or
 * loop until memory runs out. Duplicates are found in O(n log n). */
#ifndef COGSCOPE_COLLIST_H
#define COGSCOPE_COLLIST_H

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest `limit` the parser takes: 2^24 columns, more than any table a
 * 64-bit machine of today can hold in memory one row at a time. */
#define CS_COLLIST_MAX ((size_t)1 << 24)

/* Parse `text` into a new array (free() it) of `*count` indices, in the
 * order given, duplicates kept. Every index must be < `limit` (clamped to
 * CS_COLLIST_MAX); `what` names the argument in messages ("--x").
 * CS_EINVAL: empty list, malformed text, a decreasing range, a number that
 * overflows or is >= limit (the message names the number and the limit). */
cs_status cs_collist_parse(const char *text, const char *what, size_t limit, size_t **out, size_t *count);

/* Whether idx[0..n) holds an index twice: returns 1 and sets *dup to the
 * smallest such index, 0 otherwise (also when out of memory for the sorted
 * copy: then -1). O(n log n). */
int cs_collist_find_duplicate(const size_t *idx, size_t n, size_t *dup);

#ifdef __cplusplus
}
#endif
#endif
