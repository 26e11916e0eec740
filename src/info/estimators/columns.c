/* Degenerate columns, ties and tie-breaking noise (cogscope/columns.h). */
#include "cogscope/columns.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rank_internal.h"

static int column_constant(cs_matrix x, size_t j)
{
    double first = cs_matrix_get(x, 0, j);
    for (size_t i = 1; i < x.rows; i++)
        if (cs_matrix_get(x, i, j) != first)
            return 0;
    return 1;
}

static int columns_equal(cs_matrix x, size_t a, size_t b)
{
    for (size_t i = 0; i < x.rows; i++)
        if (cs_matrix_get(x, i, a) != cs_matrix_get(x, i, b))
            return 0;
    return 1;
}

cs_status cs_columns_degenerate(cs_matrix x, long *same_as, size_t *n_usable)
{
    cs_status st = cs_matrix_check_finite(x, "columns");
    if (st != CS_OK)
        return st;
    size_t ok = 0;
    for (size_t j = 0; j < x.cols; j++) {
        same_as[j] = x.rows == 0 || column_constant(x, j) ? CS_COLUMN_CONSTANT : CS_COLUMN_OK;
        /* Compare with earlier usable columns only: a copy of a copy names
         * the first column of its group. */
        for (size_t e = 0; e < j && same_as[j] == CS_COLUMN_OK; e++)
            if (same_as[e] == CS_COLUMN_OK && columns_equal(x, e, j))
                same_as[j] = (long)e;
        ok += same_as[j] == CS_COLUMN_OK;
    }
    if (n_usable)
        *n_usable = ok;
    return CS_OK;
}

cs_status cs_columns_tied_fraction(cs_matrix x, double *fraction)
{
    *fraction = 0;
    size_t n = x.rows;
    if (n < 2 || x.cols == 0)
        return CS_OK;
    rank_pair *tmp = malloc(n * sizeof *tmp);
    unsigned char *tied = calloc(n, 1);
    if (!tmp || !tied) {
        free(tmp);
        free(tied);
        return cs_error_set(CS_ENOMEM, "out of memory counting ties of %zu rows", n);
    }
    for (size_t j = 0; j < x.cols; j++) {
        rank_sort(x.data + j, n, x.stride, tmp);
        for (size_t r = 0; r + 1 < n; r++)
            if (tmp[r].v == tmp[r + 1].v)
                tied[tmp[r].i] = tied[tmp[r + 1].i] = 1;
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += tied[i];
    *fraction = (double)count / (double)n;
    free(tmp);
    free(tied);
    return CS_OK;
}

void cs_columns_mean_ss(cs_matrix x, size_t j, double *mean, double *ss)
{
    double m = 0, q = 0;
    for (size_t i = 0; i < x.rows; i++)
        m += cs_matrix_get(x, i, j);
    m /= (double)x.rows;
    for (size_t i = 0; i < x.rows; i++) {
        double d = cs_matrix_get(x, i, j) - m;
        q += d * d;
    }
    *mean = m;
    *ss = q;
}

cs_status cs_columns_jitter(cs_matrix x, double noise_sd, uint64_t seed)
{
    if (!(noise_sd >= 0) || !isfinite(noise_sd))
        return cs_error_set(CS_EINVAL, "noise standard deviation %g must be finite and >= 0", noise_sd);
    if (noise_sd == 0 || x.rows == 0)
        return CS_OK;
    double *sd = malloc((x.cols ? x.cols : 1) * sizeof *sd);
    if (!sd)
        return cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t j = 0; j < x.cols; j++) {
        double mean, ss;
        cs_columns_mean_ss(x, j, &mean, &ss);
        double s = x.rows > 1 ? sqrt(ss / (double)(x.rows - 1)) : 0;
        sd[j] = s > 0 ? s : 1;
    }
    cs_rng *rng;
    cs_status st = cs_rng_create(seed, &rng);
    if (st == CS_OK) {
        for (size_t i = 0; i < x.rows; i++)
            for (size_t j = 0; j < x.cols; j++)
                x.data[i * x.stride + j] += sd[j] * cs_rng_gaussian(rng, noise_sd);
        cs_rng_destroy(rng);
    }
    free(sd);
    return st;
}
