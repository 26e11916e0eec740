/* The run-log reader: validates a file against schema version 1 (layout in
 * docs/schema.md) and reads its series, snapshots and relaxations.
 *
 * Opening: the superblock's consistency flags say whether a writer still has
 * the file open (bit 0: write access, bit 2: SWMR writer). Such a file is
 * opened in SWMR read mode (a plain read-only open would be refused); a file
 * closed normally is opened read-only, where HDF5 also checks that it is not
 * truncated. Whether an open writer is alive or was killed comes from the
 * writer's pid and host, stored as root attributes.
 *
 * Lengths: every series is read up to the consistent length: the minimum
 * over the datasets that grow together, clamped to the counts the writer put
 * in /committed after its last completed flush. */
#include "cogscope/runlog.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5attr.h"
#include "runlog_internal.h"

#define ANY ((hsize_t)-1)

struct cs_runlog {
    char *path;
    hid_t file;
    int swmr; /* opened in SWMR read mode: a writer had the file open */
    cs_runlog_info info;
    size_t nl;
    hid_t steps[RL_N_STEP], eval[RL_N_EVAL];
    hid_t probe_inputs, probe_labels, probe_step, committed;
    hid_t *lser; /* nl x (RL_N_LAYER_STD + n_layer_series) */
    hid_t *act, *err;
    hid_t *rstates, renergy;
    size_t n_params;
    char (*pname)[RL_NAME_MAX];
    double *pval;
    int64_t writer_pid;
    char writer_host[256];
};

/* ---- superblock sniffing ------------------------------------------------ */

typedef struct {
    int version;
    unsigned flags; /* v2/v3 file consistency flags; 0 for older superblocks */
} sb_info;

static cs_status sniff(const char *path, sb_info *sb)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return cs_error_set(CS_EIO, "%s: cannot open the run log (%s)", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return cs_error_set(CS_EIO, "%s: cannot open the run log (it is a directory)", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cs_error_set(CS_EIO, "%s: cannot open the run log (%s)", path, strerror(errno));
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    int found = 0;
    /* The superblock sits at 0 or after a user block of 512 * 2^k bytes. */
    for (off_t off = 0; off < st.st_size && !found; off = off ? off * 2 : 512) {
        unsigned char b[12] = {0};
        if (fseeko(f, off, SEEK_SET) != 0)
            break;
        size_t n = fread(b, 1, sizeof b, f);
        if (n >= 9 && !memcmp(b, sig, 8)) {
            found = 1;
            sb->version = b[8];
            sb->flags = (sb->version >= 2 && n >= 12) ? b[11] : 0;
        }
    }
    fclose(f);
    if (!found)
        return cs_error_set(CS_EFORMAT, "%s: not an HDF5 file (%s)", path,
                            st.st_size == 0 ? "the file is empty" : "no HDF5 signature");
    return CS_OK;
}

/* ---- attributes --------------------------------------------------------- */

static int attr_f64(hid_t obj, const char *name, double *v)
{
    return cs_h5_attr_get_numbers(obj, name, H5T_NATIVE_DOUBLE, v, 1, NULL);
}

/* ---- datasets ----------------------------------------------------------- */

/* Whether every component of an absolute path exists (H5Lexists alone fails
 * when an intermediate group is missing). */
static int path_exists(hid_t file, const char *path)
{
    char buf[256];
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

static void shape_text(char *buf, size_t n, int rank, const hsize_t *dims, int expected)
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

/* Open a required numeric dataset of rank `rank` whose extents match
 * `expect` (ANY = free, the growing axis). */
static cs_status open_checked(cs_runlog *r, const char *dpath, int rank, const hsize_t *expect, hid_t *out)
{
    *out = H5I_INVALID_HID;
    if (!path_exists(r->file, dpath))
        return cs_error_set(CS_ESCHEMA, "%s: dataset %s is missing", r->path, dpath);
    hid_t d = H5Dopen2(r->file, dpath, H5P_DEFAULT);
    if (d < 0) {
        char reason[256];
        rl_h5_reason(reason, sizeof reason);
        return cs_error_set(CS_ESCHEMA, "%s: %s is not a readable dataset (%s)", r->path, dpath, reason);
    }
    hid_t type = H5Dget_type(d), space = H5Dget_space(d);
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    int rk = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    hsize_t dims[H5S_MAX_RANK];
    cs_status st = CS_OK;
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        st = cs_error_set(CS_ESCHEMA, "%s: dataset %s is not numeric", r->path, dpath);
    } else if (rk < 0 || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
        st = cs_error_set(CS_EFORMAT, "%s: cannot read the shape of dataset %s", r->path, dpath);
    } else {
        int ok = rk == rank;
        for (int k = 0; ok && k < rank; k++)
            ok = expect[k] == ANY || dims[k] == expect[k];
        if (!ok) {
            char got[128], want[128];
            shape_text(got, sizeof got, rk, dims, 0);
            shape_text(want, sizeof want, rank, expect, 1);
            st = cs_error_set(CS_ESCHEMA, "%s: dataset %s has shape %s, expected %s", r->path, dpath, got, want);
        }
    }
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    H5Eclear2(H5E_DEFAULT);
    if (st != CS_OK) {
        H5Dclose(d);
        return st;
    }
    *out = d;
    return CS_OK;
}

static hsize_t extent0(hid_t d)
{
    hsize_t dims[H5S_MAX_RANK] = {0};
    hid_t s = H5Dget_space(d);
    if (s < 0 || H5Sget_simple_extent_dims(s, dims, NULL) < 0)
        dims[0] = 0;
    if (s >= 0)
        H5Sclose(s);
    return dims[0];
}

/* Read `count` elements starting at `start` (rank of the dataset) into buf. */
static int read_block(hid_t d, hid_t memtype, int rank, const hsize_t *start, const hsize_t *count, void *buf)
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

static cs_status read_fail(const cs_runlog *r, const char *dpath, const char *what)
{
    char reason[256];
    rl_h5_reason(reason, sizeof reason);
    return cs_error_set(CS_EFORMAT, "%s: cannot read %s of dataset %s; the file is damaged or truncated (%s)", r->path,
                        what, dpath, reason);
}

/* ---- life cycle --------------------------------------------------------- */

static void close_all(cs_runlog *r)
{
    hid_t *lists[] = {r->steps, r->eval};
    size_t lens[] = {RL_N_STEP, RL_N_EVAL};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < lens[k]; i++)
            if (lists[k][i] >= 0)
                H5Dclose(lists[k][i]);
    size_t per = RL_N_LAYER_STD + r->info.n_layer_series;
    for (size_t l = 0; l < r->nl; l++) {
        for (size_t k = 0; r->lser && k < per; k++)
            if (r->lser[l * per + k] >= 0)
                H5Dclose(r->lser[l * per + k]);
        if (r->act && r->act[l] >= 0)
            H5Dclose(r->act[l]);
        if (r->err && r->err[l] >= 0)
            H5Dclose(r->err[l]);
        if (r->rstates && r->rstates[l] >= 0)
            H5Dclose(r->rstates[l]);
    }
    hid_t single[] = {r->probe_inputs, r->probe_labels, r->probe_step, r->committed, r->renergy};
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        if (single[i] >= 0)
            H5Dclose(single[i]);
    if (r->file >= 0)
        H5Fclose(r->file);
    r->file = H5I_INVALID_HID;
}

