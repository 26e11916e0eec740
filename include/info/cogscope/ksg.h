/* Kraskov-Stoegbauer-Grassberger (KSG) nearest-neighbour estimators of mutual
 * information I(X;Y) and conditional mutual information I(X;Y|Z), in nats,
 * for continuous data of any dimension. Max-norm throughout.
 *
 *   algorithm 1 (KSG-1): eps_i = distance to the k-th neighbour in the joint
 *     space; marginal counts use a STRICT inequality (dist < eps_i).
 *       MI  local_i = psi(k) - psi(n_x+1) - psi(n_y+1) + psi(N)
 *       CMI local_i = psi(k) - psi(n_xz+1) - psi(n_yz+1) + psi(n_z+1)
 *   algorithm 2 (KSG-2): eps_x,i / eps_y,i / eps_z,i = the largest marginal
 *     distance among the k joint neighbours; counts use dist <= eps (NON-strict).
 *       MI  local_i = psi(k) - 1/k - psi(n_x) - psi(n_y) + psi(N)
 *       CMI local_i = psi(k) - 2/k + psi(n_z) - psi(n_xz) + 1/n_xz
 *                                             - psi(n_yz) + 1/n_yz
 *   (CMI as Frenzel & Pompe 2007 / JIDT's conditional KSG.) The point itself
 *   is never counted; counts are over the other rows. These are the
 *   conventions of JIDT (and MILCA / TRENTOOL), which the tests reproduce.
 *   KSG-2 with distinct points tied at the k-th distance is ambiguous (which
 *   of them is a neighbour sets the marginal radii): the one found first is
 *   kept, as in JIDT; KSG-1 does not depend on it. Exact duplicate rows are
 *   fine for both; add noise (noise_sd) for heavily discretised data.
 *
 * TE and AIS are CMI and MI on embedded matrices:
 *   TE(X->Y)  = I(X_past ; Y_t | Y_past [, Z_past])   (cs_ksg_cmi_create)
 *   AIS(X)    = I(X_past ; X_t)                        (cs_ksg_mi_create)
 * with the embeddings from cogscope/embed.h.
 *
 * Negative estimates are returned as they are, never clipped.
 *
 * Life cycle (an estimator bound to its data, cogscope/estimator.h: prepare
 * once, query many times): cs_ksg_mi_create / cs_ksg_cmi_create copy and
 * prepare the data (z-scoring, noise) and build every search
 * structure (kd-tree of the joint space, sorted arrays or kd-trees for the
 * marginal range counts) once; cs_ksg_average / cs_ksg_local /
 * cs_ksg_surrogates then query them as often as wanted. It is used by one
 * caller thread at a time; each call parallelises internally over query points
 * with OpenMP (params.threads). Results do not depend on the thread count:
 * local values are computed independently and summed in row order.
 *
 * Example:
 *   cs_ksg_params p;
 *   cs_ksg_params_default(&p);          // KSG-1, k = 4, z-score on
 *   p.k = 3;
 *   cs_ksg *ksg;
 *   if (cs_ksg_mi_create(x, y, &p, &ksg) != CS_OK) { ... cs_last_error() ... }
 *   double mi;
 *   cs_ksg_average(ksg, &mi);
 *   cs_ksg_significance sig;
 *   cs_ksg_surrogates(ksg, 1000, 42, &sig, NULL);
 *   cs_ksg_destroy(ksg);
 */
#ifndef COGSCOPE_KSG_H
#define COGSCOPE_KSG_H

#include "cogscope/core.h"
#include "cogscope/embed.h"
#include "cogscope/surrogate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int algorithm;        /* 1 or 2 (default 1) */
    int k;                /* nearest neighbours, 1 <= k < usable rows (default 4) */
    int normalize;        /* 1: z-score every column (mean 0, sample std 1) before
                             estimation (default 1); a constant column is then an
                             error (CS_EINVAL naming the matrix and column) */
    size_t theiler;       /* dynamic-correlation (Theiler) window w (default 0):
                             when w > 0, rows i, j with |t_i - t_j| <= w are never
                             neighbours of each other, neither in the k-NN search
                             nor in the marginal counts. The row itself is always
                             excluded, whatever w. */
    const int64_t *times; /* NULL (default): row i has time index i. Otherwise
                        `rows` time indices (copied at create), e.g. for data
                        whose rows are not consecutive time steps. */
    double noise_sd;      /* > 0: add N(0, noise_sd^2) noise to every value after
                             z-scoring (breaks ties in discretised data, as
                             recommended by Kraskov et al.); default 0 = off */
    uint64_t noise_seed;  /* seed of that noise (default 0) */
    int threads;          /* OpenMP threads; <= 0 = all cores (default 0) */
    int search;           /* neighbour search structure: CS_KSG_SEARCH_AUTO (default)
                             picks per space by a measured crossover on N and the
                             dimension; _TREE descends kd-trees to small leaves;
                             _BLOCKS cuts them into blocks of up to 256 points,
                             searched for batches of nearby rows at once with
                             vectorised loops. All give the same values to the
                             bit (see docs/estimators.md); only speed differs. */
} cs_ksg_params;

