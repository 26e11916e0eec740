/* cs_metrics: the analysis results as named double arrays + attributes +
 * notes, and their HDF5 file (schema "cogscope-metrics", docs/schema.md). */
#include "cogscope/metrics.h"
#include "cogscope/runlog.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "h5attr.h"

typedef struct {
    char name[64];
    char text[512];
    double num;
    int is_num;
} metrics_attr;

struct cs_metrics {
    cs_metrics_array *arr;
    size_t n, cap;
    metrics_attr *attrs;
    size_t nattr, capattr;
    char **notes;
    size_t nnotes, capnotes;
};

static void h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

cs_status cs_metrics_create(cs_metrics **out)
{
    if (!out)
        return cs_error_set(CS_EINVAL, "cs_metrics_create: out must be given");
    *out = calloc(1, sizeof **out);
    return *out ? CS_OK : cs_error_set(CS_ENOMEM, "out of memory creating a metrics collection");
}

void cs_metrics_destroy(cs_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->arr[i].data);
    for (size_t i = 0; i < m->nnotes; i++)
        free(m->notes[i]);
    free(m->arr);
    free(m->attrs);
    free(m->notes);
    free(m);
}

/* Absolute path of '/'-separated components made of [A-Za-z0-9_.-]. */
static int valid_path(const char *p)
{
    size_t n = strlen(p);
    if (n < 2 || n >= sizeof((cs_metrics_array *)0)->path || p[0] != '/' || p[n - 1] == '/')
        return 0;
    for (size_t i = 1; i < n; i++) {
        char c = p[i];
        if (c == '/') {
            if (p[i - 1] == '/')
                return 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            return 0;
    }
    return 1;
}

static cs_metrics_array *find(const cs_metrics *m, const char *path)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->arr[i].path, path))
            return &m->arr[i];
    return NULL;
}

cs_status cs_metrics_put(cs_metrics *m, const char *path, size_t rank, const size_t *dims, const double *data,
                         const char *units, const char *description)
{
    if (!m || !path || !dims)
        return cs_error_set(CS_EINVAL, "cs_metrics_put: metrics, path and dims must be given");
    if (!valid_path(path))
        return cs_error_set(CS_EINVAL, "metrics path '%s' is not an absolute path of [A-Za-z0-9_.-] names", path);
    if (rank < 1 || rank > CS_METRICS_MAX_RANK)
        return cs_error_set(CS_EINVAL, "metrics array %s: rank %zu is not in 1..%d", path, rank, CS_METRICS_MAX_RANK);
    size_t count = 1;
    for (size_t k = 0; k < rank; k++) {
        if (dims[k] && count > SIZE_MAX / 8 / dims[k])
            return cs_error_set(CS_ENOMEM, "metrics array %s is too large", path);
        count *= dims[k];
    }
    double *copy = malloc((count ? count : 1) * sizeof *copy);
    if (!copy)
        return cs_error_set(CS_ENOMEM, "out of memory storing metrics array %s", path);
    for (size_t i = 0; i < count; i++)
        copy[i] = data ? data[i] : NAN;
    cs_metrics_array *a = find(m, path);
    if (!a) {
        if (m->n == m->cap) {
            size_t cap = m->cap ? 2 * m->cap : 64;
            cs_metrics_array *na = realloc(m->arr, cap * sizeof *na);
            if (!na) {
                free(copy);
                return cs_error_set(CS_ENOMEM, "out of memory storing metrics array %s", path);
            }
            m->arr = na;
            m->cap = cap;
        }
        a = &m->arr[m->n++];
        memset(a, 0, sizeof *a);
        snprintf(a->path, sizeof a->path, "%s", path);
    } else {
        free(a->data);
    }
    a->rank = rank;
    for (size_t k = 0; k < CS_METRICS_MAX_RANK; k++)
        a->dims[k] = k < rank ? dims[k] : 0;
    a->count = count;
    a->data = copy;
    snprintf(a->units, sizeof a->units, "%s", units ? units : "");
    snprintf(a->description, sizeof a->description, "%s", description ? description : "");
    return CS_OK;
}

