/* The distributed forms of the estimate computations (estimate_dist.h). */
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "estimate_dist.h"

cs_status est_dist_agree(cs_status st)
{
    if (dist_agree(st ? 1 : 0) && !st)
        return CS_EINTERNAL; /* dist_agree set the message */
    return st;
}

/* A hit travels as 3 doubles: value, order, rank (order < 2^53 and ranks
 * < 2^53 are exact in a double; larger scans are refused by the limits). */
static void hits_pack(const cs_mv_hit *h, size_t n, double *d)
{
    for (size_t i = 0; i < n; i++) {
        d[3 * i] = h[i].value;
        d[3 * i + 1] = (double)h[i].order;
        d[3 * i + 2] = (double)h[i].rank;
    }
}

static void hits_unpack(const double *d, size_t n, cs_mv_hit *h)
{
    for (size_t i = 0; i < n; i++)
        h[i] = (cs_mv_hit){d[3 * i], (size_t)d[3 * i + 1], (uint64_t)d[3 * i + 2]};
}

/* Gather every rank's top list (nmine hits) on rank 0 and keep the first
 * `keep` of the union in list order: *n = how many. */
static cs_status merge_hits(const cs_mv_hit *mine, size_t nmine, size_t keep, int high, cs_mv_hit *out, size_t *n)
{
    int K = dist_size(), root = dist_rank() == 0;
    size_t cap = keep * (size_t)K;
    double cnt = (double)nmine, *counts = malloc((size_t)K * sizeof *counts);
    double *pack = malloc((nmine ? nmine : 1) * 3 * sizeof *pack);
    double *all = root ? malloc((cap ? cap : 1) * 3 * sizeof *all) : NULL;
    cs_mv_hit *u = root ? malloc((cap ? cap : 1) * sizeof *u) : NULL;
    cs_status st = CS_OK;
    if (!counts || !pack || (root && (!all || !u)))
        st = cs_error_set(CS_ENOMEM, "out of memory merging top-K lists");
    if (!(st = est_dist_agree(st)))
        st = dist_gather(&cnt, 1, counts);
    if (!st) {
        hits_pack(mine, nmine, pack);
        st = dist_gather(pack, 3 * nmine, all);
    }
    if (!st && root) {
        size_t total = 0;
        for (int r = 0; r < K; r++)
            total += (size_t)counts[r];
        hits_unpack(all, total, u);
        cs_mv_hits_sort(u, total, high);
        *n = total < keep ? total : keep;
        memcpy(out, u, *n * sizeof *out);
    }
    free(counts);
    free(pack);
    free(all);
    free(u);
    return st;
}

cs_status est_dist_multiplets(const cs_estimator *est, cs_mv_measure measure, const cs_mv_multiplet_opts *o0,
                              double *values, cs_mv_hit *low, size_t *nlow, cs_mv_hit *high, size_t *nhigh)
{
    int K = dist_size(), me = dist_rank();
    if (K == 1)
        return cs_mv_multiplets(est, measure, o0, values, low, nlow, high, nhigh);
    cs_mv_multiplet_opts o = *o0;
    o.part = (size_t)me;
    o.parts = (size_t)K;
    size_t n = cs_estimator_columns(est);
    /* this rank's share of the values: of every order, its block */
    uint64_t mine = 0, first, cnt, total = 0;
    for (size_t k = o.order_min; k <= o.order_max; k++) {
        uint64_t c = cs_mv_binomial(n, k);
        cs_mv_part_range(c, o.part, o.parts, &first, &cnt);
        mine += cnt;
        total += c;
    }
    size_t keep = o.top_k < total ? o.top_k : (size_t)total;
    double *part = values ? malloc((mine ? mine : 1) * sizeof *part) : NULL;
    double *all = values && me == 0 ? malloc((total ? total : 1) * sizeof *all) : NULL;
    cs_mv_hit *pl = low ? malloc((keep ? keep : 1) * sizeof *pl) : NULL;
    cs_mv_hit *ph = high ? malloc((keep ? keep : 1) * sizeof *ph) : NULL;
    size_t npl = 0, nph = 0;
    cs_status st = CS_OK;
    if ((values && (!part || (me == 0 && !all))) || (low && !pl) || (high && !ph))
        st = cs_error_set(CS_ENOMEM, "out of memory for this rank's %llu multiplets", (unsigned long long)mine);
    if (!st)
        st = cs_mv_multiplets(est, measure, &o, part, pl, &npl, ph, &nph);
    st = est_dist_agree(st);
    if (!st && values)
        st = dist_gather(part, (size_t)mine, all);
    if (!st && values && me == 0) {
        /* rank-major (each rank: its block of every order) to order-major */
        uint64_t src = 0;
        for (int r = 0; r < K; r++) {
            uint64_t dst = 0;
            for (size_t k = o.order_min; k <= o.order_max; k++) {
                uint64_t c = cs_mv_binomial(n, k);
                cs_mv_part_range(c, (size_t)r, o.parts, &first, &cnt);
                memcpy(values + dst + first, all + src, cnt * sizeof *values);
                src += cnt;
                dst += c;
            }
        }
    }
    if (!st && low)
        st = merge_hits(pl, npl, keep, 0, low, nlow);
    if (!st && high)
        st = merge_hits(ph, nph, keep, 1, high, nhigh);
    free(part);
    free(all);
    free(pl);
    free(ph);
    return st;
}

cs_status est_dist_surrogates(cs_info *calc, size_t n_surrogates, uint64_t seed, cs_info_significance *sig)
{
    if (dist_size() == 1)
        return cs_info_surrogates(calc, n_surrogates, seed, sig, NULL);
    uint64_t first, cnt;
    dist_block(n_surrogates, &first, &cnt);
    int root = dist_rank() == 0;
    double observed = 0;
    double *mine = malloc((cnt ? cnt : 1) * sizeof *mine);
    double *all = root ? malloc(n_surrogates * sizeof *all) : NULL;
    cs_status st = !mine || (root && !all) ? cs_error_set(CS_ENOMEM, "out of memory for surrogates") : CS_OK;
    if (!st)
        st = cs_info_average(calc, &observed);
    if (!st)
        st = cs_info_surrogate_values(calc, (size_t)first, (size_t)cnt, seed, mine);
    st = est_dist_agree(st);
    if (!st)
        st = dist_gather(mine, (size_t)cnt, all);
    if (!st && root)
        st = cs_significance_summarise(observed, all, n_surrogates, sig);
    /* every rank returns the same result */
    st = est_dist_agree(st);
    if (!st)
        st = dist_bcast_bytes(sig, sizeof *sig);
    free(mine);
    free(all);
    return st;
}
