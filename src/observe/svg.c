/* Inline SVG charts for the HTML report: line, point and trajectory charts on
 * linear or log10 axes. Plain text output; no ids, so any number of charts
 * can share one document. */
#include "cogscope/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                      "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

const char *cs_svg_palette(size_t i) { return palette[i % (sizeof palette / sizeof palette[0])]; }

void cs_report_escape(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* Viridis at t in [0, 1] by linear interpolation between five of its colours. */
static void viridis(double t, char *buf, size_t n)
{
    static const unsigned char stops[5][3] = {
        {0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62}, {0xfd, 0xe7, 0x25}};
    if (!(t >= 0))
        t = 0;
    if (t > 1)
        t = 1;
    double u = t * 4;
    int k = (int)floor(u);
    if (k > 3)
        k = 3;
    double f = u - k;
    int rgb[3];
    for (int c = 0; c < 3; c++)
        rgb[c] = (int)lround(stops[k][c] + f * (stops[k + 1][c] - stops[k][c]));
    snprintf(buf, n, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

typedef struct {
    double lo, hi; /* data range (log10 units on a log axis) */
    int log;
} axis;

static int usable(double v, int log_axis) { return isfinite(v) && (!log_axis || v > 0); }
static double tr(double v, int log_axis) { return log_axis ? log10(v) : v; }

/* 1-2-5 steps giving about `want` intervals over [lo, hi]. */
static double nice_step(double span, int want)
{
    double raw = span / want, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void fmt_tick(double v, int log_axis, char *buf, size_t n)
{
    if (log_axis) {
        double e = round(v);
        if (fabs(v - e) < 1e-9 && (e < -3 || e > 4))
            snprintf(buf, n, "1e%d", (int)e);
        else {
            /* Three significant digits without switching to exponents:
             * 1000, not 1e+03. */
            double val = pow(10, v), mag = pow(10, floor(log10(val)) - 2);
            snprintf(buf, n, "%.10g", round(val / mag) * mag);
        }
        return;
    }
    if (fabs(v) < 1e-12)
        v = 0;
    snprintf(buf, n, "%.4g", v);
}

/* Indices of the points to draw: everything, or for long series the
 * minimum and maximum of each of 1000 buckets, in order. */
static size_t thin(const cs_svg_series *s, int lx, int ly, size_t *keep)
{
    size_t m = 0;
    if (s->n <= 2000) {
        for (size_t i = 0; i < s->n; i++)
            keep[m++] = i;
        return m;
    }
    const size_t B = 1000;
    for (size_t b = 0; b < B; b++) {
        size_t a = b * s->n / B, e = (b + 1) * s->n / B, imin = SIZE_MAX, imax = SIZE_MAX;
        for (size_t i = a; i < e; i++) {
            if (!usable(s->x[i], lx) || !usable(s->y[i], ly))
                continue;
            if (imin == SIZE_MAX || s->y[i] < s->y[imin])
                imin = i;
            if (imax == SIZE_MAX || s->y[i] > s->y[imax])
                imax = i;
        }
        if (imin == SIZE_MAX) {
            keep[m++] = a; /* keeps a gap where the bucket has none */
            continue;
        }
        size_t first = imin < imax ? imin : imax, second = imin < imax ? imax : imin;
        keep[m++] = first;
        if (second != first)
            keep[m++] = second;
    }
    return m;
}

cs_status cs_svg_write(FILE *out, const cs_svg_chart *c, const cs_svg_series *series, size_t ns)
{
    if (!out || !c || (ns && !series))
        return cs_error_set(CS_EINVAL, "cs_svg_write: output, chart and series must be given");
    double W = c->width > 0 ? c->width : 520, H = c->height > 0 ? c->height : 300;
    int has_shade = 0;
    size_t legend_items = 0, legend_chars = 0;
    axis ax = {INFINITY, -INFINITY, c->logx}, ay = {INFINITY, -INFINITY, c->logy};
    for (size_t k = 0; k < ns; k++) {
        const cs_svg_series *s = &series[k];
        if (s->n && (!s->x || !s->y))
            return cs_error_set(CS_EINVAL, "cs_svg_write: series %zu has no data arrays", k);
        has_shade |= s->shade != NULL;
        if (s->label) {
            legend_items++;
            legend_chars += strlen(s->label);
        }
        for (size_t i = 0; i < s->n; i++)
            if (usable(s->x[i], ax.log) && usable(s->y[i], ay.log)) {
                double x = tr(s->x[i], ax.log), y = tr(s->y[i], ay.log);
                ax.lo = fmin(ax.lo, x);
                ax.hi = fmax(ax.hi, x);
                ay.lo = fmin(ay.lo, y);
                ay.hi = fmax(ay.hi, y);
            }
    }
    /* Legend rows: items flow left to right, about 6.5 px per character. */
    double legend_w = (double)legend_items * 34 + (double)legend_chars * 6.5 + (has_shade && c->shade_label ? 150 : 0);
    int rows = legend_w > 0 ? (int)ceil(legend_w / (W - 70)) : 0;
    double ml = 62, mr = 14, mt = 26, mb = 50 + rows * 16;
    double pw = W - ml - mr, ph = H - mt - mb;
    if (ph < 40) {
        H += 40 - ph;
        ph = 40;
    }
    const char *cls = c->css_class ? c->css_class : "chart";
    fprintf(out,
            "<svg class=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">\n",
            cls, W, H, W, H);
    fputs("<title>", out);
    cs_report_escape(out, c->title ? c->title : "chart");
    fputs("</title>\n", out);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", W, H);
    if (c->title) {
        fprintf(out, "<text x=\"%.1f\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">",
                ml + pw / 2);
        cs_report_escape(out, c->title);
        fputs("</text>\n", out);
    }
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n", ml, mt,
            pw, ph);
    if (!(ax.lo <= ax.hi)) {
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n</svg>\n",
                ml + pw / 2, mt + ph / 2);
        return ferror(out) ? cs_error_set(CS_EIO, "writing a chart failed") : CS_OK;
    }
    axis *axes[2] = {&ax, &ay};
    for (int a = 0; a < 2; a++) {
        axis *q = axes[a];
        if (q->hi - q->lo < 1e-12 * fmax(1, fabs(q->hi))) {
            double d = q->log ? 0.5 : fmax(0.5, fabs(q->hi) * 0.1);
            q->lo -= d;
            q->hi += d;
        } else if (!q->log) {
            double pad = (q->hi - q->lo) * 0.04;
            q->lo -= pad;
            q->hi += pad;
        }
    }
#define PX(v) (ml + (tr(v, ax.log) - ax.lo) / (ax.hi - ax.lo) * pw)
#define PY(v) (mt + ph - (tr(v, ay.log) - ay.lo) / (ay.hi - ay.lo) * ph)
    /* Grid and ticks: 1-2-5 steps on linear axes; decades on log axes that
     * span two or more, else 1, 2, 5 times powers of ten. */
    for (int a = 0; a < 2; a++) {
        axis *q = axes[a];
        double span = q->hi - q->lo, ticks[64];
        int nt = 0;
        if (q->log && span < 2) {
            for (int e = (int)floor(q->lo) - 1; e <= (int)ceil(q->hi) && nt < 60; e++)
                for (int k = 0; k < 3; k++) {
                    double v = e + log10(k == 0 ? 1.0 : k == 1 ? 2.0 : 5.0);
                    if (v >= q->lo - 1e-9 && v <= q->hi + 1e-9)
                        ticks[nt++] = v;
                }
        } else {
            double step = q->log ? fmax(1, ceil(span / 6)) : nice_step(span, a ? 5 : 6);
            double start = ceil(q->lo / step - 1e-9) * step;
            for (int i = 0; i < 40; i++) {
                double v = start + i * step;
                if (v > q->hi + 1e-9 * step)
                    break;
                ticks[nt++] = v;
            }
        }
        for (int i = 0; i < nt; i++) {
            double v = ticks[i];
            char lab[32];
            fmt_tick(v, q->log, lab, sizeof lab);
            if (a == 0) {
                double x = ml + (v - q->lo) / span * pw;
                fprintf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                        x, mt, x, mt + ph, x, mt + ph + 14, lab);
            } else {
                double y = mt + ph - (v - q->lo) / span * ph;
                fprintf(out,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                        ml, y, ml + pw, y, ml - 4, y + 4, lab);
            }
        }
    }
    if (c->xlabel) {
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", ml + pw / 2, mt + ph + 30);
        cs_report_escape(out, c->xlabel);
        fputs(c->logx ? " (log)" : "", out);
        fputs("</text>\n", out);
    }
    if (c->ylabel) {
        fprintf(out, "<text transform=\"translate(14,%.1f) rotate(-90)\" text-anchor=\"middle\">", mt + ph / 2);
        cs_report_escape(out, c->ylabel);
        fputs(c->logy ? " (log)" : "", out);
        fputs("</text>\n", out);
    }
    /* Series, clipped to the plot area by construction of the range. */
    size_t maxn = 0;
    for (size_t k = 0; k < ns; k++)
        maxn = series[k].n > maxn ? series[k].n : maxn;
    size_t *keep = malloc((maxn ? maxn : 1) * sizeof *keep);
    if (!keep)
        return cs_error_set(CS_ENOMEM, "out of memory drawing a chart");
    for (size_t k = 0; k < ns; k++) {
        const cs_svg_series *s = &series[k];
        const char *col = s->color ? s->color : cs_svg_palette(k);
        size_t m = thin(s, ax.log, ay.log, keep);
        if (s->kind != CS_SVG_POINTS) {
            int open = 0;
            for (size_t q = 0; q < m; q++) {
                size_t i = keep[q];
                if (!usable(s->x[i], ax.log) || !usable(s->y[i], ay.log)) {
                    if (open)
                        fputs("\"/>\n", out);
                    open = 0;
                    continue;
                }
                if (!open)
                    fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"", col,
                            s->kind == CS_SVG_LINE_POINTS ? "0.8" : "1.5",
                            s->kind == CS_SVG_DASHED ? " stroke-dasharray=\"5,3\"" : "");
                fprintf(out, "%s%.1f,%.1f", open ? " " : "", PX(s->x[i]), PY(s->y[i]));
                open = 1;
            }
            if (open)
                fputs("\"/>\n", out);
        }
        if (s->kind == CS_SVG_POINTS || s->kind == CS_SVG_LINE_POINTS)
            for (size_t q = 0; q < m; q++) {
                size_t i = keep[q];
                if (!usable(s->x[i], ax.log) || !usable(s->y[i], ay.log))
                    continue;
                char shade[8];
                if (s->shade)
                    viridis(s->shade[i], shade, sizeof shade);
                fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\" stroke=\"%s\" stroke-width=\"0.6\"/>\n",
                        PX(s->x[i]), PY(s->y[i]), s->shade ? shade : col, col);
            }
    }
    free(keep);