cs_status cs_metrics_put1(cs_metrics *m, const char *path, size_t n, const double *data, const char *units,
                          const char *description)
{
    return cs_metrics_put(m, path, 1, &n, data, units, description);
}

size_t cs_metrics_count(const cs_metrics *m) { return m ? m->n : 0; }
const cs_metrics_array *cs_metrics_at(const cs_metrics *m, size_t i) { return m && i < m->n ? &m->arr[i] : NULL; }
const cs_metrics_array *cs_metrics_get(const cs_metrics *m, const char *path)
{
    return m && path ? find(m, path) : NULL;
}

static metrics_attr *attr_slot(cs_metrics *m, const char *key)
{
    for (size_t i = 0; i < m->nattr; i++)
        if (!strcmp(m->attrs[i].name, key))
            return &m->attrs[i];
    metrics_attr *na = cs_grow(m->attrs, &m->capattr, m->nattr, sizeof *na, 32);
    if (!na)
        return NULL;
    m->attrs = na;
    metrics_attr *a = &m->attrs[m->nattr++];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", key);
    return a;
}

static int valid_key(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n >= 64 || !strcmp(k, "notes"))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Attribute `key` set to text (and, is_num, the number num it prints). */
static cs_status set_attr(cs_metrics *m, const char *key, const char *text, int is_num, double num)
{
    if (!valid_key(key))
        return cs_error_set(CS_EINVAL, "metrics attribute name '%s' is not valid", key);
    metrics_attr *a = attr_slot(m, key);
    if (!a)
        return cs_error_set(CS_ENOMEM, "out of memory storing metrics attribute %s", key);
    snprintf(a->text, sizeof a->text, "%s", text);
    a->is_num = is_num;
    a->num = num;
    return CS_OK;
}

cs_status cs_metrics_set_attr(cs_metrics *m, const char *key, const char *value)
{
    if (!m || !key || !value)
        return cs_error_set(CS_EINVAL, "cs_metrics_set_attr: metrics, key and value must be given");
    return set_attr(m, key, value, 0, NAN);
}

cs_status cs_metrics_set_attr_num(cs_metrics *m, const char *key, double value)
{
    if (!m || !key)
        return cs_error_set(CS_EINVAL, "cs_metrics_set_attr_num: metrics and key must be given");
    char text[32]; /* %.17g of a double: 24 characters at most */
    snprintf(text, sizeof text, "%.17g", value);
    return set_attr(m, key, text, 1, value);
}

const char *cs_metrics_attr(const cs_metrics *m, const char *key)
{
    if (!m || !key)
        return NULL;
    for (size_t i = 0; i < m->nattr; i++)
        if (!strcmp(m->attrs[i].name, key))
            return m->attrs[i].text;
    return NULL;
}

double cs_metrics_attr_num(const cs_metrics *m, const char *key)
{
    if (!m || !key)
        return NAN;
    for (size_t i = 0; i < m->nattr; i++)
        if (!strcmp(m->attrs[i].name, key))
            return m->attrs[i].is_num ? m->attrs[i].num : NAN;
    return NAN;
}

size_t cs_metrics_attr_count(const cs_metrics *m) { return m ? m->nattr : 0; }
const char *cs_metrics_attr_name(const cs_metrics *m, size_t i)
{
    return m && i < m->nattr ? m->attrs[i].name : NULL;
}
int cs_metrics_attr_is_num(const cs_metrics *m, size_t i) { return m && i < m->nattr ? m->attrs[i].is_num : 0; }

static cs_status add_note_text(cs_metrics *m, const char *text)
{
    if (m->nnotes == m->capnotes) {
        size_t cap = m->capnotes ? 2 * m->capnotes : 16;
        char **nn = realloc(m->notes, cap * sizeof *nn);
        if (!nn)
            return cs_error_set(CS_ENOMEM, "out of memory storing a metrics note");
        m->notes = nn;
        m->capnotes = cap;
    }
    char *s = strdup(text);
    if (!s)
        return cs_error_set(CS_ENOMEM, "out of memory storing a metrics note");
    m->notes[m->nnotes++] = s;
    return CS_OK;
}

