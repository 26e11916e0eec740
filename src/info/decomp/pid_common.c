/* The helpers the decompositions share (pid_common.h): the PID parameters
 * and redundancy names, entropies and marginals of probability tables, dense
 * tables counted from samples, joint symbol codes and covariances. */
#include "pid_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/gaussian.h"
#include "../estimators/estimator_impl.h"

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

cs_status cs_pid_check_redundancy(cs_info_measure m, cs_info_estimator e, cs_pid_redundancy r)
{
    const char *name = cs_pid_redundancy_name(r);
    if (!name)
        return cs_error_set(CS_EINVAL, "unknown redundancy measure %d", (int)r);
    if (r == CS_PID_MMI || r == CS_PID_CCS)
        return CS_OK;
    if (m == CS_INFO_PHIID)
        return cs_error_set(CS_EINVAL, "phiid takes mmi or ccs, not '%s'", name);
    if (e != CS_EST_DISCRETE)
        return cs_error_set(CS_EINVAL, "redundancy %s is for discrete data; %s takes mmi or ccs", name,
                            cs_info_estimator_name(e));
    return CS_OK;
}

void cs_pid_params_default(cs_pid_params *p)
{
    memset(p, 0, sizeof *p);
    p->redundancy = CS_PID_MMI;
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

/* After a failed discrete preparation: the message of the first block whose
 * symbols fail, prefixed with its name (only on this error path). */
static cs_status name_bad_block(const cs_estimator_params *ep, const cs_matrix *blocks, const size_t *first, int nb,
                                size_t n, const char *const *names, cs_status st)
{
    for (int b = 0; b < nb; b++) {
        cs_matrix v = {(double *)cs_matrix_row(blocks[b], first[b]), n, blocks[b].cols, blocks[b].stride};
        cs_symbols s;
        cs_status bs = ep->bins ? cs_discrete_bin(v, ep->bins, ep->binning, &s)
                                : cs_discrete_from_matrix(v, ep->alphabet, &s);
        if (bs)
            return cs_error_prefix("%s: ", names[b]);
        cs_symbols_free(&s);
    }
    return st;
}

cs_status pid_blocks_estimator(const cs_estimator_params *ep, const cs_matrix *blocks, const size_t *first, int nb,
                               size_t n, const char *const *names, cs_estimator **out)
{
    *out = NULL;
    size_t d = 0;
    for (int b = 0; b < nb; b++)
        d += blocks[b].cols;
    double *W = malloc((n * d > 0 ? n * d : 1) * sizeof *W);
    if (!W)
        return cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu samples", n, d);
    for (size_t i = 0; i < n; i++) {
        double *r = W + i * d;
        for (int b = 0; b < nb; b++) {
            memcpy(r, cs_matrix_row(blocks[b], first[b] + i), blocks[b].cols * sizeof *r);
            r += blocks[b].cols;
        }
    }
    cs_estimator *e;
    cs_status st = est_create_owned(ep, W, n, d, NULL, &e);
    if (st)
        return st;
    e->subset_checks = 1; /* the decompositions name the singular block themselves */
    if ((st = est_prepare(e))) {
        cs_estimator_destroy(e);
        return ep->estimator == CS_EST_DISCRETE ? name_bad_block(ep, blocks, first, nb, n, names, st) : st;
    }
    *out = e;
    return CS_OK;
}

const double *pid_estimator_cov(const cs_estimator *e) { return e->cov; }

cs_status pid_block_codes(const cs_estimator *e, size_t c0, size_t m, const char *what, int32_t *codes,
                          size_t *states)
{
    size_t idx[m ? m : 1];
    for (size_t j = 0; j < m; j++)
        idx[j] = c0 + j;
    if (est_disc_codes(e, idx, m, codes, states))
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
