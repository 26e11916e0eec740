/* Groups of runs and the statistics across them (docs/report.md, "Groups
 * and intervals"): runs are grouped by configuration, each group's series is
 * the mean over its runs on a common x axis with a 95 % t interval
 * (mean ± t_{0.975, n−1} · s / √n, s the sample standard deviation), and
 * per-run summary numbers are pooled the same way and compared with the
 * reference group by Welch's t test (the formulas: report_stats.c). */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

double rm_span(const cs_report *rep, const rm_run *r)
{
    if (rep->opt.smooth >= 0)
        return rep->opt.smooth;
    size_t epochs = 0;
    for (size_t i = 0; i < r->n_steps; i++)
        epochs += i == 0 || r->epoch[i] != r->epoch[i - 1];
    double per = epochs ? (double)r->n_steps / (double)epochs : 1;
    return per / 4 > 1 ? per / 4 : 1;
}

/* ---- the x axis ---- */

/* Fractional epochs completed after each logged step: step k of the n_e
 * steps of epoch e ends at e + (k + 1) / n_e. */
static cs_status axis_epochs(rm_run *r)
{
    if (!(r->xepoch = malloc((r->n_steps ? r->n_steps : 1) * sizeof *r->xepoch)))
        return cs_error_set(CS_ENOMEM, "%s: out of memory for the report", r->file);
    for (size_t i = 0; i < r->n_steps;) {
        size_t j = i;
        while (j < r->n_steps && r->epoch[j] == r->epoch[i])
            j++;
        for (size_t k = i; k < j; k++)
            r->xepoch[k] = r->epoch[i] + (double)(k - i + 1) / (double)(j - i);
        i = j;
    }
    return CS_OK;
}

