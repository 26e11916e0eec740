/* Discrete (plug-in) information estimators: integer-coded samples, joint
 * symbols of any set of columns, counts, plug-in entropy with optional
 * Miller-Madow correction, binning of continuous data.
 *
 * All entropies are in nats. The building block for everything is a "code
 * vector": one int32 per sample in [0, n_states), where n_states counts the
 * joint states that actually occur (codes are dense). Joint entropies of any
 * column subset, MI, CMI and TE are sums of entropies of code vectors, so
 * higher-order measures (TC, DTC, O-information, PID) reuse the same calls.
 *
 * Example (joint entropy of columns 0 and 2 of integer data in bits):
 *     cs_symbols s; double h;
 *     cs_discrete_from_matrix(m, 0, &s);
 *     size_t cols[] = {0, 2};
 *     cs_discrete_entropy(&s, cols, 2, 0, &h);   h / M_LN2 bits
 *     cs_symbols_free(&s);
 */
#ifndef COGSCOPE_DISCRETE_H
#define COGSCOPE_DISCRETE_H

#include <stdint.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Integer-coded samples: rows x cols, row-major, contiguous; column j takes
 * values in [0, alphabet[j]). Owned; free with cs_symbols_free. */
typedef struct {
    int32_t *data; /* rows * cols */
    size_t rows, cols;
    int32_t *alphabet; /* cols entries, each >= 1 */
} cs_symbols;

/* Zero-filled symbols with every alphabet set to 1. */
cs_status cs_symbols_alloc(size_t rows, size_t cols, cs_symbols *out);
void cs_symbols_free(cs_symbols *s);

/* Integer-valued doubles (rows x cols) -> symbols.
 * alphabet > 0: every value must be an integer in [0, alphabet); all columns
 *   get that alphabet (as Inform's and JIDT's `base`).
 * alphabet == 0: inferred per column: the distinct values of column j (any
 *   integers, negative allowed) are recoded 0..m_j-1 in increasing order and
 *   alphabet[j] = m_j. Recoding does not change any entropy.
 * Errors name the row and column: NaN/Inf (CS_ENONFINITE), a non-integer or
 * out-of-range value (CS_EINVAL), |value| >= 2^31 (CS_EINVAL). */
cs_status cs_discrete_from_matrix(cs_matrix x, int32_t alphabet, cs_symbols *out);

typedef enum {
    CS_BIN_EQUAL_WIDTH, /* bins of equal width between the column's min and max; the max
                           falls in the last bin */
    CS_BIN_EQUAL_FREQ   /* bin = floor(r * bins / n) for the 0-based rank r of the value,
                           where tied values all take the rank of the first of them in
                           sorted order, so equal values always share a bin */
} cs_binning;

/* Bin each column of continuous data x (rows x cols) into `bins` >= 1 bins;
 * every alphabet is `bins` (some bins may be empty). A constant column puts
 * every sample in bin 0. NaN/Inf give CS_ENONFINITE naming row and column. */
cs_status cs_discrete_bin(cs_matrix x, size_t bins, cs_binning how, cs_symbols *out);

/* Joint symbol per row of the columns cols[0..ncols) of s: codes (s->rows
 * entries) in [0, *n_states), numbered in lexicographic order of the occurring
 * combinations (cols[0] most significant). ncols == 0 gives one state (all
 * codes 0). Never overflows, whatever the alphabets: mixed-radix codes when
 * the product of alphabets is small, otherwise pairwise combination with
 * sorting, O(rows log rows) per column. Column index out of range: CS_EINVAL. */
cs_status cs_discrete_joint(const cs_symbols *s, const size_t *cols, size_t ncols, int32_t *codes, size_t *n_states);

/* cs_discrete_joint over all of s's columns, in order. */
cs_status cs_discrete_joint_all(const cs_symbols *s, int32_t *codes, size_t *n_states);

/* Combine two dense code vectors of length n (a in [0, na), b in [0, nb))
 * into one dense code vector `out` (may alias a or b) with *n_out states,
 * numbered in lexicographic order of the occurring pairs (a, b). */
cs_status cs_discrete_pair(const int32_t *a, size_t na, const int32_t *b, size_t nb, size_t n, int32_t *out,
                           size_t *n_out);

/* Histogram of dense codes: counts has n_states entries (zeroed first). */
void cs_discrete_counts(const int32_t *codes, size_t n, size_t n_states, size_t *counts);

/* Plug-in entropy H = -sum p ln p (nats) of dense codes; miller_madow adds
 * (m - 1) / (2n), m = number of states with a non-zero count. Needs n >= 1. */
cs_status cs_discrete_entropy_codes(const int32_t *codes, size_t n, size_t n_states, int miller_madow, double *h);

/* Local entropies h_i = -ln p(code_i) (+ (m-1)/(2n) with miller_madow), so
 * their mean equals cs_discrete_entropy_codes. local: n entries. */
cs_status cs_discrete_local_entropy_codes(const int32_t *codes, size_t n, size_t n_states, int miller_madow,
                                          double *local);

/* Joint entropy (nats) of columns cols[0..ncols) of s. */
cs_status cs_discrete_entropy(const cs_symbols *s, const size_t *cols, size_t ncols, int miller_madow, double *h);

/* Product of the alphabets of cols (as a double: it may exceed any integer
 * type); used for degrees of freedom of the chi-squared null. */
double cs_discrete_alphabet_product(const cs_symbols *s, const size_t *cols, size_t ncols);

#ifdef __cplusplus
}
#endif
#endif
