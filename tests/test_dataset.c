/* Datasets: the bundled digits and its stratified split, IDX and CSV readers
 * (each bad input with its message), synthetic XOR/parity. Bad files are made
 * here, in a temporary directory, with zlib. */
#include <criterion/criterion.h>
#include <math.h>
#include <zlib.h>

#include "cogscope/dataset.h"
#include "cogscope/idx.h"
#include "testutil.h"

static char *tmp;

static void setup(void) { tmp = tu_tmpdir(); }
static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    cr_expect_eq(system(cmd), 0);
    free(tmp);
}

TestSuite(dataset, .init = setup, .fini = teardown);

static const char *path_in_tmp(const char *name)
{
    static char p[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", tmp, name);
    return p[i];
}

static void write_gz(const char *path, const void *data, size_t n)
{
    gzFile f = gzopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(gzwrite(f, data, (unsigned)n), (int)n);
    gzclose(f);
}

static void write_raw(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fwrite(data, 1, n, f);
    fclose(f);
}

/* An IDX byte image: 00 00 08 ndim, sizes, data (value = index mod 251). */
static size_t make_idx(uint8_t *buf, const uint32_t *dims, size_t ndim, long extra)
{
    buf[0] = 0;
    buf[1] = 0;
    buf[2] = 8;
    buf[3] = (uint8_t)ndim;
    size_t n = 1, o = 4;
    for (size_t d = 0; d < ndim; d++) {
        buf[o++] = (uint8_t)(dims[d] >> 24);
        buf[o++] = (uint8_t)(dims[d] >> 16);
        buf[o++] = (uint8_t)(dims[d] >> 8);
        buf[o++] = (uint8_t)dims[d];
        n *= dims[d];
    }
    for (size_t i = 0; i < (size_t)((long)n + extra); i++)
        buf[o++] = (uint8_t)(ndim == 1 ? i % 10 : i % 251);
    return o;
}

/* ---- digits ---- */

Test(dataset, digits_split_is_stratified_and_seeded)
{
    cs_dataset_options o;
    cs_dataset_options_default(&o);
    o.bundled_dir = COGSCOPE_SOURCE_DIR "/datasets";
    cs_dataset tr, te, tr2, te2;
    cr_assert_eq(cs_dataset_load("digits", &o, &tr, &te), CS_OK, "%s", cs_last_error());
    /* The reference split: 1,797 = 1,347 train + 450 test (25%, ceil). */
    cr_expect_eq(tr.n, 1347);
    cr_expect_eq(te.n, 450);
    cr_expect_eq(tr.dim, 64);
    cr_expect_eq(tr.classes, 10);
    size_t ctr[10] = {0}, cte[10] = {0};
    double lo = 1, hi = 0, sum = 0;
    for (size_t i = 0; i < tr.n * tr.dim; i++) {
        lo = fmin(lo, tr.x[i]);
        hi = fmax(hi, tr.x[i]);
        sum += tr.x[i];
    }
    cr_expect(lo == 0.0f && hi == 1.0f, "pixels in [%g, %g]", lo, hi); /* 0..16 / 16 */
    for (size_t i = 0; i < tr.n; i++)
        ctr[tr.y[i]]++;
    for (size_t i = 0; i < te.n; i++)
        cte[te.y[i]]++;
    for (int c = 0; c < 10; c++) {
        /* each class's test share is within one sample of 25% */
        double want = 0.25 * (double)(ctr[c] + cte[c]);
        cr_expect(fabs((double)cte[c] - want) <= 1.0, "class %d: %zu test of %zu", c, cte[c], ctr[c] + cte[c]);
    }
    /* same seed, same split; another seed, another split with the same sizes */
    cr_assert_eq(cs_dataset_load("digits", &o, &tr2, &te2), CS_OK);
    cr_expect_eq(memcmp(te.x, te2.x, te.n * te.dim * sizeof(float)), 0);
    cs_dataset_free(&tr2);
    cs_dataset_free(&te2);
    o.seed = 2;
    cr_assert_eq(cs_dataset_load("digits", &o, &tr2, &te2), CS_OK);
    cr_expect_eq(te2.n, 450);
    cr_expect_neq(memcmp(te.x, te2.x, te.n * te.dim * sizeof(float)), 0);
    /* a split is a partition: pixel sums over train + test agree */
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < te.n * te.dim; i++)
        s1 += te.x[i];
    for (size_t i = 0; i < tr2.n * tr2.dim; i++)
        s2 += tr2.x[i];
    for (size_t i = 0; i < te2.n * te2.dim; i++)
        s2 += te2.x[i];
    cr_expect(fabs(sum + s1 - s2) < 1e-6 * s2);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
    cs_dataset_free(&tr2);
    cs_dataset_free(&te2);
}

