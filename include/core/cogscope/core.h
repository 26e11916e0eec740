/* cogscope core: status codes, thread-local error text, matrix views,
 * terminal-only progress, thread-count resolution. Depends on libc only
 * (seeded random numbers, on GSL, are in cogscope/rng.h).
 *
 * Every fallible library function returns a cs_status; CS_OK is 0. On failure
 * the function has called cs_error_set(), so cs_last_error() gives a sentence
 * naming the file, dataset, row, column or argument at fault. The text is
 * thread-local: two threads analysing two logs do not see each other's errors.
 * The library never prints, exits or aborts on bad input. */
#ifndef COGSCOPE_CORE_H
#define COGSCOPE_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CS_OK = 0,
    CS_EINVAL,     /* an argument is out of its domain (names the argument) */
    CS_ENOMEM,     /* an allocation failed or would exceed a stated limit */
    CS_EIO,        /* a file could not be opened, read or written */
    CS_EFORMAT,    /* a file's content is malformed (names file, row, column) */
    CS_ESCHEMA,    /* an HDF5 file is not a cogscope run log of a known schema */
    CS_ENONFINITE, /* NaN or Inf in input data (names row and column) */
    CS_ESINGULAR,  /* a matrix is singular or not positive definite */
    CS_ESHAPE,     /* array shapes do not match */
    CS_ELIMIT,     /* the work asked for exceeds a configured limit */
    CS_ENOCONV,    /* an iterative method did not converge */
    CS_EINTERNAL,  /* a library call failed for a reason not covered above */
    CS_STATUS_COUNT
} cs_status;

/* One-line description of a status code ("invalid argument", ...). */
const char *cs_strerror(cs_status status);

/* The message of the last failure on this thread, or "" if none. */
const char *cs_last_error(void);

/* Record a failure on this thread and return `status`, so callers can write
 * `return cs_error_set(CS_EINVAL, "k = %d must be >= 1", k);`. */
cs_status cs_error_set(cs_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefix the current message with context, e.g. the file name:
 * cs_error_prefix("%s: ", path) turns "row 3: ..." into "data.txt: row 3: ...".
 * Returns the status of the last failure, for tail calls. */
cs_status cs_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void cs_error_clear(void);

/* A view of a row-major matrix of doubles: samples x variables. `stride` is the
 * distance in elements between the starts of consecutive rows (>= cols). The
 * view never owns its data. */
typedef struct {
    double *data;
    size_t rows;
    size_t cols;
    size_t stride;
} cs_matrix;

static inline cs_matrix cs_matrix_view(double *data, size_t rows, size_t cols)
{
    cs_matrix m = {data, rows, cols, cols};
    return m;
}

static inline double *cs_matrix_row(cs_matrix m, size_t i) { return m.data + i * m.stride; }
static inline double cs_matrix_get(cs_matrix m, size_t i, size_t j) { return m.data[i * m.stride + j]; }

/* An owned, contiguous matrix (stride == cols). */
cs_status cs_matrix_alloc(size_t rows, size_t cols, cs_matrix *out);
void cs_matrix_free(cs_matrix *m);

/* CS_ENONFINITE naming the first (row, column) holding NaN or Inf; `what`
 * names the array in the message ("input data.txt"). */
cs_status cs_matrix_check_finite(cs_matrix m, const char *what);

/* Copy columns `cols[0..ncols)` of `src` into a new contiguous matrix. Column
 * indices out of range give CS_EINVAL naming the index. */
cs_status cs_matrix_select_cols(cs_matrix src, const size_t *cols, size_t ncols, cs_matrix *out);

/* Room for element n of an array of *cap elements of `elem` bytes: `items`
 * itself while n < *cap, otherwise the array realloc'ed to twice its capacity
 * (`first` elements when empty) with *cap updated. NULL when out of memory
 * (or on size overflow); `items` and *cap are then left as they were. */
void *cs_grow(void *items, size_t *cap, size_t n, size_t elem, size_t first);

/* Progress on stderr, drawn only when stderr is a terminal (never in pipes,
 * logs or CI). Cheap to update from a loop: redraws at most ~10 times/s. */
typedef struct cs_progress cs_progress;
cs_progress *cs_progress_create(const char *label, uint64_t total);
void cs_progress_update(cs_progress *p, uint64_t done);
void cs_progress_destroy(cs_progress *p); /* clears the line and frees; NULL is fine */

/* Number of threads to use: `requested` if > 0, otherwise all cores. */
int cs_threads_resolve(int requested);

/* Wall-clock seconds from a monotonic clock, for benchmarks and logs. */
double cs_time_now(void);

#ifdef __cplusplus
}
#endif
#endif
