/* libFuzzer harness: the table reader's number parser (table_parse_number,
 * src/io/table_number.h) against strtod, any bytes as one cell. The parser
 * must accept exactly what strtod reads whole and give its value to the bit;
 * a finding is a difference (abort) as well as a crash or sanitizer report.
 * The fast path (Clinger's, eight digits at a time, the long double step)
 * and the strtod fallback are both reached. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/table_number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *cell = malloc(size + 1);
    if (!cell)
        return 0;
    memcpy(cell, data, size);
    cell[size] = '\0';
    char *end;
    double want = strtod(cell, &end);
    int whole = size > 0 && end == cell + size; /* an embedded NUL stops strtod short */
    double got = 0;
    int ok = table_parse_number((const char *)data, size, &got) == CS_OK;
    if (ok != whole)
        abort();
    if (ok && memcmp(&got, &want, sizeof got) != 0 && !(isnan(got) && isnan(want)))
        abort();
    free(cell);
    return 0;
}
