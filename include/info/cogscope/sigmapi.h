/* ΣPI: predictive integrity of a network on a batch (the SigmaPI observer).
 *
 *   epsilon = mean cross-entropy of the batch                  (nats)
 *   tau     = batch mean of the Shannon entropy of softmax(logits) (nats)
 *   S       = global L2 norm of the parameter gradient (or a rule's update
 *             direction) before any clipping                 (units of the loss
 *             per parameter unit)
 *   PI      = exp(-alpha * ((1 - gamma) * epsilon / (tau + 1e-9) + gamma * S))
 * defaults alpha = 1, gamma = 0.5. Plain numbers in, plain numbers out: the
 * training loop and the analysis both use these. Formula and units:
 * docs/metrics.md, section ΣPI. */
#ifndef COGSCOPE_SIGMAPI_H
#define COGSCOPE_SIGMAPI_H

#include <stdint.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_SIGMAPI_ALPHA 1.0
#define CS_SIGMAPI_GAMMA 0.5
#define CS_SIGMAPI_TAU_EPS 1e-9 /* keeps eps/tau finite for a one-hot-confident network */

/* ln PI = -alpha ((1 - gamma) epsilon / (tau + 1e-9) + gamma S), computed in
 * the log domain: finite (<= 0) for any finite non-negative inputs, however
 * large epsilon / tau gets (a confident wrong network reaches 1e5 and more).
 * NaN in, NaN out. */
double cs_sigmapi_log_pi(double epsilon, double tau, double surprise, double alpha, double gamma);

/* PI = exp(ln PI) in [0, 1] in floating point: exactly 0 once ln PI <
 * CS_SIGMAPI_LOG_PI_UNDERFLOW (exp underflows below the smallest subnormal),
 * exactly 1 when -ln PI < 2^-54 (exp rounds to 1). Keep ln PI where small
 * values matter (the run log and the metrics file store both). */
double cs_sigmapi_pi(double epsilon, double tau, double surprise, double alpha, double gamma);

/* exp(x) is 0 in double precision for x < this (~ ln 2^-1075, half the
 * smallest subnormal); exp(this) = 4.9e-324. */
#define CS_SIGMAPI_LOG_PI_UNDERFLOW (-745.1332191019411)

/* epsilon and tau of a batch from its logits (rows x classes, row-major) and
 * labels in [0, classes): softmax is max-shifted, so any finite logits are
 * safe. `correct` (may be NULL) gets the number of rows whose arg-max equals
 * the label (ties: the lowest index). Any out pointer may be NULL.
 * CS_EINVAL for rows = 0, classes < 2 or a label out of range. */
cs_status cs_sigmapi_batch(const double *logits, const int32_t *labels, size_t rows, size_t classes, double *epsilon,
                           double *tau, size_t *correct);

/* Global L2 norm of n values, scaled to avoid overflow/underflow. */
double cs_sigmapi_norm(const double *g, size_t n);

#ifdef __cplusplus
}
#endif
#endif
