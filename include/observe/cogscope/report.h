/* Reports of runs and their analyses: SVG charts, the offline HTML report,
 * and the text/JSON rendering of an analysis (cogscope/observe.h's
 * cs_metrics). `cogscope report` puts these together with the run summary.
 *
 * Everything writes to a caller-given FILE; nothing here prints on its own.
 * The HTML is one self-contained file (inline CSS and SVG, no scripts, no
 * external resources) that renders offline. */
#ifndef COGSCOPE_REPORT_H
#define COGSCOPE_REPORT_H

#include <stdio.h>

#include "cogscope/core.h"
#include "cogscope/json.h"
#include "cogscope/observe.h"
#include "cogscope/runlog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- SVG charts --------------------------------------------------------- */

typedef enum {
    CS_SVG_LINE = 0,    /* polyline through the finite points (gaps at NaN) */
    CS_SVG_DASHED,      /* dashed polyline (fits, references) */
    CS_SVG_POINTS,      /* circles */
    CS_SVG_LINE_POINTS, /* thin polyline + circles (trajectories) */
    CS_SVG_BAND,        /* filled area between y_lo and y_hi (intervals) */
    CS_SVG_MARKS        /* hollow circles with a cross: flagged values */
} cs_svg_kind;

typedef struct {
    const double *x, *y; /* n points; non-finite (and, on log axes, <= 0) points are skipped */
    size_t n;
    const char *label; /* legend text (NULL: not in the legend) */
    const char *color; /* CSS colour; NULL: the palette colour of the series index */
    cs_svg_kind kind;
    const double *shade;       /* NULL, or n values in [0, 1]: circles coloured along the
                                  viridis ramp (e.g. training progress) */
    const double *y_lo, *y_hi; /* CS_SVG_BAND: the band's edges (y unused) */
    int dash;                  /* line style: 0 solid, 1 dashed, 2 dotted, 3 dash-dot (cs_svg_dash) */
    double opacity;            /* 0 (default) = 1; faint raw traces 0.25, bands 0.18 */
    double stroke;             /* line width in px; 0 = the kind's default */
} cs_svg_series;

typedef struct {
    const char *title, *xlabel, *ylabel;
    int logx, logy;          /* log10 axes */
    double width, height;    /* pixels (default 520 x 300 when 0) */
    const char *css_class;   /* class attribute of the <svg> (NULL: "chart") */
    const char *shade_label; /* legend of the colour ramp when a series has shade (NULL: none) */
    int has_hline;           /* draw a grey dashed reference line at y = hline (e.g. p = 0.05) */
    double hline;
    int has_vline; /* the same at x = vline (with hline: four quadrants) */
    double vline;
    /* Labels in the plot's corners: upper left, upper right, lower left,
     * lower right (NULL: none), e.g. the quadrants' names; those whose bit
     * (1 << i) is set in corner_alert are drawn in red. */
    const char *corner[4];
    unsigned corner_alert;
} cs_svg_chart;

/* One legend entry, drawn as HTML beside the chart (wrapping, never clipped). */
typedef struct {
    const char *label;
    const char *color;
    int dash;         /* line style as in cs_svg_series */
    cs_svg_kind kind; /* LINE/DASHED: a line sample; BAND: a filled box; MARKS/POINTS: a marker */
    double opacity;
} cs_svg_legend_item;

/* The palette colour of series i (a CSS hex colour): the eight colours of
 * Okabe & Ito (2008), ordered so that neighbours stay apart under
 * protanopia, deuteranopia and tritanopia (tests/test_report_html.c checks
 * the pairwise distances under simulated colour-vision deficiency). */
const char *cs_svg_palette(size_t i);
size_t cs_svg_palette_size(void);
/* The SVG stroke-dasharray of line style k (NULL for solid). */
const char *cs_svg_dash(int k);

/* Write one chart as an inline <svg> element: axes with 1-2-5 ticks (decades
 * on log axes), grid, title, axis labels, no legend (cs_svg_legend writes it).
 * Series longer than 2000 points are thinned to the minimum and maximum of
 * each of 1000 buckets, which keeps the drawn envelope; bands to at most
 * 1000 vertices a side. A chart with no drawable point says so in its body.
 * CS_EINVAL for bad arguments, CS_EIO when writing fails. */
cs_status cs_svg_write(FILE *out, const cs_svg_chart *chart, const cs_svg_series *series, size_t n_series);

/* The legend of a chart as an HTML list (<ul class="legend">) whose items
 * wrap within the chart's width, each with a small inline SVG sample. */
