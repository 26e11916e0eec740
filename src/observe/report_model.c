/* The report model: one run log and its metrics file as tidy series
 * (report_internal.h). Everything is found by listing, not by a fixed list:
 * every 1-D series of /steps, /layers/L and /eval the reader serves, the
 * relaxation energy, and every dataset of the metrics file by its shape
 * (docs/report.md, "How datasets become series"). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/phiid.h"
#include "report_internal.h"

/* ---- series storage ---- */

static rm_series *push(rm_run *r, const char *metric, size_t layer, rm_kind kind, size_t n)
{
    rm_series *grown = cs_grow(r->s, &r->cap, r->ns, sizeof *grown, 64);
    if (!grown)
        return NULL;
    r->s = grown;
    rm_series *s = &r->s[r->ns];
    memset(s, 0, sizeof *s);
    s->x = malloc((n ? n : 1) * sizeof *s->x);
    s->y = malloc((n ? n : 1) * sizeof *s->y);
    if (!s->x || !s->y) {
        free(s->x);
        free(s->y);
        return NULL;
    }
    snprintf(s->metric, sizeof s->metric, "%s", metric);
    s->layer = layer;
    s->kind = kind;
    s->n = n;
    s->def = rm_table_find(metric);
    r->ns++;
    return s;
}

static void describe(rm_series *s, const char *units, const char *description)
{
    snprintf(s->units, sizeof s->units, "%s", units && units[0] ? units : "1");
    snprintf(s->description, sizeof s->description, "%s",
             description && description[0] ? description
             : s->def->title               ? s->def->title
                                           : s->metric);
}

const rm_series *rm_run_find(const rm_run *r, const char *metric, size_t layer)
{
    for (size_t i = 0; i < r->ns; i++)
        if (r->s[i].layer == layer && !strcmp(r->s[i].metric, metric))
            return &r->s[i];
    return NULL;
}

void rm_run_free(rm_run *r)
{
    for (size_t i = 0; i < r->ns; i++) {
        free(r->s[i].x);
        free(r->s[i].y);
        free(r->s[i].flag);
    }
    free(r->s);
    free(r->step);
    free(r->epoch);
    free(r->xepoch);
    free(r->cfg);
    cs_summary_free(&r->sum);
    memset(r, 0, sizeof *r);
}

/* ---- the run log ---- */

static const char *log_units(const char *name)
{
    static const char *const nats[] = {"loss", "tau", "test_loss", "test_tau"};
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(name, nats[i]))
            return "nats";
    if (!strcmp(name, "batch_acc") || !strcmp(name, "test_acc"))
        return "fraction";
    if (!strcmp(name, "bp_angle_deg"))
        return "degrees";
    return "1";
}

/* Take over a series read from the log (values owned by the caller). */
static cs_status add_log_series(rm_run *r, const char *metric, size_t layer, rm_kind kind, const double *x,
                                const double *y, size_t n)
{
    rm_series *s = push(r, metric, layer, kind, n);
    if (!s)
        return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->file);
    if (n) { /* x, y may be NULL when empty */
        memcpy(s->x, x, n * sizeof *x);
        memcpy(s->y, y, n * sizeof *y);
    }
    s->def = rm_table_find_log(metric);
    char desc[160];
    snprintf(desc, sizeof desc, "%s (run log, %s)", metric, kind == RM_EPOCH ? "per evaluation" : "per step");
    describe(s, log_units(metric), s->def->title ? NULL : desc);
    return CS_OK;
}

/* Every series item of the log (cs_runlog_item): /steps/NAME, /layers/L/NAME
 * and /eval/NAME (as test_NAME), whatever the writer declared. */
