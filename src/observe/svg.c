/* Inline SVG charts for the HTML report: line, point and trajectory charts on
 * linear or log10 axes. Plain text output; no ids, so any number of charts
 * can share one document. */
#include "cogscope/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/json.h"

/* Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green,
 * vermillion, reddish purple, sky blue, black, yellow. Yellow (weak on
 * white) comes last; groups beyond eight repeat the hues. */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                      "#CC79A7", "#56B4E9", "#000000", "#F0E442"};

const char *cs_svg_palette(size_t i) { return palette[i % (sizeof palette / sizeof palette[0])]; }
size_t cs_svg_palette_size(void) { return sizeof palette / sizeof palette[0]; }

const char *cs_svg_dash(int k)
{
    static const char *const d[] = {NULL, "7,4", "2,3", "8,3,2,3"};
    return d[(k % 4 + 4) % 4];
}

void cs_report_escape(FILE *out, const char *s)
{
    while (s && *s) {
        size_t n = cs_utf8_seq_len(s);
        if (n == 0) { /* not UTF-8 */
            fputs("&#xfffd;", out);
            s++;
            continue;
        }
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                fputs("&#xfffd;", out); /* control characters are not allowed in HTML text */
            else
                fwrite(s, 1, n, out);
        }
        s += n;
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

/* A filled band between y_lo and y_hi: one polygon per run of drawable
 * points, at most about 1000 vertices a side (every k-th point). */
static void band(FILE *out, const cs_svg_series *s, const axis *ax, const axis *ay, double ml, double mt, double pw,
                 double ph, const char *col, double opacity)
{
    size_t stride = s->n > 1000 ? (s->n + 999) / 1000 : 1;
#define BX(v) (ml + (tr(v, ax->log) - ax->lo) / (ax->hi - ax->lo) * pw)
#define BY(v) (mt + ph - (tr(v, ay->log) - ay->lo) / (ay->hi - ay->lo) * ph)
    for (size_t i = 0; i < s->n;) {
        while (i < s->n && !(usable(s->x[i], ax->log) && usable(s->y_lo[i], ay->log) && usable(s->y_hi[i], ay->log)))
            i++;
        size_t j = i;
        while (j < s->n && usable(s->x[j], ax->log) && usable(s->y_lo[j], ay->log) && usable(s->y_hi[j], ay->log))
            j++;
        if (j > i + 1) {
            fprintf(out, "<polygon class=\"band\" fill=\"%s\" fill-opacity=\"%.2f\" stroke=\"none\" points=\"", col,
                    opacity);
            for (size_t k = i; k < j; k += stride)
                fprintf(out, "%.1f,%.1f ", BX(s->x[k]), BY(s->y_hi[k]));
            fprintf(out, "%.1f,%.1f", BX(s->x[j - 1]), BY(s->y_hi[j - 1]));
            fprintf(out, " %.1f,%.1f", BX(s->x[j - 1]), BY(s->y_lo[j - 1]));
            for (size_t k = j - 1; k-- > i;)
                if ((k - i) % stride == 0)
                    fprintf(out, " %.1f,%.1f", BX(s->x[k]), BY(s->y_lo[k]));
            fputs("\"/>\n", out);
        }
        i = j;
    }
#undef BX
#undef BY
}

/* Grow the axis ranges by the drawable points of one series. */
static void extend(axis *ax, axis *ay, const cs_svg_series *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!usable(s->x[i], ax->log))
            continue;
        double ys[2] = {s->y ? s->y[i] : NAN, NAN};
        if (s->kind == CS_SVG_BAND) {
            ys[0] = s->y_lo[i];
            ys[1] = s->y_hi[i];
        }
        for (int k = 0; k < 2; k++)
            if (usable(ys[k], ay->log)) {
                double x = tr(s->x[i], ax->log), y = tr(ys[k], ay->log);
                ax->lo = fmin(ax->lo, x);
                ax->hi = fmax(ax->hi, x);
                ay->lo = fmin(ay->lo, y);
                ay->hi = fmax(ay->hi, y);
            }
    }
}

/* The plot area: axes (ranges in transformed units) and the margins. */
typedef struct {
    axis ax, ay;
    double ml, mt, pw, ph; /* left and top margin, plot width and height (px) */
} frame;

static double px(const frame *f, double v)
{
    return f->ml + (tr(v, f->ax.log) - f->ax.lo) / (f->ax.hi - f->ax.lo) * f->pw;
}
static double py(const frame *f, double v)
{
    return f->mt + f->ph - (tr(v, f->ay.log) - f->ay.lo) / (f->ay.hi - f->ay.lo) * f->ph;
}

