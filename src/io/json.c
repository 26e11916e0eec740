/* Streaming JSON writer. */
#include "cogscope/json.h"

#include <math.h>

void cs_json_init(cs_json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->after_key = 0;
    j->has_items[0] = 0;
}

/* Comma before every item of an array or object but the first; nothing after
 * a key, whose value follows directly. */
static void separate(cs_json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->has_items[j->depth])
        fputc(',', j->out);
    j->has_items[j->depth] = 1;
}

static void open_scope(cs_json *j, char c)
{
    separate(j);
    fputc(c, j->out);
    if (j->depth + 1 < CS_JSON_MAX_DEPTH)
        j->depth++;
    j->has_items[j->depth] = 0;
}

static void close_scope(cs_json *j, char c)
{
    fputc(c, j->out);
    if (j->depth > 0)
        j->depth--;
    if (j->depth == 0)
        fputc('\n', j->out);
}

void cs_json_begin_object(cs_json *j) { open_scope(j, '{'); }
void cs_json_end_object(cs_json *j) { close_scope(j, '}'); }
void cs_json_begin_array(cs_json *j) { open_scope(j, '['); }
void cs_json_end_array(cs_json *j) { close_scope(j, ']'); }

size_t cs_utf8_seq_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] < 0x80)
        return p[0] ? 1 : 0;
    size_t n;
    unsigned min;
    unsigned cp;
    if ((p[0] & 0xe0) == 0xc0)
        n = 2, min = 0x80, cp = p[0] & 0x1f;
    else if ((p[0] & 0xf0) == 0xe0)
        n = 3, min = 0x800, cp = p[0] & 0x0f;
    else if ((p[0] & 0xf8) == 0xf0)
        n = 4, min = 0x10000, cp = p[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    /* overlong forms, UTF-16 surrogates and code points past U+10FFFF */
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return n;
}

void cs_json_write_escaped(FILE *out, const char *s)
{
    fputc('"', out);
    for (const char *q = s; *q;) {
        unsigned char c = (unsigned char)*q;
        size_t n = cs_utf8_seq_len(q);
        if (n == 0) { /* not UTF-8: the replacement character keeps the JSON valid */
            fputs("\\ufffd", out);
            q++;
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\u%04x", c);
            else
                fwrite(q, 1, n, out);
        }
        q += n;
    }
    fputc('"', out);
}

void cs_json_key(cs_json *j, const char *key)
{
    separate(j);
    cs_json_write_escaped(j->out, key);
    fputc(':', j->out);
    j->after_key = 1;
}

void cs_json_string(cs_json *j, const char *s)
{
    separate(j);
    cs_json_write_escaped(j->out, s);
}

void cs_json_number(cs_json *j, double v)
{
    separate(j);
    if (isfinite(v))
        fprintf(j->out, "%.17g", v);
    else
        fputs("null", j->out);
}

void cs_json_int(cs_json *j, long long v)
{
    separate(j);
    fprintf(j->out, "%lld", v);
}

void cs_json_bool(cs_json *j, int v)
{
    separate(j);
    fputs(v ? "true" : "false", j->out);
}

void cs_json_null(cs_json *j)
{
    separate(j);
    fputs("null", j->out);
}

void cs_json_numbers(cs_json *j, const double *v, size_t n)
{
    cs_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        cs_json_number(j, v[i]);
    cs_json_end_array(j);
}

void cs_json_ints(cs_json *j, const long long *v, size_t n)
{
    cs_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        cs_json_int(j, v[i]);
    cs_json_end_array(j);
}

void cs_json_kv_string(cs_json *j, const char *key, const char *s)
{
    cs_json_key(j, key);
    cs_json_string(j, s);
}

void cs_json_kv_number(cs_json *j, const char *key, double v)
{
    cs_json_key(j, key);
    cs_json_number(j, v);
}

void cs_json_kv_int(cs_json *j, const char *key, long long v)
{
    cs_json_key(j, key);
    cs_json_int(j, v);
}
