/* Option tables (cli_opts.h): parsing, range errors, --help text and JSON
 * echo, all read from a command's cli_opt array. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Expand the CLI_INCLUDEs of `t` (fields relative to `base`) into a->flat. */
static void flatten(cli_args *a, const cli_opt *t, size_t base)
{
    for (; t->type != CLI_END; t++) {
        if (t->type == CLI_INCLUDE) {
            flatten(a, t->sub, base + t->field);
        } else if (a->n < CLI_MAX_OPTS) {
            a->flat[a->n] = t;
            a->base[a->n++] = base;
        }
    }
}

static int is_option(const cli_opt *o) { return o->type != CLI_SECTION; }

static int takes_value(const cli_opt *o) { return o->type != CLI_FLAG && o->type != CLI_CLEAR; }

/* "--fs: 0 must be > 0", "--pi-ema: 1 must be in [0, 1)". */
static int double_range_error(const char *cmd, const cli_opt *o, double v)
{
    char flag[64];
    snprintf(flag, sizeof flag, "--%s", o->name);
    int lo = o->range & CLI_MIN, hi = o->range & CLI_MAX;
    if (lo && hi)
        return cli_usage_error(cmd, "%s: %g must be in %c%g, %g%c", flag, v, o->range & CLI_MIN_OPEN ? '(' : '[',
                               o->min, o->max, o->range & CLI_MAX_OPEN ? ')' : ']');
    if (lo)
        return cli_usage_error(cmd, "%s: %g must be %s %g", flag, v, o->range & CLI_MIN_OPEN ? ">" : ">=", o->min);
    return cli_usage_error(cmd, "%s: %g must be %s %g", flag, v, o->range & CLI_MAX_OPEN ? "<" : "<=", o->max);
}

static int in_range(const cli_opt *o, double v)
{
    if ((o->range & CLI_MIN) && !(o->range & CLI_MIN_OPEN ? v > o->min : v >= o->min))
        return 0;
    if ((o->range & CLI_MAX) && !(o->range & CLI_MAX_OPEN ? v < o->max : v <= o->max))
        return 0;
    return 1;
}

/* "none, constant or linear": the listed (non-alias) names of a CLI_ENUM. */
static void choice_list(const cli_choice *c, char *buf, size_t len)
{
    size_t n = 0, used = 0;
    for (size_t i = 0; c[i].name; i++)
        n += i == 0 || c[i].value != c[i - 1].value;
    buf[0] = '\0';
    for (size_t i = 0, k = 0; c[i].name; i++) {
        if (i > 0 && c[i].value == c[i - 1].value)
            continue;
        const char *sep = k == 0 ? "" : k + 1 == n ? " or " : ", ";
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", sep, c[i].name);
        k++;
    }
}

static int parse_enum(const char *cmd, const cli_opt *o, const char *arg, int *out)
{
    for (const cli_choice *c = o->choices; c->name; c++)
        if (!strcmp(c->name, arg)) {
            *out = c->value;
            return 0;
        }
    char names[256];
    choice_list(o->choices, names, sizeof names);
    return cli_usage_error(cmd, "--%s: '%s' is not %s", o->name, arg, names);
}

/* Parse `arg` into the option's field. Returns 0 or the exit code. */
static int store(const char *cmd, const cli_opt *o, const char *arg, char *base)
{
    void *f = base + o->field;
    char flag[64];
    snprintf(flag, sizeof flag, "--%s", o->name);
    long l;
    int rc;
    switch (o->type) {
    case CLI_FLAG: *(int *)f = o->value ? o->value : 1; return 0;
    case CLI_CLEAR: *(int *)f = 0; return 0;
    case CLI_INT: return cli_parse_int(cmd, flag, arg, (long)o->min, (long)o->max, (long *)f);
    case CLI_INT32:
    case CLI_SIZE:
        if ((rc = cli_parse_int(cmd, flag, arg, (long)o->min, (long)o->max, &l)))
            return rc;
        if (o->type == CLI_INT32)
            *(int *)f = (int)l;
        else
            *(size_t *)f = (size_t)l;
        return 0;
    case CLI_U64:
        if ((rc = cli_parse_u64(cmd, flag, arg, (uint64_t *)f)))
            return rc;
        if (in_range(o, (double)*(uint64_t *)f))
            return 0;
        if (o->range & CLI_MAX)
            return cli_usage_error(cmd, "%s: %llu is outside [%.0f, %.0f]", flag, (unsigned long long)*(uint64_t *)f,
                                   o->min, o->max);
        return cli_usage_error(cmd, "%s: %llu must be >= %.0f", flag, (unsigned long long)*(uint64_t *)f, o->min);
    case CLI_DOUBLE:
        if ((rc = cli_parse_double(cmd, flag, arg, (double *)f)))
            return rc;
        return in_range(o, *(double *)f) ? 0 : double_range_error(cmd, o, *(double *)f);
    case CLI_BYTES: return cli_parse_bytes(cmd, flag, arg, (uint64_t *)f);
    case CLI_STRING:
    case CLI_FILE:
    case CLI_COLS: *(const char **)f = arg; return 0;
    case CLI_ENUM: return parse_enum(cmd, o, arg, (int *)f);
    case CLI_CUSTOM: return o->parse(cmd, o, arg, f, base);
    default: return 0;
    }
}

