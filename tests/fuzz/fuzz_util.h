/* Shared by the libFuzzer harnesses: the readers under test take file
 * paths, so each input is written to a private temporary file first. */
#ifndef COGSCOPE_FUZZ_UTIL_H
#define COGSCOPE_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write data[0..size) to a per-process file named after `suffix` (the
 * readers look at the name: ".gz"); returns its path (static storage). */
static const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[256];
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof path, "%s/cogscope-fuzz-%ld%s", tmp, (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort(); /* the harness cannot run: not a finding in the reader */
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    return path;
}

#endif