/* ---- IDX ---- */

Test(dataset, idx_reads_gzip_and_plain)
{
    uint8_t buf[256];
    uint32_t dims[3] = {3, 2, 4};
    size_t n = make_idx(buf, dims, 3, 0);
    write_gz(path_in_tmp("a.gz"), buf, n);
    write_raw(path_in_tmp("a.idx"), buf, n);
    const char *names[2] = {"a.gz", "a.idx"};
    for (int k = 0; k < 2; k++) {
        cs_idx idx;
        cr_assert_eq(cs_idx_read(path_in_tmp(names[k]), 0, &idx), CS_OK, "%s", cs_last_error());
        cr_expect_eq(idx.ndim, 3);
        cr_expect_eq(idx.dims[0], 3);
        cr_expect_eq(idx.count, 24);
        cr_expect_eq(idx.data[23], 23);
        cs_idx_free(&idx);
    }
}

static void expect_idx_error(const char *name, cs_status want, const char *fragment)
{
    cs_idx idx;
    cs_status st = cs_idx_read(path_in_tmp(name), 0, &idx);
    cr_expect_eq(st, want, "%s: status %d (%s)", name, st, cs_last_error());
    cr_expect(strstr(cs_last_error(), fragment) != NULL, "%s: '%s' lacks '%s'", name, cs_last_error(), fragment);
    cr_expect(strstr(cs_last_error(), name) != NULL, "message does not name the file: %s", cs_last_error());
    cr_expect_null(idx.data);
}

Test(dataset, idx_bad_inputs)
{
    uint8_t buf[256];
    uint32_t dims[2] = {4, 5};
    size_t n = make_idx(buf, dims, 2, 0);

    expect_idx_error("missing.gz", CS_EIO, "cannot open");

    uint8_t bad[256];
    memcpy(bad, buf, n);
    bad[0] = 0x1f; /* e.g. a doubly gzipped file */
    write_gz(path_in_tmp("magic.gz"), bad, n);
    expect_idx_error("magic.gz", CS_EFORMAT, "not an IDX file");

    memcpy(bad, buf, n);
    bad[2] = 0x0d; /* float data */
    write_gz(path_in_tmp("type.gz"), bad, n);
    expect_idx_error("type.gz", CS_EFORMAT, "element type 0x0d");

    write_gz(path_in_tmp("short.gz"), buf, n - 3); /* header says 20 bytes, 17 present */
    expect_idx_error("short.gz", CS_EFORMAT, "size mismatch");

    size_t n2 = make_idx(bad, dims, 2, 2); /* 2 bytes more than declared */
    write_gz(path_in_tmp("long.gz"), bad, n2);
    expect_idx_error("long.gz", CS_EFORMAT, "size mismatch");

    /* a truncated gzip stream: compress, then cut the file */
    uint8_t big[4096];
    uint32_t bdims[2] = {40, 90};
    size_t nb = make_idx(big, bdims, 2, 0);
    write_gz(path_in_tmp("full.gz"), big, nb);
    char *whole = tu_slurp(path_in_tmp("full.gz"));
    FILE *f = fopen(path_in_tmp("full.gz"), "rb");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fclose(f);
    write_raw(path_in_tmp("cut.gz"), whole, (size_t)len / 2);
    expect_idx_error("cut.gz", CS_EFORMAT, "truncated");
    /* cut only the 8-byte trailer (CRC + length): the data are complete but
     * the stream is not */
    write_raw(path_in_tmp("trailer.gz"), whole, (size_t)len - 4);
    expect_idx_error("trailer.gz", CS_EFORMAT, "truncated");
    free(whole);

    write_raw(path_in_tmp("empty.gz"), "", 0);
    expect_idx_error("empty.gz", CS_EFORMAT, "not an IDX file");
}