static int apply_defaults(const cli_command *c, cli_args *a, char *opts)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->flat[i]->def) {
            int rc = store(c->cmd, a->flat[i], a->flat[i]->def, opts + a->base[i]);
            if (rc)
                return rc;
        }
    return 0;
}

/* getopt_long's table and short-option string, from the flat options; the
 * code of option i is 256 + i. */
static void getopt_tables(const cli_args *a, struct option *lo, char *shorts)
{
    size_t k = 0, s = 0;
    shorts[s++] = ':';
    for (size_t i = 0; i < a->n; i++) {
        const cli_opt *o = a->flat[i];
        if (!is_option(o))
            continue;
        lo[k++] = (struct option){o->name, takes_value(o) ? required_argument : no_argument, 0, 256 + (int)i};
        if (o->short_name) {
            shorts[s++] = o->short_name;
            if (takes_value(o))
                shorts[s++] = ':';
        }
    }
    lo[k++] = (struct option){"help", no_argument, 0, 'h'};
    lo[k] = (struct option){0, 0, 0, 0};
    shorts[s++] = 'h';
    shorts[s] = '\0';
}

/* The option of getopt's return `code`, or NULL for an unknown one. */
static const cli_opt *by_code(const cli_args *a, int code, size_t *index)
{
    if (code >= 256 && (size_t)(code - 256) < a->n) {
        *index = (size_t)(code - 256);
        return a->flat[*index];
    }
    for (size_t i = 0; code != ':' && code != '?' && i < a->n; i++)
        if (a->flat[i]->short_name == code) {
            *index = i;
            return a->flat[i];
        }
    return NULL;
}

/* "%s" in `fmt` replaced by `arg` (the messages of cli_command are not
 * printf formats of their own). */
static void expand(char *buf, size_t n, const char *fmt, const char *arg)
{
    const char *at = strstr(fmt, "%s");
    if (at)
        snprintf(buf, n, "%.*s%s%s", (int)(at - fmt), fmt, arg, at + 2);
    else
        snprintf(buf, n, "%s", fmt);
}

static int check_positional(const cli_command *c, const cli_args *a)
{
    char msg[256];
    int max = c->positional ? c->max_pos : 0;
    if (a->npos < c->min_pos)
        return cli_usage_error(c->cmd, "%s", c->missing ? c->missing : "missing argument");
    if ((max || !c->positional) && a->npos > max) {
        expand(msg, sizeof msg, c->extra && max ? c->extra : "unexpected argument '%s'", a->pos[max]);
        return cli_usage_error(c->cmd, "%s", msg);
    }
    return -1;
}

int cli_parse(const cli_command *c, int argc, char **argv, void *opts, cli_args *a)
{
    memset(a, 0, sizeof *a);
    flatten(a, c->opts, 0);
    if (cli_wants_help(argc, argv)) {
        cli_help(c, stdout);
        return CLI_OK;
    }
    int rc = apply_defaults(c, a, opts);
    if (rc)
        return rc;
    struct option lo[CLI_MAX_OPTS + 2];
    char shorts[2 * CLI_MAX_OPTS + 4];
    getopt_tables(a, lo, shorts);
    cli_getopt_reset();
    int code;
    while ((code = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        size_t i = 0;
        const cli_opt *o = code == 'h' ? NULL : by_code(a, code, &i);
        if (!o)
            return code == 'h' ? (cli_help(c, stdout), CLI_OK) : cli_getopt_error(c->cmd, argc, argv, code);
        if (o->only && c->variant && !(o->only & c->variant))
            return cli_usage_error(c->cmd, "option '%s' does not apply to %s", argv[optind - 1], c->variant_name);
        if ((rc = store(c->cmd, o, optarg, (char *)opts + a->base[i])))
            return rc;
        if (a->given[i] < 255)
            a->given[i]++;
    }
    a->pos = argv + optind;
    a->npos = argc - optind;
    return check_positional(c, a);
}

static const cli_opt *find(const cli_args *a, const char *name, size_t *index)
{
    for (size_t i = 0; i < a->n; i++)
        if (is_option(a->flat[i]) && !strcmp(a->flat[i]->name, name)) {
            if (index)
                *index = i;
            return a->flat[i];
        }
    return NULL;
}

int cli_given(const cli_args *a, const char *name)
{
    size_t i;
    return find(a, name, &i) ? a->given[i] : 0;
}

unsigned cli_given_tags(const cli_args *a)
{
    unsigned tags = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->given[i])
            tags |= a->flat[i]->tag;
    return tags;
}