void cs_runlog_close_reader(cs_runlog *r)
{
    if (!r)
        return;
    close_all(r);
    free(r->lser);
    free(r->act);
    free(r->err);
    free(r->rstates);
    free(r->pname);
    free(r->pval);
    free(r->path);
    free(r);
}

static cs_status read_root_and_config(cs_runlog *r)
{
    char buf[256];
    cs_runlog_info *in = &r->info;
    int got = cs_h5_attr_get_string(r->file, "schema", buf, sizeof buf);
    if (got == 0)
        return cs_error_set(CS_ESCHEMA, "%s: not a cogscope run log (root attribute 'schema' is missing)", r->path);
    if (got < 0)
        return cs_error_set(CS_ESCHEMA, "%s: not a cogscope run log (root attribute 'schema' is not a string)",
                            r->path);
    if (strcmp(buf, CS_RUNLOG_SCHEMA))
        return cs_error_set(CS_ESCHEMA, "%s: not a cogscope run log (root attribute 'schema' is '%s', expected '%s')",
                            r->path, buf, CS_RUNLOG_SCHEMA);
    double version;
    if (attr_f64(r->file, "schema_version", &version) != 1 || version != floor(version))
        return cs_error_set(CS_ESCHEMA, "%s: root attribute 'schema_version' is missing or not an integer", r->path);
    if (version > CS_RUNLOG_SCHEMA_VERSION)
        return cs_error_set(CS_ESCHEMA,
                            "%s: run-log schema version %.0f is newer than this cogscope understands (version %d); "
                            "upgrade cogscope to read it",
                            r->path, version, CS_RUNLOG_SCHEMA_VERSION);
    if (version < 1)
        return cs_error_set(CS_ESCHEMA, "%s: unknown run-log schema version %.0f", r->path, version);
    in->schema_version = (int)version;
    cs_h5_attr_get_string(r->file, "cogscope_version", in->cogscope_version, sizeof in->cogscope_version);
    cs_h5_attr_get_string(r->file, "created", in->created, sizeof in->created);
    cs_h5_attr_get_string(r->file, "run_id", in->run_id, sizeof in->run_id);
    r->writer_pid = 0;
    cs_h5_attr_get_numbers(r->file, "writer_pid", H5T_NATIVE_INT64, &r->writer_pid, 1, NULL);
    cs_h5_attr_get_string(r->file, "writer_host", r->writer_host, sizeof r->writer_host);

    if (!path_exists(r->file, "/config"))
        return cs_error_set(CS_ESCHEMA, "%s: group /config is missing", r->path);
    hid_t cfg = H5Gopen2(r->file, "/config", H5P_DEFAULT);
    if (cfg < 0) {
        H5Eclear2(H5E_DEFAULT);
        return cs_error_set(CS_ESCHEMA, "%s: /config is not a group", r->path);
    }
    cs_status st = CS_OK;
    struct {
        const char *name;
        char *out;
        size_t n;
        int required;
    } strs[] = {{"rule", in->rule, sizeof in->rule, 1},
                {"activation", in->activation, sizeof in->activation, 1},
                {"dataset", in->dataset, sizeof in->dataset, 1},
                {"optimizer", in->optimizer, sizeof in->optimizer, 0}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0] && st == CS_OK; i++) {
        int g = cs_h5_attr_get_string(cfg, strs[i].name, strs[i].out, strs[i].n);
        if (g < 0 || (g == 0 && strs[i].required))
            st = cs_error_set(CS_ESCHEMA, "%s: /config attribute '%s' is %s", r->path, strs[i].name,
                              g < 0 ? "not a string" : "missing");
    }
    int64_t layers[RL_MAX_LAYERS + 1];
    size_t nlay = 0;
    int g = st == CS_OK ? cs_h5_attr_get_numbers(cfg, "layers", H5T_NATIVE_INT64, layers, RL_MAX_LAYERS, &nlay) : 1;
    if (st == CS_OK && g != 1)
        st = cs_error_set(CS_ESCHEMA, "%s: /config attribute 'layers' is %s", r->path,
                          g == 0 ? "missing" : "not a list of at most 16 unit counts");
    if (st == CS_OK && nlay < 2)
        st = cs_error_set(CS_ESCHEMA, "%s: /config attribute 'layers' has %zu entries, needs >= 2", r->path, nlay);
    for (size_t i = 0; st == CS_OK && i < nlay; i++) {
        if (layers[i] < 1 || layers[i] > (1 << 24))
            st = cs_error_set(CS_ESCHEMA, "%s: /config attribute 'layers'[%zu] = %lld is not a unit count", r->path, i,
                              (long long)layers[i]);
        in->layers[i] = (size_t)layers[i];
    }
    in->n_layers = nlay;
    r->nl = nlay ? nlay - 1 : 0;

    struct {
        const char *name;
        size_t *out;
        int required;
        int64_t min, max;
    } counts[] = {{"probe_size", &in->probe_size, 1, 1, INT64_C(1) << 31},
                  {"batch", &in->batch, 0, 0, INT64_MAX},
                  {"epochs", &in->epochs, 0, 0, INT64_MAX},
                  {"log_every", &in->log_every, 0, 0, INT64_MAX},
                  {"relax_iterations", &in->relax_iterations, 0, 0, INT64_C(1) << 24},
                  {"relax_samples", &in->relax_samples, 0, 0, INT64_C(1) << 31}};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0] && st == CS_OK; i++) {
        int64_t v = 0;
        int gc = cs_h5_attr_get_numbers(cfg, counts[i].name, H5T_NATIVE_INT64, &v, 1, NULL);
        if (gc < 0 || (gc == 0 && counts[i].required))
            st = cs_error_set(CS_ESCHEMA, "%s: /config attribute '%s' is %s", r->path, counts[i].name,
                              gc < 0 ? "not a number" : "missing");
        else if (gc == 1 && (v < counts[i].min || v > counts[i].max))
            st = cs_error_set(CS_ESCHEMA, "%s: /config attribute '%s' = %lld is out of range", r->path,
                              counts[i].name, (long long)v);
        *counts[i].out = (size_t)v;
    }
    if (st == CS_OK && (in->relax_iterations == 0) != (in->relax_samples == 0))
        st = cs_error_set(CS_ESCHEMA, "%s: /config attributes 'relax_iterations' and 'relax_samples' must both be 0 or "
                                      "both >= 1", r->path);
    struct {
        const char *name;
        double *out;
    } reals[] = {{"lr", &in->lr}, {"momentum", &in->momentum}, {"pi_alpha", &in->pi_alpha}, {"pi_gamma", &in->pi_gamma}};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0] && st == CS_OK; i++) {
        *reals[i].out = NAN;
        if (attr_f64(cfg, reals[i].name, reals[i].out) < 0)
            st = cs_error_set(CS_ESCHEMA, "%s: /config attribute '%s' is not a number", r->path, reals[i].name);
    }
    if (st == CS_OK)
        cs_h5_attr_get_numbers(cfg, "seed", H5T_NATIVE_UINT64, &in->seed, 1, NULL);

    /* Extra per-layer series names. */
    if (st == CS_OK && H5Aexists(cfg, "layer_series") > 0) {
        char **names;
        size_t np;
        int ok = cs_h5_attr_get_strings(cfg, "layer_series", RL_MAX_LAYER_SERIES, &names, &np) == 1;
        for (size_t i = 0; ok && i < np; i++) {
            ok = rl_valid_name(names[i]);
            if (ok)
                snprintf(in->layer_series[i], sizeof in->layer_series[i], "%s", names[i]);
        }
        cs_h5_strings_free(names, np);
        if (!ok)
            st = cs_error_set(CS_ESCHEMA, "%s: /config attribute 'layer_series' is not a list of at most %d series names",
                              r->path, RL_MAX_LAYER_SERIES);
        else
            in->n_layer_series = (size_t)np;
    }

    /* Rule hyper-parameters: every other numeric scalar attribute. */
    if (st == CS_OK) {
        H5O_info_t oi;
        hsize_t na = H5Oget_info2(cfg, &oi, H5O_INFO_NUM_ATTRS) >= 0 ? oi.num_attrs : 0;
        r->pname = calloc(na ? na : 1, sizeof *r->pname);
        r->pval = calloc(na ? na : 1, sizeof *r->pval);
        if (!r->pname || !r->pval)
            st = cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
        for (hsize_t i = 0; st == CS_OK && i < na; i++) {
            char name[256];
            if (H5Aget_name_by_idx(cfg, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0)
                continue;
            int reserved = 0;
            for (size_t k = 0; rl_config_reserved[k]; k++)
                reserved |= !strcmp(name, rl_config_reserved[k]);
            double v;
            if (reserved || strlen(name) >= RL_NAME_MAX || attr_f64(cfg, name, &v) != 1)
                continue;
            memcpy(r->pname[r->n_params], name, strlen(name) + 1); /* length checked above */
            r->pval[r->n_params++] = v;
        }
        H5Eclear2(H5E_DEFAULT);
    }
    H5Gclose(cfg);
    return st;
}

