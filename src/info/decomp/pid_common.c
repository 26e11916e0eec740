/* The helpers the decompositions share (pid_common.h): the PID parameters
 * and redundancy names, entropies and marginals of probability tables, dense
 * tables counted from samples, joint symbol codes and covariances. */
#include "pid_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"

static const char *const red_names[CS_PID_REDUNDANCY_COUNT] = {"wb", "mmi", "ccs", "broja"};

const char *cs_pid_redundancy_name(cs_pid_redundancy r)
{
    return (unsigned)r < CS_PID_REDUNDANCY_COUNT ? red_names[r] : NULL;
}

cs_status cs_pid_redundancy_parse(const char *name, cs_pid_redundancy *out)
{
    for (int r = 0; r < CS_PID_REDUNDANCY_COUNT; r++)
        if (name && !strcmp(name, red_names[r])) {
            *out = (cs_pid_redundancy)r;
            return CS_OK;
        }
    return cs_error_set(CS_EINVAL, "unknown redundancy measure '%s' (wb, mmi, ccs or broja)", name ? name : "(null)");
}

void cs_pid_params_default(cs_pid_params *p)
{
    memset(p, 0, sizeof *p);
    p->redundancy = CS_PID_MMI;
    p->alphabet = 0;
    p->bins = 0;
    p->binning = CS_BIN_EQUAL_WIDTH;
    p->tol = 1e-10;
    p->max_iter = 500;
    p->ccs_points = 8192;
    p->ccs_shifts = 16;
    p->seed = 1;
    p->threads = 0;
}

double pid_entropy(const double *p, size_t n)
{
    double h = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] > 0)
            h -= p[i] * log(p[i]);
    return h;
}

cs_status pid_margins_of(const double *p, size_t n1, size_t n2, size_t ny, pid_margins *m)
{
    double *b = calloc(n1 * n2 + n1 * ny + n2 * ny + n1 + n2 + ny, sizeof *b);
    if (!b)
        return cs_error_set(CS_ENOMEM,
                            "PID: out of memory for the marginals of a %zu x %zu x %zu "
                            "table",
                            n1, n2, ny);
    m->p12 = b, m->p1y = b + n1 * n2, m->p2y = m->p1y + n1 * ny, m->p1 = m->p2y + n2 * ny;
    m->p2 = m->p1 + n1, m->py = m->p2 + n2;
    for (size_t i = 0; i < n1; i++)
        for (size_t j = 0; j < n2; j++)
            for (size_t k = 0; k < ny; k++) {
                double v = p[(i * n2 + j) * ny + k];
                m->p12[i * n2 + j] += v, m->p1y[i * ny + k] += v, m->p2y[j * ny + k] += v;
                m->p1[i] += v, m->p2[j] += v, m->py[k] += v;
            }
    return CS_OK;
}

void pid_margins_free(pid_margins *m)
{
    free(m->p12); /* the start of the block */
    memset(m, 0, sizeof *m);
}

/* ---- dense tables ---- */

/* "3 x 4 x 2" into buf. */
static void format_dims(const size_t *dims, int nv, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int v = 0; v < nv && used < len; v++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu", v ? " x " : "", dims[v]);
}

/* "(x1, x2, y)" into buf, or with values: "(x1 = 0, x2 = 1, y = 1)". */
static void format_vars(const char *const *names, const size_t *values, int nv, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "(");
    for (int v = 0; v < nv && used < len; v++) {
        used += (size_t)snprintf(buf + used, len - used, "%s%s", v ? ", " : "", names[v]);
        if (values && used < len)
            used += (size_t)snprintf(buf + used, len - used, " = %zu", values[v]);
    }
    if (used < len)
        snprintf(buf + used, len - used, ")");
}

/* Cells of a table with these dimensions, or 0 beyond PID_TABLE_MAX_CELLS. */
static size_t table_cells(const size_t *dims, int nv)
{
    size_t n = 1;
    for (int v = 0; v < nv; v++) {
        if (dims[v] > PID_TABLE_MAX_CELLS / n)
            return 0;
        n *= dims[v];
    }
    return n;
}

