/* Run-log discovery: what a file of schema version 1 or 2 holds (layout in
 * docs/schema.md). Only the root attributes `schema` and `schema_version`
 * are required; every dataset the schema gives a meaning to is found by
 * walking the groups and becomes a cs_runlog_item, after its shape and type
 * are checked. Anything else in the file is allowed and ignored.
 *
 * Version 1 logs (cogscope's first trainer) differ in three ways: layers are
 * groups "1".."n" whose unit counts come from /config `layers` (which is
 * therefore required), snapshot steps live in /probe/step, and their probe
 * inputs must match /config `probe_size` x layers[0]. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "h5attr.h"
#include "runlog_reader.h"

/* Most values one metadata attribute may hold. */
#define RL_META_MAX (1u << 20)

/* ---- small helpers -------------------------------------------------------- */

int rlr_path_exists(hid_t file, const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            htri_t e = H5Lexists(file, buf, H5P_DEFAULT);
            *p = c;
            if (e <= 0) {
                H5Eclear2(H5E_DEFAULT);
                return 0;
            }
            if (!c)
                return 1;
        }
    }
}

int rlr_shape(hid_t d, hsize_t *dims)
{
    hid_t s = H5Dget_space(d);
    int rk = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    if (rk > H5S_MAX_RANK || (rk >= 0 && H5Sget_simple_extent_dims(s, dims, NULL) < 0))
        rk = -1;
    if (s >= 0)
        H5Sclose(s);
    return rk;
}

int rlr_read_block(hid_t d, hid_t memtype, int rank, const hsize_t *start, const hsize_t *count, void *buf)
{
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(rank, count, NULL);
    int ok = fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
             H5Dread(d, memtype, ms, fs, H5P_DEFAULT, buf) >= 0;
    if (fs >= 0)
        H5Sclose(fs);
    if (ms >= 0)
        H5Sclose(ms);
    return ok;
}

void rlr_shape_text(char *buf, size_t n, int rank, const hsize_t *dims, int expected)
{
    size_t len = 0;
    buf[len++] = '[';
    for (int k = 0; k < rank && len < n - 24; k++) {
        if (expected && dims[k] == ANY)
            len += (size_t)snprintf(buf + len, n - len, "%s*", k ? " x " : "");
        else
            len += (size_t)snprintf(buf + len, n - len, "%s%llu", k ? " x " : "", (unsigned long long)dims[k]);
    }
    snprintf(buf + len, n - len, "]");
}

/* Natural order: digit runs compare as numbers ("2" < "10"), the rest bytewise. */
static int natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            char *ea, *eb;
            errno = 0;
            unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
            if (x != y)
                return x < y ? -1 : 1;
            a = ea;
            b = eb;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}

static int natural_qsort(const void *x, const void *y) { return natural_cmp(*(char *const *)x, *(char *const *)y); }

/* Names of the children of group `gpath` of one object type, in natural
 * order; *names (free with h5_strings_free) and *n. */
typedef struct {
    char **v;
    size_t n, cap;
    H5O_type_t want;
    int failed;
} child_list;

static herr_t child_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    child_list *c = data;
    H5O_info_t oi;
    if (info->type != H5L_TYPE_HARD || H5Oget_info_by_name2(g, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 ||
        oi.type != c->want) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        char **v = realloc(c->v, cap * sizeof *v);
        if (!v) {
            c->failed = 1;
            return -1;
        }
        c->v = v;
        c->cap = cap;
    }
    if (!(c->v[c->n] = strdup(name))) {
        c->failed = 1;
        return -1;
    }
    c->n++;
    return 0;
}

static cs_status children(cs_runlog *r, const char *gpath, H5O_type_t want, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    child_list c = {.want = want};
    if (!rlr_path_exists(r->file, gpath))
        return CS_OK;
    hid_t g = H5Gopen2(r->file, gpath, H5P_DEFAULT);
    if (g < 0) {
        H5Eclear2(H5E_DEFAULT);
        return cs_error_set(CS_ESCHEMA, "%s: %s is not a group", r->path, gpath);
    }
    herr_t e = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, child_cb, &c);
    H5Gclose(g);
    H5Eclear2(H5E_DEFAULT);
    if (c.failed || e < 0) {
        h5_strings_free(c.v, c.n);
        return c.failed ? cs_error_set(CS_ENOMEM, "%s: out of memory listing %s", r->path, gpath)
                        : cs_error_set(CS_EFORMAT, "%s: cannot list group %s; the file is damaged", r->path, gpath);
    }
    if (c.n)
        qsort(c.v, c.n, sizeof *c.v, natural_qsort);
    *names = c.v;
    *n = c.n;
    return CS_OK;
}