static cs_status open_datasets(cs_runlog *r)
{
    cs_runlog_info *in = &r->info;
    char p[128];
    cs_status st;
    hsize_t any1[1] = {ANY};
    for (size_t i = 0; i < RL_N_STEP; i++) {
        snprintf(p, sizeof p, "/steps/%s", rl_step_names[i]);
        if ((st = open_checked(r, p, 1, any1, &r->steps[i])) != CS_OK)
            return st;
    }
    for (size_t i = 0; i < RL_N_EVAL; i++) {
        snprintf(p, sizeof p, "/eval/%s", rl_eval_names[i]);
        if ((st = open_checked(r, p, 1, any1, &r->eval[i])) != CS_OK)
            return st;
    }
    size_t per = RL_N_LAYER_STD + in->n_layer_series;
    r->lser = malloc(r->nl * per * sizeof *r->lser);
    r->act = malloc(r->nl * sizeof *r->act);
    r->err = malloc(r->nl * sizeof *r->err);
    if (!r->lser || !r->act || !r->err)
        return cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
    for (size_t i = 0; i < r->nl * per; i++)
        r->lser[i] = H5I_INVALID_HID;
    for (size_t l = 0; l < r->nl; l++)
        r->act[l] = r->err[l] = H5I_INVALID_HID;
    for (size_t l = 0; l < r->nl; l++) {
        for (size_t k = 0; k < per; k++) {
            const char *n = k < RL_N_LAYER_STD ? rl_layer_names[k] : in->layer_series[k - RL_N_LAYER_STD];
            snprintf(p, sizeof p, "/layers/%zu/%s", l + 1, n);
            if ((st = open_checked(r, p, 1, any1, &r->lser[l * per + k])) != CS_OK)
                return st;
        }
        hsize_t snap[3] = {ANY, in->probe_size, in->layers[l + 1]};
        snprintf(p, sizeof p, "/layers/%zu/activations", l + 1);
        if ((st = open_checked(r, p, 3, snap, &r->act[l])) != CS_OK)
            return st;
        snprintf(p, sizeof p, "/layers/%zu/errors", l + 1);
        if ((st = open_checked(r, p, 3, snap, &r->err[l])) != CS_OK)
            return st;
    }
    hsize_t pin[2] = {in->probe_size, in->layers[0]}, plab[1] = {in->probe_size};
    if ((st = open_checked(r, "/probe/inputs", 2, pin, &r->probe_inputs)) != CS_OK ||
        (st = open_checked(r, "/probe/labels", 1, plab, &r->probe_labels)) != CS_OK ||
        (st = open_checked(r, "/probe/step", 1, any1, &r->probe_step)) != CS_OK)
        return st;
    if (in->relax_iterations) {
        r->rstates = malloc(r->nl * sizeof *r->rstates);
        if (!r->rstates)
            return cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
        for (size_t l = 0; l < r->nl; l++)
            r->rstates[l] = H5I_INVALID_HID;
        for (size_t l = 0; l < r->nl; l++) {
            hsize_t rs[4] = {ANY, in->relax_iterations, in->relax_samples, in->layers[l + 1]};
            snprintf(p, sizeof p, "/relax/%zu/states", l + 1);
            if ((st = open_checked(r, p, 4, rs, &r->rstates[l])) != CS_OK)
                return st;
        }
        hsize_t re[2] = {ANY, in->relax_iterations};
        if ((st = open_checked(r, "/relax/energy", 2, re, &r->renergy)) != CS_OK)
            return st;
    }
    /* /committed is written by cogscope's writer; files made by other tools
     * may leave it out, and then the extents alone decide the lengths. */
    if (path_exists(r->file, "/committed")) {
        hsize_t c[1] = {RL_N_COMMITTED};
        if ((st = open_checked(r, "/committed", 1, c, &r->committed)) != CS_OK)
            return st;
    }
    return CS_OK;
}

