/* Partial information decomposition: discrete tables (I_min, I_mmi, I_ccs,
 * I_broja), Gaussian covariances (I_mmi, I_ccs) and the sample wrappers.
 * Formulas and methods: cogscope/pid.h. */
#include "cogscope/pid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/gaussian.h"
#include "cogscope/measure.h"
#include "pid_ccs.h"
#include "pid_common.h"
#include "pid_solvers.h"
#include "gsl_setup.h"

static void finish(cs_pid_result *r, double red)
{
    r->redundancy = red;
    r->unique[0] = r->mi_sources[0] - red;
    r->unique[1] = r->mi_sources[1] - red;
    r->synergy = r->mi_joint - r->mi_sources[0] - r->mi_sources[1] + red;
    r->omega = r->mi_joint > 0 ? r->synergy / r->mi_joint : NAN;
}

static cs_status check_params(const cs_pid_params *par)
{
    if ((unsigned)par->redundancy >= CS_PID_REDUNDANCY_COUNT)
        return cs_error_set(CS_EINVAL, "unknown redundancy measure %d", (int)par->redundancy);
    if (!(par->tol > 0))
        return cs_error_set(CS_EINVAL, "tol = %g must be > 0", par->tol);
    if (par->max_iter < 1)
        return cs_error_set(CS_EINVAL, "max_iter = %d must be >= 1", par->max_iter);
    return CS_OK;
}

/* I_ccs over the maximum-entropy table q: sum over cells of q * c where the
 * local co-information c and the three local MIs share a sign. */
static double ccs_redundancy(const double *q, size_t n1, size_t n2, size_t ny)
{
    pid_margins m;
    if (pid_margins_of(q, n1, n2, ny, &m))
        return NAN;
    double red = 0;
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++)
            for (size_t k = 0; k < ny; k++) {
                double v = q[(i * n2 + j) * ny + k];
                if (!(v > 0))
                    continue;
                double i1 = log(m.p1y[i * ny + k] / (m.p1[i] * m.py[k]));
                double i2 = log(m.p2y[j * ny + k] / (m.p2[j] * m.py[k]));
                double i12 = log(v / (m.p12[i * n2 + j] * m.py[k]));
                double c = i1 + i2 - i12;
                int s = pid_sign(c);
                if (s != 0 && pid_sign(i1) == s && pid_sign(i2) == s && pid_sign(i12) == s)
                    red += v * c;
            }
    pid_margins_free(&m);
    return red;
}

/* I_min (Williams & Beer) = sum_y p(y) min_i sum_x p(x|y) ln p(y|x)/p(y),
 * from the marginals of an n1 x n2 x ny table. */
static double wb_redundancy(const pid_margins *mg, size_t n1, size_t n2, size_t ny)
{
    const double *p1y = mg->p1y, *p2y = mg->p2y, *p1 = mg->p1, *p2 = mg->p2, *py = mg->py;
    double red = 0;
    for (size_t k = 0; k < ny; k++) {
        if (!(py[k] > 0))
            continue;
        double spec[2] = {0, 0};
        for (size_t i = 0; i < n1; i++) {
            double v = p1y[i * ny + k];
            if (v > 0)
                spec[0] += v / py[k] * log(v / (p1[i] * py[k]));
        }
        for (size_t j = 0; j < n2; j++) {
            double v = p2y[j * ny + k];
            if (v > 0)
                spec[1] += v / py[k] * log(v / (p2[j] * py[k]));
        }
        red += py[k] * fmin(spec[0], spec[1]);
    }
    return red;
}

/* I_ccs of the normalised table p (n1 x n2 x ny) over its maximum-entropy
 * table with the same pairwise marginals; the fit's residual and iterations
 * go to out->solver_gap / solver_iterations. */
