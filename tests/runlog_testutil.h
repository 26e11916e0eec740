/* Reading cogscope-trainer run logs in tests by the trainer's layer numbers:
 * its layers are named "1".."n-1", so layer L (1-based) is the layer named
 * L. Each helper returns CS_EINVAL when the log has no such layer. */
#ifndef COGSCOPE_RUNLOG_TESTUTIL_H
#define COGSCOPE_RUNLOG_TESTUTIL_H

#include <stdio.h>

#include "cogscope/runlog.h"

static inline size_t tu_layer(const cs_runlog *r, size_t L)
{
    char name[32];
    snprintf(name, sizeof name, "%zu", L);
    return cs_runlog_layer_find(r, name);
}

static inline cs_status tu_layer_series(const cs_runlog *r, size_t L, const char *name, double **v, size_t *n)
{
    const cs_runlog_item *it = cs_runlog_find(r, CS_RUNLOG_LAYER_SERIES, tu_layer(r, L), name);
    return it ? cs_runlog_read_series(r, it, v, n) : cs_error_set(CS_EINVAL, "no layer series %zu/%s", L, name);
}

static inline cs_status tu_snapshot(const cs_runlog *r, size_t L, size_t snap, const char *which, cs_matrix *m)
{
    size_t l = tu_layer(r, L);
    return l == (size_t)-1 ? cs_error_set(CS_EINVAL, "no layer %zu", L)
                           : cs_runlog_read_layer_snapshot(r, l, which, snap, m);
}

static inline cs_status tu_relax(const cs_runlog *r, size_t L, size_t snap, cs_matrix *states, double **energy)
{
    size_t l = tu_layer(r, L);
    return l == (size_t)-1 ? cs_error_set(CS_EINVAL, "no layer %zu", L)
                           : cs_runlog_read_relaxation(r, l, snap, states, energy);
}

#endif