/* ---- root and /config ------------------------------------------------------ */

static cs_status read_root(cs_runlog *r)
{
    char buf[256];
    cs_runlog_info *in = &r->info;
    int got = h5_attr_get_string(r->file, "schema", buf, sizeof buf);
    if (got == 0)
        return cs_error_set(CS_ESCHEMA, "%s: not a cogscope run log (root attribute 'schema' is missing)", r->path);
    if (got < 0)
        return cs_error_set(CS_ESCHEMA, "%s: not a cogscope run log (root attribute 'schema' is not a string)",
                            r->path);
    if (strcmp(buf, CS_RUNLOG_SCHEMA))
        return cs_error_set(CS_ESCHEMA, "%s: not a cogscope run log (root attribute 'schema' is '%s', expected '%s')",
                            r->path, buf, CS_RUNLOG_SCHEMA);
    double version;
    if (h5_attr_get_numbers(r->file, "schema_version", H5T_NATIVE_DOUBLE, &version, 1, NULL) != 1 ||
        version != floor(version))
        return cs_error_set(CS_ESCHEMA, "%s: root attribute 'schema_version' is missing or not an integer", r->path);
    if (version > CS_RUNLOG_SCHEMA_VERSION)
        return cs_error_set(CS_ESCHEMA,
                            "%s: run-log schema version %.0f is newer than this cogscope understands (version %d); "
                            "upgrade cogscope to read it",
                            r->path, version, CS_RUNLOG_SCHEMA_VERSION);
    if (version < 1)
        return cs_error_set(CS_ESCHEMA, "%s: unknown run-log schema version %.0f", r->path, version);
    in->schema_version = (int)version;
    h5_attr_get_string(r->file, "cogscope_version", in->cogscope_version, sizeof in->cogscope_version);
    h5_attr_get_string(r->file, "created", in->created, sizeof in->created);
    h5_attr_get_string(r->file, "end_state", in->end_state, sizeof in->end_state);
    h5_attr_get_string(r->file, "end_reason", in->end_reason, sizeof in->end_reason);
    h5_attr_get_string(r->file, "run_id", in->run_id, sizeof in->run_id);
    r->writer_pid = 0;
    h5_attr_get_numbers(r->file, "writer_pid", H5T_NATIVE_INT64, &r->writer_pid, 1, NULL);
    h5_attr_get_string(r->file, "writer_host", r->writer_host, sizeof r->writer_host);
    return CS_OK;
}

/* One /config attribute into r->meta (strings or numbers; other types are
 * skipped). */
static herr_t meta_cb(hid_t loc, const char *name, const H5A_info_t *ainfo, void *data)
{
    cs_runlog *r = data;
    cs_runlog_meta *m = &r->meta[r->n_meta];
    memset(m, 0, sizeof *m);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    hid_t s = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    if (a >= 0)
        H5Aclose(a);
    H5Eclear2(H5E_DEFAULT);
    if (n < 0 || n > RL_META_MAX || strlen(name) > CS_RUNLOG_NAME_MAX)
        return 0;
    int ok = 1;
    if (cls == H5T_STRING) {
        char **v;
        size_t cnt;
        if (h5_attr_get_strings(loc, name, RL_META_MAX, &v, &cnt) != 1)
            return 0;
        m->is_string = 1;
        m->count = cnt;
        m->strings = (const char *const *)v;
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
        double *v = malloc((n ? (size_t)n : 1) * sizeof *v);
        size_t cnt = 0;
        ok = v && (n == 0 || h5_attr_get_numbers(loc, name, H5T_NATIVE_DOUBLE, v, (size_t)n, &cnt) == 1);
        if (!ok) {
            free(v);
            return 0;
        }
        m->count = cnt;
        m->values = v;
    } else {
        return 0;
    }
    if (!(m->name = strdup(name)))
        return 1; /* stops the iteration with a positive value: out of memory */
    r->n_meta++;
    (void)ainfo;
    return 0;
}