static int same_host(const char *host)
{
    char me[256] = "";
    gethostname(me, sizeof me - 1);
    return !host[0] || !strcmp(host, me);
}

/* Is process `pid` on this machine alive (a zombie counts as dead)? */
static int pid_alive(int64_t pid)
{
    if (pid <= 0 || pid > INT32_MAX)
        return 1; /* unknown: assume the writer may be running */
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 0;
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(p, "r");
    if (!f)
        return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static cs_status update_state(cs_runlog *r)
{
    cs_runlog_info *in = &r->info;
    /* lengths: the minimum over datasets that grow together */
    size_t per = RL_N_LAYER_STD + in->n_layer_series;
    hsize_t steps = ANY, snaps = ANY, evals = ANY, relax = 0;
    for (size_t i = 0; i < RL_N_STEP; i++)
        steps = extent0(r->steps[i]) < steps ? extent0(r->steps[i]) : steps;
    for (size_t i = 0; i < r->nl * per; i++)
        steps = extent0(r->lser[i]) < steps ? extent0(r->lser[i]) : steps;
    for (size_t i = 0; i < RL_N_EVAL; i++)
        evals = extent0(r->eval[i]) < evals ? extent0(r->eval[i]) : evals;
    snaps = extent0(r->probe_step);
    for (size_t l = 0; l < r->nl; l++) {
        hsize_t a = extent0(r->act[l]), e = extent0(r->err[l]);
        snaps = a < snaps ? a : snaps;
        snaps = e < snaps ? e : snaps;
    }
    if (r->rstates) {
        relax = extent0(r->renergy);
        for (size_t l = 0; l < r->nl; l++)
            relax = extent0(r->rstates[l]) < relax ? extent0(r->rstates[l]) : relax;
    }
    in->last_flush_time = NAN;
    if (r->committed >= 0) {
        int64_t c[RL_N_COMMITTED];
        if (H5Dread(r->committed, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, c) < 0)
            return read_fail(r, "/committed", "the row counts");
        hsize_t lim[4] = {steps, snaps, evals, relax};
        for (int k = 0; k < 4; k++)
            if (c[k] < 0)
                return cs_error_set(CS_EFORMAT, "%s: /committed[%d] = %lld is negative", r->path, k, (long long)c[k]);
        steps = (hsize_t)c[RL_C_STEPS] < lim[0] ? (hsize_t)c[RL_C_STEPS] : lim[0];
        snaps = (hsize_t)c[RL_C_SNAPSHOTS] < lim[1] ? (hsize_t)c[RL_C_SNAPSHOTS] : lim[1];
        evals = (hsize_t)c[RL_C_EVALS] < lim[2] ? (hsize_t)c[RL_C_EVALS] : lim[2];
        relax = (hsize_t)c[RL_C_RELAX] < lim[3] ? (hsize_t)c[RL_C_RELAX] : lim[3];
        if (c[RL_C_FLUSH_MS] > 0)
            in->last_flush_time = (double)c[RL_C_FLUSH_MS] / 1000.0;
    }
    in->steps = steps;
    in->snapshots = snaps;
    in->evals = evals;
    in->relax_snapshots = relax;

    /* epochs done: distinct evaluated epochs within the epochs trained (steps'
     * epochs never decrease, so first and last give the range); an
     * evaluation before training (e.g. epoch 0 when epochs count from 1) is
     * not an epoch done. */
    in->epochs_done = 0;
    if (evals && steps) {
        int64_t first, last;
        hsize_t s0 = 0, s1 = steps - 1, one = 1;
        if (!read_block(r->steps[1], H5T_NATIVE_INT64, 1, &s0, &one, &first) ||
            !read_block(r->steps[1], H5T_NATIVE_INT64, 1, &s1, &one, &last))
            return read_fail(r, "/steps/epoch", "rows");
        int64_t *ep = malloc(evals * sizeof *ep);
        if (!ep)
            return cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
        hsize_t cnt = evals;
        if (!read_block(r->eval[1], H5T_NATIVE_INT64, 1, &s0, &cnt, ep)) {
            free(ep);
            return read_fail(r, "/eval/epoch", "rows");
        }
        qsort(ep, evals, sizeof *ep, cmp_i64);
        for (hsize_t i = 0; i < evals; i++)
            if ((i == 0 || ep[i] != ep[i - 1]) && ep[i] >= first && ep[i] <= last)
                in->epochs_done++;
        free(ep);
    }

    return CS_OK;
}

/* live / interrupted from the superblock's "open for writing" flag of `sb`,
 * read BEFORE the extents (open, refresh): a writer seen closed had written
 * everything, so the counts read afterwards are final; sniffing after them
 * could call a run finished with the counts of its last flush but one. */
static void set_liveness(cs_runlog *r, const sb_info *sb)
{
    cs_runlog_info *in = &r->info;
    in->live = in->interrupted = 0;
    if (sb->flags & 1) {
        if (same_host(r->writer_host) && !pid_alive(r->writer_pid))
            in->interrupted = 1;
        else
            in->live = 1;
    }
}

/* A truncated file of a killed run opens (SWMR skips HDF5's end-of-file
 * check), so read the last committed element of every dataset now rather
 * than fail later in the middle of an analysis. */
static cs_status check_tail(cs_runlog *r)
{
    const cs_runlog_info *in = &r->info;
    double v[1];
    hsize_t one[4] = {1, 1, 1, 1};
    char p[128];
    size_t per = RL_N_LAYER_STD + in->n_layer_series;
    for (size_t i = 0; i < RL_N_STEP && in->steps; i++) {
        hsize_t s = in->steps - 1;
        if (!read_block(r->steps[i], H5T_NATIVE_DOUBLE, 1, &s, one, v)) {
            snprintf(p, sizeof p, "/steps/%s", rl_step_names[i]);
            return read_fail(r, p, "the last row");
        }
    }
    for (size_t i = 0; i < r->nl * per && in->steps; i++) {
        hsize_t s = in->steps - 1;
        if (!read_block(r->lser[i], H5T_NATIVE_DOUBLE, 1, &s, one, v)) {
            size_t k = i % per;
            snprintf(p, sizeof p, "/layers/%zu/%s", i / per + 1,
                     k < RL_N_LAYER_STD ? rl_layer_names[k] : in->layer_series[k - RL_N_LAYER_STD]);
            return read_fail(r, p, "the last row");
        }
    }
    for (size_t i = 0; i < RL_N_EVAL && in->evals; i++) {
        hsize_t s = in->evals - 1;
        if (!read_block(r->eval[i], H5T_NATIVE_DOUBLE, 1, &s, one, v)) {
            snprintf(p, sizeof p, "/eval/%s", rl_eval_names[i]);
            return read_fail(r, p, "the last row");
        }
    }
    hsize_t z[4] = {0, 0, 0, 0};
    hsize_t last[2] = {in->probe_size - 1, in->layers[0] - 1};
    if (!read_block(r->probe_inputs, H5T_NATIVE_DOUBLE, 2, last, one, v))
        return read_fail(r, "/probe/inputs", "the last row");
    if (!read_block(r->probe_labels, H5T_NATIVE_DOUBLE, 1, last, one, v))
        return read_fail(r, "/probe/labels", "the last row");
    if (in->snapshots) {
        hsize_t s[3] = {in->snapshots - 1, 0, 0};
        if (!read_block(r->probe_step, H5T_NATIVE_DOUBLE, 1, s, one, v))
            return read_fail(r, "/probe/step", "the last row");
        for (size_t l = 0; l < r->nl; l++) {
            if (!read_block(r->act[l], H5T_NATIVE_DOUBLE, 3, s, one, v)) {
                snprintf(p, sizeof p, "/layers/%zu/activations", l + 1);
                return read_fail(r, p, "the last snapshot");
            }
            if (!read_block(r->err[l], H5T_NATIVE_DOUBLE, 3, s, one, v)) {
                snprintf(p, sizeof p, "/layers/%zu/errors", l + 1);
                return read_fail(r, p, "the last snapshot");
            }
        }
    }
    if (in->relax_snapshots) {
        z[0] = in->relax_snapshots - 1;
        for (size_t l = 0; l < r->nl; l++)
            if (!read_block(r->rstates[l], H5T_NATIVE_DOUBLE, 4, z, one, v)) {
                snprintf(p, sizeof p, "/relax/%zu/states", l + 1);
                return read_fail(r, p, "the last snapshot");
            }
        if (!read_block(r->renergy, H5T_NATIVE_DOUBLE, 2, z, one, v))
            return read_fail(r, "/relax/energy", "the last snapshot");
    }
    return CS_OK;
}

/* SWMR readers re-read metadata whose checksum fails, assuming a concurrent
 * write, sleeping 1, 2, 4, ... ns in between: HDF5's default of 100 attempts
 * would sleep for ages on a damaged file. 24 attempts wait up to ~17 ms in
 * total, far longer than any single metadata write of a live writer. With no
 * live writer a checksum failure is damage, so one attempt is enough. */
#define RL_SWMR_READ_ATTEMPTS 24

static hid_t open_file(const char *path, int swmr, unsigned attempts)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return H5I_INVALID_HID;
    H5Pset_file_locking(fapl, 1, 1); /* tolerate file systems without locks */
    if (swmr)
        H5Pset_metadata_read_attempts(fapl, attempts);
    hid_t f = H5Fopen(path, swmr ? H5F_ACC_RDONLY | H5F_ACC_SWMR_READ : H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    return f;
}

cs_status cs_runlog_open(const char *path, cs_runlog **out)
{
    cs_init();
    if (!out)
        return cs_error_set(CS_EINVAL, "cs_runlog_open: out is NULL");
    *out = NULL;
    if (!path || !*path)
        return cs_error_set(CS_EINVAL, "cs_runlog_open: no path given");
    sb_info sb = {0};
    cs_status st = sniff(path, &sb);
    if (st != CS_OK)
        return st;
    if ((sb.flags & 1) && !(sb.flags & 4))
        return cs_error_set(CS_EFORMAT,
                            "%s: the file is open for writing without SWMR (a writer still creating it, or "
                            "killed while creating it)",
                            path);
    cs_runlog *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return cs_error_set(CS_ENOMEM, "%s: out of memory", path);
    }
    r->file = r->probe_inputs = r->probe_labels = r->probe_step = r->committed = r->renergy = H5I_INVALID_HID;
    for (size_t i = 0; i < RL_N_STEP; i++)
        r->steps[i] = H5I_INVALID_HID;
    for (size_t i = 0; i < RL_N_EVAL; i++)
        r->eval[i] = H5I_INVALID_HID;
    r->swmr = (sb.flags & 4) != 0;
    r->file = open_file(path, r->swmr, 1);
    if (r->swmr && r->file >= 0) {
        /* A live writer may be mid-write: give HDF5 room to re-read. */
        cs_h5_attr_get_numbers(r->file, "writer_pid", H5T_NATIVE_INT64, &r->writer_pid, 1, NULL);
        cs_h5_attr_get_string(r->file, "writer_host", r->writer_host, sizeof r->writer_host);
        if (!same_host(r->writer_host) || pid_alive(r->writer_pid)) {
            H5Fclose(r->file);
            r->file = open_file(path, 1, RL_SWMR_READ_ATTEMPTS);
        }
    } else if (r->swmr) {
        H5Eclear2(H5E_DEFAULT);
        r->file = open_file(path, 1, RL_SWMR_READ_ATTEMPTS);
    }
    if (r->file < 0) {
        char reason[256];
        rl_h5_reason(reason, sizeof reason);
        cs_runlog_close_reader(r);
        return cs_error_set(CS_EFORMAT, "%s: damaged or truncated HDF5 file (%s)", path, reason);
    }
    if ((st = read_root_and_config(r)) == CS_OK)
        set_liveness(r, &sb); /* sb was read before the datasets were opened */
    if (st != CS_OK || (st = open_datasets(r)) != CS_OK || (st = update_state(r)) != CS_OK ||
        (st = check_tail(r)) != CS_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", cs_last_error());
        cs_runlog_close_reader(r);
        return cs_error_set(st, "%s", msg);
    }
    *out = r;
    return CS_OK;
}