static cs_status load_log_series(rm_run *r)
{
    double *estep = NULL;
    size_t ne = 0;
    cs_status st = CS_OK;
    if (cs_runlog_find(r->log, CS_RUNLOG_EVAL_SERIES, 0, "step"))
        st = cs_runlog_read_eval(r->log, "step", &estep, &ne);
    for (size_t i = 0; i < cs_runlog_item_count(r->log) && st == CS_OK; i++) {
        const cs_runlog_item *it = cs_runlog_item_at(r->log, i);
        int step = it->kind == CS_RUNLOG_STEP_SERIES, layer = it->kind == CS_RUNLOG_LAYER_SERIES,
            eval = it->kind == CS_RUNLOG_EVAL_SERIES;
        if (!(step || layer || eval) || !strcmp(it->name, "step") || !strcmp(it->name, "epoch") || (eval && !estep))
            continue;
        double *v = NULL;
        size_t n = 0;
        if ((st = cs_runlog_read_series(r->log, it, &v, &n)) != CS_OK)
            break;
        char metric[96];
        snprintf(metric, sizeof metric, "%s%.80s", eval ? "test_" : "", it->name);
        if (eval)
            st = add_log_series(r, metric, 0, RM_EPOCH, estep, v, n < ne ? n : ne);
        else
            st = add_log_series(r, metric, layer ? it->layer + 1 : 0, RM_STEP, r->step, v,
                                n < r->n_steps ? n : r->n_steps);
        free(v);
    }
    free(estep);
    return st;
}

/* Energy at the last iteration of every relaxation (x: the snapshot step
 * when every snapshot has one, else the relaxation number) and along the
 * iterations of the last one. */
static cs_status load_relax(rm_run *r, const double *snap, size_t ns)
{
    const cs_runlog_item *it = cs_runlog_find(r->log, CS_RUNLOG_RELAX_ENERGY, 0, "energy");
    size_t nr = it ? it->length : 0;
    if (!nr)
        return CS_OK;
    rm_series *fin = push(r, "relax_energy_final", 0, nr == ns ? RM_SNAPSHOT : RM_INDEX, nr);
    if (!fin)
        return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->file);
    describe(fin, "1", "energy at the last relaxation iteration");
    for (size_t k = 0; k < nr; k++) {
        cs_matrix e;
        cs_status st = cs_runlog_read_entry(r->log, it, k, &e);
        if (st != CS_OK)
            return st;
        size_t n = e.rows * e.cols;
        fin->x[k] = nr == ns ? snap[k] : (double)k;
        fin->y[k] = n ? e.data[n - 1] : NAN;
        rm_series *traj = k == nr - 1 ? push(r, "relax_energy", 0, RM_INDEX, n) : NULL;
        if (k == nr - 1 && !traj) {
            cs_matrix_free(&e);
            return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->file);
        }
        if (traj) {
            describe(traj, "1", "energy along the iterations of the last relaxation");
            for (size_t i = 0; i < n; i++) {
                traj->x[i] = (double)i;
                traj->y[i] = e.data[i];
            }
        }
        cs_matrix_free(&e);
    }
    return CS_OK;
}

/* ---- the metrics file ---- */

/* "layers/fc1/oinfo" -> ("oinfo", index of layer fc1 + 1);
 * "spectra/loss/psd" -> ("spectra.loss.psd", 0). A layer the run does not
 * have keeps its path as the key, at layer 0. */
static size_t metric_key(const rm_run *r, const char *path, char *out, size_t n)
{
    const char *rel = !strncmp(path, "/analysis/", 10) ? path + 10 : path + (path[0] == '/');
    const char *slash = !strncmp(rel, "layers/", 7) ? strchr(rel + 7, '/') : NULL;
    if (slash) {
        char name[CS_RUNLOG_NAME_MAX + 1];
        snprintf(name, sizeof name, "%.*s", (int)(slash - rel - 7), rel + 7);
        size_t li = cs_runlog_layer_find(r->log, name);
        if (li != (size_t)-1) {
            snprintf(out, n, "%s", slash + 1);
            return li + 1;
        }
    }
    snprintf(out, n, "%s", rel);
    for (char *c = out; *c; c++)
        if (*c == '/')
            *c = '.';
    return 0;
}

static const cs_metrics_array *sibling(const cs_metrics *m, const char *path, const char *leaf)
{
    char p[160];
    const char *slash = strrchr(path, '/');
    snprintf(p, sizeof p, "%.*s/%s", (int)(slash - path), path, leaf);
    return cs_metrics_get(m, p);
}

