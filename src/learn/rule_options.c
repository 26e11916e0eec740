/* The option-parsing helpers a rule's create() uses (cs_rule_opt_*,
 * cogscope/rule.h): the last occurrence of an option wins, an absent option
 * takes the default, a bad value is CS_EINVAL naming the option. Kept apart
 * from rule.c, which calls the rules through the registry, so that calls go
 * one way: rule.c -> rules/registry.c -> rules/X.c -> rule_options.c. */
#include "cogscope/rule.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cs_rule_option *last_opt(const cs_rule_option *opts, size_t n, const char *name)
{
    for (size_t i = n; i-- > 0;)
        if (!strcmp(opts[i].name, name))
            return &opts[i];
    return NULL;
}

cs_status cs_rule_opt_double(const cs_rule_option *opts, size_t n, const char *name, double def, double *out)
{
    const cs_rule_option *o = last_opt(opts, n, name);
    if (!o) {
        *out = def;
        return CS_OK;
    }
    char *end;
    errno = 0;
    double v = o->value ? strtod(o->value, &end) : 0.0;
    if (!o->value || end == o->value || *end || errno == ERANGE || !isfinite(v))
        return cs_error_set(CS_EINVAL, "--%s: '%s' is not a finite number", name, o->value ? o->value : "");
    *out = v;
    return CS_OK;
}

cs_status cs_rule_opt_int(const cs_rule_option *opts, size_t n, const char *name, long def, long *out)
{
    const cs_rule_option *o = last_opt(opts, n, name);
    if (!o) {
        *out = def;
        return CS_OK;
    }
    char *end;
    errno = 0;
    long v = o->value ? strtol(o->value, &end, 10) : 0;
    if (!o->value || end == o->value || *end || errno == ERANGE)
        return cs_error_set(CS_EINVAL, "--%s: '%s' is not an integer", name, o->value ? o->value : "");
    *out = v;
    return CS_OK;
}

cs_status cs_rule_opt_choice(const cs_rule_option *opts, size_t n, const char *name, const char *const *choices,
                             int def, int *out)
{
    const cs_rule_option *o = last_opt(opts, n, name);
    if (!o) {
        *out = def;
        return CS_OK;
    }
    for (int i = 0; choices[i]; i++)
        if (o->value && !strcmp(o->value, choices[i])) {
            *out = i;
            return CS_OK;
        }
    char list[256] = "";
    for (int i = 0; choices[i]; i++) {
        if (i)
            strncat(list, "|", sizeof list - strlen(list) - 1);
        strncat(list, choices[i], sizeof list - strlen(list) - 1);
    }
    return cs_error_set(CS_EINVAL, "--%s: '%s' is not one of %s", name, o->value ? o->value : "", list);
}

int cs_rule_opt_flag(const cs_rule_option *opts, size_t n, const char *name)
{
    const cs_rule_option *o = last_opt(opts, n, name);
    if (!o)
        return 0;
    if (o->value && (!strcmp(o->value, "0") || !strcmp(o->value, "false") || !strcmp(o->value, "off")))
        return 0;
    return 1;
}
