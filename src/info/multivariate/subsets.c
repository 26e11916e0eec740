/* Counting and enumerating subsets (API in cogscope/multivariate.h): the
 * binomial coefficient, the k-subsets of n in lexicographic order (unrank
 * one, step to the next) and the share of a range that one part of a
 * distributed run takes. Pure combinatorics: used by the one-set measures
 * (multivariate.c), the multiplet scans (multiplets.c) and the CLI, and
 * calling neither. */
#include "cogscope/multivariate.h"

uint64_t cs_mv_binomial(size_t n, size_t k)
{
    if (k > n)
        return 0;
    if (k > n - k)
        k = n - k;
    unsigned __int128 r = 1;
    for (size_t i = 1; i <= k; i++) {
        r = r * (n - k + i) / i; /* exact: r becomes C(n - k + i, i) */
        if (r > UINT64_MAX)
            return UINT64_MAX;
    }
    return (uint64_t)r;
}

cs_status cs_mv_combination_unrank(uint64_t rank, size_t k, size_t n, size_t *comb)
{
    if (k == 0 || k > n || rank >= cs_mv_binomial(n, k))
        return cs_error_set(CS_EINVAL, "rank %llu is not that of a %zu-subset of %zu", (unsigned long long)rank, k,
                            n);
    size_t v = 0;
    for (size_t i = 0; i < k; i++) {
        for (;; v++) {
            /* combinations whose i-th element is v, given the ones before */
            uint64_t c = cs_mv_binomial(n - 1 - v, k - 1 - i);
            if (rank < c)
                break;
            rank -= c;
        }
        comb[i] = v++;
    }
    return CS_OK;
}

int cs_mv_combination_next(size_t *comb, size_t k, size_t n)
{
    size_t i = k;
    while (i > 0 && comb[i - 1] == n - k + i - 1)
        i--;
    if (i == 0)
        return 0;
    comb[i - 1]++;
    for (size_t j = i; j < k; j++)
        comb[j] = comb[j - 1] + 1;
    return 1;
}

void cs_mv_part_range(uint64_t total, size_t part, size_t parts, uint64_t *first, uint64_t *count)
{
    if (parts <= 1 || part >= parts) {
        *first = 0;
        *count = parts <= 1 ? total : 0;
        return;
    }
    unsigned __int128 t = total;
    uint64_t a = (uint64_t)(t * part / parts), b = (uint64_t)(t * (part + 1) / parts);
    *first = a;
    *count = b - a;
}
