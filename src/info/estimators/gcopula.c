/* Gaussian-copula normalisation (conventions in cogscope/gcopula.h). */
#include "cogscope/gcopula.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "rank_internal.h"
#include "gsl_setup.h"

static cs_status normalise_column(const double *v, size_t n, size_t stride, double *out, size_t out_stride,
                                  rank_pair *tmp)
{
    rank_sort(v, n, stride, tmp);
    double denom = (double)n + 1.0;
    for (size_t r = 0; r < n;) {
        size_t e = r + 1;
        while (e < n && tmp[e].v == tmp[r].v)
            e++;
        /* 1-based ranks r+1..e share their average (r + 1 + e) / 2. */
        double c = gsl_cdf_ugaussian_Pinv(0.5 * (double)(r + 1 + e) / denom);
        for (size_t q = r; q < e; q++)
            out[tmp[q].i * out_stride] = c;
        r = e;
    }
    return CS_OK;
}

cs_status cs_gcopula_normalise_column(const double *v, size_t n, size_t stride, double *out, size_t out_stride)
{
    info_gsl_setup();
    rank_pair *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return cs_error_set(CS_ENOMEM, "out of memory ranking %zu values", n);
    cs_status st = normalise_column(v, n, stride, out, out_stride, tmp);
    free(tmp);
    return st;
}

cs_status cs_gcopula_normalise(cs_matrix x, cs_matrix out)
{
    info_gsl_setup();
    if (out.rows != x.rows || out.cols != x.cols)
        return cs_error_set(CS_ESHAPE, "copula output is %zu x %zu, input %zu x %zu", out.rows, out.cols, x.rows,
                            x.cols);
    if (x.rows < 2)
        return cs_error_set(CS_EINVAL, "copula normalisation needs at least 2 samples (got %zu)", x.rows);
    cs_status st = cs_matrix_check_finite(x, "gcopula input");
    if (st)
        return st;
    for (size_t j = 0; j < x.cols; j++) {
        double first = cs_matrix_get(x, 0, j);
        size_t i = 1;
        while (i < x.rows && cs_matrix_get(x, i, j) == first)
            i++;
        if (i == x.rows)
            return cs_error_set(CS_EINVAL, "column %zu is constant (%g): the Gaussian copula cannot use it", j,
                                first);
    }
    rank_pair *tmp = malloc(x.rows * sizeof *tmp);
    if (!tmp)
        return cs_error_set(CS_ENOMEM, "out of memory ranking %zu values", x.rows);
    for (size_t j = 0; j < x.cols && !st; j++)
        st = normalise_column(x.data + j, x.rows, x.stride, out.data + j, out.stride, tmp);
    free(tmp);
    return st;
}