cs_status cs_metrics_add_note(cs_metrics *m, const char *fmt, ...)
{
    if (!m || !fmt)
        return cs_error_set(CS_EINVAL, "cs_metrics_add_note: metrics and text must be given");
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return add_note_text(m, buf);
}

size_t cs_metrics_note_count(const cs_metrics *m) { return m ? m->nnotes : 0; }
const char *cs_metrics_note(const cs_metrics *m, size_t i) { return m && i < m->nnotes ? m->notes[i] : NULL; }

/* ---- HDF5 ----------------------------------------------------------------- */

/* A metrics file whose writing failed is closed on a copy in memory up to
 * this size (h5_discard_writes); metrics files are rarely 10 MB. */
#define METRICS_COPY_MAX ((size_t)512 << 20)

static int write_array(hid_t file, hid_t lcpl, const cs_metrics_array *a)
{
    hsize_t dims[CS_METRICS_MAX_RANK];
    for (size_t k = 0; k < a->rank; k++)
        dims[k] = a->dims[k];
    hid_t space = H5Screate_simple((int)a->rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int ok = space >= 0 && dcpl >= 0;
    /* Large arrays (relaxation spectra, multiplet values) compress well;
     * small ones stay contiguous so h5py reads them without a filter. */
    if (ok && a->count >= 4096) {
        hsize_t chunk[CS_METRICS_MAX_RANK];
        size_t per = 1;
        for (size_t k = a->rank; k-- > 0;) {
            chunk[k] = per >= 65536 ? 1 : dims[k];
            per *= (size_t)chunk[k];
        }
        ok = H5Pset_chunk(dcpl, (int)a->rank, chunk) >= 0 && H5Pset_deflate(dcpl, 4) >= 0;
    }
    hid_t d = ok ? H5Dcreate2(file, a->path, H5T_IEEE_F64LE, space, lcpl, dcpl, H5P_DEFAULT) : H5I_INVALID_HID;
    ok = d >= 0 && (a->count == 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->data) >= 0) &&
         h5_attr_put_string(d, "units", a->units) && h5_attr_put_string(d, "description", a->description) &&
         H5Dflush(d) >= 0;
    /* A failed write (a full disk): detach the file before closing, or the
     * close fails too and leaves ids that crash HDF5 at exit. */
    if (!ok)
        h5_discard_writes(file, METRICS_COPY_MAX);
    if (d >= 0)
        H5Dclose(d);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return ok;
}

