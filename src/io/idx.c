/* IDX reader (MNIST format), gzipped or plain, through zlib's gz* API, which
 * reads uncompressed files transparently. */
#include "cogscope/idx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* Read exactly n bytes; returns bytes read, or -1 on a zlib/IO error. */
static long long read_full(gzFile f, uint8_t *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got > (1u << 30) ? (1u << 30) : n - got;
        int r = gzread(f, buf + got, (unsigned)want);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long long)got;
}

static cs_status gz_failure(gzFile f, const char *path, const char *what)
{
    int code = 0;
    const char *msg = gzerror(f, &code);
    if (code == Z_BUF_ERROR || code == Z_DATA_ERROR)
        return cs_error_set(CS_EFORMAT, "%s: corrupt or truncated gzip stream while reading %s (%s)", path, what,
                            msg);
    return cs_error_set(CS_EIO, "%s: read error in %s (%s)", path, what, code == Z_ERRNO ? strerror(errno) : msg);
}

/* The header: magic 00 00 08 NDIM, then NDIM big-endian 32-bit sizes into
 * out->dims, out->ndim and out->count (their product, checked against
 * max_bytes and zero). */
static cs_status read_header(gzFile f, const char *path, size_t max_bytes, cs_idx *out)
{
    uint8_t head[4 + 4 * CS_IDX_MAX_DIMS];
    long long got = read_full(f, head, 4);
    if (got < 0)
        return gz_failure(f, path, "the header");
    if (got < 4 || head[0] != 0 || head[1] != 0)
        return cs_error_set(CS_EFORMAT,
                            "%s: not an IDX file (magic bytes %02x %02x %02x %02x; expected 00 00 08 NDIM)", path,
                            got > 0 ? head[0] : 0, got > 1 ? head[1] : 0, got > 2 ? head[2] : 0,
                            got > 3 ? head[3] : 0);
    if (head[2] != 0x08)
        return cs_error_set(CS_EFORMAT, "%s: IDX element type 0x%02x is not supported (only 0x08, unsigned byte)",
                            path, head[2]);
    size_t ndim = head[3];
    if (ndim < 1 || ndim > CS_IDX_MAX_DIMS)
        return cs_error_set(CS_EFORMAT, "%s: IDX header declares %zu dimensions (1 to %d supported)", path, ndim,
                            CS_IDX_MAX_DIMS);
    got = read_full(f, head + 4, 4 * ndim);
    if (got < 0)
        return gz_failure(f, path, "the header");
    if ((size_t)got < 4 * ndim)
        return cs_error_set(CS_EFORMAT, "%s: truncated IDX header", path);
    size_t count = 1;
    for (size_t d = 0; d < ndim; d++) {
        const uint8_t *p = head + 4 + 4 * d;
        size_t v = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
        out->dims[d] = v;
        if (v != 0 && count > max_bytes / v)
            return cs_error_set(CS_ELIMIT, "%s: IDX header declares more than %zu bytes of data", path, max_bytes);
        count *= v;
    }
    if (count == 0)
        return cs_error_set(CS_EFORMAT, "%s: IDX header declares an empty array", path);
    out->ndim = ndim;
    out->count = count;
    return CS_OK;
}

/* The out->count data bytes into out->data, and nothing after them: a
 * short or long file, or a gzip stream cut before its trailer, is an error. */
static cs_status read_data(gzFile f, const char *path, cs_idx *out)
{
    size_t count = out->count;
    if (!(out->data = malloc(count)))
        return cs_error_set(CS_ENOMEM, "%s: cannot allocate %zu bytes", path, count);
    long long got = read_full(f, out->data, count);
    if (got < 0)
        return gz_failure(f, path, "the data");
    int code = 0;
    if ((size_t)got < count) {
        gzerror(f, &code);
        if (code == Z_BUF_ERROR) /* the compressed stream ended early */
            return cs_error_set(CS_EFORMAT,
                                "%s: truncated gzip stream: got %lld of the %zu data bytes the IDX header declares",
                                path, got, count);
        return cs_error_set(CS_EFORMAT,
                            "%s: size mismatch: the IDX header declares %zu data bytes, the file holds %lld", path,
                            count, got);
    }
    uint8_t extra;
    got = read_full(f, &extra, 1);
    if (got < 0)
        return gz_failure(f, path, "the end of the file");
    if (got > 0)
        return cs_error_set(CS_EFORMAT,
                            "%s: size mismatch: the file holds more than the %zu data bytes the IDX header declares",
                            path, count);
    /* At EOF zlib flags a stream that stopped before its trailer (CRC and
     * length), i.e. a truncated .gz whose data happened to be complete. */
    gzerror(f, &code);
    if (code == Z_BUF_ERROR || code == Z_DATA_ERROR)
        return cs_error_set(CS_EFORMAT, "%s: truncated or corrupt gzip stream (missing trailer)", path);
    return CS_OK;
}

cs_status cs_idx_read(const char *path, size_t max_bytes, cs_idx *out)
{
    memset(out, 0, sizeof *out);
    if (max_bytes == 0)
        max_bytes = (size_t)1 << 30;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return cs_error_set(CS_EIO, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
    gzbuffer(f, 1 << 17);
    cs_status st = read_header(f, path, max_bytes, out);
    if (st == CS_OK)
        st = read_data(f, path, out);
    gzclose(f);
    if (st)
        cs_idx_free(out);
    return st;
}

void cs_idx_free(cs_idx *idx)
{
    if (!idx)
        return;
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}