static int reserved_name(const char *name)
{
    for (size_t k = 0; rl_config_reserved[k]; k++)
        if (!strcmp(name, rl_config_reserved[k]))
            return 1;
    return 0;
}

/* The conventional /config entries into r->info; a present entry of the
 * wrong kind is an error naming it. */
static cs_status read_conventions(cs_runlog *r, hid_t cfg)
{
    cs_runlog_info *in = &r->info;
    struct {
        const char *name;
        char *out;
        size_t n;
    } strs[] = {{"rule", in->rule, sizeof in->rule},
                {"activation", in->activation, sizeof in->activation},
                {"dataset", in->dataset, sizeof in->dataset},
                {"optimizer", in->optimizer, sizeof in->optimizer}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        int g = h5_attr_get_string(cfg, strs[i].name, strs[i].out, strs[i].n);
        if (g < 0)
            return cs_error_set(CS_ESCHEMA, "%s: /config attribute '%s' is not a string", r->path, strs[i].name);
        if (g == 0 && r->info.schema_version == 1 && strcmp(strs[i].name, "optimizer"))
            return cs_error_set(CS_ESCHEMA, "%s: /config attribute '%s' is missing", r->path, strs[i].name);
    }
    struct {
        const char *name;
        size_t *out;
        int64_t max;
    } counts[] = {{"batch", &in->batch, INT64_MAX},
                  {"epochs", &in->epochs, INT64_MAX},
                  {"log_every", &in->log_every, INT64_MAX},
                  {"relax_iterations", &in->relax_iterations, INT64_C(1) << 24},
                  {"relax_samples", &in->relax_samples, INT64_C(1) << 31}};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        int64_t v = 0;
        int g = h5_attr_get_numbers(cfg, counts[i].name, H5T_NATIVE_INT64, &v, 1, NULL);
        if (g < 0)
            return cs_error_set(CS_ESCHEMA, "%s: /config attribute '%s' is not a number", r->path, counts[i].name);
        if (g == 1 && (v < 0 || v > counts[i].max))
            return cs_error_set(CS_ESCHEMA, "%s: /config attribute '%s' = %lld is out of range", r->path,
                                counts[i].name, (long long)v);
        *counts[i].out = (size_t)v;
    }
    if ((in->relax_iterations == 0) != (in->relax_samples == 0))
        return cs_error_set(CS_ESCHEMA,
                            "%s: /config attributes 'relax_iterations' and 'relax_samples' must both be 0 "
                            "or both >= 1",
                            r->path);
    struct {
        const char *name;
        double *out;
    } reals[] = {{"lr", &in->lr},
                 {"momentum", &in->momentum},
                 {"pi_alpha", &in->pi_alpha},
                 {"pi_gamma", &in->pi_gamma}};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        *reals[i].out = NAN;
        if (h5_attr_get_numbers(cfg, reals[i].name, H5T_NATIVE_DOUBLE, reals[i].out, 1, NULL) < 0)
            return cs_error_set(CS_ESCHEMA, "%s: /config attribute '%s' is not a number", r->path, reals[i].name);
    }
    h5_attr_get_numbers(cfg, "seed", H5T_NATIVE_UINT64, &in->seed, 1, NULL);
    return CS_OK;
}

