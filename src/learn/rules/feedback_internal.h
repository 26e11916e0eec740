/* What feedback alignment (fa.c) and direct feedback alignment (dfa.c) share:
 * a forward cache, one allocation of fixed random feedback matrices, and a
 * rule-specific pass that runs forward + the rule's backward on `rows`
 * samples, filling the cache deltas and, if grad is not NULL, the update
 * direction (batch mean). The step, teaching-signal and destroy entries of
 * both vtables are the ones below. Internal to src/learn/rules. */
#ifndef COGSCOPE_LEARN_FEEDBACK_INTERNAL_H
#define COGSCOPE_LEARN_FEEDBACK_INTERNAL_H

#include "cogscope/rule.h"

typedef struct fb_state fb_state;
typedef cs_status (*fb_pass_fn)(fb_state *s, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                double *grad);

struct fb_state {
    cs_mlp_cache *cache;
    double *feedback;                 /* one allocation holding every M[k] */
    double *M[CS_MLP_MAX_LAYERS - 1]; /* the rule's feedback matrices (fa: B_k, dfa: D_k) */
    fb_pass_fn pass;
};

void fb_destroy(void *state);
cs_status fb_step(void *state, const cs_mlp *m, cs_rule_batch *b);
cs_status fb_teaching_signal(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                             double *const *errors);

#endif
