/* Growing an array by doubling, the one policy behind every append-only list
 * in the library (metrics attributes, report series, ...). */
#include "cogscope/core.h"

#include <stdint.h>
#include <stdlib.h>

void *cs_grow(void *items, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return items;
    size_t c = *cap ? 2 * *cap : first;
    if (c <= n || c > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(items, c * elem);
    if (p)
        *cap = c;
    return p;
}