static cs_status ccs_table_redundancy(const double *p, size_t n1, size_t n2, size_t ny, const cs_pid_params *params,
                                      cs_pid_result *out, double *red)
{
    double *q = malloc(n1 * n2 * ny * sizeof *q), resid;
    if (!q)
        return cs_error_set(CS_ENOMEM, "PID table: out of memory");
    cs_status st = pid_maxent_pairwise(p, n1, n2, ny, params->tol, params->max_iter, q, &resid,
                                       &out->solver_iterations);
    if (!st) {
        out->solver_gap = resid;
        *red = ccs_redundancy(q, n1, n2, ny);
        if (isnan(*red))
            st = cs_error_set(CS_ENOMEM, "PID table: out of memory");
    }
    free(q);
    return st;
}

static const char *const pid_names[3] = {"x1", "x2", "y"};
static const char *const block_names[3] = {"X1", "X2", "Y"};

cs_status cs_pid_table(const double *p_in, size_t n1, size_t n2, size_t ny, const cs_pid_params *params,
                       cs_pid_result *out)
{
    cs_pid_params defp;
    params = pid_params(params, &defp);
    memset(out, 0, sizeof *out);
    cs_status st;
    size_t dims[3] = {n1, n2, ny}, n;
    double total;
    if ((st = check_params(params)) || (st = pid_check_table(p_in, dims, 3, pid_names, "PID", &n, &total)))
        return st;
    double *p = malloc(n * sizeof *p);
    if (!p)
        return cs_error_set(CS_ENOMEM, "PID table: out of memory");
    for (size_t c = 0; c < n; c++)
        p[c] = p_in[c] / total;
    pid_margins mg;
    if ((st = pid_margins_of(p, n1, n2, ny, &mg))) {
        free(p);
        return st;
    }
    const double *p12 = mg.p12, *p1y = mg.p1y, *p2y = mg.p2y, *p1 = mg.p1, *p2 = mg.p2, *py = mg.py;
    size_t ny_used = 0, k_used = 0;
    for (size_t k = 0; k < ny; k++)
        if (py[k] > 0)
            ny_used++, k_used = k;
    if (ny_used < 2) {
        st = cs_error_set(CS_EINVAL,
                          "PID: the target takes a single value (state %zu with probability 1), so "
                          "I(X1,X2;Y) = 0 and there is nothing to decompose",
                          k_used);
        goto out;
    }
    double hy = pid_entropy(py, ny);
    out->mi_sources[0] = pid_entropy(p1, n1) + hy - pid_entropy(p1y, n1 * ny);
    out->mi_sources[1] = pid_entropy(p2, n2) + hy - pid_entropy(p2y, n2 * ny);
    out->mi_joint = pid_entropy(p12, n1 * n2) + hy - pid_entropy(p, n);
    double red = 0;
    switch (params->redundancy) {
    case CS_PID_WB: red = wb_redundancy(&mg, n1, n2, ny); break;
    case CS_PID_MMI: red = fmin(out->mi_sources[0], out->mi_sources[1]); break;
    case CS_PID_CCS:
        if ((st = ccs_table_redundancy(p, n1, n2, ny, params, out, &red)))
            goto out;
        break;
    case CS_PID_BROJA: {
        double min_mi, gap;
        if ((st = pid_broja_min(p, n1, n2, ny, params->tol, params->max_iter, &min_mi, &gap,
                                &out->solver_iterations)))
            goto out;
        out->solver_gap = gap;
        /* U1 = I_q*(X1,X2;Y) - I(X2;Y), so R = I(X1;Y) + I(X2;Y) - I_q* */
        red = out->mi_sources[0] + out->mi_sources[1] - min_mi;
        break;
    }
    default: break;
    }
    finish(out, red);
out:
    free(p);
    pid_margins_free(&mg);
    return st;
}

/* ---- Gaussian ---- */

/* Gaussian I_ccs of the covariance cov (d1 + d2 + dy square, variables in
 * the order X1, X2, Y) by the integration of pid_ccs.c; *se its standard
 * error. */
