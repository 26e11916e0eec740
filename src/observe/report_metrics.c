/* An analysis (cs_metrics) as readable text (the per-run detail of `cogscope
 * report`; the tables and exports are in report_text.c and report_export.c),
 * its within-run aggregates, and its list of arrays, attributes and notes
 * (text or JSON) for `cogscope info METRICS.h5`. */
#include "cogscope/report.h"
#include "cogscope/aperiodic.h"
#include "report_internal.h"

#include <math.h>
#include <string.h>

/* ---- text ------------------------------------------------------------------ */

/* The array of metric `name` (of layer or series `sub`; the metric
 * table's path). */
static const cs_metrics_array *arr(const cs_metrics *m, const char *sub, const char *name)
{
    return obs_metric_get(m, name, sub);
}

/* The layer name of array i ("/analysis/layers/NAME/...") into name, if it
 * is the first array of that layer: 1, else 0. */
static int first_of_layer(const cs_metrics *m, size_t i, char *name, size_t n)
{
    const char *p = cs_metrics_at(m, i)->path, *slash;
    if (strncmp(p, "/analysis/layers/", 17) || !(slash = strchr(p + 17, '/')))
        return 0;
    size_t len = (size_t)(slash - p) + 1;
    for (size_t k = 0; k < i; k++)
        if (!strncmp(cs_metrics_at(m, k)->path, p, len))
            return 0;
    snprintf(name, n, "%.*s", (int)(slash - p - 17), p + 17);
    return 1;
}

/* The first and last finite value of a per-snapshot series (rank 1). */
static void first_last(const cs_metrics_array *a, double *first, double *last)
{
    *first = *last = NAN;
    if (!a || a->rank != 1)
        return;
    for (size_t i = 0; i < a->count; i++)
        if (isfinite(a->data[i])) {
            *first = a->data[i];
            break;
        }
    for (size_t i = a->count; i-- > 0;)
        if (isfinite(a->data[i])) {
            *last = a->data[i];
            break;
        }
}

static const char *or_q(const char *s) { return s ? s : "?"; }

static void num(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, " %10.4f", v);
    else
        fprintf(out, " %10s", "-");
}

/* One row: the measure's name (the report table's title, else the file's
 * description), its first and last finite value. */
static void row(FILE *out, const cs_metrics_array *x, const char *leaf)
{
    const rm_def *d = rm_table_find(leaf);
    char label[44];
    snprintf(label, sizeof label, "%.43s", d->title ? d->title : x->description[0] ? x->description : leaf);
    double f1, l1;
    first_last(x, &f1, &l1);
    fprintf(out, "  %-44s", label);
    num(out, f1);
    num(out, l1);
    fputc('\n', out);
}

/* "mean over 10 of 27 relaxations; 17 NaN" */
static void print_count(FILE *out, size_t valid, size_t total, const char *of)
{
    fprintf(out, "mean over %zu of %zu %s", valid, total, of);
    if (valid < total)
        fprintf(out, "; %zu NaN", total - valid);
}

static double mean_count(const double *v, size_t n, size_t *valid)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += isfinite(v[i]) != 0;
    *valid = k;
    return rm_finite_mean(v, n, 1);
}

/* The within-run mean of metric e's array a (rank 1: every value; rank 2:
 * the last snapshot's row) into out, named `name`; 0 when a does not fit. */
static int within(const obs_metric *e, const cs_metrics_array *a, const char *name, rm_within *out)
{
    if (!a || (a->rank == 2 && !a->dims[0]) || a->rank > 2)
        return 0;
    size_t n = a->rank == 2 ? a->dims[1] : a->count;
    *out = (rm_within){.of = e->within, .total = n};
    snprintf(out->name, sizeof out->name, "%s", name);
    out->mean = mean_count(a->data + (a->rank == 2 ? (a->dims[0] - 1) * n : 0), n, &out->valid);
    return 1;
}

size_t rm_within_run_aggregates(const cs_metrics *m, rm_within *out, size_t max)
{
    size_t k = 0;
    /* the metric table's entries with `within`: the run's, then each layer's */
    for (size_t i = 0; obs_metric_at(i) && k < max; i++) {
        const obs_metric *e = obs_metric_at(i);
        if (e->within && e->path && !strchr(e->path, '{'))
            k += (size_t)within(e, obs_metric_get(m, e->name, NULL), e->within_key, &out[k]);
    }
    for (size_t li = 0; li < cs_metrics_count(m) && k < max; li++) {
        char layer[128], name[96];
        if (!first_of_layer(m, li, layer, sizeof layer))
            continue;
        for (size_t i = 0; obs_metric_at(i) && k < max; i++) {
            const obs_metric *e = obs_metric_at(i);
            if (!e->within || !e->path || strncmp(e->path, "layers/{layer}/", 15))
                continue;
            snprintf(name, sizeof name, "layers/%.60s/%s", layer, e->within_key);
            k += (size_t)within(e, arr(m, layer, e->name), name, &out[k]);
        }
    }
    return k;
}

