/* libFuzzer harness: the column-list parser. The first two bytes give the
 * table width (the bound), the rest is the list text. Checks what the
 * parser promises: every index below the bound, the count within it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/collist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t width = ((size_t)data[0] << 8 | data[1]) + 1;
    char *text = malloc(size - 1);
    if (!text)
        return 0;
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    size_t *idx = NULL, n = 0, dup;
    if (cs_collist_parse(text, "--x", width, &idx, &n) == CS_OK) {
        if (n == 0 || n > width)
            abort();
        for (size_t i = 0; i < n; i++)
            if (idx[i] >= width)
                abort();
        cs_collist_find_duplicate(idx, n, &dup);
        free(idx);
    }
    free(text);
    return 0;
}