/* A degenerate range widened; a linear one padded by 4 %. */
static void pad_axis(axis *q)
{
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

/* Grid and ticks of axis a (0: x, 1: y): 1-2-5 steps on linear axes;
 * decades on log axes that span two or more, else 1, 2, 5 times powers of
 * ten. */
static void ticks(FILE *out, const frame *f, int a)
{
    const axis *q = a ? &f->ay : &f->ax;
    double span = q->hi - q->lo, t[64];
    int nt = 0;
    if (q->log && span < 2) {
        for (int e = (int)floor(q->lo) - 1; e <= (int)ceil(q->hi) && nt < 60; e++)
            for (int k = 0; k < 3; k++) {
                double v = e + log10(k == 0 ? 1.0 : k == 1 ? 2.0 : 5.0);
                if (v >= q->lo - 1e-9 && v <= q->hi + 1e-9)
                    t[nt++] = v;
            }
    } else {
        double step = q->log ? fmax(1, ceil(span / 6)) : nice_step(span, a ? 5 : 6);
        double start = ceil(q->lo / step - 1e-9) * step;
        for (int i = 0; i < 40; i++) {
            double v = start + i * step;
            if (v > q->hi + 1e-9 * step)
                break;
            t[nt++] = v;
        }
    }
    for (int i = 0; i < nt; i++) {
        double v = t[i];
        char lab[32];
        fmt_tick(v, q->log, lab, sizeof lab);
        if (a == 0) {
            double x = f->ml + (v - q->lo) / span * f->pw;
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                    x, f->mt, x, f->mt + f->ph, x, f->mt + f->ph + 14, lab);
        } else {
            double y = f->mt + f->ph - (v - q->lo) / span * f->ph;
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    f->ml, y, f->ml + f->pw, y, f->ml - 4, y + 4, lab);
        }
    }
}

static void axis_labels(FILE *out, const cs_svg_chart *c, const frame *f)
{
    if (c->xlabel) {
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", f->ml + f->pw / 2, f->mt + f->ph + 30);
        cs_report_escape(out, c->xlabel);
        fputs(c->logx ? " (log)" : "", out);
        fputs("</text>\n", out);
    }
    if (c->ylabel) {
        fprintf(out, "<text transform=\"translate(14,%.1f) rotate(-90)\" text-anchor=\"middle\">", f->mt + f->ph / 2);
        cs_report_escape(out, c->ylabel);
        fputs(c->logy ? " (log)" : "", out);
        fputs("</text>\n", out);
    }
}

/* The polylines of a line series through its kept points keep[0..m), one
 * per run of drawable points. */
static void polylines(FILE *out, const frame *f, const cs_svg_series *s, const char *col, const size_t *keep,
                      size_t m)
{
    const char *dash = s->kind == CS_SVG_DASHED ? "5,3" : cs_svg_dash(s->dash);
    double op = s->opacity > 0 ? s->opacity : 1;
    int open = 0;
    for (size_t q = 0; q < m; q++) {
        size_t i = keep[q];
        if (!usable(s->x[i], f->ax.log) || !usable(s->y[i], f->ay.log)) {
            if (open)
                fputs("\"/>\n", out);
            open = 0;
            continue;
        }
        if (!open) {
            fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"", col,
                    s->stroke > 0                   ? s->stroke
                    : s->kind == CS_SVG_LINE_POINTS ? 0.8
                                                    : 1.6);
            if (dash)
                fprintf(out, " stroke-dasharray=\"%s\"", dash);
            if (op < 1)
                fprintf(out, " stroke-opacity=\"%.2f\"", op);
            fputs(" points=\"", out);
        }
        fprintf(out, "%s%.1f,%.1f", open ? " " : "", px(f, s->x[i]), py(f, s->y[i]));
        open = 1;
    }
    if (open)
        fputs("\"/>\n", out);
}

/* The markers of a point series (circles, shaded circles, flag marks). */
static void markers(FILE *out, const frame *f, const cs_svg_series *s, const char *col, const size_t *keep, size_t m)
{
    for (size_t q = 0; q < m; q++) {
        size_t i = keep[q];
        if (!usable(s->x[i], f->ax.log) || !usable(s->y[i], f->ay.log))
            continue;
        double x = px(f, s->x[i]), y = py(f, s->y[i]);
        if (s->kind == CS_SVG_MARKS) {
            fprintf(out,
                    "<circle class=\"flagged\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#ffffff\" "
                    "stroke=\"%s\" stroke-width=\"1.6\"/><path d=\"M%.1f %.1fl6 6m0 -6l-6 6\" stroke=\"%s\" "
                    "stroke-width=\"1.4\"/>\n",
                    x, y, col, x - 3, y - 3, col);
            continue;
        }
        char shade[8];
        if (s->shade)
            viridis(s->shade[i], shade, sizeof shade);
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\" stroke=\"%s\" stroke-width=\"0.6\"/>\n",
                x, y, s->shade ? shade : col, col);
    }
}