/* Arrays that are the x of others, never series themselves. */
int rm_is_axis(const char *leaf)
{
    size_t n = strlen(leaf);
    return !strcmp(leaf, "step") || !strcmp(leaf, "epoch") || !strcmp(leaf, "freq") ||
           !strcmp(leaf, "window_start") || (n > 5 && !strcmp(leaf + n - 5, "_freq")) ||
           !strcmp(leaf, "snapshot_step");
}

/* Words that make a dataset named X_WORD a flag (0/1 per value) whatever
 * its units: the analysis's indicators (docs/report.md, "Flags"). */
static const char *const flag_words[] = {"flag",       "saturated",    "clamped",  "singular",
                                         "degenerate", "no_power_law", "diverged", "unreliable"};

static const char *flag_word(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0]; i++) {
        size_t w = strlen(flag_words[i]);
        if (n > w + 1 && !strcmp(path + n - w, flag_words[i]) && (path[n - w - 1] == '_' || path[n - w - 1] == '/'))
            return path + n - w;
    }
    return NULL;
}

static int is_flag(const cs_metrics_array *a) { return !strcmp(a->units, "flag") || flag_word(a->path); }

/* The x of a rank-1 metrics array that is not per snapshot: a sibling
 * step/epoch/window_start/freq array of the same length. */
static rm_kind rank1_x(const rm_run *r, const cs_metrics_array *a, const cs_metrics_array **xa)
{
    const char *leaf = strrchr(a->path, '/') + 1;
    char fq[96];
    const char *us = strrchr(leaf, '_');
    snprintf(fq, sizeof fq, "%.*s_freq", us ? (int)(us - leaf) : 0, leaf);
    const struct {
        const char *name;
        rm_kind kind;
    } cand[] = {{"step", RM_STEP}, {"epoch", RM_EPOCH}, {"window_start", RM_STEP}, {fq, RM_FREQ}, {"freq", RM_FREQ}};
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++) {
        const cs_metrics_array *s = sibling(r->m, a->path, cand[i].name);
        if (s && s != a && s->rank == 1 && s->count == a->count) {
            *xa = s;
            return cand[i].kind;
        }
    }
    *xa = NULL;
    return a->count == 1 ? RM_SCALAR : RM_INDEX;
}

/* The step that ends epoch e (x of per-epoch values from the analysis). */
static double epoch_end_step(const rm_run *r, double e)
{
    double last = NAN;
    for (size_t i = 0; i < r->n_steps; i++)
        if (r->epoch[i] == e)
            last = r->step[i];
    return last;
}

static cs_status add_rank1(rm_run *r, const cs_metrics_array *a, const char *metric, size_t layer,
                           const cs_metrics_array *snap)
{
    const cs_metrics_array *xa = NULL;
    rm_kind kind = layer && snap && a->count == snap->count ? RM_SNAPSHOT : rank1_x(r, a, &xa);
    if (kind == RM_SNAPSHOT)
        xa = snap;
    rm_series *s = push(r, metric, layer, kind, a->count);
    if (!s)
        return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->mfile);
    for (size_t i = 0; i < a->count; i++) {
        s->y[i] = a->data[i];
        s->x[i] = kind == RM_SCALAR  ? NAN
                  : kind == RM_INDEX ? (double)i
                  : kind == RM_EPOCH ? epoch_end_step(r, xa->data[i])
                                     : xa->data[i];
    }
    describe(s, a->units, a->description);
    return CS_OK;
}

/* Rank-2 arrays [S, K] per layer: the table of how each becomes series
 * (the analysis layout in docs/schema.md): quantile summaries and ΦID atoms
 * by column, PID per pair as the mean over the pairs; anything else stays a
 * raw array in the JSON only. */
static const char *const summary_cols[6] = {"mean", "q05", "median", "q95", "frac_neg", "count"};