Test(dataset, idx_pair_count_mismatch_and_data_dir)
{
    uint8_t im[512], lb[64];
    uint32_t idims[3] = {6, 2, 3}, ldims[1] = {6}, lshort[1] = {5};
    size_t ni = make_idx(im, idims, 3, 0), nl = make_idx(lb, ldims, 1, 0);
    /* a miniature Fashion-MNIST directory */
    write_gz(path_in_tmp("train-images-idx3-ubyte.gz"), im, ni);
    write_gz(path_in_tmp("train-labels-idx1-ubyte.gz"), lb, nl);
    write_gz(path_in_tmp("t10k-images-idx3-ubyte.gz"), im, ni);
    size_t ns = make_idx(lb, lshort, 1, 0);
    write_gz(path_in_tmp("t10k-labels-idx1-ubyte.gz"), lb, ns);
    cs_dataset_options o;
    cs_dataset_options_default(&o);
    o.data_dir = tmp;
    cs_dataset tr, te;
    cr_expect_eq(cs_dataset_load("fashion-mnist", &o, &tr, &te), CS_EFORMAT);
    cr_expect(strstr(cs_last_error(), "count mismatch") && strstr(cs_last_error(), "6 images") &&
                  strstr(cs_last_error(), "5 labels"),
              "%s", cs_last_error());
    make_idx(lb, ldims, 1, 0);
    write_gz(path_in_tmp("t10k-labels-idx1-ubyte.gz"), lb, nl);
    cr_assert_eq(cs_dataset_load("fashion-mnist", &o, &tr, &te), CS_OK, "%s", cs_last_error());
    cr_expect_eq(tr.n, 6);
    cr_expect_eq(tr.dim, 6);
    cr_expect_eq(tr.classes, 6); /* labels 0..5 */
    cr_expect(fabsf(tr.x[5] - 5.0f / 255.0f) < 1e-7f);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
    o.data_dir = "/nonexistent-dir";
    cr_expect_eq(cs_dataset_load("fashion-mnist", &o, &tr, &te), CS_EIO);
    cr_expect(strstr(cs_last_error(), "--data-dir"), "%s", cs_last_error());
}

Test(dataset, fashion_mnist_installed, .disabled = 0)
{
    /* The real files when the Debian package is present (bench deps). */
    if (access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) != 0)
        cr_skip_test("dataset-fashion-mnist is not installed");
    cs_dataset tr, te;
    cr_assert_eq(cs_dataset_load("fashion-mnist", NULL, &tr, &te), CS_OK, "%s", cs_last_error());
    cr_expect_eq(tr.n, 60000);
    cr_expect_eq(te.n, 10000);
    cr_expect_eq(tr.dim, 784);
    cr_expect_eq(tr.classes, 10);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}

/* ---- CSV ---- */

static void expect_csv_error(const char *name, const char *text, long label_col, cs_status want, const char *fragment)
{
    tu_write(path_in_tmp(name), text);
    cs_dataset d;
    cs_status st = cs_dataset_read_csv(path_in_tmp(name), label_col, 1.0, &d);
    cr_expect_eq(st, want, "%s: status %d (%s)", name, st, cs_last_error());
    cr_expect(strstr(cs_last_error(), fragment) != NULL, "%s: '%s' lacks '%s'", name, cs_last_error(), fragment);
    cr_expect_null(d.x);
}

Test(dataset, csv_reads_and_label_col)
{
    tu_write(path_in_tmp("ok.csv"), "# a comment\n1,0.5,2\n\n0, 1.5 ,3\n1,2.5,4\n");
    cs_dataset d;
    cr_assert_eq(cs_dataset_read_csv(path_in_tmp("ok.csv"), 0, 1.0, &d), CS_OK, "%s", cs_last_error());
    cr_expect_eq(d.n, 3);
    cr_expect_eq(d.dim, 2);
    cr_expect_eq(d.classes, 2);
    cr_expect_eq(d.y[1], 0);
    cr_expect_eq(d.x[2], 1.5f);
    cr_expect_eq(d.x[3], 3.0f);
    cs_dataset_free(&d);
    /* gzipped, label last by default */
    const char *t = "0.1 0.2 0\n0.3 0.4 1\n0.5 0.6 2\n";
    write_gz(path_in_tmp("ok.csv.gz"), t, strlen(t));
    cr_assert_eq(cs_dataset_read_csv(path_in_tmp("ok.csv.gz"), -1, 2.0, &d), CS_OK);
    cr_expect_eq(d.classes, 3);
    cr_expect(fabsf(d.x[5] - 1.2f) < 1e-6f);
    cs_dataset_free(&d);
}

