/* Text and HDF5 table readers and the column-list parser. */
#include "cogscope/table.h"

#include "cogscope/collist.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <zlib.h>

#include "h5attr.h"
#include "table_number.h"

/* ---- text tables -------------------------------------------------------------
 * One parser for every text table the project reads (estimate inputs and the
 * training CSVs of src/learn/dataset.c). The file, plain or gzip-compressed
 * (zlib's gzread passes plain files through), is read in chunks of CHUNK
 * bytes and parsed in place: cells are numbers written straight into the
 * growing output array, so nothing is allocated per line or per cell. Lines
 * end at LF, CRLF or a lone CR. A NUL byte is an error naming the line (a
 * C string would silently end the row there). */

#define CHUNK (1 << 20)

/* byte classes: end of line, separator, NUL */
enum { C_OTHER = 0, C_EOL = 1, C_SEP = 2, C_NUL = 3 };

static const unsigned char byte_classes[256] = {
    [0] = C_NUL, ['\n'] = C_EOL, ['\r'] = C_EOL, [','] = C_SEP, [' '] = C_SEP, ['\t'] = C_SEP, [';'] = C_SEP,
};

static inline int byte_class(unsigned char c) { return byte_classes[c]; }

/* Exact powers of ten: 10^i is a double without rounding for i <= 22. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parse the decimal number filling [s, e) exactly ([+-]digits[.digits]
 * [(e|E)[+-]digits], at most 19 significant digits) into *out and return 1
 * when the result is certainly the one strtod gives (the correctly rounded
 * double); return 0 otherwise, and the caller asks strtod.
 *   - m <= 2^53 and |p| <= 22: m and 10^|p| are exact doubles, so m * 10^p
 *     (or m / 10^-p) is one correctly rounded operation (Clinger's fast path).
 *   - else, where long double has a 64-bit significand (x86-64): m < 2^64
 *     and 10^|p| for |p| <= 27 are exact there, so one long double operation
 *     rounds once to 64 bits, and rounding that to 53 bits gives the correct
 *     double unless the 64-bit result is exactly halfway between two doubles
 *     (no other 53-bit midpoint can lie between the exact value and it);
 *     that case goes to strtod. */
static int parse_decimal(const char *s, const char *e, double *out)
{
    const char *p = s;
    int neg = 0;
    if (p < e && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    uint64_t m = 0;
    int digits = 0, seen = 0, exp10 = 0;
    for (; p < e && (unsigned)(*p - '0') < 10; p++, seen = 1) {
        if (m == 0 && *p == '0')
            continue;
        if (digits++ == 19)
            return 0;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (p < e && *p == '.') {
        for (p++; p < e && (unsigned)(*p - '0') < 10; p++, seen = 1) {
            if (m == 0 && *p == '0') {
                exp10--;
                continue;
            }
            if (digits++ == 19)
                return 0;
            m = m * 10 + (uint64_t)(*p - '0');
            exp10--;
        }
    }
    if (!seen)
        return 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < e && (*p == '-' || *p == '+'))
            eneg = *p++ == '-';
        if (p == e || (unsigned)(*p - '0') >= 10)
            return 0;
        int x = 0;
        for (; p < e && (unsigned)(*p - '0') < 10; p++) {
            if (x > 10000)
                return 0;
            x = x * 10 + (*p - '0');
        }
        exp10 += eneg ? -x : x;
    }
    if (p != e)
        return 0;
    double v;
    if (m == 0) {
        v = 0.0;
    } else if (m <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        v = exp10 < 0 ? (double)m / pow10_exact[-exp10] : (double)m * pow10_exact[exp10];
    } else {
#if defined(__x86_64__) && LDBL_MANT_DIG == 64
        if (exp10 < -27 || exp10 > 27)
            return 0;
        /* exact: 10^27 = 5^27 * 2^27 and 5^27 < 2^63 */
        static const long double pw10[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
                                             1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
                                             1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
        long double pw = pw10[exp10 < 0 ? -exp10 : exp10];
        long double r = exp10 < 0 ? (long double)m / pw : (long double)m * pw;
        uint64_t sig;
        memcpy(&sig, &r, sizeof sig); /* x87 extended: the 64-bit significand first */
        if ((sig & 0x7ff) == 0x400)
            return 0;
        v = (double)r;
#else
        return 0;
#endif
    }
    *out = neg ? -v : v;
    return 1;
}

cs_status table_parse_number(const char *s, size_t len, double *out)
{
    if (len > 0 && parse_decimal(s, s + len, out))
        return CS_OK;
    char buf[128];
    if (len == 0 || len >= sizeof buf)
        return CS_EFORMAT;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + len)
        return CS_EFORMAT;
    *out = v;
    return CS_OK;
}

