/* The offline HTML report of the report model: the summary table (one row
 * per group, Δ against the reference group) and the configuration table
 * first, then one chart per metric of the report metric table, section by
 * section, each group drawn as its mean with a 95 % band across its runs.
 * Inline CSS and SVG only: no scripts, nothing fetched. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_internal.h"

#define MAX_SERIES 192
#define MAX_LEGEND 48

/* Everything one chart draws; bands first, then raw traces, then means. */
typedef struct {
    cs_svg_series s[MAX_SERIES];
    size_t ns;
    cs_svg_legend_item leg[MAX_LEGEND];
    size_t nl;
    rm_agg aggs[MAX_SERIES / 3];
    size_t na;
    double *owned[MAX_SERIES];
    size_t no;
    char labels[MAX_LEGEND][200];
    int any_band, any_raw, any_flag, layers_seen[17];
    int *drawn; /* per group: has a series here */
    char flag_name[48];
} chart;

/* A new chart for a report of ng groups; NULL when out of memory. */
static chart *chart_new(size_t ng)
{
    chart *c = calloc(1, sizeof *c);
    if (c && !(c->drawn = calloc(ng ? ng : 1, sizeof *c->drawn))) {
        free(c);
        c = NULL;
    }
    return c;
}

static void chart_free(chart *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->na; i++)
        rm_agg_free(&c->aggs[i]);
    for (size_t i = 0; i < c->no; i++)
        free(c->owned[i]);
    free(c->drawn);
    free(c);
}

static void legend_add(chart *c, const char *label, const char *color, int dash, cs_svg_kind kind, double opacity)
{
    if (c->nl >= MAX_LEGEND)
        return;
    snprintf(c->labels[c->nl], sizeof c->labels[c->nl], "%s", label);
    c->leg[c->nl] = (cs_svg_legend_item){c->labels[c->nl], color, dash, kind, opacity};
    c->nl++;
}

/* The values of agg where flagged (NaN elsewhere): the marks series. */
static const double *flag_marks(chart *c, const rm_agg *a)
{
    double *y = malloc((a->n ? a->n : 1) * sizeof *y);
    if (!y || c->no >= MAX_SERIES)
        return free(y), NULL;
    int any = 0;
    for (size_t i = 0; i < a->n; i++) {
        y[i] = a->flag[i] ? a->mean[i] : NAN;
        any |= a->flag[i];
    }
    if (!any)
        return free(y), NULL;
    c->owned[c->no++] = y;
    return y;
}

/* A series measured at a few steps only (bp_angle_deg: at the snapshots;
 * NaN between) is drawn through its measured points: keep the x where the
 * mean is finite when they are fewer than half. */
static void compact_sparse(rm_agg *a)
{
    size_t finite = 0;
    for (size_t i = 0; i < a->n; i++)
        finite += isfinite(a->mean[i]) != 0;
    if (2 * finite >= a->n)
        return;
    size_t j = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (!isfinite(a->mean[i]))
            continue;
        a->x[j] = a->x[i];
        a->mean[j] = a->mean[i];
        a->lo[j] = a->lo[i];
        a->hi[j] = a->hi[i];
        a->count[j] = a->count[i];
        a->flag[j] = a->flag[i];
        if (a->raw)
            a->raw[j] = a->raw[i];
        j++;
    }
    a->n = j;
}