static cs_status gaussian_ccs_redundancy(const double *cov, size_t d1, size_t d2, size_t dy,
                                         const cs_pid_params *params, double *red, double *se)
{
    size_t d = d1 + d2 + dy;
    /* rows of X1 | X2 | Y, X1 Y and X2 Y */
    size_t *idx = malloc((d + (d1 + dy) + (d2 + dy)) * sizeof *idx);
    if (!idx)
        return cs_error_set(CS_ENOMEM, "Gaussian PID: out of memory");
    size_t *b1 = idx + d, *b2 = b1 + d1 + dy;
    for (size_t i = 0; i < d; i++)
        idx[i] = i;
    const size_t *x1 = idx, *x2 = idx + d1, *y = idx + d1 + d2;
    for (size_t i = 0; i < d1; i++)
        b1[i] = x1[i];
    for (size_t i = 0; i < dy; i++)
        b1[d1 + i] = y[i];
    for (size_t i = 0; i < d2; i++)
        b2[i] = x2[i];
    for (size_t i = 0; i < dy; i++)
        b2[d2 + i] = y[i];
    /* subsets: 0 X1, 1 X2, 2 Y, 3 X1Y, 4 X2Y, 5 X1X2, 6 X1X2Y */
    pid_ccs_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.nsub = 7;
    const size_t *subs[7] = {x1, x2, y, b1, b2, idx, idx};
    size_t lens[7] = {d1, d2, dy, d1 + dy, d2 + dy, d1 + d2, d};
    for (int s = 0; s < 7; s++)
        sp.sub_idx[s] = subs[s], sp.sub_len[s] = lens[s];
    sp.nmi = 3;
    int mis[3][3] = {{0, 2, 3}, {1, 2, 4}, {5, 2, 6}}; /* i(x1;y), i(x2;y), i(x1x2;y) */
    memcpy(sp.mi_sub, mis, sizeof mis);
    sp.nred = 1;
    sp.red_mi[0][0] = 0, sp.red_mi[0][1] = 1, sp.red_mi[0][2] = 2;
    cs_status st = pid_ccs_integrate(cov, d, &sp, params, red, se, NULL);
    free(idx);
    return st;
}

cs_status cs_pid_gaussian_cov(const double *cov, size_t d1, size_t d2, size_t dy, const cs_pid_params *params,
                              cs_pid_result *out)
{
    info_gsl_setup();
    cs_pid_params defp;
    params = pid_params(params, &defp);
    cs_status st;
    if ((st = check_params(params)))
        return st;
    memset(out, 0, sizeof *out);
    if ((st = cs_pid_check_redundancy(CS_INFO_PID, CS_EST_GAUSSIAN, params->redundancy)))
        return st;
    if (!cov || d1 == 0 || d2 == 0 || dy == 0)
        return cs_error_set(CS_EINVAL,
                            "Gaussian PID: every variable needs at least one dimension "
                            "(got %zu, %zu, %zu)",
                            d1, d2, dy);
    size_t d = d1 + d2 + dy;
    if ((st = pid_check_cov(cov, d, "covariance")))
        return st;
    size_t *idx = malloc(d * sizeof *idx);
    if (!idx)
        return cs_error_set(CS_ENOMEM, "Gaussian PID: out of memory");
    for (size_t i = 0; i < d; i++)
        idx[i] = i;
    const size_t *x1 = idx, *x2 = idx + d1, *y = idx + d1 + d2;
    double ld = 0;
    /* the whole matrix first: a singular covariance is reported as such */
    if ((st = cs_gaussian_logdet(cov, d, NULL, d, NULL, "covariance of (X1, X2, Y)", &ld)) ||
        (st = cs_gaussian_mi(cov, d, x1, d1, y, dy, "covariance of (X1, Y)", &out->mi_sources[0])) ||
        (st = cs_gaussian_mi(cov, d, x2, d2, y, dy, "covariance of (X2, Y)", &out->mi_sources[1])) ||
        (st = cs_gaussian_mi(cov, d, x1, d1 + d2, y, dy, "covariance of (X1, X2, Y)", &out->mi_joint)))
        goto out;
    double red;
    if (params->redundancy == CS_PID_MMI) {
        red = fmin(out->mi_sources[0], out->mi_sources[1]);
    } else if ((st = gaussian_ccs_redundancy(cov, d1, d2, dy, params, &red, &out->ccs_stderr))) {
        goto out;
    }
    finish(out, red);
out:
    free(idx);
    return st;
}

