/* Omega of a whole layer: the synergistic fraction of the information that
 * many units X1..Xd (a layer) carry about a target Y,
 *
 *     Omega = Syn(X1..Xd; Y) / I(X1..Xd; Y),
 *
 * computed as a two-source vector PID (cogscope/pid.h's atoms, redundancy
 * by minimum mutual information, MMI, which is exact for jointly Gaussian
 * sources and a univariate target; Barrett 2015) of the layer's two halves
 * A | B about Y:
 *
 *     I_A = I(A;Y), I_B = I(B;Y), I = I(A,B;Y)
 *     R = min(I_A, I_B)   U_A = I_A - R   U_B = I_B - R
 *     S = I - max(I_A, I_B)                Omega = S / I
 *
 * Method (docs/metrics.md, "Omega of a whole layer", says why):
 *  1. Copula (gcopula) or z-score (gaussian) every unit; constant units are
 *     dropped (counted in `dropped`).
 *  2. The bipartition: the minimum-information bipartition (MIB) of the
 *     units, the balanced split (|A| = floor(d/2)) minimising the Gaussian
 *     I(A;B) of the units' correlation matrix (ridge 1e-6): the layer's
 *     weakest seam, a property of X alone (never of Y, so the permutation
 *     null below keeps it). Exhaustive up to `exact_max_units` units, above
 *     that spectral bisection (the Fiedler vector of the normalised
 *     Laplacian of the pairwise-MI graph w_ij = -ln(1 - rho_ij^2) / 2,
 *     split at its median).
 *  3. Each half (and a continuous Y) is reduced to its leading principal
 *     components (whitened), at most `max_components` each and few enough
 *     that every sample set has `min_samples_per_dim` samples per dimension
 *     of the joint estimate (discrete Y: the smallest class; continuous Y:
 *     n over the dimensions of [A B Y]).
 *  4. The three MIs of the components: discrete Y by the class-conditional
 *     Gaussian model of cogscope/mixed.h (gcmi_model_cd; each entropy
 *     bias-corrected when bias_correct != 0, NOT clamped at H(Y): the model
 *     is misspecified for separable classes and then exceeds H(Y), and a
 *     clamp would make every MI H(Y) and every synergy 0 -- measured on
 *     trained layers; flagged ABOVE_HY), or its Gaussian-mixture form
 *     (est.gc_mixture; clamped by cs_mixed_mi; not monotone in the variable
 *     set, so its synergy can come out negative); continuous Y by Gaussian
 *     MI of the joint covariance, bias-corrected per entropy
 *     (cs_gaussian_entropy_bias) when bias_correct != 0. Every MI is
 *     floored at 0. The model's plug-in MI never decreases when variables
 *     are added (log det and the Schur complement are concave), so S >= 0
 *     up to the bias correction.
 *  5. Surrogates (surrogates > 0): the target's rows permuted by
 *     cs_surrogate_permutation(seed, s), the same bipartition and
 *     components; p = (1 + #{S_s >= S}) / (1 + N) for the synergy,
 *     likewise p_mi for I.
 *
 * The second-order (Gaussian) model sees only what means and covariances
 * carry: the parity of three or more independent bits is invisible to it
 * (its pairwise statistics do not depend on the parity), while XOR of two
 * (groups of) units shows in the class-conditional covariance.
 *
 * Flags (never a silent value): CS_OMEGA_MEANINGLESS flags set NaN in
 * `omega` (synergy and mi stay as estimated, for diagnosis).
 *
 * Everything is in nats. The library never prints; errors come back as
 * cs_status with cs_last_error(). */
#ifndef COGSCOPE_OMEGA_H
#define COGSCOPE_OMEGA_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/estimator.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    CS_OMEGA_LOW_MI = 1u << 0,      /* I < mi_min: the ratio is noise over noise (omega NaN) */
    CS_OMEGA_FEW_SAMPLES = 1u << 1, /* fewer than min_samples_per_dim samples per dimension even
                                       with one component per part (omega NaN) */
    CS_OMEGA_SINGULAR = 1u << 2,    /* fewer than two non-constant units / source columns, or a
                                       (class) covariance is singular (omega NaN) */
    CS_OMEGA_ABOVE_HY = 1u << 3,    /* discrete Y: I exceeds H(Y) (the class model's separation, not a
                                       Shannon information; omega stays, a ratio within the model) */
    CS_OMEGA_TRUNCATED = 1u << 4,   /* components were dropped below a part's rank (the value is
                                       about the components kept: see variance_kept) */
    CS_OMEGA_DROPPED = 1u << 5      /* constant units were dropped */
};
/* The flags that make omega meaningless. */
#define CS_OMEGA_MEANINGLESS (CS_OMEGA_LOW_MI | CS_OMEGA_FEW_SAMPLES | CS_OMEGA_SINGULAR)

