/* The long-format CSV row of the report (docs/report.md) and what it needs:
 * the quoting of a field, a training step's epoch and samples. Below both
 * CSV writers (report_export.c, report_plane.c), so calls go one way. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_internal.h"

/* The logged epoch of a training step (the epoch of the last logged step at
 * or before it). */
double rm_epoch_of(const rm_run *r, double step)
{
    if (!r->n_steps || !isfinite(step))
        return NAN;
    size_t lo = 0, hi = r->n_steps;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (r->step[mid] <= step)
            lo = mid;
        else
            hi = mid;
    }
    return r->epoch[lo];
}

/* Samples seen by the end of a training step (batch size x steps). */
double rm_samples_of(const rm_run *r, double step)
{
    return isfinite(step) ? (step + 1) * (double)r->info.batch : NAN;
}

void rm_csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void num_field(FILE *out, double v, const char *fmt)
{
    if (isfinite(v))
        fprintf(out, fmt, v);
}

void rm_csv_row(FILE *out, const cs_report *rep, const rm_run *r, double step, size_t layer, const char *metric,
                double value, const char *units, const char *flag)
{
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->info.seed);
    const char *fields[5] = {r->file, rep->groups[r->group].name, r->label, r->info.rule, seed};
    for (int f = 0; f < 5; f++) {
        rm_csv_field(out, fields[f]);
        fputc(',', out);
    }
    num_field(out, step, "%.0f");
    fputc(',', out);
    num_field(out, rm_epoch_of(r, step), "%.0f");
    fputc(',', out);
    num_field(out, rm_samples_of(r, step), "%.0f");
    fputc(',', out);
    if (layer)
        rm_csv_field(out, rm_layer_name(r, layer));
    fputc(',', out);
    rm_csv_field(out, metric);
    fputc(',', out);
    num_field(out, value, "%.17g");
    fputc(',', out);
    rm_csv_field(out, units);
    fputc(',', out);
    if (flag[0])
        rm_csv_field(out, flag);
    else if (!isfinite(value))
        fputs("not_computed", out);
    fputc('\n', out);
}