cs_status cs_runlog_refresh(cs_runlog *r)
{
    if (!r)
        return cs_error_set(CS_EINVAL, "cs_runlog_refresh: reader is NULL");
    cs_init();
    sb_info sb = {0};
    sniff(r->path, &sb); /* before the extents (set_liveness); unreadable: not live */
    set_liveness(r, &sb);
    cs_error_clear();
    if (r->swmr) {
        size_t per = RL_N_LAYER_STD + r->info.n_layer_series;
        hid_t *lists[] = {r->steps, r->eval, r->lser, r->act, r->err, r->rstates};
        size_t lens[] = {RL_N_STEP, RL_N_EVAL, r->nl * per, r->nl, r->nl, r->rstates ? r->nl : 0};
        for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++)
            for (size_t i = 0; i < lens[k]; i++)
                if (H5Drefresh(lists[k][i]) < 0)
                    return read_fail(r, "(one of the series)", "the extent");
        hid_t single[] = {r->probe_step, r->committed, r->renergy};
        for (size_t i = 0; i < 3; i++)
            if (single[i] >= 0 && H5Drefresh(single[i]) < 0)
                return read_fail(r, i == 0 ? "/probe/step" : i == 1 ? "/committed" : "/relax/energy", "the extent");
    }
    return update_state(r);
}

