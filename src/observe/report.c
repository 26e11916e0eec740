/* A report of many runs (cogscope/report.h): each run loaded into the report
 * model (report_model.c), then grouped (report_group.c). The writers
 * (report_text.c, report_export.c, report_html.c) walk the result. This file
 * sits above both halves, so that the model and the grouping never call
 * each other in a circle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

/* ---- the report ---- */

void cs_report_options_default(cs_report_options *o)
{
    memset(o, 0, sizeof *o);
    o->x = CS_REPORT_X_EPOCHS;
    o->smooth = -1;
    o->plane_pi = CS_REPORT_PLANE_PI;
    o->plane_omega = CS_REPORT_PLANE_OMEGA;
}

void cs_report_destroy(cs_report *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->nr; k++)
        rm_run_free(&r->runs[k]);
    for (size_t g = 0; r->groups && g < r->ng; g++)
        free(r->groups[g].members);
    free(r->groups);
    free(r->runs);
    free(r);
}

/* A plane metric asked for by name must be a per-layer metric of some
 * analysed run (a typo would otherwise leave the plane empty in silence). */
static cs_status check_plane_metric(const cs_report *rep)
{
    int analysed = 0;
    for (size_t k = 0; k < rep->nr; k++) {
        analysed |= rep->runs[k].m != NULL;
        for (size_t i = 0; i < rep->runs[k].ns; i++)
            if (rep->runs[k].s[i].layer && !strcmp(rep->runs[k].s[i].metric, rep->plane_metric))
                return CS_OK;
    }
    return analysed ? cs_error_set(CS_EINVAL,
                                   "cs_report_create: plane metric '%s': no analysed run has a per-layer metric of "
                                   "that name (e.g. layer_omega, omega_mean)",
                                   rep->plane_metric)
                    : CS_OK;
}

cs_status cs_report_create(const cs_report_run *runs, size_t n_runs, const cs_report_options *opt, cs_report **out)
{
    if (!out || !runs || !n_runs)
        return cs_error_set(CS_EINVAL, "cs_report_create: at least one run and out must be given");
    *out = NULL;
    for (size_t k = 0; k < n_runs; k++)
        if (!runs[k].run)
            return cs_error_set(CS_EINVAL, "cs_report_create: run %zu has no run log", k);
    cs_report *rep = calloc(1, sizeof *rep);
    if (!rep || !(rep->runs = calloc(n_runs, sizeof *rep->runs))) {
        free(rep);
        return cs_error_set(CS_ENOMEM, "out of memory for the report");
    }
    if (opt)
        rep->opt = *opt;
    else
        cs_report_options_default(&rep->opt);
    if (!(rep->opt.plane_pi > 0 && rep->opt.plane_pi < 1) ||
        !(rep->opt.plane_omega >= 0 && rep->opt.plane_omega <= 1)) {
        free(rep->runs);
        free(rep);
        return cs_error_set(CS_EINVAL,
                            "cs_report_create: the PI x Omega thresholds must be 0 < PI < 1 and 0 <= Omega <= 1 "
                            "(got PI %g, Omega %g)",
                            opt->plane_pi, opt->plane_omega);
    }
    snprintf(rep->plane_metric, sizeof rep->plane_metric, "%s",
             rep->opt.plane_metric ? rep->opt.plane_metric : CS_REPORT_PLANE_METRIC);
    rep->opt.plane_metric = rep->plane_metric;
    cs_status st = CS_OK;
    for (size_t k = 0; k < n_runs && st == CS_OK; k++)
        if ((st = rm_run_load(&rep->runs[k], &runs[k])) == CS_OK)
            rep->nr++;
    if (st == CS_OK)
        st = rm_group_runs(rep, runs);
    if (st == CS_OK && opt && opt->plane_metric)
        st = check_plane_metric(rep);
    if (st != CS_OK) {
        cs_report_destroy(rep);
        return st;
    }
    *out = rep;
    return CS_OK;
}
