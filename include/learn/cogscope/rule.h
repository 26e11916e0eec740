/* Learning rules: one interface, one file per rule, a registry by name.
 *
 * HOW TO ADD A RULE (e.g. "fa")
 *   1. Write src/learn/rules/fa.c defining
 *          const cs_rule_vtable cs_rule_fa = { .name = "fa", ... };
 *      `step` and `teaching_signal` are required; every other callback is
 *      optional (NULL gives the default described at the field).
 *   2. Declare it with the others at the end of this header and add
 *      `&cs_rule_fa` to the table in src/learn/rules/registry.c (two lines). `cogscope train --rule fa` then finds
 * it.
 *   3. Rule-specific flags: list them in `.options` as {"fa-scale", "X",
 *      "help text", "1.0"}. `cogscope train` accepts `--fa-scale X` without
 *      any CLI edit and hands it to your `create` as {"fa-scale", "X"};
 *      a flag declared by another rule is rejected before `create` with
 *      "--fa-scale belongs to rule fa, not bp" (exit 2), an undeclared one as
 *      an unknown option. Parse values with cs_rule_opt_double/_int/_choice
 *      and reject bad values from `create` with cs_error_set(CS_EINVAL,
 *      "--fa-scale must be > 0 (got %g)", v): the CLI exits 2 on CS_EINVAL
 *      from rule creation.
 *   4. Put the defaults that reach the accuracy in `.defaults`
 *      (epochs, batch, lr, optimizer, ...). The CLI/user values override them.
 *   5. Tests in tests/test_rules.c (or test_<rule>.c).
 *
 * CONTRACT
 *   - `step` computes an update DIRECTION for one minibatch and must not
 *     change the network: the training loop measures the BP gradient at the
 *     same parameters afterwards (bp_angle_deg) and then lets the optimizer
 *     apply the direction. The direction follows the gradient's sign
 *     convention: plain SGD does params -= lr * direction. It is laid out as
 *     cs_mlp.params (view it with cs_mlp_tensors_of) and should be scaled as a
 *     batch MEAN, like a gradient of the mean loss, so learning rates carry
 *     over between rules.
 *   - `step` also fills `logits` (rows x classes): the outputs the rule
 *     predicts with, computed before the update. The loop derives epsilon
 *     (mean cross-entropy of softmax(logits)), tau (mean softmax entropy) and
 *     the batch accuracy from them, the same way for every rule.
 *   - S (ΣPI surprise) is the norm of the rule's own update direction: the
 *     loop takes the global L2 norm of `direction` unless `step` sets
 *     `surprise` (then that value is logged; document why in
 *     docs/metrics.md).
 *   - A rule owns everything in its state (caches, feedback matrices, its
 *     random stream, seeded from `seed` in create). Same seed, same numbers.
 *   - Layers are indexed k = 0 .. depth-1 (weight layer k maps sizes[k] to
 *     sizes[k+1]; the run log calls it layer k+1). Per-layer outputs are
 *     arrays of `depth` pointers, errors[k] and states[k] sized by
 *     sizes[k+1] units.
 *   - Functions return cs_status and set cs_last_error() on failure; they
 *     never print or exit. */
#ifndef COGSCOPE_RULE_H
#define COGSCOPE_RULE_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/mlp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A rule-specific option as given by the user: "--ep-beta 0.5" arrives as
 * {"ep-beta", "0.5"}; a flag without value ("--np-antithetic") as
 * {"np-antithetic", "1"}. */
typedef struct {
    const char *name;
    const char *value;
} cs_rule_option;

/* A declared option. `metavar` NULL means a flag that takes no value. */
typedef struct {
    const char *name;    /* without the leading "--" */
    const char *metavar; /* "X", "N", "one|random|centered"; NULL = no value */
    const char *help;
    const char *def; /* default, as text for --help */
} cs_rule_option_spec;