Test(dataset, csv_bad_inputs)
{
    expect_csv_error("ragged.csv", "1,2,0\n3,4\n", -1, CS_EFORMAT, "line 2 has 2 columns, earlier rows have 3");
    expect_csv_error("cell.csv", "1,2,0\n3,abc,1\n", -1, CS_EFORMAT, "line 2, column 1: 'abc' is not a number");
    expect_csv_error("nan.csv", "1,2,0\n3,nan,1\n", -1, CS_ENONFINITE, "line 2, column 1");
    expect_csv_error("neg.csv", "1,2,0\n3,4,-1\n", -1, CS_EFORMAT, "label -1 is not an integer class");
    expect_csv_error("frac.csv", "1,2,0\n3,4,0.5\n", -1, CS_EFORMAT, "label 0.5 is not an integer class");
    expect_csv_error("absent.csv", "1,2,0\n3,4,\n", -1, CS_EFORMAT, "(a cell is missing)");
    expect_csv_error("col.csv", "1,2,0\n3,4,1\n", 5, CS_EINVAL, "--label-col 5");
    expect_csv_error("oneclass.csv", "1,2,0\n3,4,0\n", -1, CS_EFORMAT, ">= 2 classes");
    expect_csv_error("empty.csv", "# nothing\n\n", -1, CS_EFORMAT, "no data rows");
    expect_csv_error("single.csv", "1\n2\n", -1, CS_EFORMAT, "need features and a label");
    cs_dataset d;
    cr_expect_eq(cs_dataset_read_csv(path_in_tmp("missing.csv"), -1, 1.0, &d), CS_EIO);
    cr_expect(strstr(cs_last_error(), "missing.csv: cannot open"), "%s", cs_last_error());
    /* a truncated gzipped CSV */
    char text[8192];
    size_t o = 0;
    for (int i = 0; i < 400; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%d,%d,%d\n", i, i * 7 % 13, i % 3);
    write_gz(path_in_tmp("t.csv.gz"), text, o);
    char *whole = tu_slurp(path_in_tmp("t.csv.gz"));
    FILE *f = fopen(path_in_tmp("t.csv.gz"), "rb");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fclose(f);
    write_raw(path_in_tmp("cut.csv.gz"), whole, (size_t)len - 6);
    free(whole);
    cr_expect_eq(cs_dataset_read_csv(path_in_tmp("cut.csv.gz"), -1, 1.0, &d), CS_EFORMAT);
    cr_expect(strstr(cs_last_error(), "truncated"), "%s", cs_last_error());
}

Test(dataset, csv_split_via_load)
{
    char text[4096];
    size_t o = 0;
    for (int i = 0; i < 40; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%d,%d,%d\n", i, -i, i % 4);
    tu_write(path_in_tmp("s.csv"), text);
    cs_dataset_options opt;
    cs_dataset_options_default(&opt);
    cs_dataset tr, te;
    cr_assert_eq(cs_dataset_load(path_in_tmp("s.csv"), &opt, &tr, &te), CS_OK, "%s", cs_last_error());
    cr_expect_eq(te.n, 10);
    cr_expect_eq(tr.n, 30);
    size_t cnt[4] = {0};
    for (size_t i = 0; i < te.n; i++)
        cnt[te.y[i]]++;
    /* 10 per class, 25% -> 2.5 each: two classes give 3, two give 2 */
    size_t threes = 0;
    for (int c = 0; c < 4; c++) {
        cr_expect(cnt[c] == 2 || cnt[c] == 3);
        threes += cnt[c] == 3;
    }
    cr_expect_eq(threes, 2);
    /* every test row is a row of the file: x0 = -x1 and label = x0 mod 4 */
    for (size_t i = 0; i < te.n; i++) {
        cr_expect_eq(te.x[2 * i], -te.x[2 * i + 1]);
        cr_expect_eq((int)te.x[2 * i] % 4, te.y[i]);
    }
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
}

/* ---- synthetic ---- */

Test(dataset, xor_and_parity)
{
    cs_dataset_options o;
    cs_dataset_options_default(&o);
    cs_dataset tr, te;
    cr_assert_eq(cs_dataset_load("parity:5", &o, &tr, &te), CS_OK);
    cr_expect_eq(tr.dim, 5);
    cr_expect_eq(tr.n, 2000);
    cr_expect_eq(te.n, 500);
    size_t ones = 0;
    double dev = 0;
    for (size_t i = 0; i < tr.n; i++) {
        unsigned par = 0;
        for (size_t j = 0; j < 5; j++) {
            float v = tr.x[i * 5 + j];
            unsigned bit = v > 0.5f; /* noise sd 0.1: a 5-sd flip never happens here */
            par ^= bit;
            dev += (v - (float)bit) * (v - (float)bit);
        }
        cr_expect_eq((int)par, tr.y[i]);
        ones += tr.y[i];
    }
    double sd = sqrt(dev / (tr.n * 5.0));
    cr_expect(fabs(sd - 0.1) < 0.005, "noise sd %g", sd); /* 10,000 draws: se ~ 0.0007 */
    cr_expect(ones > 900 && ones < 1100);                 /* balanced classes, binomial sd ~22 */
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
    cr_assert_eq(cs_dataset_load("xor", &o, &tr, &te), CS_OK);
    cr_expect_eq(tr.dim, 2);
    cr_expect_eq(tr.classes, 2);
    cs_dataset_free(&tr);
    cs_dataset_free(&te);
    cr_expect_eq(cs_dataset_load("parity:1", &o, &tr, &te), CS_EINVAL);
    cr_expect_eq(cs_dataset_load("parity:x", &o, &tr, &te), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "--data parity:x"));
}
