/* PhiID (cogscope/phiid.h) of a layer's state reduced to its first two
 * principal components, between earlier and later states. */
#include "observe_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "cogscope/phiid.h"

cs_status cs_obs_phiid_pcs(cs_matrix a, cs_matrix b, const cs_obs_params *p, double *phi_wms, double *phi_r,
                           double atoms[16])
{
    if (!p || !phi_wms || !phi_r)
        return cs_error_set(CS_EINVAL, "cs_obs_phiid_pcs: parameters and outputs must be given");
    *phi_wms = *phi_r = NAN;
    if (atoms)
        for (int i = 0; i < 16; i++)
            atoms[i] = NAN;
    if (a.rows != b.rows || a.cols != b.cols)
        return cs_error_set(CS_ESHAPE, "PhiID: earlier states are %zu x %zu, later states %zu x %zu", a.rows, a.cols,
                            b.rows, b.cols);
    size_t n = a.rows, d = a.cols;
    if (n < 8)
        return cs_error_set(CS_ESHAPE, "PhiID: %zu state pairs; needs at least 8", n);
    cs_matrix stack, D;
    cs_status st = cs_matrix_alloc(2 * n, d, &stack);
    if (st != CS_OK)
        return st;
    if ((st = cs_matrix_alloc(n, 4, &D)) != CS_OK) {
        cs_matrix_free(&stack);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(stack.data + i * d, cs_matrix_row(a, i), d * sizeof(double));
        memcpy(stack.data + (n + i) * d, cs_matrix_row(b, i), d * sizeof(double));
    }
    double *mean = NULL, *axes = NULL, cov[16];
    size_t k = 0;
    if ((st = cs_matrix_check_finite(stack, "PhiID states")) != CS_OK ||
        (st = obs_pca_fit(stack, 2, &mean, &axes, &k)) != CS_OK)
        goto done;
    if (k < 2) {
        st = cs_error_set(CS_ESINGULAR, "PhiID: the states vary along a single direction (needs 2 components)");
        goto done;
    }
    /* Columns: PC1_t, PC2_t, PC1_t+1, PC2_t+1 (phiid.h's block order). */
    cs_matrix pa = {D.data, n, 2, 4}, pb = {D.data + 2, n, 2, 4};
    obs_pca_project(a, mean, axes, 2, pa);
    obs_pca_project(b, mean, axes, 2, pb);
    if (p->estimator != CS_EST_GAUSSIAN)
        for (size_t c = 0; c < 4; c++)
            if ((st = cs_gcopula_normalise_column(D.data + c, n, 4, D.data + c, 4)) != CS_OK)
                goto done;
    if ((st = cs_gaussian_cov(D, NULL, 0, 0, cov, NULL)) != CS_OK)
        goto done;
    cs_pid_params pp;
    cs_pid_params_default(&pp);
    pp.redundancy = CS_PID_MMI;
    pp.threads = 1;
    cs_phiid_result r;
    if ((st = cs_phiid_gaussian_cov(cov, 1, 1, &pp, &r)) != CS_OK)
        goto done;
    *phi_wms = r.phi_wms;
    *phi_r = r.phi_r;
    if (atoms)
        memcpy(atoms, r.atoms, 16 * sizeof(double));
done:
    free(mean);
    free(axes);
    cs_matrix_free(&stack);
    cs_matrix_free(&D);
    return st;
}