const char *cli_choice_name(const cli_args *a, const char *name, int value)
{
    const cli_opt *o = find(a, name, NULL);
    for (const cli_choice *c = o && o->choices ? o->choices : NULL; c && c->name; c++)
        if (c->value == value)
            return c->name;
    return "?";
}

void cli_json_opt(cs_json *j, const cli_args *a, const void *opts, const char *name)
{
    size_t i;
    const cli_opt *o = find(a, name, &i);
    if (!o)
        return;
    const char *f = (const char *)opts + a->base[i] + o->field;
    char key[64];
    snprintf(key, sizeof key, "%s", o->json ? o->json : o->name);
    for (char *p = key; *p; p++)
        *p = *p == '-' ? '_' : *p;
    cs_json_key(j, key);
    switch (o->type) {
    case CLI_FLAG:
    case CLI_CLEAR: cs_json_bool(j, *(const int *)f); break;
    case CLI_INT: cs_json_int(j, *(const long *)f); break;
    case CLI_INT32: cs_json_int(j, *(const int *)f); break;
    case CLI_SIZE: cs_json_int(j, (long long)*(const size_t *)f); break;
    case CLI_U64:
    case CLI_BYTES: cs_json_int(j, (long long)*(const uint64_t *)f); break;
    case CLI_DOUBLE: cs_json_number(j, *(const double *)f); break;
    case CLI_ENUM: cs_json_string(j, cli_choice_name(a, name, *(const int *)f)); break;
    case CLI_STRING:
    case CLI_FILE:
    case CLI_COLS:
        if (*(const char *const *)f)
            cs_json_string(j, *(const char *const *)f);
        else
            cs_json_null(j);
        break;
    default: cs_json_null(j); break;
    }
}

/* ---- help text ------------------------------------------------------------------ */

/* `text` with every "%s" replaced by `name`. */
static void put_text(FILE *out, const char *text, const char *name)
{
    for (const char *p = text; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            fputs(name ? name : "", out);
            p++;
        } else {
            fputc(*p, out);
        }
    }
}

/* "  -o, --output FILE     help", continuation lines under the help column. */
static void help_line(FILE *out, const cli_opt *o, int col)
{
    char left[128], shortf[8] = "";
    if (o->short_name)
        snprintf(shortf, sizeof shortf, "-%c, ", o->short_name);
    int n = snprintf(left, sizeof left, "  %s--%s%s%s", shortf, o->name, o->meta ? " " : "", o->meta ? o->meta : "");
    fputs(left, out);
    if (n + 1 > col) {
        fputc('\n', out);
        n = 0;
    }
    fprintf(out, "%*s", col - n, "");
    for (const char *p = o->help ? o->help : ""; *p; p++) {
        fputc(*p, out);
        if (*p == '\n')
            fprintf(out, "%*s", col, "");
    }
    if (o->def)
        fprintf(out, " (default %s)", o->def);
    fputc('\n', out);
}

static void help_table(FILE *out, const cli_opt *t, int col)
{
    for (; t->type != CLI_END; t++) {
        if (t->type == CLI_INCLUDE)
            help_table(out, t->sub, col);
        else if (t->type == CLI_SECTION)
            fprintf(out, "%s\n", t->name);
        else if (t->help) /* an option without help text is not listed */
            help_line(out, t, col);
    }
}

void cli_help(const cli_command *c, FILE *out)
{
    int col = c->help_col ? c->help_col : 22;
    put_text(out, c->usage, c->variant_name);
    help_table(out, c->opts, col);
    help_line(out, &(cli_opt){.name = "help", .short_name = 'h', .help = "this text"}, col);
    if (c->more_help)
        c->more_help(out);
    if (c->footer)
        put_text(out, c->footer, c->variant_name);
}
