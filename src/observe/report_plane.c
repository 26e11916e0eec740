/* The PI x Omega plane of a report (docs/ipwt.md; docs/report.md, "PI x Omega
 * plane"): each run's trajectory per layer in the plane of the layer's Omega
 * (x; the report's plane metric, by default analyze's layer Omega) and the
 * training PI at the same snapshots (y; analyze's plane.pi_train), the
 * held-out PI and the generalisation gap beside it, the four quadrants cut
 * at the report's thresholds, and the flag of a run whose end point lies in
 * the high-PI, low-Omega quadrant (IPWT's "clever idiot": fits its data,
 * integrates little). One model (rm_plane_of) for every format: text,
 * JSON, CSV rows and the HTML section's charts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

/* ---- the model ---- */

static const char *const quadrant_names[5] = {"none", "integrated", "clever idiot", "unlearned",
                                              "integrating, not yet predicting"};

const char *rm_plane_quadrant_name(int q) { return quadrant_names[q >= 0 && q <= 4 ? q : 0]; }

int rm_plane_quadrant(double omega, double pi, double omega_thr, double pi_thr)
{
    if (!isfinite(omega) || !isfinite(pi))
        return RM_Q_NONE;
    int high_pi = pi >= pi_thr, low_omega = omega < omega_thr;
    return high_pi ? (low_omega ? RM_Q_CLEVER_IDIOT : RM_Q_INTEGRATED)
                   : (low_omega ? RM_Q_UNLEARNED : RM_Q_INTEGRATING);
}

void rm_plane_free(rm_plane *p)
{
    free(p->step);
    memset(p, 0, sizeof *p);
}

/* The value of series s at x (the series are per snapshot, x = step):
 * exact x match, NaN if s is NULL or has no value there. */
static double at_step(const rm_series *s, double x)
{
    for (size_t i = 0; s && i < s->n; i++)
        if (s->x[i] == x)
            return s->y[i];
    return NAN;
}

cs_status rm_plane_of(const cs_report *rep, const rm_run *r, size_t layer, rm_plane *out)
{
    memset(out, 0, sizeof *out);
    out->end_step = out->end_omega = out->end_pi = out->end_eval = out->end_gap = NAN;
    const rm_series *om = rm_run_find(r, rep->plane_metric, layer), *pt = rm_run_find(r, "plane.pi_train", 0),
                    *pe = rm_run_find(r, "plane.pi_eval", 0);
    if (!om || !pt || om->kind != RM_SNAPSHOT)
        return CS_OK; /* n = 0: this run has no plane at this layer */
    size_t n = om->n;
    if (!(out->step = malloc(4 * (n ? n : 1) * sizeof *out->step)))
        return cs_error_set(CS_ENOMEM, "out of memory for the PI x Omega plane");
    out->omega = out->step + n;
    out->pi = out->step + 2 * n;
    out->pi_eval = out->step + 3 * n;
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        out->step[i] = om->x[i];
        out->omega[i] = om->y[i];
        out->pi[i] = at_step(pt, om->x[i]);
        out->pi_eval[i] = at_step(pe, om->x[i]);
        if (isfinite(out->omega[i]) && isfinite(out->pi[i])) {
            out->end_step = out->step[i];
            out->end_omega = out->omega[i];
            out->end_pi = out->pi[i];
            out->end_eval = out->pi_eval[i];
        }
    }
    out->end_gap = out->end_pi - out->end_eval;
    out->quadrant = rm_plane_quadrant(out->end_omega, out->end_pi, rep->opt.plane_omega, rep->opt.plane_pi);
    return CS_OK;
}

/* Does any run have a plane at any layer? (*L: the highest layer.) */
static int any_plane(const cs_report *rep, size_t *L)
{
    *L = rm_max_layer(rep);
    for (size_t k = 0; k < rep->nr; k++)
        for (size_t l = 1; l <= *L; l++)
            if (rm_run_find(&rep->runs[k], rep->plane_metric, l) && rm_run_find(&rep->runs[k], "plane.pi_train", 0))
                return 1;
    return 0;
}

/* Is run r flagged (its end point in the clever-idiot quadrant at some
 * layer)? The layers go to buf ("1, 2"). */
static cs_status run_flag(const cs_report *rep, const rm_run *r, size_t L, int *flagged, char *buf, size_t n)
{
    *flagged = 0;
    buf[0] = '\0';
    for (size_t l = 1; l <= L; l++) {
        rm_plane p;
        cs_status st = rm_plane_of(rep, r, l, &p);
        if (st != CS_OK)
            return st;
        if (p.quadrant == RM_Q_CLEVER_IDIOT) {
            size_t o = strlen(buf);
            snprintf(buf + o, n - o, "%s%s", *flagged ? ", " : "", rm_layer_name(r, l));
            *flagged = 1;
        }
        rm_plane_free(&p);
    }
    return CS_OK;
}

