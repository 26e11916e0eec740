/* Column lists (see cogscope/collist.h). */
#include "cogscope/collist.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One number of a list at *p: digits only (no sign, no blanks), no overflow,
 * below `limit`. Advances *p. Returns 0, or -1 after setting the error. */
static int parse_index(const char **p, const char *what, const char *text, size_t limit, size_t *v)
{
    if (!isdigit((unsigned char)**p))
        return cs_error_set(CS_EINVAL, "%s: '%s' is not a column list (use forms like 0,1 or 0-3)", what, text), -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(*p, &end, 10);
    if (errno == ERANGE || x >= limit) {
        int len = (int)(end - *p);
        len = len > 40 ? 40 : len;
        if (limit == CS_COLLIST_MAX)
            return cs_error_set(CS_EINVAL,
                                "%s: column %.*s is out of range (a table has at most "
                                "%zu columns)",
                                what, len, *p, limit),
                   -1;
        return cs_error_set(CS_EINVAL,
                            "%s: column %.*s is out of range (the data has %zu "
                            "column%s: 0-%zu)",
                            what, len, *p, limit, limit == 1 ? "" : "s", limit - 1),
               -1;
    }
    *p = end;
    *v = (size_t)x;
    return 0;
}

cs_status cs_collist_parse(const char *text, const char *what, size_t limit, size_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!text || !*text)
        return cs_error_set(CS_EINVAL, "%s: empty column list", what);
    if (limit == 0)
        return cs_error_set(CS_EINVAL, "%s: the data has no columns", what);
    if (limit > CS_COLLIST_MAX)
        limit = CS_COLLIST_MAX;
    /* First pass: syntax, bounds and the expanded length, without allocating. */
    size_t n = 0;
    for (const char *p = text; *p;) {
        size_t lo, hi;
        if (parse_index(&p, what, text, limit, &lo))
            return CS_EINVAL;
        hi = lo;
        if (*p == '-') {
            p++;
            if (parse_index(&p, what, text, limit, &hi))
                return CS_EINVAL;
            if (hi < lo)
                return cs_error_set(CS_EINVAL, "%s: range %zu-%zu in '%s' decreases", what, lo, hi, text);
        }
        if (hi - lo >= limit - n) /* n + (hi - lo + 1) > limit, without overflow */
            return cs_error_set(CS_EINVAL, "%s: '%s' lists more than %zu columns", what, text, limit);
        n += hi - lo + 1;
        if (*p == ',')
            p++;
        else if (*p)
            return cs_error_set(CS_EINVAL, "%s: '%s' is not a column list (use forms like 0,1 or 0-3)", what, text);
    }
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return cs_error_set(CS_ENOMEM, "%s: out of memory for a list of %zu columns", what, n);
    /* Second pass: expand; the text is known good. */
    size_t k = 0;
    for (const char *p = text; *p;) {
        char *end;
        size_t lo = (size_t)strtoull(p, &end, 10), hi = lo;
        p = end;
        if (*p == '-') {
            hi = (size_t)strtoull(p + 1, &end, 10);
            p = end;
        }
        for (size_t v = lo;; v++) { /* v <= hi < limit: no wrap-around */
            idx[k++] = v;
            if (v == hi)
                break;
        }
        if (*p == ',')
            p++;
    }
    *out = idx;
    *count = k;
    return CS_OK;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

int cs_collist_find_duplicate(const size_t *idx, size_t n, size_t *dup)
{
    if (n < 2)
        return 0;
    size_t *s = malloc(n * sizeof *s);
    if (!s)
        return -1;
    memcpy(s, idx, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_size);
    int found = 0;
    for (size_t i = 1; i < n && !found; i++)
        if (s[i] == s[i - 1]) {
            *dup = s[i];
            found = 1;
        }
    free(s);
    return found;
}