static cs_status read_config(cs_runlog *r)
{
    if (!rlr_path_exists(r->file, "/config")) {
        if (r->info.schema_version == 1)
            return cs_error_set(CS_ESCHEMA, "%s: group /config is missing", r->path);
        for (int i = 0; i < 4; i++)
            ((double *[]){&r->info.lr, &r->info.momentum, &r->info.pi_alpha, &r->info.pi_gamma})[i][0] = NAN;
        return CS_OK;
    }
    hid_t cfg = H5Gopen2(r->file, "/config", H5P_DEFAULT);
    if (cfg < 0) {
        H5Eclear2(H5E_DEFAULT);
        return cs_error_set(CS_ESCHEMA, "%s: /config is not a group", r->path);
    }
    cs_status st = read_conventions(r, cfg);
    H5O_info_t oi;
    hsize_t na = st == CS_OK && H5Oget_info2(cfg, &oi, H5O_INFO_NUM_ATTRS) >= 0 ? oi.num_attrs : 0;
    if (st == CS_OK && !(r->meta = calloc(na ? na : 1, sizeof *r->meta)))
        st = cs_error_set(CS_ENOMEM, "%s: out of memory reading /config", r->path);
    hsize_t idx = 0;
    herr_t it = st == CS_OK && na ? H5Aiterate2(cfg, H5_INDEX_NAME, H5_ITER_INC, &idx, meta_cb, r) : 0;
    /* negative: HDF5 could not read the attributes (a damaged or truncated
     * file); positive: meta_cb ran out of memory */
    if (it < 0)
        st = cs_error_set(CS_EFORMAT, "%s: the /config attributes cannot be read (damaged or truncated file?)",
                          r->path);
    else if (it > 0)
        st = cs_error_set(CS_ENOMEM, "%s: out of memory reading /config", r->path);
    H5Eclear2(H5E_DEFAULT);
    H5Gclose(cfg);
    if (st != CS_OK)
        return st;
    /* Numeric scalars without a conventional meaning: a rule's parameters. */
    r->pname = calloc(r->n_meta ? r->n_meta : 1, sizeof *r->pname);
    r->pval = calloc(r->n_meta ? r->n_meta : 1, sizeof *r->pval);
    if (!r->pname || !r->pval)
        return cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
    for (size_t i = 0; i < r->n_meta; i++) {
        const cs_runlog_meta *m = &r->meta[i];
        if (m->is_string || m->count != 1 || reserved_name(m->name))
            continue;
        r->pname[r->n_params] = (char *)m->name;
        r->pval[r->n_params++] = m->values[0];
    }
    return CS_OK;
}

/* A numeric scalar /config entry, NaN when absent. */
static double meta_number(const cs_runlog *r, const char *name)
{
    for (size_t i = 0; i < r->n_meta; i++)
        if (!strcmp(r->meta[i].name, name) && !r->meta[i].is_string && r->meta[i].count == 1)
            return r->meta[i].values[0];
    return NAN;
}

/* ---- layers ----------------------------------------------------------------- */

/* v1: /config layers = unit counts, input first. */
static const cs_runlog_meta *v1_layers(cs_runlog *r)
{
    for (size_t i = 0; i < r->n_meta; i++)
        if (!strcmp(r->meta[i].name, "layers") && !r->meta[i].is_string)
            return &r->meta[i];
    return NULL;
}

static cs_status check_v1_layers(cs_runlog *r)
{
    const cs_runlog_meta *m = v1_layers(r);
    if (!m)
        return cs_error_set(CS_ESCHEMA, "%s: /config attribute 'layers' is missing", r->path);
    if (m->count < 2)
        return cs_error_set(CS_ESCHEMA, "%s: /config attribute 'layers' has %zu entries, needs >= 2", r->path,
                            m->count);
    for (size_t i = 0; i < m->count; i++)
        if (!(m->values[i] >= 1 && m->values[i] <= (1 << 24) && m->values[i] == floor(m->values[i])))
            return cs_error_set(CS_ESCHEMA, "%s: /config attribute 'layers'[%zu] = %g is not a unit count", r->path,
                                i, m->values[i]);
    return CS_OK;
}

/* The layer groups, in the order of /layers `order` (then any others in
 * natural order). v1: the groups "1".."n_layers-1", numbered. */
