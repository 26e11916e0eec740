/* The summary and configuration tables as text (the first thing `cogscope
 * report` prints): one row per group with mean ± 95 % interval, the
 * differences from the reference group, and every hyper-parameter with the
 * ones that differ marked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#define MAX_COLS 64

/* Characters on screen of a UTF-8 string (continuation bytes do not count). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(FILE *out, const char *s, size_t w, int left)
{
    size_t have = width(s);
    if (!left)
        for (size_t i = have; i < w; i++)
            fputc(' ', out);
    fputs(s, out);
    if (left)
        for (size_t i = have; i < w; i++)
            fputc(' ', out);
}

/* A table of rows x cols cells (row-major strings), first column left-aligned. */
static void table(FILE *out, char (*cell)[160], size_t rows, size_t cols)
{
    size_t w[MAX_COLS + 2] = {0};
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            if (width(cell[r * cols + c]) > w[c])
                w[c] = width(cell[r * cols + c]);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < cols; c++) {
            fputs(c ? "  " : "", out);
            pad(out, cell[r * cols + c], w[c], c == 0);
        }
        fputc('\n', out);
    }
}

/* "Δ −1.23*": group minus reference, * when Welch's p < 0.05. */
void rm_fmt_delta(char *buf, size_t n, const rm_pooled *g, const rm_pooled *ref, int pct)
{
    double f = pct ? 100 : 1, d = g->mean - ref->mean, p = rm_welch_p(g, ref);
    if (!isfinite(d))
        snprintf(buf, n, "–");
    else
        snprintf(buf, n, "%+.3g%s", f * d, p < 0.05 ? "*" : "");
}

static void summary(FILE *out, const cs_report *rep, const rm_col *cols, size_t nc)
{
    size_t w = nc + 2, rows = 1 + rep->ng;
    char(*cell)[160] = calloc(rows * w, sizeof *cell);
    char(*delta)[160] = calloc(rows * w, sizeof *delta);
    if (!cell || !delta) {
        free(cell);
        free(delta);
        return;
    }
    snprintf(cell[0], 160, "group");
    snprintf(cell[1], 160, "runs");
    snprintf(delta[0], 160, "group");
    snprintf(delta[1], 160, "runs");
    for (size_t c = 0; c < nc; c++) {
        snprintf(cell[2 + c], 160, "%s", cols[c].title);
        snprintf(delta[2 + c], 160, "%s", cols[c].title);
    }
    for (size_t g = 0; g < rep->ng; g++) {
        char(*row)[160] = cell + (g + 1) * w, (*drow)[160] = delta + (g + 1) * w;
        snprintf(row[0], 160, "%s", rep->groups[g].name);
        snprintf(row[1], 160, "%zu", rep->groups[g].n);
        snprintf(drow[0], 160, "%s", rep->groups[g].name);
        snprintf(drow[1], 160, "%zu", rep->groups[g].n);
        for (size_t c = 0; c < nc; c++) {
            rm_pooled p, ref;
            rm_pool(rep, g, cols[c].d, cols[c].d->name, cols[c].layer, &p);
            rm_pool(rep, rep->reference, cols[c].d, cols[c].d->name, cols[c].layer, &ref);
            rm_fmt_pooled(row[2 + c], 160, &p, cols[c].pct);
            if (g == rep->reference)
                snprintf(drow[2 + c], 160, "(reference)");
            else
                rm_fmt_delta(drow[2 + c], 160, &p, &ref, cols[c].pct);
        }
    }
    table(out, cell, rows, w);
    if (rep->ng > 1) {
        fprintf(out, "\ndifference from %s (group mean − %s mean; * Welch's t test p < 0.05)\n",
                rep->groups[rep->reference].name, rep->groups[rep->reference].name);
        table(out, delta, rows, w);
    }
    free(cell);
    free(delta);
}