cs_status cs_svg_legend(FILE *out, const cs_svg_legend_item *items, size_t n);

/* Write s with &, <, >, " and ' escaped for HTML/XML text and attributes. */
void cs_report_escape(FILE *out, const char *s);

/* ---- analysis as text and JSON -------------------------------------------- */

/* A readable summary of an analysis: parameters, per layer the first and
 * last snapshot's information plane, integration and synergy values, spectra
 * exponents, ∫PI, and every note. Values in nats (as stored). */
cs_status cs_report_metrics_text(FILE *out, const cs_metrics *m);

/* What a metrics file holds, array by array: path, dims, units and what it
 * means, with the meaning and flag from the metric table (cogscope/observe.h;
 * an array the table does not know keeps the file's description and says
 * so); json: one JSON object {schema, schema_version, arrays: [{path,
 * metric, shape, units, description, flag, computed_by}], attributes, notes}.
 * `cogscope info METRICS.h5`. */
cs_status cs_report_metrics_list(FILE *out, const cs_metrics *m, int json);

/* ---- reports of many runs ------------------------------------------------ */

typedef enum { CS_REPORT_X_EPOCHS = 0, CS_REPORT_X_SAMPLES, CS_REPORT_X_STEPS } cs_report_x;

typedef struct {
    cs_report_x x; /* x axis of training-time charts (default epochs) */
    /* Comma-separated configuration keys runs are grouped by ("rule",
     * "rule,lr", any /config key). NULL (default): runs whose configuration
     * is equal except for the seed form one group. */
    const char *group_by;
    /* Group the others are compared with (Δ columns); NULL: the first group
     * whose runs use rule bp, else the first group. */
    const char *reference;
    /* EMA span in steps for per-step series; < 0 (default): a quarter of
     * the run's steps per epoch; 0: no smoothing. */
    double smooth;
    /* The PI x Omega plane (docs/ipwt.md): the per-layer metric on the Omega
     * axis (NULL: CS_REPORT_PLANE_METRIC, the layer Omega of analyze), and
     * the quadrant thresholds: PI >= plane_pi is high PI, Omega < plane_omega
     * low Omega. A run whose end point in some layer is high-PI, low-Omega
     * ("clever idiot") is flagged in every format. cs_report_create checks
     * 0 < plane_pi < 1 and 0 <= plane_omega <= 1. */
    const char *plane_metric;
    double plane_pi, plane_omega;
} cs_report_options;

/* The default Omega axis of the PI x Omega plane and its thresholds. */
#define CS_REPORT_PLANE_METRIC "layer_omega"
#define CS_REPORT_PLANE_PI 0.5
#define CS_REPORT_PLANE_OMEGA 0.5

void cs_report_options_default(cs_report_options *o);

typedef struct {
    const cs_runlog *run;      /* required */
    const cs_metrics *metrics; /* NULL: the run was not analysed */
    const char *label;         /* short name of the run (NULL: "RULE seed S (FILE)") */
    const char *group;         /* explicit group name (NULL: grouped by the options) */
    const char *metrics_path;  /* where the metrics came from (for the record; may be NULL) */
} cs_report_run;

typedef struct cs_report cs_report;

/* Read every run and analysis once into the report model (docs/report.md):
 * tidy series per (run, metric, layer), groups, the configuration table.
 * Read errors name the file; an unknown --group-by key or reference group is
 * CS_EINVAL naming it. */
cs_status cs_report_create(const cs_report_run *runs, size_t n_runs, const cs_report_options *opt, cs_report **out);
void cs_report_destroy(cs_report *r); /* NULL is fine */

/* The summary table (one row per group: mean ± 95 % CI and Δ against the
 * reference group) and the configuration table, as text. */
cs_status cs_report_write_summary_text(FILE *out, const cs_report *r);
/* Long-format CSV: run, group, label, rule, seed, step, epoch, samples,
 * layer, metric, value, units, flag; one row per value of every per-step,
 * per-epoch and per-snapshot series and every run-level scalar. */
cs_status cs_report_write_csv(FILE *out, const cs_report *r);
/* One JSON object: format_version, groups with pooled summaries, runs with
 * configuration, series and scalars under plain metric keys
 * (docs/report.schema.json). */
cs_status cs_report_write_json(FILE *out, const cs_report *r);
/* The offline HTML report: summary and configuration tables first, then
 * every metric charted per group (mean and 95 % interval across seeds). */
cs_status cs_report_write_html(FILE *out, const cs_report *r);

#ifdef __cplusplus
}
#endif
#endif
