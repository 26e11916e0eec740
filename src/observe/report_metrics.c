/* An analysis (cs_metrics) as readable text and as JSON with every number. */
#include "cogscope/report.h"

#include <math.h>
#include <string.h>

/* Values nested by rank (1..CS_METRICS_MAX_RANK = 3), row-major. */
static void json_values(cs_json *j, const cs_metrics_array *a)
{
    if (a->rank == 1) {
        cs_json_numbers(j, a->data, a->dims[0]);
        return;
    }
    size_t d1 = a->dims[1], d2 = a->rank == 3 ? a->dims[2] : 1;
    cs_json_begin_array(j);
    for (size_t i = 0; i < a->dims[0]; i++) {
        if (a->rank == 2) {
            cs_json_numbers(j, a->data + i * d1, d1);
            continue;
        }
        cs_json_begin_array(j);
        for (size_t k = 0; k < d1; k++)
            cs_json_numbers(j, a->data + (i * d1 + k) * d2, d2);
        cs_json_end_array(j);
    }
    cs_json_end_array(j);
}

void cs_report_metrics_json(cs_json *j, const cs_metrics *m)
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
    cs_json_key(j, "arrays");
    cs_json_begin_object(j);
    for (size_t i = 0; i < cs_metrics_count(m); i++) {
        const cs_metrics_array *a = cs_metrics_at(m, i);
        cs_json_key(j, a->path);
        cs_json_begin_object(j);
        cs_json_kv_string(j, "units", a->units);
        cs_json_kv_string(j, "description", a->description);
        cs_json_key(j, "dims");
        cs_json_begin_array(j);
        for (size_t k = 0; k < a->rank; k++)
            cs_json_int(j, (long long)a->dims[k]);
        cs_json_end_array(j);
        cs_json_key(j, "values");
        json_values(j, a);
        cs_json_end_object(j);
    }
    cs_json_end_object(j);
}

/* ---- text ------------------------------------------------------------------ */