/* ---- samples ---- */

static cs_status check_samples(cs_matrix x1, cs_matrix x2, cs_matrix y)
{
    if (!x1.data || !x2.data || !y.data || x1.cols == 0 || x2.cols == 0 || y.cols == 0)
        return cs_error_set(CS_EINVAL, "PID: X1, X2 and Y each need at least one column");
    if (x1.rows != x2.rows || x1.rows != y.rows)
        return cs_error_set(CS_ESHAPE, "PID: X1, X2 and Y differ in length (%zu, %zu and %zu rows)", x1.rows, x2.rows,
                            y.rows);
    if (x1.rows < 2)
        return cs_error_set(CS_EINVAL, "PID: %zu sample%s (at least 2 are needed)", x1.rows, x1.rows == 1 ? "" : "s");
    cs_status st;
    if ((st = cs_matrix_check_finite(x1, "X1")) || (st = cs_matrix_check_finite(x2, "X2")) ||
        (st = cs_matrix_check_finite(y, "Y")))
        return st;
    return CS_OK;
}

/* Discrete: the plug-in table of the three blocks' joint codes. */
static cs_status pid_of_symbols(const cs_estimator *e, const size_t d[3], const cs_pid_params *params,
                                cs_pid_result *out)
{
    size_t n = cs_estimator_rows(e);
    int32_t *c = malloc(3 * n * sizeof *c);
    double *table = NULL;
    if (!c)
        return cs_error_set(CS_ENOMEM, "PID: out of memory");
    size_t dims[3];
    const int32_t *codes[3] = {c, c + n, c + 2 * n};
    cs_status st;
    if (!(st = pid_block_codes(e, 0, d[0], "X1", c, &dims[0])) &&
        !(st = pid_block_codes(e, d[0], d[1], "X2", c + n, &dims[1])) &&
        !(st = pid_block_codes(e, d[0] + d[1], d[2], "Y", c + 2 * n, &dims[2])) &&
        !(st = pid_count_table(codes, dims, 3, n, pid_names, "PID", &table)))
        st = cs_pid_table(table, dims[0], dims[1], dims[2], params, out);
    free(c);
    free(table);
    return st;
}

cs_status cs_pid_estimate(const cs_estimator_params *ep, cs_matrix x1, cs_matrix x2, cs_matrix y,
                          const cs_pid_params *params, cs_pid_result *out)
{
    cs_pid_params defp;
    params = pid_params(params, &defp);
    cs_measure_request r = {CS_INFO_PID, ep->estimator, 0, 0, {CS_VAR_CONTINUOUS}};
    cs_status st;
    if ((st = cs_measure_validate(&r)) || (st = check_params(params)) || (st = check_samples(x1, x2, y)))
        return st;
    if ((st = cs_pid_check_redundancy(CS_INFO_PID, ep->estimator, params->redundancy)))
        return st;
    int disc = ep->estimator == CS_EST_DISCRETE;
    const cs_matrix blocks[3] = {x1, x2, y};
    const size_t first[3] = {0, 0, 0}, d[3] = {x1.cols, x2.cols, y.cols};
    cs_estimator *e;
    if ((st = pid_blocks_estimator(ep, blocks, first, 3, x1.rows, block_names, &e)))
        return st;
    st = disc ? pid_of_symbols(e, d, params, out)
              : cs_pid_gaussian_cov(pid_estimator_cov(e), d[0], d[1], d[2], params, out);
    cs_estimator_destroy(e);
    return st;
}