typedef struct {
    const char *path;
    double *data;  /* rows x cols values so far */
    size_t cap, n; /* capacity and count of values */
    size_t rows, cols;
    size_t *lines; /* optional: line number of every row */
    size_t lines_cap;
} table_acc;

static cs_status acc_reserve(table_acc *a, size_t more, size_t lineno)
{
    if (a->n + more <= a->cap)
        return CS_OK;
    size_t ncap = a->cap ? 2 * a->cap : 4096;
    while (ncap < a->n + more)
        ncap *= 2;
    double *d = realloc(a->data, ncap * sizeof *d);
    if (!d)
        return cs_error_set(CS_ENOMEM, "%s: out of memory at line %zu", a->path, lineno);
    a->data = d;
    a->cap = ncap;
    return CS_OK;
}

/* The name of a bad cell for a message: its first bytes, printable. */
static void cell_name(const char *s, const char *e, char *buf, size_t size)
{
    size_t len = (size_t)(e - s) < size - 1 ? (size_t)(e - s) : size - 1;
    for (size_t i = 0; i < len; i++)
        buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
    buf[len] = '\0';
}

/* Parse one line [s, e) (no terminator inside) into the accumulator. */
static cs_status parse_line(table_acc *a, const char *s, const char *e, size_t lineno)
{
    const char *p = s;
    while (p < e && (byte_class((unsigned char)*p) == C_SEP))
        p++;
    if (p == e || *p == '%' || *p == '#')
        return CS_OK; /* blank or comment */
    size_t start = a->n, ncell = 0;
    while (p < e) {
        const char *c = p;
        int cls;
        while (p < e && (cls = byte_class((unsigned char)*p)) == C_OTHER)
            p++;
        if (p < e && cls == C_NUL)
            return cs_error_set(CS_EFORMAT,
                                "%s: line %zu: NUL byte at character %zu (a binary "
                                "file, or a damaged text file?)",
                                a->path, lineno, (size_t)(p - s) + 1);
        if (p > c) {
            cs_status st = acc_reserve(a, 1, lineno);
            if (st)
                return st;
            if (table_parse_number(c, (size_t)(p - c), &a->data[a->n]) != CS_OK) {
                char cell[32];
                cell_name(c, p, cell, sizeof cell);
                return cs_error_set(CS_EFORMAT, "%s: line %zu, column %zu: '%s' is not a number", a->path, lineno,
                                    ncell, cell);
            }
            a->n++;
            ncell++;
        }
        while (p < e && byte_class((unsigned char)*p) == C_SEP)
            p++;
    }
    if (a->rows == 0) {
        a->cols = ncell;
    } else if (ncell != a->cols) {
        a->n = start;
        return cs_error_set(CS_EFORMAT, "%s: line %zu has %zu columns, earlier rows have %zu%s", a->path, lineno,
                            ncell, a->cols, ncell < a->cols ? " (a cell is missing)" : "");
    }
    if (a->lines) {
        if (a->rows == a->lines_cap) {
            size_t ncap = 2 * a->lines_cap;
            size_t *l = realloc(a->lines, ncap * sizeof *l);
            if (!l)
                return cs_error_set(CS_ENOMEM, "%s: out of memory at line %zu", a->path, lineno);
            a->lines = l;
            a->lines_cap = ncap;
        }
        a->lines[a->rows] = lineno;
    }
    a->rows++;
    return CS_OK;
}

