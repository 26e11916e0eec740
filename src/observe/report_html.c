/* The offline HTML report: run summaries and inline SVG charts of the
 * training series and of the analysis (cogscope/report.h). */
#include "cogscope/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LAYERS 16

typedef struct {
    const cs_runlog *run;
    const cs_metrics *m;
    char label[160];
    size_t n, ne;
    double *step, *loss, *acc, *pi, *sur, *tau;
    double *estep, *eacc, *eloss;
} run_data;

static void run_free(run_data *r)
{
    free(r->step);
    free(r->loss);
    free(r->acc);
    free(r->pi);
    free(r->sur);
    free(r->tau);
    free(r->estep);
    free(r->eacc);
    free(r->eloss);
}

static cs_status run_load(const cs_report_run *in, run_data *r)
{
    memset(r, 0, sizeof *r);
    r->run = in->run;
    r->m = in->metrics;
    const cs_runlog_info *info = cs_runlog_get_info(in->run);
    const char *path = cs_runlog_path(in->run), *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (in->label)
        snprintf(r->label, sizeof r->label, "%s", in->label);
    else
        snprintf(r->label, sizeof r->label, "%s (%s)", info->rule, base);
    const char *sn[6] = {"step", "loss", "batch_acc", "pi", "surprise", "tau"};
    double **sd[6] = {&r->step, &r->loss, &r->acc, &r->pi, &r->sur, &r->tau};
    /* Series the log lacks stay NULL and their charts are left out. */
    size_t n = info->steps, got;
    for (int i = 0; i < 6; i++) {
        if (!cs_runlog_find(in->run, CS_RUNLOG_STEP_SERIES, 0, sn[i]))
            continue;
        cs_status st = cs_runlog_read_steps(in->run, sn[i], sd[i], &got);
        if (st != CS_OK) {
            run_free(r);
            return st;
        }
        n = got < n ? got : n;
    }
    r->n = n;
    const char *en[3] = {"step", "acc", "loss"};
    double **ed[3] = {&r->estep, &r->eacc, &r->eloss};
    size_t ne = info->evals;
    for (int i = 0; i < 3; i++) {
        if (!cs_runlog_find(in->run, CS_RUNLOG_EVAL_SERIES, 0, en[i])) {
            ne = 0; /* no held-out curve without step, acc and loss */
            continue;
        }
        cs_status st = cs_runlog_read_eval(in->run, en[i], ed[i], &got);
        if (st != CS_OK) {
            run_free(r);
            return st;
        }
        ne = got < ne ? got : ne;
    }
    r->ne = ne;
    if (!r->step && n && (r->step = malloc(n * sizeof *r->step)))
        for (size_t i = 0; i < n; i++)
            r->step[i] = (double)i;
    return r->step || !n ? CS_OK : cs_error_set(CS_ENOMEM, "out of memory for the report");
}

/* Layer `layer` (1-based) of the run: its name. */
static const char *lname(const run_data *r, size_t layer)
{
    const char *n = cs_runlog_layer_name(r->run, layer - 1);
    return n ? n : "";
}

/* The metrics array at fmt with "%s" = the name of layer `layer` (1-based;
 * 0 for paths without a layer). */
static const cs_metrics_array *get(const run_data *r, const char *fmt, size_t layer)
{
    if (!r->m)
        return NULL;
    char p[CS_RUNLOG_NAME_MAX + 160];
    snprintf(p, sizeof p, fmt, layer ? lname(r, layer) : "");
    return cs_metrics_get(r->m, p);
}

static size_t n_layers(const run_data *r) { return cs_runlog_get_info(r->run)->layer_count; }

static double last_finite(const cs_metrics_array *a)
{
    if (!a)
        return NAN;
    for (size_t i = a->count; i-- > 0;)
        if (isfinite(a->data[i]))
            return a->data[i];
    return NAN;
}

static void cell(FILE *out, double v, const char *fmt)
{
    if (isfinite(v)) {
        fputs("<td>", out);
        fprintf(out, fmt, v);
        fputs("</td>", out);
    } else {
        fputs("<td class=\"na\">–</td>", out);
    }
}

