#define _GNU_SOURCE /* memfd_create */
/* HDF5 attribute helpers (contract in h5attr.h). */
#include "h5attr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <threads.h>
#include <unistd.h>

static once_flag setup_once = ONCE_FLAG_INIT;
static void no_exit_cleanup(void) { H5dont_atexit(); }

/* Per thread: Debian's HDF5 keeps the error-printing switch per thread. */
static _Thread_local int quiet;

void h5_setup(void)
{
    call_once(&setup_once, no_exit_cleanup);
    if (!quiet) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        quiet = 1;
    }
}

/* A fixed-length UTF-8 string type of `size` bytes (>= 1), NUL-padded: the
 * strings stay out of the global heap, whose corruption crashes HDF5 1.10.8
 * inside H5Aread (variable-length strings live there). h5py reads these as
 * bytes. Caller closes the type. */
static hid_t utf8_fixed_type(size_t size)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type >= 0 && (H5Tset_size(type, size ? size : 1) < 0 || H5Tset_strpad(type, H5T_STR_NULLPAD) < 0 ||
                      H5Tset_cset(type, H5T_CSET_UTF8) < 0)) {
        H5Tclose(type);
        return H5I_INVALID_HID;
    }
    return type;
}

/* Create attribute `name` of `ftype` over `space` and write `data` (memory
 * type `mtype`); closes nothing it was given. */
static int put(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hid_t space, const void *data)
{
    hid_t a = H5I_INVALID_HID;
    int ok = ftype >= 0 && space >= 0 && (a = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
             H5Awrite(a, mtype, data) >= 0;
    if (a >= 0)
        H5Aclose(a);
    return ok;
}

/* n strings as one fixed-length attribute (size = the longest), scalar when
 * `scalar`. */
static int put_fixed(hid_t loc, const char *name, const char *const *values, size_t n, int scalar)
{
    size_t size = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(values[i]) > size)
            size = strlen(values[i]);
    char *buf = calloc(n ? n : 1, size);
    if (!buf)
        return 0;
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * size, values[i], strlen(values[i]));
    hsize_t dim = n;
    hid_t type = utf8_fixed_type(size), space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    int ok = put(loc, name, type, type, space, buf);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    free(buf);
    return ok;
}

int h5_attr_put_string(hid_t loc, const char *name, const char *value) { return put_fixed(loc, name, &value, 1, 1); }

int h5_attr_put_strings(hid_t loc, const char *name, const char *const *values, size_t n)
{
    return put_fixed(loc, name, values, n, 0);
}

int h5_attr_put_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v, size_t n, int scalar)
{
    hsize_t dim = n;
    hid_t space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    int ok = put(loc, name, ftype, mtype, space, v);
    if (space >= 0)
        H5Sclose(space);
    return ok;
}

int h5_attr_put_f64(hid_t loc, const char *name, double v)
{
    return h5_attr_put_num(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, 1, 1);
}

int h5_attr_put_i64(hid_t loc, const char *name, int64_t v)
{
    return h5_attr_put_num(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v, 1, 1);
}

/* An open attribute with its file type and dataspace; any id may be
 * invalid after a failed open (the readers then return -1). */
typedef struct {
    hid_t a, type, space;
    hssize_t n; /* elements, -1 when unknown */
} attr_in;

