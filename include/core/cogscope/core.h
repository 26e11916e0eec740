/* cogscope core: status codes, thread-local error text, matrix views, seeded
 * random numbers, terminal-only progress, thread-count resolution.
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
cs_status cs_error_set(cs_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the current message with context, e.g. the file name:
 * cs_error_prefix("%s: ", path) turns "row 3: ..." into "data.txt: row 3: ...".
 * Returns the status of the last failure, for tail calls. */
cs_status cs_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void cs_error_clear(void);

/* Set-up that must happen before any GSL or HDF5 call: GSL's abort-on-error
 * handler off (once per process) and HDF5's automatic error printing off (once
 * per thread: Debian's HDF5 is thread-safe and keeps that setting per thread).
 * Idempotent and cheap; every library entry point using GSL or HDF5 calls it. */
void cs_init(void);

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

/* Seeded random numbers (GSL's MT19937 underneath). Same seed, same stream.
 * Independent streams for threads or units of work come from
 * cs_rng_create_stream(seed, stream), so results do not depend on scheduling. */
typedef struct cs_rng cs_rng;

cs_status cs_rng_create(uint64_t seed, cs_rng **out);
cs_status cs_rng_create_stream(uint64_t seed, uint64_t stream, cs_rng **out);
void cs_rng_destroy(cs_rng *rng);
double cs_rng_uniform(cs_rng *rng);            /* [0, 1) */
double cs_rng_gaussian(cs_rng *rng, double sd); /* N(0, sd^2) */
uint64_t cs_rng_below(cs_rng *rng, uint64_t n);  /* uniform in [0, n), n >= 1 */
void cs_rng_shuffle_size(cs_rng *rng, size_t *a, size_t n); /* Fisher-Yates */
void cs_rng_permutation(cs_rng *rng, size_t *perm, size_t n); /* perm = shuffled 0..n-1 */

/* Progress on stderr, drawn only when stderr is a terminal (never in pipes,
 * logs or CI). Cheap to update from a loop: redraws at most ~10 times/s. */
typedef struct cs_progress cs_progress;
cs_progress *cs_progress_start(const char *label, uint64_t total);
void cs_progress_update(cs_progress *p, uint64_t done);
void cs_progress_finish(cs_progress *p); /* also frees; NULL is fine */

/* Number of threads to use: `requested` if > 0, otherwise all cores. */
int cs_threads_resolve(int requested);

/* Wall-clock seconds from a monotonic clock, for benchmarks and logs. */
double cs_time_now(void);

#ifdef __cplusplus
}
#endif
#endif