const cs_runlog_info *cs_runlog_get_info(const cs_runlog *r) { return r ? &r->info : NULL; }
const char *cs_runlog_path(const cs_runlog *r) { return r ? r->path : NULL; }

cs_status cs_runlog_config_param(const cs_runlog *r, const char *name, double *value)
{
    if (!r || !name || !value)
        return cs_error_set(CS_EINVAL, "cs_runlog_config_param: reader, name and value must be given");
    for (size_t i = 0; i < r->n_params; i++)
        if (!strcmp(r->pname[i], name)) {
            *value = r->pval[i];
            return CS_OK;
        }
    return cs_error_set(CS_EINVAL, "%s: /config has no numeric rule parameter '%s'", r->path, name);
}

size_t cs_runlog_config_param_count(const cs_runlog *r) { return r ? r->n_params : 0; }
const char *cs_runlog_config_param_name(const cs_runlog *r, size_t i)
{
    return r && i < r->n_params ? r->pname[i] : NULL;
}

/* ---- series ------------------------------------------------------------- */

static cs_status read_series(const cs_runlog *r, hid_t d, const char *dpath, size_t n, double **values, size_t *nout)
{
    cs_init();
    if (!values || !nout)
        return cs_error_set(CS_EINVAL, "%s: values and n must be given", r->path);
    *values = NULL;
    *nout = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return cs_error_set(CS_ENOMEM, "%s: out of memory reading %s (%zu rows)", r->path, dpath, n);
    hsize_t start = 0, count = n;
    if (n && !read_block(d, H5T_NATIVE_DOUBLE, 1, &start, &count, v)) {
        free(v);
        return read_fail(r, dpath, "the rows");
    }
    *values = v;
    *nout = n;
    return CS_OK;
}

