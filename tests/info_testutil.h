/* Helpers for the information-estimator tests: reading numbers out of the
 * reference JSON files copied into tests/data (no JSON library needed: the
 * files are small and regular), and seeded Gaussian samples. */
#ifndef COGSCOPE_INFO_TESTUTIL_H
#define COGSCOPE_INFO_TESTUTIL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/core.h"
#include "testutil.h"

/* The numbers after the `nth` (0-based) occurrence of "key": either one
 * number or a flat/nested array of numbers (nesting flattened, row-major).
 * Returns the count read (at most `max`), 0 if the key is absent. */
static inline size_t itu_json_numbers(const char *text, const char *key, int nth, double *out, size_t max)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    const char *p = text;
    for (int i = 0; i <= nth; i++) {
        p = strstr(p, pat);
        if (!p)
            return 0;
        p += strlen(pat);
    }
    while (*p == ' ' || *p == ':' || *p == '\n')
        p++;
    size_t n = 0;
    if (*p != '[') {
        out[0] = strtod(p, NULL);
        return 1;
    }
    int depth = 0;
    do {
        if (*p == '[')
            depth++;
        else if (*p == ']')
            depth--;
        else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            char *end;
            double v = strtod(p, &end);
            if (n < max)
                out[n++] = v;
            p = end;
            continue;
        }
        p++;
    } while (depth > 0 && *p);
    return n;
}

static inline char *itu_data_file(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", COGSCOPE_TEST_DATA, name);
    return tu_slurp(path);
}

#endif