/* ---- text ---- */

static void fmt(char *b, size_t n, double v, int sign)
{
    snprintf(b, n, isfinite(v) ? (sign ? "%+.3f" : "%.3f") : "–", v);
}

cs_status rm_plane_text(FILE *out, const cs_report *rep)
{
    size_t L;
    if (!any_plane(rep, &L)) {
        fprintf(out,
                "\nPI × Ω plane: no analysis has both the per-layer metric '%s' and the PI per snapshot "
                "(cogscope analyze; docs/ipwt.md)\n",
                rep->plane_metric);
        return CS_OK;
    }
    fprintf(out,
            "\nPI × Ω plane (Ω: %s; high PI: training PI ≥ %g; low Ω: Ω < %g; end = the last snapshot with both; "
            "gap = training − held-out PI)\n",
            rep->plane_metric, rep->opt.plane_pi, rep->opt.plane_omega);
    fprintf(out, "%-28s %-6s %8s %8s %9s %9s %8s  %s\n", "run", "layer", "step", "Ω", "PI train", "PI held", "gap",
            "quadrant");
    cs_status st = CS_OK;
    size_t nflag = 0;
    for (size_t k = 0; k < rep->nr && st == CS_OK; k++)
        for (size_t l = 1; l <= L && st == CS_OK; l++) {
            rm_plane p;
            if ((st = rm_plane_of(rep, &rep->runs[k], l, &p)) != CS_OK || !p.n) {
                rm_plane_free(&p);
                continue;
            }
            char a[24], b[24], c[24], d[24];
            fmt(a, sizeof a, p.end_omega, 0);
            fmt(b, sizeof b, p.end_pi, 0);
            fmt(c, sizeof c, p.end_eval, 0);
            fmt(d, sizeof d, p.end_gap, 1);
            fprintf(out, "%-28.28s %-6.6s %8.0f %8s %9s %9s %8s  %s%s\n", rep->runs[k].label,
                    rm_layer_name(&rep->runs[k], l), p.end_step, a, b, c, d, rm_plane_quadrant_name(p.quadrant),
                    p.quadrant == RM_Q_CLEVER_IDIOT ? "  [FLAGGED]" : "");
            nflag += p.quadrant == RM_Q_CLEVER_IDIOT;
            rm_plane_free(&p);
        }
    for (size_t k = 0; k < rep->nr && st == CS_OK; k++) {
        int f;
        char layers[256];
        if ((st = run_flag(rep, &rep->runs[k], L, &f, layers, sizeof layers)) == CS_OK && f)
            fprintf(out, "FLAGGED: %s ends in the high-PI, low-Ω quadrant (\"clever idiot\") at layer %s\n",
                    rep->runs[k].label, layers);
    }
    if (st == CS_OK && !nflag)
        fputs("no run ends in the high-PI, low-Ω quadrant (\"clever idiot\")\n", out);
    /* the trajectories: step:Ω/PI per snapshot */
    for (size_t k = 0; k < rep->nr && st == CS_OK; k++)
        for (size_t l = 1; l <= L && st == CS_OK; l++) {
            rm_plane p;
            if ((st = rm_plane_of(rep, &rep->runs[k], l, &p)) == CS_OK && p.n) {
                fprintf(out, "trajectory %s, layer %s (step:Ω/PI):", rep->runs[k].label,
                        rm_layer_name(&rep->runs[k], l));
                for (size_t i = 0; i < p.n; i++)
                    fprintf(out, " %.0f:%.3g/%.3g", p.step[i], p.omega[i], p.pi[i]);
                fputc('\n', out);
            }
            rm_plane_free(&p);
        }
    return st;
}

/* ---- JSON ---- */

static void json_layer_plane(cs_json *j, const rm_run *r, size_t l, const rm_plane *p)
{
    cs_json_begin_object(j);
    cs_json_kv_int(j, "layer", (long long)l);
    cs_json_kv_string(j, "layer_name", rm_layer_name(r, l));
    const char *names[4] = {"step", "omega", "pi_train", "pi_eval"};
    const double *cols[4] = {p->step, p->omega, p->pi, p->pi_eval};
    for (int c = 0; c < 4; c++) {
        cs_json_key(j, names[c]);
        cs_json_numbers(j, cols[c], p->n);
    }
    cs_json_key(j, "end");
    cs_json_begin_object(j);
    cs_json_kv_number(j, "step", p->end_step);
    cs_json_kv_number(j, "omega", p->end_omega);
    cs_json_kv_number(j, "pi_train", p->end_pi);
    cs_json_kv_number(j, "pi_eval", p->end_eval);
    cs_json_kv_number(j, "gap", p->end_gap);
    cs_json_kv_string(j, "quadrant", rm_plane_quadrant_name(p->quadrant));
    cs_json_key(j, "clever_idiot");
    cs_json_bool(j, p->quadrant == RM_Q_CLEVER_IDIOT);
    cs_json_end_object(j);
    cs_json_end_object(j);
}