static int name_index(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (!strcmp(names[i], name))
            return (int)i;
    return -1;
}

cs_status cs_runlog_read_steps(const cs_runlog *r, const char *name, double **values, size_t *n)
{
    if (!r)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_steps: reader is NULL");
    int i = name_index(rl_step_names, RL_N_STEP, name);
    if (i < 0)
        return cs_error_set(CS_EINVAL, "%s: no step series '%s' (step, epoch, loss, tau, surprise, pi, batch_acc, lr)",
                            r->path, name ? name : "(null)");
    char p[64];
    snprintf(p, sizeof p, "/steps/%s", name);
    return read_series(r, r->steps[i], p, r->info.steps, values, n);
}

cs_status cs_runlog_read_eval(const cs_runlog *r, const char *name, double **values, size_t *n)
{
    if (!r)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_eval: reader is NULL");
    int i = name_index(rl_eval_names, RL_N_EVAL, name);
    if (i < 0)
        return cs_error_set(CS_EINVAL, "%s: no evaluation series '%s' (step, epoch, loss, acc, tau, surprise, pi)",
                            r->path, name ? name : "(null)");
    char p[64];
    snprintf(p, sizeof p, "/eval/%s", name);
    return read_series(r, r->eval[i], p, r->info.evals, values, n);
}

cs_status cs_runlog_read_snapshot_steps(const cs_runlog *r, double **values, size_t *n)
{
    if (!r)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_snapshot_steps: reader is NULL");
    return read_series(r, r->probe_step, "/probe/step", r->info.snapshots, values, n);
}

static cs_status check_layer(const cs_runlog *r, size_t layer)
{
    if (layer < 1 || layer > r->nl)
        return cs_error_set(CS_EINVAL, "%s: layer %zu is outside 1..%zu", r->path, layer, r->nl);
    return CS_OK;
}

cs_status cs_runlog_read_layer_series(const cs_runlog *r, size_t layer, const char *name, double **values, size_t *n)
{
    if (!r)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_layer_series: reader is NULL");
    cs_status st = check_layer(r, layer);
    if (st != CS_OK)
        return st;
    size_t per = RL_N_LAYER_STD + r->info.n_layer_series;
    int k = name_index(rl_layer_names, RL_N_LAYER_STD, name);
    for (size_t j = 0; k < 0 && name && j < r->info.n_layer_series; j++)
        if (!strcmp(r->info.layer_series[j], name))
            k = (int)(RL_N_LAYER_STD + j);
    if (k < 0)
        return cs_error_set(CS_EINVAL, "%s: layer %zu has no series '%s'", r->path, layer, name ? name : "(null)");
    char p[96];
    snprintf(p, sizeof p, "/layers/%zu/%s", layer, name);
    return read_series(r, r->lser[(layer - 1) * per + (size_t)k], p, r->info.steps, values, n);
}

cs_status cs_runlog_read_probe(const cs_runlog *r, cs_matrix *inputs, int32_t **labels)
{
    if (!r || !inputs || !labels)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_probe: reader, inputs and labels must be given");
    cs_init();
    *labels = NULL;
    const cs_runlog_info *in = &r->info;
    cs_status st = cs_matrix_alloc(in->probe_size, in->layers[0], inputs);
    if (st != CS_OK)
        return st;
    int32_t *lab = malloc(in->probe_size * sizeof *lab);
    if (!lab) {
        cs_matrix_free(inputs);
        return cs_error_set(CS_ENOMEM, "%s: out of memory reading /probe/labels", r->path);
    }
    if (H5Dread(r->probe_inputs, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, inputs->data) < 0) {
        free(lab);
        cs_matrix_free(inputs);
        return read_fail(r, "/probe/inputs", "the values");
    }
    if (H5Dread(r->probe_labels, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, lab) < 0) {
        free(lab);
        cs_matrix_free(inputs);
        return read_fail(r, "/probe/labels", "the values");
    }
    *labels = lab;
    return CS_OK;
}

