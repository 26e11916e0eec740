/* The learning-rule registry: name -> vtable. To add a rule, declare its
 * vtable in include/cogscope/rule.h and list it in `rules`. */
#include <string.h>

#include "cogscope/rule.h"

/* Backprop and the brain-inspired rules (docs/learning-rules.md), one file
 * each. */
static const cs_rule_vtable *const rules[] = {
    &cs_rule_bp, &cs_rule_fa, &cs_rule_dfa, &cs_rule_ep, &cs_rule_pc, &cs_rule_ff, &cs_rule_np,
};

size_t cs_rule_count(void) { return sizeof rules / sizeof rules[0]; }

const cs_rule_vtable *cs_rule_at(size_t i) { return i < cs_rule_count() ? rules[i] : NULL; }

const cs_rule_vtable *cs_rule_find(const char *name)
{
    for (size_t i = 0; name && i < cs_rule_count(); i++)
        if (!strcmp(rules[i]->name, name))
            return rules[i];
    return NULL;
}

const cs_rule_option_spec *cs_rule_option_find(const cs_rule_vtable *v, const char *name)
{
    for (const cs_rule_option_spec *s = v->options; s && s->name; s++)
        if (!strcmp(s->name, name))
            return s;
    return NULL;
}

const cs_rule_vtable *cs_rule_option_owner(const char *name)
{
    for (size_t i = 0; i < cs_rule_count(); i++)
        if (cs_rule_option_find(rules[i], name))
            return rules[i];
    return NULL;
}

cs_status cs_rule_check_options(const cs_rule_vtable *v, const cs_rule_option *opts, size_t n_opts)
{
    for (size_t i = 0; i < n_opts; i++) {
        if (cs_rule_option_find(v, opts[i].name))
            continue;
        const cs_rule_vtable *owner = cs_rule_option_owner(opts[i].name);
        if (owner)
            return cs_error_set(CS_EINVAL, "--%s belongs to rule %s, not %s", opts[i].name, owner->name, v->name);
        return cs_error_set(CS_EINVAL, "unknown option --%s (rule %s)", opts[i].name, v->name);
    }
    return CS_OK;
}
