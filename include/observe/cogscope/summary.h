/* The summary of one training run, from its run log: per-epoch means of the
 * training series (ε, τ, S, PI, loss), the evaluation of each epoch, the best
 * and the final test accuracy. `cogscope report` prints it as text or JSON;
 * the HTML and multi-run reports reuse it.
 *
 * Definitions (docs/schema.md has the series): an epoch is a run of steps with
 * the same /steps/epoch value (epochs never decrease within a run). Its means
 * are plain means over its steps (a smaller last batch weighs as much as any
 * other step). ε is the per-step loss (the batch's mean cross-entropy, nats),
 * so epsilon and train_loss are the same number under two names: the ΣPI
 * name and the training name. τ (nats), S (the gradient norm) and PI come
 * from /steps/tau, /steps/surprise and /steps/pi. The test values of an epoch
 * are the last /eval row with that epoch, NaN when it has none (a run killed
 * before the epoch's evaluation). "Final" ε/τ/S/PI/train loss are the means
 * over the last epoch that has steps; final test values are the last
 * evaluation in the log. NaN in a series (a diverged step) makes its mean
 * NaN: it is reported, not hidden. */
#ifndef COGSCOPE_SUMMARY_H
#define COGSCOPE_SUMMARY_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/runlog.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t epoch;                                /* the logged epoch number */
    size_t steps;                                 /* logged steps in the epoch */
    int64_t first_step, last_step;                /* /steps/step of its first and last step */
    double train_loss;                            /* mean /steps/loss */
    double epsilon, tau, surprise, pi, batch_acc; /* means over the steps */
    int evaluated;                                /* 1 if /eval has a row for this epoch */
    double test_loss, test_acc;                   /* that row (NaN if none); acc as a fraction */
    double test_tau, test_surprise, test_pi;
    int64_t eval_step; /* its /eval/step, -1 if none */
} cs_summary_epoch;

typedef struct {
    cs_runlog_info info; /* the log's info when summarised */
    size_t n_epochs;
    cs_summary_epoch *epochs; /* n_epochs entries in log order; NULL if none */
    size_t n_evals;
    double best_test_acc;          /* max of /eval/acc (NaN-free rows); NaN with no evaluation */
    int64_t best_epoch, best_step; /* of that row; -1 when none */
    struct {
        int64_t epoch;                                                /* last epoch with steps (-1: no steps) */
        int64_t step;                                                 /* last logged step (-1: none) */
        double train_loss, epsilon, tau, surprise, pi, batch_acc;     /* means over that epoch */
        double test_loss, test_acc, test_tau, test_surprise, test_pi; /* the last evaluation */
        int64_t test_epoch, test_step;                                /* of the last evaluation; -1 when none */
    } final;
} cs_summary;

/* Summarise the run behind `r` (reads its step and evaluation series up to
 * the consistent length). `out` is filled; release it with
 * cs_summary_free. Read errors name the file and dataset. */
cs_status cs_summary_compute(const cs_runlog *r, cs_summary *out);
void cs_summary_free(cs_summary *s);

#ifdef __cplusplus
}
#endif
#endif