cs_status cs_metrics_write(const cs_metrics *m, const char *path)
{
    if (!m || !path)
        return cs_error_set(CS_EINVAL, "cs_metrics_write: metrics and path must be given");
    h5_setup();
    h5_quiet();
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return cs_error_set(CS_EINVAL, "%s: path too long", path);
    /* File format 1.8 or later: attributes over 64 KB (the fixed-length
     * notes of a long run) need its dense attribute storage. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) {
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
        /* Closing the file closes any id a failed call left open with it. */
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    }
    errno = 0; /* h5_reason's fallback: this call's errno, not a stale one */
    hid_t file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl >= 0 ? fapl : H5P_DEFAULT);
    if (fapl >= 0)
        H5Pclose(fapl);
    char reason[256];
    if (file < 0)
        return cs_error_set(CS_EIO, "%s: cannot create the metrics file (%s)", path,
                            h5_reason(reason, sizeof reason));
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    int ok = lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0;
    ok = ok && h5_attr_put_string(file, "schema", CS_METRICS_SCHEMA) &&
         h5_attr_put_f64(file, "schema_version", CS_METRICS_SCHEMA_VERSION);
    hid_t g = ok ? H5Gcreate2(file, "/analysis", lcpl, H5P_DEFAULT, H5P_DEFAULT) : H5I_INVALID_HID;
    ok = ok && g >= 0;
    for (size_t i = 0; ok && i < m->nattr; i++)
        ok = m->attrs[i].is_num ? h5_attr_put_f64(g, m->attrs[i].name, m->attrs[i].num)
                                : h5_attr_put_string(g, m->attrs[i].name, m->attrs[i].text);
    if (ok && m->nnotes)
        ok = h5_attr_put_strings(g, "notes", (const char *const *)m->notes, m->nnotes);
    const char *failed = NULL;
    for (size_t i = 0; ok && i < m->n; i++)
        if (!write_array(file, lcpl, &m->arr[i])) {
            ok = 0;
            failed = m->arr[i].path;
        }
    if (g >= 0)
        H5Gclose(g);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    /* Flush before closing: a write that fails then (a full disk) is seen
     * while the file can still be detached; a close that fails would leave
     * an id that crashes HDF5 at exit. */
    if (ok && H5Fflush(file, H5F_SCOPE_LOCAL) < 0)
        ok = 0;
    if (!ok) { /* the temporary file goes: nothing more is written to it */
        h5_reason(reason, sizeof reason);
        h5_discard_writes(file, METRICS_COPY_MAX);
    }
    if (H5Fclose(file) < 0 && ok) {
        ok = 0;
        h5_reason(reason, sizeof reason);
    }
    H5Eclear2(H5E_DEFAULT);
    if (!ok) {
        unlink(tmp);
        return failed ? cs_error_set(CS_EIO, "%s: cannot write dataset %s (%s)", path, failed, reason)
                      : cs_error_set(CS_EIO, "%s: cannot write the metrics file (%s)", path, reason);
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return cs_error_set(CS_EIO, "%s: cannot replace the metrics file (%s)", path, strerror(e));
    }
    return CS_OK;
}

typedef struct {
    cs_metrics *m;
    const char *file;
    cs_status st;
} read_ctx;

static herr_t read_attr_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    read_ctx *c = data;
    if (!strcmp(name, "notes")) {
        char **v;
        size_t n;
        if (h5_attr_get_strings(loc, name, (size_t)1 << 20, &v, &n) == 1)
            for (size_t i = 0; i < n && c->st == CS_OK; i++)
                c->st = add_note_text(c->m, v[i]);
        h5_strings_free(v, n);
        return c->st == CS_OK ? 0 : -1;
    }
    if (!valid_key(name))
        return 0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t type = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    if (cls == H5T_FLOAT || cls == H5T_INTEGER) {
        double v = NAN;
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0)
            c->st = cs_metrics_set_attr_num(c->m, name, v);
    } else if (cls == H5T_STRING) {
        char buf[512];
        if (h5_attr_get_string(loc, name, buf, sizeof buf) == 1)
            c->st = cs_metrics_set_attr(c->m, name, buf);
    }
    if (type >= 0)
        H5Tclose(type);
    if (a >= 0)
        H5Aclose(a);
    H5Eclear2(H5E_DEFAULT);
    return c->st == CS_OK ? 0 : -1;
}

