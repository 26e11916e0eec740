/* The run-log writer, declaration phase: free-form metadata (/config
 * attributes), named layers, and the series and datasets a run will write
 * (contract in include/cogscope/runlog.h, layout in docs/schema.md). Every
 * object is made here, before the writer switches to SWMR. */
#include <stdlib.h>
#include <string.h>

#include "h5attr.h"
#include "runlog_writer.h"

/* A declaration: the writer works, has not started, and `name` is valid. */
static cs_status check_declare(cs_runlog_writer *w, const char *fn, const char *what, const char *name)
{
    cs_status st = rlw_check_writer(w, fn);
    if (st != CS_OK)
        return st;
    if (w->started)
        return cs_error_set(CS_EINVAL,
                            "%s: %s '%s' comes after cs_runlog_start; declare everything before the run "
                            "starts (SWMR cannot add objects later)",
                            w->path, what, name ? name : "(null)");
    if (name && !rl_valid_name(name))
        return cs_error_set(CS_EINVAL, "%s: %s name '%s' is not valid (1..%d printable bytes, no '/', not . or ..)",
                            w->path, what, name, CS_RUNLOG_NAME_MAX);
    return CS_OK;
}

/* ---- metadata -------------------------------------------------------------- */

/* Removes an attribute set before, so that setting a name twice replaces it. */
static void drop_attr(hid_t loc, const char *name)
{
    if (H5Aexists(loc, name) > 0)
        H5Adelete(loc, name);
    H5Eclear2(H5E_DEFAULT);
}

cs_status cs_runlog_set_string(cs_runlog_writer *w, const char *name, const char *value)
{
    cs_status st = check_declare(w, "cs_runlog_set_string", "metadata", name);
    if (st != CS_OK)
        return st;
    if (!value)
        return cs_error_set(CS_EINVAL, "%s: metadata '%s': value is NULL", w->path, name);
    drop_attr(w->cfg, name);
    return h5_attr_put_string(w->cfg, name, value) ? CS_OK : rlw_fail_h5(w, "write /config attribute", name);
}