static const cs_metrics_array *arr(const cs_metrics *m, size_t layer, const char *name)
{
    char p[128];
    if (layer)
        snprintf(p, sizeof p, "/analysis/layers/%zu/%s", layer, name);
    else
        snprintf(p, sizeof p, "/analysis/%s", name);
    return cs_metrics_get(m, p);
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

static void row(FILE *out, const cs_metrics *m, size_t layer, const char *label, const char *a, const char *b)
{
    const cs_metrics_array *x = arr(m, layer, a), *y = b ? arr(m, layer, b) : NULL;
    if (!x && !y)
        return;
    double f1, l1, f2 = NAN, l2 = NAN;
    first_last(x, &f1, &l1);
    if (y)
        first_last(y, &f2, &l2);
    fprintf(out, "  %-34s", label);
    num(out, f1);
    num(out, l1);
    if (b) {
        num(out, f2);
        num(out, l2);
    }
    fputc('\n', out);
}

/* Mean of a rank-1 array's finite values. */
static double finite_mean(const cs_metrics_array *a)
{
    if (!a)
        return NAN;
    double s = 0;
    size_t k = 0;
    for (size_t i = 0; i < a->count; i++)
        if (isfinite(a->data[i])) {
            s += a->data[i];
            k++;
        }
    return k ? s / (double)k : NAN;
}

cs_status cs_report_metrics_text(FILE *out, const cs_metrics *m)
{
    if (!out || !m)
        return cs_error_set(CS_EINVAL, "cs_report_metrics_text: output and metrics must be given");
    fprintf(out, "analysis (%s; estimator %s, seed %s; metrics %s)\n", or_q(cs_metrics_attr(m, "created")),
            or_q(cs_metrics_attr(m, "estimator")), or_q(cs_metrics_attr(m, "seed")),
            or_q(cs_metrics_attr(m, "metrics")));
    const cs_metrics_array *ss = arr(m, 0, "snapshot_step");
    if (ss && ss->count)
        fprintf(out, "  %zu snapshots, steps %.0f .. %.0f; values in nats\n", ss->count, ss->data[0],
                ss->data[ss->count - 1]);
    for (size_t layer = 1; layer < 64; layer++) {
        char probe[64];
        snprintf(probe, sizeof probe, "/analysis/layers/%zu/", layer);
        int any = 0;
        for (size_t i = 0; i < cs_metrics_count(m) && !any; i++)
            any = !strncmp(cs_metrics_at(m, i)->path, probe, strlen(probe));
        if (!any)
            break;
        double u0, u1;
        first_last(arr(m, layer, "n_units"), &u0, &u1);
        fprintf(out, "layer %zu", layer);
        if (isfinite(u1))
            fprintf(out, " (%.0f units used)", u1);
        fprintf(out, "%*s first       last\n", isfinite(u1) ? 20 : 37, "");
        row(out, m, layer, "I(X;T) binned", "ixt_binned", NULL);
        row(out, m, layer, "I(T;Y) binned", "ity_binned", NULL);
        row(out, m, layer, "I(X;T) continuous", "ixt", NULL);
        row(out, m, layer, "I(T;Y) continuous", "ity", NULL);
        row(out, m, layer, "TC", "tc", NULL);
        row(out, m, layer, "DTC", "dtc", NULL);
        row(out, m, layer, "O-information", "oinfo", NULL);
        row(out, m, layer, "TSE complexity", "tse", NULL);
        row(out, m, layer, "mean Omega of top pairs", "omega_mean", NULL);
        row(out, m, layer, "mean PID synergy of top pairs", "synergy_mean", NULL);
        row(out, m, layer, "Phi_WMS (consecutive snapshots)", "snap_phi_wms", NULL);
        row(out, m, layer, "Phi_R (consecutive snapshots)", "snap_phi_r", NULL);
        const cs_metrics_array *o3 = arr(m, layer, "oinfo3_summary");
        if (o3 && o3->rank == 2 && o3->dims[0]) {
            const double *last = o3->data + (o3->dims[0] - 1) * 6;
            fprintf(out, "  %-34s median %.4f, 5-95%% [%.4f, %.4f], %.0f%% < 0\n", "O of random triplets (last)",
                    last[2], last[1], last[3], 100 * last[4]);
        }
        const cs_metrics_array *rw = arr(m, layer, "relax_phi_r");
        if (rw)
            fprintf(out, "  %-34s %10.4f (mean over %zu relaxations)\n", "Phi_R of the relaxation",
                    finite_mean(rw), rw->count);
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
        snprintf(p, sizeof p, "/analysis/spectra/%s/psd", names[i]);
        if (!cs_metrics_get(m, p))
            continue;
        if (!header++)
            fprintf(out, "spectra of the per-step series (aperiodic fit 1/f^chi)\n");
        fprintf(out, "  %-9s chi %s", names[i], e ? "" : "-");
        if (e)
            fprintf(out, "%.3f (R^2 %.2f)", e->data[0], r2 ? r2->data[0] : NAN);
        if (pk && pk->rank == 2 && pk->dims[0]) {
            fprintf(out, ", peaks at");
            for (size_t k = 0; k < pk->dims[0]; k++)
                fprintf(out, " %.4g", pk->data[3 * k]);
            fprintf(out, " cycles/step");
        }
        fputc('\n', out);
    }
    const cs_metrics_array *integ = arr(m, 0, "sigmapi/integral"), *mean = arr(m, 0, "sigmapi/mean"),
                           *em = arr(m, 0, "sigmapi/epoch_mean"), *diff = arr(m, 0, "sigmapi/logged_max_abs_diff");
    if (integ) {
        fprintf(out, "ΣPI (%s, alpha %s, gamma %s, delta %s): mean %.4f, ∫PI %.4f",
                or_q(cs_metrics_attr(m, "pi_variant")), or_q(cs_metrics_attr(m, "pi_alpha")),
                or_q(cs_metrics_attr(m, "pi_gamma")), or_q(cs_metrics_attr(m, "pi_delta")),
                mean ? mean->data[0] : NAN, integ->data[0]);
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