static cs_status add_rank2(rm_run *r, const cs_metrics_array *a, const char *name, size_t layer,
                           const cs_metrics_array *snap)
{
    size_t S = a->dims[0], K = a->dims[1], nlen = strlen(name);
    /* the metric table's shape; for an array it does not know, the name */
    const obs_metric *e = obs_metric_of_path(a->path, NULL, 0);
    int summary = (e ? e->shape == OBS_SHAPE_SNAP_SUMMARY : nlen > 8 && !strcmp(name + nlen - 8, "_summary")) &&
                  K == 6;
    int atoms = (e ? e->shape == OBS_SHAPE_SNAP_ATOMS || e->shape == OBS_SHAPE_RELAX_ATOMS
                   : nlen > 12 && !strcmp(name + nlen - 12, "_phiid_atoms")) &&
                K == CS_PHIID_NATOMS;
    int pairs = e ? e->shape == OBS_SHAPE_SNAP_PAIRS : !strncmp(name, "pid_", 4) && strcmp(a->units, "index") != 0;
    if (a->rank != 2 || !layer || !snap || S != snap->count || !(summary || atoms || pairs))
        return CS_OK;
    size_t ncols = pairs ? 1 : K;
    for (size_t c = 0; c < ncols; c++) {
        char metric[96];
        if (pairs)
            snprintf(metric, sizeof metric, "%s", name);
        else if (summary)
            snprintf(metric, sizeof metric, "%.*s_%s", (int)(nlen - 8 < 80 ? nlen - 8 : 80), name, summary_cols[c]);
        else
            snprintf(metric, sizeof metric, "%.80s_%s", name, cs_phiid_atom_name((int)c));
        rm_series *s = push(r, metric, layer, RM_SNAPSHOT, S);
        if (!s)
            return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->mfile);
        for (size_t i = 0; i < S; i++) {
            s->x[i] = snap->data[i];
            if (!pairs) {
                s->y[i] = a->data[i * K + c];
                continue;
            }
            s->y[i] = rm_finite_mean(a->data + i * K, K, 1);
        }
        char desc[240];
        snprintf(desc, sizeof desc, "%.200s%s%s", a->description, pairs ? " (mean over the pairs)" : ": ",
                 pairs     ? ""
                 : summary ? summary_cols[c]
                           : cs_phiid_atom_name((int)c));
        describe(s, summary && c >= 4 ? "1" : a->units, desc);
    }
    return CS_OK;
}

/* A flag dataset NAME_FLAG (units "flag", or a name ending in _flag) marks
 * the values of series NAME with the same shape; a one-value flag with no
 * such series marks every scalar of its group (spectra/loss/no_power_law). */
static cs_status mark(rm_run *r, rm_series *s, const double *v, size_t nv, const char *fname)
{
    /* a flag dataset that flags nothing (the analysis writes its indicators
     * for every snapshot) leaves the series unflagged */
    int any = 0;
    for (size_t k = 0; k < s->n && !any; k++) {
        double f = v[nv == 1 ? 0 : k];
        any = f != 0 && !isnan(f);
    }
    if (!any)
        return CS_OK;
    if (!s->flag && !(s->flag = calloc(s->n ? s->n : 1, 1)))
        return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->mfile);
    for (size_t k = 0; k < s->n; k++) {
        double f = v[nv == 1 ? 0 : k];
        s->flag[k] |= f != 0 && !isnan(f);
    }
    if (!strcmp(fname, "flag"))
        fname = "flagged";
    size_t have = strlen(s->flag_name);
    if (have + strlen(fname) + 2 < sizeof s->flag_name && !strstr(s->flag_name, fname))
        snprintf(s->flag_name + have, sizeof s->flag_name - have, "%s%s", have ? ";" : "", fname);
    return CS_OK;
}

/* Does series name `m` belong to base X of a flag X_WORD: m = X or m = *_X? */
static int flag_base_matches(const char *m, const char *x, size_t xl)
{
    size_t ml = strlen(m);
    return (ml == xl && !strncmp(m, x, xl)) || (ml > xl && m[ml - xl - 1] == '_' && !strncmp(m + ml - xl, x, xl));
}

