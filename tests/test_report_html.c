/* The report formats of real runs (src/observe/report_*.c, svg.c): 7 rules
 * x 3 seeds on digits as HTML rendered by headless Chromium (console, legend
 * geometry from the page's own layout, a PNG decoded here and checked for
 * drawn charts), as CSV and JSON checked by tests/report_check.py against
 * the HDF5 files and docs/report.schema.json; the CLI's options and errors;
 * the SVG writer; the palette under simulated colour-vision deficiency. */
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

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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

/* Distinct colours and the fraction of pixels that are not near-white in
 * the rectangle (x, y, w, h) of an image `stride` pixels wide. */
static void pixel_stats(const unsigned char *rgba, size_t stride, size_t x, size_t y, size_t w, size_t h,
                        size_t *colours, double *ink)
{
    size_t npix = w * h;
    uint32_t *c = malloc((npix ? npix : 1) * sizeof *c);
    size_t dark = 0;
    for (size_t i = 0; i < npix; i++) {
        const unsigned char *p = rgba + 4 * ((y + i / w) * stride + x + i % w);
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

static void train_and_analyze(const char *dir, const char *name, const char *rule, int seed, const char *extra)
{
    char cmd[1024], *err = NULL;
    snprintf(cmd, sizeof cmd,
             "train --data digits --rule %s --layers 64,32,10 --epochs 2 --log-every 20 --probe-size 150 --seed %d "
             "--threads 1 --quiet --out %s/%s.h5",
             rule, seed, dir, name);
    cr_assert_eq(tu_cli(cmd, NULL, &err), 0, "%s", err);
    free(err);
    snprintf(cmd, sizeof cmd, "analyze %s/%s.h5 --quiet --threads 2 %s", dir, name, extra);
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

/* Headless Chromium on `url` with a fresh profile; `what` is --screenshot=...
 * or --dump-dom; stdout to out_path, stderr (console messages) to log_path. */
static int chromium(const char *dir, const char *what, const char *url, const char *out_path, const char *log_path,
                    int height)
{
    char cmd[3000];
    snprintf(cmd, sizeof cmd,
             "timeout 300 chromium --headless --no-sandbox --disable-gpu --disable-quic --disable-dev-shm-usage "
             "--no-first-run --disable-background-networking --disable-component-update --disable-sync "
             "--user-data-dir=\"$(mktemp -d '%s/chrome.XXXXXX')\" --enable-logging=stderr --v=0 "
             "--window-size=1400,%d %s '%s' >'%s' 2>'%s'",
             dir, height, what, url, out_path, log_path);
    return system(cmd);
}

/* The page's own layout, measured inside Chromium: for every chart, each
 * legend entry must have a size, lie inside its figure and not overflow,
 * and be visible; the first charts' rectangles (page pixels) come back for
 * the screenshot check. Only the test's copy of the page has this script. */
static const char *const probe_js =
    "<script>(function(){var figs=document.querySelectorAll('figure.chart'),bad=[],items=0,rects=[];"
    "for(var i=0;i<figs.length;i++){var f=figs[i].getBoundingClientRect(),"
    "g=figs[i].querySelector('svg.plot').getBoundingClientRect();"
    "rects.push([Math.round(g.left+scrollX),Math.round(g.top+scrollY),Math.round(g.width),Math.round(g.height)]);"
    "var li=figs[i].querySelectorAll('ul.legend li');for(var k=0;k<li.length;k++){items++;"
    "var r=li[k].getBoundingClientRect(),st=getComputedStyle(li[k]);"
    "if(!(r.width>0&&r.height>0&&r.left>=f.left-0.5&&r.right<=f.right+0.5&&r.top>=f.top-0.5&&"
    "r.bottom<=f.bottom+0.5&&li[k].scrollWidth<=li[k].clientWidth+1&&st.visibility=='visible'))"
    "bad.push(i+': '+li[k].textContent);}}"
    "var p=document.createElement('pre');p.id='probe';p.textContent='PROBE figures='+figs.length+' items='+items+"
    "' bad='+bad.length+' RECTS '+JSON.stringify(rects.slice(0,8)).replace(/[\\[\\]]/g,' ')+' END '+bad.join(' | ');"
    "document.body.appendChild(p);console.log('cogscope-probe-ran');})();</script>";

static void check_rendering(const char *dir, const char *html, const char *text)
{
    char probe[700], dom[700], log[700], png[700], url[800];
    snprintf(probe, sizeof probe, "%s/probe.html", dir);
    FILE *f = fopen(probe, "w");
    cr_assert_not_null(f);
    const char *end = strstr(text, "</body>");
    cr_assert_not_null(end);
    fwrite(text, 1, (size_t)(end - text), f);
    fprintf(f, "%s</body></html>\n", probe_js);
    fclose(f);
    snprintf(dom, sizeof dom, "%s/dom.html", dir);
    snprintf(log, sizeof log, "%s/console.log", dir);
    snprintf(url, sizeof url, "file://%s", probe);
    cr_assert_eq(chromium(dir, "--dump-dom", url, dom, log, 3000), 0, "chromium failed; see %s", log);
    char *d = tu_slurp(dom), *l = tu_slurp(log);
    cr_assert(d && l);
    /* Console: the probe's own message proves messages are captured; any
     * other message (an error of the page) fails. */
    cr_expect_eq(count(l, "cogscope-probe-ran"), 1, "console capture did not work: %s", l);
    cr_expect_eq(count(l, ":CONSOLE"), 1, "the page wrote to the console: %s", l);
    const char *pr = strstr(d, "<pre id=\"probe\">PROBE figures=");
    cr_assert_not_null(pr, "the probe did not run");
    unsigned figs = 0, items = 0, bad = 0;
    cr_assert_eq(sscanf(pr, "<pre id=\"probe\">PROBE figures=%u items=%u bad=%u", &figs, &items, &bad), 3);
    cr_expect_eq(figs, count(text, "<figure class=\"chart\">"));
    cr_expect_eq(items, count(text, "<li><svg class=\"key\""), "every legend entry was laid out");
    cr_expect_gt(items, 7 * 40, "each chart lists the seven groups");
    cr_expect_eq(bad, 0, "legend entries clipped or hidden: %.2000s", strstr(pr, " END "));
    unsigned rect[8][4];
    const char *rp = strstr(pr, "RECTS");
    cr_assert_not_null(rp);
    rp += 5;
    size_t nrect = 0;
    for (; nrect < 8; nrect++) {
        int used = 0;
        for (int k = 0; k < 4; k++) {
            while (*rp == ' ' || *rp == ',')
                rp++;
            if (sscanf(rp, "%u%n", &rect[nrect][k], &used) != 1)
                goto done;
            rp += used;
        }
    }
done:
    cr_assert_geq(nrect, 4, "chart positions: %.200s", strstr(pr, "RECTS"));
    free(d);
    free(l);

    /* The screenshot of the page itself: every chart within it is drawn. */
    snprintf(png, sizeof png, "%s/report.png", dir);
    snprintf(url, sizeof url, "file://%s", html);
    char shot[800];
    snprintf(shot, sizeof shot, "--screenshot='%s'", png);
    cr_assert_eq(chromium(dir, shot, url, "/dev/null", log, 3000), 0, "chromium failed; see %s", log);
    l = tu_slurp(log);
    cr_expect_eq(count(l, ":CONSOLE"), 0, "console messages: %s", l);
    free(l);
    unsigned char *rgba;
    uint32_t w, h;
    cr_assert_eq(png_decode(png, &rgba, &w, &h), 0, "cannot decode %s", png);
    cr_expect_eq(w, 1400);
    cr_expect_eq(h, 3000);
    size_t in_view = 0;
    for (size_t i = 0; i < nrect; i++) {
        if (rect[i][0] + rect[i][2] > w || rect[i][1] + rect[i][3] > h)
            continue;
        size_t colours;
        double ink;
        pixel_stats(rgba, w, rect[i][0], rect[i][1], rect[i][2], rect[i][3], &colours, &ink);
        /* A drawn chart: axes, grid, text, several hues anti-aliased over
         * white; an empty one is one white rectangle. */
        cr_expect_gt(colours, 40, "chart %zu at %u,%u: %zu colours", i, rect[i][0], rect[i][1], colours);
        cr_expect_gt(ink, 0.04, "chart %zu: %.4f of its pixels drawn", i, ink);
        in_view++;
    }
    cr_expect_geq(in_view, 4, "at least four charts on the first 3000 pixels");
    size_t colours;
    double ink;
    pixel_stats(rgba, w, 0, 0, w, 500, &colours, &ink);
    cr_expect_gt(ink, 0.05, "the summary table is on the first screen");
    free(rgba);
}

/* 7 rules x 3 seeds on digits: HTML in Chromium, CSV and JSON checked
 * against the files by tests/report_check.py. */
Test(report_html, seven_rules_three_seeds, .timeout = 900)
{
    static const char *const rules[7] = {"bp", "fa", "dfa", "ep", "pc", "ff", "np"};
    char *dir = tu_tmpdir(), runs[4000] = "", cmd[6000], html[600];
    size_t o = 0;
    for (int r = 0; r < 7; r++)
        for (int seed = 1; seed <= 3; seed++) {
            char name[32];
            snprintf(name, sizeof name, "%s-%d", rules[r], seed);
            /* surrogates (p-value charts) on one seed: they cost 10 analyses */
            train_and_analyze(dir, name, rules[r], seed, seed == 1 ? "--surrogates 9" : "");
            o += (size_t)snprintf(runs + o, sizeof runs - o, " %s/%s.h5", dir, name);
        }
    snprintf(html, sizeof html, "%s/report.html", dir);
    snprintf(cmd, sizeof cmd, "report%s --format html -o %s", runs, html);
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
    /* The summary comes first: one row per rule, 3 runs each, bp the reference. */
    const char *sum = strstr(text, "<table class=\"summary\">"), *first_chart = strstr(text, "<figure");
    cr_assert(sum && first_chart && sum < first_chart);
    cr_expect_eq(count(text, "<tr class=\"reference\"><td><span class=\"swatch\" style=\"background:#0072B2\">"
                             "</span>bp</td><td>3</td>"),
                 1);
    for (int r = 1; r < 7; r++) {
        char row[200];
        snprintf(row, sizeof row, "</span>%s</td><td>3</td>", rules[r]);
        cr_expect_eq(count(text, row), 1, "%s", row);
    }
    cr_expect_gt(count(text, "<span class=\"delta\">Δ"), 6 * 10, "Δ against bp in every column");
    /* every computed measure has its chart */
    static const char *const charts[] = {"Angle to the backprop gradient",
                                         "PID synergy, mean of the top pairs",
                                         "PID redundancy",
                                         "PID unique (lower unit)",
                                         "O-information of random triplets: median, 5–95 % band",
                                         "permutation p-value of tc",
                                         "Energy at the end of each relaxation",
                                         "Energy along the last relaxation",
                                         "Weight norm",
                                         "Update norm",
                                         "Coherence",
                                         "Predictive integrity PI (log scale)",
                                         "Φ_R between consecutive",
                                         "Information plane, layer 1",
                                         "PSD of the loss"};
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++)
        cr_expect(strstr(text, charts[i]) != NULL, "no chart '%s'", charts[i]);
    cr_expect_gt(count(text, "class=\"band\""), 100, "intervals across seeds");
    cr_expect_gt(count(text, "stroke-opacity=\"0.22\""), 50, "faint raw traces under the smoothed lines");
    cr_expect_gt(count(text, "stroke-dasharray=\"7,4\""), 50, "layer 2 drawn dashed");
    cr_expect_eq(count(text, "no data"), 0);

    if (!have_chromium()) {
        free(text);
        rm_rf(dir);
        cr_skip_test("chromium is not installed (tools/deps.sh test installs it): the rendering was not checked");
        return;
    }
    check_rendering(dir, html, text);
    free(text);

    /* CSV and JSON against the files (python3-h5py, python3-jsonschema) */
    static const char *const fmt[2] = {"csv", "json"};
    for (int k = 0; k < 2; k++) {
        char file[600];
        snprintf(file, sizeof file, "%s/report.%s", dir, fmt[k]);
        snprintf(cmd, sizeof cmd, "report%s --format %s -o %s", runs, fmt[k], file);
        cr_assert_eq(tu_cli(cmd, NULL, &err), 0, "%s", err);
        free(err);
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/report_check.py %s %s %s%s%s >%s/check.txt 2>&1",
                 COGSCOPE_SOURCE_DIR, fmt[k], file, k ? COGSCOPE_SOURCE_DIR : "", k ? "/docs/report.schema.json" : "",
                 runs, dir);
        int rc = system(cmd);
        snprintf(file, sizeof file, "%s/check.txt", dir);
        char *msg = tu_slurp(file);
        cr_expect_eq(rc, 0, "report_check.py %s: %s", fmt[k], msg);
        cr_expect(msg && strstr(msg, k ? "ok json runs=21 groups=7" : "ok csv rows="), "%s", msg);
        free(msg);
    }
    rm_rf(dir);
}

/* ---- report through the CLI: formats, several runs, metrics files ------------- */

Test(report_html, cli_formats_runs_and_metrics_files, .timeout = 600)
{
    char *dir = tu_tmpdir(), cmd[2400], *out = NULL, *err = NULL;
    train_and_analyze(dir, "a", "bp", 2, "");
    train_and_analyze(dir, "b", "dfa", 2, "");
    struct {
        const char *args;
        int code;
        const char *in_out, *not_in_out, *in_err;
    } cases[] = {
        {"report %1$s/a.h5 --json", 0, "\"analysis\":{\"file\"", NULL, NULL},
        {"report %1$s/a.h5 --json", 0, "{\"format_version\":2,", "/analysis/", NULL},
        {"report %1$s/a.h5 --json --no-metrics", 0, "\"analysis\":null", "\"analysis\":{", NULL},
        {"report %1$s/a.h5 %1$s/b.h5 --json", 0, "\"runs\":[{\"file\"", NULL, NULL},
        {"report %1$s/a.h5", 0, "O-information", NULL, NULL},
        {"report %1$s/a.h5 %1$s/b.h5", 0, "rule dfa", NULL, NULL},
        {"report %1$s/a.h5 %1$s/b.h5", 0, "difference from bp", NULL, NULL},
        {"report %1$s/a.h5 %1$s/b.h5 --format csv", 0,
         "run,group,label,rule,seed,step,epoch,samples,layer,metric,"
         "value,units,flag\n",
         NULL, NULL},
        {"report --label first=%1$s/a.h5,%1$s/b.h5 --format csv", 0, ",first,bp seed 2,bp,", NULL, NULL},
        {"report %1$s/a.h5 --label x=%1$s/b.h5 --reference x", 0, "difference from x", NULL, NULL},
        {"report %1$s/a.h5 %1$s/b.h5 --group-by seed", 0, "seed=2", NULL, NULL},
        {"report %1$s/a.h5 %1$s/b.h5 --group-by activation,lr --json", 0, "\"name\":\"activation=relu, lr=", NULL,
         NULL},
        {"report %1$s/a.h5 --x steps --format html", 0, ">training step<", NULL, NULL},
        {"report %1$s/a.h5 --x samples --format html", 0, "samples seen", NULL, NULL},
        {"report %1$s/a.h5 --format html", 0, ">epochs<", NULL, NULL},
        {"report %1$s/a.h5 --x hours", 2, NULL, NULL, "hours"},
        {"report %1$s/a.h5 %1$s/b.h5 --group-by colour", 2, NULL, NULL, "colour"},
        {"report %1$s/a.h5 --group-by rule,,lr", 2, NULL, NULL, "comma-separated"},
        {"report %1$s/a.h5 --reference zz", 2, NULL, NULL, "zz"},
        {"report %1$s/a.h5 --label nofile", 2, NULL, NULL, "NAME=FILE"},
        {"report --label a=%1$s/a.h5 --label b=%1$s/a.h5", 2, NULL, NULL, "two groups"},
        {"report %1$s/a.h5 --smooth -1", 2, NULL, NULL, "--smooth"},
        {"report --label g=%1$s/missing.h5", 1, NULL, NULL, "missing.h5"},
        {"report", 2, NULL, NULL, "no run log"},
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
            cr_expect(err && strstr(err, cases[i].in_err), "'%s': stderr '%s' lacks '%s'", args, err,
                      cases[i].in_err);
        free(out);
        free(err);
    }
    /* A stale metrics file found by default is skipped with a warning. */
    snprintf(cmd, sizeof cmd, "cp %1$s/b.metrics.h5 %1$s/a.metrics.h5", dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "report %s/a.h5 --json", dir);
    cr_expect_eq(tu_cli(cmd, &out, &err), 0, "%s", err);
    cr_expect(strstr(err, "warning") && strstr(err, "another run"), "%s", err);
    cr_expect(strstr(out, "\"analysis\":null") && !strstr(out, "\"analysis\":{"));
    free(out);
    free(err);

    /* The library entry with labels of the caller's choice, escaped. */
    cs_runlog *r;
    char p[600];
    snprintf(p, sizeof p, "%s/b.h5", dir);
    cr_assert_eq(cs_runlog_open(p, &r), CS_OK, "%s", cs_last_error());
    cs_report_run rr = {r, NULL, "direct <feedback> alignment", "it's \"mine\" & <yours>", NULL};
    cs_report *rep;
    cr_assert_eq(cs_report_create(&rr, 1, NULL, &rep), CS_OK, "%s", cs_last_error());
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(cs_report_write_html(f, rep), CS_OK, "%s", cs_last_error());
    fclose(f);
    cr_expect(strstr(buf, "direct &lt;feedback&gt; alignment") != NULL);
    cr_expect(strstr(buf, "it&#39;s &quot;mine&quot; &amp; &lt;yours&gt;") != NULL);
    cr_expect(!strstr(buf, "<feedback>") && !strstr(buf, "<yours>"));
    cr_expect(strstr(buf, "not analysed") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    cr_assert_eq(cs_report_write_json(f, rep), CS_OK);
    fclose(f);
    cr_expect(strstr(buf, "\"group\":\"it's \\\"mine\\\" & <yours>\"") != NULL, "%.300s", buf);
    free(buf);
    f = open_memstream(&buf, &len);
    cr_assert_eq(cs_report_write_csv(f, rep), CS_OK);
    fclose(f);
    cr_expect(strstr(buf, ",\"it's \"\"mine\"\" & <yours>\",direct <feedback> alignment,") != NULL, "%.300s",
              strchr(buf, '\n'));
    free(buf);
    cs_report_destroy(rep);
    cs_runlog_close_reader(r);
    cr_expect_eq(cs_report_create(NULL, 0, NULL, &rep), CS_EINVAL);
    cr_expect_eq(cs_report_write_html(stdout, NULL), CS_EINVAL);
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

Test(report_html, metrics_text)
{
    cs_metrics *m;
    cs_metrics_create(&m);
    double steps[3] = {0, 10, 20}, tc[3] = {0.5, NAN, 0.75}, nw[3] = {1, 2, 3};
    cs_metrics_put1(m, "/analysis/snapshot_step", 3, steps, "steps", "");
    cs_metrics_put1(m, "/analysis/layers/1/tc", 3, tc, "nats", "total correlation");
    cs_metrics_put1(m, "/analysis/layers/1/newer", 3, nw, "bits", "a measure added later");
    cs_metrics_set_attr(m, "estimator", "gcopula");
    cs_metrics_add_note(m, "a \"quoted\" note");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(cs_report_metrics_text(f, m), CS_OK);
    fclose(f);
    cr_expect(strstr(buf, "Total correlation TC") && strstr(buf, "0.5000") && strstr(buf, "0.7500"), "%s", buf);
    cr_expect(strstr(buf, "a measure added later") && strstr(buf, "3.0000"), "every measure is listed: %s", buf);
    cr_expect(strstr(buf, "3 snapshots, steps 0 .. 20") != NULL, "%s", buf);
    cr_expect(strstr(buf, "a \"quoted\" note") != NULL);
    free(buf);
    cs_metrics_destroy(m);
}

/* The palette under simulated colour-vision deficiency: every pair of the
 * eight colours stays at least 15 CIE76 ΔE apart with normal vision and
 * under the protanopia, deuteranopia and tritanopia matrices of Machado,
 * Oliveira & Fernandes (2009, IEEE TVCG 15(6), severity 1.0), applied in
 * linear sRGB. (ΔE ≈ 2.3 is a just-noticeable difference; 15 keeps thin
 * lines apart.) */
static void to_lab(const double rgb_lin[3], double lab[3])
{
    static const double M[3][3] = {{0.4124, 0.3576, 0.1805}, {0.2126, 0.7152, 0.0722}, {0.0193, 0.1192, 0.9505}};
    static const double white[3] = {0.95047, 1.0, 1.08883};
    double f[3];
    for (int i = 0; i < 3; i++) {
        double t = 0;
        for (int k = 0; k < 3; k++)
            t += M[i][k] * fmin(1, fmax(0, rgb_lin[k]));
        t /= white[i];
        f[i] = t > pow(6.0 / 29, 3) ? cbrt(t) : t / (3 * pow(6.0 / 29, 2)) + 4.0 / 29;
    }
    lab[0] = 116 * f[1] - 16;
    lab[1] = 500 * (f[0] - f[1]);
    lab[2] = 200 * (f[1] - f[2]);
}

Test(report_html, palette_is_colour_blind_distinguishable)
{
    static const double cvd[4][3][3] = {
        {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
        {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
        {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
        {{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}}};
    size_t n = cs_svg_palette_size();
    cr_assert_eq(n, 8);
    double lab[4][8][3];
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        cr_assert_eq(sscanf(cs_svg_palette(i), "#%6x", &v), 1);
        double lin[3];
        for (int c = 0; c < 3; c++) {
            double x = ((v >> (16 - 8 * c)) & 0xff) / 255.0;
            lin[c] = x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4);
        }
        for (int s = 0; s < 4; s++) {
            double sim[3] = {0};
            for (int r = 0; r < 3; r++)
                for (int k = 0; k < 3; k++)
                    sim[r] += cvd[s][r][k] * lin[k];
            to_lab(sim, lab[s][i]);
        }
    }
    double worst = INFINITY;
    for (int s = 0; s < 4; s++)
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                double d = sqrt(pow(lab[s][i][0] - lab[s][j][0], 2) + pow(lab[s][i][1] - lab[s][j][1], 2) +
                                pow(lab[s][i][2] - lab[s][j][2], 2));
                cr_expect_geq(d, 15, "colours %zu and %zu under vision %d: ΔE %.1f", i, j, s, d);
                worst = fmin(worst, d);
            }
    /* the check can fail: two near hues are caught */
    cr_expect_lt(worst, 20, "the check is not vacuous (closest pair %.1f)", worst);
    cr_expect(cs_svg_palette(8) == cs_svg_palette(0), "hues repeat after eight");
    cr_expect_str_eq(cs_svg_dash(1), "7,4");
    cr_expect_null(cs_svg_dash(0));
}

/* The legend is HTML: entries wrap, labels escaped, one sample per entry. */
Test(report_html, legend_items)
{
    cs_svg_legend_item it[3] = {{"bp (3 runs)", "#0072B2", 0, CS_SVG_LINE, 1},
                                {"layer 2", "#555", 1, CS_SVG_LINE, 1},
                                {"a<b", "#555", 0, CS_SVG_BAND, 0.25}};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(cs_svg_legend(f, it, 3), CS_OK);
    fclose(f);
    cr_expect_eq(count(buf, "<li>"), 3);
    cr_expect(strstr(buf, "stroke-dasharray=\"7,4\"") != NULL);
    cr_expect(strstr(buf, "a&lt;b") != NULL);
    cr_expect(strstr(buf, "<rect") != NULL, "the band's sample is a box");
    free(buf);
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
    train_and_analyze(dir, "a", "bp", 2, "");
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