static void text_cell(FILE *out, const char *s)
{
    fputs("<td>", out);
    cs_report_escape(out, s);
    fputs("</td>", out);
}

static void summary_table(FILE *out, const run_data *rs, size_t nr)
{
    fputs("<table class=\"runs\"><thead><tr><th>run</th><th>rule</th><th>dataset</th><th>layers</th><th>steps</th>"
          "<th>epochs</th><th>final test acc</th><th>best test acc</th><th>final test loss</th>"
          "<th>mean PI</th><th>∫PI</th><th>O-info (L1, last)</th><th>TC (L1, last)</th><th>mean Ω (L1, last)</th>"
          "<th>loss 1/f<sup>χ</sup></th><th>state</th></tr></thead><tbody>\n",
          out);
    for (size_t k = 0; k < nr; k++) {
        const run_data *r = &rs[k];
        const cs_runlog_info *in = cs_runlog_get_info(r->run);
        char layers[128] = "";
        size_t o = 0;
        const cs_runlog_meta *ml = cs_runlog_meta_find(r->run, "layers");
        if (ml && !ml->is_string)
            for (size_t i = 0; i < ml->count && o < sizeof layers; i++)
                o += (size_t)snprintf(layers + o, sizeof layers - o, "%s%.0f", i ? "-" : "", ml->values[i]);
        else
            for (size_t i = 0; i < in->layer_count && o < sizeof layers; i++)
                o += (size_t)snprintf(layers + o, sizeof layers - o, "%s%s", i ? ", " : "", cs_runlog_layer_name(r->run, i));
        double best = NAN;
        for (size_t i = 0; i < r->ne; i++)
            if (isfinite(r->eacc[i]) && !(r->eacc[i] <= best))
                best = r->eacc[i];
        double mean_pi = 0;
        size_t npi = 0;
        for (size_t i = 0; r->pi && i < r->n; i++)
            if (isfinite(r->pi[i])) {
                mean_pi += r->pi[i];
                npi++;
            }
        fprintf(out, "<tr><td><span class=\"swatch\" style=\"background:%s\"></span>", cs_svg_palette(k));
        cs_report_escape(out, r->label);
        fputs("</td>", out);
        text_cell(out, in->rule);
        text_cell(out, in->dataset);
        text_cell(out, layers);
        fprintf(out, "<td>%zu</td><td>%zu</td>", r->n, in->epochs_done);
        cell(out, r->ne ? r->eacc[r->ne - 1] : NAN, "%.4f");
        cell(out, best, "%.4f");
        cell(out, r->ne ? r->eloss[r->ne - 1] : NAN, "%.4f");
        cell(out, npi ? mean_pi / (double)npi : NAN, "%.4f");
        cell(out, last_finite(get(r, "/analysis/sigmapi/integral", 0)), "%.4f");
        cell(out, last_finite(get(r, "/analysis/layers/%s/oinfo", 1)), "%.4f");
        cell(out, last_finite(get(r, "/analysis/layers/%s/tc", 1)), "%.4f");
        cell(out, last_finite(get(r, "/analysis/layers/%s/omega_mean", 1)), "%.3f");
        cell(out, last_finite(get(r, "/analysis/spectra/loss/exponent", 0)), "%.3f");
        text_cell(out, in->live ? "live" : in->interrupted ? "interrupted" : r->m ? "analysed" : "not analysed");
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

/* Charts of one per-step series of every run (the run's palette colour). */
static cs_status step_chart(FILE *out, const run_data *rs, size_t nr, const char *title, const char *ylabel,
                            size_t which, int with_eval)
{
    cs_svg_series s[32];
    size_t ns = 0;
    char labels[32][200];
    for (size_t k = 0; k < nr && ns + 2 <= 32; k++) {
        const run_data *r = &rs[k];
        const double *y = which == 0 ? r->loss : which == 1 ? r->acc : which == 2 ? r->pi : which == 3 ? r->sur : r->tau;
        if (!y)
            continue;
        snprintf(labels[ns], sizeof labels[ns], "%s%s", r->label, with_eval ? ": training batches" : "");
        s[ns] = (cs_svg_series){.x = r->step, .y = y, .n = r->n, .label = labels[ns], .color = cs_svg_palette(k),
                                .kind = CS_SVG_LINE};
        ns++;
        if (with_eval && r->ne) {
            snprintf(labels[ns], sizeof labels[ns], "%s: held-out", r->label);
            s[ns] = (cs_svg_series){.x = r->estep, .y = which == 0 ? r->eloss : r->eacc, .n = r->ne,
                                    .label = labels[ns], .color = nr > 1 ? cs_svg_palette(k) : "#000000",
                                    .kind = CS_SVG_LINE_POINTS};
            ns++;
        }
    }
    if (!ns)
        return CS_OK;
    cs_svg_chart c = {.title = title, .xlabel = "step", .ylabel = ylabel, .css_class = "chart training"};
    return cs_svg_write(out, &c, s, ns);
}

/* One chart per layer measure, series = (run, layer). */
static cs_status layer_chart(FILE *out, const run_data *rs, size_t nr, const char *name, const char *title,
                             const char *ylabel)
{
    cs_svg_series s[64];
    char labels[64][200];
    size_t ns = 0;
    for (size_t k = 0; k < nr; k++) {
        const cs_metrics_array *x = get(&rs[k], "/analysis/snapshot_step", 0);
        for (size_t l = 1; l <= n_layers(&rs[k]) && ns < 64; l++) {
            const cs_metrics_array *y = get(&rs[k], name, l);
            if (!x || !y || y->rank != 1 || y->count != x->count)
                continue;
            if (nr > 1)
                snprintf(labels[ns], sizeof labels[ns], "%s %s", rs[k].label, lname(&rs[k], l));
            else
                snprintf(labels[ns], sizeof labels[ns], "layer %s", lname(&rs[k], l));
            s[ns] = (cs_svg_series){.x = x->data, .y = y->data, .n = y->count, .label = labels[ns],
                                    .color = cs_svg_palette(nr > 1 ? k * 3 + l - 1 : l - 1),
                                    .kind = CS_SVG_LINE_POINTS};
            ns++;
        }
    }
    if (!ns)
        return CS_OK;
    cs_svg_chart c = {.title = title, .xlabel = "step", .ylabel = ylabel, .css_class = "chart analysis"};
    return cs_svg_write(out, &c, s, ns);
}

static cs_status infoplane_charts(FILE *out, const run_data *r, size_t k)
{
    const cs_metrics_array *ss = get(r, "/analysis/snapshot_step", 0);
    if (!ss || !ss->count)
        return CS_OK;
    double *shade = malloc(ss->count * sizeof *shade);
    if (!shade)
        return cs_error_set(CS_ENOMEM, "out of memory for the report");
    double s0 = ss->data[0], s1 = ss->data[ss->count - 1];
    for (size_t i = 0; i < ss->count; i++)
        shade[i] = s1 > s0 ? (ss->data[i] - s0) / (s1 - s0) : 1.0;
    cs_status st = CS_OK;
    const char *est = cs_metrics_attr(r->m, "estimator");
    for (size_t l = 1; l <= n_layers(r) && st == CS_OK; l++) {
        const cs_metrics_array *xb = get(r, "/analysis/layers/%s/ixt_binned", l),
                               *yb = get(r, "/analysis/layers/%s/ity_binned", l),
                               *xc = get(r, "/analysis/layers/%s/ixt", l), *yc = get(r, "/analysis/layers/%s/ity", l);
        if (!xb || !yb)
            continue;
        char title[256], lab2[64];
        snprintf(title, sizeof title, "%s — layer %s", r->label, lname(r, l));
        snprintf(lab2, sizeof lab2, "%s", est ? est : "continuous");
        cs_svg_series s[2] = {
            {.x = xb->data, .y = yb->data, .n = xb->count, .label = "binned", .color = "#555555",
             .kind = CS_SVG_LINE_POINTS, .shade = shade},
            {.x = xc ? xc->data : NULL, .y = yc ? yc->data : NULL, .n = xc && yc ? xc->count : 0, .label = lab2,
             .color = cs_svg_palette(k), .kind = CS_SVG_LINE_POINTS, .shade = shade},
        };
        cs_svg_chart c = {.title = title, .xlabel = "I(X;T) [nats]", .ylabel = "I(T;Y) [nats]",
                          .css_class = "chart infoplane", .shade_label = "early → late"};
        st = cs_svg_write(out, &c, s, xc && yc ? 2 : 1);
    }
    free(shade);
    return st;
}

static cs_status spectrum_charts(FILE *out, const run_data *rs, size_t nr)
{
    static const char *const names[4] = {"loss", "pi", "surprise", "tau"};
    static const char *const titles[4] = {"PSD of the loss", "PSD of PI", "PSD of S (surprise)", "PSD of τ"};
    cs_status st = CS_OK;
    for (int i = 0; i < 4 && st == CS_OK; i++) {
        cs_svg_series s[32];
        char labels[32][200];
        double *fits[16] = {0};
        size_t ns = 0, nf = 0;
        char p[128];
        for (size_t k = 0; k < nr && ns + 2 <= 32; k++) {
            snprintf(p, sizeof p, "/analysis/spectra/%s/freq", names[i]);
            const cs_metrics_array *f = rs[k].m ? cs_metrics_get(rs[k].m, p) : NULL;
            snprintf(p, sizeof p, "/analysis/spectra/%s/psd", names[i]);
            const cs_metrics_array *psd = rs[k].m ? cs_metrics_get(rs[k].m, p) : NULL;
            if (!f || !psd)
                continue;
            snprintf(labels[ns], sizeof labels[ns], "%s", rs[k].label);
            s[ns++] = (cs_svg_series){.x = f->data, .y = psd->data, .n = f->count, .label = labels[ns - 1],
                                      .color = cs_svg_palette(k), .kind = CS_SVG_LINE};
            snprintf(p, sizeof p, "/analysis/spectra/%s/fit_freq", names[i]);
            const cs_metrics_array *ff = cs_metrics_get(rs[k].m, p);
            snprintf(p, sizeof p, "/analysis/spectra/%s/fit_aperiodic", names[i]);
            const cs_metrics_array *fa = cs_metrics_get(rs[k].m, p);
            snprintf(p, sizeof p, "/analysis/spectra/%s/exponent", names[i]);
            const cs_metrics_array *ex = cs_metrics_get(rs[k].m, p);
            if (ff && fa && nf < 16 && (fits[nf] = malloc(fa->count * sizeof(double)))) {
                for (size_t q = 0; q < fa->count; q++)
                    fits[nf][q] = pow(10, fa->data[q]);
                snprintf(labels[ns], sizeof labels[ns], "aperiodic fit, χ = %.2f", ex ? ex->data[0] : NAN);
                s[ns++] = (cs_svg_series){.x = ff->data, .y = fits[nf], .n = fa->count, .label = labels[ns - 1],
                                          .color = cs_svg_palette(k), .kind = CS_SVG_DASHED};
                nf++;
            }
        }
        if (ns) {
            cs_svg_chart c = {.title = titles[i], .xlabel = "frequency [cycles/step]", .ylabel = "power",
                              .logx = 1, .logy = 1, .css_class = "chart spectrum"};
            st = cs_svg_write(out, &c, s, ns);
        }
        for (size_t q = 0; q < nf; q++)
            free(fits[q]);
    }
    return st;
}

static cs_status phiid_charts(FILE *out, const run_data *rs, size_t nr)
{
    cs_status st = layer_chart(out, rs, nr, "/analysis/layers/%s/snap_phi_r", "Φ_R between consecutive snapshots",
                               "nats");
    if (st != CS_OK)
        return st;
    /* Relaxation PhiID against the relaxation index. */
    cs_svg_series s[64];
    char labels[64][200];
    double *idx[64] = {0};
    size_t ns = 0;
    for (size_t k = 0; k < nr; k++)
        for (size_t l = 1; l <= n_layers(&rs[k]) && ns < 64; l++) {
            const cs_metrics_array *y = get(&rs[k], "/analysis/layers/%s/relax_phi_r", l);
            if (!y || !y->count || !(idx[ns] = malloc(y->count * sizeof(double))))
                continue;
            for (size_t i = 0; i < y->count; i++)
                idx[ns][i] = (double)i;
            if (nr > 1)
                snprintf(labels[ns], sizeof labels[ns], "%s %s", rs[k].label, lname(&rs[k], l));
            else
                snprintf(labels[ns], sizeof labels[ns], "layer %s", lname(&rs[k], l));
            s[ns] = (cs_svg_series){.x = idx[ns], .y = y->data, .n = y->count, .label = labels[ns],
                                    .color = cs_svg_palette(nr > 1 ? k * 3 + l - 1 : l - 1),
                                    .kind = CS_SVG_LINE_POINTS};
            ns++;
        }
    if (ns) {
        cs_svg_chart c = {.title = "Φ_R of the relaxation dynamics", .xlabel = "relaxation (snapshot)",
                          .ylabel = "nats", .css_class = "chart analysis"};
        st = cs_svg_write(out, &c, s, ns);
    }
    for (size_t i = 0; i < ns; i++)
        free(idx[i]);
    return st;
}

static const char *const style =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1700px}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:28px}"
    ".meta{color:#666;font-size:12px}"
    "table.runs{border-collapse:collapse;font-size:12px}table.runs td,table.runs th{border:1px solid #ddd;"
    "padding:3px 7px;text-align:right}table.runs td:first-child,table.runs th:first-child{text-align:left}"
    "td.na{color:#aaa}.swatch{display:inline-block;width:10px;height:10px;margin-right:5px}"
    ".grid{display:flex;flex-wrap:wrap;gap:10px}.grid svg{border:1px solid #eee}"
    "p.explain{font-size:12px;color:#444;max-width:1100px}"
    "ul.notes{font-size:12px;color:#444}details{margin:6px 0}";