/* The reference line and every series, clipped to the plot area by
 * construction of the range. */
static cs_status draw_series(FILE *out, const cs_svg_chart *c, const frame *f, const cs_svg_series *series, size_t ns)
{
    size_t maxn = 0;
    for (size_t k = 0; k < ns; k++)
        maxn = series[k].n > maxn ? series[k].n : maxn;
    size_t *keep = malloc((maxn ? maxn : 1) * sizeof *keep);
    if (!keep)
        return cs_error_set(CS_ENOMEM, "out of memory drawing a chart");
    if (c->has_hline && usable(c->hline, f->ay.log))
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#777\" stroke-dasharray=\"4,3\"/>\n",
                f->ml, py(f, c->hline), f->ml + f->pw, py(f, c->hline));
    if (c->has_vline && usable(c->vline, f->ax.log))
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#777\" stroke-dasharray=\"4,3\"/>\n",
                px(f, c->vline), f->mt, px(f, c->vline), f->mt + f->ph);
    for (size_t k = 0; k < ns; k++) {
        const cs_svg_series *s = &series[k];
        const char *col = s->color ? s->color : cs_svg_palette(k);
        if (s->kind == CS_SVG_BAND) {
            band(out, s, &f->ax, &f->ay, f->ml, f->mt, f->pw, f->ph, col, s->opacity > 0 ? s->opacity : 0.18);
            continue;
        }
        size_t m = thin(s, f->ax.log, f->ay.log, keep);
        if (s->kind == CS_SVG_LINE || s->kind == CS_SVG_DASHED || s->kind == CS_SVG_LINE_POINTS)
            polylines(out, f, s, col, keep, m);
        if (s->kind != CS_SVG_LINE && s->kind != CS_SVG_DASHED)
            markers(out, f, s, col, keep, m);
    }
    free(keep);
    return CS_OK;
}

/* The colour ramp of shaded points and its label. */
static void shade_legend(FILE *out, const cs_svg_chart *c, const frame *f)
{
    for (int i = 0; i < 10; i++) {
        char col[8];
        viridis(i / 9.0, col, sizeof col);
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"8\" fill=\"%s\"/>",
                f->ml + f->pw - 150 + i * 6, f->mt + 4, col);
    }
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">", f->ml + f->pw - 86, f->mt + 12);
    cs_report_escape(out, c->shade_label);
    fputs("</text>\n", out);
}

/* The corner labels (quadrant names) inside the plot area. */
static void corners(FILE *out, const cs_svg_chart *c, const frame *f)
{
    for (int i = 0; i < 4; i++) {
        if (!c->corner[i])
            continue;
        int right = i & 1, low = i >> 1;
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"10\" fill=\"%s\">",
                right ? f->ml + f->pw - 4 : f->ml + 4, low ? f->mt + f->ph - 5 : f->mt + 12, right ? "end" : "start",
                c->corner_alert & (1u << i) ? "#a00000" : "#555");
        cs_report_escape(out, c->corner[i]);
        fputs("</text>\n", out);
    }
}

/* The <svg> element, its title and the plot frame. */
static void open_svg(FILE *out, const cs_svg_chart *c, const frame *f, double W, double H)
{
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
                f->ml + f->pw / 2);
        cs_report_escape(out, c->title);
        fputs("</text>\n", out);
    }
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n",
            f->ml, f->mt, f->pw, f->ph);
}