void rm_group_value(const cs_report *rep, size_t g, const char *key, char *buf, size_t n)
{
    buf[0] = 0;
    for (size_t k = 0; k < rep->groups[g].n; k++) {
        const rm_run *r = &rep->runs[rep->groups[g].members[k]];
        const char *v = "–";
        char seed[32];
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->info.seed);
        if (!strcmp(key, "seed"))
            v = cs_runlog_meta_find(r->log, "seed") ? seed : "not recorded";
        for (size_t i = 0; i < r->ncfg; i++)
            if (!strcmp(r->cfg[i].key, key))
                v = r->cfg[i].value;
        size_t o = strlen(buf);
        char probe[104], have[420];
        snprintf(probe, sizeof probe, "|%s|", v);
        snprintf(have, sizeof have, "|%s|", buf);
        if (!strstr(have, probe) && o + strlen(v) + 2 < n)
            snprintf(buf + o, n - o, "%s%s", o ? "|" : "", v);
    }
}

/* Whether key differs between any two runs of the report. */
int rm_config_differs(const cs_report *rep, const char *key)
{
    char first[100], v[100];
    for (size_t g = 0; g < rep->ng; g++) {
        rm_group_value(rep, g, key, v, sizeof v);
        if (strchr(v, '|'))
            return 1;
        if (g == 0)
            snprintf(first, sizeof first, "%s", v);
        else if (strcmp(first, v))
            return 1;
    }
    return 0;
}

/* Every configuration key of any run, in first-seen order. */
size_t rm_config_keys(const cs_report *rep, const char **keys, size_t max)
{
    size_t nk = 0;
    for (size_t k = 0; k < rep->nr; k++)
        for (size_t i = 0; i < rep->runs[k].ncfg; i++) {
            size_t q = 0;
            while (q < nk && strcmp(keys[q], rep->runs[k].cfg[i].key))
                q++;
            if (q == nk && nk < max)
                keys[nk++] = rep->runs[k].cfg[i].key;
        }
    return nk;
}

static void configuration(FILE *out, const cs_report *rep)
{
    const char *keys[128];
    size_t nk = rm_config_keys(rep, keys, 128), w = rep->ng + 1, rows = nk + 2;
    if (w > MAX_COLS)
        w = MAX_COLS;
    char(*cell)[160] = calloc(rows * w, sizeof *cell);
    if (!cell)
        return;
    snprintf(cell[0], 160, "key");
    for (size_t g = 0; g + 1 < w; g++)
        snprintf(cell[1 + g], 160, "%s", rep->groups[g].name);
    for (size_t i = 0; i < nk; i++) {
        snprintf(cell[(i + 1) * w], 160, "%s%s", rm_config_differs(rep, keys[i]) ? "* " : "  ", keys[i]);
        for (size_t g = 0; g + 1 < w; g++)
            rm_group_value(rep, g, keys[i], cell[(i + 1) * w + 1 + g], 160);
    }
    snprintf(cell[(nk + 1) * w], 160, "  seeds");
    for (size_t g = 0; g + 1 < w; g++) {
        char *c = cell[(nk + 1) * w + 1 + g];
        rm_group_value(rep, g, "seed", c, 160);
        for (; *c; c++)
            if (*c == '|')
                *c = ',';
    }
    table(out, cell, rows, w);
    free(cell);
}

cs_status cs_report_write_summary_text(FILE *out, const cs_report *rep)
{
    if (!out || !rep)
        return cs_error_set(CS_EINVAL, "cs_report_write_summary_text: output and report must be given");
    rm_col cols[MAX_COLS];
    size_t nc = rm_summary_columns(rep, cols, MAX_COLS);
    fprintf(out,
            "summary: %zu run%s in %zu group%s; mean ± half-width of the 95 %% t interval across a group's "
            "runs; \"(k of n)\" when only k runs have the value\n",
            rep->nr, rep->nr == 1 ? "" : "s", rep->ng, rep->ng == 1 ? "" : "s");
    summary(out, rep, cols, nc);
    fprintf(out, "\nconfiguration (* = differs between the runs compared)\n");
    configuration(out, rep);
    cs_status st = rm_plane_text(out, rep);
    return st != CS_OK ? st : ferror(out) ? cs_error_set(CS_EIO, "writing the summary failed") : CS_OK;
}