static const rm_within *find_within(const rm_within *ag, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ag[i].name, name))
            return &ag[i];
    return NULL;
}

/* The flag of a row, when the analysis flagged any of its snapshots: the
 * metric table's flag of the metric (binned_saturated for the binned
 * values, ity_clamped for ity), in the flag's words. */
static void row_flag(FILE *out, const cs_metrics *m, const char *layer, const char *leaf)
{
    const obs_metric *e = obs_metric_find(leaf), *fe = e && e->flag ? obs_metric_find(e->flag) : NULL;
    const cs_metrics_array *f = fe ? arr(m, layer, fe->name) : NULL;
    size_t k = 0;
    for (size_t i = 0; f && i < f->count; i++)
        k += f->data[i] == 1;
    if (k)
        fprintf(out, "    [%s at %zu of %zu snapshots: %s]\n", fe->flag_word, k, f->count, fe->flag_says);
}

/* One within-run mean of the text: "  NAME   0.1234 (mean over 3 of 4 top pairs; 1 NaN)". */
static void within_line(FILE *out, const rm_within *a, const char *title, const char *why)
{
    fprintf(out, "  %-34s %10.4f (", title, a->mean);
    print_count(out, a->valid, a->total, a->of);
    fprintf(out, "%s)\n", a->valid < a->total ? why : "");
}

/* A layer: every per-snapshot measure (first, last value, in file order),
 * then the within-run means and the multiplets of the last snapshot. */
static void layer_text(FILE *out, const cs_metrics *m, const char *layer, const cs_metrics_array *ss,
                       const rm_within *ag, size_t na)
{
    char probe[160], key[96], head[64];
    snprintf(probe, sizeof probe, "/analysis/layers/%s/", layer);
    double u0, u1;
    first_last(arr(m, layer, "n_units"), &u0, &u1);
    int w = snprintf(head, sizeof head, "layer %.40s", layer);
    if (isfinite(u1))
        w += snprintf(head + w, sizeof head - (size_t)w, " (%.0f units used)", u1);
    fprintf(out, "%s%*s first       last\n", head, 47 - w + 5, "");
    for (size_t i = 0; i < cs_metrics_count(m); i++) {
        const cs_metrics_array *x = cs_metrics_at(m, i);
        const char *leaf = x->path + strlen(probe);
        if (strncmp(x->path, probe, strlen(probe)) || x->rank != 1 || !ss || x->count != ss->count ||
            strchr(leaf, '/') || (rm_table_find(leaf)->draw & RM_HIDDEN) || !strcmp(x->units, "flag"))
            continue;
        row(out, x, leaf);
        row_flag(out, m, layer, leaf);
    }
    snprintf(key, sizeof key, "layers/%.60s/omega_mean_last", layer);
    const rm_within *a = find_within(ag, na, key);
    if (a)
        within_line(out, a, "Omega of the top pairs (last)", "");
    const cs_metrics_array *o3 = arr(m, layer, "oinfo3_summary");
    if (o3 && o3->rank == 2 && o3->dims[0]) {
        const double *last = o3->data + (o3->dims[0] - 1) * 6;
        snprintf(key, sizeof key, "layers/%.60s/oinfo3_mean_last", layer);
        a = find_within(ag, na, key);
        fprintf(out, "  %-34s median %.4f, 5-95%% [%.4f, %.4f], %.0f%% < 0 (%zu of %zu triplets)\n",
                "O of random triplets (last)", last[2], last[1], last[3], 100 * last[4], a ? a->valid : 0,
                a ? a->total : 0);
    }
    snprintf(key, sizeof key, "layers/%.60s/relax_phi_r_mean", layer);
    if ((a = find_within(ag, na, key)))
        within_line(out, a, "Phi_R of the relaxation", ": singular covariance, see notes");
}

/* The spectra of the per-step series: χ where a power law holds, the fit
 * range, the significant peaks. */
