/* The one OpenMP loop over permutation surrogates shared by the estimators
 * (est_discrete.c, est_gauss.c, est_mixed.c): surrogate q permutes X's rows
 * by cs_surrogate_permutation(seed, first + q), so a value depends only on
 * the seed and its index, never on the thread that computed it. Each thread
 * allocates its scratch block once and frees it at the end. */
#include <stdlib.h>

#include <omp.h>

#include "cogscope/surrogate.h"
#include "estimator_impl.h"
#include "../par_error.h"

cs_status est_surrogate_loop(est_surrogate_fn f, const void *ctx, size_t scratch_bytes, size_t n, int threads,
                             size_t first, size_t ns, uint64_t seed, double *vals)
{
    par_error err = PAR_ERROR_INIT;
#pragma omp parallel num_threads(cs_threads_resolve(threads))
    {
        size_t *perm = malloc((n ? n : 1) * sizeof *perm);
        void *scratch = malloc(scratch_bytes ? scratch_bytes : 1);
        if (!perm || !scratch)
            par_error_record(&err, cs_error_set(CS_ENOMEM, "out of memory"));
#pragma omp for schedule(dynamic)
        for (size_t q = 0; q < ns; q++) {
            if (par_error_seen(&err))
                continue;
            cs_status r = cs_surrogate_permutation(seed, first + q, perm, n);
            if (!r)
                r = f(ctx, scratch, perm, &vals[q]);
            if (r)
                par_error_record(&err, r);
        }
        free(scratch);
        free(perm);
    }
    return par_error_raise(&err);
}