/* Read more of the file after the `keep` unparsed bytes at buf[0..keep). */
static cs_status fill(gzFile f, const char *path, char **buf, size_t *cap, size_t keep, size_t *len, int *eof)
{
    if (*cap - keep < CHUNK / 2) { /* a line longer than the buffer: grow it */
        size_t ncap = 2 * *cap;
        char *b = realloc(*buf, ncap);
        if (!b)
            return cs_error_set(CS_ENOMEM, "%s: out of memory for a line of %zu bytes", path, keep);
        *buf = b;
        *cap = ncap;
    }
    int got = gzread(f, *buf + keep, (unsigned)(*cap - keep));
    if (got < 0) {
        int code = 0;
        const char *msg = gzerror(f, &code);
        return cs_error_set(code == Z_ERRNO ? CS_EIO : CS_EFORMAT, "%s: read error (%s)", path,
                            code == Z_ERRNO ? strerror(errno) : msg);
    }
    *len = keep + (size_t)got;
    if (got == 0) {
        *eof = 1;
        int code = 0;
        const char *msg = gzerror(f, &code);
        if (code != Z_OK && code != Z_STREAM_END)
            return cs_error_set(CS_EFORMAT, "%s: corrupt or truncated gzip stream (%s)", path, msg);
    }
    return CS_OK;
}

