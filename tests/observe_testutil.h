/* Analysing run logs in tests: open a log, run cs_obs_analyze with the
 * given parameters and close it; look up a metrics array that must exist.
 * Both assert (Criterion) instead of returning an error. */
#ifndef COGSCOPE_OBSERVE_TESTUTIL_H
#define COGSCOPE_OBSERVE_TESTUTIL_H

#include <criterion/criterion.h>

#include "cogscope/observe.h"
#include "cogscope/runlog.h"

static inline cs_metrics *tu_analyze_file(const char *path, const cs_obs_params *p)
{
    cs_runlog *r;
    cr_assert_eq(cs_runlog_open(path, &r), CS_OK, "%s", cs_last_error());
    cs_metrics *m = NULL;
    cs_status st = cs_obs_analyze(r, p, &m);
    cs_runlog_close_reader(r);
    cr_assert_eq(st, CS_OK, "%s", cs_last_error());
    return m;
}

static inline const cs_metrics_array *tu_need(const cs_metrics *m, const char *path)
{
    const cs_metrics_array *a = cs_metrics_get(m, path);
    cr_assert_not_null(a, "metrics array %s is missing", path);
    return a;
}

#endif