/* Add group g's series of (metric, layer) to the chart. */
static cs_status add_group(chart *c, const cs_report *rep, size_t g, const char *metric, size_t layer, int smooth)
{
    if (c->na >= MAX_SERIES / 3 || c->ns + 4 > MAX_SERIES)
        return CS_OK;
    rm_agg *a = &c->aggs[c->na];
    cs_status st = rm_aggregate(rep, g, metric, layer, smooth, a);
    if (st != CS_OK || !a->n) {
        rm_agg_free(a); /* an empty series still holds its arrays */
        return st;
    }
    c->na++;
    compact_sparse(a);
    const char *col = cs_svg_palette(g);
    int dash = layer ? (int)layer - 1 : 0;
    if (layer < 17)
        c->layers_seen[layer] = 1;
    if (a->runs > 1) {
        c->s[c->ns++] = (cs_svg_series){
            .x = a->x, .n = a->n, .color = col, .kind = CS_SVG_BAND, .y_lo = a->lo, .y_hi = a->hi, .opacity = 0.16};
        c->any_band = 1;
    }
    if (a->raw) {
        c->s[c->ns++] = (cs_svg_series){.x = a->x,
                                        .y = a->raw,
                                        .n = a->n,
                                        .color = col,
                                        .kind = CS_SVG_LINE,
                                        .dash = dash,
                                        .opacity = 0.22,
                                        .stroke = 0.8};
        c->any_raw = 1;
    }
    c->s[c->ns++] = (cs_svg_series){.x = a->x,
                                    .y = a->mean,
                                    .n = a->n,
                                    .color = col,
                                    .kind = a->n <= 60 ? CS_SVG_LINE_POINTS : CS_SVG_LINE,
                                    .dash = dash,
                                    .stroke = a->n <= 60 ? 1.4 : 1.6};
    const double *marks = flag_marks(c, a);
    if (marks) {
        c->s[c->ns++] = (cs_svg_series){.x = a->x, .y = marks, .n = a->n, .color = "#C00000", .kind = CS_SVG_MARKS};
        c->any_flag = 1;
        snprintf(c->flag_name, sizeof c->flag_name, "%s", a->flag_name);
    }
    return CS_OK;
}

/* Group g's series of two metrics at one layer, kept by the chart; *a and
 * *b point at them (n = 0 when absent). */
static cs_status agg_pair(chart *c, const cs_report *rep, size_t g, const char *m1, const char *m2, size_t layer,
                          rm_agg **a, rm_agg **b)
{
    *a = &c->aggs[c->na];
    *b = &c->aggs[c->na + 1];
    cs_status st = rm_aggregate(rep, g, m1, layer, 0, *a);
    if (st != CS_OK)
        return st;
    c->na++;
    if ((st = rm_aggregate(rep, g, m2, layer, 0, *b)) == CS_OK)
        c->na++;
    return st;
}

/* Legend: one entry per group (its hue), per layer (line style), and for
 * the band, raw trace and flag marks when drawn. */
static void finish_legend(chart *c, const cs_report *rep)
{
    char buf[200];
    for (size_t g = 0; g < rep->ng; g++)
        if (c->drawn[g]) {
            snprintf(buf, sizeof buf, "%s (%zu run%s)", rep->groups[g].name, rep->groups[g].n,
                     rep->groups[g].n == 1 ? "" : "s");
            legend_add(c, buf, cs_svg_palette(g), 0, CS_SVG_LINE, 1);
        }
    int nlayers = 0;
    for (int l = 1; l < 17; l++)
        nlayers += c->layers_seen[l];
    for (int l = 1; l < 17 && nlayers > 1; l++)
        if (c->layers_seen[l]) {
            snprintf(buf, sizeof buf, "layer %s", rm_layer_name(&rep->runs[0], (size_t)l));
            legend_add(c, buf, "#555555", l - 1, CS_SVG_LINE, 1);
        }
    if (c->any_band)
        legend_add(c, "95 % interval across runs", "#555555", 0, CS_SVG_BAND, 0.25);
    if (c->any_raw)
        legend_add(c, "raw (unsmoothed)", "#555555", 0, CS_SVG_LINE, 0.3);
    if (c->any_flag) {
        snprintf(buf, sizeof buf, "flagged: %s", c->flag_name[0] ? c->flag_name : "see notes");
        legend_add(c, buf, "#C00000", 0, CS_SVG_MARKS, 1);
    }
}

static cs_status figure(FILE *out, chart *c, const char *title, const cs_svg_chart *spec)
{
    fputs("<figure class=\"chart\"><figcaption>", out);
    cs_report_escape(out, title);
    fputs("</figcaption>\n", out);
    cs_status st = cs_svg_write(out, spec, c->s, c->ns);
    if (st == CS_OK)
        st = cs_svg_legend(out, c->leg, c->nl);
    fputs("</figure>\n", out);
    return st;
}

