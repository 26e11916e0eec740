/* The metric table (metric_table.c) in use: entries found by name or by
 * dataset path, their path with the placeholder filled, writing an entry's
 * values into a cs_metrics and reading them back, the public view
 * (cogscope/observe.h) and the report's view (generic entries for arrays
 * the table does not name). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "analyze_internal.h"
#include "metric_table.h"

/* Does `text` match `pattern`, whose one "{...}" stands for a non-empty run
 * of characters without `stop`? The matched run goes to sub (n bytes). */
static int match(const char *pattern, const char *text, char stop, char *sub, size_t n)
{
    const char *open = strchr(pattern, '{'), *close = open ? strchr(open, '}') : NULL;
    if (!close)
        return !strcmp(pattern, text);
    size_t head = (size_t)(open - pattern), tail = strlen(close + 1), len = strlen(text);
    if (len <= head + tail || strncmp(text, pattern, head) || strcmp(text + len - tail, close + 1))
        return 0;
    for (size_t i = head; i < len - tail; i++)
        if (text[i] == stop)
            return 0;
    if (sub)
        snprintf(sub, n, "%.*s", (int)(len - tail - head), text + head);
    return 1;
}

const obs_metric *obs_metric_find(const char *name)
{
    for (size_t i = 0; i < obs_metric_count(); i++) /* the exact name first: a view of one instance */
        if (!strcmp(obs_metric_at(i)->name, name))
            return obs_metric_at(i);
    for (size_t i = 0; i < obs_metric_count(); i++)
        if (strchr(obs_metric_at(i)->name, '{') && match(obs_metric_at(i)->name, name, '.', NULL, 0))
            return obs_metric_at(i);
    return NULL;
}

const obs_metric *obs_metric_of_path(const char *path, char *sub, size_t n)
{
    if (strncmp(path, "/analysis/", 10))
        return NULL;
    for (size_t i = 0; i < obs_metric_count(); i++)
        if (obs_metric_at(i)->path && match(obs_metric_at(i)->path, path + 10, '/', sub, n))
            return obs_metric_at(i);
    return NULL;
}

cs_status obs_metric_path(const obs_metric *e, const char *sub, char *out, size_t n)
{
    const char *open = e->path ? strchr(e->path, '{') : NULL, *close = open ? strchr(open, '}') : NULL;
    int w = !e->path ? -1
            : close
                ? snprintf(out, n, "/analysis/%.*s%s%s", (int)(open - e->path), e->path, sub ? sub : "", close + 1)
                : snprintf(out, n, "/analysis/%s", e->path);
    if (w < 0 || (size_t)w >= n)
        return cs_error_set(CS_EINVAL, "metric %s: no path, or the path is too long", e->name);
    return CS_OK;
}

cs_status obs_put(cs_metrics *m, const obs_metric *e, const char *sub, size_t rank, const size_t *dims,
                  const double *v, const char *desc)
{
    char path[CS_RUNLOG_NAME_MAX * 2 + 96];
    cs_status st = obs_metric_path(e, sub, path, sizeof path);
    return st == CS_OK ? cs_metrics_put(m, path, rank, dims, v, e->units, desc ? desc : e->description) : st;
}

cs_status obs_put_named(cs_metrics *m, const char *name, const char *sub, size_t rank, const size_t *dims,
                        const double *v)
{
    const obs_metric *e = obs_metric_find(name);
    if (!e || !e->path)
        return cs_error_set(CS_EINVAL, "the metric table has no entry '%s' (src/observe/metric_table.c)", name);
    return obs_put(m, e, sub, rank, dims, v, NULL);
}

cs_status obs_put1(cs_metrics *m, const char *name, const char *sub, size_t n, const double *v)
{
    return obs_put_named(m, name, sub, 1, &n, v);
}

const cs_metrics_array *obs_metric_get(const cs_metrics *m, const char *name, const char *sub)
{
    const obs_metric *e = obs_metric_find(name);
    char path[CS_RUNLOG_NAME_MAX * 2 + 96];
    return e && obs_metric_path(e, sub, path, sizeof path) == CS_OK ? cs_metrics_get(m, path) : NULL;
}

/* ---- the public view (cogscope/observe.h) ---- */