cs_status cs_svg_write(FILE *out, const cs_svg_chart *c, const cs_svg_series *series, size_t ns)
{
    if (!out || !c || (ns && !series))
        return cs_error_set(CS_EINVAL, "cs_svg_write: output, chart and series must be given");
    double W = c->width > 0 ? c->width : 520, H = c->height > 0 ? c->height : 300;
    frame f = {.ax = {INFINITY, -INFINITY, c->logx}, .ay = {INFINITY, -INFINITY, c->logy}, .ml = 62, .mt = 26};
    for (size_t k = 0; k < ns; k++) {
        const cs_svg_series *s = &series[k];
        if (s->n && (!s->x || (s->kind == CS_SVG_BAND ? !s->y_lo || !s->y_hi : !s->y)))
            return cs_error_set(CS_EINVAL, "cs_svg_write: series %zu has no data arrays", k);
        extend(&f.ax, &f.ay, s);
    }
    if (c->has_hline && usable(c->hline, f.ay.log) && f.ay.lo <= f.ay.hi) {
        f.ay.lo = fmin(f.ay.lo, tr(c->hline, f.ay.log));
        f.ay.hi = fmax(f.ay.hi, tr(c->hline, f.ay.log));
    }
    if (c->has_vline && usable(c->vline, f.ax.log) && f.ax.lo <= f.ax.hi) {
        f.ax.lo = fmin(f.ax.lo, tr(c->vline, f.ax.log));
        f.ax.hi = fmax(f.ax.hi, tr(c->vline, f.ax.log));
    }
    double mr = 14, mb = 44;
    f.pw = W - f.ml - mr;
    f.ph = H - f.mt - mb;
    open_svg(out, c, &f, W, H);
    if (!(f.ax.lo <= f.ax.hi)) {
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n</svg>\n",
                f.ml + f.pw / 2, f.mt + f.ph / 2);
        return ferror(out) ? cs_error_set(CS_EIO, "writing a chart failed") : CS_OK;
    }
    pad_axis(&f.ax);
    pad_axis(&f.ay);
    ticks(out, &f, 0);
    ticks(out, &f, 1);
    axis_labels(out, c, &f);
    cs_status st = draw_series(out, c, &f, series, ns);
    if (st != CS_OK)
        return st;
    if (c->shade_label)
        shade_legend(out, c, &f);
    corners(out, c, &f);
    fputs("</svg>\n", out);
    return ferror(out) ? cs_error_set(CS_EIO, "writing a chart failed") : CS_OK;
}

/* A small sample of an entry's mark: a line in its style, a box, a marker. */
static void legend_sample(FILE *out, const cs_svg_legend_item *it)
{
    const char *col = it->color ? it->color : "#444";
    double op = it->opacity > 0 ? it->opacity : 1;
    fputs("<svg class=\"key\" width=\"26\" height=\"12\" viewBox=\"0 0 26 12\">", out);
    if (it->kind == CS_SVG_BAND)
        fprintf(out, "<rect x=\"1\" y=\"1\" width=\"24\" height=\"10\" fill=\"%s\" fill-opacity=\"%.2f\"/>", col,
                it->opacity > 0 ? it->opacity : 0.25);
    else if (it->kind == CS_SVG_MARKS)
        fprintf(out,
                "<circle cx=\"13\" cy=\"6\" r=\"4.5\" fill=\"#fff\" stroke=\"%s\" stroke-width=\"1.6\"/>"
                "<path d=\"M10 3l6 6m0 -6l-6 6\" stroke=\"%s\" stroke-width=\"1.4\"/>",
                col, col);
    else if (it->kind == CS_SVG_POINTS)
        fprintf(out, "<circle cx=\"13\" cy=\"6\" r=\"3\" fill=\"%s\"/>", col);
    else {
        const char *dash = it->kind == CS_SVG_DASHED ? "5,3" : cs_svg_dash(it->dash);
        fprintf(out, "<line x1=\"1\" y1=\"6\" x2=\"25\" y2=\"6\" stroke=\"%s\" stroke-width=\"2.2\"", col);
        if (dash)
            fprintf(out, " stroke-dasharray=\"%s\"", dash);
        if (op < 1)
            fprintf(out, " stroke-opacity=\"%.2f\"", op);
        fputs("/>", out);
        if (it->kind == CS_SVG_LINE_POINTS)
            fprintf(out, "<circle cx=\"13\" cy=\"6\" r=\"2.6\" fill=\"%s\"/>", col);
    }
    fputs("</svg>", out);
}

cs_status cs_svg_legend(FILE *out, const cs_svg_legend_item *items, size_t n)
{
    if (!out || (n && !items))
        return cs_error_set(CS_EINVAL, "cs_svg_legend: output and items must be given");
    if (!n)
        return CS_OK;
    fputs("<ul class=\"legend\">", out);
    for (size_t i = 0; i < n; i++) {
        fputs("<li>", out);
        legend_sample(out, &items[i]);
        cs_report_escape(out, items[i].label);
        fputs("</li>", out);
    }
    fputs("</ul>\n", out);
    return ferror(out) ? cs_error_set(CS_EIO, "writing a legend failed") : CS_OK;
}