static cs_status read_layers(cs_runlog *r)
{
    char **groups;
    size_t ng;
    cs_status st = children(r, "/layers", H5O_TYPE_GROUP, &groups, &ng);
    if (st != CS_OK)
        return st;
    for (size_t k = 0; k < ng && st == CS_OK; k++)
        if (!rl_valid_name(groups[k]))
            st = cs_error_set(CS_ESCHEMA,
                              "%s: layer group /layers/%.40s... has a name of %zu bytes or with control "
                              "characters (at most %d printable bytes)",
                              r->path, groups[k], strlen(groups[k]), CS_RUNLOG_NAME_MAX);
    char **order = NULL;
    size_t no = 0;
    if (ng && rlr_path_exists(r->file, "/layers")) {
        hid_t g = H5Gopen2(r->file, "/layers", H5P_DEFAULT);
        int got = g >= 0 ? h5_attr_get_strings(g, "order", ng + 1, &order, &no) : 0;
        if (g >= 0)
            H5Gclose(g);
        H5Eclear2(H5E_DEFAULT);
        if (got < 0)
            st = cs_error_set(CS_ESCHEMA, "%s: /layers attribute 'order' is not a list of at most %zu layer names",
                              r->path, ng);
    }
    r->lname = calloc(ng ? ng : 1, sizeof *r->lname);
    r->lunits = calloc(ng ? ng : 1, sizeof *r->lunits);
    if (st == CS_OK && (!r->lname || !r->lunits))
        st = cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
    for (size_t i = 0; st == CS_OK && i < no; i++) {
        size_t k = 0;
        while (k < ng && (!groups[k] || strcmp(groups[k], order[i])))
            k++;
        if (k == ng) {
            st = cs_error_set(CS_ESCHEMA,
                              "%s: layer '%s' of /layers attribute 'order' has no group /layers/%s "
                              "(or is named twice)",
                              r->path, order[i], order[i]);
            break;
        }
        r->lname[r->nl++] = groups[k];
        groups[k] = NULL;
    }
    for (size_t k = 0; st == CS_OK && k < ng; k++)
        if (groups[k]) {
            r->lname[r->nl++] = groups[k];
            groups[k] = NULL;
        }
    h5_strings_free(groups, ng);
    h5_strings_free(order, no);
    r->info.layer_count = r->nl;
    return st;
}

/* ---- items ------------------------------------------------------------------ */

/* Open `dpath`, check it is numeric of a rank in [rmin, rmax], and add it as
 * an item (name = last path component). */
static cs_status add_item(cs_runlog *r, cs_runlog_kind kind, size_t layer, const char *dpath, int rmin, int rmax,
                          const cs_runlog_item **out)
{
    if (r->n_items == r->cap_items) {
        size_t cap = r->cap_items ? 2 * r->cap_items : 32;
        cs_runlog_item *it = realloc(r->items, cap * sizeof *it);
        if (it)
            r->items = it;
        hid_t *ids = it ? realloc(r->ids, cap * sizeof *ids) : NULL;
        if (!ids)
            return cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
        r->ids = ids;
        r->cap_items = cap;
    }
    hid_t d = H5Dopen2(r->file, dpath, H5P_DEFAULT);
    if (d < 0) {
        char reason[256];
        rl_h5_reason(reason, sizeof reason);
        return cs_error_set(CS_ESCHEMA, "%s: %s is not a readable dataset (%s)", r->path, dpath, reason);
    }
    hid_t type = H5Dget_type(d);
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    cs_runlog_item *it = &r->items[r->n_items];
    memset(it, 0, sizeof *it);
    if (type >= 0) {
        size_t bits = H5Tget_size(type) * 8;
        snprintf(it->dtype, sizeof it->dtype, "%s%zu",
                 cls == H5T_FLOAT                    ? "float"
                 : H5Tget_sign(type) == H5T_SGN_NONE ? "uint"
                                                     : "int",
                 bits);
        H5Tclose(type);
    }
    hsize_t dims[H5S_MAX_RANK];
    int rk = rlr_shape(d, dims);
    cs_status st = CS_OK;
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        st = cs_error_set(CS_ESCHEMA, "%s: dataset %s is not numeric", r->path, dpath);
    } else if (rk < 0) {
        st = cs_error_set(CS_EFORMAT, "%s: cannot read the shape of dataset %s", r->path, dpath);
    } else if (rk < rmin || rk > rmax) {
        char got[128];
        rlr_shape_text(got, sizeof got, rk, dims, 0);
        st = cs_error_set(CS_ESCHEMA, "%s: dataset %s has shape %s, expected %s", r->path, dpath, got,
                          rmax == 1 ? "[*]" : "a leading snapshot axis and 1..7 more");
    }
    H5Eclear2(H5E_DEFAULT);
    char *path = st == CS_OK ? strdup(dpath) : NULL;
    if (st == CS_OK && !path)
        st = cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
    if (st != CS_OK) {
        H5Dclose(d);
        return st;
    }
    it->kind = kind;
    it->path = path;
    it->name = strrchr(path, '/') + 1;
    it->layer = layer;
    it->rank = rk - 1;
    for (int k = 1; k < rk; k++)
        it->shape[k - 1] = dims[k];
    r->ids[r->n_items++] = d;
    if (out)
        *out = it;
    return CS_OK;
}