cs_status cs_runlog_read_snapshot(const cs_runlog *r, size_t layer, size_t snapshot, const char *which,
                                  cs_matrix *out)
{
    if (!r || !out)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_snapshot: reader and out must be given");
    cs_init();
    cs_status st = check_layer(r, layer);
    if (st != CS_OK)
        return st;
    int act = which && !strcmp(which, "activations");
    if (!act && !(which && !strcmp(which, "errors")))
        return cs_error_set(CS_EINVAL, "%s: snapshot kind '%s' is not 'activations' or 'errors'", r->path,
                            which ? which : "(null)");
    if (snapshot >= r->info.snapshots)
        return cs_error_set(CS_EINVAL, "%s: snapshot %zu does not exist (the log holds %zu)", r->path, snapshot,
                            r->info.snapshots);
    size_t units = r->info.layers[layer];
    if ((st = cs_matrix_alloc(r->info.probe_size, units, out)) != CS_OK)
        return st;
    hsize_t start[3] = {snapshot, 0, 0}, count[3] = {1, r->info.probe_size, units};
    if (!read_block(act ? r->act[layer - 1] : r->err[layer - 1], H5T_NATIVE_DOUBLE, 3, start, count, out->data)) {
        char p[96];
        snprintf(p, sizeof p, "/layers/%zu/%s", layer, which);
        cs_matrix_free(out);
        return read_fail(r, p, "a snapshot");
    }
    return CS_OK;
}

cs_status cs_runlog_read_relax(const cs_runlog *r, size_t layer, size_t snapshot, cs_matrix *states, double **energy)
{
    if (!r || !states || !energy)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_relax: reader, states and energy must be given");
    cs_init();
    *energy = NULL;
    if (!r->rstates)
        return cs_error_set(CS_EINVAL, "%s: the run has no relaxation phase (no /relax group)", r->path);
    cs_status st = check_layer(r, layer);
    if (st != CS_OK)
        return st;
    if (snapshot >= r->info.relax_snapshots)
        return cs_error_set(CS_EINVAL, "%s: relaxation %zu does not exist (the log holds %zu)", r->path, snapshot,
                            r->info.relax_snapshots);
    size_t it = r->info.relax_iterations, ns = r->info.relax_samples, units = r->info.layers[layer];
    if ((st = cs_matrix_alloc(it * ns, units, states)) != CS_OK)
        return st;
    double *e = malloc(it * sizeof *e);
    if (!e) {
        cs_matrix_free(states);
        return cs_error_set(CS_ENOMEM, "%s: out of memory reading /relax/energy", r->path);
    }
    hsize_t start[4] = {snapshot, 0, 0, 0}, count[4] = {1, it, ns, units};
    if (!read_block(r->rstates[layer - 1], H5T_NATIVE_DOUBLE, 4, start, count, states->data)) {
        char p[96];
        snprintf(p, sizeof p, "/relax/%zu/states", layer);
        free(e);
        cs_matrix_free(states);
        return read_fail(r, p, "a relaxation");
    }
    hsize_t es[2] = {snapshot, 0}, ec[2] = {1, it};
    if (!read_block(r->renergy, H5T_NATIVE_DOUBLE, 2, es, ec, e)) {
        free(e);
        cs_matrix_free(states);
        return read_fail(r, "/relax/energy", "a relaxation");
    }
    *energy = e;
    return CS_OK;
}

/* ---- listing ------------------------------------------------------------ */

typedef struct {
    cs_runlog_dataset *list;
    size_t n, cap;
    int failed;
} list_ctx;

static void type_name(hid_t t, char *out, size_t n)
{
    H5T_class_t c = H5Tget_class(t);
    size_t size = H5Tget_size(t);
    if (c == H5T_FLOAT)
        snprintf(out, n, "float%zu", size * 8);
    else if (c == H5T_INTEGER)
        snprintf(out, n, "%sint%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "u" : "", size * 8);
    else if (c == H5T_STRING)
        snprintf(out, n, "string");
    else if (c == H5T_COMPOUND)
        snprintf(out, n, "compound");
    else
        snprintf(out, n, "other");
}

static herr_t list_cb(hid_t obj, const char *name, const H5O_info_t *info, void *data)
{
    list_ctx *c = data;
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 32;
        cs_runlog_dataset *l = realloc(c->list, cap * sizeof *l);
        if (!l) {
            c->failed = 1;
            return -1;
        }
        c->list = l;
        c->cap = cap;
    }
    cs_runlog_dataset *e = &c->list[c->n];
    memset(e, 0, sizeof *e);
    snprintf(e->path, sizeof e->path, "/%s", name);
    hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
    if (d >= 0) {
        hid_t s = H5Dget_space(d), t = H5Dget_type(d);
        hsize_t dims[H5S_MAX_RANK];
        int rk = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
        if (rk >= 0 && H5Sget_simple_extent_dims(s, dims, NULL) >= 0) {
            e->rank = rk > 4 ? 4 : rk;
            for (int k = 0; k < e->rank; k++)
                e->dims[k] = dims[k];
        }
        if (t >= 0) {
            type_name(t, e->type, sizeof e->type);
            H5Tclose(t);
        }
        if (s >= 0)
            H5Sclose(s);
        H5Dclose(d);
    }
    H5Eclear2(H5E_DEFAULT);
    c->n++;
    return 0;
}

cs_status cs_runlog_list_datasets(const cs_runlog *r, cs_runlog_dataset **list, size_t *n)
{
    if (!r || !list || !n)
        return cs_error_set(CS_EINVAL, "cs_runlog_list_datasets: reader, list and n must be given");
    cs_init();
    list_ctx c = {0};
    herr_t e = H5Ovisit2(r->file, H5_INDEX_NAME, H5_ITER_INC, list_cb, &c, H5O_INFO_BASIC);
    if (e < 0 || c.failed) {
        free(c.list);
        if (c.failed)
            return cs_error_set(CS_ENOMEM, "%s: out of memory listing datasets", r->path);
        char reason[256];
        rl_h5_reason(reason, sizeof reason);
        return cs_error_set(CS_EFORMAT, "%s: cannot list the datasets (%s)", r->path, reason);
    }
    *list = c.list;
    *n = c.n;
    return CS_OK;
}
