/* Seeded random numbers (GSL's MT19937 underneath), for surrogates, noise,
 * weight initialisation and splits. Same seed, same stream, same numbers.
 * Independent streams for threads or units of work come from
 * cs_rng_create_stream(seed, stream), so results do not depend on scheduling. */
#ifndef COGSCOPE_RNG_H
#define COGSCOPE_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cs_rng cs_rng;

cs_status cs_rng_create(uint64_t seed, cs_rng **out);
cs_status cs_rng_create_stream(uint64_t seed, uint64_t stream, cs_rng **out);
void cs_rng_destroy(cs_rng *rng);
double cs_rng_uniform(cs_rng *rng);                           /* [0, 1) */
double cs_rng_gaussian(cs_rng *rng, double sd);               /* N(0, sd^2) */
uint64_t cs_rng_below(cs_rng *rng, uint64_t n);               /* uniform in [0, n), n >= 1 */
void cs_rng_shuffle_size(cs_rng *rng, size_t *a, size_t n);   /* Fisher-Yates */
void cs_rng_permutation(cs_rng *rng, size_t *perm, size_t n); /* perm = shuffled 0..n-1 */

#ifdef __cplusplus
}
#endif
#endif
