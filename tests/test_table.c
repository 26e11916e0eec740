/* The text-table reader (src/io/table.c), the one parser behind `estimate`
 * inputs and training CSVs: line endings (LF, CRLF, lone CR), NUL bytes,
 * gzip input, long lines across its read chunks, and its number parser
 * against strtod bit for bit (strtod is the reference: the reader promises
 * strtod's value). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cogscope/core.h"
#include "cogscope/dataset.h"
#include "cogscope/rng.h"
#include "cogscope/table.h"
#include "io/table_number.h"
#include "testutil.h"

static char *dir;

static void setup(void) { dir = tu_tmpdir(); }
static void teardown(void)
{
    cr_expect_eq(tu_rm_rf(dir), 0);
    free(dir);
}

TestSuite(table, .init = setup, .fini = teardown);

static const char *write_bytes(const char *name, const char *bytes, size_t len)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    fclose(f);
    return path;
}

static void expect_3x2(const char *name, const char *text, size_t len)
{
    cs_matrix m;
    const char *path = write_bytes(name, text, len);
    cr_assert_eq(cs_table_read(path, &m), CS_OK, "%s: %s", name, cs_last_error());
    cr_expect_eq(m.rows, 3, "%s: %zu rows", name, m.rows);
    cr_expect_eq(m.cols, 2, "%s: %zu cols", name, m.cols);
    static const double want[6] = {1, 2, 3.5, -4, 5e-3, 6};
    for (size_t i = 0; i < 6 && m.rows == 3 && m.cols == 2; i++)
        cr_expect_eq(m.data[i], want[i], "%s: value %zu", name, i);
    cs_matrix_free(&m);
}

Test(table, line_endings_lf_crlf_and_lone_cr)
{
    const char lf[] = "# c\n1 2\n3.5,-4\n\n5e-3\t6\n";
    const char crlf[] = "# c\r\n1 2\r\n3.5,-4\r\n\r\n5e-3\t6\r\n";
    const char cr[] = "# c\r1 2\r3.5,-4\r\r5e-3\t6\r";
    const char cr_noend[] = "1 2\r3.5,-4\r5e-3\t6";
    const char mixed[] = "1 2\r\n3.5,-4\r5e-3\t6\n";
    expect_3x2("lf.txt", lf, sizeof lf - 1);
    expect_3x2("crlf.txt", crlf, sizeof crlf - 1);
    expect_3x2("cr.txt", cr, sizeof cr - 1);
    expect_3x2("cr_noend.txt", cr_noend, sizeof cr_noend - 1);
    expect_3x2("mixed.txt", mixed, sizeof mixed - 1);
}

Test(table, cr_only_file_line_numbers_in_errors)
{
    const char text[] = "1 2\r3 4\r5 x\r";
    cs_matrix m;
    cr_expect_eq(cs_table_read(write_bytes("bad_cr.txt", text, sizeof text - 1), &m), CS_EFORMAT);
    cr_expect(strstr(cs_last_error(), "line 3, column 1: 'x'") != NULL, "%s", cs_last_error());
}

Test(table, nul_byte_is_an_error_naming_file_and_line)
{
    /* before: the row was cut at the NUL and read as 1 column, or as the
     * short row "3", silently */
    const char text[] = "1 2\n3\0 4\n5 6\n";
    cs_matrix m;
    const char *path = write_bytes("nul.txt", text, sizeof text - 1);
    cr_expect_eq(cs_table_read(path, &m), CS_EFORMAT);
    cr_expect(strstr(cs_last_error(), "nul.txt: line 2: NUL byte at character 2") != NULL, "%s", cs_last_error());
    cr_expect_null(m.data);
    /* the training CSV reader is the same parser */
    cs_dataset d;
    const char csv[] = "1,2,0\n3,4,1\n\0\n";
    cr_expect_eq(cs_dataset_read_csv(write_bytes("nul.csv", csv, sizeof csv - 1), -1, 1.0, &d), CS_EFORMAT);
    cr_expect(strstr(cs_last_error(), "nul.csv: line 3: NUL byte") != NULL, "%s", cs_last_error());
    /* a NUL inside a comment line harms nothing */
    const char com[] = "# a\0b\n1 2\n";
    cr_expect_eq(cs_table_read(write_bytes("nulc.txt", com, sizeof com - 1), &m), CS_OK);
    cs_matrix_free(&m);
}

Test(table, gzip_input_and_lines_longer_than_a_chunk)
{
    /* 3 rows of 150,000 cells: each line is longer than the 1 MiB chunk */
    size_t cols = 150000, rows = 3;
    size_t cap = rows * cols * 12 + 16, len = 0;
    char *text = malloc(cap);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++)
            len += (size_t)snprintf(text + len, cap - len, "%zu.25%c", i * cols + j,
                                    j + 1 < cols ? ' ' : (i == 1 ? '\r' : '\n'));
    char path[600];
    snprintf(path, sizeof path, "%s/big.txt.gz", dir);
    gzFile g = gzopen(path, "wb");
    cr_assert(g);
    cr_assert_eq(gzwrite(g, text, (unsigned)len), (int)len);
    gzclose(g);
    for (int gz = 0; gz <= 1; gz++) {
        cs_matrix m;
        const char *p = gz ? path : write_bytes("big.txt", text, len);
        cr_assert_eq(cs_table_read(p, &m), CS_OK, "%s", cs_last_error());
        cr_assert_eq(m.rows, rows);
        cr_assert_eq(m.cols, cols);
        for (size_t i = 0; i < rows * cols; i += 997)
            cr_assert_eq(m.data[i], (double)i + 0.25, "value %zu", i);
        cs_matrix_free(&m);
    }
    free(text);
}