static const char *x_label(const cs_report *rep, rm_kind k, const char *metric)
{
    if (k == RM_FREQ)
        return !strncmp(metric, "coherence.", 10) && strstr(metric, "relax") ? "frequency [cycles/iteration]"
                                                                             : "frequency [cycles/step]";
    if (k == RM_INDEX)
        return strstr(metric, "relax_energy") ? "relaxation iteration" : "index";
    return rm_axis_label(rep);
}

/* The kind and the title of a metric (from the first run that has it). */
static const rm_series *first_series(const cs_report *rep, const char *metric)
{
    for (size_t k = 0; k < rep->nr; k++)
        for (size_t i = 0; i < rep->runs[k].ns; i++)
            if (!strcmp(rep->runs[k].s[i].metric, metric))
                return &rep->runs[k].s[i];
    return NULL;
}

/* One chart of a metric: every group, every layer; log variants per flags. */
static cs_status metric_chart(FILE *out, const cs_report *rep, const char *metric, int logy, const char *suffix)
{
    const rm_series *s0 = first_series(rep, metric);
    if (!s0 || s0->kind == RM_SCALAR)
        return CS_OK;
    const rm_def *d = s0->def;
    chart *c = chart_new(rep->ng);
    if (!c)
        return cs_error_set(CS_ENOMEM, "out of memory for the report");
    size_t L = rm_max_layer(rep);
    int smooth = (d->draw & RM_SMOOTH) && rep->opt.smooth != 0;
    cs_status st = CS_OK;
    char q05[120], q95[120];
    int band_q = (d->draw & RM_BAND_Q) != 0;
    if (band_q) {
        size_t base = strlen(metric) - strlen("median");
        snprintf(q05, sizeof q05, "%.*sq05", (int)base, metric);
        snprintf(q95, sizeof q95, "%.*sq95", (int)base, metric);
    }
    for (size_t g = 0; g < rep->ng && st == CS_OK; g++)
        for (size_t layer = 0; layer <= L && st == CS_OK; layer++) {
            size_t before = c->ns;
            if (band_q && c->na + 2 < MAX_SERIES / 3) {
                /* the multiplet quantiles, averaged over the runs, as the band */
                rm_agg *lo, *hi;
                if ((st = agg_pair(c, rep, g, q05, q95, layer, &lo, &hi)) != CS_OK)
                    break;
                if (lo->n && hi->n == lo->n) {
                    c->s[c->ns++] = (cs_svg_series){.x = lo->x,
                                                    .n = lo->n,
                                                    .color = cs_svg_palette(g),
                                                    .kind = CS_SVG_BAND,
                                                    .y_lo = lo->mean,
                                                    .y_hi = hi->mean,
                                                    .opacity = 0.14};
                }
            }
            st = add_group(c, rep, g, metric, layer, smooth);
            c->drawn[g] |= c->ns > before;
        }
    if (st == CS_OK && c->ns) {
        finish_legend(c, rep);
        if (band_q)
            legend_add(c, "band: 5–95 % of the multiplets", "#555555", 0, CS_SVG_BAND, 0.25);
        char title[300];
        if (d->title)
            snprintf(title, sizeof title, "%s%s", d->title, suffix);
        else /* generic: the file's description and the key */
            snprintf(title, sizeof title, "%.200s (%s)%s", s0->description, metric, suffix);
        char ylab[64];
        snprintf(ylab, sizeof ylab, "%s", s0->units);
        int pvalue = (d->draw & RM_PVALUE) != 0;
        cs_svg_chart spec = {.xlabel = x_label(rep, s0->kind, metric),
                             .ylabel = ylab,
                             .css_class = "plot",
                             .logx = (d->draw & RM_LOGX) != 0,
                             .logy = logy || pvalue || (d->draw & RM_LOGY),
                             .has_hline = pvalue,
                             .hline = 0.05};
        st = figure(out, c, title, &spec);
    }
    chart_free(c);
    return st;
}

