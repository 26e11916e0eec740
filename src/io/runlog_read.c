/* The run-log reader: opens a file of schema version 1 or 2 (layout in
 * docs/schema.md; what it holds is found by runlog_scan.c), decides whether a
 * writer is live, and reads series, snapshots and relaxations.
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
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5attr.h"
#include "runlog_reader.h"

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

/* ---- datasets ----------------------------------------------------------- */

static hsize_t extent0(hid_t d)
{
    hsize_t dims[H5S_MAX_RANK] = {0};
    return rlr_shape(d, dims) >= 1 ? dims[0] : 0;
}

static cs_status read_fail(const cs_runlog *r, const char *dpath, const char *what)
{
    char reason[256];
    rl_h5_reason(reason, sizeof reason);
    return cs_error_set(CS_EFORMAT, "%s: cannot read %s of dataset %s; the file is damaged or truncated (%s)",
                        r->path, what, dpath, reason);
}

/* ---- life cycle --------------------------------------------------------- */

static void close_all(cs_runlog *r)
{
    for (size_t i = 0; r->ids && i < r->n_items; i++)
        if (r->ids[i] >= 0)
            H5Dclose(r->ids[i]);
    hid_t single[] = {r->probe_inputs, r->probe_labels, r->snap_step, r->committed};
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
    rlr_scan_free(r);
    free(r->path);
    free(r);
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

static const cs_runlog_item *find_item(const cs_runlog *r, cs_runlog_kind kind, size_t layer, const char *name)
{
    for (size_t i = 0; name && i < r->n_items; i++) {
        const cs_runlog_item *it = &r->items[i];
        int per_layer = kind == CS_RUNLOG_LAYER_SERIES || kind == CS_RUNLOG_SNAPSHOT ||
                        kind == CS_RUNLOG_RELAX_STATES;
        if (it->kind == kind && (!per_layer || it->layer == layer) && !strcmp(it->name, name))
            return it;
    }
    return NULL;
}

static hid_t id_of(const cs_runlog *r, const cs_runlog_item *it) { return r->ids[it - r->items]; }

/* Epochs done: distinct evaluated epochs within the epochs trained (steps'
 * epochs never decrease, so first and last give the range); an evaluation
 * before training (e.g. epoch 0 when epochs count from 1) is not an epoch
 * done. 0 without /steps/epoch or /eval/epoch. */
static cs_status count_epochs_done(cs_runlog *r)
{
    cs_runlog_info *in = &r->info;
    const cs_runlog_item *se = find_item(r, CS_RUNLOG_STEP_SERIES, 0, "epoch");
    const cs_runlog_item *ee = find_item(r, CS_RUNLOG_EVAL_SERIES, 0, "epoch");
    in->epochs_done = 0;
    if (!se || !ee || !in->evals || !in->steps)
        return CS_OK;
    int64_t first, last;
    hsize_t s0 = 0, s1 = in->steps - 1, one = 1, cnt = in->evals;
    if (!rlr_read_block(id_of(r, se), H5T_NATIVE_INT64, 1, &s0, &one, &first) ||
        !rlr_read_block(id_of(r, se), H5T_NATIVE_INT64, 1, &s1, &one, &last))
        return read_fail(r, se->path, "rows");
    int64_t *ep = malloc(in->evals * sizeof *ep);
    if (!ep)
        return cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
    if (!rlr_read_block(id_of(r, ee), H5T_NATIVE_INT64, 1, &s0, &cnt, ep)) {
        free(ep);
        return read_fail(r, ee->path, "rows");
    }
    qsort(ep, in->evals, sizeof *ep, cmp_i64);
    for (hsize_t i = 0; i < in->evals; i++)
        if ((i == 0 || ep[i] != ep[i - 1]) && ep[i] >= first && ep[i] <= last)
            in->epochs_done++;
    free(ep);
    return CS_OK;
}

static hsize_t min_h(hsize_t a, hsize_t b) { return a < b ? a : b; }

/* Lengths: the minimum over datasets that grow together, clamped to
 * /committed. Snapshots: /snapshots/step and every "activations" (v1: also
 * "errors"); without those, every snapshot dataset. */
static cs_status update_state(cs_runlog *r)
{
    cs_runlog_info *in = &r->info;
    hsize_t steps = ANY, snaps = r->snap_step >= 0 ? extent0(r->snap_step) : ANY, snaps_any = ANY, evals = ANY,
            relax = ANY;
    for (size_t i = 0; i < r->n_items; i++) {
        const cs_runlog_item *it = &r->items[i];
        hsize_t e = extent0(r->ids[i]);
        switch (it->kind) {
        case CS_RUNLOG_STEP_SERIES:
        case CS_RUNLOG_LAYER_SERIES: steps = min_h(steps, e); break;
        case CS_RUNLOG_SNAPSHOT:
            if (!strcmp(it->name, "activations") || (in->schema_version == 1 && !strcmp(it->name, "errors")))
                snaps = min_h(snaps, e);
            snaps_any = min_h(snaps_any, e);
            break;
        case CS_RUNLOG_EVAL_SERIES: evals = min_h(evals, e); break;
        case CS_RUNLOG_RELAX_STATES:
        case CS_RUNLOG_RELAX_ENERGY: relax = min_h(relax, e); break;
        }
    }
    if (snaps == ANY)
        snaps = snaps_any;
    hsize_t lim[4] = {steps == ANY ? 0 : steps, snaps == ANY ? 0 : snaps, evals == ANY ? 0 : evals,
                      relax == ANY ? 0 : relax};
    in->last_flush_time = NAN;
    if (r->committed >= 0) {
        int64_t c[RL_N_COMMITTED];
        if (H5Dread(r->committed, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, c) < 0)
            return read_fail(r, "/committed", "the row counts");
        for (int k = 0; k < 4; k++) {
            if (c[k] < 0)
                return cs_error_set(CS_EFORMAT, "%s: /committed[%d] = %lld is negative", r->path, k, (long long)c[k]);
            lim[k] = min_h(lim[k], (hsize_t)c[k]);
        }
        if (c[RL_C_FLUSH_MS] > 0)
            in->last_flush_time = (double)c[RL_C_FLUSH_MS] / 1000.0;
    }
    in->steps = lim[0];
    in->snapshots = lim[1];
    in->evals = lim[2];
    in->relax_snapshots = lim[3];
    for (size_t i = 0; i < r->n_items; i++) {
        cs_runlog_item *it = &r->items[i];
        hsize_t e = extent0(r->ids[i]);
        switch (it->kind) {
        case CS_RUNLOG_STEP_SERIES:
        case CS_RUNLOG_LAYER_SERIES: it->length = in->steps; break;
        case CS_RUNLOG_SNAPSHOT: it->length = min_h(e, in->snapshots); break;
        case CS_RUNLOG_EVAL_SERIES: it->length = in->evals; break;
        default: it->length = in->relax_snapshots;
        }
    }
    return count_epochs_done(r);
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
    double v[1];
    hsize_t one[H5S_MAX_RANK], start[H5S_MAX_RANK] = {0};
    for (int k = 0; k < H5S_MAX_RANK; k++)
        one[k] = 1;
    for (size_t i = 0; i < r->n_items; i++) {
        const cs_runlog_item *it = &r->items[i];
        if (!it->length)
            continue;
        start[0] = it->length - 1;
        if (!rlr_read_block(r->ids[i], H5T_NATIVE_DOUBLE, it->rank + 1, start, one, v))
            return read_fail(r, it->path, it->rank ? "the last entry" : "the last row");
    }
    start[0] = 0;
    if (r->probe_inputs >= 0) {
        hsize_t last[2] = {r->info.probe_size - 1, r->info.probe_dim - 1};
        if (!rlr_read_block(r->probe_inputs, H5T_NATIVE_DOUBLE, 2, last, one, v))
            return read_fail(r, "/probe/inputs", "the last row");
    }
    if (r->probe_labels >= 0) {
        hsize_t last = r->info.probe_size - 1;
        if (!rlr_read_block(r->probe_labels, H5T_NATIVE_DOUBLE, 1, &last, one, v))
            return read_fail(r, "/probe/labels", "the last row");
    }
    if (r->snap_step >= 0 && r->info.snapshots) {
        hsize_t last = r->info.snapshots - 1;
        if (!rlr_read_block(r->snap_step, H5T_NATIVE_DOUBLE, 1, &last, one, v))
            return read_fail(r, r->info.schema_version == 1 ? "/probe/step" : "/snapshots/step", "the last row");
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
    /* h5_reason falls back on errno when HDF5's stack names no cause: it must
     * be this open's, not a stale one (analyze's look for RUN.metrics.h5). */
    errno = 0;
    hid_t f = H5Fopen(path, swmr ? H5F_ACC_RDONLY | H5F_ACC_SWMR_READ : H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    return f;
}

cs_status cs_runlog_open(const char *path, cs_runlog **out)
{
    h5_setup();
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
    r->file = r->probe_inputs = r->probe_labels = r->snap_step = r->committed = H5I_INVALID_HID;
    r->swmr = (sb.flags & 4) != 0;
    r->file = open_file(path, r->swmr, 1);
    if (r->swmr && r->file >= 0) {
        /* A live writer may be mid-write: give HDF5 room to re-read. */
        h5_attr_get_numbers(r->file, "writer_pid", H5T_NATIVE_INT64, &r->writer_pid, 1, NULL);
        h5_attr_get_string(r->file, "writer_host", r->writer_host, sizeof r->writer_host);
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
    if ((st = rlr_scan(r)) == CS_OK)
        set_liveness(r, &sb); /* sb was read before the extents */
    if (st != CS_OK || (st = update_state(r)) != CS_OK || (st = check_tail(r)) != CS_OK) {
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
    h5_setup();
    sb_info sb = {0};
    sniff(r->path, &sb); /* before the extents (set_liveness); unreadable: not live */
    set_liveness(r, &sb);
    cs_error_clear();
    if (r->swmr) {
        for (size_t i = 0; i < r->n_items; i++)
            if (H5Drefresh(r->ids[i]) < 0)
                return read_fail(r, r->items[i].path, "the extent");
        hid_t single[] = {r->snap_step, r->committed};
        for (size_t i = 0; i < 2; i++)
            if (single[i] >= 0 && H5Drefresh(single[i]) < 0)
                return read_fail(r, i == 0 ? "of the snapshot steps" : "/committed", "the extent");
    }
    return update_state(r);
}

/* ---- accessors ---------------------------------------------------------- */

const cs_runlog_info *cs_runlog_get_info(const cs_runlog *r) { return r ? &r->info : NULL; }
const char *cs_runlog_path(const cs_runlog *r) { return r ? r->path : NULL; }
const char *cs_runlog_layer_name(const cs_runlog *r, size_t layer)
{
    return r && layer < r->nl ? r->lname[layer] : NULL;
}
size_t cs_runlog_layer_units(const cs_runlog *r, size_t layer) { return r && layer < r->nl ? r->lunits[layer] : 0; }

size_t cs_runlog_layer_find(const cs_runlog *r, const char *name)
{
    for (size_t l = 0; r && name && l < r->nl; l++)
        if (!strcmp(r->lname[l], name))
            return l;
    return (size_t)-1;
}

size_t cs_runlog_item_count(const cs_runlog *r) { return r ? r->n_items : 0; }
const cs_runlog_item *cs_runlog_item_at(const cs_runlog *r, size_t i)
{
    return r && i < r->n_items ? &r->items[i] : NULL;
}

const cs_runlog_item *cs_runlog_find(const cs_runlog *r, cs_runlog_kind kind, size_t layer, const char *name)
{
    return r ? find_item(r, kind, layer, name) : NULL;
}

size_t cs_runlog_meta_count(const cs_runlog *r) { return r ? r->n_meta : 0; }
const cs_runlog_meta *cs_runlog_meta_at(const cs_runlog *r, size_t i)
{
    return r && i < r->n_meta ? &r->meta[i] : NULL;
}

const cs_runlog_meta *cs_runlog_meta_find(const cs_runlog *r, const char *name)
{
    for (size_t i = 0; r && name && i < r->n_meta; i++)
        if (!strcmp(r->meta[i].name, name))
            return &r->meta[i];
    return NULL;
}

cs_status cs_runlog_config_param(const cs_runlog *r, const char *name, double *value)
{
    if (!r || !name || !value)
        return cs_error_set(CS_EINVAL, "cs_runlog_config_param: reader, name and value must be given");
    const cs_runlog_meta *m = cs_runlog_meta_find(r, name);
    if (!m || m->is_string || m->count != 1)
        return cs_error_set(CS_EINVAL, "%s: /config has no numeric parameter '%s'", r->path, name);
    *value = m->values[0];
    return CS_OK;
}

size_t cs_runlog_config_param_count(const cs_runlog *r) { return r ? r->n_params : 0; }
const char *cs_runlog_config_param_name(const cs_runlog *r, size_t i)
{
    return r && i < r->n_params ? r->pname[i] : NULL;
}

/* ---- reading ------------------------------------------------------------ */

static cs_status read_1d(const cs_runlog *r, hid_t d, const char *dpath, size_t n, double **values, size_t *nout)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return cs_error_set(CS_ENOMEM, "%s: out of memory reading %s (%zu rows)", r->path, dpath, n);
    hsize_t start = 0, count = n;
    if (n && !rlr_read_block(d, H5T_NATIVE_DOUBLE, 1, &start, &count, v)) {
        free(v);
        return read_fail(r, dpath, "the rows");
    }
    *values = v;
    *nout = n;
    return CS_OK;
}

cs_status cs_runlog_read_series(const cs_runlog *r, const cs_runlog_item *item, double **values, size_t *n)
{
    if (!r || !item || !values || !n)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_series: reader, item, values and n must be given");
    h5_setup();
    *values = NULL;
    *n = 0;
    if (item < r->items || item >= r->items + r->n_items || item->rank != 0)
        return cs_error_set(CS_EINVAL, "%s: cs_runlog_read_series: not a series item of this log", r->path);
    return read_1d(r, id_of(r, item), item->path, item->length, values, n);
}

cs_status cs_runlog_read_entry(const cs_runlog *r, const cs_runlog_item *item, size_t index, cs_matrix *out)
{
    if (!r || !item || !out)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_entry: reader, item and out must be given");
    h5_setup();
    if (item < r->items || item >= r->items + r->n_items || item->rank < 1)
        return cs_error_set(CS_EINVAL, "%s: cs_runlog_read_entry: not a snapshot item of this log", r->path);
    if (index >= item->length)
        return cs_error_set(CS_EINVAL, "%s: entry %zu of %s does not exist (the log holds %zu)", r->path, index,
                            item->path, item->length);
    hsize_t start[CS_RUNLOG_ENTRY_RANK_MAX + 1] = {index}, count[CS_RUNLOG_ENTRY_RANK_MAX + 1] = {1};
    size_t rows = 1, cols = item->shape[item->rank - 1];
    for (int k = 0; k < item->rank; k++) {
        count[k + 1] = item->shape[k];
        if (k + 1 < item->rank)
            rows *= item->shape[k];
    }
    cs_status st = cs_matrix_alloc(rows, cols, out);
    if (st != CS_OK)
        return st;
    if (!rlr_read_block(id_of(r, item), H5T_NATIVE_DOUBLE, item->rank + 1, start, count, out->data)) {
        cs_matrix_free(out);
        return read_fail(r, item->path, "an entry");
    }
    return CS_OK;
}

cs_status cs_runlog_read_steps(const cs_runlog *r, const char *name, double **values, size_t *n)
{
    if (!r)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_steps: reader is NULL");
    const cs_runlog_item *it = find_item(r, CS_RUNLOG_STEP_SERIES, 0, name);
    if (!it)
        return cs_error_set(CS_EINVAL, "%s: the log has no per-step series '%s' (/steps/%s)", r->path,
                            name ? name : "(null)", name ? name : "");
    return cs_runlog_read_series(r, it, values, n);
}

cs_status cs_runlog_read_eval(const cs_runlog *r, const char *name, double **values, size_t *n)
{
    if (!r)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_eval: reader is NULL");
    const cs_runlog_item *it = find_item(r, CS_RUNLOG_EVAL_SERIES, 0, name);
    if (!it)
        return cs_error_set(CS_EINVAL, "%s: the log has no evaluation series '%s' (/eval/%s)", r->path,
                            name ? name : "(null)", name ? name : "");
    return cs_runlog_read_series(r, it, values, n);
}

cs_status cs_runlog_read_snapshot_steps(const cs_runlog *r, double **values, size_t *n)
{
    if (!r || !values || !n)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_snapshot_steps: reader, values and n must be given");
    h5_setup();
    size_t k = r->info.snapshots;
    if (r->snap_step >= 0)
        return read_1d(r, r->snap_step, r->info.schema_version == 1 ? "/probe/step" : "/snapshots/step", k, values,
                       n);
    double *v = malloc((k ? k : 1) * sizeof *v);
    if (!v)
        return cs_error_set(CS_ENOMEM, "%s: out of memory", r->path);
    for (size_t i = 0; i < k; i++)
        v[i] = (double)i;
    *values = v;
    *n = k;
    return CS_OK;
}

cs_status cs_runlog_read_layer_snapshot(const cs_runlog *r, size_t layer, const char *name, size_t snapshot,
                                        cs_matrix *out)
{
    if (!r || !out)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_layer_snapshot: reader and out must be given");
    if (layer >= r->nl)
        return cs_error_set(CS_EINVAL, "%s: layer %zu does not exist (the log has %zu)", r->path, layer, r->nl);
    const cs_runlog_item *it = find_item(r, CS_RUNLOG_SNAPSHOT, layer, name);
    if (!it)
        return cs_error_set(CS_EINVAL, "%s: layer '%s' has no snapshot dataset '%s'", r->path, r->lname[layer],
                            name ? name : "(null)");
    return cs_runlog_read_entry(r, it, snapshot, out);
}

cs_status cs_runlog_read_probe(const cs_runlog *r, cs_matrix *inputs, int32_t **labels)
{
    if (!r || !inputs || !labels)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_probe: reader, inputs and labels must be given");
    h5_setup();
    *labels = NULL;
    const cs_runlog_info *in = &r->info;
    if (r->probe_inputs < 0)
        return cs_error_set(CS_EINVAL, "%s: the log has no probe set (/probe/inputs)", r->path);
    cs_status st = cs_matrix_alloc(in->probe_size, in->probe_dim, inputs);
    if (st != CS_OK)
        return st;
    if (H5Dread(r->probe_inputs, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, inputs->data) < 0) {
        cs_matrix_free(inputs);
        return read_fail(r, "/probe/inputs", "the values");
    }
    if (r->probe_labels < 0)
        return CS_OK;
    int32_t *lab = malloc(in->probe_size * sizeof *lab);
    if (!lab) {
        cs_matrix_free(inputs);
        return cs_error_set(CS_ENOMEM, "%s: out of memory reading /probe/labels", r->path);
    }
    if (H5Dread(r->probe_labels, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, lab) < 0) {
        free(lab);
        cs_matrix_free(inputs);
        return read_fail(r, "/probe/labels", "the values");
    }
    *labels = lab;
    return CS_OK;
}

cs_status cs_runlog_read_relaxation(const cs_runlog *r, size_t layer, size_t snapshot, cs_matrix *states,
                                    double **energy)
{
    if (!r || !states || !energy)
        return cs_error_set(CS_EINVAL, "cs_runlog_read_relaxation: reader, states and energy must be given");
    *energy = NULL;
    const cs_runlog_item *s = layer < r->nl ? find_item(r, CS_RUNLOG_RELAX_STATES, layer, "states") : NULL;
    const cs_runlog_item *e = find_item(r, CS_RUNLOG_RELAX_ENERGY, 0, "energy");
    if (!s || !e)
        return cs_error_set(CS_EINVAL, "%s: %s has no relaxation trajectories (/relax)", r->path,
                            layer < r->nl ? "the layer" : "the log");
    cs_matrix em = {0};
    cs_status st = cs_runlog_read_entry(r, s, snapshot, states);
    if (st == CS_OK && (st = cs_runlog_read_entry(r, e, snapshot, &em)) != CS_OK)
        cs_matrix_free(states);
    if (st == CS_OK)
        *energy = em.data; /* 1 x I, owned by the caller now */
    return st;
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
        hid_t t = H5Dget_type(d);
        hsize_t dims[H5S_MAX_RANK];
        int rk = rlr_shape(d, dims);
        if (rk >= 0) {
            e->rank = rk > 4 ? 4 : rk;
            for (int k = 0; k < e->rank; k++)
                e->dims[k] = dims[k];
        }
        if (t >= 0) {
            type_name(t, e->type, sizeof e->type);
            H5Tclose(t);
        }
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
    h5_setup();
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