cs_status cs_report_html(FILE *out, const cs_report_run *runs, size_t nr)
{
    if (!out || !runs || nr == 0)
        return cs_error_set(CS_EINVAL, "cs_report_html: output and at least one run must be given");
    run_data *rs = calloc(nr, sizeof *rs);
    if (!rs)
        return cs_error_set(CS_ENOMEM, "out of memory for the report");
    cs_status st = CS_OK;
    size_t loaded = 0;
    for (; loaded < nr && st == CS_OK; loaded++) {
        if (!runs[loaded].run) {
            st = cs_error_set(CS_EINVAL, "cs_report_html: run %zu is missing", loaded);
            break;
        }
        st = run_load(&runs[loaded], &rs[loaded]);
    }
    if (st != CS_OK) {
        for (size_t k = 0; k < loaded; k++)
            run_free(&rs[k]);
        free(rs);
        return st;
    }
    int any_metrics = 0;
    for (size_t k = 0; k < nr; k++)
        any_metrics |= rs[k].m != NULL;
    time_t now = time(NULL);
    struct tm tm;
    char when[40];
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>cogscope report");
    if (nr == 1) {
        fputs(": ", out);
        cs_report_escape(out, rs[0].label);
    }
    fprintf(out, "</title>\n<style>%s</style>\n</head><body>\n<h1>cogscope report</h1>\n", style);
    fprintf(out, "<p class=\"meta\">%zu run%s, generated %s. Information in nats; definitions in docs/metrics.md.</p>\n",
            nr, nr == 1 ? "" : "s", when);
    fputs("<section id=\"runs\"><h2>", out);
    fputs(nr > 1 ? "Runs compared" : "Run", out);
    fputs("</h2>\n", out);
    summary_table(out, rs, nr);
    fputs("</section>\n<section id=\"training\"><h2>Training</h2><div class=\"grid\">\n", out);
    if ((st = step_chart(out, rs, nr, "Loss (ε)", "cross-entropy [nats]", 0, 1)) == CS_OK &&
        (st = step_chart(out, rs, nr, "Accuracy", "fraction correct", 1, 1)) == CS_OK &&
        (st = step_chart(out, rs, nr, "Predictive integrity PI", "PI", 2, 0)) == CS_OK &&
        (st = step_chart(out, rs, nr, "Surprise S", "gradient norm", 3, 0)) == CS_OK)
        st = step_chart(out, rs, nr, "Output entropy τ", "nats", 4, 0);
    fputs("</div></section>\n", out);
    if (st == CS_OK && any_metrics) {
        fputs("<section id=\"infoplane\"><h2>Information plane</h2>\n<p class=\"explain\">I(X;T) against I(T;Y) "
              "per layer at every probe snapshot, coloured from early (dark) to late (yellow) in training: "
              "binned (30 bins per unit, the layer pattern one symbol) and the continuous estimator.</p>"
              "<div class=\"grid\">\n",
              out);
        for (size_t k = 0; k < nr && st == CS_OK; k++)
            if (rs[k].m)
                st = infoplane_charts(out, &rs[k], k);
        fputs("</div></section>\n", out);
    }
    if (st == CS_OK && any_metrics) {
        fputs("<section id=\"integration\"><h2>Integration and synergy</h2>\n<p class=\"explain\">O-information "
              "&lt; 0: synergy-dominated; &gt; 0: redundancy-dominated. Ω = PID synergy / I(pair;label), mean over the "
              "top pairs by joint MI.</p><div class=\"grid\">\n",
              out);
        if ((st = layer_chart(out, rs, nr, "/analysis/layers/%s/oinfo", "O-information", "nats")) == CS_OK &&
            (st = layer_chart(out, rs, nr, "/analysis/layers/%s/tc", "Total correlation TC", "nats")) == CS_OK &&
            (st = layer_chart(out, rs, nr, "/analysis/layers/%s/tse", "TSE complexity", "nats")) == CS_OK &&
            (st = layer_chart(out, rs, nr, "/analysis/layers/%s/omega_mean", "Mean Ω of the top pairs",
                              "synergy / MI")) == CS_OK &&
            (st = layer_chart(out, rs, nr, "/analysis/layers/%s/ity", "I(T;Y), continuous", "nats")) == CS_OK)
            st = layer_chart(out, rs, nr, "/analysis/layers/%s/dtc", "Dual total correlation DTC", "nats");
        fputs("</div></section>\n", out);
    }
    if (st == CS_OK && any_metrics) {
        fputs("<section id=\"spectra\"><h2>Spectra</h2>\n<p class=\"explain\">Welch PSD of the per-step series "
              "(log-log) with the aperiodic 1/f<sup>χ</sup> fit (dashed).</p><div class=\"grid\">\n",
              out);
        st = spectrum_charts(out, rs, nr);
        fputs("</div></section>\n", out);
    }
    if (st == CS_OK && any_metrics) {
        fputs("<section id=\"phiid\"><h2>Integrated information (ΦID)</h2>\n<p class=\"explain\">Φ_R = Φ_WMS + "
              "double redundancy, of two principal components of the layer state.</p><div class=\"grid\">\n",
              out);
        st = phiid_charts(out, rs, nr);
        fputs("</div></section>\n", out);
    }
    if (st == CS_OK) {
        fputs("<section id=\"notes\"><h2>Notes</h2>\n", out);
        for (size_t k = 0; k < nr; k++) {
            fputs("<details><summary>", out);
            cs_report_escape(out, rs[k].label);
            if (!rs[k].m) {
                fputs(": not analysed (run cogscope analyze)</summary></details>\n", out);
                continue;
            }
            size_t nn = cs_metrics_note_count(rs[k].m);
            fprintf(out, ": %zu note%s</summary><ul class=\"notes\">\n", nn, nn == 1 ? "" : "s");
            for (size_t i = 0; i < nn; i++) {
                fputs("<li>", out);
                cs_report_escape(out, cs_metrics_note(rs[k].m, i));
                fputs("</li>\n", out);
            }
            fputs("</ul></details>\n", out);
        }
        fputs("</section>\n", out);
    }
    fputs("</body></html>\n", out);
    for (size_t k = 0; k < nr; k++)
        run_free(&rs[k]);
    free(rs);
    if (st == CS_OK && ferror(out))
        st = cs_error_set(CS_EIO, "writing the HTML report failed");
    return st;
}