#undef PX
#undef PY
    /* Legend. */
    double lx = ml, ly = mt + ph + 48;
    for (size_t k = 0; k < ns; k++) {
        const cs_svg_series *s = &series[k];
        if (!s->label)
            continue;
        double w = 34 + strlen(s->label) * 6.5;
        if (lx + w > W - mr && lx > ml) {
            lx = ml;
            ly += 16;
        }
        const char *col = s->color ? s->color : cs_svg_palette(k);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"%s/>", lx,
                ly - 4, lx + 20, ly - 4, col, s->kind == CS_SVG_DASHED ? " stroke-dasharray=\"5,3\"" : "");
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", lx + 24, ly);
        cs_report_escape(out, s->label);
        fputs("</text>\n", out);
        lx += w;
    }
    if (has_shade && c->shade_label) {
        if (lx + 150 > W - mr && lx > ml) {
            lx = ml;
            ly += 16;
        }
        for (int i = 0; i < 10; i++) {
            char col[8];
            viridis(i / 9.0, col, sizeof col);
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"9\" fill=\"%s\"/>", lx + i * 6, ly - 9, col);
        }
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", lx + 64, ly);
        cs_report_escape(out, c->shade_label);
        fputs("</text>\n", out);
    }
    fputs("</svg>\n", out);
    return ferror(out) ? cs_error_set(CS_EIO, "writing a chart failed") : CS_OK;
}