/* Information-plane trajectories: group means of I(X;T) against I(T;Y),
 * one chart per layer and estimator, points coloured early → late. */
static cs_status infoplane(FILE *out, const cs_report *rep, const char *xm, const char *ym, const char *what)
{
    size_t L = rm_max_layer(rep);
    cs_status st = CS_OK;
    for (size_t layer = 1; layer <= L && st == CS_OK; layer++) {
        chart *c = chart_new(rep->ng);
        if (!c)
            return cs_error_set(CS_ENOMEM, "out of memory for the report");
        for (size_t g = 0; g < rep->ng && st == CS_OK && c->na + 2 < MAX_SERIES / 3; g++) {
            rm_agg *ax, *ay;
            if ((st = agg_pair(c, rep, g, xm, ym, layer, &ax, &ay)) != CS_OK)
                break;
            double *shade = ax->n && ay->n == ax->n ? malloc(ax->n * sizeof *shade) : NULL;
            if (!shade)
                continue;
            c->owned[c->no++] = shade;
            for (size_t i = 0; i < ax->n; i++)
                shade[i] = ax->n > 1 ? (double)i / (double)(ax->n - 1) : 1;
            c->s[c->ns++] = (cs_svg_series){.x = ax->mean,
                                            .y = ay->mean,
                                            .n = ax->n,
                                            .color = cs_svg_palette(g),
                                            .kind = CS_SVG_LINE_POINTS,
                                            .shade = shade};
            c->drawn[g] = 1;
        }
        if (st == CS_OK && c->ns) {
            finish_legend(c, rep);
            char title[200];
            snprintf(title, sizeof title, "Information plane, layer %s (%s; group means)",
                     rm_layer_name(&rep->runs[0], layer), what);
            cs_svg_chart spec = {.xlabel = "I(X;T) [nats]",
                                 .ylabel = "I(T;Y) [nats]",
                                 .css_class = "plot infoplane",
                                 .shade_label = "early → late"};
            st = figure(out, c, title, &spec);
        }
        chart_free(c);
    }
    return st;
}

/* Chart one metric of a section unless already charted (seen/nseen). */
static cs_status chart_once(FILE *out, const cs_report *rep, const char *section, const char *name, const char **seen,
                            size_t *nseen)
{
    const rm_series *s0 = first_series(rep, name);
    const rm_def *d = s0 ? s0->def : rm_table_find(name);
    if (strcmp(d->section, section) || (d->draw & RM_HIDDEN))
        return CS_OK;
    for (size_t q = 0; q < *nseen; q++)
        if (!strcmp(seen[q], name))
            return CS_OK;
    if (*nseen >= 512)
        return CS_OK;
    seen[(*nseen)++] = name;
    cs_status st = metric_chart(out, rep, name, 0, "");
    if (st == CS_OK && (d->draw & RM_LOG_TOO))
        st = metric_chart(out, rep, name, 1, " (log scale)");
    return st;
}

/* Every metric of a section: table entries first (in table order), then
 * the names the table does not know, in the order the runs hold them. */
static cs_status section_charts(FILE *out, const cs_report *rep, const char *section)
{
    const char *seen[512];
    size_t nseen = 0;
    cs_status st = CS_OK;
    for (size_t i = 0; rm_table_at(i) && st == CS_OK; i++)
        st = chart_once(out, rep, section, rm_table_at(i)->name, seen, &nseen);
    for (size_t k = 0; k < rep->nr && st == CS_OK; k++)
        for (size_t i = 0; i < rep->runs[k].ns && st == CS_OK; i++)
            st = chart_once(out, rep, section, rep->runs[k].s[i].metric, seen, &nseen);
    return st;
}

/* ---- tables ---- */

