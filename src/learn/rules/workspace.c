/* Sizing and allocating a rule's scratch (workspace_internal.h). */
#include <stdlib.h>

#include "workspace_internal.h"

size_t rule_units(const cs_mlp *m, size_t *widest)
{
    size_t units = 0;
    *widest = 0;
    for (size_t k = 1; k < m->n_layers; k++) {
        units += m->sizes[k];
        if (m->sizes[k] > *widest)
            *widest = m->sizes[k];
    }
    return units;
}

cs_status rule_workspace(const cs_mlp *m, size_t max_rows, size_t total, const char *rule, cs_mlp_cache **cache,
                         double **memory)
{
    cs_status st = cache ? cs_mlp_cache_create(m, max_rows, cache) : CS_OK;
    if (!st && !(*memory = malloc(total * sizeof(double))))
        st = cs_error_set(CS_ENOMEM, "rule %s: cannot allocate %zu doubles", rule, total);
    return st;
}

void rule_workspace_free(cs_mlp_cache *cache, double *memory)
{
    cs_mlp_cache_destroy(cache);
    free(memory);
}
