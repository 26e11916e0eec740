/* Mutual information between a continuous and a discrete variable, and the
 * conditional forms built on it, in nats. cogscope/info.h routes here when a
 * variable is declared discrete (cs_info_params.types) and the estimator is a
 * continuous one; this header also serves direct use.
 *
 * X is continuous (n x d doubles), Y a discrete label (n codes 0..C-1, every
 * code present). Estimators (cs_info_estimator):
 *
 *   gaussian, gcopula  Ince et al. 2017 (GCMI), X copula-normalised first for
 *     gcopula (cogscope/gcopula.h, over all samples):
 *     model (default, "gcmi_model_cd"): Gaussian class-conditional model,
 *         I = H_G(X) - sum_c p_c H_G(X | Y = c),
 *       H_G the Gaussian entropy of the sample covariance (divisor n - 1),
 *       each term bias-corrected as cs_gaussian_entropy_bias (ddof 1) unless
 *       bias_correct == 0. Not bounded by H(Y): with well-separated classes
 *       of small spread it can exceed ln C.
 *     mixture (gc_mixture = 1, "gcmi_mixture_cd"): each class
 *       copula-normalised on its own, rescaled to the class median and
 *       1.4826 x median absolute deviation, then a Gaussian mixture; its
 *       entropy by the unscented transform (Huber et al. 2008; sigma points
 *       m_c +- sqrt(d) L_c e_j, L_c the Cholesky factor of class c); no bias
 *       correction. About H(Y) at most for separated classes.
 *     A class needs more than d + 1 samples (d + 2 with the bias correction).
 *   ksg1  Ross 2014 (PLoS ONE 9:e87357), the estimator of scikit-learn's
 *     mutual_info_classif: per sample, the distance r_i to its k_i-th
 *     nearest neighbour among the samples of its own class, k_i = min(k,
 *     n_c - 1); m_i the number of samples of any class within a distance
 *     strictly below r_i (the sample included); then
 *         I = psi(N) + <psi(k_i)> - <psi(n_{c_i})> - <psi(m_i)>,
 *     over the N samples of classes with at least 2 samples (others are
 *     ignored). Max-norm in d > 1 (sklearn's d = 1 is the same distance).
 *     Columns are z-scored when normalize is on (sample std) and then noise
 *     noise_sd N(0, 1) (seed noise_seed) is added to break ties.
 *   discrete  not here: cogscope/info.h bins the continuous variables and
 *     uses the plug-in estimator, labels as they are.
 *
 * Every MI returned is clamped to [0, H(Y)] unless clamp == 0: the true
 * value of a mixture lies there (H(Y) the plug-in entropy of the class
 * weights: the mixture bound); the estimators leave it by sampling noise or,
 * for the Gaussian class model, by mis-specification (tight classes in many
 * dimensions give values far above H(Y)). *clamped (may be NULL) says
 * whether a bound was applied: the value is then the bound, not an estimate.
 * Accuracy on Gaussian class mixtures (tests/test_mixed.c, truths from
 * tests/data/gen_mixed_truth.py) is documented in docs/estimators.md. */
#ifndef COGSCOPE_MIXED_H
#define COGSCOPE_MIXED_H

#include <stdint.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CS_MIXED_GAUSSIAN = 0, /* class-conditional Gaussian on the raw values */
    CS_MIXED_GCOPULA,      /* the same after copula normalisation */
    CS_MIXED_KSG           /* Ross 2014 nearest neighbours */
} cs_mixed_estimator;

typedef struct {
    cs_mixed_estimator estimator;
    int gc_mixture;   /* gaussian/gcopula: 0 model (default), 1 mixture */
    int bias_correct; /* model: 1 (default) / 0 */
    int knn;          /* ksg: k (default 4) */
    int normalize;    /* ksg: z-score columns first (default 1) */
    double noise_sd;  /* noise in units of each column's sd, added after
                         z-scoring (ksg) or before the copula (gaussian,
                         gcopula: breaks ties at random, as GCMI breaks them
                         by row position); default 0 here; the cs_info
                         front end defaults to 1e-8 for ksg */
    uint64_t noise_seed;
    int clamp; /* 1 (default): clamp the result at 0; 0: return it
                  as estimated (for differences of estimates) */
} cs_mixed_params;

void cs_mixed_params_default(cs_mixed_estimator e, cs_mixed_params *p);

/* I(X;Y), X n x d, y n codes in [0, classes) (each present at least once).
 * local: NULL, or n values (ksg only: the per-sample terms, 0 for samples of
 * singleton classes; CS_EINVAL for the Gaussian models, whose value is not a
 * mean of per-sample terms). Errors: CS_EINVAL (bad labels, too few samples in
 * a class, k < 1), CS_ESINGULAR (a class-conditional covariance is singular:
 * names the class), CS_ENONFINITE. */
cs_status cs_mixed_mi(const cs_mixed_params *p, cs_matrix x, const int32_t *y, size_t classes, double *value,
                      double *local, int *clamped);

/* Dense codes 0..C-1 of the rows of a discrete variable y (n x d; each
 * distinct row one code, as cs_discrete_joint numbers them); *classes the
 * number of codes. Values must be integers (CS_EINVAL names row and
 * column). codes: n entries. */
cs_status cs_mixed_codes(cs_matrix y, int32_t *codes, size_t *classes);

#ifdef __cplusplus
}
#endif
#endif
