/* Time-series embedding for TE and AIS (conventions in cogscope/embed.h). */
#include "cogscope/embed.h"

#include <stdlib.h>
#include <string.h>

void cs_embed_params_default(cs_embed_params *p)
{
    p->k = p->k_tau = p->l = p->l_tau = p->u = 1;
    p->m = p->m_tau = p->w = 1;
}

/* Smallest usable t, or SIZE_MAX on overflow of absurd parameters. */
static size_t te_first(const cs_embed_params *p, int with_cond)
{
    size_t a = (p->k - 1) * p->k_tau;
    size_t b = p->u - 1 + (p->l - 1) * p->l_tau;
    size_t t = a > b ? a : b;
    if (with_cond) {
        size_t c = p->w - 1 + (p->m - 1) * p->m_tau;
        if (c > t)
            t = c;
    }
    return t;
}

size_t cs_embed_te_count(size_t n, const cs_embed_params *p, int with_cond)
{
    size_t t0 = te_first(p, with_cond);
    return n > t0 + 1 ? n - 1 - t0 : 0;
}

size_t cs_embed_ais_count(size_t n, size_t k, size_t k_tau)
{
    size_t t0 = (k - 1) * k_tau;
    return n > t0 + 1 ? n - 1 - t0 : 0;
}

void cs_embedding_free(cs_embedding *e)
{
    if (!e)
        return;
    cs_matrix_free(&e->data);
    free(e->time);
    free(e->origin);
    memset(e, 0, sizeof *e);
}

/* Copy the history block of `s` (hist samples spaced tau, most recent at time
 * t + 1 - delay for row t) into columns [col, col + hist*s.cols) of out. */
static void fill_history(cs_embedding *e, cs_matrix s, size_t col, size_t hist, size_t tau, size_t delay)
{
    for (size_t i = 0; i < e->n; i++) {
        size_t t = e->t_first + i;
        double *dst = cs_matrix_row(e->data, i) + col;
        for (size_t j = 0; j < hist; j++) {
            const double *src = cs_matrix_row(s, t + 1 - delay - j * tau);
            memcpy(dst + j * s.cols, src, s.cols * sizeof *src);
        }
    }
    for (size_t j = 0; j < hist; j++)
        for (size_t c = 0; c < s.cols; c++)
            e->origin[col + j * s.cols + c] = c;
}

static cs_status alloc_embedding(cs_embedding *e, size_t n, size_t cols)
{
    cs_status st = cs_matrix_alloc(n, cols, &e->data);
    if (st)
        return st;
    e->n = n;
    e->time = malloc((n ? n : 1) * sizeof *e->time);
    e->origin = malloc((cols ? cols : 1) * sizeof *e->origin);
    if (!e->time || !e->origin) {
        cs_embedding_free(e);
        return cs_error_set(CS_ENOMEM, "cannot allocate an embedding of %zu x %zu", n, cols);
    }
    for (size_t i = 0; i < n; i++)
        e->time[i] = e->t_first + i + 1;
    return CS_OK;
}