static cs_status apply_flag(rm_run *r, const cs_metrics_array *a)
{
    char key[96];
    size_t layer = metric_key(r, a->path, key, sizeof key);
    /* NAME_FLAG: the series whose name is the longest prefix NAME */
    rm_series *best = NULL;
    for (size_t i = 0; i < r->ns; i++) {
        rm_series *s = &r->s[i];
        size_t ml = strlen(s->metric);
        if (s->layer == layer && s->n == a->count && !strncmp(key, s->metric, ml) && key[ml] == '_' &&
            (!best || ml > strlen(best->metric)))
            best = s;
    }
    if (best)
        return mark(r, best, a->data, a->count, key + strlen(best->metric) + 1);
    cs_status st = CS_OK;
    /* X_WORD with a flag word: every series X or *_X of the same shape
     * (binned_saturated flags ixt_binned and ity_binned) */
    const char *word = flag_word(key);
    size_t xl = word && word > key + 1 ? (size_t)(word - key - 1) : 0;
    int hit = 0;
    for (size_t i = 0; i < r->ns && st == CS_OK && xl; i++) {
        rm_series *s = &r->s[i];
        if (s->layer == layer && s->n == a->count && flag_base_matches(s->metric, key, xl)) {
            st = mark(r, s, a->data, a->count, word);
            hit = 1;
        }
    }
    /* a one-value flag of a group (spectra.loss.no_power_law): its scalars */
    const char *dot = strrchr(key, '.');
    for (size_t i = 0; i < r->ns && st == CS_OK && !hit && a->count == 1 && dot; i++) {
        rm_series *s = &r->s[i];
        if (s->kind == RM_SCALAR && s->layer == layer && !strncmp(s->metric, key, (size_t)(dot - key) + 1))
            st = mark(r, s, a->data, 1, dot + 1);
    }
    return st;
}

static cs_status load_metrics(rm_run *r)
{
    const cs_metrics_array *snap = obs_metric_get(r->m, "snapshot_step", NULL);
    cs_status st = CS_OK;
    size_t n = cs_metrics_count(r->m);
    for (size_t i = 0; i < n && st == CS_OK; i++) {
        const cs_metrics_array *a = cs_metrics_at(r->m, i);
        char key[96];
        size_t layer = metric_key(r, a->path, key, sizeof key);
        const char *leaf = strrchr(a->path, '/') + 1;
        if (rm_is_axis(leaf) || is_flag(a))
            continue;
        st = a->rank == 1 ? add_rank1(r, a, key, layer, snap) : add_rank2(r, a, key, layer, snap);
    }
    for (size_t i = 0; i < n && st == CS_OK; i++)
        if (is_flag(cs_metrics_at(r->m, i)))
            st = apply_flag(r, cs_metrics_at(r->m, i));
    return st;
}

/* ---- configuration ---- */

