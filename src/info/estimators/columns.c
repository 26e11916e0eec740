/* Degenerate columns, ties and tie-breaking noise (cogscope/columns.h). */
#include "cogscope/columns.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int cs_columns_constant(cs_matrix x, size_t j)
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
        same_as[j] = x.rows == 0 || cs_columns_constant(x, j) ? CS_COLUMN_CONSTANT : CS_COLUMN_OK;
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

/* Open addressing over the values of one column: a slot holds the first row
 * with its value (SIZE_MAX: empty) and whether another row has it too. */
typedef struct {
    size_t *row;
    unsigned char *dup;
    size_t mask; /* slots - 1, slots a power of two >= 2 n */
} tie_table;

/* The slot of x[i] in column j: its own, or the empty one where it goes.
 * -0 and +0 hash alike (== calls them equal); NaN equals nothing. */
static size_t tie_slot(const tie_table *t, cs_matrix x, size_t j, size_t i)
{
    double v = cs_matrix_get(x, i, j);
    uint64_t bits = 0;
    if (v != 0.0)
        memcpy(&bits, &v, sizeof bits);
    bits ^= bits >> 29; /* integers in doubles differ in the high bits only */
    size_t h = (size_t)((bits * 0x9E3779B97F4A7C15ull) >> 20) & t->mask;
    while (t->row[h] != SIZE_MAX && !(cs_matrix_get(x, t->row[h], j) == v))
        h = (h + 1) & t->mask;
    return h;
}

/* O(d n) expected: one hash pass per column marks the values seen twice,
 * a second marks the rows holding them (was a sort of every column, ~2 ms
 * of a 10^4-row `estimate mi`). */
cs_status cs_columns_tied_fraction(cs_matrix x, double *fraction)
{
    *fraction = 0;
    size_t n = x.rows;
    if (n < 2 || x.cols == 0)
        return CS_OK;
    size_t slots = 4;
    while (slots < 2 * n)
        slots *= 2;
    tie_table t = {malloc(slots * sizeof *t.row), malloc(slots), slots - 1};
    unsigned char *tied = calloc(n, 1);
    if (!t.row || !t.dup || !tied) {
        free(t.row);
        free(t.dup);
        free(tied);
        return cs_error_set(CS_ENOMEM, "out of memory counting ties of %zu rows", n);
    }
    for (size_t j = 0; j < x.cols; j++) {
        memset(t.row, 0xff, slots * sizeof *t.row); /* every slot SIZE_MAX */
        memset(t.dup, 0, slots);
        for (size_t i = 0; i < n; i++) {
            size_t h = tie_slot(&t, x, j, i);
            if (t.row[h] == SIZE_MAX)
                t.row[h] = i;
            else
                t.dup[h] = 1;
        }
        for (size_t i = 0; i < n; i++)
            tied[i] |= t.dup[tie_slot(&t, x, j, i)];
    }
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += tied[i];
    *fraction = (double)count / (double)n;
    free(t.row);
    free(t.dup);
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