static void spectra_text(FILE *out, const cs_metrics *m)
{
    int header = 0;
    for (int i = 0; i < 4; i++) {
        const char *name = obs_spectra_series[i];
        const cs_metrics_array *e = arr(m, name, "spectra.{series}.exponent"),
                               *r2 = arr(m, name, "spectra.{series}.r_squared"),
                               *pk = arr(m, name, "spectra.{series}.peaks"),
                               *npl = arr(m, name, "spectra.{series}.no_power_law"),
                               *fr = arr(m, name, "spectra.{series}.fit_range"),
                               *pa = arr(m, name, "spectra.{series}.peak_alpha");
        if (!arr(m, name, "spectra.{series}.psd"))
            continue;
        if (!header++)
            fprintf(out,
                    "spectra of the per-step series (aperiodic fit 1/f^chi; a power law only where R^2 >= %.2f)\n",
                    CS_APERIODIC_R2_MIN);
        int law = e && (!npl || npl->data[0] == 0);
        if (!e)
            fprintf(out, "  %-9s chi -", name);
        else if (law)
            fprintf(out, "  %-9s chi %.3f (R^2 %.2f)", name, e->data[0], r2 ? r2->data[0] : NAN);
        else
            fprintf(out, "  %-9s no power law (R^2 %.2f)", name, r2 ? r2->data[0] : NAN);
        if (fr && fr->count == 2)
            fprintf(out, ", fit %.3g-%.3g cycles/step", fr->data[0], fr->data[1]);
        if (pk && pk->rank == 2 && pk->dims[0]) {
            fprintf(out, ", significant peaks (level %.2g) at", pa ? pa->data[0] : NAN);
            for (size_t k = 0; k < pk->dims[0]; k++)
                fprintf(out, " %.4g", pk->data[3 * k]);
            fprintf(out, " cycles/step");
        } else if (e && law)
            fprintf(out, ", no significant peak");
        fputc('\n', out);
    }
}

/* ΣPI: mean (with its count), ∫PI, the per-epoch means, the check against
 * the logged PI. */
static void sigmapi_text(FILE *out, const cs_metrics *m, const rm_within *ag, size_t na)
{
    const cs_metrics_array *integ = arr(m, NULL, "sigmapi.integral"), *mean = arr(m, NULL, "sigmapi.mean"),
                           *em = arr(m, NULL, "sigmapi.epoch_mean"),
                           *diff = arr(m, NULL, "sigmapi.logged_max_abs_diff");
    if (!integ)
        return;
    const rm_within *pa = find_within(ag, na, "sigmapi/mean");
    fprintf(out, "ΣPI (%s, alpha %s, gamma %s, delta %s): mean %.4f", or_q(cs_metrics_attr(m, "pi_variant")),
            or_q(cs_metrics_attr(m, "pi_alpha")), or_q(cs_metrics_attr(m, "pi_gamma")),
            or_q(cs_metrics_attr(m, "pi_delta")), mean ? mean->data[0] : NAN);
    if (pa) {
        fprintf(out, " (");
        print_count(out, pa->valid, pa->total, pa->of);
        fprintf(out, ")");
    }
    fprintf(out, ", ∫PI %.4f", integ->data[0]);
    if (em && em->count)
        fprintf(out, "; per-epoch mean %.4f -> %.4f", em->data[0], em->data[em->count - 1]);
    if (diff && isfinite(diff->data[0]))
        fprintf(out, "; |recomputed - logged| <= %.2g", diff->data[0]);
    fputc('\n', out);
}

cs_status cs_report_metrics_text(FILE *out, const cs_metrics *m)
{
    if (!out || !m)
        return cs_error_set(CS_EINVAL, "cs_report_metrics_text: output and metrics must be given");
    rm_within ag[256];
    size_t na = rm_within_run_aggregates(m, ag, 256);
    fprintf(out, "analysis (%s; estimator %s, seed %s; metrics %s)\n", or_q(cs_metrics_attr(m, "created")),
            or_q(cs_metrics_attr(m, "estimator")), or_q(cs_metrics_attr(m, "seed")),
            or_q(cs_metrics_attr(m, "metrics")));
    const cs_metrics_array *ss = arr(m, NULL, "snapshot_step");
    if (ss && ss->count)
        fprintf(out, "  %zu snapshots, steps %.0f .. %.0f; values in nats\n", ss->count, ss->data[0],
                ss->data[ss->count - 1]);
    for (size_t li = 0; li < cs_metrics_count(m); li++) {
        char layer[128];
        if (first_of_layer(m, li, layer, sizeof layer))
            layer_text(out, m, layer, ss, ag, na);
    }
    spectra_text(out, m);
    sigmapi_text(out, m, ag, na);
    size_t nn = cs_metrics_note_count(m);
    if (nn) {
        fprintf(out, "notes (%zu):\n", nn);
        for (size_t i = 0; i < nn; i++)
            fprintf(out, "  - %s\n", cs_metrics_note(m, i));
    }
    return ferror(out) ? cs_error_set(CS_EIO, "writing the analysis summary failed") : CS_OK;
}

/* ---- what a metrics file holds (`cogscope info METRICS.h5`) ---- */

