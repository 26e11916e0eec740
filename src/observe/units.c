/* One unit set per layer for the whole run (observe_internal.h). */
#include "observe_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

cs_status obs_units_fixed(obs_snapshot_reader read, void *ctx, size_t S, const size_t *order, size_t n_units,
                          size_t cap, cs_info_estimator est, size_t *units, size_t *k)
{
    /* cand: the candidates still in, in preference order, padded with
     * SIZE_MAX (skipped by obs_select_units) to the layer width. */
    size_t *cand = malloc((n_units ? n_units : 1) * sizeof *cand),
           *sel = malloc((n_units ? n_units : 1) * sizeof *sel);
    unsigned char *keep = malloc(n_units ? n_units : 1);
    if (!cand || !sel || !keep) {
        free(cand);
        free(sel);
        free(keep);
        return cs_error_set(CS_ENOMEM, "out of memory choosing the units");
    }
    memcpy(cand, order, n_units * sizeof *cand);
    size_t nc = n_units;
    cs_status st = CS_OK;
    for (int changed = 1; changed && st == CS_OK;) {
        changed = 0;
        for (size_t s = 0; s < S && st == CS_OK; s++) {
            cs_matrix t = {0};
            if ((st = read(ctx, s, &t)) != CS_OK)
                break;
            if (t.cols != n_units) {
                cs_matrix_free(&t);
                st = cs_error_set(CS_ESHAPE, "snapshot %zu has %zu units, the layer %zu", s, t.cols, n_units);
                break;
            }
            size_t got = obs_select_units(t, cand, cap, est, sel);
            cs_matrix_free(&t);
            /* Candidates looked at and not taken: every one before the last
             * taken, or all when fewer than cap were found. */
            size_t last = 0;
            memset(keep, 0, n_units);
            for (size_t q = 0; q < got; q++)
                keep[sel[q]] = 1;
            if (got == cap && got > 0)
                while (last < nc && cand[last] != sel[got - 1])
                    last++;
            else
                last = nc ? nc - 1 : 0;
            size_t w = 0;
            for (size_t r = 0; r < nc; r++) {
                if (r <= last && !keep[cand[r]]) {
                    changed = 1;
                    continue;
                }
                cand[w++] = cand[r];
            }
            nc = w;
            for (size_t r = nc; r < n_units; r++)
                cand[r] = SIZE_MAX;
        }
    }
    if (st == CS_OK) {
        *k = nc < cap ? nc : cap;
        memcpy(units, cand, *k * sizeof *units);
    }
    free(cand);
    free(sel);
    free(keep);
    return st;
}
