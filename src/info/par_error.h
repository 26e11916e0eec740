/* The first failure inside an OpenMP region, carried to the calling thread.
 * cs_last_error() is thread-local, so a worker's message would be lost when
 * the region ends: par_error_record() copies the first one here (later ones
 * are dropped), workers poll par_error_seen() to skip the work left, and the
 * caller re-raises it with par_error_raise(). Internal to src/info. */
#ifndef COGSCOPE_INFO_PAR_ERROR_H
#define COGSCOPE_INFO_PAR_ERROR_H

#include <stdio.h>

#include "cogscope/core.h"

typedef struct {
    int failed;
    cs_status status;
    char msg[512];
} par_error;

#define PAR_ERROR_INIT                                                                                               \
    {                                                                                                                \
        0, CS_OK, ""                                                                                                 \
    }

static inline void par_error_record(par_error *e, cs_status st)
{
#pragma omp critical(cs_par_error)
    {
        if (!e->failed) {
            e->status = st;
            snprintf(e->msg, sizeof e->msg, "%s", cs_last_error());
#pragma omp atomic write
            e->failed = 1;
        }
    }
}

static inline int par_error_seen(par_error *e)
{
    int v;
#pragma omp atomic read
    v = e->failed;
    return v;
}

/* On the calling thread, after the region: CS_OK, or the recorded failure
 * with its message. */
static inline cs_status par_error_raise(const par_error *e)
{
    return e->failed ? cs_error_set(e->status, "%s", e->msg) : CS_OK;
}

#endif
