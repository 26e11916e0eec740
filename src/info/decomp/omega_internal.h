/* The pieces of Omega of a whole layer (cogscope/omega.h) that omega.c
 * drives: standardising columns, principal components of a block, and the
 * minimum-information bipartition (omega_parts.c). Not a public header. */
#ifndef COGSCOPE_OMEGA_INTERNAL_H
#define COGSCOPE_OMEGA_INTERNAL_H

#include <stddef.h>

#include "cogscope/core.h"

/* A block of standardised columns and its principal axes. */
typedef struct {
    size_t n, m;  /* rows, columns */
    double *z;    /* n x m, row-major: standardised columns */
    double *eval; /* m eigenvalues of z's covariance (divisor n - 1), descending */
    double *evec; /* m x m row-major: column j is the axis of eval[j] */
    size_t rank;  /* eigenvalues above 1e-10 of the largest */
} omega_block;

/* Standardise the non-constant columns of x (n x d) into a new n x m block
 * b->z: copula-normalised (copula != 0, cogscope/gcopula.h; ties broken at
 * random by 1e-8 sd of noise from `seed`, stream 2^40 + column) or z-scored
 * (sample sd). keep (d entries, may be NULL) receives 1 for a kept column,
 * 0 for a constant one. x must be finite (checked by the caller). */
cs_status omega_standardise(cs_matrix x, int copula, uint64_t seed, omega_block *b, unsigned char *keep);

/* The columns cols[0..m) of z (n x ld) as a new standardised block (copied). */
cs_status omega_block_select(const double *z, size_t n, size_t ld, const size_t *cols, size_t m, omega_block *b);

/* Fill b->eval, b->evec, b->rank from b->z (LAPACK dsyevr). */
cs_status omega_block_eigen(omega_block *b);

/* Whitened scores of the k leading components (k <= b->rank) into out
 * (n rows, row stride ld): out[i][j] = z_i . v_j / sqrt(eval_j). */
void omega_block_project(const omega_block *b, size_t k, double *out, size_t ld);

void omega_block_free(omega_block *b);

/* The minimum-information bipartition of the m columns of z (n x m,
 * standardised): in_b[j] = 1 for the columns of B, 0 for A (|A| =
 * floor(m / 2), column 0 always in A). Exhaustive over balanced splits when
 * m <= exact_max (*exact = 1), else spectral bisection (*exact = 0).
 * *mi_ab: the Gaussian I(A;B) of the split (nats, ridge 1e-6). m >= 2. */
cs_status omega_bipartition(const double *z, size_t n, size_t m, size_t exact_max, unsigned char *in_b, int *exact,
                            double *mi_ab);

#endif