/* Default training hyper-parameters of a rule; the user's flags override. */
typedef struct {
    size_t epochs;
    size_t batch;
    double lr;
    double momentum;        /* SGD momentum; ignored by Adam */
    const char *optimizer;  /* "sgd" or "adam" */
    const char *activation; /* hidden activation, "tanh", "relu", ... */
    double weight_decay;    /* L2 coefficient (0 = none) */
    const char *schedule;   /* learning-rate schedule: "constant" (NULL) or "cosine" */
} cs_rule_defaults;

/* What a rule adds to the run log beyond the common series. Filled by
 * `describe`; pointers must stay valid while the rule state lives. */
typedef struct {
    size_t relax_iterations;         /* 0 = no relaxation trajectories */
    size_t relax_samples;            /* probe samples whose states are logged */
    size_t n_layer_series;           /* extra per-step, per-layer series */
    const char *const *layer_series; /* their names, e.g. "goodness_pos" */
    size_t n_params;                 /* hyper-parameters stored in /config */
    const char *const *param_names;  /* e.g. "ep_beta" */
    const double *param_values;
    int step_is_reference; /* 1: every `step` sets is_reference_gradient, and `snapshot`
                            * depends on the parameters and its inputs alone (bp): the
                            * loop then takes a log step's snapshot before the step, at
                            * the parameters it starts from, and keeps no copy of them */
} cs_rule_logspec;

/* One training step's input and output. Buffers belong to the loop. */
typedef struct {
    const double *x;       /* rows x sizes[0]; NULL when x_f32 is given to a rule with a float
                            * mirror (mirror_f32), which then reads x_f32 */
    const float *x_f32;    /* rows x sizes[0] in float, or NULL: the loop gathers the batch so
                            * for a rule with a float mirror (no double copy to convert) */
    const int32_t *labels; /* rows, in [0, classes) */
    size_t rows;
    double *direction;          /* OUT n_params: update direction (gradient convention) */
    double *logits;             /* OUT rows x classes, before the update */
    double *layer_series;       /* OUT n_layer_series x depth, row-major; NULL if none */
    double surprise;            /* OUT optional: S; leave NAN (preset) for ||direction||_2 */
    int is_reference_gradient;  /* OUT optional: 1 when `direction` is the gradient bp_angle_deg
                                 * measures against (bp in float64; bp in float32 unless
                                 * --bp-angle-reference float64), so the loop logs 0 without
                                 * calling `reference_gradient`; preset 0 */
    const float *direction_f32; /* OUT optional: the direction in float (n_params), from a rule
                                 * computing in float (bp --bp-precision float32), which then
                                 * need not fill `direction` but must set `surprise`: the loop
                                 * widens it only where it needs doubles (the optimizer reads
                                 * the floats); preset NULL */
    int mirror_fresh;           /* IN: 1 when the rule's float mirror (`mirror_f32`) already
                                 * holds (float)params of this network, written by the
                                 * optimizer's last pass; 0 = load it */
} cs_rule_batch;

