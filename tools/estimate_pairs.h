/* cogscope estimate te|mi --pairs COLS: the measure (and its surrogate
 * p-value) for every ordered pair of the listed columns, as a matrix; the
 * pairs are split over the ranks of a distributed run (tools/dist.h). */
#ifndef COGSCOPE_ESTIMATE_PAIRS_H
#define COGSCOPE_ESTIMATE_PAIRS_H

#include "estimate_common.h"
#include "cogscope/info.h"

/* Run and print. p: the calculator's parameters (p->measure te or mi);
 * v: the --pairs variable, already selected and checked (v->data holds its
 * m >= 2 columns); nsurr 0: no test. Returns the exit code. */
int est_pairs_run(const char *cmd, const char *measure_arg, const cs_info_params *p, const est_opts *eo,
                  const est_var *v, uint64_t nsurr, uint64_t seed);

#endif
