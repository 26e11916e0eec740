/* cogscope analyze over several processes (tools/dist.h): the snapshot jobs
 * of every run (cs_obs_jobs, cogscope/observe.h) shared by the ranks with
 * dynamic load balancing; rank 0 merges and writes every metrics file. */
#ifndef COGSCOPE_ANALYZE_DIST_H
#define COGSCOPE_ANALYZE_DIST_H

#include "analyze_out.h"

/* Analyse runs[0..nruns) over every rank. Returns the exit code. */
int analyze_dist(const char *cmd, char **runs, size_t nruns, const cs_obs_params *p, const analyze_out *o);

#endif
