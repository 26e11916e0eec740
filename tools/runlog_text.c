/* Layers of a run log as text and JSON (runlog_text.h). */
#include "runlog_text.h"

/* /config layers as unit counts, or NULL. */
static const cs_runlog_meta *unit_counts(const cs_runlog *r)
{
    const cs_runlog_meta *m = cs_runlog_meta_find(r, "layers");
    return m && !m->is_string && m->count ? m : NULL;
}

void cli_layers_text(FILE *out, const cs_runlog *r, const char *sep)
{
    const cs_runlog_meta *m = unit_counts(r);
    if (m) {
        for (size_t i = 0; i < m->count; i++)
            fprintf(out, "%s%.0f", i ? sep : "", m->values[i]);
        return;
    }
    size_t n = cs_runlog_get_info(r)->layer_count;
    if (!n)
        fputs("(none)", out);
    for (size_t i = 0; i < n; i++) {
        size_t u = cs_runlog_layer_units(r, i);
        fprintf(out, "%s%s", i ? ", " : "", cs_runlog_layer_name(r, i));
        if (u)
            fprintf(out, " (%zu)", u);
    }
}

void cli_layers_json(cs_json *j, const cs_runlog *r)
{
    const cs_runlog_meta *m = unit_counts(r);
    cs_json_begin_array(j);
    if (m)
        for (size_t i = 0; i < m->count; i++)
            cs_json_int(j, (long long)m->values[i]);
    else
        for (size_t i = 0; i < cs_runlog_get_info(r)->layer_count; i++)
            cs_json_string(j, cs_runlog_layer_name(r, i));
    cs_json_end_array(j);
}

void cli_rule_text(FILE *out, const cs_runlog *r)
{
    const char *rule = cs_runlog_get_info(r)->rule;
    if (rule[0]) {
        fputs(rule, out);
        return;
    }
    fputs("not recorded", out);
    static const char *const said[] = {"trainer", "model"};
    int k = 0;
    for (size_t i = 0; i < sizeof said / sizeof said[0]; i++) {
        const cs_runlog_meta *m = cs_runlog_meta_find(r, said[i]);
        if (m && m->is_string && m->count)
            fprintf(out, "%s%s %s", k++ ? ", " : " (", said[i], m->strings[0]);
    }
    if (k)
        fputc(')', out);
}

const char *cli_or_unrecorded(const char *s) { return s[0] ? s : "not recorded"; }

int cli_epochs_recorded(const cs_runlog *r)
{
    return cs_runlog_find(r, CS_RUNLOG_STEP_SERIES, 0, "epoch") &&
           cs_runlog_find(r, CS_RUNLOG_EVAL_SERIES, 0, "epoch");
}
