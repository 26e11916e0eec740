/* Private to the training loop (src/learn/train*.c): the resolved plan of a
 * run, the record one step hands to its observer, and the observer.
 *
 * The loop (train.c) reads as llm.c's train_gpt2.c: per step
 *     gather batch -> forward -> loss -> backward -> update   (train_step)
 *     observe the step                                        (train_observer_step)
 * Everything that only watches the run -- ΣPI, weight/update norms, BP
 * angles, probe snapshots, relaxation trajectories, the run log and its
 * size budget, the progress callback -- lives in train_observer.c and runs
 * after the step. Whether or what it logs never changes which optimiser
 * call runs (tests/test_learn.c, logging_never_changes_training). */
#ifndef COGSCOPE_LEARN_TRAIN_INTERNAL_H
#define COGSCOPE_LEARN_TRAIN_INTERNAL_H

#include "cogscope/optim.h"
#include "cogscope/train.h"
#include "cogscope/trainlog.h"

/* A configuration resolved once (train_config.c) and read-only after:
 * every unset field filled, every value validated, the names parsed. */
typedef struct {
    cs_train_config c;
    const cs_rule_vtable *vt;
    cs_activation act;
    cs_optim_kind optim;
    int cosine; /* lr schedule: 1 cosine, 0 constant */
} train_plan;

/* cs_train_config_resolve into a plan (the one place defaults are applied
 * and values checked). */
cs_status train_plan_resolve(const cs_train_config *in, const cs_dataset *train, train_plan *out);

/* The test split's data and both splits' labels against the plan's
 * network (after train_plan_resolve with the training split). */
cs_status train_check_splits(const train_plan *p, const cs_dataset *train, const cs_dataset *test);

/* What one step did, for the observer. Pointers stay valid until the next
 * step. `before` is the network at the parameters that produced the step
 * (the update has already been applied to the real network); it is NULL
 * unless the observer asked for it (train_observer_params). */
typedef struct {
    int64_t step;
    size_t epoch;
    const double *x;       /* rows x sizes[0], the batch; NULL for a rule reading float batches ... */
    const float *x_f32;    /* ... which read this (rows x sizes[0]) instead; else NULL */
    const int32_t *labels; /* rows */
    size_t rows;
    double loss, tau;           /* epsilon and tau of the batch's logits (nats) */
    size_t correct;             /* rows predicted right */
    double surprise;            /* S = ||direction||_2 (or the rule's own S) */
    int direction_is_reference; /* the rule's direction is its reference gradient */
    double lr;                  /* the rate the update used */
    const double *direction;    /* n_params; not filled when direction_f32 is set */
    const float *direction_f32; /* n_params: the direction as the rule gave it in float, or NULL */
    const double *layer_series; /* n_layer_series x depth, or NULL */
    const double *weight_sq;    /* depth: sum of squares of each layer's new parameters */
    const double *update_sq;    /* depth: ... of each layer's applied change */
    const cs_mlp *before;
} train_record;

typedef struct train_observer train_observer;

/* cs_train_angle_deg of a float `a` widened (exactly, so the same bits as
 * widening a first) against b, without the widened copy. */
double train_angle_deg_f32(const float *a, const double *b, size_t n);

/* The observer of a run on network `m` with rule `r` (both outlive it):
 * without plan->c.out_path it only calls the progress callback. With a log it
 * draws the probe set from `test` (seeded), allocates every buffer and
 * creates the run log. `total_steps` sizes the log budget. */
cs_status train_observer_create(const train_plan *plan, const cs_mlp *m, cs_rule *r, const cs_dataset *test,
                                size_t total_steps, train_observer **out);

/* Before step `step`: a buffer of n_params doubles for the parameters the
 * step starts from, when this step's observation needs them (a snapshot or
 * a BP angle at the parameters that produced the step); else NULL. A rule
 * whose steps are their reference gradient (cs_rule_logspec.
 * step_is_reference) gets its snapshot taken here instead, on the network
 * before the step, and NULL. Takes the step's share of the log budget. */
double *train_observer_params(train_observer *o, int64_t step);

/* After the step: ΣPI, norms, angle, snapshot and the log row; then the
 * progress callback. */
cs_status train_observer_step(train_observer *o, const train_record *rec);

/* After an evaluation: its log row (if the budget allows). */
cs_status train_observer_eval(train_observer *o, const cs_trainlog_eval *ev);

/* Log bookkeeping into the result: bytes, projection, limit. */
void train_observer_report(const train_observer *o, cs_train_result *res);

/* Closes the run log (marked "diverged" with `diverged` when that is not
 * NULL or empty) and frees; returns the close status. Safe on NULL. */
cs_status train_observer_close(train_observer *o, const char *diverged);

#endif