static const char *shape_text(obs_shape s)
{
    static const char *const text[] = {
        [OBS_SHAPE_SCALAR] = "[1]",
        [OBS_SHAPE_TWO] = "[2]",
        [OBS_SHAPE_STEPS] = "[step]",
        [OBS_SHAPE_EPOCHS] = "[epoch]",
        [OBS_SHAPE_WINDOWS] = "[window]",
        [OBS_SHAPE_FREQS] = "[frequency]",
        [OBS_SHAPE_FIT] = "[fitted frequency]",
        [OBS_SHAPE_PEAKS] = "[peak, 3]",
        [OBS_SHAPE_SNAP] = "[snapshot]",
        [OBS_SHAPE_SNAP_UNITS] = "[snapshot, unit cap]",
        [OBS_SHAPE_SNAP_MULTIPLETS] = "[snapshot, multiplets]",
        [OBS_SHAPE_SNAP_SUMMARY] = "[snapshot, 6]",
        [OBS_SHAPE_SNAP_PAIRS] = "[snapshot, pid_pairs]",
        [OBS_SHAPE_SNAP_PAIR_UNITS] = "[snapshot, pid_pairs, 2]",
        [OBS_SHAPE_SNAP_ATOMS] = "[snapshot, 16]",
        [OBS_SHAPE_RELAX] = "[relaxation]",
        [OBS_SHAPE_RELAX_ATOMS] = "[relaxation, 16]",
        [OBS_SHAPE_RELAX_FREQS] = "[relaxation, frequency]",
        [OBS_SHAPE_LOG] = "run log",
        [OBS_SHAPE_VIEW] = "report view",
    };
    return text[s];
}

static void info_of(const obs_metric *e, cs_obs_metric_info *out)
{
    *out = (cs_obs_metric_info){.name = e->name,
                                .path = e->path,
                                .shape = shape_text(e->shape),
                                .units = e->units,
                                .description = e->description,
                                .flag = e->flag,
                                .within = e->within,
                                .groups = e->group,
                                .needs_surrogates = (e->when & OBS_WHEN_SURROGATES) != 0,
                                .computed_by = e->task ? e->task->function : NULL,
                                .title = e->title};
}

size_t cs_obs_metric_count(void) { return obs_metric_count(); }

cs_status cs_obs_metric_get(size_t i, cs_obs_metric_info *out)
{
    if (!out || i >= obs_metric_count())
        return cs_error_set(CS_EINVAL, "cs_obs_metric_get: entry %zu of a table of %zu", i,
                            (size_t)obs_metric_count());
    info_of(obs_metric_at(i), out);
    return CS_OK;
}

cs_status cs_obs_metric_of_path(const char *path, cs_obs_metric_info *out)
{
    const obs_metric *e = path && out ? obs_metric_of_path(path, NULL, 0) : NULL;
    if (!e)
        return cs_error_set(CS_EINVAL, "metrics dataset %s: not in this cogscope's metric table",
                            path ? path : "(null)");
    info_of(e, out);
    return CS_OK;
}

/* ---- the report's view ---- */

/* Generic entries for keys without a titled entry. */
static const obs_metric generic = {"", .section = "other"};
static const obs_metric generic_p = {"", .section = "significance", .draw = RM_PVALUE};
static const obs_metric generic_spectrum = {"", .section = "spectra", .draw = RM_LOGX | RM_LOGY | RM_NO_CSV};
static const obs_metric generic_coherence = {"", .section = "coherence", .draw = RM_NO_CSV};
static const obs_metric generic_hidden = {"", .section = "other", .draw = RM_HIDDEN};
static const obs_metric generic_sigmapi = {"", .section = "sigmapi"};
static const obs_metric generic_atoms = {"", .section = "phiid", .draw = RM_HIDDEN};
static const obs_metric generic_log = {"", .section = "layers", .draw = RM_SMOOTH};

const obs_metric *rm_table_find_log(const char *name)
{
    const obs_metric *d = rm_table_find(name);
    return d == &generic ? &generic_log : d;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

const obs_metric *rm_table_find(const char *name)
{
    for (size_t i = 0; i < obs_metric_count(); i++)
        if (obs_metric_at(i)->title && !strcmp(obs_metric_at(i)->name, name))
            return obs_metric_at(i);
    if (ends_with(name, "_p"))
        return &generic_p;
    if (strstr(name, "_phiid_atoms_")) /* the 14 other atoms: exported, not charted */
        return &generic_atoms;
    if (!strncmp(name, "spectra.", 8))
        return ends_with(name, ".psd") ? &generic_spectrum : &generic_hidden;
    if (!strncmp(name, "coherence.", 10))
        return ends_with(name, "_coherence") ? &generic_coherence : &generic_hidden;
    if (!strncmp(name, "sigmapi.", 8))
        return ends_with(name, ".pi") || ends_with(name, "_start") || ends_with(name, "_steps") ? &generic_hidden
                                                                                                : &generic_sigmapi;
    return &generic;
}

/* The entries with a title: the report's charts and summary columns. */
const obs_metric *rm_table_at(size_t i)
{
    for (size_t k = 0; k < obs_metric_count(); k++)
        if (obs_metric_at(k)->title && i-- == 0)
            return obs_metric_at(k);
    return NULL;
}
