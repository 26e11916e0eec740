/* Sorting a column with its row numbers, for the rank-based transforms
 * (Gaussian-copula normal scores in gcopula.c, equal-frequency bins in
 * discrete.c): both then walk the runs of equal values, so ties get one
 * shared rank. Internal to src/info. */
#ifndef COGSCOPE_INFO_RANK_INTERNAL_H
#define COGSCOPE_INFO_RANK_INTERNAL_H

#include <stddef.h>
#include <stdlib.h>

typedef struct {
    double v;
    size_t i; /* row */
} rank_pair;

static int rank_pair_cmp(const void *a, const void *b)
{
    const rank_pair *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->i > y->i) - (x->i < y->i); /* a total order: qsort's result is deterministic */
}

/* tmp[0..n) = the pairs (v[i * stride], i), sorted by value then row. */
static void rank_sort(const double *v, size_t n, size_t stride, rank_pair *tmp)
{
    for (size_t i = 0; i < n; i++) {
        tmp[i].v = v[i * stride];
        tmp[i].i = i;
    }
    qsort(tmp, n, sizeof *tmp, rank_pair_cmp);
}

#endif