cs_status pid_check_table(const double *p, const size_t *dims, int nv, const char *const *names, const char *what,
                          size_t *cells, double *total)
{
    char buf[160];
    for (int v = 0; v < nv; v++)
        if (dims[v] == 0)
            return cs_error_set(CS_EINVAL, "%s table: %s has no states (the table is empty)", what, names[v]);
    if (!p)
        return cs_error_set(CS_EINVAL, "%s table: no table given", what);
    size_t n = table_cells(dims, nv);
    if (!n) {
        format_dims(dims, nv, buf, sizeof buf);
        return cs_error_set(CS_ENOMEM, "%s table: %s cells exceed the limit of %zu cells", what, buf,
                            PID_TABLE_MAX_CELLS);
    }
    double sum = 0;
    for (size_t c = 0; c < n; c++) {
        if (!isfinite(p[c]) || p[c] < 0) {
            size_t idx[PID_TABLE_MAX_VARS], r = c;
            for (int v = nv - 1; v >= 0; v--)
                idx[v] = r % dims[v], r /= dims[v];
            format_vars(names, idx, nv, buf, sizeof buf);
            return cs_error_set(CS_EINVAL, "%s table: entry %s = %g is not a probability", what, buf, p[c]);
        }
        sum += p[c];
    }
    if (fabs(sum - 1) > 1e-9)
        return cs_error_set(CS_EINVAL, "%s table: the probabilities sum to %.12g, not 1", what, sum);
    *cells = n;
    *total = sum;
    return CS_OK;
}

cs_status pid_count_table(const int32_t *const *codes, const size_t *dims, int nv, size_t n, const char *const *names,
                          const char *what, double **table)
{
    size_t cells = table_cells(dims, nv);
    if (!cells) {
        char d[160], v[160];
        format_dims(dims, nv, d, sizeof d);
        format_vars(names, NULL, nv, v, sizeof v);
        double product = 1;
        for (int k = 0; k < nv; k++)
            product *= (double)dims[k];
        return cs_error_set(CS_ENOMEM,
                            "%s: the joint alphabet is too large: %s take %s states, a table of "
                            "%.3g cells (the limit is %zu); bin the data (--bins) or use fewer "
                            "columns",
                            what, v, d, product, PID_TABLE_MAX_CELLS);
    }
    double *t = calloc(cells, sizeof *t);
    if (!t)
        return cs_error_set(CS_ENOMEM, "%s: cannot allocate a table of %zu cells", what, cells);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        for (int v = 0; v < nv; v++)
            k = k * dims[v] + (size_t)codes[v][i];
        t[k] += 1.0;
    }
    for (size_t k = 0; k < cells; k++)
        t[k] /= (double)n;
    *table = t;
    return CS_OK;
}

cs_status pid_blocks_cov(const cs_matrix *blocks, const size_t *first, int nb, size_t n, int copula, double **cov)
{
    size_t d = 0;
    for (int b = 0; b < nb; b++)
        d += blocks[b].cols;
    cs_matrix all;
    cs_status st = cs_matrix_alloc(n, d, &all);
    if (st)
        return st;
    for (size_t i = 0; i < n; i++) {
        double *r = cs_matrix_row(all, i);
        for (int b = 0; b < nb; b++) {
            memcpy(r, cs_matrix_row(blocks[b], first[b] + i), blocks[b].cols * sizeof *r);
            r += blocks[b].cols;
        }
    }
    double *c = malloc((d ? d * d : 1) * sizeof *c);
    if (!c)
        st = cs_error_set(CS_ENOMEM, "out of memory for a %zu x %zu covariance", d, d);
    if (!st && copula)
        st = cs_gcopula_normalise(all, all);
    if (!st)
        st = cs_gaussian_cov(all, NULL, 0, 0, c, NULL);
    cs_matrix_free(&all);
    if (st) {
        free(c);
        return st;
    }
    *cov = c;
    return CS_OK;
}

cs_status pid_joint_codes(cs_matrix x, const cs_pid_params *par, const char *what, int32_t *codes, size_t *ns)
{
    cs_symbols s;
    cs_status st = par->bins ? cs_discrete_bin(x, par->bins, par->binning, &s)
                             : cs_discrete_from_matrix(x, par->alphabet, &s);
    if (st)
        return cs_error_prefix("%s: ", what);
    st = cs_discrete_joint_all(&s, codes, ns);
    cs_symbols_free(&s);
    if (st)
        return cs_error_prefix("%s: ", what);
    return CS_OK;
}

cs_status pid_check_cov(const double *cov, size_t d, const char *what)
{
    double scale = 0;
    for (size_t i = 0; i < d * d; i++) {
        if (!isfinite(cov[i]))
            return cs_error_set(CS_ENONFINITE, "%s: %s at row %zu, column %zu", what, isnan(cov[i]) ? "NaN" : "Inf",
                                i / d, i % d);
        scale = fmax(scale, fabs(cov[i]));
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = i + 1; j < d; j++)
            if (fabs(cov[i * d + j] - cov[j * d + i]) > 1e-10 * scale)
                return cs_error_set(CS_EINVAL, "%s is not symmetric: entry (%zu, %zu) = %g but (%zu, %zu) = %g", what,
                                    i, j, cov[i * d + j], j, i, cov[j * d + i]);
    return CS_OK;
}
