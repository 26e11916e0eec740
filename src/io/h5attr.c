/* HDF5 attribute helpers (contract in h5attr.h). */
#include "h5attr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A variable-length UTF-8 string type; caller closes it. */
static hid_t utf8_vlen_type(void)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type >= 0 && (H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0)) {
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

int cs_h5_attr_put_string(hid_t loc, const char *name, const char *value)
{
    hid_t type = utf8_vlen_type(), space = H5Screate(H5S_SCALAR);
    int ok = put(loc, name, type, type, space, &value);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return ok;
}

int cs_h5_attr_put_strings(hid_t loc, const char *name, const char *const *values, size_t n)
{
    hsize_t dim = n;
    hid_t type = utf8_vlen_type(), space = H5Screate_simple(1, &dim, NULL);
    int ok = put(loc, name, type, type, space, values);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return ok;
}

int cs_h5_attr_put_num(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v, size_t n,
                       int scalar)
{
    hsize_t dim = n;
    hid_t space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    int ok = put(loc, name, ftype, mtype, space, v);
    if (space >= 0)
        H5Sclose(space);
    return ok;
}

int cs_h5_attr_put_f64(hid_t loc, const char *name, double v)
{
    return cs_h5_attr_put_num(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, 1, 1);
}

int cs_h5_attr_put_i64(hid_t loc, const char *name, int64_t v)
{
    return cs_h5_attr_put_num(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v, 1, 1);
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

/* Read a string attribute `a` of file type `type` into out[n]: 1 or -1. */
static int read_string(hid_t a, hid_t type, char *out, size_t n)
{
    int ret = -1;
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (mt < 0)
        return -1;
    H5Tset_cset(mt, H5Tget_cset(type)); /* HDF5 cannot convert between ASCII and UTF-8 */
    if (H5Tis_variable_str(type) > 0) {
        char *s = NULL;
        if (H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Aread(a, mt, &s) >= 0 && s) {
            snprintf(out, n, "%s", s);
            ret = 1;
        }
        if (s)
            H5free_memory(s);
    } else {
        size_t size = H5Tget_size(type);
        char *buf = calloc(size + 1, 1);
        if (buf && H5Tset_size(mt, size) >= 0 && H5Aread(a, mt, buf) >= 0) {
            snprintf(out, n, "%s", buf);
            ret = 1;
        }
        free(buf);
    }
    H5Tclose(mt);
    return ret;
}

int cs_h5_attr_get_string(hid_t obj, const char *name, char *out, size_t n)
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

int cs_h5_attr_get_numbers(hid_t obj, const char *name, hid_t memtype, void *out, size_t max, size_t *count)
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

void cs_h5_strings_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Copies of the n HDF5-allocated strings in h (freed here) into *out. */
static int copy_strings(char **h, size_t n, char ***out)
{
    char **v = calloc(n, sizeof *v);
    int ok = v != NULL;
    for (size_t i = 0; i < n; i++) {
        if (ok && !(v[i] = strdup(h[i] ? h[i] : "")))
            ok = 0;
        if (h[i])
            H5free_memory(h[i]);
    }
    if (!ok) {
        cs_h5_strings_free(v, n);
        return -1;
    }
    *out = v;
    return 1;
}

int cs_h5_attr_get_strings(hid_t obj, const char *name, size_t max, char ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    attr_in in;
    if (!attr_open(obj, name, &in))
        return 0;
    int ret = -1;
    if (in.type >= 0 && H5Tget_class(in.type) == H5T_STRING && H5Tis_variable_str(in.type) > 0 && in.n >= 0 &&
        (size_t)in.n <= max) {
        size_t n = (size_t)in.n;
        char **h = calloc(n ? n : 1, sizeof *h);
        hid_t mt = H5Tcopy(H5T_C_S1);
        if (h && mt >= 0 && H5Tset_size(mt, H5T_VARIABLE) >= 0 && H5Tset_cset(mt, H5Tget_cset(in.type)) >= 0 &&
            (n == 0 || H5Aread(in.a, mt, h) >= 0)) {
            ret = n ? copy_strings(h, n, out) : 1;
            if (ret == 1)
                *count = n;
        }
        if (mt >= 0)
            H5Tclose(mt);
        free(h);
    }
    attr_close(&in);
    return ret;
}