/* 0 when `name` is absent (nothing opened), else 1 with *in to close. */
static int attr_open(hid_t obj, const char *name, attr_in *in)
{
    if (H5Aexists(obj, name) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    in->a = H5Aopen(obj, name, H5P_DEFAULT);
    in->type = in->a >= 0 ? H5Aget_type(in->a) : H5I_INVALID_HID;
    in->space = in->a >= 0 ? H5Aget_space(in->a) : H5I_INVALID_HID;
    in->n = in->space >= 0 ? H5Sget_simple_extent_npoints(in->space) : -1;
    return 1;
}

/* Close what attr_open opened and clear the HDF5 error stack. */
static void attr_close(attr_in *in)
{
    if (in->space >= 0)
        H5Sclose(in->space);
    if (in->type >= 0)
        H5Tclose(in->type);
    if (in->a >= 0)
        H5Aclose(in->a);
    H5Eclear2(H5E_DEFAULT);
}

/* The n strings of attribute `a` (file type `type`, any string form: fixed
 * length NUL-terminated, NUL-padded or space-padded, or variable length; either
 * character set) as n malloc'ed copies in out[] (freed by the caller even on
 * failure). 1 or -1.
 *
 * Fixed-length strings are read in their own file type and cut here: at the
 * first NUL, and for space padding before the trailing spaces. Asking HDF5 to
 * convert them into a NUL-terminated type of the same size drops the last
 * character of a NUL-padded string that fills its size (h5py's np.bytes_). */
static int read_strings(hid_t a, hid_t type, size_t n, char **out)
{
    int ret = -1;
    if (H5Tis_variable_str(type) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        char **h = calloc(n ? n : 1, sizeof *h);
        /* HDF5 cannot convert between ASCII and UTF-8: read in the file's set */
        if (h && mt >= 0 && H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Tset_cset(mt, H5Tget_cset(type)) >= 0 &&
            H5Aread(a, mt, h) >= 0) {
            ret = 1;
            for (size_t i = 0; i < n; i++) {
                if (!(out[i] = strdup(h[i] ? h[i] : "")))
                    ret = -1;
                if (h[i])
                    H5free_memory(h[i]);
            }
        }
        if (mt >= 0)
            H5Tclose(mt);
        free(h);
        return ret;
    }
    size_t size = H5Tget_size(type);
    H5T_str_t pad = H5Tget_strpad(type);
    hid_t mt = H5Tcopy(type);
    char *buf = size && n <= SIZE_MAX / size ? malloc(n * size + 1) : NULL;
    if (buf && mt >= 0 && H5Aread(a, mt, buf) >= 0) {
        ret = 1;
        for (size_t i = 0; i < n; i++) {
            const char *p = buf + i * size;
            size_t len = 0;
            while (len < size && p[len])
                len++;
            while (pad == H5T_STR_SPACEPAD && len > 0 && p[len - 1] == ' ')
                len--;
            if (!(out[i] = strndup(p, len)))
                ret = -1;
        }
    }
    if (mt >= 0)
        H5Tclose(mt);
    free(buf);
    return ret;
}

/* Read a string attribute `a` of file type `type` into out[n]: 1 or -1. */
static int read_string(hid_t a, hid_t type, char *out, size_t n)
{
    char *s = NULL;
    int ret = read_strings(a, type, 1, &s);
    if (ret == 1)
        snprintf(out, n, "%s", s);
    free(s);
    return ret;
}

int h5_attr_get_string(hid_t obj, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    attr_in in;
    if (!attr_open(obj, name, &in))
        return 0;
    int ret = -1;
    if (in.type >= 0 && H5Tget_class(in.type) == H5T_STRING && in.n == 1)
        ret = read_string(in.a, in.type, out, n);
    attr_close(&in);
    return ret;
}

int h5_attr_get_numbers(hid_t obj, const char *name, hid_t memtype, void *out, size_t max, size_t *count)
{
    attr_in in;
    if (!attr_open(obj, name, &in))
        return 0;
    int ret = -1;
    if (in.type >= 0) {
        H5T_class_t cls = H5Tget_class(in.type);
        if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && in.n >= 1 && (size_t)in.n <= max &&
            H5Aread(in.a, memtype, out) >= 0) {
            if (count)
                *count = (size_t)in.n;
            ret = 1;
        }
    }
    attr_close(&in);
    return ret;
}

void h5_strings_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int h5_attr_get_strings(hid_t obj, const char *name, size_t max, char ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    attr_in in;
    if (!attr_open(obj, name, &in))
        return 0;
    int ret = -1;
    if (in.type >= 0 && H5Tget_class(in.type) == H5T_STRING && in.n >= 0 && (size_t)in.n <= max) {
        size_t n = (size_t)in.n;
        char **v = calloc(n ? n : 1, sizeof *v);
        if (v && (n == 0 || read_strings(in.a, in.type, n, v) == 1)) {
            *out = n ? v : NULL;
            *count = n;
            ret = 1;
            if (!n)
                free(v);
        } else {
            h5_strings_free(v, n);
        }
    }
    attr_close(&in);
    return ret;
}

typedef struct {
    char *buf;
    size_t n;
    int err; /* the first "errno = N" on the stack */
} reason_ctx;

static herr_t reason_cb(unsigned k, const H5E_error2_t *e, void *data)
{
    reason_ctx *c = data;
    if (!e->desc)
        return 0;
    if (k == 0 && *e->desc)
        snprintf(c->buf, c->n, "%s", e->desc);
    const char *p = strstr(e->desc, "errno = ");
    if (p && !c->err)
        c->err = atoi(p + 8);
    return 0;
}

const char *h5_reason(char *buf, size_t n)
{
    int saved = errno;
    reason_ctx c = {buf, n, 0};
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, reason_cb, &c);
    H5Eclear2(H5E_DEFAULT);
    if (c.err > 0)
        snprintf(buf, n, "%s", strerror(c.err));
    else if (!buf[0] && saved)
        snprintf(buf, n, "%s", strerror(saved));
    else if (!buf[0])
        snprintf(buf, n, "unknown HDF5 error");
    return buf;
}

/* A memory file holding a copy of the first `size` bytes of fd, or -1. */
static int memory_copy(int fd, off_t size)
{
    int m = memfd_create("cogscope-discarded", MFD_CLOEXEC);
    if (m < 0)
        return -1;
    char buf[1 << 16];
    for (off_t off = 0; off < size;) {
        ssize_t got = pread(fd, buf, sizeof buf, off);
        if (got <= 0 || write(m, buf, (size_t)got) != got) {
            close(m);
            return -1;
        }
        off += got;
    }
    return m;
}

int h5_discard_writes(hid_t file, size_t copy_max)
{
    void *handle = NULL;
    if (H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || !handle) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    int fd = *(int *)handle;
    struct stat st;
    int target = -1;
    if (copy_max && fstat(fd, &st) == 0 && (uint64_t)st.st_size <= copy_max)
        target = memory_copy(fd, st.st_size);
    if (target < 0)
        target = open("/dev/null", O_RDWR | O_CLOEXEC);
    int ok = target >= 0 && dup2(target, fd) >= 0;
    if (target >= 0)
        close(target);
    return ok;
}