static void summary_table(FILE *out, const cs_report *rep)
{
    rm_col cols[64];
    size_t nc = rm_summary_columns(rep, cols, 64);
    fputs("<table class=\"summary\"><thead><tr><th>group</th><th>runs</th>", out);
    for (size_t c = 0; c < nc; c++) {
        fputs("<th>", out);
        cs_report_escape(out, cols[c].title);
        fputs("</th>", out);
    }
    fputs("</tr></thead><tbody>\n", out);
    for (size_t g = 0; g < rep->ng; g++) {
        fprintf(out, "<tr%s><td><span class=\"swatch\" style=\"background:%s\"></span>",
                g == rep->reference ? " class=\"reference\"" : "", cs_svg_palette(g));
        cs_report_escape(out, rep->groups[g].name);
        fprintf(out, "</td><td>%zu</td>", rep->groups[g].n);
        for (size_t c = 0; c < nc; c++) {
            rm_pooled p, ref;
            char v[96], dl[64];
            rm_pool(rep, g, cols[c].d, cols[c].d->name, cols[c].layer, &p);
            rm_pool(rep, rep->reference, cols[c].d, cols[c].d->name, cols[c].layer, &ref);
            rm_fmt_pooled(v, sizeof v, &p, cols[c].pct);
            double pv = rm_welch_p(&p, &ref), d = p.mean - ref.mean;
            const char *cls = "";
            if (g != rep->reference && pv < 0.05)
                cls = cols[c].d->higher_is * d > 0   ? " class=\"sig better\""
                      : cols[c].d->higher_is * d < 0 ? " class=\"sig worse\""
                                                     : " class=\"sig\"";
            fprintf(out, "<td%s>", cls);
            cs_report_escape(out, v);
            if (g != rep->reference && isfinite(d)) {
                snprintf(dl, sizeof dl, "%+.3g", (cols[c].pct ? 100 : 1) * d);
                fputs("<br><span class=\"delta\">Δ ", out);
                cs_report_escape(out, dl);
                if (isfinite(pv))
                    fprintf(out, ", p %.1g", pv);
                fputs("</span>", out);
            }
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void config_table(FILE *out, const cs_report *rep)
{
    const char *keys[128];
    size_t nk = rm_config_keys(rep, keys, 128);
    fputs("<table class=\"config\"><thead><tr><th>hyper-parameter</th>", out);
    for (size_t g = 0; g < rep->ng; g++) {
        fprintf(out, "<th><span class=\"swatch\" style=\"background:%s\"></span>", cs_svg_palette(g));
        cs_report_escape(out, rep->groups[g].name);
        fputs("</th>", out);
    }
    fputs("</tr></thead><tbody>\n", out);
    for (size_t i = 0; i <= nk; i++) {
        int differs = i < nk && rm_config_differs(rep, keys[i]);
        fprintf(out, "<tr%s><td>", differs ? " class=\"differs\"" : "");
        cs_report_escape(out, i < nk ? keys[i] : "seeds");
        fputs("</td>", out);
        for (size_t g = 0; g < rep->ng; g++) {
            char v[400];
            rm_group_value(rep, g, i < nk ? keys[i] : "seed", v, sizeof v);
            for (char *c = v; *c; c++)
                if (*c == '|')
                    *c = ',';
            fputs("<td>", out);
            cs_report_escape(out, v);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

/* Run-level values (spectral fits, ∫PI, ...): group mean ± CI. */
static void scalars_table(FILE *out, const cs_report *rep)
{
    const char *seen[256];
    size_t ns = 0;
    for (size_t k = 0; k < rep->nr; k++)
        for (size_t i = 0; i < rep->runs[k].ns && ns < 256; i++) {
            const rm_series *s = &rep->runs[k].s[i];
            size_t q = 0;
            while (q < ns && strcmp(seen[q], s->metric))
                q++;
            if (s->kind == RM_SCALAR && q == ns)
                seen[ns++] = s->metric;
        }
    if (!ns)
        return;
    fputs("<details><summary>Every run-level value (mean ± 95 % interval)</summary><table class=\"config\"><thead>"
          "<tr><th>metric</th><th>units</th>",
          out);
    for (size_t g = 0; g < rep->ng; g++) {
        fputs("<th>", out);
        cs_report_escape(out, rep->groups[g].name);
        fputs("</th>", out);
    }
    fputs("</tr></thead><tbody>\n", out);
    for (size_t i = 0; i < ns; i++) {
        const rm_series *s0 = first_series(rep, seen[i]);
        fputs("<tr><td>", out);
        cs_report_escape(out, seen[i]);
        fputs("</td><td>", out);
        cs_report_escape(out, s0->units);
        fputs("</td>", out);
        const rm_def scalar = {.name = seen[i], .section = "", .summary = RM_SUM_SCALAR};
        for (size_t g = 0; g < rep->ng; g++) {
            rm_pooled p;
            char v[96];
            rm_pool(rep, g, &scalar, seen[i], s0->layer, &p);
            rm_fmt_pooled(v, sizeof v, &p, 0);
            int flagged = 0;
            for (size_t k = 0; k < rep->groups[g].n; k++) {
                const rm_series *s = rm_run_find(&rep->runs[rep->groups[g].members[k]], seen[i], s0->layer);
                flagged |= s && s->flag && s->flag[0];
            }
            fprintf(out, "<td%s>", flagged ? " class=\"flagged\"" : "");
            cs_report_escape(out, v);
            if (flagged) {
                fputs(" ⚑ ", out);
                cs_report_escape(out, s0->flag_name[0] ? s0->flag_name : "flagged");
            }
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></details>\n", out);
}

static void runs_and_notes(FILE *out, const cs_report *rep)
{
    fputs("<section id=\"notes\"><h2>Runs and analysis notes</h2>\n", out);
    for (size_t k = 0; k < rep->nr; k++) {
        const rm_run *r = &rep->runs[k];
        size_t nn = r->m ? cs_metrics_note_count(r->m) : 0;
        fputs("<details><summary>", out);
        cs_report_escape(out, r->label);
        fputs(" — ", out);
        cs_report_escape(out, r->file);
        fprintf(out, " (group %s", "");
        cs_report_escape(out, rep->groups[r->group].name);
        fprintf(out, "; %s; %zu steps; ",
                r->info.live           ? "live"
                : r->info.interrupted  ? "interrupted"
                : r->info.end_state[0] ? r->info.end_state
                                       : "closed",
                r->info.steps);
        if (r->m)
            fprintf(out, "%zu analysis note%s)", nn, nn == 1 ? "" : "s");
        else
            fputs("not analysed: run cogscope analyze)", out);
        fputs("</summary><ul class=\"notes\">\n", out);
        /* means over values that may be NaN: over how many of how many */
        rm_within ag[256];
        size_t na = r->m ? rm_within_run_aggregates(r->m, ag, 256) : 0;
        for (size_t i = 0; i < na; i++) {
            fputs("<li>", out);
            cs_report_escape(out, ag[i].name);
            fprintf(out, ": %.4g, mean over %zu of %zu %s%s</li>\n", ag[i].mean, ag[i].valid, ag[i].total, ag[i].of,
                    ag[i].valid < ag[i].total ? " (the others NaN)" : "");
        }
        for (size_t i = 0; i < nn; i++) {
            fputs("<li>", out);
            cs_report_escape(out, cs_metrics_note(r->m, i));
            fputs("</li>\n", out);
        }
        fputs("</ul></details>\n", out);
    }
    fputs("</section>\n", out);
}

static const char *const style =
    "body{font-family:sans-serif;margin:20px;color:#222;max-width:1800px}"
    "h1{font-size:21px;margin:0 0 4px}h2{font-size:17px;border-bottom:1px solid "
    "#ccc;padding-bottom:3px;margin-top:26px}"
    ".meta{color:#555;font-size:12px;max-width:1200px}"
    "table{border-collapse:collapse;font-size:12px;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 6px;"
    "text-align:right;vertical-align:top}td:first-child,th:first-child{text-align:left}"
    "th{background:#f4f4f4;font-weight:600}tr.reference td{background:#f3f7fb}"
    "td.sig{font-weight:bold}td.better{background:#e3f2e3}td.worse{background:#fbe4e0}"
    "span.delta{font-size:11px;color:#444;font-weight:normal}tr.differs td{background:#fff4c2;font-weight:bold}"
    "td.flagged{color:#a00000}.swatch{display:inline-block;width:10px;height:10px;margin-right:5px}"
    ".grid{display:flex;flex-wrap:wrap;gap:12px}figure.chart{margin:0;width:520px;border:1px solid #eee}"
    "figure.chart figcaption{font-size:13px;font-weight:bold;padding:4px 6px 0}"
    "ul.legend{list-style:none;margin:2px 6px 6px;padding:0;display:flex;flex-wrap:wrap;gap:2px 12px;font-size:11px}"
    "ul.legend li{display:flex;align-items:center;gap:4px;max-width:100%}ul.legend svg{flex:none}"
    "p.flag{color:#a00000;font-weight:bold}p.explain{font-size:12px;color:#444;max-width:1100px}ul.notes{font-size:"
    "12px;color:#444}details{margin:5px 0}";

static void head(FILE *out, const cs_report *rep)
{
    time_t now = time(NULL);
    struct tm tm;
    char when[40];
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>cogscope report: %zu "
            "run%s</title>\n<style>%s</style>\n</head><body>\n<h1>cogscope report</h1>\n",
            rep->nr, rep->nr == 1 ? "" : "s", style);
    fprintf(out,
            "<p class=\"meta\">%zu run%s in %zu group%s, generated %s. Each cell: the group mean ± the "
            "half-width of its 95 %% t interval across the group's runs; Δ: difference from <b>",
            rep->nr, rep->nr == 1 ? "" : "s", rep->ng, rep->ng == 1 ? "" : "s", when);
    cs_report_escape(out, rep->groups[rep->reference].name);
    fputs("</b> with Welch's t-test p (bold and shaded when p &lt; 0.05: green better, red worse where the "
          "direction has a meaning). Information in nats; definitions in docs/metrics.md, the report in "
          "docs/report.md.</p>\n",
          out);
}

cs_status cs_report_write_html(FILE *out, const cs_report *rep)
{
    if (!out || !rep)
        return cs_error_set(CS_EINVAL, "cs_report_write_html: output and report must be given");
    head(out, rep);
    fputs("<section id=\"summary\"><h2>Summary</h2>\n", out);
    cs_status st = rm_plane_html_flags(out, rep);
    if (st != CS_OK)
        return st;
    summary_table(out, rep);
    scalars_table(out, rep);
    fputs("</section>\n<section id=\"config\"><h2>Configuration</h2>\n<p class=\"explain\">Every hyper-parameter "
          "of the compared runs; highlighted rows differ between runs.</p>\n",
          out);
    config_table(out, rep);
    fputs("</section>\n", out);
    for (size_t i = 0; rm_section_at(i) && st == CS_OK; i++) {
        const rm_section *sec = rm_section_at(i);
        /* Write the section to memory first: empty sections are left out. */
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (!mem)
            return cs_error_set(CS_ENOMEM, "out of memory for the report");
        st = section_charts(mem, rep, sec->id);
        if (st == CS_OK && !strcmp(sec->id, "plane"))
            st = rm_plane_html(mem, rep);
        if (st == CS_OK && !strcmp(sec->id, "infoplane")) {
            st = infoplane(mem, rep, "ixt", "ity", "continuous estimator");
            if (st == CS_OK)
                st = infoplane(mem, rep, "ixt_binned", "ity_binned", "binned");
        }
        fclose(mem);
        if (st == CS_OK && len) {
            fprintf(out, "<section id=\"%s\"><h2>%s</h2>\n<p class=\"explain\">%s</p><div class=\"grid\">\n", sec->id,
                    sec->title, sec->explain);
            fwrite(buf, 1, len, out);
            fputs("</div></section>\n", out);
        }
        free(buf);
    }
    if (st == CS_OK)
        runs_and_notes(out, rep);
    fputs("</body></html>\n", out);
    if (st == CS_OK && ferror(out))
        st = cs_error_set(CS_EIO, "writing the HTML report failed");
    return st;
}
