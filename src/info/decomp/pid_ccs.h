/* Gaussian I_ccs integration (pid_ccs.c), for the PID and the PhiID.
 * Expectations over z ~ N(0, cov) of sign-filtered local quantities built
 * from local entropies h_S(z) = 1/2 ln det cov_S + 1/2 z_S^T cov_S^-1 z_S of
 * variable subsets S (the 2 pi terms cancel in every information quantity).
 * Not a public header; nats. */
#ifndef COGSCOPE_PID_CCS_H
#define COGSCOPE_PID_CCS_H

#include "cogscope/pid.h"

#define PID_CCS_MAX_SUB 16
#define PID_CCS_MAX_MI 16
#define PID_CCS_MAX_RED 8

typedef struct {
    size_t nsub;                            /* subsets of the variables */
    const size_t *sub_idx[PID_CCS_MAX_SUB]; /* row indices of each subset */
    size_t sub_len[PID_CCS_MAX_SUB];
    size_t nmi; /* local MIs i = h_A + h_B - h_AB, by subset number */
    int mi_sub[PID_CCS_MAX_MI][3];
    size_t nred; /* filtered redundancies: co = i_a + i_b - i_ab, kept where all four agree */
    int red_mi[PID_CCS_MAX_RED][3];
    /* optional PhiID double redundancy: dc = sum dc_mi[m] i_m + sum dc_red[r] r_r, kept
     * where its sign equals that of each MI dfilter[0..3] */
    int has_double;
    double dc_mi[PID_CCS_MAX_MI];
    double dc_red[PID_CCS_MAX_RED];
    int dfilter[4];
} pid_ccs_spec;

/* values[0..nred) (and values[nred] for the double redundancy) receive the
 * expectations; *stderr the largest standard error across the shifts;
 * shift_means (NULL, or pid_ccs_shifts(par) x nout) each shift's estimates,
 * from which the caller can derive standard errors of combinations.
 * cov: d x d, positive definite (CS_ESINGULAR otherwise). */
cs_status pid_ccs_integrate(const double *cov, size_t d, const pid_ccs_spec *spec, const cs_pid_params *par,
                            double *values, double *stderr, double *shift_means);

/* Number of random shifts the integration uses (par->ccs_shifts, or 16). */
static inline size_t pid_ccs_shifts(const cs_pid_params *par) { return par->ccs_shifts ? par->ccs_shifts : 16; }

#endif
