/* The training loop: one driver for every learning rule.
 *
 * Per step, as llm.c's train_gpt2.c: draw a minibatch (seeded shuffle each
 * epoch); forward, loss and backward by the rule (its update direction and
 * the batch's logits; epsilon, tau and the batch accuracy from the logits, S
 * from the direction); the optimizer's update. Then an observer, which never
 * changes training, records the step: PI (ΣPI), the per-layer weight and
 * update norms, the log row, and every `log_every` steps (and at step 0 and
 * the last step) the angle to the true BP gradient per layer and a snapshot
 * of the probe set's activations and teaching signals (plus relaxation
 * trajectories for EP/PC), both at the parameters that produced the step.
 * After each epoch: evaluation on the test split in batches of `batch` rows,
 * each with its own epsilon, tau, S (a rule step without an update) and PI;
 * the epoch's values are the means over those batches (loss and accuracy
 * over samples).
 *
 * Logging goes through cogscope/trainlog.h; out_path NULL trains without a
 * log. Same seed and thread count give bit-identical logs and parameters,
 * and the parameters do not depend on whether or how often the run logs. */
#ifndef COGSCOPE_TRAIN_H
#define COGSCOPE_TRAIN_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/dataset.h"
#include "cogscope/mlp.h"
#include "cogscope/rule.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default bound on the data a run log holds (cs_train_config's
 * max_log_bytes, `train --max-log-size`): 16 GiB. */
#define CS_TRAIN_MAX_LOG_DEFAULT ((uint64_t)16 << 30)

/* Progress callback, called after every step (cheap: do not block). */
typedef struct {
    size_t step, total_steps, epoch;
    double loss, pi;
    double test_acc; /* last evaluation, NaN before the first */
    /* With a log: the data it will hold at the end of the run (before
     * compression, HDF5 metadata not counted), known from the first step. */
    uint64_t log_bytes_projected;
    int log_limited; /* 1 once max_log_bytes stopped snapshots, 2 once it stopped all logging */
} cs_train_progress;

/* Everything a run needs. Fields left at the values cs_train_config_default()
 * sets ("unset") take the rule's defaults (epochs, batch, lr, momentum,
 * optimizer, activation) or the documented ones. */
typedef struct {
    const char *rule;                /* registry name; "bp" */
    const cs_rule_option *rule_opts; /* rule-specific options */
    size_t n_rule_opts;
    size_t sizes[CS_MLP_MAX_LAYERS]; /* unit counts; n_layers 0 = {dim, 100, classes} */
    size_t n_layers;
    const char *activation;   /* NULL = rule default */
    const char *optimizer;    /* NULL = rule default ("sgd" | "adam") */
    size_t epochs;            /* 0 = rule default */
    size_t batch;             /* 0 = rule default */
    double lr;                /* NAN = rule default */
    double momentum;          /* NAN = rule default */
    double weight_decay;      /* NAN = rule default (L2 on weights and biases) */
    const char *schedule;     /* NULL = rule default; "constant" | "cosine" (to 0 at the end) */
    uint64_t seed;            /* init, shuffling, probe choice, the rule's randomness */
    int threads;              /* 0 = all cores */
    size_t log_every;         /* snapshot interval in steps; 0 = 50 */
    size_t probe_size;        /* 0 = 512 (capped at the test split's size) */
    double pi_alpha;          /* NAN = 1 */
    double pi_gamma;          /* NAN = 0.5 */
    const char *out_path;     /* run log path; NULL = no log */
    const char *dataset_name; /* recorded in the log; "" if NULL */
    double flush_interval;    /* seconds; <= 0 = 1 */
    uint64_t max_log_bytes;   /* bound on the logged data (before compression); 0 = the default
                                 CS_TRAIN_MAX_LOG_DEFAULT. Reaching it stops the snapshots, then
                                 the step rows: training goes on, the result says from which step */
    int reference_errors;     /* 1 (default): rules other than bp also log backprop's delta on the
                                 probe set at every snapshot (/layers/L/reference_errors,
                                 docs/schema.md); 0: not logged */
    void (*progress)(const cs_train_progress *p, void *user);
    void *user;
} cs_train_config;

/* All fields "unset" (see above); rule "bp"; seed 1. */
void cs_train_config_default(cs_train_config *c);

/* Fill every unset field of `in` from the rule's defaults and the dataset,
 * and validate: unknown rule, rule options not declared by the rule, layer
 * sizes that do not match the data (input = dim, output = classes), bad
 * values -> CS_EINVAL naming the flag (the CLI turns that into exit 2).
 * Rule option VALUES are validated later, by the rule's create. */
cs_status cs_train_config_resolve(const cs_train_config *in, const cs_dataset *train, cs_train_config *out);

/* What a finished run reports. */
typedef struct {
    size_t epochs_done;
    size_t steps;
    double final_test_acc;  /* fraction in [0, 1] */
    double final_test_loss; /* nats */
    double best_test_acc;
    double final_train_loss;                 /* mean batch loss of the last epoch */
    double seconds;                          /* wall time of the loop */
    double train_seconds;                    /* of which training steps (incl. their logging) */
    double eval_seconds;                     /* of which per-epoch evaluations */
    double train_cpu_seconds;                /* CPU time (all threads of the process) of the training steps:
                                                on a shared machine a steadier measure than wall time */
    double log_seconds;                      /* of train_seconds: the run log's work (rows, angles, probe
                                                snapshots, HDF5 writes and flushes, and inside a snapshot
                                                step the copy of the parameters it keeps and the double
                                                batch of a float32 step) */
    size_t log_snapshots;                    /* probe snapshots written */
    uint64_t log_bytes, log_bytes_projected; /* logged data, and as projected at the start */
    int log_limited;                         /* 0, or 1/2 as in cs_train_progress */
    int64_t log_limit_step;                  /* the first step not logged in full (-1: none) */
} cs_train_result;

/* Train a network as `cfg` says (resolved internally) on `train`,
 * evaluating on `test` after each epoch. `model` (may be NULL) receives the
 * trained network (cs_mlp_destroy it). */
cs_status cs_train_run(const cs_train_config *cfg, const cs_dataset *train, const cs_dataset *test,
                       cs_train_result *result, cs_mlp **model);

/* Angle in degrees between a and b (n values); NaN if either is zero. */
double cs_train_angle_deg(const double *a, const double *b, size_t n);

#ifdef __cplusplus
}
#endif
#endif