cs_status cs_table_read_text_lines(const char *path, cs_matrix *out, size_t **lines)
{
    out->data = NULL;
    out->rows = out->cols = out->stride = 0;
    if (lines)
        *lines = NULL;
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return cs_error_set(CS_EIO, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
    gzbuffer(f, 1 << 17);
    table_acc a = {path, NULL, 0, 0, 0, 0, NULL, 0};
    size_t cap = CHUNK, len = 0, keep = 0, lineno = 0;
    char *buf = malloc(cap);
    if (lines) {
        a.lines_cap = 1024;
        a.lines = malloc(a.lines_cap * sizeof *a.lines);
    }
    cs_status st = (buf && (!lines || a.lines)) ? CS_OK : cs_error_set(CS_ENOMEM, "%s: out of memory", path);
    int eof = 0;
    while (!st && !eof) {
        if ((st = fill(f, path, &buf, &cap, keep, &len, &eof)))
            break;
        const char *p = buf, *end = buf + len;
        for (;;) {
            const char *q = p;
            while (q < end && byte_class((unsigned char)*q) != C_EOL)
                q++;
            /* an unterminated line (or a CR that may start a CRLF) waits for
             * more bytes unless the file has ended */
            if (!eof && (q == end || (*q == '\r' && q + 1 == end)))
                break;
            if (p == end)
                break;
            lineno++;
            if ((st = parse_line(&a, p, q, lineno)))
                break;
            if (q == end) {
                p = q;
                break;
            }
            p = q + ((*q == '\r' && q + 1 < end && q[1] == '\n') ? 2 : 1);
        }
        keep = (size_t)(end - p);
        memmove(buf, p, keep);
    }
    gzclose(f);
    free(buf);
    if (!st && a.rows == 0)
        st = cs_error_set(CS_EFORMAT, "%s: no data rows (empty file or only comments)", path);
    if (st) {
        free(a.data);
        free(a.lines);
        return st;
    }
    *out = cs_matrix_view(a.data, a.rows, a.cols);
    if (lines)
        *lines = a.lines;
    return CS_OK;
}

cs_status cs_table_read_text(const char *path, cs_matrix *out) { return cs_table_read_text_lines(path, out, NULL); }

/* "NAME[I]": the dataset name and the index I (negative: from the end) of
 * its first axis; 0 when `spec` has no such suffix. */
static int parse_slice(const char *spec, char **name, long long *index)
{
    size_t n = strlen(spec);
    if (n < 4 || spec[n - 1] != ']')
        return 0;
    const char *open = strrchr(spec, '[');
    if (!open || open == spec)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(open + 1, &end, 10);
    if (end == open + 1 || *end != ']' || errno)
        return -1;
    if (!(*name = strndup(spec, (size_t)(open - spec))))
        return -2;
    *index = v;
    return 1;
}

cs_status cs_table_read_h5(const char *path, const char *dataset, cs_matrix *out)
{
    h5_setup();
    out->data = NULL;
    out->rows = out->cols = out->stride = 0;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return cs_error_set(CS_EIO, "%s: cannot open as HDF5", path);
    cs_status st = CS_OK;
    hid_t dset = -1, space = -1, type = -1, mspace = -1;
    /* A name that exists is taken whole; else a trailing [I] selects entry I
     * of the first axis (FILE.h5:/layers/fc1/activations[7]: snapshot 7). */
    char *name = NULL;
    long long index = 0;
    int sliced = 0;
    if (H5Lexists(file, dataset, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        sliced = parse_slice(dataset, &name, &index);
        if (sliced == -1) {
            st = cs_error_set(CS_EINVAL, "%s: '%s': the index in [...] must be a whole number, e.g. %s[7]", path,
                              dataset, "/layer1/acts");
            goto done;
        }
        if (sliced == -2) {
            st = cs_error_set(CS_ENOMEM, "out of memory");
            goto done;
        }
    }
    const char *dname = sliced ? name : dataset;
    if (!(dname[0] == '/' && H5Lexists(file, dname, H5P_DEFAULT) > 0 &&
          (dset = H5Dopen2(file, dname, H5P_DEFAULT)) >= 0)) {
        H5Eclear2(H5E_DEFAULT);
        st = cs_error_set(CS_EFORMAT, "%s: no dataset '%s'", path, dname);
        goto done;
    }
    type = H5Dget_type(dset);
    H5T_class_t cls = H5Tget_class(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
        st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' is not numeric", path, dname);
        goto done;
    }
    space = H5Dget_space(dset);
    int rank = H5Sget_simple_extent_ndims(space);
    hsize_t full[3] = {0, 1, 1};
    if (rank < 1 || rank > 2 + sliced) {
        if (!sliced && rank == 3)
            st = cs_error_set(CS_EFORMAT,
                              "%s: dataset '%s' has rank 3; select one entry of its first axis to get a "
                              "table, e.g. %s:%s[0]",
                              path, dname, path, dname);
        else
            st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' has rank %d; a table needs 1 or 2%s", path, dname, rank,
                              sliced ? " after the [index]" : "");
        goto done;
    }
    H5Sget_simple_extent_dims(space, full, NULL);
    if (sliced && rank == 1) {
        st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' is 1-D; [index] selects an entry of a 2-D or 3-D dataset",
                          path, dname);
        goto done;
    }
    if (sliced) {
        long long k = index < 0 ? (long long)full[0] + index : index;
        if (k < 0 || (unsigned long long)k >= full[0]) {
            st = cs_error_set(CS_EINVAL,
                              "%s: index %lld of dataset '%s' is out of range (its first axis has %llu "
                              "entries: 0..%llu, or -1 for the last)",
                              path, index, dname, (unsigned long long)full[0],
                              (unsigned long long)(full[0] ? full[0] - 1 : 0));
            goto done;
        }
        index = k;
    }
    /* rows x cols of the table: the selected entry, or the whole dataset */
    hsize_t rows = sliced ? full[1] : full[0], cols = sliced ? (rank == 3 ? full[2] : 1) : (rank == 2 ? full[1] : 1);
    if (rows == 0 || cols == 0) {
        st = cs_error_set(CS_EFORMAT, "%s: dataset '%s' is empty", path, dname);
        goto done;
    }
    st = cs_matrix_alloc((size_t)rows, (size_t)cols, out);
    if (st)
        goto done;
    int ok;
    if (sliced) {
        hsize_t start[3] = {(hsize_t)index, 0, 0}, count[3] = {1, full[1], rank == 3 ? full[2] : 1};
        mspace = H5Screate_simple(rank, count, NULL);
        ok = mspace >= 0 && H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
             H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, space, H5P_DEFAULT, out->data) >= 0;
    } else {
        ok = H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out->data) >= 0;
    }
    if (!ok) {
        cs_matrix_free(out);
        st = cs_error_set(CS_EIO, "%s: cannot read dataset '%s'", path, dname);
    }
done:
    if (mspace >= 0)
        H5Sclose(mspace);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (dset >= 0)
        H5Dclose(dset);
    H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    free(name);
    return st;
}

cs_status cs_table_read(const char *spec, cs_matrix *out)
{
    /* "FILE.h5:/dataset": the dataset path starts with '/' right after a colon. */
    const char *colon = strstr(spec, ":/");
    if (colon) {
        char *path = strndup(spec, (size_t)(colon - spec));
        if (!path)
            return cs_error_set(CS_ENOMEM, "out of memory");
        cs_status st = cs_table_read_h5(path, colon + 1, out);
        free(path);
        return st;
    }
    return cs_table_read_text(spec, out);
}
