/* Helpers for the spectral tests: pull one flat numeric array out of a
 * reference JSON file written by Python's json module, and compare arrays.
 * The reference files are small and flat ({"case": {"key": [numbers]}}), so
 * a key search is enough; no general JSON parser is needed. */
#ifndef COGSCOPE_SPECTRAL_TESTUTIL_H
#define COGSCOPE_SPECTRAL_TESTUTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The numbers of "key": [ ... ] found after the key "section" (NULL: from
 * the start) in `text`; *n gets the count. NULL if absent. free() it. */
static inline double *stu_json_array(const char *text, const char *section, const char *key, size_t *n)
{
    char pat[256];
    const char *p = text;
    *n = 0;
    if (section) {
        snprintf(pat, sizeof pat, "\"%s\":", section);
        p = strstr(p, pat);
        if (!p)
            return NULL;
        p += strlen(pat);
    }
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(p, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    if (*p != '[')
        return NULL; /* a scalar or an object, not an array */
    p++;
    size_t cap = 64, cnt = 0;
    double *v = malloc(cap * sizeof *v);
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ',')
            p++;
        if (*p == ']' || !*p)
            break;
        char *end;
        double d;
        if (!strncmp(p, "NaN", 3) || !strncmp(p, "null", 4)) {
            d = NAN;
            end = (char *)p + (p[0] == 'N' ? 3 : 4);
        } else {
            d = strtod(p, &end);
            if (end == p)
                break;
        }
        if (cnt == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[cnt++] = d;
        p = end;
    }
    *n = cnt;
    return v;
}

/* Largest relative error |a - b| / |b| over the arrays (entries where b == 0
 * count as exact only if a == 0, else as an infinite error). */
static inline double stu_max_rel(const double *a, const double *b, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        double r = b[i] != 0.0 ? d / fabs(b[i]) : (d == 0.0 ? 0.0 : INFINITY);
        if (r > worst || isnan(r))
            worst = isnan(r) ? INFINITY : r;
    }
    return worst;
}

static inline double stu_max_abs(const double *a, const double *b, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > worst)
            worst = fabs(a[i] - b[i]);
    return worst;
}

#endif
