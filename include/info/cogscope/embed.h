/* Time-series embedding for transfer entropy (TE) and active information
 * storage (AIS), with JIDT's conventions. Every estimator family (discrete,
 * Gaussian, Gaussian-copula, KSG) consumes the same embedded matrix, so the
 * conventions below hold for all of them.
 *
 * Notation: series are row-major matrices, one row per time step (rows =
 * time 0..n-1, columns = the components of a multivariate series).
 *
 *   Y^{(k)}_t = (Y_t, Y_{t-k_tau}, ..., Y_{t-(k-1) k_tau})        destination past
 *   X^{(l)}_s = (X_s, X_{s-l_tau}, ..., X_{s-(l-1) l_tau})        source past
 *   Z^{(m)}_r = (Z_r, Z_{r-m_tau}, ..., Z_{r-(m-1) m_tau})        conditioning past
 *
 *   TE_{X->Y|Z} = I( Y_{t+1} ; X^{(l)}_{t+1-u} | Y^{(k)}_t , Z^{(m)}_{t+1-w} )
 *   AIS_X      = I( X^{(k)}_t ; X_{t+1} )
 *
 * u is the source-destination delay (u = 1: the source value at time t
 * predicts the destination at t+1), w the conditioning-destination delay.
 * Without Z this is JIDT's TransferEntropyCalculator(k, k_tau, l, l_tau, u);
 * with Z it is JIDT's ConditionalTransferEntropyCalculator with one
 * conditional embedding (m, m_tau, w) shared by all columns of Z.
 *
 * Usable time points: t runs from
 *     t_first = max((k-1) k_tau, u - 1 + (l-1) l_tau, w - 1 + (m-1) m_tau)
 * to n - 2, so there are n_obs = n - 1 - t_first rows (AIS: t_first =
 * (k-1) k_tau). Row i of the embedding belongs to t = t_first + i; its "time
 * index" is the row of the input holding its future value, t + 1. Two rows
 * i, j are temporally close when |time[i] - time[j]| is small (the KSG
 * Theiler window uses this).
 *
 * Column layout of the embedded matrix (one contiguous owned matrix):
 *
 *   [ future | past | source | cond ]
 *
 *   future: Y_{t+1}              d_future = dy columns   (AIS: X_{t+1})
 *   past:   Y^{(k)}_t            d_past   = k * dy       (AIS: X^{(k)}_t)
 *   source: X^{(l)}_{t+1-u}      d_source = l * dx       (AIS: 0 columns)
 *   cond:   Z^{(m)}_{t+1-w}      d_cond   = m * dz       (0 without Z)
 *
 * Inside a history block the columns are lag-major: lag 0 (most recent)
 * first with all components of the series in their input order, then lag 1,
 * ... So past column j*dy + c holds Y[t - j*k_tau][c]. origin[col] gives the
 * input column c a block column was copied from (useful to carry per-column
 * alphabets of discrete data through the embedding).
 *
 * Then: TE = CMI(source ; future | past, cond), AIS = MI(past ; future). */
#ifndef COGSCOPE_EMBED_H
#define COGSCOPE_EMBED_H

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t k;     /* destination history length (AIS: history length), >= 1 */
    size_t k_tau; /* spacing of destination history samples, >= 1 */
    size_t l;     /* source history length, >= 1 */
    size_t l_tau; /* spacing of source history samples, >= 1 */
    size_t u;     /* source-destination delay, >= 1 */
    size_t m;     /* conditioning history length, >= 1 (used only with Z) */
    size_t m_tau; /* spacing of conditioning history samples, >= 1 */
    size_t w;     /* conditioning-destination delay, >= 1 (used only with Z) */
} cs_embed_params;

/* All lengths, spacings and delays 1: TE = I(Y_{t+1}; X_t | Y_t [, Z_t]). */
void cs_embed_params_default(cs_embed_params *p);

/* An embedded data set; every array is owned (free with cs_embedding_free). */
typedef struct {
    cs_matrix data;          /* n x (d_future + d_past + d_source + d_cond), contiguous */
    size_t n;                /* usable time points = data.rows */
    size_t future, d_future; /* first column and width of each block */
    size_t past, d_past;
    size_t source, d_source;
    size_t cond, d_cond;
    size_t t_first; /* t of row 0; row i has t = t_first + i */
    size_t *time;   /* n entries: time[i] = t_first + i + 1 (row of the future value) */
    size_t *origin; /* data.cols entries: input column each embedded column came from */
} cs_embedding;

/* Number of usable rows for a series of n time steps (0 if too short);
 * `with_cond` says whether a conditioning series takes part. */
size_t cs_embed_te_count(size_t n, const cs_embed_params *p, int with_cond);
size_t cs_embed_ais_count(size_t n, size_t k, size_t k_tau);

/* Embed for TE from source x (n x dx), destination y (n x dy) and optional
 * conditioning z (n x dz; pass z.rows == 0 or z.data == NULL for none).
 * Errors: CS_EINVAL for a zero parameter (names it) or a series with no
 * columns; CS_ESHAPE when x, y, z have different numbers of rows (names both
 * counts); CS_EINVAL when the series is too short for the histories and delays
 * (names n and the number of rows needed). Values are copied, not checked:
 * call cs_matrix_check_finite on the inputs if that matters. */
cs_status cs_embed_te(cs_matrix x, cs_matrix y, cs_matrix z, const cs_embed_params *p, cs_embedding *out);

/* Embed for AIS of x (n x dx) with history k and spacing k_tau: blocks
 * future (dx) and past (k*dx); source and cond are empty. */
cs_status cs_embed_ais(cs_matrix x, size_t k, size_t k_tau, cs_embedding *out);

void cs_embedding_free(cs_embedding *e);

#ifdef __cplusplus
}
#endif
#endif
