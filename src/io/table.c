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

/* Eight decimal digits at p (any alignment) as their value, 0 .. 99999999,
 * in a few 64-bit operations: 1 when all eight bytes are digits. Byte k of x
 * is the k-th character (little-endian load); a byte b is a digit when its
 * high nibble is 3 and so is that of b + 6 (b <= '9'). Then pairs of digits
 * are combined to bytes 10 d_k + d_{k+1} (even k), and the four pairs to
 * P0 10^6 + P1 10^4 + P2 10^2 + P3 by two multiplications whose wanted sum
 * lands in the high 32 bits. */
static inline int eight_digits(const char *p, uint32_t *value)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t x;
    memcpy(&x, p, sizeof x);
    const uint64_t hi = 0xF0F0F0F0F0F0F0F0ull;
    if (((x & hi) | (((x + 0x0606060606060606ull) & hi) >> 4)) != 0x3333333333333333ull)
        return 0;
    uint64_t d = x - 0x3030303030303030ull;
    d = d * 10 + (d >> 8); /* even bytes: the pairs P0..P3 */
    const uint64_t even = 0x000000FF000000FFull;
    d = ((d & even) * (100 + (1000000ull << 32)) + ((d >> 16) & even) * (1 + (10000ull << 32))) >> 32;
    *value = (uint32_t)d;
    return 1;
#else
    (void)p;
    (void)value;
    return 0;
#endif
}

/* Significant digits into m: leading zeros are skipped (each one decrements
 * *exp10 when `fraction`), every digit after them counts in *digits, and a
 * fraction digit decrements *exp10. Returns the first non-digit, or NULL
 * when more than 19 significant digits would not fit m exactly. Eight
 * digits at a time while they fit (eight_digits). */
static const char *scan_digits(const char *p, const char *e, uint64_t *m, int *digits, int *exp10, int fraction,
                               int *seen)
{
    for (; p < e && *m == 0 && *p == '0'; p++) {
        *seen = 1;
        *exp10 -= fraction;
    }
    uint32_t v8;
    while (*digits <= 11 && e - p >= 8 && eight_digits(p, &v8)) {
        *m = *m * 100000000u + v8;
        *digits += *m ? 8 : 0; /* all zeros while m == 0 stay leading zeros */
        *exp10 -= 8 * fraction;
        p += 8;
        *seen = 1;
    }
    for (; p < e && (unsigned)(*p - '0') < 10; p++) {
        *seen = 1;
        if (*m == 0 && *p == '0') {
            *exp10 -= fraction;
            continue;
        }
        if ((*digits)++ == 19)
            return NULL;
        *m = *m * 10 + (uint64_t)(*p - '0');
        *exp10 -= fraction;
    }
    return p;
}

/* Scan the decimal number at the start of [s, e) ([+-]digits[.digits]
 * [(e|E)[+-]digits], at most 19 significant digits); *stop gets where its
 * syntax ends. Returns 1 and sets *out when the value is certainly the one
 * strtod gives for those bytes (the correctly rounded double); 0 otherwise,
 * and the caller asks strtod.
 *   - m <= 2^53 and |p| <= 22: m and 10^|p| are exact doubles, so m * 10^p
 *     (or m / 10^-p) is one correctly rounded operation (Clinger's fast path).
 *   - else, where long double has a 64-bit significand (x86-64): m < 2^64
 *     and 10^|p| for |p| <= 27 are exact there, so one long double operation
 *     rounds once to 64 bits, and rounding that to 53 bits gives the correct
 *     double unless the 64-bit result is exactly halfway between two doubles
 *     (no other 53-bit midpoint can lie between the exact value and it);
 *     that case goes to strtod. */
