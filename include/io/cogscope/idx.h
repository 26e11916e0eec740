/* IDX files (the MNIST / Fashion-MNIST container), gzipped or plain.
 *
 * Layout (big-endian): magic = 0x00 0x00 TYPE NDIM, then NDIM uint32 sizes,
 * then the data, row-major. Only TYPE 0x08 (unsigned byte) is read, which is
 * what (Fashion-)MNIST uses. The reader checks the magic, that the data hold
 * exactly prod(sizes) bytes (too few: truncated; more: size mismatch) and
 * that a gzip stream is complete (a truncated .gz is an error, not a short
 * read). Errors name the file. */
#ifndef COGSCOPE_IDX_H
#define COGSCOPE_IDX_H

#include <stdint.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_IDX_MAX_DIMS 4

typedef struct {
    size_t ndim;
    size_t dims[CS_IDX_MAX_DIMS]; /* dims[0] is the item count */
    size_t count;                 /* prod(dims) */
    uint8_t *data;                /* count bytes, owned; free with cs_idx_free */
} cs_idx;

/* Read a whole IDX file. `max_bytes` bounds the data size (0 = 1 GiB) so a
 * corrupt header cannot ask for an absurd allocation (CS_ELIMIT). */
cs_status cs_idx_read(const char *path, size_t max_bytes, cs_idx *out);
void cs_idx_free(cs_idx *idx);

#ifdef __cplusplus
}
#endif
#endif
