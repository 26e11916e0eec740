/* Seeded random numbers on GSL's MT19937 (cogscope/rng.h). */
#include "cogscope/rng.h"

#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "gsl_setup.h"

struct cs_rng {
    gsl_rng *r;
};

/* SplitMix64 finaliser: spreads (seed, stream) over the 32-bit MT seed space so
 * neighbouring streams do not start from correlated states. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

cs_status cs_rng_create_stream(uint64_t seed, uint64_t stream, cs_rng **out)
{
    info_gsl_setup();
    *out = NULL;
    cs_rng *rng = malloc(sizeof *rng);
    if (!rng)
        return cs_error_set(CS_ENOMEM, "cannot allocate a random number generator");
    rng->r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng->r) {
        free(rng);
        return cs_error_set(CS_ENOMEM, "cannot allocate a random number generator");
    }
    uint64_t s = stream ? mix64(seed ^ mix64(stream)) : seed;
    /* MT19937 takes a 32-bit seed; 0 would select GSL's default seed. */
    unsigned long folded = (unsigned long)((s ^ (s >> 32)) & 0xffffffffULL);
    gsl_rng_set(rng->r, folded ? folded : 4357UL);
    *out = rng;
    return CS_OK;
}

cs_status cs_rng_create(uint64_t seed, cs_rng **out) { return cs_rng_create_stream(seed, 0, out); }

void cs_rng_destroy(cs_rng *rng)
{
    if (!rng)
        return;
    gsl_rng_free(rng->r);
    free(rng);
}

double cs_rng_uniform(cs_rng *rng) { return gsl_rng_uniform(rng->r); }

double cs_rng_gaussian(cs_rng *rng, double sd) { return gsl_ran_gaussian_ziggurat(rng->r, sd); }

uint64_t cs_rng_below(cs_rng *rng, uint64_t n)
{
    if (n <= 1)
        return 0;
    if (n <= 0xffffffffULL)
        return gsl_rng_uniform_int(rng->r, (unsigned long)n);
    /* Two 32-bit draws for ranges beyond MT19937's output, with rejection. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = ((uint64_t)gsl_rng_get(rng->r) << 32) | gsl_rng_get(rng->r);
    while (v >= limit);
    return v % n;
}

void cs_rng_shuffle_size(cs_rng *rng, size_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)cs_rng_below(rng, i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

void cs_rng_permutation(cs_rng *rng, size_t *perm, size_t n)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    cs_rng_shuffle_size(rng, perm, n);
}