/* "low_mi", "few_samples", "singular", "above_hy", "truncated", "dropped" for
 * one flag bit; NULL otherwise. */
const char *cs_omega_flag_name(unsigned flag);

typedef struct {
    /* est.estimator: CS_EST_GAUSSIAN or CS_EST_GCOPULA (default gcopula);
     * est.bias_correct: -1 (default) or 1 corrects, 0 plug-in; est.threads
     * for the surrogates (<= 0: all cores); est.gc_mixture (discrete y): 0
     * the class-conditional model (default), 1 the Gaussian-mixture form of
     * cogscope/mixed.h (no bias correction). Other fields are not used. */
    cs_estimator_params est;
    size_t max_components;      /* per part and for Y (default 8, 1..32) */
    double min_samples_per_dim; /* default 5 (> 0) */
    double mi_min;              /* LOW_MI below this I, nats (default 0.01, >= 0) */
    size_t exact_max_units;     /* exhaustive MIB up to this many units (default 16, <= 24) */
    size_t surrogates;          /* permutation surrogates (default 0) */
    uint64_t seed;              /* surrogate seed (default 1) */
} cs_omega_params;

void cs_omega_params_default(cs_omega_params *p);

/* CS_EINVAL naming the field when a parameter is out of its domain (and the
 * estimator through the measure table, cogscope/measure.h). */
cs_status cs_omega_params_check(const cs_omega_params *p);

typedef struct {
    double synergy;           /* S */
    double mi;                /* I = I(A,B;Y) of the components kept */
    double omega;             /* S / I; NaN when a CS_OMEGA_MEANINGLESS flag is set */
    double redundancy;        /* R = min(I_A, I_B) */
    double unique[2];         /* U_A, U_B */
    double mi_parts[2];       /* I_A, I_B */
    double p_value;           /* synergy's permutation p; NaN without surrogates */
    double p_mi;              /* I's permutation p; NaN without surrogates */
    double null_synergy;      /* mean synergy over the surrogates (NaN without) */
    double null_omega;        /* null_synergy / mean surrogate I: Omega at chance (NaN without
                                 surrogates or when that mean is 0) */
    double h_y;               /* discrete Y: plug-in entropy of the labels (the bound); else NaN */
    double partition_mi;      /* layer: Gaussian I(A;B) of the units across the bipartition; pid: NaN */
    double variance_kept[2];  /* fraction of each part's (standardised) variance in its components */
    size_t samples, classes;  /* rows; discrete Y: classes (else 0) */
    size_t units;             /* columns used (non-constant) */
    size_t dropped;           /* constant columns dropped */
    size_t part_units[2];     /* columns in A, B */
    size_t components[2];     /* principal components kept of A, B */
    size_t target_components; /* continuous Y: components kept; discrete: 0 */
    int exact_partition;      /* layer: 1 exhaustive MIB, 0 spectral bisection; pid: -1 */
    size_t surrogates;
    unsigned flags; /* CS_OMEGA_* */
} cs_omega_result;

/* Omega of the layer x (n x d, rows = samples) about y: continuous (n x dy,
 * y_type CS_VAR_CONTINUOUS) or discrete (n x dy integer codes, each distinct
 * row a class, y_type CS_VAR_DISCRETE). part: NULL, or d entries receiving
 * 0 (unit in A), 1 (in B), -1 (dropped: constant). Errors: CS_ESHAPE (row
 * counts differ, fewer than 4 rows), CS_ENONFINITE (names x or y, row and
 * column), CS_EINVAL (parameters; non-integer discrete y; a single class).
 * Conditions of the data that make the number meaningless are flags, not
 * errors (out->flags). */
cs_status cs_omega_layer(cs_matrix x, cs_matrix y, cs_var_type y_type, const cs_omega_params *p, int *part,
                         cs_omega_result *out);

/* The vector-source PID of two given sources a (n x da) and b (n x db)
 * about y (as above), with steps 1 and 3-5 of the method (no bipartition):
 * each source is standardised and reduced to its principal components. */
cs_status cs_omega_pid(cs_matrix a, cs_matrix b, cs_matrix y, cs_var_type y_type, const cs_omega_params *p,
                       cs_omega_result *out);

#ifdef __cplusplus
}
#endif
#endif