/* Every dataset of group `g` as 1-D series of `kind`. */
static cs_status add_series_group(cs_runlog *r, const char *g, cs_runlog_kind kind)
{
    char **names;
    size_t n;
    cs_status st = children(r, g, H5O_TYPE_DATASET, &names, &n);
    char p[512];
    for (size_t i = 0; st == CS_OK && i < n; i++) {
        snprintf(p, sizeof p, "%s/%s", g, names[i]);
        st = add_item(r, kind, (size_t)-1, p, 1, 1, NULL);
    }
    h5_strings_free(names, n);
    return st;
}

/* An "activations"/"errors" snapshot must be [snapshot, sample, unit] with
 * the probe's sample count (v1: also the layer's units). */
static cs_status check_probe_snapshot(cs_runlog *r, const cs_runlog_item *it, size_t units, size_t *samples)
{
    hsize_t want[3] = {ANY, *samples ? *samples : ANY, units ? units : ANY};
    int ok = it->rank == 2 && (!*samples || it->shape[0] == *samples) && (!units || it->shape[1] == units);
    if (!ok) {
        hsize_t dims[H5S_MAX_RANK];
        char got[128], exp[128];
        int rk = rlr_shape(r->ids[it - r->items], dims);
        rlr_shape_text(got, sizeof got, rk, dims, 0);
        rlr_shape_text(exp, sizeof exp, 3, want, 1);
        return cs_error_set(CS_ESCHEMA, "%s: dataset %s has shape %s, expected %s (snapshot x sample x unit)",
                            r->path, it->path, got, exp);
    }
    *samples = it->shape[0];
    return CS_OK;
}

static cs_status add_layer_items(cs_runlog *r, size_t l, size_t *samples)
{
    char g[512], p[768];
    snprintf(g, sizeof g, "/layers/%s", r->lname[l]);
    char **names;
    size_t n;
    cs_status st = children(r, g, H5O_TYPE_DATASET, &names, &n);
    const cs_runlog_meta *v1 = r->info.schema_version == 1 ? v1_layers(r) : NULL;
    size_t v1_units = 0;
    if (v1) {
        char *end;
        unsigned long idx = strtoul(r->lname[l], &end, 10);
        v1_units = !*end && idx >= 1 && idx < v1->count ? (size_t)v1->values[idx] : 0;
        r->lunits[l] = v1_units;
    }
    for (size_t i = 0; st == CS_OK && i < n; i++) {
        snprintf(p, sizeof p, "%s/%s", g, names[i]);
        hsize_t dims[H5S_MAX_RANK];
        hid_t d = H5Dopen2(r->file, p, H5P_DEFAULT);
        int rk = d >= 0 ? rlr_shape(d, dims) : -1;
        if (d >= 0)
            H5Dclose(d);
        H5Eclear2(H5E_DEFAULT);
        const cs_runlog_item *it;
        int probe_kind = !strcmp(names[i], "activations") || !strcmp(names[i], "errors");
        int snapshot = rk >= 2 || (rk != 1 && probe_kind);
        st = add_item(r, snapshot ? CS_RUNLOG_SNAPSHOT : CS_RUNLOG_LAYER_SERIES, l, p, snapshot ? 2 : 1,
                      snapshot ? CS_RUNLOG_ENTRY_RANK_MAX + 1 : 1, &it);
        if (st == CS_OK && snapshot && probe_kind)
            st = check_probe_snapshot(r, it, v1_units, samples);
        if (st == CS_OK && snapshot && !v1 && (!r->lunits[l] || !strcmp(it->name, "activations")))
            r->lunits[l] = it->shape[it->rank - 1];
    }
    h5_strings_free(names, n);
    return st;
}