static int scan_decimal(const char *s, const char *e, double *out, const char **stop)
{
    const char *p = s;
    *stop = s;
    int neg = 0;
    if (p < e && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    uint64_t m = 0;
    int digits = 0, seen = 0, exp10 = 0;
    if (!(p = scan_digits(p, e, &m, &digits, &exp10, 0, &seen)))
        return 0;
    if (p < e && *p == '.' && !(p = scan_digits(p + 1, e, &m, &digits, &exp10, 1, &seen)))
        return 0;
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
    *stop = p;
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

/* The decimal number filling [s, e) exactly, as scan_decimal. */
static int parse_decimal(const char *s, const char *e, double *out)
{
    const char *stop;
    double v;
    if (!scan_decimal(s, e, &v, &stop) || stop != e)
        return 0;
    *out = v;
    return 1;
}

cs_status table_parse_number(const char *s, size_t len, double *out)
{
    if (len > 0 && parse_decimal(s, s + len, out))
        return CS_OK;
    if (len == 0)
        return CS_EFORMAT;
    /* strtod needs a terminated copy; a cell longer than the stack buffer
     * (hundreds of digits: rare, but strtod reads it) gets a heap one. */
    char local[128], *buf = len < sizeof local ? local : malloc(len + 1);
    if (!buf)
        return CS_EFORMAT;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    cs_status st = end == buf + len ? CS_OK : CS_EFORMAT;
    if (buf != local)
        free(buf);
    if (st == CS_OK)
        *out = v;
    return st;
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
    cs_status st = acc_reserve(a, (size_t)(e - p) / 2 + 1, lineno); /* a cell and a separator: 2 bytes */
    if (st)
        return st;
    while (p < e) {
        const char *c = p, *q;
        double v;
        /* The common cell, one pass: a decimal ending at a separator or the
         * line's end, whose value the fast path knows exactly. */
        if (scan_decimal(c, e, &v, &q) && (q == e || byte_class((unsigned char)*q) == C_SEP)) {
            p = q;
        } else { /* the whole cell, then strtod's reading of it */
            int cls = C_OTHER;
            while (p < e && (cls = byte_class((unsigned char)*p)) == C_OTHER)
                p++;
            if (p < e && cls == C_NUL)
                return cs_error_set(CS_EFORMAT,
                                    "%s: line %zu: NUL byte at character %zu (a binary "
                                    "file, or a damaged text file?)",
                                    a->path, lineno, (size_t)(p - s) + 1);
            if (table_parse_number(c, (size_t)(p - c), &v) != CS_OK) {
                char cell[32];
                cell_name(c, p, cell, sizeof cell);
                return cs_error_set(CS_EFORMAT, "%s: line %zu, column %zu: '%s' is not a number", a->path, lineno,
                                    ncell, cell);
            }
        }
        a->data[a->n++] = v;
        ncell++;
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

/* The first line end ('\n' or '\r') in [p, end), or end. *nl caches the
 * next '\n' at or after p (NULL: not looked for yet), so a file of CR-only
 * line ends is not searched to its end for '\n' at every line. libc's
 * vectorised memchr instead of a loop over the bytes. */
static const char *find_eol(const char *p, const char *end, const char **nl)
{
    if (!*nl || *nl < p) {
        *nl = memchr(p, '\n', (size_t)(end - p));
        if (!*nl)
            *nl = end;
    }
    const char *cr = memchr(p, '\r', (size_t)(*nl - p));
    return cr ? cr : *nl;
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
        const char *p = buf, *end = buf + len, *nl = NULL;
        for (;;) {
            const char *q = find_eol(p, end, &nl);
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

/* An HDF5 dataset being read as a table: the open objects, the name (a
 * slice's without its [I]) and the selected entry. */
typedef struct {
    const char *path, *dname;
    hid_t file, dset, space;
    char *name;      /* the dataset name without "[I]" (owned), when sliced */
    long long index; /* entry of the first axis, when sliced */
    int sliced, rank;
    hsize_t full[3];
} h5_table;

static void h5t_close(h5_table *t)
{
    if (t->space >= 0)
        H5Sclose(t->space);
    if (t->dset >= 0)
        H5Dclose(t->dset);
    if (t->file >= 0)
        H5Fclose(t->file);
    H5Eclear2(H5E_DEFAULT);
    free(t->name);
}

/* Open `dataset` of the open file: a name that exists is taken whole; else a
 * trailing [I] selects entry I of the first axis
 * (FILE.h5:/layers/fc1/activations[7]: snapshot 7). Numeric only. */
static cs_status h5t_open(h5_table *t, const char *dataset)
{
    if (H5Lexists(t->file, dataset, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        t->sliced = parse_slice(dataset, &t->name, &t->index);
        if (t->sliced == -1)
            return cs_error_set(CS_EINVAL, "%s: '%s': the index in [...] must be a whole number, e.g. %s[7]", t->path,
                                dataset, "/layer1/acts");
        if (t->sliced == -2)
            return cs_error_set(CS_ENOMEM, "out of memory");
    }
    t->dname = t->sliced ? t->name : dataset;
    if (!(t->dname[0] == '/' && H5Lexists(t->file, t->dname, H5P_DEFAULT) > 0 &&
          (t->dset = H5Dopen2(t->file, t->dname, H5P_DEFAULT)) >= 0)) {
        H5Eclear2(H5E_DEFAULT);
        return cs_error_set(CS_EFORMAT, "%s: no dataset '%s'", t->path, t->dname);
    }
    hid_t type = H5Dget_type(t->dset);
    H5T_class_t cls = H5Tget_class(type);
    if (type >= 0)
        H5Tclose(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
        return cs_error_set(CS_EFORMAT, "%s: dataset '%s' is not numeric", t->path, t->dname);
    t->space = H5Dget_space(t->dset);
    t->rank = H5Sget_simple_extent_ndims(t->space);
    return CS_OK;
}

/* rows x cols of the table: the selected entry of a 2-D or 3-D dataset, or a
 * whole 1-D or 2-D one; a negative index counts from the end. */
static cs_status h5t_shape(h5_table *t, hsize_t *rows, hsize_t *cols)
{
    const char *path = t->path, *dname = t->dname;
    int rank = t->rank, sliced = t->sliced != 0;
    if (rank < 1 || rank > 2 + sliced) {
        if (!sliced && rank == 3)
            return cs_error_set(CS_EFORMAT,
                                "%s: dataset '%s' has rank 3; select one entry of its first axis to get a "
                                "table, e.g. %s:%s[0]",
                                path, dname, path, dname);
        return cs_error_set(CS_EFORMAT, "%s: dataset '%s' has rank %d; a table needs 1 or 2%s", path, dname, rank,
                            sliced ? " after the [index]" : "");
    }
    hsize_t *full = t->full;
    full[0] = 0, full[1] = full[2] = 1;
    H5Sget_simple_extent_dims(t->space, full, NULL);
    if (sliced && rank == 1)
        return cs_error_set(CS_EFORMAT, "%s: dataset '%s' is 1-D; [index] selects an entry of a 2-D or 3-D dataset",
                            path, dname);
    if (sliced) {
        long long k = t->index < 0 ? (long long)full[0] + t->index : t->index;
        if (k < 0 || (unsigned long long)k >= full[0])
            return cs_error_set(CS_EINVAL,
                                "%s: index %lld of dataset '%s' is out of range (its first axis has %llu "
                                "entries: 0..%llu, or -1 for the last)",
                                path, t->index, dname, (unsigned long long)full[0],
                                (unsigned long long)(full[0] ? full[0] - 1 : 0));
        t->index = k;
    }
    *rows = sliced ? full[1] : full[0];
    *cols = sliced ? (rank == 3 ? full[2] : 1) : (rank == 2 ? full[1] : 1);
    if (*rows == 0 || *cols == 0)
        return cs_error_set(CS_EFORMAT, "%s: dataset '%s' is empty", path, dname);
    return CS_OK;
}

/* The table in one H5Dread, converted to double by HDF5 straight into the
 * matrix the caller gets (the selected entry: one hyperslab). */
static cs_status h5t_read(h5_table *t, hsize_t rows, hsize_t cols, cs_matrix *out)
{
    cs_status st = cs_matrix_alloc((size_t)rows, (size_t)cols, out);
    if (st)
        return st;
    hid_t ms = H5S_ALL, fs = H5S_ALL;
    int ok = 1;
    if (t->sliced) {
        hsize_t start[3] = {(hsize_t)t->index, 0, 0}, count[3] = {1, t->full[1], t->rank == 3 ? t->full[2] : 1};
        ok = (ms = H5Screate_simple(t->rank, count, NULL)) >= 0 &&
             H5Sselect_hyperslab(t->space, H5S_SELECT_SET, start, NULL, count, NULL) >= 0;
        fs = t->space;
    }
    ok = ok && H5Dread(t->dset, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, out->data) >= 0;
    if (t->sliced && ms >= 0)
        H5Sclose(ms);
    if (!ok) {
        cs_matrix_free(out);
        return cs_error_set(CS_EIO, "%s: cannot read dataset '%s'", t->path, t->dname);
    }
    return CS_OK;
}

cs_status cs_table_read_h5(const char *path, const char *dataset, cs_matrix *out)
{
    h5_setup();
    out->data = NULL;
    out->rows = out->cols = out->stride = 0;
    h5_table t = {.path = path, .file = -1, .dset = -1, .space = -1};
    if ((t.file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return cs_error_set(CS_EIO, "%s: cannot open as HDF5", path);
    }
    hsize_t rows = 0, cols = 0;
    cs_status st = h5t_open(&t, dataset);
    if (st == CS_OK && (st = h5t_shape(&t, &rows, &cols)) == CS_OK)
        st = h5t_read(&t, rows, cols, out);
    h5t_close(&t);
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
