/* The vtable entries fa.c and dfa.c share (feedback_internal.h). */
#include <stdlib.h>

#include "feedback_internal.h"

void fb_destroy(void *state)
{
    fb_state *s = state;
    if (!s)
        return;
    cs_mlp_cache_destroy(s->cache);
    free(s->feedback);
    free(s);
}

cs_status fb_step(void *state, const cs_mlp *m, cs_rule_batch *b)
{
    fb_state *s = state;
    cs_status st = s->pass(s, m, b->x, b->labels, b->rows, b->direction);
    if (st)
        return st;
    cs_mlp_copy_logits(m, s->cache, b->rows, b->logits);
    return CS_OK;
}

cs_status fb_teaching_signal(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                             double *const *errors)
{
    fb_state *s = state;
    cs_status st = s->pass(s, m, x, labels, rows, NULL);
    if (st)
        return st;
    cs_mlp_copy_deltas(m, s->cache, rows, errors);
    return CS_OK;
}
