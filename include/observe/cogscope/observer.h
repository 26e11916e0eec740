/* The per-step work of an observer of someone else's training loop (the
 * Python cogscope.torch.Observer), in one call: from the float32 (or
 * float64) logits of the batch, the parameters' float32 gradients where the
 * trainer left them and the batch loss, it computes tau, S and PI (the ΣPI
 * formulas of cogscope/sigmapi.h) and appends the step row to a run log.
 *
 *   cs_observer_create(writer, handles, alpha, gamma)   once, after the
 *                                                       series are declared
 *   cs_observer_set_grads(o, n, grads, sizes)           whenever the trainer
 *                                                       hands over new
 *                                                       gradient buffers
 *   loop: cs_observer_step(o, step, loss, logits, ...)  reads, computes, appends
 *   cs_observer_destroy(o)                              (the writer stays open)
 *
 * The observer reads the caller's buffers in place (no copy across the
 * language boundary) and keeps only their addresses: the caller keeps them
 * alive and calls cs_observer_set_grads again when they move.
 *
 * Values, as the separate calls give them (tests compare both with an
 * independent float64 computation in torch):
 *   tau = cs_sigmapi_batch's batch mean entropy of softmax(logits), the
 *         logits converted to double first;
 *   S   = cs_sigmapi_norm of the per-buffer norms sqrt(sdot(g, g)), each a
 *         float32 BLAS sum of squares (relative error ~1e-6), combined in
 *         double (overflow-safe);
 *   PI  = cs_sigmapi_pi(loss, tau, S, alpha, gamma). */
#ifndef COGSCOPE_OBSERVER_H
#define COGSCOPE_OBSERVER_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/runlog.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cs_observer cs_observer;

/* Which series of the step row, by their declared handles; -1 leaves one
 * out (e.g. lr when there is no optimiser). */
typedef struct {
    cs_runlog_handle loss, tau, surprise, pi, lr;
} cs_observer_series;

/* An observer writing to `w` (declared, not necessarily started; the writer
 * stays the caller's). alpha, gamma: the ΣPI constants. */
cs_status cs_observer_create(cs_runlog_writer *w, const cs_observer_series *series, double alpha, double gamma,
                             cs_observer **out);
void cs_observer_destroy(cs_observer *o);

/* The n gradient buffers S is taken over: grads[i] has sizes[i] float32
 * values (n = 0: no gradients, S is NaN). Addresses only are kept; cheap
 * enough to call every step (no allocation unless n grows), as a trainer
 * that makes new gradient tensors each step needs. */
cs_status cs_observer_set_grads(cs_observer *o, size_t n, const float *const *grads, const size_t *sizes);

/* One step: S over the gradient buffers (or *surprise when surprise is not
 * NULL: a norm the caller computed itself), tau from `logits` (rows x
 * classes, row-major, of `dtype` CS_RUNLOG_F32 or CS_RUNLOG_F64), PI, then
 * the row (loss, tau, S, PI, lr) appended at `step`. row (may be NULL) gets
 * those five values. CS_EINVAL for rows = 0, classes < 2 or another dtype;
 * the writer's errors as cs_runlog_append_step gives them. */
cs_status cs_observer_step(cs_observer *o, int64_t step, double loss, const void *logits, cs_runlog_dtype dtype,
                           size_t rows, size_t classes, const double *surprise, double lr, double row[5]);

#ifdef __cplusplus
}
#endif
#endif