cs_status rm_plane_json(cs_json *j, const cs_report *rep)
{
    size_t L = rm_max_layer(rep);
    cs_json_key(j, "plane");
    cs_json_begin_object(j);
    cs_json_kv_string(j, "omega_metric", rep->plane_metric);
    cs_json_kv_number(j, "pi_threshold", rep->opt.plane_pi);
    cs_json_kv_number(j, "omega_threshold", rep->opt.plane_omega);
    cs_json_key(j, "quadrants");
    cs_json_begin_object(j);
    cs_json_kv_string(j, "high_pi_high_omega", quadrant_names[RM_Q_INTEGRATED]);
    cs_json_kv_string(j, "high_pi_low_omega", quadrant_names[RM_Q_CLEVER_IDIOT]);
    cs_json_kv_string(j, "low_pi_low_omega", quadrant_names[RM_Q_UNLEARNED]);
    cs_json_kv_string(j, "low_pi_high_omega", quadrant_names[RM_Q_INTEGRATING]);
    cs_json_end_object(j);
    cs_json_key(j, "runs");
    cs_json_begin_array(j);
    cs_status st = CS_OK;
    for (size_t k = 0; k < rep->nr && st == CS_OK; k++) {
        const rm_run *r = &rep->runs[k];
        int flagged;
        char layers[256];
        if ((st = run_flag(rep, r, L, &flagged, layers, sizeof layers)) != CS_OK)
            break;
        cs_json_begin_object(j);
        cs_json_kv_int(j, "run", (long long)k);
        cs_json_kv_string(j, "label", r->label);
        cs_json_key(j, "clever_idiot");
        cs_json_bool(j, flagged);
        cs_json_key(j, "layers");
        cs_json_begin_array(j);
        for (size_t l = 1; l <= L && st == CS_OK; l++) {
            rm_plane p;
            if ((st = rm_plane_of(rep, r, l, &p)) == CS_OK && p.n)
                json_layer_plane(j, r, l, &p);
            rm_plane_free(&p);
        }
        cs_json_end_array(j);
        cs_json_end_object(j);
    }
    cs_json_end_array(j);
    cs_json_end_object(j);
    return st;
}

/* ---- CSV: the end point of each run and layer (the trajectories are the
 * rows of the plane metric and plane.pi_train at the same steps) ---- */

cs_status rm_plane_csv(FILE *out, const cs_report *rep)
{
    size_t L = rm_max_layer(rep);
    cs_status st = CS_OK;
    for (size_t k = 0; k < rep->nr && st == CS_OK; k++)
        for (size_t l = 1; l <= L && st == CS_OK; l++) {
            const rm_run *r = &rep->runs[k];
            rm_plane p;
            if ((st = rm_plane_of(rep, r, l, &p)) != CS_OK || !p.n) {
                rm_plane_free(&p);
                continue;
            }
            const char *flag = p.quadrant == RM_Q_CLEVER_IDIOT ? "clever_idiot" : "";
            rm_csv_row(out, rep, r, p.end_step, l, "plane.end_omega", p.end_omega, "1", flag);
            rm_csv_row(out, rep, r, p.end_step, l, "plane.end_pi_train", p.end_pi, "1", flag);
            rm_csv_row(out, rep, r, p.end_step, l, "plane.end_pi_eval", p.end_eval, "1", flag);
            rm_csv_row(out, rep, r, p.end_step, l, "plane.end_gap", p.end_gap, "1", flag);
            rm_csv_row(out, rep, r, p.end_step, l, "plane.end_quadrant", (double)p.quadrant, "quadrant", flag);
            rm_plane_free(&p);
        }
    return st;
}

/* ---- HTML ---- */

/* The flagged runs, as a warning paragraph (nothing when none is). */
cs_status rm_plane_html_flags(FILE *out, const cs_report *rep)
{
    size_t L = rm_max_layer(rep);
    cs_status st = CS_OK;
    for (size_t k = 0; k < rep->nr && st == CS_OK; k++) {
        int f;
        char layers[256];
        if ((st = run_flag(rep, &rep->runs[k], L, &f, layers, sizeof layers)) != CS_OK || !f)
            continue;
        fputs("<p class=\"flag\">⚑ ", out);
        cs_report_escape(out, rep->runs[k].label);
        fputs(" ends in the high-PI, low-Ω quadrant (“clever idiot”) at layer ", out);
        cs_report_escape(out, layers);
        fprintf(out, " (training PI ≥ %g, Ω &lt; %g; PI × Ω plane below).</p>\n", rep->opt.plane_pi,
                rep->opt.plane_omega);
    }
    return st;
}

