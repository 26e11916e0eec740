/* What feedback alignment (fa.c) and direct feedback alignment (dfa.c) share:
 * a forward cache, one allocation of fixed random feedback matrices, the
 * forward pass and the output error, then a rule-specific backward pass on
 * `rows` samples that fills the hidden layers' cache deltas and, if grad is
 * not NULL, the update direction (batch mean). The step, teaching-signal and destroy entries of
 * both vtables are the ones below. Internal to src/learn/rules. */
#ifndef COGSCOPE_LEARN_FEEDBACK_INTERNAL_H
#define COGSCOPE_LEARN_FEEDBACK_INTERNAL_H

#include "cogscope/rule.h"

typedef struct fb_state fb_state;
/* The rule's backward pass, called after the forward pass into s->cache
 * and the output delta (softmax cross-entropy) of x's rows x sizes[0]
 * inputs. */
typedef void (*fb_pass_fn)(fb_state *s, const cs_mlp *m, const double *x, size_t rows, double *grad);

struct fb_state {
    cs_mlp_cache *cache;
    double *feedback;                 /* one allocation holding every M[k] */
    double *M[CS_MLP_MAX_LAYERS - 1]; /* the rule's feedback matrices (fa: B_k, dfa: D_k) */
    fb_pass_fn pass;
};

/* A new state for the rule named `rule`: the forward cache for max_rows rows
 * and M[k] of fan_a[k] x fan_b[k] for every k < CS_MLP_MAX_LAYERS - 1 with a
 * nonzero product (the others stay NULL), drawn in order of k from
 * cs_rng_create_stream(seed, stream), uniform in +-sqrt(6 / (fan_a + fan_b)). */
cs_status fb_create(const cs_mlp *m, size_t max_rows, uint64_t seed, uint64_t stream, const char *rule,
                    fb_pass_fn pass, const size_t *fan_a, const size_t *fan_b, void **state);
void fb_destroy(void *state);
cs_status fb_step(void *state, const cs_mlp *m, cs_rule_batch *b);
cs_status fb_teaching_signal(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                             double *const *errors);

#endif
