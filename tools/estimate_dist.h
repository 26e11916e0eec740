/* The distributed forms of the estimate computations (tools/dist.h): each
 * takes the arguments of the library call it replaces, splits the work over
 * the ranks, and leaves the whole result on rank 0 (and the status on every
 * rank). With one rank they are the library call itself. */
#ifndef COGSCOPE_ESTIMATE_DIST_H
#define COGSCOPE_ESTIMATE_DIST_H

#include "cogscope/info.h"
#include "cogscope/multivariate.h"

/* cs_mv_multiplets over the ranks: every order's ranks split in contiguous
 * blocks, values gathered in order, top-K lists merged exactly (the hit order
 * is a strict total order, so the K best of the union are those of the whole
 * scan). `values`, `low`, `high` as cs_mv_multiplets, filled on rank 0. */
cs_status est_dist_multiplets(const cs_estimator *est, cs_mv_measure measure, const cs_mv_multiplet_opts *o,
                              double *values, cs_mv_hit *low, size_t *nlow, cs_mv_hit *high, size_t *nhigh);

/* cs_info_surrogates over the ranks: surrogate s still uses the stream
 * (seed, s), whichever rank computes it, and rank 0 summarises the values in
 * order, so the p-value, mean and std are those of the serial run. `sig` is
 * filled on every rank. */
cs_status est_dist_surrogates(cs_info *calc, size_t n_surrogates, uint64_t seed, cs_info_significance *sig);

/* After a rank's share of the work: agree on success (dist_agree). Returns
 * `st` if this rank failed, CS_EINTERNAL (message set) if another one did. */
cs_status est_dist_agree(cs_status st);

#endif