static herr_t read_obj_cb(hid_t obj, const char *name, const H5O_info_t *info, void *data)
{
    read_ctx *c = data;
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    char path[160];
    snprintf(path, sizeof path, "/analysis/%s", name);
    if (!valid_path(path))
        return 0; /* not one of ours: ignored */
    hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
    hid_t type = d >= 0 ? H5Dget_type(d) : H5I_INVALID_HID;
    hid_t space = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (d < 0 || type < 0 || space < 0 || rank < 1 || rank > CS_METRICS_MAX_RANK ||
        (H5Tget_class(type) != H5T_FLOAT && H5Tget_class(type) != H5T_INTEGER)) {
        c->st = cs_error_set(CS_ESCHEMA, "%s: dataset %s is not a numeric array of rank 1..%d", c->file, path,
                             CS_METRICS_MAX_RANK);
    } else {
        hsize_t hd[CS_METRICS_MAX_RANK];
        size_t dims[CS_METRICS_MAX_RANK], count = 1;
        H5Sget_simple_extent_dims(space, hd, NULL);
        for (int k = 0; k < rank; k++) {
            dims[k] = (size_t)hd[k];
            count *= dims[k];
        }
        double *buf = malloc((count ? count : 1) * sizeof *buf);
        if (!buf)
            c->st = cs_error_set(CS_ENOMEM, "%s: out of memory reading %s", c->file, path);
        else if (count && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            c->st = cs_error_set(CS_EIO, "%s: cannot read dataset %s (file damaged?)", c->file, path);
        else {
            char units[24], desc[240];
            h5_attr_get_string(d, "units", units, sizeof units);
            h5_attr_get_string(d, "description", desc, sizeof desc);
            c->st = cs_metrics_put(c->m, path, (size_t)rank, dims, buf, units, desc);
        }
        free(buf);
    }
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (d >= 0)
        H5Dclose(d);
    H5Eclear2(H5E_DEFAULT);
    return c->st == CS_OK ? 0 : -1;
}

cs_status cs_metrics_read(const char *path, cs_metrics **out)
{
    if (!path || !out)
        return cs_error_set(CS_EINVAL, "cs_metrics_read: path and out must be given");
    *out = NULL;
    h5_setup();
    h5_quiet();
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return cs_error_set(CS_EIO, "%s: cannot open the metrics file (no such file or not readable)", path);
    fclose(probe);
    if (H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return cs_error_set(CS_ESCHEMA, "%s: not a cogscope metrics file (not an HDF5 file)", path);
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        H5Eclear2(H5E_DEFAULT);
        return cs_error_set(CS_EIO, "%s: cannot open the metrics file (damaged HDF5?)", path);
    }
    char schema[64];
    double version = NAN;
    cs_status st = CS_OK;
    if (h5_attr_get_string(file, "schema", schema, sizeof schema) != 1 || strcmp(schema, CS_METRICS_SCHEMA)) {
        st = strcmp(schema, CS_RUNLOG_SCHEMA)
                 ? cs_error_set(CS_ESCHEMA,
                                "%s: not a cogscope metrics file (root attribute 'schema' is '%s', "
                                "expected '%s')",
                                path, schema, CS_METRICS_SCHEMA)
                 : cs_error_set(CS_ESCHEMA, "%s: is a run log, not a metrics file (make one with cogscope analyze)",
                                path);
    } else {
        hid_t a = H5Aexists(file, "schema_version") > 0 ? H5Aopen(file, "schema_version", H5P_DEFAULT) : -1;
        if (a < 0 || H5Aread(a, H5T_NATIVE_DOUBLE, &version) < 0 || version != floor(version) || version < 1)
            st = cs_error_set(CS_ESCHEMA, "%s: root attribute 'schema_version' is missing or not a positive integer",
                              path);
        else if (version > CS_METRICS_SCHEMA_VERSION)
            st = cs_error_set(CS_ESCHEMA,
                              "%s: metrics schema version %.0f is newer than this cogscope reads (%d); "
                              "upgrade cogscope",
                              path, version, CS_METRICS_SCHEMA_VERSION);
        if (a >= 0)
            H5Aclose(a);
    }
    hid_t g = H5I_INVALID_HID;
    if (st == CS_OK &&
        (H5Lexists(file, "/analysis", H5P_DEFAULT) <= 0 || (g = H5Gopen2(file, "/analysis", H5P_DEFAULT)) < 0))
        st = cs_error_set(CS_ESCHEMA, "%s: the metrics file has no /analysis group", path);
    cs_metrics *m = NULL;
    if (st == CS_OK)
        st = cs_metrics_create(&m);
    if (st == CS_OK) {
        read_ctx c = {m, path, CS_OK};
        hsize_t idx = 0;
        H5Aiterate2(g, H5_INDEX_CRT_ORDER, H5_ITER_NATIVE, &idx, read_attr_cb, &c);
        if (c.st == CS_OK)
            H5Ovisit2(g, H5_INDEX_NAME, H5_ITER_INC, read_obj_cb, &c, H5O_INFO_BASIC);
        st = c.st;
    }
    if (g >= 0)
        H5Gclose(g);
    H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    if (st != CS_OK) {
        cs_metrics_destroy(m);
        return st;
    }
    *out = m;
    return CS_OK;
}