static cs_status add_cfg(rm_run *r, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static cs_status add_cfg(rm_run *r, const char *key, const char *fmt, ...)
{
    rm_kv *c = realloc(r->cfg, (r->ncfg + 1) * sizeof *c);
    if (!c)
        return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->file);
    r->cfg = c;
    rm_kv *kv = &c[r->ncfg++];
    snprintf(kv->key, sizeof kv->key, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(kv->value, sizeof kv->value, fmt, ap);
    va_end(ap);
    return CS_OK;
}

/* Every /config entry as text, in the log's order (the seed is the group
 * key's exception and kept apart; flush_interval is the writer's, not the
 * run's). Arrays are joined with "-" ("64-100-10"). */
static cs_status load_config(rm_run *r)
{
    /* the conventional keys first, in this order; then the others */
    static const char *const first[] = {"rule", "dataset",  "layers", "activation", "optimizer",
                                        "lr",   "momentum", "batch",  "epochs"};
    const size_t nf = sizeof first / sizeof first[0], nm = cs_runlog_meta_count(r->log);
    cs_status st = CS_OK;
    for (size_t q = 0; q < nf + nm && st == CS_OK; q++) {
        const cs_runlog_meta *m = q < nf ? cs_runlog_meta_find(r->log, first[q]) : cs_runlog_meta_at(r->log, q - nf);
        int early = 0;
        for (size_t k = 0; m && q >= nf && k < nf; k++)
            early |= !strcmp(m->name, first[k]);
        if (!m || early || !strcmp(m->name, "seed") || !strcmp(m->name, "flush_interval") ||
            !strcmp(m->name, "layer_series"))
            continue;
        char v[96] = "";
        size_t o = 0;
        for (size_t k = 0; k < m->count && o < sizeof v; k++)
            o += (size_t)(m->is_string ? snprintf(v + o, sizeof v - o, "%s%s", k ? "-" : "", m->strings[k])
                                       : snprintf(v + o, sizeof v - o, "%s%.6g", k ? "-" : "", m->values[k]));
        st = add_cfg(r, m->name, "%s", v);
    }
    return st;
}

/* ---- a run ---- */

/* The step and epoch of each logged step; a log without them counts steps
 * from 0 in one epoch. */
static cs_status load_step_map(rm_run *r)
{
    size_t n = r->info.steps, n1 = n, n2 = n;
    cs_status st = CS_OK;
    if (cs_runlog_find(r->log, CS_RUNLOG_STEP_SERIES, 0, "step"))
        st = cs_runlog_read_steps(r->log, "step", &r->step, &n1);
    if (st == CS_OK && cs_runlog_find(r->log, CS_RUNLOG_STEP_SERIES, 0, "epoch"))
        st = cs_runlog_read_steps(r->log, "epoch", &r->epoch, &n2);
    if (st != CS_OK)
        return st;
    r->n_steps = n1 < n2 ? n1 : n2;
    if (!r->step && !(r->step = malloc((n ? n : 1) * sizeof *r->step)))
        return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->file);
    if (!r->epoch && !(r->epoch = calloc(n ? n : 1, sizeof *r->epoch)))
        return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->file);
    if (n1 == n && !cs_runlog_find(r->log, CS_RUNLOG_STEP_SERIES, 0, "step"))
        for (size_t i = 0; i < n; i++)
            r->step[i] = (double)i;
    return CS_OK;
}

cs_status rm_run_load(rm_run *r, const cs_report_run *in)
{
    memset(r, 0, sizeof *r);
    r->log = in->run;
    r->m = in->metrics;
    r->info = *cs_runlog_get_info(in->run);
    snprintf(r->file, sizeof r->file, "%s", cs_runlog_path(in->run));
    snprintf(r->mfile, sizeof r->mfile, "%s", in->metrics_path ? in->metrics_path : "");
    if (in->label)
        snprintf(r->label, sizeof r->label, "%s", in->label);
    else if (r->info.rule[0] && cs_runlog_meta_find(in->run, "seed"))
        snprintf(r->label, sizeof r->label, "%s seed %llu", r->info.rule, (unsigned long long)r->info.seed);
    else /* a log without rule or seed (a PyTorch Observer's): its file name */
        snprintf(r->label, sizeof r->label, "%.150s", strrchr(r->file, '/') ? strrchr(r->file, '/') + 1 : r->file);
    cs_status st = load_step_map(r);
    double *snap = NULL;
    size_t ns = 0;
    if (st == CS_OK)
        st = cs_runlog_read_snapshot_steps(r->log, &snap, &ns);
    if (st == CS_OK)
        st = cs_summary_compute(r->log, &r->sum);
    if (st == CS_OK)
        st = load_config(r);
    if (st == CS_OK)
        st = load_log_series(r);
    if (st == CS_OK)
        st = load_relax(r, snap, ns);
    if (st == CS_OK && r->m)
        st = load_metrics(r);
    free(snap);
    if (st != CS_OK)
        rm_run_free(r);
    return st;
}

const char *rm_layer_name(const rm_run *r, size_t layer)
{
    const char *n = layer ? cs_runlog_layer_name(r->log, layer - 1) : NULL;
    return n ? n : "";
}

size_t rm_max_layer(const cs_report *rep)
{
    size_t L = 0;
    for (size_t k = 0; k < rep->nr; k++)
        for (size_t i = 0; i < rep->runs[k].ns; i++)
            if (rep->runs[k].s[i].layer > L)
                L = rep->runs[k].s[i].layer;
    return L;
}
