/* Internal: MI and CMI of cs_info when a variable is discrete and the
 * estimator continuous (the rules in cogscope/info.h, cs_info_params.types).
 * Holds copies of the three roles; values can be asked for with the rows of
 * X permuted (surrogates), from several threads at once. */
#ifndef COGSCOPE_INFO_MIXED_H
#define COGSCOPE_INFO_MIXED_H

#include "cogscope/info.h"

typedef struct info_mixed info_mixed;

/* Check the combination (measure, estimator, types) and copy the data
 * (x n x dx, y n x dy, z n x dz or empty; finite, equal rows: checked by
 * the caller). Discrete roles must hold integers. */
cs_status info_mixed_create(const cs_info_params *p, cs_matrix x, cs_matrix y, cs_matrix z, info_mixed **out);
void info_mixed_destroy(info_mixed *m);

/* The estimate with the rows of X taken in the order perm (n entries; NULL
 * = as given). local: NULL or n entries (MI with ksg1 only). *clamped (may
 * be NULL): the value was negative and set to 0. */
cs_status info_mixed_value(const info_mixed *m, const size_t *perm, double *value, double *local, int *clamped);

/* Tied fraction of the continuous roles (before noise), as cs_info. */
double info_mixed_tied_fraction(const info_mixed *m);

#endif
