/* N-dimensional arrays from .npy files and HDF5 datasets (cogscope/array.h).
 *
 * The .npy layout (numpy.lib.format): the magic "\x93NUMPY", a major and
 * minor version byte, the header length (2 bytes little-endian in version 1,
 * 4 bytes in 2 and 3), then an ASCII (3.0: UTF-8) Python dict literal
 * {'descr': '<f4', 'fortran_order': False, 'shape': (4, 256, 6), } padded
 * with spaces and a newline, then the raw data. */
#include "cogscope/array.h"

#include <errno.h>
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5attr.h"

void cs_array_free(cs_array *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* ---- .npy header ---------------------------------------------------------- */

typedef struct {
    char kind;   /* 'f', 'i', 'u', 'b' */
    size_t size; /* bytes per element */
    int swap;    /* big-endian data on this little-endian host */
    int fortran;
} npy_type;

/* The value text after 'key': in the header dict, or NULL. */
static const char *dict_value(const char *hdr, const char *key)
{
    char k[32];
    snprintf(k, sizeof k, "'%s'", key);
    const char *p = strstr(hdr, k);
    if (!p) {
        snprintf(k, sizeof k, "\"%s\"", key);
        p = strstr(hdr, k);
    }
    if (!p)
        return NULL;
    p = strchr(p + strlen(k), ':');
    if (!p)
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

static cs_status parse_header(const char *path, const char *hdr, npy_type *t, cs_array *a)
{
    const char *d = dict_value(hdr, "descr"), *fo = dict_value(hdr, "fortran_order"), *sh = dict_value(hdr, "shape");
    if (!d || !fo || !sh || (*d != '\'' && *d != '"') || *sh != '(')
        return cs_error_set(CS_EFORMAT, "%s: not a .npy header with descr, fortran_order and shape", path);
    /* descr: byte order (<, >, |, =), kind, size: '<f4' */
    char order = d[1], kind = d[2];
    char *end;
    unsigned long size = strtoul(d + 3, &end, 10);
    if (!strchr("<>|=", order) || !strchr("fiub", kind) || (*end != '\'' && *end != '"') ||
        !(size == 1 || size == 2 || size == 4 || size == 8) || (kind == 'f' && size < 4) ||
        (kind == 'b' && size != 1))
        return cs_error_set(CS_EFORMAT, "%s: dtype %.*s is not supported (integers, float32, float64, bool)", path,
                            (int)strcspn(d + 1, "'\""), d + 1);
    t->kind = kind;
    t->size = size;
    uint16_t probe = 1;
    int little = *(uint8_t *)&probe == 1;
    t->swap = size > 1 && ((order == '>' && little) || (order == '<' && !little));
    t->fortran = !strncmp(fo, "True", 4);
    if (!t->fortran && strncmp(fo, "False", 5))
        return cs_error_set(CS_EFORMAT, "%s: fortran_order is neither True nor False", path);
    a->rank = 0;
    a->count = 1;
    const char *p = sh + 1;
    for (;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || errno)
            return cs_error_set(CS_EFORMAT, "%s: cannot read the shape in the .npy header", path);
        if (a->rank == CS_ARRAY_RANK_MAX)
            return cs_error_set(CS_ELIMIT, "%s: more than %d dimensions", path, CS_ARRAY_RANK_MAX);
        if (v && a->count > SIZE_MAX / sizeof(double) / v)
            return cs_error_set(CS_ELIMIT, "%s: the array is too large", path);
        a->dims[a->rank++] = (size_t)v;
        a->count *= (size_t)v;
        p = end;
    }
    if (a->rank == 0)
        return cs_error_set(CS_EFORMAT, "%s: a 0-dimensional array (a single number) is not an array of samples",
                            path);
    return CS_OK;
}

/* One element of type t at p as a double. */
static double element(const npy_type *t, const unsigned char *p)
{
    unsigned char b[8];
    for (size_t i = 0; i < t->size; i++)
        b[i] = t->swap ? p[t->size - 1 - i] : p[i];
    switch (t->kind) {
    case 'f':
        if (t->size == 4) {
            float f;
            memcpy(&f, b, 4);
            return f;
        } else {
            double d;
            memcpy(&d, b, 8);
            return d;
        }
    case 'b': return b[0] != 0;
    case 'u': {
        uint64_t v = 0;
        memcpy(&v, b, t->size); /* little-endian host: low bytes first */
        return (double)v;
    }
    default: {
        int64_t v = 0;
        memcpy(&v, b, t->size);
        if (t->size < 8 && (b[t->size - 1] & 0x80)) /* sign-extend */
            v |= (int64_t)(~UINT64_C(0) << (8 * t->size));
        return (double)v;
    }
    }
}

/* Fortran order -> C order: element (i0, ..., ik) sits at i0 + d0 (i1 + ...). */
static void to_c_order(const cs_array *a, const double *f, double *c)
{
    size_t idx[CS_ARRAY_RANK_MAX] = {0};
    for (size_t n = 0; n < a->count; n++) {
        size_t off = 0, mul = 1;
        for (int k = 0; k < a->rank; k++) {
            off += idx[k] * mul;
            mul *= a->dims[k];
        }
        c[n] = f[off];
        for (int k = a->rank - 1; k >= 0; k--) { /* the C index advances fastest on the last axis */
            if (++idx[k] < a->dims[k])
                break;
            idx[k] = 0;
        }
    }
}

cs_status cs_array_read_npy(const char *path, cs_array *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cs_error_set(CS_EIO, "%s: cannot open (%s)", path, strerror(errno));
    unsigned char pre[12];
    size_t got = fread(pre, 1, 10, f);
    cs_status st = CS_OK;
    char *hdr = NULL;
    unsigned char *raw = NULL;
    double *v = NULL;
    npy_type t = {0};
    if (got < 10 || memcmp(pre, "\x93NUMPY", 6)) {
        st = cs_error_set(CS_EFORMAT, "%s: not a .npy file (no \\x93NUMPY magic)", path);
        goto done;
    }
    size_t hlen;
    if (pre[6] == 1) {
        hlen = pre[8] | (size_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            st = cs_error_set(CS_EFORMAT, "%s: truncated .npy header", path);
            goto done;
        }
        hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    } else {
        st = cs_error_set(CS_EFORMAT, "%s: .npy format version %d.%d is not supported (1.0, 2.0, 3.0)", path, pre[6],
                          pre[7]);
        goto done;
    }
    if (hlen > (1u << 24) || !(hdr = malloc(hlen + 1)) || fread(hdr, 1, hlen, f) != hlen) {
        st = cs_error_set(CS_EFORMAT, "%s: truncated or oversized .npy header", path);
        goto done;
    }
    hdr[hlen] = '\0';
    if ((st = parse_header(path, hdr, &t, out)) != CS_OK)
        goto done;
    size_t n = out->count;
    raw = malloc(n ? n * t.size : 1);
    v = malloc((n ? n : 1) * sizeof *v);
    if (!raw || !v) {
        st = cs_error_set(CS_ENOMEM, "%s: out of memory for %zu values", path, n);
        goto done;
    }
    if (fread(raw, t.size, n, f) != n) {
        st = cs_error_set(CS_EFORMAT, "%s: the data is truncated (%zu values of %zu bytes expected)", path, n,
                          t.size);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = element(&t, raw + i * t.size);
    if (t.fortran && out->rank > 1) {
        double *c = malloc((n ? n : 1) * sizeof *c);
        if (!c) {
            st = cs_error_set(CS_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        to_c_order(out, v, c);
        free(v);
        v = c;
    }
    out->data = v;
    v = NULL;
done:
    fclose(f);
    free(hdr);
    free(raw);
    free(v);
    if (st != CS_OK)
        memset(out, 0, sizeof *out);
    return st;
}

cs_status cs_array_read_h5(const char *path, const char *dataset, cs_array *out)
{
    h5_setup();
    memset(out, 0, sizeof *out);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        H5Eclear2(H5E_DEFAULT);
        return cs_error_set(CS_EIO, "%s: cannot open as HDF5", path);
    }
    cs_status st = CS_OK;
    hid_t d = H5I_INVALID_HID, t = H5I_INVALID_HID, s = H5I_INVALID_HID;
    if (dataset[0] != '/' || H5Lexists(file, dataset, H5P_DEFAULT) <= 0 ||
        (d = H5Dopen2(file, dataset, H5P_DEFAULT)) < 0) {
        st = cs_error_set(CS_EFORMAT, "%s: no dataset '%s'", path, dataset);
        goto done;
    }
    t = H5Dget_type(d);
    s = H5Dget_space(d);
    H5T_class_t cls = H5Tget_class(t);
    int rank = H5Sget_simple_extent_ndims(s);
    hsize_t dims[H5S_MAX_RANK];
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' is not numeric", path, dataset);
        goto done;
    }
    if (rank < 1 || rank > CS_ARRAY_RANK_MAX || H5Sget_simple_extent_dims(s, dims, NULL) < 0) {
        st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' has rank %d; arrays of 1..%d dimensions are read", path,
                          dataset, rank, CS_ARRAY_RANK_MAX);
        goto done;
    }
    out->rank = rank;
    out->count = 1;
    for (int k = 0; k < rank; k++) {
        if (dims[k] && out->count > SIZE_MAX / sizeof(double) / dims[k]) {
            st = cs_error_set(CS_ELIMIT, "%s: dataset '%s' is too large", path, dataset);
            goto done;
        }
        out->dims[k] = (size_t)dims[k];
        out->count *= (size_t)dims[k];
    }
    if (!(out->data = malloc((out->count ? out->count : 1) * sizeof *out->data))) {
        st = cs_error_set(CS_ENOMEM, "%s: out of memory for dataset '%s'", path, dataset);
        goto done;
    }
    if (out->count && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out->data) < 0)
        st = cs_error_set(CS_EIO, "%s: cannot read dataset '%s'", path, dataset);
done:
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    if (st != CS_OK)
        cs_array_free(out);
    return st;
}

cs_status cs_array_read(const char *spec, cs_array *out)
{
    if (!spec || !out)
        return cs_error_set(CS_EINVAL, "cs_array_read: spec and out must be given");
    /* "FILE.h5:/dataset": the dataset path starts with '/' right after a colon. */
    const char *colon = strstr(spec, ":/");
    if (colon) {
        char *path = strndup(spec, (size_t)(colon - spec));
        if (!path)
            return cs_error_set(CS_ENOMEM, "out of memory");
        cs_status st = cs_array_read_h5(path, colon + 1, out);
        free(path);
        return st;
    }
    return cs_array_read_npy(spec, out);
}
