/* Where and how `cogscope analyze` reports a run's result (analyze_out.c). */
#ifndef COGSCOPE_ANALYZE_OUT_H
#define COGSCOPE_ANALYZE_OUT_H

#include "cogscope/observe.h"

typedef struct {
    const char *out_path; /* NULL: RUN.metrics.h5 */
    int json, quiet;
} analyze_out;

/* Write the metrics of one run and print its summary line; t0 =
 * cs_time_now() at the start. Returns the exit code. */
int analyze_write(const char *run_path, const cs_runlog *run, const cs_obs_params *p, cs_metrics *m, double t0,
                  const analyze_out *o);

#endif