enum { CS_KSG_SEARCH_AUTO = 0, CS_KSG_SEARCH_TREE = 1, CS_KSG_SEARCH_BLOCKS = 2 };

/* Fill `p` with the defaults above. */
void cs_ksg_params_default(cs_ksg_params *p);

typedef struct cs_ksg cs_ksg;

/* Prepare an MI estimator I(X;Y).
 *   x: N x dx, y: N x dy (rows = samples, same N; dx, dy >= 1); copied, so
 *   the caller's arrays may be freed afterwards.
 * Errors: CS_ESHAPE (row counts differ, or a matrix has no columns/rows),
 * CS_ENONFINITE (NaN/Inf; names "x" or "y", row and column), CS_EINVAL
 * (algorithm not 1/2, k < 1, k >= number of rows, k larger than the rows a
 * row keeps outside its Theiler window (names the row), constant column with
 * normalize on (names the matrix and column), noise_sd < 0 or not finite),
 * CS_ELIMIT (more than INT_MAX rows), CS_ENOMEM.
 * Cost: O(N log N) to prepare; queries O(log N) per row in low dimension, rising
 * towards O(N^(1-1/D)) per row as the joint dimension D grows (kd-trees). */
cs_status cs_ksg_mi_create(cs_matrix x, cs_matrix y, const cs_ksg_params *p, cs_ksg **out);

/* Prepare a CMI estimator I(X;Y|Z).
 *   x: N x dx, y: N x dy, z: N x dz. A z with zero columns (or NULL data)
 *   prepares the plain MI I(X;Y). Errors as cs_ksg_mi_create ("z" in messages). */
cs_status cs_ksg_cmi_create(cs_matrix x, cs_matrix y, cs_matrix z, const cs_ksg_params *p, cs_ksg **out);

/* Prepare TE or AIS on an embedding from cogscope/embed.h:
 *   e->d_source > 0: TE  = I(source ; future | past [, cond])
 *   e->d_source = 0: AIS = I(past ; future)
 * The blocks are viewed in place (copied by the estimator); time indices are the
 * embedding's e->time, so the Theiler window counts in input time steps.
 * p->times is ignored. Note: with normalize on, each EMBEDDED column is
 * z-scored over the usable rows (JIDT's default); TRENTOOL z-scores each
 * whole input series first (then prepare with normalize = 0). */
cs_status cs_ksg_embedding_create(const cs_embedding *e, const cs_ksg_params *p, cs_ksg **out);

void cs_ksg_destroy(cs_ksg *ksg); /* NULL is fine */

/* Number of rows N of the prepared data. */
size_t cs_ksg_rows(const cs_ksg *ksg);

/* Average estimate (nats) = mean of the local values. */
cs_status cs_ksg_average(cs_ksg *ksg, double *value);

/* Local (pointwise) values: local[0..N) (caller-owned, N = cs_ksg_rows()),
 * in nats; their mean is the average, returned in *average if non-NULL. */
cs_status cs_ksg_local(cs_ksg *ksg, double *local, double *average);

/* Permutation significance test of the estimate: the summary every
 * estimator gives (cogscope/surrogate.h): observed, p_value = (1 +
 * #{surrogate >= observed}) / (1 + n_surrogates), surrogate_mean and
 * surrogate_std (n - 1) in nats, n_surrogates, n_greater_equal. */
typedef cs_significance cs_ksg_significance;

/* Draw `n_surrogates` (>= 1) surrogates by permuting the rows of X against
 * the rest (MI: Y stays; CMI: Y and Z stay together, so the X-Z relation is
 * destroyed too, as in JIDT), estimate each, and compare with the observed
 * value. Structures that the shuffle does not change are reused: for MI both
 * marginal structures (only the joint tree is rebuilt); for CMI the Z and
 * (Y,Z) structures (the joint and (X,Z) trees are rebuilt). Permutation s is
 * cs_surrogate_permutation(seed, s), so results depend only on `seed`.
 * Time indices (Theiler window) stay with the unshuffled rows.
 *   values: NULL or caller-owned [n_surrogates] receiving each surrogate's
 *   estimate. */
cs_status cs_ksg_surrogates(cs_ksg *ksg, size_t n_surrogates, uint64_t seed, cs_ksg_significance *out,
                            double *values);

/* The values of surrogates first..first+n-1 of that test (surrogate s from
 * the stream (seed, s)) into values[0..n): a share of it, for distributed
 * runs. n = 0 does nothing. */
cs_status cs_ksg_surrogate_values(cs_ksg *ksg, size_t first, size_t n, uint64_t seed, double *values);

#ifdef __cplusplus
}
#endif
#endif