typedef struct cs_rule_vtable {
    const char *name;                   /* "bp" */
    const char *summary;                /* one line for --help */
    const cs_rule_option_spec *options; /* terminated by {NULL} ; may be NULL */
    cs_rule_defaults defaults;

    /* Build the rule's state for network `m`. `max_rows` is the largest batch
     * any later call will pass (max of batch size and probe size). Reject
     * bad options here with CS_EINVAL. */
    cs_status (*create)(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, uint64_t seed, size_t max_rows,
                        void **state);
    void (*destroy)(void *state);

    /* Optional: extra log content (relaxation, layer series, /config params). */
    void (*describe)(const void *state, cs_rule_logspec *spec);

    /* Required: update direction + logits for one minibatch (see CONTRACT). */
    cs_status (*step)(void *state, const cs_mlp *m, cs_rule_batch *b);

    /* Required: the rule's teaching signal per layer on `rows` samples, one
     * row per sample (BP: delta = dCE_i/dz_k; FA/DFA: the projected delta;
     * EP: (free - nudged)/beta; PC: prediction - value; ...: every rule
     * with the sign of BP delta, docs/metrics.md).
     * errors[k]: rows x sizes[k+1]. */
    cs_status (*teaching_signal)(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                 double *const *errors);

    /* Optional: the per-layer activations logged for the probe set;
     * acts[k]: rows x sizes[k+1]. Default: the MLP's post-activations a[k]
     * (softmax probabilities for the output layer). */
    cs_status (*activations)(void *state, const cs_mlp *m, const double *x, size_t rows, double *const *acts);

    /* Optional (rules with relax_iterations > 0): the relaxation of `rows`
     * (= relax_samples) probe samples. states[k]: relax_iterations x rows x
     * sizes[k+1], iteration-major; energy: relax_iterations values. */
    cs_status (*relax)(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                       double *const *states, double *energy);

    /* Optional: prediction logits (rows x classes) for evaluation. Default:
     * the MLP's logits z_last. FF overrides it (goodness over labels). */
    cs_status (*predict)(void *state, const cs_mlp *m, const double *x, size_t rows, double *logits);

    /* Optional: the exact gradient (n_params, gradient convention, batch
     * mean) of the objective the rule's update approximates, on the batch of
     * the preceding `step` and at the same parameters: the reference that
     * bp_angle_deg measures against. Default: the MLP's BP gradient of the
     * mean cross-entropy (cs_mlp_gradient). EP overrides it with the gradient
     * of the cost at the free fixed point (recurrent backprop), FF with the
     * end-to-end gradient of its summed layer losses, since their networks
     * do not compute the MLP's softmax output. */
    cs_status (*reference_gradient)(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                    double *grad);

    /* Optional: activations AND teaching signal of the probe in one call
     * (acts[k], errors[k]: rows x sizes[k+1]), for rules whose teaching
     * signal already runs the forward pass (bp: one forward + one backward
     * instead of two forwards + one backward; the probe snapshot is most of
     * the logging cost). Default: `activations`, then `teaching_signal`. */
    cs_status (*snapshot)(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                          double *const *acts, double *const *errors);

    /* Optional: `snapshot` in float, the run log's storage type, from the
     * probe inputs in float (x: rows x sizes[0], (float) of the doubles
     * `snapshot` gets). It must give exactly (float) of `snapshot`'s
     * values, so both paths log the same bits; a rule that computes the
     * snapshot in float (bp) saves the logging path the conversions of
     * inputs and results (docs/training.md, Performance). acts may be NULL
     * (errors only). */
    cs_status (*snapshot_f32)(void *state, const cs_mlp *m, const float *x, const int32_t *labels, size_t rows,
                              float *const *acts, float *const *errors);

    /* Optional (rules whose steps compute in float): the float copy of the
     * parameters (n_params, laid out as params) that `step` reads. The loop
     * has the optimizer write it in the update's own pass and says so with
     * cs_rule_batch.mirror_fresh, saving the step a conversion pass. Only
     * `step` may rely on it; other callbacks see other parameters (the
     * snapshot's) and convert for themselves. NULL: no mirror. */
    float *(*mirror_f32)(void *state);

    /* Optional: 1 when the rule splits its own passes over OpenMP threads
     * (bp: one team for every product and element-wise pass of a step). The
     * loop then runs OpenBLAS single-threaded and gives the --threads budget
     * to OpenMP, and the optimizer's pass runs on it too; 0: OpenBLAS threads
     * each product (docs/training.md, Threads). */
    int own_threads;
} cs_rule_vtable;

/* ---- registry ---- */

/* The rule called `name`, or NULL. */
const cs_rule_vtable *cs_rule_find(const char *name);
size_t cs_rule_count(void);
const cs_rule_vtable *cs_rule_at(size_t i); /* i < cs_rule_count() */
/* The declared option `name` (without "--") of rule `v`, or NULL. */
const cs_rule_option_spec *cs_rule_option_find(const cs_rule_vtable *v, const char *name);
/* The first registered rule that declares option `name`, or NULL. */
const cs_rule_vtable *cs_rule_option_owner(const char *name);
/* CS_EINVAL unless every option in opts is declared by `v` ("--ep-beta
 * belongs to rule ep, not bp" / "unknown option --foo"). */
