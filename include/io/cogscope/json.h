/* A streaming JSON writer for CLI output and reports.
 *
 * Keeps track of commas and nesting; the caller writes keys and values in
 * order. Non-finite numbers are written as null (JSON has no NaN). Numbers are
 * printed with 17 significant digits so doubles round-trip exactly. */
#ifndef COGSCOPE_JSON_H
#define COGSCOPE_JSON_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CS_JSON_MAX_DEPTH 64

typedef struct {
    FILE *out;
    int depth;
    int after_key;
    unsigned char has_items[CS_JSON_MAX_DEPTH];
} cs_json;

void cs_json_init(cs_json *j, FILE *out);
void cs_json_begin_object(cs_json *j);
void cs_json_end_object(cs_json *j); /* a newline follows the outermost one */
void cs_json_begin_array(cs_json *j);
void cs_json_end_array(cs_json *j);
void cs_json_key(cs_json *j, const char *key);
void cs_json_string(cs_json *j, const char *s);
void cs_json_number(cs_json *j, double v);
void cs_json_int(cs_json *j, long long v);
void cs_json_bool(cs_json *j, int v);
void cs_json_null(cs_json *j);
void cs_json_numbers(cs_json *j, const double *v, size_t n); /* [v0, v1, ...] */
void cs_json_ints(cs_json *j, const long long *v, size_t n);

/* Shorthands for "key": value. */
void cs_json_kv_string(cs_json *j, const char *key, const char *s);
void cs_json_kv_number(cs_json *j, const char *key, double v);
void cs_json_kv_int(cs_json *j, const char *key, long long v);

/* Write `s` as a quoted, escaped JSON string to `out` (for ad-hoc writers).
 * Strings come from files a user did not write (run-log attributes, dataset
 * names): quotes, backslashes and control characters are escaped and bytes
 * that are not UTF-8 become \ufffd, so the output is always valid JSON. */
void cs_json_write_escaped(FILE *out, const char *s);

/* The length (1-4) of the well-formed UTF-8 sequence that starts at `s`, or
 * 0 at the terminating NUL or a byte that starts none (stray continuation
 * byte, overlong form, surrogate, past U+10FFFF, cut short). */
size_t cs_utf8_seq_len(const char *s);

#ifdef __cplusplus
}
#endif
#endif
