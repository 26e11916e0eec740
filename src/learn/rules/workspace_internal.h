/* What the rules that keep per-layer scratch (ep.c, np.c, pc.c) share to
 * size and allocate it: the non-input layers' widths, and one block of
 * doubles (plus, for the rules that need one, the forward cache) that the
 * rule's create() then carves into its per-layer arrays. Internal to
 * src/learn/rules. */
#ifndef COGSCOPE_LEARN_WORKSPACE_INTERNAL_H
#define COGSCOPE_LEARN_WORKSPACE_INTERNAL_H

#include "cogscope/rule.h"

/* The units of m's non-input layers (sizes[1..n_layers)) summed, returned,
 * and the widest of them in *widest. */
size_t rule_units(const cs_mlp *m, size_t *widest);

/* The forward cache for max_rows rows into *cache (cache NULL: none) and
 * then one block of `total` doubles into *memory; a failure is CS_ENOMEM
 * naming the rule and the size. What was made before a failure stays in
 * *cache / *memory for the rule's destroy to free. */
cs_status rule_workspace(const cs_mlp *m, size_t max_rows, size_t total, const char *rule, cs_mlp_cache **cache,
                         double **memory);
/* Frees what rule_workspace made (either may be NULL). */
void rule_workspace_free(cs_mlp_cache *cache, double *memory);

#endif