cs_status cs_rule_check_options(const cs_rule_vtable *v, const cs_rule_option *opts, size_t n_opts);

/* ---- option parsing helpers for create() ----
 * Each takes the LAST occurrence of `name`; absent -> `def`. A value that
 * does not parse gives CS_EINVAL naming "--name". */
cs_status cs_rule_opt_double(const cs_rule_option *opts, size_t n, const char *name, double def, double *out);
cs_status cs_rule_opt_int(const cs_rule_option *opts, size_t n, const char *name, long def, long *out);
/* `choices` is NULL-terminated; *out is the index of the chosen one. */
cs_status cs_rule_opt_choice(const cs_rule_option *opts, size_t n, const char *name, const char *const *choices,
                             int def, int *out);
/* 1 if the flag is present (any value except "0"/"false"/"off"), else 0. */
int cs_rule_opt_flag(const cs_rule_option *opts, size_t n, const char *name);

/* ---- a rule instance: vtable + state, with the defaults applied ---- */

typedef struct {
    const cs_rule_vtable *vt;
    void *state;
    size_t max_rows;
    cs_mlp_cache *cache; /* for the default activations/predict paths */
} cs_rule;

/* Checks the options (cs_rule_check_options), then vt->create. */
cs_status cs_rule_create(const cs_rule_vtable *vt, const cs_mlp *m, const cs_rule_option *opts, size_t n_opts,
                         uint64_t seed, size_t max_rows, cs_rule **out);
void cs_rule_destroy(cs_rule *r);
/* The rule's log spec (all zero when it has no `describe`). */
void cs_rule_describe(const cs_rule *r, cs_rule_logspec *spec);
/* vt->step with b->surprise preset to NAN and replaced by ||direction||_2
 * if the rule left it NAN (b->direction_f32, b->is_reference_gradient
 * preset NULL and 0; b->mirror_fresh is the caller's). */
cs_status cs_rule_step(cs_rule *r, const cs_mlp *m, cs_rule_batch *b);
cs_status cs_rule_teaching_signal(cs_rule *r, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                  double *const *errors);
cs_status cs_rule_activations(cs_rule *r, const cs_mlp *m, const double *x, size_t rows, double *const *acts);
cs_status cs_rule_relax(cs_rule *r, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                        double *const *states, double *energy);
/* The reference gradient for bp_angle_deg (vt->reference_gradient, or the
 * MLP's BP gradient of the mean cross-entropy when the rule has none); the
 * training loop calls it after cs_rule_step on the same batch. grad: n_params. */
cs_status cs_rule_reference_gradient(cs_rule *r, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                     double *grad);
/* vt->mirror_f32, or NULL. */
float *cs_rule_mirror_f32(cs_rule *r);
/* vt->snapshot, or cs_rule_activations + cs_rule_teaching_signal. */
cs_status cs_rule_snapshot(cs_rule *r, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                           double *const *acts, double *const *errors);
/* vt->snapshot_f32 (acts may be NULL); CS_EINVAL for a rule without one
 * (the caller then takes cs_rule_snapshot and narrows). */
cs_status cs_rule_snapshot_f32(cs_rule *r, const cs_mlp *m, const float *x, const int32_t *labels, size_t rows,
                               float *const *acts, float *const *errors);
/* Logits of any number of rows (chunks of max_rows). */
cs_status cs_rule_predict(cs_rule *r, const cs_mlp *m, const double *x, size_t rows, double *logits);

/* The built-in rules (each defined in src/learn/rules/<name>.c; the
 * registry lists them in this order). */
extern const cs_rule_vtable cs_rule_bp, cs_rule_fa, cs_rule_dfa, cs_rule_ep, cs_rule_pc, cs_rule_ff, cs_rule_np;

#ifdef __cplusplus
}
#endif
#endif