cs_status embed_te_ordered(cs_matrix x, cs_matrix y, cs_matrix z, const cs_embed_params *p, int sets_order,
                           cs_embedding *out)
{
    memset(out, 0, sizeof *out);
    int with_cond = z.data != NULL && z.rows > 0;
    const struct {
        const char *name;
        size_t v;
    } checks[] = {{"destination history k", p->k},
                  {"destination history spacing k_tau", p->k_tau},
                  {"source history l", p->l},
                  {"source history spacing l_tau", p->l_tau},
                  {"delay u", p->u},
                  {"conditioning history m", p->m},
                  {"conditioning spacing m_tau", p->m_tau},
                  {"conditioning delay w", p->w}};
    for (size_t i = 0; i < sizeof checks / sizeof *checks; i++) {
        if (i >= 5 && !with_cond)
            break;
        if (checks[i].v == 0)
            return cs_error_set(CS_EINVAL, "%s must be >= 1", checks[i].name);
        if (checks[i].v > (size_t)1 << 30)
            return cs_error_set(CS_EINVAL, "%s = %zu is absurdly large", checks[i].name, checks[i].v);
    }
    if (x.cols == 0 || y.cols == 0 || (with_cond && z.cols == 0))
        return cs_error_set(CS_EINVAL, "every series needs at least one column");
    if (x.rows != y.rows)
        return cs_error_set(CS_ESHAPE, "source and destination differ in length: %zu vs %zu time steps", x.rows,
                            y.rows);
    if (with_cond && z.rows != y.rows)
        return cs_error_set(CS_ESHAPE,
                            "conditioning series and destination differ in length: %zu vs %zu "
                            "time steps",
                            z.rows, y.rows);
    size_t t0 = te_first(p, with_cond);
    size_t n = cs_embed_te_count(y.rows, p, with_cond);
    if (n == 0)
        return cs_error_set(CS_EINVAL,
                            "series of %zu time steps is too short for the histories and delays "
                            "(k=%zu, l=%zu, u=%zu): at least %zu are needed",
                            y.rows, p->k, p->l, p->u, t0 + 2);
    out->t_first = t0;
    out->d_future = y.cols;
    out->d_past = p->k * y.cols;
    out->d_source = p->l * x.cols;
    out->d_cond = with_cond ? p->m * z.cols : 0;
    if (sets_order) { /* [ source | future | past | cond ] */
        out->source = 0;
        out->future = out->d_source;
        out->past = out->future + out->d_future;
        out->cond = out->past + out->d_past;
    } else {
        out->future = 0;
        out->past = y.cols;
        out->source = out->past + out->d_past;
        out->cond = out->source + out->d_source;
    }
    cs_status st = alloc_embedding(out, n, out->cond + out->d_cond);
    if (st)
        return st;
    fill_history(out, y, out->future, 1, 1, 0); /* Y_{t+1}: "delay 0" */
    fill_history(out, y, out->past, p->k, p->k_tau, 1);
    fill_history(out, x, out->source, p->l, p->l_tau, p->u);
    if (with_cond)
        fill_history(out, z, out->cond, p->m, p->m_tau, p->w);
    return CS_OK;
}

cs_status cs_embed_te(cs_matrix x, cs_matrix y, cs_matrix z, const cs_embed_params *p, cs_embedding *out)
{
    return embed_te_ordered(x, y, z, p, 0, out);
}

cs_status embed_ais_ordered(cs_matrix x, size_t k, size_t k_tau, int sets_order, cs_embedding *out)
{
    memset(out, 0, sizeof *out);
    if (k == 0 || k_tau == 0)
        return cs_error_set(CS_EINVAL, "history k = %zu and spacing k_tau = %zu must be >= 1", k, k_tau);
    if (k > (size_t)1 << 30 || k_tau > (size_t)1 << 30)
        return cs_error_set(CS_EINVAL, "history k = %zu or spacing %zu is absurdly large", k, k_tau);
    if (x.cols == 0)
        return cs_error_set(CS_EINVAL, "the series needs at least one column");
    size_t t0 = (k - 1) * k_tau;
    size_t n = cs_embed_ais_count(x.rows, k, k_tau);
    if (n == 0)
        return cs_error_set(CS_EINVAL,
                            "series of %zu time steps is too short for history k=%zu: at least "
                            "%zu are needed",
                            x.rows, k, t0 + 2);
    out->t_first = t0;
    out->d_future = x.cols;
    out->d_past = k * x.cols;
    out->past = sets_order ? 0 : x.cols; /* sets order: [ past | future ] */
    out->future = sets_order ? out->d_past : 0;
    out->source = out->cond = x.cols + out->d_past;
    cs_status st = alloc_embedding(out, n, out->source);
    if (st)
        return st;
    fill_history(out, x, out->future, 1, 1, 0);
    fill_history(out, x, out->past, k, k_tau, 1);
    return CS_OK;
}

cs_status cs_embed_ais(cs_matrix x, size_t k, size_t k_tau, cs_embedding *out)
{
    return embed_ais_ordered(x, k, k_tau, 0, out);
}
