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
    CS_SVG_LINE = 0,   /* polyline through the finite points (gaps at NaN) */
    CS_SVG_DASHED,     /* dashed polyline (fits, references) */
    CS_SVG_POINTS,     /* circles */
    CS_SVG_LINE_POINTS /* thin polyline + circles (trajectories) */
} cs_svg_kind;

typedef struct {
    const double *x, *y;  /* n points; non-finite (and, on log axes, <= 0) points are skipped */
    size_t n;
    const char *label;    /* legend text (NULL: not in the legend) */
    const char *color;    /* CSS colour; NULL: the palette colour of the series index */
    cs_svg_kind kind;
    const double *shade;  /* NULL, or n values in [0, 1]: circles coloured along the
                             viridis ramp (e.g. training progress) */
} cs_svg_series;

typedef struct {
    const char *title, *xlabel, *ylabel;
    int logx, logy;      /* log10 axes */
    double width, height; /* pixels (default 520 x 300 when 0) */
    const char *css_class; /* class attribute of the <svg> (NULL: "chart") */
    const char *shade_label; /* legend of the colour ramp when a series has shade (NULL: none) */
} cs_svg_chart;

/* The palette colour of series i (a CSS hex colour). */
const char *cs_svg_palette(size_t i);

/* Write one chart as an inline <svg> element: axes with 1-2-5 ticks (decades
 * on log axes), grid, title, axis labels, legend. Series longer than 2000
 * points are thinned to the minimum and maximum of each of 1000 buckets,
 * which keeps the drawn envelope. A chart with no drawable point says so in
 * its body. CS_EINVAL for bad arguments, CS_EIO when writing fails. */
cs_status cs_svg_write(FILE *out, const cs_svg_chart *chart, const cs_svg_series *series, size_t n_series);

/* Write s with &, <, >, " escaped for HTML/XML text and attributes. */
void cs_report_escape(FILE *out, const char *s);

/* ---- analysis as text and JSON -------------------------------------------- */

/* A readable summary of an analysis: parameters, per layer the first and
 * last snapshot's information plane, integration and synergy values, spectra
 * exponents, ∫PI, and every note. Values in nats (as stored). */
cs_status cs_report_metrics_text(FILE *out, const cs_metrics *m);

/* Every number of an analysis as the members of the current JSON object:
 * "attributes": {...}, "notes": [...], "arrays": {PATH: {"units",
 * "description", "dims", "values"}} with values nested by rank (NaN -> null). */
void cs_report_metrics_json(cs_json *j, const cs_metrics *m);

/* ---- HTML --------------------------------------------------------------- */

typedef struct {
    const cs_runlog *run;      /* required */
    const cs_metrics *metrics; /* NULL: the run was not analysed */
    const char *label;         /* short name in legends (NULL: the file name) */
} cs_report_run;

/* The offline HTML report of one or more runs: run summaries; loss,
 * accuracy, PI, S and tau against step; information-plane trajectories per
 * layer coloured by step; O-information, TC, TSE and Omega per layer against
 * step; spectra on log-log axes with the aperiodic fit; PhiID; with several
 * runs every chart overlays them and a comparison table comes first.
 * Read errors of a run give CS_EIO naming the file. */
cs_status cs_report_html(FILE *out, const cs_report_run *runs, size_t n_runs);

#ifdef __cplusplus
}
#endif
#endif
