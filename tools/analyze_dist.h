/* cogscope analyze over several processes (tools/dist.h): the snapshot jobs
 * of every run (cs_obs_jobs, cogscope/observe.h) shared by the ranks with
 * dynamic load balancing; rank 0 merges and writes every metrics file. */
#ifndef COGSCOPE_ANALYZE_DIST_H
#define COGSCOPE_ANALYZE_DIST_H

#include "cogscope/observe.h"

/* Where and how a run's result is reported. */
typedef struct {
    const char *out_path; /* NULL: RUN.metrics.h5 */
    int json, quiet;
} analyze_out;

/* Write the metrics of one run and print its summary line (cmd_analyze.c);
 * t0 = cs_time_now() at the start. Returns the exit code. */
int analyze_write(const char *run_path, const cs_runlog *run, const cs_obs_params *p, cs_metrics *m,
                  double t0, const analyze_out *o);

/* Analyse runs[0..nruns) over every rank. Returns the exit code. */
int analyze_dist(const char *cmd, char **runs, size_t nruns, const cs_obs_params *p,
                 const analyze_out *o);

#endif