cs_status cs_runlog_set_strings(cs_runlog_writer *w, const char *name, const char *const *values, size_t n)
{
    cs_status st = check_declare(w, "cs_runlog_set_strings", "metadata", name);
    if (st != CS_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        if (!values || !values[i])
            return cs_error_set(CS_EINVAL, "%s: metadata '%s': string %zu is NULL", w->path, name, i);
    drop_attr(w->cfg, name);
    return h5_attr_put_strings(w->cfg, name, values, n) ? CS_OK : rlw_fail_h5(w, "write /config attribute", name);
}

cs_status cs_runlog_set_numbers(cs_runlog_writer *w, const char *name, cs_runlog_dtype dtype, const void *values,
                                size_t n, int scalar)
{
    cs_status st = check_declare(w, "cs_runlog_set_numbers", "metadata", name);
    if (st != CS_OK)
        return st;
    hid_t ft = rlw_file_type(dtype);
    if (ft < 0 || !values || (scalar && n != 1))
        return cs_error_set(CS_EINVAL, "%s: metadata '%s': needs a known dtype, values, and n == 1 for a scalar",
                            w->path, name);
    drop_attr(w->cfg, name);
    return h5_attr_put_num(w->cfg, name, ft, rlw_mem_type(dtype), values, n, scalar)
               ? CS_OK
               : rlw_fail_h5(w, "write /config attribute", name);
}

cs_status cs_runlog_set_number(cs_runlog_writer *w, const char *name, double value)
{
    return cs_runlog_set_numbers(w, name, CS_RUNLOG_F64, &value, 1, 1);
}

cs_status cs_runlog_set_int(cs_runlog_writer *w, const char *name, int64_t value)
{
    return cs_runlog_set_numbers(w, name, CS_RUNLOG_I64, &value, 1, 1);
}

/* ---- declarations ----------------------------------------------------------- */

cs_status cs_runlog_add_layer(cs_runlog_writer *w, const char *name, size_t *index)
{
    cs_status st = check_declare(w, "cs_runlog_add_layer", "layer", name);
    if (st != CS_OK)
        return st;
    for (size_t l = 0; l < w->n_layers; l++)
        if (!strcmp(w->layer[l], name))
            return cs_error_set(CS_EINVAL, "%s: layer '%s' was added before", w->path, name);
    void *p = w->layer;
    char *copy = strdup(name);
    if (!copy || !rlw_grow(&p, &w->cap_layers, w->n_layers, sizeof *w->layer)) {
        free(copy);
        return rlw_fail(w, CS_ENOMEM, "%s: out of memory adding layer '%s'", w->path, name);
    }
    w->layer = p;
    hid_t g = rlw_group_path(w->file, "layers", name);
    if (g < 0) {
        free(copy);
        return rlw_fail_h5(w, "create the group of layer", name);
    }
    H5Gclose(g);
    w->layer[w->n_layers] = copy;
    if (index)
        *index = w->n_layers;
    w->n_layers++;
    return CS_OK;
}

/* A new declaration slot; *h gets its handle. */
static rl_decl *new_decl(cs_runlog_writer *w, cs_runlog_kind kind, cs_runlog_handle *h)
{
    void *p = w->decl;
    if (w->n_decl >= (size_t)INT32_MAX || !rlw_grow(&p, &w->cap_decl, w->n_decl, sizeof *w->decl)) {
        rlw_fail(w, CS_ENOMEM, "%s: out of memory declaring a series", w->path);
        return NULL;
    }
    w->decl = p;
    rl_decl *d = &w->decl[w->n_decl];
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->dset = H5I_INVALID_HID;
    *h = (cs_runlog_handle)w->n_decl++;
    return d;
}

/* `name` is free in group g1[/g2] (reserved: "step" in /steps and /eval). */
static cs_status check_free(cs_runlog_writer *w, const char *g1, const char *g2, const char *name)
{
    char p[2 * CS_RUNLOG_NAME_MAX + 32];
    snprintf(p, sizeof p, "/%s%s%s", g1, g2 ? "/" : "", g2 ? g2 : "");
    hid_t g = H5Lexists(w->file, g1, H5P_DEFAULT) > 0 ? H5Gopen2(w->file, p, H5P_DEFAULT) : H5I_INVALID_HID;
    htri_t e = g >= 0 ? H5Lexists(g, name, H5P_DEFAULT) : 0;
    if (g >= 0)
        H5Gclose(g);
    H5Eclear2(H5E_DEFAULT);
    if (e > 0 || (!g2 && !strcmp(name, "step")))
        return cs_error_set(CS_EINVAL, "%s: %s/%s is %s", w->path, p, name,
                            e > 0 ? "declared twice" : "reserved (the writer fills it)");
    return CS_OK;
}

/* A series in `t` (with its step column made on first use). */
static cs_status declare_in_table(cs_runlog_writer *w, rl_table *t, cs_runlog_kind kind, const char *g1,
                                  const char *g2, const char *name, cs_runlog_dtype dtype, cs_runlog_handle *h)
{
    if (!h)
        return cs_error_set(CS_EINVAL, "%s: series '%s': handle pointer is NULL", w->path, name);
    if (dtype != CS_RUNLOG_F64 && dtype != CS_RUNLOG_F32 && dtype != CS_RUNLOG_I64 && dtype != CS_RUNLOG_I32)
        return cs_error_set(CS_EINVAL, "%s: series '%s': dtype %d is not F64, F32, I64 or I32", w->path, name,
                            (int)dtype);
    cs_status st = check_free(w, g1, g2, name);
    size_t col;
    if (st == CS_OK && t->ncols == 0) /* the table's own step column: /steps/step or /eval/step */
        st = rlw_table_add(w, t, t == &w->steps ? "steps" : "eval", NULL, "step", H5T_STD_I64LE, &col);
    rl_decl *d = st == CS_OK ? new_decl(w, kind, h) : NULL;
    if (!d)
        return st != CS_OK ? st : w->status;
    d->table = t;
    if ((st = rlw_table_add(w, t, g1, g2, name, rlw_file_type(dtype), &d->col)) != CS_OK)
        return st;
    d->path = strdup(t->path[d->col]);
    return d->path ? CS_OK : rlw_fail(w, CS_ENOMEM, "%s: out of memory", w->path);
}

cs_status cs_runlog_declare_series(cs_runlog_writer *w, const char *name, cs_runlog_dtype dtype, cs_runlog_handle *h)
{
    cs_status st = check_declare(w, "cs_runlog_declare_series", "series", name);
    return st != CS_OK ? st : declare_in_table(w, &w->steps, CS_RUNLOG_STEP_SERIES, "steps", NULL, name, dtype, h);
}

cs_status cs_runlog_declare_series_n(cs_runlog_writer *w, size_t n, const char *const *names, cs_runlog_dtype dtype,
                                     cs_runlog_handle *h)
{
    if (n && (!names || !h))
        return cs_error_set(CS_EINVAL, "cs_runlog_declare_series_n: %zu names need the names and handles arrays", n);
    cs_status st = CS_OK;
    for (size_t i = 0; i < n && st == CS_OK; i++)
        st = cs_runlog_declare_series(w, names[i], dtype, &h[i]);
    return st;
}

cs_status cs_runlog_declare_eval(cs_runlog_writer *w, const char *name, cs_runlog_dtype dtype, cs_runlog_handle *h)
{
    cs_status st = check_declare(w, "cs_runlog_declare_eval", "evaluation series", name);
    return st != CS_OK ? st : declare_in_table(w, &w->eval, CS_RUNLOG_EVAL_SERIES, "eval", NULL, name, dtype, h);
}

static cs_status check_layer_index(cs_runlog_writer *w, size_t layer, const char *name)
{
    if (layer >= w->n_layers)
        return cs_error_set(CS_EINVAL, "%s: '%s' of layer %zu: the log has %zu layers (cs_runlog_add_layer)", w->path,
                            name, layer, w->n_layers);
    return CS_OK;
}

cs_status cs_runlog_declare_layer_series(cs_runlog_writer *w, size_t layer, const char *name, cs_runlog_handle *h)
{
    cs_status st = check_declare(w, "cs_runlog_declare_layer_series", "layer series", name);
    if (st == CS_OK)
        st = check_layer_index(w, layer, name);
    if (st != CS_OK)
        return st;
    /* per-step: its rows live in the step table */
    return declare_in_table(w, &w->steps, CS_RUNLOG_LAYER_SERIES, "layers", w->layer[layer], name, CS_RUNLOG_F64, h);
}

/* A snapshot-like dataset g1[/g2]/name of `ftype` with entries of `shape`. */
static cs_status declare_entry(cs_runlog_writer *w, cs_runlog_kind kind, const char *g1, const char *g2,
                               const char *name, hid_t ftype, int rank, const size_t *shape, cs_runlog_handle *h)
{
    if (!h)
        return cs_error_set(CS_EINVAL, "%s: dataset '%s': handle pointer is NULL", w->path, name);
    if (rank < 1 || rank > CS_RUNLOG_ENTRY_RANK_MAX || !shape)
        return cs_error_set(CS_EINVAL, "%s: dataset '%s': rank %d must be 1..%d with a shape", w->path, name, rank,
                            CS_RUNLOG_ENTRY_RANK_MAX);
    double elems = 1;
    for (int k = 0; k < rank; k++) {
        if (shape[k] < 1)
            return cs_error_set(CS_EINVAL, "%s: dataset '%s': shape[%d] = 0", w->path, name, k);
        elems *= (double)shape[k];
    }
    if (elems > 1e12)
        return cs_error_set(CS_ELIMIT, "%s: dataset '%s': %.3g elements per snapshot is too many", w->path, name,
                            elems);
    cs_status st = check_free(w, g1, g2, name);
    if (st != CS_OK)
        return st;
    if (w->snap_step < 0) {
        hid_t g = rlw_group_at(w->file, "snapshots");
        if (g < 0 || (w->snap_step = rlw_make_series(g, "step", H5T_STD_I64LE)) < 0) {
            if (g >= 0)
                H5Gclose(g);
            return rlw_fail_h5(w, "create", "/snapshots/step");
        }
        H5Gclose(g);
    }
    rl_decl *d = new_decl(w, kind, h);
    if (!d)
        return w->status;
    d->rank = rank + 1;
    d->path = g2 ? rlw_strf("/%s/%s/%s", g1, g2, name) : rlw_strf("/%s/%s", g1, name);
    if (!d->path)
        return rlw_fail(w, CS_ENOMEM, "%s: out of memory", w->path);
    hid_t g = rlw_group_path(w->file, g1, g2);
    if (g < 0 || (d->dset = rlw_make_snapshot(g, name, ftype, rank, shape, w->deflate, &d->raw_bytes)) < 0) {
        if (g >= 0)
            H5Gclose(g);
        return rlw_fail_h5(w, "create", d->path);
    }
    H5Gclose(g);
    return CS_OK;
}

cs_status cs_runlog_declare_snapshot(cs_runlog_writer *w, size_t layer, const char *name, int rank,
                                     const size_t *shape, cs_runlog_handle *h)
{
    cs_status st = check_declare(w, "cs_runlog_declare_snapshot", "snapshot dataset", name);
    if (st == CS_OK)
        st = check_layer_index(w, layer, name);
    return st != CS_OK ? st
                       : declare_entry(w, CS_RUNLOG_SNAPSHOT, "layers", w->layer[layer], name, H5T_IEEE_F32LE, rank,
                                       shape, h);
}

cs_status cs_runlog_declare_relax(cs_runlog_writer *w, size_t iterations, size_t samples, cs_runlog_handle *energy)
{
    cs_status st = check_declare(w, "cs_runlog_declare_relax", "relaxation", NULL);
    if (st != CS_OK)
        return st;
    if (w->relax_iterations)
        return cs_error_set(CS_EINVAL, "%s: the relaxation was declared before", w->path);
    if (iterations < 1 || samples < 1 || iterations > (1u << 24))
        return cs_error_set(CS_EINVAL, "%s: relaxation iterations = %zu and samples = %zu must be >= 1", w->path,
                            iterations, samples);
    int64_t v[2] = {(int64_t)iterations, (int64_t)samples};
    drop_attr(w->cfg, "relax_iterations");
    drop_attr(w->cfg, "relax_samples");
    if (!h5_attr_put_i64(w->cfg, "relax_iterations", v[0]) || !h5_attr_put_i64(w->cfg, "relax_samples", v[1]))
        return rlw_fail_h5(w, "write the attributes of", "/config");
    size_t shape[1] = {iterations};
    if ((st = declare_entry(w, CS_RUNLOG_RELAX_ENERGY, "relax", NULL, "energy", H5T_IEEE_F64LE, 1, shape, energy)) !=
        CS_OK)
        return st;
    w->relax_iterations = iterations;
    w->relax_samples = samples;
    return CS_OK;
}

cs_status cs_runlog_declare_relax_states(cs_runlog_writer *w, size_t layer, size_t units, cs_runlog_handle *h)
{
    cs_status st = check_declare(w, "cs_runlog_declare_relax_states", "relaxation states", NULL);
    if (st == CS_OK)
        st = check_layer_index(w, layer, "states");
    if (st != CS_OK)
        return st;
    if (!w->relax_iterations)
        return cs_error_set(CS_EINVAL, "%s: relaxation states of layer '%s' need cs_runlog_declare_relax first",
                            w->path, w->layer[layer]);
    size_t shape[3] = {w->relax_iterations, w->relax_samples, units};
    return declare_entry(w, CS_RUNLOG_RELAX_STATES, "relax", w->layer[layer], "states", H5T_IEEE_F32LE, 3, shape, h);
}

cs_status cs_runlog_set_probe(cs_runlog_writer *w, const float *inputs, size_t samples, size_t dim,
                              const int32_t *labels)
{
    cs_status st = check_declare(w, "cs_runlog_set_probe", "probe", NULL);
    if (st != CS_OK)
        return st;
    if (w->has_probe)
        return cs_error_set(CS_EINVAL, "%s: the probe set was given before", w->path);
    if (!inputs || samples < 1 || dim < 1 || samples > (1u << 31) || dim > (1u << 24))
        return cs_error_set(CS_EINVAL,
                            "%s: probe: inputs must be given with 1..2^31 samples of 1..2^24 values "
                            "(got %zu x %zu)",
                            w->path, samples, dim);
    for (size_t i = 0; labels && i < samples; i++)
        if (labels[i] < 0)
            return cs_error_set(CS_EINVAL, "%s: probe label %zu = %d is negative", w->path, i, (int)labels[i]);
    hid_t pg = rlw_group_at(w->file, "probe");
    if (pg < 0)
        return rlw_fail_h5(w, "create", "/probe");
    /* Inputs are bulk float32 like the snapshots and follow their deflate
     * option (a 512 x 784 probe deflated took 40 ms, 100 training steps of
     * the Fashion-MNIST MLP); the labels are small and always deflated. */
    dset_opts pi = {.ftype = H5T_IEEE_F32LE,
                    .rank = 2,
                    .dims = {samples, dim},
                    .maxdims = {samples, dim},
                    .chunk = {samples, dim},
                    .deflate = w->deflate,
                    .shuffle = w->deflate > 0};
    while (pi.chunk[0] > 1 && pi.chunk[0] * pi.chunk[1] * 4 > RL_MAX_CHUNK_BYTES)
        pi.chunk[0] = (pi.chunk[0] + 1) / 2;
    dset_opts pl = {.ftype = H5T_STD_I32LE,
                    .rank = 1,
                    .dims = {samples},
                    .maxdims = {samples},
                    .chunk = {samples},
                    .deflate = RL_SERIES_DEFLATE,
                    .shuffle = 1};
    hid_t d = rlw_make_dset(pg, "inputs", &pi);
    int ok = d >= 0 && H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, inputs) >= 0;
    if (d >= 0)
        H5Dclose(d);
    if (!ok) {
        H5Gclose(pg);
        return rlw_fail_h5(w, "write", "/probe/inputs");
    }
    if (labels) {
        d = rlw_make_dset(pg, "labels", &pl);
        ok = d >= 0 && H5Dwrite(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels) >= 0;
        if (d >= 0)
            H5Dclose(d);
    }
    H5Gclose(pg);
    if (!ok)
        return rlw_fail_h5(w, "write", "/probe/labels");
    w->has_probe = 1;
    return CS_OK;
}
