/* Degenerate columns and ties in sample matrices (samples x variables), the
 * checks every estimator front end runs before estimating:
 *
 *   cs_columns_degenerate  which columns are constant or exact copies of an
 *                          earlier column (they carry no information of
 *                          their own and make covariances singular; callers
 *                          drop them with a note, or refuse under --strict)
 *   cs_columns_tied_fraction  the fraction of rows sharing a value with
 *                          another row in at least one column: what makes
 *                          nearest-neighbour (KSG) counts ill-defined unless
 *                          noise is added (cogscope/info.h, noise_sd)
 *   cs_columns_jitter      z-score-scaled seeded Gaussian noise, the tie
 *                          breaking of the KSG estimators
 *
 * "Exact" means bitwise-equal doubles (0.0 and -0.0 count as equal, NaN is
 * refused). O(d n) expected for the ties (hashing), O(d^2 n) worst case for
 * the copies. */
#ifndef COGSCOPE_COLUMNS_H
#define COGSCOPE_COLUMNS_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_COLUMN_OK (-1)       /* usable */
#define CS_COLUMN_CONSTANT (-2) /* every row holds the same value */

/* same_as[j] (x.cols entries): CS_COLUMN_OK, CS_COLUMN_CONSTANT, or the index
 * (>= 0) of the first earlier column that column j copies exactly (a copy of
 * a constant column is reported as constant). *n_usable (may be NULL)
 * receives the number of CS_COLUMN_OK columns. CS_ENONFINITE for NaN/Inf. */
cs_status cs_columns_degenerate(cs_matrix x, long *same_as, size_t *n_usable);

/* Fraction in [0, 1] of the rows i for which some column j has
 * x[i][j] == x[i'][j] for another row i' (0 for fewer than 2 rows). */
cs_status cs_columns_tied_fraction(cs_matrix x, double *fraction);

/* 1 when every row of column j holds the same value (x.rows >= 1), else 0. */
int cs_columns_constant(cs_matrix x, size_t j);

/* Mean of column j (x.rows >= 1) and the sum of squared deviations from it,
 * two passes (mean first): the one column-scale computation that the jitter
 * and the KSG z-scoring share, so they agree bit for bit. */
void cs_columns_mean_ss(cs_matrix x, size_t j, double *mean, double *ss);

/* Add noise in place: x[i][j] += sd_j * noise_sd * N(0, 1), sd_j the sample
 * (n - 1) standard deviation of column j (1 for a constant column), so the
 * noise is noise_sd in units of each column's own scale, i.e. after
 * z-scoring (JIDT's convention). Draws from cs_rng_create(seed), row by row,
 * so the result depends only on the seed. noise_sd == 0 leaves x unchanged. */
cs_status cs_columns_jitter(cs_matrix x, double noise_sd, uint64_t seed);

#ifdef __cplusplus
}
#endif
#endif