/* Linear interpolation of (xs, ys) at x, xs ascending; NaN outside. */
static double interp(const double *xs, const double *ys, size_t n, double x)
{
    if (!n || !(x >= xs[0] - 1e-9 * fabs(xs[0])) || !(x <= xs[n - 1] + 1e-9 * fabs(xs[n - 1])))
        return NAN;
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (xs[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    if (x <= xs[lo] || hi == lo)
        return ys[lo];
    if (x >= xs[hi])
        return ys[hi];
    double f = (x - xs[lo]) / (xs[hi] - xs[lo]);
    return ys[lo] + f * (ys[hi] - ys[lo]);
}

double rm_axis(const cs_report *rep, const rm_run *r, double step)
{
    switch (rep->opt.x) {
    case CS_REPORT_X_STEPS: return step;
    case CS_REPORT_X_SAMPLES: return (step + 1) * (double)r->info.batch;
    default: break;
    }
    if (!r->n_steps)
        return NAN;
    if (step >= r->step[r->n_steps - 1])
        return r->xepoch[r->n_steps - 1];
    if (step <= r->step[0])
        return r->xepoch[0];
    return interp(r->step, r->xepoch, r->n_steps, step);
}

const char *rm_axis_label(const cs_report *rep)
{
    return rep->opt.x == CS_REPORT_X_STEPS     ? "training step"
           : rep->opt.x == CS_REPORT_X_SAMPLES ? "training samples seen (steps × batch)"
                                               : "epochs";
}

/* ---- a group's series ---- */

void rm_agg_free(rm_agg *a)
{
    free(a->x);
    free(a->mean);
    free(a->lo);
    free(a->hi);
    free(a->raw);
    free(a->count);
    free(a->flag);
    memset(a, 0, sizeof *a);
}

static int on_training_axis(rm_kind k) { return k == RM_STEP || k == RM_EPOCH || k == RM_SNAPSHOT; }

/* A member's x in axis units and its (smoothed) values: new arrays. */
static cs_status member_xy(const cs_report *rep, const rm_run *r, const rm_series *s, int smooth, double **x,
                           double **y)
{
    *x = malloc((s->n ? s->n : 1) * sizeof **x);
    *y = malloc((s->n ? s->n : 1) * sizeof **y);
    if (!*x || !*y)
        return cs_error_set(CS_ENOMEM, "out of memory for the report");
    for (size_t i = 0; i < s->n; i++)
        (*x)[i] = on_training_axis(s->kind) ? rm_axis(rep, r, s->x[i]) : s->x[i];
    /* a series measured at a few steps only (NaN between) is not smoothed */
    size_t finite = 0;
    for (size_t i = 0; i < s->n; i++)
        finite += isfinite(s->y[i]) != 0;
    if (smooth && s->kind == RM_STEP && rm_span(rep, r) > 1 && 2 * finite >= s->n)
        rm_ema(s->y, s->n, rm_span(rep, r), *y);
    else
        memcpy(*y, s->y, s->n * sizeof **y);
    return CS_OK;
}

/* The arrays of a group's series of n points (raw: smoothed series only);
 * 0 when out of memory (rm_agg_free releases what was allocated). */
static int agg_alloc(rm_agg *out, size_t n, int smooth)
{
    out->x = malloc((n ? n : 1) * sizeof *out->x);
    out->mean = malloc((n ? n : 1) * sizeof *out->mean);
    out->lo = malloc((n ? n : 1) * sizeof *out->lo);
    out->hi = malloc((n ? n : 1) * sizeof *out->hi);
    out->count = calloc(n ? n : 1, sizeof *out->count);
    out->flag = calloc(n ? n : 1, 1);
    out->raw = smooth ? malloc((n ? n : 1) * sizeof *out->raw) : NULL;
    out->n = n;
    return out->x && out->mean && out->lo && out->hi && out->count && out->flag && (!smooth || out->raw);
}

/* The 95 % t interval around the means: the members' (mx[k], my[k]) of
 * series ms[k], k < nm, interpolated at out->x; sq (n, zeroed) receives the
 * squared deviations (the second pass keeps the variance of near-equal
 * values exact). */
static void agg_interval(rm_agg *out, double *const *mx, double *const *my, const rm_series *const *ms, size_t nm,
                         double *sq)
{
    size_t n = out->n;
    for (size_t k = 0; k < nm; k++)
        for (size_t i = 0; i < n; i++) {
            double v = interp(mx[k], my[k], ms[k]->n, out->x[i]);
            if (isfinite(v))
                sq[i] += (v - out->mean[i]) * (v - out->mean[i]);
        }
    for (size_t i = 0; i < n; i++) {
        size_t c = out->count[i];
        double half = c > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(c - 1)) * sqrt(sq[i] / (double)(c - 1)) /
                                  sqrt((double)c)
                            : NAN;
        out->lo[i] = out->mean[i] - half;
        out->hi[i] = out->mean[i] + half;
    }
}

cs_status rm_aggregate(const cs_report *rep, size_t group, const char *metric, size_t layer, int smooth, rm_agg *out)
{
    memset(out, 0, sizeof *out);
    const rm_group *g = &rep->groups[group];
    const rm_series *first = NULL;
    const rm_run *fr = NULL;
    for (size_t k = 0; k < g->n && !first; k++)
        if ((first = rm_run_find(&rep->runs[g->members[k]], metric, layer)))
            fr = &rep->runs[g->members[k]];
    if (!first || first->kind == RM_SCALAR)
        return CS_OK;
    size_t n = first->n;
    smooth = smooth && first->kind == RM_STEP;
    double *sum = calloc(n ? n : 1, sizeof *sum), *sq = calloc(n ? n : 1, sizeof *sq),
           *rsum = calloc(n ? n : 1, sizeof *rsum);
    cs_status st = sum && sq && rsum && agg_alloc(out, n, smooth)
                       ? CS_OK
                       : cs_error_set(CS_ENOMEM, "out of memory for the report");
    snprintf(out->units, sizeof out->units, "%s", first->units);
    if (st == CS_OK)
        for (size_t i = 0; i < n; i++)
            out->x[i] = on_training_axis(first->kind) ? rm_axis(rep, fr, first->x[i]) : first->x[i];
    /* First pass: the mean; second: the spread around it (two passes keep
     * the variance of near-equal values exact). */
    double *mx[64] = {0}, *my[64] = {0};
    const rm_series *ms[64] = {0};
    size_t nm = 0;
    for (size_t k = 0; k < g->n && st == CS_OK && nm < 64; k++) {
        const rm_run *r = &rep->runs[g->members[k]];
        const rm_series *s = rm_run_find(r, metric, layer);
        if (!s || s->kind != first->kind)
            continue;
        ms[nm] = s;
        st = member_xy(rep, r, s, smooth, &mx[nm], &my[nm]);
        nm++;
        if (st != CS_OK)
            break;
        if (s->flag_name[0] && !strstr(out->flag_name, s->flag_name))
            snprintf(out->flag_name, sizeof out->flag_name, "%s", s->flag_name);
        for (size_t i = 0; i < n; i++) {
            double v = interp(mx[nm - 1], my[nm - 1], s->n, out->x[i]);
            if (isfinite(v)) {
                sum[i] += v;
                out->count[i]++;
            }
            if (smooth)
                rsum[i] += interp(mx[nm - 1], s->y, s->n, out->x[i]);
            if (s->flag)
                for (size_t q = 0; q < s->n; q++)
                    if (s->flag[q] && fabs(mx[nm - 1][q] - out->x[i]) <= 1e-9 * fmax(1, fabs(out->x[i])))
                        out->flag[i] = 1;
        }
    }
    out->runs = nm;
    for (size_t i = 0; i < n && st == CS_OK; i++) {
        out->mean[i] = out->count[i] ? sum[i] / (double)out->count[i] : NAN;
        if (smooth)
            out->raw[i] = nm ? rsum[i] / (double)nm : NAN;
    }
    if (st == CS_OK)
        agg_interval(out, mx, my, ms, nm, sq);
    for (size_t k = 0; k < nm; k++) {
        free(mx[k]);
        free(my[k]);
    }
    free(sum);
    free(sq);
    free(rsum);
    if (st != CS_OK)
        rm_agg_free(out);
    return st;
}

/* ---- per-run numbers pooled ---- */

/* The run statistic of series s and whether the analysis flagged a value
 * it is made of (the scalar, any value of a mean, or the last finite one). */
static double series_stat(const rm_series *s, const rm_def *d, int *flagged)
{
    *flagged = 0;
    if (!s || !s->n)
        return NAN;
    if (d->summary == RM_SUM_SCALAR || s->kind == RM_SCALAR) {
        *flagged = s->flag && s->flag[0];
        return s->y[0];
    }
    if (d->summary == RM_SUM_MEAN) {
        for (size_t i = 0; i < s->n && s->flag && !*flagged; i++)
            *flagged = s->flag[i] && isfinite(s->y[i]);
        return rm_finite_mean(s->y, s->n, 1);
    }
    for (size_t i = s->n; i-- > 0;)
        if (isfinite(s->y[i])) {
            *flagged = s->flag && s->flag[i];
            return s->y[i];
        }
    return NAN;
}

double rm_run_stat(const rm_run *r, const rm_def *d, const char *metric, size_t layer)
{
    int flagged;
    return series_stat(rm_run_find(r, metric, layer), d, &flagged);
}

void rm_pool(const cs_report *rep, size_t group, const rm_def *d, const char *metric, size_t layer, rm_pooled *out)
{
    const rm_group *g = &rep->groups[group];
    double v[256];
    size_t n = 0, flagged = 0;
    const char *name = "";
    for (size_t k = 0; k < g->n && n < 256; k++) {
        const rm_series *s = rm_run_find(&rep->runs[g->members[k]], metric, layer);
        int f;
        v[n++] = series_stat(s, d, &f);
        if (f && isfinite(v[n - 1])) {
            flagged++;
            name = s->flag_name;
        }
    }
    rm_mean_ci(v, n, out);
    out->flagged = flagged;
    snprintf(out->flag_name, sizeof out->flag_name, "%s", name);
}

void rm_fmt_pooled(char *buf, size_t n, const rm_pooled *p, int pct)
{
    double f = pct ? 100 : 1;
    if (!isfinite(p->mean))
        snprintf(buf, n, "–");
    else if (isfinite(p->lo))
        snprintf(buf, n, "%.4g ± %.3g", f * p->mean, f * (p->hi - p->mean));
    else
        snprintf(buf, n, "%.4g", f * p->mean);
    if (p->n < p->of && isfinite(p->mean)) {
        size_t o = strlen(buf);
        snprintf(buf + o, n - o, " (%zu of %zu)", p->n, p->of);
    }
    /* a flagged value is never shown bare: "[no power law: 3 of 3]" */
    if (p->flagged && isfinite(p->mean)) {
        char what[48];
        snprintf(what, sizeof what, "%s", p->flag_name[0] ? p->flag_name : "flagged");
        for (char *c = what; *c; c++)
            if (*c == '_')
                *c = ' ';
        size_t o = strlen(buf);
        if (o < n)
            snprintf(buf + o, n - o, " [%s: %zu of %zu]", what, p->flagged, p->n);
    }
}

/* ---- grouping ---- */

static const char *cfg_value(const rm_run *r, const char *key, char *buf, size_t n)
{
    if (!strcmp(key, "seed")) {
        snprintf(buf, n, "%llu", (unsigned long long)r->info.seed);
        return buf;
    }
    for (size_t i = 0; i < r->ncfg; i++)
        if (!strcmp(r->cfg[i].key, key))
            return r->cfg[i].value;
    return NULL;
}

/* The group name of run r under --group-by keys (comma list). */
static cs_status key_name(const cs_report *rep, const rm_run *r, char *name, size_t n)
{
    char keys[256], buf[96];
    snprintf(keys, sizeof keys, "%s", rep->opt.group_by);
    name[0] = 0;
    for (char *save = NULL, *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        int known = 0;
        for (size_t q = 0; q < rep->nr && !known; q++)
            known = cfg_value(&rep->runs[q], k, buf, sizeof buf) != NULL;
        if (!known)
            return cs_error_set(CS_EINVAL,
                                "--group-by: no run has the configuration key '%s' (keys: rule, dataset, "
                                "layers, activation, optimizer, lr, momentum, batch, epochs, seed, or a rule "
                                "hyper-parameter)",
                                k);
        const char *v = cfg_value(r, k, buf, sizeof buf);
        size_t o = strlen(name);
        if (!strcmp(k, "rule"))
            snprintf(name + o, n - o, "%s%s", o ? ", " : "", v ? v : "?");
        else
            snprintf(name + o, n - o, "%s%s=%s", o ? ", " : "", k, v ? v : "?");
    }
    return CS_OK;
}

static int same_config(const rm_run *a, const rm_run *b)
{
    if (a->ncfg != b->ncfg)
        return 0;
    for (size_t i = 0; i < a->ncfg; i++)
        if (strcmp(a->cfg[i].key, b->cfg[i].key) || strcmp(a->cfg[i].value, b->cfg[i].value))
            return 0;
    return 1;
}

/* Default names (groups still called #k): the rule, plus the keys that
 * tell apart groups of one rule. */
static void default_names(cs_report *rep)
{
    for (size_t g = 0; g < rep->ng; g++) {
        const rm_run *a = &rep->runs[rep->groups[g].members[0]];
        char *name = rep->groups[g].name;
        if (name[0] != '#') /* named with --label */
            continue;
        snprintf(name, sizeof rep->groups[g].name, "%s", a->info.rule);
        for (size_t i = 0; i < a->ncfg; i++) {
            int differs = 0;
            for (size_t h = 0; h < rep->ng && !differs; h++) {
                const rm_run *b = &rep->runs[rep->groups[h].members[0]];
                char buf[96];
                const char *v = cfg_value(b, a->cfg[i].key, buf, sizeof buf);
                differs = h != g && !strcmp(a->info.rule, b->info.rule) && (!v || strcmp(v, a->cfg[i].value));
            }
            size_t o = strlen(name);
            if (differs)
                snprintf(name + o, sizeof rep->groups[g].name - o, "%s%s=%s", strchr(name, '(') ? ", " : " (",
                         a->cfg[i].key, a->cfg[i].value);
        }
        if (strchr(name, '(')) {
            size_t o = strlen(name);
            snprintf(name + o, sizeof rep->groups[g].name - o, ")");
        }
    }
}

static cs_status add_member(cs_report *rep, const char *name, size_t run)
{
    size_t g = 0;
    while (g < rep->ng && strcmp(rep->groups[g].name, name))
        g++;
    if (g == rep->ng) {
        snprintf(rep->groups[g].name, sizeof rep->groups[g].name, "%s", name);
        rep->ng++;
    }
    rm_group *gr = &rep->groups[g];
    if (!gr->members && !(gr->members = calloc(rep->nr, sizeof *gr->members)))
        return cs_error_set(CS_ENOMEM, "out of memory for the report");
    gr->members[gr->n++] = run;
    rep->runs[run].group = g;
    return CS_OK;
}

cs_status rm_group_runs(cs_report *rep, const cs_report_run *in)
{
    if (!(rep->groups = calloc(rep->nr, sizeof *rep->groups)))
        return cs_error_set(CS_ENOMEM, "out of memory for the report");
    cs_status st = CS_OK;
    int by_config = !rep->opt.group_by;
    for (size_t k = 0; k < rep->nr && st == CS_OK; k++) {
        if ((st = axis_epochs(&rep->runs[k])) != CS_OK)
            break;
        char name[160];
        if (in[k].group)
            snprintf(name, sizeof name, "%s", in[k].group);
        else if (!by_config)
            st = key_name(rep, &rep->runs[k], name, sizeof name);
        else {
            size_t g = 0;
            while (g < rep->ng && (rep->groups[g].name[0] != '#' ||
                                   !same_config(&rep->runs[rep->groups[g].members[0]], &rep->runs[k])))
                g++;
            if (g < rep->ng)
                snprintf(name, sizeof name, "%s", rep->groups[g].name);
            else
                snprintf(name, sizeof name, "#%zu", k);
        }
        if (st == CS_OK)
            st = add_member(rep, name, k);
    }
    if (st == CS_OK && by_config)
        default_names(rep);
    rep->reference = 0;
    if (st == CS_OK && rep->opt.reference) {
        size_t g = 0;
        while (g < rep->ng && strcmp(rep->groups[g].name, rep->opt.reference))
            g++;
        if (g == rep->ng)
            return cs_error_set(CS_EINVAL,
                                "--reference: there is no group '%s' (the groups are named in the "
                                "summary table)",
                                rep->opt.reference);
        rep->reference = g;
    } else if (st == CS_OK) {
        for (size_t g = rep->ng; g-- > 0;)
            if (!strcmp(rep->runs[rep->groups[g].members[0]].info.rule, "bp"))
                rep->reference = g;
    }
    return st;
}

size_t rm_summary_columns(const cs_report *rep, rm_col *cols, size_t max)
{
    size_t nc = 0, L = rm_max_layer(rep);
    for (size_t i = 0; rm_table_at(i) && nc < max; i++) {
        const rm_def *d = rm_table_at(i);
        if (d->summary == RM_SUM_NONE)
            continue;
        for (size_t layer = 0; layer <= L && nc < max; layer++) {
            const rm_series *s = NULL;
            for (size_t k = 0; k < rep->nr && !s; k++)
                s = rm_run_find(&rep->runs[k], d->name, layer);
            if (!s)
                continue;
            rm_col *c = &cols[nc++];
            c->d = d;
            c->layer = layer;
            c->pct = !strcmp(s->units, "fraction");
            const char *ln = rm_layer_name(&rep->runs[0], layer);
            if (layer) /* "L1" for the trainer's numbered layers, else the name */
                snprintf(c->title, sizeof c->title, "%s %s%.40s", d->summary_title,
                         ln[0] >= '0' && ln[0] <= '9' ? "L" : "", ln);
            else
                snprintf(c->title, sizeof c->title, "%s%s", d->summary_title, c->pct ? " [%]" : "");
        }
    }
    return nc;
}
