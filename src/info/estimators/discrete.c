/* Discrete plug-in estimators: symbols, joint codes, counts, entropies,
 * binning (API and conventions in cogscope/discrete.h). */
#include "cogscope/discrete.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rank_internal.h"

cs_status cs_symbols_alloc(size_t rows, size_t cols, cs_symbols *out)
{
    memset(out, 0, sizeof *out);
    if (rows != 0 && cols > SIZE_MAX / sizeof(int32_t) / rows)
        return cs_error_set(CS_ENOMEM, "symbol table of %zu x %zu is too large", rows, cols);
    out->data = calloc(rows * cols > 0 ? rows * cols : 1, sizeof *out->data);
    out->alphabet = malloc((cols ? cols : 1) * sizeof *out->alphabet);
    if (!out->data || !out->alphabet) {
        cs_symbols_free(out);
        return cs_error_set(CS_ENOMEM, "cannot allocate %zu x %zu symbols", rows, cols);
    }
    out->rows = rows;
    out->cols = cols;
    for (size_t j = 0; j < cols; j++)
        out->alphabet[j] = 1;
    return CS_OK;
}

void cs_symbols_free(cs_symbols *s)
{
    if (!s)
        return;
    free(s->data);
    free(s->alphabet);
    memset(s, 0, sizeof *s);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

cs_status cs_discrete_from_matrix(cs_matrix x, int32_t alphabet, cs_symbols *out)
{
    if (alphabet < 0)
        return cs_error_set(CS_EINVAL, "alphabet size %d must be >= 1 (or 0 to infer it)", alphabet);
    cs_status st = cs_matrix_check_finite(x, "discrete data");
    if (st)
        return st;
    st = cs_symbols_alloc(x.rows, x.cols, out);
    if (st)
        return st;
    for (size_t i = 0; i < x.rows; i++) {
        const double *r = cs_matrix_row(x, i);
        for (size_t j = 0; j < x.cols; j++) {
            double v = r[j];
            if (v != floor(v) || fabs(v) >= 2147483647.0) {
                cs_symbols_free(out);
                return cs_error_set(CS_EINVAL,
                                    "discrete data: %g at row %zu, column %zu is not an integer "
                                    "symbol (bin continuous data first)",
                                    v, i, j);
            }
            if (alphabet > 0 && (v < 0 || v >= alphabet)) {
                cs_symbols_free(out);
                return cs_error_set(CS_EINVAL,
                                    "discrete data: %g at row %zu, column %zu is outside the "
                                    "alphabet [0, %d)",
                                    v, i, j, alphabet);
            }
            out->data[i * x.cols + j] = (int32_t)v;
        }
    }
    if (alphabet > 0) {
        for (size_t j = 0; j < x.cols; j++)
            out->alphabet[j] = alphabet;
        return CS_OK;
    }
    /* Infer: recode each column's distinct values to 0..m-1 in increasing order. */
    int64_t *vals = malloc((x.rows ? x.rows : 1) * sizeof *vals);
    if (!vals) {
        cs_symbols_free(out);
        return cs_error_set(CS_ENOMEM, "out of memory recoding %zu symbols", x.rows);
    }
    for (size_t j = 0; j < x.cols; j++) {
        for (size_t i = 0; i < x.rows; i++)
            vals[i] = out->data[i * x.cols + j];
        qsort(vals, x.rows, sizeof *vals, cmp_i64);
        size_t m = 0;
        for (size_t i = 0; i < x.rows; i++)
            if (m == 0 || vals[i] != vals[m - 1])
                vals[m++] = vals[i];
        for (size_t i = 0; i < x.rows; i++) {
            int64_t key = out->data[i * x.cols + j];
            const int64_t *hit = bsearch(&key, vals, m, sizeof *vals, cmp_i64);
            out->data[i * x.cols + j] = (int32_t)(hit - vals);
        }
        out->alphabet[j] = (int32_t)(m ? m : 1);
    }
    free(vals);
    return CS_OK;
}

cs_status cs_discrete_bin(cs_matrix x, size_t bins, cs_binning how, cs_symbols *out)
{
    if (bins < 1 || bins > INT32_MAX)
        return cs_error_set(CS_EINVAL, "number of bins %zu must be in [1, 2^31)", bins);
    if (x.rows == 0)
        return cs_error_set(CS_EINVAL, "cannot bin an empty data set");
    cs_status st = cs_matrix_check_finite(x, "data to bin");
    if (st)
        return st;
    st = cs_symbols_alloc(x.rows, x.cols, out);
    if (st)
        return st;
    rank_pair *tmp = NULL;
    if (how == CS_BIN_EQUAL_FREQ && !(tmp = malloc(x.rows * sizeof *tmp))) {
        cs_symbols_free(out);
        return cs_error_set(CS_ENOMEM, "out of memory binning %zu samples", x.rows);
    }
    for (size_t j = 0; j < x.cols; j++) {
        out->alphabet[j] = (int32_t)bins;
        if (how == CS_BIN_EQUAL_WIDTH) {
            double lo = cs_matrix_get(x, 0, j), hi = lo;
            for (size_t i = 1; i < x.rows; i++) {
                double v = cs_matrix_get(x, i, j);
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
            double width = (hi - lo) / (double)bins;
            for (size_t i = 0; i < x.rows; i++) {
                double v = cs_matrix_get(x, i, j);
                size_t b = width > 0 ? (size_t)((v - lo) / width) : 0;
                out->data[i * x.cols + j] = (int32_t)(b >= bins ? bins - 1 : b);
            }
        } else {
            rank_sort(x.data + j, x.rows, x.stride, tmp);
            size_t first = 0; /* rank of the first of a run of equal values */
            for (size_t r = 0; r < x.rows; r++) {
                if (r > 0 && tmp[r].v != tmp[r - 1].v)
                    first = r;
                /* floor(first * bins / n) without overflow for large n*bins */
                size_t b = (size_t)((double)first * (double)bins / (double)x.rows);
                out->data[tmp[r].i * x.cols + j] = (int32_t)(b >= bins ? bins - 1 : b);
            }
        }
    }
    free(tmp);
    return CS_OK;
}

/* ---- dense joint codes ---------------------------------------------------- */

typedef struct {
    uint64_t v;
    size_t i;
} u64_idx;

static int cmp_u64_idx(const void *a, const void *b)
{
    const u64_idx *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->i > y->i) - (x->i < y->i);
}

/* A direct lookup table is used while the value range stays below this many
 * entries per sample (memory ~ 4 bytes per entry); beyond it, sorting. */
static size_t table_budget(size_t n) { return (n < ((size_t)1 << 16) ? ((size_t)1 << 16) : n) * 4; }

/* vals[i] in [0, range) -> dense codes in increasing order of value. */
static cs_status densify(const uint64_t *vals, size_t n, uint64_t range, int32_t *out, size_t *n_out)
{
    if (range <= table_budget(n)) {
        int32_t *map = malloc((size_t)(range ? range : 1) * sizeof *map);
        if (!map)
            return cs_error_set(CS_ENOMEM, "out of memory building joint symbols");
        memset(map, 0xff, (size_t)range * sizeof *map); /* -1: not seen */
        for (size_t i = 0; i < n; i++)
            map[vals[i]] = 0;
        int32_t next = 0;
        for (uint64_t v = 0; v < range; v++)
            if (map[v] == 0)
                map[v] = next++;
        for (size_t i = 0; i < n; i++)
            out[i] = map[vals[i]];
        free(map);
        *n_out = (size_t)(next ? next : 1);
        return CS_OK;
    }
    u64_idx *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return cs_error_set(CS_ENOMEM, "out of memory building joint symbols");
    for (size_t i = 0; i < n; i++) {
        tmp[i].v = vals[i];
        tmp[i].i = i;
    }
    qsort(tmp, n, sizeof *tmp, cmp_u64_idx);
    int32_t code = -1;
    for (size_t r = 0; r < n; r++) {
        if (r == 0 || tmp[r].v != tmp[r - 1].v)
            code++;
        out[tmp[r].i] = code;
    }
    free(tmp);
    *n_out = (size_t)(code + 1 > 0 ? code + 1 : 1);
    return CS_OK;
}

cs_status cs_discrete_pair(const int32_t *a, size_t na, const int32_t *b, size_t nb, size_t n, int32_t *out,
                           size_t *n_out)
{
    if (na == 0 || nb == 0)
        return cs_error_set(CS_EINVAL, "code vectors need at least one state");
    /* na, nb <= 2^31 each, so na * nb < 2^62 fits. */
    uint64_t *vals = malloc((n ? n : 1) * sizeof *vals);
    if (!vals)
        return cs_error_set(CS_ENOMEM, "out of memory combining %zu symbols", n);
    for (size_t i = 0; i < n; i++)
        vals[i] = (uint64_t)a[i] * nb + (uint64_t)b[i];
    cs_status st = densify(vals, n, (uint64_t)na * nb, out, n_out);
    free(vals);
    return st;
}

cs_status cs_discrete_joint(const cs_symbols *s, const size_t *cols, size_t ncols, int32_t *codes, size_t *n_states)
{
    size_t n = s->rows;
    for (size_t c = 0; c < ncols; c++)
        if (cols[c] >= s->cols)
            return cs_error_set(CS_EINVAL, "column %zu is out of range (the data has %zu columns)", cols[c], s->cols);
    if (ncols == 0) {
        memset(codes, 0, n * sizeof *codes);
        *n_states = 1;
        return CS_OK;
    }
    if (ncols == 1) {
        /* Already codes, but not necessarily dense: densify so n_states counts occurring states. */
        uint64_t *vals = malloc((n ? n : 1) * sizeof *vals);
        if (!vals)
            return cs_error_set(CS_ENOMEM, "out of memory building joint symbols");
        for (size_t i = 0; i < n; i++)
            vals[i] = (uint64_t)s->data[i * s->cols + cols[0]];
        cs_status st = densify(vals, n, (uint64_t)s->alphabet[cols[0]], codes, n_states);
        free(vals);
        return st;
    }
    uint64_t *vals = malloc((n ? n : 1) * sizeof *vals);
    if (!vals)
        return cs_error_set(CS_ENOMEM, "out of memory building joint symbols");
    uint64_t range = 1;
    for (size_t i = 0; i < n; i++)
        vals[i] = 0;
    cs_status st = CS_OK;
    for (size_t c = 0; c < ncols; c++) {
        uint64_t a = (uint64_t)s->alphabet[cols[c]];
        if (range > table_budget(n) || range > UINT64_MAX / (a ? a : 1) / 2) {
            /* Compress the prefix to at most n states before it can overflow. */
            size_t m;
            st = densify(vals, n, range, codes, &m);
            if (st)
                break;
            for (size_t i = 0; i < n; i++)
                vals[i] = (uint64_t)codes[i];
            range = m;
        }
        for (size_t i = 0; i < n; i++)
            vals[i] = vals[i] * a + (uint64_t)s->data[i * s->cols + cols[c]];
        range *= a;
    }
    if (!st)
        st = densify(vals, n, range, codes, n_states);
    free(vals);
    return st;
}

void cs_discrete_counts(const int32_t *codes, size_t n, size_t n_states, size_t *counts)
{
    memset(counts, 0, n_states * sizeof *counts);
    for (size_t i = 0; i < n; i++)
        counts[codes[i]]++;
}

cs_status cs_discrete_entropy_codes(const int32_t *codes, size_t n, size_t n_states, int miller_madow, double *h)
{
    if (n == 0)
        return cs_error_set(CS_EINVAL, "entropy of an empty sample");
    size_t *counts = malloc(n_states * sizeof *counts);
    if (!counts)
        return cs_error_set(CS_ENOMEM, "out of memory counting %zu states", n_states);
    cs_discrete_counts(codes, n, n_states, counts);
    /* H = ln n - (1/n) sum c ln c: one log per state, not per sample. */
    double s = 0;
    size_t occupied = 0;
    for (size_t k = 0; k < n_states; k++)
        if (counts[k]) {
            s += (double)counts[k] * log((double)counts[k]);
            occupied++;
        }
    free(counts);
    double H = log((double)n) - s / (double)n;
    if (miller_madow)
        H += (double)(occupied - 1) / (2.0 * (double)n);
    *h = H;
    return CS_OK;
}

cs_status cs_discrete_local_entropy_codes(const int32_t *codes, size_t n, size_t n_states, int miller_madow,
                                          double *local)
{
    if (n == 0)
        return cs_error_set(CS_EINVAL, "entropy of an empty sample");
    size_t *counts = malloc(n_states * sizeof *counts);
    double *logs = malloc(n_states * sizeof *logs);
    if (!counts || !logs) {
        free(counts);
        free(logs);
        return cs_error_set(CS_ENOMEM, "out of memory counting %zu states", n_states);
    }
    cs_discrete_counts(codes, n, n_states, counts);
    size_t occupied = 0;
    double ln_n = log((double)n);
    for (size_t k = 0; k < n_states; k++) {
        occupied += counts[k] != 0;
        logs[k] = counts[k] ? ln_n - log((double)counts[k]) : 0;
    }
    double mm = miller_madow ? (double)(occupied - 1) / (2.0 * (double)n) : 0;
    for (size_t i = 0; i < n; i++)
        local[i] = logs[codes[i]] + mm;
    free(counts);
    free(logs);
    return CS_OK;
}

cs_status cs_discrete_entropy(const cs_symbols *s, const size_t *cols, size_t ncols, int miller_madow, double *h)
{
    int32_t *codes = malloc((s->rows ? s->rows : 1) * sizeof *codes);
    if (!codes)
        return cs_error_set(CS_ENOMEM, "out of memory building joint symbols");
    size_t m;
    cs_status st = cs_discrete_joint(s, cols, ncols, codes, &m);
    if (!st)
        st = cs_discrete_entropy_codes(codes, s->rows, m, miller_madow, h);
    free(codes);
    return st;
}

double cs_discrete_alphabet_product(const cs_symbols *s, const size_t *cols, size_t ncols)
{
    double p = 1;
    for (size_t c = 0; c < ncols; c++)
        p *= cols[c] < s->cols ? (double)s->alphabet[cols[c]] : 1.0;
    return p;
}

cs_status cs_discrete_joint_all(const cs_symbols *s, int32_t *codes, size_t *n_states)
{
    size_t *cols = malloc((s->cols ? s->cols : 1) * sizeof *cols);
    if (!cols)
        return cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t j = 0; j < s->cols; j++)
        cols[j] = j;
    cs_status st = cs_discrete_joint(s, cols, s->cols, codes, n_states);
    free(cols);
    return st;
}