Test(table, rows_map_to_file_lines)
{
    const char text[] = "% head\n\n1 2\n# mid\n3 4\r\n\r\n5 6";
    cs_matrix m;
    size_t *lines;
    cr_assert_eq(cs_table_read_text_lines(write_bytes("lines.txt", text, sizeof text - 1), &m, &lines), CS_OK);
    cr_assert_eq(m.rows, 3);
    cr_expect_eq(lines[0], 3);
    cr_expect_eq(lines[1], 5);
    cr_expect_eq(lines[2], 7);
    free(lines);
    cs_matrix_free(&m);
}

/* ---- the number parser against strtod ---- */

static void expect_like_strtod(const char *s)
{
    char *end;
    double want = strtod(s, &end);
    int ok = *s && *end == '\0';
    double got = 0;
    cs_status st = table_parse_number(s, strlen(s), &got);
    cr_assert_eq(st == CS_OK, ok, "'%s': parse %s, strtod %s", s, st ? "fails" : "ok", ok ? "ok" : "fails");
    if (ok)
        cr_assert(memcmp(&got, &want, sizeof got) == 0 || (isnan(got) && isnan(want)), "'%s': %a, strtod %a", s, got,
                  want);
}

Test(table, number_parser_equals_strtod_bit_for_bit)
{
    static const char *fixed[] = {
        "0", "-0", "+0", "0.0", "-0.000", "00012", "1.", ".5", "-.5", "5e3", "5E+3", "5e-3", "1e22", "1e23",
        "9007199254740993", "9007199254740992", "18446744073709551615", "18446744073709551616",
        "12345678901234567890123", "0.1", "0.3", "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308",
        "1e309", "1e-400", "123456789012345678e-27", "0.000000000000000000000000000123", "1e", "e5", ".", "-", "+",
        "1e+", "1.2.3", "--1", "0x1p3", "inf", "-Infinity", "nan", "1,5", " 1", "1 ", "7e-10",
        "3.14159265358979323846",
        /* halfway between doubles, and just off it (the long double path's hard cases) */
        "9007199254740993", "9007199254740993.0000000001", "9007199254740992.9999999999",
        "1.00000000000000011102230246251565404236316680908203125", "1.0000000000000001110223024625156540",
        "1.0000000000000001110223024625156541", "0.500000000000000055511151231257827021181583404541015625",
        /* eight-digit blocks: at, around and past the 19-digit limit, with
         * leading zeros before and inside them, and a non-digit inside one */
        "12345678", "1234567812345678", "123456781234567812", "1234567812345678123", "12345678123456781234",
        "0.1234567812345678", "00000000.0000000012345678", "0.000000001234567812345678", "1234567.8",
        "12345678.87654321e-3", "1234a678", "1234567/", "9999999999999999999", "99999999999999999999",
        "10000000000000000000", "-0.00000000000000000000000000000000000001", "+00000000000000000000000001e+00000000",
        /* subnormals and the limits of exponents */
        "2.4703282292062327e-324", "2.4703282292062328e-324", "4.9406564584124654e-324", "2.225073858507201e-308",
        "1.7976931348623158e308", "1e-10000", "1e10000", "1e100000", "0e100000", "-0e-5",
        /* inf and nan as strtod spells them */
        "INF", "-inf", "+Infinity", "infinity", "infinit", "NaN", "-nan", "nan(123)", "nan(", "0x1.8p1", "0X10"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        expect_like_strtod(fixed[i]);
    /* cells longer than the parser's stack copy: hundreds of digits */
    char longcell[700];
    memset(longcell, '0', sizeof longcell - 1);
    longcell[sizeof longcell - 1] = '\0';
    longcell[1] = '.';
    longcell[sizeof longcell - 2] = '7'; /* 0.000...07: below the smallest subnormal, 0 */
    expect_like_strtod(longcell);
    longcell[300] = '3'; /* 3e-299 with 398 more digits */
    expect_like_strtod(longcell);
    longcell[0] = '9', longcell[1] = '9'; /* 99000...: an integer of 699 digits, inf */
    expect_like_strtod(longcell);
    longcell[150] = 'x';
    expect_like_strtod(longcell);
    cs_rng *rng;
    cs_rng_create(77, &rng);
    char buf[80];
    static const char *fmts[] = {"%.17g", "%.16g", "%.15g", "%.6g", "%.3e", "%.19e", "%g", "%.12f"};
    for (size_t i = 0; i < 400000; i++) {
        uint64_t bits = (cs_rng_below(rng, (uint64_t)1 << 32) << 32) | cs_rng_below(rng, (uint64_t)1 << 32);
        double v;
        switch (i % 4) {
        case 0: /* uniform bit patterns (every exponent) */
            memcpy(&v, &bits, sizeof v);
            if (!isfinite(v))
                v = 1.5;
            break;
        case 1: /* ordinary data scales */
            v = cs_rng_gaussian(rng, 1.0) * pow(10.0, (double)(int)cs_rng_below(rng, 16) - 8);
            break;
        case 2: { /* a midpoint between neighbouring doubles, written exactly-ish */
            double a = cs_rng_gaussian(rng, 100.0);
            double b = nextafter(a, INFINITY);
            long double mid = ((long double)a + (long double)b) / 2;
            snprintf(buf, sizeof buf, "%.*Le", (int)(cs_rng_below(rng, 6) + 16), mid);
            expect_like_strtod(buf);
            continue;
        }
        default: /* integers and short decimals */
            v = (double)(int64_t)(bits >> (11 + cs_rng_below(rng, 50))) / pow(10.0, (double)cs_rng_below(rng, 12));
        }
        snprintf(buf, sizeof buf, fmts[i % 8], v);
        expect_like_strtod(buf);
    }
    cs_rng_destroy(rng);
}
