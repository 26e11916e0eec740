/* The HTML report and its SVG charts (src/observe/report_html.c, svg.c):
 * the report of real runs rendered by headless Chromium to a PNG, which is
 * decoded here (zlib) and checked for drawn charts; the SVG writer's axes,
 * escaping and thinning; the analysis as text and JSON. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <zlib.h>

#include <hdf5.h>

#include "cogscope/observe.h"
#include "cogscope/report.h"
#include "testutil.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- a minimal PNG decoder (8-bit RGB/RGBA, non-interlaced) --------------- */

static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Decode `path` into *rgba (w * h * 4 bytes, malloc'd). 0 on success. */
static int png_decode(const char *path, unsigned char **rgba, uint32_t *w, uint32_t *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    static const unsigned char sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    if (n < 33 || memcmp(buf, sig, 8)) {
        free(buf);
        return -2;
    }
    unsigned char *idat = NULL;
    size_t idat_n = 0;
    int depth = 0, ctype = 0, interlace = 0;
    for (long p = 8; p + 12 <= n;) {
        uint32_t len = be32(buf + p);
        const unsigned char *type = buf + p + 4, *data = buf + p + 8;
        if (p + 12 + (long)len > n)
            break;
        if (!memcmp(type, "IHDR", 4)) {
            *w = be32(data);
            *h = be32(data + 4);
            depth = data[8];
            ctype = data[9];
            interlace = data[12];
        } else if (!memcmp(type, "IDAT", 4)) {
            idat = realloc(idat, idat_n + len);
            memcpy(idat + idat_n, data, len);
            idat_n += len;
        }
        p += 12 + (long)len;
    }
    free(buf);
    int bpp = ctype == 6 ? 4 : ctype == 2 ? 3 : 0;
    if (depth != 8 || !bpp || interlace || !idat) {
        free(idat);
        return -3;
    }
    size_t stride = (size_t)*w * (size_t)bpp, raw_n = (size_t)*h * (stride + 1);
    unsigned char *raw = malloc(raw_n);
    uLongf got = (uLongf)raw_n;
    int zr = uncompress(raw, &got, idat, (uLong)idat_n);
    free(idat);
    if (zr != Z_OK || got != raw_n) {
        free(raw);
        return -4;
    }
    unsigned char *img = malloc(stride * *h), *out = malloc((size_t)*w * *h * 4);
    for (uint32_t y = 0; y < *h; y++) {
        int ft = raw[y * (stride + 1)];
        const unsigned char *src = raw + y * (stride + 1) + 1;
        unsigned char *cur = img + y * stride, *prev = y ? img + (y - 1) * stride : NULL;
        for (size_t x = 0; x < stride; x++) {
            int a = x >= (size_t)bpp ? cur[x - bpp] : 0, b = prev ? prev[x] : 0,
                c = prev && x >= (size_t)bpp ? prev[x - bpp] : 0;
            int v = src[x];
            switch (ft) {
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: v += paeth(a, b, c); break;
            default: break;
            }
            cur[x] = (unsigned char)v;
        }
    }
    for (size_t i = 0; i < (size_t)*w * *h; i++) {
        memcpy(out + 4 * i, img + bpp * i, 3);
        out[4 * i + 3] = bpp == 4 ? img[bpp * i + 3] : 255;
    }
    free(raw);
    free(img);
    *rgba = out;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Distinct colours and the fraction of pixels that are not near-white. */
static void pixel_stats(const unsigned char *rgba, size_t npix, size_t *colours, double *ink)
{
    uint32_t *c = malloc(npix * sizeof *c);
    size_t dark = 0;
    for (size_t i = 0; i < npix; i++) {
        const unsigned char *p = rgba + 4 * i;
        c[i] = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        dark += p[0] < 230 || p[1] < 230 || p[2] < 230;
    }
    qsort(c, npix, sizeof *c, cmp_u32);
    size_t k = npix ? 1 : 0;
    for (size_t i = 1; i < npix; i++)
        k += c[i] != c[i - 1];
    free(c);
    *colours = k;
    *ink = npix ? (double)dark / (double)npix : 0;
}

/* ---- runs --------------------------------------------------------------- */

static void train_and_analyze(const char *dir, const char *name, const char *rule)
{
    char cmd[1024], *err = NULL;
    snprintf(cmd, sizeof cmd,
             "train --data digits --rule %s --layers 64,32,10 --epochs 3 --log-every 10 --probe-size 200 --seed 2 "
             "--threads 1 --quiet --out %s/%s.h5",
             rule, dir, name);
    cr_assert_eq(tu_cli(cmd, NULL, &err), 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "analyze %s/%s.h5 --quiet --threads 2", dir, name);
    cr_assert_eq(tu_cli(cmd, NULL, &err), 0, "%s", err);
    free(err);
}

static void rm_rf(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

static int have_chromium(void) { return system("command -v chromium >/dev/null 2>&1") == 0; }

Test(report_html, two_runs_render_in_headless_chromium, .timeout = 600)
{
    char *dir = tu_tmpdir(), html[600], png[600], cmd[2400];
    train_and_analyze(dir, "bp", "bp");
    train_and_analyze(dir, "fa", "fa");
    /* The report through the CLI, metrics found next to the runs. */
    snprintf(html, sizeof html, "%s/report.html", dir);
    snprintf(cmd, sizeof cmd, "report %s/bp.h5 %s/fa.h5 --format html -o %s", dir, dir, html);
    char *out = NULL, *err = NULL;
    cr_assert_eq(tu_cli(cmd, &out, &err), 0, "%s", err);
    cr_expect_str_eq(out, "");
    free(out);
    free(err);

    char *text = tu_slurp(html);
    cr_assert_not_null(text);
    /* Self-contained: no scripts, no external resources (the SVG namespace
     * URI is an identifier, not a fetch). */
    cr_expect_eq(count(text, "<script"), 0);
    cr_expect_eq(count(text, "src="), 0);
    cr_expect_eq(count(text, "href="), 0);
    cr_expect_eq(count(text, "http"), count(text, "http://www.w3.org/2000/svg"));
    /* Expected charts: 5 training series, 2 runs x 2 layers information
     * planes, 6 layer measures, 4 spectra, PhiID. */
    cr_expect_eq(count(text, "class=\"chart training\""), 5);
    cr_expect_eq(count(text, "class=\"chart infoplane\""), 4);
    cr_expect_eq(count(text, "class=\"chart spectrum\""), 4);
    cr_expect_geq(count(text, "class=\"chart analysis\""), 7);
    cr_expect_gt(count(text, "<polyline"), 40);
    cr_expect_gt(count(text, "<circle"), 100);
    cr_expect_eq(count(text, "no data"), 0);
    cr_expect(strstr(text, "Runs compared") && strstr(text, "fa (fa.h5)") && strstr(text, "bp (bp.h5)"));
    cr_expect(strstr(text, "stroke-dasharray") != NULL, "aperiodic fits are dashed");
    free(text);

    if (!have_chromium()) {
        rm_rf(dir);
        cr_skip_test("chromium is not installed (tools/deps.sh test installs it): the rendering was not checked");
        return;
    }
    snprintf(png, sizeof png, "%s/report.png", dir);
    snprintf(cmd, sizeof cmd,
             "timeout 300 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
             "--disable-background-networking --disable-component-update --disable-sync --user-data-dir='%s/chrome' "
             "--screenshot='%s' --window-size=1400,2600 'file://%s' >'%s/chrome.log' 2>&1",
             dir, png, html, dir);
    int rc = system(cmd);
    cr_assert_eq(rc, 0, "chromium failed (exit %d); see %s/chrome.log", rc, dir);
    unsigned char *rgba;
    uint32_t w, h;
    cr_assert_eq(png_decode(png, &rgba, &w, &h), 0, "cannot decode %s", png);
    cr_expect_eq(w, 1400);
    cr_expect_eq(h, 2600);
    size_t colours;
    double ink;
    pixel_stats(rgba, (size_t)w * h, &colours, &ink);
    /* A blank page is one colour with no ink; drawn charts give hundreds of
     * anti-aliased colours (palette, viridis, grey text) and several percent
     * of non-white pixels. */
    cr_expect_gt(colours, 200, "%zu distinct colours", colours);
    cr_expect_gt(ink, 0.03, "%.4f of the pixels are drawn", ink);
    /* The training charts fill the upper part: ink there too. */
    size_t top_colours;
    double top_ink;
    pixel_stats(rgba, (size_t)w * 900, &top_colours, &top_ink);
    cr_expect_gt(top_colours, 50);
    cr_expect_gt(top_ink, 0.03);
    free(rgba);
    rm_rf(dir);
}

/* ---- report through the CLI: formats, several runs, metrics files ------------- */

Test(report_html, cli_formats_runs_and_metrics_files, .timeout = 600)
{
    char *dir = tu_tmpdir(), cmd[2400], *out = NULL, *err = NULL;
    train_and_analyze(dir, "a", "bp");
    train_and_analyze(dir, "b", "dfa");
    struct {
        const char *args;
        int code;
        const char *in_out, *not_in_out, *in_err;
    } cases[] = {
        {"report %1$s/a.h5 --json", 0, "\"analysis\":{\"file\"", NULL, NULL},
        {"report %1$s/a.h5 --json --no-metrics", 0, "\"per_epoch\"", "\"analysis\"", NULL},
        {"report %1$s/a.h5 %1$s/b.h5 --json", 0, "{\"runs\":[{\"file\"", NULL, NULL},
        {"report %1$s/a.h5", 0, "O-information", NULL, NULL},
        {"report %1$s/a.h5 %1$s/b.h5", 0, "rule dfa", NULL, NULL},
        {"report %1$s/a.h5 --metrics %1$s/b.metrics.h5", 1, NULL, NULL, "computed from another run"},
        {"report %1$s/a.h5 --metrics %1$s/a.h5", 1, NULL, NULL, "is a run log, not a metrics file"},
        {"report %1$s/a.h5 --metrics %1$s/none.h5", 1, NULL, NULL, "none.h5"},
        {"report %1$s/a.h5 --metrics %1$s/a.metrics.h5 --metrics %1$s/b.metrics.h5", 2, NULL, NULL, "2 --metrics"},
        {"report %1$s/a.h5 --metrics %1$s/a.metrics.h5 --no-metrics", 2, NULL, NULL, "contradict"},
        {"report %1$s/a.h5 --format pdf", 2, NULL, NULL, "pdf"},
        {"report %1$s/a.h5 --format html", 0, "<!DOCTYPE html>", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[1200];
        snprintf(args, sizeof args, cases[i].args, dir);
        int rc = tu_cli(args, &out, &err);
        cr_expect_eq(rc, cases[i].code, "'%s': exit %d: %s", args, rc, err);
        if (cases[i].in_out)
            cr_expect(out && strstr(out, cases[i].in_out), "'%s': output lacks '%s'", args, cases[i].in_out);
        if (cases[i].not_in_out)
            cr_expect(!out || !strstr(out, cases[i].not_in_out), "'%s': output has '%s'", args, cases[i].not_in_out);
        if (cases[i].in_err)
            cr_expect(err && strstr(err, cases[i].in_err), "'%s': stderr '%s' lacks '%s'", args, err, cases[i].in_err);
        free(out);
        free(err);
    }
    /* A stale metrics file found by default is skipped with a warning. */
    snprintf(cmd, sizeof cmd, "cp %1$s/b.metrics.h5 %1$s/a.metrics.h5", dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "report %s/a.h5 --json", dir);
    cr_expect_eq(tu_cli(cmd, &out, &err), 0, "%s", err);
    cr_expect(strstr(err, "warning") && strstr(err, "another run"), "%s", err);
    cr_expect(!strstr(out, "\"analysis\""));
    free(out);
    free(err);

    /* The library entry with a label of the caller's choice. */
    cs_runlog *r;
    char p[600];
    snprintf(p, sizeof p, "%s/b.h5", dir);
    cr_assert_eq(cs_runlog_open(p, &r), CS_OK, "%s", cs_last_error());
    cs_report_run rr = {r, NULL, "direct <feedback> alignment"};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(cs_report_html(f, &rr, 1), CS_OK, "%s", cs_last_error());
    fclose(f);
    cs_runlog_close_reader(r);
    cr_expect(strstr(buf, "direct &lt;feedback&gt; alignment") != NULL);
    cr_expect(strstr(buf, "not analysed") != NULL);
    cr_expect_eq(count(buf, "class=\"chart training\""), 5);
    cr_expect_eq(count(buf, "class=\"chart infoplane\""), 0);
    free(buf);
    cr_expect_eq(cs_report_html(stdout, NULL, 0), CS_EINVAL);
    rm_rf(dir);
}

/* ---- the SVG writer ------------------------------------------------------ */

static char *svg_of(const cs_svg_chart *c, const cs_svg_series *s, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(cs_svg_write(f, c, s, n), CS_OK, "%s", cs_last_error());
    fclose(f);
    return buf;
}

Test(report_html, svg_axes_escaping_and_thinning)
{
    double x[5] = {0, 1, 2, 3, 4}, y[5] = {-1, 0, 10, 100, 1000};
    cs_svg_chart c = {.title = "a <b> & \"c\"", .xlabel = "x", .ylabel = "y", .logy = 1};
    cs_svg_series s = {.x = x, .y = y, .n = 5, .label = "s<1>", .kind = CS_SVG_LINE_POINTS};
    char *out = svg_of(&c, &s, 1);
    cr_expect(strstr(out, "a &lt;b&gt; &amp; &quot;c&quot;") != NULL, "%s", out);
    cr_expect(strstr(out, "s&lt;1&gt;") != NULL);
    /* log axis: the two non-positive points are skipped, three circles drawn;
     * decade ticks 10, 100, 1000 */
    cr_expect_eq(count(out, "<circle"), 3);
    cr_expect(strstr(out, ">10<") && strstr(out, ">100<") && strstr(out, ">1000<"), "%s", out);
    free(out);

    /* nothing drawable */
    double nanv[2] = {NAN, NAN};
    cs_svg_series e = {.x = nanv, .y = nanv, .n = 2, .label = "empty"};
    out = svg_of(&c, &e, 1);
    cr_expect(strstr(out, "no data") != NULL);
    free(out);

    /* a long series keeps the per-bucket extremes: at most 2000 vertices,
     * and both the global minimum and maximum survive */
    size_t n = 100000;
    double *lx = malloc(n * sizeof *lx), *ly = malloc(n * sizeof *ly);
    for (size_t i = 0; i < n; i++) {
        lx[i] = (double)i;
        ly[i] = sin((double)i * 0.01) + (i == 4321 ? 50 : 0) - (i == 77777 ? 60 : 0);
    }
    cs_svg_chart lin = {.title = "long"};
    cs_svg_series ls = {.x = lx, .y = ly, .n = n, .kind = CS_SVG_LINE};
    out = svg_of(&lin, &ls, 1);
    size_t commas = count(out, ",");
    cr_expect_leq(commas, 2000, "%zu vertices", commas);
    cr_expect_geq(commas, 1000);
    free(out);
    free(lx);
    free(ly);
    cr_expect_eq(cs_svg_write(NULL, &c, &s, 1), CS_EINVAL);
}

/* ---- analysis as text and JSON --------------------------------------------- */

Test(report_html, metrics_text_and_json)
{
    cs_metrics *m;
    cs_metrics_create(&m);
    double steps[3] = {0, 10, 20}, tc[3] = {0.5, NAN, 0.75}, grid[4] = {1, 2, 3, NAN};
    size_t d2[2] = {2, 2};
    cs_metrics_put1(m, "/analysis/snapshot_step", 3, steps, "steps", "");
    cs_metrics_put1(m, "/analysis/layers/1/tc", 3, tc, "nats", "total correlation");
    cs_metrics_put(m, "/analysis/layers/1/grid", 2, d2, grid, "1", "a 2 x 2");
    cs_metrics_set_attr(m, "estimator", "gcopula");
    cs_metrics_set_attr_num(m, "bins", 30);
    cs_metrics_add_note(m, "a \"quoted\" note");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(cs_report_metrics_text(f, m), CS_OK);
    fclose(f);
    cr_expect(strstr(buf, "TC") && strstr(buf, "0.5000") && strstr(buf, "0.7500"), "%s", buf);
    cr_expect(strstr(buf, "3 snapshots, steps 0 .. 20") != NULL, "%s", buf);
    cr_expect(strstr(buf, "a \"quoted\" note") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    cs_json j;
    cs_json_init(&j, f);
    cs_json_begin_object(&j);
    cs_report_metrics_json(&j, m);
    cs_json_end_object(&j);
    fclose(f);
    cr_expect(strstr(buf, "\"bins\":30") != NULL, "%s", buf);
    cr_expect(strstr(buf, "\"estimator\":\"gcopula\"") != NULL, "%s", buf);
    cr_expect(strstr(buf, "\"/analysis/layers/1/tc\":{\"units\":\"nats\"") != NULL, "%s", buf);
    cr_expect(strstr(buf, "\"values\":[0.5,null,0.75]") != NULL, "%s", buf);
    cr_expect(strstr(buf, "\"dims\":[2,2],\"values\":[[1,2],[3,null]]") != NULL, "%s", buf);
    cr_expect(strstr(buf, "a \\\"quoted\\\" note") != NULL, "%s", buf);
    free(buf);
    cs_metrics_destroy(m);
}

/* Delete attribute `name` of object `obj` in `file` (HDF5 error printing off). */
static void delete_attr(const char *file, const char *obj, const char *name)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert(f >= 0, "cannot open %s", file);
    cr_assert(H5Adelete_by_name(f, obj, name, H5P_DEFAULT) >= 0, "%s: %s%s", file, obj, name);
    H5Fclose(f);
}

/* Logs and metrics files written before run ids existed: report falls back to
 * `created` and still takes the run's own metrics file. */
Test(report_html, files_without_run_id_match_by_created, .timeout = 600)
{
    char *dir = tu_tmpdir(), run[600], met[600], cmd[1400], *out = NULL, *err = NULL;
    train_and_analyze(dir, "a", "bp");
    snprintf(run, sizeof run, "%s/a.h5", dir);
    snprintf(met, sizeof met, "%s/a.metrics.h5", dir);
    delete_attr(run, "/", "run_id");
    delete_attr(met, "/analysis", "run_id");
    snprintf(cmd, sizeof cmd, "report %s --json --metrics %s", run, met);
    cr_expect_eq(tu_cli(cmd, &out, &err), 0, "%s", err);
    cr_expect(out && strstr(out, "\"analysis\""), "%s", out);
    free(out);
    free(err);
    rm_rf(dir);
}
