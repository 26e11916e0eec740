/* Owned matrices, finiteness checks and column selection. */
#include "cogscope/core.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

cs_status cs_matrix_alloc(size_t rows, size_t cols, cs_matrix *out)
{
    out->data = NULL;
    out->rows = out->cols = out->stride = 0;
    if (rows != 0 && cols > SIZE_MAX / sizeof(double) / rows)
        return cs_error_set(CS_ENOMEM, "matrix of %zu x %zu doubles is too large", rows, cols);
    size_t count = rows * cols;
    /* Sizes read from a file (an HDF5 dataset declaring 2^60 elements) are
     * refused before asking for the memory: more than the machine has can
     * never be worked on, and some allocators abort instead of failing. */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double mem = pages > 0 && page > 0 ? (double)pages * (double)page : 1099511627776.0;
    if ((double)count * sizeof(double) > mem)
        return cs_error_set(CS_ENOMEM,
                            "a %zu x %zu matrix of doubles needs %.3g GB, more than this "
                            "machine's memory (%.3g GB)",
                            rows, cols, (double)count * sizeof(double) / 1e9, mem / 1e9);
    double *data = calloc(count > 0 ? count : 1, sizeof *data);
    if (!data)
        return cs_error_set(CS_ENOMEM, "cannot allocate a %zu x %zu matrix", rows, cols);
    *out = cs_matrix_view(data, rows, cols);
    return CS_OK;
}

void cs_matrix_free(cs_matrix *m)
{
    if (!m)
        return;
    free(m->data);
    m->data = NULL;
    m->rows = m->cols = m->stride = 0;
}

cs_status cs_matrix_check_finite(cs_matrix m, const char *what)
{
    for (size_t i = 0; i < m.rows; i++) {
        const double *row = cs_matrix_row(m, i);
        for (size_t j = 0; j < m.cols; j++)
            if (!isfinite(row[j]))
                return cs_error_set(CS_ENONFINITE, "%s: %s at row %zu, column %zu", what,
                                    isnan(row[j]) ? "NaN" : "Inf", i, j);
    }
    return CS_OK;
}

cs_status cs_matrix_select_cols(cs_matrix src, const size_t *cols, size_t ncols, cs_matrix *out)
{
    for (size_t c = 0; c < ncols; c++)
        if (cols[c] >= src.cols)
            return cs_error_set(CS_EINVAL, "column %zu is out of range (the data has %zu columns)", cols[c],
                                src.cols);
    cs_status st = cs_matrix_alloc(src.rows, ncols, out);
    if (st)
        return st;
    for (size_t i = 0; i < src.rows; i++) {
        const double *s = cs_matrix_row(src, i);
        double *d = cs_matrix_row(*out, i);
        for (size_t c = 0; c < ncols; c++)
            d[c] = s[cols[c]];
    }
    return CS_OK;
}