static cs_status add_relax_items(cs_runlog *r)
{
    cs_runlog_info *in = &r->info;
    if (!rlr_path_exists(r->file, "/relax"))
        return CS_OK;
    const cs_runlog_item *it;
    size_t I = in->relax_iterations, R = in->relax_samples;
    cs_status st = CS_OK;
    if (rlr_path_exists(r->file, "/relax/energy")) {
        if ((st = add_item(r, CS_RUNLOG_RELAX_ENERGY, (size_t)-1, "/relax/energy", 2, 2, &it)) != CS_OK)
            return st;
        if (I && it->shape[0] != I)
            return cs_error_set(CS_ESCHEMA,
                                "%s: dataset /relax/energy has %llu iterations per relaxation, expected %zu", r->path,
                                (unsigned long long)it->shape[0], I);
        I = it->shape[0];
    }
    char p[512];
    for (size_t l = 0; l < r->nl && st == CS_OK; l++) {
        snprintf(p, sizeof p, "/relax/%s/states", r->lname[l]);
        if (!rlr_path_exists(r->file, p))
            continue;
        if ((st = add_item(r, CS_RUNLOG_RELAX_STATES, l, p, 4, 4, &it)) != CS_OK)
            return st;
        size_t u = r->lunits[l];
        if ((I && it->shape[0] != I) || (R && it->shape[1] != R) || (u && it->shape[2] != u)) {
            hsize_t want[4] = {ANY, I ? I : ANY, R ? R : ANY, u ? u : ANY},
                    got[4] = {ANY, it->shape[0], it->shape[1], it->shape[2]};
            char gs[128], ws[128];
            rlr_shape_text(gs, sizeof gs, 4, got, 1);
            rlr_shape_text(ws, sizeof ws, 4, want, 1);
            return cs_error_set(CS_ESCHEMA, "%s: dataset %s has shape %s, expected %s", r->path, p, gs, ws);
        }
        I = it->shape[0];
        R = it->shape[1];
        if (!u)
            r->lunits[l] = it->shape[2];
    }
    in->relax_iterations = I;
    in->relax_samples = R;
    return CS_OK;
}

/* Open `dpath` checked as add_item checks an item (numeric, rank in
 * [rmin, rmax]) without making it one of the log's items. */
static cs_status open_side(cs_runlog *r, const char *dpath, int rmin, int rmax, hid_t *out)
{
    cs_status st = add_item(r, CS_RUNLOG_SNAPSHOT, (size_t)-1, dpath, rmin, rmax, NULL);
    if (st != CS_OK)
        return st;
    *out = r->ids[--r->n_items];
    free((char *)r->items[r->n_items].path);
    return CS_OK;
}