static void dims_text(char *buf, size_t n, const cs_metrics_array *a)
{
    size_t o = (size_t)snprintf(buf, n, "[");
    for (size_t k = 0; k < a->rank && o < n; k++)
        o += (size_t)snprintf(buf + o, n - o, "%s%zu", k ? ", " : "", a->dims[k]);
    if (o < n)
        snprintf(buf + o, n - o, "]");
}

static void list_text(FILE *out, const cs_metrics *m)
{
    fprintf(out, "cogscope metrics file (%s version %d): analysis of %s (rule %s, %s)\n", CS_METRICS_SCHEMA,
            CS_METRICS_SCHEMA_VERSION, or_q(cs_metrics_attr(m, "run")), or_q(cs_metrics_attr(m, "rule")),
            or_q(cs_metrics_attr(m, "created")));
    fprintf(out, "  metrics %s; estimator %s; %zu arrays, %zu notes\n", or_q(cs_metrics_attr(m, "metrics")),
            or_q(cs_metrics_attr(m, "estimator")), cs_metrics_count(m), cs_metrics_note_count(m));
    for (size_t i = 0; i < cs_metrics_count(m); i++) {
        const cs_metrics_array *a = cs_metrics_at(m, i);
        cs_obs_metric_info e;
        int known = cs_obs_metric_of_path(a->path, &e) == CS_OK;
        char dims[64];
        dims_text(dims, sizeof dims, a);
        fprintf(out, "  %-44s %-12s %-16s %s%s%s%s\n", a->path, dims, a->units,
                known && e.description ? e.description : a->description,
                known ? "" : " (not in this version's table)", known && e.flag ? "; flagged by " : "",
                known && e.flag ? e.flag : "");
    }
}

/* The analysis' attributes (numbers as numbers) and notes, as two JSON keys. */
void rm_json_attributes_notes(cs_json *j, const cs_metrics *m)
{
    cs_json_key(j, "attributes");
    cs_json_begin_object(j);
    for (size_t i = 0; i < cs_metrics_attr_count(m); i++) {
        const char *k = cs_metrics_attr_name(m, i);
        if (cs_metrics_attr_is_num(m, i))
            cs_json_kv_number(j, k, cs_metrics_attr_num(m, k));
        else
            cs_json_kv_string(j, k, cs_metrics_attr(m, k));
    }
    cs_json_end_object(j);
    cs_json_key(j, "notes");
    cs_json_begin_array(j);
    for (size_t i = 0; i < cs_metrics_note_count(m); i++)
        cs_json_string(j, cs_metrics_note(m, i));
    cs_json_end_array(j);
}

static void list_json(FILE *out, const cs_metrics *m)
{
    cs_json j;
    cs_json_init(&j, out);
    cs_json_begin_object(&j);
    cs_json_kv_string(&j, "schema", CS_METRICS_SCHEMA);
    cs_json_kv_int(&j, "schema_version", CS_METRICS_SCHEMA_VERSION);
    cs_json_key(&j, "arrays");
    cs_json_begin_array(&j);
    for (size_t i = 0; i < cs_metrics_count(m); i++) {
        const cs_metrics_array *a = cs_metrics_at(m, i);
        cs_obs_metric_info e;
        int known = cs_obs_metric_of_path(a->path, &e) == CS_OK;
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "path", a->path);
        cs_json_key(&j, "metric");
        known ? cs_json_string(&j, e.name) : cs_json_null(&j);
        cs_json_key(&j, "shape");
        cs_json_begin_array(&j);
        for (size_t k = 0; k < a->rank; k++)
            cs_json_int(&j, (long long)a->dims[k]);
        cs_json_end_array(&j);
        cs_json_kv_string(&j, "units", a->units);
        cs_json_kv_string(&j, "description", known && e.description ? e.description : a->description);
        cs_json_key(&j, "flag");
        known &&e.flag ? cs_json_string(&j, e.flag) : cs_json_null(&j);
        cs_json_key(&j, "computed_by");
        known &&e.computed_by ? cs_json_string(&j, e.computed_by) : cs_json_null(&j);
        cs_json_end_object(&j);
    }
    cs_json_end_array(&j);
    rm_json_attributes_notes(&j, m);
    cs_json_end_object(&j);
    fputc('\n', out);
}

cs_status cs_report_metrics_list(FILE *out, const cs_metrics *m, int json)
{
    if (!out || !m)
        return cs_error_set(CS_EINVAL, "cs_report_metrics_list: output and metrics must be given");
    if (json)
        list_json(out, m);
    else
        list_text(out, m);
    return ferror(out) ? cs_error_set(CS_EIO, "writing the metrics list failed") : CS_OK;
}