/* One layer's plane: every run's trajectory in its group's colour (points
 * shaded early → late), the held-out PI at the end (hollow) joined to the
 * training end point (the gap), thresholds and quadrant names. */
static cs_status layer_chart(FILE *out, const cs_report *rep, size_t l)
{
    size_t cap = 3 * rep->nr + 2, ns = 0, ni = 0;
    cs_svg_series *s = calloc(cap, sizeof *s);
    rm_plane *p = calloc(rep->nr ? rep->nr : 1, sizeof *p);
    double *shade = NULL, *gap = calloc(4 * (rep->nr ? rep->nr : 1), sizeof *gap);
    cs_status st = s && p && gap ? CS_OK : cs_error_set(CS_ENOMEM, "out of memory for the PI x Omega plane");
    size_t total = 0;
    for (size_t k = 0; k < rep->nr && st == CS_OK; k++)
        if ((st = rm_plane_of(rep, &rep->runs[k], l, &p[k])) == CS_OK)
            total += p[k].n;
    if (st == CS_OK && total && !(shade = malloc(total * sizeof *shade)))
        st = cs_error_set(CS_ENOMEM, "out of memory for the PI x Omega plane");
    for (size_t k = 0, off = 0; k < rep->nr && st == CS_OK; k++) {
        if (!p[k].n)
            continue;
        const char *col = cs_svg_palette(rep->runs[k].group);
        for (size_t i = 0; i < p[k].n; i++)
            shade[off + i] = p[k].n > 1 ? (double)i / (double)(p[k].n - 1) : 1;
        s[ns++] = (cs_svg_series){.x = p[k].omega,
                                  .y = p[k].pi,
                                  .n = p[k].n,
                                  .color = col,
                                  .kind = CS_SVG_LINE_POINTS,
                                  .shade = shade + off};
        off += p[k].n;
        double *g = gap + 4 * k; /* (Ω, PI train) -> (Ω, PI held-out) */
        g[0] = g[1] = p[k].end_omega;
        g[2] = p[k].end_pi;
        g[3] = p[k].end_eval;
        s[ns++] = (cs_svg_series){.x = g, .y = g + 2, .n = 2, .color = col, .kind = CS_SVG_DASHED};
        s[ns++] =
            (cs_svg_series){.x = g + 1, .y = g + 3, .n = 1, .color = col, .kind = CS_SVG_POINTS, .opacity = 0.5};
        ni++;
    }
    if (st == CS_OK && ni) {
        char title[200];
        snprintf(title, sizeof title, "PI × Ω plane, layer %s (each run; Ω: %s)", rm_layer_name(&rep->runs[0], l),
                 rep->plane_metric);
        cs_svg_chart spec = {.title = NULL,
                             .xlabel = "Ω (synergistic fraction)",
                             .ylabel = "training PI",
                             .css_class = "plot plane",
                             .has_hline = 1,
                             .hline = rep->opt.plane_pi,
                             .has_vline = 1,
                             .vline = rep->opt.plane_omega,
                             .corner = {"clever idiot", "integrated", "unlearned", "integrating, not yet predicting"},
                             .corner_alert = 1u};
        cs_svg_legend_item leg[10];
        size_t nl = 0;
        for (size_t g = 0; g < rep->ng && nl < 8; g++)
            leg[nl++] = (cs_svg_legend_item){rep->groups[g].name, cs_svg_palette(g), 0, CS_SVG_LINE, 1};
        leg[nl++] = (cs_svg_legend_item){"held-out PI at the end (dashed: the gap)", "#555555", 0, CS_SVG_POINTS,
                                         0.5};
        fputs("<figure class=\"chart\"><figcaption>", out);
        cs_report_escape(out, title);
        fputs("</figcaption>\n", out);
        if ((st = cs_svg_write(out, &spec, s, ns)) == CS_OK)
            st = cs_svg_legend(out, leg, nl);
        fputs("</figure>\n", out);
    }
    for (size_t k = 0; p && k < rep->nr; k++)
        rm_plane_free(&p[k]);
    free(p);
    free(s);
    free(shade);
    free(gap);
    return st;
}

cs_status rm_plane_html(FILE *out, const cs_report *rep)
{
    size_t L;
    if (!any_plane(rep, &L))
        return CS_OK;
    cs_status st = CS_OK;
    for (size_t l = 1; l <= L && st == CS_OK; l++)
        st = layer_chart(out, rep, l);
    return st;
}