/* /probe/inputs [P, d] and /probe/labels [P], and the snapshot steps. */
static cs_status open_probe(cs_runlog *r, size_t samples)
{
    cs_runlog_info *in = &r->info;
    const cs_runlog_meta *v1 = in->schema_version == 1 ? v1_layers(r) : NULL;
    double v1_probe = v1 ? meta_number(r, "probe_size") : NAN;
    if (v1 && !(v1_probe >= 1 && v1_probe <= 2147483648.0 && v1_probe == floor(v1_probe)))
        return cs_error_set(CS_ESCHEMA, "%s: /config attribute 'probe_size' is missing or out of range", r->path);
    const char *ps = in->schema_version == 1 ? "/probe/step" : "/snapshots/step";
    hsize_t dims[H5S_MAX_RANK];
    char got[128], want[128];
    if (rlr_path_exists(r->file, "/probe/inputs")) {
        cs_status st = open_side(r, "/probe/inputs", 2, 2, &r->probe_inputs);
        if (st != CS_OK)
            return st;
        rlr_shape(r->probe_inputs, dims);
        hsize_t exp[2] = {v1 ? (hsize_t)v1_probe : (samples ? samples : dims[0]),
                          v1 ? (hsize_t)v1->values[0] : dims[1]};
        if (dims[0] != exp[0] || dims[1] != exp[1] || dims[0] < 1 || dims[1] < 1) {
            rlr_shape_text(got, sizeof got, 2, dims, 0);
            rlr_shape_text(want, sizeof want, 2, exp, 1);
            return cs_error_set(CS_ESCHEMA, "%s: dataset /probe/inputs has shape %s, expected %s", r->path, got,
                                want);
        }
        in->probe_size = dims[0];
        in->probe_dim = dims[1];
    } else if (v1) {
        return cs_error_set(CS_ESCHEMA, "%s: dataset /probe/inputs is missing", r->path);
    }
    if (rlr_path_exists(r->file, "/probe/labels")) {
        r->probe_labels = H5Dopen2(r->file, "/probe/labels", H5P_DEFAULT);
        hid_t t = r->probe_labels >= 0 ? H5Dget_type(r->probe_labels) : H5I_INVALID_HID;
        int is_int = t >= 0 && H5Tget_class(t) == H5T_INTEGER;
        if (t >= 0)
            H5Tclose(t);
        int rk = r->probe_labels >= 0 ? rlr_shape(r->probe_labels, dims) : -1;
        H5Eclear2(H5E_DEFAULT);
        if (!is_int || rk != 1 || dims[0] != in->probe_size) {
            hsize_t exp[1] = {in->probe_size};
            rlr_shape_text(got, sizeof got, rk < 0 ? 0 : rk, dims, 0);
            rlr_shape_text(want, sizeof want, 1, exp, 0);
            return cs_error_set(CS_ESCHEMA,
                                "%s: dataset /probe/labels must be integer of shape %s (one per probe input), "
                                "not %s%s",
                                r->path, want, is_int ? "" : "non-integer ", got);
        }
        in->probe_labels = 1;
    }
    if (rlr_path_exists(r->file, ps)) {
        cs_status st = open_side(r, ps, 1, 1, &r->snap_step);
        if (st != CS_OK)
            return st;
    }
    if (rlr_path_exists(r->file, "/committed")) {
        cs_status st = open_side(r, "/committed", 1, 1, &r->committed);
        if (st != CS_OK)
            return st;
        if (rlr_shape(r->committed, dims) != 1 || dims[0] != RL_N_COMMITTED)
            return cs_error_set(CS_ESCHEMA, "%s: dataset /committed has %llu entries, expected %d", r->path,
                                (unsigned long long)dims[0], RL_N_COMMITTED);
    }
    return CS_OK;
}

cs_status rlr_scan(cs_runlog *r)
{
    cs_status st;
    if ((st = read_root(r)) != CS_OK || (st = read_config(r)) != CS_OK)
        return st;
    if (r->info.schema_version == 1 && (st = check_v1_layers(r)) != CS_OK)
        return st;
    if ((st = read_layers(r)) != CS_OK || (st = add_series_group(r, "/steps", CS_RUNLOG_STEP_SERIES)) != CS_OK)
        return st;
    size_t samples = 0;
    if (r->info.schema_version == 1) {
        double p = meta_number(r, "probe_size");
        samples = p >= 1 && p <= 2147483648.0 ? (size_t)p : 0;
    } else if (rlr_path_exists(r->file, "/probe/inputs")) {
        hid_t d = H5Dopen2(r->file, "/probe/inputs", H5P_DEFAULT);
        hsize_t dims[H5S_MAX_RANK];
        if (d >= 0 && rlr_shape(d, dims) == 2)
            samples = dims[0];
        if (d >= 0)
            H5Dclose(d);
        H5Eclear2(H5E_DEFAULT);
    }
    for (size_t l = 0; l < r->nl && st == CS_OK; l++)
        st = add_layer_items(r, l, &samples);
    if (st == CS_OK)
        st = add_series_group(r, "/eval", CS_RUNLOG_EVAL_SERIES);
    if (st == CS_OK)
        st = add_relax_items(r);
    if (st == CS_OK)
        st = open_probe(r, samples);
    return st;
}

void rlr_scan_free(cs_runlog *r)
{
    for (size_t i = 0; i < r->n_items; i++)
        free((char *)r->items[i].path);
    free(r->items);
    free(r->ids);
    for (size_t i = 0; i < r->n_meta; i++) {
        cs_runlog_meta *m = &r->meta[i];
        free((char *)m->name);
        if (m->is_string)
            h5_strings_free((char **)m->strings, m->count);
        else
            free((double *)m->values);
    }
    free(r->meta);
    free(r->pname);
    free(r->pval);
    h5_strings_free(r->lname, r->nl);
    free(r->lunits);
}
