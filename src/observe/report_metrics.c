/* An analysis (cs_metrics) as readable text (the per-run detail of `cogscope
 * report`; the tables and exports are in report_text.c and report_export.c). */
#include "cogscope/report.h"
#include "cogscope/aperiodic.h"
#include "report_internal.h"

#include <math.h>
#include <string.h>

/* ---- text ------------------------------------------------------------------ */

/* /analysis/layers/LAYER/NAME, or /analysis/NAME when layer is NULL. */
static const cs_metrics_array *arr(const cs_metrics *m, const char *layer, const char *name)
{
    char p[256];
    if (layer)
        snprintf(p, sizeof p, "/analysis/layers/%s/%s", layer, name);
    else
        snprintf(p, sizeof p, "/analysis/%s", name);
    return cs_metrics_get(m, p);
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

size_t rm_within_run_aggregates(const cs_metrics *m, rm_within *out, size_t max)
{
    size_t k = 0;
    const cs_metrics_array *pi = arr(m, NULL, "sigmapi/pi");
    if (pi && k < max) {
        out[k] = (rm_within){.of = "steps", .total = pi->count};
        snprintf(out[k].name, sizeof out[k].name, "sigmapi/mean");
        out[k].mean = mean_count(pi->data, pi->count, &out[k].valid);
        k++;
    }
    for (size_t li = 0; li < cs_metrics_count(m) && k < max; li++) {
        char layer[128];
        if (!first_of_layer(m, li, layer, sizeof layer))
            continue;
        const cs_metrics_array *rw = arr(m, layer, "relax_phi_r"), *po = arr(m, layer, "pid_omega"),
                               *o3 = arr(m, layer, "oinfo3");
        if (rw && k < max) {
            out[k] = (rm_within){.of = "relaxations", .total = rw->count};
            snprintf(out[k].name, sizeof out[k].name, "layers/%.60s/relax_phi_r_mean", layer);
            out[k].mean = mean_count(rw->data, rw->count, &out[k].valid);
            k++;
        }
        if (po && po->rank == 2 && po->dims[0] && k < max) {
            size_t P = po->dims[1];
            out[k] = (rm_within){.of = "top pairs", .total = P};
            snprintf(out[k].name, sizeof out[k].name, "layers/%.60s/omega_mean_last", layer);
            out[k].mean = mean_count(po->data + (po->dims[0] - 1) * P, P, &out[k].valid);
            k++;
        }
        if (o3 && o3->rank == 2 && o3->dims[0] && k < max) {
            size_t M = o3->dims[1];
            out[k] = (rm_within){.of = "random triplets", .total = M};
            snprintf(out[k].name, sizeof out[k].name, "layers/%.60s/oinfo3_mean_last", layer);
            out[k].mean = mean_count(o3->data + (o3->dims[0] - 1) * M, M, &out[k].valid);
            k++;
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

/* The flag of a row, when the analysis flagged any of its snapshots:
 * binned_saturated for the binned values, ity_clamped for ity. */
static void row_flag(FILE *out, const cs_metrics *m, const char *layer, const char *leaf)
{
    const char *fname = !strcmp(leaf, "ixt_binned") || !strcmp(leaf, "ity_binned") ? "binned_saturated"
                        : !strcmp(leaf, "ity")                                     ? "ity_clamped"
                                                                                   : NULL;
    const cs_metrics_array *f = fname ? arr(m, layer, fname) : NULL;
    size_t k = 0;
    for (size_t i = 0; f && i < f->count; i++)
        k += f->data[i] == 1;
    if (k)
        fprintf(out, "    [%s at %zu of %zu snapshots: %s]\n", fname[0] == 'b' ? "saturated" : "at a bound", k,
                f->count,
                fname[0] == 'b' ? "more than N/5 binned states, ~ln N and ~H(Y) whatever the layer does"
                                : "the estimate left [0, H(Y)] and is reported as the bound");
}

cs_status cs_report_metrics_text(FILE *out, const cs_metrics *m)
{
    rm_within ag[256];
    size_t na = rm_within_run_aggregates(m, ag, 256);
    if (!out || !m)
        return cs_error_set(CS_EINVAL, "cs_report_metrics_text: output and metrics must be given");
    fprintf(out, "analysis (%s; estimator %s, seed %s; metrics %s)\n", or_q(cs_metrics_attr(m, "created")),
            or_q(cs_metrics_attr(m, "estimator")), or_q(cs_metrics_attr(m, "seed")),
            or_q(cs_metrics_attr(m, "metrics")));
    const cs_metrics_array *ss = arr(m, NULL, "snapshot_step");
    if (ss && ss->count)
        fprintf(out, "  %zu snapshots, steps %.0f .. %.0f; values in nats\n", ss->count, ss->data[0],
                ss->data[ss->count - 1]);
    for (size_t li = 0; li < cs_metrics_count(m); li++) {
        char layer[128], probe[160];
        if (!first_of_layer(m, li, layer, sizeof layer))
            continue;
        snprintf(probe, sizeof probe, "/analysis/layers/%s/", layer);
        double u0, u1;
        first_last(arr(m, layer, "n_units"), &u0, &u1);
        char head[64];
        int w = snprintf(head, sizeof head, "layer %.40s", layer);
        if (isfinite(u1))
            w += snprintf(head + w, sizeof head - (size_t)w, " (%.0f units used)", u1);
        fprintf(out, "%s%*s first       last\n", head, 47 - w + 5, "");
        /* every per-snapshot measure of the layer, in file order */
        for (size_t i = 0; i < cs_metrics_count(m); i++) {
            const cs_metrics_array *x = cs_metrics_at(m, i);
            const char *leaf = x->path + strlen(probe);
            if (strncmp(x->path, probe, strlen(probe)) || x->rank != 1 || !ss || x->count != ss->count ||
                strchr(leaf, '/') || (rm_table_find(leaf)->flags & RM_HIDDEN) || !strcmp(x->units, "flag"))
                continue;
            row(out, x, leaf);
            row_flag(out, m, layer, leaf);
        }
        char key[96];
        snprintf(key, sizeof key, "layers/%.60s/omega_mean_last", layer);
        const rm_within *a = find_within(ag, na, key);
        if (a) {
            fprintf(out, "  %-34s %10.4f (", "Omega of the top pairs (last)", a->mean);
            print_count(out, a->valid, a->total, a->of);
            fprintf(out, ")\n");
        }
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
        if ((a = find_within(ag, na, key))) {
            fprintf(out, "  %-34s %10.4f (", "Phi_R of the relaxation", a->mean);
            print_count(out, a->valid, a->total, a->of);
            fprintf(out, "%s)\n", a->valid < a->total ? ": singular covariance, see notes" : "");
        }
    }
    const char *names[4] = {"loss", "pi", "surprise", "tau"};
    int header = 0;
    for (int i = 0; i < 4; i++) {
        char p[96];
        snprintf(p, sizeof p, "/analysis/spectra/%s/exponent", names[i]);
        const cs_metrics_array *e = cs_metrics_get(m, p);
        snprintf(p, sizeof p, "/analysis/spectra/%s/r_squared", names[i]);
        const cs_metrics_array *r2 = cs_metrics_get(m, p);
        snprintf(p, sizeof p, "/analysis/spectra/%s/peaks", names[i]);
        const cs_metrics_array *pk = cs_metrics_get(m, p);
        snprintf(p, sizeof p, "/analysis/spectra/%s/no_power_law", names[i]);
        const cs_metrics_array *npl = cs_metrics_get(m, p);
        snprintf(p, sizeof p, "/analysis/spectra/%s/fit_range", names[i]);
        const cs_metrics_array *fr = cs_metrics_get(m, p);
        snprintf(p, sizeof p, "/analysis/spectra/%s/peak_alpha", names[i]);
        const cs_metrics_array *pa = cs_metrics_get(m, p);
        snprintf(p, sizeof p, "/analysis/spectra/%s/psd", names[i]);
        if (!cs_metrics_get(m, p))
            continue;
        if (!header++)
            fprintf(out, "spectra of the per-step series (aperiodic fit 1/f^chi; a power law only where R^2 >= %.2f)\n",
                    CS_APERIODIC_R2_MIN);
        int law = e && (!npl || npl->data[0] == 0);
        if (!e)
            fprintf(out, "  %-9s chi -", names[i]);
        else if (law)
            fprintf(out, "  %-9s chi %.3f (R^2 %.2f)", names[i], e->data[0], r2 ? r2->data[0] : NAN);
        else
            fprintf(out, "  %-9s no power law (R^2 %.2f)", names[i], r2 ? r2->data[0] : NAN);
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
    const cs_metrics_array *integ = arr(m, NULL, "sigmapi/integral"), *mean = arr(m, NULL, "sigmapi/mean"),
                           *em = arr(m, NULL, "sigmapi/epoch_mean"), *diff = arr(m, NULL, "sigmapi/logged_max_abs_diff");
    if (integ) {
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
    size_t nn = cs_metrics_note_count(m);
    if (nn) {
        fprintf(out, "notes (%zu):\n", nn);
        for (size_t i = 0; i < nn; i++)
            fprintf(out, "  - %s\n", cs_metrics_note(m, i));
    }
    return ferror(out) ? cs_error_set(CS_EIO, "writing the analysis summary failed") : CS_OK;
}
